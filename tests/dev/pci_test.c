/* pci_test.c: configuration mechanism #1 through ports 0xCF8/0xCFC on a real IoBus, with
 * the chipset functions of the board (i440FX 00:00.0, PIIX3 00:01.0 and 00:01.1, PIIX4
 * PM 00:01.3): IDs, class codes, header types, absent functions, a SeaBIOS-style bus
 * scan, BAR sizing with 0xFFFFFFFF, an I/O BAR moving its IoOps as the guest reprograms
 * it, memory and ROM BARs, command-register enables, write masks. */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "bus/clock.h"
#include "bus/iobus.h"
#include "bus/membus.h"
#include "dev/acpi.h"
#include "dev/i440fx.h"
#include "dev/pci.h"
#include "dev/piix3.h"
#include "../test.h"
#include "pcitest.h"

typedef struct Board {
	IoBus *io;
	MemBus mem;
	Clock clk;
	PciBus pci;
	I440fx hb;
	Piix3 isa;
	PiixIde ide;
	AcpiPm pm;
} Board;

static Board *board_new(void)
{
	Board *b = calloc(1, sizeof(*b));
	b->io = pcitest_buses(&b->mem, 4 * MiB, &b->clk, &b->pci);
	i440fx_init(&b->hb, &b->mem);
	piix3_init(&b->isa);
	piix_ide_init(&b->ide, b->io);
	acpi_init(&b->pm, &b->clk, b->io, false);
	pci_bus_set_other(&b->pci, &piix3_rc_io_ops, &b->isa);
	CHECK_EQ(pci_register(&b->pci, &b->hb.pci, PCI_DEVFN(0, 0)), 0);
	CHECK_EQ(pci_register(&b->pci, &b->isa.pci, PCI_DEVFN(1, 0)), 0);
	CHECK_EQ(pci_register(&b->pci, &b->ide.pci, PCI_DEVFN(1, 1)), 0);
	CHECK_EQ(pci_register(&b->pci, &b->pm.pci, PCI_DEVFN(1, 3)), 0);
	return b;
}

static void board_free(Board *b)
{
	mem_free(&b->mem);
	free(b->io);
	free(b);
}

/* The guest's way: CONFADD then CONFDATA at 0xCFC + (offset & 3). */
static u32 cfg_in(Board *b, int dev, int fn, int off, int size)
{
	return pcitest_cfg_in(b->io, dev, fn, off, size);
}

static void cfg_out(Board *b, int dev, int fn, int off, u32 val, int size)
{
	pcitest_cfg_out(b->io, dev, fn, off, val, size);
}

