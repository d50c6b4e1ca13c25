/* cmd_vd.c: the VD family: `vmcp vd import VM DEV FILE` copies a raw image into a VD
 * (the rest of the VD reads as zeros afterwards), `vmcp vd export VM DEV FILE` copies a
 * VD out to a raw image (FILE "-": standard output; a new file is created 0600, or with
 * --mode), `vmcp vd resize VM DEV SIZE` grows a VD (the new space reads as zeros). An
 * export is written beside its target and renamed over it when complete, and never
 * over a disk VMCP holds (vd/outfile.h). Import and export stream through the VD manager in
 * 4 MiB pieces (never the whole image in memory), keep holes as holes (an all-zero piece
 * is zeroed or skipped, not written), hold the VD's lock for their duration (refused
 * while a VM uses the VD), and draw a progress line only when stderr is a terminal. */
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
#include "vd/outfile.h"

#define CHUNK (4 * MiB)

/* Finds VD vm dev under the directory lock, takes its lock (write for import, read for
 * export) and fills vd. Returns 0 or the code after printing the message. */
static int open_vd(Vmfat *v, const char *vm, const char *dev, bool write, VdDisk *vd, u32 *id)
{
	int d = vm_dev_index(dev);
	if (d < 0) {
		msg(VDM_DEV, 'E', "Invalid device '%s': use hda, hdb, hdc, hdd, fda or fdb", dev);
		return VMCP_EINVAL;
	}
	int r = vmfat_lock(v, false);
	if (!r)
		r = vmfat_reload(v);
	if (r) {
		vmfat_unlock(v);
		return cp_fail(&v->err);
	}
	const VmfatVdd *vdd = vmfat_dir_vdd(&v->dir, vm, d);
	if (!vdd) {
		vmfat_unlock(v);
		msg(VDM_VD_NOT_FOUND, 'E', "VD %s %s is not defined", vm, dev);
		return VMCP_ENOENT;
	}
	*id = vdd->id;
	r = vmfat_vd_lock(v, vdd->id, write);
	if (r) {
		vmfat_unlock(v);
		if (r == VMCP_EBUSY)
			msg(VDM_VD_BUSY, 'E', "VD %s %s is in use by a running VM", vm, dev);
		else
			msg(VDM_LOCK, 'E', "Cannot lock VD %s %s", vm, dev);
		return r;
	}
	if (vmfat_vd_load(v, vdd, vd)) {
		vmfat_vd_unlock(v, vdd->id);
		vmfat_unlock(v);
		return cp_fail(&v->err);
	}
	vmfat_unlock(v);
	vd->readonly = false; /* read-only binds the guest, not the CP */
	return 0;
}

static bool is_zero(const u8 *p, size_t n)
{
	return n == 0 || (p[0] == 0 && !memcmp(p, p + 1, n - 1));
}

/* Reads up to n bytes (fewer only at end of file). Returns the count or -1. */
static ssize_t read_full(int fd, u8 *p, size_t n)
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

