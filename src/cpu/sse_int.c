/* sse_int.c: the integer SIMD instructions: MMX (on the 64-bit MMX registers) and the
 * SSE2 forms of the same opcodes with a 66 prefix (on the 128-bit XMM registers), plus
 * the MMX forms SSE and SSE2 added (PAVGB/W, PMINUB/PMAXUB, PMINSW/PMAXSW, PMULHUW,
 * PSADBW; PADDQ, PSUBQ, PMULUDQ): add and subtract (wrapping, signed and unsigned
 * saturating), multiplies, averages, minimum/maximum, compares, logic, packs, unpacks
 * and the shifts (by a register or memory count, by an immediate, and SSE2's byte
 * shifts of a whole XMM register).
 *
 * Reference: Intel SDM vol. 1 chapter 9 (MMX), 11.4.3 (SSE2 128-bit integer), vol. 2
 * (each instruction). Every operation is one function over the 8 or 16 bytes of its
 * operands (L), so the MMX and the XMM form share it: the MMX form checks CR0.EM/TS
 * and a pending x87 exception (mmx_enter), reads mm/m64, makes the x87-to-MMX
 * transition and writes the MMX register (exponent all ones); the XMM form checks as
 * SSE does (sse_enter) and reads xmm or a 16-byte aligned m128. A shift count is the
 * whole low quadword of the source (counts past the element width clear it, or fill it
 * with the sign for PSRAW/PSRAD); the immediate forms (groups 12-14) exist only with a
 * register operand. Integer instructions raise no SIMD floating-point exception. */
#include "cpu/sse.h"

typedef void (*VecFn)(Xmm *r, const Xmm *a, const Xmm *b, int len);

static void run_mmx(Cpu *c, const Insn *d, VecFn fn)
{
	if (!mmx_enter(c))
		return;
	Xmm a, b, r;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&r, 0, sizeof(r));
	b.q[0] = mmx_src(c, d);
	mmx_transition(c);
	a.q[0] = mm_get(c, d->reg);
	fn(&r, &a, &b, 8);
	mm_set(c, d->reg, r.q[0]);
}

static void run_xmm(Cpu *c, const Insn *d, VecFn fn)
{
	sse_enter(c);
	Xmm b, r;
	sse_src(c, d, &b, 16, true);
	fn(&r, &c->sse.xmm[d->reg], &b, 16);
	c->sse.xmm[d->reg] = r;
}

static inline int sat_s8(int v) { return v < -128 ? -128 : v > 127 ? 127 : v; }
static inline int sat_u8(int v) { return v < 0 ? 0 : v > 255 ? 255 : v; }
static inline int sat_s16(int v) { return v < -32768 ? -32768 : v > 32767 ? 32767 : v; }
static inline int sat_u16(int v) { return v < 0 ? 0 : v > 65535 ? 65535 : v; }

/* An element-wise operation: elements of n bytes in the union's field, each read as T. */
#define LANEWISE(name, n, field, T, expr)                                               \
	static void v_##name(Xmm *r, const Xmm *a, const Xmm *b, int len)              \
	{                                                                               \
		for (int i = 0; i < len / (n); i++) {                                   \
			T x = (T)a->field[i], y = (T)b->field[i];                       \
			r->field[i] = (expr);                                           \
		}                                                                       \
	}

