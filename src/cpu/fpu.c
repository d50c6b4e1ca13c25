/* fpu.c: the x87 floating-point unit: the escape opcodes D8-DF and WAIT/FWAIT.
 *
 * Reference: Intel SDM vol. 1 chapter 8 (the x87 FPU: register stack, tags, status and
 * control words, exceptions, 8.5 masked responses, 8.6-8.7 exception synchronization and
 * handling), appendix D (MS-DOS compatibility: FERR#, IGNNE#), vol. 2 (each instruction,
 * opcode map A.5), vol. 3A 2.5 (CR0.EM/MP/TS/NE), 9.2 (emulation, #NM).
 *
 * Before an escape: #NM with CR0.EM or CR0.TS; #UD for an encoding the model lacks;
 * then, for a waiting instruction (all but FNINIT, FNCLEX, FNSTSW, FNSTCW, FNSTENV,
 * FNSAVE), a pending unmasked exception: #MF with CR0.NE = 1, else FERR# and the freeze
 * of fpu_check_pending. WAIT raises #NM when MP and TS are both set. Without an x87
 * (CpuConfig.fpu false) the escape is the empty coprocessor socket of a 386: with EM
 * clear it does nothing but form and check its operand's address, so FNINIT/FNSTSW
 * probing reads back its own preset value and concludes "no x87".
 *
 * A numeric instruction is decoded into an FpuOp (what it reads, writes, pushes, pops,
 * its memory operand, its masked stack-fault response); fpu.c then does what the stack
 * needs (an empty operand is a stack underflow, a full ST(7) before a push an overflow:
 * IE+SF with C1, and the masked response: the QNaN indefinite in the destination) and
 * hands the rest to fpu_host_exec(): the instruction itself, on a window holding ST(0)
 * and its other register operand as ST(1). The window's movement (TOP went down one,
 * stayed, went up one or two) and its registers come back into the stack, its
 * exception flags into the status word; a pre-computation exception left unmasked
 * leaves the destination as it was, and a store to memory with an unmasked exception
 * other than precision writes nothing (SDM 8.5). The control instructions are in
 * fpu_env.c.
 *
 * Last instruction and data pointers: every non-control instruction records its CS:EIP
 * (prefixes included), its opcode, and, with a memory operand, its segment selector
 * and offset (FSTENV/FSAVE store them). FISTTP (SSE3) exists on the Pentium 4; the
 * MMX registers alias the physical registers' significands (sse.h). Not modelled: the
 * 8087/287 (projective infinity, FENI/FDISI are no-ops as on the 387), #AC on x87
 * operands, the 486/Pentium's choice of asserting FERR# at the next instruction (FERR#
 * rises at the end of the faulting one, as on the P6). */
#include "cpu/internal.h"
#include "cpu/ops.h"

enum {
	SW_IE = 0x0001, SW_DE = 0x0002, SW_ZE = 0x0004, SW_OE = 0x0008, SW_UE = 0x0010,
	SW_PE = 0x0020, SW_SF = 0x0040, SW_ES = 0x0080, SW_C0 = 0x0100, SW_C1 = 0x0200,
	SW_C2 = 0x0400, SW_TOP = 0x3800, SW_C3 = 0x4000, SW_B = 0x8000
};
#define SW_CC (SW_C0 | SW_C1 | SW_C2 | SW_C3)

/* The QNaN floating-point indefinite, the masked response to an invalid operation. */
static const F80 f80_indefinite = {0xC000000000000000ull, 0xFFFF};

/* ---- the register stack ---- */
static inline int fpu_top(const Cpu *c) { return (c->fpu.sw >> 11) & 7; }
static inline int st_phys(const Cpu *c, int i) { return (fpu_top(c) + i) & 7; }
static inline bool st_empty(const Cpu *c, int i) { return (c->fpu.empty >> st_phys(c, i)) & 1; }
static inline F80 st_get(const Cpu *c, int i) { return c->fpu.st[st_phys(c, i)]; }

static void st_set(Cpu *c, int i, F80 v)
{
	int p = st_phys(c, i);
	c->fpu.st[p] = v;
	c->fpu.empty &= (u8)~(1u << p);
}

