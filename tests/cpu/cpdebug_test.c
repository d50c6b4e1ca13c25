/* cpdebug_test: the CP's debugging hooks (cpu.h CpuDebug, src/cpu/cpdebug.c) on both
 * engines, the translator translating every block at once (VMCP_JIT_HEAT=0):
 *  - an execution range set on a loop that ran (so its blocks are decoded, translated
 *    and chained) stops before the instruction, every iteration, with the instruction
 *    count and registers of that point; the stop lets it through once; a physical range
 *    stops at the linear address that maps it;
 *  - a write watch stops after the store of a translated loop (its address, size, the
 *    bytes before and after, the storing instruction, EIP at the next one), a read
 *    watch after the load (the value read); without a watch the same loop never exits;
 *  - INT n: an interrupt event once delivered (vector, kind, where from, handler);
 *  - a CR3 load, paging turned on (a mode change) and a far JMP, each after its
 *    instruction, with what changed;
 *  - the instruction count: the run ends exactly there.
 * Guest code is written as hex with its assembly beside it. */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "../test.h"

#define GDT 0x1000
#define IDT 0x2000
#define HANDLER 0x8000
#define CODE 0x10000
#define PD 0x40000
#define PT 0x41000

static const char *ename(CpuEngine e) { return e == CPU_ENGINE_JIT ? "jit" : "interp"; }

/* Flat ring-0 protected mode at CODE on engine e; vector 21h's gate at HANDLER (hlt). */
static Vm *pvm(CpuEngine e, const char *code)
{
	CpuConfig cfg = {.model = CPU_MODEL_P6, .fpu = true, .engine = e};
	Vm *v = vm_new_cfg(&cfg);
	set_desc(v, GDT, 1, 0, 0xFFFFF, 0xC09B);
	set_desc(v, GDT, 2, 0, 0xFFFFF, 0xC093);
	poke(v, HANDLER, "f4");
	set_gate(v, IDT, 0x21, 0x08, HANDLER, 14, 0, 0);
	/* page tables for a test that turns paging on: 0-4 MiB identity, but linear
	 * 0x30000 maps the physical page 0x50000 */
	poke32(v, PD, PT | 7);
	for (u32 i = 0; i < 1024; i++)
		poke32(v, PT + 4 * i, (i == 0x30 ? 0x50000 : i * 4096) | 7);
	poke(v, CODE, code);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	memset(st.gpr, 0, sizeof(st.gpr));
	st.gpr[R_ESP] = 0x9F00;
	st.eip = CODE;
	st.eflags = 2;
	st.cr0 = CR0_PE | CR0_ET;
	for (int i = 0; i < SEG_COUNT; i++)
		seg_set(&st.seg[i], 0x10, 0, 0xFFFFFFFF, 0xC093);
	seg_set(&st.seg[SEG_CS], 0x08, 0, 0xFFFFFFFF, 0xC09B);
	st.gdtr_base = GDT;
	st.gdtr_limit = 3 * 8 - 1;
	st.idtr_base = IDT;
	st.idtr_limit = 0x22 * 8 - 1;
	cpu_set_state(v->cpu, &st);
	return v;
}

static CpuState regs(Vm *v)
{
	CpuState st;
	cpu_get_state(v->cpu, &st);
	return st;
}

