/* ide_test.c: the IDE/ATA model driven through its ports on a real IoBus, with the
 * virtual clock stepped by hand and disks made of VDs over memory backends: power-on
 * state and signatures, floating and absent devices, IDENTIFY words, PIO read/write
 * (16- and 32-bit), multiple mode, LBA28/LBA48/CHS addressing, errors (past the end,
 * unknown commands, host I/O failures), soft reset in the middle of a transfer, nIEN and
 * the IRQ line, power commands, and bus-master DMA with PRD tables in a MemBus. */
#include "idebench.h"

/* A VD of n sectors whose sector i holds bytes (i * 7 + j) & 0xFF at offset j. */
static Backend *make_disk(VdDisk *vd, const char *dev, u64 n)
{
	return pattern_disk(vd, dev, n, 7);
}

static bool sector_is(const u8 *p, u64 lba)
{
	return pattern_sector_is(p, lba, 7);
}

/* Issues an LBA28 command with the task file filled in. */
static void cmd28(u16 base, u8 cmd, u32 lba, u8 count, int unit)
{
	outb(base + 6, (u8)(0xE0 | unit << 4 | ((lba >> 24) & 0x0F)));
	outb(base + 2, count);
	outb(base + 3, (u8)lba);
	outb(base + 4, (u8)(lba >> 8));
	outb(base + 5, (u8)(lba >> 16));
	outb(base + 7, cmd);
}

static void cmd48(u16 base, u8 cmd, u64 lba, u16 count)
{
	outb(base + 6, 0x40);
	outb(base + 2, (u8)(count >> 8));
	outb(base + 3, (u8)(lba >> 24));
	outb(base + 4, (u8)(lba >> 32));
	outb(base + 5, (u8)(lba >> 40));
	outb(base + 2, (u8)count);
	outb(base + 3, (u8)lba);
	outb(base + 4, (u8)(lba >> 8));
	outb(base + 5, (u8)(lba >> 16));
	outb(base + 7, cmd);
}

static void read_block(u16 base, u8 *buf, int words)
{
	for (int i = 0; i < words; i++)
		put_le16(buf + 2 * i, inw(base));
}

static void write_block(u16 base, const u8 *buf, int words)
{
	for (int i = 0; i < words; i++)
		outw(base, get_le16(buf + 2 * i));
}

static void identify(u16 base, u16 ctl, u16 w[256])
{
	outb(base + 7, 0xEC);
	CHECK_EQ(wait_ready(ctl), 0x58);
	for (int i = 0; i < 256; i++)
		w[i] = inw(base);
	CHECK_EQ(inb(base + 7), 0x50);
}

static void test_floating_and_absent(void)
{
	setup();
	VdDisk vd;
	Backend *b = make_disk(&vd, "hda", 2048);
	ide_attach(&ide, 0, 0, &vd);

	/* Secondary: no drives, the bus floats high; nothing sticks (SeaBIOS's probe). */
	for (int r = 1; r < 8; r++)
		CHECK_EQ(inb(P1 + r), 0xFF);
	CHECK_EQ(inb(C1), 0xFF);
	CHECK_EQ(inw(P1), 0xFFFF);
	outb(P1 + 6, 0xA0);
	outb(P1 + 2, 0x55);
	outb(P1 + 3, 0xAA);
	CHECK_EQ(inb(P1 + 2), 0xFF);
	CHECK_EQ(inb(P1 + 6), 0xFF);
	outb(P1 + 7, 0xEC);
	run_ns(100000);
	CHECK_EQ(irq15.edges, 0);

	/* Primary master: ready with the ATA signature; registers hold what is written. */
	CHECK_EQ(inb(P0 + 7), 0x50);
	CHECK_EQ(inb(P0 + 1), 0x01);
	CHECK_EQ(inb(P0 + 2), 0x01);
	CHECK_EQ(inb(P0 + 3), 0x01);
	CHECK_EQ(inb(P0 + 4), 0x00);
	CHECK_EQ(inb(P0 + 5), 0x00);
	outb(P0 + 6, 0xA0);
	outb(P0 + 2, 0x55);
	outb(P0 + 3, 0xAA);
	CHECK_EQ(inb(P0 + 6), 0xA0);
	CHECK_EQ(inb(P0 + 2), 0x55);
	CHECK_EQ(inb(P0 + 3), 0xAA);

	/* Device 1 absent behind device 0: Status reads 00h, the latched registers are
	 * device 0's copy, and commands to device 1 go nowhere. */
	outb(P0 + 6, 0xB0);
	CHECK_EQ(inb(P0 + 7), 0x00);
	CHECK_EQ(inb(C0), 0x00);
	CHECK_EQ(inb(P0 + 6), 0xB0);
	outb(P0 + 2, 0x66);
	CHECK_EQ(inb(P0 + 2), 0x66);
	outb(P0 + 7, 0xEC);
	run_ns(100000);
	CHECK_EQ(inb(P0 + 7), 0x00);
	CHECK_EQ(irq14.edges, 0);
	outb(P0 + 6, 0xA0);
	CHECK_EQ(inb(P0 + 7), 0x50);
	CHECK_EQ(inb(P0 + 2), 0x66);
	backend_close(b);
}

