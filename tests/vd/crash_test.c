/* crash_test.c: crash safety of VMFAT (SQLite's crash-test idea). A sequence of
 * directory operations (define, delete, resize, put) and VD data writes runs on a
 * fault-injecting backend that loses power at the N-th write, for EVERY N from 1 until
 * the sequence completes, and for each of three fates of the unflushed writes: all of
 * them reached the disk, none did, or a pseudo-random subset did (a write cache that
 * reorders). After each crash the real disk is reopened with no fault and must show the
 * directory as it was before the interrupted operation or as it would be after it
 * (compared byte for byte with a reference run), pass the full check with no error, keep
 * the data of every VD that exists (written and flushed before the crash) where it was,
 * show zeros in every newly given sector, and accept further operations. An interrupted
 * format is tried the same way. */
#include "../test.h"
#include "vdtest.h"

#define DISK (8 * MiB)
#define DATA_TAG 0xC0FFEE

/* The operations. Each returns 0 or the error of the first failing step. */
static int op_define_vm(Vmfat *v, const char *vm)
{
	VmConf c;
	vmconf_default(&c);
	return vmfat_define_vm(v, vm, &c);
}

static int op_write_data(Vmfat *v, const char *name, u32 tag)
{
	VmBlock vm;
	int r = vmblock_load_from(v, name, &vm);
	if (r)
		return r;
	r = fill_vd(vmblock_vd(&vm, "hda"), tag);
	vmblock_unload(&vm);
	return r;
}

static int op_put_config(Vmfat *v)
{
	const char *t = "# edited\nmemory = 32M\ncpu = i386\nhda = a.hda.vd\nfda = a.fda.vd\n";
	return vmfat_put_file(v, "a.conf", t, strlen(t));
}

static int op_put_settings(Vmfat *v)
{
	const char *t = "vm = a\ndevice = hda\ncapacity = 3M\ngeometry = 6/16/63\n";
	return vmfat_put_file(v, "a.hda.vd", t, strlen(t));
}

static int run_op(Vmfat *v, int i)
{
	switch (i) {
	case 0: return op_define_vm(v, "a");
	case 1: return vmfat_define_vd(v, "a", "hda", 1 * MiB);
	case 2: return op_write_data(v, "a", DATA_TAG);
	case 3: return op_define_vm(v, "b");
	case 4: return vmfat_define_vd(v, "b", "hda", 512 * KiB);
	case 5: return op_write_data(v, "b", 0xBAD);   /* b:hda's data must never reappear */
	case 6: return vmfat_define_vd(v, "a", "fda", 1440 * KiB);
	case 7: return vmfat_resize_vd(v, "a", "hda", 2 * MiB, NULL);
	case 8: return vmfat_delete_vd(v, "b", "hda");
	case 9: return vmfat_define_vd(v, "b", "hdb", 1 * MiB);   /* over b:hda's old space */
	case 10: return op_put_config(v);
	case 11: return op_put_settings(v);
	case 12: return vmfat_delete_vd(v, "a", "fda");
	case 13: return vmfat_delete_vm(v, "a", NULL);
	case 14: return op_define_vm(v, "c");
	case 15: return vmfat_define_vd(v, "c", "hda", 4 * MiB); /* over a:hda's old space */
	default: return -100;
	}
}
#define NOPS 16

/* The directory as bytes, without the generation (which depends on failed attempts) and
 * the disk's random identity. */
typedef struct Print {
	u8 *p;
	size_t n;
} Print;

static Print fingerprint(Vmfat *v)
{
	VmfatDir d = v->dir;
	VmfatSuper sb = v->sb;
	d.generation = 0;
	memset(sb.uuid, 0, sizeof(sb.uuid));
	Print f;
	f.p = vmfat_dir_encode(&sb, &d, 0, &f.n);
	return f;
}

static bool same(Print a, Print b)
{
	return a.n == b.n && !memcmp(a.p, b.p, a.n);
}

/* The data promises: a:hda keeps its pattern in its first MiB (once op 2 completed) and
 * reads zeros beyond; b:hdb and c:hda read zeros. Returns the number of bad sectors. */
static u64 check_data(Vmfat *v, int done)
{
	u64 bad = 0;
	VmBlock vm;
	if (vmblock_load_from(v, "a", &vm) == 0) {
		VdDisk *d = vmblock_vd(&vm, "hda");
		u8 s[512];
		for (u64 lba = 0; d && lba < d->sectors; lba++) {
			if (vd_read(d, lba, 1, s))
				return 1 << 30;
			if (lba < 2048 && done > 2)
				bad += !sector_is(s, DATA_TAG, lba);
			else if (lba >= 2048)
				bad += !all_zero_buf(s, 512);
		}
		vmblock_unload(&vm);
	}
	if (vmblock_load_from(v, "b", &vm) == 0) {
		VdDisk *d = vmblock_vd(&vm, "hdb");
		if (d)
			bad += verify_vd(d, 0);
		vmblock_unload(&vm);
	}
	if (vmblock_load_from(v, "c", &vm) == 0) {
		VdDisk *d = vmblock_vd(&vm, "hda");
		if (d)
			bad += verify_vd(d, 0);
		vmblock_unload(&vm);
	}
	return bad;
}

