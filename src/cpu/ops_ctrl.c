/* ops_ctrl.c: control transfer handlers: Jcc, JMP, CALL, RET (near and far, direct and
 * indirect), LOOP/LOOPE/LOOPNE/JCXZ, INT n/INT3/INTO/INT1, IRET, ENTER/LEAVE, BOUND.
 * Reference: Intel SDM vol. 2 (each instruction). Near targets are checked against the
 * CS limit before anything changes (#GP(0)); with a 16-bit operand size EIP wraps to 16
 * bits. Far transfers are in far.c, interrupt delivery in except.c. */
#include "cpu/alu.h"
#include "cpu/ops.h"

static inline bool o32(const Insn *d) { return d->flags & INSN_O32; }

static inline void go(Cpu *c, const Insn *d, u32 target)
{
	if (!o32(d))
		target &= 0xFFFF;
	check_cs_limit(c, target);
	c->eip = target;
}

void op_jmp_jb(Cpu *c, const Insn *d) { go(c, d, c->eip + d->disp); }

void op_call_jv(Cpu *c, const Insn *d)
{
	u32 target = c->eip + d->disp;
	if (!o32(d))
		target &= 0xFFFF;
	check_cs_limit(c, target);
	pushv(c, c->eip, o32(d));
	c->eip = target;
}
void op_call_ev(Cpu *c, const Insn *d)
{
	u32 target = rd_ev(c, d);
	check_cs_limit(c, target);
	pushv(c, c->eip, o32(d));
	c->eip = target;
}
void op_jmp_ev(Cpu *c, const Insn *d) { go(c, d, rd_ev(c, d)); }

void op_ret(Cpu *c, const Insn *d)
{
	u32 sp = get_sp(c);
	u32 target = o32(d) ? rd32(c, SEG_SS, sp) : rd16(c, SEG_SS, sp);
	check_cs_limit(c, target);
	set_sp(c, sp + (o32(d) ? 4 : 2));
	c->eip = target;
}
void op_ret_iw(Cpu *c, const Insn *d)
{
	u32 sp = get_sp(c);
	u32 target = o32(d) ? rd32(c, SEG_SS, sp) : rd16(c, SEG_SS, sp);
	check_cs_limit(c, target);
	set_sp(c, sp + (o32(d) ? 4 : 2) + (d->imm & 0xFFFF));
	c->eip = target;
}

/* LOOP family: the counter is CX or ECX by address size. */
static inline u32 dec_count(Cpu *c, const Insn *d)
{
	if (d->flags & INSN_A32)
		return --c->r[R_ECX];
	u32 n = (R16(c, R_ECX) - 1u) & 0xFFFF;
	set_r16(c, R_ECX, n);
	return n;
}
void op_loop_jb(Cpu *c, const Insn *d)
{
	if (dec_count(c, d))
		go(c, d, c->eip + d->disp);
}
void op_loope_jb(Cpu *c, const Insn *d)
{
	u32 n = dec_count(c, d);
	if (n && cpu_cond(c, 4))
		go(c, d, c->eip + d->disp);
}
void op_loopne_jb(Cpu *c, const Insn *d)
{
	u32 n = dec_count(c, d);
	if (n && cpu_cond(c, 5))
		go(c, d, c->eip + d->disp);
}
void op_jcxz_jb(Cpu *c, const Insn *d)
{
	if ((c->r[R_ECX] & d->amask) == 0)
		go(c, d, c->eip + d->disp);
}

