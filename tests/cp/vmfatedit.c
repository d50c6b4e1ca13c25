/* vmfatedit.c: a test tool that damages or bends a real disk's directory the way only
 * an outside write, a bad sector or years of use would, with valid checksums where the
 * case needs them, so that the CP tests can show what the commands then do:
 *
 *   vmfatedit DASD gen N        the directory in force written again as generation N,
 *                               over the copy not in force (which thereby becomes the
 *                               newest): a counter near or at its end
 *   vmfatedit DASD next-id N    the same with the next VDD id N (ids used up)
 *   vmfatedit DASD overlap      the copy in force rewritten in place (same generation,
 *                               checksums valid) with the first VDD's first extent moved
 *                               onto the last VDD's (fails the fast check: the older copy
 *                               is what check --repair would roll back to)
 *   vmfatedit DASD tear         the copy in force's body gets a flipped byte (its checksum
 *                               fails: the older copy is in force again)
 *   vmfatedit DASD extents VM DEV   prints the VD's extents as "START COUNT" lines (sectors)
 *
 * It prints what it did; exit 0, or 1 with a reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "vd/vmfat.h"

static int die(const char *why)
{
	fprintf(stderr, "vmfatedit: %s\n", why);
	return 1;
}

/* Writes d as generation gen over copy c, checksums valid. */
static int write_copy(Vmfat *v, VmfatDir *d, int c, u64 gen)
{
	d->generation = gen;
	size_t len;
	u8 *buf = vmfat_dir_encode(&v->sb, d, c, &len);
	if (!buf)
		return die("out of memory");
	int r = backend_pwrite(v->b, buf, len, v->sb.copy_start[c] * 512);
	free(buf);
	if (!r)
		r = backend_flush(v->b);
	return r ? die("write failed") : 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return die("usage: vmfatedit DASD gen N | next-id N | overlap | tear | extents VM DEV");
	VdErr e;
	Vmfat *v = vmfat_open(argv[1], VMFAT_OPEN_LENIENT, &e);
	if (!v)
		return die(e.text);
	const char *op = argv[2];
	VmfatDir d;
	int rc = 0;
	if (vmfat_dir_clone(&v->dir, &d))
		return die("out of memory");
	int other = 1 - v->active;
	if (!strcmp(op, "gen") && argc == 4) {
		u64 gen = strtoull(argv[3], NULL, 0);
		rc = write_copy(v, &d, other, gen);
		printf("copy %c now holds generation %llu\n", "AB"[other], (unsigned long long)gen);
	} else if (!strcmp(op, "next-id") && argc == 4) {
		d.next_vdd_id = (u32)strtoul(argv[3], NULL, 0);
		rc = write_copy(v, &d, other, v->max_gen + 1);
		printf("copy %c: next VDD id %u\n", "AB"[other], d.next_vdd_id);
	} else if (!strcmp(op, "overlap")) {
		if (d.nvdd < 2)
			return die("overlap needs two VDDs");
		VmfatVdd *last = &d.vdd[d.nvdd - 1];
		d.vdd[0].extent[0].start = last->extent[0].start;
		vmfat_dir_rebuild_alloc(&d);
		rc = write_copy(v, &d, v->active, v->dir.generation);
		printf("copy %c (generation %llu): VD %s %s overlaps VD %s %s\n", "AB"[v->active],
		       (unsigned long long)d.generation, d.vdd[0].vm, vm_dev_name(d.vdd[0].dev), last->vm,
		       vm_dev_name(last->dev));
	} else if (!strcmp(op, "tear")) {
		u64 off = v->sb.copy_start[v->active] * 512 + 512;
		u8 b;
		if (backend_pread(v->b, &b, 1, off))
			return die("read failed");
		b ^= 0xFF;
		if (backend_pwrite(v->b, &b, 1, off) || backend_flush(v->b))
			return die("write failed");
		printf("copy %c torn\n", "AB"[v->active]);
	} else if (!strcmp(op, "extents") && argc == 5) {
		const VmfatVdd *x = vmfat_dir_vdd(&v->dir, argv[3], vm_dev_index(argv[4]));
		if (!x)
			return die("no such VD");
		for (u32 i = 0; i < x->nextents; i++)
			printf("%llu %llu\n", (unsigned long long)x->extent[i].start,
			       (unsigned long long)x->extent[i].count);
	} else {
		return die("unknown operation");
	}
	vmfat_dir_free(&d);
	vmfat_close(v);
	return rc;
}
