/* cpu_pm_test: protected mode on VMCP's CPU, checked through small guest programs:
 * the switch from real mode (LGDT, MOV CR0, far JMP), exceptions through the IDT with
 * their vectors, error codes and pushed EIP (fault vs trap), segment loads and limit and
 * type checks, INT from ring 3 with the stack switch and IRET back, a call gate with
 * parameters and RET to the outer level (data segments nulled), conforming code,
 * LAR/LSL/VERR/VERW/ARPL, the TSS I/O permission bitmap, #DF and the triple-fault
 * shutdown, the STI interrupt shadow, INTR/NMI through the IDT, and the system
 * instructions (SGDT/SIDT/SLDT/STR/LLDT with an LDT segment, SMSW, MOV DRn, CLTS, #NM from
 * ESC and WAIT, RDMSR/WRMSR/RDTSC), and paging (#PF error codes and CR2 for reads,
 * writes and fetches at ring 0 and 3, WP, accessed/dirty bits, 4 MiB pages, supervisor
 * accesses to system structures from ring 3), and virtual-8086 mode (IRET into it, real-
 * mode segments, the I/O bitmap, INT n to ring 0 or #GP by IOPL), and task switches
 * (CALL through a task gate, IRET back by NT, JMP to a TSS, #DF through a task gate,
 * DR7's local enables cleared, the selectors saved as words on the 386 and as
 * doublewords from the Pentium on). */
#include "../test.h"
#include "harness.h"

#define GDT 0x1000
#define IDT 0x2000
#define TSS 0x3000
#define RES 0x6000 /* handlers and programs report here */
#define CODE 0x10000
#define HANDLERS 0x40000 /* 0x40 bytes per vector */
#define NOERR 0xDEADBEEFu

enum {
	S_CODE0 = 0x08, S_DATA0 = 0x10, S_CODE3 = 0x18, S_DATA3 = 0x20, S_TSS = 0x28,
	S_SMALL0 = 0x30, S_NP = 0x38, S_GATE = 0x40, S_CONF = 0x48, S_EXPDN = 0x50,
	S_XONLY = 0x58, S_SMALL3 = 0x60, S_LDT = 0x68
};

static bool has_err(int vec)
{
	return vec == 8 || (vec >= 10 && vec <= 14) || vec == 17;
}

/* GDT, IDT (vectors 0-47h), TSS with an I/O bitmap allowing port 0x80 only, and one
 * reporting handler per vector: error code -> RES, vector -> RES+4, return EIP/CS ->
 * RES+8/RES+C (through SS: DS may be null after a return to ring 3), then HLT. Vector 40h is a DPL 3 trap gate to 12000h. */
static void pm_setup(Vm *v)
{
	set_desc(v, GDT, 1, 0, 0xFFFFF, 0xC09B);
	set_desc(v, GDT, 2, 0, 0xFFFFF, 0xC093);
	set_desc(v, GDT, 3, 0, 0xFFFFF, 0xC0FB);
	set_desc(v, GDT, 4, 0, 0xFFFFF, 0xC0F3);
	set_desc(v, GDT, 5, TSS, 0x68 + 0x11, 0x008B); /* busy, as after LTR */
	set_desc(v, GDT, 6, 0x20000, 0xFFF, 0x4093);
	set_desc(v, GDT, 7, 0, 0xFFFFF, 0xC013); /* not present */
	set_gate(v, GDT, 8, S_CODE0, 0x11000, 12, 3, 2);
	set_desc(v, GDT, 9, 0, 0xFFFFF, 0xC09F);  /* conforming, DPL 0 */
	set_desc(v, GDT, 10, 0, 0xFFF, 0x4097);   /* expand-down: 0x1000..4G */
	set_desc(v, GDT, 11, 0, 0xFFFFF, 0xC099); /* execute-only */
	set_desc(v, GDT, 12, 0x30000, 0xFFF, 0x40F3);
	set_desc(v, GDT, 13, 0x5000, 0x17, 0x0082); /* LDT: 3 entries at 5000h */
	set_desc(v, 0x5000, 1, 0x7000, 0xFFF, 0x4093);
	for (int vec = 0; vec < 0x48; vec++) {
		char hex[256];
		u32 h = HANDLERS + (u32)vec * 0x40;
		if (has_err(vec))
			snprintf(hex, sizeof(hex),
				 "58 36 a3 00 60 00 00 36 c7 05 04 60 00 00 %02x 00 00 00 8b 04 24 "
				 "36 a3 08 60 00 00 8b 44 24 04 36 a3 0c 60 00 00 f4", vec);
		else
			snprintf(hex, sizeof(hex),
				 "36 c7 05 04 60 00 00 %02x 00 00 00 8b 04 24 36 a3 08 60 00 00 8b "
				 "44 24 04 36 a3 0c 60 00 00 f4", vec);
		poke(v, h, hex);
		set_gate(v, IDT, vec, S_CODE0, h, 14, 0, 0);
	}
	set_gate(v, IDT, 0x40, S_CODE0, 0x12000, 15, 3, 0); /* INT 40h allowed from ring 3 */
	poke32(v, TSS + 4, 0x9F00); /* ESP0 */
	poke32(v, TSS + 8, S_DATA0); /* SS0 */
	poke16(v, TSS + 0x66, 0x68);
	for (u32 i = 0; i < 0x12; i++)
		poke8(v, TSS + 0x68 + i, 0xFF);
	poke8(v, TSS + 0x68 + 0x10, 0xFE); /* port 0x80 allowed */
	poke32(v, RES, NOERR);
	poke32(v, RES + 4, 0xFFFFFFFFu);
}

/* Starts in flat protected mode at CODE, ring 0 or 3, IF clear. */
static void pm_start(Vm *v, int ring, u32 eflags)
{
	CpuState st;
	cpu_get_state(v->cpu, &st);
	memset(st.gpr, 0, sizeof(st.gpr));
	st.eip = CODE;
	st.eflags = 2 | eflags;
	st.cr0 = CR0_PE;
	u16 cs = ring ? S_CODE3 | 3 : S_CODE0, ds = ring ? S_DATA3 | 3 : S_DATA0;
	u16 ca = ring ? 0xC0FB : 0xC09B, da = ring ? 0xC0F3 : 0xC093;
	for (int i = 0; i < SEG_COUNT; i++)
		seg_set(&st.seg[i], ds, 0, 0xFFFFFFFF, da);
	seg_set(&st.seg[SEG_CS], cs, 0, 0xFFFFFFFF, ca);
	st.gpr[R_ESP] = ring ? 0x7F00 : 0x9F00;
	st.gdtr_base = GDT;
	st.gdtr_limit = 16 * 8 - 1;
	st.idtr_base = IDT;
	st.idtr_limit = 0x48 * 8 - 1;
	st.halted = false;
	seg_set(&st.tr, S_TSS, TSS, 0x68 + 0x11, 0x008B);
	seg_set(&st.ldtr, 0, 0, 0, 0);
	cpu_set_state(v->cpu, &st);
}

