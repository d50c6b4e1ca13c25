/* sse_host.c: the SSE/SSE2/SSE3 floating-point numerics on the host's own SSE unit
 * (the interface: sse_host.h).
 *
 * Each operation is the guest's instruction itself, in one asm statement: the host's
 * MXCSR is saved, the caller's (rounding control, DAZ, FTZ, every exception masked, no
 * flag set) loaded, the instruction run on two XMM registers (or a general register),
 * the MXCSR read back for the flags it raised, and the host's own restored. The legacy
 * SSE encodings mean the same in 64-bit mode, and without REX prefixes a 32-bit general
 * register operand stays 32-bit, so CVTSI2SS/CVTSS2SI & co. are the 32-bit forms a
 * 32-bit guest runs. With every exception masked the host never traps.
 * What the host cannot show: an unmasked exception's response (sse_fp.c derives it from
 * the masked run, see there); the approximations of RCPPS/RSQRTPS are the host's own
 * (Intel and AMD chips differ in the last bits; both are within the SDM's 1.5 * 2^-12).
 * Reference: Intel SDM vol. 1 10.2.3 (MXCSR), vol. 2 (each instruction).
 * Not here: hosts other than x86-64, and x86-64 hosts without SSE3 (HADDPS & co. would
 * raise #UD in VMCP itself). */
#include "cpu/sse_host.h"

#if !defined(__x86_64__)
#error "sse_host.c runs the guest's SSE instructions on the host's SSE unit: it needs an x86-64 host"
#endif

typedef float V4 __attribute__((vector_size(16)));

/* xmm-register operations: a (in/out) op= b */
#define RUN_X(insn)                                                                     \
	do {                                                                            \
		V4 a_, b_;                                                              \
		u32 save_, csr_ = o->mxcsr;                                             \
		memcpy(&a_, &o->a, 16);                                                 \
		memcpy(&b_, &o->b, 16);                                                 \
		__asm__ volatile("stmxcsr %[save]\n\t"                                  \
				 "ldmxcsr %[csr]\n\t" insn " %[b], %[a]\n\t"            \
				 "stmxcsr %[csr]\n\t"                                   \
				 "ldmxcsr %[save]"                                      \
				 : [a] "+x"(a_), [save] "=m"(save_), [csr] "+m"(csr_)   \
				 : [b] "x"(b_));                                        \
		memcpy(&o->a, &a_, 16);                                                 \
		o->mxcsr = csr_;                                                        \
	} while (0)

/* EFLAGS from comparing a with b */
#define RUN_FL(insn)                                                                    \
	do {                                                                            \
		V4 a_, b_;                                                              \
		u32 save_, csr_ = o->mxcsr;                                             \
		bool z_, p_, c_;                                                        \
		memcpy(&a_, &o->a, 16);                                                 \
		memcpy(&b_, &o->b, 16);                                                 \
		__asm__ volatile("stmxcsr %[save]\n\t"                                  \
				 "ldmxcsr %[csr]\n\t" insn " %[b], %[a]\n\t"            \
				 "stmxcsr %[csr]\n\t"                                   \
				 "ldmxcsr %[save]"                                      \
				 : [save] "=m"(save_), [csr] "+m"(csr_), "=@ccz"(z_),   \
				   "=@ccp"(p_), "=@ccc"(c_)                             \
				 : [a] "x"(a_), [b] "x"(b_));                           \
		o->zpc = (u8)((z_ ? 0x40 : 0) | (p_ ? 0x04 : 0) | (c_ ? 0x01 : 0));     \
		o->mxcsr = csr_;                                                        \
	} while (0)

/* gpr = op(b), 32-bit */
#define RUN_TO_R(insn)                                                                  \
	do {                                                                            \
		V4 b_;                                                                  \
		u32 save_, csr_ = o->mxcsr, r_;                                         \
		memcpy(&b_, &o->b, 16);                                                 \
		__asm__ volatile("stmxcsr %[save]\n\t"                                  \
				 "ldmxcsr %[csr]\n\t" insn " %[b], %k[r]\n\t"           \
				 "stmxcsr %[csr]\n\t"                                   \
				 "ldmxcsr %[save]"                                      \
				 : [r] "=r"(r_), [save] "=m"(save_), [csr] "+m"(csr_)   \
				 : [b] "x"(b_));                                        \
		o->gpr = r_;                                                            \
		o->mxcsr = csr_;                                                        \
	} while (0)

