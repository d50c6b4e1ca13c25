/* conf.c: what the config file and the VD settings file share: the line lexer, names,
 * sizes, and the in-place editing the CP commands use so that a user's comments and
 * layout survive `define vd` or `vd resize` (as z/VM's DIRMAINT edits a directory entry
 * rather than rewriting it). The grammar is in conf.h and docs/commands.md. */
#include "conf/conf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

static const char *const dev_names[VM_DEV_COUNT] = {"hda", "hdb", "hdc", "hdd", "fda", "fdb"};
static const char *const cpu_names[] = {"i386", "i486", "pentium", "i686", "pentium4"};
static const char *const console_names[] = {[VM_CONSOLE_SERIAL] = "serial", [VM_CONSOLE_VGA] = "vga"};

/* The index of S in the N names of TABLE, or -1. */
static int name_index(const char *const *table, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (table[i] && !strcmp(s, table[i]))
			return (int)i;
	return -1;
}

int vm_dev_index(const char *name)
{
	return name_index(dev_names, ARRAY_SIZE(dev_names), name);
}

const char *vm_dev_name(int i)
{
	return i >= 0 && i < VM_DEV_COUNT ? dev_names[i] : "?";
}

const char *vm_cpu_name(VmCpu m)
{
	return (unsigned)m < ARRAY_SIZE(cpu_names) ? cpu_names[m] : "?";
}

void vm_cpu_list(char *buf, size_t n)
{
	static_assert(ARRAY_SIZE(cpu_names) == VM_CPU_COUNT, "one name per VmCpu");
	size_t k = 0;
	buf[0] = 0;
	for (size_t i = 0; i < ARRAY_SIZE(cpu_names) && k < n; i++)
		k += (size_t)snprintf(buf + k, n - k, "%s%s", i ? ", " : "", cpu_names[i]);
}

int vm_cpu_parse(const char *s)
{
	return name_index(cpu_names, ARRAY_SIZE(cpu_names), s);
}

const char *vm_console_name(int console)
{
	return (unsigned)console < ARRAY_SIZE(console_names) ? console_names[console] : "?";
}

int vm_console_parse(const char *s)
{
	return name_index(console_names, ARRAY_SIZE(console_names), s);
}

bool vm_name_valid(const char *name, const char **why)
{
	size_t n = strlen(name);
	const char *w = NULL;
	if (n == 0)
		w = "it is empty";
	else if (n > VM_NAME_MAX)
		w = "it is longer than 16 characters";
	else if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9')))
		w = "it must start with a lower-case letter or a digit";
	for (size_t i = 0; !w && i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			w = "only a-z, 0-9, '-' and '_' are allowed";
	}
	if (why)
		*why = w;
	return !w;
}

int size_parse(const char *s, u64 *bytes)
{
	u64 v = 0;
	const char *p = s;
	if (*p < '0' || *p > '9')
		return VMCP_EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (1ull << 62) / 10)
			return VMCP_ERANGE;
		v = v * 10 + (u64)(*p - '0');
	}
	int shift = 0;
	switch (*p) {
	case 0: break;
	case 'k': case 'K': shift = 10; break;
	case 'm': case 'M': shift = 20; break;
	case 'g': case 'G': shift = 30; break;
	case 't': case 'T': shift = 40; break;
	default: return VMCP_EINVAL;
	}
	if (*p && p[1])
		return VMCP_EINVAL;
	if (v > (1ull << 62) >> shift)
		return VMCP_ERANGE;
	*bytes = v << shift;
	return 0;
}

void size_format(u64 bytes, char *buf, size_t n)
{
	static const char suffix[] = "KMGT";
	int s = -1;
	while (bytes && s < 3 && bytes % 1024 == 0) {
		bytes /= 1024;
		s++;
	}
	if (s < 0)
		snprintf(buf, n, "%llu", (unsigned long long)bytes);
	else
		snprintf(buf, n, "%llu%c", (unsigned long long)bytes, suffix[s]);
}

int conf_err(ConfErr *e, int line, const char *fmt, ...)
{
	if (e) {
		va_list ap;
		va_start(ap, fmt);
		e->line = line;
		vsnprintf(e->text, sizeof(e->text), fmt, ap);
		va_end(ap);
	}
	return VMCP_EINVAL;
}

int conf_bool(const char *s, bool *v)
{
	if (!strcmp(s, "yes"))
		*v = true;
	else if (!strcmp(s, "no"))
		*v = false;
	else
		return VMCP_EINVAL;
	return 0;
}

static bool is_space(char c) { return c == ' ' || c == '\t'; }
static bool is_key_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

