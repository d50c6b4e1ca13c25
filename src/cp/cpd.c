/* cpd.c: `vmcp cp`: the CP of one real disk, holding every running VM of that disk, as
 * the paper's CP holds a VMBLOCK per VM and z/VM's CP its logged-on users.
 *
 * It is one process with one thread and one poll loop, and it never waits for a VM:
 * each VM runs in a host process of its own (crash isolation: a VM that crashes, hangs
 * or traces without end costs the CP nothing but the bytes it chooses to read), linked
 * to the CP by a socket over which the VM reports its state, counters, console output
 * and messages, and takes requests (session.h, link.c). VMs the CP starts (`vmcp start`)
 * are its children, running `vmcp ipl NAME --headless --hold --link-fd 3`; VMs run in
 * the foreground by `vmcp ipl` connect and register. Clients (`vmcp query names`, `send`,
 * `force`, `attach`, `spool`, scripts) speak JSON lines on the control socket
 * (cpsock.h; the protocol is in docs/protocol.md).
 *
 * What the CP keeps per VM: its name, state, host process, counters, console spool
 * (a bounded ring of two files in the run directory, readable after the VM ended), the
 * recent serial output for a console that attaches, and who is attached. Started on
 * demand (`--daemon`) it ends some seconds after its last VM and client are gone; in
 * the foreground (`vmcp cp`, for a service manager) it runs until SIGTERM, which ends
 * every VM cleanly first. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "cp/cp.h"
#include "cp/cpsock.h"
#include "cp/session.h"
#include "conf/conf.h"
#include "vd/outfile.h"

#define CP_MAX_CLIENTS 64
#define CP_MAX_VMS 64
#define CP_MAX_PENDING 256
#define CP_LINGER_MS 10000        /* an idle CP started on demand ends after this */
#define CP_START_MS 60000         /* a starting VM must say it runs within this */
#define CP_END_MS 10000           /* a VM told to end must be gone within this */
#define CP_SEND_MS 30000          /* default wait for a VM command's answer */
#define CP_SCREEN_MS 2000         /* wait for a running VM's screen (spool) */
#define CP_CLIENT_OUT_MAX (16u << 20) /* output queued for a client that does not read */
#define CP_RECENT 8192            /* serial output kept for a console that attaches */

typedef struct Peer {
	int fd;
	LineBuf in;
	OutBuf out;
	uid_t uid;
	pid_t pid;
} Peer;

enum {
	VMC_STARTING, VMC_RUNNING, VMC_STOPPED, VMC_HALTED, /* live */
	VMC_POWEROFF, VMC_ENDED, VMC_FAILED,                /* ended */
};
static const char *const vmc_names[] = {"starting", "running", "stopped", "halted",
					"powered-off", "ended", "failed"};

typedef struct CpVm {
	bool used;
	u64 gen;
	char name[VM_NAME_MAX + 1];
	int state;
	bool ran;                 /* reached running at least once */
	char message[600];        /* the last message that explains the state */
	char error[600];          /* the last host-side failure (an E message) */
	pid_t pid;
	bool child, reaped;
	int wstatus;
	Peer link;                /* fd -1 once down */
	char console[8], cpu[16], engine[16];
	u64 memory;
	char vds[64];
	bool terminal;
	u64 instructions, vtime_ns, halted_ns, resets, host_errors, dropped;
	u64 started_ms;
	time_t started_at;
	u64 cpu_prev_ticks, cpu_prev_ms;
	double cpu_pct;
	u64 attached;             /* client id, 0: none */
	u8 recent[CP_RECENT];
	size_t recent_len;
	int spool_fd;
	u64 spool_bytes, spool_max;
	bool spool_line_start;
	char end_reason[16];
	int end_exit;
	bool end_said;            /* the VM sent its ended state */
	u64 ended_ms;
	u64 kill_at_ms;           /* force: SIGKILL if still there then (0: not ending) */
	bool killed;              /* the CP killed it (it did not end when told) */
	u64 powerdown_until_ms;   /* force --shutdown: waiting for the guest until then */
	long next_req;
} CpVm;

typedef struct Client {
	bool used;
	u64 id;
	Peer p;
	u64 attached_gen;         /* the VM attached to (0: none) */
	u64 follow_gen;           /* spool --follow */
	bool subscribe_all;
} Client;

enum { P_START, P_SEND, P_FORCE, P_SPOOL };

typedef struct Pending {
	bool used;
	int kind;
	u64 client;
	char *req_id;             /* the client's id, as JSON text (NULL: none) */
	u64 vm_gen;
	long vm_req;
	u64 deadline_ms;
} Pending;

typedef struct Cp {
	char dasd[PATH_MAX];
	char dir[CPSOCK_PATH_MAX];
	int lfd, sfd, lockfd;
	bool daemon, quitting;
	Client clients[CP_MAX_CLIENTS];
	CpVm vms[CP_MAX_VMS];
	Pending pend[CP_MAX_PENDING];
	u64 next_client, next_gen;
	u64 idle_since_ms;
} Cp;

static void cplog(Cp *cp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cplog(Cp *cp, const char *fmt, ...)
{
	time_t t = time(NULL);
	struct tm tm;
	localtime_r(&t, &tm);
	char ts[32];
	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(stderr, "%s VMCP%03dI ", ts, CPS_CP_INFO);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	(void)cp;
}

static bool vm_live(const CpVm *v)
{
	return v->used && v->state <= VMC_HALTED;
}

static CpVm *vm_find(Cp *cp, const char *name)
{
	for (int i = 0; i < CP_MAX_VMS; i++)
		if (cp->vms[i].used && !strcmp(cp->vms[i].name, name))
			return &cp->vms[i];
	return NULL;
}

static CpVm *vm_by_gen(Cp *cp, u64 gen)
{
	for (int i = 0; i < CP_MAX_VMS && gen; i++)
		if (cp->vms[i].used && cp->vms[i].gen == gen)
			return &cp->vms[i];
	return NULL;
}

static Client *client_by_id(Cp *cp, u64 id)
{
	for (int i = 0; i < CP_MAX_CLIENTS && id; i++)
		if (cp->clients[i].used && cp->clients[i].id == id)
			return &cp->clients[i];
	return NULL;
}

/* ---- Sending ---- */

static void peer_send(Peer *p, JsonWriter *w, bool bulky)
{
	size_t n;
	char *text = jw_take(w, &n);
	if (!text)
		return;
	if (p->fd >= 0 && (!bulky || outbuf_pending(&p->out) < CP_CLIENT_OUT_MAX))
		outbuf_line(&p->out, text, n);
	free(text);
}

static void timestamp(JsonWriter *w)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	jw_key(w, "timestamp");
	jw_obj(w);
	jw_key(w, "seconds");
	jw_int(w, ts.tv_sec);
	jw_key(w, "microseconds");
	jw_int(w, ts.tv_nsec / 1000);
	jw_end_obj(w);
}

static void reply_ok_begin(JsonWriter *w)
{
	jw_init(w);
	jw_obj(w);
	jw_key(w, "return");
}

static void reply_end(JsonWriter *w, const char *req_id)
{
	if (req_id) {
		jw_key(w, "id");
		jw_raw(w, req_id, strlen(req_id));
	}
	jw_end_obj(w);
}

static void ok_empty(Peer *p, const char *id)
{
	JsonWriter w;
	reply_ok_begin(&w);
	jw_obj(&w);
	jw_end_obj(&w);
	reply_end(&w, id);
	peer_send(p, &w, false);
}

