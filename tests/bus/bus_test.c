/* bus_test.c: the I/O bus (size splitting, unmapped ports, trap/trace bits), the memory
 * bus (RAM, ROM, split PAM-style targets, MMIO, A20, watched pages) and the virtual
 * clock (time from instruction counts, timer order, budgets, kicks). */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "bus/clock.h"
#include "bus/iobus.h"
#include "bus/membus.h"
#include "../test.h"

typedef struct Dev {
	u8 reg[8];
	int reads, writes, last_size;
} Dev;

static u32 dev_read(void *ctx, u16 port, int size)
{
	Dev *d = ctx;
	d->reads++;
	d->last_size = size;
	u32 v = 0;
	for (int i = 0; i < size; i++)
		v |= (u32)d->reg[(port + i) & 7] << (8 * i);
	return v;
}

static void dev_write(void *ctx, u16 port, u32 val, int size)
{
	Dev *d = ctx;
	d->writes++;
	d->last_size = size;
	for (int i = 0; i < size; i++)
		d->reg[(port + i) & 7] = (u8)(val >> (8 * i));
}

static const IoOps byte_ops = {dev_read, dev_write, 1, "byte"};
static const IoOps word_ops = {dev_read, dev_write, 1 | 2, "word"};

typedef struct Trace {
	int n;
	u16 port;
	bool write;
	u32 val;
} Trace;

static void trace_fn(void *ctx, u16 port, int size, bool write, u32 val)
{
	Trace *t = ctx;
	t->n++;
	t->port = port;
	t->write = write;
	t->val = val;
}

static void test_iobus(void)
{
	IoBus *bus = malloc(sizeof(*bus));
	io_init(bus);
	Dev a = {0}, b = {0};
	CHECK_EQ(io_map(bus, 0x60, 8, &byte_ops, &a), 0);
	CHECK_EQ(io_map(bus, 0x1F0, 8, &word_ops, &b), 0);
	CHECK_EQ(io_map(bus, 0x64, 1, &byte_ops, &b), VMCP_EEXIST);
	CHECK_EQ(io_map(bus, 0xFFFF, 2, &byte_ops, &b), VMCP_ERANGE);

	/* A word access to a byte-only device is split into two byte accesses. */
	io_write(bus, 0x60, 0xBEEF, 2);
	CHECK_EQ(a.writes, 2);
	CHECK_EQ(a.reg[0], 0xEF);
	CHECK_EQ(a.reg[1], 0xBE);
	CHECK_EQ(io_read(bus, 0x60, 2), 0xBEEF);
	CHECK_EQ(a.last_size, 1);

	/* A word device takes words whole; a dword is split into two words. */
	io_write(bus, 0x1F0, 0x12345678, 4);
	CHECK_EQ(b.writes, 2);
	CHECK_EQ(b.last_size, 2);
	CHECK_EQ(io_read(bus, 0x1F0, 4), 0x12345678);

	/* Unmapped ports read all ones, also in part of a wider access. */
	CHECK_EQ(io_read(bus, 0x300, 1), 0xFF);
	CHECK_EQ(io_read(bus, 0x300, 4), 0xFFFFFFFF);
	CHECK_EQ(io_read(bus, 0x67, 2), 0xFF00 | a.reg[7]);
	io_write(bus, 0x300, 1, 1); /* ignored, no crash */

	/* Trap bits. */
	CHECK(!io_trapped(bus, 0x1F0, 2), "no trap set");
	io_set_trap(bus, 0x1F1, 1, true);
	CHECK(io_trapped(bus, 0x1F0, 2), "word over a trapped port");
	CHECK(!io_trapped(bus, 0x1F2, 1), "other port");
	io_set_trap(bus, 0x1F1, 1, false);
	CHECK_EQ(bus->ntrap, 0);

	/* Trace sees value after the device. */
	Trace t = {0};
	io_set_trace_fn(bus, trace_fn, &t);
	io_set_trace(bus, 0x60, 1, true);
	io_write(bus, 0x60, 0x5A, 1);
	CHECK_EQ(t.n, 1);
	CHECK(t.write && t.port == 0x60 && t.val == 0x5A, "trace of write");
	CHECK_EQ(io_read(bus, 0x61, 1), 0xBE);
	CHECK_EQ(t.n, 1);
	free(bus);
}

static u32 mmio_last_addr;
static u32 mmio_read(void *ctx, u32 addr, int size)
{
	mmio_last_addr = addr;
	return 0x11223344u & (size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1);
}
static void mmio_write(void *ctx, u32 addr, u32 val, int size)
{
	mmio_last_addr = addr;
	*(u32 *)ctx = val;
}
static const MmioOps mops = {mmio_read, mmio_write, "test"};

