/* ops_shift.c: shifts and rotates (group 2: C0 C1 D0-D3), the double shifts SHLD/SHRD,
 * bit test and modify (BT BTS BTR BTC), bit scans (BSF BSR).
 * Reference: Intel SDM vol. 2 (SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR, SHLD, SHRD, BT*, BSF,
 * BSR). Counts are masked to 5 bits (80286 and later). A masked count of 0 changes
 * nothing, flags included. RCL/RCR on bytes and words rotate through 9/17 bits. */
#include "cpu/alu.h"
#include "cpu/ops.h"

enum { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR };

/* One shift or rotate; op is a constant in each handler below, so this folds. Rotates
 * change only CF and OF (the other flags are made concrete first); shifts set lazy
 * flags of the CCK_SZPCO kind. */
static inline __attribute__((always_inline)) u32 shift(Cpu *c, int op, u32 v, u32 cnt, int sz)
{
	u32 bits = 8u << sz, m = sz_mask(sz), msb = bits - 1;
	v &= m;
	cnt &= 31;
	if (!cnt)
		return v;
	u32 r, cf, of;
	switch (op) {
	case SH_ROL: {
		u32 n = cnt & msb;
		r = n ? ((v << n) | (v >> (bits - n))) & m : v;
		cf = r & 1;
		of = (r >> msb ^ cf) & 1;
		break;
	}
	case SH_ROR: {
		u32 n = cnt & msb;
		r = n ? ((v >> n) | (v << (bits - n))) & m : v;
		cf = r >> msb & 1;
		of = (r >> msb ^ r >> (msb - 1)) & 1;
		break;
	}
	case SH_RCL: {
		flags_materialize(c);
		u32 n = sz == 2 ? cnt : cnt % (bits + 1);
		u64 w = (u64)(c->eflags & FLAG_CF) << bits | v; /* bits+1 wide */
		u64 wm = ((u64)1 << (bits + 1)) - 1;
		if (n)
			w = ((w << n) | (w >> (bits + 1 - n))) & wm;
		r = (u32)w & m;
		cf = (u32)(w >> bits) & 1;
		of = (r >> msb ^ cf) & 1;
		break;
	}
	case SH_RCR: {
		flags_materialize(c);
		u32 n = sz == 2 ? cnt : cnt % (bits + 1);
		u64 w = (u64)(c->eflags & FLAG_CF) << bits | v;
		u64 wm = ((u64)1 << (bits + 1)) - 1;
		if (n)
			w = ((w >> n) | (w << (bits + 1 - n))) & wm;
		r = (u32)w & m;
		cf = (u32)(w >> bits) & 1;
		of = (r >> msb ^ r >> (msb - 1)) & 1;
		break;
	}
	case SH_SHL:
	case SH_SAL:
		r = (u32)(((u64)v << cnt) & m);
		cf = cnt <= bits ? (u32)(((u64)v << cnt) >> bits) & 1 : 0;
		of = (r >> msb ^ cf) & 1;
		cc_set(c, CC(CCK_SZPCO, sz), cf, of, r);
		return r;
	case SH_SHR:
		r = cnt < bits ? v >> cnt : 0;
		cf = cnt <= bits ? v >> (cnt - 1) & 1 : 0;
		/* OF: the sign bit before the last one-bit step (defined for a count of 1,
		 * where it is the original sign; 286 parts give this for any count) */
		of = cnt <= bits ? (v >> (cnt - 1)) >> msb & 1 : 0;
		cc_set(c, CC(CCK_SZPCO, sz), cf, of, r);
		return r;
	default: { /* SAR */
		s32 sv = (s32)(v << (32 - bits)) >> (32 - bits);
		u32 n = cnt < bits ? cnt : bits - 1;
		r = (u32)(sv >> n) & m;
		cf = (u32)(sv >> (cnt - 1 < bits ? cnt - 1 : bits - 1)) & 1;
		cc_set(c, CC(CCK_SZPCO, sz), cf, 0, r);
		return r;
	}
	}
	flags_materialize(c);
	c->eflags = (c->eflags & ~(FLAG_CF | FLAG_OF)) | (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0);
	return r;
}

