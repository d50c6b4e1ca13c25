/* vga_test.c: the VGA through its ports and its 0xA0000-0xBFFFF window on real buses:
 * register read-back (masks, CRTC write protect, mono/colour decode), the attribute
 * controller's flip-flop, the DAC's auto-increment, mode 3 programmed from the BIOS
 * table and text written at 0xB8000 read back through vga_text_dump (rows, columns,
 * start address, cursor, CP437 to UTF-8), font loading into plane 2 the way SeaVGABIOS
 * does it, write modes 0-3 and read modes 0/1 with the latches in a planar mode, chain
 * 4, memory map select, input status 1 retrace/blanking at exact virtual times, the PCI
 * function and its ROM, and garbage input. */
#include <stdlib.h>
#include <string.h>

#include "bus/clock.h"
#include "bus/iobus.h"
#include "bus/membus.h"
#include "dev/pci.h"
#include "cp/screen.h"
#include "dev/vga.h"
#include "../test.h"
#include "pcitest.h"

typedef struct Board {
	IoBus *io;
	MemBus mem;
	Clock clk;
	PciBus pci;
	Vga *vga;
	VgaText text;
} Board;

static Board *board_new(void)
{
	Board *b = calloc(1, sizeof(*b));
	b->io = pcitest_buses(&b->mem, 2 * MiB, &b->clk, &b->pci);
	b->vga = malloc(sizeof(*b->vga));
	vga_init(b->vga, &b->clk);
	io_map(b->io, 0x3B0, 48, &vga_io_ops, b->vga);
	mem_map_mmio(&b->mem, 0xA0000, 0x20000, &vga_mem_ops, b->vga);
	pci_register(&b->pci, &b->vga->pci, PCI_DEVFN(2, 0));
	return b;
}

static void board_free(Board *b)
{
	pci_dev_free(&b->vga->pci);
	mem_free(&b->mem);
	free(b->vga);
	free(b->io);
	free(b);
}

static void outb(Board *b, u16 port, u8 v) { io_write(b->io, port, v, 1); }
static u8 inb(Board *b, u16 port) { return (u8)io_read(b->io, port, 1); }
static void outw(Board *b, u16 port, u16 v) { io_write(b->io, port, v, 2); }
static void wb(Board *b, u32 a, u8 v) { mem_write(&b->mem, a, v, 1); }
static u8 rb(Board *b, u32 a) { return (u8)mem_read(&b->mem, a, 1); }

/* Mode 3 as SeaVGABIOS's stdvga_set_mode programs it from its table. */
static void set_mode3(Board *b)
{
	static const u8 seq[4] = {0x00, 0x03, 0x00, 0x02};
	static const u8 crtc[25] = {0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00,
				    0x4F, 0x0D, 0x0E, 0x00, 0x00, 0x00, 0x00, 0x9C, 0x8E,
				    0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF};
	static const u8 gc[9] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x00, 0xFF};
	static const u8 attr[20] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39,
				    0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x0C, 0x00, 0x0F, 0x08};
	outb(b, 0x3C6, 0xFF);
	inb(b, 0x3DA);
	inb(b, 0x3BA);
	for (int i = 0; i < 20; i++) {
		outb(b, 0x3C0, (u8)i);
		outb(b, 0x3C0, attr[i]);
	}
	outb(b, 0x3C0, 0x14);
	outb(b, 0x3C0, 0x00);
	outb(b, 0x3C4, 0);
	outb(b, 0x3C5, 0x03);
	for (int i = 1; i <= 4; i++) {
		outb(b, 0x3C4, (u8)i);
		outb(b, 0x3C5, seq[i - 1]);
	}
	for (int i = 0; i <= 8; i++) {
		outb(b, 0x3CE, (u8)i);
		outb(b, 0x3CF, gc[i]);
	}
	outb(b, 0x3C2, 0x67); /* misc first here so that 0x3D4 decodes */
	outw(b, 0x3D4, 0x0011); /* unprotect */
	for (int i = 0; i < 25; i++) {
		outb(b, 0x3D4, (u8)i);
		outb(b, 0x3D5, crtc[i]);
	}
	inb(b, 0x3DA);
	outb(b, 0x3C0, 0x20); /* screen on */
}

