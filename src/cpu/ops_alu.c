/* ops_alu.c: integer arithmetic and logic handlers: ADD OR ADC SBB AND SUB XOR CMP in
 * all their forms (00-3D, group 1), TEST, INC/DEC, NOT/NEG, MUL/IMUL/DIV/IDIV
 * (group 3, 69, 6B, 0F AF), and the decimal adjusts (DAA DAS AAA AAS AAM AAD, SALC).
 * Reference: Intel SDM vol. 2, each instruction's page; flags per its "Flags Affected".
 * Where the SDM leaves flags undefined, the choices below follow what 286/386 parts do
 * as far as the SingleStepTests data shows; masked cases are documented in
 * tests/cpu/sst-exclusions.txt. */
#include "cpu/alu.h"
#include "cpu/ops.h"

/* ---- the eight binary operations, in every ModRM/immediate form ---- */
#define ALU_FORMS(name, FN, WRITE)                                                      \
	void op_##name##_eb_gb(Cpu *c, const Insn *d)                                   \
	{                                                                               \
		u32 b = R8(c, d->reg);                                                  \
		if (d->flags & INSN_MEM) {                                              \
			u32 ea = ea_of(c, d);                                           \
			if (WRITE) {                                                    \
				RmwRef m = rmw_prep(c, d->seg, ea, 1);                  \
				rmw_wr(c, &m, FN(c, rmw_rd(c, &m, 1), b, 0), 1);        \
			} else {                                                        \
				FN(c, rd8(c, d->seg, ea), b, 0);                        \
			}                                                               \
		} else {                                                                \
			u32 r = FN(c, R8(c, d->rm), b, 0);                              \
			if (WRITE)                                                      \
				R8(c, d->rm) = (u8)r;                                   \
		}                                                                       \
	}                                                                               \
	void op_##name##_ev_gv16(Cpu *c, const Insn *d)                                 \
	{                                                                               \
		u32 b = R16(c, d->reg);                                                 \
		if (d->flags & INSN_MEM) {                                              \
			u32 ea = ea_of(c, d);                                           \
			if (WRITE) {                                                    \
				RmwRef m = rmw_prep(c, d->seg, ea, 2);                  \
				rmw_wr(c, &m, FN(c, rmw_rd(c, &m, 2), b, 1), 2);        \
			} else {                                                        \
				FN(c, rd16(c, d->seg, ea), b, 1);                       \
			}                                                               \
		} else {                                                                \
			u32 r = FN(c, R16(c, d->rm), b, 1);                             \
			if (WRITE)                                                      \
				set_r16(c, d->rm, r);                                   \
		}                                                                       \
	}                                                                               \
	void op_##name##_ev_gv32(Cpu *c, const Insn *d)                                 \
	{                                                                               \
		u32 b = R32(c, d->reg);                                                 \
		if (d->flags & INSN_MEM) {                                              \
			u32 ea = ea_of(c, d);                                           \
			if (WRITE) {                                                    \
				RmwRef m = rmw_prep(c, d->seg, ea, 4);                  \
				rmw_wr(c, &m, FN(c, rmw_rd(c, &m, 4), b, 2), 4);        \
			} else {                                                        \
				FN(c, rd32(c, d->seg, ea), b, 2);                       \
			}                                                               \
		} else {                                                                \
			u32 r = FN(c, R32(c, d->rm), b, 2);                             \
			if (WRITE)                                                      \
				R32(c, d->rm) = r;                                      \
		}                                                                       \
	}                                                                               \
	void op_##name##_gb_eb(Cpu *c, const Insn *d)                                   \
	{                                                                               \
		u32 r = FN(c, R8(c, d->reg), rd_eb(c, d), 0);                           \
		if (WRITE)                                                              \
			R8(c, d->reg) = (u8)r;                                          \
	}                                                                               \
	void op_##name##_gv_ev16(Cpu *c, const Insn *d)                                 \
	{                                                                               \
		u32 r = FN(c, R16(c, d->reg), rd_ew(c, d), 1);                          \
		if (WRITE)                                                              \
			set_r16(c, d->reg, r);                                          \
	}                                                                               \
	void op_##name##_gv_ev32(Cpu *c, const Insn *d)                                 \
	{                                                                               \
		u32 r = FN(c, R32(c, d->reg), rd_ed(c, d), 2);                          \
		if (WRITE)                                                              \
			R32(c, d->reg) = r;                                             \
	}                                                                               \
	void op_##name##_al_ib(Cpu *c, const Insn *d)                                   \
	{                                                                               \
		u32 r = FN(c, R8(c, 0), d->imm, 0);                                     \
		if (WRITE)                                                              \
			R8(c, 0) = (u8)r;                                               \
	}                                                                               \
	void op_##name##_eax_iv16(Cpu *c, const Insn *d)                                \
	{                                                                               \
		u32 r = FN(c, R16(c, R_EAX), d->imm, 1);                                \
		if (WRITE)                                                              \
			set_r16(c, R_EAX, r);                                           \
	}                                                                               \
	void op_##name##_eax_iv32(Cpu *c, const Insn *d)                                \
	{                                                                               \
		u32 r = FN(c, R32(c, R_EAX), d->imm, 2);                                \
		if (WRITE)                                                              \
			R32(c, R_EAX) = r;                                              \
	}                                                                               \
	void op_##name##_eb_ib(Cpu *c, const Insn *d)                                   \
	{                                                                               \
		if (d->flags & INSN_MEM) {                                              \
			u32 ea = ea_of(c, d);                                           \
			if (WRITE) {                                                    \
				RmwRef m = rmw_prep(c, d->seg, ea, 1);                  \
				rmw_wr(c, &m, FN(c, rmw_rd(c, &m, 1), d->imm, 0), 1);   \
			} else {                                                        \
				FN(c, rd8(c, d->seg, ea), d->imm, 0);                   \
			}                                                               \
		} else {                                                                \
			u32 r = FN(c, R8(c, d->rm), d->imm, 0);                         \
			if (WRITE)                                                      \
				R8(c, d->rm) = (u8)r;                                   \
		}                                                                       \
	}                                                                               \
	void op_##name##_ev_iv16(Cpu *c, const Insn *d)                                 \
	{                                                                               \
		if (d->flags & INSN_MEM) {                                              \
			u32 ea = ea_of(c, d);                                           \
			if (WRITE) {                                                    \
				RmwRef m = rmw_prep(c, d->seg, ea, 2);                  \
				rmw_wr(c, &m, FN(c, rmw_rd(c, &m, 2), d->imm, 1), 2);   \
			} else {                                                        \
				FN(c, rd16(c, d->seg, ea), d->imm, 1);                  \
			}                                                               \
		} else {                                                                \
			u32 r = FN(c, R16(c, d->rm), d->imm, 1);                        \
			if (WRITE)                                                      \
				set_r16(c, d->rm, r);                                   \
		}                                                                       \
	}                                                                               \
	void op_##name##_ev_iv32(Cpu *c, const Insn *d)                                 \
	{                                                                               \
		if (d->flags & INSN_MEM) {                                              \
			u32 ea = ea_of(c, d);                                           \
			if (WRITE) {                                                    \
				RmwRef m = rmw_prep(c, d->seg, ea, 4);                  \
				rmw_wr(c, &m, FN(c, rmw_rd(c, &m, 4), d->imm, 2), 4);   \
			} else {                                                        \
				FN(c, rd32(c, d->seg, ea), d->imm, 2);                  \
			}                                                               \
		} else {                                                                \
			u32 r = FN(c, R32(c, d->rm), d->imm, 2);                        \
			if (WRITE)                                                      \
				R32(c, d->rm) = r;                                      \
		}                                                                       \
	}