static void set_top(Cpu *c, int top)
{
	c->fpu.sw = (u16)((c->fpu.sw & ~SW_TOP) | (u16)((top & 7) << 11));
}

static void fpu_push(Cpu *c, F80 v)
{
	set_top(c, fpu_top(c) - 1);
	st_set(c, 0, v);
}

static void fpu_pop(Cpu *c)
{
	c->fpu.empty |= (u8)(1u << st_phys(c, 0));
	set_top(c, fpu_top(c) + 1);
}

/* ---- exceptions ---- */
void fpu_update_es(Cpu *c)
{
	Fpu *f = &c->fpu;
	if (f->sw & ~f->cw & 0x3F)
		f->sw |= SW_ES | SW_B;
	else
		f->sw &= (u16)~(SW_ES | SW_B);
	bool ferr = (f->sw & SW_ES) && !(c->cr0 & CR0_NE);
	if (ferr != f->ferr) {
		f->ferr = ferr;
		irq_set(&f->ferr_line, ferr);
	}
}

bool fpu_check_pending(Cpu *c)
{
	Fpu *f = &c->fpu;
	if (likely(!(f->sw & SW_ES)))
		return true;
	if (c->cr0 & CR0_NE)
		cpu_fault_noerr(c, EXC_MF);
	/* MS-DOS compatibility mode (SDM vol. 1 D.2.1): FERR# drives IRQ13; with IGNNE#
	 * asserted the error is ignored, otherwise the CPU stops before this instruction
	 * until an interrupt comes (its handler returns here and the instruction runs
	 * again, usually after FNCLEX or with IGNNE# from the port F0h write). */
	if (!f->ferr) {
		f->ferr = true;
		irq_set(&f->ferr_line, true);
	}
	if (f->ignne)
		return true;
	c->eip = c->eip_insn;
	c->halted = true;
	c->brk = 1;
	return false;
}

void cpu_set_ferr_line(Cpu *c, IrqLine line)
{
	c->fpu.ferr_line = line;
}

void cpu_set_ignne(Cpu *c, bool level)
{
	c->fpu.ignne = level;
}

/* ---- decoding (SDM vol. 2 A.5, x87 opcode map) ---- */
enum {
	K_UD,     /* undefined: #UD */
	K_ARITH,  /* a result in a register: the masked stack fault puts the indefinite there */
	K_CMP,    /* compare: a stack fault leaves "unordered" */
	K_LOAD,   /* push a loaded value */
	K_PUSHOP, /* FPTAN, FSINCOS, FXTRACT: replace ST(0), then push */
	K_STORE,  /* store ST(0) to memory */
	K_XCH,    /* FXCH */
	K_XAM,    /* FXAM: no stack fault, "empty" is a class */
	K_CMOV,   /* FCMOVcc (here, not on the host: it reads EFLAGS) */
	K_FREE,   /* FFREE, FFREEP */
	K_INCSTP, K_DECSTP, K_NOP,
	K_CTRL,   /* control instructions (fpu_env.c); arg says which */
};
enum {
	F_R0 = 0x01,     /* reads ST(0) */
	F_RI = 0x02,     /* reads ST(wi) */
	F_W0 = 0x04,     /* writes ST(0) (or the old ST(0) before a push) */
	F_WI = 0x08,     /* writes ST(wi) */
	F_PUSH = 0x10,   /* may push: ST(7) must be empty */
	F_REGIDX = 0x20, /* ModRM.rm is the register operand (mapped into the window) */
	F_MEM = 0x40,    /* a memory operand (read for loads, written for K_STORE) */
	F_FCOMI = 0x80,  /* sets ZF, PF, CF */
	F_NOWAIT = 0x100, /* a non-waiting control instruction */
	F_P6 = 0x200,    /* FCMOVcc, FCOMI family: P6 and later */
	F_NCE = 0x400,   /* FSTP1: an empty ST(0) is popped without a stack fault */
	F_SSE3 = 0x800,  /* FISTTP: the Pentium 4 (SSE3) and later */
};
/* memory formats (K_STORE: which indefinite a masked stack fault stores) */
enum { MF_REAL, MF_INT, MF_BCD };

