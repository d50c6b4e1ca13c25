/* break.c: the breakpoints the CP keeps (z/VM's TRACE ... NORUN/RUN, Bochs's and gdb's
 * breakpoints), stepping, and the one place where a debugging exit of the CPU becomes
 * messages, trace lines and a stop at CP READ:
 *
 *   BReak [P|L] ADDR|SEG:OFF|A-B [RUN]        execution: before the instruction runs
 *   BReak Write|Read|ACCess [P|L] A[-B|.LEN] [RUN]  memory: after the instruction that
 *                                             wrote (read) a watched byte
 *   BReak IO PORT[-PORT] [RUN]                port access: before it happens
 *   BReak INT VEC[-VEC] [RUN]                 interrupt or exception: once delivered
 *   BReak MODE [RUN]                          real/protected/V86 or paging on/off
 *   BReak CR3 [VALUE] [RUN]                   a new address space (a process switch)
 *   BReak COUNT N|+N [RUN]                    the VM's instruction count reaches N
 *   BReak DELete N|ALL,  Query Break
 *   STEP [N]                                  N instructions, each shown, then CP READ
 *
 * Each hit says what hit and where (message 524); without RUN the VM then stops at CP
 * READ, with RUN it goes on. The hooks are the CPU's (cpu.h CpuDebug, set through
 * machine_set_debug), the ports the I/O bus's trap bitmap (shared with `trap io`). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"
#include "cp/debug.h"
#include "cp/session.h"

#define STEP_MAX 100000

Dbg *dbg_new(void)
{
	Dbg *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->next_id = 1;
	for (int i = 0; i < TR_KINDS; i++) {
		d->tr[i].cs = -1;
		d->tr[i].hi = 0xFFFFFFFFu;
	}
	d->tr[TR_IO].hi = 0xFFFF;
	d->tr[TR_INT].hi = 0xFF;
	return d;
}

void dbg_free(VmSession *s)
{
	Dbg *d = s->dbg;
	if (!d)
		return;
	if (d->gdb)
		gdb_close(s);
	dbg_trace_close(s);
	dbg_free_symbols(d);
	free(d->cr3_seen);
	free(d);
	s->dbg = NULL;
}

bool dbg_can_hold(const VmSession *s)
{
	return s->interactive || s->o.hold || s->script || s->link.fd >= 0 || s->dbg->gdb;
}

/* ---- applying ---- */
void dbg_apply(VmSession *s)
{
	Dbg *d = s->dbg;
	if (!s->m)
		return;
	CpuDebug c;
	memset(&c, 0, sizeof(c));
	u64 now = machine_icount(s->m);
	u8 ports[65536 / 8];
	memcpy(ports, d->trap_ports, sizeof(ports));
	for (int i = 0; i < d->nbrk; i++) {
		const Brk *b = &d->brk[i];
		switch (b->kind) {
		case BRK_EXEC:
			if (c.nexec < CPU_DBG_EXEC_MAX)
				c.exec[c.nexec++] = (CpuExecRange){b->lo, b->hi, b->phys, b->cs};
			break;
		case BRK_WATCH:
			if (c.nwatch < CPU_DBG_WATCH_MAX)
				c.watch[c.nwatch++] = (CpuWatchRange){b->lo, b->hi, b->phys, b->rw};
			break;
		case BRK_IO:
			for (u32 p = b->lo; p <= b->hi; p++)
				ports[p >> 3] |= (u8)(1u << (p & 7));
			break;
		case BRK_INT:
			for (u32 v = b->lo; v <= b->hi; v++)
				c.vectors[v >> 5] |= 1u << (v & 31);
			break;
		case BRK_MODE:
			c.mode = true;
			break;
		case BRK_CR3:
			c.cr3 = true;
			break;
		case BRK_COUNT:
			if (b->count > now && (!c.icount || b->count < c.icount))
				c.icount = b->count;
			break;
		}
	}
	const Trace *t = d->tr;
	if (t[TR_INSN].on && c.nexec < CPU_DBG_EXEC_MAX)
		c.exec[c.nexec++] = (CpuExecRange){t[TR_INSN].lo, t[TR_INSN].hi, false, t[TR_INSN].cs};
	if (t[TR_INT].on)
		for (u32 v = t[TR_INT].lo; v <= t[TR_INT].hi; v++)
			c.vectors[v >> 5] |= 1u << (v & 31);
	if (t[TR_BRANCH].on)
		c.branch = c.mode = true;
	if (t[TR_CR3].on)
		c.cr3 = true;
	if (d->step_icount > now && (!c.icount || d->step_icount < c.icount))
		c.icount = d->step_icount;
	machine_set_debug(s->m, &c);
	/* the port traps: `trap io` and the I/O breakpoints */
	machine_trap_io(s->m, 0, 0xFFFF, false);
	for (u32 p = 0; p < 65536;) {
		if (!(ports[p >> 3] >> (p & 7) & 1)) {
			p++;
			continue;
		}
		u32 q = p;
		while (q + 1 < 65536 && (ports[(q + 1) >> 3] >> ((q + 1) & 7) & 1))
			q++;
		machine_trap_io(s->m, (u16)p, (u16)q, true);
		p = q + 1;
	}
}

