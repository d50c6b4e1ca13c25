/* cmd_force.c: `vmcp force NAME [--shutdown [--timeout SECONDS]]`: stops running VM NAME
 * now, flushes and unlocks its VDs and ends it (z/VM's FORCE). With --shutdown the guest
 * is first asked to power off by the ACPI power button and given up to SECONDS (60) to
 * do it. A VM that does not end is killed. Forcing a VM that already ended removes it
 * from `query names`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "cp/cp.h"
#include "cp/cpsock.h"
#include "cp/session.h"

int cp_cmd_force(CpCtx *cp, int argc, char **argv)
{
	bool shutdown = false;
	const char *timeout_s = NULL;
	const CpOpt opts[] = {{"shutdown", NULL, &shutdown}, {"timeout", &timeout_s, NULL}, {NULL, NULL, NULL}};
	char *pos[1];
	int npos, rc;
	if ((rc = cp_args("force", argc, argv, opts, pos, 1, &npos)))
		return rc;
	if (npos < 1)
		return cp_missing("the VM name", CP_USAGE_FORCE);
	double timeout = 60;
	if (timeout_s) {
		char *end;
		timeout = strtod(timeout_s, &end);
		if (*end || !(timeout > 0) || timeout > 86400)
			return msg(VMM_BAD_ARG, 'E', "--timeout needs 1 to 86400 seconds, not %s", timeout_s),
			       VMCP_EINVAL;
		if (!shutdown)
			return msg(VMM_BAD_ARG, 'E', "--timeout goes with --shutdown"), VMCP_EINVAL;
	}
	CpConn c;
	if ((rc = cp_connect_running(cp, &c, pos[0])))
		return rc;
	JsonWriter w;
	jw_init(&w);
	jw_obj(&w);
	jw_key(&w, "name");
	jw_str(&w, pos[0]);
	jw_key(&w, "shutdown");
	jw_bool(&w, shutdown);
	jw_key(&w, "timeout");
	jw_double(&w, timeout);
	jw_end_obj(&w);
	Json *r = cpconn_ask(&c, "force", &w, (int)(timeout * 1000) + 60000, &rc);
	cpconn_close(&c);
	if (!r)
		return rc;
	const char *st = json_get_str(json_get(r, "return"), "state");
	if (st && !strcmp(st, "ended"))
		msg(CPS_FORCED, 'I', "VM %s forced off", pos[0]);
	else
		msg(CPS_FORCED, 'I', "VM %s ended (%s)", pos[0], st ? st : "?");
	json_free(r);
	return 0;
}
