/* display.c: DISPLAY and STORE (z/VM's), the CP's eyes and hands on a stopped VM:
 *
 *   Display Registers [General|Segment|Control|Debug|X87|SSE|Msr|All]
 *   Display P ADDR [LEN] | Display Memory ADDR [LEN]   physical memory, hex and ASCII
 *   Display L ADDR [LEN] | Display SEG:OFF [LEN]       linear memory, through the guest's
 *                                                      segments and page tables
 *   Display I [ADDR] [N]                               disassembly (16/32-bit by CS.D)
 *   Display GDT|IDT|LDT [FIRST [COUNT]] | Display TSS  descriptor tables, the current TSS
 *   Display PAGEwalk ADDR                              the page-table walk of an address
 *   STore REG VALUE                                    a register or an EFLAGS bit
 *   STore P|L|SEG:OFF ADDR [BYTE|WORD|DWORD] VALUE...  memory
 *
 * Addresses (dbg_parse_addr): a hex number, a register or a symbol with +/- offsets,
 * linear unless P; SEG:OFF adds the segment's base (in real and V86 mode SEG * 16, in
 * protected mode the base of the selector's descriptor, or of a segment register
 * named). Everything goes through the machine's host interface; descriptor and TSS
 * layouts are the SDM's (vol. 3A 3.4.5, 3.5, 6.11, 7.2.1). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"
#include "cp/debug.h"
#include "cp/session.h"

static const char *const gpr32[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
static const char *const gpr16[8] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
static const char *const gpr8[8] = {"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"};
static const char *const sregs[6] = {"es", "cs", "ss", "ds", "fs", "gs"};

bool dbg_hex(const char *a, u32 *v)
{
	if (!strncasecmp(a, "0x", 2))
		a += 2;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(a, &end, 16);
	if (!*a || *end || errno || x > 0xFFFFFFFFull || *a == '-' || *a == '+' || *a == ' ')
		return false;
	*v = (u32)x;
	return true;
}

static bool real_like(const CpuState *st)
{
	return !(st->cr0 & CR0_PE) || (st->eflags & FLAG_VM);
}

/* A register's value by name (32-, 16-, 8-bit, EIP, EFLAGS, segment selectors, CRn). */
static bool reg_value(const CpuState *st, const char *name, u32 *v)
{
	for (int i = 0; i < 8; i++) {
		if (!strcasecmp(name, gpr32[i]))
			return *v = st->gpr[i], true;
		if (!strcasecmp(name, gpr16[i]))
			return *v = st->gpr[i] & 0xFFFF, true;
		if (!strcasecmp(name, gpr8[i]))
			return *v = (st->gpr[i & 3] >> (i < 4 ? 0 : 8)) & 0xFF, true;
	}
	for (int i = 0; i < SEG_COUNT; i++)
		if (!strcasecmp(name, sregs[i]))
			return *v = st->seg[i].sel, true;
	if (!strcasecmp(name, "eip") || !strcasecmp(name, "pc"))
		return *v = st->eip, true;
	if (!strcasecmp(name, "ip"))
		return *v = st->eip & 0xFFFF, true;
	if (!strcasecmp(name, "eflags"))
		return *v = st->eflags, true;
	const u32 cr[5] = {st->cr0, 0, st->cr2, st->cr3, st->cr4};
	for (int i = 0; i < 5; i++) {
		char n[4] = {'c', 'r', (char)('0' + i), 0};
		if (i != 1 && !strcasecmp(name, n))
			return *v = cr[i], true;
	}
	return false;
}

/* A term: a register, a hex number, a symbol. */
static bool term_value(VmSession *s, const CpuState *st, const char *t, u32 *v)
{
	if (reg_value(st, t, v))
		return true;
	if (dbg_hex(t, v))
		return true;
	return dbg_sym_lookup(s, t, v);
}

bool dbg_parse_value(VmSession *s, const char *text, u32 *v)
{
	CpuState st;
	machine_get_regs(s->m, &st);
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", text);
	if (!buf[0])
		return false;
	u32 acc = 0;
	char op = '+';
	char *p = buf;
	for (;;) {
		char *q = p + (*p == '+' || *p == '-'); /* a term may not start the operator */
		char *e = q;
		while (*e && *e != '+' && *e != '-')
			e++;
		char next = *e;
		*e = 0;
		u32 t;
		if (!*p || !term_value(s, &st, p, &t))
			return false;
		acc = op == '+' ? acc + t : acc - t;
		if (!next)
			break;
		op = next;
		p = e + 1;
	}
	*v = acc;
	return true;
}

/* A selector's descriptor from the GDT or the LDT as a segment register would hold it
 * (no privilege checks: the CP may look where the guest could not). The null selector
 * gives an unusable segment; false (why says it) when the selector is beyond its table,
 * or its descriptor is not present or is a system one. */
bool dbg_selector_seg(VmSession *s, const CpuState *st, u16 sel, CpuSeg *seg, char *why, size_t wl)
{
	memset(seg, 0, sizeof(*seg));
	seg->sel = sel;
	if (!(sel & ~3u))
		return true;
	u32 tbase = sel & 4 ? st->ldtr.base : st->gdtr_base;
	u32 tlimit = sel & 4 ? st->ldtr.limit : st->gdtr_limit;
	u32 off = sel & ~7u;
	u8 d[8];
	if (off + 7 > tlimit || machine_read_lin(s->m, tbase + off, d, 8) != 8) {
		snprintf(why, wl, "selector %04x is beyond its descriptor table", sel);
		return false;
	}
	seg->attr = (u16)(d[5] | (d[6] & 0xF0) << 8);
	seg->base = (u32)d[2] | (u32)d[3] << 8 | (u32)d[4] << 16 | (u32)d[7] << 24;
	seg->limit = (u32)d[0] | (u32)d[1] << 8 | (u32)(d[6] & 0x0F) << 16;
	if (seg->attr & 0x8000)
		seg->limit = seg->limit << 12 | 0xFFF;
	if (!(d[5] & 0x80) || !(d[5] & 0x10)) {
		snprintf(why, wl, "selector %04x's descriptor is %s", sel,
			 !(d[5] & 0x80) ? "not present" : "a system descriptor");
		return false;
	}
	return true;
}

