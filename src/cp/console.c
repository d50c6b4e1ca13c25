/* console.c: the VM's console on this terminal. Two kinds, as the config file says:
 *  - serial: COM1 to the terminal, raw, byte for byte (like QEMU's -nographic);
 *  - vga: the VGA text screen drawn with ANSI escapes when it changes (like QEMU's
 *    curses display), terminal keys turned into PC key presses on the 8042.
 * Ctrl-] (CONSOLE_ESCAPE) leaves the guest for the CP prompt (vmcmd.c). stdin may also
 * be a pipe (scripts, tests): the same bytes then go to the guest and to the CP prompt,
 * without raw mode. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "cp/ipl.h"

int console_open(Ipl *ipl)
{
	ipl->tty = isatty(STDIN_FILENO);
	if (ipl->tty) {
		if (tcgetattr(STDIN_FILENO, &ipl->saved_tio) != 0) {
			ipl->tty = false;
		} else {
			struct termios t = ipl->saved_tio;
			t.c_iflag &= (tcflag_t) ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
			t.c_lflag &= (tcflag_t) ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
			t.c_cflag |= CS8;
			t.c_cc[VMIN] = 1;
			t.c_cc[VTIME] = 0;
			tcsetattr(STDIN_FILENO, TCSANOW, &t);
		}
	}
	if (ipl->console_vga) {
		fputs("\033[2J\033[H", stdout);
		ipl->shown_valid = false;
	}
	fflush(stdout);
	return 0;
}

void console_close(Ipl *ipl)
{
	if (ipl->console_vga)
		fputs("\033[0m\033[?25h\n", stdout);
	fflush(stdout);
	if (ipl->tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &ipl->saved_tio);
}

void console_serial_out(Ipl *ipl, u8 byte)
{
	putchar(byte);
	ipl->last_out = byte;
}

/* Terminal escape sequences for the keys a PC keyboard has beyond ASCII. */
static const struct {
	const char *seq;
	KbcKey key;
} keyseq[] = {
	{"\033[A", KBC_KEY_UP},       {"\033[B", KBC_KEY_DOWN},     {"\033[C", KBC_KEY_RIGHT},
	{"\033[D", KBC_KEY_LEFT},     {"\033[H", KBC_KEY_HOME},     {"\033[F", KBC_KEY_END},
	{"\033[1~", KBC_KEY_HOME},    {"\033[4~", KBC_KEY_END},     {"\033[2~", KBC_KEY_INSERT},
	{"\033[3~", KBC_KEY_DELETE},  {"\033[5~", KBC_KEY_PAGEUP},  {"\033[6~", KBC_KEY_PAGEDOWN},
	{"\033OP", KBC_KEY_F1},       {"\033OQ", KBC_KEY_F2},       {"\033OR", KBC_KEY_F3},
	{"\033OS", KBC_KEY_F4},       {"\033[15~", KBC_KEY_F5},     {"\033[17~", KBC_KEY_F6},
	{"\033[18~", KBC_KEY_F7},     {"\033[19~", KBC_KEY_F8},     {"\033[20~", KBC_KEY_F9},
	{"\033[21~", KBC_KEY_F10},    {"\033[23~", KBC_KEY_F11},    {"\033[24~", KBC_KEY_F12},
};

/* Feeds pending input to the guest's keyboard; returns how many bytes it took. */
static size_t feed_keyboard(Ipl *ipl)
{
	Kbc *k = &ipl->m->kbc;
	size_t i = 0;
	while (i < ipl->inlen) {
		const u8 *p = ipl->in + i;
		size_t left = ipl->inlen - i;
		if (p[0] == 0x1B && left > 1) {
			size_t best = 0;
			KbcKey key = KBC_KEY_NONE;
			for (size_t s = 0; s < ARRAY_SIZE(keyseq); s++) {
				size_t n = strlen(keyseq[s].seq);
				if (n <= left && !memcmp(p, keyseq[s].seq, n) && n > best) {
					best = n;
					key = keyseq[s].key;
				}
			}
			if (best) {
				if (!kbc_tap(k, key))
					break; /* full: try again later */
				i += best;
				continue;
			}
		}
		/* A lone Esc, Enter, Backspace, Tab, Ctrl+letter or a printable character; a
		 * byte with no key (non-ASCII) is dropped. */
		if (kbc_char_has_key(p[0]) && !kbc_type_char(k, p[0]))
			break; /* full: try again later */
		i++;
	}
	return i;
}

