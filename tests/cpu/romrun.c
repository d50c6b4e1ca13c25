/* romrun.c: runs a test ROM (tests/cpu/pm/NAME.asm) on VMCP's CPU in a small machine
 * built from the real parts.
 *
 * The machine: a MemBus with 16 MiB of RAM; the ROM image mapped at the top of the
 * 4 GiB space and its last 128 KiB (or all of it, if smaller) also just below 1 MiB, as
 * QEMU's -bios and Bochs's romimage map a system BIOS. On the IoBus, wired as
 * src/vm/board.c wires them: the 8259A pair (src/dev/pic.c, 0x20-0x21, 0xA0-0xA1, ELCR
 * 0x4D0-0x4D1; its INT to the CPU's INTR, the CPU's INTA cycle to pic_ack), the 8254
 * (src/dev/pit.c, 0x40-0x43 and port 61h; OUT0 on IRQ0), the debug console 0xE9 (each
 * byte written goes to the output) and the POST port 0x80 (src/dev/debug.c; the codes
 * written are listed at the end). Virtual time comes from the CPU's instruction count
 * at 75 million instructions per second, the rate of the Bochs configuration the
 * .expect files come from. The CPU is a P6 (Bochs's p2_klamath) unless --cpu names
 * another model (i386, i486, pentium, i686, pentium4).
 *
 * The run, as src/vm/run.c runs a machine: cpu_run in slices sized to the next timer
 * deadline, due timers between slices, a HLT with IF=1 moving virtual time to the next
 * deadline. It stops at HLT with IF=0 (the programs' end), at HLT with IF=1 when no
 * timer is armed or when ROMRUN_IDLE_WAKES deadlines in a row pass without an
 * interrupt waking the CPU, at an instruction limit or at a wall-clock limit: it never
 * hangs. A shutdown (triple fault) resets the CPU and goes on, RAM and chips kept
 * (at most 3 times; the programs expect the processor reset alone, as an 8042 pulse
 * gives). Then one line on stderr says how it stopped:
 *   romrun: stop=hlt|hlt-if1|limit|timeout|shutdowns|exit-N instructions=N shutdowns=N
 *
 * usage: romrun [--out FILE] [--trace FILE] [--limit INSTRUCTIONS] [--seconds S]
 *               [--cpu MODEL] [--engine interp|jit] [--lockstep] ROM
 * Exit status: 0 when it stopped at HLT with IF=0, 1 otherwise, 2 on a usage or host
 * error (VMCP85xE messages).
 *
 * --lockstep builds the machine twice, one CPU on the interpreter and one on the
 * translator (every block translated at its first execution), both in block-step mode
 * (cpu_set_block_step), and runs them side by side: after every block, delivered
 * exception or interrupt both must agree on the whole CPU state (registers, EIP,
 * EFLAGS, segment caches, descriptor tables, control and debug registers, the x87,
 * the instruction count, the exit), the output so far, and every 256 steps and at the
 * end on all of RAM. The first difference stops the run with the block where it
 * appeared ("romrun: lockstep: ...") and exit status 1; otherwise "romrun: lockstep
 * N steps agree". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "bus/clock.h"
#include "bus/iobus.h"
#include "bus/irq.h"
#include "bus/membus.h"
#include "cpu/cpu.h"
#include "dev/debug.h"
#include "dev/pic.h"
#include "dev/pit.h"

#define ROMRUN_RAM (16 * MiB)
#define ROMRUN_SLICE 100000u
#define ROMRUN_IPS 75000000u
#define ROMRUN_IDLE_WAKES 1000

typedef struct Board {
	MemBus mem;
	IoBus *io;
	Cpu *cpu;
	Clock clock;
	Pic pic;
	Pit pit;
	DebugPort e9, post;
	FILE *out;
	u8 codes[64]; /* POST codes, in order */
	int ncodes;
	int shutdowns, idle_wakes;
	u64 executed;
	u64 spent; /* instruction times: executed and deliveries charged (an exception storm) */
	char other[32];
} Board;

/* The PIC's INT output on the CPU's INTR input. */
static void wire_intr(void *ctx, int n, int level)
{
	Board *b = ctx;
	cpu_set_intr(b->cpu, level != 0);
}