/* {"error": {"class", "desc": "VMCPnnnE ...", "code", "exit"}, "id"} */
static void send_error(Peer *p, const char *req_id, const char *cls, int num, int code,
		       const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void send_error(Peer *p, const char *req_id, const char *cls, int num, int code,
		       const char *fmt, ...)
{
	char text[700];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	JsonWriter w;
	cpsock_error(&w, req_id, cls, num, code, text);
	peer_send(p, &w, false);
}

/* An event to every client (a VM's life), or to one. */
static void event_begin(JsonWriter *w, const char *name, const CpVm *v)
{
	jw_init(w);
	jw_obj(w);
	jw_key(w, "event");
	jw_str(w, name);
	jw_key(w, "data");
	jw_obj(w);
	jw_key(w, "vm");
	jw_str(w, v->name);
}

static char *event_end(JsonWriter *w, size_t *n)
{
	jw_end_obj(w);
	timestamp(w);
	jw_end_obj(w);
	return jw_take(w, n);
}

static void broadcast(Cp *cp, JsonWriter *w)
{
	size_t n;
	char *text = event_end(w, &n);
	if (!text)
		return;
	for (int i = 0; i < CP_MAX_CLIENTS; i++)
		if (cp->clients[i].used && cp->clients[i].p.fd >= 0)
			outbuf_line(&cp->clients[i].p.out, text, n);
	free(text);
}

static void event_to(Client *c, JsonWriter *w, bool bulky)
{
	size_t n;
	char *text = event_end(w, &n);
	if (!text)
		return;
	if (!bulky || outbuf_pending(&c->p.out) < CP_CLIENT_OUT_MAX)
		outbuf_line(&c->p.out, text, n);
	free(text);
}

/* A request to a VM over its link (args_json: its arguments object, or NULL); returns
 * the id used, or -1 when the link is down. */
static long vm_request(CpVm *v, const char *cmd, const char *args_json)
{
	if (v->link.fd < 0)
		return -1;
	long id = ++v->next_req;
	JsonWriter w;
	cpsock_request(&w, cmd, args_json, id);
	peer_send(&v->link, &w, false);
	return id;
}

/* ---- Pending requests ---- */

static Pending *pend_add(Cp *cp, int kind, Client *c, const char *req_id, CpVm *v, long vm_req,
			 u64 wait_ms)
{
	for (int i = 0; i < CP_MAX_PENDING; i++) {
		Pending *p = &cp->pend[i];
		if (p->used)
			continue;
		*p = (Pending){true, kind, c->id, req_id ? strdup(req_id) : NULL, v->gen, vm_req,
			       cpsock_now_ms() + wait_ms};
		return p;
	}
	return NULL;
}

static void pend_free(Pending *p)
{
	free(p->req_id);
	*p = (Pending){0};
}

/* ---- Spool ---- */

static void spool_path(Cp *cp, const char *name, int half, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s.spool%s", cp->dir, name, half ? ".1" : "");
}

/* Opens a half of the spool for writing, empty: checked like every file VMCP writes
 * (vd/outfile.h). Returns the descriptor or -1. */
static int spool_file(Cp *cp, const char *path)
{
	Outfile o;
	VdErr e;
	if (outfile_open(&o, cp->dasd, path, OUTFILE_STREAM, OUTFILE_MODE, CPS_CP_INFO, "spool", &e) ||
	    outfile_start(&o, &e)) {
		outfile_abort(&o);
		cplog(cp, "%s", e.text);
		return -1;
	}
	return o.fd;
}

static void spool_open(Cp *cp, CpVm *v)
{
	char p0[PATH_MAX], p1[PATH_MAX];
	spool_path(cp, v->name, 0, p0, sizeof(p0));
	spool_path(cp, v->name, 1, p1, sizeof(p1));
	unlink(p1);
	v->spool_fd = spool_file(cp, p0);
	v->spool_bytes = 0;
	v->spool_max = VM_SPOOL_DEFAULT;
	v->spool_line_start = true;
	if (v->spool_fd < 0)
		cplog(cp, "Cannot write the spool of VM %s at %s: %s", v->name, p0, strerror(errno));
}

static void spool_close(CpVm *v)
{
	if (v->spool_fd >= 0)
		close(v->spool_fd);
	v->spool_fd = -1;
}

/* Appends to the spool; the older half is dropped when the newer one is full, so the
 * spool never holds more than spool_max bytes and always at least the newest half.
 * Every follower of the VM gets the same bytes. */
static void spool_add(Cp *cp, CpVm *v, const char *p, size_t n)
{
	while (n > v->spool_max / 2) {
		size_t k = v->spool_max / 2;
		spool_add(cp, v, p, k);
		p += k;
		n -= k;
	}
	if (!n)
		return;
	for (int i = 0; i < CP_MAX_CLIENTS; i++) {
		Client *c = &cp->clients[i];
		if (!c->used || (c->follow_gen != v->gen && !c->subscribe_all))
			continue;
		JsonWriter w;
		event_begin(&w, "SPOOL", v);
		jw_key(&w, "data");
		jw_bytes(&w, (const u8 *)p, n);
		event_to(c, &w, true);
	}
	if (v->spool_fd < 0)
		return;
	if (v->spool_bytes + n > v->spool_max / 2) {
		char p0[PATH_MAX], p1[PATH_MAX];
		spool_path(cp, v->name, 0, p0, sizeof(p0));
		spool_path(cp, v->name, 1, p1, sizeof(p1));
		close(v->spool_fd);
		rename(p0, p1);
		v->spool_fd = spool_file(cp, p0);
		v->spool_bytes = 0;
		if (v->spool_fd < 0)
			return;
	}
	ssize_t w = write(v->spool_fd, p, n);
	if (w > 0) {
		v->spool_bytes += (u64)w;
		v->spool_line_start = p[n - 1] == '\n';
	}
}

/* A line of its own in the spool (a message, a screen line). */
static void spool_line(Cp *cp, CpVm *v, const char *text, size_t n)
{
	if (!v->spool_line_start)
		spool_add(cp, v, "\n", 1);
	spool_add(cp, v, text, n);
	if (!n || text[n - 1] != '\n')
		spool_add(cp, v, "\n", 1);
}

/* The whole spool of VM name (older half first), malloc'd. */
static char *spool_read(Cp *cp, const char *name, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	for (int half = 1; half >= 0; half--) {
		char path[PATH_MAX];
		spool_path(cp, name, half, path, sizeof(path));
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		char chunk[65536];
		size_t k;
		while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0) {
			char *nb = realloc(buf, n + k + 1);
			if (!nb)
				break;
			buf = nb;
			memcpy(buf + n, chunk, k);
			n += k;
		}
		fclose(f);
	}
	*len = n;
	return buf;
}

/* ---- VM life ---- */

static const char *state_name(int st)
{
	return (unsigned)st < ARRAY_SIZE(vmc_names) ? vmc_names[st] : "?";
}

static void vm_set_state(Cp *cp, CpVm *v, int st)
{
	if (v->state == st)
		return;
	bool first = st == VMC_RUNNING && !v->ran;
	v->state = st;
	JsonWriter w;
	if (first) {
		v->ran = true;
		event_begin(&w, "VM_START", v);
		jw_key(&w, "pid");
		jw_int(&w, v->pid);
		broadcast(cp, &w);
	}
	event_begin(&w, "VM_STATE", v);
	jw_key(&w, "state");
	jw_str(&w, state_name(st));
	jw_key(&w, "message");
	jw_str(&w, v->message);
	broadcast(cp, &w);
}

static CpVm *vm_new(Cp *cp, const char *name)
{
	CpVm *v = vm_find(cp, name);
	if (!v) {
		for (int i = 0; i < CP_MAX_VMS && !v; i++)
			if (!cp->vms[i].used)
				v = &cp->vms[i];
		/* Full: reuse the oldest ended entry. */
		for (int i = 0; i < CP_MAX_VMS && !v; i++)
			if (!vm_live(&cp->vms[i]))
				v = &cp->vms[i];
		if (!v)
			return NULL;
	}
	if (v->used) {
		spool_close(v);
		if (v->link.fd >= 0)
			close(v->link.fd);
		linebuf_free(&v->link.in);
		outbuf_free(&v->link.out);
	}
	*v = (CpVm){0};
	v->used = true;
	v->gen = ++cp->next_gen;
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->state = VMC_STARTING;
	v->link.fd = -1;
	v->spool_fd = -1;
	v->started_ms = cpsock_now_ms();
	v->started_at = time(NULL);
	v->cpu_prev_ms = v->started_ms;
	snprintf(v->console, sizeof(v->console), "serial");
	snprintf(v->engine, sizeof(v->engine), "interp");
	spool_open(cp, v);
	return v;
}

/* force's reply: {"vm", "state", "message"} of a VM that ended. */
static void reply_ended(Client *c, const char *id, const CpVm *v)
{
	JsonWriter w;
	reply_ok_begin(&w);
	jw_obj(&w);
	jw_key(&w, "vm");
	jw_str(&w, v->name);
	jw_key(&w, "state");
	jw_str(&w, state_name(v->state));
	jw_key(&w, "message");
	jw_str(&w, v->message);
	jw_end_obj(&w);
	reply_end(&w, id);
	peer_send(&c->p, &w, false);
}

/* The reply to spool: the spool's files, and for a live VM with a text screen the
 * screen now (rows that have not scrolled off yet), screen NULL when there is none. */
