/* internal.h: the Cpu object and the helpers every file of src/cpu/ shares.
 *
 * Nothing outside src/cpu/ includes this file. It holds:
 *  - struct Cpu: registers, the segment descriptor caches with precomputed fast-path
 *    limits, lazy flags, the software TLB, the exception unwinding state;
 *  - Insn, the decoded form of one instruction, and Block, a run of decoded instructions
 *    from one guest code page (icache.c caches them per physical page);
 *  - inline fast paths for memory access (segment check, TLB, host pointer) whose slow
 *    paths live in mem.c, for the stack, and for the lazy flags (flags.c).
 *
 * Conventions: while a handler runs, cpu->eip is the address of the NEXT instruction and
 * cpu->eip_insn that of the current one. A fault (cpu_fault) puts EIP back to eip_insn
 * and unwinds with siglongjmp to cpu_run, which delivers it. Handlers check everything
 * that can fault before their first side effect (or only change state that a restart
 * recomputes: REP string registers describe the next element). References: Intel SDM
 * vol. 3A chapters 3 (segmentation), 5 (protection), 6 (interrupts); vol. 2 (opcodes). */
#ifndef VMCP_CPU_INTERNAL_H
#define VMCP_CPU_INTERNAL_H

#include <setjmp.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/fpu_host.h"

/* The translator (jit*.c) exists for x86-64 Linux hosts (VMCP_NO_JIT builds without). */
#if defined(__x86_64__) && defined(__linux__) && !defined(VMCP_NO_JIT)
#define JIT_AVAILABLE 1
#else
#define JIT_AVAILABLE 0
#endif

typedef struct Insn Insn;
typedef struct Block Block;
typedef struct ICache ICache;

/* Every opcode handler has this signature (one dispatch table, one call site). */
typedef void (*OpFn)(Cpu *cpu, const Insn *d);

/* Insn.flags */
enum {
	INSN_O32 = 0x01,   /* 32-bit operand size */
	INSN_A32 = 0x02,   /* 32-bit address size */
	INSN_MEM = 0x04,   /* the ModRM operand is in memory */
	INSN_REP = 0x08,   /* F3 prefix */
	INSN_REPNE = 0x10, /* F2 prefix */
	INSN_LOCK = 0x20,  /* F0 prefix */
	INSN_SEGOVR = 0x40, /* a segment override prefix was present */
	INSN_END = 0x80     /* ends a decoded block (control transfer, #UD...) */
};

#define REG_NONE 8 /* r[8] is always 0: "no base" / "no index" in an effective address */

/* One decoded instruction. reg/rm are GPR numbers (0-7) for word/dword operands and
 * byte offsets into r[] for byte operands (AL=0, CL=4, ..., AH=1, CH=5 ...). */
struct Insn {
	OpFn fn;
	u32 disp;  /* displacement, branch displacement, or moffs */
	u32 imm;   /* immediate (sign-extended where the opcode says so) */
	u32 amask; /* 0xFFFF or 0xFFFFFFFF: the address-size wrap */
	u16 imm2;  /* far pointer selector, ENTER nesting level */
	u8 len;    /* instruction length in bytes, prefixes included */
	u8 op;     /* the opcode byte (the second byte for 0F xx) */
	u8 reg;    /* ModRM.reg (register, segment, CR/DR number or group index) */
	u8 rm;     /* ModRM.rm register when mod == 3 */
	u8 base;   /* effective address: base register or REG_NONE */
	u8 index;  /* index register or REG_NONE */
	u8 scale;  /* index shift 0-3 */
	u8 seg;    /* effective segment of the memory operand (default or override) */
	u8 flags;  /* INSN_* */
	u8 modrm;  /* the raw ModRM byte (for the trace and a few handlers) */
};

#define BLOCK_MAX_INSNS 64

/* A run of instructions decoded from one physical code page, entered at its first. */
struct Block {
	u32 phys;   /* physical address of the first instruction byte */
	u32 mode;   /* CS.D when decoded (the only mode bit decoding depends on) */
	u16 n;      /* instructions */
	u16 nbytes; /* bytes covered, from phys */
	Block *hnext, **hprev; /* hash chain */
	Block *pnext;          /* next block decoded from the same page */
	void *jit;             /* its host code (jit.c), NULL until translated */
	u32 heat;              /* executions so far without a translation */
	Insn insn[];
};

/* The jump cache: the block last found for a linear EIP, valid while gm equals
 * jc_key() (generation, user/supervisor mode, CS.D). jc_gen moves on whenever blocks
 * are dropped or the linear to physical mapping may have changed, which invalidates
 * every entry at once; the mode is part of the key because a user-mode fetch must be
 * checked against the page's U/S bit. */
typedef struct JmpEnt {
	u32 lin;
	u32 gm;
	const Block *b;
} JmpEnt;

#define JC_BITS 12
#define JC_SIZE (1u << JC_BITS)

static inline u32 jc_index(u32 lin) { return (lin ^ (lin >> JC_BITS)) & (JC_SIZE - 1); }

/* A segment register with its descriptor cache and the fast-path bounds: an access of
 * size bytes at offset ea is in bounds and permitted when ea + size <= rend (reads) or
 * wend (writes); 0 means "always take the checking slow path" (null/unusable segment,
 * expand-down, read of execute-only code, write to read-only data). */
typedef struct SegCache {
	u16 sel;
	u16 attr;
	u32 base;
	u32 limit;
	u64 rend, wend;
} SegCache;

/* Cpu.seg_flat bits, kept by seg_set_fast: segments whose accesses need no check
 * beyond the TLB's (base 0, bound 4 GiB), and the stack and code segment's shape. */
#define SEGF_R(s) (1u << (s))      /* reads of segment s: base 0, rend 2^32 */
#define SEGF_W(s) (1u << (8 + (s))) /* writes: base 0, wend 2^32 */
#define SEGF_STACK32 (1u << 16)    /* SS.B */
#define SEGF_CSFLAT (1u << 17)     /* CS: base 0, limit 0xFFFFFFFF */
#define SEGF_SUPER (1u << 18)      /* tlb_mode 0 (kept by cpu_mode_sync) */
#define SEGF_USER (1u << 19)       /* tlb_mode 1 */

