/* ide.c: the PIIX3's IDE interface, and the ATA hard disks and ATAPI CD-ROM drives
 * behind it.
 *
 * Models two channels (command block + device control register each, INTRQ to IRQ14 or
 * IRQ15), two devices per channel with their own task-file copies as the ATA register
 * protocol has it, the PIO data-in/data-out and DMA protocols, LBA28, LBA48 (the
 * two-deep register FIFO read back with HOB) and CHS addressing, and the PIIX3
 * bus-master IDE function (BMICx/BMISx/BMIDTPx, PRD tables read from guest memory).
 * Every sector goes through the VD manager (vd_read/vd_write/vd_flush): a request past
 * the end of the VD is refused with IDNF before any byte moves; a host I/O error becomes
 * UNC (read) or ABRT (write) in the error register.
 *
 * A VD of type cdrom is an ATAPI device (the PACKET command feature set): signature
 * 14h/EBh in LBA mid/high after a reset, IDENTIFY PACKET DEVICE (IDENTIFY DEVICE aborts
 * with the signature), DEVICE RESET (taken even while BSY), and the packet protocol:
 * PACKET, then DRQ with interrupt reason CoD=1 IO=0 for the 12-byte command block (no
 * interrupt: "accelerated DRQ", word 0 bits 6:5 = 10b), BSY while it runs, then for
 * data-in DRQ blocks of at most the byte count limit (the byte count in LBA mid/high,
 * interrupt reason IO=1 CoD=0, an interrupt each), or with the DMA bit of the feature
 * register the bus master moves it; the end is status DRDY (ERR and the sense key in the
 * error register for CHECK CONDITION) with IO=1 CoD=1 and an interrupt. The command
 * set itself is atapi.c's.
 *
 * References: ATA/ATAPI-6 (T13 1410D) for registers, commands, IDENTIFY (PACKET) DEVICE
 * words, signatures, the device 0/device 1 rules and the packet protocol (9.10, 9.11);
 * Intel 82371FB/SB (PIIX/PIIX3) datasheet section "Bus Master IDE" and SFF-8038i for the
 * bus-master registers and the Interrupt/Active outcomes of a PRD table that is longer
 * or shorter than the transfer.
 *
 * Not modelled: Ultra DMA (the PIIX3 has none: SET FEATURES to a UDMA mode aborts),
 * SMART, security, HPA, queued and streaming commands (all abort), overlapped PACKET
 * commands (OVL aborts) and SERVICE, 8-bit PIO, PCI master/target aborts (the Error bit
 * of BMISx is only ever cleared), the PIIX3 timing registers (PCI config space, owned by
 * the PCI model). The bus master follows the command's direction; the direction bit of
 * BMICx is stored and read back but not checked against it. */
#include "dev/ide.h"

#include <stdio.h>
#include <string.h>

#include "base/err.h"

/* Where a drive is in the ATA protocols. */
enum {
	IDE_PH_IDLE,    /* no command */
	IDE_PH_CMD,     /* BSY after the command was written; the timer runs it */
	IDE_PH_PIO_IN,  /* DRQ: the host reads a block from the data port */
	IDE_PH_PIO_OUT, /* DRQ: the host writes a block to the data port */
	IDE_PH_NEXT,    /* BSY between blocks: the timer reads the next or writes this */
	IDE_PH_DMA,     /* DRQ (DMARQ): waiting for the bus master */
	IDE_PH_RESET,   /* SRST asserted, or the reset still running */
	IDE_PH_PACKET,  /* DRQ (CoD): the host writes the 12-byte command block */
	IDE_PH_EXEC,    /* BSY after the command block: the timer runs it */
};

/* ATAPI interrupt reason (the Sector Count register during a PACKET command). */
enum { IDE_IR_COD = 0x01, IDE_IR_IO = 0x02 };

/* The largest LBA28 capacity (IDENTIFY words 60-61) and the largest CHS capacity. */
#define IDE_LBA28_MAX 0x0FFFFFFFu
#define IDE_CHS_MAX (16383u * 16u * 63u)

static void drive_timer(void *ctx, u64 now);
static void dma_timer(void *ctx, u64 now);

/* ---- Interrupts ---- */

/* INTRQ is driven by the selected device only, and only while nIEN is clear. The
 * PIIX3 latches a rising edge into the Interrupt bit of BMISx. */
static void chan_update_irq(IdeChannel *c)
{
	const IdeDrive *d = &c->drive[c->sel];
	int level = d->vd && d->intrq && !(c->devctl & IDE_CTL_NIEN);
	if (level == c->irq_level)
		return;
	c->irq_level = level;
	if (level)
		c->bm_status |= IDE_BM_ST_INTR;
	irq_set(&c->irq, level);
}

static void drive_raise(IdeDrive *d)
{
	d->intrq = true;
	chan_update_irq(d->chan);
}

static u64 now_ns(const IdeDrive *d)
{
	return clock_now(d->chan->clk);
}

/* ---- Geometry and addresses ---- */

static u64 cap28(const IdeDrive *d)
{
	return MIN(d->vd->sectors, (u64)IDE_LBA28_MAX);
}

static void set_current_geometry(IdeDrive *d, u16 heads, u16 spt)
{
	u64 chs = MIN(d->vd->sectors, (u64)IDE_CHS_MAX);
	d->cur_heads = heads;
	d->cur_spt = spt;
	d->cur_cyls = (u32)MIN(chs / ((u64)heads * spt), 65535u);
	d->cur_valid = d->cur_cyls != 0;
}

/* The default translation: the VD's own geometry if it has one ATA can use (at most 16
 * heads), else the VD layer's default disk geometry (vd_geometry_auto: 16 heads x 63
 * sectors, fewer for disks under 504 KiB), the same one the BIOS is told. */
static void default_geometry(IdeDrive *d)
{
	const VdDisk *vd = d->vd;
	u64 cap = MIN(vd->sectors, (u64)IDE_CHS_MAX);
	VdGeometry g = vd_geometry_auto(VD_TYPE_HD, cap);
	u32 heads = g.heads, spt = g.sectors, cyls = g.cylinders;
	if (vd->geom.heads && vd->geom.heads <= 16 && vd->geom.sectors && vd->geom.sectors <= 63) {
		heads = vd->geom.heads;
		spt = vd->geom.sectors;
		while (cap < (u64)heads * spt && heads > 1)
			heads--;
		if (cap < spt)
			spt = (u32)MAX(cap, 1);
		cyls = (u32)MIN(cap / ((u64)heads * spt), 16383u);
	}
	if (vd->geom.cylinders && vd->geom.cylinders < cyls)
		cyls = vd->geom.cylinders;
	d->heads = (u16)heads;
	d->spt = (u16)spt;
	d->cyls = (u16)cyls;
	set_current_geometry(d, d->heads, d->spt);
}