/* ---- far ---- */
/* A completed far transfer, for the CP's branch trace (cpdebug.c): from where. */
static inline void far_done(Cpu *c, int kind, u16 from_cs)
{
	if (unlikely(c->dbg_on & DBG_ON_BRANCH))
		dbg_branch_event(c, kind, from_cs, c->eip_insn);
}
void op_jmp_ap(Cpu *c, const Insn *d)
{
	u16 cs = c->seg[SEG_CS].sel;
	far_jmp(c, d->imm2, d->imm);
	far_done(c, CPU_BR_JMP, cs);
}
void op_call_ap(Cpu *c, const Insn *d)
{
	u16 cs = c->seg[SEG_CS].sel;
	far_call(c, d->imm2, d->imm, o32(d));
	far_done(c, CPU_BR_CALL, cs);
}
void op_jmp_ep(Cpu *c, const Insn *d)
{
	u16 cs = c->seg[SEG_CS].sel;
	u32 ea = ea_of(c, d);
	u32 off = o32(d) ? rd32(c, d->seg, ea) : rd16(c, d->seg, ea);
	u16 sel = (u16)rd16(c, d->seg, (ea + (o32(d) ? 4 : 2)) & d->amask);
	far_jmp(c, sel, off);
	far_done(c, CPU_BR_JMP, cs);
}
void op_call_ep(Cpu *c, const Insn *d)
{
	u16 cs = c->seg[SEG_CS].sel;
	u32 ea = ea_of(c, d);
	u32 off = o32(d) ? rd32(c, d->seg, ea) : rd16(c, d->seg, ea);
	u16 sel = (u16)rd16(c, d->seg, (ea + (o32(d) ? 4 : 2)) & d->amask);
	far_call(c, sel, off, o32(d));
	far_done(c, CPU_BR_CALL, cs);
}
void op_retf(Cpu *c, const Insn *d)
{
	u16 cs = c->seg[SEG_CS].sel;
	far_ret(c, 0, o32(d));
	far_done(c, CPU_BR_RET, cs);
}
void op_retf_iw(Cpu *c, const Insn *d)
{
	u16 cs = c->seg[SEG_CS].sel;
	far_ret(c, d->imm & 0xFFFF, o32(d));
	far_done(c, CPU_BR_RET, cs);
}
void op_iret(Cpu *c, const Insn *d)
{
	u16 cs = c->seg[SEG_CS].sel;
	far_iret(c, o32(d));
	c->brk = 1; /* IF or TF may have changed */
	far_done(c, CPU_BR_IRET, cs);
}

/* ---- software interrupts (traps: the pushed EIP is the next instruction's) ---- */
void op_int_ib(Cpu *c, const Insn *d)
{
	cpu_interrupt(c, (int)(d->imm & 0xFF), 1, false, 0, false);
	c->stats.interrupts++;
}
void op_int3(Cpu *c, const Insn *d)
{
	(void)d;
	cpu_interrupt(c, EXC_BP, 2, false, 0, false);
}
void op_into(Cpu *c, const Insn *d)
{
	(void)d;
	if (cpu_eflags(c) & FLAG_OF)
		cpu_interrupt(c, EXC_OF, 2, false, 0, false);
}
/* F1: ICEBP / INT1, a single-byte #DB trap without the gate DPL check. It is delivered
 * as a debug exception, not as a software interrupt, so an error code naming its IDT
 * entry has EXT = 1 (SDM vol. 3A 6.13: EXT is clear only for INT n, INT3 and INTO;
 * Bochs agrees). DR6 is left alone. */
void op_int1(Cpu *c, const Insn *d)
{
	(void)d;
	cpu_interrupt(c, EXC_DB, 3, false, 0, true);
}

/* BOUND Gv,Ma: #BR (a fault) when the signed index is outside [lower, upper]. */
void op_bound_gv_ma(Cpu *c, const Insn *d)
{
	u32 ea = ea_of(c, d);
	if (o32(d)) {
		s32 lo = (s32)rd32(c, d->seg, ea);
		s32 hi = (s32)rd32(c, d->seg, (ea + 4) & d->amask);
		s32 v = (s32)R32(c, d->reg);
		if (v < lo || v > hi)
			cpu_fault_noerr(c, EXC_BR);
	} else {
		s16 lo = (s16)rd16(c, d->seg, ea);
		s16 hi = (s16)rd16(c, d->seg, (ea + 2) & d->amask);
		s16 v = (s16)R16(c, d->reg);
		if (v < lo || v > hi)
			cpu_fault_noerr(c, EXC_BR);
	}
}

