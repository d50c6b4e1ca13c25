/* keys.c: characters and terminal key sequences to PC keys on a US layout (keys.h). The
 * terminal sequences are those xterm and the Linux console send (VT100 cursor keys,
 * VT220 editing keys, xterm's function keys). */
#include "cp/keys.h"

#include <string.h>

bool keys_for_char(int ch, KbcKey *key, KbcKey *mod)
{
	static const char unshifted[] = "`1234567890-=qwertyuiop[]\\asdfghjkl;'zxcvbnm,./ ";
	static const char shifted[] = "~!@#$%^&*()_+QWERTYUIOP{}|ASDFGHJKL:\"ZXCVBNM<>? ";
	static const KbcKey keys[] = {
		KBC_KEY_GRAVE, KBC_KEY_1, KBC_KEY_2, KBC_KEY_3, KBC_KEY_4, KBC_KEY_5, KBC_KEY_6,
		KBC_KEY_7, KBC_KEY_8, KBC_KEY_9, KBC_KEY_0, KBC_KEY_MINUS, KBC_KEY_EQUAL,
		KBC_KEY_Q, KBC_KEY_W, KBC_KEY_E, KBC_KEY_R, KBC_KEY_T, KBC_KEY_Y, KBC_KEY_U,
		KBC_KEY_I, KBC_KEY_O, KBC_KEY_P, KBC_KEY_LBRACKET, KBC_KEY_RBRACKET,
		KBC_KEY_BACKSLASH, KBC_KEY_A, KBC_KEY_S, KBC_KEY_D, KBC_KEY_F, KBC_KEY_G,
		KBC_KEY_H, KBC_KEY_J, KBC_KEY_K, KBC_KEY_L, KBC_KEY_SEMICOLON, KBC_KEY_APOSTROPHE,
		KBC_KEY_Z, KBC_KEY_X, KBC_KEY_C, KBC_KEY_V, KBC_KEY_B, KBC_KEY_N, KBC_KEY_M,
		KBC_KEY_COMMA, KBC_KEY_PERIOD, KBC_KEY_SLASH, KBC_KEY_SPACE,
	};
	*mod = KBC_KEY_NONE;
	switch (ch) {
	case '\n':
	case '\r':
		*key = KBC_KEY_ENTER;
		return true;
	case '\t':
		*key = KBC_KEY_TAB;
		return true;
	case '\b':
	case 0x7F:
		*key = KBC_KEY_BACKSPACE;
		return true;
	case 0x1B:
		*key = KBC_KEY_ESC;
		return true;
	default:
		break;
	}
	if (ch >= 0x01 && ch <= 0x1A) {
		/* Ctrl+letter: the lower-case letter's key with Ctrl. */
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
			if (unshifted[i] == 'a' + ch - 1) {
				*key = keys[i];
				*mod = KBC_KEY_LCTRL;
				return true;
			}
		}
		return false;
	}
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (unshifted[i] == ch) {
			*key = keys[i];
			return true;
		}
		if (shifted[i] == ch && ch != ' ') {
			*key = keys[i];
			*mod = KBC_KEY_LSHIFT;
			return true;
		}
	}
	return false;
}

/* Terminal escape sequences for the keys a PC keyboard has beyond ASCII. */
static const struct {
	const char *seq;
	KbcKey key;
} keyseq[] = {
	{"\033[A", KBC_KEY_UP},       {"\033[B", KBC_KEY_DOWN},     {"\033[C", KBC_KEY_RIGHT},
	{"\033[D", KBC_KEY_LEFT},     {"\033[H", KBC_KEY_HOME},     {"\033[F", KBC_KEY_END},
	{"\033OA", KBC_KEY_UP},       {"\033OB", KBC_KEY_DOWN},     {"\033OC", KBC_KEY_RIGHT},
	{"\033OD", KBC_KEY_LEFT},     {"\033OH", KBC_KEY_HOME},     {"\033OF", KBC_KEY_END},
	{"\033[1~", KBC_KEY_HOME},    {"\033[4~", KBC_KEY_END},     {"\033[2~", KBC_KEY_INSERT},
	{"\033[3~", KBC_KEY_DELETE},  {"\033[5~", KBC_KEY_PAGEUP},  {"\033[6~", KBC_KEY_PAGEDOWN},
	{"\033OP", KBC_KEY_F1},       {"\033OQ", KBC_KEY_F2},       {"\033OR", KBC_KEY_F3},
	{"\033OS", KBC_KEY_F4},       {"\033[15~", KBC_KEY_F5},     {"\033[17~", KBC_KEY_F6},
	{"\033[18~", KBC_KEY_F7},     {"\033[19~", KBC_KEY_F8},     {"\033[20~", KBC_KEY_F9},
	{"\033[21~", KBC_KEY_F10},    {"\033[23~", KBC_KEY_F11},    {"\033[24~", KBC_KEY_F12},
};

size_t keys_from_terminal(const u8 *p, size_t n, KbcKey *key, KbcKey *mod)
{
	*key = KBC_KEY_NONE;
	*mod = KBC_KEY_NONE;
	if (!n)
		return 0;
	if (p[0] == 0x1B && n > 1) {
		bool prefix = false;
		for (size_t s = 0; s < ARRAY_SIZE(keyseq); s++) {
			size_t k = strlen(keyseq[s].seq);
			if (k <= n && !memcmp(p, keyseq[s].seq, k)) {
				*key = keyseq[s].key;
				return k;
			}
			if (k > n && !memcmp(p, keyseq[s].seq, n))
				prefix = true;
		}
		if (prefix)
			return 0; /* the rest of the sequence is still on its way */
	}
	/* A lone Esc, Enter, Backspace, Tab, Ctrl+letter or a printable character; a byte
	 * with no key (non-ASCII) is skipped. */
	if (!keys_for_char(p[0], key, mod))
		*key = KBC_KEY_NONE;
	return 1;
}