/* Loads segment register sr of st (protected mode) with sel's descriptor, as the CP's
 * STORE and gdb do: CS and SS need a code or writable data segment (and not null). */
bool dbg_store_selector(VmSession *s, CpuState *st, int sr, u16 sel, char *why, size_t wl)
{
	CpuSeg g;
	if (!dbg_selector_seg(s, st, sel, &g, why, wl))
		return false;
	bool code = g.attr & 0x08, writable = g.attr & 0x02;
	if ((sr == SEG_CS && (!g.attr || !code)) || (sr == SEG_SS && (!g.attr || code || !writable))) {
		snprintf(why, wl, "selector %04x is no %s segment", sel, sr == SEG_CS ? "code" : "writable data");
		return false;
	}
	st->seg[sr] = g;
	return true;
}

bool dbg_parse_addr(VmSession *s, char **w, int n, int *used, DAddr *a, char *why, size_t wl)
{
	*used = 0;
	memset(a, 0, sizeof(*a));
	a->cs = -1;
	if (n < 1) {
		snprintf(why, wl, "an address is missing");
		return false;
	}
	int k = 0;
	if (n >= 2 && (!strcasecmp(w[0], "p") || !strcasecmp(w[0], "l"))) {
		a->phys = tolower((unsigned char)w[0][0]) == 'p';
		k = 1;
	}
	const char *t = w[k];
	const char *colon = strchr(t, ':');
	if (colon) {
		if (a->phys) {
			snprintf(why, wl, "SEG:OFF is a linear address, not P");
			return false;
		}
		char seg[32];
		size_t sl = (size_t)(colon - t);
		if (sl == 0 || sl >= sizeof(seg)) {
			snprintf(why, wl, "bad address %s", t);
			return false;
		}
		memcpy(seg, t, sl);
		seg[sl] = 0;
		CpuState st;
		machine_get_regs(s->m, &st);
		u32 off, base = 0, sel = 0;
		if (!dbg_parse_value(s, colon + 1, &off)) {
			snprintf(why, wl, "bad offset in %s", t);
			return false;
		}
		int sr = -1;
		for (int i = 0; i < SEG_COUNT; i++)
			if (!strcasecmp(seg, sregs[i]))
				sr = i;
		if (sr >= 0) {
			base = st.seg[sr].base;
			sel = st.seg[sr].sel;
		} else if (dbg_hex(seg, &sel) && sel <= 0xFFFF) {
			if (real_like(&st)) {
				base = sel << 4;
			} else {
				CpuSeg g;
				if (!dbg_selector_seg(s, &st, (u16)sel, &g, why, wl) && !g.attr)
					return false; /* beyond its table (any descriptor gives a base) */
				base = g.base;
			}
		} else {
			snprintf(why, wl, "bad segment %s (hex, or cs ds es fs gs ss)", seg);
			return false;
		}
		if (real_like(&st)) {
			a->cs = (int)sel;
			off &= 0xFFFF;
		}
		a->off = off;
		a->addr = base + off;
		*used = k + 1;
		return true;
	}
	if (!dbg_parse_value(s, t, &a->addr)) {
		snprintf(why, wl, "bad address %s (hex, a register or a symbol, with +/-)", t);
		return false;
	}
	a->off = a->addr;
	*used = k + 1;
	return true;
}

bool dbg_parse_range(VmSession *s, char **w, int n, int *used, DAddr *a, u32 *hi, bool sym_extent,
		     char *why, size_t wl)
{
	*used = 0;
	int k = n >= 2 && (!strcasecmp(w[0], "p") || !strcasecmp(w[0], "l")) ? 1 : 0;
	if (n <= k) {
		snprintf(why, wl, "an address is missing");
		return false;
	}
	const char *t = w[k];
	const char *dot = strchr(t, '.'), *dash = t[0] ? strchr(t + 1, '-') : NULL;
	char left[128];
	u32 len = 0, end = 0;
	bool have_end = false, have_len = false;
	/* A.LEN or A-B; a symbol with a dot in its name (foo.part.0) stays a symbol */
	if (dot && !strchr(t, ':') && dbg_hex(dot + 1, &len) && (size_t)(dot - t) < sizeof(left)) {
		memcpy(left, t, (size_t)(dot - t));
		left[dot - t] = 0;
		have_len = true;
	} else if (dash && !strchr(t, ':') && (size_t)(dash - t) < sizeof(left)) {
		memcpy(left, t, (size_t)(dash - t));
		left[dash - t] = 0;
		if (!dbg_parse_value(s, dash + 1, &end)) {
			snprintf(why, wl, "bad range end in %s (in a range, offsets are +HEX)", t);
			return false;
		}
		have_end = true;
	} else {
		snprintf(left, sizeof(left), "%s", t);
	}
	char *ww[2] = {w[0], left};
	int u;
	if (!dbg_parse_addr(s, k ? ww : ww + 1, k + 1, &u, a, why, wl))
		return false;
	*hi = a->addr;
	if (have_len) {
		if (!len || (u64)a->addr + len - 1 > 0xFFFFFFFFull) {
			snprintf(why, wl, "bad length in %s", t);
			return false;
		}
		*hi = a->addr + len - 1;
	} else if (have_end) {
		if (end < a->addr) {
			snprintf(why, wl, "the range %s ends before it starts", t);
			return false;
		}
		*hi = end;
	} else if (sym_extent && !a->phys) {
		u32 sa;
		if (dbg_sym_lookup(s, left, &sa) && sa == a->addr)
			dbg_sym_extent(s, sa, hi);
	}
	if ((have_len || have_end) && a->cs >= 0)
		a->cs = -1; /* a range is of linear addresses */
	*used = k + 1;
	return true;
}