/* Writes the address of sector lba into the task file in the form the command used. */
static void set_taskfile_addr(IdeDrive *d, u64 lba)
{
	if (d->chs) {
		u32 spt = d->cur_spt, heads = d->cur_heads;
		u32 cyl = (u32)(lba / spt / heads);
		d->lbal = (u8)(lba % spt + 1);
		d->device = (u8)((d->device & 0xF0) | (lba / spt % heads));
		d->lbam = (u8)cyl;
		d->lbah = (u8)(cyl >> 8);
	} else if (d->lba48) {
		d->lbal = (u8)lba;
		d->lbam = (u8)(lba >> 8);
		d->lbah = (u8)(lba >> 16);
		d->hob_lbal = (u8)(lba >> 24);
		d->hob_lbam = (u8)(lba >> 32);
		d->hob_lbah = (u8)(lba >> 40);
	} else {
		d->lbal = (u8)lba;
		d->lbam = (u8)(lba >> 8);
		d->lbah = (u8)(lba >> 16);
		d->device = (u8)((d->device & 0xF0) | ((lba >> 24) & 0x0F));
	}
}

static void set_taskfile_count(IdeDrive *d, u32 count)
{
	d->nsector = (u8)count;
	if (d->lba48)
		d->hob_nsector = (u8)(count >> 8);
}

/* Decodes the address and count of a read/write/verify command into d->lba and
 * d->remain. Returns 0 or the error register value (IDNF: out of range). */
static u8 decode_rw(IdeDrive *d, bool ext)
{
	u64 lba, lim;
	u32 count;
	d->lba48 = ext;
	d->chs = false;
	if (ext) {
		lba = (u64)d->hob_lbah << 40 | (u64)d->hob_lbam << 32 | (u64)d->hob_lbal << 24 |
		      (u64)d->lbah << 16 | (u64)d->lbam << 8 | d->lbal;
		count = (u32)d->hob_nsector << 8 | d->nsector;
		if (!count)
			count = 65536;
		lim = d->vd->sectors;
	} else {
		count = d->nsector ? d->nsector : 256;
		lim = cap28(d);
		if (d->device & 0x40) {
			lba = (u64)(d->device & 0x0F) << 24 | (u64)d->lbah << 16 |
			      (u64)d->lbam << 8 | d->lbal;
		} else {
			/* CHS through the current translation; an invalid translation
			 * fails every media access with IDNF (ATA-6 8.17). */
			u32 cyl = (u32)d->lbah << 8 | d->lbam, head = d->device & 0x0F;
			u32 sec = d->lbal;
			d->chs = true;
			if (!d->cur_valid || sec == 0 || sec > d->cur_spt ||
			    head >= d->cur_heads || cyl >= d->cur_cyls)
				return IDE_ER_IDNF;
			lba = ((u64)cyl * d->cur_heads + head) * d->cur_spt + sec - 1;
		}
	}
	if (lba >= lim || count > lim - lba)
		return IDE_ER_IDNF;
	d->lba = lba;
	d->remain = count;
	return 0;
}

/* ---- Completion ---- */

static void finish_ok(IdeDrive *d)
{
	d->status = IDE_ST_DRDY | IDE_ST_DSC;
	d->phase = IDE_PH_IDLE;
	drive_raise(d);
}

static void finish_error(IdeDrive *d, u8 err)
{
	d->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_ERR;
	d->error = err;
	d->phase = IDE_PH_IDLE;
	drive_raise(d);
}

/* A VD request failed: past the VD (IDNF), refused by a read-only VD (ABRT), or a host
 * failure (UNC on a read, ABRT on a write), which the VD manager counts for the CP's
 * message and which is logged here for developers. The task file points at the first
 * sector not transferred. */
static void host_error(IdeDrive *d, int r, bool write)
{
	u8 err = IDE_ER_IDNF;
	if (r == VMCP_EINVAL) {
		err = IDE_ER_ABRT;
	} else if (r != VMCP_ERANGE) {
		err = write ? IDE_ER_ABRT : IDE_ER_UNC;
		log_printf(LOG_WARN, "ide%d-%d (%s): %s at sector %llu: %s", d->chan->index,
			   d->unit, d->vd->dev, write ? "write" : "read",
			   (unsigned long long)d->lba, vmcp_strerror(r));
	}
	set_taskfile_addr(d, d->lba);
	set_taskfile_count(d, d->remain);
	finish_error(d, err);
}

static bool cmd_is_write(u8 cmd)
{
	return cmd == 0x30 || cmd == 0x31 || cmd == 0x34 || cmd == 0xC5 || cmd == 0x39 ||
	       cmd == 0xCA || cmd == 0xCB || cmd == 0x35;
}

static bool cmd_is_multiple(u8 cmd)
{
	return cmd == 0xC4 || cmd == 0xC5 || cmd == 0x29 || cmd == 0x39;
}

static u32 block_sectors(const IdeDrive *d)
{
	return cmd_is_multiple(d->cmd) ? MIN(d->remain, (u32)d->mult) : 1;
}

/* ---- IDENTIFY DEVICE ---- */

/* ATA strings: two characters per word, the first in the high byte, space padded. */
static void put_string(u16 *w, const char *s, int nwords)
{
	size_t n = strlen(s);
	for (int i = 0; i < nwords * 2; i++) {
		u8 ch = (size_t)i < n ? (u8)s[i] : ' ';
		if (i & 1)
			w[i / 2] |= ch;
		else
			w[i / 2] = (u16)(ch << 8);
	}
}

/* Integrity word: signature A5h and a checksum making the 512 bytes sum to 0. */
static void identify_checksum(u16 w[256])
{
	u8 sum = 0xA5;
	for (int i = 0; i < 255; i++)
		sum = (u8)(sum + (w[i] & 0xFF) + (w[i] >> 8));
	w[255] = (u16)((u8)-sum << 8 | 0xA5);
}

/* Word 93, the hardware reset result: bit 14 set, bit 0 set; device 0 reports how it
 * found its number (jumper: 01), diagnostics passed, and PDIAG-/DASP- from device 1
 * when there is one, else "device 0 responds for device 1" (bit 6), which SeaBIOS reads
 * to skip probing device 1. Device 1 reports its own number source. */
static u16 reset_result(const IdeDrive *d)
{
	const IdeDrive *other = &d->chan->drive[d->unit ^ 1];
	if (d->unit == 0)
		return (u16)(0x4000 | 0x000B | (other->vd ? 0x0030 : 0x0040));
	return 0x4000 | 0x0B00; /* bit 8, jumper (01), PDIAG- asserted */
}

