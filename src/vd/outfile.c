/* outfile.c: every file VMCP writes, checked so that none is a disk VMCP holds, and
 * written so that none is truncated before its command succeeds (outfile.h).
 *
 * How a block device is related to the real disk is read from sysfs
 * (/sys/dev/block/MAJ:MIN: "partition" marks a partition, whose parent directory is the
 * whole disk; "slaves/" lists what a device-mapper or md device is built on;
 * "loop/backing_file" names a loop device's file), as lsblk(8) reads it. Two devices
 * are related when, following stacked devices down, one of them reaches the other or a
 * partition of it (two partitions of one disk are not related: writing one cannot reach
 * the other). */
#include "vd/outfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/err.h"

#define MAX_DEVS 32
#define SB_MAGIC "VMFAT-SB"

/* ---- Block devices (sysfs) ---- */

static bool read_dev_file(const char *path, dev_t *d)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	unsigned ma, mi;
	bool ok = fscanf(f, "%u:%u", &ma, &mi) == 2;
	fclose(f);
	if (ok)
		*d = makedev(ma, mi);
	return ok;
}

static void sys_dir(dev_t d, char *buf, size_t n)
{
	snprintf(buf, n, "/sys/dev/block/%u:%u", major(d), minor(d));
}

/* The whole disk a partition d belongs to. */
static bool blk_parent(dev_t d, dev_t *parent)
{
	char dir[96], path[PATH_MAX + 16], real[PATH_MAX];
	sys_dir(d, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/partition", dir);
	if (access(path, F_OK) != 0 || !realpath(dir, real))
		return false;
	snprintf(path, sizeof(path), "%s/../dev", real);
	return read_dev_file(path, parent);
}

/* d and, recursively, the devices d is built on (device mapper, md): into out. */
static void blk_down(dev_t d, dev_t *out, int *n)
{
	for (int i = 0; i < *n; i++)
		if (out[i] == d)
			return;
	if (*n >= MAX_DEVS)
		return;
	out[(*n)++] = d;
	char dir[96], path[PATH_MAX];
	sys_dir(d, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/slaves", dir);
	DIR *sd = opendir(path);
	if (!sd)
		return;
	struct dirent *de;
	while ((de = readdir(sd))) {
		if (de->d_name[0] == '.')
			continue;
		char dev[PATH_MAX + 300];
		dev_t s;
		snprintf(dev, sizeof(dev), "%s/%s/dev", path, de->d_name);
		if (read_dev_file(dev, &s))
			blk_down(s, out, n);
	}
	closedir(sd);
}

/* True if writing block device a can change what block device b holds (or the reverse). */
static bool blk_related(dev_t a, dev_t b)
{
	dev_t da[MAX_DEVS], db[MAX_DEVS];
	int na = 0, nb = 0;
	blk_down(a, da, &na);
	blk_down(b, db, &nb);
	for (int i = 0; i < na; i++) {
		dev_t pa = 0;
		bool has_pa = blk_parent(da[i], &pa);
		for (int j = 0; j < nb; j++) {
			dev_t pb = 0;
			if (da[i] == db[j] || (has_pa && pa == db[j]) ||
			    (blk_parent(db[j], &pb) && pb == da[i]))
				return true;
		}
	}
	return false;
}

/* The backing file of loop device d (stat), if it is one. */
static bool loop_backing(dev_t d, struct stat *st)
{
	char dir[96], path[PATH_MAX], file[PATH_MAX];
	sys_dir(d, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/loop/backing_file", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	bool ok = fgets(file, sizeof(file), f) != NULL;
	fclose(f);
	if (!ok)
		return false;
	file[strcspn(file, "\n")] = 0;
	return stat(file, st) == 0;
}

/* ---- The check ---- */

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* True if the first sector read through fd starts with the VMFAT superblock's magic
 * (a real disk, even one whose superblock is damaged). */
static bool holds_vmfat(int fd)
{
	char sec[8];
	return pread(fd, sec, sizeof(sec), 0) == (ssize_t)sizeof(sec) && !memcmp(sec, SB_MAGIC, 8);
}

/* What a descriptor names, for the message ("/path", or "descriptor N"). */
static void fd_name(int fd, char *buf, size_t n)
{
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t k = readlink(link, buf, n - 1);
	if (k <= 0)
		snprintf(buf, n, "descriptor %d", fd);
	else
		buf[k] = 0;
}

static int refuse(VdErr *e, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(VdErr *e, const char *name, const char *fmt, ...)
{
	char why[240];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return vderr(e, VMCP_EBUSY, VDM_OUT_REFUSED, "Refusing to write %s: %s", name, why);
}

/* The check of an output whose status is st; head_fd (-1: none) reads its first bytes.
 * self_fd (-1: none) is its own descriptor, skipped among this process's open files. */
static int check_stat(const char *dasd, const struct stat *st, int head_fd, int self_fd,
		      const char *name, VdErr *e)
{
	bool reg = S_ISREG(st->st_mode), blk = S_ISBLK(st->st_mode);
	if (!reg && !blk)
		return 0; /* a terminal, a pipe, /dev/null: nothing that holds a disk */
	struct stat ds;
	bool have_disk = dasd && stat(dasd, &ds) == 0;
	if (have_disk && ((reg && S_ISREG(ds.st_mode) && same_file(st, &ds)) ||
			  (blk && S_ISBLK(ds.st_mode) && st->st_rdev == ds.st_rdev)))
		return refuse(e, name, "it is the real disk %s", dasd);
	if (head_fd >= 0 && holds_vmfat(head_fd))
		return refuse(e, name, "it holds a VMFAT real disk (its first sector is a VMFAT superblock)");
	if (have_disk) {
		struct stat lb;
		if (reg && S_ISBLK(ds.st_mode) && loop_backing(ds.st_rdev, &lb) && same_file(st, &lb))
			return refuse(e, name, "it is the file behind the real disk %s (a loop device)", dasd);
		dev_t under = S_ISBLK(ds.st_mode) ? ds.st_rdev : ds.st_dev;
		if (blk && blk_related(st->st_rdev, under))
			return refuse(e, name, "it is a block device the real disk %s %s", dasd,
				      S_ISBLK(ds.st_mode) ? "shares storage with" : "lives on");
	}
	/* Any other file this process has open (the real disk's descriptor among them). */
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return 0;
	int r = 0, dfd = dirfd(d);
	struct dirent *de;
	while (!r && (de = readdir(d))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);
		if (*end || fd <= 2 || fd == dfd || fd == self_fd || fd == head_fd)
			continue;
		struct stat os;
		if (fstat((int)fd, &os) != 0)
			continue;
		char other[PATH_MAX];
		if ((reg && S_ISREG(os.st_mode) && same_file(st, &os)) ||
		    (blk && S_ISBLK(os.st_mode) && blk_related(st->st_rdev, os.st_rdev))) {
			fd_name((int)fd, other, sizeof(other));
			r = refuse(e, name, "this vmcp has it open (%s)", other);
		} else if (blk && S_ISREG(os.st_mode) && blk_related(st->st_rdev, os.st_dev)) {
			fd_name((int)fd, other, sizeof(other));
			r = refuse(e, name, "it is a block device %s (open in this vmcp) lives on", other);
		}
	}
	closedir(d);
	return r;
}

int outfile_check_fd(const char *dasd, int fd, const char *name, VdErr *e)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return 0;
	int head = -1;
	if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) {
		char link[64];
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		head = open(link, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	}
	int r = check_stat(dasd, &st, head >= 0 ? head : -1, fd, name, e);
	if (head >= 0)
		close(head);
	return r;
}

int outfile_check_path(const char *dasd, const char *path, VdErr *e)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return 0; /* nothing there yet: nothing to lose */
	int head = -1;
	if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))
		head = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	int r = check_stat(dasd, &st, head, -1, path, e);
	if (head >= 0)
		close(head);
	return r;
}

