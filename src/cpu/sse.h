/* sse.h: MMX, SSE, SSE2 and SSE3 inside src/cpu/: what every form starts with (the
 * CR0/CR4 checks, the pending x87 exception of MMX forms), the MMX registers' aliasing
 * of the x87, operand access with the 16-byte alignment rule, MXCSR and #XM, and the
 * handler prototypes the SSE map (decode_sse.c) names.
 *
 * The files: sse_state.c (state, checks, FXSAVE/FXRSTOR, LDMXCSR/STMXCSR, EMMS,
 * fences, CLFLUSH, the state API), sse_mov.c (moves, shuffles, unpacks, logic, the
 * non-temporal stores), sse_int.c (MMX and SSE2 integer arithmetic), sse_fp.c (the
 * floating-point forms: exceptions and MXCSR) and sse_host.c (their numerics, on the
 * host's SSE unit). Reference: Intel SDM vol. 1 chapters 9-12, vol. 2 (each
 * instruction), vol. 3A 2.5 (CR0.EM/TS, CR4.OSFXSR/OSXMMEXCPT), 13 (system programming
 * for SSE), 22.25 (exception tables of the legacy SIMD forms). */
#ifndef VMCP_CPU_SSE_H
#define VMCP_CPU_SSE_H

#include "cpu/internal.h"

/* MXCSR */
enum {
	MX_IE = 0x0001, MX_DE = 0x0002, MX_ZE = 0x0004, MX_OE = 0x0008, MX_UE = 0x0010,
	MX_PE = 0x0020, MX_FLAGS = 0x003F, MX_DAZ = 0x0040, MX_MASKS = 0x1F80,
	MX_RC = 0x6000, MX_FTZ = 0x8000
};
#define MXCSR_RESET 0x1F80u

/* ---- the checks each form starts with (SDM vol. 3A 13.1, 22.25) ---- */
__attribute__((noreturn)) void sse_enter_fault(Cpu *c);
/* SSE/SSE2/SSE3 forms: #UD with CR0.EM set or CR4.OSFXSR clear, then #NM with CR0.TS. */
static inline void sse_enter(Cpu *c)
{
	if (unlikely((c->cr0 & (CR0_EM | CR0_TS)) || !(c->cr4 & CR4_OSFXSR)))
		sse_enter_fault(c);
}
/* MMX forms (and those SSE/SSE2 added on MMX registers): #UD with CR0.EM, #NM with
 * CR0.TS, then a pending unmasked x87 exception (#MF, or FERR# and the wait: then false,
 * and the caller stops). */
bool mmx_enter(Cpu *c);
/* SSE forms with an MMX register operand (CVTPI2PS & co.): sse_enter, then the x87 check. */
bool sse_mmx_enter(Cpu *c);
/* #XM, or #UD when CR4.OSXMMEXCPT is clear (SDM vol. 1 11.5.1). */
__attribute__((noreturn)) void sse_xm(Cpu *c);

/* ---- registers ---- */
static inline Xmm *xmm(Cpu *c, int i) { return &c->sse.xmm[i]; }
static inline u64 mm_get(const Cpu *c, int i) { return c->fpu.st[i].m; }
/* An MMX write: the significand, and all ones in the sign and exponent (SDM vol. 1 9.5). */
static inline void mm_set(Cpu *c, int i, u64 v)
{
	c->fpu.st[i].m = v;
	c->fpu.st[i].se = 0xFFFF;
}
/* What every MMX instruction but EMMS does to the x87: TOP = 0, every tag valid. */
static inline void mmx_transition(Cpu *c)
{
	c->fpu.sw &= (u16)~0x3800u;
	c->fpu.empty = 0;
}

/* ---- memory operands ----
 * Reads n bytes (up to 16) of the ModRM memory operand into p; with aligned, a 16-byte
 * access whose linear address is not a multiple of 16 is #GP(0) (after the segment
 * checks, before paging). */
void sse_read(Cpu *c, const Insn *d, void *p, u32 n, bool aligned);
/* Checks a store of n bytes to the memory operand (segment, alignment, both pages)
 * without writing; returns its linear address for sse_write. */
u32 sse_check_write(Cpu *c, const Insn *d, u32 n, bool aligned);
void sse_write(Cpu *c, u32 lin, const void *p, u32 n);
/* The source operand of a form Wx: an XMM register, or n bytes of memory (the rest of
 * *x zero). */
void sse_src(Cpu *c, const Insn *d, Xmm *x, u32 n, bool aligned);
/* The source operand of a form Qq: an MMX register or 8 bytes of memory. */
u64 mmx_src(Cpu *c, const Insn *d);

