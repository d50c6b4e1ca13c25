/* sst-run: runs SingleStepTests (MOO format) cases on VMCP's CPU.
 *
 *   sst-run [-x EXCLUSIONS] [-r REVOCATIONS] [-n EVERY] [-o OPCODE] [-v N] DIR
 *
 * DIR holds *.MOO(.gz) files (one per opcode or "opcode.reg" group form) and optionally
 * metadata.json (per-opcode status and undefined-flag masks). .gz files are read through
 * a `gzip -dc` pipe. For each case the CPU (a 386, 16 MiB of RAM, A20 on) is put in real
 * mode with segment bases selector*16 and 64 KiB limits, the INIT registers and RAM are
 * loaded, and the CPU runs until the HLT that ends the case; then every FINA register
 * (unlisted ones must keep their INIT value) and RAM byte is compared, FLAGS bits 12-15
 * and the metadata's undefined flags masked (also in a FLAGS word an exception pushed).
 * How to run 286/8086 data on a 386-class CPU: ../shared/testdata/README.md.
 * Cases matching a line of the exclusions file (tests/cpu/sst-exclusions.txt) are not
 * run; each line gives the reason. Prints a line per opcode file and ends with
 * "N passed, N failed". -n EVERY runs every EVERY-th case only (sampling), -o runs one
 * file, -v N prints details of up to N failures per file, -t with -v traces them.
 * 386 data (header CPU "386E", captured from a 386EX) holds 32-bit register files (RG32:
 * EAX..EDI, the six segment registers, EIP, EFLAGS, CR0, CR3, DR6, DR7): the registers
 * are loaded whole and compared whole, under the RM32 masks of the file and of the case
 * and the bits a 386 has (EFLAGS_386 and the others below; the 386EX reads its reserved
 * bits as ones). tests/cpu/sst386_test.sh checks this reader.
 * 8086 data (MOO header CPU "8086") has no HLT after the instruction: each case runs one
 * instruction, with A20 off (20 address bits). Exception vectors a case does not set up
 * lead to a HLT, so an exception the data does not expect ends the run at once; RAM is
 * swept for stray writes every 512 cases (SST_SWEEP=N in the environment changes it). */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/iobus.h"
#include "bus/membus.h"
#include "cpu/cpu.h"

#define RAM_SIZE (16u << 20)

/* ---- a minimal JSON reader (objects, strings, numbers, arrays skipped) ---- */
typedef struct JNode JNode;
struct JNode {
	char *key; /* member name inside an object */
	char *str; /* string value */
	double num;
	bool is_obj, is_num;
	JNode *child, *next;
};

static const char *jp;

static void jws(void)
{
	while (*jp && isspace((unsigned char)*jp))
		jp++;
}

static char *jstring(void)
{
	/* at the opening quote */
	jp++;
	const char *s = jp;
	while (*jp && *jp != '"') {
		if (*jp == '\\' && jp[1])
			jp++;
		jp++;
	}
	size_t n = (size_t)(jp - s);
	char *r = malloc(n + 1);
	if (!r)
		exit(2);
	memcpy(r, s, n);
	r[n] = 0;
	if (*jp)
		jp++;
	return r;
}

static JNode *jvalue(void);

static JNode *jobject(void)
{
	JNode *o = calloc(1, sizeof(*o)), **tail = &o->child;
	if (!o)
		exit(2);
	o->is_obj = true;
	jp++;
	for (;;) {
		jws();
		if (*jp == '}') {
			jp++;
			return o;
		}
		if (*jp != '"')
			return o;
		char *k = jstring();
		jws();
		if (*jp == ':')
			jp++;
		JNode *v = jvalue();
		v->key = k;
		*tail = v;
		tail = &v->next;
		jws();
		if (*jp == ',')
			jp++;
	}
}

static JNode *jvalue(void)
{
	jws();
	if (*jp == '{')
		return jobject();
	JNode *v = calloc(1, sizeof(*v));
	if (!v)
		exit(2);
	if (*jp == '"') {
		v->str = jstring();
	} else if (*jp == '[') {
		int depth = 0;
		do {
			if (*jp == '[')
				depth++;
			else if (*jp == ']')
				depth--;
			jp++;
		} while (*jp && depth);
	} else {
		char *e;
		v->num = strtod(jp, &e);
		v->is_num = e != jp;
		jp = e;
		while (*jp && *jp != ',' && *jp != '}' && *jp != ']')
			jp++;
	}
	return v;
}

static void jfree(JNode *n)
{
	while (n) {
		JNode *next = n->next;
		jfree(n->child);
		free(n->key);
		free(n->str);
		free(n);
		n = next;
	}
}

static const JNode *jget(const JNode *o, const char *key)
{
	if (!o || !o->is_obj)
		return NULL;
	for (const JNode *c = o->child; c; c = c->next)
		if (c->key && !strcmp(c->key, key))
			return c;
	return NULL;
}

