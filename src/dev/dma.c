/* dma.c: the PC-AT DMA subsystem: two 8237A controllers and the page registers.
 *
 * Models the registers of each 8237A (current/base address and count with the byte
 * pointer flip-flop, mode, command, status with terminal-count bits, single/all mask,
 * request, master clear, clear mask), the cascade of controller 1 through channel 4 of
 * controller 2, the page registers that give address bits 23:16, auto-initialisation and
 * address decrement. A device's transfer runs at once (the device would keep DREQ up),
 * so demand, single and block mode all move the same bytes here.
 *
 * References: Intel 8237A datasheet (registers, TC, auto-init, master clear); IBM PC AT
 * Technical Reference (port map, page registers, word channels 5-7 with address bits
 * shifted by one, 64/128 KiB wrap); Intel 82371SB (PIIX3) DMA section.
 *
 * Not modelled: memory-to-memory transfers (channels 0/1, unused on the AT and not
 * supported by the PIIX3), the DREQ/DACK polarity and priority bits of the command
 * register (stored only), hardware DREQ bits in the status register, the high page
 * registers of later chipsets, and the A20 gate (transfers go through the MemBus, which
 * applies it; DMA on a real AT bypasses the gate). */
#include "dev/dma.h"

#include <string.h>

#include "base/err.h"

/* Page register port (low nibble) for each channel: 87 83 81 82, 8F 8B 89 8A. */
static const u8 page_port[8] = {0x7, 0x3, 0x1, 0x2, 0xF, 0xB, 0x9, 0xA};

static void ctrl_clear(DmaCtrl *c)
{
	c->command = 0;
	c->status = 0;
	c->request = 0;
	c->temp = 0;
	c->flipflop = false;
	c->mask = 0x0F;
}

void dma_reset(Dma *d)
{
	MemBus *mem = d->mem;
	memset(d, 0, sizeof(*d));
	d->mem = mem;
	ctrl_clear(&d->c[0]);
	ctrl_clear(&d->c[1]);
}

void dma_init(Dma *d, MemBus *mem)
{
	d->mem = mem;
	dma_reset(d);
}

u32 dma_address(const Dma *d, int chan)
{
	const DmaChannel *ch = &d->c[chan >> 2].ch[chan & 3];
	u8 page = d->page[page_port[chan & 7]];
	if (chan < 4)
		return (u32)page << 16 | ch->cur_addr;
	return (u32)(page & 0xFE) << 16 | (u32)ch->cur_addr << 1;
}

u32 dma_transfer(Dma *d, int chan, void *buf, u32 len, bool to_memory, bool *tc)
{
	if (chan < 0 || chan > 7 || chan == 4)
		return 0;
	DmaCtrl *c = &d->c[chan >> 2];
	DmaChannel *ch = &c->ch[chan & 3];
	u8 bit = (u8)(1u << (chan & 3));
	if ((c->mask & bit) || (c->command & 0x04) || (ch->mode & 0xC0) == DMA_MODE_CASCADE)
		return 0;
	/* Controller 1 reaches the bus only through channel 4 of controller 2. */
	if (chan < 4 && ((d->c[1].mask & 1) || (d->c[1].command & 0x04)))
		return 0;
	u32 unit = chan < 4 ? 1 : 2;
	u8 type = ch->mode & 0x0C;
	u8 *p = buf;
	u32 moved = 0;
	while (moved + unit <= len) {
		u32 pa = dma_address(d, chan);
		if (type == DMA_MODE_WRITE && to_memory) {
			if (d->mem)
				mem_write_buf(d->mem, pa, p + moved, unit);
		} else if (type == DMA_MODE_READ && !to_memory) {
			if (d->mem)
				mem_read_buf(d->mem, pa, p + moved, unit);
			else
				memset(p + moved, 0xFF, unit);
		} else if (!to_memory) {
			memset(p + moved, 0xFF, unit);
		}
		moved += unit;
		ch->cur_addr = (u16)(ch->mode & DMA_MODE_DECREMENT ? ch->cur_addr - 1
								     : ch->cur_addr + 1);
		/* Terminal count: the count register rolls over from 0 to FFFFh. */
		if (ch->cur_count-- == 0) {
			c->status |= bit;
			if (ch->mode & DMA_MODE_AUTOINIT) {
				ch->cur_addr = ch->base_addr;
				ch->cur_count = ch->base_count;
			} else {
				c->mask |= bit;
			}
			*tc = true;
			break;
		}
	}
	return moved;
}