static void test_registers(void)
{
	Board *b = board_new();
	/* Misc output: written at 0x3C2, read at 0x3CC. */
	outb(b, 0x3C2, 0x67);
	CHECK_EQ(inb(b, 0x3CC), 0x67);
	/* Sequencer and graphics controller: index read-back and per-register masks. */
	outw(b, 0x3C4, 0xFF04); /* word write: index then data */
	CHECK_EQ(inb(b, 0x3C4), 0x04);
	CHECK_EQ(inb(b, 0x3C5), 0x0E);
	outb(b, 0x3C4, 0x0A); /* index is 3 bits */
	CHECK_EQ(inb(b, 0x3C4), 0x02);
	outb(b, 0x3C5, 0xF3);
	CHECK_EQ(inb(b, 0x3C5), 0x03);
	outw(b, 0x3CE, 0xFF05);
	CHECK_EQ(inb(b, 0x3CF), 0x7B);
	outw(b, 0x3CE, 0xA508);
	CHECK_EQ(inb(b, 0x3CF), 0xA5);
	outb(b, 0x3CE, 0x09); /* no register 9 */
	CHECK_EQ(inb(b, 0x3CF), 0xFF);
	/* CRTC at 0x3D4 while misc bit 0 is set; 0x3B4 is then not decoded. */
	outw(b, 0x3D4, 0x550E);
	CHECK_EQ(inb(b, 0x3D4), 0x0E);
	CHECK_EQ(inb(b, 0x3D5), 0x55);
	CHECK_EQ(inb(b, 0x3B5), 0xFF);
	outw(b, 0x3B4, 0x660E); /* ignored */
	outb(b, 0x3D4, 0x0E);
	CHECK_EQ(inb(b, 0x3D5), 0x55);
	/* Monochrome addressing: the pairs swap. */
	outb(b, 0x3C2, 0x66);
	CHECK_EQ(inb(b, 0x3D5), 0xFF);
	CHECK_EQ(inb(b, 0x3B5), 0x55);
	outb(b, 0x3C2, 0x67);
	/* CR11 bit 7 protects CR0-7 (except CR7 bit 4). */
	outw(b, 0x3D4, 0x8011);
	outw(b, 0x3D4, 0x5F00);
	CHECK_EQ(inb(b, 0x3D5), 0x00);
	outw(b, 0x3D4, 0xFF07);
	CHECK_EQ(inb(b, 0x3D5), 0x10);
	outw(b, 0x3D4, 0x4F09); /* CR9 is not protected */
	CHECK_EQ(inb(b, 0x3D5), 0x4F);
	outw(b, 0x3D4, 0x0011);
	outw(b, 0x3D4, 0x5F00);
	CHECK_EQ(inb(b, 0x3D5), 0x5F);
	/* Feature control: written at 0x3DA (colour), read at 0x3CA. */
	outb(b, 0x3DA, 0x03);
	CHECK_EQ(inb(b, 0x3CA), 0x03);
	outb(b, 0x3BA, 0x00); /* mono port, not decoded in colour mode */
	CHECK_EQ(inb(b, 0x3CA), 0x03);
	/* DAC: write index, R G B auto-increment, read index. */
	outb(b, 0x3C8, 0xFE);
	for (int i = 0; i < 6; i++)
		outb(b, 0x3C9, (u8)(0x41 + i));
	CHECK_EQ(inb(b, 0x3C8), 0x00); /* wrapped past 0xFF */
	CHECK_EQ(inb(b, 0x3C7), 0x00); /* write mode */
	outb(b, 0x3C7, 0xFE);
	CHECK_EQ(inb(b, 0x3C7), 0x03);
	u8 rgb[6];
	for (int i = 0; i < 6; i++)
		rgb[i] = inb(b, 0x3C9);
	CHECK_EQ(rgb[0], 0x01); /* 6 bits */
	CHECK_EQ(rgb[5], 0x06);
	CHECK_EQ(rgb[3], 0x04);
	outb(b, 0x3C6, 0x0F);
	CHECK_EQ(inb(b, 0x3C6), 0x0F);
	/* Unused ports in the range. */
	CHECK_EQ(inb(b, 0x3B0), 0xFF);
	CHECK_EQ(inb(b, 0x3DF), 0xFF);
	board_free(b);
}

