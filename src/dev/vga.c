/* vga.c: the VGA adapter's registers, planar memory with its read/write pipeline,
 * display timing for input status 1, and the host view of the text screen. See vga.h. */
#include "dev/vga.h"

#include <string.h>

/* Bits a register keeps (the rest read 0), per the IBM register descriptions. */
static const u8 seq_mask[5] = {0x03, 0x3D, 0x0F, 0x3F, 0x0E};
static const u8 gc_mask[9] = {0x0F, 0x0F, 0x0F, 0x1F, 0x03, 0x7B, 0x0F, 0x0F, 0xFF};
#define CRTC_REGS 0x19
#define ATTR_REGS 0x15

static bool color(const Vga *v)
{
	return v->misc & 1;
}

/* ---- display timing ---- */

/* Input status 1 bits 0 (display disabled: blanking) and 3 (vertical retrace), from
 * the position of the beam at the current virtual time. The frame is derived from the
 * CRTC's totals and the dot clock selected in the misc output register, so a guest
 * polling for retrace sees it at the frame rate its mode would have (70 Hz in mode 3). */
static u8 input_status1(const Vga *v)
{
	const u8 *c = v->crtc;
	u64 hz = (v->misc >> 2 & 3) == 1 ? 28322000 : 25175000;
	u64 cw = (v->seq[1] & 1) ? 8 : 9;
	u64 htotal = (c[0] + 5u) * cw, hdisp = (c[1] + 1u) * cw;
	u32 vtotal = (c[6] | (c[7] & 0x01u) << 8 | (c[7] & 0x20u) << 4) + 2;
	u32 vdisp = (c[0x12] | (c[7] & 0x02u) << 7 | (c[7] & 0x40u) << 3) + 1;
	u32 vrs = c[0x10] | (c[7] & 0x04u) << 6 | (c[7] & 0x80u) << 2;
	u32 vrlen = ((c[0x11] & 0x0Fu) - vrs) & 0x0F; /* retrace ends when low 4 bits match */
	if (!vrlen)
		vrlen = 16;
	u64 line_ps = htotal * 1000000000000ull / hz;
	u64 frame_ps = line_ps * vtotal;
	u64 pos = (u64)((unsigned __int128)clock_now(v->clk) * 1000 % frame_ps);
	u32 line = (u32)(pos / line_ps);
	u64 dot = (pos % line_ps) * hz / 1000000000000ull;
	u8 r = 0;
	if (line >= vdisp || dot >= hdisp)
		r |= 0x01;
	if ((line >= vrs && line < vrs + vrlen) || (vrs + vrlen > vtotal && line < vrs + vrlen - vtotal))
		r |= 0x08;
	return r;
}

/* ---- ports ---- */

static u32 vga_io_read(void *ctx, u16 port, int size)
{
	Vga *v = ctx;
	bool col = color(v);
	switch (port) {
	case 0x3C0:
		return v->attr_index;
	case 0x3C1: {
		u8 i = v->attr_index & 0x1F;
		return i < ATTR_REGS ? v->attr[i] : 0;
	}
	case 0x3C2:
		return 0x00; /* input status 0: no CRT interrupt, switch sense 0 */
	case 0x3C3:
		return v->enable;
	case 0x3C4:
		return v->seq_index;
	case 0x3C5:
		return v->seq_index < 5 ? v->seq[v->seq_index] : 0xFF;
	case 0x3C6:
		return v->dac_mask;
	case 0x3C7:
		return v->dac_state;
	case 0x3C8:
		return v->dac_write;
	case 0x3C9: {
		u8 val = v->dac[v->dac_read * 3 + v->dac_comp];
		if (++v->dac_comp == 3) {
			v->dac_comp = 0;
			v->dac_read++;
		}
		return val;
	}
	case 0x3CA:
		return v->feature;
	case 0x3CC:
		return v->misc;
	case 0x3CE:
		return v->gc_index;
	case 0x3CF:
		return v->gc_index < 9 ? v->gc[v->gc_index] : 0xFF;
	case 0x3B4: case 0x3D4:
		if (col != (port == 0x3D4))
			return 0xFF;
		return v->crtc_index;
	case 0x3B5: case 0x3D5:
		if (col != (port == 0x3D5))
			return 0xFF;
		return v->crtc_index < CRTC_REGS ? v->crtc[v->crtc_index] : 0xFF;
	case 0x3BA: case 0x3DA:
		if (col != (port == 0x3DA))
			return 0xFF;
		v->attr_data = false; /* reading input status 1 resets the flip-flop */
		return input_status1(v);
	}
	return 0xFF;
}

