/* jit.c: the translator's engine: decoded blocks (icache.c) become x86-64 host code
 * that runs them with exactly the interpreter's results, instruction counts included.
 * Here: the code cache, the entry and exit code shared by all translations (and the
 * jump-cache lookup), the map from handlers to their inline translators, the
 * dispatcher that enters translated code or interprets a block, and the chaining of
 * exits; jit_tx.c translates a block, jit_ops.c and jit_ctl.c the instructions.
 *
 * A translation is the block's instructions one after another, each an inline fast path
 * or a call of the interpreter's handler; state lives in struct Cpu as the interpreter
 * keeps it (but for the general registers, held in host registers while translated
 * code runs), so the two mix freely, and faults come only from handlers with the
 * interpreter's state. A direct branch leaves through a chain slot whose JMP the
 * dispatcher points at the target's code once known: within the same physical page
 * directly (a page's code changing drops all its blocks, so every chain into them, and
 * a new linear mapping cannot make such a chain wrong: the target's offset within the
 * page is fixed), into another page behind a guard that holds while the jump cache
 * would give the same block; other exits look the target up in the jump cache
 * (jc_gen-checked, as block_at does). The code cache is one memfd mapped twice, written
 * through a read-write view and run through a read-execute view (never writable and
 * executable at once); when full, every block is dropped with the decoded-code cache.
 * Blocks run through the interpreter until hot (JIT_HEAT executions), and always when
 * single-stepping, tracing or at a breakpoint (cpu.c's slow path), and a block that
 * would cross the run's budget. src/cpu/README.md has the whole picture. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/err.h"
#include "base/hostmem.h"
#include "cpu/jit.h"
#include "cpu/ops.h"

#if !JIT_AVAILABLE
/* Elsewhere than on x86-64 Linux there is no translator: cpu_new keeps the interpreter. */
int jit_init(Cpu *c)
{
	(void)c;
	return VMCP_EIO;
}
void jit_free(Cpu *c) { (void)c; }
void jit_flush(Cpu *c) { (void)c; }
void jit_run_blocks(Cpu *c, u64 end)
{
	(void)c;
	(void)end;
}
#else
#include <cpuid.h>

/* ---- the fn -> translator map ---- */
static u32 map_hash(OpFn fn) { return (u32)(((uintptr_t)fn * 0x9E3779B97F4A7C15ull) >> 54) & (JIT_MAP_SIZE - 1); }

static void map_add(Jit *j, const JitMapEnt *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		u32 h = map_hash(t[i].fn);
		while (j->map[h].fn)
			h = (h + 1) & (JIT_MAP_SIZE - 1);
		j->map[h] = t[i];
	}
}

static void map_build(Jit *j)
{
	map_add(j, jit_op_table, jit_op_count);
	map_add(j, jit_ctl_table, jit_ctl_count);
}

TxFn jit_map_find(const Jit *j, OpFn fn)
{
	for (u32 h = map_hash(fn);; h = (h + 1) & (JIT_MAP_SIZE - 1)) {
		if (j->map[h].fn == fn)
			return j->map[h].tx;
		if (!j->map[h].fn)
			return NULL;
	}
}

