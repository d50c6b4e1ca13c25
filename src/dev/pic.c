/* pic.c: two cascaded Intel 8259A PICs (master at 0x20, slave at 0xA0 on master IR2) and
 * the PIIX3 ELCR edge/level registers at 0x4D0/0x4D1.
 *
 * Reference: Intel 8259A datasheet (ICW1-4, OCW1-3, priority resolver, EOI kinds, poll,
 * special mask, special fully nested and AEOI modes); Intel 82371FB/SB (PIIX/PIIX3)
 * datasheet for the ELCR (IRQ0, 1, 2, 8 and 13 are always edge; ICW1's LTIM bit is
 * disabled and replaced by the ELCR, so it is stored but has no effect here).
 *
 * Modelled: fully nested priority with rotation (rotate on EOI, specific rotation, rotate
 * in AEOI mode), IRR/ISR/IMR reads, specific and non-specific EOI, special mask mode,
 * special fully nested mode on the master, poll mode, AEOI, level vs edge inputs, the
 * spurious IRQ7/IRQ15 vector when INTA finds no request.
 * Not modelled: MCS-80/85 mode (uPM = 0 still delivers 8086-style vectors), buffered
 * mode pins, the ICW1 A7-A5/ADI fields. Edge inputs keep their request after the line
 * falls again (so that short pulses are not lost); the real chip's "IR must stay high
 * until the first INTA" spurious case is modelled for level-triggered inputs only.
 * The cascade input (master IR2) follows the slave's INT output as a level. */
#include "dev/pic.h"

#include "base/err.h"

enum { PIC_MASTER = 0, PIC_SLAVE = 1 };

/* Priority rank (0 = highest) of the highest-priority bit in mask, or 8 if none. */
static int prio_rank(const Pic8259 *c, u8 mask)
{
	for (int r = 0; r < 8; r++)
		if (mask & (1u << ((c->lowest + 1 + r) & 7)))
			return r;
	return 8;
}

static int rank_to_ir(const Pic8259 *c, int r)
{
	return (c->lowest + 1 + r) & 7;
}

static u8 level_mask(const Pic8259 *c)
{
	return c->elcr;
}

/* The IR this chip would raise INT for, or -1: the highest unmasked request whose
 * priority is above everything in service. In special mask mode masked levels do not
 * block; in special fully nested mode the master ignores its cascade in-service bit so
 * that a higher-priority slave request gets through. */
static int chip_pending(const Pic8259 *c)
{
	u8 req = c->irr & ~c->imr;
	int r = prio_rank(c, req);
	if (r == 8)
		return -1;
	u8 in = c->isr;
	if (c->special_mask)
		in &= ~c->imr;
	if (c->master && c->sfnm)
		in &= ~c->icw3;
	if (r < prio_rank(c, in))
		return rank_to_ir(c, r);
	return -1;
}

/* Re-evaluates the cascade (slave INT -> master IR2) and the master's INT output. */
static void pic_update(Pic *p)
{
	Pic8259 *m = &p->chip[PIC_MASTER], *s = &p->chip[PIC_SLAVE];
	if (chip_pending(s) >= 0)
		m->irr |= 1u << 2;
	else
		m->irr &= (u8)~(1u << 2);
	bool level = chip_pending(m) >= 0;
	if (level != p->intr_level) {
		p->intr_level = level;
		irq_set(&p->intr, level);
	}
}

/* The INTA effect on one chip for IR ir: mark it in service (or, in AEOI mode, rotate if
 * asked) and clear an edge request. */
static void chip_intack(Pic8259 *c, int ir)
{
	u8 bit = (u8)(1u << ir);
	if (c->aeoi) {
		if (c->rotate_aeoi)
			c->lowest = (u8)ir;
	} else {
		c->isr |= bit;
	}
	if (!(level_mask(c) & bit) && !(c->master && ir == 2))
		c->irr &= (u8)~bit;
}

static void chip_reset(Pic8259 *c, bool master)
{
	*c = (Pic8259){0};
	c->master = master;
	c->imr = 0xFF;
	c->lowest = 7;
	c->elcr_mask = master ? 0xF8 : 0xDE;
}