u32 dma_transfer_cb(void *dma, int chan, void *buf, u32 len, bool to_memory, bool *tc)
{
	return dma_transfer(dma, chan, buf, len, to_memory, tc);
}

/* ---- Registers ---- */

static u8 ctrl_read(DmaCtrl *c, int reg)
{
	if (reg < 8) {
		DmaChannel *ch = &c->ch[reg >> 1];
		u16 v = reg & 1 ? ch->cur_count : ch->cur_addr;
		u8 b = c->flipflop ? (u8)(v >> 8) : (u8)v;
		c->flipflop = !c->flipflop;
		return b;
	}
	switch (reg) {
	case 0x8: { /* status: reading clears the TC bits */
		u8 v = (u8)(c->status | c->request << 4);
		c->status &= 0xF0;
		return v;
	}
	case 0xD: return c->temp;
	case 0xF: return (u8)(0xF0 | c->mask); /* PIIX3: the mask can be read back */
	default: return 0xFF;                  /* write-only registers */
	}
}

static void ctrl_write(DmaCtrl *c, int reg, u8 v)
{
	if (reg < 8) {
		DmaChannel *ch = &c->ch[reg >> 1];
		u16 *base = reg & 1 ? &ch->base_count : &ch->base_addr;
		u16 *cur = reg & 1 ? &ch->cur_count : &ch->cur_addr;
		if (c->flipflop)
			*base = (u16)((*base & 0x00FF) | v << 8);
		else
			*base = (u16)((*base & 0xFF00) | v);
		*cur = *base; /* writing the base register writes the current one too */
		c->flipflop = !c->flipflop;
		return;
	}
	switch (reg) {
	case 0x8: c->command = v; break;
	case 0x9: /* software request */
		if (v & 4)
			c->request |= (u8)(1u << (v & 3));
		else
			c->request &= (u8)~(1u << (v & 3));
		break;
	case 0xA: /* single mask bit */
		if (v & 4)
			c->mask |= (u8)(1u << (v & 3));
		else
			c->mask &= (u8)~(1u << (v & 3));
		break;
	case 0xB: c->ch[v & 3].mode = v & 0xFC; break;
	case 0xC: c->flipflop = false; break;
	case 0xD: ctrl_clear(c); break; /* master clear */
	case 0xE: c->mask = 0; break;
	case 0xF: c->mask = v & 0x0F; break;
	default: break;
	}
}

static u32 dma1_read(void *ctx, u16 port, int size)
{
	Dma *d = ctx;
	return ctrl_read(&d->c[0], port & 0xF);
}

static void dma1_write(void *ctx, u16 port, u32 val, int size)
{
	Dma *d = ctx;
	ctrl_write(&d->c[0], port & 0xF, (u8)val);
}

/* Controller 2 sits on address lines A4-A1: register n at 0xC0 + 2n. */
static u32 dma2_read(void *ctx, u16 port, int size)
{
	Dma *d = ctx;
	return ctrl_read(&d->c[1], (port >> 1) & 0xF);
}

static void dma2_write(void *ctx, u16 port, u32 val, int size)
{
	Dma *d = ctx;
	ctrl_write(&d->c[1], (port >> 1) & 0xF, (u8)val);
}

/* Every page-register port is a read/write byte; the ones no channel uses are
 * scratch registers on the AT. */
static u32 page_read(void *ctx, u16 port, int size)
{
	Dma *d = ctx;
	return d->page[port & 0xF];
}

static void page_write(void *ctx, u16 port, u32 val, int size)
{
	Dma *d = ctx;
	d->page[port & 0xF] = (u8)val;
}

const IoOps dma1_io_ops = {dma1_read, dma1_write, 1, "dma1"};
const IoOps dma2_io_ops = {dma2_read, dma2_write, 1, "dma2"};
const IoOps dma_page_io_ops = {page_read, page_write, 1, "dma-page"};