static void test_identify(void)
{
	setup();
	VdDisk vd;
	Backend *b = make_disk(&vd, "hda", 20 * 16 * 63 + 5);
	ide_attach(&ide, 0, 0, &vd);
	u16 w[256];

	outb(P0 + 6, 0xA0);
	outb(P0 + 7, 0xEC);
	/* BSY first, no interrupt yet; then DRQ with INTRQ. */
	CHECK_EQ(inb(C0), 0xD0);
	CHECK_EQ(irq14.edges, 0);
	CHECK_EQ(inw(P0), 0xFFFF); /* no data before DRQ */
	run_ns(IDE_CMD_NS);
	CHECK_EQ(inb(C0), 0x58);
	CHECK_EQ(irq14.edges, 1);
	CHECK_EQ(irq14.level, 1);
	CHECK_EQ(inb(C0), 0x58); /* Alternate Status leaves the interrupt pending */
	CHECK_EQ(irq14.level, 1);
	CHECK_EQ(inb(P0 + 7), 0x58);
	CHECK_EQ(irq14.level, 0);
	for (int i = 0; i < 256; i++)
		w[i] = inw(P0);
	CHECK_EQ(inb(P0 + 7), 0x50);
	run_ns(100000);
	CHECK_EQ(irq14.edges, 1);

	CHECK_EQ(w[0], 0x0040);
	CHECK_EQ(w[1], 20);
	CHECK_EQ(w[3], 16);
	CHECK_EQ(w[6], 63);
	CHECK_EQ(w[47], 0x8010);
	CHECK_EQ(w[49] & 0x0300, 0x0300); /* LBA and DMA */
	CHECK_EQ(w[53], 0x0003);
	CHECK_EQ(w[54], 20);
	CHECK_EQ(w[55], 16);
	CHECK_EQ(w[56], 63);
	CHECK_EQ(w[57] | (u32)w[58] << 16, 20 * 16 * 63);
	CHECK_EQ(w[59], 0);
	CHECK_EQ(w[60] | (u32)w[61] << 16, 20 * 16 * 63 + 5);
	CHECK_EQ(w[63], 0x0007);
	CHECK_EQ(w[64], 0x0003);
	CHECK_EQ(w[80] & 0x0040, 0x0040); /* ATA/ATAPI-6 */
	CHECK_EQ(w[83] & 0x7400, 0x7400); /* LBA48, FLUSH CACHE (EXT) */
	CHECK_EQ(w[86] & 0x0400, 0x0400);
	CHECK_EQ(w[88], 0);               /* no Ultra DMA on a PIIX3 */
	CHECK_EQ(w[93], 0x404B);          /* device 0 responds for device 1 */
	CHECK_EQ(w[93] & 0xDF61, 0x4041); /* what SeaBIOS tests to skip device 1 */
	CHECK_EQ(w[100] | (u64)w[101] << 16 | (u64)w[102] << 32 | (u64)w[103] << 48,
		 20 * 16 * 63 + 5);
	/* Model "VMCP HARDDISK", two characters per word, first in the high byte. */
	char model[41];
	for (int i = 0; i < 20; i++) {
		model[2 * i] = (char)(w[27 + i] >> 8);
		model[2 * i + 1] = (char)w[27 + i];
	}
	model[40] = 0;
	CHECK(!strncmp(model, "VMCP HARDDISK   ", 16), "model '%s'", model);
	CHECK_EQ(w[255] & 0xFF, 0xA5);
	u8 sum = 0;
	for (int i = 0; i < 256; i++)
		sum = (u8)(sum + (w[i] & 0xFF) + (w[i] >> 8));
	CHECK_EQ(sum, 0);

	/* With nIEN set the command completes without an interrupt; clearing nIEN with
	 * the interrupt still pending raises the line. */
	outb(C0, IDE_CTL_NIEN);
	outb(P0 + 7, 0xEC);
	CHECK_EQ(wait_ready(C0), 0x58);
	CHECK_EQ(irq14.edges, 1);
	for (int i = 0; i < 256; i++)
		inw(P0);
	outb(P0 + 7, 0xE7); /* FLUSH CACHE */
	CHECK_EQ(wait_ready(C0), 0x50);
	CHECK_EQ(irq14.edges, 1);
	outb(C0, 0);
	CHECK_EQ(irq14.edges, 2);
	CHECK_EQ(irq14.level, 1);
	inb(P0 + 7);
	CHECK_EQ(irq14.level, 0);

	/* A large VD: word 1 saturates at 16383, words 60-61 at 0FFFFFFFh. */
	VdDisk big;
	vd_init_flat(&big, "hdb", b, 0, 0x10000005ull);
	ide_attach(&ide, 1, 0, &big);
	identify(P1, C1, w);
	CHECK_EQ(w[1], 16383);
	CHECK_EQ(w[60] | (u32)w[61] << 16, 0x0FFFFFFF);
	CHECK_EQ(w[100] | (u64)w[101] << 16 | (u64)w[102] << 32, 0x10000005ull);
	CHECK_EQ(irq15.edges, 1);
	backend_close(b);
}