typedef struct FpuOp {
	u8 kind;
	u16 flags;
	u8 msize;  /* bytes of the memory operand */
	u8 mfmt;   /* MF_* */
	u8 pops;   /* pops in the masked stack-fault response */
	s8 wi;     /* the other register operand, ST(wi) */
	u8 arg;    /* K_CTRL: FPU_C_*; K_CMOV: condition (Jcc numbering) */
	u16 fault_cc; /* C0, C2, C3 bits a stack fault clears (compares: sets) */
} FpuOp;

#define OPK(k, f, cc) ((FpuOp){(k), (f), 0, 0, 0, 0, 0, (cc)})

static FpuOp op_ctrl(int which, u16 flags)
{
	FpuOp p = OPK(K_CTRL, flags, 0);
	p.arg = (u8)which;
	return p;
}

/* Arithmetic group (D8, DA, DC, DE /0-/7 with memory; D8, DC, DE register forms). */
static FpuOp dec_arith(int reg, bool mem, u8 msize, u32 dst_i, int pops)
{
	FpuOp p;
	if (reg == 2 || reg == 3) {
		p = OPK(K_CMP, F_R0, SW_CC);
		p.pops = (u8)(reg == 3);
	} else {
		p = OPK(K_ARITH, F_R0 | (dst_i ? F_WI : F_W0), 0);
		p.pops = (u8)pops;
	}
	if (mem) {
		p.flags |= F_MEM;
		p.msize = msize;
	} else {
		p.flags |= F_RI | F_REGIDX;
	}
	return p;
}

static FpuOp dec_store(u8 msize, u8 mfmt, int pops)
{
	FpuOp p = OPK(K_STORE, F_R0 | F_MEM, 0);
	p.msize = msize;
	p.mfmt = mfmt;
	p.pops = (u8)pops;
	return p;
}

/* FISTTP (SSE3): FISTP with truncation, whatever the rounding control. */
static FpuOp dec_fisttp(u8 msize)
{
	FpuOp p = dec_store(msize, MF_INT, 1);
	p.flags |= F_SSE3;
	return p;
}

static FpuOp dec_load(u8 msize)
{
	FpuOp p = OPK(K_LOAD, F_PUSH | F_MEM, 0);
	p.msize = msize;
	return p;
}

/* D9 E0-FF: the instructions without operands in ModRM. */
static FpuOp dec_d9_misc(int modrm)
{
	switch (modrm) {
	case 0xE0: case 0xE1: return OPK(K_ARITH, F_R0 | F_W0, 0); /* FCHS FABS */
	case 0xE4: return OPK(K_CMP, F_R0, SW_CC);                     /* FTST */
	case 0xE5: return OPK(K_XAM, 0, 0);                            /* FXAM */
	case 0xE8: case 0xE9: case 0xEA: case 0xEB: case 0xEC: case 0xED: case 0xEE:
		return OPK(K_LOAD, F_PUSH, 0);                     /* constants */
	case 0xF0: case 0xFA: case 0xFC:                               /* F2XM1 FSQRT FRNDINT */
		return OPK(K_ARITH, F_R0 | F_W0, 0);
	case 0xFE: case 0xFF:                                          /* FSIN FCOS */
		return OPK(K_ARITH, F_R0 | F_W0, SW_C2);
	case 0xF1: case 0xF3: case 0xF9: {                             /* FYL2X FPATAN FYL2XP1 */
		FpuOp p = OPK(K_ARITH, F_R0 | F_RI | F_WI, 0);
		p.wi = 1;
		p.pops = 1;
		return p;
	}
	case 0xF5: case 0xF8: {                                        /* FPREM1 FPREM */
		FpuOp p = OPK(K_ARITH, F_R0 | F_RI | F_W0, SW_C2);
		p.wi = 1;
		return p;
	}
	case 0xFD: {                                                   /* FSCALE */
		FpuOp p = OPK(K_ARITH, F_R0 | F_RI | F_W0, 0);
		p.wi = 1;
		return p;
	}
	case 0xF2: case 0xFB:                                          /* FPTAN FSINCOS */
		return OPK(K_PUSHOP, F_R0 | F_W0 | F_PUSH, SW_C2);
	case 0xF4: return OPK(K_PUSHOP, F_R0 | F_W0 | F_PUSH, 0); /* FXTRACT */
	case 0xF6: return OPK(K_DECSTP, 0, 0);
	case 0xF7: return OPK(K_INCSTP, 0, 0);
	default: return OPK(K_UD, 0, 0);
	}
}