/* ---- address spaces seen (break cr3 new) ---- */
static u32 seen_pos(const Dbg *d, u32 v)
{
	u32 lo = 0, hi = d->ncr3_seen;
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		if (d->cr3_seen[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool seen_has(const Dbg *d, u32 v)
{
	u32 i = seen_pos(d, v);
	return i < d->ncr3_seen && d->cr3_seen[i] == v;
}

/* Remembers v; an allocation failure only makes a later load of it "new" again. */
static void seen_add(Dbg *d, u32 v)
{
	u32 i = seen_pos(d, v);
	if (i < d->ncr3_seen && d->cr3_seen[i] == v)
		return;
	if (d->ncr3_seen == d->cr3_cap) {
		u32 cap = d->cr3_cap ? d->cr3_cap * 2 : 256;
		u32 *n = realloc(d->cr3_seen, cap * sizeof(u32));
		if (!n)
			return;
		d->cr3_seen = n;
		d->cr3_cap = cap;
	}
	memmove(d->cr3_seen + i + 1, d->cr3_seen + i, (d->ncr3_seen - i) * sizeof(u32));
	d->cr3_seen[i] = v;
	d->ncr3_seen++;
}

/* ---- setting ---- */
static const char *kind_name(BrkKind k)
{
	static const char *const n[] = {"execution", "watch", "io", "int", "mode", "cr3", "count"};
	return n[k];
}

static int count_kind(const Dbg *d, BrkKind k)
{
	int n = 0;
	for (int i = 0; i < d->nbrk; i++)
		n += d->brk[i].kind == k;
	return n;
}

int dbg_brk_add(VmSession *s, const Brk *b)
{
	Dbg *d = s->dbg;
	if (d->nbrk >= DBG_BRK_MAX)
		return VMCP_ENOSPC;
	if (b->kind == BRK_EXEC && count_kind(d, BRK_EXEC) >= CPU_DBG_EXEC_MAX - 1)
		return VMCP_ENOSPC; /* one range stays for trace insn */
	if (b->kind == BRK_WATCH && count_kind(d, BRK_WATCH) >= CPU_DBG_WATCH_MAX)
		return VMCP_ENOSPC;
	Brk *n = &d->brk[d->nbrk++];
	*n = *b;
	n->id = d->next_id++;
	n->hits = 0;
	dbg_apply(s);
	return n->id;
}

int dbg_brk_delete(VmSession *s, int id, bool gdb_only)
{
	Dbg *d = s->dbg;
	int k = 0, gone = 0;
	for (int i = 0; i < d->nbrk; i++) {
		const Brk *b = &d->brk[i];
		if ((id && b->id != id) || (gdb_only && !b->gdb))
			d->brk[k++] = *b;
		else
			gone++;
	}
	d->nbrk = k;
	dbg_apply(s);
	return gone;
}

bool dbg_brk_remove_gdb(VmSession *s, BrkKind kind, u32 lo, u32 hi, u8 rw)
{
	Dbg *d = s->dbg;
	for (int i = 0; i < d->nbrk; i++) {
		const Brk *b = &d->brk[i];
		if (b->gdb && b->kind == kind && b->lo == lo && b->hi == hi && (kind != BRK_WATCH || b->rw == rw)) {
			dbg_brk_delete(s, b->id, true);
			return true;
		}
	}
	return false;
}

static bool vec_range(const char *t, u32 *lo, u32 *hi)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%s", t);
	char *dash = strchr(buf + (buf[0] != 0), '-');
	if (dash)
		*dash = 0;
	if (!dbg_hex(buf, lo) || *lo > 0xFF)
		return false;
	*hi = *lo;
	if (dash && (!dbg_hex(dash + 1, hi) || *hi > 0xFF || *hi < *lo))
		return false;
	return true;
}

static void brk_text(VmSession *s, Brk *b)
{
	char sym[160];
	switch (b->kind) {
	case BRK_EXEC:
		if (b->cs >= 0)
			snprintf(b->what, sizeof(b->what), "execution at %04x:%04x", b->cs, b->lo - ((u32)b->cs << 4));
		else if (b->lo == b->hi)
			snprintf(b->what, sizeof(b->what), "execution at %s %08x%s", b->phys ? "physical" : "linear",
				 b->lo, b->phys ? "" : dbg_sym(s, b->lo, sym, sizeof(sym)));
		else
			snprintf(b->what, sizeof(b->what), "execution in %s %08x-%08x", b->phys ? "physical" : "linear",
				 b->lo, b->hi);
		break;
	case BRK_WATCH:
		snprintf(b->what, sizeof(b->what), "%s of %s %08x-%08x%s",
			 b->rw == (CPU_WATCH_R | CPU_WATCH_W) ? "access" : b->rw == CPU_WATCH_W ? "write" : "read",
			 b->phys ? "physical" : "linear", b->lo, b->hi,
			 b->phys ? "" : dbg_sym(s, b->lo, sym, sizeof(sym)));
		break;
	case BRK_IO:
		snprintf(b->what, sizeof(b->what), "io ports %04x-%04x", b->lo, b->hi);
		break;
	case BRK_INT:
		snprintf(b->what, sizeof(b->what), "interrupt vectors %02x-%02x", b->lo, b->hi);
		break;
	case BRK_MODE:
		snprintf(b->what, sizeof(b->what), "mode change");
		break;
	case BRK_CR3:
		if (b->has_value)
			snprintf(b->what, sizeof(b->what), "cr3 load of %08x", b->value);
		else if (b->new_only)
			snprintf(b->what, sizeof(b->what), "cr3 load of a new address space");
		else
			snprintf(b->what, sizeof(b->what), "cr3 change");
		break;
	case BRK_COUNT:
		snprintf(b->what, sizeof(b->what), "instruction count %llu", (unsigned long long)b->count);
		break;
	}
}

#define BREAK_USAGE                                                                              \
	"break [p|l] ADDR|SEG:OFF|A-B | break write|read|access [p|l] A[-B|.LEN] | break io "     \
	"PORT[-PORT] | break int VEC[-VEC] | break mode | break cr3 [VALUE|new] | break count N|+N, " \
	"each [run|norun]; break delete N|all"

int dbg_cmd_break(VmSession *s, FILE *out, char **w, int n)
{
	if (n < 2)
		return dbg_bad(out, BREAK_USAGE);
	/* run / norun at the end */
	Brk b;
	memset(&b, 0, sizeof(b));
	b.cs = -1;
	if (n > 2 && dbg_word(w[n - 1], "run", 3)) {
		b.run = true;
		n--;
	} else if (n > 2 && dbg_word(w[n - 1], "norun", 5)) {
		n--;
	}
	const char *k = w[1];
	char why[200];
	int used;
	if (dbg_word(k, "delete", 3)) {
		if (n != 3)
			return dbg_bad(out, "break delete N|all");
		if (dbg_word(w[2], "all", 3)) {
			int gone = dbg_brk_delete(s, 0, false);
			dbg_msg(out, VMM_BREAK_DEL, 'I', "%d breakpoint%s deleted", gone, gone == 1 ? "" : "s");
			return 0;
		}
		char *end;
		long id = strtol(w[2], &end, 10);
		if (*end || id <= 0 || id > 0x7FFFFFFF)
			return dbg_bad(out, "break delete: a breakpoint number or all, not %s", w[2]);
		if (!dbg_brk_delete(s, (int)id, false))
			return dbg_bad(out, "break delete: no breakpoint %ld (query break lists them)", id);
		dbg_msg(out, VMM_BREAK_DEL, 'I', "Breakpoint %ld deleted", id);
		return 0;
	}
	if (dbg_word(k, "write", 1) || dbg_word(k, "read", 1) || dbg_word(k, "access", 3)) {
		b.kind = BRK_WATCH;
		b.rw = k[0] == 'w' || k[0] == 'W' ? CPU_WATCH_W : k[0] == 'r' || k[0] == 'R' ? CPU_WATCH_R
										   : CPU_WATCH_R | CPU_WATCH_W;
		DAddr a;
		if (!dbg_parse_range(s, w + 2, n - 2, &used, &a, &b.hi, false, why, sizeof(why)))
			return dbg_bad(out, "break %s: %s", k, why);
		if (2 + used != n)
			return dbg_bad(out, "break %s: unexpected operand %s", k, w[2 + used]);
		b.lo = a.addr;
		b.phys = a.phys;
	} else if (dbg_word(k, "io", 2)) {
		b.kind = BRK_IO;
		u32 lo, hi;
		char buf[32];
		if (n != 3)
			return dbg_bad(out, "break io PORT[-PORT] [run]");
		snprintf(buf, sizeof(buf), "%s", w[2]);
		char *dash = strchr(buf + 1, '-');
		if (dash)
			*dash = 0;
		if (!dbg_hex(buf, &lo) || lo > 0xFFFF || (dash && (!dbg_hex(dash + 1, &hi) || hi > 0xFFFF || hi < lo)))
			return dbg_bad(out, "break io: bad port range %s (hex PORT or PORT-PORT)", w[2]);
		b.lo = lo;
		b.hi = dash ? hi : lo;
	} else if (dbg_word(k, "int", 3)) {
		b.kind = BRK_INT;
		if (n != 3 || !vec_range(w[2], &b.lo, &b.hi))
			return dbg_bad(out, "break int VEC[-VEC] (hex, 0-ff)");
	} else if (dbg_word(k, "mode", 2)) {
		b.kind = BRK_MODE;
		if (n != 2)
			return dbg_bad(out, "break mode takes nothing more than run|norun");
	} else if (dbg_word(k, "cr3", 3)) {
		b.kind = BRK_CR3;
		if (n == 3 && dbg_word(w[2], "new", 3)) {
			/* the address spaces known now are not new */
			CpuState st;
			machine_get_regs(s->m, &st);
			s->dbg->ncr3_seen = 0;
			seen_add(s->dbg, st.cr3);
			b.new_only = true;
		} else if (n == 3) {
			if (!dbg_parse_value(s, w[2], &b.value))
				return dbg_bad(out, "break cr3: bad value %s", w[2]);
			b.has_value = true;
		} else if (n != 2) {
			return dbg_bad(out, "break cr3 [VALUE|new] [run]");
		}
	} else if (dbg_word(k, "count", 2)) {
		b.kind = BRK_COUNT;
		char *end;
		const char *t = n == 3 ? w[2] : "";
		bool rel = *t == '+';
		unsigned long long v = strtoull(t + rel, &end, 10);
		if (n != 3 || !t[rel] || *end || t[rel] == '-')
			return dbg_bad(out, "break count N|+N (decimal instructions)");
		u64 now = machine_icount(s->m);
		b.count = rel ? now + v : v;
		if (b.count <= now)
			return dbg_bad(out, "break count: the VM has executed %llu instructions already",
				       (unsigned long long)now);
	} else {
		/* execution */
		b.kind = BRK_EXEC;
		DAddr a;
		if (!dbg_parse_range(s, w + 1, n - 1, &used, &a, &b.hi, false, why, sizeof(why)))
			return dbg_bad(out, "break: %s; %s", why, BREAK_USAGE);
		if (1 + used != n)
			return dbg_bad(out, "break: unexpected operand %s", w[1 + used]);
		b.lo = a.addr;
		b.phys = a.phys;
		b.cs = a.cs;
	}
	brk_text(s, &b);
	int id = dbg_brk_add(s, &b);
	if (id < 0)
		return dbg_bad(out, "break: at most %d breakpoints (%d watches, %d executions)", DBG_BRK_MAX,
			       CPU_DBG_WATCH_MAX, CPU_DBG_EXEC_MAX - 1);
	dbg_msg(out, VMM_BREAK_SET, 'I', "Breakpoint %d set: %s%s", id, b.what, b.run ? " (run)" : "");
	return 0;
}

int dbg_cmd_query_break(VmSession *s, FILE *out)
{
	Dbg *d = s->dbg;
	if (!d->nbrk) {
		fprintf(out, "No breakpoints\n");
		return 0;
	}
	fprintf(out, "%-4s %-10s %-6s %8s  %s\n", "NO", "KIND", "ACTION", "HITS", "WHAT");
	for (int i = 0; i < d->nbrk; i++) {
		const Brk *b = &d->brk[i];
		fprintf(out, "%-4d %-10s %-6s %8llu  %s%s\n", b->id, kind_name(b->kind), b->run ? "run" : "stop",
			(unsigned long long)b->hits, b->what, b->gdb ? " (gdb)" : "");
	}
	return 0;
}

/* ---- hits ---- */
static const char *mode_name(u8 m, char *buf, size_t len)
{
	static const char *const n[] = {"real", "protected", "v86", "?"};
	snprintf(buf, len, "%s%s", n[m & 3], (m & CPU_MODE_PG) ? "+paging" : "");
	return buf;
}

/* A breakpoint hit: counted, said (524), gdb told; returns whether it stops the VM. */
static bool hit(VmSession *s, Brk *b, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool hit(VmSession *s, Brk *b, const char *fmt, ...)
{
	char text[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	b->hits++;
	session_msg(s, VMM_BREAK_HIT, 'I', "Breakpoint %d hit: %s%s", b->id, text, b->run ? " (run)" : "");
	return !b->run;
}

static bool meets(u32 lo, u32 hi, u32 a, u32 b)
{
	return lo <= b && hi >= a;
}

bool dbg_exit(VmSession *s, MachineStop st, const CpuExit *ex)
{
	Dbg *d = s->dbg;
	bool stop = false, trap_stop = false, gdb_hit = false;
	int gdb_watch = 0;
	u32 gdb_addr = 0;
	char sym[160], at[200];
	CpuState rs;
	machine_get_regs(s->m, &rs);
	u16 cs = ex->insn_cs;
	u32 ieip = ex->insn_eip;
	if (st == MACH_STOP_IO_TRAP || st == MACH_STOP_BREAKPOINT) {
		cs = rs.seg[SEG_CS].sel;
		ieip = rs.eip;
	}
	u32 ilin = dbg_cs_lin(s, cs, ieip);
	snprintf(at, sizeof(at), "%04x:%08x%s", cs, ieip, dbg_sym(s, ilin, sym, sizeof(sym)));
	/* (a norun trace of a port access may have asked for a stop already) */
	bool pending = d->stop;
	d->stop = false;
	dbg_trace_exit(s, st, ex);
	stop |= d->stop || pending;
	d->stop = false;
	switch (st) {
	case MACH_STOP_IO_TRAP: {
		u16 p = ex->port;
		if (d->trap_ports[p >> 3] >> (p & 7) & 1) {
			/* `trap io`: the access has not happened yet; the next machine_run
			 * performs it (z/VM's TRACE ... NORUN) */
			if (ex->write)
				session_msg(s, VMM_IO_TRAP, 'I', "I/O trap: out port %04x size %d value %0*x", p,
					    ex->size, 2 * ex->size, ex->value);
			else
				session_msg(s, VMM_IO_TRAP, 'I', "I/O trap: in port %04x size %d", p, ex->size);
			trap_stop = s->interactive || s->o.hold;
		}
		for (int i = 0; i < d->nbrk; i++) {
			Brk *b = &d->brk[i];
			if (b->kind != BRK_IO || p < b->lo || p > b->hi)
				continue;
			char v[32] = "";
			if (ex->write)
				snprintf(v, sizeof(v), " value %0*x", 2 * ex->size, ex->value);
			stop |= hit(s, b, "%s port %04x size %d%s, before the access, at %s",
				    ex->write ? "out" : "in", p, ex->size, v, at);
		}
		break;
	}
	case MACH_STOP_BREAKPOINT:
		for (int i = 0; i < d->nbrk; i++) {
			Brk *b = &d->brk[i];
			if (b->kind != BRK_EXEC)
				continue;
			u32 a = b->phys ? ex->phys : ex->addr;
			if (a < b->lo || a > b->hi || (b->cs >= 0 && b->cs != rs.seg[SEG_CS].sel))
				continue;
			stop |= hit(s, b, "execution at %s (linear %08x, physical %08x)", at, ex->addr, ex->phys);
			if (b->gdb && !gdb_watch)
				gdb_watch = 1; /* a software breakpoint */
			gdb_hit |= b->gdb;
		}
		break;
	case MACH_STOP_DEBUG:
		if (ex->reason == CPU_EXIT_ICOUNT) {
			for (int i = 0; i < d->nbrk; i++) {
				Brk *b = &d->brk[i];
				if (b->kind == BRK_COUNT && b->count == ex->icount)
					stop |= hit(s, b, "instruction count %llu reached, at %04x:%08x",
						    (unsigned long long)ex->icount, rs.seg[SEG_CS].sel, rs.eip);
			}
			dbg_apply(s); /* the next count, if any */
			break;
		}
		for (int i = 0; i < d->nbrk; i++) {
			Brk *b = &d->brk[i];
			char m1[32], m2[32];
			if (b->kind == BRK_WATCH && (ex->dbg & CPU_DBG_WATCH)) {
				u32 a = b->phys ? ex->watch.phys : ex->watch.lin;
				u8 want = ex->watch.write ? CPU_WATCH_W : CPU_WATCH_R;
				if (!(b->rw & want) || !meets(b->lo, b->hi, a, a + ex->watch.size - 1))
					continue;
				int w2 = 2 * ex->watch.size;
				char vals[80];
				if (!ex->watch.write)
					snprintf(vals, sizeof(vals), "value %0*x", w2, ex->watch.val);
				else if (ex->watch.old_known)
					snprintf(vals, sizeof(vals), "%0*x -> %0*x", w2, ex->watch.old, w2, ex->watch.val);
				else
					snprintf(vals, sizeof(vals), "-> %0*x", w2, ex->watch.val);
				stop |= hit(s, b, "%s of %d byte%s at linear %08x (physical %08x), %s, by %s; "
					    "next %04x:%08x", ex->watch.write ? "write" : "read", ex->watch.size,
					    ex->watch.size == 1 ? "" : "s", ex->watch.lin, ex->watch.phys, vals, at,
					    rs.seg[SEG_CS].sel, rs.eip);
				if (b->gdb && !gdb_watch) {
					gdb_watch = b->rw == (CPU_WATCH_R | CPU_WATCH_W) ? 4 : b->rw == CPU_WATCH_R ? 3 : 2;
					gdb_addr = ex->watch.lin;
				}
			} else if (b->kind == BRK_INT && (ex->dbg & CPU_DBG_INT) && ex->intr.vec >= b->lo &&
				   ex->intr.vec <= b->hi) {
				static const char *const kn[] = {"hardware interrupt", "NMI", "exception",
								 "INT", "INT3/INTO", "INT1"};
				char err[32] = "";
				if (ex->intr.has_err)
					snprintf(err, sizeof(err), " error code %04x", ex->intr.err);
				u32 hl = rs.seg[SEG_CS].base + rs.eip;
				char hs[160];
				stop |= hit(s, b, "%s %02x%s from %04x:%08x (CPL %u), handler %04x:%08x%s",
					    kn[ex->intr.kind], ex->intr.vec, err, ex->intr.cs, ex->intr.eip,
					    ex->intr.cpl, rs.seg[SEG_CS].sel, rs.eip, dbg_sym(s, hl, hs, sizeof(hs)));
			} else if (b->kind == BRK_MODE && (ex->dbg & CPU_DBG_MODE)) {
				stop |= hit(s, b, "mode %s -> %s by %s; next %04x:%08x",
					    mode_name(ex->mode.from, m1, sizeof(m1)), mode_name(ex->mode.to, m2, sizeof(m2)),
					    at, rs.seg[SEG_CS].sel, rs.eip);
			} else if (b->kind == BRK_CR3 && (ex->dbg & CPU_DBG_CR3) &&
				   (!b->has_value || b->value == ex->cr3.val) &&
				   (!b->new_only || !seen_has(d, ex->cr3.val))) {
				stop |= hit(s, b, "cr3 %08x -> %08x%s by %s", ex->cr3.old, ex->cr3.val,
					    b->new_only ? " (a new address space)" : "", at);
			} else {
				continue;
			}
			gdb_hit |= b->gdb;
		}
		break;
	default:
		break;
	}
	if (st == MACH_STOP_DEBUG && (ex->dbg & CPU_DBG_CR3))
		seen_add(d, ex->cr3.val);
	if (gdb_hit || gdb_watch) {
		gdb_stopped(s, gdb_watch, gdb_addr);
		return true;
	}
	if (stop && !dbg_can_hold(s)) {
		if (!d->warned_hold)
			session_msg(s, VMM_BREAK_HIT, 'W', "No console, script, CP or gdb can resume VM %s: "
				    "it goes on (breakpoints only log)", s->vm.name);
		d->warned_hold = true;
		stop = false;
	}
	if (stop || trap_stop) {
		if (gdb_waiting(s))
			gdb_stopped(s, 0, 0);
		char line[300];
		dbg_insn_line(s, rs.seg[SEG_CS].sel, rs.eip, rs.seg[SEG_CS].base + rs.eip, line, sizeof(line));
		session_msg(s, VMM_BREAK_HIT, 'I', "Next: %s", line);
		return true;
	}
	return false;
}

/* ---- stepping ---- */
/* A stop of the machine that is the session's, met while stepping. */
static void step_machine_stop(VmSession *s, MachineStop st)
{
	if (st == MACH_STOP_POWEROFF) {
		s->end = true;
		s->stop_msg = VMM_POWEROFF;
	} else if (st == MACH_STOP_DEAD) {
		session_msg(s, VMM_DEAD, 'I', "VM %s halted with interrupts disabled", s->vm.name);
		s->state = VMS_HALTED;
	} else if (st == MACH_STOP_SHUTDOWN) {
		CpuState cs;
		machine_get_regs(s->m, &cs);
		session_msg(s, VMM_SHUTDOWN, 'W', "VM %s: triple fault (CPU shutdown) at %04x:%08x; "
			    "begin resets the machine", s->vm.name, cs.seg[SEG_CS].sel, cs.eip);
		s->shutdown_held = true;
		s->state = VMS_HALTED;
	}
}

bool dbg_step_one(VmSession *s)
{
	Dbg *d = s->dbg;
	u64 target = machine_icount(s->m) + 1;
	d->step_icount = target;
	d->step_broken = false;
	dbg_apply(s);
	for (int tries = 0; tries < 200 && !s->end; tries++) {
		CpuExit ex = {0};
		MachineStop st = machine_run(s->m, machine_now(s->m) + 100000000ull, &ex);
		bool cp = st == MACH_STOP_BREAKPOINT || st == MACH_STOP_IO_TRAP ||
			  (st == MACH_STOP_DEBUG && ex.reason != CPU_EXIT_ICOUNT);
		if (cp && dbg_exit(s, st, &ex)) {
			d->step_broken = true;
			break;
		}
		if (machine_icount(s->m) >= target)
			break;
		if (st != MACH_STOP_TIME && st != MACH_STOP_REQUEST && !cp &&
		    !(st == MACH_STOP_DEBUG && ex.reason == CPU_EXIT_ICOUNT)) {
			/* power-off, a dead halt, a held triple fault */
			step_machine_stop(s, st);
			d->step_broken = true;
			break;
		}
	}
	d->step_icount = 0;
	dbg_apply(s);
	return machine_icount(s->m) >= target;
}

int dbg_cmd_step(VmSession *s, FILE *out, char **w, int n)
{
	unsigned long count = 1;
	if (n > 2)
		return dbg_bad(out, "step [N]");
	if (n == 2) {
		char *end;
		count = strtoul(w[1], &end, 10);
		if (*end || !count || count > STEP_MAX || w[1][0] == '-')
			return dbg_bad(out, "step: 1 to %d instructions, not %s", STEP_MAX, w[1]);
	}
	if (s->state == VMS_RUNNING)
		return dbg_bad(out, "step: the VM is running; stop it first");
	if (s->shutdown_held)
		return dbg_bad(out, "step: the CPU is shut down (triple fault); begin resets the machine");
	char line[300];
	unsigned long i = 0;
	while (i < count) {
		CpuState st;
		machine_get_regs(s->m, &st);
		dbg_insn_line(s, st.seg[SEG_CS].sel, st.eip, st.seg[SEG_CS].base + st.eip, line, sizeof(line));
		fprintf(out, "%s\n", line);
		bool done = dbg_step_one(s);
		i += done;
		if (s->dbg->step_broken || s->end || s->state == VMS_HALTED)
			break; /* a breakpoint hit (said), or the machine stopped */
		if (!done) {
			fprintf(out, "(the instruction did not complete: the CPU waits for an interrupt)\n");
			break;
		}
	}
	CpuState st;
	machine_get_regs(s->m, &st);
	dbg_insn_line(s, st.seg[SEG_CS].sel, st.eip, st.seg[SEG_CS].base + st.eip, line, sizeof(line));
	dbg_msg(out, VMM_STEPPED, 'I', "Stepped %lu instruction%s; next: %s", i, i == 1 ? "" : "s", line);
	return 0;
}
