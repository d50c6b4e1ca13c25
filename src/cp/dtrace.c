/* dtrace.c: the CP's traces (z/VM's TRACE with RUN and NORUN): each kind on or off by
 * itself, to the console or a file, logging and going on (run) or stopping at CP READ
 * after each line (norun):
 *
 *   TRace INSN [A-B|A.LEN|SYMBOL] [CS SEL]   instructions, disassembled, in a linear range
 *                                            (a symbol: its whole extent) or with a CS
 *   TRace INT [VEC[-VEC]]                    interrupts and exceptions: vector, kind,
 *                                            error code, where from (CS:EIP, CPL), handler
 *   TRace BRanch                             far JMP/CALL/RET, IRET, SYSENTER/SYSEXIT and
 *                                            mode changes
 *   TRace CR3                                CR3 loads that change it (address spaces)
 *   TRace IO [PORT[-PORT]]                   port accesses, after the device answered
 *   TRace VD                                 VD accesses: guest sector -> real sector
 *   TRace CPU                                every instruction with the registers (unfiltered)
 *   ... [ON|OFF] [RUN|NORUN] [TO FILE|TO CONSOLE];  TRace OFF: all of them off
 *
 * A line is "ICOUNT VTIME KIND FIELDS...": the instruction count of the CPU that ran,
 * virtual seconds, the kind, then fields (docs/commands.md gives each kind's). INSN, INT,
 * BRANCH and CR3 come through the CPU's debugging exits (cpu.h CpuDebug); IO and VD from
 * the I/O bus's and the VD manager's trace hooks; CPU from the CPU's own trace. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "base/err.h"
#include "cp/debug.h"
#include "cp/session.h"

static const char *const tr_names[TR_KINDS] = {"insn", "int", "branch", "cr3", "io", "vd", "cpu"};

static FILE *dest_file(VmSession *s, const Trace *t)
{
	if (t->file)
		return t->file->f;
	return s->trace_f ? s->trace_f : stderr;
}

void dbg_trace_line(VmSession *s, TrKind k, const char *fmt, ...)
{
	Trace *t = &s->dbg->tr[k];
	char line[1024];
	int n = snprintf(line, sizeof(line), "%llu %.6f %s ", (unsigned long long)machine_icount(s->m),
			 (double)machine_now(s->m) / 1e9, tr_names[k]);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (t->console) {
		if (s->term.open) {
			size_t len = strlen(line);
			line[len] = '\n';
			term_output(&s->term, line, len + 1);
			line[len] = 0;
		} else if (!s->o.headless || s->link.fd < 0) {
			puts(line);
		}
		link_text(s, line);
	} else {
		FILE *f = dest_file(s, t);
		fputs(line, f);
		fputc('\n', f);
	}
	if (t->norun)
		s->dbg->stop = true;
}

/* ---- the I/O bus's and the VD manager's hooks ---- */
static void trace_io_fn(void *ctx, u16 port, int size, bool write, u32 val)
{
	VmSession *s = ctx;
	dbg_trace_line(s, TR_IO, "%-3s %04x/%d %0*x", write ? "out" : "in", port, size, 2 * size, val);
	if (s->dbg->stop)
		machine_request_stop(s->m); /* norun: after this instruction */
}

static void trace_vd_fn(void *ctx, const VdDisk *vd, bool write, u64 lba, u64 real, u32 count)
{
	VmSession *s = ctx;
	dbg_trace_line(s, TR_VD, "%s %-5s lba %llu count %u -> real sector %llu", vd->dev,
		       write ? "write" : "read", (unsigned long long)lba, count, (unsigned long long)real);
	if (s->dbg->stop)
		machine_request_stop(s->m);
}

void session_apply_trace(VmSession *s)
{
	Trace *t = s->dbg->tr;
	machine_trace_io(s->m, (u16)t[TR_IO].lo, (u16)t[TR_IO].hi, t[TR_IO].on ? trace_io_fn : NULL, s);
	for (u32 i = 0; i < s->vm.nvd; i++) {
		VdDisk *vd = &s->vm.vddata[i];
		vd->trace = t[TR_VD].on ? trace_vd_fn : NULL;
		vd->trace_ctx = s;
	}
	machine_trace_cpu(s->m, t[TR_CPU].on ? dest_file(s, &t[TR_CPU]) : NULL);
	dbg_apply(s);
}

