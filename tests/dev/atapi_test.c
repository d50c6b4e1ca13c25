/* atapi_test.c: the ATAPI CD-ROM drive driven through the IDE ports on a real IoBus,
 * with the virtual clock stepped by hand and the disc a VD over a memory backend whose
 * every byte tells which 512-byte sector it belongs to: the signature and IDENTIFY
 * PACKET DEVICE, the packet protocol (CoD/IO, byte counts, DRQ blocks and interrupts),
 * every command of the command set and its errors (invalid command, invalid field, LBA
 * out of range, no medium, unit attention after power-on and after a disc change, a
 * host read failure), the tray and its lock, PIO and bus-master DMA reads, DEVICE
 * RESET (even while busy), soft reset, and an ATA disk beside the drive. */
#include "idebench.h"

#define BM1 (BM + 8)

/* A CD-ROM VD of n 512-byte sectors (the pattern of multiplier 3) holding a disc of
 * `blocks` 2048-byte blocks. */
static Backend *make_cd(VdDisk *vd, const char *dev, u64 n, u32 blocks)
{
	Backend *b = pattern_disk(vd, dev, n, 3);
	vd->type = VD_TYPE_CDROM;
	vd->readonly = true;
	vd->medium = (u64)blocks * 2048;
	return b;
}

/* True if the 2048 bytes at p are block lba of the disc. */
static bool block_is(const u8 *p, u32 lba)
{
	for (int i = 0; i < 4; i++)
		if (!pattern_sector_is(p + 512 * i, (u64)lba * 4 + (u64)i, 3))
			return false;
	return true;
}

/* The drive's state after a command (read without clearing the interrupt first). */
typedef struct Result {
	u8 status, error, ireason;
	u32 len;       /* data bytes moved */
	int blocks;    /* PIO DRQ blocks */
	u32 counts[64]; /* their byte counts */
} Result;

static Result res;

/* Sends PACKET with cdb to unit (0/1) of the channel at base: byte count limit bc, the
 * DMA bit, then the command block once DRQ with CoD=1 IO=0 comes (no interrupt). */
static void packet(u16 base, u16 ctl, int unit, const u8 *cdb, u16 bc, bool dma)
{
	IrqRec *irq = base == P0 ? &irq14 : &irq15;
	outb(base + 6, (u8)(0xA0 | unit << 4));
	outb(base + 1, dma ? 1 : 0);
	outb(base + 4, (u8)bc);
	outb(base + 5, (u8)(bc >> 8));
	int edges = irq->edges;
	outb(base + 7, 0xA0);
	u8 st = wait_ready(ctl);
	CHECK_EQ(st & (IDE_ST_DRQ | IDE_ST_ERR), IDE_ST_DRQ);
	CHECK_EQ(inb(base + 2) & 3, 1); /* CoD=1, IO=0 */
	CHECK_EQ(irq->edges, edges);    /* accelerated DRQ: no interrupt */
	for (int i = 0; i < 6; i++)
		outw(base, get_le16(cdb + 2 * i));
}

/* PIO data-in until the end: each DRQ block's byte count from LBA mid/high (IO=1,
 * CoD=0), read by 16-bit words (or 32-bit with wide); out receives up to max bytes. */
static Result *pio_in(u16 base, u16 ctl, u8 *out, u32 max, bool wide)
{
	memset(&res, 0, sizeof(res));
	for (;;) {
		u8 st = wait_ready(ctl);
		u8 ir = inb(base + 2);
		if (!(st & IDE_ST_DRQ)) {
			res.status = inb(base + 7);
			res.error = inb(base + 1);
			res.ireason = ir;
			return &res;
		}
		CHECK_EQ(ir & 3, 2);
		u32 n = inb(base + 4) | (u32)inb(base + 5) << 8;
		if (res.blocks < 64)
			res.counts[res.blocks] = n;
		res.blocks++;
		(void)inb(base + 7); /* acknowledge the block's interrupt */
		for (u32 k = 0; k < n; k += wide ? 4 : 2) {
			u32 v = wide && n - k >= 4 ? inl(base) : inw(base);
			int w = wide && n - k >= 4 ? 4 : 2;
			for (int j = 0; j < w && k + (u32)j < n; j++)
				if (res.len + (u32)j < max)
					out[res.len + (u32)j] = (u8)(v >> (8 * j));
			res.len += (u32)MIN(w, (int)(n - k));
		}
	}
}

/* One command from start to end by PIO, on the secondary master. */
static Result *cmd(const u8 *cdb, u16 bc, u8 *out, u32 max)
{
	packet(P1, C1, 0, cdb, bc, false);
	return pio_in(P1, C1, out, max, false);
}

/* Whether the last command ended GOOD: DRDY, no ERR, IO=1 CoD=1. */
static bool good(const Result *r)
{
	return r->status == IDE_ST_DRDY && r->error == 0 && (r->ireason & 3) == 3;
}

/* Whether it ended in CHECK CONDITION with sense key key, and REQUEST SENSE then gives
 * key/asc/ascq. */
