/* alu_native_test: 32-, 16- and 8-bit integer instructions checked against the host
 * CPU. The SingleStepTests data covers 8086/286 (16-bit) behaviour only; register-form
 * encodings of ALU, shift, rotate, double shift, bit, multiply, divide, conversion and
 * i486+ instructions mean the same in 64-bit mode (without REX, 32-bit results
 * zero-extend), so an x86-64 host can execute each one natively on random inputs and
 * VMCP's result and flags must match, under the SDM's undefined-flag masks. Skipped on
 * other hosts. Inputs mix random values with edge cases (0, 1, sign boundaries). */
#include "../test.h"
#include "harness.h"

#if defined(__x86_64__)
#include <sys/mman.h>

typedef struct HostRegs {
	u64 rax, rbx, rcx, rdx, rsi, rdi, flags;
} HostRegs;

/* load registers and flags from *rdi, run the instruction, store them back (and clear
 * DF again, as the C ABI requires) */
static const char *prologue = "53 55 49 89 fb 49 8b 03 49 8b 5b 08 49 8b 4b 10 49 8b 53 18 49 "
			      "8b 73 20 49 8b 7b 28 41 ff 73 30 9d";
static const char *epilogue = "9c fc 41 8f 43 30 49 89 03 49 89 5b 08 49 89 4b 10 49 89 53 18 49 "
			      "89 73 20 49 89 7b 28 5d 5b c3";

static u8 *jit;

static size_t hex_bytes(const char *hex, u8 *out)
{
	size_t n = 0;
	unsigned b;
	while (*hex) {
		while (*hex == ' ')
			hex++;
		if (!*hex || sscanf(hex, "%2x", &b) != 1)
			break;
		out[n++] = (u8)b;
		hex += 2;
	}
	return n;
}

static __attribute__((noinline)) void host_run(const u8 *insn, size_t len, HostRegs *r)
{
	size_t n = hex_bytes(prologue, jit);
	memcpy(jit + n, insn, len);
	n += len;
	n += hex_bytes(epilogue, jit + n);
	__builtin___clear_cache((char *)jit, (char *)jit + n);
	void (*volatile fn)(HostRegs *) = (void (*)(HostRegs *))(void *)jit;
	fn(r);
	__asm__ volatile("" ::: "memory"); /* *r was written behind the compiler's back */
}

enum { OF = FLAG_OF, SF = FLAG_SF, ZF = FLAG_ZF, AF = FLAG_AF, PF = FLAG_PF, CF = FLAG_CF };
#define ALL (OF | SF | ZF | AF | PF | CF)

typedef struct Case {
	const char *name;
	const char *hex;
	u32 defined;   /* flags the SDM defines */
	int kind;      /* special handling */
} Case;

enum { K_PLAIN, K_COUNT1 /* OF defined only for a count of 1 */, K_DIV32, K_IDIV32,
       K_DIV16, K_BSX, K_SHXD16, K_MULF };

