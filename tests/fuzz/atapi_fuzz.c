/* atapi_fuzz.c: libFuzzer target for the ATAPI CD-ROM drive (hdd, the secondary slave,
 * holding a disc of FZ_DISC bytes) on a whole machine (machine.h): PACKET commands with
 * command blocks built from the input (any opcode, the drive's own ones more often,
 * every field from the input), PIO data through the data port (16 or 32 bits, more or
 * less than the drive offers), bus-master DMA with PRD tables pointing anywhere, DEVICE
 * RESET, soft reset, ATA commands to a PACKET device, and the host changing or taking
 * out the disc (with or without force) in the middle of it all, as `change` and `eject`
 * do while a guest runs. Checks after each input (machine.h): no byte of the real disk
 * outside the VM's VDs changed, the ROM unchanged, no crash or sanitizer report. */
#include "machine.h"

static const u16 ports[] = {
	0x170, 0x171, 0x172, 0x173, 0x174, 0x175, 0x176, 0x177, 0x376,
	0xC008, 0xC00A, 0xC00C, 0xC00E,
};
static const FzRegion regions[] = {{0, FZ_RAM}, {0xFFFF0000u, 0x10000}};

/* The drive's commands, then some it does not have. */
static const u8 ops[] = {0x00, 0x03, 0x12, 0x1B, 0x1E, 0x25, 0x28, 0x2B, 0x43, 0x46, 0x4A, 0x51,
			 0x52, 0x5A, 0xA8, 0xBB, 0xBD, 0x1A, 0x2A, 0xBE, 0x55, 0xA4, 0xFF};
/* ATA commands a host may send a PACKET device. */
static const u8 ata[] = {0xA0, 0xA1, 0xEC, 0x08, 0x90, 0xEF, 0xE5, 0xE0, 0xE1, 0xE6, 0x20, 0xC8, 0x00};

static void settle(Fz *fz);

/* A TEST UNIT READY, as SeaBIOS's scsi_is_ready sends: the unit attention of the reset
 * (or of setup's disc) is gone before the input starts. */
static void test_unit_ready(Fz *fz)
{
	fz_outb(fz, 0x176, 0xB0);
	fz_outb(fz, 0x171, 0);
	fz_outb(fz, 0x177, 0xA0);
	settle(fz);
	for (int i = 0; i < 6; i++)
		fz_out(fz, 0x170, 0, 2);
	settle(fz);
	(void)fz_in(fz, 0x177, 1);
}

static void setup(Fz *fz)
{
	fz_pci_write(fz, 1, 1, 0x20, 0xC001, 4);
	fz_pci_write(fz, 1, 1, 0x40, 0x8000, 2);
	fz_pci_write(fz, 1, 1, 0x42, 0x8000, 2);
	fz_pci_write(fz, 1, 1, 0x04, 0x0005, 2);
	/* The disc as set up (an earlier input may have changed it). */
	machine_set_medium(fz->m, VM_DEV_HDD, FZ_DISC, true);
	test_unit_ready(fz);
}

/* Steps time until BSY clears (at most a while). */
static void settle(Fz *fz)
{
	for (int i = 0; i < 32 && (fz_in(fz, 0x376, 1) & 0x80); i++)
		fz_time(fz, 2000);
}

