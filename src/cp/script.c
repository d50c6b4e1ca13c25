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
 * A script runs with or without --headless; --until and --timeout still apply. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "cp/ipl.h"

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

int script_load(Ipl *ipl, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		msg(VMM_SCRIPT, 'E', "Cannot read script %s: %s", path, strerror(errno));
		return errno == ENOENT ? VMCP_ENOENT : VMCP_EIO;
	}
	char line[512];
	int no = 0, rc = 0;
	while (!rc && fgets(line, sizeof(line), f)) {
		no++;
		size_t len = strlen(line);
		if (len && line[len - 1] != '\n' && !feof(f)) {
			rc = fail(path, no, "line too long (at most 510 characters)");
			break;
		}
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
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
		char **nl = realloc(ipl->script, (size_t)(ipl->nscript + 1) * sizeof(*nl));
		char *copy = strdup(p);
		if (!nl || !copy) {
			free(copy);
			if (nl)
				ipl->script = nl;
			rc = VMCP_ENOMEM;
			msg(VMM_SCRIPT, 'E', "Out of memory reading script %s", path);
			break;
		}
		ipl->script = nl;
		ipl->script[ipl->nscript++] = copy;
	}
	if (!rc && ferror(f))
		rc = fail(path, no, "read error");
	fclose(f);
	return rc;
}

void script_free(Ipl *ipl)
{
	for (int i = 0; i < ipl->nscript; i++)
		free(ipl->script[i]);
	free(ipl->script);
	ipl->script = NULL;
	ipl->nscript = 0;
}

void script_step(Ipl *ipl)
{
	if (ipl->wait.text) {
		if (!ipl->wait.found && !ipl_screen_has(ipl, ipl->wait.text))
			return;
		watch_stop(&ipl->wait);
	}
	while (ipl->script_next < ipl->nscript && !ipl->quit) {
		char *p = ipl->script[ipl->script_next++];
		if (!strncmp(p, "wait ", 5)) {
			if (watch_start(&ipl->wait, p + 5)) {
				msg(VMM_SCRIPT, 'E', "Out of memory");
				ipl->quit = true;
			}
			return;
		}
		if (!strncmp(p, "type ", 5)) {
			u8 buf[512];
			int n = unescape(p + 5, buf, sizeof(buf));
			size_t room = sizeof(ipl->in) - ipl->inlen;
			size_t k = MIN((size_t)n, room);
			memcpy(ipl->in + ipl->inlen, buf, k);
			ipl->inlen += k;
			console_feed(ipl);
			continue;
		}
		/* cp COMMAND */
		char cmd[512];
		snprintf(cmd, sizeof(cmd), "%s", p + 3);
		printf("%s\n", cmd);
		if (vmcmd_exec(ipl, cmd) < 0)
			ipl->quit = true;
		fflush(stdout);
	}
}
