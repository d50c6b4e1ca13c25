/* fpu_env.c: the x87's control instructions and its state as software sees it whole:
 * FNINIT and RESET, FLDCW/FNSTCW, FNSTSW (memory and AX), FNCLEX, FLDENV/FNSTENV,
 * FRSTOR/FNSAVE in their four layouts, the tag word, and the state API of cpu.h.
 *
 * Reference: Intel SDM vol. 1 8.1.7 (tag word), 8.1.10 and figures 8-9 to 8-12 (the
 * environment in 32- and 16-bit, protected and real-address formats; V86 uses the real
 * ones), vol. 2 FLDENV/FSTENV/FSAVE/FRSTOR/FINIT, vol. 3A table 9-1 (state after RESET).
 * Reserved fields are stored as the P6 and later store them: all ones in the upper half
 * of the control, status, tag and data selector dwords. The real-address formats hold
 * 20/32-bit linear pointers (selector * 16 + offset); loading one leaves the selector 0.
 * The tag word is worked out of the register contents when stored (P6 behaviour; only
 * "empty" is kept, see internal.h). None of these instructions record the last
 * instruction or data pointer. */
#include "cpu/internal.h"

enum { SW_B = 0x8000 };

static bool env_real(const Cpu *c)
{
	return !pmode(c) || v86(c);
}

/* The tag of one register's contents (SDM vol. 1 8.1.7): zero, valid (normalized) or
 * special (NaN, infinity, denormal, unnormal, pseudo-denormal and the like). */
static u32 tag_of(const F80 *v)
{
	u32 e = v->se & 0x7FFF;
	if (e == 0)
		return v->m ? 2 : 1;
	if (e == 0x7FFF || !(v->m >> 63))
		return 2;
	return 0;
}

u16 fpu_tag_word(const Cpu *c)
{
	const Fpu *f = &c->fpu;
	u32 tw = 0;
	for (int i = 0; i < 8; i++)
		tw |= (((f->empty >> i) & 1) ? 3u : tag_of(&f->st[i])) << (2 * i);
	return (u16)tw;
}

static u16 cw_load(u32 v)
{
	return (u16)((v & 0x1F3F) | 0x0040);
}

void fpu_reset(Cpu *c, bool full)
{
	Fpu *f = &c->fpu;
	if (full) {
		/* RESET (SDM vol. 3A table 9-1): the i486 and later come up with the control
		 * word 0040h and every register +0 tagged valid; a 387 resets as FNINIT */
		memset(f->st, 0, sizeof(f->st));
		bool i486 = is486(c);
		f->cw = i486 ? 0x0040 : 0x037F;
		f->empty = i486 ? 0x00 : 0xFF;
	} else {
		f->cw = 0x037F;
		f->empty = 0xFF;
	}
	f->sw = 0;
	f->fop = 0;
	f->fcs = f->fds = 0;
	f->fip = f->fdp = 0;
	fpu_update_es(c);
}

/* ---- the environment ---- */
/* Writes the environment (14 or 28 bytes) into p; returns its size. */
static u32 env_store(const Cpu *c, u8 *p, bool o32)
{
	const Fpu *f = &c->fpu;
	u16 tw = fpu_tag_word(c);
	bool real = env_real(c);
	u32 ip = f->fip, dp = f->fdp;
	if (real) {
		ip = ((u32)f->fcs << 4) + f->fip;
		dp = ((u32)f->fds << 4) + f->fdp;
	}
	if (o32) {
		st32(p + 0, 0xFFFF0000u | f->cw);
		st32(p + 4, 0xFFFF0000u | f->sw);
		st32(p + 8, 0xFFFF0000u | tw);
		if (real) {
			st32(p + 12, 0xFFFF0000u | (ip & 0xFFFF));
			st32(p + 16, (ip >> 16) << 12 | f->fop);
			st32(p + 20, 0xFFFF0000u | (dp & 0xFFFF));
			st32(p + 24, (dp >> 16) << 12);
		} else {
			st32(p + 12, ip);
			st32(p + 16, f->fcs | (u32)f->fop << 16);
			st32(p + 20, dp);
			st32(p + 24, 0xFFFF0000u | f->fds);
		}
		return 28;
	}
	st16(p + 0, f->cw);
	st16(p + 2, f->sw);
	st16(p + 4, tw);
	if (real) {
		st16(p + 6, ip);
		st16(p + 8, ((ip >> 16) & 0xF) << 12 | f->fop);
		st16(p + 10, dp);
		st16(p + 12, ((dp >> 16) & 0xF) << 12);
	} else {
		st16(p + 6, ip);
		st16(p + 8, f->fcs);
		st16(p + 10, dp);
		st16(p + 12, f->fds);
	}
	return 14;
}

/* Loads the environment from p (14 or 28 bytes); returns its size. */
static u32 env_load(Cpu *c, const u8 *p, bool o32)
{
	Fpu *f = &c->fpu;
	bool real = env_real(c);
	u32 tw;
	if (o32) {
		f->cw = cw_load(ld32(p));
		f->sw = (u16)ld32(p + 4);
		tw = ld32(p + 8) & 0xFFFF;
		if (real) {
			f->fip = (ld32(p + 12) & 0xFFFF) | ((ld32(p + 16) >> 12) & 0xFFFF) << 16;
			f->fop = (u16)(ld32(p + 16) & 0x7FF);
			f->fdp = (ld32(p + 20) & 0xFFFF) | ((ld32(p + 24) >> 12) & 0xFFFF) << 16;
			f->fcs = f->fds = 0;
		} else {
			f->fip = ld32(p + 12);
			f->fcs = (u16)ld32(p + 16);
			f->fop = (u16)((ld32(p + 16) >> 16) & 0x7FF);
			f->fdp = ld32(p + 20);
			f->fds = (u16)ld32(p + 24);
		}
	} else {
		f->cw = cw_load(ld16(p));
		f->sw = (u16)ld16(p + 2);
		tw = ld16(p + 4);
		if (real) {
			f->fip = ld16(p + 6) | (ld16(p + 8) >> 12) << 16;
			f->fop = (u16)(ld16(p + 8) & 0x7FF);
			f->fdp = ld16(p + 10) | (ld16(p + 12) >> 12) << 16;
			f->fcs = f->fds = 0;
		} else {
			f->fip = ld16(p + 6);
			f->fcs = (u16)ld16(p + 8);
			f->fdp = ld16(p + 10);
			f->fds = (u16)ld16(p + 12);
		}
	}
	f->empty = 0;
	for (int i = 0; i < 8; i++)
		if (((tw >> (2 * i)) & 3) == 3)
			f->empty |= (u8)(1u << i);
	return o32 ? 28 : 14;
}

