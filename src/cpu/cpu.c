/* cpu.c: the Cpu object: creation, RESET/INIT state, the run loop, the INTR/NMI inputs,
 * state access for the CP, the instruction trace and counters (the CP's breakpoints are
 * cpdebug.c's).
 *
 * The run loop (cpu_run): between blocks it looks at the events word (INTR, NMI, an exit
 * request, single-step mode) and the halt state; otherwise it finds the decoded block at
 * CS:EIP (icache.c) and calls its handlers one after another, each through the one
 * OpFn signature. A fault inside a handler unwinds with siglongjmp to cpu_run, which
 * delivers it (except.c) and carries on. Single-step mode (EFLAGS.TF, trace output, CP
 * execution ranges met there, DR7 breakpoints) runs one instruction per iteration with
 * every check; the CP's debugging events of an instruction end the run at its boundary.
 * References: Intel SDM vol. 3A 9.1 (processor state after reset), 6.8 (enabling and
 * disabling interrupts; the STI/MOV SS shadow), 6.9 (priority among simultaneous
 * events), 17.3.1 (debug exceptions). */
#include <stdlib.h>

#include "base/err.h"
#include "base/hostmem.h"
#include "cpu/internal.h"
#include "cpu/ops.h"

static void set_seg_raw(Cpu *c, int segno, u16 sel, u32 base, u32 limit, u16 attr)
{
	SegCache *s = &c->seg[segno];
	s->sel = sel;
	s->base = base;
	s->limit = limit;
	s->attr = attr;
	seg_set_fast(c, s, segno);
}

static void reset_common(Cpu *c, bool full)
{
	memset(c->r, 0, sizeof(c->r));
	c->r[R_EDX] = cpuid_signature(c);
	c->eip = 0xFFF0;
	c->eip_insn = 0xFFF0;
	c->eflags = 2;
	c->cc_op = CC_NONE;
	u32 keep = full ? 0 : c->cr0 & (CR0_CD | CR0_NW);
	c->cr0 = (is486(c) ? CR0_CD | CR0_NW | CR0_ET : 0) | (c->cfg.fpu ? CR0_ET : 0);
	if (!full)
		c->cr0 = (c->cr0 & ~(CR0_CD | CR0_NW)) | keep;
	c->cr2 = c->cr3 = c->cr4 = 0;
	memset(c->dr, 0, sizeof(c->dr));
	c->dr[6] = 0xFFFF0FF0u;
	c->dr[7] = 0x400;
	c->dbp_rd = c->dbp_wr = 0;
	c->pending_dr6 = 0;
	c->db_icount = ~0ull;
	c->cpl = 0;
	c->tlb_mode = 0;
	cpu_mode_sync(c);
	for (int i = 0; i < SEG_COUNT; i++)
		set_seg_raw(c, i, 0, 0, 0xFFFF, DA_P | DA_S | DA_RW | DA_A);
	set_seg_raw(c, SEG_CS, 0xF000, 0xFFFF0000u, 0xFFFF, DA_P | DA_S | DA_CODE | DA_RW | DA_A);
	c->gdt_base = c->idt_base = 0;
	c->gdt_limit = c->idt_limit = 0xFFFF;
	c->ldtr = (SegCache){0, DA_P | SYS_LDT, 0, 0xFFFF, 0, 0};
	c->tr = (SegCache){0, DA_P | SYS_TSS16_BUSY, 0, 0xFFFF, 0, 0};
	c->halted = false;
	c->shutdown = false;
	c->nmi_blocked = false;
	c->inhibit_icount = ~0ull;
	c->io_resume = false;
	c->dbg_skip = false;
	c->dbg_pending = 0;
	c->delivering = -1;
	__atomic_and_fetch(&c->events, ~(u32)(EV_NMI | EV_EXIT), __ATOMIC_RELAXED);
	if (full && c->cfg.fpu)
		fpu_reset(c, true); /* INIT leaves the x87 alone */
	sse_reset(c, full);
	apic_cpu_reset(c, full);
	msr_reset(c, full);
	tlb_flush(c);
	icache_flush(c);
	cpu_update_slow(c);
}

