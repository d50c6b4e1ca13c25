/* chipset_fuzz.c: libFuzzer target for the chipset and VGA port and memory interfaces:
 * the input is a sequence of guest accesses (port reads/writes anywhere the i440FX,
 * PIIX3, PIIX4 PM and VGA decode, configuration cycles to any function and register,
 * memory accesses in the legacy region and the PCI hole, time steps) run on one machine
 * that is reset before each input. Any crash or sanitizer report is a bug: guest input
 * must only ever give hardware behaviour. */
#include <stdlib.h>
#include <string.h>

#include "bus/clock.h"
#include "bus/iobus.h"
#include "bus/membus.h"
#include "dev/acpi.h"
#include "dev/i440fx.h"
#include "dev/pci.h"
#include "dev/piix3.h"
#include "cp/screen.h"
#include "dev/vga.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

typedef struct Board {
	IoBus io;
	MemBus mem;
	Clock clk;
	PciBus pci;
	I440fx hb;
	Piix3 isa;
	PiixIde ide;
	AcpiPm pm;
	Vga vga;
	u8 bios[128 * 1024];
	VgaText text;
	char lines[4096];
} Board;

static u32 bm_read(void *ctx, u16 port, int size)
{
	return port & 15;
}

static const IoOps bm_ops = {bm_read, NULL, 1 | 2 | 4, "bm"};

static Board *board(void)
{
	static Board *b;
	if (b)
		return b;
	b = calloc(1, sizeof(*b));
	if (!b || mem_init(&b->mem, 4 * MiB) < 0)
		abort();
	io_init(&b->io);
	clock_init(&b->clk, 1000);
	memset(b->bios, 0xF4, sizeof(b->bios));
	pci_bus_init(&b->pci, &b->io, &b->mem);
	io_map(&b->io, 0xCF8, 8, &pci_host_io_ops, &b->pci);
	pci_bus_set_other(&b->pci, &piix3_rc_io_ops, &b->isa);
	i440fx_init(&b->hb, &b->mem);
	i440fx_set_bios(&b->hb, b->bios, sizeof(b->bios));
	mem_map_rom(&b->mem, 0xFFFE0000u, sizeof(b->bios), b->bios);
	i440fx_set_vga(&b->hb, &vga_mem_ops, &b->vga);
	pci_register(&b->pci, &b->hb.pci, PCI_DEVFN(0, 0));
	piix3_init(&b->isa);
	pci_register(&b->pci, &b->isa.pci, PCI_DEVFN(1, 0));
	piix_ide_init(&b->ide, &b->io);
	piix_ide_attach_bm(&b->ide, &bm_ops, NULL);
	pci_register(&b->pci, &b->ide.pci, PCI_DEVFN(1, 1));
	acpi_init(&b->pm, &b->clk, &b->io, false);
	io_map(&b->io, ACPI_GPE0_PORT, 4, &acpi_gpe_io_ops, &b->pm);
	io_map(&b->io, ACPI_APM_PORT, 2, &acpi_apm_io_ops, &b->pm);
	pci_register(&b->pci, &b->pm.pci, PCI_DEVFN(1, 3));
	vga_init(&b->vga, &b->clk);
	io_map(&b->io, 0x3B0, 48, &vga_io_ops, &b->vga);
	static const u8 rom[] = {0x55, 0xAA, 0x01};
	pci_dev_set_rom(&b->vga.pci, rom, sizeof(rom));
	pci_register(&b->pci, &b->vga.pci, PCI_DEVFN(2, 0));
	return b;
}

static const u16 ports[] = {0xCF8, 0xCF9, 0xCFA, 0xCFC, 0xCFD, 0xCFE, 0xCFF, 0xB2, 0xB3,
			    0xAFE0, 0xAFE2, 0xB000, 0xB002, 0xB004, 0xB005, 0xB008, 0xB028,
			    0x3C0, 0x3C1, 0x3C2, 0x3C4, 0x3C5, 0x3C6, 0x3C7, 0x3C8, 0x3C9,
			    0x3CC, 0x3CE, 0x3CF, 0x3D4, 0x3D5, 0x3DA, 0x3B4, 0x3B5, 0x3BA,
			    0x1F0, 0x3F6, 0xC000, 0xC008};

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	Board *b = board();
	pci_bus_reset(&b->pci);
	i440fx_reset(&b->hb);
	piix3_reset(&b->isa);
	piix_ide_reset(&b->ide);
	acpi_reset(&b->pm);
	vga_reset(&b->vga);
	static const int sizes[4] = {1, 2, 4, 1};
	for (size_t i = 0; i + 6 <= size; i += 6) {
		const u8 *d = data + i;
		u32 val = get_le32(d + 2);
		int sz = sizes[d[0] >> 4 & 3];
		u16 port = d[1] < 2 * ARRAY_SIZE(ports) ? ports[d[1] % ARRAY_SIZE(ports)]
							: (u16)(0x3B0 + d[1] % 48);
		switch (d[0] & 7) {
		case 0:
			io_write(&b->io, port, val, sz);
			break;
		case 1:
			(void)io_read(&b->io, port, sz);
			break;
		case 2: /* configuration write: bdf and register from the value */
			io_write(&b->io, 0xCF8, 0x80000000u | (val & 0x0000FFFCu) | (u32)(d[1] & 1) << 16, 4);
			io_write(&b->io, (u16)(0xCFC + (d[0] >> 6)), val >> 16, sz);
			break;
		case 3:
			mem_write(&b->mem, 0xA0000 + (val % 0x60000), d[1], sz);
			break;
		case 4:
			(void)mem_read(&b->mem, 0xA0000 + (val % 0x60000), sz);
			break;
		case 5:
			(void)mem_read(&b->mem, 0xFE000000u + (val & 0x1FFFFFF), sz);
			break;
		case 6:
			clock_advance_to(&b->clk, clock_now(&b->clk) + (val & 0xFFFFFF) * 16);
			clock_run_timers(&b->clk);
			break;
		default:
			vga_text_dump(&b->vga, &b->text);
			screen_text(&b->text, b->lines, sizeof(b->lines), (d[1] & 1) ? SCREEN_ASCII : 0);
			break;
		}
	}
	return 0;
}
