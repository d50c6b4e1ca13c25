/* jit_x64.h: a small x86-64 machine-code encoder for the translator (jit.c, jit_ops.c).
 *
 * It writes host instructions into a buffer: the integer instructions the translations
 * need, with register or memory operands ([base + index*scale + disp32], no RIP-relative
 * forms), operand sizes 8/16/32/64, short and near branches with labels patched later.
 * Encoding: Intel SDM vol. 2, chapter 2 (REX prefixes, ModRM and SIB, 2.2.1) and the
 * opcode maps of appendix A. Byte registers are always the low bytes (AL, CL, ..., with a
 * REX prefix for SPL..R15B); AH-BH are never used. Running out of room sets a flag that
 * the caller checks once per translation (the bytes past the end are never written). */
#ifndef VMCP_CPU_JIT_X64_H
#define VMCP_CPU_JIT_X64_H

#include <string.h>

#include "base/base.h"

enum { HRAX, HRCX, HRDX, HRBX, HRSP, HRBP, HRSI, HRDI, HR8, HR9, HR10, HR11, HR12, HR13, HR14, HR15 };
#define HNONE (-1)

/* Host condition codes (the low nibble of Jcc/SETcc/CMOVcc), the same order as the guest's. */
enum { HCC_O, HCC_NO, HCC_B, HCC_AE, HCC_E, HCC_NE, HCC_BE, HCC_A, HCC_S, HCC_NS, HCC_P, HCC_NP,
       HCC_L, HCC_GE, HCC_LE, HCC_G };

typedef struct Emit {
	u8 *p, *end;
	bool full;
} Emit;

/* An r/m operand: a register, or memory [base + index*scale + disp]. */
typedef struct XOp {
	s8 reg;   /* register operand, or HNONE for memory */
	s8 base;  /* HNONE: none (not supported without an index) */
	s8 index; /* HNONE: none */
	u8 scale; /* 0-3 */
	s32 disp;
} XOp;

static inline XOp xr(int r) { return (XOp){(s8)r, HNONE, HNONE, 0, 0}; }
static inline XOp xm(int base, s32 disp) { return (XOp){HNONE, (s8)base, HNONE, 0, disp}; }
static inline XOp xmi(int base, int index, int scale, s32 disp)
{
	return (XOp){HNONE, (s8)base, (s8)index, (u8)scale, disp};
}

static inline void e8(Emit *e, u32 b)
{
	if (e->p < e->end)
		*e->p++ = (u8)b;
	else
		e->full = true;
}
static inline void e32(Emit *e, u32 v)
{
	e8(e, v);
	e8(e, v >> 8);
	e8(e, v >> 16);
	e8(e, v >> 24);
}
static inline void e64(Emit *e, u64 v)
{
	e32(e, (u32)v);
	e32(e, (u32)(v >> 32));
}

/* Operand sizes: 1, 2, 4, 8 bytes. */
static inline bool fits8(s64 v) { return v >= -128 && v <= 127; }

/* Emits prefixes, REX, opcode (1-3 bytes, high byte first for 0F xx), ModRM/SIB/disp for
 * reg field r (a register number or an opcode extension /0-/7) and operand m. */
/* rbyte / mbyte: the reg field / the register operand m names a byte register (SPL,
 * BPL, SIL, DIL then need a REX prefix). */
static void x_modrm2(Emit *e, int size, u32 opc, int opclen, int r, XOp m, bool rbyte, bool mbyte)
{
	u8 rex = 0;
	if (size == 8)
		rex |= 0x48;
	if (r >= 8)
		rex |= 0x44;
	if (m.reg != HNONE) {
		if (m.reg >= 8)
			rex |= 0x41;
		if (mbyte && m.reg >= 4 && m.reg < 8)
			rex |= 0x40;
	} else {
		if (m.base != HNONE && m.base >= 8)
			rex |= 0x41;
		if (m.index != HNONE && m.index >= 8)
			rex |= 0x42;
	}
	if (rbyte && r >= 4 && r < 8)
		rex |= 0x40;
	if (size == 2)
		e8(e, 0x66);
	if (rex)
		e8(e, rex);
	for (int i = opclen - 1; i >= 0; i--)
		e8(e, opc >> (8 * i));
	u32 rr = (u32)(r & 7) << 3;
	if (m.reg != HNONE) {
		e8(e, 0xC0 | rr | (u32)(m.reg & 7));
		return;
	}
	if (m.base == HNONE) {
		/* [index*scale + disp32] */
		e8(e, rr | 4);
		e8(e, (u32)m.scale << 6 | (u32)(m.index & 7) << 3 | 5);
		e32(e, (u32)m.disp);
		return;
	}
	int b = m.base & 7;
	u32 mod = (m.disp == 0 && b != HRBP) ? 0 : fits8(m.disp) ? 1 : 2;
	if (m.index != HNONE || b == HRSP) {
		int ix = m.index == HNONE ? HRSP : m.index;
		e8(e, mod << 6 | rr | 4);
		e8(e, (u32)m.scale << 6 | (u32)(ix & 7) << 3 | (u32)b);
	} else {
		e8(e, mod << 6 | rr | (u32)b);
	}
	if (mod == 1)
		e8(e, (u32)m.disp);
	else if (mod == 2)
		e32(e, (u32)m.disp);
}