/* ---- engines ---- */
static const char *const engine_names[] = {"default", "interp", "jit"};

int cpu_engine_parse(const char *name, CpuEngine *engine)
{
	for (int i = 0; i < (int)ARRAY_SIZE(engine_names); i++) {
		if (!strcmp(name, engine_names[i]) && cpu_engine_available((CpuEngine)i)) {
			*engine = (CpuEngine)i;
			return 0;
		}
	}
	return -1;
}

const char *cpu_engine_name(CpuEngine engine)
{
	return (unsigned)engine < ARRAY_SIZE(engine_names) ? engine_names[engine] : "?";
}

bool cpu_engine_available(CpuEngine engine)
{
	return engine != CPU_ENGINE_JIT || JIT_AVAILABLE;
}

CpuEngine cpu_engine(const Cpu *c)
{
	return c->cfg.engine;
}

/* DEFAULT: VMCP_ENGINE from the environment when it names an engine this host has,
 * else the translator where there is one. */
CpuEngine cpu_engine_resolve(CpuEngine e)
{
	if (e == CPU_ENGINE_DEFAULT) {
		const char *env = getenv("VMCP_ENGINE");
		CpuEngine x;
		if (env && cpu_engine_parse(env, &x) == 0 && x != CPU_ENGINE_DEFAULT)
			e = x;
		else
			e = JIT_AVAILABLE ? CPU_ENGINE_JIT : CPU_ENGINE_INTERP;
	}
	return cpu_engine_available(e) ? e : CPU_ENGINE_INTERP;
}

Cpu *cpu_new(const CpuConfig *cfg, MemBus *mem, IoBus *io)
{
	Cpu *c = hostmem_alloc(sizeof(*c), 0);
	if (!c)
		return NULL;
	c->cfg = *cfg;
	if (cfg->model >= CPU_MODEL_P4)
		c->cfg.fpu = true; /* its MMX registers are the x87's */
	c->cfg.engine = cpu_engine_resolve(cfg->engine);
	c->mem = mem;
	c->io = io;
	c->apic_page = 1;
	if (icache_init(c) < 0) {
		hostmem_free(c, sizeof(*c), 0);
		return NULL;
	}
	if (c->cfg.engine == CPU_ENGINE_JIT && jit_init(c) < 0)
		c->cfg.engine = CPU_ENGINE_INTERP; /* no code cache on this host: interpret */
	cpu_reset(c);
	return c;
}

void cpu_free(Cpu *c)
{
	if (!c)
		return;
	icache_free(c);
	jit_free(c);
	hostmem_free(c, sizeof(*c), 0);
}

void cpu_reset(Cpu *c)
{
	reset_common(c, true);
	c->tsc_offset = 0 - c->icount;
	c->msr_sysenter_cs = c->msr_sysenter_esp = c->msr_sysenter_eip = 0;
	c->msr_misc_enable = MISC_ENABLE_RESET;
	c->stats.last_exception = -1;
}

void cpu_init_signal(Cpu *c)
{
	reset_common(c, false);
}

/* ---- EFLAGS ---- */
static u32 eflags_supported(const Cpu *c)
{
	u32 m = 0x37FD7u; /* CF..OF, IOPL, NT, RF, VM (and reserved bit 1) */
	if (is486(c))
		m |= FLAG_AC | FLAG_ID;
	return m;
}