/* descriptor attr bits (bytes 5-6 of a descriptor) */
#define DA_TYPE 0x000F
#define DA_A 0x0001   /* accessed */
#define DA_RW 0x0002  /* data: writable; code: readable */
#define DA_EC 0x0004  /* data: expand-down; code: conforming */
#define DA_CODE 0x0008
#define DA_S 0x0010   /* code/data (1) or system (0) */
#define DA_DPL 0x0060
#define DA_P 0x0080
#define DA_AVL 0x1000
#define DA_DB 0x4000
#define DA_G 0x8000

/* system descriptor types */
enum {
	SYS_TSS16_AVAIL = 1, SYS_LDT = 2, SYS_TSS16_BUSY = 3, SYS_CALLGATE16 = 4,
	SYS_TASKGATE = 5, SYS_INTGATE16 = 6, SYS_TRAPGATE16 = 7, SYS_TSS32_AVAIL = 9,
	SYS_TSS32_BUSY = 11, SYS_CALLGATE32 = 12, SYS_INTGATE32 = 14, SYS_TRAPGATE32 = 15
};

/* A raw descriptor, split. */
typedef struct Desc {
	u32 lo, hi;
} Desc;

/* Software TLB entry: a hit when tag == page of (lin + size - 1) | tlb_mode; the host
 * address of lin is then addend + lin. */
typedef struct TlbEnt {
	u32 tag;
	uintptr_t addend;
} TlbEnt;

#define TLB_BITS 8
#define TLB_SIZE (1u << TLB_BITS)
#define TLB_INVALID 2u /* never equal to a page address | mode */

/* Lazy flags: cc_op = kind << 2 | size index (0 byte, 1 word, 2 dword). */
enum { CCK_NONE, CCK_ADD, CCK_ADC, CCK_SUB, CCK_SBB, CCK_INC, CCK_DEC, CCK_LOGIC,
       CCK_SZPCO /* SZP of the result, CF = cc_a, OF = cc_b, AF = 0 (shifts, MUL) */ };
#define CC_NONE 0u
#define CC(kind, sz) ((u32)(kind) << 2 | (u32)(sz))
#define FLAGS_OSZAPC (FLAG_OF | FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF | FLAG_CF)

/* events: what the run loop must look at between blocks */
enum {
	EV_INTR = 1,    /* the INTR line is high */
	EV_NMI = 2,     /* an NMI is latched */
	EV_EXIT = 4,    /* cpu_request_exit() */
	EV_SLOW = 8,    /* single-step mode: TF, trace, breakpoints, DR7 */
	EV_INIT = 16,   /* an INIT from the APIC */
	EV_SIPI = 32,   /* a start-up IPI from the APIC (sipi_vector) */
	EV_PAUSE = 64,  /* a PAUSE with pause_exit: cpu_run returns CPU_EXIT_PAUSE */
};

/* siglongjmp codes */
enum { JMP_FAULT = 1, JMP_EXIT = 2 };

/* The x87 (fpu.c, fpu_env.c): eight physical registers R0-R7, ST(i) being
 * R((TOP + i) & 7). Only "empty" is kept of the tag word: FSTENV/FSAVE work the other
 * tags out of the contents, as the P6 does. */
typedef struct Fpu {
	F80 st[8];
	u16 cw;      /* bit 6 reads as 1 */
	u16 sw;      /* TOP in bits 11-13; ES and B set exactly while a flag is unmasked */
	u8 empty;    /* bit i: R(i) is empty (tag 11) */
	u16 fop;     /* last non-control instruction: bits 10-8 of its escape, its ModRM */
	u16 fcs, fds; /* its CS and its memory operand's segment selector */
	u32 fip, fdp; /* its offset (prefixes included) and its memory operand's offset */
	bool ferr;   /* the FERR# output (CR0.NE = 0) */
	bool ignne;  /* the IGNNE# input */
	IrqLine ferr_line;
} Fpu;

/* SSE (sse_state.c): XMM0-XMM7 and MXCSR. The MMX registers are the significands of
 * the x87's physical registers (MMi is Fpu.st[i].m). */
typedef union Xmm {
	u8 b[16];
	u16 w[8];
	u32 d[4];
	u64 q[2];
} Xmm;

typedef struct Sse {
	Xmm xmm[8];
	u32 mxcsr;
	u32 mxcsr_mask; /* the bits MXCSR implements: FFFFh, or FFBFh without DAZ */
} Sse;

/* exception vectors */
enum {
	EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5, EXC_UD = 6,
	EXC_NM = 7, EXC_DF = 8, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12, EXC_GP = 13,
	EXC_PF = 14, EXC_MF = 16, EXC_AC = 17, EXC_XM = 19
};

struct Cpu {
	/* hot: registers, flags, segments, TLB */
	u32 r[9]; /* EAX..EDI in encoding order, r[REG_NONE] == 0 */
	u32 eip;
	u32 eip_insn;
	u32 eflags; /* OSZAPC stale while cc_op != CC_NONE */
	u32 cc_op, cc_a, cc_b, cc_res;
	u8 brk;    /* leave the current block after this instruction */
	u8 cpl;
	u8 code32; /* CS.D */
	u8 stack32; /* SS.B */
	u32 seg_flat; /* SEGF_*: what seg_set_fast found (the translator's assumptions) */
	u32 tlb_mode; /* 0 supervisor; 1 user (CPL 3 with paging): part of TLB tags */
	SegCache seg[SEG_COUNT];
	/* instruction times: one per retired instruction and one per event delivered in
	 * place of one (cpu.c: charge_delivery); virtual time and the TSC count these */
	u64 icount;
	TlbEnt tlb_r[TLB_SIZE], tlb_w[TLB_SIZE];
	u32 fetch_lin; /* linear page of the last code fetch translation, or 1 (none) */
	u32 fetch_phys;
	u32 jc_gen;
	JmpEnt jc[JC_SIZE];

	u32 events; /* EV_*; written by other threads only through atomics */

