/* cp.h: what the CP commands (src/cp/cmd_*.c) share: the command table entry, option
 * parsing, opening the real disk with its messages, JSON output and the progress line.
 *
 * A command is one function `int cp_cmd_NAME(CpCtx *cp, int argc, char **argv)`, with
 * argv[0] the verb; it prints its output and messages and returns 0 or a negative
 * VMCP_E* code (the exit status is its negation: docs/commands.md). Adding a command is
 * one new file and one line in the table of src/cp/main.c.
 *
 * Message numbers 300-499 belong to this module; 100-299 come from the VD module's
 * VdErr (vd/vmfat.h). */
#ifndef VMCP_CP_CP_H
#define VMCP_CP_CP_H

#include <stdio.h>
#include <sys/types.h>

#include "base/base.h"
#include "vd/vmfat.h"

/* Message numbers of the CP commands. */
enum {
	CPM_UNKNOWN_CMD = 300,
	CPM_MISSING = 301,
	CPM_UNKNOWN_OPT = 302,
	CPM_BAD_SIZE = 303,
	CPM_EXTRA = 304,
	CPM_OPT_VALUE = 305,
	CPM_UNKNOWN_WHAT = 306,
	CPM_NEED_SIZE = 307,
	CPM_READ_FILE = 308,
	CPM_WRITE_OUT = 309,
	CPM_FORMATTED = 310,
	CPM_VM_DEFINED = 311,
	CPM_VD_DEFINED = 312,
	CPM_VM_DELETED = 313,
	CPM_VD_DELETED = 314,
	CPM_FILE_PUT = 315,
	CPM_IMPORTED = 316,
	CPM_EXPORTED = 317,
	CPM_RESIZED = 318,
	CPM_SAME_SIZE = 319,
	CPM_NONE = 321,
};

typedef struct CpCtx {
	const char *dasd; /* --dasd, or $VMCP_DASD, or vmcp.dasd */
	FILE *out;        /* command output (stdout) */
} CpCtx;

/* The usage of each command, one line per form: `vmcp help` lists them (main.c's table)
 * and the commands' missing-operand messages print them (cp_missing). */
#define CP_USAGE_FORMAT "format [--dasd PATH] --size SIZE [--force] [--mode MODE]"
#define CP_USAGE_DEFINE_VM \
	"define vm NAME [--memory 64M] [--cpu i686] [--cpus 1] [--boot hda,fda] [--console serial|vga]"
#define CP_USAGE_DEFINE_VD "define vd VM DEV SIZE [--type disk|floppy|cdrom]"
#define CP_USAGE_DELETE "delete vm NAME\ndelete vd VM DEV"
#define CP_USAGE_QUERY "query vm [NAME] | vd [VM] | dasd | space | names  [--json]"
#define CP_USAGE_DIRECTORY "directory get NAME\ndirectory put NAME FILE\ndirectory list"
#define CP_USAGE_VD "vd import VM DEV FILE\nvd export VM DEV FILE [--mode MODE]\nvd resize VM DEV SIZE"
#define CP_USAGE_CHECK "check [--repair]"
#define CP_USAGE_IPL                                                                              \
	"ipl NAME [--headless] [--serial FILE] [--screen FILE] [--debugcon FILE] [--bioslog FILE]\n" \
	"ipl NAME [--post FILE] [--until TEXT] [--timeout SECONDS] [--trace io,vd,cpu] "           \
	"[--trace-file FILE]\n"                                                                    \
	"ipl NAME [--bios FILE | --kernel K [--initrd I] [--append TEXT]] [--ips N] [--pace|--no-pace]\n" \
	"ipl NAME [--script FILE] [--memory SIZE] [--engine jit|interp] [--gdb [HOST:]PORT] [--rtc BASE]"

#define CP_USAGE_START \
	"start NAME [--memory SIZE] [--serial FILE] [--screen FILE] [--trace-file FILE] [--no-pace] " \
	"[--engine jit|interp] [--gdb [HOST:]PORT] [--rtc BASE]"
#define CP_USAGE_ATTACH "attach NAME [--force]"
#define CP_USAGE_SEND "send NAME VM-COMMAND..."
#define CP_USAGE_FORCE "force NAME [--shutdown [--timeout SECONDS]]"
#define CP_USAGE_SPOOL "spool NAME [--follow]"
#define CP_USAGE_CP "cp"

typedef int (*CpCmdFn)(CpCtx *cp, int argc, char **argv);

typedef struct CpCommand {
	const char *verb;
	size_t min;        /* the shortest abbreviation accepted (z/VM style) */
	CpCmdFn fn;
	const char *usage; /* one line per form, '\n'-separated */
} CpCommand;

