/* ata_fuzz.c: libFuzzer target for the ATA register interface and its bus-master DMA,
 * on a whole machine (machine.h): both IDE channels' task files and control registers
 * (hda and hdc are disks, hdd a CD-ROM drive (atapi_fuzz drives its packets), hdb
 * absent), the PIIX3 IDE function's bus-master
 * registers at BAR4 (0xC000, as SeaBIOS programs them) with PRD tables the input puts
 * in RAM pointing anywhere, PIO data through the data port, and the configuration space
 * of the IDE function itself. Checks after each input: no byte of the real disk outside
 * the VM's VDs changed, the ROM unchanged, no crash or sanitizer report. */
#include "machine.h"

static const u16 ports[] = {
	0x1F0, 0x1F1, 0x1F2, 0x1F3, 0x1F4, 0x1F5, 0x1F6, 0x1F7, 0x3F6, 0x3F7,
	0x170, 0x171, 0x172, 0x173, 0x174, 0x175, 0x176, 0x177, 0x376,
	0xC000, 0xC001, 0xC002, 0xC004, 0xC006, 0xC008, 0xC00A, 0xC00C, 0xC00E, 0xCF8, 0xCFC,
};
static const FzRegion regions[] = {{0, FZ_RAM}, {0xA0000, 0x60000}, {0xFFFF0000u, 0x10000}};

/* Commands that lead somewhere, so short inputs reach the deep states. */
static const u8 cmds[] = {0xEC, 0x20, 0x21, 0x30, 0x31, 0xC4, 0xC5, 0xC6, 0x24, 0x34, 0x29, 0x39,
			  0xC8, 0xC9, 0xCA, 0xCB, 0x25, 0x35, 0x40, 0x41, 0x42, 0x70, 0x10, 0x91, 0xE7,
			  0xEA, 0xEF, 0xE0, 0xE1, 0xE2, 0xE3, 0xE5, 0xE6, 0x90, 0x00, 0x08, 0xA0, 0xA1,
			  0xF8, 0x27, 0xB0, 0xDA, 0xDE, 0xDF};

static void setup(Fz *fz)
{
	/* What SeaBIOS programs: bus master at 0xC000, both channels decoded, I/O and bus
	 * mastering on. */
	fz_pci_write(fz, 1, 1, 0x20, 0xC001, 4);
	fz_pci_write(fz, 1, 1, 0x40, 0x8000, 2);
	fz_pci_write(fz, 1, 1, 0x42, 0x8000, 2);
	fz_pci_write(fz, 1, 1, 0x04, 0x0005, 2);
}

static void macro(Fz *fz, int op, const u8 *r)
{
	bool sec = r[1] & 1;
	u16 base = sec ? 0x170 : 0x1F0, ctl = sec ? 0x376 : 0x3F6, bm = (u16)(0xC000 + (sec ? 8 : 0));
	switch (op) {
	case 10: case 11: /* a command and its task file (LBA48: the high bytes first) */
		fz_outb(fz, base + 6, (u8)(0xA0 | (r[1] & 0x50) | (r[5] & 0x0F)));
		if (r[1] & 0x20) {
			fz_outb(fz, base + 1, 0);
			fz_outb(fz, base + 2, r[7] & 1);
			fz_outb(fz, base + 3, r[5]);
			fz_outb(fz, base + 4, 0);
			fz_outb(fz, base + 5, 0);
		}
		fz_outb(fz, base + 1, r[6]);
		fz_outb(fz, base + 2, r[2]);
		fz_outb(fz, base + 3, r[3]);
		fz_outb(fz, base + 4, r[4]);
		fz_outb(fz, base + 5, r[5] >> 4);
		fz_outb(fz, base + 7, cmds[r[7] % sizeof(cmds)]);
		break;
	case 12: /* a sector of PIO data, read or written, 16 or 32 bits at a time */
		for (int i = 0; i < (r[2] & 2 ? 128 : 256); i++) {
			if (r[2] & 1)
				fz_out(fz, base, fz_le32(r + 3) + (u32)i, r[2] & 2 ? 4 : 2);
			else
				(void)fz_in(fz, base, r[2] & 2 ? 4 : 2);
		}
		break;
	case 13: { /* a bus-master transfer: a PRD table in RAM (or anywhere), then start */
		u32 prd = ((u32)r[2] << 3 | (u32)r[3] << 11) % FZ_RAM;
		if (r[4] & 0x80)
			prd = fz_le32(r + 2) & ~3u; /* a table outside RAM */
		int n = r[4] % 4 + 1;
		for (int i = 0; i < n; i++) {
			u8 e[8];
			u32 addr = ((u32)r[5] << 12 | (u32)i << 10) + (r[4] & 0x40 ? 0xFFFF0000u : 0);
			u16 count = (u16)((u32)r[6] << (i & 3)) & 0xFFFE;
			put_le32(e, addr);
			put_le16(e + 4, count);
			put_le16(e + 6, i == n - 1 && !(r[7] & 0x80) ? 0x8000 : 0);
			if (prd < FZ_RAM - 8)
				machine_write_phys(fz->m, prd + 8u * (u32)i, e, 8);
		}
		fz_out(fz, bm + 4, prd, 4);
		fz_outb(fz, bm + 2, 0x06); /* clear the interrupt and error bits */
		fz_outb(fz, bm, (u8)(1 | (r[7] & 8)));
		fz_time(fz, (u64)r[7] << 8);
		break;
	}
	case 14: /* software reset and nIEN through the device control register */
		fz_outb(fz, ctl, (u8)(0x04 | (r[2] & 2)));
		fz_time(fz, 5000);
		fz_outb(fz, ctl, r[2] & 2);
		break;
	default: /* what a driver does after a command: wait for BSY to clear, read the status */
		for (int i = 0; i < 64 && (fz_in(fz, ctl, 1) & 0x80); i++)
			fz_time(fz, 1000);
		(void)fz_in(fz, base + 7, 1);
		(void)fz_in(fz, base + 1, 1);
		break;
	}
}

static const FzTarget target = {"ata_fuzz", ports, ARRAY_SIZE(ports), regions, ARRAY_SIZE(regions), setup, macro};
FZ_TARGET(target)