	/* system state */
	u32 cr0, cr2, cr3, cr4;
	u32 dr[8];
	u32 gdt_base, idt_base;
	u16 gdt_limit, idt_limit;
	SegCache ldtr, tr;
	u64 tsc_offset; /* RDTSC = icount + tsc_offset */
	bool intr_line;
	bool nmi_line;
	bool nmi_blocked;  /* from NMI delivery until the next IRET */
	bool halted;
	bool shutdown;
	u64 inhibit_icount; /* no interrupt at the boundary where icount equals this */
	/* data breakpoints: DR0-DR3 enabled in DR7 with R/W = 01 (writes) or 11 (reads and
	 * writes), set by cpu_dr_update; the TLB refuses their pages (mem.c) */
	u8 dbp_rd;          /* bit i: breakpoint i watches reads */
	u8 dbp_wr;          /* bit i: breakpoint i watches writes */
	u32 dbp_lo[4], dbp_hi[4]; /* the watched linear bytes [lo, hi] of each */
	u32 pending_dr6;    /* B0-B3 hit by the current instruction: a #DB trap after it */
	u64 db_icount;      /* icount at the last data breakpoint trap delivered */

	/* unwinding */
	sigjmp_buf jmp;
	int exc_vec;
	bool exc_has_err;
	u32 exc_err;
	int delivering;   /* -1, or the vector of the exception being delivered */
	CpuExit *exit;    /* the current cpu_run's exit record */
	u64 run_end;      /* icount at which the current cpu_run's budget is spent */
	u64 charged;      /* of icount, the instruction times charged to deliveries */
	CpuExitReason exit_reason;

	/* the trap path: a trapped access that the next cpu_run performs */
	bool io_resume;
	u16 io_resume_port;
	u8 io_resume_size;
	bool io_resume_write;

	/* buses, configuration, caches */
	MemBus *mem;
	IoBus *io;
	CpuConfig cfg;
	ICache *ic;
	int mem_client; /* this CPU's client id on the MemBus (icache.c) */
	Block *scratch; /* an uncached one-instruction block */
	struct Jit *jit; /* the translator's state (jit.c); NULL with the interpreter */
	bool block_step; /* cpu_set_block_step */
	bool step_done;  /* block_step: this cpu_run has done its one step */
	int (*intr_ack)(void *ctx);
	void *intr_ctx;
	u32 msr_sysenter_cs, msr_sysenter_esp, msr_sysenter_eip;
	/* the local APIC (cpu_attach_apic): apic.read is NULL when there is none */
	CpuApic apic;
	u64 apic_base;     /* IA32_APIC_BASE */
	u32 apic_page;     /* physical page of its registers while enabled, else 1 (none) */
	u8 apic_id;        /* the initial APIC ID (CPUID) */
	bool wait_sipi;    /* an AP waiting for a start-up IPI (halted as well) */
	u8 sipi_vector;
	bool pause_exit;   /* PAUSE ends cpu_run (cpu_set_pause_exit) */
	u64 msr_misc_enable; /* IA32_MISC_ENABLE (Pentium 4; ops_sys.c) */
#define MISC_ENABLE_RESET 0x1801ull
#define MISC_ENABLE_XD_DISABLE (1ull << 34)
	/* PAE, NX, PAT, MTRRs (mem.c, msr.c) */
	u64 pdpte[4];  /* the PDPTE registers, loaded with CR3 under PAE paging */
	u32 efer;      /* IA32_EFER: NXE only */
#define EFER_NXE 0x800u
	u64 msr_pat;   /* IA32_PAT */
	u32 mtrr_def_type; /* IA32_MTRR_DEF_TYPE */
	u64 mtrr_fixed[11];  /* IA32_MTRR_FIX64K_00000, FIX16K_*, FIX4K_* */
	u64 mtrr_var[16];    /* IA32_MTRR_PHYSBASE0/PHYSMASK0 ... 7 */
	Fpu fpu;
	Sse sse;

	/* CP-side tools */
	FILE *trace;
	/* the CP's debugging hooks (cpdebug.c): what is set, the kinds in use (every hook
	 * tests dbg_on or dbg_watch first), the events of the current instruction and
	 * their details, and the execution range just reported (the next run lets that
	 * instruction through once, at that instruction count) */
	CpuDebug dbg;
	u32 dbg_on;        /* DBG_ON_* */
	u8 dbg_watch;      /* CPU_WATCH_R/W: some watch range wants reads / writes */
	u32 dbg_pending;   /* CPU_DBG_* of the current instruction, reported at its end */
	CpuExit dbg_ev;
	bool dbg_skip;
	u32 dbg_skip_lin;
	u64 dbg_skip_icount;
	CpuStats stats;
};

/* Cpu.dbg_on */
enum { DBG_ON_EXEC = 1, DBG_ON_INT = 2, DBG_ON_MODE = 4, DBG_ON_CR3 = 8, DBG_ON_BRANCH = 16 };

/* ---- registers ----
 * r[] holds the 32-bit registers; their 8- and 16-bit parts are reached only in ways C
 * defines. R8 names a byte through a u8 (character type) pointer, which may alias any
 * object (the byte offsets assume a little-endian host, checked below). The 16-bit
 * halves are read by masking and written by read-modify-write of the whole u32
 * (set_r16): a u16 store through a pointer into a u32 object is undefined behaviour
 * under the aliasing rules, and GCC -O2 really dropped such a store before a 32-bit
 * read of the same register (tests/cpu/pm/FINDINGS.md #5). GCC compiles set_r16 to one
 * 16-bit store. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "R8 byte offsets need a little-endian host");
static inline u8 *reg8p(Cpu *c, int off) { return (u8 *)c->r + off; }
#define R8(c, off) (*reg8p((c), (off)))
#define R16(c, i) ((u16)(c)->r[(i)])
#define R32(c, i) ((c)->r[(i)])
static inline void set_r16(Cpu *c, int i, u32 v)
{
	c->r[i] = (c->r[i] & 0xFFFF0000u) | (v & 0xFFFFu);
}
/* The byte offset of 8-bit register number n (AL CL DL BL AH CH DH BH). */
static inline u8 reg8_off(int n) { return (u8)((n & 3) * 4 + (n >> 2)); }

/* ---- lazy flags (flags.c) ---- */
u32 cpu_flags_lazy(const Cpu *c); /* OSZAPC bits of the lazy state */
bool cpu_cond(Cpu *c, int cc);    /* condition code 0-15 (Jcc/SETcc/CMOVcc order) */

static inline void cc_set(Cpu *c, u32 op, u32 a, u32 b, u32 res)
{
	c->cc_op = op;
	c->cc_a = a;
	c->cc_b = b;
	c->cc_res = res;
}

/* The full EFLAGS image. */
static inline u32 cpu_eflags(const Cpu *c)
{
	if (c->cc_op == CC_NONE)
		return c->eflags;
	return (c->eflags & ~FLAGS_OSZAPC) | cpu_flags_lazy(c);
}

