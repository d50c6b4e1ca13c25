/* sse_fp.c: the floating-point forms of SSE, SSE2 and SSE3: arithmetic, square root,
 * reciprocal approximations, minimum/maximum, compares (to masks and to EFLAGS), the
 * conversions between single, double and integer formats (including those with an MMX
 * register or a general register on one side), and SSE3's ADDSUB/HADD/HSUB.
 *
 * Reference: Intel SDM vol. 1 10.4/11.4 (the instructions), 11.5 (SIMD floating-point
 * exceptions: pre-computation IE, DE, ZE and post-computation OE, UE, PE; the masked
 * responses; 11.5.2.5 underflow: with UE masked, tiny and inexact; with UE unmasked,
 * tiny alone, tininess "after rounding"; FTZ only with UE masked), 10.2.3.3-4 (FTZ,
 * DAZ), vol. 3A 6.15 interrupt 19 (#XM), 13.1.5; vol. 2 (each instruction).
 *
 * Every form is one line of a table (FpForm): the operation the host runs, the source
 * operand (XMM or 16-byte aligned m128, m64, m32, an MMX register or m64, a general
 * register or m32), where the result goes (an XMM register, its low half, an MMX
 * register, a general register, EFLAGS), which result lanes could be tiny, and whether
 * it touches the MMX registers (the x87 check first, then the MMX transition). The
 * numerics run on the host (sse_host.c) always with every exception masked, so the
 * host gives the masked result and the flags of every element. The architecture is
 * then applied here:
 *  - nothing unmasked raised: the result is written, the flags ORed into MXCSR;
 *  - an unmasked pre-computation exception (IE, DE, ZE) in any element: MXCSR gets the
 *    pre-computation flags of all elements, the destination stays, #XM (#UD without
 *    CR4.OSXMMEXCPT);
 *  - otherwise an unmasked post-computation exception: MXCSR gets every flag, the
 *    destination stays, #XM. With UE unmasked the host runs without FTZ and a tiny
 *    result is UE even when exact (a denormal in a written lane of the masked result).
 * tests/cpu/sse_native_test.c checks all of this against the host's own traps. */
#include "cpu/alu.h"
#include "cpu/sse.h"
#include "cpu/sse_host.h"

/* source operands */
enum { S_XA, S_X64, S_X32, S_MM, S_R32 };
/* destinations: XMM register, its low 64 bits, MMX register, general register, EFLAGS */
enum { D_X, D_XLO, D_MM, D_R32, D_FL };
/* result lanes that may be tiny (underflow): none, 1/2/4 singles, 1/2 doubles */
enum { U_NONE, U_S1, U_S2, U_S4, U_D1, U_D2 };
/* MMX registers: none, always (an MMX operand), with a register source only */
enum { M_NO, M_ALWAYS, M_REGSRC };

typedef struct FpForm {
	u8 hop; /* SseHostOpKind */
	u8 src, dst, ue, mmx;
} FpForm;

/* Whether a written lane of the masked result is a denormal: a tiny result. */
static bool tiny_result(const Xmm *r, int ue)
{
	switch (ue) {
	case U_S1: case U_S2: case U_S4: {
		int n = ue == U_S1 ? 1 : ue == U_S2 ? 2 : 4;
		for (int i = 0; i < n; i++)
			if (!(r->d[i] & 0x7F800000u) && (r->d[i] & 0x007FFFFFu))
				return true;
		return false;
	}
	case U_D1: case U_D2:
		for (int i = 0; i < (ue == U_D1 ? 1 : 2); i++)
			if (!(r->q[i] & 0x7FF0000000000000ull) && (r->q[i] & 0x000FFFFFFFFFFFFFull))
				return true;
		return false;
	default:
		return false;
	}
}

/* ---- the flags of an unmasked overflow or underflow ----
 * With OE (UE) unmasked an element that overflows (is tiny) reports OE (UE), and PE only
 * when its result, rounded to the precision with an unbounded exponent, is inexact;
 * masked, overflow always reports PE and underflow PE with UE when the denormalized
 * result is inexact. The host's masked run gives the flags of all elements ORed, so in
 * this (rare) case each element is run again alone and its exactness worked out here. */
enum { L_ADD, L_SUB, L_MUL, L_DIV, L_CVT }; /* L_CVT: double to single */

typedef struct Lane {
	u8 kind;
	bool dbl;   /* double operands (L_CVT: a double to a single) */
	u64 x, y;
} Lane;

