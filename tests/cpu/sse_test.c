/* sse_test: the architecture around MMX, SSE, SSE2 and SSE3, by hand from the SDM
 * (sse_native_test compares every instruction's results with the host's; this test
 * checks what that cannot):
 *  - CPUID of the pentium4 model (leaves 0, 1, 2, the brand string, leaves above the
 *    highest), the i686 model unchanged; CR4.OSFXSR/OSXMMEXCPT writable only on it;
 *    the state after RESET and INIT;
 *  - #UD and #NM: SSE forms #UD with CR0.EM or without CR4.OSFXSR, #NM with CR0.TS (EM
 *    first); MMX forms #UD with EM, #NM with TS, working without OSFXSR; FXSAVE/FXRSTOR
 *    #NM with EM or TS, working without OSFXSR; MOVNTI, CLFLUSH, the fences and the
 *    prefetches whatever CR0 says; #UD on the P6 for every new form, and for the prefix
 *    combinations, register forms, groups and LOCK the Pentium 4 lacks;
 *  - #XM, or #UD with CR4.OSXMMEXCPT clear: MXCSR's flags set, the destination kept,
 *    EIP at the instruction; the masked response;
 *  - #GP(0) for a misaligned 16-byte operand of the aligned forms (also SS-relative:
 *    never #SS), judged on the linear address (the segment base counts); the unaligned
 *    forms, scalar and 64-bit operands never;
 *  - FXSAVE's layout field by field (x87 environment and pointers, abridged tags,
 *    MXCSR and MXCSR_MASK, the registers with zeroed padding, XMM0-7; bytes 288-511
 *    untouched; without OSFXSR no XMM registers); FXRSTOR loading all of it, #GP(0) for
 *    a reserved MXCSR bit with nothing changed; LDMXCSR/STMXCSR;
 *  - the MMX registers in the x87: a write sets the exponent to all ones, TOP to 0 and
 *    every tag valid; EMMS empties; a pending x87 exception is #MF for MMX forms and
 *    for CVTPI2PS from an MMX register, not for SSE forms or CVTPI2PS from memory;
 *  - PAUSE, the hint NOPs (no memory access, no fault), CLFLUSH's segment check, RDPMC;
 *  - the Pentium 4's IA32_MISC_ENABLE and IA32_PLATFORM_ID (#GP on the P6). */
#include "../test.h"
#include "harness.h"

#define HANDLERS 0x3000u /* a HLT per vector: vector n at HANDLERS + 4 * n */
#define GDT 0x5000u
#define IDT 0x5800u
#define CODE 0x1000u
#define DATA 0x2000u
#define DATA2 0x3000u
#define EXC_GP_VEC 13

static Vm *svm(CpuModel m)
{
	CpuConfig cfg = {.model = m, .fpu = true};
	Vm *v = vm_new_cfg(&cfg);
	for (u32 i = 0; i < 32; i++)
		poke8(v, HANDLERS + 4 * i, 0xF4);
	return v;
}

/* Flat 32-bit protected mode at CODE, ring 0, with CR0 |= cr0 and CR4 = cr4: GDT 08
 * code, 10 data, 18 data with limit 2FFFh, 20 data based at 8; an IDT of interrupt
 * gates to the HLT handlers. */
static void pm_at(Vm *v, u32 cr0, u32 cr4)
{
	set_desc(v, GDT, 1, 0, 0xFFFFF, 0xC09B);
	set_desc(v, GDT, 2, 0, 0xFFFFF, 0xC093);
	set_desc(v, GDT, 3, 0, 0x2FFF, 0x4093);
	set_desc(v, GDT, 4, 8, 0xFFFFF, 0xC093);
	for (int i = 0; i < 32; i++)
		set_gate(v, IDT, i, 0x08, HANDLERS + 4 * (u32)i, 14, 0, 0);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	memset(st.gpr, 0, sizeof(st.gpr));
	st.gpr[R_ESP] = 0x7000;
	st.eip = CODE;
	st.eflags = 2;
	st.cr0 = CR0_PE | CR0_ET | CR0_NE | cr0;
	st.cr4 = cr4;
	for (int i = 0; i < SEG_COUNT; i++)
		seg_set(&st.seg[i], 0x10, 0, 0xFFFFFFFF, 0xC093);
	seg_set(&st.seg[SEG_CS], 0x08, 0, 0xFFFFFFFF, 0xC09B);
	st.gdtr_base = GDT;
	st.gdtr_limit = 0x27;
	st.idtr_base = IDT;
	st.idtr_limit = 32 * 8 - 1;
	st.halted = false;
	cpu_set_state(v->cpu, &st);
}

#define SSE_ON (CR4_OSFXSR | CR4_OSXMMEXCPT)

static int run(Vm *v) { return vm_run_to_handler(v, HANDLERS); }

/* The code at CODE in the given state; returns what run() says. */
static int exec(Vm *v, const char *hex, u32 cr0, u32 cr4)
{
	pm_at(v, cr0, cr4);
	poke(v, CODE, hex);
	return run(v);
}

static CpuState state(Vm *v)
{
	CpuState st;
	cpu_get_state(v->cpu, &st);
	return st;
}

static CpuSseState sse(Vm *v)
{
	CpuSseState s;
	cpu_get_sse_state(v->cpu, &s);
	return s;
}

