/* gdbstub.c: a gdb remote stub (the GDB Remote Serial Protocol, gdb's manual appendix
 * E) in a VM's own process, so that stock gdb debugs the guest as QEMU's -s -S lets it:
 * `vmcp ipl NAME --gdb [HOST:]PORT` waits at the reset vector for gdb, `gdb PORT` at
 * the CP opens it on a running VM; gdb attaches with `target remote HOST:PORT`.
 *
 * What gdb gets: the registers in the order of the target description (qXfer
 * target.xml): the i386 core (general, EIP, EFLAGS, segment selectors, x87), SSE (XMM,
 * MXCSR) and VMCP's own feature with the control registers, EFER and the segments'
 * hidden bases, GDTR, IDTR, LDTR and TR; memory at linear (virtual) addresses through
 * the guest's paging; software breakpoints (Z0, and Z1) kept by the CP as execution
 * breakpoints, never written into the guest; watchpoints (Z2 write, Z3 read, Z4
 * access) as the CP's memory watches; stepi (s), continue (c), Ctrl-C, detach (D).
 * Registers gdb may write: the general ones, EIP, EFLAGS and, in real or V86 mode, the
 * segment selectors (their base follows, as the CPU does there); others are refused.
 * One gdb at a time; the listening socket stays until `gdb off` or the end of the VM.
 * Not modelled: non-stop mode, threads (the focus CPU is the one thread), X packets
 * (gdb falls back to M), vCont (gdb falls back to c and s). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/err.h"
#include "cp/debug.h"
#include "cp/session.h"

#define GDB_PKT_MAX 4096
#define GDB_IN_MAX (GDB_PKT_MAX * 2 + 64)

struct Gdb {
	int lfd;          /* listening */
	int fd;           /* the connection, -1 none */
	char where[96];   /* HOST:PORT */
	u8 in[GDB_IN_MAX];
	size_t inlen;
	bool waiting;     /* gdb continued the VM: it waits for a stop reply */
};

