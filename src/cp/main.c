/* main.c: the vmcp command, VMCP's CP (control program) as z/VM's CP commands are: one
 * verb per action on the real disk and its VMs. `--dasd PATH` may stand anywhere (before
 * or after the verb); without it the real disk is $VMCP_DASD, then ./vmcp.dasd. The table
 * below is every command; each lives in its own file (src/cp/cmd_*.c). The exit status of
 * a failed command is its VMCP_E* code negated (docs/commands.md). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "cp/cp.h"
#include "cp/session.h"
#include "vd/outfile.h"
#include "vm/vmblock.h"

/* Verbs may be abbreviated down to min characters and typed in any case, as z/VM's CP
 * commands are (`vmcp q names`); the ones that destroy (format, delete, force) are
 * spelled out. */
static const CpCommand commands[] = {
	{"format", 6, cp_cmd_format, CP_USAGE_FORMAT},
	{"define", 3, cp_cmd_define, CP_USAGE_DEFINE_VM "\n" CP_USAGE_DEFINE_VD},
	{"delete", 6, cp_cmd_delete, CP_USAGE_DELETE},
	{"query", 1, cp_cmd_query, CP_USAGE_QUERY},
	{"directory", 3, cp_cmd_directory, CP_USAGE_DIRECTORY},
	{"vd", 2, cp_cmd_vd, CP_USAGE_VD},
	{"check", 3, cp_cmd_check, CP_USAGE_CHECK},
	{"ipl", 1, cp_cmd_ipl, CP_USAGE_IPL},
	{"start", 3, cp_cmd_start, CP_USAGE_START},
	{"attach", 3, cp_cmd_attach, CP_USAGE_ATTACH},
	{"send", 4, cp_cmd_send, CP_USAGE_SEND},
	{"force", 5, cp_cmd_force, CP_USAGE_FORCE},
	{"spool", 2, cp_cmd_spool, CP_USAGE_SPOOL},
	{"cp", 2, cp_cmd_cp, CP_USAGE_CP},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: vmcp [--dasd PATH] COMMAND ...   (docs/commands.md)\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		const char *u = commands[i].usage;
		while (*u) {
			const char *nl = strchr(u, '\n');
			int n = nl ? (int)(nl - u) : (int)strlen(u);
			fprintf(f, "  vmcp %.*s\n", n, u);
			u += n + (nl ? 1 : 0);
		}
	}
}

int main(int argc, char **argv)
{
	CpCtx cp = {.dasd = vmblock_default_dasd(), .out = stdout};
	/* Line-buffered, so output and messages keep their order in a log or a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Take --dasd out wherever it stands (up to a "--"). */
	int n = 0;
	bool rest = false;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (i > 0 && !rest && !strcmp(a, "--"))
			rest = true;
		if (i > 0 && !rest && !strcmp(a, "--dasd")) {
			if (i + 1 >= argc) {
				msg(CPM_OPT_VALUE, 'E', "Option --dasd needs a value");
				return vmcp_exit_code(VMCP_EINVAL);
			}
			cp.dasd = argv[++i];
			continue;
		}
		if (i > 0 && !rest && !strncmp(a, "--dasd=", 7)) {
			cp.dasd = a + 7;
			continue;
		}
		argv[n++] = argv[i];
	}
	argc = n;
	/* Standard output and error are files VMCP writes too: never the real disk (a
	 * shell's `1<>vmcp.dasd` truncates nothing, and a command's output would land on
	 * it). A refusal is said on whichever of the two is safe. */
	VdErr oe;
	int bad_fd = outfile_check_fd(cp.dasd, STDERR_FILENO, "standard error", &oe) ? STDERR_FILENO
		     : outfile_check_fd(cp.dasd, STDOUT_FILENO, "standard output", &oe) ? STDOUT_FILENO : -1;
	if (bad_fd >= 0) {
		FILE *f = bad_fd == STDERR_FILENO ? stdout : stderr;
		if (bad_fd == STDOUT_FILENO || !outfile_check_fd(cp.dasd, STDOUT_FILENO, "standard output", &(VdErr){0}))
			fprintf(f, "VMCP%03dE %s\n", oe.num, oe.text);
		return vmcp_exit_code(oe.code);
	}
	if (argc < 2) {
		usage(stderr);
		return vmcp_exit_code(VMCP_EINVAL);
	}
	int rc = VMCP_EINVAL;
	const CpCommand *c = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (cp_word(argv[1], commands[i].verb, commands[i].min))
			c = &commands[i];
	if (cp_word(argv[1], "help", 1) || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		rc = 0;
	} else if (c) {
		rc = c->fn(&cp, argc - 1, argv + 1);
	} else {
		msg(CPM_UNKNOWN_CMD, 'E', "Unknown command %s; vmcp help lists the commands", argv[1]);
	}
	/* Output that never reached its file (a full disk) fails the command, whichever
	 * command wrote it: they all print through stdout. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		msg(CPM_WRITE_OUT, 'E', "Cannot write the output: %s", strerror(errno));
		if (!rc)
			rc = VMCP_EIO;
	}
	return vmcp_exit_code(rc);
}
