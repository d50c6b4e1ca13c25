/* vmcmd.c: VM commands: typed at the CP prompt after the console's escape key (Ctrl-],
 * z/VM's #CP), sent from another terminal (`vmcp send NAME ...`), or run by a script's
 * `cp` lines. Words may be abbreviated down to the capitals below and typed in any case;
 * an operand a command does not take is refused with a numbered message.
 *
 *   Begin [ADDR | SEG:OFF]              resume the VM (at ADDR in CS, or SEG:OFF in real
 *                                       or V86 mode)
 *   STOP                                stop the VM at CP READ
 *   STEP [N]                            N instructions, each shown (break.c)
 *   Display ...                         registers, memory, disassembly, tables, page walk
 *   STore ...                           registers, memory (display.c)
 *   BReak ..., Query Break              the CP's breakpoints (break.c)
 *   Query [VD]                          VM state / VDDATA: each VD and where it lies
 *   TRace KIND ... | TRace OFF          the traces (dtrace.c)
 *   TRAp IO PORT[-PORT] [ON|OFF]        stop at CP READ before each access to the ports
 *   SYMbols FILE|OFF                    a System.map for names (disasm.c)
 *   GDB [HOST:]PORT|OFF                 the gdb remote stub (gdbstub.c)
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
#include "cp/debug.h"
#include "cp/session.h"
#include "vd/vdconf.h"

#define VMCMD_HELP                                                                              \
	"begin [ADDR|SEG:OFF] | stop | step [N] | shutdown | system reset | ipl\n"                   \
	"display registers [general|segment|control|debug|x87|sse|msr|all]\n"                       \
	"display p|l|SEG:OFF ADDR [LEN] | display memory ADDR [LEN] | display i [ADDR] [N]\n"        \
	"display gdt|idt|ldt [FIRST [COUNT]] | display tss | display pagewalk ADDR\n"                \
	"store REG VALUE | store p|l|SEG:OFF ADDR [byte|word|dword] VALUE...\n"                     \
	"break [p|l] ADDR|SEG:OFF|A-B | break write|read|access [p|l] A[-B|.LEN] | break io PORTS |\n" \
	"break int VECS | break mode | break cr3 [VALUE] | break count N|+N  (each [run|norun])\n"    \
	"break delete N|all | query break | query [vd]\n"                                            \
	"trace insn|int|branch|cr3|io|vd|cpu [on|off] [RANGE] [run|norun] [to FILE|to console] |\n"  \
	"trace off | trap io PORT[-PORT] [on|off] | symbols FILE|off | gdb [HOST:]PORT|off |\n"  \
	"change DEV FILE | eject DEV [force]\n"

/* A message to the command's output (stdout/stderr by severity for the local console). */
int dbg_msg(FILE *out, int num, char sev, const char *fmt, ...)
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

