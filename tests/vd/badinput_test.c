/* badinput_test.c: a damaged real disk gives a clear numbered error, never a crash, a
 * hang or a wrong answer. A populated disk image is truncated at every interesting
 * length, has its superblock and copies zeroed, and is corrupted at random (a few bytes,
 * bursts, and corruption with the checksums recomputed so that the decoder itself sees
 * the garbage) thousands of times; each time the open either fails with a known message
 * or succeeds with a directory that passes the fast check, and then the full check,
 * queries and further operations must run without a sanitizer report (this test runs
 * under ASan+UBSan in `make MODE=asan check`). */
#include "../test.h"
#include "vd/crc32c.h"
#include "vdtest.h"

#define DISK (4 * MiB)

static Backend *image_copy(const u8 *img, u64 size)
{
	Backend *b = backend_mem_new(size);
	memcpy(backend_mem_data(b), img, size);
	return b;
}

/* Builds a small populated disk and returns its bytes (malloc'd). */
static u8 *build_image(VmfatSuper *sb)
{
	Vmfat *v = mem_disk(DISK);
	VmConf c;
	vmconf_default(&c);
	vmfat_define_vm(v, "alpha", &c);
	vmfat_define_vm(v, "beta", &c);
	vmfat_define_vd(v, "alpha", "hda", 256 * KiB);
	vmfat_define_vd(v, "alpha", "fda", 360 * KiB);
	vmfat_define_vd(v, "beta", "hdb", 128 * KiB);
	vmfat_resize_vd(v, "alpha", "hda", 512 * KiB, NULL);
	*sb = v->sb;
	u8 *img = malloc(DISK);
	memcpy(img, backend_mem_data(v->b), DISK);
	CHECK_EQ(v->dir.nvdd, 3);
	vmfat_close(v);
	return img;
}

static const int known_msgs[] = {VDM_NOT_VMFAT, VDM_SUPER_BAD, VDM_VERSION, VDM_NO_COPY,
				 VDM_COPY_BAD, VDM_TRUNCATED, VDM_IO};

static bool known_failure(const VdErr *e)
{
	for (size_t i = 0; i < ARRAY_SIZE(known_msgs); i++)
		if (e->num == known_msgs[i])
			return e->code < 0 && e->text[0];
	return false;
}

/* Opens b (owned) and exercises whatever opens. Returns 1 if it opened. */
static int try_disk(Backend *b, const char *what)
{
	VdErr e = {0};
	Vmfat *v = vmfat_open_backend(b, true, 0, &e);
	if (!v) {
		CHECK(known_failure(&e), "%s: unexpected failure %d/%d '%s'", what, e.code, e.num, e.text);
		/* check opens leniently: it must also fail cleanly or work. */
		return 0;
	}
	char why[200];
	CHECK(vmfat_fast_check(&v->sb, &v->dir, why, sizeof(why)) == 0, "%s: opened a bad dir: %s", what,
	      why);
	VmfatCheckResult res;
	int r = vmfat_check(v, false, NULL, NULL, &res);
	CHECK(r == 0 || r == VMCP_ECORRUPT, "%s: check returned %d", what, r);
	VmfatSpace s;
	vmfat_space(v, &s);
	CHECK(s.used <= s.total && s.free + s.used == s.total, "%s: space adds up", what);
	/* Operations on whatever is there: succeed or fail cleanly, and keep it valid. */
	VmConf c;
	vmconf_default(&c);
	vmfat_define_vm(v, "gamma", &c);
	vmfat_define_vd(v, "gamma", "hda", 64 * KiB);
	vmfat_resize_vd(v, "alpha", "hda", 1 * MiB, NULL);
	vmfat_delete_vd(v, "beta", "hdb");
	VmBlock vm;
	if (vmblock_load_from(v, "alpha", &vm) == 0) {
		u8 sec[512] = {0};
		for (u32 i = 0; i < vm.nvd; i++)
			CHECK(vd_read(&vm.vddata[i], vm.vddata[i].sectors - 1, 1, sec) == 0 &&
				      vd_read(&vm.vddata[i], vm.vddata[i].sectors, 1, sec) == VMCP_ERANGE,
			      "%s: VD bounds", what);
		vmblock_unload(&vm);
	}
	CHECK(vmfat_fast_check(&v->sb, &v->dir, why, sizeof(why)) == 0, "%s: operations broke it: %s", what,
	      why);
	vmfat_check(v, true, NULL, NULL, &res);
	vmfat_close(v);
	return 1;
}

/* Recomputes the checksums of directory copy c in img (docs/vmfat.md offsets). */
static void fix_copy_crcs(u8 *img, const VmfatSuper *sb, int c)
{
	u8 *h = img + sb->copy_start[c] * 512;
	u32 blen = get_le32(h + 40);
	if (blen <= (sb->copy_sectors - 1) * 512)
		put_le32(h + 44, crc32c(0, h + 512, blen));
	put_le32(h + 12, 0);
	put_le32(h + 12, crc32c(0, h, 512));
}

