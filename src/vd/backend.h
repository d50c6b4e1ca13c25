/* backend.h: where the real disk's bytes live.
 *
 * A Backend is a byte-addressed store with positioned reads and writes, a flush (the
 * durability point) and a size: a host file or block device, a memory buffer (tests),
 * or a fault-injecting wrapper around another backend (crash tests). VMFAT and the VD
 * manager use nothing else, so every failure of the host reaches them as a return code.
 * All functions return 0 (or the size) on success and a negative VMCP_E* code on failure;
 * short transfers are retried inside the backend and reported as VMCP_EIO if they
 * persist. */
#ifndef VMCP_VD_BACKEND_H
#define VMCP_VD_BACKEND_H

#include "base/base.h"

typedef struct Backend Backend;

typedef struct BackendOps {
	int (*pread)(Backend *b, void *buf, size_t len, u64 off);
	int (*pwrite)(Backend *b, const void *buf, size_t len, u64 off);
	int (*flush)(Backend *b);
	/* Grows (never shrinks) a file-like store; VMCP_EUNSUP for block devices. */
	int (*resize)(Backend *b, u64 size);
	void (*close)(Backend *b);
} BackendOps;

struct Backend {
	const BackendOps *ops;
	u64 size;      /* bytes */
	bool is_blockdev;
	char path[256];
};

static inline int backend_pread(Backend *b, void *buf, size_t len, u64 off)
{
	return b->ops->pread(b, buf, len, off);
}
static inline int backend_pwrite(Backend *b, const void *buf, size_t len, u64 off)
{
	return b->ops->pwrite(b, buf, len, off);
}
static inline int backend_flush(Backend *b) { return b->ops->flush(b); }
static inline void backend_close(Backend *b)
{
	if (b)
		b->ops->close(b);
}

enum {
	BACKEND_RDONLY = 1,
	BACKEND_CREATE = 2, /* create a regular file if missing (sparse, size given) */
};

/* Opens a host file or block device. With BACKEND_CREATE a missing file is created
 * sparse with create_size bytes. On failure returns NULL and sets *err. */
Backend *backend_open_file(const char *path, int flags, u64 create_size, int *err);

/* The host file descriptor of a file backend (for flock), or -1. */
int backend_fd(const Backend *b);

/* A zero-filled in-memory store of size bytes (tests, device models' fixtures). */
Backend *backend_mem_new(u64 size);
/* The bytes of a memory backend. */
u8 *backend_mem_data(Backend *b);

#endif
