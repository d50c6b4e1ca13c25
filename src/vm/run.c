/* run.c: the run loop of one machine. The CPUs run in slices sized to the next timer
 * deadline (clock_budget); due timers fire between slices; when no CPU has anything to
 * do (each halted with nothing pending: cpu_idle), virtual time jumps to the next
 * deadline (so an idle guest costs nothing and a run stays deterministic); resets and
 * power-off requested by devices during a slice are carried out between slices,
 * outside any device callback.
 *
 * Several CPUs take turns on this one host thread. A turn lasts until the machine's
 * instruction count reaches the turn's end (MACH_TURN instructions after it started),
 * the CPU halts, or it yields: by sending an IPI (board.c), so that the receiver answers
 * soon, or by a PAUSE, the spin-wait hint of a CPU waiting for another (a lock, a flag,
 * an answer), once the turn is MACH_PAUSE_MIN instructions old and another CPU has
 * something to do (two CPUs spinning at once would otherwise hand the turn back and
 * forth every few instructions, and one alone would stop at every PAUSE of a delay
 * loop for nothing). Then the next CPU in APIC ID order that has something to do takes over
 * (the same one goes on when the others are idle). Virtual time counts the instructions
 * of the machine, whoever retires them: the CPU taking its turn first skips the
 * instructions the others retired (cpu_skip_icount), so every CPU's icount and
 * time-stamp counter read the one machine time and no TSC ever runs backwards from one
 * CPU to the next. Where a turn ends depends only on the guest (its instructions,
 * halts, IPIs, PAUSEs, its timers), never on where machine_run's caller cuts the run
 * (until_ns and a stop request end a slice, not the turn): the same guest with the same
 * inputs interleaves its CPUs the same way on every run. docs/smp.md says why one
 * thread and what a thread per CPU would cost. */
#include "base/err.h"
#include "vm/machine.h"

#define MACH_TURN 1000 /* instructions of one CPU's turn when others have work */
#define DEAD_DRAIN_NS 10000000ull /* 10 ms: a 9600-baud UART sends 9 characters */
#define MACH_PAUSE_MIN 200 /* a PAUSE ends a turn only after this many instructions */

void machine_request(Machine *m, u32 req)
{
	__atomic_or_fetch(&m->requests, req, __ATOMIC_SEQ_CST);
	for (int i = 0; i < m->ncpus; i++)
		if (m->cpus[i])
			cpu_request_exit(m->cpus[i]);
}

void machine_request_stop(Machine *m)
{
	machine_request(m, MACH_REQ_STOP);
}

/* Acts on requests. Returns a stop reason, or -1 to go on running. */
static int handle_requests(Machine *m)
{
	u32 req = __atomic_exchange_n(&m->requests, 0, __ATOMIC_SEQ_CST);
	if (!req)
		return -1;
	if (req & MACH_REQ_POWEROFF)
		return MACH_STOP_POWEROFF;
	if (req & MACH_REQ_SYS_RESET) {
		machine_reset(m);
	} else if (req & MACH_REQ_CPU_RESET) {
		/* The AT's reset pulses (8042, port 92h, PIIX3 soft reset) reset only the
		 * processor (with its local APIC); the chips keep their state. The other
		 * processors get INIT from the chipset and wait for a start-up IPI. */
		if (m->has_apic)
			lapic_reset(&m->lapic[0]);
		cpu_reset(m->cpu);
		for (int i = 1; i < m->ncpus; i++) {
			lapic_init_reset(&m->lapic[i]);
			cpu_signal_init(m->cpus[i]);
		}
		m->resets++;
	}
	if (req & MACH_REQ_STOP)
		return MACH_STOP_REQUEST;
	return -1;
}

static bool all_idle(const Machine *m)
{
	for (int i = 0; i < m->ncpus; i++)
		if (!cpu_idle(m->cpus[i]))
			return false;
	return true;
}

/* The turn goes to the next CPU after the current one that has something to do (the
 * current one again if no other has; the next one if none has): it catches up with the
 * machine's instruction count and the clock follows its counter. */
static void next_turn(Machine *m)
{
	u64 now_icount = *cpu_icount(m->cpus[m->cur]);
	int next = (m->cur + 1) % m->ncpus;
	for (int k = 1; k <= m->ncpus; k++) {
		int i = (m->cur + k) % m->ncpus;
		if (!cpu_idle(m->cpus[i])) {
			next = i;
			break;
		}
	}
	m->cur = next;
	Cpu *cpu = m->cpus[next];
	cpu_skip_icount(cpu, now_icount - *cpu_icount(cpu));
	clock_attach_icount(&m->clock, cpu_icount(cpu));
	m->turn_start = now_icount;
	m->turn_end = now_icount + MACH_TURN;
	m->yield = false;
}

