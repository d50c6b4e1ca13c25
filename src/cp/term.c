/* term.c: the console on a host terminal (term.h). */
#include "cp/term.h"

#include <string.h>
#include <unistd.h>

#include "cp/screen.h"

static void raw_mode(Term *t, bool raw)
{
	if (!t->tty)
		return;
	if (!raw) {
		tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
		return;
	}
	struct termios r = t->saved;
	r.c_iflag &= (tcflag_t) ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	r.c_lflag &= (tcflag_t) ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	r.c_cflag |= CS8;
	r.c_cc[VMIN] = 1;
	r.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSANOW, &r);
}

void term_open(Term *t, bool vga)
{
	*t = (Term){0};
	t->vga = vga;
	t->line_start = true;
	t->tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &t->saved) == 0;
	raw_mode(t, true);
	t->open = true;
	if (vga)
		fputs("\033[2J\033[H", stdout);
	fflush(stdout);
}

void term_close(Term *t)
{
	if (!t->open)
		return;
	if (t->vga && !t->prompt)
		fputs("\033[0m\033[?25h\n", stdout);
	else if (!t->line_start)
		fputc('\n', stdout);
	fflush(stdout);
	raw_mode(t, false);
	t->open = false;
}

void term_serial(Term *t, const u8 *p, size_t n)
{
	if (!n)
		return;
	fwrite(p, 1, n, stdout);
	t->line_start = p[n - 1] == '\n';
	fflush(stdout);
}

/* SGR colour codes of the 8 CGA colours (the VGA's default palette order). */
static const int ansi_colour[8] = {0, 4, 2, 6, 1, 5, 3, 7};

void term_screen(Term *t, const VgaText *s, bool force)
{
	bool all = force || !t->shown_valid || s->rows != t->shown.rows ||
		   s->cols != t->shown.cols || s->graphics != t->shown.graphics;
	if (all)
		fputs("\033[0m\033[2J", stdout);
	if (s->graphics && all)
		fputs("\033[H(graphics mode: no text to show)", stdout);
	int last_attr = -1;
	bool drew = all;
	for (int r = 0; r < s->rows; r++) {
		if (!all && !memcmp(s->ch[r], t->shown.ch[r], (size_t)s->cols) &&
		    !memcmp(s->attr[r], t->shown.attr[r], (size_t)s->cols))
			continue;
		printf("\033[%d;1H", r + 1);
		drew = true;
		for (int c = 0; c < s->cols; c++) {
			u8 a = s->attr[r][c];
			if (a != last_attr) {
				int fg = a & 7, bg = a >> 4 & 7;
				printf("\033[0;%s3%d;4%dm", (a & 8) ? "1;" : "", ansi_colour[fg],
				       ansi_colour[bg]);
				last_attr = a;
			}
			char enc[3];
			size_t n = screen_cp437_utf8(s->ch[r][c], enc);
			fwrite(enc, 1, n, stdout);
		}
	}
	if (!drew && s->cursor_row == t->shown.cursor_row && s->cursor_col == t->shown.cursor_col)
		return;
	if (s->cursor_row >= 0)
		printf("\033[0m\033[%d;%dH\033[?25h", s->cursor_row + 1, s->cursor_col + 1);
	else
		fputs("\033[?25l", stdout);
	t->shown = *s;
	t->shown_valid = true;
	t->line_start = false;
	fflush(stdout);
}

void term_message(Term *t, const char *text, bool err)
{
	if (!t->line_start) {
		fputc('\n', stdout);
		t->line_start = true;
	}
	fflush(stdout);
	FILE *f = err ? stderr : stdout;
	fputs(text, f);
	fputc('\n', f);
	fflush(f);
}

void term_output(Term *t, const char *text, size_t n)
{
	if (!n)
		return;
	if (!t->line_start)
		fputc('\n', stdout);
	fwrite(text, 1, n, stdout);
	if (text[n - 1] != '\n')
		fputc('\n', stdout);
	t->line_start = true;
	fflush(stdout);
}

void term_prompt_begin(Term *t)
{
	if (t->prompt)
		return;
	t->prompt = true;
	t->linelen = 0;
	t->skip = 0;
	if (t->vga) {
		fputs("\033[0m\033[2J\033[H", stdout);
		t->line_start = true;
		t->shown_valid = false;
	}
	fflush(stdout);
}

void term_prompt_end(Term *t)
{
	if (!t->prompt)
		return;
	t->prompt = false;
	if (t->vga) {
		fputs("\033[2J\033[H", stdout);
		t->shown_valid = false;
	}
	fflush(stdout);
}

static void echo(Term *t, const char *s)
{
	if (t->tty) {
		fputs(s, stdout);
		fflush(stdout);
	}
}

int term_prompt_byte(Term *t, u8 c)
{
	if (t->skip) {
		/* The rest of a terminal key sequence (arrows, F-keys): ignored here. An
		 * ESC [ sequence ends at a byte from '@' to '~'. */
		if (t->skip == 1 && (c == '[' || c == 'O')) {
			t->skip = 2;
			return TERM_NONE;
		}
		if (t->skip == 2 && !(c >= '@' && c <= '~'))
			return TERM_NONE;
		t->skip = 0;
		return TERM_NONE;
	}
	switch (c) {
	case TERM_ESCAPE:
		if (t->linelen)
			echo(t, "\r\n");
		t->linelen = 0;
		t->line_start = true;
		return TERM_RESUME;
	case '\r':
	case '\n':
		t->line[t->linelen] = 0;
		t->linelen = 0;
		echo(t, "\r\n");
		t->line_start = true;
		return TERM_LINE;
	case 0x7F:
	case '\b':
		if (t->linelen) {
			t->linelen--;
			echo(t, "\b \b");
		}
		return TERM_NONE;
	case 0x15: /* Ctrl-U: the whole line */
		while (t->linelen) {
			t->linelen--;
			echo(t, "\b \b");
		}
		return TERM_NONE;
	case 0x03: /* Ctrl-C: drop the line */
		t->linelen = 0;
		echo(t, "^C\r\n");
		return TERM_NONE;
	case 0x1B:
		t->skip = 1;
		return TERM_NONE;
	default:
		break;
	}
	if (c < 0x20 || t->linelen + 1 >= sizeof(t->line))
		return TERM_NONE;
	t->line[t->linelen++] = (char)c;
	if (t->tty) {
		fputc(c, stdout);
		fflush(stdout);
		t->line_start = false;
	}
	return TERM_NONE;
}