static CpuExitReason run(Vm *v)
{
	return cpu_run(v->cpu, 100000, NULL);
}

/* Runs code at ring `ring` and checks the exception report. */
static void expect_exc(const char *what, const char *code, int ring, int vec, u32 err, u32 eip)
{
	Vm *v = vm_new(CPU_MODEL_386);
	pm_setup(v);
	poke(v, CODE, code);
	pm_start(v, ring, 0);
	CpuExitReason r = run(v);
	CHECK(r == CPU_EXIT_HLT, "%s: exit %d", what, r);
	CHECK(peek32(v, RES + 4) == (u32)vec, "%s: vector %u, want %d", what, peek32(v, RES + 4), vec);
	CHECK(peek32(v, RES) == err, "%s: error code %x, want %x", what, peek32(v, RES), err);
	CHECK(peek32(v, RES + 8) == eip, "%s: pushed EIP %x, want %x", what, peek32(v, RES + 8), eip);
	vm_free(v);
}

static void test_real_to_pm(void)
{
	Vm *v = vm_new(CPU_MODEL_386);
	pm_setup(v);
	poke16(v, 0x7D00, 13 * 8 - 1);
	poke32(v, 0x7D02, GDT);
	/* cli; lgdt [7D00]; mov eax,cr0; or al,1; mov cr0,eax; jmp dword 08:7C40 */
	poke(v, 0x7C00, "fa 0f 01 16 00 7d 0f 20 c0 0c 01 0f 22 c0 66 ea 40 7c 00 00 08 00");
	/* mov ax,10h; mov ds,ax; mov ss,ax; mov esp,9000h; mov dword [5000h],12345678h;
	 * push eax; hlt */
	poke(v, 0x7C40, "66 b8 10 00 8e d8 8e d0 bc 00 90 00 00 c7 05 00 50 00 00 78 56 34 12 50 f4");
	real_state(v, 0, 0x7C00);
	CHECK_EQ(run(v), CPU_EXIT_HLT);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.cr0 & CR0_PE, CR0_PE);
	CHECK_EQ(st.seg[SEG_CS].sel, S_CODE0);
	CHECK_EQ(st.seg[SEG_CS].attr & 0x4000, 0x4000); /* 32-bit code */
	CHECK_EQ(st.seg[SEG_SS].limit, 0xFFFFFFFFu);
	CHECK_EQ(peek32(v, 0x5000), 0x12345678);
	CHECK_EQ(st.gpr[R_ESP], 0x8FFC);
	CHECK_EQ(peek32(v, 0x8FFC), 0x10); /* EAX pushed */
	CHECK_EQ(st.eip, 0x7C40 + 25);
	/* the descriptors got their accessed bits */
	CHECK_EQ(peek8(v, GDT + 2 * 8 + 5), 0x93);
	vm_free(v);
}

static void test_exceptions(void)
{
	/* mov ax,38h; mov ds,ax: segment not present -> #NP(38h), a fault on the MOV */
	expect_exc("#NP", "66 b8 38 00 8e d8", 0, 11, S_NP, CODE + 4);
	/* mov ax,13h; mov ds,ax: RPL 3 > DPL 0 -> #GP(10h) */
	expect_exc("#GP rpl", "66 b8 13 00 8e d8", 0, 13, 0x10, CODE + 4);
	/* selector beyond the GDT limit -> #GP(sel) */
	expect_exc("#GP limit", "66 b8 00 01 8e d8", 0, 13, 0x100, CODE + 4);
	/* null selector into SS -> #GP(0) */
	expect_exc("#GP null ss", "66 b8 00 00 8e d0", 0, 13, 0, CODE + 4);
	/* execute-only code into DS -> #GP(58h) */
	expect_exc("#GP xonly", "66 b8 58 00 8e d8", 0, 13, S_XONLY, CODE + 4);
	/* data segment into SS that is not writable: the TSS selector (system) -> #GP */
	expect_exc("#GP sys ss", "66 b8 28 00 8e d0", 0, 13, S_TSS, CODE + 4);
	/* ud2 -> #UD, no error code, fault */
	expect_exc("#UD", "0f 0b", 0, 6, NOERR, CODE);
	/* xor edx,edx; xor eax,eax; div eax -> #DE on the DIV */
	expect_exc("#DE", "31 d2 31 c0 f7 f0", 0, 0, NOERR, CODE + 4);
	/* int3 -> #BP, a trap: EIP after it */
	expect_exc("#BP", "cc f4", 0, 3, NOERR, CODE + 1);
	/* mov ax,30h; mov es,ax; mov eax,[es:0FFEh] -> limit 0FFFh exceeded: #GP(0) */
	expect_exc("#GP seg limit", "66 b8 30 00 8e c0 26 a1 fe 0f 00 00", 0, 13, 0, CODE + 6);
	/* mov ax,50h; mov es,ax; mov eax,[es:800h] -> expand-down, below the limit: #GP(0) */
	expect_exc("#GP expand-down", "66 b8 50 00 8e c0 26 a1 00 08 00 00", 0, 13, 0, CODE + 6);
	/* mov [cs:7000h],eax: code segments are not writable -> #GP(0) */
	expect_exc("#GP write cs", "2e a3 00 70 00 00", 0, 13, 0, CODE);
	/* ring 3: mov ax,63h; mov ss,ax; mov esp,2; push eax -> #SS(0), delivered on the
	 * ring-0 stack from the TSS */
	expect_exc("#SS ring3", "66 b8 63 00 8e d0 bc 02 00 00 00 50 f4", 3, 12, 0, CODE + 11);
	/* ring 3: hlt is privileged -> #GP(0) */
	expect_exc("#GP hlt", "f4", 3, 13, 0, CODE);
	/* ring 3: int 41h through a DPL 0 gate -> #GP(41h*8+2) */
	expect_exc("#GP int dpl", "cd 41", 3, 13, 0x41 * 8 + 2, CODE);
	/* ring 3: cli with IOPL 0 -> #GP(0) */
	expect_exc("#GP cli", "fa", 3, 13, 0, CODE);
	/* ring 3: mov cr0,eax -> #GP(0) */
	expect_exc("#GP mov cr", "0f 22 c0", 3, 13, 0, CODE);
	/* bound eax,[0] with EAX=0 and bounds [1,2] -> #BR */
	{
		Vm *v = vm_new(CPU_MODEL_386);
		pm_setup(v);
		poke32(v, 0x7000, 1);
		poke32(v, 0x7004, 2);
		poke(v, CODE, "62 05 00 70 00 00 f4"); /* bound eax,[7000h] */
		pm_start(v, 0, 0);
		CHECK_EQ(run(v), CPU_EXIT_HLT);
		CHECK_EQ(peek32(v, RES + 4), 5);
		CHECK_EQ(peek32(v, RES + 8), CODE);
		vm_free(v);
	}
}

