/* ops_sys.c: system instructions: CLI/STI, HLT, LGDT/LIDT/SGDT/SIDT, LLDT/SLDT, LTR/STR,
 * LMSW/SMSW, CLTS, MOV to/from CR0-CR4, DR0-DR7 and the 386/486 test registers, LAR,
 * LSL, VERR, VERW, ARPL, INVD/WBINVD/INVLPG, RDTSC, RDPMC, RDMSR/WRMSR, UD2.
 * Reference: Intel SDM vol. 2 (each instruction), vol. 3A 2.5 (control registers), 17.2
 * (debug registers), 5.10 (pointer validation: LAR/LSL/VERR/VERW/ARPL).
 * Privilege checks sit here, in front of each operation: CPL 0 in protected mode (and
 * #GP(0) in virtual-8086 mode) for the privileged ones; LLDT/SLDT/LTR/STR/LAR/LSL/VERR/
 * VERW/ARPL are #UD outside protected mode. Later, privileged operations will also take
 * a CP exit here (the paper's trap of privileged instructions). */
#include "cpu/alu.h"
#include "cpu/ops.h"

static inline bool o32(const Insn *d) { return d->flags & INSN_O32; }

/* CPL 0 (real mode counts as 0); V86 is CPL 3. */
static void need_cpl0(Cpu *c)
{
	if (pmode(c) && (v86(c) || c->cpl != 0))
		GP0(c);
}
static void need_pmode(Cpu *c)
{
	if (!pmode(c) || v86(c))
		UD(c);
}

/* ---- interrupt flag, halt ---- */
void op_cli(Cpu *c, const Insn *d)
{
	(void)d;
	if (pmode(c) && (v86(c) ? iopl(c) < 3 : c->cpl > (u32)iopl(c)))
		GP0(c);
	c->eflags &= ~FLAG_IF;
}
void op_sti(Cpu *c, const Insn *d)
{
	(void)d;
	if (pmode(c) && (v86(c) ? iopl(c) < 3 : c->cpl > (u32)iopl(c)))
		GP0(c);
	if (!(c->eflags & FLAG_IF)) {
		c->eflags |= FLAG_IF;
		c->inhibit_icount = c->icount + 1; /* the STI shadow */
		c->brk = 1;
	}
}
void op_hlt(Cpu *c, const Insn *d)
{
	(void)d;
	need_cpl0(c);
	c->halted = true;
	c->brk = 1;
}

/* ---- descriptor tables ---- */
void op_lgdt_ms(Cpu *c, const Insn *d)
{
	need_cpl0(c);
	u32 ea = ea_of(c, d);
	u32 limit = rd16(c, d->seg, ea), base = rd32(c, d->seg, (ea + 2) & d->amask);
	if (!o32(d))
		base &= 0xFFFFFF;
	c->gdt_limit = (u16)limit;
	c->gdt_base = base;
}
void op_lidt_ms(Cpu *c, const Insn *d)
{
	need_cpl0(c);
	u32 ea = ea_of(c, d);
	u32 limit = rd16(c, d->seg, ea), base = rd32(c, d->seg, (ea + 2) & d->amask);
	if (!o32(d))
		base &= 0xFFFFFF;
	c->idt_limit = (u16)limit;
	c->idt_base = base;
}
static void store_dt(Cpu *c, const Insn *d, u16 limit, u32 base)
{
	u32 ea = ea_of(c, d);
	/* check both parts before writing either */
	lin_w(c, d->seg, ea, 2);
	lin_w(c, d->seg, (ea + 2) & d->amask, 4);
	wr16(c, d->seg, ea, limit);
	wr32(c, d->seg, (ea + 2) & d->amask, o32(d) ? base : base & 0xFFFFFF);
}
void op_sgdt_ms(Cpu *c, const Insn *d) { store_dt(c, d, c->gdt_limit, c->gdt_base); }
void op_sidt_ms(Cpu *c, const Insn *d) { store_dt(c, d, c->idt_limit, c->idt_base); }

/* A 16-bit selector-sized store: memory gets a word, a register the zero-extended
 * value at 32-bit operand size. */
