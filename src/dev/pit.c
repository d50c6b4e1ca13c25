/* pit.c: the Intel 8254 PIT (three counters at 1.193182 MHz) and port 61h.
 *
 * Reference: Intel 8254 datasheet (modes 0-5, count loading on the CLK pulse after the
 * write, GATE effects, counter latch and read-back commands, status byte, BCD); IBM
 * PC-AT technical reference and the PIIX3 datasheet for port 61h (NMI status and
 * control register: bit 0 timer 2 gate, 1 speaker data, 2 PCI SERR# disable, 3 IOCHK#
 * disable, 4 refresh toggle, 5 OUT2, 6 IOCHK# status, 7 SERR# status).
 *
 * Counting is not stepped: each counter keeps a closed form of its counting element and
 * OUT since the tick its count was loaded, and virtual time (clock_now) gives the tick.
 * A timer fires at counter 0's OUT transitions for IRQ0. Modes 0, 2 and 3 are exact to
 * the tick (mode 3 odd counts: high (N+1)/2, low (N-1)/2; a new count takes effect at the
 * end of the period in mode 2 and of the half-cycle in mode 3); modes 1, 4 and 5 follow
 * the datasheet's descriptions. The port 61h refresh bit toggles every 18 PIT clocks
 * (15.09 us) of virtual time, as counter 1 does when the BIOS programs it for refresh.
 * Not modelled: the CLK/GATE sampling phase within one clock, mode 3's behaviour for the
 * illegal count 1 (treated as a steady high) and mode 2's for count 1 (steady low). */
#include "dev/pit.h"

#include "base/err.h"

u64 pit_ns_to_tick(u64 ns)
{
	return clock_ns_to_ticks(ns, PIT_HZ);
}

u64 pit_tick_to_ns(u64 tick)
{
	return clock_ticks_to_ns(tick, PIT_HZ);
}

static u64 now_tick(const Pit *p)
{
	return pit_ns_to_tick(clock_now(p->clk));
}

static u32 modulus(const PitCounter *c)
{
	return c->bcd ? 10000 : 65536;
}

static u32 bcd_to_bin(u16 v)
{
	return ((v >> 12) * 1000u + ((v >> 8) & 15) * 100u + ((v >> 4) & 15) * 10u + (v & 15)) %
	       10000u;
}

