/* cpu.h: VMCP's x86 CPU, as seen from outside src/cpu/.
 *
 * A Cpu is an interpreter for the i386..Pentium 4: real, protected and virtual-8086 mode
 * with segmentation, 32-bit and PAE paging (NX), hardware task switches, and the x87
 * when CpuConfig.fpu is set (later: VME; see src/cpu/README.md). It has no global state
 * and no knowledge of devices: it reaches memory only through a MemBus and ports only
 * through an IoBus.
 *
 * The trap path (the paper's figures 2 and 3): every IN/OUT/INS/OUTS passes through one
 * function inside the CPU (cpu_io_in/cpu_io_out in src/cpu/), which applies the
 * architectural checks (IOPL, the TSS I/O bitmap, V86) and then either hands the access
 * to the I/O bus or, for a port the CP marked with io_set_trap(), leaves cpu_run with
 * CPU_EXIT_IO *before* the access happens: the instruction has not executed (EIP still
 * points at it; for REP INS/OUTS the registers describe the element about to move). The
 * next cpu_run performs that one access on the bus and carries on, so the CP sees each
 * trapped access before the device does. Later, privileged operations take the same kind
 * of exit.
 *
 * Time: cpu->icount (cpu_icount()) counts instruction times: one per retired instruction
 * and one per event delivered in place of one (a fault, an interrupt, an NMI), so that a
 * guest that only takes exceptions still sees time pass. It is exact whenever a device
 * callback (I/O, MMIO) runs, so devices can derive virtual time from it. */
#ifndef VMCP_CPU_CPU_H
#define VMCP_CPU_CPU_H

#include <stdio.h>

#include "base/base.h"
#include "bus/iobus.h"
#include "bus/irq.h"
#include "bus/membus.h"

typedef struct Cpu Cpu;

typedef enum CpuModel {
	CPU_MODEL_386,     /* i386DX: no CPUID, no AC flag */
	CPU_MODEL_486,     /* i486: CPUID, BSWAP, CMPXCHG, XADD, INVLPG, WP/AM */
	CPU_MODEL_PENTIUM, /* P5: RDTSC, CMPXCHG8B, CR4, RDMSR/WRMSR */
	CPU_MODEL_P6,      /* i686 (Pentium Pro/II): CMOV, FCMOV, FCOMI, SYSENTER, PGE */
	CPU_MODEL_P4,      /* Pentium 4 (Prescott): MMX, FXSR, SSE, SSE2, SSE3, CLFLUSH */
} CpuModel;

/* How guest code runs. Both engines give the same architectural results, instruction
 * for instruction (the same retired-instruction count, so the same virtual time): the
 * interpreter runs decoded blocks handler by handler; the translator (x86-64 hosts)
 * turns the same decoded blocks into host code (src/cpu/jit*.c). CPU_ENGINE_DEFAULT is
 * the translator where it exists, unless the environment variable VMCP_ENGINE names
 * another (how `make check` runs the CPU and VM tests under both). */
typedef enum CpuEngine {
	CPU_ENGINE_DEFAULT = 0,
	CPU_ENGINE_INTERP,
	CPU_ENGINE_JIT,
} CpuEngine;

typedef struct CpuConfig {
	CpuModel model;
	bool fpu; /* x87 present (on the 386: a 387 in the socket) */
	CpuEngine engine;
} CpuConfig;

/* General registers in Intel encoding order. */
enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI };
/* Segment registers in Intel encoding order (sreg field of ModRM). */
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_COUNT };

/* A segment register with its hidden (descriptor cache) part. attr holds descriptor
 * bytes 5 and 6 as the SDM draws them: bits 0-3 type, 4 S, 5-6 DPL, 7 P, 12 AVL, 13 L,
 * 14 D/B, 15 G (bits 8-11 unused). limit is the expanded byte limit. */
typedef struct CpuSeg {
	u16 sel;
	u16 attr;
	u32 base;
	u32 limit;
} CpuSeg;