/* ---- Opening, committing ---- */

static int io_fail(Outfile *o, VdErr *e, const char *what)
{
	int err = errno;
	return vderr(e, err == ENOENT ? VMCP_ENOENT : err == ENOSPC || err == EDQUOT ? VMCP_ENOSPC : VMCP_EIO,
		     o->io_num, "Cannot write %s%s%s: %s%s%s", o->noun ? o->noun : "", o->noun ? " " : "",
		     o->path, what ? what : "", what ? ": " : "", strerror(err));
}

/* REPLACE: the target (symlinks followed) and a temporary file beside it. */
static int open_replace(Outfile *o, VdErr *e)
{
	struct stat st;
	bool exists = stat(o->path, &st) == 0;
	if (exists && !S_ISREG(st.st_mode)) {
		/* A device, a FIFO: written in place, never truncated. O_EXCL keeps a block
		 * device that is mounted or held by another program out. */
		o->in_place = true;
		int fl = O_WRONLY | O_CLOEXEC | (S_ISBLK(st.st_mode) ? O_EXCL : 0);
		o->fd = open(o->path, fl);
		if (o->fd < 0)
			return io_fail(o, e, NULL);
		return outfile_check_fd(o->dasd, o->fd, o->path, e);
	}
	if (exists) {
		int r = outfile_check_path(o->dasd, o->path, e);
		if (r)
			return r;
		if (!realpath(o->path, o->target))
			return io_fail(o, e, NULL);
	} else {
		snprintf(o->target, sizeof(o->target), "%s", o->path);
	}
	char dirbuf[PATH_MAX], basebuf[PATH_MAX];
	snprintf(dirbuf, sizeof(dirbuf), "%s", o->target);
	snprintf(basebuf, sizeof(basebuf), "%s", o->target);
	const char *dir = dirname(dirbuf), *base = basename(basebuf);
	if ((size_t)snprintf(o->tmp, sizeof(o->tmp), "%s/.%s.vmcp-XXXXXX", dir, base) >= sizeof(o->tmp)) {
		errno = ENAMETOOLONG;
		return io_fail(o, e, NULL);
	}
	o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd < 0 && exists && (errno == EACCES || errno == EROFS || errno == EPERM)) {
		/* No room for a temporary file beside it: write the file itself, without
		 * truncating it, and cut it to length at the end. */
		o->tmp[0] = 0;
		o->in_place = true;
		o->fd = open(o->target, O_WRONLY | O_CLOEXEC);
		if (o->fd < 0)
			return io_fail(o, e, NULL);
		return outfile_check_fd(o->dasd, o->fd, o->path, e);
	}
	if (o->fd < 0) {
		o->tmp[0] = 0;
		return io_fail(o, e, NULL);
	}
	if (fchmod(o->fd, o->mode) != 0)
		return io_fail(o, e, NULL);
	return 0;
}

