/* tests/cpu/harness.h: a tiny machine for CPU unit tests: RAM on a MemBus, an empty
 * IoBus, a Cpu, and helpers to place code (hex strings), descriptors and gates in guest
 * memory and to start the CPU in real or flat protected mode. Header-only, like
 * tests/test.h. Guest code in the tests is written as hex with the assembly beside it. */
#ifndef VMCP_TESTS_CPU_HARNESS_H
#define VMCP_TESTS_CPU_HARNESS_H

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "bus/iobus.h"
#include "bus/membus.h"
#include "cpu/cpu.h"
#include "desc.h"

typedef struct Vm {
	MemBus mem;
	IoBus *io;
	Cpu *cpu;
} Vm;

/* A machine whose CPU has the configuration cfg (model, x87). */
static inline Vm *vm_new_cfg(const CpuConfig *cfg)
{
	Vm *v = calloc(1, sizeof(*v));
	if (!v || mem_init(&v->mem, 4 << 20) < 0)
		abort();
	mem_map_ram(&v->mem, 0xA0000, 0x60000, v->mem.ram + 0xA0000);
	v->io = malloc(sizeof(IoBus));
	if (!v->io)
		abort();
	io_init(v->io);
	v->cpu = cpu_new(cfg, &v->mem, v->io);
	if (!v->cpu)
		abort();
	if (getenv("CPU_TEST_TRACE")) /* debugging aid: trace every instruction */
		cpu_set_trace(v->cpu, stderr);
	return v;
}

/* A machine with a CPU of the given model and no x87. */
static inline Vm *vm_new(CpuModel model)
{
	CpuConfig cfg = {.model = model, .fpu = false};
	return vm_new_cfg(&cfg);
}

static inline void vm_free(Vm *v)
{
	cpu_free(v->cpu);
	free(v->io);
	mem_free(&v->mem);
	free(v);
}

/* Writes hex bytes ("b8 34 12") at a physical address; returns the address after. */
static inline u32 poke(Vm *v, u32 addr, const char *hex)
{
	while (*hex) {
		while (*hex && !isxdigit((unsigned char)*hex))
			hex++;
		if (!*hex)
			break;
		unsigned b;
		if (sscanf(hex, "%2x", &b) != 1)
			abort();
		u8 byte = (u8)b;
		mem_write_buf(&v->mem, addr++, &byte, 1);
		hex += 2;
	}
	return addr;
}

static inline void poke32(Vm *v, u32 addr, u32 val) { mem_write(&v->mem, addr, val, 4); }
static inline void poke16(Vm *v, u32 addr, u32 val) { mem_write(&v->mem, addr, val, 2); }
static inline void poke8(Vm *v, u32 addr, u32 val) { mem_write(&v->mem, addr, val, 1); }
static inline u32 peek32(Vm *v, u32 addr) { return mem_read(&v->mem, addr, 4); }
static inline u32 peek16(Vm *v, u32 addr) { return mem_read(&v->mem, addr, 2); }
static inline u32 peek8(Vm *v, u32 addr) { return mem_read(&v->mem, addr, 1); }

/* A segment descriptor: attr as in CpuSeg (type/S/DPL/P in bits 0-7, AVL/L/DB/G in
 * 12-15); limit is the raw 20-bit field. */
static inline void set_desc(Vm *v, u32 table, int idx, u32 base, u32 limit, u32 attr)
{
	u8 d[8];
	put_desc(d, base, limit, (u8)attr, (u8)(attr >> 12 & 0xF));
	poke32(v, table + (u32)idx * 8, get_le32(d));
	poke32(v, table + (u32)idx * 8 + 4, get_le32(d + 4));
}

/* A gate: type 4/12 call gate, 5 task, 6/14 interrupt, 7/15 trap. */
static inline void set_gate(Vm *v, u32 table, int idx, u16 sel, u32 off, u32 type, u32 dpl,
			    u32 params)
{
	u8 d[8];
	put_gate(d, sel, off, (u8)(0x80 | dpl << 5 | type), (u8)(params & 31));
	poke32(v, table + (u32)idx * 8, get_le32(d));
	poke32(v, table + (u32)idx * 8 + 4, get_le32(d + 4));
}

static inline void seg_set(CpuSeg *s, u16 sel, u32 base, u32 limit, u16 attr)
{
	s->sel = sel;
	s->base = base;
	s->limit = limit;
	s->attr = attr;
}

/* Real mode at seg:off, SS:SP 0:7000. */
static inline void real_state(Vm *v, u16 cs, u32 ip)
{
	CpuState st;
	cpu_get_state(v->cpu, &st);
	memset(st.gpr, 0, sizeof(st.gpr));
	st.gpr[R_ESP] = 0x7000;
	st.eip = ip;
	st.eflags = 2;
	st.cr0 = 0;
	for (int i = 0; i < SEG_COUNT; i++)
		seg_set(&st.seg[i], 0, 0, 0xFFFF, 0x93);
	seg_set(&st.seg[SEG_CS], cs, (u32)cs << 4, 0xFFFF, 0x9B);
	st.idtr_base = 0;
	st.idtr_limit = 0x3FF;
	st.halted = false;
	cpu_set_state(v->cpu, &st);
}

/* Runs to a HLT (at most 100,000 instructions) in a machine whose vector n halts at
 * handlers + 4 * n: returns the vector whose handler halted, -1 for any other HLT (the
 * program's own), -2 for any other exit. */
static inline int vm_run_to_handler(Vm *v, u32 handlers)
{
	CpuExitReason r = cpu_run(v->cpu, 100000, NULL);
	if (r != CPU_EXIT_HLT)
		return -2;
	CpuState st;
	cpu_get_state(v->cpu, &st);
	u32 lin = st.seg[SEG_CS].base + st.eip - 1;
	if (lin >= handlers && lin < handlers + 128 && (lin - handlers) % 4 == 0)
		return (int)((lin - handlers) / 4);
	return -1;
}

/* xorshift64* (Marsaglia's xorshift, Vigna's multiplier): the reproducible operand
 * stream of the native-comparison tests, seeded by them. */
static inline u64 xorshift64s(u64 *state)
{
	u64 x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x * 0x2545F4914F6CDD1Dull;
}

#endif
