/* piix3_test.c: the PIIX3's reset control register at 0xCF9 (reached through the PCI
 * host's ports as on the board: byte accesses, not CONFADD), PIRQ routing of PCI
 * interrupt lines to ISA IRQ outputs (SeaBIOS's 10/10/11/11 programming, sharing,
 * disabling, reserved IRQs), and the IDE function's legacy decode following IDETIM and
 * PCICMD. */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "bus/iobus.h"
#include "bus/membus.h"
#include "dev/pci.h"
#include "dev/piix3.h"
#include "../test.h"
#include "pcitest.h"

typedef struct Board {
	IoBus *io;
	MemBus mem;
	PciBus pci;
	Piix3 isa;
	PiixIde ide;
	int sys_resets, cpu_resets;
	int irq_level[16], irq_edges[16];
} Board;

static void on_reset(void *ctx, int n, int level)
{
	Board *b = ctx;
	if (level)
		*(n ? &b->sys_resets : &b->cpu_resets) += 1;
}

static void on_irq(void *ctx, int n, int level)
{
	Board *b = ctx;
	if (level && !b->irq_level[n])
		b->irq_edges[n]++;
	b->irq_level[n] = level;
}

static Board *board_new(void)
{
	Board *b = calloc(1, sizeof(*b));
	b->io = pcitest_buses(&b->mem, 2 * MiB, NULL, &b->pci);
	piix3_init(&b->isa);
	piix_ide_init(&b->ide, b->io);
	pci_bus_set_other(&b->pci, &piix3_rc_io_ops, &b->isa);
	irq_connect(&b->isa.sys_reset, on_reset, b, 1);
	irq_connect(&b->isa.cpu_reset, on_reset, b, 0);
	for (int i = 0; i < 16; i++)
		irq_connect(&b->isa.irq[i], on_irq, b, i);
	pci_register(&b->pci, &b->isa.pci, PCI_DEVFN(1, 0));
	pci_register(&b->pci, &b->ide.pci, PCI_DEVFN(1, 1));
	return b;
}

static void board_free(Board *b)
{
	mem_free(&b->mem);
	free(b->io);
	free(b);
}

/* Configuration cycles to function fn of the PIIX3, 00:01.fn. */
static void cfg_out(Board *b, int fn, int off, u32 val, int size)
{
	pcitest_cfg_out(b->io, 1, fn, off, val, size);
}

static u32 cfg_in(Board *b, int fn, int off, int size)
{
	return pcitest_cfg_in(b->io, 1, fn, off, size);
}

static void test_reset_control(void)
{
	Board *b = board_new();
	io_write(b->io, 0xCF8, 0x80000000u, 4); /* CONFADD set: 0xCF9 is still RC */
	CHECK_EQ(io_read(b->io, 0xCF9, 1), 0x00);
	/* SeaBIOS and Linux (reboot=pci): 0x02 then 0x06 -> one hard reset. */
	io_write(b->io, 0xCF9, 0x02, 1);
	CHECK_EQ(b->sys_resets + b->cpu_resets, 0);
	CHECK_EQ(io_read(b->io, 0xCF9, 1), 0x02);
	io_write(b->io, 0xCF9, 0x06, 1);
	CHECK_EQ(b->sys_resets, 1);
	CHECK_EQ(b->cpu_resets, 0);
	CHECK_EQ(io_read(b->io, 0xCF8, 4), 0x80000000u); /* CONFADD untouched */
	/* RCPU already set: writing it again is not a transition. */
	io_write(b->io, 0xCF9, 0x06, 1);
	CHECK_EQ(b->sys_resets, 1);
	/* The board resets the chip on a hard reset: RC clears. */
	piix3_reset(&b->isa);
	CHECK_EQ(io_read(b->io, 0xCF9, 1), 0x00);
	/* Soft reset: RCPU alone. */
	io_write(b->io, 0xCF9, 0x04, 1);
	CHECK_EQ(b->cpu_resets, 1);
	CHECK_EQ(b->sys_resets, 1);
	/* Reserved bits read 0. */
	io_write(b->io, 0xCF9, 0xF9, 1);
	CHECK_EQ(io_read(b->io, 0xCF9, 1), 0x00);
	/* A dword at 0xCF8 is CONFADD, never RC. */
	io_write(b->io, 0xCF8, 0x80000604u, 4);
	CHECK_EQ(b->cpu_resets + b->sys_resets, 2);
	/* An unaligned dword at 0xCF9: RC gets its byte, CONFDATA byte 0 the last one (the
	 * CPU splits it into two cycles), CONFADD is not touched. */
	io_write(b->io, 0xCF8, 0x80000960u, 4); /* 00:01.1 register 0x60: nothing there */
	piix3_reset(&b->isa);
	io_write(b->io, 0xCF9, 0x55000004u, 4);
	CHECK_EQ(b->cpu_resets, 2);
	CHECK_EQ(io_read(b->io, 0xCF8, 4), 0x80000960u);
	CHECK_EQ(io_read(b->io, 0xCF9, 4), 0x00FFFF04u); /* RC, -, -, CONFDATA (0) */
	/* Other bytes of 0xCF8-0xCFB are not claimed. */
	CHECK_EQ(io_read(b->io, 0xCFA, 1), 0xFF);
	CHECK_EQ(io_read(b->io, 0xCF8, 2), 0x04FF); /* 0xCF8 nothing, 0xCF9 = RC */
	board_free(b);
}

