/* membus.c: page table, A20, MMIO dispatch, watched pages. */
#include "bus/membus.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/hostmem.h"

static void changed(MemBus *bus)
{
	if (bus->batch) {
		bus->batch_changed = true;
		return;
	}
	for (int i = 0; i < MEM_MAX_CLIENTS; i++)
		if (bus->client[i].on_change)
			bus->client[i].on_change(bus->client[i].ctx);
}

/* A write of len bytes at pa reached a watched page: its watchers hear of it. */
static void watched_write(MemBus *bus, const MemPage *p, u32 pa, u32 len)
{
	for (u32 w = p->watchers; w; w &= w - 1) {
		const MemClient *cl = &bus->client[__builtin_ctz(w)];
		if (cl->on_watch)
			cl->on_watch(cl->ctx, pa, len);
	}
}

#define PAGE_TABLE_BYTES ((size_t)MEM_NPAGES * sizeof(MemPage))

int mem_init(MemBus *bus, u64 ram_size)
{
	memset(bus, 0, sizeof(*bus));
	/* What the page table can map (RAM from 0, the low 1 MiB split around the legacy
	 * holes). A VM's memory size is the machine's rule, vm_memory_check (conf.h). */
	if (ram_size < MiB || ram_size > (u64)MEM_NPAGES * MEM_PAGE_SIZE || ram_size % MEM_PAGE_SIZE)
		return VMCP_ERANGE;
	/* The page table from the kernel: zero pages, only those the map touches ever
	 * backed (a calloc this large may come from a reused heap block and be cleared byte
	 * by byte, milliseconds for each machine built) */
	bus->page = hostmem_alloc(PAGE_TABLE_BYTES, 0);
	if (!bus->page)
		return VMCP_ENOMEM;
	/* Guest RAM between two inaccessible guard pages: a host-side write that ran off
	 * either end of RAM (a device model's DMA bug) faults at once instead of landing in
	 * whatever mapping happens to be next. */
	u8 *ram = hostmem_alloc(ram_size, HOSTMEM_GUARD_BEFORE | HOSTMEM_NOPTRS);
	if (!ram) {
		hostmem_free(bus->page, PAGE_TABLE_BYTES, 0);
		bus->page = NULL;
		return VMCP_ENOMEM;
	}
	bus->ram = ram;
	bus->ram_size = ram_size;
	bus->a20_mask = 0xFFFFFFFFu;
	bus->nmmio = 1; /* index 0 means none */
	mem_map_ram(bus, 0, 0xA0000, bus->ram);
	mem_map_ram(bus, 0x100000, (u32)(ram_size - 0x100000), bus->ram + 0x100000);
	return 0;
}

void mem_free(MemBus *bus)
{
	hostmem_free(bus->ram, bus->ram_size, HOSTMEM_GUARD_BEFORE | HOSTMEM_NOPTRS);
	if (bus->page) {
		/* only the pages of the table written to: it goes back clean */
		hostmem_clear_marked(bus->page, PAGE_TABLE_BYTES, bus->table_dirty);
		hostmem_free(bus->page, PAGE_TABLE_BYTES, HOSTMEM_CLEARED);
	}
	memset(bus, 0, sizeof(*bus));
}

/* Entries first..last of the page table are about to be written. */
static void table_touch(MemBus *bus, u32 first, u32 last)
{
	hostmem_mark(bus->table_dirty, first * sizeof(MemPage), last * sizeof(MemPage));
}

void mem_map_split(MemBus *bus, u32 base, u32 size, const u8 *rd, u8 *wr)
{
	assert(!(base & MEM_PAGE_MASK) && !(size & MEM_PAGE_MASK));
	if (size)
		table_touch(bus, base >> MEM_PAGE_SHIFT, (base >> MEM_PAGE_SHIFT) + (size >> MEM_PAGE_SHIFT) - 1);
	for (u32 i = 0; i < size >> MEM_PAGE_SHIFT; i++) {
		MemPage *p = &bus->page[(base >> MEM_PAGE_SHIFT) + i];
		p->rd = rd ? (u8 *)rd + ((size_t)i << MEM_PAGE_SHIFT) : NULL;
		p->wr = wr ? wr + ((size_t)i << MEM_PAGE_SHIFT) : NULL;
		p->flags &= MEM_F_WATCH;
		p->mmio = 0;
	}
	changed(bus);
}