static void test_int_ring3(void)
{
	Vm *v = vm_new(CPU_MODEL_386);
	pm_setup(v);
	/* int 40h; mov ax,cs; mov [6030h],eax; hlt (hlt at ring 3 -> #GP) */
	poke(v, CODE, "cd 40 66 8c c8 a3 30 60 00 00 f4");
	/* INT 40h handler: copy the frame, then IRETD */
	poke(v, 0x12000, "8b 04 24 a3 10 60 00 00 8b 44 24 04 a3 14 60 00 00 8b 44 24 08 a3 18 "
			 "60 00 00 8b 44 24 0c a3 1c 60 00 00 8b 44 24 10 a3 20 60 00 00 66 8c c8 "
			 "a3 28 60 00 00 89 25 24 60 00 00 cf");
	pm_start(v, 3, FLAG_IF);
	CHECK_EQ(run(v), CPU_EXIT_HLT);
	CHECK_EQ(peek32(v, RES + 0x10), CODE + 2);      /* EIP after INT */
	CHECK_EQ(peek32(v, RES + 0x14), S_CODE3 | 3);   /* old CS */
	CHECK_EQ(peek32(v, RES + 0x18) & FLAG_IF, FLAG_IF); /* old EFLAGS */
	CHECK_EQ(peek32(v, RES + 0x1C), 0x7F00);        /* old ESP */
	CHECK_EQ(peek32(v, RES + 0x20), S_DATA3 | 3);   /* old SS */
	CHECK_EQ(peek32(v, RES + 0x24), 0x9F00 - 20);   /* the TSS ring-0 stack */
	CHECK_EQ(peek32(v, RES + 0x28) & 0xFFFF, S_CODE0);
	CHECK_EQ(peek32(v, RES + 0x30) & 0xFFFF, S_CODE3 | 3); /* back at ring 3 */
	CHECK_EQ(peek32(v, RES + 4), 13);               /* then the HLT's #GP */
	CHECK_EQ(peek32(v, RES + 0xC), S_CODE3 | 3);
	vm_free(v);
}

static void test_call_gate(void)
{
	Vm *v = vm_new(CPU_MODEL_386);
	pm_setup(v);
	/* push 11111111h; push 22222222h; call 43h:0; mov ax,ds; mov [es:602Ch],eax;
	 * mov ax,cs; mov [es:6030h],eax; mov [es:6034h],esp; hlt */
	poke(v, CODE, "68 11 11 11 11 68 22 22 22 22 9a 00 00 00 00 43 00 66 8c d8 26 a3 2c "
		      "60 00 00 66 8c c8 26 a3 30 60 00 00 26 89 25 34 60 00 00 f4");
	/* gate target (ring 0): copy six frame dwords and CS, load DS with a ring-0 data
	 * segment, retf 8 */
	poke(v, 0x11000, "8b 04 24 a3 10 60 00 00 8b 44 24 04 a3 14 60 00 00 8b 44 24 08 a3 18 "
			 "60 00 00 8b 44 24 0c a3 1c 60 00 00 8b 44 24 10 a3 20 60 00 00 8b 44 24 "
			 "14 a3 24 60 00 00 66 8c c8 a3 28 60 00 00 66 b8 10 00 8e d8 ca 08 00");
	pm_start(v, 3, 0);
	CHECK_EQ(run(v), CPU_EXIT_HLT);
	CHECK_EQ(peek32(v, RES + 0x10), CODE + 17);   /* return EIP */
	CHECK_EQ(peek32(v, RES + 0x14), S_CODE3 | 3); /* return CS */
	CHECK_EQ(peek32(v, RES + 0x18), 0x22222222);  /* parameters, copied in order */
	CHECK_EQ(peek32(v, RES + 0x1C), 0x11111111);
	CHECK_EQ(peek32(v, RES + 0x20), 0x7F00 - 8);  /* outer ESP */
	CHECK_EQ(peek32(v, RES + 0x24), S_DATA3 | 3); /* outer SS */
	CHECK_EQ(peek32(v, RES + 0x28) & 0xFFFF, S_CODE0);
	CHECK_EQ(peek32(v, RES + 0x2C) & 0xFFFF, 0);  /* DS nulled on the way out */
	CHECK_EQ(peek32(v, RES + 0x30) & 0xFFFF, S_CODE3 | 3);
	CHECK_EQ(peek32(v, RES + 0x34), 0x7F00);      /* parameters popped by RETF 8 */
	vm_free(v);
}

static void test_conforming(void)
{
	Vm *v = vm_new(CPU_MODEL_386);
	pm_setup(v);
	/* ring 3: call 4Bh:13000h; mov [6034h],esp; hlt */
	poke(v, CODE, "9a 00 30 01 00 4b 00 89 25 34 60 00 00 f4");
	/* mov ax,cs; mov [6030h],eax; retf */
	poke(v, 0x13000, "66 8c c8 a3 30 60 00 00 cb");
	pm_start(v, 3, 0);
	CHECK_EQ(run(v), CPU_EXIT_HLT);
	CHECK_EQ(peek32(v, RES + 0x30) & 0xFFFF, S_CONF | 3); /* CPL stays 3 */
	CHECK_EQ(peek32(v, RES + 0x34), 0x7F00);
	CHECK_EQ(peek32(v, RES + 4), 13); /* the ring-3 HLT */
	vm_free(v);
}

static void test_pointer_validation(void)
{
	Vm *v = vm_new(CPU_MODEL_386);
	pm_setup(v);
	poke(v, CODE, "66 b8 23 00 0f 02 c0 a3 40 60 00 00 0f 94 05 44 60 00 00 66 bb 10 00 0f 02 "
		      "db 0f 94 05 45 60 00 00 66 b9 63 00 0f 03 c9 89 0d 48 60 00 00 0f 94 05 46 "
		      "60 00 00 66 b8 1b 00 0f 00 e0 0f 94 05 50 60 00 00 0f 00 e8 0f 94 05 51 60 "
		      "00 00 66 b8 23 00 0f 00 e8 0f 94 05 52 60 00 00 66 ba 10 00 66 b8 03 00 63 "
		      "c2 0f 94 05 53 60 00 00 89 15 54 60 00 00 f4");
	pm_start(v, 3, 0);
	CHECK_EQ(run(v), CPU_EXIT_HLT);
	CHECK_EQ(peek32(v, RES + 0x40), 0x00C0F300); /* LAR 23h: attributes */
	CHECK_EQ(peek8(v, RES + 0x44), 1);
	CHECK_EQ(peek8(v, RES + 0x45), 0);           /* LAR 10h at CPL 3: DPL 0, ZF=0 */
	CHECK_EQ(peek32(v, RES + 0x48), 0xFFF);      /* LSL 63h */
	CHECK_EQ(peek8(v, RES + 0x46), 1);
	CHECK_EQ(peek8(v, RES + 0x50), 1);           /* VERR ring-3 code (readable) */
	CHECK_EQ(peek8(v, RES + 0x51), 0);           /* VERW code */
	CHECK_EQ(peek8(v, RES + 0x52), 1);           /* VERW ring-3 data */
	CHECK_EQ(peek8(v, RES + 0x53), 1);           /* ARPL raised the RPL */
	CHECK_EQ(peek32(v, RES + 0x54) & 0xFFFF, 0x13);
	vm_free(v);
}