static bool checked(const Result *r, u8 key, u8 asc, u8 ascq)
{
	if (r->status != (IDE_ST_DRDY | IDE_ST_ERR) || r->error != key << 4 || (r->ireason & 3) != 3)
		return false;
	Result saved = *r; /* r is res, which REQUEST SENSE's own result replaces */
	u8 cdb[12] = {0x03, 0, 0, 0, 18}, s[18];
	Result *q = cmd(cdb, 0xFFFE, s, sizeof(s));
	bool ok = good(q) && q->len == 18 && s[0] == 0x70 && s[2] == key && s[7] == 10 && s[12] == asc &&
		  s[13] == ascq;
	res = saved;
	return ok;
}

static const u8 TUR[12] = {0x00};
static const u8 CAPACITY[12] = {0x25};

static void read10(u8 *cdb, u32 lba, u16 n)
{
	memset(cdb, 0, 12);
	cdb[0] = 0x28;
	put_be32(cdb + 2, lba);
	put_be16(cdb + 7, n);
}

/* Clears the power-on unit attention of the secondary master. */
static void clear_ua(void)
{
	u8 b[8];
	cmd(TUR, 0, b, 0);
	CHECK(checked(&res, 6, 0x29, 0), "power-on unit attention");
}

static void test_signature_identify(void)
{
	setup();
	VdDisk cd;
	Backend *b = make_cd(&cd, "hdc", 400, 100);
	CHECK_EQ(ide_attach(&ide, 1, 0, &cd), 0);

	/* The PACKET signature; status 00h (DRDY clear) until a command completes. */
	CHECK_EQ(inb(P1 + 7), 0x00);
	CHECK_EQ(inb(P1 + 1), 0x01);
	CHECK_EQ(inb(P1 + 2), 0x01);
	CHECK_EQ(inb(P1 + 3), 0x01);
	CHECK_EQ(inb(P1 + 4), 0x14);
	CHECK_EQ(inb(P1 + 5), 0xEB);

	/* IDENTIFY DEVICE aborts, the signature stays. */
	outb(P1 + 6, 0xA0);
	outb(P1 + 4, 0x00);
	outb(P1 + 7, 0xEC);
	CHECK_EQ(wait_ready(C1), 0x51);
	CHECK_EQ(inb(P1 + 1), IDE_ER_ABRT);
	CHECK_EQ(inb(P1 + 4), 0x14);
	CHECK_EQ(inb(P1 + 5), 0xEB);
	CHECK_EQ(irq15.edges, 1);

	/* IDENTIFY PACKET DEVICE. */
	outb(P1 + 7, 0xA1);
	CHECK_EQ(wait_ready(C1) & IDE_ST_DRQ, IDE_ST_DRQ);
	u16 w[256];
	for (int i = 0; i < 256; i++)
		w[i] = inw(P1);
	CHECK_EQ(inb(P1 + 7) & (IDE_ST_DRQ | IDE_ST_BSY | IDE_ST_ERR), 0);
	CHECK_EQ(w[0], 0x85C0);         /* ATAPI CD-ROM, removable, 50 us DRQ, 12 bytes */
	CHECK_EQ(w[49] & 0x0300, 0x0300); /* LBA, DMA */
	CHECK_EQ(w[63] & 7, 7);         /* MW DMA 0-2 */
	CHECK_EQ(w[82] & 0x0010, 0x0010); /* PACKET feature set */
	char model[41];
	for (int i = 0; i < 20; i++) {
		model[2 * i] = (char)(w[27 + i] >> 8);
		model[2 * i + 1] = (char)w[27 + i];
	}
	model[40] = 0;
	CHECK(!strncmp(model, "VMCP CD-ROM ", 12), "model %s", model);
	u8 sum = 0;
	for (int i = 0; i < 256; i++)
		sum = (u8)(sum + (w[i] & 0xFF) + (w[i] >> 8));
	CHECK_EQ(sum, 0);
	CHECK_EQ(w[93] & 0x4040, 0x4040); /* device 0, no device 1 */

	/* ATA commands a PACKET device does not have abort; SET FEATURES and CHECK POWER
	 * MODE work; PACKET with OVL aborts. */
	outb(P1 + 2, 1);
	outb(P1 + 7, 0x20); /* READ SECTORS */
	CHECK_EQ(wait_ready(C1), 0x51);
	CHECK_EQ(inb(P1 + 1), IDE_ER_ABRT);
	outb(P1 + 1, 0x03);
	outb(P1 + 2, 0x22); /* MW DMA 2 */
	outb(P1 + 7, 0xEF);
	CHECK_EQ(wait_ready(C1) & IDE_ST_ERR, 0);
	ide_identify(&ide.chan[1].drive[0], w);
	CHECK_EQ(w[63], 0x0407);
	outb(P1 + 7, 0xE5);
	CHECK_EQ(wait_ready(C1) & IDE_ST_ERR, 0);
	CHECK_EQ(inb(P1 + 2), 0xFF);
	outb(P1 + 1, 0x02);
	outb(P1 + 7, 0xA0);
	CHECK_EQ(wait_ready(C1), 0x51);
	CHECK_EQ(inb(P1 + 1), IDE_ER_ABRT);

	/* Soft reset: the signature again, status 00h. */
	outb(C1, IDE_CTL_SRST);
	run_ns(1000);
	outb(C1, 0);
	CHECK_EQ(wait_ready(C1), 0x00);
	CHECK_EQ(inb(P1 + 4), 0x14);
	CHECK_EQ(inb(P1 + 5), 0xEB);
	/* EXECUTE DEVICE DIAGNOSTIC too. */
	outb(P1 + 7, 0x90);
	CHECK_EQ(wait_ready(C1), 0x00);
	CHECK_EQ(inb(P1 + 1), 0x01);
	CHECK_EQ(inb(P1 + 4), 0x14);
	backend_close(b);
}