/* EFLAGS bits. */
#define FLAG_CF 0x0001u
#define FLAG_PF 0x0004u
#define FLAG_AF 0x0010u
#define FLAG_ZF 0x0040u
#define FLAG_SF 0x0080u
#define FLAG_TF 0x0100u
#define FLAG_IF 0x0200u
#define FLAG_DF 0x0400u
#define FLAG_OF 0x0800u
#define FLAG_IOPL 0x3000u
#define FLAG_NT 0x4000u
#define FLAG_RF 0x10000u
#define FLAG_VM 0x20000u
#define FLAG_AC 0x40000u
#define FLAG_VIF 0x80000u
#define FLAG_VIP 0x100000u
#define FLAG_ID 0x200000u

#define CR0_PE 0x00000001u
#define CR0_MP 0x00000002u
#define CR0_EM 0x00000004u
#define CR0_TS 0x00000008u
#define CR0_ET 0x00000010u
#define CR0_NE 0x00000020u
#define CR0_WP 0x00010000u
#define CR0_AM 0x00040000u
#define CR0_NW 0x20000000u
#define CR0_CD 0x40000000u
#define CR0_PG 0x80000000u

#define CR4_TSD 0x00000004u
#define CR4_DE 0x00000008u
#define CR4_PSE 0x00000010u
#define CR4_PAE 0x00000020u
#define CR4_PGE 0x00000080u
#define CR4_PCE 0x00000100u
#define CR4_OSFXSR 0x00000200u     /* the OS saves SSE state with FXSAVE: SSE enabled */
#define CR4_OSXMMEXCPT 0x00000400u /* the OS handles #XM (else SIMD exceptions are #UD) */

/* The architectural state, for the CP's display, tests and save/restore. */
typedef struct CpuState {
	u32 gpr[8];
	u32 eip;
	u32 eflags;
	CpuSeg seg[SEG_COUNT];
	CpuSeg ldtr, tr;
	u32 gdtr_base, idtr_base;
	u16 gdtr_limit, idtr_limit;
	u32 cr0, cr2, cr3, cr4;
	u32 dr[8];
	u64 tsc;
	bool halted;
	bool wait_sipi; /* an application processor waiting for a start-up IPI */
	u32 efer; /* IA32_EFER: NXE (bit 11) on models with NX, else 0 */
} CpuState;

typedef enum CpuExitReason {
	CPU_EXIT_BUDGET = 0, /* the instruction budget is spent */
	CPU_EXIT_HLT,        /* HLT with no interrupt to take: the run loop may skip time */
	CPU_EXIT_SHUTDOWN,   /* triple fault (or #DF with a further fault): the board resets */
	CPU_EXIT_BREAKPOINT, /* an instruction in a CP execution range (CpuDebug), before it
			      * executes: exit.addr (linear), exit.phys */
	CPU_EXIT_IO,         /* a trapped port access, before it happens (see above) */
	CPU_EXIT_REQUEST,    /* cpu_request_exit() was called (device, another thread) */
	CPU_EXIT_PAUSE,      /* a PAUSE retired, with cpu_set_pause_exit (a spin-wait) */
	CPU_EXIT_DEBUG,      /* CP debug events after an instruction or a delivery: exit.dbg */
	CPU_EXIT_ICOUNT,     /* the instruction count reached CpuDebug.icount */
} CpuExitReason;

/* CpuExit.dbg: what a CPU_EXIT_DEBUG reports (several may come at once). */
enum {
	CPU_DBG_WATCH = 1,  /* an access to a watched range: exit.watch */
	CPU_DBG_INT = 2,    /* an interrupt or exception delivered: exit.intr */
	CPU_DBG_MODE = 4,   /* the mode changed: exit.mode */
	CPU_DBG_CR3 = 8,    /* CR3 changed: exit.cr3 */
	CPU_DBG_BRANCH = 16, /* a far transfer: exit.branch */
};

/* Modes for CpuExit.mode (bit 2: paging on). */
enum { CPU_MODE_REAL = 0, CPU_MODE_PROT = 1, CPU_MODE_V86 = 2, CPU_MODE_PG = 4 };

