/* jit.c: the translator: decoded blocks (icache.c) become x86-64 host code that runs
 * them with exactly the interpreter's results, instruction counts included.
 *
 * A translation is the block's instructions one after another, each either an inline
 * fast path (jit_ops.c: MOV, ALU, Jcc, PUSH/POP, CALL/RET...) or a call of the
 * interpreter's handler. State lives in struct Cpu as the interpreter keeps it (guest
 * registers, lazy flags), so the two mix freely: a fast path whose checks fail (TLB
 * miss, segment bound, watched code page, 16-bit stack) jumps to an out-of-line stub
 * that runs the handler for the whole instruction, before any side effect. Faults come
 * only from handlers, with c->eip_insn, c->eip and c->icount synced as the interpreter
 * has them, and unwind through translated code like through handlers.
 *
 * Entry checks (per block, also when chained): pending events, the run's budget (a
 * block that would cross it is left to the interpreter, which stops mid-block), the CS
 * limit over the block. Exits: a direct branch leaves through a chain slot whose JMP
 * the dispatcher points at the target's code once known, when the target lies in the
 * same physical page (so a page's code changing, which drops all its blocks, drops
 * every chain into them, and a new linear mapping cannot make a chain wrong: the
 * target's offset within the page is fixed); other exits look the target up in the
 * jump cache (jc_gen-checked, as block_at does) and jump to its code. The code cache is
 * one memfd mapped twice, written through a read-write view and run through a
 * read-execute view (never writable and executable at once); when full, every block is
 * dropped with the decoded-code cache. Blocks run through the interpreter until hot
 * (JIT_HEAT executions), and always when single-stepping, tracing or at a breakpoint
 * (cpu.c's slow path). Reference for the encodings: Intel SDM vol. 2. */
#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/err.h"
#include "cpu/jit.h"
#include "cpu/ops.h"

#define JIT_CACHE_SIZE (48u << 20)
#define JIT_BLOCK_ROOM (96u << 10) /* the most one translation may need */
#define JIT_HEAT 2 /* executions through the interpreter before a block is translated;
			* VMCP_JIT_HEAT in the environment sets another (tests: 0) */
#define JIT_MAP_SIZE 1024u

typedef struct Jit {
	int fd;
	u8 *rw, *rx;
	size_t size, used, base;
	u32 gen;
	uintptr_t (*enter)(Cpu *c, void *code);
	u8 *exit_rw;   /* epilogue: RAX = what jit_enter returns */
	u8 *lookup_rw; /* the jump-cache lookup of dynamic exits */
	u32 heat;
	bool bmi2; /* the host has RORX */
	/* VMCP_JIT_STATS=1: handler calls counted per handler (inline and stubs) and
	 * printed to stderr when the CPU is freed (to see what deserves a translation) */
	bool stats;
	FILE *perfmap; /* VMCP_JIT_PERFMAP=1: /tmp/perf-PID.map for perf, a line per block */
	FILE *dump;    /* VMCP_JIT_DUMP=FILE: every translation's guest address and bytes */
	struct {
		OpFn fn;
		u64 inline_calls, stub_calls;
	} count[JIT_MAP_SIZE];
	u64 translated, flushes, chained, exits[JX_COUNT], slot_exits, interp_blocks, interp_why[4];
	JitMapEnt map[JIT_MAP_SIZE];
	Tx tx;
} Jit;

static inline u8 *to_rx(const Jit *j, const u8 *rw) { return j->rx + (rw - j->rw); }

/* ---- the fn -> translator map ---- */
static u32 map_hash(OpFn fn) { return (u32)(((uintptr_t)fn * 0x9E3779B97F4A7C15ull) >> 54) & (JIT_MAP_SIZE - 1); }

static void map_build(Jit *j)
{
	for (size_t i = 0; i < jit_op_count; i++) {
		u32 h = map_hash(jit_op_table[i].fn);
		while (j->map[h].fn)
			h = (h + 1) & (JIT_MAP_SIZE - 1);
		j->map[h] = jit_op_table[i];
	}
}

static TxFn map_find(const Jit *j, OpFn fn)
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