static void test_identity(void)
{
	Board *b = board_new();
	/* CONFADD reads back with its reserved bits clear, as SeaBIOS's probe expects. */
	io_write(b->io, 0xCF8, 0x80000000u, 4);
	CHECK_EQ(io_read(b->io, 0xCF8, 4), 0x80000000u);
	io_write(b->io, 0xCF8, 0xFFFFFFFFu, 4);
	CHECK_EQ(io_read(b->io, 0xCF8, 4), 0x80FFFFFCu);

	/* 00:00.0 i440FX PMC */
	CHECK_EQ(cfg_in(b, 0, 0, 0x00, 4), 0x12378086u);
	CHECK_EQ(cfg_in(b, 0, 0, 0x08, 4), 0x06000002u); /* class 060000, rev 02 */
	CHECK_EQ(cfg_in(b, 0, 0, 0x0E, 1), 0x00);
	CHECK_EQ(cfg_in(b, 0, 0, 0x2C, 4), 0); /* subsystem 0: SeaBIOS won't think it is QEMU */
	CHECK_EQ(cfg_in(b, 0, 0, 0x04, 2), 0x0006);
	CHECK_EQ(cfg_in(b, 0, 0, 0x72, 1), 0x02); /* SMRAM C_BASE_SEG */
	/* 00:01.0 PIIX3 ISA: multifunction */
	CHECK_EQ(cfg_in(b, 1, 0, 0x00, 2), 0x8086);
	CHECK_EQ(cfg_in(b, 1, 0, 0x02, 2), 0x7000);
	CHECK_EQ(cfg_in(b, 1, 0, 0x0A, 2), 0x0601);
	CHECK_EQ(cfg_in(b, 1, 0, 0x0E, 1), 0x80);
	CHECK_EQ(cfg_in(b, 1, 0, 0x60, 4), 0x80808080u);
	CHECK_EQ(cfg_in(b, 1, 0, 0x4C, 1), 0x4D);
	CHECK_EQ(cfg_in(b, 1, 0, 0x69, 1), 0x02);
	/* 00:01.1 PIIX3 IDE */
	CHECK_EQ(cfg_in(b, 1, 1, 0x00, 4), 0x70108086u);
	CHECK_EQ(cfg_in(b, 1, 1, 0x08, 4), 0x01018000u); /* IDE, prog-if 80 */
	CHECK_EQ(cfg_in(b, 1, 1, 0x0E, 1), 0x00);
	CHECK_EQ(cfg_in(b, 1, 1, 0x20, 4), 0x00000001u); /* BMIBA: I/O */
	CHECK_EQ(cfg_in(b, 1, 1, 0x3D, 1), 0); /* no INTx: compatibility IRQ 14/15 */
	/* 00:01.3 PIIX4 PM */
	CHECK_EQ(cfg_in(b, 1, 3, 0x00, 4), 0x71138086u);
	CHECK_EQ(cfg_in(b, 1, 3, 0x08, 4), 0x06800003u); /* rev 3: no PM-timer erratum */
	CHECK_EQ(cfg_in(b, 1, 3, 0x3D, 1), 1);
	CHECK_EQ(cfg_in(b, 1, 3, 0x40, 4), 1);
	CHECK_EQ(cfg_in(b, 1, 3, 0x90, 4), 1);

	/* Absent functions and devices: master abort, all ones of the access size. */
	CHECK_EQ(cfg_in(b, 1, 2, 0x00, 2), 0xFFFF);
	CHECK_EQ(cfg_in(b, 2, 0, 0x00, 4), 0xFFFFFFFFu);
	CHECK_EQ(cfg_in(b, 31, 7, 0x0E, 1), 0xFF);
	io_write(b->io, 0xCF8, 0x80010000u, 4); /* bus 1: no bridge, nothing there */
	CHECK_EQ(io_read(b->io, 0xCFC, 4), 0xFFFFFFFFu);
	/* CONFADD disabled: CONFDATA is not claimed. */
	io_write(b->io, 0xCF8, 0x00000000u, 4);
	CHECK_EQ(io_read(b->io, 0xCFC, 4), 0xFFFFFFFFu);
	io_write(b->io, 0xCF8, 0x00000000u, 4);
	io_write(b->io, 0xCFC, 0, 4); /* ignored */
	CHECK_EQ(cfg_in(b, 0, 0, 0x00, 2), 0x8086);

	/* Byte and word accesses at every lane of CONFDATA. */
	CHECK_EQ(cfg_in(b, 0, 0, 0x01, 1), 0x80);
	CHECK_EQ(cfg_in(b, 0, 0, 0x02, 1), 0x37);
	CHECK_EQ(cfg_in(b, 0, 0, 0x03, 1), 0x12);
	CHECK_EQ(cfg_in(b, 0, 0, 0x02, 2), 0x1237);
	/* A word at 0xCFF spans past CONFDATA: low byte from 0xCFF, high from 0xD00. */
	io_write(b->io, 0xCF8, pcitest_addr(0, 0, 0), 4);
	CHECK_EQ(io_read(b->io, 0xCFF, 2), 0xFF12);
	board_free(b);
}

/* SeaBIOS's pci_next(): function 0's header type bit 7 decides whether functions 1-7
 * are scanned; an absent vendor is 0xFFFF. */
