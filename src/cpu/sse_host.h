/* sse_host.h: the numerics of the SSE/SSE2/SSE3 floating-point forms, as one small
 * interface (the counterpart of fpu_host.h for the x87).
 *
 * sse_fp.c does the architecture (operands, #XM and MXCSR's unmasked-exception rules,
 * write-back); what an operation computes comes from here: one instruction run on two
 * XMM values (and a general register) under a given MXCSR, which the caller always
 * passes with every exception masked. The one implementation (sse_host.c) runs the very
 * instruction on the host's SSE unit, so results, rounding, NaN propagation, DAZ/FTZ and
 * the exception flags are an x86's. */
#ifndef VMCP_CPU_SSE_HOST_H
#define VMCP_CPU_SSE_HOST_H

#include "cpu/internal.h"

typedef enum SseHostOpKind {
	/* xmm0 = xmm0 op xmm1 (the destination is also the first source) */
	H_ADDPS, H_ADDSS, H_ADDPD, H_ADDSD, H_SUBPS, H_SUBSS, H_SUBPD, H_SUBSD,
	H_MULPS, H_MULSS, H_MULPD, H_MULSD, H_DIVPS, H_DIVSS, H_DIVPD, H_DIVSD,
	H_MINPS, H_MINSS, H_MINPD, H_MINSD, H_MAXPS, H_MAXSS, H_MAXPD, H_MAXSD,
	H_ADDSUBPS, H_ADDSUBPD, H_HADDPS, H_HADDPD, H_HSUBPS, H_HSUBPD,
	/* xmm0 = op(xmm1) (scalar forms keep the upper part of xmm0) */
	H_SQRTPS, H_SQRTSS, H_SQRTPD, H_SQRTSD, H_RCPPS, H_RCPSS, H_RSQRTPS, H_RSQRTSS,
	H_CVTPS2PD, H_CVTPD2PS, H_CVTSS2SD, H_CVTSD2SS, H_CVTDQ2PS, H_CVTPS2DQ, H_CVTTPS2DQ,
	H_CVTDQ2PD, H_CVTPD2DQ, H_CVTTPD2DQ,
	/* compares with the predicate imm & 7 */
	H_CMPPS, H_CMPSS, H_CMPPD, H_CMPSD,
	/* EFLAGS from xmm0 vs xmm1 */
	H_COMISS, H_UCOMISS, H_COMISD, H_UCOMISD,
	/* gpr = op(xmm1) */
	H_CVTSS2SI, H_CVTTSS2SI, H_CVTSD2SI, H_CVTTSD2SI,
	/* xmm0 = op(gpr), upper part kept */
	H_CVTSI2SS, H_CVTSI2SD,
	H_COUNT
} SseHostOpKind;

typedef struct SseHostOp {
	Xmm a;     /* in: the destination's old value (first source); out: the result */
	Xmm b;     /* in: the second source */
	u32 gpr;   /* in: CVTSI2Sx's source; out: CVTxx2SI's result */
	u32 mxcsr; /* in: the MXCSR to run under; out: the exception flags it raised */
	u8 zpc;    /* out (COMIS/UCOMIS): ZF, PF, CF as in EFLAGS */
} SseHostOp;

/* Runs op (with predicate imm for the compares) on o. Always succeeds. */
void sse_host_exec(SseHostOp *o, SseHostOpKind op, int imm);
/* Whether the host's MXCSR implements DAZ (MXCSR_MASK bit 6). */
bool sse_host_daz(void);

#endif
