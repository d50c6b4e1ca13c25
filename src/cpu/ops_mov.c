/* ops_mov.c: data movement and flag handlers: MOV (all forms but CRn/DRn), XCHG, LEA,
 * MOVZX/MOVSX, PUSH/POP (registers, segments, immediates, memory), PUSHA/POPA,
 * PUSHF/POPF, LAHF/SAHF, CBW/CWD, XLAT, LDS/LES/LSS/LFS/LGS, SETcc, CMOVcc, the flag
 * instructions CLC/STC/CMC/CLD/STD, and the i486/Pentium additions BSWAP, XADD,
 * CMPXCHG, CMPXCHG8B. Reference: Intel SDM vol. 2, each instruction.
 * MOV SS and POP SS hold off interrupts (and single-step traps) until the next
 * instruction has executed (SDM vol. 3A 6.8.3). */
#include "cpu/alu.h"
#include "cpu/ops.h"

static inline bool o32(const Insn *d) { return d->flags & INSN_O32; }

/* ---- MOV ---- */
void op_mov_eb_gb(Cpu *c, const Insn *d) { wr_eb(c, d, R8(c, d->reg)); }
void op_mov_ev_gv16(Cpu *c, const Insn *d)
{
	if (d->flags & INSN_MEM)
		wr16(c, d->seg, ea_of(c, d), R16(c, d->reg));
	else
		set_r16(c, d->rm, R16(c, d->reg));
}
void op_mov_ev_gv32(Cpu *c, const Insn *d)
{
	if (d->flags & INSN_MEM)
		wr32(c, d->seg, ea_of(c, d), R32(c, d->reg));
	else
		R32(c, d->rm) = R32(c, d->reg);
}
void op_mov_gb_eb(Cpu *c, const Insn *d) { R8(c, d->reg) = (u8)rd_eb(c, d); }
void op_mov_gv_ev16(Cpu *c, const Insn *d)
{
	if (d->flags & INSN_MEM)
		set_r16(c, d->reg, rd16(c, d->seg, ea_of(c, d)));
	else
		set_r16(c, d->reg, R16(c, d->rm));
}
void op_mov_gv_ev32(Cpu *c, const Insn *d)
{
	if (d->flags & INSN_MEM)
		R32(c, d->reg) = rd32(c, d->seg, ea_of(c, d));
	else
		R32(c, d->reg) = R32(c, d->rm);
}
void op_mov_eb_ib(Cpu *c, const Insn *d) { wr_eb(c, d, d->imm); }
void op_mov_ev_iv(Cpu *c, const Insn *d) { wr_ev(c, d, d->imm); }
void op_mov_rb_ib(Cpu *c, const Insn *d) { R8(c, d->reg) = (u8)d->imm; }
void op_mov_rv_iv16(Cpu *c, const Insn *d) { set_r16(c, d->reg, d->imm); }
void op_mov_rv_iv32(Cpu *c, const Insn *d) { R32(c, d->reg) = d->imm; }
/* moffs forms: the offset is in disp, the segment DS or the override */
void op_mov_al_ob(Cpu *c, const Insn *d) { R8(c, 0) = (u8)rd8(c, d->seg, d->disp); }
void op_mov_eax_ov(Cpu *c, const Insn *d)
{
	if (o32(d))
		R32(c, R_EAX) = rd32(c, d->seg, d->disp);
	else
		set_r16(c, R_EAX, rd16(c, d->seg, d->disp));
}
void op_mov_ob_al(Cpu *c, const Insn *d) { wr8(c, d->seg, d->disp, R8(c, 0)); }
void op_mov_ov_eax(Cpu *c, const Insn *d)
{
	if (o32(d))
		wr32(c, d->seg, d->disp, R32(c, R_EAX));
	else
		wr16(c, d->seg, d->disp, R16(c, R_EAX));
}

/* MOV Ew,Sw: a register destination with 32-bit operand size gets the selector
 * zero-extended (as on the Pentium Pro and later; the 386 leaves the top undefined). */