/* The elements of an operation that may overflow or underflow. */
static int lanes_of(SseHostOpKind hop, const Xmm *a, const Xmm *b, Lane *l)
{
	static const struct { u8 hop, kind, n, dbl; } ops[] = {
		{H_ADDPS, L_ADD, 4, 0}, {H_ADDSS, L_ADD, 1, 0}, {H_ADDPD, L_ADD, 2, 1},
		{H_ADDSD, L_ADD, 1, 1}, {H_SUBPS, L_SUB, 4, 0}, {H_SUBSS, L_SUB, 1, 0},
		{H_SUBPD, L_SUB, 2, 1}, {H_SUBSD, L_SUB, 1, 1}, {H_MULPS, L_MUL, 4, 0},
		{H_MULSS, L_MUL, 1, 0}, {H_MULPD, L_MUL, 2, 1}, {H_MULSD, L_MUL, 1, 1},
		{H_DIVPS, L_DIV, 4, 0}, {H_DIVSS, L_DIV, 1, 0}, {H_DIVPD, L_DIV, 2, 1},
		{H_DIVSD, L_DIV, 1, 1}, {H_CVTPD2PS, L_CVT, 2, 1}, {H_CVTSD2SS, L_CVT, 1, 1},
	};
	for (unsigned i = 0; i < ARRAY_SIZE(ops); i++) {
		if (ops[i].hop != hop)
			continue;
		for (int k = 0; k < ops[i].n; k++) {
			l[k].kind = ops[i].kind;
			l[k].dbl = ops[i].dbl;
			l[k].x = ops[i].kind == L_CVT ? b->q[k] : ops[i].dbl ? a->q[k] : a->d[k];
			l[k].y = ops[i].dbl ? b->q[k] : b->d[k];
		}
		return ops[i].n;
	}
	/* SSE3: element k of the result from two elements, added or subtracted */
	bool dbl = hop == H_ADDSUBPD || hop == H_HADDPD || hop == H_HSUBPD;
	int n = dbl ? 2 : 4;
	for (int k = 0; k < n; k++) {
		l[k].dbl = dbl;
		if (hop == H_ADDSUBPS || hop == H_ADDSUBPD) {
			l[k].kind = (k & 1) ? L_ADD : L_SUB;
			l[k].x = dbl ? a->q[k] : a->d[k];
			l[k].y = dbl ? b->q[k] : b->d[k];
		} else { /* HADD, HSUB: pairs of a, then pairs of b */
			const Xmm *s = k < n / 2 ? a : b;
			int j = 2 * (k % (n / 2));
			l[k].kind = (hop == H_HADDPS || hop == H_HADDPD) ? L_ADD : L_SUB;
			l[k].x = dbl ? s->q[j] : s->d[j];
			l[k].y = dbl ? s->q[j + 1] : s->d[j + 1];
		}
	}
	return n;
}

/* A finite value as sign, odd integer and exponent: (-1)^s * o * 2^e (o = 0 for zero). */
typedef struct Dyadic {
	bool s;
	u64 o;
	int e;
} Dyadic;

static Dyadic dyadic(u64 v, bool dbl, bool daz)
{
	Dyadic r;
	u64 m;
	int ex;
	if (dbl) {
		r.s = v >> 63;
		ex = (int)((v >> 52) & 0x7FF);
		m = v & ((1ull << 52) - 1);
		if (ex)
			m |= 1ull << 52;
		r.e = (ex ? ex : 1) - 1075;
	} else {
		r.s = (v >> 31) & 1;
		ex = (int)((v >> 23) & 0xFF);
		m = v & 0x7FFFFF;
		if (ex)
			m |= 1u << 23;
		r.e = (ex ? ex : 1) - 150;
	}
	if (!ex && daz)
		m = 0;
	r.o = m;
	if (m) {
		int z = __builtin_ctzll(m);
		r.o = m >> z;
		r.e += z;
	}
	return r;
}

static int bits128(unsigned __int128 v)
{
	u64 hi = (u64)(v >> 64);
	return hi ? 128 - __builtin_clzll(hi) : (u64)v ? 64 - __builtin_clzll((u64)v) : 0;
}

