/* jit_ops.c: inline translations of the frequent data instructions (MOV, ALU, INC/DEC,
 * NOT/NEG, shifts, rotates, MUL/IMUL/DIV, SETcc/CMOVcc, RDTSC); the stack and control
 * transfers are jit_ctl.c's, the engine jit.c and jit_tx.c.
 *
 * Each translator emits host code with exactly its handler's effect on struct Cpu:
 * the same registers, memory, lazy flags (cc_op, cc_a, cc_b, cc_res as alu.h sets
 * them) and EIP. Every check that can fail (segment bound and type through
 * SegCache.rend/wend, the TLB, a branch target past the CS limit, a 16-bit stack)
 * comes before the first side effect and branches to the instruction's handler stub,
 * which runs the handler instead; so a translator needs no slow path of its own and
 * faults stay the handlers' business. Forms not handled here (AH..BH operands, 16-bit
 * multiplies, RCL/RCR, shifts by CL but for 32-bit SHL/SHR/SAR, string instructions,
 * x87, system instructions...) are handler calls. Reference: Intel SDM vol. 2 for each instruction, alu.h and the
 * ops_*.c files for the lazy-flag conventions. */
#include "cpu/jit.h"
#include "cpu/ops.h"

#if JIT_AVAILABLE /* x86-64 Linux hosts only; elsewhere the CPU interprets */

static inline int szi(int size) { return size == 1 ? 0 : size == 2 ? 1 : 2; }
static inline u32 szmask(int size) { return size == 1 ? 0xFFu : size == 2 ? 0xFFFFu : 0xFFFFFFFFu; }
/* A guest register of an operand size (byte registers by their byte offset). */
static inline XOp greg(int r, int size) { return size == 1 ? GREG8(r) : GREG(r); }

/* dst (32-bit host register) = the value at m, zero-extended from size bytes. */
static void ld(Emit *x, int size, int dst, XOp m)
{
	if (size == 4)
		x_mov_rm(x, 4, dst, m);
	else
		x_movzx(x, size, dst, m);
}

void tx_mem_operand(Tx *t, const Insn *d, int size, bool write)
{
	tx_ea(t, d);
	tx_mem(t, d->seg, size, write);
}

/* ---- MOV ---- */
/* E = G (dir 0) or G = E (dir 1) */
static bool mov_eg(Tx *t, const Insn *d, int size, int dir)
{
	Emit *x = &t->e;
	if (size == 1 && (jit_hibyte(d->reg) || (!is_mem(d) && jit_hibyte(d->rm))))
		return false;
	if (is_mem(d)) {
		tx_mem_operand(t, d, size, dir == 0);
		if (dir == 0)
			x_mov_mr(x, size, xm(HRSI, 0), greg(d->reg, size).reg);
		else
			x_mov_rm(x, size, greg(d->reg, size).reg, xm(HRSI, 0));
	} else {
		int s = dir == 0 ? d->reg : d->rm, dd = dir == 0 ? d->rm : d->reg;
		x_mov_mr(x, size, greg(dd, size), greg(s, size).reg);
		t->hf_next = t->hf; /* the host flags live on */
	}
	return true;
}
static bool tx_mov_eb_gb(Tx *t, const Insn *d) { return mov_eg(t, d, 1, 0); }
static bool tx_mov_ev_gv16(Tx *t, const Insn *d) { return mov_eg(t, d, 2, 0); }
static bool tx_mov_ev_gv32(Tx *t, const Insn *d) { return mov_eg(t, d, 4, 0); }
static bool tx_mov_gb_eb(Tx *t, const Insn *d) { return mov_eg(t, d, 1, 1); }
static bool tx_mov_gv_ev16(Tx *t, const Insn *d) { return mov_eg(t, d, 2, 1); }
static bool tx_mov_gv_ev32(Tx *t, const Insn *d) { return mov_eg(t, d, 4, 1); }

/* E = imm */
static bool mov_ei(Tx *t, const Insn *d, int size)
{
	Emit *x = &t->e;
	if (size == 1 && !is_mem(d) && jit_hibyte(d->rm))
		return false;
	XOp m = greg(d->rm, size);
	if (is_mem(d)) {
		tx_mem_operand(t, d, size, true);
		m = xm(HRSI, 0);
	}
	x_mov_mi(x, size, m, d->imm & szmask(size));
	return true;
}
static bool tx_mov_eb_ib(Tx *t, const Insn *d) { return mov_ei(t, d, 1); }
static bool tx_mov_ev_iv(Tx *t, const Insn *d) { return mov_ei(t, d, osz(d)); }
static bool tx_mov_rb_ib(Tx *t, const Insn *d)
{
	if (jit_hibyte(d->reg))
		return false;
	x_mov_mi(&t->e, 1, GREG8(d->reg), d->imm);
	return true;
}
static bool tx_mov_rv_iv16(Tx *t, const Insn *d)
{
	x_mov_mi(&t->e, 2, GREG(d->reg), d->imm);
	return true;
}
static bool tx_mov_rv_iv32(Tx *t, const Insn *d)
{
	x_mov_mi(&t->e, 4, GREG(d->reg), d->imm);
	t->hf_next = t->hf;
	return true;
}
/* moffs forms: AL/AX/EAX <-> [seg:disp] */
static bool mov_moffs(Tx *t, const Insn *d, int size, bool store)
{
	Emit *x = &t->e;
	tx_mem_operand(t, d, size, store);
	if (store) {
		x_mov_rm(x, size, HRAX, greg(0, size));
		x_mov_mr(x, size, xm(HRSI, 0), HRAX);
	} else {
		x_mov_rm(x, size, HRAX, xm(HRSI, 0));
		x_mov_mr(x, size, greg(0, size), HRAX);
	}
	return true;
}
static bool tx_mov_al_ob(Tx *t, const Insn *d) { return mov_moffs(t, d, 1, false); }
static bool tx_mov_eax_ov(Tx *t, const Insn *d) { return mov_moffs(t, d, osz(d), false); }
static bool tx_mov_ob_al(Tx *t, const Insn *d) { return mov_moffs(t, d, 1, true); }
static bool tx_mov_ov_eax(Tx *t, const Insn *d) { return mov_moffs(t, d, osz(d), true); }

