/* i440fx_test.c: the host bridge's PAM registers deciding what 0xC0000-0xFFFFF reads
 * (BIOS ROM or shadow RAM) and whether writes stick, in SeaBIOS's own sequence (shadow
 * on, copy from the high ROM alias, write-protect); SMRAM open/close/lock and SMM
 * switching 0xA0000-0xBFFFF between the VGA window and RAM; reset. Driven through
 * CONFADD/CONFDATA on a real IoBus and MemBus. */
#include <stdlib.h>
#include <string.h>

#include "bus/iobus.h"
#include "bus/membus.h"
#include "dev/i440fx.h"
#include "dev/pci.h"
#include "../test.h"
#include "pcitest.h"

typedef struct Board {
	IoBus *io;
	MemBus mem;
	PciBus pci;
	I440fx hb;
	u8 *bios; /* 128 KiB */
	int changes;
} Board;

static void on_change(void *ctx)
{
	((Board *)ctx)->changes++;
}

static u32 vga_read(void *ctx, u32 addr, int size)
{
	return 0x76767676u; /* "vv": the VGA window answered */
}

static void vga_write(void *ctx, u32 addr, u32 val, int size)
{
	*(u32 *)ctx = val;
}

static const MmioOps vga_ops = {vga_read, vga_write, "vga"};
static u32 vga_last;

static Board *board_new(void)
{
	Board *b = calloc(1, sizeof(*b));
	b->io = pcitest_buses(&b->mem, 8 * MiB, NULL, &b->pci);
	mem_add_client(&b->mem, &(MemClient){.on_change = on_change, .ctx = b});
	b->bios = malloc(128 * KiB);
	for (u32 i = 0; i < 128 * KiB; i++)
		b->bios[i] = (u8)(i ^ (i >> 8) ^ 0x5A);
	i440fx_init(&b->hb, &b->mem);
	i440fx_set_bios(&b->hb, b->bios, 128 * KiB);
	i440fx_set_vga(&b->hb, &vga_ops, &vga_last);
	pci_register(&b->pci, &b->hb.pci, 0);
	/* The board maps the whole image below 4 GiB itself. */
	mem_map_rom(&b->mem, 0xFFFE0000u, 128 * KiB, b->bios);
	return b;
}

static void board_free(Board *b)
{
	mem_free(&b->mem);
	free(b->bios);
	free(b->io);
	free(b);
}

/* Configuration cycles to the host bridge, 00:00.0. */
static u32 cfg_in(Board *b, int off, int size)
{
	return pcitest_cfg_in(b->io, 0, 0, off, size);
}

static void cfg_out(Board *b, int off, u32 val, int size)
{
	pcitest_cfg_out(b->io, 0, 0, off, val, size);
}

static u8 rom_byte(Board *b, u32 addr)
{
	return b->bios[addr - 0xE0000];
}

static void test_pam(void)
{
	Board *b = board_new();
	/* Power-on: every PAM 0, reads of 0xE0000-0xFFFFF come from the ROM, 0xC0000-
	 * 0xDFFFF from nothing, writes are lost. */
	CHECK_EQ(cfg_in(b, 0x58, 4), 0x00000010u); /* DRAMT 0x10, PAM0-2 zero */
	CHECK_EQ(cfg_in(b, 0x5C, 4), 0);
	CHECK_EQ(mem_read(&b->mem, 0xFFFF0, 1), rom_byte(b, 0xFFFF0));
	CHECK_EQ(mem_read(&b->mem, 0xE0123, 1), rom_byte(b, 0xE0123));
	CHECK_EQ(mem_read(&b->mem, 0xC0000, 4), 0xFFFFFFFFu);
	mem_write(&b->mem, 0xF0000, 0xAA, 1);
	CHECK_EQ(mem_read(&b->mem, 0xF0000, 1), rom_byte(b, 0xF0000));
	CHECK_EQ(b->mem.ram[0xF0000], 0); /* the shadow RAM did not see it */

	/* SeaBIOS make_bios_writable: PAM0 = 0x30 (F segment RAM read/write), the others
	 * 0x33, as two dword writes at 0x58 and 0x5C keeping 0x58's DRAMT. */
	int before = b->changes;
	u32 lo = cfg_in(b, 0x58, 4), hi = cfg_in(b, 0x5C, 4);
	lo = (lo & 0x000000FFu) | 0x33333000u;
	hi = 0x33333333u;
	cfg_out(b, 0x58, lo, 4);
	cfg_out(b, 0x5C, hi, 4);
	CHECK(b->changes > before, "the CPU was told the map changed");
	CHECK_EQ(cfg_in(b, 0x59, 1), 0x30);
	CHECK_EQ(cfg_in(b, 0x58, 1), 0x10);
	CHECK_EQ(cfg_in(b, 0x5F, 1), 0x33);
	/* Now the shadow RAM (zero) answers; copy the BIOS down from its 4 GiB alias. */
	CHECK_EQ(mem_read(&b->mem, 0xFFFF0, 1), 0);
	u8 buf[4096];
	for (u32 a = 0xE0000; a < 0x100000; a += sizeof(buf)) {
		mem_read_buf(&b->mem, 0xFFF00000u + a, buf, sizeof(buf));
		mem_write_buf(&b->mem, a, buf, sizeof(buf));
	}
	CHECK_EQ(mem_read(&b->mem, 0xFFFF0, 1), rom_byte(b, 0xFFFF0));
	mem_write(&b->mem, 0xF1234, 0xC3, 1); /* POST variables in the F segment */
	CHECK_EQ(mem_read(&b->mem, 0xF1234, 1), 0xC3);
	mem_write(&b->mem, 0xC0000, 0xAA55, 2); /* option ROM space is RAM now */
	CHECK_EQ(mem_read(&b->mem, 0xC0000, 2), 0xAA55);

	/* make_bios_readonly: PAM0 0x10 (read RAM, writes to PCI = lost), C0000-C7FFF 0x11. */
	cfg_out(b, 0x59, 0x10, 1);
	cfg_out(b, 0x5A, 0x11, 1);
	mem_write(&b->mem, 0xF1234, 0x00, 1);
	CHECK_EQ(mem_read(&b->mem, 0xF1234, 1), 0xC3);
	mem_write(&b->mem, 0xC0000, 0x0000, 2);
	CHECK_EQ(mem_read(&b->mem, 0xC0000, 2), 0xAA55);
	/* C8000 segment still read/write. */
	mem_write(&b->mem, 0xC8000, 0x77, 1);
	CHECK_EQ(mem_read(&b->mem, 0xC8000, 1), 0x77);

	/* Write-only shadow (0x20 for the F segment): reads ROM, writes land in RAM. */
	cfg_out(b, 0x59, 0x20, 1);
	CHECK_EQ(mem_read(&b->mem, 0xF1234, 1), rom_byte(b, 0xF1234));
	mem_write(&b->mem, 0xF1234, 0x99, 1);
	CHECK_EQ(mem_read(&b->mem, 0xF1234, 1), rom_byte(b, 0xF1234));
	cfg_out(b, 0x59, 0x10, 1);
	CHECK_EQ(mem_read(&b->mem, 0xF1234, 1), 0x99);

	/* Segment granularity: PAM6 high nibble is 0xEC000-0xEFFFF only. */
	cfg_out(b, 0x5F, 0x03, 1);
	CHECK_EQ(mem_read(&b->mem, 0xEC000, 1), rom_byte(b, 0xEC000));
	mem_write(&b->mem, 0xE8000, 0x42, 1);
	CHECK_EQ(mem_read(&b->mem, 0xE8000, 1), 0x42);

	/* Reserved PAM bits read 0. */
	cfg_out(b, 0x59, 0xFF, 1);
	CHECK_EQ(cfg_in(b, 0x59, 1), 0x70);
	cfg_out(b, 0x5A, 0xFF, 1);
	CHECK_EQ(cfg_in(b, 0x5A, 1), 0x77);

	/* System reset: PAM back to 0, the ROM answers again (the shadow RAM keeps what
	 * was written, as DRAM does). */
	i440fx_reset(&b->hb);
	CHECK_EQ(cfg_in(b, 0x59, 1), 0);
	CHECK_EQ(mem_read(&b->mem, 0xF1234, 1), rom_byte(b, 0xF1234));
	CHECK_EQ(b->mem.ram[0xF1234], 0x99);
	board_free(b);
}

