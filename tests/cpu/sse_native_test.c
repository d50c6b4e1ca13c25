/* sse_native_test: every MMX, SSE, SSE2 and SSE3 instruction form of the Pentium 4
 * checked against the host CPU, which runs the same instruction natively.
 *
 * The forms are a table (one line per opcode and mandatory prefix, SDM vol. 2 appendix
 * A), each tried with a register and a memory operand where it has them, with random
 * registers. Each case draws a random state: XMM registers and the memory operand from
 * the classes that matter (zeros, denormals, the smallest normals, infinities, QNaNs
 * with payloads, SNaNs, the QNaN indefinite, values near the ends of the exponent range
 * so that products and quotients overflow and underflow, values near 2^31 for the
 * integer conversions, small integers, saturation boundaries, random bits); MXCSR with
 * every rounding mode, DAZ and FTZ, the exception masks all set, all clear or mixed,
 * and sticky flags; the MMX registers, TOP and the tag word (so the x87-to-MMX
 * transition shows); general registers; arithmetic flags; the immediate.
 *
 * The host runs the instruction between FXRSTOR and FXSAVE (legacy SSE encodings mean
 * the same in 64-bit mode; ModRM 00/110 is [RSI] as it is [ESI] in a 32-bit guest), with
 * the state's MXCSR: an unmasked SIMD exception traps (SIGFPE), and the state at the
 * trap (flags set, destination untouched) is what real hardware leaves for #XM. VMCP
 * runs it in flat 32-bit protected mode with CR4.OSFXSR and OSXMMEXCPT set; an exception
 * ends at a HLT in its handler. Compared: XMM0-7, MXCSR, the x87 status word, abridged
 * tag word and registers (the MMX registers), the general registers, EFLAGS, the 16
 * bytes of memory, and whether #XM was raised (vector 19) - nothing else may be.
 * Not compared: RCPPS/RSQRTPS's approximations are the host's (VMCP takes them from the
 * host: on an AMD host they are AMD's, see src/cpu/README.md).
 * Skipped on hosts other than x86-64 with SSE3.
 *
 * usage: sse_native_test [--count N per form] [--seed S] [--verbose] [--form NAME] */
#include "../test.h"
#include "harness.h"

#if defined(__x86_64__)
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>

#define CODE 0x1000u
#define MEMOP 0x2000u
#define GDT 0x3000u
#define IDT 0x4000u
#define HANDLERS 0x5000u
#define EXC_XM_VEC 19

/* ---- the host side ---- */
typedef struct HostCtx {
	u64 gpr[8];    /* 0: RAX RCX RDX RBX (RSP) RBP RSI RDI */
	u64 flags_in;  /* 64 */
	u64 flags_out; /* 72 */
	u64 pad[2];
	u8 fx[512];     /* 96: FXRSTOR before, FXSAVE after */
	u8 hostfx[512]; /* 608: the host's own state */
} __attribute__((aligned(16))) HostCtx;

static u8 *jit;
static volatile sig_atomic_t trapped;
static volatile uintptr_t resume_at;

/* push rbx; push rbp; mov r11,rdi; fxsave [r11+608]; fxrstor [r11+96]; push [r11+64];
 * popfq; mov rax..rdi (not rsp) from [r11] */
static const u8 stub_pre[] = {
	0x53, 0x55, 0x49, 0x89, 0xfb, 0x41, 0x0f, 0xae, 0x83, 0x60, 0x02, 0x00, 0x00, 0x41,
	0x0f, 0xae, 0x4b, 0x60, 0x41, 0xff, 0x73, 0x40, 0x9d, 0x49, 0x8b, 0x03, 0x49, 0x8b,
	0x4b, 0x08, 0x49, 0x8b, 0x53, 0x10, 0x49, 0x8b, 0x5b, 0x18, 0x49, 0x8b, 0x6b, 0x28,
	0x49, 0x8b, 0x73, 0x30, 0x49, 0x8b, 0x7b, 0x38};
/* mov [r11..],rax..rdi; pushfq; pop [r11+72]; fxsave [r11+96]; fxrstor [r11+608]; cld;
 * pop rbp; pop rbx; ret */
static const u8 stub_post[] = {
	0x49, 0x89, 0x03, 0x49, 0x89, 0x4b, 0x08, 0x49, 0x89, 0x53, 0x10, 0x49, 0x89, 0x5b,
	0x18, 0x49, 0x89, 0x6b, 0x28, 0x49, 0x89, 0x73, 0x30, 0x49, 0x89, 0x7b, 0x38, 0x9c,
	0x41, 0x8f, 0x43, 0x48, 0x41, 0x0f, 0xae, 0x43, 0x60, 0x41, 0x0f, 0xae, 0x8b, 0x60,
	0x02, 0x00, 0x00, 0xfc, 0x5d, 0x5b, 0xc3};

/* #XM on the host: carry on after the instruction, with the state it trapped in. */
static void on_sigfpe(int sig, siginfo_t *si, void *uctx)
{
	(void)sig;
	(void)si;
	ucontext_t *uc = uctx;
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)resume_at;
	trapped = 1;
}

