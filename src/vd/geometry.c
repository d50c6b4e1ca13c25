/* geometry.c: the shapes a VD can take, one list every layer asks: the floppy formats
 * (`define vd` and the VD settings file accept exactly these sizes, the floppy
 * controller reads exactly these media, docs/commands.md shows the same list) and the
 * BIOS geometry of a disk whose settings file says "auto" (the VD settings file, `query
 * vd`, check's regenerated files and the IDE model's default translation).
 *
 * The floppy formats are the PC's diskette formats (IBM PC AT Technical Reference,
 * diskette parameter table; 2.88M as on the PS/2): 160K is 40 cylinders, 1 side,
 * 8 sectors per track; 180K 40/1/9; 320K 40/2/8; 360K 40/2/9; 720K 80/2/9; 1200K 80/2/15;
 * 1440K 80/2/18; 2880K 80/2/36. The 5.25" formats are read at 250 kb/s in a 360K drive
 * (CMOS type 1) and at 300 kb/s in a 1.2M drive; 720K at 250 kb/s (type 3); 1.2M and
 * 1.44M at 500 kb/s (types 2 and 4); 2.88M at 1 Mb/s (type 5). */
#include <stdio.h>

#include "vd/vd.h"

enum { R500 = 1 << 0, R300 = 1 << 1, R250 = 1 << 2, R1M = 1 << 3 };

static const VdFloppy floppies[] = {
	{320, 40, 1, 8, R250 | R300, 1, "160K"},
	{360, 40, 1, 9, R250 | R300, 1, "180K"},
	{640, 40, 2, 8, R250 | R300, 1, "320K"},
	{720, 40, 2, 9, R250 | R300, 1, "360K"},
	{1440, 80, 2, 9, R250, 3, "720K"},
	{2400, 80, 2, 15, R500, 2, "1200K"},
	{2880, 80, 2, 18, R500, 4, "1440K"},
	{5760, 80, 2, 36, R1M, 5, "2880K"},
};

const VdFloppy *vd_floppy(u64 sectors)
{
	for (size_t i = 0; i < ARRAY_SIZE(floppies); i++)
		if (floppies[i].sectors == sectors)
			return &floppies[i];
	return NULL;
}

void vd_floppy_list(char *buf, size_t n)
{
	size_t k = 0;
	buf[0] = 0;
	for (size_t i = 0; i < ARRAY_SIZE(floppies) && k < n; i++)
		k += (size_t)snprintf(buf + k, n - k, "%s%s", i == 0 ? "" : i + 1 == ARRAY_SIZE(floppies) ? " or " : ", ",
				      floppies[i].name);
}

VdGeometry vd_geometry_auto(VdType type, u64 sectors)
{
	VdGeometry g = {0, 0, 0};
	if (type == VD_TYPE_CDROM)
		return g;
	const VdFloppy *f = type == VD_TYPE_FD ? vd_floppy(sectors) : NULL;
	if (f)
		return (VdGeometry){f->cyls, f->heads, f->spt};
	/* A disk: 16 heads and 63 sectors per track (the ATA limits of CHS addressing) and
	 * as many cylinders as fit, at most 16383; a disk under 504 KiB gets fewer heads,
	 * one under 63 sectors one head of fewer sectors. */
	if (sectors >= 16 * 63) {
		g.heads = 16;
		g.sectors = 63;
		g.cylinders = (u32)MIN(sectors / (16 * 63), 16383);
	} else if (sectors >= 63) {
		g.heads = (u16)(sectors / 63);
		g.sectors = 63;
		g.cylinders = 1;
	} else {
		g.heads = 1;
		g.sectors = (u16)MAX(sectors, 1);
		g.cylinders = 1;
	}
	return g;
}