static void attr_write(Vga *v, u8 val)
{
	if (!v->attr_data) {
		v->attr_index = val & 0x3F;
		v->attr_data = true;
		return;
	}
	v->attr_data = false;
	u8 i = v->attr_index & 0x1F;
	if (i < 0x10)
		v->attr[i] = val & 0x3F;
	else if (i == 0x10)
		v->attr[i] = val & 0xEF;
	else if (i == 0x11)
		v->attr[i] = val;
	else if (i == 0x12)
		v->attr[i] = val & 0x3F;
	else if (i < ATTR_REGS)
		v->attr[i] = val & 0x0F;
}

static void crtc_write(Vga *v, u8 val)
{
	u8 i = v->crtc_index;
	if (i >= CRTC_REGS)
		return;
	/* CR11 bit 7 protects CR0-CR7, except CR7's line compare bit 4. */
	if ((v->crtc[0x11] & 0x80) && i <= 7) {
		if (i == 7)
			v->crtc[7] = (u8)((v->crtc[7] & ~0x10) | (val & 0x10));
		return;
	}
	v->crtc[i] = val;
}

static void vga_io_write(void *ctx, u16 port, u32 val32, int size)
{
	Vga *v = ctx;
	u8 val = (u8)val32;
	bool col = color(v);
	switch (port) {
	case 0x3C0:
		attr_write(v, val);
		return;
	case 0x3C2:
		v->misc = val;
		return;
	case 0x3C3:
		v->enable = val & 1;
		return;
	case 0x3C4:
		v->seq_index = val & 7;
		return;
	case 0x3C5:
		if (v->seq_index < 5)
			v->seq[v->seq_index] = val & seq_mask[v->seq_index];
		return;
	case 0x3C6:
		v->dac_mask = val;
		return;
	case 0x3C7:
		v->dac_read = val;
		v->dac_comp = 0;
		v->dac_state = 0x03;
		return;
	case 0x3C8:
		v->dac_write = val;
		v->dac_comp = 0;
		v->dac_state = 0x00;
		return;
	case 0x3C9:
		v->dac_latch[v->dac_comp] = val & 0x3F;
		if (++v->dac_comp == 3) {
			memcpy(&v->dac[v->dac_write * 3], v->dac_latch, 3);
			v->dac_comp = 0;
			v->dac_write++;
		}
		return;
	case 0x3CE:
		v->gc_index = val & 0x0F;
		return;
	case 0x3CF:
		if (v->gc_index < 9)
			v->gc[v->gc_index] = val & gc_mask[v->gc_index];
		return;
	case 0x3B4: case 0x3D4:
		if (col == (port == 0x3D4))
			v->crtc_index = val & 0x3F;
		return;
	case 0x3B5: case 0x3D5:
		if (col == (port == 0x3D5))
			crtc_write(v, val);
		return;
	case 0x3BA: case 0x3DA:
		if (col == (port == 0x3DA))
			v->feature = val & 0x03;
		return;
	}
}

const IoOps vga_io_ops = {vga_io_read, vga_io_write, 1, "vga"};

/* ---- memory ---- */

/* The offset of addr inside the window GC 6 selects, or false if addr is outside it
 * (the adapter does not answer there). */
static bool window(const Vga *v, u32 addr, u32 *off)
{
	static const u32 base[4] = {0xA0000, 0xA0000, 0xB0000, 0xB8000};
	static const u32 size[4] = {0x20000, 0x10000, 0x08000, 0x08000};
	unsigned m = v->gc[6] >> 2 & 3;
	if (addr < base[m] || addr - base[m] >= size[m])
		return false;
	*off = addr - base[m];
	return true;
}

