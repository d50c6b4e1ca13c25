/* backend.h: where the real disk's bytes live.
 *
 * A Backend is a byte-addressed store with positioned reads and writes, a zeroing
 * operation (hole punching), a flush (the durability point) and a size: a host file or
 * block device, a memory buffer (tests), or a fault-injecting wrapper around another
 * backend (crash tests: backend_fault.c). VMFAT and the VD
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
	/* Makes len bytes at off read as zeros, cheaply where the host can (a hole punched
	 * in a file, BLKZEROOUT on a block device). NULL: backend_zero writes zeros. */
	int (*zero)(Backend *b, u64 off, u64 len);
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
static inline int backend_resize(Backend *b, u64 size) { return b->ops->resize(b, size); }

/* Makes len bytes at off read as zeros (see BackendOps.zero). Returns 0 or the backend's
 * write error. */
int backend_zero(Backend *b, u64 off, u64 len);
static inline void backend_close(Backend *b)
{
	if (b)
		b->ops->close(b);
}

enum {
	BACKEND_RDONLY = 1,
	BACKEND_CREATE = 2, /* create a regular file if missing (sparse, size given) */
	BACKEND_EXCL = 4,   /* a block device must not be mounted or held (O_EXCL) */
};

/* Opens a host file or block device. With BACKEND_CREATE a missing file is created
 * sparse with create_size bytes. On failure returns NULL, sets *err, and leaves the host's
 * errno of the failing call in errno (for the message). */
Backend *backend_open_file(const char *path, int flags, u64 create_size, int *err);

/* The host file descriptor of a file backend (for flock), or -1. */
int backend_fd(const Backend *b);

/* A zero-filled in-memory store of size bytes (tests, device models' fixtures). */
Backend *backend_mem_new(u64 size);
/* The bytes of a memory backend. */
u8 *backend_mem_data(Backend *b);

/* The fault-injecting wrapper (crash tests; backend_fault.c). It passes everything to
 * inner and counts writes (pwrite and zero). With a limit N set, the N-th write is torn
 * (only its first half, rounded down to whole sectors, reaches inner, and it fails) or
 * completes (and the power fails just after it), and every later write or flush fails
 * with VMCP_EIO, as a disk losing power. It remembers
 * every write since the last successful flush, so backend_fault_crash can make them
 * never have happened (all, or a pseudo-random subset: a disk cache may write back in
 * any order). Closing it closes inner only when own is true. NULL if out of memory. */
Backend *backend_fault_new(Backend *inner, bool own);
/* Loses power at the limit-th write from now (0 = never), tearing it if torn. */
void backend_fault_set_limit(Backend *b, u64 limit, bool torn);
/* Writes seen so far (pwrite and zero calls, including the torn one). */
u64 backend_fault_writes(const Backend *b);
/* True once the limit was reached (the "disk" has lost power). */
bool backend_fault_tripped(const Backend *b);

enum {
	FAULT_CRASH_KEEP = 0, /* unflushed writes all reached the disk */
	FAULT_CRASH_DROP = 1, /* none of them did */
	FAULT_CRASH_SOME = 2, /* a pseudo-random subset (by seed) did, in issue order */
};
/* Simulates power loss and restart: applies the crash mode to the unflushed writes,
 * forgets them, clears the limit and revives the backend. Returns 0 or an inner error. */
int backend_fault_crash(Backend *b, int mode, u64 seed);

#endif
