/* image.c: a raw image file into a VD, the one path `vmcp vd import` and the VM command
 * `change` (a disc into a running VM's CD-ROM drive) share. The image streams through
 * the VD manager in 4 MiB pieces (never whole in memory); an all-zero piece is zeroed
 * (a hole where the real disk can have one), not written; the rest of the VD reads as
 * zeros afterwards; the VD is flushed at the end. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "cp/cp.h"

#define CHUNK (4 * MiB)

bool cp_is_zero(const u8 *p, size_t n)
{
	return n == 0 || (p[0] == 0 && !memcmp(p, p + 1, n - 1));
}

ssize_t cp_read_full(int fd, u8 *p, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t k = read(fd, p + got, n - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

static int vd_io_fail(VdErr *e, const char *what, const char *vm, const char *dev, u64 lba, int r)
{
	return vderr(e, r, VDM_VD_IO, "%s VD %s %s failed at sector %llu: %s", what, vm, dev,
		     (unsigned long long)lba, vmcp_strerror(r));
}

int cp_image_import(VdDisk *vd, const char *vm, const char *dev, const char *path, bool progress,
		    u64 *bytes, VdErr *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		int err = errno;
		if (fd >= 0)
			close(fd);
		return vderr(e, err == ENOENT ? VMCP_ENOENT : VMCP_EIO, VDM_IMAGE_IO, "Cannot read image %s: %s",
			     path, strerror(err));
	}
	u64 size = (u64)st.st_size;
	if (S_ISBLK(st.st_mode) && ioctl(fd, BLKGETSIZE64, &size) != 0)
		size = 0;
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		close(fd);
		return vderr(e, VMCP_EINVAL, VDM_IMAGE_IO, "Image %s is not a regular file or block device", path);
	}
	if (size > vd->sectors * SECTOR_SIZE) {
		close(fd);
		return vderr(e, VMCP_ERANGE, VDM_IMAGE_LARGE,
			     "Image %s (%llu bytes) is larger than VD %s %s (%llu bytes); use vmcp vd resize",
			     path, (unsigned long long)size, vm, dev,
			     (unsigned long long)(vd->sectors * SECTOR_SIZE));
	}
	u8 *buf = malloc(CHUNK);
	if (!buf) {
		close(fd);
		return vderr(e, VMCP_ENOMEM, VDM_NOMEM, "Out of memory");
	}
	char what[64];
	snprintf(what, sizeof(what), "import %s %s", vm, dev);
	CpProgress prog;
	cp_progress_begin(&prog, what, progress ? size : 0);
	u64 lba = 0, done = 0;
	int r = 0;
	while (!r && done < size) {
		ssize_t n = cp_read_full(fd, buf, CHUNK);
		if (n < 0) {
			r = vderr(e, VMCP_EIO, VDM_IMAGE_IO, "Cannot read image %s: %s", path, strerror(errno));
			break;
		}
		if (n == 0)
			break; /* the file shrank under us: the rest reads as zeros */
		size_t padded = ((size_t)n + SECTOR_SIZE - 1) / SECTOR_SIZE * SECTOR_SIZE;
		memset(buf + n, 0, padded - (size_t)n);
		u32 count = (u32)(padded / SECTOR_SIZE);
		r = cp_is_zero(buf, padded) ? vd_zero(vd, lba, count) : vd_write(vd, lba, count, buf);
		if (r)
			r = vd_io_fail(e, "Writing", vm, dev, lba, r);
		lba += count;
		done += (u64)n;
		cp_progress(&prog, done);
	}
	if (!r && lba < vd->sectors && (r = vd_zero(vd, lba, vd->sectors - lba)))
		r = vd_io_fail(e, "Zeroing", vm, dev, lba, r);
	if (!r && (r = vd_flush(vd)))
		r = vd_io_fail(e, "Flushing", vm, dev, lba, r);
	cp_progress_end(&prog);
	free(buf);
	close(fd);
	if (!r)
		*bytes = done;
	return r;
}
