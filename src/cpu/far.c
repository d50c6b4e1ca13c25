/* far.c: far control transfers: JMP/CALL far (direct, indirect, through call gates with
 * the stack switch to an inner level), RET far (to the same or an outer level), IRET.
 * References: Intel SDM vol. 2 JMP, CALL, RET, IRET pseudo-code; vol. 3A 5.8 (privilege
 * level checking for control transfers, call gates, stack switching). Every check
 * happens before the first register changes; stack writes for the new frame may have
 * happened when a late check faults (the SDM allows it, and they land below the stack
 * pointer that the restarted instruction still sees).
 * IRET from ring 0 with VM set in the popped EFLAGS enters virtual-8086 mode; interrupts
 * leave it through except.c. Task gates, TSS targets and IRET with NT=1 go to task.c.
 * SYSENTER/SYSEXIT (P6 and later) are here too, at the end.
 * Not here: the VME extensions. */
#include "cpu/internal.h"
#include "cpu/ops.h"

static void real_far_jump(Cpu *c, u16 sel, u32 off)
{
	if (off > c->seg[SEG_CS].limit)
		GP0(c);
	seg_load_real(c, SEG_CS, sel);
	c->eip = off;
}

/* Checks a code segment descriptor as the target of a direct JMP/CALL (not through a
 * gate): SDM 5.8.1. */
static void check_direct_code(Cpu *c, u16 sel, const Desc *d)
{
	u32 dpl = desc_dpl(d), rpl = sel & 3;
	if (desc_type(d) & 4) { /* conforming */
		if (dpl > c->cpl)
			cpu_fault(c, EXC_GP, sel & 0xFFFC);
	} else if (rpl > c->cpl || dpl != c->cpl) {
		cpu_fault(c, EXC_GP, sel & 0xFFFC);
	}
	if (!desc_present(d))
		cpu_fault(c, EXC_NP, sel & 0xFFFC);
}

static u32 desc_limit(const Desc *d)
{
	u32 limit = (d->lo & 0xFFFF) | (d->hi & 0xF0000);
	return (d->hi & 0x800000) ? limit << 12 | 0xFFF : limit;
}

static bool is_code(const Desc *d) { return desc_is_seg(d) && (desc_type(d) & 8); }

/* Reads and checks the code segment a call gate points to. */
static void gate_target(Cpu *c, const Desc *gate, u16 *tsel, Desc *t, u32 *off)
{
	*tsel = (u16)(gate->lo >> 16);
	bool g32 = (desc_type(gate) & 8) != 0;
	*off = g32 ? (gate->lo & 0xFFFF) | (gate->hi & 0xFFFF0000u) : gate->lo & 0xFFFF;
	if ((*tsel & ~3) == 0)
		GP0(c);
	desc_read(c, *tsel, t, EXC_GP);
	if (!is_code(t) || desc_dpl(t) > c->cpl)
		cpu_fault(c, EXC_GP, *tsel & 0xFFFC);
	if (!desc_present(t))
		cpu_fault(c, EXC_NP, *tsel & 0xFFFC);
}

/* Checks the gate descriptor itself (DPL against CPL and RPL, present). */
static void check_gate(Cpu *c, u16 sel, const Desc *g)
{
	u32 dpl = desc_dpl(g);
	if (dpl < c->cpl || dpl < (sel & 3u))
		cpu_fault(c, EXC_GP, sel & 0xFFFC);
	if (!desc_present(g))
		cpu_fault(c, EXC_NP, sel & 0xFFFC);
}

