/* json.c: JSON parsing and writing for the control socket (json.h). */
#include "cp/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

typedef struct Parser {
	const char *p, *end;
	char *why;
	size_t whylen;
	bool failed;
} Parser;

static Json *fail(Parser *ps, const char *what)
{
	if (!ps->failed && ps->whylen)
		snprintf(ps->why, ps->whylen, "%s", what);
	ps->failed = true;
	return NULL;
}

static void skip_ws(Parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static Json *node(Parser *ps, JsonType t)
{
	Json *j = calloc(1, sizeof(*j));
	if (!j)
		return fail(ps, "out of memory");
	j->type = t;
	return j;
}

static int hex4(const char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* Decodes one UTF-8 sequence at p (n bytes left): the code point, or -1 if invalid;
 * *used the bytes taken (1 for an invalid byte). */
static long utf8_get(const u8 *p, size_t n, size_t *used)
{
	*used = 1;
	u8 c = p[0];
	if (c < 0x80)
		return c;
	int k = c >= 0xF0 && c <= 0xF4 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 && c < 0xE0 ? 1 : -1;
	if (k < 0 || (size_t)k >= n)
		return -1;
	long cp = c & (0x3F >> k);
	for (int i = 1; i <= k; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return -1;
		cp = cp << 6 | (p[i] & 0x3F);
	}
	if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*used = (size_t)k + 1;
	return cp;
}

static Json *parse_string(Parser *ps)
{
	ps->p++; /* the opening quote */
	/* The decoded text is never longer than the escaped one. */
	const char *start = ps->p;
	const char *q = start;
	while (q < ps->end && *q != '"')
		q += *q == '\\' && q + 1 < ps->end ? 2 : 1;
	if (q >= ps->end)
		return fail(ps, "unterminated string");
	size_t cap = (size_t)(q - start) + 1;
	char *out = malloc(cap);
	if (!out)
		return fail(ps, "out of memory");
	size_t n = 0;
	const char *p = start;
	while (p < q) {
		u8 c = (u8)*p;
		if (c < 0x20) {
			free(out);
			return fail(ps, "control character in a string");
		}
		if (c != '\\') {
			size_t used;
			if (utf8_get((const u8 *)p, (size_t)(q - p), &used) < 0) {
				free(out);
				return fail(ps, "invalid UTF-8 in a string");
			}
			memcpy(out + n, p, used);
			n += used;
			p += used;
			continue;
		}
		p++;
		char e = *p++;
		switch (e) {
		case '"': out[n++] = '"'; break;
		case '\\': out[n++] = '\\'; break;
		case '/': out[n++] = '/'; break;
		case 'b': out[n++] = '\b'; break;
		case 'f': out[n++] = '\f'; break;
		case 'n': out[n++] = '\n'; break;
		case 'r': out[n++] = '\r'; break;
		case 't': out[n++] = '\t'; break;
		case 'u': {
			int v = q - p >= 4 ? hex4(p) : -1;
			if (v < 0) {
				free(out);
				return fail(ps, "bad \\u escape");
			}
			p += 4;
			u32 cp = (u32)v;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				int lo = q - p >= 6 && p[0] == '\\' && p[1] == 'u' ? hex4(p + 2) : -1;
				if (lo < 0xDC00 || lo > 0xDFFF) {
					free(out);
					return fail(ps, "lone surrogate in a \\u escape");
				}
				cp = 0x10000 + ((cp - 0xD800) << 10) + ((u32)lo - 0xDC00);
				p += 6;
			} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
				free(out);
				return fail(ps, "lone surrogate in a \\u escape");
			}
			/* \u0000..\u007F take one byte, the rest 2-4: never more than the six of
			 * the escape. */
			n += utf8_put(out + n, cp);
			break;
		}
		default:
			free(out);
			return fail(ps, "bad escape in a string");
		}
	}
	out[n] = 0;
	ps->p = q + 1;
	Json *j = node(ps, JSON_STR);
	if (!j) {
		free(out);
		return NULL;
	}
	j->str = out;
	j->len = n;
	return j;
}