static void test_commands(void)
{
	setup();
	VdDisk cd;
	Backend *b = make_cd(&cd, "hdc", 400, 90);
	ide_attach(&ide, 1, 0, &cd);
	u8 d[4096];
	Result *r;

	/* Power-on: the first command gets UNIT ATTENTION 29h (INQUIRY and REQUEST SENSE do
	 * not clear it); then the drive is ready. */
	u8 inq[12] = {0x12, 0, 0, 0, 36};
	int edges = irq15.edges;
	r = cmd(inq, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && r->len == 36 && r->blocks == 1 && r->counts[0] == 36, "INQUIRY with UA pending");
	CHECK_EQ(irq15.edges - edges, 2); /* the DRQ block, the end */
	CHECK_EQ(d[0], 0x05);
	CHECK_EQ(d[1], 0x80);
	CHECK(!memcmp(d + 8, "VMCP    VMCP CD-ROM     1.0 ", 28), "INQUIRY strings");
	clear_ua();
	r = cmd(TUR, 0, d, 0);
	CHECK(good(r) && r->len == 0 && r->blocks == 0, "TEST UNIT READY");
	/* REQUEST SENSE after a good command: NO SENSE. */
	u8 rs[12] = {0x03, 0, 0, 0, 252};
	r = cmd(rs, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && r->len == 18 && d[2] == 0 && d[12] == 0, "REQUEST SENSE: no sense");
	/* Allocation lengths cut replies; an odd length is read by words. */
	inq[4] = 5;
	r = cmd(inq, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && r->len == 5 && r->counts[0] == 5, "INQUIRY cut to 5 bytes");
	inq[4] = 0;
	r = cmd(inq, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && r->len == 0 && r->blocks == 0, "INQUIRY of 0 bytes");
	/* Vital product data: page 00h lists 00h and 80h; others and a page without EVPD
	 * are invalid fields. */
	u8 vpd[12] = {0x12, 1, 0x00, 0, 255};
	r = cmd(vpd, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && r->len == 6 && d[3] == 2 && d[4] == 0 && d[5] == 0x80, "VPD page 00h");
	vpd[2] = 0x83;
	r = cmd(vpd, 0xFFFE, d, sizeof(d));
	CHECK(checked(r, 5, 0x24, 0), "VPD page 83h");
	vpd[1] = 0;
	vpd[2] = 0x80;
	r = cmd(vpd, 0xFFFE, d, sizeof(d));
	CHECK(checked(r, 5, 0x24, 0), "page without EVPD");

	/* READ CAPACITY: the last block and 2048. */
	r = cmd(CAPACITY, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && r->len == 8 && get_be32(d) == 89 && get_be32(d + 4) == 2048, "READ CAPACITY");

	/* Invalid command operation codes: WRITE (10), MODE SENSE (6), FFh. */
	static const u8 bad_ops[] = {0x2A, 0x1A, 0xFF, 0x04, 0xBE, 0x55};
	for (size_t i = 0; i < sizeof(bad_ops); i++) {
		u8 c[12] = {bad_ops[i]};
		r = cmd(c, 0xFFFE, d, sizeof(d));
		CHECK(checked(r, 5, 0x20, 0), "opcode %02x is invalid", bad_ops[i]);
		CHECK_EQ(r->error, 0x50);
	}

	/* MODE SENSE (10): header length consistent; page 2Ah; all pages; the changeable
	 * values; saved values and unknown pages refused. */
	u8 ms[12] = {0x5A, 0, 0x2A, 0, 0, 0, 0, 0, 255};
	r = cmd(ms, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && r->len == 28 && get_be16(d) == 26 && get_be16(d + 6) == 0, "MODE SENSE 2Ah: %u", r->len);
	CHECK(d[8] == 0x2A && d[9] == 18 && (d[14] & 0x29) == 0x29 && get_be16(d + 16) == 24 * 176,
	      "capabilities page: tray, eject, lock, speed");
	ms[2] = 0x3F;
	r = cmd(ms, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && r->len == 8 + 8 + 8 + 20 && d[8] == 0x01 && d[16] == 0x0D && d[24] == 0x2A,
	      "MODE SENSE all pages");
	ms[2] = 0x40 | 0x2A;
	r = cmd(ms, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && d[14] == 0 && d[16] == 0, "changeable values: none");
	ms[2] = 0xC0 | 0x2A;
	r = cmd(ms, 0xFFFE, d, sizeof(d));
	CHECK(checked(r, 5, 0x39, 0), "saved values not supported");
	ms[2] = 0x05;
	r = cmd(ms, 0xFFFE, d, sizeof(d));
	CHECK(checked(r, 5, 0x24, 0), "unknown page");

	/* READ TOC: format 0 by LBA and MSF (lead-out at the disc's end), from track AAh,
	 * a track that does not exist; session info (also the old way, byte 9); full TOC. */
	u8 toc[12] = {0x43, 0, 0, 0, 0, 0, 0, 0, 255};
	r = cmd(toc, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && r->len == 20 && get_be16(d) == 18 && d[2] == 1 && d[3] == 1, "TOC header");
	CHECK(d[5] == 0x14 && d[6] == 1 && get_be32(d + 8) == 0, "TOC track 1");
	CHECK(d[14] == 0xAA && get_be32(d + 16) == 90, "TOC lead-out");
	toc[1] = 2; /* MSF */
	r = cmd(toc, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && d[9] == 0 && d[10] == 2 && d[11] == 0, "track 1 at 00:02:00");
	CHECK(d[17] == 0 && d[18] == 3 && d[19] == 15, "lead-out at 00:03:15 (90 + 150 frames)");
	toc[1] = 0;
	toc[6] = 0xAA;
	r = cmd(toc, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && r->len == 12 && d[6] == 0xAA, "TOC from the lead-out");
	toc[6] = 2;
	r = cmd(toc, 0xFFFE, d, sizeof(d));
	CHECK(checked(r, 5, 0x24, 0), "TOC from track 2");
	toc[6] = 0;
	toc[2] = 1;
	r = cmd(toc, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && r->len == 12 && get_be16(d) == 10 && d[6] == 1 && get_be32(d + 8) == 0, "session info");
	toc[2] = 0;
	toc[9] = 0x40;
	r = cmd(toc, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && r->len == 12 && get_be16(d) == 10, "session info, format in byte 9");
	toc[9] = 0;
	toc[2] = 2;
	r = cmd(toc, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && r->len == 4 + 4 * 11 && d[7] == 0xA0 && d[12] == 1 && d[18] == 0xA1 &&
	      d[29] == 0xA2 && d[34] == 0 && d[35] == 3 && d[36] == 15 && d[40] == 1 && d[46] == 2,
	      "full TOC: A0h, A1h, A2h (lead-out 00:03:15), track 1 at 00:02:00");
	toc[2] = 5;
	r = cmd(toc, 0xFFFE, d, sizeof(d));
	CHECK(checked(r, 5, 0x24, 0), "TOC format 5");

	/* GET CONFIGURATION: the CD-ROM profile current; RT 2 gives one feature. */
	u8 gc[12] = {0x46, 0, 0, 0, 0, 0, 0, 0x01, 0x00};
	r = cmd(gc, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && get_be16(d + 6) == 0x0008 && get_be32(d) == r->len - 4, "GET CONFIGURATION: %u", r->len);
	CHECK(get_be16(d + 8) == 0x0000 && get_be16(d + 12) == 0x0008 && (d[14] & 1), "profile list");
	gc[1] = 2;
	gc[3] = 0x03;
	r = cmd(gc, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && r->len == 16 && get_be16(d + 8) == 3 && d[11] == 4 && (d[12] >> 5) == 1,
	      "the removable medium feature alone: a tray");
	gc[1] = 3;
	r = cmd(gc, 0xFFFE, d, sizeof(d));
	CHECK(checked(r, 5, 0x24, 0), "RT 3");

	/* GET EVENT STATUS NOTIFICATION: polled only; the media class. */
	u8 ge[12] = {0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8};
	r = cmd(ge, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && r->len == 8 && d[2] == 4 && d[3] == 0x10 && (d[5] & 2), "GESN: media present");
	ge[1] = 0;
	r = cmd(ge, 0xFFFE, d, sizeof(d));
	CHECK(checked(r, 5, 0x24, 0), "GESN asynchronous");
	ge[1] = 1;
	ge[4] = 0x02;
	r = cmd(ge, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && r->len == 4 && d[2] == 0x80, "GESN: no event of the class asked");

	/* READ DISC INFORMATION, READ TRACK INFORMATION, MECHANISM STATUS, SET CD SPEED,
	 * SEEK. */
	u8 di[12] = {0x51, 0, 0, 0, 0, 0, 0, 0, 34};
	r = cmd(di, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && r->len == 34 && (d[2] & 3) == 2 && d[4] == 1, "disc information");
	u8 ti[12] = {0x52, 1, 0, 0, 0, 1, 0, 0, 36};
	r = cmd(ti, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && r->len == 36 && d[2] == 1 && get_be32(d + 24) == 90, "track information");
	ti[5] = 2;
	r = cmd(ti, 0xFFFE, d, sizeof(d));
	CHECK(checked(r, 5, 0x24, 0), "track 2 information");
	u8 mech[12] = {0xBD, 0, 0, 0, 0, 0, 0, 0, 0, 8};
	r = cmd(mech, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && r->len == 8 && d[1] == 0, "mechanism status: tray closed");
	u8 speed[12] = {0xBB, 0, 0xFF, 0xFF};
	r = cmd(speed, 0, d, 0);
	CHECK(good(r), "SET CD SPEED");
	u8 seek[12] = {0x2B, 0, 0, 0, 0, 89};
	r = cmd(seek, 0, d, 0);
	CHECK(good(r), "SEEK to the last block");
	seek[5] = 90;
	r = cmd(seek, 0, d, 0);
	CHECK(checked(r, 5, 0x21, 0), "SEEK past the disc");
	backend_close(b);
}

