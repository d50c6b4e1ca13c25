/* atapi.c: the command set of VMCP's ATAPI CD-ROM drive, a read-only MMC drive with a
 * tray, holding at most one single-session data disc (one mode 1 track at LBA 0).
 *
 * Commands (opcode: reference): TEST UNIT READY 00h, REQUEST SENSE 03h, INQUIRY 12h,
 * START STOP UNIT 1Bh, PREVENT ALLOW MEDIUM REMOVAL 1Eh (SPC-3, SBC-2); READ CAPACITY
 * 25h, READ (10) 28h, SEEK (10) 2Bh, READ TOC/PMA/ATIP 43h (formats 0, 1, 2), GET
 * CONFIGURATION 46h, GET EVENT STATUS NOTIFICATION 4Ah (polled, media class), READ DISC
 * INFORMATION 51h, READ TRACK INFORMATION 52h, MODE SENSE (10) 5Ah (pages 01h, 0Dh,
 * 2Ah, 3Fh), READ (12) A8h, SET CD SPEED BBh, MECHANISM STATUS BDh (MMC-5). Every other
 * opcode ends in CHECK CONDITION, ILLEGAL REQUEST, INVALID COMMAND OPERATION CODE
 * (05/20/00).
 *
 * The sense rules (SPC-3 5.9, MMC-5 4.1.6): a pending unit attention (29h after power-on
 * or reset, 28h after the host put a disc in) ends the next command other than INQUIRY,
 * REQUEST SENSE, GET CONFIGURATION and GET EVENT STATUS NOTIFICATION with UNIT ATTENTION
 * and is then cleared; a command that needs the disc without one ends NOT READY, MEDIUM
 * NOT PRESENT (02/3A/01 tray closed, 02/3A/02 tray open); an address past the disc ends
 * ILLEGAL REQUEST, LOGICAL BLOCK ADDRESS OUT OF RANGE (05/21/00); a bad field ILLEGAL
 * REQUEST, INVALID FIELD IN CDB (05/24/00). The sense data of a command stays for
 * REQUEST SENSE until the next command.
 *
 * Not modelled: audio (PLAY, READ SUB-CHANNEL, READ CD), writing, DVD structures, MODE
 * SELECT (every page is unchangeable), changers, asynchronous notification, power
 * conditions (the drive is always active). */
#include "dev/atapi.h"

#include <string.h>

#include "base/err.h"

/* Additional sense codes (SPC-3 annex D). */
enum {
	ASC_INVALID_OPCODE = 0x20,
	ASC_LBA_OUT_OF_RANGE = 0x21,
	ASC_INVALID_FIELD = 0x24,
	ASC_MEDIUM_CHANGED = 0x28, /* NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED */
	ASC_POWER_ON = 0x29,       /* POWER ON, RESET, OR BUS DEVICE RESET OCCURRED */
	ASC_SAVING_UNSUPPORTED = 0x39,
	ASC_NO_MEDIUM = 0x3A,      /* ASCQ 01h tray closed, 02h tray open */
	ASC_UNRECOVERED_READ = 0x11,
	ASC_REMOVAL_PREVENTED = 0x53, /* ASCQ 02h: MEDIUM REMOVAL PREVENTED */
};

/* The profile of a CD-ROM disc (MMC-5 table 89). */
#define PROFILE_CDROM 0x0008

static void set_sense(Atapi *a, u8 key, u8 asc, u8 ascq)
{
	a->sense_key = key;
	a->asc = asc;
	a->ascq = ascq;
}

static void check(Atapi *a, AtapiReply *r, u8 key, u8 asc, u8 ascq)
{
	set_sense(a, key, asc, ascq);
	r->check = true;
}

void atapi_init(Atapi *a, VdDisk *vd, u64 bytes)
{
	memset(a, 0, sizeof(*a));
	a->vd = vd;
	atapi_set_medium(a, bytes);
	atapi_reset(a);
}

void atapi_reset(Atapi *a)
{
	a->tray_open = false;
	a->locked = false;
	set_sense(a, ATAPI_SK_NO_SENSE, 0, 0);
	a->ua_asc = ASC_POWER_ON;
}

