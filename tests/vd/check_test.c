/* check_test.c: the full check finds each kind of inconsistency by its message number,
 * and --repair fixes exactly the safe ones. Each case starts from a consistent disk, writes
 * a deliberately inconsistent directory generation straight to disk (valid checksums: as
 * a CP bug or a hand edit would), then runs check, check --repair, and check again. */
#include "../test.h"
#include "vdtest.h"

typedef struct Seen {
	int count[1000];
	int total;
	char last[400];
} Seen;

static void collect(void *ctx, int num, char sev, const char *text)
{
	Seen *s = ctx;
	if (num >= 0 && num < 1000)
		s->count[num]++;
	s->total++;
	snprintf(s->last, sizeof(s->last), "VMCP%03d%c %s", num, sev, text);
	printf("    VMCP%03d%c %s\n", num, sev, text);
}

/* A consistent disk: VM a (hda, fda), VM b (hdb). */
static Vmfat *base_disk(void)
{
	Vmfat *v = mem_disk(16 * MiB);
	VmConf c;
	vmconf_default(&c);
	vmfat_define_vm(v, "a", &c);
	vmfat_define_vm(v, "b", &c);
	vmfat_define_vd(v, "a", "hda", 1 * MiB);
	vmfat_define_vd(v, "a", "fda", 1440 * KiB);
	vmfat_define_vd(v, "b", "hdb", 2 * MiB);
	CHECK_EQ(full_check(v), 0);
	return v;
}

/* Writes d as the next generation without the commit's safety net (no alloc rebuild,
 * no fast check), then reloads leniently. */
static void raw_commit(Vmfat *v, VmfatDir *d, int copy)
{
	d->generation = v->max_gen + 1;
	size_t len;
	u8 *buf = vmfat_dir_encode(&v->sb, d, copy, &len);
	CHECK_EQ(backend_pwrite(v->b, buf, len, v->sb.copy_start[copy] * 512), 0);
	free(buf);
	vmfat_dir_free(d);
}

static int run_check(Vmfat *v, bool repair, Seen *s)
{
	memset(s, 0, sizeof(*s));
	VmfatCheckResult res;
	printf("  check%s:\n", repair ? " --repair" : "");
	return vmfat_check(v, repair, collect, s, &res);
}

typedef void (*Damage)(VmfatDir *d);

static void set_text(VmfatDir *d, const char *name, const char *text)
{
	vmfat_dir_set_file(d, name, text, strlen(text));
}

static void dmg_no_settings(VmfatDir *d) { vmfat_dir_remove_file(d, "a.hda.vd"); }
static void dmg_settings_diff(VmfatDir *d) { set_text(d, "a.hda.vd", "vm = a\ndevice = hda\ncapacity = 2M\n"); }
static void dmg_settings_bad(VmfatDir *d) { set_text(d, "a.fda.vd", "vm = a\ndevice = fda\ncapacity = lots\n"); }
static void dmg_no_config(VmfatDir *d) { vmfat_dir_remove_file(d, "b.conf"); }
static void dmg_no_devline(VmfatDir *d) { set_text(d, "a.conf", "memory = 8M\nfda = a.fda.vd\n"); }
static void dmg_unknown_file(VmfatDir *d) { set_text(d, "notes.txt", "hello\n"); }
static void dmg_config_bad(VmfatDir *d) { set_text(d, "b.conf", "memory = 8M\nhdb = b.hdb.vd\nwhat\n"); }
static void dmg_dangling(VmfatDir *d)
{
	/* b's VDD vanishes (and its extents from the table) but its files stay. */
	for (u32 i = 0; i < d->nvdd; i++)
		if (!strcmp(d->vdd[i].vm, "b"))
			vmfat_dir_remove_vdd(d, i);
	vmfat_dir_rebuild_alloc(d);
}
static void dmg_alloc(VmfatDir *d) { d->nalloc--; }
static void dmg_alloc_extra(VmfatDir *d)
{
	d->alloc = realloc(d->alloc, (d->nalloc + 1) * sizeof(*d->alloc));
	VmfatAlloc last = d->alloc[d->nalloc - 1];
	d->alloc[d->nalloc++] = (VmfatAlloc){last.start + last.count + 128, 128, 99};
}

