/* cmd_ipl.c: `vmcp ipl NAME`: runs VM NAME in this process (a session, session.h): loads
 * its VMBLOCK (config and VDDATA, with its VDs locked), builds the machine from it, boots
 * it (SeaBIOS and the config's boot order, a raw ROM with --bios, or a Linux kernel with
 * --kernel) and runs it with a console on this terminal, or headless for scripts and
 * tests. The VM registers with the CP of its real disk, so `vmcp query names`, `send`,
 * `force`, `attach` and `spool` reach it while it runs:
 *
 *   vmcp ipl NAME [--headless] [--serial FILE] [--screen FILE] [--debugcon FILE]
 *                 [--bioslog FILE] [--post FILE] [--until TEXT] [--timeout SECONDS]
 *                 [--bios FILE] [--kernel K [--initrd I] [--append "..."]] [--memory SIZE]
 *                 [--trace io,vd,cpu] [--trace-file FILE] [--ips N] [--pace | --no-pace]
 *                 [--script FILE] [--engine jit|interp] [--gdb [HOST:]PORT] [--rtc BASE]
 *
 * The run ends when the guest powers off (exit 0), when --until TEXT appears on COM1 or
 * the text screen (exit 0), after --timeout wall-clock seconds (exit 124), when a script's
 * last line is done, at `shutdown` typed at the CP prompt (Ctrl-] then shutdown) or
 * `vmcp force`. A guest that halts with interrupts disabled ends a headless run (exit 0,
 * or 124 if --until was not satisfied); with a console on a terminal, or in the CP, it
 * stays at CP READ to be looked at. With --gdb the VM opens a gdb stub (gdbstub.c) and
 * waits at the reset vector until gdb continues it (as QEMU's -s -S).
 *
 * The CP starts VMs (`vmcp start`) by running `vmcp ipl NAME --headless --hold
 * --link-fd N` with its end of a socket pair as fd N. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "cp/session.h"

int cp_cmd_ipl(CpCtx *cp, int argc, char **argv)
{
	const char *serial = NULL, *screen = NULL, *debugcon = NULL, *bioslog = NULL, *post = NULL;
	const char *until = NULL, *timeout_s = NULL, *bios = NULL, *kernel = NULL, *initrd = NULL;
	const char *append = NULL, *trace = NULL, *trace_file = NULL, *ips_s = NULL;
	const char *script = NULL, *memory_s = NULL, *link_s = NULL, *engine_s = NULL, *gdb = NULL;
	const char *rtc = NULL;
	bool headless = false, pace = false, no_pace = false, hold = false, no_cp = false;
	const CpOpt opts[] = {
		{"headless", NULL, &headless}, {"serial", &serial, NULL},
		{"screen", &screen, NULL},     {"debugcon", &debugcon, NULL},
		{"bioslog", &bioslog, NULL},   {"post", &post, NULL},
		{"until", &until, NULL},       {"timeout", &timeout_s, NULL},
		{"bios", &bios, NULL},         {"kernel", &kernel, NULL},
		{"initrd", &initrd, NULL},     {"append", &append, NULL},
		{"trace", &trace, NULL},       {"trace-file", &trace_file, NULL},
		{"ips", &ips_s, NULL},         {"pace", NULL, &pace},
		{"no-pace", NULL, &no_pace},   {"script", &script, NULL},
		{"memory", &memory_s, NULL},   {"hold", NULL, &hold},
		{"link-fd", &link_s, NULL},    {"no-cp", NULL, &no_cp},
		{"engine", &engine_s, NULL},   {"gdb", &gdb, NULL},
		{"rtc", &rtc, NULL},
		{NULL, NULL, NULL},
	};
	char *pos[1];
	int npos, rc;
	if ((rc = cp_args("ipl", argc, argv, opts, pos, 1, &npos)))
		return rc;
	if (npos < 1)
		return cp_missing("the VM name", CP_USAGE_IPL);
	SessionOpts o = {
		.name = pos[0], .serial = serial, .screen = screen, .debugcon = debugcon,
		.bioslog = bioslog, .post = post, .trace = trace, .trace_file = trace_file,
		.bios = bios, .kernel = kernel, .initrd = initrd, .append = append, .until = until,
		.script = script, .headless = headless, .pace = pace ? 1 : no_pace ? 0 : -1,
		.link_fd = -1, .no_cp = no_cp, .gdb = gdb, .rtc_set = rtc != NULL,
	};
	if (rtc && (rc = cp_rtc_base(rtc, &o.rtc_start)))
		return rc;
	if (timeout_s) {
		char *end;
		o.timeout = strtod(timeout_s, &end);
		if (*end || !(o.timeout > 0) || o.timeout > 1e9)
			return msg(VMM_BAD_ARG, 'E', "--timeout needs a positive number of seconds, not %s",
				   timeout_s), VMCP_EINVAL;
	}
	if (ips_s) {
		char *end;
		unsigned long v = strtoul(ips_s, &end, 10);
		if (*end || v < 1000000 || v > 4000000000ul)
			return msg(VMM_BAD_ARG, 'E', "--ips needs 1000000 to 4000000000, not %s", ips_s),
			       VMCP_EINVAL;
		o.ips = (u32)v;
	}
	if (memory_s && (rc = cp_size(memory_s, &o.memory)))
		return rc;
	if (link_s) {
		char *end;
		long fd = strtol(link_s, &end, 10);
		if (*end || fd < 3 || fd > 1023)
			return msg(VMM_BAD_ARG, 'E', "--link-fd needs an open descriptor, not %s", link_s),
			       VMCP_EINVAL;
		o.link_fd = (int)fd;
	}
	if (engine_s && cpu_engine_parse(engine_s, &o.engine) < 0)
		return msg(VMM_BAD_ARG, 'E', "--engine takes jit%s or interp, not %s",
			   cpu_engine_available(CPU_ENGINE_JIT) ? "" : " (not on this host)", engine_s),
		       VMCP_EINVAL;
	if ((initrd || append) && !kernel)
		return msg(VMM_BAD_ARG, 'E', "--initrd and --append need --kernel"), VMCP_EINVAL;
	if (kernel && bios)
		return msg(VMM_BAD_ARG, 'E', "--kernel and --bios exclude each other"), VMCP_EINVAL;
	if (until && !*until)
		return msg(VMM_BAD_ARG, 'E', "--until needs a non-empty text"), VMCP_EINVAL;
	/* A person at a terminal gets halts and traps held at CP READ, as in the CP. */
	o.hold = hold || (!headless && isatty(STDIN_FILENO));

	VmSession *s = malloc(sizeof(*s));
	if (!s)
		return msg(VDM_NOMEM, 'E', "Out of memory"), VMCP_ENOMEM;
	rc = session_open(s, cp, &o);
	if (!rc) {
		session_run(s);
		rc = session_close(s);
	}
	free(s);
	return rc;
}
