/* board.c: the board file. The wiring of VMCP's PC-AT, top to bottom: every port, IRQ,
 * ROM and wire between chips is here and nowhere else. The machine is an i440FX/PIIX3
 * board (as Bochs's and QEMU's "pc"), because that is what SeaBIOS knows without
 * QEMU's fw_cfg (docs/firmware.md), with the PC-AT's ISA chips around it.
 *
 *   I/O ports                                      IRQ   other wires
 *   0x000-0x00F, 0x0C0-0x0DF  8237 DMA pair              channel 2: floppy
 *   0x020-0x021, 0x0A0-0x0A1  8259A PIC pair              INT -> CPU INTR, INTA <- CPU
 *   0x040-0x043               8254 PIT                0   (counter 0)
 *   0x060, 0x064              8042 + PS/2 kbd/mouse   1,12 A20, CPU reset
 *   0x061                     system control port B       (PIT counter 2 gate/out)
 *   0x070-0x071               MC146818 RTC + CMOS     8
 *   0x080                     POST code port               -> host (--post)
 *   0x081-0x08F               DMA page registers
 *   0x092                     system control port A        A20, CPU reset
 *   0x0B2-0x0B3               APM control/status (PIIX4 PM)
 *   0x170-0x177, 0x376        IDE secondary           15
 *   0x1F0-0x1F7, 0x3F6        IDE primary             14
 *   0x2F8-0x2FF               16550A COM2             3
 *   0x3B0-0x3DF               VGA                          memory 0xA0000-0xBFFFF
 *   0x3F0-0x3F5, 0x3F7        82077AA floppy          6
 *   0x3F8-0x3FF               16550A COM1             4
 *   0x402                     debug console (SeaBIOS log) -> host (--debugcon)
 *   0x4D0-0x4D1               ELCR (PIC edge/level)
 *   0x0E9                     Bochs debug port             -> host (--post/e9)
 *   0x0F0 (write)             x87 error latch clear   13   FERR# -> latch -> IRQ13; IGNNE#
 *   0xAFE0-0xAFE3             GPE0 (PIIX4 PM)
 *   0xCF8-0xCFF               PCI configuration #1; 0xCF9 PIIX3 reset control
 *   PCI 00:00.0 i440FX (PAM shadowing of 0xC0000-0xFFFFF), 00:01.0 PIIX3 ISA, 00:01.1
 *   PIIX3 IDE (BAR4: bus master), 00:01.3 PIIX4 PM (PMBA; SCI on IRQ 9), 00:02.0 VGA
 *   (its ROM BAR holds the VGA BIOS).
 *   Memory: RAM from 0; the BIOS image at 4 GiB minus its size and its last 128 KiB
 *   below 1 MiB through PAM; on a P6 machine the 82093AA I/O APIC at 0xFEC00000 (ISA
 *   IRQ n, the same line the 8259A sees, on its pin n; its messages and the local
 *   APIC's IPIs on the APIC bus) and the CPU's local APIC at 0xFEE00000 (inside the
 *   CPU), whose LINT0 takes the 8259A's INT (ExtINT, virtual-wire mode) and whose
 *   output is the CPU's INTR; without an APIC the 8259A drives INTR directly.
 * Ports 0x510-0x51B (QEMU fw_cfg) stay unmapped on purpose: SeaBIOS must not find it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/hostmem.h"
#include "conf/conf.h"
#include "vm/linuxboot.h"
#include "vm/machine.h"
#include "vm/mptable.h"

#define BIOS_LOW_WINDOW (128 * KiB)

/* The wiring below is fixed: a port range mapped twice or a PCI slot used twice is a bug
 * in this file, never something a guest or a config can cause. */
static void map(IoBus *io, u16 base, u32 count, const IoOps *ops, void *ctx)
{
	int r = io_map(io, base, count, ops, ctx);
	assert(r == 0);
	(void)r;
}

static void plug(PciBus *bus, PciDev *d, u8 devfn)
{
	int r = pci_register(bus, d, devfn);
	assert(r == 0);
	(void)r;
}

/* Gives up building: frees what was built, leaves the reason in why, returns r. */
static int fail(Machine *m, int r, char *why, size_t whylen, const char *reason)
{
	if (reason)
		snprintf(why, whylen, "%s", reason);
	machine_free(m);
	return r;
}

/* ---- Wires ------------------------------------------------------------------ */