/* ---- files ---- */
static u8 *read_all(const char *path, size_t *len)
{
	size_t n = strlen(path);
	FILE *f;
	bool pipe = n > 3 && !strcmp(path + n - 3, ".gz");
	if (pipe) {
		char cmd[4200];
		snprintf(cmd, sizeof(cmd), "gzip -dc '%s'", path);
		f = popen(cmd, "r");
	} else {
		f = fopen(path, "rb");
	}
	if (!f)
		return NULL;
	size_t cap = 1 << 20, used = 0;
	u8 *buf = malloc(cap);
	for (;;) {
		if (!buf)
			exit(2);
		if (used == cap) {
			cap *= 2;
			u8 *nb = realloc(buf, cap);
			if (!nb)
				exit(2);
			buf = nb;
			continue;
		}
		size_t r = fread(buf + used, 1, cap - used, f);
		if (r == 0)
			break;
		used += r;
	}
	int rc = pipe ? pclose(f) : fclose(f);
	if (rc != 0) {
		free(buf);
		return NULL;
	}
	*len = used;
	return buf;
}

/* ---- exclusions ---- */
typedef struct Excl {
	char cpu[8];   /* 286, 8086, 386 or any */
	char op[16];   /* file stem, prefix*, or * */
	char cond[64]; /* see sst-exclusions.txt */
	char reason[200];
	u64 hits;
} Excl;

static Excl excl[256];
static int nexcl;

static void load_exclusions(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "sst-run: cannot read %s\n", path);
		exit(2);
	}
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		char *p = line;
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			continue;
		if (nexcl >= (int)(sizeof(excl) / sizeof(excl[0])))
			break;
		Excl *e = &excl[nexcl];
		int pos = 0;
		if (sscanf(p, "%7s %15s %63s %n", e->cpu, e->op, e->cond, &pos) < 3)
			continue;
		snprintf(e->reason, sizeof(e->reason), "%s", p + pos);
		e->reason[strcspn(e->reason, "\n")] = 0;
		nexcl++;
	}
	fclose(f);
}

static bool op_matches(const char *pat, const char *op)
{
	size_t n = strlen(pat);
	if (!strcmp(pat, "*"))
		return true;
	if (n && pat[n - 1] == '*')
		return !strncmp(pat, op, n - 1);
	return !strcmp(pat, op);
}

/* ---- one case ---- */
/* The registers of both register files: REGS (the 16-bit file of the 8086/286 data, in
 * the order of its bitmask, indices 0-13) and RG32 (the 386's, which adds FS, GS and the
 * control and debug registers the 386EX's SMM dump holds). */
enum { AX, BX, CX, DX, CS, SS, DS, ES, SP, BP, SI, DI, IP, FL, FS, GS, CR0, CR3, DR6, DR7, NREGS };
static const char *regname[NREGS] = {"ax", "bx", "cx", "dx", "cs", "ss", "ds",
				     "es", "sp", "bp", "si", "di", "ip", "flags",
				     "fs", "gs", "cr0", "cr3", "dr6", "dr7"};
/* the bitmask order of each file: REGS and RMSK; RG32 and RM32 */
static const u8 order16[] = {AX, BX, CX, DX, CS, SS, DS, ES, SP, BP, SI, DI, IP, FL};
static const u8 order32[] = {CR0, CR3, AX, BX, CX, DX, SI, DI, BP, SP,
			     CS, DS, ES, FS, GS, SS, IP, FL, DR6, DR7};

typedef struct MooState {
	u32 reg[NREGS];
	u32 have;        /* bitmask (by the enum above) of listed registers */
	u32 mask[NREGS]; /* RMSK/RM32: the bits of each register that are defined */
	bool wide;       /* RG32: 32-bit registers (386 data) */
	const u8 *ram;
	u32 nram;
} MooState;

typedef struct Case {
	const char *name;
	u32 name_len;
	const u8 *bytes;
	u32 nbytes;
	MooState init, fina;
	bool has_excp;
	u8 excp_vec;
	u32 excp_addr;
	const u8 *hash;
} Case;

static u32 rd32le(const u8 *p) { return (u32)p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24; }
static u16 rd16le(const u8 *p) { return (u16)(p[0] | p[1] << 8); }

/* A REGS/RMSK (16-bit) or RG32/RM32 (32-bit) payload: a bitmask in the file's order,
 * then one value per set bit. Sets out[] and returns the bitmask by the enum. */
static u32 parse_regs(const u8 *pl, u32 n, bool wide, u32 *out)
{
	const u8 *order = wide ? order32 : order16;
	size_t count = wide ? sizeof(order32) : sizeof(order16);
	u32 w = wide ? 4 : 2, k = w, have = 0;
	if (n < w)
		return 0;
	u32 mask = wide ? rd32le(pl) : rd16le(pl);
	for (size_t i = 0; i < count; i++) {
		if (!(mask >> i & 1))
			continue;
		if (k + w > n)
			break;
		out[order[i]] = wide ? rd32le(pl + k) : rd16le(pl + k);
		have |= 1u << order[i];
		k += w;
	}
	return have;
}

static bool is_regs(const u8 *t, bool *wide)
{
	*wide = !memcmp(t, "RG32", 4);
	return *wide || !memcmp(t, "REGS", 4);
}
static bool is_rmask(const u8 *t, bool *wide)
{
	*wide = !memcmp(t, "RM32", 4);
	return *wide || !memcmp(t, "RMSK", 4);
}

