/* disasm.c: what makes a guest's code readable at the CP: disassembly (Capstone, Debian's
 * libcapstone-dev: x86 in 16- or 32-bit mode, Intel syntax) and the symbols of a
 * System.map (`symbols FILE`: the "ADDRESS TYPE NAME" lines Linux's build writes and
 * Debian ships as /boot/System.map-*), so that displays and traces name functions.
 *
 * The disassembler is only a reader: the CPU decodes for itself (src/cpu/decode.c), and
 * an instruction Capstone does not know is shown as "(bad)". A symbol covers the bytes
 * from its address up to the next symbol's, and at most 1 MiB. */
#include <capstone/capstone.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "cp/debug.h"
#include "cp/session.h"

#define SYM_SPAN_MAX (1u << 20)

static csh handle(VmSession *s, bool code32)
{
	Dbg *d = s->dbg;
	size_t *h = code32 ? &d->cs32 : &d->cs16;
	if (!*h) {
		csh c;
		if (cs_open(CS_ARCH_X86, code32 ? CS_MODE_32 : CS_MODE_16, &c) != CS_ERR_OK)
			return 0;
		cs_option(c, CS_OPT_SYNTAX, CS_OPT_SYNTAX_INTEL);
		*h = (size_t)c;
	}
	return (csh)*h;
}

int dbg_disasm(VmSession *s, const u8 *bytes, u32 avail, u32 addr, bool code32, char *text,
	       size_t len)
{
	csh h = handle(s, code32);
	cs_insn *insn = NULL;
	size_t n = h ? cs_disasm(h, bytes, MIN(avail, 15u), addr, 1, &insn) : 0;
	if (!n) {
		snprintf(text, len, "(bad)");
		return 0;
	}
	if (insn[0].op_str[0])
		snprintf(text, len, "%s %s", insn[0].mnemonic, insn[0].op_str);
	else
		snprintf(text, len, "%s", insn[0].mnemonic);
	int size = (int)insn[0].size;
	cs_free(insn, n);
	return size;
}

/* ---- symbols ---- */
static void sym_clear(Symbols *y)
{
	for (u32 i = 0; i < y->n; i++)
		free(y->name[i]);
	free(y->name);
	free(y->addr);
	free(y->path);
	*y = (Symbols){0};
}

void dbg_free_symbols(Dbg *d)
{
	sym_clear(&d->sym);
	if (d->cs16) {
		csh h = (csh)d->cs16;
		cs_close(&h);
	}
	if (d->cs32) {
		csh h = (csh)d->cs32;
		cs_close(&h);
	}
	d->cs16 = d->cs32 = 0;
}

typedef struct SymEnt {
	u32 addr;
	char *name;
} SymEnt;

static int sym_cmp(const void *a, const void *b)
{
	const SymEnt *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Reads "ADDRESS TYPE NAME" lines (the type letter any; lines that are not of that
 * shape are skipped, as are absolute symbols: types a/A). */
static int sym_load(Symbols *y, const char *path, char *why, size_t wl)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(why, wl, "%s", strerror(errno));
		return errno == ENOENT ? VMCP_ENOENT : VMCP_EIO;
	}
	SymEnt *v = NULL;
	size_t n = 0, cap = 0;
	char line[512];
	int rc = 0;
	while (fgets(line, sizeof(line), f)) {
		char *end;
		errno = 0;
		unsigned long long a = strtoull(line, &end, 16);
		if (end == line || errno || a > 0xFFFFFFFFull || (*end != ' ' && *end != '\t'))
			continue;
		char type = 0, name[256];
		if (sscanf(end, " %c %255s", &type, name) != 2 || type == 'a' || type == 'A')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			SymEnt *nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				rc = VMCP_ENOMEM;
				break;
			}
			v = nv;
		}
		v[n].addr = (u32)a;
		v[n].name = strdup(name);
		if (!v[n].name) {
			rc = VMCP_ENOMEM;
			break;
		}
		n++;
		if (n > 4000000) {
			snprintf(why, wl, "more than 4000000 symbols");
			rc = VMCP_ERANGE;
			break;
		}
	}
	if (!rc && ferror(f)) {
		snprintf(why, wl, "read error");
		rc = VMCP_EIO;
	}
	fclose(f);
	if (!rc && !n) {
		snprintf(why, wl, "no \"ADDRESS TYPE NAME\" lines (not a System.map)");
		rc = VMCP_EINVAL;
	}
	if (rc == VMCP_ENOMEM)
		snprintf(why, wl, "out of memory");
	Symbols ny = {0};
	if (!rc) {
		qsort(v, n, sizeof(*v), sym_cmp);
		ny.addr = malloc(n * sizeof(u32));
		ny.name = malloc(n * sizeof(char *));
		ny.path = strdup(path);
		if (!ny.addr || !ny.name || !ny.path) {
			free(ny.addr);
			free(ny.name);
			free(ny.path);
			snprintf(why, wl, "out of memory");
			rc = VMCP_ENOMEM;
		}
	}
	if (rc) {
		for (size_t i = 0; i < n; i++)
			free(v[i].name);
		free(v);
		return rc;
	}
	for (size_t i = 0; i < n; i++) {
		ny.addr[i] = v[i].addr;
		ny.name[i] = v[i].name;
	}
	ny.n = (u32)n;
	free(v);
	sym_clear(y);
	*y = ny;
	return 0;
}