static Json *parse_value(Parser *ps, int depth);

static bool push(Parser *ps, Json *j, Json *item, char *key)
{
	if (j->len % 8 == 0) {
		Json **ni = realloc(j->items, (j->len + 8) * sizeof(*ni));
		if (!ni)
			return fail(ps, "out of memory"), false;
		j->items = ni;
		if (j->type == JSON_OBJ) {
			char **nk = realloc(j->keys, (j->len + 8) * sizeof(*nk));
			if (!nk)
				return fail(ps, "out of memory"), false;
			j->keys = nk;
		}
	}
	j->items[j->len] = item;
	if (j->type == JSON_OBJ)
		j->keys[j->len] = key;
	j->len++;
	return true;
}

static Json *parse_container(Parser *ps, int depth, bool obj)
{
	if (depth >= JSON_MAX_DEPTH)
		return fail(ps, "nested too deeply");
	ps->p++;
	Json *j = node(ps, obj ? JSON_OBJ : JSON_ARR);
	if (!j)
		return NULL;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == (obj ? '}' : ']')) {
		ps->p++;
		return j;
	}
	for (;;) {
		char *key = NULL;
		skip_ws(ps);
		if (obj) {
			if (ps->p >= ps->end || *ps->p != '"') {
				json_free(j);
				return fail(ps, "expected a member name");
			}
			Json *k = parse_string(ps);
			if (!k) {
				json_free(j);
				return NULL;
			}
			key = k->str;
			k->str = NULL;
			json_free(k);
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				free(key);
				json_free(j);
				return fail(ps, "expected ':'");
			}
			ps->p++;
		}
		Json *v = parse_value(ps, depth + 1);
		if (!v || !push(ps, j, v, key)) {
			free(key);
			json_free(v);
			json_free(j);
			return NULL;
		}
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == (obj ? '}' : ']')) {
			ps->p++;
			return j;
		}
		json_free(j);
		return fail(ps, obj ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static Json *parse_number(Parser *ps)
{
	const char *s = ps->p;
	const char *p = s;
	if (p < ps->end && *p == '-')
		p++;
	if (p >= ps->end || !(*p >= '0' && *p <= '9'))
		return fail(ps, "unexpected character");
	if (*p == '0')
		p++;
	else
		while (p < ps->end && *p >= '0' && *p <= '9')
			p++;
	if (p < ps->end && *p == '.') {
		p++;
		if (p >= ps->end || !(*p >= '0' && *p <= '9'))
			return fail(ps, "bad number");
		while (p < ps->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < ps->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < ps->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= ps->end || !(*p >= '0' && *p <= '9'))
			return fail(ps, "bad number");
		while (p < ps->end && *p >= '0' && *p <= '9')
			p++;
	}
	char buf[64];
	size_t n = (size_t)(p - s);
	if (n >= sizeof(buf))
		return fail(ps, "number too long");
	memcpy(buf, s, n);
	buf[n] = 0;
	Json *j = node(ps, JSON_NUM);
	if (!j)
		return NULL;
	j->num = strtod(buf, NULL);
	ps->p = p;
	return j;
}

static bool word(Parser *ps, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n))
		return false;
	ps->p += n;
	return true;
}

static Json *parse_value(Parser *ps, int depth)
{
	skip_ws(ps);
	if (ps->p >= ps->end)
		return fail(ps, "unexpected end of input");
	Json *j;
	switch (*ps->p) {
	case '{':
		return parse_container(ps, depth, true);
	case '[':
		return parse_container(ps, depth, false);
	case '"':
		return parse_string(ps);
	case 't':
	case 'f':
	case 'n':
		if (word(ps, "true") || word(ps, "false")) {
			if (!(j = node(ps, JSON_BOOL)))
				return NULL;
			j->b = ps->p[-1] == 'e' && ps->p[-2] == 'u';
			return j;
		}
		if (word(ps, "null"))
			return node(ps, JSON_NULL);
		return fail(ps, "unexpected word");
	default:
		return parse_number(ps);
	}
}