/* IDENTIFY PACKET DEVICE (ATA/ATAPI-6 8.16). */
static void identify_packet(const IdeDrive *d, u16 w[256])
{
	memset(w, 0, 512);
	/* ATAPI (10b), CD-ROM (05h), removable, DRQ within 50 us of PACKET without an
	 * interrupt (10b), 12-byte command packets (00b). */
	w[0] = 0x8000 | 0x0500 | 0x0080 | 0x0040;
	put_string(&w[10], d->serial, 10);
	put_string(&w[23], d->firmware, 4);
	put_string(&w[27], d->model, 20);
	w[49] = 0x0F00;       /* IORDY supported and can be disabled, LBA, DMA */
	w[50] = 0x4000;
	w[51] = 0x0200;
	w[53] = 0x0002;       /* words 64-70 valid */
	w[63] = 0x0007 | (d->mwdma_mode >= 0 ? (u16)(0x0100 << d->mwdma_mode) : 0);
	w[64] = 0x0003;       /* PIO modes 3 and 4 */
	w[65] = 120;
	w[66] = 120;
	w[67] = 120;
	w[68] = 120;
	w[80] = 0x007E;       /* ATA-1 to ATA/ATAPI-6 */
	/* Supported and enabled: NOP, DEVICE RESET, the PACKET feature set, power
	 * management. */
	w[82] = 0x4000 | 0x0200 | 0x0010 | 0x0008;
	w[83] = 0x4000;
	w[84] = 0x4000;
	w[85] = w[82];
	w[86] = 0x0000;
	w[87] = 0x4000;
	w[93] = reset_result(d);
	identify_checksum(w);
}

void ide_identify(const IdeDrive *d, u16 w[256])
{
	if (d->packet) {
		identify_packet(d, w);
		return;
	}
	memset(w, 0, 512);
	u64 cap = d->vd->sectors;
	w[0] = 0x0040;        /* ATA device, fixed, not removable */
	w[1] = d->cyls;
	w[3] = d->heads;
	w[6] = d->spt;
	put_string(&w[10], d->serial, 10);
	w[20] = 3;            /* retired: dual-ported buffer with read cache */
	w[21] = 512;          /* retired: buffer size in sectors */
	w[22] = 4;            /* obsolete: ECC bytes for READ/WRITE LONG */
	put_string(&w[23], d->firmware, 4);
	put_string(&w[27], d->model, 20);
	w[47] = 0x8000 | IDE_MAX_MULT;
	w[48] = 0x0001;       /* ATA-1: doubleword I/O (the PIIX3 passes 32-bit PIO) */
	w[49] = 0x0F00;       /* IORDY supported and can be disabled, LBA, DMA */
	w[50] = 0x4000;
	w[51] = 0x0200;       /* obsolete PIO/DMA timing modes: mode 2 */
	w[52] = 0x0200;
	w[53] = 0x0002 | (d->cur_valid ? 0x0001 : 0); /* words 64-70 and 54-58 valid */
	if (d->cur_valid) {
		u32 cur = d->cur_cyls * d->cur_heads * d->cur_spt;
		w[54] = (u16)d->cur_cyls;
		w[55] = d->cur_heads;
		w[56] = d->cur_spt;
		w[57] = (u16)cur;
		w[58] = (u16)(cur >> 16);
	}
	w[59] = d->mult ? (u16)(0x0100 | d->mult) : 0;
	w[60] = (u16)cap28(d);
	w[61] = (u16)(cap28(d) >> 16);
	/* Multiword DMA modes 0-2, as the PIIX3 runs them; the selected one in 10:8. */
	w[63] = 0x0007 | (d->mwdma_mode >= 0 ? (u16)(0x0100 << d->mwdma_mode) : 0);
	w[64] = 0x0003;       /* PIO modes 3 and 4 */
	w[65] = 120;          /* ns: minimum and recommended MW DMA cycle, PIO cycles */
	w[66] = 120;
	w[67] = 120;
	w[68] = 120;
	w[80] = 0x007E;       /* ATA-1 to ATA/ATAPI-6 */
	/* Supported: NOP, look-ahead, write cache, power management; FLUSH CACHE (EXT),
	 * 48-bit addresses. Enabled: the same, as currently set. */
	w[82] = 0x4068;
	w[83] = 0x7400;
	w[84] = 0x4000;
	w[85] = 0x4008 | (d->lookahead ? 0x0040 : 0) | (d->wcache ? 0x0020 : 0);
	w[86] = 0x3400;
	w[87] = 0x4000;
	w[93] = reset_result(d);
	w[100] = (u16)cap;
	w[101] = (u16)(cap >> 16);
	w[102] = (u16)(cap >> 32);
	w[103] = (u16)(cap >> 48);
	identify_checksum(w);
}

/* ---- Settings ---- */

static void drive_defaults(IdeDrive *d)
{
	d->mult = 0;
	d->pio_mode = 0;
	d->mwdma_mode = -1;
	d->wcache = true;
	d->lookahead = true;
	d->keep_settings = false;
}

/* The signature after a reset or a diagnostic (ATA/ATAPI-6 9.12): sector count and LBA
 * low 01h; LBA mid/high 00h/00h for an ATA device, 14h/EBh for a PACKET device. */
static void set_signature(IdeDrive *d)
{
	d->nsector = d->hob_nsector = 1;
	d->lbal = d->hob_lbal = 1;
	d->lbam = d->hob_lbam = d->packet ? 0x14 : 0;
	d->lbah = d->hob_lbah = d->packet ? 0xEB : 0;
	d->device = 0;
	d->lba48 = false;
}

/* Status after a reset or a diagnostic: DRDY for an ATA device; 00h for a PACKET
 * device, whose DRDY stays clear until its next command completes (9.12). */
static u8 reset_status(const IdeDrive *d)
{
	return d->packet ? 0 : IDE_ST_DRDY | IDE_ST_DSC;
}

/* ---- Commands ---- */

/* The next n sectors are the current block: buf holds them (the host or the bus master
 * moves them from the start). */
static void set_block(IdeDrive *d, u32 n)
{
	d->block = n;
	d->pos = 0;
	d->len = n * SECTOR_SIZE;
}

/* Reads the next n sectors from the VD as the current block; false after a failure
 * (the command has ended with an error). */
static bool read_block(IdeDrive *d, u32 n)
{
	int r = vd_read(d->vd, d->lba, n, d->buf);
	if (r) {
		host_error(d, r, false);
		return false;
	}
	set_block(d, n);
	return true;
}

/* The current block is done: the task file shows its last sector and what remains
 * (ATA: after a transfer, the address of the last sector transferred). */
static void block_done(IdeDrive *d)
{
	d->lba += d->block;
	d->remain -= d->block;
	set_taskfile_addr(d, d->lba - 1);
	set_taskfile_count(d, d->remain);
}

static void start_pio_in(IdeDrive *d)
{
	if (!read_block(d, block_sectors(d)))
		return;
	d->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
	d->phase = IDE_PH_PIO_IN;
	drive_raise(d);
}

/* The data-out protocol asks for the first block without an interrupt and for each
 * later block with one. */
static void start_pio_out(IdeDrive *d, bool irq)
{
	set_block(d, block_sectors(d));
	d->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
	d->phase = IDE_PH_PIO_OUT;
	if (irq)
		drive_raise(d);
}