/* The 8259A's INT: the local APIC's LINT0 on a P6 machine, else the CPU's INTR. */
static void wire_intr(void *ctx, int n, int level)
{
	Machine *m = ctx;
	if (m->has_apic)
		lapic_set_lint(&m->lapic[0], 0, level);
	else
		cpu_set_intr(m->cpu, level != 0);
}

/* ISA IRQ n reaches 8259A input n and I/O APIC pin n. */
static void pic_update(Machine *m, int irq)
{
	u16 bit = (u16)(1u << irq);
	bool level = ((m->irq_isa | m->irq_pirq) & bit) != 0;
	pic_set_irq(&m->pic, irq, level);
	if (m->has_apic)
		ioapic_set_irq(&m->ioapic, irq, level);
}

/* The local APIC's side of the CPU. */
static void apic_cpu_intr(void *ctx, bool level)
{
	cpu_set_intr(ctx, level);
}

static void apic_cpu_nmi(void *ctx)
{
	cpu_set_nmi(ctx, true);
	cpu_set_nmi(ctx, false);
}

static void apic_cpu_init(void *ctx)
{
	cpu_signal_init(ctx);
}

static void apic_cpu_sipi(void *ctx, u8 vector)
{
	cpu_signal_sipi(ctx, vector);
}

/* The APIC bus: I/O APIC messages and IPIs to the local APICs. A CPU that sent an IPI
 * to others ends its turn, so that they answer soon (run.c). */
static void wire_apic_bus(void *ctx, const ApicMsg *msg)
{
	Machine *m = ctx;
	Lapic *apics[VM_CPUS_MAX];
	for (int i = 0; i < m->ncpus; i++)
		apics[i] = &m->lapic[i];
	lapic_bus_deliver(apics, m->ncpus, msg);
	if (msg->source >= 0 && m->ncpus > 1) {
		m->yield = true;
		cpu_request_exit(m->cpus[m->cur]);
	}
}

/* A local APIC's EOI of a level-triggered vector, to the I/O APIC. */
static void wire_apic_eoi(void *ctx, u8 vector)
{
	Machine *m = ctx;
	ioapic_eoi(&m->ioapic, vector);
}

/* One of the two sources ORed onto a PIC input changed. */
static void wire_or(Machine *m, u16 *levels, int irq, int level)
{
	if (level)
		*levels |= (u16)(1u << irq);
	else
		*levels &= (u16)~(1u << irq);
	pic_update(m, irq);
}

/* An ISA device's IRQ output; shares the PIC input with PIRQs routed to the same IRQ. */
static void wire_isa_irq(void *ctx, int irq, int level)
{
	Machine *m = ctx;
	wire_or(m, &m->irq_isa, irq, level);
}

/* Whether a change of ISA IRQ irq could change nothing now: both receivers ignore it
 * (the 8259A has the edge latched; the I/O APIC pin is a masked edge input) until they
 * call wire_sync_quiet. */
static bool wire_isa_quiet(void *ctx, int irq)
{
	Machine *m = ctx;
	return pic_input_ignored(&m->pic, irq) &&
	       (!m->has_apic || ioapic_input_ignored(&m->ioapic, irq));
}

/* The 8259A or the I/O APIC is about to change: the quiet sources (the PIT's IRQ0)
 * drive their lines again. */
static void wire_sync_quiet(void *ctx)
{
	Machine *m = ctx;
	pit_irq_sync(&m->pit);
}

static void wire_pirq_irq(void *ctx, int irq, int level)
{
	Machine *m = ctx;
	wire_or(m, &m->irq_pirq, irq, level);
}

/* The x87's error wiring, the PC-AT way (SDM vol. 1 D.2.1.1, figure D-1): a rising
 * FERR# (an unmasked x87 exception with CR0.NE = 0) sets a latch that drives IRQ13; a
 * write to port F0h clears the latch and, while FERR# is high, asserts IGNNE# so the
 * handler's x87 instructions run; IGNNE# falls with FERR# (FNCLEX, FNINIT...). */
static void wire_ferr(void *ctx, int n, int level)
{
	Machine *m = ctx;
	(void)n;
	if (level && !m->ferr)
		wire_isa_irq(m, 13, 1);
	if (!level)
		cpu_set_ignne(m->cpu, false);
	m->ferr = level != 0;
}

static void x87_latch_write(void *ctx, u16 port, u32 val, int size)
{
	Machine *m = ctx;
	(void)port;
	(void)val;
	(void)size;
	wire_isa_irq(m, 13, 0);
	if (m->ferr)
		cpu_set_ignne(m->cpu, true);
}

static const IoOps x87_latch_io_ops = {NULL, x87_latch_write, 1, "x87 error latch"};