ALU_FORMS(add, alu_add, 1)
ALU_FORMS(or, alu_or, 1)
ALU_FORMS(adc, alu_adc, 1)
ALU_FORMS(sbb, alu_sbb, 1)
ALU_FORMS(and, alu_and, 1)
ALU_FORMS(sub, alu_sub, 1)
ALU_FORMS(xor, alu_xor, 1)
ALU_FORMS(cmp, alu_sub, 0)
ALU_FORMS(test, alu_and, 0)

/* ---- INC/DEC ---- */
void op_inc_rv16(Cpu *c, const Insn *d) { set_r16(c, d->reg, alu_inc(c, R16(c, d->reg), 0, 1)); }
void op_inc_rv32(Cpu *c, const Insn *d) { R32(c, d->reg) = alu_inc(c, R32(c, d->reg), 0, 2); }
void op_dec_rv16(Cpu *c, const Insn *d) { set_r16(c, d->reg, alu_dec(c, R16(c, d->reg), 0, 1)); }
void op_dec_rv32(Cpu *c, const Insn *d) { R32(c, d->reg) = alu_dec(c, R32(c, d->reg), 0, 2); }

/* Unary read-modify-write of E with result = FN(c, value, sz). */
#define UNARY_FORMS(name, FN)                                                           \
	void op_##name##_eb(Cpu *c, const Insn *d)                                      \
	{                                                                               \
		if (d->flags & INSN_MEM) {                                              \
			RmwRef m = rmw_prep(c, d->seg, ea_of(c, d), 1);                 \
			rmw_wr(c, &m, FN(c, rmw_rd(c, &m, 1), 0), 1);                   \
		} else {                                                                \
			R8(c, d->rm) = (u8)FN(c, R8(c, d->rm), 0);                      \
		}                                                                       \
	}                                                                               \
	void op_##name##_ev16(Cpu *c, const Insn *d)                                    \
	{                                                                               \
		if (d->flags & INSN_MEM) {                                              \
			RmwRef m = rmw_prep(c, d->seg, ea_of(c, d), 2);                 \
			rmw_wr(c, &m, FN(c, rmw_rd(c, &m, 2), 1), 2);                   \
		} else {                                                                \
			set_r16(c, d->rm, FN(c, R16(c, d->rm), 1));                     \
		}                                                                       \
	}                                                                               \
	void op_##name##_ev32(Cpu *c, const Insn *d)                                    \
	{                                                                               \
		if (d->flags & INSN_MEM) {                                              \
			RmwRef m = rmw_prep(c, d->seg, ea_of(c, d), 4);                 \
			rmw_wr(c, &m, FN(c, rmw_rd(c, &m, 4), 2), 4);                   \
		} else {                                                                \
			R32(c, d->rm) = FN(c, R32(c, d->rm), 2);                        \
		}                                                                       \
	}