/* ---- set-up: the code cache and the entry/exit code ---- */
static void emit_base(Jit *j)
{
	Emit e = {j->rw, j->rw + j->size, false}, *x = &e;
	/* uintptr_t enter(Cpu *c [RDI], void *code [RSI]) */
	j->enter = (uintptr_t (*)(Cpu *, void *))(void *)to_rx(j, x->p);
	x_push(x, HRBP);
	x_push(x, HRBX);
	x_push(x, HR12);
	x_push(x, HR13);
	x_push(x, HR14);
	x_push(x, HR15);
	x_alu_mi(x, 8, XA_SUB, xr(HRSP), 8); /* RSP 16-aligned inside: calls are ABI-clean */
	x_mov_rr(x, 8, HRBP, HRDI);
	tx_regs_in(x);
	x_jmp_r(x, HRSI);
	j->exit_rw = x->p;
	tx_regs_out(x);
	x_alu_mi(x, 8, XA_ADD, xr(HRSP), 8);
	x_pop(x, HR15);
	x_pop(x, HR14);
	x_pop(x, HR13);
	x_pop(x, HR12);
	x_pop(x, HRBX);
	x_pop(x, HRBP);
	x_ret(x);
	/* a handler call: RSI = the Insn, EAX = its EIP, EDX = the next one's, RCX = what
	 * c->icount lacks; the guest registers go out and come back around the call */
	j->call_rw = x->p;
	x_mov_mr(x, 4, CPUF(eip_insn), HRAX);
	x_mov_mr(x, 4, CPUF(eip), HRDX);
	x_alu_mr(x, 8, XA_ADD, CPUF(icount), HRCX);
	tx_regs_out(x);
	x_alu_mi(x, 8, XA_SUB, xr(HRSP), 8); /* the call below on a 16-byte boundary */
	x_mov_rr(x, 8, HRDI, HRBP);
	_Static_assert(offsetof(Insn, fn) == 0, "Insn.fn first");
	x_modrm(x, 4, 0xFF, 1, 2, xm(HRSI, 0)); /* CALL [RSI]: the handler */
	x_alu_mi(x, 8, XA_ADD, xr(HRSP), 8);
	tx_regs_in(x);
	x_alu_mi(x, 8, XA_ADD, CPUF(icount), 1);
	x_ret(x);
	/* the jump-cache lookup (block_at's fast path): c->eip set, icount final */
	j->lookup_rw = x->p;
	x_mov_rm(x, 4, HRAX, CPUF(eip));
	x_alu_rm(x, 4, XA_ADD, HRAX, SEGF(SEG_CS, base));
	x_mov_rr(x, 4, HRCX, HRAX);
	x_shift_i(x, 4, 5, xr(HRCX), JC_BITS);
	x_alu_mr(x, 4, XA_XOR, xr(HRCX), HRAX);
	x_alu_mi(x, 4, XA_AND, xr(HRCX), JC_SIZE - 1);
	x_shift_i(x, 4, 4, xr(HRCX), 4);
	_Static_assert(sizeof(JmpEnt) == 16, "JmpEnt is 16 bytes");
	s32 jc = (s32)offsetof(Cpu, jc);
	x_alu_rm(x, 4, XA_CMP, HRAX, xmi(HRBP, HRCX, 0, jc + (s32)offsetof(JmpEnt, lin)));
	XFix m1 = x_jcc(x, HCC_NE, NULL);
	x_mov_rm(x, 4, HRDX, CPUF(jc_gen));
	x_shift_i(x, 4, 4, xr(HRDX), 2);
	x_mov_rm(x, 4, HRSI, CPUF(tlb_mode));
	x_lea(x, 4, HRDX, xmi(HRDX, HRSI, 1, 0));
	x_movzx(x, 1, HRSI, CPUF(code32));
	x_alu_mr(x, 4, XA_OR, xr(HRDX), HRSI);
	x_alu_rm(x, 4, XA_CMP, HRDX, xmi(HRBP, HRCX, 0, jc + (s32)offsetof(JmpEnt, gm)));
	XFix m2 = x_jcc(x, HCC_NE, NULL);
	x_mov_rm(x, 8, HRDX, xmi(HRBP, HRCX, 0, jc + (s32)offsetof(JmpEnt, b)));
	x_mov_rm(x, 8, HRAX, xm(HRDX, (s32)offsetof(Block, jit)));
	x_test_mr(x, 8, xr(HRAX), HRAX);
	XFix m3 = x_jcc(x, HCC_E, NULL);
	x_jmp_r(x, HRAX);
	x_fix(x, m1, x->p);
	x_fix(x, m2, x->p);
	x_fix(x, m3, x->p);
	x_mov_ri32(x, HRAX, JX_LOOKUP);
	x_jmp(x, j->exit_rw);
	j->base = j->used = (size_t)((e.p - j->rw + 63) & ~63);
}

/* The code cache's mappings (a memory file mapped twice, written through rw and run
 * through rx) that ended translators left for the next: a process that builds machine
 * after machine (the fuzz targets, the tests) makes and maps them once. The code in them
 * is written before it runs. */
#define JIT_SPARES 4
static struct {
	int fd;
	u8 *rw, *rx;
	size_t size;
} spare[JIT_SPARES];
static int nspare;
static pthread_mutex_t spare_lock = PTHREAD_MUTEX_INITIALIZER;

static bool cache_take(Jit *j)
{
	bool got = false;
	pthread_mutex_lock(&spare_lock);
	for (int i = nspare - 1; i >= 0 && !got; i--) {
		if (spare[i].size != j->size)
			continue;
		j->fd = spare[i].fd;
		j->rw = spare[i].rw;
		j->rx = spare[i].rx;
		spare[i] = spare[--nspare];
		got = true;
	}
	pthread_mutex_unlock(&spare_lock);
	return got;
}

static void cache_give(Jit *j)
{
	pthread_mutex_lock(&spare_lock);
	if (nspare < JIT_SPARES) {
		spare[nspare].fd = j->fd;
		spare[nspare].rw = j->rw;
		spare[nspare].rx = j->rx;
		spare[nspare].size = j->size;
		nspare++;
		j->rw = NULL;
	}
	pthread_mutex_unlock(&spare_lock);
	if (j->rw) {
		munmap(j->rw, j->size);
		munmap(j->rx, j->size);
		close(j->fd);
	}
}

