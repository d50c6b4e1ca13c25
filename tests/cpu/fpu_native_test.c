/* fpu_native_test: every x87 instruction of the P6 (and the Pentium 4's FISTTP) checked
 * against the host's x87.
 *
 * For each case a random x87 state (registers drawn from every class: zeros, normals
 * across the exponent range, denormals, pseudo-denormals, unnormals, infinities,
 * pseudo-infinities, QNaNs, SNaNs, pseudo-NaNs, the indefinite, small integers, values
 * near 2^63; random empty tags, TOP, C0-C3, sticky flags, exception masks, precision and
 * rounding control), random EFLAGS and a random memory operand of the instruction's
 * format are given to both machines; the host runs the instruction natively between
 * FRSTOR and FNSAVE (the x87 encodings mean the same in 64-bit mode, and ModRM 00/110
 * addresses [RSI] there as [ESI] in a 32-bit guest), VMCP runs it in flat 32-bit
 * protected mode with CR0.NE = 1. Compared: control, status and tag words, the eight
 * registers, the memory operand afterwards, EFLAGS, AX, and that VMCP took no
 * exception. Not compared: the instruction/data pointers and opcode (the host's are
 * 64-bit addresses; this host, like every CPU since the Pentium 4's "FOP deprecation",
 * stores FCS/FDS as 0), which fpu_test checks by hand. Waiting instructions start with
 * no unmasked flag pending (the host would take SIGFPE); the non-waiting ones with any.
 * The environment instructions (FLDENV, FNSTENV, FRSTOR, FNSAVE) are fpu_test's.
 * Every instruction form gets the same share of cases. Skipped on non-x86-64 hosts.
 *
 * usage: fpu_native_test [--count N] [--seed S] [--verbose] */
#include "../test.h"
#include "harness.h"

#if defined(__x86_64__)
#include <sys/mman.h>

#define CODE 0x1000u
#define MEMOP 0x2000u
#define GDT 0x3000u

typedef struct HostCtx {
	u64 mem_ptr;   /* 0: RSI */
	u64 rax;       /* 8 */
	u64 flags_in;  /* 16 */
	u64 flags_out; /* 24 */
	u8 fsave[108]; /* 32 */
} HostCtx;

static u8 *jit;

/* mov rsi,[r11+0]; mov rax,[r11+8]; push [r11+16]; popfq; frstor [r11+32]; INSN;
 * fnsave [r11+32]; pushfq; pop [r11+24]; mov [r11+8],rax; cld; ret (r11 = rdi) */
static void host_run(const u8 *insn, int len, HostCtx *h)
{
	static const u8 pre[] = {0x49, 0x89, 0xFB, 0x49, 0x8B, 0x73, 0x00, 0x49, 0x8B, 0x43, 0x08,
				 0x41, 0xFF, 0x73, 0x10, 0x9D, 0x41, 0xDD, 0x63, 0x20};
	static const u8 post[] = {0x41, 0xDD, 0x73, 0x20, 0x9C, 0x41, 0x8F, 0x43, 0x18,
				  0x49, 0x89, 0x43, 0x08, 0xFC, 0xC3};
	size_t n = 0;
	memcpy(jit, pre, sizeof(pre));
	n += sizeof(pre);
	memcpy(jit + n, insn, (size_t)len);
	n += (size_t)len;
	memcpy(jit + n, post, sizeof(post));
	n += sizeof(post);
	__builtin___clear_cache((char *)jit, (char *)jit + n);
	void (*volatile fn)(HostCtx *) = (void (*)(HostCtx *))(void *)jit;
	fn(h);
	__asm__ volatile("" ::: "memory");
}

/* ---- random values ---- */
static u64 rng_state;
static u64 rnd(void) { return xorshift64s(&rng_state); }
static u32 rndn(u32 n) { return (u32)(rnd() % n); }

