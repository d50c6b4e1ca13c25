/* cmd_query.c: `vmcp query vm [NAME] | vd [VM] | dasd | space  [--json]`: what the
 * directory holds, as z/VM's QUERY shows a user's virtual devices. Human output is a
 * table with a header line (stable: the golden transcripts in tests/cp/ compare it);
 * --json prints one JSON object (RFC 8259), sizes in bytes and sectors as numbers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "cp/cp.h"
#include "vd/vdconf.h"
#include "cp/cpsock.h"

/* What the CP of the real disk says of its VMs (its query-names reply), or NULL when no
 * CP runs (then no VM runs). */
static Json *cp_names(CpCtx *cp, char *sock, size_t n)
{
	CpConn c;
	if (cpconn_open(&c, cp->dasd, false, true))
		return NULL;
	if (sock)
		snprintf(sock, n, "%s/sock", c.dir);
	Json *r = cpconn_call(&c, "query-names", NULL, 10000);
	cpconn_close(&c);
	return r;
}

/* The CP's entry for VM name in a query-names reply, or NULL. */
static const Json *names_entry(const Json *names, const char *name)
{
	const Json *list = json_get(names, "return");
	for (size_t i = 0; list && list->type == JSON_ARR && i < list->len; i++) {
		const char *n = json_get_str(list->items[i], "name");
		if (n && !strcmp(n, name))
			return list->items[i];
	}
	return NULL;
}

/* A VM's state as query vm shows it: the CP's word, or "-" when the CP has none. */
static const char *vm_state(const Json *names, const char *name)
{
	const char *st = json_get_str(names_entry(names, name), "state");
	return st ? st : "-";
}

