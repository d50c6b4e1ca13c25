/* cmd_vd.c: the VD family: `vmcp vd import VM DEV FILE` copies a raw image into a VD
 * (the rest of the VD reads as zeros afterwards), `vmcp vd export VM DEV FILE` copies a
 * VD out to a raw image (FILE "-": standard output; a new file is created 0600, or with
 * --mode), `vmcp vd resize VM DEV SIZE` grows a VD (the new space reads as zeros). An
 * export is written beside its target and renamed over it when complete, and never
 * over a disk VMCP holds (vd/outfile.h). Import and export stream through the VD manager in
 * 4 MiB pieces (never the whole image in memory), keep holes as holes (an all-zero piece
 * is zeroed or skipped, not written), hold the VD's lock for their duration (refused
 * while a VM uses the VD), and draw a progress line only when stderr is a terminal.
 *
 * A CD-ROM VD holds a disc: import puts the image in as the disc (its size, padded to
 * 2048-byte blocks, recorded as the settings file's `medium`), export writes the disc
 * out (not the whole VD). Importing into the CD-ROM of a running VM is the VM's own
 * business: the import asks the VM, through the CP, to run its command `change DEV
 * FILE`, which loads the disc while the VM runs and tells the guest (docs/commands.md). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "cp/cp.h"
#include "cp/cpsock.h"
#include "vd/outfile.h"
#include "vd/vdconf.h"

#define CHUNK (4 * MiB)

/* Finds VD vm dev under the directory lock, takes its lock (write for import, read for
 * export) and fills vd. Returns 0 or the code after printing the message; a VD in use
 * is VMCP_EBUSY with *type set and no message when quiet_busy. */
static int open_vd(Vmfat *v, const char *vm, const char *dev, bool write, VdDisk *vd, u32 *id,
		   bool quiet_busy, int *type)
{
	int d = vm_dev_index(dev);
	if (d < 0) {
		msg(VDM_DEV, 'E', "Invalid device '%s': use hda, hdb, hdc, hdd, fda or fdb", dev);
		return VMCP_EINVAL;
	}
	int r = vmfat_lock(v, false);
	if (!r)
		r = vmfat_reload(v);
	if (r) {
		vmfat_unlock(v);
		return cp_fail(&v->err);
	}
	const VmfatVdd *vdd = vmfat_dir_vdd(&v->dir, vm, d);
	if (!vdd) {
		vmfat_unlock(v);
		msg(VDM_VD_NOT_FOUND, 'E', "VD %s %s is not defined", vm, dev);
		return VMCP_ENOENT;
	}
	*id = vdd->id;
	*type = vdd->type;
	r = vmfat_vd_lock(v, vdd->id, write);
	if (r) {
		vmfat_unlock(v);
		if (r != VMCP_EBUSY)
			msg(VDM_LOCK, 'E', "Cannot lock VD %s %s", vm, dev);
		else if (!quiet_busy)
			msg(VDM_VD_BUSY, 'E', "VD %s %s is in use by a running VM", vm, dev);
		return r;
	}
	if (vmfat_vd_load(v, vdd, vd)) {
		vmfat_vd_unlock(v, vdd->id);
		vmfat_unlock(v);
		return cp_fail(&v->err);
	}
	vmfat_unlock(v);
	vd->readonly = false; /* read-only binds the guest, not the CP */
	return 0;
}