/* ---- the target description ---- */
static const char target_xml[] =
	"<?xml version=\"1.0\"?>\n"
	"<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
	"<target version=\"1.0\">\n"
	"<architecture>i386</architecture>\n"
	"<feature name=\"org.gnu.gdb.i386.core\">\n"
	"<flags id=\"i386_eflags\" size=\"4\">\n"
	"<field name=\"CF\" start=\"0\" end=\"0\"/><field name=\"\" start=\"1\" end=\"1\"/>\n"
	"<field name=\"PF\" start=\"2\" end=\"2\"/><field name=\"AF\" start=\"4\" end=\"4\"/>\n"
	"<field name=\"ZF\" start=\"6\" end=\"6\"/><field name=\"SF\" start=\"7\" end=\"7\"/>\n"
	"<field name=\"TF\" start=\"8\" end=\"8\"/><field name=\"IF\" start=\"9\" end=\"9\"/>\n"
	"<field name=\"DF\" start=\"10\" end=\"10\"/><field name=\"OF\" start=\"11\" end=\"11\"/>\n"
	"<field name=\"NT\" start=\"14\" end=\"14\"/><field name=\"RF\" start=\"16\" end=\"16\"/>\n"
	"<field name=\"VM\" start=\"17\" end=\"17\"/><field name=\"AC\" start=\"18\" end=\"18\"/>\n"
	"<field name=\"VIF\" start=\"19\" end=\"19\"/><field name=\"VIP\" start=\"20\" end=\"20\"/>\n"
	"<field name=\"ID\" start=\"21\" end=\"21\"/>\n"
	"</flags>\n"
	"<reg name=\"eax\" bitsize=\"32\" type=\"int32\" regnum=\"0\"/>\n"
	"<reg name=\"ecx\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"edx\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"ebx\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"esp\" bitsize=\"32\" type=\"data_ptr\"/>\n"
	"<reg name=\"ebp\" bitsize=\"32\" type=\"data_ptr\"/>\n"
	"<reg name=\"esi\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"edi\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"eip\" bitsize=\"32\" type=\"code_ptr\"/>\n"
	"<reg name=\"eflags\" bitsize=\"32\" type=\"i386_eflags\"/>\n"
	"<reg name=\"cs\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"ss\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"ds\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"es\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"fs\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"gs\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"st0\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st1\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st2\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st3\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st4\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st5\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st6\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st7\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"fctrl\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fstat\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"ftag\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fiseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fioff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"foseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fooff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fop\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"</feature>\n"
	"<feature name=\"org.gnu.gdb.i386.sse\">\n"
	"<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>\n"
	"<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>\n"
	"<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>\n"
	"<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>\n"
	"<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>\n"
	"<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>\n"
	"<union id=\"vec128\">\n"
	"<field name=\"v4_float\" type=\"v4f\"/><field name=\"v2_double\" type=\"v2d\"/>\n"
	"<field name=\"v16_int8\" type=\"v16i8\"/><field name=\"v8_int16\" type=\"v8i16\"/>\n"
	"<field name=\"v4_int32\" type=\"v4i32\"/><field name=\"v2_int64\" type=\"v2i64\"/>\n"
	"<field name=\"uint128\" type=\"uint128\"/>\n"
	"</union>\n"
	"<flags id=\"i386_mxcsr\" size=\"4\">\n"
	"<field name=\"IE\" start=\"0\" end=\"0\"/><field name=\"DE\" start=\"1\" end=\"1\"/>\n"
	"<field name=\"ZE\" start=\"2\" end=\"2\"/><field name=\"OE\" start=\"3\" end=\"3\"/>\n"
	"<field name=\"UE\" start=\"4\" end=\"4\"/><field name=\"PE\" start=\"5\" end=\"5\"/>\n"
	"<field name=\"DAZ\" start=\"6\" end=\"6\"/><field name=\"IM\" start=\"7\" end=\"7\"/>\n"
	"<field name=\"DM\" start=\"8\" end=\"8\"/><field name=\"ZM\" start=\"9\" end=\"9\"/>\n"
	"<field name=\"OM\" start=\"10\" end=\"10\"/><field name=\"UM\" start=\"11\" end=\"11\"/>\n"
	"<field name=\"PM\" start=\"12\" end=\"12\"/><field name=\"FZ\" start=\"15\" end=\"15\"/>\n"
	"</flags>\n"
	"<reg name=\"xmm0\" bitsize=\"128\" type=\"vec128\" regnum=\"32\"/>\n"
	"<reg name=\"xmm1\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"xmm2\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"xmm3\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"xmm4\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"xmm5\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"xmm6\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"xmm7\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"mxcsr\" bitsize=\"32\" type=\"i386_mxcsr\" group=\"vector\"/>\n"
	"</feature>\n"
	"<feature name=\"org.vmcp.i386.sys\">\n"
	"<reg name=\"cr0\" bitsize=\"32\" type=\"int32\" regnum=\"41\" group=\"system\"/>\n"
	"<reg name=\"cr2\" bitsize=\"32\" type=\"int32\" group=\"system\"/>\n"
	"<reg name=\"cr3\" bitsize=\"32\" type=\"int32\" group=\"system\"/>\n"
	"<reg name=\"cr4\" bitsize=\"32\" type=\"int32\" group=\"system\"/>\n"
	"<reg name=\"efer\" bitsize=\"32\" type=\"int32\" group=\"system\"/>\n"
	"<reg name=\"cs_base\" bitsize=\"32\" type=\"int32\" group=\"system\"/>\n"
	"<reg name=\"ss_base\" bitsize=\"32\" type=\"int32\" group=\"system\"/>\n"
	"<reg name=\"ds_base\" bitsize=\"32\" type=\"int32\" group=\"system\"/>\n"
	"<reg name=\"es_base\" bitsize=\"32\" type=\"int32\" group=\"system\"/>\n"
	"<reg name=\"fs_base\" bitsize=\"32\" type=\"int32\" group=\"system\"/>\n"
	"<reg name=\"gs_base\" bitsize=\"32\" type=\"int32\" group=\"system\"/>\n"
	"<reg name=\"gdtr_base\" bitsize=\"32\" type=\"int32\" group=\"system\"/>\n"
	"<reg name=\"gdtr_limit\" bitsize=\"32\" type=\"int32\" group=\"system\"/>\n"
	"<reg name=\"idtr_base\" bitsize=\"32\" type=\"int32\" group=\"system\"/>\n"
	"<reg name=\"idtr_limit\" bitsize=\"32\" type=\"int32\" group=\"system\"/>\n"
	"<reg name=\"ldtr\" bitsize=\"32\" type=\"int32\" group=\"system\"/>\n"
	"<reg name=\"tr\" bitsize=\"32\" type=\"int32\" group=\"system\"/>\n"
	"</feature>\n"
	"</target>\n";

