/* pae_test: what VMCP's own models decide about PAE, NX and the memory MSRs, beyond
 * what tests/cpu/pm/pm_pae.asm checks against Bochs:
 *  - MAXPHYADDR is 36 (no CPUID 80000008h): PTE bits 36-39 are reserved (Bochs's
 *    reference model has 40 bits), bits 35:32 are address bits, and a frame above
 *    4 GiB reaches the bus modulo 4 GiB (the board decodes 32 address bits);
 *  - the P6 (a Pentium II): PAE without NX (no EFER: #GP; XD is a reserved bit), the
 *    MTRRs without the PAT; CPUID without leaf 80000001h;
 *  - the Pentium 4: IA32_MISC_ENABLE bit 34 (XD disable) hides NX in CPUID, makes
 *    EFER.NXE reserved and clears it;
 *  - INIT clears EFER and keeps the PAT and the MTRRs; RESET restores their values;
 *  - cpu_translate walks PAE tables; cpu_set_state loads the PDPTEs and EFER;
 *  - 32-bit paging: a 4 MiB PDE with bits 21:13 set faults with RSVD (no PSE-36).
 * Each case runs a few instructions in flat 32-bit ring 0 with an IDT whose gates lead
 * to HLTs, and reads the vector, the error code and CR2 back. */
#include "../test.h"
#include "harness.h"

#define GDT 0x5000u
#define IDT 0x5800u
#define HANDLERS 0x3000u /* HLT at 0x3000 + vector */
#define CODE 0x1000u
#define STACK 0x9000u
#define PDPT 0x20000u
#define PD 0x21000u
#define PT 0x22000u
#define DATA 0x30000u

static void put64(Vm *v, u32 a, u64 x)
{
	poke32(v, a, (u32)x);
	poke32(v, a + 4, (u32)(x >> 32));
}

/* PAE tables: the low 2 MiB identity-mapped through PDPTE 0, supervisor, writable. */
static void pae_tables(Vm *v)
{
	for (u32 i = 0; i < 4; i++)
		put64(v, PDPT + 8 * i, 0);
	put64(v, PDPT, PD | 1);
	for (u32 i = 0; i < 512; i++)
		put64(v, PD + 8 * i, 0);
	put64(v, PD, PT | 3);
	for (u32 i = 0; i < 512; i++)
		put64(v, PT + 8 * i, (u64)i << 12 | 3);
}

