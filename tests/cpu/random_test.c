/* random_test.c: random instruction streams must never crash, hang or corrupt the CPU.
 *
 * A million streams, in release and in ASan/UBSan builds alike, on a Pentium 4 (so
 * every MMX/SSE/SSE2/SSE3 form is reachable): 256 random bytes (one stream in 8 led by
 * a run of prefixes, one in 4 made of chunks that start like MMX/SSE instructions: an
 * optional 66/F2/F3, 0F and an opcode of that map) at
 * linear 0x10000, run from a fresh-ish state for at most RT_BUDGET instructions (in
 * one to three cpu_run calls). The state is random in its general registers and
 * arithmetic flags (one stream in 8 also gets random breakpoints in DR0-DR3/DR7), in
 * the XMM registers and MXCSR, with CR4.OSFXSR/OSXMMEXCPT mostly set and now and then
 * CR0.EM or TS;
 * the mode is real mode (5 streams in 12), 32-bit protected mode at
 * ring 0 or ring 3, 16-bit protected mode, or 32-bit protected mode with PAE paging at
 * ring 0 or ring 3 (randomly damaged page tables, rt_pae_tables; EFER.NXE, CR0.WP,
 * CR4.PSE/PGE at random), with a sane GDT (flat and 16-bit code and
 * data, ring-3 segments, a TSS for the ring-0 stack, and a few odd descriptors: a call
 * gate, conforming and execute-only code, read-only, expand-down and not-present data,
 * an LDT) and an IDT/IVT whose every handler is a HLT at 0x3000 + 4 * vector: with
 * IF=0 the stream then stops, and the HLT's address names the vector delivered.
 * Guest RAM is 2 MiB (0..640K and 1M..2M); 0xA0000-0xBFFFF is an MMIO page range that
 * checks every access it gets; a 64 KiB ROM is mapped at 0xF0000 and 0xFFFF0000, inside
 * a host buffer with canaries on both sides. The GDT/IDT/IVT/TSS/handlers are restored
 * between streams when a stream overwrote them; other RAM keeps what streams left.
 *
 * Lockstep: every stream also runs on a second, identical machine whose CPU uses the
 * translator (each block translated at its first execution, VMCP_JIT_HEAT=0) with the
 * same budgets; after every cpu_run the two must agree on the exit, the instructions
 * retired and the whole CPU state (registers, EFLAGS, segments, descriptor tables,
 * control and debug registers, x87, SSE), and every 1024 streams and at the end on all of
 * RAM.
 *
 * Asserted, for every stream (violations are counted; the first ones are printed with
 * the stream's number, which `random_test --stream N [--trace]` replays, after running
 * the streams before it untraced, since they leave RAM as stream N found it):
 *  - cpu_run returns, having retired at most the budget it was given, with icount
 *    advanced by exactly what it reports; the reason is BUDGET, HLT or SHUTDOWN (no
 *    port is trapped and no breakpoint set, so IO/BREAKPOINT exits are wrong); a
 *    BUDGET exit comes only when instructions plus delivered exceptions (the CPU
 *    charges a fault to the budget) reach the budget;
 *  - after a HLT the CPU says it is halted; after a budget exit EIP is at most
 *    CS.limit + 1 (an instruction can end at the limit; the next fetch then faults);
 *  - MMIO callbacks only see addresses inside their range and sizes 1, 2 or 4;
 *  - the ROM and the canaries around it are never written;
 *  - no stream runs longer than RT_WATCHDOG seconds (a watchdog fails the test).
 * ASan/UBSan (make MODE=asan check) turn any memory error or UB into a failure.
 * Printed: how many streams ended in which way (budget, HLT in the stream, shutdown,
 * each exception vector) per mode, and the instructions executed.
 *
 * usage: random_test [--count N] [--seed S] [--stream N [--trace]] */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "bus/iobus.h"
#include "bus/membus.h"
#include "cpu/cpu.h"
#include "desc.h"
#include "../test.h"

#define RT_DEFAULT_COUNT 1000000u

#define RT_RAM (2 * MiB)
#define RT_BUDGET 48
#define RT_WATCHDOG 20
#define RT_CODE 0x10000u
#define RT_CODE_LEN 256
#define RT_HANDLERS 0x3000u
#define RT_SYS_END 0x3400u /* IVT, GDT, IDT, TSS, handlers: restored when changed */
#define RT_GDT 0x1000u
#define RT_IDT 0x2000u
#define RT_TSS 0x2800u
#define RT_LDT 0x2C00u
#define RT_MMIO 0xA0000u
#define RT_MMIO_LEN 0x20000u
#define RT_ROM_LEN 0x10000u
#define RT_CANARY 4096
#define RT_MAX_REPORTS 10

enum { MODE_REAL, MODE_PM32, MODE_PM32_R3, MODE_PM16, MODE_PAE, MODE_PAE_R3, MODE_COUNT };
static const char *const mode_name[MODE_COUNT] = { "real", "pm32 ring0", "pm32 ring3", "pm16",
						   "pae ring0", "pae ring3" };

