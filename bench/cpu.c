/* bench/cpu: guest MIPS of VMCP's CPU on a loop mixing ALU, memory, branch, call/ret,
 * stack and string instructions (bench/loop.asm; its bytes are below, with the
 * iteration count patched in). The loop runs in flat 32-bit protected mode from 1 MiB
 * of RAM and ends with a triple fault (CPU_EXIT_SHUTDOWN here; QEMU -no-reboot and
 * Bochs with reset_on_triple_fault=0 exit on it, which bench/run.sh uses to time the
 * same guest code on them).
 *
 *   bench/cpu [ITERATIONS]          run and print MIPS (wall clock and CPU time)
 *   bench/cpu --dump FILE ITER      write the raw loop (org 10000h) for a boot image
 *   bench/cpu --count ITER          print the guest instructions of ITER iterations
 *   bench/cpu --x87 [ITERATIONS]    the same for bench/x87loop.asm (11 of its 13
 *                                   instructions are x87 ones), with an x87
 * Guest instructions are retired instructions as the CPU counts them (a REP string
 * instruction counts once per 4096-element chunk). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bus/iobus.h"
#include "bus/membus.h"
#include "cpu/cpu.h"

#define LOOP_ORG 0x10000u
#define ITER_OFF 6

/* nasm -f bin bench/loop.asm */
static const u8 loop_bin[] = {
	0xbc, 0x00, 0x00, 0x09, 0x00, 0xbd, 0x44, 0x33, 0x22, 0x11, 0x31, 0xdb, 0x31, 0xff,
	0xbe, 0x00, 0x00, 0x10, 0x00, 0xb9, 0x00, 0x01, 0x00, 0x00, 0x8b, 0x04, 0x8e, 0x01,
	0xc8, 0x31, 0xc2, 0xc1, 0xc2, 0x03, 0x11, 0xd3, 0x89, 0x84, 0x8e, 0x00, 0x20, 0x00,
	0x00, 0xa8, 0x01, 0x74, 0x01, 0x47, 0x49, 0x75, 0xe5, 0xe8, 0x2d, 0x00, 0x00, 0x00,
	0xbe, 0x00, 0x00, 0x10, 0x00, 0x57, 0xbf, 0x00, 0x40, 0x10, 0x00, 0xb9, 0x40, 0x00,
	0x00, 0x00, 0xfc, 0xf3, 0xa5, 0xb9, 0x10, 0x00, 0x00, 0x00, 0x88, 0xd8, 0xf3, 0xaa,
	0x5f, 0xad, 0x39, 0xd8, 0x19, 0xc0, 0x4d, 0x75, 0xb1, 0x0f, 0x01, 0x1d, 0x6e, 0x00,
	0x01, 0x00, 0xcc, 0x50, 0x0f, 0xb6, 0xc3, 0x6b, 0xc0, 0x05, 0x58, 0xc3, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
};

/* nasm -f bin bench/x87loop.asm (iterations at offset 1) */
static const u8 x87loop_bin[] = {
	0xbd, 0x44, 0x33, 0x22, 0x11, 0xdb, 0xe3, 0xc7, 0x05, 0x08, 0x00, 0x02, 0x00, 0x39,
	0x30, 0x00, 0x00, 0xd9, 0xe8, 0xd9, 0xee, 0xd8, 0xc1, 0xd9, 0xc0, 0xdc, 0xc8, 0xd9,
	0xfa, 0xd8, 0xf2, 0xdd, 0x1d, 0x00, 0x00, 0x02, 0x00, 0xdb, 0x05, 0x08, 0x00, 0x02,
	0x00, 0xdb, 0x1d, 0x0c, 0x00, 0x02, 0x00, 0xd9, 0xc9, 0xd9, 0xc9, 0xd8, 0xd1, 0xdf,
	0xe0, 0x4d, 0x75, 0xd9, 0x0f, 0x01, 0x1d, 0x44, 0x00, 0x01, 0x00, 0xcc, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
};

