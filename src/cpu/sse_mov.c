/* sse_mov.c: SSE/SSE2/SSE3 and MMX data movement: whole-register moves (aligned and
 * unaligned), scalar and half-register moves, SSE3's duplicating loads and LDDQU, MOVD
 * and MOVQ between MMX, XMM, general registers and memory, unpacks and shuffles of
 * floating-point values, PSHUFW/PSHUFD/PSHUFHW/PSHUFLW, PINSRW/PEXTRW, the sign-mask
 * extractions, the bitwise logic of ANDPS & co., and the non-temporal and masked stores.
 *
 * Reference: Intel SDM vol. 2 (each instruction), vol. 1 10.4.1, 11.4.1 (moves), 10.4.6
 * and 11.6.13 (cacheability hints). None of these raises a SIMD floating-point
 * exception; the "PD" and "DQ" forms of a move or bitwise operation do exactly what the
 * "PS" form does. A 16-byte memory operand is 16-byte aligned (#GP(0)) except for
 * MOVUPS/MOVUPD/MOVDQU, LDDQU and MASKMOVDQU. A scalar load from memory clears the rest
 * of the register; from a register it keeps it. The non-temporal stores are plain
 * stores here (no cache to bypass). MASKMOVQ/MASKMOVDQU store the bytes whose mask
 * byte has its top bit set at DS:(E)DI (segment override allowed), after checking the
 * whole 8 or 16 bytes for writing. */
#include "cpu/alu.h"
#include "cpu/sse.h"

static inline bool is_mem(const Insn *d) { return (d->flags & INSN_MEM) != 0; }

/* Stores n bytes of p to the memory operand (alignment checked when asked). */
static void store(Cpu *c, const Insn *d, const void *p, u32 n, bool aligned)
{
	sse_write(c, sse_check_write(c, d, n, aligned), p, n);
}

/* ---- whole registers: MOVUPS/MOVUPD/MOVDQU, MOVAPS/MOVAPD/MOVDQA, LDDQU ---- */
static void load_x(Cpu *c, const Insn *d, bool aligned)
{
	sse_enter(c);
	Xmm s;
	sse_src(c, d, &s, 16, aligned);
	c->sse.xmm[d->reg] = s;
}
static void store_x(Cpu *c, const Insn *d, bool aligned)
{
	sse_enter(c);
	if (is_mem(d))
		store(c, d, c->sse.xmm[d->reg].b, 16, aligned);
	else
		c->sse.xmm[d->rm] = c->sse.xmm[d->reg];
}
void op_movups_vps_wps(Cpu *c, const Insn *d) { load_x(c, d, false); }
void op_movups_wps_vps(Cpu *c, const Insn *d) { store_x(c, d, false); }
void op_movaps_vps_wps(Cpu *c, const Insn *d) { load_x(c, d, true); }
void op_movaps_wps_vps(Cpu *c, const Insn *d) { store_x(c, d, true); }
void op_movdqu_vdq_wdq(Cpu *c, const Insn *d) { load_x(c, d, false); }
void op_movdqu_wdq_vdq(Cpu *c, const Insn *d) { store_x(c, d, false); }
void op_movdqa_vdq_wdq(Cpu *c, const Insn *d) { load_x(c, d, true); }
void op_movdqa_wdq_vdq(Cpu *c, const Insn *d) { store_x(c, d, true); }
void op_lddqu_vdq_mdq(Cpu *c, const Insn *d)
{
	if (!is_mem(d))
		UD(c);
	load_x(c, d, false);
}
/* MOVNTPS/MOVNTPD/MOVNTDQ m128, xmm */
void op_movntps_mps_vps(Cpu *c, const Insn *d)
{
	if (!is_mem(d))
		UD(c);
	store_x(c, d, true);
}

