/* lapic.c: the local APIC (xAPIC): registers, priorities, the LVT, the timer, IPIs and
 * the APIC bus's destination matching. See lapic.h; Intel SDM vol. 3A chapter 10
 * ("Advanced Programmable Interrupt Controller"): 10.4.7 (states after reset, INIT and
 * software disable), 10.5 (LVT, error handling, timer), 10.6 (ICR, destinations,
 * lowest priority), 10.8 (IRR/ISR/TMR, priorities, EOI), 10.9 (spurious interrupt). */
#include "dev/lapic.h"

#include <string.h>

#define SVR_ENABLE 0x100u
#define LVT_MASK 0x10000u
#define LVT_STATUS 0x1000u
#define LVT_LEVEL 0x8000u
#define LVT_RIRR 0x4000u
#define LVT_PERIODIC 0x20000u

/* Writable bits of each LVT entry: vector, delivery mode (not timer/error), polarity,
 * trigger mode (LINT only), mask, timer mode (one-shot/periodic only). */
static const u32 lvt_writable[LVT_COUNT] = {
	[LVT_TIMER] = 0x300FF, [LVT_THERMAL] = 0x107FF, [LVT_PERF] = 0x107FF,
	[LVT_LINT0] = 0x1A7FF, [LVT_LINT1] = 0x1A7FF, [LVT_ERROR] = 0x100FF,
};

static bool sw_enabled(const Lapic *l)
{
	return l->hw_enabled && (l->svr & SVR_ENABLE);
}

/* ---- the 256-bit registers ---- */
static void bit_set(u32 *r, u8 v) { r[v >> 5] |= 1u << (v & 31); }
static void bit_clr(u32 *r, u8 v) { r[v >> 5] &= ~(1u << (v & 31)); }
static bool bit_get(const u32 *r, u8 v) { return r[v >> 5] >> (v & 31) & 1; }

/* The highest vector set in r, or -1. */
static int highest(const u32 *r)
{
	for (int i = 7; i >= 0; i--)
		if (r[i])
			return i * 32 + 31 - __builtin_clz(r[i]);
	return -1;
}

u32 lapic_ppr(const Lapic *l)
{
	int isrv = highest(l->isr);
	u32 isrc = isrv < 0 ? 0 : (u32)isrv & 0xF0;
	return (l->tpr & 0xF0) >= isrc ? l->tpr & 0xFF : isrc;
}

static u32 apr(const Lapic *l)
{
	int irrv = highest(l->irr), isrv = highest(l->isr);
	u32 irrc = irrv < 0 ? 0 : (u32)irrv & 0xF0, isrc = isrv < 0 ? 0 : (u32)isrv & 0xF0;
	u32 tpr = l->tpr & 0xFF;
	if ((tpr & 0xF0) >= irrc && (tpr & 0xF0) > isrc)
		return tpr;
	return MAX(tpr & 0xF0, MAX(isrc, irrc));
}

/* The vector the processor would take now, or -1. */
static int deliverable(const Lapic *l)
{
	if (!sw_enabled(l))
		return -1;
	int v = highest(l->irr);
	if (v < 0 || ((u32)v & 0xF0) <= (lapic_ppr(l) & 0xF0))
		return -1;
	return v;
}

/* An ExtINT source is active: the 8259A's INT through a LINT pin in ExtINT mode (or
 * LINT0 itself with the APIC hardware-disabled), or an ExtINT message. */
static bool extint_active(const Lapic *l)
{
	if (!l->hw_enabled)
		return l->lint[0];
	if (l->extint_msg)
		return true;
	for (int p = 0; p < 2; p++) {
		u32 e = l->lvt[LVT_LINT0 + p];
		if (l->lint[p] && !(e & LVT_MASK) && (e >> 8 & 7) == APIC_DM_EXTINT)
			return true;
	}
	return false;
}

/* Drives INTR from the state. */
static void update(Lapic *l)
{
	bool want = extint_active(l) || deliverable(l) >= 0;
	if (want != l->intr) {
		l->intr = want;
		if (l->cpu.intr)
			l->cpu.intr(l->cpu.ctx, want);
	}
}

static void error(Lapic *l, u32 bit);

/* A fixed interrupt accepted for servicing (from the bus, the LVT or a self IPI). */
static void accept_fixed(Lapic *l, u8 vector, bool level)
{
	if (vector < 16) {
		error(l, LAPIC_ESR_RECV_ILLEGAL);
		return;
	}
	bit_set(l->irr, vector);
	if (level)
		bit_set(l->tmr, vector);
	else
		bit_clr(l->tmr, vector);
	update(l);
}