/* Register numbers (target.xml's order) and their sizes in bytes. */
enum { GR_EIP = 8, GR_EFLAGS = 9, GR_SEG = 10, GR_ST0 = 16, GR_FCTRL = 24, GR_XMM0 = 32,
       GR_MXCSR = 40, GR_CR0 = 41, GR_COUNT = 58 };

static int reg_size(int r)
{
	if (r >= GR_ST0 && r < GR_FCTRL)
		return 10;
	if (r >= GR_XMM0 && r < GR_MXCSR)
		return 16;
	return 4;
}

/* Register r's bytes (little-endian) into b; returns its size. */
static int reg_get(VmSession *s, int r, u8 *b)
{
	CpuState st;
	machine_get_regs(s->m, &st);
	u32 v = 0;
	if (r >= GR_ST0 && r < GR_FCTRL) {
		CpuFpuState f;
		machine_get_fpu(s->m, &f);
		memcpy(b, f.st[r - GR_ST0], 10);
		return 10;
	}
	if (r >= GR_XMM0 && r < GR_MXCSR) {
		CpuSseState x;
		machine_get_sse(s->m, &x);
		memcpy(b, x.xmm[r - GR_XMM0], 16);
		return 16;
	}
	static const int segs[6] = {SEG_CS, SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS};
	if (r < 8) {
		v = st.gpr[r];
	} else if (r == GR_EIP) {
		v = st.eip;
	} else if (r == GR_EFLAGS) {
		v = st.eflags;
	} else if (r < GR_ST0) {
		v = st.seg[segs[r - GR_SEG]].sel;
	} else if (r < GR_XMM0) {
		CpuFpuState f;
		machine_get_fpu(s->m, &f);
		const u32 fx[8] = {f.cw, f.sw, f.tw, f.fcs, f.fip, f.fds, f.fdp, f.fop};
		v = fx[r - GR_FCTRL];
	} else if (r == GR_MXCSR) {
		CpuSseState x;
		machine_get_sse(s->m, &x);
		v = x.mxcsr;
	} else {
		const u32 sys[GR_COUNT - GR_CR0] = {
			st.cr0, st.cr2, st.cr3, st.cr4, st.efer, st.seg[SEG_CS].base, st.seg[SEG_SS].base,
			st.seg[SEG_DS].base, st.seg[SEG_ES].base, st.seg[SEG_FS].base, st.seg[SEG_GS].base,
			st.gdtr_base, st.gdtr_limit, st.idtr_base, st.idtr_limit, st.ldtr.sel, st.tr.sel};
		v = r < GR_COUNT ? sys[r - GR_CR0] : 0;
	}
	for (int i = 0; i < 4; i++)
		b[i] = (u8)(v >> (8 * i));
	return 4;
}

/* Writes register r from b: the CPU's into st (the caller loads it), the x87 and SSE
 * ones at once; false for one gdb may not write (LDTR and TR, whose descriptors are
 * system ones, a selector whose descriptor does not fit its register). */