/* ---- scalars: MOVSS, MOVSD ---- */
void op_movss_vss_wss(Cpu *c, const Insn *d)
{
	sse_enter(c);
	Xmm s;
	sse_src(c, d, &s, 4, false);
	if (is_mem(d))
		c->sse.xmm[d->reg] = s;
	else
		c->sse.xmm[d->reg].d[0] = s.d[0];
}
void op_movss_wss_vss(Cpu *c, const Insn *d)
{
	sse_enter(c);
	if (is_mem(d))
		store(c, d, c->sse.xmm[d->reg].b, 4, false);
	else
		c->sse.xmm[d->rm].d[0] = c->sse.xmm[d->reg].d[0];
}
void op_movsd_vsd_wsd(Cpu *c, const Insn *d)
{
	sse_enter(c);
	Xmm s;
	sse_src(c, d, &s, 8, false);
	if (is_mem(d))
		c->sse.xmm[d->reg] = s;
	else
		c->sse.xmm[d->reg].q[0] = s.q[0];
}
void op_movsd_wsd_vsd(Cpu *c, const Insn *d)
{
	sse_enter(c);
	if (is_mem(d))
		store(c, d, c->sse.xmm[d->reg].b, 8, false);
	else
		c->sse.xmm[d->rm].q[0] = c->sse.xmm[d->reg].q[0];
}

/* ---- halves: MOVLPS/MOVLPD/MOVHLPS, MOVHPS/MOVHPD/MOVLHPS ---- */
/* 0F 12: MOVLPS xmm, m64; with a register operand MOVHLPS xmm, xmm (high to low) */
void op_movlps_vq_mq(Cpu *c, const Insn *d)
{
	sse_enter(c);
	Xmm s;
	sse_src(c, d, &s, 8, false);
	c->sse.xmm[d->reg].q[0] = is_mem(d) ? s.q[0] : s.q[1];
}
void op_movlpd_vq_mq(Cpu *c, const Insn *d)
{
	if (!is_mem(d))
		UD(c);
	op_movlps_vq_mq(c, d);
}
void op_movlps_mq_vq(Cpu *c, const Insn *d)
{
	if (!is_mem(d))
		UD(c);
	sse_enter(c);
	store(c, d, &c->sse.xmm[d->reg].q[0], 8, false);
}
/* 0F 16: MOVHPS xmm, m64; with a register operand MOVLHPS xmm, xmm (low to high) */
void op_movhps_vq_mq(Cpu *c, const Insn *d)
{
	sse_enter(c);
	Xmm s;
	sse_src(c, d, &s, 8, false);
	c->sse.xmm[d->reg].q[1] = s.q[0];
}
void op_movhpd_vq_mq(Cpu *c, const Insn *d)
{
	if (!is_mem(d))
		UD(c);
	op_movhps_vq_mq(c, d);
}
void op_movhps_mq_vq(Cpu *c, const Insn *d)
{
	if (!is_mem(d))
		UD(c);
	sse_enter(c);
	store(c, d, &c->sse.xmm[d->reg].q[1], 8, false);
}

/* ---- SSE3 duplicating moves ---- */
void op_movsldup_vps_wps(Cpu *c, const Insn *d)
{
	sse_enter(c);
	Xmm s;
	sse_src(c, d, &s, 16, true);
	Xmm *x = &c->sse.xmm[d->reg];
	x->d[0] = x->d[1] = s.d[0];
	x->d[2] = x->d[3] = s.d[2];
}
void op_movshdup_vps_wps(Cpu *c, const Insn *d)
{
	sse_enter(c);
	Xmm s;
	sse_src(c, d, &s, 16, true);
	Xmm *x = &c->sse.xmm[d->reg];
	x->d[0] = x->d[1] = s.d[1];
	x->d[2] = x->d[3] = s.d[3];
}
void op_movddup_vpd_wsd(Cpu *c, const Insn *d)
{
	sse_enter(c);
	Xmm s;
	sse_src(c, d, &s, 8, false);
	Xmm *x = &c->sse.xmm[d->reg];
	x->q[0] = x->q[1] = s.q[0];
}

