/* cmd_format.c: `vmcp format [--dasd PATH] --size SIZE [--force] [--mode MODE]`: lays
 * VMFAT on a real disk. A missing file is created sparse with SIZE bytes (mode 0600, or
 * MODE); an existing file grows to SIZE
 * if smaller (VMFAT covers the first SIZE bytes of a larger one); a block device gives its
 * own size (SIZE, if given, may only be smaller). Anything that already holds VMFAT or
 * recognisable data is refused unless --force, and even then not while a VM uses one of
 * its VDs. Like z/VM's CPFMTXA, it is the one command that may destroy a directory. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "cp/cp.h"
#include "vd/outfile.h"

/* Refuses --force while a VM uses a VD of the VMFAT already there. The VD locks are
 * tested on the real disk itself, for every possible VDD id at once, so a VM is found
 * even when the directory that names its VD cannot be read; the directory, when it can
 * be, gives the VD's name for the message. */
static int check_not_in_use(Backend *b)
{
	u32 id;
	if (!vmfat_vd_range_in_use(b, 0, VMFAT_VD_IDS, &id))
		return 0;
	VdErr e;
	char what[80];
	snprintf(what, sizeof(what), "the VD with VDD id %u", id);
	Vmfat *v = vmfat_open_backend(b, false, VMFAT_OPEN_LENIENT | VMFAT_OPEN_NOLOCK, &e);
	for (u32 i = 0; v && i < v->dir.nvdd; i++)
		if (v->dir.vdd[i].id == id)
			snprintf(what, sizeof(what), "VD %s %s", v->dir.vdd[i].vm, vm_dev_name(v->dir.vdd[i].dev));
	vmfat_close(v);
	vderr(&e, VMCP_EBUSY, VDM_DISK_BUSY, "Real disk %s is in use: %s belongs to a running VM", b->path, what);
	return cp_fail(&e);
}

int cp_cmd_format(CpCtx *cp, int argc, char **argv)
{
	const char *size_s = NULL, *mode_s = NULL;
	bool force = false;
	CpOpt opts[] = {{"size", &size_s, NULL}, {"force", NULL, &force}, {"mode", &mode_s, NULL},
			{NULL, NULL, NULL}};
	char *pos[1];
	int npos;
	int r = cp_args("format", argc, argv, opts, pos, 0, &npos);
	if (r)
		return r;
	u64 size = 0;
	if (size_s && (r = cp_size(size_s, &size)))
		return r;
	mode_t mode = OUTFILE_MODE;
	if (mode_s && outfile_parse_mode(mode_s, &mode)) {
		msg(VDM_VM_OPTION, 'E', "Invalid --mode %s: an octal file mode (e.g. 0640)", mode_s);
		return VMCP_EINVAL;
	}
	VdErr e;
	if (size_s && (size < VMFAT_MIN_BYTES || size > VMFAT_MAX_BYTES)) {
		msg(VDM_DISK_SIZE, 'E', "Real disk size %s is out of range (1M..1024T)", size_s);
		return VMCP_ERANGE;
	}
	struct stat st;
	bool exists = stat(cp->dasd, &st) == 0;
	if (!exists && !strncmp(cp->dasd, "/dev/", 5)) { /* a missing device, not a file to create */
		msg(VDM_OPEN, 'E', "Cannot open real disk %s: no such device", cp->dasd);
		return VMCP_ENOENT;
	}
	if (!exists && !size_s) {
		msg(CPM_NEED_SIZE, 'E', "%s does not exist: --size is needed to create it", cp->dasd);
		return VMCP_EINVAL;
	}
	int err;
	Backend *b = backend_open_file(cp->dasd, BACKEND_CREATE | BACKEND_EXCL, size, &err);
	if (!b) {
		vderr(&e, err, VDM_OPEN, "Cannot open real disk %s: %s", cp->dasd, strerror(errno));
		return cp_fail(&e);
	}
	bool created = !exists;
	/* The directory lock keeps other vmcp commands out while the disk is rewritten. */
	Vmfat lockv = {.b = b, .lock_timeout_ms = VMFAT_LOCK_TIMEOUT_MS};
	if (vmfat_lock(&lockv, true)) {
		backend_close(b);
		return cp_fail(&lockv.err);
	}
	if (!size)
		size = b->size;
	char what[80];
	if (!created && vmfat_probe(b, what, sizeof(what)) && !force) {
		vderr(&e, VMCP_EEXIST, VDM_HOLDS_DATA, "%s already holds %s; use --force to overwrite it",
		      cp->dasd, what);
		r = cp_fail(&e);
		goto out;
	}
	/* Whatever the disk seems to hold: a VM using one of its VDs keeps it. */
	if (!created && (r = check_not_in_use(b)))
		goto out;
	if (size > b->size && !b->is_blockdev && (r = backend_resize(b, size))) {
		vderr(&e, r, VDM_IO, "Cannot grow %s to %s bytes", cp->dasd, size_s);
		r = cp_fail(&e);
		goto out;
	}
	if ((r = vmfat_format(b, size, &e))) {
		r = cp_fail(&e);
		goto out;
	}
	/* A new real disk is the user's alone (0600) unless --mode says otherwise; --mode
	 * also sets an existing file's. A block device keeps its own. */
	if ((created || mode_s) && !b->is_blockdev && fchmod(backend_fd(b), mode) != 0) {
		vderr(&e, VMCP_EIO, VDM_OPEN, "Cannot set the mode of %s: %s", cp->dasd, strerror(errno));
		r = cp_fail(&e);
		goto out;
	}
	VdErr oe;
	Vmfat *v = vmfat_open_backend(b, false, VMFAT_OPEN_NOLOCK, &oe);
	if (!v) {
		r = cp_fail(&oe);
		goto out;
	}
	char sz[32], unit[32], data[32];
	size_format(v->sb.disk_sectors * SECTOR_SIZE, sz, sizeof(sz));
	size_format((u64)v->sb.unit_sectors * SECTOR_SIZE, unit, sizeof(unit));
	size_format((v->sb.data_end - v->sb.data_start) * SECTOR_SIZE, data, sizeof(data));
	msg(CPM_FORMATTED, 'I', "%s formatted: VMFAT version %d, %s, allocation unit %s, data area %s",
	    cp->dasd, VMFAT_VERSION, sz, unit, data);
	vmfat_close(v);
out:
	vmfat_unlock(&lockv);
	backend_close(b);
	if (r && created)
		unlink(cp->dasd);
	return r;
}