u32 dbg_read(VmSession *s, const DAddr *a, void *buf, u32 len)
{
	if (a->phys) {
		machine_read_phys(s->m, a->addr, buf, len);
		return len;
	}
	return machine_read_lin(s->m, a->addr, buf, len);
}

u32 dbg_cs_lin(VmSession *s, u16 cs, u32 eip)
{
	CpuState st;
	machine_get_regs(s->m, &st);
	if (cs == st.seg[SEG_CS].sel)
		return st.seg[SEG_CS].base + eip;
	if (real_like(&st))
		return ((u32)cs << 4) + eip;
	CpuSeg g;
	char why[80];
	dbg_selector_seg(s, &st, cs, &g, why, sizeof(why)); /* 0 beyond its table */
	return g.base + eip;
}

void dbg_insn_line(VmSession *s, u16 cs, u32 eip, u32 lin, char *buf, size_t len)
{
	CpuState st;
	machine_get_regs(s->m, &st);
	u8 b[16];
	u32 got = machine_read_lin(s->m, lin, b, 15);
	char text[160], sym[160], hex[48] = "";
	bool code32 = (st.seg[SEG_CS].attr & 0x4000) && !(st.eflags & FLAG_VM) && (st.cr0 & CR0_PE);
	int n = got ? dbg_disasm(s, b, got, eip, code32, text, sizeof(text)) : 0;
	if (!got)
		snprintf(text, sizeof(text), "(not mapped)");
	for (int i = 0; i < (n ? n : (int)MIN(got, 1u)); i++)
		snprintf(hex + 2 * i, sizeof(hex) - (size_t)(2 * i), "%02x", b[i]);
	snprintf(buf, len, "%04x:%08x %08x %-14s %s%s", cs, eip, lin, hex, text,
		 dbg_sym(s, lin, sym, sizeof(sym)));
}

/* ---- display memory ---- */
static void dump(FILE *f, u32 addr, const u8 *b, u32 len)
{
	for (u32 off = 0; off < len; off += 16) {
		u32 k = MIN(16u, len - off);
		fprintf(f, "%08x ", addr + off);
		for (u32 i = 0; i < 16; i++) {
			if (i < k)
				fprintf(f, " %02x", b[off + i]);
			else
				fputs("   ", f);
		}
		fprintf(f, "  ");
		for (u32 i = 0; i < k; i++)
			fputc(b[off + i] >= 0x20 && b[off + i] < 0x7F ? b[off + i] : '.', f);
		fputc('\n', f);
	}
}

static bool parse_len(const char *l, u32 max, u32 *len)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(l, &end, 0);
	if (*end || errno || v == 0 || v > max || *l == '-')
		return false;
	*len = (u32)v;
	return true;
}

static int display_mem(VmSession *s, FILE *f, char **w, int n, bool force_phys)
{
	DAddr a;
	int used;
	char why[160];
	if (!dbg_parse_addr(s, w, n, &used, &a, why, sizeof(why)))
		return dbg_bad(f, "display: %s", why);
	if (force_phys) {
		if (a.cs >= 0 || used != 1)
			return dbg_bad(f, "display memory ADDR [LEN]: a physical address (hex)");
		a.phys = true;
	}
	u32 len = 64;
	if (used < n && !parse_len(w[used], 4096, &len))
		return dbg_bad(f, "display: length 1 to 4096, not %s", w[used]);
	if (used + (used < n) < n)
		return dbg_bad(f, "display: unexpected operand %s", w[n - 1]);
	u8 *b = malloc(len);
	if (!b)
		return dbg_msg(f, VDM_NOMEM, 'E', "Out of memory"), VMCP_ENOMEM;
	u32 got = dbg_read(s, &a, b, len);
	dump(f, a.addr, b, got);
	free(b);
	if (got < len)
		return dbg_msg(f, VMM_NOT_MAPPED, 'E', "Linear address %08x is not mapped", a.addr + got),
		       VMCP_EINVAL;
	return 0;
}