/* An 80-bit value from one of the classes the x87 tells apart. */
static void rnd_f80(u8 *p)
{
	u64 m = rnd();
	u32 e = rndn(0x7FFF);
	u32 s = rndn(2) << 15;
	switch (rndn(20)) {
	case 0: m = 0; e = 0; break;                                  /* zero */
	case 1: m &= ~(1ull << 63); e = 0; break;                     /* denormal */
	case 2: m |= 1ull << 63; e = 0; break;                        /* pseudo-denormal */
	case 3: m &= ~(1ull << 63); e = 1 + rndn(0x7FFE); break;      /* unnormal */
	case 4: m = 1ull << 63; e = 0x7FFF; break;                    /* infinity */
	case 5: m = 0; e = 0x7FFF; break;                             /* pseudo-infinity */
	case 6: m |= 3ull << 62; e = 0x7FFF; break;                   /* QNaN */
	case 7: m = (m | 1ull << 63 | 1) & ~(1ull << 62); e = 0x7FFF; break; /* SNaN */
	case 8: m = (m | 1) & ~(1ull << 63); e = 0x7FFF; break;       /* pseudo-NaN */
	case 9: m = 3ull << 62; e = 0x7FFF; s = 0x8000; break;        /* indefinite */
	case 10: case 11: {                                           /* small integer */
		u64 v = 1 + rndn(1000);
		int sh = __builtin_clzll(v);
		m = v << sh;
		e = (u32)(0x3FFF + 63 - sh);
		break;
	}
	case 12: m |= 1ull << 63; e = 0x3FFF + 60 + rndn(8); break;   /* near 2^63 */
	case 13: m |= 1ull << 63; e = 0x3FFF - 3 + rndn(7); break;    /* near 1 */
	case 14: m |= 1ull << 63; e = rndn(80); break;                /* tiny */
	case 15: m |= 1ull << 63; e = 0x7FFE - rndn(80); break;       /* huge */
	case 16: m = (m | 1ull << 63) & ~0x7FFull; e = 0x3FFF - 30 + rndn(60); break;
	default: m |= 1ull << 63; e = 1 + rndn(0x7FFE); break;        /* normal */
	}
	memcpy(p, &m, 8);
	u16 se = (u16)(s | e);
	memcpy(p + 8, &se, 2);
}

static void rnd_f32(u8 *p)
{
	u32 v = (u32)rnd();
	u32 s = v & 0x80000000u, fr = v & 0x7FFFFF;
	switch (rndn(12)) {
	case 0: v = s; break;
	case 1: v = s | (fr ? fr : 1); break;                       /* denormal */
	case 2: v = s | 0x7F800000u; break;                         /* infinity */
	case 3: v = s | 0x7FC00000u | fr; break;                    /* QNaN */
	case 4: v = s | 0x7F800000u | ((fr & 0x3FFFFF) ? fr & 0x3FFFFF : 1); break; /* SNaN */
	case 5: v = s | (u32)(127 + rndn(20)) << 23 | (fr & 0x7F0000); break; /* simple */
	default: break;
	}
	memcpy(p, &v, 4);
}

static void rnd_f64(u8 *p)
{
	u64 v = rnd();
	u64 s = v & (1ull << 63), fr = v & ((1ull << 52) - 1);
	switch (rndn(12)) {
	case 0: v = s; break;
	case 1: v = s | (fr ? fr : 1); break;
	case 2: v = s | 0x7FF0000000000000ull; break;
	case 3: v = s | 0x7FF8000000000000ull | fr; break;
	case 4: v = s | 0x7FF0000000000000ull | ((fr >> 1) ? fr >> 1 : 1); break;
	case 5: v = s | (u64)(1023 + rndn(40)) << 52 | (fr & 0xFFFF000000000ull); break;
	default: break;
	}
	memcpy(p, &v, 8);
}

static void rnd_int(u8 *p, int n)
{
	u64 v = rnd();
	switch (rndn(6)) {
	case 0: v = 0; break;
	case 1: v = rndn(100); break;
	case 2: v = (u64)-(s64)rndn(100); break;
	case 3: v = 1ull << (8 * n - 1); break;              /* the most negative */
	default: break;
	}
	memcpy(p, &v, (size_t)n);
}

static void rnd_bcd(u8 *p)
{
	for (int i = 0; i < 9; i++)
		p[i] = (u8)(rndn(10) << 4 | rndn(10));
	p[9] = rndn(2) ? 0x80 : 0;
	if (rndn(10) == 0)
		p[rndn(10)] = (u8)rnd(); /* invalid digits */
}

/* ---- the instructions ---- */
enum { MT_NONE, MT_R32, MT_R64, MT_R80, MT_I16, MT_I32, MT_I64, MT_BCD, MT_CW };

typedef struct Form {
	u8 op, modrm; /* modrm with mod=00 rm=110 for memory forms */
	u8 mt;        /* memory operand type */
	bool nowait;
} Form;

static Form forms[700];
static int nforms;

static void add(u8 op, u8 modrm, u8 mt, bool nowait)
{
	forms[nforms++] = (Form){op, modrm, mt, nowait};
}

/* The P6's x87 encodings (SDM vol. 2 A.5), without the environment instructions, and
 * the Pentium 4's FISTTP (SSE3). */