int conf_lex(const char *text, size_t len, ConfLineFn fn, void *ctx, ConfErr *e)
{
	if (len > CONF_FILE_MAX)
		return conf_err(e, 0, "the file is larger than %d bytes", CONF_FILE_MAX);
	size_t pos = 0;
	for (int line = 1; pos < len; line++) {
		size_t end = pos;
		while (end < len && text[end] != '\n')
			end++;
		size_t n = end - pos;
		if (n && text[pos + n - 1] == '\r') /* CRLF files from other systems */
			n--;
		if (n > CONF_LINE_MAX)
			return conf_err(e, line, "the line is longer than %d characters", CONF_LINE_MAX);
		char buf[CONF_LINE_MAX + 1];
		memcpy(buf, text + pos, n);
		buf[n] = 0;
		pos = end + 1;
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)buf[i];
			if ((c < 0x20 && c != '\t') || c > 0x7E)
				return conf_err(e, line, "control or non-ASCII character (byte 0x%02x)", c);
		}
		char *hash = strchr(buf, '#');
		if (hash)
			*hash = 0;
		char *p = buf;
		while (is_space(*p))
			p++;
		if (!*p)
			continue;
		ConfLine l = {.line = line};
		size_t k = 0;
		while (is_key_char(p[k]))
			k++;
		if (k == 0 || !(p[k] == '=' || is_space(p[k])))
			return conf_err(e, line, "expected KEY = VALUE (keys are lower case)");
		if (k >= sizeof(l.key))
			return conf_err(e, line, "unknown key");
		memcpy(l.key, p, k);
		p += k;
		while (is_space(*p))
			p++;
		if (*p != '=')
			return conf_err(e, line, "expected '=' after %s", l.key);
		p++;
		while (is_space(*p))
			p++;
		size_t v = strlen(p);
		while (v && is_space(p[v - 1]))
			v--;
		if (v == 0)
			return conf_err(e, line, "%s has no value", l.key);
		memcpy(l.value, p, v);
		l.value[v] = 0;
		int r = fn(ctx, &l, e);
		if (r)
			return r;
	}
	return 0;
}

/* A growing output buffer for conf_text_set. */
typedef struct TextBuf {
	char *p;
	size_t len, cap;
	bool oom;
} TextBuf;

static void tb_add(TextBuf *t, const char *s, size_t n)
{
	if (t->oom)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = (t->len + n + 1) * 2;
		char *p = realloc(t->p, cap);
		if (!p) {
			t->oom = true;
			return;
		}
		t->p = p;
		t->cap = cap;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = 0;
}

/* True if the line (n bytes) assigns key. */
static bool line_has_key(const char *l, size_t n, const char *key)
{
	size_t i = 0, k = strlen(key);
	while (i < n && is_space(l[i]))
		i++;
	if (n - i < k || memcmp(l + i, key, k))
		return false;
	i += k;
	while (i < n && is_space(l[i]))
		i++;
	return i < n && l[i] == '=';
}

char *conf_text_set(const char *text, size_t len, const char *key, const char *value)
{
	TextBuf t = {0};
	tb_add(&t, "", 0);
	bool done = false;
	size_t pos = 0;
	while (pos < len) {
		size_t end = pos;
		while (end < len && text[end] != '\n')
			end++;
		size_t n = end - pos;
		const char *l = text + pos;
		pos = end + 1;
		if (!line_has_key(l, n, key)) {
			tb_add(&t, l, n);
			tb_add(&t, "\n", 1);
			continue;
		}
		if (!value || done)
			continue;
		done = true;
		tb_add(&t, key, strlen(key));
		tb_add(&t, " = ", 3);
		tb_add(&t, value, strlen(value));
		const char *hash = memchr(l, '#', n);
		if (hash) {
			tb_add(&t, " ", 1);
			tb_add(&t, hash, n - (size_t)(hash - l));
		}
		tb_add(&t, "\n", 1);
	}
	if (value && !done) {
		tb_add(&t, key, strlen(key));
		tb_add(&t, " = ", 3);
		tb_add(&t, value, strlen(value));
		tb_add(&t, "\n", 1);
	}
	if (t.oom) {
		free(t.p);
		return NULL;
	}
	return t.p;
}

void conf_vm_file(char *buf, size_t n, const char *vm)
{
	snprintf(buf, n, "%s.conf", vm);
}

void conf_vd_file(char *buf, size_t n, const char *vm, int dev)
{
	snprintf(buf, n, "%s.%s.vd", vm, vm_dev_name(dev));
}

int conf_file_kind(const char *name, char *vm, int *dev)
{
	const char *dot = strchr(name, '.');
	if (!dot || dot == name || (size_t)(dot - name) > VM_NAME_MAX)
		return 0;
	memcpy(vm, name, (size_t)(dot - name));
	vm[dot - name] = 0;
	if (!vm_name_valid(vm, NULL))
		return 0;
	*dev = -1;
	if (!strcmp(dot + 1, "conf"))
		return 1;
	char d[4];
	if (strlen(dot + 1) != 6 || strcmp(dot + 4, ".vd"))
		return 0;
	memcpy(d, dot + 1, 3);
	d[3] = 0;
	*dev = vm_dev_index(d);
	return *dev >= 0 ? 2 : 0;
}

int vm_memory_check(u64 bytes, const char **why)
{
	static_assert(VM_MEMORY_MIN == 1 * MiB && VM_MEMORY_MAX == 3584 * MiB, "the text says 1M..3584M");
	if (bytes < VM_MEMORY_MIN || bytes > VM_MEMORY_MAX || bytes % (64 * KiB)) {
		*why = "is out of range (1M..3584M, a multiple of 64K)";
		return VMCP_EINVAL;
	}
	return 0;
}