static bool reg_put(VmSession *s, CpuState *st, int r, const u8 *b)
{
	u32 v = (u32)b[0] | (u32)b[1] << 8 | (u32)b[2] << 16 | (u32)b[3] << 24;
	static const int segs[6] = {SEG_CS, SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS};
	if (r < 8) {
		st->gpr[r] = v;
	} else if (r == GR_EIP) {
		st->eip = v;
		st->halted = false;
	} else if (r == GR_EFLAGS) {
		st->eflags = v;
	} else if (r < GR_ST0) {
		int sr = segs[r - GR_SEG];
		CpuSeg *g = &st->seg[sr];
		if (v > 0xFFFF)
			return false;
		if (!(st->cr0 & CR0_PE) || (st->eflags & FLAG_VM)) {
			g->sel = (u16)v;
			g->base = v << 4;
		} else {
			char why[120];
			return dbg_store_selector(s, st, sr, (u16)v, why, sizeof(why));
		}
	} else if (r < GR_XMM0) {
		CpuFpuState f;
		machine_get_fpu(s->m, &f);
		if (r < GR_FCTRL) {
			memcpy(f.st[r - GR_ST0], b, 10);
		} else {
			u16 *const fx16[6] = {&f.cw, &f.sw, &f.tw, &f.fcs, NULL, &f.fds};
			int k = r - GR_FCTRL;
			if (k == 4)
				f.fip = v;
			else if (k == 6)
				f.fdp = v;
			else if (k == 7)
				f.fop = (u16)(v & 0x7FF);
			else
				*fx16[k] = (u16)v;
		}
		machine_set_fpu(s->m, &f);
	} else if (r <= GR_MXCSR) {
		CpuSseState x;
		machine_get_sse(s->m, &x);
		if (r == GR_MXCSR)
			x.mxcsr = v;
		else
			memcpy(x.xmm[r - GR_XMM0], b, 16);
		machine_set_sse(s->m, &x);
	} else {
		/* cr0 cr2 cr3 cr4 efer, the six bases, gdtr and idtr: as the CP's STORE
		 * would (cpu_set_state flushes what they cache); not ldtr and tr. */
		int k = r - GR_CR0;
		u32 *const sys[] = {&st->cr0, &st->cr2, &st->cr3, &st->cr4, &st->efer,
				    &st->seg[SEG_CS].base, &st->seg[SEG_SS].base, &st->seg[SEG_DS].base,
				    &st->seg[SEG_ES].base, &st->seg[SEG_FS].base, &st->seg[SEG_GS].base,
				    &st->gdtr_base, NULL, &st->idtr_base, NULL};
		if (k == 12 || k == 14) {
			if (v > 0xFFFF)
				return false;
			*(k == 12 ? &st->gdtr_limit : &st->idtr_limit) = (u16)v;
		} else if (k < (int)ARRAY_SIZE(sys)) {
			*sys[k] = v;
		} else {
			return false;
		}
	}
	return true;
}

/* ---- packets ---- */
static void send_raw(Gdb *g, const char *p, size_t n)
{
	while (n && g->fd >= 0) {
		ssize_t k = send(g->fd, p, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pfd = {g->fd, POLLOUT, 0};
			if (poll(&pfd, 1, 5000) <= 0)
				break;
			continue;
		}
		if (k <= 0)
			break;
		p += k;
		n -= (size_t)k;
	}
}

/* Sends "$data#cs", escaping what the protocol reserves. */
static void put_packet(Gdb *g, const char *data, size_t n)
{
	char *buf = malloc(2 * n + 8);
	if (!buf)
		return;
	size_t k = 0;
	u8 sum = 0;
	buf[k++] = '$';
	for (size_t i = 0; i < n; i++) {
		char c = data[i];
		if (c == '$' || c == '#' || c == '}' || c == '*') {
			buf[k++] = '}';
			sum += '}';
			c ^= 0x20;
		}
		buf[k++] = c;
		sum += (u8)c;
	}
	k += (size_t)snprintf(buf + k, 4, "#%02x", sum);
	send_raw(g, buf, k);
	free(buf);
}

static void put_str(Gdb *g, const char *s)
{
	put_packet(g, s, strlen(s));
}

static void hex_bytes(char *out, const u8 *b, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[b[i] >> 4];
		out[2 * i + 1] = hx[b[i] & 15];
	}
	out[2 * n] = 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex digits to bytes; false unless p holds exactly 2 * n of them. */
static bool unhex(const char *p, size_t plen, u8 *b, size_t n)
{
	if (plen != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int a = hexval(p[2 * i]), c = hexval(p[2 * i + 1]);
		if (a < 0 || c < 0)
			return false;
		b[i] = (u8)(a << 4 | c);
	}
	return true;
}

/* A hex number up to a delimiter; *p moves past it. */
static bool num(const char **p, u32 *v)
{
	u64 x = 0;
	int n = 0;
	for (; hexval(**p) >= 0 && n < 9; (*p)++, n++)
		x = x << 4 | (u64)hexval(**p);
	if (!n || x > 0xFFFFFFFFull)
		return false;
	*v = (u32)x;
	return true;
}

void gdb_stopped(VmSession *s, int watch_kind, u32 addr)
{
	Gdb *g = s->dbg->gdb;
	if (!g || g->fd < 0 || !g->waiting)
		return;
	g->waiting = false;
	char r[64];
	if (watch_kind >= 2 && watch_kind <= 4) {
		static const char *const kn[5] = {"", "", "watch", "rwatch", "awatch"};
		snprintf(r, sizeof(r), "T05%s:%08x;", kn[watch_kind], addr);
	} else if (watch_kind == 1) {
		snprintf(r, sizeof(r), "T05swbreak:;"); /* EIP is at the breakpoint already */
	} else {
		snprintf(r, sizeof(r), "S05");
	}
	put_str(g, r);
}

