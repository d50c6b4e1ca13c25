/* membus.h: the guest's physical memory bus.
 *
 * 4 GiB of 32-bit physical address space in 4 KiB pages. Each page has a read target and
 * a write target: a host pointer (RAM, or ROM for reads), MMIO callbacks, or nothing
 * (reads all ones, writes ignored). Separate targets are how the i440FX PAM registers
 * shadow the BIOS: read ROM / write RAM while SeaBIOS copies itself, then read RAM /
 * write nothing. The A20 mask (bit 20 of every address, PC-AT gate A20) applies to every
 * access made through these functions.
 *
 * The CPU keeps its own TLB of page host pointers (mem_page()); it registers a change
 * listener so that it can flush that TLB when the map or A20 changes. Pages can be
 * "watched" (the CPU's decoded-code cache does this for pages it has decoded code from):
 * a write to a watched page through mem_write*() calls the watch callback, and the CPU
 * never caches a write pointer to a watched page. */
#ifndef VMCP_BUS_MEMBUS_H
#define VMCP_BUS_MEMBUS_H

#include "base/base.h"

#define MEM_PAGE_SHIFT 12
#define MEM_PAGE_SIZE (1u << MEM_PAGE_SHIFT)
#define MEM_PAGE_MASK (MEM_PAGE_SIZE - 1)
#define MEM_NPAGES (1u << (32 - MEM_PAGE_SHIFT))
#define MEM_MAX_MMIO 64

typedef struct MmioOps {
	u32 (*read)(void *ctx, u32 addr, int size);             /* addr: physical */
	void (*write)(void *ctx, u32 addr, u32 val, int size); /* size 1, 2 or 4 */
	const char *name;
} MmioOps;

enum {
	MEM_F_WATCH = 1,    /* writes call the watch callback */
	MEM_F_MMIO_RD = 2,  /* reads go to mmio[page.mmio] */
	MEM_F_MMIO_WR = 4,  /* writes go to mmio[page.mmio] */
};

typedef struct MemPage {
	u8 *rd;   /* host bytes of this page for reads, or NULL */
	u8 *wr;   /* host bytes for writes, or NULL */
	u16 mmio; /* index into MemBus.mmio when a MEM_F_MMIO_* flag is set */
	u16 flags;
} MemPage;

typedef struct MemBus {
	MemPage *page; /* MEM_NPAGES entries */
	u8 *ram;       /* guest RAM, ram_size bytes (host mapping) */
	u64 ram_size;
	u32 a20_mask;  /* 0xFFFFFFFF with A20 on, 0xFFEFFFFF off */
	struct {
		const MmioOps *ops;
		void *ctx;
	} mmio[MEM_MAX_MMIO];
	int nmmio;
	void (*on_change)(void *ctx); /* the map or A20 changed: flush TLBs */
	void *change_ctx;
	void (*on_watch)(void *ctx, u32 paddr, u32 len); /* a watched page was written */
	void *watch_ctx;
} MemBus;

/* Allocates ram_size bytes of zeroed guest RAM (at most 3.5 GiB) and maps it at 0..640K
 * and 1M..ram_size; the range 640K..1M is left for the board (VGA, option ROMs, BIOS).
 * A20 starts enabled. Returns 0, VMCP_ENOMEM or VMCP_ERANGE. */
int mem_init(MemBus *bus, u64 ram_size);
/* Frees the RAM and the page table; safe on a zeroed MemBus. */
void mem_free(MemBus *bus);

/* Mapping, page-aligned (base and size multiples of 4 KiB; asserted): host bytes read
 * and written (RAM), or read only with writes ignored (ROM). */
void mem_map_ram(MemBus *bus, u32 base, u32 size, u8 *host);
void mem_map_rom(MemBus *bus, u32 base, u32 size, const u8 *host);
/* Separate read and write targets; NULL means unmapped for that direction. */
void mem_map_split(MemBus *bus, u32 base, u32 size, const u8 *rd, u8 *wr);
/* Returns 0 or VMCP_ENOSPC when the MMIO table is full. */
int mem_map_mmio(MemBus *bus, u32 base, u32 size, const MmioOps *ops, void *ctx);
/* Leaves the pages unmapped: reads all ones, writes ignored. */
void mem_unmap(MemBus *bus, u32 base, u32 size);

/* Gate A20 on or off (the change listener hears of a change). */
void mem_set_a20(MemBus *bus, bool on);
static inline bool mem_a20(const MemBus *bus) { return bus->a20_mask & (1u << 20); }

/* The change listener: fn(ctx) after the map or A20 changed (one per bus: the CPU's). */
void mem_set_listener(MemBus *bus, void (*fn)(void *ctx), void *ctx);
/* The watch callback: fn(ctx, paddr, len) after a write to a watched page. */
void mem_set_watch_fn(MemBus *bus, void (*fn)(void *ctx, u32 paddr, u32 len), void *ctx);
/* Watches (on) or stops watching the page holding paddr. */
void mem_watch(MemBus *bus, u32 paddr, bool on);

/* The page entry for a physical address (A20 mask applied). */
static inline const MemPage *mem_page(const MemBus *bus, u32 paddr)
{
	return &bus->page[(paddr & bus->a20_mask) >> MEM_PAGE_SHIFT];
}

/* Slow-path accesses of 1, 2 or 4 bytes (may cross a page: split into bytes). */
u32 mem_read(MemBus *bus, u32 paddr, int size);
void mem_write(MemBus *bus, u32 paddr, u32 val, int size);

/* Block copies, for DMA engines and loaders: byte-wise semantics, any alignment. */
void mem_read_buf(MemBus *bus, u32 paddr, void *buf, u32 len);
void mem_write_buf(MemBus *bus, u32 paddr, const void *buf, u32 len);

#endif
