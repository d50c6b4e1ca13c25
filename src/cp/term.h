/* term.h: a VM's console on a host terminal, as `vmcp ipl` and `vmcp attach` show it:
 *  - serial: the guest's COM1 bytes to the terminal, raw (like QEMU's -nographic);
 *  - vga: the text screen drawn with ANSI escapes when it changes (like QEMU's curses
 *    display);
 * and the CP prompt (VMCP510I CP READ) with a small line editor: in raw mode the
 * terminal delivers every key, so Ctrl-] at the prompt returns to the guest at once
 * instead of becoming command text. stdin may be a pipe (scripts, tests): then nothing
 * is echoed and the bytes are taken as they come. */
#ifndef VMCP_CP_TERM_H
#define VMCP_CP_TERM_H

#include <stdio.h>
#include <termios.h>

#include "base/base.h"
#include "dev/vga.h"

#define TERM_ESCAPE 0x1D /* Ctrl-]: from the guest to the CP prompt, and back */
#define TERM_LINE_MAX 512

typedef struct Term {
	bool tty;          /* stdin is a terminal, in raw mode while open */
	bool open;
	struct termios saved;
	bool vga;          /* the console shows the VGA text screen (else COM1) */
	bool line_start;   /* the terminal's cursor is at the start of a line */
	VgaText shown;     /* the screen as last drawn */
	bool shown_valid;
	bool prompt;       /* at the CP prompt: input goes to the line editor */
	char line[TERM_LINE_MAX];
	size_t linelen;
	int skip;          /* bytes of an escape sequence still to skip at the prompt */
} Term;

/* Takes the terminal (raw mode when stdin is one); vga: clears it for the screen. */
void term_open(Term *t, bool vga);
/* Gives the terminal back as it was. */
void term_close(Term *t);
/* Guest serial output to the terminal. */
void term_serial(Term *t, const u8 *p, size_t n);
/* Draws the text screen where it differs from what is shown (all of it when force). */
void term_screen(Term *t, const VgaText *s, bool force);
/* A CP message ("VMCPnnnS ...") on a line of its own: to stdout, or stderr when err. */
void term_message(Term *t, const char *text, bool err);
/* Text from a VM command (any number of lines) on lines of their own. */
void term_output(Term *t, const char *text, size_t n);

/* Enters the CP prompt: the terminal leaves the screen, and the caller prints
 * VMCP510I CP READ. */
void term_prompt_begin(Term *t);
/* Leaves the CP prompt for the console (the screen is drawn again). */
void term_prompt_end(Term *t);
/* What one byte typed at the prompt did. */
enum { TERM_NONE, TERM_LINE, TERM_RESUME };
/* Feeds a byte to the line editor: TERM_LINE when a line is complete (in t->line,
 * NUL-terminated; the next byte starts a new one), TERM_RESUME for Ctrl-] (back to
 * the guest), TERM_NONE otherwise. */
int term_prompt_byte(Term *t, u8 c);

#endif