bool gdb_waiting(const VmSession *s)
{
	const Gdb *g = s->dbg->gdb;
	return g && g->fd >= 0 && g->waiting;
}

static void drop_connection(VmSession *s, const char *why)
{
	Gdb *g = s->dbg->gdb;
	if (g->fd < 0)
		return;
	close(g->fd);
	g->fd = -1;
	g->inlen = 0;
	g->waiting = false;
	dbg_brk_delete(s, 0, true);
	session_msg(s, VMM_GDB, 'I', "gdb %s; the stub listens on %s again", why, g->where);
	if (s->state == VMS_STOPPED && !s->end)
		session_begin(s); /* the guest runs on, as after detach */
}

/* Z/z: breakpoints and watchpoints, kept by the CP. */
static void do_z(VmSession *s, const char *p, bool add)
{
	Gdb *g = s->dbg->gdb;
	int type = p[1] - '0';
	const char *q = p + 2;
	u32 addr, len;
	if (type < 0 || type > 4 || *q++ != ',' || !num(&q, &addr) || *q++ != ',' || !num(&q, &len)) {
		put_str(g, "E01");
		return;
	}
	Brk b;
	memset(&b, 0, sizeof(b));
	b.cs = -1;
	b.gdb = true;
	b.lo = addr;
	if (type <= 1) {
		b.kind = BRK_EXEC;
		b.hi = addr;
		snprintf(b.what, sizeof(b.what), "execution at linear %08x", addr);
	} else {
		if (!len || (u64)addr + len - 1 > 0xFFFFFFFFull) {
			put_str(g, "E01");
			return;
		}
		b.kind = BRK_WATCH;
		b.hi = addr + len - 1;
		b.rw = type == 2 ? CPU_WATCH_W : type == 3 ? CPU_WATCH_R : CPU_WATCH_R | CPU_WATCH_W;
		snprintf(b.what, sizeof(b.what), "%s of linear %08x-%08x",
			 type == 2 ? "write" : type == 3 ? "read" : "access", addr, b.hi);
	}
	if (add)
		put_str(g, dbg_brk_add(s, &b) > 0 ? "OK" : "E28");
	else
		put_str(g, dbg_brk_remove_gdb(s, b.kind, b.lo, b.hi, b.rw) ? "OK" : "E01");
}

static void do_read_mem(VmSession *s, const char *p)
{
	Gdb *g = s->dbg->gdb;
	u32 addr, len;
	const char *q = p + 1;
	if (!num(&q, &addr) || *q++ != ',' || !num(&q, &len)) {
		put_str(g, "E01");
		return;
	}
	len = MIN(len, (u32)(GDB_PKT_MAX / 2 - 16));
	u8 buf[GDB_PKT_MAX / 2];
	u32 got = machine_read_lin(s->m, addr, buf, len);
	if (!got && len) {
		put_str(g, "E14");
		return;
	}
	char hex[GDB_PKT_MAX + 1];
	hex_bytes(hex, buf, got);
	put_str(g, hex);
}

static void do_write_mem(VmSession *s, const char *p, size_t n)
{
	Gdb *g = s->dbg->gdb;
	u32 addr, len;
	const char *q = p + 1;
	if (!num(&q, &addr) || *q++ != ',' || !num(&q, &len) || *q++ != ':' || len > GDB_PKT_MAX / 2) {
		put_str(g, "E01");
		return;
	}
	u8 buf[GDB_PKT_MAX / 2];
	if (!unhex(q, n - (size_t)(q - p), buf, len)) {
		put_str(g, "E01");
		return;
	}
	put_str(g, machine_write_lin(s->m, addr, buf, len) == len ? "OK" : "E14");
}

static void do_regs(VmSession *s)
{
	Gdb *g = s->dbg->gdb;
	char out[GR_COUNT * 32 + 1];
	size_t k = 0;
	for (int r = 0; r < GR_COUNT; r++) {
		u8 b[16];
		int n = reg_get(s, r, b);
		hex_bytes(out + k, b, (size_t)n);
		k += 2 * (size_t)n;
	}
	put_packet(g, out, k);
}

