/* keys.h: the console's keyboard: which PC key (and modifier) a typed character or a
 * terminal key sequence is, on a US layout. The keyboard model (dev/kbc.c) knows keys
 * and scan codes only; the layout is the console's business, as on a real PC where the
 * OS, not the keyboard, decides what a key means. */
#ifndef VMCP_CP_KEYS_H
#define VMCP_CP_KEYS_H

#include <stddef.h>

#include "base/base.h"
#include "dev/kbc.h"

/* The key and modifier (KBC_KEY_NONE, KBC_KEY_LSHIFT or KBC_KEY_LCTRL) that type ASCII
 * character ch on a US layout: '\n' and '\r' are Enter, '\b' and 0x7F Backspace, '\t'
 * Tab, 0x1B Esc, 0x01-0x1A Ctrl+letter. Returns false for a character with no key. */
bool keys_for_char(int ch, KbcKey *key, KbcKey *mod);

/* Reads one key from terminal input (n bytes at p): an escape sequence of a key beyond
 * ASCII (arrows, Home, F1...), or one character. Returns the bytes it takes (0 when p
 * holds only the start of a sequence that may go on: wait for more), with *key and *mod
 * the key to tap (KBC_KEY_NONE for a byte that has no key: skip it). */
size_t keys_from_terminal(const u8 *p, size_t n, KbcKey *key, KbcKey *mod);

#endif
