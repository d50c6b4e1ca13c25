/* link.c: a VM's end of its link to the CP of the real disk (session.h). Over it the VM
 * registers, reports its state, counters, console output and messages (which the CP
 * spools and shows to an attached console), and takes the CP's requests: a VM command
 * (`vmcp send`), typed input and the screen for an attached console, the ACPI power
 * button and the end (`vmcp force`). The messages are JSON lines, as on the control
 * socket (docs/protocol.md, "The VM link").
 *
 * The link never stops the VM: writes are non-blocking and buffered, and when the CP
 * does not read, console output beyond a bound is dropped (and counted) rather than
 * waited for; a VM whose CP goes away runs on. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "cp/screen.h"
#include "cp/session.h"

#define LINK_PENDING_MAX (8u << 20) /* console output buffered for a slow CP */
#define STATUS_MS 250
#define SCREEN_MS 40

/* Queues one JSON line (the writer's text); drops it when bulky and the CP lags. */
static void send_line(VmSession *s, JsonWriter *w, bool bulky)
{
	size_t n;
	char *text = jw_take(w, &n);
	if (!text || s->link.fd < 0) {
		free(text);
		return;
	}
	if (bulky && outbuf_pending(&s->link.out) > LINK_PENDING_MAX)
		s->link.dropped += n;
	else if (!outbuf_line(&s->link.out, text, n))
		s->link.dropped += n;
	free(text);
}

/* {"event": name, "data": {   (the caller writes the members, then end_event) */
static void begin_event(JsonWriter *w, const char *name)
{
	jw_init(w);
	jw_obj(w);
	jw_key(w, "event");
	jw_str(w, name);
	jw_key(w, "data");
	jw_obj(w);
}

