/* alu.h: operand access for ModRM forms and the arithmetic primitives shared by the
 * opcode handler files (ops_*.c). Sizes are given as an index: 0 byte, 1 word, 2 dword.
 * The primitives record lazy flags (flags.c) and return the truncated result. */
#ifndef VMCP_CPU_ALU_H
#define VMCP_CPU_ALU_H

#include "cpu/internal.h"

static inline u32 sz_mask(int sz) { return sz == 0 ? 0xFFu : sz == 1 ? 0xFFFFu : 0xFFFFFFFFu; }

/* ---- E (ModRM r/m) and G (ModRM reg) operands ---- */
static inline u32 rd_eb(Cpu *c, const Insn *d)
{
	return (d->flags & INSN_MEM) ? rd8(c, d->seg, ea_of(c, d)) : R8(c, d->rm);
}
static inline u32 rd_ew(Cpu *c, const Insn *d)
{
	return (d->flags & INSN_MEM) ? rd16(c, d->seg, ea_of(c, d)) : R16(c, d->rm);
}
static inline u32 rd_ed(Cpu *c, const Insn *d)
{
	return (d->flags & INSN_MEM) ? rd32(c, d->seg, ea_of(c, d)) : R32(c, d->rm);
}
static inline u32 rd_ev(Cpu *c, const Insn *d)
{
	return (d->flags & INSN_O32) ? rd_ed(c, d) : rd_ew(c, d);
}
static inline void wr_eb(Cpu *c, const Insn *d, u32 v)
{
	if (d->flags & INSN_MEM)
		wr8(c, d->seg, ea_of(c, d), v);
	else
		R8(c, d->rm) = (u8)v;
}
static inline void wr_ew(Cpu *c, const Insn *d, u32 v)
{
	if (d->flags & INSN_MEM)
		wr16(c, d->seg, ea_of(c, d), v);
	else
		set_r16(c, d->rm, v);
}
static inline void wr_ed(Cpu *c, const Insn *d, u32 v)
{
	if (d->flags & INSN_MEM)
		wr32(c, d->seg, ea_of(c, d), v);
	else
		R32(c, d->rm) = v;
}
static inline void wr_ev(Cpu *c, const Insn *d, u32 v)
{
	if (d->flags & INSN_O32)
		wr_ed(c, d, v);
	else
		wr_ew(c, d, v);
}
/* A register of operand size sz (index or byte offset as decoded). */
static inline u32 rd_reg(Cpu *c, int r, int sz)
{
	return sz == 0 ? R8(c, r) : sz == 1 ? R16(c, r) : R32(c, r);
}
static inline void wr_reg(Cpu *c, int r, int sz, u32 v)
{
	if (sz == 0)
		R8(c, r) = (u8)v;
	else if (sz == 1)
		set_r16(c, r, v);
	else
		R32(c, r) = v;
}
static inline int opsz(const Insn *d) { return (d->flags & INSN_O32) ? 2 : 1; }

/* ---- primitives ---- */
static inline u32 alu_add(Cpu *c, u32 a, u32 b, int sz)
{
	u32 m = sz_mask(sz);
	a &= m;
	b &= m;
	u32 r = (a + b) & m;
	cc_set(c, CC(CCK_ADD, sz), a, b, r);
	return r;
}
static inline u32 alu_adc(Cpu *c, u32 a, u32 b, int sz)
{
	u32 m = sz_mask(sz), cin = get_cf(c);
	a &= m;
	b &= m;
	u32 r = (a + b + cin) & m;
	cc_set(c, CC(cin ? CCK_ADC : CCK_ADD, sz), a, b, r);
	return r;
}
static inline u32 alu_sub(Cpu *c, u32 a, u32 b, int sz)
{
	u32 m = sz_mask(sz);
	a &= m;
	b &= m;
	u32 r = (a - b) & m;
	cc_set(c, CC(CCK_SUB, sz), a, b, r);
	return r;
}
static inline u32 alu_sbb(Cpu *c, u32 a, u32 b, int sz)
{
	u32 m = sz_mask(sz), cin = get_cf(c);
	a &= m;
	b &= m;
	u32 r = (a - b - cin) & m;
	cc_set(c, CC(cin ? CCK_SBB : CCK_SUB, sz), a, b, r);
	return r;
}
static inline u32 alu_and(Cpu *c, u32 a, u32 b, int sz)
{
	u32 r = a & b & sz_mask(sz);
	cc_set(c, CC(CCK_LOGIC, sz), 0, 0, r);
	return r;
}
static inline u32 alu_or(Cpu *c, u32 a, u32 b, int sz)
{
	u32 r = (a | b) & sz_mask(sz);
	cc_set(c, CC(CCK_LOGIC, sz), 0, 0, r);
	return r;
}
static inline u32 alu_xor(Cpu *c, u32 a, u32 b, int sz)
{
	u32 r = (a ^ b) & sz_mask(sz);
	cc_set(c, CC(CCK_LOGIC, sz), 0, 0, r);
	return r;
}
/* INC/DEC keep CF: park it in c->eflags first. */
static inline void park_cf(Cpu *c)
{
	c->eflags = (c->eflags & ~FLAG_CF) | (get_cf(c) ? FLAG_CF : 0);
}
static inline u32 alu_inc(Cpu *c, u32 a, u32 b, int sz)
{
	(void)b;
	u32 m = sz_mask(sz);
	park_cf(c);
	a &= m;
	u32 r = (a + 1) & m;
	cc_set(c, CC(CCK_INC, sz), a, 1, r);
	return r;
}
static inline u32 alu_dec(Cpu *c, u32 a, u32 b, int sz)
{
	(void)b;
	u32 m = sz_mask(sz);
	park_cf(c);
	a &= m;
	u32 r = (a - 1) & m;
	cc_set(c, CC(CCK_DEC, sz), a, 1, r);
	return r;
}

#endif
