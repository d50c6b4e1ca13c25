/* vmcmd.c: VM commands, typed at the CP prompt after the console's escape key (Ctrl-],
 * z/VM's #CP). The VM is stopped while the prompt is up; `begin` resumes it.
 *
 *   begin | b                        resume the VM
 *   display registers | d r          the CPU's registers, segments, control registers
 *   display memory ADDR [LEN] | d m  guest physical memory, hex and ASCII (LEN <= 4096)
 *   query | q                        VM state: virtual time, instructions, resets
 *   query vd | q vd                  VDDATA: each VD and where it lies on the real disk
 *   trace io [on|off] [PORT[-PORT]]  I/O trace (after the device answers)
 *   trace vd [on|off]                VD manager trace: guest sector -> real sector
 *   trace cpu [on|off]               one line per instruction (CS:EIP, bytes, registers)
 *   trap io PORT[-PORT] [on|off]     stop at the CP prompt before each access to the ports
 *   system reset | ipl               reset the machine (the BIOS boots again)
 *   shutdown | logoff                end the VM
 *   help                             this list
 * Trace lines go to --trace-file, or to stderr. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "cp/ipl.h"

static FILE *trace_out(Ipl *ipl)
{
	return ipl->trace_f ? ipl->trace_f : stderr;
}

static double vsec(Ipl *ipl)
{
	return (double)machine_now(ipl->m) / 1e9;
}

static void trace_io_fn(void *ctx, u16 port, int size, bool write, u32 val)
{
	Ipl *ipl = ctx;
	if (port < ipl->trace_lo || port > ipl->trace_hi)
		return;
	fprintf(trace_out(ipl), "%12.6f io %-3s %04x/%d %0*x\n", vsec(ipl), write ? "out" : "in",
		port, size, 2 * size, val);
}

static void trace_vd_fn(void *ctx, const VdDisk *vd, bool write, u64 lba, u64 real, u32 count)
{
	Ipl *ipl = ctx;
	fprintf(trace_out(ipl), "%12.6f vd %s %-5s lba %llu count %u -> real sector %llu\n",
		vsec(ipl), vd->dev, write ? "write" : "read", (unsigned long long)lba, count,
		(unsigned long long)real);
}

void vmcmd_apply_trace(Ipl *ipl)
{
	IoBus *io = ipl->m->io;
	io_set_trace(io, 0, IO_PORTS, false);
	if (ipl->trace_io) {
		io_set_trace(io, ipl->trace_lo, (u32)ipl->trace_hi - ipl->trace_lo + 1, true);
		io_set_trace_fn(io, trace_io_fn, ipl);
	}
	for (u32 i = 0; i < ipl->vm.nvd; i++) {
		VdDisk *vd = &ipl->vm.vddata[i];
		vd->trace = ipl->trace_vd ? trace_vd_fn : NULL;
		vd->trace_ctx = ipl;
	}
	cpu_set_trace(ipl->m->cpu, ipl->trace_cpu ? trace_out(ipl) : NULL);
}

static void show_seg(FILE *f, const char *name, const CpuSeg *s)
{
	fprintf(f, "%-4s %04x base %08x limit %08x attr %04x\n", name, s->sel, s->base, s->limit,
		s->attr);
}

static void display_registers(Ipl *ipl)
{
	CpuState st;
	cpu_get_state(ipl->m->cpu, &st);
	FILE *f = stdout;
	static const char *const gpr[8] = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};
	static const char *const sreg[6] = {"ES", "CS", "SS", "DS", "FS", "GS"};
	for (int i = 0; i < 8; i++)
		fprintf(f, "%s %08x%s", gpr[i], st.gpr[i], i % 4 == 3 ? "\n" : "  ");
	fprintf(f, "EIP %08x  EFLAGS %08x  %s\n", st.eip, st.eflags, st.halted ? "(halted)" : "");
	for (int i = 0; i < SEG_COUNT; i++)
		show_seg(f, sreg[i], &st.seg[i]);
	show_seg(f, "LDTR", &st.ldtr);
	show_seg(f, "TR", &st.tr);
	fprintf(f, "GDTR %08x/%04x  IDTR %08x/%04x\n", st.gdtr_base, st.gdtr_limit, st.idtr_base,
		st.idtr_limit);
	fprintf(f, "CR0 %08x  CR2 %08x  CR3 %08x  CR4 %08x\n", st.cr0, st.cr2, st.cr3, st.cr4);
}

static int display_memory(Ipl *ipl, const char *a, const char *l)
{
	char *end;
	unsigned long long addr = strtoull(a, &end, 16);
	if (*end || addr > 0xFFFFFFFFull)
		return msg(VMM_BAD_ARG, 'E', "display memory: bad address %s (hex)", a), 0;
	unsigned long len = 64;
	if (l) {
		len = strtoul(l, &end, 0);
		if (*end || len == 0 || len > 4096)
			return msg(VMM_BAD_ARG, 'E', "display memory: length 1 to 4096, not %s", l), 0;
	}
	for (unsigned long off = 0; off < len; off += 16) {
		u8 b[16];
		unsigned long n = MIN(16, len - off);
		u32 pa = (u32)(addr + off);
		mem_read_buf(&ipl->m->mem, pa, b, (u32)n);
		printf("%08x ", pa);
		for (unsigned long i = 0; i < 16; i++)
			printf(i < n ? " %02x" : "   ", b[i]);
		printf("  ");
		for (unsigned long i = 0; i < n; i++)
			putchar(b[i] >= 0x20 && b[i] < 0x7F ? b[i] : '.');
		putchar('\n');
	}
	return 0;
}

static void query(Ipl *ipl)
{
	CpuStats s;
	cpu_get_stats(ipl->m->cpu, &s);
	u64 now = machine_now(ipl->m);
	printf("VM %s: %s, %llu MiB, virtual time %.6f s (%.1f%% halted), %llu instructions, "
	       "%llu resets\n",
	       ipl->vm.name, vm_cpu_name(ipl->vm.config.cpu),
	       (unsigned long long)(ipl->vm.config.memory >> 20), (double)now / 1e9,
	       now ? 100.0 * (double)ipl->m->halted_ns / (double)now : 0.0,
	       (unsigned long long)s.instructions, (unsigned long long)ipl->m->resets - 1);
}

static void query_vd(Ipl *ipl)
{
	for (u32 i = 0; i < ipl->vm.nvd; i++) {
		const VdDisk *vd = &ipl->vm.vddata[i];
		printf("%s %llu sectors, %u extent%s:", vd->dev, (unsigned long long)vd->sectors,
		       vd->nextents, vd->nextents == 1 ? "" : "s");
		for (u32 e = 0; e < vd->nextents; e++)
			printf(" %llu+%llu", (unsigned long long)vd->extent[e].start,
			       (unsigned long long)vd->extent[e].count);
		printf("; %llu reads, %llu writes\n", (unsigned long long)vd->nreads,
		       (unsigned long long)vd->nwrites);
	}
	if (!ipl->vm.nvd)
		printf("VM %s has no VDs\n", ipl->vm.name);
}

static bool word_is(const char *w, const char *full, size_t min)
{
	size_t n = strlen(w);
	return n >= min && n <= strlen(full) && !strncasecmp(w, full, n);
}

/* Parses PORT or PORT-PORT (hex). */
static bool port_range(const char *s, u16 *lo, u16 *hi)
{
	char *end;
	unsigned long a = strtoul(s, &end, 16), b = a;
	if (end == s)
		return false;
	if (*end == '-')
		b = strtoul(end + 1, &end, 16);
	if (*end || a > b || b > 0xFFFF)
		return false;
	*lo = (u16)a;
	*hi = (u16)b;
	return true;
}