static void dma_kick(IdeChannel *c)
{
	if (!(c->bm_status & IDE_BM_ST_ACTIVE) || timer_armed(&c->dma_timer))
		return;
	for (int i = 0; i < 2; i++)
		if (c->drive[i].vd && c->drive[i].phase == IDE_PH_DMA)
			timer_arm(&c->dma_timer, clock_now(c->clk) + IDE_DMA_NS);
}

static void cmd_read_verify(IdeDrive *d)
{
	while (d->remain) {
		u32 n = MIN(d->remain, (u32)IDE_MAX_MULT);
		int r = vd_read(d->vd, d->lba, n, d->buf);
		if (r) {
			host_error(d, r, false);
			return;
		}
		d->lba += n;
		d->remain -= n;
	}
	set_taskfile_addr(d, d->lba - 1);
	set_taskfile_count(d, 0);
	finish_ok(d);
}

static void cmd_set_features(IdeDrive *d)
{
	u8 v = d->nsector;
	switch (d->feature) {
	case 0x02: d->wcache = true; break;
	case 0x82: d->wcache = false; break;
	case 0xAA: d->lookahead = true; break;
	case 0x55: d->lookahead = false; break;
	case 0x66: d->keep_settings = true; break;
	case 0xCC: d->keep_settings = false; break;
	case 0x03: /* transfer mode in the sector count */
		if (v == 0x00 || v == 0x01) {
			d->pio_mode = 0;
		} else if ((v & 0xF8) == 0x08 && (v & 7) <= 4) {
			d->pio_mode = v & 7;
		} else if ((v & 0xF8) == 0x20 && (v & 7) <= 2) {
			d->mwdma_mode = (s8)(v & 7);
		} else {
			finish_error(d, IDE_ER_ABRT);
			return;
		}
		break;
	default:
		finish_error(d, IDE_ER_ABRT);
		return;
	}
	finish_ok(d);
}

/* ---- The packet protocol (ATAPI) ---- */

/* The end of a PACKET command: DRDY, with ERR and the sense key in the error register
 * after CHECK CONDITION; interrupt reason IO=1 CoD=1; an interrupt. */
static void packet_end(IdeDrive *d, bool check)
{
	d->status = IDE_ST_DRDY | (check ? IDE_ST_ERR : 0);
	d->error = check ? atapi_error_reg(&d->atapi) : 0;
	d->nsector = IDE_IR_IO | IDE_IR_COD;
	d->phase = IDE_PH_IDLE;
	drive_raise(d);
}

/* Reads the next CD blocks of a READ into buf (as many as it holds). False after a
 * host failure: the command has ended with MEDIUM ERROR. */
static bool packet_fill(IdeDrive *d)
{
	u32 n = MIN(d->rd_left, (u32)(IDE_BUF_SIZE / ATAPI_BLOCK));
	if (!atapi_read(&d->atapi, d->rd_lba, n, d->buf)) {
		packet_end(d, true);
		return false;
	}
	d->rd_lba += n;
	d->rd_left -= n;
	d->pos = 0;
	d->fill = n * ATAPI_BLOCK;
	return true;
}

/* The next PIO DRQ block of a data-in command: what the buffer holds, at most the byte
 * count limit (0 taken as FFFEh), an even count but for the last block, whole CD blocks
 * when the limit allows one; the byte count goes to LBA mid/high. */
static void packet_pio_block(IdeDrive *d)
{
	if (d->pos == d->fill && !packet_fill(d))
		return;
	u32 avail = d->fill - d->pos, lim = d->bc_limit ? d->bc_limit : 0xFFFE, n;
	if (avail == d->xfer_left && avail <= lim) {
		n = avail;
	} else {
		lim = MAX(lim & ~1u, 2u);
		n = MIN(avail, lim);
		if (n >= ATAPI_BLOCK)
			n -= n % ATAPI_BLOCK;
	}
	d->block = n;
	d->len = d->pos + n;
	d->lbam = (u8)n;
	d->lbah = (u8)(n >> 8);
	d->nsector = IDE_IR_IO;
	d->status = IDE_ST_DRDY | IDE_ST_DRQ;
	d->phase = IDE_PH_PIO_IN;
	drive_raise(d);
}

/* The host read a whole DRQ block: BSY, then the next block, or the end. */
static void packet_block_done(IdeDrive *d)
{
	d->xfer_left -= d->block;
	if (!d->xfer_left) {
		packet_end(d, false);
		return;
	}
	d->status = IDE_ST_BSY | IDE_ST_DRDY;
	d->phase = IDE_PH_NEXT;
	timer_arm(&d->timer, now_ns(d) + IDE_BLOCK_NS);
}

/* PACKET: DRQ for the command block (CoD=1, IO=0), without an interrupt. Overlap is not
 * supported: the OVL bit aborts the command. */
static void packet_start(IdeDrive *d)
{
	if (d->feature & 0x02) {
		finish_error(d, IDE_ER_ABRT);
		return;
	}
	d->packet_dma = d->feature & 0x01;
	d->bc_limit = (u16)(d->lbah << 8 | d->lbam);
	d->pos = 0;
	d->nsector = IDE_IR_COD;
	d->status = IDE_ST_DRDY | IDE_ST_DRQ;
	d->phase = IDE_PH_PACKET;
}

/* The command block is in and BSY is over: run it, then move its data (PIO blocks or
 * the bus master) or end. */
static void packet_exec(IdeDrive *d)
{
	AtapiReply r;
	atapi_command(&d->atapi, d->cdb, d->buf, &r);
	if (r.check) {
		packet_end(d, true);
		return;
	}
	d->pos = 0;
	d->rd_lba = r.lba;
	d->rd_left = r.count;
	if (r.count) {
		d->fill = 0;
		d->xfer_left = (u64)r.count * ATAPI_BLOCK;
	} else {
		d->fill = r.len;
		d->xfer_left = r.len;
		d->buf[r.len] = d->buf[r.len + 1] = 0; /* the pad byte of an odd length */
	}
	if (!d->xfer_left) {
		packet_end(d, false);
		return;
	}
	if (d->packet_dma) {
		d->status = IDE_ST_DRDY | IDE_ST_DRQ;
		d->phase = IDE_PH_DMA;
		dma_kick(d->chan);
		return;
	}
	packet_pio_block(d);
}

/* DEVICE RESET (8.10): the PACKET device resets and shows its signature, without an
 * interrupt. */
static void device_reset(IdeDrive *d)
{
	set_signature(d);
	d->error = 0x01;
	d->status = reset_status(d);
	d->phase = IDE_PH_IDLE;
	d->power = IDE_PWR_ACTIVE;
}

/* IDENTIFY DEVICE or IDENTIFY PACKET DEVICE: one block of 256 words. */
static void start_identify(IdeDrive *d)
{
	u16 w[256];
	ide_identify(d, w);
	for (int i = 0; i < 256; i++) /* little-endian words on the data port */
		put_le16(d->buf + 2 * i, w[i]);
	set_block(d, 1);
	d->remain = 1;
	d->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
	d->phase = IDE_PH_PIO_IN;
	drive_raise(d);
}