static void test_pio(void)
{
	setup();
	VdDisk vd;
	Backend *b = make_disk(&vd, "hda", 4096);
	u8 *disk = backend_mem_data(b);
	ide_attach(&ide, 0, 0, &vd);
	u8 buf[8192];

	/* READ SECTORS: one DRQ block and one interrupt per sector; BSY between. */
	cmd28(P0, 0x20, 10, 3, 0);
	CHECK_EQ(inb(C0) & IDE_ST_BSY, IDE_ST_BSY);
	for (int s = 0; s < 3; s++) {
		CHECK_EQ(wait_ready(C0), 0x58);
		CHECK_EQ(irq14.edges, s + 1);
		CHECK_EQ(inb(P0 + 7), 0x58);
		read_block(P0, buf, 256);
		CHECK(sector_is(buf, 10 + s), "sector %d", 10 + s);
		if (s < 2)
			CHECK_EQ(inb(C0) & (IDE_ST_BSY | IDE_ST_DRQ), IDE_ST_BSY);
	}
	CHECK_EQ(inb(P0 + 7), 0x50);
	run_ns(100000);
	CHECK_EQ(irq14.edges, 3); /* no interrupt after the last block */
	CHECK_EQ(inb(P0 + 3), 12); /* task file: the last sector transferred */
	CHECK_EQ(inb(P0 + 2), 0);

	/* 32-bit PIO on the data port. */
	cmd28(P0, 0x20, 77, 1, 0);
	CHECK_EQ(wait_ready(C0), 0x58);
	for (int i = 0; i < 128; i++)
		put_le32(buf + 4 * i, inl(P0));
	CHECK(sector_is(buf, 77), "32-bit read");
	CHECK_EQ(inb(P0 + 7), 0x50);

	/* WRITE SECTORS: DRQ without an interrupt for the first block, then BSY,
	 * DRQ+INTRQ for the next, and INTRQ at the end. */
	irq14.edges = 0;
	for (int i = 0; i < 1024; i++)
		buf[i] = (u8)(0xA5 ^ i);
	cmd28(P0, 0x30, 100, 2, 0);
	CHECK_EQ(wait_ready(C0), 0x58);
	CHECK_EQ(irq14.edges, 0);
	write_block(P0, buf, 256);
	CHECK_EQ(inb(C0) & (IDE_ST_BSY | IDE_ST_DRQ), IDE_ST_BSY);
	CHECK_EQ(wait_ready(C0), 0x58);
	CHECK_EQ(irq14.edges, 1);
	inb(P0 + 7);
	for (int i = 0; i < 128; i++) /* the second block with 32-bit writes */
		outl(P0, get_le32(buf + 512 + 4 * i));
	CHECK_EQ(wait_ready(C0), 0x50);
	CHECK_EQ(irq14.edges, 2);
	CHECK(!memcmp(disk + 100 * SECTOR_SIZE, buf, 1024), "written data on the VD");
	CHECK(sector_is(disk + 102 * SECTOR_SIZE, 102), "sector after untouched");
	CHECK(sector_is(disk + 99 * SECTOR_SIZE, 99), "sector before untouched");
	CHECK_EQ(vd.sectors_written, 2);

	/* Multiple mode. */
	irq14.edges = 0;
	cmd28(P0, 0xC4, 0, 4, 0); /* READ MULTIPLE before SET MULTIPLE MODE: aborted */
	CHECK_EQ(wait_ready(C0), 0x51);
	CHECK_EQ(inb(P0 + 1), IDE_ER_ABRT);
	outb(P0 + 2, 3);
	outb(P0 + 7, 0xC6); /* not a power of two */
	CHECK_EQ(wait_ready(C0), 0x51);
	outb(P0 + 2, 4);
	outb(P0 + 7, 0xC6);
	CHECK_EQ(wait_ready(C0), 0x50);
	u16 w[256];
	identify(P0, C0, w);
	CHECK_EQ(w[59], 0x0104);
	irq14.edges = 0;
	cmd28(P0, 0xC4, 200, 10, 0);
	int blocks = 0;
	u32 got = 0;
	for (;;) {
		u8 st = wait_ready(C0);
		if (!(st & IDE_ST_DRQ))
			break;
		inb(P0 + 7);
		blocks++;
		u32 n = MIN(4u, 10 - got);
		read_block(P0, buf + got * SECTOR_SIZE, (int)n * 256);
		got += n;
	}
	CHECK_EQ(blocks, 3);
	CHECK_EQ(got, 10);
	CHECK_EQ(irq14.edges, 3);
	for (u32 s = 0; s < 10; s++)
		CHECK(sector_is(buf + s * SECTOR_SIZE, 200 + s), "multiple sector %u", s);

	/* WRITE MULTIPLE of 5 sectors: blocks of 4 and 1. */
	memset(buf, 0x3C, 5 * SECTOR_SIZE);
	irq14.edges = 0;
	cmd28(P0, 0xC5, 300, 5, 0);
	CHECK_EQ(wait_ready(C0), 0x58);
	write_block(P0, buf, 4 * 256);
	CHECK_EQ(wait_ready(C0), 0x58);
	CHECK_EQ(irq14.edges, 1);
	inb(P0 + 7);
	write_block(P0, buf, 256);
	CHECK_EQ(wait_ready(C0), 0x50);
	CHECK_EQ(irq14.edges, 2);
	CHECK_EQ(disk[300 * SECTOR_SIZE], 0x3C);
	CHECK_EQ(disk[305 * SECTOR_SIZE - 1], 0x3C);
	CHECK(sector_is(disk + 305 * SECTOR_SIZE, 305), "after write multiple");
	backend_close(b);
}