/* Kinds of delivery (CpuExit.intr.kind) and of far transfer (CpuExit.branch.kind). */
enum { CPU_INT_IRQ, CPU_INT_NMI, CPU_INT_EXC, CPU_INT_SOFT, CPU_INT_INT3, CPU_INT_INT1 };
enum { CPU_BR_JMP, CPU_BR_CALL, CPU_BR_RET, CPU_BR_IRET, CPU_BR_SYSENTER, CPU_BR_SYSEXIT };

typedef struct CpuExit {
	CpuExitReason reason;
	u64 executed; /* instructions retired by this cpu_run call */
	u64 charged;  /* events it delivered in place of an instruction (faults, interrupts),
		       * each taking an instruction time: icount moved by executed + charged */
	u64 icount;   /* the CPU's instruction count at the exit */
	/* CPU_EXIT_IO: */
	u16 port;
	u8 size;     /* 1, 2 or 4 */
	bool write;  /* OUT/OUTS */
	u32 value;   /* the value about to be written */
	/* CPU_EXIT_BREAKPOINT: the instruction's linear and physical address */
	u32 addr;
	u32 phys;
	/* CPU_EXIT_DEBUG: CPU_DBG_* bits, and the instruction behind them (CS:EIP as it
	 * started; for CPU_DBG_INT alone, where the interrupt came) */
	u32 dbg;
	u16 insn_cs;
	u32 insn_eip;
	struct {
		u32 lin, phys;
		u8 size;
		bool write;
		bool old_known; /* the bytes before a write were RAM and are in old */
		u32 old, val;   /* before and after (a write), or the value read */
	} watch;
	struct {
		u8 vec, kind; /* CPU_INT_* */
		bool has_err;
		u32 err;
		u16 cs;      /* where it came (a fault: the faulting instruction) */
		u32 eip;
		u8 cpl;
		u32 cr2;     /* after a page fault */
	} intr;
	struct {
		u8 from, to; /* CPU_MODE_* */
	} mode;
	struct {
		u32 old, val;
	} cr3;
	struct {
		u8 kind; /* CPU_BR_* */
		u16 from_cs;
		u32 from_eip;
	} branch;
} CpuExit;

/* The CP's debugging hooks (cpdebug.c): breakpoints and watches the CP keeps, never
 * written into guest memory and invisible to the guest (its DR0-DR7 keep their own
 * meaning). Each ends cpu_run with an exit the CP looks at. With none set, the hot
 * paths are as without them: execution ranges act where the decoded-code cache looks
 * a block up (a page holding one runs an instruction at a time), watches where the TLB
 * is filled (a watched page is never cached, so its accesses take the slow path), the
 * rest in the cold paths that raise them. */
#define CPU_DBG_EXEC_MAX 64
#define CPU_DBG_WATCH_MAX 32
typedef struct CpuExecRange {
	u32 lo, hi;  /* addresses of an instruction's first byte, inclusive */
	bool phys;   /* physical, else linear */
	int cs;      /* only with this CS selector (real/V86 SEG:OFF), -1 any */
} CpuExecRange;
enum { CPU_WATCH_R = 1, CPU_WATCH_W = 2 };
typedef struct CpuWatchRange {
	u32 lo, hi;  /* bytes, inclusive */
	bool phys;
	u8 rw;       /* CPU_WATCH_R and/or CPU_WATCH_W */
} CpuWatchRange;
typedef struct CpuDebug {
	int nexec;
	CpuExecRange exec[CPU_DBG_EXEC_MAX]; /* CPU_EXIT_BREAKPOINT before each instruction */
	int nwatch;
	CpuWatchRange watch[CPU_DBG_WATCH_MAX]; /* CPU_DBG_WATCH after the access's instruction */
	u32 vectors[8];   /* bit v: CPU_DBG_INT after delivering vector v */
	bool mode;        /* CPU_DBG_MODE after a change of real/protected/V86 or of paging */
	bool cr3;         /* CPU_DBG_CR3 after a MOV to CR3 or task switch that changes it */
	bool branch;      /* CPU_DBG_BRANCH after each far JMP/CALL/RET, IRET, SYSENTER/SYSEXIT */
	u64 icount;       /* CPU_EXIT_ICOUNT when the instruction count reaches it (0 none) */
} CpuDebug;