static inline void x_modrm(Emit *e, int size, u32 opc, int opclen, int r, XOp m)
{
	x_modrm2(e, size, opc, opclen, r, m, size == 1, size == 1);
}

/* The classic ALU group: ADD OR ADC SBB AND SUB XOR CMP, as numbered in ModRM.reg. */
enum { XA_ADD, XA_OR, XA_ADC, XA_SBB, XA_AND, XA_SUB, XA_XOR, XA_CMP };

/* op r/m, reg */
static inline void x_alu_mr(Emit *e, int size, int aop, XOp m, int r)
{
	x_modrm(e, size, (u32)(aop << 3) | (size == 1 ? 0 : 1), 1, r, m);
}
/* op reg, r/m */
static inline void x_alu_rm(Emit *e, int size, int aop, int r, XOp m)
{
	x_modrm(e, size, (u32)(aop << 3) | (size == 1 ? 2 : 3), 1, r, m);
}
/* op r/m, imm */
static inline void x_alu_mi(Emit *e, int size, int aop, XOp m, s32 imm)
{
	if (size == 1) {
		x_modrm(e, 1, 0x80, 1, aop, m);
		e8(e, (u32)imm);
	} else if (fits8(imm)) {
		x_modrm(e, size, 0x83, 1, aop, m);
		e8(e, (u32)imm);
	} else {
		x_modrm(e, size, 0x81, 1, aop, m);
		if (size == 2) {
			e8(e, (u32)imm);
			e8(e, (u32)imm >> 8);
		} else {
			e32(e, (u32)imm);
		}
	}
}

/* MOV */
static inline void x_mov_mr(Emit *e, int size, XOp m, int r) { x_modrm(e, size, size == 1 ? 0x88 : 0x89, 1, r, m); }
static inline void x_mov_rm(Emit *e, int size, int r, XOp m) { x_modrm(e, size, size == 1 ? 0x8A : 0x8B, 1, r, m); }
static inline void x_mov_rr(Emit *e, int size, int dst, int src) { x_mov_mr(e, size, xr(dst), src); }
/* MOV r/m, imm (sign-extended imm32 for size 8) */
static inline void x_mov_mi(Emit *e, int size, XOp m, u32 imm)
{
	x_modrm(e, size, size == 1 ? 0xC6 : 0xC7, 1, 0, m);
	if (size == 1)
		e8(e, imm);
	else if (size == 2) {
		e8(e, imm);
		e8(e, imm >> 8);
	} else
		e32(e, imm);
}
/* MOV r32, imm32 (zero-extends) */
static inline void x_mov_ri32(Emit *e, int r, u32 imm)
{
	if (r >= 8)
		e8(e, 0x41);
	e8(e, 0xB8 + (u32)(r & 7));
	e32(e, imm);
}
/* MOV r64, imm64 (shorter forms when the value allows) */
static inline void x_mov_ri64(Emit *e, int r, u64 imm)
{
	if (imm <= 0xFFFFFFFFu) {
		x_mov_ri32(e, r, (u32)imm);
		return;
	}
	e8(e, 0x48 | (r >= 8 ? 1 : 0));
	e8(e, 0xB8 + (u32)(r & 7));
	e64(e, imm);
}
/* MOVZX r32, r/m8 or r/m16; MOVSX likewise */
static inline void x_movzx(Emit *e, int srcsize, int r, XOp m)
{
	x_modrm2(e, 4, srcsize == 1 ? 0x0FB6 : 0x0FB7, 2, r, m, false, srcsize == 1);
}
static inline void x_movsx(Emit *e, int srcsize, int r, XOp m)
{
	x_modrm2(e, 4, srcsize == 1 ? 0x0FBE : 0x0FBF, 2, r, m, false, srcsize == 1);
}
/* LEA r, [m] (size 4 or 8) */
static inline void x_lea(Emit *e, int size, int r, XOp m) { x_modrm(e, size, 0x8D, 1, r, m); }

