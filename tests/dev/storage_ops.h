/* storage_ops.h: a machine of the storage devices (IDE with bus master, 8237 pair, FDC)
 * on an IoBus and a MemBus, and an interpreter that turns a byte stream into guest port
 * accesses and clock steps, for tests/dev/storage_random_test.c (a fixed-seed random
 * walk; the libFuzzer targets of the storage devices are tests/fuzz/ata_fuzz.c and
 * fdc_fuzz.c, on a whole machine). Each VD sits between guard
 * sectors of its backend, so a test can check that no guest sequence reaches a byte
 * outside its VDs. Header-only: each program includes it once. */
#ifndef VMCP_TESTS_STORAGE_OPS_H
#define VMCP_TESTS_STORAGE_OPS_H

#include <stdlib.h>
#include <string.h>

#include "bus/clock.h"
#include "bus/iobus.h"
#include "bus/membus.h"
#include "dev/dma.h"
#include "dev/fdc.h"
#include "dev/ide.h"
#include "vd/vd.h"

#define SM_GUARD 8      /* guard sectors before and after each VD */
#define SM_GUARD_BYTE 0xA5
#define SM_BM 0xC000

typedef struct StorageMachine {
	Clock clk;
	IoBus *io;
	MemBus mem;
	Ide ide;
	Dma dma;
	Fdc fdc;
	Backend *back[3];
	VdDisk vd[3];
	u64 vd_sectors[3];
} StorageMachine;

static const u64 sm_sizes[3] = {300, 64, 2880}; /* hda, hdc, fda (1.44M) */

/* Ports worth hitting, with the sizes the guest could use. */
static const u16 sm_ports[] = {
	0x1F0, 0x1F1, 0x1F2, 0x1F3, 0x1F4, 0x1F5, 0x1F6, 0x1F7, 0x3F6,
	0x170, 0x171, 0x172, 0x173, 0x174, 0x175, 0x176, 0x177, 0x376,
	SM_BM + 0, SM_BM + 2, SM_BM + 4, SM_BM + 6, SM_BM + 8, SM_BM + 10, SM_BM + 12,
	0x3F0, 0x3F1, 0x3F2, 0x3F3, 0x3F4, 0x3F5, 0x3F7,
	0x00, 0x01, 0x02, 0x04, 0x05, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F,
	0xC0, 0xC4, 0xC6, 0xD0, 0xD4, 0xD6, 0xD8, 0xDA, 0xDC, 0xDE, 0x81, 0x82, 0x87, 0x8B,
};

/* Command bytes that lead somewhere, so a short input reaches the deep states. */
static const u8 sm_ata_cmds[] = {0xEC, 0x20, 0x30, 0xC4, 0xC5, 0xC6, 0x24, 0x34, 0x29,
				 0x39, 0xC8, 0xCA, 0x25, 0x35, 0x40, 0x42, 0x70, 0x10,
				 0x91, 0xE7, 0xEA, 0xEF, 0xE0, 0xE1, 0xE5, 0xE6, 0x90, 0x00};
static const u8 sm_fdc_cmds[] = {0xE6, 0xC5, 0x66, 0x45, 0x4A, 0x4D, 0x03, 0x04, 0x07,
				 0x08, 0x0E, 0x0F, 0x10, 0x12, 0x13, 0x14, 0x94};

static int sm_init(StorageMachine *m)
{
	memset(m, 0, sizeof(*m));
	clock_init(&m->clk, 1000);
	m->io = malloc(sizeof(*m->io));
	if (!m->io || mem_init(&m->mem, 2 * MiB))
		return -1;
	io_init(m->io);
	for (int i = 0; i < 3; i++) {
		u64 n = sm_sizes[i];
		m->back[i] = backend_mem_new((n + 2 * SM_GUARD) * SECTOR_SIZE);
		if (!m->back[i])
			return -1;
		u8 *p = backend_mem_data(m->back[i]);
		memset(p, SM_GUARD_BYTE, (n + 2 * SM_GUARD) * SECTOR_SIZE);
		vd_init_flat(&m->vd[i], i == 0 ? "hda" : i == 1 ? "hdc" : "fda", m->back[i],
			     SM_GUARD, n);
		m->vd_sectors[i] = n;
	}
	ide_init(&m->ide, &m->clk, &m->mem);
	ide_attach(&m->ide, 0, 0, &m->vd[0]);
	ide_attach(&m->ide, 1, 0, &m->vd[1]);
	dma_init(&m->dma, &m->mem);
	fdc_init(&m->fdc, &m->clk);
	fdc_attach(&m->fdc, 0, &m->vd[2]);
	fdc_attach(&m->fdc, 1, NULL);
	fdc_connect_dma(&m->fdc, dma_transfer_cb, &m->dma, 2);
	io_map(m->io, 0x1F0, 8, &ide_cmd_io_ops, &m->ide.chan[0]);
	io_map(m->io, 0x3F6, 1, &ide_ctl_io_ops, &m->ide.chan[0]);
	io_map(m->io, 0x170, 8, &ide_cmd_io_ops, &m->ide.chan[1]);
	io_map(m->io, 0x376, 1, &ide_ctl_io_ops, &m->ide.chan[1]);
	io_map(m->io, SM_BM, 16, &ide_bm_io_ops, &m->ide);
	io_map(m->io, 0x3F0, 6, &fdc_io_ops, &m->fdc);
	io_map(m->io, 0x3F7, 1, &fdc_io_ops, &m->fdc);
	io_map(m->io, 0x00, 16, &dma1_io_ops, &m->dma);
	io_map(m->io, 0xC0, 32, &dma2_io_ops, &m->dma);
	io_map(m->io, 0x81, 15, &dma_page_io_ops, &m->dma);
	/* What the BIOS leaves behind: the cascade open, the FDC out of reset at 500 kb/s. */
	io_write(m->io, 0xD6, 0xC0, 1);
	io_write(m->io, 0xD4, 0x00, 1);
	io_write(m->io, 0x3F2, 0x1C, 1);
	io_write(m->io, 0x3F7, 0x00, 1);
	return 0;
}

