/* cpu_debug_test: the debug registers on VMCP's CPU, through small guest programs in
 * flat 32-bit protected mode (one in real mode). A #DB handler logs every debug trap
 * (the EIP it returns to, DR6, ECX), clears DR6 and TF in the frame and returns; any
 * other exception's handler records its vector and halts.
 * Checked: data breakpoints (DR7 R/W = 01 writes, 11 reads and writes) as traps after
 * the instruction with DR6.Bn, for LEN 1, 2, 4 and 8 bytes with the address rounded
 * down, accesses that only overlap the watched bytes, read-modify-write instructions,
 * two breakpoints hit by one instruction, page-crossing accesses, linear (not offset)
 * addresses, disabled breakpoints, DR0-3/DR7 written by the guest at run time; REP
 * MOVS/STOS trapping after each element that hits, with EIP at the instruction until
 * the last; a fault in the instruction voiding its hit; the MOV SS shadow delaying the
 * trap by one instruction; TF and a data breakpoint in one #DB (BS + Bn); the trap
 * delivered within the same cpu_run as the instruction, even on a budget of one; a
 * storm of traps that never retires an instruction ending at the budget; an I/O-trap exit before the instruction completes (no early trap); DR7.GD (#DB fault,
 * DR6.BD, GD cleared); INT1 delivered through gate 1; data breakpoints in real mode;
 * a task switch clearing L0-L3 is in cpu_pm_test. SDM vol. 3A 17.2-17.3. */
#include "../test.h"
#include "harness.h"

#define GDT 0x1000
#define IDT 0x2000
#define RES 0x6000 /* RES+4: vector of any other exception (its handler halts) */
#define CNT 0x6100 /* #DB traps taken */
#define LOG 0x6200 /* per #DB, 16 bytes: EIP returned to, DR6, ECX */
#define DBH 0x8000 /* the #DB handler */
#define CODE 0x10000
#define W 0x20010 /* the watched dword in most programs */

#define DR7_GD_BIT 0x2000u

enum { S_CODE = 0x08, S_DATA = 0x10, S_SMALL = 0x18, S_BASE1000 = 0x20 };
enum { RW_X = 0, RW_W = 1, RW_RW = 3 };
enum { LEN1 = 0, LEN2 = 1, LEN8 = 2, LEN4 = 3 };

/* DR7 bits enabling breakpoint i (local enable) with its R/W and LEN fields. */
static u32 dr7_bp(int i, u32 rw, u32 len)
{
	return 1u << (i * 2) | rw << (16 + i * 4) | len << (18 + i * 4);
}

static void setup(Vm *v)
{
	set_desc(v, GDT, 1, 0, 0xFFFFF, 0xC09B);
	set_desc(v, GDT, 2, 0, 0xFFFFF, 0xC093);
	set_desc(v, GDT, 3, 0x20000, 0xFFF, 0x4093);
	set_desc(v, GDT, 4, 0x1000, 0xFFFFF, 0xC093);
	/* push eax; push ebx; mov ebx,[CNT]; shl ebx,4; mov eax,[esp+8]; mov [LOG+ebx],eax;
	 * mov eax,dr6; mov [LOG+4+ebx],eax; mov [LOG+8+ebx],ecx; xor eax,eax; mov dr6,eax;
	 * inc dword [CNT]; and dword [esp+16],~100h (TF off in the frame); pop ebx; pop eax;
	 * iretd */
	poke(v, DBH, "50 53 8b 1d 00 61 00 00 c1 e3 04 8b 44 24 08 89 83 00 62 00 00 0f 21 f0 "
		     "89 83 04 62 00 00 89 8b 08 62 00 00 31 c0 0f 23 f0 ff 05 00 61 00 00 81 "
		     "64 24 10 ff fe ff ff 5b 58 cf");
	set_gate(v, IDT, 1, S_CODE, DBH, 14, 0, 0);
	for (int vec = 0; vec < 32; vec++) {
		if (vec == 1)
			continue;
		u32 h = 0x8100 + (u32)vec * 16;
		char hex[64];
		/* mov dword [RES+4],vec; hlt */
		snprintf(hex, sizeof(hex), "c7 05 04 60 00 00 %02x 00 00 00 f4", vec);
		poke(v, h, hex);
		set_gate(v, IDT, vec, S_CODE, h, 14, 0, 0);
	}
	poke32(v, RES + 4, 0xFFFFFFFFu);
}

/* A machine at CODE in flat ring-0 protected mode, IF clear, running code, with the
 * debug registers as given (through cpu_set_state, as the CP would set them). */
