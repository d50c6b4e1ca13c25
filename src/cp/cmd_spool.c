/* cmd_spool.c: `vmcp spool NAME [--follow]`: VM NAME's console spool: everything its
 * serial port and text screen printed since it last started (for a running VM on a
 * text screen, the screen as it is now at the end), with the CP's messages about it (a bounded ring: the oldest part goes first), also after it ended, until it
 * is started again. --follow goes on printing as the VM prints, until it ends. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "cp/cp.h"
#include "cp/cpsock.h"

static void on_event(void *ctx, const Json *ev)
{
	(void)ctx;
	(void)ev;
}

int cp_cmd_spool(CpCtx *cp, int argc, char **argv)
{
	bool follow = false;
	const CpOpt opts[] = {{"follow", NULL, &follow}, {NULL, NULL, NULL}};
	char *pos[1];
	int npos, rc;
	if ((rc = cp_args("spool", argc, argv, opts, pos, 1, &npos)))
		return rc;
	if (npos < 1)
		return cp_missing("the VM name", CP_USAGE_SPOOL);
	const char *why;
	if (!vm_name_valid(pos[0], &why))
		return msg(VDM_VM_NAME, 'E', "Invalid VM name '%s': %s", pos[0], why), VMCP_EINVAL;
	CpConn c;
	rc = cpconn_open(&c, cp->dasd, false, true);
	if (rc) {
		/* No CP: the files are still there. */
		char dir[CPSOCK_PATH_MAX], err[300];
		bool any = false;
		if (!cpsock_rundir(cp->dasd, dir, sizeof(dir), false, err, sizeof(err))) {
			for (int half = 1; half >= 0; half--) {
				char path[PATH_MAX];
				snprintf(path, sizeof(path), "%s/%s.spool%s", dir, pos[0], half ? ".1" : "");
				FILE *f = fopen(path, "rb");
				if (!f)
					continue;
				any = true;
				char buf[65536];
				size_t k;
				while ((k = fread(buf, 1, sizeof(buf), f)) > 0)
					fwrite(buf, 1, k, stdout);
				fclose(f);
			}
		}
		if (!any)
			return msg(CPS_NOT_RUNNING, 'E', "VM %s has no spool on %s", pos[0], cp->dasd),
			       VMCP_ENOENT;
		return 0;
	}
	c.on_event = on_event;
	JsonWriter w;
	jw_init(&w);
	jw_obj(&w);
	jw_key(&w, "name");
	jw_str(&w, pos[0]);
	jw_key(&w, "follow");
	jw_bool(&w, follow);
	jw_end_obj(&w);
	Json *r = cpconn_ask(&c, "spool", &w, 30000, &rc);
	if (!r) {
		cpconn_close(&c);
		return rc;
	}
	const Json *ret = json_get(r, "return");
	const char *state = json_get_str(ret, "state");
	u8 *data;
	size_t n;
	if (!rc && !json_get_bytes(json_get(ret, "data"), &data, &n)) {
		if (!n && state && !strcmp(state, "none"))
			rc = (msg(CPS_NOT_RUNNING, 'E', "VM %s has no spool on %s", pos[0], cp->dasd),
			      VMCP_ENOENT);
		fwrite(data, 1, n, stdout);
		/* A running VM's text screen now: the rows that have not scrolled off. */
		const Json *scr = json_get(ret, "screen");
		if (scr && scr->type == JSON_STR && scr->len) {
			if (n && data[n - 1] != '\n')
				fputc('\n', stdout);
			fwrite(scr->str, 1, scr->len, stdout);
		}
		fflush(stdout);
		free(data);
	}
	bool live = state && (!strcmp(state, "running") || !strcmp(state, "stopped") ||
			      !strcmp(state, "halted") || !strcmp(state, "starting"));
	json_free(r);
	while (!rc && follow && live) {
		bool to;
		Json *ev = cpconn_read(&c, -1, &to);
		if (!ev)
			break;
		const char *name = json_get_str(ev, "event");
		const Json *d = json_get(ev, "data");
		const char *vm = json_get_str(d, "vm");
		if (name && vm && !strcmp(vm, pos[0])) {
			if (!strcmp(name, "SPOOL") && !json_get_bytes(json_get(d, "data"), &data, &n)) {
				fwrite(data, 1, n, stdout);
				fflush(stdout);
				free(data);
			} else if (!strcmp(name, "VM_END")) {
				live = false;
			}
		}
		json_free(ev);
	}
	cpconn_close(&c);
	return rc;
}
