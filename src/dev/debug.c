/* debug.c: POST code and debug console ports as host byte sinks.
 *
 * Reference: the PC's POST diagnostic port 80h (a latch on POST cards; reads return the
 * last write on chipsets that decode it); Bochs's port E9h hack and QEMU's isa-debugcon,
 * whose reads return 0xE9 (SeaBIOS checks this value at 0x402 before logging).
 * Each is an 8-bit port: of a word write the I/O bus hands this port the low byte and
 * the next port the high one. */
#include "dev/debug.h"

void debug_init(DebugPort *d, DebugKind kind, DebugOutFn out, void *ctx)
{
	*d = (DebugPort){.kind = kind, .out = out, .ctx = ctx};
}

void debug_reset(DebugPort *d)
{
	d->last = 0;
}

static u32 debug_read(void *ctx, u16 port, int size)
{
	DebugPort *d = ctx;
	return d->kind == DEBUG_POST ? d->last : 0xE9;
}

static void debug_write(void *ctx, u16 port, u32 val, int size)
{
	DebugPort *d = ctx;
	d->last = (u8)val;
	d->count++;
	if (d->out)
		d->out(d->ctx, port, (u8)val);
}

const IoOps debug_io_ops = {debug_read, debug_write, 1, "debug"};