static void test_pirq(void)
{
	Board *b = board_new();
	IrqLine inta, intb2, intc;
	irq_connect(&inta, piix3_set_pirq, &b->isa, PIIX3_PIRQ_SRC(0, 0));
	irq_connect(&intb2, piix3_set_pirq, &b->isa, PIIX3_PIRQ_SRC(0, 1)); /* shares A */
	irq_connect(&intc, piix3_set_pirq, &b->isa, PIIX3_PIRQ_SRC(2, 0));

	/* Power-on: routing disabled, nothing reaches the ISA side. */
	CHECK_EQ(piix3_pirq_route(&b->isa, 0), -1);
	irq_set(&inta, 1);
	for (int i = 0; i < 16; i++)
		CHECK_EQ(b->irq_level[i], 0);
	/* SeaBIOS's piix_isa_bridge_setup: A,B -> 10, C,D -> 11. The asserted PIRQA shows
	 * up on IRQ 10 as soon as it is routed. */
	cfg_out(b, 0, 0x60, 10, 1);
	cfg_out(b, 0, 0x61, 10, 1);
	cfg_out(b, 0, 0x62, 11, 1);
	cfg_out(b, 0, 0x63, 11, 1);
	CHECK_EQ(cfg_in(b, 0, 0x60, 4), 0x0B0B0A0Au);
	CHECK_EQ(piix3_pirq_route(&b->isa, 2), 11);
	CHECK_EQ(b->irq_level[10], 1);
	CHECK_EQ(b->irq_edges[10], 1);
	/* Wired OR: a second source on PIRQA; IRQ 10 drops only when both let go. */
	irq_set(&intb2, 1);
	irq_set(&inta, 0);
	CHECK_EQ(b->irq_level[10], 1);
	irq_set(&intb2, 0);
	CHECK_EQ(b->irq_level[10], 0);
	/* PIRQC on IRQ 11. */
	irq_set(&intc, 1);
	CHECK_EQ(b->irq_level[11], 1);
	CHECK_EQ(b->irq_level[10], 0);
	/* Re-route C to 5 while asserted: 11 drops, 5 rises. */
	cfg_out(b, 0, 0x62, 5, 1);
	CHECK_EQ(b->irq_level[11], 0);
	CHECK_EQ(b->irq_level[5], 1);
	/* Disable (bit 7): off. Reserved targets (0-2, 8, 13) route nowhere. */
	cfg_out(b, 0, 0x62, 0x85, 1);
	CHECK_EQ(b->irq_level[5], 0);
	CHECK_EQ(cfg_in(b, 0, 0x62, 1), 0x85);
	cfg_out(b, 0, 0x62, 8, 1);
	CHECK_EQ(piix3_pirq_route(&b->isa, 2), -1);
	CHECK_EQ(b->irq_level[8], 0);
	cfg_out(b, 0, 0x62, 0x7E, 1); /* bits 6:4 reserved */
	CHECK_EQ(cfg_in(b, 0, 0x62, 1), 0x0E);
	CHECK_EQ(b->irq_level[14], 1);
	/* Reset: routing off, the line drops. */
	piix3_reset(&b->isa);
	CHECK_EQ(b->irq_level[14], 0);
	CHECK_EQ(cfg_in(b, 0, 0x60, 4), 0x80808080u);
	/* TOM and XBCS keep what is written within their masks. */
	cfg_out(b, 0, 0x69, 0xFF, 1);
	CHECK_EQ(cfg_in(b, 0, 0x69, 1), 0xFE);
	board_free(b);
}

