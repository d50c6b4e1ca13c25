/* fpu_host.c: the x87's arithmetic on the host's own x87 (the interface: fpu_host.h).
 *
 * Every numeric x87 instruction of the guest runs here as itself: the window's two
 * registers are loaded (FLD m80, which copies any encoding as it is) under the guest's
 * control word (its exception masks, precision and rounding control), the instruction
 * runs with the same opcode and ModRM.reg, on ST(0)/ST(1) or on a memory operand at
 * [RSI], and its status word, TOP movement, EFLAGS (FCOMI) and the two registers are read
 * back. Unmasked exceptions on the host only set ES: they are reported at the next
 * waiting instruction, and FNSTSW/FNCLEX, which do not wait, read and clear them first,
 * so the host never takes SIGFPE and leaves what the real x87 leaves (no result after a
 * pre-computation exception, the exponent-biased result after an unmasked overflow or
 * underflow). Results are therefore those of an Intel x87 (the transcendentals of this
 * host's microcode), in every precision and rounding mode, with denormals, unnormals,
 * pseudo-denormals, NaN propagation and integer/BCD conversions as the SDM describes.
 *
 * The instructions are 576 stubs of 16 bytes (endbr64; the instruction; jmp back
 * through R11), 72 per escape opcode: the eight memory forms with ModRM (reg << 3 | 6),
 * which is [RSI], then the 64 register forms C0-FF. The host x87 stack is left empty
 * (the ABI's state) and its exceptions cleared.
 * Reference: Intel SDM vol. 1 chapter 8 and appendix C; vol. 2 (each instruction).
 * Not here: control instructions and FCMOVcc (fpu.c does them), anything on a host
 * without an x87. */
#include "cpu/fpu_host.h"

#if !defined(__x86_64__)
#error "fpu_host.c runs the guest's x87 instructions on the host's x87: it needs an x86-64 host (a soft-float fpu_host.c is needed elsewhere)"
#endif

#define STUB_END "jmp *%r11\n\t.balign 16\n\t"
#define STUB_M(op, r) "endbr64\n\t.byte " #op ", (" #r " << 3) | 6\n\t" STUB_END
#define STUB_R(op, m) "endbr64\n\t.byte " #op ", 0xC0 | " #m "\n\t" STUB_END
#define STUBS_M(op)                                                                    \
	STUB_M(op, 0) STUB_M(op, 1) STUB_M(op, 2) STUB_M(op, 3) STUB_M(op, 4)          \
	STUB_M(op, 5) STUB_M(op, 6) STUB_M(op, 7)
