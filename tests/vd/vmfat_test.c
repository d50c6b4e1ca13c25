/* vmfat_test.c: VMFAT end to end through the library: format and open (layouts from
 * 1 MiB to 16 TiB), define/delete VMs and VDs, round trips of VD data through the VD
 * manager across a reopen (memory and host file), zeros over reused space, growth in
 * place and by a new extent, fragmentation, every refusal leaving the directory
 * unchanged, `directory put` semantics, and the full check after all of it. */
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vd/vdconf.h"

#include "../test.h"
#include "vdtest.h"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static const char *file_text(Vmfat *v, const char *name)
{
	VmfatFile *f = vmfat_dir_file(&v->dir, name);
	return f ? f->data : "(missing)";
}

static void test_format_layout(void)
{
	Vmfat *v = mem_disk(64 * MiB);
	CHECK_EQ(v->sb.unit_sectors, 128);   /* 64 KiB under 1 GiB */
	CHECK_EQ(v->sb.copy_start[0], 8);
	CHECK_EQ(v->sb.copy_sectors, 512);   /* 64M/256 = 256 KiB */
	CHECK_EQ(v->sb.data_start % 128, 0);
	CHECK(v->sb.data_start >= 8 + 2 * 512, "data area after the copies");
	CHECK_EQ(v->sb.data_end, 64 * MiB / 512);
	CHECK_EQ(v->dir.generation, 2);
	CHECK_EQ(v->active, 1);
	CHECK_EQ(v->copy_state[0], COPY_GOOD);
	CHECK_EQ(v->dir.nvdd + v->dir.nfile, 0);
	CHECK_EQ(full_check(v), 0);
	vmfat_close(v);

	/* The smallest real disk: 1 MiB. */
	v = mem_disk(1 * MiB);
	CHECK_EQ(v->sb.copy_sectors, 128);
	CHECK_EQ(v->sb.data_start, 384);
	CHECK_EQ(v->sb.data_end, 2048);
	VmConf c;
	vmconf_default(&c);
	CHECK_EQ(vmfat_define_vm(v, "tiny", &c), 0);
	CHECK_EQ(vmfat_define_vd(v, "tiny", "fda", 720 * KiB), 0);
	CHECK_EQ(vmfat_define_vd(v, "tiny", "hda", 128 * KiB), VMCP_ENOSPC);
	CHECK_EQ(v->err.num, VDM_NOSPACE);
	CHECK_EQ(vmfat_define_vd(v, "tiny", "hda", 64 * KiB), 0);
	CHECK_EQ(full_check(v), 0);
	/* The directory (one 64 KiB copy area here) fills up: message 130, nothing changes. */
	char name[32];
	int defined = 0, r = 0;
	u64 gen = 0;
	for (int i = 0; i < 2000 && !r; i++) {
		snprintf(name, sizeof(name), "vm%d", i);
		gen = v->dir.generation;
		if (!(r = vmfat_define_vm(v, name, &c)))
			defined++;
	}
	CHECK(r == VMCP_ENOSPC && v->err.num == VDM_DIR_FULL, "directory full: %d %d %s", r, v->err.num,
	      v->err.text);
	CHECK(defined > 100 && v->dir.generation == gen, "%d VMs fit; the refusal changed nothing", defined);
	CHECK_EQ(full_check(v), 0);
	CHECK_EQ(vmfat_delete_vm(v, "vm0", NULL), 0);
	CHECK_EQ(vmfat_define_vm(v, "again", &c), 0);
	/* A caller's invalid settings never reach the disk. */
	VmConf badc = c;
	badc.memory = 12345;
	CHECK_EQ(vmfat_define_vm(v, "badmem", &badc), VMCP_EINVAL);
	CHECK_EQ(v->err.num, VDM_VM_OPTION);
	vmfat_close(v);

	/* Too small, and bigger than the store. */
	Backend *b = backend_mem_new(1 * MiB - 512);
	VdErr e;
	CHECK_EQ(vmfat_format(b, 0, &e), VMCP_ERANGE);
	CHECK_EQ(e.num, VDM_DISK_SIZE);
	CHECK_EQ(vmfat_format(b, 2 * MiB, &e), VMCP_ERANGE);
	backend_close(b);
}