void op_mov_ew_sw(Cpu *c, const Insn *d)
{
	if (d->reg >= SEG_COUNT)
		UD(c);
	u32 sel = c->seg[d->reg].sel;
	if (d->flags & INSN_MEM)
		wr16(c, d->seg, ea_of(c, d), sel);
	else if (o32(d))
		R32(c, d->rm) = sel;
	else
		set_r16(c, d->rm, sel);
}
void op_mov_sw_ew(Cpu *c, const Insn *d)
{
	if (d->reg >= SEG_COUNT || d->reg == SEG_CS)
		UD(c);
	u16 sel = (u16)rd_ew(c, d);
	seg_load(c, d->reg, sel);
	if (d->reg == SEG_SS)
		c->inhibit_icount = c->icount + 1;
}

void op_lea_gv_m(Cpu *c, const Insn *d)
{
	u32 ea = ea_of(c, d);
	if (o32(d))
		R32(c, d->reg) = ea;
	else
		set_r16(c, d->reg, ea);
}

void op_movzx_gv_eb(Cpu *c, const Insn *d)
{
	u32 v = rd_eb(c, d);
	wr_reg(c, d->reg, opsz(d), v);
}
void op_movzx_gv_ew(Cpu *c, const Insn *d)
{
	u32 v = rd_ew(c, d);
	wr_reg(c, d->reg, opsz(d), v);
}
void op_movsx_gv_eb(Cpu *c, const Insn *d)
{
	u32 v = (u32)(s32)(s8)rd_eb(c, d);
	wr_reg(c, d->reg, opsz(d), v);
}
void op_movsx_gv_ew(Cpu *c, const Insn *d)
{
	u32 v = (u32)(s32)(s16)rd_ew(c, d);
	wr_reg(c, d->reg, opsz(d), v);
}

/* ---- XCHG ---- */
void op_xchg_eb_gb(Cpu *c, const Insn *d)
{
	u32 r = R8(c, d->reg);
	if (d->flags & INSN_MEM) {
		RmwRef m = rmw_prep(c, d->seg, ea_of(c, d), 1);
		u32 v = rmw_rd(c, &m, 1);
		rmw_wr(c, &m, r, 1);
		R8(c, d->reg) = (u8)v;
	} else {
		R8(c, d->reg) = R8(c, d->rm);
		R8(c, d->rm) = (u8)r;
	}
}
void op_xchg_ev_gv(Cpu *c, const Insn *d)
{
	int sz = opsz(d), n = 1 << sz;
	u32 r = rd_reg(c, d->reg, sz);
	if (d->flags & INSN_MEM) {
		RmwRef m = rmw_prep(c, d->seg, ea_of(c, d), n);
		u32 v = rmw_rd(c, &m, n);
		rmw_wr(c, &m, r, n);
		wr_reg(c, d->reg, sz, v);
	} else {
		wr_reg(c, d->reg, sz, rd_reg(c, d->rm, sz));
		wr_reg(c, d->rm, sz, r);
	}
}
void op_xchg_eax_rv(Cpu *c, const Insn *d)
{
	int sz = opsz(d);
	u32 a = rd_reg(c, R_EAX, sz);
	wr_reg(c, R_EAX, sz, rd_reg(c, d->reg, sz));
	wr_reg(c, d->reg, sz, a);
}
/* NOP, and PAUSE (F3 90, a NOP with REP: a spin-wait hint, a plain NOP on the P6):
 * with cpu_set_pause_exit, PAUSE ends cpu_run after it (CPU_EXIT_PAUSE), so that the
 * CPUs of a machine taking turns on one thread let the others run while one spins. */
void op_nop(Cpu *c, const Insn *d)
{
	if ((d->flags & INSN_REP) && c->pause_exit)
		cpu_signal_events(c, EV_PAUSE);
}

