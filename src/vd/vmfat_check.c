/* vmfat_check.c: `vmcp check`, the full check of a real disk, and `--repair`.
 *
 * Beyond the fast check every open runs (structure, VDD extents inside the data area, no
 * sector in two VDDs), the full check proves: the other directory copy is either the
 * previous generation or harmlessly invalid; the VMFAT allocation table lists exactly the
 * VDDs' extents; every VDD has its VD settings file, which parses and agrees with it
 * (capacity, type, read-only), and its owner's config file names it; every config file
 * parses and names only VDs that exist; no file is left without a VDD or of an unknown
 * kind.
 *
 * Repair fixes only what loses no VD data and changes no VD's place: it rolls back to the
 * older copy when the newest is damaged, rewrites the other copy, rebuilds the allocation
 * table from the VDDs, regenerates missing or broken VD settings files from their VDDs,
 * adds or removes config lines to match the VDDs, creates a config file for a VDD's owner
 * if missing, and removes files that describe nothing. It never deletes a VDD and never
 * touches overlapping extents (the fast check's failures): those need a person. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "vd/vmfat.h"
#include "vd/vdconf.h"

#define MAX_REPAIR_NOTES 64

typedef struct Chk {
	Vmfat *v;
	const VmfatDir *d;
	VmfatReportFn fn;
	void *ctx;
	VmfatCheckResult *res;
	VmfatDir *fix; /* the repaired directory being built, or NULL */
	bool fix_failed;
	bool refused;  /* a repair that would take a VD from a running VM: none made */
	bool renumber; /* the generation counter is near its end: renumber the copies */
	u32 nnotes;
	char notes[MAX_REPAIR_NOTES][200];
} Chk;