/* ---- unpacks and shuffles of floating-point values ---- */
void op_unpcklps_vps_wps(Cpu *c, const Insn *d)
{
	sse_enter(c);
	Xmm s, *x = &c->sse.xmm[d->reg];
	sse_src(c, d, &s, 16, true);
	Xmm r = {.d = {x->d[0], s.d[0], x->d[1], s.d[1]}};
	*x = r;
}
void op_unpckhps_vps_wps(Cpu *c, const Insn *d)
{
	sse_enter(c);
	Xmm s, *x = &c->sse.xmm[d->reg];
	sse_src(c, d, &s, 16, true);
	Xmm r = {.d = {x->d[2], s.d[2], x->d[3], s.d[3]}};
	*x = r;
}
void op_unpcklpd_vpd_wpd(Cpu *c, const Insn *d)
{
	sse_enter(c);
	Xmm s, *x = &c->sse.xmm[d->reg];
	sse_src(c, d, &s, 16, true);
	x->q[1] = s.q[0];
}
void op_unpckhpd_vpd_wpd(Cpu *c, const Insn *d)
{
	sse_enter(c);
	Xmm s, *x = &c->sse.xmm[d->reg];
	sse_src(c, d, &s, 16, true);
	x->q[0] = x->q[1];
	x->q[1] = s.q[1];
}
void op_shufps_vps_wps_ib(Cpu *c, const Insn *d)
{
	sse_enter(c);
	Xmm s, *x = &c->sse.xmm[d->reg];
	sse_src(c, d, &s, 16, true);
	u32 i = d->imm;
	Xmm r = {.d = {x->d[i & 3], x->d[(i >> 2) & 3], s.d[(i >> 4) & 3], s.d[(i >> 6) & 3]}};
	*x = r;
}
void op_shufpd_vpd_wpd_ib(Cpu *c, const Insn *d)
{
	sse_enter(c);
	Xmm s, *x = &c->sse.xmm[d->reg];
	sse_src(c, d, &s, 16, true);
	Xmm r = {.q = {x->q[d->imm & 1], s.q[(d->imm >> 1) & 1]}};
	*x = r;
}

/* ---- sign masks (register operands only) ---- */
void op_movmskps_gd_ups(Cpu *c, const Insn *d)
{
	if (is_mem(d))
		UD(c);
	sse_enter(c);
	const Xmm *s = &c->sse.xmm[d->rm];
	u32 m = 0;
	for (int i = 0; i < 4; i++)
		m |= (s->d[i] >> 31) << i;
	c->r[d->reg] = m;
}
void op_movmskpd_gd_upd(Cpu *c, const Insn *d)
{
	if (is_mem(d))
		UD(c);
	sse_enter(c);
	const Xmm *s = &c->sse.xmm[d->rm];
	c->r[d->reg] = (u32)(s->q[0] >> 63) | (u32)(s->q[1] >> 63) << 1;
}

/* ---- bitwise: ANDPS/ANDPD, ANDNPS/ANDNPD, ORPS/ORPD, XORPS/XORPD ---- */
#define LOGIC(name, expr)                                                               \
	void op_##name##_vps_wps(Cpu *c, const Insn *d)                                 \
	{                                                                               \
		sse_enter(c);                                                           \
		Xmm s, *x = &c->sse.xmm[d->reg];                                        \
		sse_src(c, d, &s, 16, true);                                            \
		for (int i = 0; i < 2; i++) {                                           \
			u64 a = x->q[i], b = s.q[i];                                    \
			x->q[i] = (expr);                                               \
		}                                                                       \
	}
LOGIC(andps, a & b)
LOGIC(andnps, ~a & b)
LOGIC(orps, a | b)
LOGIC(xorps, a ^ b)
#undef LOGIC