static void do_write_regs(VmSession *s, const char *p, size_t n)
{
	Gdb *g = s->dbg->gdb;
	CpuState st;
	machine_get_regs(s->m, &st);
	size_t pos = 1;
	for (int r = 0; r < GR_COUNT && pos < n; r++) {
		int size = reg_size(r);
		u8 b[16];
		if (pos + 2 * (size_t)size > n || !unhex(p + pos, 2 * (size_t)size, b, (size_t)size))
			break;
		u8 cur[16];
		reg_get(s, r, cur);
		if (memcmp(cur, b, (size_t)size))
			reg_put(s, &st, r, b); /* what gdb may not change stays */
		pos += 2 * (size_t)size;
	}
	machine_set_regs(s->m, &st);
	put_str(g, "OK");
}

static void do_reg(VmSession *s, const char *p, size_t n, bool write)
{
	Gdb *g = s->dbg->gdb;
	const char *q = p + 1;
	u32 r;
	if (!num(&q, &r) || r >= GR_COUNT) {
		put_str(g, write ? "E01" : "E45");
		return;
	}
	int size = reg_size((int)r);
	u8 b[16];
	if (!write) {
		char hex[40];
		reg_get(s, (int)r, b);
		hex_bytes(hex, b, (size_t)size);
		put_str(g, hex);
		return;
	}
	if (*q++ != '=' || !unhex(q, n - (size_t)(q - p), b, (size_t)size)) {
		put_str(g, "E01");
		return;
	}
	CpuState st;
	machine_get_regs(s->m, &st);
	u8 cur[16];
	reg_get(s, (int)r, cur);
	if (!memcmp(cur, b, (size_t)size)) {
		put_str(g, "OK");
		return;
	}
	if (!reg_put(s, &st, (int)r, b)) {
		put_str(g, "E01");
		return;
	}
	machine_set_regs(s->m, &st);
	put_str(g, "OK");
}

/* c[ADDR] / s[ADDR]: an address resumes there (EIP). */
static bool resume_at(VmSession *s, const char *p)
{
	if (!p[1])
		return true;
	const char *q = p + 1;
	u32 a;
	if (!num(&q, &a))
		return false;
	CpuState st;
	machine_get_regs(s->m, &st);
	st.eip = a;
	machine_set_regs(s->m, &st);
	return true;
}

static void do_xfer(VmSession *s, const char *p)
{
	Gdb *g = s->dbg->gdb;
	const char *pre = "qXfer:features:read:target.xml:";
	if (strncmp(p, pre, strlen(pre))) {
		put_str(g, "E00");
		return;
	}
	const char *q = p + strlen(pre);
	u32 off, len;
	if (!num(&q, &off) || *q++ != ',' || !num(&q, &len)) {
		put_str(g, "E00");
		return;
	}
	size_t total = sizeof(target_xml) - 1;
	if (off >= total) {
		put_str(g, "l");
		return;
	}
	size_t n = MIN((size_t)len, total - off);
	n = MIN(n, (size_t)GDB_PKT_MAX - 16);
	char *buf = malloc(n + 2);
	if (!buf) {
		put_str(g, "E00");
		return;
	}
	buf[0] = off + n < total ? 'm' : 'l';
	memcpy(buf + 1, target_xml + off, n);
	put_packet(g, buf, n + 1);
	free(buf);
}