static bool host_run(const u8 *insn, int len, HostCtx *h)
{
	size_t n = 0;
	memcpy(jit, stub_pre, sizeof(stub_pre));
	n += sizeof(stub_pre);
	memcpy(jit + n, insn, (size_t)len);
	n += (size_t)len;
	resume_at = (uintptr_t)(jit + n);
	memcpy(jit + n, stub_post, sizeof(stub_post));
	n += sizeof(stub_post);
	__builtin___clear_cache((char *)jit, (char *)jit + n);
	trapped = 0;
	void (*volatile fn)(HostCtx *) = (void (*)(HostCtx *))(void *)jit;
	fn(h);
	__asm__ volatile("" ::: "memory");
	return trapped != 0;
}

static bool host_has_sse3(void)
{
	u32 a = 1, b, c, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
	return c & 1;
}

static u32 host_mxcsr_mask(void)
{
	static u8 fx[512] __attribute__((aligned(16)));
	__asm__ volatile("fxsave %0" : "=m"(fx));
	u32 m;
	memcpy(&m, fx + 28, 4);
	return m ? m & 0xFFFF : 0xFFBF;
}

/* ---- random values ---- */
static u64 rng_state;
static u64 rnd(void) { return xorshift64s(&rng_state); }
static u32 rndn(u32 n) { return (u32)(rnd() % n); }

static u32 rnd_f32(void)
{
	u32 v = (u32)rnd();
	u32 s = v & 0x80000000u, fr = v & 0x7FFFFF;
	switch (rndn(20)) {
	case 0: return s;                                            /* zero */
	case 1: case 2: return s | (fr ? fr : 1);                    /* denormal */
	case 3: return s | 0x00800000u | (rndn(2) ? 0 : fr);         /* smallest normals */
	case 4: return s | 0x7F800000u;                              /* infinity */
	case 5: return s | 0x7FC00000u | (rndn(2) ? 0 : fr);         /* QNaN */
	case 6: return s | 0x7F800000u | ((fr & 0x3FFFFF) ? fr & 0x3FFFFF : 1); /* SNaN */
	case 7: return 0xFFC00000u;                                  /* indefinite */
	case 8: return s | (u32)(1 + rndn(40)) << 23 | fr;           /* tiny */
	case 9: return s | (u32)(214 + rndn(40)) << 23 | fr;         /* huge */
	case 10: return s | 0x7F7FFFFFu;                             /* largest finite */
	case 11: return s | (u32)(156 + rndn(3)) << 23 | (rndn(2) ? 0 : fr); /* near 2^31 */
	case 12: case 13: return s | (u32)(127 + rndn(24)) << 23 | (fr & 0x7F0000); /* ints */
	case 14: return s | (u32)(126 + rndn(3)) << 23 | fr;         /* near 1 */
	default: return s | (u32)(1 + rndn(254)) << 23 | fr;         /* normal */
	}
}

static u64 rnd_f64(void)
{
	u64 v = rnd();
	u64 s = v & (1ull << 63), fr = v & ((1ull << 52) - 1);
	switch (rndn(20)) {
	case 0: return s;
	case 1: case 2: return s | (fr ? fr : 1);
	case 3: return s | (1ull << 52) | (rndn(2) ? 0 : fr);
	case 4: return s | 0x7FF0000000000000ull;
	case 5: return s | 0x7FF8000000000000ull | (rndn(2) ? 0 : fr);
	case 6: return s | 0x7FF0000000000000ull | ((fr >> 1) ? fr >> 1 : 1);
	case 7: return 0xFFF8000000000000ull;
	case 8: return s | (u64)(1 + rndn(60)) << 52 | fr;
	case 9: return s | (u64)(1986 + rndn(60)) << 52 | fr;
	case 10: return s | 0x7FEFFFFFFFFFFFFFull;
	case 11: return s | (u64)(1053 + rndn(3)) << 52 | (rndn(2) ? 0 : fr); /* near 2^31 */
	case 12: case 13: return s | (u64)(1023 + rndn(32)) << 52 | (fr & 0xFFFFF00000000ull);
	case 14: /* the single range's edges, for CVTPD2PS/CVTSD2SS */
		return s | (u64)(rndn(2) ? 1023 - 126 - rndn(30) : 1023 + 126 + rndn(4)) << 52 | fr;
	case 15: return s | (u64)(1022 + rndn(3)) << 52 | fr;
	default: return s | (u64)(1 + rndn(2046)) << 52 | fr;
	}
}

static u8 rnd_intbyte(void)
{
	static const u8 edge[] = {0x00, 0x01, 0x7F, 0x80, 0x81, 0xFE, 0xFF};
	return rndn(3) ? (u8)rnd() : edge[rndn(sizeof(edge))];
}

/* 16 bytes: singles, doubles, integers with saturation edges, or a shift count. */
static void rnd_xmm(u8 *p)
{
	switch (rndn(10)) {
	case 0: case 1: case 2: case 3:
		for (int i = 0; i < 4; i++) {
			u32 v = rnd_f32();
			memcpy(p + 4 * i, &v, 4);
		}
		break;
	case 4: case 5: case 6:
		for (int i = 0; i < 2; i++) {
			u64 v = rnd_f64();
			memcpy(p + 8 * i, &v, 8);
		}
		break;
	case 7: case 8:
		for (int i = 0; i < 16; i++)
			p[i] = rnd_intbyte();
		break;
	default: { /* small: shift counts, word indexes */
		u64 v = rndn(4) ? rndn(70) : rnd();
		memcpy(p, &v, 8);
		v = rnd();
		memcpy(p + 8, &v, 8);
		break;
	}
	}
}

