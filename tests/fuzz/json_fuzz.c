/* json_fuzz.c: libFuzzer target for the control socket's JSON parser (cp/json.c), which
 * takes lines from any client of the CP. Beyond "never crash": whatever parses is
 * written back (jw_value) to text that parses to a tree that writes the same text again
 * (a fixed point), and every string value converts to Latin-1 bytes or is refused
 * without harm. */
#include <stdlib.h>
#include <string.h>

#include "cp/json.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

static void strings(const Json *j)
{
	if (j->type == JSON_STR) {
		u8 *b;
		size_t n;
		if (!json_get_bytes(j, &b, &n))
			free(b);
		return;
	}
	for (size_t i = 0; (j->type == JSON_ARR || j->type == JSON_OBJ) && i < j->len; i++)
		strings(j->items[i]);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	char why[128];
	Json *j = json_parse((const char *)data, size, why, sizeof(why));
	if (!j)
		return 0;
	strings(j);
	JsonWriter w;
	jw_init(&w);
	jw_value(&w, j);
	size_t n1;
	char *t1 = jw_take(&w, &n1);
	if (!t1)
		abort();
	Json *k = json_parse(t1, n1, why, sizeof(why));
	if (!k)
		abort();
	jw_init(&w);
	jw_value(&w, k);
	size_t n2;
	char *t2 = jw_take(&w, &n2);
	if (!t2 || n1 != n2 || memcmp(t1, t2, n1))
		abort();
	free(t1);
	free(t2);
	json_free(k);
	json_free(j);
	return 0;
}