int jit_init(Cpu *c)
{
	/* the translations use LAHF in 64-bit mode (CPUID 80000001h ECX bit 0) */
	unsigned a, b, cx, d;
	if (!__get_cpuid(0x80000001u, &a, &b, &cx, &d) || !(cx & 1))
		return VMCP_EIO;
	Jit *j = hostmem_alloc(sizeof(*j), 0);
	if (!j)
		return VMCP_ENOMEM;
	const char *mb = getenv("VMCP_JIT_CACHE_MB");
	j->size = mb && *mb ? (size_t)strtoul(mb, NULL, 10) << 20 : JIT_CACHE_SIZE;
	if (j->size < (4u << 20))
		j->size = 4u << 20;
	if (cache_take(j))
		goto mapped;
	j->fd = memfd_create("vmcp-jit", MFD_CLOEXEC);
	if (j->fd < 0 || ftruncate(j->fd, (off_t)j->size) < 0)
		goto fail;
	j->rw = mmap(NULL, j->size, PROT_READ | PROT_WRITE, MAP_SHARED, j->fd, 0);
	if (j->rw == MAP_FAILED) {
		j->rw = NULL;
		goto fail;
	}
	j->rx = mmap(NULL, j->size, PROT_READ | PROT_EXEC, MAP_SHARED, j->fd, 0);
	if (j->rx == MAP_FAILED) {
		j->rx = NULL;
		goto fail;
	}
mapped:
	map_build(j);
	emit_base(j);
	j->bmi2 = __get_cpuid_count(7, 0, &a, &b, &cx, &d) && (b & (1u << 8));
	const char *h = getenv("VMCP_JIT_HEAT");
	j->heat = h && *h ? (u32)strtoul(h, NULL, 10) : JIT_HEAT;
	h = getenv("VMCP_JIT_STATS");
	j->stats = h && *h == '1';
	h = getenv("VMCP_JIT_PERFMAP");
	if (h && *h == '1') {
		char path[64];
		snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
		j->perfmap = fopen(path, "a");
	}
	h = getenv("VMCP_JIT_DUMP");
	if (h && *h)
		j->dump = fopen(h, "w");
	c->jit = j;
	return 0;
fail:
	if (j->rw)
		munmap(j->rw, j->size);
	if (j->fd >= 0)
		close(j->fd);
	hostmem_free(j, sizeof(*j), 0);
	return VMCP_EIO;
}

static int count_cmp(const void *a, const void *b)
{
	const u64 *x = (const u64 *)((const u8 *)a + sizeof(OpFn));
	const u64 *y = (const u64 *)((const u8 *)b + sizeof(OpFn));
	u64 p = x[0] + x[1], q = y[0] + y[1];
	return p < q ? 1 : p > q ? -1 : 0;
}

static void stats_print(Jit *j)
{
	qsort(j->count, JIT_MAP_SIZE, sizeof(j->count[0]), count_cmp);
	fprintf(stderr, "jit: %llu translations, %llu flushes, code cache %zu KiB used, %llu chained\n",
		(unsigned long long)j->translated, (unsigned long long)j->flushes,
		(j->used - j->base) >> 10, (unsigned long long)j->chained);
	fprintf(stderr, "jit: exits noexec %llu brk %llu lookup %llu guard %llu slot %llu; blocks interpreted %llu\n",
		(unsigned long long)j->exits[JX_NOEXEC], (unsigned long long)j->exits[JX_BRK],
		(unsigned long long)j->exits[JX_LOOKUP], (unsigned long long)j->exits[JX_GUARD],
		(unsigned long long)j->slot_exits,
		(unsigned long long)j->interp_blocks);
	fprintf(stderr, "jit: interpreted: %llu untranslated, %llu budget, %llu events\n",
		(unsigned long long)j->interp_why[0], (unsigned long long)j->interp_why[1],
		(unsigned long long)j->interp_why[2]);
	/* handlers by address, relative to jit_init's (nm resolves them) */
	for (u32 i = 0; i < 40 && j->count[i].fn; i++)
		fprintf(stderr, "jit: %12llu handler calls, %12llu from failed fast paths: jit_init%+lld\n",
			(unsigned long long)j->count[i].inline_calls,
			(unsigned long long)j->count[i].stub_calls,
			(long long)((intptr_t)(void *)j->count[i].fn - (intptr_t)(void *)jit_init));
}