/* The ATA commands of a PACKET device (ATA/ATAPI-6 table: the PACKET command feature
 * set): those it shares with an ATA device go on to run_command's switch (returns
 * true); the rest abort, IDENTIFY DEVICE with the signature in the task file. */
static bool packet_ata_command(IdeDrive *d)
{
	switch (d->cmd) {
	case 0xA0: packet_start(d); return false;
	case 0xA1: start_identify(d); return false;
	case 0x08: device_reset(d); return false;
	case 0xEC:
		set_signature(d);
		finish_error(d, IDE_ER_ABRT);
		return false;
	case 0xEF: case 0x90: case 0xE5: case 0x98: case 0xE6: case 0x99:
	case 0xE0: case 0xE1: case 0xE2: case 0xE3: case 0x94: case 0x95: case 0x96: case 0x97:
		return true;
	default:
		finish_error(d, IDE_ER_ABRT);
		return false;
	}
}

/* Runs the command in d->cmd once its BSY time is over. */
static void run_command(IdeDrive *d)
{
	u8 cmd = d->cmd, err;
	if (d->pend_error) {
		finish_error(d, d->pend_error);
		return;
	}
	if (d->packet && !packet_ata_command(d))
		return;
	switch (cmd) {
	case 0xEC: /* IDENTIFY DEVICE */
		start_identify(d);
		return;
	case 0x20: case 0x21: case 0x24: case 0x29: case 0xC4: /* READ SECTORS / MULTIPLE */
	case 0x30: case 0x31: case 0x34: case 0x39: case 0xC5: /* WRITE SECTORS / MULTIPLE */
		if (cmd_is_multiple(cmd) && !d->mult) {
			finish_error(d, IDE_ER_ABRT);
			return;
		}
		if ((err = decode_rw(d, cmd == 0x24 || cmd == 0x29 || cmd == 0x34 || cmd == 0x39))) {
			finish_error(d, err);
			return;
		}
		if (cmd_is_write(cmd))
			start_pio_out(d, false);
		else
			start_pio_in(d);
		return;
	case 0xC8: case 0xC9: case 0x25: /* READ DMA (EXT) */
	case 0xCA: case 0xCB: case 0x35: /* WRITE DMA (EXT) */
		if ((err = decode_rw(d, cmd == 0x25 || cmd == 0x35))) {
			finish_error(d, err);
			return;
		}
		d->pos = d->len = 0;
		d->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
		d->phase = IDE_PH_DMA;
		dma_kick(d->chan);
		return;
	case 0x40: case 0x41: case 0x42: /* READ VERIFY SECTORS (EXT) */
		if ((err = decode_rw(d, cmd == 0x42))) {
			finish_error(d, err);
			return;
		}
		cmd_read_verify(d);
		return;
	case 0xC6: /* SET MULTIPLE MODE: 0 disables, else a power of two up to word 47 */
		if (d->nsector > IDE_MAX_MULT || (d->nsector & (d->nsector - 1))) {
			finish_error(d, IDE_ER_ABRT);
			return;
		}
		d->mult = d->nsector;
		finish_ok(d);
		return;
	case 0x91: /* INITIALIZE DEVICE PARAMETERS: sectors/track, heads-1 in DEV[3:0] */
		if (!d->nsector) {
			d->cur_valid = false;
			finish_error(d, IDE_ER_ABRT);
			return;
		}
		set_current_geometry(d, (u16)((d->device & 0x0F) + 1), d->nsector);
		if (!d->cur_valid) {
			finish_error(d, IDE_ER_ABRT);
			return;
		}
		finish_ok(d);
		return;
	case 0xE7: case 0xEA: { /* FLUSH CACHE (EXT) */
		int r = vd_flush(d->vd);
		if (r) {
			log_printf(LOG_WARN, "ide%d-%d (%s): flush: %s", d->chan->index, d->unit,
				   d->vd->dev, vmcp_strerror(r));
			finish_error(d, IDE_ER_ABRT);
			return;
		}
		finish_ok(d);
		return;
	}
	case 0xEF: /* SET FEATURES */
		cmd_set_features(d);
		return;
	case 0xE0: case 0x94: case 0xE2: case 0x96: /* STANDBY (IMMEDIATE) */
		d->power = IDE_PWR_STANDBY;
		finish_ok(d);
		return;
	case 0xE1: case 0x95: case 0xE3: case 0x97: /* IDLE (IMMEDIATE) */
		d->power = IDE_PWR_ACTIVE;
		finish_ok(d);
		return;
	case 0xE5: case 0x98: /* CHECK POWER MODE: FFh active or idle, 00h standby */
		d->nsector = d->power == IDE_PWR_STANDBY ? 0x00 : 0xFF;
		finish_ok(d);
		return;
	case 0xE6: case 0x99: /* SLEEP: only a reset wakes the drive */
		finish_ok(d);
		d->power = IDE_PWR_SLEEP;
		return;
	case 0x90: /* EXECUTE DEVICE DIAGNOSTIC: device 0 reports for both */
		set_signature(d);
		d->error = 0x01;
		d->status = reset_status(d);
		d->phase = IDE_PH_IDLE;
		if (d->unit == 0 || !d->chan->drive[0].vd)
			drive_raise(d);
		return;
	default:
		if ((cmd & 0xF0) == 0x10) { /* RECALIBRATE */
			finish_ok(d);
			return;
		}
		if ((cmd & 0xF0) == 0x70) { /* SEEK: the address must exist */
			u8 nsec = d->nsector;
			d->nsector = 1;
			err = decode_rw(d, false);
			d->nsector = nsec;
			if (err)
				finish_error(d, err);
			else
				finish_ok(d);
			return;
		}
		/* NOP, ATAPI, and everything not listed: command aborted. */
		finish_error(d, IDE_ER_ABRT);
		return;
	}
}

/* The host finished a PIO block (read it all, or wrote it all). */
static void pio_block_done(IdeDrive *d)
{
	if (d->packet && d->cmd == 0xA0) {
		packet_block_done(d);
		return;
	}
	if (d->cmd == 0xEC || d->cmd == 0xA1) {
		d->status = IDE_ST_DRDY | IDE_ST_DSC;
		d->phase = IDE_PH_IDLE;
		return;
	}
	if (d->phase == IDE_PH_PIO_OUT) {
		/* BSY while the drive writes the block; the timer does it. */
		d->status = IDE_ST_BSY | IDE_ST_DRDY | IDE_ST_DSC;
		d->phase = IDE_PH_NEXT;
		timer_arm(&d->timer, now_ns(d) + IDE_BLOCK_NS);
		return;
	}
	block_done(d);
	if (!d->remain) {
		/* The last block read: no interrupt (ATA PIO data-in protocol). */
		d->status = IDE_ST_DRDY | IDE_ST_DSC;
		d->phase = IDE_PH_IDLE;
		return;
	}
	d->status = IDE_ST_BSY | IDE_ST_DRDY | IDE_ST_DSC;
	d->phase = IDE_PH_NEXT;
	timer_arm(&d->timer, now_ns(d) + IDE_BLOCK_NS);
}