static bool tx_lea_gv_m(Tx *t, const Insn *d)
{
	if ((d->flags & (INSN_O32 | INSN_A32)) == (INSN_O32 | INSN_A32) && d->base != REG_NONE) {
		int hb = jit_hreg[d->base];
		x_lea(&t->e, 4, GREG(d->reg).reg,
		      d->index != REG_NONE ? xmi(hb, jit_hreg[d->index], d->scale, (s32)d->disp)
					   : xm(hb, (s32)d->disp));
		t->hf_next = t->hf;
		return true;
	}
	tx_ea(t, d);
	x_mov_mr(&t->e, osz(d), GREG(d->reg), HRSI);
	return true;
}

/* MOVZX/MOVSX Gv, Eb/Ew */
static bool movx(Tx *t, const Insn *d, int srcsize, bool sign)
{
	Emit *x = &t->e;
	if (srcsize == 1 && !is_mem(d) && jit_hibyte(d->rm))
		return false;
	XOp m = greg(d->rm, srcsize);
	if (is_mem(d)) {
		tx_mem_operand(t, d, srcsize, false);
		m = xm(HRSI, 0);
	}
	int dst = osz(d) == 4 ? GREG(d->reg).reg : HRAX;
	if (sign)
		x_movsx(x, srcsize, dst, m);
	else
		x_movzx(x, srcsize, dst, m);
	if (dst == HRAX)
		x_mov_mr(x, osz(d), GREG(d->reg), HRAX);
	if (!is_mem(d))
		t->hf_next = t->hf;
	return true;
}
static bool tx_movzx_gv_eb(Tx *t, const Insn *d) { return movx(t, d, 1, false); }
static bool tx_movzx_gv_ew(Tx *t, const Insn *d) { return movx(t, d, 2, false); }
static bool tx_movsx_gv_eb(Tx *t, const Insn *d) { return movx(t, d, 1, true); }
static bool tx_movsx_gv_ew(Tx *t, const Insn *d) { return movx(t, d, 2, true); }

static bool tx_nop(Tx *t, const Insn *d)
{
	(void)t;
	(void)d;
	return true;
}

static bool tx_xchg_eax_rv(Tx *t, const Insn *d)
{
	Emit *x = &t->e;
	int s = osz(d);
	x_mov_rm(x, s, HRAX, GREG(R_EAX));
	x_mov_rm(x, s, HRCX, GREG(d->reg));
	x_mov_mr(x, s, GREG(R_EAX), HRCX);
	x_mov_mr(x, s, GREG(d->reg), HRAX);
	return true;
}
static bool tx_xchg_ev_gv(Tx *t, const Insn *d)
{
	if (is_mem(d))
		return false;
	Emit *x = &t->e;
	int s = osz(d);
	x_mov_rm(x, s, HRAX, GREG(d->reg));
	x_mov_rm(x, s, HRCX, GREG(d->rm));
	x_mov_mr(x, s, GREG(d->reg), HRCX);
	x_mov_mr(x, s, GREG(d->rm), HRAX);
	return true;
}

static bool tx_cbw(Tx *t, const Insn *d)
{
	Emit *x = &t->e;
	if (d->flags & INSN_O32) {
		x_movsx(x, 2, HRAX, GREG(R_EAX));
		x_mov_mr(x, 4, GREG(R_EAX), HRAX);
	} else {
		x_movsx(x, 1, HRAX, GREG8(0));
		x_mov_mr(x, 2, GREG(R_EAX), HRAX);
	}
	return true;
}
static bool tx_cwd(Tx *t, const Insn *d)
{
	Emit *x = &t->e;
	if (!(d->flags & INSN_O32))
		return false;
	x_mov_rm(x, 4, HRAX, GREG(R_EAX));
	x_cdq(x);
	x_mov_mr(x, 4, GREG(R_EDX), HRDX);
	return true;
}

static bool tx_cld(Tx *t, const Insn *d)
{
	(void)d;
	x_alu_mi(&t->e, 4, XA_AND, CPUF(eflags), (s32)~FLAG_DF);
	return true;
}
static bool tx_std(Tx *t, const Insn *d)
{
	(void)d;
	x_alu_mi(&t->e, 4, XA_OR, CPUF(eflags), FLAG_DF);
	return true;
}

/* ---- ALU: ADD OR ADC SBB AND SUB XOR CMP TEST ---- */
enum { A_ADD, A_OR, A_ADC, A_SBB, A_AND, A_SUB, A_XOR, A_CMP, A_TEST };
enum { F_EG, F_GE, F_EI, F_AI };