/* ---- handlers (named in Intel notation: P/Q MMX register/operand, V/W XMM register/
 * operand, U/N register-only, M memory-only, E/G general register or memory) ---- */
/* sse_state.c */
void op_fxsave_m(Cpu *c, const Insn *d);
void op_fxrstor_m(Cpu *c, const Insn *d);
void op_ldmxcsr_md(Cpu *c, const Insn *d);
void op_stmxcsr_md(Cpu *c, const Insn *d);
void op_grp15_5(Cpu *c, const Insn *d); /* LFENCE */
void op_grp15_6(Cpu *c, const Insn *d); /* MFENCE */
void op_grp15_7(Cpu *c, const Insn *d); /* SFENCE, CLFLUSH m8 */
void op_emms(Cpu *c, const Insn *d);

/* sse_mov.c */
void op_movups_vps_wps(Cpu *c, const Insn *d);
void op_movups_wps_vps(Cpu *c, const Insn *d);
void op_movaps_vps_wps(Cpu *c, const Insn *d);
void op_movaps_wps_vps(Cpu *c, const Insn *d);
void op_movss_vss_wss(Cpu *c, const Insn *d);
void op_movss_wss_vss(Cpu *c, const Insn *d);
void op_movsd_vsd_wsd(Cpu *c, const Insn *d);
void op_movsd_wsd_vsd(Cpu *c, const Insn *d);
void op_movlps_vq_mq(Cpu *c, const Insn *d); /* and MOVHLPS with a register */
void op_movlpd_vq_mq(Cpu *c, const Insn *d);
void op_movlps_mq_vq(Cpu *c, const Insn *d);
void op_movhps_vq_mq(Cpu *c, const Insn *d); /* and MOVLHPS with a register */
void op_movhpd_vq_mq(Cpu *c, const Insn *d);
void op_movhps_mq_vq(Cpu *c, const Insn *d);
void op_movsldup_vps_wps(Cpu *c, const Insn *d);
void op_movshdup_vps_wps(Cpu *c, const Insn *d);
void op_movddup_vpd_wsd(Cpu *c, const Insn *d);
void op_lddqu_vdq_mdq(Cpu *c, const Insn *d);
void op_unpcklps_vps_wps(Cpu *c, const Insn *d);
void op_unpckhps_vps_wps(Cpu *c, const Insn *d);
void op_unpcklpd_vpd_wpd(Cpu *c, const Insn *d);
void op_unpckhpd_vpd_wpd(Cpu *c, const Insn *d);
void op_shufps_vps_wps_ib(Cpu *c, const Insn *d);
void op_shufpd_vpd_wpd_ib(Cpu *c, const Insn *d);
void op_movmskps_gd_ups(Cpu *c, const Insn *d);
void op_movmskpd_gd_upd(Cpu *c, const Insn *d);
void op_andps_vps_wps(Cpu *c, const Insn *d);
void op_andnps_vps_wps(Cpu *c, const Insn *d);
void op_orps_vps_wps(Cpu *c, const Insn *d);
void op_xorps_vps_wps(Cpu *c, const Insn *d);
void op_movntps_mps_vps(Cpu *c, const Insn *d);
void op_movnti_md_gd(Cpu *c, const Insn *d);
void op_movntq_mq_pq(Cpu *c, const Insn *d);
void op_maskmovq_pq_nq(Cpu *c, const Insn *d);
void op_maskmovdqu_vdq_udq(Cpu *c, const Insn *d);
void op_movd_pq_ed(Cpu *c, const Insn *d);
void op_movd_ed_pq(Cpu *c, const Insn *d);
void op_movd_vdq_ed(Cpu *c, const Insn *d);
void op_movd_ed_vdq(Cpu *c, const Insn *d);
void op_movq_pq_qq(Cpu *c, const Insn *d);
void op_movq_qq_pq(Cpu *c, const Insn *d);
void op_movq_vq_wq(Cpu *c, const Insn *d);
void op_movq_wq_vq(Cpu *c, const Insn *d);
void op_movq2dq_vdq_nq(Cpu *c, const Insn *d);
void op_movdq2q_pq_uq(Cpu *c, const Insn *d);
void op_movdqa_vdq_wdq(Cpu *c, const Insn *d);
void op_movdqa_wdq_vdq(Cpu *c, const Insn *d);
void op_movdqu_vdq_wdq(Cpu *c, const Insn *d);
void op_movdqu_wdq_vdq(Cpu *c, const Insn *d);
void op_pshufw_pq_qq_ib(Cpu *c, const Insn *d);
void op_pshufd_vdq_wdq_ib(Cpu *c, const Insn *d);
void op_pshufhw_vdq_wdq_ib(Cpu *c, const Insn *d);
void op_pshuflw_vdq_wdq_ib(Cpu *c, const Insn *d);
void op_pinsrw_pq_ed_ib(Cpu *c, const Insn *d);
void op_pinsrw_vdq_ed_ib(Cpu *c, const Insn *d);
void op_pextrw_gd_nq_ib(Cpu *c, const Insn *d);
void op_pextrw_gd_udq_ib(Cpu *c, const Insn *d);
void op_pmovmskb_gd_nq(Cpu *c, const Insn *d);
void op_pmovmskb_gd_udq(Cpu *c, const Insn *d);

