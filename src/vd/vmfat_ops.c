/* vmfat_ops.c: what the CP commands do to the directory (the paper: "the VDD is written
 * to the real disk by CP commands when the config file and VD settings file are
 * written"): define and delete VMs and VDs, grow a VD, replace a file, and the
 * allocator of the data area.
 *
 * Every operation is one transaction: exclusive directory lock, reload (another vmcp may
 * have changed it), validate, change a copy of the directory, zero and flush any space
 * it gives to a VD, commit, unlock. The config file, the VD settings file and the VDD
 * change in the same generation, so they never disagree on disk.
 *
 * Allocation: whole units (1 MiB, or 64 KiB on disks under 1 GiB). A new VD takes the
 * smallest free extent that holds it whole (best fit keeps large holes large), otherwise
 * the largest free extents in turn, up to VD_MAX_EXTENTS. A growing VD first extends its
 * last extent in place when the space after it is free, so most VDs stay contiguous. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "vd/vmfat.h"
#include "vd/vdconf.h"

typedef struct Gap {
	u64 start, count;
} Gap;

static int cmp_gap(const void *a, const void *b)
{
	const Gap *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* The free extents of the data area: sectors in no VDD extent and no allocation entry
 * (both are honoured, so a damaged table can never hand out a VD's space). Returns the
 * count, or -1 if out of memory; *out is malloc'd. */
static long free_gaps(const VmfatSuper *sb, const VmfatDir *d, Gap **out)
{
	size_t n = d->nalloc;
	for (u32 i = 0; i < d->nvdd; i++)
		n += d->vdd[i].nextents;
	Gap *used = malloc((n + 1) * sizeof(*used));
	Gap *gaps = malloc((n + 1) * sizeof(*gaps));
	if (!used || !gaps) {
		free(used);
		free(gaps);
		return -1;
	}
	n = 0;
	for (u32 i = 0; i < d->nalloc; i++)
		used[n++] = (Gap){d->alloc[i].start, d->alloc[i].count};
	for (u32 i = 0; i < d->nvdd; i++)
		for (u32 k = 0; k < d->vdd[i].nextents; k++)
			used[n++] = (Gap){d->vdd[i].extent[k].start, d->vdd[i].extent[k].count};
	qsort(used, n, sizeof(*used), cmp_gap);
	long ng = 0;
	u64 at = sb->data_start;
	for (size_t i = 0; i < n; i++) {
		u64 s = MAX(used[i].start, sb->data_start), e = MIN(used[i].start + used[i].count, sb->data_end);
		if (s >= e)
			continue;
		if (s > at)
			gaps[ng++] = (Gap){at, s - at};
		at = MAX(at, e);
	}
	if (at < sb->data_end)
		gaps[ng++] = (Gap){at, sb->data_end - at};
	free(used);
	*out = gaps;
	return ng;
}

void vmfat_space(const Vmfat *v, VmfatSpace *s)
{
	memset(s, 0, sizeof(*s));
	s->total = v->sb.data_end - v->sb.data_start;
	Gap *g;
	long n = free_gaps(&v->sb, &v->dir, &g);
	for (long i = 0; i < n; i++) {
		s->free += g[i].count;
		s->largest_free = MAX(s->largest_free, g[i].count);
	}
	if (n >= 0)
		free(g);
	s->nfree = n > 0 ? (u32)n : 0;
	s->used = s->total - s->free;
	for (u32 i = 0; i < v->dir.nvdd; i++)
		s->nused += v->dir.vdd[i].nextents;
}

static void size_text(u64 sectors, char *buf, size_t n)
{
	size_format(sectors * SECTOR_SIZE, buf, n);
}

/* Gives `need` more sectors (whole units) to the VD with extents ext[0..*n): see the
 * file comment. The new ranges go to fresh[] (*nfresh) for zeroing. */
