/* i440fx.c: the 82441FX host bridge: PAM shadow-RAM control of 0xC0000-0xFFFFF and
 * SMRAM control of 0xA0000-0xBFFFF. See i440fx.h. */
#include "dev/i440fx.h"

#include <string.h>

#include "base/err.h"

#define LEGACY_BASE 0xA0000u
#define SHADOW_BASE 0xC0000u
#define SHADOW_SIZE 0x40000u
#define SMRAM_SIZE 0x20000u

/* The PAM field (RE bit 0, WE bit 1 of the nibble) governing the page at addr.
 * PAM0 bits 7:4: 0xF0000-0xFFFFF; PAM1..PAM6: 16 KiB segments from 0xC0000, the low
 * nibble for the lower segment and the high nibble for the upper one. */
static u8 pam_field(const I440fx *hb, u32 addr)
{
	if (addr >= 0xF0000)
		return pci_get8(&hb->pci, I440FX_PAM0) >> 4 & 3;
	u32 seg = (addr - SHADOW_BASE) >> 14; /* 0..11 */
	u8 reg = pci_get8(&hb->pci, (u8)(I440FX_PAM0 + 1 + seg / 2));
	return (seg & 1 ? reg >> 4 : reg) & 3;
}

static bool smram_visible(const I440fx *hb)
{
	u8 s = pci_get8(&hb->pci, I440FX_SMRAM);
	return (s & I440FX_SMRAM_G_SMRAME) && ((s & I440FX_SMRAM_D_OPEN) || hb->smm);
}

void i440fx_remap(I440fx *hb)
{
	MemBus *mem = hb->mem;
	/* One change notification for the whole rebuild (the CPU flushes its TLB once). */
	mem_batch_begin(mem);

	for (u32 a = SHADOW_BASE; a < SHADOW_BASE + SHADOW_SIZE; a += MEM_PAGE_SIZE) {
		u8 f = pam_field(hb, a);
		u8 *ram = hb->shadow + (a - SHADOW_BASE);
		const u8 *rom = hb->rom && a >= hb->rom_base ? hb->rom + (a - hb->rom_base) : NULL;
		mem_map_split(mem, a, MEM_PAGE_SIZE, f & 1 ? ram : rom, f & 2 ? ram : NULL);
	}
	memcpy(hb->pam_mapped, &hb->pci.cfg[I440FX_PAM0], sizeof(hb->pam_mapped));

	int want = smram_visible(hb);
	if (want)
		mem_map_ram(mem, LEGACY_BASE, SMRAM_SIZE, hb->smram);
	else if (!hb->vga_ops ||
		 mem_map_mmio(mem, LEGACY_BASE, SMRAM_SIZE, hb->vga_ops, hb->vga_ctx) < 0)
		mem_unmap(mem, LEGACY_BASE, SMRAM_SIZE);
	hb->smram_mapped = want;

	mem_batch_end(mem);
}

/* After a configuration write: D_LCK makes SMRAM's D_OPEN, G_SMRAME and D_LCK
 * read-only until reset (and closes D_OPEN when set); then rebuild what changed. */
static void i440fx_written(PciDev *d, u8 off, int size)
{
	I440fx *hb = d->owner;
	(void)off;
	(void)size;
	u8 s = pci_get8(d, I440FX_SMRAM);
	if (s & I440FX_SMRAM_D_LCK) {
		s &= (u8)~I440FX_SMRAM_D_OPEN;
		pci_set8(d, I440FX_SMRAM, s);
		pci_set_wmask8(d, I440FX_SMRAM, I440FX_SMRAM_D_CLS);
	}
	if (memcmp(hb->pam_mapped, &d->cfg[I440FX_PAM0], sizeof(hb->pam_mapped)) ||
	    smram_visible(hb) != hb->smram_mapped)
		i440fx_remap(hb);
}