static void test_lba48_chs(void)
{
	setup();
	/* A VD of 2^28 + 16 sectors whose last 16 sectors are real sectors 0-15 of a
	 * small backend (two extents): LBA48 commands reach them. */
	Backend *b = backend_mem_new(64 * SECTOR_SIZE);
	u8 *disk = backend_mem_data(b);
	VdDisk vd;
	vd_init_flat(&vd, "hda", b, 16, 0x10000000ull);
	vd.extent[1] = (VdExtent){0, 16};
	vd.nextents = 2;
	vd.sectors = 0x10000010ull;
	vd.data_start = 0;
	vd.data_end = 0x10000010ull;
	ide_attach(&ide, 0, 0, &vd);
	u8 buf[2048];

	/* HOB: each LBA48 register keeps its previous value. */
	outb(P0 + 6, 0x40);
	outb(P0 + 2, 0x12);
	outb(P0 + 2, 0x34);
	outb(P0 + 5, 0xAB);
	outb(P0 + 5, 0xCD);
	CHECK_EQ(inb(P0 + 2), 0x34);
	outb(C0, IDE_CTL_HOB);
	CHECK_EQ(inb(P0 + 2), 0x12);
	CHECK_EQ(inb(P0 + 5), 0xAB);
	outb(P0 + 1, 0); /* a command-block write clears HOB */
	CHECK_EQ(inb(P0 + 2), 0x34);

	/* WRITE SECTORS EXT to LBA 10000004h (count 2 through the HOB register). */
	for (int i = 0; i < 1024; i++)
		buf[i] = (u8)(i * 3);
	cmd48(P0, 0x34, 0x10000004ull, 2);
	CHECK_EQ(wait_ready(C0), 0x58);
	write_block(P0, buf, 256);
	CHECK_EQ(wait_ready(C0), 0x58);
	write_block(P0, buf + 512, 256);
	CHECK_EQ(wait_ready(C0), 0x50);
	CHECK(!memcmp(disk + 4 * SECTOR_SIZE, buf, 1024), "LBA48 write reached real sector 4");
	/* The task file holds the last sector's 48-bit address. */
	CHECK_EQ(inb(P0 + 3), 0x05);
	CHECK_EQ(inb(P0 + 4), 0x00);
	outb(C0, IDE_CTL_HOB);
	CHECK_EQ(inb(P0 + 3), 0x10);
	outb(C0, 0);

	/* READ SECTORS EXT back. */
	memset(buf, 0, sizeof(buf));
	cmd48(P0, 0x24, 0x10000005ull, 1);
	CHECK_EQ(wait_ready(C0), 0x58);
	read_block(P0, buf, 256);
	CHECK(!memcmp(buf, disk + 5 * SECTOR_SIZE, 512), "LBA48 read");
	CHECK_EQ(inb(P0 + 7), 0x50);

	/* Past the end with LBA48: IDNF. The LBA28 limit: sector 0FFFFFFFh is beyond
	 * words 60-61 and needs an EXT command. */
	cmd48(P0, 0x24, 0x1000000Full, 2);
	CHECK_EQ(wait_ready(C0), 0x51);
	CHECK_EQ(inb(P0 + 1), IDE_ER_IDNF);
	cmd28(P0, 0x20, 0x0FFFFFFF, 1, 0);
	CHECK_EQ(wait_ready(C0), 0x51);
	CHECK_EQ(inb(P0 + 1), IDE_ER_IDNF);
	backend_close(b);

	/* CHS through the default translation (16 heads, 63 sectors). */
	setup();
	VdDisk v2;
	b = make_disk(&v2, "hda", 4 * 16 * 63);
	disk = backend_mem_data(b);
	ide_attach(&ide, 0, 0, &v2);
	outb(P0 + 6, 0xA2); /* CHS, head 2 */
	outb(P0 + 2, 1);
	outb(P0 + 3, 3);    /* sector 3 */
	outb(P0 + 4, 1);    /* cylinder 1 */
	outb(P0 + 5, 0);
	outb(P0 + 7, 0x20);
	CHECK_EQ(wait_ready(C0), 0x58);
	read_block(P0, buf, 256);
	CHECK(sector_is(buf, (1 * 16 + 2) * 63 + 2), "CHS 1/2/3");
	CHECK_EQ(inb(P0 + 7), 0x50);
	CHECK_EQ(inb(P0 + 3), 3); /* the task file keeps the CHS form */
	CHECK_EQ(inb(P0 + 6), 0xA2);

	/* Sector 0 and a head past the translation are IDNF. */
	outb(P0 + 3, 0);
	outb(P0 + 7, 0x20);
	CHECK_EQ(wait_ready(C0), 0x51);
	CHECK_EQ(inb(P0 + 1), IDE_ER_IDNF);

	/* INITIALIZE DEVICE PARAMETERS: 4 heads, 17 sectors. */
	outb(P0 + 6, 0xA3);
	outb(P0 + 2, 17);
	outb(P0 + 7, 0x91);
	CHECK_EQ(wait_ready(C0), 0x50);
	u16 w[256];
	identify(P0, C0, w);
	CHECK_EQ(w[54], 4 * 16 * 63 / (4 * 17));
	CHECK_EQ(w[55], 4);
	CHECK_EQ(w[56], 17);
	CHECK_EQ(w[3], 16); /* the default translation is unchanged */
	outb(P0 + 6, 0xA1);
	outb(P0 + 2, 1);
	outb(P0 + 3, 1);
	outb(P0 + 4, 2);
	outb(P0 + 5, 0);
	outb(P0 + 7, 0x20);
	CHECK_EQ(wait_ready(C0), 0x58);
	read_block(P0, buf, 256);
	CHECK(sector_is(buf, (2 * 4 + 1) * 17), "CHS 2/1/1 through 4x17");
	outb(P0 + 6, 0xA4); /* head 4 does not exist now */
	outb(P0 + 7, 0x20);
	CHECK_EQ(wait_ready(C0), 0x51);
	CHECK_EQ(inb(P0 + 1), IDE_ER_IDNF);
	/* An invalid translation (0 sectors) aborts and fails later CHS accesses. */
	outb(P0 + 6, 0xA3);
	outb(P0 + 2, 0);
	outb(P0 + 7, 0x91);
	CHECK_EQ(wait_ready(C0), 0x51);
	CHECK_EQ(inb(P0 + 1), IDE_ER_ABRT);
	outb(P0 + 6, 0xA0);
	outb(P0 + 2, 1);
	outb(P0 + 3, 1);
	outb(P0 + 7, 0x20);
	CHECK_EQ(wait_ready(C0), 0x51);
	CHECK_EQ(inb(P0 + 1), IDE_ER_IDNF);
	backend_close(b);
}