static FpuOp fpu_decode(int op, int modrm, bool mem)
{
	int reg = (modrm >> 3) & 7, rm = modrm & 7;
	FpuOp p = OPK(K_UD, 0, 0);
	switch (op & 7) {
	case 0: /* D8: m32real, or ST(0) op ST(i) */
		p = dec_arith(reg, mem, 4, 0, 0);
		break;
	case 1: /* D9 */
		if (mem) {
			switch (reg) {
			case 0: p = dec_load(4); break;
			case 2: p = dec_store(4, MF_REAL, 0); break;
			case 3: p = dec_store(4, MF_REAL, 1); break;
			case 4: p = op_ctrl(FPU_C_LDENV, 0); break;
			case 5: p = op_ctrl(FPU_C_LDCW, 0); break;
			case 6: p = op_ctrl(FPU_C_STENV, F_NOWAIT); break;
			case 7: p = op_ctrl(FPU_C_STCW, F_NOWAIT); break;
			}
			break;
		}
		switch (reg) {
		case 0: p = OPK(K_LOAD, F_PUSH | F_RI | F_REGIDX, 0); break; /* FLD ST(i) */
		case 1: p = OPK(K_XCH, F_R0 | F_RI | F_W0 | F_WI | F_REGIDX, 0); break;
		case 2: if (rm == 0) p = OPK(K_NOP, 0, 0); break;                /* FNOP */
		case 3: /* FSTP1: FSTP ST(i), but an empty ST(0) only pops (as the host does) */
			p = OPK(K_ARITH, F_R0 | F_WI | F_REGIDX | F_NCE, 0);
			p.pops = 1;
			break;
		default: p = dec_d9_misc(modrm); break;
		}
		break;
	case 2: /* DA: m32int, FCMOVcc, FUCOMPP */
		if (mem) {
			p = dec_arith(reg, mem, 4, 0, 0);
		} else if (reg < 4) {
			static const u8 cond[4] = {2, 4, 6, 10}; /* B, E, BE, P (U) */
			p = OPK(K_CMOV, F_R0 | F_RI | F_W0 | F_REGIDX | F_P6, 0);
			p.arg = cond[reg];
		} else if (modrm == 0xE9) {
			p = OPK(K_CMP, F_R0 | F_RI, SW_CC); /* FUCOMPP */
			p.wi = 1;
			p.pops = 2;
		}
		break;
	case 3: /* DB */
		if (mem) {
			switch (reg) {
			case 0: p = dec_load(4); break;                 /* FILD m32 */
			case 1: p = dec_fisttp(4); break;               /* FISTTP m32 */
			case 2: p = dec_store(4, MF_INT, 0); break;     /* FIST m32 */
			case 3: p = dec_store(4, MF_INT, 1); break;     /* FISTP m32 */
			case 5: p = dec_load(10); break;                /* FLD m80 */
			case 7: p = dec_store(10, MF_REAL, 1); break;   /* FSTP m80 */
			}
		} else if (reg < 4) {
			static const u8 cond[4] = {3, 5, 7, 11}; /* NB, NE, NBE, NP (NU) */
			p = OPK(K_CMOV, F_R0 | F_RI | F_W0 | F_REGIDX | F_P6, 0);
			p.arg = cond[reg];
		} else if (reg == 4) {
			switch (rm) {
			case 0: case 1: case 4: /* FNENI, FNDISI, FNSETPM: no-ops since the 387 */
				p = op_ctrl(FPU_C_NOP, F_NOWAIT);
				break;
			case 2: p = op_ctrl(FPU_C_CLEX, F_NOWAIT); break;
			case 3: p = op_ctrl(FPU_C_INIT, F_NOWAIT); break;
			}
		} else if (reg == 5 || reg == 6) { /* FUCOMI, FCOMI */
			p = OPK(K_CMP, F_R0 | F_RI | F_REGIDX | F_FCOMI | F_P6, 0);
		}
		break;
	case 4: /* DC: m64real, or ST(i) op ST(0) */
		if (!mem && (reg == 2 || reg == 3)) { /* FCOM2, FCOMP3 (aliases) */
			p = dec_arith(reg, false, 0, 0, 0);
			break;
		}
		p = dec_arith(reg, mem, 8, 1, 0);
		break;
	case 5: /* DD */
		if (mem) {
			switch (reg) {
			case 0: p = dec_load(8); break;
			case 1: p = dec_fisttp(8); break;               /* FISTTP m64 */
			case 2: p = dec_store(8, MF_REAL, 0); break;
			case 3: p = dec_store(8, MF_REAL, 1); break;
			case 4: p = op_ctrl(FPU_C_RSTOR, 0); break;
			case 6: p = op_ctrl(FPU_C_SAVE, F_NOWAIT); break;
			case 7: p = op_ctrl(FPU_C_STSW, F_NOWAIT); break;
			}
			break;
		}
		switch (reg) {
		case 0: p = OPK(K_FREE, F_REGIDX, 0); break;  /* FFREE */
		case 1: p = OPK(K_XCH, F_R0 | F_RI | F_W0 | F_WI | F_REGIDX, 0); break; /* FXCH4 */
		case 2: case 3: /* FST, FSTP ST(i) */
			p = OPK(K_ARITH, F_R0 | F_WI | F_REGIDX, 0);
			p.pops = (u8)(reg == 3);
			break;
		case 4: case 5: /* FUCOM, FUCOMP */
			p = OPK(K_CMP, F_R0 | F_RI | F_REGIDX, SW_CC);
			p.pops = (u8)(reg == 5);
			break;
		}
		break;
	case 6: /* DE: m16int, or ST(i) op ST(0) and pop */
		if (mem) {
			p = dec_arith(reg, mem, 2, 0, 0);
		} else if (reg == 2) { /* FCOMP5 (alias) */
			p = dec_arith(3, false, 0, 0, 0);
		} else if (reg == 3) {
			if (rm == 1) { /* FCOMPP */
				p = OPK(K_CMP, F_R0 | F_RI, SW_CC);
				p.wi = 1;
				p.pops = 2;
			}
		} else {
			p = dec_arith(reg, false, 0, 1, 1);
		}
		break;
	case 7: /* DF */
		if (mem) {
			switch (reg) {
			case 0: p = dec_load(2); break;                 /* FILD m16 */
			case 1: p = dec_fisttp(2); break;               /* FISTTP m16 */
			case 2: p = dec_store(2, MF_INT, 0); break;
			case 3: p = dec_store(2, MF_INT, 1); break;
			case 4: p = dec_load(10); break;                /* FBLD */
			case 5: p = dec_load(8); break;                 /* FILD m64 */
			case 6: p = dec_store(10, MF_BCD, 1); break;    /* FBSTP */
			case 7: p = dec_store(8, MF_INT, 1); break;     /* FISTP m64 */
			}
			break;
		}
		switch (reg) {
		case 0: p = OPK(K_FREE, F_REGIDX, 0); p.pops = 1; break;  /* FFREEP */
		case 1: p = OPK(K_XCH, F_R0 | F_RI | F_W0 | F_WI | F_REGIDX, 0); break; /* FXCH7 */
		case 2: case 3: /* FSTP8, FSTP9 (aliases of FSTP ST(i)) */
			p = OPK(K_ARITH, F_R0 | F_WI | F_REGIDX, 0);
			p.pops = 1;
			break;
		case 4:
			if (rm == 0)
				p = op_ctrl(FPU_C_STSW_AX, F_NOWAIT);
			break;
		case 5: case 6: /* FUCOMIP, FCOMIP */
			p = OPK(K_CMP, F_R0 | F_RI | F_REGIDX | F_FCOMI | F_P6, 0);
			p.pops = 1;
			break;
		}
		break;
	}
	if ((p.flags & F_REGIDX) && !mem)
		p.wi = (s8)rm;
	return p;
}