/* Folds the lazy state into c->eflags (before a partial flag update). */
static inline void flags_materialize(Cpu *c)
{
	if (c->cc_op != CC_NONE) {
		c->eflags = cpu_eflags(c);
		c->cc_op = CC_NONE;
	}
}

/* CF alone, without working out the other flags. */
static inline bool get_cf(const Cpu *c)
{
	u32 a = c->cc_a, b = c->cc_b, r = c->cc_res;
	switch (c->cc_op >> 2) {
	case CCK_ADD: return r < a;
	case CCK_ADC: return r <= a;
	case CCK_SUB: return a < b;
	case CCK_SBB: return a <= b;
	case CCK_LOGIC: return false;
	case CCK_SZPCO: return a != 0;
	default: return (c->eflags & FLAG_CF) != 0; /* NONE, INC, DEC */
	}
}

/* Condition cc (0-15, the Jcc/SETcc/CMOVcc order O NO B AE E NE BE A S NS P NP L GE LE
 * G). Inline so that handlers with a constant cc fold it: after CMP/SUB the relations
 * come straight from the operands, ZF straight from the result. */
static inline bool cond_eval(Cpu *c, int cc)
{
	u32 op = c->cc_op;
	bool r;
	if ((op >> 2) == CCK_SUB && ((cc >> 1) == 1 || (cc >> 1) == 3 || (cc >> 1) >= 6)) {
		u32 a = c->cc_a, b = c->cc_b;
		u32 sh = 32 - (8u << (op & 3));
		s32 sa = (s32)(a << sh), sbv = (s32)(b << sh);
		switch (cc >> 1) {
		case 1: r = a < b; break;
		case 3: r = a <= b; break;
		case 6: r = sa < sbv; break;
		default: r = sa <= sbv; break;
		}
	} else if ((cc >> 1) == 2) {
		r = op != CC_NONE ? c->cc_res == 0 : (c->eflags & FLAG_ZF) != 0;
	} else if ((cc >> 1) == 4 && op != CC_NONE) {
		r = c->cc_res >> ((8u << (op & 3)) - 1) & 1;
	} else {
		u32 f = cpu_eflags(c);
		switch (cc >> 1) {
		case 0: r = f & FLAG_OF; break;
		case 1: r = f & FLAG_CF; break;
		case 3: r = f & (FLAG_CF | FLAG_ZF); break;
		case 4: r = f & FLAG_SF; break;
		case 5: r = f & FLAG_PF; break;
		case 6: r = !(f & FLAG_SF) != !(f & FLAG_OF); break;
		default: r = (f & FLAG_ZF) || (!(f & FLAG_SF) != !(f & FLAG_OF)); break;
		}
	}
	return r ^ (cc & 1);
}

/* Sets the arithmetic flags given in mask to the bits of val (others kept). */
static inline void flags_set_arith(Cpu *c, u32 mask, u32 val)
{
	flags_materialize(c);
	c->eflags = (c->eflags & ~mask) | (val & mask);
}

/* SF, ZF, PF of a result; sz is the size index (0 byte, 1 word, 2 dword). */
static inline u32 flags_szp(u32 res, int sz)
{
	u32 bits = 8u << sz;
	u32 m = bits == 32 ? 0xFFFFFFFFu : (1u << bits) - 1;
	res &= m;
	u32 f = 0;
	if (!res)
		f |= FLAG_ZF;
	if (res >> (bits - 1) & 1)
		f |= FLAG_SF;
	if (!__builtin_parity(res & 0xFF))
		f |= FLAG_PF;
	return f;
}

/* Writes EFLAGS bits through the architectural rules of the caller (POPF/IRET decide
 * which bits may change; this only stores and updates derived state). */
void cpu_set_eflags(Cpu *c, u32 val);

/* ---- exceptions (except.c) ---- */
__attribute__((noreturn)) void cpu_fault(Cpu *c, int vec, u32 err); /* with an error code */
__attribute__((noreturn)) void cpu_fault_noerr(Cpu *c, int vec);
#define GP0(c) cpu_fault((c), EXC_GP, 0)
#define UD(c) cpu_fault_noerr((c), EXC_UD)
/* Leaves cpu_run with an exit reason (I/O trap, shutdown...). EIP as the caller set it. */
__attribute__((noreturn)) void cpu_exit_now(Cpu *c, CpuExitReason why);
/* Delivers interrupt vec now: software (INT n/INT3/INTO: soft = 1, checks gate DPL),
 * exception (with optional error code) or external (soft = 0, ext = 1). EIP is what
 * gets pushed. May fault (unwinds). */
void cpu_interrupt(Cpu *c, int vec, int soft, bool has_err, u32 err, bool ext);
/* Delivers the exception recorded by cpu_fault, with #DF/shutdown rules. */
void cpu_deliver_fault(Cpu *c);

/* ---- segments and descriptors (seg.c) ---- */
void seg_set_fast(Cpu *c, SegCache *s, int segno);
void seg_load_real(Cpu *c, int segno, u16 sel);
/* MOV/POP/LxS to a data segment register or SS, with the protected-mode checks. */
void seg_load(Cpu *c, int segno, u16 sel);
/* Reads the descriptor of sel from the GDT/LDT; fault vec with error code sel&~3 when
 * beyond the table limit. */
void desc_read(Cpu *c, u16 sel, Desc *d, int vec);
/* Same, but returns false instead of faulting (LAR/LSL/VERR/VERW). */
bool desc_try_read(Cpu *c, u16 sel, Desc *d);
void desc_set_accessed(Cpu *c, u16 sel, Desc *d);
void desc_to_cache(const Desc *d, u16 sel, SegCache *s);
static inline u32 desc_attr(const Desc *d) { return (d->hi >> 8) & 0xF0FF; }
static inline u32 desc_dpl(const Desc *d) { return (d->hi >> 13) & 3; }
static inline bool desc_present(const Desc *d) { return (d->hi >> 15) & 1; }
static inline bool desc_is_seg(const Desc *d) { return (d->hi >> 12) & 1; }
static inline u32 desc_type(const Desc *d) { return (d->hi >> 8) & 15; }
/* Loads CS with a checked descriptor at privilege level cpl (sets CPL, code32). */
void seg_load_cs(Cpu *c, u16 sel, const Desc *d, int cpl);
/* After a privilege change to outer level: null data segments the new CPL may not use. */
void seg_validate_outer(Cpu *c);
/* Inner stack from the TSS for privilege level pl. */
void tss_get_stack(Cpu *c, int pl, u16 *ss, u32 *esp);
/* Hardware task switch to the TSS tsel (task.c); ext is the EXT bit for error codes.
 * An error code (exception through a task gate) goes onto the new task's stack. */