/* Flat 32-bit ring 0 at CODE, every IDT gate to its HLT; paging as given. */
static void flat(Vm *v, u32 cr0_extra, u32 cr3, u32 cr4, u32 efer)
{
	set_desc(v, GDT, 1, 0, 0xFFFFF, 0xC09B);
	set_desc(v, GDT, 2, 0, 0xFFFFF, 0xC093);
	for (int i = 0; i < 32; i++) {
		set_gate(v, IDT, i, 0x08, HANDLERS + (u32)i, 14, 0, 0);
		poke8(v, HANDLERS + (u32)i, 0xF4);
	}
	CpuState st;
	cpu_get_state(v->cpu, &st);
	memset(st.gpr, 0, sizeof(st.gpr));
	st.gpr[R_ESP] = STACK;
	st.eip = CODE;
	st.eflags = 2;
	st.cr0 = 0x60000011 | cr0_extra;
	st.cr3 = cr3;
	st.cr4 = cr4;
	st.efer = efer;
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

typedef struct Out {
	int vec;  /* -1: ran to its own HLT */
	u32 err;  /* the error code the CPU pushed (#PF, #GP) */
	u32 cr2;
	u32 eax, edx;
} Out;

/* Runs code (hex, ending in HLT) and tells how it stopped. */
static Out run(Vm *v, const char *hex)
{
	poke(v, CODE, hex);
	Out o = {-1, 0, 0, 0, 0};
	cpu_run(v->cpu, 100, NULL);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	u32 lin = st.eip - 1;
	if (lin >= HANDLERS && lin < HANDLERS + 32) {
		o.vec = (int)(lin - HANDLERS);
		o.err = peek32(v, st.gpr[R_ESP]); /* identity-mapped stack */
	}
	o.cr2 = st.cr2;
	o.eax = st.gpr[R_EAX];
	o.edx = st.gpr[R_EDX];
	return o;
}

#define MOV_EAX_MEM(a) "a1 " a          /* mov eax, [a] (4 bytes, little-endian) */
#define HLT "f4"

static void test_maxphyaddr(void)
{
	Vm *v = vm_new(CPU_MODEL_P4);
	pae_tables(v);
	poke32(v, DATA, 0x11223344);
	poke32(v, 0x7000 + 0x10, 0xCAFEF00D);
	/* PTE of 0x31000: bit 36 set; of 0x32000: frame 1_0000_5000 (above 4 GiB) */
	put64(v, PT + 8 * 0x31, (1ull << 36) | DATA | 3);
	put64(v, PT + 8 * 0x32, 0x100007000ull | 3);
	flat(v, CR0_PG, PDPT, CR4_PAE, 0);
	Out o = run(v, MOV_EAX_MEM("00 10 03 00") HLT);
	CHECK(o.vec == 14 && o.err == 9 && o.cr2 == 0x31000, "PTE bit 36 (MAXPHYADDR 36): #PF RSVD, "
	      "vec %d err %x cr2 %x", o.vec, o.err, o.cr2);
	for (int b = 32; b < 36; b++) {
		put64(v, PT + 8 * 0x31, (1ull << b) | DATA | 3);
		flat(v, CR0_PG, PDPT, CR4_PAE, 0);
		o = run(v, MOV_EAX_MEM("00 10 03 00") HLT);
		CHECK(o.vec == -1 && o.eax == 0x11223344, "PTE bit %d is an address bit (wraps to "
		      "the same RAM): vec %d eax %x", b, o.vec, o.eax);
	}
	put64(v, PT + 8 * 0x31, (1ull << 39) | DATA | 3);
	flat(v, CR0_PG, PDPT, CR4_PAE, 0);
	o = run(v, MOV_EAX_MEM("00 10 03 00") HLT);
	CHECK(o.vec == 14 && o.err == 9, "PTE bit 39 reserved: vec %d err %x", o.vec, o.err);
	flat(v, CR0_PG, PDPT, CR4_PAE, 0);
	o = run(v, MOV_EAX_MEM("10 20 03 00") HLT);
	CHECK(o.vec == -1 && o.eax == 0xCAFEF00D, "a frame above 4 GiB reaches the bus modulo "
	      "4 GiB: eax %x", o.eax);
	u32 pa = 0;
	CHECK(cpu_translate(v->cpu, 0x32010, &pa) == 0 && pa == 0x7010, "cpu_translate under "
	      "PAE: %x", pa);
	CHECK(cpu_translate(v->cpu, 0x40000000, &pa) == -1, "cpu_translate: PDPTE 1 not present");
	/* a PDPTE with bit 36 set: the load fails, MOV CR3 #GP(0) */
	put64(v, PDPT + 8, (1ull << 36) | PD | 1);
	put64(v, PDPT + 0x100, PD | 1); /* a good PDPT to run from */
	flat(v, CR0_PG, PDPT + 0x100, CR4_PAE, 0);
	o = run(v, "b8 00 00 02 00  0f 22 d8" HLT); /* mov eax, PDPT; mov cr3, eax */
	CHECK(o.vec == 13 && o.err == 0, "MOV CR3, PDPTE bit 36 set: #GP(0), vec %d err %x", o.vec,
	      o.err);
	vm_free(v);
}

static void test_p6(void)
{
	Vm *v = vm_new(CPU_MODEL_P6);
	pae_tables(v);
	poke32(v, DATA, 0x55667788);
	flat(v, CR0_PG, PDPT, CR4_PAE, 0x800);
	Out o = run(v, MOV_EAX_MEM("00 00 03 00") HLT);
	CHECK(o.vec == -1 && o.eax == 0x55667788, "P6: PAE paging works: vec %d eax %x", o.vec, o.eax);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	CHECK(st.efer == 0, "P6: no EFER (cpu_set_state dropped NXE): %x", st.efer);
	put64(v, PT + 8 * 0x30, (1ull << 63) | DATA | 3);
	flat(v, CR0_PG, PDPT, CR4_PAE, 0);
	o = run(v, MOV_EAX_MEM("00 00 03 00") HLT);
	CHECK(o.vec == 14 && o.err == 9, "P6: XD is a reserved bit: vec %d err %x", o.vec, o.err);
	flat(v, 0, 0, 0, 0);
	o = run(v, "b9 80 00 00 c0  0f 32" HLT); /* rdmsr EFER */
	CHECK(o.vec == 13, "P6: RDMSR EFER #GP: vec %d", o.vec);
	flat(v, 0, 0, 0, 0);
	o = run(v, "b9 77 02 00 00  0f 32" HLT); /* rdmsr PAT */
	CHECK(o.vec == 13, "P6: RDMSR PAT #GP: vec %d", o.vec);
	flat(v, 0, 0, 0, 0);
	o = run(v, "b9 fe 00 00 00  0f 32" HLT); /* rdmsr MTRRcap */
	CHECK(o.vec == -1 && o.eax == 0x508 && o.edx == 0, "P6: MTRRcap 508h: vec %d eax %x",
	      o.vec, o.eax);
	flat(v, 0, 0, 0, 0);
	o = run(v, "b8 00 00 00 80  0f a2" HLT); /* cpuid 80000000h */
	/* no extended leaves: 80000000h reads as leaf 2, EAX below 80000000h */
	CHECK(o.vec == -1 && o.eax == 0x03020101, "P6: no extended CPUID leaves: %x", o.eax);
	vm_free(v);
}

static void test_xd_disable(void)
{
	Vm *v = vm_new(CPU_MODEL_P4);
	flat(v, 0, 0, 0, 0x800);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	CHECK(st.efer == 0x800, "P4: EFER.NXE from cpu_set_state: %x", st.efer);
	/* rdmsr MISC_ENABLE; or edx, 4 (bit 34); wrmsr; cpuid 80000001h; hlt */
	Out o = run(v, "b9 a0 01 00 00  0f 32  83 ca 04  0f 30  b8 01 00 00 80  0f a2" HLT);
	CHECK(o.vec == -1 && !(o.edx & 0x100000), "XD disable: CPUID hides NX: edx %x", o.edx);
	cpu_get_state(v->cpu, &st);
	CHECK(st.efer == 0, "XD disable clears EFER.NXE: %x", st.efer);
	/* with XD disabled, EFER.NXE is reserved */
	flat(v, 0, 0, 0, 0);
	o = run(v, "b9 80 00 00 c0  31 d2  b8 00 08 00 00  0f 30" HLT);
	CHECK(o.vec == 13 && o.err == 0, "XD disable: WRMSR EFER.NXE #GP(0): vec %d", o.vec);
	vm_free(v);
}

static void test_init_reset(void)
{
	Vm *v = vm_new(CPU_MODEL_P4);
	/* wrmsr PAT = 0000000600000006; wrmsr MTRRdefType = C06h; wrmsr EFER = 800h */
	flat(v, 0, 0, 0, 0);
	Out o = run(v, "b9 77 02 00 00  ba 06 00 00 00  b8 06 00 00 00  0f 30"
		       "b9 ff 02 00 00  31 d2  b8 06 0c 00 00  0f 30"
		       "b9 80 00 00 c0  31 d2  b8 00 08 00 00  0f 30" HLT);
	CHECK(o.vec == -1, "PAT, MTRRdefType, EFER written: vec %d", o.vec);
	cpu_init_signal(v->cpu);
	flat(v, 0, 0, 0, 0);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	CHECK(st.efer == 0, "INIT clears EFER: %x", st.efer);
	o = run(v, "b9 77 02 00 00  0f 32" HLT);
	CHECK(o.eax == 6 && o.edx == 6, "INIT keeps the PAT: %x:%x", o.edx, o.eax);
	flat(v, 0, 0, 0, 0);
	o = run(v, "b9 ff 02 00 00  0f 32" HLT);
	CHECK(o.eax == 0xC06, "INIT keeps MTRRdefType: %x", o.eax);
	cpu_reset(v->cpu);
	flat(v, 0, 0, 0, 0);
	o = run(v, "b9 77 02 00 00  0f 32" HLT);
	CHECK(o.eax == 0x00070406 && o.edx == 0x00070406, "RESET: PAT 0007040600070406: %x:%x",
	      o.edx, o.eax);
	flat(v, 0, 0, 0, 0);
	o = run(v, "b9 ff 02 00 00  0f 32" HLT);
	CHECK(o.eax == 0, "RESET: MTRRdefType 0: %x", o.eax);
	vm_free(v);
}

static void test_pse_reserved(void)
{
	Vm *v = vm_new(CPU_MODEL_P6);
	/* 32-bit paging: PDE 0 a clean 4 MiB page (identity), PDE 2 one at 8 MiB aliasing
	 * RAM at 0 with bit 13 set, PDE 3 the same without it */
	for (u32 i = 0; i < 1024; i++)
		poke32(v, PD + 4 * i, 0);
	poke32(v, PD, 0x000000E3);
	poke32(v, PD + 8, 0x000020E3);
	poke32(v, PD + 12, 0x000000E3);
	poke32(v, DATA, 0x99AABBCC);
	flat(v, CR0_PG, PD, CR4_PSE, 0);
	Out o = run(v, MOV_EAX_MEM("00 00 c3 00") HLT); /* 0xC30000: PDE 3 */
	CHECK(o.vec == -1 && o.eax == 0x99AABBCC, "4 MiB page: vec %d eax %x", o.vec, o.eax);
	flat(v, CR0_PG, PD, CR4_PSE, 0);
	o = run(v, MOV_EAX_MEM("00 00 83 00") HLT); /* 0x830000: PDE 2, bit 13 */
	CHECK(o.vec == 14 && o.err == 9 && o.cr2 == 0x830000, "4 MiB PDE bit 13 (no PSE-36): "
	      "#PF RSVD: vec %d err %x cr2 %x", o.vec, o.err, o.cr2);
	vm_free(v);
}

int main(void)
{
	test_maxphyaddr();
	test_p6();
	test_xd_disable();
	test_init_reset();
	test_pse_reserved();
	return test_summary();
}
