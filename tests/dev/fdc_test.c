/* fdc_test.c: the 82077AA driven through its ports with the clock stepped by hand: reset
 * and the four polling statuses, SENSE INTERRUPT STATUS, SEEK/RECALIBRATE, READ DATA and
 * WRITE DATA on every media type (terminal count, multi-track, end of track, past the
 * last sector, wrong cylinder, data rate, write protect, overrun), READ ID, FORMAT
 * TRACK, a drive with no disk, the housekeeping commands, the disk change line. A fake
 * DMA channel stands in for the 8237 in most tests; the last one wires the real Dma and
 * MemBus and reads a boot sector to 0x7C00 as SeaBIOS does. */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "bus/clock.h"
#include "bus/iobus.h"
#include "bus/membus.h"
#include "dev/dma.h"
#include "dev/fdc.h"
#include "vd/vd.h"
#include "../test.h"
#include "devtest.h"

/* A fake DMA channel: a buffer and a byte count after which TC comes. */
typedef struct FakeDma {
	u8 mem[65536];
	u32 pos, count;
	bool off;
	int chan;
} FakeDma;

static u32 fake_dma(void *ctx, int chan, void *buf, u32 len, bool to_memory, bool *tc)
{
	FakeDma *d = ctx;
	d->chan = chan;
	if (d->off)
		return 0;
	u32 n = MIN(len, d->count - d->pos);
	if (to_memory)
		memcpy(d->mem + d->pos, buf, n);
	else
		memcpy(buf, d->mem + d->pos, n);
	d->pos += n;
	if (d->pos == d->count)
		*tc = true;
	return n;
}

static Clock clk;
static IoBus *io;
static Fdc fdc;
static FakeDma fdma;
static IrqRec irq6;

static u8 inb(u16 p) { return (u8)io_read(io, p, 1); }
static void outb(u16 p, u8 v) { io_write(io, p, v, 1); }

static void run_ns(u64 ns)
{
	clock_step(&clk, ns);
}

/* Steps time until IRQ6 is high (at most 10 ms). */
static bool wait_irq(void)
{
	for (int i = 0; i < 1000 && !irq6.level; i++)
		run_ns(10000);
	return irq6.level;
}

/* Sends a command, each byte only when MSR asks for it (RQM=1, DIO=0). */
static bool send(const u8 *b, int n)
{
	for (int i = 0; i < n; i++) {
		if ((inb(0x3F4) & 0xC0) != 0x80)
			return false;
		outb(0x3F5, b[i]);
	}
	return true;
}

/* Reads n result bytes (RQM=1, DIO=1 before each); then MSR must be idle again. */
static bool result(u8 *r, int n)
{
	for (int i = 0; i < n; i++) {
		if ((inb(0x3F4) & 0xC0) != 0xC0)
			return false;
		r[i] = inb(0x3F5);
	}
	return (inb(0x3F4) & 0xC0) == 0x80;
}

static void setup(void)
{
	clock_init(&clk, 1000);
	io_init(io);
	fdc_init(&fdc, &clk);
	memset(&fdma, 0, sizeof(fdma));
	fdc_connect_dma(&fdc, fake_dma, &fdma, 2);
	irq6 = (IrqRec){0};
	irq_connect(&fdc.irq, irq_rec, &irq6, 6);
	CHECK_EQ(io_map(io, 0x3F0, 6, &fdc_io_ops, &fdc), 0);
	CHECK_EQ(io_map(io, 0x3F7, 1, &fdc_io_ops, &fdc), 0);
}

/* SeaBIOS's floppy_enable_controller() plus the three statuses it leaves. */
static void bios_reset(void)
{
	outb(0x3F2, 0x00);
	outb(0x3F2, 0x0C);
	CHECK(wait_irq(), "reset interrupt");
	u8 r[2];
	for (int i = 0; i < 4; i++) {
		const u8 c = 0x08;
		CHECK(send(&c, 1), "sense");
		CHECK(result(r, 2), "sense result");
		CHECK_EQ(r[0], 0xC0 | i);
	}
	CHECK_EQ(irq6.level, 0);
}

/* A VD whose sector i holds bytes (i * 13 + j) & 0xFF at offset j. */
static Backend *make_disk(VdDisk *vd, const char *dev, u64 sectors)
{
	return pattern_disk(vd, dev, sectors, 13);
}

