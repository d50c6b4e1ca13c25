/* romrun.c: runs a test ROM (tests/cpu/pm/NAME.asm) on VMCP's CPU in a minimal machine.
 *
 * The machine: a MemBus with 16 MiB of RAM; the ROM image mapped at the top of the
 * 4 GiB space and its last 128 KiB (or all of it, if smaller) also just below 1 MiB, as
 * QEMU's -bios and Bochs's romimage map a system BIOS; an IoBus with the debug port 0xE9
 * (each byte written goes to the output; a read returns 0xE9, as on Bochs and QEMU) and
 * the POST port 0x80 (the codes written are listed at the end). The CPU is a P6 (Bochs's
 * p2_klamath is the reference the .expect files come from).
 *
 * For the interrupt tests (pm_io.asm) there is a stand-in for the PC's 8259A master and
 * 8254 channel 0, just enough for code that programs them as a BIOS does: ICW1-ICW4
 * (the vector base), OCW1 (mask), non-specific EOI, OCW3 (read IRR/ISR), and channel
 * 0's count (mode 2/3, periodic; one count = one instruction of virtual time). It is not
 * a device model (no priorities, no slave, no other modes): src/dev/ will have those.
 *
 * The run: reset, then cpu_run in slices until HLT with IF=0 (the programs' end), HLT
 * with IF=1 and no interrupt to come, an instruction limit or a wall-clock limit: it
 * never hangs. A shutdown (triple fault) resets the CPU and goes on, RAM kept, as a PC
 * board does (at most 3 times). Then one line on stderr says how it stopped:
 *   romrun: stop=hlt|hlt-if1|limit|timeout|shutdowns|exit-N instructions=N shutdowns=N
 *
 * usage: romrun [--out FILE] [--trace FILE] [--limit INSTRUCTIONS] [--seconds S] ROM
 * Exit status: 0 when it stopped at HLT with IF=0, 1 otherwise, 2 on a usage or host
 * error (VMCP85xE messages). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "bus/iobus.h"
#include "bus/membus.h"
#include "cpu/cpu.h"

#define ROMRUN_RAM (16 * MiB)
#define ROMRUN_SLICE 100000u

/* The 8259A master / 8254 channel 0 stand-in. */
typedef struct MiniPic {
	Cpu *cpu;
	u8 icw_step; /* 0: OCWs; 1..3: ICW2..ICW4 expected next */
	bool icw4;   /* ICW1 announced an ICW4 */
	bool single; /* ICW1: no ICW3 */
	bool read_isr;
	u8 base, imr, irr, isr;
	u8 pit_mode_lo; /* 0: next write to 0x40 is the low byte */
	u16 pit_latch;
	u32 period; /* 0: channel 0 not running */
	u64 next;   /* virtual time of the next IRQ0 */
} MiniPic;

typedef struct Board {
	MemBus mem;
	IoBus *io;
	Cpu *cpu;
	FILE *out;
	u64 idle;   /* instructions of virtual time skipped while halted */
	MiniPic pic;
	u8 post[64];
	int npost;
} Board;

static u64 board_now(Board *b)
{
	return *cpu_icount(b->cpu) + b->idle;
}

static void pic_update(MiniPic *p)
{
	if (p->cpu)
		cpu_set_intr(p->cpu, (p->irr & ~p->imr & ~p->isr & 1) != 0);
}

static int pic_ack(void *ctx)
{
	MiniPic *p = ctx;
	if (!(p->irr & ~p->imr & 1)) {
		pic_update(p);
		return p->base + 7; /* spurious IRQ7, as the 8259A answers */
	}
	p->irr &= (u8)~1;
	p->isr |= 1;
	pic_update(p);
	return p->base;
}

static u32 pic_read(void *ctx, u16 port, int size)
{
	Board *b = ctx;
	MiniPic *p = &b->pic;
	switch (port) {
	case 0x20: return p->read_isr ? p->isr : p->irr;
	case 0x21: return p->imr;
	case 0xA1: return 0xFF;
	default: return 0;
	}
}

static void pic_write(void *ctx, u16 port, u32 val, int size)
{
	Board *b = ctx;
	MiniPic *p = &b->pic;
	u8 v = (u8)val;
	if (port == 0x20) {
		if (v & 0x10) { /* ICW1 */
			p->icw_step = 1;
			p->icw4 = v & 1;
			p->single = v & 2;
			p->imr = p->isr = p->irr = 0;
			p->read_isr = false;
		} else if (v & 0x08) { /* OCW3 */
			if (v & 2)
				p->read_isr = v & 1;
		} else if ((v & 0xE0) == 0x20 || v == 0x60) { /* EOI: non-specific, or IRQ0 */
			p->isr = 0;
		}
	} else if (port == 0x21) {
		switch (p->icw_step) {
		case 1:
			p->base = v & 0xF8;
			p->icw_step = p->single ? (p->icw4 ? 3 : 0) : 2;
			break;
		case 2: p->icw_step = p->icw4 ? 3 : 0; break;
		case 3: p->icw_step = 0; break;
		default: p->imr = v; break;
		}
	}
	/* 0xA0/0xA1 (the slave) are accepted and ignored. */
	pic_update(p);
}

