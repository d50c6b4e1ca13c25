/* vmfat_fuzz.c: libFuzzer target for VMFAT's metadata parser and everything that runs on
 * what it accepts. The input damages a small populated real disk (built once) in one of
 * four ways, chosen by its first byte:
 *   0  the rest of the input is the body of directory copy A, with a header that makes
 *      it the newest copy and valid checksums (the decoder sees arbitrary records);
 *   1  (offset, xor) patches over the superblock and both copies, checksums then fixed;
 *   2  the same patches with the checksums left alone;
 *   3  the input is the superblock sector, checksum fixed.
 * The disk is then opened strictly and leniently, and whatever opens goes through the
 * full check, the space map, every operation, a VMBLOCK load with reads at the bounds,
 * and check --repair. Any crash, sanitizer report or leak is a finding; so is a
 * directory that passes the fast check after an operation said it committed nothing
 * wrong but does not (checked with vmfat_fast_check). */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "vd/backend.h"
#include "vd/crc32c.h"
#include "vd/vmfat.h"
#include "vm/vmblock.h"

#define DISK (1 * MiB)

static u8 *base; /* the populated image (fuzz harness state, not VMCP state) */
static VmfatSuper base_sb;

static void build_base(void)
{
	Backend *b = backend_mem_new(DISK);
	VdErr e;
	if (vmfat_format(b, 0, &e))
		abort();
	Vmfat *v = vmfat_open_backend(b, false, 0, &e);
	VmConf c;
	vmconf_default(&c);
	vmfat_define_vm(v, "a", &c);
	vmfat_define_vm(v, "b", &c);
	vmfat_define_vd(v, "a", "hda", 128 * KiB);
	vmfat_define_vd(v, "a", "fda", 360 * KiB);
	vmfat_define_vd(v, "b", "hdb", 64 * KiB);
	vmfat_resize_vd(v, "a", "hda", 192 * KiB, NULL);
	base_sb = v->sb;
	vmfat_close(v);
	base = malloc(DISK);
	memcpy(base, backend_mem_data(b), DISK);
	backend_close(b);
}

static void fix_copy(u8 *img, int c)
{
	u8 *h = img + base_sb.copy_start[c] * 512;
	u32 blen = get_le32(h + 40);
	if (blen <= (base_sb.copy_sectors - 1) * 512)
		put_le32(h + 44, crc32c(0, h + 512, blen));
	put_le32(h + 12, 0);
	put_le32(h + 12, crc32c(0, h, 512));
}

static void exercise(Vmfat *v, const u8 *data, size_t size)
{
	char why[200];
	VmfatCheckResult res;
	vmfat_check(v, false, NULL, NULL, &res);
	VmfatSpace s;
	vmfat_space(v, &s);
	if (s.used + s.free != s.total)
		abort();
	VmConf c;
	vmconf_default(&c);
	vmfat_define_vm(v, "z", &c);
	vmfat_define_vd(v, "z", "hda", 64 * KiB);
	vmfat_define_vd(v, "a", "hdc", 64 * KiB);
	vmfat_resize_vd(v, "a", "hda", 256 * KiB, NULL);
	vmfat_put_file(v, "a.conf", (const char *)data, size > CONF_FILE_MAX ? CONF_FILE_MAX : size);
	vmfat_delete_vd(v, "b", "hdb");
	if (!v->dir_bad && !v->rolled_back && vmfat_fast_check(&v->sb, &v->dir, why, sizeof(why)))
		abort(); /* an operation left an unsafe directory in force */
	VmBlock vm;
	if (vmblock_load_from(v, "a", &vm) == 0) {
		u8 sec[512];
		for (u32 i = 0; i < vm.nvd; i++) {
			VdDisk *d = &vm.vddata[i];
			vd_read(d, 0, 1, sec);
			vd_read(d, d->sectors - 1, 1, sec);
			if (vd_read(d, d->sectors, 1, sec) != VMCP_ERANGE)
				abort();
		}
		vmblock_unload(&vm);
	}
	vmfat_delete_vm(v, "a", NULL);
	vmfat_check(v, true, NULL, NULL, &res);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	if (!base)
		build_base();
	if (size < 1)
		return 0;
	/* One real disk for every input, its bytes set anew: a fresh 1 MiB allocation per
	 * input was mapped, faulted in and unmapped by the sanitizer's allocator each time
	 * (most of the target's time). A disk grown by an operation is made again. */
	static Backend *b;
	if (b && b->size != DISK) {
		backend_close(b);
		b = NULL;
	}
	if (!b && !(b = backend_mem_new(DISK)))
		abort();
	u8 *img = backend_mem_data(b);
	memcpy(img, base, DISK);
	int mode = data[0] & 3;
	const u8 *in = data + 1;
	size_t n = size - 1;
	u64 span = (base_sb.copy_start[1] + 16) * 512;
	if (mode == 0) {
		u8 *h = img + base_sb.copy_start[0] * 512;
		size_t max = (base_sb.copy_sectors - 1) * 512;
		size_t blen = n < 12 ? 0 : MIN(n - 12, max);
		if (n >= 12) {
			memcpy(h + 48, in, 12); /* nalloc, nvdd, nfile */
			memcpy(h + 512, in + 12, blen);
		}
		put_le32(h + 40, (u32)blen);
		put_le64(h + 32, 1000);
		fix_copy(img, 0);
	} else if (mode == 1 || mode == 2) {
		for (size_t i = 0; i + 3 <= n; i += 3) {
			u64 off = (u64)(in[i] | in[i + 1] << 8 | (in[i] & 0x80) << 9) % span;
			img[off] ^= in[i + 2];
		}
		if (mode == 1) {
			fix_copy(img, 0);
			fix_copy(img, 1);
		}
	} else {
		memcpy(img, in, MIN(n, 512));
		put_le32(img + 12, 0);
		put_le32(img + 12, crc32c(0, img, 512));
	}
	VdErr e;
	for (int lenient = 0; lenient < 2; lenient++) {
		Vmfat *v = vmfat_open_backend(b, false, lenient ? VMFAT_OPEN_LENIENT : 0, &e);
		if (!v) {
			if (e.code >= 0 || !e.text[0])
				abort(); /* a failure must say what and why */
			continue;
		}
		exercise(v, in, n);
		vmfat_close(v);
	}
	return 0;
}