/* An option of a command: "--name VALUE" / "--name=VALUE" when value is set, a flag
 * "--name" otherwise. */
typedef struct CpOpt {
	const char *name;
	const char **value;
	bool *flag;
} CpOpt;

/* Splits argv[1..] into options (anywhere, up to "--") and at most maxpos operands.
 * Returns 0, or VMCP_EINVAL after printing the numbered message (unknown option,
 * missing value, too many operands). */
int cp_args(const char *cmd, int argc, char **argv, const CpOpt *opts, char **pos, int maxpos,
	    int *npos);
/* Connects to the CP of the real disk without starting one (a running VM has one).
 * Returns 0, or the code after the message (VMCP_ENOENT: name is not running). */
typedef struct CpConn CpConn;
int cp_connect_running(CpCtx *cp, CpConn *c, const char *name);
/* True if word w abbreviates full down to at least min characters, in any case (z/VM's
 * command abbreviations: `q names` for `query names`). */
bool cp_word(const char *w, const char *full, size_t min);
/* Prints "missing operand" with the usage (a CP_USAGE_* text, its forms joined by " | ")
 * and returns VMCP_EINVAL. */
int cp_missing(const char *what, const char *usage);
/* Parses a size operand ("8G"); on failure prints message 303 and returns VMCP_EINVAL. */
int cp_size(const char *s, u64 *bytes);
/* Parses --rtc BASE: where the RTC starts, as QEMU's -rtc base=: "localtime" (the
 * host's local time, the default), "utc", or a date and time YYYY-MM-DDTHH:MM:SS (the
 * same at every start: runs that must repeat). *secs is what the RTC reads, counted
 * from 1970 as if it were UTC. On failure prints message 513 and returns VMCP_EINVAL. */
int cp_rtc_base(const char *s, s64 *secs);
/* Prints a VdErr as its numbered message; returns its code. */
int cp_fail(const VdErr *e);
/* Opens the real disk (VMFAT_OPEN_* flags); prints the message and sets *rc on failure. */
Vmfat *cp_open(CpCtx *cp, int flags, int *rc);

/* JSON output: a string with the escapes RFC 8259 requires. */
void cp_json_str(FILE *f, const char *s);

/* A progress line on stderr, only when stderr is a terminal: "\rWHAT: 42% (n of m)",
 * redrawn at most every percent; cp_progress_end clears it. */
typedef struct CpProgress {
	bool on;
	const char *what;
	u64 total;
	int last_pct;
} CpProgress;
/* Starts the progress line of what (total bytes); drawn only on a terminal. */
void cp_progress_begin(CpProgress *p, const char *what, u64 total);
/* Redraws it for done bytes, when the percentage changed. */
void cp_progress(CpProgress *p, u64 done);
/* Clears it. */
void cp_progress_end(CpProgress *p);

/* Copies the raw image at path (a regular file or block device no larger than the VD)
 * into vd, VD vm dev, from its first sector; the rest of the VD reads as zeros after,
 * and the VD is flushed (image.c). The progress line is drawn when progress is set (and
 * stderr is a terminal). Returns 0 with *bytes the image's size, or the failure with
 * its numbered message in e (200, 201, 202, 113). vd must be writable (read-only binds
 * the guest, not the CP). */
int cp_image_import(VdDisk *vd, const char *vm, const char *dev, const char *path, bool progress,
		    u64 *bytes, VdErr *e);
/* True if the n bytes at p are all zero. */
bool cp_is_zero(const u8 *p, size_t n);
/* Reads up to n bytes from fd (fewer only at end of file): the count, or -1. */
ssize_t cp_read_full(int fd, u8 *p, size_t n);

/* The commands (one file each, or one per family): each returns 0 or a negative VMCP_E*
 * code after printing its numbered message (docs/commands.md). */
int cp_cmd_format(CpCtx *cp, int argc, char **argv);
int cp_cmd_define(CpCtx *cp, int argc, char **argv);
int cp_cmd_delete(CpCtx *cp, int argc, char **argv);
int cp_cmd_query(CpCtx *cp, int argc, char **argv);
int cp_cmd_directory(CpCtx *cp, int argc, char **argv);
int cp_cmd_vd(CpCtx *cp, int argc, char **argv);
int cp_cmd_check(CpCtx *cp, int argc, char **argv);
int cp_cmd_start(CpCtx *cp, int argc, char **argv);
int cp_cmd_attach(CpCtx *cp, int argc, char **argv);
int cp_cmd_send(CpCtx *cp, int argc, char **argv);
int cp_cmd_force(CpCtx *cp, int argc, char **argv);
int cp_cmd_spool(CpCtx *cp, int argc, char **argv);
int cp_cmd_cp(CpCtx *cp, int argc, char **argv);

#endif
