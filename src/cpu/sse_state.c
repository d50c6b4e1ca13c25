/* sse_state.c: the SSE state and what works on it whole: XMM0-XMM7 and MXCSR after
 * RESET/INIT, the checks each MMX/SSE form starts with, #XM, operand access with the
 * alignment rule, FXSAVE/FXRSTOR, LDMXCSR/STMXCSR, EMMS, the fences and CLFLUSH, and
 * the state API of cpu.h.
 *
 * Reference: Intel SDM vol. 2A FXSAVE/FXRSTOR (table 3-53, the 32-bit layout), LDMXCSR,
 * STMXCSR, EMMS, LFENCE/MFENCE/SFENCE, CLFLUSH; vol. 1 10.2.3 (MXCSR, MXCSR_MASK 11.6.6),
 * 9.5-9.6 (MMX and the x87); vol. 3A 9.1 table 9-1 (state after RESET and INIT), 13.1
 * (CR4.OSFXSR, OSXMMEXCPT), 22.25 (exception classes of the legacy SIMD forms).
 *
 * FXSAVE writes bytes 0-159 (x87 environment, MXCSR, MXCSR_MASK, the eight registers
 * in 16-byte slots, the reserved bytes of each slot as 0) and, with CR4.OSFXSR, the
 * XMM registers at 160-287; bytes 288-511 are never written. FXRSTOR loads the x87 and
 * MXCSR (#GP(0) for a reserved MXCSR bit, before anything changes) and, with
 * CR4.OSFXSR, the XMM registers (the SDM leaves the XMM part without OSFXSR to the
 * implementation; this is Bochs's choice). Both are #NM with CR0.EM or TS, never #UD for
 * a clear OSFXSR, and neither waits for a pending x87 exception. The 512-byte operand
 * is 16-byte aligned (#GP(0)) and limit-checked whole.
 * The MXCSR mask is FFFFh (DAZ supported), or FFBFh, as on the first Pentium 4s, when
 * the host's own SSE unit has no DAZ to run the numerics with. */
#include "cpu/sse.h"

#include "cpu/sse_host.h"

void sse_reset(Cpu *c, bool full)
{
	/* INIT leaves the XMM registers and MXCSR as they were (table 9-1) */
	if (!full)
		return;
	memset(c->sse.xmm, 0, sizeof(c->sse.xmm));
	c->sse.mxcsr = MXCSR_RESET;
	c->sse.mxcsr_mask = sse_host_daz() ? 0xFFFF : 0xFFBF;
}

/* ---- checks ---- */
void sse_enter_fault(Cpu *c)
{
	if ((c->cr0 & CR0_EM) || !(c->cr4 & CR4_OSFXSR))
		UD(c);
	cpu_fault_noerr(c, EXC_NM);
}

bool mmx_enter(Cpu *c)
{
	if (c->cr0 & CR0_EM)
		UD(c);
	if (c->cr0 & CR0_TS)
		cpu_fault_noerr(c, EXC_NM);
	return fpu_check_pending(c);
}

bool sse_mmx_enter(Cpu *c)
{
	sse_enter(c);
	return fpu_check_pending(c);
}

void sse_xm(Cpu *c)
{
	if (c->cr4 & CR4_OSXMMEXCPT)
		cpu_fault_noerr(c, EXC_XM);
	UD(c);
}

/* ---- memory operands ---- */
static u32 sse_lin(Cpu *c, const Insn *d, u32 n, bool aligned, bool write)
{
	u32 ea = ea_of(c, d);
	u32 lin = write ? lin_w(c, d->seg, ea, n) : lin_r(c, d->seg, ea, n);
	if (aligned && (lin & 15))
		GP0(c);
	return lin;
}

void sse_read(Cpu *c, const Insn *d, void *p, u32 n, bool aligned)
{
	u32 lin = sse_lin(c, d, n, aligned, false);
	u8 *b = p;
	u32 i = 0;
	for (; i + 4 <= n; i += 4)
		st32(b + i, rd32_lin(c, lin + i));
	for (; i < n; i++)
		b[i] = (u8)rd8_lin(c, lin + i);
}

u32 sse_check_write(Cpu *c, const Insn *d, u32 n, bool aligned)
{
	u32 lin = sse_lin(c, d, n, aligned, true);
	mem_translate(c, lin, true, false);
	if ((lin ^ (lin + n - 1)) & ~MEM_PAGE_MASK)
		mem_translate(c, (lin + n - 1) & ~MEM_PAGE_MASK, true, false);
	return lin;
}

void sse_write(Cpu *c, u32 lin, const void *p, u32 n)
{
	fpu_write_bytes(c, lin, p, n);
}

void sse_src(Cpu *c, const Insn *d, Xmm *x, u32 n, bool aligned)
{
	if (!(d->flags & INSN_MEM)) {
		*x = c->sse.xmm[d->rm];
		return;
	}
	memset(x, 0, sizeof(*x));
	sse_read(c, d, x->b, n, aligned);
}

u64 mmx_src(Cpu *c, const Insn *d)
{
	if (!(d->flags & INSN_MEM))
		return mm_get(c, d->rm);
	u8 b[8];
	sse_read(c, d, b, 8, false);
	u64 v;
	memcpy(&v, b, 8);
	return v;
}

/* ---- FXSAVE, FXRSTOR (0F AE /0, /1) ---- */
enum { FX_SIZE = 512, FX_X87 = 160, FX_XMM_END = 288 };

static u8 abridged_tags(const Cpu *c)
{
	return (u8)~c->fpu.empty;
}