static void test_attr_flipflop(void)
{
	Board *b = board_new();
	outb(b, 0x3C2, 0x67);
	inb(b, 0x3DA);
	outb(b, 0x3C0, 0x05); /* index */
	outb(b, 0x3C0, 0x2A); /* data */
	outb(b, 0x3C0, 0x06); /* index again */
	outb(b, 0x3C0, 0xFF); /* data, masked to 6 bits */
	CHECK_EQ(inb(b, 0x3C0), 0x06);
	CHECK_EQ(inb(b, 0x3C1), 0x3F);
	outb(b, 0x3C0, 0x05);
	CHECK_EQ(inb(b, 0x3C1), 0x2A);
	/* Flip-flop now at data: a write goes to register 5... */
	outb(b, 0x3C0, 0x11);
	outb(b, 0x3C0, 0x05);
	CHECK_EQ(inb(b, 0x3C1), 0x11);
	/* ...unless input status 1 is read first, which resets it to index. */
	inb(b, 0x3DA);
	outb(b, 0x3C0, 0x31); /* index 0x11 with PAS */
	outb(b, 0x3C0, 0x99); /* overscan */
	CHECK_EQ(inb(b, 0x3C0), 0x31);
	CHECK_EQ(inb(b, 0x3C1), 0x99);
	outb(b, 0x3C0, 0x05);
	CHECK_EQ(inb(b, 0x3C1), 0x11);
	/* In colour mode 0x3BA is not input status 1: it does not reset the flip-flop. */
	inb(b, 0x3DA);
	outb(b, 0x3C0, 0x05);
	CHECK_EQ(inb(b, 0x3BA), 0xFF);
	outb(b, 0x3C0, 0x22); /* still data */
	CHECK_EQ(inb(b, 0x3C1), 0x22);
	/* Mono mode: 0x3BA resets. */
	outb(b, 0x3C2, 0x66);
	outb(b, 0x3C0, 0x05);
	inb(b, 0x3BA);
	outb(b, 0x3C0, 0x07);
	outb(b, 0x3C0, 0x15);
	outb(b, 0x3C0, 0x07);
	CHECK_EQ(inb(b, 0x3C1), 0x15);
	/* Registers above 0x14 do not exist. */
	inb(b, 0x3BA);
	outb(b, 0x3C0, 0x1F);
	outb(b, 0x3C0, 0x12);
	CHECK_EQ(inb(b, 0x3C1), 0x00);
	board_free(b);
}