/* ---- memory operands ---- */
u32 fpu_read_bytes(Cpu *c, int seg, u32 ea, u8 *p, u32 n)
{
	u32 lin = lin_r(c, seg, ea, n);
	u32 i = 0;
	for (; i + 4 <= n; i += 4)
		st32(p + i, rd32_lin(c, lin + i));
	for (; i < n; i++)
		p[i] = (u8)rd8_lin(c, lin + i);
	return lin;
}

u32 fpu_check_store(Cpu *c, int seg, u32 ea, u32 n)
{
	u32 lin = lin_w(c, seg, ea, n);
	mem_translate(c, lin, true, false);
	if ((lin ^ (lin + n - 1)) & ~MEM_PAGE_MASK)
		mem_translate(c, (lin + n - 1) & ~MEM_PAGE_MASK, true, false);
	return lin;
}

void fpu_write_bytes(Cpu *c, u32 lin, const u8 *p, u32 n)
{
	u32 i = 0;
	for (; i + 4 <= n; i += 4)
		wr32_lin(c, lin + i, ld32(p + i));
	for (; i < n; i++)
		wr8_lin(c, lin + i, p[i]);
}

/* The indefinite a masked invalid operation stores in a memory format of n bytes. */
static void indefinite_bytes(u8 *p, u8 fmt, u32 n)
{
	memset(p, 0, n);
	if (fmt == MF_INT) {
		p[n - 1] = 0x80; /* integer indefinite: the most negative integer */
	} else if (fmt == MF_BCD) {
		p[9] = 0xFF; /* packed BCD indefinite: FFFF C000 0000 0000 0000 */
		p[8] = 0xFF;
		p[7] = 0xC0;
	} else if (n == 4) {
		st32(p, 0xFFC00000u);
	} else if (n == 8) {
		st32(p + 4, 0xFFF80000u);
	} else {
		memcpy(p, &f80_indefinite.m, 8);
		st16(p + 8, f80_indefinite.se);
	}
}