static void set_xmm(Vm *v, int i, u32 a, u32 b, u32 c, u32 d, u32 mxcsr)
{
	CpuSseState s = sse(v);
	u32 w[4] = {a, b, c, d};
	memcpy(s.xmm[i], w, 16);
	s.mxcsr = mxcsr;
	cpu_set_sse_state(v->cpu, &s);
}

static u32 xmm32(Vm *v, int i, int lane)
{
	CpuSseState s = sse(v);
	u32 w;
	memcpy(&w, s.xmm[i] + 4 * lane, 4);
	return w;
}

/* The error code an exception pushed (the handler halted with it on top). */
static u32 err_code(Vm *v)
{
	return peek32(v, state(v).gpr[R_ESP]);
}

/* ---- identification, CR4, RESET/INIT ---- */
static u32 cpuid(Vm *v, u32 leaf, u32 out[4])
{
	pm_at(v, 0, 0);
	CpuState st = state(v);
	st.gpr[R_EAX] = leaf;
	cpu_set_state(v->cpu, &st);
	poke(v, CODE, "0f a2 f4"); /* cpuid; hlt */
	int r = run(v);
	st = state(v);
	out[0] = st.gpr[R_EAX];
	out[1] = st.gpr[R_EBX];
	out[2] = st.gpr[R_ECX];
	out[3] = st.gpr[R_EDX];
	return (u32)r;
}

static void test_cpuid(void)
{
	Vm *v = svm(CPU_MODEL_P4);
	u32 r[4];
	cpuid(v, 0, r);
	CHECK(r[0] == 2 && r[1] == 0x756E6547 && r[3] == 0x49656E69 && r[2] == 0x6C65746E,
	      "P4 leaf 0: %X %X %X %X", r[0], r[1], r[2], r[3]);
	cpuid(v, 1, r);
	/* FPU PSE TSC MSR PAE CX8 SEP MTRR PGE CMOV PAT CLFSH MMX FXSR SSE SSE2; SSE3 */
	CHECK(r[0] == 0xF34 && r[1] == 0x00010800 && r[2] == 1 && r[3] == 0x0789B979,
	      "P4 leaf 1: %X %X %X %X", r[0], r[1], r[2], r[3]);
	cpuid(v, 2, r);
	CHECK(r[0] == 0x605B5001 && r[1] == 0 && r[2] == 0 && r[3] == 0x007C7040,
	      "P4 leaf 2: %X %X %X %X", r[0], r[1], r[2], r[3]);
	u32 r3[4], r5[4];
	cpuid(v, 3, r3);
	cpuid(v, 0x80000005u, r5);
	CHECK(!memcmp(r3, r, 16) && !memcmp(r5, r, 16), "leaves above the highest give leaf 2");
	cpuid(v, 0x80000000u, r);
	CHECK(r[0] == 0x80000004u, "P4 highest extended leaf %X", r[0]);
	cpuid(v, 0x80000001u, r);
	CHECK(!r[0] && !r[1] && !r[2] && r[3] == 0x100000,
	      "P4 leaf 80000001h: NX alone (no long mode, no SYSCALL): %X", r[3]);
	char brand[49] = {0};
	for (u32 i = 0; i < 3; i++) {
		cpuid(v, 0x80000002u + i, r);
		memcpy(brand + 16 * i, r, 16);
	}
	CHECK(!strcmp(brand, "              Intel(R) Pentium(R) 4 CPU 2.80GHz"), "brand '%s'", brand);
	/* RESET leaves the signature in EDX */
	cpu_reset(v->cpu);
	CHECK(state(v).gpr[R_EDX] == 0xF34, "EDX after RESET %X", state(v).gpr[R_EDX]);
	vm_free(v);

	v = svm(CPU_MODEL_P6);
	cpuid(v, 0, r);
	CHECK(r[0] == 2 && r[1] == 0x756E6547, "P6 leaf 0: %X %X", r[0], r[1]);
	cpuid(v, 1, r);
	/* FPU PSE TSC MSR PAE CX8 SEP MTRR PGE CMOV */
	CHECK(r[0] == 0x633 && r[1] == 0 && r[2] == 0 && r[3] == 0xB979, "P6 leaf 1: %X %X %X %X",
	      r[0], r[1], r[2], r[3]);
	/* a Pentium II's cache and TLB descriptors: TLBs 01h-04h, L1 08h (16 KiB code) and
	 * 0Ch (16 KiB data), L2 43h (512 KiB) */
	cpuid(v, 2, r);
	CHECK(r[0] == 0x03020101 && r[1] == 0 && r[2] == 0 && r[3] == 0x0C040843,
	      "P6 leaf 2: %X %X %X %X", r[0], r[1], r[2], r[3]);
	/* no extended leaves: 80000000h, like any leaf above the highest, gives leaf 2 */
	cpuid(v, 0x80000000u, r3);
	cpuid(v, 5, r5);
	CHECK(!memcmp(r3, r, 16) && !memcmp(r5, r, 16), "P6: above leaf 2, leaf 2");
	vm_free(v);
}