/* A timer armed earlier than the running slice's deadline ends the slice. */
static void kick_cpu(void *ctx)
{
	cpu_request_exit(ctx);
}

static void debug_out(void *ctx, u16 port, u8 byte)
{
	Board *b = ctx;
	if (port == 0xE9)
		fputc(byte, b->out);
	else if (b->ncodes < (int)sizeof(b->codes))
		b->codes[b->ncodes++] = byte;
}

/* Reads the whole ROM file. Returns its bytes (size in *len) or NULL after a message. */
static u8 *rom_load(const char *path, u32 *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		msg(850, 'E', "cannot open ROM %s: %s", path, strerror(errno));
		return NULL;
	}
	u8 *buf = malloc(16 * MiB + 1);
	size_t n = buf ? fread(buf, 1, 16 * MiB + 1, f) : 0;
	bool err = ferror(f);
	fclose(f);
	if (!buf || err || n == 0 || n > 16 * MiB || n % MEM_PAGE_SIZE) {
		msg(851, 'E', "ROM %s: %s", path,
		    !buf ? "out of memory" : err ? "read error"
		    : "size must be a multiple of 4 KiB, at most 16 MiB");
		free(buf);
		return NULL;
	}
	*len = (u32)n;
	return buf;
}

/* Builds the machine around the ROM (not copied; it outlives the board). Returns 0, or
 * 2 after a message. */
static int board_init(Board *b, u8 *rom, u32 rom_len, CpuModel model, CpuEngine engine, FILE *out,
		      FILE *trace)
{
	b->out = out;
	int rc = mem_init(&b->mem, ROMRUN_RAM);
	b->io = malloc(sizeof(*b->io));
	if (rc < 0 || !b->io) {
		msg(853, 'E', "cannot set up the machine: %s", vmcp_strerror(rc < 0 ? rc : VMCP_ENOMEM));
		return 2;
	}
	mem_map_rom(&b->mem, (u32)(4 * GiB - rom_len), rom_len, rom);
	u32 low = MIN(rom_len, 128 * KiB);
	mem_map_rom(&b->mem, 0x100000 - low, low, rom + rom_len - low);

	io_init(b->io);
	CpuConfig cfg = { .model = model, .fpu = true, .engine = engine };
	b->cpu = cpu_new(&cfg, &b->mem, b->io);
	if (!b->cpu) {
		msg(853, 'E', "cannot create the CPU: %s", vmcp_strerror(VMCP_ENOMEM));
		return 2;
	}
	Clock *clk = &b->clock;
	clock_init(clk, (u32)(1000000000000ull / ROMRUN_IPS));
	clock_attach_icount(clk, cpu_icount(b->cpu));
	clk->kick = kick_cpu;
	clk->kick_ctx = b->cpu;

	/* 8259A pair + ELCR: INT -> INTR, INTA <- CPU */
	pic_init(&b->pic);
	irq_connect(&b->pic.intr, wire_intr, b, 0);
	cpu_set_intr_ack(b->cpu, pic_ack, &b->pic);
	/* 8254 and port 61h: OUT0 -> IRQ0 */
	pit_init(&b->pit, clk);
	irq_connect(&b->pit.irq0, pic_set_irq, &b->pic, 0);
	/* the debug console and the POST port */
	debug_init(&b->e9, DEBUG_CONSOLE, debug_out, b);
	debug_init(&b->post, DEBUG_POST, debug_out, b);
	if (io_map(b->io, 0x20, 2, &pic_io_ops, &b->pic) < 0 ||
	    io_map(b->io, 0xA0, 2, &pic_io_ops, &b->pic) < 0 ||
	    io_map(b->io, 0x4D0, 2, &pic_elcr_io_ops, &b->pic) < 0 ||
	    io_map(b->io, 0x40, 4, &pit_io_ops, &b->pit) < 0 ||
	    io_map(b->io, 0x61, 1, &pit_port61_io_ops, &b->pit) < 0 ||
	    io_map(b->io, 0xE9, 1, &debug_io_ops, &b->e9) < 0 ||
	    io_map(b->io, 0x80, 1, &debug_io_ops, &b->post) < 0) {
		msg(853, 'E', "cannot map the ports");
		return 2;
	}
	pic_reset(&b->pic);
	pit_reset(&b->pit);
	debug_reset(&b->e9);
	debug_reset(&b->post);
	cpu_set_trace(b->cpu, trace);
	cpu_reset(b->cpu);
	return 0;
}

