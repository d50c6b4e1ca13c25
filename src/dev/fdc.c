/* fdc.c: the Intel 82077AA floppy disk controller in PC-AT mode, with up to four
 * drives (a PC-AT installs two) whose disks are VDs.
 *
 * Models the registers (SRA/SRB as the 82077AA's PS/2-mode status registers, DOR with
 * reset, DMA gate and drive/motor bits, TDR, MSR, DSR with software reset, the data
 * FIFO's command/execution/result protocol, DIR with the disk change line, CCR), the
 * interrupt on IRQ6 gated by DOR bit 3, DMA through channel 2, and the commands SPECIFY,
 * SENSE DRIVE STATUS, RECALIBRATE, SENSE INTERRUPT STATUS (with the four polling
 * statuses after a reset), SEEK (and implied seeks), READ DATA and WRITE DATA
 * (multi-track, end of track, terminal count, ST0-ST2 and C/H/R/N as the datasheet's
 * tables give them), READ ID, FORMAT TRACK, VERSION, CONFIGURE, DUMPREG, LOCK,
 * PERPENDICULAR MODE; anything else is an invalid command (ST0 = 80h). A disk can be read
 * only at its data rate (500 kb/s for 1.2M and 1.44M, 250 kb/s for 720K, 250 or
 * 300 kb/s for the 5.25" 160K-360K formats, 1 Mb/s for 2.88M; the formats are the VD
 * layer's list, vd/geometry.c) and in MFM: otherwise no address mark is found; a
 * single-sided disk has no side 1.
 *
 * Reference: Intel 82077AA CHMOS Single-Chip Floppy Disk Controller datasheet
 * (registers, command set, status registers, result C/H/R/N table, polling after
 * reset); SeaBIOS src/hw/floppy.c for what the BIOS relies on.
 *
 * Not modelled: non-DMA (PIO) data transfers (with SPECIFY's ND bit set, a data command
 * finds no DMA service and ends with an overrun), READ TRACK, READ/WRITE DELETED DATA,
 * VERIFY, SCAN and RELATIVE SEEK (invalid commands here), the FIFO threshold and
 * precompensation (stored for DUMPREG only), power-down, the motor (a drive reads with
 * its motor off), and disk layouts other than the VD's own format: FORMAT TRACK writes
 * the fill byte over the track's sectors when the format matches the disk's and reports
 * the disk not writable otherwise. A drive with no disk (or a missing drive) reports a
 * missing address mark at once, where a real one would wait for index pulses forever. */
#include "dev/fdc.h"

#include <string.h>

#include "base/err.h"

enum { RATE_500K = 0, RATE_300K = 1, RATE_250K = 2, RATE_1M = 3 };

/* Status register bits. */
enum {
	ST0_AT = 0x40,  /* abnormal termination (IC = 01) */
	ST0_IC = 0x80,  /* invalid command (IC = 10) */
	ST0_SE = 0x20,
	ST0_EC = 0x10,
	ST1_EN = 0x80,
	ST1_DE = 0x20,
	ST1_OR = 0x10,
	ST1_ND = 0x04,
	ST1_NW = 0x02,
	ST1_MA = 0x01,
	ST2_DD = 0x20,
	ST2_WC = 0x10,
	ST2_BC = 0x02,
};
enum { MSR_RQM = 0x80, MSR_DIO = 0x40, MSR_CB = 0x10 };
enum { DOR_NRESET = 0x04, DOR_DMAEN = 0x08 };

const FdcMedia *fdc_media_for(u64 sectors)
{
	return vd_floppy(sectors); /* the one list of floppy formats (vd/geometry.c) */
}

/* ---- Interrupt ---- */

/* In PC-AT mode the INT and DRQ outputs are enabled by DOR bit 3. */
static void update_irq(Fdc *f)
{
	irq_set(&f->irq, f->int_pending && (f->dor & DOR_DMAEN));
}

static void set_int(Fdc *f, bool on)
{
	f->int_pending = on;
	update_irq(f);
}

/* ---- Phases ---- */

static void to_idle(Fdc *f)
{
	f->phase = FDC_PH_IDLE;
	f->cmd_pos = f->cmd_len = 0;
	f->res_pos = f->res_len = 0;
}

static void to_result(Fdc *f, const u8 *res, int n, bool irq)
{
	memcpy(f->res, res, (size_t)n);
	f->res_len = (u8)n;
	f->res_pos = 0;
	f->phase = FDC_PH_RESULT;
	f->res_irq = irq;
	if (irq)
		set_int(f, true);
}