/* ---- the forms ---- */
enum { K_X, K_M, K_G };  /* XMM, MMX, general register */
enum {
	F_IMM = 1,     /* an imm8 follows */
	F_MEMONLY = 2, /* the r/m operand is memory only */
	F_REGONLY = 4, /* register only */
	F_FIXREG = 8,  /* ModRM.reg is fixed (groups): fixreg */
	F_EDI = 16,    /* stores at [EDI] (MASKMOVQ, MASKMOVDQU) */
	F_NOMODRM = 32 /* no ModRM (EMMS) */
};

typedef struct Form {
	const char *name;
	u8 pfx, op;   /* 0: no prefix */
	u8 regk, rmk; /* K_* of ModRM.reg and of the r/m register */
	u8 flags, fixreg;
} Form;

static const Form table[] = {
	{"movups", 0, 0x10, K_X, K_X, 0, 0}, {"movupd", 0x66, 0x10, K_X, K_X, 0, 0},
	{"movss", 0xF3, 0x10, K_X, K_X, 0, 0}, {"movsd", 0xF2, 0x10, K_X, K_X, 0, 0},
	{"movups st", 0, 0x11, K_X, K_X, 0, 0}, {"movupd st", 0x66, 0x11, K_X, K_X, 0, 0},
	{"movss st", 0xF3, 0x11, K_X, K_X, 0, 0}, {"movsd st", 0xF2, 0x11, K_X, K_X, 0, 0},
	{"movlps/movhlps", 0, 0x12, K_X, K_X, 0, 0}, {"movlpd", 0x66, 0x12, K_X, K_X, F_MEMONLY, 0},
	{"movsldup", 0xF3, 0x12, K_X, K_X, 0, 0}, {"movddup", 0xF2, 0x12, K_X, K_X, 0, 0},
	{"movlps st", 0, 0x13, K_X, K_X, F_MEMONLY, 0}, {"movlpd st", 0x66, 0x13, K_X, K_X, F_MEMONLY, 0},
	{"unpcklps", 0, 0x14, K_X, K_X, 0, 0}, {"unpcklpd", 0x66, 0x14, K_X, K_X, 0, 0},
	{"unpckhps", 0, 0x15, K_X, K_X, 0, 0}, {"unpckhpd", 0x66, 0x15, K_X, K_X, 0, 0},
	{"movhps/movlhps", 0, 0x16, K_X, K_X, 0, 0}, {"movhpd", 0x66, 0x16, K_X, K_X, F_MEMONLY, 0},
	{"movshdup", 0xF3, 0x16, K_X, K_X, 0, 0},
	{"movhps st", 0, 0x17, K_X, K_X, F_MEMONLY, 0}, {"movhpd st", 0x66, 0x17, K_X, K_X, F_MEMONLY, 0},
	{"movaps", 0, 0x28, K_X, K_X, 0, 0}, {"movapd", 0x66, 0x28, K_X, K_X, 0, 0},
	{"movaps st", 0, 0x29, K_X, K_X, 0, 0}, {"movapd st", 0x66, 0x29, K_X, K_X, 0, 0},
	{"cvtpi2ps", 0, 0x2A, K_X, K_M, 0, 0}, {"cvtpi2pd", 0x66, 0x2A, K_X, K_M, 0, 0},
	{"cvtsi2ss", 0xF3, 0x2A, K_X, K_G, 0, 0}, {"cvtsi2sd", 0xF2, 0x2A, K_X, K_G, 0, 0},
	{"movntps", 0, 0x2B, K_X, K_X, F_MEMONLY, 0}, {"movntpd", 0x66, 0x2B, K_X, K_X, F_MEMONLY, 0},
	{"cvttps2pi", 0, 0x2C, K_M, K_X, 0, 0}, {"cvttpd2pi", 0x66, 0x2C, K_M, K_X, 0, 0},
	{"cvttss2si", 0xF3, 0x2C, K_G, K_X, 0, 0}, {"cvttsd2si", 0xF2, 0x2C, K_G, K_X, 0, 0},
	{"cvtps2pi", 0, 0x2D, K_M, K_X, 0, 0}, {"cvtpd2pi", 0x66, 0x2D, K_M, K_X, 0, 0},
	{"cvtss2si", 0xF3, 0x2D, K_G, K_X, 0, 0}, {"cvtsd2si", 0xF2, 0x2D, K_G, K_X, 0, 0},
	{"ucomiss", 0, 0x2E, K_X, K_X, 0, 0}, {"ucomisd", 0x66, 0x2E, K_X, K_X, 0, 0},
	{"comiss", 0, 0x2F, K_X, K_X, 0, 0}, {"comisd", 0x66, 0x2F, K_X, K_X, 0, 0},
	{"movmskps", 0, 0x50, K_G, K_X, F_REGONLY, 0}, {"movmskpd", 0x66, 0x50, K_G, K_X, F_REGONLY, 0},
	{"sqrtps", 0, 0x51, K_X, K_X, 0, 0}, {"sqrtpd", 0x66, 0x51, K_X, K_X, 0, 0},
	{"sqrtss", 0xF3, 0x51, K_X, K_X, 0, 0}, {"sqrtsd", 0xF2, 0x51, K_X, K_X, 0, 0},
	{"rsqrtps", 0, 0x52, K_X, K_X, 0, 0}, {"rsqrtss", 0xF3, 0x52, K_X, K_X, 0, 0},
	{"rcpps", 0, 0x53, K_X, K_X, 0, 0}, {"rcpss", 0xF3, 0x53, K_X, K_X, 0, 0},
	{"andps", 0, 0x54, K_X, K_X, 0, 0}, {"andpd", 0x66, 0x54, K_X, K_X, 0, 0},
	{"andnps", 0, 0x55, K_X, K_X, 0, 0}, {"andnpd", 0x66, 0x55, K_X, K_X, 0, 0},
	{"orps", 0, 0x56, K_X, K_X, 0, 0}, {"orpd", 0x66, 0x56, K_X, K_X, 0, 0},
	{"xorps", 0, 0x57, K_X, K_X, 0, 0}, {"xorpd", 0x66, 0x57, K_X, K_X, 0, 0},
	{"addps", 0, 0x58, K_X, K_X, 0, 0}, {"addpd", 0x66, 0x58, K_X, K_X, 0, 0},
	{"addss", 0xF3, 0x58, K_X, K_X, 0, 0}, {"addsd", 0xF2, 0x58, K_X, K_X, 0, 0},
	{"mulps", 0, 0x59, K_X, K_X, 0, 0}, {"mulpd", 0x66, 0x59, K_X, K_X, 0, 0},
	{"mulss", 0xF3, 0x59, K_X, K_X, 0, 0}, {"mulsd", 0xF2, 0x59, K_X, K_X, 0, 0},
	{"cvtps2pd", 0, 0x5A, K_X, K_X, 0, 0}, {"cvtpd2ps", 0x66, 0x5A, K_X, K_X, 0, 0},
	{"cvtss2sd", 0xF3, 0x5A, K_X, K_X, 0, 0}, {"cvtsd2ss", 0xF2, 0x5A, K_X, K_X, 0, 0},
	{"cvtdq2ps", 0, 0x5B, K_X, K_X, 0, 0}, {"cvtps2dq", 0x66, 0x5B, K_X, K_X, 0, 0},
	{"cvttps2dq", 0xF3, 0x5B, K_X, K_X, 0, 0},
	{"subps", 0, 0x5C, K_X, K_X, 0, 0}, {"subpd", 0x66, 0x5C, K_X, K_X, 0, 0},
	{"subss", 0xF3, 0x5C, K_X, K_X, 0, 0}, {"subsd", 0xF2, 0x5C, K_X, K_X, 0, 0},
	{"minps", 0, 0x5D, K_X, K_X, 0, 0}, {"minpd", 0x66, 0x5D, K_X, K_X, 0, 0},
	{"minss", 0xF3, 0x5D, K_X, K_X, 0, 0}, {"minsd", 0xF2, 0x5D, K_X, K_X, 0, 0},
	{"divps", 0, 0x5E, K_X, K_X, 0, 0}, {"divpd", 0x66, 0x5E, K_X, K_X, 0, 0},
	{"divss", 0xF3, 0x5E, K_X, K_X, 0, 0}, {"divsd", 0xF2, 0x5E, K_X, K_X, 0, 0},
	{"maxps", 0, 0x5F, K_X, K_X, 0, 0}, {"maxpd", 0x66, 0x5F, K_X, K_X, 0, 0},
	{"maxss", 0xF3, 0x5F, K_X, K_X, 0, 0}, {"maxsd", 0xF2, 0x5F, K_X, K_X, 0, 0},
#define MMXSSE2(n, o) {n, 0, o, K_M, K_M, 0, 0}, {n " x", 0x66, o, K_X, K_X, 0, 0}
	MMXSSE2("punpcklbw", 0x60), MMXSSE2("punpcklwd", 0x61), MMXSSE2("punpckldq", 0x62),
	MMXSSE2("packsswb", 0x63), MMXSSE2("pcmpgtb", 0x64), MMXSSE2("pcmpgtw", 0x65),
	MMXSSE2("pcmpgtd", 0x66), MMXSSE2("packuswb", 0x67), MMXSSE2("punpckhbw", 0x68),
	MMXSSE2("punpckhwd", 0x69), MMXSSE2("punpckhdq", 0x6A), MMXSSE2("packssdw", 0x6B),
	{"punpcklqdq", 0x66, 0x6C, K_X, K_X, 0, 0}, {"punpckhqdq", 0x66, 0x6D, K_X, K_X, 0, 0},
	{"movd mm,r/m", 0, 0x6E, K_M, K_G, 0, 0}, {"movd xmm,r/m", 0x66, 0x6E, K_X, K_G, 0, 0},
	{"movq mm", 0, 0x6F, K_M, K_M, 0, 0}, {"movdqa", 0x66, 0x6F, K_X, K_X, 0, 0},
	{"movdqu", 0xF3, 0x6F, K_X, K_X, 0, 0},
	{"pshufw", 0, 0x70, K_M, K_M, F_IMM, 0}, {"pshufd", 0x66, 0x70, K_X, K_X, F_IMM, 0},
	{"pshufhw", 0xF3, 0x70, K_X, K_X, F_IMM, 0}, {"pshuflw", 0xF2, 0x70, K_X, K_X, F_IMM, 0},
#define GRP(n, o, r) {n, 0, o, K_M, K_M, F_IMM | F_REGONLY | F_FIXREG, r},                 \
		     {n " x", 0x66, o, K_X, K_X, F_IMM | F_REGONLY | F_FIXREG, r}
	GRP("psrlw imm", 0x71, 2), GRP("psraw imm", 0x71, 4), GRP("psllw imm", 0x71, 6),
	GRP("psrld imm", 0x72, 2), GRP("psrad imm", 0x72, 4), GRP("pslld imm", 0x72, 6),
	GRP("psrlq imm", 0x73, 2), GRP("psllq imm", 0x73, 6),
	{"psrldq", 0x66, 0x73, K_X, K_X, F_IMM | F_REGONLY | F_FIXREG, 3},
	{"pslldq", 0x66, 0x73, K_X, K_X, F_IMM | F_REGONLY | F_FIXREG, 7},
	MMXSSE2("pcmpeqb", 0x74), MMXSSE2("pcmpeqw", 0x75), MMXSSE2("pcmpeqd", 0x76),
	{"emms", 0, 0x77, K_M, K_M, F_NOMODRM, 0},
	{"haddpd", 0x66, 0x7C, K_X, K_X, 0, 0}, {"haddps", 0xF2, 0x7C, K_X, K_X, 0, 0},
	{"hsubpd", 0x66, 0x7D, K_X, K_X, 0, 0}, {"hsubps", 0xF2, 0x7D, K_X, K_X, 0, 0},
	{"movd r/m,mm", 0, 0x7E, K_M, K_G, 0, 0}, {"movd r/m,xmm", 0x66, 0x7E, K_X, K_G, 0, 0},
	{"movq xmm,xmm/m64", 0xF3, 0x7E, K_X, K_X, 0, 0},
	{"movq mm st", 0, 0x7F, K_M, K_M, 0, 0}, {"movdqa st", 0x66, 0x7F, K_X, K_X, 0, 0},
	{"movdqu st", 0xF3, 0x7F, K_X, K_X, 0, 0},
	{"cmpps", 0, 0xC2, K_X, K_X, F_IMM, 0}, {"cmppd", 0x66, 0xC2, K_X, K_X, F_IMM, 0},
	{"cmpss", 0xF3, 0xC2, K_X, K_X, F_IMM, 0}, {"cmpsd", 0xF2, 0xC2, K_X, K_X, F_IMM, 0},
	{"movnti", 0, 0xC3, K_G, K_G, F_MEMONLY, 0},
	{"pinsrw mm", 0, 0xC4, K_M, K_G, F_IMM, 0}, {"pinsrw xmm", 0x66, 0xC4, K_X, K_G, F_IMM, 0},
	{"pextrw mm", 0, 0xC5, K_G, K_M, F_IMM | F_REGONLY, 0},
	{"pextrw xmm", 0x66, 0xC5, K_G, K_X, F_IMM | F_REGONLY, 0},
	{"shufps", 0, 0xC6, K_X, K_X, F_IMM, 0}, {"shufpd", 0x66, 0xC6, K_X, K_X, F_IMM, 0},
	{"addsubpd", 0x66, 0xD0, K_X, K_X, 0, 0}, {"addsubps", 0xF2, 0xD0, K_X, K_X, 0, 0},
	MMXSSE2("psrlw", 0xD1), MMXSSE2("psrld", 0xD2), MMXSSE2("psrlq", 0xD3),
	MMXSSE2("paddq", 0xD4), MMXSSE2("pmullw", 0xD5),
	{"movq xmm/m64,xmm", 0x66, 0xD6, K_X, K_X, 0, 0},
	{"movq2dq", 0xF3, 0xD6, K_X, K_M, F_REGONLY, 0}, {"movdq2q", 0xF2, 0xD6, K_M, K_X, F_REGONLY, 0},
	{"pmovmskb mm", 0, 0xD7, K_G, K_M, F_REGONLY, 0},
	{"pmovmskb xmm", 0x66, 0xD7, K_G, K_X, F_REGONLY, 0},
	MMXSSE2("psubusb", 0xD8), MMXSSE2("psubusw", 0xD9), MMXSSE2("pminub", 0xDA),
	MMXSSE2("pand", 0xDB), MMXSSE2("paddusb", 0xDC), MMXSSE2("paddusw", 0xDD),
	MMXSSE2("pmaxub", 0xDE), MMXSSE2("pandn", 0xDF), MMXSSE2("pavgb", 0xE0),
	MMXSSE2("psraw", 0xE1), MMXSSE2("psrad", 0xE2), MMXSSE2("pavgw", 0xE3),
	MMXSSE2("pmulhuw", 0xE4), MMXSSE2("pmulhw", 0xE5),
	{"cvttpd2dq", 0x66, 0xE6, K_X, K_X, 0, 0}, {"cvtdq2pd", 0xF3, 0xE6, K_X, K_X, 0, 0},
	{"cvtpd2dq", 0xF2, 0xE6, K_X, K_X, 0, 0},
	{"movntq", 0, 0xE7, K_M, K_M, F_MEMONLY, 0}, {"movntdq", 0x66, 0xE7, K_X, K_X, F_MEMONLY, 0},
	MMXSSE2("psubsb", 0xE8), MMXSSE2("psubsw", 0xE9), MMXSSE2("pminsw", 0xEA),
	MMXSSE2("por", 0xEB), MMXSSE2("paddsb", 0xEC), MMXSSE2("paddsw", 0xED),
	MMXSSE2("pmaxsw", 0xEE), MMXSSE2("pxor", 0xEF),
	{"lddqu", 0xF2, 0xF0, K_X, K_X, F_MEMONLY, 0},
	MMXSSE2("psllw", 0xF1), MMXSSE2("pslld", 0xF2), MMXSSE2("psllq", 0xF3),
	MMXSSE2("pmuludq", 0xF4), MMXSSE2("pmaddwd", 0xF5), MMXSSE2("psadbw", 0xF6),
	{"maskmovq", 0, 0xF7, K_M, K_M, F_REGONLY | F_EDI, 0},
	{"maskmovdqu", 0x66, 0xF7, K_X, K_X, F_REGONLY | F_EDI, 0},
	MMXSSE2("psubb", 0xF8), MMXSSE2("psubw", 0xF9), MMXSSE2("psubd", 0xFA),
	MMXSSE2("psubq", 0xFB), MMXSSE2("paddb", 0xFC), MMXSSE2("paddw", 0xFD),
	MMXSSE2("paddd", 0xFE),
#undef MMXSSE2
#undef GRP
};

