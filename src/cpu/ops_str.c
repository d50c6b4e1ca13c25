/* ops_str.c: string instructions MOVS CMPS STOS LODS SCAS INS OUTS, with REP/REPE/REPNE.
 * Reference: Intel SDM vol. 2 (each instruction; REP/REPE/REPNE), vol. 3A 6.6 (a fault
 * or interrupt in the middle of a repeated string instruction: the registers point at
 * the next element and EIP at the instruction, so it resumes where it stopped).
 * The source segment is DS (or the override), the destination always ES; SI/DI or
 * ESI/EDI and CX/ECX by address size. A long REP runs in chunks: after STR_CHUNK
 * elements (or when an event such as an interrupt is pending) the handler leaves with
 * EIP at the instruction and ends the block, so interrupts and the run budget are
 * honoured; each chunk counts as one retired instruction.
 * Fast path: REP MOVS and REP STOS copy whole runs within one page of plain RAM with
 * memmove/memset when the direction flag and overlap allow it. */
#include "cpu/alu.h"
#include "cpu/ops.h"

#define STR_CHUNK 4096u

static inline u32 amask(const Insn *d) { return d->amask; }
static inline u32 rcx(Cpu *c, const Insn *d) { return c->r[R_ECX] & amask(d); }
static inline void set_rcx(Cpu *c, const Insn *d, u32 v)
{
	if (d->flags & INSN_A32)
		c->r[R_ECX] = v;
	else
		set_r16(c, R_ECX, v);
}
static inline u32 ridx(Cpu *c, const Insn *d, int r) { return c->r[r] & amask(d); }
static inline void adv(Cpu *c, const Insn *d, int r, int n)
{
	u32 delta = (c->eflags & FLAG_DF) ? (u32)-n : (u32)n;
	if (d->flags & INSN_A32)
		c->r[r] += delta;
	else
		set_r16(c, r, R16(c, r) + delta);
}
static inline int elsz(const Insn *d, bool byte) { return byte ? 1 : (d->flags & INSN_O32) ? 4 : 2; }

/* End of a chunk of a REP that has elements left: come back to this instruction. */
static inline bool rep_pause(Cpu *c, u32 *k)
{
	if (++*k < STR_CHUNK && !c->brk)
		return false;
	c->eip = c->eip_insn;
	c->brk = 1;
	return true;
}

/* ---- MOVS ---- */
/* Copies as many elements as fit in one page on both sides; returns how many. */
static u32 movs_fast(Cpu *c, const Insn *d, int n, u32 count)
{
	if ((c->eflags & FLAG_DF) || c->brk) /* brk: stop after one element (TF, events) */
		return 0;
	u32 si = ridx(c, d, R_ESI), di = ridx(c, d, R_EDI);
	SegCache *ss = &c->seg[d->seg], *ds = &c->seg[SEG_ES];
	/* elements available before a page end, a segment limit or the address wrap */
	u32 ls = ss->base + si, ld = ds->base + di;
	u32 room_s = MEM_PAGE_SIZE - (ls & MEM_PAGE_MASK), room_d = MEM_PAGE_SIZE - (ld & MEM_PAGE_MASK);
	u64 lim_s = ss->rend > si ? ss->rend - si : 0, lim_d = ds->wend > di ? ds->wend - di : 0;
	u64 wrap = (u64)amask(d) + 1;
	u64 bytes = MIN((u64)room_s, (u64)room_d);
	bytes = MIN(bytes, MIN(lim_s, lim_d));
	bytes = MIN(bytes, MIN(wrap - si, wrap - di));
	u64 nel = MIN(bytes / (u32)n, (u64)count);
	if (nel == 0)
		return 0;
	TlbEnt *es = tlb_r_hit(c, ls, 1), *ed = tlb_w_hit(c, ld, 1);
	if (!es || !ed)
		return 0;
	u8 *src = HOSTP(es, ls), *dst = HOSTP(ed, ld);
	size_t len = (size_t)nel * (u32)n;
	if (dst > src && dst < src + len)
		return 0; /* forward overlap: element-wise semantics replicate */
	memmove(dst, src, len);
	c->r[R_ESI] = (d->flags & INSN_A32) ? si + (u32)len : (c->r[R_ESI] & ~0xFFFFu) | ((si + (u32)len) & 0xFFFF);
	c->r[R_EDI] = (d->flags & INSN_A32) ? di + (u32)len : (c->r[R_EDI] & ~0xFFFFu) | ((di + (u32)len) & 0xFFFF);
	return (u32)nel;
}