static int allocate(Vmfat *v, const VmfatDir *d, const char *vm, const char *dev, VdExtent *ext,
		    u32 *n, u64 need, VdExtent *fresh, u32 *nfresh)
{
	u64 unit = v->sb.unit_sectors;
	need = (need + unit - 1) / unit * unit;
	*nfresh = 0;
	if (!need)
		return 0;
	Gap *g;
	long ng = free_gaps(&v->sb, d, &g);
	if (ng < 0)
		return vderr(&v->err, VMCP_ENOMEM, VDM_NOMEM, "Out of memory");
	u64 total = 0;
	for (long i = 0; i < ng; i++)
		total += g[i].count;
	if (total < need) {
		char a[32], b[32];
		size_text(need, a, sizeof(a));
		size_text(total, b, sizeof(b));
		free(g);
		return vderr(&v->err, VMCP_ENOSPC, VDM_NOSPACE,
			     "Not enough space on the real disk for VD %s %s: %s needed, %s free", vm, dev, a, b);
	}
	VdExtent out[VD_MAX_EXTENTS];
	u32 no = *n;
	memcpy(out, ext, *n * sizeof(*ext));
	/* Grow in place: the gap that begins where the last extent ends. */
	if (no) {
		VdExtent *last = &out[no - 1];
		for (long i = 0; i < ng; i++)
			if (g[i].start == last->start + last->count) {
				u64 take = MIN(g[i].count, need);
				fresh[(*nfresh)++] = (VdExtent){g[i].start, take};
				last->count += take;
				g[i].start += take;
				g[i].count -= take;
				need -= take;
				break;
			}
	}
	/* Best fit for the rest, whole. */
	long best = -1;
	for (long i = 0; need && i < ng; i++)
		if (g[i].count >= need && (best < 0 || g[i].count < g[best].count))
			best = i;
	while (need) {
		if (best < 0) { /* largest first */
			for (long i = 0; i < ng; i++)
				if (g[i].count && (best < 0 || g[i].count > g[best].count))
					best = i;
		}
		if (no >= VD_MAX_EXTENTS) {
			free(g);
			return vderr(&v->err, VMCP_ENOSPC, VDM_FRAGMENTED,
				     "Free space is too fragmented: VD %s %s would need more than %d extents",
				     vm, dev, VD_MAX_EXTENTS);
		}
		u64 take = MIN(g[best].count, need);
		out[no++] = (VdExtent){g[best].start, take};
		fresh[(*nfresh)++] = (VdExtent){g[best].start, take};
		g[best].start += take;
		g[best].count -= take;
		need -= take;
		best = -1;
	}
	free(g);
	/* Space the directory calls free but a running VM holds (its extent locks): the
	 * directory lost the update that gave it (its newest copy was damaged after it was
	 * written). Never hand it out. */
	u64 busy;
	if (vmfat_extents_in_use(v->b, fresh, *nfresh, &busy))
		return vderr(&v->err, VMCP_EBUSY, VDM_LOST_VD,
			     "Sector %llu of %s is in use by a running VM although the directory gives it to no "
			     "VD (an update was lost); end that VM, then run vmcp check",
			     (unsigned long long)busy, v->b->path);
	memcpy(ext, out, no * sizeof(*ext));
	*n = no;
	return 0;
}

/* Zeroes the given real-disk ranges and flushes: they must read as zeros before any
 * directory that gives them to a VD can reach the disk. */
static int zero_ranges(Vmfat *v, const VdExtent *r, u32 n)
{
	for (u32 i = 0; i < n; i++) {
		int e = backend_zero(v->b, r[i].start * SECTOR_SIZE, r[i].count * SECTOR_SIZE);
		if (e)
			return vderr(&v->err, e, VDM_IO, "I/O error zeroing new space on %s at sector %llu",
				     v->b->path, (unsigned long long)r[i].start);
	}
	int e = n ? backend_flush(v->b) : 0;
	if (e)
		return vderr(&v->err, e, VDM_IO, "I/O error flushing %s", v->b->path);
	return 0;
}

/* The real-disk ranges behind guest sectors [from, to) of a VDD (at most VD_MAX_EXTENTS
 * pieces). */
static u32 guest_ranges(const VmfatVdd *d, u64 from, u64 to, VdExtent *out)
{
	u32 n = 0;
	u64 base = 0;
	for (u32 i = 0; i < d->nextents && from < to; i++) {
		const VdExtent *x = &d->extent[i];
		if (from < base + x->count) {
			u64 off = from - base, len = MIN(x->count - off, to - from);
			out[n++] = (VdExtent){x->start + off, len};
			from += len;
		}
		base += x->count;
	}
	return n;
}

