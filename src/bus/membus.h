/* membus.h: the guest's physical memory bus.
 *
 * 4 GiB of 32-bit physical address space in 4 KiB pages. Each page has a read target and
 * a write target: a host pointer (RAM, or ROM for reads), MMIO callbacks, or nothing
 * (reads all ones, writes ignored). Separate targets are how the i440FX PAM registers
 * shadow the BIOS: read ROM / write RAM while SeaBIOS copies itself, then read RAM /
 * write nothing. The A20 mask (bit 20 of every address, PC-AT gate A20) applies to every
 * access made through these functions.
 *
 * Each CPU keeps its own TLB of page host pointers (mem_page()); it registers as a
 * client of the bus (mem_add_client, one per CPU of a multiprocessor machine) so that it
 * hears when the map or A20 changes. Pages can be "watched" by clients (a CPU's
 * decoded-code cache watches the pages it has decoded code from): a write to a watched
 * page through mem_write*() calls the watch callback of every client watching it, and
 * no CPU caches a write pointer to a page any client watches (when a page becomes
 * watched, the other clients are told to drop theirs). */
#ifndef VMCP_BUS_MEMBUS_H
#define VMCP_BUS_MEMBUS_H

#include "base/base.h"
#include "base/hostmem.h"

#define MEM_PAGE_SHIFT 12
#define MEM_PAGE_SIZE (1u << MEM_PAGE_SHIFT)
#define MEM_PAGE_MASK (MEM_PAGE_SIZE - 1)
#define MEM_NPAGES (1u << (32 - MEM_PAGE_SHIFT))
#define MEM_MAX_MMIO 64
#define MEM_MAX_CLIENTS 8

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
	u8 watchers; /* clients watching the page (bit = client id); MEM_F_WATCH if any */
} MemPage;

/* A client of the bus (a CPU): what it is told. Any callback may be NULL. */
typedef struct MemClient {
	void (*on_change)(void *ctx);                    /* the map or A20 changed */
	void (*on_watch)(void *ctx, u32 paddr, u32 len); /* a page it watches was written */
	void (*on_watch_other)(void *ctx);               /* another client started watching a
							    page: drop write pointers to pages */
	void *ctx;
} MemClient;

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
	MemClient client[MEM_MAX_CLIENTS]; /* on_change == on_watch == ctx == NULL: free */
	u32 nwatched[MEM_MAX_CLIENTS];     /* pages each client watches */
	int batch;            /* mem_batch_begin depth */
	bool batch_changed;   /* a change happened during the batch */
	/* the 4 KiB pages of the page table written to (mem_free clears just those) */
	unsigned long long table_dirty[HOSTMEM_PARTS(MEM_NPAGES * sizeof(MemPage))];
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

/* Adds a client; returns its id (0..MEM_MAX_CLIENTS-1), or -1 when the bus has as many
 * as it can take. */
int mem_add_client(MemBus *bus, const MemClient *cl);
/* Removes client id; the pages it watched stop being watched by it. */
void mem_remove_client(MemBus *bus, int id);
/* Several map changes told as one: between mem_batch_begin and mem_batch_end (which
 * nest) the clients hear nothing; at the outermost end, one change if any happened. */
void mem_batch_begin(MemBus *bus);
void mem_batch_end(MemBus *bus);
/* Client id watches (on) or stops watching the page holding paddr. */
void mem_watch(MemBus *bus, int id, u32 paddr, bool on);

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