enum { TS_JMP, TS_CALL, TS_IRET, TS_INT };
void task_switch(Cpu *c, u16 tsel, int reason, bool has_err, u32 err, u32 ext);
void seg_cpl_changed(Cpu *c);

/* Far transfers (far.c). */
void far_jmp(Cpu *c, u16 sel, u32 off);
void far_call(Cpu *c, u16 sel, u32 off, bool o32);
void far_ret(Cpu *c, u32 pop, bool o32);
void far_iret(Cpu *c, bool o32);

static inline bool pmode(const Cpu *c) { return (c->cr0 & CR0_PE) != 0; }
static inline bool v86(const Cpu *c) { return (c->eflags & FLAG_VM) != 0; }
static inline int iopl(const Cpu *c) { return (c->eflags >> 12) & 3; }
static inline int model(const Cpu *c) { return c->cfg.model; }

/* ---- memory (mem.c) ---- */
/* Linear to physical, the one place: identity or the page walk (32-bit or PAE), then
 * A20; raises #PF. fetch: an instruction fetch (the XD check, the I/D error bit). */
u32 mem_translate(Cpu *c, u32 lin, bool write, bool fetch);
void tlb_flush(Cpu *c);
/* INVLPG: drops the translations of the (4 KiB, 2 MiB or 4 MiB) page holding lin. */
void tlb_flush_page(Cpu *c, u32 lin);
/* PAE: reads the four PDPTEs at cr3 into c->pdpte. Returns false, changing nothing,
 * when a present one has a reserved bit set (the caller raises #GP(0)). */
bool paging_load_pdptes(Cpu *c, u32 cr3);
/* Whether PAE paging is on (CR0.PG and CR4.PAE). */
static inline bool pae_paging(const Cpu *c) { return (c->cr0 & CR0_PG) && (c->cr4 & CR4_PAE); }
__attribute__((noreturn)) void seg_fault_access(Cpu *c, int segno);
void seg_check_slow(Cpu *c, int segno, u32 ea, u32 size, bool write);
u32 mem_rd_slow(Cpu *c, u32 lin, int size);
void mem_wr_slow(Cpu *c, u32 lin, u32 val, int size);
/* Checks that a write to [lin, lin+size) will not fault (RMW instructions: before the
 * read). Returns a host pointer when the whole access is plain RAM, else NULL. */
u8 *mem_wr_prepare(Cpu *c, u32 lin, int size);
u64 mem_rd64_lin(Cpu *c, u32 lin);

static inline u32 ld16(const void *p) { u16 v; memcpy(&v, p, 2); return v; }
static inline u32 ld32(const void *p) { u32 v; memcpy(&v, p, 4); return v; }
static inline void st16(void *p, u32 v) { u16 w = (u16)v; memcpy(p, &w, 2); }
static inline void st32(void *p, u32 v) { memcpy(p, &v, 4); }

/* Linear address of seg:ea for an access of size bytes, checked. */
static inline u32 lin_r(Cpu *c, int segno, u32 ea, u32 size)
{
	SegCache *s = &c->seg[segno];
	if (unlikely((u64)ea + size > s->rend))
		seg_check_slow(c, segno, ea, size, false);
	return s->base + ea;
}

static inline u32 lin_w(Cpu *c, int segno, u32 ea, u32 size)
{
	SegCache *s = &c->seg[segno];
	if (unlikely((u64)ea + size > s->wend))
		seg_check_slow(c, segno, ea, size, true);
	return s->base + ea;
}

static inline TlbEnt *tlb_r_hit(Cpu *c, u32 lin, u32 size)
{
	TlbEnt *e = &c->tlb_r[(lin >> MEM_PAGE_SHIFT) & (TLB_SIZE - 1)];
	return likely(e->tag == (((lin + size - 1) & ~MEM_PAGE_MASK) | c->tlb_mode)) ? e : NULL;
}

static inline TlbEnt *tlb_w_hit(Cpu *c, u32 lin, u32 size)
{
	TlbEnt *e = &c->tlb_w[(lin >> MEM_PAGE_SHIFT) & (TLB_SIZE - 1)];
	return likely(e->tag == (((lin + size - 1) & ~MEM_PAGE_MASK) | c->tlb_mode)) ? e : NULL;
}

#define HOSTP(e, lin) ((u8 *)((e)->addend + (uintptr_t)(lin)))

static inline u32 rd8_lin(Cpu *c, u32 lin)
{
	TlbEnt *e = tlb_r_hit(c, lin, 1);
	return e ? *HOSTP(e, lin) : mem_rd_slow(c, lin, 1);
}
static inline u32 rd16_lin(Cpu *c, u32 lin)
{
	TlbEnt *e = tlb_r_hit(c, lin, 2);
	return e ? ld16(HOSTP(e, lin)) : mem_rd_slow(c, lin, 2);
}
static inline u32 rd32_lin(Cpu *c, u32 lin)
{
	TlbEnt *e = tlb_r_hit(c, lin, 4);
	return e ? ld32(HOSTP(e, lin)) : mem_rd_slow(c, lin, 4);
}
static inline void wr8_lin(Cpu *c, u32 lin, u32 v)
{
	TlbEnt *e = tlb_w_hit(c, lin, 1);
	if (e)
		*HOSTP(e, lin) = (u8)v;
	else
		mem_wr_slow(c, lin, v, 1);
}
static inline void wr16_lin(Cpu *c, u32 lin, u32 v)
{
	TlbEnt *e = tlb_w_hit(c, lin, 2);
	if (e)
		st16(HOSTP(e, lin), v);
	else
		mem_wr_slow(c, lin, v, 2);
}
static inline void wr32_lin(Cpu *c, u32 lin, u32 v)
{
	TlbEnt *e = tlb_w_hit(c, lin, 4);
	if (e)
		st32(HOSTP(e, lin), v);
	else
		mem_wr_slow(c, lin, v, 4);
}
static inline u32 rd_lin(Cpu *c, u32 lin, int size)
{
	return size == 1 ? rd8_lin(c, lin) : size == 2 ? rd16_lin(c, lin) : rd32_lin(c, lin);
}
static inline void wr_lin(Cpu *c, u32 lin, u32 v, int size)
{
	if (size == 1)
		wr8_lin(c, lin, v);
	else if (size == 2)
		wr16_lin(c, lin, v);
	else
		wr32_lin(c, lin, v);
}