static bool sector_is(const u8 *p, u64 lba)
{
	return pattern_sector_is(p, lba, 13);
}

static void seek(int unit, u8 cyl)
{
	const u8 c[3] = {0x0F, (u8)unit, cyl}, s = 0x08;
	u8 r[2];
	CHECK(send(c, 3), "seek");
	CHECK(wait_irq(), "seek irq");
	CHECK(send(&s, 1), "sense");
	CHECK(result(r, 2), "sense result");
	CHECK_EQ(r[0], 0x20 | unit);
	CHECK_EQ(r[1], cyl);
}

/* READ DATA (E6h) or WRITE DATA (C5h) with DMA set up for count bytes. */
static void rw(u8 op, int unit, int hd, u8 c, u8 h, u8 r, u8 eot, u32 count, u8 res[7])
{
	fdma.pos = 0;
	fdma.count = count;
	const u8 cmd[9] = {op, (u8)(hd << 2 | unit), c, h, r, 2, eot, 0x1B, 0xFF};
	CHECK(send(cmd, 9), "command bytes");
	CHECK_EQ(inb(0x3F4) & 0xF0, 0x10); /* execution: busy, no RQM */
	CHECK(wait_irq(), "data command interrupt");
	CHECK(result(res, 7), "result bytes");
	CHECK_EQ(irq6.level, 0);
}

static void test_reset_and_housekeeping(void)
{
	setup();
	u8 r[10];
	/* Held in reset at power-on; lifting it (as SeaBIOS does) interrupts once with four
	 * polling statuses. */
	CHECK_EQ(inb(0x3F4), 0x00);
	outb(0x3F2, 0x0C);
	CHECK_EQ(irq6.level, 0);
	CHECK(wait_irq(), "reset interrupt");
	CHECK_EQ(inb(0x3F4), 0x80);
	CHECK_EQ(inb(0x3F0) & 0x80, 0x80); /* SRA: interrupt pending */
	const u8 sense = 0x08;
	CHECK(send(&sense, 1), "sense");
	CHECK_EQ(inb(0x3F4), 0xD0);
	CHECK_EQ(irq6.level, 0);
	CHECK(result(r, 2), "result");
	CHECK_EQ(r[0], 0xC0);
	CHECK_EQ(r[1], 0);
	for (int i = 1; i < 4; i++) {
		CHECK(send(&sense, 1), "sense");
		CHECK(result(r, 2), "result");
		CHECK_EQ(r[0], 0xC0 | i);
	}
	/* No interrupt pending: invalid command, one byte. */
	CHECK(send(&sense, 1), "sense");
	CHECK(result(r, 1), "result");
	CHECK_EQ(r[0], 0x80);
	CHECK_EQ(irq6.edges, 1);

	/* With the DMA gate (DOR bit 3) off the interrupt does not reach IRQ6 until it is
	 * turned on; the DSR's software reset works too. */
	outb(0x3F2, 0x04);
	outb(0x3F4, 0x80 | 0x00);
	run_ns(100000);
	CHECK_EQ(irq6.level, 0);
	outb(0x3F2, 0x0C);
	CHECK_EQ(irq6.level, 1);
	for (int i = 0; i < 4; i++) {
		CHECK(send(&sense, 1), "sense");
		CHECK(result(r, 2), "result");
	}

	/* VERSION, invalid opcodes (READ TRACK, 1Fh), LOCK, CONFIGURE, SPECIFY,
	 * PERPENDICULAR MODE, and DUMPREG showing them. */
	const u8 version = 0x10, bad1 = 0x02, bad2 = 0x1F, lock = 0x94, unlock = 0x14;
	CHECK(send(&version, 1) && result(r, 1), "version");
	CHECK_EQ(r[0], 0x90);
	CHECK(send(&bad1, 1) && result(r, 1), "invalid");
	CHECK_EQ(r[0], 0x80);
	CHECK(send(&bad2, 1) && result(r, 1), "invalid");
	CHECK_EQ(r[0], 0x80);
	CHECK_EQ(irq6.level, 0);
	const u8 cfg[4] = {0x13, 0x00, 0x57, 0x05}, spec[3] = {0x03, 0xAF, 0x02},
		 perp[2] = {0x12, 0x80 | 0x08 | 0x02}, dump = 0x0E;
	CHECK(send(cfg, 4) && send(spec, 3) && send(perp, 2), "set-up commands");
	CHECK_EQ(inb(0x3F4), 0x80);
	CHECK(send(&lock, 1) && result(r, 1), "lock");
	CHECK_EQ(r[0], 0x10);
	CHECK(send(&dump, 1) && result(r, 10), "dumpreg");
	CHECK_EQ(r[4], 0xAF);
	CHECK_EQ(r[5], 0x02);
	CHECK_EQ(r[7], 0x80 | 0x08 | 0x02);
	CHECK_EQ(r[8], 0x57);
	CHECK_EQ(r[9], 0x05);
	/* A reset keeps what LOCK protects (FIFO settings, PRETRK), clears EIS, POLL and
	 * the GAP/WGATE bits. */
	outb(0x3F2, 0x08);
	outb(0x3F2, 0x0C);
	CHECK(wait_irq(), "reset");
	for (int i = 0; i < 4; i++)
		CHECK(send(&sense, 1) && result(r, 2), "sense");
	CHECK(send(&dump, 1) && result(r, 10), "dumpreg");
	CHECK_EQ(r[7], 0x80 | 0x08);
	CHECK_EQ(r[8], 0x07); /* EFIFO and FIFOTHR kept; EIS and POLL reset */
	CHECK_EQ(r[9], 0x05);
	CHECK(send(&unlock, 1) && result(r, 1), "unlock");
	CHECK_EQ(r[0], 0x00);
	/* Bytes written while the controller has a result to give are lost. */
	CHECK(send(&version, 1), "version");
	outb(0x3F5, 0x08);
	CHECK(result(r, 1), "version result");
	CHECK_EQ(r[0], 0x90);
}