/* A form as run: a table line with a register or a memory operand. */
typedef struct Case {
	const Form *f;
	bool mem;
} Case;

static Case cases[2 * sizeof(table) / sizeof(table[0])];
static int ncases;
static unsigned long fails[2 * sizeof(table) / sizeof(table[0])];

static void build_cases(void)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const Form *f = &table[i];
		if (!(f->flags & F_MEMONLY))
			cases[ncases++] = (Case){f, false};
		if (!(f->flags & (F_REGONLY | F_NOMODRM)))
			cases[ncases++] = (Case){f, true};
	}
}

/* A general register operand: not ESP (the host's stack), ESI or EDI (pointers). */
static u8 rnd_gpr(void)
{
	static const u8 ok[] = {R_EAX, R_ECX, R_EDX, R_EBX, R_EBP};
	return ok[rndn(sizeof(ok))];
}

/* ---- the guest ---- */
static void guest_setup(Vm *v)
{
	set_desc(v, GDT, 1, 0, 0xFFFFF, 0xC09B);
	set_desc(v, GDT, 2, 0, 0xFFFFF, 0xC093);
	for (int i = 0; i < 32; i++) {
		set_gate(v, IDT, i, 0x08, HANDLERS + 4u * (u32)i, 14, 0, 0);
		poke8(v, HANDLERS + 4u * (u32)i, 0xF4);
	}
}