static bool alu(Tx *t, const Insn *d, int aop, int size, int form)
{
	Emit *x = &t->e;
	bool carry = aop == A_ADC || aop == A_SBB;
	bool writes = aop != A_CMP && aop != A_TEST;
	bool logic = aop == A_OR || aop == A_AND || aop == A_XOR || aop == A_TEST;
	int sz = szi(size);
	if (size == 1 && (((form == F_EG || form == F_GE) && jit_hibyte(d->reg)) ||
			  (form != F_AI && !is_mem(d) && jit_hibyte(d->rm))))
		return false; /* AH..BH: the handler's */
	bool store = !t->fdead[t->k];
	static const u8 xa[] = {[A_ADD] = XA_ADD, [A_OR] = XA_OR, [A_ADC] = XA_ADC,
				[A_SBB] = XA_SBB, [A_AND] = XA_AND, [A_SUB] = XA_SUB,
				[A_XOR] = XA_XOR, [A_CMP] = XA_SUB, [A_TEST] = XA_AND};
	if (!is_mem(d)) {
		/* registers and immediates: the host instruction on the host registers */
		int hd = (form == F_AI ? greg(0, size) : form == F_GE ? greg(d->reg, size) : greg(d->rm, size)).reg;
		int hs = form == F_EG ? greg(d->reg, size).reg : form == F_GE ? greg(d->rm, size).reg : HNONE;
		u32 imm = d->imm & szmask(size);
		if (!store && !writes) {
			t->hf_next = 0; /* a compare whose flags nobody reads */
			return true;
		}
		if (carry) {
			tx_cf(t);
			x_setcc(x, HCC_B, xr(HRDI));
		}
		if (store && !logic) {
			/* the operands, zero-extended */
			if (size == 4) {
				x_mov_mr(x, 4, CPUF(cc_a), hd);
			} else {
				x_movzx(x, size, HRAX, xr(hd));
				x_mov_mr(x, 4, CPUF(cc_a), HRAX);
			}
			if (hs == HNONE) {
				x_mov_mi(x, 4, CPUF(cc_b), imm);
			} else if (size == 4) {
				x_mov_mr(x, 4, CPUF(cc_b), hs);
			} else {
				x_movzx(x, size, HRCX, xr(hs));
				x_mov_mr(x, 4, CPUF(cc_b), HRCX);
			}
		}
		int res = hd;
		if (!writes) {
			if (size == 4)
				x_mov_rr(x, 4, HRAX, hd);
			else
				x_movzx(x, size, HRAX, xr(hd));
			res = HRAX;
		}
		if (carry)
			x_bt_i(x, 4, xr(HRDI), 0);
		if (hs != HNONE)
			x_alu_mr(x, size, xa[aop], xr(res), hs);
		else
			x_alu_mi(x, size, xa[aop], xr(res), (s32)imm);
		if (store) {
			if (size == 4 || res == HRAX) {
				x_mov_mr(x, 4, CPUF(cc_res), res);
			} else {
				x_movzx(x, size, HRCX, xr(res));
				x_mov_mr(x, 4, CPUF(cc_res), HRCX);
			}
			if (carry) {
				x_movzx(x, 1, HRDX, xr(HRDI));
				x_lea(x, 4, HRDX, xmi(HNONE, HRDX, 2, (s32)CC(aop == A_ADC ? CCK_ADD : CCK_SUB, sz)));
				x_mov_mr(x, 4, CPUF(cc_op), HRDX);
			} else {
				x_mov_mi(x, 4, CPUF(cc_op), CC(logic ? CCK_LOGIC : aop == A_ADD ? CCK_ADD : CCK_SUB, sz));
			}
		}
		t->kind = carry ? (aop == A_ADC ? K_ADCD : K_SBBD) : logic ? K_LOGIC : aop == A_ADD ? K_ADD : K_SUB;
		t->ksz = (u8)sz;
		t->hf_next = FLAG_OF | FLAG_SF | FLAG_ZF | FLAG_PF | FLAG_CF;
		return true;
	}
	if (carry) {
		tx_cf(t);
		x_setcc(x, HCC_B, xr(HRDI)); /* cin, before the checks change the flags */
	}
	XOp dst, src;
	bool src_imm = form == F_EI || form == F_AI;
	if (form == F_AI) {
		dst = greg(0, size);
	} else if (form == F_GE) {
		dst = greg(d->reg, size);
	} else {
		dst = greg(d->rm, size);
	}
	src = form == F_EG ? greg(d->reg, size) : greg(d->rm, size);
	if (is_mem(d) && form != F_AI) {
		tx_mem_operand(t, d, size, writes && form != F_GE);
		if (form == F_GE)
			src = xm(HRSI, 0);
		else
			dst = xm(HRSI, 0);
	}
	ld(x, size, HRAX, dst);
	if (src_imm)
		x_mov_ri32(x, HRCX, d->imm & szmask(size));
	else
		ld(x, size, HRCX, src);
	if (!logic && store) {
		x_mov_mr(x, 4, CPUF(cc_a), HRAX);
		x_mov_mr(x, 4, CPUF(cc_b), HRCX);
	}
	if (carry)
		x_bt_i(x, 4, xr(HRDI), 0);
	x_alu_mr(x, size, xa[aop], xr(HRAX), HRCX);
	if (writes)
		x_mov_mr(x, size, dst, HRAX);
	if (store)
		x_mov_mr(x, 4, CPUF(cc_res), HRAX);
	if (!store) {
		t->kind = carry ? (aop == A_ADC ? K_ADCD : K_SBBD) : logic ? K_LOGIC : aop == A_ADD ? K_ADD : K_SUB;
	} else if (carry) {
		/* CC(ADD|SUB, sz) + 4 * cin is CC(ADC|SBB, sz) when the carry was in */
		x_movzx(x, 1, HRDX, xr(HRDI));
		x_lea(x, 4, HRDX, xmi(HNONE, HRDX, 2, (s32)CC(aop == A_ADC ? CCK_ADD : CCK_SUB, sz)));
		x_mov_mr(x, 4, CPUF(cc_op), HRDX);
		t->kind = aop == A_ADC ? K_ADCD : K_SBBD;
	} else {
		int k = logic ? K_LOGIC : (aop == A_ADD ? K_ADD : K_SUB);
		static const u8 cck[] = {[K_ADD] = CCK_ADD, [K_SUB] = CCK_SUB, [K_LOGIC] = CCK_LOGIC};
		x_mov_mi(x, 4, CPUF(cc_op), CC(cck[k], sz));
		t->kind = (u8)k;
	}
	t->ksz = (u8)sz;
	t->hf_next = FLAG_OF | FLAG_SF | FLAG_ZF | FLAG_PF | FLAG_CF;
	return true;
}

#define ALU_TX(name, aop)                                                                          \
	static bool tx_##name##_eb_gb(Tx *t, const Insn *d) { return alu(t, d, aop, 1, F_EG); }    \
	static bool tx_##name##_ev_gv16(Tx *t, const Insn *d) { return alu(t, d, aop, 2, F_EG); }  \
	static bool tx_##name##_ev_gv32(Tx *t, const Insn *d) { return alu(t, d, aop, 4, F_EG); }  \
	static bool tx_##name##_gb_eb(Tx *t, const Insn *d) { return alu(t, d, aop, 1, F_GE); }    \
	static bool tx_##name##_gv_ev16(Tx *t, const Insn *d) { return alu(t, d, aop, 2, F_GE); }  \
	static bool tx_##name##_gv_ev32(Tx *t, const Insn *d) { return alu(t, d, aop, 4, F_GE); }  \
	static bool tx_##name##_al_ib(Tx *t, const Insn *d) { return alu(t, d, aop, 1, F_AI); }    \
	static bool tx_##name##_eax_iv16(Tx *t, const Insn *d) { return alu(t, d, aop, 2, F_AI); } \
	static bool tx_##name##_eax_iv32(Tx *t, const Insn *d) { return alu(t, d, aop, 4, F_AI); } \
	static bool tx_##name##_eb_ib(Tx *t, const Insn *d) { return alu(t, d, aop, 1, F_EI); }    \
	static bool tx_##name##_ev_iv16(Tx *t, const Insn *d) { return alu(t, d, aop, 2, F_EI); }  \
	static bool tx_##name##_ev_iv32(Tx *t, const Insn *d) { return alu(t, d, aop, 4, F_EI); }