static void test_text(void)
{
	Board *b = board_new();
	set_mode3(b);
	/* Clear as the BIOS does (word 0x0720 everywhere), then write text. */
	for (u32 a = 0xB8000; a < 0xC0000; a += 2)
		mem_write(&b->mem, a, 0x0720, 2);
	const char *hello = "Hello, VGA";
	for (u32 i = 0; hello[i]; i++)
		mem_write(&b->mem, 0xB8000 + 2 * i, 0x1F00u | (u8)hello[i], 2);
	/* Row 24, last column, and box drawing on row 1. */
	wb(b, 0xB8000 + (24 * 80 + 79) * 2, 'Z');
	wb(b, 0xB8000 + 160, 0xC9);
	wb(b, 0xB8000 + 162, 0xCD);
	wb(b, 0xB8000 + 164, 0xBB);
	/* Cursor at row 2, column 5. */
	outw(b, 0x3D4, 0x000E);
	outw(b, 0x3D4, (u16)((2 * 80 + 5) << 8 | 0x0F));
	/* Text reads back through the window (odd/even). */
	CHECK_EQ(rb(b, 0xB8000), 'H');
	CHECK_EQ(rb(b, 0xB8001), 0x1F);
	CHECK_EQ(mem_read(&b->mem, 0xB8002, 2), 0x1F00u | 'e');
	/* The cells sit in planes 0 and 1 at offset = cell; plane 2 untouched. */
	CHECK_EQ(b->vga->vram[1 * 4 + 0], 'e');
	CHECK_EQ(b->vga->vram[1 * 4 + 1], 0x1F);
	CHECK_EQ(b->vga->vram[1 * 4 + 2], 0);

	vga_text_dump(b->vga, &b->text);
	CHECK(!b->text.graphics, "text mode");
	CHECK_EQ(b->text.rows, 25);
	CHECK_EQ(b->text.cols, 80);
	CHECK_EQ(b->text.ch[0][0], 'H');
	CHECK_EQ(b->text.attr[0][0], 0x1F);
	CHECK_EQ(b->text.attr[0][20], 0x07);
	CHECK_EQ(b->text.ch[24][79], 'Z');
	CHECK_EQ(b->text.cursor_row, 2);
	CHECK_EQ(b->text.cursor_col, 5);
	CHECK_EQ(b->text.cursor_start, 0x0D);
	CHECK_EQ(b->text.cursor_end, 0x0E);
	CHECK(b->text.blink, "mode 3 has blink on");
	static char out[8192];
	size_t n = screen_text(&b->text, out, sizeof(out), 0);
	const char *expect_head = "Hello, VGA\n\xE2\x95\x94\xE2\x95\x90\xE2\x95\x97\n\n";
	CHECK(strncmp(out, expect_head, strlen(expect_head)) == 0, "dump head: %.40s", out);
	int lines = 0;
	for (size_t i = 0; i < n; i++)
		lines += out[i] == '\n';
	CHECK_EQ(lines, 25);
	CHECK_EQ(n, strlen(out));
	CHECK(n >= 2 && strcmp(out + n - 2, "Z\n") == 0, "last line");
	n = screen_text(&b->text, out, sizeof(out), SCREEN_ASCII);
	CHECK(strncmp(out, "Hello, VGA\n???\n", 15) == 0, "ascii dump");
	/* Truncation as snprintf. */
	char small[8];
	CHECK_EQ(screen_text(&b->text, small, sizeof(small), SCREEN_ASCII), n);
	CHECK(strcmp(small, "Hello, ") == 0, "truncated");

	/* Cursor off (CR0A bit 5). */
	outw(b, 0x3D4, 0x2D0A);
	vga_text_dump(b->vga, &b->text);
	CHECK_EQ(b->text.cursor_row, -1);
	outw(b, 0x3D4, 0x0D0A);
	/* Page 1: the BIOS sets start address 0x800 cells for offset 0x1000. */
	const char *p1 = "page one";
	for (u32 i = 0; p1[i]; i++)
		wb(b, 0xB9000 + 2 * i, (u8)p1[i]);
	outw(b, 0x3D4, 0x080C);
	outw(b, 0x3D4, 0x000D);
	vga_text_dump(b->vga, &b->text);
	n = screen_text(&b->text, out, sizeof(out), SCREEN_ASCII);
	CHECK(strncmp(out, "page one\n", 9) == 0, "page 1: %.20s", out);
	CHECK_EQ(b->text.cursor_row, -1); /* the cursor is on page 0 */

	/* The preset (for boots without a BIOS) gives the same geometry, blank. */
	vga_preset_mode3(b->vga);
	vga_text_dump(b->vga, &b->text);
	CHECK_EQ(b->text.rows, 25);
	CHECK_EQ(b->text.cols, 80);
	CHECK_EQ(screen_text(&b->text, out, sizeof(out), 0), 25);
	wb(b, 0xB8000, 'A');
	vga_text_dump(b->vga, &b->text);
	CHECK_EQ(b->text.ch[0][0], 'A');
	CHECK_EQ(b->text.attr[0][0], 0x07);
	/* A graphics mode has no text. */
	outw(b, 0x3CE, 0x0506);
	vga_text_dump(b->vga, &b->text);
	CHECK(b->text.graphics, "graphics");
	CHECK_EQ(b->text.rows, 0);
	CHECK_EQ(screen_cp437(0xDB), 0x2588);
	CHECK_EQ(screen_cp437(0x01), 0x263A);
	CHECK_EQ(screen_cp437('a'), 'a');
	char enc[3];
	CHECK(screen_cp437_utf8(0xDB, enc) == 3 && !memcmp(enc, "\xE2\x96\x88", 3), "CP437 DBh in UTF-8");
	CHECK(screen_cp437_utf8(0x82, enc) == 2 && !memcmp(enc, "\xC3\xA9", 2), "CP437 82h in UTF-8");
	CHECK(screen_cp437_utf8('a', enc) == 1 && enc[0] == 'a', "CP437 'a' in UTF-8");
	CHECK(screen_cp437_utf8(0, enc) == 1 && enc[0] == ' ', "CP437 NUL shows as a space");
	board_free(b);
}