bool dbg_trace_option(VmSession *s, const char *spec)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%s", spec);
	for (char *save = NULL, *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (!strcmp(w, "io"))
			s->dbg->tr[TR_IO].on = true;
		else if (!strcmp(w, "vd"))
			s->dbg->tr[TR_VD].on = true;
		else if (!strcmp(w, "cpu"))
			s->dbg->tr[TR_CPU].on = true;
		else
			return false;
	}
	return true;
}

/* ---- lines of the CPU's exits ---- */
static const char *mode_text(u8 m, char *buf, size_t len)
{
	static const char *const n[] = {"real", "protected", "v86", "?"};
	snprintf(buf, len, "%s%s", n[m & 3], (m & CPU_MODE_PG) ? "+paging" : "");
	return buf;
}

void dbg_trace_exit(VmSession *s, MachineStop st, const CpuExit *ex)
{
	Trace *t = s->dbg->tr;
	CpuState rs;
	machine_get_regs(s->m, &rs);
	char sym[160], line[300];
	if (st == MACH_STOP_BREAKPOINT && t[TR_INSN].on && ex->addr >= t[TR_INSN].lo &&
	    ex->addr <= t[TR_INSN].hi && (t[TR_INSN].cs < 0 || t[TR_INSN].cs == rs.seg[SEG_CS].sel)) {
		dbg_insn_line(s, rs.seg[SEG_CS].sel, rs.eip, ex->addr, line, sizeof(line));
		dbg_trace_line(s, TR_INSN, "%s", line);
	}
	if (st != MACH_STOP_DEBUG || ex->reason != CPU_EXIT_DEBUG)
		return;
	u32 ilin = dbg_cs_lin(s, ex->insn_cs, ex->insn_eip);
	if ((ex->dbg & CPU_DBG_INT) && t[TR_INT].on && ex->intr.vec >= t[TR_INT].lo &&
	    ex->intr.vec <= t[TR_INT].hi) {
		static const char *const kn[] = {"irq", "nmi", "exc", "int", "int3", "int1"};
		char err[24] = "err=-", cr2[24] = "";
		if (ex->intr.has_err)
			snprintf(err, sizeof(err), "err=%04x", ex->intr.err);
		if (ex->intr.vec == 14 && ex->intr.kind == CPU_INT_EXC)
			snprintf(cr2, sizeof(cr2), " cr2=%08x", ex->intr.cr2);
		dbg_trace_line(s, TR_INT, "%02x %s %s %04x:%08x cpl=%u%s -> %04x:%08x%s", ex->intr.vec,
			       kn[ex->intr.kind], err, ex->intr.cs, ex->intr.eip, ex->intr.cpl, cr2,
			       rs.seg[SEG_CS].sel, rs.eip,
			       dbg_sym(s, rs.seg[SEG_CS].base + rs.eip, sym, sizeof(sym)));
	}
	if ((ex->dbg & CPU_DBG_BRANCH) && t[TR_BRANCH].on) {
		static const char *const bn[] = {"jmp", "call", "ret", "iret", "sysenter", "sysexit"};
		dbg_trace_line(s, TR_BRANCH, "%s %04x:%08x -> %04x:%08x%s", bn[ex->branch.kind],
			       ex->branch.from_cs, ex->branch.from_eip, rs.seg[SEG_CS].sel, rs.eip,
			       dbg_sym(s, rs.seg[SEG_CS].base + rs.eip, sym, sizeof(sym)));
	}
	if ((ex->dbg & CPU_DBG_MODE) && t[TR_BRANCH].on) {
		char a[32], b[32];
		dbg_trace_line(s, TR_BRANCH, "mode %s -> %s at %04x:%08x%s",
			       mode_text(ex->mode.from, a, sizeof(a)), mode_text(ex->mode.to, b, sizeof(b)),
			       ex->insn_cs, ex->insn_eip, dbg_sym(s, ilin, sym, sizeof(sym)));
	}
	if ((ex->dbg & CPU_DBG_CR3) && t[TR_CR3].on)
		dbg_trace_line(s, TR_CR3, "%08x -> %08x at %04x:%08x%s", ex->cr3.old, ex->cr3.val,
			       ex->insn_cs, ex->insn_eip, dbg_sym(s, ilin, sym, sizeof(sym)));
}