ALU_TX(add, A_ADD)
ALU_TX(or, A_OR)
ALU_TX(adc, A_ADC)
ALU_TX(sbb, A_SBB)
ALU_TX(and, A_AND)
ALU_TX(sub, A_SUB)
ALU_TX(xor, A_XOR)
ALU_TX(cmp, A_CMP)
ALU_TX(test, A_TEST)

/* ---- INC / DEC / NOT / NEG ---- */
static void jh_park_cf(Cpu *c) { c->eflags = (c->eflags & ~FLAG_CF) | (get_cf(c) ? FLAG_CF : 0); }

/* INC/DEC keep CF: with a lazy state that is not INC/DEC/concrete, CF goes into
 * c->eflags first (alu.h park_cf). */
static void park_cf(Tx *t)
{
	Emit *x = &t->e;
	tx_resolve(t);
	if (t->kind == K_NONE || t->kind == K_INC || t->kind == K_DEC)
		return;
	if (t->kind == K_UNKNOWN) {
		tx_call_helper(t, (const void *)jh_park_cf);
		return;
	}
	tx_cf(t);
	x_setcc(x, HCC_B, xr(HRDX));
	x_movzx(x, 1, HRDX, xr(HRDX));
	x_mov_rm(x, 4, HRCX, CPUF(eflags));
	x_alu_mi(x, 4, XA_AND, xr(HRCX), (s32)~FLAG_CF);
	x_alu_mr(x, 4, XA_OR, xr(HRCX), HRDX);
	x_mov_mr(x, 4, CPUF(eflags), HRCX);
}

static bool incdec(Tx *t, const Insn *d, int size, bool dec, XOp reg)
{
	Emit *x = &t->e;
	if (size == 1 && !is_mem(d) && jit_hibyte(d->rm))
		return false;
	if (t->fdead[t->k] && reg.reg != HNONE) {
		/* flags nobody reads (no CF to keep either) */
		if (dec)
			x_dec(x, size, reg);
		else
			x_inc(x, size, reg);
		t->kind = dec ? K_DEC : K_INC;
		t->ksz = (u8)szi(size);
		return true;
	}
	park_cf(t);
	XOp m = reg;
	if (reg.reg == HNONE && reg.base == HNONE) {
		tx_mem_operand(t, d, size, true);
		m = xm(HRSI, 0);
	}
	ld(x, size, HRAX, m);
	x_mov_mr(x, 4, CPUF(cc_a), HRAX);
	x_mov_mi(x, 4, CPUF(cc_b), 1);
	if (dec)
		x_dec(x, size, xr(HRAX));
	else
		x_inc(x, size, xr(HRAX));
	x_mov_mr(x, size, m, HRAX);
	x_mov_mr(x, 4, CPUF(cc_res), HRAX);
	x_mov_mi(x, 4, CPUF(cc_op), CC(dec ? CCK_DEC : CCK_INC, szi(size)));
	t->kind = dec ? K_DEC : K_INC;
	t->ksz = (u8)szi(size);
	t->hf_next = FLAG_OF | FLAG_SF | FLAG_ZF | FLAG_PF;
	return true;
}
static const XOp NOREG = {HNONE, HNONE, HNONE, 0, 0};
static bool tx_inc_rv16(Tx *t, const Insn *d) { return incdec(t, d, 2, false, GREG(d->reg)); }
static bool tx_inc_rv32(Tx *t, const Insn *d) { return incdec(t, d, 4, false, GREG(d->reg)); }
static bool tx_dec_rv16(Tx *t, const Insn *d) { return incdec(t, d, 2, true, GREG(d->reg)); }
static bool tx_dec_rv32(Tx *t, const Insn *d) { return incdec(t, d, 4, true, GREG(d->reg)); }
static bool tx_inc_eb(Tx *t, const Insn *d) { return incdec(t, d, 1, false, is_mem(d) ? NOREG : GREG8(d->rm)); }
static bool tx_dec_eb(Tx *t, const Insn *d) { return incdec(t, d, 1, true, is_mem(d) ? NOREG : GREG8(d->rm)); }
static bool tx_inc_ev16(Tx *t, const Insn *d) { return incdec(t, d, 2, false, is_mem(d) ? NOREG : GREG(d->rm)); }
static bool tx_inc_ev32(Tx *t, const Insn *d) { return incdec(t, d, 4, false, is_mem(d) ? NOREG : GREG(d->rm)); }
static bool tx_dec_ev16(Tx *t, const Insn *d) { return incdec(t, d, 2, true, is_mem(d) ? NOREG : GREG(d->rm)); }
static bool tx_dec_ev32(Tx *t, const Insn *d) { return incdec(t, d, 4, true, is_mem(d) ? NOREG : GREG(d->rm)); }

static bool notneg(Tx *t, const Insn *d, int size, bool neg)
{
	Emit *x = &t->e;
	if (size == 1 && !is_mem(d) && jit_hibyte(d->rm))
		return false;
	XOp m = greg(d->rm, size);
	if (is_mem(d)) {
		tx_mem_operand(t, d, size, true);
		m = xm(HRSI, 0);
	}
	if (!neg) {
		x_grp3(x, size, 2, m);
		return true;
	}
	/* NEG: SUB 0, v */
	if (t->fdead[t->k]) {
		x_grp3(x, size, 3, m);
		t->kind = K_SUB;
		t->ksz = (u8)szi(size);
		return true;
	}
	ld(x, size, HRCX, m);
	x_alu_mr(x, 4, XA_XOR, xr(HRAX), HRAX);
	x_mov_mr(x, 4, CPUF(cc_a), HRAX);
	x_mov_mr(x, 4, CPUF(cc_b), HRCX);
	x_alu_mr(x, size, XA_SUB, xr(HRAX), HRCX);
	x_mov_mr(x, size, m, HRAX);
	x_mov_mr(x, 4, CPUF(cc_res), HRAX);
	x_mov_mi(x, 4, CPUF(cc_op), CC(CCK_SUB, szi(size)));
	t->kind = K_SUB;
	t->ksz = (u8)szi(size);
	t->hf_next = FLAG_OF | FLAG_SF | FLAG_ZF | FLAG_PF | FLAG_CF;
	return true;
}
static bool tx_not_eb(Tx *t, const Insn *d) { return notneg(t, d, 1, false); }
static bool tx_not_ev16(Tx *t, const Insn *d) { return notneg(t, d, 2, false); }
static bool tx_not_ev32(Tx *t, const Insn *d) { return notneg(t, d, 4, false); }
static bool tx_neg_eb(Tx *t, const Insn *d) { return notneg(t, d, 1, true); }
static bool tx_neg_ev16(Tx *t, const Insn *d) { return notneg(t, d, 2, true); }
static bool tx_neg_ev32(Tx *t, const Insn *d) { return notneg(t, d, 4, true); }