static void store_sel(Cpu *c, const Insn *d, u32 v)
{
	if ((d->flags & INSN_MEM) || !o32(d))
		wr_ew(c, d, v);
	else
		R32(c, d->rm) = v;
}
void op_sldt_ew(Cpu *c, const Insn *d)
{
	need_pmode(c);
	store_sel(c, d, c->ldtr.sel);
}
void op_str_ew(Cpu *c, const Insn *d)
{
	need_pmode(c);
	store_sel(c, d, c->tr.sel);
}
void op_lldt_ew(Cpu *c, const Insn *d)
{
	need_pmode(c);
	need_cpl0(c);
	u16 sel = (u16)rd_ew(c, d);
	if ((sel & ~3) == 0) {
		c->ldtr.sel = sel;
		c->ldtr.attr = 0;
		c->ldtr.base = 0;
		c->ldtr.limit = 0;
		return;
	}
	if (sel & 4)
		cpu_fault(c, EXC_GP, sel & 0xFFFC);
	Desc dd;
	desc_read(c, sel, &dd, EXC_GP);
	if (desc_is_seg(&dd) || desc_type(&dd) != SYS_LDT)
		cpu_fault(c, EXC_GP, sel & 0xFFFC);
	if (!desc_present(&dd))
		cpu_fault(c, EXC_NP, sel & 0xFFFC);
	desc_to_cache(&dd, sel, &c->ldtr);
}
void op_ltr_ew(Cpu *c, const Insn *d)
{
	need_pmode(c);
	need_cpl0(c);
	u16 sel = (u16)rd_ew(c, d);
	if ((sel & ~3) == 0)
		GP0(c);
	if (sel & 4)
		cpu_fault(c, EXC_GP, sel & 0xFFFC);
	Desc dd;
	desc_read(c, sel, &dd, EXC_GP);
	u32 t = desc_type(&dd);
	if (desc_is_seg(&dd) || (t != SYS_TSS16_AVAIL && t != SYS_TSS32_AVAIL))
		cpu_fault(c, EXC_GP, sel & 0xFFFC);
	if (!desc_present(&dd))
		cpu_fault(c, EXC_NP, sel & 0xFFFC);
	dd.hi |= 0x200; /* busy */
	sys_wr8(c, c->gdt_base + (sel & ~7u) + 5, dd.hi >> 8);
	desc_to_cache(&dd, sel, &c->tr);
}

/* ---- pointer validation ---- */
/* Whether the descriptor of sel is visible at CPL/RPL for LAR/LSL/VERR/VERW. */
static bool visible(Cpu *c, u16 sel, const Desc *dd)
{
	if (desc_is_seg(dd) && (desc_type(dd) & 0xC) == 0xC) /* conforming code */
		return true;
	u32 dpl = desc_dpl(dd);
	return dpl >= c->cpl && dpl >= (sel & 3u);
}
void op_lar_gv_ew(Cpu *c, const Insn *d)
{
	need_pmode(c);
	u16 sel = (u16)rd_ew(c, d);
	Desc dd;
	bool ok = (sel & ~3) != 0 && desc_try_read(c, sel, &dd);
	if (ok && !desc_is_seg(&dd)) {
		static const bool valid[16] = {[1] = 1, [2] = 1, [3] = 1, [4] = 1, [5] = 1,
					       [9] = 1, [11] = 1, [12] = 1};
		ok = valid[desc_type(&dd)];
	}
	if (ok)
		ok = visible(c, sel, &dd);
	if (ok) {
		u32 v = dd.hi & (o32(d) ? 0x00F0FF00u : 0xFF00);
		wr_reg(c, d->reg, opsz(d), v);
	}
	flags_set_arith(c, FLAG_ZF, ok ? FLAG_ZF : 0);
}
void op_lsl_gv_ew(Cpu *c, const Insn *d)
{
	need_pmode(c);
	u16 sel = (u16)rd_ew(c, d);
	Desc dd;
	bool ok = (sel & ~3) != 0 && desc_try_read(c, sel, &dd);
	if (ok && !desc_is_seg(&dd)) {
		static const bool valid[16] = {[1] = 1, [2] = 1, [3] = 1, [9] = 1, [11] = 1};
		ok = valid[desc_type(&dd)];
	}
	if (ok)
		ok = visible(c, sel, &dd);
	if (ok) {
		SegCache s;
		desc_to_cache(&dd, sel, &s);
		wr_reg(c, d->reg, opsz(d), s.limit);
	}
	flags_set_arith(c, FLAG_ZF, ok ? FLAG_ZF : 0);
}
static void verx(Cpu *c, const Insn *d, bool write)
{
	need_pmode(c);
	u16 sel = (u16)rd_ew(c, d);
	Desc dd;
	bool ok = (sel & ~3) != 0 && desc_try_read(c, sel, &dd) && desc_is_seg(&dd);
	if (ok) {
		u32 t = desc_type(&dd);
		if (write)
			ok = !(t & 8) && (t & 2);
		else
			ok = !(t & 8) || (t & 2);
		if (ok)
			ok = visible(c, sel, &dd);
	}
	flags_set_arith(c, FLAG_ZF, ok ? FLAG_ZF : 0);
}
void op_verr_ew(Cpu *c, const Insn *d) { verx(c, d, false); }
void op_verw_ew(Cpu *c, const Insn *d) { verx(c, d, true); }

