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
	u32 lo = (limit & 0xFFFF) | (base & 0xFFFF) << 16;
	u32 hi = ((base >> 16) & 0xFF) | (attr & 0xF0FF) << 8 | (limit & 0xF0000) |
		 (base & 0xFF000000u);
	poke32(v, table + (u32)idx * 8, lo);
	poke32(v, table + (u32)idx * 8 + 4, hi);
}

/* A gate: type 4/12 call gate, 5 task, 6/14 interrupt, 7/15 trap. */
static inline void set_gate(Vm *v, u32 table, int idx, u16 sel, u32 off, u32 type, u32 dpl,
			    u32 params)
{
	u32 lo = (off & 0xFFFF) | (u32)sel << 16;
	u32 hi = (off & 0xFFFF0000u) | 0x8000 | dpl << 13 | type << 8 | (params & 31);
	poke32(v, table + (u32)idx * 8, lo);
	poke32(v, table + (u32)idx * 8 + 4, hi);
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

#endif
