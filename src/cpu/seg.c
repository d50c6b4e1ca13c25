/* seg.c: segment registers and descriptors: real-mode loads, protected-mode loads of
 * DS/ES/FS/GS/SS with every descriptor check, CS loads for far transfers, the GDT/LDT
 * descriptor reader, the TSS stack fields, and the fast-path bounds of each cache.
 * References: Intel SDM vol. 3A 3.4 (selectors, descriptors), 5.5-5.8 (privilege checks),
 * and vol. 2 MOV/POP/LDS (the protected-mode pseudo-code). Task switches are in task.c.
 * In real mode a
 * load changes selector and base only, so limits set in protected mode survive ("big
 * real mode"), as on real parts; V86 loads (core II) set the full 64 KiB ring-3 cache. */
#include "cpu/internal.h"

/* Fast-path bounds (see SegCache). Real and V86 mode skip type checks. */
void seg_set_fast(Cpu *c, SegCache *s, int segno)
{
	bool rm = !pmode(c) || v86(c);
	u32 a = s->attr;
	bool present = rm || ((a & DA_P) && (a & DA_S));
	bool code = a & DA_CODE;
	if (!present || (!code && (a & DA_EC))) {
		s->rend = s->wend = 0;
	} else {
		u64 end = (u64)s->limit + 1;
		s->rend = (rm || !code || (a & DA_RW)) ? end : 0;
		s->wend = (rm || (!code && (a & DA_RW))) ? end : 0;
	}
	if (segno == SEG_CS)
		c->code32 = (a & DA_DB) != 0;
	else if (segno == SEG_SS)
		c->stack32 = (a & DA_DB) != 0;
	u32 f = c->seg_flat & ~(SEGF_R(segno) | SEGF_W(segno));
	if (s->base == 0 && s->rend == 1ull << 32)
		f |= SEGF_R(segno);
	if (s->base == 0 && s->wend == 1ull << 32)
		f |= SEGF_W(segno);
	if (segno == SEG_SS)
		f = c->stack32 ? f | SEGF_STACK32 : f & ~SEGF_STACK32;
	if (segno == SEG_CS)
		f = s->base == 0 && s->limit == 0xFFFFFFFFu ? f | SEGF_CSFLAT : f & ~SEGF_CSFLAT;
	c->seg_flat = f;
}

void seg_load_real(Cpu *c, int segno, u16 sel)
{
	SegCache *s = &c->seg[segno];
	s->sel = sel;
	s->base = (u32)sel << 4;
	if (v86(c)) {
		s->limit = 0xFFFF;
		s->attr = DA_P | DA_S | DA_RW | DA_A | 0x60 | (segno == SEG_CS ? DA_CODE : 0);
	} else {
		s->attr = (u16)((s->attr & (DA_DPL | DA_DB | DA_G | DA_AVL)) | DA_P | DA_S | DA_RW |
				DA_A | (segno == SEG_CS ? DA_CODE : 0));
	}
	seg_set_fast(c, s, segno);
}

bool desc_try_read(Cpu *c, u16 sel, Desc *d)
{
	u32 base, limit;
	if (sel & 4) {
		if ((c->ldtr.sel & ~3) == 0 || !(c->ldtr.attr & DA_P))
			return false;
		base = c->ldtr.base;
		limit = c->ldtr.limit;
	} else {
		base = c->gdt_base;
		limit = c->gdt_limit;
	}
	u32 idx = sel & ~7u;
	if (idx + 7 > limit)
		return false;
	d->lo = sys_rd32(c, base + idx);
	d->hi = sys_rd32(c, base + idx + 4);
	return true;
}

void desc_read(Cpu *c, u16 sel, Desc *d, int vec)
{
	if (!desc_try_read(c, sel, d))
		cpu_fault(c, vec, sel & 0xFFFC);
}

/* Sets the accessed bit in the descriptor in memory (segment descriptors only). */
void desc_set_accessed(Cpu *c, u16 sel, Desc *d)
{
	if (!desc_is_seg(d) || (d->hi & 0x100))
		return;
	d->hi |= 0x100;
	u32 base = (sel & 4) ? c->ldtr.base : c->gdt_base;
	sys_wr8(c, base + (sel & ~7u) + 5, d->hi >> 8);
}

void desc_to_cache(const Desc *d, u16 sel, SegCache *s)
{
	s->sel = sel;
	s->base = (d->lo >> 16) | (d->hi & 0xFF) << 16 | (d->hi & 0xFF000000u);
	u32 limit = (d->lo & 0xFFFF) | (d->hi & 0xF0000);
	if (d->hi & 0x800000)
		limit = limit << 12 | 0xFFF;
	s->limit = limit;
	s->attr = (u16)desc_attr(d);
}