static void test_pio_reads(void)
{
	setup();
	VdDisk cd;
	FailBackend fb = {.b = {.ops = &fb_ops}};
	fb.inner = make_cd(&cd, "hdc", 400, 100);
	fb.b.size = fb.inner->size;
	cd.backend = &fb.b;
	ide_attach(&ide, 1, 0, &cd);
	clear_ua();
	static u8 d[128 * 1024];
	u8 c[12];
	Result *r;

	/* Two blocks in one DRQ block of 4096 bytes. */
	read10(c, 3, 2);
	int edges = irq15.edges;
	r = cmd(c, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && r->len == 4096 && r->blocks == 1 && r->counts[0] == 4096, "READ (10): %u", r->len);
	CHECK(block_is(d, 3) && block_is(d + 2048, 4), "READ (10) data");
	CHECK_EQ(irq15.edges - edges, 2); /* the DRQ block, the end */
	/* A limit of 2048: one block per DRQ block, an interrupt each. */
	read10(c, 10, 3);
	edges = irq15.edges;
	r = cmd(c, 2048, d, sizeof(d));
	CHECK(good(r) && r->blocks == 3 && r->counts[0] == 2048 && r->counts[2] == 2048, "limit 2048");
	CHECK(block_is(d, 10) && block_is(d + 4096, 12), "limit 2048 data");
	CHECK_EQ(irq15.edges - edges, 4);
	/* A limit below a block (odd: the device uses the even count below it). */
	read10(c, 20, 1);
	r = cmd(c, 1001, d, sizeof(d));
	CHECK(good(r) && r->len == 2048 && r->blocks == 3 && r->counts[0] == 1000 && r->counts[1] == 1000 &&
	      r->counts[2] == 48, "limit 1001: 1000, 1000, 48");
	CHECK(block_is(d, 20), "limit 1001 data");
	/* Limit 0 is taken as FFFEh; 40 blocks (more than the drive's buffer) by 32-bit
	 * reads, whole blocks per DRQ block. */
	read10(c, 50, 40);
	packet(P1, C1, 0, c, 0, false);
	r = pio_in(P1, C1, d, sizeof(d), true);
	CHECK(good(r) && r->len == 40 * 2048, "40 blocks: %u", r->len);
	bool all = true;
	for (int i = 0; i < 40; i++)
		all &= block_is(d + 2048 * i, (u32)(50 + i));
	CHECK(all, "40 blocks data");
	for (int i = 0; i < r->blocks && i < 64; i++)
		CHECK(r->counts[i] % 2048 == 0 && r->counts[i] <= 0xFFFE, "block count %u", r->counts[i]);
	/* READ (12); a length of 0 moves nothing. */
	u8 c12[12] = {0xA8};
	put_be32(c12 + 2, 99);
	put_be32(c12 + 6, 1);
	r = cmd(c12, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && r->len == 2048 && block_is(d, 99), "READ (12) of the last block");
	read10(c, 5, 0);
	r = cmd(c, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && r->len == 0, "READ of 0 blocks");
	/* Past the disc (the VD goes on, but the disc ends at 100 blocks). */
	read10(c, 99, 2);
	r = cmd(c, 0xFFFE, d, sizeof(d));
	CHECK(checked(r, 5, 0x21, 0) && r->len == 0, "READ (10) past the disc");
	put_be32(c12 + 2, 0xFFFFFFFFu);
	put_be32(c12 + 6, 2);
	r = cmd(c12, 0xFFFE, d, sizeof(d));
	CHECK(checked(r, 5, 0x21, 0), "READ (12) at FFFFFFFFh");
	/* A host read failure: MEDIUM ERROR, UNRECOVERED READ ERROR. */
	fb.fail_read = true;
	read10(c, 1, 1);
	r = cmd(c, 0xFFFE, d, sizeof(d));
	fb.fail_read = false;
	CHECK(checked(r, 3, 0x11, 0) && r->len == 0, "host failure");
	CHECK_EQ(r->error, 0x30);
	backend_close(fb.inner);
}