int dbg_cmd_symbols(VmSession *s, FILE *out, char **w, int n, const char *cwd)
{
	Dbg *d = s->dbg;
	if (n != 2)
		return dbg_bad(out, "symbols FILE | symbols off");
	if (dbg_word(w[1], "off", 3)) {
		sym_clear(&d->sym);
		dbg_msg(out, VMM_SYMBOLS, 'I', "Symbols off");
		return 0;
	}
	char path[PATH_MAX];
	if (w[1][0] != '/' && cwd)
		snprintf(path, sizeof(path), "%s/%s", cwd, w[1]);
	else
		snprintf(path, sizeof(path), "%s", w[1]);
	char why[200] = "";
	int rc = sym_load(&d->sym, path, why, sizeof(why));
	if (rc)
		return dbg_msg(out, VMM_FILE, 'E', "Cannot read symbols from %s: %s", path, why), rc;
	dbg_msg(out, VMM_SYMBOLS, 'I', "%u symbols loaded from %s", d->sym.n, path);
	return 0;
}

const char *dbg_sym(VmSession *s, u32 addr, char *buf, size_t len)
{
	const Symbols *y = &s->dbg->sym;
	buf[0] = 0;
	if (!y->n || addr < y->addr[0])
		return buf;
	/* the last symbol at or below addr */
	u32 lo = 0, hi = y->n - 1;
	while (lo < hi) {
		u32 mid = lo + (hi - lo + 1) / 2;
		if (y->addr[mid] <= addr)
			lo = mid;
		else
			hi = mid - 1;
	}
	u32 i = lo;
	u32 off = addr - y->addr[i];
	/* the last symbol covers nothing after itself (a map ends with _end and the like) */
	if (off >= SYM_SPAN_MAX || (off && i == y->n - 1))
		return buf;
	if (off)
		snprintf(buf, len, " <%s+0x%x>", y->name[i], off);
	else
		snprintf(buf, len, " <%s>", y->name[i]);
	return buf;
}

bool dbg_sym_lookup(VmSession *s, const char *name, u32 *addr)
{
	const Symbols *y = &s->dbg->sym;
	for (u32 i = 0; i < y->n; i++) {
		if (!strcmp(y->name[i], name)) {
			*addr = y->addr[i];
			return true;
		}
	}
	return false;
}

void dbg_sym_extent(VmSession *s, u32 addr, u32 *last)
{
	const Symbols *y = &s->dbg->sym;
	u32 end = addr + SYM_SPAN_MAX - 1 < addr ? 0xFFFFFFFFu : addr + SYM_SPAN_MAX - 1;
	for (u32 lo = 0, hi = y->n; lo < hi;) {
		/* the first symbol above addr */
		u32 mid = lo + (hi - lo) / 2;
		if (y->addr[mid] <= addr) {
			lo = mid + 1;
		} else {
			hi = mid;
			if (y->addr[mid] - 1 < end)
				end = y->addr[mid] - 1;
		}
	}
	*last = end;
}