static void test_cr4_reset(void)
{
	Vm *v = svm(CPU_MODEL_P4);
	pm_at(v, 0, 0);
	CpuState st = state(v);
	st.gpr[R_EAX] = SSE_ON | CR4_PSE;
	cpu_set_state(v->cpu, &st);
	poke(v, CODE, "0f 22 e0 0f 20 e3 f4"); /* mov cr4,eax; mov ebx,cr4; hlt */
	CHECK(run(v) == -1 && state(v).gpr[R_EBX] == (SSE_ON | CR4_PSE), "P4 CR4 %X",
	      state(v).gpr[R_EBX]);
	/* RESET: XMM zero, MXCSR 1F80h; INIT keeps both */
	set_xmm(v, 3, 1, 2, 3, 4, 0x9FC0);
	cpu_init_signal(v->cpu);
	CHECK(xmm32(v, 3, 2) == 3 && sse(v).mxcsr == 0x9FC0, "INIT keeps XMM and MXCSR");
	cpu_reset(v->cpu);
	CHECK(xmm32(v, 3, 0) == 0 && xmm32(v, 3, 3) == 0 && sse(v).mxcsr == 0x1F80,
	      "RESET: XMM 0, MXCSR %X", sse(v).mxcsr);
	/* cpu_set_sse_state drops bits the model lacks */
	set_xmm(v, 0, 0, 0, 0, 0, 0x12345);
	CHECK(sse(v).mxcsr == 0x2345, "MXCSR mask on set: %X", sse(v).mxcsr);
	vm_free(v);

	v = svm(CPU_MODEL_P6);
	pm_at(v, 0, 0);
	st = state(v);
	st.gpr[R_EAX] = CR4_OSFXSR;
	cpu_set_state(v->cpu, &st);
	poke(v, CODE, "0f 22 e0 0f 20 e3 f4");
	CHECK(run(v) == EXC_GP_VEC, "P6: CR4.OSFXSR is reserved (#GP)");
	vm_free(v);
}