void far_jmp(Cpu *c, u16 sel, u32 off)
{
	if (!pmode(c) || v86(c)) {
		real_far_jump(c, sel, off);
		return;
	}
	if ((sel & ~3) == 0)
		GP0(c);
	Desc d;
	desc_read(c, sel, &d, EXC_GP);
	if (is_code(&d)) {
		check_direct_code(c, sel, &d);
		if (off > desc_limit(&d))
			GP0(c);
		seg_load_cs(c, sel, &d, c->cpl);
		c->eip = off;
		return;
	}
	if (desc_is_seg(&d))
		cpu_fault(c, EXC_GP, sel & 0xFFFC);
	switch (desc_type(&d)) {
	case SYS_CALLGATE16:
	case SYS_CALLGATE32: {
		check_gate(c, sel, &d);
		u16 tsel;
		Desc t;
		u32 toff;
		gate_target(c, &d, &tsel, &t, &toff);
		/* JMP through a gate never changes privilege */
		if ((desc_type(&t) & 4) ? desc_dpl(&t) > c->cpl : desc_dpl(&t) != c->cpl)
			cpu_fault(c, EXC_GP, tsel & 0xFFFC);
		if (toff > desc_limit(&t))
			GP0(c);
		seg_load_cs(c, tsel, &t, c->cpl);
		c->eip = toff;
		return;
	}
	case SYS_TASKGATE:
	case SYS_TSS16_AVAIL:
	case SYS_TSS32_AVAIL:
		check_gate(c, sel, &d);
		task_switch(c, desc_type(&d) == SYS_TASKGATE ? (u16)(d.lo >> 16) : sel, TS_JMP,
			    false, 0, 0);
		return;
	default:
		cpu_fault(c, EXC_GP, sel & 0xFFFC);
	}
}

void far_call(Cpu *c, u16 sel, u32 off, bool o32)
{
	int osz = o32 ? 4 : 2;
	if (!pmode(c) || v86(c)) {
		if (off > c->seg[SEG_CS].limit)
			GP0(c);
		Stk k = stk_current(c);
		stk_push(c, &k, c->seg[SEG_CS].sel, osz);
		stk_push(c, &k, c->eip, osz);
		set_sp(c, k.sp);
		seg_load_real(c, SEG_CS, sel);
		c->eip = off;
		return;
	}
	if ((sel & ~3) == 0)
		GP0(c);
	Desc d;
	desc_read(c, sel, &d, EXC_GP);
	if (is_code(&d)) {
		check_direct_code(c, sel, &d);
		Stk k = stk_current(c);
		stk_push(c, &k, c->seg[SEG_CS].sel, osz);
		stk_push(c, &k, c->eip, osz);
		if (off > desc_limit(&d))
			GP0(c);
		seg_load_cs(c, sel, &d, c->cpl);
		set_sp(c, k.sp);
		c->eip = o32 ? off : off & 0xFFFF;
		return;
	}
	if (desc_is_seg(&d))
		cpu_fault(c, EXC_GP, sel & 0xFFFC);
	u32 type = desc_type(&d);
	if (type == SYS_TASKGATE || type == SYS_TSS16_AVAIL || type == SYS_TSS32_AVAIL) {
		check_gate(c, sel, &d);
		task_switch(c, type == SYS_TASKGATE ? (u16)(d.lo >> 16) : sel, TS_CALL, false, 0,
			    0);
		return;
	}
	if (type != SYS_CALLGATE16 && type != SYS_CALLGATE32)
		cpu_fault(c, EXC_GP, sel & 0xFFFC);
	check_gate(c, sel, &d);
	u16 tsel;
	Desc t;
	u32 toff;
	gate_target(c, &d, &tsel, &t, &toff);
	bool g32 = type == SYS_CALLGATE32;
	int gsz = g32 ? 4 : 2;
	u32 tdpl = desc_dpl(&t);
	if (!(desc_type(&t) & 4) && tdpl < c->cpl) {
		/* inner privilege: new stack from the TSS, copy the parameters */
		u16 nss;
		u32 nesp;
		tss_get_stack(c, (int)tdpl, &nss, &nesp);
		if ((nss & ~3) == 0)
			cpu_fault(c, EXC_TS, 0);
		Desc sd;
		if (!desc_try_read(c, nss, &sd))
			cpu_fault(c, EXC_TS, nss & 0xFFFC);
		if ((nss & 3u) != tdpl || desc_dpl(&sd) != tdpl || !desc_is_seg(&sd) ||
		    (desc_type(&sd) & 0xA) != 0x2)
			cpu_fault(c, EXC_TS, nss & 0xFFFC);
		if (!desc_present(&sd))
			cpu_fault(c, EXC_SS, nss & 0xFFFC);
		SegCache nsc;
		desc_to_cache(&sd, nss, &nsc);
		u32 nparams = d.hi & 31;
		Stk nk = {&nsc, nesp, (sd.hi & 0x400000) != 0, EXC_SS, nss & 0xFFFC};
		if (!nk.big)
			nk.sp &= 0xFFFF;
		if (toff > desc_limit(&t))
			GP0(c);
		/* old stack: parameters are read before anything is written */
		u32 params[32];
		Stk ok = stk_current(c);
		for (u32 i = 0; i < nparams; i++) {
			u32 o = (ok.sp + i * (u32)gsz) & (ok.big ? 0xFFFFFFFFu : 0xFFFF);
			Stk tmp = ok;
			tmp.sp = o;
			params[i] = stk_pop(c, &tmp, gsz);
		}
		c->tlb_mode = 0; /* the inner stack is written at the new (supervisor) level */
		stk_push(c, &nk, c->seg[SEG_SS].sel, gsz);
		stk_push(c, &nk, c->r[R_ESP] & (g32 ? 0xFFFFFFFFu : 0xFFFF), gsz);
		for (u32 i = nparams; i-- > 0;)
			stk_push(c, &nk, params[i], gsz);
		stk_push(c, &nk, c->seg[SEG_CS].sel, gsz);
		stk_push(c, &nk, c->eip, gsz);
		desc_set_accessed(c, nss, &sd);
		desc_to_cache(&sd, nss, &c->seg[SEG_SS]);
		seg_set_fast(c, &c->seg[SEG_SS], SEG_SS);
		set_sp(c, nk.sp);
		seg_load_cs(c, tsel, &t, (int)tdpl);
		c->eip = toff;
		return;
	}
	/* same privilege through the gate */
	Stk k = stk_current(c);
	stk_push(c, &k, c->seg[SEG_CS].sel, gsz);
	stk_push(c, &k, c->eip, gsz);
	if (toff > desc_limit(&t))
		GP0(c);
	seg_load_cs(c, tsel, &t, c->cpl);
	set_sp(c, k.sp);
	c->eip = toff;
}

