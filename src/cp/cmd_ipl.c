/* cmd_ipl.c: `vmcp ipl NAME`: loads the VM's VMBLOCK (config and VDDATA, with its VDs
 * locked), builds the machine from it, boots it (SeaBIOS and the config's boot order, a
 * raw ROM with --bios, or a Linux kernel with --kernel) and runs it with a console on
 * this terminal, or headless for scripts and tests:
 *
 *   vmcp ipl NAME [--headless] [--serial FILE] [--screen FILE] [--debugcon FILE]
 *                 [--bioslog FILE] [--post FILE] [--until TEXT] [--timeout SECONDS]
 *                 [--bios FILE] [--kernel K [--initrd I] [--append "..."]]
 *                 [--trace io,vd,cpu] [--trace-file FILE] [--ips N] [--pace | --no-pace]
 *                 [--engine jit|interp]
 *
 * The run ends when the guest powers off (exit 0), when --until TEXT appears on COM1 or
 * the text screen (exit 0), after --timeout wall-clock seconds (exit 124), when the
 * guest halts with interrupts disabled (exit 0, or 124 if --until was not satisfied),
 * or at `shutdown` typed at the CP prompt (Ctrl-] then shutdown). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "cp/ipl.h"
#include "dev/rtc.h"
#include "vm/linuxboot.h"

#define SLICE_NS 10000000ull /* virtual time between looks at the host side */

static u64 wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * NS_PER_SEC + (u64)ts.tv_nsec;
}

int watch_start(TextWatch *w, const char *text)
{
	watch_stop(w);
	w->len = strlen(text);
	w->text = strdup(text);
	w->win = malloc(2 * w->len + 1);
	if (!w->text || !w->win) {
		watch_stop(w);
		return VMCP_ENOMEM;
	}
	return 0;
}

void watch_stop(TextWatch *w)
{
	free(w->text);
	free(w->win);
	*w = (TextWatch){0};
}

/* Keeps the last 2 * len bytes and compares their end with the text. */
bool watch_serial(TextWatch *w, u8 b)
{
	if (!w->text || w->found || !w->len)
		return false;
	if (w->wlen == 2 * w->len) {
		memmove(w->win, w->win + w->len, w->len);
		w->wlen = w->len;
	}
	w->win[w->wlen++] = (char)b;
	if (w->wlen >= w->len && !memcmp(w->win + w->wlen - w->len, w->text, w->len))
		w->found = true;
	return w->found;
}

static void host_serial(void *ctx, int com, u8 b)
{
	Ipl *ipl = ctx;
	if (com != 0)
		return;
	if (ipl->serial_f)
		fputc(b, ipl->serial_f);
	if (!ipl->headless && !ipl->console_vga)
		console_serial_out(ipl, b);
	if (watch_serial(&ipl->until, b))
		machine_request_stop(ipl->m);
	watch_serial(&ipl->wait, b);
}

static void host_debug(void *ctx, u16 port, u8 b)
{
	Ipl *ipl = ctx;
	if (port == 0x80 && ipl->post_f)
		fprintf(ipl->post_f, "%02x\n", b);
	else if (port == 0xE9 && ipl->debugcon_f)
		fputc(b, ipl->debugcon_f);
	else if (port == 0x402 && ipl->bioslog_f)
		fputc(b, ipl->bioslog_f);
}

bool ipl_screen_has(Ipl *ipl, const char *text)
{
	VgaText t;
	vga_text_dump(&ipl->m->vga, &t);
	vga_text_lines(&t, ipl->text, sizeof(ipl->text), false);
	return strstr(ipl->text, text) != NULL;
}

static int write_screen(Ipl *ipl)
{
	VgaText t;
	vga_text_dump(&ipl->m->vga, &t);
	size_t n = vga_text_lines(&t, NULL, 0, false);
	char *buf = malloc(n + 1);
	if (!buf)
		return msg(VDM_NOMEM, 'E', "Out of memory writing the screen"), VMCP_ENOMEM;
	vga_text_lines(&t, buf, n + 1, false);
	FILE *f = fopen(ipl->screen_path, "w");
	bool ok = f && fputs(buf, f) >= 0;
	if (f && fclose(f) != 0)
		ok = false;
	free(buf);
	if (!ok)
		return msg(VMM_FILE, 'E', "Cannot write the screen to %s: %s", ipl->screen_path,
			   strerror(errno)), VMCP_EIO;
	return 0;
}

/* Reports VD host failures (I/O error, full disk) that happened since the last look. The
 * guest has seen a disk error; the run goes on, and ends with a failure status. */
