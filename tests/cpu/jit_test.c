/* jit_test: what the translator must get right beyond single instructions, on small
 * guest programs in flat 32-bit protected mode, each run once on the translator (every
 * block translated at its first execution, VMCP_JIT_HEAT=0) and once on the
 * interpreter, with the same expected results:
 *  - self-modifying code: a loop patching the instruction after its store (in the
 *    same block, translated before), the instruction after a taken branch (a chained
 *    block), a later instruction of its own block, and a function in another page
 *    rewritten between calls through the memory bus, as a DMA engine writes (the call
 *    is chained across pages); each run must see the new bytes at once;
 *  - faults inside translated blocks: #PF on a read and on a read-modify-write (CR2,
 *    error code), #GP on a data segment limit, #DE, INT3, a data breakpoint's #DB trap
 *    after a store, an execution breakpoint (DR7) and a CP breakpoint: each with the
 *    right vector, error code, EIP and EFLAGS in the frame, the registers the earlier
 *    instructions of the block set, and the memory they wrote;
 *  - a block whose segment guard fails while an interrupt waits behind IF = 0.
 * Every exception handler stores EAX-EDX, its vector, the first four dwords of its
 * frame and CR2 at REC, then halts. */
#include <stdlib.h>
#include <unistd.h>

#include "../test.h"
#include "harness.h"

#define GDT 0x1000
#define IDT 0x2000
#define REC 0x6000 /* EAX EBX ECX EDX vector frame[0..3] CR2 */
#define HANDLERS 0x8000
#define CODE 0x10000
#define FN 0x21000
#define PD 0x40000
#define PT 0x41000

enum { S_CODE = 0x08, S_DATA = 0x10, S_SMALL = 0x18 };

typedef struct Rec {
	u32 eax, ebx, ecx, edx, vec, frame[4], cr2;
} Rec;

static const Rec *regs(u32 a, u32 b, u32 c, u32 d)
{
	static Rec r;
	r = (Rec){.eax = a, .ebx = b, .ecx = c, .edx = d};
	return &r;
}

static Rec rec(Vm *v)
{
	Rec r;
	u32 *p = &r.eax;
	for (int i = 0; i < 10; i++)
		p[i] = peek32(v, REC + 4 * (u32)i);
	return r;
}

/* A machine on engine e in flat ring-0 protected mode at CODE running code; with
 * paging when paged (identity map of 4 MiB but for the page at 0x30000). */
static Vm *jvm(CpuEngine e, const char *code, bool paged)
{
	CpuConfig cfg = {.model = CPU_MODEL_P6, .fpu = true, .engine = e};
	Vm *v = vm_new_cfg(&cfg);
	CHECK(cpu_engine(v->cpu) == e, "the CPU runs on the %s engine", e == CPU_ENGINE_JIT ? "jit" : "interp");
	set_desc(v, GDT, 1, 0, 0xFFFFF, 0xC09B);
	set_desc(v, GDT, 2, 0, 0xFFFFF, 0xC093);
	set_desc(v, GDT, 3, 0x50000, 0xFFF, 0x4093); /* 4 KiB of data at 0x50000 */
	for (int vec = 0; vec < 32; vec++) {
		/* mov [REC],eax; mov [REC+4],ebx; mov [REC+8],ecx; mov [REC+12],edx;
		 * mov dword [REC+16],vec; 4 x (pop eax; mov [REC+20+4i],eax);
		 * mov eax,cr2; mov [REC+36],eax; hlt */
		char hex[300];
		snprintf(hex, sizeof(hex),
			 "a3 00 60 00 00 89 1d 04 60 00 00 89 0d 08 60 00 00 89 15 0c 60 00 00 "
			 "c7 05 10 60 00 00 %02x 00 00 00 58 a3 14 60 00 00 58 a3 18 60 00 00 58 "
			 "a3 1c 60 00 00 58 a3 20 60 00 00 0f 20 d0 a3 24 60 00 00 f4",
			 vec);
		poke(v, HANDLERS + (u32)vec * 0x80, hex);
		set_gate(v, IDT, vec, S_CODE, HANDLERS + (u32)vec * 0x80, 14, 0, 0);
	}
	poke32(v, REC + 16, 0xFFFFFFFFu);
	poke(v, CODE, code);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	memset(st.gpr, 0, sizeof(st.gpr));
	st.gpr[R_ECX] = 0x33;
	st.gpr[R_EDX] = 0x44;
	st.gpr[R_ESP] = 0x9F00;
	st.eip = CODE;
	st.eflags = 2;
	st.cr0 = CR0_PE | CR0_ET;
	if (paged) {
		poke32(v, PD, PT | 7);
		for (u32 i = 0; i < 1024; i++)
			poke32(v, PT + 4 * i, i * 4096 | (i == 0x30 ? 0 : 7));
		st.cr0 |= CR0_PG;
		st.cr3 = PD;
	}
	for (int i = 0; i < SEG_COUNT; i++)
		seg_set(&st.seg[i], S_DATA, 0, 0xFFFFFFFF, 0xC093);
	seg_set(&st.seg[SEG_CS], S_CODE, 0, 0xFFFFFFFF, 0xC09B);
	st.gdtr_base = GDT;
	st.gdtr_limit = 4 * 8 - 1;
	st.idtr_base = IDT;
	st.idtr_limit = 32 * 8 - 1;
	cpu_set_state(v->cpu, &st);
	return v;
}

