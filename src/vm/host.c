/* host.c: the machine's host interface (machine.h): the one door through which the CP
 * reads and drives a machine, so that src/cp names no chip and a change inside a device
 * model never reaches the CP. */
#include "vm/machine.h"

#include "base/err.h"

void machine_stats(const Machine *m, MachineStats *s)
{
	CpuStats cs;
	cpu_get_stats(m->cpu, &cs);
	s->instructions = cs.instructions;
	s->now_ns = machine_now(m);
	s->halted_ns = m->halted_ns;
	s->resets = m->resets ? m->resets - 1 : 0;
	s->timer_events = m->clock.fired;
}

static Cpu *focus_cpu(const Machine *m)
{
	int i = m->focus >= 0 && m->focus < m->ncpus ? m->focus : 0;
	return m->cpus[i] ? m->cpus[i] : m->cpu;
}

int machine_focus(const Machine *m)
{
	return m->focus >= 0 && m->focus < m->ncpus ? m->focus : 0;
}

u64 machine_icount(const Machine *m)
{
	return *cpu_icount(m->cpus[m->cur] ? m->cpus[m->cur] : m->cpu);
}

void machine_get_regs(const Machine *m, CpuState *st)
{
	cpu_get_state(focus_cpu(m), st);
}

void machine_set_regs(Machine *m, const CpuState *st)
{
	cpu_set_state(focus_cpu(m), st);
}

void machine_get_fpu(const Machine *m, CpuFpuState *st)
{
	cpu_get_fpu_state(focus_cpu(m), st);
}

void machine_get_sse(const Machine *m, CpuSseState *st)
{
	cpu_get_sse_state(focus_cpu(m), st);
}

void machine_set_fpu(Machine *m, const CpuFpuState *st)
{
	cpu_set_fpu_state(focus_cpu(m), st);
}

void machine_set_sse(Machine *m, const CpuSseState *st)
{
	cpu_set_sse_state(focus_cpu(m), st);
}

bool machine_read_msr(Machine *m, u32 index, u64 *value)
{
	return cpu_read_msr(focus_cpu(m), index, value);
}

/* Reads or writes linear memory a page at a time, each page translated as a
 * supervisor read would find it. */
static u32 lin_access(Machine *m, u32 lin, u8 *buf, u32 len, bool write)
{
	Cpu *c = focus_cpu(m);
	u32 done = 0;
	while (done < len) {
		u32 l = lin + done, pa;
		if (cpu_translate(c, l, &pa) < 0)
			break;
		u32 n = MIN(len - done, MEM_PAGE_SIZE - (l & MEM_PAGE_MASK));
		if (write)
			mem_write_buf(&m->mem, pa, buf + done, n);
		else
			mem_read_buf(&m->mem, pa, buf + done, n);
		done += n;
	}
	return done;
}

u32 machine_read_lin(Machine *m, u32 lin, void *buf, u32 len)
{
	return lin_access(m, lin, buf, len, false);
}

u32 machine_write_lin(Machine *m, u32 lin, const void *buf, u32 len)
{
	return lin_access(m, lin, (u8 *)buf, len, true);
}

void machine_page_walk(Machine *m, u32 lin, CpuWalk *w)
{
	cpu_page_walk(focus_cpu(m), lin, w);
}

void machine_set_debug(Machine *m, const CpuDebug *d)
{
	for (int i = 0; i < m->ncpus; i++)
		if (m->cpus[i])
			cpu_set_debug(m->cpus[i], d);
}

void machine_read_phys(Machine *m, u32 pa, void *buf, u32 len)
{
	mem_read_buf(&m->mem, pa, buf, len);
}

void machine_write_phys(Machine *m, u32 pa, const void *buf, u32 len)
{
	mem_write_buf(&m->mem, pa, buf, len);
}

void machine_screen(const Machine *m, VgaText *t)
{
	vga_text_dump(&m->vga, t);
}

bool machine_key(Machine *m, KbcKey mod, KbcKey key)
{
	return kbc_chord(&m->kbc, mod, key);
}

bool machine_keys_pending(const Machine *m)
{
	return kbc_keys_pending(&m->kbc);
}

int machine_serial_in(Machine *m, int com, const u8 *buf, int n)
{
	if (com < 0 || com >= (int)ARRAY_SIZE(m->com))
		return 0;
	return uart_receive(&m->com[com], buf, n);
}

u64 machine_serial_char_ns(const Machine *m, int com)
{
	if (com < 0 || com >= (int)ARRAY_SIZE(m->com))
		return 0;
	return uart_char_ns(&m->com[com]);
}

void machine_trace_io(Machine *m, u16 lo, u16 hi, IoTraceFn fn, void *ctx)
{
	io_set_trace(m->io, 0, IO_PORTS, false);
	if (fn && lo <= hi) {
		io_set_trace(m->io, lo, (u32)hi - lo + 1, true);
		io_set_trace_fn(m->io, fn, ctx);
	}
}

void machine_trap_io(Machine *m, u16 lo, u16 hi, bool on)
{
	if (lo <= hi)
		io_set_trap(m->io, lo, (u32)hi - lo + 1, on);
}

bool machine_io_trapping(const Machine *m)
{
	return m->io->ntrap != 0;
}

void machine_trace_cpu(Machine *m, FILE *out)
{
	cpu_set_trace(m->cpu, out);
}

void machine_hold_shutdown(Machine *m, bool hold)
{
	m->hold_shutdown = hold;
}

void machine_power_button(Machine *m)
{
	acpi_power_button(&m->pm);
}

int machine_set_medium(Machine *m, int dev, u64 bytes, bool force)
{
	if (dev < VM_DEV_HDA || dev > VM_DEV_HDD)
		return VMCP_EINVAL;
	int i = dev - VM_DEV_HDA;
	return ide_set_medium(&m->ide, i / 2, i % 2, bytes, force);
}