void i440fx_init(I440fx *hb, MemBus *mem)
{
	memset(hb, 0, sizeof(*hb));
	hb->mem = mem;
	hb->shadow = mem->ram + SHADOW_BASE;
	hb->smram = mem->ram + LEGACY_BASE;
	hb->smram_mapped = -1;

	PciDev *d = &hb->pci;
	pci_dev_init(d, "i440fx", 0x8086, 0x1237, 0x02, 0x060000, 0x00);
	d->owner = hb;
	d->written = i440fx_written;
	/* PCICMD: memory access and bus master are hardwired on; parity and SERR# are
	 * the only enables. PCISTS: medium DEVSEL, fast back-to-back capable. */
	pci_set16(d, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	pci_set_wmask16(d, PCI_COMMAND, PCI_COMMAND_PARITY | PCI_COMMAND_SERR);
	pci_set16(d, PCI_STATUS, 0x0280);
	pci_set_wmask8(d, PCI_CACHE_LINE_SIZE, 0);
	pci_set_wmask8(d, PCI_INTERRUPT_LINE, 0);
	pci_set_wmask8(d, PCI_LATENCY_TIMER, 0xF8);

	/* PMCCFG, DETURBO, DBC, AXC, DRAMR, DRAMC, DRAMT: storage for the firmware. */
	for (u8 r = 0x50; r <= 0x58; r++)
		pci_set_wmask8(d, r, 0xFF);
	pci_set8(d, 0x57, 0x01); /* DRAMC */
	pci_set8(d, 0x58, 0x10); /* DRAMT */
	/* PAM0 bits 3:0 are reserved; bit 3/7 of the others too. Bit 2/6 (cache enable)
	 * is kept but has no effect here. */
	pci_set_wmask8(d, I440FX_PAM0, 0x70);
	for (u8 r = I440FX_PAM0 + 1; r <= I440FX_PAM0 + 6; r++)
		pci_set_wmask8(d, r, 0x77);
	/* DRB0-7 (DRAM row boundaries in 8 MiB units) and FDHC, MTT, CLT. */
	for (u8 r = 0x60; r <= 0x67; r++) {
		pci_set8(d, r, 0x02);
		pci_set_wmask8(d, r, 0xFF);
	}
	pci_set_wmask8(d, 0x68, 0xC0);
	pci_set8(d, 0x70, 0x20);
	pci_set_wmask8(d, 0x70, 0xF8);
	pci_set8(d, 0x71, 0x10);
	pci_set_wmask8(d, 0x71, 0xFF);
	/* SMRAM: C_BASE_SEG (2:0) is hardwired to 010b (0xA0000). */
	pci_set8(d, I440FX_SMRAM, 0x02);
	pci_set_wmask8(d, I440FX_SMRAM, 0x78);
	/* ERRCMD, ERRSTS. */
	pci_set_wmask8(d, 0x90, 0xFF);
	pci_set_wmask8(d, 0x91, 0xFF);
	i440fx_remap(hb);
}

void i440fx_set_bios(I440fx *hb, const u8 *host, u32 size)
{
	assert(size <= SHADOW_SIZE && !(size & MEM_PAGE_MASK));
	hb->rom = host;
	hb->rom_base = 0x100000u - size;
	i440fx_remap(hb);
}

void i440fx_set_vga(I440fx *hb, const MmioOps *ops, void *ctx)
{
	hb->vga_ops = ops;
	hb->vga_ctx = ctx;
	i440fx_remap(hb);
}

void i440fx_set_smm(I440fx *hb, bool in_smm)
{
	hb->smm = in_smm;
	if (smram_visible(hb) != hb->smram_mapped)
		i440fx_remap(hb);
}

void i440fx_reset(I440fx *hb)
{
	pci_dev_reset(&hb->pci);
	pci_set_wmask8(&hb->pci, I440FX_SMRAM, 0x78);
	hb->smm = false;
	i440fx_remap(hb);
}