static void test_seek(void)
{
	setup();
	VdDisk vd;
	Backend *b = make_disk(&vd, "fda", 2880);
	CHECK_EQ(fdc_attach(&fdc, 0, &vd), 0);
	CHECK_EQ(fdc_attach(&fdc, 1, NULL), 0);
	bios_reset();
	u8 r[2];
	const u8 sense = 0x08;

	/* The change line is active at power-on; a step with a disk in clears it. */
	CHECK_EQ(inb(0x3F7), 0xFF);
	const u8 sk[3] = {0x0F, 0x04, 10};
	CHECK(send(sk, 3), "seek");
	CHECK_EQ(inb(0x3F4), 0x81); /* drive 0 busy seeking, controller free */
	CHECK(wait_irq(), "seek end");
	CHECK_EQ(inb(0x3F4), 0x80);
	CHECK(send(&sense, 1) && result(r, 2), "sense");
	CHECK_EQ(r[0], 0x20); /* the head bit reads 0 after a seek */
	CHECK_EQ(r[1], 10);
	CHECK_EQ(inb(0x3F7), 0x7F);
	CHECK_EQ(fdc_change_media(&fdc, 0, &vd), 0);
	CHECK_EQ(inb(0x3F7), 0xFF);
	seek(0, 0);
	CHECK_EQ(inb(0x3F7), 0x7F);
	seek(0, 79);

	const u8 recal[2] = {0x07, 0x00};
	CHECK(send(recal, 2) && wait_irq(), "recalibrate");
	CHECK(send(&sense, 1) && result(r, 2), "sense");
	CHECK_EQ(r[0], 0x20);
	CHECK_EQ(r[1], 0);

	/* SENSE DRIVE STATUS: ST3 with track 0, write protect for an empty drive. */
	const u8 sds0[2] = {0x04, 0x04}, sds1[2] = {0x04, 0x01};
	CHECK(send(sds0, 2) && result(r, 1), "sense drive status");
	CHECK_EQ(r[0], 0x28 | 0x10 | 0x04);
	CHECK(send(sds1, 2) && result(r, 1), "sense drive status 1");
	CHECK_EQ(r[0], 0x40 | 0x28 | 0x10 | 0x01);
	seek(0, 5);
	CHECK(send(sds0, 2) && result(r, 1), "sense drive status");
	CHECK_EQ(r[0], 0x28 | 0x04);

	/* A missing drive never finds track 0: RECALIBRATE ends abnormally with EC. */
	const u8 recal2[2] = {0x07, 0x02};
	CHECK(send(recal2, 2) && wait_irq(), "recalibrate drive 2");
	CHECK(send(&sense, 1) && result(r, 2), "sense");
	CHECK_EQ(r[0], 0x40 | 0x20 | 0x10 | 0x02);

	/* Two seeks at once: each drive's status in turn. */
	const u8 s0[3] = {0x0F, 0x00, 20}, s1[3] = {0x0F, 0x01, 3};
	CHECK(send(s0, 3) && send(s1, 3), "overlapped seeks");
	CHECK_EQ(inb(0x3F4), 0x83);
	run_ns(1000000);
	CHECK(send(&sense, 1) && result(r, 2), "sense");
	CHECK_EQ(r[0], 0x20);
	CHECK_EQ(r[1], 20);
	CHECK(send(&sense, 1) && result(r, 2), "sense");
	CHECK_EQ(r[0], 0x21);
	CHECK_EQ(r[1], 3);
	backend_close(b);
}