static int op_begin(Vmfat *v, VmfatDir *nd)
{
	memset(nd, 0, sizeof(*nd));
	int r = vmfat_lock(v, true);
	if (r)
		return r;
	r = vmfat_reload(v);
	if (!r && vmfat_dir_clone(&v->dir, nd))
		r = vderr(&v->err, VMCP_ENOMEM, VDM_NOMEM, "Out of memory");
	if (r)
		vmfat_unlock(v);
	return r;
}

static int op_end(Vmfat *v, VmfatDir *nd, int r)
{
	vmfat_dir_free(nd);
	vmfat_unlock(v);
	return r;
}

static int check_vm_name(Vmfat *v, const char *vm)
{
	const char *why;
	if (!vm_name_valid(vm, &why))
		return vderr(&v->err, VMCP_EINVAL, VDM_VM_NAME, "Invalid VM name '%s': %s", vm, why);
	return 0;
}

static int check_dev(Vmfat *v, const char *dev)
{
	int d = vm_dev_index(dev);
	if (d < 0)
		return vderr(&v->err, VMCP_EINVAL, VDM_DEV,
			     "Invalid device '%s': use hda, hdb, hdc, hdd, fda or fdb", dev);
	return d;
}

/* op_begin for an operation on VD vm devname: *d is its VDD in nd. Returns 0, or the
 * failure (bad device, no such VD, lock or reload) with v->err set and nothing held. */
static int op_begin_vd(Vmfat *v, const char *vm, const char *devname, VmfatDir *nd, VmfatVdd **d)
{
	int dev = check_dev(v, devname);
	if (dev < 0)
		return dev;
	int r = op_begin(v, nd);
	if (r)
		return r;
	*d = vmfat_dir_vdd(nd, vm, dev);
	if (!*d)
		return op_end(v, nd, vderr(&v->err, VMCP_ENOENT, VDM_VD_NOT_FOUND, "VD %s %s is not defined",
					   vm, devname));
	return 0;
}

/* Sets a file of len bytes in nd, with the messages of the failures. */
static int set_file_len(Vmfat *v, VmfatDir *nd, const char *name, const char *data, size_t len)
{
	int r = vmfat_dir_set_file(nd, name, data, len);
	if (r == VMCP_ENOSPC)
		return vderr(&v->err, r, VDM_DIR_FULL, "The directory is full: at most %d files",
			     VMFAT_MAX_FILES);
	if (r == VMCP_ERANGE)
		return vderr(&v->err, r, VDM_FILE_SIZE, "File %s would be larger than %d bytes", name,
			     CONF_FILE_MAX);
	if (r)
		return vderr(&v->err, r, VDM_NOMEM, "Out of memory");
	return 0;
}

/* The same for a text a formatter made (NULL: it ran out of memory). */
static int set_file(Vmfat *v, VmfatDir *nd, const char *name, const char *text)
{
	if (!text)
		return vderr(&v->err, VMCP_ENOMEM, VDM_NOMEM, "Out of memory");
	return set_file_len(v, nd, name, text, strlen(text));
}

/* Refuses to shrink VD vm dev (message 135). */
static int refuse_shrink(Vmfat *v, const char *vm, const char *dev, u64 old_sectors, u64 sectors)
{
	char a[32], b[32];
	size_text(old_sectors, a, sizeof(a));
	size_text(sectors, b, sizeof(b));
	return vderr(&v->err, VMCP_ERANGE, VDM_VD_SHRINK, "VD %s %s cannot shrink (from %s to %s)", vm,
		     dev, a, b);
}

int vmfat_vm_config(Vmfat *v, const VmfatDir *d, const char *vm, VmfatFile **fp, VmConf *c)
{
	char name[40];
	conf_vm_file(name, sizeof(name), vm);
	VmfatFile *f = vmfat_dir_file(d, name);
	if (fp)
		*fp = f;
	if (!f)
		return vderr(&v->err, VMCP_ENOENT, VDM_VM_NOT_FOUND, "VM %s is not defined", vm);
	ConfErr ce;
	if (vmconf_parse(vm, f->data, f->size, c, &ce))
		return vderr(&v->err, VMCP_EINVAL, VDM_CONFIG_BAD,
			     "The config file %s is invalid (line %d: %s); fix it with vmcp directory put",
			     name, ce.line, ce.text);
	return 0;
}