void cpu_set_eflags(Cpu *c, u32 val)
{
	u32 old = c->eflags;
	c->eflags = (val & eflags_supported(c)) | 2;
	c->cc_op = CC_NONE;
	u32 changed = old ^ c->eflags;
	if (changed & FLAG_VM) {
		if (unlikely(c->dbg_on & DBG_ON_MODE))
			dbg_mode_event(c, cpu_mode_of(c->cr0, old));
		c->cpl = (c->eflags & FLAG_VM) ? 3 : c->cpl;
		for (int i = 0; i < SEG_COUNT; i++)
			seg_set_fast(c, &c->seg[i], i);
		seg_cpl_changed(c);
	}
	if (changed & FLAG_TF)
		cpu_update_slow(c);
	if (changed & (FLAG_IF | FLAG_TF | FLAG_VM))
		c->brk = 1;
}

/* Single-step mode is needed for TF, the trace and DR7 execution breakpoints (data
 * breakpoints work through the TLB, debug.c; the CP's ranges through the decoded-code
 * cache, cpdebug.c). */
void cpu_update_slow(Cpu *c)
{
	bool slow = (c->eflags & FLAG_TF) || c->trace || dr_exec_enabled(c);
	if (slow)
		__atomic_fetch_or(&c->events, EV_SLOW, __ATOMIC_RELAXED);
	else
		__atomic_and_fetch(&c->events, ~(u32)EV_SLOW, __ATOMIC_RELAXED);
	c->brk = 1;
}

/* ---- inputs ---- */
void cpu_request_exit(Cpu *c)
{
	/* only the atomic events word: this may come from another thread, and the run
	 * loop reads events after every block */
	__atomic_fetch_or(&c->events, EV_EXIT, __ATOMIC_RELAXED);
}

void cpu_set_pause_exit(Cpu *c, bool on)
{
	c->pause_exit = on;
}

void cpu_set_intr(Cpu *c, bool level)
{
	c->intr_line = level;
	if (level)
		cpu_signal_events(c, EV_INTR);
	else
		__atomic_and_fetch(&c->events, ~(u32)EV_INTR, __ATOMIC_RELAXED);
}

void cpu_set_intr_ack(Cpu *c, int (*ack)(void *ctx), void *ctx)
{
	c->intr_ack = ack;
	c->intr_ctx = ctx;
}

void cpu_set_nmi(Cpu *c, bool level)
{
	if (level && !c->nmi_line)
		cpu_signal_events(c, EV_NMI);
	c->nmi_line = level;
}

const u64 *cpu_icount(const Cpu *c)
{
	return &c->icount;
}

/* ---- trace ---- */
void cpu_set_trace(Cpu *c, FILE *out)
{
	c->trace = out;
	cpu_update_slow(c);
}

static void trace_line(Cpu *c, const Insn *d)
{
	char bytes[3 * 15 + 1];
	int n = 0;
	u32 lin = c->seg[SEG_CS].base + c->eip;
	for (int i = 0; i < d->len && i < 15; i++) {
		u32 pa;
		const MemPage *p = cpu_translate(c, lin + (u32)i, &pa) == 0 ? mem_page(c->mem, pa) : NULL;
		if (p && p->rd && !(p->flags & MEM_F_MMIO_RD))
			n += snprintf(bytes + n, sizeof(bytes) - (size_t)n, "%02X ",
				      p->rd[pa & MEM_PAGE_MASK]);
		else
			n += snprintf(bytes + n, sizeof(bytes) - (size_t)n, "?? ");
	}
	if (n)
		bytes[n - 1] = 0;
	else
		bytes[0] = 0;
	fprintf(c->trace,
		"%04X:%08X  %-30s EAX=%08X EBX=%08X ECX=%08X EDX=%08X ESI=%08X EDI=%08X "
		"EBP=%08X ESP=%08X EFL=%08X\n",
		c->seg[SEG_CS].sel, c->eip, bytes, c->r[R_EAX], c->r[R_EBX], c->r[R_ECX],
		c->r[R_EDX], c->r[R_ESI], c->r[R_EDI], c->r[R_EBP], c->r[R_ESP],
		cpu_eflags(c));
}

