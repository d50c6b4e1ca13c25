/* pci.c: PCI configuration mechanism #1 and the generic PCI function: masked
 * configuration writes, BAR sizing and the mapping of BARs onto the I/O and memory
 * buses. See pci.h for what is and is not modelled. */
#include "dev/pci.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"

void pci_bus_init(PciBus *bus, IoBus *io, MemBus *mem)
{
	memset(bus, 0, sizeof(*bus));
	bus->io = io;
	bus->mem = mem;
}

void pci_bus_reset(PciBus *bus)
{
	bus->confadd = 0;
}

void pci_bus_set_other(PciBus *bus, const IoOps *ops, void *ctx)
{
	bus->other_ops = ops;
	bus->other_ctx = ctx;
}

int pci_register(PciBus *bus, PciDev *d, u8 devfn)
{
	if (bus->dev[devfn])
		return VMCP_EEXIST;
	bus->dev[devfn] = d;
	d->bus = bus;
	d->devfn = devfn;
	memcpy(d->reset_cfg, d->cfg, sizeof(d->cfg));
	pci_dev_update_bars(d);
	return 0;
}

void pci_dev_init(PciDev *d, const char *name, u16 vendor, u16 device, u8 rev, u32 class_code,
		  u8 header_type)
{
	memset(d, 0, sizeof(*d));
	d->name = name;
	pci_set16(d, PCI_VENDOR_ID, vendor);
	pci_set16(d, PCI_DEVICE_ID, device);
	pci_set8(d, PCI_REVISION_ID, rev);
	pci_set8(d, PCI_CLASS_PROG, (u8)class_code);
	pci_set16(d, PCI_CLASS_DEVICE, (u16)(class_code >> 8));
	pci_set8(d, PCI_HEADER_TYPE, header_type);
	pci_set_wmask16(d, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
						PCI_COMMAND_PARITY | PCI_COMMAND_SERR);
	/* Status: master data parity error (8), signaled/received target abort, received
	 * master abort, signaled system error, detected parity error (11-15). */
	put_le16(&d->w1c[PCI_STATUS], 0xF900);
	d->wmask[PCI_CACHE_LINE_SIZE] = 0xFF;
	d->wmask[PCI_LATENCY_TIMER] = 0xFF;
	d->wmask[PCI_INTERRUPT_LINE] = 0xFF;
	for (int i = 0; i <= PCI_NUM_BARS; i++)
		d->bar[i].mapped_at = PCI_UNMAPPED;
}

static u8 bar_off(int i)
{
	return i == PCI_ROM_SLOT ? PCI_ROM_ADDRESS : (u8)(PCI_BASE_ADDRESS_0 + 4 * i);
}

void pci_dev_set_bar_io(PciDev *d, int i, u32 size, const IoOps *ops, void *ctx)
{
	assert(i >= 0 && i < PCI_NUM_BARS && size >= 4 && size <= 256 && !(size & (size - 1)));
	PciBar *b = &d->bar[i];
	b->kind = PCI_BAR_IO;
	b->size = size;
	b->io_ops = ops;
	b->io_ctx = ctx;
	/* Bit 0 reads 1 (I/O space indicator); every address bit above the size is
	 * writable, all 32 of them as on QEMU and Bochs, so that sizing with 0xFFFFFFFF
	 * gives ~(size - 1) | 1 and the size computes back exactly. */
	pci_set32(d, bar_off(i), 1);
	pci_set_wmask32(d, bar_off(i), ~(size - 1) & ~3u);
}

void pci_dev_attach_io(PciDev *d, int i, const IoOps *ops, void *ctx)
{
	PciBar *b = &d->bar[i];
	assert(b->kind == PCI_BAR_IO);
	if (b->mapped_at != PCI_UNMAPPED && d->bus) {
		io_unmap(d->bus->io, (u16)b->mapped_at, b->size);
		b->mapped_at = PCI_UNMAPPED;
	}
	b->io_ops = ops;
	b->io_ctx = ctx;
	if (d->bus)
		pci_dev_update_bars(d);
}

void pci_dev_set_bar_mem(PciDev *d, int i, u32 size, bool prefetch, const MmioOps *ops,
			 void *ctx)
{
	assert(i >= 0 && i < PCI_NUM_BARS && size >= MEM_PAGE_SIZE && !(size & (size - 1)));
	PciBar *b = &d->bar[i];
	b->kind = PCI_BAR_MEM;
	b->size = size;
	b->mmio_ops = ops;
	b->mmio_ctx = ctx;
	pci_set32(d, bar_off(i), prefetch ? 0x8 : 0); /* 32-bit, anywhere */
	pci_set_wmask32(d, bar_off(i), ~(size - 1));
}