int vmfat_define_vm(Vmfat *v, const char *vm, const VmConf *c)
{
	VmfatDir nd;
	int r = check_vm_name(v, vm);
	if (r || (r = op_begin(v, &nd)))
		return r;
	char name[40];
	conf_vm_file(name, sizeof(name), vm);
	bool has_vdd = false;
	for (u32 i = 0; i < nd.nvdd; i++)
		has_vdd |= !strcmp(nd.vdd[i].vm, vm);
	if (vmfat_dir_file(&nd, name) || has_vdd)
		return op_end(v, &nd, vderr(&v->err, VMCP_EEXIST, VDM_VM_EXISTS, "VM %s is already defined", vm));
	VmConf clean = *c, back;
	memset(clean.has_dev, 0, sizeof(clean.has_dev));
	char *text = vmconf_format(vm, &clean);
	ConfErr ce;
	if (text && vmconf_parse(vm, text, strlen(text), &back, &ce)) { /* a caller's bad VmConf */
		free(text);
		return op_end(v, &nd, vderr(&v->err, VMCP_EINVAL, VDM_VM_OPTION, "Invalid settings for VM %s: %s",
					    vm, ce.text));
	}
	r = set_file(v, &nd, name, text);
	free(text);
	if (!r)
		r = vmfat_commit(v, &nd);
	return op_end(v, &nd, r);
}

int vmfat_define_vd(Vmfat *v, const char *vm, const char *devname, u64 bytes)
{
	int dev = check_dev(v, devname);
	if (dev < 0)
		return dev;
	return vmfat_define_vd_type(v, vm, devname, bytes, vd_type_for_dev(dev));
}

int vmfat_define_vd_type(Vmfat *v, const char *vm, const char *devname, u64 bytes, VdType type)
{
	int dev = check_dev(v, devname);
	if (dev < 0)
		return dev;
	if (!vd_type_fits_dev(type, dev))
		return vderr(&v->err, VMCP_EINVAL, VDM_VD_SIZE, "VD %s %s cannot be a %s (floppies are fda and "
			     "fdb, disks and CD-ROMs hda to hdd)", vm, devname, vd_type_name(type));
	char why[160];
	int r = vd_size_check(type, bytes, why, sizeof(why));
	if (r)
		return vderr(&v->err, r, VDM_VD_SIZE, "Invalid size for VD %s %s: %s", vm, devname, why);
	VmfatDir nd;
	if ((r = check_vm_name(v, vm)) || (r = op_begin(v, &nd)))
		return r;
	VmfatFile *cf;
	VmConf conf;
	char vdname[40];
	conf_vd_file(vdname, sizeof(vdname), vm, dev);
	if ((r = vmfat_vm_config(v, &nd, vm, &cf, &conf)))
		return op_end(v, &nd, r);
	if (vmfat_dir_vdd(&nd, vm, dev) || vmfat_dir_file(&nd, vdname) || conf.has_dev[dev])
		return op_end(v, &nd, vderr(&v->err, VMCP_EEXIST, VDM_VD_EXISTS, "VD %s %s is already defined",
					    vm, devname));
	if (nd.nvdd >= VMFAT_MAX_VDDS)
		return op_end(v, &nd, vderr(&v->err, VMCP_ENOSPC, VDM_DIR_FULL,
					    "The directory is full: at most %d VDs", VMFAT_MAX_VDDS));
	/* Ids are never reused (they key the VD locks): before any space is touched. */
	if (nd.next_vdd_id > VMFAT_VDD_ID_MAX)
		return op_end(v, &nd, vderr(&v->err, VMCP_ENOSPC, VDM_VDD_IDS,
					    "No VDD id is left on %s: all %u have been given out (ids are never "
					    "reused); copy the VMs to a newly formatted real disk", v->b->path,
					    (unsigned)VMFAT_VDD_ID_MAX));
	VmfatVdd vdd = {.id = nd.next_vdd_id, .dev = (u8)dev, .type = (u8)type,
			.capacity = bytes / SECTOR_SIZE, .readonly = type == VD_TYPE_CDROM};
	memcpy(vdd.vm, vm, strlen(vm) + 1);
	VdExtent fresh[VD_MAX_EXTENTS];
	u32 nfresh;
	if ((r = allocate(v, &nd, vm, devname, vdd.extent, &vdd.nextents, vdd.capacity, fresh, &nfresh)))
		return op_end(v, &nd, r);
	VmfatVdd *grown = realloc(nd.vdd, (nd.nvdd + 1) * sizeof(*grown));
	if (!grown)
		return op_end(v, &nd, vderr(&v->err, VMCP_ENOMEM, VDM_NOMEM, "Out of memory"));
	nd.vdd = grown;
	nd.vdd[nd.nvdd++] = vdd;
	nd.next_vdd_id++;
	VdConf vc = {.dev = dev, .type = type, .capacity = bytes, .readonly = type == VD_TYPE_CDROM,
		     .geom = vd_geometry_auto(type, bytes / SECTOR_SIZE)};
	memcpy(vc.vm, vm, strlen(vm) + 1);
	char *text = vdconf_format(&vc);
	r = set_file(v, &nd, vdname, text);
	free(text);
	if (!r) {
		char cname[40];
		conf_vm_file(cname, sizeof(cname), vm);
		cf = vmfat_dir_file(&nd, cname); /* set_file may have moved the file table */
		text = conf_text_set(cf->data, cf->size, devname, vdname);
		r = set_file(v, &nd, cname, text);
		free(text);
	}
	if (!r)
		r = zero_ranges(v, fresh, nfresh);
	if (!r)
		r = vmfat_commit(v, &nd);
	return op_end(v, &nd, r);
}

