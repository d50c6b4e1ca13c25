/* icache.c: the decoded-code cache.
 *
 * Guest code is decoded once into Blocks: runs of up to BLOCK_MAX_INSNS instructions
 * that start at one physical address and end at a control transfer, at the end of the
 * 4 KiB page, or before an instruction that would cross it. Blocks are found by a hash
 * on (physical address, CS.D) and live in an arena that is emptied when full.
 *
 * Staying correct when code changes: each physical page holding decoded code is
 * "watched" on the MemBus (mem_watch; each CPU of a machine is a client of the bus with
 * its own cache), with a mask of the 64-byte chunks its blocks cover. No CPU keeps a TLB
 * write pointer to a watched page, so every write to it (by this CPU, another CPU, a DMA
 * engine, or the CP through mem_write*) reaches the bus, which calls icache_on_watch: a write into a covered chunk drops every block of that page
 * and ends the block being executed after the current instruction (self-modifying code
 * takes effect at the next instruction, as on P6-class parts). A change of the memory
 * map or of A20 (the bus's change listener) drops everything.
 * Code in MMIO or unmapped memory, and an instruction crossing a page boundary, is
 * decoded afresh on every execution (icache_decode_one) and never cached. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/hostmem.h"
#include "cpu/internal.h"

#define HASH_BITS 15
#define HASH_SIZE (1u << HASH_BITS)
#define PAGE_HASH_SIZE 4096u
#define MAX_CODE_PAGES 16384u
#define ARENA_SIZE (8u << 20)

typedef struct CodePage {
	u32 page;   /* physical page number */
	u64 chunks; /* 64-byte chunks covered by decoded code */
	Block *blocks;
	struct CodePage *next;
} CodePage;

struct ICache {
	/* cleared when the cache is made (icache_init clears up to `dirty`) */
	Block *hash[HASH_SIZE];
	CodePage *phash[PAGE_HASH_SIZE];
	u32 ndirty;
	u32 npages;
	u8 *arena;
	size_t used;
	bool flush_pending;
	/* written before they are read: not cleared (two thirds of the structure) */
	u32 dirty[HASH_SIZE]; /* buckets used since the last flush */
	CodePage pool[MAX_CODE_PAGES];
	Insn tmp[BLOCK_MAX_INSNS];
};

static inline u32 hash_of(u32 phys, u32 mode)
{
	return ((phys * 0x9E3779B1u) >> (32 - HASH_BITS)) ^ mode;
}

static void on_watch(void *ctx, u32 paddr, u32 len);
static void on_change(void *ctx);
static void on_watch_other(void *ctx);

int icache_init(Cpu *c)
{
	ICache *ic = hostmem_alloc(sizeof(*ic), HOSTMEM_NOCLEAR);
	if (!ic)
		return VMCP_ENOMEM;
	memset(ic, 0, offsetof(ICache, dirty));
	/* the arena from the kernel: pages are backed as blocks are decoded into them (a
	 * malloc this large is cleared or poisoned whole by some allocators); a block is
	 * written before it is read */
	ic->arena = hostmem_alloc(ARENA_SIZE, HOSTMEM_NOCLEAR);
	if (!ic->arena) {
		hostmem_free(ic, sizeof(*ic), HOSTMEM_NOCLEAR);
		return VMCP_ENOMEM;
	}
	c->scratch = malloc(sizeof(Block) + sizeof(Insn));
	if (!c->scratch) {
		hostmem_free(ic->arena, ARENA_SIZE, HOSTMEM_NOCLEAR);
		hostmem_free(ic, sizeof(*ic), HOSTMEM_NOCLEAR);
		return VMCP_ENOMEM;
	}
	c->ic = ic;
	c->mem_client = mem_add_client(c->mem, &(MemClient){on_change, on_watch, on_watch_other, c});
	if (c->mem_client < 0) {
		free(c->scratch);
		hostmem_free(ic->arena, ARENA_SIZE, HOSTMEM_NOCLEAR);
		hostmem_free(ic, sizeof(*ic), HOSTMEM_NOCLEAR);
		c->ic = NULL;
		c->scratch = NULL;
		return VMCP_ENOSPC;
	}
	return 0;
}

void icache_free(Cpu *c)
{
	if (!c->ic)
		return;
	icache_flush(c);
	mem_remove_client(c->mem, c->mem_client);
	hostmem_free(c->ic->arena, ARENA_SIZE, HOSTMEM_NOCLEAR);
	hostmem_free(c->ic, sizeof(*c->ic), HOSTMEM_NOCLEAR);
	free(c->scratch);
	c->ic = NULL;
	c->scratch = NULL;
}

/* Drops every block (never while one executes: the run loop calls this between blocks,
 * the bus listener only marks the flush as pending). */