void op_arpl_ew_gw(Cpu *c, const Insn *d)
{
	need_pmode(c);
	u32 src = R16(c, d->reg);
	/* a read, and a write only when the RPL rises: the 386 and 486 take no fault for
	 * a read-only destination whose RPL is already high enough (test386's ARPL
	 * check, from the chips; Bochs faults) */
	u32 v = rd_ew(c, d);
	if ((v & 3) < (src & 3)) {
		wr_ew(c, d, (v & ~3u) | (src & 3));
		flags_set_arith(c, FLAG_ZF, FLAG_ZF);
	} else {
		flags_set_arith(c, FLAG_ZF, 0);
	}
}

/* ---- control registers ---- */
/* CR0 bits a model implements; ET reads 1 from the i486 on (and when an x87 exists). */
static u32 cr0_fixed1(const Cpu *c)
{
	return (is486(c) || c->cfg.fpu) ? CR0_ET : 0;
}
static u32 cr0_writable(const Cpu *c)
{
	u32 m = CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_PG;
	if (!is486(c))
		m |= CR0_ET;
	else
		m |= CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD;
	return m;
}

/* Loads CR0, with what a change of PE/PG implies for the rest of the CPU. */
void cpu_load_cr0(Cpu *c, u32 v)
{
	u32 old = c->cr0;
	v = (v & cr0_writable(c)) | cr0_fixed1(c);
	c->cr0 = v;
	if (unlikely(c->dbg_on & DBG_ON_MODE) && ((old ^ v) & (CR0_PE | CR0_PG)))
		dbg_mode_event(c, cpu_mode_of(old, c->eflags));
	if ((old ^ v) & (CR0_PE | CR0_PG | CR0_WP)) {
		if (!(v & CR0_PE))
			c->cpl = 0;
		for (int i = 0; i < SEG_COUNT; i++)
			seg_set_fast(c, &c->seg[i], i);
		cpu_mode_sync(c);
		tlb_flush(c);
		c->brk = 1;
	}
}

void op_lmsw_ew(Cpu *c, const Insn *d)
{
	need_cpl0(c);
	u32 v = rd_ew(c, d) & 0xF;
	/* LMSW can set PE but never clear it */
	cpu_load_cr0(c, (c->cr0 & ~0xEu) | v | (c->cr0 & CR0_PE));
}
void op_smsw_ew(Cpu *c, const Insn *d)
{
	if ((d->flags & INSN_MEM) || !o32(d))
		wr_ew(c, d, c->cr0);
	else
		R32(c, d->rm) = c->cr0;
}
void op_clts(Cpu *c, const Insn *d)
{
	(void)d;
	need_cpl0(c);
	c->cr0 &= ~CR0_TS;
}

static u32 cr4_writable(const Cpu *c)
{
	/* Pentium: TSD, DE, PSE, MCE; P6 adds PAE (mem.c), PGE (global pages are flushed
	 * like the others) and PCE; the Pentium 4 OSFXSR and OSXMMEXCPT (SSE,
	 * sse_state.c). VME/PVI (V86 extensions) are not modelled. */
	if (model(c) >= CPU_MODEL_P4)
		return 0x1FCu | CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (model(c) >= CPU_MODEL_P6)
		return 0x1FCu;
	return model(c) >= CPU_MODEL_PENTIUM ? 0x5Cu : 0;
}