/* Checks a return CS (RET far, IRET) and returns its descriptor. */
static void check_return_cs(Cpu *c, u16 rsel, Desc *d)
{
	if ((rsel & ~3) == 0)
		GP0(c);
	desc_read(c, rsel, d, EXC_GP);
	u32 rpl = rsel & 3;
	if (!is_code(d) || rpl < c->cpl)
		cpu_fault(c, EXC_GP, rsel & 0xFFFC);
	if ((desc_type(d) & 4) ? desc_dpl(d) > rpl : desc_dpl(d) != rpl)
		cpu_fault(c, EXC_GP, rsel & 0xFFFC);
	if (!desc_present(d))
		cpu_fault(c, EXC_NP, rsel & 0xFFFC);
}

/* Checks the outer SS of a return to privilege rpl. */
static void check_return_ss(Cpu *c, u16 ssel, u32 rpl, Desc *sd)
{
	if ((ssel & ~3) == 0)
		GP0(c);
	desc_read(c, ssel, sd, EXC_GP);
	if ((ssel & 3u) != rpl || !desc_is_seg(sd) || (desc_type(sd) & 0xA) != 0x2 ||
	    desc_dpl(sd) != rpl)
		cpu_fault(c, EXC_GP, ssel & 0xFFFC);
	if (!desc_present(sd))
		cpu_fault(c, EXC_SS, ssel & 0xFFFC);
}

static void load_ss_desc(Cpu *c, u16 ssel, Desc *sd)
{
	desc_set_accessed(c, ssel, sd);
	desc_to_cache(sd, ssel, &c->seg[SEG_SS]);
	seg_set_fast(c, &c->seg[SEG_SS], SEG_SS);
}

void far_ret(Cpu *c, u32 pop, bool o32)
{
	int osz = o32 ? 4 : 2;
	Stk k = stk_current(c);
	u32 neip = stk_pop(c, &k, osz);
	u16 rsel = (u16)stk_pop(c, &k, osz);
	if (!pmode(c) || v86(c)) {
		if (neip > c->seg[SEG_CS].limit)
			GP0(c);
		seg_load_real(c, SEG_CS, rsel);
		c->eip = neip;
		set_sp(c, k.sp + pop);
		return;
	}
	Desc d;
	check_return_cs(c, rsel, &d);
	u32 rpl = rsel & 3;
	if (rpl == c->cpl) {
		if (neip > desc_limit(&d))
			GP0(c);
		seg_load_cs(c, rsel, &d, c->cpl);
		c->eip = neip;
		set_sp(c, k.sp + pop);
		return;
	}
	/* return to an outer level: the outer SS:ESP sits above the parameters */
	k.sp = (k.sp + pop) & (k.big ? 0xFFFFFFFFu : 0xFFFF);
	u32 nesp = stk_pop(c, &k, osz);
	u16 nss = (u16)stk_pop(c, &k, osz);
	Desc sd;
	check_return_ss(c, nss, rpl, &sd);
	if (neip > desc_limit(&d))
		GP0(c);
	seg_load_cs(c, rsel, &d, (int)rpl);
	c->eip = neip;
	load_ss_desc(c, nss, &sd);
	/* The popped SP (zero-extended for a 16-bit RET) plus the parameter bytes becomes
	 * ESP when the outer stack is 32-bit (SS.B = 1), SP alone when it is 16-bit (bits
	 * 31-16 of ESP then keep the inner level's value, the "ESPFIX" leak): SDM RET
	 * pseudo-code; Bochs does the same. */
	set_sp(c, nesp + pop);
	seg_validate_outer(c);
}

