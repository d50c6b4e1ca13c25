/* script.c: `vmcp ipl --script FILE`: drives a VM from a file, as a person at the
 * console would, so that tests and demos can type into a guest at the right moment.
 * One command per line ('#' starts a comment line; blank lines are skipped):
 *
 *   wait TEXT     hold the rest back until TEXT appears on COM1 (after the previous
 *                 wait) or on the text screen
 *   type TEXT     type TEXT into the console device: the keyboard for a VGA console,
 *                 COM1 for a serial one; escapes \r \n \t \e (Esc) \\ \xNN
 *   cp COMMAND    run a VM command (display, query, trace, trap, system reset...);
 *                 `cp shutdown` ends the run
 *
 * Typed keys reach the guest at a typist's pace (session_type). The run ends when the
 * last line is done (a wait satisfied, typed keys delivered), unless --until or
 * --timeout or the guest ends it first. A script runs with or without --headless. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "cp/session.h"

/* Decodes the escapes of a type line into out; returns the length, or -1 on a bad
 * escape. */
static int unescape(const char *s, u8 *out, size_t cap)
{
	size_t n = 0;
	for (; *s; s++) {
		u8 c = (u8)*s;
		if (c == '\\') {
			s++;
			switch (*s) {
			case 'r': c = '\r'; break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'e': c = 0x1B; break;
			case '\\': c = '\\'; break;
			case 'x': {
				char hex[3] = {s[1], s[1] ? s[2] : 0, 0};
				char *end;
				unsigned long v = strtoul(hex, &end, 16);
				if (!hex[0] || !hex[1] || *end)
					return -1;
				c = (u8)v;
				s += 2;
				break;
			}
			default:
				return -1;
			}
		}
		if (n >= cap)
			return -1;
		out[n++] = c;
	}
	return (int)n;
}

static int fail(const char *path, int line, const char *why)
{
	msg(VMM_SCRIPT, 'E', "Script %s, line %d: %s", path, line, why);
	return VMCP_EINVAL;
}

int script_load(VmSession *s, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		msg(VMM_SCRIPT, 'E', "Cannot read script %s: %s", path, strerror(errno));
		return errno == ENOENT ? VMCP_ENOENT : VMCP_EIO;
	}
	char line[512];
	int no = 0, rc = 0;
	for (;;) {
		/* One line, read a byte at a time so that nothing unbounded (a device, a file
		 * without newlines) is ever held, and a NUL byte is seen where it is: a script
		 * is text, and a NUL would silently cut the line short. */
		size_t len = 0;
		int ch = EOF;
		while (len < sizeof(line) - 1 && (ch = getc(f)) != EOF && ch != '\n' && ch)
			line[len++] = (char)ch;
		if (ch == EOF && !len)
			break;
		no++;
		if (!ch) {
			char why[80];
			snprintf(why, sizeof(why), "a NUL byte at column %zu (a script is text)", len + 1);
			rc = fail(path, no, why);
			break;
		}
		if (ch != '\n' && ch != EOF) {
			rc = fail(path, no, "line too long (at most 510 characters)");
			break;
		}
		line[len] = 0;
		while (len && line[len - 1] == '\r')
			line[--len] = 0;
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		u8 tmp[512];
		if (!strncmp(p, "wait ", 5) && p[5]) {
		} else if (!strncmp(p, "type ", 5) && p[5]) {
			if (unescape(p + 5, tmp, sizeof(tmp)) < 0)
				rc = fail(path, no, "bad escape in type (use \\r \\n \\t \\e \\\\ \\xNN)");
		} else if (!strncmp(p, "cp ", 3) && p[3]) {
		} else {
			rc = fail(path, no, "expected wait TEXT, type TEXT or cp COMMAND");
		}
		if (rc)
			break;
		char **nl = realloc(s->script, (size_t)(s->nscript + 1) * sizeof(*nl));
		char *copy = strdup(p);
		if (!nl || !copy) {
			free(copy);
			if (nl)
				s->script = nl;
			rc = VMCP_ENOMEM;
			msg(VMM_SCRIPT, 'E', "Out of memory reading script %s", path);
			break;
		}
		s->script = nl;
		s->script[s->nscript++] = copy;
	}
	if (!rc && ferror(f))
		rc = fail(path, no, "read error");
	fclose(f);
	return rc;
}

void script_free(VmSession *s)
{
	for (int i = 0; i < s->nscript; i++)
		free(s->script[i]);
	free(s->script);
	s->script = NULL;
	s->nscript = 0;
}

void script_step(VmSession *s)
{
	if (s->wait.text) {
		if (!s->wait.found && !session_screen_has(s, s->wait.text))
			return;
		watch_stop(&s->wait);
	}
	while (s->script_next < s->nscript && !s->end) {
		char *p = s->script[s->script_next++];
		if (!strncmp(p, "wait ", 5)) {
			if (watch_start(&s->wait, p + 5)) {
				session_msg(s, VMM_SCRIPT, 'E', "Out of memory");
				s->end = true;
			}
			return;
		}
		if (!strncmp(p, "type ", 5)) {
			u8 buf[512];
			int n = unescape(p + 5, buf, sizeof(buf));
			session_type(s, buf, (size_t)n);
			continue;
		}
		/* cp COMMAND */
		printf("%s\n", p + 3);
		int r = vmcmd_exec(s, p + 3, stdout, NULL);
		fflush(stdout);
		if (r == VMCMD_END) {
			s->end = true;
			s->stop_msg = VMM_STOPPED;
		} else if (r == VMCMD_BEGIN) {
			session_begin(s);
		}
	}
	if (s->script_next >= s->nscript && !s->wait.text)
		s->script_done = true;
}