/* ARPL with a memory operand in a read-only data segment: a read, and a write only when
 * the RPL must rise. No fault when it need not (the 386 and 486 as test386 finds them);
 * #GP(0) when the write happens. */
static void test_arpl_readonly(void)
{
	Vm *v = vm_new(CPU_MODEL_386);
	pm_setup(v);
	set_desc(v, GDT, 14, 0x20000, 0xFFF, 0x4091); /* 70h: read-only data at 20000h */
	poke16(v, 0x20000, 0xFFF2);                  /* a selector with RPL 2 */
	poke8(v, RES + 0x40, 0xFF);
	poke(v, CODE, "66 b8 70 00 8e d8 66 bb 02 00 63 1d 00 00 00 00 36 0f 94 05 40 60 00 00 "
		      "66 bb 03 00 63 1d 00 00 00 00 f4");
	pm_start(v, 0, FLAG_ZF);
	CHECK_EQ(run(v), CPU_EXIT_HLT);
	CHECK_EQ(peek8(v, RES + 0x40), 0);      /* RPL 2 against 2: ZF=0, no fault */
	CHECK_EQ(peek32(v, RES + 4), 13);       /* RPL 3: the write faults, #GP(0) */
	CHECK_EQ(peek32(v, RES), 0);
	CHECK_EQ(peek32(v, RES + 8), CODE + 28); /* at the second ARPL */
	CHECK_EQ(peek16(v, 0x20000), 0xFFF2);   /* memory unchanged */
	vm_free(v);
}

static u32 port80;
static void p80_write(void *ctx, u16 port, u32 val, int size)
{
	(void)ctx;
	(void)port;
	(void)size;
	port80 = val;
}
static const IoOps p80_ops = {NULL, p80_write, 1, "p80"};

static void test_io_bitmap(void)
{
	Vm *v = vm_new(CPU_MODEL_386);
	pm_setup(v);
	CHECK_EQ(io_map(v->io, 0x80, 2, &p80_ops, NULL), 0);
	/* ring 3, IOPL 0: mov al,5Ah; out 80h,al (allowed by the bitmap); mov [6060h],al;
	 * out 81h,al (denied -> #GP(0)) */
	poke(v, CODE, "b0 5a e6 80 a2 60 60 00 00 e6 81 f4");
	pm_start(v, 3, 0);
	port80 = 0;
	CHECK_EQ(run(v), CPU_EXIT_HLT);
	CHECK_EQ(port80, 0x5A);
	CHECK_EQ(peek8(v, RES + 0x60), 0x5A);
	CHECK_EQ(peek32(v, RES + 4), 13);
	CHECK_EQ(peek32(v, RES), 0);
	CHECK_EQ(peek32(v, RES + 8), CODE + 9);
	/* with IOPL 3 the bitmap is not consulted */
	pm_start(v, 3, 3u << 12);
	poke32(v, RES + 4, 0xFFFFFFFFu);
	port80 = 0;
	CHECK_EQ(run(v), CPU_EXIT_HLT);
	CHECK_EQ(port80, 0x5A); /* the OUT to 81h reached the device (mapped for 2 ports) */
	CHECK_EQ(peek32(v, RES + 4), 13); /* only the ring-3 HLT faulted */
	CHECK_EQ(peek32(v, RES + 8), CODE + 11);
	vm_free(v);
}

static void test_double_fault(void)
{
	/* #GP whose gate is not present -> #NP while delivering #GP -> #DF(0) */
	Vm *v = vm_new(CPU_MODEL_386);
	pm_setup(v);
	poke8(v, IDT + 13 * 8 + 5, 0x0E); /* clear P in the #GP gate */
	poke(v, CODE, "66 b8 00 01 8e d8");
	pm_start(v, 0, 0);
	CHECK_EQ(run(v), CPU_EXIT_HLT);
	CHECK_EQ(peek32(v, RES + 4), 8);
	CHECK_EQ(peek32(v, RES), 0);
	vm_free(v);

	/* IDT too short for #GP and #DF: triple fault */
	v = vm_new(CPU_MODEL_386);
	pm_setup(v);
	poke(v, CODE, "66 b8 00 01 8e d8");
	pm_start(v, 0, 0);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	st.idtr_limit = 8 * 8 - 1; /* vectors 0-7 */
	cpu_set_state(v->cpu, &st);
	CHECK_EQ(run(v), CPU_EXIT_SHUTDOWN);
	CHECK_EQ(run(v), CPU_EXIT_SHUTDOWN); /* stays down until reset */
	cpu_reset(v->cpu);
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.eip, 0xFFF0);
	CHECK_EQ(st.seg[SEG_CS].base, 0xFFFF0000u);
	vm_free(v);

	/* a ring-0 push with no stack left: #SS, then #DF on the same stack: shutdown */
	v = vm_new(CPU_MODEL_386);
	pm_setup(v);
	poke(v, CODE, "66 b8 30 00 8e d0 bc 01 00 00 00 50 f4"); /* ss=30h; esp=1; push eax */
	pm_start(v, 0, 0);
	CHECK_EQ(run(v), CPU_EXIT_SHUTDOWN);
	vm_free(v);
}

static int ack_vector, acks;
static int ack(void *ctx)
{
	Cpu *c = ctx;
	acks++;
	cpu_set_intr(c, false);
	return ack_vector;
}