static const char *ename(CpuEngine e) { return e == CPU_ENGINE_JIT ? "jit" : "interp"; }

/* Runs to the program's final HLT; returns EBX then. */
static u32 run_to_hlt(Vm *v, const char *what, CpuEngine e)
{
	CpuExitReason r = cpu_run(v->cpu, 100000, NULL);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	CHECK(r == CPU_EXIT_HLT, "%s (%s): exit %d", what, ename(e), r);
	CHECK(peek32(v, REC + 16) == 0xFFFFFFFFu, "%s (%s): exception %u", what, ename(e),
	      peek32(v, REC + 16));
	return st.gpr[R_EBX];
}

static void test_smc(CpuEngine e)
{
	/* mov ecx,5; xor ebx,ebx; top: mov [patch+2],cl; patch: add ebx,byte 0;
	 * dec ecx; jnz top; hlt: each pass patches the next instruction's immediate */
	Vm *v = jvm(e, "b9 05 00 00 00 31 db 88 0d 0f 00 01 00 83 c3 00 49 75 f4 f4", false);
	CHECK(run_to_hlt(v, "next instruction", e) == 5 + 4 + 3 + 2 + 1,
	      "next instruction (%s): EBX %u, want 15", ename(e), run_to_hlt(v, "again", e));
	vm_free(v);

	/* mov ecx,3; xor ebx,ebx; top: mov [t2+2],cl; jmp t2; t2: add ebx,byte 0;
	 * dec ecx; jnz top; hlt: the patched instruction starts the block after a
	 * taken branch */
	v = jvm(e, "b9 03 00 00 00 31 db 88 0d 11 00 01 00 eb 00 83 c3 00 49 75 f2 f4", false);
	u32 ebx = run_to_hlt(v, "after a branch", e);
	CHECK(ebx == 6, "after a taken branch (%s): EBX %u, want 6", ename(e), ebx);
	vm_free(v);

	/* mov ecx,4; xor ebx,ebx; top: mov edx,ecx; shl edx,4; mov [tail+2],dl;
	 * mov eax,ecx; add eax,eax; tail: add ebx,byte 0; add ebx,eax; dec ecx; jnz top;
	 * hlt: the block patches its own tail, 16 * ECX, each pass */
	v = jvm(e, "b9 04 00 00 00 31 db 89 ca c1 e2 04 88 15 18 00 01 00 89 c8 01 c0 83 c3 00 "
		   "01 c3 49 75 e9 f4", false);
	ebx = run_to_hlt(v, "own tail", e);
	CHECK(ebx == 160 + 20, "a block's own tail (%s): EBX %u, want 180", ename(e), ebx);
	vm_free(v);

	/* xor ebx,ebx; mov ecx,3; top: call FN; add ebx,eax; out 80h,al; dec ecx;
	 * jnz top; hlt, with FN: mov eax,1; ret. Port 80h is trapped: at each stop the
	 * function is rewritten through the bus (mov eax,100h; ret, then back) */
	v = jvm(e, "31 db b9 03 00 00 00 e8 f4 0f 01 00 01 c3 e6 80 49 75 f4 f4", false);
	poke(v, FN, "b8 01 00 00 00 c3");
	io_set_trap(v->io, 0x80, 1, true);
	static const char *const fn[2] = {"b8 00 01 00 00 c3", "b8 01 00 00 00 c3"};
	int stops = 0;
	CpuExitReason r;
	while ((r = cpu_run(v->cpu, 100000, NULL)) == CPU_EXIT_IO && stops < 10) {
		u8 bytes[6];
		for (int i = 0; i < 6; i++)
			bytes[i] = (u8)strtoul(fn[stops & 1] + 3 * i, NULL, 16);
		mem_write_buf(&v->mem, FN, bytes, sizeof(bytes));
		stops++;
	}
	CpuState st;
	cpu_get_state(v->cpu, &st);
	CHECK(r == CPU_EXIT_HLT && stops == 3, "DMA (%s): exit %d after %d stops", ename(e), r, stops);
	CHECK(st.gpr[R_EBX] == 1 + 0x100 + 1, "code rewritten by DMA (%s): EBX %x, want 102",
	      ename(e), st.gpr[R_EBX]);
	vm_free(v);
}

