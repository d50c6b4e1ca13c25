/* err.h: VMCP's host-failure codes, numbered messages and exit codes.
 *
 * Library functions return 0 (or a count) on success and a negative VMCP_E* code on a
 * host failure. The CP turns a code into a numbered message ("VMCP123E text", as z/VM's
 * HCPnnnE) and an exit status. The exit status of a failed command is the code negated,
 * so scripts can rely on it: docs/commands.md lists them.
 *
 * Message numbers are owned by module, so files never compete for a number:
 *   001-099 base and the command line     100-299 VMFAT, VDDs, VD manager
 *   300-499 CP commands                    500-599 VM, board, devices, console
 *   600-699 the CP daemon and its control socket
 *   700-799 CPU                            800-899 tests and tools
 * Severity letters: I (information), W (warning), E (error), S (severe: CP bug). */
#ifndef VMCP_BASE_ERR_H
#define VMCP_BASE_ERR_H

#include <stdarg.h>

enum vmcp_err {
	VMCP_OK = 0,
	VMCP_EINVAL = -1,   /* bad argument, usage or input file (exit 1) */
	VMCP_ENOENT = -2,   /* no such VM, VD, file or device (exit 2) */
	VMCP_EEXIST = -3,   /* already defined / already formatted (exit 3) */
	VMCP_EBUSY = -4,    /* locked or in use by a running VM (exit 4) */
	VMCP_EIO = -5,      /* host I/O error (exit 5) */
	VMCP_ECORRUPT = -6, /* corrupt or unrecognised metadata (exit 6) */
	VMCP_ENOSPC = -7,   /* no space on the real disk or in a table (exit 7) */
	VMCP_ENOMEM = -8,   /* host memory exhausted (exit 8) */
	VMCP_ERANGE = -9,   /* out of bounds: past the end of a VD, size limits (exit 9) */
	VMCP_EUNSUP = -10,  /* not supported by this version (exit 10) */
	VMCP_ETIMEOUT = -11 /* a wait ended by its timeout (exit 124, as timeout(1)) */
};

/* A short text for a VMCP_E* code ("I/O error"). */
const char *vmcp_strerror(int err);

/* The process exit status for a VMCP_E* code (0 for VMCP_OK). */
int vmcp_exit_code(int err);

/* Prints "VMCPnnnS text" (severity letter S) to stderr for W/E/S and stdout for I.
 * Returns the number, so `return msg(...)` reads naturally in the CP. */
int msg(int num, char sev, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* msg() with a va_list; returns num. */
int vmsg(int num, char sev, const char *fmt, va_list ap);

/* Debug logging for developers (VMCP_LOG=debug|info|warn in the environment).
 * Never used for guest-visible behaviour. */
enum { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_OFF = 3 };
/* Prints "vmcp: text" to stderr when level is at or above log_level(). */
void log_printf(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The level VMCP_LOG asks for (LOG_OFF when unset or unknown). */
int log_level(void);
#define LOG_DEBUGF(...)                                         \
	do {                                                    \
		if (log_level() <= LOG_DEBUG)                   \
			log_printf(LOG_DEBUG, __VA_ARGS__);     \
	} while (0)

#endif
