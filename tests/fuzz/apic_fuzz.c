/* apic_fuzz.c: libFuzzer target for the APICs: two local APICs and an 82093AA I/O APIC
 * on one APIC bus (as the board wires them), driven by a sequence of guest actions:
 * local APIC register reads and writes at any offset and size (ICR writes send IPIs of
 * every kind between the two), I/O APIC accesses through its MMIO window at any offset
 * and size, input pin and LINT pin levels, INTA cycles, EOIs, hardware enable and
 * disable (IA32_APIC_BASE), INIT and time steps that fire the timers. Any crash or
 * sanitizer report is a bug; the checks below are the invariants a real APIC keeps: the
 * processor priority is a vector, an INTA returns a vector and moves at most one bit. */
#include <stdlib.h>
#include <string.h>

#include "bus/clock.h"
#include "bus/membus.h"
#include "dev/ioapic.h"
#include "dev/lapic.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

typedef struct Board {
	MemBus mem;
	Clock clk;
	IoApic io;
	Lapic la[2];
	Lapic *apics[2];
	bool intr[2];
	int nmis, inits, sipis;
} Board;

static void cpu_intr(void *ctx, bool level)
{
	Lapic *l = ctx;
	/* the Board holding la[index] */
	Board *b = (Board *)((char *)(l - l->index) - offsetof(Board, la));
	b->intr[l->index] = level;
}
static int events;
static void cpu_nmi(void *ctx) { events++; }
static void cpu_init(void *ctx) { events++; }
static void cpu_sipi(void *ctx, u8 v) { events += v; }
static int pic_ack(void *ctx) { return 0x08; }

static void bus_send(void *ctx, const ApicMsg *m)
{
	Board *b = ctx;
	lapic_bus_deliver(b->apics, 2, m);
}
static void bus_eoi(void *ctx, u8 v)
{
	Board *b = ctx;
	ioapic_eoi(&b->io, v);
}

static Board *board(void)
{
	static Board *b;
	if (b)
		return b;
	b = calloc(1, sizeof(*b));
	if (!b || mem_init(&b->mem, MiB) < 0)
		abort();
	clock_init(&b->clk, 10000);
	ioapic_init(&b->io);
	b->io.send = bus_send;
	b->io.send_ctx = b;
	if (mem_map_mmio(&b->mem, 0xFEC00000u, MEM_PAGE_SIZE, &ioapic_mmio_ops, &b->io))
		abort();
	for (int i = 0; i < 2; i++) {
		Lapic *l = &b->la[i];
		lapic_init(l, &b->clk, i, (u8)i);
		l->cpu = (LapicCpu){l, cpu_intr, cpu_nmi, cpu_init, cpu_sipi};
		l->send = bus_send;
		l->send_ctx = b;
		l->eoi = bus_eoi;
		l->eoi_ctx = b;
		l->extint_ack = pic_ack;
		b->apics[i] = l;
	}
	return b;
}

static u32 bits_set(const u32 *r)
{
	u32 n = 0;
	for (int i = 0; i < 8; i++)
		n += (u32)__builtin_popcount(r[i]);
	return n;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	Board *b = board();
	ioapic_reset(&b->io);
	for (int i = 0; i < 2; i++) {
		lapic_reset(&b->la[i]);
		lapic_set_lint(&b->la[i], 0, 0);
		lapic_set_lint(&b->la[i], 1, 0);
	}
	for (int n = 0; n < IOAPIC_PINS; n++)
		ioapic_set_irq(&b->io, n, 0);
	static const int sizes[4] = {1, 2, 4, 4};
	for (size_t i = 0; i + 6 <= size; i += 6) {
		const u8 *d = data + i;
		u32 val = get_le32(d + 2);
		int sz = sizes[d[0] >> 4 & 3];
		Lapic *l = &b->la[d[0] >> 7];
		u32 off = (u32)d[1] << 4 | (d[0] >> 6 & 1) << 2 | (val & 3);
		switch (d[0] & 15) {
		case 0: case 1: case 2: /* the registers that matter most: aligned dwords */
			lapic_write(l, (u32)d[1] << 4, val, 4);
			break;
		case 3:
			lapic_write(l, off, val, sz);
			break;
		case 4:
			(void)lapic_read(l, off, sz);
			break;
		case 5:
			mem_write(&b->mem, 0xFEC00000u + (d[1] & 0x1F), val, sz);
			break;
		case 6:
			(void)mem_read(&b->mem, 0xFEC00000u + (d[1] & 0x1F), sz);
			break;
		case 7: /* a redirection entry through the window */
			mem_write(&b->mem, 0xFEC00000u, d[1], 1);
			mem_write(&b->mem, 0xFEC00010u, val, 4);
			break;
		case 8:
			ioapic_set_irq(&b->io, d[1] % 26 - 1, val & 1);
			break;
		case 9:
			lapic_set_lint(l, d[1] & 1, val & 1);
			break;
		case 10: {
			u32 isr = bits_set(l->isr), irr = bits_set(l->irr);
			int v = lapic_ack(l);
			if (v < 0 || v > 255)
				abort();
			/* an INTA takes at most one request into service */
			if (bits_set(l->isr) > isr + 1 || bits_set(l->irr) > irr)
				abort();
			break;
		}
		case 11:
			lapic_write(l, 0xB0, 0, 4);
			break;
		case 12:
			lapic_msr_changed(l, (val & 1) ? 0xFEE00900u : 0xFEE00100u);
			break;
		case 13:
			lapic_init_reset(l);
			break;
		default:
			clock_run_to(&b->clk, clock_now(&b->clk) + (val & 0xFFFFF) * 10);
			break;
		}
		if (lapic_ppr(l) > 0xFF)
			abort();
	}
	return 0;
}