static int write_full(int fd, const u8 *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int vd_io_fail(const char *what, const char *vm, const char *dev, u64 lba, int r)
{
	msg(VDM_VD_IO, 'E', "%s VD %s %s failed at sector %llu: %s", what, vm, dev, (unsigned long long)lba,
	    vmcp_strerror(r));
	return r;
}

static int do_import(VdDisk *vd, const char *vm, const char *dev, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		int e = errno;
		msg(VDM_IMAGE_IO, 'E', "Cannot read image %s: %s", path, strerror(e));
		if (fd >= 0)
			close(fd);
		return e == ENOENT ? VMCP_ENOENT : VMCP_EIO;
	}
	u64 size = (u64)st.st_size;
	if (S_ISBLK(st.st_mode) && ioctl(fd, BLKGETSIZE64, &size) != 0)
		size = 0;
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		close(fd);
		msg(VDM_IMAGE_IO, 'E', "Image %s is not a regular file or block device", path);
		return VMCP_EINVAL;
	}
	if (size > vd->sectors * SECTOR_SIZE) {
		close(fd);
		msg(VDM_IMAGE_LARGE, 'E', "Image %s (%llu bytes) is larger than VD %s %s (%llu bytes); use vmcp vd resize",
		    path, (unsigned long long)size, vm, dev, (unsigned long long)(vd->sectors * SECTOR_SIZE));
		return VMCP_ERANGE;
	}
	u8 *buf = malloc(CHUNK);
	if (!buf) {
		close(fd);
		msg(VDM_NOMEM, 'E', "Out of memory");
		return VMCP_ENOMEM;
	}
	char what[64];
	snprintf(what, sizeof(what), "import %s %s", vm, dev);
	CpProgress prog;
	cp_progress_begin(&prog, what, size);
	u64 lba = 0, done = 0;
	int r = 0;
	while (!r && done < size) {
		ssize_t n = read_full(fd, buf, CHUNK);
		if (n < 0) {
			msg(VDM_IMAGE_IO, 'E', "Cannot read image %s: %s", path, strerror(errno));
			r = VMCP_EIO;
			break;
		}
		if (n == 0)
			break; /* the file shrank under us: the rest reads as zeros */
		size_t padded = ((size_t)n + SECTOR_SIZE - 1) / SECTOR_SIZE * SECTOR_SIZE;
		memset(buf + n, 0, padded - (size_t)n);
		u32 count = (u32)(padded / SECTOR_SIZE);
		r = is_zero(buf, padded) ? vd_zero(vd, lba, count) : vd_write(vd, lba, count, buf);
		if (r)
			r = vd_io_fail("Writing", vm, dev, lba, r);
		lba += count;
		done += (u64)n;
		cp_progress(&prog, done);
	}
	if (!r && lba < vd->sectors && (r = vd_zero(vd, lba, vd->sectors - lba)))
		r = vd_io_fail("Zeroing", vm, dev, lba, r);
	if (!r && (r = vd_flush(vd)))
		r = vd_io_fail("Flushing", vm, dev, lba, r);
	cp_progress_end(&prog);
	free(buf);
	close(fd);
	if (!r)
		msg(CPM_IMPORTED, 'I', "VD %s %s imported: %llu bytes from %s", vm, dev, (unsigned long long)done, path);
	return r;
}

/* Exports the VD to path: a temporary file beside it, renamed over it once every byte
 * is written and flushed (outfile.h), so a failed export leaves the old file as it was,
 * and never over a disk VMCP holds. */
static int do_export(CpCtx *cp, VdDisk *vd, const char *vm, const char *dev, const char *path,
		     mode_t mode)
{
	Outfile of;
	VdErr e;
	if (outfile_open(&of, cp->dasd, path, OUTFILE_REPLACE, mode, VDM_IMAGE_IO, "image", &e))
		return cp_fail(&e);
	/* Holes are kept only in a new file (a temporary one): one written in place must
	 * get its zeros. */
	struct stat st;
	bool sparse = !of.is_stdout && !of.in_place && fstat(of.fd, &st) == 0 && S_ISREG(st.st_mode);
	u8 *buf = malloc(CHUNK);
	if (!buf) {
		outfile_abort(&of);
		msg(VDM_NOMEM, 'E', "Out of memory");
		return VMCP_ENOMEM;
	}
	char what[64];
	snprintf(what, sizeof(what), "export %s %s", vm, dev);
	CpProgress prog;
	u64 total = vd->sectors * SECTOR_SIZE;
	cp_progress_begin(&prog, what, total);
	int r = 0;
	for (u64 lba = 0; !r && lba < vd->sectors;) {
		u32 count = (u32)MIN(vd->sectors - lba, CHUNK / SECTOR_SIZE);
		size_t n = (size_t)count * SECTOR_SIZE;
		if ((r = vd_read(vd, lba, count, buf))) {
			r = vd_io_fail("Reading", vm, dev, lba, r);
			break;
		}
		if (sparse && is_zero(buf, n)) {
			if (lseek(of.fd, (off_t)n, SEEK_CUR) < 0)
				r = VMCP_EIO;
		} else if (write_full(of.fd, buf, n)) {
			r = errno == ENOSPC || errno == EDQUOT ? VMCP_ENOSPC : VMCP_EIO;
		}
		if (r)
			msg(VDM_IMAGE_IO, 'E', "Cannot write image %s: %s", path, strerror(errno));
		lba += count;
		cp_progress(&prog, lba * SECTOR_SIZE);
	}
	if (!r && sparse && ftruncate(of.fd, (off_t)total) != 0) {
		msg(VDM_IMAGE_IO, 'E', "Cannot write image %s: %s", path, strerror(errno));
		r = VMCP_EIO;
	}
	cp_progress_end(&prog);
	free(buf);
	if (r)
		outfile_abort(&of);
	else if ((r = outfile_commit(&of, total, &e)))
		cp_fail(&e);
	if (!r && !of.is_stdout)
		msg(CPM_EXPORTED, 'I', "VD %s %s exported: %llu bytes to %s", vm, dev, (unsigned long long)total, path);
	return r;
}

