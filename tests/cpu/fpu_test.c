/* fpu_test: the x87 by hand, case by case from the SDM (fpu_native_test compares every
 * instruction with the host's x87 at random; this test checks what that cannot: the
 * architecture around the numbers, and named cases from the SDM's tables).
 *  - probing and the state after RESET, FNINIT and INIT; the empty socket without x87;
 *  - #NM by CR0.EM/TS/MP for escapes and WAIT, #NM before #UD; #UD for undefined
 *    encodings and for the P6's FCMOVcc/FCOMI on earlier models;
 *  - #MF (CR0.NE = 1) at the next waiting instruction only, FLDCW unmasking a pending
 *    flag, FINIT = FWAIT + FNINIT; the PC-AT way (NE = 0): FERR#, the freeze until an
 *    interrupt, IGNNE#, FNCLEX dropping FERR#;
 *  - FSAVE/FRSTOR/FSTENV/FLDENV in the four layouts (32/16-bit, protected/real) and in
 *    V86, reserved fields, tags from contents, FSTENV masking, FSAVE reinitializing;
 *  - the last instruction/data pointers (prefixes included, control instructions
 *    leave them);
 *  - SDM cases: FXAM classes, FPREM/FPREM1 quotient bits and partial remainders, FBSTP
 *    and FBLD, FIST overflow (integer indefinite, unmasked: nothing stored, no pop),
 *    FRNDINT and FIST in the four rounding modes, precision control, stack overflow
 *    and underflow masked and unmasked, FCOMI/FUCOMI, FCMOVcc, FXCH of an empty one;
 *  - faults (segment limit, page) before any x87 state changes. */
#include "../test.h"
#include "harness.h"

#define HANDLERS 0x3000u /* a HLT per vector: vector n at HANDLERS + 4 * n */
#define GDT 0x5000u
#define IDT 0x5800u

static Vm *fvm(CpuModel m)
{
	CpuConfig cfg = {.model = m, .fpu = true};
	Vm *v = vm_new_cfg(&cfg);
	for (u32 i = 0; i < 32; i++) {
		poke8(v, HANDLERS + 4 * i, 0xF4);
		poke16(v, i * 4, HANDLERS + 4 * i); /* the real-mode IVT */
		poke16(v, i * 4 + 2, 0);
	}
	return v;
}

/* Real mode at 0:1000 with CR0 = cr0 (NE, EM, TS, MP as a test wants). */
static void real_at(Vm *v, u32 cr0)
{
	real_state(v, 0, 0x1000);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	st.cr0 = cr0 | CR0_ET;
	cpu_set_state(v->cpu, &st);
}

/* Flat 32-bit protected mode at 0x1000, ring 0: GDT 08 code, 10 data, 18 data with
 * limit 2FFFh; IDT of interrupt gates to the HLT handlers. */
static void pm_at(Vm *v, u32 cr0)
{
	set_desc(v, GDT, 1, 0, 0xFFFFF, 0xC09B);
	set_desc(v, GDT, 2, 0, 0xFFFFF, 0xC093);
	set_desc(v, GDT, 3, 0, 0x2FFF, 0x4093);
	for (int i = 0; i < 32; i++)
		set_gate(v, IDT, i, 0x08, HANDLERS + 4 * (u32)i, 14, 0, 0);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	memset(st.gpr, 0, sizeof(st.gpr));
	st.gpr[R_ESP] = 0x7000;
	st.eip = 0x1000;
	st.eflags = 2;
	st.cr0 = CR0_PE | CR0_ET | cr0;
	for (int i = 0; i < SEG_COUNT; i++)
		seg_set(&st.seg[i], 0x10, 0, 0xFFFFFFFF, 0xC093);
	seg_set(&st.seg[SEG_CS], 0x08, 0, 0xFFFFFFFF, 0xC09B);
	st.gdtr_base = GDT;
	st.gdtr_limit = 0x1F;
	st.idtr_base = IDT;
	st.idtr_limit = 32 * 8 - 1;
	st.halted = false;
	cpu_set_state(v->cpu, &st);
}

static int run(Vm *v) { return vm_run_to_handler(v, HANDLERS); }

static CpuFpuState fpu(Vm *v)
{
	CpuFpuState f;
	cpu_get_fpu_state(v->cpu, &f);
	return f;
}

static u32 reg(Vm *v, int r)
{
	CpuState st;
	cpu_get_state(v->cpu, &st);
	return st.gpr[r];
}

static u32 eflags(Vm *v)
{
	CpuState st;
	cpu_get_state(v->cpu, &st);
	return st.eflags;
}

static u64 f80_m(const u8 *p) { u64 m; memcpy(&m, p, 8); return m; }
static u16 f80_se(const u8 *p) { return (u16)(p[8] | p[9] << 8); }
static void put_f80(u8 *p, u16 se, u64 m)
{
	memcpy(p, &m, 8);
	p[8] = (u8)se;
	p[9] = (u8)(se >> 8);
}

/* ---- probing, reset, INIT, the empty socket ---- */
static const char *probe =
	"db e3 "             /* fninit */
	"c7 06 00 20 5a 5a " /* mov word [0x2000], 0x5A5A */
	"dd 3e 00 20 "       /* fnstsw [0x2000] */
	"c7 06 02 20 5a 5a " /* mov word [0x2002], 0x5A5A */
	"d9 3e 02 20 "       /* fnstcw [0x2002] */
	"f4";                /* hlt */