static void test_font(void)
{
	Board *b = board_new();
	set_mode3(b);
	mem_write(&b->mem, 0xB8000, 0x0741, 2); /* an 'A' on screen */
	/* SeaVGABIOS get_font_access. */
	outw(b, 0x3C4, 0x0100);
	outw(b, 0x3C4, 0x0402);
	outw(b, 0x3C4, 0x0704);
	outw(b, 0x3C4, 0x0300);
	outw(b, 0x3CE, 0x0204);
	outw(b, 0x3CE, 0x0005);
	outw(b, 0x3CE, 0x0406);
	/* Glyph of 'A' (0x41), 16 lines, at 32 bytes per character. */
	for (u32 l = 0; l < 16; l++)
		wb(b, 0xA0000 + 0x41 * 32 + l, (u8)(0x80 | l));
	CHECK_EQ(rb(b, 0xA0000 + 0x41 * 32 + 3), 0x83); /* read map 2 */
	/* release_font_access. */
	outw(b, 0x3C4, 0x0100);
	outw(b, 0x3C4, 0x0302);
	outw(b, 0x3C4, 0x0304);
	outw(b, 0x3C4, 0x0300);
	u16 v = (inb(b, 0x3CC) & 1) ? 0x0E : 0x0A;
	outw(b, 0x3CE, (u16)(v << 8 | 0x06));
	outw(b, 0x3CE, 0x0004);
	outw(b, 0x3CE, 0x1005);
	/* The glyph is in plane 2 only; the text in planes 0/1 is intact. */
	for (u32 l = 0; l < 16; l++)
		CHECK_EQ(b->vga->vram[(0x41 * 32 + l) * 4 + 2], 0x80 | l);
	CHECK_EQ(b->vga->vram[(0x41 * 32 + 3) * 4 + 0], 0);
	CHECK_EQ(b->vga->vram[(0x41 * 32 + 3) * 4 + 1], 0);
	CHECK_EQ(mem_read(&b->mem, 0xB8000, 2), 0x0741);
	CHECK_EQ(rb(b, 0xA0000), 0xFF); /* outside the B8000 window now */
	board_free(b);
}

/* A planar 16-colour setup (mode 12h's memory registers). */
static void set_planar(Board *b)
{
	outb(b, 0x3C2, 0xE3);
	outw(b, 0x3C4, 0x0F02); /* all planes */
	outw(b, 0x3C4, 0x0604); /* odd/even off, chain 4 off */
	outw(b, 0x3CE, 0x0506); /* graphics, A0000 64K */
	outw(b, 0x3CE, 0x0005); /* write mode 0, read mode 0 */
	outw(b, 0x3CE, 0xFF08);
	outw(b, 0x3CE, 0x0003);
	outw(b, 0x3CE, 0x0001);
}

static u8 plane(Board *b, u32 off, int p)
{
	return b->vga->vram[off * 4 + (u32)p];
}

