/* vdtest.h: helpers the VD tests share (header-only; each test stays one .c file):
 * in-memory real disks, a full check that prints its findings, sector patterns. */
#ifndef VMCP_TESTS_VDTEST_H
#define VMCP_TESTS_VDTEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "vd/backend.h"
#include "vd/vmfat.h"
#include "vm/vmblock.h"

/* Formats a fresh in-memory real disk of `bytes` and opens it (the Vmfat owns it). */
static inline Vmfat *mem_disk(u64 bytes)
{
	Backend *b = backend_mem_new(bytes);
	VdErr e;
	if (!b || vmfat_format(b, 0, &e)) {
		printf("FAIL cannot format a memory disk\n");
		exit(1);
	}
	Vmfat *v = vmfat_open_backend(b, true, 0, &e);
	if (!v) {
		printf("FAIL cannot open a memory disk: %s\n", e.text);
		exit(1);
	}
	return v;
}

static inline void print_finding(void *ctx, int num, char sev, const char *text)
{
	printf("  check: VMCP%03d%c %s\n", num, sev, text);
}

/* Runs the full check; returns errors + warnings (printing them). */
static inline u32 full_check(Vmfat *v)
{
	VmfatCheckResult res;
	int r = vmfat_check(v, false, print_finding, NULL, &res);
	if (r && r != VMCP_ECORRUPT) {
		printf("  check failed to run: %s\n", v->err.text);
		return 1000;
	}
	return res.errors + res.warnings;
}

/* A sector whose bytes say which VD and guest sector it is. */
static inline void fill_sector(u8 *s, u32 tag, u64 lba)
{
	for (int i = 0; i < 512; i += 16) {
		memcpy(s + i, &tag, 4);
		memcpy(s + i + 4, &lba, 8);
		s[i + 12] = (u8)i;
		s[i + 13] = 0x5A;
		s[i + 14] = (u8)(tag ^ lba);
		s[i + 15] = 0xA5;
	}
}

static inline bool sector_is(const u8 *s, u32 tag, u64 lba)
{
	u8 want[512];
	fill_sector(want, tag, lba);
	return !memcmp(s, want, 512);
}

static inline bool all_zero_buf(const u8 *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Writes the pattern of `tag` to every sector of vd, in chunks of up to 64 sectors. */
static inline int fill_vd(VdDisk *vd, u32 tag)
{
	static u8 buf[64 * 512];
	for (u64 lba = 0; lba < vd->sectors;) {
		u32 n = (u32)MIN(64, vd->sectors - lba);
		for (u32 i = 0; i < n; i++)
			fill_sector(buf + i * 512, tag, lba + i);
		int r = vd_write(vd, lba, n, buf);
		if (r)
			return r;
		lba += n;
	}
	return vd_flush(vd);
}

/* Counts the sectors of vd that do not hold the pattern of `tag` (tag 0: zeros). */
static inline u64 verify_vd(VdDisk *vd, u32 tag)
{
	static u8 buf[64 * 512];
	u64 bad = 0;
	for (u64 lba = 0; lba < vd->sectors;) {
		u32 n = (u32)MIN(64, vd->sectors - lba);
		if (vd_read(vd, lba, n, buf))
			return vd->sectors;
		for (u32 i = 0; i < n; i++)
			bad += tag ? !sector_is(buf + i * 512, tag, lba + i) : !all_zero_buf(buf + i * 512, 512);
		lba += n;
	}
	return bad;
}

#endif