/* sse_int.c: each MMX form (Pq, Qq) and its SSE2 form (Vdq, Wdq) */
#define SSE_INT_PAIR(n)                                                                \
	void op_##n##_pq_qq(Cpu *c, const Insn *d);                                    \
	void op_##n##_vdq_wdq(Cpu *c, const Insn *d);
SSE_INT_PAIR(punpcklbw) SSE_INT_PAIR(punpcklwd) SSE_INT_PAIR(punpckldq)
SSE_INT_PAIR(packsswb) SSE_INT_PAIR(pcmpgtb) SSE_INT_PAIR(pcmpgtw) SSE_INT_PAIR(pcmpgtd)
SSE_INT_PAIR(packuswb) SSE_INT_PAIR(punpckhbw) SSE_INT_PAIR(punpckhwd)
SSE_INT_PAIR(punpckhdq) SSE_INT_PAIR(packssdw) SSE_INT_PAIR(pcmpeqb) SSE_INT_PAIR(pcmpeqw)
SSE_INT_PAIR(pcmpeqd) SSE_INT_PAIR(psrlw) SSE_INT_PAIR(psrld) SSE_INT_PAIR(psrlq)
SSE_INT_PAIR(paddq) SSE_INT_PAIR(pmullw) SSE_INT_PAIR(psubusb) SSE_INT_PAIR(psubusw)
SSE_INT_PAIR(pminub) SSE_INT_PAIR(pand) SSE_INT_PAIR(paddusb) SSE_INT_PAIR(paddusw)
SSE_INT_PAIR(pmaxub) SSE_INT_PAIR(pandn) SSE_INT_PAIR(pavgb) SSE_INT_PAIR(psraw)
SSE_INT_PAIR(psrad) SSE_INT_PAIR(pavgw) SSE_INT_PAIR(pmulhuw) SSE_INT_PAIR(pmulhw)
SSE_INT_PAIR(psubsb) SSE_INT_PAIR(psubsw) SSE_INT_PAIR(pminsw) SSE_INT_PAIR(por)
SSE_INT_PAIR(paddsb) SSE_INT_PAIR(paddsw) SSE_INT_PAIR(pmaxsw) SSE_INT_PAIR(pxor)
SSE_INT_PAIR(psllw) SSE_INT_PAIR(pslld) SSE_INT_PAIR(psllq) SSE_INT_PAIR(pmuludq)
SSE_INT_PAIR(pmaddwd) SSE_INT_PAIR(psadbw) SSE_INT_PAIR(psubb) SSE_INT_PAIR(psubw)
SSE_INT_PAIR(psubd) SSE_INT_PAIR(psubq) SSE_INT_PAIR(paddb) SSE_INT_PAIR(paddw)
SSE_INT_PAIR(paddd)
#undef SSE_INT_PAIR
void op_punpcklqdq_vdq_wdq(Cpu *c, const Insn *d);
void op_punpckhqdq_vdq_wdq(Cpu *c, const Insn *d);
/* groups 12-14: shifts by an immediate (register forms only) */
void op_psrlw_nq_ib(Cpu *c, const Insn *d);
void op_psraw_nq_ib(Cpu *c, const Insn *d);
void op_psllw_nq_ib(Cpu *c, const Insn *d);
void op_psrld_nq_ib(Cpu *c, const Insn *d);
void op_psrad_nq_ib(Cpu *c, const Insn *d);
void op_pslld_nq_ib(Cpu *c, const Insn *d);
void op_psrlq_nq_ib(Cpu *c, const Insn *d);
void op_psllq_nq_ib(Cpu *c, const Insn *d);
void op_psrlw_udq_ib(Cpu *c, const Insn *d);
void op_psraw_udq_ib(Cpu *c, const Insn *d);
void op_psllw_udq_ib(Cpu *c, const Insn *d);
void op_psrld_udq_ib(Cpu *c, const Insn *d);
void op_psrad_udq_ib(Cpu *c, const Insn *d);
void op_pslld_udq_ib(Cpu *c, const Insn *d);
void op_psrlq_udq_ib(Cpu *c, const Insn *d);
void op_psllq_udq_ib(Cpu *c, const Insn *d);
void op_psrldq_udq_ib(Cpu *c, const Insn *d);
void op_pslldq_udq_ib(Cpu *c, const Insn *d);