/* One media type: data rate, READ DATA with TC inside the track, multi-track,
 * end of track without TC, WRITE DATA, READ ID. */
static void media_case(u64 sectors, u8 rate, u8 wrong_rate, u8 cyls, u8 spt)
{
	setup();
	VdDisk vd;
	Backend *b = make_disk(&vd, "fda", sectors);
	u8 *disk = backend_mem_data(b);
	CHECK_EQ(fdc_attach(&fdc, 0, &vd), 0);
	const FdcMedia *m = fdc_media_for(sectors);
	CHECK(m && m->spt == spt && m->cyls == cyls, "media table for %llu", (unsigned long long)sectors);
	bios_reset();
	u8 res[7];
	u8 cyl = (u8)(cyls - 2);

	/* At the wrong data rate no address mark is found. */
	outb(0x3F7, wrong_rate);
	const u8 rid[2] = {0x4A, 0x00};
	CHECK(send(rid, 2) && wait_irq() && result(res, 7), "read id, wrong rate");
	CHECK_EQ(res[0], 0x40);
	CHECK_EQ(res[1], 0x01);
	outb(0x3F7, rate);
	seek(0, cyl);
	CHECK(send(rid, 2) && wait_irq() && result(res, 7), "read id");
	CHECK_EQ(res[0], 0x00);
	CHECK_EQ(res[3], cyl);
	CHECK_EQ(res[4], 0);
	CHECK(res[5] >= 1 && res[5] <= spt, "sector id %u", res[5]);
	CHECK_EQ(res[6], 2);

	/* Two sectors from side 1, sector 3: TC after them, normal end, R = 5. */
	rw(0xE6, 0, 1, cyl, 1, 3, spt, 1024, res);
	CHECK_EQ(res[0], 0x04);
	CHECK_EQ(res[1], 0);
	CHECK_EQ(res[2], 0);
	CHECK_EQ(res[3], cyl);
	CHECK_EQ(res[4], 1);
	CHECK_EQ(res[5], 5);
	CHECK_EQ(res[6], 2);
	u64 lba = ((u64)cyl * 2 + 1) * spt + 2;
	CHECK(sector_is(fdma.mem, lba) && sector_is(fdma.mem + 512, lba + 1), "data %llu",
	      (unsigned long long)lba);

	/* Multi-track (E6h, as SeaBIOS sends it): the last two sectors of side 0 and the
	 * first two of side 1. */
	rw(0xE6, 0, 0, cyl, 0, (u8)(spt - 1), spt, 2048, res);
	CHECK_EQ(res[0], 0x04);
	CHECK_EQ(res[3], cyl);
	CHECK_EQ(res[4], 1);
	CHECK_EQ(res[5], 3);
	lba = (u64)cyl * 2 * spt + spt - 2;
	for (int i = 0; i < 4; i++)
		CHECK(sector_is(fdma.mem + 512 * i, lba + (u64)i), "multi-track sector %d", i);

	/* MT and TC exactly at side 0's EOT: next comes side 1, sector 1; at side 1's
	 * EOT: the next cylinder, side 0. */
	rw(0xE6, 0, 0, cyl, 0, spt, spt, 512, res);
	CHECK_EQ(res[0], 0x04);
	CHECK_EQ(res[3], cyl);
	CHECK_EQ(res[4], 1);
	CHECK_EQ(res[5], 1);
	rw(0xE6, 0, 1, cyl, 1, spt, spt, 512, res);
	CHECK_EQ(res[0], 0x04);
	CHECK_EQ(res[3], cyl + 1);
	CHECK_EQ(res[4], 0);
	CHECK_EQ(res[5], 1);

	/* Without MT (66h): TC exactly at EOT is a normal end, the next cylinder's
	 * sector 1. */
	rw(0x66, 0, 0, cyl, 0, (u8)(spt - 1), spt, 1024, res);
	CHECK_EQ(res[0], 0x00);
	CHECK_EQ(res[1], 0x00);
	CHECK_EQ(res[3], cyl + 1);
	CHECK_EQ(res[4], 0);
	CHECK_EQ(res[5], 1);
	/* EOT reached without TC: abnormal end with EN. */
	rw(0x66, 0, 0, cyl, 0, (u8)(spt - 1), spt, 8192, res);
	CHECK_EQ(res[0], 0x40);
	CHECK_EQ(res[1], 0x80);
	CHECK_EQ(res[3], cyl + 1);
	CHECK_EQ(res[5], 1);
	CHECK_EQ(fdma.pos, 1024);

	/* Reading past the last sector of the track: that sector is not found. */
	rw(0xE6, 0, 0, cyl, 0, spt, (u8)(spt + 1), 1024, res);
	CHECK_EQ(res[0], 0x40);
	CHECK_EQ(res[1], 0x04);
	CHECK_EQ(res[2], 0x00);
	CHECK_EQ(res[5], spt + 1);
	CHECK_EQ(fdma.pos, 512);
	/* A cylinder number other than the head's track: wrong cylinder, no data. */
	rw(0xE6, 0, 0, (u8)(cyl - 1), 0, 1, 1, 512, res);
	CHECK_EQ(res[0], 0x40);
	CHECK_EQ(res[1], 0x04);
	CHECK_EQ(res[2], 0x10);
	CHECK_EQ(fdma.pos, 0);

	/* WRITE DATA: two sectors on side 0 from sector 1. */
	for (int i = 0; i < 1024; i++)
		fdma.mem[i] = (u8)(0xC3 ^ i);
	rw(0xC5, 0, 0, cyl, 0, 1, spt, 1024, res);
	CHECK_EQ(res[0], 0x00);
	CHECK_EQ(res[5], 3);
	lba = (u64)cyl * 2 * spt;
	CHECK(!memcmp(disk + lba * SECTOR_SIZE, fdma.mem, 1024), "written to the VD");
	CHECK(sector_is(disk + (lba + 2) * SECTOR_SIZE, lba + 2), "next sector intact");
	/* The last cylinder, through an implied seek (CONFIGURE EIS). */
	const u8 cfg[4] = {0x13, 0x00, 0x40 | 0x20, 0x00};
	CHECK(send(cfg, 4), "configure");
	rw(0xE6, 0, 1, (u8)(cyls - 1), 1, spt, spt, 512, res);
	CHECK_EQ(res[0], 0x04);
	CHECK(sector_is(fdma.mem, (u64)sectors - 1), "last sector of the disk");
	backend_close(b);
}

