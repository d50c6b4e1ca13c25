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
 *               [--cpu MODEL] ROM
 * Exit status: 0 when it stopped at HLT with IF=0, 1 otherwise, 2 on a usage or host
 * error (VMCP85xE messages). */
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

int main(int argc, char **argv)
{
	const char *out_path = NULL, *trace_path = NULL, *rom_path = NULL;
	u64 limit = 200000000;
	double seconds = 60;
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
		else if (!strcmp(argv[i], "--cpu") && i + 1 < argc) {
			const char *n = argv[++i];
			model_ok = false;
			for (size_t k = 0; k < ARRAY_SIZE(models); k++)
				if (!strcmp(n, models[k].name)) {
					model = models[k].m;
					model_ok = true;
				}
		}
		else if (argv[i][0] != '-' && !rom_path)
			rom_path = argv[i];
		else {
			fprintf(stderr, "usage: romrun [--out FILE] [--trace FILE] "
					"[--limit INSTRUCTIONS] [--seconds S] [--cpu MODEL] ROM\n");
			return 2;
		}
	}
	if (!rom_path || !model_ok) {
		fprintf(stderr, "usage: romrun [--out FILE] [--trace FILE] [--limit N] [--seconds S] "
				"[--cpu i386|i486|pentium|i686|pentium4] ROM\n");
		return 2;
	}

	static Board board;
	Board *b = &board;
	u32 rom_len;
	u8 *rom = rom_load(rom_path, &rom_len);
	if (!rom)
		return 2;
	b->out = stdout;
	if (out_path && !(b->out = fopen(out_path, "w"))) {
		msg(852, 'E', "cannot create %s: %s", out_path, strerror(errno));
		return 2;
	}
	FILE *trace = NULL;
	if (trace_path && !(trace = fopen(trace_path, "w"))) {
		msg(852, 'E', "cannot create %s: %s", trace_path, strerror(errno));
		return 2;
	}
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
	CpuConfig cfg = { .model = model, .fpu = true };
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

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	const char *stop = NULL;
	int shutdowns = 0, idle_wakes = 0;
	u64 executed = 0;
	char other[32];
	while (!stop) {
		u64 budget = clock_budget(clk, MIN((u64)ROMRUN_SLICE, limit - executed));
		CpuExit ex;
		CpuExitReason r = cpu_run(b->cpu, budget, &ex);
		executed += ex.executed;
		clock_run_timers(clk);
		if (ex.executed)
			idle_wakes = 0;
		CpuState st;
		switch (r) {
		case CPU_EXIT_BUDGET:
		case CPU_EXIT_REQUEST:
			break;
		case CPU_EXIT_HLT: {
			cpu_get_state(b->cpu, &st);
			u64 next = clock_next_deadline(clk);
			if (!(st.eflags & FLAG_IF))
				stop = "hlt";
			else if (next == CLOCK_NEVER || ++idle_wakes > ROMRUN_IDLE_WAKES)
				stop = "hlt-if1"; /* nothing will wake it */
			else if (next > clock_now(clk)) {
				clock_advance_to(clk, next); /* sleep until the next timer */
				clock_run_timers(clk);
			}
			break;
		}
		case CPU_EXIT_SHUTDOWN:
			fprintf(stderr, "romrun: shutdown (triple fault): reset, RAM kept\n");
			if (++shutdowns > 3)
				stop = "shutdowns";
			else
				cpu_reset(b->cpu);
			break;
		default:
			snprintf(other, sizeof(other), "exit-%d", (int)r);
			stop = other;
			break;
		}
		if (!stop && executed >= limit)
			stop = "limit";
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (!stop && (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9 > seconds)
			stop = "timeout";
	}
	fflush(b->out);
	CpuState st;
	cpu_get_state(b->cpu, &st);
	fprintf(stderr, "romrun: stop=%s instructions=%llu shutdowns=%d cs:eip=%04x:%08x",
		stop, (unsigned long long)executed, shutdowns, st.seg[SEG_CS].sel, st.eip);
	if (b->ncodes) {
		fprintf(stderr, " post=");
		for (int i = 0; i < b->ncodes; i++)
			fprintf(stderr, "%s%02x", i ? "," : "", b->codes[i]);
	}
	fprintf(stderr, "\n");
	bool ok = !strcmp(stop, "hlt");
	cpu_free(b->cpu);
	mem_free(&b->mem);
	free(b->io);
	free(rom);
	if (out_path)
		fclose(b->out);
	if (trace)
		fclose(trace);
	return ok ? 0 : 1;
}