static void test_define_and_files(void)
{
	Vmfat *v = mem_disk(64 * MiB);
	VmConf c;
	vmconf_default(&c);
	c.memory = 128 * MiB;
	c.cpu = VM_CPU_I486;
	c.console = VM_CONSOLE_VGA;
	c.nboot = 1;
	c.boot[0] = VM_DEV_FDA;
	CHECK_EQ(vmfat_define_vm(v, "web", &c), 0);
	CHECK(!strcmp(file_text(v, "web.conf"),
		      "# VMCP config file of VM web (vmcp directory get web.conf)\n"
		      "memory = 128M\ncpu = i486\nboot = fda\nconsole = vga\n"),
	      "web.conf: %s", file_text(v, "web.conf"));
	CHECK_EQ(vmfat_define_vd(v, "web", "hda", 10 * MiB), 0);
	CHECK_EQ(vmfat_define_vd(v, "web", "fda", 1440 * KiB), 0);
	CHECK(!strcmp(file_text(v, "web.hda.vd"),
		      "# VMCP VD settings file of VD web hda (vmcp directory get web.hda.vd)\n"
		      "vm = web\ndevice = hda\ntype = disk\ncapacity = 10M\ngeometry = 20/16/63\n"
		      "readonly = no\n"),
	      "web.hda.vd: %s", file_text(v, "web.hda.vd"));
	CHECK(strstr(file_text(v, "web.fda.vd"), "type = floppy\ncapacity = 1440K\ngeometry = 80/2/18\n"),
	      "fda settings");
	CHECK(strstr(file_text(v, "web.conf"), "console = vga\nhda = web.hda.vd\nfda = web.fda.vd\n"),
	      "config lines: %s", file_text(v, "web.conf"));
	VmfatVdd *d = vmfat_dir_vdd(&v->dir, "web", VM_DEV_HDA);
	CHECK(d && d->capacity == 20480 && d->nextents == 1 && d->extent[0].count == 20480 &&
		      d->extent[0].start == v->sb.data_start && d->id == 1,
	      "hda VDD");
	d = vmfat_dir_vdd(&v->dir, "web", VM_DEV_FDA);
	CHECK(d && d->capacity == 2880 && d->type == VD_TYPE_FD && d->extent[0].count == 2944, "fda VDD");
	CHECK_EQ(v->dir.nalloc, 2);
	CHECK_EQ(v->dir.next_vdd_id, 3);

	/* Refusals: each leaves the directory as it was. */
	u64 gen = v->dir.generation;
	struct {
		int r, num;
	} got[16];
	int n = 0;
#define TRY(call) (got[n].r = (call), got[n].num = v->err.num, n++)
	TRY(vmfat_define_vm(v, "web", &c));                    /* 0: exists */
	TRY(vmfat_define_vm(v, "Web", &c));                    /* 1: upper case */
	TRY(vmfat_define_vm(v, "a-very-long-vm-name", &c));    /* 2: too long */
	TRY(vmfat_define_vd(v, "nosuch", "hda", MiB));         /* 3 */
	TRY(vmfat_define_vd(v, "web", "hda", MiB));            /* 4: exists */
	TRY(vmfat_define_vd(v, "web", "hde", MiB));            /* 5 */
	TRY(vmfat_define_vd(v, "web", "fdb", 1000 * KiB));     /* 6: odd floppy */
	TRY(vmfat_define_vd(v, "web", "hdb", 1000));           /* 7: not sectors */
	TRY(vmfat_define_vd(v, "web", "hdb", 3 * TiB));        /* 8: > 2T */
	TRY(vmfat_define_vd(v, "web", "hdb", 60 * MiB));       /* 9: no space */
	TRY(vmfat_delete_vd(v, "web", "hdc"));                 /* 10 */
	TRY(vmfat_delete_vm(v, "nosuch", NULL));               /* 11 */
	TRY(vmfat_resize_vd(v, "web", "hda", 5 * MiB, NULL));  /* 12: shrink */
	TRY(vmfat_resize_vd(v, "web", "hda", 200 * MiB, NULL)); /* 13: no space */
#undef TRY
	static const int want_r[] = {VMCP_EEXIST, VMCP_EINVAL, VMCP_EINVAL, VMCP_ENOENT, VMCP_EEXIST,
				     VMCP_EINVAL, VMCP_EINVAL, VMCP_EINVAL, VMCP_ERANGE, VMCP_ENOSPC,
				     VMCP_ENOENT, VMCP_ENOENT, VMCP_ERANGE, VMCP_ENOSPC};
	static const int want_num[] = {VDM_VM_EXISTS, VDM_VM_NAME, VDM_VM_NAME, VDM_VM_NOT_FOUND,
				       VDM_VD_EXISTS, VDM_DEV, VDM_VD_SIZE, VDM_VD_SIZE, VDM_VD_SIZE,
				       VDM_NOSPACE, VDM_VD_NOT_FOUND, VDM_VM_NOT_FOUND, VDM_VD_SHRINK,
				       VDM_NOSPACE};
	for (int i = 0; i < n; i++) {
		CHECK(got[i].r == want_r[i], "refusal %d: code %d, want %d", i, got[i].r, want_r[i]);
		CHECK(got[i].num == want_num[i], "refusal %d: message %d, want %d", i, got[i].num,
		      want_num[i]);
	}
	CHECK_EQ(v->dir.generation, gen);
	CHECK_EQ(vmfat_resize_vd(v, "web", "hda", 10 * MiB, NULL), 0); /* same size: nothing */
	CHECK_EQ(v->dir.generation, gen);

	/* directory put: a valid config replaces the old one verbatim. */
	const char *cfg = "# mine\nmemory = 256M   # more\ncpu = pentium\nhda = web.hda.vd\nfda = web.fda.vd\n";
	CHECK_EQ(vmfat_put_file(v, "web.conf", cfg, strlen(cfg)), 0);
	CHECK(!strcmp(file_text(v, "web.conf"), cfg), "put stored verbatim");
	/* Bad files: line numbers, nothing changes. */
	gen = v->dir.generation;
	const char *bad1 = "memory = 256M\ncpu = z80\n";
	CHECK_EQ(vmfat_put_file(v, "web.conf", bad1, strlen(bad1)), VMCP_EINVAL);
	CHECK(v->err.num == VDM_FILE_LINE && strstr(v->err.text, "line 2: cpu: unknown model z80"),
	      "bad1: %s", v->err.text);
	const char *bad2 = "memory = 256M\nhda = web.hda.vd\nfda = web.fda.vd\nhdb = web.hdb.vd\n";
	CHECK_EQ(vmfat_put_file(v, "web.conf", bad2, strlen(bad2)), VMCP_EINVAL);
	CHECK(v->err.num == VDM_FILE_REFUSED && strstr(v->err.text, "hdb line cannot be added"),
	      "bad2: %s", v->err.text);
	const char *bad3 = "memory = 256M\nhda = web.hda.vd\n";
	CHECK_EQ(vmfat_put_file(v, "web.conf", bad3, strlen(bad3)), VMCP_EINVAL);
	CHECK(strstr(v->err.text, "fda line cannot be removed"), "bad3: %s", v->err.text);
	CHECK_EQ(vmfat_put_file(v, "other.conf", cfg, strlen(cfg)), VMCP_EINVAL); /* hda names web's */
	const char *oth = "memory = 1M\n";
	CHECK_EQ(vmfat_put_file(v, "other.conf", oth, strlen(oth)), VMCP_ENOENT);
	CHECK_EQ(vmfat_put_file(v, "notes.txt", oth, strlen(oth)), VMCP_EINVAL);
	CHECK_EQ(v->err.num, VDM_FILE_REFUSED);
	const char *vbad = "vm = web\ndevice = hdb\ncapacity = 10M\n";
	CHECK_EQ(vmfat_put_file(v, "web.hda.vd", vbad, strlen(vbad)), VMCP_EINVAL);
	CHECK(strstr(v->err.text, "describes VD web hdb"), "vbad: %s", v->err.text);
	const char *vshrink = "vm = web\ndevice = hda\ncapacity = 9M\n";
	CHECK_EQ(vmfat_put_file(v, "web.hda.vd", vshrink, strlen(vshrink)), VMCP_ERANGE);
	CHECK_EQ(v->dir.generation, gen);
	CHECK(!strcmp(file_text(v, "web.conf"), cfg), "unchanged after refusals");

	/* A settings file that grows the VD and makes it read-only changes its VDD too. */
	const char *vgrow = "vm = web\ndevice = hda\ncapacity = 12M\ngeometry = 100/4/17\nreadonly = yes\n";
	CHECK_EQ(vmfat_put_file(v, "web.hda.vd", vgrow, strlen(vgrow)), 0);
	d = vmfat_dir_vdd(&v->dir, "web", VM_DEV_HDA);
	CHECK(d && d->capacity == 24576 && d->readonly && d->nextents == 2, "grown by put");
	VdDisk vd;
	CHECK_EQ(vmfat_vd_load(v, d, &vd), 0);
	CHECK(vd.geom.cylinders == 100 && vd.geom.heads == 4 && vd.geom.sectors == 17 && vd.readonly,
	      "vd_load takes the settings file's geometry");
	const char *vcd = "vm = web\ndevice = hda\ntype = cdrom\ncapacity = 12M\n";
	CHECK_EQ(vmfat_put_file(v, "web.hda.vd", vcd, strlen(vcd)), 0);
	d = vmfat_dir_vdd(&v->dir, "web", VM_DEV_HDA);
	CHECK(d && d->type == VD_TYPE_CDROM && d->readonly, "cdrom by put");
	/* The disc: recorded in the settings file, loaded into the VdDisk; refused when it
	 * does not fit or for a disk. */
	CHECK_EQ(vmfat_set_medium(v, "web", "hda", 6 * MiB), 0);
	d = vmfat_dir_vdd(&v->dir, "web", VM_DEV_HDA);
	CHECK(d && vmfat_vd_load(v, d, &vd) == 0 && vd.medium == 6 * MiB, "medium loaded");
	VmfatFile *sf = vmfat_dir_file(&v->dir, "web.hda.vd");
	CHECK(sf && strstr(sf->data, "\nmedium = 6M\n"), "medium in the settings file");
	CHECK_EQ(vmfat_set_medium(v, "web", "hda", 13 * MiB), VMCP_ERANGE);
	CHECK_EQ(vmfat_set_medium(v, "web", "hda", 1000), VMCP_ERANGE);
	CHECK_EQ(vmfat_set_medium(v, "web", "fda", 2048), VMCP_EINVAL);
	CHECK_EQ(v->err.num, VDM_NOT_CDROM);
	CHECK_EQ(vmfat_set_medium(v, "web", "hda", 0), 0);
	d = vmfat_dir_vdd(&v->dir, "web", VM_DEV_HDA);
	CHECK(d && vmfat_vd_load(v, d, &vd) == 0 && vd.medium == 0, "no disc");
	/* define vd with a type: a CD-ROM on hdX only, read-only, empty. */
	CHECK_EQ(vmfat_define_vd_type(v, "web", "fdb", 2 * MiB, VD_TYPE_CDROM), VMCP_EINVAL);
	CHECK_EQ(vmfat_define_vd_type(v, "web", "hdd", 2 * MiB, VD_TYPE_CDROM), 0);
	d = vmfat_dir_vdd(&v->dir, "web", VM_DEV_HDD);
	CHECK(d && d->type == VD_TYPE_CDROM && d->readonly && vmfat_vd_load(v, d, &vd) == 0 && vd.medium == 0,
	      "define vd --type cdrom");
	CHECK_EQ(vmfat_delete_vd(v, "web", "hdd"), 0);
	CHECK_EQ(full_check(v), 0);

	/* Deleting. */
	u32 nvds = 0;
	CHECK_EQ(vmfat_delete_vd(v, "web", "fda"), 0);
	CHECK(!strstr(file_text(v, "web.conf"), "fda ="), "fda line removed");
	CHECK(strstr(file_text(v, "web.conf"), "# mine\n"), "comments survive define/delete");
	CHECK(!vmfat_dir_file(&v->dir, "web.fda.vd"), "settings file removed");
	CHECK_EQ(vmfat_delete_vm(v, "web", &nvds), 0);
	CHECK_EQ(nvds, 1);
	CHECK_EQ(v->dir.nvdd + v->dir.nfile + v->dir.nalloc, 0);
	CHECK_EQ(full_check(v), 0);
	vmfat_close(v);
}

