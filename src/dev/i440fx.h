/* i440fx.h: the Intel 82441FX PCI and Memory Controller (PMC), the host bridge of an
 * i440FX board, as PCI function 00:00.0 (8086:1237).
 *
 * It owns the memory map of the legacy region:
 *  - 0xC0000-0xFFFFF through the PAM registers 0x59-0x5F: per segment (16 KiB each
 *    from 0xC0000 to 0xEFFFF, one 64 KiB segment at 0xF0000) reads and writes go either
 *    to the shadow RAM behind the region or to the PCI/ISA side, where the BIOS ROM
 *    given by the board answers reads (writes there are lost);
 *  - 0xA0000-0xBFFFF through SMRAM (0x72): the VGA window (the MmioOps the board gives)
 *    or, when SMRAM is enabled and open (or the CPU is in SMM), the RAM behind it.
 * The board tells it when the CPU enters or leaves SMM (i440fx_set_smm).
 *
 * Reference: Intel 440FX PCIset 82441FX (PMC) and 82442FX (DBX) datasheet, 3.2
 * (PAM0-PAM6, SMRAM), table of configuration registers and their defaults.
 * Not modelled: DRAM sizing and timing (DRB/DRT registers are plain storage), caches,
 * error reporting, D_CLS (SMM data accesses see SMRAM like code accesses), the turbo
 * reset register (0xCF9 is modelled in the PIIX3, as SeaBIOS and Linux use it). */
#ifndef VMCP_DEV_I440FX_H
#define VMCP_DEV_I440FX_H

#include "bus/membus.h"
#include "dev/pci.h"

#define I440FX_PAM0 0x59
#define I440FX_SMRAM 0x72
#define I440FX_SMRAM_D_OPEN 0x40
#define I440FX_SMRAM_D_CLS 0x20
#define I440FX_SMRAM_D_LCK 0x10
#define I440FX_SMRAM_G_SMRAME 0x08

typedef struct I440fx {
	PciDev pci;
	MemBus *mem;
	u8 *shadow;     /* the RAM behind 0xC0000-0xFFFFF (256 KiB) */
	u8 *smram;      /* the RAM behind 0xA0000-0xBFFFF (128 KiB) */
	const u8 *rom;  /* what the PCI/ISA side answers from rom_base up to 1 MiB */
	u32 rom_base;
	const MmioOps *vga_ops; /* the legacy VGA window, or NULL (reads all ones) */
	void *vga_ctx;
	bool smm;        /* the CPU is in System Management Mode */
	u8 pam_mapped[7]; /* PAM values the memory map was last built from */
	int smram_mapped; /* -1: not built yet, 0: VGA window, 1: SMRAM */
} I440fx;

/* Sets up the host bridge over mem. The shadow RAM and SMRAM are the guest RAM behind
 * the legacy hole (mem->ram + 0xA0000..0xFFFFF, which mem_init always allocates).
 * Until the board gives a BIOS, 0xC0000-0xFFFFF reads all ones. Register it at devfn 0. */
void i440fx_init(I440fx *hb, MemBus *mem);

/* The ROM that answers reads below 1 MiB where PAM sends them to PCI: size bytes of
 * host memory mapped to end at 0x100000 (size a multiple of 4 KiB, at most 256 KiB;
 * for a 128 KiB SeaBIOS the whole image at 0xE0000). The board maps the full image
 * below 4 GiB itself. host must outlive the bridge. */
void i440fx_set_bios(I440fx *hb, const u8 *host, u32 size);

/* The legacy VGA memory window 0xA0000-0xBFFFF (ops receive physical addresses). */
void i440fx_set_vga(I440fx *hb, const MmioOps *ops, void *ctx);

/* The CPU entered (true) or left (false) SMM: SMRAM is visible to it while in SMM. */
void i440fx_set_smm(I440fx *hb, bool in_smm);

/* Power-on state: PAM all to PCI (the BIOS ROM answers at 0xC0000-0xFFFFF), SMRAM
 * closed, not in SMM. */
void i440fx_reset(I440fx *hb);

/* Rebuilds the memory map of 0xA0000-0xFFFFF from the registers (done on every change;
 * exported for the board after it maps RAM or ROM over that region itself). */
void i440fx_remap(I440fx *hb);

#endif
