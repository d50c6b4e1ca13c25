/* idebench.h: the bench of the IDE tests (ide_test.c, atapi_test.c): the IDE model on a
 * real IoBus with both channels and the bus master mapped at the PC's ports, the virtual
 * clock stepped by hand, port helpers, a backend that can fail, and wait_ready.
 * Header-only: each program includes it once. */
#ifndef VMCP_TESTS_IDEBENCH_H
#define VMCP_TESTS_IDEBENCH_H

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "bus/clock.h"
#include "bus/iobus.h"
#include "bus/membus.h"
#include "dev/ide.h"
#include "vd/vd.h"
#include "../test.h"
#include "devtest.h"

#define P0 0x1F0
#define C0 0x3F6
#define P1 0x170
#define C1 0x376
#define BM 0xC000

/* A backend that can fail reads, writes or flushes, and counts flushes. */
typedef struct FailBackend {
	Backend b;
	Backend *inner;
	bool fail_read, fail_write, fail_flush;
	int flushes;
} FailBackend;

static int fb_pread(Backend *b, void *buf, size_t len, u64 off)
{
	FailBackend *f = (FailBackend *)b;
	return f->fail_read ? VMCP_EIO : backend_pread(f->inner, buf, len, off);
}
static int fb_pwrite(Backend *b, const void *buf, size_t len, u64 off)
{
	FailBackend *f = (FailBackend *)b;
	return f->fail_write ? VMCP_EIO : backend_pwrite(f->inner, buf, len, off);
}
static int fb_flush(Backend *b)
{
	FailBackend *f = (FailBackend *)b;
	f->flushes++;
	return f->fail_flush ? VMCP_EIO : 0;
}
static int fb_resize(Backend *b, u64 size) { return VMCP_EUNSUP; }
static void fb_close(Backend *b) {}
static const BackendOps fb_ops = {
	.pread = fb_pread, .pwrite = fb_pwrite, .flush = fb_flush, .resize = fb_resize, .close = fb_close};

static Clock clk;
static IoBus *io;
static MemBus mem;
static Ide ide;
static IrqRec irq14, irq15;

static u8 inb(u16 p) { return (u8)io_read(io, p, 1); }
static u16 inw(u16 p) { return (u16)io_read(io, p, 2); }
static u32 inl(u16 p) { return io_read(io, p, 4); }
static void outb(u16 p, u8 v) { io_write(io, p, v, 1); }
static void outw(u16 p, u16 v) { io_write(io, p, v, 2); }
static void outl(u16 p, u32 v) { io_write(io, p, v, 4); }

static void run_ns(u64 ns)
{
	clock_step(&clk, ns);
}

/* Steps time in 500 ns slices until BSY clears on the channel; returns the status
 * (read through Alternate Status, so the interrupt stays pending). */
static u8 wait_ready(u16 ctl)
{
	for (int i = 0; i < 1000; i++) {
		u8 st = inb(ctl);
		if (!(st & IDE_ST_BSY))
			return st;
		run_ns(500);
	}
	return 0xEE;
}

static void setup(void)
{
	clock_init(&clk, 1000);
	io_init(io);
	ide_init(&ide, &clk, &mem);
	irq_connect(&ide.chan[0].irq, irq_rec, &irq14, 14);
	irq_connect(&ide.chan[1].irq, irq_rec, &irq15, 15);
	irq14 = (IrqRec){0};
	irq15 = (IrqRec){0};
	CHECK_EQ(io_map(io, P0, 8, &ide_cmd_io_ops, &ide.chan[0]), 0);
	CHECK_EQ(io_map(io, C0, 1, &ide_ctl_io_ops, &ide.chan[0]), 0);
	CHECK_EQ(io_map(io, P1, 8, &ide_cmd_io_ops, &ide.chan[1]), 0);
	CHECK_EQ(io_map(io, C1, 1, &ide_ctl_io_ops, &ide.chan[1]), 0);
	CHECK_EQ(io_map(io, BM, 16, &ide_bm_io_ops, &ide), 0);
}

#endif
