/* session.c: a running VM in its host process (session.h): open, run, close. The run
 * loop is the paper's figure 2 seen from the host: the CPU runs the guest in slices of
 * virtual time until something needs the CP (a trapped port, a halt, the console's
 * escape key, a CP request), and between slices the host side of each device is served:
 * console input paced as a keyboard or a serial line delivers it, output to the
 * terminal, the files and the CP, the script, --until and --timeout. */
#include "cp/session.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "cp/debug.h"
#include "cp/keys.h"
#include "cp/screen.h"

#define SLICE_NS 10000000ull   /* virtual time between looks at the host side */
#define KEY_GAP_NS 10000000ull /* a typist's keys at most every 10 ms (100 a second) */
#define DRAW_MS 40             /* the VGA console redraws at most 25 times a second */

/* The host signal that asks this process to end (SIGTERM, SIGINT, SIGHUP); the run
 * ends cleanly (VDs flushed, the CP told), then the process dies of it. */
static volatile sig_atomic_t end_signal;

static void on_signal(int sig)
{
	end_signal = sig;
}

static u64 wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * NS_PER_SEC + (u64)ts.tv_nsec;
}

const char *vm_state_name(VmState st)
{
	switch (st) {
	case VMS_RUNNING: return "running";
	case VMS_STOPPED: return "stopped";
	case VMS_HALTED: return "halted";
	case VMS_ENDED: return "ended";
	}
	return "?";
}

int watch_start(TextWatch *w, const char *text)
{
	watch_stop(w);
	w->len = strlen(text);
	w->text = strdup(text);
	w->win = malloc(2 * w->len + 1);
	if (!w->text || !w->win) {
		watch_stop(w);
		return VMCP_ENOMEM;
	}
	return 0;
}

void watch_stop(TextWatch *w)
{
	free(w->text);
	free(w->win);
	*w = (TextWatch){0};
}

/* Keeps the last 2 * len bytes and compares their end with the text. */
bool watch_serial(TextWatch *w, u8 b)
{
	if (!w->text || w->found || !w->len)
		return false;
	if (w->wlen == 2 * w->len) {
		memmove(w->win, w->win + w->len, w->len);
		w->wlen = w->len;
	}
	w->win[w->wlen++] = (char)b;
	if (w->wlen >= w->len && !memcmp(w->win + w->wlen - w->len, w->text, w->len))
		w->found = true;
	return w->found;
}

void session_msg(VmSession *s, int num, char sev, const char *fmt, ...)
{
	char text[1024];
	int k = snprintf(text, sizeof(text), "VMCP%03d%c ", num, sev);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text + k, sizeof(text) - (size_t)k, fmt, ap);
	va_end(ap);
	bool err = sev != 'I';
	if (s->term.open)
		term_message(&s->term, text, err);
	else {
		FILE *f = err ? stderr : stdout;
		fputs(text, f);
		fputc('\n', f);
		fflush(f);
	}
	link_message(s, text);
}

static void host_serial(void *ctx, int com, u8 b)
{
	VmSession *s = ctx;
	if (com != 0)
		return;
	if (s->serial_f)
		fputc(b, s->serial_f);
	if (s->term.open && !s->console_vga)
		term_serial(&s->term, &b, 1);
	link_console(s, &b, 1);
	if (watch_serial(&s->until, b))
		machine_request_stop(s->m);
	watch_serial(&s->wait, b);
}

static void host_debug(void *ctx, u16 port, u8 b)
{
	VmSession *s = ctx;
	if (port == 0x80 && s->post_f)
		fprintf(s->post_f, "%02x\n", b);
	else if (port == 0xE9 && s->debugcon_f)
		fputc(b, s->debugcon_f);
	else if (port == 0x402 && s->bioslog_f)
		fputc(b, s->bioslog_f);
}