static u8 vga_read8(Vga *v, u32 addr)
{
	u32 a, off;
	if (!window(v, addr, &a))
		return 0xFF;
	unsigned plane;
	if (v->seq[4] & 0x08) { /* chain 4 */
		off = a >> 2;
		plane = a & 3;
	} else if (v->gc[5] & 0x10) { /* odd/even reads */
		off = a >> 1;
		plane = (v->gc[4] & 2) | (a & 1);
	} else {
		off = a;
		plane = v->gc[4] & 3;
	}
	off &= 0xFFFF;
	memcpy(v->latch, &v->vram[off * 4], 4);
	if (!(v->gc[5] & 0x08))
		return v->latch[plane];
	/* Read mode 1: 1 where every plane not "don't care" matches the compare color. */
	u8 r = 0xFF;
	for (unsigned p = 0; p < 4; p++) {
		if (!(v->gc[7] >> p & 1))
			continue;
		u8 cc = (v->gc[2] >> p & 1) ? 0xFF : 0x00;
		r &= (u8)~(v->latch[p] ^ cc);
	}
	return r;
}

static u8 ror8(u8 x, unsigned n)
{
	n &= 7;
	return n ? (u8)(x >> n | x << (8 - n)) : x;
}

static void vga_write8(Vga *v, u32 addr, u8 val)
{
	u32 a, off;
	if (!window(v, addr, &a))
		return;
	u8 planes = v->seq[2] & 0x0F;
	if (v->seq[4] & 0x08) { /* chain 4: A1:A0 pick the plane */
		off = a >> 2;
		planes &= (u8)(1u << (a & 3));
	} else if (!(v->seq[4] & 0x04)) { /* odd/even: A0 picks planes 0/2 or 1/3 */
		off = a >> 1;
		planes &= (a & 1) ? 0x0A : 0x05;
	} else {
		off = a;
	}
	off &= 0xFFFF;
	if (!planes)
		return;

	u8 d[4], bitmask = v->gc[8];
	unsigned func = v->gc[3] >> 3 & 3;
	switch (v->gc[5] & 3) {
	case 0: {
		u8 r = ror8(val, v->gc[3]);
		for (unsigned p = 0; p < 4; p++)
			d[p] = (v->gc[1] >> p & 1) ? ((v->gc[0] >> p & 1) ? 0xFF : 0) : r;
		break;
	}
	case 1: /* the latches as they are: no function, no bit mask */
		memcpy(d, v->latch, 4);
		func = 0;
		bitmask = 0xFF;
		break;
	case 2:
		for (unsigned p = 0; p < 4; p++)
			d[p] = (val >> p & 1) ? 0xFF : 0;
		break;
	default: /* 3: the rotated data ANDed with the bit mask is the mask, set/reset the data */
		bitmask &= ror8(val, v->gc[3]);
		for (unsigned p = 0; p < 4; p++)
			d[p] = (v->gc[0] >> p & 1) ? 0xFF : 0;
		break;
	}
	for (unsigned p = 0; p < 4; p++) {
		u8 x = d[p], l = v->latch[p];
		switch (func) {
		case 1: x &= l; break;
		case 2: x |= l; break;
		case 3: x ^= l; break;
		}
		x = (u8)((x & bitmask) | (l & ~bitmask));
		if (planes >> p & 1)
			v->vram[off * 4 + p] = x;
	}
}

static u32 vga_mem_read(void *ctx, u32 addr, int size)
{
	u32 val = 0;
	for (int i = 0; i < size; i++)
		val |= (u32)vga_read8(ctx, addr + (u32)i) << (8 * i);
	return val;
}

static void vga_mem_write(void *ctx, u32 addr, u32 val, int size)
{
	for (int i = 0; i < size; i++)
		vga_write8(ctx, addr + (u32)i, (u8)(val >> (8 * i)));
}

const MmioOps vga_mem_ops = {vga_mem_read, vga_mem_write, "vga-mem"};

/* ---- setup ---- */

