/* fdc_fuzz.c: libFuzzer target for the floppy controller (82077AA) and the 8237 DMA
 * pair it transfers through, on a whole machine (machine.h): the FDC's registers and
 * its command/result FIFO (fda is a 1.44M VD, fdb a 360K one), every register of both
 * 8237s and the page registers, and READ/WRITE DATA set up as the BIOS does it with the
 * DMA channel pointing anywhere in memory (RAM, the VGA window, ROM, the PCI hole).
 * Checks after each input: no byte of the real disk outside the VM's VDs changed, the
 * ROM unchanged, no crash or sanitizer report. */
#include "machine.h"

static const u16 ports[] = {
	0x3F0, 0x3F1, 0x3F2, 0x3F3, 0x3F4, 0x3F5, 0x3F7,
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F,
	0xC0, 0xC2, 0xC4, 0xC6, 0xC8, 0xCA, 0xCC, 0xCE, 0xD0, 0xD2, 0xD4, 0xD6, 0xD8, 0xDA, 0xDC, 0xDE,
	0x81, 0x82, 0x83, 0x87, 0x89, 0x8A, 0x8B, 0x8F,
};
static const FzRegion regions[] = {{0, FZ_RAM}, {0xA0000, 0x60000}};

static const u8 cmds[] = {0xE6, 0xC5, 0x66, 0x45, 0x46, 0x4A, 0x4D, 0x03, 0x04, 0x07, 0x08, 0x0E,
			  0x0F, 0x10, 0x12, 0x13, 0x14, 0x94, 0x02, 0x11, 0x16, 0x19, 0x1D, 0x8F};

static void setup(Fz *fz)
{
	/* What the BIOS leaves: the cascade open, the FDC out of reset at 500 kb/s. */
	fz_outb(fz, 0xD6, 0xC0);
	fz_outb(fz, 0xD4, 0x00);
	fz_outb(fz, 0x3F2, 0x1C);
	fz_outb(fz, 0x3F7, 0x00);
	fz_time(fz, 2 * FDC_RESET_NS);
	for (int i = 0; i < 4; i++) { /* the polling statuses after the reset */
		fz_outb(fz, 0x3F5, 0x08);
		(void)fz_in(fz, 0x3F5, 1);
		(void)fz_in(fz, 0x3F5, 1);
	}
}

/* Channel ch (0-3 on the first 8237) set up for count+1 bytes at addr, mode. */
static void dma_channel(Fz *fz, int ch, u32 addr, u16 count, u8 mode)
{
	static const u8 page[4] = {0x87, 0x83, 0x81, 0x82};
	fz_outb(fz, 0x0A, (u8)(0x04 | ch));
	fz_outb(fz, 0x0C, 0);
	fz_outb(fz, (u16)(ch * 2), addr & 0xFF);
	fz_outb(fz, (u16)(ch * 2), addr >> 8 & 0xFF);
	fz_outb(fz, 0x0C, 0);
	fz_outb(fz, (u16)(ch * 2 + 1), count & 0xFF);
	fz_outb(fz, (u16)(ch * 2 + 1), count >> 8);
	fz_outb(fz, 0x0B, (u8)((mode & 0xFC) | ch));
	fz_outb(fz, page[ch], addr >> 16 & 0xFF);
	fz_outb(fz, 0x0A, (u8)ch);
}

static void macro(Fz *fz, int op, const u8 *r)
{
	switch (op) {
	case 10: case 11: { /* a command byte from the table and its parameters */
		int n = r[2] % 9;
		fz_outb(fz, 0x3F5, cmds[r[1] % sizeof(cmds)]);
		for (int i = 0; i < n; i++)
			fz_outb(fz, 0x3F5, r[3 + i % 5]);
		break;
	}
	case 12: { /* a data transfer as the BIOS sets one up: DMA channel 2, then READ or
		    * WRITE DATA on the cylinder the head is on (or another) */
		u32 addr = (u32)r[2] << 9 | (u32)(r[7] & 0x1F) << 17;
		if (r[7] & 0x20)
			addr = 0xA0000 + ((u32)r[2] << 8);
		dma_channel(fz, 2, addr, (u16)((r[3] & 7) * 512 + 511), r[1] & 4 ? 0x4A : 0x46);
		u8 unit = r[1] >> 3 & 1, hd = r[1] >> 5 & 1;
		u8 c = r[3] & 0x80 ? r[3] >> 3 & 0x0F : fz->m->fdc.drive[unit].track;
		const u8 cmd[9] = {r[1] & 4 ? 0xC5 : 0xE6, (u8)(hd << 2 | unit), c, hd, (u8)(r[4] % 20), 2,
				   (u8)(r[6] & 1 ? 18 : 9), 0x1B, 0xFF};
		fz_outb(fz, 0x3F7, r[5] & 3);
		for (int i = 0; i < 9; i++)
			fz_outb(fz, 0x3F5, cmd[i]);
		fz_time(fz, 2 * FDC_XFER_NS);
		break;
	}
	case 13: /* the result phase, drained as a driver does */
		for (int i = 0; i < 10 && (fz_in(fz, 0x3F4, 1) & 0xC0) == 0xC0; i++)
			(void)fz_in(fz, 0x3F5, 1);
		break;
	case 14: /* a seek, or a recalibrate, and its interrupt */
		fz_outb(fz, 0x3F5, r[2] & 1 ? 0x0F : 0x07);
		fz_outb(fz, 0x3F5, r[3] & 7);
		if (r[2] & 1)
			fz_outb(fz, 0x3F5, r[4]);
		fz_time(fz, (u64)r[5] << 16);
		fz_outb(fz, 0x3F5, 0x08);
		break;
	default: /* any 8237 channel (also the second chip's), any mode */
		if (r[1] & 1) {
			dma_channel(fz, r[2] & 3, fz_le32(r + 3), (u16)(r[7] << 8 | r[6]), r[6]);
		} else {
			fz_outb(fz, 0xD4, (u8)(0x04 | (r[2] & 3)));
			fz_outb(fz, 0xD8, 0);
			fz_outb(fz, (u16)(0xC0 + 4 * (r[2] & 3)), r[3]);
			fz_outb(fz, (u16)(0xC0 + 4 * (r[2] & 3)), r[4]);
			fz_outb(fz, 0xD6, r[5]);
			fz_outb(fz, 0xD4, r[2] & 3);
		}
		break;
	}
}

static const FzTarget target = {"fdc_fuzz", ports, ARRAY_SIZE(ports), regions, ARRAY_SIZE(regions), setup, macro};
FZ_TARGET(target)