#define STUBS_R8(op, r)                                                                \
	STUB_R(op, r##0) STUB_R(op, r##1) STUB_R(op, r##2) STUB_R(op, r##3)            \
	STUB_R(op, r##4) STUB_R(op, r##5) STUB_R(op, r##6) STUB_R(op, r##7)
#define STUBS_OP(op)                                                                   \
	STUBS_M(op) STUBS_R8(op, 0) STUBS_R8(op, 01) STUBS_R8(op, 02) STUBS_R8(op, 03) \
	STUBS_R8(op, 04) STUBS_R8(op, 05) STUBS_R8(op, 06) STUBS_R8(op, 07)

__asm__(".pushsection .text\n\t"
	".balign 16\n"
	"vmcp_fpu_host_stubs:\n\t"
	STUBS_OP(0xD8) STUBS_OP(0xD9) STUBS_OP(0xDA) STUBS_OP(0xDB)
	STUBS_OP(0xDC) STUBS_OP(0xDD) STUBS_OP(0xDE) STUBS_OP(0xDF)
	".popsection");

/* The instruction, between the setup that loads the control word (and with FLDENV the
 * condition codes) and the read-back of status, flags and the window. Two dummy values
 * (FLD1) go in below the window, so that the two FSTP m80 that read it back never find
 * an empty register, whatever the instruction popped: no exception can be raised after
 * FNCLEX, and the guest's control word can stay until the end. FLDCW is left out when
 * the guest's control word is the host's (as 037Fh, FNINIT's, usually is), FNCLEX when
 * there is nothing to clear (masked flags stay set on the host until the next run). */
#define HOST_RUN(setup)                                                                 \
	__asm__ volatile(                                                               \
		"fnstcw %[save]\n\t"                                                    \
		setup                                                                   \
		"fld1\n\t"                                                              \
		"fld1\n\t"                                                              \
		"fldt %[b]\n\t"                                                         \
		"fldt %[a]\n\t"                                                         \
		"fnstsw %[sw0]\n\t"                                                     \
		"leaq vmcp_fpu_host_stubs(%%rip), %%rax\n\t"                            \
		"addq %[idx], %%rax\n\t"                                                \
		"leaq 1f(%%rip), %%r11\n\t"                                             \
		"cmpl %%eax, %%eax\n\t" /* ZF=1 PF=1 CF=0: what no FCOMI leaves */      \
		"jmp *%%rax\n"                                                          \
		"1:\n\t"                                                                \
		"endbr64\n\t"                                                           \
		"setz %[zf]\n\t"                                                        \
		"setp %[pf]\n\t"                                                        \
		"setc %[cf]\n\t"                                                        \
		"fnstsw %%ax\n\t"                                                      \
		"movw %%ax, %[sw]\n\t"                                                  \
		"testb $0x80, %%al\n\t" /* ES: clear before the stores wait */          \
		"jz 4f\n\t"                                                             \
		"fnclex\n"                                                             \
		"4:\n\t"                                                                \
		"fstpt %[a]\n\t"                                                        \
		"fstpt %[b]\n\t"                                                        \
		"ffree %%st(0)\n\t"                                                     \
		"ffree %%st(1)\n\t"                                                     \
		"ffree %%st(2)\n\t"                                                     \
		"ffree %%st(3)\n\t"                                                     \
		"ffree %%st(4)\n\t"                                                     \
		"ffree %%st(5)\n\t"                                                     \
		"ffree %%st(6)\n\t"                                                     \
		"ffree %%st(7)\n\t"                                                     \
		"movw %[cw], %%ax\n\t"                                                  \
		"cmpw %%ax, %[save]\n\t"                                                \
		"je 3f\n\t"                                                             \
		"fldcw %[save]\n"                                                       \
		"3:"                                                                    \
		: [a] "+m"(o->st[0]), [b] "+m"(o->st[1]), [mem] "+m"(o->mem),           \
		  [save] "=m"(save), [sw0] "=m"(sw0), [sw] "=m"(sw), [zf] "=m"(zf),     \
		  [pf] "=m"(pf), [cf] "=m"(cf)                                          \
		: [cw] "m"(o->cw), [env] "m"(env), [idx] "r"(idx), "S"(o->mem)          \
		: "rax", "r11", "cc", "memory", "st", "st(1)", "st(2)", "st(3)", "st(4)", \
		  "st(5)", "st(6)", "st(7)")

/* Whether the instruction may leave some of C0, C2, C3 as they were in a way that
 * depends on its operands (compares, FXAM, FPREM/FPREM1, the trigonometric ones, the
 * FCOMI family): those start from the guest's condition codes (FLDENV, slower; the
 * window's loads then set C1 to 0, which only the FCOMI family does not overwrite). The
 * others write C1 and leave C0, C2 and C3 alone (fpu_native_test checks all this). */
static bool keeps_cc(u8 op, u8 modrm)
{
	int reg = (modrm >> 3) & 7;
	switch (op) {
	case 0xD8: case 0xDA: case 0xDC: case 0xDE:
		return reg == 2 || reg == 3 || modrm == 0xE9;
	case 0xD9:
		return modrm == 0xE4 || modrm == 0xE5 || modrm == 0xF2 || modrm == 0xF5 ||
		       modrm == 0xF8 || modrm == 0xFB || modrm == 0xFE || modrm == 0xFF;
	case 0xDB: case 0xDF:
		return modrm >= 0xE8 && modrm < 0xF8;
	case 0xDD:
		return modrm >= 0xE0 && modrm < 0xF0;
	default:
		return false;
	}
}

void fpu_host_exec(FpuHostOp *o, u8 op, u8 modrm)
{
	u64 n = (modrm >> 6) != 3 ? (modrm >> 3) & 7u : 8u + (modrm & 0x3Fu);
	u64 idx = ((op & 7u) * 72 + n) * 16;
	const u16 cc = 0x4500;            /* C0, C2, C3 */
	u16 save, sw0, sw;
	u8 zf, pf, cf;
	if (keeps_cc(op, modrm)) {
		/* the environment: control word, condition codes, all registers empty */
		u32 env[7] = {0xFFFF0000u | o->cw, 0xFFFF0000u | (o->sw & (cc | 0x0200)),
			      0xFFFFFFFFu, 0, 0, 0, 0};
		HOST_RUN("fldenv %[env]\n\t");
		/* the window's loads cleared C1, which the FCOMI family leaves alone */
		if ((op == 0xDB || op == 0xDF) && modrm >= 0xE8)
			sw = (u16)((sw & ~0x0200) | (o->sw & 0x0200));
	} else {
		u32 env = 0;
		HOST_RUN("fnstsw %%ax\n\t" /* flags left by the last run, or others */
			 "testb $0x3F, %%al\n\t"
			 "jz 5f\n\t"
			 "fnclex\n"
			 "5:\n\t"
			 "movw %[cw], %%ax\n\t"
			 "cmpw %%ax, %[save]\n\t"
			 "je 2f\n\t"
			 "fldcw %[cw]\n"
			 "2:\n\t");
		sw = (u16)((sw & ~cc) | (o->sw & cc));
	}
	o->sw = sw;
	/* sw0, zf, pf and cf are outputs of the asm in HOST_RUN, which cppcheck cannot see */
	// cppcheck-suppress uninitvar
	o->dtop = (s8)((((sw >> 11) - (sw0 >> 11)) + 4) & 7) - 4;
	// cppcheck-suppress uninitvar
	o->flags_set = !(zf && pf && !cf);
	o->zpc = (u8)((cf ? 0x01 : 0) | (pf ? 0x04 : 0) | (zf ? 0x40 : 0));
}