static void parse_state(const u8 *p, u32 len, MooState *s)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < NREGS; i++)
		s->mask[i] = ~0u;
	u32 off = 0;
	while (off + 8 <= len) {
		const u8 *t = p + off;
		u32 n = rd32le(t + 4);
		const u8 *pl = t + 8;
		bool wide;
		if (off + 8 + n > len)
			break;
		if (is_regs(t, &wide)) {
			s->have = parse_regs(pl, n, wide, s->reg);
			s->wide = wide;
		} else if (is_rmask(t, &wide)) {
			(void)parse_regs(pl, n, wide, s->mask);
		} else if (!memcmp(t, "RAM ", 4) && n >= 4) {
			s->nram = rd32le(pl);
			if (4 + (u64)s->nram * 5 > n)
				s->nram = (n - 4) / 5;
			s->ram = pl + 4;
		}
		off += 8 + n;
	}
}

static bool parse_case(const u8 *p, u32 len, Case *tc)
{
	memset(tc, 0, sizeof(*tc));
	u32 off = 4; /* index */
	while (off + 8 <= len) {
		const u8 *t = p + off;
		u32 n = rd32le(t + 4);
		const u8 *pl = t + 8;
		if (off + 8 + n > len)
			return false;
		if (!memcmp(t, "NAME", 4) && n >= 4) {
			tc->name = (const char *)pl + 4;
			tc->name_len = MIN(rd32le(pl), n - 4);
		} else if (!memcmp(t, "BYTS", 4) && n >= 4) {
			tc->bytes = pl + 4;
			tc->nbytes = MIN(rd32le(pl), n - 4);
		} else if (!memcmp(t, "INIT", 4)) {
			parse_state(pl, n, &tc->init);
		} else if (!memcmp(t, "FINA", 4)) {
			parse_state(pl, n, &tc->fina);
		} else if (!memcmp(t, "EXCP", 4) && n >= 5) {
			tc->has_excp = true;
			tc->excp_vec = pl[0];
			tc->excp_addr = rd32le(pl + 1);
		} else if (!memcmp(t, "HASH", 4) && n >= 20) {
			tc->hash = pl;
		}
		off += 8 + n;
	}
	return tc->bytes && tc->init.have;
}

/* ---- the machine ---- */
typedef struct Machine {
	MemBus mem;
	IoBus *io;
	Cpu *cpu;
	bool one_insn; /* run one instruction (8086 data) rather than up to a HLT */
	int flags_off;  /* offset from the final SP of a pushed FLAGS word to mask, or -1 */
} Machine;

static bool is_rep(const Case *tc)
{
	for (u32 i = 0; i < tc->nbytes; i++) {
		u8 b = tc->bytes[i];
		if (b == 0xF2 || b == 0xF3)
			return true;
		if (b != 0x26 && b != 0x2E && b != 0x36 && b != 0x3E && b != 0xF0)
			return false;
	}
	return false;
}

static void seg_real(CpuSeg *s, u16 sel, bool code)
{
	s->sel = sel;
	s->base = (u32)sel << 4;
	s->limit = 0xFFFF;
	s->attr = code ? 0x9B : 0x93;
}

typedef struct Outcome {
	CpuExitReason why;
	CpuState st;
	int last_exc;
} Outcome;

/* Exception vectors the case does not set up point at a HLT (at 0050:0000), and a HLT
 * is placed wherever a vector the case sets only in part leads, so that an exception
 * the data does not expect stops the run at once instead of running wild. */
/* The bits compared on 386 data: EFLAGS bits a 386 has (CF, 1, PF, AF, ZF, SF, TF, IF,
 * DF, OF, IOPL, NT, RF, VM), CR0's PE/MP/EM/TS/PG, DR6's B0-B3/BD/BS/BT, DR7's enables,
 * GD and the breakpoint conditions. */
#define EFLAGS_386 0x00037FD7u
#define CR0_CMP 0x8000000Fu
#define DR6_CMP 0x0000E00Fu
#define DR7_CMP 0xFFFF23FFu

#define STUB_SEG 0x50u
#define IVT_STUBS 32u

static u32 stub_addr[IVT_STUBS + 1];
static int nstub;

static bool in_init(const Case *tc, u32 a)
{
	for (u32 i = 0; i < tc->init.nram; i++)
		if ((rd32le(tc->init.ram + i * 5) & (RAM_SIZE - 1)) == a)
			return true;
	return false;
}