/* ---- shifts (SHL SHR SAR) by an immediate count or CL ---- */
/* The lazy flags of ops_shift.c's shift(): CCK_SZPCO with CF (the last bit out, host CF
 * after the shift) in cc_a and OF in cc_b: SHL the result's sign ^ CF; SHR the old
 * sign for a count of 1, else 0; SAR 0. R9D holds the old sign for SHR. */
static void shift_cc(Tx *t, int ext, int size, bool by1)
{
	Emit *x = &t->e;
	int bits = 8 * size;
	x_setcc(x, HCC_B, xr(HRDX));
	x_movzx(x, 1, HRDX, xr(HRDX));
	x_mov_mr(x, 4, CPUF(cc_res), HRAX);
	x_mov_mr(x, 4, CPUF(cc_a), HRDX);
	if (ext == 4) {
		x_mov_rr(x, 4, HRDI, HRAX);
		x_shift_i(x, 4, 5, xr(HRDI), (u32)bits - 1);
		x_alu_mr(x, 4, XA_XOR, xr(HRDI), HRDX);
		x_mov_mr(x, 4, CPUF(cc_b), HRDI);
	} else if (ext == 5 && by1) {
		x_mov_mr(x, 4, CPUF(cc_b), HRDI);
	} else {
		x_mov_mi(x, 4, CPUF(cc_b), 0);
	}
	x_mov_mi(x, 4, CPUF(cc_op), CC(CCK_SZPCO, szi(size)));
}

static bool shift_imm(Tx *t, const Insn *d, int ext, int size)
{
	Emit *x = &t->e;
	u32 cnt = d->imm & 31;
	if (!cnt || cnt >= 8u * (u32)size)
		return false; /* no change at all, or a count the host leaves CF undefined for */
	if (size == 1 && !is_mem(d) && jit_hibyte(d->rm))
		return false;
	XOp m = greg(d->rm, size);
	if (t->fdead[t->k] && !is_mem(d)) {
		x_shift_i(x, size, ext, m, cnt);
		t->kind = K_SZPCO;
		t->ksz = (u8)szi(size);
		return true;
	}
	if (is_mem(d)) {
		tx_mem_operand(t, d, size, true);
		m = xm(HRSI, 0);
	}
	ld(x, size, HRAX, m);
	if (ext == 5 && cnt == 1) { /* SHR by 1: OF is the old sign */
		x_mov_rr(x, 4, HRDI, HRAX);
		x_shift_i(x, 4, 5, xr(HRDI), 8u * (u32)size - 1);
	}
	x_shift_i(x, size, ext, xr(HRAX), cnt);
	x_mov_mr(x, size, m, HRAX);
	shift_cc(t, ext, size, cnt == 1);
	t->kind = K_SZPCO;
	t->ksz = (u8)szi(size);
	return true;
}

/* 32-bit shifts by CL: a count of 0 (CL & 31) changes nothing, flags included, so the
 * lazy state after it is not known statically. */
static bool shift_cl(Tx *t, const Insn *d, int ext)
{
	Emit *x = &t->e;
	XOp m = GREG(d->rm);
	if (is_mem(d)) {
		tx_mem_operand(t, d, 4, true);
		m = xm(HRSI, 0);
	}
	x_movzx(x, 1, HRCX, GREG8(4));
	x_alu_mi(x, 4, XA_AND, xr(HRCX), 31);
	XFix zero = x_jcc(x, HCC_E, NULL);
	x_mov_rm(x, 4, HRAX, m);
	if (ext == 5) { /* OF: the old sign when the count is 1, else 0 */
		x_mov_rr(x, 4, HRDI, HRAX);
		x_shift_i(x, 4, 5, xr(HRDI), 31);
		x_alu_mr(x, 4, XA_XOR, xr(HRDX), HRDX);
		x_alu_mi(x, 4, XA_CMP, xr(HRCX), 1);
		x_cmov(x, 4, HCC_NE, HRDI, xr(HRDX));
	}
	x_shift_cl(x, 4, ext, xr(HRAX));
	x_mov_mr(x, 4, m, HRAX);
	shift_cc(t, ext, 4, true);
	x_fix(x, zero, x->p);
	t->kind = K_UNKNOWN;
	t->spec = false;
	return true;
}

static bool tx_shl_eb_ib(Tx *t, const Insn *d) { return shift_imm(t, d, 4, 1); }
static bool tx_shr_eb_ib(Tx *t, const Insn *d) { return shift_imm(t, d, 5, 1); }
static bool tx_sar_eb_ib(Tx *t, const Insn *d) { return shift_imm(t, d, 7, 1); }
static bool tx_shl_ev_ib16(Tx *t, const Insn *d) { return shift_imm(t, d, 4, 2); }
static bool tx_shr_ev_ib16(Tx *t, const Insn *d) { return shift_imm(t, d, 5, 2); }
static bool tx_sar_ev_ib16(Tx *t, const Insn *d) { return shift_imm(t, d, 7, 2); }
static bool tx_shl_ev_ib32(Tx *t, const Insn *d) { return shift_imm(t, d, 4, 4); }
static bool tx_shr_ev_ib32(Tx *t, const Insn *d) { return shift_imm(t, d, 5, 4); }
static bool tx_sar_ev_ib32(Tx *t, const Insn *d) { return shift_imm(t, d, 7, 4); }
static bool tx_shl_ev_cl32(Tx *t, const Insn *d) { return shift_cl(t, d, 4); }
static bool tx_shr_ev_cl32(Tx *t, const Insn *d) { return shift_cl(t, d, 5); }
static bool tx_sar_ev_cl32(Tx *t, const Insn *d) { return shift_cl(t, d, 7); }

