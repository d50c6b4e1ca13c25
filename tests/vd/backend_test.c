/* backend_test.c: the real-disk backends: the host file (reads past the end are zeros,
 * zeroing punches a hole and leaves the size, growth), the memory store, and the
 * fault-injecting wrapper the crash tests rely on (the N-th write torn or completed,
 * everything after it failing, and the three crash fates of unflushed writes). */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../test.h"
#include "base/err.h"
#include "vd/backend.h"

static void test_file(const char *dir)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/backend_test.%d.img", dir, (int)getpid());
	unlink(path);
	int err;
	CHECK(!backend_open_file(path, 0, 0, &err) && err == VMCP_ENOENT, "missing file");
	Backend *b = backend_open_file(path, BACKEND_CREATE, 4 * MiB, &err);
	CHECK(b && b->size == 4 * MiB && !b->is_blockdev && backend_fd(b) >= 0, "created");
	u8 *buf = malloc(1 * MiB);
	memset(buf, 0xAB, 1 * MiB);
	CHECK_EQ(backend_pwrite(b, buf, 1 * MiB, 1 * MiB), 0);
	CHECK_EQ(backend_flush(b), 0);
	struct stat st;
	stat(path, &st);
	u64 blocks = (u64)st.st_blocks;
	CHECK(blocks >= 2048, "1 MiB allocated (%llu blocks)", (unsigned long long)blocks);
	/* Zero the middle 512 KiB: reads as zeros, the file keeps its size, space returns. */
	CHECK_EQ(backend_zero(b, 1 * MiB + 256 * KiB, 512 * KiB), 0);
	CHECK_EQ(backend_pread(b, buf, 1 * MiB, 1 * MiB), 0);
	bool ok = true;
	for (u64 i = 0; i < 1 * MiB; i++)
		ok &= buf[i] == ((i >= 256 * KiB && i < 768 * KiB) ? 0 : 0xAB);
	CHECK(ok, "zeroed range reads as zeros, the rest untouched");
	stat(path, &st);
	CHECK_EQ(st.st_size, 4 * MiB);
	CHECK((u64)st.st_blocks < blocks, "a hole was punched (%llu -> %llu blocks)",
	      (unsigned long long)blocks, (unsigned long long)st.st_blocks);
	/* Past the end: reads zeros; zeroing is a no-op; growth. */
	memset(buf, 1, 4096);
	CHECK_EQ(backend_pread(b, buf, 4096, 4 * MiB - 512), 0);
	CHECK(buf[0] == 0 && buf[4095] == 0, "zeros past the end");
	CHECK_EQ(backend_zero(b, 8 * MiB, 1 * MiB), 0);
	CHECK_EQ(backend_resize(b, 8 * MiB), 0);
	CHECK_EQ(b->size, 8 * MiB);
	CHECK_EQ(backend_resize(b, 2 * MiB), 0); /* never shrinks */
	CHECK_EQ(b->size, 8 * MiB);
	backend_close(b);
	b = backend_open_file(path, BACKEND_RDONLY, 0, &err);
	CHECK(b && b->size == 8 * MiB, "reopened read-only");
	CHECK(backend_pwrite(b, buf, 512, 0) < 0, "read-only refuses writes");
	backend_close(b);
	CHECK(!backend_open_file(dir, 0, 0, &err), "a directory is not a real disk");
	free(buf);
	unlink(path);
}