static u32 port_read(void *ctx, u16 port, int size)
{
	return *(u8 *)ctx;
}

static const IoOps cmd_ops = {port_read, NULL, 1, "ide-cmd"};
static const IoOps ctl_ops = {port_read, NULL, 1, "ide-ctl"};

static void test_ide_legacy(void)
{
	Board *b = board_new();
	u8 c0 = 0x50, k0 = 0x51, c1 = 0x60, k1 = 0x61;
	CHECK_EQ(piix_ide_attach_legacy(&b->ide, 0, &cmd_ops, &c0, &ctl_ops, &k0), 0);
	CHECK_EQ(piix_ide_attach_legacy(&b->ide, 1, &cmd_ops, &c1, &ctl_ops, &k1), 0);
	CHECK_EQ(piix_ide_attach_legacy(&b->ide, 2, &cmd_ops, &c1, &ctl_ops, &k1), VMCP_EINVAL);
	/* Power-on: IDETIM.IDE clear, no decode. */
	CHECK_EQ(io_read(b->io, 0x1F7, 1), 0xFF);
	CHECK_EQ(io_read(b->io, 0x3F6, 1), 0xFF);
	/* SeaBIOS's piix_ide_setup writes 0x8000 to 0x40 and 0x42; pciinit then enables
	 * I/O space. Only both together decode. */
	cfg_out(b, 1, 0x40, 0x8000, 2);
	cfg_out(b, 1, 0x42, 0x8000, 2);
	CHECK_EQ(io_read(b->io, 0x1F7, 1), 0xFF);
	cfg_out(b, 1, 0x04, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_SERR, 2);
	CHECK_EQ(cfg_in(b, 1, 0x04, 2), PCI_COMMAND_IO); /* memory/SERR not implemented */
	CHECK_EQ(io_read(b->io, 0x1F0, 1), 0x50);
	CHECK_EQ(io_read(b->io, 0x1F7, 1), 0x50);
	CHECK_EQ(io_read(b->io, 0x3F6, 1), 0x51);
	CHECK_EQ(io_read(b->io, 0x3F7, 1), 0xFF); /* the floppy's DIR port, not ours */
	CHECK_EQ(io_read(b->io, 0x177, 1), 0x60);
	CHECK_EQ(io_read(b->io, 0x376, 1), 0x61);
	/* Secondary off. */
	cfg_out(b, 1, 0x42, 0x0000, 2);
	CHECK_EQ(io_read(b->io, 0x170, 1), 0xFF);
	CHECK_EQ(io_read(b->io, 0x1F0, 1), 0x50);
	/* IDETIM's reserved bits 11:10 read 0. */
	cfg_out(b, 1, 0x40, 0xFFFF, 2);
	CHECK_EQ(cfg_in(b, 1, 0x40, 2), 0xF3FF);
	/* Reset: decode off. */
	piix_ide_reset(&b->ide);
	CHECK_EQ(io_read(b->io, 0x1F0, 1), 0xFF);
	CHECK_EQ(cfg_in(b, 1, 0x40, 4), 0);
	board_free(b);
}

int main(void)
{
	test_reset_control();
	test_pirq();
	test_ide_legacy();
	return test_summary();
}