/* ---- #UD, #NM ---- */
static void test_ud_nm(void)
{
	Vm *v = svm(CPU_MODEL_P4);
	const char *addps = "0f 58 c1 f4", *paddb = "0f fc c1 f4";
	CHECK(exec(v, addps, 0, SSE_ON) == -1, "ADDPS runs with OSFXSR");
	CHECK(exec(v, addps, 0, 0) == 6, "ADDPS without OSFXSR: #UD");
	CHECK(exec(v, addps, CR0_EM, SSE_ON) == 6, "ADDPS with EM: #UD");
	CHECK(exec(v, addps, CR0_TS, SSE_ON) == 7, "ADDPS with TS: #NM");
	CHECK(exec(v, addps, CR0_TS | CR0_EM, SSE_ON) == 6, "ADDPS with EM and TS: #UD first");
	CHECK(exec(v, addps, CR0_TS, 0) == 6, "ADDPS with TS, no OSFXSR: #UD first");
	CHECK(exec(v, "0f ae 15 00 20 00 00 f4", 0, 0) == 6, "LDMXCSR without OSFXSR: #UD");
	CHECK(exec(v, paddb, 0, 0) == -1, "PADDB mm without OSFXSR runs");
	CHECK(exec(v, paddb, CR0_EM, 0) == 6, "PADDB with EM: #UD");
	CHECK(exec(v, paddb, CR0_TS, 0) == 7, "PADDB with TS: #NM");
	CHECK(exec(v, "0f 77 f4", CR0_TS, 0) == 7, "EMMS with TS: #NM");
	const char *fxsave = "0f ae 05 00 20 00 00 f4";
	CHECK(exec(v, fxsave, 0, 0) == -1, "FXSAVE without OSFXSR runs");
	CHECK(exec(v, fxsave, CR0_EM, SSE_ON) == 7, "FXSAVE with EM: #NM");
	CHECK(exec(v, fxsave, CR0_TS, SSE_ON) == 7, "FXSAVE with TS: #NM");
	CHECK(exec(v, "0f ae 0d 00 20 00 00 f4", CR0_TS, SSE_ON) == 7, "FXRSTOR with TS: #NM");
	/* integer and cache forms: no CR0/CR4 checks */
	CHECK(exec(v, "0f c3 05 00 20 00 00 f4", CR0_EM | CR0_TS, 0) == -1, "MOVNTI with EM/TS");
	CHECK(exec(v, "0f ae 3d 00 20 00 00 0f ae e8 0f ae f0 0f ae f8 f4", CR0_EM | CR0_TS, 0) == -1,
	      "CLFLUSH, LFENCE, MFENCE, SFENCE with EM/TS");
	CHECK(exec(v, "f3 90 0f 1f 04 00 0f 18 00 0f 18 08 f4", CR0_EM | CR0_TS, 0) == -1,
	      "PAUSE, NOP Ev, PREFETCHNTA/T0 with EM/TS");

	/* encodings the Pentium 4 lacks */
	static const struct { const char *hex, *what; } ud[] = {
		{"f3 0f 14 c1 f4", "F3 0F 14 (no UNPCKLPS with F3)"},
		{"f2 0f 77 f4", "F2 0F 77"},
		{"66 0f 77 f4", "66 0F 77"},
		{"f3 0f 6c c1 f4", "F3 0F 6C"},
		{"0f 6c c1 f4", "0F 6C without 66"},
		{"66 0f 2b c1 f4", "MOVNTPD with a register"},
		{"0f 13 c1 f4", "MOVLPS store with a register"},
		{"0f 50 00 f4", "MOVMSKPS with memory"},
		{"0f c5 00 01 f4", "PEXTRW with memory"},
		{"0f d7 00 f4", "PMOVMSKB with memory"},
		{"0f f7 00 f4", "MASKMOVQ with memory"},
		{"f3 0f d6 00 f4", "MOVQ2DQ with memory"},
		{"0f 71 c1 01 f4", "group 12 /0"},
		{"0f 71 10 01 f4", "PSRLW mm, imm with memory"},
		{"0f 73 d9 01 f4", "PSRLDQ without 66"},
		{"66 0f 73 18 01 f4", "PSRLDQ with memory"},
		{"f0 0f 58 c1 f4", "LOCK ADDPS"},
		{"f0 0f 58 00 f4", "LOCK ADDPS m128"},
		{"0f ae 20 f4", "0F AE /4 (XSAVE)"},
		{"0f ae 28 f4", "0F AE /5 with memory (XRSTOR)"},
		{"0f ae 30 f4", "0F AE /6 with memory"},
		{"0f ae c0 f4", "FXSAVE with a register"},
		{"0f c3 c0 f4", "MOVNTI with a register"},
		{"66 0f c3 00 f4", "66 MOVNTI"},
		{"f2 0f f0 c1 f4", "LDDQU with a register"},
		{"f2 0f 5b c1 f4", "F2 0F 5B"},
		{"0f e6 c1 f4", "0F E6 without a prefix"},
		{"0f 7c c1 f4", "0F 7C without a prefix"},
		{"0f 0d 00 f4", "0F 0D (3DNow! prefetch)"},
		{"0f 0e f4", "0F 0E (FEMMS)"},
		{"0f 0f c1 b4 f4", "0F 0F (3DNow!)"},
		{"0f 38 00 c1 f4", "0F 38 (SSSE3)"},
		{"0f 3a 0f c1 00 f4", "0F 3A (SSSE3)"},
		{"0f 01 c8 f4", "MONITOR (not advertised)"},
		{"0f 01 f9 f4", "RDTSCP (not advertised)"},
		{"0f 05 f4", "SYSCALL"},
		{"0f b8 c1 f4", "0F B8"},
		{"0f ff c1 f4", "0F FF"},
		{"0f 78 c1 f4", "0F 78 (VMREAD)"},
	};
	for (unsigned i = 0; i < sizeof(ud) / sizeof(ud[0]); i++)
		CHECK(exec(v, ud[i].hex, 0, SSE_ON) == 6, "P4: %s is #UD", ud[i].what);
	vm_free(v);

	/* the P6 has none of it, but the hint NOPs and RDPMC */
	v = svm(CPU_MODEL_P6);
	CHECK(exec(v, addps, 0, SSE_ON) == 6, "P6: ADDPS is #UD");
	CHECK(exec(v, paddb, 0, 0) == 6, "P6: PADDB is #UD");
	CHECK(exec(v, fxsave, 0, 0) == 6, "P6: FXSAVE is #UD");
	CHECK(exec(v, "0f ae e8 f4", 0, 0) == 6, "P6: LFENCE is #UD");
	CHECK(exec(v, "0f c3 05 00 20 00 00 f4", 0, 0) == 6, "P6: MOVNTI is #UD");
	CHECK(exec(v, "0f 1f 04 00 0f 18 00 0f 19 c0 0f 1e 38 f4", 0, 0) == -1, "P6: hint NOPs");
	CHECK(exec(v, "0f 33 f4", 0, 0) == -1, "P6: RDPMC");
	vm_free(v);
	v = svm(CPU_MODEL_PENTIUM);
	CHECK(exec(v, "0f 1f 04 00 f4", 0, 0) == 6, "Pentium: 0F 1F is #UD");
	CHECK(exec(v, "0f 33 f4", 0, 0) == 6, "Pentium: RDPMC is #UD");
	vm_free(v);
}