bool session_screen_has(VmSession *s, const char *text)
{
	VgaText t;
	machine_screen(s->m, &t);
	screen_text(&t, s->text, sizeof(s->text), 0);
	if (strstr(s->text, text))
		return true;
	/* A text that ends in blanks ("# "): the rows untrimmed. */
	screen_text(&t, s->text, sizeof(s->text), SCREEN_UNTRIMMED);
	return strstr(s->text, text) != NULL;
}

/* Writes the screen file: beside it first, renamed over it when complete. */
static int write_screen(VmSession *s)
{
	VgaText t;
	machine_screen(s->m, &t);
	size_t n = screen_text(&t, NULL, 0, 0);
	char *buf = malloc(n + 1);
	if (!buf)
		return msg(VDM_NOMEM, 'E', "Out of memory writing the screen"), VMCP_ENOMEM;
	screen_text(&t, buf, n + 1, 0);
	Outfile o;
	VdErr e;
	int r = outfile_open(&o, s->cp->dasd, s->o.screen, OUTFILE_REPLACE, OUTFILE_MODE, VMM_FILE, "screen file", &e);
	if (!r) {
		size_t done = 0;
		while (done < n) {
			ssize_t k = write(o.fd, buf + done, n - done);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				break;
			done += (size_t)k;
		}
		if (done < n) {
			r = vderr(&e, VMCP_EIO, VMM_FILE, "Cannot write the screen to %s: %s", s->o.screen,
				  strerror(errno));
			outfile_abort(&o);
		} else {
			r = outfile_commit(&o, n, &e);
		}
	}
	free(buf);
	if (r)
		msg(e.num, 'E', "%s", e.text);
	return r;
}

/* Reports VD host failures (I/O error, full disk) that happened since the last look. The
 * guest has seen a disk error; the run goes on, and ends with a failure status. */
static void report_host_errors(VmSession *s)
{
	u64 total = 0;
	for (u32 i = 0; i < s->vm.nvd; i++)
		total += s->vm.vddata[i].host_errors;
	if (total == s->host_errors)
		return;
	for (u32 i = 0; i < s->vm.nvd; i++) {
		const VdDisk *vd = &s->vm.vddata[i];
		if (!vd->host_errors)
			continue;
		session_msg(s, VMM_HOST_IO, 'E', "Host failure on VD %s of VM %s: %s (%llu so far); the "
			    "guest sees a disk error", vd->dev, s->vm.name, vmcp_strerror(vd->last_host_error),
			    (unsigned long long)vd->host_errors);
		if (!s->host_rc)
			s->host_rc = vd->last_host_error;
	}
	s->host_errors = total;
	link_flush(s, true);
}

/* A VM the CP starts and that cannot start tells the CP why, over its link: the start
 * request's answer is that message (as ipl would print it). */
static void tell_cp(VmSession *s, const VdErr *e)
{
	if (s->o.link_fd < 0 || s->link.fd >= 0)
		return;
	char text[sizeof(e->text) + 16];
	snprintf(text, sizeof(text), "VMCP%03dE %s", e->num, e->text);
	if (!link_open(s))
		link_message(s, text);
}

/* Opens output file number i (SESS_OUT_*) of the session, checked (no disk VMCP holds)
 * but not truncated before the VM runs (start_outs). */