static void board_free(Board *b)
{
	cpu_free(b->cpu);
	mem_free(&b->mem);
	free(b->io);
}

/* One slice of the run, as src/vm/run.c runs a machine. Returns NULL to go on, or why
 * the run stops. */
static const char *board_slice(Board *b, u64 limit)
{
	Clock *clk = &b->clock;
	u64 budget = clock_budget(clk, MIN((u64)ROMRUN_SLICE, limit - b->spent));
	CpuExit ex;
	CpuExitReason r = cpu_run(b->cpu, budget, &ex);
	b->executed += ex.executed;
	b->spent += ex.executed + ex.charged;
	clock_run_timers(clk);
	if (ex.executed)
		b->idle_wakes = 0;
	CpuState st;
	const char *stop = NULL;
	switch (r) {
	case CPU_EXIT_BUDGET:
	case CPU_EXIT_REQUEST:
		break;
	case CPU_EXIT_HLT: {
		cpu_get_state(b->cpu, &st);
		u64 next = clock_next_deadline(clk);
		if (!(st.eflags & FLAG_IF))
			stop = "hlt";
		else if (next == CLOCK_NEVER || ++b->idle_wakes > ROMRUN_IDLE_WAKES)
			stop = "hlt-if1"; /* nothing will wake it */
		else if (next > clock_now(clk)) {
			clock_advance_to(clk, next); /* sleep until the next timer */
			clock_run_timers(clk);
		}
		break;
	}
	case CPU_EXIT_SHUTDOWN:
		fprintf(stderr, "romrun: shutdown (triple fault): reset, RAM kept\n");
		if (++b->shutdowns > 3)
			stop = "shutdowns";
		else
			cpu_reset(b->cpu);
		break;
	default:
		snprintf(b->other, sizeof(b->other), "exit-%d", (int)r);
		stop = b->other;
		break;
	}
	if (!stop && b->spent >= limit)
		stop = "limit";
	return stop;
}

