/* json.h: the JSON (RFC 8259) that the CP's control socket speaks: a parser into a small
 * tree for requests and replies, and a writer that builds one line of output.
 *
 * Byte strings (console data) travel as JSON strings whose code points U+0000..U+00FF
 * are the bytes (Latin-1 mapping): json_get_bytes and jw_bytes convert. Text (command
 * output, messages) travels as UTF-8; jw_str replaces invalid UTF-8 with U+FFFD.
 *
 * The parser takes untrusted input: it never reads past len, limits nesting depth, and
 * fails cleanly (NULL with a reason) on anything that is not one JSON value. */
#ifndef VMCP_CP_JSON_H
#define VMCP_CP_JSON_H

#include <stddef.h>

#include "base/base.h"

typedef enum JsonType { JSON_NULL, JSON_BOOL, JSON_NUM, JSON_STR, JSON_ARR, JSON_OBJ } JsonType;

typedef struct Json Json;
struct Json {
	JsonType type;
	bool b;
	double num;
	char *str;       /* JSON_STR: UTF-8, NUL-terminated (may hold NULs: see len) */
	size_t len;      /* JSON_STR: bytes; JSON_ARR/JSON_OBJ: members */
	Json **items;    /* JSON_ARR/JSON_OBJ members */
	char **keys;     /* JSON_OBJ member names */
};

#define JSON_MAX_DEPTH 32

/* Parses exactly one JSON value from text (len bytes; surrounding blanks allowed).
 * Returns the tree (json_free it), or NULL with a reason in why. */
Json *json_parse(const char *text, size_t len, char *why, size_t whylen);
void json_free(Json *j);

/* Member key of object j, or NULL (also when j is not an object). */
const Json *json_get(const Json *j, const char *key);
/* The string member key (NUL-terminated, no NUL inside), or NULL. */
const char *json_get_str(const Json *j, const char *key);
/* The number member key, or def when missing or not a number. */
double json_get_num(const Json *j, const char *key, double def);
/* The boolean member key, or def. */
bool json_get_bool(const Json *j, const char *key, bool def);
/* The Latin-1 byte string in string value j: into a malloc'd buffer (*out, *n bytes).
 * Returns 0, or VMCP_EINVAL when j is not a string or holds a code point above U+00FF,
 * VMCP_ENOMEM. */
int json_get_bytes(const Json *j, u8 **out, size_t *n);

/* The writer: one growing buffer; commas and nesting are tracked, so a caller writes
 * keys and values in order. Out of memory is sticky (w->oom) and checked once at the
 * end. */
typedef struct JsonWriter {
	char *buf;
	size_t len, cap;
	bool oom;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
	bool after_key;
} JsonWriter;

void jw_init(JsonWriter *w);
void jw_free(JsonWriter *w);
/* Takes the text (NUL-terminated, newline not added); the writer is empty afterwards.
 * NULL if memory ran out on the way. */
char *jw_take(JsonWriter *w, size_t *len);
void jw_obj(JsonWriter *w);
void jw_end_obj(JsonWriter *w);
void jw_arr(JsonWriter *w);
void jw_end_arr(JsonWriter *w);
void jw_key(JsonWriter *w, const char *key);
void jw_str(JsonWriter *w, const char *s);          /* UTF-8 text */
void jw_strn(JsonWriter *w, const char *s, size_t n);
void jw_bytes(JsonWriter *w, const u8 *p, size_t n); /* Latin-1 mapped bytes */
void jw_int(JsonWriter *w, s64 v);
void jw_uint(JsonWriter *w, u64 v);
void jw_double(JsonWriter *w, double v);
void jw_bool(JsonWriter *w, bool v);
void jw_null(JsonWriter *w);
/* A value already in JSON (a cached fragment), written as it is. */
void jw_raw(JsonWriter *w, const char *json, size_t n);
/* A copy of value j. */
void jw_value(JsonWriter *w, const Json *j);

#endif