int jit_init(Cpu *c)
{
	/* the translations use LAHF in 64-bit mode (CPUID 80000001h ECX bit 0) */
	unsigned a, b, cx, d;
	if (!__get_cpuid(0x80000001u, &a, &b, &cx, &d) || !(cx & 1))
		return VMCP_EIO;
	Jit *j = calloc(1, sizeof(*j));
	if (!j)
		return VMCP_ENOMEM;
	const char *mb = getenv("VMCP_JIT_CACHE_MB");
	j->size = mb && *mb ? (size_t)strtoul(mb, NULL, 10) << 20 : JIT_CACHE_SIZE;
	if (j->size < (4u << 20))
		j->size = 4u << 20;
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
	free(j);
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
static u64 *stat_counter(Jit *j, OpFn fn, bool stub)
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
	munmap(j->rw, j->size);
	munmap(j->rx, j->size);
	close(j->fd);
	free(j);
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

/* ---- emission helpers ---- */
void tx_fail(Tx *t, XFix f)
{
	if (t->nslow[t->k] < JIT_SLOWFIX)
		t->slow[t->k][t->nslow[t->k]++] = f;
	else
		t->e.full = true; /* a translator bug; the translation is dropped */
	t->icm_at[t->k] = t->icm;
}

static void sync_eip(Tx *t)
{
	Emit *x = &t->e;
	x_lea(x, 4, HRAX, xm(HR12, (s32)t->off));
	x_mov_mr(x, 4, CPUF(eip_insn), HRAX);
	x_lea(x, 4, HRAX, xm(HR12, (s32)(t->off + t->d->len)));
	x_mov_mr(x, 4, CPUF(eip), HRAX);
}

static void add_icount(Emit *x, int n)
{
	if (n)
		x_alu_mi(x, 8, XA_ADD, CPUF(icount), n);
}

void tx_sync(Tx *t)
{
	sync_eip(t);
	add_icount(&t->e, t->k - t->icm);
	t->icm = t->k;
}

void tx_regs_out(Emit *x)
{
	for (int i = 0; i < 8; i++)
		x_mov_mr(x, 4, GREG_MEM(i), jit_hreg[i]);
}

void tx_regs_in(Emit *x)
{
	for (int i = 0; i < 8; i++)
		x_mov_rm(x, 4, jit_hreg[i], GREG_MEM(i));
}

void tx_call_helper(Tx *t, const void *fn)
{
	Emit *x = &t->e;
	/* R8-R11 (EAX-EBX) are the caller-saved ones */
	x_push(x, HR8);
	x_push(x, HR9);
	x_push(x, HR10);
	x_push(x, HR11);
	x_mov_rr(x, 8, HRDI, HRBP);
	x_call_abs(x, fn);
	x_pop(x, HR11);
	x_pop(x, HR10);
	x_pop(x, HR9);
	x_pop(x, HR8);
}

/* The handler call for instruction k, with icount = start + k during it and + 1 after. */
static void emit_handler_call(Tx *t, int icm, bool stub)
{
	Emit *x = &t->e;
	if (t->j->stats) {
		x_mov_ri64(x, HRAX, (u64)(uintptr_t)stat_counter(t->j, t->d->fn, stub));
		x_alu_mi(x, 8, XA_ADD, xm(HRAX, 0), 1);
	}
	sync_eip(t);
	add_icount(x, t->k - icm);
	tx_regs_out(x);
	x_mov_rr(x, 8, HRDI, HRBP);
	x_mov_ri64(x, HRSI, (u64)(uintptr_t)t->d);
	x_call_abs(x, (const void *)t->d->fn);
	tx_regs_in(x);
	add_icount(x, 1);
	x_alu_mi(x, 1, XA_CMP, CPUF(brk), 0);
	t->brk[t->nbrk++] = x_jcc(x, HCC_NE, NULL);
}

void tx_exit_dyn(Tx *t)
{
	if (t->c->block_step) {
		/* lockstep tests: back to the dispatcher after every block */
		x_mov_ri32(&t->e, HRAX, JX_LOOKUP);
		x_jmp(&t->e, t->j->exit_rw);
		return;
	}
	x_jmp(&t->e, t->j->lookup_rw);
}

void tx_exit_direct(Tx *t)
{
	Emit *x = &t->e;
	add_icount(x, (int)t->b->n - t->icm);
	x_mov_rr(x, 4, HR12, HRAX);
	x_jmp(x, NULL);
	if (t->nslots < (int)ARRAY_SIZE(t->slots))
		t->slots[t->nslots++] = x->p - 4;
	else
		x->full = true;
}

/* seg_flat & assume == assume, else a JCC to be fixed by the caller (NE). The imm32
 * fields are filled in when the translation knows all it assumed. */
static XFix emit_guard(Tx *t)
{
	Emit *x = &t->e;
	x_mov_rm(x, 4, HRAX, CPUF(seg_flat));
	x_modrm(x, 4, 0x81, 1, 4, xr(HRAX)); /* AND EAX, imm32 */
	if (t->nguards < (int)ARRAY_SIZE(t->guards))
		t->guards[t->nguards++] = x->p;
	else
		x->full = true;
	e32(x, 0);
	x_modrm(x, 4, 0x81, 1, 7, xr(HRAX)); /* CMP EAX, imm32 */
	if (t->nguards < (int)ARRAY_SIZE(t->guards))
		t->guards[t->nguards++] = x->p;
	else
		x->full = true;
	e32(x, 0);
	return x_jcc(x, HCC_NE, NULL);
}

/* ---- flags ---- */
u32 jit_cond_flags(int cc)
{
	static const u32 need[8] = {FLAG_OF, FLAG_CF, FLAG_ZF, FLAG_CF | FLAG_ZF, FLAG_SF,
				    FLAG_PF, FLAG_SF | FLAG_OF, FLAG_ZF | FLAG_SF | FLAG_OF};
	return need[(cc >> 1) & 7];
}

static void jh_flags_mat(Cpu *c) { flags_materialize(c); }
static u32 jh_get_cf(Cpu *c) { return get_cf(c); }

static int szb(int sz) { return 1 << sz; }

/* Runs the recorded operation again on its operands: the host flags become the guest's. */
static void regen(Tx *t, bool with_cf)
{
	Emit *x = &t->e;
	int s = szb(t->ksz);
	switch (t->kind) {
	case K_ADD:
		x_mov_rm(x, 4, HRAX, CPUF(cc_a));
		x_alu_rm(x, s, XA_ADD, HRAX, CPUF(cc_b));
		break;
	case K_ADCD:
		x_bt_i(x, 4, CPUF(cc_op), 3); /* CC(ADC, sz) has bit 3, CC(ADD, sz) not */
		x_mov_rm(x, 4, HRAX, CPUF(cc_a));
		x_alu_rm(x, s, XA_ADC, HRAX, CPUF(cc_b));
		break;
	case K_SUB:
		x_mov_rm(x, 4, HRAX, CPUF(cc_a));
		x_alu_rm(x, s, XA_CMP, HRAX, CPUF(cc_b));
		break;
	case K_SBBD:
		x_bt_i(x, 4, CPUF(cc_op), 4); /* CC(SBB, sz) has bit 4, CC(SUB, sz) not */
		x_mov_rm(x, 4, HRAX, CPUF(cc_a));
		x_alu_rm(x, s, XA_SBB, HRAX, CPUF(cc_b));
		break;
	case K_LOGIC:
	case K_SZPCO: /* ZF SF PF only */
		x_mov_rm(x, 4, HRAX, CPUF(cc_res));
		x_test_mr(x, s, xr(HRAX), HRAX);
		break;
	case K_INC:
	case K_DEC:
		if (with_cf)
			x_bt_i(x, 4, CPUF(eflags), 0);
		x_mov_rm(x, 4, HRAX, CPUF(cc_a));
		if (t->kind == K_INC)
			x_inc(x, s, xr(HRAX));
		else
			x_dec(x, s, xr(HRAX));
		break;
	default:
		break;
	}
}

void tx_resolve(Tx *t)
{
	static const u8 kinds[] = {[CCK_NONE] = K_NONE, [CCK_ADD] = K_ADD, [CCK_ADC] = K_ADCD,
				   [CCK_SUB] = K_SUB, [CCK_SBB] = K_SBBD, [CCK_INC] = K_INC,
				   [CCK_DEC] = K_DEC, [CCK_LOGIC] = K_LOGIC, [CCK_SZPCO] = K_SZPCO};
	if (t->kind != K_UNKNOWN || !t->spec || (t->spec_op >> 2) >= ARRAY_SIZE(kinds))
		return;
	t->spec = false;
	Emit *x = &t->e;
	x_modrm(x, 4, 0x81, 1, 7, CPUF(cc_op)); /* CMP dword [cc_op], imm32 */
	e32(x, t->spec_op);
	/* a wrong guess: the interpreter runs the block from this instruction on (the
	 * handler alone would leave a lazy state the rest was not translated for) */
	t->spec_fail = x_jcc(x, HCC_NE, NULL);
	t->spec_k = t->k;
	t->spec_icm = t->icm;
	t->spec_off = t->off;
	t->kind = kinds[t->spec_op >> 2];
	t->ksz = (u8)(t->spec_op & 3);
}

/* cc_op = NONE with c->eflags holding the guest's OSZAPC (flags_materialize), inline
 * for the kinds the host can regenerate (the ADD/SUB/logic/INC/DEC families). */
void tx_materialize(Tx *t)
{
	Emit *x = &t->e;
	tx_resolve(t);
	if (t->kind == K_NONE)
		return;
	if (t->kind == K_UNKNOWN || t->kind == K_SZPCO) {
		tx_call_helper(t, (const void *)jh_flags_mat);
		t->kind = K_NONE;
		return;
	}
	regen(t, true);
	e8(x, 0x9F);                          /* LAHF: AH = SF ZF 0 AF 0 PF 1 CF */
	x_setcc(x, HCC_O, xr(HRDX));          /* DL = OF */
	x_mov_rr(x, 4, HRCX, HRAX);
	x_shift_i(x, 4, 5, xr(HRCX), 8);
	/* logic instructions leave AF undefined on the host: the interpreter says 0 */
	x_alu_mi(x, 4, XA_AND, xr(HRCX),
		 t->kind == K_LOGIC ? (FLAG_SF | FLAG_ZF | FLAG_PF | FLAG_CF)
				    : (FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF | FLAG_CF));
	x_movzx(x, 1, HRDX, xr(HRDX));
	x_shift_i(x, 4, 4, xr(HRDX), 11);
	x_alu_mr(x, 4, XA_OR, xr(HRCX), HRDX);
	x_mov_rm(x, 4, HRAX, CPUF(eflags));
	x_alu_mi(x, 4, XA_AND, xr(HRAX), (s32)~FLAGS_OSZAPC);
	x_alu_mr(x, 4, XA_OR, xr(HRAX), HRCX);
	x_mov_mr(x, 4, CPUF(eflags), HRAX);
	x_mov_mi(x, 4, CPUF(cc_op), CC_NONE);
	t->kind = K_NONE;
}

void tx_cond_prep(Tx *t, int cc)
{
	u32 need = jit_cond_flags(cc);
	if ((t->hf & need) == need)
		return;
	tx_resolve(t);
	if (t->kind == K_UNKNOWN || (t->kind == K_SZPCO && (need & (FLAG_CF | FLAG_OF)))) {
		tx_call_helper(t, (const void *)jh_flags_mat);
		t->kind = K_NONE;
		t->hf = 0;
	}
}

int tx_cond(Tx *t, int cc)
{
	Emit *x = &t->e;
	u32 need = jit_cond_flags(cc);
	if ((t->hf & need) == need)
		return cc;
	tx_cond_prep(t, cc);
	if (t->kind != K_NONE) {
		regen(t, (need & FLAG_CF) != 0);
		return cc;
	}
	x_mov_rm(x, 4, HRAX, CPUF(eflags));
	switch ((cc >> 1) & 7) {
	case 0: x_test_mi(x, 4, xr(HRAX), FLAG_OF); break;
	case 1: x_test_mi(x, 4, xr(HRAX), FLAG_CF); break;
	case 2: x_test_mi(x, 4, xr(HRAX), FLAG_ZF); break;
	case 3: x_test_mi(x, 4, xr(HRAX), FLAG_CF | FLAG_ZF); break;
	case 4: x_test_mi(x, 4, xr(HRAX), FLAG_SF); break;
	case 5: x_test_mi(x, 4, xr(HRAX), FLAG_PF); break;
	default:
		/* SF != OF (and for LE/G: or ZF): OF moved to bit 7 against SF */
		x_mov_rr(x, 4, HRCX, HRAX);
		x_shift_i(x, 4, 5, xr(HRCX), 4);
		x_alu_mr(x, 4, XA_XOR, xr(HRCX), HRAX);
		if (((cc >> 1) & 7) == 6) {
			x_test_mi(x, 4, xr(HRCX), 0x80);
		} else {
			x_alu_mi(x, 4, XA_AND, xr(HRCX), 0x80);
			x_alu_mi(x, 4, XA_AND, xr(HRAX), FLAG_ZF);
			x_alu_mr(x, 4, XA_OR, xr(HRCX), HRAX);
		}
		break;
	}
	return (cc & 1) ? HCC_E : HCC_NE;
}

void tx_cf(Tx *t)
{
	Emit *x = &t->e;
	if (t->hf & FLAG_CF)
		return;
	tx_resolve(t);
	int s = szb(t->ksz);
	switch (t->kind) {
	case K_ADD: /* CF = res < a */
		x_mov_rm(x, 4, HRAX, CPUF(cc_res));
		x_alu_rm(x, s, XA_CMP, HRAX, CPUF(cc_a));
		break;
	case K_SUB: /* CF = a < b */
		x_mov_rm(x, 4, HRAX, CPUF(cc_a));
		x_alu_rm(x, s, XA_CMP, HRAX, CPUF(cc_b));
		break;
	case K_ADCD:
	case K_SBBD:
		regen(t, true);
		break;
	case K_LOGIC:
		x_clc(x);
		break;
	case K_SZPCO: /* CF = cc_a != 0 */
		x_mov_rm(x, 4, HRAX, CPUF(cc_a));
		x_grp3(x, 4, 3, xr(HRAX));
		break;
	case K_UNKNOWN:
		tx_call_helper(t, (const void *)jh_get_cf);
		x_grp3(x, 4, 3, xr(HRAX)); /* NEG: CF = (EAX != 0) */
		break;
	default: /* NONE, INC, DEC: CF is in eflags */
		x_bt_i(x, 4, CPUF(eflags), 0);
		break;
	}
}

void tx_cc(Tx *t, int kind, int sz, int ra, int rb, int rres)
{
	Emit *x = &t->e;
	static const u8 cck[] = {[K_ADD] = CCK_ADD, [K_SUB] = CCK_SUB, [K_LOGIC] = CCK_LOGIC,
				 [K_INC] = CCK_INC, [K_DEC] = CCK_DEC, [K_SZPCO] = CCK_SZPCO};
	x_mov_mi(x, 4, CPUF(cc_op), CC(cck[kind], sz));
	if (ra != HNONE)
		x_mov_mr(x, 4, CPUF(cc_a), ra);
	if (rb != HNONE)
		x_mov_mr(x, 4, CPUF(cc_b), rb);
	if (rres != HNONE)
		x_mov_mr(x, 4, CPUF(cc_res), rres);
	t->kind = (u8)kind;
	t->ksz = (u8)sz;
}

/* ---- memory ---- */
void tx_ea(Tx *t, const Insn *d)
{
	Emit *x = &t->e;
	bool hb = d->base != REG_NONE, hi = d->index != REG_NONE;
	if (hb && hi)
		x_lea(x, 4, HRSI, xmi(jit_hreg[d->base], jit_hreg[d->index], d->scale, (s32)d->disp));
	else if (hb)
		x_lea(x, 4, HRSI, xm(jit_hreg[d->base], (s32)d->disp));
	else if (hi)
		x_lea(x, 4, HRSI, xmi(HNONE, jit_hreg[d->index], d->scale, (s32)d->disp));
	else
		x_mov_ri32(x, HRSI, d->disp);
	if (!(d->flags & INSN_A32))
		x_movzx(x, 2, HRSI, xr(HRSI));
}

void tx_mem(Tx *t, int seg, int size, bool write)
{
	Emit *x = &t->e;
	s32 tlb = write ? (s32)offsetof(Cpu, tlb_w) : (s32)offsetof(Cpu, tlb_r);
	/* A flat segment needs no check here: an access wrapping past 4 GiB crosses into
	 * page 0, which never has the tag the TLB entry of the last page could hold, so
	 * it fails the TLB check below and the handler faults. */
	if (!tx_assume(t, write ? SEGF_W(seg) : SEGF_R(seg))) {
		x_lea(x, 8, HRDX, xm(HRSI, size));
		if (write)
			x_alu_rm(x, 8, XA_CMP, HRDX, SEGF(seg, wend));
		else
			x_alu_rm(x, 8, XA_CMP, HRDX, SEGF(seg, rend));
		tx_fail_if(t, HCC_A);
		x_alu_rm(x, 4, XA_ADD, HRSI, SEGF(seg, base));
	}
	/* the TLB entry of the first byte's page, the tag of the last byte's: an access
	 * crossing a page never matches */
	if (t->j->bmi2) {
		x_rorx(x, HRDX, HRSI, MEM_PAGE_SHIFT - 4);
	} else {
		x_mov_rr(x, 4, HRDX, HRSI);
		x_shift_i(x, 4, 5, xr(HRDX), MEM_PAGE_SHIFT - 4);
	}
	x_alu_mi(x, 4, XA_AND, xr(HRDX), (TLB_SIZE - 1) << 4);
	if (size > 1)
		x_lea(x, 4, HRCX, xm(HRSI, size - 1));
	else
		x_mov_rr(x, 4, HRCX, HRSI);
	x_alu_mi(x, 4, XA_AND, xr(HRCX), (s32)~MEM_PAGE_MASK);
	if (tx_assume(t, SEGF_USER))
		x_alu_mi(x, 4, XA_OR, xr(HRCX), 1);
	else if (!tx_assume(t, SEGF_SUPER))
		x_alu_rm(x, 4, XA_OR, HRCX, CPUF(tlb_mode));
	_Static_assert(sizeof(TlbEnt) == 16, "TlbEnt is 16 bytes");
	x_alu_rm(x, 4, XA_CMP, HRCX, xmi(HRBP, HRDX, 0, tlb + (s32)offsetof(TlbEnt, tag)));
	tx_fail_if(t, HCC_NE);
	x_alu_rm(x, 8, XA_ADD, HRSI, xmi(HRBP, HRDX, 0, tlb + (s32)offsetof(TlbEnt, addend)));
}

/* ---- one block ---- */
/* Handlers that leave the flags (and the lazy state) alone: their calls keep what the
 * translation knows about the flags. */
static bool flags_neutral(OpFn f)
{
	return f == op_mov_ev_gv32 || f == op_mov_gv_ev32 || f == op_mov_ev_gv16 ||
	       f == op_mov_gv_ev16 || f == op_mov_eb_gb || f == op_mov_gb_eb || f == op_mov_ev_iv ||
	       f == op_mov_eb_ib || f == op_push_rv32 || f == op_pop_rv32 || f == op_push_iv ||
	       f == op_push_ev || f == op_lea_gv_m || f == op_movzx_gv_eb || f == op_movzx_gv_ew ||
	       f == op_movsx_gv_eb || f == op_movsx_gv_ew || f == op_nop || f == op_cld ||
	       f == op_std || f == op_mov_sw_ew || f == op_mov_ew_sw || f == op_push_sreg ||
	       f == op_xchg_ev_gv || f == op_xchg_eax_rv || f == op_cbw || f == op_cwd ||
	       f == op_lodsb || f == op_lodsv || f == op_stosb || f == op_stosv ||
	       f == op_movsb || f == op_movsv || f == op_wait || f == op_bswap_rd ||
	       f == op_in_al_dx || f == op_in_eax_dx || f == op_out_dx_al || f == op_out_dx_eax ||
	       f == op_in_al_ib || f == op_out_ib_al || f == op_mov_al_ob || f == op_mov_eax_ov ||
	       f == op_mov_ob_al || f == op_mov_ov_eax || f == op_mov_rd_cd || f == op_leave;
}

/* The instructions of b from index from on, through the interpreter (after a handler
 * changed the segments a translation relies on). */
static void jh_finish(Cpu *c, const Block *b, u32 from)
{
	for (const Insn *d = b->insn + from, *last = b->insn + b->n; d < last && !c->brk; d++) {
		u32 eip = c->eip;
		c->eip_insn = eip;
		c->eip = eip + d->len;
		d->fn(c, d);
		c->icount++;
	}
}

/* Handlers that never change a segment register, CR0 or EFLAGS.VM (what seg_flat
 * follows); after any other, a translation checks its assumptions again. */
static bool seg_neutral(OpFn f)
{
	return flags_neutral(f) ? f != op_mov_sw_ew :
	       f == op_rdtsc || f == op_cpuid || f == op_cmpsb || f == op_cmpsv || f == op_scasb ||
	       f == op_scasv || f == op_esc || f == op_insb || f == op_insv || f == op_outsb ||
	       f == op_outsv || f == op_out_ib_eax || f == op_in_eax_ib || f == op_div_ev32 ||
	       f == op_idiv_ev32 || f == op_div_ev16 || f == op_idiv_ev16 || f == op_div_eb ||
	       f == op_idiv_eb || f == op_pushf || f == op_pusha || f == op_popa ||
	       f == op_rol_ev_ib32 || f == op_ror_ev_ib32 || f == op_rol_ev_cl32 ||
	       f == op_ror_ev_cl32 || f == op_shld_ev_gv_ib || f == op_shrd_ev_gv_ib ||
	       f == op_shld_ev_gv_cl || f == op_shrd_ev_gv_cl || f == op_cmpxchg_ev_gv ||
	       f == op_xadd_ev_gv || f == op_bt_ev_gv || f == op_bts_ev_gv || f == op_btr_ev_gv ||
	       f == op_btc_ev_gv || f == op_bt_ev_ib || f == op_bts_ev_ib || f == op_btr_ev_ib ||
	       f == op_btc_ev_ib || f == op_bsf_gv_ev || f == op_bsr_gv_ev || f == op_invlpg_m ||
	       f == op_cli || f == op_clc || f == op_stc || f == op_cmc || f == op_sahf ||
	       f == op_lahf || f == op_enter_iw_ib || f == op_cmpxchg8b_mq;
}

static void *translate(Cpu *c, Block *b)
{
	Jit *j = c->jit;
	if (j->size - j->used < JIT_BLOCK_ROOM) {
		icache_request_flush(c);
		return NULL;
	}
	Tx *t = &j->tx;
	memset(t, 0, offsetof(Tx, start));
	t->nbrk = t->nslots = t->ndyn = 0;
	memset(t->nslow, 0, sizeof(t->nslow));
	t->c = c;
	t->j = j;
	t->b = b;
	t->e = (Emit){j->rw + j->used, j->rw + j->used + JIT_BLOCK_ROOM, false};
	t->kind = K_UNKNOWN;
	t->spec = true;
	t->spec_op = c->cc_op;
	t->spec_fail = NULL;
	Emit *x = &t->e;
	/* the header: what the code assumes and where its chain entries are */
	u8 *header = x->p;
	for (int i = 0; i < (int)sizeof(JitHeader); i++)
		e8(x, 0);
	u8 *entry = x->p;

	/* entries: the full one (from the dispatcher and the jump-cache lookup) takes the
	 * EIP from c->eip; a chain comes with it in R12, checked or not for the segments;
	 * then pending events, the CS limit over the whole block, and the budget (the
	 * block's instructions are added to c->icount here) */
	x_mov_rm(x, 4, HR12, CPUF(eip));
	u8 *guarded = x->p;
	t->flat = c->seg_flat;
	t->assume = 0;
	t->nguards = 0;
	XFix guard0 = emit_guard(t);
	u8 *chained = x->p;
	x_alu_mi(x, 4, XA_CMP, CPUF(events), 0);
	XFix evcheck = x_jcc(x, HCC_NE, NULL);
	u8 *evback = x->p;
	XFix noexec3 = NULL;
	/* a flat CS cannot put a block of one page past its limit */
	if (!tx_assume(t, SEGF_CSFLAT)) {
		x_lea(x, 8, HRAX, xm(HR12, b->nbytes - 1));
		x_mov_rm(x, 4, HRCX, SEGF(SEG_CS, limit));
		x_alu_mr(x, 8, XA_CMP, xr(HRAX), HRCX);
		noexec3 = x_jcc(x, HCC_A, NULL);
	}
	x_mov_rm(x, 8, HRAX, CPUF(icount));
	x_alu_mi(x, 8, XA_ADD, xr(HRAX), b->n);
	x_alu_rm(x, 8, XA_CMP, HRAX, CPUF(run_end));
	XFix noexec2 = x_jcc(x, HCC_A, NULL);
	x_mov_mr(x, 8, CPUF(icount), HRAX);
	t->icm = b->n;
	XFix regard[BLOCK_MAX_INSNS];
	u32 regard_from[BLOCK_MAX_INSNS];
	int nregard = 0;

	/* dead lazy-flag stores: a producer's flags are dead when the next instruction
	 * that is not NEUTRAL sets them all again without any way to fault or call in
	 * between (a fault would show them in its EFLAGS image) */
	bool live = true;
	for (int k = b->n - 1; k >= 0; k--) {
		t->fdead[k] = !live;
		int fc = jit_flag_class(&b->insn[k]);
		if (fc == JFC_KILL)
			live = false;
		else if (fc == JFC_OTHER)
			live = true;
	}

	u32 off = 0;
	for (int k = 0; k < b->n && !x->full; k++) {
		const Insn *d = &b->insn[k];
		t->k = k;
		t->d = d;
		t->off = off;
		t->start[k] = x->p;
		t->hf = t->hf_next;
		t->hf_next = 0;
		t->icm_at[k] = t->icm;
		TxFn tx = map_find(j, d->fn);
		bool inl = tx && tx(t, d);
		t->stub_kind[k] = K_UNKNOWN;
		if (t->nslow[k] && t->hf_next) {
			/* the handler stub joins with the flags in memory: it makes the host
			 * flags again when it can, else nobody may count on them */
			if (t->kind == K_ADD || t->kind == K_ADCD || t->kind == K_SUB ||
			    t->kind == K_SBBD || t->kind == K_LOGIC || t->kind == K_INC ||
			    t->kind == K_DEC) {
				t->stub_kind[k] = t->kind;
				t->stub_ksz[k] = t->ksz;
			} else {
				t->hf_next = 0;
			}
		}
		if (!inl) {
			emit_handler_call(t, t->icm, false);
			t->icm = k + 1;
			if (!flags_neutral(d->fn)) {
				t->kind = K_UNKNOWN;
				t->spec = false;
			}
			if (d->flags & INSN_END) {
				tx_exit_dyn(t);
				t->ended = true;
			} else if (!seg_neutral(d->fn) && nregard < BLOCK_MAX_INSNS) {
				/* it may have loaded a segment: the rest holds only if the
				 * assumptions still do */
				regard_from[nregard] = (u32)k + 1;
				regard[nregard++] = emit_guard(t);
			}
		}
		off += d->len;
		if (t->ended)
			break;
	}
	t->start[b->n] = x->p;
	if (!t->ended) {
		/* fell off the block's end (page end, BLOCK_MAX_INSNS): to the next EIP */
		x_lea(x, 4, HRAX, xm(HR12, b->nbytes));
		t->k = b->n;
		tx_exit_direct(t);
	}

	/* out of line: handler stubs for failed fast paths */
	for (int k = 0; k < b->n; k++) {
		if (!t->nslow[k])
			continue;
		for (int i = 0; i < t->nslow[k]; i++)
			x_fix(x, t->slow[k][i], x->p);
		const Insn *d = &b->insn[k];
		u32 o = 0;
		for (int i = 0; i < k; i++)
			o += b->insn[i].len;
		t->k = k;
		t->d = d;
		t->off = o;
		emit_handler_call(t, t->icm_at[k], true);
		if (d->flags & INSN_END) {
			tx_exit_dyn(t);
		} else {
			add_icount(x, -(k + 1 - t->icm_at[k]));
			if (t->stub_kind[k] != K_UNKNOWN) {
				t->kind = t->stub_kind[k];
				t->ksz = t->stub_ksz[k];
				regen(t, true);
			}
			x_jmp(x, t->start[k + 1]);
		}
	}
	if (t->spec_fail) {
		x_fix(x, t->spec_fail, x->p);
		x_lea(x, 4, HRAX, xm(HR12, (s32)t->spec_off));
		x_mov_mr(x, 4, CPUF(eip), HRAX);
		add_icount(x, t->spec_k - t->spec_icm);
		tx_regs_out(x);
		x_mov_rr(x, 8, HRDI, HRBP);
		x_mov_ri64(x, HRSI, (u64)(uintptr_t)b);
		x_mov_ri32(x, HRDX, (u32)t->spec_k);
		x_call_abs(x, (const void *)jh_finish);
		tx_regs_in(x);
		x_alu_mi(x, 1, XA_CMP, CPUF(brk), 0);
		if (t->nbrk < (int)ARRAY_SIZE(t->brk))
			t->brk[t->nbrk++] = x_jcc(x, HCC_NE, NULL);
		else
			x->full = true;
		tx_exit_dyn(t);
	}
	/* the assumptions, now all known */
	for (int i = 0; i < t->nguards; i++)
		if (!x->full)
			memcpy(t->guards[i], &t->assume, 4);
	for (int i = 0; i < nregard; i++) {
		/* the segments changed under the block: the interpreter does the rest of it */
		x_fix(x, regard[i], x->p);
		tx_regs_out(x);
		x_mov_rr(x, 8, HRDI, HRBP);
		x_mov_ri64(x, HRSI, (u64)(uintptr_t)b);
		x_mov_ri32(x, HRDX, regard_from[i]);
		x_call_abs(x, (const void *)jh_finish);
		tx_regs_in(x);
		x_alu_mi(x, 1, XA_CMP, CPUF(brk), 0);
		if (t->nbrk < (int)ARRAY_SIZE(t->brk))
			t->brk[t->nbrk++] = x_jcc(x, HCC_NE, NULL);
		else
			x->full = true;
		tx_exit_dyn(t);
	}
	x_fix(x, guard0, x->p);
	x_mov_mr(x, 4, CPUF(eip), HR12);
	x_mov_ri32(x, HRAX, JX_GUARD);
	x_jmp(x, j->exit_rw);
	/* exits: events pending (but for INTR with IF = 0, which changes nothing: any
	 * instruction setting IF ends the run through brk) */
	x_fix(x, evcheck, x->p);
	x_mov_rm(x, 4, HRAX, CPUF(events));
	x_alu_mi(x, 4, XA_CMP, xr(HRAX), EV_INTR);
	XFix noexec1 = x_jcc(x, HCC_NE, NULL);
	x_test_mi(x, 4, CPUF(eflags), FLAG_IF);
	XFix noexec4 = x_jcc(x, HCC_NE, NULL);
	x_jmp(x, evback);
	u8 *noexec = x->p;
	x_fix(x, noexec1, noexec);
	x_fix(x, noexec4, noexec);
	x_fix(x, noexec2, noexec);
	if (noexec3)
		x_fix(x, noexec3, noexec);
	x_mov_mr(x, 4, CPUF(eip), HR12);
	x_mov_ri32(x, HRAX, JX_NOEXEC);
	x_jmp(x, j->exit_rw);
	if (t->nbrk) {
		for (int i = 0; i < t->nbrk; i++)
			x_fix(x, t->brk[i], x->p);
		x_mov_ri32(x, HRAX, JX_BRK);
		x_jmp(x, j->exit_rw);
	}
	/* chain slots: each exit's JMP goes here until chained; the guard is for a chain
	 * into another page (never true until patched: jc_gen stays below 2^30) */
	for (int i = 0; i < t->nslots; i++) {
		x_fix(x, t->slots[i], x->p);
		x_modrm(x, 4, 0x81, 1, 7, CPUF(jc_gen)); /* CMP dword [jc_gen], imm32 */
		u8 *ggen = x->p;
		e32(x, 0xFFFFFFFFu);
		XFix miss1 = x_jcc(x, HCC_NE, NULL);
		x_modrm(x, 4, 0x81, 1, 7, CPUF(tlb_mode));
		u8 *gmode = x->p;
		e32(x, 0xFFFFFFFFu);
		XFix miss2 = x_jcc(x, HCC_NE, NULL);
		XFix gjmp = x_jmp(x, NULL);
		x_fix(x, gjmp, x->p);
		x_fix(x, miss1, x->p);
		x_fix(x, miss2, x->p);
		x_mov_mr(x, 4, CPUF(eip), HR12);
		/* LEA RAX, [RIP + record] */
		e8(x, 0x48);
		e8(x, 0x8D);
		e8(x, 0x05);
		u8 *rel = x->p;
		e32(x, 0);
		x_jmp(x, j->exit_rw);
		while (((uintptr_t)x->p & 7) != 0)
			e8(x, 0xCC);
		if (!x->full) {
			s32 r = (s32)(x->p - (rel + 4));
			memcpy(rel, &r, 4);
		}
		JitSlot s = {to_rx(j, t->slots[i]), to_rx(j, ggen), to_rx(j, gmode), to_rx(j, gjmp),
			     b->phys >> MEM_PAGE_SHIFT, j->gen, t->assume};
		for (size_t q = 0; q < sizeof(s); q++)
			e8(x, ((u8 *)&s)[q]);
	}
	if (x->full)
		return NULL; /* too big for JIT_BLOCK_ROOM: this block stays interpreted */
	size_t len = (size_t)(x->p - entry);
	JitHeader h = {t->assume, (u16)(guarded - entry), (u16)(chained - entry)};
	memcpy(header, &h, sizeof(h));
	j->used = (size_t)((x->p - j->rw + 15) & ~15);
	j->translated++;
	b->jit = to_rx(j, entry);
	if (j->perfmap)
		fprintf(j->perfmap, "%lx %zx guest_%08x_n%u\n", (unsigned long)(uintptr_t)b->jit, len,
			b->phys, b->n);
	if (j->dump) {
		fprintf(j->dump, "block %08x n %u off %lx len %zu:", b->phys, b->n,
			(unsigned long)(entry - j->rw), len);
		for (size_t i = 0; i < len; i++)
			fprintf(j->dump, " %02x", entry[i]);
		fprintf(j->dump, "\n");
	}
	return b->jit;
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
			code = translate(c, b);
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
		if (unlikely(c->brk | __atomic_load_n(&c->events, __ATOMIC_RELAXED)) ||
		    unlikely(c->icount >= end) || unlikely(c->block_step && !guard_failed))
			return;
	}
}