/* BSY between blocks is over: read the next block, or commit the one written. */
static void pio_next(IdeDrive *d)
{
	if (d->packet && d->cmd == 0xA0) {
		packet_pio_block(d);
		return;
	}
	if (!cmd_is_write(d->cmd)) {
		start_pio_in(d);
		return;
	}
	int r = vd_write(d->vd, d->lba, d->block, d->buf);
	if (r) {
		host_error(d, r, true);
		return;
	}
	block_done(d);
	if (!d->remain)
		finish_ok(d);
	else
		start_pio_out(d, true);
}

static void reset_done(IdeDrive *d)
{
	set_signature(d);
	d->error = 0x01; /* diagnostic code: passed */
	d->status = reset_status(d);
	d->phase = IDE_PH_IDLE;
	d->power = IDE_PWR_ACTIVE;
	if (!d->keep_settings)
		drive_defaults(d);
}

static void drive_timer(void *ctx, u64 now)
{
	IdeDrive *d = ctx;
	switch (d->phase) {
	case IDE_PH_CMD: run_command(d); break;
	case IDE_PH_NEXT: pio_next(d); break;
	case IDE_PH_EXEC: packet_exec(d); break;
	case IDE_PH_RESET:
		if (!(d->chan->devctl & IDE_CTL_SRST))
			reset_done(d);
		break;
	default: break;
	}
}

/* The host wrote the Command register of the selected drive. */
static void drive_command(IdeDrive *d, u8 cmd)
{
	timer_cancel(&d->timer);
	d->cmd = cmd;
	d->pend_error = 0;
	d->error = 0;
	d->intrq = false;
	/* Any command but CHECK POWER MODE spins a drive in standby up. */
	if (d->power == IDE_PWR_STANDBY && cmd != 0xE5 && cmd != 0x98)
		d->power = IDE_PWR_ACTIVE;
	d->status = IDE_ST_BSY | IDE_ST_DRDY | IDE_ST_DSC;
	d->phase = IDE_PH_CMD;
	chan_update_irq(d->chan);
	timer_arm(&d->timer, now_ns(d) + IDE_CMD_NS);
}

/* ---- Bus-master DMA ---- */

/* Fetches the next PRD: a region's address (bit 0 ignored) and byte count (bits 15:1;
 * 0 means 64 KiB), bit 31 marking the table's last entry. */
static void prd_fetch(IdeChannel *c)
{
	u32 base = mem_read(c->mem, c->prd_next, 4), cnt = mem_read(c->mem, c->prd_next + 4, 4);
	c->prd_next += 8;
	c->prd_addr = base & ~1u;
	c->prd_left = cnt & 0xFFFE;
	if (!c->prd_left)
		c->prd_left = 0x10000;
	c->prd_last = cnt >> 31;
}

/* Moves bytes between the drive's buffer cursor and the PRD regions until the buffer
 * part is done or the table is exhausted. Returns false when the table ran out. */
static bool prd_move(IdeChannel *c, IdeDrive *d, bool to_memory)
{
	while (d->pos < d->len) {
		if (!c->prd_left) {
			if (c->prd_done)
				return false;
			prd_fetch(c);
		}
		u32 n = MIN(c->prd_left, d->len - d->pos);
		if (to_memory)
			mem_write_buf(c->mem, c->prd_addr, d->buf + d->pos, n);
		else
			mem_read_buf(c->mem, c->prd_addr, d->buf + d->pos, n);
		c->prd_addr += n;
		c->prd_left -= n;
		d->pos += n;
		if (!c->prd_left && c->prd_last)
			c->prd_done = true;
	}
	return true;
}

/* The bus master moves a PACKET command's data to memory, at most a buffer's worth per
 * turn of the DMA timer (a long READ takes virtual time and never holds the host for
 * long), with the same outcomes as an ATA transfer. */
static void packet_dma_run(IdeChannel *c, IdeDrive *d)
{
	u32 moved = 0;
	while (d->xfer_left && moved < IDE_BUF_SIZE) {
		if (d->pos == d->fill && !packet_fill(d))
			return;
		d->len = d->fill;
		u32 before = d->pos;
		bool more = prd_move(c, d, true);
		d->xfer_left -= d->pos - before;
		moved += d->pos - before;
		if (!more) {
			c->bm_status &= (u8)~IDE_BM_ST_ACTIVE;
			return;
		}
	}
	if (d->xfer_left) {
		timer_arm(&c->dma_timer, clock_now(c->clk) + IDE_DMA_NS);
		return;
	}
	if (c->prd_done)
		c->bm_status &= (u8)~IDE_BM_ST_ACTIVE;
	packet_end(d, false);
}

/* The bus master is active and a drive requests DMA: run the transfer. Outcomes as
 * SFF-8038i: the drive finishes with the table exactly used: Interrupt, not Active;
 * the drive finishes first: Interrupt and still Active; the table runs out first: not
 * Active, no Interrupt, and the drive keeps waiting with DRQ (a new table resumes). */
static void dma_run(IdeChannel *c)
{
	IdeDrive *d = &c->drive[c->sel];
	if (!d->vd || d->phase != IDE_PH_DMA)
		d = &c->drive[c->sel ^ 1];
	if (!d->vd || d->phase != IDE_PH_DMA || !(c->bm_status & IDE_BM_ST_ACTIVE) || !c->mem)
		return;
	if (d->packet) {
		packet_dma_run(c, d);
		return;
	}
	bool write = cmd_is_write(d->cmd);
	while (d->remain) {
		if (d->pos == d->len && !write) {
			if (!read_block(d, MIN(d->remain, (u32)IDE_MAX_MULT)))
				return;
		} else if (d->len == 0 && write) {
			set_block(d, MIN(d->remain, (u32)IDE_MAX_MULT));
		}
		if (!prd_move(c, d, !write)) {
			c->bm_status &= (u8)~IDE_BM_ST_ACTIVE;
			return;
		}
		if (write) {
			int r = vd_write(d->vd, d->lba, d->block, d->buf);
			if (r) {
				host_error(d, r, true);
				return;
			}
			d->len = 0;
		}
		d->lba += d->block;
		d->remain -= d->block;
	}
	set_taskfile_addr(d, d->lba - 1);
	set_taskfile_count(d, 0);
	if (c->prd_done)
		c->bm_status &= (u8)~IDE_BM_ST_ACTIVE;
	finish_ok(d);
}

static void dma_timer(void *ctx, u64 now)
{
	dma_run(ctx);
}