bool console_poll(Ipl *ipl)
{
	bool escape = false;
	if (!ipl->stdin_eof && ipl->inlen < sizeof(ipl->in)) {
		struct pollfd pfd = {STDIN_FILENO, POLLIN, 0};
		if (poll(&pfd, 1, 0) == 1) {
			u8 buf[1024];
			size_t room = sizeof(ipl->in) - ipl->inlen;
			ssize_t n = read(STDIN_FILENO, buf, MIN(room, sizeof(buf)));
			if (n <= 0 && !(n < 0 && (errno == EINTR || errno == EAGAIN))) {
				ipl->stdin_eof = true;
			} else if (n > 0) {
				u8 *esc = memchr(buf, CONSOLE_ESCAPE, (size_t)n);
				size_t keep = esc ? (size_t)(esc - buf) : (size_t)n;
				memcpy(ipl->in + ipl->inlen, buf, keep);
				ipl->inlen += keep;
				if (esc) {
					/* What follows the escape key is for the CP prompt. */
					size_t rest = (size_t)n - keep - 1;
					rest = MIN(rest, sizeof(ipl->cpbuf) - ipl->cplen);
					memcpy(ipl->cpbuf + ipl->cplen, esc + 1, rest);
					ipl->cplen += rest;
					escape = true;
				}
			}
		}
	}
	console_feed(ipl);
	fflush(stdout);
	return escape;
}

void console_feed(Ipl *ipl)
{
	if (!ipl->inlen)
		return;
	size_t took = ipl->console_vga
			      ? feed_keyboard(ipl)
			      : (size_t)uart_receive(&ipl->m->com[0], ipl->in, (int)ipl->inlen);
	memmove(ipl->in, ipl->in + took, ipl->inlen - took);
	ipl->inlen -= took;
}

/* SGR colour codes of the 8 CGA colours (the VGA's default palette order). */
static const int ansi_colour[8] = {0, 4, 2, 6, 1, 5, 3, 7};

void console_draw(Ipl *ipl, bool force)
{
	VgaText t;
	vga_text_dump(&ipl->m->vga, &t);
	bool all = force || !ipl->shown_valid || t.rows != ipl->shown.rows ||
		   t.cols != ipl->shown.cols || t.graphics != ipl->shown.graphics;
	if (all)
		fputs("\033[0m\033[2J", stdout);
	if (t.graphics) {
		if (all)
			fputs("\033[H(graphics mode: no text to show)", stdout);
	}
	int last_attr = -1;
	bool drew = all;
	for (int r = 0; r < t.rows; r++) {
		if (!all && !memcmp(t.ch[r], ipl->shown.ch[r], (size_t)t.cols) &&
		    !memcmp(t.attr[r], ipl->shown.attr[r], (size_t)t.cols))
			continue;
		printf("\033[%d;1H", r + 1);
		drew = true;
		for (int c = 0; c < t.cols; c++) {
			u8 a = t.attr[r][c];
			if (a != last_attr) {
				int fg = a & 7, bg = a >> 4 & 7;
				printf("\033[0;%s3%d;4%dm", (a & 8) ? "1;" : "", ansi_colour[fg],
				       ansi_colour[bg]);
				last_attr = a;
			}
			char enc[3];
			size_t n = vga_cp437_utf8(t.ch[r][c], enc);
			fwrite(enc, 1, n, stdout);
		}
	}
	if (!drew && t.cursor_row == ipl->shown.cursor_row && t.cursor_col == ipl->shown.cursor_col)
		return;
	if (t.cursor_row >= 0)
		printf("\033[0m\033[%d;%dH\033[?25h", t.cursor_row + 1, t.cursor_col + 1);
	else
		fputs("\033[?25l", stdout);
	ipl->shown = t;
	ipl->shown_valid = true;
	fflush(stdout);
}