/* Result of a data command: ST0 ST1 ST2 C H R N. */
static void result7(Fdc *f, u8 st0, u8 st1, u8 st2, u8 c, u8 h, u8 r, u8 n)
{
	const u8 res[7] = {st0, st1, st2, c, h, r, n};
	to_result(f, res, 7, true);
}

/* ---- Drives ---- */

/* True when the head of drive dr can read address marks on side hd at the current
 * data rate: a disk is in, the side and track exist, the rate matches, MFM. */
static bool readable(const Fdc *f, const FdcDrive *dr, int hd, bool mfm)
{
	const FdcMedia *m = dr->media;
	return dr->present && dr->vd && m && mfm && hd < m->heads && dr->track < m->cyls &&
	       (m->rates >> f->rate & 1);
}

static void seek_done(void *ctx, u64 now)
{
	FdcDrive *dr = ctx;
	Fdc *f = dr->fdc;
	/* A step pulse with a disk in the drive resets the disk change line. */
	if (dr->track != dr->target && dr->vd)
		dr->changed = false;
	dr->track = dr->target;
	dr->seeking = false;
	/* SEEK and RECALIBRATE end with SE; the head bit in ST0 is always 0. A missing
	 * drive never shows TRK0: recalibrate fails with EC. */
	u8 st0 = (u8)(ST0_SE | dr->unit);
	if (!dr->present && dr->recal) {
		st0 |= ST0_AT | ST0_EC;
		dr->track = 0;
	}
	f->sense_st0[dr->unit] = st0;
	f->sense_pending |= (u8)(1u << dr->unit);
	set_int(f, true);
}

static void start_seek(Fdc *f, int unit, u8 target, bool recal)
{
	FdcDrive *dr = &f->drive[unit];
	dr->recal = recal;
	u32 steps = (u32)(dr->track > target ? dr->track - target : target - dr->track);
	dr->target = target;
	dr->seeking = true;
	timer_arm(&dr->seek_timer, clock_now(f->clk) + FDC_SETTLE_NS + steps * FDC_STEP_NS);
}

/* ---- DMA ---- */

static u32 dma_move(Fdc *f, void *buf, u32 len, bool to_memory, bool *tc)
{
	/* DOR bit 3 gates DRQ; with ND set the controller does not ask for DMA at all. */
	if (!f->dma_fn || !(f->dor & DOR_DMAEN) || (f->spec2 & 1))
		return 0;
	return f->dma_fn(f->dma_ctx, f->dma_chan, buf, len, to_memory, tc);
}

/* A host failure under a data command (the VD manager counts it for the CP's message;
 * the log is for developers). */
static void host_error(const FdcDrive *dr, int r)
{
	log_printf(LOG_WARN, "fdc drive %d (%s): %s", dr->unit, dr->vd->dev, vmcp_strerror(r));
}

/* ---- Data commands ---- */

/* READ DATA / WRITE DATA from sector R to EOT (and on through side 1 with MT) until
 * terminal count. Results as the 82077AA's table: after the last sector transferred,
 * R+1 on the same track, or R=1 on the next side (MT) or next cylinder; an EOT reached
 * without TC is an abnormal end with EN. */
