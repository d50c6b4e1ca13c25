/* cmd_check.c: `vmcp check [--repair]`: the full check of the real disk (vmfat_check.c:
 * the fast check every open runs, plus both directory copies, the allocation table
 * against the VDDs, every VDD against its VD settings file and its owner's config file,
 * every file), each finding a numbered message; --repair fixes what can be fixed without
 * touching any VD's data. Exit status 0 when no error remains (warnings allowed), 6
 * (VMCP_ECORRUPT) otherwise. */
#include <string.h>

#include "base/err.h"
#include "cp/cp.h"

static void report(void *ctx, int num, char sev, const char *text)
{
	msg(num, sev, "%s", text);
}

int cp_cmd_check(CpCtx *cp, int argc, char **argv)
{
	bool repair = false;
	CpOpt opts[] = {{"repair", NULL, &repair}, {NULL, NULL, NULL}};
	char *pos[1];
	int npos;
	int r = cp_args("check", argc, argv, opts, pos, 0, &npos);
	if (r)
		return r;
	int rc;
	Vmfat *v = cp_open(cp, VMFAT_OPEN_LENIENT | (repair ? 0 : VMFAT_OPEN_RDONLY), &rc);
	if (!v)
		return rc;
	VmfatCheckResult res;
	r = vmfat_check(v, repair, report, NULL, &res);
	if (r && r != VMCP_ECORRUPT) {
		r = cp_fail(&v->err);
	} else if (res.errors) {
		msg(VDM_CHK_ERRORS, 'E', "Check of %s: %u error%s, %u warning%s%s", cp->dasd, res.errors,
		    res.errors == 1 ? "" : "s", res.warnings, res.warnings == 1 ? "" : "s",
		    repair ? " remain after repair" : "");
		r = VMCP_ECORRUPT;
	} else {
		u32 nvm = vmfat_dir_nvm(&v->dir);
		char extra[64] = "";
		if (res.repaired)
			snprintf(extra, sizeof(extra), ", %u repair%s", res.repaired, res.repaired == 1 ? "" : "s");
		else if (res.warnings)
			snprintf(extra, sizeof(extra), ", %u warning%s", res.warnings, res.warnings == 1 ? "" : "s");
		msg(VDM_CHK_OK, 'I', "Check of %s: no errors (%u VM%s, %u VD%s, generation %llu%s)", cp->dasd,
		    nvm, nvm == 1 ? "" : "s", v->dir.nvdd, v->dir.nvdd == 1 ? "" : "s",
		    (unsigned long long)v->dir.generation, extra);
		r = 0;
	}
	vmfat_close(v);
	return r;
}