static void test_interrupts(void)
{
	Vm *v = vm_new(CPU_MODEL_386);
	pm_setup(v);
	cpu_set_intr_ack(v->cpu, ack, v->cpu);
	/* sti; nop; nop; hlt with INTR already high: taken after the first NOP (the STI
	 * shadow covers exactly one instruction) */
	poke(v, CODE, "fb 90 90 f4");
	pm_start(v, 0, 0);
	ack_vector = 0x30;
	acks = 0;
	cpu_set_intr(v->cpu, true);
	CHECK_EQ(run(v), CPU_EXIT_HLT);
	CHECK_EQ(acks, 1);
	CHECK_EQ(peek32(v, RES + 4), 0x30);
	CHECK_EQ(peek32(v, RES + 8), CODE + 2);

	/* HLT with IF=1 and nothing pending stops; INTR wakes it up at the next run */
	poke(v, CODE, "fb f4 f4");
	pm_start(v, 0, 0);
	poke32(v, RES + 4, 0xFFFFFFFFu);
	CHECK_EQ(run(v), CPU_EXIT_HLT);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	CHECK(st.halted, "halted");
	CHECK_EQ(st.eip, CODE + 2);
	ack_vector = 0x31;
	cpu_set_intr(v->cpu, true);
	CHECK_EQ(run(v), CPU_EXIT_HLT); /* the handler's own HLT */
	CHECK_EQ(peek32(v, RES + 4), 0x31);
	CHECK_EQ(peek32(v, RES + 8), CODE + 2); /* returns after the first HLT */

	/* NMI with IF=0: vector 2 */
	poke(v, CODE, "90 90 f4");
	pm_start(v, 0, 0);
	poke32(v, RES + 4, 0xFFFFFFFFu);
	cpu_set_nmi(v->cpu, true);
	CHECK_EQ(run(v), CPU_EXIT_HLT);
	CHECK_EQ(peek32(v, RES + 4), 2);
	cpu_set_nmi(v->cpu, false);

	/* INTR with IF=0 is not taken */
	poke(v, CODE, "90 90 f4");
	pm_start(v, 0, 0);
	poke32(v, RES + 4, 0xFFFFFFFFu);
	acks = 0;
	cpu_set_intr(v->cpu, true);
	CHECK_EQ(run(v), CPU_EXIT_HLT);
	CHECK_EQ(acks, 0);
	CHECK_EQ(peek32(v, RES + 4), 0xFFFFFFFFu);
	cpu_set_intr(v->cpu, false);
	vm_free(v);
}

static void test_system(void)
{
	Vm *v = vm_new(CPU_MODEL_386);
	pm_setup(v);
	/* sgdt [6100h]; sidt [6108h]; sldt ax; mov [6110h],eax; str bx; mov [6114h],ebx;
	 * mov ax,68h; lldt ax; mov ax,0Ch (LDT entry 1); mov es,ax;
	 * mov dword [es:10h],0CAFEh; sldt cx; mov [6118h],ecx; smsw edx; mov [611Ch],edx;
	 * mov eax,12345678h; mov dr0,eax; mov ebx,dr0; mov [6120h],ebx; mov eax,cr0;
	 * or eax,8 (TS); mov cr0,eax; clts; mov eax,cr0; mov [6124h],eax; or al,4 (EM);
	 * mov cr0,eax; fadd st0,st1 (-> #NM); hlt */
	const char *code =
		"0f 01 05 00 61 00 00 0f 01 0d 08 61 00 00 66 0f 00 c0 a3 10 61 00 00 66 0f 00 "
		"cb 89 1d 14 61 00 00 66 b8 68 00 0f 00 d0 66 b8 0c 00 8e c0 26 c7 05 10 00 00 00 "
		"fe ca 00 00 66 0f 00 c1 89 0d 18 61 00 00 0f 01 e2 89 15 1c 61 00 00 b8 78 56 34 "
		"12 0f 23 c0 0f 21 c3 89 1d 20 61 00 00 0f 20 c0 83 c8 08 0f 22 c0 0f 06 0f 20 c0 "
		"a3 24 61 00 00 0c 04 0f 22 c0 d8 c1 f4";
	u32 end = poke(v, CODE, code);
	pm_start(v, 0, 0);
	CHECK_EQ(run(v), CPU_EXIT_HLT);
	CHECK_EQ(peek16(v, 0x6100), 16 * 8 - 1);
	CHECK_EQ(peek32(v, 0x6102), GDT);
	CHECK_EQ(peek16(v, 0x6108), 0x48 * 8 - 1);
	CHECK_EQ(peek32(v, 0x610A), IDT);
	CHECK_EQ(peek16(v, 0x6110), 0);
	CHECK_EQ(peek16(v, 0x6114), S_TSS);
	CHECK_EQ(peek32(v, 0x7010), 0xCAFE); /* through the LDT descriptor */
	CHECK_EQ(peek16(v, 0x6118), S_LDT);
	CHECK_EQ(peek32(v, 0x611C), CR0_PE);
	CHECK_EQ(peek32(v, 0x6120), 0x12345678);
	CHECK_EQ(peek32(v, 0x6124), CR0_PE); /* CLTS cleared TS */
	CHECK_EQ(peek32(v, RES + 4), 7);    /* ESC with CR0.EM: #NM */
	CHECK_EQ(peek32(v, RES + 8), end - 3);
	vm_free(v);

	/* rdmsr of an unknown MSR: #GP(0) (Pentium model) */
	v = vm_new(CPU_MODEL_PENTIUM);
	pm_setup(v);
	poke(v, CODE, "b9 45 23 01 00 0f 32 f4");
	pm_start(v, 0, 0);
	CHECK_EQ(run(v), CPU_EXIT_HLT);
	CHECK_EQ(peek32(v, RES + 4), 13);
	CHECK_EQ(peek32(v, RES + 8), CODE + 5);
	/* mov ecx,10h; mov eax,1234h; xor edx,edx; wrmsr (TSC); rdtsc: the TSC counts
	 * retired instructions from the value written */
	poke(v, CODE, "b9 10 00 00 00 b8 34 12 00 00 31 d2 0f 30 0f 31 f4");
	pm_start(v, 0, 0);
	CpuState st;
	CHECK_EQ(run(v), CPU_EXIT_HLT);
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.gpr[R_EAX], 0x1235);
	/* WAIT with CR0.MP and TS: #NM */
	poke(v, CODE, "0f 20 c0 0c 0a 0f 22 c0 9b f4");
	pm_start(v, 0, 0);
	CHECK_EQ(run(v), CPU_EXIT_HLT);
	CHECK_EQ(peek32(v, RES + 4), 7);
	CHECK_EQ(peek32(v, RES + 8), CODE + 8);
	/* the microcode signature MSR 8Bh is the P6's: #GP(0) on the Pentium */
	poke(v, CODE, "b9 8b 00 00 00 0f 32 f4");
	pm_start(v, 0, 0);
	CHECK_EQ(run(v), CPU_EXIT_HLT);
	CHECK_EQ(peek32(v, RES + 4), 13);
	vm_free(v);
	/* P6: write 0, CPUID, read: revision 0 (what Linux's early_init_intel does) */
	v = vm_new(CPU_MODEL_P6);
	pm_setup(v);
	poke(v, CODE, "b9 8b 00 00 00 31 c0 31 d2 0f 30 b8 01 00 00 00 0f a2 b9 8b 00 00 00 "
		      "b8 ff ff ff ff ba ff ff ff ff 0f 32 f4");
	pm_start(v, 0, 0);
	CHECK_EQ(run(v), CPU_EXIT_HLT);
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.gpr[R_EAX], 0);
	CHECK_EQ(st.gpr[R_EDX], 0);
	vm_free(v);
}