/* Takes the VD lock of d for a change, with the message when it is in use. */
static int lock_for_change(Vmfat *v, const VmfatVdd *d)
{
	int r = vmfat_vd_lock(v, d->id, true);
	if (r == VMCP_EBUSY)
		return vderr(&v->err, r, VDM_VD_BUSY, "VD %s %s is in use by a running VM", d->vm,
			     vm_dev_name(d->dev));
	if (r)
		return vderr(&v->err, r, VDM_LOCK, "Cannot lock VD %s %s", d->vm, vm_dev_name(d->dev));
	return 0;
}

/* Removes VDD i of nd with its settings file and (when edit_config) its config line. */
static int remove_vd(Vmfat *v, VmfatDir *nd, u32 i, bool edit_config)
{
	VmfatVdd d = nd->vdd[i];
	char vdname[40], cname[40];
	conf_vd_file(vdname, sizeof(vdname), d.vm, d.dev);
	conf_vm_file(cname, sizeof(cname), d.vm);
	vmfat_dir_remove_vdd(nd, i);
	vmfat_dir_remove_file(nd, vdname);
	VmfatFile *cf = edit_config ? vmfat_dir_file(nd, cname) : NULL;
	if (!cf)
		return 0;
	char *text = conf_text_set(cf->data, cf->size, vm_dev_name(d.dev), NULL);
	int r = set_file(v, nd, cname, text);
	free(text);
	return r;
}

int vmfat_delete_vd(Vmfat *v, const char *vm, const char *devname)
{
	VmfatDir nd;
	VmfatVdd *d;
	int r = op_begin_vd(v, vm, devname, &nd, &d);
	if (r)
		return r;
	u32 id = d->id;
	if ((r = lock_for_change(v, d)))
		return op_end(v, &nd, r);
	r = remove_vd(v, &nd, (u32)(d - nd.vdd), true);
	if (!r)
		r = vmfat_commit(v, &nd);
	vmfat_vd_unlock(v, id);
	return op_end(v, &nd, r);
}