int pci_dev_set_rom(PciDev *d, const u8 *image, u32 len)
{
	if (!len || len > 16 * MiB)
		return VMCP_EINVAL;
	u32 size = MEM_PAGE_SIZE;
	while (size < len)
		size <<= 1;
	u8 *rom = malloc(size);
	if (!rom)
		return VMCP_ENOMEM;
	memcpy(rom, image, len);
	memset(rom + len, 0xFF, size - len);
	PciBar *b = &d->bar[PCI_ROM_SLOT];
	if (b->mapped_at != PCI_UNMAPPED && d->bus)
		mem_unmap(d->bus->mem, b->mapped_at, b->size);
	free(b->rom);
	b->kind = PCI_BAR_ROM;
	b->size = size;
	b->rom = rom;
	b->mapped_at = PCI_UNMAPPED;
	/* Bit 0 is the ROM address decode enable; bits 10:1 read 0. */
	pci_set32(d, PCI_ROM_ADDRESS, 0);
	pci_set_wmask32(d, PCI_ROM_ADDRESS, (~(size - 1) & 0xFFFFF800u) | 1);
	if (d->bus) {
		/* Registered already: the power-on image gets the ROM BAR too. */
		memcpy(&d->reset_cfg[PCI_ROM_ADDRESS], &d->cfg[PCI_ROM_ADDRESS], 4);
		pci_dev_update_bars(d);
	}
	return 0;
}

void pci_dev_free(PciDev *d)
{
	PciBar *b = &d->bar[PCI_ROM_SLOT];
	if (b->mapped_at != PCI_UNMAPPED && d->bus)
		mem_unmap(d->bus->mem, b->mapped_at, b->size);
	b->mapped_at = PCI_UNMAPPED;
	free(b->rom);
	b->rom = NULL;
}

void pci_dev_set_pin(PciDev *d, u8 pin)
{
	pci_set8(d, PCI_INTERRUPT_PIN, pin);
}

void pci_dev_reset(PciDev *d)
{
	memcpy(d->cfg, d->reset_cfg, sizeof(d->cfg));
	if (d->bus)
		pci_dev_update_bars(d);
}

/* True if no page of [base, base + size) is claimed by RAM, ROM or a device. */
static bool mem_range_free(const MemBus *mem, u32 base, u32 size)
{
	for (u64 a = base; a < (u64)base + size; a += MEM_PAGE_SIZE) {
		const MemPage *p = &mem->page[a >> MEM_PAGE_SHIFT];
		if (p->rd || p->wr || (p->flags & (MEM_F_MMIO_RD | MEM_F_MMIO_WR)))
			return false;
	}
	return true;
}

static void bar_unmap(PciDev *d, PciBar *b)
{
	if (b->mapped_at == PCI_UNMAPPED)
		return;
	if (b->kind == PCI_BAR_IO)
		io_unmap(d->bus->io, (u16)b->mapped_at, b->size);
	else
		mem_unmap(d->bus->mem, b->mapped_at, b->size);
	b->mapped_at = PCI_UNMAPPED;
}

static void bar_map(PciDev *d, PciBar *b, u32 base)
{
	int r = -1;
	if (b->kind == PCI_BAR_IO)
		r = io_map(d->bus->io, (u16)base, b->size, b->io_ops, b->io_ctx);
	else if (mem_range_free(d->bus->mem, base, b->size)) {
		if (b->kind == PCI_BAR_ROM) {
			mem_map_rom(d->bus->mem, base, b->size, b->rom);
			r = 0;
		} else {
			r = mem_map_mmio(d->bus->mem, base, b->size, b->mmio_ops, b->mmio_ctx);
		}
	}
	if (r == 0)
		b->mapped_at = base;
	else
		LOG_DEBUGF("pci %s: BAR at %08x over something else, not mapped", d->name, base);
}

/* Where BAR i should be mapped now, or PCI_UNMAPPED. */
static u32 bar_wanted(const PciDev *d, int i)
{
	const PciBar *b = &d->bar[i];
	u16 cmd = pci_get16(d, PCI_COMMAND);
	u32 v = pci_get32(d, bar_off(i));
	switch (b->kind) {
	case PCI_BAR_IO: {
		u32 base = v & ~(b->size - 1) & ~3u;
		if (!(cmd & PCI_COMMAND_IO) || !b->io_ops || base == 0 ||
		    (u64)base + b->size > IO_PORTS)
			return PCI_UNMAPPED;
		return base;
	}
	case PCI_BAR_MEM: {
		u32 base = v & ~(b->size - 1);
		if (!(cmd & PCI_COMMAND_MEMORY) || !b->mmio_ops || base == 0)
			return PCI_UNMAPPED;
		return base;
	}
	case PCI_BAR_ROM: {
		u32 base = v & ~(b->size - 1);
		if (!(cmd & PCI_COMMAND_MEMORY) || !(v & 1) || !b->rom || base == 0)
			return PCI_UNMAPPED;
		return base;
	}
	}
	return PCI_UNMAPPED;
}

