/* apic.c: the processor's side of its local APIC: the IA32_APIC_BASE MSR, the routing
 * of this CPU's physical accesses to the APIC's register page, and the INIT and
 * start-up IPI states. The APIC itself (registers, priorities, timer, IPIs) is a device
 * model (src/dev/lapic.c) that the board attaches with cpu_attach_apic.
 * References: Intel SDM vol. 3A 10.4.3-10.4.4 (IA32_APIC_BASE, enabling the APIC),
 * 8.4 (multiple-processor initialization: INIT-SIPI-SIPI, the wait-for-SIPI state),
 * 9.1 (processor state after INIT), 10.4.7.3 (local APIC state after INIT).
 * Not modelled: x2APIC (EXTD, bit 10, is reserved), SMI/SMM. */
#include "cpu/internal.h"

#define APIC_BASE_BSP 0x100ull
#define APIC_BASE_EN 0x800ull
/* Reserved bits (#GP when set): 7:0, 10:9 (no x2APIC) and those above the P6's 36-bit
 * physical addresses. */
#define APIC_BASE_RESERVED (0xFFFFFFF0000006FFull)

/* Where this CPU's accesses go to the APIC: the page at the base while enabled (and
 * below 4 GiB: the bus has 32 address bits), else nowhere. */
static void update_page(Cpu *c)
{
	u64 b = c->apic_base;
	bool on = c->apic.read && (b & APIC_BASE_EN) && (b >> 32) == 0;
	c->apic_page = on ? (u32)b & ~MEM_PAGE_MASK : 1;
	tlb_flush(c); /* the page's old and new addresses change what the TLB may hold */
}

void cpu_attach_apic(Cpu *c, const CpuApic *apic, u8 apic_id, bool bsp)
{
	c->apic = *apic;
	c->apic_id = apic_id;
	c->apic_base = (u64)CPU_APIC_BASE_DEFAULT | APIC_BASE_EN | (bsp ? APIC_BASE_BSP : 0);
	update_page(c);
	apic_cpu_reset(c, true);
}

void apic_cpu_reset(Cpu *c, bool full)
{
	if (!c->apic.read) {
		c->apic_page = 1;
		c->wait_sipi = false;
		return;
	}
	if (full) {
		c->apic_base = (u64)CPU_APIC_BASE_DEFAULT | APIC_BASE_EN | (c->apic_base & APIC_BASE_BSP);
		update_page(c);
		if (c->apic.msr_changed)
			c->apic.msr_changed(c->apic.ctx, c->apic_base);
	}
	/* the bootstrap processor runs the BIOS; the others wait for a start-up IPI */
	c->wait_sipi = !(c->apic_base & APIC_BASE_BSP);
	c->halted = c->wait_sipi;
}

bool apic_msr_read(Cpu *c, u32 msr, u64 *v)
{
	if (msr != MSR_APIC_BASE || !c->apic.read)
		return false;
	*v = c->apic_base;
	return true;
}

bool apic_msr_write(Cpu *c, u32 msr, u64 v)
{
	if (msr != MSR_APIC_BASE || !c->apic.read)
		return false;
	if (v & APIC_BASE_RESERVED)
		GP0(c);
	c->apic_base = (v & ~APIC_BASE_BSP) | (c->apic_base & APIC_BASE_BSP);
	update_page(c);
	if (c->apic.msr_changed)
		c->apic.msr_changed(c->apic.ctx, c->apic_base);
	c->brk = 1; /* the TLB was flushed under the running block's feet: look again */
	return true;
}

void cpu_signal_init(Cpu *c)
{
	cpu_signal_events(c, EV_INIT);
}

void cpu_signal_sipi(Cpu *c, u8 vector)
{
	c->sipi_vector = vector;
	cpu_signal_events(c, EV_SIPI);
}

void apic_take_init_sipi(Cpu *c)
{
	u32 ev = __atomic_fetch_and(&c->events, ~(u32)(EV_INIT | EV_SIPI), __ATOMIC_RELAXED);
	if (ev & EV_INIT) {
		/* INIT: the state of table 9-1 with the x87 and caches kept, then the reset
		 * vector (BSP) or the wait for a start-up IPI (AP); a pending exit request
		 * stays pending */
		u32 keep = __atomic_load_n(&c->events, __ATOMIC_RELAXED) & EV_EXIT;
		cpu_init_signal(c);
		__atomic_fetch_or(&c->events, keep, __ATOMIC_RELAXED);
	}
	if ((ev & EV_SIPI) && c->wait_sipi) {
		u32 v = c->sipi_vector;
		SegCache *cs = &c->seg[SEG_CS];
		cs->sel = (u16)(v << 8);
		cs->base = v << 12;
		seg_set_fast(c, cs, SEG_CS);
		c->eip = 0;
		c->wait_sipi = false;
		c->halted = false;
		jc_invalidate(c);
	}
}