static void report(Chk *c, int num, char sev, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void report(Chk *c, int num, char sev, const char *fmt, ...)
{
	char text[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (sev == 'E')
		c->res->errors++;
	else if (sev == 'W')
		c->res->warnings++;
	if (c->fn)
		c->fn(c->ctx, num, sev, text);
}

/* Records a repair made to c->fix (reported once it is committed). */
static void note(Chk *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(Chk *c, const char *fmt, ...)
{
	if (c->nnotes < MAX_REPAIR_NOTES) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->notes[c->nnotes], sizeof(c->notes[0]), fmt, ap);
		va_end(ap);
	}
	c->nnotes++;
}

static void fix_set_file(Chk *c, const char *name, char *text)
{
	if (!text || vmfat_dir_set_file(c->fix, name, text, strlen(text)))
		c->fix_failed = true;
	free(text);
}

/* A rollback to the older copy drops what only the newer one has: refused (v->err set,
 * true returned) while a VD it would drop or change is in use. When the newer copy
 * cannot be decoded, any VD in use refuses it. */
static bool rollback_refused(Vmfat *v, const char *older)
{
	u32 id;
	if (!v->have_newer) {
		if (!vmfat_vd_range_in_use(v->b, 0, VMFAT_VD_IDS, &id))
			return false;
		vderr(&v->err, VMCP_EBUSY, VDM_CHK_ROLLBACK_BUSY,
		      "Cannot roll back to directory copy %s while a VM runs (VDD id %u): the newer copy cannot "
		      "be read to tell which VDs the rollback would drop; end the VMs first", older, id);
		return true;
	}
	for (u32 i = 0; i < v->newer.nvdd; i++) {
		const VmfatVdd *n = &v->newer.vdd[i], *o = NULL;
		for (u32 k = 0; k < v->dir.nvdd && !o; k++)
			if (v->dir.vdd[k].id == n->id)
				o = &v->dir.vdd[k];
		bool same = o && o->capacity == n->capacity && o->nextents == n->nextents &&
			    !memcmp(o->extent, n->extent, n->nextents * sizeof(n->extent[0]));
		if (same || !vmfat_vd_in_use(v, n->id))
			continue;
		vderr(&v->err, VMCP_EBUSY, VDM_CHK_ROLLBACK_BUSY,
		      "Cannot roll back to directory copy %s: VD %s %s (VDD id %u) is in use by a running VM and "
		      "the older copy %s; end the VM first (repairs never take a VD from a running VM)",
		      older, n->vm, vm_dev_name(n->dev), n->id, o ? "describes it differently" : "does not have it");
		return true;
	}
	return false;
}

static void check_copies(Chk *c)
{
	Vmfat *v = c->v;
	int other = 1 - v->active;
	const char *an = v->active ? "B" : "A", *on = other ? "B" : "A";
	if (v->max_gen >= VMFAT_GEN_WARN) {
		report(c, VDM_CHK_GEN_HIGH, 'W',
		       "Directory generation %llu is near the end of its counter (%llu); updates stop there; "
		       "vmcp check --repair renumbers the copies", (unsigned long long)v->max_gen,
		       (unsigned long long)VMFAT_GEN_MAX);
		if (c->fix && !v->dir_bad) {
			c->renumber = true;
			note(c, "renumbered the directory copies (generation %llu to 2)", (unsigned long long)v->max_gen);
		}
	}
	if (v->dir_bad) {
		report(c, VDM_CHK_STRUCT, 'E', "Directory copy %s (generation %llu) fails the fast check: %s",
		       an, (unsigned long long)v->copy_gen[v->active], v->copy_problem[v->active]);
		return;
	}
	if (v->rolled_back) {
		report(c, VDM_CHK_COPY_BAD, 'E',
		       "Directory copy %s (generation %llu) is invalid: %s; copy %s (generation %llu) is intact",
		       on, (unsigned long long)v->copy_gen[other], v->copy_problem[other], an,
		       (unsigned long long)v->copy_gen[v->active]);
		if (c->fix && rollback_refused(v, an))
			c->refused = true;
		else if (c->fix)
			note(c, "rolled the directory back to generation %llu (copy %s)",
			     (unsigned long long)v->copy_gen[v->active], an);
		return;
	}
	if (v->copy_state[other] != COPY_GOOD) {
		report(c, VDM_CHK_COPY_STALE, 'W',
		       "Directory copy %s is not valid (%s); harmless, the next update rewrites it", on,
		       v->copy_problem[other]);
		if (c->fix)
			note(c, "rewrote directory copy %s", on);
	}
}

static void check_alloc(Chk *c)
{
	VmfatDir want = {0};
	if (vmfat_dir_clone(c->d, &want) || vmfat_dir_rebuild_alloc(&want)) {
		vmfat_dir_free(&want);
		report(c, VDM_CHK_ALLOC, 'E', "Out of memory checking the allocation table");
		return;
	}
	u32 bad = 0;
	const char *what = NULL;
	for (u32 i = 0; i < MAX(want.nalloc, c->d->nalloc) && !what; i++) {
		if (i >= c->d->nalloc)
			what = "lacks an extent of a VDD";
		else if (i >= want.nalloc)
			what = "lists an extent no VDD owns";
		else if (want.alloc[i].start != c->d->alloc[i].start ||
			 want.alloc[i].count != c->d->alloc[i].count ||
			 want.alloc[i].vdd_id != c->d->alloc[i].vdd_id)
			what = "differs from the VDDs' extents";
		bad = i;
	}
	if (what) {
		const VmfatAlloc *a = bad < c->d->nalloc ? &c->d->alloc[bad] : &want.alloc[bad];
		report(c, VDM_CHK_ALLOC, 'E',
		       "The allocation table %s (entry %u: sectors %llu+%llu, VDD id %u); %u entries, %u VDD extents",
		       what, bad, (unsigned long long)a->start, (unsigned long long)a->count, a->vdd_id,
		       c->d->nalloc, want.nalloc);
		if (c->fix)
			note(c, "rebuilt the allocation table from the VDDs");
	}
	vmfat_dir_free(&want);
}

/* A fresh VD settings file for VDD d (geometry auto-derived). */
static char *settings_from_vdd(const VmfatVdd *d)
{
	VdConf vc = {.dev = d->dev, .type = (VdType)d->type, .capacity = d->capacity * SECTOR_SIZE,
		     .readonly = d->readonly};
	vc.geom = vd_geometry_auto(vc.type, d->capacity);
	memcpy(vc.vm, d->vm, strlen(d->vm) + 1);
	return vdconf_format(&vc);
}

static void check_vdd(Chk *c, const VmfatVdd *d)
{
	const char *dev = vm_dev_name(d->dev);
	char vdname[40], cname[40];
	conf_vd_file(vdname, sizeof(vdname), d->vm, d->dev);
	conf_vm_file(cname, sizeof(cname), d->vm);
	/* The VD settings file. */
	const VmfatFile *f = vmfat_dir_file(c->d, vdname);
	VdConf vc;
	ConfErr ce;
	if (!f) {
		report(c, VDM_CHK_NO_SETTINGS, 'E', "VD %s %s has no VD settings file %s", d->vm, dev, vdname);
		if (c->fix) {
			fix_set_file(c, vdname, settings_from_vdd(d));
			note(c, "wrote %s from its VDD", vdname);
		}
	} else if (vdconf_parse(f->data, f->size, &vc, &ce)) {
		report(c, VDM_CHK_SETTINGS_BAD, 'E', "VD settings file %s is invalid: line %d: %s", vdname,
		       ce.line, ce.text);
		if (c->fix) {
			fix_set_file(c, vdname, settings_from_vdd(d));
			note(c, "rewrote %s from its VDD", vdname);
		}
	} else if (strcmp(vc.vm, d->vm) || vc.dev != d->dev || vc.capacity != d->capacity * SECTOR_SIZE ||
		   vc.type != d->type || vc.readonly != d->readonly) {
		char cap[32];
		size_format(d->capacity * SECTOR_SIZE, cap, sizeof(cap));
		report(c, VDM_CHK_SETTINGS_DIFF, 'E',
		       "VD settings file %s disagrees with its VDD (VDD: vm %s, device %s, type %s, capacity %s, readonly %s)",
		       vdname, d->vm, dev, vd_type_name((VdType)d->type), cap, d->readonly ? "yes" : "no");
		if (c->fix) {
			fix_set_file(c, vdname, settings_from_vdd(d));
			note(c, "rewrote %s from its VDD", vdname);
		}
	}
	/* The owner's config file. */
	const VmfatFile *cf = vmfat_dir_file(c->d, cname);
	VmConf conf;
	if (!cf) {
		report(c, VDM_CHK_NO_CONFIG, 'E', "VD %s %s belongs to VM %s, which has no config file %s",
		       d->vm, dev, d->vm, cname);
		if (c->fix && !vmfat_dir_file(c->fix, cname)) {
			VmConf def;
			vmconf_default(&def);
			for (u32 i = 0; i < c->d->nvdd; i++)
				if (!strcmp(c->d->vdd[i].vm, d->vm))
					def.has_dev[c->d->vdd[i].dev] = true;
			fix_set_file(c, cname, vmconf_format(d->vm, &def));
			note(c, "wrote a default config file %s for the VDs of VM %s", cname, d->vm);
		}
	} else if (!vmconf_parse(d->vm, cf->data, cf->size, &conf, &ce) && !conf.has_dev[d->dev]) {
		report(c, VDM_CHK_NO_DEVLINE, 'E', "Config file %s has no line for its VD %s", cname, dev);
		const VmfatFile *ff = c->fix ? vmfat_dir_file(c->fix, cname) : NULL;
		if (ff) {
			fix_set_file(c, cname, conf_text_set(ff->data, ff->size, dev, vdname));
			note(c, "added the line %s = %s to %s", dev, vdname, cname);
		}
	}
}

static void check_file(Chk *c, const VmfatFile *f)
{
	char vm[VM_NAME_MAX + 1];
	int dev;
	int kind = conf_file_kind(f->name, vm, &dev);
	ConfErr ce;
	if (kind == 0) {
		report(c, VDM_CHK_FILE_NAME, 'E', "File %s is neither a config file nor a VD settings file",
		       f->name);
		if (c->fix) {
			vmfat_dir_remove_file(c->fix, f->name);
			note(c, "removed the file %s", f->name);
		}
	} else if (kind == 1) {
		VmConf conf;
		if (vmconf_parse(vm, f->data, f->size, &conf, &ce)) {
			report(c, VDM_CHK_CONFIG_BAD, 'E', "Config file %s is invalid: line %d: %s", f->name,
			       ce.line, ce.text);
			return;
		}
		for (int d = 0; d < VM_DEV_COUNT; d++) {
			if (!conf.has_dev[d] || vmfat_dir_vdd(c->d, vm, d))
				continue;
			report(c, VDM_CHK_DEVLINE_DANGLING, 'E', "Config file %s names VD %s %s, which has no VDD",
			       f->name, vm, vm_dev_name(d));
			const VmfatFile *ff = c->fix ? vmfat_dir_file(c->fix, f->name) : NULL;
			if (ff) {
				fix_set_file(c, f->name, conf_text_set(ff->data, ff->size, vm_dev_name(d), NULL));
				note(c, "removed the %s line from %s", vm_dev_name(d), f->name);
			}
		}
	} else if (!vmfat_dir_vdd(c->d, vm, dev)) {
		report(c, VDM_CHK_ORPHAN_SETTINGS, 'E', "VD settings file %s has no VDD", f->name);
		if (c->fix) {
			vmfat_dir_remove_file(c->fix, f->name);
			note(c, "removed the file %s", f->name);
		}
	}
}

static void check_all(Chk *c)
{
	check_copies(c);
	check_alloc(c);
	for (u32 i = 0; i < c->d->nvdd; i++)
		check_vdd(c, &c->d->vdd[i]);
	for (u32 i = 0; i < c->d->nfile; i++)
		check_file(c, &c->d->file[i]);
}

int vmfat_check(Vmfat *v, bool repair, VmfatReportFn fn, void *ctx, VmfatCheckResult *res)
{
	VmfatCheckResult dummy;
	if (!res)
		res = &dummy;
	memset(res, 0, sizeof(*res));
	int saved_flags = v->flags;
	v->flags |= VMFAT_OPEN_LENIENT;
	int r = vmfat_lock(v, repair);
	if (!r)
		r = vmfat_reload(v);
	if (r)
		goto out;
	VmfatDir fix = {0};
	Chk c = {.v = v, .d = &v->dir, .fn = fn, .ctx = ctx, .res = res};
	if (repair && !v->dir_bad) {
		if (vmfat_dir_clone(&v->dir, &fix)) {
			r = vderr(&v->err, VMCP_ENOMEM, VDM_NOMEM, "Out of memory");
			goto out;
		}
		c.fix = &fix;
	}
	check_all(&c);
	if (c.refused) {
		vmfat_dir_free(&fix);
		r = VMCP_EBUSY;
		goto out;
	}
	if (c.renumber && !c.fix_failed && (r = vmfat_renumber(v))) {
		vmfat_dir_free(&fix);
		goto out;
	}
	if (!c.fix || !c.nnotes) {
		vmfat_dir_free(&fix);
		r = res->errors ? VMCP_ECORRUPT : 0;
		goto out;
	}
	if (c.fix_failed) {
		vmfat_dir_free(&fix);
		r = vderr(&v->err, VMCP_ENOMEM, VDM_NOMEM, "Out of memory preparing the repair");
		goto out;
	}
	r = vmfat_commit(v, &fix);
	vmfat_dir_free(&fix);
	if (r)
		goto out;
	for (u32 i = 0; i < c.nnotes && i < MAX_REPAIR_NOTES; i++)
		report(&c, VDM_CHK_REPAIRED, 'I', "Repaired: %s", c.notes[i]);
	if (c.nnotes > MAX_REPAIR_NOTES)
		report(&c, VDM_CHK_REPAIRED, 'I', "Repaired: %u more", c.nnotes - MAX_REPAIR_NOTES);
	res->repaired = c.nnotes;
	/* Check again, silently: what remains (already reported above) is what repair
	 * cannot fix. */
	VmfatCheckResult again = {0};
	Chk c2 = {.v = v, .d = &v->dir, .fn = NULL, .res = &again};
	if ((r = vmfat_reload(v)))
		goto out;
	check_all(&c2);
	res->errors = again.errors;
	res->warnings = again.warnings;
	r = res->errors ? VMCP_ECORRUPT : 0;
out:
	vmfat_unlock(v);
	v->flags = saved_flags;
	return r;
}
