/* vmconf.c: the config file of a VM ("NAME.conf"), the paper's "config file, which
 * describes the environment of each VM": memory size, CPU model, boot order, console
 * kind, and one line per VD naming its VD settings file. It plays the part of a z/VM
 * user directory entry (USER ... STORAGE, MACHINE, MDISK lines) with keys a QEMU user
 * knows (-m, -cpu, -boot). Example:
 *
 *     memory = 64M
 *     cpu = i686
 *     cpus = 2             (processors: 1 to 8; more than one from i686 on)
 *     boot = hda,fda       (devices, and cdrom: the first CD-ROM drive)
 *     console = serial
 *     spool = 4M              (the console spool's size; 4M when left out)
 *     hda = web.hda.vd
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "conf/conf.h"

void vmconf_default(VmConf *c)
{
	memset(c, 0, sizeof(*c));
	c->memory = 64 * MiB;
	c->cpu = VM_CPU_I686;
	c->cpus = 1;
	c->console = VM_CONSOLE_SERIAL;
	c->spool = VM_SPOOL_DEFAULT;
	c->nboot = 2;
	c->boot[0] = VM_DEV_HDA;
	c->boot[1] = VM_DEV_FDA;
}

const char *vm_boot_name(int entry)
{
	return entry == VM_BOOT_CDROM ? "cdrom" : vm_dev_name(entry);
}

/* Parses a boot order "hda,fda" (or "cdrom,hda") into c->boot. */
static int parse_boot(const char *s, VmConf *c, int line, ConfErr *e)
{
	c->nboot = 0;
	char item[8];
	for (const char *p = s;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n == 0 || n >= sizeof(item))
			return conf_err(e, line, "boot: expected devices separated by commas, e.g. hda,fda");
		memcpy(item, p, n);
		item[n] = 0;
		int d = !strcmp(item, "cdrom") ? VM_BOOT_CDROM : vm_dev_index(item);
		if (d < 0)
			return conf_err(e, line, "boot: unknown device %s (hda, hdb, hdc, hdd, fda, fdb, cdrom)",
					item);
		for (int i = 0; i < c->nboot; i++)
			if (c->boot[i] == d)
				return conf_err(e, line, "boot: %s is listed twice", item);
		c->boot[c->nboot++] = (u8)d;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

typedef struct VmParse {
	const char *vm;
	VmConf *c;
	u32 seen; /* bit per key */
} VmParse;

enum { K_MEMORY, K_CPU, K_BOOT, K_CONSOLE, K_SPOOL, K_CPUS, K_DEV0 };

static int vm_line(void *ctx, const ConfLine *l, ConfErr *e)
{
	VmParse *vp = ctx;
	VmConf *c = vp->c;
	int key, dev = vm_dev_index(l->key);
	if (!strcmp(l->key, "memory"))
		key = K_MEMORY;
	else if (!strcmp(l->key, "cpu"))
		key = K_CPU;
	else if (!strcmp(l->key, "boot"))
		key = K_BOOT;
	else if (!strcmp(l->key, "console"))
		key = K_CONSOLE;
	else if (!strcmp(l->key, "spool"))
		key = K_SPOOL;
	else if (!strcmp(l->key, "cpus"))
		key = K_CPUS;
	else if (dev >= 0)
		key = K_DEV0 + dev;
	else
		return conf_err(e, l->line,
				"unknown key %s (memory, cpu, cpus, boot, console, spool, hda..hdd, fda, fdb)",
				l->key);
	if (vp->seen & (1u << key))
		return conf_err(e, l->line, "%s is set twice", l->key);
	vp->seen |= 1u << key;
	switch (key) {
	case K_MEMORY: {
		u64 m;
		if (size_parse(l->value, &m))
			return conf_err(e, l->line, "memory: %s is not a size (e.g. 64M)", l->value);
		const char *why;
		if (vm_memory_check(m, &why))
			return conf_err(e, l->line, "memory: %s %s", l->value, why);
		c->memory = m;
		return 0;
	}
	case K_CPU: {
		int m = vm_cpu_parse(l->value);
		if (m < 0) {
			char list[80];
			vm_cpu_list(list, sizeof(list));
			return conf_err(e, l->line, "cpu: unknown model %s (%s)", l->value, list);
		}
		c->cpu = (VmCpu)m;
		return 0;
	}
	case K_CPUS: {
		const char *v = l->value;
		if (!(v[0] >= '1' && v[0] <= '0' + VM_CPUS_MAX && v[1] == 0))
			return conf_err(e, l->line, "cpus: %s is not a number of processors (1..%d)", v,
					VM_CPUS_MAX);
		c->cpus = v[0] - '0';
		return 0;
	}
	case K_BOOT:
		return parse_boot(l->value, c, l->line, e);
	case K_CONSOLE:
		c->console = vm_console_parse(l->value);
		if (c->console < 0)
			return conf_err(e, l->line, "console: %s is neither serial nor vga", l->value);
		return 0;
	case K_SPOOL: {
		u64 sz;
		if (size_parse(l->value, &sz))
			return conf_err(e, l->line, "spool: %s is not a size (e.g. 4M)", l->value);
		if (sz < VM_SPOOL_MIN || sz > VM_SPOOL_MAX)
			return conf_err(e, l->line, "spool: %s is out of range (16K..1G)", l->value);
		c->spool = sz;
		return 0;
	}
	default: {
		char want[40];
		conf_vd_file(want, sizeof(want), vp->vm, dev);
		if (strcmp(l->value, want))
			return conf_err(e, l->line, "%s: the VD settings file must be %s", l->key, want);
		c->has_dev[dev] = true;
		return 0;
	}
	}
}

int vmconf_parse(const char *vm, const char *text, size_t len, VmConf *c, ConfErr *e)
{
	vmconf_default(c);
	VmParse vp = {vm, c, 0};
	int r = conf_lex(text, len, vm_line, &vp, e);
	if (!r && c->cpus > 1 && c->cpu < VM_CPU_I686)
		return conf_err(e, 0, "cpus: %d processors need cpu = i686 or later (local APICs)",
				c->cpus);
	return r;
}

void vmconf_boot_text(const VmConf *c, char *buf, size_t n)
{
	size_t len = 0;
	buf[0] = 0;
	for (int i = 0; i < c->nboot && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? "," : "", vm_boot_name(c->boot[i]));
}

char *vmconf_format(const char *vm, const VmConf *c)
{
	char mem[32], boot[64], *out = NULL;
	size_format(c->memory, mem, sizeof(mem));
	vmconf_boot_text(c, boot, sizeof(boot));
	size_t cap = 512 + VM_DEV_COUNT * 64;
	out = malloc(cap);
	if (!out)
		return NULL;
	int n = snprintf(out, cap,
			 "# VMCP config file of VM %s (vmcp directory get %s.conf)\n"
			 "memory = %s\ncpu = %s\nboot = %s\nconsole = %s\n",
			 vm, vm, mem, vm_cpu_name(c->cpu), boot, vm_console_name(c->console));
	if (c->cpus > 1)
		n += snprintf(out + n, cap - (size_t)n, "cpus = %d\n", c->cpus);
	if (c->spool != VM_SPOOL_DEFAULT) {
		char sp[32];
		size_format(c->spool, sp, sizeof(sp));
		n += snprintf(out + n, cap - (size_t)n, "spool = %s\n", sp);
	}
	for (int d = 0; d < VM_DEV_COUNT; d++) {
		if (!c->has_dev[d])
			continue;
		char f[40];
		conf_vd_file(f, sizeof(f), vm, d);
		n += snprintf(out + n, cap - (size_t)n, "%s = %s\n", vm_dev_name(d), f);
	}
	return out;
}