static void spool_reply(Cp *cp, Client *c, const char *id, const char *name, CpVm *v,
			const char *screen, size_t screen_len)
{
	size_t n;
	char *data = spool_read(cp, name, &n);
	JsonWriter w;
	reply_ok_begin(&w);
	jw_obj(&w);
	jw_key(&w, "vm");
	jw_str(&w, name);
	jw_key(&w, "state");
	jw_str(&w, v ? state_name(v->state) : "none");
	jw_key(&w, "data");
	jw_bytes(&w, (const u8 *)data, data ? n : 0);
	if (screen) {
		jw_key(&w, "screen");
		jw_strn(&w, screen, screen_len);
	}
	jw_end_obj(&w);
	reply_end(&w, id);
	peer_send(&c->p, &w, false);
	free(data);
}

static void finish_pendings(Cp *cp, CpVm *v)
{
	for (int i = 0; i < CP_MAX_PENDING; i++) {
		Pending *p = &cp->pend[i];
		if (!p->used || p->vm_gen != v->gen)
			continue;
		Client *c = client_by_id(cp, p->client);
		if (c) {
			if (p->kind == P_FORCE) {
				reply_ended(c, p->req_id, v);
			} else if (p->kind == P_SPOOL) {
				spool_reply(cp, c, p->req_id, v->name, v, NULL, 0);
			} else if (p->kind == P_START) {
				int code = v->end_exit ? -v->end_exit : VMCP_EIO;
				if (v->end_exit == 124)
					code = VMCP_ETIMEOUT;
				const char *why = v->message[0] ? v->message : "its host process ended";
				if (!strncmp(why, "VMCP", 4) && strlen(why) > 9)
					send_error(&c->p, p->req_id, "StartFailed", atoi(why + 4), code, "%s", why + 9);
				else
					send_error(&c->p, p->req_id, "StartFailed", CPS_FAILED, code,
						   "VM %s did not start: %s", v->name, why);
			} else {
				send_error(&c->p, p->req_id, "VmEnded", CPS_NOT_RUNNING, VMCP_ENOENT,
					   "VM %s ended before it answered", v->name);
			}
		}
		pend_free(p);
	}
}

/* The VM's host process is gone (and its link down): its final state. */
static void vm_finish(Cp *cp, CpVm *v)
{
	if (!vm_live(v))
		return;
	int st;
	bool said = true; /* the message came from the VM (and is in its spool already) */
	if (v->killed) {
		snprintf(v->message, sizeof(v->message),
			 "VMCP%03dI VM %s forced off: killed, it did not end within %d s", CPS_FORCED,
			 v->name, CP_END_MS / 1000);
		st = VMC_ENDED;
		v->end_exit = 128 + SIGKILL;
		said = false;
	} else if (v->child && v->reaped && WIFSIGNALED(v->wstatus)) {
		int sig = WTERMSIG(v->wstatus);
		snprintf(v->message, sizeof(v->message),
			 "VMCP%03dE VM %s failed: its host process (pid %d) ended by signal %d (%s)",
			 CPS_FAILED, v->name, (int)v->pid, sig, strsignal(sig));
		snprintf(v->error, sizeof(v->error), "%s", v->message);
		st = VMC_FAILED;
		v->end_exit = 128 + sig;
		said = false;
	} else if (!v->end_said) {
		if (v->child && v->reaped && WIFEXITED(v->wstatus))
			v->end_exit = WEXITSTATUS(v->wstatus);
		if ((v->ran || !v->message[0]) && v->child && v->reaped) {
			snprintf(v->message, sizeof(v->message),
				 "VMCP%03dE VM %s failed: its host process (pid %d) exited with status %d "
				 "without ending the VM (see %s/%s.log)", CPS_FAILED, v->name, (int)v->pid,
				 v->end_exit, cp->dir, v->name);
			snprintf(v->error, sizeof(v->error), "%s", v->message);
			said = false;
		} else if (v->ran || !v->message[0]) {
			snprintf(v->message, sizeof(v->message),
				 "VMCP%03dE VM %s failed: its host process (pid %d) went away without "
				 "ending the VM", CPS_FAILED, v->name, (int)v->pid);
			snprintf(v->error, sizeof(v->error), "%s", v->message);
			said = false;
		}
		st = VMC_FAILED;
	} else if (!strcmp(v->end_reason, "poweroff") && !v->end_exit) {
		st = VMC_POWEROFF;
	} else if (v->end_exit && strcmp(v->end_reason, "forced") && strcmp(v->end_reason, "signal")) {
		/* A run that ended with a failure status: the host side failed (a VD's I/O
		 * error, a timeout), said in its last error message. */
		st = v->error[0] || !v->ran ? VMC_FAILED : VMC_ENDED;
		if (v->error[0])
			snprintf(v->message, sizeof(v->message), "%s", v->error);
	} else {
		st = VMC_ENDED;
	}
	if (!v->ran && st != VMC_FAILED)
		st = VMC_FAILED;
	v->state = st;
	v->ended_ms = cpsock_now_ms();
	v->kill_at_ms = 0;
	v->powerdown_until_ms = 0;
	cplog(cp, "VM %s (pid %d) %s%s%s", v->name, (int)v->pid, state_name(st),
	      v->message[0] ? ": " : "", v->message);
	if (v->ran && !said)
		spool_line(cp, v, v->message, strlen(v->message));
	spool_close(v);
	JsonWriter w;
	event_begin(&w, "VM_END", v);
	jw_key(&w, "state");
	jw_str(&w, state_name(st));
	jw_key(&w, "exit");
	jw_int(&w, v->end_exit);
	jw_key(&w, "message");
	jw_str(&w, v->message);
	broadcast(cp, &w);
	finish_pendings(cp, v);
	for (int i = 0; i < CP_MAX_CLIENTS; i++) {
		Client *c = &cp->clients[i];
		if (c->used && c->attached_gen == v->gen)
			c->attached_gen = 0;
		if (c->used && c->follow_gen == v->gen)
			c->follow_gen = 0;
	}
	v->attached = 0;
	if (!v->ran) {
		/* A start that failed leaves no entry behind (its reason went to the client). */
		v->used = false;
	}
}

static void link_down(Cp *cp, CpVm *v)
{
	if (v->link.fd >= 0)
		close(v->link.fd);
	v->link.fd = -1;
	linebuf_free(&v->link.in);
	outbuf_free(&v->link.out);
	if (!v->child || v->reaped)
		vm_finish(cp, v);
	else if (!v->kill_at_ms)
		v->kill_at_ms = cpsock_now_ms() + CP_END_MS; /* a child that stays deaf is killed */
}

/* ---- What a VM says ---- */

