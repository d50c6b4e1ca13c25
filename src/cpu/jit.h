/* jit.h: what the translator's files share (jit.c: the engine, jit_tx.c: one block's
 * translation, jit_ops.c and jit_ctl.c: the instructions). Nothing outside
 * src/cpu/jit*.c includes it.
 *
 * Translated code runs with RBP = the Cpu, R12D = the EIP of the block's first
 * instruction and the guest's eight general registers in R8-R11, R13-R15 and RBX (see
 * jit_hreg); RAX, RCX, RDX, RSI and RDI are scratch. The lazy flags (cc_op, cc_a,
 * cc_b, cc_res in the interpreter's form) and everything else stay in struct Cpu, so
 * every handler can run in the middle of a translation: an instruction without an
 * inline translation, and every fast path that fails (a TLB miss, a segment check...),
 * calls the interpreter's handler for the whole instruction, with the registers written
 * back around the call. c->icount gets the block's length on entry and is set exactly
 * for each handler call; c->eip is written at exits and for handler calls. */
#ifndef VMCP_CPU_JIT_H
#define VMCP_CPU_JIT_H

#include <stddef.h>

#include "cpu/internal.h"
#include "cpu/jit_x64.h"

/* What jit_enter returns when translated code stops (other values: a chain slot's
 * record, whose jump the dispatcher may point at the next block). */
enum { JX_NOEXEC = 1, /* a block's entry checks failed: nothing ran */
       JX_BRK,        /* a handler set brk (the instruction has completed) */
       JX_LOOKUP,     /* the next block is not in the jump cache or not translated */
       JX_GUARD,      /* the segments are not what the translation assumed: nothing ran */
       JX_COUNT };

/* Static knowledge of the lazy flags (the interpreter's cc_op) at a point of a
 * translation; the *D kinds are "ADD or ADC" / "SUB or SBB", told apart by cc_op. */
enum { K_UNKNOWN, K_NONE, K_ADD, K_ADCD, K_SUB, K_SBBD, K_LOGIC, K_INC, K_DEC, K_SZPCO };

typedef struct JitSlot {
	u8 *jmp;        /* the rel32 field of the exit's JMP (execute view) */
	u8 *guard_gen;  /* the guard of a chain into another page: jc_gen imm32, */
	u8 *guard_mode; /* tlb_mode imm32 */
	u8 *guard_jmp;  /* and the rel32 of its JMP */
	u32 src_page;   /* physical page of the block it leaves */
	u32 gen;        /* the code cache generation it belongs to */
	u32 assume;     /* the segment assumptions (SEGF_*) that held when it left */
} JitSlot;

/* Just before a translation's entry: what it assumes, and its chain entries (with and
 * without the segment check) as offsets from the entry. */
typedef struct JitHeader {
	u32 assume;
	u16 guarded, chained;
} JitHeader;

#define JIT_SLOWFIX 8

/* One translation in progress. */
typedef struct Tx {
	Cpu *c;
	struct Jit *j;
	const Block *b;
	Emit e;
	int k;          /* instruction index */
	const Insn *d;  /* the instruction */
	u32 off;        /* its offset from the block's start */
	int icm;        /* instructions already added to c->icount in memory */
	u8 kind, ksz;   /* flag knowledge (K_*) and its size index */
	bool spec;      /* K_UNKNOWN at the block's start: cc_op is probably spec_op */
	u32 spec_op;    /* c->cc_op when translating (what the block is entered with) */
	XFix spec_fail; /* the check of the guess, failing to the interpreter */
	int spec_k, spec_icm;
	u32 spec_off;
	u32 hf;         /* guest flags the host EFLAGS hold at the start of this instruction */
	u32 hf_next;    /* ... and at its end (set by translators that leave them) */
	bool ended;     /* the block's exit has been emitted */
	u32 flat;       /* c->seg_flat when translating */
	u32 assume;     /* the SEGF_* bits the code relies on (checked on entry) */
	u8 *guards[BLOCK_MAX_INSNS * 2 + 2]; /* imm32 fields to fill with assume */
	int nguards;
	u8 *start[BLOCK_MAX_INSNS + 1]; /* code of each instruction (and of the fall-through) */
	XFix slow[BLOCK_MAX_INSNS][JIT_SLOWFIX]; /* fast-path failures to the handler stub */
	u8 nslow[BLOCK_MAX_INSNS];
	int icm_at[BLOCK_MAX_INSNS];
	bool fdead[BLOCK_MAX_INSNS]; /* the lazy flags this instruction sets are never read */
	u8 stub_kind[BLOCK_MAX_INSNS], stub_ksz[BLOCK_MAX_INSNS]; /* host flags a stub makes */
	bool dyn_exit;  /* some path leaves through the jump-cache lookup */
	XFix dyn[BLOCK_MAX_INSNS + 2];
	int ndyn;
	XFix brk[BLOCK_MAX_INSNS + 2]; /* JX_BRK exits */
	int nbrk;
	XFix slots[2 * BLOCK_MAX_INSNS]; /* chain slots (rel32 of their JMPs) */
	int nslots;
} Tx;

