/* task.c: hardware task switches: JMP or CALL to a TSS descriptor or a task gate, an
 * interrupt or exception through a task gate in the IDT, and IRET with EFLAGS.NT back
 * through the TSS back link. 16-bit (286) and 32-bit TSSs.
 * Reference: Intel SDM vol. 3A chapter 7 (7.2 TSS layouts, 7.3 task switching, 7.4 task
 * linking), vol. 3A 6.14 (#TS conditions on a task switch). The order is the SDM's: the
 * new TSS is checked, the state is saved in the old TSS, busy bits and the back link are
 * updated, TR, CR0.TS and the new state (CR3, EIP, EFLAGS, registers, selectors, LDTR)
 * are loaded, and only then are the segment descriptors checked and loaded: a fault
 * there belongs to the new task (its EIP is the one pushed). An exception delivered
 * through a task gate pushes its error code on the new task's stack.
 * The I/O bitmap and debug trap (T) bits are read where they apply (io.c) or ignored. */
#include "cpu/internal.h"

/* 32-bit TSS offsets (7.2.1) and 16-bit ones (7.6, the 286 TSS) */
enum { T32_CR3 = 28, T32_EIP = 32, T32_EFLAGS = 36, T32_EAX = 40, T32_ES = 72, T32_LDT = 96 };
enum { T16_IP = 14, T16_FLAGS = 16, T16_AX = 18, T16_ES = 34, T16_LDT = 42 };

static void set_busy(Cpu *c, u16 sel, bool busy)
{
	u32 a = c->gdt_base + (sel & ~7u) + 5;
	u32 b = sys_rd16(c, a) & 0xFF;
	sys_wr8(c, a, busy ? b | 2 : b & ~2u);
}

static void sys_wr16(Cpu *c, u32 lin, u32 v)
{
	sys_wr8(c, lin, v & 0xFF);
	sys_wr8(c, lin + 1, (v >> 8) & 0xFF);
}

static void sys_wr32(Cpu *c, u32 lin, u32 v)
{
	sys_wr16(c, lin, v & 0xFFFF);
	sys_wr16(c, lin + 2, v >> 16);
}

/* Loads the segment registers of the new task with the task-switch checks (#TS for a
 * bad selector or descriptor, #NP/#SS when not present). */
static void load_task_segs(Cpu *c, const u16 sel[SEG_COUNT], u32 ext)
{
	if (v86(c)) {
		for (int i = 0; i < SEG_COUNT; i++)
			seg_load_real(c, i, sel[i]);
		return;
	}
	Desc d;
	/* CS first: it fixes the CPL the other checks use */
	u16 cs = sel[SEG_CS];
	u32 rpl = cs & 3;
	if ((cs & ~3) == 0 || !desc_try_read(c, cs, &d) || !desc_is_seg(&d) ||
	    !(desc_type(&d) & 8))
		cpu_fault(c, EXC_TS, (cs & 0xFFFC) | ext);
	if ((desc_type(&d) & 4) ? desc_dpl(&d) > rpl : desc_dpl(&d) != rpl)
		cpu_fault(c, EXC_TS, (cs & 0xFFFC) | ext);
	if (!desc_present(&d))
		cpu_fault(c, EXC_NP, (cs & 0xFFFC) | ext);
	seg_load_cs(c, cs, &d, (int)rpl);

	u16 ss = sel[SEG_SS];
	if ((ss & ~3) == 0 || !desc_try_read(c, ss, &d) || (ss & 3u) != c->cpl ||
	    !desc_is_seg(&d) || (desc_type(&d) & 0xA) != 0x2 || desc_dpl(&d) != c->cpl)
		cpu_fault(c, EXC_TS, (ss & 0xFFFC) | ext);
	if (!desc_present(&d))
		cpu_fault(c, EXC_SS, (ss & 0xFFFC) | ext);
	desc_set_accessed(c, ss, &d);
	desc_to_cache(&d, ss, &c->seg[SEG_SS]);
	seg_set_fast(c, &c->seg[SEG_SS], SEG_SS);

	static const int data[] = {SEG_DS, SEG_ES, SEG_FS, SEG_GS};
	for (unsigned i = 0; i < ARRAY_SIZE(data); i++) {
		int s = data[i];
		u16 x = sel[s];
		SegCache *sc = &c->seg[s];
		if ((x & ~3) == 0) {
			*sc = (SegCache){x, 0, 0, 0, 0, 0};
			seg_set_fast(c, sc, s);
			continue;
		}
		if (!desc_try_read(c, x, &d) || !desc_is_seg(&d) || (desc_type(&d) & 0xA) == 0x8)
			cpu_fault(c, EXC_TS, (x & 0xFFFC) | ext);
		u32 t = desc_type(&d);
		if ((!(t & 8) || !(t & 4)) && (desc_dpl(&d) < c->cpl || desc_dpl(&d) < (x & 3u)))
			cpu_fault(c, EXC_TS, (x & 0xFFFC) | ext);
		if (!desc_present(&d))
			cpu_fault(c, EXC_NP, (x & 0xFFFC) | ext);
		desc_set_accessed(c, x, &d);
		desc_to_cache(&d, x, sc);
		seg_set_fast(c, sc, s);
	}
}