static void vm_event(Cp *cp, CpVm *v, const Json *j)
{
	const char *ev = json_get_str(j, "event");
	const Json *d = json_get(j, "data");
	if (!ev || !d)
		return;
	if (!strcmp(ev, "CONSOLE")) {
		u8 *data;
		size_t n;
		if (json_get_bytes(json_get(d, "data"), &data, &n))
			return;
		spool_add(cp, v, (const char *)data, n);
		/* The recent output, for a console that attaches later. */
		if (n >= CP_RECENT) {
			memcpy(v->recent, data + n - CP_RECENT, CP_RECENT);
			v->recent_len = CP_RECENT;
		} else {
			size_t keep = MIN(v->recent_len, CP_RECENT - n);
			memmove(v->recent, v->recent + v->recent_len - keep, keep);
			memcpy(v->recent + keep, data, n);
			v->recent_len = keep + n;
		}
		Client *c = client_by_id(cp, v->attached);
		if (c) {
			JsonWriter w;
			event_begin(&w, "CONSOLE", v);
			jw_key(&w, "data");
			jw_bytes(&w, data, n);
			event_to(c, &w, true);
		}
		free(data);
		return;
	}
	if (!strcmp(ev, "SPOOL")) {
		const Json *t = json_get(d, "text");
		if (t && t->type == JSON_STR)
			spool_line(cp, v, t->str, t->len);
		return;
	}
	if (!strcmp(ev, "MESSAGE")) {
		const char *text = json_get_str(d, "text");
		if (!text)
			return;
		spool_line(cp, v, text, strlen(text));
		size_t len = strlen(text);
		if (len > 8 && !strncmp(text, "VMCP", 4) && text[7] == 'E')
			snprintf(v->error, sizeof(v->error), "%s", text);
		/* CP READ is a prompt, not a reason: the message before it says why (and a
		 * trace line sent to the console is no message at all) */
		if (!strncmp(text, "VMCP", 4) && strncmp(text, "VMCP510I", 8))
			snprintf(v->message, sizeof(v->message), "%s", text);
		Client *c = client_by_id(cp, v->attached);
		if (c) {
			JsonWriter w;
			event_begin(&w, "MESSAGE", v);
			jw_key(&w, "text");
			jw_str(&w, text);
			event_to(c, &w, false);
		}
		return;
	}
	if (!strcmp(ev, "SCREEN")) {
		Client *c = client_by_id(cp, v->attached);
		if (!c)
			return;
		JsonWriter w;
		event_begin(&w, "SCREEN", v);
		for (size_t i = 0; i < d->len; i++) {
			jw_key(&w, d->keys[i]);
			jw_value(&w, d->items[i]);
		}
		event_to(c, &w, true);
		return;
	}
	if (!strcmp(ev, "STATUS")) {
		v->instructions = (u64)json_get_num(d, "instructions", (double)v->instructions);
		v->vtime_ns = (u64)json_get_num(d, "vtime_ns", (double)v->vtime_ns);
		v->halted_ns = (u64)json_get_num(d, "halted_ns", (double)v->halted_ns);
		v->resets = (u64)json_get_num(d, "resets", (double)v->resets);
		v->host_errors = (u64)json_get_num(d, "host_errors", (double)v->host_errors);
		v->dropped = (u64)json_get_num(d, "dropped", (double)v->dropped);
		return;
	}
	if (!strcmp(ev, "STATE")) {
		const char *st = json_get_str(d, "state");
		if (!st)
			return;
		if (!strcmp(st, "ended")) {
			const char *r = json_get_str(d, "reason");
			snprintf(v->end_reason, sizeof(v->end_reason), "%s", r ? r : "ended");
			v->end_exit = (int)json_get_num(d, "exit", 0);
			v->end_said = true;
			return;
		}
		int s = !strcmp(st, "running") ? VMC_RUNNING : !strcmp(st, "stopped") ? VMC_STOPPED
			: !strcmp(st, "halted") ? VMC_HALTED : -1;
		if (s < 0)
			return;
		vm_set_state(cp, v, s);
		/* A start waits for this. */
		for (int i = 0; i < CP_MAX_PENDING; i++) {
			Pending *p = &cp->pend[i];
			if (!p->used || p->kind != P_START || p->vm_gen != v->gen)
				continue;
			Client *c = client_by_id(cp, p->client);
			if (c) {
				JsonWriter w;
				reply_ok_begin(&w);
				jw_obj(&w);
				jw_key(&w, "vm");
				jw_str(&w, v->name);
				jw_key(&w, "pid");
				jw_int(&w, v->pid);
				jw_key(&w, "state");
				jw_str(&w, state_name(v->state));
				jw_end_obj(&w);
				reply_end(&w, p->req_id);
				peer_send(&c->p, &w, false);
			}
			pend_free(p);
		}
		return;
	}
}

/* The VM's answer to a request: a send's output goes back to the client. */
static void vm_reply(Cp *cp, CpVm *v, const Json *j)
{
	const Json *id = json_get(j, "id");
	if (!id || id->type != JSON_NUM)
		return;
	for (int i = 0; i < CP_MAX_PENDING; i++) {
		Pending *p = &cp->pend[i];
		if (!p->used || (p->kind != P_SEND && p->kind != P_SPOOL) || p->vm_gen != v->gen ||
		    p->vm_req != (long)id->num)
			continue;
		Client *c = client_by_id(cp, p->client);
		if (c && p->kind == P_SPOOL) {
			const Json *t = json_get(json_get(j, "return"), "text");
			bool ok = t && t->type == JSON_STR;
			spool_reply(cp, c, p->req_id, v->name, v, ok ? t->str : NULL, ok ? t->len : 0);
		} else if (c) {
			JsonWriter w;
			jw_init(&w);
			jw_obj(&w);
			const Json *ret = json_get(j, "return");
			const Json *err = json_get(j, "error");
			if (ret) {
				jw_key(&w, "return");
				jw_obj(&w);
				jw_key(&w, "vm");
				jw_str(&w, v->name);
				for (size_t k = 0; ret->type == JSON_OBJ && k < ret->len; k++) {
					jw_key(&w, ret->keys[k]);
					jw_value(&w, ret->items[k]);
				}
				jw_end_obj(&w);
			} else {
				jw_key(&w, "error");
				jw_value(&w, err);
			}
			reply_end(&w, p->req_id);
			peer_send(&c->p, &w, false);
		}
		pend_free(p);
		return;
	}
}

static void vm_register_info(CpVm *v, const Json *a)
{
	const char *s;
	if ((s = json_get_str(a, "console")))
		snprintf(v->console, sizeof(v->console), "%s", s);
	if ((s = json_get_str(a, "cpu")))
		snprintf(v->cpu, sizeof(v->cpu), "%s", s);
	if ((s = json_get_str(a, "engine")))
		snprintf(v->engine, sizeof(v->engine), "%s", s);
	v->memory = (u64)json_get_num(a, "memory", 0);
	/* The spool's size, from the VM's config file (bounded here too). */
	double sp = json_get_num(a, "spool", VM_SPOOL_DEFAULT);
	v->spool_max = sp >= VM_SPOOL_MIN && sp <= VM_SPOOL_MAX ? (u64)sp : VM_SPOOL_DEFAULT;
	v->terminal = json_get_bool(a, "terminal", false);
	const Json *vds = json_get(a, "vds");
	v->vds[0] = 0;
	for (size_t i = 0; vds && vds->type == JSON_ARR && i < vds->len; i++) {
		const Json *d = vds->items[i];
		if (d->type != JSON_STR)
			continue;
		size_t k = strlen(v->vds);
		snprintf(v->vds + k, sizeof(v->vds) - k, "%s%s", k ? "," : "", d->str);
	}
}

static void vm_line(Cp *cp, CpVm *v, const char *line, size_t n)
{
	char why[120];
	Json *j = json_parse(line, n, why, sizeof(why));
	if (!j)
		return;
	if (json_get(j, "event")) {
		vm_event(cp, v, j);
	} else if (json_get(j, "execute")) {
		/* A VM started by the CP registers on its link. */
		const char *cmd = json_get_str(j, "execute");
		const Json *id = json_get(j, "id");
		char idtext[64] = "null";
		if (id && id->type == JSON_NUM)
			snprintf(idtext, sizeof(idtext), "%ld", (long)id->num);
		if (cmd && !strcmp(cmd, "register")) {
			vm_register_info(v, json_get(j, "arguments"));
			ok_empty(&v->link, idtext);
		} else {
			send_error(&v->link, idtext, "CommandNotFound", CPS_UNKNOWN, VMCP_EINVAL,
				   "A VM may only register");
		}
	} else {
		vm_reply(cp, v, j);
	}
	json_free(j);
}

/* ---- Starting a VM ---- */

static void start_child(Cp *cp, CpVm *v, const Json *a, char *why, size_t whylen, int *rc)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		snprintf(why, whylen, "socketpair: %s", strerror(errno));
		*rc = VMCP_EIO;
		return;
	}
	char logp[PATH_MAX];
	snprintf(logp, sizeof(logp), "%s/%s.log", cp->dir, v->name);
	const char *argv[32];
	int n = 0;
	argv[n++] = "vmcp";
	argv[n++] = "--dasd";
	argv[n++] = cp->dasd;
	argv[n++] = "ipl";
	argv[n++] = v->name;
	argv[n++] = "--headless";
	argv[n++] = "--hold";
	argv[n++] = "--link-fd";
	argv[n++] = "3";
	static const char *const opt[] = {"memory", "serial", "screen", "trace-file", "engine", "gdb", "rtc"};
	for (size_t i = 0; i < ARRAY_SIZE(opt); i++) {
		const char *val = json_get_str(a, opt[i]);
		if (val) {
			static char names[ARRAY_SIZE(opt)][16];
			snprintf(names[i], sizeof(names[i]), "--%s", opt[i]);
			argv[n++] = names[i];
			argv[n++] = val;
		}
	}
	argv[n++] = json_get_bool(a, "pace", true) ? "--pace" : "--no-pace";
	argv[n] = NULL;
	const char *cwd = json_get_str(a, "cwd");
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		snprintf(why, whylen, "fork: %s", strerror(errno));
		*rc = VMCP_EIO;
		return;
	}
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setpgid(0, 0);
		int in = open("/dev/null", O_RDONLY);
		Outfile lo;
		VdErr le;
		int log = -1;
		if (!outfile_open(&lo, cp->dasd, logp, OUTFILE_STREAM, OUTFILE_MODE, CPS_CP_INFO, "log", &le) &&
		    !outfile_start(&lo, &le))
			log = lo.fd;
		if (in >= 0)
			dup2(in, 0);
		if (log >= 0) {
			dup2(log, 1);
			dup2(log, 2);
		}
		if (dup2(sv[1], 3) < 0)
			_exit(127);
		for (int fd = 4; fd < 1024; fd++)
			close(fd);
		if (cwd && chdir(cwd) != 0 && chdir("/") != 0)
			_exit(127);
		execv("/proc/self/exe", (char *const *)argv);
		_exit(127);
	}
	close(sv[1]);
	v->pid = pid;
	v->child = true;
	v->link.fd = sv[0];
	fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
	cplog(cp, "VM %s starting (pid %d)", v->name, (int)pid);
}