static FILE *open_out(VmSession *s, int i, const char *path, const char *what, int *rc)
{
	if (!path || *rc)
		return NULL;
	Outfile *o = &s->outs[i];
	VdErr e;
	int r = outfile_open(o, s->cp->dasd, path, OUTFILE_STREAM, OUTFILE_MODE, VMM_FILE, what, &e);
	if (r) {
		msg(e.num, 'E', "%s", e.text);
		tell_cp(s, &e);
		*rc = r;
		return NULL;
	}
	FILE *f = o->is_stdout ? stdout : fdopen(o->fd, "w");
	if (!f) {
		msg(VMM_FILE, 'E', "Cannot open %s: %s", path, strerror(errno));
		outfile_abort(o);
		*rc = VMCP_ENOMEM;
		return NULL;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

/* The VM runs: the output files start empty now. */
static int start_outs(VmSession *s)
{
	s->outs_started = true;
	for (int i = 0; i < SESS_OUT_COUNT; i++) {
		VdErr e;
		if (s->outs[i].fd >= 0 && outfile_start(&s->outs[i], &e)) {
			msg(e.num, 'E', "%s", e.text);
			return e.code;
		}
	}
	return 0;
}

/* Closes an output file (flushes standard output); a write that failed on the way (a
 * full disk) is reported and makes *rc VMCP_EIO if the run had succeeded. A file of a
 * run that never started is left as it was (removed if this run created it). */
static void close_out(VmSession *s, int i, FILE *f, const char *what, const char *path, int *rc)
{
	if (!f)
		return;
	Outfile *o = i >= 0 ? &s->outs[i] : NULL;
	bool ok = !ferror(f);
	if (f == stdout)
		ok = fflush(f) == 0 && ok;
	else
		ok = fclose(f) == 0 && ok;
	if (o && o->fd >= 0 && f != stdout)
		o->fd = -1; /* closed with f */
	if (o && !s->outs_started) {
		outfile_abort(o);
		return;
	}
	if (!ok) {
		msg(VMM_FILE, 'E', "Cannot write %s file %s: %s", what, path, strerror(errno));
		if (!*rc)
			*rc = VMCP_EIO;
	}
}

static void end_run(VmSession *s, int stop_msg)
{
	if (s->end)
		return;
	s->end = true;
	s->stop_msg = stop_msg;
}

void session_stop(VmSession *s)
{
	if (s->end)
		return;
	if (s->state == VMS_RUNNING)
		s->state = VMS_STOPPED;
	if (s->term.open)
		term_prompt_begin(&s->term);
	session_msg(s, VMM_CP_READ, 'I', "CP READ (VM %s %s; begin resumes)", s->vm.name,
		    s->state == VMS_HALTED ? "halted" : "stopped");
	link_state(s, NULL);
	link_flush(s, true);
	/* gdb, if it waits for the VM, learns it stopped */
	gdb_stopped(s, 0, 0);
	/* A console whose input has ended can never say begin (but gdb can). */
	if (s->interactive && s->stdin_eof && !s->cpinlen && !s->dbg->gdb)
		end_run(s, VMM_STOPPED);
}

void session_begin(VmSession *s)
{
	if (s->end || s->state == VMS_RUNNING)
		return;
	if (s->shutdown_held) {
		/* The chipset answers a shutdown cycle with a reset: what the VM would have
		 * done had the CP not held it. */
		machine_reset(s->m);
		s->shutdown_held = false;
	}
	s->state = VMS_RUNNING;
	if (s->term.open)
		term_prompt_end(&s->term);
	/* Pacing starts again from now: time at the prompt is not owed to the guest. */
	s->wall0_ns = wall_ns();
	s->virt0_ns = machine_now(s->m);
	s->next_draw_ms = 0;
	link_state(s, NULL);
	link_flush(s, true);
}

/* Stops for the CP after an event the CP holds (a halt, a triple fault, a trap): with a
 * console or in the CP (o.hold), at CP READ; else the run goes on or ends, as it always
 * did for scripts and tests. */
static void hold(VmSession *s, VmState st)
{
	if (st == VMS_HALTED)
		s->state = VMS_HALTED;
	session_stop(s);
}

void session_type(VmSession *s, const u8 *p, size_t n)
{
	size_t k = MIN(n, sizeof(s->in) - s->inlen);
	memcpy(s->in + s->inlen, p, k);
	s->inlen += k;
}

/* Hands typed input to the console device at a typist's or a serial line's pace: the
 * next key only when the guest has read the last one and 10 ms have passed (so a DOS
 * prompt takes every key of a long command, as from a person), serial bytes no faster
 * than the line's speed and only into a receiver with room. */
static void feed_input(VmSession *s)
{
	if (!s->inlen || s->state != VMS_RUNNING)
		return;
	u64 now = machine_now(s->m);
	size_t took = 0;
	if (s->console_vga) {
		while (took < s->inlen && now >= s->next_key_ns && !machine_keys_pending(s->m)) {
			KbcKey key, mod;
			size_t n = keys_from_terminal(s->in + took, s->inlen - took, &key, &mod);
			if (!n)
				break; /* the start of a key sequence: wait for the rest */
			if (key != KBC_KEY_NONE) {
				if (!machine_key(s->m, mod, key))
					break;
				s->next_key_ns = now + KEY_GAP_NS;
			}
			took += n;
		}
	} else {
		u64 cns = machine_serial_char_ns(s->m, 0);
		u64 allow = cns ? (now - MIN(now, s->next_key_ns)) / cns + 1 : s->inlen;
		int n = machine_serial_in(s->m, 0, s->in, (int)MIN(s->inlen, MIN(allow, 4096)));
		if (n > 0) {
			took = (size_t)n;
			s->next_key_ns = now;
		}
	}
	memmove(s->in, s->in + took, s->inlen - took);
	s->inlen -= took;
}

/* Runs a command typed at this terminal's CP prompt. */
static void local_command(VmSession *s, const char *line)
{
	int r = vmcmd_exec(s, line, stdout, NULL);
	fflush(stdout);
	if (r == VMCMD_BEGIN)
		session_begin(s);
	else if (r == VMCMD_END)
		end_run(s, VMM_STOPPED);
	else if (!s->end && s->state != VMS_RUNNING && s->term.prompt)
		session_msg(s, VMM_CP_READ, 'I', "CP READ (VM %s %s; begin resumes)", s->vm.name,
			    s->state == VMS_HALTED ? "halted" : "stopped");
}

/* Bytes from this terminal: for the guest, or for the CP prompt after the escape key.
 * From a pipe (a script of keys and commands), what follows a begin in the same read
 * stays for the next CP READ, as a person would type it there. */
static void terminal_input(VmSession *s, const u8 *p, size_t n)
{
	bool after_prompt = false;
	for (size_t i = 0; i < n && !s->end; i++) {
		if (s->state == VMS_RUNNING && after_prompt && !s->term.tty) {
			size_t k = MIN(n - i, sizeof(s->cpin) - s->cpinlen);
			memcpy(s->cpin + s->cpinlen, p + i, k);
			s->cpinlen += k;
			return;
		}
		if (s->state != VMS_RUNNING)
			after_prompt = true;
		if (s->state == VMS_RUNNING) {
			if (p[i] == TERM_ESCAPE) {
				session_stop(s);
				continue;
			}
			session_type(s, p + i, 1);
			continue;
		}
		if (!s->term.prompt) {
			/* Stopped by the CP with no prompt shown yet. */
			term_prompt_begin(&s->term);
		}
		int r = term_prompt_byte(&s->term, p[i]);
		if (r == TERM_RESUME)
			session_begin(s);
		else if (r == TERM_LINE)
			local_command(s, s->term.line);
	}
}

static void read_terminal(VmSession *s)
{
	if (s->state != VMS_RUNNING && s->cpinlen) {
		u8 held[sizeof(s->cpin)];
		size_t n = s->cpinlen;
		memcpy(held, s->cpin, n);
		s->cpinlen = 0;
		terminal_input(s, held, n);
		return;
	}
	u8 buf[1024];
	size_t room = s->state == VMS_RUNNING ? sizeof(s->in) - s->inlen : sizeof(buf);
	if (!room)
		return;
	ssize_t n = read(STDIN_FILENO, buf, MIN(room, sizeof(buf)));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		s->stdin_eof = true;
		/* End of input at the CP prompt: nothing here will ever say begin. */
		if (s->state != VMS_RUNNING)
			end_run(s, VMM_STOPPED);
		return;
	}
	terminal_input(s, buf, (size_t)n);
}

/* How long the loop may wait for host input now (ms; -1 for ever). */
static int wait_ms(VmSession *s)
{
	if (s->state != VMS_RUNNING)
		return s->link.fd >= 0 ? 1000 : -1;
	if (!s->paced)
		return 0;
	u64 virt = machine_now(s->m) - s->virt0_ns, real = wall_ns() - s->wall0_ns;
	if (virt <= real)
		return 0;
	u64 ms = (virt - real) / 1000000;
	return (int)MIN(ms, 50);
}

/* Waits up to ms for the terminal and the CP, and serves them. */
static void serve_host(VmSession *s, int ms)
{
	struct pollfd pfd[4];
	int n = 0, ti = -1, li = -1, gi = -1;
	if (s->interactive && s->state != VMS_RUNNING && s->cpinlen) {
		read_terminal(s);
		return;
	}
	if (s->interactive && !s->stdin_eof &&
	    (s->state != VMS_RUNNING || s->inlen < sizeof(s->in))) {
		ti = n;
		pfd[n++] = (struct pollfd){STDIN_FILENO, POLLIN, 0};
	}
	if (s->link.fd >= 0) {
		li = n;
		pfd[n++] = (struct pollfd){s->link.fd, (short)(POLLIN | (outbuf_pending(&s->link.out) ? POLLOUT : 0)), 0};
	}
	int gfd;
	short gev;
	if (gdb_pollfds(s, &gfd, &gev)) {
		gi = n;
		pfd[n++] = (struct pollfd){gfd, gev, 0};
	}
	if (!n) {
		if (ms > 0) {
			struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
			nanosleep(&ts, NULL);
		}
		return;
	}
	int r = poll(pfd, (nfds_t)n, ms);
	if (r <= 0)
		return;
	if (ti >= 0 && (pfd[ti].revents & (POLLIN | POLLHUP | POLLERR)))
		read_terminal(s);
	if (li >= 0 && pfd[li].revents)
		link_poll(s);
	if (gi >= 0 && pfd[gi].revents && !s->end)
		gdb_serve(s);
}

/* After a slice: what the machine said, and the host side of the devices. */
static void after_slice(VmSession *s, MachineStop st, const CpuExit *ex)
{
	report_host_errors(s);
	if (st == MACH_STOP_POWEROFF) {
		end_run(s, VMM_POWEROFF);
		return;
	}
	if (s->script) {
		/* Before the other stop checks: a script may act on the guest's last words. */
		script_step(s);
		if (s->script_done && !s->inlen && !s->end)
			end_run(s, VMM_SCRIPT_DONE);
	}
	switch (st) {
	case MACH_STOP_DEAD:
		if (!s->o.hold) {
			end_run(s, VMM_DEAD);
			return;
		}
		session_msg(s, VMM_DEAD, 'I', "VM %s halted with interrupts disabled", s->vm.name);
		hold(s, VMS_HALTED);
		break;
	case MACH_STOP_SHUTDOWN: {
		CpuState cs;
		machine_get_regs(s->m, &cs);
		session_msg(s, VMM_SHUTDOWN, 'W', "VM %s: triple fault (CPU shutdown) at %04x:%08x; "
			    "begin resets the machine", s->vm.name, cs.seg[SEG_CS].sel, cs.eip);
		s->shutdown_held = true;
		hold(s, VMS_HALTED);
		break;
	}
	default:
		break;
	}
	feed_input(s);
	if (s->until.text && (s->until.found || session_screen_has(s, s->until.text))) {
		s->until.found = true;
		end_run(s, VMM_UNTIL_FOUND);
		return;
	}
	u64 wall = wall_ns();
	if (s->deadline_ns && wall >= s->deadline_ns) {
		end_run(s, VMM_TIMEOUT);
		return;
	}
	if (s->term.open && s->console_vga && !s->term.prompt && wall / 1000000 >= s->next_draw_ms) {
		VgaText t;
		machine_screen(s->m, &t);
		term_screen(&s->term, &t, false);
		s->next_draw_ms = wall / 1000000 + DRAW_MS;
	}
}

void session_run(VmSession *s)
{
	s->wall0_ns = wall_ns();
	s->virt0_ns = machine_now(s->m);
	while (!s->end) {
		if (end_signal) {
			end_run(s, VMM_SIGNAL);
			break;
		}
		/* Host input first, so an escape typed before the guest runs stops it at the
		 * reset vector. */
		serve_host(s, s->state == VMS_RUNNING ? 0 : wait_ms(s));
		if (s->end)
			break;
		if (s->state != VMS_RUNNING) {
			/* at CP READ a script goes on, as a person at the prompt would */
			if (s->script && !s->script_done && !s->end) {
				script_step(s);
				if (s->script_done && !s->end)
					end_run(s, VMM_SCRIPT_DONE);
			}
			link_flush(s, false);
			continue;
		}
		CpuExit ex = {0};
		u64 until = machine_now(s->m) + SLICE_NS;
		MachineStop st;
		for (;;) {
			st = machine_run(s->m, until, &ex);
			if (st != MACH_STOP_BREAKPOINT && st != MACH_STOP_DEBUG && st != MACH_STOP_IO_TRAP)
				break;
			/* the CP's: breakpoints, traps, trace points (break.c); a trace that
			 * only logs goes on within the slice */
			if (dbg_exit(s, st, &ex)) {
				hold(s, VMS_STOPPED);
				break;
			}
			if (s->end || s->state != VMS_RUNNING)
				break;
		}
		if (s->dbg->stop) {
			/* a norun trace of a port or a VD access (dtrace.c) */
			s->dbg->stop = false;
			if (dbg_can_hold(s) && s->state == VMS_RUNNING)
				hold(s, VMS_STOPPED);
		}
		after_slice(s, st, &ex);
		if (s->serial_f)
			fflush(s->serial_f); /* a file someone may be following */
		link_flush(s, false);
		if (!s->end && s->state == VMS_RUNNING) {
			int ms = wait_ms(s);
			if (ms > 0)
				serve_host(s, ms);
		}
	}
	s->state = VMS_ENDED;
}

int session_open(VmSession *s, CpCtx *cp, const SessionOpts *o)
{
	memset(s, 0, sizeof(*s));
	s->o = *o;
	s->cp = cp;
	s->link.fd = -1;
	s->state = VMS_RUNNING;
	for (int i = 0; i < SESS_OUT_COUNT; i++)
		s->outs[i].fd = -1;
	int rc = 0;
	s->dbg = dbg_new();
	if (!s->dbg) {
		msg(VDM_NOMEM, 'E', "Out of memory");
		rc = VMCP_ENOMEM;
		goto fail;
	}
	if (o->until && watch_start(&s->until, o->until)) {
		msg(VDM_NOMEM, 'E', "Out of memory");
		rc = VMCP_ENOMEM;
		goto fail;
	}
	if (o->trace && !dbg_trace_option(s, o->trace)) {
		msg(VMM_BAD_ARG, 'E', "--trace takes a list of io, vd and cpu, not %s", o->trace);
		rc = VMCP_EINVAL;
		goto fail;
	}
	if (o->script && (rc = script_load(s, o->script)))
		goto fail;
	/* The output files: checked now, so that a bad one ends the IPL before anything
	 * is built, truncated only once the VM runs. */
	s->serial_f = open_out(s, SESS_OUT_SERIAL, o->serial, "serial file", &rc);
	s->debugcon_f = open_out(s, SESS_OUT_DEBUGCON, o->debugcon, "debug console file", &rc);
	s->bioslog_f = open_out(s, SESS_OUT_BIOSLOG, o->bioslog, "BIOS log file", &rc);
	s->post_f = open_out(s, SESS_OUT_POST, o->post, "POST code file", &rc);
	if (o->trace_file && !rc) {
		s->trace_path = strdup(o->trace_file);
		s->trace_f = open_out(s, SESS_OUT_TRACE, o->trace_file, "trace file", &rc);
	}
	if (o->screen && !rc) {
		VdErr e;
		if ((rc = outfile_check_path(cp->dasd, o->screen, &e))) {
			msg(e.num, 'E', "%s", e.text);
			tell_cp(s, &e);
		}
	}
	if (rc)
		goto fail;

	/* The VMBLOCK: config file and VDDATA, VDs locked for the run. */
	if ((rc = vmblock_load(cp->dasd, o->name, &s->vm))) {
		fprintf(stderr, "VMCP%03dE %s\n", s->vm.err.num, s->vm.err.text);
		tell_cp(s, &s->vm.err);
		goto fail;
	}
	if (o->memory) {
		const char *why;
		if ((rc = vm_memory_check(o->memory, &why))) {
			msg(VMM_BAD_ARG, 'E', "--memory %llu %s", (unsigned long long)o->memory, why);
			goto fail;
		}
		s->vm.config.memory = o->memory;
	}
	s->console_vga = s->vm.config.console == VM_CONSOLE_VGA;
	if (!o->no_cp) {
		rc = link_open(s);
		if (rc == VMCP_EBUSY)
			goto fail;
		rc = 0;
	}
	/* The RTC starts at the host's local time, as a PC's battery clock keeps it, or
	 * where --rtc says (checked by the command already). */
	s64 rtc_start = o->rtc_start;
	if (!o->rtc_set)
		cp_rtc_base("localtime", &rtc_start);
	MachineConfig base = {
		.bios = o->bios,
		.bios_raw = o->bios != NULL,
		.ips = o->ips,
		.engine = o->engine,
		.rtc_start = rtc_start,
		.host = {s, host_serial, host_debug},
	};
	char why[300] = "";
	if ((rc = vmblock_build(&s->vm, &base, why, sizeof(why)))) {
		session_msg(s, VMM_MACHINE, 'E', "Cannot build VM %s: %s", o->name, why);
		goto fail;
	}
	s->m = s->vm.machine;
	if (o->kernel && (rc = machine_boot_linux(s->m, o->kernel, o->initrd, o->append ? o->append : "",
						  why, sizeof(why)))) {
		session_msg(s, VMM_KERNEL, 'E', "Cannot load the kernel: %s", why);
		goto fail;
	}
	machine_hold_shutdown(s->m, o->hold);
	if ((rc = start_outs(s)))
		goto fail;
	session_apply_trace(s);
	if (o->gdb) {
		/* the stub, and the VM waits at the reset vector until gdb continues it */
		char gwhy[200];
		if ((rc = gdb_open(s, o->gdb, gwhy, sizeof(gwhy)))) {
			session_msg(s, VMM_GDB_FAIL, 'E', "%s", gwhy);
			goto fail;
		}
		s->state = VMS_STOPPED;
	}

	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	s->interactive = !o->headless;
	if (s->interactive)
		term_open(&s->term, s->console_vga);
	s->paced = o->pace < 0 ? !o->headless : o->pace > 0;
	s->deadline_ns = o->timeout > 0 ? wall_ns() + (u64)(o->timeout * 1e9) : 0;
	if (!o->headless)
		session_msg(s, VMM_STARTED, 'I', "VM %s started; %s console, %s engine, Ctrl-] for the CP",
			    o->name, s->console_vga ? "VGA" : "serial",
			    cpu_engine_name(cpu_engine_resolve(o->engine)));
	if (o->gdb) {
		session_msg(s, VMM_GDB, 'I', "gdb stub listening on %s; VM %s waits at the reset vector "
			    "(target remote %s)", gdb_where(s), o->name, gdb_where(s));
		if (s->term.open)
			term_prompt_begin(&s->term);
	}
	link_state(s, NULL);
	link_flush(s, true);
	return 0;
fail:
	s->rc = rc;
	session_close(s);
	return rc;
}

/* The word for why a run ended, as the CP reports it. */
static const char *stop_reason(int stop_msg)
{
	switch (stop_msg) {
	case VMM_POWEROFF: return "poweroff";
	case VMM_UNTIL_FOUND: return "until";
	case VMM_TIMEOUT: return "timeout";
	case VMM_DEAD: return "halted";
	case VMM_SCRIPT_DONE: return "script";
	case VMM_SIGNAL: return "signal";
	case CPS_FORCED: return "forced";
	case 0: return "error";
	default: return "shutdown";
	}
}

int session_close(VmSession *s)
{
	int rc = s->rc;
	if (s->term.open)
		term_close(&s->term);
	if (s->m) {
		switch (s->stop_msg) {
		case VMM_POWEROFF:
			session_msg(s, VMM_POWEROFF, 'I', "VM %s powered off", s->o.name);
			break;
		case VMM_UNTIL_FOUND:
			session_msg(s, VMM_UNTIL_FOUND, 'I', "VM %s stopped: \"%s\" appeared", s->o.name,
				    s->o.until);
			break;
		case VMM_TIMEOUT:
			session_msg(s, VMM_TIMEOUT, 'W', "VM %s stopped after %g seconds%s", s->o.name,
				    s->o.timeout, s->o.until ? ": the text did not appear" : "");
			rc = VMCP_ETIMEOUT;
			break;
		case VMM_DEAD:
			session_msg(s, VMM_DEAD, 'I', "VM %s halted with interrupts disabled", s->o.name);
			rc = s->o.until ? VMCP_ETIMEOUT : 0;
			break;
		case VMM_SCRIPT_DONE:
			session_msg(s, VMM_SCRIPT_DONE, 'I', "VM %s stopped: its script is done%s", s->o.name,
				    s->o.until ? ", and the text did not appear" : "");
			rc = s->o.until ? VMCP_ETIMEOUT : 0;
			break;
		case VMM_SIGNAL:
			session_msg(s, VMM_SIGNAL, 'W', "VM %s stopped by signal %d", s->o.name,
				    (int)end_signal);
			break;
		case CPS_FORCED:
			session_msg(s, CPS_FORCED, 'I', "VM %s forced off by the CP", s->o.name);
			break;
		case 0:
			break;
		default:
			session_msg(s, VMM_STOPPED, 'I', "VM %s stopped", s->o.name);
			break;
		}
		if (s->o.screen && s->outs_started) {
			int r = write_screen(s);
			if (!rc)
				rc = r;
		}
		for (u32 i = 0; i < s->vm.nvd; i++)
			vd_flush(&s->vm.vddata[i]);
		report_host_errors(s);
		link_flush(s, true); /* the last counters */
		if (s->host_rc && (!rc || rc == VMCP_ETIMEOUT))
			rc = s->host_rc;
		link_final_screen(s);
	}
	s->state = VMS_ENDED;
	if (s->dbg)
		gdb_close(s);
	vmblock_unload(&s->vm);
	s->m = NULL;
	close_out(s, SESS_OUT_SERIAL, s->serial_f, "serial", s->o.serial, &rc);
	close_out(s, SESS_OUT_DEBUGCON, s->debugcon_f, "debug console", s->o.debugcon, &rc);
	close_out(s, SESS_OUT_BIOSLOG, s->bioslog_f, "BIOS log", s->o.bioslog, &rc);
	close_out(s, SESS_OUT_POST, s->post_f, "POST code", s->o.post, &rc);
	if (s->dbg)
		dbg_trace_close(s);
	close_out(s, SESS_OUT_TRACE, s->trace_f, "trace", s->trace_path, &rc);
	s->serial_f = s->debugcon_f = s->bioslog_f = s->post_f = s->trace_f = NULL;
	/* The CP learns last, once the VDs are flushed and unlocked. */
	s->rc = rc;
	link_state(s, stop_reason(s->stop_msg));
	link_close(s);
	watch_stop(&s->until);
	watch_stop(&s->wait);
	script_free(s);
	free(s->trace_path);
	s->trace_path = NULL;
	if (s->dbg)
		dbg_free(s);
	s->rc = rc;
	if (s->stop_msg == VMM_SIGNAL && end_signal) {
		/* Die of the signal that ended the run, as the caller expects. */
		int sig = end_signal;
		signal(sig, SIG_DFL);
		raise(sig);
	}
	return rc;
}
