/* decode.h: the format of the opcode tables, shared by the decoder (decode.c, which
 * holds the one-byte and 0F maps and the ModRM groups) and the SSE/MMX map
 * (decode_sse.c). An entry names its handler for 16- and 32-bit operand size, its
 * decode attributes (ModRM, immediate kind, byte registers, block end, group) and the
 * first CPU model that has it; an encoding a model lacks decodes to op_ud. */
#ifndef VMCP_CPU_DECODE_H
#define VMCP_CPU_DECODE_H

#include "cpu/internal.h"

enum {
	A_MODRM = 0x0001,
	A_RMB = 0x0002,   /* the r/m register is a byte register */
	A_REGB = 0x0004,  /* the reg register is a byte register */
	A_BYTE = A_RMB | A_REGB,
	A_END = 0x0008,   /* ends a decoded block (control transfer) */
	A_GRP = 0x0010,   /* ModRM.reg selects the entry of group[arg] */
	A_REGOP = 0x0020, /* register in the low 3 opcode bits (into reg) */
	A_MEMONLY = 0x0040, /* mod == 3 is #UD */
	A_REGONLY = 0x0080, /* mod is ignored and read as 3 (MOV CRn/DRn/TRn) */
	A_LOCK = 0x0100,  /* LOCK allowed (with a memory destination) */
	A_SREG = 0x0200,  /* reg = arg (a segment register number) */
	A_PFX = 0x0400,   /* 0F map: the entry of sse_map[op] for the mandatory prefix */
	A_SGRP = 0x0800,  /* ModRM.reg selects the entry of sse_group[arg] */
};
/* immediate kinds, in bits 12-15 of attr */
enum { I_NONE, I_B, I_BS, I_V, I_W, I_MOFFS, I_FAR, I_ENTER, I_JB, I_JV, I_ONE };
#define IMM(k) ((k) << 12)
#define IMMKIND(a) ((a) >> 12)

typedef struct OpEntry {
	OpFn f16, f32;
	u16 attr;
	u8 model; /* CpuModel that introduced it */
	u8 arg;
} OpEntry;

#define OP(f, a) {f, f, (a), 0, 0}
#define OPV(f16, f32, a) {f16, f32, (a), 0, 0}
#define OPM(f, a, m) {f, f, (a), (m), 0}
#define OPVM(f16, f32, a, m) {f16, f32, (a), (m), 0}
#define SREG(f, s) {f, f, A_SREG, 0, (s)}
#define GRP(g, a) {NULL, NULL, (u16)((a) | A_GRP), 0, (g)}
#define SGRP(g, a) {NULL, NULL, (u16)((a) | A_SGRP), 0, (g)}
#define PFXE {NULL, NULL, A_PFX, 0, 0}
#define UDE OP(op_ud, 0)
#define JB jb, IMM(I_JB)
#define JV jv, IMM(I_JV)
#define JCC_(cc, f, imm) OP(op_j##cc##_##f, (imm) | A_END)
#define JCC(cc, ...) JCC_(cc, __VA_ARGS__)
#define P5 CPU_MODEL_PENTIUM
#define I486 CPU_MODEL_486

#define P4 CPU_MODEL_P4

/* The 0F opcodes whose meaning depends on the mandatory prefix (SSE, SSE2, SSE3 and
 * MMX; decode_sse.c): sse_map[op][p] with p 0 = none, 1 = 66, 2 = F3, 3 = F2 (F2/F3
 * win over 66, the last of F2/F3 wins), and the groups its entries name with A_SGRP. */
enum { PFX_NONE, PFX_66, PFX_F3, PFX_F2 };
enum { SG12_MM, SG12_X, SG13_MM, SG13_X, SG14_MM, SG14_X, SG15, NSGRP };
extern const OpEntry sse_map[256][4];
extern const OpEntry sse_group[NSGRP][8];

#endif