/* Whether the exact result of an element has at most p significant bits. */
static bool lane_exact(const Lane *l, bool daz)
{
	int p = l->kind == L_CVT ? 24 : l->dbl ? 53 : 24;
	Dyadic x = dyadic(l->x, l->dbl, daz), y = dyadic(l->y, l->dbl, daz);
	unsigned __int128 v;
	switch (l->kind) {
	case L_CVT:
		return bits128(x.o) <= p;
	case L_MUL:
		v = (unsigned __int128)x.o * y.o; /* odd times odd: odd */
		return bits128(v) <= p;
	case L_DIV:
		return y.o && x.o % y.o == 0 && bits128(x.o / y.o) <= p;
	default: { /* L_ADD, L_SUB */
		if (!x.o || !y.o)
			return true;
		bool neg_y = y.s != (l->kind == L_SUB);
		int lo = x.e < y.e ? x.e : y.e, hi = x.e < y.e ? y.e : x.e;
		if (hi - lo > 70)
			return false; /* an odd number below a bit 70 places higher */
		__int128 sx = (__int128)x.o << (x.e - lo), sy = (__int128)y.o << (y.e - lo);
		__int128 sum = (x.s ? -sx : sx) + (neg_y ? -sy : sy);
		v = (unsigned __int128)(sum < 0 ? -sum : sum);
		while (v && !(v & 1))
			v >>= 1;
		return bits128(v) <= p;
	}
	}
}

/* The post-computation flags (OE, UE, PE) of an operation whose OE or UE is unmasked. */
static u32 post_flags_unmasked(SseHostOpKind hop, const Xmm *a, const Xmm *b, u32 csr)
{
	u32 masks = (csr >> 7) & MX_FLAGS;
	bool daz = csr & MX_DAZ;
	Lane l[4];
	int n = lanes_of(hop, a, b, l);
	u32 post = 0;
	for (int k = 0; k < n; k++) {
		SseHostOp o;
		memset(&o, 0, sizeof(o));
		SseHostOpKind sop;
		if (l[k].kind == L_CVT) {
			sop = H_CVTSD2SS;
			o.b.q[0] = l[k].x;
		} else {
			static const u8 scalar[4][2] = {{H_ADDSS, H_ADDSD}, {H_SUBSS, H_SUBSD},
							{H_MULSS, H_MULSD}, {H_DIVSS, H_DIVSD}};
			sop = (SseHostOpKind)scalar[l[k].kind][l[k].dbl];
			o.a.q[0] = l[k].x;
			o.b.q[0] = l[k].y;
		}
		o.mxcsr = (csr & (MX_DAZ | MX_RC | MX_FTZ)) | MX_MASKS;
		if (!(masks & MX_UE))
			o.mxcsr &= ~(u32)MX_FTZ;
		sse_host_exec(&o, sop, 0);
		bool single_out = !l[k].dbl || l[k].kind == L_CVT;
		bool tiny = (o.mxcsr & MX_UE) ||
			    tiny_result(&o.a, single_out ? U_S1 : U_D1);
		if ((o.mxcsr & MX_OE) && !(masks & MX_OE))
			post |= MX_OE | (lane_exact(&l[k], daz) ? 0 : MX_PE);
		else if (tiny && !(masks & MX_UE))
			post |= MX_UE | (lane_exact(&l[k], daz) ? 0 : MX_PE);
		else
			post |= o.mxcsr & (MX_OE | MX_UE | MX_PE);
	}
	return post;
}