int vmfat_delete_vm(Vmfat *v, const char *vm, u32 *nvds)
{
	VmfatDir nd;
	int r = check_vm_name(v, vm);
	if (r || (r = op_begin(v, &nd)))
		return r;
	char cname[40];
	conf_vm_file(cname, sizeof(cname), vm);
	if (!vmfat_dir_file(&nd, cname))
		return op_end(v, &nd, vderr(&v->err, VMCP_ENOENT, VDM_VM_NOT_FOUND, "VM %s is not defined", vm));
	u32 ids[VM_DEV_COUNT], nids = 0;
	for (u32 i = 0; i < nd.nvdd && !r; i++)
		if (!strcmp(nd.vdd[i].vm, vm) && !(r = lock_for_change(v, &nd.vdd[i])) && nids < VM_DEV_COUNT)
			ids[nids++] = nd.vdd[i].id;
	for (u32 i = nd.nvdd; i-- > 0 && !r;)
		if (!strcmp(nd.vdd[i].vm, vm))
			r = remove_vd(v, &nd, i, false);
	if (!r) {
		vmfat_dir_remove_file(&nd, cname);
		r = vmfat_commit(v, &nd);
	}
	for (u32 i = 0; i < nids; i++)
		vmfat_vd_unlock(v, ids[i]);
	if (!r && nvds)
		*nvds = nids;
	return op_end(v, &nd, r);
}

/* Grows VDD d (in nd) to `sectors`: allocates, zeroes the new space and the unused tail
 * of its last unit, updates the VDD. */
static int grow_vdd(Vmfat *v, VmfatDir *nd, VmfatVdd *d, u64 sectors)
{
	u64 have = 0;
	for (u32 i = 0; i < d->nextents; i++)
		have += d->extent[i].count;
	VdExtent fresh[2 * VD_MAX_EXTENTS];
	u32 nfresh = 0;
	if (sectors > have) {
		VdExtent ext[VD_MAX_EXTENTS];
		u32 n = d->nextents;
		memcpy(ext, d->extent, n * sizeof(*ext));
		int r = allocate(v, nd, d->vm, vm_dev_name(d->dev), ext, &n, sectors - have, fresh, &nfresh);
		if (r)
			return r;
		memcpy(d->extent, ext, n * sizeof(*ext));
		d->nextents = n;
	}
	/* Sectors past the old capacity inside already-owned units: never visible to a guest,
	 * zero anyway so the new space reads as zeros whatever happened before. */
	nfresh += guest_ranges(d, d->capacity, MIN(have, sectors), fresh + nfresh);
	int r = zero_ranges(v, fresh, nfresh);
	if (!r)
		d->capacity = sectors;
	return r;
}

/* The VD settings file of d with a new capacity (and an auto-derived geometry kept
 * auto-derived). */
static int settings_set_capacity(Vmfat *v, VmfatDir *nd, const VmfatVdd *d, u64 old_sectors)
{
	char vdname[40], cap[32], geom[40];
	conf_vd_file(vdname, sizeof(vdname), d->vm, d->dev);
	VmfatFile *f = vmfat_dir_file(nd, vdname);
	VdConf vc;
	ConfErr ce;
	if (!f || vdconf_parse(f->data, f->size, &vc, &ce))
		return vderr(&v->err, VMCP_ECORRUPT, VDM_CONFIG_BAD,
			     "The VD settings file %s is missing or invalid; run vmcp check", vdname);
	size_format(d->capacity * SECTOR_SIZE, cap, sizeof(cap));
	char *t1 = conf_text_set(f->data, f->size, "capacity", cap), *t2 = NULL;
	VdGeometry old = vd_geometry_auto(d->type, old_sectors);
	if (t1 && vc.geom.cylinders == old.cylinders && vc.geom.heads == old.heads &&
	    vc.geom.sectors == old.sectors && old.cylinders) {
		VdGeometry g = vd_geometry_auto(d->type, d->capacity);
		snprintf(geom, sizeof(geom), "%u/%u/%u", g.cylinders, g.heads, g.sectors);
		t2 = conf_text_set(t1, strlen(t1), "geometry", geom);
		free(t1);
		t1 = t2;
	}
	int r = set_file(v, nd, vdname, t1);
	free(t1);
	return r;
}