/* ---- #XM ---- */
static void test_xm(void)
{
	Vm *v = svm(CPU_MODEL_P4);
	const u32 one = 0x3F800000;
	/* DIVPS by zero with ZE unmasked */
	for (int osx = 0; osx < 2; osx++) {
		pm_at(v, 0, osx ? SSE_ON : CR4_OSFXSR);
		set_xmm(v, 1, 0, one, one, one, 0);
		set_xmm(v, 0, one, one, one, one, 0x1F80 & ~0x200u);
		poke(v, CODE, "0f 5e c1 f4"); /* divps xmm0,xmm1 */
		int r = run(v);
		CHECK(r == (osx ? 19 : 6), "unmasked ZE with OSXMMEXCPT=%d: vector %d", osx, r);
		CHECK(sse(v).mxcsr == ((0x1F80 & ~0x200u) | 4), "ZE set: MXCSR %X", sse(v).mxcsr);
		CHECK(xmm32(v, 0, 0) == one && xmm32(v, 0, 1) == one, "destination kept");
		CHECK(peek32(v, state(v).gpr[R_ESP]) == CODE, "EIP pushed is the instruction's");
	}
	/* masked: infinity, ZE */
	pm_at(v, 0, SSE_ON);
	set_xmm(v, 1, 0, one, one, one, 0);
	set_xmm(v, 0, one, one, one, one, 0x1F80);
	poke(v, CODE, "0f 5e c1 f4");
	CHECK(run(v) == -1 && xmm32(v, 0, 0) == 0x7F800000 && xmm32(v, 0, 1) == one &&
	      sse(v).mxcsr == 0x1F84, "masked ZE: infinity, MXCSR %X", sse(v).mxcsr);
	/* an unmasked flag already set raises nothing by itself (unlike the x87) */
	pm_at(v, 0, SSE_ON);
	set_xmm(v, 0, one, one, one, one, 0x1F84 & ~0x200u);
	set_xmm(v, 1, one, one, one, one, 0x1F84 & ~0x200u);
	poke(v, CODE, "0f 58 c1 f4"); /* addps: 2.0, exact */
	CHECK(run(v) == -1 && xmm32(v, 0, 0) == 0x40000000, "a set unmasked flag is not pending");
	/* CVTSI2SS inexact with PE unmasked: #XM, PE */
	pm_at(v, 0, SSE_ON);
	set_xmm(v, 0, 0, 0, 0, 0, 0x1F80 & ~0x1000u);
	CpuState st = state(v);
	st.gpr[R_EAX] = 0x7FFFFFFF;
	cpu_set_state(v->cpu, &st);
	poke(v, CODE, "f3 0f 2a c0 f4");
	CHECK(run(v) == 19 && sse(v).mxcsr == ((0x1F80 & ~0x1000u) | 0x20) && xmm32(v, 0, 0) == 0,
	      "CVTSI2SS inexact, PM clear: #XM with PE");
	vm_free(v);
}

/* ---- alignment ---- */
static void test_align(void)
{
	Vm *v = svm(CPU_MODEL_P4);
	static const struct { const char *hex, *what; int want; } t[] = {
		{"0f 28 05 08 20 00 00 f4", "MOVAPS load at 2008h", 13},
		{"0f 10 05 08 20 00 00 f4", "MOVUPS at 2008h", -1},
		{"0f 58 05 08 20 00 00 f4", "ADDPS m128 at 2008h", 13},
		{"f3 0f 58 05 02 20 00 00 f4", "ADDSS m32 at 2002h", -1},
		{"66 0f 7f 05 04 20 00 00 f4", "MOVDQA store at 2004h", 13},
		{"0f 2b 05 08 20 00 00 f4", "MOVNTPS at 2008h", 13},
		{"f2 0f f0 05 01 20 00 00 f4", "LDDQU at 2001h", -1},
		{"0f ae 05 08 20 00 00 f4", "FXSAVE at 2008h", 13},
		{"0f ae 0d 08 20 00 00 f4", "FXRSTOR at 2008h", 13},
		{"0f 28 45 08 f4", "MOVAPS [EBP+8] (SS): #GP, not #SS", 13},
		{"0f 6f 05 03 20 00 00 f4", "MOVQ mm, m64 at 2003h", -1},
		{"66 0f 70 05 0c 20 00 00 1b f4", "PSHUFD m128 at 200Ch", 13},
		{"66 0f fc 05 08 20 00 00 f4", "PADDB xmm, m128 at 2008h", 13},
		{"0f fc 05 0c 20 00 00 f4", "PADDB mm, m64 at 200Ch", -1},
		{"f3 0f 12 05 08 20 00 00 f4", "MOVSLDUP m128 at 2008h", 13},
		{"f2 0f 12 05 08 20 00 00 f4", "MOVDDUP m64 at 2008h", -1},
		{"0f 5a 05 08 20 00 00 f4", "CVTPS2PD m64 at 2008h", -1},
		{"66 0f 2d 05 08 20 00 00 f4", "CVTPD2PI m128 at 2008h", 13},
		{"f3 0f 6f 05 01 20 00 00 f4", "MOVDQU at 2001h", -1},
		{"66 0f f7 c1 f4", "MASKMOVDQU at [EDI] 2001h", -1},
	};
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		pm_at(v, 0, SSE_ON);
		CpuState st = state(v);
		st.gpr[R_EBP] = 0x2000;
		st.gpr[R_EDI] = 0x2001;
		cpu_set_state(v->cpu, &st);
		poke(v, CODE, t[i].hex);
		int r = run(v);
		CHECK(r == t[i].want && (r != 13 || err_code(v) == 0), "%s: vector %d", t[i].what, r);
	}
	/* the linear address decides: DS based at 8 */
	pm_at(v, 0, SSE_ON);
	CpuState st = state(v);
	seg_set(&st.seg[SEG_DS], 0x20, 8, 0xFFFFFFFF, 0xC093);
	cpu_set_state(v->cpu, &st);
	poke(v, CODE, "0f 28 05 f8 1f 00 00 f4"); /* movaps xmm0,[1FF8h]: linear 2000h */
	CHECK(run(v) == -1, "MOVAPS at DS:1FF8h, base 8: aligned");
	pm_at(v, 0, SSE_ON);
	cpu_set_state(v->cpu, &st);
	poke(v, CODE, "0f 28 05 00 20 00 00 f4"); /* linear 2008h */
	CHECK(run(v) == 13, "MOVAPS at DS:2000h, base 8: #GP");
	vm_free(v);
}