static u64 rng_state = 0x1234567;
static u64 rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

int main(void)
{
	VmfatSuper sb;
	u8 *img = build_image(&sb);
	u64 meta_end = sb.data_start * 512;
	char what[120];

	/* The image itself opens. */
	CHECK_EQ(try_disk(image_copy(img, DISK), "intact"), 1);

	/* Truncated at every interesting length. */
	u64 cuts[] = {0, 1, 511, 512, 4095, 4096, sb.copy_start[0] * 512 + 100,
		      sb.copy_start[0] * 512 + 600, sb.copy_start[1] * 512, sb.copy_start[1] * 512 + 513,
		      meta_end, meta_end + 512, DISK / 2, DISK - 512};
	for (size_t i = 0; i < ARRAY_SIZE(cuts); i++) {
		snprintf(what, sizeof(what), "truncated to %llu", (unsigned long long)cuts[i]);
		VdErr e;
		Vmfat *v = vmfat_open_backend(image_copy(img, cuts[i]), true, 0, &e);
		CHECK(!v && known_failure(&e), "%s: %s", what, v ? "opened" : e.text);
		if (cuts[i] >= 512)
			CHECK(e.num == VDM_TRUNCATED, "%s: message %d: %s", what, e.num, e.text);
		vmfat_close(v);
	}

	/* Zeroed regions. */
	struct {
		u64 off, len;
		int want; /* message number, or 0: opens */
		const char *name;
	} zeros[] = {
		{0, 512, VDM_NOT_VMFAT, "superblock"},
		{0, meta_end, VDM_NOT_VMFAT, "all metadata"},
		{sb.copy_start[0] * 512, 512, 0, "copy A header"},
		{sb.copy_start[1] * 512, 512, 0, "copy B header"},
		{sb.copy_start[0] * 512, (u64)sb.copy_sectors * 1024, VDM_NO_COPY, "both copies"},
		{sb.copy_start[0] * 512 + 512, 64, 0, "start of copy A's body"},
		{sb.data_start * 512, DISK - meta_end, 0, "the data area"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(zeros); i++) {
		Backend *b = image_copy(img, DISK);
		memset(backend_mem_data(b) + zeros[i].off, 0, zeros[i].len);
		snprintf(what, sizeof(what), "zeroed %s", zeros[i].name);
		VdErr e = {0};
		Vmfat *v = vmfat_open_backend(b, true, 0, &e);
		if (zeros[i].want)
			CHECK(!v && e.num == zeros[i].want, "%s: %s", what, v ? "opened" : e.text);
		else
			CHECK(v != NULL, "%s: %s", what, e.text);
		if (v && v->dir.nvdd != 3)
			CHECK(v->dir.nvdd == 3, "%s: lost VDDs", what);
		vmfat_close(v);
	}

	/* A newer version is refused by number. */
	{
		Backend *b = image_copy(img, DISK);
		u8 *p = backend_mem_data(b);
		put_le32(p + 8, 2);
		put_le32(p + 12, 0);
		put_le32(p + 12, crc32c(0, p, 512));
		VdErr e;
		Vmfat *v = vmfat_open_backend(b, true, 0, &e);
		CHECK(!v && e.num == VDM_VERSION && e.code == VMCP_EUNSUP, "version 2: %s", e.text);
		vmfat_close(v);
	}

	/* Random corruption of the metadata: raw, and with checksums recomputed. */
	int opened = 0, runs = 0;
	for (int iter = 0; iter < 3000; iter++) {
		Backend *b = image_copy(img, DISK);
		u8 *p = backend_mem_data(b);
		int kind = iter % 3;
		int nbytes = 1 + (int)(rng() % 8);
		/* Aim at the used part of the metadata: the superblock and the copies' bodies. */
		u64 span = (u64)sb.copy_start[1] * 512 + 4096;
		if (kind == 2) { /* a burst of garbage inside one copy's body, then fixed CRCs */
			int c = (int)(rng() & 1);
			u64 off = sb.copy_start[c] * 512 + (rng() % 2048);
			for (int k = 0; k < 16; k++)
				p[off + k] = (u8)rng();
			fix_copy_crcs(p, &sb, c);
		} else {
			for (int k = 0; k < nbytes; k++)
				p[rng() % span] ^= (u8)(1u << (rng() % 8));
			if (kind == 1) {
				fix_copy_crcs(p, &sb, 0);
				fix_copy_crcs(p, &sb, 1);
			}
		}
		snprintf(what, sizeof(what), "corruption %d (kind %d)", iter, kind);
		opened += try_disk(b, what);
		runs++;
	}
	printf("random corruption: %d images, %d still opened (the other copy, or harmless bytes)\n", runs,
	       opened);
	CHECK(opened > 0 && opened < runs, "both outcomes seen");
	free(img);
	return test_summary();
}