static inline __attribute__((always_inline)) void grp2(Cpu *c, const Insn *d, int op, int sz,
							  u32 cnt)
{
	if (d->flags & INSN_MEM) {
		RmwRef m = rmw_prep(c, d->seg, ea_of(c, d), 1 << sz);
		u32 v = rmw_rd(c, &m, 1 << sz);
		rmw_wr(c, &m, shift(c, op, v, cnt, sz), 1 << sz);
	} else {
		wr_reg(c, d->rm, sz, shift(c, op, rd_reg(c, d->rm, sz), cnt, sz));
	}
}

/* C0/C1 (count Ib), D0/D1 (count 1, decoded into imm), D2/D3 (count CL): one handler
 * per operation and operand size. */
#define GRP2_FORMS(name, OP)                                                            \
	void op_##name##_eb_ib(Cpu *c, const Insn *d) { grp2(c, d, OP, 0, d->imm); }    \
	void op_##name##_ev_ib16(Cpu *c, const Insn *d) { grp2(c, d, OP, 1, d->imm); }  \
	void op_##name##_ev_ib32(Cpu *c, const Insn *d) { grp2(c, d, OP, 2, d->imm); }  \
	void op_##name##_eb_cl(Cpu *c, const Insn *d) { grp2(c, d, OP, 0, R8(c, 4)); }  \
	void op_##name##_ev_cl16(Cpu *c, const Insn *d) { grp2(c, d, OP, 1, R8(c, 4)); } \
	void op_##name##_ev_cl32(Cpu *c, const Insn *d) { grp2(c, d, OP, 2, R8(c, 4)); }

GRP2_FORMS(rol, SH_ROL)
GRP2_FORMS(ror, SH_ROR)
GRP2_FORMS(rcl, SH_RCL)
GRP2_FORMS(rcr, SH_RCR)
GRP2_FORMS(shl, SH_SHL)
GRP2_FORMS(shr, SH_SHR)
GRP2_FORMS(sar, SH_SAR)

/* ---- SHLD / SHRD ---- */
static u32 dshift(Cpu *c, bool left, u32 dst, u32 src, u32 cnt, int sz)
{
	u32 bits = 8u << sz, m = sz_mask(sz), msb = bits - 1;
	u32 r, cf;
	if (left) {
		u64 w0 = (u64)dst << (64 - bits) | (u64)src << (64 - 2 * bits);
		r = (u32)((w0 << cnt) >> (64 - bits)) & m;
		cf = (u32)(w0 >> (64 - cnt)) & 1;
	} else {
		u64 w = (u64)src << bits | dst;
		r = (u32)(w >> cnt) & m;
		cf = (u32)(w >> (cnt - 1)) & 1;
	}
	u32 of = (r ^ dst) >> msb & 1;
	flags_set_arith(c, FLAGS_OSZAPC, flags_szp(r, sz) | (cf ? FLAG_CF : 0) |
						 (of ? FLAG_OF : 0));
	return r;
}

static void shxd(Cpu *c, const Insn *d, bool left, u32 cnt)
{
	int sz = opsz(d), n = 1 << sz;
	cnt &= 31;
	u32 src = rd_reg(c, d->reg, sz);
	if (d->flags & INSN_MEM) {
		RmwRef m = rmw_prep(c, d->seg, ea_of(c, d), n);
		u32 v = rmw_rd(c, &m, n);
		if (cnt)
			rmw_wr(c, &m, dshift(c, left, v, src, cnt, sz), n);
	} else if (cnt) {
		wr_reg(c, d->rm, sz, dshift(c, left, rd_reg(c, d->rm, sz), src, cnt, sz));
	}
}

void op_shld_ev_gv_ib(Cpu *c, const Insn *d) { shxd(c, d, true, d->imm); }
void op_shld_ev_gv_cl(Cpu *c, const Insn *d) { shxd(c, d, true, R8(c, 4)); }
void op_shrd_ev_gv_ib(Cpu *c, const Insn *d) { shxd(c, d, false, d->imm); }
void op_shrd_ev_gv_cl(Cpu *c, const Insn *d) { shxd(c, d, false, R8(c, 4)); }