static void sm_free(StorageMachine *m)
{
	for (int i = 0; i < 3; i++)
		backend_close(m->back[i]);
	mem_free(&m->mem);
	free(m->io);
}

/* True if every guard sector of every backend still holds the guard byte. */
static bool sm_guards_intact(StorageMachine *m)
{
	for (int i = 0; i < 3; i++) {
		const u8 *p = backend_mem_data(m->back[i]);
		u64 tail = (SM_GUARD + m->vd_sectors[i]) * SECTOR_SIZE;
		for (u32 j = 0; j < SM_GUARD * SECTOR_SIZE; j++)
			if (p[j] != SM_GUARD_BYTE || p[tail + j] != SM_GUARD_BYTE)
				return false;
	}
	return true;
}

/* Runs one operation taken from the bytes at *p (advancing it); false at the end.
 * Each operation uses 4 bytes: kind, port choice, value low, value high. */
static bool sm_step(StorageMachine *m, const u8 **p, const u8 *end)
{
	if (end - *p < 4)
		return false;
	const u8 *b = *p;
	*p += 4;
	u16 port = sm_ports[b[1] % ARRAY_SIZE(sm_ports)];
	u32 val = (u32)b[2] | (u32)b[3] << 8;
	int size = 1 << (b[0] >> 6); /* 1, 2, 4 (and 8 read as 1) */
	if (size == 8)
		size = 1;
	switch (b[0] & 7) {
	case 0: case 1: /* a read */
		io_read(m->io, port, size);
		break;
	case 2: /* a write */
		io_write(m->io, port, val | val << 16, size);
		break;
	case 3: /* a meaningful ATA command on either channel */
		io_write(m->io, b[1] & 1 ? 0x177 : 0x1F7, sm_ata_cmds[b[2] % sizeof(sm_ata_cmds)], 1);
		break;
	case 4: /* a meaningful FDC command byte, or a data/parameter byte */
		io_write(m->io, 0x3F5, b[1] & 1 ? sm_fdc_cmds[b[2] % sizeof(sm_fdc_cmds)] : b[3], 1);
		break;
	case 5: /* time passes */
		clock_advance_to(&m->clk, clock_now(&m->clk) + (u64)val * 50);
		clock_run_timers(&m->clk);
		break;
	case 6: /* guest memory changes (a PRD table, a buffer) */
		mem_write(&m->mem, (u32)(b[1] << 12 | b[2] << 4) & 0x1FFFFF, val | val << 16, 4);
		break;
	default:
		if (b[1] & 2) {
			/* A floppy transfer as the BIOS sets one up: DMA channel 2, then READ
			 * or WRITE DATA with C/H/R from the input. */
			u32 addr = (u32)b[2] << 9, count = (u32)(b[3] & 7) * 512 + 511;
			io_write(m->io, 0x3F2, 0x1C, 1);
			clock_advance_to(&m->clk, clock_now(&m->clk) + 2 * FDC_RESET_NS);
			clock_run_timers(&m->clk);
			for (int i = 0; i < 10 && (io_read(m->io, 0x3F4, 1) & 0xC0) == 0xC0; i++)
				io_read(m->io, 0x3F5, 1);
			io_write(m->io, 0x0A, 0x06, 1);
			io_write(m->io, 0x0C, 0, 1);
			io_write(m->io, 0x04, addr & 0xFF, 1);
			io_write(m->io, 0x04, addr >> 8 & 0xFF, 1);
			io_write(m->io, 0x0C, 0, 1);
			io_write(m->io, 0x05, count & 0xFF, 1);
			io_write(m->io, 0x05, count >> 8, 1);
			io_write(m->io, 0x0B, b[1] & 4 ? 0x4A : 0x46, 1);
			io_write(m->io, 0x81, addr >> 16, 1);
			io_write(m->io, 0x0A, 0x02, 1);
			/* Mostly the cylinder the head is on, as after the BIOS's seek. */
			u8 unit = b[1] >> 3 & 1, hd = b[1] >> 5 & 1;
			u8 c = b[3] & 0x80 ? b[3] >> 3 & 0x0F : m->fdc.drive[unit].track;
			const u8 cmd[9] = {b[1] & 4 ? 0xC5 : 0xE6, (u8)(hd << 2 | unit), c, hd,
					   (u8)(b[2] % 20), 2, 18, 0x1B, 0xFF};
			for (int i = 0; i < 9; i++)
				io_write(m->io, 0x3F5, cmd[i], 1);
			clock_advance_to(&m->clk, clock_now(&m->clk) + 2 * FDC_XFER_NS);
			clock_run_timers(&m->clk);
		} else { /* a run of data-port reads, as REP INSW */
			for (int i = 0; i < 256; i++)
				io_read(m->io, b[1] & 1 ? 0x170 : 0x1F0, 2);
		}
		break;
	}
	return true;
}

#endif
