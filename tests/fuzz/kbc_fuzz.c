/* kbc_fuzz.c: libFuzzer target for the 8042 keyboard controller with its keyboard and
 * PS/2 mouse, on a whole machine (machine.h): controller commands and their data
 * bytes, the command byte, the output port (A20, the CPU reset line), keyboard and
 * mouse commands, keys pressed and mouse moves from the host side while the guest reads
 * or does not. Checks after each input: the real disk outside the VM's VDs and the ROM
 * unchanged, no crash or sanitizer report. */
#include "machine.h"

static const u16 ports[] = {0x60, 0x64, 0x61, 0x92};
static const FzRegion regions[] = {{0, 0x1000}, {0x100000, 0x1000}};

static const u8 ctl_cmds[] = {0x20, 0x60, 0xA7, 0xA8, 0xA9, 0xAA, 0xAB, 0xAD, 0xAE, 0xC0, 0xD0, 0xD1,
			      0xD2, 0xD3, 0xD4, 0xE0, 0xF0, 0xFE, 0x21, 0x7F, 0xA4, 0xC1, 0xC2};
static const u8 dev_cmds[] = {0xED, 0xEE, 0xF0, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xFE, 0xFF, 0xE6, 0xE7,
			      0xE8, 0xE9, 0xEA, 0xEB, 0xEC, 0xF0, 0xF3, 0xF7, 0xFA, 0x00};

static void macro(Fz *fz, int op, const u8 *r)
{
	switch (op) {
	case 10: case 11: /* a controller command and its data byte */
		fz_outb(fz, 0x64, ctl_cmds[r[2] % sizeof(ctl_cmds)]);
		if (r[3] & 1)
			fz_outb(fz, 0x60, r[4]);
		break;
	case 12: /* a keyboard (or, through D4h, a mouse) command and its parameter */
		if (r[2] & 1)
			fz_outb(fz, 0x64, 0xD4);
		fz_outb(fz, 0x60, dev_cmds[r[3] % sizeof(dev_cmds)]);
		if (r[2] & 2) {
			if (r[2] & 1)
				fz_outb(fz, 0x64, 0xD4);
			fz_outb(fz, 0x60, r[4]);
		}
		fz_time(fz, (u64)r[5] << 10);
		break;
	case 13: /* keys from the host: a press, a release, a chord */
		if (r[2] & 1)
			kbc_chord(&fz->m->kbc, (KbcKey)(r[3] % KBC_KEY_COUNT), (KbcKey)(r[4] % KBC_KEY_COUNT));
		else
			kbc_key(&fz->m->kbc, (KbcKey)(r[3] % KBC_KEY_COUNT), r[4] & 1);
		break;
	case 14: /* the mouse moves */
		kbc_mouse_move(&fz->m->kbc, (s8)r[2] * (r[4] & 1 ? 300 : 1), (s8)r[3], r[4] >> 1 & 7);
		break;
	default: /* the guest drains the output buffer as its handler would */
		for (int i = 0; i < 16 && (fz_in(fz, 0x64, 1) & 1); i++)
			(void)fz_in(fz, 0x60, 1);
		break;
	}
}

static const FzTarget target = {"kbc_fuzz", ports, ARRAY_SIZE(ports), regions, ARRAY_SIZE(regions), NULL, macro};
FZ_TARGET(target)