static Vm *dbg_vm(const u32 dr[4], u32 dr7, const char *code)
{
	Vm *v = vm_new(CPU_MODEL_P6);
	setup(v);
	poke(v, CODE, code);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	memset(st.gpr, 0, sizeof(st.gpr));
	st.gpr[R_ESP] = 0x9F00;
	st.eip = CODE;
	st.eflags = 2;
	st.cr0 = CR0_PE;
	for (int i = 0; i < SEG_COUNT; i++)
		seg_set(&st.seg[i], S_DATA, 0, 0xFFFFFFFF, 0xC093);
	seg_set(&st.seg[SEG_CS], S_CODE, 0, 0xFFFFFFFF, 0xC09B);
	st.gdtr_base = GDT;
	st.gdtr_limit = 5 * 8 - 1;
	st.idtr_base = IDT;
	st.idtr_limit = 32 * 8 - 1;
	st.halted = false;
	for (int i = 0; i < 4; i++)
		st.dr[i] = dr[i];
	st.dr[6] = 0xFFFF0FF0u;
	st.dr[7] = 0x400 | dr7;
	cpu_set_state(v->cpu, &st);
	return v;
}

/* One breakpoint i at addr. */
static Vm *bp_vm(int i, u32 addr, u32 rw, u32 len, const char *code)
{
	u32 dr[4] = {0, 0, 0, 0};
	dr[i] = addr;
	return dbg_vm(dr, dr7_bp(i, rw, len), code);
}

/* Runs to the final HLT and checks the #DB log: n traps returning to eips[k] (the
 * offset from CODE) with DR6 & E00Fh == dr6s[k]; no other exception. */
static void expect_traps(Vm *v, const char *what, int n, const u32 *eips, const u32 *dr6s)
{
	CpuExitReason r = cpu_run(v->cpu, 100000, NULL);
	CHECK(r == CPU_EXIT_HLT, "%s: exit %d", what, r);
	CHECK(peek32(v, RES + 4) == 0xFFFFFFFFu, "%s: exception %u", what, peek32(v, RES + 4));
	u32 got = peek32(v, CNT);
	CHECK(got == (u32)n, "%s: %u #DB traps, want %d", what, got, n);
	for (int k = 0; k < n && k < (int)got; k++) {
		u32 eip = peek32(v, LOG + (u32)k * 16), dr6 = peek32(v, LOG + (u32)k * 16 + 4);
		CHECK(eip == CODE + eips[k], "%s: trap %d returns to +%x, want +%x", what, k,
		      eip - CODE, eips[k]);
		CHECK((dr6 & 0xE00F) == dr6s[k], "%s: trap %d DR6 %08x, want %04x", what, k, dr6,
		      dr6s[k]);
	}
}

static void test_write_breakpoints(void)
{
	/* LEN 4 at W, writes only. mov ecx,11223344h (+0); mov [W],ecx (+5, traps: +B);
	 * mov eax,[W] (+B, a read); mov [W+4],ecx (+10, next dword); mov byte [W+3],1
	 * (+16, traps: +1D); mov word [W-1],5566h (+1D, overlaps the first byte: +26); hlt */
	Vm *v = bp_vm(1, W, RW_W, LEN4,
		      "b9 44 33 22 11 89 0d 10 00 02 00 a1 10 00 02 00 89 0d 14 00 02 00 c6 05 "
		      "13 00 02 00 01 66 c7 05 0f 00 02 00 66 55 f4");
	expect_traps(v, "write len4", 3, (const u32[]){0xB, 0x1D, 0x26},
		     (const u32[]){2, 2, 2});
	CHECK_EQ(peek32(v, W), 0x01223355); /* the writes happened: traps come after */
	vm_free(v);

	/* LEN 1 at W+1: mov byte [W],1; mov byte [W+2],1 (no); mov byte [W+1],1 (+E,
	 * traps: +15); mov [W-2],eax (covers W+1: +1A); hlt */
	v = bp_vm(0, W + 1, RW_W, LEN1,
		  "c6 05 10 00 02 00 01 c6 05 12 00 02 00 01 c6 05 11 00 02 00 01 a3 0e 00 02 00 "
		  "f4");
	expect_traps(v, "write len1", 2, (const u32[]){0x15, 0x1A}, (const u32[]){1, 1});
	vm_free(v);

	/* LEN 2 at W+3 watches W+2..W+3 (rounded down): mov byte [W+4],1 (no);
	 * mov byte [W+2],1 (traps: +E); hlt */
	v = bp_vm(2, W + 3, RW_W, LEN2, "c6 05 14 00 02 00 01 c6 05 12 00 02 00 01 f4");
	expect_traps(v, "write len2", 1, (const u32[]){0xE}, (const u32[]){4});
	vm_free(v);

	/* LEN 10b: 8 bytes here (undefined before the Pentium 4; Bochs does the same), at
	 * W+5 -> W..W+7: byte writes at W+8 and W-1 (no), W+7 (+15), W (+1C); hlt */
	v = bp_vm(3, W + 5, RW_W, LEN8,
		  "c6 05 18 00 02 00 01 c6 05 0f 00 02 00 01 c6 05 17 00 02 00 01 c6 05 10 00 02 "
		  "00 01 f4");
	expect_traps(v, "write len8", 2, (const u32[]){0x15, 0x1C}, (const u32[]){8, 8});
	vm_free(v);

	/* the same breakpoint disabled (no L/G bit): no trap */
	u32 dr[4] = {0, W, 0, 0};
	v = dbg_vm(dr, dr7_bp(1, RW_W, LEN4) & ~0xFFu, "89 0d 10 00 02 00 f4");
	expect_traps(v, "disabled", 0, NULL, NULL);
	vm_free(v);
}