static int display_insns(VmSession *s, FILE *f, char **w, int n)
{
	CpuState st;
	machine_get_regs(s->m, &st);
	DAddr a = {st.seg[SEG_CS].base + st.eip, false, st.seg[SEG_CS].sel, st.eip};
	bool have_cs = true;
	int used = 0;
	if (n > 0) {
		char why[160];
		/* "display i 20" would be ambiguous: a lone number after an address is N */
		if (!dbg_parse_addr(s, w, n, &used, &a, why, sizeof(why)))
			return dbg_bad(f, "display i: %s", why);
		have_cs = a.cs >= 0;
	}
	u32 count = 8;
	if (used < n && !parse_len(w[used], 256, &count))
		return dbg_bad(f, "display i: 1 to 256 instructions, not %s", w[used]);
	if (used + (used < n) < n)
		return dbg_bad(f, "display i: unexpected operand %s", w[n - 1]);
	bool code32 = (st.seg[SEG_CS].attr & 0x4000) && !(st.eflags & FLAG_VM) && (st.cr0 & CR0_PE);
	u32 addr = a.addr, off = a.off;
	for (u32 i = 0; i < count; i++) {
		u8 b[16];
		DAddr at = a;
		at.addr = addr;
		u32 got = dbg_read(s, &at, b, 15);
		if (!got) {
			dbg_msg(f, VMM_NOT_MAPPED, 'E', "Linear address %08x is not mapped", addr);
			return VMCP_EINVAL;
		}
		char text[160], sym[160], hex[48] = "";
		int len = dbg_disasm(s, b, got, have_cs ? off : addr, code32, text, sizeof(text));
		int shown = len ? len : 1;
		for (int k = 0; k < shown; k++)
			snprintf(hex + 2 * k, sizeof(hex) - (size_t)(2 * k), "%02x", b[k]);
		if (have_cs)
			fprintf(f, "%04x:%0*x %08x %-14s %s%s\n", (unsigned)a.cs, code32 ? 8 : 4, off,
				addr, hex, text, dbg_sym(s, addr, sym, sizeof(sym)));
		else
			fprintf(f, "%s%08x %-14s %s%s\n", a.phys ? "P " : "", addr, hex, text,
				a.phys ? "" : dbg_sym(s, addr, sym, sizeof(sym)));
		addr += (u32)shown;
		off = code32 ? off + (u32)shown : (off + (u32)shown) & 0xFFFF;
	}
	return 0;
}

/* ---- registers ---- */
static void seg_text(const CpuSeg *g, bool real, char *buf, size_t len)
{
	u32 a = g->attr;
	if (real) {
		snprintf(buf, len, "%s", "");
		return;
	}
	if (!(a & 0x80)) {
		snprintf(buf, len, " (not present/unusable)");
		return;
	}
	if (a & 0x10) {
		bool code = a & 8;
		snprintf(buf, len, " (%s%s%s, DPL %u, %s%s)", code ? "code" : "data",
			 code ? ((a & 2) ? " readable" : " execute-only") : ((a & 2) ? " writable" : " read-only"),
			 code ? ((a & 4) ? " conforming" : "") : ((a & 4) ? " expand-down" : ""),
			 (a >> 5) & 3, (a & 0x4000) ? "32-bit" : "16-bit", (a & 0x8000) ? ", 4K units" : "");
	} else {
		static const char *const sys[16] = {"reserved", "16-bit TSS", "LDT", "16-bit TSS busy",
			"16-bit call gate", "task gate", "16-bit int gate", "16-bit trap gate", "reserved",
			"32-bit TSS", "reserved", "32-bit TSS busy", "32-bit call gate", "reserved",
			"32-bit int gate", "32-bit trap gate"};
		snprintf(buf, len, " (%s, DPL %u)", sys[a & 15], (a >> 5) & 3);
	}
}

static void show_seg(FILE *f, const char *name, const CpuSeg *g, bool real)
{
	char t[96];
	seg_text(g, real, t, sizeof(t));
	fprintf(f, "%-4s %04x base %08x limit %08x attr %04x%s\n", name, g->sel, g->base, g->limit,
		g->attr, t);
}

static void flags_text(u32 fl, char *buf, size_t len)
{
	static const struct { u32 bit; const char *name; } fb[] = {
		{FLAG_CF, "CF"}, {FLAG_PF, "PF"}, {FLAG_AF, "AF"}, {FLAG_ZF, "ZF"}, {FLAG_SF, "SF"},
		{FLAG_TF, "TF"}, {FLAG_IF, "IF"}, {FLAG_DF, "DF"}, {FLAG_OF, "OF"}, {FLAG_NT, "NT"},
		{FLAG_RF, "RF"}, {FLAG_VM, "VM"}, {FLAG_AC, "AC"}, {FLAG_VIF, "VIF"}, {FLAG_VIP, "VIP"},
		{FLAG_ID, "ID"}};
	size_t k = (size_t)snprintf(buf, len, "[");
	for (size_t i = 0; i < ARRAY_SIZE(fb) && k < len; i++)
		if (fl & fb[i].bit)
			k += (size_t)snprintf(buf + k, len - k, " %s", fb[i].name);
	if (k < len)
		snprintf(buf + k, len - k, " ] IOPL %u", (fl >> 12) & 3);
}

static void bits_text(u32 v, const char *const *names, char *buf, size_t len)
{
	size_t k = 0;
	buf[0] = 0;
	for (int i = 0; i < 32 && k < len; i++)
		if ((v >> i & 1) && names[i])
			k += (size_t)snprintf(buf + k, len - k, " %s", names[i]);
}

static void regs_general(FILE *f, const CpuState *st)
{
	static const char *const up[8] = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};
	for (int i = 0; i < 8; i++)
		fprintf(f, "%s %08x%s", up[i], st->gpr[i], i % 4 == 3 ? "\n" : "  ");
	char fl[128];
	flags_text(st->eflags, fl, sizeof(fl));
	fprintf(f, "EIP %08x  EFLAGS %08x %s%s\n", st->eip, st->eflags, fl, st->halted ? "  (halted)" : "");
}

static void regs_segment(FILE *f, const CpuState *st)
{
	static const char *const up[6] = {"ES", "CS", "SS", "DS", "FS", "GS"};
	bool real = real_like(st);
	for (int i = 0; i < SEG_COUNT; i++)
		show_seg(f, up[i], &st->seg[i], real);
	show_seg(f, "LDTR", &st->ldtr, false);
	show_seg(f, "TR", &st->tr, false);
	fprintf(f, "GDTR %08x/%04x  IDTR %08x/%04x\n", st->gdtr_base, st->gdtr_limit, st->idtr_base,
		st->idtr_limit);
}