void op_fxsave_m(Cpu *c, const Insn *d)
{
	if (c->cr0 & (CR0_EM | CR0_TS))
		cpu_fault_noerr(c, EXC_NM);
	u32 lin = sse_check_write(c, d, FX_SIZE, true);
	const Fpu *f = &c->fpu;
	u8 b[FX_XMM_END];
	memset(b, 0, sizeof(b));
	st16(b + 0, f->cw);
	st16(b + 2, f->sw);
	b[4] = abridged_tags(c);
	st16(b + 6, f->fop & 0x7FF);
	st32(b + 8, f->fip);
	st16(b + 12, f->fcs);
	st32(b + 16, f->fdp);
	st16(b + 20, f->fds);
	st32(b + 24, c->sse.mxcsr);
	st32(b + 28, c->sse.mxcsr_mask);
	int top = (f->sw >> 11) & 7;
	for (int i = 0; i < 8; i++) {
		const F80 *v = &f->st[(top + i) & 7];
		memcpy(b + 32 + 16 * i, &v->m, 8);
		st16(b + 40 + 16 * i, v->se);
	}
	u32 n = FX_X87;
	if (c->cr4 & CR4_OSFXSR) {
		memcpy(b + FX_X87, c->sse.xmm, sizeof(c->sse.xmm));
		n = FX_XMM_END;
	}
	sse_write(c, lin, b, n);
}

void op_fxrstor_m(Cpu *c, const Insn *d)
{
	if (c->cr0 & (CR0_EM | CR0_TS))
		cpu_fault_noerr(c, EXC_NM);
	bool xmm_too = (c->cr4 & CR4_OSFXSR) != 0;
	u32 lin = sse_lin(c, d, FX_SIZE, true, false);
	u8 b[FX_XMM_END];
	u32 n = xmm_too ? FX_XMM_END : FX_X87;
	for (u32 i = 0; i < n; i += 4)
		st32(b + i, rd32_lin(c, lin + i));
	u32 mxcsr = ld32(b + 24);
	if (mxcsr & ~c->sse.mxcsr_mask)
		GP0(c);
	/* nothing faults from here on */
	Fpu *f = &c->fpu;
	f->cw = (u16)((ld16(b + 0) & 0x1F3F) | 0x0040);
	f->sw = (u16)ld16(b + 2);
	f->empty = (u8)~b[4];
	f->fop = (u16)(ld16(b + 6) & 0x7FF);
	f->fip = ld32(b + 8);
	f->fcs = (u16)ld16(b + 12);
	f->fdp = ld32(b + 16);
	f->fds = (u16)ld16(b + 20);
	int top = (f->sw >> 11) & 7;
	for (int i = 0; i < 8; i++) {
		F80 *v = &f->st[(top + i) & 7];
		memcpy(&v->m, b + 32 + 16 * i, 8);
		v->se = (u16)ld16(b + 40 + 16 * i);
	}
	fpu_update_es(c);
	c->sse.mxcsr = mxcsr;
	if (xmm_too)
		memcpy(c->sse.xmm, b + FX_X87, sizeof(c->sse.xmm));
}

/* ---- MXCSR (0F AE /2, /3) ---- */
void op_ldmxcsr_md(Cpu *c, const Insn *d)
{
	sse_enter(c);
	u8 b[4];
	sse_read(c, d, b, 4, false);
	u32 v = ld32(b);
	if (v & ~c->sse.mxcsr_mask)
		GP0(c);
	c->sse.mxcsr = v;
}

void op_stmxcsr_md(Cpu *c, const Insn *d)
{
	sse_enter(c);
	u8 b[4];
	st32(b, c->sse.mxcsr);
	sse_write(c, sse_check_write(c, d, 4, false), b, 4);
}

/* ---- fences, CLFLUSH (0F AE /5-/7) ----
 * One CPU with coherent memory in program order: the fences order nothing further and
 * CLFLUSH has no cache to write back. The memory forms /5 and /6 (XRSTOR, XSAVEOPT)
 * are later CPUs'. */
void op_grp15_5(Cpu *c, const Insn *d)
{
	if (d->flags & INSN_MEM)
		UD(c);
}

void op_grp15_6(Cpu *c, const Insn *d)
{
	if (d->flags & INSN_MEM)
		UD(c);
}

/* SFENCE with a register operand; CLFLUSH m8 with a memory one: the byte must be
 * readable (segment checks, #PF), like a load. */
void op_grp15_7(Cpu *c, const Insn *d)
{
	if (d->flags & INSN_MEM) {
		u32 lin = lin_r(c, d->seg, ea_of(c, d), 1);
		mem_translate(c, lin, false, false);
	}
}

/* ---- EMMS (0F 77): every x87 register empty, and TOP = 0 as after any MMX form ---- */
void op_emms(Cpu *c, const Insn *d)
{
	(void)d;
	if (!mmx_enter(c))
		return;
	mmx_transition(c);
	c->fpu.empty = 0xFF;
}

/* ---- the state API (cpu.h) ---- */
void cpu_get_sse_state(const Cpu *c, CpuSseState *st)
{
	memcpy(st->xmm, c->sse.xmm, sizeof(st->xmm));
	st->mxcsr = c->sse.mxcsr;
}

void cpu_set_sse_state(Cpu *c, const CpuSseState *st)
{
	memcpy(c->sse.xmm, st->xmm, sizeof(c->sse.xmm));
	c->sse.mxcsr = st->mxcsr & c->sse.mxcsr_mask;
}