static void exec_rw(Fdc *f, bool write)
{
	u8 *cmd = f->cmd;
	int unit = cmd[1] & 3, hd = cmd[1] >> 2 & 1;
	u8 c = cmd[2], h = cmd[3], r = cmd[4], n = cmd[5], eot = cmd[6];
	bool mt = cmd[0] & 0x80, mfm = cmd[0] & 0x40;
	FdcDrive *dr = &f->drive[unit];
	u8 st0 = (u8)(hd << 2 | unit), st1 = 0, st2 = 0;

	if (!readable(f, dr, hd, mfm)) {
		result7(f, st0 | ST0_AT, ST1_MA, 0, c, h, r, n);
		return;
	}
	if (write && dr->vd->readonly) {
		result7(f, st0 | ST0_AT, ST1_NW, 0, c, h, r, n);
		return;
	}
	const FdcMedia *m = dr->media;
	for (;;) {
		/* The IDs on this track: C = track, H = side, R = 1..spt, N = 2. */
		if (c != dr->track) {
			st0 |= ST0_AT;
			st1 |= ST1_ND;
			st2 |= c == 0xFF ? ST2_BC : ST2_WC;
			break;
		}
		if (h != hd || n != 2 || r < 1 || r > m->spt) {
			st0 |= ST0_AT;
			st1 |= ST1_ND;
			break;
		}
		u64 lba = ((u64)dr->track * m->heads + (u64)hd) * m->spt + r - 1;
		bool tc = false;
		if (write) {
			u32 got = dma_move(f, f->buf, SECTOR_SIZE, false, &tc);
			if (got < SECTOR_SIZE && !tc) {
				st0 |= ST0_AT;
				st1 |= ST1_OR;
				break;
			}
			/* TC inside the sector: the rest of it is written as zeros. */
			memset(f->buf + got, 0, SECTOR_SIZE - got);
			int e = vd_write(dr->vd, lba, 1, f->buf);
			if (e) {
				host_error(dr, e);
				st0 |= ST0_AT | ST0_EC;
				break;
			}
		} else {
			int e = vd_read(dr->vd, lba, 1, f->buf);
			if (e) {
				host_error(dr, e);
				st0 |= ST0_AT;
				st1 |= ST1_DE;
				st2 |= ST2_DD;
				break;
			}
			u32 got = dma_move(f, f->buf, SECTOR_SIZE, true, &tc);
			if (got < SECTOR_SIZE && !tc) {
				st0 |= ST0_AT;
				st1 |= ST1_OR;
				break;
			}
		}
		if (r != eot) {
			r++;
			if (tc)
				break;
			continue;
		}
		/* The end of the track segment. */
		r = 1;
		if (mt && !(hd & 1) && m->heads > 1) {
			hd = 1;
			h ^= 1;
			st0 |= 4;
			if (tc)
				break;
			continue;
		}
		if (mt)
			h ^= 1;
		c++;
		if (!tc) {
			st0 |= ST0_AT;
			st1 |= ST1_EN;
		}
		break;
	}
	result7(f, st0, st1, st2, c, h, r, n);
}

static void exec_read_id(Fdc *f)
{
	int unit = f->cmd[1] & 3, hd = f->cmd[1] >> 2 & 1;
	FdcDrive *dr = &f->drive[unit];
	u8 st0 = (u8)(hd << 2 | unit);
	if (!readable(f, dr, hd, f->cmd[0] & 0x40)) {
		result7(f, st0 | ST0_AT, ST1_MA, 0, dr->track, (u8)hd, 1, 2);
		return;
	}
	/* The ID under the head: the sector the disk has turned to on the virtual clock. */
	u8 spt = dr->media->spt;
	u64 sector_ns = FDC_REV_NS / spt;
	u8 r = (u8)(clock_now(f->clk) / sector_ns % spt + 1);
	result7(f, st0, 0, 0, dr->track, (u8)hd, r, 2);
}

static void exec_format(Fdc *f)
{
	int unit = f->cmd[1] & 3, hd = f->cmd[1] >> 2 & 1;
	u8 n = f->cmd[2], sc = f->cmd[3], fill = f->cmd[5];
	FdcDrive *dr = &f->drive[unit];
	u8 st0 = (u8)(hd << 2 | unit);
	if (!readable(f, dr, hd, f->cmd[0] & 0x40)) {
		result7(f, st0 | ST0_AT, ST1_MA, 0, dr->track, (u8)hd, 1, n);
		return;
	}
	const FdcMedia *m = dr->media;
	if (dr->vd->readonly || n != 2 || sc != m->spt) {
		result7(f, st0 | ST0_AT, ST1_NW, 0, dr->track, (u8)hd, 1, n);
		return;
	}
	u8 ids[4 * 255] = {0}; /* what the DMA callback does not fill reads as zeros */
	bool tc = false;
	u32 want = 4u * sc, got = dma_move(f, ids, want, false, &tc);
	if (got < want) {
		result7(f, st0 | ST0_AT, ST1_OR, 0, dr->track, (u8)hd, 1, n);
		return;
	}
	memset(f->buf, fill, SECTOR_SIZE);
	for (u32 i = 0; i < sc; i++) {
		u8 r = ids[4 * i + 2];
		if (r < 1 || r > m->spt)
			continue;
		u64 lba = ((u64)dr->track * m->heads + (u64)hd) * m->spt + r - 1;
		int e = vd_write(dr->vd, lba, 1, f->buf);
		if (e) {
			host_error(dr, e);
			result7(f, st0 | ST0_AT | ST0_EC, 0, 0, dr->track, (u8)hd, r, n);
			return;
		}
	}
	const u8 *last = &ids[4 * (sc - 1)];
	result7(f, st0, 0, 0, last[0], last[1], last[2], last[3]);
}