static void regs_control(FILE *f, const CpuState *st)
{
	static const char *const cr0n[32] = {[0] = "PE", [1] = "MP", [2] = "EM", [3] = "TS",
		[4] = "ET", [5] = "NE", [16] = "WP", [18] = "AM", [29] = "NW", [30] = "CD", [31] = "PG"};
	static const char *const cr4n[32] = {[0] = "VME", [1] = "PVI", [2] = "TSD", [3] = "DE",
		[4] = "PSE", [5] = "PAE", [6] = "MCE", [7] = "PGE", [8] = "PCE", [9] = "OSFXSR",
		[10] = "OSXMMEXCPT"};
	char a[128], b[128];
	bits_text(st->cr0, cr0n, a, sizeof(a));
	bits_text(st->cr4, cr4n, b, sizeof(b));
	fprintf(f, "CR0 %08x [%s ]  CR2 %08x  CR3 %08x  CR4 %08x [%s ]  EFER %08x\n", st->cr0, a,
		st->cr2, st->cr3, st->cr4, b, st->efer);
}

static void regs_debug(FILE *f, const CpuState *st)
{
	fprintf(f, "DR0 %08x  DR1 %08x  DR2 %08x  DR3 %08x  DR6 %08x  DR7 %08x\n", st->dr[0],
		st->dr[1], st->dr[2], st->dr[3], st->dr[6], st->dr[7]);
}

static void regs_x87(FILE *f, VmSession *s)
{
	CpuFpuState x;
	machine_get_fpu(s->m, &x);
	unsigned top = (x.sw >> 11) & 7;
	fprintf(f, "FCW %04x  FSW %04x (TOP %u)  FTW %04x  FOP %03x  FIP %04x:%08x  FDP %04x:%08x\n",
		x.cw, x.sw, top, x.tw, x.fop, x.fcs, x.fip, x.fds, x.fdp);
	static const char *const tag[4] = {"valid", "zero", "special", "empty"};
	for (int i = 0; i < 8; i++) {
		long double v = 0;
		_Static_assert(sizeof(long double) >= 10, "an 80-bit long double on this host");
		memcpy(&v, x.st[i], 10);
		unsigned t = (x.tw >> (2 * ((top + (unsigned)i) & 7))) & 3;
		fprintf(f, "ST%d %02x%02x %02x%02x%02x%02x%02x%02x%02x%02x  %-7s %.18Lg\n", i, x.st[i][9],
			x.st[i][8], x.st[i][7], x.st[i][6], x.st[i][5], x.st[i][4], x.st[i][3], x.st[i][2],
			x.st[i][1], x.st[i][0], tag[t], v);
	}
}

static void regs_sse(FILE *f, VmSession *s)
{
	CpuSseState x;
	machine_get_sse(s->m, &x);
	for (int i = 0; i < 8; i++) {
		fprintf(f, "XMM%d ", i);
		for (int b = 15; b >= 0; b--)
			fprintf(f, "%02x%s", x.xmm[i][b], b == 8 ? "_" : "");
		fputc('\n', f);
	}
	fprintf(f, "MXCSR %08x\n", x.mxcsr);
}

static void regs_msr(FILE *f, VmSession *s)
{
	static const struct { u32 idx; const char *name; } msrs[] = {
		{0x10, "TSC"}, {0x17, "PLATFORM_ID"}, {0x1B, "APIC_BASE"}, {0x8B, "BIOS_SIGN_ID"},
		{0xFE, "MTRRCAP"}, {0x174, "SYSENTER_CS"}, {0x175, "SYSENTER_ESP"},
		{0x176, "SYSENTER_EIP"}, {0x1A0, "MISC_ENABLE"}, {0x250, "MTRR_FIX64K_00000"},
		{0x258, "MTRR_FIX16K_80000"}, {0x259, "MTRR_FIX16K_A0000"}, {0x277, "PAT"},
		{0x2FF, "MTRR_DEF_TYPE"}, {0xC0000080u, "EFER"}};
	int shown = 0;
	for (size_t i = 0; i < ARRAY_SIZE(msrs); i++) {
		u64 v;
		if (machine_read_msr(s->m, msrs[i].idx, &v)) {
			fprintf(f, "MSR %08x %-18s %016llx\n", msrs[i].idx, msrs[i].name, (unsigned long long)v);
			shown++;
		}
	}
	for (u32 i = 0; i < 16; i += 2) {
		u64 base, mask;
		if (machine_read_msr(s->m, 0x200 + i, &base) && machine_read_msr(s->m, 0x201 + i, &mask) &&
		    (mask & 0x800))
			fprintf(f, "MSR %08x MTRR_PHYSBASE%u     %016llx  PHYSMASK %016llx\n", 0x200 + i, i / 2,
				(unsigned long long)base, (unsigned long long)mask);
	}
	if (!shown)
		fprintf(f, "This CPU model has no MSRs\n");
}

