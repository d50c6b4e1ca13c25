/* pcitest.h: what the PCI function tests share (header-only; each test stays one .c
 * file): the buses a test board's functions sit on, and configuration cycles made the
 * guest's way, CONFADD at 0xCF8 then CONFDATA at 0xCFC + (offset & 3), so that every
 * access goes through the same I/O bus splitting and host bridge as a guest's. */
#ifndef VMCP_TESTS_PCITEST_H
#define VMCP_TESTS_PCITEST_H

#include <stdlib.h>

#include "bus/clock.h"
#include "bus/iobus.h"
#include "bus/membus.h"
#include "dev/pci.h"

/* Sets up an I/O bus (returned, malloc'd), ram bytes of memory, the clock clk (may be
 * NULL) at 1 ns per instruction and PCI bus 0 on them with its configuration ports
 * mapped. Aborts when the host cannot give the memory. */
static inline IoBus *pcitest_buses(MemBus *mem, u64 ram, Clock *clk, PciBus *pci)
{
	IoBus *io = malloc(sizeof(*io));
	if (!io || mem_init(mem, ram) < 0)
		abort();
	io_init(io);
	if (clk)
		clock_init(clk, 1000);
	pci_bus_init(pci, io, mem);
	if (io_map(io, 0xCF8, 8, &pci_host_io_ops, pci) < 0)
		abort();
	return io;
}

static inline u32 pcitest_addr(int dev, int fn, int off)
{
	return 0x80000000u | (u32)dev << 11 | (u32)fn << 8 | (u32)(off & 0xFC);
}

/* A configuration read of size bytes at offset off of function dev.fn (bus 0). */
static inline u32 pcitest_cfg_in(IoBus *io, int dev, int fn, int off, int size)
{
	io_write(io, 0xCF8, pcitest_addr(dev, fn, off), 4);
	return io_read(io, (u16)(0xCFC + (off & 3)), size);
}

/* A configuration write of size bytes at offset off of function dev.fn (bus 0). */
static inline void pcitest_cfg_out(IoBus *io, int dev, int fn, int off, u32 val, int size)
{
	io_write(io, 0xCF8, pcitest_addr(dev, fn, off), 4);
	io_write(io, (u16)(0xCFC + (off & 3)), val, size);
}

#endif