/* Define, write through the VD manager, reopen, read back; reused space reads as zeros. */
static void test_round_trip(Backend *b, bool reopen_file, const char *path)
{
	VdErr e;
	CHECK_EQ(vmfat_format(b, 0, &e), 0);
	Vmfat *v = vmfat_open_backend(b, !reopen_file ? false : true, 0, &e);
	VmConf c;
	vmconf_default(&c);
	CHECK_EQ(vmfat_define_vm(v, "a", &c), 0);
	CHECK_EQ(vmfat_define_vm(v, "b", &c), 0);
	CHECK_EQ(vmfat_define_vd(v, "a", "hda", 3 * MiB + 512), 0);
	CHECK_EQ(vmfat_define_vd(v, "a", "hdb", 2 * MiB), 0);
	CHECK_EQ(vmfat_define_vd(v, "b", "hda", 1 * MiB), 0);
	VmBlock va, vb;
	CHECK_EQ(vmblock_load_from(v, "a", &va), 0);
	CHECK_EQ(vmblock_load_from(v, "b", &vb), 0);
	CHECK_EQ(va.nvd, 2);
	CHECK(va.config.memory == 64 * MiB && va.config.has_dev[VM_DEV_HDA], "config in VMBLOCK");
	CHECK_EQ(vmblock_vd(&va, "hda")->sectors, 6145);
	CHECK_EQ(fill_vd(vmblock_vd(&va, "hda"), 0xA1), 0);
	CHECK_EQ(fill_vd(vmblock_vd(&va, "hdb"), 0xA2), 0);
	CHECK_EQ(fill_vd(vmblock_vd(&vb, "hda"), 0xB1), 0);
	vmblock_unload(&va);
	vmblock_unload(&vb);
	if (reopen_file) {
		vmfat_close(v);
		v = vmfat_open(path, 0, &e);
		CHECK(v != NULL, "reopen %s: %s", path, e.text);
		if (!v)
			return;
	} else {
		vmfat_close(v);
		v = vmfat_open_backend(b, false, 0, &e);
	}
	CHECK_EQ(vmblock_load_from(v, "a", &va), 0);
	CHECK_EQ(vmblock_load_from(v, "b", &vb), 0);
	CHECK_EQ(verify_vd(vmblock_vd(&va, "hda"), 0xA1), 0);
	CHECK_EQ(verify_vd(vmblock_vd(&va, "hdb"), 0xA2), 0);
	CHECK_EQ(verify_vd(vmblock_vd(&vb, "hda"), 0xB1), 0);
	VdExtent old_hdb = vmblock_vd(&va, "hdb")->extent[0];
	vmblock_unload(&va);
	vmblock_unload(&vb);
	/* Delete a:hdb (full of 0xA2) and give its space to b:hdb: zeros, not a's data. */
	CHECK_EQ(vmfat_delete_vd(v, "a", "hdb"), 0);
	CHECK_EQ(vmfat_define_vd(v, "b", "hdb", 2 * MiB), 0);
	CHECK_EQ(vmblock_load_from(v, "b", &vb), 0);
	VdDisk *nb = vmblock_vd(&vb, "hdb");
	CHECK(nb && nb->extent[0].start == old_hdb.start, "the new VD reuses the old space");
	CHECK_EQ(verify_vd(nb, 0), 0);
	vmblock_unload(&vb);
	/* Growth: a:hda can grow in place (its neighbour is gone)? It is followed by b:hda. */
	CHECK_EQ(vmblock_load_from(v, "a", &va), 0);
	VdExtent a0 = va.vddata[0].extent[0];
	vmblock_unload(&va);
	CHECK_EQ(vmfat_resize_vd(v, "a", "hda", 5 * MiB, NULL), 0);
	CHECK_EQ(vmblock_load_from(v, "a", &va), 0);
	VdDisk *ah = vmblock_vd(&va, "hda");
	CHECK_EQ(ah->sectors, 10240);
	CHECK(ah->nextents == 2 && ah->extent[0].start == a0.start, "grown by a second extent");
	/* The old 6145 sectors kept their data; the rest reads as zeros. */
	u8 buf[512];
	u64 bad = 0;
	for (u64 lba = 0; lba < ah->sectors; lba++) {
		CHECK_EQ(vd_read(ah, lba, 1, buf), 0);
		bad += lba < 6145 ? !sector_is(buf, 0xA1, lba) : !all_zero_buf(buf, 512);
	}
	CHECK_EQ(bad, 0);
	vmblock_unload(&va);
	/* a:hda's second extent is last on the disk: it grows in place. */
	CHECK_EQ(vmfat_resize_vd(v, "a", "hda", 6 * MiB, NULL), 0);
	VmfatVdd *d = vmfat_dir_vdd(&v->dir, "a", VM_DEV_HDA);
	CHECK(d && d->nextents == 2 && d->extent[0].count + d->extent[1].count == 12288,
	      "grown in place");
	CHECK(strstr(file_text(v, "a.hda.vd"), "capacity = 6M\ngeometry = 12/16/63\n"),
	      "settings follow the growth: %s", file_text(v, "a.hda.vd"));
	CHECK_EQ(full_check(v), 0);
	vmfat_close(v);
}

