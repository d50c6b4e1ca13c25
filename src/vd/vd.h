/* vd.h: the VD manager: one virtual disk of a VMBLOCK's VDDATA, and the relocation of
 * guest sector numbers through it to the real disk.
 *
 * A VdDisk is a VD as loaded from its VDD: capacity, the extents on the real disk that
 * hold it (in order: guest sector 0 is the first sector of extent 0), and the backend
 * (the real disk). vd_read/vd_write check bounds on every access: a request that reaches
 * past the VD's last sector fails with VMCP_ERANGE before any byte moves. This check is
 * the isolation boundary between VMs: no other code path gives a device model access to
 * the real disk. */
#ifndef VMCP_VD_VD_H
#define VMCP_VD_VD_H

#include "base/base.h"
#include "vd/backend.h"

#define VD_MAX_EXTENTS 64

typedef struct VdExtent {
	u64 start; /* first real-disk sector (512-byte units) */
	u64 count; /* sectors */
} VdExtent;

/* Geometry the BIOS sees (CMOS / INT 13h); 0 means "let the device model choose". */
typedef struct VdGeometry {
	u32 cylinders;
	u16 heads;
	u16 sectors; /* per track */
} VdGeometry;

/* What the guest sees: a hard disk (ATA), a floppy (FDC) or a CD-ROM (ATAPI, read-only). */
typedef enum VdType { VD_TYPE_HD = 0, VD_TYPE_FD = 1, VD_TYPE_CDROM = 2 } VdType;

typedef struct VdDisk {
	char dev[8];       /* "hda".."hdd", "fda", "fdb" */
	VdType type;
	u64 sectors;       /* capacity; the sum of the extents' counts */
	u64 medium;        /* a CD-ROM: bytes of the disc in the drive, its first blocks (a
			    * multiple of 2048, at most the capacity); 0: no disc */
	VdGeometry geom;
	bool readonly;
	u32 nextents;
	VdExtent extent[VD_MAX_EXTENTS];
	Backend *backend;  /* the real disk; not owned */
	u64 data_start;    /* first sector of the real disk's data area (bounds check) */
	u64 data_end;      /* one past its last sector */
	/* Statistics for `query` and traces. */
	u64 nreads, nwrites, sectors_read, sectors_written;
	/* Host failures (backend errors, not bounds refusals): the guest sees a disk error;
	 * the CP reports them. */
	u64 host_errors;
	int last_host_error; /* its VMCP_E* code */
	/* Optional trace hook: called after each successful access with the guest LBA and
	 * the real-disk sector it was relocated to (one call per extent piece). */
	void (*trace)(void *ctx, const struct VdDisk *vd, bool write, u64 lba, u64 real,
		      u32 count);
	void *trace_ctx;
} VdDisk;

/* A floppy format (geometry.c: the one list of them). */
typedef struct VdFloppy {
	u32 sectors;
	u8 cyls, heads, spt;
	u8 rates; /* data rates that read it: bit 0 500 kb/s, 1 300 kb/s, 2 250 kb/s, 3 1 Mb/s
		   * (bit n: the 82077AA's rate code n) */
	u8 cmos;  /* the CMOS drive type that reads it natively */
	const char *name; /* its size as define vd takes it: "1440K" */
} VdFloppy;
/* The floppy format of that many sectors, or NULL: every layer's test of a floppy size. */
const VdFloppy *vd_floppy(u64 sectors);
/* Every floppy format's name, "160K, 180K, ... or 2880K", into buf (for messages). */
void vd_floppy_list(char *buf, size_t n);
/* The geometry the BIOS sees for a VD of this type and size when its settings file says
 * "auto": a floppy's format; for disks 16 heads, 63 sectors per track and as many
 * cylinders as fit (at most 16383, the ATA limit; smaller disks get fewer heads and
 * sectors); 0/0/0 for a CD-ROM. */
VdGeometry vd_geometry_auto(VdType type, u64 sectors);

/* Fills vd as a single-extent VD of `sectors` sectors starting at real sector `start` of
 * backend b (tests and device fixtures; VMFAT fills VdDisks from VDDs). */
void vd_init_flat(VdDisk *vd, const char *dev, Backend *b, u64 start, u64 sectors);

/* Reads/writes count sectors at guest sector lba. Returns 0; VMCP_ERANGE if any sector
 * is past the end of the VD (nothing is transferred); VMCP_EINVAL for a write to a
 * read-only VD; a backend error (VMCP_EIO, VMCP_ENOSPC) otherwise. */
int vd_read(VdDisk *vd, u64 lba, u32 count, void *buf);
int vd_write(VdDisk *vd, u64 lba, u32 count, const void *buf);
/* Makes count sectors at guest sector lba read as zeros (a hole in a file-backed real
 * disk where the host can), with the same bounds and read-only checks as vd_write. */
int vd_zero(VdDisk *vd, u64 lba, u64 count);
/* Makes every completed write durable (the guest's FLUSH CACHE). */
int vd_flush(VdDisk *vd);

/* Relocates one guest sector: the real-disk sector and how many sectors follow it
 * contiguously inside the same extent. Returns 0 or VMCP_ERANGE. */
int vd_relocate(const VdDisk *vd, u64 lba, u64 *real, u64 *run);

#endif