static void fp_run(Cpu *c, const Insn *d, const FpForm *f, int imm)
{
	bool mem = (d->flags & INSN_MEM) != 0;
	bool mmx = f->mmx == M_ALWAYS || (f->mmx == M_REGSRC && !mem);
	if (mmx) {
		if (!sse_mmx_enter(c))
			return;
	} else {
		sse_enter(c);
	}
	SseHostOp o;
	memset(&o, 0, sizeof(o));
	if (f->dst == D_X || f->dst == D_XLO || f->dst == D_FL)
		o.a = c->sse.xmm[d->reg];
	switch (f->src) {
	case S_XA:
		sse_src(c, d, &o.b, 16, true);
		break;
	case S_X64:
		sse_src(c, d, &o.b, 8, false);
		o.b.q[1] = 0; /* (so that 4-lane host forms see zeros, which raise nothing) */
		break;
	case S_X32:
		sse_src(c, d, &o.b, 4, false);
		break;
	case S_MM:
		o.b.q[0] = mmx_src(c, d);
		break;
	default: /* S_R32 */
		o.gpr = rd_ed(c, d);
		break;
	}
	/* the operands are in: nothing but #XM from here on */
	if (mmx)
		mmx_transition(c);
	u32 csr = c->sse.mxcsr, masks = (csr >> 7) & MX_FLAGS;
	bool ue_unmasked = f->ue != U_NONE && !(masks & MX_UE);
	o.mxcsr = (csr & (MX_DAZ | MX_RC | MX_FTZ)) | MX_MASKS;
	if (ue_unmasked)
		o.mxcsr &= ~(u32)MX_FTZ; /* FTZ applies only while UE is masked */
	Xmm a_in = o.a;
	sse_host_exec(&o, (SseHostOpKind)f->hop, imm);
	u32 fl = o.mxcsr;
	if (ue_unmasked && tiny_result(&o.a, f->ue))
		fl |= MX_UE;
	if (unlikely(fl & ~masks)) {
		u32 pre = fl & (MX_IE | MX_DE | MX_ZE);
		if (pre & ~masks) {
			c->sse.mxcsr |= pre;
			sse_xm(c);
		}
		if (f->ue != U_NONE && (~masks & (MX_OE | MX_UE)))
			fl = pre | post_flags_unmasked((SseHostOpKind)f->hop, &a_in, &o.b, csr);
		c->sse.mxcsr |= fl;
		sse_xm(c);
	}
	c->sse.mxcsr |= fl;
	switch (f->dst) {
	case D_X: c->sse.xmm[d->reg] = o.a; break;
	case D_XLO: c->sse.xmm[d->reg].q[0] = o.a.q[0]; break;
	case D_MM: mm_set(c, d->reg, o.a.q[0]); break;
	case D_R32: c->r[d->reg] = o.gpr; break;
	default: flags_set_arith(c, FLAGS_OSZAPC, o.zpc); break;
	}
}

/* ---- the forms ---- */
#define FORM(name, hop, src, dst, ue, mmx)                                              \
	void op_##name(Cpu *c, const Insn *d)                                           \
	{                                                                               \
		static const FpForm f = {hop, src, dst, ue, mmx};                       \
		fp_run(c, d, &f, 0);                                                    \
	}
