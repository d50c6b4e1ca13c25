/* screen.h: the VGA text screen rendered for people (see screen.c). */
#ifndef VMCP_CP_SCREEN_H
#define VMCP_CP_SCREEN_H

#include <stddef.h>

#include "base/base.h"
#include "dev/vga.h"

/* The Unicode code point of code page 437 character c as the VGA font draws it. */
u32 screen_cp437(u8 c);
/* The same character encoded in UTF-8 into out (1 to 3 bytes); returns the length. */
size_t screen_cp437_utf8(u8 c, char out[3]);

/* The column after row r's last visible character (0 for a blank row). */
int screen_row_end(const VgaText *t, int r);
/* Row r's first end cells as text (UTF-8, or ASCII with '?' for what has none), NUL and
 * 0xFF shown as spaces. Returns the length (as snprintf: at most len - 1 bytes written,
 * then a NUL). */
size_t screen_row_text(const VgaText *t, int r, int end, char *buf, size_t len, bool ascii);

enum {
	SCREEN_ASCII = 1,     /* ASCII, '?' for characters without an ASCII form */
	SCREEN_UNTRIMMED = 2, /* every row full width (a match may end in blanks) */
};
/* t's rows as lines ending in '\n' (trailing blanks trimmed unless SCREEN_UNTRIMMED).
 * Returns the length of the whole text (as snprintf). */
size_t screen_text(const VgaText *t, char *buf, size_t len, int flags);

#endif