/* ---- interrupts at an instruction boundary ---- */
/* Returns 1 when an interrupt was delivered, -1 when one is waiting behind the STI/MOV
 * SS shadow (the caller then runs exactly one instruction), 0 otherwise. */
static int take_interrupt(Cpu *c)
{
	u32 ev = __atomic_load_n(&c->events, __ATOMIC_RELAXED);
	if (c->wait_sipi)
		return 0; /* deaf to INTR and NMI until a start-up IPI */
	if (c->icount == c->inhibit_icount) {
		bool want = ((ev & EV_NMI) && !c->nmi_blocked) ||
			    ((ev & EV_INTR) && (c->eflags & FLAG_IF));
		return want ? -1 : 0;
	}
	if ((ev & EV_NMI) && !c->nmi_blocked) {
		__atomic_and_fetch(&c->events, ~(u32)EV_NMI, __ATOMIC_RELAXED);
		c->nmi_blocked = true;
		c->eip_insn = c->eip;
		c->stats.interrupts++;
		cpu_interrupt(c, EXC_NMI, 0, false, 0, true);
		return 1;
	}
	if ((ev & EV_INTR) && (c->eflags & FLAG_IF) && c->intr_ack) {
		int vec = c->intr_ack(c->intr_ctx);
		if (vec < 0)
			return 0;
		c->eip_insn = c->eip;
		c->stats.interrupts++;
		cpu_interrupt(c, vec, 0, false, 0, true);
		return 1;
	}
	return 0;
}

/* One instruction with every check: the CP's execution ranges (which may leave
 * cpu_run before it), trace, the single-step trap. */
static void step_one(Cpu *c)
{
	u32 lin = c->seg[SEG_CS].base + c->eip;
	c->eip_insn = c->eip;
	if (unlikely(c->dbg_on & DBG_ON_EXEC))
		dbg_exec_step(c, lin);
	if ((c->dr[7] & 0xFF) && !(c->eflags & FLAG_RF)) {
		u32 hits = dr_exec_hits(c, lin);
		if (hits) {
			c->dr[6] = (c->dr[6] & ~0xFu) | hits;
			cpu_fault_noerr(c, EXC_DB);
		}
	}
	c->eflags &= ~FLAG_RF;
	/* one instruction decoded afresh: a cached block would do too, but looking one up
	 * decodes up to BLOCK_MAX_INSNS from every new EIP, which made stepping through
	 * straight-line code cost 64 decodes a step */
	const Block *b = icache_decode_one(c);
	const Insn *d = &b->insn[0];
	if (c->trace)
		trace_line(c, d);
	bool tf = c->eflags & FLAG_TF;
	u64 ints = c->stats.interrupts + c->stats.exceptions;
	c->brk = tf; /* with TF a REP string instruction stops after each element */
	c->eip += d->len;
	d->fn(c, d);
	c->icount++;
	bool bs = tf && !c->halted && ints == c->stats.interrupts + c->stats.exceptions &&
		  d->fn != op_int3 && d->fn != op_into;
	/* after MOV SS / POP SS the trap waits for the next instruction */
	if ((bs || c->pending_dr6) && c->icount != c->inhibit_icount)
		cpu_db_trap(c, bs);
}

/* Decoded blocks back to back, for as long as nothing needs a look (an event, a handler
 * asking to stop, the budget). Kept apart from run_loop's sigsetjmp so that the compiler
 * keeps this loop in registers, and aligned to 64 bytes so that an edit elsewhere in this
 * file cannot move the loop across a fetch boundary (16 bytes of shift cost 7 % on
 * bench/cpu.sh on an AMD host, with the same host instructions executed). */