#define ARITH4(n, N, ue_ps, ue_pd, ue_ss, ue_sd)                                        \
	FORM(n##ps_vps_wps, H_##N##PS, S_XA, D_X, ue_ps, M_NO)                         \
	FORM(n##pd_vpd_wpd, H_##N##PD, S_XA, D_X, ue_pd, M_NO)                         \
	FORM(n##ss_vss_wss, H_##N##SS, S_X32, D_X, ue_ss, M_NO)                        \
	FORM(n##sd_vsd_wsd, H_##N##SD, S_X64, D_X, ue_sd, M_NO)
ARITH4(add, ADD, U_S4, U_D2, U_S1, U_D1)
ARITH4(sub, SUB, U_S4, U_D2, U_S1, U_D1)
ARITH4(mul, MUL, U_S4, U_D2, U_S1, U_D1)
ARITH4(div, DIV, U_S4, U_D2, U_S1, U_D1)
ARITH4(min, MIN, U_NONE, U_NONE, U_NONE, U_NONE)
ARITH4(max, MAX, U_NONE, U_NONE, U_NONE, U_NONE)
ARITH4(sqrt, SQRT, U_NONE, U_NONE, U_NONE, U_NONE)

FORM(rcpps_vps_wps, H_RCPPS, S_XA, D_X, U_NONE, M_NO)
FORM(rcpss_vss_wss, H_RCPSS, S_X32, D_X, U_NONE, M_NO)
FORM(rsqrtps_vps_wps, H_RSQRTPS, S_XA, D_X, U_NONE, M_NO)
FORM(rsqrtss_vss_wss, H_RSQRTSS, S_X32, D_X, U_NONE, M_NO)

FORM(addsubps_vps_wps, H_ADDSUBPS, S_XA, D_X, U_S4, M_NO)
FORM(addsubpd_vpd_wpd, H_ADDSUBPD, S_XA, D_X, U_D2, M_NO)
FORM(haddps_vps_wps, H_HADDPS, S_XA, D_X, U_S4, M_NO)
FORM(haddpd_vpd_wpd, H_HADDPD, S_XA, D_X, U_D2, M_NO)
FORM(hsubps_vps_wps, H_HSUBPS, S_XA, D_X, U_S4, M_NO)
FORM(hsubpd_vpd_wpd, H_HSUBPD, S_XA, D_X, U_D2, M_NO)

FORM(comiss_vss_wss, H_COMISS, S_X32, D_FL, U_NONE, M_NO)
FORM(ucomiss_vss_wss, H_UCOMISS, S_X32, D_FL, U_NONE, M_NO)
FORM(comisd_vsd_wsd, H_COMISD, S_X64, D_FL, U_NONE, M_NO)
FORM(ucomisd_vsd_wsd, H_UCOMISD, S_X64, D_FL, U_NONE, M_NO)

/* conversions with an MMX register: CVTPI2PS and CVTPI2PD check for a pending x87
 * exception and make the x87-to-MMX transition only with an MMX register source (the
 * SDM says CVTPI2PS always does; an AMD host and Bochs do not with m64, and this follows
 * them), the ones into an MMX register always */
FORM(cvtpi2ps_vps_qq, H_CVTDQ2PS, S_MM, D_XLO, U_NONE, M_REGSRC)
FORM(cvtpi2pd_vpd_qq, H_CVTDQ2PD, S_MM, D_X, U_NONE, M_REGSRC)
FORM(cvtps2pi_pq_wps, H_CVTPS2DQ, S_X64, D_MM, U_NONE, M_ALWAYS)
FORM(cvttps2pi_pq_wps, H_CVTTPS2DQ, S_X64, D_MM, U_NONE, M_ALWAYS)
FORM(cvtpd2pi_pq_wpd, H_CVTPD2DQ, S_XA, D_MM, U_NONE, M_ALWAYS)
FORM(cvttpd2pi_pq_wpd, H_CVTTPD2DQ, S_XA, D_MM, U_NONE, M_ALWAYS)
/* with a general register */
FORM(cvtsi2ss_vss_ed, H_CVTSI2SS, S_R32, D_X, U_NONE, M_NO)
FORM(cvtsi2sd_vsd_ed, H_CVTSI2SD, S_R32, D_X, U_NONE, M_NO)
FORM(cvtss2si_gd_wss, H_CVTSS2SI, S_X32, D_R32, U_NONE, M_NO)
FORM(cvttss2si_gd_wss, H_CVTTSS2SI, S_X32, D_R32, U_NONE, M_NO)
FORM(cvtsd2si_gd_wsd, H_CVTSD2SI, S_X64, D_R32, U_NONE, M_NO)
FORM(cvttsd2si_gd_wsd, H_CVTTSD2SI, S_X64, D_R32, U_NONE, M_NO)
/* between XMM formats */
FORM(cvtps2pd_vpd_wps, H_CVTPS2PD, S_X64, D_X, U_NONE, M_NO)
FORM(cvtpd2ps_vps_wpd, H_CVTPD2PS, S_XA, D_X, U_S2, M_NO)
FORM(cvtss2sd_vsd_wss, H_CVTSS2SD, S_X32, D_X, U_NONE, M_NO)
FORM(cvtsd2ss_vss_wsd, H_CVTSD2SS, S_X64, D_X, U_S1, M_NO)
FORM(cvtdq2ps_vps_wdq, H_CVTDQ2PS, S_XA, D_X, U_NONE, M_NO)
FORM(cvtps2dq_vdq_wps, H_CVTPS2DQ, S_XA, D_X, U_NONE, M_NO)
FORM(cvttps2dq_vdq_wps, H_CVTTPS2DQ, S_XA, D_X, U_NONE, M_NO)
FORM(cvtdq2pd_vpd_wdq, H_CVTDQ2PD, S_X64, D_X, U_NONE, M_NO)
FORM(cvtpd2dq_vdq_wpd, H_CVTPD2DQ, S_XA, D_X, U_NONE, M_NO)
FORM(cvttpd2dq_vdq_wpd, H_CVTTPD2DQ, S_XA, D_X, U_NONE, M_NO)

/* the compares: predicate = imm8 bits 2:0 (the other bits are ignored before AVX) */
#define CMP(name, hop, src)                                                             \
	void op_##name(Cpu *c, const Insn *d)                                           \
	{                                                                               \
		static const FpForm f = {hop, src, D_X, U_NONE, M_NO};                  \
		fp_run(c, d, &f, (int)(d->imm & 7));                                    \
	}
CMP(cmpps_vps_wps_ib, H_CMPPS, S_XA)
CMP(cmppd_vpd_wpd_ib, H_CMPPD, S_XA)
CMP(cmpss_vss_wss_ib, H_CMPSS, S_X32)
CMP(cmpsd_vsd_wsd_ib, H_CMPSD, S_X64)
