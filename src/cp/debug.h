/* debug.h: watching an operating system from the CP, without debug code in it: the
 * breakpoints the CP keeps (break.c), stepping, the displays and STORE (display.c),
 * disassembly and symbols (disasm.c), the filtered traces (dtrace.c) and the gdb remote
 * stub (gdbstub.c). They reach the machine only through its host interface
 * (vm/machine.h: machine_set_debug, the register and memory reads), and the CPU's
 * hooks (cpu.h CpuDebug) through it; a session holds one Dbg (VmSession.dbg).
 *
 * Every debugging event comes the same way: the CPU leaves its run with an exit
 * (CPU_EXIT_BREAKPOINT before an instruction, CPU_EXIT_DEBUG after one, CPU_EXIT_IO
 * before a port access, CPU_EXIT_ICOUNT), machine_run returns it, and dbg_exit decides
 * what it means: which breakpoints hit (message 524), which trace lines it makes, and
 * whether the VM stops at CP READ (norun) or goes on (run). */
#ifndef VMCP_CP_DEBUG_H
#define VMCP_CP_DEBUG_H

#include <stdio.h>

#include "base/base.h"
#include "cpu/cpu.h"
#include "vm/machine.h"

typedef struct VmSession VmSession;

/* Message numbers (500-599 are the running VM's: session.h). */
enum {
	VMM_BREAK_SET = 523,
	VMM_BREAK_HIT = 524,
	VMM_BREAK_DEL = 525,
	VMM_STEPPED = 526,
	VMM_GDB = 527,
	VMM_SYMBOLS = 528,
	VMM_GDB_FAIL = 529,
	VMM_NOT_MAPPED = 514,
	VMM_STORED = 522,
};

/* ---- breakpoints (break.c) ---- */
typedef enum BrkKind { BRK_EXEC, BRK_WATCH, BRK_IO, BRK_INT, BRK_MODE, BRK_CR3, BRK_COUNT } BrkKind;
#define DBG_BRK_MAX 64

typedef struct Brk {
	int id;          /* 1, 2, ... as set; never reused while the VM runs */
	BrkKind kind;
	bool run;        /* log and go on (z/VM's RUN); else stop at CP READ */
	bool gdb;        /* set by an attached gdb (Z packets): its stops go to gdb */
	u32 lo, hi;      /* EXEC/WATCH: addresses; IO: ports; INT: vectors */
	bool phys;       /* EXEC/WATCH: physical addresses, else linear */
	int cs;          /* EXEC at SEG:OFF in real/V86 mode: that CS, else -1 */
	u8 rw;           /* WATCH: CPU_WATCH_R/W */
	bool has_value;  /* CR3: only when CR3 becomes value */
	u32 value;
	bool new_only;   /* CR3: only an address space not loaded before (Dbg.cr3_seen) */
	u64 count;       /* COUNT: the instruction count */
	u64 hits;
	char what[96];   /* what it watches, as query break shows it */
} Brk;

/* ---- traces (dtrace.c) ---- */
typedef enum TrKind { TR_INSN, TR_INT, TR_BRANCH, TR_CR3, TR_IO, TR_VD, TR_CPU, TR_KINDS } TrKind;

typedef struct TrFile {
	FILE *f;
	char *path;
	int refs;
} TrFile;

typedef struct Trace {
	bool on;
	bool norun;      /* stop at CP READ after each line (z/VM's NORUN) */
	bool console;    /* to the console; else to file, else the session's trace file */
	TrFile *file;
	u32 lo, hi;      /* INSN: linear range; INT: vectors; IO: ports */
	int cs;          /* INSN: only with this CS selector, -1 any */
} Trace;

/* ---- symbols and disassembly (disasm.c) ---- */
typedef struct Symbols {
	u32 *addr;       /* sorted */
	char **name;
	u32 n;
	char *path;
} Symbols;

typedef struct Gdb Gdb;

