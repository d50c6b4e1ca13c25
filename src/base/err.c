/* err.c: error texts, exit codes, numbered messages and the developer log. */
#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

const char *vmcp_strerror(int err)
{
	switch (err) {
	case VMCP_OK: return "success";
	case VMCP_EINVAL: return "invalid argument";
	case VMCP_ENOENT: return "not found";
	case VMCP_EEXIST: return "already exists";
	case VMCP_EBUSY: return "in use";
	case VMCP_EIO: return "I/O error";
	case VMCP_ECORRUPT: return "corrupt metadata";
	case VMCP_ENOSPC: return "no space left";
	case VMCP_ENOMEM: return "out of memory";
	case VMCP_ERANGE: return "out of range";
	case VMCP_EUNSUP: return "not supported";
	case VMCP_ETIMEOUT: return "timed out";
	default: return "unknown error";
	}
}

int vmcp_exit_code(int err)
{
	if (err >= 0)
		return 0;
	if (err == VMCP_ETIMEOUT)
		return 124;
	if (err < VMCP_ETIMEOUT)
		return 1;
	return -err;
}

int vmsg(int num, char sev, const char *fmt, va_list ap)
{
	FILE *f = sev == 'I' ? stdout : stderr;
	fprintf(f, "VMCP%03d%c ", num, sev);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	fflush(f);
	return num;
}

int msg(int num, char sev, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(num, sev, fmt, ap);
	va_end(ap);
	return num;
}

int log_level(void)
{
	/* Read from the environment each time: no state to keep (a process may run many
	 * VMs on many threads), and every caller is off the hot paths (a device logs an
	 * unusual guest action, the bus an unmapped port once). */
	const char *e = getenv("VMCP_LOG");
	if (!e)
		return LOG_OFF;
	if (!strcmp(e, "debug"))
		return LOG_DEBUG;
	if (!strcmp(e, "info"))
		return LOG_INFO;
	if (!strcmp(e, "warn"))
		return LOG_WARN;
	return LOG_OFF;
}

void log_printf(int level, const char *fmt, ...)
{
	if (level < log_level())
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs("vmcp: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