/* ---- Client requests ---- */

static int ntoint(double d)
{
	return d > 1e9 ? 1000000000 : d < 0 ? 0 : (int)d;
}

/* /proc/PID/stat's utime + stime, in clock ticks. */
static u64 proc_ticks(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	unsigned long long ut = 0, st = 0;
	/* After ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
	 * utime stime. */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return 0;
	return ut + st;
}

static void update_cpu(CpVm *v)
{
	if (!vm_live(v) || !v->pid)
		return;
	u64 now = cpsock_now_ms();
	u64 ticks = proc_ticks(v->pid);
	long hz = sysconf(_SC_CLK_TCK);
	if (now > v->cpu_prev_ms && hz > 0 && ticks >= v->cpu_prev_ticks)
		v->cpu_pct = 100.0 * (double)(ticks - v->cpu_prev_ticks) / (double)hz /
			     ((double)(now - v->cpu_prev_ms) / 1000.0);
	if (now - v->cpu_prev_ms >= 1000) {
		v->cpu_prev_ms = now;
		v->cpu_prev_ticks = ticks;
	}
}

static void cmd_query_names(Cp *cp, Client *c, const char *id)
{
	JsonWriter w;
	reply_ok_begin(&w);
	jw_arr(&w);
	for (int i = 0; i < CP_MAX_VMS; i++) {
		CpVm *v = &cp->vms[i];
		if (!v->used)
			continue;
		update_cpu(v);
		Client *a = client_by_id(cp, v->attached);
		u64 end = vm_live(v) ? cpsock_now_ms() : v->ended_ms;
		jw_obj(&w);
		jw_key(&w, "name");
		jw_str(&w, v->name);
		jw_key(&w, "state");
		jw_str(&w, state_name(v->state));
		jw_key(&w, "pid");
		jw_int(&w, v->pid);
		jw_key(&w, "started_by");
		jw_str(&w, v->child ? "cp" : "ipl");
		jw_key(&w, "instructions");
		jw_uint(&w, v->instructions);
		jw_key(&w, "vtime_s");
		jw_double(&w, (double)v->vtime_ns / 1e9);
		jw_key(&w, "uptime_s");
		jw_double(&w, (double)(end - v->started_ms) / 1000.0);
		jw_key(&w, "cpu_pct");
		jw_double(&w, vm_live(v) ? v->cpu_pct : 0.0);
		jw_key(&w, "vds");
		jw_arr(&w);
		char vds[sizeof(v->vds)];
		snprintf(vds, sizeof(vds), "%s", v->vds);
		for (char *save = NULL, *t = strtok_r(vds, ",", &save); t; t = strtok_r(NULL, ",", &save))
			jw_str(&w, t);
		jw_end_arr(&w);
		jw_key(&w, "memory");
		jw_uint(&w, v->memory);
		jw_key(&w, "cpu");
		jw_str(&w, v->cpu);
		jw_key(&w, "engine");
		jw_str(&w, v->engine);
		jw_key(&w, "console");
		jw_str(&w, v->console);
		jw_key(&w, "attached");
		jw_bool(&w, a != NULL);
		jw_key(&w, "attached_pid");
		jw_int(&w, a ? a->p.pid : 0);
		jw_key(&w, "terminal");
		jw_bool(&w, v->terminal);
		jw_key(&w, "host_errors");
		jw_uint(&w, v->host_errors);
		jw_key(&w, "exit");
		jw_int(&w, v->end_exit);
		jw_key(&w, "message");
		jw_str(&w, v->message);
		jw_key(&w, "error");
		jw_str(&w, v->error);
		jw_end_obj(&w);
	}
	jw_end_arr(&w);
	reply_end(&w, id);
	peer_send(&c->p, &w, false);
}

/* The VM name of a request, valid; else NULL after the error reply. */
static const char *arg_name(Client *c, const char *id, const Json *a, const char *cmd)
{
	const char *name = json_get_str(a, "name");
	const char *why = "";
	if (name && vm_name_valid(name, &why))
		return name;
	send_error(&c->p, id, "BadArguments", CPS_ARGS, VMCP_EINVAL, "%s needs a valid VM name%s%s", cmd,
		   name ? ": " : "", name ? why : "");
	return NULL;
}

/* The VM a request names is not running: else NULL after the error reply. */
static bool not_running(Cp *cp, Client *c, const char *id, const char *name)
{
	CpVm *v = vm_find(cp, name);
	if (!v || !vm_live(v))
		return true;
	send_error(&c->p, id, "AlreadyRunning", CPS_RUNNING, VMCP_EBUSY, "VM %s is already running (pid %d)",
		   name, (int)v->pid);
	return false;
}

static CpVm *live_vm(Cp *cp, Client *c, const char *id, const Json *a)
{
	const char *name = json_get_str(a, "name");
	if (!name) {
		send_error(&c->p, id, "BadArguments", CPS_ARGS, VMCP_EINVAL, "The request needs a VM name");
		return NULL;
	}
	CpVm *v = vm_find(cp, name);
	if (!v || !vm_live(v)) {
		send_error(&c->p, id, "NotRunning", CPS_NOT_RUNNING, VMCP_ENOENT, "VM %.20s is not running",
			   name);
		return NULL;
	}
	return v;
}

static void cmd_start(Cp *cp, Client *c, const char *id, const Json *a)
{
	const char *name = arg_name(c, id, a, "start");
	if (!name || !not_running(cp, c, id, name))
		return;
	CpVm *v = vm_new(cp, name);
	if (!v) {
		send_error(&c->p, id, "Busy", CPS_BUSY, VMCP_ENOSPC, "The CP holds %d VMs already",
			   CP_MAX_VMS);
		return;
	}
	char err[200];
	int rc = 0;
	start_child(cp, v, a, err, sizeof(err), &rc);
	if (rc) {
		spool_close(v);
		v->used = false;
		send_error(&c->p, id, "StartFailed", CPS_FAILED, rc, "Cannot start VM %s: %s", name, err);
		return;
	}
	if (!pend_add(cp, P_START, c, id, v, 0, CP_START_MS))
		send_error(&c->p, id, "Busy", CPS_BUSY, VMCP_ENOSPC, "Too many requests waiting");
}

static void cmd_send(Cp *cp, Client *c, const char *id, const Json *a)
{
	CpVm *v = live_vm(cp, c, id, a);
	if (!v)
		return;
	if (!json_get_str(a, "command")) {
		send_error(&c->p, id, "BadArguments", CPS_ARGS, VMCP_EINVAL, "send needs a command");
		return;
	}
	JsonWriter w;
	jw_init(&w);
	jw_obj(&w);
	jw_key(&w, "line");
	jw_str(&w, json_get_str(a, "command"));
	if (json_get_str(a, "cwd")) {
		jw_key(&w, "cwd");
		jw_str(&w, json_get_str(a, "cwd"));
	}
	jw_end_obj(&w);
	char *args = jw_take(&w, NULL);
	long r = args ? vm_request(v, "command", args) : -1;
	free(args);
	if (r < 0) {
		send_error(&c->p, id, "NotRunning", CPS_NOT_RUNNING, VMCP_ENOENT,
			   "VM %s is not answering (its link is down)", v->name);
		return;
	}
	double t = json_get_num(a, "timeout", CP_SEND_MS / 1000.0);
	if (!pend_add(cp, P_SEND, c, id, v, r, (u64)ntoint(t * 1000.0)))
		send_error(&c->p, id, "Busy", CPS_BUSY, VMCP_ENOSPC, "Too many requests waiting");
}

