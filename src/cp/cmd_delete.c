/* cmd_delete.c: `vmcp delete vm NAME` removes a VM's config file with all its VDs;
 * `vmcp delete vd VM DEV` removes one VD (its VDD, its VD settings file and its line in
 * the config file). The space returns to the free pool and is zeroed when it is next
 * given to a VD. A VD in use by a running VM is never deleted (message 126). */
#include <string.h>

#include "base/err.h"
#include "cp/cp.h"

int cp_cmd_delete(CpCtx *cp, int argc, char **argv)
{
	if (argc < 2)
		return cp_missing("vm or vd", CP_USAGE_DELETE);
	bool vm = cp_word(argv[1], "vm", 2);
	if (!vm && !cp_word(argv[1], "vd", 2)) {
		msg(CPM_UNKNOWN_WHAT, 'E', "Cannot delete %s: use delete vm or delete vd", argv[1]);
		return VMCP_EINVAL;
	}
	char *pos[2];
	int npos;
	int r = cp_args(vm ? "delete vm" : "delete vd", argc - 1, argv + 1, NULL, pos, vm ? 1 : 2, &npos);
	if (r)
		return r;
	if (npos < (vm ? 1 : 2))
		return cp_missing(npos == 0 ? (vm ? "NAME" : "VM") : "DEV", CP_USAGE_DELETE);
	int rc;
	Vmfat *v = cp_open(cp, 0, &rc);
	if (!v)
		return rc;
	u32 nvds = 0;
	r = vm ? vmfat_delete_vm(v, pos[0], &nvds) : vmfat_delete_vd(v, pos[0], pos[1]);
	if (r)
		r = cp_fail(&v->err);
	else if (vm)
		msg(CPM_VM_DELETED, 'I', "VM %s deleted with %u VD%s", pos[0], nvds, nvds == 1 ? "" : "s");
	else
		msg(CPM_VD_DELETED, 'I', "VD %s %s deleted", pos[0], pos[1]);
	vmfat_close(v);
	return r;
}
