/* cpu_misc_test: the instruction trace (one line per instruction with CS:EIP, bytes,
 * registers), self-modifying code against the decoded-block cache, REP string
 * instructions under a small budget and with a fault in the middle, single-step traps
 * (TF), CP breakpoints, 16/32-bit addressing forms, model gating of later instructions,
 * the reset state and cpu_request_exit. */
#include <pthread.h>
#include <unistd.h>

#include "../test.h"
#include "harness.h"

static void test_trace(void)
{
	Vm *v = vm_new(CPU_MODEL_386);
	/* mov ax,1234h; inc ax; hlt */
	poke(v, 0x1000, "b8 34 12 40 f4");
	real_state(v, 0, 0x1000);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cpu_set_trace(v->cpu, f);
	CHECK_EQ(cpu_run(v->cpu, 100, NULL), CPU_EXIT_HLT);
	cpu_set_trace(v->cpu, NULL);
	fclose(f);
	int lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	CHECK_EQ(lines, 3);
	CHECK(strncmp(buf, "0000:00001000  B8 34 12 ", 24) == 0, "first line: %.60s", buf);
	char *second = strchr(buf, '\n') + 1;
	CHECK(strncmp(second, "0000:00001003  40 ", 18) == 0, "second line: %.60s", second);
	CHECK(strstr(second, "EAX=00001234") != NULL, "registers before INC: %.160s", second);
	char *third = strchr(second, '\n') + 1;
	CHECK(strstr(third, "EAX=00001235") != NULL, "EAX after INC");
	CHECK(strstr(third, "ESP=00007000") != NULL && strstr(third, "EFL=00000006"),
	      "ESP and EFLAGS shown: %.200s", third);
	free(buf);
	vm_free(v);
}

static void test_smc(void)
{
	Vm *v = vm_new(CPU_MODEL_386);
	/* xor ax,ax; xor bx,bx; mov byte [1009h],40h (patch the next NOP into INC AX);
	 * 1009: nop; mov cx,2; 100D: l: nop; mov byte [100Dh],43h (INC BX); loop l; hlt */
	poke(v, 0x1000, "31 c0 31 db c6 06 09 10 40 90 b9 02 00 90 c6 06 0d 10 43 e2 f8 f4");
	real_state(v, 0, 0x1000);
	CHECK_EQ(cpu_run(v->cpu, 100, NULL), CPU_EXIT_HLT);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.gpr[R_EAX], 1); /* the patched next instruction ran as INC AX */
	CHECK_EQ(st.gpr[R_EBX], 1); /* the second loop pass saw INC BX */
	/* the CP (or DMA) writing code through the bus also invalidates */
	poke(v, 0x1000, "b8 77 00 f4"); /* mov ax,77h; hlt */
	real_state(v, 0, 0x1000);
	CHECK_EQ(cpu_run(v->cpu, 100, NULL), CPU_EXIT_HLT);
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.gpr[R_EAX], 0x77);
	poke(v, 0x1001, "66");
	real_state(v, 0, 0x1000);
	CHECK_EQ(cpu_run(v->cpu, 100, NULL), CPU_EXIT_HLT);
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.gpr[R_EAX], 0x66);
	vm_free(v);
}