static void test_stack_frames(void)
{
	Vm *v = vm_new(CPU_MODEL_386);
	pm_setup(v);
	/* mov ebp,8000h; mov esp,7000h; mov dword [7FFCh],1111h; enter 10h,2;
	 * mov [6000h],ebp; mov [6004h],esp; leave; mov [6008h],ebp; mov [600Ch],esp;
	 * eax..edi = 1..6; pushad; popad; pushad; mov [6010h],esp; add esp,32; push ds;
	 * pop fs; mov [6014h],esp; hlt */
	poke(v, CODE, "bd 00 80 00 00 bc 00 70 00 00 c7 05 fc 7f 00 00 11 11 00 00 c8 10 00 02 89 "
		      "2d 00 60 00 00 89 25 04 60 00 00 c9 89 2d 08 60 00 00 89 25 0c 60 00 00 b8 "
		      "01 00 00 00 b9 02 00 00 00 ba 03 00 00 00 bb 04 00 00 00 be 05 00 00 00 bf "
		      "06 00 00 00 60 61 60 89 25 10 60 00 00 83 c4 20 1e 0f a1 89 25 14 60 00 00 f4");
	pm_start(v, 0, 0);
	CHECK_EQ(run(v), CPU_EXIT_HLT);
	CHECK_EQ(peek32(v, 0x6000), 0x6FFC);       /* ENTER: EBP = frame */
	CHECK_EQ(peek32(v, 0x6004), 0x6FF4 - 0x10); /* ESP */
	CHECK_EQ(peek32(v, 0x6008), 0x8000);       /* LEAVE */
	CHECK_EQ(peek32(v, 0x600C), 0x7000);
	CHECK_EQ(peek32(v, 0x6010), 0x6FE0);       /* PUSHAD: 8 dwords */
	CHECK_EQ(peek32(v, 0x6FEC), 0x7000);       /* the ESP before PUSHAD */
	CHECK_EQ(peek32(v, 0x6FE0), 6);            /* EDI last */
	CHECK_EQ(peek32(v, 0x6014), 0x7000);       /* PUSH DS / POP FS: 4-byte slots */
	CpuState st;
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.seg[SEG_FS].sel, S_DATA0);
	CHECK_EQ(st.seg[SEG_FS].limit, 0xFFFFFFFFu);
	CHECK_EQ(st.gpr[R_EAX], 1);
	CHECK_EQ(st.gpr[R_EDI], 6);
	/* the frame ENTER 10h,2 builds: old EBP, one copied frame pointer, the new one */
	poke(v, CODE, "bd 00 80 00 00 bc 00 70 00 00 c7 05 fc 7f 00 00 11 11 00 00 c8 10 00 02 f4");
	pm_start(v, 0, 0);
	CHECK_EQ(run(v), CPU_EXIT_HLT);
	CHECK_EQ(peek32(v, 0x6FFC), 0x8000);
	CHECK_EQ(peek32(v, 0x6FF8), 0x1111);
	CHECK_EQ(peek32(v, 0x6FF4), 0x6FFC);
	vm_free(v);
}

#define PDIR 0x80000
#define PTAB 0x81000

/* Page tables: the first 4 MiB identity-mapped, user and writable, except the system
 * structures and the ring-0 stack and handlers (supervisor only), linear 20000h mapped to
 * 30000h, 21000h not present, 22000h read-only, 23000h supervisor only, 24000h not
 * present. */
static void paging_setup(Vm *v)
{
	poke32(v, PDIR, PTAB | 7);
	for (u32 i = 0; i < 1024; i++)
		poke32(v, PTAB + i * 4, i << 12 | 7);
	static const u32 sup[] = {0x1000, 0x2000, 0x3000, 0x9000, 0x40000, 0x41000, 0x42000};
	for (unsigned i = 0; i < ARRAY_SIZE(sup); i++)
		poke32(v, PTAB + (sup[i] >> 12) * 4, sup[i] | 3);
	poke32(v, PTAB + 0x20 * 4, 0x30000 | 7);
	poke32(v, PTAB + 0x21 * 4, 0x21000 | 6);
	poke32(v, PTAB + 0x22 * 4, 0x22000 | 5);
	poke32(v, PTAB + 0x23 * 4, 0x23000 | 3);
	poke32(v, PTAB + 0x24 * 4, 0);
}

static void paging_on(Vm *v)
{
	CpuState st;
	cpu_get_state(v->cpu, &st);
	st.cr0 |= CR0_PG;
	st.cr3 = PDIR;
	cpu_set_state(v->cpu, &st);
}

/* Runs code with paging at ring `ring` and checks a #PF report. */
static void expect_pf(const char *what, CpuModel m, const char *code, int ring, u32 cr0_extra,
		      u32 err, u32 cr2, u32 eip)
{
	Vm *v = vm_new(m);
	pm_setup(v);
	paging_setup(v);
	poke(v, CODE, code);
	pm_start(v, ring, 0);
	paging_on(v);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	st.cr0 |= cr0_extra;
	cpu_set_state(v->cpu, &st);
	CpuExitReason r = run(v);
	cpu_get_state(v->cpu, &st);
	CHECK(r == CPU_EXIT_HLT, "%s: exit %d", what, r);
	CHECK(peek32(v, RES + 4) == 14, "%s: vector %u", what, peek32(v, RES + 4));
	CHECK(peek32(v, RES) == err, "%s: error code %x, want %x", what, peek32(v, RES), err);
	CHECK(st.cr2 == cr2, "%s: CR2 %x, want %x", what, st.cr2, cr2);
	CHECK(peek32(v, RES + 8) == eip, "%s: EIP %x, want %x", what, peek32(v, RES + 8), eip);
	vm_free(v);
}