/* The older 5.25" formats (160K and 180K single-sided, 320K with 8 sectors a track):
 * read at 250 kb/s, every track's sectors 1..spt, and a single-sided disk has no side 1
 * (no address mark there). */
static void small_case(u64 sectors, u8 heads, u8 spt)
{
	setup();
	VdDisk vd;
	Backend *b = make_disk(&vd, "fda", sectors);
	CHECK_EQ(fdc_attach(&fdc, 0, &vd), 0);
	CHECK_EQ(fdc_cmos_type(&fdc, 0), 1);
	bios_reset();
	outb(0x3F7, 2); /* 250 kb/s */
	u8 res[7];
	seek(0, 39);
	rw(0x66, 0, 0, 39, 0, spt, spt, 512, res);
	CHECK_EQ(res[0], 0x00);
	CHECK(sector_is(fdma.mem, (u64)39 * heads * spt + spt - 1), "%llu: the last sector of side 0, track 39",
	      (unsigned long long)sectors);
	rw(0x66, 0, 1, 39, 1, 1, spt, 512, res);
	if (heads == 1) {
		CHECK(res[0] == 0x44 && res[1] == 0x01, "%llu: no side 1 (%02x %02x)", (unsigned long long)sectors,
		      res[0], res[1]);
	} else {
		CHECK_EQ(res[0], 0x04);
		CHECK(sector_is(fdma.mem, (u64)39 * 2 * spt + spt), "side 1");
	}
	rw(0x66, 0, 0, 39, 0, (u8)(spt + 1), (u8)(spt + 1), 512, res);
	CHECK(res[0] == 0x40 && res[1] == 0x04, "%llu: no sector %u", (unsigned long long)sectors, spt + 1);
	backend_close(b);
}