/* PAE paging (MODE_PAE*): the tables, rebuilt for every such stream */
#define RT_PDPT 0x50000u
#define RT_PD 0x51000u
#define RT_PT 0x52000u

/* How a stream ended: 0..255 a vector, then these. */
enum { END_BUDGET = 256, END_HLT, END_SHUTDOWN, END_OTHER, END_COUNT };

/* One machine: RAM (with the MMIO range and the ROM), ports and a CPU. */
typedef struct RtMach {
	MemBus mem;
	IoBus *io;
	Cpu *cpu;
	u8 *rom_buf; /* canary, ROM, canary */
} RtMach;

typedef struct Rt {
	RtMach m[2]; /* the interpreter's machine and the translator's */
	u8 pristine[RT_SYS_END];
	u64 rng;
	u64 mmio_bad, mmio_accesses, io_accesses;
	u64 ends[MODE_COUNT][END_COUNT];
	u64 streams[MODE_COUNT];
	u64 instructions;
	/* Violations. */
	u64 v_budget, v_icount, v_reason, v_halted, v_eip, v_rom, v_lockstep;
	int reports;
	u64 stream; /* the one running, for the watchdog */
} Rt;

static Rt *rt_watch; /* only for the SIGALRM handler: which stream hung */

static u64 rng_next(u64 *s)
{
	/* splitmix64: every seed is fine, and streams are independent of each other. */
	u64 z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static u32 mmio_read(void *ctx, u32 addr, int size)
{
	Rt *rt = ctx;
	rt->mmio_accesses++;
	if (addr < RT_MMIO || addr + size > RT_MMIO + RT_MMIO_LEN || (size != 1 && size != 2 && size != 4))
		rt->mmio_bad++;
	return 0x5A5A5A5Au & (size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1);
}

static void mmio_write(void *ctx, u32 addr, u32 val, int size)
{
	mmio_read(ctx, addr, size);
}

static const MmioOps rt_mmio_ops = { mmio_read, mmio_write, "random_test MMIO" };

/* Every port answers (all ones) so that the bus has nothing to log. */
static u32 port_read(void *ctx, u16 port, int size)
{
	((Rt *)ctx)->io_accesses++;
	return 0xFFFFFFFFu;
}

static void port_write(void *ctx, u16 port, u32 val, int size)
{
	((Rt *)ctx)->io_accesses++;
}

static const IoOps rt_port_ops = { port_read, port_write, 1 | 2 | 4, "random_test ports" };

/* The system area: IVT, GDT, IDT, TSS, LDT, handlers (all HLT). */
static void rt_build_sys(u8 *m)
{
	memset(m, 0, RT_SYS_END);
	for (int v = 0; v < 256; v++) { /* real mode: vector v -> 0300:(4v) = 0x3000 + 4v */
		put_le16(m + 4 * v, (u16)(4 * v));
		put_le16(m + 4 * v + 2, RT_HANDLERS >> 4);
	}
	u8 *g = m + RT_GDT;
	put_desc(g + 0x08, 0, 0xFFFFF, 0x9B, 0xC);           /* flat code, DPL 0 */
	put_desc(g + 0x10, 0, 0xFFFFF, 0x93, 0xC);           /* flat data, DPL 0 */
	put_desc(g + 0x18, 0, 0xFFFF, 0x9B, 0x0);            /* 16-bit code, base 0 */
	put_desc(g + 0x20, 0, 0xFFFF, 0x93, 0x0);            /* 16-bit data, base 0 */
	put_desc(g + 0x28, RT_TSS, 0x67, 0x8B, 0x0);         /* TSS (busy: TR holds it) */
	put_desc(g + 0x30, 0, 0xFFFFF, 0xFB, 0xC);           /* flat code, DPL 3 */
	put_desc(g + 0x38, 0, 0xFFFFF, 0xF3, 0xC);           /* flat data, DPL 3 */
	put_desc(g + 0x40, RT_CODE, 0xFFFF, 0x9B, 0x0);      /* 16-bit code at the stream */
	put_desc(g + 0x48, 0x20000, 0xFFFF, 0x93, 0x0);      /* 16-bit stack */
	put_gate(g + 0x50, 0x08, RT_HANDLERS + 4 * 0x50, 0xEC, 2); /* call gate, DPL 3 */
	put_desc(g + 0x58, 0, 0xFFFFF, 0x9F, 0xC);           /* conforming code */
	put_desc(g + 0x60, 0, 0xFFFFF, 0x99, 0xC);           /* execute-only code */
	put_desc(g + 0x68, 0x40000, 0xFFF, 0x91, 0x4);       /* read-only data */
	put_desc(g + 0x70, 0x40000, 0xFFF, 0x97, 0x4);       /* expand-down data */
	put_desc(g + 0x78, 0, 0xFFFFF, 0x13, 0xC);           /* not-present data */
	put_desc(g + 0x80, RT_LDT, 0x17, 0x82, 0x0);         /* LDT */
	put_gate(g + 0x88, 0x08, RT_HANDLERS, 0x8E, 0);      /* an interrupt gate (invalid here) */
	put_desc(m + RT_LDT + 8, 0, 0xFFFFF, 0xF3, 0xC);     /* LDT 0x0F: flat data, DPL 3 */
	put_desc(m + RT_LDT + 16, 0, 0xFFFFF, 0xFB, 0xC);    /* LDT 0x17: flat code, DPL 3 */
	for (int v = 0; v < 256; v++) {
		/* DPL 3 for INT3, INTO and the software vectors, DPL 0 for the rest. */
		u8 dpl = (v == 3 || v == 4 || v >= 0x20) ? 0x60 : 0;
		put_gate(m + RT_IDT + 8 * v, 0x08, RT_HANDLERS + 4 * v, (u8)(0x8E | dpl), 0);
	}
	put_le32(m + RT_TSS + 4, 0x9000);  /* ESP0 */
	put_le32(m + RT_TSS + 8, 0x10);    /* SS0 */
	put_le16(m + RT_TSS + 0x66, 0x68); /* I/O map base at the limit: all ports denied */
	memset(m + RT_HANDLERS, 0xF4, 0x400);
}

static CpuSeg seg(u16 sel, u32 base, u32 limit, u16 attr)
{
	CpuSeg s = { sel, attr, base, limit };
	return s;
}

/* PAE tables: the low 2 MiB identity-mapped (user, writable) through every PDPTE, the
 * rest of each GiB in 2 MiB pages aliasing it (so that a wild stack pointer still finds
 * memory), one 2 MiB page above 4 GiB, then up to 4 random changes to entries
 * that matter (the pages of the code, the stacks, the system area, the tables
 * themselves, the PDEs and PDPTEs): a flag flipped (P, R/W, U/S, A, D, PS, XD), a
 * reserved bit set (PDPTE bits 1-2, bits 13-20 of a 2 MiB PDE, bit 40 or 52), or
 * another frame. */
static void rt_pae_tables(u8 *m, u64 *rng)
{
	for (u32 i = 0; i < 512; i++)
		put_le64(m + RT_PT + 8 * i, (u64)i << 12 | 7);
	for (u32 i = 1; i < 512; i++)
		put_le64(m + RT_PD + 8 * i, 0x87);     /* 2 MiB pages: RAM at 0 again */
	put_le64(m + RT_PD, RT_PT | 7);
	put_le64(m + RT_PD + 16, 0x100200087ull);      /* 4M..6M -> 4 GiB + 2 MiB */
	memset(m + RT_PDPT, 0, 32);
	for (u32 i = 0; i < 4; i++)
		put_le64(m + RT_PDPT + 8 * i, RT_PD | 1);
	static const u64 bits[] = { 1, 2, 4, 0x20, 0x40, 0x80, 1ull << 63, 1ull << 63, 1ull << 52,
				    1ull << 40, 0x2000, 0x100000, 6 };
	static const u32 pages[] = { 0x10, 0x11, 0x7, 0x8, 0x9, 0xA, 0x20, 0x40, 0x50, 0x51,
				     0x52, 0xA0, 0xF0 };
	int k = (int)(rng_next(rng) % 5);
	for (int j = 0; j < k; j++) {
		u64 r = rng_next(rng);
		u32 where = (u32)(r % 16), at;
		if (where < 10) /* code, stacks, data, the tables, MMIO, ROM */
			at = RT_PT + 8 * pages[(r >> 8) % ARRAY_SIZE(pages)];
		else if (where < 11) /* IVT/GDT, IDT, TSS, handlers */
			at = RT_PT + 8 * (u32)((r >> 8) % 4);
		else if (where < 13)
			at = RT_PD + 8 * (u32)((r >> 8) % 4);
		else if (where < 14)
			at = RT_PDPT + 8 * (u32)((r >> 8) % 4);
		else
			at = RT_PT + 8 * (u32)((r >> 8) % 512);
		u64 e = get_le64(m + at);
		if ((r >> 20) % 6 == 0)
			e = (e & 0xFFF) | ((r >> 32) & 0x1FF000); /* another frame below 2 MiB */
		else
			e ^= bits[(r >> 24) % ARRAY_SIZE(bits)];
		put_le64(m + at, e);
	}
}

/* The state a stream starts from, in one of the modes. */
static void rt_state(Rt *rt, u64 *rng, int mode, CpuState *st)
{
	memset(st, 0, sizeof(*st));
	for (int i = 0; i < 8; i++)
		st->gpr[i] = (u32)rng_next(rng);
	u64 r = rng_next(rng);
	st->eflags = 0x2 | (u32)(r & 0x8D5);       /* CF PF AF ZF SF OF, DF */
	if ((r >> 12 & 31) == 0)
		st->eflags |= FLAG_TF;
	bool sane_sp = (r >> 20 & 7) != 0;
	st->cr0 = 0x60000010;
	/* SSE enabled (CR4.OSFXSR, and #XM by OSXMMEXCPT) in most streams; now and then
	 * CR0.EM or TS (#UD, #NM) and CR0.NE */
	u64 c4 = rng_next(rng);
	st->cr4 = (c4 & 7) ? CR4_OSFXSR | ((c4 & 8) ? CR4_OSXMMEXCPT : 0) : 0;
	if ((c4 >> 4 & 15) == 0)
		st->cr0 |= (c4 & 0x100) ? CR0_EM : CR0_TS;
	if (c4 & 0x200)
		st->cr0 |= CR0_NE;
	st->gdtr_base = RT_GDT;
	st->gdtr_limit = 0xFF;
	st->idtr_base = mode == MODE_REAL ? 0 : RT_IDT;
	st->idtr_limit = mode == MODE_REAL ? 0x3FF : 0x7FF;
	st->ldtr = seg(0x80, RT_LDT, 0x17, 0x82);
	st->tr = seg(0x28, RT_TSS, 0x67, 0x8B);
	st->dr[6] = 0xFFFF0FF0;
	st->dr[7] = 0x400;
	if ((r >> 28 & 7) == 0) {
		/* one stream in 8 with random debug registers: data breakpoints on the
		 * stacks, the code, the IDT, MMIO or anywhere, execution breakpoints, GD */
		static const u32 near[] = { 0x7FF0, 0x8FF0, 0x9FF0, RT_CODE, RT_IDT, 0xA0000, 0x20000 };
		for (int i = 0; i < 4; i++) {
			u64 b = rng_next(rng);
			st->dr[i] = (b & 1) ? (u32)(b >> 32) : near[(b >> 1) % 7] + (u32)(b >> 8 & 15);
		}
		st->dr[7] |= (u32)rng_next(rng) & 0xFFFF23FFu;
	}
	switch (mode) {
	case MODE_REAL:
		for (int s = 0; s < SEG_COUNT; s++) {
			u16 sel = (u16)(rng_next(rng) >> 16);
			st->seg[s] = seg(sel, (u32)sel << 4, 0xFFFF, 0x93);
		}
		st->seg[SEG_CS] = seg(RT_CODE >> 4, RT_CODE, 0xFFFF, 0x9B);
		st->seg[SEG_SS] = seg(0, 0, 0xFFFF, 0x93);
		st->eip = 0;
		if (sane_sp)
			st->gpr[R_ESP] = 0x8000;
		else
			st->gpr[R_ESP] &= 0xFFFF;
		break;
	case MODE_PM32:
	case MODE_PM32_R3:
	case MODE_PAE:
	case MODE_PAE_R3: {
		bool r3 = mode == MODE_PM32_R3 || mode == MODE_PAE_R3;
		u16 d = r3 ? 0x3B : 0x10;
		u16 da = r3 ? 0xC0F3 : 0xC093; /* G, D/B; P DPL S type */
		st->cr0 |= CR0_PE;
		for (int s = 0; s < SEG_COUNT; s++)
			st->seg[s] = seg(d, 0, 0xFFFFFFFF, da);
		st->seg[SEG_CS] = r3 ? seg(0x33, 0, 0xFFFFFFFF, 0xC0FB) : seg(0x08, 0, 0xFFFFFFFF, 0xC09B);
		if (r3)
			st->eflags |= (u32)(r >> 24 & 3) << 12; /* IOPL 0..3 */
		st->eip = RT_CODE;
		if (sane_sp)
			st->gpr[R_ESP] = r3 ? 0xA000 : 0x9000;
		if (mode == MODE_PAE || mode == MODE_PAE_R3) {
			/* PAE paging with CR0.WP, CR4.PSE/PGE and EFER.NXE at random */
			u64 p = rng_next(rng);
			st->cr0 |= CR0_PG | (p & 1 ? CR0_WP : 0);
			st->cr3 = RT_PDPT | (u32)(p >> 8 & 0x18);
			st->cr4 |= CR4_PAE | (p & 2 ? CR4_PSE : 0) | (p & 4 ? CR4_PGE : 0);
			st->efer = p & 8 ? 0x800 : 0;
		}
		break;
	}
	default: /* MODE_PM16 */
		st->cr0 |= CR0_PE;
		for (int s = 0; s < SEG_COUNT; s++)
			st->seg[s] = seg(0x20, 0, 0xFFFF, 0x93);
		st->seg[SEG_CS] = seg(0x40, RT_CODE, 0xFFFF, 0x9B);
		st->seg[SEG_SS] = seg(0x48, 0x20000, 0xFFFF, 0x93);
		st->eip = 0;
		if (sane_sp)
			st->gpr[R_ESP] = 0x8000;
		else
			st->gpr[R_ESP] &= 0xFFFF;
		break;
	}
}

static void rt_report(Rt *rt, u64 n, const char *what, const CpuState *st)
{
	if (rt->reports++ >= RT_MAX_REPORTS)
		return;
	printf("FAIL stream %llu: %s (cs=%04x base=%08x limit=%08x eip=%08x); "
	       "replay: random_test --stream %llu --trace\n",
	       (unsigned long long)n, what, st->seg[SEG_CS].sel, st->seg[SEG_CS].base,
	       st->seg[SEG_CS].limit, st->eip, (unsigned long long)n);
	fflush(stdout);
}

/* Whether the two machines' CPUs agree (after a cpu_run of both); reports once. */
static bool rt_same(Rt *rt, u64 n, const CpuExit *e0, const CpuExit *e1)
{
	CpuState a, b;
	CpuFpuState fa, fb;
	CpuSseState sa, sb;
	cpu_get_state(rt->m[0].cpu, &a);
	cpu_get_state(rt->m[1].cpu, &b);
	cpu_get_fpu_state(rt->m[0].cpu, &fa);
	cpu_get_fpu_state(rt->m[1].cpu, &fb);
	cpu_get_sse_state(rt->m[0].cpu, &sa);
	cpu_get_sse_state(rt->m[1].cpu, &sb);
	bool same = e0->reason == e1->reason && e0->executed == e1->executed &&
		    !memcmp(&a, &b, sizeof(a)) && !memcmp(&fa, &fb, sizeof(fa)) &&
		    !memcmp(&sa, &sb, sizeof(sa));
	if (same)
		return true;
	rt->v_lockstep++;
	if (rt->reports++ < RT_MAX_REPORTS) {
		printf("FAIL stream %llu: the engines differ (replay: random_test --stream %llu)\n",
		       (unsigned long long)n, (unsigned long long)n);
		printf("    exit %d/%d executed %llu/%llu (interp/jit)\n", e0->reason, e1->reason,
		       (unsigned long long)e0->executed, (unsigned long long)e1->executed);
		for (int i = 0; i < 8; i++)
			if (a.gpr[i] != b.gpr[i])
				printf("    gpr[%d] %08x/%08x\n", i, a.gpr[i], b.gpr[i]);
		if (a.eip != b.eip || a.eflags != b.eflags)
			printf("    eip %08x/%08x eflags %08x/%08x\n", a.eip, b.eip, a.eflags, b.eflags);
		for (int i = 0; i < SEG_COUNT; i++)
			if (memcmp(&a.seg[i], &b.seg[i], sizeof(a.seg[i])))
				printf("    seg %d sel %04x/%04x base %08x/%08x\n", i, a.seg[i].sel, b.seg[i].sel,
				       a.seg[i].base, b.seg[i].base);
		if (a.cr2 != b.cr2 || memcmp(a.dr, b.dr, sizeof(a.dr)) || a.halted != b.halted)
			printf("    cr2 %08x/%08x dr6 %08x/%08x halted %d/%d\n", a.cr2, b.cr2, a.dr[6],
			       b.dr[6], a.halted, b.halted);
		if (memcmp(&fa, &fb, sizeof(fa)))
			printf("    x87 state differs\n");
		if (memcmp(&sa, &sb, sizeof(sa)))
			printf("    SSE state differs\n");
		fflush(stdout);
	}
	return false;
}

/* Runs stream n (its bytes and state come from the seed and n alone) on both
 * machines. */
static void rt_stream(Rt *rt, u64 seed, u64 n, FILE *trace)
{
	u64 rng = seed ^ (n * 0xD1B54A32D192ED03ull);
	rng_next(&rng);
	int mode = (int)(rng_next(&rng) % 12);
	mode = mode < 5 ? MODE_REAL : mode < 8 ? MODE_PM32 : mode < 9 ? MODE_PM32_R3 :
	       mode < 10 ? MODE_PM16 : mode < 11 ? MODE_PAE : MODE_PAE_R3;
	rt->streams[mode]++;
	rt->stream = n;

	u8 code[RT_CODE_LEN];
	for (int i = 0; i < RT_CODE_LEN; i += 8)
		put_le64(code + i, rng_next(&rng));
	u64 kind = rng_next(&rng) % 8;
	if (kind == 0) { /* a run of prefixes first */
		static const u8 pfx[] = { 0x66, 0x67, 0xF2, 0xF3, 0xF0, 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x0F };
		int k = (int)(rng_next(&rng) % 16);
		for (int i = 0; i < k; i++)
			code[i] = pfx[rng_next(&rng) % sizeof(pfx)];
	} else if (kind <= 2) {
		/* MMX/SSE/SSE2/SSE3: chunks of [66|F2|F3] 0F op (from the prefix-selected
		 * part of the map, the hint NOPs and group 15) and random bytes after */
		static const u8 ops[] = { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x1F,
					  0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x2D, 0x2E, 0x2F, 0x50, 0x51,
					  0x58, 0x5A, 0x5B, 0x5E, 0x6F, 0x70, 0x71, 0x72, 0x73, 0x77,
					  0x7C, 0x7E, 0x7F, 0xAE, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xD0,
					  0xD6, 0xD7, 0xE6, 0xE7, 0xF0, 0xF7, 0xFC, 0xF5, 0xE5, 0x63 };
		static const u8 pfx[] = { 0x66, 0xF2, 0xF3, 0x66, 0xF0, 0x67 };
		for (int i = 0; i + 8 < RT_CODE_LEN;) {
			u64 b = rng_next(&rng);
			if (b & 1)
				code[i++] = pfx[(b >> 1) % sizeof(pfx)];
			code[i++] = 0x0F;
			code[i++] = ops[(b >> 8) % sizeof(ops)];
			i += 1 + (int)((b >> 16) % 6); /* ModRM, SIB, displacement, imm8: random */
		}
	}
	u64 tables_rng = rng;
	if (mode == MODE_PAE || mode == MODE_PAE_R3)
		rng_next(&rng);
	CpuState st;
	rt_state(rt, &rng, mode, &st);
	/* the SSE state: random XMM registers and MXCSR (masks, DAZ, FTZ, rounding) */
	CpuSseState ss;
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 16; j += 8)
			put_le64(ss.xmm[i] + j, rng_next(&rng));
	ss.mxcsr = (u32)rng_next(&rng) & 0xFFFF;
	if (ss.mxcsr & 1)
		ss.mxcsr |= 0x1F80; /* half the streams with every exception masked */
	for (int i = 0; i < 2; i++) {
		RtMach *m = &rt->m[i];
		/* The system area back to its pristine state where a stream changed it. */
		if (memcmp(m->mem.ram, rt->pristine, RT_SYS_END))
			mem_write_buf(&m->mem, 0, rt->pristine, RT_SYS_END);
		mem_write_buf(&m->mem, RT_CODE, code, RT_CODE_LEN);
		if (mode == MODE_PAE || mode == MODE_PAE_R3) {
			u64 r = tables_rng; /* the same tables in both machines */
			rt_pae_tables(m->mem.ram, &r);
		}
		cpu_set_state(m->cpu, &st);
		cpu_set_sse_state(m->cpu, &ss);
	}
	Cpu *cpu = rt->m[0].cpu;
	cpu_set_trace(cpu, trace);

	int calls = 1 + (int)(rng_next(&rng) % 3);
	u64 left = RT_BUDGET;
	int end = END_BUDGET;
	for (int c = 0; c < calls && left; c++) {
		u64 budget = c == calls - 1 ? left : 1 + rng_next(&rng) % left;
		u64 before = *cpu_icount(cpu);
		CpuExit ex, ex1;
		memset(&ex, 0, sizeof(ex));
		CpuExitReason r = cpu_run(cpu, budget, &ex);
		u64 after = *cpu_icount(cpu);
		cpu_get_state(cpu, &st);
		cpu_run(rt->m[1].cpu, budget, &ex1);
		bool same = rt_same(rt, n, &ex, &ex1);
		rt->instructions += ex.executed;
		left -= MIN(ex.executed, left);
		if (ex.executed + ex.charged > budget) {
			rt->v_budget++;
			rt_report(rt, n, "cpu_run used more than its budget", &st);
		}
		if (after - before != ex.executed + ex.charged) {
			rt->v_icount++;
			rt_report(rt, n, "icount moved by other than exit.executed + exit.charged", &st);
		}
		if (r != ex.reason) {
			rt->v_reason++;
			rt_report(rt, n, "exit.reason differs from the returned reason", &st);
		}
		if (!same)
			break;
		if (r == CPU_EXIT_BUDGET) {
			if ((u64)st.eip > (u64)st.seg[SEG_CS].limit + 1) {
				rt->v_eip++;
				rt_report(rt, n, "EIP past CS.limit+1 after a budget exit", &st);
			}
			/* The CPU charges a delivered fault or interrupt an instruction time
			 * (src/cpu/cpu.c), so that a guest faulting in a loop still returns:
			 * instructions + charged deliveries make up the budget. */
			if (ex.executed + ex.charged != budget) {
				rt->v_budget++;
				rt_report(rt, n, "a budget exit before the budget was spent", &st);
			}
			continue;
		}
		if (r == CPU_EXIT_HLT) {
			if (!st.halted) {
				rt->v_halted++;
				rt_report(rt, n, "HLT exit but the state is not halted", &st);
			}
			u32 lin = st.seg[SEG_CS].base + st.eip - 1;
			if (lin >= RT_HANDLERS && lin < RT_HANDLERS + 0x400 && !(lin & 3))
				end = (int)((lin - RT_HANDLERS) / 4);
			else
				end = END_HLT;
		} else if (r == CPU_EXIT_SHUTDOWN) {
			end = END_SHUTDOWN;
			cpu_reset(cpu);
			cpu_reset(rt->m[1].cpu);
		} else {
			end = END_OTHER;
			rt->v_reason++;
			rt_report(rt, n, "an exit other than BUDGET, HLT or SHUTDOWN", &st);
		}
		break;
	}
	rt->ends[mode][end]++;
}

