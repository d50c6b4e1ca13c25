/* cmd_send.c: `vmcp send NAME VM-COMMAND...`: runs one VM command in running VM NAME and
 * prints its answer, as z/VM's SEND (or #CP from another terminal): `vmcp send lin
 * display registers`, `vmcp send lin trace io 1f0-1f7 on`, `vmcp send lin stop`, `vmcp
 * send lin begin`. The exit status is the command's: 0, or its numbered message's
 * code. Relative file names in the command (trace ... to FILE) are this directory's. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "cp/cp.h"
#include "cp/cpsock.h"

int cp_connect_running(CpCtx *cp, CpConn *c, const char *name)
{
	int rc = cpconn_open(c, cp->dasd, false, false);
	if (rc == VMCP_ENOENT)
		msg(CPS_NOT_RUNNING, 'E', "VM %s is not running (no CP runs for %s)", name, cp->dasd);
	return rc;
}

int cp_cmd_send(CpCtx *cp, int argc, char **argv)
{
	if (argc < 2)
		return cp_missing("the VM name", CP_USAGE_SEND);
	if (argc < 3)
		return cp_missing("a VM command", CP_USAGE_SEND);
	char line[1024] = "";
	for (int i = 2; i < argc; i++) {
		size_t k = strlen(line);
		if (k + strlen(argv[i]) + 2 >= sizeof(line))
			return msg(CPM_EXTRA, 'E', "The VM command is too long"), VMCP_EINVAL;
		snprintf(line + k, sizeof(line) - k, "%s%s", k ? " " : "", argv[i]);
	}
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), "/");
	CpConn c;
	int rc = cp_connect_running(cp, &c, argv[1]);
	if (rc)
		return rc;
	JsonWriter w;
	jw_init(&w);
	jw_obj(&w);
	jw_key(&w, "name");
	jw_str(&w, argv[1]);
	jw_key(&w, "command");
	jw_str(&w, line);
	jw_key(&w, "cwd");
	jw_str(&w, cwd);
	jw_end_obj(&w);
	Json *r = cpconn_ask(&c, "send", &w, 40000, &rc);
	cpconn_close(&c);
	if (!r)
		return rc;
	const Json *ret = json_get(r, "return");
	const Json *out = json_get(ret, "output");
	if (out && out->type == JSON_STR)
		fwrite(out->str, 1, out->len, stdout);
	int exit = (int)json_get_num(ret, "rc", 0);
	json_free(r);
	return exit == 124 ? VMCP_ETIMEOUT : exit ? -exit : 0;
}