void pci_dev_update_bars(PciDev *d)
{
	if (!d->bus)
		return;
	for (int i = 0; i <= PCI_NUM_BARS; i++) {
		PciBar *b = &d->bar[i];
		if (!b->size)
			continue;
		u32 want = bar_wanted(d, i);
		if (want == b->mapped_at)
			continue;
		bar_unmap(d, b);
		if (want != PCI_UNMAPPED)
			bar_map(d, b, want);
	}
}

static PciDev *find(PciBus *bus, u16 bdf)
{
	if (bdf >> 8)
		return NULL; /* no bridges: nothing answers on another bus */
	return bus->dev[bdf & 0xFF];
}

u32 pci_cfg_read(PciBus *bus, u16 bdf, u8 off, int size)
{
	assert((size == 1 || size == 2 || size == 4) && off + size <= 256);
	PciDev *d = find(bus, bdf);
	if (!d)
		return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1; /* master abort */
	u32 v = 0;
	for (int i = 0; i < size; i++)
		v |= (u32)d->cfg[off + i] << (8 * i);
	if (d->read)
		v = d->read(d, off, size, v);
	return v;
}

void pci_cfg_write(PciBus *bus, u16 bdf, u8 off, u32 val, int size)
{
	assert((size == 1 || size == 2 || size == 4) && off + size <= 256);
	PciDev *d = find(bus, bdf);
	if (!d)
		return;
	for (int i = 0; i < size; i++) {
		u8 o = (u8)(off + i), b = (u8)(val >> (8 * i));
		d->cfg[o] = (u8)((d->cfg[o] & ~d->wmask[o]) | (b & d->wmask[o]));
		d->cfg[o] &= (u8)~(b & d->w1c[o]);
	}
	if (pci_touched(off, size, PCI_COMMAND, 2) ||
	    pci_touched(off, size, PCI_BASE_ADDRESS_0, 24) ||
	    pci_touched(off, size, PCI_ROM_ADDRESS, 4))
		pci_dev_update_bars(d);
	if (d->written)
		d->written(d, off, size);
}

/* CONFADD is a 32-bit register: only dword accesses to 0xCF8 reach it. Other accesses
 * to 0xCF8-0xCFB are plain I/O cycles that go on to the ISA side (0xCF9). CONFDATA
 * takes any size; with CONFADD's enable bit clear it is not claimed either. An access
 * that straddles 0xCFB/0xCFC is split into bytes, as the CPU splits it into two cycles. */
static u32 data_read(PciBus *bus, u16 port, int size)
{
	if (!(bus->confadd & 0x80000000u))
		return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
	u16 bdf = (u16)(bus->confadd >> 8);
	u8 off = (u8)((bus->confadd & 0xFC) | (port & 3));
	return pci_cfg_read(bus, bdf, off, size);
}

static void data_write(PciBus *bus, u16 port, u32 val, int size)
{
	if (!(bus->confadd & 0x80000000u))
		return;
	u16 bdf = (u16)(bus->confadd >> 8);
	u8 off = (u8)((bus->confadd & 0xFC) | (port & 3));
	pci_cfg_write(bus, bdf, off, val, size);
}

static u32 host_read(void *ctx, u16 port, int size)
{
	PciBus *bus = ctx;
	if (port == 0xCF8 && size == 4)
		return bus->confadd;
	if (port >= 0xCFC)
		return data_read(bus, port, size);
	u32 v = 0;
	for (int i = 0; i < size; i++) {
		u16 p = (u16)(port + i);
		u32 b = 0xFF;
		if (p >= 0xCFC)
			b = data_read(bus, p, 1);
		else if (bus->other_ops && bus->other_ops->read)
			b = bus->other_ops->read(bus->other_ctx, p, 1) & 0xFF;
		v |= b << (8 * i);
	}
	return v;
}

static void host_write(void *ctx, u16 port, u32 val, int size)
{
	PciBus *bus = ctx;
	if (port == 0xCF8 && size == 4) {
		/* Bits 30:24 and 1:0 are reserved and read 0. */
		bus->confadd = val & 0x80FFFFFCu;
		return;
	}
	if (port >= 0xCFC) {
		data_write(bus, port, val, size);
		return;
	}
	for (int i = 0; i < size; i++) {
		u16 p = (u16)(port + i);
		u32 b = (val >> (8 * i)) & 0xFF;
		if (p >= 0xCFC)
			data_write(bus, p, b, 1);
		else if (bus->other_ops && bus->other_ops->write)
			bus->other_ops->write(bus->other_ctx, p, b, 1);
	}
}

const IoOps pci_host_io_ops = {host_read, host_write, 1 | 2 | 4, "pci-host"};