void mem_map_ram(MemBus *bus, u32 base, u32 size, u8 *host)
{
	mem_map_split(bus, base, size, host, host);
}

void mem_map_rom(MemBus *bus, u32 base, u32 size, const u8 *host)
{
	mem_map_split(bus, base, size, host, NULL);
}

void mem_unmap(MemBus *bus, u32 base, u32 size)
{
	mem_map_split(bus, base, size, NULL, NULL);
}

int mem_map_mmio(MemBus *bus, u32 base, u32 size, const MmioOps *ops, void *ctx)
{
	assert(!(base & MEM_PAGE_MASK) && !(size & MEM_PAGE_MASK));
	int idx = -1;
	for (int i = 1; i < bus->nmmio; i++)
		if (bus->mmio[i].ops == ops && bus->mmio[i].ctx == ctx)
			idx = i;
	if (idx < 0) {
		if (bus->nmmio >= MEM_MAX_MMIO)
			return VMCP_ENOSPC;
		idx = bus->nmmio++;
		bus->mmio[idx].ops = ops;
		bus->mmio[idx].ctx = ctx;
	}
	if (size)
		table_touch(bus, base >> MEM_PAGE_SHIFT, (base >> MEM_PAGE_SHIFT) + (size >> MEM_PAGE_SHIFT) - 1);
	for (u32 i = 0; i < size >> MEM_PAGE_SHIFT; i++) {
		MemPage *p = &bus->page[(base >> MEM_PAGE_SHIFT) + i];
		p->rd = p->wr = NULL;
		p->mmio = (u16)idx;
		p->flags = (u16)((p->flags & MEM_F_WATCH) | MEM_F_MMIO_RD | MEM_F_MMIO_WR);
	}
	changed(bus);
	return 0;
}

void mem_set_a20(MemBus *bus, bool on)
{
	u32 m = on ? 0xFFFFFFFFu : ~(1u << 20);
	if (m != bus->a20_mask) {
		bus->a20_mask = m;
		changed(bus);
	}
}

void mem_batch_begin(MemBus *bus)
{
	bus->batch++;
}

void mem_batch_end(MemBus *bus)
{
	if (bus->batch > 0 && --bus->batch == 0 && bus->batch_changed) {
		bus->batch_changed = false;
		changed(bus);
	}
}

static bool client_free(const MemClient *cl)
{
	return !cl->on_change && !cl->on_watch && !cl->on_watch_other && !cl->ctx;
}

int mem_add_client(MemBus *bus, const MemClient *cl)
{
	for (int i = 0; i < MEM_MAX_CLIENTS; i++) {
		if (client_free(&bus->client[i])) {
			bus->client[i] = *cl;
			return i;
		}
	}
	return -1;
}

void mem_remove_client(MemBus *bus, int id)
{
	if (id < 0 || id >= MEM_MAX_CLIENTS || !bus->page)
		return;
	u8 bit = (u8)(1u << id);
	for (u32 i = 0; bus->nwatched[id] && i < MEM_NPAGES; i++) {
		MemPage *p = &bus->page[i];
		if (p->watchers & bit) {
			p->watchers &= (u8)~bit;
			bus->nwatched[id]--;
			if (!p->watchers)
				p->flags &= (u16)~MEM_F_WATCH;
		}
	}
	bus->client[id] = (MemClient){0};
}

void mem_watch(MemBus *bus, int id, u32 paddr, bool on)
{
	MemPage *p = &bus->page[paddr >> MEM_PAGE_SHIFT];
	u8 bit = (u8)(1u << id);
	table_touch(bus, paddr >> MEM_PAGE_SHIFT, paddr >> MEM_PAGE_SHIFT);
	if (on) {
		bool first = !p->watchers;
		bus->nwatched[id] += !(p->watchers & bit);
		p->watchers |= bit;
		p->flags |= MEM_F_WATCH;
		if (first) {
			/* nobody may keep a write pointer to a watched page */
			for (int i = 0; i < MEM_MAX_CLIENTS; i++)
				if (i != id && bus->client[i].on_watch_other)
					bus->client[i].on_watch_other(bus->client[i].ctx);
		}
	} else {
		bus->nwatched[id] -= !!(p->watchers & bit);
		p->watchers &= (u8)~bit;
		if (!p->watchers)
			p->flags &= (u16)~MEM_F_WATCH;
	}
}