static int display_regs(VmSession *s, FILE *f, char **w, int n)
{
	CpuState st;
	machine_get_regs(s->m, &st);
	enum { G = 1, S = 2, C = 4, D = 8, X = 16, V = 32, M = 64 };
	u32 what = 0;
	for (int i = 0; i < n; i++) {
		if (dbg_word(w[i], "general", 1))
			what |= G;
		else if (dbg_word(w[i], "segment", 1))
			what |= S;
		else if (dbg_word(w[i], "control", 1))
			what |= C;
		else if (dbg_word(w[i], "debug", 1))
			what |= D;
		else if (dbg_word(w[i], "x87", 1))
			what |= X;
		else if (dbg_word(w[i], "sse", 2))
			what |= V;
		else if (dbg_word(w[i], "msr", 1))
			what |= M;
		else if (dbg_word(w[i], "all", 1))
			what |= G | S | C | D | X | V | M;
		else
			return dbg_bad(f, "display registers [general|segment|control|debug|x87|sse|msr|all], not %s",
				       w[i]);
	}
	if (!what)
		what = G | S | C | D;
	if (machine_focus(s->m))
		fprintf(f, "CPU %d\n", machine_focus(s->m));
	if (what & G)
		regs_general(f, &st);
	if (what & S)
		regs_segment(f, &st);
	if (what & C)
		regs_control(f, &st);
	if (what & D)
		regs_debug(f, &st);
	if (what & X)
		regs_x87(f, s);
	if (what & V)
		regs_sse(f, s);
	if (what & M)
		regs_msr(f, s);
	return 0;
}

/* ---- descriptor tables, the TSS, the page walk ---- */
static void desc_line(FILE *f, u32 idx, u32 sel, const u8 *d, bool gate_table)
{
	u32 lo = (u32)d[0] | (u32)d[1] << 8 | (u32)d[2] << 16 | (u32)d[3] << 24;
	u32 hi = (u32)d[4] | (u32)d[5] << 8 | (u32)d[6] << 16 | (u32)d[7] << 24;
	u32 attr = (hi >> 8) & 0xF0FF;
	u32 type = attr & 15, dpl = (attr >> 5) & 3;
	bool p = attr & 0x80, sys = !(attr & 0x10);
	fprintf(f, "%4u %04x %08x%08x ", idx, sel, hi, lo);
	if (!lo && !hi) {
		fprintf(f, "null\n");
		return;
	}
	bool gate = sys && (type == 4 || type == 5 || type == 6 || type == 7 || type == 12 ||
			    type == 14 || type == 15);
	CpuSeg g = {0, (u16)attr, 0, 0};
	char t[96];
	seg_text(&g, false, t, sizeof(t));
	if (!p)
		snprintf(t, sizeof(t), " (not present, type %x, DPL %u)", type, dpl);
	if (gate) {
		u32 off = (lo & 0xFFFF) | (type == 5 ? 0 : (hi & 0xFFFF0000u));
		fprintf(f, "%04x:%08x%s\n", (lo >> 16) & 0xFFFF, off, t);
	} else {
		u32 base = (lo >> 16) | (hi & 0xFF) << 16 | (hi & 0xFF000000u);
		u32 limit = (lo & 0xFFFF) | (hi & 0xF0000);
		if (hi & 0x800000)
			limit = limit << 12 | 0xFFF;
		fprintf(f, "base %08x limit %08x%s%s\n", base, limit, t,
			gate_table && p ? " (not a gate)" : "");
	}
}

static int display_table(VmSession *s, FILE *f, int which, char **w, int n)
{
	CpuState st;
	machine_get_regs(s->m, &st);
	static const char *const name[3] = {"GDT", "IDT", "LDT"};
	u32 base, limit;
	if (which == 0) {
		base = st.gdtr_base;
		limit = st.gdtr_limit;
	} else if (which == 1) {
		base = st.idtr_base;
		limit = st.idtr_limit;
	} else {
		if (!st.ldtr.sel || !(st.ldtr.attr & 0x80))
			return fprintf(f, "No LDT (LDTR %04x)\n", st.ldtr.sel), 0;
		base = st.ldtr.base;
		limit = st.ldtr.limit;
	}
	bool real = !(st.cr0 & CR0_PE);
	u32 esize = which == 1 && real ? 4 : 8;
	u32 entries = (limit + 1) / esize;
	u32 first = 0, count = MIN(entries, 256u);
	if (n > 0 && (!dbg_hex(w[0], &first)))
		return dbg_bad(f, "display %s [FIRST [COUNT]] (hex), not %s", name[which], w[0]);
	if (n > 1 && !parse_len(w[1], 8192, &count))
		return dbg_bad(f, "display %s: COUNT 1 to 8192, not %s", name[which], w[1]);
	if (n > 2)
		return dbg_bad(f, "display %s: unexpected operand %s", name[which], w[2]);
	if (n > 0 && n < 2)
		count = 1;
	fprintf(f, "%s at %08x, limit %04x (%u entries)\n", name[which], base, limit, entries);
	for (u32 i = first; i < first + count && i < entries; i++) {
		u8 d[8];
		if (machine_read_lin(s->m, base + i * esize, d, esize) != esize) {
			dbg_msg(f, VMM_NOT_MAPPED, 'E', "Linear address %08x is not mapped", base + i * esize);
			return VMCP_EINVAL;
		}
		if (esize == 4) /* the real-mode IVT: segment:offset */
			fprintf(f, "%4u %04x:%04x\n", i, d[2] | d[3] << 8, d[0] | d[1] << 8);
		else
			desc_line(f, i, i * 8 | (which == 2 ? 4 : 0), d, which == 1);
	}
	return 0;
}