static int write_full(int fd, const u8 *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int vd_io_fail(const char *what, const char *vm, const char *dev, u64 lba, int r)
{
	msg(VDM_VD_IO, 'E', "%s VD %s %s failed at sector %llu: %s", what, vm, dev, (unsigned long long)lba,
	    vmcp_strerror(r));
	return r;
}

/* Imports the image at path. Into a CD-ROM the image is the disc: the settings file
 * says "medium = none" while it is written (a failure leaves no half disc behind), then
 * its size. */
static int do_import(Vmfat *v, VdDisk *vd, const char *vm, const char *dev, const char *path)
{
	VdErr e;
	bool cd = vd->type == VD_TYPE_CDROM;
	u64 done = 0;
	if (cd && vd->medium && vmfat_set_medium(v, vm, dev, 0))
		return cp_fail(&v->err);
	if (cp_image_import(vd, vm, dev, path, true, &done, &e))
		return cp_fail(&e);
	if (cd && vmfat_set_medium(v, vm, dev, vd_medium_size(done)))
		return cp_fail(&v->err);
	msg(CPM_IMPORTED, 'I', "VD %s %s imported: %llu bytes from %s", vm, dev, (unsigned long long)done, path);
	return 0;
}

/* vd import into the CD-ROM of a running VM: the VM's command `change DEV FILE` (FILE
 * made absolute), through the CP. A VD busy for another reason (an import or export in
 * progress: no such VM runs) gets the busy message. */
static int import_running(CpCtx *cp, const char *vm, const char *dev, const char *path)
{
	char abs[PATH_MAX], cwd[PATH_MAX], line[PATH_MAX + 32];
	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), "/");
	if (!realpath(path, abs)) {
		msg(VDM_IMAGE_IO, 'E', "Cannot read image %s: %s", path, strerror(errno));
		return errno == ENOENT ? VMCP_ENOENT : VMCP_EIO;
	}
	snprintf(line, sizeof(line), "change %s %s", dev, abs);
	CpConn c;
	if (cpconn_open(&c, cp->dasd, false, true)) {
		msg(VDM_VD_BUSY, 'E', "VD %s %s is in use by a running VM", vm, dev);
		return VMCP_EBUSY;
	}
	JsonWriter w;
	jw_init(&w);
	jw_obj(&w);
	jw_key(&w, "name");
	jw_str(&w, vm);
	jw_key(&w, "command");
	jw_str(&w, line);
	jw_key(&w, "cwd");
	jw_str(&w, cwd);
	jw_key(&w, "timeout");
	jw_int(&w, 3600);
	jw_end_obj(&w);
	char *args = jw_take(&w, NULL);
	Json *r = args ? cpconn_call(&c, "send", args, 3610 * 1000) : NULL;
	free(args);
	cpconn_close(&c);
	if (!r)
		return VMCP_EIO;
	const Json *err = json_get(r, "error");
	if (err && !strcmp(json_get_str(err, "class") ? json_get_str(err, "class") : "", "NotRunning")) {
		json_free(r);
		msg(VDM_VD_BUSY, 'E', "VD %s %s is in use by a running VM", vm, dev);
		return VMCP_EBUSY;
	}
	int rc = cpconn_reply_status(r);
	if (!rc) {
		const Json *ret = json_get(r, "return");
		const Json *out = json_get(ret, "output");
		if (out && out->type == JSON_STR)
			fwrite(out->str, 1, out->len, stdout);
		int exit = (int)json_get_num(ret, "rc", 0);
		rc = exit == 124 ? VMCP_ETIMEOUT : exit ? -exit : 0;
	}
	json_free(r);
	return rc;
}

/* Exports the VD to path: a temporary file beside it, renamed over it once every byte
 * is written and flushed (outfile.h), so a failed export leaves the old file as it was,
 * and never over a disk VMCP holds. */
static int do_export(CpCtx *cp, VdDisk *vd, const char *vm, const char *dev, const char *path,
		     mode_t mode)
{
	Outfile of;
	VdErr e;
	/* A CD-ROM's image is its disc. */
	u64 sectors = vd->type == VD_TYPE_CDROM ? vd->medium / SECTOR_SIZE : vd->sectors;
	if (vd->type == VD_TYPE_CDROM && !sectors) {
		msg(VDM_NO_DISC, 'E', "VD %s %s holds no disc", vm, dev);
		return VMCP_ENOENT;
	}
	if (outfile_open(&of, cp->dasd, path, OUTFILE_REPLACE, mode, VDM_IMAGE_IO, "image", &e))
		return cp_fail(&e);
	/* Holes are kept only in a new file (a temporary one): one written in place must
	 * get its zeros. */
	struct stat st;
	bool sparse = !of.is_stdout && !of.in_place && fstat(of.fd, &st) == 0 && S_ISREG(st.st_mode);
	u8 *buf = malloc(CHUNK);
	if (!buf) {
		outfile_abort(&of);
		msg(VDM_NOMEM, 'E', "Out of memory");
		return VMCP_ENOMEM;
	}
	char what[64];
	snprintf(what, sizeof(what), "export %s %s", vm, dev);
	CpProgress prog;
	u64 total = sectors * SECTOR_SIZE;
	cp_progress_begin(&prog, what, total);
	int r = 0;
	for (u64 lba = 0; !r && lba < sectors;) {
		u32 count = (u32)MIN(sectors - lba, CHUNK / SECTOR_SIZE);
		size_t n = (size_t)count * SECTOR_SIZE;
		if ((r = vd_read(vd, lba, count, buf))) {
			r = vd_io_fail("Reading", vm, dev, lba, r);
			break;
		}
		if (sparse && cp_is_zero(buf, n)) {
			if (lseek(of.fd, (off_t)n, SEEK_CUR) < 0)
				r = VMCP_EIO;
		} else if (write_full(of.fd, buf, n)) {
			r = errno == ENOSPC || errno == EDQUOT ? VMCP_ENOSPC : VMCP_EIO;
		}
		if (r)
			msg(VDM_IMAGE_IO, 'E', "Cannot write image %s: %s", path, strerror(errno));
		lba += count;
		cp_progress(&prog, lba * SECTOR_SIZE);
	}
	if (!r && sparse && ftruncate(of.fd, (off_t)total) != 0) {
		msg(VDM_IMAGE_IO, 'E', "Cannot write image %s: %s", path, strerror(errno));
		r = VMCP_EIO;
	}
	cp_progress_end(&prog);
	free(buf);
	if (r)
		outfile_abort(&of);
	else if ((r = outfile_commit(&of, total, &e)))
		cp_fail(&e);
	if (!r && !of.is_stdout)
		msg(CPM_EXPORTED, 'I', "VD %s %s exported: %llu bytes to %s", vm, dev, (unsigned long long)total, path);
	return r;
}