static void test_media(void)
{
	small_case(320, 1, 8);           /* 160K */
	small_case(360, 1, 9);           /* 180K */
	small_case(640, 2, 8);           /* 320K */
	media_case(720, 1, 0, 40, 9);    /* 360K at 300 kb/s */
	media_case(1440, 2, 0, 80, 9);   /* 720K at 250 kb/s */
	media_case(2400, 0, 2, 80, 15);  /* 1.2M at 500 kb/s */
	media_case(2880, 0, 1, 80, 18);  /* 1.44M at 500 kb/s */
	media_case(5760, 3, 0, 80, 36);  /* 2.88M at 1 Mb/s */
}

static void test_errors(void)
{
	setup();
	VdDisk vd;
	Backend *b = make_disk(&vd, "fda", 2880);
	u8 *disk = backend_mem_data(b);
	CHECK_EQ(fdc_attach(&fdc, 0, &vd), 0);
	CHECK_EQ(fdc_attach(&fdc, 1, NULL), 0);
	outb(0x3F7, 0);
	bios_reset();
	u8 res[7];

	/* No disk in drive 1: missing address mark at once, nothing transferred. */
	rw(0xE6, 1, 0, 0, 0, 1, 18, 512, res);
	CHECK_EQ(res[0], 0x41);
	CHECK_EQ(res[1], 0x01);
	CHECK_EQ(res[2], 0x00);
	CHECK_EQ(fdma.pos, 0);
	const u8 rid[2] = {0x4A, 0x05};
	CHECK(send(rid, 2) && wait_irq() && result(res, 7), "read id, no disk");
	CHECK_EQ(res[0], 0x45);
	CHECK_EQ(res[1], 0x01);
	/* FM instead of MFM finds no address mark either. */
	rw(0xA6, 0, 0, 0, 0, 1, 18, 512, res);
	CHECK_EQ(res[0], 0x40);
	CHECK_EQ(res[1], 0x01);
	/* A sector number past the track: ND, no data. */
	rw(0xE6, 0, 0, 0, 0, 19, 19, 512, res);
	CHECK_EQ(res[0], 0x40);
	CHECK_EQ(res[1], 0x04);
	CHECK_EQ(fdma.pos, 0);
	/* Head parameter that does not match the side: ND. */
	rw(0xE6, 0, 0, 0, 1, 1, 1, 512, res);
	CHECK_EQ(res[1], 0x04);

	/* No DMA service (channel off, or DOR's gate closed): overrun. */
	fdma.off = true;
	rw(0xE6, 0, 0, 0, 0, 1, 18, 512, res);
	CHECK_EQ(res[0], 0x40);
	CHECK_EQ(res[1], 0x10);
	fdma.off = false;

	/* Write-protected disk: NW, the VD untouched. */
	vd.readonly = true;
	memset(fdma.mem, 0x99, 512);
	rw(0xC5, 0, 0, 0, 0, 1, 18, 512, res);
	CHECK_EQ(res[0], 0x40);
	CHECK_EQ(res[1], 0x02);
	CHECK(sector_is(disk, 0), "protected sector intact");
	vd.readonly = false;

	/* FORMAT TRACK on track 3 side 1: 18 IDs through DMA, sectors filled with F6h. */
	seek(0, 3);
	for (int i = 0; i < 18; i++) {
		fdma.mem[4 * i] = 3;
		fdma.mem[4 * i + 1] = 1;
		fdma.mem[4 * i + 2] = (u8)(i + 1);
		fdma.mem[4 * i + 3] = 2;
	}
	fdma.pos = 0;
	fdma.count = 72;
	const u8 fmt[6] = {0x4D, 0x04, 0x02, 18, 0x6C, 0xF6};
	CHECK(send(fmt, 6) && wait_irq() && result(res, 7), "format");
	CHECK_EQ(res[0], 0x04);
	CHECK_EQ(res[1], 0x00);
	CHECK_EQ(fdma.pos, 72);
	u64 lba = (3 * 2 + 1) * 18;
	CHECK_EQ(disk[lba * SECTOR_SIZE], 0xF6);
	CHECK_EQ(disk[(lba + 18) * SECTOR_SIZE - 1], 0xF6);
	CHECK(sector_is(disk + (lba - 1) * SECTOR_SIZE, lba - 1), "side 0 untouched");
	CHECK(sector_is(disk + (lba + 18) * SECTOR_SIZE, lba + 18), "next track untouched");
	/* A format the VD cannot hold (9 sectors on a 1.44M disk): not writable. */
	fdma.pos = 0;
	const u8 fmt9[6] = {0x4D, 0x00, 0x02, 9, 0x6C, 0xF6};
	CHECK(send(fmt9, 6) && wait_irq() && result(res, 7), "format 9");
	CHECK_EQ(res[0], 0x40);
	CHECK_EQ(res[1], 0x02);

	/* A host read failure: data error (DE + DD). */
	Backend *tiny = backend_mem_new(512);
	VdDisk broken;
	vd_init_flat(&broken, "fdb", tiny, 0, 2880);
	CHECK_EQ(fdc_change_media(&fdc, 1, &broken), 0);
	rw(0xE6, 1, 0, 0, 0, 2, 18, 512, res);
	CHECK_EQ(res[0], 0x41);
	CHECK_EQ(res[1], 0x20);
	CHECK_EQ(res[2], 0x20);
	CHECK_EQ(broken.host_errors, 1); /* counted by the VD manager */
	backend_close(tiny);

	/* Media types and CMOS drive types. */
	VdDisk odd;
	vd_init_flat(&odd, "fdb", b, 0, 1000);
	CHECK_EQ(fdc_attach(&fdc, 1, &odd), VMCP_EINVAL);
	CHECK_EQ(fdc_change_media(&fdc, 2, &vd), VMCP_ENOENT);
	CHECK_EQ(fdc_cmos_type(&fdc, 0), 4);
	CHECK_EQ(fdc_change_media(&fdc, 1, NULL), 0);
	CHECK_EQ(fdc_cmos_type(&fdc, 1), 4);
	CHECK_EQ(fdc_cmos_type(&fdc, 2), 0);
	const u64 sizes[5] = {720, 1440, 2400, 2880, 5760};
	const int types[5] = {1, 3, 2, 4, 5};
	for (int i = 0; i < 5; i++)
		CHECK_EQ(fdc_media_for(sizes[i])->cmos, types[i]);
	backend_close(b);
}

