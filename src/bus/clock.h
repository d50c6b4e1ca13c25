/* clock.h: the virtual clock and its timers.
 *
 * Virtual time (in nanoseconds) is derived from the number of guest instructions
 * executed, so a run is deterministic: now = base_ns + (icount - base_icount) * ps_per_insn
 * / 1000, where icount is the CPU's instruction-time counter: retired instructions and
 * one per interrupt or exception delivered in place of an instruction (src/cpu/cpu.h;
 * the CPU keeps it exact whenever a device callback runs). While the CPU is halted, or in device tests with no
 * CPU, the run loop moves time forward with clock_advance_to(). Host time enters only as
 * the RTC's start value and through optional pacing in the run loop.
 *
 * Devices arm Timers; the run loop sizes the CPU's budget to the next deadline and calls
 * clock_run_timers() after each slice. When a device arms a timer earlier than the
 * deadline the CPU's current slice was sized for, the clock calls its kick function (the
 * board wires it to cpu_request_exit) so the slice ends early. */
#ifndef VMCP_BUS_CLOCK_H
#define VMCP_BUS_CLOCK_H

#include "base/base.h"

#define CLOCK_NEVER UINT64_MAX
#define NS_PER_SEC 1000000000ull

typedef struct Clock Clock;
typedef struct Timer Timer;
typedef void (*TimerFn)(void *ctx, u64 now_ns);

struct Timer {
	u64 deadline; /* CLOCK_NEVER when not armed */
	TimerFn fn;
	void *ctx;
	const char *name;
	Clock *clock;
	Timer *next; /* in the clock's deadline-ordered list */
};

struct Clock {
	u64 base_ns;        /* virtual time at base_icount */
	u64 base_icount;
	const u64 *icount;  /* the CPU's instruction-time counter (or zero_icount) */
	u64 zero_icount;
	u32 ps_per_insn;    /* virtual picoseconds per guest instruction */
	Timer *head;        /* armed timers, earliest first */
	u64 fired;          /* timer callbacks run since the clock was made */
	u64 slice_deadline; /* the deadline the current CPU slice was sized for */
	void (*kick)(void *ctx);
	void *kick_ctx;
};

/* Ticks of a device clock of hz elapsed at virtual time ns: floor(ns * hz / 10^9),
 * exact for any ns (a 128-bit product). The PIT, the RTC's divider chain and the ACPI
 * PM timer count their own oscillators this way. */
static inline u64 clock_ns_to_ticks(u64 ns, u64 hz)
{
	return (u64)((unsigned __int128)ns * hz / NS_PER_SEC);
}

/* The first virtual time at which clock_ns_to_ticks(ns, hz) reaches ticks. */
static inline u64 clock_ticks_to_ns(u64 ticks, u64 hz)
{
	return (u64)(((unsigned __int128)ticks * NS_PER_SEC + hz - 1) / hz);
}

/* Sets up a clock at time 0 with no CPU attached (time moves only by clock_advance_to). */
void clock_init(Clock *c, u32 ps_per_insn);

/* Attaches the instruction counter that drives time from now on (NULL detaches). A
 * counter with the value of the one attached takes over without any rounding. */
void clock_attach_icount(Clock *c, const u64 *icount);

/* Current virtual time in ns. */
u64 clock_now(const Clock *c);

/* Moves time forward to t (no-op if t is not later than now). Does not run timers. */
void clock_advance_to(Clock *c, u64 t);

/* Earliest armed deadline, or CLOCK_NEVER. */
u64 clock_next_deadline(const Clock *c);

/* Instructions the CPU may run before the next deadline (at least 1), capped at max.
 * Records that deadline as the one the slice is sized for. */
u64 clock_budget(Clock *c, u64 max);

/* Runs every timer whose deadline is <= now, in deadline order (a callback may re-arm).
 * Returns the number run. */
int clock_run_timers(Clock *c);

/* Moves time to t (no-op if t is not later than now), running each timer at its own
 * deadline on the way: how device tests and tools with no CPU step time. */
void clock_run_to(Clock *c, u64 t);

/* Sets up t on clock c, not armed: when armed and due, fn(ctx, now) runs. */
void timer_init(Timer *t, Clock *c, TimerFn fn, void *ctx, const char *name);
/* Arms (or re-arms) t to fire at virtual time deadline_ns. */
void timer_arm(Timer *t, u64 deadline_ns);
/* Disarms t (no-op if it is not armed). */
void timer_cancel(Timer *t);
static inline bool timer_armed(const Timer *t) { return t->deadline != CLOCK_NEVER; }

#endif
