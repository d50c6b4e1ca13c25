/* pitrest_test.c: the PIT's IRQ0 rests (no timer event per OUT0 transition) while a
 * transition could change nothing at the 8259A and the I/O APIC, and the guest cannot
 * tell. tests/vm/guest/pitrest.asm drives counter 0 at 1.7 us per edge with interrupts
 * off, on, masked, polled and the 8259A reinitialised, logging what it sees; each run is
 * made twice, once as the board wires it and once with IRQ0's quiet query removed (the
 * PIT then drives every edge, as before the rest existed): the logs, the tick counts, the
 * instructions retired and the virtual time must be the same, and the resting run must
 * take far fewer timer events. The I/O APIC side: unmasking the pin (edge-triggered)
 * wakes the PIT at once; masking it again lets it rest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "vm/machine.h"
#include "../test.h"

#define LOG 0x600u
#define NEXT 0x5FCu
#define COUNT 0x5F8u

typedef struct Run {
	MachineStop stop;
	u8 post;
	u8 log[256];
	unsigned loglen;
	u32 ticks;
	u64 now, instructions, interrupts, fired;
} Run;

static void on_debug(void *ctx, u16 port, u8 byte)
{
	if (port == 0x80)
		*(u8 *)ctx = byte;
}

static bool build(Machine *m, const char *rom, CpuModel cpu, u8 *post)
{
	MachineConfig cfg = {.memory = 16 * MiB, .cpu = cpu, .bios = rom, .bios_raw = true,
			     .rtc_start = 1700000000, .host = {.ctx = post, .debug_out = on_debug}};
	char why[300];
	int r = machine_init(m, &cfg, why, sizeof(why));
	CHECK(r == 0, "machine_init: %s", why);
	return r == 0;
}

static void run_rom(const char *rom, CpuModel cpu, bool rest, Run *out)
{
	Machine m;
	memset(out, 0, sizeof(*out));
	if (!build(&m, rom, cpu, &out->post))
		return;
	if (!rest)
		m.pit.irq0.quiet = NULL;
	if (cpu >= CPU_MODEL_P6) { /* virtual wire, as a BIOS sets it: the 8259A on LINT0 */
		lapic_write(&m.lapic[0], 0xF0, 0x1FF, 4);
		lapic_write(&m.lapic[0], 0x350, 0x700, 4);
	}
	CpuExit ex;
	out->stop = machine_run(&m, 200000000, &ex); /* 200 ms: the ROM needs about 20 */
	unsigned next = get_le16(m.mem.ram + NEXT);
	out->loglen = next > LOG && next - LOG <= sizeof(out->log) ? next - LOG : 0;
	memcpy(out->log, m.mem.ram + LOG, out->loglen);
	out->ticks = get_le32(m.mem.ram + COUNT);
	out->now = machine_now(&m);
	CpuStats cs;
	cpu_get_stats(m.cpu, &cs);
	out->instructions = cs.instructions;
	out->interrupts = cs.interrupts;
	out->fired = m.clock.fired;
	machine_free(&m);
}

static void test_same(const char *rom, CpuModel cpu, const char *what)
{
	Run a, b;
	run_rom(rom, cpu, true, &a);
	run_rom(rom, cpu, false, &b);
	CHECK_EQ(a.stop, MACH_STOP_DEAD);
	CHECK_EQ(b.stop, MACH_STOP_DEAD);
	CHECK(a.post == 0xFF, "%s: the ROM ended at POST %02X", what, a.post);
	/* 10 snapshots of 5 bytes, 5 tick counts of 2, 2 poll words */
	CHECK(a.loglen == 62, "%s: log of %u bytes", what, a.loglen);
	CHECK(a.loglen == b.loglen && memcmp(a.log, b.log, a.loglen) == 0,
	      "%s: the guest saw something else with the PIT resting", what);
	for (unsigned i = 0; i < a.loglen && i < b.loglen; i++)
		if (a.log[i] != b.log[i]) {
			printf("  %s: log byte %u: %02X resting, %02X driving every edge\n", what, i,
			       a.log[i], b.log[i]);
			break;
		}
	if (getenv("PITREST_SHOW")) { /* what the guest logged, to read by eye */
		printf("%s: %llu events resting, %llu driving every edge; %u ticks; log", what,
		       (unsigned long long)a.fired, (unsigned long long)b.fired, a.ticks);
		for (unsigned i = 0; i < a.loglen; i++)
			printf(" %02X", a.log[i]);
		printf("\n");
	}
	CHECK_EQ(a.ticks, b.ticks);
	CHECK_EQ(a.interrupts, b.interrupts);
	CHECK_EQ(a.instructions, b.instructions);
	CHECK_EQ(a.now, b.now);
	/* the guest's view: the first snapshot (interrupts off for a while) has the request
	 * latched and nothing in service; the window with interrupts on took some */
	CHECK_EQ(a.log[0] & 1, 1);
	CHECK_EQ(a.log[1] & 1, 0);
	CHECK(a.log[5] > 0, "%s: no IRQ0 taken with interrupts on", what);
	/* in service for longer than a period, the handler saw the next request latched
	 * (the INTA woke the PIT: a read of the IRR does not) */
	CHECK(a.log[6] > 0 && a.log[6] <= a.log[5], "%s: the next request seen %u times in %u runs", what,
	      a.log[6], a.log[5]);
	/* about 1,200 OUT0 transitions a millisecond for several milliseconds against a
	 * handful of events per window */
	CHECK(b.fired > 5000, "%s: %llu events driving every edge", what, (unsigned long long)b.fired);
	CHECK(a.fired * 20 < b.fired, "%s: %llu events resting, %llu driving every edge", what,
	      (unsigned long long)a.fired, (unsigned long long)b.fired);
}

/* The I/O APIC's pin 0 unmasked (edge-triggered) while the PIT rests: the write wakes it
 * (its edges now send messages); masked again, it rests at its next transition. */
static void test_ioapic(const char *rom)
{
	Machine m;
	u8 post = 0;
	if (!build(&m, rom, CPU_MODEL_P6, &post))
		return;
	CpuExit ex;
	machine_run(&m, 500000, &ex); /* 0.5 ms: in the first spin, interrupts off */
	CHECK(m.pit.irq_resting, "the PIT does not rest with IRQ0 latched and the pin masked");
	u64 f0 = m.clock.fired;
	ioapic_reg_write(&m.ioapic, 0x10, 0x30); /* vector 30h, fixed, edge, unmasked */
	CHECK(!m.pit.irq_resting, "unmasking the I/O APIC pin left the PIT resting");
	machine_run(&m, 600000, &ex);
	u64 f1 = m.clock.fired;
	CHECK(f1 - f0 > 100, "%llu events in 0.1 ms with the pin unmasked", (unsigned long long)(f1 - f0));
	ioapic_reg_write(&m.ioapic, 0x10, 0x10030); /* masked again */
	machine_run(&m, 700000, &ex);
	CHECK(m.pit.irq_resting, "the PIT does not rest again with the pin masked");
	CHECK(m.clock.fired - f1 < 10, "%llu events in 0.1 ms with the pin masked again",
	      (unsigned long long)(m.clock.fired - f1));
	machine_free(&m);
}

int main(void)
{
	char rom[400];
	int r = test_guest_rom("pitrest", "", "pitrest.bin", rom, sizeof(rom));
	if (r <= 0)
		return r ? test_summary() : 0;
	test_same(rom, CPU_MODEL_486, "486");
	test_same(rom, CPU_MODEL_P6, "P6");
	test_ioapic(rom);
	return test_summary();
}