static void run_case(Machine *m, const Case *tc, Outcome *o)
{
	u32 touched = 0; /* vectors whose entry the case sets (even in part) */
	for (u32 i = 0; i < tc->init.nram; i++) {
		u32 a = rd32le(tc->init.ram + i * 5) & (RAM_SIZE - 1);
		if (a < IVT_STUBS * 4)
			touched |= 1u << (a / 4);
	}
	for (u32 v = 0; v < IVT_STUBS; v++)
		if (!(touched >> v & 1))
			put_le32(m->mem.ram + v * 4, STUB_SEG << 16);
	for (u32 i = 0; i < tc->init.nram; i++) {
		const u8 *r = tc->init.ram + i * 5;
		u32 a = rd32le(r) & (RAM_SIZE - 1);
		m->mem.ram[a] = r[4];
	}
	nstub = 0;
	for (u32 v = 0; v < IVT_STUBS; v++) {
		u32 e = get_le32(m->mem.ram + v * 4);
		u32 t = ((e >> 16) * 16 + (e & 0xFFFF)) & (m->one_insn ? 0xFFFFF : RAM_SIZE - 1);
		if (!in_init(tc, t) && m->mem.ram[t] != 0xF4) {
			m->mem.ram[t] = 0xF4;
			stub_addr[nstub++] = t;
		}
	}
	CpuState st;
	memset(&st, 0, sizeof(st));
	const u32 *ir = tc->init.reg;
	/* 16-bit data leaves the upper halves zero; 386 data gives whole registers */
	st.gpr[0] = ir[AX];
	st.gpr[1] = ir[CX];
	st.gpr[2] = ir[DX];
	st.gpr[3] = ir[BX];
	st.gpr[4] = ir[SP];
	st.gpr[5] = ir[BP];
	st.gpr[6] = ir[SI];
	st.gpr[7] = ir[DI];
	st.eip = ir[IP];
	/* FLAGS bits 12-15 of 8086/286 data are that chip's (IOPL/NT do not exist or read
	 * 1 in real mode); the 386EX's EFLAGS image has ones in bits that do not exist
	 * on a 386 (18-31): the CPU keeps what it has */
	st.eflags = tc->init.wide ? ir[FL] & EFLAGS_386 : (ir[FL] & 0x0FFFu) | 2;
	seg_real(&st.seg[SEG_ES], (u16)ir[ES], false);
	seg_real(&st.seg[SEG_CS], (u16)ir[CS], true);
	seg_real(&st.seg[SEG_SS], (u16)ir[SS], false);
	seg_real(&st.seg[SEG_DS], (u16)ir[DS], false);
	seg_real(&st.seg[SEG_FS], (u16)ir[FS], false);
	seg_real(&st.seg[SEG_GS], (u16)ir[GS], false);
	st.ldtr.attr = 0x82;
	st.ldtr.limit = 0xFFFF;
	st.tr.attr = 0x8B;
	st.tr.limit = 0xFFFF;
	st.idtr_limit = 0x3FF;
	st.gdtr_limit = 0xFFFF;
	st.dr[6] = 0xFFFF0FF0u;
	st.dr[7] = 0x400;
	if (tc->init.wide) {
		/* real mode: of CR0 only MP/EM/TS (the 386EX reads its reserved bits as
		 * ones; PE and PG are clear in every real-mode case) */
		st.cr0 = ir[CR0] & CR0_CMP & ~(u32)(CR0_PE | CR0_PG);
		st.cr3 = ir[CR3];
		st.dr[6] |= ir[DR6] & DR6_CMP;
		st.dr[7] |= ir[DR7] & DR7_CMP;
	}
	cpu_set_state(m->cpu, &st);
	CpuStats before;
	cpu_get_stats(m->cpu, &before);
	CpuExit ex;
	if (m->one_insn) {
		/* 8086 data: the case is the one instruction (no HLT follows); a REP may
		 * take several slices (it leaves EIP on itself between chunks) */
		for (int k = 0; k < 64; k++) {
			o->why = cpu_run(m->cpu, 1, &ex);
			CpuState now;
			cpu_get_state(m->cpu, &now);
			if (o->why != CPU_EXIT_BUDGET || now.eip != st.eip ||
			    now.seg[SEG_CS].sel != st.seg[SEG_CS].sel || !is_rep(tc))
				break;
		}
		if (o->why == CPU_EXIT_BUDGET)
			o->why = CPU_EXIT_HLT;
	} else {
		o->why = cpu_run(m->cpu, 2000, &ex);
	}
	cpu_get_state(m->cpu, &o->st);
	CpuStats after;
	cpu_get_stats(m->cpu, &after);
	o->last_exc = after.exceptions != before.exceptions ? after.last_exception : -1;
}

static u32 our_reg(const CpuState *st, int i)
{
	switch (i) {
	case AX: return st->gpr[0];
	case BX: return st->gpr[3];
	case CX: return st->gpr[1];
	case DX: return st->gpr[2];
	case CS: return st->seg[SEG_CS].sel;
	case SS: return st->seg[SEG_SS].sel;
	case DS: return st->seg[SEG_DS].sel;
	case ES: return st->seg[SEG_ES].sel;
	case FS: return st->seg[SEG_FS].sel;
	case GS: return st->seg[SEG_GS].sel;
	case SP: return st->gpr[4];
	case BP: return st->gpr[5];
	case SI: return st->gpr[6];
	case DI: return st->gpr[7];
	case IP: return st->eip;
	case CR0: return st->cr0;
	case CR3: return st->cr3;
	case DR6: return st->dr[6];
	case DR7: return st->dr[7];
	default: return st->eflags;
	}
}

/* The bits of register i a case compares: 16-bit data compares the 16-bit file (FLAGS
 * under the metadata's mask, bits 12-15 never); 386 data every register it has, under
 * the file's and the case's RM32 masks and the bits a 386 has. */