static void test_probe_reset(void)
{
	Vm *v = fvm(CPU_MODEL_486);
	CpuFpuState f = fpu(v);
	/* RESET (SDM vol. 3A table 9-1): CW 0040h, SW 0, TW 5555h, registers +0 */
	CHECK_EQ(f.cw, 0x0040);
	CHECK_EQ(f.sw, 0);
	CHECK_EQ(f.tw, 0x5555);
	CHECK_EQ(f80_m(f.st[3]) | f80_se(f.st[3]), 0);
	poke(v, 0x1000, probe);
	real_at(v, 0);
	CHECK_EQ(run(v), -1);
	CHECK_EQ(peek16(v, 0x2000), 0x0000); /* the FNINIT state */
	CHECK_EQ(peek16(v, 0x2002), 0x037F);
	f = fpu(v);
	CHECK_EQ(f.tw, 0xFFFF);
	/* INIT keeps the x87, RESET does not */
	poke(v, 0x1000, "d9 e8 f4"); /* fld1; hlt */
	real_at(v, 0);
	CHECK_EQ(run(v), -1);
	cpu_init_signal(v->cpu);
	f = fpu(v);
	CHECK_EQ(f.sw, 0x3800);
	CHECK_EQ(f.tw, 0x3FFF);
	cpu_reset(v->cpu);
	CHECK_EQ(fpu(v).cw, 0x0040);
	/* CPUID: FPU (EDX bit 0); CMOV (bit 15) on the P6 says FCMOV too */
	poke(v, 0x1000, "66 b8 01 00 00 00 0f a2 f4"); /* mov eax,1; cpuid; hlt */
	real_at(v, 0);
	CHECK_EQ(run(v), -1);
	CHECK_EQ(reg(v, R_EDX) & 1, 1);
	CHECK_EQ(reg(v, R_EDX) & 0x01000000, 0); /* no FXSR */
	vm_free(v);

	/* a 387 beside a 386 resets as FNINIT */
	v = fvm(CPU_MODEL_386);
	f = fpu(v);
	CHECK_EQ(f.cw, 0x037F);
	CHECK_EQ(f.tw, 0xFFFF);
	vm_free(v);

	/* no x87: an empty socket, the probe reads back its own values */
	v = vm_new(CPU_MODEL_386);
	poke(v, 0x1000, probe);
	real_state(v, 0, 0x1000);
	CHECK_EQ(cpu_run(v->cpu, 100, NULL), CPU_EXIT_HLT);
	CHECK_EQ(peek16(v, 0x2000), 0x5A5A);
	CHECK_EQ(peek16(v, 0x2002), 0x5A5A);
	vm_free(v);
}

/* ---- #NM and #UD ---- */
static void test_nm_ud(void)
{
	Vm *v = fvm(CPU_MODEL_P6);
	struct {
		const char *code;
		u32 cr0;
		int vec;
	} nm[] = {
		{"d9 e8 f4", CR0_EM, 7},                 /* fld1 with EM: #NM */
		{"d9 e8 f4", CR0_TS, 7},                 /* fld1 with TS: #NM */
		{"d9 e8 f4", CR0_TS | CR0_MP, 7},
		{"9b f4", CR0_TS, -1},                   /* wait with TS alone: runs */
		{"9b f4", CR0_TS | CR0_MP, 7},           /* wait with TS and MP: #NM */
		{"9b f4", CR0_EM, -1},                   /* wait ignores EM */
		{"9b f4", CR0_EM | CR0_MP, -1},
		{"d9 d1 f4", CR0_EM, 7},                 /* an undefined escape: #NM first */
		{"d9 d1 f4", 0, 6},                      /* ... and #UD without EM/TS */
		{"db e3 f4", CR0_MP, -1},                /* fninit with MP alone: runs */
	};
	for (size_t i = 0; i < sizeof(nm) / sizeof(nm[0]); i++) {
		poke(v, 0x1000, nm[i].code);
		real_at(v, nm[i].cr0);
		int got = run(v);
		CHECK(got == nm[i].vec, "#NM case %zu: vector %d, expected %d", i, got, nm[i].vec);
	}
	/* undefined x87 encodings (SDM vol. 2 A.5) */
	static const char *ud[] = {
		"d9 d1", "d9 d7", "d9 e2", "d9 e3", "d9 e6", "d9 e7", "d9 ef", "da e8", "da ea",
		"da f0", "db e5", "db e7", "db f8", "dd f0", "dd f8", "de d8", "de da", "df e1",
		"df e7", "df f8",
		"d9 0e 00 20", /* D9 /1 */
		"db 0e 00 20", /* DB /1: FISTTP is SSE3 */
		"db 26 00 20", /* DB /4 */
		"db 36 00 20", /* DB /6 */
		"dd 0e 00 20", /* DD /1 */
		"dd 2e 00 20", /* DD /5 */
		"df 0e 00 20", /* DF /1 */
	};
	for (size_t i = 0; i < sizeof(ud) / sizeof(ud[0]); i++) {
		char code[40];
		snprintf(code, sizeof(code), "%s f4", ud[i]);
		poke(v, 0x1000, code);
		real_at(v, 0);
		CHECK(run(v) == 6, "%s is #UD", ud[i]);
	}
	vm_free(v);
	/* the P6's FCMOVcc and FCOMI family are #UD before it */
	static const char *p6[] = {"da c1", "db d9", "db f1", "db e9", "df f1", "df e9"};
	for (int m = CPU_MODEL_486; m <= CPU_MODEL_P6; m++) {
		v = fvm((CpuModel)m);
		for (size_t i = 0; i < sizeof(p6) / sizeof(p6[0]); i++) {
			char code[40];
			snprintf(code, sizeof(code), "db e3 d9 e8 d9 e8 %s f4", p6[i]);
			poke(v, 0x1000, code);
			real_at(v, 0);
			int want = m == CPU_MODEL_P6 ? -1 : 6;
			CHECK(run(v) == want, "%s on model %d", p6[i], m);
		}
		vm_free(v);
	}
}