static void test_write_read_modes(void)
{
	Board *b = board_new();
	set_planar(b);
	/* Write mode 0, plain: the byte goes to every plane in the map mask. */
	wb(b, 0xA0010, 0x3C);
	for (int p = 0; p < 4; p++)
		CHECK_EQ(plane(b, 0x10, p), 0x3C);
	/* Map mask: planes 1 and 3 only. */
	outw(b, 0x3C4, 0x0A02);
	wb(b, 0xA0010, 0xC3);
	CHECK_EQ(plane(b, 0x10, 0), 0x3C);
	CHECK_EQ(plane(b, 0x10, 1), 0xC3);
	CHECK_EQ(plane(b, 0x10, 3), 0xC3);
	outw(b, 0x3C4, 0x0F02);
	/* Read mode 0 with the read map select. */
	outw(b, 0x3CE, 0x0104);
	CHECK_EQ(rb(b, 0xA0010), 0xC3);
	outw(b, 0x3CE, 0x0204);
	CHECK_EQ(rb(b, 0xA0010), 0x3C);
	/* Set/reset: planes 0 and 2 from set/reset value 0101b, others from the data. */
	outw(b, 0x3CE, 0x0500); /* set/reset value */
	outw(b, 0x3CE, 0x0F01); /* enable all */
	wb(b, 0xA0020, 0x12);
	CHECK_EQ(plane(b, 0x20, 0), 0xFF);
	CHECK_EQ(plane(b, 0x20, 1), 0x00);
	CHECK_EQ(plane(b, 0x20, 2), 0xFF);
	CHECK_EQ(plane(b, 0x20, 3), 0x00);
	outw(b, 0x3CE, 0x0501); /* enable only planes 0 and 2 */
	wb(b, 0xA0021, 0x12);
	CHECK_EQ(plane(b, 0x21, 0), 0xFF);
	CHECK_EQ(plane(b, 0x21, 1), 0x12);
	CHECK_EQ(plane(b, 0x21, 3), 0x12);
	outw(b, 0x3CE, 0x0001);
	/* Rotate by 4. */
	outw(b, 0x3CE, 0x0403);
	wb(b, 0xA0022, 0x12);
	CHECK_EQ(plane(b, 0x22, 0), 0x21);
	outw(b, 0x3CE, 0x0003);
	/* Bit mask keeps the latched bits: latch offset 0x10 (3C C3 3C C3), then write
	 * 0xFF with bit mask 0x0F to the same address. */
	(void)rb(b, 0xA0010);
	CHECK_EQ(b->vga->latch[1], 0xC3);
	outw(b, 0x3CE, 0x0F08);
	wb(b, 0xA0010, 0xFF);
	CHECK_EQ(plane(b, 0x10, 0), 0x3F);
	CHECK_EQ(plane(b, 0x10, 1), 0xCF);
	outw(b, 0x3CE, 0xFF08);
	/* Logical functions against the latches (latch plane 0 = 0x3F after a read). */
	(void)rb(b, 0xA0010);
	outw(b, 0x3CE, 0x0803); /* AND */
	wb(b, 0xA0030, 0xF0);
	CHECK_EQ(plane(b, 0x30, 0), 0x30);
	outw(b, 0x3CE, 0x1003); /* OR */
	wb(b, 0xA0031, 0xC0);
	CHECK_EQ(plane(b, 0x31, 0), 0xFF);
	outw(b, 0x3CE, 0x1803); /* XOR */
	wb(b, 0xA0032, 0xFF);
	CHECK_EQ(plane(b, 0x32, 0), 0xC0);
	CHECK_EQ(plane(b, 0x32, 1), 0x30); /* latch plane 1 = 0xCF */
	outw(b, 0x3CE, 0x0003);
	/* Write mode 1: copy the latches (a 4-plane byte copy). */
	(void)rb(b, 0xA0010);
	outw(b, 0x3CE, 0x0105);
	wb(b, 0xA0040, 0x00);
	for (int p = 0; p < 4; p++)
		CHECK_EQ(plane(b, 0x40, p), plane(b, 0x10, p));
	/* Write mode 2: data bits 3:0 are the colour, bit mask selects pixels. */
	outw(b, 0x3CE, 0x0205);
	(void)rb(b, 0xA0050); /* latches: zeros */
	outw(b, 0x3CE, 0x8108);
	wb(b, 0xA0050, 0x0A);
	CHECK_EQ(plane(b, 0x50, 0), 0x00);
	CHECK_EQ(plane(b, 0x50, 1), 0x81);
	CHECK_EQ(plane(b, 0x50, 2), 0x00);
	CHECK_EQ(plane(b, 0x50, 3), 0x81);
	/* Write mode 3: set/reset is the colour, rotated data AND bit mask the mask. */
	outw(b, 0x3CE, 0x0305);
	outw(b, 0x3CE, 0x0C00); /* colour 1100b */
	outw(b, 0x3CE, 0xF008);
	(void)rb(b, 0xA0050); /* latches 00 81 00 81 */
	wb(b, 0xA0050, 0x3C); /* mask = 0xF0 & 0x3C = 0x30 */
	CHECK_EQ(plane(b, 0x50, 0), 0x00);
	CHECK_EQ(plane(b, 0x50, 1), 0x81);
	CHECK_EQ(plane(b, 0x50, 2), 0x30);
	CHECK_EQ(plane(b, 0x50, 3), 0xB1);
	outw(b, 0x3CE, 0x0005);
	outw(b, 0x3CE, 0xFF08);
	outw(b, 0x3CE, 0x0000);
	/* Read mode 1: colour compare. Offset 0x50 holds planes 00 81 30 B1: pixel bits
	 * 7,0 are colour 1010b, bits 5,4 are 1100b, bits 3..1 are 0000b... */
	outw(b, 0x3CE, 0x0805);
	outw(b, 0x3CE, 0x0A02); /* compare with 1010b */
	outw(b, 0x3CE, 0x0F07); /* all planes matter */
	CHECK_EQ(rb(b, 0xA0050), 0x81);
	outw(b, 0x3CE, 0x0C02);
	CHECK_EQ(rb(b, 0xA0050), 0x30);
	outw(b, 0x3CE, 0x0002);
	CHECK_EQ(rb(b, 0xA0050), 0x4E);
	outw(b, 0x3CE, 0x0307); /* only planes 0 and 1: colour xx00 */
	CHECK_EQ(rb(b, 0xA0050), 0x7E);
	outw(b, 0x3CE, 0x0007); /* nothing matters: all match */
	CHECK_EQ(rb(b, 0xA0050), 0xFF);
	CHECK_EQ(b->vga->latch[3], 0xB1); /* read mode 1 loads the latches too */
	board_free(b);
}