/* TEST r/m, reg; TEST r/m, imm */
static inline void x_test_mr(Emit *e, int size, XOp m, int r) { x_modrm(e, size, size == 1 ? 0x84 : 0x85, 1, r, m); }
static inline void x_test_mi(Emit *e, int size, XOp m, u32 imm)
{
	x_modrm(e, size, size == 1 ? 0xF6 : 0xF7, 1, 0, m);
	if (size == 1)
		e8(e, imm);
	else if (size == 2) {
		e8(e, imm);
		e8(e, imm >> 8);
	} else
		e32(e, imm);
}

/* Group 3 / group 4-5 single-operand forms: NOT /2, NEG /3, MUL /4, IMUL /5, DIV /6,
 * IDIV /7 (F6/F7); INC /0, DEC /1 (FE/FF). */
static inline void x_grp3(Emit *e, int size, int ext, XOp m) { x_modrm(e, size, size == 1 ? 0xF6 : 0xF7, 1, ext, m); }
static inline void x_inc(Emit *e, int size, XOp m) { x_modrm(e, size, size == 1 ? 0xFE : 0xFF, 1, 0, m); }
static inline void x_dec(Emit *e, int size, XOp m) { x_modrm(e, size, size == 1 ? 0xFE : 0xFF, 1, 1, m); }

/* Shifts and rotates: ROL 0 ROR 1 RCL 2 RCR 3 SHL 4 SHR 5 SAR 7 by an immediate or CL. */
static inline void x_shift_i(Emit *e, int size, int ext, XOp m, u32 cnt)
{
	if (cnt == 1) {
		x_modrm(e, size, size == 1 ? 0xD0 : 0xD1, 1, ext, m);
	} else {
		x_modrm(e, size, size == 1 ? 0xC0 : 0xC1, 1, ext, m);
		e8(e, cnt);
	}
}
static inline void x_shift_cl(Emit *e, int size, int ext, XOp m) { x_modrm(e, size, size == 1 ? 0xD2 : 0xD3, 1, ext, m); }

/* IMUL r, r/m (size 2, 4, 8) */
static inline void x_imul_rm(Emit *e, int size, int r, XOp m) { x_modrm(e, size, 0x0FAF, 2, r, m); }

/* IMUL r, r/m, imm (size 2, 4) */
static inline void x_imul_rmi(Emit *e, int size, int r, XOp m, u32 imm)
{
	if (fits8((s32)imm)) {
		x_modrm(e, size, 0x6B, 1, r, m);
		e8(e, imm);
	} else {
		x_modrm(e, size, 0x69, 1, r, m);
		if (size == 2) {
			e8(e, imm);
			e8(e, imm >> 8);
		} else {
			e32(e, imm);
		}
	}
}

/* SETcc r/m8; CMOVcc r, r/m; BT r/m, imm8; BSWAP r32 */
static inline void x_setcc(Emit *e, int cc, XOp m) { x_modrm2(e, 4, 0x0F90 + (u32)cc, 2, 0, m, false, true); }
static inline void x_cmov(Emit *e, int size, int cc, int r, XOp m) { x_modrm(e, size, 0x0F40 + (u32)cc, 2, r, m); }
static inline void x_bt_i(Emit *e, int size, XOp m, u32 bit)
{
	x_modrm(e, size, 0x0FBA, 2, 4, m);
	e8(e, bit);
}
static inline void x_bswap(Emit *e, int r)
{
	if (r >= 8)
		e8(e, 0x41);
	e8(e, 0x0F);
	e8(e, 0xC8 + (u32)(r & 7));
}
static inline void x_xchg_rr(Emit *e, int size, int a, int b) { x_modrm(e, size, size == 1 ? 0x86 : 0x87, 1, a, xr(b)); }