/* ROL/ROR by an immediate (32-bit): CF and OF change, the other flags stay (made
 * concrete first, as ops_shift.c does). */
static bool rotate32(Tx *t, const Insn *d, bool left)
{
	Emit *x = &t->e;
	u32 cnt = d->imm & 31;
	if (!cnt)
		return false;
	tx_materialize(t);
	XOp m = GREG(d->rm);
	if (is_mem(d)) {
		tx_mem_operand(t, d, 4, true);
		m = xm(HRSI, 0);
	}
	x_mov_rm(x, 4, HRAX, m);
	x_shift_i(x, 4, left ? 0 : 1, xr(HRAX), cnt);
	x_mov_mr(x, 4, m, HRAX);
	x_setcc(x, HCC_B, xr(HRDX));
	x_movzx(x, 1, HRDX, xr(HRDX)); /* CF */
	x_mov_rr(x, 4, HRCX, HRAX);
	if (left) { /* OF = sign ^ CF */
		x_shift_i(x, 4, 5, xr(HRCX), 31);
		x_alu_mr(x, 4, XA_XOR, xr(HRCX), HRDX);
	} else { /* OF = bit 31 ^ bit 30 */
		x_shift_i(x, 4, 5, xr(HRCX), 30);
		x_mov_rr(x, 4, HRSI, HRCX);
		x_shift_i(x, 4, 5, xr(HRSI), 1);
		x_alu_mr(x, 4, XA_XOR, xr(HRCX), HRSI);
		x_alu_mi(x, 4, XA_AND, xr(HRCX), 1);
	}
	x_shift_i(x, 4, 4, xr(HRCX), 11);
	x_alu_mr(x, 4, XA_OR, xr(HRCX), HRDX);
	x_mov_rm(x, 4, HRAX, CPUF(eflags));
	x_alu_mi(x, 4, XA_AND, xr(HRAX), (s32)~(FLAG_CF | FLAG_OF));
	x_alu_mr(x, 4, XA_OR, xr(HRAX), HRCX);
	x_mov_mr(x, 4, CPUF(eflags), HRAX);
	return true;
}
static bool tx_rol_ev_ib32(Tx *t, const Insn *d) { return rotate32(t, d, true); }
static bool tx_ror_ev_ib32(Tx *t, const Insn *d) { return rotate32(t, d, false); }

/* RDTSC: the count of retired instructions (at this one) + the offset; CR4.TSD
 * outside ring 0 is the handler's (#GP). */
static bool tx_rdtsc(Tx *t, const Insn *d)
{
	(void)d;
	Emit *x = &t->e;
	x_test_mi(x, 4, CPUF(cr4), 4);
	tx_fail_if(t, HCC_NE);
	x_mov_rm(x, 8, HRAX, CPUF(icount));
	x_alu_rm(x, 8, XA_ADD, HRAX, CPUF(tsc_offset));
	if (t->k != t->icm)
		x_alu_mi(x, 8, XA_ADD, xr(HRAX), t->k - t->icm);
	x_mov_mr(x, 4, GREG(R_EAX), HRAX);
	x_shift_i(x, 8, 5, xr(HRAX), 32);
	x_mov_mr(x, 4, GREG(R_EDX), HRAX);
	return true;
}

/* ---- multiply (32-bit forms) ---- */
/* The lazy flags of MUL/IMUL: CF = OF = "wide" (host CF), SZP of the low half. */
static void mul_cc(Tx *t)
{
	Emit *x = &t->e;
	t->kind = K_SZPCO;
	t->ksz = 2;
	if (t->fdead[t->k])
		return;
	x_setcc(x, HCC_B, xr(HRDI));
	x_movzx(x, 1, HRDI, xr(HRDI));
	x_mov_mr(x, 4, CPUF(cc_a), HRDI);
	x_mov_mr(x, 4, CPUF(cc_b), HRDI);
	x_mov_mr(x, 4, CPUF(cc_res), HRAX);
	x_mov_mi(x, 4, CPUF(cc_op), CC(CCK_SZPCO, 2));
	t->kind = K_SZPCO;
	t->ksz = 2;
}
void tx_ld_ed(Tx *t, const Insn *d, int reg)
{
	if (is_mem(d)) {
		tx_mem_operand(t, d, 4, false);
		x_mov_rm(&t->e, 4, reg, xm(HRSI, 0));
	} else {
		x_mov_rm(&t->e, 4, reg, GREG(d->rm));
	}
}
static bool tx_imul_gv_ev32(Tx *t, const Insn *d)
{
	if (!is_mem(d)) {
		int hd = GREG(d->reg).reg;
		x_imul_rm(&t->e, 4, hd, GREG(d->rm));
		if (!t->fdead[t->k]) {
			x_mov_rr(&t->e, 4, HRAX, hd);
			mul_cc(t);
		}
		t->kind = K_SZPCO;
		t->ksz = 2;
		return true;
	}
	tx_ld_ed(t, d, HRCX);
	x_mov_rm(&t->e, 4, HRAX, GREG(d->reg));
	x_imul_rm(&t->e, 4, HRAX, xr(HRCX));
	x_mov_mr(&t->e, 4, GREG(d->reg), HRAX);
	mul_cc(t);
	return true;
}
static bool tx_imul_gv_ev_iv32(Tx *t, const Insn *d)
{
	if (!is_mem(d)) {
		int hd = GREG(d->reg).reg;
		x_imul_rmi(&t->e, 4, hd, GREG(d->rm), d->imm);
		if (!t->fdead[t->k]) {
			x_mov_rr(&t->e, 4, HRAX, hd);
			mul_cc(t);
		}
		t->kind = K_SZPCO;
		t->ksz = 2;
		return true;
	}
	tx_ld_ed(t, d, HRCX);
	x_mov_ri32(&t->e, HRAX, d->imm);
	x_imul_rm(&t->e, 4, HRAX, xr(HRCX));
	x_mov_mr(&t->e, 4, GREG(d->reg), HRAX);
	mul_cc(t);
	return true;
}
static bool mul1(Tx *t, const Insn *d, bool sign)
{
	tx_ld_ed(t, d, HRCX);
	x_mov_rm(&t->e, 4, HRAX, GREG(R_EAX));
	x_grp3(&t->e, 4, sign ? 5 : 4, xr(HRCX));
	x_mov_mr(&t->e, 4, GREG(R_EAX), HRAX);
	x_mov_mr(&t->e, 4, GREG(R_EDX), HRDX);
	mul_cc(t);
	return true;
}
static bool tx_mul_ev32(Tx *t, const Insn *d) { return mul1(t, d, false); }