/* Writes a PRD entry at addr. */
static void prd(u32 addr, u32 base, u32 count, bool eot)
{
	mem_write(&mem, addr, base, 4);
	mem_write(&mem, addr + 4, (count & 0xFFFF) | (eot ? 0x80000000u : 0), 4);
}

/* Runs the clock until the drive is done with a DMA command (or a while). */
static void dma_wait(void)
{
	for (int i = 0; i < 400 && (inb(C1) & (IDE_ST_BSY | IDE_ST_DRQ)); i++)
		run_ns(IDE_DMA_NS);
}

static void test_dma(void)
{
	setup();
	VdDisk cd;
	Backend *b = make_cd(&cd, "hdc", 800, 200);
	ide_attach(&ide, 1, 0, &cd);
	clear_ua();
	static u8 d[200 * 2048];
	u8 c[12];

	/* READ (10) of 3 blocks into two regions, the bus master started after the
	 * command block (as Linux does). */
	read10(c, 7, 3);
	prd(0x1000, 0x20000, 4096, false);
	prd(0x1008, 0x30000, 2048, true);
	outl(BM1 + 4, 0x1000);
	outb(BM1 + 2, IDE_BM_ST_INTR | IDE_BM_ST_ERROR);
	int edges = irq15.edges;
	packet(P1, C1, 0, c, 0, true);
	CHECK_EQ(wait_ready(C1), IDE_ST_DRDY | IDE_ST_DRQ);
	CHECK_EQ(irq15.edges, edges); /* no PIO interrupt */
	outb(BM1, IDE_BM_CMD_WRITE | IDE_BM_CMD_START);
	dma_wait();
	CHECK_EQ(inb(BM1 + 2), IDE_BM_ST_INTR); /* table used up exactly */
	CHECK_EQ(irq15.edges, edges + 1);
	CHECK_EQ(inb(P1 + 2) & 3, 3);
	CHECK_EQ(inb(P1 + 7), IDE_ST_DRDY);
	mem_read_buf(&mem, 0x20000, d, 4096);
	mem_read_buf(&mem, 0x30000, d + 4096, 2048);
	CHECK(block_is(d, 7) && block_is(d + 2048, 8) && block_is(d + 4096, 9), "DMA data");
	outb(BM1, IDE_BM_CMD_WRITE);
	outb(BM1 + 2, IDE_BM_ST_INTR);

	/* 150 blocks (300 KiB, many turns of the DMA timer) into regions of 64 KiB. */
	read10(c, 40, 150);
	for (u32 i = 0; i < 5; i++)
		prd(0x1000 + 8 * i, 0x100000 + 0x10000 * i, i == 4 ? 0xB000 : 0, i == 4);
	outl(BM1 + 4, 0x1000);
	outb(BM1, IDE_BM_CMD_WRITE | IDE_BM_CMD_START);
	packet(P1, C1, 0, c, 0, true);
	dma_wait();
	CHECK_EQ(inb(BM1 + 2), IDE_BM_ST_INTR);
	CHECK_EQ(inb(P1 + 7), IDE_ST_DRDY);
	mem_read_buf(&mem, 0x100000, d, 150 * 2048);
	bool all = true;
	for (u32 i = 0; i < 150; i++)
		all &= block_is(d + 2048 * i, 40 + i);
	CHECK(all, "150 blocks by DMA");
	outb(BM1, IDE_BM_CMD_WRITE);
	outb(BM1 + 2, IDE_BM_ST_INTR);

	/* A reply by DMA (INQUIRY, 36 bytes) into a longer table: Interrupt, still Active. */
	u8 inq[12] = {0x12, 0, 0, 0, 36};
	mem_write_buf(&mem, 0x20000, (u8[64]){0}, 64);
	prd(0x1000, 0x20000, 512, true);
	outl(BM1 + 4, 0x1000);
	outb(BM1, IDE_BM_CMD_WRITE | IDE_BM_CMD_START);
	packet(P1, C1, 0, inq, 0, true);
	dma_wait();
	CHECK_EQ(inb(BM1 + 2), IDE_BM_ST_INTR | IDE_BM_ST_ACTIVE);
	CHECK_EQ(inb(P1 + 7), IDE_ST_DRDY);
	mem_read_buf(&mem, 0x20000, d, 40);
	CHECK(d[0] == 5 && !memcmp(d + 8, "VMCP", 4) && d[36] == 0, "INQUIRY by DMA");
	outb(BM1, IDE_BM_CMD_WRITE);
	outb(BM1 + 2, IDE_BM_ST_INTR);

	/* A short table: 1 of 2 blocks, not Active, no interrupt, DRQ kept; a second table
	 * resumes. */
	read10(c, 60, 2);
	prd(0x1000, 0x20000, 2048, true);
	outl(BM1 + 4, 0x1000);
	outb(BM1, IDE_BM_CMD_WRITE | IDE_BM_CMD_START);
	edges = irq15.edges;
	packet(P1, C1, 0, c, 0, true);
	for (int i = 0; i < 20; i++)
		run_ns(1000);
	CHECK_EQ(inb(BM1 + 2), 0);
	CHECK_EQ(inb(C1), IDE_ST_DRDY | IDE_ST_DRQ);
	CHECK_EQ(irq15.edges, edges);
	prd(0x1100, 0x30000, 2048, true);
	outl(BM1 + 4, 0x1100);
	outb(BM1, IDE_BM_CMD_WRITE);
	outb(BM1, IDE_BM_CMD_WRITE | IDE_BM_CMD_START);
	dma_wait();
	CHECK_EQ(inb(BM1 + 2), IDE_BM_ST_INTR);
	CHECK_EQ(irq15.edges, edges + 1);
	mem_read_buf(&mem, 0x20000, d, 2048);
	mem_read_buf(&mem, 0x30000, d + 2048, 2048);
	CHECK(block_is(d, 60) && block_is(d + 2048, 61), "short table resumed");
	outb(BM1, IDE_BM_CMD_WRITE);
	outb(BM1 + 2, IDE_BM_ST_INTR);

	/* An error with the DMA bit: CHECK CONDITION at once, nothing moved; the bus
	 * master sees the drive's interrupt and stays Active. */
	read10(c, 199, 5);
	mem_write_buf(&mem, 0x20000, (u8[16]){0}, 16);
	prd(0x1000, 0x20000, 10240, true);
	outl(BM1 + 4, 0x1000);
	outb(BM1, IDE_BM_CMD_WRITE | IDE_BM_CMD_START);
	packet(P1, C1, 0, c, 0, true);
	dma_wait();
	CHECK_EQ(inb(BM1 + 2), IDE_BM_ST_INTR | IDE_BM_ST_ACTIVE);
	CHECK_EQ(inb(P1 + 7), IDE_ST_DRDY | IDE_ST_ERR);
	CHECK_EQ(inb(P1 + 1), 0x50);
	mem_read_buf(&mem, 0x20000, d, 16);
	CHECK(!memcmp(d, (u8[16]){0}, 16), "nothing moved");
	outb(BM1, IDE_BM_CMD_WRITE);
	outb(BM1 + 2, IDE_BM_ST_INTR);
	backend_close(b);
}