/* a = op(gpr), 32-bit source */
#define RUN_FROM_R(insn)                                                                \
	do {                                                                            \
		V4 a_;                                                                  \
		u32 save_, csr_ = o->mxcsr, r_ = o->gpr;                                \
		memcpy(&a_, &o->a, 16);                                                 \
		__asm__ volatile("stmxcsr %[save]\n\t"                                  \
				 "ldmxcsr %[csr]\n\t" insn " %k[r], %[a]\n\t"           \
				 "stmxcsr %[csr]\n\t"                                   \
				 "ldmxcsr %[save]"                                      \
				 : [a] "+x"(a_), [save] "=m"(save_), [csr] "+m"(csr_)   \
				 : [r] "r"(r_));                                        \
		memcpy(&o->a, &a_, 16);                                                 \
		o->mxcsr = csr_;                                                        \
	} while (0)

#define X(name, insn) static void h_##name(SseHostOp *o) { RUN_X(insn); }
X(addps, "addps") X(addss, "addss") X(addpd, "addpd") X(addsd, "addsd")
X(subps, "subps") X(subss, "subss") X(subpd, "subpd") X(subsd, "subsd")
X(mulps, "mulps") X(mulss, "mulss") X(mulpd, "mulpd") X(mulsd, "mulsd")
X(divps, "divps") X(divss, "divss") X(divpd, "divpd") X(divsd, "divsd")
X(minps, "minps") X(minss, "minss") X(minpd, "minpd") X(minsd, "minsd")
X(maxps, "maxps") X(maxss, "maxss") X(maxpd, "maxpd") X(maxsd, "maxsd")
X(addsubps, "addsubps") X(addsubpd, "addsubpd") X(haddps, "haddps") X(haddpd, "haddpd")
X(hsubps, "hsubps") X(hsubpd, "hsubpd")
X(sqrtps, "sqrtps") X(sqrtss, "sqrtss") X(sqrtpd, "sqrtpd") X(sqrtsd, "sqrtsd")
X(rcpps, "rcpps") X(rcpss, "rcpss") X(rsqrtps, "rsqrtps") X(rsqrtss, "rsqrtss")
X(cvtps2pd, "cvtps2pd") X(cvtpd2ps, "cvtpd2ps") X(cvtss2sd, "cvtss2sd")
X(cvtsd2ss, "cvtsd2ss") X(cvtdq2ps, "cvtdq2ps") X(cvtps2dq, "cvtps2dq")
X(cvttps2dq, "cvttps2dq") X(cvtdq2pd, "cvtdq2pd") X(cvtpd2dq, "cvtpd2dq")
X(cvttpd2dq, "cvttpd2dq")
#undef X

#define FL(name, insn) static void h_##name(SseHostOp *o) { RUN_FL(insn); }
FL(comiss, "comiss") FL(ucomiss, "ucomiss") FL(comisd, "comisd") FL(ucomisd, "ucomisd")
#undef FL

#define TO_R(name, insn) static void h_##name(SseHostOp *o) { RUN_TO_R(insn); }
TO_R(cvtss2si, "cvtss2si") TO_R(cvttss2si, "cvttss2si") TO_R(cvtsd2si, "cvtsd2si")
TO_R(cvttsd2si, "cvttsd2si")
#undef TO_R

static void h_cvtsi2ss(SseHostOp *o) { RUN_FROM_R("cvtsi2ss"); }
static void h_cvtsi2sd(SseHostOp *o) { RUN_FROM_R("cvtsi2sd"); }

/* the compares: one function per predicate */
#define CMP8(name)                                                                      \
	static void h_##name##0(SseHostOp *o) { RUN_X(#name " $0,"); }                  \
	static void h_##name##1(SseHostOp *o) { RUN_X(#name " $1,"); }                  \
	static void h_##name##2(SseHostOp *o) { RUN_X(#name " $2,"); }                  \
	static void h_##name##3(SseHostOp *o) { RUN_X(#name " $3,"); }                  \
	static void h_##name##4(SseHostOp *o) { RUN_X(#name " $4,"); }                  \
	static void h_##name##5(SseHostOp *o) { RUN_X(#name " $5,"); }                  \
	static void h_##name##6(SseHostOp *o) { RUN_X(#name " $6,"); }                  \
	static void h_##name##7(SseHostOp *o) { RUN_X(#name " $7,"); }