void pic_reset(Pic *p)
{
	irq_sync(&p->sync);
	u8 lines0 = p->chip[0].lines, lines1 = p->chip[1].lines;
	chip_reset(&p->chip[PIC_MASTER], true);
	chip_reset(&p->chip[PIC_SLAVE], false);
	/* The input wires keep their levels; only the latched edges are forgotten. */
	p->chip[0].lines = lines0;
	p->chip[1].lines = lines1;
	pic_update(p);
}

void pic_init(Pic *p)
{
	*p = (Pic){0};
	chip_reset(&p->chip[PIC_MASTER], true);
	chip_reset(&p->chip[PIC_SLAVE], false);
}

bool pic_intr(const Pic *p)
{
	return p->intr_level;
}

bool pic_input_ignored(const Pic *p, int n)
{
	if (n < 0 || n > 15 || n == 2)
		return true; /* not an input (IR2 is the cascade) */
	const Pic8259 *c = &p->chip[n >> 3];
	u8 bit = (u8)(1u << (n & 7));
	return !(level_mask(c) & bit) && (c->irr & bit);
}

void pic_set_irq(void *ctx, int n, int level)
{
	Pic *p = ctx;
	if (n < 0 || n > 15 || n == 2)
		return;
	Pic8259 *c = &p->chip[n >> 3];
	u8 bit = (u8)(1u << (n & 7));
	if (level_mask(c) & bit) {
		if (level)
			c->irr |= bit;
		else
			c->irr &= (u8)~bit;
	} else if (level && !(c->lines & bit)) {
		c->irr |= bit;
	}
	if (level)
		c->lines |= bit;
	else
		c->lines &= (u8)~bit;
	pic_update(p);
}

int pic_ack(void *ctx)
{
	Pic *p = ctx;
	irq_sync(&p->sync);
	Pic8259 *m = &p->chip[PIC_MASTER], *s = &p->chip[PIC_SLAVE];
	int vec;
	int ir = chip_pending(m);
	if (ir < 0) {
		vec = m->vector_base | 7; /* spurious IRQ7 */
	} else {
		chip_intack(m, ir);
		if (ir == 2 && !m->single && (m->icw3 & 4)) {
			int sir = chip_pending(s);
			if (sir < 0) {
				vec = s->vector_base | 7; /* spurious IRQ15 */
			} else {
				chip_intack(s, sir);
				vec = s->vector_base + sir;
			}
		} else {
			vec = m->vector_base + ir;
		}
	}
	pic_update(p);
	return vec;
}

/* Non-specific EOI: clears the highest-priority in-service bit (in special mask mode,
 * masked in-service levels are left alone). Returns the IR cleared, or -1. */
static int chip_eoi(Pic8259 *c)
{
	u8 in = c->isr;
	if (c->special_mask)
		in &= ~c->imr;
	int r = prio_rank(c, in);
	if (r == 8)
		return -1;
	int ir = rank_to_ir(c, r);
	c->isr &= (u8)~(1u << ir);
	return ir;
}

static void write_icw1(Pic8259 *c, u8 val)
{
	c->icw4_needed = val & 0x01;
	c->single = val & 0x02;
	c->ltim = val & 0x08;
	/* ICW1 resets the edge-sense logic: an input must make a new low-to-high transition
	 * (level inputs request again at once), clears IMR and ISR, gives IR7 the lowest
	 * priority, leaves special mask mode and selects the IRR for reading. */
	c->irr = c->lines & level_mask(c);
	c->isr = 0;
	c->imr = 0;
	c->lowest = 7;
	c->special_mask = false;
	c->read_isr = false;
	c->poll = false;
	c->rotate_aeoi = false;
	if (!c->icw4_needed)
		c->upm = c->aeoi = c->sfnm = c->buffered = false;
	c->init_step = 1;
}