enum { A20_KBC, A20_PORT92 };
/* Gate A20 is the OR of the 8042's output port bit 1 and port 92h bit 1. */
static void wire_a20(void *ctx, int n, int level)
{
	Machine *m = ctx;
	if (n == A20_KBC)
		m->a20_kbc = level != 0;
	else
		m->a20_port92 = level != 0;
	mem_set_a20(&m->mem, m->a20_kbc || m->a20_port92);
}

static void wire_cpu_reset(void *ctx, int n, int level)
{
	if (level)
		machine_request(ctx, MACH_REQ_CPU_RESET);
}

static void wire_sys_reset(void *ctx, int n, int level)
{
	if (level)
		machine_request(ctx, MACH_REQ_SYS_RESET);
}

static void wire_poweroff(void *ctx, int n, int level)
{
	if (level)
		machine_request(ctx, MACH_REQ_POWEROFF);
}

/* A timer armed earlier than the running slice's end: the running CPU stops there. */
static void kick_cpu(void *ctx)
{
	Machine *m = ctx;
	cpu_request_exit(m->cpus[m->cur]);
}

static void com1_tx(void *ctx, u8 b)
{
	Machine *m = ctx;
	if (m->cfg.host.serial_out)
		m->cfg.host.serial_out(m->cfg.host.ctx, 0, b);
}

static void com2_tx(void *ctx, u8 b)
{
	Machine *m = ctx;
	if (m->cfg.host.serial_out)
		m->cfg.host.serial_out(m->cfg.host.ctx, 1, b);
}

static void debug_out(void *ctx, u16 port, u8 b)
{
	Machine *m = ctx;
	if (m->cfg.host.debug_out)
		m->cfg.host.debug_out(m->cfg.host.ctx, port, b);
}

/* ---- Firmware ---------------------------------------------------------------- */

/* Reads a ROM image into a buffer of at least min bytes whose size is a multiple of
 * 4 KiB, the rest filled with 0xFF as an erased ROM. A system BIOS is right-aligned
 * (at_end: it must end at the top of the address space, where the reset vector is); an
 * option ROM starts at offset 0 (its 55 AA header). */
static int load_rom(const char *path, u32 min, u32 max, bool at_end, u8 **out, u32 *size,
		    char *why, size_t whylen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(why, whylen, "cannot open firmware %s: %s", path, strerror(errno));
		return errno == ENOENT ? VMCP_ENOENT : VMCP_EIO;
	}
	long len = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
	if (len < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		snprintf(why, whylen, "cannot read firmware %s: %s", path, strerror(errno));
		return VMCP_EIO;
	}
	if (len == 0 || (u64)len > max) {
		fclose(f);
		snprintf(why, whylen, "firmware %s has %ld bytes (1 to %u allowed)", path, len, max);
		return VMCP_EINVAL;
	}
	u32 sz = MAX(min, ((u32)len + MEM_PAGE_MASK) & ~MEM_PAGE_MASK);
	u8 *buf = hostmem_alloc(sz, HOSTMEM_NOCLEAR | HOSTMEM_NOPTRS); /* (filled here) */
	if (!buf) {
		fclose(f);
		snprintf(why, whylen, "out of memory for firmware %s", path);
		return VMCP_ENOMEM;
	}
	memset(buf, 0xFF, sz);
	size_t got = fread(buf + (at_end ? sz - (u32)len : 0), 1, (size_t)len, f);
	fclose(f);
	if (got != (size_t)len) {
		hostmem_free(buf, sz, HOSTMEM_NOCLEAR | HOSTMEM_NOPTRS);
		snprintf(why, whylen, "cannot read firmware %s", path);
		return VMCP_EIO;
	}
	*out = buf;
	*size = sz;
	return 0;
}

/* ---- CMOS ---------------------------------------------------------------------- */