/* All of RAM the same on both machines. */
static bool rt_ram_same(Rt *rt, u64 n)
{
	if (!memcmp(rt->m[0].mem.ram, rt->m[1].mem.ram, RT_RAM))
		return true;
	u32 i = 0;
	while (rt->m[0].mem.ram[i] == rt->m[1].mem.ram[i])
		i++;
	rt->v_lockstep++;
	printf("FAIL RAM differs at %08x (interp %02x, jit %02x) after stream %llu or the 1023 before\n",
	       i, rt->m[0].mem.ram[i], rt->m[1].mem.ram[i], (unsigned long long)n);
	/* the same again, so that one difference is reported once */
	memcpy(rt->m[1].mem.ram, rt->m[0].mem.ram, RT_RAM);
	return false;
}

static bool rt_rom_intact(Rt *rt)
{
	for (u32 i = 0; i < RT_CANARY; i++)
		for (int k = 0; k < 2; k++)
			if (rt->m[k].rom_buf[i] != 0xC5 || rt->m[k].rom_buf[RT_CANARY + RT_ROM_LEN + i] != 0xC5)
				return false;
	for (u32 i = 0; i < RT_ROM_LEN; i++)
		for (int k = 0; k < 2; k++)
			if (rt->m[k].rom_buf[RT_CANARY + i] != (u8)(i * 7 + (i >> 8)))
				return false;
	return true;
}