static u32 pit_read(void *ctx, u16 port, int size)
{
	return 0;
}

static void pit_write(void *ctx, u16 port, u32 val, int size)
{
	Board *b = ctx;
	MiniPic *p = &b->pic;
	u8 v = (u8)val;
	if (port == 0x43) {
		if ((v >> 6) == 0 && ((v >> 4) & 3) == 3) /* channel 0, low then high byte */
			p->pit_mode_lo = 0;
	} else if (port == 0x40) {
		if (p->pit_mode_lo == 0) {
			p->pit_latch = v;
			p->pit_mode_lo = 1;
		} else {
			p->pit_latch |= (u16)(v << 8);
			p->pit_mode_lo = 0;
			p->period = p->pit_latch ? p->pit_latch : 0x10000;
			p->next = board_now(b) + p->period;
		}
	}
}

static u32 e9_read(void *ctx, u16 port, int size)
{
	return 0xE9;
}

static void e9_write(void *ctx, u16 port, u32 val, int size)
{
	Board *b = ctx;
	fputc((int)(val & 0xFF), b->out);
}

static u32 post_read(void *ctx, u16 port, int size)
{
	Board *b = ctx;
	return b->npost ? b->post[b->npost - 1] : 0xFF;
}

static void post_write(void *ctx, u16 port, u32 val, int size)
{
	Board *b = ctx;
	if (b->npost < (int)sizeof(b->post))
		b->post[b->npost++] = (u8)val;
}

static const IoOps e9_ops = { e9_read, e9_write, 1, "debug port 0xE9" };
static const IoOps post_ops = { post_read, post_write, 1, "POST port 0x80" };
static const IoOps pic_ops = { pic_read, pic_write, 1, "8259A stand-in" };
static const IoOps pit_ops = { pit_read, pit_write, 1, "8254 stand-in" };

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
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out_path = argv[++i];
		else if (!strcmp(argv[i], "--trace") && i + 1 < argc)
			trace_path = argv[++i];
		else if (!strcmp(argv[i], "--limit") && i + 1 < argc)
			limit = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = strtod(argv[++i], NULL);
		else if (argv[i][0] != '-' && !rom_path)
			rom_path = argv[i];
		else {
			fprintf(stderr, "usage: romrun [--out FILE] [--trace FILE] "
					"[--limit INSTRUCTIONS] [--seconds S] ROM\n");
			return 2;
		}
	}
	if (!rom_path) {
		fprintf(stderr, "usage: romrun [--out FILE] [--trace FILE] [--limit N] [--seconds S] ROM\n");
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
	if (io_map(b->io, 0xE9, 1, &e9_ops, b) < 0 || io_map(b->io, 0x80, 1, &post_ops, b) < 0 ||
	    io_map(b->io, 0x20, 2, &pic_ops, b) < 0 || io_map(b->io, 0xA0, 2, &pic_ops, b) < 0 ||
	    io_map(b->io, 0x40, 4, &pit_ops, b) < 0) {
		msg(853, 'E', "cannot map the ports");
		return 2;
	}
	CpuConfig cfg = { .model = CPU_MODEL_P6, .fpu = true };
	b->cpu = cpu_new(&cfg, &b->mem, b->io);
	if (!b->cpu) {
		msg(853, 'E', "cannot create the CPU: %s", vmcp_strerror(VMCP_ENOMEM));
		return 2;
	}
	b->pic.cpu = b->cpu;
	cpu_set_intr_ack(b->cpu, pic_ack, &b->pic);
	cpu_set_trace(b->cpu, trace);
	cpu_reset(b->cpu);

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	const char *stop = NULL;
	int shutdowns = 0;
	u64 executed = 0;
	char other[32];
	while (!stop) {
		MiniPic *p = &b->pic;
		u64 now = board_now(b);
		if (p->period && now >= p->next) { /* IRQ0: an edge on the 8259A's input */
			p->irr |= 1;
			while (p->next <= now)
				p->next += p->period;
			pic_update(p);
		}
		u64 budget = ROMRUN_SLICE;
		if (p->period)
			budget = MIN(budget, p->next - now);
		budget = MIN(budget, limit - executed);
		CpuExit ex;
		CpuExitReason r = cpu_run(b->cpu, budget, &ex);
		executed += ex.executed;
		CpuState st;
		switch (r) {
		case CPU_EXIT_BUDGET:
		case CPU_EXIT_REQUEST:
			break;
		case CPU_EXIT_HLT:
			cpu_get_state(b->cpu, &st);
			if (!(st.eflags & FLAG_IF))
				stop = "hlt";
			else if (p->period && !(p->imr & 1) && p->next > board_now(b))
				b->idle += p->next - board_now(b); /* sleep until IRQ0 */
			else if (!(p->period && !(p->imr & 1)))
				stop = "hlt-if1"; /* nothing will ever wake it */
			break;
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
	if (b->npost) {
		fprintf(stderr, " post=");
		for (int i = 0; i < b->npost; i++)
			fprintf(stderr, "%s%02x", i ? "," : "", b->post[i]);
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
