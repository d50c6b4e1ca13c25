/* run.c: the run loop of one machine. The CPU runs in slices sized to the next timer
 * deadline (clock_budget); due timers fire between slices; a halted CPU lets virtual
 * time jump to the next deadline (so an idle guest costs nothing and a run stays
 * deterministic); resets and power-off requested by devices during a slice are carried
 * out between slices, outside any device callback. */
#include "base/err.h"
#include "vm/machine.h"

void machine_request(Machine *m, u32 req)
{
	__atomic_or_fetch(&m->requests, req, __ATOMIC_SEQ_CST);
	if (m->cpu)
		cpu_request_exit(m->cpu);
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
		 * processor; the chips keep their state. */
		if (m->has_apic)
			lapic_reset(&m->lapic); /* inside the processor */
		cpu_reset(m->cpu);
		m->resets++;
	}
	if (req & MACH_REQ_STOP)
		return MACH_STOP_REQUEST;
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
		u64 max = (until_ns - now) * 1000 / c->ps_per_insn + 1;
		u64 budget = clock_budget(c, max);
		CpuExit ex;
		CpuExitReason why = cpu_run(m->cpu, budget, &ex);
		clock_run_timers(c);
		switch (why) {
		case CPU_EXIT_BUDGET:
		case CPU_EXIT_REQUEST:
			break;
		case CPU_EXIT_HLT: {
			CpuState st;
			cpu_get_state(m->cpu, &st);
			u64 next = clock_next_deadline(c);
			if (!(st.eflags & FLAG_IF) || next == CLOCK_NEVER) {
				/* Only an NMI could wake it, and nothing here raises one. */
				if (handle_requests(m) == MACH_STOP_POWEROFF)
					return MACH_STOP_POWEROFF;
				return MACH_STOP_DEAD;
			}
			u64 t = MIN(next, until_ns);
			now = clock_now(c);
			if (t > now) {
				m->halted_ns += t - now;
				/* The TSC counts through HLT: one cycle per instruction time. */
				cpu_advance_tsc(m->cpu, (t - now) * 1000 / c->ps_per_insn);
				clock_advance_to(c, t);
				clock_run_timers(c);
			}
			break;
		}
		case CPU_EXIT_SHUTDOWN:
			/* Triple fault: the chipset answers the shutdown cycle with a reset, as a
			 * PC (and QEMU) does. */
			machine_request(m, MACH_REQ_SYS_RESET);
			break;
		case CPU_EXIT_IO:
			if (exit)
				*exit = ex;
			return MACH_STOP_IO_TRAP;
		case CPU_EXIT_BREAKPOINT:
			if (exit)
				*exit = ex;
			return MACH_STOP_BREAKPOINT;
		}
	}
}
