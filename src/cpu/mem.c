/* mem.c: the CPU's view of memory: segment limit/type checks (slow path), the one
 * linear->physical translation, the software TLB, and accesses that miss it.
 *
 * Every guest memory access of the CPU goes seg:offset -> linear (lin_r/lin_w in
 * internal.h, checks in seg_check_slow here) -> physical (mem_translate, the only place
 * that will walk page tables) -> host pointer (TLB) or the MemBus slow path (MMIO,
 * watched code pages, unmapped memory, page-crossing accesses).
 * References: Intel SDM vol. 3A 3.4.5 (segment descriptors), 5.3-5.6 (limit and type
 * checking). Not modelled yet (CPU core II): paging (CR0.PG, #PF, CR2, U/S, R/W, A/D
 * bits), alignment check (#AC), data breakpoints. */
#include "cpu/internal.h"

/* Linear to physical: today identity plus the A20 gate (applied by mem_page too). With
 * paging this walks the page tables (CR3), checks U/S and R/W against c->tlb_mode and
 * CR0.WP, sets A/D bits, and raises #PF with CR2 and the error code. */
u32 mem_translate(Cpu *c, u32 lin, bool write, bool fetch)
{
	(void)write;
	(void)fetch;
	return lin & c->mem->a20_mask;
}

int cpu_translate(Cpu *c, u32 linear, u32 *paddr)
{
	*paddr = linear & c->mem->a20_mask;
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
	TlbEnt *e = tlb_r_hit(c, lin, (u32)size);
	if (e) {
		const u8 *h = HOSTP(e, lin);
		return size == 1 ? *h : size == 2 ? ld16(h) : ld32(h);
	}
	return mem_read(c->mem, phys, size);
}

void mem_wr_slow(Cpu *c, u32 lin, u32 val, int size)
{
	if (unlikely(crosses(lin, size))) {
		/* both pages must be writable before either is written */
		mem_translate(c, lin, true, false);
		mem_translate(c, lin + (u32)size - 1, true, false);
		for (int i = 0; i < size; i++)
			wr8_lin(c, lin + (u32)i, val >> (8 * i));
		return;
	}
	u32 phys = tlb_fill(c, lin, true);
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
	mem_write(c->mem, phys, val, size);
}

u8 *mem_wr_prepare(Cpu *c, u32 lin, int size)
{
	if (crosses(lin, size)) {
		mem_translate(c, lin, true, false);
		mem_translate(c, lin + (u32)size - 1, true, false);
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