void atapi_set_medium(Atapi *a, u64 bytes)
{
	u64 max = a->vd ? a->vd->sectors * SECTOR_SIZE : 0;
	u64 blocks = MIN(bytes, max) / ATAPI_BLOCK;
	bool had = atapi_has_medium(a);
	a->blocks = (u32)MIN(blocks, (u64)UINT32_MAX);
	a->tray_open = false; /* the host closed the tray over the new disc (or none) */
	if (a->blocks) {
		a->ua_asc = a->ua_asc == ASC_POWER_ON ? ASC_POWER_ON : ASC_MEDIUM_CHANGED;
		a->event = 2; /* NewMedia */
	} else if (had) {
		a->event = 3; /* MediaRemoval */
	}
}

bool atapi_read(Atapi *a, u32 lba, u32 n, u8 *buf)
{
	int r = vd_read(a->vd, (u64)lba * (ATAPI_BLOCK / SECTOR_SIZE), n * (ATAPI_BLOCK / SECTOR_SIZE), buf);
	if (r) {
		log_printf(LOG_WARN, "cdrom %s: read at block %u: %s", a->vd->dev, lba, vmcp_strerror(r));
		set_sense(a, ATAPI_SK_MEDIUM_ERROR, ASC_UNRECOVERED_READ, 0);
		return false;
	}
	return true;
}

/* ---- Replies ---- */

/* Fixed-format sense data (SPC-3 4.5.3): 18 bytes. */
static u32 reply_sense(const Atapi *a, u8 *b)
{
	memset(b, 0, 18);
	b[0] = 0x70; /* current error, fixed format */
	b[2] = a->sense_key;
	b[7] = 10;   /* additional sense length */
	b[12] = a->asc;
	b[13] = a->ascq;
	return 18;
}

static void put_text(u8 *p, const char *s, size_t n)
{
	size_t k = strlen(s);
	for (size_t i = 0; i < n; i++)
		p[i] = (u8)(i < k ? s[i] : ' ');
}