static void packet(VmSession *s, char *p, size_t n)
{
	Gdb *g = s->dbg->gdb;
	p[n] = 0;
	switch (p[0]) {
	case '?':
		put_str(g, "S05");
		return;
	case 'g':
		do_regs(s);
		return;
	case 'G':
		do_write_regs(s, p, n);
		return;
	case 'p':
		do_reg(s, p, n, false);
		return;
	case 'P':
		do_reg(s, p, n, true);
		return;
	case 'm':
		do_read_mem(s, p);
		return;
	case 'M':
		do_write_mem(s, p, n);
		return;
	case 'Z':
	case 'z':
		do_z(s, p, p[0] == 'Z');
		return;
	case 'H':
		put_str(g, "OK");
		return;
	case 'T':
		put_str(g, "OK");
		return;
	case 'c':
		if (!resume_at(s, p)) {
			put_str(g, "E01");
			return;
		}
		g->waiting = true;
		if (s->state != VMS_RUNNING)
			session_begin(s);
		return;
	case 's': {
		if (!resume_at(s, p)) {
			put_str(g, "E01");
			return;
		}
		if (s->state == VMS_RUNNING) {
			g->waiting = false;
			session_stop(s);
		}
		g->waiting = true;
		dbg_step_one(s);
		gdb_stopped(s, 0, 0);
		return;
	}
	case 'D':
		put_str(g, "OK");
		drop_connection(s, "detached");
		return;
	case 'k':
		drop_connection(s, "killed the session (the VM runs on)");
		return;
	case 'q':
		if (!strncmp(p, "qSupported", 10)) {
			char r[96];
			snprintf(r, sizeof(r), "PacketSize=%x;qXfer:features:read+;swbreak+;hwbreak+", GDB_PKT_MAX);
			put_str(g, r);
		} else if (!strncmp(p, "qXfer:", 6)) {
			do_xfer(s, p);
		} else if (!strcmp(p, "qAttached")) {
			put_str(g, "1");
		} else if (!strcmp(p, "qC")) {
			put_str(g, "QC1");
		} else if (!strcmp(p, "qfThreadInfo")) {
			put_str(g, "m1");
		} else if (!strcmp(p, "qsThreadInfo")) {
			put_str(g, "l");
		} else if (!strncmp(p, "qSymbol", 7)) {
			put_str(g, "OK");
		} else {
			put_str(g, "");
		}
		return;
	default:
		put_str(g, "");
	}
}