static const Case cases[] = {
	{"add eax,ebx", "01 d8", ALL, K_PLAIN},
	{"adc eax,ebx", "11 d8", ALL, K_PLAIN},
	{"sub eax,ebx", "29 d8", ALL, K_PLAIN},
	{"sbb eax,ebx", "19 d8", ALL, K_PLAIN},
	{"cmp eax,ebx", "39 d8", ALL, K_PLAIN},
	{"and eax,ebx", "21 d8", ALL & ~AF, K_PLAIN},
	{"or eax,ebx", "09 d8", ALL & ~AF, K_PLAIN},
	{"xor eax,ebx", "31 d8", ALL & ~AF, K_PLAIN},
	{"test eax,ebx", "85 d8", ALL & ~AF, K_PLAIN},
	{"add ax,bx", "66 01 d8", ALL, K_PLAIN},
	{"sbb al,bl", "18 d8", ALL, K_PLAIN},
	{"adc ah,bh", "10 fc", ALL, K_PLAIN},
	{"add eax,imm8", "83 c0 85", ALL, K_PLAIN},
	{"sub eax,imm32", "2d 00 00 00 80", ALL, K_PLAIN},
	{"inc eax", "ff c0", ALL, K_PLAIN},
	{"dec eax", "ff c8", ALL, K_PLAIN},
	{"inc bx", "66 ff c3", ALL, K_PLAIN},
	{"neg eax", "f7 d8", ALL, K_PLAIN},
	{"not eax", "f7 d0", ALL, K_PLAIN},
	{"shl eax,cl", "d3 e0", ALL & ~AF, K_COUNT1},
	{"shr eax,cl", "d3 e8", ALL & ~AF, K_COUNT1},
	{"sar eax,cl", "d3 f8", ALL & ~AF, K_COUNT1},
	{"rol eax,cl", "d3 c0", ALL, K_COUNT1},
	{"ror eax,cl", "d3 c8", ALL, K_COUNT1},
	{"rcl eax,cl", "d3 d0", ALL, K_COUNT1},
	{"rcr eax,cl", "d3 d8", ALL, K_COUNT1},
	{"shl eax,1", "d1 e0", ALL & ~AF, K_COUNT1},
	{"sar eax,1", "d1 f8", ALL & ~AF, K_COUNT1},
	{"rcr eax,1", "d1 d8", ALL, K_COUNT1},
	{"shl ax,cl", "66 d3 e0", ALL & ~AF, K_COUNT1},
	{"rcl ax,cl", "66 d3 d0", ALL, K_COUNT1},
	{"rcr bl,cl", "d2 db", ALL, K_COUNT1},
	{"shr bl,cl", "d2 eb", ALL & ~AF, K_COUNT1},
	{"rol eax,7", "c1 c0 07", ALL, K_COUNT1},
	{"shld eax,ebx,cl", "0f a5 d8", ALL & ~AF, K_COUNT1},
	{"shrd eax,ebx,cl", "0f ad d8", ALL & ~AF, K_COUNT1},
	{"shld eax,ebx,5", "0f a4 d8 05", ALL & ~AF, K_COUNT1},
	{"shrd ax,bx,cl", "66 0f ad d8", ALL & ~AF, K_SHXD16},
	{"bt eax,ebx", "0f a3 d8", CF, K_PLAIN},
	{"bts eax,ebx", "0f ab d8", CF, K_PLAIN},
	{"btr eax,ebx", "0f b3 d8", CF, K_PLAIN},
	{"btc eax,ebx", "0f bb d8", CF, K_PLAIN},
	{"btc eax,imm", "0f ba f8 25", CF, K_PLAIN},
	{"bsf eax,ebx", "0f bc c3", ZF, K_BSX},
	{"bsr eax,ebx", "0f bd c3", ZF, K_BSX},
	{"mul ebx", "f7 e3", OF | CF, K_MULF},
	{"imul ebx", "f7 eb", OF | CF, K_MULF},
	{"mul bl", "f6 e3", OF | CF, K_MULF},
	{"imul bx", "66 f7 eb", OF | CF, K_MULF},
	{"imul eax,ebx", "0f af c3", OF | CF, K_MULF},
	{"imul eax,ebx,-3", "6b c3 fd", OF | CF, K_MULF},
	{"imul ax,bx,1234h", "66 69 c3 34 12", OF | CF, K_MULF},
	{"div ebx", "f7 f3", 0, K_DIV32},
	{"idiv ebx", "f7 fb", 0, K_IDIV32},
	{"div bx", "66 f7 f3", 0, K_DIV16},
	{"movzx eax,bl", "0f b6 c3", ALL, K_PLAIN},
	{"movsx eax,bx", "0f bf c3", ALL, K_PLAIN},
	{"movsx ax,bl", "66 0f be c3", ALL, K_PLAIN},
	{"setg al", "0f 9f c0", ALL, K_PLAIN},
	{"setbe cl", "0f 96 c1", ALL, K_PLAIN},
	{"setl dh", "0f 9c c6", ALL, K_PLAIN},
	{"cmovo eax,ebx", "0f 40 c3", ALL, K_PLAIN},
	{"cmovle eax,ebx", "0f 4e c3", ALL, K_PLAIN},
	{"cmovp eax,ebx", "0f 4a c3", ALL, K_PLAIN},
	{"bswap eax", "0f c8", ALL, K_PLAIN},
	{"xadd eax,ebx", "0f c1 d8", ALL, K_PLAIN},
	{"xadd bl,cl", "0f c0 cb", ALL, K_PLAIN},
	{"cmpxchg ebx,ecx", "0f b1 cb", ALL, K_PLAIN},
	{"cmpxchg bx,cx", "66 0f b1 cb", ALL, K_PLAIN},
	{"cwde", "98", ALL, K_PLAIN},
	{"cdq", "99", ALL, K_PLAIN},
	{"cwd", "66 99", ALL, K_PLAIN},
	{"xchg eax,ebx", "93", ALL, K_PLAIN},
	{"lea eax,[ebx+ecx*4+5]", "8d 44 8b 05", ALL, K_PLAIN},
	{"sahf", "9e", ALL, K_PLAIN},
	{"cmc", "f5", ALL, K_PLAIN},
};

static u64 rs = 0x9E3779B97F4A7C15ull;
static u32 rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (u32)rs;
}
static u32 value(void)
{
	static const u32 edge[] = {0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF,
				   0x7FFFFFFF, 0x80000000u, 0xFFFFFFFFu, 31, 32, 33, 16, 17};
	switch (rnd() % 4) {
	case 0: return edge[rnd() % ARRAY_SIZE(edge)];
	case 1: return rnd() & 0xFF;
	default: return rnd();
	}
}

static Vm *vm;