/* Whether a CPU other than the current one has something to do. */
static bool others_busy(const Machine *m)
{
	for (int i = 0; i < m->ncpus; i++)
		if (i != m->cur && !cpu_idle(m->cpus[i]))
			return true;
	return false;
}

/* Halted time: virtual time moves to t, the time-stamp counters counting through it
 * (one cycle per instruction time, as a real TSC counts through HLT). */
static void advance_to(Machine *m, u64 t)
{
	Clock *c = &m->clock;
	u64 now = clock_now(c);
	if (t <= now)
		return;
	m->halted_ns += t - now;
	for (int i = 0; i < m->ncpus; i++)
		cpu_advance_tsc(m->cpus[i], (t - now) * 1000 / c->ps_per_insn);
	clock_advance_to(c, t);
}

/* No CPU has anything to do: virtual time jumps to the next deadline (at most
 * until_ns), the time-stamp counters counting through it. Returns a stop reason when
 * nothing can wake any CPU any more, else -1. */
static int skip_idle_time(Machine *m, u64 until_ns)
{
	Clock *c = &m->clock;
	u64 next = clock_next_deadline(c);
	bool wakeable = false;
	for (int i = 0; i < m->ncpus; i++)
		wakeable |= cpu_wakeable(m->cpus[i]);
	if (!wakeable || next == CLOCK_NEVER) {
		/* Only an NMI could wake one, and nothing here raises one. The chips go on,
		 * though: a character in the UART's shift register still leaves it. They get
		 * DEAD_DRAIN_NS of virtual time before the machine is called dead. */
		u64 drain = clock_now(c) + DEAD_DRAIN_NS;
		while ((next = clock_next_deadline(c)) != CLOCK_NEVER && next <= drain && !m->requests) {
			advance_to(m, next);
			clock_run_timers(c);
		}
		if (m->requests)
			return -1; /* a power-off, a reset or a stop came meanwhile */
		return MACH_STOP_DEAD;
	}
	advance_to(m, MIN(next, until_ns));
	clock_run_timers(c);
	return -1;
}

MachineStop machine_run(Machine *m, u64 until_ns, CpuExit *exit)
{
	Clock *c = &m->clock;
	for (;;) {
		int stop = handle_requests(m);
		if (stop >= 0)
			return (MachineStop)stop;
		u64 now = clock_now(c);
		if (now >= until_ns)
			return MACH_STOP_TIME;
		Cpu *cpu = m->cpus[m->cur];
		u64 max = (until_ns - now) * 1000 / c->ps_per_insn + 1;
		if (m->ncpus > 1) {
			u64 ic = *cpu_icount(cpu), ran = ic - m->turn_start;
			max = MIN(max, m->turn_end > ic ? m->turn_end - ic : 1);
			/* PAUSE gives the turn away only to a CPU with work, and only from a turn
			 * old enough (the first instructions run with it off) */
			bool pause = others_busy(m);
			if (pause && ran < MACH_PAUSE_MIN) {
				max = MIN(max, MACH_PAUSE_MIN - ran);
				pause = false;
			}
			cpu_set_pause_exit(cpu, pause);
		}
		u64 budget = clock_budget(c, max);
		CpuExit ex;
		CpuExitReason why = cpu_run(cpu, budget, &ex);
		clock_run_timers(c);
		switch (why) {
		case CPU_EXIT_BUDGET:
		case CPU_EXIT_REQUEST:
		case CPU_EXIT_HLT:
			break;
		case CPU_EXIT_PAUSE:
			m->yield = true; /* spinning: the others' turn */
			break;
		case CPU_EXIT_SHUTDOWN:
			/* Triple fault: the chipset answers the shutdown cycle with a reset, as a
			 * PC (and QEMU) does, unless the CP holds it for inspection. */
			if (m->hold_shutdown)
				return MACH_STOP_SHUTDOWN;
			machine_request(m, MACH_REQ_SYS_RESET);
			break;
		case CPU_EXIT_IO:
		case CPU_EXIT_BREAKPOINT:
		case CPU_EXIT_DEBUG:
		case CPU_EXIT_ICOUNT:
			/* the CP's: this CPU is the one display and store look at now */
			if (exit)
				*exit = ex;
			m->focus = m->cur;
			return why == CPU_EXIT_IO ? MACH_STOP_IO_TRAP :
			       why == CPU_EXIT_BREAKPOINT ? MACH_STOP_BREAKPOINT : MACH_STOP_DEBUG;
		}
		bool end = m->ncpus > 1 && (why == CPU_EXIT_HLT || m->yield ||
					    *cpu_icount(cpu) >= m->turn_end);
		if (all_idle(m)) {
			int s = skip_idle_time(m, until_ns);
			if (s >= 0)
				return (MachineStop)s;
			end = m->ncpus > 1;
		}
		if (end)
			next_turn(m);
	}
}