static void test_paging(void)
{
	/* a write through a remapped page, with accessed and dirty bits */
	Vm *v = vm_new(CPU_MODEL_386);
	pm_setup(v);
	paging_setup(v);
	poke(v, CODE, "c7 05 00 00 02 00 44 33 22 11 f4"); /* mov dword [20000h],11223344h */
	pm_start(v, 0, 0);
	paging_on(v);
	CHECK_EQ(run(v), CPU_EXIT_HLT);
	CHECK_EQ(peek32(v, 0x30000), 0x11223344);
	CHECK_EQ(peek32(v, 0x20000), 0);
	CHECK_EQ(peek32(v, PTAB + 0x20 * 4), 0x30000 | 7 | 0x60); /* A and D */
	CHECK_EQ(peek32(v, PTAB + 0x10 * 4), 0x10000 | 7 | 0x20);  /* code page: A only */
	CHECK_EQ(peek32(v, PDIR) & 0x20, 0x20);
	u32 pa;
	CHECK_EQ(cpu_translate(v->cpu, 0x20010, &pa), 0);
	CHECK_EQ(pa, 0x30010);
	CHECK_EQ(cpu_translate(v->cpu, 0x21000, &pa), -1);

	/* ring 3 through an interrupt gate: the IDT, GDT, TSS and ring-0 stack are in
	 * supervisor pages, which the CPU reaches with supervisor accesses */
	poke(v, CODE, "cd 40 66 8c c8 a3 30 60 00 00 f4");
	poke(v, 0x12000, "8b 44 24 10 a3 20 60 00 00 cf"); /* mov eax,[esp+16]; mov [6020h],eax; iretd */
	pm_start(v, 3, 0);
	paging_on(v);
	poke32(v, RES + 4, 0xFFFFFFFFu);
	CHECK_EQ(run(v), CPU_EXIT_HLT);
	CHECK_EQ(peek32(v, RES + 0x20), S_DATA3 | 3); /* the outer SS from the ring-0 frame */
	CHECK_EQ(peek32(v, RES + 0x30) & 0xFFFF, S_CODE3 | 3);
	CHECK_EQ(peek32(v, RES + 4), 13); /* the final ring-3 HLT */
	vm_free(v);

	expect_pf("read not present", CPU_MODEL_386, "a1 00 10 02 00 f4", 0, 0, 0, 0x21000, CODE);
	expect_pf("write not present", CPU_MODEL_386, "c7 05 00 10 02 00 01 00 00 00 f4", 0, 0, 2,
		  0x21000, CODE);
	expect_pf("user write read-only", CPU_MODEL_386, "c7 05 00 20 02 00 01 00 00 00 f4", 3, 0,
		  7, 0x22000, CODE);
	expect_pf("user read supervisor", CPU_MODEL_386, "a1 00 30 02 00 f4", 3, 0, 5, 0x23000, CODE);
	expect_pf("user fetch not present", CPU_MODEL_386, "e9 fb 3f 01 00", 3, 0, 4, 0x24000,
		  0x24000);
	expect_pf("supervisor write read-only, WP", CPU_MODEL_486,
		  "c7 05 00 20 02 00 01 00 00 00 f4", 0, CR0_WP, 3, 0x22000, CODE);

	/* without WP the supervisor writes read-only pages (386 behaviour) */
	v = vm_new(CPU_MODEL_386);
	pm_setup(v);
	paging_setup(v);
	poke(v, CODE, "c7 05 00 20 02 00 01 00 00 00 f4");
	pm_start(v, 0, 0);
	paging_on(v);
	CHECK_EQ(run(v), CPU_EXIT_HLT);
	CHECK_EQ(peek32(v, 0x22000), 1);
	CHECK_EQ(peek32(v, RES + 4), 0xFFFFFFFFu);
	vm_free(v);

	/* a 4 MiB page (Pentium, CR4.PSE): linear 400000h+ maps the first 4 MiB */
	v = vm_new(CPU_MODEL_PENTIUM);
	pm_setup(v);
	paging_setup(v);
	poke32(v, PDIR + 4, 0x00000000 | 0x80 | 7);
	poke32(v, 0x5000, 0xFEEDF00D);
	poke(v, CODE, "a1 00 50 40 00 f4"); /* mov eax,[405000h] */
	pm_start(v, 0, 0);
	paging_on(v);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	st.cr4 = 0x10;
	cpu_set_state(v->cpu, &st);
	CHECK_EQ(run(v), CPU_EXIT_HLT);
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.gpr[R_EAX], 0xFEEDF00D);
	CHECK_EQ(peek32(v, PDIR + 4) & 0x20, 0x20);
	vm_free(v);
}

static void test_v86(void)
{
	for (int iopl3 = 1; iopl3 >= 0; iopl3--) {
		Vm *v = vm_new(CPU_MODEL_386);
		pm_setup(v);
		CHECK_EQ(io_map(v->io, 0x80, 2, &p80_ops, NULL), 0);
		/* ring 0: push GS FS DS ES SS ESP EFLAGS(VM, IOPL 3 or 0, IF) CS EIP; iretd */
		poke(v, CODE, iopl3 ? "6a 00 6a 00 68 00 30 00 00 68 00 30 00 00 68 00 20 00 00 68 00 0f "
				      "00 00 68 02 32 02 00 68 00 20 00 00 68 00 01 00 00 cf"
				    : "6a 00 6a 00 68 00 30 00 00 68 00 30 00 00 68 00 20 00 00 68 00 0f "
				      "00 00 68 02 02 02 00 68 00 20 00 00 68 00 01 00 00 cf");
		/* V86 at 2000:0100: mov ax,[10h]; mov [12h],ax; mov cx,ds; mov al,77h;
		 * out 80h,al (allowed by the TSS bitmap); int 40h */
		poke(v, 0x20100, "a1 10 00 a3 12 00 8c d9 b0 77 e6 80 cd 40");
		poke16(v, 0x30010, 0xBEEF);
		/* INT 40h handler (ring 0): frame words and DS, CX through SS */
		poke(v, 0x12000, "8b 04 24 36 a3 10 60 00 00 8b 44 24 04 36 a3 14 60 00 00 8b 44 24 "
				 "08 36 a3 18 60 00 00 8b 44 24 0c 36 a3 1c 60 00 00 8b 44 24 10 36 a3 "
				 "20 60 00 00 8b 44 24 18 36 a3 24 60 00 00 66 8c d8 36 a3 28 60 00 00 "
				 "36 89 0d 2c 60 00 00 f4");
		pm_start(v, 0, 0);
		port80 = 0;
		CHECK_EQ(run(v), CPU_EXIT_HLT);
		CHECK_EQ(peek16(v, 0x30012), 0xBEEF); /* DS:12h = 3000h*16+12h */
		CHECK_EQ(port80, 0x77);
		if (iopl3) {
			CHECK_EQ(peek32(v, RES + 0x10), 0x10E);   /* EIP after INT */
			CHECK_EQ(peek32(v, RES + 0x14), 0x2000);  /* CS */
			CHECK_EQ(peek32(v, RES + 0x18) & (FLAG_VM | FLAG_IOPL), FLAG_VM | FLAG_IOPL);
			CHECK_EQ(peek32(v, RES + 0x1C), 0x0F00);  /* ESP */
			CHECK_EQ(peek32(v, RES + 0x20), 0x2000);  /* SS */
			CHECK_EQ(peek32(v, RES + 0x24), 0x3000);  /* DS, saved */
			CHECK_EQ(peek32(v, RES + 0x28) & 0xFFFF, 0); /* DS nulled in the handler */
			CHECK_EQ(peek32(v, RES + 0x2C) & 0xFFFF, 0x3000);
			CpuState st;
			cpu_get_state(v->cpu, &st);
			CHECK_EQ(st.eflags & FLAG_VM, 0);
			CHECK_EQ(st.seg[SEG_CS].sel, S_CODE0);
		} else {
			/* INT n at IOPL < 3 in V86 mode: #GP(0) to ring 0 */
			CHECK_EQ(peek32(v, RES + 4), 13);
			CHECK_EQ(peek32(v, RES), 0);
			CHECK_EQ(peek32(v, RES + 8), 0x10C);
			CHECK_EQ(peek32(v, RES + 0xC), 0x2000);
		}
		vm_free(v);
	}
}

#define TSS2 0x3800
enum { S_TSS2 = 0x70, S_TASKGATE = 0x78 };