static int trace_cmd(Ipl *ipl, char **w, int n)
{
	if (n < 2)
		return msg(VMM_BAD_ARG, 'E', "trace io|vd [on|off]"), 0;
	bool on = !(n >= 3 && !strcasecmp(w[2], "off"));
	if (word_is(w[1], "io", 2)) {
		ipl->trace_io = on;
		const char *range = n >= 4 ? w[3] : (n == 3 && strcasecmp(w[2], "on") &&
						     strcasecmp(w[2], "off") ? w[2] : NULL);
		ipl->trace_lo = 0;
		ipl->trace_hi = 0xFFFF;
		if (range && !port_range(range, &ipl->trace_lo, &ipl->trace_hi))
			return msg(VMM_BAD_ARG, 'E', "trace io: bad port range %s", range), 0;
	} else if (word_is(w[1], "vd", 2)) {
		ipl->trace_vd = on;
	} else if (word_is(w[1], "cpu", 3)) {
		ipl->trace_cpu = on;
	} else {
		return msg(VMM_BAD_ARG, 'E', "trace io|vd|cpu [on|off]"), 0;
	}
	vmcmd_apply_trace(ipl);
	msg(VMM_TRACE, 'I', "trace %s %s", w[1], on ? "on" : "off");
	return 0;
}