static u32 file_mask[NREGS]; /* a top-level RMSK/RM32 chunk: the masks of every case */

static u32 cmp_mask(const Case *tc, int i, u32 fmask)
{
	if (!tc->init.wide)
		return i > FL ? 0 : i == FL ? fmask & 0x0FFF : 0xFFFF;
	u32 mk = tc->fina.mask[i] & file_mask[i];
	switch (i) {
	case CS: case SS: case DS: case ES: case FS: case GS: return mk & 0xFFFF;
	case FL: return mk & fmask & EFLAGS_386;
	case CR0: return mk & CR0_CMP;
	case DR6: return mk & DR6_CMP;
	case DR7: return mk & DR7_CMP;
	default: return mk;
	}
}

static const char *hash_hex(const u8 *hash);

/* Mismatch bits beyond the NREGS register bits */
#define MIS_UPPER (1u << 24)
#define MIS_RAM (1u << 25)
#define MIS_EXIT (1u << 26)

/* Compares; returns the mismatches (0: equal). When report, prints them. */
static u32 check_case(Machine *m, const Case *tc, const Outcome *o, u32 fmask, bool report)
{
	u32 mis = 0;
	char buf[1024];
	int n = 0;
#define NOTE(bit, ...)                                                               \
	do {                                                                         \
		mis |= (bit);                                                        \
		if (report && n < (int)sizeof(buf) - 100)                            \
			n += snprintf(buf + n, sizeof(buf) - (size_t)n, __VA_ARGS__); \
	} while (0)
	if (o->why != CPU_EXIT_HLT)
		NOTE(MIS_EXIT, " exit=%d", o->why);
	for (int i = 0; i < NREGS; i++) {
		u32 mk = cmp_mask(tc, i, fmask);
		if (!mk)
			continue;
		u32 want = ((tc->fina.have >> i & 1) ? tc->fina.reg[i] : tc->init.reg[i]) & mk;
		u32 got = our_reg(&o->st, i) & mk;
		if (want != got)
			NOTE(1u << i, " %s=%0*x want %0*x (mask %x)", regname[i], tc->init.wide ? 8 : 4, got,
			     tc->init.wide ? 8 : 4, want, mk);
	}
	if (!tc->init.wide)
		for (int i = 0; i < 8; i++)
			if (o->st.gpr[i] >> 16)
				NOTE(MIS_UPPER, " r%d upper=%08x", i, o->st.gpr[i]);
	/* the FLAGS word of the exception frame: EXCP gives its word-aligned bus address,
	 * so locate it from the final SS:SP (IP, CS, FLAGS upward) */
	u32 fl_lo = ~0u, fl_hi = ~0u;
	if (m->flags_off >= 0) {
		u16 ss = (u16)((tc->fina.have >> SS & 1) ? tc->fina.reg[SS] : tc->init.reg[SS]);
		u16 sp = (u16)((tc->fina.have >> SP & 1) ? tc->fina.reg[SP] : tc->init.reg[SP]);
		u32 wrap = m->one_insn ? 0xFFFFF : RAM_SIZE - 1; /* the 8086 has 20 address bits */
		fl_lo = ((u32)ss * 16 + (u16)(sp + m->flags_off)) & wrap;
		fl_hi = ((u32)ss * 16 + (u16)(sp + m->flags_off + 1)) & wrap;
	}
	for (u32 i = 0; i < tc->fina.nram; i++) {
		const u8 *r = tc->fina.ram + i * 5;
		u32 a = rd32le(r) & (RAM_SIZE - 1);
		u8 want = r[4], got = m->mem.ram[a];
		if (a == fl_lo || a == fl_hi) {
			u32 fm = cmp_mask(tc, FL, fmask); /* the low 16 bits of EFLAGS */
			u8 mk = (u8)(a == fl_lo ? fm : fm >> 8);
			want &= mk;
			got &= mk;
		}
		if (want != got)
			NOTE(MIS_RAM, " [%06x]=%02x want %02x", a, got, want);
	}
	if (mis && report) {
		printf("  FAIL %.*s  bytes", (int)tc->name_len, tc->name);
		for (u32 i = 0; i < tc->nbytes; i++)
			printf(" %02x", tc->bytes[i]);
		printf("  init");
		for (int i = 0; i < NREGS; i++)
			if (tc->init.have >> i & 1)
				printf(" %s=%0*x", regname[i], tc->init.wide ? 8 : 4, tc->init.reg[i]);
		printf("\n       ->%s  (hash %s)\n", buf, tc->hash ? hash_hex(tc->hash) : "-");
	}
	return mis;
#undef NOTE
}

static void clear_case(Machine *m, const Case *tc, const Outcome *o)
{
	memset(m->mem.ram, 0, IVT_STUBS * 4);
	for (int i = 0; i < nstub; i++)
		m->mem.ram[stub_addr[i]] = 0;
	if (o->last_exc >= 0) {
		/* the frame an unexpected exception pushed */
		u32 sp = o->st.gpr[R_ESP] & 0xFFFF;
		for (u32 i = 0; i < 6; i++)
			m->mem.ram[(o->st.seg[SEG_SS].base + ((sp + i) & 0xFFFF)) &
				   (m->one_insn ? 0xFFFFF : RAM_SIZE - 1)] = 0;
	}
	for (u32 i = 0; i < tc->init.nram; i++)
		m->mem.ram[rd32le(tc->init.ram + i * 5) & (RAM_SIZE - 1)] = 0;
	for (u32 i = 0; i < tc->fina.nram; i++)
		m->mem.ram[rd32le(tc->fina.ram + i * 5) & (RAM_SIZE - 1)] = 0;
}