/* ---- where lines go ---- */
static void file_release(Dbg *d, TrFile *f)
{
	if (!f || --f->refs > 0)
		return;
	if (f->f && f->f != stdout)
		fclose(f->f);
	free(f->path);
	*f = (TrFile){0};
	(void)d;
}

/* The trace file FILE (relative to cwd), appended to: one already open for another
 * trace (or the session's --trace-file) is shared. */
static int file_get(VmSession *s, FILE *out, const char *file, const char *cwd, TrFile **res)
{
	Dbg *d = s->dbg;
	char path[PATH_MAX];
	if (file[0] != '/' && cwd)
		snprintf(path, sizeof(path), "%s/%s", cwd, file);
	else
		snprintf(path, sizeof(path), "%s", file);
	struct stat a, b;
	bool exists = stat(path, &a) == 0;
	for (int i = 0; i < TR_KINDS && exists; i++) {
		TrFile *f = &d->files[i];
		if (f->f && fstat(fileno(f->f), &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			f->refs++;
			*res = f;
			return 0;
		}
	}
	if (exists && s->trace_f && fstat(fileno(s->trace_f), &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino) {
		*res = NULL; /* the session's own trace file */
		return 0;
	}
	TrFile *slot = NULL;
	for (int i = 0; i < TR_KINDS && !slot; i++)
		if (!d->files[i].f)
			slot = &d->files[i];
	if (!slot)
		return dbg_bad(out, "trace: too many trace files open");
	/* appended to, and never a disk VMCP holds (vd/outfile.h) */
	Outfile o;
	VdErr e;
	if (outfile_open(&o, s->cp->dasd, path, OUTFILE_APPEND, OUTFILE_MODE, VMM_FILE, "trace file", &e))
		return dbg_msg(out, e.num, 'E', "%s", e.text), e.code;
	FILE *f = o.is_stdout ? stdout : fdopen(o.fd, "a");
	if (!f) {
		outfile_abort(&o);
		return dbg_msg(out, VMM_FILE, 'E', "Cannot open trace file %s: %s", path, strerror(errno)),
		       VMCP_EIO;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	slot->f = f;
	slot->path = strdup(path);
	slot->refs = 1;
	*res = slot;
	return 0;
}

static const char *dest_name(VmSession *s, const Trace *t)
{
	if (t->console)
		return "the console";
	if (t->file && t->file->path)
		return t->file->path;
	return s->trace_path ? s->trace_path : "standard error";
}

void dbg_trace_close(VmSession *s)
{
	for (int i = 0; i < TR_KINDS; i++) {
		s->dbg->tr[i].file = NULL;
		TrFile *f = &s->dbg->files[i];
		if (f->f && f->f != stdout)
			fclose(f->f);
		free(f->path);
		*f = (TrFile){0};
	}
}

#define TRACE_USAGE                                                                                 \
	"trace insn|int|branch|cr3|io|vd|cpu [on|off] [RANGE] [run|norun] [to FILE|to console] | trace off"

int dbg_cmd_trace(VmSession *s, FILE *out, char **w, int n, const char *cwd)
{
	Dbg *d = s->dbg;
	if (n < 2)
		return dbg_bad(out, TRACE_USAGE);
	if (n == 2 && dbg_word(w[1], "off", 3)) {
		for (int i = 0; i < TR_KINDS; i++)
			d->tr[i].on = false;
		session_apply_trace(s);
		dbg_msg(out, VMM_TRACE, 'I', "trace off: insn, int, branch, cr3, io, vd and cpu");
		return 0;
	}
	int k = -1;
	if (dbg_word(w[1], "insn", 2))
		k = TR_INSN;
	else if (dbg_word(w[1], "int", 3))
		k = TR_INT;
	else if (dbg_word(w[1], "branch", 2))
		k = TR_BRANCH;
	else if (dbg_word(w[1], "cr3", 3))
		k = TR_CR3;
	else if (dbg_word(w[1], "io", 2))
		k = TR_IO;
	else if (dbg_word(w[1], "vd", 2))
		k = TR_VD;
	else if (dbg_word(w[1], "cpu", 3))
		k = TR_CPU;
	if (k < 0)
		return dbg_bad(out, "%s, not trace %s", TRACE_USAGE, w[1]);
	Trace nt = d->tr[k];
	bool on = true, console = nt.console, range_given = false;
	const char *file = NULL;
	int norun = -1;
	nt.cs = k == TR_INSN && nt.on ? nt.cs : -1;
	for (int i = 2; i < n; i++) {
		char why[200];
		if (dbg_word(w[i], "on", 2)) {
			on = true;
		} else if (dbg_word(w[i], "off", 3)) {
			on = false;
		} else if (dbg_word(w[i], "run", 3)) {
			norun = 0;
		} else if (dbg_word(w[i], "norun", 5)) {
			norun = 1;
		} else if (dbg_word(w[i], "to", 2) && i + 1 < n) {
			i++;
			if (dbg_word(w[i], "console", 4)) {
				console = true;
				file = NULL;
			} else {
				console = false;
				file = w[i];
			}
		} else if (k == TR_INSN && dbg_word(w[i], "cs", 2) && i + 1 < n) {
			u32 sel;
			if (!dbg_hex(w[++i], &sel) || sel > 0xFFFF)
				return dbg_bad(out, "trace insn cs SELECTOR (hex), not %s", w[i]);
			nt.cs = (int)sel;
		} else if (k == TR_INSN && !range_given) {
			DAddr a;
			int used;
			if (!dbg_parse_range(s, w + i, 1, &used, &a, &nt.hi, true, why, sizeof(why)) || a.phys)
				return dbg_bad(out, "trace insn: %s", a.phys ? "a linear range" : why);
			nt.lo = a.addr;
			range_given = true;
		} else if ((k == TR_IO || k == TR_INT) && !range_given) {
			u32 lo, hi, max = k == TR_IO ? 0xFFFF : 0xFF;
			char buf[32];
			snprintf(buf, sizeof(buf), "%s", w[i]);
			char *dash = strchr(buf + 1, '-');
			if (dash)
				*dash = 0;
			if (!dbg_hex(buf, &lo) || lo > max || (dash && (!dbg_hex(dash + 1, &hi) || hi > max || hi < lo)))
				return dbg_bad(out, "trace %s: bad range %s (hex %s or %s-%s)", w[1], w[i],
					       k == TR_IO ? "PORT" : "VEC", k == TR_IO ? "PORT" : "VEC",
					       k == TR_IO ? "PORT" : "VEC");
			nt.lo = lo;
			nt.hi = dash ? hi : lo;
			range_given = true;
		} else {
			return dbg_bad(out, "trace %s: unexpected operand %s", w[1], w[i]);
		}
	}
	if (on && !range_given && !d->tr[k].on) {
		/* a new trace without a range: everything */
		nt.lo = 0;
		nt.hi = k == TR_IO ? 0xFFFF : k == TR_INT ? 0xFF : 0xFFFFFFFFu;
	}
	TrFile *tf = nt.file;
	if (file) {
		int r = file_get(s, out, file, cwd, &tf);
		if (r)
			return r;
		file_release(d, nt.file);
	} else if (console && nt.file) {
		file_release(d, nt.file);
		tf = NULL;
	}
	nt.file = tf;
	nt.console = console;
	nt.on = on;
	if (norun >= 0)
		nt.norun = norun;
	d->tr[k] = nt;
	session_apply_trace(s);
	char range[64] = "";
	if (on && range_given && k == TR_IO)
		snprintf(range, sizeof(range), " %04x-%04x", nt.lo, nt.hi);
	else if (on && range_given && k == TR_INT)
		snprintf(range, sizeof(range), " %02x-%02x", nt.lo, nt.hi);
	else if (on && k == TR_INSN && (range_given || nt.cs >= 0))
		snprintf(range, sizeof(range), " %08x-%08x%s", nt.lo, nt.hi, nt.cs >= 0 ? " cs" : "");
	if (on && k == TR_INSN && nt.cs >= 0)
		snprintf(range + strlen(range), sizeof(range) - strlen(range), " %04x", nt.cs);
	if (on)
		dbg_msg(out, VMM_TRACE, 'I', "trace %s%s on%s, to %s", tr_names[k], range,
			nt.norun ? " (norun)" : "", dest_name(s, &nt));
	else
		dbg_msg(out, VMM_TRACE, 'I', "trace %s off", tr_names[k]);
	return 0;
}