static void movs(Cpu *c, const Insn *d, int n)
{
	if (!(d->flags & (INSN_REP | INSN_REPNE))) {
		u32 v = rdv(c, d->seg, ridx(c, d, R_ESI), n);
		wrv(c, SEG_ES, ridx(c, d, R_EDI), v, n);
		adv(c, d, R_ESI, n);
		adv(c, d, R_EDI, n);
		return;
	}
	u32 cnt = rcx(c, d), k = 0;
	while (cnt) {
		u32 done = movs_fast(c, d, n, cnt);
		if (done) {
			cnt -= done;
			set_rcx(c, d, cnt);
			k += done - 1;
		} else {
			u32 v = rdv(c, d->seg, ridx(c, d, R_ESI), n);
			wrv(c, SEG_ES, ridx(c, d, R_EDI), v, n);
			adv(c, d, R_ESI, n);
			adv(c, d, R_EDI, n);
			set_rcx(c, d, --cnt);
		}
		if (cnt && rep_pause(c, &k))
			return;
	}
}
void op_movsb(Cpu *c, const Insn *d) { movs(c, d, 1); }
void op_movsv(Cpu *c, const Insn *d) { movs(c, d, elsz(d, false)); }

/* ---- STOS ---- */
static u32 stos_fast(Cpu *c, const Insn *d, int n, u32 count)
{
	if ((c->eflags & FLAG_DF) || c->brk)
		return 0;
	u32 di = ridx(c, d, R_EDI);
	SegCache *ds = &c->seg[SEG_ES];
	u32 ld = ds->base + di;
	u64 bytes = MEM_PAGE_SIZE - (ld & MEM_PAGE_MASK);
	u64 lim_d = ds->wend > di ? ds->wend - di : 0;
	bytes = MIN(bytes, lim_d);
	bytes = MIN(bytes, (u64)amask(d) + 1 - di);
	u64 nel = MIN(bytes / (u32)n, (u64)count);
	if (nel == 0)
		return 0;
	TlbEnt *ed = tlb_w_hit(c, ld, 1);
	if (!ed)
		return 0;
	u8 *dst = HOSTP(ed, ld);
	u32 v = c->r[R_EAX];
	if (n == 1) {
		memset(dst, (int)(v & 0xFF), (size_t)nel);
	} else {
		for (u64 i = 0; i < nel; i++)
			memcpy(dst + i * (u32)n, &v, (size_t)n);
	}
	u32 len = (u32)nel * (u32)n;
	c->r[R_EDI] = (d->flags & INSN_A32) ? di + len : (c->r[R_EDI] & ~0xFFFFu) | ((di + len) & 0xFFFF);
	return (u32)nel;
}

static void stos(Cpu *c, const Insn *d, int n)
{
	if (!(d->flags & (INSN_REP | INSN_REPNE))) {
		wrv(c, SEG_ES, ridx(c, d, R_EDI), c->r[R_EAX], n);
		adv(c, d, R_EDI, n);
		return;
	}
	u32 cnt = rcx(c, d), k = 0;
	while (cnt) {
		u32 done = stos_fast(c, d, n, cnt);
		if (done) {
			cnt -= done;
			set_rcx(c, d, cnt);
			k += done - 1;
		} else {
			wrv(c, SEG_ES, ridx(c, d, R_EDI), c->r[R_EAX], n);
			adv(c, d, R_EDI, n);
			set_rcx(c, d, --cnt);
		}
		if (cnt && rep_pause(c, &k))
			return;
	}
}
void op_stosb(Cpu *c, const Insn *d) { stos(c, d, 1); }
void op_stosv(Cpu *c, const Insn *d) { stos(c, d, elsz(d, false)); }

/* ---- LODS ---- */
static void lods(Cpu *c, const Insn *d, int n)
{
	bool rep = d->flags & (INSN_REP | INSN_REPNE);
	u32 cnt = rep ? rcx(c, d) : 1, k = 0;
	while (cnt) {
		u32 v = rdv(c, d->seg, ridx(c, d, R_ESI), n);
		wr_reg(c, R_EAX, n == 1 ? 0 : n == 2 ? 1 : 2, v);
		adv(c, d, R_ESI, n);
		cnt--;
		if (!rep)
			return;
		set_rcx(c, d, cnt);
		if (cnt && rep_pause(c, &k))
			return;
	}
}
void op_lodsb(Cpu *c, const Insn *d) { lods(c, d, 1); }
void op_lodsv(Cpu *c, const Insn *d) { lods(c, d, elsz(d, false)); }