static __attribute__((noinline, aligned(64))) void run_blocks(Cpu *c, u64 end)
{
	c->eip_insn = c->eip;
	const Block *b = block_at(c);
	for (;;) {
		u64 icount = c->icount, left = end - icount;
		const Insn *d = b->insn, *last = d + (b->n <= left ? b->n : (u32)left);
		c->brk = 0;
		do {
			u32 eip = c->eip;
			c->eip_insn = eip;
			c->eip = eip + d->len;
			d->fn(c, d);
			c->icount++;
		} while (++d < last && !c->brk);
		if (unlikely(c->brk | __atomic_load_n(&c->events, __ATOMIC_RELAXED)) ||
		    unlikely(c->icount >= end))
			return;
		c->eip_insn = c->eip;
		b = block_at(c);
	}
}

void cpu_interp_block(Cpu *c, const Block *b, u64 end)
{
	u64 left = end - c->icount;
	const Insn *d = b->insn, *last = d + (b->n <= left ? b->n : (u32)left);
	c->brk = 0;
	do {
		u32 eip = c->eip;
		c->eip_insn = eip;
		c->eip = eip + d->len;
		d->fn(c, d);
		c->icount++;
	} while (++d < last && !c->brk);
}

/* An event delivered in place of an instruction (a fault that ended one, an interrupt
 * or NMI taken at a boundary, a debug trap with none retired since the last) takes the
 * time of one: icount, which drives virtual time and the TSC, moves on, and the budget
 * shrinks. A real processor spends cycles on each delivery; here a guest looping
 * through deliveries (a handler that faults itself, an interrupt storm) sees time pass,
 * its timers fire, and the run loop gets the CPU back at the deadline it asked for. A
 * delivery ends any STI/MOV SS shadow (the boundary after it is a new one). */
static inline void charge_delivery(Cpu *c)
{
	c->icount++;
	c->charged++;
	c->inhibit_icount = ~0ull;
}

/* The loop proper; everything live across sigsetjmp is kept in *c. */
static CpuExitReason run_loop(Cpu *c)
{
	int j = sigsetjmp(c->jmp, 0);
	if (j == JMP_FAULT) {
		/* a fault ends its instruction without retiring it: the delivery takes that
		 * instruction's time (unless it cut short a trap delivered after the budget's
		 * last instruction, which belongs to that instruction) */
		if (c->icount < c->run_end)
			charge_delivery(c);
		cpu_mode_sync(c); /* a supervisor access may have been cut short */
		c->dbg_pending &= ~(u32)CPU_DBG_WATCH; /* it runs again, and hits again */
		cpu_deliver_fault(c);
	} else if (j == JMP_EXIT) {
		/* an I/O trap exit comes before the instruction completes: it runs again
		 * (a CP execution range exits before it started) */
		c->pending_dr6 = 0;
		c->dbg_pending = 0;
		cpu_mode_sync(c);
		return c->exit_reason;
	}
	for (;;) {
		if (unlikely(c->shutdown))
			return CPU_EXIT_SHUTDOWN;
		if (unlikely(c->dbg_pending)) {
			/* the CP's events of the last instruction or delivery */
			CpuExitReason r = dbg_report(c);
			if (r != CPU_EXIT_BUDGET)
				return r;
		}
		if (unlikely(c->block_step)) {
			/* one step (the iteration below, or the delivery above) per cpu_run */
			if (c->step_done)
				return CPU_EXIT_BUDGET;
			c->step_done = true;
		}
		if (unlikely(c->pending_dr6) && c->icount != c->inhibit_icount &&
		    (c->icount < c->run_end || c->icount != c->db_icount)) {
			/* a data breakpoint hit by the last instruction: the #DB trap comes
			 * before interrupts (SDM 6.9), within the same cpu_run even when
			 * that instruction spent the budget, and takes no time of its own.
			 * The delivery itself may hit again (its pushes on a watched
			 * stack): a trap with no instruction retired since the last one
			 * takes an instruction time, as a fault does, so that a storm of
			 * them moves time on and still returns at the budget */
			if (c->icount == c->db_icount)
				charge_delivery(c);
			c->db_icount = c->icount;
			c->stats.exceptions++;
			c->stats.last_exception = EXC_DB;
			cpu_db_trap(c, false);
			continue;
		}
		u64 end = c->run_end;
		if (unlikely(c->icount >= end))
			return CPU_EXIT_BUDGET;
		u32 ev = __atomic_load_n(&c->events, __ATOMIC_RELAXED);
		if (unlikely(ev & ~(u32)EV_SLOW) || unlikely(c->halted)) {
			if (ev & (EV_INIT | EV_SIPI)) {
				apic_take_init_sipi(c);
				continue;
			}
			if (ev & EV_EXIT) {
				__atomic_and_fetch(&c->events, ~(u32)EV_EXIT, __ATOMIC_RELAXED);
				return CPU_EXIT_REQUEST;
			}
			if (ev & EV_PAUSE) {
				__atomic_and_fetch(&c->events, ~(u32)EV_PAUSE, __ATOMIC_RELAXED);
				return CPU_EXIT_PAUSE;
			}
			if (ev & (EV_NMI | EV_INTR)) {
				int t = take_interrupt(c);
				if (t > 0) {
					/* the delivery takes an instruction time: a storm
					 * that retires nothing still moves time on and
					 * returns at the budget */
					charge_delivery(c);
					continue;
				}
				if (t < 0 && c->icount < c->run_end) {
					/* the shadowed instruction alone, then the interrupt */
					step_one(c);
					continue;
				}
			}
			if (c->halted)
				return CPU_EXIT_HLT;
		}
		if (unlikely(ev & EV_SLOW) || unlikely(c->pending_dr6)) {
			/* (a trap pending behind MOV SS: one instruction, then the trap) */
			step_one(c);
			continue;
		}
		if (c->jit) {
			jit_run_blocks(c, end);
		} else if (unlikely(c->block_step)) {
			c->eip_insn = c->eip;
			cpu_interp_block(c, block_at(c), end);
		} else {
			run_blocks(c, end);
		}
	}
}