static int do_resize(Vmfat *v, const char *vm, const char *dev, const char *size_s)
{
	u64 bytes, old = 0;
	int r = cp_size(size_s, &bytes);
	if (r)
		return r;
	if (vmfat_resize_vd(v, vm, dev, bytes, &old))
		return cp_fail(&v->err);
	char a[32], b[32];
	size_format(old, a, sizeof(a));
	size_format(bytes, b, sizeof(b));
	if (old == bytes)
		msg(CPM_SAME_SIZE, 'I', "VD %s %s is already %s", vm, dev, b);
	else
		msg(CPM_RESIZED, 'I', "VD %s %s resized from %s to %s", vm, dev, a, b);
	return 0;
}

int cp_cmd_vd(CpCtx *cp, int argc, char **argv)
{
	const char *mode_s = NULL;
	const CpOpt opts[] = {{"mode", &mode_s, NULL}, {NULL, NULL, NULL}};
	char *pos[4];
	int npos;
	int r = cp_args("vd", argc, argv, opts, pos, 4, &npos);
	if (r)
		return r;
	mode_t mode = OUTFILE_MODE;
	if (mode_s && outfile_parse_mode(mode_s, &mode)) {
		msg(VDM_VM_OPTION, 'E', "Invalid --mode %s: an octal file mode (e.g. 0640)", mode_s);
		return VMCP_EINVAL;
	}
	if (npos < 1)
		return cp_missing("import, export or resize", CP_USAGE_VD);
	const char *op = pos[0];
	bool imp = cp_word(op, "import", 3), exp = cp_word(op, "export", 3), res = cp_word(op, "resize", 3);
	if (!imp && !exp && !res) {
		msg(CPM_UNKNOWN_WHAT, 'E', "Unknown vd operation %s: use import, export or resize", op);
		return VMCP_EINVAL;
	}
	if (npos < 4)
		return cp_missing(npos == 1 ? "VM" : npos == 2 ? "DEV" : res ? "SIZE" : "FILE", CP_USAGE_VD);
	if (mode_s && !exp) {
		msg(CPM_UNKNOWN_OPT, 'E', "Unknown option --mode for vd %s (only export takes it)", op);
		return VMCP_EINVAL;
	}
	int rc;
	Vmfat *v = cp_open(cp, exp ? VMFAT_OPEN_RDONLY : 0, &rc);
	if (!v)
		return rc;
	if (res) {
		r = do_resize(v, pos[1], pos[2], pos[3]);
	} else {
		VdDisk vd;
		u32 id = 0;
		if (!(r = open_vd(v, pos[1], pos[2], imp, &vd, &id))) {
			r = imp ? do_import(&vd, pos[1], pos[2], pos[3])
				: do_export(cp, &vd, pos[1], pos[2], pos[3], mode);
			vmfat_vd_unlock(v, id);
		}
	}
	vmfat_close(v);
	return r;
}