int vmfat_resize_vd(Vmfat *v, const char *vm, const char *devname, u64 bytes, u64 *old)
{
	VmfatDir nd;
	VmfatVdd *d;
	int r = op_begin_vd(v, vm, devname, &nd, &d);
	if (r)
		return r;
	char why[160];
	if ((r = vd_size_check(d->type, bytes, why, sizeof(why))))
		return op_end(v, &nd, vderr(&v->err, r, VDM_VD_SIZE, "Invalid size for VD %s %s: %s", vm,
					    devname, why));
	u64 sectors = bytes / SECTOR_SIZE, old_sectors = d->capacity;
	if (old)
		*old = old_sectors * SECTOR_SIZE;
	if (sectors < old_sectors)
		return op_end(v, &nd, refuse_shrink(v, vm, devname, old_sectors, sectors));
	if (sectors == old_sectors)
		return op_end(v, &nd, 0);
	u32 id = d->id;
	if ((r = lock_for_change(v, d)))
		return op_end(v, &nd, r);
	r = grow_vdd(v, &nd, d, sectors);
	if (!r)
		r = settings_set_capacity(v, &nd, d, old_sectors);
	if (!r)
		r = vmfat_commit(v, &nd);
	vmfat_vd_unlock(v, id);
	return op_end(v, &nd, r);
}

int vmfat_set_medium(Vmfat *v, const char *vm, const char *devname, u64 bytes)
{
	VmfatDir nd;
	VmfatVdd *d;
	int r = op_begin_vd(v, vm, devname, &nd, &d);
	if (r)
		return r;
	char vdname[40], size[32] = "none";
	conf_vd_file(vdname, sizeof(vdname), d->vm, d->dev);
	VmfatFile *f = vmfat_dir_file(&nd, vdname);
	VdConf vc;
	ConfErr ce;
	if (d->type != VD_TYPE_CDROM)
		return op_end(v, &nd, vderr(&v->err, VMCP_EINVAL, VDM_NOT_CDROM, "VD %s %s is a %s, not a "
					    "CD-ROM", vm, devname, vd_type_name((VdType)d->type)));
	if (bytes % 2048 || bytes > d->capacity * SECTOR_SIZE)
		return op_end(v, &nd, vderr(&v->err, VMCP_ERANGE, VDM_IMAGE_LARGE, "A disc of %llu bytes "
					    "does not fit VD %s %s", (unsigned long long)bytes, vm, devname));
	if (!f || vdconf_parse(f->data, f->size, &vc, &ce))
		return op_end(v, &nd, vderr(&v->err, VMCP_ECORRUPT, VDM_CONFIG_BAD, "The VD settings file "
					    "%s is missing or invalid; run vmcp check", vdname));
	if (bytes)
		size_format(bytes, size, sizeof(size));
	char *text = conf_text_set(f->data, f->size, "medium", size);
	/* What ipl will parse, checked before anything is written. */
	if (text && vdconf_parse(text, strlen(text), &vc, &ce))
		r = vderr(&v->err, VMCP_EINVAL, VDM_EDIT_INVALID, "The VD settings file %s would become "
			  "invalid (line %d: %s)", vdname, ce.line, ce.text);
	if (!r)
		r = set_file(v, &nd, vdname, text);
	free(text);
	if (!r)
		r = vmfat_commit(v, &nd);
	return op_end(v, &nd, r);
}

static int file_line_err(Vmfat *v, const char *name, const ConfErr *ce)
{
	if (ce->line)
		return vderr(&v->err, VMCP_EINVAL, VDM_FILE_LINE, "File %s line %d: %s", name, ce->line,
			     ce->text);
	return vderr(&v->err, VMCP_EINVAL, VDM_FILE_LINE, "File %s: %s", name, ce->text);
}