/* Creates a CPU in its power-on state, attached to the buses (which outlive it).
 * Returns NULL when out of memory. */
Cpu *cpu_new(const CpuConfig *cfg, MemBus *mem, IoBus *io);
void cpu_free(Cpu *cpu);

/* Engine names ("interp", "jit", "default"): parse returns 0, or -1 for an unknown name
 * or an engine this host lacks. cpu_engine resolves what a CPU really runs. */
int cpu_engine_parse(const char *name, CpuEngine *engine);
const char *cpu_engine_name(CpuEngine engine);
bool cpu_engine_available(CpuEngine engine);
/* The engine a CPU configured with `requested` runs (DEFAULT and VMCP_ENGINE resolved). */
CpuEngine cpu_engine_resolve(CpuEngine requested);
CpuEngine cpu_engine(const Cpu *cpu);

/* RESET: the state after power-on or a reset pulse (CS=F000 base FFFF0000, EIP=FFF0). */
void cpu_reset(Cpu *cpu);
/* INIT (as RESET but keeps the x87/caches; used by the 8042 reset pulse on later CPUs). */
void cpu_init_signal(Cpu *cpu);

/* Runs at most budget instructions, or until an exit. Returns the exit reason; *exit
 * (may be NULL) gets the details. Never aborts on guest input. Each exception or
 * interrupt delivered also uses one unit of the budget (so a guest that faults or is
 * interrupted endlessly without retiring anything still returns), and a long REP
 * string instruction retires once per chunk of up to 4096 elements. A #DB trap after
 * an instruction (single step, data breakpoint) is delivered in the same cpu_run as
 * that instruction, even when it spent the budget. */
CpuExitReason cpu_run(Cpu *cpu, u64 budget, CpuExit *exit);

/* Makes the current (or next) cpu_run return CPU_EXIT_REQUEST at the next instruction
 * boundary. Safe to call from a device callback or another thread. */
void cpu_request_exit(Cpu *cpu);

/* With on, a PAUSE (F3 90, the spin-wait hint; a NOP to the guest) ends cpu_run with
 * CPU_EXIT_PAUSE once it retired: a machine whose CPUs take turns on one thread gives
 * the turn to another CPU, the one the spinning CPU waits for. */
void cpu_set_pause_exit(Cpu *cpu, bool on);

/* The INTR input (level): a PIC output wired here by the board. When the CPU takes the
 * interrupt it calls ack(ctx), which returns the vector (the PIC's INTA cycle). */
void cpu_set_intr(Cpu *cpu, bool level);
void cpu_set_intr_ack(Cpu *cpu, int (*ack)(void *ctx), void *ctx);
/* The NMI input: a rising edge latches one NMI. */
void cpu_set_nmi(Cpu *cpu, bool level);

/* The local APIC (P6 and later; the model lives in src/dev/lapic.c). The CPU keeps the
 * IA32_APIC_BASE MSR (0x1B: base 0xFEE00000, EN bit 11 and, for the bootstrap
 * processor, BSP bit 8 after RESET; INIT keeps it) and sends its own physical accesses
 * to the 4 KiB page at that base to read/write (offset 0-0xFFF) while EN is set: other
 * bus masters, and other CPUs, never see this CPU's APIC there. msr_changed hears every
 * WRMSR and RESET of the MSR. With an APIC attached, CPUID.1 reports it (EDX bit 9
 * while EN is set, the initial APIC ID in EBX bits 31:24). The APIC reaches the CPU
 * through the INTR input and its INTA cycle (cpu_set_intr, cpu_set_intr_ack), the NMI
 * input, cpu_signal_init and cpu_signal_sipi. */
