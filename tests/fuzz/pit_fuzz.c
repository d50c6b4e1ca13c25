/* pit_fuzz.c: libFuzzer target for the 8254 PIT and port 61h (counter 2's gate, the
 * speaker, refresh toggling), on a whole machine (machine.h): control words in every
 * mode and access form, counts, latches and read-back commands, with time passing and
 * counter 0's interrupt taken by the CPU. Checks after each input: the real disk
 * outside the VM's VDs and the ROM unchanged, no crash or sanitizer report. */
#include "machine.h"

static const u16 ports[] = {0x40, 0x41, 0x42, 0x43, 0x61, 0x20, 0x21};
static const FzRegion regions[] = {{0, 0x1000}};

static void macro(Fz *fz, int op, const u8 *r)
{
	int ch = r[1] % 3;
	switch (op) {
	case 10: case 11: /* a control word and its count, as the access mode wants it */
		fz_outb(fz, 0x43, (u8)(ch << 6 | (r[2] & 0x3F)));
		fz_outb(fz, (u16)(0x40 + ch), r[3]);
		if (r[2] & 0x20 || r[4] & 1)
			fz_outb(fz, (u16)(0x40 + ch), r[4]);
		fz_time(fz, (u64)r[5] << (r[6] % 12));
		break;
	case 12: /* read-back: status and/or count of any counters, then reads */
		fz_outb(fz, 0x43, (u8)(0xC0 | (r[2] & 0x3E)));
		for (int i = 0; i < 6; i++)
			(void)fz_in(fz, (u16)(0x40 + (r[3] >> i) % 3), 1);
		break;
	case 13: /* a latch, and the count read out */
		fz_outb(fz, 0x43, (u8)(ch << 6));
		fz_time(fz, r[2]);
		(void)fz_in(fz, (u16)(0x40 + ch), 1);
		(void)fz_in(fz, (u16)(0x40 + ch), 1);
		break;
	case 14: /* counter 2's gate and the speaker, and the output read back */
		fz_outb(fz, 0x61, r[2] & 0x0F);
		fz_time(fz, (u64)r[3] << 8);
		(void)fz_in(fz, 0x61, 1);
		break;
	default: /* a long wait: many periods of every counter */
		fz_time(fz, (u64)r[2] << 20);
		break;
	}
}

static const FzTarget target = {"pit_fuzz", ports, ARRAY_SIZE(ports), regions, ARRAY_SIZE(regions), NULL, macro};
FZ_TARGET(target)
