/* atapi.h: the command set of the ATAPI CD-ROM drive: what a 12-byte SCSI/MMC command
 * block (CDB) asks and what the drive answers, the sense data, the disc in the drive
 * and its tray. The ATA side of the packet interface (the PACKET command, DRQ blocks,
 * the byte count, interrupt reason, bus-master DMA) is ide.c's; it hands each CDB here
 * and moves the reply.
 *
 * The disc is the VD's first `blocks` 2048-byte blocks (the image `vmcp vd import` or
 * the VM command `change` put there); a VD without a disc is an empty drive. */
#ifndef VMCP_DEV_ATAPI_H
#define VMCP_DEV_ATAPI_H

#include "base/base.h"
#include "vd/vd.h"

#define ATAPI_BLOCK 2048u /* bytes in a CD-ROM data block (mode 1 user data) */
#define ATAPI_CDB_LEN 12  /* IDENTIFY PACKET DEVICE word 0 bits 1:0 = 00b */
#define ATAPI_REPLY_MAX 512 /* the longest reply other than READ data */

/* Sense keys (SPC-3 table 27). */
enum {
	ATAPI_SK_NO_SENSE = 0x0,
	ATAPI_SK_NOT_READY = 0x2,
	ATAPI_SK_MEDIUM_ERROR = 0x3,
	ATAPI_SK_ILLEGAL_REQUEST = 0x5,
	ATAPI_SK_UNIT_ATTENTION = 0x6,
};

typedef struct Atapi {
	VdDisk *vd;     /* the VD that holds the disc */
	u32 blocks;     /* 2048-byte blocks of the disc in the drive; 0: no disc */
	bool tray_open; /* the guest ejected it (START STOP UNIT): no medium until loaded */
	bool locked;    /* PREVENT ALLOW MEDIUM REMOVAL: the guest's eject is refused */
	u8 sense_key, asc, ascq; /* the sense data REQUEST SENSE returns */
	u8 ua_asc;      /* a unit attention to report: 29h power on, 28h medium changed, 0 */
	u8 event;       /* a media event for GET EVENT STATUS NOTIFICATION: 0, 2 new, 3 removed */
} Atapi;

/* What a command needs from the transport. */
typedef struct AtapiReply {
	bool check;     /* CHECK CONDITION: the sense data says why; no data moves */
	u32 len;        /* bytes of reply data in the buffer (cut to the allocation length) */
	u32 lba, count; /* READ (10)/(12): count blocks from lba, fetched by atapi_read */
} AtapiReply;

/* Power-on state of a drive on VD vd holding a disc of `bytes` (0: none; a multiple of
 * 2048 no larger than the VD), with the power-on unit attention pending. */
void atapi_init(Atapi *a, VdDisk *vd, u64 bytes);
/* A hardware reset: tray closed, unlocked, unit attention 29h (power on, reset). */
void atapi_reset(Atapi *a);
/* The host changed the disc (0 bytes: took it out): the guest sees NOT READY without
 * one, and UNIT ATTENTION 28h (medium may have changed) on its next command after a
 * new one is in. */
void atapi_set_medium(Atapi *a, u64 bytes);
/* Runs the command in cdb. The reply goes into buf (at least ATAPI_REPLY_MAX bytes). */
void atapi_command(Atapi *a, const u8 cdb[ATAPI_CDB_LEN], u8 *buf, AtapiReply *r);
/* Reads n blocks from lba of the disc (checked by atapi_command) into buf. Returns
 * true, or false after a host failure with the sense set (MEDIUM ERROR 11h). */
bool atapi_read(Atapi *a, u32 lba, u32 n, u8 *buf);
/* The ATA error register after CHECK CONDITION: the sense key in bits 7:4 (ATA/ATAPI-6
 * 8.21, PACKET error outputs). */
static inline u8 atapi_error_reg(const Atapi *a) { return (u8)(a->sense_key << 4); }
/* True while a disc is readable (in the drive, tray closed). */
static inline bool atapi_has_medium(const Atapi *a) { return a->blocks && !a->tray_open; }

#endif