/* The reset has run: the polling loop finds every drive "not ready" once. */
static void reset_done(Fdc *f)
{
	to_idle(f);
	for (int i = 0; i < 4; i++)
		f->sense_st0[i] = (u8)(0xC0 | i);
	f->sense_pending = 0x0F;
	set_int(f, true);
}

static void exec_timer(void *ctx, u64 now)
{
	Fdc *f = ctx;
	if (f->phase == FDC_PH_RESET) {
		if (f->dor & DOR_NRESET)
			reset_done(f);
		return;
	}
	if (f->phase != FDC_PH_EXEC)
		return;
	u8 op = f->cmd[0];
	if ((op & 0x1F) == 0x06)
		exec_rw(f, false);
	else if ((op & 0x3F) == 0x05)
		exec_rw(f, true);
	else if ((op & 0xBF) == 0x0A)
		exec_read_id(f);
	else if ((op & 0xBF) == 0x0D)
		exec_format(f);
}

/* ---- Command phase ---- */

/* Bytes in the command (opcode included), or 0 for an invalid opcode. */
static int command_length(u8 op)
{
	if ((op & 0x1F) == 0x06 || (op & 0x3F) == 0x05)
		return 9;
	if ((op & 0xBF) == 0x0A)
		return 2;
	if ((op & 0xBF) == 0x0D)
		return 6;
	if ((op & 0x7F) == 0x14)
		return 1;
	switch (op) {
	case 0x03: return 3; /* SPECIFY */
	case 0x04: return 2; /* SENSE DRIVE STATUS */
	case 0x07: return 2; /* RECALIBRATE */
	case 0x08: return 1; /* SENSE INTERRUPT STATUS */
	case 0x0E: return 1; /* DUMPREG */
	case 0x0F: return 3; /* SEEK */
	case 0x10: return 1; /* VERSION */
	case 0x12: return 2; /* PERPENDICULAR MODE */
	case 0x13: return 4; /* CONFIGURE */
	default: return 0;
	}
}

static void sense_interrupt(Fdc *f)
{
	set_int(f, false);
	for (int i = 0; i < 4; i++) {
		if (f->sense_pending & (1u << i)) {
			f->sense_pending &= (u8)~(1u << i);
			const u8 res[2] = {f->sense_st0[i], f->drive[i].track};
			to_result(f, res, 2, false);
			return;
		}
	}
	const u8 res[1] = {ST0_IC};
	to_result(f, res, 1, false);
}

/* The last command byte arrived: run the command or start its execution phase. */
static void command(Fdc *f)
{
	u8 *cmd = f->cmd, op = cmd[0];
	int unit = cmd[1] & 3;
	FdcDrive *dr = &f->drive[unit];
	switch (command_length(op) == 1 ? op & 0x7F : op) {
	case 0x03: /* SPECIFY */
		f->spec1 = cmd[1];
		f->spec2 = cmd[2];
		to_idle(f);
		return;
	case 0x04: { /* SENSE DRIVE STATUS: ST3 (bits 5 and 3 always 1 on the 82077AA) */
		bool wp = dr->present && (!dr->vd || dr->vd->readonly);
		u8 st3 = (u8)(0x28 | (wp ? 0x40 : 0) | (cmd[1] & 7) |
			      (dr->present && dr->track == 0 ? 0x10 : 0));
		to_result(f, &st3, 1, false);
		return;
	}
	case 0x07: /* RECALIBRATE */
		to_idle(f);
		start_seek(f, unit, 0, true);
		return;
	case 0x0F: /* SEEK */
		to_idle(f);
		start_seek(f, unit, cmd[2], false);
		return;
	case 0x08:
		sense_interrupt(f);
		return;
	case 0x0E: { /* DUMPREG */
		const u8 res[10] = {
			f->drive[0].track, f->drive[1].track, f->drive[2].track, f->drive[3].track,
			f->spec1, f->spec2, f->last_eot,
			(u8)((f->lock ? 0x80 : 0) | (f->perp & 0x3F)),
			(u8)((f->eis ? 0x40 : 0) | (f->efifo ? 0x20 : 0) |
			     (f->poll_off ? 0x10 : 0) | (f->fifothr & 0x0F)),
			f->pretrk};
		to_result(f, res, 10, false);
		return;
	}
	case 0x10: { /* VERSION: an enhanced controller */
		const u8 res[1] = {0x90};
		to_result(f, res, 1, false);
		return;
	}
	case 0x12: /* PERPENDICULAR MODE: OW (bit 7) allows D3-D0 to change */
		if (cmd[1] & 0x80)
			f->perp = cmd[1] & 0x3F;
		else
			f->perp = (u8)((f->perp & 0x3C) | (cmd[1] & 0x03));
		to_idle(f);
		return;
	case 0x13: /* CONFIGURE */
		f->eis = cmd[2] & 0x40;
		f->efifo = cmd[2] & 0x20;
		f->poll_off = cmd[2] & 0x10;
		f->fifothr = cmd[2] & 0x0F;
		f->pretrk = cmd[3];
		to_idle(f);
		return;
	case 0x14: { /* LOCK / UNLOCK */
		f->lock = op & 0x80;
		const u8 res[1] = {(u8)(f->lock ? 0x10 : 0)};
		to_result(f, res, 1, false);
		return;
	}
	default:
		break;
	}
	/* Data commands: an implied seek first (CONFIGURE EIS), then the execution phase. */
	if ((op & 0x1F) == 0x06 || (op & 0x3F) == 0x05) {
		f->last_eot = cmd[6];
		if (f->eis && dr->present && dr->track != cmd[2]) {
			if (dr->vd)
				dr->changed = false;
			dr->track = cmd[2];
		}
	}
	f->phase = FDC_PH_EXEC;
	timer_arm(&f->timer, clock_now(f->clk) + FDC_XFER_NS);
}