static void test_scan(void)
{
	Board *b = board_new();
	u32 found[16];
	int n = 0;
	for (int dev = 0; dev < 32; dev++) {
		for (int fn = 0; fn < 8; fn++) {
			u16 v = (u16)cfg_in(b, dev, fn, 0, 2);
			if (v != 0xFFFF && n < 16)
				found[n++] = (u32)dev << 3 | (u32)fn;
			if (fn == 0 && (v == 0xFFFF || !(cfg_in(b, dev, 0, 0x0E, 1) & 0x80)))
				break;
		}
	}
	CHECK_EQ(n, 4);
	CHECK_EQ(found[0], PCI_DEVFN(0, 0));
	CHECK_EQ(found[1], PCI_DEVFN(1, 0));
	CHECK_EQ(found[2], PCI_DEVFN(1, 1));
	CHECK_EQ(found[3], PCI_DEVFN(1, 3));
	board_free(b);
}

typedef struct Regs {
	u8 r[16];
	u16 last_port;
} Regs;

static u32 regs_read(void *ctx, u16 port, int size)
{
	Regs *r = ctx;
	r->last_port = port;
	return r->r[port & 15];
}

static void regs_write(void *ctx, u16 port, u32 val, int size)
{
	Regs *r = ctx;
	r->last_port = port;
	r->r[port & 15] = (u8)val;
}

static const IoOps regs_ops = {regs_read, regs_write, 1, "regs"};

static void test_io_bar(void)
{
	Board *b = board_new();
	Regs bm = {{0}, 0};
	for (int i = 0; i < 16; i++)
		bm.r[i] = (u8)(0xA0 + i);
	piix_ide_attach_bm(&b->ide, &regs_ops, &bm);

	/* Sizing the way SeaBIOS does: save, write all ones, read, restore. */
	u32 old = cfg_in(b, 1, 1, 0x20, 4);
	cfg_out(b, 1, 1, 0x20, 0xFFFFFFFFu, 4);
	u32 sz = cfg_in(b, 1, 1, 0x20, 4);
	cfg_out(b, 1, 1, 0x20, old, 4);
	CHECK_EQ(sz, 0xFFFFFFF1u);
	CHECK_EQ(((~(sz & ~3u)) + 1), 16);
	CHECK_EQ(cfg_in(b, 1, 1, 0x20, 4), 1);
	/* Other BARs are not implemented: sizing reads 0. */
	cfg_out(b, 1, 1, 0x10, 0xFFFFFFFFu, 4);
	CHECK_EQ(cfg_in(b, 1, 1, 0x10, 4), 0);

	/* Programmed but I/O space disabled: not decoded. */
	cfg_out(b, 1, 1, 0x20, 0xC001, 4);
	CHECK_EQ(cfg_in(b, 1, 1, 0x20, 4), 0xC001u);
	CHECK_EQ(io_read(b->io, 0xC002, 1), 0xFF);
	/* Enable I/O: the board's ops answer at 0xC000-0xC00F. */
	cfg_out(b, 1, 1, 0x04, PCI_COMMAND_IO, 2);
	CHECK_EQ(io_read(b->io, 0xC002, 1), 0xA2);
	CHECK_EQ(io_read(b->io, 0xC00F, 1), 0xAF);
	CHECK_EQ(io_read(b->io, 0xC010, 1), 0xFF);
	io_write(b->io, 0xC008, 0x5A, 1);
	CHECK_EQ(bm.r[8], 0x5A);
	/* Move it: the old range goes quiet, the new one answers. */
	cfg_out(b, 1, 1, 0x20, 0xD041, 4); /* low bits beyond the size are ignored */
	CHECK_EQ(cfg_in(b, 1, 1, 0x20, 4), 0xD041u);
	CHECK_EQ(io_read(b->io, 0xC002, 1), 0xFF);
	CHECK_EQ(io_read(b->io, 0xD048, 1), 0x5A);
	CHECK_EQ(bm.last_port, 0xD048);
	/* Disable I/O again: gone. */
	cfg_out(b, 1, 1, 0x04, 0, 2);
	CHECK_EQ(io_read(b->io, 0xD048, 1), 0xFF);
	/* A BAR over ports someone else owns stays unmapped (no clobbering). */
	cfg_out(b, 1, 1, 0x20, 0x0CF1, 4); /* 0xCF0-0xCFF: the PCI host's ports */
	cfg_out(b, 1, 1, 0x04, PCI_COMMAND_IO, 2);
	CHECK_EQ(cfg_in(b, 0, 0, 0x00, 4), 0x12378086u);
	cfg_out(b, 1, 1, 0x20, 0xE001, 4);
	CHECK_EQ(io_read(b->io, 0xE008, 1), 0x5A);
	CHECK_EQ(cfg_in(b, 0, 0, 0x00, 4), 0x12378086u);
	/* Reset: back to unprogrammed and unmapped. */
	piix_ide_reset(&b->ide);
	CHECK_EQ(cfg_in(b, 1, 1, 0x20, 4), 1);
	CHECK_EQ(io_read(b->io, 0xE008, 1), 0xFF);
	board_free(b);
}

