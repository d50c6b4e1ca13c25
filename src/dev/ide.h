/* ide.h: the IDE/ATA controller of the PIIX3 (two channels, two drives each) with its
 * bus-master DMA engine, and the ATA hard disks on it, each backed by a VD.
 *
 * Wiring (the board file):
 *   primary:   io_map(io, 0x1F0, 8, &ide_cmd_io_ops, &ide->chan[0]);
 *              io_map(io, 0x3F6, 1, &ide_ctl_io_ops, &ide->chan[0]);   IRQ14: chan[0].irq
 *   secondary: io_map(io, 0x170, 8, &ide_cmd_io_ops, &ide->chan[1]);
 *              io_map(io, 0x376, 1, &ide_ctl_io_ops, &ide->chan[1]);   IRQ15: chan[1].irq
 *   bus master (PIIX3 function 1, BAR4, 16 ports, 16-byte aligned):
 *              io_map(io, bar4, 16, &ide_bm_io_ops, ide);
 * The command block takes 1-, 2- and 4-byte accesses (the data port at offset 0 moves
 * one or two 16-bit words; the PIIX3 passes a 32-bit access to it whole); the other
 * registers are bytes (a wider access is handled byte by byte). 0x3F7/0x377 (the old
 * drive address register) are not decoded by the PIIX3: 0x3F7 belongs to the floppy.
 * Drives: ide_attach(ide, channel, unit, vd) before or after ide_reset: an ATA hard disk,
 * or for a VD of type cdrom an ATAPI CD-ROM drive (the PACKET command set; its SCSI/MMC
 * commands are atapi.c's). ide_set_medium changes the disc in a CD-ROM drive. */
#ifndef VMCP_DEV_IDE_H
#define VMCP_DEV_IDE_H

#include "base/base.h"
#include "bus/clock.h"
#include "bus/iobus.h"
#include "bus/irq.h"
#include "bus/membus.h"
#include "dev/atapi.h"
#include "vd/vd.h"

#define IDE_MAX_MULT 16 /* sectors per DRQ block in READ/WRITE MULTIPLE (word 47) */
/* A drive's data buffer: READ/WRITE MULTIPLE blocks, bus-master chunks, and an ATAPI
 * drive's CD blocks (16 of 2048 bytes: the most one PIO DRQ block carries). */
#define IDE_BUF_SIZE (32 * 1024)

/* Virtual time the drive stays busy (BSY) before it answers: after a command is
 * written, between two DRQ blocks, after a soft reset, before a started bus-master
 * transfer is done. Small: enough for a guest to see BSY, then DRQ or INTRQ. */
#define IDE_CMD_NS 2000u
#define IDE_BLOCK_NS 1000u
#define IDE_RESET_NS 10000u
#define IDE_DMA_NS 2000u

/* Status register (ATA): */
enum {
	IDE_ST_ERR = 0x01,
	IDE_ST_DRQ = 0x08,
	IDE_ST_DSC = 0x10,
	IDE_ST_DF = 0x20,
	IDE_ST_DRDY = 0x40,
	IDE_ST_BSY = 0x80,
};
/* Error register: */
enum {
	IDE_ER_AMNF = 0x01,
	IDE_ER_ABRT = 0x04,
	IDE_ER_IDNF = 0x10,
	IDE_ER_UNC = 0x40,
};
/* Device control register: */
enum { IDE_CTL_NIEN = 0x02, IDE_CTL_SRST = 0x04, IDE_CTL_HOB = 0x80 };
/* Bus-master command and status registers (PIIX3 BMICx, BMISx): */
enum {
	IDE_BM_CMD_START = 0x01,
	IDE_BM_CMD_WRITE = 0x08, /* the bus master writes memory (a disk read) */
	IDE_BM_ST_ACTIVE = 0x01,
	IDE_BM_ST_ERROR = 0x02,
	IDE_BM_ST_INTR = 0x04,
	IDE_BM_ST_DMA0 = 0x20, /* drive 0 DMA capable (set by the BIOS) */
	IDE_BM_ST_DMA1 = 0x40,
};

struct IdeChannel;