/* ---- FXSAVE, FXRSTOR, LDMXCSR, STMXCSR ---- */
static void test_fxsave(void)
{
	Vm *v = svm(CPU_MODEL_P4);
	for (u32 i = 0; i < 512; i++)
		poke8(v, DATA + i, 0xCC);
	poke32(v, DATA2, 0x40490FDB); /* pi as a single */
	pm_at(v, 0, SSE_ON);
	for (int i = 0; i < 8; i++)
		set_xmm(v, i, 0x11111111u * (u32)i, 0xA0000000u + (u32)i, 0x55, 0xFFFFFFFFu - (u32)i,
			0x9FC1);
	/* fninit; fld1; fldpi; fld dword [3000h]; fxsave [2000h]; hlt */
	poke(v, CODE, "db e3 d9 e8 d9 eb d9 05 00 30 00 00 0f ae 05 00 20 00 00 f4");
	CHECK(run(v) == -1, "FXSAVE runs");
	CHECK(peek16(v, DATA + 0) == 0x037F, "FCW %X", peek16(v, DATA));
	CHECK(peek16(v, DATA + 2) == (5u << 11), "FSW %X (TOP 5)", peek16(v, DATA + 2));
	CHECK(peek8(v, DATA + 4) == 0xE0 && peek8(v, DATA + 5) == 0, "abridged tags %X",
	      peek8(v, DATA + 4));
	CHECK(peek16(v, DATA + 6) == 0x105, "FOP %X (D9 05)", peek16(v, DATA + 6));
	CHECK(peek32(v, DATA + 8) == CODE + 6 && peek16(v, DATA + 12) == 0x08 &&
	      peek16(v, DATA + 14) == 0, "FIP %X FCS %X", peek32(v, DATA + 8), peek16(v, DATA + 12));
	CHECK(peek32(v, DATA + 16) == DATA2 && peek16(v, DATA + 20) == 0x10 &&
	      peek16(v, DATA + 22) == 0, "FDP %X FDS %X", peek32(v, DATA + 16), peek16(v, DATA + 20));
	CHECK(peek32(v, DATA + 24) == 0x9FC1 && peek32(v, DATA + 28) == 0xFFFF, "MXCSR %X mask %X",
	      peek32(v, DATA + 24), peek32(v, DATA + 28));
	/* ST0 = pi (single, extended), ST1 = pi (FLDPI), ST2 = 1 */
	CHECK(peek32(v, DATA + 32 + 4) == 0xC90FDB00u && peek16(v, DATA + 40) == 0x4000,
	      "ST0 slot");
	CHECK(peek32(v, DATA + 64 + 4) == 0x80000000u && peek32(v, DATA + 64) == 0 &&
	      peek16(v, DATA + 72) == 0x3FFF, "ST2 slot (1.0)");
	bool pad = true;
	for (u32 i = 0; i < 8; i++)
		for (u32 b = 10; b < 16; b++)
			pad = pad && peek8(v, DATA + 32 + 16 * i + b) == 0;
	CHECK(pad, "the slots' padding is zero");
	bool xmm = true;
	for (u32 i = 0; i < 8; i++)
		xmm = xmm && peek32(v, DATA + 160 + 16 * i) == 0x11111111u * i &&
		      peek32(v, DATA + 172 + 16 * i) == 0xFFFFFFFFu - i;
	CHECK(xmm, "XMM0-7 at 160-287");
	bool rest = true;
	for (u32 i = 288; i < 512; i++)
		rest = rest && peek8(v, DATA + i) == 0xCC;
	CHECK(rest, "bytes 288-511 untouched");
	CpuFpuState f;
	cpu_get_fpu_state(v->cpu, &f);
	CHECK(f.cw == 0x037F && ((f.sw >> 11) & 7) == 5, "FXSAVE leaves the x87 alone");

	/* without OSFXSR: no XMM */
	for (u32 i = 0; i < 512; i++)
		poke8(v, DATA + i, 0xCC);
	CHECK(exec(v, "0f ae 05 00 20 00 00 f4", 0, 0) == -1, "FXSAVE, OSFXSR clear");
	CHECK(peek32(v, DATA + 24) == 0x9FC1 && peek8(v, DATA + 160) == 0xCC &&
	      peek8(v, DATA + 287) == 0xCC, "without OSFXSR: MXCSR stored, XMM not");

	/* FXRSTOR: an image with everything changed */
	for (u32 i = 0; i < 512; i++)
		poke8(v, DATA + i, 0);
	poke16(v, DATA + 0, 0x0262);
	poke16(v, DATA + 2, (3u << 11) | 0x4100);
	poke8(v, DATA + 4, 0x0F);
	poke16(v, DATA + 6, 0x7FF);
	poke32(v, DATA + 8, 0x12345678);
	poke16(v, DATA + 12, 0x1B);
	poke32(v, DATA + 16, 0x9ABCDEF0);
	poke16(v, DATA + 20, 0x23);
	poke32(v, DATA + 24, 0x7F40);
	for (u32 i = 0; i < 8; i++) {
		poke32(v, DATA + 32 + 16 * i, 0x1000 + i);
		poke32(v, DATA + 36 + 16 * i, 0x80000000u);
		poke16(v, DATA + 40 + 16 * i, 0x3FFF + (u16)i);
		poke32(v, DATA + 160 + 16 * i, 0xC0DE0000u + i);
	}
	CHECK(exec(v, "0f ae 0d 00 20 00 00 f4", 0, SSE_ON) == -1, "FXRSTOR runs");
	cpu_get_fpu_state(v->cpu, &f);
	CHECK(f.cw == 0x0262 && f.sw == ((3u << 11) | 0x4100) && f.fop == 0x7FF &&
	      f.fip == 0x12345678 && f.fcs == 0x1B && f.fdp == 0x9ABCDEF0 && f.fds == 0x23,
	      "x87 environment loaded: cw %X sw %X fop %X", f.cw, f.sw, f.fop);
	/* R0-R3 not empty, R4-R7 empty: with TOP 3, ST(0)..ST(4) hold slots 0..4 */
	u16 want_tw = 0xFF00; /* R4-R7 empty (11), R0-R3 from contents: valid (00) */
	CHECK(f.tw == want_tw, "tags %X", f.tw);
	CHECK(f.st[0][8] == 0xFF && f.st[0][9] == 0x3F && f.st[1][8] == 0x00 && f.st[1][9] == 0x40,
	      "registers in ST order");
	CHECK(sse(v).mxcsr == 0x7F40 && xmm32(v, 5, 0) == 0xC0DE0005u, "MXCSR and XMM loaded");
	/* a reserved MXCSR bit: #GP(0), nothing loaded */
	poke32(v, DATA + 24, 0x11F80);
	poke16(v, DATA + 0, 0x037F);
	pm_at(v, 0, SSE_ON);
	poke(v, CODE, "0f ae 0d 00 20 00 00 f4");
	CHECK(run(v) == 13 && err_code(v) == 0, "FXRSTOR with MXCSR bit 16: #GP(0)");
	cpu_get_fpu_state(v->cpu, &f);
	CHECK(f.cw == 0x0262 && sse(v).mxcsr == 0x7F40, "nothing changed");
	/* without OSFXSR: MXCSR loaded, XMM not */
	poke32(v, DATA + 24, 0x1F80);
	poke32(v, DATA + 160 + 16 * 5, 0x55555555);
	CHECK(exec(v, "0f ae 0d 00 20 00 00 f4", 0, 0) == -1 && sse(v).mxcsr == 0x1F80 &&
	      xmm32(v, 5, 0) == 0xC0DE0005u, "FXRSTOR without OSFXSR: MXCSR only");

	/* LDMXCSR/STMXCSR */
	poke32(v, DATA, 0xFFFF);
	CHECK(exec(v, "0f ae 15 00 20 00 00 f4", 0, SSE_ON) == -1 && sse(v).mxcsr == 0xFFFF,
	      "LDMXCSR FFFFh (DAZ included)");
	poke32(v, DATA, 0x10000);
	CHECK(exec(v, "0f ae 15 00 20 00 00 f4", 0, SSE_ON) == 13 && sse(v).mxcsr == 0xFFFF,
	      "LDMXCSR with bit 16: #GP(0), MXCSR kept");
	CHECK(exec(v, "0f ae 1d 00 20 00 00 f4", 0, SSE_ON) == -1 && peek32(v, DATA) == 0xFFFF,
	      "STMXCSR");
	vm_free(v);
}