static void test_medium(void)
{
	setup();
	VdDisk cd;
	Backend *b = make_cd(&cd, "hdc", 400, 0);
	ide_attach(&ide, 1, 0, &cd);
	u8 d[4096], c[12];
	Result *r;

	/* No disc: NOT READY, MEDIUM NOT PRESENT (tray closed) for the media commands, the
	 * others work; the profile is none. */
	clear_ua();
	r = cmd(TUR, 0, d, 0);
	CHECK(checked(r, 2, 0x3A, 1), "no disc: TEST UNIT READY");
	CHECK_EQ(r->error, 0x20);
	r = cmd(CAPACITY, 0xFFFE, d, sizeof(d));
	CHECK(checked(r, 2, 0x3A, 1), "no disc: READ CAPACITY");
	read10(c, 0, 1);
	r = cmd(c, 0xFFFE, d, sizeof(d));
	CHECK(checked(r, 2, 0x3A, 1), "no disc: READ");
	u8 toc[12] = {0x43, 0, 0, 0, 0, 0, 0, 0, 12};
	r = cmd(toc, 0xFFFE, d, sizeof(d));
	CHECK(checked(r, 2, 0x3A, 1), "no disc: READ TOC");
	u8 gc[12] = {0x46, 0, 0, 0, 0, 0, 0, 0, 8};
	r = cmd(gc, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && r->len == 8 && get_be16(d + 6) == 0, "no disc: no current profile");

	/* The host puts a disc in: UNIT ATTENTION 28h once, then the new capacity; the
	 * media event "new media" once. */
	CHECK_EQ(ide_set_medium(&ide, 1, 0, 64 * 2048, false), 0);
	u8 ge[12] = {0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8};
	r = cmd(ge, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && d[4] == 2 && (d[5] & 2), "GESN: new media (no unit attention for it)");
	r = cmd(ge, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && d[4] == 0, "GESN: the event reported once");
	r = cmd(CAPACITY, 0xFFFE, d, sizeof(d));
	CHECK(checked(r, 6, 0x28, 0), "UNIT ATTENTION: medium may have changed");
	r = cmd(CAPACITY, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && get_be32(d) == 63, "the new capacity");
	read10(c, 63, 1);
	r = cmd(c, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && block_is(d, 63), "the new disc reads");
	/* A larger disc than the VD holds is cut to the VD. */
	CHECK_EQ(ide_set_medium(&ide, 1, 0, 1000 * 2048, false), 0);
	cmd(TUR, 0, d, 0);
	CHECK(checked(&res, 6, 0x28, 0), "second change");
	r = cmd(CAPACITY, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && get_be32(d) == 99, "capacity at most the VD's");

	/* The guest locks the tray: its eject is refused, and so is the host's without
	 * force; unlocked, the guest ejects (tray open, media removal event), and loads. */
	u8 lock[12] = {0x1E, 0, 0, 0, 1}, eject[12] = {0x1B, 0, 0, 0, 2}, load[12] = {0x1B, 0, 0, 0, 3};
	r = cmd(lock, 0, d, 0);
	CHECK(good(r), "PREVENT MEDIUM REMOVAL");
	u8 ms[12] = {0x5A, 0, 0x2A, 0, 0, 0, 0, 0, 28};
	cmd(ms, 0xFFFE, d, sizeof(d));
	CHECK_EQ(d[14] & 0x02, 0x02); /* lock state */
	r = cmd(eject, 0, d, 0);
	CHECK(checked(r, 5, 0x53, 2), "eject refused while locked");
	CHECK_EQ(ide_set_medium(&ide, 1, 0, 0, false), VMCP_EBUSY);
	r = cmd(TUR, 0, d, 0);
	CHECK(good(r), "the disc stays");
	lock[4] = 0;
	cmd(lock, 0, d, 0);
	r = cmd(eject, 0, d, 0);
	CHECK(good(r), "eject");
	r = cmd(TUR, 0, d, 0);
	CHECK(checked(r, 2, 0x3A, 2), "tray open");
	r = cmd(ge, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && d[4] == 3 && d[5] == 1, "GESN: media removal, tray open");
	u8 mech[12] = {0xBD, 0, 0, 0, 0, 0, 0, 0, 0, 8};
	cmd(mech, 0xFFFE, d, sizeof(d));
	CHECK_EQ(d[1], 0x10);
	r = cmd(load, 0, d, 0);
	CHECK(good(r), "load");
	r = cmd(TUR, 0, d, 0);
	CHECK(checked(r, 6, 0x28, 0), "loaded: unit attention");
	r = cmd(TUR, 0, d, 0);
	CHECK(good(r), "ready again");
	/* A locked tray yields to the host's force; the host takes the disc out. */
	lock[4] = 1;
	cmd(lock, 0, d, 0);
	CHECK_EQ(ide_set_medium(&ide, 1, 0, 0, true), 0);
	r = cmd(TUR, 0, d, 0);
	CHECK(checked(r, 2, 0x3A, 1), "taken out by force");
	r = cmd(ge, 0xFFFE, d, sizeof(d));
	CHECK(good(r) && d[4] == 3 && d[5] == 0, "GESN: media removal");
	/* No CD-ROM drive there. */
	CHECK_EQ(ide_set_medium(&ide, 0, 0, 2048, false), VMCP_EINVAL);
	CHECK_EQ(ide_set_medium(&ide, 2, 0, 2048, false), VMCP_EINVAL);
	backend_close(b);
}