static void cmos_setup(Machine *m)
{
	Rtc *r = &m->rtc;
	rtc_cmos_set_memory(r, m->cfg.memory, 0);
	int t0 = fdc_cmos_type(&m->fdc, 0), t1 = fdc_cmos_type(&m->fdc, 1);
	rtc_cmos_set(r, CMOS_FLOPPY_TYPES, (u8)(t0 << 4 | t1));
	int nfd = (t0 != 0) + (t1 != 0);
	/* Equipment byte: bit 0 floppy drives present, bits 7-6 their number - 1, bits 5-4
	 * 00 = EGA/VGA (a BIOS on the adapter). */
	rtc_cmos_set(r, CMOS_EQUIPMENT, nfd ? (u8)(1 | (nfd - 1) << 6) : 0);
	/* SeaBIOS's translation per ATA drive: LBA for disks past 1024 cylinders. */
	u8 xlat = 0;
	for (int i = 0; i < 4; i++) {
		const VdDisk *vd = m->cfg.hd[i];
		if (vd && vd->geom.cylinders > 1024)
			xlat |= (u8)(1 << (2 * i));
	}
	rtc_cmos_set(r, 0x39, xlat);
	rtc_cmos_set(r, CMOS_SMP_COUNT, (u8)(m->ncpus - 1)); /* SeaBIOS counts this many APs */
	rtc_cmos_set_boot_order(r, m->cfg.boot[0], m->cfg.boot[1], m->cfg.boot[2], true);
	rtc_cmos_checksum(r);
}

/* ---- Build ------------------------------------------------------------------------ */