static void test_exec(CpuEngine e)
{
	/* mov ecx,100; L: inc eax; dec ecx; jnz L; hlt */
	Vm *v = pvm(e, "b9 64 00 00 00  40  49  75 fc  f4");
	CpuExit ex;
	/* 50 instructions: the loop's blocks are decoded and translated, and chained */
	CHECK_EQ(cpu_run(v->cpu, 50, &ex), CPU_EXIT_BUDGET);
	CpuDebug d = {0};
	d.nexec = 1;
	d.exec[0] = (CpuExecRange){CODE + 5, CODE + 5, false, -1};
	cpu_set_debug(v->cpu, &d);
	u32 eax0 = regs(v).gpr[R_EAX];
	for (int i = 0; i < 3; i++) {
		CpuExitReason r = cpu_run(v->cpu, 100000, &ex);
		CpuState st = regs(v);
		CHECK(r == CPU_EXIT_BREAKPOINT && ex.addr == CODE + 5 && ex.phys == CODE + 5 &&
		      st.eip == CODE + 5 && st.gpr[R_EAX] == eax0 + (u32)i,
		      "%s: execution range stop %d: exit %d at %x (phys %x), EIP %x, EAX %u (want %u)",
		      ename(e), i, r, ex.addr, ex.phys, st.eip, st.gpr[R_EAX], eax0 + i);
		CHECK(ex.icount == *cpu_icount(v->cpu), "%s: the exit's instruction count", ename(e));
	}
	/* none: the loop runs to its end */
	cpu_clear_breakpoints(v->cpu);
	CHECK_EQ(cpu_run(v->cpu, 100000, &ex), CPU_EXIT_HLT);
	CHECK_EQ(regs(v).gpr[R_EAX], 100);
	vm_free(v);

	/* a physical range: linear 0x30000 is physical 0x50000 under paging; mov eax,cr0;
	 * or eax,80000000h; mov cr0,eax; jmp 30000h (the code there: inc eax; hlt) */
	v = pvm(e, "0f 20 c0  0d 00 00 00 80  0f 22 c0  e9 f0 ff 01 00");
	poke(v, 0x50000, "40 f4");
	CpuState st = regs(v);
	st.cr3 = PD;
	cpu_set_state(v->cpu, &st);
	memset(&d, 0, sizeof(d));
	d.nexec = 1;
	d.exec[0] = (CpuExecRange){0x50000, 0x50001, true, -1};
	cpu_set_debug(v->cpu, &d);
	CpuExitReason r = cpu_run(v->cpu, 100000, &ex);
	CHECK(r == CPU_EXIT_BREAKPOINT && ex.addr == 0x30000 && ex.phys == 0x50000,
	      "%s: a physical range stops at the linear address mapping it (exit %d, %x/%x)", ename(e), r,
	      ex.addr, ex.phys);
	u32 eax = regs(v).gpr[R_EAX];
	r = cpu_run(v->cpu, 100000, &ex);
	CHECK(r == CPU_EXIT_BREAKPOINT && ex.addr == 0x30001 && regs(v).gpr[R_EAX] == eax + 1,
	      "%s: and again at the next instruction of the range (exit %d at %x)", ename(e), r, ex.addr);
	vm_free(v);
}

static void test_watch(CpuEngine e)
{
	/* mov ecx,50; L: mov [7000h],ecx; mov ebx,[7100h]; dec ecx; jnz L; int 21h; hlt */
	const char *code = "b9 32 00 00 00  89 0d 00 70 00 00  8b 1d 00 71 00 00  49  75 f1  cd 21  f4";
	Vm *v = pvm(e, code);
	poke32(v, 0x7000, 0x11111111);
	poke32(v, 0x7100, 0xCAFE0001);
	CpuExit ex;
	CHECK_EQ(cpu_run(v->cpu, 40, &ex), CPU_EXIT_BUDGET); /* translated by now */
	CpuDebug d = {0};
	d.nwatch = 1;
	d.watch[0] = (CpuWatchRange){0x7002, 0x7002, false, CPU_WATCH_W};
	cpu_set_debug(v->cpu, &d);
	u32 before = peek32(v, 0x7000);
	CpuExitReason r = cpu_run(v->cpu, 100000, &ex);
	CpuState st = regs(v);
	CHECK(r == CPU_EXIT_DEBUG && ex.dbg == CPU_DBG_WATCH && ex.watch.write && ex.watch.lin == 0x7000 &&
	      ex.watch.phys == 0x7000 && ex.watch.size == 4 && ex.watch.old_known &&
	      ex.watch.old == before && ex.watch.val == st.gpr[R_ECX] && ex.insn_eip == CODE + 5 &&
	      ex.insn_cs == 0x08 && st.eip == CODE + 11,
	      "%s: write watch: exit %d dbg %x at %x size %u, %x -> %x (ECX %x), by %x, EIP %x", ename(e), r,
	      ex.dbg, ex.watch.lin, ex.watch.size, ex.watch.old, ex.watch.val, st.gpr[R_ECX],
	      ex.insn_eip, st.eip);
	/* a read watch on the load's bytes */
	d.watch[0] = (CpuWatchRange){0x7100, 0x7103, false, CPU_WATCH_R};
	cpu_set_debug(v->cpu, &d);
	r = cpu_run(v->cpu, 100000, &ex);
	st = regs(v);
	CHECK(r == CPU_EXIT_DEBUG && ex.dbg == CPU_DBG_WATCH && !ex.watch.write && ex.watch.lin == 0x7100 &&
	      ex.watch.val == 0xCAFE0001 && ex.insn_eip == CODE + 11 && st.eip == CODE + 17 &&
	      st.gpr[R_EBX] == 0xCAFE0001,
	      "%s: read watch: exit %d at %x value %x by %x, EIP %x", ename(e), r, ex.watch.lin,
	      ex.watch.val, ex.insn_eip, st.eip);
	/* INT 21h: the loop runs out without exits, the delivery is reported */
	memset(&d, 0, sizeof(d));
	d.vectors[1] = 1u << 1; /* vector 21h */
	cpu_set_debug(v->cpu, &d);
	r = cpu_run(v->cpu, 100000, &ex);
	st = regs(v);
	CHECK(r == CPU_EXIT_DEBUG && ex.dbg == CPU_DBG_INT && ex.intr.vec == 0x21 &&
	      ex.intr.kind == CPU_INT_SOFT && ex.intr.eip == CODE + 22 && ex.intr.cs == 0x08 &&
	      ex.intr.cpl == 0 && !ex.intr.has_err && st.eip == HANDLER && st.gpr[R_ECX] == 0,
	      "%s: INT 21h: exit %d dbg %x vec %x kind %u from %x, EIP %x, ECX %x", ename(e), r, ex.dbg,
	      ex.intr.vec, ex.intr.kind, ex.intr.eip, st.eip, st.gpr[R_ECX]);
	CHECK_EQ(cpu_run(v->cpu, 100000, &ex), CPU_EXIT_HLT);
	vm_free(v);
}

