/* ipl.h: a running VM as the CP sees it while `vmcp ipl` runs it: the VMBLOCK (config and
 * VDDATA), the machine built from it, the host ends of its console and output files,
 * and the trace settings. Shared by cmd_ipl.c (the run), console.c (the terminal) and
 * vmcmd.c (the VM commands typed after the escape key, as z/VM's #CP). */
#ifndef VMCP_CP_IPL_H
#define VMCP_CP_IPL_H

#include <stdio.h>
#include <termios.h>

#include "cp/cp.h"
#include "vm/machine.h"
#include "vm/vmblock.h"

/* Message numbers of running VMs (500-699). */
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
};

#define CONSOLE_ESCAPE 0x1D /* Ctrl-] */

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

typedef struct Ipl {
	CpCtx *cp;
	VmBlock vm;
	Machine *m;        /* vm.machine */

	/* Host ends. */
	bool headless;
	bool console_vga;  /* the VGA text screen on the terminal (else COM1) */
	bool interactive;  /* stdin is read for the guest and for the escape key */
	bool tty;          /* stdin is a terminal in raw mode */
	struct termios saved_tio;
	FILE *serial_f, *debugcon_f, *bioslog_f, *post_f, *trace_f;
	const char *screen_path;
	u8 in[4096];       /* host input waiting for room in the guest's device */
	size_t inlen;
	char cpbuf[4096];  /* input after the escape key: lines for the CP prompt */
	size_t cplen;
	bool stdin_eof;
	u8 last_out;       /* the last byte the serial console printed */
	VgaText shown;     /* the screen as last drawn (VGA console) */
	bool shown_valid;
	u64 next_draw_ns;
	char text[VGA_TEXT_MAX_ROWS * (VGA_TEXT_MAX_COLS * 4 + 1) + 1]; /* screen as text */

	TextWatch until;   /* --until */

	/* --script: lines run in order; a wait line holds the rest back until its text
	 * appears. */
	char **script;
	int nscript, script_next;
	TextWatch wait;

	/* Tracing (trace io, trace vd). */
	bool trace_io, trace_vd, trace_cpu;
	u16 trace_lo, trace_hi;
	bool trapping;     /* trap io set: a trapped access stops at the CP prompt */

	bool quit;         /* shutdown/logoff typed at the CP prompt */
	u64 host_errors;   /* VD host failures already reported */
	int host_rc;       /* the first one's code: the run's exit status */
} Ipl;

/* Console (console.c). */
/* Puts the terminal in raw mode (when stdin is one) and clears it for a VGA console;
 * returns 0. */
int console_open(Ipl *ipl);
/* Restores the terminal. */
void console_close(Ipl *ipl);
/* Reads pending host input, hands it to the guest; returns true when the escape key
 * was typed (the caller enters CP mode). */
bool console_poll(Ipl *ipl);
/* Redraws the VGA text screen on the terminal if it changed. */
void console_draw(Ipl *ipl, bool force);
/* COM1 output to the terminal. */
void console_serial_out(Ipl *ipl, u8 byte);

/* Feeds host input waiting in ipl->in to the console device (keyboard or COM1). */
void console_feed(Ipl *ipl);

/* True if text is on the VGA text screen now. */
bool ipl_screen_has(Ipl *ipl, const char *text);

/* Scripts (script.c): reads and checks FILE (message 517 with the line on error). */
int script_load(Ipl *ipl, const char *path);
/* Runs script lines up to the next wait that is not yet satisfied. */
void script_step(Ipl *ipl);
void script_free(Ipl *ipl);

/* VM commands (vmcmd.c): runs one command line; returns 1 when the VM should resume
 * (begin), 0 to stay at the CP prompt, -1 when the VM is to end (shutdown/logoff). */
int vmcmd_exec(Ipl *ipl, char *line);
/* The CP prompt loop: reads lines from stdin until begin or shutdown. */
void vmcmd_read_loop(Ipl *ipl);
/* Applies the trace settings to the buses and VDs. */
void vmcmd_apply_trace(Ipl *ipl);

/* `vmcp ipl` (cmd_ipl.c): returns 0 or a negative VMCP_E* code, as the other commands. */
int cp_cmd_ipl(CpCtx *cp, int argc, char **argv);

#endif