/* An error was detected: logged for the next ESR write, and the error interrupt (an
 * illegal error vector is logged without a further interrupt). */
static void error(Lapic *l, u32 bit)
{
	l->esr_pending |= bit;
	u32 e = l->lvt[LVT_ERROR];
	if (e & LVT_MASK)
		return;
	if ((e & 0xFF) < 16) {
		l->esr_pending |= LAPIC_ESR_RECV_ILLEGAL;
		return;
	}
	accept_fixed(l, (u8)e, false);
}

/* ---- the timer ---- */
static u32 timer_divisor(u32 tdcr)
{
	u32 v = (tdcr & 3) | (tdcr >> 1 & 4);
	return v == 7 ? 1 : 2u << v;
}

static u64 bus_ticks(const Lapic *l)
{
	return clock_ns_to_ticks(clock_now(l->clk), LAPIC_BUS_HZ);
}

u32 lapic_timer_count(const Lapic *l)
{
	if (!l->t_active)
		return 0;
	u64 dec = (bus_ticks(l) - l->t_base) / timer_divisor(l->tdcr);
	if (dec < l->t_count0)
		return (u32)(l->t_count0 - dec);
	if (l->lvt[LVT_TIMER] & LVT_PERIODIC)
		return (u32)(l->tmict - (dec - l->t_count0) % l->tmict);
	return 0;
}

/* A periodic timer rests (no event armed) while an expiry could change nothing: its
 * LVT entry masked, or its vector already requested in the IRR, where further expiries
 * would coalesce. A count of 1 would otherwise be an event every few nanoseconds of
 * virtual time while the guest has interrupts off. It wakes when that ends (INTA, an
 * LVT write) at the next period boundary, its phase kept; the count register is worked
 * out from t_base, so the guest cannot tell. */
static bool timer_idle(const Lapic *l)
{
	u32 e = l->lvt[LVT_TIMER];
	if (!(e & LVT_PERIODIC))
		return false;
	return (e & LVT_MASK) || ((e & 0xFF) >= 16 && bit_get(l->irr, (u8)e));
}

static void timer_wake(Lapic *l)
{
	if (!l->t_resting || timer_idle(l))
		return;
	l->t_resting = false;
	u64 period = (u64)l->tmict * timer_divisor(l->tdcr);
	u64 tick = bus_ticks(l);
	if (!period) {
		l->t_active = false;
		return;
	}
	/* t_base is the last expiry: the next boundary after now */
	u64 k = tick > l->t_base ? (tick - l->t_base) / period : 0;
	l->t_base += k * period;
	l->t_next = l->t_base + period;
	timer_arm(&l->timer, clock_ticks_to_ns(l->t_next, LAPIC_BUS_HZ));
}

/* (Re)starts counting from count at the present tick. */
static void timer_start(Lapic *l, u32 count)
{
	l->t_resting = false;
	if (!count) {
		l->t_active = false;
		timer_cancel(&l->timer);
		return;
	}
	l->t_active = true;
	l->t_base = bus_ticks(l);
	l->t_count0 = count;
	l->t_next = l->t_base + (u64)count * timer_divisor(l->tdcr);
	timer_arm(&l->timer, clock_ticks_to_ns(l->t_next, LAPIC_BUS_HZ));
}

static void timer_fire(void *ctx, u64 now)
{
	Lapic *l = ctx;
	u32 e = l->lvt[LVT_TIMER];
	if (!(e & LVT_MASK))
		accept_fixed(l, (u8)e, false);
	if (!(e & LVT_PERIODIC)) {
		l->t_active = false;
		return;
	}
	/* the next period starts at this expiry; expiries the run loop was late for are
	 * coalesced into the one request, as the IRR would hold them */
	u64 period = (u64)l->tmict * timer_divisor(l->tdcr);
	u64 tick = clock_ns_to_ticks(now, LAPIC_BUS_HZ);
	if (!period) {
		l->t_active = false;
		return;
	}
	l->t_base = l->t_next;
	l->t_next += period;
	if (l->t_next <= tick) {
		/* skipped in one step, not one period at a time: a count of 1 and a late run
		 * loop (or a clock moved on by a second) would be millions of periods */
		u64 late = (tick - l->t_next) / period + 1;
		l->t_base = l->t_next + (late - 1) * period;
		l->t_next += late * period;
	}
	l->t_count0 = l->tmict;
	if (timer_idle(l)) {
		l->t_resting = true;
		return;
	}
	timer_arm(&l->timer, clock_ticks_to_ns(l->t_next, LAPIC_BUS_HZ));
}

