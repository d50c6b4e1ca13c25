/* cmd_attach.c: `vmcp attach NAME [--force]`: this terminal becomes running VM NAME's
 * console (z/VM's LOGON to a disconnected user, RECONNECT): its serial output raw, or
 * its VGA text screen, and what is typed goes to the guest. First the current screen or
 * the recent serial output, then it goes on live. Ctrl-] stops the VM at CP READ, where
 * every VM command works as in `vmcp ipl`, and
 *   disconnect   leaves the VM running and returns to the shell (z/VM DISCONNECT)
 *   shutdown     ends the VM
 *   begin, Ctrl-]  back to the guest
 * A second attach is refused with a message naming the first; --force takes it over.
 * The end of this terminal's input disconnects. Exit 0 after disconnect, shutdown or
 * the VM's end. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/err.h"
#include "cp/cp.h"
#include "cp/cpsock.h"
#include "cp/session.h"
#include "cp/term.h"

typedef struct Attach {
	CpCtx *cp;
	CpConn c;
	const char *name;
	Term term;
	bool vga;
	bool at_prompt;
	bool done;
	int rc;
	char cwd[PATH_MAX];
} Attach;

/* The screen from a SCREEN event into t. */
static void screen_from(const Json *d, VgaText *t)
{
	memset(t, 0, sizeof(*t));
	t->rows = (int)json_get_num(d, "rows", 0);
	t->cols = (int)json_get_num(d, "cols", 0);
	t->graphics = json_get_bool(d, "graphics", false);
	if (t->rows < 0 || t->rows > VGA_TEXT_MAX_ROWS || t->cols < 0 || t->cols > VGA_TEXT_MAX_COLS)
		t->rows = t->cols = 0;
	const Json *cur = json_get(d, "cursor");
	t->cursor_row = t->cursor_col = -1;
	if (cur && cur->type == JSON_ARR && cur->len == 2 && cur->items[0]->type == JSON_NUM &&
	    cur->items[1]->type == JSON_NUM) {
		t->cursor_row = (int)cur->items[0]->num;
		t->cursor_col = (int)cur->items[1]->num;
	}
	const Json *text = json_get(d, "text"), *attr = json_get(d, "attr");
	for (int r = 0; r < t->rows; r++) {
		u8 *b;
		size_t n;
		if (text && text->type == JSON_ARR && (size_t)r < text->len &&
		    !json_get_bytes(text->items[r], &b, &n)) {
			memcpy(t->ch[r], b, MIN(n, (size_t)t->cols));
			free(b);
		}
		const Json *a = attr && attr->type == JSON_ARR && (size_t)r < attr->len ? attr->items[r] : NULL;
		for (int c = 0; c < t->cols; c++) {
			unsigned v = 0x07;
			if (a && a->type == JSON_STR && a->len >= (size_t)(2 * c + 2))
				sscanf(a->str + 2 * c, "%2x", &v);
			t->attr[r][c] = (u8)v;
		}
	}
}

static void on_event(void *ctx, const Json *ev)
{
	Attach *at = ctx;
	const char *name = json_get_str(ev, "event");
	const Json *d = json_get(ev, "data");
	const char *vm = json_get_str(d, "vm");
	if (!name || !vm || strcmp(vm, at->name))
		return;
	if (!strcmp(name, "CONSOLE")) {
		u8 *b;
		size_t n;
		if (!at->vga && !json_get_bytes(json_get(d, "data"), &b, &n)) {
			term_serial(&at->term, b, n);
			free(b);
		}
	} else if (!strcmp(name, "SCREEN")) {
		if (at->vga && !at->at_prompt) {
			VgaText t;
			screen_from(d, &t);
			term_screen(&at->term, &t, false);
		}
	} else if (!strcmp(name, "MESSAGE")) {
		const char *text = json_get_str(d, "text");
		if (text)
			term_message(&at->term, text, strlen(text) > 7 && text[7] != 'I');
	} else if (!strcmp(name, "VM_STATE")) {
		const char *st = json_get_str(d, "state");
		if (st && !strcmp(st, "running") && at->at_prompt) {
			/* Resumed from elsewhere (vmcp send NAME begin). */
			at->at_prompt = false;
			term_prompt_end(&at->term);
		} else if (st && strcmp(st, "running") && !at->at_prompt) {
			/* Stopped from elsewhere, or by a trap or a halt: its CP READ message
			 * comes as a MESSAGE. */
			at->at_prompt = true;
			term_prompt_begin(&at->term);
		}
	} else if (!strcmp(name, "VM_END")) {
		const char *m = json_get_str(d, "message");
		if (m && *m)
			term_message(&at->term, m, false);
		at->done = true;
	} else if (!strcmp(name, "CONSOLE_DETACHED")) {
		const char *why = json_get_str(d, "reason");
		term_message(&at->term, "", false);
		char text[200];
		snprintf(text, sizeof(text), "VMCP%03dW Console of VM %s detached: %s", CPS_DETACHED,
			 at->name, why ? why : "?");
		term_message(&at->term, text, true);
		at->done = true;
	}
}

