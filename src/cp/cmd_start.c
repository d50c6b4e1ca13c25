/* cmd_start.c: `vmcp start NAME [--memory SIZE] [--serial FILE] [--screen FILE]
 * [--trace-file FILE] [--no-pace] [--engine jit|interp] [--gdb [HOST:]PORT] [--rtc BASE]`: IPLs VM NAME in the CP of the real disk, in the
 * background (z/VM's XAUTOLOG, virsh start). The CP starts when no CP runs. Exit 0 once
 * the VM runs; a numbered message and its code when it cannot (not defined: 2, already
 * running or a VD locked by another VM: 4, a bad config file: 1, ...). With --gdb the VM
 * opens a gdb stub and waits at the reset vector for gdb (as vmcp ipl --gdb). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "cp/cp.h"
#include "cp/cpsock.h"
#include "cp/session.h"

/* A file name the CP's VM process can open: relative names are the caller's. */
static void abs_path(JsonWriter *w, const char *key, const char *path, const char *cwd)
{
	if (!path)
		return;
	jw_key(w, key);
	if (path[0] == '/' || !strcmp(path, "-")) {
		jw_str(w, path);
		return;
	}
	char buf[PATH_MAX * 2];
	snprintf(buf, sizeof(buf), "%s/%s", cwd, path);
	jw_str(w, buf);
}

int cp_cmd_start(CpCtx *cp, int argc, char **argv)
{
	const char *memory = NULL, *serial = NULL, *screen = NULL, *trace_file = NULL, *engine = NULL;
	const char *gdb = NULL, *rtc = NULL;
	bool no_pace = false;
	const CpOpt opts[] = {
		{"memory", &memory, NULL}, {"serial", &serial, NULL}, {"screen", &screen, NULL},
		{"trace-file", &trace_file, NULL}, {"no-pace", NULL, &no_pace}, {"engine", &engine, NULL},
		{"gdb", &gdb, NULL}, {"rtc", &rtc, NULL},
		{NULL, NULL, NULL},
	};
	char *pos[1];
	int npos, rc;
	if ((rc = cp_args("start", argc, argv, opts, pos, 1, &npos)))
		return rc;
	if (npos < 1)
		return cp_missing("the VM name", CP_USAGE_START);
	u64 bytes;
	if (memory && (rc = cp_size(memory, &bytes)))
		return rc;
	CpuEngine e;
	if (engine && cpu_engine_parse(engine, &e) < 0)
		return msg(VMM_BAD_ARG, 'E', "--engine takes jit%s or interp, not %s",
			   cpu_engine_available(CPU_ENGINE_JIT) ? "" : " (not on this host)", engine),
		       VMCP_EINVAL;
	s64 rtc_secs;
	if (rtc && (rc = cp_rtc_base(rtc, &rtc_secs)))
		return rc;
	/* The real disk must be there and hold VMFAT before a CP is started for it. */
	Vmfat *v = cp_open(cp, VMFAT_OPEN_RDONLY, &rc);
	if (!v)
		return rc;
	vmfat_close(v);
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), "/");
	CpConn c;
	if ((rc = cpconn_open(&c, cp->dasd, true, false)))
		return rc;
	JsonWriter w;
	jw_init(&w);
	jw_obj(&w);
	jw_key(&w, "name");
	jw_str(&w, pos[0]);
	if (memory) {
		jw_key(&w, "memory");
		jw_str(&w, memory);
	}
	if (engine) {
		jw_key(&w, "engine");
		jw_str(&w, engine);
	}
	if (gdb) {
		jw_key(&w, "gdb");
		jw_str(&w, gdb);
	}
	if (rtc) {
		jw_key(&w, "rtc");
		jw_str(&w, rtc);
	}
	abs_path(&w, "serial", serial, cwd);
	abs_path(&w, "screen", screen, cwd);
	abs_path(&w, "trace-file", trace_file, cwd);
	jw_key(&w, "pace");
	jw_bool(&w, !no_pace);
	jw_key(&w, "cwd");
	jw_str(&w, cwd);
	jw_end_obj(&w);
	Json *r = cpconn_ask(&c, "start", &w, 75000, &rc);
	cpconn_close(&c);
	if (!r)
		return rc;
	msg(CPS_STARTED, 'I', "VM %s started (pid %d)", pos[0],
	    (int)json_get_num(json_get(r, "return"), "pid", 0));
	json_free(r);
	return 0;
}