static inline u32 u_inc(Cpu *c, u32 v, int sz) { return alu_inc(c, v, 1, sz); }
static inline u32 u_dec(Cpu *c, u32 v, int sz) { return alu_dec(c, v, 1, sz); }
static inline u32 u_not(Cpu *c, u32 v, int sz) { (void)c; return ~v & sz_mask(sz); }
static inline u32 u_neg(Cpu *c, u32 v, int sz) { return alu_sub(c, 0, v, sz); }
UNARY_FORMS(inc, u_inc)
UNARY_FORMS(dec, u_dec)
UNARY_FORMS(not, u_not)
UNARY_FORMS(neg, u_neg)

/* ---- multiply ---- */
/* MUL/IMUL: CF = OF = "the upper half is significant"; SF ZF PF from the low half (the
 * SDM says undefined; AF reads 0). */
static void mul_flags(Cpu *c, u32 lo, int sz, bool wide)
{
	cc_set(c, CC(CCK_SZPCO, sz), wide, wide, lo & sz_mask(sz));
}

void op_mul_eb(Cpu *c, const Insn *d)
{
	u32 r = (u32)R8(c, 0) * rd_eb(c, d);
	set_r16(c, R_EAX, r);
	mul_flags(c, r, 0, (r >> 8) != 0);
}
void op_mul_ev16(Cpu *c, const Insn *d)
{
	u32 r = (u32)R16(c, R_EAX) * rd_ew(c, d);
	set_r16(c, R_EAX, r);
	set_r16(c, R_EDX, r >> 16);
	mul_flags(c, r, 1, (r >> 16) != 0);
}
void op_mul_ev32(Cpu *c, const Insn *d)
{
	u64 r = (u64)R32(c, R_EAX) * rd_ed(c, d);
	R32(c, R_EAX) = (u32)r;
	R32(c, R_EDX) = (u32)(r >> 32);
	mul_flags(c, (u32)r, 2, (r >> 32) != 0);
}
void op_imul_eb(Cpu *c, const Insn *d)
{
	s32 r = (s32)(s8)R8(c, 0) * (s8)rd_eb(c, d);
	set_r16(c, R_EAX, r);
	mul_flags(c, (u32)r, 0, r != (s8)r);
}
void op_imul_ev16(Cpu *c, const Insn *d)
{
	s32 r = (s32)(s16)R16(c, R_EAX) * (s16)rd_ew(c, d);
	set_r16(c, R_EAX, r);
	set_r16(c, R_EDX, (u32)r >> 16);
	mul_flags(c, (u32)r, 1, r != (s16)r);
}
void op_imul_ev32(Cpu *c, const Insn *d)
{
	s64 r = (s64)(s32)R32(c, R_EAX) * (s32)rd_ed(c, d);
	R32(c, R_EAX) = (u32)r;
	R32(c, R_EDX) = (u32)((u64)r >> 32);
	mul_flags(c, (u32)r, 2, r != (s32)r);
}
/* IMUL Gv,Ev,Iv / Gv,Ev,Ib (imm already sign-extended) and IMUL Gv,Ev (0F AF) */
void op_imul_gv_ev_iv16(Cpu *c, const Insn *d)
{
	s32 r = (s32)(s16)rd_ew(c, d) * (s16)d->imm;
	set_r16(c, d->reg, r);
	mul_flags(c, (u32)r, 1, r != (s16)r);
}
void op_imul_gv_ev_iv32(Cpu *c, const Insn *d)
{
	s64 r = (s64)(s32)rd_ed(c, d) * (s32)d->imm;
	R32(c, d->reg) = (u32)r;
	mul_flags(c, (u32)r, 2, r != (s32)r);
}
void op_imul_gv_ev16(Cpu *c, const Insn *d)
{
	s32 r = (s32)(s16)rd_ew(c, d) * (s16)R16(c, d->reg);
	set_r16(c, d->reg, r);
	mul_flags(c, (u32)r, 1, r != (s16)r);
}
void op_imul_gv_ev32(Cpu *c, const Insn *d)
{
	s64 r = (s64)(s32)rd_ed(c, d) * (s32)R32(c, d->reg);
	R32(c, d->reg) = (u32)r;
	mul_flags(c, (u32)r, 2, r != (s32)r);
}