static int do_resize(Vmfat *v, const char *vm, const char *dev, const char *size_s)
{
	u64 bytes, old = 0;
	int r = cp_size(size_s, &bytes);
	if (r)
		return r;
	if (vmfat_resize_vd(v, vm, dev, bytes, &old))
		return cp_fail(&v->err);
	char a[32], b[32];
	size_format(old, a, sizeof(a));
	size_format(bytes, b, sizeof(b));
	if (old == bytes)
		msg(CPM_SAME_SIZE, 'I', "VD %s %s is already %s", vm, dev, b);
	else
		msg(CPM_RESIZED, 'I', "VD %s %s resized from %s to %s", vm, dev, a, b);
	return 0;
}

int cp_cmd_vd(CpCtx *cp, int argc, char **argv)
{
	const char *mode_s = NULL;
	const CpOpt opts[] = {{"mode", &mode_s, NULL}, {NULL, NULL, NULL}};
	char *pos[4];
	int npos;
	int r = cp_args("vd", argc, argv, opts, pos, 4, &npos);
	if (r)
		return r;
	mode_t mode = OUTFILE_MODE;
	if (mode_s && outfile_parse_mode(mode_s, &mode)) {
		msg(VDM_VM_OPTION, 'E', "Invalid --mode %s: an octal file mode (e.g. 0640)", mode_s);
		return VMCP_EINVAL;
	}
	if (npos < 1)
		return cp_missing("import, export or resize", CP_USAGE_VD);
	const char *op = pos[0];
	bool imp = cp_word(op, "import", 3), exp = cp_word(op, "export", 3), res = cp_word(op, "resize", 3);
	if (!imp && !exp && !res) {
		msg(CPM_UNKNOWN_WHAT, 'E', "Unknown vd operation %s: use import, export or resize", op);
		return VMCP_EINVAL;
	}
	if (npos < 4)
		return cp_missing(npos == 1 ? "VM" : npos == 2 ? "DEV" : res ? "SIZE" : "FILE", CP_USAGE_VD);
	if (mode_s && !exp) {
		msg(CPM_UNKNOWN_OPT, 'E', "Unknown option --mode for vd %s (only export takes it)", op);
		return VMCP_EINVAL;
	}
	int rc;
	Vmfat *v = cp_open(cp, exp ? VMFAT_OPEN_RDONLY : 0, &rc);
	if (!v)
		return rc;
	if (res) {
		r = do_resize(v, pos[1], pos[2], pos[3]);
	} else {
		VdDisk vd;
		u32 id = 0;
		int type = 0;
		if (!(r = open_vd(v, pos[1], pos[2], imp, &vd, &id, imp, &type))) {
			r = imp ? do_import(v, &vd, pos[1], pos[2], pos[3])
				: do_export(cp, &vd, pos[1], pos[2], pos[3], mode);
			vmfat_vd_unlock(v, id);
		} else if (r == VMCP_EBUSY && imp && type == VD_TYPE_CDROM) {
			r = import_running(cp, pos[1], pos[2], pos[3]);
		} else if (r == VMCP_EBUSY && imp) {
			msg(VDM_VD_BUSY, 'E', "VD %s %s is in use by a running VM", pos[1], pos[2]);
		}
	}
	vmfat_close(v);
	return r;
}