/* ---- #MF (CR0.NE = 1) ---- */
static void test_mf(void)
{
	Vm *v = fvm(CPU_MODEL_486);
	poke16(v, 0x2010, 0x037B); /* a control word with ZE unmasked */
	/* an unmasked divide by zero sets ES; FNSTSW does not wait; FWAIT takes #MF */
	poke(v, 0x1000,
	     "db e3 "       /* fninit */
	     "d9 2e 10 20 " /* fldcw [0x2010] */
	     "d9 ee "       /* fldz */
	     "d9 e8 "       /* fld1 */
	     "d8 f1 "       /* fdiv st0, st1: 1/0, ZE unmasked: ST(0) stays 1 */
	     "dd 3e 00 20 " /* fnstsw [0x2000] */
	     "9b "          /* fwait: #MF */
	     "f4");         /* hlt */
	real_at(v, CR0_NE);
	CHECK_EQ(run(v), 16);
	CHECK_EQ(peek16(v, 0x6FFA), 0x1010);     /* the return IP: the FWAIT */
	CHECK_EQ(peek16(v, 0x2000), 0xB084);     /* B, TOP 6, ES, ZE */
	CpuFpuState f = fpu(v);
	CHECK_EQ(f80_se(f.st[0]), 0x3FFF);       /* no result written */
	CHECK_EQ(f.fip, 0x100A);                 /* the FDIV that raised it */
	CHECK_EQ(f.fop, 0x0F1);

	/* FLDCW unmasking a flag that is set makes it pending: #MF at the next FLD1 */
	poke(v, 0x1000,
	     "db e3 "       /* fninit */
	     "d9 ee "       /* fldz */
	     "d9 e8 "       /* fld1 */
	     "d8 f1 "       /* fdiv st0, st1: masked, ST(0) = +inf */
	     "d9 2e 10 20 " /* fldcw [0x2010] */
	     "dd 3e 00 20 " /* fnstsw [0x2000] */
	     "d9 e8 "       /* fld1: #MF */
	     "f4");
	real_at(v, CR0_NE);
	CHECK_EQ(run(v), 16);
	CHECK_EQ(peek16(v, 0x6FFA), 0x1010);
	CHECK_EQ(peek16(v, 0x2000), 0xB084);
	CHECK_EQ(fpu(v).sw & 0x3800, 0x3000); /* the FLD1 did not push */
	f = fpu(v);
	CHECK_EQ(f80_se(f.st[0]), 0x7FFF);

	/* FINIT is FWAIT + FNINIT: the FWAIT takes #MF; FNINIT alone does not */
	poke(v, 0x1000, "db e3 d9 2e 10 20 d9 ee d9 e8 d8 f1 9b db e3 f4");
	real_at(v, CR0_NE);
	CHECK_EQ(run(v), 16);
	CHECK_EQ(peek16(v, 0x6FFA), 0x100C);
	poke(v, 0x1000, "db e3 d9 2e 10 20 d9 ee d9 e8 d8 f1 db e3 f4");
	real_at(v, CR0_NE);
	CHECK_EQ(run(v), -1);
	CHECK_EQ(fpu(v).sw, 0);
	CHECK_EQ(fpu(v).cw, 0x037F);
	vm_free(v);
}

/* ---- the PC-AT way (CR0.NE = 0): FERR#, the freeze, IGNNE# ---- */
typedef struct Pins {
	Cpu *cpu;
	int ferr;
	int rises;
	int acks;
} Pins;

static void ferr_pin(void *ctx, int n, int level)
{
	Pins *p = ctx;
	(void)n;
	if (level && !p->ferr)
		p->rises++;
	p->ferr = level;
}

static int ack_irq13(void *ctx)
{
	Pins *p = ctx;
	p->acks++;
	cpu_set_intr(p->cpu, false);
	return 0x75; /* IRQ13 on the PC-AT's slave PIC */
}

static const char *ferr_prog =
	"db e3 "       /* fninit */
	"d9 2e 10 20 " /* fldcw [0x2010]: ZE unmasked */
	"d9 ee "       /* fldz */
	"d9 e8 "       /* fld1 */
	"d8 f1 "       /* fdiv st0, st1: FERR# rises at its end */
	"fb "          /* sti */
	"d9 e8 "       /* 100D: fld1: waits here for an interrupt */
	"f4";          /* hlt */

static void test_ferr(void)
{
	Vm *v = fvm(CPU_MODEL_486);
	Pins pins = {v->cpu, 0, 0, 0};
	IrqLine line;
	irq_connect(&line, ferr_pin, &pins, 0);
	cpu_set_ferr_line(v->cpu, line);
	cpu_set_intr_ack(v->cpu, ack_irq13, &pins);
	poke16(v, 0x2010, 0x037B);
	poke16(v, 0x75 * 4, 0x3200); /* INT 75h: mark, FNCLEX, IRET */
	poke16(v, 0x75 * 4 + 2, 0);
	poke(v, 0x3200, "c6 06 20 20 01 db e2 cf");
	poke(v, 0x1000, ferr_prog);
	real_at(v, 0);
	CHECK_EQ(cpu_run(v->cpu, 1000, NULL), CPU_EXIT_HLT);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.eip, 0x100D); /* frozen before the FLD1 */
	CHECK(st.halted, "the CPU waits for an interrupt");
	CHECK_EQ(pins.ferr, 1);
	CHECK_EQ(pins.rises, 1);
	CHECK_EQ(cpu_run(v->cpu, 1000, NULL), CPU_EXIT_HLT); /* still waiting */
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.eip, 0x100D);
	/* IRQ13: the handler clears the exception, FERR# falls, the FLD1 runs */
	cpu_set_intr(v->cpu, true);
	CHECK_EQ(cpu_run(v->cpu, 1000, NULL), CPU_EXIT_HLT);
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.eip, 0x1010);
	CHECK_EQ(pins.acks, 1);
	CHECK_EQ(peek8(v, 0x2020), 1);
	CHECK_EQ(pins.ferr, 0);
	CHECK_EQ(fpu(v).sw & 0x38FF, 0x2800); /* three pushes, no flags */

	/* with IGNNE# asserted the error is ignored: no freeze, FERR# stays high */
	poke8(v, 0x2020, 0);
	cpu_set_ignne(v->cpu, true);
	real_at(v, 0);
	CHECK_EQ(cpu_run(v->cpu, 1000, NULL), CPU_EXIT_HLT);
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.eip, 0x1010);
	CHECK_EQ(pins.ferr, 1);
	CHECK_EQ(pins.rises, 2);
	CHECK_EQ(fpu(v).sw & 0x38FF, 0x2884); /* the FLD1 ran; ZE still pending */
	cpu_set_ignne(v->cpu, false);
	/* FNINIT (no wait) drops FERR# */
	poke(v, 0x1000, "db e3 f4");
	real_at(v, 0);
	CHECK_EQ(run(v), -1);
	CHECK_EQ(pins.ferr, 0);
	/* with NE = 1 FERR# stays low and #MF comes instead */
	poke(v, 0x1000, ferr_prog);
	real_at(v, CR0_NE);
	CHECK_EQ(run(v), 16);
	CHECK_EQ(pins.ferr, 0);
	vm_free(v);
}

/* ---- FSAVE/FRSTOR/FSTENV/FLDENV layouts ---- */
static void check_regs_pi(Vm *v, u32 at, const char *what)
{
	CHECK(f80_m(&((const u8 *)v->mem.ram)[at]) == 0xC90FDAA22168C235ull &&
		      peek16(v, at + 8) == 0x4000,
	      "%s: ST(0) = pi", what);
	CHECK(peek32(v, at + 14) == 0xC0000000u && peek16(v, at + 18) == 0x3FFF,
	      "%s: ST(1) = 1.5", what);
	CHECK(peek32(v, at + 20) == 0 && peek16(v, at + 28) == 0, "%s: ST(2) = +0", what);
}

