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
 * checking), chapter 4 (32-bit paging: 4 KiB and 4 MiB pages; PAE paging: PDPTE
 * registers, 4 KiB and 2 MiB pages, XD with EFER.NXE; #PF with CR2 and its error code
 * (P, W/R, U/S, RSVD, I/D), U/S and R/W with CR0.WP, accessed and dirty bits; INVLPG).
 * Data breakpoints (debug.c): the TLB refuses a page that holds bytes a DR0-DR3 data
 * breakpoint watches, so the accesses there come through the slow paths here, which
 * report them to dbp_access.
 * Not modelled: global-page retention (a CR3 load drops global translations too, which
 * the SDM allows), physical addresses above 4 GiB (they wrap: bus_addr), the PAT and
 * MTRR memory types (no caching effect), alignment check (#AC). */
#include "cpu/internal.h"

/* Paging-structure entry bits (both formats) and the #PF error code bits. */
enum { PTE_P = 1, PTE_W = 2, PTE_U = 4, PTE_A = 0x20, PTE_D = 0x40, PTE_PS = 0x80 };
enum { PF_P = 1, PF_W = 2, PF_U = 4, PF_RSVD = 8, PF_ID = 16 };
#define PTE_XD (1ull << 63)                   /* PAE: execute-disable (with EFER.NXE) */
#define PAE_FRAME 0x0000000FFFFFF000ull       /* bits 35:12: MAXPHYADDR is 36 */
#define PAE_RSVD 0x7FFFFFF000000000ull        /* bits 62:36, reserved in every entry */
#define PAE_RSVD_2M 0x00000000001FE000ull     /* bits 20:13 of a 2 MiB PDE */
#define PDPTE_RSVD 0xFFFFFFF0000001E6ull      /* bits 63:36, 8:5, 2:1 of a PDPTE */
#define PSE_RSVD_4M 0x003FE000u               /* bits 21:13 of a 4 MiB PDE (no PSE-36) */

/* The board decodes 32 address bits (the i440FX's host address pins are A[31:3]#), so
 * a PAE physical address above 4 GiB reaches the bus modulo 4 GiB: the one place where
 * a 36-bit address becomes a bus address. */
static inline u32 bus_addr(u64 pa) { return (u32)pa; }

static u64 rd64_phys(MemBus *m, u64 pa)
{
	u32 a = bus_addr(pa);
	return (u64)mem_read(m, a, 4) | (u64)mem_read(m, a + 4, 4) << 32;
}

/* An access being translated. */
typedef struct Access {
	bool write, user, fetch, set_ad;
} Access;

/* The rights check after a complete walk (SDM vol. 3A 4.6): U/S and R/W of every level
 * (rights = the AND of their bits), CR0.WP for supervisor writes, and with PAE and
 * EFER.NXE the XD bit of any level for instruction fetches. */
static bool rights_ok(const Cpu *c, const Access *a, u32 rights, bool xd)
{
	if (a->user && !(rights & PTE_U))
		return false;
	if (a->write && !(rights & PTE_W) && (a->user || (c->cr0 & CR0_WP)))
		return false;
	return !(a->fetch && xd);
}

/* 32-bit paging (SDM 4.3): a page directory of 1024 4-byte PDEs at CR3, 4 KiB pages or,
 * with CR4.PSE, 4 MiB pages (bits 21:13 reserved: no PSE-36). */
static bool walk32(Cpu *c, u32 lin, const Access *a, u32 *phys, u32 *err)
{
	MemBus *m = c->mem;
	u32 ea = (a->write ? PF_W : 0) | (a->user ? PF_U : 0);
	u32 pde_addr = (c->cr3 & ~MEM_PAGE_MASK) + (lin >> 22) * 4;
	u32 pde = mem_read(m, pde_addr, 4);
	if (!(pde & PTE_P)) {
		*err = ea;
		return false;
	}
	u32 pte_addr = 0, pte, frame;
	bool big = (pde & PTE_PS) && (c->cr4 & CR4_PSE);
	if (big) {
		if (pde & PSE_RSVD_4M) {
			*err = ea | PF_P | PF_RSVD;
			return false;
		}
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
	if (!rights_ok(c, a, big ? pte : pde & pte, false)) {
		*err = ea | PF_P;
		return false;
	}
	if (a->set_ad) {
		if (!big && !(pde & PTE_A))
			mem_write(m, pde_addr, pde | PTE_A, 4);
		u32 want = PTE_A | (a->write ? PTE_D : 0);
		if ((pte & want) != want)
			mem_write(m, big ? pde_addr : pte_addr, pte | want, 4);
	}
	*phys = frame | (lin & MEM_PAGE_MASK);
	return true;
}

/* PAE paging (SDM 4.4): the four PDPTE registers (loaded with CR3, paging_load_pdptes),
 * page directories and tables of 512 8-byte entries, 4 KiB or 2 MiB pages (PS is always
 * honoured), 36-bit physical addresses, the XD bit with EFER.NXE (bit 63 is reserved
 * without it). A present entry with a reserved bit set faults with RSVD; with NXE an
 * instruction fetch's fault has I/D set (SDM 4.7). */
static bool walk_pae(Cpu *c, u32 lin, const Access *a, u32 *phys, u32 *err)
{
	MemBus *m = c->mem;
	bool nxe = c->efer & EFER_NXE;
	u32 ea = (a->write ? PF_W : 0) | (a->user ? PF_U : 0) | (a->fetch && nxe ? PF_ID : 0);
	u64 rsvd = PAE_RSVD | (nxe ? 0 : PTE_XD);
	u64 pdpte = c->pdpte[lin >> 30];
	if (!(pdpte & PTE_P)) {
		*err = ea;
		return false;
	}
	u64 pde_addr = (pdpte & PAE_FRAME) + ((lin >> 21) & 0x1FF) * 8;
	u64 pde = rd64_phys(m, pde_addr);
	if (!(pde & PTE_P)) {
		*err = ea;
		return false;
	}
	bool big = pde & PTE_PS;
	if (pde & (rsvd | (big ? PAE_RSVD_2M : 0))) {
		*err = ea | PF_P | PF_RSVD;
		return false;
	}
	u64 pte_addr = 0, pte, frame;
	if (big) {
		pte = pde;
		frame = (pde & PAE_FRAME & ~0x1FFFFFull) | (lin & 0x1FF000);
	} else {
		pte_addr = (pde & PAE_FRAME) + ((lin >> 12) & 0x1FF) * 8;
		pte = rd64_phys(m, pte_addr);
		if (!(pte & PTE_P)) {
			*err = ea;
			return false;
		}
		if (pte & rsvd) {
			*err = ea | PF_P | PF_RSVD;
			return false;
		}
		frame = pte & PAE_FRAME;
	}
	u32 rights = big ? (u32)pte : (u32)pde & (u32)pte;
	bool xd = nxe && ((pde | pte) & PTE_XD);
	if (!rights_ok(c, a, rights, xd)) {
		*err = ea | PF_P;
		return false;
	}
	if (a->set_ad) {
		/* A and D live in the low doubleword */
		if (!big && !(pde & PTE_A))
			mem_write(m, bus_addr(pde_addr), (u32)pde | PTE_A, 4);
		u32 want = PTE_A | (a->write ? PTE_D : 0);
		if (((u32)pte & want) != want)
			mem_write(m, bus_addr(big ? pde_addr : pte_addr), (u32)pte | want, 4);
	}
	*phys = bus_addr(frame | (lin & MEM_PAGE_MASK));
	return true;
}

static bool page_walk(Cpu *c, u32 lin, const Access *a, u32 *phys, u32 *err)
{
	return (c->cr4 & CR4_PAE) ? walk_pae(c, lin, a, phys, err) : walk32(c, lin, a, phys, err);
}

bool paging_load_pdptes(Cpu *c, u32 cr3)
{
	u64 e[4];
	for (u32 i = 0; i < 4; i++) {
		e[i] = rd64_phys(c->mem, (u64)(cr3 & ~0x1Fu) + i * 8);
		if ((e[i] & PTE_P) && (e[i] & PDPTE_RSVD))
			return false;
	}
	memcpy(c->pdpte, e, sizeof(e));
	return true;
}

/* Linear to physical, the one place: with CR0.PG the page walk (c->tlb_mode says
 * whether this is a user-mode access), raising #PF with CR2 and the error code;
 * without it identity. The A20 gate applies afterwards (mem_page). */
u32 mem_translate(Cpu *c, u32 lin, bool write, bool fetch)
{
	if (!(c->cr0 & CR0_PG))
		return lin & c->mem->a20_mask;
	Access a = {write, c->tlb_mode != 0, fetch, true};
	u32 phys, err;
	if (!page_walk(c, lin, &a, &phys, &err)) {
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
	Access a = {false, false, false, false};
	u32 err;
	if (!page_walk(c, linear, &a, paddr, &err))
		return -1;
	*paddr &= c->mem->a20_mask;
	return 0;
}

void cpu_page_walk(Cpu *c, u32 lin, CpuWalk *w)
{
	memset(w, 0, sizeof(*w));
	w->paging = (c->cr0 & CR0_PG) != 0;
	w->pae = w->paging && (c->cr4 & CR4_PAE);
	w->page_size = MEM_PAGE_SIZE;
	if (!w->paging) {
		w->ok = true;
		w->phys = lin & c->mem->a20_mask;
		return;
	}
	MemBus *m = c->mem;
	w->why = "not present";
	if (!w->pae) {
		u32 pde_addr = (c->cr3 & ~MEM_PAGE_MASK) + (lin >> 22) * 4;
		u32 pde = mem_read(m, pde_addr, 4);
		w->level[w->levels++] = (typeof(w->level[0])){"PDE", pde_addr, pde};
		if (!(pde & PTE_P))
			return;
		if ((pde & PTE_PS) && (c->cr4 & CR4_PSE)) {
			if (pde & PSE_RSVD_4M) {
				w->why = "reserved bit set";
				return;
			}
			w->page_size = 4u << 20;
			w->phys = (pde & 0xFFC00000u) | (lin & 0x3FFFFF);
		} else {
			u32 pte_addr = (pde & ~MEM_PAGE_MASK) + ((lin >> 12) & 0x3FF) * 4;
			u32 pte = mem_read(m, pte_addr, 4);
			w->level[w->levels++] = (typeof(w->level[0])){"PTE", pte_addr, pte};
			if (!(pte & PTE_P))
				return;
			w->phys = (pte & ~MEM_PAGE_MASK) | (lin & MEM_PAGE_MASK);
		}
	} else {
		u64 rsvd = PAE_RSVD | ((c->efer & EFER_NXE) ? 0 : PTE_XD);
		u64 pdpte = c->pdpte[lin >> 30];
		w->level[w->levels++] = (typeof(w->level[0])){"PDPTE", (c->cr3 & ~0x1Fu) + (lin >> 30) * 8, pdpte};
		if (!(pdpte & PTE_P))
			return;
		u64 pde_addr = (pdpte & PAE_FRAME) + ((lin >> 21) & 0x1FF) * 8;
		u64 pde = rd64_phys(m, pde_addr);
		w->level[w->levels++] = (typeof(w->level[0])){"PDE", bus_addr(pde_addr), pde};
		if (!(pde & PTE_P))
			return;
		bool big = pde & PTE_PS;
		if (pde & (rsvd | (big ? PAE_RSVD_2M : 0))) {
			w->why = "reserved bit set";
			return;
		}
		if (big) {
			w->page_size = 2u << 20;
			w->phys = bus_addr((pde & PAE_FRAME & ~0x1FFFFFull) | (lin & 0x1FFFFF));
		} else {
			u64 pte_addr = (pde & PAE_FRAME) + ((lin >> 12) & 0x1FF) * 8;
			u64 pte = rd64_phys(m, pte_addr);
			w->level[w->levels++] = (typeof(w->level[0])){"PTE", bus_addr(pte_addr), pte};
			if (!(pte & PTE_P))
				return;
			if (pte & rsvd) {
				w->why = "reserved bit set";
				return;
			}
			w->phys = bus_addr((pte & PAE_FRAME) | (lin & MEM_PAGE_MASK));
		}
	}
	w->phys &= c->mem->a20_mask;
	w->ok = true;
	w->why = NULL;
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

/* INVLPG: drops the translations of the page holding lin. The TLB keeps 4 KiB entries
 * even for a 2 or 4 MiB page, and INVLPG of any address in a large page drops all of
 * it (SDM 4.10.4.1), so every entry in lin's 4 MiB-aligned region goes (dropping more
 * than asked is always allowed). */
void tlb_flush_page(Cpu *c, u32 lin)
{
	u32 region = lin & 0xFFC00000u;
	for (u32 i = 0; i < TLB_SIZE; i++) {
		if ((c->tlb_r[i].tag & 0xFFC00000u) == region)
			c->tlb_r[i].tag = TLB_INVALID;
		if ((c->tlb_w[i].tag & 0xFFC00000u) == region)
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
	if (host && unlikely(c->dbg_watch) && dbg_watch_page(c, lin, phys, write))
		host = NULL; /* a CP watch (cpdebug.c) */
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
	u32 v;
	if (e) {
		const u8 *h = HOSTP(e, lin);
		v = size == 1 ? *h : size == 2 ? ld16(h) : ld32(h);
	} else if (apic_hit(c, phys)) {
		v = c->apic.read(c->apic.ctx, phys & MEM_PAGE_MASK, size);
	} else {
		v = mem_read(c->mem, phys, size);
	}
	if (unlikely(c->dbg_watch & CPU_WATCH_R))
		dbg_watch_access(c, lin, phys, size, false, v);
	return v;
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
	if (unlikely(c->dbg_watch & CPU_WATCH_W))
		dbg_watch_access(c, lin, phys, size, true, val);
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