/* The real 8237 and memory, programmed as SeaBIOS does, reading the boot sector. */
static void test_with_dma(void)
{
	setup();
	MemBus mem;
	CHECK_EQ(mem_init(&mem, 2 * MiB), 0);
	Dma dma;
	dma_init(&dma, &mem);
	CHECK_EQ(io_map(io, 0x00, 16, &dma1_io_ops, &dma), 0);
	CHECK_EQ(io_map(io, 0xC0, 32, &dma2_io_ops, &dma), 0);
	CHECK_EQ(io_map(io, 0x81, 15, &dma_page_io_ops, &dma), 0);
	fdc_connect_dma(&fdc, dma_transfer_cb, &dma, 2);
	VdDisk vd;
	Backend *b = make_disk(&vd, "fda", 2880);
	CHECK_EQ(fdc_attach(&fdc, 0, &vd), 0);
	outb(0x0D, 0);
	outb(0xDA, 0);
	outb(0xD6, 0xC0);
	outb(0xD4, 0x00);
	bios_reset();
	outb(0x3F2, 0x1C);
	outb(0x3F7, 0);
	u8 res[7];
	for (int pass = 0; pass < 2; pass++) {
		/* dma_floppy(0x7C00, 512, isWrite = pass). */
		outb(0x0A, 0x06);
		outb(0x0C, 0);
		outb(0x04, 0x00);
		outb(0x04, 0x7C);
		outb(0x0C, 0);
		outb(0x05, 0xFF);
		outb(0x05, 0x01);
		outb(0x0B, pass ? 0x4A : 0x46);
		outb(0x81, 0x00);
		outb(0x0A, 0x02);
		if (pass)
			memset(mem.ram + 0x7C00, 0x5A, 512);
		const u8 cmd[9] = {pass ? 0xC5 : 0xE6, 0x00, 0, 0, 1, 2, 18, 0x1B, 0xFF};
		CHECK(send(cmd, 9) && wait_irq() && result(res, 7), "command");
		CHECK_EQ(res[0], 0x00);
		CHECK_EQ(res[5], 2);
		if (!pass)
			CHECK(sector_is(mem.ram + 0x7C00, 0), "boot sector at 0x7C00");
	}
	CHECK_EQ(backend_mem_data(b)[0], 0x5A);
	CHECK_EQ(backend_mem_data(b)[511], 0x5A);
	CHECK_EQ(backend_mem_data(b)[512], (u8)13);
	backend_close(b);
	mem_free(&mem);
}

