/* hostmem.c: a machine's large host memory, and the few blocks a process keeps for the
 * next machine it builds (hostmem.h says why). */
#include "base/hostmem.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The leak sanitizer scans the heap, stacks and globals for pointers, not mappings of
 * our own: a block that holds pointers to heap objects (a machine's control block) is
 * registered as a root while it is in use. */
#if defined(__SANITIZE_ADDRESS__)
#define HOSTMEM_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HOSTMEM_LSAN 1
#endif
#endif
#ifdef HOSTMEM_LSAN
#include <sanitizer/lsan_interface.h>
static void root(void *p, size_t n, unsigned flags, bool on)
{
	if (flags & HOSTMEM_NOPTRS)
		return;
	if (on)
		__lsan_register_root_region(p, n);
	else
		__lsan_unregister_root_region(p, n);
}
#else
static void root(void *p, size_t n, unsigned flags, bool on)
{
	(void)p, (void)n, (void)flags, (void)on;
}
#endif

#define KEEP 32                    /* blocks kept at most */
#define SMALL ((size_t)4 << 20)    /* up to this, a kept block is cleared by memset */
#define KEEP_SMALL ((size_t)48 << 20) /* bytes of such blocks kept at most (resident) */

typedef struct Kept {
	void *p;
	size_t size;     /* rounded to pages */
	unsigned flags;
	bool clean;      /* known to read as zero (given back to the kernel when freed) */
} Kept;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static Kept kept[KEEP];
static int nkept;
static size_t small_bytes;

static size_t page_size(void)
{
	static size_t ps;
	if (!ps) {
		long v = sysconf(_SC_PAGESIZE);
		ps = v > 0 ? (size_t)v : 4096;
	}
	return ps;
}

static size_t round_up(size_t size)
{
	size_t ps = page_size();
	return (size + ps - 1) / ps * ps;
}

static size_t before_of(unsigned flags)
{
	return flags & HOSTMEM_GUARD_BEFORE ? page_size() : 0;
}

void *hostmem_alloc(size_t size, unsigned flags)
{
	if (!size)
		size = 1;
	size_t n = round_up(size);
	Kept k = {0};
	pthread_mutex_lock(&lock);
	for (int i = nkept - 1; i >= 0; i--) {
		if (kept[i].size == n && kept[i].flags == flags) {
			k = kept[i];
			kept[i] = kept[--nkept];
			if (!k.clean)
				small_bytes -= n;
			break;
		}
	}
	pthread_mutex_unlock(&lock);
	if (k.p) {
		if (!k.clean && !(flags & HOSTMEM_NOCLEAR))
			memset(k.p, 0, n);
		root(k.p, n, flags, true);
		return k.p;
	}
	size_t before = before_of(flags), ps = page_size();
	char *area = mmap(NULL, before + n + ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (area == MAP_FAILED)
		return NULL;
	if (mprotect(area + before, n, PROT_READ | PROT_WRITE) != 0) {
		munmap(area, before + n + ps);
		return NULL;
	}
	root(area + before, n, flags, true);
	return area + before;
}

void hostmem_mark(unsigned long long *bits, size_t first, size_t last)
{
	for (size_t k = first / HOSTMEM_PART; k <= last / HOSTMEM_PART; k++)
		bits[k / 64] |= 1ull << (k % 64);
}

void hostmem_clear_marked(void *table, size_t size, const unsigned long long *bits)
{
	size_t parts = (size + HOSTMEM_PART - 1) / HOSTMEM_PART;
	for (size_t w = 0; w < (parts + 63) / 64; w++)
		for (unsigned long long b = bits[w]; b; b &= b - 1) {
			size_t k = w * 64 + (size_t)__builtin_ctzll(b);
			size_t at = k * HOSTMEM_PART;
			memset((char *)table + at, 0, size - at < HOSTMEM_PART ? size - at : HOSTMEM_PART);
		}
}

void hostmem_free(void *p, size_t size, unsigned flags)
{
	if (!p)
		return;
	if (!size)
		size = 1;
	size_t n = round_up(size);
	bool cleared = flags & HOSTMEM_CLEARED;
	flags &= ~(unsigned)HOSTMEM_CLEARED;
	root(p, n, flags, false);
	/* A large block is kept clean: as it is when its contents do not matter or the
	 * caller cleared it, else given back to the kernel (its pages read as zero again,
	 * and it costs no memory while it is kept). */
	bool clean = cleared || (n > SMALL && ((flags & HOSTMEM_NOCLEAR) || madvise(p, n, MADV_DONTNEED) == 0));
	pthread_mutex_lock(&lock);
	if (nkept < KEEP && ((clean && n > SMALL) || (n <= SMALL && small_bytes + n <= KEEP_SMALL))) {
		kept[nkept++] = (Kept){p, n, flags, clean};
		if (!clean)
			small_bytes += n;
		p = NULL;
	}
	pthread_mutex_unlock(&lock);
	if (p)
		munmap((char *)p - before_of(flags), before_of(flags) + n + page_size());
}