/* ---- the LINT pins ---- */
static void lint_eval(Lapic *l, int p, bool rising)
{
	if (!l->hw_enabled) {
		/* a processor without an enabled APIC: LINT0 is INTR, LINT1 is NMI */
		if (p == 1 && rising && l->cpu.nmi)
			l->cpu.nmi(l->cpu.ctx);
		update(l);
		return;
	}
	u32 e = l->lvt[LVT_LINT0 + p];
	if (e & LVT_MASK) {
		update(l);
		return;
	}
	switch (e >> 8 & 7) {
	case APIC_DM_FIXED:
		if (e & LVT_LEVEL) {
			if (l->lint[p] && !l->lint_rirr[p]) {
				l->lint_rirr[p] = true;
				accept_fixed(l, (u8)e, true);
			}
		} else if (rising) {
			accept_fixed(l, (u8)e, false);
		}
		break;
	case APIC_DM_NMI: /* always edge-sensitive */
		if (rising && l->cpu.nmi)
			l->cpu.nmi(l->cpu.ctx);
		break;
	case APIC_DM_INIT:
		if (rising) {
			lapic_init_reset(l);
			if (l->cpu.init)
				l->cpu.init(l->cpu.ctx);
		}
		break;
	default: /* ExtINT is level-sensitive: update() follows the pin; SMI: no SMM */
		break;
	}
	update(l);
}

void lapic_set_lint(void *ctx, int n, int level)
{
	Lapic *l = ctx;
	if (n < 0 || n > 1)
		return;
	bool rising = level && !l->lint[n];
	l->lint[n] = level != 0;
	lint_eval(l, n, rising);
}

/* ---- life ---- */
static void power_on(Lapic *l, bool keep_id)
{
	u32 id = keep_id ? l->id : (u32)l->initial_id << 24;
	l->id = id;
	l->tpr = l->ldr = 0;
	l->dfr = 0xFFFFFFFFu;
	l->svr = 0xFF;
	l->esr = l->esr_pending = 0;
	l->icr_lo = l->icr_hi = 0;
	for (int i = 0; i < LVT_COUNT; i++)
		l->lvt[i] = LVT_MASK;
	memset(l->irr, 0, sizeof(l->irr));
	memset(l->isr, 0, sizeof(l->isr));
	memset(l->tmr, 0, sizeof(l->tmr));
	l->lint_rirr[0] = l->lint_rirr[1] = false;
	l->extint_msg = false;
	l->tmict = l->tdcr = 0;
	l->t_active = l->t_resting = false;
	timer_cancel(&l->timer);
	update(l);
}

void lapic_init(Lapic *l, Clock *clk, int index, u8 id)
{
	memset(l, 0, sizeof(*l));
	l->clk = clk;
	l->index = index;
	l->initial_id = id;
	timer_init(&l->timer, clk, timer_fire, l, "lapic timer");
	lapic_reset(l);
}

void lapic_reset(Lapic *l)
{
	l->hw_enabled = true;
	power_on(l, false);
}

void lapic_init_reset(Lapic *l)
{
	power_on(l, true);
}

void lapic_msr_changed(void *ctx, u64 value)
{
	Lapic *l = ctx;
	bool en = value >> 11 & 1;
	if (en == l->hw_enabled)
		return;
	l->hw_enabled = en;
	power_on(l, true);
}

/* ---- INTA and EOI ---- */
int lapic_ack(void *ctx)
{
	Lapic *l = ctx;
	if (extint_active(l)) {
		l->extint_msg = false;
		int v = l->extint_ack ? l->extint_ack(l->extint_ctx) : (int)(l->svr & 0xFF);
		update(l);
		return v;
	}
	int v = deliverable(l);
	if (v < 0)
		return (int)(l->svr & 0xFF); /* the request went away: spurious, no ISR bit */
	bit_clr(l->irr, (u8)v);
	bit_set(l->isr, (u8)v);
	update(l);
	timer_wake(l);
	return v;
}

