/* cpdebug.c: the CP's debugging hooks (cpu.h, CpuDebug): execution ranges, memory
 * watches, interrupt vectors, mode changes, CR3 loads, far transfers and an instruction
 * count, each ending cpu_run with an exit the CP reads. They are the CP's, not the
 * guest's: nothing is written into guest memory, and DR0-DR7 (debug.c) keep their
 * architectural meaning beside them.
 *
 * Where each one acts, so that none costs anything while it is not set:
 *  - Execution ranges: icache_lookup, where the jump cache missed, asks
 *    dbg_exec_lookup. On a (linear or physical) page that holds a range it returns the
 *    one instruction at EIP decoded afresh (never cached, never translated, never
 *    entered in the jump cache), so every instruction there comes back through the
 *    lookup and is compared with the ranges; an instruction in one leaves cpu_run
 *    before it runs. Pages without a range run their blocks as always. Setting the
 *    ranges empties the decoded-code cache, so no block or translation made before
 *    slips past them. The single-step path (step_one) asks dbg_exec_step.
 *  - Watches: tlb_fill refuses a page holding watched bytes (as for the DR7 data
 *    breakpoints), so every access there takes mem_rd_slow/mem_wr_slow, which report
 *    it here. A hit is reported once the instruction is complete (its first hit: the
 *    address, the size, the bytes before a write when they are RAM, the value).
 *  - Interrupts and exceptions: at cpu_interrupt's entry; reported once delivered (EIP
 *    at the handler), with where it came from.
 *  - Mode changes (CR0.PE/PG, EFLAGS.VM), CR3 loads and far transfers: where they happen
 *    (ops_sys.c, cpu.c, task.c, far.c); reported after the instruction.
 *  - The instruction count: cpu_run shortens its budget to end there.
 * Events of one instruction are reported together at its end (run_loop's boundary
 * check, dbg_report); a fault voids the watch hits of its instruction (it runs again
 * and hits again). After an execution exit, the next cpu_run lets that instruction
 * through once at the same instruction count (so `begin` goes on, and an interrupt
 * taken first brings it back to the range when it returns). */
#include "base/err.h"
#include "cpu/internal.h"

/* Whether [lo, hi] meets [a, b]. */
static bool meets(u32 lo, u32 hi, u32 a, u32 b)
{
	return lo <= b && hi >= a;
}

void cpu_set_debug(Cpu *c, const CpuDebug *d)
{
	CpuDebug n = *d;
	n.nexec = MAX(0, MIN(n.nexec, CPU_DBG_EXEC_MAX));
	n.nwatch = MAX(0, MIN(n.nwatch, CPU_DBG_WATCH_MAX));
	bool exec_changed = n.nexec != c->dbg.nexec ||
			    memcmp(n.exec, c->dbg.exec, (size_t)n.nexec * sizeof(n.exec[0]));
	bool watch_changed = n.nwatch != c->dbg.nwatch ||
			     memcmp(n.watch, c->dbg.watch, (size_t)n.nwatch * sizeof(n.watch[0]));
	c->dbg = n;
	u32 on = 0;
	if (n.nexec)
		on |= DBG_ON_EXEC;
	for (int i = 0; i < 8; i++)
		if (n.vectors[i])
			on |= DBG_ON_INT;
	if (n.mode)
		on |= DBG_ON_MODE;
	if (n.cr3)
		on |= DBG_ON_CR3;
	if (n.branch)
		on |= DBG_ON_BRANCH;
	c->dbg_on = on;
	u8 w = 0;
	for (int i = 0; i < n.nwatch; i++)
		w |= n.watch[i].rw & (CPU_WATCH_R | CPU_WATCH_W);
	c->dbg_watch = w;
	if (exec_changed) {
		/* blocks and translations made before would run past the new ranges; the
		 * flush waits for the next lookup if a block is running now */
		icache_request_flush(c);
		jc_invalidate(c);
		c->brk = 1;
	}
	if (watch_changed)
		tlb_flush(c);
}

void cpu_get_debug(const Cpu *c, CpuDebug *d)
{
	*d = c->dbg;
}

int cpu_add_breakpoint(Cpu *c, u32 linear)
{
	if (c->dbg.nexec >= CPU_DBG_EXEC_MAX)
		return VMCP_ENOSPC;
	CpuDebug d = c->dbg;
	d.exec[d.nexec++] = (CpuExecRange){linear, linear, false, -1};
	cpu_set_debug(c, &d);
	return 0;
}