static int changes, watched, watched2, others;
static void on_change(void *ctx) { changes++; }
static void on_watch(void *ctx, u32 pa, u32 len) { watched++; }
static void on_watch2(void *ctx, u32 pa, u32 len) { watched2++; }
static void on_other(void *ctx) { others++; }

static void test_membus(void)
{
	MemBus bus;
	CHECK_EQ(mem_init(&bus, 4 * MiB), 0);
	CHECK_EQ(mem_add_client(&bus, &(MemClient){.on_change = on_change}), 0);
	mem_write(&bus, 0x1000, 0xCAFEBABE, 4);
	CHECK_EQ(bus.ram[0x1000], 0xBE);
	CHECK_EQ(mem_read(&bus, 0x1000, 4), 0xCAFEBABE);
	/* Crossing a page boundary. */
	mem_write(&bus, 0x1FFE, 0xAABBCCDD, 4);
	CHECK_EQ(mem_read(&bus, 0x1FFE, 4), 0xAABBCCDD);
	/* Hole above RAM and the 640K-1M window read all ones. */
	CHECK_EQ(mem_read(&bus, 0x800000, 4), 0xFFFFFFFF);
	CHECK_EQ(mem_read(&bus, 0xC0000, 2), 0xFFFF);

	/* ROM ignores writes; split targets read one thing and write another. */
	static u8 rom[8192];
	memset(rom, 0x90, sizeof(rom));
	mem_map_rom(&bus, 0xFE000, 8192, rom);
	mem_write(&bus, 0xFE000, 0, 1);
	CHECK_EQ(mem_read(&bus, 0xFE000, 1), 0x90);
	mem_map_split(&bus, 0xFE000, 8192, rom, bus.ram + 0xFE000);
	mem_write(&bus, 0xFE010, 0x42, 1);
	CHECK_EQ(mem_read(&bus, 0xFE010, 1), 0x90);
	CHECK_EQ(bus.ram[0xFE010], 0x42);
	CHECK(changes >= 2, "listener told of map changes (%d)", changes);

	/* MMIO. */
	u32 cell = 0;
	CHECK_EQ(mem_map_mmio(&bus, 0xA0000, 0x20000, &mops, &cell), 0);
	CHECK_EQ(mem_read(&bus, 0xA0004, 2), 0x3344);
	CHECK_EQ(mmio_last_addr, 0xA0004);
	mem_write(&bus, 0xB8000, 0x0741, 2);
	CHECK_EQ(cell, 0x0741);

	/* A20: address 1M+x wraps to x when the gate is off. */
	mem_write(&bus, 0x100010, 0x77, 1);
	mem_write(&bus, 0x000010, 0x33, 1);
	int before = changes;
	mem_set_a20(&bus, false);
	CHECK_EQ(changes, before + 1);
	CHECK_EQ(mem_read(&bus, 0x100010, 1), 0x33);
	mem_set_a20(&bus, true);
	CHECK_EQ(mem_read(&bus, 0x100010, 1), 0x77);

	/* Watched pages report writes, block writes included, to each client watching. */
	int w1 = mem_add_client(&bus, &(MemClient){.on_watch = on_watch, .on_watch_other = on_other});
	int w2 = mem_add_client(&bus, &(MemClient){.on_watch = on_watch2, .on_watch_other = on_other});
	CHECK(w1 == 1 && w2 == 2, "client ids %d %d", w1, w2);
	mem_watch(&bus, w1, 0x3000, true);
	CHECK_EQ(others, 1); /* the other watching-capable client was told */
	CHECK(mem_page(&bus, 0x3000)->flags & MEM_F_WATCH, "watched");
	mem_write(&bus, 0x3004, 1, 1);
	u8 buf[16] = {0};
	mem_write_buf(&bus, 0x2FF8, buf, 16);
	CHECK_EQ(watched, 2);
	CHECK_EQ(watched2, 0);
	mem_watch(&bus, w2, 0x3000, true);
	CHECK_EQ(others, 1); /* already watched: nobody has a write pointer to it */
	mem_write(&bus, 0x3008, 1, 4);
	CHECK_EQ(watched, 3);
	CHECK_EQ(watched2, 1);
	mem_watch(&bus, w1, 0x3000, false);
	mem_write(&bus, 0x3008, 1, 4);
	CHECK_EQ(watched, 3);
	CHECK_EQ(watched2, 2);
	CHECK(mem_page(&bus, 0x3000)->flags & MEM_F_WATCH, "still watched by the second");
	mem_remove_client(&bus, w2);
	CHECK(!(mem_page(&bus, 0x3000)->flags & MEM_F_WATCH), "no watcher left");
	mem_write(&bus, 0x3008, 1, 4);
	CHECK_EQ(watched2, 2);
	CHECK_EQ(mem_add_client(&bus, &(MemClient){.ctx = &bus}), 2); /* the freed id */
	for (int i = 3; i < MEM_MAX_CLIENTS; i++)
		CHECK_EQ(mem_add_client(&bus, &(MemClient){.ctx = &bus}), i);
	CHECK_EQ(mem_add_client(&bus, &(MemClient){.ctx = &bus}), -1);
	/* a batch of map changes is one change */
	int before_batch = changes;
	mem_batch_begin(&bus);
	mem_unmap(&bus, 0xFE000, 4096);
	mem_batch_begin(&bus);
	mem_unmap(&bus, 0xFF000, 4096);
	mem_batch_end(&bus);
	CHECK_EQ(changes, before_batch);
	mem_batch_end(&bus);
	CHECK_EQ(changes, before_batch + 1);
	mem_read_buf(&bus, 0x1000, buf, 4);
	CHECK_EQ(get_le32(buf), 0xCAFEBABE);
	mem_free(&bus);
	CHECK_EQ(mem_init(&bus, 1000), VMCP_ERANGE);
}