static void eoi(Lapic *l)
{
	int v = highest(l->isr);
	if (v < 0)
		return;
	bit_clr(l->isr, (u8)v);
	if (bit_get(l->tmr, (u8)v)) {
		/* a level-triggered LINT entry of this vector may fire again */
		for (int p = 0; p < 2; p++) {
			u32 e = l->lvt[LVT_LINT0 + p];
			if (l->lint_rirr[p] && (e & 0xFF) == (u32)v) {
				l->lint_rirr[p] = false;
				lint_eval(l, p, false);
			}
		}
		if (l->eoi)
			l->eoi(l->eoi_ctx, (u8)v);
	}
	update(l);
}

/* ---- the bus ---- */
void lapic_accept(Lapic *l, const ApicMsg *m)
{
	if (!l->hw_enabled)
		return;
	switch (m->mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:
		accept_fixed(l, m->vector, m->level);
		break;
	case APIC_DM_NMI:
		if (l->cpu.nmi)
			l->cpu.nmi(l->cpu.ctx);
		break;
	case APIC_DM_INIT:
		if (m->level && !m->assert)
			break; /* INIT level de-assert: arbitration IDs only */
		lapic_init_reset(l);
		if (l->cpu.init)
			l->cpu.init(l->cpu.ctx);
		break;
	case APIC_DM_STARTUP:
		if (l->cpu.sipi)
			l->cpu.sipi(l->cpu.ctx, m->vector);
		break;
	case APIC_DM_EXTINT:
		l->extint_msg = m->assert || !m->level;
		update(l);
		break;
	default: /* SMI: no SMM */
		break;
	}
}

/* Whether l is named by a destination (shorthands aside). */
static bool dest_match(const Lapic *l, const ApicMsg *m)
{
	if (!m->logical)
		return m->dest == 0xFF || m->dest == (l->id >> 24);
	if (m->dest == 0xFF)
		return true;
	u8 ldr = (u8)(l->ldr >> 24);
	if ((l->dfr >> 28) == 0xF) /* flat model */
		return (ldr & m->dest) != 0;
	/* cluster model: cluster in bits 7:4 (15 = all clusters), members in 3:0 */
	return ((m->dest >> 4) == 15 || (m->dest >> 4) == (ldr >> 4)) && (ldr & m->dest & 15);
}

void lapic_bus_deliver(Lapic *const *apics, int n, const ApicMsg *m)
{
	bool to[16] = {false};
	n = MIN(n, 16);
	for (int i = 0; i < n; i++) {
		const Lapic *l = apics[i];
		bool self = l->index == m->source;
		switch (m->shorthand) {
		case APIC_SH_SELF: to[i] = self; break;
		case APIC_SH_ALL: to[i] = true; break;
		case APIC_SH_OTHERS: to[i] = !self; break;
		default: to[i] = dest_match(l, m); break;
		}
		to[i] = to[i] && l->hw_enabled;
	}
	if (m->mode == APIC_DM_LOWEST && m->shorthand == APIC_SH_NONE) {
		int best = -1;
		for (int i = 0; i < n; i++)
			if (to[i] && (best < 0 || lapic_ppr(apics[i]) < lapic_ppr(apics[best])))
				best = i;
		for (int i = 0; i < n; i++)
			to[i] = i == best;
	}
	for (int i = 0; i < n; i++)
		if (to[i])
			lapic_accept(apics[i], m);
}

/* A write of the ICR's low half: the IPI goes out. */
static void send_ipi(Lapic *l)
{
	u32 lo = l->icr_lo;
	ApicMsg m = {
		.vector = (u8)lo,
		.mode = (u8)(lo >> 8 & 7),
		.logical = lo >> 11 & 1,
		.dest = (u8)(l->icr_hi >> 24),
		.level = lo >> 15 & 1,
		.assert = lo >> 14 & 1,
		.shorthand = (u8)(lo >> 18 & 3),
		.source = l->index,
	};
	if ((m.mode == APIC_DM_FIXED || m.mode == APIC_DM_LOWEST) && m.vector < 16) {
		error(l, LAPIC_ESR_SEND_ILLEGAL);
		return;
	}
	if (m.shorthand == APIC_SH_SELF) {
		/* only fixed interrupts may go to self; they never leave the APIC */
		if (m.mode == APIC_DM_FIXED)
			accept_fixed(l, m.vector, m.level);
		return;
	}
	if (l->send)
		l->send(l->send_ctx, &m);
}