/* The counter of handler calls to fn (stats). */
u64 *jit_stat_counter(Jit *j, OpFn fn, bool stub)
{
	u32 h = map_hash(fn);
	while (j->count[h].fn && j->count[h].fn != fn)
		h = (h + 1) & (JIT_MAP_SIZE - 1);
	j->count[h].fn = fn;
	return stub ? &j->count[h].stub_calls : &j->count[h].inline_calls;
}

void jit_free(Cpu *c)
{
	Jit *j = c->jit;
	if (!j)
		return;
	if (j->stats)
		stats_print(j);
	if (j->perfmap)
		fclose(j->perfmap);
	if (j->dump)
		fclose(j->dump);
	cache_give(j);
	hostmem_free(j, sizeof(*j), 0);
	c->jit = NULL;
}

void jit_flush(Cpu *c)
{
	Jit *j = c->jit;
	if (!j)
		return;
	j->used = j->base;
	j->gen++;
	j->flushes++;
}

/* ---- the dispatcher ---- */
/* Points a rel32 field (execute-view address) at target. */
static void patch_rel(Jit *j, u8 *field_rx, const void *target)
{
	s32 rel = (s32)((const u8 *)target - (field_rx + 4));
	memcpy(j->rw + (field_rx - j->rx), &rel, 4);
}

static void patch_u32(Jit *j, u8 *field_rx, u32 v)
{
	memcpy(j->rw + (field_rx - j->rx), &v, 4);
}

/* Links the exit that record s describes to block b's code. Within one physical page
 * the exit's JMP goes straight there; to another page through the slot's guard, which
 * holds as long as the jump cache would give the same block (jc_gen: no page of code
 * dropped, no new mapping) and the user/supervisor mode is the same. */
static void chain(Cpu *c, Jit *j, const JitSlot *s, const Block *b)
{
	if (s->gen != j->gen)
		return;
	/* the segment check is needed only for what the source did not check */
	JitHeader h;
	memcpy(&h, (const u8 *)b->jit - sizeof(h), sizeof(h));
	const u8 *target = (const u8 *)b->jit + ((h.assume & ~s->assume) ? h.guarded : h.chained);
	if (s->src_page == b->phys >> MEM_PAGE_SHIFT) {
		patch_rel(j, s->jmp, target);
	} else {
		patch_u32(j, s->guard_gen, c->jc_gen);
		patch_u32(j, s->guard_mode, c->tlb_mode);
		patch_rel(j, s->guard_jmp, target);
	}
	j->chained++;
}

void jit_run_blocks(Cpu *c, u64 end)
{
	Jit *j = c->jit;
	const JitSlot *pend = NULL;
	bool guard_failed = false;
	for (;;) {
		c->eip_insn = c->eip;
		Block *b = (Block *)block_at(c);
		void *code = b->jit;
		if (guard_failed && code) {
			/* translated for other segments: interpret it, and after a few such
			 * runs translate it again for the segments of now */
			if (++b->heat > 8) {
				b->jit = NULL;
				b->heat = 0;
			}
			code = NULL;
		} else if (!code && b != c->scratch && ++b->heat >= j->heat) {
			code = jit_translate(c, b);
		}
		guard_failed = false;
		if (pend && code && !c->block_step)
			chain(c, j, pend, b);
		pend = NULL;
		u32 ev = __atomic_load_n(&c->events, __ATOMIC_RELAXED);
		if (code && c->icount + b->n <= end &&
		    (!ev || (ev == EV_INTR && !(c->eflags & FLAG_IF)))) {
			c->brk = 0;
			uintptr_t r = j->enter(c, code);
			if (r >= JX_COUNT)
				pend = (const JitSlot *)r;
			guard_failed = r == JX_GUARD;
			if (j->stats) {
				if (r >= JX_COUNT)
					j->slot_exits++;
				else
					j->exits[r]++;
			}
		} else {
			cpu_interp_block(c, b, end);
			if (j->stats) {
				j->interp_blocks++;
				j->interp_why[!code ? 0 : c->icount + b->n > end ? 1 : 2]++;
			}
		}
		/* An INTR that IF masks is no reason to leave (as at a block's entry: what sets
		 * IF ends the run through brk). Leaving for it would also lose guard_failed, and
		 * a block whose translation no longer fits the segments would then be entered
		 * and refused again and again, the guest making no progress. */
		ev = __atomic_load_n(&c->events, __ATOMIC_RELAXED);
		if (ev == EV_INTR && !(c->eflags & FLAG_IF))
			ev = 0;
		if (unlikely(c->brk | ev) || unlikely(c->icount >= end) ||
		    unlikely(c->block_step && !guard_failed))
			return;
	}
}

#endif