static void guest_state(Vm *v, const HostCtx *h)
{
	CpuState st;
	cpu_get_state(v->cpu, &st);
	for (int i = 0; i < 8; i++)
		st.gpr[i] = (u32)h->gpr[i];
	st.gpr[R_ESI] = MEMOP;
	st.gpr[R_EDI] = MEMOP;
	st.gpr[R_ESP] = 0x8000;
	st.eip = CODE;
	st.eflags = (u32)h->flags_in | 2;
	st.cr0 = CR0_PE | CR0_ET | CR0_NE;
	st.cr4 = CR4_OSFXSR | CR4_OSXMMEXCPT;
	for (int i = 0; i < SEG_COUNT; i++)
		seg_set(&st.seg[i], 0x10, 0, 0xFFFFFFFF, 0xC093);
	seg_set(&st.seg[SEG_CS], 0x08, 0, 0xFFFFFFFF, 0xC09B);
	st.gdtr_base = GDT;
	st.gdtr_limit = 0x17;
	st.idtr_base = IDT;
	st.idtr_limit = 32 * 8 - 1;
	st.halted = false;
	cpu_set_state(v->cpu, &st);
}

static void hexdump(const char *what, const u8 *p, int n)
{
	printf("    %-12s", what);
	for (int i = n - 1; i >= 0; i--)
		printf("%02X%s", p[i], i && !(i % 4) ? "_" : "");
	printf("\n");
}