static int display_tss(VmSession *s, FILE *f)
{
	CpuState st;
	machine_get_regs(s->m, &st);
	u32 type = st.tr.attr & 15;
	bool t32 = type == 9 || type == 11;
	fprintf(f, "TR %04x base %08x limit %08x: %s TSS\n", st.tr.sel, st.tr.base, st.tr.limit,
		t32 ? "32-bit" : "16-bit");
	u8 b[104] = {0};
	u32 want = t32 ? 104 : 44;
	u32 got = machine_read_lin(s->m, st.tr.base, b, want);
	if (got < want)
		return dbg_msg(f, VMM_NOT_MAPPED, 'E', "Linear address %08x is not mapped", st.tr.base + got),
		       VMCP_EINVAL;
#define D32(o) ((u32)b[o] | (u32)b[(o) + 1] << 8 | (u32)b[(o) + 2] << 16 | (u32)b[(o) + 3] << 24)
#define D16(o) ((u32)b[o] | (u32)b[(o) + 1] << 8)
	if (t32) {
		fprintf(f, "LINK %04x  ESP0 %08x SS0 %04x  ESP1 %08x SS1 %04x  ESP2 %08x SS2 %04x\n",
			D16(0), D32(4), D16(8), D32(12), D16(16), D32(20), D16(24));
		fprintf(f, "CR3 %08x  EIP %08x  EFLAGS %08x\n", D32(28), D32(32), D32(36));
		fprintf(f, "EAX %08x  ECX %08x  EDX %08x  EBX %08x\n", D32(40), D32(44), D32(48), D32(52));
		fprintf(f, "ESP %08x  EBP %08x  ESI %08x  EDI %08x\n", D32(56), D32(60), D32(64), D32(68));
		fprintf(f, "ES %04x CS %04x SS %04x DS %04x FS %04x GS %04x  LDT %04x  T %u  I/O map at %04x\n",
			D16(72), D16(76), D16(80), D16(84), D16(88), D16(92), D16(96), b[100] & 1, D16(102));
	} else {
		fprintf(f, "LINK %04x  SP0 %04x SS0 %04x  SP1 %04x SS1 %04x  SP2 %04x SS2 %04x\n", D16(0),
			D16(2), D16(4), D16(6), D16(8), D16(10), D16(12));
		fprintf(f, "IP %04x  FLAGS %04x  AX %04x CX %04x DX %04x BX %04x SP %04x BP %04x SI %04x DI %04x\n",
			D16(14), D16(16), D16(18), D16(20), D16(22), D16(24), D16(26), D16(28), D16(30), D16(32));
		fprintf(f, "ES %04x CS %04x SS %04x DS %04x  LDT %04x\n", D16(34), D16(36), D16(38), D16(40),
			D16(42));
	}
#undef D32
#undef D16
	return 0;
}

static void entry_bits(u64 e, bool leaf, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s%s%s%s%s%s", (e & 1) ? "P" : "not-present",
		 (e & 2) ? " RW" : " RO", (e & 4) ? " US" : " S", (e & 8) ? " PWT" : "",
		 (e & 16) ? " PCD" : "", (e & 32) ? " A" : "", leaf && (e & 64) ? " D" : "",
		 (e & 128) ? (leaf ? " PS/PAT" : " PS") : "", leaf && (e & 256) ? " G" : "",
		 (e >> 63) ? " XD" : "");
}

static int display_pagewalk(VmSession *s, FILE *f, char **w, int n)
{
	DAddr a;
	int used;
	char why[160];
	if (!dbg_parse_addr(s, w, n, &used, &a, why, sizeof(why)) || a.phys)
		return dbg_bad(f, "display pagewalk ADDR (linear): %s", a.phys ? "not P" : why);
	if (used < n)
		return dbg_bad(f, "display pagewalk: unexpected operand %s", w[used]);
	CpuWalk wk;
	machine_page_walk(s->m, a.addr, &wk);
	char sym[160];
	fprintf(f, "Linear %08x%s: ", a.addr, dbg_sym(s, a.addr, sym, sizeof(sym)));
	if (!wk.paging) {
		fprintf(f, "paging is off, physical %08x\n", wk.phys);
		return 0;
	}
	CpuState st;
	machine_get_regs(s->m, &st);
	fprintf(f, "%s paging, CR3 %08x\n", wk.pae ? "PAE" : "32-bit", st.cr3);
	for (int i = 0; i < wk.levels; i++) {
		char bits[96];
		bool leaf = i == wk.levels - 1 && wk.ok;
		entry_bits(wk.level[i].value, leaf, bits, sizeof(bits));
		fprintf(f, "  %-5s at %08x: %0*llx  %s\n", wk.level[i].name, wk.level[i].addr,
			wk.pae ? 16 : 8, (unsigned long long)wk.level[i].value, bits);
	}
	if (wk.ok)
		fprintf(f, "  -> physical %08x (%u KiB page)\n", wk.phys, wk.page_size >> 10);
	else
		fprintf(f, "  -> no translation: %s\n", wk.why ? wk.why : "?");
	return 0;
}

int dbg_cmd_display(VmSession *s, FILE *out, char **w, int n)
{
	if (n < 2)
		return dbg_bad(out, "display registers | p|l|SEG:OFF ADDR [LEN] | i [ADDR] [N] | gdt | idt | "
			       "ldt | tss | pagewalk ADDR");
	const char *k = w[1];
	if (dbg_word(k, "registers", 1))
		return display_regs(s, out, w + 2, n - 2);
	if (dbg_word(k, "memory", 1))
		return display_mem(s, out, w + 2, n - 2, true);
	if (!strcasecmp(k, "i"))
		return display_insns(s, out, w + 2, n - 2);
	if (!strcasecmp(k, "gdt"))
		return display_table(s, out, 0, w + 2, n - 2);
	if (!strcasecmp(k, "idt"))
		return display_table(s, out, 1, w + 2, n - 2);
	if (!strcasecmp(k, "ldt"))
		return display_table(s, out, 2, w + 2, n - 2);
	if (!strcasecmp(k, "tss")) {
		if (n > 2)
			return dbg_bad(out, "display tss takes no operands");
		return display_tss(s, out);
	}
	if (dbg_word(k, "pagewalk", 4))
		return display_pagewalk(s, out, w + 2, n - 2);
	/* display p ADDR, display l ADDR, display SEG:OFF, display ADDR (linear) */
	return display_mem(s, out, w + 1, n - 1, false);
}