int machine_init(Machine *m, const MachineConfig *cfg, char *why, size_t whylen)
{
	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	if (!m->cfg.ips)
		m->cfg.ips = MACHINE_DEFAULT_IPS;
	int r;
	const char *mem_why;
	if ((r = vm_memory_check(cfg->memory, &mem_why))) { /* the one memory rule (conf.h) */
		snprintf(why, whylen, "memory %llu bytes %s", (unsigned long long)cfg->memory, mem_why);
		return r;
	}
	if ((r = mem_init(&m->mem, cfg->memory))) {
		snprintf(why, whylen, "cannot give the VM %llu bytes of RAM: %s",
			 (unsigned long long)cfg->memory, vmcp_strerror(r));
		return r;
	}
	/* zeroed: every port unmapped, as io_init leaves it (a 1 MiB table) */
	m->io = hostmem_alloc(sizeof(*m->io), 0);
	if (!m->io)
		return fail(m, VMCP_ENOMEM, why, whylen, "out of memory");
	IoBus *io = m->io;
	MemBus *mem = &m->mem;
	Clock *clk = &m->clock;
	clock_init(clk, (u32)(1000000000000ull / m->cfg.ips));

	/* Firmware. */
	const char *bios = cfg->bios ? cfg->bios : MACHINE_DEFAULT_BIOS;
	if ((r = load_rom(bios, BIOS_LOW_WINDOW, 16 * MiB, true, &m->bios, &m->bios_size, why, whylen)))
		return fail(m, r, why, whylen, NULL);
	if (!cfg->bios_raw && !(cfg->vgabios && !*cfg->vgabios)) {
		const char *vb = cfg->vgabios ? cfg->vgabios : MACHINE_DEFAULT_VGABIOS;
		if ((r = load_rom(vb, 0, 256 * KiB, false, &m->vgabios, &m->vgabios_size, why, whylen)))
			return fail(m, r, why, whylen, NULL);
	}

	/* The CPUs (cpus[0] the bootstrap processor, more only on a P6: they need local
	 * APICs), their INTR input from the PIC and their INTA cycle to the PIC; the i486DX
	 * and later have their x87 on the chip (the 386 gets no 387). The clock counts the
	 * instructions of whichever CPU runs (run.c). */
	m->ncpus = cfg->cpus > 0 ? cfg->cpus : 1;
	if (m->ncpus > VM_CPUS_MAX || (m->ncpus > 1 && cfg->cpu < CPU_MODEL_P6))
		return fail(m, VMCP_EINVAL, why, whylen, "more than one CPU needs i686, at most 8");
	CpuConfig cc = {.model = cfg->cpu, .fpu = cfg->cpu >= CPU_MODEL_486, .engine = cfg->engine};
	for (int i = 0; i < m->ncpus; i++) {
		m->cpus[i] = cpu_new(&cc, mem, io);
		if (!m->cpus[i])
			return fail(m, VMCP_ENOMEM, why, whylen, "out of memory for the CPU");
	}
	m->cpu = m->cpus[0];
	clock_attach_icount(clk, cpu_icount(m->cpu));
	clk->kick = kick_cpu;
	clk->kick_ctx = m;

	/* 8259A pair + ELCR. */
	pic_init(&m->pic);
	map(io, 0x20, 2, &pic_io_ops, &m->pic);
	map(io, 0xA0, 2, &pic_io_ops, &m->pic);
	map(io, 0x4D0, 2, &pic_elcr_io_ops, &m->pic);
	irq_connect(&m->pic.intr, wire_intr, m, 0);
	m->pic.sync = (IrqSync){wire_sync_quiet, m};
	cpu_set_intr_ack(m->cpu, pic_ack, &m->pic);

	/* P6: the local APIC between the 8259A and the CPU (its registers inside the CPU,
	 * the INTA cycle through it, ExtINT to the 8259A), the I/O APIC on the memory
	 * bus, both on the APIC bus. */
	m->has_apic = cfg->cpu >= CPU_MODEL_P6;
	if (m->has_apic) {
		/* APIC ID i for CPU i; CPU 0 is the bootstrap processor. Only CPU 0's LINT0
		 * has the 8259A (wire_intr); LINT1 (NMI) is not connected. */
		for (int i = 0; i < m->ncpus; i++) {
			Lapic *l = &m->lapic[i];
			lapic_init(l, clk, i, (u8)i);
			l->cpu = (LapicCpu){m->cpus[i], apic_cpu_intr, apic_cpu_nmi, apic_cpu_init,
					    apic_cpu_sipi};
			l->send = wire_apic_bus;
			l->send_ctx = m;
			l->eoi = wire_apic_eoi;
			l->eoi_ctx = m;
			l->extint_ack = pic_ack;
			l->extint_ctx = &m->pic;
			cpu_attach_apic(m->cpus[i], &(CpuApic){lapic_read, lapic_write, lapic_msr_changed, l},
					(u8)i, i == 0);
			cpu_set_intr_ack(m->cpus[i], lapic_ack, l);
		}
		ioapic_init(&m->ioapic);
		m->ioapic.send = wire_apic_bus;
		m->ioapic.send_ctx = m;
		m->ioapic.sync = (IrqSync){wire_sync_quiet, m};
		if ((r = mem_map_mmio(mem, IOAPIC_BASE, MEM_PAGE_SIZE, &ioapic_mmio_ops, &m->ioapic)))
			return fail(m, r, why, whylen, "no room for the I/O APIC's MMIO");
	}

	/* The x87's FERR# into the IRQ13 latch, port F0h (clear, IGNNE#): the bootstrap
	 * processor's (an OS on several CPUs uses CR0.NE, #MF, instead). */
	IrqLine ferr;
	irq_connect(&ferr, wire_ferr, m, 0);
	cpu_set_ferr_line(m->cpu, ferr);
	io_map(io, 0xF0, 1, &x87_latch_io_ops, m);

	/* 8254 PIT, port 61h. */
	pit_init(&m->pit, clk);
	map(io, 0x40, 4, &pit_io_ops, &m->pit);
	map(io, 0x61, 1, &pit_port61_io_ops, &m->pit);
	irq_connect(&m->pit.irq0, wire_isa_irq, m, 0);
	m->pit.irq0.quiet = wire_isa_quiet;

	/* 8042 + keyboard (IRQ1) + mouse (IRQ12); A20 and CPU reset. */
	kbc_init(&m->kbc);
	map(io, 0x60, 1, &kbc_io_ops, &m->kbc);
	map(io, 0x64, 1, &kbc_io_ops, &m->kbc);
	irq_connect(&m->kbc.irq1, wire_isa_irq, m, 1);
	irq_connect(&m->kbc.irq12, wire_isa_irq, m, 12);
	irq_connect(&m->kbc.a20, wire_a20, m, A20_KBC);
	irq_connect(&m->kbc.reset, wire_cpu_reset, m, 0);

	/* Port 92h. */
	port92_init(&m->port92);
	map(io, 0x92, 1, &port92_io_ops, &m->port92);
	irq_connect(&m->port92.a20, wire_a20, m, A20_PORT92);
	irq_connect(&m->port92.reset, wire_cpu_reset, m, 0);

	/* RTC + CMOS (IRQ8). */
	rtc_init(&m->rtc, clk, cfg->rtc_start);
	map(io, 0x70, 2, &rtc_io_ops, &m->rtc);
	irq_connect(&m->rtc.irq, wire_isa_irq, m, 8);

	/* COM1 (IRQ4), COM2 (IRQ3). */
	uart_init(&m->com[0], clk, com1_tx, m);
	uart_init(&m->com[1], clk, com2_tx, m);
	/* a character costs the guest no line time unless asked (docs/ports-core.md) */
	uart_set_fast_tx(&m->com[0], !cfg->serial_line_time);
	uart_set_fast_tx(&m->com[1], !cfg->serial_line_time);
	map(io, 0x3F8, 8, &uart_io_ops, &m->com[0]);
	map(io, 0x2F8, 8, &uart_io_ops, &m->com[1]);
	irq_connect(&m->com[0].irq, wire_isa_irq, m, 4);
	irq_connect(&m->com[1].irq, wire_isa_irq, m, 3);

	/* POST code port, SeaBIOS's debug console, Bochs's port E9. */
	debug_init(&m->post, DEBUG_POST, debug_out, m);
	debug_init(&m->debugcon, DEBUG_CONSOLE, debug_out, m);
	debug_init(&m->e9, DEBUG_CONSOLE, debug_out, m);
	map(io, 0x80, 1, &debug_io_ops, &m->post);
	map(io, 0x402, 1, &debug_io_ops, &m->debugcon);
	map(io, 0xE9, 1, &debug_io_ops, &m->e9);

	/* 8237 DMA pair, page registers (0x80 is the POST port). */
	dma_init(&m->dma, mem);
	map(io, 0x00, 16, &dma1_io_ops, &m->dma);
	map(io, 0xC0, 32, &dma2_io_ops, &m->dma);
	map(io, 0x81, 15, &dma_page_io_ops, &m->dma);

	/* 82077AA floppy controller (IRQ6, DMA 2), drives fda/fdb. 0x3F6 is IDE's. */
	fdc_init(&m->fdc, clk);
	map(io, 0x3F0, 6, &fdc_io_ops, &m->fdc);
	map(io, 0x3F7, 1, &fdc_io_ops, &m->fdc);
	irq_connect(&m->fdc.irq, wire_isa_irq, m, 6);
	fdc_connect_dma(&m->fdc, dma_transfer_cb, &m->dma, 2);
	for (int i = 0; i < 2; i++) {
		if (cfg->fd[i] && (r = fdc_attach(&m->fdc, i, cfg->fd[i]))) {
			snprintf(why, whylen, "fd%c: %llu sectors is not a floppy size the "
				 "controller knows", 'a' + i, (unsigned long long)cfg->fd[i]->sectors);
			return fail(m, r, why, whylen, NULL);
		}
	}

	/* IDE: primary 0x1F0/0x3F6 IRQ14, secondary 0x170/0x376 IRQ15; hda..hdd. */
	ide_init(&m->ide, clk, mem);
	map(io, 0x1F0, 8, &ide_cmd_io_ops, &m->ide.chan[0]);
	map(io, 0x3F6, 1, &ide_ctl_io_ops, &m->ide.chan[0]);
	map(io, 0x170, 8, &ide_cmd_io_ops, &m->ide.chan[1]);
	map(io, 0x376, 1, &ide_ctl_io_ops, &m->ide.chan[1]);
	irq_connect(&m->ide.chan[0].irq, wire_isa_irq, m, 14);
	irq_connect(&m->ide.chan[1].irq, wire_isa_irq, m, 15);
	for (int i = 0; i < 4; i++) {
		if (cfg->hd[i] && (r = ide_attach(&m->ide, i / 2, i % 2, cfg->hd[i]))) {
			snprintf(why, whylen, "hd%c: an empty VD cannot be a hard disk", 'a' + i);
			return fail(m, r, why, whylen, NULL);
		}
	}

	/* PCI: configuration mechanism #1; 0xCF9 goes to the PIIX3. */
	pci_bus_init(&m->pci, io, mem);
	map(io, 0xCF8, 8, &pci_host_io_ops, &m->pci);
	pci_bus_set_other(&m->pci, &piix3_rc_io_ops, &m->isa);

	/* 00:00.0 i440FX: the BIOS below 1 MiB through PAM, the VGA window. */
	i440fx_init(&m->hb, mem);
	i440fx_set_bios(&m->hb, m->bios + m->bios_size - BIOS_LOW_WINDOW, BIOS_LOW_WINDOW);
	mem_map_rom(mem, (u32)(4 * GiB - m->bios_size), m->bios_size, m->bios);
	i440fx_set_vga(&m->hb, &vga_mem_ops, &m->vga);
	plug(&m->pci, &m->hb.pci, PCI_DEVFN(0, 0));

	/* 00:01.0 PIIX3 ISA bridge: PIRQ routing, reset control. */
	piix3_init(&m->isa);
	for (int i = 0; i < 16; i++)
		irq_connect(&m->isa.irq[i], wire_pirq_irq, m, i);
	irq_connect(&m->isa.sys_reset, wire_sys_reset, m, 0);
	irq_connect(&m->isa.cpu_reset, wire_cpu_reset, m, 0);
	plug(&m->pci, &m->isa.pci, PCI_DEVFN(1, 0));

	/* 00:01.1 PIIX3 IDE: BAR4 maps the IDE model's bus-master registers. The legacy
	 * ports stay mapped above (compatibility mode). */
	piix_ide_init(&m->pide, io);
	piix_ide_attach_bm(&m->pide, &ide_bm_io_ops, &m->ide);
	plug(&m->pci, &m->pide.pci, PCI_DEVFN(1, 1));

	/* 00:01.3 PIIX4 PM: PM timer, SCI (IRQ 9), soft power-off. Our CPU has no SMM, so
	 * APMC_EN is preset and SeaBIOS skips its SMM setup (docs/firmware.md). */
	acpi_init(&m->pm, clk, io, true);
	acpi_set_isa_devices(&m->pm, false, true, true);
	map(io, ACPI_GPE0_PORT, 4, &acpi_gpe_io_ops, &m->pm);
	map(io, ACPI_APM_PORT, 2, &acpi_apm_io_ops, &m->pm);
	irq_connect(&m->pm.sci, wire_isa_irq, m, 9);
	irq_connect(&m->pm.poweroff, wire_poweroff, m, 0);
	plug(&m->pci, &m->pm.pci, PCI_DEVFN(1, 3));

	/* 00:02.0 VGA, with the VGA BIOS in its expansion ROM BAR. */
	vga_init(&m->vga, clk);
	map(io, 0x3B0, 48, &vga_io_ops, &m->vga);
	if (m->vgabios && (r = pci_dev_set_rom(&m->vga.pci, m->vgabios, m->vgabios_size)))
		return fail(m, r, why, whylen, "out of memory for the VGA BIOS");
	plug(&m->pci, &m->vga.pci, PCI_DEVFN(2, 0));

	cmos_setup(m);
	machine_reset(m);
	return 0;
}