static void report_stop(Board *b, const char *stop)
{
	CpuState st;
	cpu_get_state(b->cpu, &st);
	fprintf(stderr, "romrun: stop=%s instructions=%llu shutdowns=%d cs:eip=%04x:%08x", stop,
		(unsigned long long)b->executed, b->shutdowns, st.seg[SEG_CS].sel, st.eip);
	if (b->ncodes) {
		fprintf(stderr, " post=");
		for (int i = 0; i < b->ncodes; i++)
			fprintf(stderr, "%s%02x", i ? "," : "", b->codes[i]);
	}
	fprintf(stderr, "\n");
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ---- lockstep ---- */
static bool seg_eq(const CpuSeg *a, const CpuSeg *b)
{
	return a->sel == b->sel && a->attr == b->attr && a->base == b->base && a->limit == b->limit;
}

/* Compares the two boards; prints the first differences and returns false. */
static bool lockstep_same(Board *a, Board *b, char *ob_a, size_t na, char *ob_b, size_t nb,
			  bool ram, const char *what)
{
	CpuState x, y;
	cpu_get_state(a->cpu, &x);
	cpu_get_state(b->cpu, &y);
	static const char *const gn[8] = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};
	static const char *const sn[SEG_COUNT] = {"ES", "CS", "SS", "DS", "FS", "GS"};
	int bad = 0;
#define DIFF(cond, ...)                                                             \
	do {                                                                        \
		if (cond) {                                                         \
			if (!bad++)                                                 \
				fprintf(stderr, "romrun: lockstep: %s\n", what);    \
			fprintf(stderr, "romrun:   " __VA_ARGS__);                  \
		}                                                                   \
	} while (0)
	for (int i = 0; i < 8; i++)
		DIFF(x.gpr[i] != y.gpr[i], "%s interp=%08x jit=%08x\n", gn[i], x.gpr[i], y.gpr[i]);
	DIFF(x.eip != y.eip, "EIP interp=%08x jit=%08x\n", x.eip, y.eip);
	DIFF(x.eflags != y.eflags, "EFLAGS interp=%08x jit=%08x\n", x.eflags, y.eflags);
	for (int i = 0; i < SEG_COUNT; i++)
		DIFF(!seg_eq(&x.seg[i], &y.seg[i]), "%s interp=%04x/%08x/%08x/%04x jit=%04x/%08x/%08x/%04x\n",
		     sn[i], x.seg[i].sel, x.seg[i].base, x.seg[i].limit, x.seg[i].attr, y.seg[i].sel,
		     y.seg[i].base, y.seg[i].limit, y.seg[i].attr);
	DIFF(!seg_eq(&x.ldtr, &y.ldtr) || !seg_eq(&x.tr, &y.tr), "LDTR/TR differ\n");
	DIFF(x.gdtr_base != y.gdtr_base || x.gdtr_limit != y.gdtr_limit || x.idtr_base != y.idtr_base ||
	     x.idtr_limit != y.idtr_limit, "GDTR/IDTR differ\n");
	DIFF(x.cr0 != y.cr0 || x.cr2 != y.cr2 || x.cr3 != y.cr3 || x.cr4 != y.cr4,
	     "CR0 %08x/%08x CR2 %08x/%08x CR3 %08x/%08x CR4 %08x/%08x\n", x.cr0, y.cr0, x.cr2, y.cr2,
	     x.cr3, y.cr3, x.cr4, y.cr4);
	DIFF(memcmp(x.dr, y.dr, sizeof(x.dr)) != 0, "debug registers differ (DR6 %08x/%08x)\n", x.dr[6], y.dr[6]);
	DIFF(x.tsc != y.tsc || x.halted != y.halted, "TSC %llu/%llu halted %d/%d\n",
	     (unsigned long long)x.tsc, (unsigned long long)y.tsc, x.halted, y.halted);
	DIFF(*cpu_icount(a->cpu) != *cpu_icount(b->cpu), "instructions interp=%llu jit=%llu\n",
	     (unsigned long long)*cpu_icount(a->cpu), (unsigned long long)*cpu_icount(b->cpu));
	CpuFpuState fa, fb;
	cpu_get_fpu_state(a->cpu, &fa);
	cpu_get_fpu_state(b->cpu, &fb);
	DIFF(memcmp(&fa, &fb, sizeof(fa)) != 0, "x87 state differs (SW %04x/%04x)\n", fa.sw, fb.sw);
	DIFF(na != nb || memcmp(ob_a, ob_b, na) != 0, "output differs (%zu/%zu bytes)\n", na, nb);
	if (ram && memcmp(a->mem.ram, b->mem.ram, ROMRUN_RAM) != 0) {
		u32 i = 0;
		while (a->mem.ram[i] == b->mem.ram[i])
			i++;
		DIFF(true, "RAM differs from %08x (interp %02x, jit %02x)\n", i, a->mem.ram[i], b->mem.ram[i]);
	}
#undef DIFF
	return bad == 0;
}

