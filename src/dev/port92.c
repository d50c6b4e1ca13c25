/* port92.c: system control port A at 92h.
 *
 * Reference: Intel 82371FB/SB (PIIX/PIIX3) datasheet, port 92h: bit 0 fast INIT (a 0->1
 * transition resets the CPU; the bit reads back as written), bit 1 fast A20 (1 = A20 on),
 * bit 3 power-on password lock (stored), other bits read back as written. Default 00h.
 * Not modelled: the password lock's effect (there is no password). */
#include "dev/port92.h"

static void set_a20(Port92 *p, bool on)
{
	if (on != p->a20_level) {
		p->a20_level = on;
		irq_set(&p->a20, on);
	}
}

void port92_reset(Port92 *p)
{
	p->val = 0;
	p->a20_level = false;
	irq_set(&p->a20, 0);
}

void port92_init(Port92 *p)
{
	*p = (Port92){0};
}

static u32 port92_read(void *ctx, u16 port, int size)
{
	Port92 *p = ctx;
	return p->val;
}

static void port92_write(void *ctx, u16 port, u32 val, int size)
{
	Port92 *p = ctx;
	u8 old = p->val;
	p->val = (u8)val;
	set_a20(p, val & 0x02);
	if (!(old & 0x01) && (val & 0x01))
		irq_pulse(&p->reset);
}

const IoOps port92_io_ops = {port92_read, port92_write, 1, "port92"};