typedef struct Dbg {
	Brk brk[DBG_BRK_MAX];
	int nbrk;
	int next_id;
	Trace tr[TR_KINDS];
	TrFile files[TR_KINDS];
	Symbols sym;
	size_t cs16, cs32; /* Capstone handles (csh), 0 until first used */
	u8 trap_ports[65536 / 8]; /* `trap io` */
	bool stop;         /* a norun event of this exit: stop at CP READ */
	bool warned_hold;  /* said once that nobody could resume a stop */
	u64 step_icount;   /* step: the instruction count to stop at (0 none) */
	bool step_broken;  /* the last step met a breakpoint or a machine stop */
	u32 *cr3_seen;     /* CR3 values loaded since a "break cr3 new" was set, sorted */
	u32 ncr3_seen, cr3_cap;
	Gdb *gdb;
} Dbg;

/* Creates / frees a session's Dbg. */
Dbg *dbg_new(void);
void dbg_free(VmSession *s);

/* Sets the CPU hooks and the port traps from the breakpoints, the traces and gdb's. */
void dbg_apply(VmSession *s);
/* Acts on a machine stop that is the CP's (MACH_STOP_BREAKPOINT, _DEBUG, _IO_TRAP):
 * messages, trace lines, gdb. Returns true when the VM is to stop at CP READ. */
bool dbg_exit(VmSession *s, MachineStop st, const CpuExit *ex);
/* Whether someone can resume a stopped VM (a console, a script, the CP, gdb): if
 * nobody can, a norun breakpoint only logs. */
bool dbg_can_hold(const VmSession *s);

/* VM commands: break ..., query break, step [N]. Return VMCMD_* or a VMCP_E* code. */
int dbg_cmd_break(VmSession *s, FILE *out, char **w, int n);
int dbg_cmd_query_break(VmSession *s, FILE *out);
int dbg_cmd_step(VmSession *s, FILE *out, char **w, int n);
/* A breakpoint for gdb (Z/z packets): kind BRK_EXEC or BRK_WATCH. Returns its id, or
 * a negative code. */
int dbg_brk_add(VmSession *s, const Brk *b);
/* Removes breakpoints: the one with id (0: all; gdb_only: those of gdb). */
int dbg_brk_delete(VmSession *s, int id, bool gdb_only);
/* Removes gdb's breakpoint of that kind at lo..hi; false if none. */
bool dbg_brk_remove_gdb(VmSession *s, BrkKind kind, u32 lo, u32 hi, u8 rw);
/* Runs exactly one instruction (or delivery) of the stopped VM; false when something
 * else stopped it first (a breakpoint: dbg_exit has said so). */
bool dbg_step_one(VmSession *s);

/* ---- addresses, displays and store (display.c) ---- */
typedef struct DAddr {
	u32 addr;
	bool phys;       /* physical, else linear */
	int cs;          /* given as SEG:OFF in real/V86 mode: SEG, else -1 */
	u32 off;         /* the offset part of SEG:OFF */
} DAddr;
/* Parses an address: [P|L] EXPR, or SEG:EXPR (SEG hex or a segment register; in
 * protected mode a selector is looked up in the GDT/LDT), where EXPR is a hex number
 * (0x allowed), a register (eip, esp, ...), or a symbol, with +HEX/-HEX after it.
 * Consumes 1 or 2 words (*used). Returns false with the reason in why. */
bool dbg_parse_addr(VmSession *s, char **w, int n, int *used, DAddr *a, char *why, size_t wl);
/* An address range: [P|L] A-B, A.LEN (hex length), or one address (with sym_extent, a
 * symbol alone means its whole extent, up to the next symbol). *hi is the last address. */
bool dbg_parse_range(VmSession *s, char **w, int n, int *used, DAddr *a, u32 *hi, bool sym_extent,
		     char *why, size_t wl);
/* A hex value or a register/symbol expression (no segment). */
bool dbg_parse_value(VmSession *s, const char *text, u32 *v);
/* A protected-mode selector's descriptor as a segment register would hold it (false and
 * why when it is beyond its table, not present or a system descriptor; null: unusable),
 * and loading one into register sr of st (CS and SS checked for their kinds). */
bool dbg_selector_seg(VmSession *s, const CpuState *st, u16 sel, CpuSeg *seg, char *why, size_t wl);
bool dbg_store_selector(VmSession *s, CpuState *st, int sr, u16 sel, char *why, size_t wl);
/* Reads len bytes at a (linear through paging, or physical); returns how many could
 * be read (a linear one stops at an unmapped page). */