/* ---- numeric instructions ---- */
/* Records the last non-control instruction (and its memory operand). */
static void fpu_note(Cpu *c, const Insn *d, bool mem, u32 ea)
{
	Fpu *f = &c->fpu;
	f->fip = c->eip_insn;
	f->fcs = c->seg[SEG_CS].sel;
	f->fop = (u16)((d->op & 7) << 8 | d->modrm);
	if (mem) {
		f->fdp = ea;
		f->fds = c->seg[d->seg].sel;
	}
}

static void fcomi_flags(Cpu *c, u32 zpc)
{
	flags_set_arith(c, FLAGS_OSZAPC, zpc & (FLAG_ZF | FLAG_PF | FLAG_CF));
}

/* Stack overflow or underflow (SDM 8.5.1.1): IE and SF, C1 = 1 for an overflow, and
 * with IE masked the response of each kind of instruction. */
static void stack_fault(Cpu *c, const FpuOp *p, bool over, u32 lin)
{
	Fpu *f = &c->fpu;
	bool masked = f->cw & SW_IE;
	f->sw = (u16)((f->sw & ~SW_C1) | SW_IE | SW_SF | (over ? SW_C1 : 0));
	switch (p->kind) {
	case K_CMP:
		/* "unordered", in EFLAGS (masked or not) for the FCOMI family */
		if (p->flags & F_FCOMI)
			fcomi_flags(c, FLAG_ZF | FLAG_PF | FLAG_CF);
		else
			f->sw |= SW_C0 | SW_C2 | SW_C3;
		break;
	case K_ARITH:
		if (masked)
			st_set(c, (p->flags & F_WI) ? p->wi : 0, f80_indefinite);
		break;
	case K_LOAD:
		if (masked)
			fpu_push(c, f80_indefinite);
		break;
	case K_PUSHOP:
		if (masked) {
			st_set(c, 0, f80_indefinite);
			fpu_push(c, f80_indefinite);
		}
		break;
	case K_STORE:
		if (masked) {
			u8 buf[10];
			indefinite_bytes(buf, p->mfmt, p->msize);
			fpu_write_bytes(c, lin, buf, p->msize);
		}
		break;
	case K_CMOV:
		if (masked)
			st_set(c, 0, f80_indefinite); /* whatever the condition */
		break;
	case K_XCH:
		if (masked) {
			if (st_empty(c, 0))
				st_set(c, 0, f80_indefinite);
			if (st_empty(c, p->wi))
				st_set(c, p->wi, f80_indefinite);
			F80 a = st_get(c, 0), b = st_get(c, p->wi);
			st_set(c, 0, b);
			st_set(c, p->wi, a);
		}
		break;
	default:
		break;
	}
	if (p->kind != K_CMP)
		f->sw &= (u16)~p->fault_cc; /* C2 of FPREM and the trigonometric ones */
	if (masked)
		for (int i = 0; i < p->pops; i++)
			fpu_pop(c);
	fpu_update_es(c);
}