static void test_rep(void)
{
	Vm *v = vm_new(CPU_MODEL_386);
	/* cld; rep movsb; hlt: copy 0x8000 bytes from 2000:0 to 3000:0 */
	poke(v, 0x1000, "fc f3 a4 f4");
	for (u32 i = 0; i < 0x8000; i++)
		poke8(v, 0x20000 + i, (u8)(i * 7 + 3));
	real_state(v, 0, 0x1000);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	st.seg[SEG_DS].sel = 0x2000;
	st.seg[SEG_DS].base = 0x20000;
	st.seg[SEG_ES].sel = 0x3000;
	st.seg[SEG_ES].base = 0x30000;
	st.gpr[R_ECX] = 0x8000;
	cpu_set_state(v->cpu, &st);
	/* a budget of one instruction: the REP runs a chunk and stops at itself */
	CpuExit ex;
	CHECK_EQ(cpu_run(v->cpu, 2, &ex), CPU_EXIT_BUDGET);
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.eip, 0x1001);
	CHECK(st.gpr[R_ECX] > 0 && st.gpr[R_ECX] < 0x8000, "partly done: CX=%x", st.gpr[R_ECX]);
	CHECK_EQ(st.gpr[R_ESI] + st.gpr[R_ECX], 0x8000);
	CHECK_EQ(st.gpr[R_EDI], st.gpr[R_ESI]);
	int runs = 1;
	while (cpu_run(v->cpu, 1, &ex) == CPU_EXIT_BUDGET && runs < 100)
		runs++;
	CHECK_EQ(ex.reason, CPU_EXIT_HLT);
	bool same = true;
	for (u32 i = 0; i < 0x8000; i++)
		same &= peek8(v, 0x30000 + i) == (u8)(i * 7 + 3);
	CHECK(same, "REP MOVSB copied every byte");
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.gpr[R_ECX], 0);
	CHECK_EQ(st.gpr[R_ESI], 0x8000);

	/* overlapping forward copy replicates (element by element semantics) */
	poke(v, 0x40000, "ab cd");
	real_state(v, 0, 0x1000);
	cpu_get_state(v->cpu, &st);
	st.seg[SEG_DS].sel = st.seg[SEG_ES].sel = 0x4000;
	st.seg[SEG_DS].base = st.seg[SEG_ES].base = 0x40000;
	st.gpr[R_ESI] = 0;
	st.gpr[R_EDI] = 1;
	st.gpr[R_ECX] = 100;
	cpu_set_state(v->cpu, &st);
	CHECK_EQ(cpu_run(v->cpu, 1000, NULL), CPU_EXIT_HLT);
	CHECK_EQ(peek8(v, 0x40000 + 100), 0xAB);
	CHECK_EQ(peek8(v, 0x40000 + 57), 0xAB);

	/* a fault in the middle: REP MOVSW, the 8th word lands at ES:FFFF -> #GP with CX
	 * and DI describing that element and IP at the REP */
	poke(v, 0x1000, "fc f3 a5 f4");
	poke16(v, 13 * 4, 0x2000); /* IVT[13] = 0000:2000 -> hlt */
	poke16(v, 13 * 4 + 2, 0);
	poke(v, 0x2000, "f4");
	real_state(v, 0, 0x1000);
	cpu_get_state(v->cpu, &st);
	st.gpr[R_ESI] = 0x100;
	st.gpr[R_EDI] = 0xFFF1;
	st.gpr[R_ECX] = 10;
	cpu_set_state(v->cpu, &st);
	CHECK_EQ(cpu_run(v->cpu, 1000, NULL), CPU_EXIT_HLT);
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.eip, 0x2001);
	CHECK_EQ(st.gpr[R_ECX], 3);
	CHECK_EQ(st.gpr[R_EDI], 0xFFFF);
	CHECK_EQ(st.gpr[R_ESI], 0x10E);
	CHECK_EQ(peek16(v, 0x7000 - 6), 0x1001); /* pushed IP: the REP MOVSW */
	vm_free(v);
}

static void test_single_step(void)
{
	Vm *v = vm_new(CPU_MODEL_386);
	/* pushf; pop ax; or ah,1; push ax; popf (TF=1); nop; nop; pushf; pop ax; and ah,FEh;
	 * push ax; popf (TF=0); hlt */
	poke(v, 0x1000, "9c 58 80 cc 01 50 9d 90 90 9c 58 80 e4 fe 50 9d f4");
	poke(v, 0x2000, "ff 06 00 05 cf"); /* #DB handler: inc word [500h]; iret */
	poke16(v, 1 * 4, 0x2000);
	poke16(v, 1 * 4 + 2, 0);
	real_state(v, 0, 0x1000);
	CHECK_EQ(cpu_run(v->cpu, 1000, NULL), CPU_EXIT_HLT);
	/* traps after: nop nop pushf pop and push popf (TF was set at their start) */
	CHECK_EQ(peek16(v, 0x500), 7);
	/* a REP string instruction traps after each element: pushf; pop ax; or ah,1;
	 * push ax; mov cx,3; mov di,600h; popf; rep stosb; pushf; pop ax; and ah,FEh;
	 * push ax; popf; hlt */
	poke(v, 0x1000, "9c 58 80 cc 01 50 b9 03 00 bf 00 06 9d f3 aa 9c 58 80 e4 fe 50 9d f4");
	poke16(v, 0x500, 0);
	real_state(v, 0, 0x1000);
	CHECK_EQ(cpu_run(v->cpu, 1000, NULL), CPU_EXIT_HLT);
	CHECK_EQ(peek16(v, 0x500), 3 + 5);
	vm_free(v);
}