/* ---- MOVD, MOVQ ---- */
void op_movd_pq_ed(Cpu *c, const Insn *d)
{
	if (!mmx_enter(c))
		return;
	u32 v = rd_ed(c, d);
	mmx_transition(c);
	mm_set(c, d->reg, v);
}
void op_movd_ed_pq(Cpu *c, const Insn *d)
{
	if (!mmx_enter(c))
		return;
	wr_ed(c, d, (u32)mm_get(c, d->reg));
	mmx_transition(c);
}
void op_movd_vdq_ed(Cpu *c, const Insn *d)
{
	sse_enter(c);
	Xmm r = {.d = {rd_ed(c, d), 0, 0, 0}};
	c->sse.xmm[d->reg] = r;
}
void op_movd_ed_vdq(Cpu *c, const Insn *d)
{
	sse_enter(c);
	wr_ed(c, d, c->sse.xmm[d->reg].d[0]);
}
void op_movq_pq_qq(Cpu *c, const Insn *d)
{
	if (!mmx_enter(c))
		return;
	u64 v = mmx_src(c, d);
	mmx_transition(c);
	mm_set(c, d->reg, v);
}
void op_movq_qq_pq(Cpu *c, const Insn *d)
{
	if (!mmx_enter(c))
		return;
	u64 v = mm_get(c, d->reg);
	if (is_mem(d))
		store(c, d, &v, 8, false);
	mmx_transition(c);
	if (!is_mem(d))
		mm_set(c, d->rm, v);
}
/* MOVNTQ m64, mm */
void op_movntq_mq_pq(Cpu *c, const Insn *d)
{
	if (!is_mem(d))
		UD(c);
	op_movq_qq_pq(c, d);
}
/* F3 0F 7E: MOVQ xmm, xmm/m64 (the upper half cleared) */
void op_movq_vq_wq(Cpu *c, const Insn *d)
{
	sse_enter(c);
	Xmm s;
	sse_src(c, d, &s, 8, false);
	Xmm r = {.q = {s.q[0], 0}};
	c->sse.xmm[d->reg] = r;
}
/* 66 0F D6: MOVQ xmm/m64, xmm (a register destination's upper half cleared) */
void op_movq_wq_vq(Cpu *c, const Insn *d)
{
	sse_enter(c);
	const Xmm *x = &c->sse.xmm[d->reg];
	if (is_mem(d)) {
		store(c, d, &x->q[0], 8, false);
	} else {
		Xmm r = {.q = {x->q[0], 0}};
		c->sse.xmm[d->rm] = r;
	}
}
void op_movq2dq_vdq_nq(Cpu *c, const Insn *d)
{
	if (is_mem(d))
		UD(c);
	if (!sse_mmx_enter(c))
		return;
	mmx_transition(c);
	Xmm r = {.q = {mm_get(c, d->rm), 0}};
	c->sse.xmm[d->reg] = r;
}
void op_movdq2q_pq_uq(Cpu *c, const Insn *d)
{
	if (is_mem(d))
		UD(c);
	if (!sse_mmx_enter(c))
		return;
	mmx_transition(c);
	mm_set(c, d->reg, c->sse.xmm[d->rm].q[0]);
}

/* MOVNTI m32, r32: SSE2, but an integer store: no CR0/CR4 checks */
void op_movnti_md_gd(Cpu *c, const Insn *d)
{
	if (!is_mem(d))
		UD(c);
	wr32(c, d->seg, ea_of(c, d), c->r[d->reg]);
}

