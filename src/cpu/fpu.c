/* fpu.c: the x87 escape opcodes D8-DF and WAIT/FWAIT, as seen by the integer core.
 *
 * Reference: Intel SDM vol. 3A 2.5 (CR0.EM/MP/TS), 9.2 (emulation and #NM); vol. 2 WAIT.
 * With CR0.EM or CR0.TS set, an escape raises #NM (device not available) so a kernel
 * can emulate the x87 or switch its context. WAIT raises #NM when MP and TS are both set.
 * Otherwise, on a CPU without a coprocessor (CpuConfig.fpu false) the escape is ignored,
 * as on a 286/386 with an empty coprocessor socket and EM clear: software probing with
 * FNINIT/FNSTSW then reads back its own preset value and concludes "no x87".
 * The x87 itself is CPU core II: it plugs in at fpu_exec(), which today behaves as the
 * empty socket. */
#include "cpu/internal.h"
#include "cpu/ops.h"

/* Executes one x87 instruction (core II). d->op holds the escape opcode (D8-DF) and
 * d->modrm its ModRM byte; memory operands use d->seg and ea_of(). */
static void fpu_exec(Cpu *c, const Insn *d)
{
	(void)c;
	(void)d;
}

/* Bytes of the memory operand of an escape (D8-DF with mod != 3), by opcode and
 * ModRM.reg (SDM vol. 1 8.1, appendix A.5 tables), for 32-bit operand size. */
static u32 fpu_mem_size(const Insn *d)
{
	static const u8 size[8][8] = {
		{4, 4, 4, 4, 4, 4, 4, 4},        /* D8: m32real */
		{4, 0, 4, 4, 28, 2, 28, 2},      /* D9: fld/fst m32, fldenv, fldcw, fstenv, fstcw */
		{4, 4, 4, 4, 4, 4, 4, 4},        /* DA: m32int */
		{4, 4, 4, 4, 0, 10, 0, 10},      /* DB: m32int, fld/fstp m80 */
		{8, 8, 8, 8, 8, 8, 8, 8},        /* DC: m64real */
		{8, 8, 8, 8, 108, 0, 108, 2},    /* DD: m64, frstor, fsave, fstsw */
		{2, 2, 2, 2, 2, 2, 2, 2},        /* DE: m16int */
		{2, 2, 2, 2, 10, 8, 10, 8},      /* DF: m16int, fbld, fild m64, fbstp, fistp m64 */
	};
	u32 n = size[d->op & 7][d->reg & 7];
	if (!(d->flags & INSN_O32) && (n == 28 || n == 108))
		n -= n == 28 ? 14 : 14; /* 16-bit environment forms: 14 / 94 bytes */
	return n;
}

void op_esc(Cpu *c, const Insn *d)
{
	if (c->cr0 & (CR0_EM | CR0_TS))
		cpu_fault_noerr(c, EXC_NM);
	if (c->cfg.fpu) {
		fpu_exec(c, d);
		return;
	}
	/* empty socket: the CPU still forms and limit-checks the operand address */
	if (d->flags & INSN_MEM) {
		u32 n = fpu_mem_size(d);
		if (n)
			lin_r(c, d->seg, ea_of(c, d), n);
	}
}

void op_wait(Cpu *c, const Insn *d)
{
	(void)d;
	if ((c->cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
		cpu_fault_noerr(c, EXC_NM);
}
