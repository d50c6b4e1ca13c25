/* clock.c: virtual time from instruction times (src/cpu/cpu.h), and a sorted timer list.
 * The list is short (a dozen devices), so insertion is a linear walk. */
#include "bus/clock.h"

void clock_init(Clock *c, u32 ps_per_insn)
{
	*c = (Clock){0};
	c->icount = &c->zero_icount;
	c->ps_per_insn = ps_per_insn ? ps_per_insn : 1000;
	c->slice_deadline = CLOCK_NEVER;
}

u64 clock_now(const Clock *c)
{
	u64 d = *c->icount - c->base_icount;
	return c->base_ns + d * c->ps_per_insn / 1000;
}

void clock_attach_icount(Clock *c, const u64 *icount)
{
	const u64 *next = icount ? icount : &c->zero_icount;
	if (*next == *c->icount) {
		/* the same count (another CPU of the machine taking its turn): time goes on
		 * exactly, without rounding the base to a nanosecond */
		c->icount = next;
		return;
	}
	u64 now = clock_now(c);
	c->icount = next;
	c->base_icount = *c->icount;
	c->base_ns = now;
}

void clock_advance_to(Clock *c, u64 t)
{
	u64 now = clock_now(c);
	c->base_icount = *c->icount;
	c->base_ns = t > now ? t : now;
}

u64 clock_next_deadline(const Clock *c)
{
	return c->head ? c->head->deadline : CLOCK_NEVER;
}

u64 clock_budget(Clock *c, u64 max)
{
	u64 d = clock_next_deadline(c), now = clock_now(c);
	c->slice_deadline = d;
	if (d == CLOCK_NEVER)
		return max;
	if (d <= now)
		return 1;
	/* Round up so that the slice ends at or just past the deadline. */
	u64 n = ((d - now) * 1000 + c->ps_per_insn - 1) / c->ps_per_insn;
	if (n == 0)
		n = 1;
	return n < max ? n : max;
}

static void timer_unlink(Timer *t)
{
	Clock *c = t->clock;
	for (Timer **p = &c->head; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			break;
		}
	}
	t->next = NULL;
}

void timer_init(Timer *t, Clock *c, TimerFn fn, void *ctx, const char *name)
{
	*t = (Timer){.deadline = CLOCK_NEVER, .fn = fn, .ctx = ctx, .name = name, .clock = c};
}

void timer_arm(Timer *t, u64 deadline_ns)
{
	Clock *c = t->clock;
	if (t->deadline != CLOCK_NEVER)
		timer_unlink(t);
	if (deadline_ns == CLOCK_NEVER) {
		t->deadline = CLOCK_NEVER;
		return;
	}
	t->deadline = deadline_ns;
	Timer **p = &c->head;
	while (*p && (*p)->deadline <= deadline_ns)
		p = &(*p)->next;
	t->next = *p;
	*p = t;
	if (deadline_ns < c->slice_deadline && c->kick) {
		c->slice_deadline = deadline_ns;
		c->kick(c->kick_ctx);
	}
}

void timer_cancel(Timer *t)
{
	if (t->deadline != CLOCK_NEVER)
		timer_unlink(t);
	t->deadline = CLOCK_NEVER;
}

void clock_run_to(Clock *c, u64 t)
{
	for (u64 d; (d = clock_next_deadline(c)) <= t;) {
		clock_advance_to(c, d);
		clock_run_timers(c);
	}
	clock_advance_to(c, t);
	clock_run_timers(c);
}

int clock_run_timers(Clock *c)
{
	int n = 0;
	u64 now = clock_now(c);
	while (c->head && c->head->deadline <= now) {
		Timer *t = c->head;
		c->head = t->next;
		t->next = NULL;
		t->deadline = CLOCK_NEVER;
		t->fn(t->ctx, now);
		n++;
		c->fired++;
		now = clock_now(c);
	}
	return n;
}
