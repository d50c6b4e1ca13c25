/* backend.c: the file/block-device backend and the memory backend.
 *
 * Zeroing (used when VMFAT allocates space to a new VD, so that no VM reads what a
 * deleted VD left behind): on a regular file a hole is punched with
 * fallocate(PUNCH_HOLE|KEEP_SIZE) (instant on ext4, xfs, btrfs, tmpfs, whatever the
 * size), falling back to ZERO_RANGE and then to writing zeros; on a block device
 * BLKZEROOUT asks the kernel to zero the range (WRITE ZEROES or an unmapping discard where
 * the device has them; the kernel writes zeros itself otherwise, at device speed). */
#include "vd/backend.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"

typedef struct FileBackend {
	Backend b;
	int fd;
} FileBackend;

static int file_pread(Backend *b, void *buf, size_t len, u64 off)
{
	FileBackend *f = (FileBackend *)b;
	u8 *p = buf;
	while (len) {
		ssize_t n = pread(f->fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return VMCP_EIO;
		if (n == 0) { /* past the end of a file: reads as zeros */
			memset(p, 0, len);
			return 0;
		}
		p += n;
		len -= (size_t)n;
		off += (u64)n;
	}
	return 0;
}

static int file_pwrite(Backend *b, const void *buf, size_t len, u64 off)
{
	FileBackend *f = (FileBackend *)b;
	const u8 *p = buf;
	while (len) {
		ssize_t n = pwrite(f->fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == ENOSPC || errno == EDQUOT ? VMCP_ENOSPC : VMCP_EIO;
		if (n == 0)
			return VMCP_EIO;
		p += n;
		len -= (size_t)n;
		off += (u64)n;
	}
	return 0;
}

static int file_flush(Backend *b)
{
	FileBackend *f = (FileBackend *)b;
	return fdatasync(f->fd) == 0 ? 0 : VMCP_EIO;
}

static int file_resize(Backend *b, u64 size)
{
	FileBackend *f = (FileBackend *)b;
	if (b->is_blockdev)
		return VMCP_EUNSUP;
	if (size <= b->size)
		return 0;
	if (ftruncate(f->fd, (off_t)size) != 0)
		return errno == ENOSPC || errno == EFBIG ? VMCP_ENOSPC : VMCP_EIO;
	b->size = size;
	return 0;
}

static void file_close(Backend *b)
{
	FileBackend *f = (FileBackend *)b;
	close(f->fd);
	free(f);
}

/* Writes zeros in 64 KiB pieces: the fallback when the host cannot zero a range for us. */
static int write_zeros(Backend *b, u64 off, u64 len)
{
	static const u8 zeros[64 * 1024];
	while (len) {
		size_t n = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);
		int r = b->ops->pwrite(b, zeros, n, off);
		if (r)
			return r;
		off += n;
		len -= n;
	}
	return 0;
}

int backend_zero(Backend *b, u64 off, u64 len)
{
	if (!len)
		return 0;
	if (b->ops->zero)
		return b->ops->zero(b, off, len);
	return write_zeros(b, off, len);
}

static int file_zero(Backend *b, u64 off, u64 len)
{
	FileBackend *f = (FileBackend *)b;
	if (b->is_blockdev) {
		u64 range[2] = {off, len};
		if ((off | len) % SECTOR_SIZE == 0 && ioctl(f->fd, BLKZEROOUT, range) == 0)
			return 0;
		return write_zeros(b, off, len);
	}
	/* Past the end of the file there is nothing to zero (it reads as zeros). */
	if (off >= b->size)
		return 0;
	len = MIN(len, b->size - off);
	if (fallocate(f->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len) == 0)
		return 0;
	if (fallocate(f->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len) == 0)
		return 0;
	return write_zeros(b, off, len);
}

static const BackendOps file_ops = {file_pread, file_pwrite, file_flush, file_resize, file_close,
				    file_zero};

Backend *backend_open_file(const char *path, int flags, u64 create_size, int *err)
{
	int oflags = (flags & BACKEND_RDONLY) ? O_RDONLY : O_RDWR;
	struct stat pst;
	/* O_EXCL on a block device: refused (EBUSY) while it is mounted or held. */
	if ((flags & BACKEND_EXCL) && stat(path, &pst) == 0 && S_ISBLK(pst.st_mode))
		oflags |= O_EXCL;
	int fd = open(path, oflags | O_CLOEXEC);
	bool created = false;
	if (fd < 0 && errno == ENOENT && (flags & BACKEND_CREATE)) {
		/* The user's alone: other local users must not read guests' disks. */
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		created = fd >= 0;
	}
	if (fd < 0) {
		*err = errno == ENOENT ? VMCP_ENOENT : errno == EBUSY ? VMCP_EBUSY : VMCP_EIO;
		return NULL;
	}
	int e;
	struct stat st;
	if (fstat(fd, &st) != 0) {
		e = errno;
		close(fd);
		errno = e;
		*err = VMCP_EIO;
		return NULL;
	}
	FileBackend *f = calloc(1, sizeof(*f));
	if (!f) {
		close(fd);
		errno = ENOMEM;
		*err = VMCP_ENOMEM;
		return NULL;
	}
	f->b.ops = &file_ops;
	f->fd = fd;
	snprintf(f->b.path, sizeof(f->b.path), "%s", path);
	if (S_ISBLK(st.st_mode)) {
		u64 sz = 0;
		if (ioctl(fd, BLKGETSIZE64, &sz) != 0) {
			e = errno;
			file_close(&f->b);
			errno = e;
			*err = VMCP_EIO;
			return NULL;
		}
		f->b.size = sz;
		f->b.is_blockdev = true;
	} else if (S_ISREG(st.st_mode)) {
		f->b.size = (u64)st.st_size;
		if (created && create_size && ftruncate(fd, (off_t)create_size) != 0) {
			e = errno;
			file_close(&f->b);
			unlink(path);
			errno = e;
			*err = e == ENOSPC || e == EFBIG ? VMCP_ENOSPC : VMCP_EIO;
			return NULL;
		}
		if (created)
			f->b.size = create_size;
	} else {
		file_close(&f->b);
		errno = EINVAL;
		*err = VMCP_EINVAL;
		return NULL;
	}
	*err = 0;
	return &f->b;
}

int backend_fd(const Backend *b)
{
	return b && b->ops == &file_ops ? ((const FileBackend *)b)->fd : -1;
}

typedef struct MemBackend {
	Backend b;
	u8 *data;
} MemBackend;

static int mem_pread(Backend *b, void *buf, size_t len, u64 off)
{
	MemBackend *m = (MemBackend *)b;
	if (off > b->size || len > b->size - off)
		return VMCP_EIO;
	memcpy(buf, m->data + off, len);
	return 0;
}

static int mem_pwrite(Backend *b, const void *buf, size_t len, u64 off)
{
	MemBackend *m = (MemBackend *)b;
	if (off > b->size || len > b->size - off)
		return VMCP_ENOSPC;
	memcpy(m->data + off, buf, len);
	return 0;
}

static int mem_flush(Backend *b) { return 0; }

static int mem_resize(Backend *b, u64 size)
{
	MemBackend *m = (MemBackend *)b;
	if (size <= b->size)
		return 0;
	u8 *d = realloc(m->data, size);
	if (!d)
		return VMCP_ENOMEM;
	memset(d + b->size, 0, size - b->size);
	m->data = d;
	b->size = size;
	return 0;
}

static void mem_close(Backend *b)
{
	MemBackend *m = (MemBackend *)b;
	free(m->data);
	free(m);
}

static int mem_zero(Backend *b, u64 off, u64 len)
{
	MemBackend *m = (MemBackend *)b;
	if (off > b->size || len > b->size - off)
		return VMCP_ENOSPC;
	memset(m->data + off, 0, len);
	return 0;
}

static const BackendOps mem_ops = {mem_pread, mem_pwrite, mem_flush, mem_resize, mem_close,
				   mem_zero};

Backend *backend_mem_new(u64 size)
{
	MemBackend *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->data = calloc(1, size ? size : 1);
	if (!m->data) {
		free(m);
		return NULL;
	}
	m->b.ops = &mem_ops;
	m->b.size = size;
	snprintf(m->b.path, sizeof(m->b.path), "(memory)");
	return &m->b;
}

u8 *backend_mem_data(Backend *b)
{
	return b->ops == &mem_ops ? ((MemBackend *)b)->data : NULL;
}
