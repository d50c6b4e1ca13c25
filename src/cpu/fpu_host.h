/* fpu_host.h: the x87's arithmetic, as one small interface.
 *
 * fpu.c does the x87's architecture (the register stack and its tags, stack faults,
 * masked and unmasked exception responses, #MF/FERR#, the environment); what a numeric
 * instruction computes comes from here: one x87 instruction executed on a window of two
 * stack registers and a memory operand, under the guest's control word. The one
 * implementation (fpu_host.c) runs the very instruction on the host's own x87, which
 * makes every result, rounding, exception flag and condition code bit-exact with a real
 * x87; a portable soft-float implementation of the same interface could replace it on a
 * host without one. */
#ifndef VMCP_CPU_FPU_HOST_H
#define VMCP_CPU_FPU_HOST_H

#include "base/base.h"

/* An 80-bit register as the x87 stores it: 64-bit significand with its explicit integer
 * bit, then sign and 15-bit exponent (the FSTP m80 byte layout). */
typedef struct F80 {
	u64 m;
	u16 se;
} F80;

/* One instruction on the window: st[0] holds ST(0) and st[1] ST(1) when it starts. */
typedef struct FpuHostOp {
	F80 st[2];   /* in: ST(0), ST(1); out: ST(0), ST(1) after it (see dtop) */
	u8 mem[16];  /* the memory operand (up to 10 bytes), in and out */
	u16 cw;      /* in: the control word (masks, precision, rounding) */
	u16 sw;      /* in: C0-C3 before; out: its exception flags and C0-C3 after (the
		      * rest meaningless) */
	s8 dtop;     /* out: how far it moved TOP: -1 pushed, 0, +1 or +2 popped */
	bool flags_set; /* out: it set ZF, PF, CF (FCOMI family); then in zpc */
	u8 zpc;      /* out: bit 0 CF, bit 2 PF, bit 6 ZF, as in EFLAGS */
} FpuHostOp;

/* Executes the x87 instruction op (D8-DF) with ModRM byte modrm on o: a memory form
 * (mod != 3) uses o->mem as its operand; a register form that names a register ST(i)
 * must name ST(0) or ST(1) (the caller maps ST(i) into the window). The instruction
 * must be a numeric one of the P6's x87 (not a control instruction, FCMOVcc, FFREE or
 * an undefined encoding): anything else is a caller bug. Always succeeds. */
void fpu_host_exec(FpuHostOp *o, u8 op, u8 modrm);

#endif