/* EFLAGS written by IRET in protected mode at the old CPL (SDM IRET pseudo-code). */
static void iret_set_flags(Cpu *c, u32 nf, bool o32, u32 old_cpl)
{
	u32 cur = cpu_eflags(c);
	u32 mask = FLAGS_OSZAPC | FLAG_TF | FLAG_DF | FLAG_NT;
	if (o32)
		mask |= FLAG_RF | FLAG_AC | FLAG_ID;
	if (old_cpl <= (u32)iopl(c))
		mask |= FLAG_IF;
	if (old_cpl == 0)
		mask |= FLAG_IOPL;
	cpu_set_eflags(c, (cur & ~mask) | (nf & mask));
}

void far_iret(Cpu *c, bool o32)
{
	int osz = o32 ? 4 : 2;
	if (!pmode(c)) {
		Stk k = stk_current(c);
		u32 neip = stk_pop(c, &k, osz);
		u16 rsel = (u16)stk_pop(c, &k, osz);
		u32 nf = stk_pop(c, &k, osz);
		if (neip > c->seg[SEG_CS].limit)
			GP0(c);
		seg_load_real(c, SEG_CS, rsel);
		c->eip = neip;
		set_sp(c, k.sp);
		u32 cur = cpu_eflags(c);
		u32 mask = o32 ? ~(u32)(FLAG_VM | FLAG_VIF | FLAG_VIP) : 0xFFFF;
		cpu_set_eflags(c, (cur & ~mask) | (nf & mask));
		c->nmi_blocked = false;
		return;
	}
	if (v86(c)) {
		/* IRET in V86 mode: IOPL-sensitive (core II adds VME); at IOPL 3 it returns
		 * like real mode without touching IOPL */
		if (iopl(c) < 3)
			GP0(c);
		Stk k = stk_current(c);
		u32 neip = stk_pop(c, &k, osz);
		u16 rsel = (u16)stk_pop(c, &k, osz);
		u32 nf = stk_pop(c, &k, osz);
		if (neip > c->seg[SEG_CS].limit)
			GP0(c);
		seg_load_real(c, SEG_CS, rsel);
		c->eip = neip;
		set_sp(c, k.sp);
		u32 cur = cpu_eflags(c);
		u32 mask = (o32 ? ~(u32)(FLAG_VM | FLAG_VIF | FLAG_VIP) : 0xFFFF) & ~FLAG_IOPL;
		cpu_set_eflags(c, (cur & ~mask) | (nf & mask));
		c->nmi_blocked = false;
		return;
	}
	if (c->eflags & FLAG_NT) {
		/* return from a nested task through the TSS back link */
		task_switch(c, (u16)sys_rd16(c, c->tr.base), TS_IRET, false, 0, 0);
		return;
	}
	Stk k = stk_current(c);
	u32 neip = stk_pop(c, &k, osz);
	u16 rsel = (u16)stk_pop(c, &k, osz);
	u32 nf = stk_pop(c, &k, osz);
	if (o32 && (nf & FLAG_VM) && c->cpl == 0) {
		/* return to virtual-8086 mode: the frame continues with ESP, SS, ES, DS, FS,
		 * GS; segments load as in real mode, CPL becomes 3 (SDM IRET, "RETURN-TO-
		 * VIRTUAL-8086-MODE") */
		u32 nesp = stk_pop(c, &k, 4);
		u16 sels[5];
		for (int i = 0; i < 5; i++)
			sels[i] = (u16)stk_pop(c, &k, 4); /* SS ES DS FS GS */
		if ((neip & 0xFFFF) != neip)
			GP0(c);
		cpu_set_eflags(c, nf & ~(u32)(FLAG_VIF | FLAG_VIP));
		seg_load_real(c, SEG_CS, rsel);
		seg_load_real(c, SEG_SS, sels[0]);
		seg_load_real(c, SEG_ES, sels[1]);
		seg_load_real(c, SEG_DS, sels[2]);
		seg_load_real(c, SEG_FS, sels[3]);
		seg_load_real(c, SEG_GS, sels[4]);
		c->r[R_ESP] = nesp;
		c->eip = neip;
		c->nmi_blocked = false;
		return;
	}
	Desc d;
	check_return_cs(c, rsel, &d);
	u32 rpl = rsel & 3, old_cpl = c->cpl;
	if (rpl == c->cpl) {
		if (neip > desc_limit(&d))
			GP0(c);
		seg_load_cs(c, rsel, &d, c->cpl);
		c->eip = neip;
		set_sp(c, k.sp);
		iret_set_flags(c, nf, o32, old_cpl);
		c->nmi_blocked = false;
		return;
	}
	u32 nesp = stk_pop(c, &k, osz);
	u16 nss = (u16)stk_pop(c, &k, osz);
	Desc sd;
	check_return_ss(c, nss, rpl, &sd);
	if (neip > desc_limit(&d))
		GP0(c);
	seg_load_cs(c, rsel, &d, (int)rpl);
	c->eip = neip;
	load_ss_desc(c, nss, &sd);
	set_sp(c, nesp); /* by the new SS.B, as for RET above */
	iret_set_flags(c, nf, o32, old_cpl);
	seg_validate_outer(c);
	c->nmi_blocked = false;
}