LANEWISE(paddb, 1, b, u32, x + y)
LANEWISE(paddw, 2, w, u32, x + y)
LANEWISE(paddd, 4, d, u32, x + y)
LANEWISE(paddq, 8, q, u64, x + y)
LANEWISE(psubb, 1, b, u32, x - y)
LANEWISE(psubw, 2, w, u32, x - y)
LANEWISE(psubd, 4, d, u32, x - y)
LANEWISE(psubq, 8, q, u64, x - y)
LANEWISE(paddsb, 1, b, s8, sat_s8(x + y))
LANEWISE(paddsw, 2, w, s16, sat_s16(x + y))
LANEWISE(paddusb, 1, b, u8, sat_u8(x + y))
LANEWISE(paddusw, 2, w, u16, sat_u16(x + y))
LANEWISE(psubsb, 1, b, s8, sat_s8(x - y))
LANEWISE(psubsw, 2, w, s16, sat_s16(x - y))
LANEWISE(psubusb, 1, b, u8, sat_u8(x - y))
LANEWISE(psubusw, 2, w, u16, sat_u16(x - y))
LANEWISE(pmullw, 2, w, u32, x * y)
LANEWISE(pmulhw, 2, w, s16, (u32)(((s32)x * y) >> 16))
LANEWISE(pmulhuw, 2, w, u32, (x * y) >> 16)
LANEWISE(pmuludq, 8, q, u64, (x & 0xFFFFFFFFu) * (y & 0xFFFFFFFFu))
LANEWISE(pavgb, 1, b, u32, (x + y + 1) >> 1)
LANEWISE(pavgw, 2, w, u32, (x + y + 1) >> 1)
LANEWISE(pminub, 1, b, u8, x < y ? x : y)
LANEWISE(pmaxub, 1, b, u8, x > y ? x : y)
LANEWISE(pminsw, 2, w, s16, x < y ? x : y)
LANEWISE(pmaxsw, 2, w, s16, x > y ? x : y)
LANEWISE(pcmpeqb, 1, b, u8, x == y ? 0xFF : 0)
LANEWISE(pcmpeqw, 2, w, u16, x == y ? 0xFFFF : 0)
LANEWISE(pcmpeqd, 4, d, u32, x == y ? 0xFFFFFFFFu : 0)
LANEWISE(pcmpgtb, 1, b, s8, x > y ? 0xFF : 0)
LANEWISE(pcmpgtw, 2, w, s16, x > y ? 0xFFFF : 0)
LANEWISE(pcmpgtd, 4, d, s32, x > y ? 0xFFFFFFFFu : 0)
LANEWISE(pand, 8, q, u64, x & y)
LANEWISE(pandn, 8, q, u64, ~x & y)
LANEWISE(por, 8, q, u64, x | y)
LANEWISE(pxor, 8, q, u64, x ^ y)

/* PMADDWD: each doubleword the sum of two signed word products (8000h*8000h twice
 * wraps to 80000000h, as documented). */
static void v_pmaddwd(Xmm *r, const Xmm *a, const Xmm *b, int len)
{
	for (int i = 0; i < len / 4; i++) {
		s64 p = (s64)(s16)a->w[2 * i] * (s16)b->w[2 * i] +
			(s64)(s16)a->w[2 * i + 1] * (s16)b->w[2 * i + 1];
		r->d[i] = (u32)p;
	}
}

/* PSADBW: per quadword, the sum of the absolute byte differences in its low word. */
static void v_psadbw(Xmm *r, const Xmm *a, const Xmm *b, int len)
{
	for (int q = 0; q < len / 8; q++) {
		u32 sum = 0;
		for (int i = 0; i < 8; i++) {
			int x = a->b[8 * q + i], y = b->b[8 * q + i];
			sum += (u32)(x > y ? x - y : y - x);
		}
		r->q[q] = sum;
	}
}

/* ---- packs: the destination's elements, then the source's, narrowed ---- */
static void v_packsswb(Xmm *r, const Xmm *a, const Xmm *b, int len)
{
	int h = len / 2;
	for (int i = 0; i < h; i++) {
		r->b[i] = (u8)sat_s8((s16)a->w[i]);
		r->b[h + i] = (u8)sat_s8((s16)b->w[i]);
	}
}
static void v_packuswb(Xmm *r, const Xmm *a, const Xmm *b, int len)
{
	int h = len / 2;
	for (int i = 0; i < h; i++) {
		r->b[i] = (u8)sat_u8((s16)a->w[i]);
		r->b[h + i] = (u8)sat_u8((s16)b->w[i]);
	}
}
static void v_packssdw(Xmm *r, const Xmm *a, const Xmm *b, int len)
{
	int h = len / 4;
	for (int i = 0; i < h; i++) {
		s32 x = (s32)a->d[i], y = (s32)b->d[i];
		r->w[i] = (u16)(x < -32768 ? -32768 : x > 32767 ? 32767 : x);
		r->w[h + i] = (u16)(y < -32768 ? -32768 : y > 32767 ? 32767 : y);
	}
}

