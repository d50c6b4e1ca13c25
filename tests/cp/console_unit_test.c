/* console_unit_test.c: the console side's pieces by themselves: the JSON parser and
 * writer of the control socket (round trips, Latin-1 byte strings, every kind of bad
 * input refused with a reason), the keyboard layout and terminal key sequences, the
 * text screen rendering (trimmed, and untrimmed for matches ending in blanks), the CP
 * prompt's line editor (Ctrl-] returns to the guest, never becomes command text), and
 * z/VM-style abbreviations. */
#include <string.h>

#include "base/err.h"
#include "cp/cp.h"
#include "cp/json.h"
#include "cp/keys.h"
#include "cp/screen.h"
#include "cp/term.h"
#include "../test.h"

static void test_json(void)
{
	char why[128];
	const char *text = "{\"execute\": \"send\", \"arguments\": {\"name\": \"lin\", \"n\": -1.5e2, "
			   "\"ok\": true, \"no\": false, \"x\": null, \"list\": [1, \"two\", [3]]}, "
			   "\"id\": 7, \"u\": \"\\u00e9\\ud83d\\ude00\\n\"}";
	Json *j = json_parse(text, strlen(text), why, sizeof(why));
	CHECK(j != NULL, "parse: %s", why);
	if (!j)
		return;
	const Json *a = json_get(j, "arguments");
	CHECK(a && a->type == JSON_OBJ, "arguments");
	CHECK(!strcmp(json_get_str(a, "name"), "lin"), "name");
	CHECK(json_get_num(a, "n", 0) == -150.0, "number");
	CHECK(json_get_bool(a, "ok", false) && !json_get_bool(a, "no", true), "booleans");
	CHECK(json_get(a, "x")->type == JSON_NULL, "null");
	CHECK(json_get(a, "list")->len == 3, "array");
	CHECK(json_get_num(j, "id", 0) == 7, "id");
	CHECK(!strcmp(json_get_str(j, "u"), "\xC3\xA9\xF0\x9F\x98\x80\n"), "escapes to UTF-8");
	CHECK(json_get_str(a, "missing") == NULL && json_get_num(a, "name", 42) == 42, "absent/wrong type");
	/* Written again and parsed again: the same tree. */
	JsonWriter w;
	jw_init(&w);
	jw_value(&w, j);
	size_t n;
	char *out = jw_take(&w, &n);
	Json *k = out ? json_parse(out, n, why, sizeof(why)) : NULL;
	CHECK(k && !strcmp(json_get_str(json_get(k, "arguments"), "name"), "lin") &&
	      !strcmp(json_get_str(k, "u"), json_get_str(j, "u")), "round trip: %s", out ? out : "?");
	json_free(k);
	free(out);
	json_free(j);

	/* Latin-1 byte strings: every byte there and back. */
	u8 bytes[256];
	for (int i = 0; i < 256; i++)
		bytes[i] = (u8)i;
	jw_init(&w);
	jw_obj(&w);
	jw_key(&w, "data");
	jw_bytes(&w, bytes, sizeof(bytes));
	jw_end_obj(&w);
	out = jw_take(&w, &n);
	j = json_parse(out, n, why, sizeof(why));
	u8 *back = NULL;
	size_t blen = 0;
	CHECK(j && !json_get_bytes(json_get(j, "data"), &back, &blen) && blen == 256 &&
	      !memcmp(back, bytes, 256), "256 bytes round trip");
	CHECK(!strchr(out, '\n') && !memchr(out, 0x1D, n), "control bytes escaped on the line");
	free(back);
	json_free(j);
	free(out);
	/* A code point above U+00FF is no byte. */
	j = json_parse("\"\\u0100\"", 8, why, sizeof(why));
	CHECK(j && json_get_bytes(j, &back, &blen) == VMCP_EINVAL, "U+0100 is not a byte");
	json_free(j);
	/* Text with invalid UTF-8 is written with U+FFFD, still valid JSON. */
	jw_init(&w);
	jw_str(&w, "a\xFF" "b");
	out = jw_take(&w, &n);
	CHECK(out && !strcmp(out, "\"a\xEF\xBF\xBD" "b\""), "invalid UTF-8 -> U+FFFD: %s", out);
	free(out);

	/* Bad input: refused with a reason, never read past the end. */
	static const char *const bad[] = {
		"", "{", "{\"a\" 1}", "{\"a\": 1,}", "[1, 2", "\"abc", "\"\\x\"", "\"\\u12\"",
		"\"\\ud800\"", "01", "1.", "-", "tru", "nul", "{1: 2}", "[1] 2", "\"a\x01\"",
		"\"\xC3\x28\"", "\"\xED\xA0\x80\"",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		why[0] = 0;
		j = json_parse(bad[i], strlen(bad[i]), why, sizeof(why));
		CHECK(!j && why[0], "refused: %s", bad[i]);
		json_free(j);
	}
	/* Nesting is bounded. */
	char deep[200];
	memset(deep, '[', sizeof(deep));
	j = json_parse(deep, sizeof(deep), why, sizeof(why));
	CHECK(!j && strstr(why, "deeply"), "deep nesting refused: %s", why);
	/* Exactly len bytes are read: a value followed by garbage outside len is fine. */
	j = json_parse("[1]xyz", 3, why, sizeof(why));
	CHECK(j && j->len == 1, "len bounds the input");
	json_free(j);
}