/* ---- registers ---- */
static u32 reg_read(Lapic *l, u32 r, bool *ok)
{
	*ok = true;
	switch (r) {
	case 0x02: return l->id;
	case 0x03: return LAPIC_VERSION;
	case 0x08: return l->tpr;
	case 0x09: return apr(l);
	case 0x0A: return lapic_ppr(l);
	case 0x0B: return 0; /* EOI is write-only */
	case 0x0C: return 0; /* remote read: not on the xAPIC */
	case 0x0D: return l->ldr;
	case 0x0E: return l->dfr;
	case 0x0F: return l->svr;
	case 0x28: return l->esr;
	case 0x30: return l->icr_lo;
	case 0x31: return l->icr_hi;
	case 0x38: return l->tmict;
	case 0x39: return lapic_timer_count(l);
	case 0x3E: return l->tdcr;
	default: break;
	}
	if (r >= 0x10 && r < 0x18)
		return l->isr[r - 0x10];
	if (r >= 0x18 && r < 0x20)
		return l->tmr[r - 0x18];
	if (r >= 0x20 && r < 0x28)
		return l->irr[r - 0x20];
	if (r >= 0x32 && r < 0x38) {
		u32 i = r - 0x32, v = l->lvt[i];
		if ((i == LVT_LINT0 || i == LVT_LINT1) && l->lint_rirr[i - LVT_LINT0])
			v |= LVT_RIRR;
		return v;
	}
	*ok = false;
	return 0;
}

u32 lapic_read(void *ctx, u32 offset, int size)
{
	Lapic *l = ctx;
	offset &= 0xFFF;
	if ((offset & 0xF) + (u32)size > 4)
		return 0; /* the unused 12 bytes of a register's 16 */
	bool ok;
	u32 v = reg_read(l, offset >> 4, &ok);
	if (!ok)
		error(l, LAPIC_ESR_ILLEGAL_REG);
	v >>= 8 * (offset & 3);
	return size == 4 ? v : v & ((1u << (8 * size)) - 1);
}

static void write_lvt(Lapic *l, int i, u32 v)
{
	v &= lvt_writable[i];
	if (!sw_enabled(l))
		v |= LVT_MASK;
	l->lvt[i] = v;
	if (i == LVT_LINT0 || i == LVT_LINT1) {
		if (!(v & LVT_LEVEL) || (v >> 8 & 7) != APIC_DM_FIXED)
			l->lint_rirr[i - LVT_LINT0] = false;
		/* a level-sensitive input unmasked while asserted is seen now */
		lint_eval(l, i - LVT_LINT0, false);
	}
	update(l);
	if (i == LVT_TIMER)
		timer_wake(l);
}

void lapic_write(void *ctx, u32 offset, u32 v, int size)
{
	Lapic *l = ctx;
	offset &= 0xFFF;
	if (size != 4 || (offset & 0xF))
		return;
	u32 r = offset >> 4;
	switch (r) {
	case 0x02: l->id = v & 0xFF000000u; return;
	case 0x08: l->tpr = v & 0xFF; update(l); return;
	case 0x0B: eoi(l); return;
	case 0x0D: l->ldr = v & 0xFF000000u; return;
	case 0x0E: l->dfr = v | 0x0FFFFFFFu; return;
	case 0x0F:
		l->svr = v & 0x3FF;
		if (!(v & SVR_ENABLE))
			for (int i = 0; i < LVT_COUNT; i++)
				l->lvt[i] |= LVT_MASK;
		update(l);
		return;
	case 0x28: l->esr = l->esr_pending; l->esr_pending = 0; return;
	case 0x30: l->icr_lo = v & 0x000CCFFFu; send_ipi(l); return;
	case 0x31: l->icr_hi = v & 0xFF000000u; return;
	case 0x38: l->tmict = v; timer_start(l, v); return;
	case 0x3E: {
		u32 cur = lapic_timer_count(l);
		bool was = l->t_active;
		l->tdcr = v & 0xB;
		if (was)
			timer_start(l, cur); /* counting goes on at the new rate */
		return;
	}
	default: break;
	}
	if (r >= 0x32 && r < 0x38) {
		write_lvt(l, (int)(r - 0x32), v);
		return;
	}
	bool ok;
	(void)reg_read(l, r, &ok);
	if (!ok)
		error(l, LAPIC_ESR_ILLEGAL_REG);
	/* writes to the read-only registers are ignored */
}