/* ---- unpacks: elements of the low (high) halves interleaved, the destination's first */
#define UNPACK(name, n, field, high)                                                    \
	static void v_##name(Xmm *r, const Xmm *a, const Xmm *b, int len)              \
	{                                                                               \
		int h = len / (n) / 2, base = (high) ? h : 0;                           \
		for (int i = 0; i < h; i++) {                                           \
			r->field[2 * i] = a->field[base + i];                           \
			r->field[2 * i + 1] = b->field[base + i];                       \
		}                                                                       \
	}
UNPACK(punpcklbw, 1, b, 0)
UNPACK(punpcklwd, 2, w, 0)
UNPACK(punpckldq, 4, d, 0)
UNPACK(punpcklqdq, 8, q, 0)
UNPACK(punpckhbw, 1, b, 1)
UNPACK(punpckhwd, 2, w, 1)
UNPACK(punpckhdq, 4, d, 1)
UNPACK(punpckhqdq, 8, q, 1)

/* ---- shifts ---- */
enum { SH_RL, SH_RA, SH_LL };

/* Elements of n bytes of a shifted by count (the whole 64-bit count). */
static void shift(Xmm *r, const Xmm *a, u64 count, int n, int kind, int len)
{
	u32 bits = 8u * (u32)n;
	for (int i = 0; i < len / n; i++) {
		u64 v = n == 2 ? a->w[i] : n == 4 ? a->d[i] : a->q[i];
		u64 res;
		if (kind == SH_RA) {
			u64 k = count >= bits ? bits - 1 : count;
			s64 sv = n == 2 ? (s16)v : (s32)v;
			res = (u64)(sv >> k);
		} else if (count >= bits) {
			res = 0;
		} else {
			res = kind == SH_LL ? v << count : v >> count;
		}
		if (n == 2)
			r->w[i] = (u16)res;
		else if (n == 4)
			r->d[i] = (u32)res;
		else
			r->q[i] = res;
	}
}

#define SHIFT_FNS(name, n, kind)                                                        \
	static void v_##name(Xmm *r, const Xmm *a, const Xmm *b, int len)              \
	{                                                                               \
		shift(r, a, b->q[0], n, kind, len);                                     \
	}
SHIFT_FNS(psrlw, 2, SH_RL)
SHIFT_FNS(psrld, 4, SH_RL)
SHIFT_FNS(psrlq, 8, SH_RL)
SHIFT_FNS(psraw, 2, SH_RA)
SHIFT_FNS(psrad, 4, SH_RA)
SHIFT_FNS(psllw, 2, SH_LL)
SHIFT_FNS(pslld, 4, SH_LL)
SHIFT_FNS(psllq, 8, SH_LL)

/* ---- the handlers: the MMX form and the SSE2 form of each ---- */
#define PAIR(name)                                                                      \
	void op_##name##_pq_qq(Cpu *c, const Insn *d) { run_mmx(c, d, v_##name); }      \
	void op_##name##_vdq_wdq(Cpu *c, const Insn *d) { run_xmm(c, d, v_##name); }
