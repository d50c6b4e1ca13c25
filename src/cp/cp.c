/* cp.c: the helpers every CP command uses (cp.h): options, operands, sizes, opening the
 * real disk, numbered failures, JSON strings and the terminal progress line. */
#include "cp/cp.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "cp/session.h"

int cp_args(const char *cmd, int argc, char **argv, const CpOpt *opts, char **pos, int maxpos,
	    int *npos)
{
	*npos = 0;
	bool only_operands = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!only_operands && !strcmp(a, "--")) {
			only_operands = true;
			continue;
		}
		if (only_operands || strncmp(a, "--", 2) || !a[2]) {
			if (*npos >= maxpos) {
				msg(CPM_EXTRA, 'E', "Too many operands for %s: %s", cmd, a);
				return VMCP_EINVAL;
			}
			pos[(*npos)++] = argv[i];
			continue;
		}
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t n = eq ? (size_t)(eq - name) : strlen(name);
		const CpOpt *o = opts;
		while (o && o->name && (strlen(o->name) != n || strncmp(o->name, name, n)))
			o++;
		if (!o || !o->name) {
			msg(CPM_UNKNOWN_OPT, 'E', "Unknown option %.*s for %s", (int)(n + 2), a, cmd);
			return VMCP_EINVAL;
		}
		if (o->flag) {
			if (eq) {
				msg(CPM_OPT_VALUE, 'E', "Option --%s takes no value", o->name);
				return VMCP_EINVAL;
			}
			*o->flag = true;
		} else if (eq) {
			*o->value = eq + 1;
		} else if (i + 1 < argc) {
			*o->value = argv[++i];
		} else {
			msg(CPM_OPT_VALUE, 'E', "Option --%s needs a value", o->name);
			return VMCP_EINVAL;
		}
	}
	return 0;
}

bool cp_word(const char *w, const char *full, size_t min)
{
	size_t n = strlen(w);
	return n >= min && n <= strlen(full) && !strncasecmp(w, full, n);
}

int cp_missing(const char *what, const char *usage)
{
	char line[1024];
	size_t n = 0;
	for (const char *u = usage; *u && n + 4 < sizeof(line); u++) {
		if (*u == '\n') {
			memcpy(line + n, " | ", 3);
			n += 3;
		} else {
			line[n++] = *u;
		}
	}
	line[n] = 0;
	msg(CPM_MISSING, 'E', "Missing operand: %s; usage: vmcp %s", what, line);
	return VMCP_EINVAL;
}

int cp_size(const char *s, u64 *bytes)
{
	if (size_parse(s, bytes) == 0)
		return 0;
	msg(CPM_BAD_SIZE, 'E', "Invalid size %s: use a number with K, M, G or T (e.g. 8G)", s);
	return VMCP_EINVAL;
}

int cp_rtc_base(const char *s, s64 *secs)
{
	time_t now = time(NULL);
	struct tm tm;
	if (!strcmp(s, "localtime")) {
		localtime_r(&now, &tm);
		*secs = (s64)now + tm.tm_gmtoff;
		return 0;
	}
	if (!strcmp(s, "utc")) {
		*secs = (s64)now;
		return 0;
	}
	int y, mo, d, h, mi, se, n = 0;
	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &n) == 6 && !s[n] &&
	    y >= 1980 && y <= 2099 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && h >= 0 &&
	    mi >= 0 && mi <= 59 && se >= 0 && se <= 59) {
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		tm.tm_hour = h;
		tm.tm_min = mi;
		tm.tm_sec = se;
		time_t t = timegm(&tm);
		struct tm back;
		gmtime_r(&t, &back);
		if (back.tm_mday == d && back.tm_mon == mo - 1) { /* not 31 February */
			*secs = (s64)t;
			return 0;
		}
	}
	msg(VMM_BAD_ARG, 'E', "--rtc takes localtime, utc or YYYY-MM-DDTHH:MM:SS (1980-2099), not %s", s);
	return VMCP_EINVAL;
}

int cp_fail(const VdErr *e)
{
	msg(e->num, 'E', "%s", e->text);
	return e->code;
}

Vmfat *cp_open(CpCtx *cp, int flags, int *rc)
{
	VdErr e;
	Vmfat *v = vmfat_open(cp->dasd, flags, &e);
	if (!v)
		*rc = cp_fail(&e);
	return v;
}

void cp_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c >= 0x7F) /* our names are ASCII; never emit invalid UTF-8 */
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void cp_progress_begin(CpProgress *p, const char *what, u64 total)
{
	p->on = isatty(STDERR_FILENO) && total;
	p->what = what;
	p->total = total;
	p->last_pct = -1;
}

void cp_progress(CpProgress *p, u64 done)
{
	if (!p->on)
		return;
	int pct = (int)(done * 100 / p->total);
	if (pct == p->last_pct)
		return;
	p->last_pct = pct;
	char a[32], b[32];
	size_format(done / MiB * MiB, a, sizeof(a));
	size_format(p->total / MiB * MiB, b, sizeof(b));
	fprintf(stderr, "\r%s: %3d%% (%s of %s)", p->what, pct, a, b);
	fflush(stderr);
}

void cp_progress_end(CpProgress *p)
{
	if (p->on)
		fprintf(stderr, "\r\033[K");
}