static void build_forms(void)
{
	static const u8 arith_mt[8] = {MT_R32, 0, MT_I32, 0, MT_R64, 0, MT_I16, 0};
	for (int op = 0xD8; op <= 0xDE; op += 2)
		for (int r = 0; r < 8; r++)
			add((u8)op, (u8)(r << 3 | 6), arith_mt[op - 0xD8], false);
	/* D9 */
	add(0xD9, 0x06, MT_R32, false);
	add(0xD9, 0x16, MT_R32, false);
	add(0xD9, 0x1E, MT_R32, false);
	add(0xD9, 0x2E, MT_CW, false);
	add(0xD9, 0x3E, MT_I16, true);
	/* DB */
	add(0xDB, 0x06, MT_I32, false);
	add(0xDB, 0x0E, MT_I32, false); /* FISTTP m32 (SSE3) */
	add(0xDB, 0x16, MT_I32, false);
	add(0xDB, 0x1E, MT_I32, false);
	add(0xDB, 0x2E, MT_R80, false);
	add(0xDB, 0x3E, MT_R80, false);
	/* DD */
	add(0xDD, 0x06, MT_R64, false);
	add(0xDD, 0x0E, MT_I64, false); /* FISTTP m64 */
	add(0xDD, 0x16, MT_R64, false);
	add(0xDD, 0x1E, MT_R64, false);
	add(0xDD, 0x3E, MT_I16, true);
	/* DF */
	add(0xDF, 0x06, MT_I16, false);
	add(0xDF, 0x0E, MT_I16, false); /* FISTTP m16 */
	add(0xDF, 0x16, MT_I16, false);
	add(0xDF, 0x1E, MT_I16, false);
	add(0xDF, 0x26, MT_BCD, false);
	add(0xDF, 0x2E, MT_I64, false);
	add(0xDF, 0x36, MT_BCD, false);
	add(0xDF, 0x3E, MT_I64, false);
	/* register forms */
	for (int m = 0xC0; m <= 0xFF; m++) {
		add(0xD8, (u8)m, MT_NONE, false);
		add(0xDC, (u8)m, MT_NONE, false);
		if (m != 0xD8 && (m < 0xD9 || m > 0xDF))
			add(0xDE, (u8)m, MT_NONE, false);
		if (m < 0xD1 || m >= 0xD8) {
			static const u8 d9_ud[] = {0xE2, 0xE3, 0xE6, 0xE7, 0xEF};
			if (!memchr(d9_ud, m, sizeof(d9_ud)))
				add(0xD9, (u8)m, MT_NONE, false);
		}
		if (m < 0xE0 || m == 0xE9)
			add(0xDA, (u8)m, MT_NONE, false);
		if (m < 0xE0 || (m >= 0xE8 && m < 0xF8))
			add(0xDB, (u8)m, MT_NONE, false);
		if (m == 0xE0 || m == 0xE1 || m == 0xE2 || m == 0xE4) /* FNENI FNDISI FNCLEX FNSETPM */
			add(0xDB, (u8)m, MT_NONE, true);
		if (m < 0xF0)
			add(0xDD, (u8)m, MT_NONE, false);
		if (m < 0xE0 || (m >= 0xE8 && m < 0xF8))
			add(0xDF, (u8)m, MT_NONE, false);
	}
	add(0xDB, 0xE3, MT_NONE, true); /* FNINIT */
	add(0xDF, 0xE0, MT_NONE, true); /* FNSTSW AX */
}

static const char *mt_name[] = {"-", "m32real", "m64real", "m80real", "m16int", "m32int",
				"m64int", "m80bcd", "m16cw"};
static const int mt_size[] = {0, 4, 8, 10, 2, 4, 8, 10, 2};

/* ---- the guest ---- */
static void guest_setup(Vm *v)
{
	set_desc(v, GDT, 1, 0, 0xFFFFF, 0xC09B);
	set_desc(v, GDT, 2, 0, 0xFFFFF, 0xC093);
}

