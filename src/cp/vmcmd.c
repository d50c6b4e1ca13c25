/* vmcmd.c: VM commands: typed at the CP prompt after the console's escape key (Ctrl-],
 * z/VM's #CP), sent from another terminal (`vmcp send NAME ...`), or run by a script's
 * `cp` lines. Words may be abbreviated down to the capitals below and typed in any case;
 * an operand a command does not take is refused with a numbered message.
 *
 *   Begin [ADDR | SEG:OFF]              resume the VM (at ADDR in CS, or SEG:OFF in real
 *                                       or V86 mode)
 *   STOP                                stop the VM at CP READ
 *   Display Registers                   the CPU's registers, segments, control registers
 *   Display Memory ADDR [LEN]           guest physical memory, hex and ASCII (LEN <= 4096)
 *   Query [VD]                          VM state / VDDATA: each VD and where it lies
 *   TRace IO [ON|OFF] [PORT[-PORT]] [TO FILE]
 *   TRace VD [ON|OFF] [TO FILE]         VD manager: guest sector -> real sector
 *   TRace CPU [ON|OFF] [TO FILE]        one line per instruction
 *   TRace OFF                           every trace off
 *   TRAp IO PORT[-PORT] [ON|OFF]        stop at CP READ before each access to the ports
 *   SYStem RESET | IPL                  reset the machine (the BIOS boots again)
 *   CHange DEV FILE                     a new disc in CD-ROM drive DEV: the image FILE
 *                                       (the rest of the line) is written into the VD
 *   EJect DEV [FORCE]                   the disc out of CD-ROM drive DEV
 *   SHUTdown | LOGoff                   end the VM
 *   Help                                this list
 * Trace lines go to the file named with TO (relative to the caller's directory), else
 * to --trace-file, else to standard error. A disc image for change is likewise relative
 * to the caller's directory. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "cp/session.h"
#include "vd/vdconf.h"

#define VMCMD_HELP                                                                       \
	"begin [ADDR|SEG:OFF] | stop | display registers | display memory ADDR [LEN] |\n" \
	"query [vd] | trace io|vd|cpu [on|off] [PORT[-PORT]] [to FILE] | trace off |\n"   \
	"trap io PORT[-PORT] [on|off] | system reset | ipl | shutdown |\n"                   \
	"change DEV FILE | eject DEV [force]\n"

/* A message to the command's output (stdout/stderr by severity for the local console). */
static int cmsg(FILE *out, int num, char sev, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int cmsg(FILE *out, int num, char sev, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (out == stdout) {
		vmsg(num, sev, fmt, ap);
	} else {
		fprintf(out, "VMCP%03d%c ", num, sev);
		vfprintf(out, fmt, ap);
		fputc('\n', out);
	}
	va_end(ap);
	return num;
}

static int bad(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(FILE *out, const char *fmt, ...)
{
	char text[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	cmsg(out, VMM_BAD_ARG, 'E', "%s", text);
	return VMCP_EINVAL;
}

static FILE *trace_out(VmSession *s)
{
	return s->trace_f ? s->trace_f : stderr;
}

static double vsec(VmSession *s)
{
	return (double)machine_now(s->m) / 1e9;
}

static void trace_io_fn(void *ctx, u16 port, int size, bool write, u32 val)
{
	VmSession *s = ctx;
	fprintf(trace_out(s), "%12.6f io %-3s %04x/%d %0*x\n", vsec(s), write ? "out" : "in", port,
		size, 2 * size, val);
}

static void trace_vd_fn(void *ctx, const VdDisk *vd, bool write, u64 lba, u64 real, u32 count)
{
	VmSession *s = ctx;
	fprintf(trace_out(s), "%12.6f vd %s %-5s lba %llu count %u -> real sector %llu\n", vsec(s),
		vd->dev, write ? "write" : "read", (unsigned long long)lba, count,
		(unsigned long long)real);
}

void session_apply_trace(VmSession *s)
{
	machine_trace_io(s->m, s->trace_lo, s->trace_hi, s->trace_io ? trace_io_fn : NULL, s);
	for (u32 i = 0; i < s->vm.nvd; i++) {
		VdDisk *vd = &s->vm.vddata[i];
		vd->trace = s->trace_vd ? trace_vd_fn : NULL;
		vd->trace_ctx = s;
	}
	machine_trace_cpu(s->m, s->trace_cpu ? trace_out(s) : NULL);
}

static void show_seg(FILE *f, const char *name, const CpuSeg *sg)
{
	fprintf(f, "%-4s %04x base %08x limit %08x attr %04x\n", name, sg->sel, sg->base, sg->limit,
		sg->attr);
}

static void display_registers(VmSession *s, FILE *f)
{
	CpuState st;
	machine_get_regs(s->m, &st);
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

/* A hex number of at most 32 bits. */
static bool hex32(const char *a, u32 *v)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(a, &end, 16);
	if (!*a || *end || errno || x > 0xFFFFFFFFull || *a == '-' || *a == '+')
		return false;
	*v = (u32)x;
	return true;
}

static int display_memory(VmSession *s, FILE *f, const char *a, const char *l)
{
	u32 addr;
	if (!hex32(a, &addr))
		return bad(f, "display memory: bad address %s (hex)", a);
	unsigned long len = 64;
	if (l) {
		char *end;
		len = strtoul(l, &end, 0);
		if (*end || len == 0 || len > 4096 || *l == '-')
			return bad(f, "display memory: length 1 to 4096, not %s", l);
	}
	for (unsigned long off = 0; off < len; off += 16) {
		u8 b[16];
		unsigned long n = MIN(16, len - off);
		u32 pa = (u32)(addr + off);
		machine_read_phys(s->m, pa, b, (u32)n);
		fprintf(f, "%08x ", pa);
		for (unsigned long i = 0; i < 16; i++)
			fprintf(f, i < n ? " %02x" : "   ", b[i]);
		fprintf(f, "  ");
		for (unsigned long i = 0; i < n; i++)
			fputc(b[i] >= 0x20 && b[i] < 0x7F ? b[i] : '.', f);
		fputc('\n', f);
	}
	return 0;
}

static void query(VmSession *s, FILE *f)
{
	MachineStats st;
	machine_stats(s->m, &st);
	fprintf(f, "VM %s: %s, %s, %llu MiB, virtual time %.6f s (%.1f%% halted), %llu instructions, "
		"%llu resets\n",
		s->vm.name, vm_state_name(s->state), vm_cpu_name(s->vm.config.cpu),
		(unsigned long long)(s->vm.config.memory >> 20), (double)st.now_ns / 1e9,
		st.now_ns ? 100.0 * (double)st.halted_ns / (double)st.now_ns : 0.0,
		(unsigned long long)st.instructions, (unsigned long long)st.resets);
}

static void query_vd(VmSession *s, FILE *f)
{
	for (u32 i = 0; i < s->vm.nvd; i++) {
		const VdDisk *vd = &s->vm.vddata[i];
		fprintf(f, "%s %llu sectors, %u extent%s:", vd->dev, (unsigned long long)vd->sectors,
			vd->nextents, vd->nextents == 1 ? "" : "s");
		for (u32 e = 0; e < vd->nextents; e++)
			fprintf(f, " %llu+%llu", (unsigned long long)vd->extent[e].start,
				(unsigned long long)vd->extent[e].count);
		fprintf(f, "; %llu reads, %llu writes", (unsigned long long)vd->nreads,
			(unsigned long long)vd->nwrites);
		if (vd->type == VD_TYPE_CDROM && vd->medium)
			fprintf(f, "; CD-ROM, a disc of %llu bytes", (unsigned long long)vd->medium);
		else if (vd->type == VD_TYPE_CDROM)
			fprintf(f, "; CD-ROM, no disc");
		fputc('\n', f);
	}
	if (!s->vm.nvd)
		fprintf(f, "VM %s has no VDs\n", s->vm.name);
}

/* w abbreviates full down to min characters, in any case. */
static bool word_is(const char *w, const char *full, size_t min)
{
	size_t n = strlen(w);
	return n >= min && n <= strlen(full) && !strncasecmp(w, full, n);
}

/* Parses PORT or PORT-PORT (hex). */
static bool port_range(const char *s, u16 *lo, u16 *hi)
{
	char *end;
	if (!*s || *s == '-' || *s == '+')
		return false;
	unsigned long a = strtoul(s, &end, 16), b = a;
	if (end == s)
		return false;
	if (*end == '-') {
		const char *q = end + 1;
		if (!*q || *q == '-' || *q == '+')
			return false;
		b = strtoul(q, &end, 16);
		if (end == q)
			return false;
	}
	if (*end || a > b || b > 0xFFFF)
		return false;
	*lo = (u16)a;
	*hi = (u16)b;
	return true;
}

/* The trace file: FILE relative to cwd. Replaces the current one. */
static int trace_to(VmSession *s, FILE *out, const char *file, const char *cwd)
{
	char path[PATH_MAX];
	if (file[0] != '/' && cwd)
		snprintf(path, sizeof(path), "%s/%s", cwd, file);
	else
		snprintf(path, sizeof(path), "%s", file);
	/* The file trace lines already go to: nothing to open. */
	struct stat a, b;
	if (s->trace_f && stat(path, &a) == 0 && fstat(fileno(s->trace_f), &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return 0;
	/* Appended to, and never a disk VMCP holds (vd/outfile.h). */
	Outfile o;
	VdErr e;
	if (outfile_open(&o, s->cp->dasd, path, OUTFILE_APPEND, OUTFILE_MODE, VMM_FILE, "trace file", &e))
		return cmsg(out, e.num, 'E', "%s", e.text), e.code;
	FILE *f = o.is_stdout ? stdout : fdopen(o.fd, "a");
	if (!f) {
		outfile_abort(&o);
		return cmsg(out, VMM_FILE, 'E', "Cannot open trace file %s: %s", path, strerror(errno)),
		       VMCP_EIO;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	if (s->trace_f && s->trace_f != stdout)
		fclose(s->trace_f);
	s->outs[SESS_OUT_TRACE].fd = -1; /* the --trace-file, if it was that, is closed */
	s->trace_f = f;
	free(s->trace_path);
	s->trace_path = strdup(path);
	return 0;
}

static int trace_cmd(VmSession *s, FILE *out, char **w, int n, const char *cwd)
{
	if (n < 2)
		return bad(out, "trace io|vd|cpu [on|off] [PORT[-PORT]] [to FILE] | trace off");
	if (n == 2 && word_is(w[1], "off", 3)) {
		s->trace_io = s->trace_vd = s->trace_cpu = false;
		session_apply_trace(s);
		cmsg(out, VMM_TRACE, 'I', "trace off: io, vd and cpu");
		return 0;
	}
	int kind = word_is(w[1], "io", 2) ? 0 : word_is(w[1], "vd", 2) ? 1 : word_is(w[1], "cpu", 3) ? 2 : -1;
	if (kind < 0)
		return bad(out, "trace io|vd|cpu [on|off] ..., not trace %s", w[1]);
	bool on = true;
	const char *range = NULL, *file = NULL;
	for (int i = 2; i < n; i++) {
		if (word_is(w[i], "on", 2))
			on = true;
		else if (word_is(w[i], "off", 3))
			on = false;
		else if (word_is(w[i], "to", 2) && i + 1 < n)
			file = w[++i];
		else if (kind == 0 && !range)
			range = w[i];
		else
			return bad(out, "trace %s: unexpected operand %s", w[1], w[i]);
	}
	u16 lo = 0, hi = 0xFFFF;
	if (range && !port_range(range, &lo, &hi))
		return bad(out, "trace io: bad port range %s (hex PORT or PORT-PORT)", range);
	if (file) {
		int r = trace_to(s, out, file, cwd);
		if (r)
			return r;
	}
	const char *name = kind == 0 ? "io" : kind == 1 ? "vd" : "cpu";
	if (kind == 0) {
		s->trace_io = on;
		s->trace_lo = lo;
		s->trace_hi = hi;
	} else if (kind == 1) {
		s->trace_vd = on;
	} else {
		s->trace_cpu = on;
	}
	session_apply_trace(s);
	if (kind == 0 && on && range)
		cmsg(out, VMM_TRACE, 'I', "trace io %04x-%04x on, to %s", lo, hi,
		     s->trace_path ? s->trace_path : "standard error");
	else
		cmsg(out, VMM_TRACE, 'I', "trace %s %s%s%s", name, on ? "on" : "off",
		     on ? ", to " : "", on ? (s->trace_path ? s->trace_path : "standard error") : "");
	return 0;
}

/* trap io PORT[-PORT] [on|off]: the CPU leaves the guest before each access to these
 * ports (the trap path, cpu.h), and the VM stops at CP READ. */
static int trap_cmd(VmSession *s, FILE *out, char **w, int n)
{
	u16 lo, hi;
	if (n < 3 || n > 4 || !word_is(w[1], "io", 2) || !port_range(w[2], &lo, &hi))
		return bad(out, "trap io PORT[-PORT] [on|off]");
	bool on = true;
	if (n == 4) {
		if (word_is(w[3], "off", 3))
			on = false;
		else if (!word_is(w[3], "on", 2))
			return bad(out, "trap io: on or off, not %s", w[3]);
	}
	machine_trap_io(s->m, lo, hi, on);
	cmsg(out, VMM_TRACE, 'I', "trap io %04x-%04x %s", lo, hi, on ? "on" : "off");
	return 0;
}

/* The CD-ROM drive dev of the VM (its VD), or NULL after the message. */
static VdDisk *cd_drive(VmSession *s, FILE *out, const char *dev)
{
	int d = vm_dev_index(dev);
	VdDisk *vd = d >= VM_DEV_HDA && d <= VM_DEV_HDD ? vmblock_vd(&s->vm, vm_dev_name(d)) : NULL;
	if (!vd || vd->type != VD_TYPE_CDROM) {
		cmsg(out, VMM_NO_CDROM, 'E', "VM %s has no CD-ROM drive %s", s->vm.name, dev);
		return NULL;
	}
	return vd;
}

/* Takes the disc out of drive vd: the guest's lock holds unless force. */
static int take_out(VmSession *s, FILE *out, VdDisk *vd, bool force)
{
	int r = machine_set_medium(s->m, vm_dev_index(vd->dev), 0, force);
	if (r == VMCP_EBUSY)
		return cmsg(out, VMM_DISC_LOCKED, 'E', "%s: the guest prevents the removal of its disc "
			    "(PREVENT ALLOW MEDIUM REMOVAL); eject %s force takes it out", vd->dev, vd->dev),
		       VMCP_EBUSY;
	if (r)
		return cmsg(out, VMM_NO_CDROM, 'E', "VM %s has no CD-ROM drive %s", s->vm.name, vd->dev), r;
	vd->medium = 0;
	if (vmfat_set_medium(s->vm.dasd, s->vm.name, vd->dev, 0))
		return cmsg(out, s->vm.dasd->err.num, 'E', "%s", s->vm.dasd->err.text), s->vm.dasd->err.code;
	return 0;
}

/* eject DEV [force]: the disc out of the drive; the guest sees no medium. */
static int eject_cmd(VmSession *s, FILE *out, char **w, int n)
{
	if (n < 2 || n > 3 || (n == 3 && !word_is(w[2], "force", 5)))
		return bad(out, "eject DEV [force]");
	VdDisk *vd = cd_drive(s, out, w[1]);
	if (!vd)
		return VMCP_ENOENT;
	int r = take_out(s, out, vd, n == 3);
	if (!r)
		cmsg(out, VMM_DISC, 'I', "%s: disc taken out", vd->dev);
	return r;
}

/* change DEV FILE: the image FILE (the rest of the line, relative to cwd) becomes the
 * disc in the drive: the old disc comes out (refused while the guest prevents it), the
 * image is written into the VD through the VD manager (the VM waits meanwhile), the
 * settings file records it, and the guest sees UNIT ATTENTION and its capacity. */
static int change_cmd(VmSession *s, FILE *out, const char *text, char **w, int n, const char *cwd)
{
	if (n < 3)
		return bad(out, "change DEV FILE");
	VdDisk *vd = cd_drive(s, out, w[1]);
	if (!vd)
		return VMCP_ENOENT;
	/* FILE is the line after DEV, so that a name may hold blanks. */
	const char *p = text;
	for (int k = 0; k < 2; k++) {
		p += strspn(p, " \t");
		p += strcspn(p, " \t");
	}
	p += strspn(p, " \t");
	size_t len = strlen(p);
	while (len && strchr(" \t\r\n", p[len - 1]))
		len--;
	char path[PATH_MAX];
	if (p[0] != '/' && cwd)
		snprintf(path, sizeof(path), "%s/%.*s", cwd, (int)len, p);
	else
		snprintf(path, sizeof(path), "%.*s", (int)len, p);
	struct stat st;
	if (stat(path, &st) != 0)
		return cmsg(out, VDM_IMAGE_IO, 'E', "Cannot read image %s: %s", path, strerror(errno)),
		       errno == ENOENT ? VMCP_ENOENT : VMCP_EIO;
	int r = take_out(s, out, vd, false);
	if (r)
		return r;
	/* The CP writes the disc, not the guest: read-only binds the guest; no trace. */
	VdDisk wr = *vd;
	wr.readonly = false;
	wr.trace = NULL;
	VdErr e;
	u64 bytes = 0;
	if ((r = cp_image_import(&wr, s->vm.name, vd->dev, path, false, &bytes, &e)))
		return cmsg(out, e.num, 'E', "%s", e.text), r;
	u64 medium = vd_medium_size(bytes);
	if ((r = vmfat_set_medium(s->vm.dasd, s->vm.name, vd->dev, medium)))
		return cmsg(out, s->vm.dasd->err.num, 'E', "%s", s->vm.dasd->err.text), r;
	vd->medium = medium;
	machine_set_medium(s->m, vm_dev_index(vd->dev), medium, true);
	cmsg(out, VMM_DISC, 'I', "%s: disc %s in (%llu bytes)", vd->dev, path, (unsigned long long)medium);
	return 0;
}

/* begin ADDR: EIP = ADDR in the current CS; begin SEG:OFF in real or V86 mode also
 * loads CS as the CPU does there (base SEG * 16). */
static int begin_at(VmSession *s, FILE *out, const char *a)
{
	CpuState st;
	machine_get_regs(s->m, &st);
	const char *colon = strchr(a, ':');
	u32 off, seg = 0;
	if (colon) {
		char segtext[16];
		size_t k = (size_t)(colon - a);
		if (k == 0 || k >= sizeof(segtext))
			return bad(out, "begin: bad address %s (hex ADDR or SEG:OFF)", a);
		memcpy(segtext, a, k);
		segtext[k] = 0;
		if (!hex32(segtext, &seg) || seg > 0xFFFF || !hex32(colon + 1, &off) || off > 0xFFFF)
			return bad(out, "begin: bad address %s (hex ADDR or SEG:OFF)", a);
		bool real = !(st.cr0 & CR0_PE) || (st.eflags & FLAG_VM);
		if (!real)
			return bad(out, "begin SEG:OFF needs real or V86 mode; give an offset in the current CS");
		st.seg[SEG_CS].sel = (u16)seg;
		st.seg[SEG_CS].base = seg << 4;
	} else if (!hex32(a, &off)) {
		return bad(out, "begin: bad address %s (hex ADDR or SEG:OFF)", a);
	}
	st.eip = off;
	st.halted = false;
	machine_set_regs(s->m, &st);
	return 0;
}

int vmcmd_exec(VmSession *s, const char *text, FILE *out, const char *cwd)
{
	char line[512];
	if (strlen(text) >= sizeof(line))
		return bad(out, "command line too long (at most %zu characters)", sizeof(line) - 1);
	snprintf(line, sizeof(line), "%s", text);
	char *w[9];
	int n = 0;
	for (char *save = NULL, *t = strtok_r(line, " \t\r\n", &save); t;
	     t = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == 8)
			return bad(out, "too many operands");
		w[n++] = t;
	}
	if (n == 0)
		return VMCMD_STAY;
	if (word_is(w[0], "begin", 1)) {
		if (n > 2)
			return bad(out, "begin [ADDR | SEG:OFF], not more");
		if (n == 2) {
			int r = begin_at(s, out, w[1]);
			if (r)
				return r;
		}
		return VMCMD_BEGIN;
	}
	if (word_is(w[0], "stop", 4)) {
		if (n > 1)
			return bad(out, "stop takes no operands");
		if (s->state == VMS_RUNNING)
			session_stop(s);
		else /* said again, for a console that attaches now */
			session_msg(s, VMM_CP_READ, 'I', "CP READ (VM %s %s; begin resumes)", s->vm.name,
				    s->state == VMS_HALTED ? "halted" : "stopped");
		return VMCMD_STAY;
	}
	if (word_is(w[0], "shutdown", 4) || word_is(w[0], "logoff", 3)) {
		if (n > 1)
			return bad(out, "%s takes no operands", w[0]);
		return VMCMD_END;
	}
	if (word_is(w[0], "display", 1)) {
		if (n == 2 && word_is(w[1], "registers", 1)) {
			display_registers(s, out);
			return VMCMD_STAY;
		}
		if ((n == 3 || n == 4) && word_is(w[1], "memory", 1))
			return display_memory(s, out, w[2], n == 4 ? w[3] : NULL);
		return bad(out, "display registers | display memory ADDR [LEN]");
	}
	if (word_is(w[0], "query", 1)) {
		if (n == 1) {
			query(s, out);
			return VMCMD_STAY;
		}
		if (n == 2 && word_is(w[1], "vd", 2)) {
			query_vd(s, out);
			return VMCMD_STAY;
		}
		return bad(out, "query | query vd");
	}
	if (word_is(w[0], "trace", 2))
		return trace_cmd(s, out, w, n, cwd);
	if (word_is(w[0], "trap", 3))
		return trap_cmd(s, out, w, n);
	if ((word_is(w[0], "system", 3) && n == 2 && word_is(w[1], "reset", 5)) ||
	    (word_is(w[0], "ipl", 3) && n == 1)) {
		machine_reset(s->m);
		s->shutdown_held = false;
		if (s->state == VMS_HALTED)
			s->state = VMS_STOPPED;
		link_state(s, NULL);
		cmsg(out, VMM_RESET, 'I', "VM %s reset", s->vm.name);
		return VMCMD_STAY;
	}
	if (word_is(w[0], "system", 3) || word_is(w[0], "ipl", 3))
		return bad(out, "system reset | ipl, with nothing more");
	if (word_is(w[0], "change", 2))
		return change_cmd(s, out, text, w, n, cwd);
	if (word_is(w[0], "eject", 2))
		return eject_cmd(s, out, w, n);
	if (word_is(w[0], "disconnect", 4))
		return bad(out, "disconnect is for a console attached with vmcp attach; this one runs "
			   "the VM (vmcp ipl): shutdown ends it, begin or Ctrl-] resumes it");
	if (word_is(w[0], "help", 1)) {
		fputs(VMCMD_HELP, out);
		return VMCMD_STAY;
	}
	cmsg(out, VMM_UNKNOWN_CMD, 'E', "Unknown VM command %s; help lists them", w[0]);
	return VMCP_EINVAL;
}
