/* except.c: exceptions and interrupts: raising a fault from a handler (unwinding to
 * cpu_run), the double-fault and shutdown rules, and delivery through the real-mode
 * interrupt vector table or the protected-mode IDT (interrupt and trap gates, with the
 * stack switch to an inner privilege level).
 * References: Intel SDM vol. 3A chapter 6 (6.3 sources, 6.5 fault/trap/abort, 6.12
 * exception and interrupt handling, 6.13 error code, 6.15 exception reference with
 * Table 6-5 "conditions for generating a double fault"), vol. 3A 20.1.4 (real-mode
 * interrupt handling). Faults push the EIP of the faulting instruction (cpu_fault puts
 * EIP back), traps (INT n, INT3, INTO, single-step) the EIP of the next one.
 * Task gates hand over to task.c; interrupts from virtual-8086 mode build the V86
 * frame (GS FS DS ES SS ESP EFLAGS CS EIP) on the ring-0 stack. */
#include "cpu/internal.h"

_Noreturn void cpu_fault(Cpu *c, int vec, u32 err)
{
	c->exc_vec = vec;
	c->exc_has_err = true;
	c->exc_err = err;
	c->eip = c->eip_insn;
	siglongjmp(c->jmp, JMP_FAULT);
}

_Noreturn void cpu_fault_noerr(Cpu *c, int vec)
{
	c->exc_vec = vec;
	c->exc_has_err = false;
	c->exc_err = 0;
	c->eip = c->eip_insn;
	siglongjmp(c->jmp, JMP_FAULT);
}

_Noreturn void cpu_exit_now(Cpu *c, CpuExitReason why)
{
	c->exit_reason = why;
	siglongjmp(c->jmp, JMP_EXIT);
}

static bool contributory(int vec)
{
	return vec == EXC_DE || (vec >= EXC_TS && vec <= EXC_GP);
}

/* Table 6-5: a contributory fault while delivering a contributory one, or a page fault
 * or contributory fault while delivering a page fault, becomes #DF; any fault while
 * delivering #DF shuts the processor down (triple fault). */
void cpu_deliver_fault(Cpu *c)
{
	int vec = c->exc_vec;
	bool has_err = c->exc_has_err;
	u32 err = c->exc_err;
	c->pending_dr6 = 0; /* the instruction did not complete: it hits again on restart */
	c->stats.exceptions++;
	c->stats.last_exception = vec;
	if (c->delivering >= 0) {
		int first = c->delivering;
		if (first == EXC_DF) {
			c->delivering = -1;
			c->shutdown = true;
			c->halted = false;
			return;
		}
		if ((contributory(first) && contributory(vec)) ||
		    (first == EXC_PF && (vec == EXC_PF || contributory(vec)))) {
			vec = EXC_DF;
			has_err = true;
			err = 0;
			c->stats.last_exception = vec;
		}
	}
	c->delivering = vec;
	c->eip_insn = c->eip;
	cpu_interrupt(c, vec, 0, has_err, err, true);
	c->delivering = -1;
}

static void real_interrupt(Cpu *c, int vec)
{
	u32 off = (u32)vec * 4;
	if (off + 3 > c->idt_limit)
		cpu_fault(c, EXC_GP, off * 2 + 2);
	u32 ip = sys_rd16(c, c->idt_base + off);
	u16 cs = (u16)sys_rd16(c, c->idt_base + off + 2);
	Stk k = stk_current(c);
	u32 fl = cpu_eflags(c);
	stk_push(c, &k, fl & 0xFFFF, 2);
	stk_push(c, &k, c->seg[SEG_CS].sel, 2);
	stk_push(c, &k, c->eip & 0xFFFF, 2);
	set_sp(c, k.sp);
	seg_load_real(c, SEG_CS, cs);
	c->eip = ip;
	cpu_set_eflags(c, fl & ~(u32)(FLAG_IF | FLAG_TF | FLAG_AC | FLAG_RF));
}

