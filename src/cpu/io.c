/* io.c: the trap path. Every port access of the guest (IN, OUT, INS, OUTS) passes
 * through cpu_io_in/cpu_io_out, in this order:
 *   1. the architectural checks: in protected mode with CPL > IOPL, and always in
 *      virtual-8086 mode, the I/O permission bitmap of the current 32-bit TSS must allow
 *      every byte of the access, else #GP(0) (SDM vol. 1 18.5.2, "I/O permission bit
 *      map"; a 16-bit TSS has no bitmap, so the access faults);
 *   2. the CP's trap bitmap (io_set_trap): a trapped access leaves cpu_run with
 *      CPU_EXIT_IO before the device sees it, EIP still at the instruction and, for REP
 *      INS/OUTS, the registers describing the element about to move; the next cpu_run
 *      re-executes the instruction and lets exactly that access through;
 *   3. the I/O bus (io_read/io_write), which dispatches to the device.
 * The retired-instruction count is exact here: devices read virtual time from it.
 * This is the paper's "simulation of privileged instructions" path (figures 2, 3). */
#include "cpu/alu.h"
#include "cpu/ops.h"

void cpu_io_check(Cpu *c, u16 port, int size)
{
	if (!pmode(c) || (!v86(c) && c->cpl <= iopl(c)))
		return;
	u32 type = c->tr.attr & 0xF;
	if ((type != SYS_TSS32_AVAIL && type != SYS_TSS32_BUSY) || c->tr.limit < 0x67)
		GP0(c);
	u32 map = sys_rd16(c, c->tr.base + 0x66);
	u32 byte = map + port / 8u;
	if (byte + 1 > c->tr.limit)
		GP0(c);
	u32 bits = sys_rd16(c, c->tr.base + byte);
	if (bits & (((1u << size) - 1) << (port & 7)))
		GP0(c);
}

/* Leaves cpu_run before a trapped access, unless it is the one the CP saw last. */
static void trap_point(Cpu *c, u16 port, int size, bool write, u32 val)
{
	if (likely(!io_trapped(c->io, port, size)))
		return;
	if (c->io_resume && c->io_resume_port == port && c->io_resume_size == size &&
	    c->io_resume_write == write) {
		c->io_resume = false;
		return;
	}
	if (c->exit) {
		c->exit->port = port;
		c->exit->size = (u8)size;
		c->exit->write = write;
		c->exit->value = write ? val : 0;
	}
	c->io_resume = true;
	c->io_resume_port = port;
	c->io_resume_size = (u8)size;
	c->io_resume_write = write;
	c->stats.io_exits++;
	c->eip = c->eip_insn;
	cpu_exit_now(c, CPU_EXIT_IO);
}

u32 cpu_io_in(Cpu *c, u16 port, int size)
{
	cpu_io_check(c, port, size);
	trap_point(c, port, size, false, 0);
	return io_read(c->io, port, size);
}

void cpu_io_out(Cpu *c, u16 port, int size, u32 val)
{
	cpu_io_check(c, port, size);
	if (size != 4)
		val &= (1u << (8 * size)) - 1;
	trap_point(c, port, size, true, val);
	io_write(c->io, port, val, size);
}

/* ---- IN/OUT handlers ---- */
void op_in_al_ib(Cpu *c, const Insn *d) { R8(c, 0) = (u8)cpu_io_in(c, (u16)(d->imm & 0xFF), 1); }
void op_in_eax_ib(Cpu *c, const Insn *d)
{
	u16 port = (u16)(d->imm & 0xFF);
	if (d->flags & INSN_O32)
		R32(c, R_EAX) = cpu_io_in(c, port, 4);
	else
		set_r16(c, R_EAX, cpu_io_in(c, port, 2));
}
void op_out_ib_al(Cpu *c, const Insn *d) { cpu_io_out(c, (u16)(d->imm & 0xFF), 1, R8(c, 0)); }
void op_out_ib_eax(Cpu *c, const Insn *d)
{
	int sz = (d->flags & INSN_O32) ? 4 : 2;
	cpu_io_out(c, (u16)(d->imm & 0xFF), sz, R32(c, R_EAX));
}
void op_in_al_dx(Cpu *c, const Insn *d)
{
	(void)d;
	R8(c, 0) = (u8)cpu_io_in(c, R16(c, R_EDX), 1);
}
void op_in_eax_dx(Cpu *c, const Insn *d)
{
	if (d->flags & INSN_O32)
		R32(c, R_EAX) = cpu_io_in(c, R16(c, R_EDX), 4);
	else
		set_r16(c, R_EAX, cpu_io_in(c, R16(c, R_EDX), 2));
}
void op_out_dx_al(Cpu *c, const Insn *d)
{
	(void)d;
	cpu_io_out(c, R16(c, R_EDX), 1, R8(c, 0));
}
void op_out_dx_eax(Cpu *c, const Insn *d)
{
	cpu_io_out(c, R16(c, R_EDX), (d->flags & INSN_O32) ? 4 : 2, R32(c, R_EAX));
}