static void test_save_layouts(void)
{
	Vm *v = fvm(CPU_MODEL_P6);
	/* 32-bit protected mode */
	poke32(v, 0x2000, 0x3FC00000); /* 1.5f */
	poke(v, 0x1000,
	     "db e3 "                /* 1000 fninit */
	     "d9 05 00 20 00 00 "    /* 1002 fld dword [0x2000] */
	     "d9 eb "                /* 1008 fldpi */
	     "dd 35 00 21 00 00 "    /* 100A fnsave [0x2100] */
	     "f4");
	pm_at(v, CR0_NE);
	CHECK_EQ(run(v), -1);
	CHECK_EQ(peek32(v, 0x2100), 0xFFFF037F);
	CHECK_EQ(peek32(v, 0x2104), 0xFFFF3000); /* TOP 6 (constants leave C1 0) */
	CHECK_EQ(peek32(v, 0x2108), 0xFFFF0FFF); /* R6, R7 valid, the rest empty */
	CHECK_EQ(peek32(v, 0x210C), 0x1008);     /* FIP: the FLDPI */
	CHECK_EQ(peek32(v, 0x2110), 0x01EB0008); /* FOP D9 EB, FCS 08 */
	CHECK_EQ(peek32(v, 0x2114), 0x2000);     /* FDP: the FLD's operand */
	CHECK_EQ(peek32(v, 0x2118), 0xFFFF0010); /* FDS */
	check_regs_pi(v, 0x2100 + 28, "32-bit protected");
	CpuFpuState f = fpu(v); /* FNSAVE left the FNINIT state */
	CHECK_EQ(f.cw, 0x037F);
	CHECK_EQ(f.sw, 0);
	CHECK_EQ(f.tw, 0xFFFF);
	CHECK_EQ(f.fip | f.fdp | f.fop | f.fcs | f.fds, 0);
	poke(v, 0x1000, "dd 25 00 21 00 00 f4"); /* frstor [0x2100]; hlt */
	pm_at(v, CR0_NE);
	CHECK_EQ(run(v), -1);
	f = fpu(v);
	CHECK_EQ(f.cw, 0x037F);
	CHECK_EQ(f.sw, 0x3000);
	CHECK_EQ(f.tw, 0x0FFF);
	CHECK_EQ(f.fip, 0x1008);
	CHECK_EQ(f.fcs, 0x08);
	CHECK_EQ(f.fop, 0x1EB);
	CHECK_EQ(f.fdp, 0x2000);
	CHECK_EQ(f.fds, 0x10);
	CHECK_EQ(f80_m(f.st[0]), 0xC90FDAA22168C235ull);

	/* 16-bit protected mode (operand size 16): words, no opcode */
	poke(v, 0x1000, "db e3 d9 05 00 20 00 00 d9 eb 66 dd 35 00 21 00 00 f4");
	pm_at(v, CR0_NE);
	CHECK_EQ(run(v), -1);
	static const u16 pm16[7] = {0x037F, 0x3000, 0x0FFF, 0x1008, 0x0008, 0x2000, 0x0010};
	for (int i = 0; i < 7; i++)
		CHECK(peek16(v, 0x2100 + 2 * (u32)i) == pm16[i], "16-bit protected word %d: %04X", i,
		      peek16(v, 0x2100 + 2 * (u32)i));
	check_regs_pi(v, 0x2100 + 14, "16-bit protected");
	poke(v, 0x1000, "66 dd 25 00 21 00 00 f4"); /* o16 frstor */
	pm_at(v, CR0_NE);
	CHECK_EQ(run(v), -1);
	f = fpu(v);
	CHECK_EQ(f.sw, 0x3000);
	CHECK_EQ(f.fip, 0x1008);
	CHECK_EQ(f.fds, 0x10);
	CHECK_EQ(f80_m(f.st[1]), 0xC000000000000000ull);
	vm_free(v);

	/* real mode: 20-bit linear pointers (CS 0FF0h IP 0106h = 10006h; DS 1F00h
	 * offset 0200h = 1F200h) */
	v = fvm(CPU_MODEL_P6);
	poke32(v, 0x1F200, 0x3FC00000);
	poke(v, 0x10000,
	     "db e3 "        /* 0100 fninit */
	     "d9 06 00 02 "  /* 0102 fld dword [0x0200] */
	     "d9 eb "        /* 0106 fldpi */
	     "dd 36 00 03 "  /* 0108 fnsave [0x0300] */
	     "f4");
	for (int size32 = 0; size32 < 2; size32++) {
		if (size32)
			poke(v, 0x10008, "66 dd 36 00 03 f4"); /* o32 fnsave [0x0300] */
		real_state(v, 0x0FF0, 0x0100);
		CpuState st;
		cpu_get_state(v->cpu, &st);
		seg_set(&st.seg[SEG_DS], 0x1F00, 0x1F000, 0xFFFF, 0x93);
		st.cr0 = CR0_ET | CR0_NE;
		cpu_set_state(v->cpu, &st);
		CHECK_EQ(cpu_run(v->cpu, 100, NULL), CPU_EXIT_HLT);
		if (!size32) {
			static const u16 r16[7] = {0x037F, 0x3000, 0x0FFF, 0x0006, 0x11EB, 0xF200,
						   0x1000};
			for (int i = 0; i < 7; i++)
				CHECK(peek16(v, 0x1F300 + 2 * (u32)i) == r16[i],
				      "16-bit real word %d: %04X", i, peek16(v, 0x1F300 + 2 * (u32)i));
			check_regs_pi(v, 0x1F300 + 14, "16-bit real");
		} else {
			static const u32 r32[7] = {0xFFFF037F, 0xFFFF3000, 0xFFFF0FFF, 0xFFFF0006,
						   0x000011EB, 0xFFFFF200, 0x00001000};
			for (int i = 0; i < 7; i++)
				CHECK(peek32(v, 0x1F300 + 4 * (u32)i) == r32[i],
				      "32-bit real dword %d: %08X", i, peek32(v, 0x1F300 + 4 * (u32)i));
			check_regs_pi(v, 0x1F300 + 28, "32-bit real");
		}
	}
	/* FRSTOR of the 32-bit real image: the linear pointers come back, selectors 0 */
	poke(v, 0x10000, "66 dd 26 00 03 f4"); /* o32 frstor [0x0300] */
	real_state(v, 0x0FF0, 0x0100);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	seg_set(&st.seg[SEG_DS], 0x1F00, 0x1F000, 0xFFFF, 0x93);
	cpu_set_state(v->cpu, &st);
	CHECK_EQ(cpu_run(v->cpu, 100, NULL), CPU_EXIT_HLT);
	CpuFpuState f2 = fpu(v);
	CHECK_EQ(f2.fip, 0x10006);
	CHECK_EQ(f2.fcs, 0);
	CHECK_EQ(f2.fop, 0x1EB);
	CHECK_EQ(f2.fdp, 0x1F200);
	CHECK_EQ(f2.tw, 0x0FFF);

	/* V86 mode stores the real-mode layout */
	poke(v, 0x10000, "db e3 d9 06 00 02 d9 36 00 03"); /* fninit; fld dword [0x200]; fnstenv [0x300] */
	cpu_get_state(v->cpu, &st);
	st.cr0 = CR0_PE | CR0_ET | CR0_NE;
	st.eflags = FLAG_VM | 2;
	st.eip = 0x0100;
	st.halted = false;
	for (int i = 0; i < SEG_COUNT; i++)
		seg_set(&st.seg[i], 0x1F00, 0x1F000, 0xFFFF, 0xF3);
	seg_set(&st.seg[SEG_CS], 0x0FF0, 0xFF00, 0xFFFF, 0xF3);
	cpu_set_state(v->cpu, &st);
	CHECK_EQ(cpu_run(v->cpu, 3, NULL), CPU_EXIT_BUDGET);
	static const u16 v86[7] = {0x037F, 0x3800, 0x3FFF, 0x0002, 0x1106, 0xF200, 0x1000};
	for (int i = 0; i < 7; i++)
		CHECK(peek16(v, 0x1F300 + 2 * (u32)i) == v86[i], "V86 word %d: %04X", i,
		      peek16(v, 0x1F300 + 2 * (u32)i));
	vm_free(v);

	/* FNSTENV stores, then masks every exception; FLDENV takes ES from the flags and
	 * only "empty" from the tag word */
	v = fvm(CPU_MODEL_P6);
	poke16(v, 0x2010, 0x0340); /* all unmasked */
	poke(v, 0x1000,
	     "db e3 "              /* fninit */
	     "d9 2d 10 20 00 00 "  /* fldcw [0x2010] */
	     "d9 e8 "              /* fld1 */
	     "d9 35 00 21 00 00 "  /* fnstenv [0x2100] */
	     "d9 3d 00 22 00 00 "  /* fnstcw [0x2200] */
	     "f4");
	pm_at(v, CR0_NE);
	CHECK_EQ(run(v), -1);
	CHECK_EQ(peek32(v, 0x2100), 0xFFFF0340);
	CHECK_EQ(peek16(v, 0x2200), 0x037F);
	CHECK_EQ(peek32(v, 0x2108), 0xFFFF3FFF);
	poke32(v, 0x2100, 0xFFFF037B);       /* ZE unmasked */
	poke32(v, 0x2104, 0xFFFF2804);       /* ZE pending, TOP 5 */
	poke32(v, 0x2108, 0xFFFF93FF);       /* R5 valid, R6 zero, R7 special: all "in use" */
	poke(v, 0x1000, "d9 25 00 21 00 00 df e0 f4"); /* fldenv [0x2100]; fnstsw ax; hlt */
	pm_at(v, CR0_NE);
	CHECK_EQ(run(v), -1);
	CHECK_EQ(reg(v, R_EAX) & 0xFFFF, 0xA884); /* B and ES recomputed */
	f = fpu(v);
	CHECK_EQ(f.tw & 0x03FF, 0x03FF);
	CHECK((f.tw >> 10) != 0x3F && ((f.tw >> 10) & 3) != 3 && ((f.tw >> 12) & 3) != 3 &&
		      ((f.tw >> 14) & 3) != 3,
	      "R5-R7 not empty: %04X", f.tw);
	vm_free(v);
}