static void fpu_numeric(Cpu *c, const Insn *d, const FpuOp *p)
{
	Fpu *f = &c->fpu;
	FpuHostOp h;
	u32 ea = 0, lin = 0;
	bool mem = (p->flags & F_MEM) != 0;
	memset(&h, 0, sizeof(h));
	if (mem) {
		ea = ea_of(c, d);
		if (p->kind == K_STORE)
			lin = fpu_check_store(c, d->seg, ea, p->msize);
		else
			fpu_read_bytes(c, d->seg, ea, h.mem, p->msize);
	}
	/* nothing faults from here on */
	fpu_note(c, d, mem, ea);
	if ((p->flags & F_NCE) && st_empty(c, 0)) {
		f->sw &= (u16)~SW_C1;
		fpu_pop(c);
		return;
	}
	bool under = ((p->flags & F_R0) && st_empty(c, 0)) ||
		     ((p->flags & F_RI) && st_empty(c, p->wi));
	bool over = (p->flags & F_PUSH) && !st_empty(c, 7);
	if (p->kind == K_PUSHOP && under)
		over = false; /* FPTAN & co. with an empty ST(0): an underflow */
	if (under || over) {
		stack_fault(c, p, over && !under, lin);
		return;
	}
	if (p->kind == K_XAM && st_empty(c, 0)) {
		/* empty: C3 = 1, C2 = 0, C0 = 1, C1 the sign of what the register holds */
		u16 s = (st_get(c, 0).se & 0x8000) ? SW_C1 : 0;
		f->sw = (u16)((f->sw & ~SW_CC) | SW_C3 | SW_C0 | s);
		return;
	}
	if (p->kind == K_CMOV) {
		if (cond_eval(c, p->arg))
			st_set(c, 0, st_get(c, p->wi));
		return;
	}
	int wi = p->wi;
	u8 op = d->op, modrm = d->modrm;
	h.st[0] = st_get(c, 0);
	if (wi > 0) {
		h.st[1] = st_get(c, wi);
		if (p->flags & F_REGIDX)
			modrm = (u8)((modrm & ~7u) | 1u);
	}
	h.cw = f->cw;
	h.sw = f->sw;
	bool pop0 = op == 0xDE && !mem && wi == 0 && p->kind == K_ARITH;
	if (pop0)
		op = 0xDC; /* FADDP ST(0),ST(0) & co.: ST(0) gets the result, then pops */
	fpu_host_exec(&h, op, modrm);
	u16 ex = h.sw & 0x3F;
	if (pop0 && !(ex & ~f->cw & (SW_IE | SW_DE | SW_ZE)))
		h.dtop = 1; /* (the register popped keeps the result) */
	if (p->kind == K_STORE) {
		/* an unmasked exception other than precision stores nothing */
		if (!(ex & ~f->cw & 0x1F))
			fpu_write_bytes(c, lin, h.mem, p->msize);
	}
	switch (h.dtop) {
	case -1:
		if (p->flags & F_W0)
			st_set(c, 0, h.st[1]);
		fpu_push(c, h.st[0]);
		break;
	case 0:
		if ((p->flags & F_W0) || ((p->flags & F_WI) && wi == 0))
			st_set(c, 0, h.st[0]);
		if ((p->flags & F_WI) && wi > 0)
			st_set(c, wi, h.st[1]);
		break;
	case 1:
		if ((p->flags & F_WI) && wi > 0)
			st_set(c, wi, h.st[0]);
		else if (pop0)
			st_set(c, 0, h.st[0]);
		fpu_pop(c);
		break;
	default:
		fpu_pop(c);
		fpu_pop(c);
		break;
	}
	if ((p->flags & F_FCOMI) && h.flags_set)
		fcomi_flags(c, h.zpc);
	f->sw = (u16)((f->sw & ~SW_CC) | (h.sw & SW_CC) | ex);
	fpu_update_es(c);
}