void icache_flush(Cpu *c)
{
	ICache *ic = c->ic;
	if (ic->ndirty >= HASH_SIZE) {
		memset(ic->hash, 0, sizeof(ic->hash));
	} else {
		for (u32 i = 0; i < ic->ndirty; i++)
			ic->hash[ic->dirty[i]] = NULL;
	}
	ic->ndirty = 0;
	for (u32 i = 0; i < ic->npages; i++) {
		CodePage *p = &ic->pool[i];
		if (p->chunks || p->blocks)
			mem_watch(c->mem, c->mem_client, p->page << MEM_PAGE_SHIFT, false);
		ic->phash[p->page & (PAGE_HASH_SIZE - 1)] = NULL;
	}
	ic->npages = 0;
	ic->used = 0;
	ic->flush_pending = false;
	jc_invalidate(c);
	jit_flush(c); /* translations point into the blocks */
}

void icache_request_flush(Cpu *c)
{
	c->ic->flush_pending = true;
}

static CodePage *page_find(ICache *ic, u32 page)
{
	for (CodePage *p = ic->phash[page & (PAGE_HASH_SIZE - 1)]; p; p = p->next)
		if (p->page == page)
			return p;
	return NULL;
}

/* Drops all blocks decoded from one page. */
static void page_invalidate(Cpu *c, CodePage *p)
{
	for (Block *b = p->blocks; b; b = b->pnext) {
		*b->hprev = b->hnext;
		if (b->hnext)
			b->hnext->hprev = b->hprev;
		b->hnext = NULL;
		b->hprev = &b->hnext;
	}
	p->blocks = NULL;
	p->chunks = 0;
	mem_watch(c->mem, c->mem_client, p->page << MEM_PAGE_SHIFT, false);
	jc_invalidate(c);
}

static void on_watch(void *ctx, u32 paddr, u32 len)
{
	Cpu *c = ctx;
	CodePage *p = page_find(c->ic, paddr >> MEM_PAGE_SHIFT);
	if (!p || !len)
		return;
	u32 first = (paddr & MEM_PAGE_MASK) >> 6;
	u32 last = MIN((u32)((paddr & MEM_PAGE_MASK) + len - 1), MEM_PAGE_MASK) >> 6;
	u64 bits = (last - first == 63) ? ~0ull : (((1ull << (last - first + 1)) - 1) << first);
	if (p->chunks & bits) {
		page_invalidate(c, p);
		c->brk = 1;
	}
}

static void on_change(void *ctx)
{
	Cpu *c = ctx;
	tlb_flush(c);
	c->ic->flush_pending = true;
	c->brk = 1;
}

/* Another CPU on the bus decoded code from a page nobody watched before: no write
 * pointer to it may stay in this CPU's TLB (writes there must reach the bus). */
static void on_watch_other(void *ctx)
{
	Cpu *c = ctx;
	for (u32 i = 0; i < TLB_SIZE; i++)
		c->tlb_w[i].tag = TLB_INVALID;
}

/* Fetches up to 15 instruction bytes at CS:EIP for a one-off decode, stopping at the CS
 * limit; the second page is only touched if the first runs out. Returns the count. */
static u32 fetch_bytes(Cpu *c, u8 *buf, u32 lin, u32 limit_room, bool second_page)
{
	u32 n = MIN(limit_room, 15u);
	if (!second_page)
		n = MIN(n, MEM_PAGE_SIZE - (lin & MEM_PAGE_MASK));
	u32 page_lin = 1, phys = 0;
	for (u32 i = 0; i < n; i++) {
		u32 l = lin + i;
		if ((l & ~MEM_PAGE_MASK) != page_lin) {
			page_lin = l & ~MEM_PAGE_MASK;
			phys = mem_translate(c, page_lin, false, true);
		}
		buf[i] = (u8)mem_read(c->mem, phys | (l & MEM_PAGE_MASK), 1);
	}
	return n;
}

const Block *icache_decode_one(Cpu *c)
{
	SegCache *cs = &c->seg[SEG_CS];
	u32 eip = c->eip;
	if (eip > cs->limit)
		GP0(c);
	u32 lin = cs->base + eip;
	u32 room = cs->limit - eip + 1; /* bytes before the limit (0 means 4 GiB) */
	if (room == 0)
		room = 15;
	u8 buf[16];
	DecodeIn in = {buf, 0, c->code32 != 0, model(c)};
	Block *b = c->scratch;
	in.avail = fetch_bytes(c, buf, lin, room, false);
	int len = cpu_decode(&in, &b->insn[0]);
	if (len == 0) {
		in.avail = fetch_bytes(c, buf, lin, room, true);
		len = cpu_decode(&in, &b->insn[0]);
		if (len == 0)
			GP0(c); /* the instruction runs past the CS limit */
	}
	b->phys = 0;
	b->mode = c->code32;
	b->n = 1;
	b->nbytes = (u16)len;
	b->hnext = NULL;
	b->hprev = &b->hnext;
	b->pnext = NULL;
	b->jit = NULL;
	b->heat = 0;
	return b;
}