static void end_event(VmSession *s, JsonWriter *w, bool bulky)
{
	jw_end_obj(w);
	jw_end_obj(w);
	send_line(s, w, bulky);
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int link_open(VmSession *s)
{
	SessLink *l = &s->link;
	CpConn c = {.fd = -1};
	if (s->o.link_fd >= 0) {
		c.fd = s->o.link_fd;
		c.next_id = 1;
		s->o.link_fd = -1;
	} else {
		int r = cpconn_open(&c, s->cp->dasd, true, true);
		if (r) {
			LOG_DEBUGF("VM %s runs without a CP (%s)", s->o.name, vmcp_strerror(r));
			return r;
		}
	}
	/* Register: the CP refuses a second VM of the same name. */
	JsonWriter w;
	jw_init(&w);
	jw_obj(&w);
	jw_key(&w, "name");
	jw_str(&w, s->o.name);
	jw_key(&w, "pid");
	jw_int(&w, getpid());
	jw_key(&w, "console");
	jw_str(&w, s->console_vga ? "vga" : "serial");
	jw_key(&w, "memory");
	jw_uint(&w, s->vm.config.memory);
	jw_key(&w, "spool");
	jw_uint(&w, s->vm.config.spool);
	jw_key(&w, "cpu");
	jw_str(&w, vm_cpu_name(s->vm.config.cpu));
	jw_key(&w, "engine");
	jw_str(&w, cpu_engine_name(cpu_engine_resolve(s->o.engine)));
	jw_key(&w, "vds");
	jw_arr(&w);
	for (u32 i = 0; i < s->vm.nvd; i++)
		jw_str(&w, s->vm.vddata[i].dev);
	jw_end_arr(&w);
	jw_key(&w, "terminal");
	jw_bool(&w, !s->o.headless);
	jw_end_obj(&w);
	char *args = jw_take(&w, NULL);
	Json *reply = args ? cpconn_call(&c, "register", args, 10000) : NULL;
	free(args);
	if (!reply) {
		cpconn_close(&c);
		return VMCP_EIO;
	}
	const Json *err = json_get(reply, "error");
	if (err) {
		int code = (int)json_get_num(err, "code", VMCP_EBUSY);
		const char *desc = json_get_str(err, "desc");
		fprintf(stderr, "%s\n", desc ? desc : "VMCP606E The CP refused this VM");
		json_free(reply);
		cpconn_close(&c);
		return code < 0 ? code : VMCP_EBUSY;
	}
	json_free(reply);
	l->fd = c.fd;
	l->in = c.in; /* what came after the reply */
	set_nonblock(l->fd);
	return 0;
}

void link_close(VmSession *s)
{
	SessLink *l = &s->link;
	if (l->fd < 0)
		return;
	/* What is queued (the last state, the spool's last lines) reaches the CP, unless
	 * it stopped reading. */
	u64 until = cpsock_now_ms() + 2000;
	while (outbuf_pending(&l->out) && cpsock_now_ms() < until) {
		if (outbuf_flush(&l->out, l->fd))
			break;
		struct pollfd pfd = {l->fd, POLLOUT, 0};
		poll(&pfd, 1, 100);
	}
	close(l->fd);
	l->fd = -1;
	linebuf_free(&l->in);
	outbuf_free(&l->out);
}

void link_message(VmSession *s, const char *text)
{
	if (s->link.fd < 0)
		return;
	JsonWriter w;
	if (s->link.conlen) {
		begin_event(&w, "CONSOLE");
		jw_key(&w, "data");
		jw_bytes(&w, s->link.con, s->link.conlen);
		end_event(s, &w, true);
		s->link.conlen = 0;
	}
	begin_event(&w, "MESSAGE");
	jw_key(&w, "text");
	jw_str(&w, text);
	end_event(s, &w, false);
}

void link_text(VmSession *s, const char *text)
{
	if (s->link.fd < 0)
		return;
	JsonWriter w;
	begin_event(&w, "MESSAGE");
	jw_key(&w, "text");
	jw_str(&w, text);
	end_event(s, &w, true);
}

void link_console(VmSession *s, const u8 *p, size_t n)
{
	SessLink *l = &s->link;
	if (l->fd < 0)
		return;
	while (n) {
		size_t k = MIN(n, sizeof(l->con) - l->conlen);
		memcpy(l->con + l->conlen, p, k);
		l->conlen += k;
		p += k;
		n -= k;
		if (l->conlen == sizeof(l->con)) {
			JsonWriter w;
			begin_event(&w, "CONSOLE");
			jw_key(&w, "data");
			jw_bytes(&w, l->con, l->conlen);
			end_event(s, &w, true);
			l->conlen = 0;
		}
	}
}

void link_state(VmSession *s, const char *reason)
{
	if (s->link.fd < 0)
		return;
	JsonWriter w;
	begin_event(&w, "STATE");
	jw_key(&w, "state");
	jw_str(&w, reason ? "ended" : vm_state_name(s->state));
	if (reason) {
		jw_key(&w, "reason");
		jw_str(&w, reason);
		jw_key(&w, "exit");
		jw_int(&w, vmcp_exit_code(s->rc));
	}
	end_event(s, &w, false);
}

/* The screen's rows as the protocol carries them: each row's code page 437 bytes as a
 * Latin-1 string, and its attributes as hex. */
static void write_screen(JsonWriter *w, const VgaText *t)
{
	jw_key(w, "rows");
	jw_int(w, t->rows);
	jw_key(w, "cols");
	jw_int(w, t->cols);
	jw_key(w, "graphics");
	jw_bool(w, t->graphics);
	jw_key(w, "cursor");
	jw_arr(w);
	jw_int(w, t->cursor_row);
	jw_int(w, t->cursor_col);
	jw_end_arr(w);
	jw_key(w, "text");
	jw_arr(w);
	for (int r = 0; r < t->rows; r++)
		jw_bytes(w, t->ch[r], (size_t)t->cols);
	jw_end_arr(w);
	jw_key(w, "attr");
	jw_arr(w);
	for (int r = 0; r < t->rows; r++) {
		char hex[VGA_TEXT_MAX_COLS * 2 + 1];
		for (int c = 0; c < t->cols; c++)
			snprintf(hex + 2 * c, 3, "%02x", t->attr[r][c]);
		jw_strn(w, hex, (size_t)t->cols * 2);
	}
	jw_end_arr(w);
}

/* Rows first..last-1 of t as lines of text, malloc'd, length in *len (trailing blank
 * rows left out when trim); NULL when there is none or no memory. */
static char *rows_text(const VgaText *t, int first, int last, bool trim, size_t *len)
{
	if (trim)
		while (last > first && !screen_row_end(t, last - 1))
			last--;
	if (last <= first)
		return NULL;
	size_t cap = (size_t)(last - first) * (VGA_TEXT_MAX_COLS * 3 + 1) + 1;
	char *buf = malloc(cap);
	if (!buf)
		return NULL;
	size_t pos = 0;
	for (int r = first; r < last; r++) {
		pos += screen_row_text(t, r, screen_row_end(t, r), buf + pos, cap - pos, false);
		buf[pos++] = '\n';
	}
	*len = pos;
	return buf;
}

/* Rows first..last-1 of t as spool lines. */
static void spool_rows(VmSession *s, const VgaText *t, int first, int last, bool trim)
{
	size_t n;
	char *buf = rows_text(t, first, last, trim, &n);
	if (!buf)
		return;
	JsonWriter w;
	begin_event(&w, "SPOOL");
	jw_key(&w, "text");
	jw_strn(&w, buf, n);
	free(buf);
	end_event(s, &w, true);
}

static bool row_same(const VgaText *a, int ra, const VgaText *b, int rb)
{
	return !memcmp(a->ch[ra], b->ch[rb], (size_t)a->cols);
}

/* What the screen printed since the last look, for the spool: the rows that scrolled
 * off its top (found as the old rows again, higher up), or the old rows when the screen
 * was cleared. The newest row is left out of the comparison: it may still be being
 * written. */
static void spool_screen(VmSession *s, const VgaText *t)
{
	SessLink *l = &s->link;
	const VgaText *o = &l->last;
	if (!l->last_valid || o->graphics || t->graphics || o->rows != t->rows ||
	    o->cols != t->cols || o->rows < 4)
		return;
	int rows = t->rows;
	bool any = false;
	for (int r = 0; r < rows && !any; r++)
		any = !row_same(o, r, t, r);
	if (!any)
		return;
	for (int k = 1; k < rows - 2; k++) {
		int m = rows - 1 - k;
		bool same = true, content = false;
		for (int i = 0; i < m && same; i++) {
			same = row_same(o, k + i, t, i);
			content |= screen_row_end(t, i) > 0;
		}
		if (same && content) {
			spool_rows(s, o, 0, k, false);
			return;
		}
	}
	bool blank = true;
	for (int r = 0; r < rows && blank; r++)
		blank = !screen_row_end(t, r);
	if (blank)
		spool_rows(s, o, 0, rows, true);
}

void link_final_screen(VmSession *s)
{
	if (s->link.fd < 0 || !s->m)
		return;
	VgaText t;
	machine_screen(s->m, &t);
	if (!t.graphics)
		spool_rows(s, &t, 0, t.rows, true);
}

void link_flush(VmSession *s, bool force_status)
{
	SessLink *l = &s->link;
	if (l->fd < 0)
		return;
	JsonWriter w;
	if (l->conlen) {
		begin_event(&w, "CONSOLE");
		jw_key(&w, "data");
		jw_bytes(&w, l->con, l->conlen);
		end_event(s, &w, true);
		l->conlen = 0;
	}
	u64 now = cpsock_now_ms();
	if (s->m && s->state == VMS_RUNNING) {
		VgaText t;
		machine_screen(s->m, &t);
		spool_screen(s, &t);
		l->last = t;
		l->last_valid = true;
		if (l->screen_on && now >= l->next_screen_ms &&
		    (!l->sent_valid || memcmp(&t, &l->sent, sizeof(t)))) {
			begin_event(&w, "SCREEN");
			write_screen(&w, &t);
			end_event(s, &w, true);
			l->sent = t;
			l->sent_valid = true;
			l->next_screen_ms = now + SCREEN_MS;
		}
	}
	if (s->m && (force_status || now >= l->next_status_ms)) {
		MachineStats st;
		machine_stats(s->m, &st);
		begin_event(&w, "STATUS");
		jw_key(&w, "state");
		jw_str(&w, vm_state_name(s->state));
		jw_key(&w, "instructions");
		jw_uint(&w, st.instructions);
		jw_key(&w, "vtime_ns");
		jw_uint(&w, st.now_ns);
		jw_key(&w, "halted_ns");
		jw_uint(&w, st.halted_ns);
		jw_key(&w, "resets");
		jw_uint(&w, st.resets);
		jw_key(&w, "host_errors");
		jw_uint(&w, s->host_errors);
		jw_key(&w, "dropped");
		jw_uint(&w, l->dropped);
		end_event(s, &w, false);
		l->next_status_ms = now + STATUS_MS;
	}
	if (outbuf_flush(&l->out, l->fd)) {
		/* The CP went away: the VM runs on without it. */
		close(l->fd);
		l->fd = -1;
		outbuf_free(&l->out);
		linebuf_free(&l->in);
	}
}

/* A reply to request id: {"return": {...}} built by the caller between begin/end. */
static void begin_reply(JsonWriter *w)
{
	jw_init(w);
	jw_obj(w);
	jw_key(w, "return");
	jw_obj(w);
}

static void end_reply(VmSession *s, JsonWriter *w, const Json *id)
{
	jw_end_obj(w);
	if (id) {
		jw_key(w, "id");
		jw_value(w, id);
	}
	jw_end_obj(w);
	send_line(s, w, false);
}

static void error_reply(VmSession *s, const Json *id, int num, int code, const char *text)
{
	char idtext[64] = "";
	if (id && id->type == JSON_NUM)
		snprintf(idtext, sizeof(idtext), "%.0f", id->num);
	JsonWriter w;
	cpsock_error(&w, idtext[0] ? idtext : NULL, "GenericError", num, code, text);
	send_line(s, &w, false);
}

/* `vmcp send`: one VM command, its output and messages captured for the reply. */
static void do_command(VmSession *s, const Json *args, const Json *id)
{
	const char *line = json_get_str(args, "line");
	if (!line) {
		error_reply(s, id, CPS_ARGS, VMCP_EINVAL, "command needs a line");
		return;
	}
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);
	if (!f) {
		error_reply(s, id, CPS_ARGS, VMCP_ENOMEM, "out of memory");
		return;
	}
	int r = vmcmd_exec(s, line, f, json_get_str(args, "cwd"));
	fclose(f);
	JsonWriter w;
	begin_reply(&w);
	jw_key(&w, "output");
	jw_strn(&w, out ? out : "", out ? outlen : 0);
	jw_key(&w, "rc");
	jw_int(&w, r < 0 ? vmcp_exit_code(r) : 0);
	free(out);
	if (r == VMCMD_BEGIN)
		session_begin(s);
	else if (r == VMCMD_END && !s->end) {
		s->end = true;
		s->stop_msg = VMM_STOPPED;
	}
	jw_key(&w, "state");
	jw_str(&w, s->end ? "ended" : vm_state_name(s->state));
	end_reply(s, &w, id);
}

