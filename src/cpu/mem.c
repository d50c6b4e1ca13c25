/* mem.c: the CPU's view of memory: segment limit/type checks (slow path), the one
 * linear->physical translation (paging), the software TLB, and accesses that miss it.
 *
 * Every guest memory access of the CPU goes seg:offset -> linear (lin_r/lin_w in
 * internal.h, checks in seg_check_slow here) -> physical (mem_translate, the only place
 * that walks page tables) -> host pointer (TLB) or the MemBus slow path (MMIO, watched
 * code pages, unmapped memory, page-crossing accesses). TLB entries are tagged with the
 * linear page and the access mode (user or supervisor), so one entry never grants a
 * user access that a supervisor walk allowed; a write entry exists only once the walk
 * has set the dirty bit.
 * References: Intel SDM vol. 3A 3.4.5 (segment descriptors), 5.3-5.6 (limit and type
 * checking), chapter 4 (32-bit paging: 4 KiB and 4 MiB pages, #PF with CR2 and its
 * error code, U/S and R/W with CR0.WP, accessed and dirty bits).
 * Data breakpoints (debug.c): the TLB refuses a page that holds bytes a DR0-DR3 data
 * breakpoint watches, so the accesses there come through the slow paths here, which
 * report them to dbp_access.
 * Not modelled: PAE, global-page retention (every flush drops all entries), alignment
 * check (#AC). */
#include "cpu/internal.h"

/* Page-table entry bits */
enum { PTE_P = 1, PTE_W = 2, PTE_U = 4, PTE_A = 0x20, PTE_D = 0x40, PTE_PS = 0x80 };

/* Walks the page tables for lin. Returns true and *phys when the access is allowed
 * (setting the accessed/dirty bits when set_ad), else false and *err the #PF error code
 * (P = protection violation rather than not-present, W/R = write, U/S = user mode).
 * SDM vol. 3A 4.3 (32-bit paging), 4.6 (access rights), 4.8 (A and D flags). */
static bool page_walk(Cpu *c, u32 lin, bool write, bool user, bool set_ad, u32 *phys,
		      u32 *err)
{
	MemBus *m = c->mem;
	u32 ea = (write ? 2u : 0) | (user ? 4u : 0);
	u32 pde_addr = (c->cr3 & ~MEM_PAGE_MASK) + (lin >> 22) * 4;
	u32 pde = mem_read(m, pde_addr, 4);
	if (!(pde & PTE_P)) {
		*err = ea;
		return false;
	}
	u32 pte_addr = 0, pte, frame;
	bool big = (pde & PTE_PS) && (c->cr4 & 0x10); /* CR4.PSE: 4 MiB page */
	if (big) {
		pte = pde;
		frame = (pde & 0xFFC00000u) | (lin & 0x3FF000);
	} else {
		pte_addr = (pde & ~MEM_PAGE_MASK) + ((lin >> 12) & 0x3FF) * 4;
		pte = mem_read(m, pte_addr, 4);
		if (!(pte & PTE_P)) {
			*err = ea;
			return false;
		}
		frame = pte & ~MEM_PAGE_MASK;
	}
	u32 rights = big ? pte : pde & pte; /* both levels must allow it */
	bool ok = true;
	if (user && !(rights & PTE_U))
		ok = false;
	else if (write && !(rights & PTE_W) && (user || (c->cr0 & CR0_WP)))
		ok = false;
	if (!ok) {
		*err = ea | 1;
		return false;
	}
	if (set_ad) {
		if (!big && !(pde & PTE_A))
			mem_write(m, pde_addr, pde | PTE_A, 4);
		u32 want = PTE_A | (write ? PTE_D : 0);
		if ((pte & want) != want)
			mem_write(m, big ? pde_addr : pte_addr, pte | want, 4);
	}
	*phys = frame | (lin & MEM_PAGE_MASK);
	return true;
}

/* Linear to physical, the one place: with CR0.PG the page walk (c->tlb_mode says
 * whether this is a user-mode access), raising #PF with CR2 and the error code;
 * without it identity. The A20 gate applies afterwards (mem_page). */
u32 mem_translate(Cpu *c, u32 lin, bool write, bool fetch)
{
	(void)fetch; /* no execute-disable on these models */
	if (!(c->cr0 & CR0_PG))
		return lin & c->mem->a20_mask;
	u32 phys, err;
	if (!page_walk(c, lin, write, c->tlb_mode != 0, true, &phys, &err)) {
		c->cr2 = lin;
		cpu_fault(c, EXC_PF, err);
	}
	return phys & c->mem->a20_mask;
}

int cpu_translate(Cpu *c, u32 linear, u32 *paddr)
{
	if (!(c->cr0 & CR0_PG)) {
		*paddr = linear & c->mem->a20_mask;
		return 0;
	}
	u32 err;
	if (!page_walk(c, linear, false, false, false, paddr, &err))
		return -1;
	*paddr &= c->mem->a20_mask;
	return 0;
}

void tlb_flush(Cpu *c)
{
	for (u32 i = 0; i < TLB_SIZE; i++) {
		c->tlb_r[i].tag = TLB_INVALID;
		c->tlb_w[i].tag = TLB_INVALID;
	}
	c->fetch_lin = 1;
	jc_invalidate(c);
}

