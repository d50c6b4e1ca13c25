/* backend_fault.c: a fault-injecting wrapper for the crash tests (SQLite's crash-test
 * idea, shared/STYLE.md): a disk that loses power at the N-th write and a write cache
 * that may lose, or write back in any order, whatever was not flushed.
 *
 * Model: every pwrite or zero is one "write". The limit-th write is torn: only its first
 * half (rounded down to whole 512-byte sectors, so a one-sector write is lost whole)
 * reaches the inner store, and it fails; or, untorn, it completes and reports success
 * and the power fails just after it. From then on every write and flush fails with
 * VMCP_EIO (reads still work: the process sees what it wrote). Each write since the last good
 * flush is logged with the bytes it replaced and the bytes it wrote. A crash undoes them
 * all, newest first, and then redoes the ones the crash mode keeps, oldest first: that is
 * exactly the disk image after power loss with that subset of the cache written back.
 * Not modelled: torn sectors (a sector is atomic, as on real disks with 512-byte
 * sectors), reordering across a successful flush (a flush is a barrier). */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "vd/backend.h"

typedef struct FaultWrite {
	u64 off, len;
	u8 *old;  /* the bytes it replaced */
	u8 *data; /* the bytes it wrote (NULL: zeros) */
} FaultWrite;

typedef struct FaultBackend {
	Backend b;
	Backend *inner;
	bool own;
	u64 writes;
	u64 limit; /* 0: never fail */
	bool torn; /* the limit-th write is torn (else it completes, then power fails) */
	bool dead;
	bool last_ok; /* the write that tripped reported success */
	FaultWrite *log;
	size_t nlog, caplog;
} FaultBackend;

static void log_clear(FaultBackend *f)
{
	for (size_t i = 0; i < f->nlog; i++) {
		free(f->log[i].old);
		free(f->log[i].data);
	}
	f->nlog = 0;
}

/* Remembers a write of len bytes at off before it happens (data NULL for zeros). */
static int log_add(FaultBackend *f, const void *data, u64 len, u64 off)
{
	if (f->nlog == f->caplog) {
		size_t cap = f->caplog ? f->caplog * 2 : 16;
		FaultWrite *n = realloc(f->log, cap * sizeof(*n));
		if (!n)
			return VMCP_ENOMEM;
		f->log = n;
		f->caplog = cap;
	}
	FaultWrite *w = &f->log[f->nlog];
	*w = (FaultWrite){off, len, malloc(len ? len : 1), NULL};
	if (data)
		w->data = malloc(len ? len : 1);
	if (!w->old || (data && !w->data)) {
		free(w->old);
		free(w->data);
		return VMCP_ENOMEM;
	}
	int r = backend_pread(f->inner, w->old, len, off);
	if (r) {
		free(w->old);
		free(w->data);
		return r;
	}
	if (data)
		memcpy(w->data, data, len);
	f->nlog++;
	return 0;
}

/* Counts a write; returns the length that may reach the disk (len, the torn part, or
 * -1 when the disk is already dead). */
static s64 fault_admit(FaultBackend *f, u64 len)
{
	if (f->dead)
		return -1;
	f->writes++;
	if (f->limit && f->writes >= f->limit) {
		f->dead = true;
		f->last_ok = !f->torn;
		return f->torn ? (s64)(len / 2 / SECTOR_SIZE * SECTOR_SIZE) : (s64)len;
	}
	return (s64)len;
}

static int fault_pread(Backend *b, void *buf, size_t len, u64 off)
{
	FaultBackend *f = (FaultBackend *)b;
	return backend_pread(f->inner, buf, len, off);
}

/* One write (buf NULL: zeros): counted, logged, passed on whole or torn. */
static int fault_write(FaultBackend *f, const void *buf, u64 len, u64 off)
{
	f->last_ok = false;
	s64 n = fault_admit(f, len);
	if (n < 0)
		return VMCP_EIO;
	int r = n ? log_add(f, buf, (u64)n, off) : 0;
	if (!r && n)
		r = buf ? backend_pwrite(f->inner, buf, (size_t)n, off) : backend_zero(f->inner, off, (u64)n);
	if (r)
		return r;
	return f->dead && !f->last_ok ? VMCP_EIO : 0;
}

static int fault_pwrite(Backend *b, const void *buf, size_t len, u64 off)
{
	return fault_write((FaultBackend *)b, buf, len, off);
}

static int fault_zero(Backend *b, u64 off, u64 len)
{
	return fault_write((FaultBackend *)b, NULL, len, off);
}

static int fault_flush(Backend *b)
{
	FaultBackend *f = (FaultBackend *)b;
	if (f->dead)
		return VMCP_EIO;
	int r = backend_flush(f->inner);
	if (!r)
		log_clear(f);
	return r;
}

static int fault_resize(Backend *b, u64 size)
{
	FaultBackend *f = (FaultBackend *)b;
	if (f->dead)
		return VMCP_EIO;
	int r = backend_resize(f->inner, size);
	b->size = f->inner->size;
	return r;
}

static void fault_close(Backend *b)
{
	FaultBackend *f = (FaultBackend *)b;
	log_clear(f);
	free(f->log);
	if (f->own)
		backend_close(f->inner);
	free(f);
}

static const BackendOps fault_ops = {fault_pread, fault_pwrite, fault_flush, fault_resize,
				     fault_close, fault_zero};

Backend *backend_fault_new(Backend *inner, bool own)
{
	FaultBackend *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->b.ops = &fault_ops;
	f->b.size = inner->size;
	f->b.is_blockdev = inner->is_blockdev;
	memcpy(f->b.path, inner->path, sizeof(f->b.path));
	f->inner = inner;
	f->own = own;
	return &f->b;
}

void backend_fault_set_limit(Backend *b, u64 limit, bool torn)
{
	FaultBackend *f = (FaultBackend *)b;
	f->limit = limit ? f->writes + limit : 0;
	f->torn = torn;
}

u64 backend_fault_writes(const Backend *b)
{
	return ((const FaultBackend *)b)->writes;
}

bool backend_fault_tripped(const Backend *b)
{
	return ((const FaultBackend *)b)->dead;
}

int backend_fault_crash(Backend *b, int mode, u64 seed)
{
	FaultBackend *f = (FaultBackend *)b;
	int r = 0;
	for (size_t i = f->nlog; i-- > 0 && !r;)
		r = backend_pwrite(f->inner, f->log[i].old, f->log[i].len, f->log[i].off);
	u64 x = seed * 0x9E3779B97F4A7C15ull + 1;
	for (size_t i = 0; i < f->nlog && !r; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
		bool keep = mode == FAULT_CRASH_KEEP || (mode == FAULT_CRASH_SOME && (x >> 32) & 1);
		if (!keep)
			continue;
		FaultWrite *w = &f->log[i];
		r = w->data ? backend_pwrite(f->inner, w->data, w->len, w->off)
			    : backend_zero(f->inner, w->off, w->len);
	}
	log_clear(f);
	f->dead = f->last_ok = false;
	f->limit = 0;
	return r;
}