/* DIV Ed: a zero divisor or a quotient past 32 bits (EDX >= the divisor) is the
 * handler's #DE; the flags stay as they were (ops_alu.c). */
static bool tx_div_ev32(Tx *t, const Insn *d)
{
	Emit *x = &t->e;
	tx_ld_ed(t, d, HRCX);
	x_test_mr(x, 4, xr(HRCX), HRCX);
	tx_fail_if(t, HCC_E);
	x_alu_mr(x, 4, XA_CMP, GREG(R_EDX), HRCX);
	tx_fail_if(t, HCC_AE);
	x_mov_rm(x, 4, HRAX, GREG(R_EAX));
	x_mov_rm(x, 4, HRDX, GREG(R_EDX));
	x_grp3(x, 4, 6, xr(HRCX));
	x_mov_mr(x, 4, GREG(R_EAX), HRAX);
	x_mov_mr(x, 4, GREG(R_EDX), HRDX);
	return true;
}
static bool tx_imul_ev32(Tx *t, const Insn *d) { return mul1(t, d, true); }

/* ---- SETcc / CMOVcc ---- */
static bool tx_setcc_eb(Tx *t, const Insn *d)
{
	Emit *x = &t->e;
	int cc = d->op & 15;
	if (!is_mem(d) && jit_hibyte(d->rm))
		return false;
	x_setcc(x, tx_cond(t, cc), xr(HRDI));
	if (is_mem(d)) {
		tx_mem_operand(t, d, 1, true);
		x_mov_mr(x, 1, xm(HRSI, 0), HRDI);
	} else {
		x_mov_mr(x, 1, GREG8(d->rm), HRDI);
	}
	return true;
}
static bool tx_cmovcc_gv_ev(Tx *t, const Insn *d)
{
	Emit *x = &t->e;
	int s = osz(d), cc = d->op & 15;
	x_setcc(x, tx_cond(t, cc), xr(HRDI));
	XOp m = GREG(d->rm);
	if (is_mem(d)) {
		tx_mem_operand(t, d, s, false);
		m = xm(HRSI, 0);
	}
	x_mov_rm(x, s, HRCX, m);
	x_test_mr(x, 1, xr(HRDI), HRDI);
	u8 *skip = x_jcc8(x, HCC_E);
	x_mov_mr(x, s, GREG(d->reg), HRCX);
	x_fix8(x, skip);
	return true;
}

/* ---- which instructions keep the lazy flags alive (jit.c's dead-store pass) ---- */
#define ALU_REGFORMS(n)                                                                     \
	f == op_##n##_eb_gb || f == op_##n##_ev_gv16 || f == op_##n##_ev_gv32 ||            \
	f == op_##n##_gb_eb || f == op_##n##_gv_ev16 || f == op_##n##_gv_ev32 ||            \
	f == op_##n##_al_ib || f == op_##n##_eax_iv16 || f == op_##n##_eax_iv32 ||          \
	f == op_##n##_eb_ib || f == op_##n##_ev_iv16 || f == op_##n##_ev_iv32

int jit_flag_class(const Insn *d)
{
	OpFn f = d->fn;
	bool mem = is_mem(d);
	bool byte_rm_hi = jit_hibyte(d->rm), byte_reg_hi = jit_hibyte(d->reg);
	bool byte_op = f == op_add_eb_gb || f == op_or_eb_gb || f == op_and_eb_gb ||
		       f == op_sub_eb_gb || f == op_xor_eb_gb || f == op_cmp_eb_gb ||
		       f == op_test_eb_gb || f == op_add_gb_eb || f == op_or_gb_eb ||
		       f == op_and_gb_eb || f == op_sub_gb_eb || f == op_xor_gb_eb ||
		       f == op_cmp_gb_eb;
	bool byte_imm = f == op_add_eb_ib || f == op_or_eb_ib || f == op_and_eb_ib ||
			f == op_sub_eb_ib || f == op_xor_eb_ib || f == op_cmp_eb_ib || f == op_test_eb_ib;
	if (ALU_REGFORMS(add) || ALU_REGFORMS(or) || ALU_REGFORMS(and) || ALU_REGFORMS(sub) ||
	    ALU_REGFORMS(xor) || ALU_REGFORMS(cmp) || ALU_REGFORMS(test)) {
		if (mem && !(f == op_add_al_ib || f == op_or_al_ib || f == op_and_al_ib ||
			     f == op_sub_al_ib || f == op_xor_al_ib || f == op_cmp_al_ib ||
			     f == op_test_al_ib))
			return JFC_OTHER;
		if ((byte_op && (byte_rm_hi || byte_reg_hi)) || (byte_imm && byte_rm_hi))
			return JFC_OTHER;
		return JFC_KILL;
	}
	if (f == op_neg_ev32 || f == op_neg_ev16 || f == op_imul_gv_ev32 ||
	    f == op_imul_gv_ev_iv32 || f == op_mul_ev32 || f == op_imul_ev32)
		return mem ? JFC_OTHER : JFC_KILL;
	if (f == op_shl_ev_ib32 || f == op_shr_ev_ib32 || f == op_sar_ev_ib32 ||
	    f == op_shl_ev_ib16 || f == op_shr_ev_ib16 || f == op_sar_ev_ib16) {
		u32 bits = f == op_shl_ev_ib32 || f == op_shr_ev_ib32 || f == op_sar_ev_ib32 ? 32 : 16;
		return !mem && (d->imm & 31) && (d->imm & 31) < bits ? JFC_KILL : JFC_OTHER;
	}
	if (f == op_mov_ev_gv16 || f == op_mov_ev_gv32 || f == op_mov_gv_ev16 ||
	    f == op_mov_gv_ev32 || f == op_mov_ev_iv || f == op_not_ev16 || f == op_not_ev32 ||
	    f == op_movzx_gv_ew || f == op_movsx_gv_ew || f == op_xchg_ev_gv)
		return mem ? JFC_OTHER : JFC_NEUTRAL;
	if (f == op_mov_eb_gb || f == op_mov_gb_eb)
		return mem || byte_rm_hi || byte_reg_hi ? JFC_OTHER : JFC_NEUTRAL;
	if (f == op_mov_eb_ib || f == op_movzx_gv_eb || f == op_movsx_gv_eb)
		return mem || byte_rm_hi ? JFC_OTHER : JFC_NEUTRAL;
	if (f == op_mov_rb_ib)
		return byte_reg_hi ? JFC_OTHER : JFC_NEUTRAL;
	if (f == op_mov_rv_iv16 || f == op_mov_rv_iv32 || f == op_lea_gv_m || f == op_nop ||
	    f == op_xchg_eax_rv || f == op_cbw || f == op_cld || f == op_std ||
	    (f == op_cwd && (d->flags & INSN_O32)))
		return JFC_NEUTRAL;
	return JFC_OTHER;
}

