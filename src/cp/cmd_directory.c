/* cmd_directory.c: `vmcp directory get NAME` prints a file of VMFAT (a config file or a
 * VD settings file); `vmcp directory put NAME FILE` replaces one after validating it
 * (FILE "-" is standard input): a bad file is refused with its line and the reason and
 * nothing changes; a VD settings file that grows the capacity or changes the type or
 * read-only flag changes its VDD in the same update. `vmcp directory list` lists the
 * files. As z/VM's DIRMAINT GET/REPLACE, but the files are small and human-readable. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "cp/cp.h"

static int dir_get(CpCtx *cp, Vmfat *v, const char *name)
{
	const VmfatFile *f = vmfat_dir_file(&v->dir, name);
	if (!f) {
		msg(VDM_FILE_NOT_FOUND, 'E', "File %s does not exist", name);
		return VMCP_ENOENT;
	}
	fwrite(f->data, 1, f->size, cp->out);
	return 0;
}

static int dir_list(CpCtx *cp, Vmfat *v)
{
	for (u32 i = 0; i < v->dir.nfile; i++) {
		char vm[VM_NAME_MAX + 1];
		int dev;
		int kind = conf_file_kind(v->dir.file[i].name, vm, &dev);
		fprintf(cp->out, "%-24s  %5u  %s\n", v->dir.file[i].name, v->dir.file[i].size,
			kind == 1 ? "config file" : kind == 2 ? "VD settings file" : "unknown");
	}
	if (!v->dir.nfile)
		msg(CPM_NONE, 'I', "The directory holds no files");
	return 0;
}

/* Reads FILE ("-": stdin) into a malloc'd buffer, at most CONF_FILE_MAX + 1 bytes. */
static int read_small(const char *path, char **data, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		msg(CPM_READ_FILE, 'E', "Cannot read %s: %s", path, strerror(errno));
		return errno == ENOENT ? VMCP_ENOENT : VMCP_EIO;
	}
	*data = malloc(CONF_FILE_MAX + 2);
	*len = *data ? fread(*data, 1, CONF_FILE_MAX + 1, f) : 0;
	int bad = !*data || ferror(f);
	if (f != stdin)
		fclose(f);
	if (bad) {
		free(*data);
		msg(CPM_READ_FILE, 'E', "Cannot read %s", path);
		return VMCP_EIO;
	}
	return 0;
}

int cp_cmd_directory(CpCtx *cp, int argc, char **argv)
{
	char *pos[3];
	int npos;
	int r = cp_args("directory", argc, argv, NULL, pos, 3, &npos);
	if (r)
		return r;
	if (npos < 1)
		return cp_missing("get, put or list", CP_USAGE_DIRECTORY);
	const char *op = pos[0];
	int want = cp_word(op, "get", 3) ? 2 : cp_word(op, "put", 3) ? 3 : cp_word(op, "list", 1) ? 1 : 0;
	if (!want) {
		msg(CPM_UNKNOWN_WHAT, 'E', "Unknown directory operation %s: use get, put or list", op);
		return VMCP_EINVAL;
	}
	if (npos < want)
		return cp_missing(npos == 1 ? "NAME" : "FILE", CP_USAGE_DIRECTORY);
	if (npos > want) {
		msg(CPM_EXTRA, 'E', "Too many operands for directory %s: %s", op, pos[want]);
		return VMCP_EINVAL;
	}
	char *data = NULL;
	size_t len = 0;
	if (want == 3 && (r = read_small(pos[2], &data, &len)))
		return r;
	int rc;
	Vmfat *v = cp_open(cp, want == 3 ? 0 : VMFAT_OPEN_RDONLY, &rc);
	if (!v) {
		free(data);
		return rc;
	}
	if (want == 1)
		r = dir_list(cp, v);
	else if (want == 2)
		r = dir_get(cp, v, pos[1]);
	else if ((r = vmfat_put_file(v, pos[1], data, len)))
		r = cp_fail(&v->err);
	else
		msg(CPM_FILE_PUT, 'I', "File %s replaced", pos[1]);
	free(data);
	vmfat_close(v);
	return r;
}
