/* cpsock.h: the CP's control socket as both ends see it: where it lives, how lines are
 * framed and buffered, and a client's connection (with the CP started on demand).
 *
 * One CP runs per real disk. Its files live in a run directory of its own:
 *   BASE/cp-DEV-INO/   (a block device: BASE/cp-bRDEV/)
 *     sock             the control socket (mode 0600; the CP also checks the peer's uid)
 *     lock             held by the running CP (flock); holds its pid
 *     cp.log           the CP's own log (when started in the background)
 *     NAME.spool[.1]   the console spool of VM NAME (two halves of a bounded ring)
 *     NAME.log         stderr of VM NAME's host process (started by the CP)
 * BASE is $VMCP_RUNDIR, else $XDG_RUNTIME_DIR/vmcp, else /tmp/vmcp-UID; it must belong
 * to the user and be closed to others (mode 0700), or nothing is trusted there.
 * The protocol itself is in docs/protocol.md. */
#ifndef VMCP_CP_CPSOCK_H
#define VMCP_CP_CPSOCK_H

#include <stddef.h>
#include <sys/types.h>

#include "base/base.h"
#include "cp/json.h"

#define CPSOCK_LINE_MAX (1u << 20)  /* a request line; longer ones are refused */
#define CPSOCK_PATH_MAX 108          /* sun_path */

/* Protocol errors and CP messages (600-699). */
enum {
	CPS_NO_CP = 600,       /* no CP answers for this real disk */
	CPS_CONNECT = 601,     /* cannot reach or start the CP */
	CPS_RUNDIR = 602,      /* the run directory is unusable or unsafe */
	CPS_PROTO = 603,       /* malformed request or reply */
	CPS_UNKNOWN = 604,     /* unknown command */
	CPS_NOT_RUNNING = 605, /* no such VM in the CP */
	CPS_RUNNING = 606,     /* already running */
	CPS_ATTACHED = 607,    /* console attached elsewhere */
	CPS_TIMEOUT = 608,     /* the VM did not answer in time */
	CPS_FAILED = 609,      /* a VM's host process failed */
	CPS_PERM = 610,        /* peer is another user */
	CPS_TOO_LONG = 611,    /* oversized line */
	CPS_ARGS = 612,        /* bad or missing arguments */
	CPS_STARTED = 613,     /* VM started (information) */
	CPS_FORCED = 614,      /* VM forced off */
	CPS_DETACHED = 615,    /* console detached / taken over */
	CPS_CP_INFO = 616,     /* the CP's own log lines */
	CPS_ENDED = 617,       /* VM ended */
	CPS_NO_VMS = 618,      /* query names: none */
	CPS_LINK = 619,        /* a VM's link to the CP */
	CPS_BUSY = 620,        /* too many clients or VMs */
	CPS_ATTACH = 621,      /* attached (information) */
};

/* The run directory of the CP of real disk dasd into dir (at least CPSOCK_PATH_MAX
 * bytes); create: make it (and BASE) if missing. Returns 0, or a VMCP_E* code with a
 * reason in why: VMCP_ENOENT (the real disk does not exist, or !create and no run
 * directory), VMCP_EIO/VMCP_EINVAL (BASE unsafe, path too long). */
int cpsock_rundir(const char *dasd, char *dir, size_t n, bool create, char *why, size_t whylen);

/* A line reader over a non-blocking or blocking fd. */
typedef struct LineBuf {
	char *buf;
	size_t len, cap;
	bool eof;
	bool too_long;  /* a line passed CPSOCK_LINE_MAX: it is dropped up to its newline */
} LineBuf;
/* Reads what is there (one read(2)); returns bytes read, 0 at end of file, -1 on
 * EAGAIN/EINTR, or VMCP_EIO / VMCP_ENOMEM. */
ssize_t linebuf_fill(LineBuf *lb, int fd);
/* The next complete line (without its '\n', NUL-terminated, malloc'd: free it), or
 * NULL. *oversize is set when a too-long line was dropped (report it once). */
char *linebuf_next(LineBuf *lb, size_t *len, bool *oversize);
void linebuf_free(LineBuf *lb);

/* Bytes waiting to be written to a non-blocking fd. */
typedef struct OutBuf {
	char *buf;
	size_t len, cap, off;
} OutBuf;
/* Appends; false when out of memory. */
bool outbuf_add(OutBuf *o, const char *p, size_t n);
/* Appends the line (adds the '\n'); false when out of memory. */
bool outbuf_line(OutBuf *o, const char *p, size_t n);
/* Writes what it can; returns 0, or VMCP_EIO when the peer is gone. */
int outbuf_flush(OutBuf *o, int fd);
static inline size_t outbuf_pending(const OutBuf *o) { return o->len - o->off; }
void outbuf_free(OutBuf *o);

/* Writes the whole buffer to a blocking fd; 0 or VMCP_EIO. */
int cpsock_write_all(int fd, const char *p, size_t n);

/* A client's connection to the CP. */
typedef struct CpConn {
	int fd;
	LineBuf in;
	char dir[CPSOCK_PATH_MAX];
	long next_id;
	/* Called for each event that arrives while cpconn_call waits (may be NULL). */
	void (*on_event)(void *ctx, const Json *ev);
	void *ctx;
} CpConn;

/* Connects to the CP of real disk dasd and reads its greeting. With autostart, starts
 * a CP in the background when none answers. Returns 0, VMCP_ENOENT when no CP runs
 * (and !autostart), or another VMCP_E* code; the numbered message is printed unless
 * quiet. */
int cpconn_open(CpConn *c, const char *dasd, bool autostart, bool quiet);
void cpconn_close(CpConn *c);
/* Sends {"execute": cmd, "arguments": args (a JSON object text, or NULL), "id": n} and
 * waits up to timeout_ms (-1: for ever) for its reply; events before it go to
 * on_event. Returns the reply (json_free it) or NULL after printing a message. */
Json *cpconn_call(CpConn *c, const char *cmd, const char *args, int timeout_ms);
/* Reads the next line as JSON (an event or a reply), waiting up to timeout_ms; NULL on
 * end of file, timeout (*timed_out set) or a malformed line. */
Json *cpconn_read(CpConn *c, int timeout_ms, bool *timed_out);
/* Sends a request without waiting (its reply comes through cpconn_read). Returns its id
 * or a negative VMCP_E* code. */
long cpconn_send(CpConn *c, const char *cmd, const char *args);

/* The protocol's shapes, built in w (initialised here): an error reply {"error":
 * {"class", "desc": "VMCPnnnE text", "code", "exit"}, "id"} (id_json: the request's id as
 * JSON text, or NULL), and a request {"execute", "arguments" (JSON text or NULL), "id"}. */
void cpsock_error(JsonWriter *w, const char *id_json, const char *cls, int num, int code,
		  const char *text);
void cpsock_request(JsonWriter *w, const char *cmd, const char *args_json, long id);

/* cpconn_call with the arguments from a writer (taken and freed): the reply when it is
 * a "return" (json_free it); otherwise NULL with *rc the failure's code, after its
 * numbered message. */
Json *cpconn_ask(CpConn *c, const char *cmd, JsonWriter *args, int timeout_ms, int *rc);

/* A reply's error as its numbered message, printed; returns the exit-status code it
 * carries (a negative VMCP_E* code), or 0 for a "return" reply. */
int cpconn_reply_status(const Json *reply);

/* The peer's credentials on a Unix socket: 0, or VMCP_EIO. */
int cpsock_peer(int fd, uid_t *uid, pid_t *pid);

/* Monotonic milliseconds. */
u64 cpsock_now_ms(void);

#endif