static void test_fragmentation(void)
{
	Vmfat *v = mem_disk(32 * MiB);
	VmConf c;
	vmconf_default(&c);
	char name[16];
	/* 80 VMs with one 64 KiB floppy-free disk each, then delete every other one. */
	for (int i = 0; i < 80; i++) {
		snprintf(name, sizeof(name), "v%d", i);
		CHECK_EQ(vmfat_define_vm(v, name, &c), 0);
		CHECK_EQ(vmfat_define_vd(v, name, "hda", 64 * KiB), 0);
	}
	for (int i = 0; i < 80; i += 2) {
		snprintf(name, sizeof(name), "v%d", i);
		CHECK_EQ(vmfat_delete_vm(v, name, NULL), 0);
	}
	/* The rest of the disk is one big hole at the end: fill it. */
	VmfatSpace s;
	vmfat_space(v, &s);
	CHECK_EQ(s.nfree, 41);
	u64 tail = s.largest_free;
	CHECK_EQ(vmfat_define_vm(v, "filler", &c), 0);
	CHECK_EQ(vmfat_define_vd(v, "filler", "hda", tail * 512), 0);
	vmfat_space(v, &s);
	CHECK_EQ(s.nfree, 40);
	CHECK_EQ(s.largest_free, 128);
	/* 30 holes of 64 KiB: a 30-extent VD. */
	CHECK_EQ(vmfat_define_vm(v, "frag", &c), 0);
	CHECK_EQ(vmfat_define_vd(v, "frag", "hda", 30 * 64 * KiB - 512), 0);
	VmBlock vm;
	CHECK_EQ(vmblock_load_from(v, "frag", &vm), 0);
	CHECK_EQ(vm.vddata[0].nextents, 30);
	CHECK_EQ(fill_vd(&vm.vddata[0], 0xF7), 0);
	CHECK_EQ(verify_vd(&vm.vddata[0], 0xF7), 0);
	vmblock_unload(&vm);
	/* 10 holes left: 11 units cannot be found; the refusal changes nothing. */
	CHECK_EQ(vmfat_define_vd(v, "frag", "hdb", 11 * 64 * KiB), VMCP_ENOSPC);
	CHECK_EQ(vmfat_define_vd(v, "frag", "hdb", 10 * 64 * KiB), 0);
	CHECK_EQ(full_check(v), 0);
	/* More than 64 extents: the limit of a VDD. */
	vmfat_close(v);
	v = mem_disk(32 * MiB);
	for (int i = 0; i < 140; i++) {
		snprintf(name, sizeof(name), "w%d", i);
		CHECK_EQ(vmfat_define_vm(v, name, &c), 0);
		CHECK_EQ(vmfat_define_vd(v, name, "hda", 64 * KiB), 0);
	}
	for (int i = 0; i < 140; i += 2) {
		snprintf(name, sizeof(name), "w%d", i);
		CHECK_EQ(vmfat_delete_vm(v, name, NULL), 0);
	}
	vmfat_space(v, &s);
	CHECK_EQ(vmfat_define_vm(v, "f", &c), 0);
	CHECK_EQ(vmfat_define_vd(v, "f", "hda", s.largest_free * 512), 0);
	CHECK_EQ(vmfat_define_vd(v, "f", "hdb", 65 * 64 * KiB), VMCP_ENOSPC);
	CHECK_EQ(v->err.num, VDM_FRAGMENTED);
	CHECK_EQ(vmfat_define_vd(v, "f", "hdb", 64 * 64 * KiB), 0);
	CHECK_EQ(full_check(v), 0);
	vmfat_close(v);
}