typedef struct CpuApic {
	u32 (*read)(void *ctx, u32 offset, int size);
	void (*write)(void *ctx, u32 offset, u32 val, int size);
	void (*msr_changed)(void *ctx, u64 value);
	void *ctx;
} CpuApic;
/* Where IA32_APIC_BASE puts every local APIC after RESET. */
#define CPU_APIC_BASE_DEFAULT 0xFEE00000u

void cpu_attach_apic(Cpu *cpu, const CpuApic *apic, u8 apic_id, bool bsp);

/* INIT from the APIC (an INIT IPI, or INIT# from the chipset), taken at the next
 * instruction boundary: the processor state as cpu_init_signal leaves it; then the
 * bootstrap processor runs from the reset vector and an application processor (an
 * attached APIC without the BSP bit) waits for a start-up IPI: halted, deaf to INTR
 * and NMI. RESET puts an application processor in that state too. */
void cpu_signal_init(Cpu *cpu);
/* A start-up IPI: a processor waiting for one starts in real mode at vector * 4096
 * (CS = vector << 8, IP = 0) at the next boundary; otherwise it is ignored. */
void cpu_signal_sipi(Cpu *cpu, u8 vector);

/* Moves the time-stamp counter forward by cycles without executing anything: the run
 * loop calls it when it lets virtual time jump over a halted stretch, so that RDTSC
 * keeps counting at one cycle per virtual instruction time, as a real TSC counts through
 * HLT. */
void cpu_advance_tsc(Cpu *cpu, u64 cycles);

/* A multiprocessor machine's processors take turns (src/vm/run.c): before its turn a
 * processor skips the n instructions the others retired meanwhile. Its icount (the
 * machine's instruction time, which drives the clock) and its time-stamp counter move
 * on by n, and state counted in instructions (the STI/MOV SS shadow) moves with them;
 * nothing executes. */
void cpu_skip_icount(Cpu *cpu, u64 n);

/* Whether the CPU would do nothing if it ran now: halted (HLT, waiting for a start-up
 * IPI, or frozen before a waiting x87 instruction) with no interrupt it would take, no
 * NMI, INIT or start-up IPI pending. */
bool cpu_idle(const Cpu *cpu);
/* Whether an interrupt request could wake the CPU: IF set and not waiting for a start-up
 * IPI (what the machine asks before it lets idle time pass; cheaper than the whole
 * state). */
bool cpu_wakeable(const Cpu *cpu);

/* Instruction-time counter (retired instructions and charged deliveries; drives the
 * virtual clock). */
const u64 *cpu_icount(const Cpu *cpu);

void cpu_get_state(const Cpu *cpu, CpuState *st);

/* What CPUID returns for leaf (EAX) on this CPU as it stands (its model, its APIC ID and
 * APIC enable, its features): out[] = EAX, EBX, ECX, EDX. For firmware tables the board
 * writes (the MP table's processor entries). */
void cpu_cpuid(const Cpu *cpu, u32 leaf, u32 out[4]);
/* Loads a whole state (segment caches as given, no descriptor checks): for tests and
 * for a direct kernel boot. Flushes internal caches. */
void cpu_set_state(Cpu *cpu, const CpuState *st);

/* The x87 state as FSAVE stores it (32-bit protected-mode layout): tw is the full tag
 * word worked out of the contents, st[i] is ST(i) in the FSTP m80 byte order. */
typedef struct CpuFpuState {
	u16 cw, sw, tw;
	u16 fop;       /* last non-control instruction's opcode (11 bits) */
	u16 fcs, fds;  /* its CS and its memory operand's selector */
	u32 fip, fdp;  /* its offset and its memory operand's offset */
	u8 st[8][10];
} CpuFpuState;

/* Reads the x87 state (zeros without an x87). */
void cpu_get_fpu_state(const Cpu *cpu, CpuFpuState *st);
/* Loads the x87 state as FRSTOR would: a tag other than 11 means "not empty"; ES and B
 * follow the flags and masks. */
void cpu_set_fpu_state(Cpu *cpu, const CpuFpuState *st);

/* The SSE state (its RESET values on models without SSE): XMM0-XMM7 (little-endian) and
 * MXCSR. The MMX registers are the significands of the x87 registers (CpuFpuState). */
