/* isolation_test.c: the bounds check is the isolation boundary between VMs (the paper's
 * VD manager). On a real disk that is a host file holding several VMs' VDs, one VD
 * (contiguous, and one spread over several extents) is written all over, at its last
 * sector, and past its end in every way; the last sector works, every access past the
 * end fails, and a checksum of every byte of the host file outside that VD's extents is
 * the same before and after. */
#include <fcntl.h>
#include <unistd.h>

#include "../test.h"
#include "vd/crc32c.h"
#include "vdtest.h"

/* CRC-32C of the host file outside the ranges (sectors) of vd's extents. */
static u32 crc_outside(const char *path, const VdDisk *vd)
{
	int fd = open(path, O_RDONLY);
	u8 *buf = malloc(1 * MiB);
	u32 crc = 0;
	for (u64 off = 0;; off += 512) {
		ssize_t n = pread(fd, buf, 512, (off_t)off);
		if (n <= 0)
			break;
		bool inside = false;
		for (u32 i = 0; i < vd->nextents; i++)
			inside |= off / 512 >= vd->extent[i].start &&
				  off / 512 < vd->extent[i].start + vd->extent[i].count;
		if (!inside)
			crc = crc32c(crc, buf, (size_t)n);
	}
	free(buf);
	close(fd);
	return crc;
}

static void attack(const char *path, VdDisk *vd, u32 tag)
{
	u32 before = crc_outside(path, vd);
	/* Fill the whole VD, then hit the last sector and beyond. */
	CHECK_EQ(fill_vd(vd, tag), 0);
	u8 s[8 * 512];
	memset(s, 0x66, sizeof(s));
	u64 last = vd->sectors - 1;
	CHECK_EQ(vd_write(vd, last, 1, s), 0);
	CHECK_EQ(vd_write(vd, last, 2, s), VMCP_ERANGE);
	CHECK_EQ(vd_write(vd, last + 1, 1, s), VMCP_ERANGE);
	CHECK_EQ(vd_write(vd, last - 6, 8, s), VMCP_ERANGE);
	CHECK_EQ(vd_write(vd, vd->sectors + 1000000, 1, s), VMCP_ERANGE);
	CHECK_EQ(vd_write(vd, ~0ull - 3, 8, s), VMCP_ERANGE);
	CHECK_EQ(vd_read(vd, last, 2, s), VMCP_ERANGE);
	CHECK_EQ(vd_read(vd, last, 1, s), 0);
	CHECK(s[0] == 0x66 && s[511] == 0x66, "last sector reads back");
	CHECK_EQ(vd_flush(vd), 0);
	u32 after = crc_outside(path, vd);
	CHECK(before == after, "bytes outside VD %s changed (crc %08x -> %08x)", vd->dev, before, after);
	/* And the VD itself holds what was written. */
	memset(s, 0, 512);
	CHECK_EQ(vd_read(vd, 0, 1, s), 0);
	CHECK(sector_is(s, tag, 0), "first sector");
}

int main(void)
{
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build/release";
	char path[512];
	snprintf(path, sizeof(path), "%s/isolation_test.%d.dasd", build, (int)getpid());
	unlink(path);
	int err;
	Backend *b = backend_open_file(path, BACKEND_CREATE, 24 * MiB, &err);
	VdErr e;
	CHECK(b && vmfat_format(b, 0, &e) == 0, "format %s", path);
	backend_close(b);
	Vmfat *v = vmfat_open(path, 0, &e);
	VmConf c;
	vmconf_default(&c);
	/* Neighbours on every side, full of their own data. */
	vmfat_define_vm(v, "left", &c);
	vmfat_define_vm(v, "mid", &c);
	vmfat_define_vm(v, "right", &c);
	CHECK_EQ(vmfat_define_vd(v, "left", "hda", 1 * MiB), 0);
	CHECK_EQ(vmfat_define_vd(v, "mid", "hda", 3 * MiB + 3 * 512), 0);
	CHECK_EQ(vmfat_define_vd(v, "right", "hda", 1 * MiB), 0);
	CHECK_EQ(vmfat_define_vd(v, "left", "hdb", 1 * MiB), 0);
	CHECK_EQ(vmfat_define_vd(v, "right", "hdb", 1 * MiB), 0);
	/* mid's hdb: grown around its neighbours into three extents. */
	CHECK_EQ(vmfat_define_vd(v, "mid", "hdb", 64 * KiB), 0);
	CHECK_EQ(vmfat_define_vd(v, "right", "hdc", 64 * KiB), 0);
	CHECK_EQ(vmfat_resize_vd(v, "mid", "hdb", 192 * KiB, NULL), 0);
	CHECK_EQ(vmfat_define_vd(v, "right", "hdd", 64 * KiB), 0);
	CHECK_EQ(vmfat_resize_vd(v, "mid", "hdb", 1 * MiB + 512, NULL), 0);
	VmBlock l, m, r;
	CHECK_EQ(vmblock_load(path, "left", &l), 0);
	CHECK_EQ(vmblock_load(path, "mid", &m), 0);
	CHECK_EQ(vmblock_load(path, "right", &r), 0);
	for (u32 i = 0; i < l.nvd; i++)
		CHECK_EQ(fill_vd(&l.vddata[i], 0x100 + i), 0);
	for (u32 i = 0; i < r.nvd; i++)
		CHECK_EQ(fill_vd(&r.vddata[i], 0x200 + i), 0);
	VdDisk *mh = vmblock_vd(&m, "hdb");
	CHECK(mh && mh->nextents == 3, "mid hdb has %u extents", mh ? mh->nextents : 0);
	attack(path, vmblock_vd(&m, "hda"), 0x301);
	attack(path, mh, 0x302);
	/* The neighbours' data is intact, sector by sector. */
	for (u32 i = 0; i < l.nvd; i++)
		CHECK_EQ(verify_vd(&l.vddata[i], 0x100 + i), 0);
	for (u32 i = 0; i < r.nvd; i++)
		CHECK_EQ(verify_vd(&r.vddata[i], 0x200 + i), 0);
	vmblock_unload(&l);
	vmblock_unload(&m);
	vmblock_unload(&r);
	CHECK_EQ(full_check(v), 0);
	vmfat_close(v);
	unlink(path);
	return test_summary();
}
