/* vdconf.h: the VD settings file of a VD ("NAME.DEV.vd": capacity, BIOS geometry,
 * type, read-only), the paper's "VD settings file, which describes the VD's capacity",
 * in the grammar of conf/conf.h, and the rules of VD sizes, types and geometries that
 * every layer asks. */
#ifndef VMCP_VD_VDCONF_H
#define VMCP_VD_VDCONF_H

#include "base/base.h"
#include "conf/conf.h"
#include "vd/vd.h"

#define VD_MAX_BYTES (2 * TiB)

/* The parsed VD settings file of a VD. */
typedef struct VdConf {
	char vm[VM_NAME_MAX + 1];
	int dev;       /* VM_DEV_* */
	VdType type;
	u64 capacity;  /* bytes, a multiple of 512 */
	VdGeometry geom; /* 0/0/0: "auto", computed by vd_geometry_auto */
	bool readonly;
	u64 medium;    /* a CD-ROM: bytes of the disc in the drive (0: none), a multiple of
			* 2048 no larger than the capacity */
} VdConf;

/* Parses a VD settings file. Returns 0 or VMCP_EINVAL with *e filled. The fields are
 * checked against each other (a floppy's capacity is a standard size, a geometry fits
 * the capacity, a CD-ROM is read-only), not against the directory. */
int vdconf_parse(const char *text, size_t len, VdConf *c, ConfErr *e);
/* A new VD settings file text (malloc'd), or NULL if out of memory. */
char *vdconf_format(const VdConf *c);
/* Checks a VD size for a device type (a floppy: one of vd_floppy's formats): 0, or
 * VMCP_EINVAL/VMCP_ERANGE with the reason in why (n bytes). */
int vd_size_check(VdType type, u64 bytes, char *why, size_t n);
/* The disc a CD-ROM VD holds after an image of `bytes` is put in: the image padded to
 * whole 2048-byte blocks. 0 for an empty image. */
static inline u64 vd_medium_size(u64 bytes) { return (bytes + 2047) / 2048 * 2048; }
/* The type a new VD on device dev gets: floppy for fda/fdb, disk otherwise. */
VdType vd_type_for_dev(int dev);
/* The type as the VD settings file spells it: "disk", "floppy", "cdrom". */
const char *vd_type_name(VdType t);
/* The type named s ("disk", "floppy", "cdrom"), or -1. */
int vd_type_parse(const char *s);
/* Whether a VD of type t may be device dev (floppies on fda/fdb, disks and CD-ROMs on
 * hda..hdd). */
bool vd_type_fits_dev(VdType t, int dev);

#endif
