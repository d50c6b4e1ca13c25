/* decode_sse.c: the SSE/SSE2/SSE3 and MMX part of the 0F opcode map, where a mandatory
 * prefix (none, 66, F3, F2) selects the instruction: sse_map[op][prefix] and the
 * groups 12-15 (0F 71-73, 0F AE) of the Pentium 4.
 *
 * Reference: Intel SDM vol. 2 appendix A, tables A-3 (two-byte map, the rows with
 * "NP/66/F3/F2"), A-6 (groups 12-16). How the prefix is chosen (decode.c): F3 or F2,
 * whichever came last, else 66, else none; 66 then no longer changes the operand size of
 * these forms. Every entry has ModRM; a combination the map leaves blank is #UD (so is
 * any of these with LOCK, with the register form of a memory-only operand, and on models
 * before the Pentium 4, the first with MMX and SSE here). The register-only operands
 * (MOVMSKPS, PEXTRW, PMOVMSKB, MASKMOVQ/MASKMOVDQU, MOVQ2DQ/MOVDQ2Q, the shift groups)
 * are checked by their handlers. The 66 forms of the moves and bitwise operations
 * (MOVAPD, ANDPD...) share the handlers of the PS forms: they do the same thing. */
#include "cpu/decode.h"
#include "cpu/sse.h"