/* Runs a program that faults; checks the handler's record. */
static void expect_fault(Vm *v, CpuEngine e, const char *what, u32 vec, bool has_err, u32 err,
			 u32 eip_off, const Rec *want_regs)
{
	CpuExitReason r = cpu_run(v->cpu, 100000, NULL);
	Rec got = rec(v);
	CHECK(r == CPU_EXIT_HLT, "%s (%s): exit %d", what, ename(e), r);
	CHECK(got.vec == vec, "%s (%s): vector %u, want %u", what, ename(e), got.vec, vec);
	const u32 *f = got.frame + (has_err ? 1 : 0);
	if (has_err)
		CHECK(got.frame[0] == err, "%s (%s): error code %x, want %x", what, ename(e),
		      got.frame[0], err);
	CHECK(f[0] == CODE + eip_off, "%s (%s): EIP +%x, want +%x", what, ename(e), f[0] - CODE,
	      eip_off);
	CHECK(f[1] == S_CODE, "%s (%s): CS %x", what, ename(e), f[1]);
	if (want_regs) {
		CHECK(got.eax == want_regs->eax && got.ebx == want_regs->ebx &&
		      got.ecx == want_regs->ecx && got.edx == want_regs->edx,
		      "%s (%s): EAX-EDX %x %x %x %x, want %x %x %x %x", what, ename(e), got.eax,
		      got.ebx, got.ecx, got.edx, want_regs->eax, want_regs->ebx, want_regs->ecx,
		      want_regs->edx);
	}
}