static void bm_write_byte(IdeChannel *c, int off, u8 v)
{
	switch (off) {
	case 0: { /* BMICx: start/stop (bit 0), direction (bit 3) */
		u8 old = c->bm_cmd;
		c->bm_cmd = v & (IDE_BM_CMD_START | IDE_BM_CMD_WRITE);
		if ((v & IDE_BM_CMD_START) && !(old & IDE_BM_CMD_START)) {
			c->bm_status |= IDE_BM_ST_ACTIVE;
			c->prd_next = c->bm_prd;
			c->prd_left = 0;
			c->prd_last = c->prd_done = false;
			dma_kick(c);
		} else if (!(v & IDE_BM_CMD_START) && (old & IDE_BM_CMD_START)) {
			/* Stopping aborts a transfer in progress (PIIX3: data may be lost). */
			c->bm_status &= (u8)~IDE_BM_ST_ACTIVE;
			timer_cancel(&c->dma_timer);
		}
		break;
	}
	case 2: /* BMISx: Interrupt and Error are write-1-to-clear; drive DMA bits R/W */
		c->bm_status &= (u8)~(v & (IDE_BM_ST_INTR | IDE_BM_ST_ERROR));
		c->bm_status = (u8)((c->bm_status & ~(IDE_BM_ST_DMA0 | IDE_BM_ST_DMA1)) |
				    (v & (IDE_BM_ST_DMA0 | IDE_BM_ST_DMA1)));
		break;
	case 4: case 5: case 6: case 7: { /* BMIDTPx: bits 1:0 read as 0 */
		int sh = 8 * (off - 4);
		c->bm_prd = (c->bm_prd & ~(0xFFu << sh)) | (u32)v << sh;
		c->bm_prd &= ~3u;
		break;
	}
	default: break;
	}
}

static u8 bm_read_byte(const IdeChannel *c, int off)
{
	switch (off) {
	case 0: return c->bm_cmd;
	case 2: return c->bm_status; /* bit 7 (simplex only) is 0 on the PIIX3 */
	case 4: case 5: case 6: case 7: return (u8)(c->bm_prd >> (8 * (off - 4)));
	default: return 0;
	}
}

static u32 ide_bm_read(void *ctx, u16 port, int size)
{
	Ide *ide = ctx;
	u32 v = 0;
	for (int i = 0; i < size; i++) {
		int off = (port + i) & 15;
		v |= (u32)bm_read_byte(&ide->chan[off >> 3], off & 7) << (8 * i);
	}
	return v;
}

static void ide_bm_write(void *ctx, u16 port, u32 val, int size)
{
	Ide *ide = ctx;
	for (int i = 0; i < size; i++) {
		int off = (port + i) & 15;
		bm_write_byte(&ide->chan[off >> 3], off & 7, (u8)(val >> (8 * i)));
	}
}

/* ---- Register access ---- */

static bool chan_empty(const IdeChannel *c)
{
	return !c->drive[0].vd && !c->drive[1].vd;
}

/* Reads one word from the data port. Outside a data-in block nothing drives the bus. */
static u16 data_read16(IdeChannel *c)
{
	IdeDrive *d = &c->drive[c->sel];
	if (!d->vd || d->phase != IDE_PH_PIO_IN)
		return 0xFFFF;
	u16 v = get_le16(d->buf + d->pos);
	d->pos += 2;
	if (d->pos >= d->len)
		pio_block_done(d);
	return v;
}

static void data_write16(IdeChannel *c, u16 v)
{
	IdeDrive *d = &c->drive[c->sel];
	if (d->vd && d->phase == IDE_PH_PACKET) {
		/* The command block; its last word starts it (BSY). */
		put_le16(d->cdb + d->pos, v);
		d->pos += 2;
		if (d->pos >= ATAPI_CDB_LEN) {
			d->status = IDE_ST_BSY | IDE_ST_DRDY;
			d->phase = IDE_PH_EXEC;
			timer_arm(&d->timer, now_ns(d) + IDE_CMD_NS);
		}
		return;
	}
	if (!d->vd || d->phase != IDE_PH_PIO_OUT)
		return;
	put_le16(d->buf + d->pos, v);
	d->pos += 2;
	if (d->pos >= d->len)
		pio_block_done(d);
}

static u8 status_of(IdeChannel *c, bool clear_irq)
{
	IdeDrive *d = &c->drive[c->sel];
	if (chan_empty(c))
		return 0xFF; /* floating bus: nothing drives DD7-DD0 */
	if (!d->vd) {
		/* Device 1 absent: device 0 answers for it with 00h (ATA-6 9.16); a
		 * device 1 alone does not answer for device 0. */
		return c->sel ? 0x00 : 0xFF;
	}
	if (clear_irq && d->intrq) {
		d->intrq = false;
		chan_update_irq(c);
	}
	return d->status;
}

static u8 reg_read(IdeChannel *c, int reg)
{
	if (chan_empty(c))
		return 0xFF;
	if (reg == 7)
		return status_of(c, true);
	const IdeDrive *d = &c->drive[c->sel];
	if (!d->vd) {
		if (!c->sel)
			return 0xFF;
		if (reg == 1)
			return 0x00;
		d = &c->drive[0]; /* device 0 holds the same latched registers */
	}
	bool hob = c->devctl & IDE_CTL_HOB;
	switch (reg) {
	case 1: return d->error;
	case 2: return hob ? d->hob_nsector : d->nsector;
	case 3: return hob ? d->hob_lbal : d->lbal;
	case 4: return hob ? d->hob_lbam : d->lbam;
	case 5: return hob ? d->hob_lbah : d->lbah;
	case 6: return d->device;
	default: return 0xFF;
	}
}

static void latch(u8 *cur, u8 *prev, u8 v)
{
	*prev = *cur;
	*cur = v;
}

static void reg_write(IdeChannel *c, int reg, u8 v)
{
	c->devctl &= (u8)~IDE_CTL_HOB; /* any command block write clears HOB */
	if (reg == 7) {
		IdeDrive *d = &c->drive[c->sel];
		if (v == 0x90) { /* EXECUTE DEVICE DIAGNOSTIC goes to both devices */
			c->sel = 0;
			for (int i = 0; i < 2; i++) {
				IdeDrive *e = &c->drive[i];
				if (e->vd && e->phase != IDE_PH_RESET)
					drive_command(e, v);
			}
			return;
		}
		/* Ignored: no such device, busy (ATA: indeterminate; a drive ignores it),
		 * or asleep (only a reset wakes it). DEVICE RESET reaches a PACKET device
		 * busy or asleep: it is how a host recovers one. */
		bool reset = d->packet && v == 0x08;
		if (!d->vd || d->phase == IDE_PH_RESET ||
		    (!reset && ((d->status & IDE_ST_BSY) || d->power == IDE_PWR_SLEEP)))
			return;
		drive_command(d, v);
		return;
	}
	if (reg == 6)
		c->sel = (v >> 4) & 1;
	for (int i = 0; i < 2; i++) {
		IdeDrive *d = &c->drive[i];
		if (!d->vd || (d->status & IDE_ST_BSY))
			continue; /* a busy device ignores task-file writes */
		switch (reg) {
		case 1: latch(&d->feature, &d->hob_feature, v); break;
		case 2: latch(&d->nsector, &d->hob_nsector, v); break;
		case 3: latch(&d->lbal, &d->hob_lbal, v); break;
		case 4: latch(&d->lbam, &d->hob_lbam, v); break;
		case 5: latch(&d->lbah, &d->hob_lbah, v); break;
		case 6: d->device = v; break;
		default: break;
		}
	}
	if (reg == 6)
		chan_update_irq(c);
}