static void test_events(CpuEngine e)
{
	/* mov eax,PD; mov cr3,eax; mov eax,cr0; or eax,80000000h; mov cr0,eax;
	 * jmp 08:T; T: nop; hlt */
	Vm *v = pvm(e, "b8 00 00 04 00  0f 22 d8  0f 20 c0  0d 00 00 00 80  0f 22 c0 "
		       "ea 1a 00 01 00 08 00  90  f4");
	CpuDebug d = {0};
	d.cr3 = d.mode = d.branch = true;
	cpu_set_debug(v->cpu, &d);
	CpuExit ex;
	CpuExitReason r = cpu_run(v->cpu, 100000, &ex);
	CHECK(r == CPU_EXIT_DEBUG && ex.dbg == CPU_DBG_CR3 && ex.cr3.old == 0 && ex.cr3.val == PD &&
	      ex.insn_eip == CODE + 5 && regs(v).eip == CODE + 8,
	      "%s: cr3 event: exit %d dbg %x %x -> %x by %x", ename(e), r, ex.dbg, ex.cr3.old, ex.cr3.val,
	      ex.insn_eip);
	r = cpu_run(v->cpu, 100000, &ex);
	CHECK(r == CPU_EXIT_DEBUG && ex.dbg == CPU_DBG_MODE && ex.mode.from == CPU_MODE_PROT &&
	      ex.mode.to == (CPU_MODE_PROT | CPU_MODE_PG) && ex.insn_eip == CODE + 16 &&
	      regs(v).eip == CODE + 19,
	      "%s: mode event: exit %d dbg %x %u -> %u by %x", ename(e), r, ex.dbg, ex.mode.from,
	      ex.mode.to, ex.insn_eip);
	r = cpu_run(v->cpu, 100000, &ex);
	CHECK(r == CPU_EXIT_DEBUG && ex.dbg == CPU_DBG_BRANCH && ex.branch.kind == CPU_BR_JMP &&
	      ex.branch.from_cs == 0x08 && ex.branch.from_eip == CODE + 19 && regs(v).eip == CODE + 26,
	      "%s: far jmp event: exit %d dbg %x kind %u from %x, EIP %x", ename(e), r, ex.dbg,
	      ex.branch.kind, ex.branch.from_eip, regs(v).eip);
	/* the instruction count: exactly there */
	memset(&d, 0, sizeof(d));
	d.icount = *cpu_icount(v->cpu) + 1;
	cpu_set_debug(v->cpu, &d);
	r = cpu_run(v->cpu, 100000, &ex);
	CHECK(r == CPU_EXIT_ICOUNT && ex.icount == d.icount && ex.executed == 1 && regs(v).eip == CODE + 27,
	      "%s: instruction count: exit %d at %llu, EIP %x", ename(e), r, (unsigned long long)ex.icount,
	      regs(v).eip);
	CHECK_EQ(cpu_run(v->cpu, 100000, &ex), CPU_EXIT_HLT);
	vm_free(v);
}

int main(void)
{
	setenv("VMCP_JIT_HEAT", "0", 1);
	for (int i = 0; i < 2; i++) {
		CpuEngine e = i == 0 ? CPU_ENGINE_JIT : CPU_ENGINE_INTERP;
		if (!cpu_engine_available(e))
			continue;
		test_exec(e);
		test_watch(e);
		test_events(e);
	}
	return test_summary();
}
