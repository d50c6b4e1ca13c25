/* jit_tx.c: the translation of one block (the engine around it is jit.c, the
 * instructions' own translations are jit_ops.c).
 *
 * translate lays a block out as: a header (JitHeader), the entries (full, guarded chain,
 * chain) with their checks, each instruction's code in order, the exit of the last one
 * (or the fall-through to the next EIP); then, out of line, the handler stubs of the
 * fast paths that can fail, the exits to the dispatcher (events, assumptions, brk) and
 * the chain slots with their records. Here too: the emission helpers every translator
 * uses (handler calls with their syncing, exits, the lazy-flag knowledge and how to
 * regenerate host flags from it, the effective address and the segment/TLB fast path).
 * Reference for the encodings: Intel SDM vol. 2. */
#include <stdio.h>
#include <stdlib.h>

#include "cpu/jit.h"
#include "cpu/ops.h"

#if JIT_AVAILABLE /* x86-64 Linux hosts only; elsewhere the CPU interprets */

/* ---- emission helpers ---- */
void tx_fail(Tx *t, XFix f)
{
	if (t->nslow[t->k] < JIT_SLOWFIX)
		t->slow[t->k][t->nslow[t->k]++] = f;
	else
		t->e.full = true; /* a translator bug; the translation is dropped */
	t->icm_at[t->k] = t->icm;
}

static void add_icount(Emit *x, int n)
{
	if (n)
		x_alu_mi(x, 8, XA_ADD, CPUF(icount), n);
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
		x_mov_ri64(x, HRAX, (u64)(uintptr_t)jit_stat_counter(t->j, t->d->fn, stub));
		x_alu_mi(x, 8, XA_ADD, xm(HRAX, 0), 1);
	}
	x_lea(x, 4, HRAX, xm(HR12, (s32)t->off));
	x_lea(x, 4, HRDX, xm(HR12, (s32)(t->off + t->d->len)));
	x_mov_mi(x, 8, xr(HRCX), (u32)(t->k - icm));
	x_mov_ri64(x, HRSI, (u64)(uintptr_t)t->d);
	x_call(x, t->j->call_rw);
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

void *jit_translate(Cpu *c, Block *b)
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
		TxFn tx = jit_map_find(j, d->fn);
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

#endif