static void guest_state(Vm *v, u32 eflags, u32 eax)
{
	CpuState st;
	cpu_get_state(v->cpu, &st);
	memset(st.gpr, 0, sizeof(st.gpr));
	st.gpr[R_ESI] = MEMOP;
	st.gpr[R_EAX] = eax;
	st.gpr[R_ESP] = 0x8000;
	st.eip = CODE;
	st.eflags = eflags | 2;
	st.cr0 = CR0_PE | CR0_ET | CR0_NE;
	for (int i = 0; i < SEG_COUNT; i++)
		seg_set(&st.seg[i], 0x10, 0, 0xFFFFFFFF, 0xC093);
	seg_set(&st.seg[SEG_CS], 0x08, 0, 0xFFFFFFFF, 0xC09B);
	st.gdtr_base = GDT;
	st.gdtr_limit = 0x17;
	st.idtr_base = 0;
	st.idtr_limit = 0; /* any exception ends in a triple fault */
	st.halted = false;
	cpu_set_state(v->cpu, &st);
}

static void dump_f80(const char *what, const u8 *p)
{
	u64 m;
	u16 se;
	memcpy(&m, p, 8);
	memcpy(&se, p + 8, 2);
	printf("    %s %04X:%016llX\n", what, se, (unsigned long long)m);
}

static unsigned long fails_per_form[700];