static u32 ide_cmd_read(void *ctx, u16 port, int size)
{
	IdeChannel *c = ctx;
	int reg = port & 7;
	if (reg == 0) {
		if (chan_empty(c))
			return size == 4 ? 0xFFFFFFFFu : 0xFFFFu;
		u32 v = data_read16(c);
		if (size == 4)
			v |= (u32)data_read16(c) << 16;
		return v;
	}
	u32 v = 0;
	for (int i = 0; i < size; i++)
		v |= (u32)reg_read(c, (reg + i) & 7) << (8 * i);
	return v;
}

static void ide_cmd_write(void *ctx, u16 port, u32 val, int size)
{
	IdeChannel *c = ctx;
	int reg = port & 7;
	if (reg == 0) {
		data_write16(c, (u16)val);
		if (size == 4)
			data_write16(c, (u16)(val >> 16));
		return;
	}
	for (int i = 0; i < size; i++)
		reg_write(c, (reg + i) & 7, (u8)(val >> (8 * i)));
}

/* Alternate Status: the Status register without clearing the interrupt. */
static u32 ide_ctl_read(void *ctx, u16 port, int size)
{
	return status_of(ctx, false);
}

/* Device Control: nIEN, SRST, HOB. SRST set holds both drives in reset (BSY); SRST
 * cleared lets them run their reset, after which each shows its signature. */
static void ide_ctl_write(void *ctx, u16 port, u32 val, int size)
{
	IdeChannel *c = ctx;
	u8 old = c->devctl;
	c->devctl = (u8)val & (IDE_CTL_NIEN | IDE_CTL_SRST | IDE_CTL_HOB);
	if ((val & IDE_CTL_SRST) && !(old & IDE_CTL_SRST)) {
		c->sel = 0;
		for (int i = 0; i < 2; i++) {
			IdeDrive *d = &c->drive[i];
			if (!d->vd)
				continue;
			timer_cancel(&d->timer);
			d->phase = IDE_PH_RESET;
			d->status = IDE_ST_BSY;
			d->intrq = false;
		}
	} else if (!(val & IDE_CTL_SRST) && (old & IDE_CTL_SRST)) {
		for (int i = 0; i < 2; i++) {
			IdeDrive *d = &c->drive[i];
			if (d->vd && d->phase == IDE_PH_RESET)
				timer_arm(&d->timer, now_ns(d) + IDE_RESET_NS);
		}
	}
	chan_update_irq(c);
}

const IoOps ide_cmd_io_ops = {ide_cmd_read, ide_cmd_write, 1 | 2 | 4, "ide-cmd"};
const IoOps ide_ctl_io_ops = {ide_ctl_read, ide_ctl_write, 1, "ide-ctl"};
const IoOps ide_bm_io_ops = {ide_bm_read, ide_bm_write, 1 | 2 | 4, "ide-bm"};

/* ---- Set-up ---- */

static void drive_power_on(IdeDrive *d)
{
	timer_cancel(&d->timer);
	drive_defaults(d);
	d->power = IDE_PWR_ACTIVE;
	d->feature = d->hob_feature = 0;
	set_signature(d);
	d->error = 0x01;
	d->status = d->vd ? reset_status(d) : 0;
	d->intrq = false;
	d->phase = IDE_PH_IDLE;
	d->cmd = 0;
	d->pos = d->len = 0;
	if (d->vd && d->packet)
		atapi_reset(&d->atapi);
	else if (d->vd)
		default_geometry(d);
}

void ide_init(Ide *ide, Clock *clk, MemBus *mem)
{
	memset(ide, 0, sizeof(*ide));
	for (int i = 0; i < 2; i++) {
		IdeChannel *c = &ide->chan[i];
		c->index = i;
		c->clk = clk;
		c->mem = mem;
		timer_init(&c->dma_timer, clk, dma_timer, c, i ? "ide1-dma" : "ide0-dma");
		for (int u = 0; u < 2; u++) {
			IdeDrive *d = &c->drive[u];
			d->chan = c;
			d->unit = u;
			timer_init(&d->timer, clk, drive_timer, d, "ide-drive");
		}
	}
	ide_reset(ide);
}

void ide_reset(Ide *ide)
{
	for (int i = 0; i < 2; i++) {
		IdeChannel *c = &ide->chan[i];
		c->sel = 0;
		c->devctl = 0;
		c->bm_cmd = 0;
		c->bm_status = 0;
		c->bm_prd = 0;
		c->prd_left = 0;
		c->prd_done = c->prd_last = false;
		timer_cancel(&c->dma_timer);
		for (int u = 0; u < 2; u++)
			drive_power_on(&c->drive[u]);
		c->irq_level = 0;
		irq_set(&c->irq, 0);
	}
}

int ide_attach(Ide *ide, int chan, int unit, VdDisk *vd)
{
	if (chan < 0 || chan > 1 || unit < 0 || unit > 1 || (vd && !vd->sectors))
		return VMCP_EINVAL;
	IdeDrive *d = &ide->chan[chan].drive[unit];
	d->vd = vd;
	d->packet = vd && vd->type == VD_TYPE_CDROM;
	if (vd) {
		snprintf(d->model, sizeof(d->model), d->packet ? "VMCP CD-ROM" : "VMCP HARDDISK");
		snprintf(d->serial, sizeof(d->serial), "VMCP-%d%d-%.8s", chan, unit, vd->dev);
		snprintf(d->firmware, sizeof(d->firmware), "1.0");
	}
	if (d->packet)
		atapi_init(&d->atapi, vd, vd->medium);
	drive_power_on(d);
	chan_update_irq(&ide->chan[chan]);
	return 0;
}

int ide_set_medium(Ide *ide, int chan, int unit, u64 bytes, bool force)
{
	if (chan < 0 || chan > 1 || unit < 0 || unit > 1)
		return VMCP_EINVAL;
	IdeDrive *d = &ide->chan[chan].drive[unit];
	if (!d->vd || !d->packet)
		return VMCP_EINVAL;
	if (d->atapi.locked && d->atapi.blocks && !force)
		return VMCP_EBUSY;
	atapi_set_medium(&d->atapi, bytes);
	return 0;
}