static void cmd_force(Cp *cp, Client *c, const char *id, const Json *a)
{
	const char *name = json_get_str(a, "name");
	CpVm *v = name ? vm_find(cp, name) : NULL;
	if (v && !vm_live(v)) {
		/* Already ended: the entry goes. */
		reply_ended(c, id, v);
		v->used = false;
		return;
	}
	if (!(v = live_vm(cp, c, id, a)))
		return;
	u64 now = cpsock_now_ms();
	if (json_get_bool(a, "shutdown", false)) {
		double t = json_get_num(a, "timeout", 60);
		vm_request(v, "powerbutton", NULL);
		v->powerdown_until_ms = now + (u64)ntoint(t * 1000.0);
		if (!pend_add(cp, P_FORCE, c, id, v, 0, (u64)ntoint(t * 1000.0) + 2 * CP_END_MS))
			send_error(&c->p, id, "Busy", CPS_BUSY, VMCP_ENOSPC, "Too many requests waiting");
		return;
	}
	if (vm_request(v, "end", NULL) < 0 && !v->child)
		kill(v->pid, SIGKILL);
	v->kill_at_ms = now + CP_END_MS;
	if (!pend_add(cp, P_FORCE, c, id, v, 0, 3 * CP_END_MS))
		send_error(&c->p, id, "Busy", CPS_BUSY, VMCP_ENOSPC, "Too many requests waiting");
}

static void detach(Cp *cp, Client *c)
{
	CpVm *v = vm_by_gen(cp, c->attached_gen);
	c->attached_gen = 0;
	if (!v || v->attached != c->id)
		return;
	v->attached = 0;
	vm_request(v, "screen", "{\"on\":false}");
}

static void cmd_attach(Cp *cp, Client *c, const char *id, const Json *a)
{
	CpVm *v = live_vm(cp, c, id, a);
	if (!v)
		return;
	if (v->terminal) {
		send_error(&c->p, id, "Attached", CPS_ATTACHED, VMCP_EBUSY,
			   "VM %s's console is the terminal of vmcp ipl (pid %d); vmcp send and force reach it",
			   v->name, (int)v->pid);
		return;
	}
	Client *old = client_by_id(cp, v->attached);
	if (old && old != c) {
		if (!json_get_bool(a, "force", false)) {
			send_error(&c->p, id, "Attached", CPS_ATTACHED, VMCP_EBUSY,
				   "VM %s's console is attached by pid %d; vmcp attach %s --force takes it over",
				   v->name, (int)old->p.pid, v->name);
			return;
		}
		JsonWriter w;
		event_begin(&w, "CONSOLE_DETACHED", v);
		jw_key(&w, "reason");
		char r[80];
		snprintf(r, sizeof(r), "taken over by pid %d", (int)c->p.pid);
		jw_str(&w, r);
		event_to(old, &w, false);
		old->attached_gen = 0;
	}
	if (c->attached_gen && c->attached_gen != v->gen)
		detach(cp, c);
	v->attached = c->id;
	c->attached_gen = v->gen;
	JsonWriter w;
	reply_ok_begin(&w);
	jw_obj(&w);
	jw_key(&w, "vm");
	jw_str(&w, v->name);
	jw_key(&w, "console");
	jw_str(&w, v->console);
	jw_key(&w, "state");
	jw_str(&w, state_name(v->state));
	jw_key(&w, "recent");
	jw_bytes(&w, v->recent, v->recent_len);
	jw_end_obj(&w);
	reply_end(&w, id);
	peer_send(&c->p, &w, false);
	if (!strcmp(v->console, "vga"))
		vm_request(v, "screen", "{\"on\":true}");
}

static void cmd_input(Cp *cp, Client *c, const char *id, const Json *a)
{
	CpVm *v = vm_by_gen(cp, c->attached_gen);
	const Json *d = json_get(a, "data");
	if (!v || !vm_live(v) || v->attached != c->id) {
		send_error(&c->p, id, "NotAttached", CPS_NOT_RUNNING, VMCP_ENOENT,
			   "input needs an attached console (attach first)");
		return;
	}
	u8 *bytes;
	size_t n;
	if (json_get_bytes(d, &bytes, &n)) {
		send_error(&c->p, id, "BadArguments", CPS_ARGS, VMCP_EINVAL,
			   "input needs data: a string of code points U+0000..U+00FF");
		return;
	}
	free(bytes);
	JsonWriter w;
	jw_init(&w);
	jw_obj(&w);
	jw_key(&w, "data");
	jw_value(&w, d);
	jw_end_obj(&w);
	char *args = jw_take(&w, NULL);
	if (args)
		vm_request(v, "input", args);
	free(args);
	ok_empty(&c->p, id);
}

static void cmd_spool(Cp *cp, Client *c, const char *id, const Json *a)
{
	const char *name = arg_name(c, id, a, "spool");
	if (!name)
		return;
	CpVm *v = vm_find(cp, name);
	bool follow = json_get_bool(a, "follow", false);
	if (follow && v && vm_live(v))
		c->follow_gen = v->gen;
	/* A live VM on a text screen: its screen now, from the VM (unless following: the
	 * rows reach the spool as they scroll off, and the last screen at the end). */
	if (!follow && v && vm_live(v) && !strcmp(v->console, "vga")) {
		long r = vm_request(v, "screen_text", NULL);
		if (r >= 0 && pend_add(cp, P_SPOOL, c, id, v, r, CP_SCREEN_MS))
			return;
	}
	spool_reply(cp, c, id, name, v, NULL, 0);
}

static void cmd_register(Cp *cp, Client *c, const char *id, const Json *a)
{
	const char *name = arg_name(c, id, a, "register");
	if (!name || !not_running(cp, c, id, name))
		return;
	CpVm *v = vm_new(cp, name);
	if (!v) {
		send_error(&c->p, id, "Busy", CPS_BUSY, VMCP_ENOSPC, "The CP holds %d VMs already", CP_MAX_VMS);
		return;
	}
	vm_register_info(v, a);
	v->pid = c->p.pid;
	v->child = false;
	ok_empty(&c->p, id);
	/* The connection becomes the VM's link. */
	v->link = c->p;
	c->p = (Peer){.fd = -1};
	c->used = false;
	cplog(cp, "VM %s registered (pid %d)", v->name, (int)v->pid);
}

static void client_line(Cp *cp, Client *c, const char *line, size_t n)
{
	char why[160];
	Json *j = json_parse(line, n, why, sizeof(why));
	if (!j) {
		send_error(&c->p, NULL, "ParseError", CPS_PROTO, VMCP_EINVAL, "Malformed request: %s", why);
		return;
	}
	char idtext[256] = "";
	const Json *jid = json_get(j, "id");
	const char *id = NULL;
	if (jid) {
		JsonWriter w;
		jw_init(&w);
		jw_value(&w, jid);
		size_t k;
		char *t = jw_take(&w, &k);
		if (t && k < sizeof(idtext)) {
			memcpy(idtext, t, k + 1);
			id = idtext;
		}
		free(t);
	}
	const char *cmd = j->type == JSON_OBJ ? json_get_str(j, "execute") : NULL;
	const Json *a = json_get(j, "arguments");
	if (!cmd) {
		send_error(&c->p, id, "BadRequest", CPS_PROTO, VMCP_EINVAL,
			   "A request is an object with \"execute\" (and \"arguments\", \"id\")");
	} else if (a && a->type != JSON_OBJ) {
		send_error(&c->p, id, "BadRequest", CPS_PROTO, VMCP_EINVAL, "\"arguments\" must be an object");
	} else if (!strcmp(cmd, "query-names")) {
		cmd_query_names(cp, c, id);
	} else if (!strcmp(cmd, "start")) {
		cmd_start(cp, c, id, a);
	} else if (!strcmp(cmd, "send")) {
		cmd_send(cp, c, id, a);
	} else if (!strcmp(cmd, "force")) {
		cmd_force(cp, c, id, a);
	} else if (!strcmp(cmd, "attach")) {
		cmd_attach(cp, c, id, a);
	} else if (!strcmp(cmd, "detach")) {
		detach(cp, c);
		ok_empty(&c->p, id);
	} else if (!strcmp(cmd, "input")) {
		cmd_input(cp, c, id, a);
	} else if (!strcmp(cmd, "spool")) {
		cmd_spool(cp, c, id, a);
	} else if (!strcmp(cmd, "subscribe")) {
		c->subscribe_all = json_get_bool(a, "all", true);
		ok_empty(&c->p, id);
	} else if (!strcmp(cmd, "register")) {
		cmd_register(cp, c, id, a);
	} else if (!strcmp(cmd, "quit")) {
		ok_empty(&c->p, id);
		cp->quitting = true;
	} else {
		send_error(&c->p, id, "CommandNotFound", CPS_UNKNOWN, VMCP_EINVAL,
			   "Unknown command %.60s (query-names, start, send, force, attach, detach, "
			   "input, spool, subscribe, quit)", cmd);
	}
	json_free(j);
}