static void test_rw_breakpoints(void)
{
	/* R/W = 11 at W, LEN 4: mov eax,[W] (traps: +5); add [W],eax (one trap for the
	 * read and the write: +B); mov ecx,[W+4] (no); hlt */
	Vm *v = bp_vm(0, W, RW_RW, LEN4, "a1 10 00 02 00 01 05 10 00 02 00 8b 0d 14 00 02 00 f4");
	poke32(v, W, 21);
	expect_traps(v, "read/write", 2, (const u32[]){5, 0xB}, (const u32[]){1, 1});
	CHECK_EQ(peek32(v, W), 42);
	vm_free(v);

	/* two breakpoints (DR0 = W, DR3 = W+3, 1 byte each) hit by one instruction:
	 * mov [W],eax (one trap, B0 and B3: +5); mov [W+3],al (B3 alone: +A); hlt */
	u32 dr[4] = {W, 0, 0, W + 3};
	v = dbg_vm(dr, dr7_bp(0, RW_W, LEN1) | dr7_bp(3, RW_W, LEN1),
		   "a3 10 00 02 00 a2 13 00 02 00 f4");
	expect_traps(v, "two at once", 2, (const u32[]){5, 0xA}, (const u32[]){9, 8});
	vm_free(v);

	/* an access crossing into the watched page: DR0 = 21000h, 1 byte.
	 * mov [20FFEh],ax (no); mov [20FFEh],eax (traps: +B); hlt */
	v = bp_vm(0, 0x21000, RW_W, LEN1, "66 a3 fe 0f 02 00 a3 fe 0f 02 00 f4");
	expect_traps(v, "page crossing", 1, (const u32[]){0xB}, (const u32[]){1});
	CHECK_EQ(peek32(v, 0x20FFE), 0);
	vm_free(v);

	/* breakpoints watch linear addresses: with ES based at 1000h,
	 * mov ax,20h; mov es,ax; mov [es:W],ecx (linear W+1000h: no);
	 * mov [es:W-1000h],ecx (linear W: traps, +14); hlt */
	v = bp_vm(1, W, RW_W, LEN4,
		  "66 b8 20 00 8e c0 26 89 0d 10 00 02 00 26 89 0d 10 f0 01 00 f4");
	expect_traps(v, "linear", 1, (const u32[]){0x14}, (const u32[]){2});
	vm_free(v);

	/* the guest programs them: xor eax,eax; mov dr7,eax; mov [W],ecx (no);
	 * mov eax,00D00004h; mov dr7,eax (DR1 = 0 still); mov [W],ecx (no);
	 * mov eax,20000h; mov dr1,eax; mov [W],ecx (no: another dword);
	 * mov [20000h],ecx (traps: +2D); hlt */
	u32 dr1[4] = {0, 0, 0, 0};
	v = dbg_vm(dr1, dr7_bp(1, RW_W, LEN4),
		   "31 c0 0f 23 f8 89 0d 10 00 02 00 b8 04 00 d0 00 0f 23 f8 89 0d 10 00 02 00 "
		   "b8 00 00 02 00 0f 23 c8 89 0d 10 00 02 00 89 0d 00 00 02 00 f4");
	expect_traps(v, "set by the guest", 1, (const u32[]){0x2D}, (const u32[]){2});
	vm_free(v);
}