static void test_breakpoint(void)
{
	Vm *v = vm_new(CPU_MODEL_386);
	poke(v, 0x1000, "40 40 40 f4"); /* inc ax x3; hlt */
	real_state(v, 0, 0x1000);
	CHECK_EQ(cpu_add_breakpoint(v->cpu, 0x1002), 0);
	CpuExit ex;
	CHECK_EQ(cpu_run(v->cpu, 1000, &ex), CPU_EXIT_BREAKPOINT);
	CHECK_EQ(ex.addr, 0x1002);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.eip, 0x1002);
	CHECK_EQ(st.gpr[R_EAX], 2);
	CHECK_EQ(cpu_run(v->cpu, 1000, &ex), CPU_EXIT_HLT);
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.gpr[R_EAX], 3);
	cpu_clear_breakpoints(v->cpu);
	vm_free(v);
}

static void test_addressing(void)
{
	Vm *v = vm_new(CPU_MODEL_386);
	for (u32 i = 0; i < 0x40; i += 4)
		poke32(v, 0x5000 + i, 0x11110000u + i);
	/* 16-bit: mov bx,5000h; mov si,4; mov ax,[bx+si+2]; mov bp,5000h; mov dx,[bp+di];
	 * mov cx,[ebx+esi*2] (67h); hlt */
	poke(v, 0x1000, "bb 00 50 be 04 00 8b 40 02 bd 00 50 8b 13 67 8b 0c 73 f4");
	real_state(v, 0, 0x1000);
	CHECK_EQ(cpu_run(v->cpu, 100, NULL), CPU_EXIT_HLT);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.gpr[R_EAX] & 0xFFFF, 0x1111);         /* [5006] high word of 5004 */
	CHECK_EQ(st.gpr[R_EDX] & 0xFFFF, 0x0000);         /* [5000] low word */
	CHECK_EQ(st.gpr[R_ECX] & 0xFFFF, 0x0008);         /* [5008] */

	/* 32-bit (flat protected mode): SIB with scale, index without base, disp32 only,
	 * LEA, EBP base */
	poke(v, 0x10000, "bb 00 50 00 00 b9 03 00 00 00 8b 44 8b 10 8b 14 cd 00 50 00 00 8b 35 "
			 "20 50 00 00 8d 7c 4b ff bd 30 50 00 00 8b 6d f8 f4");
	cpu_get_state(v->cpu, &st);
	st.cr0 |= CR0_PE;
	for (int i = 0; i < SEG_COUNT; i++)
		seg_set(&st.seg[i], 0x10, 0, 0xFFFFFFFF, 0xC093);
	seg_set(&st.seg[SEG_CS], 0x08, 0, 0xFFFFFFFF, 0xC09B);
	st.eip = 0x10000;
	st.halted = false;
	cpu_set_state(v->cpu, &st);
	CHECK_EQ(cpu_run(v->cpu, 100, NULL), CPU_EXIT_HLT);
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.gpr[R_EAX], 0x1111001C); /* [5000+3*4+10] */
	CHECK_EQ(st.gpr[R_EDX], 0x11110018); /* [3*8+5000] */
	CHECK_EQ(st.gpr[R_ESI], 0x11110020); /* [5020] */
	CHECK_EQ(st.gpr[R_EDI], 0x5005);     /* lea [ebx+ecx*2-1] */
	CHECK_EQ(st.gpr[R_EBP], 0x11110028); /* [ebp-8] */
	vm_free(v);
}