CpuExitReason cpu_run(Cpu *c, u64 budget, CpuExit *exit)
{
	CpuExit local = {0};
	CpuExit *e = exit ? exit : &local;
	memset(e, 0, sizeof(*e));
	c->exit = e;
	u64 start = c->icount, charged = c->charged;
	/* the CP's instruction count: the run ends there */
	u64 stop = c->dbg.icount;
	bool at_stop = false;
	if (unlikely(stop > start) && stop - start <= budget) {
		budget = stop - start;
		at_stop = true;
	}
	c->run_end = start + budget;
	c->delivering = -1;
	c->step_done = false;
	CpuExitReason why = budget ? run_loop(c) : CPU_EXIT_BUDGET;
	if (unlikely(at_stop) && why == CPU_EXIT_BUDGET && c->icount == stop)
		why = CPU_EXIT_ICOUNT;
	c->exit = NULL;
	e->reason = why;
	e->charged = c->charged - charged;
	e->executed = c->icount - start - e->charged;
	e->icount = c->icount;
	c->stats.instructions = c->icount - c->charged;
	return why;
}

/* ---- state ---- */
static void seg_out(const SegCache *s, CpuSeg *o)
{
	o->sel = s->sel;
	o->attr = s->attr;
	o->base = s->base;
	o->limit = s->limit;
}
static void seg_in(SegCache *s, const CpuSeg *i)
{
	s->sel = i->sel;
	s->attr = i->attr;
	s->base = i->base;
	s->limit = i->limit;
}