PAIR(paddb) PAIR(paddw) PAIR(paddd) PAIR(paddq) PAIR(psubb) PAIR(psubw) PAIR(psubd)
PAIR(psubq) PAIR(paddsb) PAIR(paddsw) PAIR(paddusb) PAIR(paddusw) PAIR(psubsb)
PAIR(psubsw) PAIR(psubusb) PAIR(psubusw) PAIR(pmullw) PAIR(pmulhw) PAIR(pmulhuw)
PAIR(pmuludq) PAIR(pmaddwd) PAIR(psadbw) PAIR(pavgb) PAIR(pavgw) PAIR(pminub)
PAIR(pmaxub) PAIR(pminsw) PAIR(pmaxsw) PAIR(pcmpeqb) PAIR(pcmpeqw) PAIR(pcmpeqd)
PAIR(pcmpgtb) PAIR(pcmpgtw) PAIR(pcmpgtd) PAIR(pand) PAIR(pandn) PAIR(por) PAIR(pxor)
PAIR(packsswb) PAIR(packuswb) PAIR(packssdw) PAIR(punpcklbw) PAIR(punpcklwd)
PAIR(punpckldq) PAIR(punpckhbw) PAIR(punpckhwd) PAIR(punpckhdq) PAIR(psrlw) PAIR(psrld)
PAIR(psrlq) PAIR(psraw) PAIR(psrad) PAIR(psllw) PAIR(pslld) PAIR(psllq)
#undef PAIR
void op_punpcklqdq_vdq_wdq(Cpu *c, const Insn *d) { run_xmm(c, d, v_punpcklqdq); }
void op_punpckhqdq_vdq_wdq(Cpu *c, const Insn *d) { run_xmm(c, d, v_punpckhqdq); }

/* Groups 12-14: the register operand shifted by imm8, in place. */
static void shift_mm_imm(Cpu *c, const Insn *d, int n, int kind)
{
	if (d->flags & INSN_MEM)
		UD(c);
	if (!mmx_enter(c))
		return;
	mmx_transition(c);
	Xmm a, r;
	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	a.q[0] = mm_get(c, d->rm);
	shift(&r, &a, d->imm & 0xFF, n, kind, 8);
	mm_set(c, d->rm, r.q[0]);
}

static void shift_x_imm(Cpu *c, const Insn *d, int n, int kind)
{
	if (d->flags & INSN_MEM)
		UD(c);
	sse_enter(c);
	Xmm r;
	shift(&r, &c->sse.xmm[d->rm], d->imm & 0xFF, n, kind, 16);
	c->sse.xmm[d->rm] = r;
}

#define SHIFT_IMM(name, n, kind)                                                        \
	void op_##name##_nq_ib(Cpu *c, const Insn *d) { shift_mm_imm(c, d, n, kind); }  \
	void op_##name##_udq_ib(Cpu *c, const Insn *d) { shift_x_imm(c, d, n, kind); }
SHIFT_IMM(psrlw, 2, SH_RL) SHIFT_IMM(psraw, 2, SH_RA) SHIFT_IMM(psllw, 2, SH_LL)
SHIFT_IMM(psrld, 4, SH_RL) SHIFT_IMM(psrad, 4, SH_RA) SHIFT_IMM(pslld, 4, SH_LL)
SHIFT_IMM(psrlq, 8, SH_RL) SHIFT_IMM(psllq, 8, SH_LL)
#undef SHIFT_IMM

/* PSRLDQ, PSLLDQ: the whole XMM register shifted by imm8 bytes (16 or more: zero). */
static void shift_bytes(Cpu *c, const Insn *d, bool left)
{
	if (d->flags & INSN_MEM)
		UD(c);
	sse_enter(c);
	int k = (int)(d->imm & 0xFF);
	Xmm *x = &c->sse.xmm[d->rm], r;
	for (int i = 0; i < 16; i++) {
		int src = left ? i - k : i + k;
		r.b[i] = src >= 0 && src < 16 ? x->b[src] : 0;
	}
	*x = r;
}
void op_psrldq_udq_ib(Cpu *c, const Insn *d) { shift_bytes(c, d, false); }
void op_pslldq_udq_ib(Cpu *c, const Insn *d) { shift_bytes(c, d, true); }