/* RORX r32, r/m32, imm8 (BMI2; leaves the flags alone) */
static inline void x_rorx(Emit *e, int r, int m, u32 imm)
{
	/* VEX.LZ.F2.0F3A.W0 F0 /r ib */
	e8(e, 0xC4);
	e8(e, (u32)((r >= 8 ? 0 : 0x80) | 0x40 | (m >= 8 ? 0 : 0x20) | 0x03));
	e8(e, 0x7B); /* W0, vvvv = 1111, L0, pp = F2 */
	e8(e, 0xF0);
	e8(e, 0xC0 | (u32)(r & 7) << 3 | (u32)(m & 7));
	e8(e, imm);
}

static inline void x_stc(Emit *e) { e8(e, 0xF9); }
static inline void x_clc(Emit *e) { e8(e, 0xF8); }
static inline void x_cmc(Emit *e) { e8(e, 0xF5); }
static inline void x_cdq(Emit *e) { e8(e, 0x99); }
static inline void x_ret(Emit *e) { e8(e, 0xC3); }
static inline void x_push(Emit *e, int r)
{
	if (r >= 8)
		e8(e, 0x41);
	e8(e, 0x50 + (u32)(r & 7));
}
static inline void x_pop(Emit *e, int r)
{
	if (r >= 8)
		e8(e, 0x41);
	e8(e, 0x58 + (u32)(r & 7));
}
static inline void x_pushfq(Emit *e) { e8(e, 0x9C); }
static inline void x_popfq(Emit *e) { e8(e, 0x9D); }

/* CALL / JMP through a register */
static inline void x_call_r(Emit *e, int r) { x_modrm(e, 4, 0xFF, 1, 2, xr(r)); }
static inline void x_jmp_r(Emit *e, int r) { x_modrm(e, 4, 0xFF, 1, 4, xr(r)); }
/* A call to a C function: the address in RAX (no range assumptions). */
static inline void x_call_abs(Emit *e, const void *fn)
{
	x_mov_ri64(e, HRAX, (u64)(uintptr_t)fn);
	x_call_r(e, HRAX);
}

/* ---- branches: rel32 forms with a patchable label ---- */
/* A forward reference: the position of a rel32 field to fill in. */
typedef u8 *XFix;

/* JMP rel32 to a known target; returns the position of the rel32 field. */
static inline XFix x_jmp(Emit *e, const u8 *target)
{
	e8(e, 0xE9);
	XFix f = e->p;
	e32(e, target ? (u32)(target - (e->p + 4)) : 0);
	return f;
}
/* CALL rel32 to a known target */
static inline void x_call(Emit *e, const u8 *target)
{
	e8(e, 0xE8);
	e32(e, (u32)(target - (e->p + 4)));
}
/* Jcc rel32 */
static inline XFix x_jcc(Emit *e, int cc, const u8 *target)
{
	e8(e, 0x0F);
	e8(e, 0x80 + (u32)cc);
	XFix f = e->p;
	e32(e, target ? (u32)(target - (e->p + 4)) : 0);
	return f;
}
/* Points a rel32 field at target (both in the same buffer). */
static inline void x_fix(Emit *e, XFix f, const u8 *target)
{
	if (!f || e->full || f + 4 > e->end)
		return;
	s32 rel = (s32)(target - (f + 4));
	memcpy(f, &rel, 4);
}
/* Jcc rel8 (short), for local skips; returns the rel8 position. */
static inline u8 *x_jcc8(Emit *e, int cc)
{
	e8(e, 0x70 + (u32)cc);
	u8 *f = e->p;
	e8(e, 0);
	return f;
}
static inline u8 *x_jmp8(Emit *e)
{
	e8(e, 0xEB);
	u8 *f = e->p;
	e8(e, 0);
	return f;
}
/* JRCXZ rel8: jumps when RCX is zero, leaving the flags alone. */
static inline u8 *x_jrcxz8(Emit *e)
{
	e8(e, 0xE3);
	u8 *f = e->p;
	e8(e, 0);
	return f;
}
static inline void x_fix8(Emit *e, u8 *f)
{
	if (!f || e->full)
		return;
	ptrdiff_t rel = e->p - (f + 1);
	if (rel > 127 || rel < -128) {
		e->full = true; /* a translator bug: treated like a full buffer (no code used) */
		return;
	}
	*f = (u8)rel;
}

#endif