static void test_errors(void)
{
	setup();
	VdDisk vd;
	Backend *b = make_disk(&vd, "hda", 1000);
	u8 *disk = backend_mem_data(b);
	ide_attach(&ide, 0, 0, &vd);
	u8 buf[1024];

	/* A read reaching past the end: ERR+IDNF with an interrupt and no DRQ. */
	cmd28(P0, 0x20, 999, 2, 0);
	CHECK_EQ(wait_ready(C0), 0x51);
	CHECK_EQ(irq14.edges, 1);
	CHECK_EQ(inb(P0 + 1), IDE_ER_IDNF);
	CHECK_EQ(inw(P0), 0xFFFF);
	CHECK_EQ(vd.sectors_read, 0);

	/* A write past the end moves no data: the drive never asks for it. */
	cmd28(P0, 0x30, 1000, 1, 0);
	CHECK_EQ(wait_ready(C0), 0x51);
	CHECK_EQ(inb(P0 + 1), IDE_ER_IDNF);
	outw(P0, 0x1234);
	CHECK_EQ(vd.sectors_written, 0);
	CHECK(sector_is(disk + 999 * SECTOR_SIZE, 999), "last sector intact");

	/* Unknown commands, NOP, ATAPI and UDMA transfer modes: ERR+ABRT. */
	const u8 bad[] = {0xFF, 0x00, 0xA1, 0xA0, 0xF8, 0x22};
	for (size_t i = 0; i < sizeof(bad); i++) {
		outb(P0 + 7, bad[i]);
		CHECK_EQ(wait_ready(C0), 0x51);
		CHECK_EQ(inb(P0 + 1), IDE_ER_ABRT);
	}
	outb(P0 + 1, 0x03);
	outb(P0 + 2, 0x42);
	outb(P0 + 7, 0xEF);
	CHECK_EQ(wait_ready(C0), 0x51);
	outb(P0 + 1, 0x77);
	outb(P0 + 7, 0xEF);
	CHECK_EQ(wait_ready(C0), 0x51);
	/* A good command after an error clears ERR. */
	outb(P0 + 1, 0x03);
	outb(P0 + 2, 0x22); /* MW DMA 2 */
	outb(P0 + 7, 0xEF);
	CHECK_EQ(wait_ready(C0), 0x50);
	CHECK_EQ(inb(P0 + 1), 0);
	outb(P0 + 1, 0x82); /* write cache off */
	outb(P0 + 7, 0xEF);
	CHECK_EQ(wait_ready(C0), 0x50);
	u16 w[256];
	identify(P0, C0, w);
	CHECK_EQ(w[63], 0x0407);
	CHECK_EQ(w[85] & 0x0020, 0);

	/* Writes to the task file while BSY are ignored. */
	cmd28(P0, 0x40, 5, 1, 0); /* READ VERIFY */
	outb(P0 + 3, 0x99);
	CHECK_EQ(wait_ready(C0), 0x50);
	CHECK_EQ(inb(P0 + 3), 5);

	/* READ VERIFY, SEEK, RECALIBRATE: no data, an interrupt each. */
	irq14.edges = 0;
	cmd28(P0, 0x40, 990, 10, 0);
	CHECK_EQ(wait_ready(C0), 0x50);
	cmd28(P0, 0x40, 991, 10, 0);
	CHECK_EQ(wait_ready(C0), 0x51);
	CHECK_EQ(inb(P0 + 1), IDE_ER_IDNF);
	cmd28(P0, 0x70, 999, 0, 0);
	CHECK_EQ(wait_ready(C0), 0x50);
	cmd28(P0, 0x70, 1000, 0, 0);
	CHECK_EQ(wait_ready(C0), 0x51);
	outb(P0 + 7, 0x10);
	CHECK_EQ(wait_ready(C0), 0x50);
	CHECK_EQ(irq14.edges, 5);

	/* Power: STANDBY, CHECK POWER MODE says 00h; IDLE, FFh. SLEEP: commands are
	 * ignored until a soft reset. */
	outb(P0 + 7, 0xE0);
	CHECK_EQ(wait_ready(C0), 0x50);
	outb(P0 + 7, 0xE5);
	CHECK_EQ(wait_ready(C0), 0x50);
	CHECK_EQ(inb(P0 + 2), 0x00);
	outb(P0 + 7, 0xE1);
	CHECK_EQ(wait_ready(C0), 0x50);
	outb(P0 + 7, 0xE5);
	CHECK_EQ(wait_ready(C0), 0x50);
	CHECK_EQ(inb(P0 + 2), 0xFF);
	outb(P0 + 7, 0xE6);
	CHECK_EQ(wait_ready(C0), 0x50);
	irq14.edges = 0;
	outb(P0 + 7, 0xEC);
	CHECK_EQ(inb(C0), 0x50);
	run_ns(100000);
	CHECK_EQ(irq14.edges, 0);
	outb(C0, IDE_CTL_SRST);
	outb(C0, 0);
	CHECK_EQ(wait_ready(C0), 0x50);
	outb(P0 + 7, 0xEC);
	CHECK_EQ(wait_ready(C0), 0x58);
	read_block(P0, buf, 256);

	/* EXECUTE DEVICE DIAGNOSTIC: code 01h and the signature, with an interrupt. */
	irq14.edges = 0;
	outb(P0 + 3, 0x77);
	outb(P0 + 7, 0x90);
	CHECK_EQ(wait_ready(C0), 0x50);
	CHECK_EQ(irq14.edges, 1);
	CHECK_EQ(inb(P0 + 1), 0x01);
	CHECK_EQ(inb(P0 + 3), 0x01);
	CHECK_EQ(inb(P0 + 2), 0x01);
	backend_close(b);

	/* Host failures: a read that fails is UNC, a write ABRT, a flush ABRT. */
	setup();
	FailBackend fb = {.b = {.ops = &fb_ops, .size = 1000 * SECTOR_SIZE}};
	VdDisk v2;
	Backend *inner = make_disk(&v2, "hda", 1000);
	fb.inner = inner;
	vd_init_flat(&v2, "hda", &fb.b, 0, 1000);
	ide_attach(&ide, 0, 0, &v2);
	outb(P0 + 7, 0xE7);
	CHECK_EQ(wait_ready(C0), 0x50);
	CHECK_EQ(fb.flushes, 1);
	fb.fail_read = fb.fail_write = fb.fail_flush = true;
	cmd28(P0, 0x20, 33, 2, 0);
	CHECK_EQ(wait_ready(C0), 0x51);
	CHECK_EQ(inb(P0 + 1), IDE_ER_UNC);
	CHECK_EQ(inb(P0 + 3), 33);
	CHECK_EQ(inb(P0 + 2), 2);
	cmd28(P0, 0x30, 40, 1, 0);
	CHECK_EQ(wait_ready(C0), 0x58);
	write_block(P0, buf, 256);
	CHECK_EQ(wait_ready(C0), 0x51);
	CHECK_EQ(inb(P0 + 1), IDE_ER_ABRT);
	outb(P0 + 7, 0xEA);
	CHECK_EQ(wait_ready(C0), 0x51);
	CHECK_EQ(inb(P0 + 1), IDE_ER_ABRT);
	CHECK_EQ(v2.host_errors, 3); /* counted by the VD manager */
	CHECK_EQ(v2.last_host_error, VMCP_EIO);
	/* A read-only VD refuses writes with ABRT. */
	fb.fail_read = fb.fail_write = fb.fail_flush = false;
	v2.readonly = true;
	cmd28(P0, 0x30, 40, 1, 0);
	CHECK_EQ(wait_ready(C0), 0x58);
	write_block(P0, buf, 256);
	CHECK_EQ(wait_ready(C0), 0x51);
	CHECK_EQ(inb(P0 + 1), IDE_ER_ABRT);
	CHECK_EQ(v2.host_errors, 3); /* a refusal is not a host failure */
	backend_close(inner);
}