static u16 bin_to_bcd(u32 v)
{
	return (u16)((v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10);
}

/* (val - e) mod m for val in 1..m. */
static u32 sub_mod(u32 val, u64 e, u32 m)
{
	return (u32)(((u64)(val % m) + m - e % m) % m);
}

/* CE (0..modulus-1) and OUT of a counter at tick t (after sync). */
static void eval(const PitCounter *c, u64 t, u32 *ce, bool *out)
{
	if (!c->running || t < c->start) {
		*ce = c->pre_ce;
		*out = c->pre_out;
		return;
	}
	u64 e = t - c->start;
	u32 m = modulus(c);
	switch (c->mode) {
	case 0:
	case 1: /* count down once: OUT low until CE reaches 0, then high */
		*ce = sub_mod(c->val, e, m);
		*out = c->flag || e >= c->val;
		break;
	case 4:
	case 5: /* count down once: OUT low for the one clock at which CE reaches 0 */
		*ce = sub_mod(c->val, e, m);
		*out = !(c->flag && e == c->val);
		break;
	case 2: { /* N, N-1 .. 1 (OUT low while 1), reload */
		u32 n = c->val;
		u64 ph = e % n;
		*ce = (u32)((n - ph) % m);
		*out = ph != n - 1;
		break;
	}
	default: { /* 3: by twos from N (N-1 if odd); high half (N+1)/2 clocks, low N/2 */
		u32 n = c->val, h = (n + 1) / 2;
		u64 ph = (e + (c->flag ? 0 : h)) % n;
		u64 k = ph < h ? ph : ph - h;
		*ce = (u32)(((u64)(n & ~1u) - 2 * k) % m);
		*out = ph < h;
		break;
	}
	}
}

/* First tick after t (t >= start) at which OUT changes, or PIT_TICK_NEVER. */
static u64 change_from(const PitCounter *c, u64 t)
{
	u64 e = t - c->start;
	switch (c->mode) {
	case 0:
	case 1:
		return (!c->flag && e < c->val) ? c->start + c->val : PIT_TICK_NEVER;
	case 4:
	case 5:
		if (!c->flag || e > c->val)
			return PIT_TICK_NEVER;
		return e < c->val ? c->start + c->val : t + 1;
	case 2: {
		u32 n = c->val;
		if (n == 1)
			return PIT_TICK_NEVER;
		u64 ph = e % n;
		return ph < n - 1 ? t + (n - 1 - ph) : t + 1;
	}
	default: {
		u32 n = c->val, h = (n + 1) / 2;
		if (n == 1)
			return PIT_TICK_NEVER;
		u64 ph = (e + (c->flag ? 0 : h)) % n;
		return ph < h ? t + (h - ph) : t + (n - ph);
	}
	}
}

/* The next tick after t at which OUT may change (a pending count load included). */
static u64 next_change(const PitCounter *c, u64 t)
{
	u64 u = PIT_TICK_NEVER;
	if (c->running) {
		if (t < c->start) {
			u32 ce;
			bool o;
			eval(c, c->start, &ce, &o);
			u = o != c->pre_out ? c->start : change_from(c, c->start);
		} else {
			u = change_from(c, t);
		}
	}
	if (c->pending && c->switch_tick > t && c->switch_tick < u)
		u = c->switch_tick;
	return u;
}

/* Applies a pending mode 2/3 count whose load tick has come. */
static void sync(PitCounter *c, u64 t)
{
	if (!c->pending || c->switch_tick > t)
		return;
	u64 s = c->switch_tick;
	bool hi = true;
	if (c->mode == 3) {
		u32 ce;
		eval(c, s, &ce, &hi); /* the half-cycle being entered */
	}
	c->running = true;
	c->start = s;
	c->val = c->pending_n;
	c->flag = hi;
	c->pending = false;
}

static void current(PitCounter *c, u64 t, u32 *ce, bool *out)
{
	sync(c, t);
	eval(c, t, ce, out);
}

/* Starts counting: CE holds val at tick start; until then CE and OUT stay as now. */
static void begin(PitCounter *c, u64 t, u64 start, u32 val, bool flag)
{
	u32 ce;
	bool out;
	current(c, t, &ce, &out);
	c->pre_ce = ce;
	c->pre_out = out;
	c->running = true;
	c->start = start;
	c->val = val;
	c->flag = flag;
	c->pending = false;
}

/* Modes 0 and 4 with GATE low: counting stops with CE and OUT as they are. val and
 * flag keep what resuming needs (the distance to zero, OUT high / strobe to come). */
static void pause(PitCounter *c, u64 t)
{
	u32 ce;
	bool out;
	current(c, t, &ce, &out);
	if (c->running && t >= c->start) {
		u64 e = t - c->start;
		if (c->mode == 0)
			c->flag = out;
		else
			c->flag = c->flag && e < c->val;
		c->val = ce ? ce : modulus(c);
	}
	c->running = false;
	c->pre_ce = ce;
	c->pre_out = out;
}

static void set_irq0(Pit *p, bool level)
{
	if (level != p->irq_level) {
		p->irq_level = level;
		irq_set(&p->irq0, level);
	}
}

/* Aims the timer at OUT0's next transition. While a transition could change nothing at
 * the receivers (irq_quiet: the PIC has the request latched and the I/O APIC pin is
 * masked, say) and may_rest, no timer is armed: a counter at a count of 2 would
 * otherwise be an event every 1.7 us of virtual time while the guest has interrupts
 * off. The receivers call pit_irq_sync before they change. */
static void arm_irq0(Pit *p, bool may_rest)
{
	u64 u = next_change(&p->c[0], p->irq_tick);
	p->irq_resting = false;
	if (u == PIT_TICK_NEVER) {
		timer_cancel(&p->timer);
	} else if (may_rest && irq_quiet(&p->irq0)) {
		p->irq_resting = true;
		timer_cancel(&p->timer);
	} else {
		timer_arm(&p->timer, pit_tick_to_ns(u));
	}
}

/* After any change to counter 0: drives IRQ0 from OUT0 now and aims the timer. */
static void refresh_irq0(Pit *p, bool may_rest)
{
	u64 t = now_tick(p);
	u32 ce;
	bool out;
	current(&p->c[0], t, &ce, &out);
	set_irq0(p, out);
	p->irq_tick = t;
	arm_irq0(p, may_rest);
}

void pit_irq_sync(Pit *p)
{
	/* the transitions skipped were ignored, and so is this one: the receivers have not
	 * changed yet; the timer is armed, as what comes next may matter */
	if (p->irq_resting)
		refresh_irq0(p, false);
}

/* Walks OUT0's transitions up to now, so that a late timer still gives every edge of
 * the last few periods, then aims at the next one. */
static void pit_timer(void *ctx, u64 now_ns)
{
	Pit *p = ctx;
	PitCounter *c = &p->c[0];
	u64 t = pit_ns_to_tick(now_ns);
	int i;
	for (i = 0; i < 8; i++) {
		u64 u = next_change(c, p->irq_tick);
		if (u > t)
			break;
		u32 ce;
		bool out;
		current(c, u, &ce, &out);
		set_irq0(p, out);
		p->irq_tick = u;
	}
	if (i == 8) {
		u32 ce;
		bool out;
		current(c, t, &ce, &out);
		set_irq0(p, out);
		p->irq_tick = t;
	}
	arm_irq0(p, true);
}

static void counter_reset(PitCounter *c, bool gate)
{
	*c = (PitCounter){0};
	c->rw = 3;
	c->cw = 0x30;
	c->gate = gate;
	c->nc_clear = PIT_TICK_NEVER;
}

void pit_reset(Pit *p)
{
	for (int i = 0; i < 3; i++)
		counter_reset(&p->c[i], i < 2);
	p->port61 = 0;
	p->nmi_status = 0;
	timer_cancel(&p->timer);
	p->irq_resting = false;
	p->irq_tick = now_tick(p);
	set_irq0(p, false);
}

void pit_init(Pit *p, Clock *clk)
{
	*p = (Pit){0};
	p->clk = clk;
	timer_init(&p->timer, clk, pit_timer, p, "pit");
	for (int i = 0; i < 3; i++)
		counter_reset(&p->c[i], i < 2);
}

static void write_control(Pit *p, u8 val)
{
	u64 t = now_tick(p);
	if ((val & 0xC0) == 0xC0) { /* read-back command */
		for (int i = 0; i < 3; i++) {
			if (!(val & (2 << i)))
				continue;
			PitCounter *c = &p->c[i];
			u32 ce;
			bool out;
			current(c, t, &ce, &out);
			if (!(val & 0x20) && !c->latched) {
				c->ol = c->bcd ? bin_to_bcd(ce) : (u16)ce;
				c->latched = true;
			}
			if (!(val & 0x10) && !c->status_latched) {
				bool nc = c->null_count && t < c->nc_clear;
				c->status = (u8)(out << 7 | nc << 6 | c->cw);
				c->status_latched = true;
			}
		}
		return;
	}
	int ch = val >> 6;
	PitCounter *c = &p->c[ch];
	u32 ce;
	bool out;
	current(c, t, &ce, &out);
	if ((val & 0x30) == 0) { /* counter latch command; a second one before the read is ignored */
		if (!c->latched) {
			c->ol = c->bcd ? bin_to_bcd(ce) : (u16)ce;
			c->latched = true;
		}
		return;
	}
	/* A control word resets the counter's logic: OUT goes to its initial state (low in
	 * mode 0, high otherwise) and nothing counts until a count is written. */
	u8 mode = (val >> 1) & 7;
	c->mode = mode > 5 ? mode - 4 : mode;
	c->cw = val & 0x3F;
	c->rw = (val >> 4) & 3;
	c->bcd = val & 1;
	c->wmsb = c->rmsb = false;
	c->latched = c->status_latched = false;
	c->have_count = false;
	c->null_count = true;
	c->nc_clear = PIT_TICK_NEVER;
	c->running = false;
	c->pending = false;
	c->pre_ce = ce % modulus(c);
	c->pre_out = c->mode != 0;
	if (ch == 0)
		refresh_irq0(p, true);
}

/* A complete count is in the CR: load it as the mode says. */
static void load_count(PitCounter *c, u64 t)
{
	u32 n = c->bcd ? bcd_to_bin(c->cr) : c->cr;
	if (n == 0)
		n = modulus(c);
	c->n = n;
	c->have_count = true;
	c->null_count = true;
	c->nc_clear = PIT_TICK_NEVER;
	switch (c->mode) {
	case 0: /* OUT went low at the write; CE loads on the next clock */
		if (c->gate) {
			begin(c, t, t + 1, n, false);
			c->pre_out = false;
		} else {
			pause(c, t);
			c->pre_ce = n % modulus(c);
			c->pre_out = false;
			c->val = n;
			c->flag = false;
		}
		c->nc_clear = t + 1;
		break;
	case 4: /* software-triggered strobe: loads on the next clock, even while counting */
		if (c->gate) {
			begin(c, t, t + 1, n, true);
		} else {
			pause(c, t);
			c->pre_ce = n % modulus(c);
			c->val = n;
			c->flag = true;
		}
		c->nc_clear = t + 1;
		break;
	case 2:
	case 3:
		if (c->running && t >= c->start) {
			/* Counting: the new count loads at the end of the period (mode 2) or of
			 * the half-cycle (mode 3). */
			u64 s;
			if (c->pending) {
				s = c->switch_tick;
			} else if (c->mode == 2) {
				s = t + (c->val - (t - c->start) % c->val);
			} else {
				s = change_from(c, t);
				if (s == PIT_TICK_NEVER)
					s = t + 1;
			}
			c->pending = true;
			c->pending_n = n;
			c->switch_tick = s;
			c->nc_clear = s;
		} else if (c->running) {
			c->val = n; /* not started yet: replace the count about to load */
			c->nc_clear = c->start;
		} else if (c->gate) {
			begin(c, t, t + 1, n, true);
			c->pre_out = true;
			c->nc_clear = t + 1;
		}
		break;
	default: /* 1, 5: the count waits in the CR for a GATE trigger */
		break;
	}
}

static void write_counter(Pit *p, int ch, u8 v)
{
	PitCounter *c = &p->c[ch];
	u64 t = now_tick(p);
	sync(c, t);
	switch (c->rw) {
	case 1:
		c->cr = v;
		break;
	case 2:
		c->cr = (u16)(v << 8);
		break;
	default:
		if (!c->wmsb) {
			c->cr = (u16)((c->cr & 0xFF00) | v);
			c->wmsb = true;
			if (c->mode == 0) {
				/* Mode 0: the first byte stops counting and sets OUT low. */
				pause(c, t);
				c->pre_out = false;
				if (ch == 0)
					refresh_irq0(p, true);
			}
			return;
		}
		c->cr = (u16)((c->cr & 0x00FF) | v << 8);
		c->wmsb = false;
		break;
	}
	if (c->mode == 0 && c->rw != 3) {
		pause(c, t);
		c->pre_out = false;
	}
	load_count(c, t);
	if (ch == 0)
		refresh_irq0(p, true);
}

static u8 read_counter(Pit *p, int ch)
{
	PitCounter *c = &p->c[ch];
	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	u16 v;
	if (c->latched) {
		v = c->ol;
	} else {
		u32 ce;
		bool out;
		current(c, now_tick(p), &ce, &out);
		v = c->bcd ? bin_to_bcd(ce) : (u16)ce;
	}
	switch (c->rw) {
	case 1:
		c->latched = false;
		return (u8)v;
	case 2:
		c->latched = false;
		return (u8)(v >> 8);
	default:
		if (!c->rmsb) {
			c->rmsb = true;
			return (u8)v;
		}
		c->rmsb = false;
		c->latched = false;
		return (u8)(v >> 8);
	}
}

void pit_set_gate(Pit *p, int ch, bool level)
{
	if (ch < 0 || ch > 2)
		return;
	PitCounter *c = &p->c[ch];
	u64 t = now_tick(p);
	sync(c, t);
	if (level == c->gate)
		return;
	c->gate = level;
	switch (c->mode) {
	case 0:
	case 4: /* GATE enables counting */
		if (!level)
			pause(c, t);
		else if (c->have_count && !c->running)
			begin(c, t, t, c->val, c->flag);
		break;
	case 1:
	case 5: /* a rising edge triggers: CE loads from the CR on the next clock */
		if (level && c->have_count) {
			begin(c, t, t + 1, c->n, c->mode == 5);
			if (c->null_count)
				c->nc_clear = t + 1;
		}
		break;
	default: /* 2, 3: low stops counting with OUT high; a rising edge reloads */
		if (!level) {
			u32 ce;
			bool out;
			current(c, t, &ce, &out);
			c->running = false;
			c->pending = false;
			c->pre_ce = ce;
			c->pre_out = true;
		} else if (c->have_count) {
			begin(c, t, t + 1, c->n, true);
			if (c->null_count)
				c->nc_clear = MIN(c->nc_clear, t + 1);
		}
		break;
	}
	if (ch == 0)
		refresh_irq0(p, true);
}

bool pit_out(Pit *p, int ch)
{
	u32 ce;
	bool out;
	current(&p->c[ch % 3], now_tick(p), &ce, &out);
	return out;
}

u32 pit_count(Pit *p, int ch)
{
	u32 ce;
	bool out;
	current(&p->c[ch % 3], now_tick(p), &ce, &out);
	return ce;
}

bool pit_speaker(Pit *p, u32 *hz)
{
	const PitCounter *c = &p->c[2];
	bool on = (p->port61 & 3) == 3 && c->running && c->mode == 3;
	if (hz)
		*hz = on ? PIT_HZ / c->val : 0;
	return on;
}

void pit_set_nmi_status(Pit *p, bool iochk, bool serr)
{
	if (iochk && !(p->port61 & 0x08))
		p->nmi_status |= 0x40;
	if (serr && !(p->port61 & 0x04))
		p->nmi_status |= 0x80;
}

static u32 pit_io_read(void *ctx, u16 port, int size)
{
	Pit *p = ctx;
	int ch = port & 3;
	if (ch == 3)
		return 0xFF; /* the control word register cannot be read */
	return read_counter(p, ch);
}

static void pit_io_write(void *ctx, u16 port, u32 val, int size)
{
	Pit *p = ctx;
	int ch = port & 3;
	if (ch == 3)
		write_control(p, (u8)val);
	else
		write_counter(p, ch, (u8)val);
}

static u32 port61_read(void *ctx, u16 port, int size)
{
	Pit *p = ctx;
	u64 t = now_tick(p);
	u8 v = p->port61 & 0x0F;
	if ((t / 18) & 1)
		v |= 0x10;
	if (pit_out(p, 2))
		v |= 0x20;
	return v | p->nmi_status;
}

static void port61_write(void *ctx, u16 port, u32 val, int size)
{
	Pit *p = ctx;
	p->port61 = (u8)val & 0x0F;
	if (val & 0x04)
		p->nmi_status &= (u8)~0x80; /* SERR# disabled: status cleared */
	if (val & 0x08)
		p->nmi_status &= (u8)~0x40; /* IOCHK# disabled: status cleared */
	pit_set_gate(p, 2, val & 1);
}

const IoOps pit_io_ops = {pit_io_read, pit_io_write, 1, "pit"};
const IoOps pit_port61_io_ops = {port61_read, port61_write, 1, "port61"};