/* Runs one 32-bit instruction (then HLT) at ring 0 on a model: the exit and EAX. */
static CpuExitReason run_on(CpuModel m, const char *code, u32 *eax)
{
	Vm *v = vm_new(m);
	poke(v, 0x10000, code);
	poke16(v, 6 * 4, 0x3000); /* #UD -> 0000:3000 (real mode IVT) */
	poke(v, 0x3000, "b8 ee ee ee ee f4");
	CpuState st;
	cpu_get_state(v->cpu, &st);
	for (int i = 0; i < SEG_COUNT; i++)
		seg_set(&st.seg[i], 0, 0, 0xFFFF, 0x93);
	seg_set(&st.seg[SEG_CS], 0x1000, 0x10000, 0xFFFF, 0x409B); /* 32-bit code */
	st.eip = 0;
	st.gpr[R_ESP] = 0x7000;
	st.gpr[R_EAX] = 0x12345678;
	st.gpr[R_EBX] = 0x9ABCDEF0;
	st.idtr_limit = 0x3FF;
	st.eflags = 2 | FLAG_ZF;
	cpu_set_state(v->cpu, &st);
	CpuExitReason r = cpu_run(v->cpu, 100, NULL);
	cpu_get_state(v->cpu, &st);
	*eax = st.gpr[R_EAX];
	vm_free(v);
	return r;
}

/* A SIB byte with no index (100b) but a scale, an undefined form: the 386 scales the
 * base, the 486 and later ignore the scale (test386's LEA checks, from the chips). With
 * mod 00 and base 101b there is no base and only the disp32. */
static void test_sib_scale_without_index(void)
{
	static const struct {
		const char *code;
		u32 on386, on486;
	} t[] = {
		{"8d 04 60 f4", 0x2468ACF0, 0x12345678},    /* lea eax,[eax+eiz*2] */
		{"8d 44 60 10 f4", 0x2468AD00, 0x12345688}, /* lea eax,[eax+eiz*2+10h] */
		{"8d 84 e0 00 01 00 00 f4", 0x91A2B4C0, 0x12345778}, /* [eax+eiz*8+100h] */
		{"8d 04 65 00 01 00 00 f4", 0x100, 0x100},  /* lea eax,[eiz*2+100h] */
		{"8d 04 20 f4", 0x12345678, 0x12345678},    /* scale 1: no change */
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		u32 eax;
		CHECK_EQ(run_on(CPU_MODEL_386, t[i].code, &eax), CPU_EXIT_HLT);
		CHECK(eax == t[i].on386, "386 %s: eax %08x, want %08x", t[i].code, eax, t[i].on386);
		CHECK_EQ(run_on(CPU_MODEL_486, t[i].code, &eax), CPU_EXIT_HLT);
		CHECK(eax == t[i].on486, "486 %s: eax %08x, want %08x", t[i].code, eax, t[i].on486);
	}
}