static u8 read8(MemBus *bus, u32 pa)
{
	const MemPage *p = mem_page(bus, pa);
	pa &= bus->a20_mask;
	if (likely(p->rd != NULL))
		return p->rd[pa & MEM_PAGE_MASK];
	if (p->flags & MEM_F_MMIO_RD)
		return (u8)bus->mmio[p->mmio].ops->read(bus->mmio[p->mmio].ctx, pa, 1);
	return 0xFF;
}

static void write8(MemBus *bus, u32 pa, u8 v)
{
	MemPage *p = &bus->page[(pa & bus->a20_mask) >> MEM_PAGE_SHIFT];
	pa &= bus->a20_mask;
	if (likely(p->wr != NULL)) {
		p->wr[pa & MEM_PAGE_MASK] = v;
		if (unlikely(p->flags & MEM_F_WATCH))
			watched_write(bus, p, pa, 1);
	} else if (p->flags & MEM_F_MMIO_WR) {
		bus->mmio[p->mmio].ops->write(bus->mmio[p->mmio].ctx, pa, v, 1);
	}
}

u32 mem_read(MemBus *bus, u32 paddr, int size)
{
	const MemPage *p = mem_page(bus, paddr);
	u32 off = paddr & MEM_PAGE_MASK;
	if (off + (u32)size <= MEM_PAGE_SIZE) {
		if (likely(p->rd != NULL)) {
			u32 v = 0;
			memcpy(&v, p->rd + off, (size_t)size);
			return v;
		}
		if (p->flags & MEM_F_MMIO_RD)
			return bus->mmio[p->mmio].ops->read(bus->mmio[p->mmio].ctx,
							     paddr & bus->a20_mask, size);
	}
	u32 v = 0;
	for (int i = 0; i < size; i++)
		v |= (u32)read8(bus, paddr + (u32)i) << (8 * i);
	return v;
}

void mem_write(MemBus *bus, u32 paddr, u32 val, int size)
{
	MemPage *p = &bus->page[(paddr & bus->a20_mask) >> MEM_PAGE_SHIFT];
	u32 off = paddr & MEM_PAGE_MASK;
	if (off + (u32)size <= MEM_PAGE_SIZE) {
		if (likely(p->wr != NULL)) {
			memcpy(p->wr + off, &val, (size_t)size);
			if (unlikely(p->flags & MEM_F_WATCH))
				watched_write(bus, p, paddr & bus->a20_mask, (u32)size);
			return;
		}
		if (p->flags & MEM_F_MMIO_WR) {
			bus->mmio[p->mmio].ops->write(bus->mmio[p->mmio].ctx,
						      paddr & bus->a20_mask, val, size);
			return;
		}
	}
	for (int i = 0; i < size; i++)
		write8(bus, paddr + (u32)i, (u8)(val >> (8 * i)));
}

void mem_read_buf(MemBus *bus, u32 paddr, void *buf, u32 len)
{
	u8 *b = buf;
	while (len) {
		const MemPage *p = mem_page(bus, paddr);
		u32 off = paddr & MEM_PAGE_MASK, n = MIN(len, MEM_PAGE_SIZE - off);
		if (p->rd)
			memcpy(b, p->rd + off, n);
		else
			for (u32 i = 0; i < n; i++)
				b[i] = read8(bus, paddr + i);
		b += n;
		paddr += n;
		len -= n;
	}
}

void mem_write_buf(MemBus *bus, u32 paddr, const void *buf, u32 len)
{
	const u8 *b = buf;
	while (len) {
		MemPage *p = &bus->page[(paddr & bus->a20_mask) >> MEM_PAGE_SHIFT];
		u32 off = paddr & MEM_PAGE_MASK, n = MIN(len, MEM_PAGE_SIZE - off);
		if (p->wr) {
			memcpy(p->wr + off, b, n);
			if (unlikely(p->flags & MEM_F_WATCH))
				watched_write(bus, p, paddr & bus->a20_mask, n);
		} else {
			for (u32 i = 0; i < n; i++)
				write8(bus, paddr + i, b[i]);
		}
		b += n;
		paddr += n;
		len -= n;
	}
}