static void clear_regs(Vga *v)
{
	v->misc = v->feature = v->enable = 0;
	v->seq_index = v->gc_index = v->crtc_index = v->attr_index = 0;
	v->attr_data = false;
	memset(v->seq, 0, sizeof(v->seq));
	memset(v->gc, 0, sizeof(v->gc));
	memset(v->crtc, 0, sizeof(v->crtc));
	memset(v->attr, 0, sizeof(v->attr));
	v->dac_mask = v->dac_read = v->dac_write = v->dac_comp = v->dac_state = 0;
	memset(v->dac_latch, 0, sizeof(v->dac_latch));
	memset(v->dac, 0, sizeof(v->dac));
	memset(v->latch, 0, sizeof(v->latch));
}

void vga_init(Vga *v, Clock *clk)
{
	memset(v, 0, sizeof(*v));
	v->clk = clk;
	PciDev *d = &v->pci;
	pci_dev_init(d, "vga", 0x1234, 0x1111, 0x02, 0x030000, 0x00);
	d->owner = v;
	pci_set_wmask16(d, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
}

void vga_reset(Vga *v)
{
	pci_dev_reset(&v->pci);
	clear_regs(v);
}

void vga_preset_mode3(Vga *v)
{
	static const u8 seq[5] = {0x03, 0x00, 0x03, 0x00, 0x02};
	static const u8 crtc[CRTC_REGS] = {0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00,
					   0x4F, 0x0D, 0x0E, 0x00, 0x00, 0x00, 0x00, 0x9C, 0x8E,
					   0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF};
	static const u8 gc[9] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x00, 0xFF};
	static const u8 attr[ATTR_REGS] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14,
					   0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D,
					   0x3E, 0x3F, 0x0C, 0x00, 0x0F, 0x08, 0x00};
	clear_regs(v);
	v->misc = 0x67;
	memcpy(v->seq, seq, sizeof(seq));
	memcpy(v->crtc, crtc, sizeof(crtc));
	memcpy(v->gc, gc, sizeof(gc));
	memcpy(v->attr, attr, sizeof(attr));
	v->attr_index = 0x20;
	v->dac_mask = 0xFF;
	for (u32 o = 0; o < 0x4000; o++) {
		v->vram[o * 4] = 0x20;
		v->vram[o * 4 + 1] = 0x07;
	}
}

/* ---- the host view ---- */

void vga_text_dump(const Vga *v, VgaText *t)
{
	const u8 *c = v->crtc;
	memset(t, 0, sizeof(*t));
	t->cursor_row = t->cursor_col = -1;
	t->graphics = v->gc[6] & 1;
	if (t->graphics)
		return;
	int cols = c[1] + 1;
	int vdisp = (c[0x12] | (c[7] & 0x02) << 7 | (c[7] & 0x40) << 3) + 1;
	int cell_h = (c[9] & 0x1F) + 1;
	int rows = vdisp / cell_h;
	if (c[9] & 0x80) /* scan doubling */
		rows /= 2;
	t->cols = MIN(cols, VGA_TEXT_MAX_COLS);
	t->rows = MIN(rows, VGA_TEXT_MAX_ROWS);
	u32 stride = c[0x13] * 2u;
	if (!stride)
		stride = (u32)cols;
	u32 start = (u32)c[0x0C] << 8 | c[0x0D];
	for (int r = 0; r < t->rows; r++) {
		for (int k = 0; k < t->cols; k++) {
			u32 off = (start + (u32)r * stride + (u32)k) & 0xFFFF;
			t->ch[r][k] = v->vram[off * 4];
			t->attr[r][k] = v->vram[off * 4 + 1];
		}
	}
	t->cursor_start = c[0x0A] & 0x1F;
	t->cursor_end = c[0x0B] & 0x1F;
	t->blink = v->attr[0x10] & 0x08;
	u32 rel = (((u32)c[0x0E] << 8 | c[0x0F]) - start) & 0xFFFF;
	u32 row = rel / stride, col = rel % stride;
	if (!(c[0x0A] & 0x20) && t->cursor_start <= t->cursor_end && row < (u32)t->rows &&
	    col < (u32)t->cols) {
		t->cursor_row = (int)row;
		t->cursor_col = (int)col;
	}
}