static void test_models(void)
{
	u32 eax;
	CHECK_EQ(run_on(CPU_MODEL_386, "0f a2 f4", &eax), CPU_EXIT_HLT);
	CHECK_EQ(eax, 0xEEEEEEEEu); /* no CPUID on a 386: #UD */
	run_on(CPU_MODEL_486, "31 c0 0f a2 f4", &eax);
	CHECK_EQ(eax, 1);           /* max leaf */
	run_on(CPU_MODEL_486, "b8 01 00 00 00 0f a2 f4", &eax);
	CHECK_EQ(eax >> 8 & 15, 4); /* family 4 */
	run_on(CPU_MODEL_P6, "b8 01 00 00 00 0f a2 f4", &eax);
	CHECK_EQ(eax >> 8 & 15, 6);
	run_on(CPU_MODEL_386, "0f c8 f4", &eax);
	CHECK_EQ(eax, 0xEEEEEEEEu); /* no BSWAP on a 386 */
	run_on(CPU_MODEL_486, "0f c8 f4", &eax);
	CHECK_EQ(eax, 0x78563412);
	run_on(CPU_MODEL_PENTIUM, "0f 44 c3 f4", &eax);
	CHECK_EQ(eax, 0xEEEEEEEEu); /* CMOVcc is P6 */
	run_on(CPU_MODEL_P6, "0f 44 c3 f4", &eax);
	CHECK_EQ(eax, 0x9ABCDEF0);  /* cmove with ZF=1 */
	run_on(CPU_MODEL_PENTIUM, "0f 31 f4", &eax);
	CHECK_EQ(eax, 0);           /* RDTSC = instructions retired since reset */
	run_on(CPU_MODEL_P6, "90 90 0f 31 f4", &eax);
	CHECK_EQ(eax, 2);
	run_on(CPU_MODEL_486, "0f 31 f4", &eax);
	CHECK_EQ(eax, 0xEEEEEEEEu);
	/* an instruction longer than 15 bytes: #GP(0) (real mode IVT[13] is 0 -> the zero
	 * vector points at 0000:0000, so just check the run ends and EAX is untouched) */
	run_on(CPU_MODEL_386, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 b8 01 00 00 00 f4", &eax);
	CHECK(eax == 0x12345678, "a 15+ byte instruction does not execute: %x", eax);
}

/* The TSC keeps counting over time the run loop skips while the CPU is halted. */
static void test_tsc_advance(void)
{
	Vm *v = vm_new(CPU_MODEL_P6);
	poke(v, 0x10000, "0f 31 f4");
	CpuState st;
	cpu_get_state(v->cpu, &st);
	for (int i = 0; i < SEG_COUNT; i++)
		seg_set(&st.seg[i], 0, 0, 0xFFFF, 0x93);
	seg_set(&st.seg[SEG_CS], 0x1000, 0x10000, 0xFFFF, 0x409B);
	st.eip = 0;
	st.tsc = 1000;
	cpu_set_state(v->cpu, &st);
	cpu_advance_tsc(v->cpu, 5000000000ull); /* a halted stretch: 5e9 cycles */
	cpu_run(v->cpu, 10, NULL);
	cpu_get_state(v->cpu, &st);
	u64 tsc = (u64)st.gpr[R_EDX] << 32 | st.gpr[R_EAX];
	CHECK_EQ(tsc, 1000 + 5000000000ull);
	CHECK_EQ(st.tsc, 1000 + 5000000000ull + 2); /* RDTSC and HLT retired since */
	vm_free(v);
}

static void test_reset_and_exit(void)
{
	Vm *v = vm_new(CPU_MODEL_486);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.eip, 0xFFF0);
	CHECK_EQ(st.seg[SEG_CS].sel, 0xF000);
	CHECK_EQ(st.seg[SEG_CS].base, 0xFFFF0000u);
	CHECK_EQ(st.eflags, 2);
	CHECK_EQ(st.cr0, 0x60000010u);
	CHECK_EQ(st.gpr[R_EDX], 0x0421);
	CHECK_EQ(st.dr[7], 0x400);
	/* an infinite loop ends with the budget; a request ends the next run at once */
	poke(v, 0x1000, "eb fe"); /* jmp $ */
	real_state(v, 0, 0x1000);
	CpuExit ex;
	CHECK_EQ(cpu_run(v->cpu, 1000, &ex), CPU_EXIT_BUDGET);
	CHECK_EQ(ex.executed, 1000);
	cpu_request_exit(v->cpu);
	CHECK_EQ(cpu_run(v->cpu, 1000, &ex), CPU_EXIT_REQUEST);
	CHECK_EQ(ex.executed, 0);
	CHECK_EQ(cpu_run(v->cpu, 10, &ex), CPU_EXIT_BUDGET);
	vm_free(v);
}

static void *requester(void *arg)
{
	usleep(20000);
	cpu_request_exit(arg);
	return NULL;
}

/* Another thread stops a CPU running an endless loop with a huge budget. */
static void test_exit_from_thread(void)
{
	Vm *v = vm_new(CPU_MODEL_386);
	poke(v, 0x1000, "40 eb fd"); /* l: inc ax; jmp l */
	real_state(v, 0, 0x1000);
	pthread_t t;
	CHECK_EQ(pthread_create(&t, NULL, requester, v->cpu), 0);
	CpuExit ex;
	CHECK_EQ(cpu_run(v->cpu, ~0ull >> 1, &ex), CPU_EXIT_REQUEST);
	pthread_join(t, NULL);
	CHECK(ex.executed > 1000, "ran %llu instructions first", (unsigned long long)ex.executed);
	vm_free(v);
}

int main(void)
{
	test_trace();
	test_smc();
	test_rep();
	test_single_step();
	test_breakpoint();
	test_addressing();
	test_models();
	test_sib_scale_without_index();
	test_tsc_advance();
	test_reset_and_exit();
	test_exit_from_thread();
	return test_summary();
}