void op_mov_rd_cd(Cpu *c, const Insn *d)
{
	need_cpl0(c);
	u32 v;
	switch (d->reg) {
	case 0: v = c->cr0; break;
	case 2: v = c->cr2; break;
	case 3: v = c->cr3; break;
	case 4:
		if (model(c) < CPU_MODEL_PENTIUM)
			UD(c);
		v = c->cr4;
		break;
	default: UD(c);
	}
	R32(c, d->rm) = v;
}
void op_mov_cd_rd(Cpu *c, const Insn *d)
{
	need_cpl0(c);
	u32 v = R32(c, d->rm);
	switch (d->reg) {
	case 0:
		if ((v & CR0_PG) && !(v & CR0_PE))
			GP0(c);
		if (is486(c) && (v & CR0_NW) && !(v & CR0_CD))
			GP0(c);
		/* PAE paging from here on, with PG, CD or NW changed: the PDPTEs load */
		if ((v & CR0_PG) && (c->cr4 & CR4_PAE) &&
		    ((c->cr0 ^ v) & (CR0_PG | CR0_CD | CR0_NW)) && !paging_load_pdptes(c, c->cr3))
			GP0(c);
		cpu_load_cr0(c, v);
		break;
	case 2: c->cr2 = v; break;
	case 3:
		/* under PAE paging the PDPTEs load with it (SDM 4.4.1) */
		if (pae_paging(c) && !paging_load_pdptes(c, v))
			GP0(c);
		{
			u32 old = c->cr3;
			c->cr3 = v;
			if (unlikely(c->dbg_on & DBG_ON_CR3))
				dbg_cr3_event(c, old);
		}
		tlb_flush(c);
		break;
	case 4:
		if (model(c) < CPU_MODEL_PENTIUM)
			UD(c);
		if (v & ~cr4_writable(c))
			GP0(c);
		if ((c->cr0 & CR0_PG) && (v & CR4_PAE) &&
		    ((c->cr4 ^ v) & (CR4_PAE | CR4_PGE | CR4_PSE)) && !paging_load_pdptes(c, c->cr3))
			GP0(c);
		c->cr4 = v;
		tlb_flush(c);
		break;
	default: UD(c);
	}
}

/* Debug registers: DR4/DR5 are DR6/DR7 unless CR4.DE (then #UD). The checks come in
 * Bochs's order: #UD, then #DB by DR7.GD, then #GP(0) outside ring 0. A write to
 * DR0-DR3 or DR7 updates what the breakpoints need (debug.c). */
static int dr_index(Cpu *c, int n)
{
	if (n == 4 || n == 5) {
		if (c->cr4 & 8)
			UD(c);
		return n + 2;
	}
	return n;
}
void op_mov_rd_dd(Cpu *c, const Insn *d)
{
	int n = dr_index(c, d->reg);
	dr_general_detect(c);
	need_cpl0(c);
	u32 v = c->dr[n];
	if (n == 6)
		v = (v & 0xF00F) | 0xFFFF0FF0u;
	else if (n == 7)
		v = (v & 0xFFFF2BFF) | 0x400;
	R32(c, d->rm) = v;
}
void op_mov_dd_rd(Cpu *c, const Insn *d)
{
	int n = dr_index(c, d->reg);
	dr_general_detect(c);
	need_cpl0(c);
	c->dr[n] = R32(c, d->rm);
	if (n != 6)
		cpu_dr_update(c);
}
/* Test registers TR3-TR7 (386/486 cache and TLB test): reads 0, writes ignored. */
void op_mov_rd_td(Cpu *c, const Insn *d)
{
	if (model(c) >= CPU_MODEL_PENTIUM)
		UD(c);
	need_cpl0(c);
	R32(c, d->rm) = 0;
}
void op_mov_td_rd(Cpu *c, const Insn *d)
{
	if (model(c) >= CPU_MODEL_PENTIUM)
		UD(c);
	need_cpl0(c);
}

/* ---- caches and TLB ---- */
void op_invd(Cpu *c, const Insn *d)
{
	(void)d;
	need_cpl0(c);
}
/* INVLPG m: the translations of the page holding the operand's linear address (no
 * segment limit check, no access: SDM vol. 2). */
void op_invlpg_m(Cpu *c, const Insn *d)
{
	need_cpl0(c);
	tlb_flush_page(c, c->seg[d->seg].base + ea_of(c, d));
}

/* ---- time stamp, performance counters, MSRs (CPUID: cpuid.c) ---- */
void op_rdtsc(Cpu *c, const Insn *d)
{
	(void)d;
	if ((c->cr4 & 4) && pmode(c) && (v86(c) || c->cpl != 0))
		GP0(c);
	u64 t = c->icount + c->tsc_offset;
	c->r[R_EAX] = (u32)t;
	c->r[R_EDX] = (u32)(t >> 32);
}
/* RDPMC (P6 and later): #GP(0) outside ring 0 unless CR4.PCE, and for a counter the
 * model lacks (ECX 0-1 on the P6; 0-17 on the Pentium 4, whose ECX bit 31 asks for a
 * "fast" 32-bit read). No event selects are modelled (their MSRs #GP), so no counter
 * ever starts: each reads 0. */