/* INQUIRY (SPC-3 6.4): standard data, or the vital product data pages 00h and 80h. */
static u32 reply_inquiry(Atapi *a, const u8 *cdb, u8 *b, AtapiReply *r)
{
	bool evpd = cdb[1] & 1;
	u8 page = cdb[2];
	if (!evpd && page) {
		check(a, r, ATAPI_SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
		return 0;
	}
	if (evpd) {
		memset(b, 0, 4);
		b[0] = 0x05;
		b[1] = page;
		if (page == 0x00) { /* supported pages */
			b[3] = 2;
			b[4] = 0x00;
			b[5] = 0x80;
			return 6;
		}
		if (page == 0x80) { /* unit serial number */
			b[3] = 8;
			memcpy(b + 4, "VMCP", 4);
			memcpy(b + 8, a->vd->dev, 3);
			b[11] = ' ';
			return 12;
		}
		check(a, r, ATAPI_SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
		return 0;
	}
	memset(b, 0, 36);
	b[0] = 0x05; /* peripheral device type: CD/DVD */
	b[1] = 0x80; /* RMB: removable medium */
	b[2] = 0x05; /* SPC-3 */
	b[3] = 0x02; /* response data format 2 */
	b[4] = 36 - 5;
	put_text(b + 8, "VMCP", 8);
	put_text(b + 16, "VMCP CD-ROM", 16);
	put_text(b + 32, "1.0", 4);
	return 36;
}

/* The mode pages (MMC-5 7.2): read error recovery 01h, CD device parameters 0Dh, and
 * the capabilities and mechanical status page 2Ah. pc 1 (changeable values) gives
 * zeros: nothing can be changed. Returns the page's length, 0 for an unknown page. */
static u32 mode_page(const Atapi *a, u8 page, int pc, u8 *b)
{
	u32 n;
	switch (page) {
	case 0x01:
		n = 8;
		memset(b, 0, n);
		b[0] = 0x01;
		b[1] = 6;
		if (pc != 1)
			b[3] = 5; /* read retry count */
		return n;
	case 0x0D:
		n = 8;
		memset(b, 0, n);
		b[0] = 0x0D;
		b[1] = 6;
		if (pc != 1) {
			put_be16(b + 4, 60); /* S units per M unit of MSF addresses */
			put_be16(b + 6, 75); /* F units per S unit */
		}
		return n;
	case 0x2A:
		n = 20;
		memset(b, 0, n);
		b[0] = 0x2A;
		b[1] = (u8)(n - 2);
		if (pc == 1)
			return n;
		b[4] = 0x40;  /* multi-session */
		/* Tray loading mechanism, eject (START STOP UNIT), lock and its state. */
		b[6] = (u8)(0x20 | 0x08 | 0x01 | (a->locked ? 0x02 : 0));
		put_be16(b + 8, 24 * 176);  /* maximum read speed, kB/s (24x) */
		put_be16(b + 10, 256);      /* volume levels */
		put_be16(b + 12, 512);      /* buffer, KiB */
		put_be16(b + 14, 24 * 176); /* current read speed */
		return n;
	default:
		return 0;
	}
}

/* MODE SENSE (10) (SPC-3 6.10): an 8-byte header without block descriptors, then the
 * page (or every page for 3Fh). */
static u32 reply_mode_sense(Atapi *a, const u8 *cdb, u8 *b, AtapiReply *r)
{
	int pc = cdb[2] >> 6;
	u8 page = cdb[2] & 0x3F, subpage = cdb[3];
	if (pc == 3) {
		check(a, r, ATAPI_SK_ILLEGAL_REQUEST, ASC_SAVING_UNSUPPORTED, 0);
		return 0;
	}
	u32 n = 8;
	if (subpage == 0 && page == 0x3F) {
		static const u8 all[] = {0x01, 0x0D, 0x2A};
		for (size_t i = 0; i < ARRAY_SIZE(all); i++)
			n += mode_page(a, all[i], pc, b + n);
	} else if (subpage == 0) {
		n += mode_page(a, page, pc, b + n);
	}
	if (n == 8) {
		check(a, r, ATAPI_SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
		return 0;
	}
	memset(b, 0, 8);
	put_be16(b, (u16)(n - 2)); /* mode data length: what follows this field */
	return n;
}

/* An LBA as MSF (minutes, seconds, frames, 2 s of lead-in before block 0) in 4 bytes. */
static void put_addr(u8 *p, u32 lba, bool msf)
{
	if (!msf) {
		put_be32(p, lba);
		return;
	}
	u32 f = lba + 150;
	p[0] = 0;
	p[1] = (u8)MIN(f / (75 * 60), 255u);
	p[2] = (u8)(f / 75 % 60);
	p[3] = (u8)(f % 75);
}

/* READ TOC/PMA/ATIP (MMC-5 6.26). The format is in byte 2, or for older hosts in bits
 * 7:6 of byte 9 (Linux's sr asks for the session info that way). */
static u32 reply_toc(Atapi *a, const u8 *cdb, u8 *b, AtapiReply *r)
{
	bool msf = cdb[1] & 2;
	int format = cdb[2] & 0x0F;
	u8 track = cdb[6];
	if (!format)
		format = cdb[9] >> 6;
	u32 n = 4;
	switch (format) {
	case 0: /* the TOC: track 1 (data, control 4, ADR 1) and the lead-out (AAh) */
		if (track > 1 && track != 0xAA)
			break;
		if (track <= 1) {
			memset(b + n, 0, 8);
			b[n + 1] = 0x14;
			b[n + 2] = 1;
			put_addr(b + n + 4, 0, msf);
			n += 8;
		}
		memset(b + n, 0, 8);
		b[n + 1] = 0x14;
		b[n + 2] = 0xAA;
		put_addr(b + n + 4, a->blocks, msf);
		n += 8;
		b[2] = 1; /* first and last track */
		b[3] = 1;
		put_be16(b, (u16)(n - 2));
		return n;
	case 1: /* session information: one session, track 1 at LBA 0 */
		memset(b + n, 0, 8);
		b[n + 1] = 0x14;
		b[n + 2] = 1;
		put_addr(b + n + 4, 0, msf);
		n += 8;
		b[2] = 1;
		b[3] = 1;
		put_be16(b, (u16)(n - 2));
		return n;
	case 2: { /* the full TOC of session 1, always MSF: points A0h, A1h, A2h, 01h */
		static const u8 point[] = {0xA0, 0xA1, 0xA2, 0x01};
		for (size_t i = 0; i < ARRAY_SIZE(point); i++) {
			u8 *d = b + n;
			memset(d, 0, 11);
			d[0] = 1;    /* session */
			d[1] = 0x14; /* ADR 1, data track */
			d[3] = point[i];
			if (point[i] == 0xA0) {
				d[8] = 1;    /* first track */
				d[9] = 0x00; /* disc type: CD-DA or CD-ROM */
			} else if (point[i] == 0xA1) {
				d[8] = 1;    /* last track */
			} else {
				put_addr(d + 7, point[i] == 0xA2 ? a->blocks : 0, true);
			}
			n += 11;
		}
		b[2] = 1; /* first and last session */
		b[3] = 1;
		put_be16(b, (u16)(n - 2));
		return n;
	}
	default:
		break;
	}
	check(a, r, ATAPI_SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
	return 0;
}

/* One feature descriptor (MMC-5 5.2): number, version, persistent and current bits,
 * and len bytes of data. Returns its size. */
static u32 feature(u8 *p, u16 code, u8 version, bool persistent, bool current, const u8 *data, u8 len)
{
	put_be16(p, code);
	p[2] = (u8)(version << 2 | (persistent ? 2 : 0) | (current ? 1 : 0));
	p[3] = len;
	memcpy(p + 4, data, len);
	return 4u + len;
}

/* GET CONFIGURATION (MMC-5 6.6): the feature header and the features from the starting
 * number (RT 0: all, 1: the current ones, 2: that one alone). */
static u32 reply_config(Atapi *a, const u8 *cdb, u8 *b, AtapiReply *r)
{
	int rt = cdb[1] & 3;
	u16 start = get_be16(cdb + 2);
	if (rt == 3) {
		check(a, r, ATAPI_SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
		return 0;
	}
	bool disc = atapi_has_medium(a);
	u8 d[8];
	u32 n = 8;
	for (u16 code = 0; code <= 0x100; code++) {
		if (code < start || (rt == 2 && code != start))
			continue;
		u32 k = 0;
		bool cur = true;
		memset(d, 0, sizeof(d));
		switch (code) {
		case 0x0000: /* profile list: CD-ROM, current with a disc in */
			put_be16(d, PROFILE_CDROM);
			d[2] = disc;
			k = feature(b + n, code, 0, true, true, d, 4);
			break;
		case 0x0001: /* core: ATAPI, device busy events */
			put_be32(d, 2);
			d[4] = 1;
			k = feature(b + n, code, 1, true, true, d, 8);
			break;
		case 0x0002: /* morphing: operational change events */
			d[0] = 2;
			k = feature(b + n, code, 1, true, true, d, 4);
			break;
		case 0x0003: /* removable medium: tray, eject, lock */
			d[0] = 0x20 | 0x08 | 0x01 | (a->locked ? 0x04 : 0);
			k = feature(b + n, code, 0, true, true, d, 4);
			break;
		case 0x0010: /* random readable, 2048-byte blocks */
			cur = disc;
			put_be32(d, ATAPI_BLOCK);
			put_be16(d + 4, 1);
			k = feature(b + n, code, 0, false, cur, d, 8);
			break;
		case 0x001E: /* CD read */
			cur = disc;
			k = feature(b + n, code, 2, false, cur, d, 4);
			break;
		case 0x0100: /* power management */
			k = feature(b + n, code, 0, true, true, d, 0);
			break;
		default:
			break;
		}
		if (rt == 1 && !cur)
			k = 0; /* written, but not kept */
		n += k;
	}
	memset(b, 0, 8);
	put_be32(b, n - 4);
	put_be16(b + 6, disc ? PROFILE_CDROM : 0);
	return n;
}

/* GET EVENT STATUS NOTIFICATION (MMC-5 6.7), polled only: the media class, whose event
 * is reported once. */
static u32 reply_events(Atapi *a, const u8 *cdb, u8 *b, AtapiReply *r)
{
	if (!(cdb[1] & 1)) { /* asynchronous operation is not supported */
		check(a, r, ATAPI_SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
		return 0;
	}
	b[3] = 0x10; /* supported: the media class */
	if (!(cdb[4] & 0x10)) {
		put_be16(b, 2);
		b[2] = 0x80; /* NEA: no event of a requested class */
		return 4;
	}
	put_be16(b, 6);
	b[2] = 4; /* media class */
	b[4] = a->event;
	b[5] = (u8)((atapi_has_medium(a) ? 2 : 0) | (a->tray_open ? 1 : 0));
	b[6] = b[7] = 0;
	a->event = 0;
	return 8;
}

/* READ DISC INFORMATION (MMC-5 6.22): a finalized disc, one session, one track. */
static u32 reply_disc_info(Atapi *a, const u8 *cdb, u8 *b, AtapiReply *r)
{
	if (cdb[1] & 7) {
		check(a, r, ATAPI_SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
		return 0;
	}
	memset(b, 0, 34);
	put_be16(b, 32);
	b[2] = 0x0E; /* last session complete, disc complete (finalized) */
	b[3] = 1;    /* first track on the disc */
	b[4] = 1;    /* sessions */
	b[5] = 1;    /* first and last track in the last session */
	b[6] = 1;
	b[8] = 0x00; /* disc type: CD-DA or CD-ROM */
	put_be32(b + 16, 0xFFFFFFFFu); /* no lead-in to come: none recordable */
	put_be32(b + 20, 0xFFFFFFFFu);
	return 34;
}

/* READ TRACK INFORMATION (MMC-5 6.27): track 1, by LBA, track or session number. */
static u32 reply_track_info(Atapi *a, const u8 *cdb, u8 *b, AtapiReply *r)
{
	u32 v = get_be32(cdb + 2);
	bool ok;
	switch (cdb[1] & 3) {
	case 0: ok = v < a->blocks; break;
	case 1: case 2: ok = v == 1; break;
	default: ok = false; break;
	}
	if (!ok) {
		check(a, r, ATAPI_SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
		return 0;
	}
	memset(b, 0, 36);
	put_be16(b, 34);
	b[2] = 1;    /* track */
	b[3] = 1;    /* session */
	b[5] = 0x04; /* track mode: data, uninterrupted */
	b[6] = 0x01; /* data mode 1 */
	put_be32(b + 8, 0);         /* start */
	put_be32(b + 24, a->blocks); /* size */
	return 36;
}

/* START STOP UNIT (SBC-2 5.17): LoEj with Start clear opens the tray (refused while the
 * guest prevents removal), with Start set closes it; without LoEj nothing to do. */
static void start_stop(Atapi *a, const u8 *cdb, AtapiReply *r)
{
	bool start = cdb[4] & 1, loej = cdb[4] & 2;
	if (!loej)
		return;
	if (!start) {
		if (a->locked) {
			check(a, r, ATAPI_SK_ILLEGAL_REQUEST, ASC_REMOVAL_PREVENTED, 2);
			return;
		}
		if (!a->tray_open && a->blocks)
			a->event = 3; /* MediaRemoval */
		a->tray_open = true;
	} else if (a->tray_open) {
		a->tray_open = false;
		if (a->blocks) {
			a->ua_asc = ASC_MEDIUM_CHANGED;
			a->event = 2;
		}
	}
}

/* ---- Dispatch ---- */

/* Whether a command runs while a unit attention is pending (SPC-3 5.9, MMC-5 4.1.6). */
static bool ignores_ua(u8 op)
{
	return op == 0x12 || op == 0x03 || op == 0x46 || op == 0x4A;
}

/* Whether a command needs a readable disc. */
static bool needs_medium(u8 op)
{
	switch (op) {
	case 0x00: case 0x25: case 0x28: case 0x2B: case 0x43: case 0x51: case 0x52: case 0xA8:
		return true;
	default:
		return false;
	}
}

static bool known(u8 op)
{
	switch (op) {
	case 0x00: case 0x03: case 0x12: case 0x1B: case 0x1E: case 0x25: case 0x28: case 0x2B:
	case 0x43: case 0x46: case 0x4A: case 0x51: case 0x52: case 0x5A: case 0xA8: case 0xBB:
	case 0xBD:
		return true;
	default:
		return false;
	}
}

/* The allocation length field of each command with a data-in reply. */
static u32 alloc_len(const u8 *cdb)
{
	switch (cdb[0]) {
	case 0x03: case 0x12: return cdb[4] | (cdb[0] == 0x12 ? (u32)cdb[3] << 8 : 0);
	case 0xBD: return get_be16(cdb + 8);
	case 0x25: return 8;
	default: return get_be16(cdb + 7);
	}
}

void atapi_command(Atapi *a, const u8 cdb[ATAPI_CDB_LEN], u8 *buf, AtapiReply *r)
{
	u8 op = cdb[0];
	memset(r, 0, sizeof(*r));
	u8 key = a->sense_key, asc = a->asc, ascq = a->ascq; /* for REQUEST SENSE */
	set_sense(a, ATAPI_SK_NO_SENSE, 0, 0);
	if (a->ua_asc && !ignores_ua(op)) {
		check(a, r, ATAPI_SK_UNIT_ATTENTION, a->ua_asc, 0);
		a->ua_asc = 0;
		return;
	}
	if (!known(op)) {
		check(a, r, ATAPI_SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE, 0);
		return;
	}
	if (needs_medium(op) && !atapi_has_medium(a)) {
		check(a, r, ATAPI_SK_NOT_READY, ASC_NO_MEDIUM, a->tray_open ? 2 : 1);
		return;
	}
	u32 n = 0;
	switch (op) {
	case 0x00: /* TEST UNIT READY */
	case 0xBB: /* SET CD SPEED: any speed is the one speed */
		break;
	case 0x03: /* REQUEST SENSE: the last command's sense, else a unit attention */
		if (cdb[1] & 1) { /* descriptor format is not supported */
			check(a, r, ATAPI_SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
			return;
		}
		if (key == ATAPI_SK_NO_SENSE && a->ua_asc) {
			key = ATAPI_SK_UNIT_ATTENTION;
			asc = a->ua_asc;
			ascq = 0;
			a->ua_asc = 0;
		}
		set_sense(a, key, asc, ascq);
		n = reply_sense(a, buf);
		set_sense(a, ATAPI_SK_NO_SENSE, 0, 0);
		break;
	case 0x12: /* INQUIRY */
		n = reply_inquiry(a, cdb, buf, r);
		break;
	case 0x1B: /* START STOP UNIT */
		start_stop(a, cdb, r);
		break;
	case 0x1E: /* PREVENT ALLOW MEDIUM REMOVAL: bit 0 of byte 4 */
		a->locked = cdb[4] & 1;
		break;
	case 0x25: /* READ CAPACITY: the last block and the block size */
		put_be32(buf, a->blocks - 1);
		put_be32(buf + 4, ATAPI_BLOCK);
		n = 8;
		break;
	case 0x28: case 0xA8: { /* READ (10), READ (12) */
		u32 lba = get_be32(cdb + 2);
		u32 count = op == 0x28 ? get_be16(cdb + 7) : get_be32(cdb + 6);
		if ((u64)lba + count > a->blocks) {
			check(a, r, ATAPI_SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
			return;
		}
		r->lba = lba;
		r->count = count;
		return;
	}
	case 0x2B: /* SEEK (10) */
		if (get_be32(cdb + 2) >= a->blocks)
			check(a, r, ATAPI_SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
		return;
	case 0x43: n = reply_toc(a, cdb, buf, r); break;
	case 0x46: n = reply_config(a, cdb, buf, r); break;
	case 0x4A: n = reply_events(a, cdb, buf, r); break;
	case 0x51: n = reply_disc_info(a, cdb, buf, r); break;
	case 0x52: n = reply_track_info(a, cdb, buf, r); break;
	case 0x5A: n = reply_mode_sense(a, cdb, buf, r); break;
	case 0xBD: /* MECHANISM STATUS: no changer, the tray's state, no slot tables */
		memset(buf, 0, 8);
		buf[1] = a->tray_open ? 0x10 : 0;
		n = 8;
		break;
	default:
		break;
	}
	if (r->check)
		return;
	assert(n <= ATAPI_REPLY_MAX);
	r->len = MIN(n, alloc_len(cdb));
}