static void test_faults(CpuEngine e)
{
	/* mov eax,1; mov ebx,2; add eax,ebx; mov ecx,[30010h] (+C: #PF, not present);
	 * mov edx,4; hlt. EFLAGS in the frame: the ADD's (PF) */
	Vm *v = jvm(e, "b8 01 00 00 00 bb 02 00 00 00 01 d8 8b 0d 10 00 03 00 ba 04 00 00 00 f4", true);
	expect_fault(v, e, "#PF read", 14, true, 0, 0xC, regs(3, 2, 0x33, 0x44));
	Rec g = rec(v);
	CHECK_EQ(g.cr2, 0x30010);
	CHECK_EQ(g.frame[3] & 0x8D5, FLAG_PF);
	vm_free(v);

	/* mov eax,1; mov ebx,2; mov [20000h],ebx; add [30020h],eax (+10: #PF on the
	 * write check before the read, error code W); mov edx,4; hlt */
	v = jvm(e, "b8 01 00 00 00 bb 02 00 00 00 89 1d 00 00 02 00 01 05 20 00 03 00 ba 04 00 00 00 f4",
		true);
	expect_fault(v, e, "#PF read-modify-write", 14, true, 2, 0x10, regs(1, 2, 0x33, 0x44));
	CHECK_EQ(rec(v).cr2, 0x30020);
	CHECK_EQ(peek32(v, 0x20000), 2); /* the store before it happened */
	vm_free(v);

	/* ES = 4 KiB at 50000h: mov eax,1; mov ebx,es:[800h]; mov ecx,es:[0FFEh] (+C:
	 * #GP(0), the dword ends past the limit); mov edx,4; hlt */
	v = jvm(e, "b8 01 00 00 00 26 8b 1d 00 08 00 00 26 8b 0d fe 0f 00 00 ba 04 00 00 00 f4", false);
	poke32(v, 0x50800, 0x12345678);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	seg_set(&st.seg[SEG_ES], S_SMALL, 0x50000, 0xFFF, 0x4093);
	cpu_set_state(v->cpu, &st);
	expect_fault(v, e, "#GP limit", 13, true, 0, 0xC, regs(1, 0x12345678, 0x33, 0x44));
	vm_free(v);

	/* mov eax,10; xor edx,edx; mov ebx,7; xor ecx,ecx; div ecx (+E: #DE); mov ebx,9 */
	v = jvm(e, "b8 0a 00 00 00 31 d2 bb 07 00 00 00 31 c9 f7 f1 bb 09 00 00 00 f4", false);
	expect_fault(v, e, "#DE", 0, false, 0, 0xE, regs(10, 7, 0, 0));
	vm_free(v);

	/* mov eax,5; int3 (a trap: EIP after it, +6); mov eax,6; hlt */
	v = jvm(e, "b8 05 00 00 00 cc b8 06 00 00 00 f4", false);
	expect_fault(v, e, "INT3", 3, false, 0, 0x6, regs(5, 0, 0x33, 0x44));
	vm_free(v);

	/* DR0 = 7000h, writes, 4 bytes: mov eax,1; mov [7000h],eax (the #DB trap after it:
	 * +A); mov eax,2; mov ebx,3; hlt */
	v = jvm(e, "b8 01 00 00 00 a3 00 70 00 00 b8 02 00 00 00 bb 03 00 00 00 f4", false);
	cpu_get_state(v->cpu, &st);
	st.dr[0] = 0x7000;
	st.dr[7] = 0x400 | 1 | 1u << 16 | 3u << 18;
	cpu_set_state(v->cpu, &st);
	expect_fault(v, e, "data breakpoint", 1, false, 0, 0xA, regs(1, 0, 0x33, 0x44));
	CHECK_EQ(peek32(v, 0x7000), 1);
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.dr[6] & 0xF, 1);
	vm_free(v);

	/* an execution breakpoint (DR0, R/W 00) on the mov eax,2 at +A: #DB before it */
	v = jvm(e, "b8 01 00 00 00 a3 00 70 00 00 b8 02 00 00 00 bb 03 00 00 00 f4", false);
	cpu_get_state(v->cpu, &st);
	st.dr[0] = CODE + 0xA;
	st.dr[7] = 0x400 | 1;
	cpu_set_state(v->cpu, &st);
	expect_fault(v, e, "execution breakpoint", 1, false, 0, 0xA, regs(1, 0, 0x33, 0x44));
	vm_free(v);

	/* a CP breakpoint on the same instruction: the run stops before it */
	v = jvm(e, "b8 01 00 00 00 a3 00 70 00 00 b8 02 00 00 00 bb 03 00 00 00 f4", false);
	cpu_add_breakpoint(v->cpu, CODE + 0xA);
	CpuExit ex;
	CpuExitReason r = cpu_run(v->cpu, 100000, &ex);
	cpu_get_state(v->cpu, &st);
	CHECK(r == CPU_EXIT_BREAKPOINT && ex.addr == CODE + 0xA && st.eip == CODE + 0xA &&
	      st.gpr[R_EAX] == 1 && ex.executed == 2,
	      "CP breakpoint (%s): exit %d at %x, EIP %x, EAX %x, %llu executed", ename(e), r,
	      ex.addr, st.eip, st.gpr[R_EAX], (unsigned long long)ex.executed);
	vm_free(v);
}

/* A translated block whose segment guard fails (DS no longer flat) while the INTR line
 * is high and IF is clear: nothing runs in the translation, and the block must then be
 * interpreted, not entered again and again (a livelock seen with Linux booted by GRUB,
 * an interrupt pending during a CLI section). An alarm fails the test if it hangs. */
static void test_guard_with_intr(CpuEngine e)
{
	/* call F; mov ebx,eax; mov ax,18h; mov ds,ax (4 KiB at 50000h); call F; hlt, with
	 * F: mov eax,[800h]; ret -- translated for a flat DS at the first call */
	Vm *v = jvm(e, "e8 fb 00 00 00 89 c3 66 b8 18 00 8e d8 e8 ee 00 00 00 f4", false);
	poke(v, CODE + 0x100, "a1 00 08 00 00 c3");
	poke32(v, 0x800, 0x1234);
	poke32(v, 0x50800, 0x5678);
	cpu_set_intr(v->cpu, true);
	alarm(20);
	CHECK_EQ(run_to_hlt(v, "F again, DS no longer flat, INTR high, IF clear", e), 0x1234);
	alarm(0);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.gpr[R_EAX], 0x5678);
	vm_free(v);
}

int main(void)
{
	setenv("VMCP_JIT_HEAT", "0", 1);
	if (!cpu_engine_available(CPU_ENGINE_JIT))
		printf("no translator on this host (not x86-64 Linux): the interpreter's runs only\n");
	for (int i = 0; i < 2; i++) {
		CpuEngine e = i == 0 ? CPU_ENGINE_JIT : CPU_ENGINE_INTERP;
		if (!cpu_engine_available(e))
			continue;
		test_smc(e);
		test_faults(e);
		test_guard_with_intr(e);
	}
	return test_summary();
}
