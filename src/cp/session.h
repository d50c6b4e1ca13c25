/* session.h: one running VM as its host process holds it: the VMBLOCK (config and
 * VDDATA) and the machine built from it, its output files, its console (a terminal, for
 * `vmcp ipl` in the foreground), its script, and its link to the CP of the real disk,
 * through which `vmcp query names`, `send`, `force`, `attach` and `spool` reach it.
 *
 * Every VM runs the same way, whoever started it: `vmcp ipl NAME` runs the session in
 * its own process and registers with the CP (starting one if none runs); `vmcp start
 * NAME` asks the CP, which starts a host process running the same session with its link
 * already open. A session is open / run / close:
 *
 *   session_open   parse-free setup: VMBLOCK loaded (VDs locked), machine built, files
 *                  open, console and link up (or a numbered message and a code)
 *   session_run    the loop: machine slices, host input, CP requests, pacing, until the
 *                  VM ends (power-off, shutdown, force, --until, --timeout, a script's end)
 *   session_close  VDs flushed and unlocked, files closed; returns the run's status
 *
 * The VM's states, as the CP reports them: running; stopped (at CP READ: the console's
 * escape key, `stop`, a trapped port); halted (with interrupts off, or a triple fault,
 * held for inspection); ended. */
#ifndef VMCP_CP_SESSION_H
#define VMCP_CP_SESSION_H

#include <stdio.h>

#include "cp/cp.h"
#include "cp/cpsock.h"
#include "cp/term.h"
#include "vd/outfile.h"
#include "vm/machine.h"
#include "vm/vmblock.h"

/* Message numbers of running VMs (500-599). */
enum {
	VMM_STARTED = 500,
	VMM_STOPPED = 501,
	VMM_UNTIL_FOUND = 502,
	VMM_TIMEOUT = 503,
	VMM_POWEROFF = 504,
	VMM_DEAD = 505,
	VMM_MACHINE = 506,
	VMM_KERNEL = 507,
	VMM_FILE = 508,
	VMM_UNKNOWN_CMD = 509,
	VMM_CP_READ = 510,
	VMM_RESET = 511,
	VMM_TRACE = 512,
	VMM_BAD_ARG = 513,
	VMM_DISPLAY = 514,
	VMM_IO_TRAP = 515,
	VMM_HOST_IO = 516,
	VMM_SCRIPT = 517,
	VMM_SHUTDOWN = 518,   /* triple fault held */
	VMM_SCRIPT_DONE = 519,
	VMM_RESUMED = 520,
	VMM_SIGNAL = 521,     /* ended by a host signal */
	VMM_STORE = 522,
	VMM_DISC = 530,        /* a disc loaded into / taken out of a CD-ROM drive */
	VMM_DISC_LOCKED = 531, /* the guest prevents the removal of its disc */
	VMM_NO_CDROM = 532,    /* change/eject: no CD-ROM drive there */
};

typedef enum VmState {
	VMS_RUNNING,
	VMS_STOPPED,  /* CP READ */
	VMS_HALTED,   /* disabled wait or triple fault, held */
	VMS_ENDED,
} VmState;

/* The state's name in the protocol and in `query names`. */
const char *vm_state_name(VmState s);

/* Watches for a text on COM1 (a window over the last bytes) and on the text screen. */
typedef struct TextWatch {
	char *text;    /* NULL: not watching */
	size_t len;
	char *win;     /* the last 2 * len serial bytes */
	size_t wlen;
	bool found;
} TextWatch;
/* Starts watching for text (copied); returns VMCP_ENOMEM or 0. */
int watch_start(TextWatch *w, const char *text);
void watch_stop(TextWatch *w);
/* A byte of COM1 output; returns true when it completes the text. */
bool watch_serial(TextWatch *w, u8 b);

/* The streamed output files of a session (VmSession.outs). */
enum { SESS_OUT_SERIAL, SESS_OUT_DEBUGCON, SESS_OUT_BIOSLOG, SESS_OUT_POST, SESS_OUT_TRACE,
       SESS_OUT_COUNT };

/* What `vmcp ipl` (or the CP's start) asks for. */
typedef struct SessionOpts {
	const char *name;
	const char *serial, *screen, *debugcon, *bioslog, *post, *trace, *trace_file;
	const char *bios, *kernel, *initrd, *append, *until, *script;
	const char *gdb;    /* --gdb [HOST:]PORT: the stub, and the VM waits at the reset vector */
	double timeout;     /* wall seconds, 0: none */
	u32 ips;            /* 0: default */
	u64 memory;         /* 0: the config file's */
	bool headless;      /* no console on this terminal */
	int pace;           /* 1 pace to wall-clock time, 0 not, -1 default (console: yes) */
	bool hold;          /* halts, triple faults and traps stop at CP READ */
	int link_fd;        /* the CP's end of an open link (started by the CP), or -1 */
	bool no_cp;         /* do not register with a CP */
	CpuEngine engine;   /* CPU_ENGINE_DEFAULT: the host's default */
	bool rtc_set;       /* --rtc BASE given: the RTC starts at rtc_start (cp_rtc_base), */
	s64 rtc_start;      /* else at the host's local time when the machine is built */
} SessionOpts;