static void test_string_breakpoints(void)
{
	/* rep movsb of 6 bytes to W-1..W+4 with 4 bytes at W watched: a trap after each
	 * of the 4 elements written into W..W+3, EIP at the REP (+10) while elements are
	 * left, ECX counting down; the copy completes.
	 * mov esi,30000h; mov edi,W-1; mov ecx,6; cld; rep movsb (+10); hlt */
	Vm *v = bp_vm(1, W, RW_W, LEN4,
		      "be 00 00 03 00 bf 0f 00 02 00 b9 06 00 00 00 fc f3 a4 f4");
	poke(v, 0x30000, "11 22 33 44 55 66");
	expect_traps(v, "rep movsb", 4, (const u32[]){0x10, 0x10, 0x10, 0x10},
		     (const u32[]){2, 2, 2, 2});
	for (int k = 0; k < 4; k++)
		CHECK_EQ(peek32(v, LOG + (u32)k * 16 + 8), 4u - (u32)k);
	CHECK_EQ(peek32(v, W - 1), 0x44332211);
	CHECK_EQ(peek16(v, W + 3), 0x6655);
	vm_free(v);

	/* rep stosd of 4 dwords from W-8: one trap after the third, EIP at the REP (+10),
	 * ECX = 1; then the last dword. mov edi,W-8; mov ecx,4; mov eax,AABBCCDDh; cld;
	 * rep stosd; hlt */
	v = bp_vm(1, W, RW_W, LEN4, "bf 08 00 02 00 b9 04 00 00 00 b8 dd cc bb aa fc f3 ab f4");
	expect_traps(v, "rep stosd", 1, (const u32[]){0x10}, (const u32[]){2});
	CHECK_EQ(peek32(v, LOG + 8), 1);
	CHECK_EQ(peek32(v, W + 4), 0xAABBCCDD);
	vm_free(v);
}

static void test_trap_timing(void)
{
	/* a fault later in the instruction voids the hit: R/W = 11 at W;
	 * mov ax,18h; mov es,ax (limit FFFh); mov esi,W; mov edi,2000h; movsd (reads W,
	 * then #GP(0) on the write); the #GP handler halts */
	Vm *v = bp_vm(0, W, RW_RW, LEN4,
		      "66 b8 18 00 8e c0 be 10 00 02 00 bf 00 20 00 00 a5 f4");
	CHECK_EQ(cpu_run(v->cpu, 1000, NULL), CPU_EXIT_HLT);
	CHECK_EQ(peek32(v, RES + 4), 13);
	CHECK_EQ(peek32(v, CNT), 0);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.dr[6] & 0xF, 0);
	vm_free(v);

	/* MOV SS from a watched dword: the trap waits for the next instruction.
	 * mov ss,[W] (a data selector there); nop; nop (+7); hlt */
	v = bp_vm(0, W, RW_RW, LEN4, "8e 15 10 00 02 00 90 90 f4");
	poke32(v, W, S_DATA);
	expect_traps(v, "mov ss shadow", 1, (const u32[]){7}, (const u32[]){1});
	vm_free(v);

	/* TF and a data breakpoint on one instruction: one #DB, BS and B1.
	 * pushfd; or dword [esp],100h; popfd; mov [W],ecx (+F); hlt */
	v = bp_vm(1, W, RW_W, LEN4, "9c 81 0c 24 00 01 00 00 9d 89 0d 10 00 02 00 f4");
	expect_traps(v, "tf + data", 1, (const u32[]){0xF}, (const u32[]){0x4002});
	vm_free(v);

	/* the trap belongs to the instruction: a budget of one runs it and delivers the
	 * trap, so the CP never sees the state in between */
	v = bp_vm(1, W, RW_W, LEN4, "89 0d 10 00 02 00 f4");
	CpuExit ex;
	CHECK_EQ(cpu_run(v->cpu, 1, &ex), CPU_EXIT_BUDGET);
	CHECK_EQ(ex.executed, 1);
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.eip, DBH);
	CHECK_EQ(st.dr[6] & 0xF, 2);
	vm_free(v);

	/* a storm: a read/write breakpoint on the #DB gate itself, so each delivery
	 * (which reads the gate) hits again before any handler instruction runs;
	 * cpu_run still returns at its budget, the storm charged to it.
	 * mov eax,[IDT+0Ch]; hlt */
	v = bp_vm(0, IDT + 12, RW_RW, LEN4, "a1 0c 20 00 00 f4");
	CpuStats s0, s1;
	cpu_get_stats(v->cpu, &s0);
	CHECK_EQ(cpu_run(v->cpu, 300, &ex), CPU_EXIT_BUDGET);
	cpu_get_stats(v->cpu, &s1);
	CHECK_EQ(ex.executed, 1);
	CHECK_EQ(ex.charged, 299); /* each trap after the first took an instruction time */
	CHECK(s1.exceptions - s0.exceptions >= 299, "storm: %llu #DB delivered",
	      (unsigned long long)(s1.exceptions - s0.exceptions));
	CHECK_EQ(peek32(v, CNT), 0);
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.eip, DBH);
	vm_free(v);

	/* an I/O trap exit before the instruction: no #DB yet; the trap follows once
	 * the access is done. mov esi,W; mov dx,80h; outsb (+9, reads W); hlt (+A) */
	v = bp_vm(0, W, RW_RW, LEN1, "be 10 00 02 00 66 ba 80 00 6e f4");
	io_set_trap(v->io, 0x80, 1, true);
	CHECK_EQ(cpu_run(v->cpu, 1000, &ex), CPU_EXIT_IO);
	CHECK_EQ(peek32(v, CNT), 0);
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.eip, CODE + 9);
	CHECK_EQ(st.dr[6] & 0xF, 0);
	expect_traps(v, "after an I/O exit", 1, (const u32[]){0xA}, (const u32[]){1});
	vm_free(v);
}