/* ---- SYSENTER / SYSEXIT (SDM vol. 2B; vol. 3A 5.8.7) ----
 * Fast calls to ring 0 and back to ring 3 with fixed flat segments made from
 * IA32_SYSENTER_CS: no descriptor is read, no stack frame is written. */
static void flat_seg(Cpu *c, int segno, u16 sel, bool code, int dpl)
{
	SegCache *s = &c->seg[segno];
	s->sel = sel;
	s->base = 0;
	s->limit = 0xFFFFFFFFu;
	s->attr = (u16)(DA_P | DA_S | DA_A | DA_RW | (code ? DA_CODE : 0) | dpl << 5 | DA_DB | DA_G);
	seg_set_fast(c, s, segno);
}

void op_sysenter(Cpu *c, const Insn *d)
{
	(void)d;
	u32 cs = c->msr_sysenter_cs;
	if (!pmode(c) || (cs & 0xFFFC) == 0)
		GP0(c);
	u16 from = c->seg[SEG_CS].sel;
	/* out of V86 mode too: VM, IF and RF clear */
	cpu_set_eflags(c, cpu_eflags(c) & ~(FLAG_VM | FLAG_IF | FLAG_RF));
	flat_seg(c, SEG_CS, (u16)(cs & 0xFFFC), true, 0);
	flat_seg(c, SEG_SS, (u16)((cs + 8) & 0xFFFC), false, 0);
	c->cpl = 0;
	seg_cpl_changed(c);
	c->r[R_ESP] = c->msr_sysenter_esp;
	c->eip = c->msr_sysenter_eip;
	if (unlikely(c->dbg_on & DBG_ON_BRANCH))
		dbg_branch_event(c, CPU_BR_SYSENTER, from, c->eip_insn);
}

void op_sysexit(Cpu *c, const Insn *d)
{
	(void)d;
	u32 cs = c->msr_sysenter_cs;
	if (!pmode(c) || v86(c) || c->cpl != 0 || (cs & 0xFFFC) == 0)
		GP0(c);
	u16 from = c->seg[SEG_CS].sel;
	flat_seg(c, SEG_CS, (u16)((cs + 16) | 3), true, 3);
	flat_seg(c, SEG_SS, (u16)((cs + 24) | 3), false, 3);
	c->cpl = 3;
	seg_cpl_changed(c);
	c->r[R_ESP] = c->r[R_ECX];
	c->eip = c->r[R_EDX];
	if (unlikely(c->dbg_on & DBG_ON_BRANCH))
		dbg_branch_event(c, CPU_BR_SYSEXIT, from, c->eip_insn);
}
