/* devtest.h: small pieces the storage device tests share (header-only; each test stays
 * one .c file): a recorder for an IRQ line, a clock step, and memory-backed VDs whose
 * every byte tells which sector it belongs to. */
#ifndef VMCP_TESTS_DEVTEST_H
#define VMCP_TESTS_DEVTEST_H

#include "bus/clock.h"
#include "bus/irq.h"
#include "vd/backend.h"
#include "vd/vd.h"

/* What an IRQ line did: its level now and how many rising edges it made. */
typedef struct IrqRec {
	int level, edges;
} IrqRec;

/* IrqSetFn recording into the IrqRec ctx. */
static inline void irq_rec(void *ctx, int n, int level)
{
	IrqRec *r = ctx;
	if (level && !r->level)
		r->edges++;
	r->level = level;
}

/* Moves time ns forward in one step and runs the timers that fell due (late ones fire
 * at the new time, as after a slice of CPU work). */
static inline void clock_step(Clock *c, u64 ns)
{
	clock_advance_to(c, clock_now(c) + ns);
	clock_run_timers(c);
}

/* Byte j of sector lba of a pattern disk with multiplier mul. */
static inline u8 pattern_byte(u64 lba, u32 j, u32 mul)
{
	return (u8)(lba * mul + j);
}

/* A memory-backed VD of n sectors (device name dev) holding the pattern of mul; returns
 * its backend (the caller closes it). */
static inline Backend *pattern_disk(VdDisk *vd, const char *dev, u64 n, u32 mul)
{
	Backend *b = backend_mem_new(n * SECTOR_SIZE);
	u8 *p = backend_mem_data(b);
	for (u64 i = 0; i < n * SECTOR_SIZE; i++)
		p[i] = pattern_byte(i / SECTOR_SIZE, (u32)(i % SECTOR_SIZE), mul);
	vd_init_flat(vd, dev, b, 0, n);
	return b;
}

/* True if the 512 bytes at p are sector lba of the pattern of mul. */
static inline bool pattern_sector_is(const u8 *p, u64 lba, u32 mul)
{
	for (u32 j = 0; j < SECTOR_SIZE; j++)
		if (p[j] != pattern_byte(lba, j, mul))
			return false;
	return true;
}

#endif