void machine_reset(Machine *m)
{
	m->focus = 0;
	pic_reset(&m->pic);
	if (m->has_apic) {
		for (int i = 0; i < m->ncpus; i++)
			lapic_reset(&m->lapic[i]);
		ioapic_reset(&m->ioapic);
	}
	pit_reset(&m->pit);
	rtc_reset(&m->rtc);
	kbc_reset(&m->kbc);
	port92_reset(&m->port92);
	uart_reset(&m->com[0]);
	uart_reset(&m->com[1]);
	debug_reset(&m->post);
	debug_reset(&m->debugcon);
	debug_reset(&m->e9);
	dma_reset(&m->dma);
	fdc_reset(&m->fdc);
	ide_reset(&m->ide);
	pci_bus_reset(&m->pci);
	i440fx_reset(&m->hb);
	piix3_reset(&m->isa);
	piix_ide_reset(&m->pide);
	acpi_reset(&m->pm);
	vga_reset(&m->vga);
	if (m->cfg.bios_raw)
		vga_preset_mode3(&m->vga);
	/* Every CPU at the machine's instruction count (their TSCs restart together), CPU
	 * 0's turn; the APs wait for a start-up IPI. */
	u64 ic = *cpu_icount(m->cpus[m->cur]);
	for (int i = 0; i < m->ncpus; i++) {
		cpu_skip_icount(m->cpus[i], ic - *cpu_icount(m->cpus[i]));
		cpu_reset(m->cpus[i]);
	}
	clock_attach_icount(&m->clock, cpu_icount(m->cpus[0]));
	m->cur = 0;
	m->turn_start = m->turn_end = 0;
	m->yield = false;
	wire_isa_irq(m, 13, 0); /* the x87 error latch */
	__atomic_and_fetch(&m->requests, MACH_REQ_STOP, __ATOMIC_SEQ_CST);
	m->resets++;
}