void cpu_get_state(const Cpu *c, CpuState *st)
{
	memset(st, 0, sizeof(*st));
	memcpy(st->gpr, c->r, sizeof(st->gpr));
	st->eip = c->eip;
	st->eflags = cpu_eflags(c);
	for (int i = 0; i < SEG_COUNT; i++)
		seg_out(&c->seg[i], &st->seg[i]);
	seg_out(&c->ldtr, &st->ldtr);
	seg_out(&c->tr, &st->tr);
	st->gdtr_base = c->gdt_base;
	st->gdtr_limit = c->gdt_limit;
	st->idtr_base = c->idt_base;
	st->idtr_limit = c->idt_limit;
	st->cr0 = c->cr0;
	st->cr2 = c->cr2;
	st->cr3 = c->cr3;
	st->cr4 = c->cr4;
	st->efer = c->efer;
	memcpy(st->dr, c->dr, sizeof(st->dr));
	st->tsc = c->icount + c->tsc_offset;
	st->halted = c->halted;
	st->wait_sipi = c->wait_sipi;
}

void cpu_set_state(Cpu *c, const CpuState *st)
{
	memcpy(c->r, st->gpr, sizeof(st->gpr));
	c->r[REG_NONE] = 0;
	c->eip = st->eip;
	c->cr0 = st->cr0;
	c->cr2 = st->cr2;
	c->cr3 = st->cr3;
	c->cr4 = st->cr4;
	c->efer = cpu_has_nx(c) ? st->efer & EFER_NXE : 0;
	if (pae_paging(c) && !paging_load_pdptes(c, c->cr3))
		memset(c->pdpte, 0, sizeof(c->pdpte)); /* reserved bits: nothing present */
	c->eflags = (st->eflags & eflags_supported(c)) | 2;
	c->cc_op = CC_NONE;
	for (int i = 0; i < SEG_COUNT; i++) {
		seg_in(&c->seg[i], &st->seg[i]);
		seg_set_fast(c, &c->seg[i], i);
	}
	seg_in(&c->ldtr, &st->ldtr);
	seg_in(&c->tr, &st->tr);
	c->gdt_base = st->gdtr_base;
	c->gdt_limit = st->gdtr_limit;
	c->idt_base = st->idtr_base;
	c->idt_limit = st->idtr_limit;
	memcpy(c->dr, st->dr, sizeof(c->dr));
	c->pending_dr6 = 0;
	c->db_icount = ~0ull;
	c->tsc_offset = st->tsc - c->icount;
	c->halted = st->halted || st->wait_sipi;
	c->wait_sipi = st->wait_sipi && c->apic.read;
	c->shutdown = false;
	c->cpl = v86(c) ? 3 : pmode(c) ? (c->seg[SEG_CS].sel & 3) : 0;
	seg_cpl_changed(c);
	c->inhibit_icount = ~0ull;
	c->io_resume = false;
	tlb_flush(c);
	icache_flush(c);
	cpu_dr_update(c);
}

void cpu_advance_tsc(Cpu *c, u64 cycles)
{
	c->tsc_offset += cycles;
}

bool cpu_wakeable(const Cpu *c)
{
	return (c->eflags & FLAG_IF) && !c->wait_sipi;
}

bool cpu_idle(const Cpu *c)
{
	if (!c->halted || c->shutdown)
		return false;
	/* (an exit request is no work: a run would only return at once) */
	u32 ev = __atomic_load_n(&c->events, __ATOMIC_RELAXED);
	if (ev & (EV_INIT | EV_SIPI))
		return false;
	if (c->wait_sipi)
		return true;
	return !((ev & EV_NMI) && !c->nmi_blocked) && !((ev & EV_INTR) && (c->eflags & FLAG_IF));
}

void cpu_skip_icount(Cpu *c, u64 n)
{
	c->icount += n;
	if (c->inhibit_icount != ~0ull)
		c->inhibit_icount += n;
	if (c->db_icount != ~0ull)
		c->db_icount += n;
}

void cpu_set_block_step(Cpu *c, bool on)
{
	c->block_step = on;
	icache_flush(c); /* translations made before link blocks together */
}

void cpu_get_stats(const Cpu *c, CpuStats *s)
{
	*s = c->stats;
	s->instructions = c->icount - c->charged;
}