static void case_repairable(const char *name, Damage dmg, int num, int count)
{
	printf("case %s\n", name);
	Vmfat *v = base_disk();
	VmfatDir d;
	vmfat_dir_clone(&v->dir, &d);
	dmg(&d);
	raw_commit(v, &d, 1 - v->active);
	Seen s;
	CHECK_EQ(run_check(v, false, &s), VMCP_ECORRUPT);
	CHECK(s.count[num] == count, "%s: %d findings %d, want %d", name, s.count[num], num, count);
	CHECK(s.total == count, "%s: %d findings in all, want %d", name, s.total, count);
	CHECK_EQ(run_check(v, true, &s), 0);
	CHECK(s.count[VDM_CHK_REPAIRED] >= 1, "%s: repairs reported", name);
	CHECK_EQ(run_check(v, false, &s), 0);
	CHECK_EQ(s.total, 0);
	/* Every VD still loads, with its data place unchanged. */
	VmBlock vm;
	CHECK_EQ(vmblock_load_from(v, "a", &vm), 0);
	CHECK_EQ(vm.nvd, 2);
	CHECK_EQ(vm.vddata[0].sectors, 2048);
	vmblock_unload(&vm);
	vmfat_close(v);
}

int main(void)
{
	case_repairable("missing VD settings file", dmg_no_settings, VDM_CHK_NO_SETTINGS, 1);
	case_repairable("VD settings file disagrees with the VDD", dmg_settings_diff, VDM_CHK_SETTINGS_DIFF, 1);
	case_repairable("invalid VD settings file", dmg_settings_bad, VDM_CHK_SETTINGS_BAD, 1);
	case_repairable("missing config file", dmg_no_config, VDM_CHK_NO_CONFIG, 1);
	case_repairable("config file lacks a device line", dmg_no_devline, VDM_CHK_NO_DEVLINE, 1);
	case_repairable("unknown file", dmg_unknown_file, VDM_CHK_FILE_NAME, 1);
	case_repairable("allocation table lacks an extent", dmg_alloc, VDM_CHK_ALLOC, 1);
	case_repairable("allocation table lists a free extent", dmg_alloc_extra, VDM_CHK_ALLOC, 1);

	/* A VDD gone, its files left: the dangling config line and the orphan file. */
	printf("case VDD missing\n");
	Vmfat *v = base_disk();
	VmfatDir d;
	vmfat_dir_clone(&v->dir, &d);
	dmg_dangling(&d);
	raw_commit(v, &d, 1 - v->active);
	Seen s;
	CHECK_EQ(run_check(v, false, &s), VMCP_ECORRUPT);
	CHECK(s.count[VDM_CHK_DEVLINE_DANGLING] == 1 && s.count[VDM_CHK_ORPHAN_SETTINGS] == 1 && s.total == 2,
	      "dangling: %d %d %d", s.count[VDM_CHK_DEVLINE_DANGLING], s.count[VDM_CHK_ORPHAN_SETTINGS],
	      s.total);
	CHECK_EQ(run_check(v, true, &s), 0);
	CHECK(!vmfat_dir_file(&v->dir, "b.hdb.vd"), "orphan removed");
	CHECK(!strstr(vmfat_dir_file(&v->dir, "b.conf")->data, "hdb"), "line removed");
	CHECK_EQ(full_check(v), 0);
	vmfat_close(v);

	/* An invalid config file cannot be repaired safely: it stays an error. */
	printf("case invalid config file\n");
	v = base_disk();
	vmfat_dir_clone(&v->dir, &d);
	dmg_config_bad(&d);
	raw_commit(v, &d, 1 - v->active);
	CHECK_EQ(run_check(v, false, &s), VMCP_ECORRUPT);
	CHECK(s.count[VDM_CHK_CONFIG_BAD] == 1 && strstr(s.last, "line 3"), "config bad: %s", s.last);
	CHECK_EQ(run_check(v, true, &s), VMCP_ECORRUPT);
	CHECK_EQ(s.count[VDM_CHK_CONFIG_BAD], 1);
	VmBlock vm;
	CHECK_EQ(vmblock_load_from(v, "b", &vm), VMCP_EINVAL);
	CHECK(vm.err.num == VDM_CONFIG_BAD && strstr(vm.err.text, "line 3"), "load: %s", vm.err.text);
	/* ...until the user puts a good one. */
	const char *good = "memory = 8M\nhdb = b.hdb.vd\n";
	CHECK_EQ(vmfat_put_file(v, "b.conf", good, strlen(good)), 0);
	CHECK_EQ(full_check(v), 0);
	vmfat_close(v);

	/* The inactive copy damaged (an interrupted update): a warning, check passes. */
	printf("case stale copy\n");
	v = base_disk();
	int other = 1 - v->active;
	u8 junk[16];
	memset(junk, 0xEE, sizeof(junk));
	backend_pwrite(v->b, junk, sizeof(junk), v->sb.copy_start[other] * 512 + 600);
	CHECK_EQ(run_check(v, false, &s), 0);
	CHECK(s.count[VDM_CHK_COPY_STALE] == 1 && s.total == 1, "stale: %d", s.count[VDM_CHK_COPY_STALE]);
	CHECK_EQ(run_check(v, true, &s), 0);
	CHECK_EQ(run_check(v, false, &s), 0);
	CHECK_EQ(s.total, 0);
	vmfat_close(v);

	/* The newest copy overlaps two VDs (valid checksums): open refuses it, check says so,
	 * repair rolls back to the intact older copy. */
	printf("case newest copy fails the fast check\n");
	v = base_disk();
	u64 before = v->dir.generation;
	vmfat_dir_clone(&v->dir, &d);
	VmfatVdd *bh = vmfat_dir_vdd(&d, "b", VM_DEV_HDB);
	bh->extent[0].start = vmfat_dir_vdd(&d, "a", VM_DEV_HDA)->extent[0].start;
	vmfat_dir_rebuild_alloc(&d);
	raw_commit(v, &d, 1 - v->active);
	VdErr e;
	Vmfat *strict = vmfat_open_backend(v->b, false, 0, &e);
	CHECK(!strict && e.num == VDM_COPY_BAD && strstr(e.text, "overlap"), "strict open: %s", e.text);
	vmfat_close(strict);
	CHECK_EQ(run_check(v, false, &s), VMCP_ECORRUPT);
	CHECK(s.count[VDM_CHK_COPY_BAD] == 1, "rollback finding: %s", s.last);
	CHECK_EQ(run_check(v, true, &s), 0);
	strict = vmfat_open_backend(v->b, false, 0, &e);
	CHECK(strict != NULL, "opens after the rollback: %s", e.text);
	if (strict) {
		CHECK(strict->dir.generation > before, "rolled back as a new generation");
		CHECK(vmfat_dir_vdd(&strict->dir, "b", VM_DEV_HDB)->extent[0].start !=
			      vmfat_dir_vdd(&strict->dir, "a", VM_DEV_HDA)->extent[0].start,
		      "the older, valid VDDs are back");
		vmfat_close(strict);
	}
	vmfat_close(v);

	/* Both copies overlap: nothing safe to do; check and repair say so and change nothing. */
	printf("case both copies fail the fast check\n");
	v = base_disk();
	for (int c = 0; c < 2; c++) {
		vmfat_dir_clone(&v->dir, &d);
		bh = vmfat_dir_vdd(&d, "b", VM_DEV_HDB);
		bh->extent[0].start = vmfat_dir_vdd(&d, "a", VM_DEV_HDA)->extent[0].start;
		vmfat_dir_rebuild_alloc(&d);
		d.generation = 100 + (u64)c;
		size_t len;
		u8 *buf = vmfat_dir_encode(&v->sb, &d, c, &len);
		backend_pwrite(v->b, buf, len, v->sb.copy_start[c] * 512);
		free(buf);
		vmfat_dir_free(&d);
	}
	CHECK_EQ(run_check(v, false, &s), VMCP_ECORRUPT);
	CHECK(s.count[VDM_CHK_STRUCT] == 1, "struct finding: %s", s.last);
	CHECK_EQ(run_check(v, true, &s), VMCP_ECORRUPT);
	CHECK_EQ(s.count[VDM_CHK_REPAIRED], 0);
	CHECK_EQ(v->max_gen, 101);
	vmfat_close(v);
	return test_summary();
}
