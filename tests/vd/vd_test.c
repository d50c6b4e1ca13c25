/* vd_test.c: the VD manager alone (src/vd/vd.c): relocation of guest sectors through
 * several extents, requests that straddle extents, the bounds check (nothing moves when
 * any sector is out of range), read-only VDs, the defence against an extent outside the
 * data area, the trace hook and the statistics. */
#include "../test.h"
#include "base/err.h"
#include "vd/vd.h"

#include <string.h>

typedef struct Trace {
	int calls;
	u64 lba[8], real[8];
	u32 count[8];
	bool write[8];
} Trace;

static void trace_fn(void *ctx, const VdDisk *vd, bool write, u64 lba, u64 real, u32 count)
{
	Trace *t = ctx;
	if (t->calls < 8) {
		t->lba[t->calls] = lba;
		t->real[t->calls] = real;
		t->count[t->calls] = count;
		t->write[t->calls] = write;
	}
	t->calls++;
}

int main(void)
{
	Backend *b = backend_mem_new(1 * MiB);
	u8 *disk = backend_mem_data(b);
	VdDisk vd;
	vd_init_flat(&vd, "hda", b, 100, 50);
	CHECK(vd.type == VD_TYPE_HD && vd.sectors == 50 && vd.nextents == 1, "flat");
	/* Three extents, out of order on the real disk: guest 0-9 at 500, 10-29 at 200,
	 * 30-34 at 900 (capacity 33: the last extent is partly beyond it). */
	vd.nextents = 3;
	vd.extent[0] = (VdExtent){500, 10};
	vd.extent[1] = (VdExtent){200, 20};
	vd.extent[2] = (VdExtent){900, 5};
	vd.sectors = 33;
	vd.data_start = 100;
	vd.data_end = 1000;
	u64 real, run;
	CHECK(vd_relocate(&vd, 0, &real, &run) == 0 && real == 500 && run == 10, "lba 0");
	CHECK(vd_relocate(&vd, 9, &real, &run) == 0 && real == 509 && run == 1, "lba 9");
	CHECK(vd_relocate(&vd, 10, &real, &run) == 0 && real == 200 && run == 20, "lba 10");
	CHECK(vd_relocate(&vd, 32, &real, &run) == 0 && real == 902, "lba 32");
	CHECK_EQ(vd_relocate(&vd, 33, &real, &run), VMCP_ERANGE);
	CHECK_EQ(vd_relocate(&vd, ~0ull, &real, &run), VMCP_ERANGE);

	/* A write across all three extents lands in three places. */
	u8 buf[33 * 512];
	for (int i = 0; i < 33; i++)
		memset(buf + i * 512, 0x40 + i, 512);
	Trace t = {0};
	vd.trace = trace_fn;
	vd.trace_ctx = &t;
	CHECK_EQ(vd_write(&vd, 0, 33, buf), 0);
	CHECK_EQ(t.calls, 3);
	CHECK(t.lba[1] == 10 && t.real[1] == 200 && t.count[1] == 20 && t.write[1], "trace piece 2");
	CHECK(disk[500 * 512] == 0x40 && disk[509 * 512 + 511] == 0x49, "extent 0");
	CHECK(disk[200 * 512] == 0x4A && disk[219 * 512] == 0x5D, "extent 1");
	CHECK(disk[900 * 512] == 0x5E && disk[902 * 512] == 0x60 && disk[903 * 512] == 0, "extent 2");
	u8 back[33 * 512];
	CHECK_EQ(vd_read(&vd, 0, 33, back), 0);
	CHECK(!memcmp(buf, back, sizeof(buf)), "read back");
	CHECK_EQ(vd_read(&vd, 8, 4, back), 0);
	CHECK(back[0] == 0x48 && back[3 * 512] == 0x4B, "straddling read");
	CHECK(vd.nreads == 2 && vd.nwrites == 1 && vd.sectors_written == 33 && vd.sectors_read == 37,
	      "statistics");

	/* Out of range: nothing moves, whatever part was in range. */
	u8 *snap = malloc(1 * MiB);
	memcpy(snap, disk, 1 * MiB);
	memset(buf, 0xEE, sizeof(buf));
	int calls = t.calls;
	CHECK_EQ(vd_write(&vd, 30, 4, buf), VMCP_ERANGE);
	CHECK_EQ(vd_write(&vd, 33, 1, buf), VMCP_ERANGE);
	CHECK_EQ(vd_write(&vd, ~0ull, 2, buf), VMCP_ERANGE);  /* lba + count wraps */
	CHECK_EQ(vd_write(&vd, 1, 0xFFFFFFFFu, buf), VMCP_ERANGE);
	CHECK_EQ(vd_read(&vd, 32, 2, back), VMCP_ERANGE);
	CHECK(!memcmp(snap, disk, 1 * MiB), "no byte changed");
	CHECK_EQ(t.calls, calls);
	CHECK_EQ(vd_write(&vd, 32, 1, buf), 0);  /* the last sector */
	CHECK_EQ(vd_write(&vd, 5, 0, buf), 0);   /* nothing at all */

	/* Zeroing through the extents, with the same bounds check. */
	CHECK_EQ(vd_zero(&vd, 8, 4), 0);
	CHECK(disk[507 * 512] == 0x47 && disk[508 * 512] == 0 && disk[509 * 512 + 511] == 0 &&
		      disk[200 * 512] == 0 && disk[201 * 512 + 511] == 0 && disk[202 * 512] == 0x4C,
	      "vd_zero across extents");
	memcpy(snap, disk, 1 * MiB);
	CHECK_EQ(vd_zero(&vd, 30, 4), VMCP_ERANGE);
	CHECK_EQ(vd_zero(&vd, ~0ull, 2), VMCP_ERANGE);
	CHECK(!memcmp(snap, disk, 1 * MiB), "vd_zero out of range moves nothing");

	/* Read-only. */
	vd.readonly = true;
	memcpy(snap, disk, 1 * MiB);
	CHECK_EQ(vd_write(&vd, 0, 1, buf), VMCP_EINVAL);
	CHECK_EQ(vd_zero(&vd, 0, 1), VMCP_EINVAL);
	CHECK_EQ(vd_read(&vd, 0, 1, back), 0);
	CHECK(!memcmp(snap, disk, 1 * MiB), "read-only VD unchanged");
	vd.readonly = false;

	/* Defence in depth: an extent outside the data area is refused, not followed. */
	vd.extent[1].start = 50;
	CHECK_EQ(vd_read(&vd, 12, 1, back), VMCP_ERANGE);
	CHECK_EQ(vd_write(&vd, 12, 1, buf), VMCP_ERANGE);
	CHECK(!memcmp(snap, disk, 1 * MiB), "nothing written outside");
	vd.extent[1].start = 200;
	/* The backend's own failure comes through. */
	VdDisk far;
	vd_init_flat(&far, "hdb", b, 2040, 100); /* past the 1 MiB store */
	CHECK(vd_write(&far, 50, 1, buf) < 0, "backend error");
	CHECK_EQ(vd_flush(&vd), 0);
	free(snap);
	backend_close(b);
	return test_summary();
}
