/* vga_fuzz.c: libFuzzer target for the VGA, on a whole machine (machine.h): every port
 * from 3B0h to 3DFh (sequencer, graphics controller, CRTC, attribute controller with its
 * flip-flop, DAC, misc output, input status), the memory window at A0000h-BFFFFh
 * through every read and write mode, plane mask and memory map, the VGA's PCI function,
 * and the host's view of the text screen (the dump and its conversion to text). Checks
 * after each input: the real disk outside the VM's VDs and the ROM unchanged, no crash
 * or sanitizer report. */
#include "machine.h"

static const u16 ports[] = {
	0x3B0, 0x3B1, 0x3B2, 0x3B3, 0x3B4, 0x3B5, 0x3B6, 0x3B7, 0x3B8, 0x3B9, 0x3BA, 0x3BB, 0x3BC,
	0x3BD, 0x3BE, 0x3BF, 0x3C0, 0x3C1, 0x3C2, 0x3C3, 0x3C4, 0x3C5, 0x3C6, 0x3C7, 0x3C8, 0x3C9,
	0x3CA, 0x3CB, 0x3CC, 0x3CD, 0x3CE, 0x3CF, 0x3D0, 0x3D1, 0x3D2, 0x3D3, 0x3D4, 0x3D5, 0x3D6,
	0x3D7, 0x3D8, 0x3D9, 0x3DA, 0x3DB, 0x3DC, 0x3DD, 0x3DE, 0x3DF,
};
static const FzRegion regions[] = {{0xA0000, 0x20000}, {0xB8000, 0x8000}};

static void macro(Fz *fz, int op, const u8 *r)
{
	switch (op) {
	case 10: case 11: { /* an indexed register: sequencer, graphics, CRTC (mono or color) */
		static const u16 idx[4] = {0x3C4, 0x3CE, 0x3D4, 0x3B4};
		u16 p = idx[r[1] & 3];
		fz_outb(fz, p, r[2]);
		fz_outb(fz, p + 1, r[3]);
		fz_outb(fz, p, r[4]);
		fz_outb(fz, p + 1, r[5]);
		break;
	}
	case 12: /* the attribute controller: reset the flip-flop, index, data */
		(void)fz_in(fz, r[1] & 1 ? 0x3BA : 0x3DA, 1);
		fz_outb(fz, 0x3C0, r[2]);
		fz_outb(fz, 0x3C0, r[3]);
		(void)fz_in(fz, 0x3C1, 1);
		break;
	case 13: /* a burst of memory writes (and reads) through the current modes */
		for (int i = 0; i < 32; i++) {
			u32 a = 0xA0000 + ((fz_le32(r + 2) + (u32)i * r[6]) & 0x1FFFF);
			if (r[7] & 1)
				(void)fz_mem_read(fz, a, 1 << (r[7] >> 1 & 1));
			else
				mem_write(&fz->m->mem, a, (u32)r[6] * 0x01010101u, 1 << (r[7] >> 1 & 1));
		}
		break;
	case 14: { /* the DAC: write index, three values; read index, three reads */
		fz_outb(fz, 0x3C8, r[2]);
		for (int i = 0; i < 3; i++)
			fz_outb(fz, 0x3C9, r[3 + i]);
		fz_outb(fz, 0x3C7, r[6]);
		for (int i = 0; i < 3; i++)
			(void)fz_in(fz, 0x3C9, 1);
		break;
	}
	default: { /* the host looks at the screen, as the console and --screen do */
		VgaText t;
		machine_screen(fz->m, &t);
		static char text[VGA_TEXT_MAX_ROWS * (VGA_TEXT_MAX_COLS * 3 + 1) + 1];
		screen_text(&t, text, sizeof(text), r[2] & 3);
		break;
	}
	}
}

static const FzTarget target = {"vga_fuzz", ports, ARRAY_SIZE(ports), regions, ARRAY_SIZE(regions), NULL, macro};
FZ_TARGET(target)