static bool one_case(Vm *v, int fi, bool verbose)
{
	const Form *f = &forms[fi];
	HostCtx h;
	memset(&h, 0, sizeof(h));
	u8 mem[16], gmem[16];
	memset(mem, 0, sizeof(mem));
	switch (f->mt) {
	case MT_R32: rnd_f32(mem); break;
	case MT_R64: rnd_f64(mem); break;
	case MT_R80: rnd_f80(mem); break;
	case MT_I16: rnd_int(mem, 2); break;
	case MT_I32: rnd_int(mem, 4); break;
	case MT_I64: rnd_int(mem, 8); break;
	case MT_BCD: rnd_bcd(mem); break;
	case MT_CW: {
		u16 cw = (u16)rnd();
		if (rndn(2))
			cw |= 0x3F;
		memcpy(mem, &cw, 2);
		break;
	}
	default: for (int i = 0; i < 16; i++) mem[i] = (u8)rnd(); break;
	}
	/* the state */
	CpuFpuState in;
	memset(&in, 0, sizeof(in));
	u32 r = rndn(4);
	u16 masks = r == 0 ? 0x3F : r == 1 ? 0 : (u16)(rnd() & 0x3F);
	in.cw = (u16)((rnd() & 0x1F00) | masks);
	u16 flags = (u16)(rnd() & 0x7F);
	if (!f->nowait)
		flags &= (u16)(masks | 0x40);
	if (!(masks & 1) && !f->nowait)
		flags &= (u16)~0x40;
	in.sw = (u16)((rnd() & 0x4700) | (rndn(8) << 11) | flags);
	u32 emptyp = rndn(4); /* a share of empty registers: none, few, some, many */
	in.tw = 0;
	for (int i = 0; i < 8; i++)
		if (rndn(8) < emptyp * 2 - (emptyp ? 1 : 0))
			in.tw |= (u16)(3u << (2 * i));
	for (int i = 0; i < 8; i++)
		rnd_f80(in.st[i]);
	u32 eflags = (u32)rnd() & (FLAG_CF | FLAG_PF | FLAG_ZF | FLAG_SF | FLAG_OF | FLAG_AF);
	u32 eax = (u32)rnd();

	/* host: the FSAVE image (32-bit protected-mode layout) */
	u32 cw32 = 0xFFFF0000u | in.cw, sw32 = 0xFFFF0000u | in.sw, tw32 = 0xFFFF0000u | in.tw;
	memcpy(h.fsave, &cw32, 4);
	memcpy(h.fsave + 4, &sw32, 4);
	memcpy(h.fsave + 8, &tw32, 4);
	memcpy(h.fsave + 28, in.st, 80);
	u8 hmem[16];
	memcpy(hmem, mem, 16);
	h.mem_ptr = (u64)(uintptr_t)hmem;
	h.flags_in = eflags | 2;
	h.rax = eax;
	u8 insn[2] = {f->op, f->modrm};
	host_run(insn, 2, &h);

	/* guest */
	for (int i = 0; i < 16; i++)
		poke8(v, MEMOP + (u32)i, mem[i]);
	poke8(v, CODE, f->op);
	poke8(v, CODE + 1, f->modrm);
	poke8(v, CODE + 2, 0xF4);
	guest_state(v, eflags, eax);
	cpu_set_fpu_state(v->cpu, &in);
	CpuExit ex;
	CpuExitReason why = cpu_run(v->cpu, 4, &ex);
	CpuState gs;
	cpu_get_state(v->cpu, &gs);
	CpuFpuState out;
	cpu_get_fpu_state(v->cpu, &out);
	for (int i = 0; i < 16; i++)
		gmem[i] = (u8)peek8(v, MEMOP + (u32)i);

	/* compare */
	u16 hcw, hsw, htw;
	memcpy(&hcw, h.fsave, 2);
	memcpy(&hsw, h.fsave + 4, 2);
	memcpy(&htw, h.fsave + 8, 2);
	u32 fl = FLAG_CF | FLAG_PF | FLAG_ZF | FLAG_SF | FLAG_OF | FLAG_AF;
	bool ok = why == CPU_EXIT_HLT && gs.eip == CODE + 3;
	bool regs_ok = memcmp(out.st, h.fsave + 28, 80) == 0;
	bool mem_ok = memcmp(gmem, hmem, 16) == 0;
	bool fl_ok = (gs.eflags & fl) == (h.flags_out & fl);
	bool ax_ok = (u16)gs.gpr[R_EAX] == (u16)h.rax;
	ok = ok && out.cw == hcw && out.sw == hsw && out.tw == htw && regs_ok && mem_ok && fl_ok && ax_ok;
	if (!ok) {
		fails_per_form[fi]++;
		if (verbose || fails_per_form[fi] <= 2) {
			printf("FAIL %02X %02X (%s): exit %d eip %X | cw %04X sw %04X tw %04X -> host cw %04X "
			       "sw %04X tw %04X, vmcp cw %04X sw %04X tw %04X%s%s%s%s\n",
			       f->op, f->modrm, mt_name[f->mt], why, gs.eip, in.cw, in.sw, in.tw, hcw, hsw,
			       htw, out.cw, out.sw, out.tw, regs_ok ? "" : " REGS", mem_ok ? "" : " MEM",
			       fl_ok ? "" : " EFLAGS", ax_ok ? "" : " AX");
			int top = (in.sw >> 11) & 7;
			for (int i = 0; i < 8; i++) {
				char nm[32];
				snprintf(nm, sizeof(nm), "in  ST%d%s", i,
					 ((in.tw >> (2 * ((top + i) & 7))) & 3) == 3 ? "(e)" : "   ");
				dump_f80(nm, in.st[i]);
			}
			if (f->mt) {
				printf("    mem in ");
				for (int i = 0; i < mt_size[f->mt]; i++)
					printf("%02X", mem[mt_size[f->mt] - 1 - i]);
				printf(" host ");
				for (int i = 0; i < mt_size[f->mt]; i++)
					printf("%02X", hmem[mt_size[f->mt] - 1 - i]);
				printf(" vmcp ");
				for (int i = 0; i < mt_size[f->mt]; i++)
					printf("%02X", gmem[mt_size[f->mt] - 1 - i]);
				printf("\n");
			}
			for (int i = 0; i < 8; i++) {
				if (memcmp(out.st[i], h.fsave + 28 + 10 * i, 10)) {
					char nm[32];
					snprintf(nm, sizeof(nm), "host ST%d", i);
					dump_f80(nm, h.fsave + 28 + 10 * i);
					snprintf(nm, sizeof(nm), "vmcp ST%d", i);
					dump_f80(nm, out.st[i]);
				}
			}
			if (!fl_ok)
				printf("    eflags in %X host %llX vmcp %X\n", eflags,
				       (unsigned long long)(h.flags_out & fl), gs.eflags & fl);
		}
	}
	return ok;
}

int main(int argc, char **argv)
{
	u32 count = 300000;
	u64 seed = 0x87;
	bool verbose = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = (u32)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--verbose"))
			verbose = true;
	}
	rng_state = seed * 0x9E3779B97F4A7C15ull + 1;
	jit = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (jit == MAP_FAILED) {
		printf("skipped: no executable memory for the native runs\n");
		return 0;
	}
	build_forms();
	CpuConfig cfg = {.model = CPU_MODEL_P4, .fpu = true}; /* the P6's x87 and SSE3's FISTTP */
	Vm *v = vm_new_cfg(&cfg);
	guest_setup(v);
	unsigned long good = 0;
	for (u32 n = 0; n < count; n++)
		good += one_case(v, (int)(n % (u32)nforms), verbose);
	int bad_forms = 0;
	for (int i = 0; i < nforms; i++)
		bad_forms += fails_per_form[i] != 0;
	printf("%d instruction forms, %u cases, %lu agree; %d forms disagree\n", nforms, count, good,
	       bad_forms);
	for (int i = 0; i < nforms; i++)
		CHECK(fails_per_form[i] == 0, "%02X %02X: %lu cases differ from the host", forms[i].op,
		      forms[i].modrm, fails_per_form[i]);
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