void task_switch(Cpu *c, u16 tsel, int reason, bool has_err, u32 err, u32 ext)
{
	/* the new TSS: in the GDT, a TSS descriptor, available (busy for IRET), present,
	 * large enough */
	int bad = reason == TS_IRET ? EXC_TS : EXC_GP;
	Desc nd;
	if ((tsel & 4) || (tsel & ~3) == 0 || !desc_try_read(c, tsel, &nd) || desc_is_seg(&nd))
		cpu_fault(c, bad, (tsel & 0xFFFC) | ext);
	u32 type = desc_type(&nd);
	bool want_busy = reason == TS_IRET;
	if ((type & 5) != 1 || ((type & 2) != 0) != want_busy)
		cpu_fault(c, bad, (tsel & 0xFFFC) | ext);
	if (!desc_present(&nd))
		cpu_fault(c, EXC_NP, (tsel & 0xFFFC) | ext);
	SegCache nt;
	desc_to_cache(&nd, tsel, &nt);
	bool n32 = (type & 8) != 0;
	if (nt.limit < (n32 ? 0x67u : 0x2Bu))
		cpu_fault(c, EXC_TS, (tsel & 0xFFFC) | ext);
	bool o32 = (c->tr.attr & 8) != 0;
	if (c->tr.limit < (o32 ? 0x67u : 0x2Bu))
		cpu_fault(c, EXC_TS, (c->tr.sel & 0xFFFC) | ext);

	/* read the whole new state before changing anything */
	u32 nb = nt.base, neip, nfl, ncr3 = c->cr3, ngpr[8];
	u16 nsel[SEG_COUNT], nldt;
	static const int order[SEG_COUNT] = {SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS};
	if (n32) {
		ncr3 = sys_rd32(c, nb + T32_CR3);
		neip = sys_rd32(c, nb + T32_EIP);
		nfl = sys_rd32(c, nb + T32_EFLAGS);
		for (int i = 0; i < 8; i++)
			ngpr[i] = sys_rd32(c, nb + T32_EAX + (u32)i * 4);
		for (int i = 0; i < SEG_COUNT; i++)
			nsel[order[i]] = (u16)sys_rd16(c, nb + T32_ES + (u32)i * 4);
		nldt = (u16)sys_rd16(c, nb + T32_LDT);
	} else {
		neip = sys_rd16(c, nb + T16_IP);
		nfl = sys_rd16(c, nb + T16_FLAGS);
		/* "the upper 16 bits of the registers are modified and not maintained"
		 * (SDM vol. 3A 7.6): they read as all ones afterwards, as in Bochs */
		for (int i = 0; i < 8; i++)
			ngpr[i] = 0xFFFF0000u | sys_rd16(c, nb + T16_AX + (u32)i * 2);
		for (int i = 0; i < 4; i++)
			nsel[order[i]] = (u16)sys_rd16(c, nb + T16_ES + (u32)i * 2);
		nsel[SEG_FS] = nsel[SEG_GS] = 0;
		nldt = (u16)sys_rd16(c, nb + T16_LDT);
	}

	/* save the outgoing task */
	u32 ob = c->tr.base, fl = cpu_eflags(c);
	if (reason == TS_IRET)
		fl &= ~(u32)FLAG_NT;
	if (o32) {
		sys_wr32(c, ob + T32_EIP, c->eip);
		sys_wr32(c, ob + T32_EFLAGS, fl);
		for (int i = 0; i < 8; i++)
			sys_wr32(c, ob + T32_EAX + (u32)i * 4, c->r[i]);
		/* the Pentium and later write each selector as a doubleword with the upper
		 * word 0; the 386 and 486 write the word alone (SDM vol. 3B 22.28.2) */
		for (int i = 0; i < SEG_COUNT; i++) {
			if (model(c) >= CPU_MODEL_PENTIUM)
				sys_wr32(c, ob + T32_ES + (u32)i * 4, c->seg[order[i]].sel);
			else
				sys_wr16(c, ob + T32_ES + (u32)i * 4, c->seg[order[i]].sel);
		}
	} else {
		sys_wr16(c, ob + T16_IP, c->eip);
		sys_wr16(c, ob + T16_FLAGS, fl);
		for (int i = 0; i < 8; i++)
			sys_wr16(c, ob + T16_AX + (u32)i * 2, c->r[i]);
		for (int i = 0; i < 4; i++)
			sys_wr16(c, ob + T16_ES + (u32)i * 2, c->seg[order[i]].sel);
	}
	if (reason == TS_JMP || reason == TS_IRET)
		set_busy(c, c->tr.sel, false);
	if (reason == TS_CALL || reason == TS_INT) {
		sys_wr16(c, nb, c->tr.sel); /* back link */
		nfl |= FLAG_NT;
	}
	if (reason != TS_IRET)
		set_busy(c, tsel, true);

	/* switch */
	c->tr = nt;
	c->tr.attr |= 2; /* busy */
	c->cr0 |= CR0_TS;
	if (c->dr[7] & 0x155) {
		/* the local breakpoint enables L0-L3 (and LE) belong to the old task: SDM
		 * 17.2.4; Bochs clears the same bits */
		c->dr[7] &= ~0x155u;
		cpu_dr_update(c);
	}
	bool bad_pdptes = false;
	if (n32 && (c->cr0 & CR0_PG) && ncr3 != c->cr3) {
		/* under PAE paging the PDPTEs load too; a reserved bit in one faults the
		 * new task (#GP(0) once its state is loaded; the PDPTEs stay as they were) */
		if (c->cr4 & CR4_PAE)
			bad_pdptes = !paging_load_pdptes(c, ncr3);
		u32 ocr3 = c->cr3;
		c->cr3 = ncr3;
		if (unlikely(c->dbg_on & DBG_ON_CR3))
			dbg_cr3_event(c, ocr3);
		tlb_flush(c);
	}
	c->eip = neip;
	c->eip_insn = neip; /* faults from here on belong to the new task */
	memcpy(c->r, ngpr, sizeof(ngpr));
	cpu_set_eflags(c, nfl & ~(u32)(FLAG_VIF | FLAG_VIP));
	c->cpl = v86(c) ? 3 : nsel[SEG_CS] & 3;
	cpu_mode_sync(c);
	for (int i = 0; i < SEG_COUNT; i++)
		c->seg[i].sel = nsel[i];
	/* the LDT before the segments that may live in it */
	c->ldtr = (SegCache){nldt, 0, 0, 0, 0, 0};
	if (nldt & ~3) {
		Desc ld;
		if ((nldt & 4) || !desc_try_read(c, nldt, &ld) || desc_is_seg(&ld) ||
		    desc_type(&ld) != SYS_LDT)
			cpu_fault(c, EXC_TS, (nldt & 0xFFFC) | ext);
		if (!desc_present(&ld))
			cpu_fault(c, EXC_TS, (nldt & 0xFFFC) | ext);
		desc_to_cache(&ld, nldt, &c->ldtr);
	}
	load_task_segs(c, nsel, ext);
	if (bad_pdptes)
		GP0(c);
	if (has_err) {
		Stk k = stk_current(c);
		stk_push(c, &k, err, n32 ? 4 : 2);
		set_sp(c, k.sp);
	}
	if (c->eip > c->seg[SEG_CS].limit)
		GP0(c);
	c->brk = 1;
}