int vmfat_put_file(Vmfat *v, const char *name, const char *data, size_t len)
{
	char vm[VM_NAME_MAX + 1];
	int dev;
	int kind = conf_file_kind(name, vm, &dev);
	if (!kind)
		return vderr(&v->err, VMCP_EINVAL, VDM_FILE_REFUSED,
			     "%s is not a VMFAT file name (VM.conf or VM.DEV.vd)", name);
	if (len > CONF_FILE_MAX)
		return vderr(&v->err, VMCP_ERANGE, VDM_FILE_SIZE, "File %s is too large (more than %d bytes)",
			     name, CONF_FILE_MAX);
	ConfErr ce;
	VmConf c;
	VdConf vc;
	if (kind == 1 ? vmconf_parse(vm, data, len, &c, &ce) : vdconf_parse(data, len, &vc, &ce))
		return file_line_err(v, name, &ce);
	VmfatDir nd;
	int r = op_begin(v, &nd);
	if (r)
		return r;
	if (!vmfat_dir_file(&nd, name))
		return op_end(v, &nd, vderr(&v->err, VMCP_ENOENT, VDM_FILE_NOT_FOUND,
					    "File %s does not exist (vmcp define creates files)", name));
	u32 locked = 0;
	bool have_lock = false;
	if (kind == 1) {
		for (int d = 0; d < VM_DEV_COUNT && !r; d++)
			if (c.has_dev[d] != !!vmfat_dir_vdd(&nd, vm, d))
				r = vderr(&v->err, VMCP_EINVAL, VDM_FILE_REFUSED,
					  "File %s: the %s line cannot be %s by put (use vmcp %s vd)", name,
					  vm_dev_name(d), c.has_dev[d] ? "added" : "removed",
					  c.has_dev[d] ? "define" : "delete");
	} else {
		VmfatVdd *d = vmfat_dir_vdd(&nd, vm, dev);
		u64 sectors = vc.capacity / SECTOR_SIZE;
		if (strcmp(vc.vm, vm) || vc.dev != dev)
			r = vderr(&v->err, VMCP_EINVAL, VDM_FILE_REFUSED,
				  "File %s describes VD %s %s; it must describe %s %s", name, vc.vm,
				  vm_dev_name(vc.dev), vm, vm_dev_name(dev));
		else if (!d)
			r = vderr(&v->err, VMCP_ENOENT, VDM_VD_NOT_FOUND, "VD %s %s is not defined", vm,
				  vm_dev_name(dev));
		else if (sectors < d->capacity)
			r = refuse_shrink(v, vm, vm_dev_name(dev), d->capacity, sectors);
		else if (sectors != d->capacity || vc.type != d->type || vc.readonly != d->readonly) {
			locked = d->id;
			if (!(r = lock_for_change(v, d)))
				have_lock = true;
			if (!r && sectors > d->capacity)
				r = grow_vdd(v, &nd, d, sectors);
			d->type = (u8)vc.type;
			d->readonly = vc.readonly;
		}
	}
	if (!r)
		r = set_file_len(v, &nd, name, data, len);
	if (!r)
		r = vmfat_commit(v, &nd);
	if (have_lock)
		vmfat_vd_unlock(v, locked);
	return op_end(v, &nd, r);
}

int vmfat_vd_load(Vmfat *v, const VmfatVdd *d, VdDisk *vd)
{
	char vdname[40];
	conf_vd_file(vdname, sizeof(vdname), d->vm, d->dev);
	VmfatFile *f = vmfat_dir_file(&v->dir, vdname);
	VdConf vc;
	ConfErr ce;
	if (!f)
		return vderr(&v->err, VMCP_ECORRUPT, VDM_CONFIG_BAD,
			     "The VD settings file %s is missing; run vmcp check", vdname);
	if (vdconf_parse(f->data, f->size, &vc, &ce))
		return vderr(&v->err, VMCP_ECORRUPT, VDM_CONFIG_BAD,
			     "The VD settings file %s is invalid (line %d: %s)", vdname, ce.line, ce.text);
	memset(vd, 0, sizeof(*vd));
	snprintf(vd->dev, sizeof(vd->dev), "%s", vm_dev_name(d->dev));
	vd->type = (VdType)d->type;
	vd->sectors = d->capacity;
	vd->geom = vc.geom.cylinders ? vc.geom : vd_geometry_auto(vd->type, d->capacity);
	vd->readonly = d->readonly;
	vd->medium = vd->type == VD_TYPE_CDROM ? MIN(vc.medium, d->capacity * SECTOR_SIZE) : 0;
	vd->nextents = d->nextents;
	memcpy(vd->extent, d->extent, d->nextents * sizeof(d->extent[0]));
	vd->backend = v->b;
	vd->data_start = v->sb.data_start;
	vd->data_end = v->sb.data_end;
	return 0;
}