static void test_reset_and_neighbour(void)
{
	setup();
	VdDisk cd, hd;
	Backend *b = make_cd(&cd, "hdb", 400, 100);
	Backend *h = pattern_disk(&hd, "hda", 2048, 7);
	ide_attach(&ide, 0, 0, &hd);
	ide_attach(&ide, 0, 1, &cd);
	u8 d[4096], c[12];

	/* The disk is device 0 (ATA signature, DRDY), the drive device 1 (PACKET). */
	outb(P0 + 6, 0xA0);
	CHECK_EQ(inb(P0 + 7), 0x50);
	CHECK_EQ(inb(P0 + 4), 0x00);
	outb(P0 + 6, 0xB0);
	CHECK_EQ(inb(P0 + 7), 0x00);
	CHECK_EQ(inb(P0 + 4), 0x14);
	CHECK_EQ(inb(P0 + 5), 0xEB);

	/* Commands to the drive as device 1. */
	packet(P0, C0, 1, TUR, 0, false);
	Result *r = pio_in(P0, C0, d, 0, false);
	CHECK(r->status == 0x41 && r->error == 0x60, "device 1: power-on unit attention");
	read10(c, 2, 1);
	packet(P0, C0, 1, c, 0xFFFE, false);
	r = pio_in(P0, C0, d, sizeof(d), false);
	CHECK(r->status == 0x40 && r->len == 2048 && block_is(d, 2), "device 1 reads");
	/* The disk still answers as device 0. */
	outb(P0 + 6, 0xE0);
	outb(P0 + 2, 1);
	outb(P0 + 3, 5);
	outb(P0 + 4, 0);
	outb(P0 + 5, 0);
	outb(P0 + 7, 0x20);
	CHECK_EQ(wait_ready(C0), 0x58);
	for (int i = 0; i < 256; i++)
		put_le16(d + 2 * i, inw(P0));
	CHECK(pattern_sector_is(d, 5, 7), "the disk beside the drive");

	/* DEVICE RESET while the drive is busy with a command: the signature, status 00h,
	 * no interrupt; the command is gone. */
	read10(c, 2, 1);
	outb(P0 + 6, 0xB0);
	outb(P0 + 1, 0);
	outb(P0 + 4, 0xFE);
	outb(P0 + 5, 0xFF);
	outb(P0 + 7, 0xA0);
	wait_ready(C0);
	for (int i = 0; i < 6; i++)
		outw(P0, get_le16(c + 2 * i));
	CHECK_EQ(inb(C0) & IDE_ST_BSY, IDE_ST_BSY);
	int edges = irq14.edges;
	outb(P0 + 7, 0x08);
	CHECK_EQ(wait_ready(C0), 0x00);
	run_ns(100000);
	CHECK_EQ(inb(C0), 0x00);
	CHECK_EQ(irq14.edges, edges);
	CHECK_EQ(inb(P0 + 4), 0x14);
	CHECK_EQ(inb(P0 + 5), 0xEB);
	CHECK_EQ(inw(P0), 0xFFFF); /* no data */
	/* DEVICE RESET is not an ATA disk's command. */
	outb(P0 + 6, 0xA0);
	outb(P0 + 7, 0x08);
	CHECK_EQ(wait_ready(C0), 0x51);
	CHECK_EQ(inb(P0 + 1), IDE_ER_ABRT);

	/* Hardware reset: the unit attention of power-on again. */
	ide_reset(&ide);
	packet(P0, C0, 1, TUR, 0, false);
	r = pio_in(P0, C0, d, 0, false);
	CHECK(r->status == 0x41 && r->error == 0x60, "after a hardware reset: unit attention");
	backend_close(b);
	backend_close(h);
}

int main(void)
{
	io = malloc(sizeof(*io));
	if (!io || mem_init(&mem, 4 * MiB)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	test_signature_identify();
	test_commands();
	test_pio_reads();
	test_dma();
	test_medium();
	test_reset_and_neighbour();
	mem_free(&mem);
	free(io);
	return test_summary();
}