/* Stray writes (outside the listed RAM) would leak into later cases: sweep now and
 * then, and count a sweep that finds any as one failure. */
static bool sweep_ram(Machine *m)
{
	static const u8 zero[4096];
	bool clean = true;
	for (u32 a = 0; a < RAM_SIZE; a += 4096) {
		if (memcmp(m->mem.ram + a, zero, 4096)) {
			for (u32 k = 0; k < 4096; k++)
				if (m->mem.ram[a + k])
					printf("  stray byte %02x at %06x\n", m->mem.ram[a + k], a + k);
			memset(m->mem.ram + a, 0, 4096);
			clean = false;
		}
	}
	return clean;
}

/* ---- per-file driver ---- */
typedef struct Meta {
	JNode *root;
} Meta;

static const JNode *meta_entry(const Meta *md, const char *stem)
{
	char op[8] = {0}, reg[4] = {0};
	const char *dot = strchr(stem, '.');
	size_t n = dot ? (size_t)(dot - stem) : strlen(stem);
	if (n >= sizeof(op))
		return NULL;
	memcpy(op, stem, n);
	const JNode *e = jget(jget(md->root, "opcodes"), op);
	if (dot && e) {
		snprintf(reg, sizeof(reg), "%c", dot[1]);
		const JNode *r = jget(jget(e, "reg"), reg);
		if (r)
			e = r;
	}
	return e;
}

static char revoked[64][41];
static int nrevoked;