static void fifo_write(Fdc *f, u8 v)
{
	if (f->phase == FDC_PH_IDLE) {
		int len = command_length(v);
		f->cmd[0] = v;
		if (!len) {
			const u8 res[1] = {ST0_IC};
			to_result(f, res, 1, false);
			return;
		}
		f->cmd_len = (u8)len;
		f->cmd_pos = 1;
		f->phase = FDC_PH_CMD;
	} else if (f->phase == FDC_PH_CMD) {
		f->cmd[f->cmd_pos++] = v;
	} else {
		return; /* not asking for a byte: lost */
	}
	if (f->cmd_pos >= f->cmd_len)
		command(f);
}

static u8 fifo_read(Fdc *f)
{
	if (f->phase != FDC_PH_RESULT)
		return 0xFF;
	if (f->res_pos == 0 && f->res_irq)
		set_int(f, false); /* reading the result clears its interrupt */
	u8 v = f->res[f->res_pos++];
	if (f->res_pos >= f->res_len)
		to_idle(f);
	return v;
}

static u8 msr(const Fdc *f)
{
	if (f->phase == FDC_PH_RESET)
		return 0;
	u8 v = 0;
	for (int i = 0; i < 4; i++)
		if (f->drive[i].seeking)
			v |= (u8)(1u << i);
	switch (f->phase) {
	case FDC_PH_IDLE: return v | MSR_RQM;
	case FDC_PH_CMD: return v | MSR_RQM | MSR_CB;
	case FDC_PH_EXEC: return v | MSR_CB;
	default: return v | MSR_RQM | MSR_DIO | MSR_CB;
	}
}

/* ---- Reset ---- */

/* Enters reset: the command in progress and pending statuses are lost; CONFIGURE goes
 * back to its defaults except what LOCK protects; PERPENDICULAR MODE's GAP and WGATE
 * clear. SPECIFY values, the data rate and the head positions stay. */
static void enter_reset(Fdc *f)
{
	timer_cancel(&f->timer);
	for (int i = 0; i < 4; i++) {
		if (f->drive[i].seeking) {
			timer_cancel(&f->drive[i].seek_timer);
			f->drive[i].seeking = false;
		}
	}
	to_idle(f);
	f->phase = FDC_PH_RESET;
	f->sense_pending = 0;
	f->eis = false;
	f->poll_off = false;
	if (!f->lock) {
		f->efifo = true;
		f->fifothr = 0;
		f->pretrk = 0;
	}
	f->perp &= 0x3C;
	set_int(f, false);
}

static void leave_reset(Fdc *f)
{
	timer_arm(&f->timer, clock_now(f->clk) + FDC_RESET_NS);
}

/* ---- Ports ---- */