/* ---- the last instruction and data pointers ---- */
static void test_pointers(void)
{
	Vm *v = fvm(CPU_MODEL_P6);
	poke32(v, 0x2000, 0x3F800000);
	poke(v, 0x1000,
	     "db e3 "                 /* 1000 fninit */
	     "2e d9 05 00 20 00 00 "  /* 1002 cs fld dword [0x2000] */
	     "d9 3d 00 22 00 00 "     /* 1009 fnstcw [0x2200] */
	     "d9 2d 00 22 00 00 "     /* 100F fldcw [0x2200] */
	     "f4 "                    /* 1015 hlt */
	     "d9 d0 "                 /* 1016 fnop */
	     "f4");
	pm_at(v, CR0_NE);
	CHECK_EQ(run(v), -1);
	CpuFpuState f = fpu(v);
	CHECK_EQ(f.fip, 0x1002); /* the prefix is part of the instruction */
	CHECK_EQ(f.fcs, 0x08);
	CHECK_EQ(f.fop, 0x105);
	CHECK_EQ(f.fdp, 0x2000);
	CHECK_EQ(f.fds, 0x08); /* the CS override's selector */
	CpuState st;
	cpu_get_state(v->cpu, &st);
	st.eip = 0x1016;
	st.halted = false;
	cpu_set_state(v->cpu, &st);
	CHECK_EQ(run(v), -1);
	f = fpu(v);
	CHECK_EQ(f.fip, 0x1016); /* FNOP is not a control instruction */
	CHECK_EQ(f.fop, 0x1D0);
	CHECK_EQ(f.fdp, 0x2000); /* no memory operand: the data pointer stays */
	vm_free(v);
}

/* Loads ST(0).. ST(n-1) (valid) with the control word cw, the rest empty. */
typedef struct Val {
	u16 se;
	u64 m;
} Val;

static void stack_load(Vm *v, u16 cw, int n, const Val *vals)
{
	CpuFpuState f;
	memset(&f, 0, sizeof(f));
	f.cw = cw;
	int top = (8 - n) & 7;
	f.sw = (u16)(top << 11);
	f.tw = 0xFFFF;
	for (int i = 0; i < n; i++) {
		put_f80(f.st[i], vals[i].se, vals[i].m);
		f.tw &= (u16)~(3u << (2 * ((top + i) & 7)));
	}
	cpu_set_fpu_state(v->cpu, &f);
}