static void test_fault(void)
{
	Backend *m = backend_mem_new(64 * KiB);
	u8 *d = backend_mem_data(m);
	Backend *f = backend_fault_new(m, false);
	u8 a[2048], z[2048];
	memset(a, 0xAA, sizeof(a));
	memset(z, 0, sizeof(z));
	/* Flushed writes survive every crash. */
	CHECK_EQ(backend_pwrite(f, a, 512, 0), 0);
	CHECK_EQ(backend_flush(f), 0);
	CHECK_EQ(backend_fault_crash(f, FAULT_CRASH_DROP, 1), 0);
	CHECK_EQ(d[0], 0xAA);
	/* Unflushed ones: kept, dropped. */
	CHECK_EQ(backend_pwrite(f, a, 512, 512), 0);
	CHECK_EQ(backend_zero(f, 0, 512), 0);
	CHECK_EQ(backend_fault_writes(f), 3);
	CHECK_EQ(backend_fault_crash(f, FAULT_CRASH_KEEP, 1), 0);
	CHECK(d[0] == 0 && d[512] == 0xAA, "keep");
	memset(d, 0, 1024);
	CHECK_EQ(backend_pwrite(f, a, 512, 0), 0);
	CHECK_EQ(backend_flush(f), 0);
	CHECK_EQ(backend_pwrite(f, a, 512, 512), 0);
	CHECK_EQ(backend_zero(f, 0, 512), 0);
	CHECK_EQ(backend_fault_crash(f, FAULT_CRASH_DROP, 1), 0);
	CHECK(d[0] == 0xAA && d[512] == 0, "drop restores the flushed state");
	/* Some: over many seeds both fates of each write occur, and overlapping writes are
	 * applied in order (a kept later write wins over a kept earlier one). */
	int seen[2][2] = {{0}};
	for (u64 seed = 0; seed < 64; seed++) {
		memset(d, 0, 1024);
		backend_pwrite(f, z, 512, 0);
		backend_flush(f);
		u8 one[512], two[512];
		memset(one, 1, 512);
		memset(two, 2, 512);
		backend_pwrite(f, one, 512, 0);
		backend_pwrite(f, two, 512, 0);
		backend_fault_crash(f, FAULT_CRASH_SOME, seed);
		CHECK(d[0] <= 2 && !memcmp(d, d + 1, 511), "a sector is one write's or none");
		seen[d[0] == 1][d[0] == 2]++;
	}
	CHECK(seen[0][0] && seen[1][0] && seen[0][1], "some: none, first, last all seen");
	/* The limit: the 3rd write from now is torn (first half, whole sectors) and fails;
	 * everything after it fails. */
	memset(d, 0, 4096);
	backend_fault_set_limit(f, 3, true);
	CHECK_EQ(backend_pwrite(f, a, 512, 0), 0);
	CHECK_EQ(backend_pwrite(f, a, 512, 512), 0);
	CHECK_EQ(backend_pwrite(f, a, 2048, 1024), VMCP_EIO);
	CHECK(backend_fault_tripped(f), "tripped");
	CHECK(d[1024] == 0xAA && d[2047] == 0xAA && d[2048] == 0, "torn: the first half landed");
	CHECK_EQ(backend_pwrite(f, a, 512, 4096), VMCP_EIO);
	CHECK_EQ(backend_flush(f), VMCP_EIO);
	CHECK_EQ(backend_zero(f, 0, 512), VMCP_EIO);
	CHECK_EQ(d[4096], 0);
	CHECK_EQ(backend_pread(f, z, 512, 0), 0); /* reads still work */
	CHECK_EQ(backend_fault_crash(f, FAULT_CRASH_DROP, 0), 0);
	CHECK(d[0] == 0 && d[1024] == 0, "all three dropped");
	CHECK(!backend_fault_tripped(f), "revived");
	CHECK_EQ(backend_pwrite(f, a, 512, 0), 0);
	/* Untorn: the limit-th write completes and reports success; then the power is out. */
	backend_fault_set_limit(f, 1, false);
	CHECK_EQ(backend_pwrite(f, a, 1024, 8192), 0);
	CHECK(backend_fault_tripped(f) && d[8192 + 1023] == 0xAA, "completed");
	CHECK_EQ(backend_flush(f), VMCP_EIO);
	backend_close(f);
	backend_close(m);
}

int main(void)
{
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build/release";
	test_file(build);
	test_fault();
	Backend *m = backend_mem_new(4096);
	u8 x[512];
	CHECK(backend_pread(m, x, 512, 4000) < 0 && backend_pwrite(m, x, 512, 4096) < 0, "mem bounds");
	CHECK_EQ(backend_resize(m, 8192), 0);
	CHECK_EQ(backend_pwrite(m, x, 512, 4096), 0);
	backend_close(m);
	return test_summary();
}