/* ---- divide: #DE (a fault: EIP of the DIV) on a zero divisor or a quotient that does
 * not fit. Flags are undefined; they are left unchanged. ---- */
void op_div_eb(Cpu *c, const Insn *d)
{
	u32 v = rd_eb(c, d), a = R16(c, R_EAX);
	if (v == 0 || a / v > 0xFF)
		cpu_fault_noerr(c, EXC_DE);
	R8(c, 0) = (u8)(a / v);
	R8(c, 1) = (u8)(a % v);
}
void op_div_ev16(Cpu *c, const Insn *d)
{
	u32 v = rd_ew(c, d), a = (u32)R16(c, R_EDX) << 16 | R16(c, R_EAX);
	if (v == 0 || a / v > 0xFFFF)
		cpu_fault_noerr(c, EXC_DE);
	set_r16(c, R_EAX, a / v);
	set_r16(c, R_EDX, a % v);
}
void op_div_ev32(Cpu *c, const Insn *d)
{
	u64 v = rd_ed(c, d), a = (u64)R32(c, R_EDX) << 32 | R32(c, R_EAX);
	if (v == 0 || a / v > 0xFFFFFFFFu)
		cpu_fault_noerr(c, EXC_DE);
	R32(c, R_EAX) = (u32)(a / v);
	R32(c, R_EDX) = (u32)(a % v);
}
void op_idiv_eb(Cpu *c, const Insn *d)
{
	s32 v = (s8)rd_eb(c, d), a = (s16)R16(c, R_EAX);
	if (v == 0)
		cpu_fault_noerr(c, EXC_DE);
	s32 q = a / v, r = a % v;
	if (q > 127 || q < -128)
		cpu_fault_noerr(c, EXC_DE);
	R8(c, 0) = (u8)q;
	R8(c, 1) = (u8)r;
}
void op_idiv_ev16(Cpu *c, const Insn *d)
{
	s32 v = (s16)rd_ew(c, d);
	s32 a = (s32)((u32)R16(c, R_EDX) << 16 | R16(c, R_EAX));
	if (v == 0)
		cpu_fault_noerr(c, EXC_DE);
	s64 q = (s64)a / v, r = (s64)a % v;
	if (q > 32767 || q < -32768)
		cpu_fault_noerr(c, EXC_DE);
	set_r16(c, R_EAX, q);
	set_r16(c, R_EDX, r);
}
void op_idiv_ev32(Cpu *c, const Insn *d)
{
	s64 v = (s32)rd_ed(c, d);
	s64 a = (s64)((u64)R32(c, R_EDX) << 32 | R32(c, R_EAX));
	if (v == 0)
		cpu_fault_noerr(c, EXC_DE);
	if (a == INT64_MIN && v == -1)
		cpu_fault_noerr(c, EXC_DE);
	s64 q = a / v, r = a % v;
	if (q > INT32_MAX || q < INT32_MIN)
		cpu_fault_noerr(c, EXC_DE);
	R32(c, R_EAX) = (u32)q;
	R32(c, R_EDX) = (u32)r;
}