/* Runs code (16-bit real mode, NE=1) on a loaded stack; returns the vector (-1: none). */
static int run_on(Vm *v, const char *code, u16 cw, int n, const Val *vals)
{
	poke(v, 0x1000, code);
	real_at(v, CR0_NE);
	stack_load(v, cw, n, vals);
	return run(v);
}

#define ONE {0x3FFF, 0x8000000000000000ull}
#define TWO {0x4000, 0x8000000000000000ull}
#define THREE {0x4000, 0xC000000000000000ull}
#define QNAN {0x7FFF, 0xC000000000000000ull}

/* ---- SDM cases ---- */
static void test_fxam(void)
{
	Vm *v = fvm(CPU_MODEL_P6);
	struct {
		Val x;
		u16 cc; /* C3 C2 C1 C0 as they sit in the status word */
		const char *what;
	} t[] = {
		{{0x3FFF, 0x8000000000000000ull}, 0x0400, "+normal"},
		{{0xBFFF, 0x8000000000000000ull}, 0x0600, "-normal"},
		{{0x0000, 0}, 0x4000, "+0"},
		{{0x8000, 0}, 0x4200, "-0"},
		{{0x0000, 1}, 0x4400, "denormal"},
		{{0x0000, 0x8000000000000000ull}, 0x4400, "pseudo-denormal"},
		{{0x7FFF, 0x8000000000000000ull}, 0x0500, "+inf"},
		{{0xFFFF, 0x8000000000000000ull}, 0x0700, "-inf"},
		{{0x7FFF, 0xC000000000000001ull}, 0x0100, "QNaN"},
		{{0x7FFF, 0xA000000000000000ull}, 0x0100, "SNaN"},
		{{0x3FFF, 0x4000000000000000ull}, 0x0000, "unnormal"},
		{{0x7FFF, 0}, 0x0000, "pseudo-infinity"},
		{{0x7FFF, 0x4000000000000000ull}, 0x0000, "pseudo-NaN"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		run_on(v, "d9 e5 df e0 f4", 0x037F, 1, &t[i].x); /* fxam; fnstsw ax; hlt */
		u16 cc = (u16)(reg(v, R_EAX) & 0x4700);
		CHECK(cc == t[i].cc, "FXAM %s: %04X, expected %04X", t[i].what, cc, t[i].cc);
	}
	/* empty: C3 and C0 */
	run_on(v, "d9 e5 df e0 f4", 0x037F, 0, NULL);
	CHECK_EQ(reg(v, R_EAX) & 0x4500, 0x4100);
	vm_free(v);
}

static void test_fprem(void)
{
	Vm *v = fvm(CPU_MODEL_P6);
	/* 10 rem 3 = 1, quotient 3: Q2 = C0 = 0, Q1 = C3 = 1, Q0 = C1 = 1 */
	Val a[2] = {{0x4002, 0xA000000000000000ull}, THREE};
	run_on(v, "d9 f8 df e0 f4", 0x037F, 2, a);
	CHECK_EQ(reg(v, R_EAX) & 0x4700, 0x4200);
	CpuFpuState f = fpu(v);
	CHECK(f80_se(f.st[0]) == 0x3FFF && f80_m(f.st[0]) == 0x8000000000000000ull, "10 rem 3 = 1");
	/* -10 rem 3 = -1 (the dividend's sign) */
	a[0].se = 0xC002;
	run_on(v, "d9 f8 df e0 f4", 0x037F, 2, a);
	f = fpu(v);
	CHECK(f80_se(f.st[0]) == 0xBFFF && f80_m(f.st[0]) == 0x8000000000000000ull, "-10 rem 3 = -1");
	/* FPREM1 (IEEE): 11 rem 3 = -1, quotient 4: C0 = 1, C3 = 0, C1 = 0; FPREM: 2, Q 3 */
	Val b[2] = {{0x4002, 0xB000000000000000ull}, THREE};
	run_on(v, "d9 f5 df e0 f4", 0x037F, 2, b);
	CHECK_EQ(reg(v, R_EAX) & 0x4700, 0x0100);
	f = fpu(v);
	CHECK(f80_se(f.st[0]) == 0xBFFF && f80_m(f.st[0]) == 0x8000000000000000ull, "FPREM1 11,3 = -1");
	run_on(v, "d9 f8 df e0 f4", 0x037F, 2, b);
	CHECK_EQ(reg(v, R_EAX) & 0x4700, 0x4200);
	f = fpu(v);
	CHECK(f80_se(f.st[0]) == 0x4000 && f80_m(f.st[0]) == 0x8000000000000000ull, "FPREM 11,3 = 2");
	/* 2^100 rem 3: an exponent difference over 63 gives partial remainders (C2 = 1)
	 * until the loop (fprem; fnstsw ax; sahf; jp) is done: 1 */
	Val c[2] = {{0x4063, 0x8000000000000000ull}, THREE};
	run_on(v,
	       "31 c9 "   /* xor cx,cx */
	       "41 "      /* l: inc cx */
	       "d9 f8 "   /* fprem */
	       "df e0 "   /* fnstsw ax */
	       "9e "      /* sahf: C2 into PF */
	       "7a f8 "   /* jp l */
	       "f4",
	       0x037F, 2, c);
	CHECK((reg(v, R_ECX) & 0xFFFF) >= 2, "partial remainders: %u FPREMs", reg(v, R_ECX) & 0xFFFF);
	f = fpu(v);
	CHECK(f80_se(f.st[0]) == 0x3FFF && f80_m(f.st[0]) == 0x8000000000000000ull, "2^100 rem 3 = 1");
	vm_free(v);
}

static void test_bcd_int(void)
{
	Vm *v = fvm(CPU_MODEL_P6);
	u8 b[10];
	/* FBSTP -12345 */
	Val x = {0xC00C, 0xC0E4000000000000ull};
	run_on(v, "df 36 00 20 df e0 f4", 0x037F, 1, &x); /* fbstp [0x2000]; fnstsw ax */
	for (int i = 0; i < 10; i++)
		b[i] = (u8)peek8(v, 0x2000 + (u32)i);
	static const u8 bcd1[10] = {0x45, 0x23, 0x01, 0, 0, 0, 0, 0, 0, 0x80};
	CHECK(memcmp(b, bcd1, 10) == 0, "FBSTP -12345");
	CHECK_EQ(fpu(v).tw, 0xFFFF); /* popped */
	/* 2.5 rounds to nearest even: 2, with PE */
	x = (Val){0x4000, 0xA000000000000000ull};
	run_on(v, "df 36 00 20 df e0 f4", 0x037F, 1, &x);
	CHECK_EQ(peek32(v, 0x2000), 2);
	CHECK_EQ(reg(v, R_EAX) & 0x3F, 0x20);
	/* 10^18 does not fit 18 digits: IE, the BCD indefinite */
	x = (Val){0x403A, 0xDE0B6B3A76400000ull};
	run_on(v, "df 36 00 20 df e0 f4", 0x037F, 1, &x);
	static const u8 bcdi[10] = {0, 0, 0, 0, 0, 0, 0, 0xC0, 0xFF, 0xFF};
	for (int i = 0; i < 10; i++)
		b[i] = (u8)peek8(v, 0x2000 + (u32)i);
	CHECK(memcmp(b, bcdi, 10) == 0, "FBSTP 10^18: BCD indefinite");
	CHECK_EQ(reg(v, R_EAX) & 1, 1);
	/* FBLD 999999999999999999 */
	for (u32 i = 0; i < 9; i++)
		poke8(v, 0x2000 + i, 0x99);
	poke8(v, 0x2009, 0);
	run_on(v, "df 26 00 20 f4", 0x037F, 0, NULL);
	CpuFpuState f = fpu(v);
	CHECK(f80_se(f.st[0]) == 0x403A && f80_m(f.st[0]) == 0xDE0B6B3A763FFFF0ull, "FBLD 18 nines");

	/* FIST m16 of 40000: IE, the integer indefinite (masked) */
	x = (Val){0x400E, 0x9C40000000000000ull};
	poke16(v, 0x2000, 0x5A5A);
	run_on(v, "df 16 00 20 df e0 f4", 0x037F, 1, &x); /* fist word [0x2000] */
	CHECK_EQ(peek16(v, 0x2000), 0x8000);
	CHECK_EQ(reg(v, R_EAX) & 0x38FF, 0x3801); /* IE; FIST does not pop */
	/* unmasked: nothing stored, FISTP does not pop, ES */
	poke16(v, 0x2000, 0x5A5A);
	run_on(v, "df 1e 00 20 df e0 f4", 0x037E, 1, &x); /* fistp word [0x2000] */
	CHECK_EQ(peek16(v, 0x2000), 0x5A5A);
	CHECK_EQ(reg(v, R_EAX) & 0xB8FF, 0xB881);
	/* FISTP m64 of 2^63 */
	x = (Val){0x403E, 0x8000000000000000ull};
	run_on(v, "df 3e 00 20 df e0 f4", 0x037F, 1, &x);
	CHECK_EQ(peek32(v, 0x2000), 0);
	CHECK_EQ(peek32(v, 0x2004), 0x80000000u);
	/* FISTP m32 of -2.5 in the four rounding modes: nearest, down, up, chop */
	static const u32 want[4] = {0xFFFFFFFEu, 0xFFFFFFFDu, 0xFFFFFFFEu, 0xFFFFFFFEu};
	x = (Val){0xC000, 0xA000000000000000ull};
	for (u32 rc = 0; rc < 4; rc++) {
		run_on(v, "db 1e 00 20 f4", (u16)(0x037F | rc << 10), 1, &x);
		CHECK(peek32(v, 0x2000) == want[rc], "FISTP -2.5 RC %u: %08X", rc, peek32(v, 0x2000));
	}
	vm_free(v);
}

static void test_rounding_precision(void)
{
	Vm *v = fvm(CPU_MODEL_P6);
	/* FRNDINT of 2.5 and -2.5 in each rounding mode */
	static const Val r[2][4] = {
		{TWO, TWO, THREE, TWO},
		{{0xC000, 0x8000000000000000ull}, {0xC000, 0xC000000000000000ull},
		 {0xC000, 0x8000000000000000ull}, {0xC000, 0x8000000000000000ull}},
	};
	for (int s = 0; s < 2; s++) {
		for (u32 rc = 0; rc < 4; rc++) {
			Val x = {(u16)(0x4000 | s << 15), 0xA000000000000000ull};
			run_on(v, "d9 fc f4", (u16)(0x037F | rc << 10), 1, &x);
			CpuFpuState f = fpu(v);
			CHECK(f80_se(f.st[0]) == r[s][rc].se && f80_m(f.st[0]) == r[s][rc].m,
			      "FRNDINT %s2.5 RC %u: %04X:%016llX", s ? "-" : "", rc, f80_se(f.st[0]),
			      (unsigned long long)f80_m(f.st[0]));
			CHECK_EQ(f.sw & 0x20, 0x20);
		}
	}
	/* 1/3 (fld1; fidiv word [3]) in single, double and extended precision */
	poke16(v, 0x2012, 3);
	static const struct {
		u16 pc;
		u64 m;
	} p[3] = {{0, 0xAAAAAB0000000000ull}, {2, 0xAAAAAAAAAAAAA800ull}, {3, 0xAAAAAAAAAAAAAAABull}};
	for (int i = 0; i < 3; i++) {
		run_on(v, "d9 e8 de 36 12 20 f4", (u16)(0x007F | p[i].pc << 8), 0, NULL);
		CpuFpuState f = fpu(v);
		CHECK(f80_se(f.st[0]) == 0x3FFD && f80_m(f.st[0]) == p[i].m, "1/3 PC %u: %04X:%016llX",
		      p[i].pc, f80_se(f.st[0]), (unsigned long long)f80_m(f.st[0]));
	}
	vm_free(v);
}

static void test_stack_faults(void)
{
	Vm *v = fvm(CPU_MODEL_P6);
	/* nine FLD1: the ninth overflows; masked: the indefinite is pushed */
	const char *nine = "d9 e8 d9 e8 d9 e8 d9 e8 d9 e8 d9 e8 d9 e8 d9 e8 d9 e8 df e0 f4";
	run_on(v, nine, 0x037F, 0, NULL);
	CHECK_EQ(reg(v, R_EAX) & 0xFFFF, 0x3A41); /* TOP 7, C1, SF, IE */
	CpuFpuState f = fpu(v);
	CHECK(f80_se(f.st[0]) == 0xFFFF && f80_m(f.st[0]) == 0xC000000000000000ull, "indefinite pushed");
	CHECK_EQ(f.tw, 0x8000); /* the indefinite is "special" */
	/* unmasked: nothing pushed, ES (and #MF only at the next waiting instruction) */
	run_on(v, nine, 0x037E, 0, NULL);
	CHECK_EQ(reg(v, R_EAX) & 0xFFFF, 0x82C1);
	f = fpu(v);
	CHECK_EQ(f80_se(f.st[0]), 0x3FFF);
	/* underflow: FADD with empty registers, masked: the indefinite into ST(0), C1 = 0 */
	run_on(v, "d8 c1 df e0 f4", 0x037F, 0, NULL);
	CHECK_EQ(reg(v, R_EAX) & 0xFFFF, 0x0041);
	f = fpu(v);
	CHECK(f80_se(f.st[0]) == 0xFFFF && f80_m(f.st[0]) == 0xC000000000000000ull, "FADD: indefinite");
	CHECK_EQ(f.tw, 0xFFFE);
	/* FXCH ST(3) with ST(3) empty, masked: the indefinite takes its place */
	Val one = ONE;
	run_on(v, "d9 cb df e0 f4", 0x037F, 1, &one);
	CHECK_EQ(reg(v, R_EAX) & 0x3FF, 0x041);
	f = fpu(v);
	CHECK(f80_se(f.st[0]) == 0xFFFF && f80_se(f.st[3]) == 0x3FFF, "FXCH with an empty register");
	/* FCOM with an empty operand: "unordered"; FCOMP pops only when masked */
	run_on(v, "d8 d9 df e0 f4", 0x037F, 1, &one); /* fcomp st1 */
	CHECK_EQ(reg(v, R_EAX) & 0xFFFF, 0x4541);
	CHECK_EQ(fpu(v).tw, 0xFFFF);
	run_on(v, "d8 d9 df e0 f4", 0x037E, 1, &one);
	CHECK_EQ(reg(v, R_EAX) & 0xFFFF, 0xFDC1);
	vm_free(v);
}

static void test_fcomi_fcmov(void)
{
	Vm *v = fvm(CPU_MODEL_P6);
	const u32 zpc = FLAG_ZF | FLAG_PF | FLAG_CF;
	Val lt[2] = {ONE, TWO}, eq[2] = {TWO, TWO}, gt[2] = {TWO, ONE}, un[2] = {ONE, QNAN};
	run_on(v, "db f1 f4", 0x037F, 2, lt); /* fcomi st0, st1 */
	CHECK_EQ(eflags(v) & zpc, FLAG_CF);
	run_on(v, "db f1 f4", 0x037F, 2, eq);
	CHECK_EQ(eflags(v) & zpc, FLAG_ZF);
	run_on(v, "db f1 f4", 0x037F, 2, gt);
	CHECK_EQ(eflags(v) & zpc, 0);
	run_on(v, "db f1 df e0 f4", 0x037F, 2, un); /* a QNaN: FCOMI signals IE */
	CHECK_EQ(eflags(v) & zpc, zpc);
	CHECK_EQ(reg(v, R_EAX) & 1, 1);
	run_on(v, "db e9 df e0 f4", 0x037F, 2, un); /* FUCOMI does not */
	CHECK_EQ(eflags(v) & zpc, zpc);
	CHECK_EQ(reg(v, R_EAX) & 1, 0);
	run_on(v, "df f1 f4", 0x037F, 2, lt); /* fcomip pops */
	CHECK_EQ(fpu(v).tw, 0x3FFF);
	/* FCMOVB: taken with CF = 1 (stc), not with CF = 0 (clc) */
	run_on(v, "f9 da c1 f4", 0x037F, 2, lt);
	CHECK_EQ(f80_se(fpu(v).st[0]), 0x4000);
	run_on(v, "f8 da c1 f4", 0x037F, 2, lt);
	CHECK_EQ(f80_se(fpu(v).st[0]), 0x3FFF);
	vm_free(v);
}

/* ---- faults come before any x87 state changes ---- */
static void test_faults(void)
{
	Vm *v = fvm(CPU_MODEL_P6);
	/* FSTP m64 past DS's limit (2FFFh): #GP, nothing popped */
	poke(v, 0x1000, "db e3 d9 e8 dd 1d fc 2f 00 00 f4"); /* fninit; fld1; fstp qword [0x2FFC] */
	pm_at(v, CR0_NE);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	seg_set(&st.seg[SEG_DS], 0x18, 0, 0x2FFF, 0x4093);
	cpu_set_state(v->cpu, &st);
	CHECK_EQ(run(v), 13);
	CpuFpuState f = fpu(v);
	CHECK_EQ(f.sw & 0x3800, 0x3800);
	CHECK_EQ(f.tw, 0x3FFF);
	CHECK_EQ(f.fip, 0x1002); /* still the FLD1 */
	/* FNSAVE past the limit: #GP, no FNINIT */
	poke(v, 0x1000, "db e3 d9 e8 dd 35 a0 2f 00 00 f4"); /* fnsave [0x2FA0] */
	pm_at(v, CR0_NE);
	cpu_get_state(v->cpu, &st);
	seg_set(&st.seg[SEG_DS], 0x18, 0, 0x2FFF, 0x4093);
	cpu_set_state(v->cpu, &st);
	CHECK_EQ(run(v), 13);
	CHECK_EQ(fpu(v).tw, 0x3FFF);
	/* FSTP m80 into a not-present page: #PF, no byte written, nothing popped */
	for (u32 i = 0; i < 1024; i++)
		poke32(v, 0x9000 + 4 * i, i << 12 | (i == 4 ? 0 : 3));
	poke32(v, 0x8000, 0x9003);
	for (u32 i = 0x3FFA; i < 0x4000; i++)
		poke8(v, i, 0xEE);
	poke(v, 0x1000, "db e3 d9 e8 db 3d fa 3f 00 00 f4"); /* fstp tword [0x3FFA] */
	pm_at(v, CR0_NE | CR0_PG);
	cpu_get_state(v->cpu, &st);
	st.cr3 = 0x8000;
	cpu_set_state(v->cpu, &st);
	CHECK_EQ(run(v), 14);
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.cr2, 0x4000);
	CHECK_EQ(peek8(v, 0x3FFA), 0xEE);
	CHECK_EQ(peek8(v, 0x3FFF), 0xEE);
	CHECK_EQ(fpu(v).tw, 0x3FFF);
	vm_free(v);
}

int main(void)
{
	test_probe_reset();
	test_nm_ud();
	test_mf();
	test_ferr();
	test_save_layouts();
	test_pointers();
	test_fxam();
	test_fprem();
	test_bcd_int();
	test_rounding_precision();
	test_stack_faults();
	test_fcomi_fcmov();
	test_faults();
	return test_summary();
}