/* ---- CMPS / SCAS: REPE stops when ZF = 0, REPNE when ZF = 1 ---- */
static inline bool rep_stop(Cpu *c, const Insn *d)
{
	bool zf = c->cc_res == 0; /* the last operation was a SUB */
	return (d->flags & INSN_REP) ? !zf : zf;
}

static void cmps(Cpu *c, const Insn *d, int n)
{
	bool rep = d->flags & (INSN_REP | INSN_REPNE);
	u32 cnt = rep ? rcx(c, d) : 1, k = 0;
	int sz = n == 1 ? 0 : n == 2 ? 1 : 2;
	while (cnt) {
		u32 a = rdv(c, d->seg, ridx(c, d, R_ESI), n);
		u32 b = rdv(c, SEG_ES, ridx(c, d, R_EDI), n);
		alu_sub(c, a, b, sz);
		adv(c, d, R_ESI, n);
		adv(c, d, R_EDI, n);
		cnt--;
		if (!rep)
			return;
		set_rcx(c, d, cnt);
		if (rep_stop(c, d))
			return;
		if (cnt && rep_pause(c, &k))
			return;
	}
}
void op_cmpsb(Cpu *c, const Insn *d) { cmps(c, d, 1); }
void op_cmpsv(Cpu *c, const Insn *d) { cmps(c, d, elsz(d, false)); }

static void scas(Cpu *c, const Insn *d, int n)
{
	bool rep = d->flags & (INSN_REP | INSN_REPNE);
	u32 cnt = rep ? rcx(c, d) : 1, k = 0;
	int sz = n == 1 ? 0 : n == 2 ? 1 : 2;
	while (cnt) {
		u32 b = rdv(c, SEG_ES, ridx(c, d, R_EDI), n);
		alu_sub(c, c->r[R_EAX], b, sz);
		adv(c, d, R_EDI, n);
		cnt--;
		if (!rep)
			return;
		set_rcx(c, d, cnt);
		if (rep_stop(c, d))
			return;
		if (cnt && rep_pause(c, &k))
			return;
	}
}
void op_scasb(Cpu *c, const Insn *d) { scas(c, d, 1); }
void op_scasv(Cpu *c, const Insn *d) { scas(c, d, elsz(d, false)); }

/* ---- INS / OUTS: through the trap path, one element at a time ---- */
static void ins(Cpu *c, const Insn *d, int n)
{
	bool rep = d->flags & (INSN_REP | INSN_REPNE);
	u32 cnt = rep ? rcx(c, d) : 1, k = 0;
	while (cnt) {
		u16 port = R16(c, R_EDX);
		cpu_io_check(c, port, n);
		/* the destination must be writable before the port is read */
		RmwRef m = rmw_prep(c, SEG_ES, ridx(c, d, R_EDI), n);
		u32 v = cpu_io_in(c, port, n);
		rmw_wr(c, &m, v, n);
		adv(c, d, R_EDI, n);
		cnt--;
		if (!rep)
			return;
		set_rcx(c, d, cnt);
		if (cnt && rep_pause(c, &k))
			return;
	}
}
void op_insb(Cpu *c, const Insn *d) { ins(c, d, 1); }
void op_insv(Cpu *c, const Insn *d) { ins(c, d, elsz(d, false)); }

static void outs(Cpu *c, const Insn *d, int n)
{
	bool rep = d->flags & (INSN_REP | INSN_REPNE);
	u32 cnt = rep ? rcx(c, d) : 1, k = 0;
	while (cnt) {
		u16 port = R16(c, R_EDX);
		cpu_io_check(c, port, n);
		u32 v = rdv(c, d->seg, ridx(c, d, R_ESI), n);
		cpu_io_out(c, port, n, v);
		adv(c, d, R_ESI, n);
		cnt--;
		if (!rep)
			return;
		set_rcx(c, d, cnt);
		if (cnt && rep_pause(c, &k))
			return;
	}
}
void op_outsb(Cpu *c, const Insn *d) { outs(c, d, 1); }
void op_outsv(Cpu *c, const Insn *d) { outs(c, d, elsz(d, false)); }