static void hms(double s, char *buf, size_t n)
{
	unsigned long t = s > 0 ? (unsigned long)s : 0;
	snprintf(buf, n, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
}

/* query names: the VMs the CP holds, running or ended (until started again or forced). */
static int query_names(CpCtx *cp, bool json)
{
	FILE *o = cp->out;
	int rc;
	Vmfat *v = cp_open(cp, VMFAT_OPEN_RDONLY, &rc);
	if (!v)
		return rc;
	vmfat_close(v);
	char sock[CPSOCK_PATH_MAX + 8] = "";
	Json *r = cp_names(cp, sock, sizeof(sock));
	const Json *list = r ? json_get(r, "return") : NULL;
	if (r && !list) {
		rc = cpconn_reply_status(r);
		json_free(r);
		return rc;
	}
	size_t n = list && list->type == JSON_ARR ? list->len : 0;
	if (json) {
		JsonWriter w;
		jw_init(&w);
		jw_obj(&w);
		jw_key(&w, "socket");
		if (sock[0])
			jw_str(&w, sock);
		else
			jw_null(&w);
		jw_key(&w, "vms");
		if (n)
			jw_value(&w, list);
		else {
			jw_arr(&w);
			jw_end_arr(&w);
		}
		jw_end_obj(&w);
		char *text = jw_take(&w, NULL);
		if (text)
			fprintf(o, "%s\n", text);
		free(text);
		json_free(r);
		return 0;
	}
	if (!n) {
		msg(CPS_NO_VMS, 'I', "No VMs are running on %s", cp->dasd);
		json_free(r);
		return 0;
	}
	fprintf(o, "%-16s  %-11s  %7s  %14s  %10s  %9s  %5s  %-15s  %s\n", "VM", "STATE", "PID",
		"INSTRUCTIONS", "VTIME", "UPTIME", "CPU%", "VDS", "CONSOLE");
	for (size_t i = 0; i < n; i++) {
		const Json *e = list->items[i];
		const char *name = json_get_str(e, "name"), *st = json_get_str(e, "state");
		const char *con = json_get_str(e, "console");
		char vds[64] = "", up[32], vt[32], att[48] = "";
		const Json *d = json_get(e, "vds");
		for (size_t k = 0; d && d->type == JSON_ARR && k < d->len; k++)
			if (d->items[k]->type == JSON_STR)
				snprintf(vds + strlen(vds), sizeof(vds) - strlen(vds), "%s%s", k ? "," : "",
					 d->items[k]->str);
		hms(json_get_num(e, "uptime_s", 0), up, sizeof(up));
		snprintf(vt, sizeof(vt), "%.3fs", json_get_num(e, "vtime_s", 0));
		if (json_get_bool(e, "attached", false))
			snprintf(att, sizeof(att), ", attached (pid %d)", (int)json_get_num(e, "attached_pid", 0));
		else if (json_get_bool(e, "terminal", false))
			snprintf(att, sizeof(att), ", on its terminal");
		fprintf(o, "%-16s  %-11s  %7d  %14.0f  %10s  %9s  %5.1f  %-15s  %s%s\n", name ? name : "?",
			st ? st : "?", (int)json_get_num(e, "pid", 0), json_get_num(e, "instructions", 0), vt,
			up, json_get_num(e, "cpu_pct", 0), vds[0] ? vds : "-", con ? con : "?", att);
		/* Why it failed or halted, and a host-side failure of a VM that runs on. */
		const char *m = json_get_str(e, "message"), *err = json_get_str(e, "error");
		if (st && (!strcmp(st, "failed") || !strcmp(st, "halted")) && m && *m)
			fprintf(o, "%-16s  %s\n", "", m);
		else if (err && *err)
			fprintf(o, "%-16s  %s\n", "", err);
	}
	json_free(r);
	return 0;
}

/* A query naming a VM needs it defined (its config file may be invalid: query vm says
 * so). Returns 0, or VMCP_ENOENT after the message. */
static int need_vm(Vmfat *v, const char *name)
{
	VmConf c;
	if (name && vmfat_vm_config(v, &v->dir, name, NULL, &c) == VMCP_ENOENT)
		return cp_fail(&v->err);
	return 0;
}

static int query_vm(CpCtx *cp, Vmfat *v, const char *name, bool json)
{
	FILE *o = cp->out;
	int rows = 0;
	if (need_vm(v, name))
		return VMCP_ENOENT;
	Json *names = cp_names(cp, NULL, 0);
	if (json)
		fprintf(o, "{\"vms\": [");
	for (u32 i = 0; i < v->dir.nfile; i++) {
		const VmfatFile *f = &v->dir.file[i];
		char vm[VM_NAME_MAX + 1];
		int dev;
		if (conf_file_kind(f->name, vm, &dev) != 1 || (name && strcmp(vm, name)))
			continue;
		VmConf c;
		ConfErr ce;
		bool ok = vmconf_parse(vm, f->data, f->size, &c, &ce) == 0;
		char mem[32], boot[64], vds[32] = "";
		if (ok) {
			size_format(c.memory, mem, sizeof(mem));
			vmconf_boot_text(&c, boot, sizeof(boot));
			for (int d = 0; d < VM_DEV_COUNT; d++)
				if (c.has_dev[d])
					snprintf(vds + strlen(vds), sizeof(vds) - strlen(vds), "%s%s", vds[0] ? " " : "",
						 vm_dev_name(d));
		}
		if (json) {
			fprintf(o, "%s\n  {\"name\": ", rows ? "," : "");
			cp_json_str(o, vm);
			fprintf(o, ", \"state\": ");
			cp_json_str(o, vm_state(names, vm));
			if (!ok) {
				char why[200];
				snprintf(why, sizeof(why), "line %d: %s", ce.line, ce.text);
				fprintf(o, ", \"valid\": false, \"error\": ");
				cp_json_str(o, why);
				fprintf(o, "}");
			} else {
				fprintf(o, ", \"valid\": true, \"memory\": %llu, \"cpu\": \"%s\", \"boot\": [",
					(unsigned long long)c.memory, vm_cpu_name(c.cpu));
				for (int b = 0; b < c.nboot; b++)
					fprintf(o, "%s\"%s\"", b ? ", " : "", vm_boot_name(c.boot[b]));
				fprintf(o, "], \"console\": \"%s\", \"vds\": [", vm_console_name(c.console));
				int k = 0;
				for (int d = 0; d < VM_DEV_COUNT; d++)
					if (c.has_dev[d])
						fprintf(o, "%s\"%s\"", k++ ? ", " : "", vm_dev_name(d));
				fprintf(o, "]}");
			}
		} else {
			if (!rows)
				fprintf(o, "%-16s  %-11s  %-6s  %-7s  %-7s  %-16s  %s\n", "VM", "STATE", "MEMORY",
					"CPU", "CONSOLE", "BOOT", "VDS");
			if (ok)
				fprintf(o, "%-16s  %-11s  %-6s  %-7s  %-7s  %-16s  %s\n", vm, vm_state(names, vm), mem,
					vm_cpu_name(c.cpu), vm_console_name(c.console), boot, vds[0] ? vds : "-");
			else
				fprintf(o, "%-16s  %-11s  (config file invalid: line %d: %s)\n", vm,
					vm_state(names, vm), ce.line, ce.text);
		}
		rows++;
	}
	if (json)
		fprintf(o, "%s]}\n", rows ? "\n" : "");
	else if (!rows)
		msg(CPM_NONE, 'I', "No VMs are defined");
	json_free(names);
	return 0;
}

static int cmp_vdd(const void *a, const void *b)
{
	const VmfatVdd *x = *(const VmfatVdd *const *)a, *y = *(const VmfatVdd *const *)b;
	int r = strcmp(x->vm, y->vm);
	return r ? r : x->dev - y->dev;
}

static int query_vd(CpCtx *cp, Vmfat *v, const char *name, bool json)
{
	FILE *o = cp->out;
	if (need_vm(v, name))
		return VMCP_ENOENT;
	/* In name order, then device order. */
	const VmfatVdd **order = malloc((v->dir.nvdd ? v->dir.nvdd : 1) * sizeof(*order));
	if (!order) {
		msg(VDM_NOMEM, 'E', "Out of memory");
		return VMCP_ENOMEM;
	}
	u32 n = 0;
	for (u32 i = 0; i < v->dir.nvdd; i++)
		if (!name || !strcmp(v->dir.vdd[i].vm, name))
			order[n++] = &v->dir.vdd[i];
	qsort(order, n, sizeof(*order), cmp_vdd);
	int rows = 0;
	if (json)
		fprintf(o, "{\"vds\": [");
	for (u32 i = 0; i < n; i++) {
		const VmfatVdd *d = order[i];
		const char *vm = d->vm;
		int dv = d->dev;
		VdDisk vd;
		bool settings_ok = vmfat_vd_load(v, d, &vd) == 0;
		if (!settings_ok) {
			vd.geom = vd_geometry_auto((VdType)d->type, d->capacity);
			vd.medium = 0;
		}
		bool cd = d->type == VD_TYPE_CDROM;
		char disc[48] = "";
		if (cd && vd.medium) {
			char m[32];
			size_format(vd.medium, m, sizeof(m));
			snprintf(disc, sizeof(disc), ", disc %s", m);
		} else if (cd) {
			snprintf(disc, sizeof(disc), ", no disc");
		}
		bool busy = vmfat_vd_in_use(v, d->id);
		char cap[32], geom[40];
		size_format(d->capacity * SECTOR_SIZE, cap, sizeof(cap));
		if (vd.geom.cylinders)
			snprintf(geom, sizeof(geom), "%u/%u/%u", vd.geom.cylinders, vd.geom.heads, vd.geom.sectors);
		else
			snprintf(geom, sizeof(geom), "-");
		if (json) {
			fprintf(o, "%s\n  {\"vm\": ", rows ? "," : "");
			cp_json_str(o, vm);
			fprintf(o,
				", \"dev\": \"%s\", \"type\": \"%s\", \"capacity\": %llu, \"sectors\": %llu, "
				"\"geometry\": ",
				vm_dev_name(dv), vd_type_name((VdType)d->type),
				(unsigned long long)(d->capacity * SECTOR_SIZE), (unsigned long long)d->capacity);
			if (vd.geom.cylinders)
				fprintf(o, "{\"cylinders\": %u, \"heads\": %u, \"sectors\": %u}", vd.geom.cylinders,
					vd.geom.heads, vd.geom.sectors);
			else
				fprintf(o, "null");
			fprintf(o, ", \"readonly\": %s, \"in_use\": %s, \"vdd\": %u, \"medium\": ",
				d->readonly ? "true" : "false", busy ? "true" : "false", d->id);
			if (cd)
				fprintf(o, "%llu", (unsigned long long)vd.medium);
			else
				fprintf(o, "null");
			fprintf(o, ", \"extents\": [");
			for (u32 k = 0; k < d->nextents; k++)
				fprintf(o, "%s{\"start\": %llu, \"count\": %llu}", k ? ", " : "",
					(unsigned long long)d->extent[k].start, (unsigned long long)d->extent[k].count);
			fprintf(o, "]}");
		} else {
			if (!rows)
				fprintf(o, "%-16s  %-3s  %-6s  %-8s  %-10s  %-11s  %-2s  %-7s  %s\n", "VM", "DEV",
					"TYPE", "CAPACITY", "SECTORS", "GEOMETRY", "RO", "EXTENTS", "STATUS");
			fprintf(o, "%-16s  %-3s  %-6s  %-8s  %-10llu  %-11s  %-2s  %-7u  %s%s\n", vm, vm_dev_name(dv),
				vd_type_name((VdType)d->type), cap, (unsigned long long)d->capacity, geom,
				d->readonly ? "y" : "n", d->nextents, busy ? "in use" : "idle", disc);
		}
		rows++;
	}
	free(order);
	if (json)
		fprintf(o, "%s]}\n", rows ? "\n" : "");
	else if (!rows && name)
		msg(CPM_NONE, 'I', "VM %s has no VDs", name);
	else if (!rows)
		msg(CPM_NONE, 'I', "No VDs are defined");
	return 0;
}

static const char *copy_state_text(int s)
{
	return s == COPY_GOOD ? "good" : s == COPY_BAD_CONTENT ? "invalid" : s == COPY_BAD_BODY ? "torn" : "unreadable";
}

static int query_dasd(CpCtx *cp, Vmfat *v, bool json)
{
	FILE *o = cp->out;
	const VmfatSuper *sb = &v->sb;
	const char *kind = v->b->is_blockdev ? "block device" : "regular file";
	u32 nvm = vmfat_dir_nvm(&v->dir);
	if (json) {
		fprintf(o, "{\"path\": ");
		cp_json_str(o, cp->dasd);
		fprintf(o, ", \"kind\": \"%s\", \"size\": %llu, \"sectors\": %llu, \"version\": %d, \"uuid\": \"",
			kind, (unsigned long long)(sb->disk_sectors * SECTOR_SIZE),
			(unsigned long long)sb->disk_sectors, VMFAT_VERSION);
		for (int i = 0; i < 16; i++)
			fprintf(o, "%02x", sb->uuid[i]);
		fprintf(o,
			"\", \"format_time\": %llu, \"unit\": %llu, \"copy_sectors\": %u, \"data_start\": %llu, "
			"\"data_end\": %llu, \"generation\": %llu, \"active\": \"%s\", \"copies\": [",
			(unsigned long long)sb->format_time, (unsigned long long)sb->unit_sectors * SECTOR_SIZE,
			sb->copy_sectors, (unsigned long long)sb->data_start, (unsigned long long)sb->data_end,
			(unsigned long long)v->dir.generation, v->active ? "B" : "A");
		for (int c = 0; c < 2; c++) {
			fprintf(o, "%s{\"name\": \"%s\", \"start\": %llu, \"state\": \"%s\", \"generation\": %llu, \"problem\": ",
				c ? ", " : "", c ? "B" : "A", (unsigned long long)sb->copy_start[c],
				copy_state_text(v->copy_state[c]), (unsigned long long)v->copy_gen[c]);
			cp_json_str(o, v->copy_problem[c]);
			fprintf(o, "}");
		}
		fprintf(o, "], \"vms\": %u, \"vds\": %u, \"files\": %u}\n", nvm, v->dir.nvdd, v->dir.nfile);
		return 0;
	}
	char sz[32], unit[32], cs[32], data[32];
	size_format(sb->disk_sectors * SECTOR_SIZE, sz, sizeof(sz));
	size_format((u64)sb->unit_sectors * SECTOR_SIZE, unit, sizeof(unit));
	size_format((u64)sb->copy_sectors * SECTOR_SIZE, cs, sizeof(cs));
	size_format((sb->data_end - sb->data_start) * SECTOR_SIZE, data, sizeof(data));
	int other = 1 - v->active;
	fprintf(o, "Real disk    %s (%s)\n", cp->dasd, kind);
	fprintf(o, "Size         %s (%llu sectors)\n", sz, (unsigned long long)sb->disk_sectors);
	fprintf(o, "Format       VMFAT version %d, allocation unit %s\n", VMFAT_VERSION, unit);
	fprintf(o, "Metadata     superblock at sector 0, directory copies A at sector %llu and B at %llu, %s each\n",
		(unsigned long long)sb->copy_start[0], (unsigned long long)sb->copy_start[1], cs);
	fprintf(o, "Data area    sectors %llu-%llu (%s)\n", (unsigned long long)sb->data_start,
		(unsigned long long)sb->data_end - 1, data);
	fprintf(o, "Directory    generation %llu in copy %s; ", (unsigned long long)v->dir.generation,
		v->active ? "B" : "A");
	if (v->copy_state[other] == COPY_GOOD || v->copy_state[other] == COPY_BAD_CONTENT)
		fprintf(o, "copy %s holds generation %llu\n", other ? "B" : "A", (unsigned long long)v->copy_gen[other]);
	else
		fprintf(o, "copy %s is %s\n", other ? "B" : "A", copy_state_text(v->copy_state[other]));
	fprintf(o, "Contents     %u VM%s, %u VD%s, %u file%s\n", nvm, nvm == 1 ? "" : "s", v->dir.nvdd,
		v->dir.nvdd == 1 ? "" : "s", v->dir.nfile, v->dir.nfile == 1 ? "" : "s");
	return 0;
}

static int query_space(CpCtx *cp, Vmfat *v, bool json)
{
	VmfatSpace s;
	vmfat_space(v, &s);
	FILE *o = cp->out;
	if (json) {
		fprintf(o,
			"{\"total\": %llu, \"used\": %llu, \"free\": %llu, \"largest_free\": %llu, "
			"\"used_extents\": %u, \"free_extents\": %u, \"vds\": %u, \"unit\": %llu}\n",
			(unsigned long long)(s.total * SECTOR_SIZE), (unsigned long long)(s.used * SECTOR_SIZE),
			(unsigned long long)(s.free * SECTOR_SIZE), (unsigned long long)(s.largest_free * SECTOR_SIZE),
			s.nused, s.nfree, v->dir.nvdd, (unsigned long long)v->sb.unit_sectors * SECTOR_SIZE);
		return 0;
	}
	char t[32], u[32], f[32], l[32];
	size_format(s.total * SECTOR_SIZE, t, sizeof(t));
	size_format(s.used * SECTOR_SIZE, u, sizeof(u));
	size_format(s.free * SECTOR_SIZE, f, sizeof(f));
	size_format(s.largest_free * SECTOR_SIZE, l, sizeof(l));
	fprintf(o, "Data area    %s\n", t);
	fprintf(o, "Used         %s in %u extent%s of %u VD%s\n", u, s.nused, s.nused == 1 ? "" : "s", v->dir.nvdd,
		v->dir.nvdd == 1 ? "" : "s");
	fprintf(o, "Free         %s in %u extent%s, the largest %s\n", f, s.nfree, s.nfree == 1 ? "" : "s", l);
	return 0;
}

int cp_cmd_query(CpCtx *cp, int argc, char **argv)
{
	bool json = false;
	CpOpt opts[] = {{"json", NULL, &json}, {NULL, NULL, NULL}};
	char *pos[2];
	int npos;
	int r = cp_args("query", argc, argv, opts, pos, 2, &npos);
	if (r)
		return r;
	if (npos < 1)
		return cp_missing("vm, vd, dasd, space or names", CP_USAGE_QUERY);
	const char *what = pos[0];
	if (cp_word(what, "names", 1))
		return npos > 1 ? (msg(CPM_EXTRA, 'E', "Too many operands for query names: %s", pos[1]),
				   VMCP_EINVAL)
				: query_names(cp, json);
	bool is_vm = cp_word(what, "vm", 2), is_vd = cp_word(what, "vd", 2);
	bool is_dasd = cp_word(what, "dasd", 2), is_space = cp_word(what, "space", 2);
	bool takes_name = is_vm || is_vd;
	if (!takes_name && !is_dasd && !is_space) {
		msg(CPM_UNKNOWN_WHAT, 'E', "Cannot query %s: use vm, vd, dasd, space or names", what);
		return VMCP_EINVAL;
	}
	if (npos > 1 && !takes_name) {
		msg(CPM_EXTRA, 'E', "Too many operands for query %s: %s", what, pos[1]);
		return VMCP_EINVAL;
	}
	int rc;
	Vmfat *v = cp_open(cp, VMFAT_OPEN_RDONLY, &rc);
	if (!v)
		return rc;
	const char *name = npos > 1 ? pos[1] : NULL;
	if (is_vm)
		r = query_vm(cp, v, name, json);
	else if (is_vd)
		r = query_vd(cp, v, name, json);
	else if (is_dasd)
		r = query_dasd(cp, v, json);
	else
		r = query_space(cp, v, json);
	vmfat_close(v);
	return r;
}