int main(void)
{
	/* Reference run: the directory after each operation. */
	Print state[NOPS + 1];
	Vmfat *ref = mem_disk(DISK);
	state[0] = fingerprint(ref);
	for (int i = 0; i < NOPS; i++) {
		int r = run_op(ref, i);
		CHECK(r == 0, "reference op %d: %d %s", i, r, ref->err.text);
		state[i + 1] = fingerprint(ref);
	}
	CHECK_EQ(check_data(ref, NOPS), 0);
	vmfat_close(ref);

	static const char *const mode_names[] = {"keep", "drop", "some", "keep+torn", "drop+torn",
						 "some+torn"};
	u64 crashes = 0;
	for (int m = 0; m < 6; m++) {
		int mode = m % 3;
		bool torn = m >= 3;
		const char *mode_name = mode_names[m];
		u64 n;
		/* A random subset: eight different subsets per crash point. */
		for (n = 1;; n++) for (u64 seed = 0; seed < (mode == FAULT_CRASH_SOME ? 8u : 1u); seed++) {
			Backend *mem = backend_mem_new(DISK);
			VdErr e;
			CHECK_EQ(vmfat_format(mem, 0, &e), 0);
			Backend *fb = backend_fault_new(mem, false);
			Vmfat *v = vmfat_open_backend(fb, false, 0, &e);
			backend_fault_set_limit(fb, n, torn);
			int done = 0;
			while (done < NOPS && run_op(v, done) == 0)
				done++;
			bool tripped = backend_fault_tripped(fb);
			CHECK(tripped || done == NOPS, "N=%llu: op %d failed without a fault: %s",
			      (unsigned long long)n, done, v->err.text);
			vmfat_close(v);
			if (!tripped) {
				backend_close(fb);
				backend_close(mem);
				goto next_mode;
			}
			crashes++;
			CHECK_EQ(backend_fault_crash(fb, mode, n * 8 + seed), 0);
			backend_close(fb);
			/* Power back: reopen with no fault. */
			v = vmfat_open_backend(mem, true, 0, &e);
			CHECK(v != NULL, "%s N=%llu (op %d): reopen failed: %s", mode_name,
			      (unsigned long long)n, done, e.text);
			if (!v)
				continue;
			Print p = fingerprint(v);
			bool old = same(p, state[done]), new = same(p, state[done + 1]);
			CHECK(old || new, "%s N=%llu: the directory after a crash in op %d is neither old nor new",
			      mode_name, (unsigned long long)n, done);
			free(p.p);
			u32 findings = 0;
			VmfatCheckResult res;
			CHECK_EQ(vmfat_check(v, false, NULL, NULL, &res), 0);
			findings = res.errors;
			CHECK(findings == 0, "%s N=%llu: check found %u errors", mode_name,
			      (unsigned long long)n, findings);
			u64 bad = check_data(v, done);
			CHECK(bad == 0, "%s N=%llu (op %d): %llu bad data sectors", mode_name,
			      (unsigned long long)n, done, (unsigned long long)bad);
			/* The disk goes on working, and check --repair leaves nothing to say. */
			CHECK_EQ(op_define_vm(v, "after"), 0);
			CHECK_EQ(vmfat_define_vd(v, "after", "hdd", 256 * KiB), 0);
			CHECK_EQ(vmfat_check(v, true, NULL, NULL, &res), 0);
			CHECK_EQ(res.errors + res.warnings, 0);
			vmfat_close(v);
		}
	next_mode:
		printf("mode %s: %llu crash points (every write of the sequence)\n", mode_name,
		       (unsigned long long)(n - 1));
	}
	CHECK(crashes > 6 * NOPS, "crash points exercised: %llu", (unsigned long long)crashes);

	/* An interrupted format: the disk either opens (and checks clean) or says clearly
	 * that it holds no VMFAT; never anything else. */
	for (u64 n = 1; n <= 4; n++) {
		for (int mode = FAULT_CRASH_KEEP; mode <= FAULT_CRASH_DROP; mode++) {
			Backend *mem = backend_mem_new(DISK);
			Backend *fb = backend_fault_new(mem, false);
			backend_fault_set_limit(fb, n, true);
			VdErr e;
			int r = vmfat_format(fb, 0, &e);
			CHECK(r != 0 || n == 4, "format with fault at write %llu", (unsigned long long)n);
			backend_fault_crash(fb, mode, n);
			backend_close(fb);
			Vmfat *v = vmfat_open_backend(mem, true, 0, &e);
			if (v) {
				CHECK_EQ(full_check(v), 0);
				vmfat_close(v);
			} else {
				CHECK(e.code == VMCP_ECORRUPT && (e.num == VDM_NOT_VMFAT || e.num == VDM_NO_COPY),
				      "interrupted format: %d %s", e.num, e.text);
			}
		}
	}
	for (int i = 0; i <= NOPS; i++)
		free(state[i].p);
	return test_summary();
}
