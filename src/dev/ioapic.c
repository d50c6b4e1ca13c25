/* ioapic.c: the 82093AA I/O APIC: register window, redirection table, edge and level
 * inputs with remote IRR, and the EOI from the local APICs. See ioapic.h. */
#include "dev/ioapic.h"

#include <string.h>

#define RE_MASK (1ull << 16)
#define RE_LEVEL (1ull << 15)
#define RE_RIRR (1ull << 14)
#define RE_POLARITY (1ull << 13)
/* what software can write: vector, delivery and destination mode, polarity, trigger
 * mode, mask, destination */
#define RE_WRITABLE 0xFF0000000001AFFFull

void ioapic_init(IoApic *io)
{
	memset(io, 0, sizeof(*io));
	ioapic_reset(io);
}

void ioapic_reset(IoApic *io)
{
	irq_sync(&io->sync);
	io->regsel = 0;
	io->id = 0;
	for (int i = 0; i < IOAPIC_PINS; i++)
		io->redir[i] = RE_MASK;
}

static bool asserted(const IoApic *io, int n)
{
	bool pin = io->pins >> n & 1;
	return (io->redir[n] & RE_POLARITY) ? !pin : pin;
}

static void send(IoApic *io, int n)
{
	u64 e = io->redir[n];
	ApicMsg m = {
		.vector = (u8)e,
		.mode = (u8)(e >> 8 & 7),
		.logical = e >> 11 & 1,
		.dest = (u8)(e >> 56),
		.level = (e & RE_LEVEL) != 0,
		.assert = true,
		.shorthand = APIC_SH_NONE,
		.source = -1,
	};
	if (io->send)
		io->send(io->send_ctx, &m);
}

/* A level-triggered pin: sends while asserted, unmasked and not in service. */
static void service_level(IoApic *io, int n)
{
	u64 e = io->redir[n];
	if (!(e & RE_LEVEL) || (e & (RE_MASK | RE_RIRR)) || !asserted(io, n))
		return;
	/* remote IRR only exists for fixed and lowest-priority delivery */
	u32 mode = e >> 8 & 7;
	if (mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST)
		io->redir[n] |= RE_RIRR;
	send(io, n);
}

bool ioapic_input_ignored(const IoApic *io, int n)
{
	if (n < 0 || n >= IOAPIC_PINS)
		return true;
	u64 e = io->redir[n];
	return !(e & RE_LEVEL) && (e & RE_MASK);
}

void ioapic_set_irq(void *ctx, int n, int level)
{
	IoApic *io = ctx;
	if (n < 0 || n >= IOAPIC_PINS)
		return;
	bool was = asserted(io, n);
	if (level)
		io->pins |= 1u << n;
	else
		io->pins &= ~(1u << n);
	bool now = asserted(io, n);
	u64 e = io->redir[n];
	if (e & RE_LEVEL)
		service_level(io, n);
	else if (now && !was && !(e & RE_MASK))
		send(io, n);
}

void ioapic_eoi(void *ctx, u8 vector)
{
	IoApic *io = ctx;
	for (int n = 0; n < IOAPIC_PINS; n++) {
		if ((io->redir[n] & RE_RIRR) && (u8)io->redir[n] == vector) {
			io->redir[n] &= ~RE_RIRR;
			service_level(io, n);
		}
	}
}

u32 ioapic_reg_read(IoApic *io, u8 reg)
{
	switch (reg) {
	case 0x00: return io->id;
	case 0x01: return IOAPIC_VERSION;
	case 0x02: return io->id; /* the arbitration ID is loaded from the ID */
	default: break;
	}
	if (reg >= 0x10 && reg < 0x10 + 2 * IOAPIC_PINS) {
		u64 e = io->redir[(reg - 0x10) / 2];
		return (reg & 1) ? (u32)(e >> 32) : (u32)e;
	}
	return 0;
}

void ioapic_reg_write(IoApic *io, u8 reg, u32 val)
{
	irq_sync(&io->sync);
	if (reg == 0x00) {
		io->id = val & 0x0F000000u;
		return;
	}
	if (reg < 0x10 || reg >= 0x10 + 2 * IOAPIC_PINS)
		return; /* version, arbitration ID: read-only */
	int n = (reg - 0x10) / 2;
	u64 e = io->redir[n];
	u64 v = (reg & 1) ? (e & 0xFFFFFFFFull) | (u64)val << 32 : (e & ~0xFFFFFFFFull) | val;
	v = (v & RE_WRITABLE) | (e & RE_RIRR);
	if (!(v & RE_LEVEL))
		v &= ~RE_RIRR; /* remote IRR is undefined for edge entries: keep it clear */
	io->redir[n] = v;
	/* a level-triggered pin unmasked while asserted is delivered now */
	service_level(io, n);
}

static u32 mmio_read(void *ctx, u32 addr, int size)
{
	IoApic *io = ctx;
	u32 off = addr & 0xFFF;
	u32 v;
	if (off < 4)
		v = io->regsel;
	else if (off >= 0x10 && off < 0x14)
		v = ioapic_reg_read(io, io->regsel);
	else
		return 0;
	v >>= 8 * (off & 3);
	return size >= 4 ? v : v & ((1u << (8 * size)) - 1);
}

static void mmio_write(void *ctx, u32 addr, u32 val, int size)
{
	IoApic *io = ctx;
	u32 off = addr & 0xFFF;
	if (off == 0)
		io->regsel = (u8)val; /* any size: the byte at offset 0 */
	else if (off == 0x10 && size == 4)
		ioapic_reg_write(io, io->regsel, val);
}

const MmioOps ioapic_mmio_ops = {mmio_read, mmio_write, "82093AA I/O APIC"};