static void load_null(Cpu *c, int segno, u16 sel)
{
	SegCache *s = &c->seg[segno];
	s->sel = sel;
	s->base = 0;
	s->limit = 0;
	s->attr = 0;
	seg_set_fast(c, s, segno);
}

void seg_load(Cpu *c, int segno, u16 sel)
{
	if (!pmode(c) || v86(c)) {
		seg_load_real(c, segno, sel);
		return;
	}
	Desc d;
	u32 rpl = sel & 3, cpl = c->cpl;
	if (segno == SEG_SS) {
		if ((sel & ~3) == 0)
			GP0(c);
		desc_read(c, sel, &d, EXC_GP);
		if (rpl != cpl || !desc_is_seg(&d) || (desc_type(&d) & 0xA) != 0x2 ||
		    desc_dpl(&d) != cpl)
			cpu_fault(c, EXC_GP, sel & 0xFFFC);
		if (!desc_present(&d))
			cpu_fault(c, EXC_SS, sel & 0xFFFC);
	} else {
		if ((sel & ~3) == 0) {
			load_null(c, segno, sel);
			return;
		}
		desc_read(c, sel, &d, EXC_GP);
		u32 t = desc_type(&d);
		if (!desc_is_seg(&d) || (t & 0xA) == 0x8) /* system, or execute-only code */
			cpu_fault(c, EXC_GP, sel & 0xFFFC);
		/* data and non-conforming code: RPL and CPL must not exceed DPL */
		if ((!(t & 8) || !(t & 4)) && (rpl > desc_dpl(&d) || cpl > desc_dpl(&d)))
			cpu_fault(c, EXC_GP, sel & 0xFFFC);
		if (!desc_present(&d))
			cpu_fault(c, EXC_NP, sel & 0xFFFC);
	}
	desc_set_accessed(c, sel, &d);
	desc_to_cache(&d, sel, &c->seg[segno]);
	seg_set_fast(c, &c->seg[segno], segno);
}

void seg_load_cs(Cpu *c, u16 sel, const Desc *d, int cpl)
{
	Desc dd = *d;
	desc_set_accessed(c, sel, &dd);
	desc_to_cache(&dd, (u16)((sel & ~3) | cpl), &c->seg[SEG_CS]);
	seg_set_fast(c, &c->seg[SEG_CS], SEG_CS);
	if (c->cpl != cpl) {
		c->cpl = (u8)cpl;
		seg_cpl_changed(c);
	}
}

/* The CPL changed: the TLB's user/supervisor view follows it. */
void seg_cpl_changed(Cpu *c)
{
	cpu_mode_sync(c);
}

/* After a return to an outer level: DS ES FS GS holding data or non-conforming code
 * segments more privileged than the new CPL become null (SDM vol. 2 RET/IRET). */
void seg_validate_outer(Cpu *c)
{
	static const int segs[] = {SEG_ES, SEG_DS, SEG_FS, SEG_GS};
	for (unsigned i = 0; i < ARRAY_SIZE(segs); i++) {
		SegCache *s = &c->seg[segs[i]];
		u32 a = s->attr;
		bool conforming_code = (a & DA_CODE) && (a & DA_EC);
		if ((s->sel & ~3) == 0 && !(a & DA_P))
			continue;
		if (!(a & DA_S) || (!conforming_code && ((a & DA_DPL) >> 5) < c->cpl)) {
			s->sel = 0;
			s->attr = 0;
			s->base = 0;
			s->limit = 0;
			seg_set_fast(c, s, segs[i]);
		}
	}
}

void tss_get_stack(Cpu *c, int pl, u16 *ss, u32 *esp)
{
	u32 type = c->tr.attr & 0xF;
	if (!(c->tr.attr & DA_P))
		cpu_fault(c, EXC_TS, c->tr.sel & 0xFFFC);
	if (type == SYS_TSS32_BUSY || type == SYS_TSS32_AVAIL) {
		u32 off = 4 + (u32)pl * 8;
		if (off + 5 > c->tr.limit)
			cpu_fault(c, EXC_TS, c->tr.sel & 0xFFFC);
		*esp = sys_rd32(c, c->tr.base + off);
		*ss = (u16)sys_rd16(c, c->tr.base + off + 4);
	} else {
		u32 off = 2 + (u32)pl * 4;
		if (off + 3 > c->tr.limit)
			cpu_fault(c, EXC_TS, c->tr.sel & 0xFFFC);
		*esp = sys_rd16(c, c->tr.base + off);
		*ss = (u16)sys_rd16(c, c->tr.base + off + 2);
	}
}