static void report_host_errors(Ipl *ipl)
{
	u64 total = 0;
	for (u32 i = 0; i < ipl->vm.nvd; i++)
		total += ipl->vm.vddata[i].host_errors;
	if (total == ipl->host_errors)
		return;
	for (u32 i = 0; i < ipl->vm.nvd; i++) {
		const VdDisk *vd = &ipl->vm.vddata[i];
		if (!vd->host_errors)
			continue;
		msg(VMM_HOST_IO, 'E', "Host failure on VD %s of VM %s: %s (%llu so far); the guest "
		    "sees a disk error", vd->dev, ipl->vm.name, vmcp_strerror(vd->last_host_error),
		    (unsigned long long)vd->host_errors);
		if (!ipl->host_rc)
			ipl->host_rc = vd->last_host_error;
	}
	ipl->host_errors = total;
}

/* The CP prompt while the VM is stopped (VM commands until begin or shutdown). Returns
 * false when the VM is to end; otherwise pacing starts again from now (the time spent
 * at the prompt is not owed to the guest) and the screen is redrawn. */
static bool cp_prompt(Ipl *ipl, u64 *wall0, u64 *virt0)
{
	vmcmd_read_loop(ipl);
	if (ipl->quit)
		return false;
	*wall0 = wall_ns();
	*virt0 = machine_now(ipl->m);
	ipl->next_draw_ns = 0;
	return true;
}