typedef struct Mmio {
	u32 last_addr;
	u32 last_val;
} Mmio;

static u32 mmio_read(void *ctx, u32 addr, int size)
{
	Mmio *m = ctx;
	m->last_addr = addr;
	return 0xC0DE0000u | (addr & 0xFFF);
}

static void mmio_write(void *ctx, u32 addr, u32 val, int size)
{
	Mmio *m = ctx;
	m->last_addr = addr;
	m->last_val = val;
}

static const MmioOps mmio_ops = {mmio_read, mmio_write, "test-mmio"};

static void test_mem_and_rom_bars(void)
{
	Board *b = board_new();
	PciDev dev;
	Mmio m = {0, 0};
	pci_dev_init(&dev, "test", 0x1234, 0x5678, 0x01, 0x030000, 0x00);
	pci_dev_set_bar_mem(&dev, 0, 64 * KiB, true, &mmio_ops, &m);
	u8 image[5000];
	for (unsigned i = 0; i < sizeof(image); i++)
		image[i] = (u8)(i * 7);
	CHECK_EQ(pci_dev_set_rom(&dev, image, sizeof(image)), 0);
	CHECK_EQ(pci_register(&b->pci, &dev, PCI_DEVFN(2, 0)), 0);
	CHECK_EQ(pci_register(&b->pci, &dev, PCI_DEVFN(2, 0)), VMCP_EEXIST);

	CHECK_EQ(cfg_in(b, 2, 0, 0x10, 4), 0x8); /* prefetchable, 32-bit */
	cfg_out(b, 2, 0, 0x10, 0xFFFFFFFFu, 4);
	CHECK_EQ(cfg_in(b, 2, 0, 0x10, 4), 0xFFFF0008u);
	cfg_out(b, 2, 0, 0x30, 0xFFFFFFFEu, 4); /* SeaBIOS sizes the ROM with ~enable */
	CHECK_EQ(cfg_in(b, 2, 0, 0x30, 4), 0xFFFFE000u); /* 8 KiB: 5000 rounded up */

	cfg_out(b, 2, 0, 0x10, 0xE0000000u, 4);
	cfg_out(b, 2, 0, 0x30, 0xE0100000u, 4); /* decode enable bit still clear */
	CHECK_EQ(mem_read(&b->mem, 0xE0000010, 4), 0xFFFFFFFFu);
	cfg_out(b, 2, 0, 0x04, PCI_COMMAND_MEMORY, 2);
	CHECK_EQ(mem_read(&b->mem, 0xE0000010, 4), 0xC0DE0010u);
	mem_write(&b->mem, 0xE000FFF0, 0x55, 1);
	CHECK_EQ(m.last_addr, 0xE000FFF0u);
	CHECK_EQ(m.last_val, 0x55);
	CHECK_EQ(mem_read(&b->mem, 0xE0100000, 1), 0xFF); /* ROM not enabled */
	cfg_out(b, 2, 0, 0x30, 0xE0100001u, 4);
	CHECK_EQ(mem_read(&b->mem, 0xE0100000 + 100, 1), (u8)(100 * 7));
	CHECK_EQ(mem_read(&b->mem, 0xE0100000 + 4999, 1), (u8)(4999 * 7));
	CHECK_EQ(mem_read(&b->mem, 0xE0100000 + 5000, 1), 0xFF); /* padding */
	mem_write(&b->mem, 0xE0100000 + 100, 0, 1); /* ROM: write lost */
	CHECK_EQ(mem_read(&b->mem, 0xE0100000 + 100, 1), (u8)(100 * 7));
	/* Move the memory BAR; a BAR over RAM is not mapped and RAM stays. */
	cfg_out(b, 2, 0, 0x10, 0xF0000000u, 4);
	CHECK_EQ(mem_read(&b->mem, 0xE0000010, 4), 0xFFFFFFFFu);
	CHECK_EQ(mem_read(&b->mem, 0xF0000020, 4), 0xC0DE0020u);
	mem_write(&b->mem, 0x200000, 0x12345678, 4);
	cfg_out(b, 2, 0, 0x10, 0x00200000u, 4);
	CHECK_EQ(mem_read(&b->mem, 0x200000, 4), 0x12345678u);
	CHECK_EQ(mem_read(&b->mem, 0xF0000020, 4), 0xFFFFFFFFu);
	/* Memory space off: both gone. */
	cfg_out(b, 2, 0, 0x10, 0xF0000000u, 4);
	cfg_out(b, 2, 0, 0x04, 0, 2);
	CHECK_EQ(mem_read(&b->mem, 0xF0000020, 4), 0xFFFFFFFFu);
	CHECK_EQ(mem_read(&b->mem, 0xE0100000 + 100, 1), 0xFF);
	pci_dev_free(&dev);
	board_free(b);
}