static void regs_store(const Cpu *c, u8 *p)
{
	const Fpu *f = &c->fpu;
	int top = (f->sw >> 11) & 7;
	for (int i = 0; i < 8; i++) {
		const F80 *v = &f->st[(top + i) & 7];
		memcpy(p + 10 * i, &v->m, 8);
		st16(p + 10 * i + 8, v->se);
	}
}

static void regs_load(Cpu *c, const u8 *p)
{
	Fpu *f = &c->fpu;
	int top = (f->sw >> 11) & 7;
	for (int i = 0; i < 8; i++) {
		F80 *v = &f->st[(top + i) & 7];
		memcpy(&v->m, p + 10 * i, 8);
		v->se = (u16)ld16(p + 10 * i + 8);
	}
}

/* FNSTENV, FNSAVE: store, then mask every exception (FNSTENV) or FNINIT (FNSAVE). */
static void op_stenv(Cpu *c, const Insn *d, bool save)
{
	bool o32 = (d->flags & INSN_O32) != 0;
	u32 n = (o32 ? 28 : 14) + (save ? 80 : 0);
	u8 buf[108];
	u32 lin = fpu_check_store(c, d->seg, ea_of(c, d), n);
	u32 e = env_store(c, buf, o32);
	if (save)
		regs_store(c, buf + e);
	fpu_write_bytes(c, lin, buf, n);
	if (save) {
		fpu_reset(c, false);
	} else {
		c->fpu.cw |= 0x3F;
		fpu_update_es(c);
	}
}

/* FLDENV, FRSTOR: everything is read before anything changes. */
static void op_ldenv(Cpu *c, const Insn *d, bool rstor)
{
	bool o32 = (d->flags & INSN_O32) != 0;
	u32 n = (o32 ? 28 : 14) + (rstor ? 80 : 0);
	u8 buf[108];
	fpu_read_bytes(c, d->seg, ea_of(c, d), buf, n);
	u32 e = env_load(c, buf, o32);
	if (rstor)
		regs_load(c, buf + e);
	fpu_update_es(c);
}

static void store16(Cpu *c, const Insn *d, u32 v)
{
	u8 b[2];
	st16(b, v);
	u32 lin = fpu_check_store(c, d->seg, ea_of(c, d), 2);
	fpu_write_bytes(c, lin, b, 2);
}

void fpu_control(Cpu *c, const Insn *d, int which)
{
	Fpu *f = &c->fpu;
	switch (which) {
	case FPU_C_LDENV: op_ldenv(c, d, false); break;
	case FPU_C_RSTOR: op_ldenv(c, d, true); break;
	case FPU_C_STENV: op_stenv(c, d, false); break;
	case FPU_C_SAVE: op_stenv(c, d, true); break;
	case FPU_C_LDCW: {
		u8 b[2];
		fpu_read_bytes(c, d->seg, ea_of(c, d), b, 2);
		f->cw = cw_load(ld16(b));
		fpu_update_es(c); /* unmasking a flag that is set makes it pending */
		break;
	}
	case FPU_C_STCW: store16(c, d, f->cw); break;
	case FPU_C_STSW: store16(c, d, f->sw); break;
	case FPU_C_STSW_AX: set_r16(c, R_EAX, f->sw); break;
	case FPU_C_CLEX:
		f->sw &= (u16)~(0x00FFu | SW_B);
		fpu_update_es(c);
		break;
	case FPU_C_INIT: fpu_reset(c, false); break;
	default: break; /* FNENI, FNDISI, FNSETPM */
	}
}

/* ---- the state API (cpu.h) ---- */
void cpu_get_fpu_state(const Cpu *c, CpuFpuState *st)
{
	memset(st, 0, sizeof(*st));
	if (!c->cfg.fpu)
		return;
	const Fpu *f = &c->fpu;
	st->cw = f->cw;
	st->sw = f->sw;
	st->tw = fpu_tag_word(c);
	st->fop = f->fop;
	st->fcs = f->fcs;
	st->fds = f->fds;
	st->fip = f->fip;
	st->fdp = f->fdp;
	regs_store(c, &st->st[0][0]);
}

void cpu_set_fpu_state(Cpu *c, const CpuFpuState *st)
{
	if (!c->cfg.fpu)
		return;
	Fpu *f = &c->fpu;
	f->cw = cw_load(st->cw);
	f->sw = st->sw;
	f->fop = st->fop & 0x7FF;
	f->fcs = st->fcs;
	f->fds = st->fds;
	f->fip = st->fip;
	f->fdp = st->fdp;
	f->empty = 0;
	for (int i = 0; i < 8; i++)
		if (((st->tw >> (2 * i)) & 3) == 3)
			f->empty |= (u8)(1u << i);
	regs_load(c, &st->st[0][0]);
	fpu_update_es(c);
}