typedef struct IdeDrive {
	VdDisk *vd; /* NULL: no drive here */
	struct IdeChannel *chan;
	int unit;
	Timer timer;
	char model[41], serial[21], firmware[9];

	/* The task file as this drive latched it: the host's writes reach both drives of
	 * a channel; reads come from the selected one. hob_* are the previous contents
	 * of each LBA48 register (read with HOB set). */
	u8 feature, nsector, lbal, lbam, lbah, device;
	u8 hob_feature, hob_nsector, hob_lbal, hob_lbam, hob_lbah;
	u8 status, error;
	bool intrq; /* interrupt pending: cleared by reading Status or a new command */

	/* Settings: default translation (IDENTIFY words 1/3/6) and the current one set by
	 * INITIALIZE DEVICE PARAMETERS (words 54-58). */
	u16 cyls, heads, spt;
	u32 cur_cyls;
	u16 cur_heads, cur_spt;
	bool cur_valid;
	u8 mult;      /* READ/WRITE MULTIPLE block size, 0 = disabled */
	u8 pio_mode;  /* selected by SET FEATURES 03h */
	s8 mwdma_mode; /* -1: none selected */
	bool wcache, lookahead, keep_settings;
	u8 power;     /* IDE_PWR_* */

	/* An ATAPI CD-ROM drive (the PACKET command feature set) and its command set. */
	bool packet;
	Atapi atapi;
	u8 cdb[ATAPI_CDB_LEN];
	bool packet_dma;  /* PACKET with the DMA bit: the data moves by the bus master */
	u16 bc_limit;     /* byte count limit of a PIO data-in command (LBA mid/high) */
	u64 xfer_left;    /* bytes of the command's data not yet moved */
	u32 fill;         /* bytes of data in buf (len: the end of the current DRQ block) */
	u32 rd_lba, rd_left; /* CD blocks still to read into buf */

	/* The command in progress. */
	u8 cmd;
	u8 phase;       /* IDE_PH_* */
	u8 pend_error;  /* error found when the command was written, delivered after BSY */
	bool lba48, chs;
	u64 lba;        /* next sector to transfer */
	u32 remain;     /* sectors left */
	u32 block;      /* sectors in the current DRQ block or DMA chunk (ATAPI: bytes) */
	u32 pos, len;   /* byte cursor in buf, and the end of the block it moves */
	u8 buf[IDE_BUF_SIZE + 2]; /* 2: an odd-length ATAPI reply read by words */
} IdeDrive;

typedef struct IdeChannel {
	IdeDrive drive[2];
	int index; /* 0 primary, 1 secondary */
	int sel;   /* DEV bit of the Device register: which drive answers */
	u8 devctl;
	IrqLine irq;   /* INTRQ: IRQ14 (primary) or IRQ15 (secondary), edge on the 8259 */
	int irq_level;
	Clock *clk;
	MemBus *mem;

	/* Bus master (PIIX3 BMIDE registers of this channel). */
	u8 bm_cmd, bm_status;
	u32 bm_prd;       /* descriptor table pointer, dword aligned */
	u32 prd_next;     /* next descriptor to fetch */
	u32 prd_addr;     /* memory address of the current region */
	u32 prd_left;     /* bytes left in the current region (0: fetch the next) */
	bool prd_last;    /* the current region is the table's last (EOT) */
	bool prd_done;    /* the EOT region is used up: the table is exhausted */
	Timer dma_timer;
} IdeChannel;

typedef struct Ide {
	IdeChannel chan[2];
} Ide;

enum { IDE_PWR_ACTIVE = 0, IDE_PWR_STANDBY = 1, IDE_PWR_SLEEP = 2 };

/* Sets up both channels with no drives, at power-on state. mem is the bus the
 * bus-master engine reads and writes (may be NULL if DMA is never used). */
void ide_init(Ide *ide, Clock *clk, MemBus *mem);

/* Hardware reset (power-on / system reset): drives back to their defaults, ready. */
void ide_reset(Ide *ide);

/* Attaches vd as drive unit (0 master, 1 slave) of channel chan, or detaches it when
 * vd is NULL. The default geometry comes from vd->geom, or the standard translation
 * (16 heads, 63 sectors). Returns 0, or VMCP_EINVAL for a bad channel/unit or an empty
 * VD. */
int ide_attach(Ide *ide, int chan, int unit, VdDisk *vd);

/* Fills the 256 IDENTIFY DEVICE words of a drive (IDENTIFY PACKET DEVICE for an ATAPI
 * drive), for tests and `query`. */
void ide_identify(const IdeDrive *d, u16 words[256]);

/* Puts a disc of `bytes` (0: none) in the CD-ROM drive unit of channel chan: the guest
 * then sees NOT READY without a disc, UNIT ATTENTION (medium changed) and the new
 * capacity with one. Returns 0; VMCP_EINVAL if no CD-ROM drive is there; VMCP_EBUSY if
 * the drive holds a disc whose removal the guest prevents (PREVENT ALLOW MEDIUM
 * REMOVAL) and force is false. */
int ide_set_medium(Ide *ide, int chan, int unit, u64 bytes, bool force);

extern const IoOps ide_cmd_io_ops; /* 8 ports, ctx IdeChannel */
extern const IoOps ide_ctl_io_ops; /* 1 port, ctx IdeChannel */
extern const IoOps ide_bm_io_ops;  /* 16 ports, ctx Ide */

#endif