/* trap io PORT[-PORT] [on|off]: the CPU leaves the guest before each access to these
 * ports (the trap path, cpu.h), and the VM stops at the CP prompt. */
static int trap_cmd(Ipl *ipl, char **w, int n)
{
	u16 lo, hi;
	if (n < 3 || !word_is(w[1], "io", 2) || !port_range(w[2], &lo, &hi))
		return msg(VMM_BAD_ARG, 'E', "trap io PORT[-PORT] [on|off]"), 0;
	bool on = !(n >= 4 && !strcasecmp(w[3], "off"));
	io_set_trap(ipl->m->io, lo, (u32)hi - lo + 1, on);
	ipl->trapping = ipl->m->io->ntrap != 0;
	msg(VMM_TRACE, 'I', "trap io %04x-%04x %s", lo, hi, on ? "on" : "off");
	return 0;
}

int vmcmd_exec(Ipl *ipl, char *line)
{
	char *w[8];
	int n = 0;
	for (char *save = NULL, *t = strtok_r(line, " \t\r\n", &save); t && n < 8;
	     t = strtok_r(NULL, " \t\r\n", &save))
		w[n++] = t;
	if (n == 0)
		return 0;
	if (word_is(w[0], "begin", 1))
		return 1;
	if (word_is(w[0], "shutdown", 4) || word_is(w[0], "logoff", 3))
		return -1;
	if (word_is(w[0], "display", 1)) {
		if (n >= 2 && word_is(w[1], "registers", 1)) {
			display_registers(ipl);
			return 0;
		}
		if (n >= 3 && word_is(w[1], "memory", 1))
			return display_memory(ipl, w[2], n >= 4 ? w[3] : NULL);
		return msg(VMM_BAD_ARG, 'E', "display registers | display memory ADDR [LEN]"), 0;
	}
	if (word_is(w[0], "query", 1)) {
		if (n >= 2 && word_is(w[1], "vd", 2))
			query_vd(ipl);
		else
			query(ipl);
		return 0;
	}
	if (word_is(w[0], "trace", 2))
		return trace_cmd(ipl, w, n);
	if (word_is(w[0], "trap", 3))
		return trap_cmd(ipl, w, n);
	if ((word_is(w[0], "system", 3) && n >= 2 && word_is(w[1], "reset", 5)) ||
	    word_is(w[0], "ipl", 3)) {
		machine_reset(ipl->m);
		msg(VMM_RESET, 'I', "VM %s reset", ipl->vm.name);
		return 0;
	}
	if (word_is(w[0], "help", 1)) {
		puts("begin | display registers | display memory ADDR [LEN] | query [vd] |\n"
		     "trace io|vd|cpu [on|off] [PORT[-PORT]] | trap io PORT[-PORT] [on|off] |\n"
		     "system reset | ipl | shutdown");
		return 0;
	}
	msg(VMM_UNKNOWN_CMD, 'E', "Unknown VM command %s; help lists them", w[0]);
	return 0;
}

/* One line of CP input: what followed the escape key first, then stdin. Returns false
 * at end of input. */
static bool read_line(Ipl *ipl, char *line, size_t size)
{
	size_t n = 0;
	for (;;) {
		if (ipl->cplen == 0) {
			if (ipl->stdin_eof)
				break;
			ssize_t r = read(STDIN_FILENO, ipl->cpbuf, sizeof(ipl->cpbuf));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				ipl->stdin_eof = true;
				break;
			}
			ipl->cplen = (size_t)r;
		}
		char c = ipl->cpbuf[0];
		memmove(ipl->cpbuf, ipl->cpbuf + 1, --ipl->cplen);
		if (c == '\n' || c == '\r') {
			line[n] = 0;
			return true;
		}
		if (n + 1 < size)
			line[n++] = c;
	}
	line[n] = 0;
	return n > 0;
}

void vmcmd_read_loop(Ipl *ipl)
{
	if (ipl->tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &ipl->saved_tio);
	if (ipl->console_vga)
		fputs("\033[0m\033[2J\033[H", stdout);
	fflush(stdout);
	for (;;) {
		msg(VMM_CP_READ, 'I', "CP READ (VM %s stopped; begin resumes)", ipl->vm.name);
		char line[256];
		if (!read_line(ipl, line, sizeof(line))) {
			/* End of input at the prompt: nothing will ever say begin. */
			ipl->quit = true;
			break;
		}
		int r = vmcmd_exec(ipl, line);
		fflush(stdout);
		if (r < 0) {
			ipl->quit = true;
			break;
		}
		if (r > 0)
			break;
	}
	if (ipl->tty && !ipl->quit)
		console_open(ipl);
}