typedef struct CpuSseState {
	u8 xmm[8][16];
	u32 mxcsr;
} CpuSseState;
void cpu_get_sse_state(const Cpu *cpu, CpuSseState *st);
/* Loads it; MXCSR bits the model lacks are dropped. */
void cpu_set_sse_state(Cpu *cpu, const CpuSseState *st);

/* The PC-AT's x87 error wiring (SDM vol. 1 appendix D): with CR0.NE = 0, FERR# goes
 * high while an unmasked x87 exception is pending (from the end of the instruction that
 * raised it until FNCLEX, FNINIT, FLDENV or FRSTOR clears it), and the board latches it
 * into IRQ13; while FERR# is high and IGNNE# low, the next waiting x87 instruction waits
 * for an interrupt. The board's port F0h write clears the IRQ13 latch and asserts IGNNE#
 * until FERR# falls. */
void cpu_set_ferr_line(Cpu *cpu, IrqLine line);
void cpu_set_ignne(Cpu *cpu, bool level);

/* Translates a linear address as a supervisor read would (paging when enabled).
 * Returns 0 and *paddr, or -1 if not mapped. */
int cpu_translate(Cpu *cpu, u32 linear, u32 *paddr);

/* A page-table walk as the CP shows it (`display pagewalk`): each level's entry, read
 * without side effects (no accessed or dirty bits set). */
typedef struct CpuWalk {
	bool paging;    /* CR0.PG: without it the address is physical (A20 applied) */
	bool pae;
	int levels;     /* entries read: PDPTE (PAE), PDE, PTE */
	struct {
		const char *name; /* "PDPTE", "PDE", "PTE" */
		u32 addr;         /* the entry's physical address (a PDPTE: its register) */
		u64 value;
	} level[3];
	bool ok;        /* a translation exists for a supervisor read */
	u32 phys;
	u32 page_size;  /* 4 KiB, 2 MiB or 4 MiB */
	const char *why; /* !ok: "not present", "reserved bit set" */
} CpuWalk;
void cpu_page_walk(Cpu *cpu, u32 linear, CpuWalk *w);

/* The CP's debugging hooks (CpuDebug above): replaces the whole set. Changing the
 * execution ranges empties the decoded-code cache, changing the watches the TLB. */
void cpu_set_debug(Cpu *cpu, const CpuDebug *d);
void cpu_get_debug(const Cpu *cpu, CpuDebug *d);
/* One execution range more (a single linear address), and none: shorthands of the
 * above. Returns VMCP_ENOSPC when CPU_DBG_EXEC_MAX are set. */
int cpu_add_breakpoint(Cpu *cpu, u32 linear);
void cpu_clear_breakpoints(Cpu *cpu);

/* An MSR as RDMSR would read it, for the CP; false when the model has no such MSR. */
bool cpu_read_msr(Cpu *cpu, u32 index, u64 *value);

/* Instruction trace: when out is not NULL, one line per executed instruction is written
 * before it executes: "CS:EIP  bytes  EAX=.. EBX=.. ECX=.. EDX=.. ESI=.. EDI=.. EBP=..
 * ESP=.. EFL=..". */
void cpu_set_trace(Cpu *cpu, FILE *out);

/* Test hook (lockstep runs of both engines): with on, each cpu_run returns
 * (CPU_EXIT_BUDGET) after one block, one delivered exception or interrupt, or one
 * single-stepped instruction, and the translator links no blocks together, so two CPUs
 * running the same guest stop at the same points whatever their engine. */
void cpu_set_block_step(Cpu *cpu, bool on);

/* Counters for benchmarks and `query` (host-side, not guest-visible). */
typedef struct CpuStats {
	u64 instructions; /* retired (icount without the deliveries charged to it) */
	u64 exceptions;
	u64 interrupts;
	u64 io_exits;
	int last_exception; /* vector of the last exception delivered, -1 if none */
} CpuStats;
void cpu_get_stats(const Cpu *cpu, CpuStats *s);

#endif