_Noreturn void seg_fault_access(Cpu *c, int segno)
{
	cpu_fault(c, segno == SEG_SS ? EXC_SS : EXC_GP, 0);
}

/* Full check of an access to seg:[ea, ea+size) (SDM 5.3: limit, 5.5: type). */
void seg_check_slow(Cpu *c, int segno, u32 ea, u32 size, bool write)
{
	const SegCache *s = &c->seg[segno];
	u32 a = s->attr;
	if (pmode(c) && !v86(c)) {
		if (!(a & DA_P) || !(a & DA_S))
			seg_fault_access(c, segno);
		if (write && ((a & DA_CODE) || !(a & DA_RW)))
			seg_fault_access(c, segno);
		if (!write && (a & DA_CODE) && !(a & DA_RW))
			seg_fault_access(c, segno);
	}
	u64 last = (u64)ea + size - 1;
	if (!(a & DA_CODE) && (a & DA_EC)) {
		u64 upper = (a & DA_DB) ? 0xFFFFFFFFull : 0xFFFF;
		if (ea <= s->limit || last > upper)
			seg_fault_access(c, segno);
	} else if (last > s->limit) {
		seg_fault_access(c, segno);
	}
}

/* Fills the TLB entry for lin when its page is plain memory for this direction and
 * returns the physical address. */
static u32 tlb_fill(Cpu *c, u32 lin, bool write)
{
	u32 phys = mem_translate(c, lin, write, false);
	const MemPage *p = mem_page(c->mem, phys);
	u8 *host;
	if (write)
		host = (p->flags & (MEM_F_WATCH | MEM_F_MMIO_WR)) ? NULL : p->wr;
	else
		host = (p->flags & MEM_F_MMIO_RD) ? NULL : p->rd;
	if (host && unlikely(c->dbp_rd | c->dbp_wr) && dbp_page_watched(c, lin, write))
		host = NULL;
	if (apic_hit(c, phys))
		host = NULL; /* this CPU's APIC registers, in front of the bus */
	if (host) {
		u32 page = lin & ~MEM_PAGE_MASK;
		TlbEnt *e = write ? &c->tlb_w[(lin >> MEM_PAGE_SHIFT) & (TLB_SIZE - 1)]
				  : &c->tlb_r[(lin >> MEM_PAGE_SHIFT) & (TLB_SIZE - 1)];
		e->tag = page | c->tlb_mode;
		e->addend = (uintptr_t)host - page;
	}
	return phys;
}

static bool crosses(u32 lin, int size)
{
	return (lin & MEM_PAGE_MASK) + (u32)size > MEM_PAGE_SIZE;
}

u32 mem_rd_slow(Cpu *c, u32 lin, int size)
{
	if (unlikely(crosses(lin, size))) {
		u32 v = 0;
		for (int i = 0; i < size; i++)
			v |= rd8_lin(c, lin + (u32)i) << (8 * i);
		return v;
	}
	u32 phys = tlb_fill(c, lin, false);
	if (unlikely(c->dbp_rd))
		dbp_access(c, lin, size, false);
	TlbEnt *e = tlb_r_hit(c, lin, (u32)size);
	if (e) {
		const u8 *h = HOSTP(e, lin);
		return size == 1 ? *h : size == 2 ? ld16(h) : ld32(h);
	}
	if (apic_hit(c, phys))
		return c->apic.read(c->apic.ctx, phys & MEM_PAGE_MASK, size);
	return mem_read(c->mem, phys, size);
}

void mem_wr_slow(Cpu *c, u32 lin, u32 val, int size)
{
	if (unlikely(crosses(lin, size))) {
		/* both pages must be writable before either is written; a fault on the
		 * second names its first byte in CR2, as the byte-wise reads do */
		mem_translate(c, lin, true, false);
		mem_translate(c, (lin + (u32)size - 1) & ~MEM_PAGE_MASK, true, false);
		for (int i = 0; i < size; i++)
			wr8_lin(c, lin + (u32)i, val >> (8 * i));
		return;
	}
	u32 phys = tlb_fill(c, lin, true);
	if (unlikely(c->dbp_wr))
		dbp_access(c, lin, size, true);
	TlbEnt *e = tlb_w_hit(c, lin, (u32)size);
	if (e) {
		u8 *h = HOSTP(e, lin);
		if (size == 1)
			*h = (u8)val;
		else if (size == 2)
			st16(h, val);
		else
			st32(h, val);
		return;
	}
	if (apic_hit(c, phys)) {
		c->apic.write(c->apic.ctx, phys & MEM_PAGE_MASK, val, size);
		return;
	}
	mem_write(c->mem, phys, val, size);
}

u8 *mem_wr_prepare(Cpu *c, u32 lin, int size)
{
	if (crosses(lin, size)) {
		mem_translate(c, lin, true, false);
		mem_translate(c, (lin + (u32)size - 1) & ~MEM_PAGE_MASK, true, false);
		return NULL;
	}
	tlb_fill(c, lin, true);
	TlbEnt *e = tlb_w_hit(c, lin, (u32)size);
	return e ? HOSTP(e, lin) : NULL;
}

u64 mem_rd64_lin(Cpu *c, u32 lin)
{
	u64 lo = rd32_lin(c, lin);
	return lo | (u64)rd32_lin(c, lin + 4) << 32;
}