/* The FreeDOS boot floppies of the shared test data: each image's size gives the media
 * type whose geometry its boot sector's BPB states, and the first and last sectors read
 * through the controller and the real 8237 match the file. */
static void test_freedos_images(void)
{
	const char *td = getenv("TESTDATA");
	static const char *names[4] = {"360K", "720K", "1200K", "1.4MB"};
	static const u8 rates[4] = {1, 2, 0, 0};
	if (!td || !*td) {
		printf("note: TESTDATA not set, FreeDOS image checks not run\n");
		return;
	}
	for (int i = 0; i < 4; i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/images/freedos-minimal-%s.img", td, names[i]);
		int err = 0;
		Backend *b = backend_open_file(path, BACKEND_RDONLY, 0, &err);
		if (!b) {
			printf("note: %s missing, not checked\n", path);
			continue;
		}
		setup();
		MemBus mem;
		CHECK_EQ(mem_init(&mem, 2 * MiB), 0);
		Dma dma;
		dma_init(&dma, &mem);
		CHECK_EQ(io_map(io, 0x00, 16, &dma1_io_ops, &dma), 0);
		CHECK_EQ(io_map(io, 0xC0, 32, &dma2_io_ops, &dma), 0);
		CHECK_EQ(io_map(io, 0x81, 15, &dma_page_io_ops, &dma), 0);
		fdc_connect_dma(&fdc, dma_transfer_cb, &dma, 2);
		VdDisk vd;
		vd_init_flat(&vd, "fda", b, 0, b->size / SECTOR_SIZE);
		vd.readonly = true;
		CHECK_EQ(fdc_attach(&fdc, 0, &vd), 0);
		const FdcMedia *m = fdc.drive[0].media;
		CHECK(m != NULL, "media type for %s", names[i]);
		if (!m) {
			backend_close(b);
			mem_free(&mem);
			continue;
		}
		outb(0xD6, 0xC0);
		outb(0xD4, 0x00);
		bios_reset();
		outb(0x3F2, 0x1C);
		outb(0x3F7, rates[i]);
		u8 res[7];
		const u64 lbas[2] = {0, vd.sectors - 1};
		for (int k = 0; k < 2; k++) {
			u64 lba = lbas[k];
			u8 c = (u8)(lba / (m->spt * m->heads)), h = (u8)(lba / m->spt % m->heads);
			u8 r = (u8)(lba % m->spt + 1);
			seek(0, c);
			outb(0x0A, 0x06);
			outb(0x0C, 0);
			outb(0x04, 0x00);
			outb(0x04, 0x80);
			outb(0x0C, 0);
			outb(0x05, 0xFF);
			outb(0x05, 0x01);
			outb(0x0B, 0x46);
			outb(0x81, 0x00);
			outb(0x0A, 0x02);
			const u8 cmd[9] = {0xE6, (u8)(h << 2), c, h, r, 2, r, 0x1B, 0xFF};
			CHECK(send(cmd, 9) && wait_irq() && result(res, 7), "read %s", names[i]);
			CHECK_EQ(res[0] & 0xC0, 0);
			u8 file[512];
			CHECK_EQ(backend_pread(b, file, 512, lba * SECTOR_SIZE), 0);
			CHECK(!memcmp(mem.ram + 0x8000, file, 512), "%s sector %llu", names[i],
			      (unsigned long long)lba);
		}
		/* The boot sector (read last time from LBA 0) states the same geometry. */
		u8 boot[512];
		CHECK_EQ(backend_pread(b, boot, 512, 0), 0);
		CHECK_EQ(get_le16(boot + 510), 0xAA55);
		CHECK_EQ(get_le16(boot + 0x13), m->sectors);
		CHECK_EQ(get_le16(boot + 0x18), m->spt);
		CHECK_EQ(get_le16(boot + 0x1A), m->heads);
		backend_close(b);
		mem_free(&mem);
	}
}

int main(void)
{
	io = malloc(sizeof(*io));
	if (!io) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	test_reset_and_housekeeping();
	test_seek();
	test_media();
	test_errors();
	test_with_dma();
	test_freedos_images();
	free(io);
	return test_summary();
}