static void test_reset_and_slave(void)
{
	setup();
	VdDisk v0, v1;
	Backend *b0 = make_disk(&v0, "hda", 2048), *b1 = make_disk(&v1, "hdb", 4096);
	ide_attach(&ide, 0, 0, &v0);
	ide_attach(&ide, 0, 1, &v1);
	u8 buf[512];
	u16 w[256];

	/* Writes reach both devices; each answers for itself. */
	outb(P0 + 6, 0xA0);
	outb(P0 + 2, 0x42);
	outb(P0 + 6, 0xB0);
	CHECK_EQ(inb(P0 + 2), 0x42);
	CHECK_EQ(inb(P0 + 7), 0x50);
	identify(P0, C0, w);
	CHECK_EQ(w[60] | (u32)w[61] << 16, 4096);
	CHECK_EQ(w[93], 0x4B00);
	outb(P0 + 6, 0xA0);
	identify(P0, C0, w);
	CHECK_EQ(w[60] | (u32)w[61] << 16, 2048);
	CHECK_EQ(w[93], 0x403B);
	CHECK_EQ(w[93] & 0xDF61, 0x4021); /* SeaBIOS then probes device 1 */

	/* The slave reads its own data. */
	cmd28(P0, 0x20, 3000, 1, 1);
	CHECK_EQ(wait_ready(C0), 0x58);
	read_block(P0, buf, 256);
	CHECK(sector_is(buf, 3000), "slave sector");

	/* Soft reset in the middle of a transfer: BSY while SRST is set, then the
	 * signature on both devices, no data, no interrupt. */
	cmd28(P0, 0x20, 10, 4, 0);
	CHECK_EQ(wait_ready(C0), 0x58);
	for (int i = 0; i < 100; i++)
		inw(P0);
	irq14.edges = 0;
	inb(P0 + 7);
	outb(C0, IDE_CTL_SRST | IDE_CTL_NIEN);
	CHECK_EQ(inb(C0), 0x80);
	run_ns(100000);
	CHECK_EQ(inb(C0), 0x80); /* held in reset while SRST stays set */
	outb(C0, IDE_CTL_NIEN);
	CHECK_EQ(inb(C0) & IDE_ST_BSY, IDE_ST_BSY);
	CHECK_EQ(wait_ready(C0), 0x50);
	CHECK_EQ(inw(P0), 0xFFFF);
	CHECK_EQ(inb(P0 + 1), 0x01);
	CHECK_EQ(inb(P0 + 2), 0x01);
	CHECK_EQ(inb(P0 + 3), 0x01);
	CHECK_EQ(inb(P0 + 4), 0x00);
	CHECK_EQ(inb(P0 + 5), 0x00);
	CHECK_EQ(inb(P0 + 6), 0x00);
	outb(P0 + 6, 0xB0);
	CHECK_EQ(inb(P0 + 7), 0x50);
	CHECK_EQ(inb(P0 + 2), 0x01);
	outb(C0, 0);
	CHECK_EQ(irq14.edges, 0);

	/* Soft reset reverts multiple mode (SET FEATURES 66h keeps it). */
	outb(P0 + 6, 0xA0);
	outb(P0 + 2, 8);
	outb(P0 + 7, 0xC6);
	CHECK_EQ(wait_ready(C0), 0x50);
	outb(C0, IDE_CTL_SRST);
	outb(C0, 0);
	CHECK_EQ(wait_ready(C0), 0x50);
	identify(P0, C0, w);
	CHECK_EQ(w[59], 0);
	outb(P0 + 2, 8);
	outb(P0 + 7, 0xC6);
	CHECK_EQ(wait_ready(C0), 0x50);
	outb(P0 + 1, 0x66);
	outb(P0 + 7, 0xEF);
	CHECK_EQ(wait_ready(C0), 0x50);
	outb(C0, IDE_CTL_SRST);
	outb(C0, 0);
	CHECK_EQ(wait_ready(C0), 0x50);
	identify(P0, C0, w);
	CHECK_EQ(w[59], 0x0108);
	backend_close(b0);
	backend_close(b1);
}