/* ---- the MMX registers in the x87 ---- */
static void test_mmx_x87(void)
{
	Vm *v = svm(CPU_MODEL_P4);
	poke32(v, DATA2, 0x89ABCDEF);
	poke32(v, DATA2 + 4, 0x01234567);
	/* fninit; fld1; fld1; movq mm2,[3000h]; hlt: TOP was 6 */
	CHECK(exec(v, "db e3 d9 e8 d9 e8 0f 6f 15 00 30 00 00 f4", 0, 0) == -1, "MOVQ mm2");
	CpuFpuState f;
	cpu_get_fpu_state(v->cpu, &f);
	CHECK(((f.sw >> 11) & 7) == 0, "TOP 0 after an MMX form");
	bool none_empty = true;
	for (int i = 0; i < 8; i++)
		none_empty = none_empty && ((f.tw >> (2 * i)) & 3) != 3;
	CHECK(none_empty, "every tag valid: tw %X", f.tw);
	u64 m;
	memcpy(&m, f.st[2], 8);
	CHECK(m == 0x0123456789ABCDEFull && f.st[2][8] == 0xFF && f.st[2][9] == 0xFF,
	      "MM2 is R2's significand, exponent all ones");
	CHECK(f.st[6][8] == 0xFF && f.st[6][9] == 0x3F, "R6 (1.0) unchanged");
	CHECK(exec(v, "0f 77 f4", 0, 0) == -1, "EMMS");
	cpu_get_fpu_state(v->cpu, &f);
	CHECK(f.tw == 0xFFFF && ((f.sw >> 11) & 7) == 0, "EMMS: all empty, TOP 0");

	/* a pending x87 exception: #MF for MMX forms, not for SSE forms */
	poke16(v, DATA2, 0x037B); /* ZE unmasked */
	const char *pre = "db e3 d9 2d 00 30 00 00 d9 ee d9 e8 d8 f1 90 "; /* fdiv by zero */
	char code[128];
	snprintf(code, sizeof(code), "%s0f fc c1 f4", pre); /* paddb mm0,mm1 */
	CHECK(exec(v, code, 0, SSE_ON) == 16, "PADDB with an x87 exception pending: #MF");
	snprintf(code, sizeof(code), "%s0f 58 c1 f4", pre); /* addps */
	CHECK(exec(v, code, 0, SSE_ON) == -1, "ADDPS ignores it");
	snprintf(code, sizeof(code), "%s0f 2a c1 f4", pre); /* cvtpi2ps xmm0,mm1 */
	CHECK(exec(v, code, 0, SSE_ON) == 16, "CVTPI2PS from mm: #MF");
	snprintf(code, sizeof(code), "%s0f 2a 05 00 30 00 00 f4", pre); /* cvtpi2ps xmm0,[3000h] */
	CHECK(exec(v, code, 0, SSE_ON) == -1, "CVTPI2PS from m64: no #MF");
	snprintf(code, sizeof(code), "%s0f 77 f4", pre);
	CHECK(exec(v, code, 0, SSE_ON) == 16, "EMMS: #MF");
	vm_free(v);
}

