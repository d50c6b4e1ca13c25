/* vdconf.c: the VD settings file ("NAME.DEV.vd"), the paper's "VD settings file, which
 * describes the VD's capacity": the owner VM and device, the type the guest sees, the
 * capacity, the geometry the BIOS reports (CMOS/INT 13h cylinders/heads/sectors), and
 * whether the guest may write. It plays the part of a z/VM MDISK statement. Example:
 *
 *     vm = web
 *     device = hda
 *     type = disk
 *     capacity = 2G
 *     geometry = 4161/16/63
 *     readonly = no
 *
 * A CD-ROM VD (type = cdrom, on hda..hdd; read-only, no geometry) also says which disc
 * is in the drive: `medium = none`, or the disc's size (`medium = 3M`), its first
 * blocks; `vmcp vd import` and the VM command `change` set it.
 *
 * Standard floppy formats are those of the PC-AT's diskette BIOS (IBM PC AT Technical
 * Reference, diskette parameter table; 2.88M as on PS/2): 160K 8 sectors per track, 1 side
 * (40 cylinders), 180K 9/1, 320K 8/2, 360K 9/2, 720K 9/2 80 cylinders, 1200K 15/2,
 * 1440K 18/2, 2880K 36/2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "conf/conf.h"
#include "vd/vdconf.h"

VdType vd_type_for_dev(int dev)
{
	return dev == VM_DEV_FDA || dev == VM_DEV_FDB ? VD_TYPE_FD : VD_TYPE_HD;
}

const char *vd_type_name(VdType t)
{
	return t == VD_TYPE_FD ? "floppy" : t == VD_TYPE_CDROM ? "cdrom" : "disk";
}

int vd_type_parse(const char *s)
{
	if (!strcmp(s, "disk"))
		return VD_TYPE_HD;
	if (!strcmp(s, "floppy"))
		return VD_TYPE_FD;
	if (!strcmp(s, "cdrom"))
		return VD_TYPE_CDROM;
	return -1;
}

bool vd_type_fits_dev(VdType t, int dev)
{
	return (t == VD_TYPE_FD) == (vd_type_for_dev(dev) == VD_TYPE_FD);
}

int vd_size_check(VdType type, u64 bytes, char *why, size_t n)
{
	if (bytes == 0 || bytes % SECTOR_SIZE) {
		snprintf(why, n, "a VD's size is a positive multiple of 512 bytes");
		return VMCP_EINVAL;
	}
	if (bytes > VD_MAX_BYTES) {
		snprintf(why, n, "a VD holds at most 2T");
		return VMCP_ERANGE;
	}
	if (type == VD_TYPE_CDROM && bytes % 2048) {
		snprintf(why, n, "a CD-ROM's size is a multiple of its 2048-byte sectors");
		return VMCP_EINVAL;
	}
	if (type == VD_TYPE_FD && !vd_floppy(bytes / SECTOR_SIZE)) {
		char list[120];
		vd_floppy_list(list, sizeof(list));
		snprintf(why, n, "a floppy is %s", list);
		return VMCP_EINVAL;
	}
	if (n)
		why[0] = 0;
	return 0;
}

enum { K_VM, K_DEVICE, K_TYPE, K_CAPACITY, K_GEOMETRY, K_READONLY, K_MEDIUM };
static const char *const vd_keys[] = {"vm", "device", "type", "capacity", "geometry", "readonly",
				      "medium"};

typedef struct VdParse {
	VdConf *c;
	u32 seen;
	bool type_set;
	int line[7];
} VdParse;

/* Parses "C/H/S" with C 1..65535, H 1..255, S 1..63 (the INT 13h/ATA limits). */
static int parse_geometry(const char *s, VdGeometry *g)
{
	unsigned long c, h, sec;
	char tail;
	if (!strcmp(s, "auto")) {
		*g = (VdGeometry){0, 0, 0};
		return 0;
	}
	if (sscanf(s, "%lu/%lu/%lu%c", &c, &h, &sec, &tail) != 3 || s[0] < '0' || s[0] > '9')
		return VMCP_EINVAL;
	if (c < 1 || c > 65535 || h < 1 || h > 255 || sec < 1 || sec > 63)
		return VMCP_ERANGE;
	*g = (VdGeometry){(u32)c, (u16)h, (u16)sec};
	return 0;
}

