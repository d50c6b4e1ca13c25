/* storm_test.c: a processor that only takes exceptions (tests/vm/guest/storm.asm: its
 * #UD handler is an invalid opcode, so no instruction ever retires) still spends time,
 * as a real one spends cycles on every delivery: virtual time moves on, the PIT's
 * interrupts come at their rate, machine_run returns at the time it was given, and the
 * time-stamp counter counts through it. (Before deliveries took time, such a guest froze
 * virtual time and machine_run never returned: a hang of pci_fuzz_test.) An alarm turns a
 * hang into a failure. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "vm/machine.h"
#include "../test.h"

typedef struct Posts {
	u8 code[64];
	int n;
} Posts;

static void on_debug(void *ctx, u16 port, u8 byte)
{
	Posts *p = ctx;
	if (port == 0x80 && p->n < (int)sizeof(p->code))
		p->code[p->n++] = byte;
}

static void on_alarm(int sig)
{
	static const char msg[] = "FAIL storm_test: machine_run did not return (a hang)\n0 passed, 1 failed\n";
	(void)sig;
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

/* A 486 (no local APIC between the 8259A and the processor for the ROM to set up). */
static bool build(Machine *m, const char *rom, Posts *posts, CpuEngine engine)
{
	MachineConfig cfg = {.memory = 16 * MiB, .cpu = CPU_MODEL_486, .engine = engine, .bios = rom,
			     .bios_raw = true, .rtc_start = 1700000000,
			     .host = {.ctx = posts, .debug_out = on_debug}};
	char why[300];
	int r = machine_init(m, &cfg, why, sizeof(why));
	CHECK(r == 0, "machine_init: %s", why);
	return r == 0;
}

/* Real mode, interrupts off: the loop never ends, but every machine_run returns at its
 * time with the time spent in deliveries. */
static void test_realmode(const char *rom, CpuEngine engine)
{
	Machine m;
	Posts posts = {0};
	if (!build(&m, rom, &posts, engine))
		return;
	CpuExit ex;
	u64 t = 0;
	for (int i = 1; i <= 5; i++) {
		t = (u64)i * 2000000; /* 2 ms slices */
		CHECK_EQ(machine_run(&m, t, &ex), MACH_STOP_TIME);
		CHECK(machine_now(&m) >= t, "slice %d: virtual time %llu, asked for %llu", i,
		      (unsigned long long)machine_now(&m), (unsigned long long)t);
	}
	CpuStats cs;
	cpu_get_stats(m.cpu, &cs);
	CpuState st;
	machine_get_regs(&m, &st);
	/* 10 ms at 100 million instruction times a second: ~a million deliveries, a handful
	 * of instructions retired (the setup before the UD2) */
	CHECK(cs.instructions < 20, "%llu instructions retired", (unsigned long long)cs.instructions);
	CHECK(cs.exceptions >= 990000 && cs.exceptions <= 1010000, "%llu exceptions delivered in 10 ms",
	      (unsigned long long)cs.exceptions);
	CHECK_EQ(cs.last_exception, 6);
	CHECK(st.tsc >= 990000, "the TSC counted %llu cycles through the storm", (unsigned long long)st.tsc);
	CHECK_EQ(st.eflags & FLAG_IF, 0);
	CHECK_EQ(posts.n, 0);
	machine_free(&m);
}

/* Protected mode, #UD through a trap gate: the PIT's 1 kHz interrupts arrive between
 * the deliveries (a boundary, with IF still set), on time, until the fifth ends the run
 * (CLI; HLT). */
static void test_timer(const char *rom, CpuEngine engine)
{
	Machine m;
	Posts posts = {0};
	if (!build(&m, rom, &posts, engine))
		return;
	CpuExit ex;
	MachineStop stop = machine_run(&m, 50000000, &ex); /* 50 ms */
	CHECK_EQ(stop, MACH_STOP_DEAD);
	CHECK_EQ(get_le32(m.mem.ram + 0x500), 5);
	CHECK_EQ(posts.n, 5);
	for (int i = 0; i < posts.n; i++)
		CHECK_EQ(posts.code[i], i + 1);
	/* the first request comes at once (OUT rises as mode 2 is set), then one a
	 * millisecond: the fifth at 4 ms, then the 10 ms the run loop gives the chips before
	 * it calls a machine that cannot wake dead; ~100,000 deliveries a millisecond */
	u64 now = machine_now(&m), ran = now - m.halted_ns;
	CHECK(ran >= 3990000 && ran <= 4010000, "ran %llu ns", (unsigned long long)ran);
	CpuStats cs;
	cpu_get_stats(m.cpu, &cs);
	CHECK_EQ(cs.interrupts, 5);
	CHECK(cs.exceptions >= 390000 && cs.exceptions + cs.instructions + cs.interrupts <= 401000,
	      "%llu #UD delivered, %llu instructions", (unsigned long long)cs.exceptions,
	      (unsigned long long)cs.instructions);
	machine_free(&m);
}

int main(void)
{
	char plain[400], timer[400];
	int r = test_guest_rom("storm", "", "storm.bin", plain, sizeof(plain));
	if (r > 0)
		r = test_guest_rom("storm", "-DTIMER", "storm-timer.bin", timer, sizeof(timer));
	if (r <= 0)
		return r ? test_summary() : 0;
	signal(SIGALRM, on_alarm);
	alarm(120);
	static const CpuEngine engines[] = {CPU_ENGINE_INTERP, CPU_ENGINE_JIT};
	for (size_t i = 0; i < ARRAY_SIZE(engines); i++) {
		if (!cpu_engine_available(engines[i]))
			continue;
		test_realmode(plain, engines[i]);
		test_timer(timer, engines[i]);
	}
	return test_summary();
}