/* The VM's end of its link to the CP. */
typedef struct SessLink {
	int fd;             /* -1: none */
	LineBuf in;
	OutBuf out;
	bool screen_on;     /* an attached console wants the screen */
	u64 next_status_ms, next_screen_ms;
	u64 dropped;        /* console bytes dropped while the CP did not read */
	u8 con[16384];      /* COM1 output of this slice, sent as one CONSOLE event */
	size_t conlen;
	VgaText last;       /* the screen last looked at, for the spool's scrolled lines */
	bool last_valid;
	VgaText sent;       /* the screen last sent to an attached console */
	bool sent_valid;
} SessLink;

typedef struct VmSession {
	SessionOpts o;
	CpCtx *cp;
	VmBlock vm;
	Machine *m;
	VmState state;
	bool end;           /* leave the loop */
	int stop_msg;       /* why it ended (VMM_*) */
	bool shutdown_held; /* a triple fault: begin resets */

	/* Console. */
	bool interactive;   /* stdin is read (a console on this terminal) */
	bool console_vga;   /* the console is the VGA text screen (else COM1) */
	Term term;
	bool stdin_eof;
	u8 in[65536];       /* typed input waiting for the guest's keyboard or COM1 */
	size_t inlen;
	u64 next_key_ns;    /* virtual time the next key may be typed */
	u8 cpin[4096];      /* piped input after a begin: for the next CP READ */
	size_t cpinlen;
	u64 next_draw_ms;

	/* Output files. */
	FILE *serial_f, *debugcon_f, *bioslog_f, *post_f, *trace_f;
	char *trace_path;   /* where trace lines go (NULL: stderr) */
	/* Their state (vd/outfile.h): opened and checked before the VM is built, truncated
	 * only once it runs (outs_started); a failed open leaves them as they were. */
	Outfile outs[SESS_OUT_COUNT];
	bool outs_started;

	TextWatch until;

	/* --script. */
	char **script;
	int nscript, script_next;
	TextWatch wait;
	bool script_done;

	/* Breakpoints, traces, traps, symbols, gdb (cp/debug.h). */
	struct Dbg *dbg;

	/* Pacing and the wall clock. */
	bool paced;
	u64 wall0_ns, virt0_ns, deadline_ns, started_ms;

	u64 host_errors;    /* VD host failures already reported */
	int host_rc;        /* the first one's code */
	int rc;             /* the run's status so far */
	char text[VGA_TEXT_MAX_ROWS * (VGA_TEXT_MAX_COLS * 3 + 1) + 1]; /* screen as text */

	SessLink link;
} VmSession;

/* Opens the session: loads and builds the VM, opens the files, takes the terminal
 * (unless headless) and registers with the CP. Returns 0, or a VMCP_E* code after the
 * numbered message (the session is then closed already). */
int session_open(VmSession *s, CpCtx *cp, const SessionOpts *o);
/* Runs the VM until it ends. */
void session_run(VmSession *s);
/* Flushes and releases everything; returns the run's status (0 or a VMCP_E* code). */
int session_close(VmSession *s);

/* A numbered message about this VM: to the terminal or stdout/stderr, and to the CP
 * (which spools it and shows it to an attached console). */
void session_msg(VmSession *s, int num, char sev, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Enters CP READ (VM stopped) with the reason already said; no-op when ended. */
void session_stop(VmSession *s);
/* Leaves CP READ (begin): a held triple fault resets the machine first. */
void session_begin(VmSession *s);
/* True if text is on the VGA text screen now (also text that ends in blanks). */
bool session_screen_has(VmSession *s, const char *text);
/* Queues typed input for the console device (the keyboard or COM1), paced as a
 * keyboard or a serial line delivers it. */
void session_type(VmSession *s, const u8 *p, size_t n);
/* Applies the trace settings to the machine and the VDs. */
void session_apply_trace(VmSession *s);

/* VM commands (vmcmd.c). */
enum { VMCMD_STAY = 0, VMCMD_BEGIN = 1, VMCMD_END = 2 };
/* Runs one VM command line, output and messages to out (stdout for the local console).
 * cwd: where relative file names are (NULL: this process's). Returns VMCMD_* or a
 * negative VMCP_E* code after its numbered message. */
int vmcmd_exec(VmSession *s, const char *line, FILE *out, const char *cwd);

/* Scripts (script.c): reads and checks FILE (message 517 with the line on error). */
int script_load(VmSession *s, const char *path);
/* Runs script lines up to the next wait that is not yet satisfied; sets script_done
 * after the last line. */
void script_step(VmSession *s);
void script_free(VmSession *s);

/* The CP link (link.c). */
/* Connects to the CP of the real disk and registers this VM (or takes o->link_fd).
 * Returns 0, VMCP_EBUSY (the CP holds a VM of that name), or another code (the caller
 * then runs without a CP). */
int link_open(VmSession *s);
void link_close(VmSession *s);
/* Reads and acts on the CP's requests. */
void link_poll(VmSession *s);
/* Sends what the slice produced: console bytes, the screen when asked, status. */
void link_flush(VmSession *s, bool force_status);
/* Events. */
void link_state(VmSession *s, const char *reason);
void link_message(VmSession *s, const char *text);
void link_console(VmSession *s, const u8 *p, size_t n);
/* A line for the console's spool and an attached console (trace lines "to console"):
 * dropped rather than waited for when the CP lags. */
void link_text(VmSession *s, const char *text);
/* Sends the spool the final screen's lines (at the end of the run). */
void link_final_screen(VmSession *s);

/* `vmcp ipl` (cmd_ipl.c): returns 0 or a negative VMCP_E* code, as the other commands. */
int cp_cmd_ipl(CpCtx *cp, int argc, char **argv);

#endif