static int run_lockstep(u8 *rom, u32 rom_len, CpuModel model, FILE *out, u64 limit, double seconds)
{
	static Board ba, bb;
	char *oa = NULL, *ob = NULL;
	size_t na = 0, nb = 0;
	FILE *fa = open_memstream(&oa, &na), *fb = open_memstream(&ob, &nb);
	if (!fa || !fb || board_init(&ba, rom, rom_len, model, CPU_ENGINE_INTERP, fa, NULL) ||
	    board_init(&bb, rom, rom_len, model, CPU_ENGINE_JIT, fb, NULL))
		return 2;
	cpu_set_block_step(ba.cpu, true);
	cpu_set_block_step(bb.cpu, true);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	const char *stop = NULL;
	u64 steps = 0;
	bool same = true;
	CpuState before;
	while (!stop && same) {
		cpu_get_state(ba.cpu, &before);
		const char *sa = board_slice(&ba, limit), *sb = board_slice(&bb, limit);
		steps++;
		fflush(fa);
		fflush(fb);
		char what[160];
		snprintf(what, sizeof(what), "step %llu, the block from %04x:%08x (instruction %llu) differs",
			 (unsigned long long)steps, before.seg[SEG_CS].sel, before.eip,
			 (unsigned long long)(ba.executed));
		same = lockstep_same(&ba, &bb, oa, na, ob, nb, (steps & 255) == 0 || sa || sb, what);
		if (same && (!sa) != (!sb)) {
			fprintf(stderr, "romrun: lockstep: step %llu: stops differ (interp %s, jit %s)\n",
				(unsigned long long)steps, sa ? sa : "running", sb ? sb : "running");
			same = false;
		}
		stop = sa;
		if (!stop && seconds_since(&t0) > seconds)
			stop = "timeout";
	}
	fclose(fa);
	fclose(fb);
	fwrite(oa, 1, na, out);
	fflush(out);
	report_stop(&ba, stop ? stop : "lockstep-differs");
	if (same)
		fprintf(stderr, "romrun: lockstep %llu steps agree\n", (unsigned long long)steps);
	bool ok = same && stop && !strcmp(stop, "hlt");
	board_free(&ba);
	board_free(&bb);
	free(oa);
	free(ob);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *out_path = NULL, *trace_path = NULL, *rom_path = NULL;
	u64 limit = 200000000;
	double seconds = 60;
	bool lockstep = false;
	CpuEngine engine = CPU_ENGINE_DEFAULT;
	static const struct { const char *name; CpuModel m; } models[] = {
		{"i386", CPU_MODEL_386}, {"i486", CPU_MODEL_486}, {"pentium", CPU_MODEL_PENTIUM},
		{"i686", CPU_MODEL_P6}, {"pentium4", CPU_MODEL_P4}};
	CpuModel model = CPU_MODEL_P6;
	bool model_ok = true;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out_path = argv[++i];
		else if (!strcmp(argv[i], "--trace") && i + 1 < argc)
			trace_path = argv[++i];
		else if (!strcmp(argv[i], "--limit") && i + 1 < argc)
			limit = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = strtod(argv[++i], NULL);
		else if (!strcmp(argv[i], "--engine") && i + 1 < argc && cpu_engine_parse(argv[i + 1], &engine) == 0)
			i++;
		else if (!strcmp(argv[i], "--cpu") && i + 1 < argc) {
			const char *n = argv[++i];
			model_ok = false;
			for (size_t k = 0; k < ARRAY_SIZE(models); k++)
				if (!strcmp(n, models[k].name)) {
					model = models[k].m;
					model_ok = true;
				}
		} else if (!strcmp(argv[i], "--lockstep"))
			lockstep = true;
		else if (argv[i][0] != '-' && !rom_path)
			rom_path = argv[i];
		else
			rom_path = NULL, i = argc;
	}
	if (!rom_path || !model_ok) {
		fprintf(stderr, "usage: romrun [--out FILE] [--trace FILE] [--limit INSTRUCTIONS] "
				"[--seconds S] [--cpu i386|i486|pentium|i686|pentium4] "
				"[--engine interp|jit] [--lockstep] ROM\n");
		return 2;
	}

	u32 rom_len;
	u8 *rom = rom_load(rom_path, &rom_len);
	if (!rom)
		return 2;
	FILE *out = stdout;
	if (out_path && !(out = fopen(out_path, "w"))) {
		msg(852, 'E', "cannot create %s: %s", out_path, strerror(errno));
		return 2;
	}
	if (lockstep) {
		/* every block translated at its first execution */
		setenv("VMCP_JIT_HEAT", "0", 1);
		int rc = run_lockstep(rom, rom_len, model, out, limit, seconds);
		if (out_path)
			fclose(out);
		free(rom);
		return rc;
	}
	FILE *trace = NULL;
	if (trace_path && !(trace = fopen(trace_path, "w"))) {
		msg(852, 'E', "cannot create %s: %s", trace_path, strerror(errno));
		return 2;
	}
	static Board board;
	Board *b = &board;
	if (board_init(b, rom, rom_len, model, engine, out, trace))
		return 2;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	const char *stop = NULL;
	while (!stop) {
		stop = board_slice(b, limit);
		if (!stop && seconds_since(&t0) > seconds)
			stop = "timeout";
	}
	fflush(b->out);
	report_stop(b, stop);
	bool ok = !strcmp(stop, "hlt");
	board_free(b);
	free(rom);
	if (out_path)
		fclose(b->out);
	if (trace)
		fclose(trace);
	return ok ? 0 : 1;
}