void op_rdpmc(Cpu *c, const Insn *d)
{
	(void)d;
	if (!(c->cr4 & CR4_PCE) && pmode(c) && (v86(c) || c->cpl != 0))
		GP0(c);
	u32 n = c->r[R_ECX];
	if (model(c) >= CPU_MODEL_P4 ? (n & 0x7FFFFFFFu) > 17 : n > 1)
		GP0(c);
	c->r[R_EAX] = 0;
	c->r[R_EDX] = 0;
}
enum { MSR_TSC = 0x10, MSR_PLATFORM_ID = 0x17, MSR_BIOS_SIGN_ID = 0x8B, MSR_SYSENTER_CS = 0x174,
       MSR_SYSENTER_ESP = 0x175, MSR_SYSENTER_EIP = 0x176, MSR_MISC_ENABLE = 0x1A0 };
/* IA32_MISC_ENABLE (Pentium 4), MISC_ENABLE_RESET after RESET: fast strings (bit 0) on,
 * BTS and PEBS unavailable (11, 12), performance monitoring not available (7 clear:
 * there are no counters); the read/write bits keep what is written (thermal control 3, FERR# multiplexing 10, TM2
 * 13, EIST 16, MONITOR 18, adjacent-line prefetch 19, limit CPUID 22, xTPR 23, XD 34),
 * the others read as they are. */
#define MISC_ENABLE_RW 0x400CD2409ull
/* The MSR RDMSR reads; false when this model has none there (#GP). */
bool cpu_read_msr(Cpu *c, u32 idx, u64 *v)
{
	if (apic_msr_read(c, idx, v))
		return true;
	switch (idx) {
	case MSR_TSC: *v = c->icount + c->tsc_offset; return true;
	/* the P6's microcode update signature: revision 0 (no update loaded) */
	case MSR_BIOS_SIGN_ID: *v = 0; return model(c) >= CPU_MODEL_P6;
	case MSR_SYSENTER_CS: *v = c->msr_sysenter_cs; return model(c) >= CPU_MODEL_P6;
	case MSR_SYSENTER_ESP: *v = c->msr_sysenter_esp; return model(c) >= CPU_MODEL_P6;
	case MSR_SYSENTER_EIP: *v = c->msr_sysenter_eip; return model(c) >= CPU_MODEL_P6;
	case MSR_MISC_ENABLE: *v = c->msr_misc_enable; return model(c) >= CPU_MODEL_P4;
	/* the Pentium 4's platform ID (bits 52:50, what microcode updates match): 0 */
	case MSR_PLATFORM_ID: *v = 0; return model(c) >= CPU_MODEL_P4;
	default: return msr_read(c, idx, v); /* EFER, PAT, MTRRs (msr.c) */
	}
}

void op_rdmsr(Cpu *c, const Insn *d)
{
	(void)d;
	need_cpl0(c);
	u64 v;
	if (!cpu_read_msr(c, c->r[R_ECX], &v))
		GP0(c);
	c->r[R_EAX] = (u32)v;
	c->r[R_EDX] = (u32)(v >> 32);
}
void op_wrmsr(Cpu *c, const Insn *d)
{
	(void)d;
	need_cpl0(c);
	u64 v = (u64)c->r[R_EDX] << 32 | c->r[R_EAX];
	if (apic_msr_write(c, c->r[R_ECX], v))
		return;
	switch (c->r[R_ECX]) {
	case MSR_TSC: c->tsc_offset = v - c->icount; break;
	case MSR_BIOS_SIGN_ID: if (model(c) < CPU_MODEL_P6) GP0(c); break; /* CPUID refills it */
	case MSR_SYSENTER_CS: if (model(c) < CPU_MODEL_P6) GP0(c); c->msr_sysenter_cs = (u32)v; break;
	case MSR_SYSENTER_ESP: if (model(c) < CPU_MODEL_P6) GP0(c); c->msr_sysenter_esp = (u32)v; break;
	case MSR_SYSENTER_EIP: if (model(c) < CPU_MODEL_P6) GP0(c); c->msr_sysenter_eip = (u32)v; break;
	case MSR_MISC_ENABLE:
		if (model(c) < CPU_MODEL_P4)
			GP0(c);
		c->msr_misc_enable = (c->msr_misc_enable & ~MISC_ENABLE_RW) | (v & MISC_ENABLE_RW);
		if (!cpu_has_nx(c) && (c->efer & EFER_NXE)) {
			/* XD disabled: EFER.NXE goes with it */
			c->efer &= ~EFER_NXE;
			tlb_flush(c);
		}
		break;
	default:
		if (!msr_write(c, c->r[R_ECX], v)) /* EFER, PAT, MTRRs (msr.c) */
			GP0(c);
	}
}

/* UD2 and every undefined encoding. */
void op_ud(Cpu *c, const Insn *d)
{
	(void)d;
	UD(c);
}
/* An instruction longer than 15 bytes. */
void op_gp_toolong(Cpu *c, const Insn *d)
{
	(void)d;
	GP0(c);
}