static void do_request(VmSession *s, const Json *req)
{
	const char *cmd = json_get_str(req, "execute");
	const Json *args = json_get(req, "arguments");
	const Json *id = json_get(req, "id");
	JsonWriter w;
	if (!cmd) {
		if (json_get(req, "event"))
			return; /* nothing the CP says unasked needs an answer */
		error_reply(s, id, CPS_PROTO, VMCP_EINVAL, "a request needs \"execute\"");
		return;
	}
	if (!strcmp(cmd, "command")) {
		do_command(s, args, id);
		return;
	}
	if (!strcmp(cmd, "input")) {
		u8 *data;
		size_t n;
		if (json_get_bytes(json_get(args, "data"), &data, &n)) {
			error_reply(s, id, CPS_ARGS, VMCP_EINVAL, "input needs data (a Latin-1 string)");
			return;
		}
		session_type(s, data, n);
		free(data);
		if (id) {
			begin_reply(&w);
			end_reply(s, &w, id);
		}
		return;
	}
	if (!strcmp(cmd, "screen")) {
		s->link.screen_on = json_get_bool(args, "on", true);
		s->link.sent_valid = false;
		s->link.next_screen_ms = 0;
		if (s->link.screen_on && s->m) {
			/* The screen now, even when the VM is stopped. */
			VgaText t;
			machine_screen(s->m, &t);
			begin_event(&w, "SCREEN");
			write_screen(&w, &t);
			end_event(s, &w, false);
			s->link.sent = t;
			s->link.sent_valid = true;
		}
		begin_reply(&w);
		end_reply(s, &w, id);
		return;
	}
	if (!strcmp(cmd, "screen_text")) {
		/* The text screen now (for the spool of a running VM): what scrolled off
		 * since the last look goes to the spool first, so the two join up. */
		link_flush(s, false);
		begin_reply(&w);
		jw_key(&w, "text");
		VgaText t;
		size_t n = 0;
		char *text = NULL;
		if (s->m) {
			machine_screen(s->m, &t);
			if (!t.graphics)
				text = rows_text(&t, 0, t.rows, true, &n);
		}
		jw_strn(&w, text ? text : "", text ? n : 0);
		free(text);
		end_reply(s, &w, id);
		return;
	}
	if (!strcmp(cmd, "powerbutton")) {
		if (s->m)
			machine_power_button(s->m);
		begin_reply(&w);
		end_reply(s, &w, id);
		return;
	}
	if (!strcmp(cmd, "end")) {
		begin_reply(&w);
		end_reply(s, &w, id);
		if (!s->end) {
			s->end = true;
			s->stop_msg = CPS_FORCED;
		}
		return;
	}
	if (!strcmp(cmd, "status")) {
		link_flush(s, true);
		begin_reply(&w);
		end_reply(s, &w, id);
		return;
	}
	char why[120];
	snprintf(why, sizeof(why), "Unknown VM request %.60s", cmd);
	error_reply(s, id, CPS_UNKNOWN, VMCP_EINVAL, why);
}

void link_poll(VmSession *s)
{
	SessLink *l = &s->link;
	if (l->fd < 0)
		return;
	ssize_t r = linebuf_fill(&l->in, l->fd);
	for (;;) {
		size_t n;
		bool over;
		char *line = linebuf_next(&l->in, &n, &over);
		if (!line)
			break;
		char why[120];
		Json *req = json_parse(line, n, why, sizeof(why));
		free(line);
		if (req)
			do_request(s, req);
		json_free(req);
		if (l->fd < 0)
			return;
	}
	if (r == 0 || r < -1) {
		/* The CP is gone: the VM runs on without it. */
		close(l->fd);
		l->fd = -1;
		outbuf_free(&l->out);
		linebuf_free(&l->in);
		return;
	}
	outbuf_flush(&l->out, l->fd);
}