/* ---- stack ---- */
void op_push_rv16(Cpu *c, const Insn *d) { push16(c, R16(c, d->reg)); }
void op_push_rv32(Cpu *c, const Insn *d) { push32(c, R32(c, d->reg)); }
void op_pop_rv16(Cpu *c, const Insn *d)
{
	u32 v = pop16(c);
	set_r16(c, d->reg, v);
}
void op_pop_rv32(Cpu *c, const Insn *d)
{
	u32 v = pop32(c);
	R32(c, d->reg) = v;
}
void op_push_iv(Cpu *c, const Insn *d) { pushv(c, d->imm, o32(d)); }
void op_push_ev(Cpu *c, const Insn *d) { pushv(c, rd_ev(c, d), o32(d)); }

/* POP Ev: ESP is incremented before the destination's address is computed. */
void op_pop_ev(Cpu *c, const Insn *d)
{
	int n = o32(d) ? 4 : 2;
	u32 sp = get_sp(c);
	u32 v = rdv(c, SEG_SS, sp, n);
	if (d->flags & INSN_MEM) {
		u32 saved = c->r[R_ESP];
		set_sp(c, sp + (u32)n);
		u32 ea = ea_of(c, d);
		c->r[R_ESP] = saved;
		wrv(c, d->seg, ea, v, n);
		set_sp(c, sp + (u32)n);
	} else {
		set_sp(c, sp + (u32)n);
		wr_reg(c, d->rm, opsz(d), v);
	}
}

/* PUSH Sreg: with a 32-bit operand size a doubleword slot is used, but the selector is
 * written with a 16-bit move, leaving the slot's upper word as it was (the 386, the 486
 * and later Intel chips; the SDM allows either; Bochs does the same). The segment
 * number is in reg. */
void op_push_sreg(Cpu *c, const Insn *d)
{
	if (!o32(d)) {
		push16(c, c->seg[d->reg].sel);
		return;
	}
	u32 sp = (c->r[R_ESP] - 4) & sp_mask(c);
	wr16(c, SEG_SS, sp, c->seg[d->reg].sel);
	set_sp(c, sp);
}
/* POP Sreg: the pop, and so the ESP (or SP) update, is by the stack's size before the
 * load; POP SS loading a stack of the other size changes only how later accesses use
 * ESP. */
void op_pop_sreg(Cpu *c, const Insn *d)
{
	int n = o32(d) ? 4 : 2;
	u32 m = sp_mask(c);
	u32 sp = get_sp(c);
	u16 sel = (u16)rdv(c, SEG_SS, sp, n);
	seg_load(c, d->reg, sel);
	c->r[R_ESP] = (c->r[R_ESP] & ~m) | ((sp + (u32)n) & m);
	if (d->reg == SEG_SS)
		c->inhibit_icount = c->icount + 1;
}

void op_pusha(Cpu *c, const Insn *d)
{
	int n = o32(d) ? 4 : 2;
	u32 m = sp_mask(c), sp = c->r[R_ESP];
	u32 vals[8];
	for (int i = 0; i < 8; i++)
		vals[i] = c->r[i];
	for (int i = 0; i < 8; i++) {
		sp = (sp - (u32)n) & m;
		wrv(c, SEG_SS, sp, vals[i], n);
	}
	set_sp(c, sp);
}
void op_popa(Cpu *c, const Insn *d)
{
	int n = o32(d) ? 4 : 2, sz = opsz(d);
	u32 m = sp_mask(c), sp = get_sp(c);
	u32 vals[8];
	for (int i = 7; i >= 0; i--) {
		vals[i] = rdv(c, SEG_SS, sp, n);
		sp = (sp + (u32)n) & m;
	}
	for (int i = 0; i < 8; i++)
		if (i != R_ESP)
			wr_reg(c, i, sz, vals[i]);
	set_sp(c, sp);
}

