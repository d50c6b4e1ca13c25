/* pic_fuzz.c: libFuzzer target for the 8259A pair and the ELCR, on a whole machine
 * (machine.h): initialisation words, OCW2/OCW3 in every form, masks, edge/level, while
 * the PIT, the RTC, the keyboard and COM1 raise interrupts and the CPU takes them (INTA
 * cycles, spurious IRQ7/15, the cascade), with the CPU's STI; HLT loop idling between.
 * Checks after each input: the real disk outside the VM's VDs and the ROM unchanged,
 * no crash or sanitizer report. */
#include "machine.h"

static const u16 ports[] = {0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1, 0x40, 0x43, 0x70, 0x71, 0x3F9, 0x3FC};
static const FzRegion regions[] = {{0, 0x1000}};

static void macro(Fz *fz, int op, const u8 *r)
{
	u16 pic = r[1] & 1 ? 0xA0 : 0x20;
	switch (op) {
	case 10: /* initialisation: ICW1 (with or without ICW4), ICW2, ICW3, ICW4 */
		fz_outb(fz, pic, (u8)(0x10 | (r[2] & 0x0B)));
		fz_outb(fz, pic + 1, r[3]);
		if (!(r[2] & 2))
			fz_outb(fz, pic + 1, r[4]);
		if (r[2] & 1)
			fz_outb(fz, pic + 1, r[5]);
		break;
	case 11: /* OCW2: EOI, specific EOI, rotations, set priority */
		fz_outb(fz, pic, (u8)(r[2] & 0xE7));
		break;
	case 12: /* OCW3: read IRR/ISR, poll, special mask; then a read */
		fz_outb(fz, pic, (u8)(0x08 | (r[2] & 0x67)));
		(void)fz_in(fz, pic, 1);
		break;
	case 13: /* interrupt sources: the PIT's counter 0 and the RTC's periodic interrupt */
		fz_outb(fz, 0x43, (u8)(0x30 | (r[2] & 0x0E)));
		fz_outb(fz, 0x40, r[3]);
		fz_outb(fz, 0x40, r[4] & 0x0F);
		fz_outb(fz, 0x70, 0x0A);
		fz_outb(fz, 0x71, (u8)(0x20 | (r[5] & 0x0F)));
		fz_outb(fz, 0x70, 0x0B);
		fz_outb(fz, 0x71, r[6] & 0x70);
		fz_time(fz, (u64)r[7] << 12);
		break;
	case 14: /* the keyboard and COM1 interrupt too */
		kbc_key(&fz->m->kbc, (KbcKey)(r[2] % KBC_KEY_COUNT), r[3] & 1);
		fz_outb(fz, 0x3F9, 0x01);
		fz_outb(fz, 0x3FC, 0x08);
		(void)machine_serial_in(fz->m, 0, r + 4, r[3] >> 6);
		fz_time(fz, (u64)r[7] << 10);
		break;
	default: /* masks */
		fz_outb(fz, 0x21, r[2]);
		fz_outb(fz, 0xA1, r[3]);
		fz_outb(fz, 0x4D0, r[4]);
		fz_outb(fz, 0x4D1, r[5]);
		break;
	}
}

static const FzTarget target = {"pic_fuzz", ports, ARRAY_SIZE(ports), regions, ARRAY_SIZE(regions), NULL, macro};
FZ_TARGET(target)