/* Accesses to system structures (GDT, LDT, IDT, TSS) are supervisor accesses at any
 * CPL. A fault inside leaves tlb_mode as it is: the fault landing in cpu_run sets it
 * again from the CPL (cpu_mode_sync). */
static inline u32 sys_rd16(Cpu *c, u32 lin)
{
	u32 m = c->tlb_mode;
	c->tlb_mode = 0;
	u32 v = rd16_lin(c, lin);
	c->tlb_mode = m;
	return v;
}
static inline u32 sys_rd32(Cpu *c, u32 lin)
{
	u32 m = c->tlb_mode;
	c->tlb_mode = 0;
	u32 v = rd32_lin(c, lin);
	c->tlb_mode = m;
	return v;
}
static inline void sys_wr8(Cpu *c, u32 lin, u32 v)
{
	u32 m = c->tlb_mode;
	c->tlb_mode = 0;
	wr8_lin(c, lin, v);
	c->tlb_mode = m;
}
/* The TLB mode for the current CPL: user at CPL 3 (and in V86) with paging on. */
static inline void cpu_mode_sync(Cpu *c)
{
	u32 m = ((c->cr0 & CR0_PG) && c->cpl == 3) ? 1u : 0u;
	if (m != c->tlb_mode)
		c->fetch_lin = 1; /* the cached code translation was made for the other mode */
	c->tlb_mode = m;
	c->seg_flat = (c->seg_flat & ~(SEGF_SUPER | SEGF_USER)) | (m ? SEGF_USER : SEGF_SUPER);
}

/* seg:ea accesses */
static inline u32 rd8(Cpu *c, int s, u32 ea) { return rd8_lin(c, lin_r(c, s, ea, 1)); }
static inline u32 rd16(Cpu *c, int s, u32 ea) { return rd16_lin(c, lin_r(c, s, ea, 2)); }
static inline u32 rd32(Cpu *c, int s, u32 ea) { return rd32_lin(c, lin_r(c, s, ea, 4)); }
static inline void wr8(Cpu *c, int s, u32 ea, u32 v) { wr8_lin(c, lin_w(c, s, ea, 1), v); }
static inline void wr16(Cpu *c, int s, u32 ea, u32 v) { wr16_lin(c, lin_w(c, s, ea, 2), v); }
static inline void wr32(Cpu *c, int s, u32 ea, u32 v) { wr32_lin(c, lin_w(c, s, ea, 4), v); }
static inline u32 rdv(Cpu *c, int s, u32 ea, int sz)
{
	return rd_lin(c, lin_r(c, s, ea, (u32)sz), sz);
}
static inline void wrv(Cpu *c, int s, u32 ea, u32 v, int sz)
{
	wr_lin(c, lin_w(c, s, ea, (u32)sz), v, sz);
}

/* The effective address of the ModRM memory operand. */
static inline u32 ea_of(const Cpu *c, const Insn *d)
{
	return (c->r[d->base] + (c->r[d->index] << d->scale) + d->disp) & d->amask;
}

/* Read-modify-write access to a memory operand: prepare checks write permission on
 * segment and page before anything is read. */
typedef struct RmwRef {
	u32 lin;
	u8 *host; /* NULL: go through the slow path */
} RmwRef;

static inline RmwRef rmw_prep(Cpu *c, int s, u32 ea, int size)
{
	RmwRef r;
	r.lin = lin_w(c, s, ea, (u32)size);
	TlbEnt *e = tlb_w_hit(c, r.lin, (u32)size);
	r.host = e ? HOSTP(e, r.lin) : mem_wr_prepare(c, r.lin, size);
	return r;
}
static inline u32 rmw_rd(Cpu *c, RmwRef *r, int size)
{
	if (r->host)
		return size == 1 ? *r->host : size == 2 ? ld16(r->host) : ld32(r->host);
	return mem_rd_slow(c, r->lin, size);
}
static inline void rmw_wr(Cpu *c, RmwRef *r, u32 v, int size)
{
	if (r->host) {
		if (size == 1)
			*r->host = (u8)v;
		else if (size == 2)
			st16(r->host, v);
		else
			st32(r->host, v);
	} else {
		mem_wr_slow(c, r->lin, v, size);
	}
}

/* ---- stack ---- */
static inline u32 sp_mask(const Cpu *c) { return c->stack32 ? 0xFFFFFFFFu : 0xFFFF; }
static inline u32 get_sp(const Cpu *c) { return c->r[R_ESP] & sp_mask(c); }
static inline void set_sp(Cpu *c, u32 v)
{
	if (c->stack32)
		c->r[R_ESP] = v;
	else
		set_r16(c, R_ESP, v);
}
static inline void push16(Cpu *c, u32 v)
{
	u32 sp = (c->r[R_ESP] - 2) & sp_mask(c);
	wr16(c, SEG_SS, sp, v);
	set_sp(c, sp);
}
static inline void push32(Cpu *c, u32 v)
{
	u32 sp = (c->r[R_ESP] - 4) & sp_mask(c);
	wr32(c, SEG_SS, sp, v);
	set_sp(c, sp);
}
static inline void pushv(Cpu *c, u32 v, bool o32)
{
	if (o32)
		push32(c, v);
	else
		push16(c, v);
}
static inline u32 pop16(Cpu *c)
{
	u32 sp = get_sp(c);
	u32 v = rd16(c, SEG_SS, sp);
	set_sp(c, sp + 2);
	return v;
}
static inline u32 pop32(Cpu *c)
{
	u32 sp = get_sp(c);
	u32 v = rd32(c, SEG_SS, sp);
	set_sp(c, sp + 4);
	return v;
}
static inline u32 popv(Cpu *c, bool o32) { return o32 ? pop32(c) : pop16(c); }