static void test_gd_int1(void)
{
	/* DR7.GD: mov eax,dr0 faults (#DB at +0, DR6.BD) with GD cleared on the way in,
	 * so the handler's MOV DR works and the IRET re-runs it; mov ebx,dr7; hlt */
	u32 dr[4] = {0, 0, 0, 0};
	Vm *v = dbg_vm(dr, DR7_GD_BIT, "0f 21 c0 0f 21 fb f4");
	expect_traps(v, "general detect", 1, (const u32[]){0}, (const u32[]){0x2000});
	CpuState st;
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.gpr[R_EBX] & DR7_GD_BIT, 0);
	vm_free(v);

	/* INT1 (F1) through gate 1, a trap: EIP after it, DR6 untouched */
	v = dbg_vm(dr, 0, "f1 f4");
	expect_traps(v, "int1", 1, (const u32[]){1}, (const u32[]){0});
	vm_free(v);
}

static void test_real_mode(void)
{
	/* real mode, IVT vector 1 -> 0000:8800: push eax; push bx; push bp; mov bp,sp;
	 * mov bx,[cs:CNT]; shl bx,4; mov ax,[bp+8] (IP); mov [cs:LOG+bx],ax;
	 * mov eax,dr6; mov [cs:LOG+4+bx],eax; xor eax,eax; mov dr6,eax;
	 * inc word [cs:CNT]; pop bp; pop bx; pop eax; iret */
	Vm *v = vm_new(CPU_MODEL_P6);
	poke(v, 0x8800, "66 50 53 55 89 e5 2e 8b 1e 00 61 c1 e3 04 8b 46 08 2e 89 87 00 62 0f "
			"21 f0 2e 66 89 87 04 62 66 31 c0 0f 23 f0 2e ff 06 00 61 5d 5b 66 58 "
			"cf");
	poke16(v, 4, 0x8800);
	poke16(v, 6, 0);
	/* at 1000:0000: mov ax,2000h; mov ds,ax; mov [0010h],cx (linear W: +A);
	 * mov [0014h],cx (no); hlt */
	poke(v, 0x10000, "b8 00 20 8e d8 89 0e 10 00 89 0e 14 00 f4");
	real_state(v, 0x1000, 0);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	st.dr[1] = W;
	st.dr[7] = 0x400 | dr7_bp(1, RW_W, LEN4);
	cpu_set_state(v->cpu, &st);
	CHECK_EQ(cpu_run(v->cpu, 1000, NULL), CPU_EXIT_HLT);
	CHECK_EQ(peek32(v, CNT), 1);
	CHECK_EQ(peek16(v, LOG), 9);
	CHECK_EQ(peek32(v, LOG + 4) & 0xE00F, 2);
	vm_free(v);
}

int main(void)
{
	test_write_breakpoints();
	test_rw_breakpoints();
	test_string_breakpoints();
	test_trap_timing();
	test_gd_int1();
	test_real_mode();
	return test_summary();
}