/* ---- store ---- */
static bool flag_bit(const char *name, u32 *bit)
{
	static const struct { const char *n; u32 b; } fl[] = {
		{"cf", FLAG_CF}, {"pf", FLAG_PF}, {"af", FLAG_AF}, {"zf", FLAG_ZF}, {"sf", FLAG_SF},
		{"tf", FLAG_TF}, {"if", FLAG_IF}, {"df", FLAG_DF}, {"of", FLAG_OF}, {"nt", FLAG_NT},
		{"rf", FLAG_RF}, {"ac", FLAG_AC}, {"id", FLAG_ID}};
	for (size_t i = 0; i < ARRAY_SIZE(fl); i++)
		if (!strcasecmp(name, fl[i].n))
			return *bit = fl[i].b, true;
	return false;
}

static int store_reg(VmSession *s, FILE *f, const char *r, const char *val)
{
	CpuState st;
	machine_get_regs(s->m, &st);
	u32 v, bit;
	if (!dbg_parse_value(s, val, &v))
		return dbg_bad(f, "store: bad value %s", val);
	bool done = false;
	for (int i = 0; i < 8 && !done; i++) {
		if (!strcasecmp(r, gpr32[i])) {
			st.gpr[i] = v;
			done = true;
		} else if (!strcasecmp(r, gpr16[i])) {
			if (v > 0xFFFF)
				return dbg_bad(f, "store: %s is 16 bits, %s is more", r, val);
			st.gpr[i] = (st.gpr[i] & 0xFFFF0000u) | v;
			done = true;
		} else if (!strcasecmp(r, gpr8[i])) {
			if (v > 0xFF)
				return dbg_bad(f, "store: %s is 8 bits, %s is more", r, val);
			int sh = i < 4 ? 0 : 8;
			st.gpr[i & 3] = (st.gpr[i & 3] & ~(0xFFu << sh)) | v << sh;
			done = true;
		}
	}
	if (done) {
	} else if (!strcasecmp(r, "eip") || !strcasecmp(r, "ip")) {
		st.eip = v;
		st.halted = false;
	} else if (!strcasecmp(r, "eflags")) {
		st.eflags = v;
	} else if (flag_bit(r, &bit)) {
		if (v > 1)
			return dbg_bad(f, "store: a flag is 0 or 1, not %s", val);
		st.eflags = v ? st.eflags | bit : st.eflags & ~bit;
	} else {
		int sr = -1;
		for (int i = 0; i < SEG_COUNT; i++)
			if (!strcasecmp(r, sregs[i]))
				sr = i;
		if (sr < 0)
			return dbg_bad(f, "store: unknown register %s", r);
		if (v > 0xFFFF)
			return dbg_bad(f, "store: a selector is 16 bits, not %s", val);
		char why[120];
		if (real_like(&st)) {
			st.seg[sr].sel = (u16)v;
			st.seg[sr].base = v << 4;
		} else if (!dbg_store_selector(s, &st, sr, (u16)v, why, sizeof(why))) {
			return dbg_bad(f, "store: %s", why);
		}
	}
	machine_set_regs(s->m, &st);
	dbg_msg(f, VMM_STORED, 'I', "Stored %s = %x", r, v);
	return 0;
}

int dbg_cmd_store(VmSession *s, FILE *out, char **w, int n)
{
	if (n < 3)
		return dbg_bad(out, "store REG VALUE | store p|l|SEG:OFF ADDR [byte|word|dword] VALUE...");
	bool mem = !strcasecmp(w[1], "p") || !strcasecmp(w[1], "l") || strchr(w[1], ':');
	if (!mem) {
		if (n != 3)
			return dbg_bad(out, "store REG VALUE, not more");
		return store_reg(s, out, w[1], w[2]);
	}
	DAddr a;
	int used;
	char why[160];
	if (!dbg_parse_addr(s, w + 1, n - 1, &used, &a, why, sizeof(why)))
		return dbg_bad(out, "store: %s", why);
	int i = 1 + used, size = 1;
	if (i < n && dbg_word(w[i], "byte", 2))
		i++;
	else if (i < n && dbg_word(w[i], "word", 2))
		size = 2, i++;
	else if (i < n && dbg_word(w[i], "dword", 2))
		size = 4, i++;
	if (i >= n)
		return dbg_bad(out, "store: no value");
	u8 buf[64];
	int len = 0;
	for (; i < n; i++) {
		u32 v;
		if (!dbg_parse_value(s, w[i], &v))
			return dbg_bad(out, "store: bad value %s", w[i]);
		if (size < 4 && v >> (8 * size))
			return dbg_bad(out, "store: %s does not fit in a %s", w[i], size == 1 ? "byte" : "word");
		if (len + size > (int)sizeof(buf))
			return dbg_bad(out, "store: at most %zu bytes at once", sizeof(buf));
		for (int k = 0; k < size; k++)
			buf[len++] = (u8)(v >> (8 * k));
	}
	u32 done;
	if (a.phys) {
		machine_write_phys(s->m, a.addr, buf, (u32)len);
		done = (u32)len;
	} else {
		done = machine_write_lin(s->m, a.addr, buf, (u32)len);
	}
	if (done < (u32)len)
		return dbg_msg(out, VMM_NOT_MAPPED, 'E', "Linear address %08x is not mapped (%u of %d bytes stored)",
			       a.addr + done, done, len), VMCP_EINVAL;
	dbg_msg(out, VMM_STORED, 'I', "Stored %d bytes at %s %08x", len, a.phys ? "physical" : "linear", a.addr);
	return 0;
}