/* Bytes from gdb: acknowledgements, Ctrl-C, packets. */
static void consume(VmSession *s)
{
	Gdb *g = s->dbg->gdb;
	size_t i = 0;
	while (i < g->inlen && g->fd >= 0) {
		u8 c = g->in[i];
		if (c == '+' || c == '-') {
			i++;
			continue;
		}
		if (c == 0x03) {
			/* Ctrl-C: stop the VM, SIGINT */
			i++;
			if (s->state == VMS_RUNNING) {
				bool w = g->waiting;
				g->waiting = false;
				session_stop(s);
				if (w)
					put_str(g, "S02");
			}
			continue;
		}
		if (c != '$') {
			i++;
			continue;
		}
		u8 *hash = memchr(g->in + i, '#', g->inlen - i);
		if (!hash || (size_t)(hash - g->in) + 3 > g->inlen)
			break; /* incomplete */
		size_t start = i + 1, len = (size_t)(hash - g->in) - start;
		u8 sum = 0;
		for (size_t k = start; k < start + len; k++)
			sum += g->in[k];
		int hi = hexval((char)hash[1]), lo = hexval((char)hash[2]);
		i = (size_t)(hash - g->in) + 3;
		if (hi < 0 || lo < 0 || (u8)(hi << 4 | lo) != sum) {
			send_raw(g, "-", 1);
			continue;
		}
		send_raw(g, "+", 1);
		/* undo the escapes (binary data in M/X is hex here, but be exact) */
		char pkt[GDB_IN_MAX];
		size_t k = 0;
		for (size_t j = start; j < start + len && k < sizeof(pkt) - 1; j++) {
			if (g->in[j] == '}' && j + 1 < start + len)
				pkt[k++] = (char)(g->in[++j] ^ 0x20);
			else
				pkt[k++] = (char)g->in[j];
		}
		packet(s, pkt, k);
		g = s->dbg->gdb;
		if (!g)
			return;
	}
	if (g->fd < 0) {
		g->inlen = 0;
		return;
	}
	memmove(g->in, g->in + i, g->inlen - i);
	g->inlen -= i;
	if (g->inlen == sizeof(g->in)) {
		/* a packet longer than anything gdb sends with PacketSize: drop it */
		g->inlen = 0;
		send_raw(g, "-", 1);
	}
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

void gdb_serve(VmSession *s)
{
	Gdb *g = s->dbg->gdb;
	if (!g)
		return;
	if (g->fd < 0) {
		struct sockaddr_storage sa;
		socklen_t sl = sizeof(sa);
		int fd = accept(g->lfd, (struct sockaddr *)&sa, &sl);
		if (fd < 0)
			return;
		set_nonblock(fd);
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		g->fd = fd;
		g->inlen = 0;
		g->waiting = false;
		char host[64] = "?", port[16] = "?";
		getnameinfo((struct sockaddr *)&sa, sl, host, sizeof(host), port, sizeof(port),
			    NI_NUMERICHOST | NI_NUMERICSERV);
		session_msg(s, VMM_GDB, 'I', "gdb attached from %s:%s", host, port);
		/* gdb finds the target stopped, as a debugger attaching to a process does */
		if (s->state == VMS_RUNNING)
			session_stop(s);
	}
	for (;;) {
		size_t room = sizeof(g->in) - g->inlen;
		if (!room)
			break;
		ssize_t k = recv(g->fd, g->in + g->inlen, room, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (k <= 0) {
			drop_connection(s, "went away");
			return;
		}
		g->inlen += (size_t)k;
		consume(s);
		g = s->dbg->gdb;
		if (!g || g->fd < 0)
			return;
	}
}

int gdb_pollfds(VmSession *s, int *fds, short *events)
{
	Gdb *g = s->dbg->gdb;
	if (!g)
		return 0;
	fds[0] = g->fd >= 0 ? g->fd : g->lfd;
	events[0] = POLLIN;
	return 1;
}

int gdb_open(VmSession *s, const char *spec, char *why, size_t wl)
{
	if (s->dbg->gdb)
		gdb_close(s);
	char host[64] = "127.0.0.1";
	const char *port = spec;
	const char *colon = strrchr(spec, ':');
	if (colon) {
		size_t hl = (size_t)(colon - spec);
		if (hl >= sizeof(host))
			return snprintf(why, wl, "Cannot open the gdb stub on %s: host name too long", spec),
			       VMCP_EINVAL;
		if (hl) {
			memcpy(host, spec, hl);
			host[hl] = 0;
		}
		port = colon + 1;
	}
	char *end;
	long pn = strtol(port, &end, 10);
	if (!*port || *end || pn < 1 || pn > 65535)
		return snprintf(why, wl, "Cannot open the gdb stub on %s: a port is 1 to 65535", spec),
		       VMCP_EINVAL;
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
	struct addrinfo *ai = NULL;
	int r = getaddrinfo(host, port, &hints, &ai);
	if (r)
		return snprintf(why, wl, "Cannot open the gdb stub on %s: %s", spec, gai_strerror(r)),
		       VMCP_EINVAL;
	int fd = -1, err = 0;
	for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, a->ai_addr, a->ai_addrlen) < 0 || listen(fd, 1) < 0) {
			err = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (fd < 0)
		return snprintf(why, wl, "Cannot open the gdb stub on %s:%s: %s", host, port, strerror(err)),
		       err == EADDRINUSE || err == EACCES ? VMCP_EBUSY : VMCP_EIO;
	set_nonblock(fd);
	Gdb *g = calloc(1, sizeof(*g));
	if (!g) {
		close(fd);
		return snprintf(why, wl, "Out of memory"), VMCP_ENOMEM;
	}
	g->lfd = fd;
	g->fd = -1;
	snprintf(g->where, sizeof(g->where), "%s:%s", host, port);
	s->dbg->gdb = g;
	return 0;
}

const char *gdb_where(const VmSession *s)
{
	return s->dbg->gdb ? s->dbg->gdb->where : "";
}

void gdb_close(VmSession *s)
{
	Gdb *g = s->dbg->gdb;
	if (!g)
		return;
	if (g->fd >= 0) {
		if (g->waiting && s->end)
			put_str(g, "W00"); /* the VM ended */
		close(g->fd);
	}
	close(g->lfd);
	free(g);
	s->dbg->gdb = NULL;
	if (s->m)
		dbg_brk_delete(s, 0, true);
}

int dbg_cmd_gdb(VmSession *s, FILE *out, char **w, int n)
{
	if (n != 2)
		return dbg_bad(out, "gdb [HOST:]PORT | gdb off");
	if (dbg_word(w[1], "off", 3)) {
		if (!s->dbg->gdb)
			return dbg_bad(out, "gdb: no stub is open");
		gdb_close(s);
		dbg_msg(out, VMM_GDB, 'I', "gdb stub closed");
		return 0;
	}
	char why[200];
	int r = gdb_open(s, w[1], why, sizeof(why));
	if (r)
		return dbg_msg(out, VMM_GDB_FAIL, 'E', "%s", why), r;
	dbg_msg(out, VMM_GDB, 'I', "gdb stub listening on %s: target remote %s", s->dbg->gdb->where,
		s->dbg->gdb->where);
	return 0;
}