static u32 fdc_read(void *ctx, u16 port, int size)
{
	Fdc *f = ctx;
	const FdcDrive *dr = &f->drive[f->dor & 3];
	switch (port & 7) {
	case 0: /* SRA (PS/2 mode): INT pending, nDRV2, nTRK0, nWP, head, direction */
		return (u32)((f->int_pending ? 0x80 : 0) | (f->drive[1].present ? 0 : 0x40) |
			     (dr->present && dr->track == 0 ? 0 : 0x10) |
			     (dr->present && dr->vd && !dr->vd->readonly ? 0x02 : 0));
	case 1: /* SRB (PS/2 mode): bits 7:6 set, DOR's drive select 0, motors 0 and 1 */
		return (u32)(0xC0 | (f->dor & 1) << 5 | (f->dor >> 4 & 3));
	case 2: return f->dor;
	case 3: return f->tdr;
	case 4: return msr(f);
	case 5: return fifo_read(f);
	case 7: /* DIR: only bit 7 is the 82077AA's in AT mode; the rest floats */
		return (u32)(0x7F | (dr->present && (dr->changed || !dr->vd) ? 0x80 : 0));
	default: return 0xFF;
	}
}

static void fdc_write(void *ctx, u16 port, u32 val, int size)
{
	Fdc *f = ctx;
	u8 v = (u8)val;
	switch (port & 7) {
	case 2: { /* DOR */
		u8 old = f->dor;
		f->dor = v;
		if (!(v & DOR_NRESET) && (old & DOR_NRESET))
			enter_reset(f);
		else if ((v & DOR_NRESET) && !(old & DOR_NRESET))
			leave_reset(f);
		update_irq(f);
		break;
	}
	case 3: f->tdr = v & 3; break;
	case 4: /* DSR: software reset (self-clearing), rate; power down and precompensation
		 * are not modelled */
		f->rate = v & 3;
		if (v & 0x80) {
			enter_reset(f);
			if (f->dor & DOR_NRESET)
				leave_reset(f);
		}
		break;
	case 5: fifo_write(f, v); break;
	case 7: f->rate = v & 3; break; /* CCR */
	default: break;
	}
}

const IoOps fdc_io_ops = {fdc_read, fdc_write, 1, "fdc"};

/* ---- Set-up ---- */

void fdc_init(Fdc *f, Clock *clk)
{
	memset(f, 0, sizeof(*f));
	f->clk = clk;
	timer_init(&f->timer, clk, exec_timer, f, "fdc");
	for (int i = 0; i < 4; i++) {
		f->drive[i].fdc = f;
		f->drive[i].unit = i;
		timer_init(&f->drive[i].seek_timer, clk, seek_done, &f->drive[i], "fdc-seek");
	}
	fdc_reset(f);
}

void fdc_reset(Fdc *f)
{
	timer_cancel(&f->timer);
	for (int i = 0; i < 4; i++) {
		timer_cancel(&f->drive[i].seek_timer);
		f->drive[i].seeking = false;
	}
	f->dor = 0;
	f->tdr = 0;
	f->rate = RATE_250K;
	f->spec1 = f->spec2 = 0;
	f->lock = false;
	f->perp = 0;
	f->last_eot = 0;
	f->int_pending = false;
	enter_reset(f); /* DOR = 0 holds the controller in reset until the BIOS lifts it */
	update_irq(f);
}

int fdc_attach(Fdc *f, int unit, VdDisk *vd)
{
	if (unit < 0 || unit > 3)
		return VMCP_EINVAL;
	const FdcMedia *m = vd ? fdc_media_for(vd->sectors) : NULL;
	if (vd && !m)
		return VMCP_EINVAL;
	FdcDrive *dr = &f->drive[unit];
	dr->present = true;
	dr->vd = vd;
	dr->media = m;
	dr->changed = true; /* the change line is active at power-on */
	return 0;
}

int fdc_change_media(Fdc *f, int unit, VdDisk *vd)
{
	if (unit < 0 || unit > 3)
		return VMCP_EINVAL;
	if (!f->drive[unit].present)
		return VMCP_ENOENT;
	return fdc_attach(f, unit, vd);
}

int fdc_cmos_type(const Fdc *f, int unit)
{
	if (unit < 0 || unit > 3 || !f->drive[unit].present)
		return 0;
	return f->drive[unit].media ? f->drive[unit].media->cmos : 4;
}

void fdc_connect_dma(Fdc *f, FdcDmaFn fn, void *ctx, int chan)
{
	f->dma_fn = fn;
	f->dma_ctx = ctx;
	f->dma_chan = chan;
}
