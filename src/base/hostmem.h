/* hostmem.h: a machine's large host memory -- its control block, the port and page
 * tables, guest RAM, the decoded-code arena -- as page-aligned anonymous mappings from
 * the kernel, zero-filled, with an inaccessible guard page after each block (before it
 * too with HOSTMEM_GUARD_BEFORE), so that a host-side write off the end faults at once.
 *
 * A process that builds machine after machine (the fuzz targets build one per input,
 * the tests many) would map, fault in and unmap the same megabytes each time, and under
 * a sanitizer that is most of its time. So hostmem_free keeps a few freed blocks and
 * hostmem_alloc hands one of the same size and kind back, cleared: small blocks by
 * memset (their pages stay), large ones by MADV_DONTNEED (only the pages touched since
 * are given back; the rest read as zero). A process with one machine sees no difference.
 * Thread-safe. */
#ifndef VMCP_BASE_HOSTMEM_H
#define VMCP_BASE_HOSTMEM_H

#include <stddef.h>

enum {
	HOSTMEM_GUARD_BEFORE = 1, /* an inaccessible page before the block too */
	HOSTMEM_NOCLEAR = 2,      /* the caller writes before it reads: a reused block
				   * keeps its old bytes */
	HOSTMEM_NOPTRS = 4,       /* never holds a host pointer (guest RAM): under the
				   * leak sanitizer the others are roots it scans */
	HOSTMEM_CLEARED = 8,      /* to hostmem_free only: the caller zeroed what it wrote */
};

/* size bytes (rounded up to pages), zero unless HOSTMEM_NOCLEAR; NULL without memory. */
void *hostmem_alloc(size_t size, unsigned flags);
/* Gives back a block of hostmem_alloc (the same size and flags); NULL is ignored. */
void hostmem_free(void *p, size_t size, unsigned flags);

/* A large table that is mostly never written (a machine's page or port table) goes back
 * clean (HOSTMEM_CLEARED) by clearing only its 4 KiB parts that were written: the owner
 * marks bytes [first, last] of the table as about to be written in a bitmap of one bit
 * per 4 KiB part (HOSTMEM_PARTS words for a table of n bytes), and clears the marked
 * parts of its size bytes before it frees the table. */
#define HOSTMEM_PART 4096u
#define HOSTMEM_PARTS(n) (((n) / HOSTMEM_PART + 63) / 64)
void hostmem_mark(unsigned long long *bits, size_t first, size_t last);
void hostmem_clear_marked(void *table, size_t size, const unsigned long long *bits);

#endif