/* ---- The loop ---- */

static void client_drop(Cp *cp, Client *c)
{
	detach(cp, c);
	if (c->p.fd >= 0)
		close(c->p.fd);
	linebuf_free(&c->p.in);
	outbuf_free(&c->p.out);
	for (int i = 0; i < CP_MAX_PENDING; i++)
		if (cp->pend[i].used && cp->pend[i].client == c->id)
			pend_free(&cp->pend[i]);
	*c = (Client){0};
	c->p.fd = -1;
}

static void accept_client(Cp *cp)
{
	int fd = accept4(cp->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	Peer p = {.fd = fd};
	if (cpsock_peer(fd, &p.uid, &p.pid) || p.uid != getuid()) {
		/* Another user: one error line, then the door closes. */
		send_error(&p, NULL, "PermissionDenied", CPS_PERM, VMCP_EINVAL,
			   "Connection refused: uid %u is not the CP's owner (uid %u)", (unsigned)p.uid,
			   (unsigned)getuid());
		outbuf_flush(&p.out, fd);
		outbuf_free(&p.out);
		close(fd);
		cplog(cp, "Refused a connection from uid %u", (unsigned)p.uid);
		return;
	}
	Client *c = NULL;
	for (int i = 0; i < CP_MAX_CLIENTS && !c; i++)
		if (!cp->clients[i].used)
			c = &cp->clients[i];
	if (!c) {
		send_error(&p, NULL, "Busy", CPS_BUSY, VMCP_ENOSPC, "The CP serves %d clients already",
			   CP_MAX_CLIENTS);
		outbuf_flush(&p.out, fd);
		outbuf_free(&p.out);
		close(fd);
		return;
	}
	*c = (Client){.used = true, .id = ++cp->next_client, .p = p};
	JsonWriter w;
	jw_init(&w);
	jw_obj(&w);
	jw_key(&w, "vmcp");
	jw_obj(&w);
	jw_key(&w, "version");
	jw_int(&w, 1);
	jw_key(&w, "pid");
	jw_int(&w, getpid());
	jw_key(&w, "dasd");
	jw_str(&w, cp->dasd);
	jw_key(&w, "commands");
	jw_arr(&w);
	static const char *const cmds[] = {"query-names", "start", "send", "force", "attach",
					   "detach", "input", "spool", "subscribe", "register", "quit"};
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		jw_str(&w, cmds[i]);
	jw_end_arr(&w);
	jw_end_obj(&w);
	jw_end_obj(&w);
	peer_send(&c->p, &w, false);
}

/* Reads a peer; calls fn for each line. Returns false when the peer is gone. */
static bool read_peer(Cp *cp, Peer *p, void (*fn)(Cp *, void *, const char *, size_t), void *ctx,
		      bool report_oversize)
{
	/* A bounded amount per turn, so that one chatty VM cannot hold up the others. */
	for (int turn = 0; turn < 4; turn++) {
		ssize_t r = linebuf_fill(&p->in, p->fd);
		if (r == -1)
			break;
		if (r < -1)
			return false;
		for (;;) {
			size_t n;
			bool over;
			char *line = linebuf_next(&p->in, &n, &over);
			if (over && report_oversize)
				send_error(p, NULL, "TooLong", CPS_TOO_LONG, VMCP_EINVAL,
					   "Request line longer than %u bytes refused", CPSOCK_LINE_MAX);
			if (!line)
				break;
			fn(cp, ctx, line, n);
			free(line);
			if (p->fd < 0)
				return true;
		}
		if (r == 0)
			return false;
	}
	return true;
}

static void client_line_cb(Cp *cp, void *ctx, const char *line, size_t n)
{
	client_line(cp, ctx, line, n);
}

static void vm_line_cb(Cp *cp, void *ctx, const char *line, size_t n)
{
	vm_line(cp, ctx, line, n);
}

static void reap(Cp *cp)
{
	int st;
	pid_t pid;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (int i = 0; i < CP_MAX_VMS; i++) {
			CpVm *v = &cp->vms[i];
			if (!v->used || !v->child || v->pid != pid || v->reaped)
				continue;
			v->reaped = true;
			v->wstatus = st;
			/* Whatever it still had to say. */
			if (v->link.fd >= 0)
				read_peer(cp, &v->link, vm_line_cb, v, false);
			if (v->link.fd >= 0) {
				close(v->link.fd);
				v->link.fd = -1;
			}
			vm_finish(cp, v);
		}
	}
}

static void timers(Cp *cp)
{
	u64 now = cpsock_now_ms();
	for (int i = 0; i < CP_MAX_PENDING; i++) {
		Pending *p = &cp->pend[i];
		if (!p->used || now < p->deadline_ms)
			continue;
		Client *c = client_by_id(cp, p->client);
		CpVm *v = vm_by_gen(cp, p->vm_gen);
		if (c) {
			if (p->kind == P_SPOOL && v)
				spool_reply(cp, c, p->req_id, v->name, v, NULL, 0); /* the files alone */
			else if (p->kind == P_SEND || p->kind == P_SPOOL)
				send_error(&c->p, p->req_id, "Timeout", CPS_TIMEOUT, VMCP_ETIMEOUT,
					   "VM %s did not answer in time", v ? v->name : "?");
			else if (p->kind == P_START)
				send_error(&c->p, p->req_id, "Timeout", CPS_TIMEOUT, VMCP_ETIMEOUT,
					   "VM %s did not start within %d s", v ? v->name : "?",
					   CP_START_MS / 1000);
			else
				send_error(&c->p, p->req_id, "Timeout", CPS_TIMEOUT, VMCP_ETIMEOUT,
					   "VM %s did not end in time", v ? v->name : "?");
		}
		if (p->kind == P_START && v && vm_live(v) && v->pid)
			kill(v->pid, SIGKILL);
		pend_free(p);
	}
	for (int i = 0; i < CP_MAX_VMS; i++) {
		CpVm *v = &cp->vms[i];
		if (!vm_live(v))
			continue;
		if (v->powerdown_until_ms && now >= v->powerdown_until_ms) {
			/* The guest did not power off: end it. */
			v->powerdown_until_ms = 0;
			vm_request(v, "end", NULL);
			v->kill_at_ms = now + CP_END_MS;
		}
		if (v->kill_at_ms && now >= v->kill_at_ms && v->pid > 0) {
			cplog(cp, "VM %s (pid %d) did not end: killed", v->name, (int)v->pid);
			kill(v->pid, SIGKILL);
			v->kill_at_ms = 0;
			v->killed = true;
			if (!v->child)
				link_down(cp, v); /* not ours to reap: it is gone with its link */
		}
	}
}

static bool any_live(Cp *cp)
{
	for (int i = 0; i < CP_MAX_VMS; i++)
		if (vm_live(&cp->vms[i]))
			return true;
	return false;
}

static bool any_client(Cp *cp)
{
	for (int i = 0; i < CP_MAX_CLIENTS; i++)
		if (cp->clients[i].used)
			return true;
	return false;
}

static void quit_all(Cp *cp)
{
	for (int i = 0; i < CP_MAX_VMS; i++) {
		CpVm *v = &cp->vms[i];
		if (vm_live(v) && !v->kill_at_ms) {
			vm_request(v, "end", NULL);
			v->kill_at_ms = cpsock_now_ms() + CP_END_MS;
		}
	}
}