int outfile_open(Outfile *o, const char *dasd, const char *path, int kind, mode_t mode, int io_num,
		 const char *noun, VdErr *e)
{
	memset(o, 0, sizeof(*o));
	o->noun = noun;
	o->fd = -1;
	o->kind = kind;
	o->mode = mode;
	o->io_num = io_num;
	o->dasd = dasd;
	snprintf(o->path, sizeof(o->path), "%s", path);
	int r;
	if (!strcmp(path, "-")) {
		o->is_stdout = true;
		o->fd = STDOUT_FILENO;
		r = outfile_check_fd(dasd, STDOUT_FILENO, "standard output", e);
	} else if (kind == OUTFILE_REPLACE) {
		r = open_replace(o, e);
	} else {
		int fl = O_WRONLY | O_CLOEXEC | (kind == OUTFILE_APPEND ? O_APPEND : 0);
		o->fd = open(path, fl);
		if (o->fd < 0 && errno == ENOENT) {
			o->fd = open(path, fl | O_CREAT | O_EXCL, mode);
			o->created = o->fd >= 0;
		}
		r = o->fd < 0 ? io_fail(o, e, NULL) : outfile_check_fd(dasd, o->fd, path, e);
	}
	if (r) {
		/* Refused or failed: nothing was written. */
		outfile_abort(o);
		return r;
	}
	return 0;
}

int outfile_start(Outfile *o, VdErr *e)
{
	if (o->kind != OUTFILE_STREAM || o->started || o->fd < 0 || o->is_stdout)
		return 0;
	o->started = true;
	struct stat st;
	if (fstat(o->fd, &st) == 0 && S_ISREG(st.st_mode) && ftruncate(o->fd, 0) != 0)
		return io_fail(o, e, NULL);
	return 0;
}

int outfile_commit(Outfile *o, u64 len, VdErr *e)
{
	int r = 0;
	if (o->fd < 0 || o->is_stdout) {
		o->fd = -1;
		return 0;
	}
	if (o->kind == OUTFILE_REPLACE && o->in_place) {
		struct stat st;
		if (fstat(o->fd, &st) == 0 && S_ISREG(st.st_mode) && (u64)st.st_size > len &&
		    ftruncate(o->fd, (off_t)len) != 0)
			r = io_fail(o, e, NULL);
	} else if (o->kind == OUTFILE_REPLACE) {
		if (fsync(o->fd) != 0)
			r = io_fail(o, e, NULL);
		/* The target may have changed since it was opened: check it again. */
		if (!r)
			r = outfile_check_path(o->dasd, o->target, e);
		if (!r && rename(o->tmp, o->target) != 0)
			r = io_fail(o, e, NULL);
		if (!r)
			o->tmp[0] = 0;
	}
	if (close(o->fd) != 0 && !r)
		r = io_fail(o, e, NULL);
	o->fd = -1;
	if (r)
		outfile_abort(o);
	return r;
}

void outfile_abort(Outfile *o)
{
	if (o->fd >= 0 && !o->is_stdout)
		close(o->fd);
	o->fd = -1;
	if (o->tmp[0])
		unlink(o->tmp);
	o->tmp[0] = 0;
	if (o->kind == OUTFILE_STREAM && o->created && !o->started)
		unlink(o->path);
	o->created = false;
}

int outfile_parse_mode(const char *s, mode_t *mode)
{
	char *end;
	if (!*s || *s == '-' || *s == '+')
		return VMCP_EINVAL;
	unsigned long v = strtoul(s, &end, 8);
	if (*end || v > 0777)
		return VMCP_EINVAL;
	*mode = (mode_t)v;
	return 0;
}