void cpu_interrupt(Cpu *c, int vec, int soft, bool has_err, u32 err, bool ext)
{
	vec &= 0xFF;
	if (unlikely(c->dbg_on & DBG_ON_INT))
		dbg_int_event(c, vec, soft, has_err, err); /* the CP's (cpdebug.c) */
	c->halted = false;
	if (!pmode(c)) {
		real_interrupt(c, vec);
		return;
	}
	u32 extb = ext ? 1 : 0;
	u32 idx = (u32)vec * 8;
	u32 gerr = idx + 2 + extb; /* error code naming the IDT entry */
	/* soft: 1 INT n, 2 INT3/INTO (gate DPL checked), 3 INT1/ICEBP (no checks) */
	if (soft == 1 && v86(c) && iopl(c) < 3)
		GP0(c);
	if (idx + 7 > c->idt_limit)
		cpu_fault(c, EXC_GP, gerr);
	Desc g;
	g.lo = sys_rd32(c, c->idt_base + idx);
	g.hi = sys_rd32(c, c->idt_base + idx + 4);
	u32 type = desc_type(&g);
	if (desc_is_seg(&g) || !(type == SYS_TASKGATE || type == SYS_INTGATE16 ||
				 type == SYS_TRAPGATE16 || type == SYS_INTGATE32 ||
				 type == SYS_TRAPGATE32))
		cpu_fault(c, EXC_GP, gerr);
	if (soft && soft != 3 && desc_dpl(&g) < c->cpl)
		cpu_fault(c, EXC_GP, idx + 2);
	if (!desc_present(&g))
		cpu_fault(c, EXC_NP, gerr);
	if (type == SYS_TASKGATE) {
		task_switch(c, (u16)(g.lo >> 16), TS_INT, has_err, err, extb);
		return;
	}
	u16 tsel = (u16)(g.lo >> 16);
	bool g32 = (type & 8) != 0;
	u32 off = g32 ? (g.lo & 0xFFFF) | (g.hi & 0xFFFF0000u) : g.lo & 0xFFFF;
	int gsz = g32 ? 4 : 2;
	if ((tsel & ~3) == 0)
		cpu_fault(c, EXC_GP, extb);
	Desc t;
	if (!desc_try_read(c, tsel, &t))
		cpu_fault(c, EXC_GP, (tsel & 0xFFFC) + extb);
	if (!desc_is_seg(&t) || !(desc_type(&t) & 8) || desc_dpl(&t) > c->cpl)
		cpu_fault(c, EXC_GP, (tsel & 0xFFFC) + extb);
	if (!desc_present(&t))
		cpu_fault(c, EXC_NP, (tsel & 0xFFFC) + extb);
	SegCache tc;
	desc_to_cache(&t, tsel, &tc);
	u32 tdpl = desc_dpl(&t);
	bool conforming = (desc_type(&t) & 4) != 0;
	u32 fl = cpu_eflags(c);
	if (v86(c) && (conforming || tdpl != 0))
		cpu_fault(c, EXC_GP, (tsel & 0xFFFC) + extb);
	if (!conforming && tdpl < c->cpl) {
		/* inner privilege: SS:ESP for the new level from the TSS */
		u16 nss;
		u32 nesp;
		tss_get_stack(c, (int)tdpl, &nss, &nesp);
		if ((nss & ~3) == 0)
			cpu_fault(c, EXC_TS, extb);
		Desc sd;
		if (!desc_try_read(c, nss, &sd))
			cpu_fault(c, EXC_TS, (nss & 0xFFFC) + extb);
		if ((nss & 3u) != tdpl || desc_dpl(&sd) != tdpl || !desc_is_seg(&sd) ||
		    (desc_type(&sd) & 0xA) != 0x2)
			cpu_fault(c, EXC_TS, (nss & 0xFFFC) + extb);
		if (!desc_present(&sd))
			cpu_fault(c, EXC_SS, (nss & 0xFFFC) + extb);
		SegCache nsc;
		desc_to_cache(&sd, nss, &nsc);
		Stk nk = {&nsc, nesp, (sd.hi & 0x400000) != 0, EXC_SS, (nss & 0xFFFC) + extb};
		if (!nk.big)
			nk.sp &= 0xFFFF;
		if (off > tc.limit)
			GP0(c);
		c->tlb_mode = 0; /* the inner stack is written at the new (supervisor) level */
		if (v86(c)) {
			stk_push(c, &nk, c->seg[SEG_GS].sel, gsz);
			stk_push(c, &nk, c->seg[SEG_FS].sel, gsz);
			stk_push(c, &nk, c->seg[SEG_DS].sel, gsz);
			stk_push(c, &nk, c->seg[SEG_ES].sel, gsz);
		}
		stk_push(c, &nk, c->seg[SEG_SS].sel, gsz);
		stk_push(c, &nk, c->r[R_ESP], gsz);
		stk_push(c, &nk, fl, gsz);
		stk_push(c, &nk, c->seg[SEG_CS].sel, gsz);
		stk_push(c, &nk, c->eip, gsz);
		if (has_err)
			stk_push(c, &nk, err, gsz);
		Desc sdd = sd;
		desc_set_accessed(c, nss, &sdd);
		desc_to_cache(&sdd, nss, &c->seg[SEG_SS]);
		if (v86(c)) {
			static const int segs[] = {SEG_ES, SEG_DS, SEG_FS, SEG_GS};
			for (unsigned i = 0; i < ARRAY_SIZE(segs); i++) {
				SegCache *s = &c->seg[segs[i]];
				s->sel = 0;
				s->attr = 0;
				s->base = 0;
				s->limit = 0;
			}
		}
		fl &= ~(u32)FLAG_VM;
		cpu_set_eflags(c, fl);
		seg_set_fast(c, &c->seg[SEG_SS], SEG_SS);
		set_sp(c, nk.sp);
		seg_load_cs(c, tsel, &t, (int)tdpl);
	} else if (conforming || tdpl == c->cpl) {
		Stk k = stk_current(c);
		stk_push(c, &k, fl, gsz);
		stk_push(c, &k, c->seg[SEG_CS].sel, gsz);
		stk_push(c, &k, c->eip, gsz);
		if (has_err)
			stk_push(c, &k, err, gsz);
		if (off > tc.limit)
			GP0(c);
		seg_load_cs(c, tsel, &t, c->cpl);
		set_sp(c, k.sp);
	} else {
		cpu_fault(c, EXC_GP, (tsel & 0xFFFC) + extb);
	}
	c->eip = off;
	fl &= ~(u32)(FLAG_TF | FLAG_NT | FLAG_RF | FLAG_VM);
	if (!(type & 1)) /* interrupt gate */
		fl &= ~(u32)FLAG_IF;
	cpu_set_eflags(c, fl);
}