static int fired[4];
static u64 fired_at[4];
static int order[8], norder;
static void tfn(void *ctx, u64 now)
{
	int i = (int)(intptr_t)ctx;
	fired[i]++;
	fired_at[i] = now;
	order[norder++] = i;
}
static int kicks;
static void kick(void *ctx) { kicks++; }

static void test_clock(void)
{
	Clock c;
	clock_init(&c, 5000); /* 5 ns per instruction */
	u64 icount = 0;
	clock_attach_icount(&c, &icount);
	c.kick = kick;
	Timer t0, t1, t2;
	timer_init(&t0, &c, tfn, (void *)0, "t0");
	timer_init(&t1, &c, tfn, (void *)1, "t1");
	timer_init(&t2, &c, tfn, (void *)2, "t2");
	timer_arm(&t1, 1000);
	timer_arm(&t0, 500);
	timer_arm(&t2, 2000);
	CHECK_EQ(clock_next_deadline(&c), 500);
	CHECK_EQ(clock_budget(&c, 1000000), 100); /* 500 ns / 5 ns */
	icount = 99;
	CHECK_EQ(clock_now(&c), 495);
	CHECK_EQ(clock_run_timers(&c), 0);
	icount = 200; /* 1000 ns */
	CHECK_EQ(clock_run_timers(&c), 2);
	CHECK(order[0] == 0 && order[1] == 1, "timers fire in deadline order");
	CHECK_EQ(fired_at[1], 1000);
	/* Arming earlier than the slice's deadline kicks the CPU. */
	CHECK_EQ(clock_budget(&c, 1000000), 200);
	kicks = 0;
	timer_arm(&t0, 1500);
	CHECK_EQ(kicks, 1);
	timer_arm(&t0, 1800); /* later than the new slice deadline: no kick */
	CHECK_EQ(kicks, 1);
	timer_cancel(&t0);
	CHECK(!timer_armed(&t0), "cancelled");
	/* With the CPU halted, time is moved forward directly. */
	clock_advance_to(&c, clock_next_deadline(&c));
	CHECK_EQ(clock_now(&c), 2000);
	CHECK_EQ(clock_run_timers(&c), 1);
	CHECK_EQ(fired[2], 1);
	CHECK_EQ(clock_next_deadline(&c), CLOCK_NEVER);
	icount += 10;
	CHECK_EQ(clock_now(&c), 2050);
	/* Stepping with no CPU: each timer runs at its own deadline on the way to t. */
	clock_attach_icount(&c, NULL);
	norder = 0;
	timer_arm(&t0, 3000);
	timer_arm(&t1, 2500);
	clock_run_to(&c, 4000);
	CHECK(norder == 2 && order[0] == 1 && order[1] == 0, "run_to: deadline order");
	CHECK_EQ(fired_at[1], 2500);
	CHECK_EQ(fired_at[0], 3000);
	CHECK_EQ(clock_now(&c), 4000);
	clock_run_to(&c, 3500); /* not later than now: nothing moves */
	CHECK_EQ(clock_now(&c), 4000);
}

int main(void)
{
	test_iobus();
	test_membus();
	test_clock();
	return test_summary();
}