static int vd_line(void *ctx, const ConfLine *l, ConfErr *e)
{
	VdParse *vp = ctx;
	VdConf *c = vp->c;
	int key = -1;
	for (size_t i = 0; i < ARRAY_SIZE(vd_keys); i++)
		if (!strcmp(l->key, vd_keys[i]))
			key = (int)i;
	if (key < 0)
		return conf_err(e, l->line,
				"unknown key %s (vm, device, type, capacity, geometry, readonly, medium)",
				l->key);
	if (vp->seen & (1u << key))
		return conf_err(e, l->line, "%s is set twice", l->key);
	vp->seen |= 1u << key;
	vp->line[key] = l->line;
	const char *why;
	switch (key) {
	case K_VM:
		if (!vm_name_valid(l->value, &why))
			return conf_err(e, l->line, "vm: %s is not a VM name: %s", l->value, why);
		memcpy(c->vm, l->value, strlen(l->value) + 1); /* at most VM_NAME_MAX */
		return 0;
	case K_DEVICE:
		c->dev = vm_dev_index(l->value);
		if (c->dev < 0)
			return conf_err(e, l->line, "device: unknown device %s (hda, hdb, hdc, hdd, fda, fdb)",
					l->value);
		return 0;
	case K_TYPE: {
		int t = vd_type_parse(l->value);
		if (t < 0)
			return conf_err(e, l->line, "type: %s is not disk, floppy or cdrom", l->value);
		c->type = (VdType)t;
		vp->type_set = true;
		return 0;
	}
	case K_MEDIUM:
		if (!strcmp(l->value, "none")) {
			c->medium = 0;
			return 0;
		}
		if (size_parse(l->value, &c->medium) || !c->medium)
			return conf_err(e, l->line, "medium: %s is neither none nor a size (e.g. 650M)", l->value);
		if (c->medium % 2048)
			return conf_err(e, l->line, "medium: a disc is whole 2048-byte blocks, not %s", l->value);
		return 0;
	case K_CAPACITY: {
		int r = size_parse(l->value, &c->capacity);
		if (r)
			return conf_err(e, l->line, "capacity: %s is not a size (e.g. 2G)", l->value);
		return 0;
	}
	case K_GEOMETRY: {
		int r = parse_geometry(l->value, &c->geom);
		if (r == VMCP_EINVAL)
			return conf_err(e, l->line, "geometry: expected CYLINDERS/HEADS/SECTORS or auto");
		if (r)
			return conf_err(e, l->line, "geometry: out of range (1..65535/1..255/1..63)");
		return 0;
	}
	default:
		if (conf_bool(l->value, &c->readonly))
			return conf_err(e, l->line, "readonly: %s is neither yes nor no", l->value);
		return 0;
	}
}

int vdconf_parse(const char *text, size_t len, VdConf *c, ConfErr *e)
{
	memset(c, 0, sizeof(*c));
	c->dev = -1;
	VdParse vp = {.c = c};
	int r = conf_lex(text, len, vd_line, &vp, e);
	if (r)
		return r;
	for (int k = K_VM; k <= K_CAPACITY; k++)
		if (k != K_TYPE && !(vp.seen & (1u << k)))
			return conf_err(e, 0, "%s is missing", vd_keys[k]);
	if (!vp.type_set)
		c->type = vd_type_for_dev(c->dev);
	if (!vd_type_fits_dev(c->type, c->dev))
		return conf_err(e, vp.line[K_TYPE], "type: %s cannot be a %s", vm_dev_name(c->dev),
				vd_type_name(c->type));
	char why[160];
	if (vd_size_check(c->type, c->capacity, why, sizeof(why)))
		return conf_err(e, vp.line[K_CAPACITY], "capacity: %s", why);
	if (c->type == VD_TYPE_CDROM) {
		if (vp.seen & (1u << K_READONLY) && !c->readonly)
			return conf_err(e, vp.line[K_READONLY], "readonly: a CD-ROM is read-only");
		c->readonly = true;
		if (c->geom.cylinders)
			return conf_err(e, vp.line[K_GEOMETRY], "geometry: a CD-ROM has none (use auto)");
		if (c->medium > c->capacity)
			return conf_err(e, vp.line[K_MEDIUM], "medium: the disc is larger than the capacity");
	} else if (vp.seen & (1u << K_MEDIUM)) {
		return conf_err(e, vp.line[K_MEDIUM], "medium: only a CD-ROM holds a disc");
	}
	u64 chs = (u64)c->geom.cylinders * c->geom.heads * c->geom.sectors;
	if (chs > c->capacity / SECTOR_SIZE)
		return conf_err(e, vp.line[K_GEOMETRY], "geometry: %u/%u/%u is larger than the capacity",
				c->geom.cylinders, c->geom.heads, c->geom.sectors);
	return 0;
}

char *vdconf_format(const VdConf *c)
{
	char cap[32], geom[40];
	size_format(c->capacity, cap, sizeof(cap));
	if (c->geom.cylinders)
		snprintf(geom, sizeof(geom), "%u/%u/%u", c->geom.cylinders, c->geom.heads, c->geom.sectors);
	else
		snprintf(geom, sizeof(geom), "auto");
	size_t cap_n = 512;
	char *out = malloc(cap_n);
	if (!out)
		return NULL;
	char medium[48] = "";
	if (c->type == VD_TYPE_CDROM) {
		char m[32] = "none";
		if (c->medium)
			size_format(c->medium, m, sizeof(m));
		snprintf(medium, sizeof(medium), "medium = %s\n", m);
	}
	snprintf(out, cap_n,
		 "# VMCP VD settings file of VD %s %s (vmcp directory get %s.%s.vd)\n"
		 "vm = %s\ndevice = %s\ntype = %s\ncapacity = %s\ngeometry = %s\nreadonly = %s\n%s",
		 c->vm, vm_dev_name(c->dev), c->vm, vm_dev_name(c->dev), c->vm, vm_dev_name(c->dev),
		 vd_type_name(c->type), cap, geom, c->readonly ? "yes" : "no", medium);
	return out;
}
