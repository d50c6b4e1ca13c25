/* rtc_fuzz.c: libFuzzer target for the MC146818 RTC and its CMOS RAM, on a whole
 * machine (machine.h): every register and CMOS byte through ports 70h/71h (with the NMI
 * mask bit), the SET and divider bits, BCD and binary, 12- and 24-hour modes, alarms,
 * periodic and update-ended interrupts with time passing across seconds and days.
 * Checks after each input: the real disk outside the VM's VDs and the ROM unchanged,
 * no crash or sanitizer report. */
#include "machine.h"

static const u16 ports[] = {0x70, 0x71, 0x72, 0x73, 0xA0, 0xA1};
static const FzRegion regions[] = {{0, 0x1000}};

static void reg_write(Fz *fz, u8 idx, u8 val)
{
	fz_outb(fz, 0x70, idx);
	fz_outb(fz, 0x71, val);
}

static void macro(Fz *fz, int op, const u8 *r)
{
	switch (op) {
	case 10: case 11: /* registers written, then read */
		reg_write(fz, r[2], r[3]);
		reg_write(fz, (u8)(r[4] & 0x8F), r[5]);
		fz_outb(fz, 0x70, r[6]);
		(void)fz_in(fz, 0x71, 1);
		break;
	case 12: /* interrupts: a rate, the enables, time, then register C read */
		reg_write(fz, 0x0A, (u8)(0x20 | (r[2] & 0x0F)));
		reg_write(fz, 0x0B, (u8)(r[3] & 0x7E));
		reg_write(fz, 0x01, r[4]);
		reg_write(fz, 0x03, r[5]);
		reg_write(fz, 0x05, r[6]);
		fz_time(fz, (u64)r[7] << 20);
		fz_outb(fz, 0x70, 0x0C);
		(void)fz_in(fz, 0x71, 1);
		break;
	case 13: /* setting the clock: SET, the fields, SET cleared */
		reg_write(fz, 0x0B, (u8)(0x80 | (r[2] & 0x06)));
		for (int i = 0; i < 5; i++)
			reg_write(fz, (u8)(i * 2 % 10), r[3 + i]);
		reg_write(fz, 0x0B, r[2] & 0x06);
		break;
	case 14: /* the divider stopped and started */
		reg_write(fz, 0x0A, (u8)(r[2] & 0x70));
		fz_time(fz, (u64)r[3] << 16);
		reg_write(fz, 0x0A, 0x26);
		break;
	default: /* across a second, an hour, a day */
		fz_time(fz, 1000000000ull >> (r[2] % 8));
		break;
	}
}

static const FzTarget target = {"rtc_fuzz", ports, ARRAY_SIZE(ports), regions, ARRAY_SIZE(regions), NULL, macro};
FZ_TARGET(target)