static void write_ocw2(Pic8259 *c, u8 val)
{
	int level = val & 7;
	switch (val >> 5) {
	case 0: /* rotate in AEOI mode (clear) */
		c->rotate_aeoi = false;
		break;
	case 4: /* rotate in AEOI mode (set) */
		c->rotate_aeoi = true;
		break;
	case 1: /* non-specific EOI */
		chip_eoi(c);
		break;
	case 5: { /* rotate on non-specific EOI */
		int ir = chip_eoi(c);
		if (ir >= 0)
			c->lowest = (u8)ir;
		break;
	}
	case 3: /* specific EOI */
		c->isr &= (u8)~(1u << level);
		break;
	case 7: /* rotate on specific EOI */
		c->isr &= (u8)~(1u << level);
		c->lowest = (u8)level;
		break;
	case 6: /* set priority: level becomes the lowest */
		c->lowest = (u8)level;
		break;
	default: /* 2: no operation */
		break;
	}
}

static void write_ocw3(Pic8259 *c, u8 val)
{
	if (val & 0x40)
		c->special_mask = val & 0x20;
	if (val & 0x04)
		c->poll = true;
	if (val & 0x02)
		c->read_isr = val & 0x01;
}

static void write_a1(Pic8259 *c, u8 val)
{
	switch (c->init_step) {
	case 1: /* ICW2: in 8086 mode T7-T3 give the vector, the IR number fills bits 2-0 */
		c->vector_base = val & 0xF8;
		if (!c->single)
			c->init_step = 2;
		else
			c->init_step = c->icw4_needed ? 3 : 0;
		break;
	case 2: /* ICW3 */
		c->icw3 = val;
		c->init_step = c->icw4_needed ? 3 : 0;
		break;
	case 3: /* ICW4 */
		c->upm = val & 0x01;
		c->aeoi = val & 0x02;
		c->buffered = val & 0x08;
		c->sfnm = val & 0x10;
		c->init_step = 0;
		if (!c->upm)
			LOG_DEBUGF("pic: MCS-80/85 mode selected; delivering 8086 vectors");
		break;
	default: /* OCW1 */
		c->imr = val;
		break;
	}
}

/* The poll word: bit 7 set if a request is pending, bits 2-0 its level; acts as INTA on
 * this chip alone. */
static u8 chip_poll(Pic8259 *c)
{
	c->poll = false;
	int ir = chip_pending(c);
	if (ir < 0)
		return 0x00;
	chip_intack(c, ir);
	return (u8)(0x80 | ir);
}

static u32 pic_io_read(void *ctx, u16 port, int size)
{
	Pic *p = ctx;
	Pic8259 *c = &p->chip[(port & 0x80) ? PIC_SLAVE : PIC_MASTER];
	u8 v;
	if (c->poll) {
		irq_sync(&p->sync);
		v = chip_poll(c);
		pic_update(p);
	} else if (port & 1) {
		v = c->imr;
	} else {
		v = c->read_isr ? c->isr : c->irr;
	}
	return v;
}

static void pic_io_write(void *ctx, u16 port, u32 val, int size)
{
	Pic *p = ctx;
	Pic8259 *c = &p->chip[(port & 0x80) ? PIC_SLAVE : PIC_MASTER];
	u8 v = (u8)val;
	irq_sync(&p->sync);
	if (port & 1)
		write_a1(c, v);
	else if (v & 0x10)
		write_icw1(c, v);
	else if (v & 0x08)
		write_ocw3(c, v);
	else
		write_ocw2(c, v);
	pic_update(p);
}

static u32 elcr_io_read(void *ctx, u16 port, int size)
{
	Pic *p = ctx;
	return p->chip[port & 1].elcr;
}

static void elcr_io_write(void *ctx, u16 port, u32 val, int size)
{
	Pic *p = ctx;
	Pic8259 *c = &p->chip[port & 1];
	irq_sync(&p->sync);
	c->elcr = (u8)val & c->elcr_mask;
	/* A level input requests exactly while its line is high. */
	c->irr = (u8)((c->irr & ~c->elcr) | (c->lines & c->elcr));
	pic_update(p);
}

const IoOps pic_io_ops = {pic_io_read, pic_io_write, 1, "pic"};
const IoOps pic_elcr_io_ops = {elcr_io_read, elcr_io_write, 1, "elcr"};