#define X(f) OPM(f, A_MODRM, P4)
#define XI(f) OPM(f, A_MODRM | IMM(I_B), P4)
#define XM(f) OPM(f, A_MODRM | A_MEMONLY, P4)
#define NO {NULL, NULL, 0, 0, 0}
/* an MMX form and its SSE2 form: 0F xx and 66 0F xx */
#define MX(n) {X(op_##n##_pq_qq), X(op_##n##_vdq_wdq), NO, NO}
/* a floating-point form in all four: PS, PD, SS, SD */
#define FP4(n) {X(op_##n##ps_vps_wps), X(op_##n##pd_vpd_wpd), X(op_##n##ss_vss_wss),         \
		X(op_##n##sd_vsd_wsd)}

const OpEntry sse_map[256][4] = {
	/*        none                        66                         F3                         F2 */
	[0x10] = {X(op_movups_vps_wps), X(op_movups_vps_wps), X(op_movss_vss_wss), X(op_movsd_vsd_wsd)},
	[0x11] = {X(op_movups_wps_vps), X(op_movups_wps_vps), X(op_movss_wss_vss), X(op_movsd_wsd_vsd)},
	[0x12] = {X(op_movlps_vq_mq), XM(op_movlpd_vq_mq), X(op_movsldup_vps_wps), X(op_movddup_vpd_wsd)},
	[0x13] = {XM(op_movlps_mq_vq), XM(op_movlps_mq_vq), NO, NO},
	[0x14] = {X(op_unpcklps_vps_wps), X(op_unpcklpd_vpd_wpd), NO, NO},
	[0x15] = {X(op_unpckhps_vps_wps), X(op_unpckhpd_vpd_wpd), NO, NO},
	[0x16] = {X(op_movhps_vq_mq), XM(op_movhpd_vq_mq), X(op_movshdup_vps_wps), NO},
	[0x17] = {XM(op_movhps_mq_vq), XM(op_movhps_mq_vq), NO, NO},
	[0x28] = {X(op_movaps_vps_wps), X(op_movaps_vps_wps), NO, NO},
	[0x29] = {X(op_movaps_wps_vps), X(op_movaps_wps_vps), NO, NO},
	[0x2A] = {X(op_cvtpi2ps_vps_qq), X(op_cvtpi2pd_vpd_qq), X(op_cvtsi2ss_vss_ed), X(op_cvtsi2sd_vsd_ed)},
	[0x2B] = {XM(op_movntps_mps_vps), XM(op_movntps_mps_vps), NO, NO},
	[0x2C] = {X(op_cvttps2pi_pq_wps), X(op_cvttpd2pi_pq_wpd), X(op_cvttss2si_gd_wss), X(op_cvttsd2si_gd_wsd)},
	[0x2D] = {X(op_cvtps2pi_pq_wps), X(op_cvtpd2pi_pq_wpd), X(op_cvtss2si_gd_wss), X(op_cvtsd2si_gd_wsd)},
	[0x2E] = {X(op_ucomiss_vss_wss), X(op_ucomisd_vsd_wsd), NO, NO},
	[0x2F] = {X(op_comiss_vss_wss), X(op_comisd_vsd_wsd), NO, NO},
	[0x50] = {X(op_movmskps_gd_ups), X(op_movmskpd_gd_upd), NO, NO},
	[0x51] = FP4(sqrt),
	[0x52] = {X(op_rsqrtps_vps_wps), NO, X(op_rsqrtss_vss_wss), NO},
	[0x53] = {X(op_rcpps_vps_wps), NO, X(op_rcpss_vss_wss), NO},
	[0x54] = {X(op_andps_vps_wps), X(op_andps_vps_wps), NO, NO},
	[0x55] = {X(op_andnps_vps_wps), X(op_andnps_vps_wps), NO, NO},
	[0x56] = {X(op_orps_vps_wps), X(op_orps_vps_wps), NO, NO},
	[0x57] = {X(op_xorps_vps_wps), X(op_xorps_vps_wps), NO, NO},
	[0x58] = FP4(add),
	[0x59] = FP4(mul),
	[0x5A] = {X(op_cvtps2pd_vpd_wps), X(op_cvtpd2ps_vps_wpd), X(op_cvtss2sd_vsd_wss), X(op_cvtsd2ss_vss_wsd)},
	[0x5B] = {X(op_cvtdq2ps_vps_wdq), X(op_cvtps2dq_vdq_wps), X(op_cvttps2dq_vdq_wps), NO},
	[0x5C] = FP4(sub),
	[0x5D] = FP4(min),
	[0x5E] = FP4(div),
	[0x5F] = FP4(max),
	[0x60] = MX(punpcklbw), [0x61] = MX(punpcklwd), [0x62] = MX(punpckldq),
	[0x63] = MX(packsswb), [0x64] = MX(pcmpgtb), [0x65] = MX(pcmpgtw), [0x66] = MX(pcmpgtd),
	[0x67] = MX(packuswb), [0x68] = MX(punpckhbw), [0x69] = MX(punpckhwd),
	[0x6A] = MX(punpckhdq), [0x6B] = MX(packssdw),
	[0x6C] = {NO, X(op_punpcklqdq_vdq_wdq), NO, NO},
	[0x6D] = {NO, X(op_punpckhqdq_vdq_wdq), NO, NO},
	[0x6E] = {X(op_movd_pq_ed), X(op_movd_vdq_ed), NO, NO},
	[0x6F] = {X(op_movq_pq_qq), X(op_movdqa_vdq_wdq), X(op_movdqu_vdq_wdq), NO},
	[0x70] = {XI(op_pshufw_pq_qq_ib), XI(op_pshufd_vdq_wdq_ib), XI(op_pshufhw_vdq_wdq_ib),
		  XI(op_pshuflw_vdq_wdq_ib)},
	[0x71] = {SGRP(SG12_MM, A_MODRM | IMM(I_B)), SGRP(SG12_X, A_MODRM | IMM(I_B)), NO, NO},
	[0x72] = {SGRP(SG13_MM, A_MODRM | IMM(I_B)), SGRP(SG13_X, A_MODRM | IMM(I_B)), NO, NO},
	[0x73] = {SGRP(SG14_MM, A_MODRM | IMM(I_B)), SGRP(SG14_X, A_MODRM | IMM(I_B)), NO, NO},
	[0x74] = MX(pcmpeqb), [0x75] = MX(pcmpeqw), [0x76] = MX(pcmpeqd),
	[0x77] = {OPM(op_emms, 0, P4), NO, NO, NO},
	[0x7C] = {NO, X(op_haddpd_vpd_wpd), NO, X(op_haddps_vps_wps)},
	[0x7D] = {NO, X(op_hsubpd_vpd_wpd), NO, X(op_hsubps_vps_wps)},
	[0x7E] = {X(op_movd_ed_pq), X(op_movd_ed_vdq), X(op_movq_vq_wq), NO},
	[0x7F] = {X(op_movq_qq_pq), X(op_movdqa_wdq_vdq), X(op_movdqu_wdq_vdq), NO},
	/* group 15: the prefixes change nothing on the Pentium 4 */
	[0xAE] = {SGRP(SG15, A_MODRM), SGRP(SG15, A_MODRM), SGRP(SG15, A_MODRM), SGRP(SG15, A_MODRM)},
	[0xC2] = {XI(op_cmpps_vps_wps_ib), XI(op_cmppd_vpd_wpd_ib), XI(op_cmpss_vss_wss_ib),
		  XI(op_cmpsd_vsd_wsd_ib)},
	[0xC3] = {XM(op_movnti_md_gd), NO, NO, NO},
	[0xC4] = {XI(op_pinsrw_pq_ed_ib), XI(op_pinsrw_vdq_ed_ib), NO, NO},
	[0xC5] = {XI(op_pextrw_gd_nq_ib), XI(op_pextrw_gd_udq_ib), NO, NO},
	[0xC6] = {XI(op_shufps_vps_wps_ib), XI(op_shufpd_vpd_wpd_ib), NO, NO},
	[0xD0] = {NO, X(op_addsubpd_vpd_wpd), NO, X(op_addsubps_vps_wps)},
	[0xD1] = MX(psrlw), [0xD2] = MX(psrld), [0xD3] = MX(psrlq), [0xD4] = MX(paddq),
	[0xD5] = MX(pmullw),
	[0xD6] = {NO, X(op_movq_wq_vq), X(op_movq2dq_vdq_nq), X(op_movdq2q_pq_uq)},
	[0xD7] = {X(op_pmovmskb_gd_nq), X(op_pmovmskb_gd_udq), NO, NO},
	[0xD8] = MX(psubusb), [0xD9] = MX(psubusw), [0xDA] = MX(pminub), [0xDB] = MX(pand),
	[0xDC] = MX(paddusb), [0xDD] = MX(paddusw), [0xDE] = MX(pmaxub), [0xDF] = MX(pandn),
	[0xE0] = MX(pavgb), [0xE1] = MX(psraw), [0xE2] = MX(psrad), [0xE3] = MX(pavgw),
	[0xE4] = MX(pmulhuw), [0xE5] = MX(pmulhw),
	[0xE6] = {NO, X(op_cvttpd2dq_vdq_wpd), X(op_cvtdq2pd_vpd_wdq), X(op_cvtpd2dq_vdq_wpd)},
	[0xE7] = {XM(op_movntq_mq_pq), XM(op_movntps_mps_vps), NO, NO},
	[0xE8] = MX(psubsb), [0xE9] = MX(psubsw), [0xEA] = MX(pminsw), [0xEB] = MX(por),
	[0xEC] = MX(paddsb), [0xED] = MX(paddsw), [0xEE] = MX(pmaxsw), [0xEF] = MX(pxor),
	[0xF0] = {NO, NO, NO, XM(op_lddqu_vdq_mdq)},
	[0xF1] = MX(psllw), [0xF2] = MX(pslld), [0xF3] = MX(psllq), [0xF4] = MX(pmuludq),
	[0xF5] = MX(pmaddwd), [0xF6] = MX(psadbw),
	[0xF7] = {X(op_maskmovq_pq_nq), X(op_maskmovdqu_vdq_udq), NO, NO},
	[0xF8] = MX(psubb), [0xF9] = MX(psubw), [0xFA] = MX(psubd), [0xFB] = MX(psubq),
	[0xFC] = MX(paddb), [0xFD] = MX(paddw), [0xFE] = MX(paddd),
};

#define G(f) OPM(f, 0, P4)
#define GM(f) OPM(f, A_MEMONLY, P4)

const OpEntry sse_group[NSGRP][8] = {
	[SG12_MM] = {UDE, UDE, G(op_psrlw_nq_ib), UDE, G(op_psraw_nq_ib), UDE, G(op_psllw_nq_ib), UDE},
	[SG12_X] = {UDE, UDE, G(op_psrlw_udq_ib), UDE, G(op_psraw_udq_ib), UDE, G(op_psllw_udq_ib), UDE},
	[SG13_MM] = {UDE, UDE, G(op_psrld_nq_ib), UDE, G(op_psrad_nq_ib), UDE, G(op_pslld_nq_ib), UDE},
	[SG13_X] = {UDE, UDE, G(op_psrld_udq_ib), UDE, G(op_psrad_udq_ib), UDE, G(op_pslld_udq_ib), UDE},
	[SG14_MM] = {UDE, UDE, G(op_psrlq_nq_ib), UDE, UDE, UDE, G(op_psllq_nq_ib), UDE},
	[SG14_X] = {UDE, UDE, G(op_psrlq_udq_ib), G(op_psrldq_udq_ib), UDE, UDE, G(op_psllq_udq_ib),
		    G(op_pslldq_udq_ib)},
	/* FXSAVE FXRSTOR LDMXCSR STMXCSR (XSAVE) LFENCE MFENCE SFENCE/CLFLUSH */
	[SG15] = {GM(op_fxsave_m), GM(op_fxrstor_m), GM(op_ldmxcsr_md), GM(op_stmxcsr_md), UDE,
		  G(op_grp15_5), G(op_grp15_6), G(op_grp15_7)},
};
