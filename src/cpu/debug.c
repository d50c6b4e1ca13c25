/* debug.c: the debug registers at work: DR0-DR3 breakpoints as DR7 enables them, and
 * the #DB traps they and EFLAGS.TF raise, with DR6 set accordingly.
 *
 * Execution breakpoints (R/W = 00) are faults before the instruction; the run loop
 * checks them in single-step mode (cpu.c step_one). Data breakpoints (R/W = 01 writes,
 * 11 reads or writes) are traps after the instruction that touched any watched byte:
 * LEN 00/01/11 watch 1, 2 or 4 bytes, the address rounded down to that alignment
 * (SDM vol. 3A 17.2.5). The hot paths never look at them: while one is enabled the TLB
 * refuses the linear page that holds it (for reads only when it watches reads), so
 * every access to that page takes mem_rd_slow/mem_wr_slow, which call dbp_access. A hit
 * sets the breakpoint's B bit in pending_dr6 and ends the block after the instruction;
 * the run loop then delivers #DB with EIP at the next instruction (for a REP string
 * instruction, at itself after the element that hit, so it resumes; SDM 17.3.1.2).
 * A fault in the instruction voids its hits (it restarts and hits again). After MOV SS
 * or POP SS the trap waits for one more instruction (SDM 6.8.3).
 * DR6 on a #DB trap: B0-B3 name the data breakpoints hit (cleared otherwise), BS the
 * single step; BD and BS stay set until software clears them (SDM 17.2.3, as Bochs).
 * References: Intel SDM vol. 3A 17.2 (debug registers), 17.3 (debug exceptions).
 * Not modelled: I/O breakpoints (R/W = 10 with CR4.DE; without it the encoding is
 * undefined and ignored here), the exact-breakpoint bits LE/GE (accepted, no effect:
 * every data breakpoint here is exact), the TSS T flag. LEN = 10 is undefined on the
 * 386 to P6 (8 bytes from the Pentium 4 on); it watches 8 bytes here, as in Bochs. */
#include "cpu/internal.h"

enum { DR6_BD = 0x2000, DR6_BS = 0x4000 };

static u32 dr7_rw(u32 dr7, int i) { return dr7 >> (16 + i * 4) & 3; }
static bool dr7_enabled(u32 dr7, int i) { return (dr7 >> (i * 2) & 3) != 0; }

bool dr_exec_enabled(const Cpu *c)
{
	for (int i = 0; i < 4; i++)
		if (dr7_enabled(c->dr[7], i) && dr7_rw(c->dr[7], i) == 0)
			return true;
	return false;
}

u32 dr_exec_hits(const Cpu *c, u32 lin)
{
	u32 dr7 = c->dr[7], hits = 0;
	for (int i = 0; i < 4; i++)
		if (dr7_enabled(dr7, i) && dr7_rw(dr7, i) == 0 && c->dr[i] == lin)
			hits |= 1u << i;
	return hits;
}

void cpu_dr_update(Cpu *c)
{
	static const u32 len_bytes[4] = {1, 2, 8, 4};
	u32 dr7 = c->dr[7];
	u8 rd = 0, wr = 0;
	for (int i = 0; i < 4; i++) {
		u32 rw = dr7_rw(dr7, i);
		if (!dr7_enabled(dr7, i) || (rw != 1 && rw != 3))
			continue;
		u32 n = len_bytes[dr7 >> (18 + i * 4) & 3];
		c->dbp_lo[i] = c->dr[i] & ~(n - 1);
		c->dbp_hi[i] = c->dbp_lo[i] + n - 1;
		wr |= (u8)(1u << i);
		if (rw == 3)
			rd |= (u8)(1u << i);
	}
	/* pages watched before may be cached now, and pages watched now may be cached */
	if (rd | wr | c->dbp_rd | c->dbp_wr)
		tlb_flush(c);
	c->dbp_rd = rd;
	c->dbp_wr = wr;
	cpu_update_slow(c);
}

bool dbp_page_watched(const Cpu *c, u32 lin, bool write)
{
	u32 m = write ? c->dbp_wr : c->dbp_rd, page = lin & ~MEM_PAGE_MASK;
	for (int i = 0; i < 4; i++)
		if ((m >> i & 1) && (c->dbp_lo[i] & ~MEM_PAGE_MASK) == page)
			return true;
	return false;
}

void dbp_access(Cpu *c, u32 lin, int size, bool write)
{
	u32 m = write ? c->dbp_wr : c->dbp_rd, last = lin + (u32)size - 1, hits = 0;
	for (int i = 0; i < 4; i++)
		if ((m >> i & 1) && lin <= c->dbp_hi[i] && last >= c->dbp_lo[i])
			hits |= 1u << i;
	if (hits) {
		c->pending_dr6 |= hits;
		c->brk = 1;
	}
}

void cpu_db_trap(Cpu *c, bool single_step)
{
	c->dr[6] = (c->dr[6] & ~0xFu) | c->pending_dr6 | (single_step ? DR6_BS : 0);
	c->pending_dr6 = 0;
	c->eip_insn = c->eip;
	c->delivering = EXC_DB;
	cpu_interrupt(c, EXC_DB, 0, false, 0, true);
	c->delivering = -1;
}

void dr_general_detect(Cpu *c)
{
	if (!(c->dr[7] & DR7_GD))
		return;
	/* the handler must be able to use the debug registers: GD clears on the way in */
	c->dr[7] &= ~DR7_GD;
	c->dr[6] = (c->dr[6] & ~0xFu) | DR6_BD;
	cpu_fault_noerr(c, EXC_DB);
}