/* sse_fp.c */
#define SSE_FP4(n)                                                                     \
	void op_##n##ps_vps_wps(Cpu *c, const Insn *d);                               \
	void op_##n##pd_vpd_wpd(Cpu *c, const Insn *d);                               \
	void op_##n##ss_vss_wss(Cpu *c, const Insn *d);                               \
	void op_##n##sd_vsd_wsd(Cpu *c, const Insn *d);
SSE_FP4(add) SSE_FP4(sub) SSE_FP4(mul) SSE_FP4(div) SSE_FP4(min) SSE_FP4(max) SSE_FP4(sqrt)
#undef SSE_FP4
void op_cmpps_vps_wps_ib(Cpu *c, const Insn *d);
void op_cmppd_vpd_wpd_ib(Cpu *c, const Insn *d);
void op_cmpss_vss_wss_ib(Cpu *c, const Insn *d);
void op_cmpsd_vsd_wsd_ib(Cpu *c, const Insn *d);
void op_rcpps_vps_wps(Cpu *c, const Insn *d);
void op_rcpss_vss_wss(Cpu *c, const Insn *d);
void op_rsqrtps_vps_wps(Cpu *c, const Insn *d);
void op_rsqrtss_vss_wss(Cpu *c, const Insn *d);
void op_comiss_vss_wss(Cpu *c, const Insn *d);
void op_ucomiss_vss_wss(Cpu *c, const Insn *d);
void op_comisd_vsd_wsd(Cpu *c, const Insn *d);
void op_ucomisd_vsd_wsd(Cpu *c, const Insn *d);
void op_addsubps_vps_wps(Cpu *c, const Insn *d);
void op_addsubpd_vpd_wpd(Cpu *c, const Insn *d);
void op_haddps_vps_wps(Cpu *c, const Insn *d);
void op_haddpd_vpd_wpd(Cpu *c, const Insn *d);
void op_hsubps_vps_wps(Cpu *c, const Insn *d);
void op_hsubpd_vpd_wpd(Cpu *c, const Insn *d);
void op_cvtpi2ps_vps_qq(Cpu *c, const Insn *d);
void op_cvtpi2pd_vpd_qq(Cpu *c, const Insn *d);
void op_cvtsi2ss_vss_ed(Cpu *c, const Insn *d);
void op_cvtsi2sd_vsd_ed(Cpu *c, const Insn *d);
void op_cvttps2pi_pq_wps(Cpu *c, const Insn *d);
void op_cvttpd2pi_pq_wpd(Cpu *c, const Insn *d);
void op_cvttss2si_gd_wss(Cpu *c, const Insn *d);
void op_cvttsd2si_gd_wsd(Cpu *c, const Insn *d);
void op_cvtps2pi_pq_wps(Cpu *c, const Insn *d);
void op_cvtpd2pi_pq_wpd(Cpu *c, const Insn *d);
void op_cvtss2si_gd_wss(Cpu *c, const Insn *d);
void op_cvtsd2si_gd_wsd(Cpu *c, const Insn *d);
void op_cvtps2pd_vpd_wps(Cpu *c, const Insn *d);
void op_cvtpd2ps_vps_wpd(Cpu *c, const Insn *d);
void op_cvtss2sd_vsd_wss(Cpu *c, const Insn *d);
void op_cvtsd2ss_vss_wsd(Cpu *c, const Insn *d);
void op_cvtdq2ps_vps_wdq(Cpu *c, const Insn *d);
void op_cvtps2dq_vdq_wps(Cpu *c, const Insn *d);
void op_cvttps2dq_vdq_wps(Cpu *c, const Insn *d);
void op_cvttpd2dq_vdq_wpd(Cpu *c, const Insn *d);
void op_cvtdq2pd_vpd_wdq(Cpu *c, const Insn *d);
void op_cvtpd2dq_vdq_wpd(Cpu *c, const Insn *d);

#endif