/* ---- the table ---- */
#define ALU_ENT(name)                                                                      \
	{op_##name##_eb_gb, tx_##name##_eb_gb}, {op_##name##_ev_gv16, tx_##name##_ev_gv16},   \
	{op_##name##_ev_gv32, tx_##name##_ev_gv32}, {op_##name##_gb_eb, tx_##name##_gb_eb},   \
	{op_##name##_gv_ev16, tx_##name##_gv_ev16}, {op_##name##_gv_ev32, tx_##name##_gv_ev32}, \
	{op_##name##_al_ib, tx_##name##_al_ib}, {op_##name##_eax_iv16, tx_##name##_eax_iv16}, \
	{op_##name##_eax_iv32, tx_##name##_eax_iv32}, {op_##name##_eb_ib, tx_##name##_eb_ib}, \
	{op_##name##_ev_iv16, tx_##name##_ev_iv16}, {op_##name##_ev_iv32, tx_##name##_ev_iv32}

const JitMapEnt jit_op_table[] = {
	{op_mov_eb_gb, tx_mov_eb_gb}, {op_mov_ev_gv16, tx_mov_ev_gv16},
	{op_mov_ev_gv32, tx_mov_ev_gv32}, {op_mov_gb_eb, tx_mov_gb_eb},
	{op_mov_gv_ev16, tx_mov_gv_ev16}, {op_mov_gv_ev32, tx_mov_gv_ev32},
	{op_mov_eb_ib, tx_mov_eb_ib}, {op_mov_ev_iv, tx_mov_ev_iv}, {op_mov_rb_ib, tx_mov_rb_ib},
	{op_mov_rv_iv16, tx_mov_rv_iv16}, {op_mov_rv_iv32, tx_mov_rv_iv32},
	{op_mov_al_ob, tx_mov_al_ob}, {op_mov_eax_ov, tx_mov_eax_ov}, {op_mov_ob_al, tx_mov_ob_al},
	{op_mov_ov_eax, tx_mov_ov_eax}, {op_lea_gv_m, tx_lea_gv_m},
	{op_movzx_gv_eb, tx_movzx_gv_eb}, {op_movzx_gv_ew, tx_movzx_gv_ew},
	{op_movsx_gv_eb, tx_movsx_gv_eb}, {op_movsx_gv_ew, tx_movsx_gv_ew},
	{op_nop, tx_nop}, {op_xchg_eax_rv, tx_xchg_eax_rv}, {op_xchg_ev_gv, tx_xchg_ev_gv},
	{op_cbw, tx_cbw}, {op_cwd, tx_cwd}, {op_cld, tx_cld}, {op_std, tx_std},
	ALU_ENT(add), ALU_ENT(or), ALU_ENT(adc), ALU_ENT(sbb), ALU_ENT(and), ALU_ENT(sub),
	ALU_ENT(xor), ALU_ENT(cmp), ALU_ENT(test),
	{op_inc_rv16, tx_inc_rv16}, {op_inc_rv32, tx_inc_rv32}, {op_dec_rv16, tx_dec_rv16},
	{op_dec_rv32, tx_dec_rv32}, {op_inc_eb, tx_inc_eb}, {op_dec_eb, tx_dec_eb},
	{op_inc_ev16, tx_inc_ev16}, {op_inc_ev32, tx_inc_ev32}, {op_dec_ev16, tx_dec_ev16},
	{op_dec_ev32, tx_dec_ev32},
	{op_not_eb, tx_not_eb}, {op_not_ev16, tx_not_ev16}, {op_not_ev32, tx_not_ev32},
	{op_neg_eb, tx_neg_eb}, {op_neg_ev16, tx_neg_ev16}, {op_neg_ev32, tx_neg_ev32},
	{op_shl_eb_ib, tx_shl_eb_ib}, {op_shr_eb_ib, tx_shr_eb_ib}, {op_sar_eb_ib, tx_sar_eb_ib},
	{op_shl_ev_ib16, tx_shl_ev_ib16}, {op_shr_ev_ib16, tx_shr_ev_ib16},
	{op_sar_ev_ib16, tx_sar_ev_ib16}, {op_shl_ev_ib32, tx_shl_ev_ib32},
	{op_shr_ev_ib32, tx_shr_ev_ib32}, {op_sar_ev_ib32, tx_sar_ev_ib32},
	{op_rol_ev_ib32, tx_rol_ev_ib32}, {op_ror_ev_ib32, tx_ror_ev_ib32}, {op_rdtsc, tx_rdtsc},
	{op_shl_ev_cl32, tx_shl_ev_cl32}, {op_shr_ev_cl32, tx_shr_ev_cl32},
	{op_sar_ev_cl32, tx_sar_ev_cl32},
	{op_imul_gv_ev32, tx_imul_gv_ev32}, {op_imul_gv_ev_iv32, tx_imul_gv_ev_iv32},
	{op_mul_ev32, tx_mul_ev32}, {op_imul_ev32, tx_imul_ev32}, {op_div_ev32, tx_div_ev32},
	{op_setcc_eb, tx_setcc_eb}, {op_cmovcc_gv_ev, tx_cmovcc_gv_ev},
};
const size_t jit_op_count = ARRAY_SIZE(jit_op_table);

#endif