/* ---- explicit stack frames (far transfers, interrupts) ---- */
/* A stack pointer into a segment cache that may not be loaded yet (new inner stack). */
typedef struct Stk {
	const SegCache *s;
	u32 sp;
	bool big;
	int vec; /* fault for an out-of-limit slot: EXC_SS, with err */
	u32 err;
} Stk;

static inline void stk_check(Cpu *c, const Stk *k, u32 off, u32 size)
{
	const SegCache *s = k->s;
	u64 last = (u64)off + size - 1;
	if (!(s->attr & DA_CODE) && (s->attr & DA_EC)) {
		u64 upper = (s->attr & DA_DB) ? 0xFFFFFFFFull : 0xFFFF;
		if (off <= s->limit || last > upper)
			cpu_fault(c, k->vec, k->err);
	} else if (last > s->limit) {
		cpu_fault(c, k->vec, k->err);
	}
}

static inline void stk_push(Cpu *c, Stk *k, u32 v, int size)
{
	k->sp = (k->sp - (u32)size) & (k->big ? 0xFFFFFFFFu : 0xFFFF);
	stk_check(c, k, k->sp, (u32)size);
	wr_lin(c, k->s->base + k->sp, v, size);
}

static inline u32 stk_pop(Cpu *c, Stk *k, int size)
{
	stk_check(c, k, k->sp, (u32)size);
	u32 v = rd_lin(c, k->s->base + k->sp, size);
	k->sp = (k->sp + (u32)size) & (k->big ? 0xFFFFFFFFu : 0xFFFF);
	return v;
}

static inline Stk stk_current(Cpu *c)
{
	Stk k = {&c->seg[SEG_SS], get_sp(c), c->stack32 != 0, EXC_SS, 0};
	return k;
}

/* ---- control ---- */
/* Sets EIP to a branch target with the operand-size wrap. */
static inline void jump_near(Cpu *c, u32 target, bool o32)
{
	c->eip = o32 ? target : target & 0xFFFF;
}
/* Checks a near-branch target against the CS limit (before any side effect). */
static inline void check_cs_limit(Cpu *c, u32 target)
{
	if (unlikely(target > c->seg[SEG_CS].limit))
		GP0(c);
}

/* Raises events from the CPU's own thread (device callbacks): the running block also
 * stops after the current instruction. */
static inline void cpu_signal_events(Cpu *c, u32 ev)
{
	__atomic_fetch_or(&c->events, ev, __ATOMIC_RELAXED);
	c->brk = 1;
}
void cpu_update_slow(Cpu *c);

/* ---- the local APIC's processor side (apic.c) ---- */
#define MSR_APIC_BASE 0x1Bu
/* After RESET (full) or INIT: the MSR (RESET only) and the wait-for-SIPI state. */
void apic_cpu_reset(Cpu *c, bool full);
/* At an instruction boundary with EV_INIT or EV_SIPI: INIT, then a start-up IPI. */
void apic_take_init_sipi(Cpu *c);
/* RDMSR/WRMSR of IA32_APIC_BASE; false when msr is not it (or there is no APIC). */
bool apic_msr_read(Cpu *c, u32 msr, u64 *v);
bool apic_msr_write(Cpu *c, u32 msr, u64 v);
/* Whether a physical address is in this CPU's APIC register page. */
static inline bool apic_hit(const Cpu *c, u32 phys)
{
	return unlikely((phys & ~MEM_PAGE_MASK) == c->apic_page);
}

/* ---- debug registers (debug.c) ---- */
#define DR7_GD 0x2000u /* general detect: #DB before any MOV to or from a DRn */
/* After a write to DR0-DR3 or DR7: single-step mode for execution breakpoints, the
 * watched ranges of data breakpoints (and a TLB flush when they change). */
void cpu_dr_update(Cpu *c);
/* Whether DR7 enables an execution breakpoint (R/W = 00). */
bool dr_exec_enabled(const Cpu *c);
/* The execution breakpoints enabled in DR7 at linear address lin, as DR6 B0-B3 bits. */
u32 dr_exec_hits(const Cpu *c, u32 lin);
/* Whether the TLB must refuse the page of lin for reads / writes (a data breakpoint
 * watches bytes in it). */
bool dbp_page_watched(const Cpu *c, u32 lin, bool write);
/* Compares an access to [lin, lin+size), within one page, with the data breakpoints;
 * a hit makes a #DB trap pending after the instruction. */
void dbp_access(Cpu *c, u32 lin, int size, bool write);
/* Delivers the #DB trap after an instruction: pending data breakpoint hits and/or the
 * single step, into DR6. May fault (unwinds). */
void cpu_db_trap(Cpu *c, bool single_step);
/* MOV to or from a debug register with DR7.GD set: #DB (a fault) with DR6.BD. */
void dr_general_detect(Cpu *c);

/* ---- the CP's debugging hooks (cpdebug.c) ---- */
/* icache_lookup: with execution ranges, a block at lin (physical phys) whose page holds
 * one is replaced by the instruction alone, and an instruction in a range leaves
 * cpu_run (CPU_EXIT_BREAKPOINT) before it runs. Returns NULL when the page holds none. */
const Block *dbg_exec_lookup(Cpu *c, u32 lin, u32 phys);
/* The same check for the single-step path (step_one). */
void dbg_exec_step(Cpu *c, u32 lin);
/* Whether the TLB must refuse the page of lin (physical phys) for reads / writes. */
bool dbg_watch_page(const Cpu *c, u32 lin, u32 phys, bool write);
/* An access the slow path makes, before it writes val (a write) or after it read. */
void dbg_watch_access(Cpu *c, u32 lin, u32 phys, int size, bool write, u32 val);
/* An interrupt or exception about to be delivered (cpu_interrupt's arguments). */
void dbg_int_event(Cpu *c, int vec, int soft, bool has_err, u32 err);
/* The mode before a change of CR0 or EFLAGS.VM (cpu_mode_of). */
void dbg_mode_event(Cpu *c, u8 from);
/* A load of CR3 (MOV or task switch) from old. */
void dbg_cr3_event(Cpu *c, u32 old);
/* A far transfer of kind CPU_BR_* from CS:EIP from_cs:from_eip, completed. */
void dbg_branch_event(Cpu *c, int kind, u16 from_cs, u32 from_eip);
/* The events pending at an instruction boundary into *c->exit. */
CpuExitReason dbg_report(Cpu *c);
static inline u8 cpu_mode_of(u32 cr0, u32 eflags)
{
	u8 m = !(cr0 & CR0_PE) ? CPU_MODE_REAL : (eflags & FLAG_VM) ? CPU_MODE_V86 : CPU_MODE_PROT;
	return (u8)(m | ((cr0 & CR0_PG) ? CPU_MODE_PG : 0));
}

