/* jit_ctl.c: inline translations of the stack and control transfers: PUSH/POP (registers,
 * immediates, Ed), LEAVE, Jcc, JMP and CALL (relative and indirect), RET; the engine is
 * jit.c and jit_tx.c.
 *
 * As in jit_ops.c, every check (the stack's segment and TLB, a branch target past the
 * CS limit) precedes the first side effect and fails to the handler. Only a 32-bit
 * operand size on a 32-bit stack is translated (the stack's B bit is an assumption the
 * block's entry checks); 16-bit stacks and operand sizes, far transfers, INT, IRET,
 * LOOP and JCXZ are handler calls. Branches within a block are the block's end: a
 * direct target leaves through a chain slot, a computed one (RET, JMP/CALL Ed) through
 * the jump cache. A 16-bit relative target that wraps at 64 KiB leaves through the jump
 * cache too, since a chain assumes the target's offset from the branch is fixed.
 * Reference: Intel SDM vol. 2 (PUSH, POP, LEAVE, Jcc, JMP, CALL, RET). */
#include "cpu/jit.h"
#include "cpu/ops.h"

#if JIT_AVAILABLE /* x86-64 Linux hosts only; elsewhere the CPU interprets */

/* ---- stack (32-bit operand size on a 32-bit stack; the rest is the handlers') ---- */
/* A 32-bit stack when translating: assumed (the entry guard checks it). */
static bool stack32(Tx *t) { return tx_assume(t, SEGF_STACK32); }
/* Pushes EDI (the checks first, then the store and ESP); RAX is kept. */
static void push_edi(Tx *t)
{
	Emit *x = &t->e;
	x_lea(x, 4, HRSI, xm(jit_hreg[R_ESP], -4));
	tx_mem(t, SEG_SS, 4, true);
	x_mov_mr(x, 4, xm(HRSI, 0), HRDI);
	x_lea(x, 4, jit_hreg[R_ESP], xm(jit_hreg[R_ESP], -4));
}
static bool tx_push_rv32(Tx *t, const Insn *d)
{
	if (!stack32(t))
		return false;
	x_mov_rm(&t->e, 4, HRDI, GREG(d->reg));
	push_edi(t);
	return true;
}
static bool tx_push_iv(Tx *t, const Insn *d)
{
	if (!(d->flags & INSN_O32) || !stack32(t))
		return false;
	x_mov_ri32(&t->e, HRDI, d->imm);
	push_edi(t);
	return true;
}
/* EAX = the dword at SS:ESP (ESP not moved yet) */
static void pop_eax(Tx *t)
{
	Emit *x = &t->e;
	x_mov_rr(x, 4, HRSI, jit_hreg[R_ESP]);
	tx_mem(t, SEG_SS, 4, false);
	x_mov_rm(x, 4, HRAX, xm(HRSI, 0));
}
static void esp_add(Tx *t, u32 n)
{
	x_lea(&t->e, 4, jit_hreg[R_ESP], xm(jit_hreg[R_ESP], (s32)n));
}
/* LEAVE: ESP = EBP, then EBP = the dword popped from there */
static bool tx_leave(Tx *t, const Insn *d)
{
	if (!(d->flags & INSN_O32) || !stack32(t))
		return false;
	Emit *x = &t->e;
	x_mov_rr(x, 4, HRSI, jit_hreg[R_EBP]);
	tx_mem(t, SEG_SS, 4, false);
	x_mov_rm(x, 4, HRAX, xm(HRSI, 0));
	x_lea(x, 4, jit_hreg[R_ESP], xm(jit_hreg[R_EBP], 4));
	x_mov_mr(x, 4, GREG(R_EBP), HRAX);
	return true;
}
/* PUSH Ed: the operand read (and checked) first */
static bool tx_push_ev(Tx *t, const Insn *d)
{
	if (!(d->flags & INSN_O32) || !stack32(t))
		return false;
	tx_ld_ed(t, d, HRDI);
	push_edi(t);
	return true;
}
static bool tx_pop_rv32(Tx *t, const Insn *d)
{
	if (!stack32(t))
		return false;
	pop_eax(t);
	esp_add(t, 4);
	x_mov_mr(&t->e, 4, GREG(d->reg), HRAX);
	return true;
}

/* ---- branches ---- */
/* A branch target in EAX past the CS limit is the handler's #GP; a flat CS (assumed)
 * has nothing past its limit. */
static void cs_limit_check(Tx *t)
{
	if (tx_assume(t, SEGF_CSFLAT))
		return;
	x_alu_rm(&t->e, 4, XA_CMP, HRAX, SEGF(SEG_CS, limit));
	tx_fail_if(t, HCC_A);
}

/* EAX = the branch target (EIP of the next instruction + disp, 16-bit wrap for a 16-bit
 * operand size), checked against the CS limit. A 16-bit target that wrapped leaves by
 * the jump cache (a chain assumes the target's offset in the page is fixed). */
static void branch_target(Tx *t, const Insn *d, bool *wrapped_dyn)
{
	Emit *x = &t->e;
	x_lea(x, 4, HRAX, xm(HR12, (s32)(t->off + d->len + d->disp)));
	*wrapped_dyn = false;
	if (!(d->flags & INSN_O32)) {
		x_alu_mi(x, 4, XA_CMP, xr(HRAX), 0xFFFF);
		u8 *ok = x_jcc8(x, HCC_BE);
		x_movzx(x, 2, HRAX, xr(HRAX));
		cs_limit_check(t);
		x_mov_mr(x, 4, CPUF(eip), HRAX);
		x_alu_mi(x, 8, XA_ADD, CPUF(icount), (int)t->b->n - t->icm);
		tx_exit_dyn(t);
		x_fix8(x, ok);
		*wrapped_dyn = true;
	}
	cs_limit_check(t);
}