/* ---- decimal adjust (SDM vol. 2 pseudo-code, 386 forms: AAA/AAS adjust AX) ---- */
void op_daa(Cpu *c, const Insn *d)
{
	u32 f = cpu_eflags(c), al = R8(c, 0), old_al = al;
	bool cf, af = false;
	/* (the SDM's carry from this first step is overwritten by the second) */
	if ((al & 0xF) > 9 || (f & FLAG_AF)) {
		al = (al + 6) & 0xFF;
		af = true;
	}
	if (old_al > 0x99 || (f & FLAG_CF)) {
		al = (al + 0x60) & 0xFF;
		cf = true;
	} else {
		cf = false;
	}
	R8(c, 0) = (u8)al;
	/* OF undefined: a 286/386 sets it as an ADD of the adjustment would */
	u32 of = ((old_al ^ al) & (al ^ ((al - old_al) & 0xFF)) & 0x80) ? FLAG_OF : 0;
	flags_set_arith(c, FLAGS_OSZAPC, flags_szp(al, 0) | (cf ? FLAG_CF : 0) |
						 (af ? FLAG_AF : 0) | of);
	(void)d;
}
void op_das(Cpu *c, const Insn *d)
{
	u32 f = cpu_eflags(c), al = R8(c, 0), old_al = al;
	bool cf = false, af = false;
	if ((al & 0xF) > 9 || (f & FLAG_AF)) {
		cf = (f & FLAG_CF) || al < 6;
		al = (al - 6) & 0xFF;
		af = true;
	}
	if (old_al > 0x99 || (f & FLAG_CF)) {
		al = (al - 0x60) & 0xFF;
		cf = true;
	}
	R8(c, 0) = (u8)al;
	u32 of = ((old_al ^ al) & (old_al ^ ((old_al - al) & 0xFF)) & 0x80) ? FLAG_OF : 0;
	flags_set_arith(c, FLAGS_OSZAPC, flags_szp(al, 0) | (cf ? FLAG_CF : 0) |
						 (af ? FLAG_AF : 0) | of);
	(void)d;
}
void op_aaa(Cpu *c, const Insn *d)
{
	u32 f = cpu_eflags(c);
	bool adj = (R8(c, 0) & 0xF) > 9 || (f & FLAG_AF);
	if (adj)
		set_r16(c, R_EAX, R16(c, R_EAX) + 0x106);
	R8(c, 0) &= 0xF;
	flags_set_arith(c, FLAGS_OSZAPC,
			flags_szp(R8(c, 0), 0) | (adj ? FLAG_AF | FLAG_CF : 0));
	(void)d;
}
void op_aas(Cpu *c, const Insn *d)
{
	u32 f = cpu_eflags(c);
	bool adj = (R8(c, 0) & 0xF) > 9 || (f & FLAG_AF);
	if (adj) {
		set_r16(c, R_EAX, R16(c, R_EAX) - 6);
		R8(c, 1) = (u8)(R8(c, 1) - 1);
	}
	R8(c, 0) &= 0xF;
	flags_set_arith(c, FLAGS_OSZAPC,
			flags_szp(R8(c, 0), 0) | (adj ? FLAG_AF | FLAG_CF : 0));
	(void)d;
}
void op_aam_ib(Cpu *c, const Insn *d)
{
	u32 base = d->imm & 0xFF, al = R8(c, 0);
	if (!base) {
		/* the flags are undefined; 286 parts leave ZF/PF of AL and SF clear */
		flags_set_arith(c, FLAG_SF | FLAG_ZF | FLAG_PF, flags_szp(al, 0) & ~FLAG_SF);
		cpu_fault_noerr(c, EXC_DE);
	}
	R8(c, 1) = (u8)(al / base);
	R8(c, 0) = (u8)(al % base);
	flags_set_arith(c, FLAGS_OSZAPC, flags_szp(R8(c, 0), 0));
}
void op_aad_ib(Cpu *c, const Insn *d)
{
	u32 base = d->imm & 0xFF;
	/* flags as the ADD of AL and AH*base that the 286/386 microcode performs */
	u32 a = R8(c, 0), b = (R8(c, 1) * base) & 0xFF;
	u32 r = alu_add(c, a, b, 0);
	R8(c, 0) = (u8)r;
	R8(c, 1) = 0;
}
/* SALC (D6, undocumented on the 8086-P6): AL = CF ? FF : 00, flags unchanged. */
void op_salc(Cpu *c, const Insn *d)
{
	R8(c, 0) = get_cf(c) ? 0xFF : 0;
	(void)d;
}
