/* cpu_io_test: the trap path. A port the CP marks with io_set_trap() makes cpu_run
 * return CPU_EXIT_IO before the device sees the access (EIP at the instruction, port,
 * size, direction and value in the exit); the next cpu_run performs exactly that access
 * and goes on. REP OUTS traps once per element with the registers describing it.
 * Untrapped ports go straight to the device. The retired-instruction count is exact in
 * the device callback, for ports and for MMIO. */
#include "../test.h"
#include "harness.h"

typedef struct Dev {
	u8 writes[16];
	int nwrites;
	int nreads;
	u64 icount_at_write[16];
	const u64 *icount;
} Dev;

static void dev_write(void *ctx, u16 port, u32 val, int size)
{
	Dev *d = ctx;
	(void)port;
	(void)size;
	if (d->nwrites < 16) {
		d->icount_at_write[d->nwrites] = *d->icount;
		d->writes[d->nwrites++] = (u8)val;
	}
}

static u32 dev_read(void *ctx, u16 port, int size)
{
	Dev *d = ctx;
	(void)port;
	(void)size;
	d->nreads++;
	return 0x5A;
}

static const IoOps dev_ops = {dev_read, dev_write, 1, "testdev"};

/* An MMIO page that records the retired-instruction count at each access. */
typedef struct Mmio {
	const u64 *icount;
	u64 at[8];
	u32 addr[8];
	u32 val[8];
	int n;
} Mmio;
static u32 mmio_read(void *ctx, u32 addr, int size)
{
	Mmio *m = ctx;
	(void)size;
	if (m->n < 8) {
		m->at[m->n] = *m->icount;
		m->addr[m->n] = addr;
		m->val[m->n++] = 0;
	}
	return 0xA5A5A5A5u;
}
static void mmio_write(void *ctx, u32 addr, u32 val, int size)
{
	Mmio *m = ctx;
	(void)size;
	if (m->n < 8) {
		m->at[m->n] = *m->icount;
		m->addr[m->n] = addr;
		m->val[m->n++] = val;
	}
}
static const MmioOps mmio_ops = {mmio_read, mmio_write, "testmmio"};

int main(void)
{
	Vm *v = vm_new(CPU_MODEL_386);
	Dev dev = {0};
	dev.icount = cpu_icount(v->cpu);
	CHECK_EQ(io_map(v->io, 0x70, 2, &dev_ops, &dev), 0);
	/* mov al,11h; out 70h,al; in al,71h; mov dx,70h; mov si,100h; mov cx,3; cld;
	 * rep outsb; hlt */
	poke(v, 0x1000, "b0 11 e6 70 e4 71 ba 70 00 be 00 01 b9 03 00 fc f3 6e f4");
	poke(v, 0x100, "61 62 63");
	real_state(v, 0, 0x1000);
	io_set_trap(v->io, 0x70, 2, true);

	CpuExit ex;
	CpuState st;
	CHECK_EQ(cpu_run(v->cpu, 1000, &ex), CPU_EXIT_IO);
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(ex.port, 0x70);
	CHECK_EQ(ex.size, 1);
	CHECK(ex.write, "OUT is a write");
	CHECK_EQ(ex.value, 0x11);
	CHECK_EQ(st.eip, 0x1002);       /* at the OUT */
	CHECK_EQ(dev.nwrites, 0);       /* the device has not seen it */
	CHECK_EQ(ex.executed, 1);

	CHECK_EQ(cpu_run(v->cpu, 1000, &ex), CPU_EXIT_IO);
	CHECK_EQ(dev.nwrites, 1);       /* the OUT happened on this run */
	CHECK_EQ(dev.writes[0], 0x11);
	CHECK_EQ(dev.icount_at_write[0], 1); /* one instruction retired before it */
	CHECK_EQ(ex.port, 0x71);
	CHECK(!ex.write, "IN is a read");
	CHECK_EQ(dev.nreads, 0);
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.eip, 0x1004);
	CHECK_EQ(st.gpr[R_EAX] & 0xFF, 0x11);

	/* REP OUTSB: one exit per element, registers describing the element */
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(cpu_run(v->cpu, 1000, &ex), CPU_EXIT_IO);
		cpu_get_state(v->cpu, &st);
		if (i == 0) {
			CHECK_EQ(dev.nreads, 1); /* the IN went through */
			CHECK_EQ(st.gpr[R_EAX] & 0xFF, 0x5A);
		}
		CHECK_EQ(ex.port, 0x70);
		CHECK_EQ(ex.value, (u32)(0x61 + i));
		CHECK_EQ(st.eip, 0x1010);
		CHECK_EQ(st.gpr[R_ECX] & 0xFFFF, (u32)(3 - i));
		CHECK_EQ(st.gpr[R_ESI] & 0xFFFF, (u32)(0x100 + i));
		CHECK_EQ(dev.nwrites, 1 + i);
	}
	CHECK_EQ(cpu_run(v->cpu, 1000, &ex), CPU_EXIT_HLT);
	CHECK_EQ(dev.nwrites, 4);
	CHECK(memcmp(dev.writes + 1, "abc", 3) == 0, "OUTS data in order");
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.gpr[R_ECX] & 0xFFFF, 0);
	CpuStats stats;
	cpu_get_stats(v->cpu, &stats);
	CHECK_EQ(stats.io_exits, 5);

	/* without the trap: no exits at all */
	io_set_trap(v->io, 0x70, 2, false);
	real_state(v, 0, 0x1000);
	dev.nwrites = 0;
	CHECK_EQ(cpu_run(v->cpu, 1000, &ex), CPU_EXIT_HLT);
	CHECK_EQ(dev.nwrites, 4);
	CHECK_EQ(ex.executed, 9);

	/* a trapped word access that touches the trapped port with its second byte */
	io_set_trap(v->io, 0x71, 1, true);
	poke(v, 0x1000, "e7 70 f4"); /* out 70h,ax */
	real_state(v, 0, 0x1000);
	CHECK_EQ(cpu_run(v->cpu, 1000, &ex), CPU_EXIT_IO);
	CHECK_EQ(ex.size, 2);
	CHECK_EQ(ex.port, 0x70);
	CHECK_EQ(cpu_run(v->cpu, 1000, &ex), CPU_EXIT_HLT);

	/* MMIO: the device sees the exact count of retired instructions; code keeps
	 * running from its cached block around the accesses */
	Mmio mm = {0};
	mm.icount = cpu_icount(v->cpu);
	CHECK_EQ(mem_map_mmio(&v->mem, 0xA0000, 0x1000, &mmio_ops, &mm), 0);
	/* mov ax,0A000h; mov es,ax; nop; nop; mov [es:10h],ax; mov bx,[es:20h]; hlt */
	poke(v, 0x1000, "b8 00 a0 8e c0 90 90 26 a3 10 00 26 8b 1e 20 00 f4");
	real_state(v, 0, 0x1000);
	u64 base = *cpu_icount(v->cpu);
	CHECK_EQ(cpu_run(v->cpu, 1000, &ex), CPU_EXIT_HLT);
	CHECK_EQ(mm.n, 2);
	CHECK_EQ(mm.at[0] - base, 4); /* four instructions before the store */
	CHECK_EQ(mm.addr[0], 0xA0010);
	CHECK_EQ(mm.val[0], 0xA000);
	CHECK_EQ(mm.at[1] - base, 5);
	CHECK_EQ(mm.addr[1], 0xA0020);
	cpu_get_state(v->cpu, &st);
	CHECK_EQ(st.gpr[R_EBX] & 0xFFFF, 0xA5A5);
	vm_free(v);
	return test_summary();
}