/* The MP table SeaBIOS would have written (docs/apic.md, "The board's wiring"): every
 * processor, the I/O APIC (given the first ID after the processors', as a BIOS assigns
 * it), ISA IRQ n on pin n (not 2, the cascade), the PCI interrupt lines and the SCI level
 * and active high; in the 1 KiB below 640 KiB that the e820 map reserves, with the BIOS
 * data area pointing at it as at an EBDA. */
/* How a direct boot routes the PCI interrupts and the SCI (as SeaBIOS would program
 * them): PIRQA-D to IRQ 10, 10, 11, 11 (level, in the ELCR), the SCI on IRQ 9. */
#define DIRECT_PIRQ_ROUTE 0x0B0B0A0Au
#define DIRECT_SCI_IRQ 9

/* The IRQs the PIRQ routing above uses (bit n: IRQ n). */
static u16 direct_pirq_irqs(void)
{
	u16 irqs = 0;
	for (int i = 0; i < 4; i++)
		irqs |= (u16)(1u << (DIRECT_PIRQ_ROUTE >> (8 * i) & 0x0F));
	return irqs;
}

static void write_mptable(Machine *m)
{
	u32 id[4];
	cpu_cpuid(m->cpu, 1, id);
	MpTableDesc d = {
		.ncpus = m->ncpus,
		.lapic_version = (u8)LAPIC_VERSION,
		.lapic_addr = CPU_APIC_BASE_DEFAULT,
		.cpu_signature = id[0],
		.cpu_features = id[3],
		.ioapic_id = (u8)m->ncpus,
		.ioapic_version = (u8)IOAPIC_VERSION,
		.ioapic_addr = IOAPIC_BASE,
		.isa_irqs = 0xFFFB,
		.level_irqs = (u16)(direct_pirq_irqs() | 1u << DIRECT_SCI_IRQ),
	};
	ioapic_reg_write(&m->ioapic, 0x00, (u32)d.ioapic_id << 24);
	u8 buf[MPTABLE_MAX];
	u32 n = mptable_build(buf, LINUXBOOT_EBDA, &d);
	mem_write_buf(&m->mem, LINUXBOOT_EBDA, buf, n);
	u8 bda[2];
	put_le16(bda, LINUXBOOT_EBDA >> 4); /* 40:0E, the EBDA segment */
	mem_write_buf(&m->mem, 0x40E, bda, 2);
	put_le16(bda, LINUXBOOT_EBDA >> 10); /* 40:13, base memory in KiB */
	mem_write_buf(&m->mem, 0x413, bda, 2);
}