static const Block *jc_fill(Cpu *c, u32 lin, const Block *b)
{
	JmpEnt *e = &c->jc[jc_index(lin)];
	e->lin = lin;
	e->gm = jc_key(c, b->mode);
	e->b = b;
	return b;
}

const Block *icache_lookup(Cpu *c)
{
	ICache *ic = c->ic;
	if (unlikely(ic->flush_pending))
		icache_flush(c);
	SegCache *cs = &c->seg[SEG_CS];
	u32 eip = c->eip;
	u32 lin = cs->base + eip;
	u32 phys;
	if (likely((lin & ~MEM_PAGE_MASK) == c->fetch_lin)) {
		phys = c->fetch_phys | (lin & MEM_PAGE_MASK);
	} else {
		if (eip > cs->limit)
			GP0(c);
		phys = mem_translate(c, lin, false, true);
		c->fetch_lin = lin & ~MEM_PAGE_MASK;
		c->fetch_phys = phys & ~MEM_PAGE_MASK;
	}
	if (unlikely(c->dbg_on & DBG_ON_EXEC)) {
		/* a page holding a CP execution range: one instruction at a time (cpdebug.c) */
		const Block *one = dbg_exec_lookup(c, lin, phys);
		if (one)
			return one;
	}
	u32 mode = c->code32;
	u32 h = hash_of(phys, mode);
	for (Block *b = ic->hash[h]; b; b = b->hnext) {
		if (b->phys == phys && b->mode == mode) {
			if (likely((u64)eip + b->nbytes - 1 <= cs->limit))
				return jc_fill(c, lin, b);
			return icache_decode_one(c);
		}
	}
	if (eip > cs->limit)
		GP0(c);

	/* decode a new block from the page's host bytes */
	const MemPage *mp = mem_page(c->mem, phys);
	if (!mp->rd || (mp->flags & MEM_F_MMIO_RD))
		return icache_decode_one(c);
	u32 off = phys & MEM_PAGE_MASK;
	u32 avail = MEM_PAGE_SIZE - off;
	u64 room = (u64)cs->limit - eip + 1;
	if (room < avail)
		avail = (u32)room;
	const u8 *host = mp->rd + off;
	DecodeIn in = {NULL, 0, mode != 0, model(c)};
	u32 n = 0, pos = 0;
	while (n < BLOCK_MAX_INSNS && pos < avail) {
		in.bytes = host + pos;
		in.avail = avail - pos;
		int len = cpu_decode(&in, &ic->tmp[n]);
		if (len == 0)
			break;
		pos += (u32)len;
		if (ic->tmp[n++].flags & INSN_END)
			break;
	}
	if (n == 0)
		return icache_decode_one(c);

	size_t size = sizeof(Block) + n * sizeof(Insn);
	size = (size + 15) & ~(size_t)15;
	if (ic->used + size > ARENA_SIZE || ic->npages >= MAX_CODE_PAGES) {
		icache_flush(c);
		h = hash_of(phys, mode);
	}
	u32 page = phys >> MEM_PAGE_SHIFT;
	CodePage *cp = page_find(ic, page);
	if (!cp) {
		cp = &ic->pool[ic->npages++];
		cp->page = page;
		cp->chunks = 0;
		cp->blocks = NULL;
		CodePage **head = &ic->phash[page & (PAGE_HASH_SIZE - 1)];
		cp->next = *head;
		*head = cp;
	}
	if (!cp->chunks && !cp->blocks) {
		mem_watch(c->mem, c->mem_client, phys, true);
		/* no write pointer to a watched page may stay in the TLB */
		for (u32 i = 0; i < TLB_SIZE; i++)
			c->tlb_w[i].tag = TLB_INVALID;
	}
	Block *b = (Block *)(ic->arena + ic->used);
	ic->used += size;
	b->phys = phys;
	b->mode = mode;
	b->n = (u16)n;
	b->nbytes = (u16)pos;
	b->jit = NULL;
	b->heat = 0;
	memcpy(b->insn, ic->tmp, n * sizeof(Insn));
	if (!ic->hash[h] && ic->ndirty < HASH_SIZE)
		ic->dirty[ic->ndirty++] = h;
	b->hnext = ic->hash[h];
	if (b->hnext)
		b->hnext->hprev = &b->hnext;
	b->hprev = &ic->hash[h];
	ic->hash[h] = b;
	b->pnext = cp->blocks;
	cp->blocks = b;
	u32 first = off >> 6, last = (off + pos - 1) >> 6;
	cp->chunks |= (last - first == 63) ? ~0ull : (((1ull << (last - first + 1)) - 1) << first);
	return jc_fill(c, lin, b);
}
