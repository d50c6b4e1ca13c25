/* bench/vd.c: the VD manager against plain pread/pwrite on the same host file (issue 2,
 * "Speed"): 4 KiB random and 1 MiB sequential, reads and writes. A real disk file is
 * formatted, a 256 MiB VD defined and written once (so no test reads a hole); the raw
 * runs use pread/pwrite at exactly the real-disk offsets the VD manager relocates to, so
 * both sides touch the same bytes of the same page cache and the difference is the VD
 * manager's own cost (relocation through VDDATA, the bounds check, the statistics).
 * Each test alternates raw and VD runs (15 rounds, each side first in turn) and keeps
 * the best of each, which filters out noise from neighbours on a shared machine. Not a timed test: run it with
 * `make bench`. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "vd/vmfat.h"
#include "vm/vmblock.h"

#define VD_BYTES (256 * MiB)
#define ROUNDS 15
#define RANDOM_OPS 20000

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

typedef struct Bench {
	int fd;      /* the host file, for the raw side */
	VdDisk *vd;  /* the VD, for the VD manager side */
	u8 *buf;
	u64 *lbas;   /* random 4 KiB-aligned guest LBAs */
} Bench;

/* The raw side reaches the same bytes: relocate once up front, outside the timing. */
static off_t raw_off(const VdDisk *vd, u64 lba)
{
	u64 real, run;
	vd_relocate(vd, lba, &real, &run);
	return (off_t)(real * SECTOR_SIZE);
}

static double run_test(Bench *b, int test, bool raw, off_t *offs)
{
	double t0 = now();
	int bad = 0;
	if (test < 2) { /* 4 KiB random */
		bool wr = test == 1;
		for (int i = 0; i < RANDOM_OPS; i++) {
			if (raw)
				bad |= (wr ? pwrite(b->fd, b->buf, 4096, offs[i]) : pread(b->fd, b->buf, 4096, offs[i])) != 4096;
			else
				bad |= wr ? vd_write(b->vd, b->lbas[i], 8, b->buf) : vd_read(b->vd, b->lbas[i], 8, b->buf);
		}
	} else { /* 1 MiB sequential over the whole VD */
		bool wr = test == 3;
		for (u64 lba = 0; lba < b->vd->sectors; lba += 2048) {
			if (raw) {
				off_t o = raw_off(b->vd, lba); /* one extent: contiguous; same cost as an offset add */
				bad |= (wr ? pwrite(b->fd, b->buf, MiB, o) : pread(b->fd, b->buf, MiB, o)) != (ssize_t)MiB;
			} else {
				bad |= wr ? vd_write(b->vd, lba, 2048, b->buf) : vd_read(b->vd, lba, 2048, b->buf);
			}
		}
	}
	if (bad) {
		fprintf(stderr, "bench: I/O failed\n");
		exit(1);
	}
	return now() - t0;
}

int main(int argc, char **argv)
{
	const char *dir = getenv("BUILD") ? getenv("BUILD") : "build/release";
	char path[512];
	snprintf(path, sizeof(path), "%s/bench-vd.%d.dasd", dir, (int)getpid());
	int err;
	VdErr e;
	Backend *bk = backend_open_file(path, BACKEND_CREATE, VD_BYTES + 64 * MiB, &err);
	if (!bk || vmfat_format(bk, 0, &e)) {
		fprintf(stderr, "bench: cannot create %s\n", path);
		return 1;
	}
	backend_close(bk);
	Vmfat *v = vmfat_open(path, 0, &e);
	VmConf c;
	vmconf_default(&c);
	if (!v || vmfat_define_vm(v, "bench", &c) || vmfat_define_vd(v, "bench", "hda", VD_BYTES)) {
		fprintf(stderr, "bench: cannot define the VD\n");
		return 1;
	}
	vmfat_close(v);
	VmBlock vm;
	if (vmblock_load(path, "bench", &vm)) {
		fprintf(stderr, "bench: %s\n", vm.err.text);
		return 1;
	}
	Bench b = {.vd = &vm.vddata[0]};
	b.fd = open(path, O_RDWR);
	b.buf = aligned_alloc(4096, MiB);
	memset(b.buf, 0x5A, MiB);
	b.lbas = malloc(RANDOM_OPS * sizeof(u64));
	off_t *offs = malloc(RANDOM_OPS * sizeof(off_t));
	u64 x = 88172645463325252ull;
	for (int i = 0; i < RANDOM_OPS; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		b.lbas[i] = (x % (b.vd->sectors / 8)) * 8;
		offs[i] = raw_off(b.vd, b.lbas[i]);
	}
	run_test(&b, 3, true, offs); /* fill the VD: no holes, everything in the page cache */
	static const char *const names[] = {"4K random read", "4K random write", "1M sequential read",
					    "1M sequential write"};
	printf("VD manager vs raw pread/pwrite on %s (256 MiB VD, best of %d)\n", path, ROUNDS);
	printf("%-22s %12s %12s %9s\n", "test", "raw MB/s", "VD MB/s", "overhead");
	double worst = -100;
	for (int t = 0; t < 4; t++) {
		double best_raw = 1e9, best_vd = 1e9;
		for (int r = 0; r < ROUNDS; r++) { /* alternate which side goes first */
			double a = run_test(&b, t, r & 1, offs), z = run_test(&b, t, !(r & 1), offs);
			best_raw = MIN(best_raw, r & 1 ? a : z);
			best_vd = MIN(best_vd, r & 1 ? z : a);
		}
		double bytes = t < 2 ? (double)RANDOM_OPS * 4096 : (double)VD_BYTES;
		double over = (best_vd / best_raw - 1) * 100;
		worst = MAX(worst, over);
		printf("%-22s %12.0f %12.0f %8.1f%%\n", names[t], bytes / best_raw / 1e6, bytes / best_vd / 1e6, over);
	}
	printf("worst overhead %.1f%% (the target: under 5%%)\n", worst);
	close(b.fd);
	vmblock_unload(&vm);
	unlink(path);
	free(b.buf);
	free(b.lbas);
	free(offs);
	(void)argc;
	(void)argv;
	return 0;
}