void machine_prepare_direct_boot(Machine *m, const CpuState *st)
{
	/* What SeaBIOS would have programmed (docs/firmware.md, "PCI devices"). */
	PciBus *p = &m->pci;
	u16 ide = PCI_BDF(0, 1, 1), pm = PCI_BDF(0, 1, 3), isa = PCI_BDF(0, 1, 0);
	pci_cfg_write(p, ide, 0x20, 0xC001, 4);   /* BAR4: bus master at 0xC000 */
	pci_cfg_write(p, ide, 0x40, 0x8000, 2);   /* IDETIM: primary decode */
	pci_cfg_write(p, ide, 0x42, 0x8000, 2);   /* secondary decode */
	pci_cfg_write(p, ide, 0x04, 0x0005, 2);   /* I/O space, bus master */
	pci_cfg_write(p, pm, 0x40, 0xB001, 4);    /* PMBA */
	pci_cfg_write(p, pm, 0x80, 0x01, 1);      /* PMIOSE */
	pci_cfg_write(p, pm, 0x3C, DIRECT_SCI_IRQ, 1); /* interrupt line: the SCI */
	pci_cfg_write(p, isa, 0x60, DIRECT_PIRQ_ROUTE, 4); /* PIRQA-D */
	io_write(m->io, 0x4D0, direct_pirq_irqs() & 0xFF, 1); /* ELCR: the PIRQs level */
	io_write(m->io, 0x4D1, direct_pirq_irqs() >> 8, 1);
	vga_preset_mode3(&m->vga);
	if (m->has_apic) {
		/* SeaBIOS's smp_setup: the APIC on, LINT0 ExtINT (virtual wire), LINT1 NMI */
		Lapic *l = &m->lapic[0];
		lapic_write(l, 0xF0, lapic_read(l, 0xF0, 4) | 0x100, 4);
		lapic_write(l, 0x350, 0x8700, 4);
		lapic_write(l, 0x360, 0x8400, 4);
		write_mptable(m);
	}
	cpu_set_state(m->cpu, st);
}

void machine_free(Machine *m)
{
	for (int i = 0; i < VM_CPUS_MAX; i++)
		if (m->cpus[i])
			cpu_free(m->cpus[i]);
	if (m->vga.pci.name)
		pci_dev_free(&m->vga.pci);
	if (m->io) {
		io_clear(m->io); /* only the ports that were mapped: it goes back clean */
		hostmem_free(m->io, sizeof(*m->io), HOSTMEM_CLEARED);
	}
	hostmem_free(m->bios, m->bios_size, HOSTMEM_NOCLEAR | HOSTMEM_NOPTRS);
	hostmem_free(m->vgabios, m->vgabios_size, HOSTMEM_NOCLEAR | HOSTMEM_NOPTRS);
	if (m->mem.page)
		mem_free(&m->mem);
	memset(m, 0, sizeof(*m));
}