/* Runs the instruction on VMCP in 32-bit flat protected mode; same register image. */
static void vmcp_run(const u8 *insn, size_t len, HostRegs *r)
{
	u8 buf[32];
	memcpy(buf, insn, len);
	buf[len] = 0xF4;
	mem_write_buf(&vm->mem, 0x10000, buf, (u32)len + 1);
	CpuState st;
	cpu_get_state(vm->cpu, &st);
	st.cr0 = CR0_PE;
	for (int i = 0; i < SEG_COUNT; i++)
		seg_set(&st.seg[i], 0x10, 0, 0xFFFFFFFF, 0xC093);
	seg_set(&st.seg[SEG_CS], 0x08, 0, 0xFFFFFFFF, 0xC09B);
	st.gpr[R_EAX] = (u32)r->rax;
	st.gpr[R_EBX] = (u32)r->rbx;
	st.gpr[R_ECX] = (u32)r->rcx;
	st.gpr[R_EDX] = (u32)r->rdx;
	st.gpr[R_ESI] = (u32)r->rsi;
	st.gpr[R_EDI] = (u32)r->rdi;
	st.gpr[R_ESP] = 0x8000;
	st.gpr[R_EBP] = 0;
	st.eflags = (u32)r->flags;
	st.eip = 0x10000;
	st.halted = false;
	cpu_set_state(vm->cpu, &st);
	cpu_run(vm->cpu, 10, NULL);
	cpu_get_state(vm->cpu, &st);
	r->rax = st.gpr[R_EAX];
	r->rbx = st.gpr[R_EBX];
	r->rcx = st.gpr[R_ECX];
	r->rdx = st.gpr[R_EDX];
	r->rsi = st.gpr[R_ESI];
	r->rdi = st.gpr[R_EDI];
	r->flags = st.eflags;
}

int main(void)
{
	jit = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (jit == MAP_FAILED) {
		printf("skipped: cannot map executable memory for the host reference\n");
		return 0;
	}
	vm = vm_new(CPU_MODEL_P6);
	for (size_t k = 0; k < ARRAY_SIZE(cases); k++) {
		const Case *tc = &cases[k];
		u8 insn[16];
		size_t len = hex_bytes(tc->hex, insn);
		int bad = 0;
		for (int i = 0; i < 3000; i++) {
			HostRegs in = {value(), value(), value(), value(), value(), value(),
				       0x202 | (rnd() & (ALL | FLAG_DF))};
			if (tc->kind == K_DIV32 || tc->kind == K_IDIV32 || tc->kind == K_DIV16) {
				/* keep the quotient in range: the host would fault (SIGFPE) */
				u32 b = (u32)in.rbx | 1;
				in.rbx = b;
				if (tc->kind == K_DIV32)
					in.rdx = (u32)in.rdx % b;
				else if (tc->kind == K_DIV16)
					in.rdx = ((u32)in.rdx & 0xFFFF) % ((b & 0xFFFF) | 1), in.rbx = (b & 0xFFFF) | 1;
				else {
					s32 sb = (s32)b;
					if (sb == -1)
						sb = in.rbx = 3;
					/* |EDX:EAX| small enough: sign-extend EAX into EDX */
					in.rdx = ((s32)in.rax < 0) ? 0xFFFFFFFFu : 0;
				}
			}
			HostRegs h = in, v = in;
			host_run(insn, len, &h);
			vmcp_run(insn, len, &v);
			u32 defined = tc->defined;
			u32 cnt = (u32)in.rcx & 31;
			if (tc->kind == K_COUNT1 || tc->kind == K_SHXD16) {
				u32 c1 = strstr(tc->hex, "d1") == tc->hex ? 1
					 : strstr(tc->name, ",5") ? 5
					 : strstr(tc->name, ",7") ? 7 : cnt;
				if (c1 != 1)
					defined &= ~OF;
				if (c1 == 0)
					defined = ALL; /* nothing changes */
			}
			if (tc->kind == K_SHXD16 && cnt > 16)
				continue; /* result undefined */
			if (tc->kind == K_BSX && (u32)in.rbx == 0)
				h.rax = v.rax; /* destination undefined */
			u64 m32 = 0xFFFFFFFFu;
			bool same = (h.rax & m32) == (v.rax & m32) && (h.rbx & m32) == (v.rbx & m32) &&
				    (h.rcx & m32) == (v.rcx & m32) && (h.rdx & m32) == (v.rdx & m32) &&
				    ((h.flags ^ v.flags) & defined) == 0;
			if (!same && bad++ < 3)
				printf("FAIL %s: in eax=%08x ebx=%08x ecx=%08x edx=%08x fl=%03x: host "
				       "eax=%08x ebx=%08x ecx=%08x edx=%08x fl=%03x, vmcp eax=%08x "
				       "ebx=%08x ecx=%08x edx=%08x fl=%03x (defined %03x)\n",
				       tc->name, (u32)in.rax, (u32)in.rbx, (u32)in.rcx, (u32)in.rdx,
				       (u32)in.flags & 0xFFF, (u32)h.rax, (u32)h.rbx, (u32)h.rcx,
				       (u32)h.rdx, (u32)h.flags & 0xFFF, (u32)v.rax, (u32)v.rbx,
				       (u32)v.rcx, (u32)v.rdx, (u32)v.flags & 0xFFF, defined);
		}
		CHECK(bad == 0, "%s: %d of 3000 differ from the host", tc->name, bad);
	}
	vm_free(vm);
	munmap(jit, 4096);
	return test_summary();
}
#else
int main(void)
{
	printf("skipped: the host is not x86-64 (no native reference)\n");
	return 0;
}
#endif