static const char *hash_hex(const u8 *hash)
{
	static char hex[41];
	for (int i = 0; i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", hash[i]);
	return hex;
}

static bool is_revoked(const u8 *hash)
{
	if (!hash)
		return false;
	const char *hex = hash_hex(hash);
	for (int i = 0; i < nrevoked; i++)
		if (!strcmp(revoked[i], hex))
			return true;
	return false;
}

static void load_revocations(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char line[256];
	while (fgets(line, sizeof(line), f) && nrevoked < 64) {
		char h[64];
		if (line[0] == '#' || sscanf(line, "%63s", h) != 1 || strlen(h) != 40)
			continue;
		for (char *p = h; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		memcpy(revoked[nrevoked++], h, 41);
	}
	fclose(f);
}

static bool has_lock(const Case *tc);
static u32 reg_list(const char *list);
static int modrm_reg(const Case *tc);
static bool is_rep(const Case *tc);

/* Which exclusion (index) applies to a case, or -1. ours: our exception vector, or -1
 * before the run (outcome conditions are checked after it). */
static int excluded(const char *cpu, const char *stem, const char *status, const Case *tc,
		    int ours, u32 mis, bool after)
{
	for (int i = 0; i < nexcl; i++) {
		Excl *e = &excl[i];
		if (strcmp(e->cpu, "any") && strcmp(e->cpu, cpu))
			continue;
		if (!op_matches(e->op, stem))
			continue;
		const char *cd = e->cond;
		bool outcome = !strncmp(cd, "ours=", 5) || !strcmp(cd, "lock") ||
			       !strncmp(cd, "vec=", 4) || !strncmp(cd, "regs=", 5) ||
			       !strncmp(cd, "diff=", 5);
		if (outcome != after)
			continue;
		bool hit = false;
		if (!strcmp(cd, "all"))
			hit = true;
		else if (!strncmp(cd, "status=", 7))
			hit = status && !strcmp(status, cd + 7);
		else if (!strncmp(cd, "excp=", 5))
			hit = tc->has_excp && (!strcmp(cd + 5, "*") || tc->excp_vec == atoi(cd + 5));
		else if (!strncmp(cd, "cl>=", 4))
			hit = (tc->init.reg[CX] & 0xFF) >= (u32)atoi(cd + 4);
		else if (!strncmp(cd, "hash=", 5))
			hit = tc->hash && !strcmp(hash_hex(tc->hash), cd + 5);
		else if (!strncmp(cd, "modrm.reg>=", 11))
			hit = modrm_reg(tc) >= atoi(cd + 11);
		else if (!strncmp(cd, "len>", 4))
			hit = tc->nbytes - 1 > (u32)atoi(cd + 4);
		else if (!strcmp(cd, "lock"))
			hit = has_lock(tc) && ours == 6;
		else if (!strncmp(cd, "vec=", 4))
			hit = tc->has_excp && tc->excp_vec == atoi(cd + 4) &&
			      ours == atoi(strchr(cd, '/') ? strchr(cd, '/') + 1 : "-1");
		else if (!strncmp(cd, "diff=", 5))
			hit = !(mis & ~reg_list(cd + 5));
		else if (!strcmp(cd, "rep"))
			hit = is_rep(tc);
		else if (!strncmp(cd, "regs=", 5))
			hit = tc->has_excp && ours == tc->excp_vec && !(mis & ~reg_list(cd + 5));
		else if (outcome)
			hit = !tc->has_excp && ours >= 0 &&
			      (!strcmp(cd + 5, "*") || ours == atoi(cd + 5));
		if (hit) {
			e->hits++;
			return i;
		}
	}
	return -1;
}

/* Whether the instruction carries a LOCK prefix (among its leading prefixes). */
static bool has_lock(const Case *tc)
{
	for (u32 i = 0; i < tc->nbytes; i++) {
		u8 b = tc->bytes[i];
		if (b == 0xF0)
			return true;
		if (b != 0x26 && b != 0x2E && b != 0x36 && b != 0x3E && b != 0xF2 && b != 0xF3 &&
		    b != 0x64 && b != 0x65 && b != 0x66 && b != 0x67)
			return false;
	}
	return false;
}

/* ModRM.reg of the instruction (one-byte opcodes), or -1. */
static int modrm_reg(const Case *tc)
{
	u32 i = 0;
	while (i < tc->nbytes && (tc->bytes[i] == 0x26 || tc->bytes[i] == 0x2E ||
				  tc->bytes[i] == 0x36 || tc->bytes[i] == 0x3E ||
				  tc->bytes[i] == 0xF0 || tc->bytes[i] == 0xF2 || tc->bytes[i] == 0xF3))
		i++;
	return i + 1 < tc->nbytes ? (tc->bytes[i + 1] >> 3) & 7 : -1;
}

/* "si,di,cx" -> mismatch bits */
static u32 reg_list(const char *list)
{
	u32 m = 0;
	char buf[64];
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
		for (int i = 0; i < NREGS; i++)
			if (!strcmp(t, regname[i]))
				m |= 1u << i;
		if (!strcmp(t, "ram"))
			m |= MIS_RAM;
		if (!strcmp(t, "exit"))
			m |= MIS_EXIT;
	}
	return m;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	const char *xpath = NULL, *rpath = NULL, *only = NULL;
	int every = 1, verbose = 0;
	bool trace = false;
	u64 sweep_every = getenv("SST_SWEEP") ? strtoull(getenv("SST_SWEEP"), NULL, 0) : 512;
	int i;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-x") && i + 1 < argc)
			xpath = argv[++i];
		else if (!strcmp(argv[i], "-r") && i + 1 < argc)
			rpath = argv[++i];
		else if (!strcmp(argv[i], "-n") && i + 1 < argc)
			every = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-o") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "-v") && i + 1 < argc)
			verbose = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-t"))
			trace = true;
		else
			break;
	}
	if (i != argc - 1 || every < 1) {
		fprintf(stderr, "usage: sst-run [-x EXCL] [-r REVOKED] [-n EVERY] [-o OP] [-v N] DIR\n");
		return 2;
	}
	const char *dir = argv[i];
	if (xpath)
		load_exclusions(xpath);
	char path[4096];
	if (rpath) {
		load_revocations(rpath);
	} else {
		snprintf(path, sizeof(path), "%s/revocation_list.txt", dir);
		load_revocations(path);
		snprintf(path, sizeof(path), "%s/../revocation_list.txt", dir);
		load_revocations(path);
	}
	Meta md = {NULL};
	snprintf(path, sizeof(path), "%s/metadata.json", dir);
	size_t mlen;
	u8 *mjson = read_all(path, &mlen);
	if (mjson) {
		u8 *nj = realloc(mjson, mlen + 1);
		if (!nj)
			return 2;
		mjson = nj;
		mjson[mlen] = 0;
		jp = (const char *)mjson;
		md.root = jvalue();
	}

	DIR *dp = opendir(dir);
	if (!dp) {
		printf("skipped: no test data folder %s\n", dir);
		return 0;
	}
	char *names[1024] = {0};
	int nn = 0;
	struct dirent *de;
	while ((de = readdir(dp)) && nn < 1024) {
		const char *s = strstr(de->d_name, ".MOO");
		if (s && (!strcmp(s, ".MOO") || !strcmp(s, ".MOO.gz")))
			names[nn++] = strdup(de->d_name);
	}
	closedir(dp);
	qsort(names, (size_t)nn, sizeof(names[0]), cmp_str);
	if (nn == 0) {
		printf("skipped: no MOO files in %s\n", dir);
		return 0;
	}

	Machine m;
	if (mem_init(&m.mem, RAM_SIZE) < 0)
		return 2;
	mem_map_ram(&m.mem, 0xA0000, 0x60000, m.mem.ram + 0xA0000);
	m.io = malloc(sizeof(IoBus));
	if (!m.io)
		return 2;
	io_init(m.io);
	CpuConfig cfg = {.model = CPU_MODEL_386, .fpu = false};
	m.cpu = cpu_new(&cfg, &m.mem, m.io);
	if (!m.cpu)
		return 2;

	u64 tot_pass = 0, tot_fail = 0, tot_excl = 0, tot_skip = 0, since_sweep = 0;
	for (int f = 0; f < nn; f++) {
		char stem[64];
		snprintf(stem, sizeof(stem), "%s", names[f]);
		*strstr(stem, ".MOO") = 0;
		if (only && strcmp(only, stem))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, names[f]);
		size_t len;
		u8 *buf = read_all(path, &len);
		if (!buf) {
			printf("%-6s cannot read %s\n", stem, path);
			tot_fail++;
			continue;
		}
		/* the header's CPU: 8086, C286 (Harris 80C286) or 386E (Intel 386EX) */
		char cpu[8] = "286";
		if (len >= 20 && !memcmp(buf, "MOO ", 4))
			snprintf(cpu, sizeof(cpu), "%s", !memcmp(buf + 16, "8086", 4) ? "8086" :
							 !memcmp(buf + 16, "386", 3) ? "386" : "286");
		m.one_insn = !strcmp(cpu, "8086");
		mem_set_a20(&m.mem, !m.one_insn); /* the 8086 wraps at 1 MiB */
		const JNode *me = meta_entry(&md, stem);
		const JNode *js = jget(me, "status"), *jm = jget(me, "flags-mask");
		const char *status = js ? js->str : NULL;
		u32 fmask = jm && jm->is_num ? (u32)jm->num : ~0u;
		for (int k = 0; k < NREGS; k++)
			file_mask[k] = ~0u;
		u64 pass = 0, fail = 0, exc = 0, skip = 0, idx = 0;
		int shown = 0;
		size_t off = 0;
		while (off + 8 <= len) {
			const u8 *t = buf + off;
			u32 n = rd32le(t + 4);
			if (off + 8 + n > len)
				break;
			bool wide;
			if (is_rmask(t, &wide))
				(void)parse_regs(t + 8, n, wide, file_mask);
			if (!memcmp(t, "TEST", 4)) {
				Case tc;
				if (idx++ % (u64)every == 0 && parse_case(t + 8, n, &tc)) {
					if (is_revoked(tc.hash) ||
					    (!strcmp(cpu, "286") && tc.nbytes - 1 > 10)) {
						skip++;
					} else if (excluded(cpu, stem, status, &tc, -1, 0, false) >= 0) {
						exc++;
					} else {
						Outcome o;
						/* a FLAGS image pushed by an exception or interrupt frame
						 * (IP CS FLAGS) or by PUSHF is compared under the mask */
						m.flags_off = tc.has_excp ? 4 : -1;
						if (m.one_insn && (!strcmp(stem, "CC") || !strcmp(stem, "CD") ||
								   !strcmp(stem, "CE")))
							m.flags_off = 4;
						if (m.one_insn && !strcmp(stem, "9C"))
							m.flags_off = 0;
						run_case(&m, &tc, &o);
						u32 mis = check_case(&m, &tc, &o, fmask, false);
						bool ok = mis == 0;
						if (!ok && excluded(cpu, stem, status, &tc, o.last_exc, mis, true) >= 0) {
							exc++;
						} else if (ok) {
							pass++;
						} else {
							fail++;
							if (shown < verbose) {
								check_case(&m, &tc, &o, fmask, true);
								if (trace) {
									/* run it again with the instruction trace */
									clear_case(&m, &tc, &o);
									cpu_set_trace(m.cpu, stdout);
									run_case(&m, &tc, &o);
									cpu_set_trace(m.cpu, NULL);
								}
								shown++;
							}
						}
						clear_case(&m, &tc, &o);
						if (++since_sweep >= sweep_every) {
							since_sweep = 0;
							if (!sweep_ram(&m)) {
								printf("  stray RAM writes in the last cases of %s (last: %.*s ip=%04x cs=%04x ss=%04x sp=%04x)\n", stem, (int)tc.name_len, tc.name, tc.init.reg[IP], tc.init.reg[CS], tc.init.reg[SS], tc.init.reg[SP]);
								fail++;
							}
						}
					}
				}
			}
			off += 8 + n;
		}
		free(buf);
		printf("%-6s %-12s %6llu passed %6llu failed %6llu excluded %4llu skipped\n", stem,
		       status ? status : "", (unsigned long long)pass, (unsigned long long)fail,
		       (unsigned long long)exc, (unsigned long long)skip);
		fflush(stdout);
		tot_pass += pass;
		tot_fail += fail;
		tot_excl += exc;
		tot_skip += skip;
	}
	if (!sweep_ram(&m)) {
		printf("stray RAM writes at the end\n");
		tot_fail++;
	}
	for (int k = 0; k < nexcl; k++)
		if (excl[k].hits)
			printf("excluded %llu: %s %s %s: %s\n", (unsigned long long)excl[k].hits,
			       excl[k].cpu, excl[k].op, excl[k].cond, excl[k].reason);
	printf("%llu cases excluded, %llu skipped (revoked or longer than a 286 allows)\n",
	       (unsigned long long)tot_excl, (unsigned long long)tot_skip);
	cpu_free(m.cpu);
	free(m.io);
	mem_free(&m.mem);
	for (int k = 0; k < nn; k++)
		free(names[k]);
	free(mjson);
	jfree(md.root);
	printf("%llu passed, %llu failed\n", (unsigned long long)tot_pass,
	       (unsigned long long)tot_fail);
	return tot_fail ? 1 : 0;
}