static void test_masks(void)
{
	Board *b = board_new();
	/* Read-only IDs and class. */
	cfg_out(b, 1, 0, 0x00, 0, 4);
	cfg_out(b, 1, 0, 0x08, 0, 4);
	CHECK_EQ(cfg_in(b, 1, 0, 0x00, 4), 0x70008086u);
	CHECK_EQ(cfg_in(b, 1, 0, 0x08, 4), 0x06010000u);
	/* Interrupt line writable on the PM function (SeaBIOS writes 9), pin read-only. */
	cfg_out(b, 1, 3, 0x3C, 0x0109, 2);
	CHECK_EQ(cfg_in(b, 1, 3, 0x3C, 2), 0x0109);
	cfg_out(b, 1, 3, 0x3C, 0x0409, 2);
	CHECK_EQ(cfg_in(b, 1, 3, 0x3D, 1), 1);
	/* Status: error bits write-one-to-clear, the rest read-only. */
	b->isa.pci.cfg[PCI_STATUS + 1] |= 0x30; /* received target/master abort */
	cfg_out(b, 1, 0, 0x06, 0x1000, 2);
	CHECK_EQ(cfg_in(b, 1, 0, 0x06, 2), 0x2200);
	cfg_out(b, 1, 0, 0x06, 0xFFFF, 2);
	CHECK_EQ(cfg_in(b, 1, 0, 0x06, 2), 0x0200);
	/* PIIX3 PCICMD: I/O, memory and bus master read as hardwired 1. */
	cfg_out(b, 1, 0, 0x04, 0, 2);
	CHECK_EQ(cfg_in(b, 1, 0, 0x04, 2), 0x0007);
	/* Host side accessors see the same thing. */
	CHECK_EQ(pci_cfg_read(&b->pci, PCI_BDF(0, 1, 0), 0x02, 2), 0x7000);
	pci_cfg_write(&b->pci, PCI_BDF(0, 1, 1), 0x40, 0x8000, 2);
	CHECK_EQ(cfg_in(b, 1, 1, 0x40, 2), 0x8000);
	CHECK_EQ(pci_cfg_read(&b->pci, PCI_BDF(1, 0, 0), 0x00, 4), 0xFFFFFFFFu);
	board_free(b);
}

int main(void)
{
	test_identity();
	test_scan();
	test_io_bar();
	test_mem_and_rom_bars();
	test_masks();
	return test_summary();
}
