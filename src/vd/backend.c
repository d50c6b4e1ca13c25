/* backend.c: the file/block-device backend and the memory backend. */
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

static const BackendOps file_ops = {file_pread, file_pwrite, file_flush, file_resize, file_close};

Backend *backend_open_file(const char *path, int flags, u64 create_size, int *err)
{
	int oflags = (flags & BACKEND_RDONLY) ? O_RDONLY : O_RDWR;
	int fd = open(path, oflags | O_CLOEXEC);
	bool created = false;
	if (fd < 0 && errno == ENOENT && (flags & BACKEND_CREATE)) {
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		created = fd >= 0;
	}
	if (fd < 0) {
		*err = errno == ENOENT ? VMCP_ENOENT : errno == EBUSY ? VMCP_EBUSY : VMCP_EIO;
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		close(fd);
		*err = VMCP_EIO;
		return NULL;
	}
	FileBackend *f = calloc(1, sizeof(*f));
	if (!f) {
		close(fd);
		*err = VMCP_ENOMEM;
		return NULL;
	}
	f->b.ops = &file_ops;
	f->fd = fd;
	snprintf(f->b.path, sizeof(f->b.path), "%s", path);
	if (S_ISBLK(st.st_mode)) {
		u64 sz = 0;
		if (ioctl(fd, BLKGETSIZE64, &sz) != 0) {
			file_close(&f->b);
			*err = VMCP_EIO;
			return NULL;
		}
		f->b.size = sz;
		f->b.is_blockdev = true;
	} else if (S_ISREG(st.st_mode)) {
		f->b.size = (u64)st.st_size;
		if (created && create_size && ftruncate(fd, (off_t)create_size) != 0) {
			int e = errno;
			file_close(&f->b);
			unlink(path);
			*err = e == ENOSPC || e == EFBIG ? VMCP_ENOSPC : VMCP_EIO;
			return NULL;
		}
		if (created)
			f->b.size = create_size;
	} else {
		file_close(&f->b);
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

static const BackendOps mem_ops = {mem_pread, mem_pwrite, mem_flush, mem_resize, mem_close};

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