static bool jmp_rel(Tx *t, const Insn *d)
{
	bool w;
	branch_target(t, d, &w);
	tx_exit_direct(t);
	t->ended = true;
	return true;
}
static bool tx_jmp_jb(Tx *t, const Insn *d) { return jmp_rel(t, d); }
static bool tx_jmp_jv(Tx *t, const Insn *d) { return jmp_rel(t, d); }

static bool jcc(Tx *t, const Insn *d, int cc)
{
	Emit *x = &t->e;
	int h = tx_cond(t, cc);
	XFix nt = x_jcc(x, h ^ 1, NULL);
	bool w;
	branch_target(t, d, &w);
	tx_exit_direct(t);
	x_fix(x, nt, x->p);
	x_lea(x, 4, HRAX, xm(HR12, (s32)(t->off + d->len)));
	tx_exit_direct(t);
	t->ended = true;
	return true;
}
#define JCC_TX(name, cc)                                                          \
	static bool tx_j##name##_jb(Tx *t, const Insn *d) { return jcc(t, d, cc); } \
	static bool tx_j##name##_jv(Tx *t, const Insn *d) { return jcc(t, d, cc); }
JCC_TX(o, 0)
JCC_TX(no, 1)
JCC_TX(b, 2)
JCC_TX(ae, 3)
JCC_TX(e, 4)
JCC_TX(ne, 5)
JCC_TX(be, 6)
JCC_TX(a, 7)
JCC_TX(s, 8)
JCC_TX(ns, 9)
JCC_TX(p, 10)
JCC_TX(np, 11)
JCC_TX(l, 12)
JCC_TX(ge, 13)
JCC_TX(le, 14)
JCC_TX(g, 15)

static bool tx_call_jv(Tx *t, const Insn *d)
{
	if (!(d->flags & INSN_O32) || !stack32(t))
		return false;
	Emit *x = &t->e;
	bool w;
	branch_target(t, d, &w);
	x_lea(x, 4, HRDI, xm(HR12, (s32)(t->off + d->len)));
	push_edi(t);
	tx_exit_direct(t);
	t->ended = true;
	return true;
}

/* A return or indirect branch to EAX: CS limit, then out through the jump cache. */
static void dyn_branch(Tx *t)
{
	Emit *x = &t->e;
	x_mov_mr(x, 4, CPUF(eip), HRAX);
	x_alu_mi(x, 8, XA_ADD, CPUF(icount), (int)t->b->n - t->icm);
	tx_exit_dyn(t);
	t->ended = true;
}
static bool ret(Tx *t, const Insn *d, u32 extra)
{
	if (!(d->flags & INSN_O32) || !stack32(t))
		return false;
	pop_eax(t);
	cs_limit_check(t);
	esp_add(t, 4 + extra);
	dyn_branch(t);
	return true;
}
static bool tx_ret(Tx *t, const Insn *d) { return ret(t, d, 0); }
static bool tx_ret_iw(Tx *t, const Insn *d) { return ret(t, d, d->imm & 0xFFFF); }

static bool tx_jmp_ev(Tx *t, const Insn *d)
{
	if (!(d->flags & INSN_O32))
		return false;
	tx_ld_ed(t, d, HRAX);
	cs_limit_check(t);
	dyn_branch(t);
	return true;
}
static bool tx_call_ev(Tx *t, const Insn *d)
{
	if (!(d->flags & INSN_O32) || !stack32(t))
		return false;
	Emit *x = &t->e;
	tx_ld_ed(t, d, HRAX);
	cs_limit_check(t);
	x_lea(x, 4, HRDI, xm(HR12, (s32)(t->off + d->len)));
	push_edi(t);
	dyn_branch(t);
	return true;
}

/* ---- the table ---- */
#define JCC_ENT(name) {op_j##name##_jb, tx_j##name##_jb}, {op_j##name##_jv, tx_j##name##_jv}

const JitMapEnt jit_ctl_table[] = {
	{op_push_rv32, tx_push_rv32}, {op_push_iv, tx_push_iv}, {op_pop_rv32, tx_pop_rv32},
	{op_leave, tx_leave}, {op_push_ev, tx_push_ev},
	{op_jmp_jb, tx_jmp_jb}, {op_jmp_jv, tx_jmp_jv},
	JCC_ENT(o), JCC_ENT(no), JCC_ENT(b), JCC_ENT(ae), JCC_ENT(e), JCC_ENT(ne), JCC_ENT(be),
	JCC_ENT(a), JCC_ENT(s), JCC_ENT(ns), JCC_ENT(p), JCC_ENT(np), JCC_ENT(l), JCC_ENT(ge),
	JCC_ENT(le), JCC_ENT(g),
	{op_call_jv, tx_call_jv}, {op_ret, tx_ret}, {op_ret_iw, tx_ret_iw},
	{op_jmp_ev, tx_jmp_ev}, {op_call_ev, tx_call_ev},
};
const size_t jit_ctl_count = ARRAY_SIZE(jit_ctl_table);

#endif