static void test_chain4_and_windows(void)
{
	Board *b = board_new();
	/* Mode 13h memory: chain 4, A0000 64K. */
	outw(b, 0x3C4, 0x0F02);
	outw(b, 0x3C4, 0x0E04);
	outw(b, 0x3CE, 0x4005);
	outw(b, 0x3CE, 0x0506);
	outw(b, 0x3CE, 0xFF08);
	for (u32 i = 0; i < 8; i++)
		wb(b, 0xA0000 + i, (u8)(0x10 + i));
	CHECK_EQ(plane(b, 0, 0), 0x10);
	CHECK_EQ(plane(b, 0, 3), 0x13);
	CHECK_EQ(plane(b, 1, 1), 0x15);
	for (u32 i = 0; i < 8; i++)
		CHECK_EQ(rb(b, 0xA0000 + i), 0x10 + i);
	CHECK_EQ(mem_read(&b->mem, 0xA0004, 4), 0x17161514u);
	CHECK_EQ(rb(b, 0xB0000), 0xFF); /* outside the 64K window */
	wb(b, 0xB0000, 0x99);           /* ignored */
	/* Memory map 0: 128 KiB from A0000, B0000 now inside (offset 0x10000). */
	outw(b, 0x3CE, 0x0106);
	wb(b, 0xB0000, 0x99);
	CHECK_EQ(plane(b, 0x4000, 0), 0x99);
	CHECK_EQ(rb(b, 0xB0000), 0x99);
	/* Map 2: B0000-B7FFF. */
	outw(b, 0x3CE, 0x0906);
	CHECK_EQ(rb(b, 0xA0000), 0xFF);
	CHECK_EQ(rb(b, 0xB0000), 0x10);
	CHECK_EQ(rb(b, 0xB8000), 0xFF);
	board_free(b);
}

static void test_retrace(void)
{
	Board *b = board_new();
	set_mode3(b);
	/* Mode 3: 900 dots per line at 28.322 MHz (31777416 ps), 449 lines per frame,
	 * display 720 dots x 400 lines, vertical retrace lines 412-413. */
	const u64 line_ps = 31777416, frame_ps = line_ps * 449;
	struct { u64 line, dot; u8 expect; } pts[] = {
		{0, 719, 0x00},   /* the last visible dot of the first line */
		{100, 10, 0x00},  /* visible */
		{100, 800, 0x01}, /* horizontal blanking */
		{405, 10, 0x01},  /* vertical blanking, before retrace */
		{412, 10, 0x09},  /* retrace */
		{413, 850, 0x09},
		{414, 10, 0x01},  /* after retrace */
	};
	for (u64 frame = 0; frame < 3; frame++) {
		for (size_t i = 0; i < ARRAY_SIZE(pts); i++) {
			/* The middle of the dot, in ns, rounded up. */
			u64 ps = frame * frame_ps + pts[i].line * line_ps +
				 (pts[i].dot * 1000000000000ull + 500000000000ull) / 28322000;
			clock_advance_to(&b->clk, (ps + 999) / 1000);
			u8 st = inb(b, 0x3DA);
			CHECK(st == pts[i].expect, "frame %llu line %llu dot %llu: %02x",
			      (unsigned long long)frame, (unsigned long long)pts[i].line,
			      (unsigned long long)pts[i].dot, st);
		}
	}
	/* Retrace occupies 2 of 449 lines: poll a frame in 1 us steps and count. */
	u64 t0 = clock_now(&b->clk), in = 0, samples = 0;
	for (u64 t = 0; t < frame_ps / 1000; t += 1000, samples++) {
		clock_advance_to(&b->clk, t0 + t);
		in += inb(b, 0x3DA) >> 3 & 1;
	}
	CHECK(in >= 62 && in <= 65, "retrace samples %llu of %llu", (unsigned long long)in,
	      (unsigned long long)samples);
	/* Power-on registers (all zero) still give a sane answer, no division by zero. */
	vga_reset(b->vga);
	outb(b, 0x3C2, 0x01);
	(void)inb(b, 0x3DA);
	board_free(b);
}