/* ---- flags ---- */
void op_pushf(Cpu *c, const Insn *d)
{
	if (v86(c) && iopl(c) < 3)
		GP0(c);
	u32 f = cpu_eflags(c) & ~(u32)(FLAG_VM | FLAG_RF);
	pushv(c, f, o32(d));
}
void op_popf(Cpu *c, const Insn *d)
{
	if (v86(c) && iopl(c) < 3)
		GP0(c);
	u32 v = popv(c, o32(d));
	u32 mask = FLAGS_OSZAPC | FLAG_TF | FLAG_DF | FLAG_NT | FLAG_AC | FLAG_ID;
	if (!pmode(c) || (!v86(c) && c->cpl == 0))
		mask |= FLAG_IOPL | FLAG_IF;
	else if (c->cpl <= (u32)iopl(c) || v86(c))
		mask |= FLAG_IF;
	if (!o32(d))
		mask &= 0xFFFF;
	cpu_set_eflags(c, ((cpu_eflags(c) & ~mask) | (v & mask)) & ~(u32)FLAG_RF);
	c->brk = 1;
}
void op_sahf(Cpu *c, const Insn *d)
{
	(void)d;
	flags_set_arith(c, FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF | FLAG_CF, R8(c, 1));
}
void op_lahf(Cpu *c, const Insn *d)
{
	(void)d;
	R8(c, 1) = (u8)((cpu_eflags(c) & 0xD5) | 2);
}
void op_clc(Cpu *c, const Insn *d) { (void)d; flags_set_arith(c, FLAG_CF, 0); }
void op_stc(Cpu *c, const Insn *d) { (void)d; flags_set_arith(c, FLAG_CF, FLAG_CF); }
void op_cmc(Cpu *c, const Insn *d) { (void)d; flags_set_arith(c, FLAG_CF, get_cf(c) ? 0 : FLAG_CF); }
void op_cld(Cpu *c, const Insn *d) { (void)d; c->eflags &= ~FLAG_DF; }
void op_std(Cpu *c, const Insn *d) { (void)d; c->eflags |= FLAG_DF; }

/* ---- conversions ---- */
void op_cbw(Cpu *c, const Insn *d)
{
	if (o32(d))
		R32(c, R_EAX) = (u32)(s32)(s16)R16(c, R_EAX);
	else
		set_r16(c, R_EAX, (s16)(s8)R8(c, 0));
}
void op_cwd(Cpu *c, const Insn *d)
{
	if (o32(d))
		R32(c, R_EDX) = (R32(c, R_EAX) & 0x80000000u) ? 0xFFFFFFFFu : 0;
	else
		set_r16(c, R_EDX, (R16(c, R_EAX) & 0x8000) ? 0xFFFF : 0);
}
void op_xlat(Cpu *c, const Insn *d)
{
	R8(c, 0) = (u8)rd8(c, d->seg, (c->r[R_EBX] + R8(c, 0)) & d->amask);
}

/* ---- far pointers: LxS Gv,Mp (the segment is loaded, with its checks, first) ---- */
static void load_far_ptr(Cpu *c, const Insn *d, int segno)
{
	u32 ea = ea_of(c, d);
	int n = o32(d) ? 4 : 2;
	u32 off = rdv(c, d->seg, ea, n);
	u16 sel = (u16)rd16(c, d->seg, (ea + (u32)n) & d->amask);
	seg_load(c, segno, sel);
	wr_reg(c, d->reg, opsz(d), off);
	if (segno == SEG_SS)
		c->inhibit_icount = c->icount + 1;
}
void op_les_gv_mp(Cpu *c, const Insn *d) { load_far_ptr(c, d, SEG_ES); }
void op_lds_gv_mp(Cpu *c, const Insn *d) { load_far_ptr(c, d, SEG_DS); }
void op_lss_gv_mp(Cpu *c, const Insn *d) { load_far_ptr(c, d, SEG_SS); }
void op_lfs_gv_mp(Cpu *c, const Insn *d) { load_far_ptr(c, d, SEG_FS); }
void op_lgs_gv_mp(Cpu *c, const Insn *d) { load_far_ptr(c, d, SEG_GS); }

/* ---- conditional set / move ---- */
void op_setcc_eb(Cpu *c, const Insn *d) { wr_eb(c, d, cpu_cond(c, d->op & 15)); }
/* CMOVcc reads its source (and may fault on it) whatever the condition. */
void op_cmovcc_gv_ev(Cpu *c, const Insn *d)
{
	u32 v = rd_ev(c, d);
	if (cpu_cond(c, d->op & 15))
		wr_reg(c, d->reg, opsz(d), v);
}

