/* vga.h: an IBM VGA-compatible adapter on the PCI bus, with the registers the VGA BIOS
 * programs and 256 KiB of planar video memory, plus a host-side view of the text screen.
 *
 * The PCI function is the QEMU/Bochs "standard VGA", 1234:1111, class 0x0300, with no
 * BARs but an expansion ROM: the board gives it vgabios-stdvga.bin (whose PCI data
 * structure names 1234:1111), and SeaBIOS, which without QEMU's fw_cfg finds a VGA BIOS
 * only in a PCI VGA device's ROM BAR, copies it to 0xC0000 and runs it (see
 * docs/firmware.md). The legacy ports and the 0xA0000-0xBFFFF window decode whatever the
 * command register says, as on QEMU and Bochs.
 *
 * Ports (vga_io_ops, 0x3B0-0x3DF, 48 ports, byte access; the bus splits words into
 * index/data pairs): misc output (write 0x3C2, read 0x3CC), input status 0 (0x3C2),
 * feature control (read 0x3CA, write 0x3BA/0x3DA), VGA enable 0x3C3, sequencer
 * 0x3C4/0x3C5, graphics controller 0x3CE/0x3CF, CRTC 0x3B4/0x3B5 or 0x3D4/0x3D5 (misc
 * output bit 0 picks, the other pair is not decoded), attribute controller 0x3C0 (index
 * and data through a flip-flop) and 0x3C1 (read), input status 1 at 0x3BA or 0x3DA
 * (reading it resets the flip-flop; bit 0 display disabled and bit 3 vertical retrace
 * follow virtual time from the CRTC timing registers and the dot clock), DAC 0x3C6 (pel
 * mask), 0x3C7 (read index / state), 0x3C8 (write index), 0x3C9 (data, R G B, 6 bits).
 *
 * Memory (vga_mem_ops, the board maps it at 0xA0000-0xBFFFF through the host bridge):
 * memory map select (GC 6 bits 3:2), chain 4 (plane = A1:A0), odd/even (plane = A0,
 * writes when SEQ 4 bit 2 is clear, reads when GC 5 bit 4 is set), planar; read mode 0
 * (GC 4 read map) and 1 (color compare GC 2 / don't care GC 7); write modes 0-3 with
 * rotate and logical function (GC 3), set/reset and enable (GC 0/1), bit mask (GC 8),
 * map mask (SEQ 2) and the four latches loaded by every read. Layout: byte plane p of
 * plane offset o is vram[o * 4 + p]; in odd/even mode CPU address a reaches plane offset
 * a >> 1, in chain 4 a >> 2 (so text cell k is plane 0/1 offset k, a character's glyph
 * plane 2 offset char * 32 + line, and the CRTC start address counts cells).
 *
 * Reference: IBM VGA Technical Reference (register descriptions), and Ferraro,
 * "Programmer's Guide to the EGA, VGA and Super VGA Cards" for the write-mode pipeline.
 * Not modelled: rendering pixels (graphics modes are stored, not displayed: the host
 * view is text only), light pen, the CRTC's split screen, panning and underline,
 * memory-map wrap subtleties of odd/even page select (misc bit 5), Bochs VBE/DISPI
 * (0x1CE/0x1CF: the VGA BIOS finds none and falls back to standard VGA modes), a linear
 * framebuffer. */
#ifndef VMCP_DEV_VGA_H
#define VMCP_DEV_VGA_H

#include "bus/clock.h"
#include "bus/iobus.h"
#include "bus/membus.h"
#include "dev/pci.h"

#define VGA_VRAM_SIZE (256 * 1024)
#define VGA_TEXT_MAX_ROWS 64
#define VGA_TEXT_MAX_COLS 160

typedef struct Vga {
	PciDev pci;
	Clock *clk;
	u8 misc, feature, enable;
	u8 seq_index, seq[8];
	u8 gc_index, gc[16];
	u8 crtc_index, crtc[64];
	u8 attr_index;  /* bits 4:0 index, bit 5 palette address source (screen on) */
	bool attr_data; /* flip-flop: the next 0x3C0 write is data */
	u8 attr[32];
	u8 dac_mask, dac_read, dac_write, dac_comp, dac_state;
	u8 dac_latch[3];
	u8 dac[256 * 3];
	u8 latch[4];
	u8 vram[VGA_VRAM_SIZE];
} Vga;

/* The text screen as a curses console wants it. */
typedef struct VgaText {
	bool graphics;    /* a graphics mode is set: no text (rows = cols = 0) */
	int rows, cols;   /* from the CRTC, capped at VGA_TEXT_MAX_* */
	int cursor_row, cursor_col; /* -1, -1 when the cursor is off or not on the screen */
	u8 cursor_start, cursor_end; /* scan lines of the cursor within a cell */
	bool blink;       /* attribute bit 7 means blink (else bright background) */
	u8 ch[VGA_TEXT_MAX_ROWS][VGA_TEXT_MAX_COLS];   /* code page 437 */
	u8 attr[VGA_TEXT_MAX_ROWS][VGA_TEXT_MAX_COLS]; /* bits 3:0 fg, 6:4 bg, 7 blink */
} VgaText;

/* Ports 0x3B0-0x3DF: io_map(io, 0x3B0, 48, &vga_io_ops, &vm->vga). */
extern const IoOps vga_io_ops;
/* The 0xA0000-0xBFFFF window (128 KiB), receiving physical addresses. */
extern const MmioOps vga_mem_ops;

/* Sets up the adapter in its power-on state (registers zero, memory zero) and its PCI
 * function (register it at PCI_DEVFN(2, 0); give it the VGA BIOS with pci_dev_set_rom). */
void vga_init(Vga *v, Clock *clk);
/* Hard reset: registers back to zero; video memory keeps its contents. */
void vga_reset(Vga *v);
/* Programs the registers as the VGA BIOS sets mode 3 (80x25 colour text, B8000, 16
 * colours), without loading a font: for boots that skip the BIOS (direct Linux boot,
 * raw ROMs) and whose screen is read through vga_text_dump. Clears the screen to
 * white-on-black blanks. */
void vga_preset_mode3(Vga *v);

/* Reads the current text screen: start address, rows and columns from the CRTC, the
 * characters and attributes, the cursor. */
void vga_text_dump(const Vga *v, VgaText *t);

#endif