/* ---- I/O: the trap path (io.c) ---- */
u32 cpu_io_in(Cpu *c, u16 port, int size);
void cpu_io_out(Cpu *c, u16 port, int size, u32 val);
/* The IOPL / I/O bitmap check alone (INS/OUTS check it before touching memory). */
void cpu_io_check(Cpu *c, u16 port, int size);

/* ---- decoding and the code cache (decode.c, icache.c) ---- */
typedef struct DecodeIn {
	const u8 *bytes; /* available instruction bytes */
	u32 avail;       /* how many */
	bool code32;
	int model;
} DecodeIn;
/* Decodes one instruction. Returns its length, or 0 when more bytes than avail are
 * needed. An invalid encoding still decodes (to a handler raising #UD or #GP). */
int cpu_decode(const DecodeIn *in, Insn *d);
const char *cpu_op_name(const Insn *d);

int icache_init(Cpu *c);
void icache_free(Cpu *c);
void icache_flush(Cpu *c);
/* The block to run at CS:EIP (decoding it if needed). May fault (instruction fetch). */
const Block *icache_lookup(Cpu *c);

static inline u32 jc_key(const Cpu *c, u32 code32)
{
	return c->jc_gen << 2 | c->tlb_mode << 1 | code32;
}

/* Empties the cache at the next lookup (never under a running block). */
void icache_request_flush(Cpu *c);

/* Drops every jump cache entry (blocks dropped, or linear->physical may change). */
static inline void jc_invalidate(Cpu *c)
{
	if (++c->jc_gen >= 0x3FFFFFFFu) {
		c->jc_gen = 1;
		memset(c->jc, 0, sizeof(c->jc));
		icache_request_flush(c); /* the translator's chain guards compare generations */
	}
}

/* icache_lookup with the jump cache in front of it. */
static inline const Block *block_at(Cpu *c)
{
	u32 lin = c->seg[SEG_CS].base + c->eip;
	const JmpEnt *e = &c->jc[jc_index(lin)];
	if (likely(e->lin == lin && e->gm == jc_key(c, c->code32))) {
		const Block *b = e->b;
		if (likely((u64)c->eip + b->nbytes - 1 <= c->seg[SEG_CS].limit))
			return b;
	}
	return icache_lookup(c);
}
/* One instruction at CS:EIP, decoded afresh into c->scratch (single-step paths). */
const Block *icache_decode_one(Cpu *c);

/* ---- the translator (jit.c): host code for decoded blocks ---- */
/* Sets up the code cache; returns 0 or VMCP_ENOMEM / VMCP_EIO (then the CPU runs the
 * interpreter). */
int jit_init(Cpu *c);
void jit_free(Cpu *c);
/* Drops every translation (icache_flush calls it: blocks and their code go together). */
void jit_flush(Cpu *c);
/* run_blocks of the translator: blocks back to back until an event, a handler asking to
 * stop, or the budget end (cpu.c's run loop calls it instead of run_blocks). */
void jit_run_blocks(Cpu *c, u64 end);
/* One decoded block through the interpreter, up to the budget end (what run_blocks does
 * for one block; the translator's fallback). */
void cpu_interp_block(Cpu *c, const Block *b, u64 end);

/* ---- the x87 (fpu.c, fpu_env.c) ---- */
/* The x87 after RESET (full) or FNINIT (!full). */
void fpu_reset(Cpu *c, bool full);
/* ES and B from the flags and masks; FERR# follows. Call after changing SW or CW. */
void fpu_update_es(Cpu *c);
/* The waiting instructions' check (SDM vol. 1 8.7): a pending unmasked exception
 * raises #MF with CR0.NE = 1; with NE = 0 it asserts FERR# and, unless IGNNE# is
 * asserted, freezes the CPU before the instruction until an interrupt. Returns false
 * when frozen (the caller stops). */
bool fpu_check_pending(Cpu *c);
/* The control instructions (fpu_env.c), which do not record the last instruction. */
enum { FPU_C_LDENV, FPU_C_LDCW, FPU_C_STENV, FPU_C_STCW, FPU_C_RSTOR, FPU_C_SAVE,
       FPU_C_STSW, FPU_C_STSW_AX, FPU_C_CLEX, FPU_C_INIT, FPU_C_NOP };
void fpu_control(Cpu *c, const Insn *d, int which);
/* The tag word FSTENV stores: 11 empty, 01 zero, 10 special, 00 valid. */
u16 fpu_tag_word(const Cpu *c);
/* Bounds and page checks of a store of n bytes at seg:ea (nothing written); returns
 * its linear address. */
u32 fpu_check_store(Cpu *c, int seg, u32 ea, u32 n);
void fpu_write_bytes(Cpu *c, u32 lin, const u8 *p, u32 n);
u32 fpu_read_bytes(Cpu *c, int seg, u32 ea, u8 *p, u32 n);

/* ---- handlers shared across files ---- */
void op_ud(Cpu *c, const Insn *d);
void op_gp_toolong(Cpu *c, const Insn *d);

/* ---- SSE (sse_state.c) and identification (cpuid.c) ---- */
/* XMM registers and MXCSR after RESET (full) or INIT (!full: kept). */
void sse_reset(Cpu *c, bool full);
/* The processor signature (CPUID.1 EAX, EDX after RESET). */
u32 cpuid_signature(const Cpu *c);

/* ---- MSRs of memory management (msr.c): EFER, PAT, MTRRs ---- */
/* RESET (full) or INIT values. */
void msr_reset(Cpu *c, bool full);
/* RDMSR/WRMSR of the MSRs kept there; false: no such MSR or a reserved value (#GP). */
bool msr_read(Cpu *c, u32 idx, u64 *v);
bool msr_write(Cpu *c, u32 idx, u64 v);
/* Whether the execute-disable bit is available (CPUID 80000001h EDX.NX, EFER.NXE). */
bool cpu_has_nx(const Cpu *c);

/* model gates */
static inline bool is486(const Cpu *c) { return c->cfg.model >= CPU_MODEL_486; }

#endif