static u32 daz_ok;
static unsigned long traps, traps_post; /* host #XM, and those for OE or UE */

static bool one_case(Vm *v, int ci, bool verbose)
{
	const Case *cs = &cases[ci];
	const Form *f = cs->f;
	HostCtx h __attribute__((aligned(16)));
	memset(&h, 0, sizeof(h));

	/* the state */
	u8 mem[16];
	rnd_xmm(mem);
	u32 mx = (u32)rndn(4) << 13;                                 /* rounding control */
	if (daz_ok && rndn(4) == 0)
		mx |= 0x40;                                          /* DAZ */
	if (rndn(4) == 0)
		mx |= 0x8000;                                        /* FTZ */
	u32 r = rndn(20);
	mx |= r < 10 ? 0x1F80 : r < 13 ? 0 : (u32)(rnd() & 0x1F80);   /* masks */
	if (rndn(2))
		mx |= (u32)(rnd() & 0x3F);                           /* sticky flags */
	u8 *fx = h.fx;
	u16 fsw = (u16)((rnd() & 0x4700) | rndn(8) << 11);           /* C0-C3, TOP */
	u8 ftw = (u8)rnd();
	u16 fcw = 0x037F;
	memcpy(fx + 0, &fcw, 2);
	memcpy(fx + 2, &fsw, 2);
	fx[4] = ftw;
	memcpy(fx + 24, &mx, 4);
	for (int i = 0; i < 8; i++) {
		u8 x[16];
		rnd_xmm(x);
		memcpy(fx + 32 + 16 * i, x, 8); /* MMX: the significand */
		u16 se = rndn(2) ? 0xFFFF : (u16)rnd();
		memcpy(fx + 40 + 16 * i, &se, 2);
		rnd_xmm(fx + 160 + 16 * i);
	}
	for (int i = 0; i < 8; i++)
		h.gpr[i] = rndn(4) ? (u32)rnd() : rndn(2) ? rndn(64) : (u32)rnd_f32();
	h.flags_in = (u32)rnd() & (FLAG_CF | FLAG_PF | FLAG_ZF | FLAG_SF | FLAG_OF | FLAG_AF);

	/* the instruction */
	u8 insn[8];
	int len = 0;
	if (f->pfx)
		insn[len++] = f->pfx;
	insn[len++] = 0x0F;
	insn[len++] = f->op;
	u8 reg = f->regk == K_G ? rnd_gpr() : (u8)rndn(8);
	u8 rm = f->rmk == K_G ? rnd_gpr() : (u8)rndn(8);
	if (f->flags & F_FIXREG)
		reg = f->fixreg;
	if (!(f->flags & F_NOMODRM))
		insn[len++] = cs->mem ? (u8)(reg << 3 | 6) : (u8)(0xC0 | reg << 3 | rm);
	u8 imm = 0;
	if (f->flags & F_IMM) {
		imm = rndn(3) ? (u8)rndn(20) : (u8)rnd();
		insn[len++] = imm;
	}

	/* host */
	u8 hmem[32] __attribute__((aligned(16)));
	memset(hmem, 0, sizeof(hmem));
	memcpy(hmem, mem, 16);
	HostCtx in = h;
	h.gpr[R_ESI] = (u64)(uintptr_t)hmem;
	h.gpr[R_EDI] = (u64)(uintptr_t)hmem;
	bool htrap = host_run(insn, len, &h);
	if (htrap) {
		u32 after;
		memcpy(&after, h.fx + 24, 4);
		traps++;
		traps_post += ((after & ~mx) & 0x18) != 0;
	}

	/* guest */
	for (int i = 0; i < 16; i++)
		poke8(v, MEMOP + (u32)i, mem[i]);
	for (int i = 0; i < len; i++)
		poke8(v, CODE + (u32)i, insn[i]);
	poke8(v, CODE + (u32)len, 0xF4);
	guest_state(v, &in);
	CpuSseState ss;
	memcpy(ss.xmm, in.fx + 160, 128);
	ss.mxcsr = mx;
	cpu_set_sse_state(v->cpu, &ss);
	CpuFpuState fs;
	memset(&fs, 0, sizeof(fs));
	fs.cw = fcw;
	fs.sw = fsw;
	for (int i = 0; i < 8; i++) {
		if (!((ftw >> i) & 1))
			fs.tw |= (u16)(3u << (2 * i));
		memcpy(fs.st[i], in.fx + 32 + 16 * i, 10);
	}
	cpu_set_fpu_state(v->cpu, &fs);
	CpuExit ex;
	CpuExitReason why = cpu_run(v->cpu, 4, &ex);
	CpuState gs;
	cpu_get_state(v->cpu, &gs);
	cpu_get_sse_state(v->cpu, &ss);
	cpu_get_fpu_state(v->cpu, &fs);
	u8 gmem[16];
	for (int i = 0; i < 16; i++)
		gmem[i] = (u8)peek8(v, MEMOP + (u32)i);
	int gvec = -1;
	if (gs.eip != CODE + (u32)len + 1)
		gvec = gs.eip >= HANDLERS && gs.eip < HANDLERS + 128 ? (int)(gs.eip - HANDLERS) / 4 : 99;

	/* compare */
	const u8 *hx = h.fx;
	u32 hmx;
	memcpy(&hmx, hx + 24, 4);
	u16 hsw;
	memcpy(&hsw, hx + 2, 2);
	u8 gftw = 0;
	for (int i = 0; i < 8; i++)
		if (((fs.tw >> (2 * i)) & 3) != 3)
			gftw |= (u8)(1u << i);
	bool st_ok = true;
	for (int i = 0; i < 8; i++)
		st_ok = st_ok && !memcmp(fs.st[i], hx + 32 + 16 * i, 10);
	bool gpr_ok = true;
	for (int i = 0; i < 8; i++)
		if (i != R_ESP && i != R_ESI && i != R_EDI)
			gpr_ok = gpr_ok && gs.gpr[i] == (u32)h.gpr[i];
	u32 fl = FLAG_CF | FLAG_PF | FLAG_ZF | FLAG_SF | FLAG_OF | FLAG_AF;
	bool fl_ok = (gs.eflags & fl) == (h.flags_out & fl);
	bool xmm_ok = !memcmp(ss.xmm, hx + 160, 128);
	bool mx_ok = ss.mxcsr == hmx;
	bool x87_ok = fs.sw == hsw && gftw == hx[4] && st_ok;
	bool mem_ok = !memcmp(gmem, hmem, 16);
	bool exc_ok = why == CPU_EXIT_HLT && (htrap ? gvec == EXC_XM_VEC : gvec < 0);
	bool ok = xmm_ok && mx_ok && x87_ok && gpr_ok && fl_ok && mem_ok && exc_ok;
	if (!ok) {
		fails[ci]++;
		if (verbose || fails[ci] <= 2) {
			printf("FAIL %s (%s):", f->name, cs->mem ? "mem" : "reg");
			for (int i = 0; i < len; i++)
				printf(" %02X", insn[i]);
			printf(" | mxcsr %04X -> host %04X vmcp %04X; host %s, vmcp %s%d%s%s%s%s%s%s\n", mx,
			       hmx, ss.mxcsr, htrap ? "#XM" : "ok", gvec < 0 ? "ok " : "vector ", gvec,
			       xmm_ok ? "" : " XMM", x87_ok ? "" : " X87/MMX", gpr_ok ? "" : " GPR",
			       fl_ok ? "" : " EFLAGS", mem_ok ? "" : " MEM", why == CPU_EXIT_HLT ? "" : " EXIT");
			hexdump("mem in", mem, 16);
			if (!mem_ok) {
				hexdump("host mem", hmem, 16);
				hexdump("vmcp mem", gmem, 16);
			}
			for (int i = 0; i < 8; i++) {
				if (!memcmp(ss.xmm[i], hx + 160 + 16 * i, 16) && xmm_ok)
					continue;
				char nm[24];
				snprintf(nm, sizeof(nm), "xmm%d in", i);
				hexdump(nm, in.fx + 160 + 16 * i, 16);
				if (memcmp(ss.xmm[i], hx + 160 + 16 * i, 16)) {
					snprintf(nm, sizeof(nm), "host xmm%d", i);
					hexdump(nm, hx + 160 + 16 * i, 16);
					snprintf(nm, sizeof(nm), "vmcp xmm%d", i);
					hexdump(nm, ss.xmm[i], 16);
				}
			}
			if (!x87_ok)
				printf("    fsw %04X ftw %02X -> host %04X %02X, vmcp %04X %02X\n", fsw, ftw,
				       hsw, hx[4], fs.sw, gftw);
			for (int i = 0; i < 8 && !st_ok; i++) {
				char nm[24];
				snprintf(nm, sizeof(nm), "mm/st%d in", i);
				hexdump(nm, in.fx + 32 + 16 * i, 10);
				snprintf(nm, sizeof(nm), "host st%d", i);
				hexdump(nm, hx + 32 + 16 * i, 10);
				snprintf(nm, sizeof(nm), "vmcp st%d", i);
				hexdump(nm, fs.st[i], 10);
			}
			if (!gpr_ok || !fl_ok)
				for (int i = 0; i < 8; i++)
					printf("    r%d in %08X host %08X vmcp %08X\n", i, (u32)in.gpr[i],
					       (u32)h.gpr[i], gs.gpr[i]);
			if (!fl_ok)
				printf("    eflags in %llX host %llX vmcp %X\n",
				       (unsigned long long)in.flags_in,
				       (unsigned long long)(h.flags_out & fl), gs.eflags & fl);
		}
	}
	return ok;
}