static void test_smram(void)
{
	Board *b = board_new();
	/* Closed: the VGA window answers at 0xA0000. */
	CHECK_EQ(mem_read(&b->mem, 0xA0000, 4), 0x76767676u);
	mem_write(&b->mem, 0xB8000, 0x0741, 2);
	CHECK_EQ(vga_last, 0x0741);
	/* SeaBIOS: 0x4A = D_OPEN | G_SMRAME | base: RAM visible outside SMM. */
	cfg_out(b, 0x72, 0x4A, 1);
	CHECK_EQ(cfg_in(b, 0x72, 1), 0x4A);
	mem_write(&b->mem, 0xA8000, 0xDEADBEEF, 4);
	CHECK_EQ(mem_read(&b->mem, 0xA8000, 4), 0xDEADBEEFu);
	CHECK_EQ(b->mem.ram[0xA8000], 0xEF);
	/* 0x0A: closed, enabled: VGA again outside SMM, RAM inside. */
	cfg_out(b, 0x72, 0x0A, 1);
	CHECK_EQ(mem_read(&b->mem, 0xA8000, 4), 0x76767676u);
	i440fx_set_smm(&b->hb, true);
	CHECK_EQ(mem_read(&b->mem, 0xA8000, 4), 0xDEADBEEFu);
	i440fx_set_smm(&b->hb, false);
	CHECK_EQ(mem_read(&b->mem, 0xA8000, 4), 0x76767676u);
	/* G_SMRAME clear: SMM sees VGA too. */
	cfg_out(b, 0x72, 0x02, 1);
	i440fx_set_smm(&b->hb, true);
	CHECK_EQ(mem_read(&b->mem, 0xA8000, 4), 0x76767676u);
	i440fx_set_smm(&b->hb, false);
	/* C_BASE_SEG is read-only 010b. */
	cfg_out(b, 0x72, 0x4F, 1);
	CHECK_EQ(cfg_in(b, 0x72, 1), 0x4A);
	/* D_LCK: D_OPEN cleared and locked, G_SMRAME locked, until reset. */
	cfg_out(b, 0x72, 0x5A, 1);
	CHECK_EQ(cfg_in(b, 0x72, 1), 0x1A);
	CHECK_EQ(mem_read(&b->mem, 0xA8000, 4), 0x76767676u);
	cfg_out(b, 0x72, 0x42, 1);
	CHECK_EQ(cfg_in(b, 0x72, 1), 0x1A);
	cfg_out(b, 0x72, 0x3A, 1); /* D_CLS stays writable */
	CHECK_EQ(cfg_in(b, 0x72, 1), 0x3A);
	i440fx_reset(&b->hb);
	CHECK_EQ(cfg_in(b, 0x72, 1), 0x02);
	cfg_out(b, 0x72, 0x4A, 1);
	CHECK_EQ(cfg_in(b, 0x72, 1), 0x4A);
	CHECK_EQ(mem_read(&b->mem, 0xA8000, 4), 0xDEADBEEFu);
	board_free(b);
}

int main(void)
{
	test_pam();
	test_smram();
	return test_summary();
}