Json *json_parse(const char *text, size_t len, char *why, size_t whylen)
{
	Parser ps = {text, text + len, why, whylen, false};
	Json *j = parse_value(&ps, 0);
	if (!j)
		return NULL;
	skip_ws(&ps);
	if (ps.p != ps.end) {
		json_free(j);
		return fail(&ps, "text after the value");
	}
	return j;
}

void json_free(Json *j)
{
	if (!j)
		return;
	for (size_t i = 0; (j->type == JSON_ARR || j->type == JSON_OBJ) && i < j->len; i++) {
		json_free(j->items[i]);
		if (j->keys)
			free(j->keys[i]);
	}
	free(j->items);
	free(j->keys);
	free(j->str);
	free(j);
}

const Json *json_get(const Json *j, const char *key)
{
	if (!j || j->type != JSON_OBJ)
		return NULL;
	for (size_t i = 0; i < j->len; i++)
		if (!strcmp(j->keys[i], key))
			return j->items[i];
	return NULL;
}

const char *json_get_str(const Json *j, const char *key)
{
	const Json *v = json_get(j, key);
	if (!v || v->type != JSON_STR || strlen(v->str) != v->len)
		return NULL;
	return v->str;
}

double json_get_num(const Json *j, const char *key, double def)
{
	const Json *v = json_get(j, key);
	return v && v->type == JSON_NUM ? v->num : def;
}

bool json_get_bool(const Json *j, const char *key, bool def)
{
	const Json *v = json_get(j, key);
	return v && v->type == JSON_BOOL ? v->b : def;
}

int json_get_bytes(const Json *j, u8 **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!j || j->type != JSON_STR)
		return VMCP_EINVAL;
	u8 *b = malloc(j->len + 1);
	if (!b)
		return VMCP_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < j->len;) {
		size_t used;
		long cp = utf8_get((const u8 *)j->str + i, j->len - i, &used);
		if (cp < 0 || cp > 0xFF) {
			free(b);
			return VMCP_EINVAL;
		}
		b[k++] = (u8)cp;
		i += used;
	}
	*out = b;
	*n = k;
	return 0;
}

/* ---- Writer ---- */

void jw_init(JsonWriter *w)
{
	*w = (JsonWriter){0};
}

void jw_free(JsonWriter *w)
{
	free(w->buf);
	jw_init(w);
}

static void put(JsonWriter *w, const char *s, size_t n);

char *jw_take(JsonWriter *w, size_t *len)
{
	if (!w->buf)
		put(w, "", 0);
	char *b = w->oom ? NULL : w->buf;
	if (!b)
		free(w->buf);
	if (len)
		*len = b ? w->len : 0;
	jw_init(w);
	return b;
}

static void put(JsonWriter *w, const char *s, size_t n)
{
	if (w->oom)
		return;
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 256;
		while (cap < w->len + n + 1)
			cap *= 2;
		char *nb = realloc(w->buf, cap);
		if (!nb) {
			w->oom = true;
			return;
		}
		w->buf = nb;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = 0;
}

/* Before a value: the comma, unless it follows a key or opens a container. */
static void sep(JsonWriter *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth > 0) {
		if (w->need_comma[w->depth - 1])
			put(w, ",", 1);
		w->need_comma[w->depth - 1] = true;
	}
}

static void open_c(JsonWriter *w, char c)
{
	sep(w);
	put(w, &c, 1);
	if (w->depth < JSON_MAX_DEPTH)
		w->need_comma[w->depth] = false;
	w->depth++;
}

static void close_c(JsonWriter *w, char c)
{
	if (w->depth > 0)
		w->depth--;
	put(w, &c, 1);
}

void jw_obj(JsonWriter *w) { open_c(w, '{'); }
void jw_end_obj(JsonWriter *w) { close_c(w, '}'); }
void jw_arr(JsonWriter *w) { open_c(w, '['); }
void jw_end_arr(JsonWriter *w) { close_c(w, ']'); }