void cpu_clear_breakpoints(Cpu *c)
{
	CpuDebug d = c->dbg;
	d.nexec = 0;
	cpu_set_debug(c, &d);
	c->dbg_skip = false;
}

/* ---- execution ranges ---- */
/* Whether the 4 KiB page of lin or of phys holds an address of a range. */
static bool exec_page(const Cpu *c, u32 lin, u32 phys)
{
	u32 lp = lin & ~MEM_PAGE_MASK, pp = phys & ~MEM_PAGE_MASK;
	for (int i = 0; i < c->dbg.nexec; i++) {
		const CpuExecRange *r = &c->dbg.exec[i];
		u32 p = r->phys ? pp : lp;
		if (meets(r->lo, r->hi, p, p + MEM_PAGE_MASK))
			return true;
	}
	return false;
}

static bool exec_hit(const Cpu *c, u32 lin, u32 phys)
{
	for (int i = 0; i < c->dbg.nexec; i++) {
		const CpuExecRange *r = &c->dbg.exec[i];
		u32 a = r->phys ? phys : lin;
		if (a >= r->lo && a <= r->hi && (r->cs < 0 || r->cs == c->seg[SEG_CS].sel))
			return true;
	}
	return false;
}

/* Leaves cpu_run before the instruction at lin, unless it is the one just reported. */
static void exec_point(Cpu *c, u32 lin, u32 phys)
{
	if (!exec_hit(c, lin, phys))
		return;
	if (c->dbg_skip && c->dbg_skip_lin == lin && c->dbg_skip_icount == c->icount) {
		c->dbg_skip = false;
		return;
	}
	c->dbg_skip = true;
	c->dbg_skip_lin = lin;
	c->dbg_skip_icount = c->icount;
	if (c->exit) {
		c->exit->addr = lin;
		c->exit->phys = phys;
	}
	cpu_exit_now(c, CPU_EXIT_BREAKPOINT);
}

const Block *dbg_exec_lookup(Cpu *c, u32 lin, u32 phys)
{
	if (!exec_page(c, lin, phys))
		return NULL;
	exec_point(c, lin, phys);
	return icache_decode_one(c);
}

void dbg_exec_step(Cpu *c, u32 lin)
{
	u32 phys;
	if (cpu_translate(c, lin, &phys) < 0)
		return; /* the fetch faults; a range there is met after the handler maps it */
	exec_point(c, lin, phys);
}

/* ---- watches ---- */
bool dbg_watch_page(const Cpu *c, u32 lin, u32 phys, bool write)
{
	u8 want = write ? CPU_WATCH_W : CPU_WATCH_R;
	u32 lp = lin & ~MEM_PAGE_MASK, pp = phys & ~MEM_PAGE_MASK;
	for (int i = 0; i < c->dbg.nwatch; i++) {
		const CpuWatchRange *w = &c->dbg.watch[i];
		u32 p = w->phys ? pp : lp;
		if ((w->rw & want) && meets(w->lo, w->hi, p, p + MEM_PAGE_MASK))
			return true;
	}
	return false;
}

void dbg_watch_access(Cpu *c, u32 lin, u32 phys, int size, bool write, u32 val)
{
	if (c->dbg_pending & CPU_DBG_WATCH)
		return; /* the instruction's first hit is the one reported */
	u8 want = write ? CPU_WATCH_W : CPU_WATCH_R;
	u32 last = (u32)size - 1;
	bool hit = false;
	for (int i = 0; i < c->dbg.nwatch && !hit; i++) {
		const CpuWatchRange *w = &c->dbg.watch[i];
		u32 a = w->phys ? phys : lin;
		hit = (w->rw & want) && meets(w->lo, w->hi, a, a + last);
	}
	if (!hit)
		return;
	CpuExit *e = &c->dbg_ev;
	e->watch.lin = lin;
	e->watch.phys = phys;
	e->watch.size = (u8)size;
	e->watch.write = write;
	e->watch.val = size == 4 ? val : val & ((1u << (8 * size)) - 1);
	e->watch.old = 0;
	e->watch.old_known = false;
	if (write && !apic_hit(c, phys)) {
		/* the bytes before the write, when they are RAM (reading MMIO would be an
		 * access the guest did not make) */
		const MemPage *p = mem_page(c->mem, phys);
		if (p->rd && !(p->flags & MEM_F_MMIO_RD)) {
			u32 old = 0;
			memcpy(&old, p->rd + (phys & MEM_PAGE_MASK), (size_t)size);
			e->watch.old = old;
			e->watch.old_known = true;
		}
	}
	if (!c->dbg_pending) {
		e->insn_cs = c->seg[SEG_CS].sel;
		e->insn_eip = c->eip_insn;
	}
	c->dbg_pending |= CPU_DBG_WATCH;
	c->brk = 1;
}