static void test_keys(void)
{
	KbcKey k, m;
	CHECK(keys_for_char('A', &k, &m) && k == KBC_KEY_A && m == KBC_KEY_LSHIFT, "A: Shift+A");
	CHECK(keys_for_char('a', &k, &m) && k == KBC_KEY_A && m == KBC_KEY_NONE, "a");
	CHECK(keys_for_char('\r', &k, &m) && k == KBC_KEY_ENTER, "CR is Enter");
	CHECK(keys_for_char(3, &k, &m) && k == KBC_KEY_C && m == KBC_KEY_LCTRL, "Ctrl-C");
	CHECK(keys_for_char('~', &k, &m) && k == KBC_KEY_GRAVE && m == KBC_KEY_LSHIFT, "~");
	CHECK(keys_for_char('?', &k, &m) && k == KBC_KEY_SLASH && m == KBC_KEY_LSHIFT, "?");
	CHECK(keys_for_char(0x7F, &k, &m) && k == KBC_KEY_BACKSPACE, "DEL is Backspace");
	CHECK(!keys_for_char(0x80, &k, &m) && !keys_for_char(0, &k, &m), "no key for 0x80, NUL");
	const u8 up[] = "\033[A", f5[] = "\033[15~", partial[] = "\033[1";
	CHECK(keys_from_terminal(up, 3, &k, &m) == 3 && k == KBC_KEY_UP, "ESC [ A is Up");
	CHECK(keys_from_terminal(f5, 5, &k, &m) == 5 && k == KBC_KEY_F5, "F5");
	CHECK(keys_from_terminal(partial, 3, &k, &m) == 0, "a sequence still coming: wait");
	CHECK(keys_from_terminal((const u8 *)"\033", 1, &k, &m) == 1 && k == KBC_KEY_ESC, "a lone Esc");
	CHECK(keys_from_terminal((const u8 *)"\033x", 2, &k, &m) == 1 && k == KBC_KEY_ESC, "Esc then x");
	CHECK(keys_from_terminal((const u8 *)"\xE9", 1, &k, &m) == 1 && k == KBC_KEY_NONE, "no key: skipped");
}

static void test_screen(void)
{
	static VgaText t;
	memset(&t, 0, sizeof(t));
	t.rows = 3;
	t.cols = 10;
	memcpy(t.ch[0], "Hello     ", 10);
	memcpy(t.ch[1], "# \xDB       ", 10);
	memset(t.ch[2], ' ', 10);
	char out[256];
	CHECK_EQ(screen_text(&t, out, sizeof(out), 0), strlen("Hello\n# \xE2\x96\x88\n\n"));
	CHECK(!strcmp(out, "Hello\n# \xE2\x96\x88\n\n"), "trimmed, CP437 in UTF-8: %s", out);
	screen_text(&t, out, sizeof(out), SCREEN_ASCII);
	CHECK(!strcmp(out, "Hello\n# ?\n\n"), "ASCII: %s", out);
	memcpy(t.ch[1], "login:    ", 10);
	screen_text(&t, out, sizeof(out), 0);
	CHECK(!strstr(out, "login: "), "trimmed: no trailing blank");
	screen_text(&t, out, sizeof(out), SCREEN_UNTRIMMED);
	CHECK(strstr(out, "login: ") != NULL, "untrimmed: a match may end in blanks");
	CHECK_EQ(screen_row_end(&t, 1), 6);
	CHECK_EQ(screen_row_end(&t, 2), 0);
	CHECK_EQ(screen_cp437(0xDB), 0x2588);
	char small[4];
	CHECK_EQ(screen_text(&t, small, sizeof(small), 0), strlen("Hello\nlogin:\n\n"));
	CHECK(!strcmp(small, "Hel"), "truncated as snprintf: %s", small);
}

static int feed(Term *t, const char *s)
{
	int r = TERM_NONE;
	for (; *s; s++)
		r = term_prompt_byte(t, (u8)*s);
	return r;
}

static void test_line_editor(void)
{
	Term t = {0};
	t.prompt = true;
	CHECK_EQ(feed(&t, "display registers\r"), TERM_LINE);
	CHECK(!strcmp(t.line, "display registers"), "a line: %s", t.line);
	CHECK_EQ(feed(&t, "quer\x7Fry\n"), TERM_LINE);
	CHECK(!strcmp(t.line, "query"), "backspace: %s", t.line);
	CHECK_EQ(feed(&t, "begin\x1D"), TERM_RESUME);
	CHECK_EQ(feed(&t, "\r"), TERM_LINE);
	CHECK(!strcmp(t.line, ""), "Ctrl-] dropped the half line, it never became command text: '%s'", t.line);
	CHECK_EQ(feed(&t, "q\033[Avd\r"), TERM_LINE);
	CHECK(!strcmp(t.line, "qvd"), "an arrow key's sequence is skipped: %s", t.line);
	CHECK_EQ(feed(&t, "junk\x15trace io\r"), TERM_LINE);
	CHECK(!strcmp(t.line, "trace io"), "Ctrl-U kills the line: %s", t.line);
}

static void test_words(void)
{
	CHECK(cp_word("q", "query", 1) && cp_word("QUERY", "query", 1) && cp_word("Que", "query", 1),
	      "query abbreviations, any case");
	CHECK(!cp_word("querys", "query", 1) && !cp_word("", "query", 1), "too long or empty");
	CHECK(cp_word("n", "names", 1) && !cp_word("v", "vm", 2) && cp_word("VM", "vm", 2), "operands");
	CHECK(!cp_word("for", "force", 5) && cp_word("force", "force", 5), "force is spelled out");
}

int main(void)
{
	test_json();
	test_keys();
	test_screen();
	test_line_editor();
	test_words();
	return test_summary();
}