u32 dbg_read(VmSession *s, const DAddr *a, void *buf, u32 len);
int dbg_cmd_display(VmSession *s, FILE *out, char **w, int n);
int dbg_cmd_store(VmSession *s, FILE *out, char **w, int n);
/* "CS:EIP  bytes  disassembly <symbol+off>" for the instruction at CS:EIP (or at the
 * linear address lin with that CS:EIP), into buf. */
void dbg_insn_line(VmSession *s, u16 cs, u32 eip, u32 lin, char *buf, size_t len);
/* The focus CPU's CS base and mode: the linear address of CS:EIP. */
u32 dbg_cs_lin(VmSession *s, u16 cs, u32 eip);

/* ---- disassembly and symbols (disasm.c) ---- */
/* Disassembles the instruction in bytes[0..avail) at address addr in 16- or 32-bit
 * code, Intel syntax, into text ("mnemonic operands"). Returns its length, 0 when the
 * bytes are no valid instruction (text then says "(bad)"). */
int dbg_disasm(VmSession *s, const u8 *bytes, u32 avail, u32 addr, bool code32, char *text,
	       size_t len);
/* Loads a System.map (`symbols FILE`); returns 0 or a VMCP_E* code after the message. */
int dbg_cmd_symbols(VmSession *s, FILE *out, char **w, int n, const char *cwd);
/* " <name+0xoff>" for addr when a symbol covers it, else "" (into buf). */
const char *dbg_sym(VmSession *s, u32 addr, char *buf, size_t len);
/* The address of a symbol; false if unknown. */
bool dbg_sym_lookup(VmSession *s, const char *name, u32 *addr);
/* The last address a symbol at addr covers (before the next symbol, at most 1 MiB). */
void dbg_sym_extent(VmSession *s, u32 addr, u32 *last);
void dbg_free_symbols(Dbg *d);

/* ---- traces (dtrace.c) ---- */
int dbg_cmd_trace(VmSession *s, FILE *out, char **w, int n, const char *cwd);
/* One trace line of kind k ("ICOUNT VTIME KIND ..."), with its run/norun. */
void dbg_trace_line(VmSession *s, TrKind k, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The lines of a CPU exit for the traces that want it. */
void dbg_trace_exit(VmSession *s, MachineStop st, const CpuExit *ex);
/* The session's --trace io,vd,cpu at start. */
bool dbg_trace_option(VmSession *s, const char *spec);
/* Closes the traces' own files (the session's end). */
void dbg_trace_close(VmSession *s);

/* ---- the gdb remote stub (gdbstub.c) ---- */
/* Listens on [HOST:]PORT (HOST default 127.0.0.1); returns 0, or a VMCP_E* code with
 * message 529's text in why. gdb_where: "HOST:PORT" of the open stub. */
int gdb_open(VmSession *s, const char *spec, char *why, size_t wl);
const char *gdb_where(const VmSession *s);
void gdb_close(VmSession *s);
/* Its descriptors for the session's poll (up to 2), and serving them. */
int gdb_pollfds(VmSession *s, int *fds, short *events);
void gdb_serve(VmSession *s);
/* The VM stopped (a breakpoint, a watch, a step, Ctrl-C): tells gdb if it waits for
 * that. watch_kind: 0, 1 a software breakpoint, or the Z type of a watchpoint (2 write,
 * 3 read, 4 access) with the address accessed. */
void gdb_stopped(VmSession *s, int watch_kind, u32 watch_addr);
/* Whether gdb is attached and waiting for the VM to stop. */
bool gdb_waiting(const VmSession *s);
int dbg_cmd_gdb(VmSession *s, FILE *out, char **w, int n);

/* Shared by the debug files: w abbreviates full down to min characters. */
bool dbg_word(const char *w, const char *full, size_t min);
/* A message of these files to out (as vmcmd.c's). */
int dbg_msg(FILE *out, int num, char sev, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int dbg_bad(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool dbg_hex(const char *a, u32 *v);

#endif