static void fpu_exec(Cpu *c, const Insn *d)
{
	bool mem = (d->flags & INSN_MEM) != 0;
	FpuOp p = fpu_decode(d->op, d->modrm, mem);
	if (p.kind == K_UD || ((p.flags & F_P6) && model(c) < CPU_MODEL_P6) ||
	    ((p.flags & F_SSE3) && model(c) < CPU_MODEL_P4))
		UD(c);
	if (!(p.flags & F_NOWAIT) && !fpu_check_pending(c))
		return;
	Fpu *f = &c->fpu;
	switch (p.kind) {
	case K_CTRL:
		fpu_control(c, d, p.arg);
		return;
	case K_FREE:
		fpu_note(c, d, false, 0);
		f->empty |= (u8)(1u << st_phys(c, p.wi));
		if (p.pops)
			fpu_pop(c);
		f->sw &= (u16)~SW_C1;
		return;
	case K_INCSTP:
	case K_DECSTP:
		fpu_note(c, d, false, 0);
		set_top(c, fpu_top(c) + (p.kind == K_INCSTP ? 1 : -1));
		f->sw &= (u16)~SW_C1;
		return;
	case K_NOP:
		fpu_note(c, d, false, 0);
		return;
	default:
		fpu_numeric(c, d, &p);
		return;
	}
}

/* Bytes of the memory operand of an escape (D8-DF with mod != 3), by opcode and
 * ModRM.reg (SDM vol. 1 8.1, appendix A.5 tables), for 32-bit operand size. */
static u32 fpu_mem_size(const Insn *d)
{
	static const u8 size[8][8] = {
		{4, 4, 4, 4, 4, 4, 4, 4},        /* D8: m32real */
		{4, 0, 4, 4, 28, 2, 28, 2},      /* D9: fld/fst m32, fldenv, fldcw, fstenv, fstcw */
		{4, 4, 4, 4, 4, 4, 4, 4},        /* DA: m32int */
		{4, 4, 4, 4, 0, 10, 0, 10},      /* DB: m32int, fld/fstp m80 */
		{8, 8, 8, 8, 8, 8, 8, 8},        /* DC: m64real */
		{8, 8, 8, 8, 108, 0, 108, 2},    /* DD: m64, frstor, fsave, fstsw */
		{2, 2, 2, 2, 2, 2, 2, 2},        /* DE: m16int */
		{2, 2, 2, 2, 10, 8, 10, 8},      /* DF: m16int, fbld, fild m64, fbstp, fistp m64 */
	};
	u32 n = size[d->op & 7][d->reg & 7];
	if (!(d->flags & INSN_O32) && (n == 28 || n == 108))
		n -= 14; /* 16-bit environment forms: 14 / 94 bytes */
	return n;
}

void op_esc(Cpu *c, const Insn *d)
{
	if (c->cr0 & (CR0_EM | CR0_TS))
		cpu_fault_noerr(c, EXC_NM);
	if (c->cfg.fpu) {
		fpu_exec(c, d);
		return;
	}
	/* empty socket: the CPU still forms and limit-checks the operand address */
	if (d->flags & INSN_MEM) {
		u32 n = fpu_mem_size(d);
		if (n)
			lin_r(c, d->seg, ea_of(c, d), n);
	}
}

void op_wait(Cpu *c, const Insn *d)
{
	(void)d;
	if ((c->cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
		cpu_fault_noerr(c, EXC_NM);
	if (c->cfg.fpu)
		fpu_check_pending(c);
}