/* A second 32-bit TSS (GDT 70h) starting at eip in ring 0 with its own stack, and a
 * task gate to it (GDT 78h, DPL 3). */
static void task_setup(Vm *v, u32 eip)
{
	set_desc(v, GDT, 14, TSS2, 0x67, 0x0089);
	set_gate(v, GDT, 15, S_TSS2, 0, 5, 3, 0);
	poke32(v, TSS2 + 32, eip);
	poke32(v, TSS2 + 36, 2);
	poke32(v, TSS2 + 56, 0x5F00); /* ESP */
	poke32(v, TSS2 + 72, S_DATA0); /* ES */
	poke32(v, TSS2 + 76, S_CODE0); /* CS */
	poke32(v, TSS2 + 80, S_DATA0); /* SS */
	poke32(v, TSS2 + 84, S_DATA0); /* DS */
	poke32(v, TSS2 + 88, S_DATA0);
	poke32(v, TSS2 + 92, S_DATA0);
}

static void test_tasks(void)
{
	Vm *v = vm_new(CPU_MODEL_386);
	pm_setup(v);
	task_setup(v, 0x14000);
	/* task 1: mov eax,5555h; call 78h:0 (task gate); mov [650Ch],eax; str bx;
	 * mov [6510h],ebx; jmp 70h:0 (the TSS itself) */
	poke(v, CODE, "b8 55 55 00 00 9a 00 00 00 00 78 00 a3 0c 65 00 00 66 0f 00 cb 89 1d 10 "
		      "65 00 00 ea 00 00 00 00 70 00");
	/* task 2: inc dword [6500h]; str bx; mov [6504h],ebx; pushfd; pop ecx;
	 * mov [6508h],ecx; iretd (NT: back to task 1); hlt */
	poke(v, 0x14000, "a1 00 65 00 00 40 a3 00 65 00 00 66 0f 00 cb 89 1d 04 65 00 00 9c 59 89 "
			 "0d 08 65 00 00 cf f4");
	pm_start(v, 0, 0);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	st.dr[7] = 0x400 | 0x1FF; /* L0-L3, G0-G3, LE (breakpoints at linear 0, never run) */
	cpu_set_state(v->cpu, &st);
	CHECK_EQ(run(v), CPU_EXIT_HLT);
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.dr[7] & 0x3FF, 0x0AA); /* a task switch clears L0-L3 and LE (SDM 17.2.4) */
	CHECK_EQ(peek32(v, 0x6500), 1);                /* task 2 ran once */
	CHECK_EQ(peek16(v, 0x6504), S_TSS2);           /* with TR = its TSS */
	CHECK_EQ(peek32(v, 0x6508) & FLAG_NT, FLAG_NT); /* nested: CALL set NT */
	CHECK_EQ(peek32(v, 0x650C), 0x5555);           /* task 1's EAX came back */
	CHECK_EQ(peek16(v, 0x6510), S_TSS);
	CHECK_EQ(peek16(v, TSS2), S_TSS);              /* the back link */
	/* JMP 70h:0 resumed task 2 after its IRETD, at the HLT */
	CHECK_EQ(st.eip, 0x14000 + 31);
	CHECK_EQ(st.tr.sel, S_TSS2);
	CHECK_EQ(st.cr0 & CR0_TS, CR0_TS);
	CHECK_EQ(peek8(v, GDT + 5 * 8 + 5), 0x89);     /* task 1's TSS no longer busy */
	CHECK_EQ(peek8(v, GDT + 14 * 8 + 5), 0x8B);    /* task 2's is */
	CHECK_EQ(peek32(v, TSS + 32), CODE + 34);      /* task 1's EIP saved after the JMP */
	CHECK_EQ(peek32(v, TSS + 40), 0x5555);
	vm_free(v);

	/* #DF through a task gate (as Linux does): the error code on the new task's stack */
	v = vm_new(CPU_MODEL_386);
	pm_setup(v);
	task_setup(v, 0x15000);
	set_gate(v, IDT, 8, S_TSS2, 0, 5, 0, 0);
	poke8(v, IDT + 13 * 8 + 5, 0x0E); /* #GP gate not present: #GP -> #NP -> #DF */
	poke(v, CODE, "66 b8 00 01 8e d8");
	/* mov eax,[esp]; mov [6520h],eax; mov [6524h],esp; str bx; mov [6528h],ebx; hlt */
	poke(v, 0x15000, "8b 04 24 a3 20 65 00 00 89 25 24 65 00 00 66 0f 00 cb 89 1d 28 65 00 00 f4");
	poke32(v, 0x6520, 0xFFFFFFFFu);
	pm_start(v, 0, 0);
	CHECK_EQ(run(v), CPU_EXIT_HLT);
	CHECK_EQ(peek32(v, 0x6520), 0);         /* #DF's error code */
	CHECK_EQ(peek32(v, 0x6524), 0x5F00 - 4);
	CHECK_EQ(peek16(v, 0x6528), S_TSS2);
	CHECK_EQ(peek32(v, TSS + 32), CODE + 4); /* the faulting EIP saved in task 1 */
	vm_free(v);
}

/* The outgoing task's selectors in a 32-bit TSS: the 386 and 486 write each as a word
 * (the upper word of the slot stays), the Pentium and later as a doubleword with the
 * upper word 0 (SDM vol. 3B 22.28.2). */
static void test_tss_selector_writes(void)
{
	for (int m = CPU_MODEL_386; m <= CPU_MODEL_P6; m += CPU_MODEL_P6 - CPU_MODEL_386) {
		Vm *v = vm_new((CpuModel)m);
		pm_setup(v);
		task_setup(v, 0x14000);
		for (u32 i = 0; i < 6; i++)
			poke32(v, TSS + 72 + 4 * i, 0xDEAD0000u);
		poke(v, CODE, "9a 00 00 00 00 78 00 f4"); /* call 78h:0 */
		poke(v, 0x14000, "f4");
		pm_start(v, 0, 0);
		CHECK_EQ(run(v), CPU_EXIT_HLT);
		u32 want_hi = m == CPU_MODEL_386 ? 0xDEAD0000u : 0;
		CHECK_EQ(peek32(v, TSS + 76), want_hi | S_CODE0); /* CS */
		CHECK_EQ(peek32(v, TSS + 80), want_hi | S_DATA0); /* SS */
		CHECK_EQ(peek32(v, TSS + 92), want_hi | (peek32(v, TSS + 92) & 0xFFFF)); /* GS */
		vm_free(v);
	}
}

int main(void)
{
	test_real_to_pm();
	test_exceptions();
	test_int_ring3();
	test_call_gate();
	test_conforming();
	test_pointer_validation();
	test_arpl_readonly();
	test_io_bitmap();
	test_double_fault();
	test_interrupts();
	test_system();
	test_stack_frames();
	test_paging();
	test_v86();
	test_tasks();
	test_tss_selector_writes();
	return test_summary();
}