/* Cpu fields as memory operands off RBP. */
#define CPUF(f) xm(HRBP, (s32)offsetof(Cpu, f))
/* The guest's general registers live in host registers while translated code runs
 * (c->r is written back before every handler call and on the way out, and read again
 * after every handler call): EAX ECX EDX EBX in R8-R11, ESP EBP ESI in R13-R15, EDI
 * in RBX. */
static const s8 jit_hreg[8] = {HR8, HR9, HR10, HR11, HR13, HR14, HR15, HRBX};
#define GREG(i) xr(jit_hreg[(i)])
/* A byte register by its byte offset in r[] (AL=0, CL=4, ... AH=1 ...): only the low
 * bytes have a host form (jit_hibyte says which do not). */
#define GREG8(o) xr(jit_hreg[(o) >> 2])
static inline bool jit_hibyte(int off) { return (off & 3) != 0; }
/* The memory copy of a guest register. */
#define GREG_MEM(i) xm(HRBP, (s32)(offsetof(Cpu, r) + 4 * (i)))
#define SEGF(s, f) xm(HRBP, (s32)(offsetof(Cpu, seg) + (s) * sizeof(SegCache) + offsetof(SegCache, f)))

/* A translator for one handler: emits the instruction's code, or returns false having
 * emitted nothing (the caller then emits the handler call). */
typedef bool (*TxFn)(Tx *t, const Insn *d);
typedef struct JitMapEnt {
	OpFn fn;
	TxFn tx;
} JitMapEnt;
extern const JitMapEnt jit_op_table[]; /* jit_ops.c */
extern const size_t jit_op_count;
extern const JitMapEnt jit_ctl_table[]; /* jit_ctl.c */
extern const size_t jit_ctl_count;

/* For the dead-flag pass: an instruction translated inline with no way out of the
 * block (no memory access, no handler) that sets every lazy flag (KILL) or none
 * (NEUTRAL); anything else may read them or fault with them (OTHER). */
enum { JFC_OTHER, JFC_NEUTRAL, JFC_KILL };
int jit_flag_class(const Insn *d);

#define JIT_CACHE_SIZE (48u << 20)
#define JIT_BLOCK_ROOM (96u << 10) /* the most one translation may need */
#define JIT_HEAT 2 /* executions through the interpreter before a block is translated;
			* VMCP_JIT_HEAT in the environment sets another (tests: 0) */
#define JIT_MAP_SIZE 1024u

/* The translator's state, one per CPU (c->jit). */

typedef struct Jit {
	int fd;
	u8 *rw, *rx;
	size_t size, used, base;
	u32 gen;
	uintptr_t (*enter)(Cpu *c, void *code);
	u8 *exit_rw;   /* epilogue: RAX = what jit_enter returns */
	u8 *lookup_rw; /* the jump-cache lookup of dynamic exits */
	u8 *call_rw;   /* the common part of a handler call */
	u32 heat;
	bool bmi2; /* the host has RORX */
	/* VMCP_JIT_STATS=1: handler calls counted per handler (inline and stubs) and
	 * printed to stderr when the CPU is freed (to see what deserves a translation) */
	bool stats;
	FILE *perfmap; /* VMCP_JIT_PERFMAP=1: /tmp/perf-PID.map for perf, a line per block */
	FILE *dump;    /* VMCP_JIT_DUMP=FILE: every translation's guest address and bytes */
	struct {
		OpFn fn;
		u64 inline_calls, stub_calls;
	} count[JIT_MAP_SIZE];
	u64 translated, flushes, chained, exits[JX_COUNT], slot_exits, interp_blocks, interp_why[4];
	JitMapEnt map[JIT_MAP_SIZE];
	Tx tx;
} Jit;

