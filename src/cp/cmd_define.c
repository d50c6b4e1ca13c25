/* cmd_define.c: `vmcp define vm NAME [--memory 64M] [--cpu i686] [--cpus 1]
 * [--boot hda,fda] [--console serial|vga]` writes a new config file; `vmcp define vd VM DEV SIZE
 * [--type disk|floppy|cdrom]` allocates a VD, zeroes it, and writes its VDD, its VD settings
 * file and its line in the config file, in one directory update (the paper: "the VDD is written to the real disk
 * by CP commands when the config file and VD settings file are written"). Option values
 * are checked by the config file's own parser, so the rules are the file's rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "cp/cp.h"
#include "vd/vdconf.h"


static int define_vm(CpCtx *cp, int argc, char **argv)
{
	const char *val[5] = {NULL, NULL, NULL, NULL, NULL};
	static const char *const keys[5] = {"memory", "cpu", "boot", "console", "cpus"};
	CpOpt opts[] = {{"memory", &val[0], NULL}, {"cpu", &val[1], NULL}, {"boot", &val[2], NULL},
			{"console", &val[3], NULL}, {"cpus", &val[4], NULL}, {NULL, NULL, NULL}};
	char *pos[1];
	int npos;
	int r = cp_args("define vm", argc, argv, opts, pos, 1, &npos);
	if (r)
		return r;
	if (npos < 1)
		return cp_missing("NAME", CP_USAGE_DEFINE_VM);
	/* The options as config lines, parsed by the config file's parser. */
	char text[1024] = "";
	size_t len = 0;
	for (int i = 0; i < 5; i++) {
		if (!val[i])
			continue;
		if (strpbrk(val[i], "\n#=") || strlen(val[i]) > 100) {
			msg(VDM_VM_OPTION, 'E', "Invalid --%s %s", keys[i], val[i]);
			return VMCP_EINVAL;
		}
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s = %s\n", keys[i], val[i]);
	}
	VmConf c;
	ConfErr ce;
	if (vmconf_parse(pos[0], text, len, &c, &ce)) {
		/* Line n of text is the n-th option given. */
		int line = 0, k = -1;
		while (k < 4 && line < ce.line)
			line += val[++k] != NULL;
		if (ce.line == 0)
			k = 4; /* the file as a whole: --cpus against --cpu */
		const char *why = ce.text, *colon = strstr(why, ": ");
		if (colon && colon - why < 10)
			why = colon + 2;
		msg(VDM_VM_OPTION, 'E', "Invalid --%s %s: %s", k >= 0 ? keys[k] : "?", k >= 0 ? val[k] : "", why);
		return VMCP_EINVAL;
	}
	int rc;
	Vmfat *v = cp_open(cp, 0, &rc);
	if (!v)
		return rc;
	r = vmfat_define_vm(v, pos[0], &c);
	if (r) {
		r = cp_fail(&v->err);
	} else {
		char mem[32], boot[64];
		size_format(c.memory, mem, sizeof(mem));
		vmconf_boot_text(&c, boot, sizeof(boot));
		char cpus[16] = "";
		if (c.cpus > 1)
			snprintf(cpus, sizeof(cpus), " x %d", c.cpus);
		msg(CPM_VM_DEFINED, 'I', "VM %s defined: memory %s, cpu %s%s, boot %s, console %s", pos[0],
		    mem, vm_cpu_name(c.cpu), cpus, boot, vm_console_name(c.console));
	}
	vmfat_close(v);
	return r;
}

static int define_vd(CpCtx *cp, int argc, char **argv)
{
	char *pos[3];
	int npos;
	const char *type_s = NULL;
	const CpOpt opts[] = {{"type", &type_s, NULL}, {NULL, NULL, NULL}};
	int r = cp_args("define vd", argc, argv, opts, pos, 3, &npos);
	if (r)
		return r;
	if (npos < 3)
		return cp_missing(npos == 0 ? "VM" : npos == 1 ? "DEV" : "SIZE", CP_USAGE_DEFINE_VD);
	int type = -1;
	if (type_s && (type = vd_type_parse(type_s)) < 0) {
		msg(VDM_VM_OPTION, 'E', "Invalid --type %s: disk, floppy or cdrom", type_s);
		return VMCP_EINVAL;
	}
	u64 bytes;
	if ((r = cp_size(pos[2], &bytes)))
		return r;
	int rc;
	Vmfat *v = cp_open(cp, 0, &rc);
	if (!v)
		return rc;
	int dev = vm_dev_index(pos[1]);
	r = type < 0 || dev < 0 ? vmfat_define_vd(v, pos[0], pos[1], bytes)
				: vmfat_define_vd_type(v, pos[0], pos[1], bytes, (VdType)type);
	if (r) {
		r = cp_fail(&v->err);
	} else {
		const VmfatVdd *d = vmfat_dir_vdd(&v->dir, pos[0], vm_dev_index(pos[1]));
		char sz[32];
		size_format(bytes, sz, sizeof(sz));
		msg(CPM_VD_DEFINED, 'I', "VD %s %s defined: %s %s, %u extent%s", pos[0], pos[1], sz,
		    vd_type_name((VdType)d->type), d->nextents, d->nextents == 1 ? "" : "s");
	}
	vmfat_close(v);
	return r;
}

int cp_cmd_define(CpCtx *cp, int argc, char **argv)
{
	if (argc < 2)
		return cp_missing("vm or vd", CP_USAGE_DEFINE_VM "\n" CP_USAGE_DEFINE_VD);
	if (cp_word(argv[1], "vm", 2))
		return define_vm(cp, argc - 1, argv + 1);
	if (cp_word(argv[1], "vd", 2))
		return define_vd(cp, argc - 1, argv + 1);
	msg(CPM_UNKNOWN_WHAT, 'E', "Cannot define %s: use define vm or define vd", argv[1]);
	return VMCP_EINVAL;
}