/* ENTER Iw,Ib (SDM vol. 2 ENTER): push (E)BP; the frame pointer is (E)SP after that
 * push (all of ESP for a 32-bit operand, whatever the stack size); with a nesting level,
 * copy level-1 frame pointers from [(E)BP - n], [(E)BP - 2n] ... (E)BP stepping by the
 * stack's address size, then push the frame pointer; then (E)SP -= size by the stack's
 * size, and the new stack top must take a write of the operand size: the segment limit
 * (#SS(0)) and the page (#PF, as a write would, SDM "a write using the final value of
 * the stack pointer") are checked though nothing is written there. (E)BP and (E)SP
 * change only after every check, so a fault leaves them as they were (the bytes pushed
 * below ESP may stay written, which no program can tell). */
void op_enter_iw_ib(Cpu *c, const Insn *d)
{
	u32 size = d->imm & 0xFFFF, level = d->imm2 & 31;
	bool o = o32(d);
	int n = o ? 4 : 2;
	u32 m = sp_mask(c);
	u32 sp = (c->r[R_ESP] - (u32)n) & m, bp = c->r[R_EBP];
	wrv(c, SEG_SS, sp, bp, n);
	u32 frame = (c->r[R_ESP] & ~m) | sp;
	if (level > 0) {
		for (u32 i = 1; i < level; i++) {
			bp = (bp & ~m) | ((bp - (u32)n) & m);
			u32 v = rdv(c, SEG_SS, bp & m, n);
			sp = (sp - (u32)n) & m;
			wrv(c, SEG_SS, sp, v, n);
		}
		sp = (sp - (u32)n) & m;
		wrv(c, SEG_SS, sp, frame, n);
	}
	sp = (sp - size) & m;
	rmw_prep(c, SEG_SS, sp, n); /* limit and page checks of a write at the new top */
	if (o)
		c->r[R_EBP] = frame;
	else
		set_r16(c, R_EBP, frame);
	set_sp(c, sp);
}

void op_leave(Cpu *c, const Insn *d)
{
	u32 bp = c->r[R_EBP] & sp_mask(c);
	u32 v = rdv(c, SEG_SS, bp, o32(d) ? 4 : 2);
	set_sp(c, bp + (o32(d) ? 4 : 2));
	if (o32(d))
		c->r[R_EBP] = v;
	else
		set_r16(c, R_EBP, v);
}

/* rel16/rel32 form (E9): same semantics, wider displacement */
void op_jmp_jv(Cpu *c, const Insn *d) { go(c, d, c->eip + d->disp); }

/* Jcc with the condition fixed per handler (the decoder picks one by opcode), so the
 * lazy-flag test folds to a compare or two. */
#define JCC_HANDLERS(name, cc)                                                          \
	void op_j##name##_jb(Cpu *c, const Insn *d)                                     \
	{                                                                               \
		if (cond_eval(c, cc))                                                   \
			go(c, d, c->eip + d->disp);                                     \
	}                                                                               \
	void op_j##name##_jv(Cpu *c, const Insn *d)                                     \
	{                                                                               \
		if (cond_eval(c, cc))                                                   \
			go(c, d, c->eip + d->disp);                                     \
	}
JCC_HANDLERS(o, 0)
JCC_HANDLERS(no, 1)
JCC_HANDLERS(b, 2)
JCC_HANDLERS(ae, 3)
JCC_HANDLERS(e, 4)
JCC_HANDLERS(ne, 5)
JCC_HANDLERS(be, 6)
JCC_HANDLERS(a, 7)
JCC_HANDLERS(s, 8)
JCC_HANDLERS(ns, 9)
JCC_HANDLERS(p, 10)
JCC_HANDLERS(np, 11)
JCC_HANDLERS(l, 12)
JCC_HANDLERS(ge, 13)
JCC_HANDLERS(le, 14)
JCC_HANDLERS(g, 15)