static void test_pci(void)
{
	Board *b = board_new();
	u8 rom[39936];
	memset(rom, 0, sizeof(rom));
	rom[0] = 0x55;
	rom[1] = 0xAA;
	rom[2] = sizeof(rom) / 512;
	CHECK_EQ(pci_dev_set_rom(&b->vga->pci, rom, sizeof(rom)), 0);
	CHECK_EQ(pci_cfg_read(&b->pci, PCI_BDF(0, 2, 0), 0, 4), 0x11111234u);
	CHECK_EQ(pci_cfg_read(&b->pci, PCI_BDF(0, 2, 0), 0x0A, 2), 0x0300);
	/* SeaBIOS sizes BARs 0-5 (none) and the ROM (64 KiB). */
	pci_cfg_write(&b->pci, PCI_BDF(0, 2, 0), 0x10, 0xFFFFFFFFu, 4);
	CHECK_EQ(pci_cfg_read(&b->pci, PCI_BDF(0, 2, 0), 0x10, 4), 0);
	pci_cfg_write(&b->pci, PCI_BDF(0, 2, 0), 0x30, 0xFFFFF800u, 4);
	CHECK_EQ(pci_cfg_read(&b->pci, PCI_BDF(0, 2, 0), 0x30, 4), 0xFFFF0000u);
	pci_cfg_write(&b->pci, PCI_BDF(0, 2, 0), 0x30, 0xFEBF0000u, 4);
	pci_cfg_write(&b->pci, PCI_BDF(0, 2, 0), 0x04, 0x0103, 2);
	CHECK_EQ(pci_cfg_read(&b->pci, PCI_BDF(0, 2, 0), 0x04, 2), 0x0003);
	CHECK_EQ(mem_read(&b->mem, 0xFEBF0000u, 2), 0xFFFF); /* enable bit clear */
	pci_cfg_write(&b->pci, PCI_BDF(0, 2, 0), 0x30, 0xFEBF0001u, 4);
	CHECK_EQ(mem_read(&b->mem, 0xFEBF0000u, 2), 0xAA55);
	CHECK_EQ(mem_read(&b->mem, 0xFEBF0002u, 1), 78);
	CHECK_EQ(mem_read(&b->mem, 0xFEBFFFFFu, 1), 0xFF);
	board_free(b);
}

static void test_garbage(void)
{
	Board *b = board_new();
	u32 x = 12345;
	for (int i = 0; i < 200000; i++) {
		x = x * 1103515245u + 12345u;
		u32 r = x >> 8;
		if (i & 1)
			outb(b, (u16)(0x3B0 + r % 48), (u8)(r >> 8));
		else
			(void)inb(b, (u16)(0x3B0 + r % 48));
		x = x * 1103515245u + 12345u;
		u32 a = 0xA0000 + (x >> 4) % 0x20000;
		if (x & 1)
			wb(b, a, (u8)x);
		else
			(void)rb(b, a);
		clock_advance_to(&b->clk, clock_now(&b->clk) + (x & 0xFFF));
	}
	vga_text_dump(b->vga, &b->text);
	CHECK(b->text.rows <= VGA_TEXT_MAX_ROWS && b->text.cols <= VGA_TEXT_MAX_COLS,
	      "dump within bounds");
	char buf[64];
	screen_text(&b->text, buf, sizeof(buf), 0);
	CHECK(strlen(buf) < sizeof(buf), "terminated");
	board_free(b);
}

int main(void)
{
	test_registers();
	test_attr_flipflop();
	test_text();
	test_font();
	test_write_read_modes();
	test_chain4_and_windows();
	test_retrace();
	test_pci();
	test_garbage();
	return test_summary();
}
