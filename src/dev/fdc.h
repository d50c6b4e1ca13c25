/* fdc.h: the Intel 82077AA floppy disk controller (PC-AT mode) and its drives, each
 * disk a VD whose size gives the media type (the formats of vd/geometry.c: 160K to 2880K).
 *
 * Wiring (the board file):
 *   io_map(io, 0x3F0, 6, &fdc_io_ops, fdc);   SRA SRB DOR TDR MSR/DSR FIFO
 *   io_map(io, 0x3F7, 1, &fdc_io_ops, fdc);   DIR/CCR (0x3F6 is the IDE's)
 *   fdc->irq: IRQ6 (edge on the 8259)
 *   fdc_connect_dma(fdc, dma_transfer_cb, dma, 2);   DMA channel 2
 *   CMOS byte 10h: fdc_cmos_type(fdc, 0) << 4 | fdc_cmos_type(fdc, 1)
 * All ports take byte accesses; decoding is port & 7. */
#ifndef VMCP_DEV_FDC_H
#define VMCP_DEV_FDC_H

#include "base/base.h"
#include "bus/clock.h"
#include "bus/iobus.h"
#include "bus/irq.h"
#include "vd/vd.h"

/* Virtual time the controller takes: reset to its interrupt, a data command (READ DATA,
 * WRITE DATA, READ ID, FORMAT TRACK) to its result, a seek per step and to settle. */
#define FDC_RESET_NS 10000u
#define FDC_XFER_NS 50000u
#define FDC_STEP_NS 1000u
#define FDC_SETTLE_NS 10000u
#define FDC_REV_NS 200000000u /* one revolution at 300 rpm (READ ID's sector) */

/* The FDC's DMA request, as the board connects it: moves up to len bytes between buf
 * and memory through channel chan (to_memory: a disk read), returns the bytes moved and
 * sets *tc when the last of them reached terminal count. */
typedef u32 (*FdcDmaFn)(void *ctx, int chan, void *buf, u32 len, bool to_memory, bool *tc);

/* A media format: the floppy formats are the VD layer's one list (vd/vd.h, VdFloppy:
 * geometry, the data rates that read it, the CMOS drive type). */
typedef VdFloppy FdcMedia;

typedef struct FdcDrive {
	bool present;            /* a drive is installed */
	VdDisk *vd;              /* the disk, NULL when the drive is empty */
	const FdcMedia *media;
	u8 track;                /* head position */
	u8 target;               /* seek in progress to this track */
	bool seeking;
	bool recal;              /* the seek is a RECALIBRATE */
	bool changed;            /* the disk change line (DIR bit 7) */
	Timer seek_timer;
	struct Fdc *fdc;
	int unit;
} FdcDrive;

typedef struct Fdc {
	FdcDrive drive[4];       /* the 82077AA selects four; a PC-AT installs two */
	Clock *clk;
	Timer timer;             /* reset and data-command completion */
	IrqLine irq;             /* IRQ6 */
	FdcDmaFn dma_fn;
	void *dma_ctx;
	int dma_chan;

	u8 dor, tdr;
	u8 rate;                 /* data rate code from DSR or CCR */
	u8 phase;                /* FDC_PH_* */
	u8 cmd[9];
	u8 cmd_len, cmd_pos;
	u8 res[10];
	u8 res_len, res_pos;
	bool res_irq;            /* the result phase came with an interrupt */
	bool int_pending;
	u8 sense_pending;        /* drives with a status for SENSE INTERRUPT STATUS */
	u8 sense_st0[4];

	/* SPECIFY, CONFIGURE, PERPENDICULAR MODE, LOCK and what DUMPREG shows. */
	u8 spec1, spec2;         /* SRT/HUT, HLT/ND */
	bool eis, efifo, poll_off, lock;
	u8 fifothr, pretrk;
	u8 perp;                 /* D3-D0 in bits 5:2, GAP bit 1, WGATE bit 0 */
	u8 last_eot;

	u8 buf[SECTOR_SIZE];
} Fdc;

enum { FDC_PH_IDLE, FDC_PH_CMD, FDC_PH_EXEC, FDC_PH_RESULT, FDC_PH_RESET };

/* Power-on state, no drives installed. */
void fdc_init(Fdc *f, Clock *clk);

/* Hardware reset: the controller back to power-on state (drives keep their disks). */
void fdc_reset(Fdc *f);

/* Installs drive unit (0 or 1, up to 3) with disk vd, or empty when vd is NULL.
 * Returns 0, or VMCP_EINVAL for a bad unit or a VD whose size is no floppy format. */
int fdc_attach(Fdc *f, int unit, VdDisk *vd);

/* Changes the disk in an installed drive (NULL ejects); raises the disk change line.
 * Returns 0, VMCP_ENOENT if no drive is installed there, VMCP_EINVAL as fdc_attach. */
int fdc_change_media(Fdc *f, int unit, VdDisk *vd);

/* The media format of a VD of that many sectors, or NULL. */
const FdcMedia *fdc_media_for(u64 sectors);

/* CMOS drive type for unit: its disk's native drive type, 4 (1.44M) for an empty drive,
 * 0 for no drive. */
int fdc_cmos_type(const Fdc *f, int unit);

/* Connects the DMA request (see FdcDmaFn). Without it every transfer overruns. */
void fdc_connect_dma(Fdc *f, FdcDmaFn fn, void *ctx, int chan);

extern const IoOps fdc_io_ops;

#endif