static void loop_image(u8 *out, u32 iter)
{
	memcpy(out, loop_bin, sizeof(loop_bin));
	put_le32(out + ITER_OFF, iter);
}

static double now(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Runs the loop (the x87 one with x87); returns the instructions retired, times in
 * *wall and *cpu. */
static u64 run_loop(u32 iter, bool x87, double *wall, double *cpu_s, const char **engine)
{
	MemBus mem;
	if (mem_init(&mem, 16 << 20) < 0)
		exit(1);
	IoBus *io = malloc(sizeof(IoBus));
	if (!io)
		exit(1);
	io_init(io);
	CpuConfig cfg = {.model = CPU_MODEL_P6, .fpu = x87};
	Cpu *c = cpu_new(&cfg, &mem, io);
	if (!c)
		exit(1);
	if (engine)
		*engine = cpu_engine_name(cpu_engine(c));
	if (x87) {
		u8 img[sizeof(x87loop_bin)];
		memcpy(img, x87loop_bin, sizeof(img));
		put_le32(img + 1, iter);
		mem_write_buf(&mem, LOOP_ORG, img, sizeof(img));
	} else {
		u8 img[sizeof(loop_bin)];
		loop_image(img, iter);
		mem_write_buf(&mem, LOOP_ORG, img, sizeof(img));
	}
	CpuState st;
	cpu_get_state(c, &st);
	st.cr0 |= CR0_PE;
	for (int i = 0; i < SEG_COUNT; i++)
		st.seg[i] = (CpuSeg){0x10, 0xC093, 0, 0xFFFFFFFF};
	st.seg[SEG_CS] = (CpuSeg){0x08, 0xC09B, 0, 0xFFFFFFFF};
	st.eip = LOOP_ORG;
	st.idtr_limit = 0x3FF;
	cpu_set_state(c, &st);
	double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
	CpuExit ex;
	u64 n = 0;
	while (cpu_run(c, 50000000, &ex) == CPU_EXIT_BUDGET)
		n += ex.executed;
	n += ex.executed;
	*wall = now(CLOCK_MONOTONIC) - w0;
	*cpu_s = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
	if (ex.reason != CPU_EXIT_SHUTDOWN) {
		fprintf(stderr, "bench/cpu: the loop ended with exit %d\n", ex.reason);
		exit(1);
	}
	cpu_free(c);
	free(io);
	mem_free(&mem);
	return n;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--dump")) {
		u8 img[sizeof(loop_bin)];
		loop_image(img, (u32)strtoul(argv[3], NULL, 0));
		FILE *f = fopen(argv[2], "wb");
		if (!f || fwrite(img, 1, sizeof(img), f) != sizeof(img) || fclose(f)) {
			perror(argv[2]);
			return 1;
		}
		return 0;
	}
	double wall, cpu_s;
	if (argc == 3 && !strcmp(argv[1], "--count")) {
		printf("%llu\n", (unsigned long long)run_loop((u32)strtoul(argv[2], NULL, 0), false,
							     &wall, &cpu_s, NULL));
		return 0;
	}
	bool x87 = argc > 1 && !strcmp(argv[1], "--x87");
	if (x87) {
		argc--;
		argv++;
	}
	u32 iter = argc > 1 ? (u32)strtoul(argv[1], NULL, 0) : x87 ? 2000000 : 200000;
	const char *engine = "?";
	u64 n = run_loop(iter, x87, &wall, &cpu_s, &engine);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("vmcp %s%s: %llu guest instructions in %.3f s wall, %.3f s CPU: %.1f MIPS (wall), "
	       "%.1f MIPS (CPU time), max RSS %ld KiB\n",
	       engine, x87 ? " (x87 loop)" : "", (unsigned long long)n, wall, cpu_s,
	       (double)n / wall / 1e6, (double)n / cpu_s / 1e6, ru.ru_maxrss);
	return 0;
}