/* One code point as JSON wants it inside a string. */
static void put_cp(JsonWriter *w, u32 cp)
{
	char buf[8];
	switch (cp) {
	case '"': put(w, "\\\"", 2); return;
	case '\\': put(w, "\\\\", 2); return;
	case '\n': put(w, "\\n", 2); return;
	case '\r': put(w, "\\r", 2); return;
	case '\t': put(w, "\\t", 2); return;
	default:
		break;
	}
	if (cp < 0x20 || cp == 0x7F) {
		snprintf(buf, sizeof(buf), "\\u%04x", (unsigned)cp);
		put(w, buf, 6);
		return;
	}
	put(w, buf, utf8_put(buf, cp));
}

static void key_or_str(JsonWriter *w, const char *s, size_t n)
{
	put(w, "\"", 1);
	for (size_t i = 0; i < n;) {
		size_t used;
		long cp = utf8_get((const u8 *)s + i, n - i, &used);
		put_cp(w, cp < 0 ? 0xFFFD : (u32)cp);
		i += used;
	}
	put(w, "\"", 1);
}

void jw_key(JsonWriter *w, const char *key)
{
	sep(w);
	key_or_str(w, key, strlen(key));
	put(w, ":", 1);
	w->after_key = true;
}

void jw_strn(JsonWriter *w, const char *s, size_t n)
{
	sep(w);
	key_or_str(w, s ? s : "", s ? n : 0);
}

void jw_str(JsonWriter *w, const char *s)
{
	jw_strn(w, s, s ? strlen(s) : 0);
}

void jw_bytes(JsonWriter *w, const u8 *p, size_t n)
{
	sep(w);
	put(w, "\"", 1);
	for (size_t i = 0; i < n; i++)
		put_cp(w, p[i]);
	put(w, "\"", 1);
}

void jw_int(JsonWriter *w, s64 v)
{
	char buf[32];
	sep(w);
	put(w, buf, (size_t)snprintf(buf, sizeof(buf), "%lld", (long long)v));
}

void jw_uint(JsonWriter *w, u64 v)
{
	char buf[32];
	sep(w);
	put(w, buf, (size_t)snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v));
}

void jw_double(JsonWriter *w, double v)
{
	char buf[40];
	sep(w);
	if (!isfinite(v)) {
		put(w, "null", 4);
		return;
	}
	/* The shortest of 15 or 17 digits that reads back as the same double. */
	int n = snprintf(buf, sizeof(buf), "%.15g", v);
	if (strtod(buf, NULL) != v)
		n = snprintf(buf, sizeof(buf), "%.17g", v);
	put(w, buf, (size_t)n);
}

void jw_bool(JsonWriter *w, bool v)
{
	sep(w);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(JsonWriter *w)
{
	sep(w);
	put(w, "null", 4);
}

void jw_raw(JsonWriter *w, const char *json, size_t n)
{
	sep(w);
	put(w, json, n);
}

void jw_value(JsonWriter *w, const Json *j)
{
	if (!j) {
		jw_null(w);
		return;
	}
	switch (j->type) {
	case JSON_NULL: jw_null(w); break;
	case JSON_BOOL: jw_bool(w, j->b); break;
	case JSON_NUM:
		if (j->num == (double)(s64)j->num && fabs(j->num) < 9e15)
			jw_int(w, (s64)j->num);
		else
			jw_double(w, j->num);
		break;
	case JSON_STR: jw_strn(w, j->str, j->len); break;
	case JSON_ARR:
		jw_arr(w);
		for (size_t i = 0; i < j->len; i++)
			jw_value(w, j->items[i]);
		jw_end_arr(w);
		break;
	case JSON_OBJ:
		jw_obj(w);
		for (size_t i = 0; i < j->len; i++) {
			jw_key(w, j->keys[i]);
			jw_value(w, j->items[i]);
		}
		jw_end_obj(w);
		break;
	}
}
