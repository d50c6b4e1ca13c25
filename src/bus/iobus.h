/* iobus.h: the I/O bus, a 64K-port table of device callbacks.
 *
 * A device maps a range of ports with an IoOps (read/write functions and the access
 * sizes it accepts) and a context pointer. io_read/io_write split an access of another
 * size, or one that spans two devices, into smaller ones. An unmapped port reads all
 * ones (as on an ISA bus with nothing driving it) and ignores writes; each such port is
 * logged once.
 *
 * Tracing and trapping hook in here, never in device code:
 *  - a trace callback sees every access to the ports marked with io_set_trace(), after
 *    the device has answered (value read or written);
 *  - the trap bitmap (io_set_trap) marks ports whose accesses the CPU must hand to the CP
 *    *before* the device sees them: the CPU's trap path checks io_trapped() and leaves
 *    cpu_run with CPU_EXIT_IO (see cpu.h). */
#ifndef VMCP_BUS_IOBUS_H
#define VMCP_BUS_IOBUS_H

#include "base/base.h"
#include "base/hostmem.h"

#define IO_PORTS 65536u

typedef u32 (*IoReadFn)(void *ctx, u16 port, int size);
typedef void (*IoWriteFn)(void *ctx, u16 port, u32 val, int size);

typedef struct IoOps {
	IoReadFn read;   /* NULL: reads return all ones */
	IoWriteFn write; /* NULL: writes are ignored */
	u8 sizes;        /* accepted sizes, a mask of 1, 2, 4; 0 means 1 only */
	const char *name;
} IoOps;

typedef struct IoPort {
	const IoOps *ops;
	void *ctx;
} IoPort;

typedef void (*IoTraceFn)(void *ctx, u16 port, int size, bool write, u32 val);

typedef struct IoBus {
	IoPort port[IO_PORTS];
	u8 logged[IO_PORTS / 8]; /* unmapped ports already reported */
	u8 trap[IO_PORTS / 8];   /* ports the CPU hands to the CP before the device */
	u8 trace[IO_PORTS / 8];  /* ports whose accesses go to trace_fn */
	u32 ntrap, ntrace;       /* how many bits are set, for fast "none" checks */
	IoTraceFn trace_fn;
	void *trace_ctx;
	unsigned long long table_dirty[HOSTMEM_PARTS(IO_PORTS * sizeof(IoPort))]; /* parts of port[] written (hostmem_mark) */
} IoBus;

/* Clears the table (every port unmapped). The IoBus is large (about 1 MiB): allocate it. */
void io_init(IoBus *bus);
/* Clears what was written since io_init (or since the bus was allocated zeroed): the
 * bus is all zero again, at the cost of the parts of the table that were used (a
 * machine's bus goes back to hostmem clean, src/base/hostmem.h). */
void io_clear(IoBus *bus);

/* Maps ports [base, base+count) to ops/ctx. Fails with VMCP_EEXIST if any port of the
 * range is already mapped (the board file's wiring is wrong), VMCP_ERANGE past 0xFFFF. */
int io_map(IoBus *bus, u16 base, u32 count, const IoOps *ops, void *ctx);
/* Unmaps ports [base, base+count) (the part below 0x10000). */
void io_unmap(IoBus *bus, u16 base, u32 count);

/* An access from the CPU or a DMA engine. size is 1, 2 or 4. */
u32 io_read(IoBus *bus, u16 port, int size);
void io_write(IoBus *bus, u16 port, u32 val, int size);

/* Marks (on) or clears ports [base, base+count) for the CPU to hand to the CP. */
void io_set_trap(IoBus *bus, u16 base, u32 count, bool on);
/* Marks (on) or clears ports [base, base+count) for the trace callback. */
void io_set_trace(IoBus *bus, u16 base, u32 count, bool on);
/* The trace callback (NULL: none), called after the device answered. */
void io_set_trace_fn(IoBus *bus, IoTraceFn fn, void *ctx);

static inline bool io_bit(const u8 *map, u32 port)
{
	return map[(port & 0xFFFF) >> 3] >> (port & 7) & 1;
}

/* True if an access of size bytes at port touches a trapped port. */
static inline bool io_trapped(const IoBus *bus, u16 port, int size)
{
	if (likely(bus->ntrap == 0))
		return false;
	for (int i = 0; i < size; i++)
		if (io_bit(bus->trap, (u32)port + i))
			return true;
	return false;
}

#endif