static void rt_alarm(int sig)
{
	char buf[160];
	int len = snprintf(buf, sizeof(buf),
			   "FAIL stream %llu ran more than %d s (a hang); replay: random_test --stream %llu --trace\n"
			   "0 passed, 1 failed\n",
			   (unsigned long long)rt_watch->stream, RT_WATCHDOG,
			   (unsigned long long)rt_watch->stream);
	if (write(1, buf, (size_t)len) < 0)
		_exit(3);
	_exit(1);
}

int main(int argc, char **argv)
{
	u64 count = RT_DEFAULT_COUNT, seed = 0x5EED0F1A55ull, one = ~0ull;
	bool trace = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--count") && i + 1 < argc) {
			count = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			seed = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--stream") && i + 1 < argc) {
			one = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--trace")) {
			trace = true;
		} else {
			fprintf(stderr, "usage: random_test [--count N] [--seed S] [--stream N [--trace]]\n");
			return 2;
		}
	}

	static Rt rt_obj;
	Rt *rt = &rt_obj;
	rt_watch = rt;
	rt_build_sys(rt->pristine);
	for (int k = 0; k < 2; k++) {
		RtMach *m = &rt->m[k];
		if (mem_init(&m->mem, RT_RAM) < 0 || !(m->io = malloc(sizeof(*m->io))) ||
		    !(m->rom_buf = malloc(RT_ROM_LEN + 2 * RT_CANARY))) {
			printf("FAIL cannot set up the machine (out of memory)\n0 passed, 1 failed\n");
			return 1;
		}
		memset(m->rom_buf, 0xC5, RT_ROM_LEN + 2 * RT_CANARY);
		for (u32 i = 0; i < RT_ROM_LEN; i++)
			m->rom_buf[RT_CANARY + i] = (u8)(i * 7 + (i >> 8));
		mem_map_rom(&m->mem, 0xF0000, RT_ROM_LEN, m->rom_buf + RT_CANARY);
		mem_map_rom(&m->mem, 0xFFFF0000u, RT_ROM_LEN, m->rom_buf + RT_CANARY);
		CHECK(mem_map_mmio(&m->mem, RT_MMIO, RT_MMIO_LEN, &rt_mmio_ops, rt) == 0, "mem_map_mmio");
		io_init(m->io);
		CHECK(io_map(m->io, 0, IO_PORTS, &rt_port_ops, rt) == 0, "io_map");
		mem_write_buf(&m->mem, 0, rt->pristine, RT_SYS_END);
		/* the first machine interprets; the second translates every block */
		setenv("VMCP_JIT_HEAT", "0", 1);
		CpuConfig cfg = { .model = CPU_MODEL_P4, .fpu = true,
				  .engine = k ? CPU_ENGINE_JIT : CPU_ENGINE_INTERP };
		m->cpu = cpu_new(&cfg, &m->mem, m->io);
		if (!m->cpu) {
			printf("FAIL cpu_new\n0 passed, 1 failed\n");
			return 1;
		}
		cpu_reset(m->cpu);
	}
	printf("engines: %s and %s\n", cpu_engine_name(cpu_engine(rt->m[0].cpu)),
	       cpu_engine_name(cpu_engine(rt->m[1].cpu)));
	signal(SIGALRM, rt_alarm);

	if (one != ~0ull) {
		/* Replay one stream. Streams leave junk in RAM that later ones may read (a
		 * LIDT from random memory, say): the ones before it run first, untraced. */
		for (u64 n = 0; n < one; n++)
			rt_stream(rt, seed, n, NULL);
		memset(rt->ends, 0, sizeof(rt->ends));
		rt->reports = 0;
		setvbuf(stdout, NULL, _IOLBF, 0); /* the trace survives a watchdog exit */
		alarm(RT_WATCHDOG);
		rt_stream(rt, seed, one, trace ? stdout : NULL);
		alarm(0);
		for (int m = 0; m < MODE_COUNT; m++)
			for (int e = 0; e < END_COUNT; e++)
				if (rt->ends[m][e])
					printf("stream %llu: %s, ended by %s%d\n", (unsigned long long)one,
					       mode_name[m], e < 256 ? "vector " : "", e < 256 ? e : e - 256);
		return rt->reports ? 1 : 0;
	}

	printf("random_test: %llu streams of %d random bytes, budget %d instructions, seed %#llx\n",
	       (unsigned long long)count, RT_CODE_LEN, RT_BUDGET, (unsigned long long)seed);
	fflush(stdout);
	for (u64 n = 0; n < count; n++) {
		alarm(RT_WATCHDOG);
		rt_stream(rt, seed, n, NULL);
		if ((n & 1023) == 1023)
			rt_ram_same(rt, n);
		if ((n & 4095) == 0 && !rt_rom_intact(rt)) {
			rt->v_rom++;
			printf("FAIL the ROM or its canaries changed by stream %llu or the 4095 before\n",
			       (unsigned long long)n);
		}
	}
	alarm(0);
	rt_ram_same(rt, count);

	/* The figures. */
	u64 total[END_COUNT] = { 0 };
	for (int m = 0; m < MODE_COUNT; m++)
		for (int e = 0; e < END_COUNT; e++)
			total[e] += rt->ends[m][e];
	printf("instructions executed: %llu; MMIO accesses %llu, port accesses %llu\n",
	       (unsigned long long)rt->instructions, (unsigned long long)rt->mmio_accesses,
	       (unsigned long long)rt->io_accesses);
	printf("%-12s %9s %9s %9s %9s %9s %9s %9s %9s %9s\n", "mode", "streams", "budget", "hlt",
	       "shutdown", "#UD", "#GP", "#SS/#NP", "#DE/#DB", "other exc");
	for (int m = 0; m <= MODE_COUNT; m++) {
		const u64 *e = m < MODE_COUNT ? rt->ends[m] : total;
		u64 streams = 0, other = 0;
		for (int v = 0; v < END_COUNT; v++)
			streams += e[v];
		for (int v = 0; v < 256; v++)
			if (v != 6 && v != 13 && v != 12 && v != 11 && v != 0 && v != 1)
				other += e[v];
		printf("%-12s %9llu %9llu %9llu %9llu %9llu %9llu %9llu %9llu %9llu\n",
		       m < MODE_COUNT ? mode_name[m] : "all", (unsigned long long)streams,
		       (unsigned long long)e[END_BUDGET], (unsigned long long)e[END_HLT],
		       (unsigned long long)e[END_SHUTDOWN], (unsigned long long)e[6],
		       (unsigned long long)e[13], (unsigned long long)(e[12] + e[11]),
		       (unsigned long long)(e[0] + e[1]), (unsigned long long)other);
	}
	printf("vectors delivered (all modes):");
	for (int v = 0; v < 256; v++)
		if (total[v])
			printf(" %02x:%llu", v, (unsigned long long)total[v]);
	printf("\n");

	CHECK(rt->v_budget == 0, "%llu cpu_run calls overran or fell short of their budget",
	      (unsigned long long)rt->v_budget);
	CHECK(rt->v_icount == 0, "%llu calls moved icount by other than exit.executed + charged",
	      (unsigned long long)rt->v_icount);
	CHECK(rt->v_reason == 0, "%llu calls ended for a reason other than BUDGET/HLT/SHUTDOWN",
	      (unsigned long long)rt->v_reason);
	CHECK(rt->v_halted == 0, "%llu HLT exits without the halted state", (unsigned long long)rt->v_halted);
	CHECK(rt->v_eip == 0, "%llu budget exits with EIP past CS.limit+1", (unsigned long long)rt->v_eip);
	CHECK(rt->mmio_bad == 0, "%llu MMIO accesses outside the range or of a bad size",
	      (unsigned long long)rt->mmio_bad);
	CHECK(rt->v_rom == 0 && rt_rom_intact(rt), "the ROM or its canaries were written");
	CHECK(rt->v_lockstep == 0, "%llu differences between the engines (lockstep)",
	      (unsigned long long)rt->v_lockstep);
	CHECK(cpu_engine(rt->m[1].cpu) == CPU_ENGINE_JIT || !cpu_engine_available(CPU_ENGINE_JIT),
	      "the second machine runs the translator");
	u64 exceptions = 0;
	for (int v = 0; v < 256; v++)
		exceptions += total[v];
	CHECK(exceptions > count / 10, "only %llu streams ended in an exception: the handlers "
	      "or the IDT/IVT are not reached", (unsigned long long)exceptions);
	CHECK(total[END_BUDGET] > count / 100, "only %llu streams ran to their budget",
	      (unsigned long long)total[END_BUDGET]);
	for (int k = 0; k < 2; k++) {
		cpu_free(rt->m[k].cpu);
		mem_free(&rt->m[k].mem);
		free(rt->m[k].io);
		free(rt->m[k].rom_buf);
	}
	return test_summary();
}