int dbg_bad(FILE *out, const char *fmt, ...)
{
	char text[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	dbg_msg(out, VMM_BAD_ARG, 'E', "%s", text);
	return VMCP_EINVAL;
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
bool dbg_word(const char *w, const char *full, size_t min)
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

/* trap io PORT[-PORT] [on|off]: the CPU leaves the guest before each access to these
 * ports (the trap path, cpu.h), and the VM stops at CP READ. */
static int trap_cmd(VmSession *s, FILE *out, char **w, int n)
{
	u16 lo, hi;
	if (n < 3 || n > 4 || !dbg_word(w[1], "io", 2) || !port_range(w[2], &lo, &hi))
		return dbg_bad(out, "trap io PORT[-PORT] [on|off]");
	bool on = true;
	if (n == 4) {
		if (dbg_word(w[3], "off", 3))
			on = false;
		else if (!dbg_word(w[3], "on", 2))
			return dbg_bad(out, "trap io: on or off, not %s", w[3]);
	}
	u8 *map = s->dbg->trap_ports;
	for (u32 p = lo; p <= hi; p++)
		map[p >> 3] = on ? (u8)(map[p >> 3] | 1u << (p & 7)) : (u8)(map[p >> 3] & ~(1u << (p & 7)));
	dbg_apply(s);
	dbg_msg(out, VMM_TRACE, 'I', "trap io %04x-%04x %s", lo, hi, on ? "on" : "off");
	return 0;
}

/* The CD-ROM drive dev of the VM (its VD), or NULL after the message. */
static VdDisk *cd_drive(VmSession *s, FILE *out, const char *dev)
{
	int d = vm_dev_index(dev);
	VdDisk *vd = d >= VM_DEV_HDA && d <= VM_DEV_HDD ? vmblock_vd(&s->vm, vm_dev_name(d)) : NULL;
	if (!vd || vd->type != VD_TYPE_CDROM) {
		dbg_msg(out, VMM_NO_CDROM, 'E', "VM %s has no CD-ROM drive %s", s->vm.name, dev);
		return NULL;
	}
	return vd;
}

/* Takes the disc out of drive vd: the guest's lock holds unless force. */
static int take_out(VmSession *s, FILE *out, VdDisk *vd, bool force)
{
	int r = machine_set_medium(s->m, vm_dev_index(vd->dev), 0, force);
	if (r == VMCP_EBUSY)
		return dbg_msg(out, VMM_DISC_LOCKED, 'E', "%s: the guest prevents the removal of its disc "
			    "(PREVENT ALLOW MEDIUM REMOVAL); eject %s force takes it out", vd->dev, vd->dev),
		       VMCP_EBUSY;
	if (r)
		return dbg_msg(out, VMM_NO_CDROM, 'E', "VM %s has no CD-ROM drive %s", s->vm.name, vd->dev), r;
	vd->medium = 0;
	if (vmfat_set_medium(s->vm.dasd, s->vm.name, vd->dev, 0))
		return dbg_msg(out, s->vm.dasd->err.num, 'E', "%s", s->vm.dasd->err.text), s->vm.dasd->err.code;
	return 0;
}

/* eject DEV [force]: the disc out of the drive; the guest sees no medium. */
static int eject_cmd(VmSession *s, FILE *out, char **w, int n)
{
	if (n < 2 || n > 3 || (n == 3 && !dbg_word(w[2], "force", 5)))
		return dbg_bad(out, "eject DEV [force]");
	VdDisk *vd = cd_drive(s, out, w[1]);
	if (!vd)
		return VMCP_ENOENT;
	int r = take_out(s, out, vd, n == 3);
	if (!r)
		dbg_msg(out, VMM_DISC, 'I', "%s: disc taken out", vd->dev);
	return r;
}

/* change DEV FILE: the image FILE (the rest of the line, relative to cwd) becomes the
 * disc in the drive: the old disc comes out (refused while the guest prevents it), the
 * image is written into the VD through the VD manager (the VM waits meanwhile), the
 * settings file records it, and the guest sees UNIT ATTENTION and its capacity. */
static int change_cmd(VmSession *s, FILE *out, const char *text, char **w, int n, const char *cwd)
{
	if (n < 3)
		return dbg_bad(out, "change DEV FILE");
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
		return dbg_msg(out, VDM_IMAGE_IO, 'E', "Cannot read image %s: %s", path, strerror(errno)),
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
		return dbg_msg(out, e.num, 'E', "%s", e.text), r;
	u64 medium = vd_medium_size(bytes);
	if ((r = vmfat_set_medium(s->vm.dasd, s->vm.name, vd->dev, medium)))
		return dbg_msg(out, s->vm.dasd->err.num, 'E', "%s", s->vm.dasd->err.text), r;
	vd->medium = medium;
	machine_set_medium(s->m, vm_dev_index(vd->dev), medium, true);
	dbg_msg(out, VMM_DISC, 'I', "%s: disc %s in (%llu bytes)", vd->dev, path, (unsigned long long)medium);
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
			return dbg_bad(out, "begin: bad address %s (hex ADDR or SEG:OFF)", a);
		memcpy(segtext, a, k);
		segtext[k] = 0;
		if (!dbg_hex(segtext, &seg) || seg > 0xFFFF || !dbg_parse_value(s, colon + 1, &off) ||
		    off > 0xFFFF)
			return dbg_bad(out, "begin: bad address %s (hex ADDR or SEG:OFF)", a);
		bool real = !(st.cr0 & CR0_PE) || (st.eflags & FLAG_VM);
		if (!real)
			return dbg_bad(out, "begin SEG:OFF needs real or V86 mode; give an offset in the current CS");
		st.seg[SEG_CS].sel = (u16)seg;
		st.seg[SEG_CS].base = seg << 4;
	} else if (!dbg_parse_value(s, a, &off)) {
		return dbg_bad(out, "begin: bad address %s (hex ADDR or SEG:OFF)", a);
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
		return dbg_bad(out, "command line too long (at most %zu characters)", sizeof(line) - 1);
	snprintf(line, sizeof(line), "%s", text);
	char *w[17];
	int n = 0;
	for (char *save = NULL, *t = strtok_r(line, " \t\r\n", &save); t;
	     t = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == 16)
			return dbg_bad(out, "too many operands");
		w[n++] = t;
	}
	if (n == 0)
		return VMCMD_STAY;
	int r;
	if (dbg_word(w[0], "begin", 1)) {
		if (n > 2)
			return dbg_bad(out, "begin [ADDR | SEG:OFF], not more");
		if (n == 2) {
			r = begin_at(s, out, w[1]);
			if (r)
				return r;
		}
		return VMCMD_BEGIN;
	}
	if (dbg_word(w[0], "stop", 4)) {
		if (n > 1)
			return dbg_bad(out, "stop takes no operands");
		if (s->state == VMS_RUNNING)
			session_stop(s);
		else /* said again, for a console that attaches now */
			session_msg(s, VMM_CP_READ, 'I', "CP READ (VM %s %s; begin resumes)", s->vm.name,
				    s->state == VMS_HALTED ? "halted" : "stopped");
		return VMCMD_STAY;
	}
	if (dbg_word(w[0], "step", 4)) {
		r = dbg_cmd_step(s, out, w, n);
		return r < 0 ? r : s->end ? VMCMD_END : VMCMD_STAY;
	}
	if (dbg_word(w[0], "shutdown", 4) || dbg_word(w[0], "logoff", 3)) {
		if (n > 1)
			return dbg_bad(out, "%s takes no operands", w[0]);
		return VMCMD_END;
	}
	if (dbg_word(w[0], "display", 1)) {
		r = dbg_cmd_display(s, out, w, n);
		return r < 0 ? r : VMCMD_STAY;
	}
	if (dbg_word(w[0], "store", 2)) {
		r = dbg_cmd_store(s, out, w, n);
		return r < 0 ? r : VMCMD_STAY;
	}
	if (dbg_word(w[0], "break", 2)) {
		r = dbg_cmd_break(s, out, w, n);
		return r < 0 ? r : VMCMD_STAY;
	}
	if (dbg_word(w[0], "query", 1)) {
		if (n == 1) {
			query(s, out);
			return VMCMD_STAY;
		}
		if (n == 2 && dbg_word(w[1], "vd", 2)) {
			query_vd(s, out);
			return VMCMD_STAY;
		}
		if (n == 2 && dbg_word(w[1], "break", 1))
			return dbg_cmd_query_break(s, out);
		return dbg_bad(out, "query | query vd | query break");
	}
	if (dbg_word(w[0], "trace", 2)) {
		r = dbg_cmd_trace(s, out, w, n, cwd);
		return r < 0 ? r : VMCMD_STAY;
	}
	if (dbg_word(w[0], "trap", 3))
		return trap_cmd(s, out, w, n);
	if (dbg_word(w[0], "symbols", 3)) {
		r = dbg_cmd_symbols(s, out, w, n, cwd);
		return r < 0 ? r : VMCMD_STAY;
	}
	if (dbg_word(w[0], "gdb", 3)) {
		r = dbg_cmd_gdb(s, out, w, n);
		return r < 0 ? r : VMCMD_STAY;
	}
	if ((dbg_word(w[0], "system", 3) && n == 2 && dbg_word(w[1], "reset", 5)) ||
	    (dbg_word(w[0], "ipl", 3) && n == 1)) {
		machine_reset(s->m);
		s->shutdown_held = false;
		if (s->state == VMS_HALTED)
			s->state = VMS_STOPPED;
		link_state(s, NULL);
		dbg_msg(out, VMM_RESET, 'I', "VM %s reset", s->vm.name);
		return VMCMD_STAY;
	}
	if (dbg_word(w[0], "system", 3) || dbg_word(w[0], "ipl", 3))
		return dbg_bad(out, "system reset | ipl, with nothing more");
	if (dbg_word(w[0], "change", 2))
		return change_cmd(s, out, text, w, n, cwd);
	if (dbg_word(w[0], "eject", 2))
		return eject_cmd(s, out, w, n);
	if (dbg_word(w[0], "disconnect", 4))
		return dbg_bad(out, "disconnect is for a console attached with vmcp attach; this one runs "
			       "the VM (vmcp ipl): shutdown ends it, begin or Ctrl-] resumes it");
	if (dbg_word(w[0], "help", 1)) {
		fputs(VMCMD_HELP, out);
		return VMCMD_STAY;
	}
	dbg_msg(out, VMM_UNKNOWN_CMD, 'E', "Unknown VM command %s; help lists them", w[0]);
	return VMCP_EINVAL;
}