/* One VM command through the CP; its output on the terminal. Returns the VM's state
 * after it ("running", "stopped", "halted", "ended") or NULL. */
static char *command(Attach *at, const char *line)
{
	JsonWriter w;
	jw_init(&w);
	jw_obj(&w);
	jw_key(&w, "name");
	jw_str(&w, at->name);
	jw_key(&w, "command");
	jw_str(&w, line);
	jw_key(&w, "cwd");
	jw_str(&w, at->cwd);
	jw_end_obj(&w);
	char *args = jw_take(&w, NULL);
	Json *r = args ? cpconn_call(&at->c, "send", args, 40000) : NULL;
	free(args);
	if (!r) {
		at->done = true;
		at->rc = VMCP_EIO;
		return NULL;
	}
	const Json *ret = json_get(r, "return");
	char *state = NULL;
	if (!ret) {
		const Json *err = json_get(r, "error");
		const char *desc = json_get_str(err, "desc");
		term_message(&at->term, desc ? desc : "VMCP603E The CP sent a malformed error", true);
	} else {
		const Json *out = json_get(ret, "output");
		if (out && out->type == JSON_STR)
			term_output(&at->term, out->str, out->len);
		const char *st = json_get_str(ret, "state");
		state = st ? strdup(st) : NULL;
	}
	json_free(r);
	return state;
}

static void cp_read_msg(Attach *at)
{
	char text[160];
	snprintf(text, sizeof(text), "VMCP%03dI CP READ (VM %s stopped; begin resumes, disconnect "
		 "leaves it running)", VMM_CP_READ, at->name);
	term_message(&at->term, text, false);
}

/* The escape key: the VM stops at CP READ. */
static void to_prompt(Attach *at)
{
	at->at_prompt = true;
	term_prompt_begin(&at->term);
	free(command(at, "stop"));
}

static void disconnect(Attach *at, bool resume)
{
	if (resume)
		free(command(at, "begin"));
	char text[160];
	snprintf(text, sizeof(text), "VMCP%03dI Disconnected from VM %s; it goes on running",
		 CPS_DETACHED, at->name);
	term_message(&at->term, text, false);
	at->done = true;
}

static void prompt_line(Attach *at, const char *line)
{
	char word[32] = "";
	sscanf(line, "%31s", word);
	if (word[0] && (!strncasecmp(word, "disconnect", MAX(strlen(word), 4)) &&
			strlen(word) <= strlen("disconnect"))) {
		disconnect(at, true);
		return;
	}
	char *st = command(at, line);
	if (!st)
		return;
	if (!strcmp(st, "running")) {
		at->at_prompt = false;
		term_prompt_end(&at->term);
	} else if (!strcmp(st, "ended")) {
		at->done = true; /* VM_END follows with its message */
	} else if (word[0]) {
		cp_read_msg(at);
	}
	free(st);
}

static void terminal_bytes(Attach *at, const u8 *p, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i < n && !at->done; i++) {
		if (!at->at_prompt) {
			if (p[i] != TERM_ESCAPE)
				continue;
			/* What came before the escape goes to the guest first. */
			if (i > start) {
				JsonWriter w;
				jw_init(&w);
				jw_obj(&w);
				jw_key(&w, "data");
				jw_bytes(&w, p + start, i - start);
				jw_end_obj(&w);
				char *args = jw_take(&w, NULL);
				if (args)
					cpconn_send(&at->c, "input", args);
				free(args);
			}
			to_prompt(at);
			start = i + 1;
			continue;
		}
		int r = term_prompt_byte(&at->term, p[i]);
		if (r == TERM_RESUME) {
			char *st = command(at, "begin");
			free(st);
			at->at_prompt = false;
			term_prompt_end(&at->term);
		} else if (r == TERM_LINE) {
			prompt_line(at, at->term.line);
		}
		start = i + 1;
	}
	if (!at->at_prompt && !at->done && n > start) {
		JsonWriter w;
		jw_init(&w);
		jw_obj(&w);
		jw_key(&w, "data");
		jw_bytes(&w, p + start, n - start);
		jw_end_obj(&w);
		char *args = jw_take(&w, NULL);
		if (args)
			cpconn_send(&at->c, "input", args);
		free(args);
	}
}