/* ---- word shuffles, inserts, extracts ---- */
void op_pshufw_pq_qq_ib(Cpu *c, const Insn *d)
{
	if (!mmx_enter(c))
		return;
	u64 s = mmx_src(c, d), r = 0;
	mmx_transition(c);
	for (int i = 0; i < 4; i++)
		r |= ((s >> (16 * ((d->imm >> (2 * i)) & 3))) & 0xFFFF) << (16 * i);
	mm_set(c, d->reg, r);
}
void op_pshufd_vdq_wdq_ib(Cpu *c, const Insn *d)
{
	sse_enter(c);
	Xmm s, r;
	sse_src(c, d, &s, 16, true);
	for (int i = 0; i < 4; i++)
		r.d[i] = s.d[(d->imm >> (2 * i)) & 3];
	c->sse.xmm[d->reg] = r;
}
void op_pshufhw_vdq_wdq_ib(Cpu *c, const Insn *d)
{
	sse_enter(c);
	Xmm s, r;
	sse_src(c, d, &s, 16, true);
	r.q[0] = s.q[0];
	for (int i = 0; i < 4; i++)
		r.w[4 + i] = s.w[4 + ((d->imm >> (2 * i)) & 3)];
	c->sse.xmm[d->reg] = r;
}
void op_pshuflw_vdq_wdq_ib(Cpu *c, const Insn *d)
{
	sse_enter(c);
	Xmm s, r;
	sse_src(c, d, &s, 16, true);
	r.q[1] = s.q[1];
	for (int i = 0; i < 4; i++)
		r.w[i] = s.w[(d->imm >> (2 * i)) & 3];
	c->sse.xmm[d->reg] = r;
}
/* PINSRW: a register's low word or a word of memory into word imm8 */
void op_pinsrw_pq_ed_ib(Cpu *c, const Insn *d)
{
	if (!mmx_enter(c))
		return;
	u64 w = rd_ew(c, d) & 0xFFFF;
	mmx_transition(c);
	int sh = 16 * (int)(d->imm & 3);
	mm_set(c, d->reg, (mm_get(c, d->reg) & ~(0xFFFFull << sh)) | w << sh);
}
void op_pinsrw_vdq_ed_ib(Cpu *c, const Insn *d)
{
	sse_enter(c);
	u32 w = rd_ew(c, d);
	c->sse.xmm[d->reg].w[d->imm & 7] = (u16)w;
}
void op_pextrw_gd_nq_ib(Cpu *c, const Insn *d)
{
	if (is_mem(d))
		UD(c);
	if (!mmx_enter(c))
		return;
	mmx_transition(c);
	c->r[d->reg] = (u32)(mm_get(c, d->rm) >> (16 * (d->imm & 3))) & 0xFFFF;
}
void op_pextrw_gd_udq_ib(Cpu *c, const Insn *d)
{
	if (is_mem(d))
		UD(c);
	sse_enter(c);
	c->r[d->reg] = c->sse.xmm[d->rm].w[d->imm & 7];
}
void op_pmovmskb_gd_nq(Cpu *c, const Insn *d)
{
	if (is_mem(d))
		UD(c);
	if (!mmx_enter(c))
		return;
	mmx_transition(c);
	u64 v = mm_get(c, d->rm);
	u32 m = 0;
	for (int i = 0; i < 8; i++)
		m |= (u32)((v >> (8 * i + 7)) & 1) << i;
	c->r[d->reg] = m;
}
void op_pmovmskb_gd_udq(Cpu *c, const Insn *d)
{
	if (is_mem(d))
		UD(c);
	sse_enter(c);
	u32 m = 0;
	for (int i = 0; i < 16; i++)
		m |= (u32)(c->sse.xmm[d->rm].b[i] >> 7) << i;
	c->r[d->reg] = m;
}

/* ---- masked stores ---- */
static void mask_store(Cpu *c, const Insn *d, const u8 *data, const u8 *mask, u32 n)
{
	u32 ea = c->r[R_EDI] & d->amask;
	u32 lin = lin_w(c, d->seg, ea, n);
	mem_translate(c, lin, true, false);
	if ((lin ^ (lin + n - 1)) & ~MEM_PAGE_MASK)
		mem_translate(c, (lin + n - 1) & ~MEM_PAGE_MASK, true, false);
	for (u32 i = 0; i < n; i++)
		if (mask[i] & 0x80)
			wr8_lin(c, lin + i, data[i]);
}
void op_maskmovq_pq_nq(Cpu *c, const Insn *d)
{
	if (is_mem(d))
		UD(c);
	if (!mmx_enter(c))
		return;
	u64 v = mm_get(c, d->reg), m = mm_get(c, d->rm);
	mask_store(c, d, (const u8 *)&v, (const u8 *)&m, 8);
	mmx_transition(c);
}
void op_maskmovdqu_vdq_udq(Cpu *c, const Insn *d)
{
	if (is_mem(d))
		UD(c);
	sse_enter(c);
	mask_store(c, d, c->sse.xmm[d->reg].b, c->sse.xmm[d->rm].b, 16);
}