static FILE *open_out(const char *path, const char *what, int *rc)
{
	if (!path)
		return NULL;
	FILE *f = !strcmp(path, "-") ? stdout : fopen(path, "w");
	if (!f) {
		msg(VMM_FILE, 'E', "Cannot open %s file %s: %s", what, path, strerror(errno));
		*rc = VMCP_EIO;
		return NULL;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

/* Closes an output file (flushes standard output); a write that failed on the way (a
 * full disk) is reported and makes *rc VMCP_EIO if the run had succeeded. */
static void close_out(FILE *f, const char *what, const char *path, int *rc)
{
	if (!f)
		return;
	bool ok = !ferror(f);
	if (f == stdout)
		ok = fflush(f) == 0 && ok;
	else
		ok = fclose(f) == 0 && ok;
	if (!ok) {
		msg(VMM_FILE, 'E', "Cannot write %s file %s: %s", what, path, strerror(errno));
		if (!*rc)
			*rc = VMCP_EIO;
	}
}

/* The RTC starts at the host's local time, as a PC's battery clock keeps it. */
static s64 local_now(void)
{
	time_t t = time(NULL);
	struct tm tm;
	localtime_r(&t, &tm);
	return (s64)t + tm.tm_gmtoff;
}

static bool parse_trace(Ipl *ipl, const char *spec)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%s", spec);
	for (char *save = NULL, *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (!strcmp(w, "io"))
			ipl->trace_io = true;
		else if (!strcmp(w, "vd"))
			ipl->trace_vd = true;
		else if (!strcmp(w, "cpu"))
			ipl->trace_cpu = true;
		else
			return false;
	}
	return true;
}

int cp_cmd_ipl(CpCtx *cp, int argc, char **argv)
{
	const char *serial = NULL, *screen = NULL, *debugcon = NULL, *bioslog = NULL, *post = NULL;
	const char *until = NULL, *timeout_s = NULL, *bios = NULL, *kernel = NULL, *initrd = NULL;
	const char *append = NULL, *trace = NULL, *trace_file = NULL, *ips_s = NULL;
	const char *script = NULL, *engine_s = NULL;
	bool headless = false, pace = false, no_pace = false;
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
		{"engine", &engine_s, NULL},
		{NULL, NULL, NULL},
	};
	char *pos[1];
	int npos, rc;
	if ((rc = cp_args("ipl", argc, argv, opts, pos, 1, &npos)))
		return rc;
	if (npos < 1)
		return cp_missing("the VM name", CP_USAGE_IPL);
	double timeout = 0;
	if (timeout_s) {
		char *end;
		timeout = strtod(timeout_s, &end);
		if (*end || timeout <= 0)
			return msg(VMM_BAD_ARG, 'E', "--timeout needs a positive number of seconds, not %s",
				   timeout_s), VMCP_EINVAL;
	}
	u32 ips = 0;
	if (ips_s) {
		char *end;
		unsigned long v = strtoul(ips_s, &end, 10);
		if (*end || v < 1000000 || v > 4000000000ul)
			return msg(VMM_BAD_ARG, 'E', "--ips needs 1000000 to 4000000000, not %s", ips_s),
			       VMCP_EINVAL;
		ips = (u32)v;
	}
	CpuEngine engine = CPU_ENGINE_DEFAULT;
	if (engine_s && cpu_engine_parse(engine_s, &engine) < 0)
		return msg(VMM_BAD_ARG, 'E', "--engine takes jit%s or interp, not %s",
			   cpu_engine_available(CPU_ENGINE_JIT) ? "" : " (not on this host)", engine_s),
		       VMCP_EINVAL;
	if ((initrd || append) && !kernel)
		return msg(VMM_BAD_ARG, 'E', "--initrd and --append need --kernel"), VMCP_EINVAL;
	if (kernel && bios)
		return msg(VMM_BAD_ARG, 'E', "--kernel and --bios exclude each other"), VMCP_EINVAL;
	if (until && !*until)
		return msg(VMM_BAD_ARG, 'E', "--until needs a non-empty text"), VMCP_EINVAL;

	Ipl *ipl = calloc(1, sizeof(*ipl));
	if (!ipl)
		return msg(VDM_NOMEM, 'E', "Out of memory"), VMCP_ENOMEM;
	ipl->cp = cp;
	ipl->headless = headless;
	ipl->screen_path = screen;
	ipl->trace_lo = 0;
	ipl->trace_hi = 0xFFFF;
	rc = 0;
	if (until && watch_start(&ipl->until, until)) {
		msg(VDM_NOMEM, 'E', "Out of memory");
		rc = VMCP_ENOMEM;
		goto out;
	}
	if (trace && !parse_trace(ipl, trace)) {
		msg(VMM_BAD_ARG, 'E', "--trace takes a list of io, vd and cpu, not %s", trace);
		rc = VMCP_EINVAL;
		goto out;
	}
	if (script && (rc = script_load(ipl, script)))
		goto out;
	ipl->serial_f = open_out(serial, "serial", &rc);
	ipl->debugcon_f = open_out(debugcon, "debug console", &rc);
	ipl->bioslog_f = open_out(bioslog, "BIOS log", &rc);
	ipl->post_f = open_out(post, "POST code", &rc);
	ipl->trace_f = trace_file ? open_out(trace_file, "trace", &rc) : NULL;
	if (rc)
		goto out;

	/* The VMBLOCK: config file and VDDATA, VDs locked for the run. */
	if ((rc = vmblock_load(cp->dasd, pos[0], &ipl->vm))) {
		cp_fail(&ipl->vm.err);
		goto out;
	}
	ipl->console_vga = ipl->vm.config.console == VM_CONSOLE_VGA;
	MachineConfig base = {
		.bios = bios,
		.bios_raw = bios != NULL,
		.ips = ips,
		.engine = engine,
		.rtc_start = local_now(),
		.host = {ipl, host_serial, host_debug},
	};
	char why[300] = "";
	if ((rc = vmblock_build(&ipl->vm, &base, why, sizeof(why)))) {
		msg(VMM_MACHINE, 'E', "Cannot build VM %s: %s", pos[0], why);
		goto out;
	}
	ipl->m = ipl->vm.machine;
	if (kernel) {
		CpuState st;
		LinuxBootInfo info;
		if ((rc = linuxboot_load(&ipl->m->mem, kernel, initrd, append ? append : "", &st, &info,
					 why, sizeof(why)))) {
			msg(VMM_KERNEL, 'E', "Cannot load the kernel: %s", why);
			goto out;
		}
		machine_prepare_direct_boot(ipl->m, &st);
	}
	vmcmd_apply_trace(ipl);

	ipl->interactive = !headless;
	if (!headless && (rc = console_open(ipl)))
		goto out;
	if (!headless)
		msg(VMM_STARTED, 'I', "VM %s started; %s console, %s engine, Ctrl-] for the CP", pos[0],
		    ipl->console_vga ? "VGA" : "serial", cpu_engine_name(cpu_engine(ipl->m->cpu)));

	bool paced = headless ? pace : !no_pace;
	u64 wall0 = wall_ns(), virt0 = machine_now(ipl->m);
	u64 deadline = timeout > 0 ? wall0 + (u64)(timeout * 1e9) : 0;
	int stop_msg = 0;
	for (;;) {
		/* Host input first, so an escape typed before the guest runs stops it at the
		 * reset vector. */
		if (ipl->interactive && console_poll(ipl) && !cp_prompt(ipl, &wall0, &virt0)) {
			stop_msg = VMM_STOPPED;
			break;
		}
		CpuExit ex;
		MachineStop st = machine_run(ipl->m, machine_now(ipl->m) + SLICE_NS, &ex);
		report_host_errors(ipl);
		if (ipl->script) {
			/* Before the stop checks: a script may act on the guest's last words. */
			script_step(ipl);
			if (ipl->quit) {
				stop_msg = VMM_STOPPED;
				break;
			}
		}
		if (st == MACH_STOP_POWEROFF) {
			stop_msg = VMM_POWEROFF;
			break;
		}
		if (st == MACH_STOP_DEAD) {
			stop_msg = VMM_DEAD;
			break;
		}
		if (st == MACH_STOP_IO_TRAP) {
			/* A port the CP asked to see (trap io): the access has not happened yet; the
			 * next machine_run performs it. With a console the VM stops at the CP
			 * prompt, as z/VM's TRACE ... NORUN does. */
			if (ex.write)
				msg(VMM_IO_TRAP, 'I', "I/O trap: out port %04x size %d value %0*x", ex.port,
				    ex.size, 2 * ex.size, ex.value);
			else
				msg(VMM_IO_TRAP, 'I', "I/O trap: in port %04x size %d", ex.port, ex.size);
			if (ipl->interactive && !cp_prompt(ipl, &wall0, &virt0)) {
				stop_msg = VMM_STOPPED;
				break;
			}
		}
		if (!ipl->interactive)
			console_feed(ipl);
		if (ipl->until.found || (ipl->until.text && ipl_screen_has(ipl, ipl->until.text))) {
			ipl->until.found = true;
			stop_msg = VMM_UNTIL_FOUND;
			break;
		}
		u64 wall = wall_ns();
		if (deadline && wall >= deadline) {
			stop_msg = VMM_TIMEOUT;
			break;
		}
		if (ipl->interactive) {
			if (ipl->console_vga && wall >= ipl->next_draw_ns) {
				console_draw(ipl, false);
				ipl->next_draw_ns = wall + 40000000ull; /* 25 frames a second */
			}
		}
		if (paced) {
			u64 virt = machine_now(ipl->m) - virt0, real = wall_ns() - wall0;
			if (virt > real) {
				u64 d = virt - real;
				struct timespec ts = {(time_t)(d / NS_PER_SEC), (long)(d % NS_PER_SEC)};
				nanosleep(&ts, NULL);
			}
		}
	}
	if (ipl->interactive)
		console_close(ipl);
	if (ipl->interactive && !ipl->console_vga && ipl->last_out != '\n')
		putchar('\n'); /* the guest's last line may be open */
	switch (stop_msg) {
	case VMM_POWEROFF:
		msg(VMM_POWEROFF, 'I', "VM %s powered off", pos[0]);
		rc = 0;
		break;
	case VMM_UNTIL_FOUND:
		msg(VMM_UNTIL_FOUND, 'I', "VM %s stopped: \"%s\" appeared", pos[0], until);
		rc = 0;
		break;
	case VMM_TIMEOUT:
		msg(VMM_TIMEOUT, 'W', "VM %s stopped after %s seconds%s", pos[0], timeout_s,
		    until ? ": the text did not appear" : "");
		rc = VMCP_ETIMEOUT;
		break;
	case VMM_DEAD:
		msg(VMM_DEAD, 'I', "VM %s halted with interrupts disabled", pos[0]);
		rc = until ? VMCP_ETIMEOUT : 0;
		break;
	default:
		msg(VMM_STOPPED, 'I', "VM %s stopped", pos[0]);
		rc = 0;
	}
	if (screen) {
		int r = write_screen(ipl);
		if (!rc)
			rc = r;
	}
out:
	if (ipl->m) {
		for (u32 i = 0; i < ipl->vm.nvd; i++)
			vd_flush(&ipl->vm.vddata[i]);
		report_host_errors(ipl);
		if (ipl->host_rc && (!rc || rc == VMCP_ETIMEOUT))
			rc = ipl->host_rc;
	}
	vmblock_unload(&ipl->vm);
	close_out(ipl->serial_f, "serial", serial, &rc);
	close_out(ipl->debugcon_f, "debug console", debugcon, &rc);
	close_out(ipl->bioslog_f, "BIOS log", bioslog, &rc);
	close_out(ipl->post_f, "POST code", post, &rc);
	close_out(ipl->trace_f, "trace", trace_file, &rc);
	watch_stop(&ipl->until);
	watch_stop(&ipl->wait);
	script_free(ipl);
	free(ipl);
	return rc;
}