int cp_cmd_attach(CpCtx *cp, int argc, char **argv)
{
	bool force = false;
	const CpOpt opts[] = {{"force", NULL, &force}, {NULL, NULL, NULL}};
	char *pos[1];
	int npos, rc;
	if ((rc = cp_args("attach", argc, argv, opts, pos, 1, &npos)))
		return rc;
	if (npos < 1)
		return cp_missing("the VM name", CP_USAGE_ATTACH);
	Attach *at = calloc(1, sizeof(*at));
	if (!at)
		return msg(VDM_NOMEM, 'E', "Out of memory"), VMCP_ENOMEM;
	at->cp = cp;
	at->name = pos[0];
	if (!getcwd(at->cwd, sizeof(at->cwd)))
		snprintf(at->cwd, sizeof(at->cwd), "/");
	if ((rc = cp_connect_running(cp, &at->c, pos[0]))) {
		free(at);
		return rc;
	}
	at->c.on_event = on_event;
	at->c.ctx = at;
	JsonWriter w;
	jw_init(&w);
	jw_obj(&w);
	jw_key(&w, "name");
	jw_str(&w, pos[0]);
	jw_key(&w, "force");
	jw_bool(&w, force);
	jw_end_obj(&w);
	char *args = jw_take(&w, NULL);
	/* Events before the reply would be drawn on a terminal not yet taken: none come
	 * for this client before it is attached. */
	Json *r = args ? cpconn_call(&at->c, "attach", args, 10000) : NULL;
	free(args);
	if (!r || (rc = cpconn_reply_status(r))) {
		json_free(r);
		cpconn_close(&at->c);
		free(at);
		return rc ? rc : VMCP_EIO;
	}
	const Json *ret = json_get(r, "return");
	const char *console = json_get_str(ret, "console");
	const char *state = json_get_str(ret, "state");
	at->vga = console && !strcmp(console, "vga");
	msg(CPS_ATTACH, 'I', "Attached to VM %s (%s console, %s); Ctrl-] for the CP", pos[0],
	    at->vga ? "VGA" : "serial", state ? state : "?");
	term_open(&at->term, at->vga);
	u8 *recent;
	size_t n;
	if (!at->vga && !json_get_bytes(json_get(ret, "recent"), &recent, &n)) {
		term_serial(&at->term, recent, n);
		free(recent);
	}
	if (state && strcmp(state, "running")) {
		at->at_prompt = true;
		term_prompt_begin(&at->term);
		cp_read_msg(at);
	}
	json_free(r);
	bool eof = false;
	while (!at->done) {
		/* Lines already read (with a reply) first: the fd will not say so again. */
		for (;;) {
			bool to;
			Json *ev = cpconn_read(&at->c, 0, &to);
			if (!ev)
				break;
			on_event(at, ev);
			json_free(ev);
			if (at->done)
				break;
		}
		if (at->done || at->c.in.eof)
			break;
		struct pollfd pfd[2] = {{at->c.fd, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
		int nf = eof ? 1 : 2;
		if (poll(pfd, (nfds_t)nf, -1) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents) {
			ssize_t k = linebuf_fill(&at->c.in, at->c.fd);
			if (k < -1 || (k == 0 && !(at->c.in.len && memchr(at->c.in.buf, '\n', at->c.in.len)))) {
				if (!at->done) {
					term_message(&at->term, "VMCP601E The CP closed the connection", true);
					at->rc = VMCP_EIO;
				}
				break;
			}
		}
		if (nf == 2 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			u8 buf[1024];
			ssize_t k = read(STDIN_FILENO, buf, sizeof(buf));
			if (k < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (k <= 0) {
				/* This terminal's input ended: nobody is here any more. */
				eof = true;
				disconnect(at, at->at_prompt);
				break;
			}
			terminal_bytes(at, buf, (size_t)k);
		}
	}
	term_close(&at->term);
	rc = at->rc;
	cpconn_close(&at->c);
	free(at);
	return rc;
}
