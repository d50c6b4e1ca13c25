/* debug.h: byte-sink ports for firmware and test programs: the POST code port 80h and
 * the debug consoles (0x402, SeaBIOS's log under QEMU/Bochs; 0xE9, the Bochs "port E9
 * hack"). Each port is its own DebugPort; the board maps and names them:
 *   io_map(io, 0x80, 1, &debug_io_ops, &vm->post)       debug_init(.., DEBUG_POST, ..)
 *   io_map(io, 0x402, 1, &debug_io_ops, &vm->biosdbg)   debug_init(.., DEBUG_CONSOLE, ..)
 *   io_map(io, 0xE9, 1, &debug_io_ops, &vm->e9)         debug_init(.., DEBUG_CONSOLE, ..)
 * Every byte written goes to the host callback (the CP writes it to a file). Reads: the
 * POST port returns the last value written; a console returns 0xE9, the value SeaBIOS
 * and Bochs-aware programs read to detect the port before they log to it. */
#ifndef VMCP_DEV_DEBUG_H
#define VMCP_DEV_DEBUG_H

#include "base/base.h"
#include "bus/iobus.h"

typedef enum DebugKind { DEBUG_POST, DEBUG_CONSOLE } DebugKind;

typedef void (*DebugOutFn)(void *ctx, u16 port, u8 byte);

typedef struct DebugPort {
	DebugKind kind;
	u8 last;        /* last byte written */
	u64 count;      /* bytes written */
	DebugOutFn out; /* may be NULL: bytes are dropped */
	void *ctx;
} DebugPort;

/* Sets up a port of the given kind; out (may be NULL) gets each byte written. */
void debug_init(DebugPort *d, DebugKind kind, DebugOutFn out, void *ctx);

/* Power-on: the POST latch reads 00h again. The callback and count stay. */
void debug_reset(DebugPort *d);

extern const IoOps debug_io_ops;

#endif