/* ---- BT/BTS/BTR/BTC: CF = the bit; the others are undefined and left alone. With a
 * register bit offset and a memory operand the offset selects any bit relative to the
 * operand's address (signed). ---- */
enum { BT_TEST, BT_SET, BT_RESET, BT_COMP };

static void bitop(Cpu *c, const Insn *d, int kind, u32 off, bool reg_off)
{
	int sz = opsz(d), n = 1 << sz;
	u32 bits = 8u << sz;
	u32 bit;
	u32 v, r;
	if (d->flags & INSN_MEM) {
		u32 ea = ea_of(c, d);
		if (reg_off) {
			s32 so = sz == 2 ? (s32)off : (s16)off;
			ea = (ea + (u32)((so >> (sz == 2 ? 5 : 4)) * n)) & d->amask;
		}
		bit = off & (bits - 1);
		if (kind == BT_TEST) {
			v = rdv(c, d->seg, ea, n);
		} else {
			RmwRef m = rmw_prep(c, d->seg, ea, n);
			v = rmw_rd(c, &m, n);
			r = kind == BT_SET ? v | 1u << bit : kind == BT_RESET ? v & ~(1u << bit)
									      : v ^ 1u << bit;
			rmw_wr(c, &m, r, n);
		}
	} else {
		bit = off & (bits - 1);
		v = rd_reg(c, d->rm, sz);
		r = kind == BT_SET ? v | 1u << bit : kind == BT_RESET ? v & ~(1u << bit)
			: kind == BT_COMP ? v ^ 1u << bit : v;
		if (kind != BT_TEST)
			wr_reg(c, d->rm, sz, r);
	}
	flags_set_arith(c, FLAG_CF, (v >> bit & 1) ? FLAG_CF : 0);
}

void op_bt_ev_gv(Cpu *c, const Insn *d) { bitop(c, d, BT_TEST, rd_reg(c, d->reg, opsz(d)), true); }
void op_bts_ev_gv(Cpu *c, const Insn *d) { bitop(c, d, BT_SET, rd_reg(c, d->reg, opsz(d)), true); }
void op_btr_ev_gv(Cpu *c, const Insn *d) { bitop(c, d, BT_RESET, rd_reg(c, d->reg, opsz(d)), true); }
void op_btc_ev_gv(Cpu *c, const Insn *d) { bitop(c, d, BT_COMP, rd_reg(c, d->reg, opsz(d)), true); }
void op_bt_ev_ib(Cpu *c, const Insn *d) { bitop(c, d, BT_TEST, d->imm & 0xFF, false); }
void op_bts_ev_ib(Cpu *c, const Insn *d) { bitop(c, d, BT_SET, d->imm & 0xFF, false); }
void op_btr_ev_ib(Cpu *c, const Insn *d) { bitop(c, d, BT_RESET, d->imm & 0xFF, false); }
void op_btc_ev_ib(Cpu *c, const Insn *d) { bitop(c, d, BT_COMP, d->imm & 0xFF, false); }

/* BSF/BSR: ZF = (source == 0); the destination is left unchanged then (as real parts
 * do; the SDM says undefined). */
void op_bsf_gv_ev(Cpu *c, const Insn *d)
{
	int sz = opsz(d);
	u32 v = rd_ev(c, d);
	if (!v) {
		flags_set_arith(c, FLAG_ZF, FLAG_ZF);
		return;
	}
	wr_reg(c, d->reg, sz, (u32)__builtin_ctz(v));
	flags_set_arith(c, FLAG_ZF, 0);
}
void op_bsr_gv_ev(Cpu *c, const Insn *d)
{
	int sz = opsz(d);
	u32 v = rd_ev(c, d);
	if (!v) {
		flags_set_arith(c, FLAG_ZF, FLAG_ZF);
		return;
	}
	wr_reg(c, d->reg, sz, 31u - (u32)__builtin_clz(v));
	flags_set_arith(c, FLAG_ZF, 0);
}