static void macro(Fz *fz, int op, const u8 *r)
{
	switch (op) {
	case 10: case 11: { /* PACKET and a command block */
		u8 cdb[12];
		cdb[0] = r[2] < 0x40 ? (r[2] & 1 ? 0x28 : 0xA8) : r[2] < 0xE0 ? ops[r[2] % sizeof(ops)] : r[3];
		cdb[1] = r[3];
		cdb[2] = 0;
		cdb[3] = 0;
		cdb[4] = r[4];  /* small LBAs for READ, or a page, a length, flags */
		cdb[5] = r[5];
		cdb[6] = r[6] & 0x0F;
		cdb[7] = r[6] >> 4;
		cdb[8] = r[7];
		cdb[9] = r[7] & 0x3F;
		cdb[10] = cdb[11] = 0;
		if (cdb[0] == 0x5A || cdb[0] == 0x43 || cdb[0] == 0x46)
			cdb[2] = r[4]; /* page, format, starting feature */
		if ((cdb[0] == 0x28 || cdb[0] == 0xA8 || cdb[0] == 0x2B) && (r[4] & r[3] & 0x80) == 0) {
			/* Around the disc's end (20 blocks), and lengths near it. */
			memset(cdb + 2, 0, 10);
			cdb[5] = r[5] % 24;
			cdb[cdb[0] == 0x28 ? 8 : 9] = r[7] % 24;
		}
		fz_outb(fz, 0x176, (u8)(0xB0 | (r[1] & 0x40)));
		fz_outb(fz, 0x171, (u8)((r[1] & 1) | ((r[1] & 0x0C) == 0x0C ? 2 : 0))); /* DMA, OVL */
		fz_outb(fz, 0x174, r[1] & 0x80 ? r[5] : 0x00);
		fz_outb(fz, 0x175, r[1] & 0x80 ? r[6] & 0x0F : 0x08);
		fz_outb(fz, 0x177, 0xA0);
		settle(fz);
		for (int i = 0; i < 6 - ((r[1] & 0x30) == 0x30); i++) /* sometimes a word short */
			fz_out(fz, 0x170, get_le16(cdb + 2 * i), 2);
		settle(fz);
		break;
	}
	case 12: /* data-in: what the byte count says, or r[2] words more or less */
		for (int n = 0; n < 64 && (fz_in(fz, 0x376, 1) & 0x08); n++) {
			u32 bytes = fz_in(fz, 0x174, 1) | fz_in(fz, 0x175, 1) << 8;
			if (r[3] & 1)
				bytes = (bytes + (u32)r[2] * 2) & 0xFFFF;
			int size = r[3] & 2 ? 4 : 2;
			for (u32 k = 0; k < bytes; k += (u32)size)
				(void)fz_in(fz, 0x170, size);
			fz_time(fz, 2000);
			if (r[3] & 4)
				break;
		}
		break;
	case 13: { /* the secondary bus master: a PRD table, then start */
		u32 prd = ((u32)r[2] << 3 | (u32)r[3] << 11) % FZ_RAM;
		if (r[4] & 0x80)
			prd = fz_le32(r + 2) & ~3u;
		int n = r[4] % 4 + 1;
		for (int i = 0; i < n; i++) {
			u8 e[8];
			u32 addr = ((u32)r[5] << 12 | (u32)i << 11) + (r[4] & 0x40 ? 0xFFFF0000u : 0);
			put_le32(e, addr);
			put_le16(e + 4, (u16)((u32)r[6] << (3 + (i & 3))) & 0xFFFE);
			put_le16(e + 6, i == n - 1 && !(r[7] & 0x80) ? 0x8000 : 0);
			if (prd < FZ_RAM - 8)
				machine_write_phys(fz->m, prd + 8u * (u32)i, e, 8);
		}
		fz_out(fz, 0xC00C, prd, 4);
		fz_outb(fz, 0xC00A, 0x06);
		fz_outb(fz, 0xC008, (u8)(1 | (r[7] & 8)));
		fz_time(fz, (u64)r[7] << 9);
		break;
	}
	case 14: /* the host changes the disc, or takes it out */
		machine_set_medium(fz->m, VM_DEV_HDD, (u64)(r[2] % 33) * 2048 + (r[3] & 1 ? 64 * KiB : 0),
				   r[4] & 1);
		break;
	default: /* an ATA command, a soft reset, or the status */
		if (r[2] & 1) {
			fz_outb(fz, 0x376, (u8)(0x04 | (r[3] & 2)));
			fz_time(fz, 5000);
			fz_outb(fz, 0x376, r[3] & 2);
		} else {
			fz_outb(fz, 0x176, 0xB0);
			fz_outb(fz, 0x171, r[4]);
			fz_outb(fz, 0x172, r[5]);
			fz_outb(fz, 0x177, ata[r[3] % sizeof(ata)]);
		}
		settle(fz);
		(void)fz_in(fz, 0x177, 1);
		(void)fz_in(fz, 0x171, 1);
		break;
	}
}

static const FzTarget target = {"atapi_fuzz", ports, ARRAY_SIZE(ports), regions, ARRAY_SIZE(regions), setup, macro};
FZ_TARGET(target)
