/* decode.c: the instruction decoder and the opcode tables (one-byte map, 0F two-byte map,
 * ModRM groups), i8086 through P6 integer instructions; the 0F opcodes that a mandatory
 * prefix selects (SSE/SSE2/SSE3 and MMX) are in decode_sse.c.
 *
 * Reference: Intel SDM vol. 2, chapter 2 (instruction format, ModRM and SIB tables
 * 2-1..2-3) and appendix A (opcode maps). The tables read like the maps: each entry
 * names its handler in Intel operand notation, the 16- and 32-bit operand size
 * variants, the decode attributes (ModRM, immediate kind, byte registers, block end) and
 * the first CPU model that has it. An encoding a model lacks decodes to op_ud (#UD);
 * more than 15 bytes decodes to op_gp_toolong (#GP(0)); a LOCK prefix on anything but a
 * lockable instruction with a memory destination decodes to op_ud, as on the 386.
 * Decoding depends only on the bytes, CS.D and the model, never on other CPU state, so
 * a decoded block stays valid until its bytes change. */
#include "cpu/decode.h"
#include "cpu/internal.h"
#include "cpu/ops.h"
#include "cpu/sse.h"


#define ALU_ROW(name, lk)                                                              \
	OP(op_##name##_eb_gb, A_MODRM | A_BYTE | (lk)),                                \
	OPV(op_##name##_ev_gv16, op_##name##_ev_gv32, A_MODRM | (lk)),                 \
	OP(op_##name##_gb_eb, A_MODRM | A_BYTE),                                       \
	OPV(op_##name##_gv_ev16, op_##name##_gv_ev32, A_MODRM),                        \
	OP(op_##name##_al_ib, IMM(I_B)),                                               \
	OPV(op_##name##_eax_iv16, op_##name##_eax_iv32, IMM(I_V))

enum { G1B, G1V, G1A, G2B_I, G2V_I, G2B_CL, G2V_CL, G3B, G3V, G4, G5, G6, G7, G8, G9, G11B,
       G11V, NGRP };

static const OpEntry op1[256] = {
	[0x00] = ALU_ROW(add, A_LOCK), SREG(op_push_sreg, SEG_ES), SREG(op_pop_sreg, SEG_ES),
	[0x08] = ALU_ROW(or, A_LOCK), SREG(op_push_sreg, SEG_CS),
	[0x10] = ALU_ROW(adc, A_LOCK), SREG(op_push_sreg, SEG_SS), SREG(op_pop_sreg, SEG_SS),
	[0x18] = ALU_ROW(sbb, A_LOCK), SREG(op_push_sreg, SEG_DS), SREG(op_pop_sreg, SEG_DS),
	[0x20] = ALU_ROW(and, A_LOCK), [0x27] = OP(op_daa, 0),
	[0x28] = ALU_ROW(sub, A_LOCK), [0x2F] = OP(op_das, 0),
	[0x30] = ALU_ROW(xor, A_LOCK), [0x37] = OP(op_aaa, 0),
	[0x38] = ALU_ROW(cmp, 0), [0x3F] = OP(op_aas, 0),
	[0x40 ... 0x47] = OPV(op_inc_rv16, op_inc_rv32, A_REGOP),
	[0x48 ... 0x4F] = OPV(op_dec_rv16, op_dec_rv32, A_REGOP),
	[0x50 ... 0x57] = OPV(op_push_rv16, op_push_rv32, A_REGOP),
	[0x58 ... 0x5F] = OPV(op_pop_rv16, op_pop_rv32, A_REGOP),
	[0x60] = OP(op_pusha, 0),
	[0x61] = OP(op_popa, 0),
	[0x62] = OP(op_bound_gv_ma, A_MODRM | A_MEMONLY),
	[0x63] = OP(op_arpl_ew_gw, A_MODRM),
	[0x68] = OP(op_push_iv, IMM(I_V)),
	[0x69] = OPV(op_imul_gv_ev_iv16, op_imul_gv_ev_iv32, A_MODRM | IMM(I_V)),
	[0x6A] = OP(op_push_iv, IMM(I_BS)),
	[0x6B] = OPV(op_imul_gv_ev_iv16, op_imul_gv_ev_iv32, A_MODRM | IMM(I_BS)),
	[0x6C] = OP(op_insb, 0), OP(op_insv, 0), OP(op_outsb, 0), OP(op_outsv, 0),
	[0x70] = JCC(o, JB), JCC(no, JB), JCC(b, JB), JCC(ae, JB), JCC(e, JB), JCC(ne, JB),
	JCC(be, JB), JCC(a, JB), JCC(s, JB), JCC(ns, JB), JCC(p, JB), JCC(np, JB), JCC(l, JB),
	JCC(ge, JB), JCC(le, JB), JCC(g, JB),
	[0x80] = GRP(G1B, A_MODRM | A_RMB | IMM(I_B)),
	[0x81] = GRP(G1V, A_MODRM | IMM(I_V)),
	[0x82] = GRP(G1B, A_MODRM | A_RMB | IMM(I_B)),
	[0x83] = GRP(G1V, A_MODRM | IMM(I_BS)),
	[0x84] = OP(op_test_eb_gb, A_MODRM | A_BYTE),
	[0x85] = OPV(op_test_ev_gv16, op_test_ev_gv32, A_MODRM),
	[0x86] = OP(op_xchg_eb_gb, A_MODRM | A_BYTE | A_LOCK),
	[0x87] = OP(op_xchg_ev_gv, A_MODRM | A_LOCK),
	[0x88] = OP(op_mov_eb_gb, A_MODRM | A_BYTE),
	[0x89] = OPV(op_mov_ev_gv16, op_mov_ev_gv32, A_MODRM),
	[0x8A] = OP(op_mov_gb_eb, A_MODRM | A_BYTE),
	[0x8B] = OPV(op_mov_gv_ev16, op_mov_gv_ev32, A_MODRM),
	[0x8C] = OP(op_mov_ew_sw, A_MODRM),
	[0x8D] = OP(op_lea_gv_m, A_MODRM | A_MEMONLY),
	[0x8E] = OP(op_mov_sw_ew, A_MODRM),
	[0x8F] = GRP(G1A, A_MODRM),
	[0x90] = OP(op_nop, 0),
	[0x91 ... 0x97] = OP(op_xchg_eax_rv, A_REGOP),
	[0x98] = OP(op_cbw, 0),
	[0x99] = OP(op_cwd, 0),
	[0x9A] = OP(op_call_ap, IMM(I_FAR) | A_END),
	[0x9B] = OP(op_wait, 0),
	[0x9C] = OP(op_pushf, 0),
	[0x9D] = OP(op_popf, 0),
	[0x9E] = OP(op_sahf, 0),
	[0x9F] = OP(op_lahf, 0),
	[0xA0] = OP(op_mov_al_ob, IMM(I_MOFFS)),
	[0xA1] = OP(op_mov_eax_ov, IMM(I_MOFFS)),
	[0xA2] = OP(op_mov_ob_al, IMM(I_MOFFS)),
	[0xA3] = OP(op_mov_ov_eax, IMM(I_MOFFS)),
	[0xA4] = OP(op_movsb, 0), OP(op_movsv, 0), OP(op_cmpsb, 0), OP(op_cmpsv, 0),
	[0xA8] = OP(op_test_al_ib, IMM(I_B)),
	[0xA9] = OPV(op_test_eax_iv16, op_test_eax_iv32, IMM(I_V)),
	[0xAA] = OP(op_stosb, 0), OP(op_stosv, 0), OP(op_lodsb, 0), OP(op_lodsv, 0),
	[0xAE] = OP(op_scasb, 0), OP(op_scasv, 0),
	[0xB0 ... 0xB7] = OP(op_mov_rb_ib, A_REGOP | A_REGB | IMM(I_B)),
	[0xB8 ... 0xBF] = OPV(op_mov_rv_iv16, op_mov_rv_iv32, A_REGOP | IMM(I_V)),
	[0xC0] = GRP(G2B_I, A_MODRM | A_RMB | IMM(I_B)),
	[0xC1] = GRP(G2V_I, A_MODRM | IMM(I_B)),
	[0xC2] = OP(op_ret_iw, IMM(I_W) | A_END),
	[0xC3] = OP(op_ret, A_END),
	[0xC4] = OP(op_les_gv_mp, A_MODRM | A_MEMONLY),
	[0xC5] = OP(op_lds_gv_mp, A_MODRM | A_MEMONLY),
	[0xC6] = GRP(G11B, A_MODRM | A_RMB),
	[0xC7] = GRP(G11V, A_MODRM),
	[0xC8] = OP(op_enter_iw_ib, IMM(I_ENTER)),
	[0xC9] = OP(op_leave, 0),
	[0xCA] = OP(op_retf_iw, IMM(I_W) | A_END),
	[0xCB] = OP(op_retf, A_END),
	[0xCC] = OP(op_int3, A_END),
	[0xCD] = OP(op_int_ib, IMM(I_B) | A_END),
	[0xCE] = OP(op_into, A_END),
	[0xCF] = OP(op_iret, A_END),
	[0xD0] = GRP(G2B_I, A_MODRM | A_RMB | IMM(I_ONE)),
	[0xD1] = GRP(G2V_I, A_MODRM | IMM(I_ONE)),
	[0xD2] = GRP(G2B_CL, A_MODRM | A_RMB),
	[0xD3] = GRP(G2V_CL, A_MODRM),
	[0xD4] = OP(op_aam_ib, IMM(I_B)),
	[0xD5] = OP(op_aad_ib, IMM(I_B)),
	[0xD6] = OP(op_salc, 0),
	[0xD7] = OP(op_xlat, 0),
	[0xD8 ... 0xDF] = OP(op_esc, A_MODRM),
	[0xE0] = OP(op_loopne_jb, IMM(I_JB) | A_END),
	[0xE1] = OP(op_loope_jb, IMM(I_JB) | A_END),
	[0xE2] = OP(op_loop_jb, IMM(I_JB) | A_END),
	[0xE3] = OP(op_jcxz_jb, IMM(I_JB) | A_END),
	[0xE4] = OP(op_in_al_ib, IMM(I_B)),
	[0xE5] = OP(op_in_eax_ib, IMM(I_B)),
	[0xE6] = OP(op_out_ib_al, IMM(I_B)),
	[0xE7] = OP(op_out_ib_eax, IMM(I_B)),
	[0xE8] = OP(op_call_jv, IMM(I_JV) | A_END),
	[0xE9] = OP(op_jmp_jv, IMM(I_JV) | A_END),
	[0xEA] = OP(op_jmp_ap, IMM(I_FAR) | A_END),
	[0xEB] = OP(op_jmp_jb, IMM(I_JB) | A_END),
	[0xEC] = OP(op_in_al_dx, 0),
	[0xED] = OP(op_in_eax_dx, 0),
	[0xEE] = OP(op_out_dx_al, 0),
	[0xEF] = OP(op_out_dx_eax, 0),
	[0xF1] = OP(op_int1, A_END),
	[0xF4] = OP(op_hlt, A_END),
	[0xF5] = OP(op_cmc, 0),
	[0xF6] = GRP(G3B, A_MODRM | A_RMB),
	[0xF7] = GRP(G3V, A_MODRM),
	[0xF8] = OP(op_clc, 0), OP(op_stc, 0), OP(op_cli, 0), OP(op_sti, 0),
	[0xFC] = OP(op_cld, 0), OP(op_std, 0),
	[0xFE] = GRP(G4, A_MODRM | A_RMB),
	[0xFF] = GRP(G5, A_MODRM),
};

static const OpEntry op2[256] = {
	[0x00] = GRP(G6, A_MODRM),
	[0x01] = GRP(G7, A_MODRM),
	[0x02] = OP(op_lar_gv_ew, A_MODRM),
	[0x03] = OP(op_lsl_gv_ew, A_MODRM),
	[0x06] = OP(op_clts, 0),
	[0x08] = OPM(op_invd, 0, I486),
	[0x09] = OPM(op_invd, 0, I486),
	[0x0B] = OP(op_ud, 0),
	[0x10 ... 0x17] = PFXE,
	[0x18 ... 0x1F] = OPM(op_nop, A_MODRM, CPU_MODEL_P6), /* hint NOPs, PREFETCHh */
	[0x20] = OP(op_mov_rd_cd, A_MODRM | A_REGONLY),
	[0x21] = OP(op_mov_rd_dd, A_MODRM | A_REGONLY),
	[0x22] = OP(op_mov_cd_rd, A_MODRM | A_REGONLY | A_END),
	[0x23] = OP(op_mov_dd_rd, A_MODRM | A_REGONLY | A_END),
	[0x24] = OP(op_mov_rd_td, A_MODRM | A_REGONLY),
	[0x26] = OP(op_mov_td_rd, A_MODRM | A_REGONLY),
	[0x28 ... 0x2F] = PFXE,
	[0x30] = OPM(op_wrmsr, 0, P5),
	[0x31] = OPM(op_rdtsc, 0, P5),
	[0x32] = OPM(op_rdmsr, 0, P5),
	[0x33] = OPM(op_rdpmc, 0, CPU_MODEL_P6),
	[0x34] = OPM(op_sysenter, A_END, CPU_MODEL_P6),
	[0x35] = OPM(op_sysexit, A_END, CPU_MODEL_P6),
	[0x40 ... 0x4F] = OPM(op_cmovcc_gv_ev, A_MODRM, CPU_MODEL_P6),
	[0x50 ... 0x7F] = PFXE,
	[0x80] = JCC(o, JV), JCC(no, JV), JCC(b, JV), JCC(ae, JV), JCC(e, JV), JCC(ne, JV),
	JCC(be, JV), JCC(a, JV), JCC(s, JV), JCC(ns, JV), JCC(p, JV), JCC(np, JV), JCC(l, JV),
	JCC(ge, JV), JCC(le, JV), JCC(g, JV),
	[0x90 ... 0x9F] = OP(op_setcc_eb, A_MODRM | A_RMB),
	[0xA0] = SREG(op_push_sreg, SEG_FS),
	[0xA1] = SREG(op_pop_sreg, SEG_FS),
	[0xA2] = OPM(op_cpuid, 0, I486),
	[0xA3] = OP(op_bt_ev_gv, A_MODRM),
	[0xA4] = OP(op_shld_ev_gv_ib, A_MODRM | IMM(I_B)),
	[0xA5] = OP(op_shld_ev_gv_cl, A_MODRM),
	[0xA8] = SREG(op_push_sreg, SEG_GS),
	[0xA9] = SREG(op_pop_sreg, SEG_GS),
	[0xAB] = OP(op_bts_ev_gv, A_MODRM | A_LOCK),
	[0xAC] = OP(op_shrd_ev_gv_ib, A_MODRM | IMM(I_B)),
	[0xAD] = OP(op_shrd_ev_gv_cl, A_MODRM),
	[0xAE] = PFXE,
	[0xAF] = OPV(op_imul_gv_ev16, op_imul_gv_ev32, A_MODRM),
	[0xB0] = OPM(op_cmpxchg_eb_gb, A_MODRM | A_BYTE | A_LOCK, I486),
	[0xB1] = OPM(op_cmpxchg_ev_gv, A_MODRM | A_LOCK, I486),
	[0xB2] = OP(op_lss_gv_mp, A_MODRM | A_MEMONLY),
	[0xB3] = OP(op_btr_ev_gv, A_MODRM | A_LOCK),
	[0xB4] = OP(op_lfs_gv_mp, A_MODRM | A_MEMONLY),
	[0xB5] = OP(op_lgs_gv_mp, A_MODRM | A_MEMONLY),
	[0xB6] = OP(op_movzx_gv_eb, A_MODRM | A_RMB),
	[0xB7] = OP(op_movzx_gv_ew, A_MODRM),
	[0xBA] = GRP(G8, A_MODRM | IMM(I_B)),
	[0xBB] = OP(op_btc_ev_gv, A_MODRM | A_LOCK),
	[0xBC] = OP(op_bsf_gv_ev, A_MODRM),
	[0xBD] = OP(op_bsr_gv_ev, A_MODRM),
	[0xBE] = OP(op_movsx_gv_eb, A_MODRM | A_RMB),
	[0xBF] = OP(op_movsx_gv_ew, A_MODRM),
	[0xC0] = OPM(op_xadd_eb_gb, A_MODRM | A_BYTE | A_LOCK, I486),
	[0xC1] = OPM(op_xadd_ev_gv, A_MODRM | A_LOCK, I486),
	[0xC2 ... 0xC6] = PFXE,
	[0xC7] = GRP(G9, A_MODRM),
	[0xC8 ... 0xCF] = OPM(op_bswap_rd, A_REGOP, I486),
	[0xD0 ... 0xFF] = PFXE,
};

#define EB_IB(n, a) {op_##n##_eb_ib, op_##n##_eb_ib, (a), 0, 0}
#define G2(n, f) {op_##n##_##f, op_##n##_##f, 0, 0, 0}
#define G2V(n, f) {op_##n##_##f##16, op_##n##_##f##32, 0, 0, 0}
#define EV_IV(n, a) {op_##n##_ev_iv16, op_##n##_ev_iv32, (a), 0, 0}

static const OpEntry group[NGRP][8] = {
	[G1B] = {EB_IB(add, A_LOCK), EB_IB(or, A_LOCK), EB_IB(adc, A_LOCK),
		 EB_IB(sbb, A_LOCK), EB_IB(and, A_LOCK), EB_IB(sub, A_LOCK),
		 EB_IB(xor, A_LOCK), EB_IB(cmp, 0)},
	[G1V] = {EV_IV(add, A_LOCK), EV_IV(or, A_LOCK), EV_IV(adc, A_LOCK),
		 EV_IV(sbb, A_LOCK), EV_IV(and, A_LOCK), EV_IV(sub, A_LOCK),
		 EV_IV(xor, A_LOCK), EV_IV(cmp, 0)},
	[G1A] = {OP(op_pop_ev, 0), UDE, UDE, UDE, UDE, UDE, UDE, UDE},
	/* group 2: /6 is an undocumented alias of SHL (/4) on the 386 */
	[G2B_I] = {G2(rol, eb_ib), G2(ror, eb_ib), G2(rcl, eb_ib), G2(rcr, eb_ib),
		   G2(shl, eb_ib), G2(shr, eb_ib), G2(shl, eb_ib), G2(sar, eb_ib)},
	[G2V_I] = {G2V(rol, ev_ib), G2V(ror, ev_ib), G2V(rcl, ev_ib), G2V(rcr, ev_ib),
		   G2V(shl, ev_ib), G2V(shr, ev_ib), G2V(shl, ev_ib), G2V(sar, ev_ib)},
	[G2B_CL] = {G2(rol, eb_cl), G2(ror, eb_cl), G2(rcl, eb_cl), G2(rcr, eb_cl),
		    G2(shl, eb_cl), G2(shr, eb_cl), G2(shl, eb_cl), G2(sar, eb_cl)},
	[G2V_CL] = {G2V(rol, ev_cl), G2V(ror, ev_cl), G2V(rcl, ev_cl), G2V(rcr, ev_cl),
		    G2V(shl, ev_cl), G2V(shr, ev_cl), G2V(shl, ev_cl), G2V(sar, ev_cl)},
	[G3B] = {OP(op_test_eb_ib, IMM(I_B)), OP(op_test_eb_ib, IMM(I_B)),
		 OP(op_not_eb, A_LOCK), OP(op_neg_eb, A_LOCK), OP(op_mul_eb, 0),
		 OP(op_imul_eb, 0), OP(op_div_eb, 0), OP(op_idiv_eb, 0)},
	[G3V] = {EV_IV(test, IMM(I_V)), EV_IV(test, IMM(I_V)),
		 OPV(op_not_ev16, op_not_ev32, A_LOCK), OPV(op_neg_ev16, op_neg_ev32, A_LOCK),
		 OPV(op_mul_ev16, op_mul_ev32, 0), OPV(op_imul_ev16, op_imul_ev32, 0),
		 OPV(op_div_ev16, op_div_ev32, 0), OPV(op_idiv_ev16, op_idiv_ev32, 0)},
	[G4] = {OP(op_inc_eb, A_LOCK), OP(op_dec_eb, A_LOCK), UDE, UDE, UDE, UDE, UDE, UDE},
	[G5] = {OPV(op_inc_ev16, op_inc_ev32, A_LOCK), OPV(op_dec_ev16, op_dec_ev32, A_LOCK),
		OP(op_call_ev, A_END), OP(op_call_ep, A_END | A_MEMONLY),
		OP(op_jmp_ev, A_END), OP(op_jmp_ep, A_END | A_MEMONLY), OP(op_push_ev, 0),
		UDE},
	[G6] = {OP(op_sldt_ew, 0), OP(op_str_ew, 0), OP(op_lldt_ew, 0), OP(op_ltr_ew, 0),
		OP(op_verr_ew, 0), OP(op_verw_ew, 0), UDE, UDE},
	[G7] = {OP(op_sgdt_ms, A_MEMONLY), OP(op_sidt_ms, A_MEMONLY),
		OP(op_lgdt_ms, A_MEMONLY), OP(op_lidt_ms, A_MEMONLY), OP(op_smsw_ew, 0), UDE,
		OP(op_lmsw_ew, A_END), OPM(op_invlpg_m, A_MEMONLY, I486)},
	[G8] = {UDE, UDE, UDE, UDE, OP(op_bt_ev_ib, 0), OP(op_bts_ev_ib, A_LOCK),
		OP(op_btr_ev_ib, A_LOCK), OP(op_btc_ev_ib, A_LOCK)},
	[G9] = {UDE, OPM(op_cmpxchg8b_mq, A_MEMONLY | A_LOCK, P5), UDE, UDE, UDE, UDE, UDE,
		UDE},
	[G11B] = {OP(op_mov_eb_ib, IMM(I_B)), UDE, UDE, UDE, UDE, UDE, UDE, UDE},
	[G11V] = {OP(op_mov_ev_iv, IMM(I_V)), UDE, UDE, UDE, UDE, UDE, UDE, UDE},
};

/* 16-bit addressing: base and index of each r/m (Table 2-1) */
static const u8 ea16_base[8] = {R_EBX, R_EBX, R_EBP, R_EBP, R_ESI, R_EDI, R_EBP, R_EBX};
static const u8 ea16_index[8] = {R_ESI, R_EDI, R_ESI, R_EDI, REG_NONE, REG_NONE, REG_NONE,
				 REG_NONE};

#define MAX_LEN 15

int cpu_decode(const DecodeIn *in, Insn *d)
{
	const u8 *b = in->bytes;
	u32 avail = MIN(in->avail, (u32)MAX_LEN);
	u32 pos = 0;
	bool o32 = in->code32; /* operand and address size start as CS.D says */
	bool a32 = o32;
	int seg = -1;
	u8 flags = 0;
	memset(d, 0, sizeof(*d));
	d->base = d->index = REG_NONE;

#define NEED(n)                                                                         \
	do {                                                                            \
		if (pos + (n) > MAX_LEN)                                                \
			goto toolong;                                                   \
		if (pos + (n) > avail)                                                  \
			return 0;                                                       \
	} while (0)

	u8 op;
	for (;;) {
		NEED(1);
		op = b[pos++];
		switch (op) {
		case 0x26: seg = SEG_ES; continue;
		case 0x2E: seg = SEG_CS; continue;
		case 0x36: seg = SEG_SS; continue;
		case 0x3E: seg = SEG_DS; continue;
		case 0x64: seg = SEG_FS; continue;
		case 0x65: seg = SEG_GS; continue;
		case 0x66: o32 = !in->code32; continue;
		case 0x67: a32 = !in->code32; continue;
		case 0xF0: flags |= INSN_LOCK; continue;
		case 0xF2: flags = (u8)((flags & ~INSN_REP) | INSN_REPNE); continue;
		case 0xF3: flags = (u8)((flags & ~INSN_REPNE) | INSN_REP); continue;
		default: break;
		}
		break;
	}
	const OpEntry *e;
	if (op == 0x0F) {
		NEED(1);
		op = b[pos++];
		e = &op2[op];
		if (e->attr & A_PFX)
			e = &sse_map[op][(flags & INSN_REP) ? PFX_F3 : (flags & INSN_REPNE) ? PFX_F2 :
					 o32 != in->code32 ? PFX_66 : PFX_NONE];
	} else {
		e = &op1[op];
	}
	d->op = op;
	u32 attr = e->attr;
	OpFn f16 = e->f16, f32 = e->f32;
	int emodel = e->model;

	u32 mod = 3, rm = 0, reg = 0;
	if (attr & A_MODRM) {
		NEED(1);
		u8 m = b[pos++];
		d->modrm = m;
		mod = m >> 6;
		reg = (m >> 3) & 7;
		rm = m & 7;
		if (attr & A_REGONLY)
			mod = 3;
		if (attr & (A_GRP | A_SGRP)) {
			const OpEntry *g = (attr & A_GRP) ? &group[e->arg][reg] : &sse_group[e->arg][reg];
			f16 = g->f16;
			f32 = g->f32;
			attr = (attr & ~(u32)(A_GRP | A_SGRP)) | g->attr;
			if (g->model > emodel)
				emodel = g->model;
		}
		if (mod != 3) {
			flags |= INSN_MEM;
			if (!a32) {
				d->base = ea16_base[rm];
				d->index = ea16_index[rm];
				if (mod == 0 && rm == 6) {
					d->base = REG_NONE;
					NEED(2);
					d->disp = get_le16(b + pos);
					pos += 2;
				} else if (mod == 1) {
					NEED(1);
					d->disp = (u32)(s32)(s8)b[pos++];
				} else if (mod == 2) {
					NEED(2);
					d->disp = get_le16(b + pos);
					pos += 2;
				}
				if (d->base == R_EBP && seg < 0)
					seg = SEG_SS;
			} else {
				u32 base = rm;
				if (rm == 4) {
					NEED(1);
					u8 sib = b[pos++];
					d->scale = sib >> 6;
					u32 idx = (sib >> 3) & 7;
					d->index = idx == 4 ? REG_NONE : (u8)idx;
					base = sib & 7;
				}
				if (base == 5 && mod == 0) {
					d->base = REG_NONE;
					NEED(4);
					d->disp = get_le32(b + pos);
					pos += 4;
				} else {
					d->base = (u8)base;
					if (mod == 1) {
						NEED(1);
						d->disp = (u32)(s32)(s8)b[pos++];
					} else if (mod == 2) {
						NEED(4);
						d->disp = get_le32(b + pos);
						pos += 4;
					}
					if ((base == R_ESP || base == R_EBP) && seg < 0)
						seg = SEG_SS;
					if (rm == 4 && d->index == REG_NONE && d->scale &&
					    in->model == CPU_MODEL_386) {
						/* no index but a scale (an undefined form): the
						 * 386 scales the base, the 486 and later ignore
						 * the scale (test386's LEA checks, from the chips) */
						d->index = d->base;
						d->base = REG_NONE;
					}
				}
			}
		}
	}
	if (attr & A_REGOP)
		reg = op & 7;
	if (attr & A_SREG)
		reg = e->arg;
	d->reg = (attr & A_REGB) ? reg8_off((int)reg) : (u8)reg;
	d->rm = (attr & A_RMB) ? reg8_off((int)rm) : (u8)rm;

	switch (IMMKIND(attr)) {
	case I_B:
		NEED(1);
		d->imm = b[pos++];
		break;
	case I_BS:
		NEED(1);
		d->imm = (u32)(s32)(s8)b[pos++];
		break;
	case I_V:
		if (o32) {
			NEED(4);
			d->imm = get_le32(b + pos);
			pos += 4;
		} else {
			NEED(2);
			d->imm = get_le16(b + pos);
			pos += 2;
		}
		break;
	case I_W:
		NEED(2);
		d->imm = get_le16(b + pos);
		pos += 2;
		break;
	case I_MOFFS:
		flags |= INSN_MEM;
		if (a32) {
			NEED(4);
			d->disp = get_le32(b + pos);
			pos += 4;
		} else {
			NEED(2);
			d->disp = get_le16(b + pos);
			pos += 2;
		}
		break;
	case I_FAR:
		if (o32) {
			NEED(6);
			d->imm = get_le32(b + pos);
			pos += 4;
		} else {
			NEED(4);
			d->imm = get_le16(b + pos);
			pos += 2;
		}
		d->imm2 = (u16)get_le16(b + pos);
		pos += 2;
		break;
	case I_ENTER:
		NEED(3);
		d->imm = get_le16(b + pos);
		d->imm2 = b[pos + 2];
		pos += 3;
		break;
	case I_JB:
		NEED(1);
		d->disp = (u32)(s32)(s8)b[pos++];
		break;
	case I_JV:
		if (o32) {
			NEED(4);
			d->disp = get_le32(b + pos);
			pos += 4;
		} else {
			NEED(2);
			d->disp = (u32)(s32)(s16)get_le16(b + pos);
			pos += 2;
		}
		break;
	case I_ONE:
		d->imm = 1;
		break;
	default:
		break;
	}
#undef NEED

	if (o32)
		flags |= INSN_O32;
	if (a32)
		flags |= INSN_A32;
	d->flags = flags;
	d->amask = a32 ? 0xFFFFFFFFu : 0xFFFF;
	d->seg = (u8)(seg < 0 ? SEG_DS : seg);
	if (seg >= 0)
		d->flags |= INSN_SEGOVR;
	d->len = (u8)pos;
	d->fn = o32 ? f32 : f16;
	if (attr & A_END)
		d->flags |= INSN_END;
	if (!d->fn || emodel > in->model || ((attr & A_MEMONLY) && mod == 3) ||
	    ((flags & INSN_LOCK) && (!(attr & A_LOCK) || !(flags & INSN_MEM))))
		d->fn = op_ud;
	if (d->fn == op_ud)
		d->flags |= INSN_END;
	return (int)pos;

toolong:
	memset(d, 0, sizeof(*d));
	d->fn = op_gp_toolong;
	d->flags = INSN_END;
	d->len = MAX_LEN;
	d->base = d->index = REG_NONE;
	d->amask = 0xFFFF;
	return MAX_LEN;
}