int main(int argc, char **argv)
{
	u32 count = 2000;
	u64 seed = 0x55E;
	bool verbose = false;
	const char *only = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = (u32)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--form") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "--verbose"))
			verbose = true;
	}
	if (!host_has_sse3()) {
		printf("skipped: the host has no SSE3\n");
		return 0;
	}
	rng_state = seed * 0x9E3779B97F4A7C15ull + 1;
	daz_ok = host_mxcsr_mask() & 0x40;
	jit = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (jit == MAP_FAILED) {
		printf("skipped: no executable memory for the native runs\n");
		return 0;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigfpe;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGFPE, &sa, NULL);
	build_cases();
	CpuConfig cfg = {.model = CPU_MODEL_P4, .fpu = true};
	Vm *v = vm_new_cfg(&cfg);
	guest_setup(v);
	unsigned long good = 0, total = 0;
	for (u32 n = 0; n < count; n++) {
		for (int ci = 0; ci < ncases; ci++) {
			if (only && strcmp(cases[ci].f->name, only))
				continue;
			good += one_case(v, ci, verbose);
			total++;
		}
	}
	int bad = 0;
	for (int i = 0; i < ncases; i++)
		bad += fails[i] != 0;
	printf("%d instruction forms (%zu opcodes with a prefix), %lu cases, %lu agree; %d forms "
	       "disagree; %lu cases raised #XM, %lu of them for overflow or underflow\n", ncases,
	       sizeof(table) / sizeof(table[0]), total, good, bad, traps, traps_post);
	for (int i = 0; i < ncases; i++)
		if (!only || !strcmp(cases[i].f->name, only))
			CHECK(fails[i] == 0, "%s (%s): %lu cases differ from the host", cases[i].f->name,
			      cases[i].mem ? "mem" : "reg", fails[i]);
	vm_free(v);
	munmap(jit, 4096);
	return test_summary();
}
#else
int main(void)
{
	printf("skipped: the native cross-check needs an x86-64 host\n");
	return 0;
}
#endif