static int setup(Cp *cp, char *why, size_t whylen)
{
	char lockp[PATH_MAX];
	snprintf(lockp, sizeof(lockp), "%s/lock", cp->dir);
	cp->lockfd = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (cp->lockfd < 0) {
		snprintf(why, whylen, "%.200s: %s", lockp, strerror(errno));
		return VMCP_EIO;
	}
	if (flock(cp->lockfd, LOCK_EX | LOCK_NB) != 0) {
		char pid[32] = "";
		ssize_t n = pread(cp->lockfd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = 0;
		pid[strcspn(pid, "\n")] = 0;
		snprintf(why, whylen, "a CP already runs for this real disk (pid %s)", pid);
		return VMCP_EBUSY;
	}
	char pid[32];
	int k = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(cp->lockfd, 0) != 0 || pwrite(cp->lockfd, pid, (size_t)k, 0) != k) {
		snprintf(why, whylen, "%.200s: %s", lockp, strerror(errno));
		return VMCP_EIO;
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%.100s/sock", cp->dir) >= (int)sizeof(sa.sun_path))
		return snprintf(why, whylen, "run directory path too long"), VMCP_EINVAL;
	unlink(sa.sun_path); /* a dead CP's socket: we hold the lock now */
	cp->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	mode_t old = umask(077);
	int b = cp->lfd >= 0 ? bind(cp->lfd, (struct sockaddr *)&sa, sizeof(sa)) : -1;
	umask(old);
	if (b != 0 || chmod(sa.sun_path, 0600) != 0 || listen(cp->lfd, 64) != 0) {
		snprintf(why, whylen, "%.200s: %s", sa.sun_path, strerror(errno));
		return VMCP_EIO;
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	cp->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (cp->sfd < 0) {
		snprintf(why, whylen, "signalfd: %s", strerror(errno));
		return VMCP_EIO;
	}
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* True when the real disk this CP serves is gone or replaced (its files go too). */
static bool dasd_gone(Cp *cp)
{
	char dir[CPSOCK_PATH_MAX], why[200];
	return cpsock_rundir(cp->dasd, dir, sizeof(dir), false, why, sizeof(why)) != 0 ||
	       strcmp(dir, cp->dir) != 0;
}

static void loop(Cp *cp)
{
	cp->idle_since_ms = cpsock_now_ms();
	for (;;) {
		struct pollfd pfd[2 + CP_MAX_CLIENTS + CP_MAX_VMS];
		void *who[2 + CP_MAX_CLIENTS + CP_MAX_VMS];
		int kind[2 + CP_MAX_CLIENTS + CP_MAX_VMS];
		int n = 0;
		pfd[n] = (struct pollfd){cp->lfd, POLLIN, 0};
		kind[n++] = 0;
		pfd[n] = (struct pollfd){cp->sfd, POLLIN, 0};
		kind[n++] = 1;
		for (int i = 0; i < CP_MAX_CLIENTS; i++) {
			Client *c = &cp->clients[i];
			if (!c->used)
				continue;
			pfd[n] = (struct pollfd){c->p.fd, (short)(POLLIN | (outbuf_pending(&c->p.out) ? POLLOUT : 0)), 0};
			who[n] = c;
			kind[n++] = 2;
		}
		for (int i = 0; i < CP_MAX_VMS; i++) {
			CpVm *v = &cp->vms[i];
			if (!v->used || v->link.fd < 0)
				continue;
			pfd[n] = (struct pollfd){v->link.fd, (short)(POLLIN | (outbuf_pending(&v->link.out) ? POLLOUT : 0)), 0};
			who[n] = v;
			kind[n++] = 3;
		}
		int r = poll(pfd, (nfds_t)n, 200);
		if (r < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n && r > 0; i++) {
			if (!pfd[i].revents)
				continue;
			if (kind[i] == 0) {
				accept_client(cp);
			} else if (kind[i] == 1) {
				struct signalfd_siginfo si;
				while (read(cp->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
					if (si.ssi_signo == SIGCHLD)
						reap(cp);
					else {
						cplog(cp, "Signal %u: ending every VM", si.ssi_signo);
						cp->quitting = true;
					}
				}
			} else if (kind[i] == 2) {
				Client *c = who[i];
				if (!c->used)
					continue;
				if ((pfd[i].revents & POLLOUT) && outbuf_flush(&c->p.out, c->p.fd)) {
					client_drop(cp, c);
					continue;
				}
				if ((pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
				    !read_peer(cp, &c->p, client_line_cb, c, true) && c->used)
					client_drop(cp, c);
			} else {
				CpVm *v = who[i];
				if (!v->used || v->link.fd < 0)
					continue;
				if ((pfd[i].revents & POLLOUT) && outbuf_flush(&v->link.out, v->link.fd)) {
					link_down(cp, v);
					continue;
				}
				if ((pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
				    !read_peer(cp, &v->link, vm_line_cb, v, false))
					link_down(cp, v);
			}
		}
		reap(cp);
		timers(cp);
		if (cp->quitting) {
			quit_all(cp);
			if (!any_live(cp))
				break;
		}
		/* Write what the turn produced. */
		for (int i = 0; i < CP_MAX_CLIENTS; i++) {
			Client *c = &cp->clients[i];
			if (c->used && outbuf_pending(&c->p.out) && outbuf_flush(&c->p.out, c->p.fd))
				client_drop(cp, c);
		}
		for (int i = 0; i < CP_MAX_VMS; i++) {
			CpVm *v = &cp->vms[i];
			if (v->used && v->link.fd >= 0 && outbuf_pending(&v->link.out) &&
			    outbuf_flush(&v->link.out, v->link.fd))
				link_down(cp, v);
		}
		u64 now = cpsock_now_ms();
		if (any_live(cp) || any_client(cp))
			cp->idle_since_ms = now;
		else if (cp->daemon && now - cp->idle_since_ms >= CP_LINGER_MS)
			break;
		if (cp->daemon && !any_live(cp) && dasd_gone(cp))
			break;
	}
}

/* The real disk is gone: so are its spools, logs and this directory. */
static void remove_rundir(Cp *cp)
{
	for (int i = 0; i < CP_MAX_VMS; i++) {
		if (!cp->vms[i].used)
			continue;
		char path[PATH_MAX];
		for (int half = 0; half < 2; half++) {
			spool_path(cp, cp->vms[i].name, half, path, sizeof(path));
			unlink(path);
		}
		snprintf(path, sizeof(path), "%s/%s.log", cp->dir, cp->vms[i].name);
		unlink(path);
	}
	static const char *const files[] = {"lock", "cp.log"};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s", cp->dir, files[i]);
		unlink(path);
	}
	rmdir(cp->dir); /* fails, harmlessly, if files of VMs it never held are left */
}

int cp_cmd_cp(CpCtx *ctx, int argc, char **argv)
{
	bool daemon = false;
	const CpOpt opts[] = {{"daemon", NULL, &daemon}, {NULL, NULL, NULL}};
	char *pos[1];
	int npos, rc;
	if ((rc = cp_args("cp", argc, argv, opts, pos, 0, &npos)))
		return rc;
	Cp *cp = calloc(1, sizeof(*cp));
	if (!cp)
		return msg(VDM_NOMEM, 'E', "Out of memory"), VMCP_ENOMEM;
	cp->daemon = daemon;
	cp->lfd = cp->sfd = cp->lockfd = -1;
	for (int i = 0; i < CP_MAX_CLIENTS; i++)
		cp->clients[i].p.fd = -1;
	for (int i = 0; i < CP_MAX_VMS; i++)
		cp->vms[i].link.fd = cp->vms[i].spool_fd = -1;
	char why[300];
	if (!realpath(ctx->dasd, cp->dasd)) {
		msg(CPS_RUNDIR, 'E', "Cannot use real disk %s: %s", ctx->dasd, strerror(errno));
		free(cp);
		return errno == ENOENT ? VMCP_ENOENT : VMCP_EIO;
	}
	rc = cpsock_rundir(cp->dasd, cp->dir, sizeof(cp->dir), true, why, sizeof(why));
	if (!rc)
		rc = setup(cp, why, sizeof(why));
	if (rc) {
		if (!(daemon && rc == VMCP_EBUSY))
			msg(rc == VMCP_EBUSY ? CPS_RUNNING : CPS_RUNDIR, 'E', "Cannot run the CP: %s", why);
		else
			rc = 0; /* another CP won the race to start: nothing to do */
	} else {
		cplog(cp, "CP of %s running (pid %d)%s", cp->dasd, (int)getpid(),
		      daemon ? "" : "; Ctrl-C or SIGTERM ends it and its VMs");
		loop(cp);
		cplog(cp, "CP of %s ends", cp->dasd);
		char sock[PATH_MAX];
		snprintf(sock, sizeof(sock), "%s/sock", cp->dir);
		unlink(sock);
		if (dasd_gone(cp))
			remove_rundir(cp);
	}
	for (int i = 0; i < CP_MAX_CLIENTS; i++)
		if (cp->clients[i].used)
			client_drop(cp, &cp->clients[i]);
	for (int i = 0; i < CP_MAX_VMS; i++) {
		spool_close(&cp->vms[i]);
		if (cp->vms[i].link.fd >= 0)
			close(cp->vms[i].link.fd);
		linebuf_free(&cp->vms[i].link.in);
		outbuf_free(&cp->vms[i].link.out);
	}
	for (int i = 0; i < CP_MAX_PENDING; i++)
		if (cp->pend[i].used)
			pend_free(&cp->pend[i]);
	if (cp->lfd >= 0)
		close(cp->lfd);
	if (cp->sfd >= 0)
		close(cp->sfd);
	if (cp->lockfd >= 0)
		close(cp->lockfd);
	free(cp);
	return rc;
}