static inline u8 *to_rx(const Jit *j, const u8 *rw) { return j->rx + (rw - j->rw); }

/* jit.c: the map from handlers to translators; a handler call's counter (stats). */
TxFn jit_map_find(const Jit *j, OpFn fn);
u64 *jit_stat_counter(Jit *j, OpFn fn, bool stub);
/* jit_tx.c: translates b (NULL when it cannot: the code cache is full, or the block
 * needs more room than a translation may take). */
void *jit_translate(Cpu *c, Block *b);

/* ---- emission helpers (jit_tx.c) ---- */
/* Registers the current position as a branch to the handler stub of this instruction. */
void tx_fail(Tx *t, XFix f);
/* Jcc to the handler stub when cc holds. */
static inline void tx_fail_if(Tx *t, int cc) { tx_fail(t, x_jcc(&t->e, cc, NULL)); }
/* Calls fn(c), a helper that leaves the guest's registers alone (the host registers
 * holding them are kept); the result is in EAX. */
void tx_call_helper(Tx *t, const void *fn);
/* c->r = the guest registers (before a call that reads them), and back after. */
void tx_regs_out(Emit *x);
void tx_regs_in(Emit *x);
/* The exits: direct (chainable) to the EIP in EAX, dynamic (jump cache) with c->eip set;
 * c->icount is made final first (direct) or already is (dynamic). */
void tx_exit_direct(Tx *t);
void tx_exit_dyn(Tx *t);

/* Flags: makes the host flags hold the guest flags a condition reads, and returns the
 * host condition code equivalent to guest condition cc. tx_cond_prep does what needs a
 * call (an unknown lazy state) and must come before anything else the instruction emits
 * when a memory access sits between it and tx_cond. */
void tx_cond_prep(Tx *t, int cc);
/* An unknown lazy state at the block's start becomes the one seen when translating,
 * checked at run time (a different one hands the rest of the block to the
 * interpreter). */
void tx_resolve(Tx *t);
/* flags_materialize() inline where it can be (cc_op = NONE after). */
void tx_materialize(Tx *t);
int tx_cond(Tx *t, int cc);
/* Host CF = guest CF. */
void tx_cf(Tx *t);

/* Memory: ESI holds the effective address (zero-extended); checks segment seg for an
 * access of size bytes (write: the write TLB and bound) and leaves the host address in
 * RSI, or branches to the handler stub. Clobbers RCX, RDX and the flags. */
void tx_mem(Tx *t, int seg, int size, bool write);
/* ESI = the effective address of the ModRM memory operand. */
void tx_ea(Tx *t, const Insn *d);

/* Relies on SEGF_* bit (true) when c->seg_flat had it at translation. */
static inline bool tx_assume(Tx *t, u32 bit)
{
	if (!(t->flat & bit))
		return false;
	t->assume |= bit;
	return true;
}

/* Operand helpers (jit_ops.c): RSI = the host address of the ModRM memory operand,
 * checked for an access of size bytes (write: for writing; a read-modify-write takes
 * the write check alone); reg = Ed (register or memory). */
void tx_mem_operand(Tx *t, const Insn *d, int size, bool write);
void tx_ld_ed(Tx *t, const Insn *d, int reg);
static inline int osz(const Insn *d) { return (d->flags & INSN_O32) ? 4 : 2; }
static inline bool is_mem(const Insn *d) { return (d->flags & INSN_MEM) != 0; }

/* Flags that condition cc reads. */
u32 jit_cond_flags(int cc);

#endif