/* ---- events of the cold paths ---- */
/* The instruction behind the first event of a boundary. */
static void first_event(Cpu *c)
{
	if (!c->dbg_pending) {
		c->dbg_ev.insn_cs = c->seg[SEG_CS].sel;
		c->dbg_ev.insn_eip = c->eip_insn;
	}
}

void dbg_int_event(Cpu *c, int vec, int soft, bool has_err, u32 err)
{
	vec &= 0xFF;
	if (!(c->dbg.vectors[vec >> 5] >> (vec & 31) & 1))
		return;
	CpuExit *e = &c->dbg_ev;
	/* soft: 1 INT n, 2 INT3/INTO, 3 INT1; an exception is delivered while delivering
	 * is set (cpu_deliver_fault, cpu_db_trap); otherwise INTR or NMI */
	u8 kind = soft == 1 ? CPU_INT_SOFT : soft == 2 ? CPU_INT_INT3 : soft == 3 ? CPU_INT_INT1 :
		  c->delivering >= 0 ? CPU_INT_EXC : vec == EXC_NMI ? CPU_INT_NMI : CPU_INT_IRQ;
	e->intr.vec = (u8)vec;
	e->intr.kind = kind;
	e->intr.has_err = has_err;
	e->intr.err = err;
	e->intr.cs = c->seg[SEG_CS].sel;
	e->intr.eip = c->eip;
	e->intr.cpl = c->cpl;
	e->intr.cr2 = c->cr2;
	first_event(c);
	if (!(c->dbg_pending & ~(u32)CPU_DBG_INT)) {
		/* alone, the event's instruction is where it came */
		e->insn_cs = e->intr.cs;
		e->insn_eip = e->intr.eip;
	}
	c->dbg_pending |= CPU_DBG_INT;
	c->brk = 1;
}

void dbg_mode_event(Cpu *c, u8 from)
{
	if (c->dbg_pending & CPU_DBG_MODE)
		return; /* the first mode of the instruction stays the "from" */
	first_event(c);
	c->dbg_ev.mode.from = from;
	c->dbg_pending |= CPU_DBG_MODE;
	c->brk = 1;
}

void dbg_cr3_event(Cpu *c, u32 old)
{
	if (!(c->dbg_pending & CPU_DBG_CR3)) {
		first_event(c);
		c->dbg_ev.cr3.old = old;
		c->dbg_pending |= CPU_DBG_CR3;
	}
	c->dbg_ev.cr3.val = c->cr3;
	c->brk = 1;
}

void dbg_branch_event(Cpu *c, int kind, u16 from_cs, u32 from_eip)
{
	first_event(c);
	c->dbg_ev.branch.kind = (u8)kind;
	c->dbg_ev.branch.from_cs = from_cs;
	c->dbg_ev.branch.from_eip = from_eip;
	c->dbg_pending |= CPU_DBG_BRANCH;
	c->brk = 1;
}

CpuExitReason dbg_report(Cpu *c)
{
	u32 ev = c->dbg_pending;
	c->dbg_pending = 0;
	if (ev & CPU_DBG_MODE) {
		c->dbg_ev.mode.to = cpu_mode_of(c->cr0, c->eflags);
		if (c->dbg_ev.mode.to == c->dbg_ev.mode.from)
			ev &= ~(u32)CPU_DBG_MODE; /* changed and changed back */
	}
	if ((ev & CPU_DBG_CR3) && c->dbg_ev.cr3.val == c->dbg_ev.cr3.old)
		ev &= ~(u32)CPU_DBG_CR3;
	if (!ev)
		return CPU_EXIT_BUDGET; /* nothing left: the caller runs on */
	if (c->exit) {
		CpuExit *e = c->exit;
		e->dbg = ev;
		e->insn_cs = c->dbg_ev.insn_cs;
		e->insn_eip = c->dbg_ev.insn_eip;
		e->watch = c->dbg_ev.watch;
		e->intr = c->dbg_ev.intr;
		e->mode = c->dbg_ev.mode;
		e->cr3 = c->dbg_ev.cr3;
		e->branch = c->dbg_ev.branch;
	}
	return CPU_EXIT_DEBUG;
}