/* ---- i486 and Pentium additions ---- */
void op_bswap_rd(Cpu *c, const Insn *d)
{
	if (o32(d))
		R32(c, d->reg) = __builtin_bswap32(R32(c, d->reg));
	else
		set_r16(c, d->reg, 0); /* BSWAP r16: undefined; Intel parts clear the word */
}
void op_xadd_eb_gb(Cpu *c, const Insn *d)
{
	u32 src = R8(c, d->reg);
	if (d->flags & INSN_MEM) {
		RmwRef m = rmw_prep(c, d->seg, ea_of(c, d), 1);
		u32 dst = rmw_rd(c, &m, 1);
		u32 sum = alu_add(c, dst, src, 0);
		rmw_wr(c, &m, sum, 1);
		R8(c, d->reg) = (u8)dst;
	} else {
		u32 dst = R8(c, d->rm);
		u32 sum = alu_add(c, dst, src, 0);
		R8(c, d->reg) = (u8)dst;
		R8(c, d->rm) = (u8)sum;
	}
}
void op_xadd_ev_gv(Cpu *c, const Insn *d)
{
	int sz = opsz(d), n = 1 << sz;
	u32 src = rd_reg(c, d->reg, sz);
	if (d->flags & INSN_MEM) {
		RmwRef m = rmw_prep(c, d->seg, ea_of(c, d), n);
		u32 dst = rmw_rd(c, &m, n);
		u32 sum = alu_add(c, dst, src, sz);
		rmw_wr(c, &m, sum, n);
		wr_reg(c, d->reg, sz, dst);
	} else {
		u32 dst = rd_reg(c, d->rm, sz);
		u32 sum = alu_add(c, dst, src, sz);
		wr_reg(c, d->reg, sz, dst);
		wr_reg(c, d->rm, sz, sum);
	}
}
static void cmpxchg(Cpu *c, const Insn *d, int sz)
{
	int n = 1 << sz;
	int acc = sz == 0 ? 0 : R_EAX;
	u32 src = rd_reg(c, d->reg, sz);
	if (d->flags & INSN_MEM) {
		RmwRef m = rmw_prep(c, d->seg, ea_of(c, d), n);
		u32 dst = rmw_rd(c, &m, n);
		alu_sub(c, rd_reg(c, acc, sz), dst, sz);
		if (c->cc_res == 0) {
			rmw_wr(c, &m, src, n);
		} else {
			rmw_wr(c, &m, dst, n); /* the destination is always written */
			wr_reg(c, acc, sz, dst);
		}
	} else {
		u32 dst = rd_reg(c, d->rm, sz);
		alu_sub(c, rd_reg(c, acc, sz), dst, sz);
		if (c->cc_res == 0)
			wr_reg(c, d->rm, sz, src);
		else
			wr_reg(c, acc, sz, dst);
	}
}
void op_cmpxchg_eb_gb(Cpu *c, const Insn *d) { cmpxchg(c, d, 0); }
void op_cmpxchg_ev_gv(Cpu *c, const Insn *d) { cmpxchg(c, d, opsz(d)); }

void op_cmpxchg8b_mq(Cpu *c, const Insn *d)
{
	u32 ea = ea_of(c, d);
	RmwRef lo = rmw_prep(c, d->seg, ea, 4);
	RmwRef hi = rmw_prep(c, d->seg, (ea + 4) & d->amask, 4);
	u32 vlo = rmw_rd(c, &lo, 4), vhi = rmw_rd(c, &hi, 4);
	if (vlo == c->r[R_EAX] && vhi == c->r[R_EDX]) {
		rmw_wr(c, &lo, c->r[R_EBX], 4);
		rmw_wr(c, &hi, c->r[R_ECX], 4);
		flags_set_arith(c, FLAG_ZF, FLAG_ZF);
	} else {
		rmw_wr(c, &lo, vlo, 4);
		rmw_wr(c, &hi, vhi, 4);
		c->r[R_EAX] = vlo;
		c->r[R_EDX] = vhi;
		flags_set_arith(c, FLAG_ZF, 0);
	}
}