/* A 16 TiB real disk (sparse file) with a 2 TiB VD: metadata stays small, operations
 * stay fast, the last sector of the VD works. ext4 files stop just short of 16 TiB, so
 * the file goes to /dev/shm (tmpfs) when the build directory cannot hold it. */
static void test_huge(const char *dir)
{
	char path[512];
	const char *dirs[] = {dir, "/dev/shm"};
	Backend *b = NULL;
	int err;
	for (size_t i = 0; i < 2 && !b; i++) {
		snprintf(path, sizeof(path), "%s/vmfat_test_16t.%d.dasd", dirs[i], (int)getpid());
		unlink(path);
		b = backend_open_file(path, BACKEND_CREATE, 16 * TiB, &err);
	}
	if (!b) {
		printf("note: no file system here holds a 16 TiB sparse file; huge-disk case skipped\n");
		return;
	}
	double t0 = now_s();
	VdErr e;
	CHECK_EQ(vmfat_format(b, 0, &e), 0);
	backend_close(b);
	Vmfat *v = vmfat_open(path, 0, &e);
	CHECK(v != NULL, "open 16T: %s", e.text);
	if (!v) {
		unlink(path);
		return;
	}
	CHECK_EQ(v->sb.unit_sectors, 2048);
	CHECK_EQ(v->sb.copy_sectors, 16384); /* 8 MiB */
	CHECK_EQ(v->sb.data_end, 16 * TiB / 512);
	VmConf c;
	vmconf_default(&c);
	CHECK_EQ(vmfat_define_vm(v, "big", &c), 0);
	CHECK_EQ(vmfat_define_vd(v, "big", "hda", 2 * TiB), 0);
	CHECK_EQ(vmfat_define_vd(v, "big", "hdb", 2 * TiB), 0);
	CHECK_EQ(vmfat_define_vd(v, "big", "hdc", 1 * TiB), 0);
	CHECK_EQ(vmfat_resize_vd(v, "big", "hdc", 2 * TiB, NULL), 0);
	VmBlock vm;
	CHECK_EQ(vmblock_load_from(v, "big", &vm), 0);
	VdDisk *hdb = vmblock_vd(&vm, "hdb");
	u8 s[512];
	fill_sector(s, 0xB16, hdb->sectors - 1);
	CHECK_EQ(vd_write(hdb, hdb->sectors - 1, 1, s), 0);
	CHECK_EQ(vd_write(hdb, hdb->sectors, 1, s), VMCP_ERANGE);
	memset(s, 0, sizeof(s));
	CHECK_EQ(vd_read(hdb, hdb->sectors - 1, 1, s), 0);
	CHECK(sector_is(s, 0xB16, hdb->sectors - 1), "last sector of a 2 TiB VD");
	CHECK_EQ(hdb->geom.cylinders, 16383);
	vmblock_unload(&vm);
	CHECK_EQ(full_check(v), 0);
	vmfat_close(v);
	double t = now_s() - t0;
	printf("16 TiB real disk (%s), three 2 TiB VDs: %.6f s\n", path, t);
	CHECK(t < 20, "16 TiB operations took %.1f s", t);
	struct stat st;
	CHECK(stat(path, &st) == 0 && (u64)st.st_blocks * 512 < 64 * MiB, "the real disk stays sparse");
	unlink(path);
}

int main(void)
{
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build/release";
	test_format_layout();
	test_define_and_files();
	Backend *m = backend_mem_new(16 * MiB);
	test_round_trip(m, false, NULL);
	backend_close(m);
	char path[512];
	snprintf(path, sizeof(path), "%s/vmfat_test.%d.dasd", build, (int)getpid());
	unlink(path);
	int err;
	Backend *f = backend_open_file(path, BACKEND_CREATE, 16 * MiB, &err);
	CHECK(f != NULL, "create %s", path);
	if (f)
		test_round_trip(f, true, path);
	unlink(path);
	test_fragmentation();
	test_huge(build);
	return test_summary();
}