CMP8(cmpps) CMP8(cmpss) CMP8(cmppd) CMP8(cmpsd)
#undef CMP8

typedef void (*HostFn)(SseHostOp *o);

#define CMPROW(name) {h_##name##0, h_##name##1, h_##name##2, h_##name##3, h_##name##4,       \
		      h_##name##5, h_##name##6, h_##name##7}
static const HostFn host_cmp[4][8] = {CMPROW(cmpps), CMPROW(cmpss), CMPROW(cmppd),
				      CMPROW(cmpsd)};
#undef CMPROW

static const HostFn host_ops[H_COUNT] = {
	[H_ADDPS] = h_addps, [H_ADDSS] = h_addss, [H_ADDPD] = h_addpd, [H_ADDSD] = h_addsd,
	[H_SUBPS] = h_subps, [H_SUBSS] = h_subss, [H_SUBPD] = h_subpd, [H_SUBSD] = h_subsd,
	[H_MULPS] = h_mulps, [H_MULSS] = h_mulss, [H_MULPD] = h_mulpd, [H_MULSD] = h_mulsd,
	[H_DIVPS] = h_divps, [H_DIVSS] = h_divss, [H_DIVPD] = h_divpd, [H_DIVSD] = h_divsd,
	[H_MINPS] = h_minps, [H_MINSS] = h_minss, [H_MINPD] = h_minpd, [H_MINSD] = h_minsd,
	[H_MAXPS] = h_maxps, [H_MAXSS] = h_maxss, [H_MAXPD] = h_maxpd, [H_MAXSD] = h_maxsd,
	[H_ADDSUBPS] = h_addsubps, [H_ADDSUBPD] = h_addsubpd, [H_HADDPS] = h_haddps,
	[H_HADDPD] = h_haddpd, [H_HSUBPS] = h_hsubps, [H_HSUBPD] = h_hsubpd,
	[H_SQRTPS] = h_sqrtps, [H_SQRTSS] = h_sqrtss, [H_SQRTPD] = h_sqrtpd,
	[H_SQRTSD] = h_sqrtsd, [H_RCPPS] = h_rcpps, [H_RCPSS] = h_rcpss,
	[H_RSQRTPS] = h_rsqrtps, [H_RSQRTSS] = h_rsqrtss,
	[H_CVTPS2PD] = h_cvtps2pd, [H_CVTPD2PS] = h_cvtpd2ps, [H_CVTSS2SD] = h_cvtss2sd,
	[H_CVTSD2SS] = h_cvtsd2ss, [H_CVTDQ2PS] = h_cvtdq2ps, [H_CVTPS2DQ] = h_cvtps2dq,
	[H_CVTTPS2DQ] = h_cvttps2dq, [H_CVTDQ2PD] = h_cvtdq2pd, [H_CVTPD2DQ] = h_cvtpd2dq,
	[H_CVTTPD2DQ] = h_cvttpd2dq,
	[H_COMISS] = h_comiss, [H_UCOMISS] = h_ucomiss, [H_COMISD] = h_comisd,
	[H_UCOMISD] = h_ucomisd,
	[H_CVTSS2SI] = h_cvtss2si, [H_CVTTSS2SI] = h_cvttss2si, [H_CVTSD2SI] = h_cvtsd2si,
	[H_CVTTSD2SI] = h_cvttsd2si, [H_CVTSI2SS] = h_cvtsi2ss, [H_CVTSI2SD] = h_cvtsi2sd,
};

void sse_host_exec(SseHostOp *o, SseHostOpKind op, int imm)
{
	if (op >= H_CMPPS && op <= H_CMPSD)
		host_cmp[op - H_CMPPS][imm & 7](o);
	else
		host_ops[op](o);
	o->mxcsr &= 0x3F;
}

bool sse_host_daz(void)
{
	u8 area[512 + 16];
	u8 *fx = (u8 *)(((uintptr_t)area + 15) & ~(uintptr_t)15);
	memset(fx, 0, 512);
	__asm__ volatile("fxsave %0" : "=m"(*(u8(*)[512])fx));
	u32 mask;
	memcpy(&mask, fx + 28, 4);
	return (mask & 0x40) != 0; /* (0 stands for FFBFh: no DAZ) */
}