/* ---- PAUSE, hint NOPs, CLFLUSH, RDPMC ---- */
static void test_misc(void)
{
	Vm *v = svm(CPU_MODEL_P4);
	/* DS limit 2FFFh (selector 18h): the hint NOPs never touch memory */
	pm_at(v, 0, SSE_ON);
	CpuState st = state(v);
	seg_set(&st.seg[SEG_DS], 0x18, 0, 0x2FFF, 0x4093);
	st.gpr[R_EAX] = 0x7FFFFFF0;
	cpu_set_state(v->cpu, &st);
	poke(v, CODE, "f3 90 0f 1f 04 00 0f 18 00 0f 18 08 0f 18 38 0f 1c 00 f4");
	CHECK(run(v) == -1, "PAUSE and the hint NOPs past the segment limit");
	pm_at(v, 0, SSE_ON);
	cpu_set_state(v->cpu, &st);
	poke(v, CODE, "0f ae 38 f4"); /* clflush [eax] */
	CHECK(run(v) == 13, "CLFLUSH past the limit: #GP");
	st.gpr[R_EAX] = 0x2000;
	pm_at(v, 0, SSE_ON);
	cpu_set_state(v->cpu, &st);
	CHECK(run(v) == -1, "CLFLUSH inside the limit");
	/* RDPMC: counters 0-17 read 0; 18 is #GP; CPL 3 without CR4.PCE is #GP */
	for (u32 n = 0; n < 20; n += 17) {
		pm_at(v, 0, SSE_ON);
		st = state(v);
		st.gpr[R_ECX] = n + (n ? 1 : 0);
		st.gpr[R_EAX] = st.gpr[R_EDX] = 0xDEAD;
		cpu_set_state(v->cpu, &st);
		poke(v, CODE, "0f 33 f4");
		int r = run(v);
		if (n)
			CHECK(r == 13, "RDPMC ECX=18: #GP");
		else
			CHECK(r == -1 && state(v).gpr[R_EAX] == 0 && state(v).gpr[R_EDX] == 0, "RDPMC 0");
	}
	vm_free(v);
}

/* ---- the Pentium 4's MSRs: IA32_MISC_ENABLE, IA32_PLATFORM_ID ---- */
static int msr(Vm *v, const char *code, u32 ecx, u32 eax, u32 edx)
{
	pm_at(v, 0, 0);
	CpuState st = state(v);
	st.gpr[R_ECX] = ecx;
	st.gpr[R_EAX] = eax;
	st.gpr[R_EDX] = edx;
	cpu_set_state(v->cpu, &st);
	poke(v, CODE, code);
	return run(v);
}

static void test_msr(void)
{
	Vm *v = svm(CPU_MODEL_P4);
	const char *rd = "0f 32 f4", *wr_rd = "0f 30 0f 32 f4";
	CHECK(msr(v, rd, 0x1A0, 0, 0) == -1 && state(v).gpr[R_EAX] == 0x1801 && state(v).gpr[R_EDX] == 0,
	      "MISC_ENABLE after RESET: fast strings, no BTS/PEBS (%X)", state(v).gpr[R_EAX]);
	/* the read/write bits take what is written (limit CPUID 22, XD disable 34), the
	 * read-only ones stay (7, 11, 12) */
	CHECK(msr(v, wr_rd, 0x1A0, 0x00400080, 4) == -1 && state(v).gpr[R_EAX] == 0x00401800 &&
	      state(v).gpr[R_EDX] == 4, "MISC_ENABLE written: %X:%X", state(v).gpr[R_EDX],
	      state(v).gpr[R_EAX]);
	CHECK(msr(v, rd, 0x17, 0, 0) == -1 && state(v).gpr[R_EAX] == 0 && state(v).gpr[R_EDX] == 0,
	      "PLATFORM_ID reads 0");
	CHECK(msr(v, wr_rd, 0x17, 0, 0) == 13, "PLATFORM_ID is read-only (#GP)");
	vm_free(v);
	v = svm(CPU_MODEL_P6);
	CHECK(msr(v, rd, 0x1A0, 0, 0) == 13, "P6: no MISC_ENABLE (#GP)");
	CHECK(msr(v, rd, 0x17, 0, 0) == 13, "P6: no PLATFORM_ID (#GP)");
	vm_free(v);
}

int main(void)
{
	test_cpuid();
	test_cr4_reset();
	test_ud_nm();
	test_xm();
	test_align();
	test_fxsave();
	test_mmx_x87();
	test_misc();
	test_msr();
	return test_summary();
}