/* Writes a PRD entry at addr. */
static void prd(u32 addr, u32 base, u32 count, bool eot)
{
	mem_write(&mem, addr, base, 4);
	mem_write(&mem, addr + 4, (count & 0xFFFF) | (eot ? 0x80000000u : 0), 4);
}

static void test_busmaster(void)
{
	setup();
	VdDisk vd;
	Backend *b = make_disk(&vd, "hda", 4096);
	u8 *disk = backend_mem_data(b);
	ide_attach(&ide, 0, 0, &vd);
	u8 buf[65536];

	/* Register file: PRD pointer dword aligned and byte writable, drive DMA bits R/W,
	 * Interrupt/Error write-1-to-clear. Secondary at +8. */
	outl(BM + 4, 0x12345677);
	CHECK_EQ(inl(BM + 4), 0x12345674);
	outb(BM + 5, 0x9A);
	CHECK_EQ(inl(BM + 4), 0x12349A74);
	outb(BM + 2, 0x60);
	CHECK_EQ(inb(BM + 2), 0x60);
	outb(BM + 2, 0x06); /* clearing bits that are not set leaves them clear */
	CHECK_EQ(inb(BM + 2), 0x00);
	outl(BM + 12, 0x8000);
	CHECK_EQ(inl(BM + 12), 0x8000);
	CHECK_EQ(inl(BM + 4), 0x12349A74);
	outb(BM, 0xFF);
	CHECK_EQ(inb(BM), 0x09);
	CHECK_EQ(inb(BM + 2) & IDE_BM_ST_ACTIVE, IDE_BM_ST_ACTIVE);
	outb(BM, 0x00);
	CHECK_EQ(inb(BM + 2) & IDE_BM_ST_ACTIVE, 0);

	/* READ DMA of 3 sectors into two regions (512 + 1024 bytes). */
	prd(0x1000, 0x20000, 512, false);
	prd(0x1008, 0x30000, 1024, true);
	outl(BM + 4, 0x1000);
	outb(BM, IDE_BM_CMD_WRITE);
	irq14.edges = 0;
	cmd28(P0, 0xC8, 5, 3, 0);
	CHECK_EQ(wait_ready(C0), 0x58); /* the drive waits for the bus master */
	run_ns(100000);
	CHECK_EQ(inb(C0), 0x58);
	CHECK_EQ(irq14.edges, 0);
	outb(BM, IDE_BM_CMD_WRITE | IDE_BM_CMD_START);
	CHECK_EQ(inb(BM + 2), IDE_BM_ST_ACTIVE);
	run_ns(IDE_DMA_NS);
	CHECK_EQ(inb(BM + 2), IDE_BM_ST_INTR); /* table used up exactly: not Active */
	CHECK_EQ(irq14.edges, 1);
	CHECK_EQ(inb(P0 + 7), 0x50);
	mem_read_buf(&mem, 0x20000, buf, 512);
	CHECK(sector_is(buf, 5), "DMA region 1");
	mem_read_buf(&mem, 0x30000, buf, 1024);
	CHECK(sector_is(buf, 6) && sector_is(buf + 512, 7), "DMA region 2");
	outb(BM, IDE_BM_CMD_WRITE);
	outb(BM + 2, IDE_BM_ST_INTR);
	CHECK_EQ(inb(BM + 2), 0);

	/* WRITE DMA, bus master started before the command; regions with odd sizes. */
	for (int i = 0; i < 1024; i++)
		buf[i] = (u8)(i ^ 0x5A);
	mem_write_buf(&mem, 0x40000, buf, 100);
	mem_write_buf(&mem, 0x50000, buf + 100, 924);
	prd(0x1000, 0x40000, 100, false);
	prd(0x1008, 0x50000, 924, true);
	outl(BM + 4, 0x1000);
	outb(BM, IDE_BM_CMD_START);
	cmd28(P0, 0xCA, 50, 2, 0);
	CHECK_EQ(wait_ready(C0), 0x58);
	run_ns(IDE_DMA_NS);
	CHECK_EQ(inb(P0 + 7), 0x50);
	CHECK_EQ(inb(BM + 2), IDE_BM_ST_INTR);
	CHECK(!memcmp(disk + 50 * SECTOR_SIZE, buf, 1024), "DMA write data");
	outb(BM, 0);
	outb(BM + 2, IDE_BM_ST_INTR);

	/* A table longer than the transfer: Interrupt, and the bus master still Active. */
	prd(0x1000, 0x20000, 4096, true);
	outl(BM + 4, 0x1000);
	outb(BM, IDE_BM_CMD_WRITE | IDE_BM_CMD_START);
	cmd28(P0, 0xC8, 20, 1, 0);
	CHECK_EQ(wait_ready(C0), 0x58);
	run_ns(IDE_DMA_NS);
	CHECK_EQ(inb(BM + 2), IDE_BM_ST_INTR | IDE_BM_ST_ACTIVE);
	CHECK_EQ(inb(P0 + 7), 0x50);
	outb(BM, IDE_BM_CMD_WRITE);
	CHECK_EQ(inb(BM + 2), IDE_BM_ST_INTR);
	outb(BM + 2, IDE_BM_ST_INTR);

	/* A short table: 2 of 4 sectors. Not Active, no Interrupt, the drive keeps DRQ;
	 * a second table resumes the transfer where it stopped. */
	irq14.edges = 0;
	memset(buf, 0, 4096);
	mem_write_buf(&mem, 0x20000, buf, 4096);
	prd(0x1000, 0x20000, 1024, true);
	outl(BM + 4, 0x1000);
	outb(BM, IDE_BM_CMD_WRITE | IDE_BM_CMD_START);
	cmd28(P0, 0xC8, 60, 4, 0);
	CHECK_EQ(wait_ready(C0), 0x58);
	run_ns(IDE_DMA_NS);
	CHECK_EQ(inb(BM + 2), 0);
	CHECK_EQ(inb(C0), 0x58);
	CHECK_EQ(irq14.edges, 0);
	mem_read_buf(&mem, 0x20000, buf, 1024);
	CHECK(sector_is(buf, 60) && sector_is(buf + 512, 61), "short table: first part");
	prd(0x1100, 0x20400, 1024, true);
	outl(BM + 4, 0x1100);
	outb(BM, IDE_BM_CMD_WRITE);
	outb(BM, IDE_BM_CMD_WRITE | IDE_BM_CMD_START);
	run_ns(IDE_DMA_NS);
	CHECK_EQ(inb(BM + 2), IDE_BM_ST_INTR);
	CHECK_EQ(irq14.edges, 1);
	CHECK_EQ(inb(P0 + 7), 0x50);
	mem_read_buf(&mem, 0x20400, buf, 1024);
	CHECK(sector_is(buf, 62) && sector_is(buf + 512, 63), "short table: resumed");
	outb(BM, 0);
	outb(BM + 2, IDE_BM_ST_INTR);

	/* A byte count of 0 is 64 KiB: READ DMA EXT of 128 sectors into one region. */
	prd(0x1000, 0x60000, 0, true);
	outl(BM + 4, 0x1000);
	outb(BM, IDE_BM_CMD_WRITE | IDE_BM_CMD_START);
	cmd48(P0, 0x25, 1000, 128);
	CHECK_EQ(wait_ready(C0), 0x58);
	run_ns(IDE_DMA_NS);
	CHECK_EQ(inb(BM + 2), IDE_BM_ST_INTR);
	CHECK_EQ(inb(P0 + 7), 0x50);
	mem_read_buf(&mem, 0x60000, buf, 65536);
	bool ok = true;
	for (int s = 0; s < 128; s++)
		ok = ok && sector_is(buf + s * SECTOR_SIZE, 1000 + s);
	CHECK(ok, "64 KiB region");
	outb(BM, 0);
	outb(BM + 2, IDE_BM_ST_INTR);

	/* DMA past the end: IDNF before any transfer; the drive's interrupt reaches
	 * BMISx while the bus master stays Active (the table was not used). */
	memset(buf, 0xEE, 512);
	mem_write_buf(&mem, 0x20000, buf, 512);
	prd(0x1000, 0x20000, 512, true);
	outl(BM + 4, 0x1000);
	outb(BM, IDE_BM_CMD_WRITE | IDE_BM_CMD_START);
	cmd28(P0, 0xC8, 4096, 1, 0);
	CHECK_EQ(wait_ready(C0), 0x51);
	CHECK_EQ(inb(P0 + 1), IDE_ER_IDNF);
	CHECK_EQ(inb(BM + 2), IDE_BM_ST_INTR | IDE_BM_ST_ACTIVE);
	mem_read_buf(&mem, 0x20000, buf, 512);
	CHECK_EQ(buf[0], 0xEE);
	outb(BM, 0);
	outb(BM + 2, IDE_BM_ST_INTR);

	/* Stopping the bus master before it ran leaves the drive waiting. */
	prd(0x1000, 0x20000, 512, true);
	outb(BM, IDE_BM_CMD_WRITE | IDE_BM_CMD_START);
	cmd28(P0, 0xC8, 7, 1, 0);
	run_ns(IDE_CMD_NS);
	outb(BM, IDE_BM_CMD_WRITE);
	run_ns(100000);
	CHECK_EQ(inb(C0), 0x58);
	CHECK_EQ(mem_read(&mem, 0x20000, 1), 0xEE);
	outb(C0, IDE_CTL_SRST);
	outb(C0, 0);
	CHECK_EQ(wait_ready(C0), 0x50);
	backend_close(b);

	/* The secondary channel's bus master at +8, its interrupt on IRQ15. */
	VdDisk v2;
	b = make_disk(&v2, "hdc", 100);
	ide_attach(&ide, 1, 0, &v2);
	prd(0x2000, 0x70000, 512, true);
	outl(BM + 12, 0x2000);
	outb(BM + 8, IDE_BM_CMD_WRITE | IDE_BM_CMD_START);
	irq15.edges = 0;
	cmd28(P1, 0xC8, 9, 1, 0);
	CHECK_EQ(wait_ready(C1), 0x58);
	run_ns(IDE_DMA_NS);
	CHECK_EQ(inb(BM + 10), IDE_BM_ST_INTR);
	CHECK_EQ(inb(BM + 2) & IDE_BM_ST_INTR, 0);
	CHECK_EQ(irq15.edges, 1);
	mem_read_buf(&mem, 0x70000, buf, 512);
	CHECK(sector_is(buf, 9), "secondary DMA");
	backend_close(b);
}

int main(void)
{
	io = malloc(sizeof(*io));
	if (!io || mem_init(&mem, 4 * MiB)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	test_floating_and_absent();
	test_identify();
	test_pio();
	test_lba48_chs();
	test_errors();
	test_reset_and_slave();
	test_busmaster();
	mem_free(&mem);
	free(io);
	return test_summary();
}
