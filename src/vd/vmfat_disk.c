/* vmfat_disk.c: the real disk as a whole: the superblock, `vmcp format`, opening (which
 * picks the newest good directory copy and runs the fast check), the crash-safe commit,
 * and the locks. Layout and update order: docs/vmfat.md.
 *
 * The commit is the crash-safety argument in one place: the new directory is written in
 * one piece over the copy that does NOT hold the directory in force, then flushed. A
 * crash before the flush completes leaves that copy torn or stale (its checksums fail,
 * or its generation is the older one) and the other copy, untouched, still holds the old
 * directory; after the flush the new copy has the highest generation and valid checksums.
 * Space given to a VD is zeroed and flushed before the directory that gives it is
 * written, so a VD never appears over stale data, whatever the write cache reorders. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "vd/crc32c.h"
#include "vd/vdconf.h"
#include "vd/vmfat.h"

/* The superblock: sector 0 of the real disk, written only by format. */
struct vmfat_super {
	char magic[8];        /* "VMFAT-SB" */
	u8 version[4];        /* 1 */
	u8 crc[4];            /* CRC-32C of the 512 bytes, this field taken as zero */
	u8 disk_sectors[8];   /* sectors VMFAT covers */
	u8 uuid[16];          /* random; repeated in each directory copy */
	u8 copy_a[8];         /* first sector of copy A's area */
	u8 copy_b[8];         /* first sector of copy B's area */
	u8 copy_sectors[4];   /* sectors in each copy's area */
	u8 unit_sectors[4];   /* allocation unit */
	u8 data_start[8];     /* data area: first sector */
	u8 data_end[8];       /* data area: one past the last sector */
	u8 format_time[8];    /* Unix seconds */
	u8 reserved0[8];
	char label[64];       /* human-readable, not checked */
	u8 reserved[352];
};
_Static_assert(sizeof(struct vmfat_super) == 512, "superblock is one sector");

#define SB_MAGIC "VMFAT-SB"
#define SB_LABEL "VMCP real disk (VMFAT). Managed by vmcp; do not write."
#define COPY_OFFSET 8 /* copy A begins at 4 KiB */

void vmfat_super_encode(const VmfatSuper *sb, u8 *sec)
{
	struct vmfat_super *s = (void *)sec;
	memset(sec, 0, 512);
	memcpy(s->magic, SB_MAGIC, 8);
	put_le32(s->version, VMFAT_VERSION);
	put_le64(s->disk_sectors, sb->disk_sectors);
	memcpy(s->uuid, sb->uuid, 16);
	put_le64(s->copy_a, sb->copy_start[0]);
	put_le64(s->copy_b, sb->copy_start[1]);
	put_le32(s->copy_sectors, sb->copy_sectors);
	put_le32(s->unit_sectors, sb->unit_sectors);
	put_le64(s->data_start, sb->data_start);
	put_le64(s->data_end, sb->data_end);
	put_le64(s->format_time, sb->format_time);
	memcpy(s->label, SB_LABEL, sizeof(SB_LABEL) - 1);
	put_le32(s->crc, crc32c(0, sec, 512));
}

int vmfat_super_decode(const u8 *sec, VmfatSuper *sb, char *w, size_t wn)
{
	const struct vmfat_super *s = (const void *)sec;
	if (memcmp(s->magic, SB_MAGIC, 8))
		return vmfat_why(w, wn, "no VMFAT superblock");
	u8 tmp[512];
	memcpy(tmp, sec, 512);
	memset(tmp + offsetof(struct vmfat_super, crc), 0, 4);
	if (crc32c(0, tmp, 512) != get_le32(s->crc))
		return vmfat_why(w, wn, "superblock checksum mismatch");
	if (get_le32(s->version) != VMFAT_VERSION) {
		vmfat_why(w, wn, "VMFAT version %u (this vmcp knows version %u)", get_le32(s->version),
		    VMFAT_VERSION);
		return VMCP_EUNSUP;
	}
	memcpy(sb->uuid, s->uuid, 16);
	sb->disk_sectors = get_le64(s->disk_sectors);
	sb->copy_start[0] = get_le64(s->copy_a);
	sb->copy_start[1] = get_le64(s->copy_b);
	sb->copy_sectors = get_le32(s->copy_sectors);
	sb->unit_sectors = get_le32(s->unit_sectors);
	sb->data_start = get_le64(s->data_start);
	sb->data_end = get_le64(s->data_end);
	sb->format_time = get_le64(s->format_time);
	u64 unit = sb->unit_sectors, cs = sb->copy_sectors;
	if (sb->disk_sectors < VMFAT_MIN_BYTES / 512 || sb->disk_sectors > VMFAT_MAX_BYTES / 512)
		return vmfat_why(w, wn, "superblock: disk size out of range");
	if (unit < 8 || unit > 65536 || (unit & (unit - 1)))
		return vmfat_why(w, wn, "superblock: allocation unit %llu sectors", (unsigned long long)unit);
	if (cs < 8 || cs > 65536)
		return vmfat_why(w, wn, "superblock: copy size %llu sectors", (unsigned long long)cs);
	if (sb->copy_start[0] < 1 || sb->copy_start[1] < sb->copy_start[0] + cs ||
	    sb->copy_start[1] > sb->disk_sectors || sb->data_start < sb->copy_start[1] + cs)
		return vmfat_why(w, wn, "superblock: directory copies misplaced");
	if (sb->data_start % unit || sb->data_end % unit || sb->data_end <= sb->data_start ||
	    sb->data_end > sb->disk_sectors)
		return vmfat_why(w, wn, "superblock: data area misplaced");
	return 0;
}

/* Chooses the layout for a real disk of `sectors` sectors (docs/vmfat.md, "Layout"). */
static int layout(u64 sectors, VmfatSuper *sb)
{
	memset(sb, 0, sizeof(*sb));
	sb->disk_sectors = sectors;
	sb->unit_sectors = sectors * 512 < 1 * GiB ? 128 : 2048; /* 64 KiB or 1 MiB */
	u64 copy_bytes = sectors * 512 / 256;
	copy_bytes = MAX(copy_bytes, 64 * KiB);
	copy_bytes = MIN(copy_bytes, 8 * MiB);
	copy_bytes &= ~(u64)(4 * KiB - 1);
	sb->copy_sectors = (u32)(copy_bytes / 512);
	sb->copy_start[0] = COPY_OFFSET;
	sb->copy_start[1] = COPY_OFFSET + sb->copy_sectors;
	u64 unit = sb->unit_sectors;
	sb->data_start = (sb->copy_start[1] + sb->copy_sectors + unit - 1) / unit * unit;
	sb->data_end = sectors / unit * unit;
	if (sb->data_end <= sb->data_start)
		return VMCP_ERANGE;
	return 0;
}

static void make_uuid(u8 *uuid)
{
	if (getrandom(uuid, 16, GRND_NONBLOCK) == 16)
		return;
	u64 t = (u64)time(NULL) ^ ((u64)getpid() << 32), c = (u64)clock();
	memcpy(uuid, &t, 8);
	memcpy(uuid + 8, &c, 8);
}

static int io_err(VdErr *e, int r, const char *what, const Backend *b, u64 off)
{
	if (r == VMCP_ENOMEM)
		return vderr(e, r, VDM_NOMEM, "Out of memory %s %s", what, b->path);
	return vderr(e, r, VDM_IO, "%s %s %s at byte %llu", r == VMCP_ENOSPC ? "No space left" : "I/O error",
		     what, b->path, (unsigned long long)off);
}

int vmfat_format(Backend *b, u64 bytes, VdErr *e)
{
	if (!bytes)
		bytes = b->size;
	if (bytes < VMFAT_MIN_BYTES || bytes > VMFAT_MAX_BYTES)
		return vderr(e, VMCP_ERANGE, VDM_DISK_SIZE,
			     "Real disk size %llu bytes is out of range (1M..1024T)", (unsigned long long)bytes);
	if (bytes > b->size)
		return vderr(e, VMCP_ERANGE, VDM_DISK_SIZE, "Real disk %s holds only %llu bytes", b->path,
			     (unsigned long long)b->size);
	VmfatSuper sb;
	if (layout(bytes / 512, &sb))
		return vderr(e, VMCP_ERANGE, VDM_DISK_SIZE, "Real disk size %llu bytes leaves no data area",
			     (unsigned long long)bytes);
	make_uuid(sb.uuid);
	sb.format_time = (u64)time(NULL);
	/* Both copies hold the empty directory (generations 1 and 2); the superblock comes
	 * last, so an interrupted format leaves no valid VMFAT with the new identity. */
	VmfatDir d = {.generation = 1, .next_vdd_id = 1};
	for (int c = 0; c < 2; c++, d.generation++) {
		size_t len;
		u8 *buf = vmfat_dir_encode(&sb, &d, c, &len);
		if (!buf)
			return io_err(e, VMCP_ENOMEM, "formatting", b, 0);
		int r = backend_pwrite(b, buf, len, sb.copy_start[c] * 512);
		free(buf);
		if (r)
			return io_err(e, r, "writing", b, sb.copy_start[c] * 512);
	}
	int r = backend_flush(b);
	if (r)
		return io_err(e, r, "flushing", b, 0);
	u8 sec[512];
	vmfat_super_encode(&sb, sec);
	if ((r = backend_pwrite(b, sec, 512, 0)))
		return io_err(e, r, "writing", b, 0);
	if ((r = backend_flush(b)))
		return io_err(e, r, "flushing", b, 0);
	return 0;
}

bool vmfat_probe(Backend *b, char *what, size_t n)
{
	u64 len = MIN(b->size, 1 * MiB);
	u8 *buf = malloc(len ? len : 1);
	if (!buf || backend_pread(b, buf, len, 0)) {
		free(buf);
		snprintf(what, n, "unreadable data");
		return true;
	}
	VmfatSuper sb;
	char w[120];
	bool found = true;
	if (len >= 512 && !memcmp(buf, SB_MAGIC, 8) && vmfat_super_decode(buf, &sb, w, sizeof(w)) != VMCP_ECORRUPT)
		snprintf(what, n, "a VMFAT real disk");
	else if (len >= 512 && buf[510] == 0x55 && buf[511] == 0xAA)
		snprintf(what, n, "a boot sector or partition table");
	else if (len >= 1082 && get_le16(buf + 1080) == 0xEF53)
		snprintf(what, n, "an ext2/3/4 file system");
	else {
		found = false;
		for (u64 i = 0; i < len && !found; i++)
			found = buf[i] != 0;
		if (found)
			snprintf(what, n, "data (its first MiB is not all zeros)");
		else
			snprintf(what, n, "nothing recognisable");
	}
	free(buf);
	return found;
}

/* Reads copy c: fills the state, generation and problem of copy c; on COPY_GOOD or
 * COPY_BAD_CONTENT with a decodable body, *d receives the directory (decoded). */
static void read_copy(Vmfat *v, int c, VmfatDir *d, bool *decoded)
{
	const VmfatSuper *sb = &v->sb;
	char *prob = v->copy_problem[c];
	size_t pn = sizeof(v->copy_problem[c]);
	u8 hdr[512];
	*decoded = false;
	v->copy_state[c] = COPY_BAD_HEADER;
	v->copy_gen[c] = 0;
	if (backend_pread(v->b, hdr, 512, sb->copy_start[c] * 512)) {
		snprintf(prob, pn, "unreadable");
		return;
	}
	u32 blen, bcrc;
	u64 gen;
	if (vmfat_dir_header(sb, hdr, c, &gen, &blen, &bcrc, prob, pn))
		return;
	v->copy_state[c] = COPY_BAD_BODY;
	u8 *body = malloc(blen ? blen : 1);
	if (!body || backend_pread(v->b, body, blen, sb->copy_start[c] * 512 + 512)) {
		free(body);
		snprintf(prob, pn, body ? "unreadable" : "out of memory");
		return;
	}
	if (crc32c(0, body, blen) != bcrc) {
		free(body);
		snprintf(prob, pn, "body checksum mismatch (an interrupted update)");
		return;
	}
	v->copy_gen[c] = gen;
	v->copy_state[c] = COPY_BAD_CONTENT;
	int r = vmfat_dir_decode(sb, hdr, body, blen, d, prob, pn);
	free(body);
	if (r)
		return;
	*decoded = true;
	if (vmfat_fast_check(sb, d, prob, pn))
		return;
	v->copy_state[c] = COPY_GOOD;
	prob[0] = 0;
}

static const char *copy_name(int c) { return c ? "B" : "A"; }

int vmfat_reload(Vmfat *v)
{
	VdErr *e = &v->err;
	u8 sec[512];
	char w[160];
	if (v->b->size < 512)
		return vderr(e, VMCP_ECORRUPT, VDM_NOT_VMFAT,
			     "%s does not hold VMFAT (it is smaller than one sector)", v->b->path);
	int r = backend_pread(v->b, sec, 512, 0);
	if (r)
		return io_err(e, r, "reading", v->b, 0);
	if (memcmp(sec, SB_MAGIC, 8))
		return vderr(e, VMCP_ECORRUPT, VDM_NOT_VMFAT,
			     "%s does not hold VMFAT (no superblock); use vmcp format", v->b->path);
	r = vmfat_super_decode(sec, &v->sb, w, sizeof(w));
	if (r == VMCP_EUNSUP)
		return vderr(e, r, VDM_VERSION, "%s: %s", v->b->path, w);
	if (r)
		return vderr(e, r, VDM_SUPER_BAD, "%s: the VMFAT superblock is damaged: %s", v->b->path, w);
	if (v->b->size < v->sb.disk_sectors * 512)
		return vderr(e, VMCP_ECORRUPT, VDM_TRUNCATED,
			     "%s holds %llu bytes but its VMFAT covers %llu (truncated?)", v->b->path,
			     (unsigned long long)v->b->size, (unsigned long long)(v->sb.disk_sectors * 512));
	VmfatDir d[2];
	bool dec[2];
	for (int c = 0; c < 2; c++)
		read_copy(v, c, &d[c], &dec[c]);
	v->max_gen = MAX(v->copy_gen[0], v->copy_gen[1]);
	/* The newest copy whose checksums hold is the directory in force. */
	int newest = -1;
	for (int c = 0; c < 2; c++)
		if (v->copy_state[c] >= COPY_BAD_CONTENT &&
		    (newest < 0 || v->copy_gen[c] > v->copy_gen[newest]))
			newest = c;
	int use = newest;
	v->rolled_back = v->dir_bad = false;
	if (v->have_newer)
		vmfat_dir_free(&v->newer);
	v->have_newer = false;
	r = 0;
	if (newest < 0) {
		r = vderr(e, VMCP_ECORRUPT, VDM_NO_COPY,
			  "%s: neither directory copy is readable (A: %s; B: %s)", v->b->path,
			  v->copy_problem[0], v->copy_problem[1]);
	} else if (v->copy_state[newest] != COPY_GOOD) {
		int other = 1 - newest;
		r = vderr(e, VMCP_ECORRUPT, VDM_COPY_BAD,
			  "%s: directory copy %s (generation %llu) is invalid: %s; run vmcp check",
			  v->b->path, copy_name(newest), (unsigned long long)v->copy_gen[newest],
			  v->copy_problem[newest]);
		if (v->flags & VMFAT_OPEN_LENIENT) {
			if (v->copy_state[other] == COPY_GOOD) {
				use = other;
				v->rolled_back = true;
				r = 0;
				if (dec[newest]) { /* what a rollback would drop: check looks */
					v->newer = d[newest];
					v->have_newer = true;
					dec[newest] = false;
				}
			} else if (dec[newest]) {
				v->dir_bad = true;
				r = 0;
			}
		}
	}
	if (!r) {
		vmfat_dir_free(&v->dir);
		v->dir = d[use];
		dec[use] = false;
		v->active = use;
	}
	for (int c = 0; c < 2; c++)
		if (dec[c])
			vmfat_dir_free(&d[c]);
	return r;
}

Vmfat *vmfat_open_backend(Backend *b, bool own, int flags, VdErr *e)
{
	Vmfat *v = calloc(1, sizeof(*v));
	if (!v) {
		vderr(e, VMCP_ENOMEM, VDM_NOMEM, "Out of memory");
		if (own)
			backend_close(b);
		return NULL;
	}
	v->b = b;
	v->own_backend = own;
	v->flags = flags;
	v->lock_timeout_ms = VMFAT_LOCK_TIMEOUT_MS;
	bool lock = !(flags & VMFAT_OPEN_NOLOCK);
	int r = lock ? vmfat_lock(v, false) : 0;
	if (!r) {
		r = vmfat_reload(v);
		if (lock)
			vmfat_unlock(v);
	}
	if (r) {
		if (e)
			*e = v->err;
		vmfat_close(v);
		return NULL;
	}
	return v;
}

Vmfat *vmfat_open(const char *path, int flags, VdErr *e)
{
	int err;
	Backend *b = backend_open_file(path, (flags & VMFAT_OPEN_RDONLY) ? BACKEND_RDONLY : 0, 0, &err);
	if (!b) {
		vderr(e, err, VDM_OPEN, "Cannot open real disk %s: %s", path,
		      err == VMCP_EINVAL ? "not a regular file or block device" : strerror(errno));
		return NULL;
	}
	return vmfat_open_backend(b, true, flags, e);
}

void vmfat_close(Vmfat *v)
{
	if (!v)
		return;
	vmfat_unlock(v);
	vmfat_dir_free(&v->dir);
	if (v->have_newer)
		vmfat_dir_free(&v->newer);
	if (v->own_backend)
		backend_close(v->b);
	free(v);
}

int vmfat_lock(Vmfat *v, bool exclusive)
{
	int fd = backend_fd(v->b);
	int mode = exclusive ? LOCK_EX : LOCK_SH;
	if (fd < 0) {
		v->dirlock = mode;
		return 0;
	}
	/* Poll rather than block, so a stuck holder turns into a message, not a hang. */
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (long wait_us = 200;; wait_us = MIN(wait_us * 2, 20000)) {
		if (flock(fd, mode | LOCK_NB) == 0) {
			v->dirlock = mode;
			return 0;
		}
		if (errno != EWOULDBLOCK && errno != EINTR)
			return vderr(&v->err, VMCP_EIO, VDM_LOCK, "Cannot lock real disk %s: %s", v->b->path,
				     strerror(errno));
		clock_gettime(CLOCK_MONOTONIC, &now);
		long ms = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (ms >= v->lock_timeout_ms)
			return vderr(&v->err, VMCP_ETIMEOUT, VDM_LOCK_TIMEOUT,
				     "Real disk %s is locked by another vmcp; gave up after %d seconds",
				     v->b->path, v->lock_timeout_ms / 1000);
		usleep((useconds_t)wait_us);
	}
}

void vmfat_unlock(Vmfat *v)
{
	int fd = backend_fd(v->b);
	if (v->dirlock && fd >= 0)
		flock(fd, LOCK_UN);
	v->dirlock = 0;
}

/* Every file an update changes or adds must parse as what its name says, with the
 * parsers ipl uses, so that no command commits a file later commands reject. Both
 * tables are sorted by name: one walk. */
static int validate_changed(Vmfat *v, const VmfatDir *nd)
{
	u32 j = 0;
	for (u32 i = 0; i < nd->nfile; i++) {
		const VmfatFile *f = &nd->file[i];
		while (j < v->dir.nfile && strcmp(v->dir.file[j].name, f->name) < 0)
			j++;
		const VmfatFile *old = j < v->dir.nfile && !strcmp(v->dir.file[j].name, f->name) ? &v->dir.file[j]
											 : NULL;
		if (old && old->size == f->size && !memcmp(old->data, f->data, f->size))
			continue;
		char vm[VM_NAME_MAX + 1];
		int dev;
		int kind = conf_file_kind(f->name, vm, &dev);
		VmConf c;
		VdConf vc;
		ConfErr ce = {0};
		int r = kind == 1 ? vmconf_parse(vm, f->data, f->size, &c, &ce)
			: kind == 2 ? vdconf_parse(f->data, f->size, &vc, &ce) : 0;
		if (r)
			return vderr(&v->err, VMCP_EINVAL, VDM_EDIT_INVALID,
				     "The change would leave file %s invalid (line %d: %s); nothing was changed",
				     f->name, ce.line, ce.text);
	}
	return 0;
}

int vmfat_commit(Vmfat *v, VmfatDir *nd)
{
	/* The counter never wraps: at its end no update is written (an older copy would
	 * win); vmcp check --repair renumbers the copies. */
	if (v->max_gen >= VMFAT_GEN_MAX)
		return vderr(&v->err, VMCP_ERANGE, VDM_GEN_END,
			     "The directory generation counter of %s is at its end (%llu); vmcp check --repair "
			     "renumbers it", v->b->path, (unsigned long long)v->max_gen);
	int r = vmfat_dir_rebuild_alloc(nd);
	if (r)
		return io_err(&v->err, r, "committing", v->b, 0);
	if ((r = validate_changed(v, nd)))
		return r;
	/* A running VM whose VD this directory does not know (a VDD from an update that was
	 * lost: the newest copy damaged after it was written): no update while it runs. */
	u32 held;
	if (vmfat_vd_range_in_use(v->b, nd->next_vdd_id, VMFAT_VD_IDS - nd->next_vdd_id, &held))
		return vderr(&v->err, VMCP_EBUSY, VDM_LOST_VD,
			     "A running VM uses the VD with VDD id %u, which the directory of %s does not know "
			     "(an update was lost); end that VM, then run vmcp check", held, v->b->path);
	nd->generation = v->max_gen + 1;
	char w[160];
	if (vmfat_fast_check(&v->sb, nd, w, sizeof(w))) /* a CP bug: never write it */
		return vderr(&v->err, VMCP_ECORRUPT, VDM_COPY_BAD, "Refusing to write an invalid directory: %s",
			     w);
	int target = 1 - v->active;
	size_t len;
	u8 *buf = vmfat_dir_encode(&v->sb, nd, target, &len);
	if (!buf)
		return io_err(&v->err, VMCP_ENOMEM, "committing", v->b, 0);
	if (len > (u64)v->sb.copy_sectors * 512) {
		free(buf);
		return vderr(&v->err, VMCP_ENOSPC, VDM_DIR_FULL,
			     "The directory is full: %zu bytes needed, a copy holds %llu", len,
			     (unsigned long long)v->sb.copy_sectors * 512);
	}
	u64 off = v->sb.copy_start[target] * 512;
	r = backend_pwrite(v->b, buf, len, off);
	free(buf);
	if (!r)
		r = backend_flush(v->b);
	if (r) {
		/* The copy may or may not have reached the disk: the next reload decides. */
		v->copy_state[target] = COPY_BAD_BODY;
		v->max_gen = MAX(v->max_gen, nd->generation);
		return io_err(&v->err, r, "writing the directory of", v->b, off);
	}
	vmfat_dir_free(&v->dir);
	v->dir = *nd;
	memset(nd, 0, sizeof(*nd));
	v->copy_state[target] = COPY_GOOD;
	v->copy_gen[target] = v->dir.generation;
	v->copy_problem[target][0] = 0;
	v->max_gen = v->dir.generation;
	v->active = target;
	v->rolled_back = v->dir_bad = false;
	if (v->have_newer)
		vmfat_dir_free(&v->newer);
	v->have_newer = false;
	return 0;
}

int vmfat_renumber(Vmfat *v)
{
	char w[160];
	if (vmfat_fast_check(&v->sb, &v->dir, w, sizeof(w)))
		return vderr(&v->err, VMCP_ECORRUPT, VDM_COPY_BAD, "Refusing to renumber an invalid directory: %s", w);
	/* The copy not in force first: until the second write is complete the copy in
	 * force (with the high generation) holds the same directory and wins; after it,
	 * generation 2 does. A crash in between leaves generation 1: the same directory. */
	VmfatDir d = v->dir;
	int order[2] = {1 - v->active, v->active};
	for (int k = 0; k < 2; k++) {
		int c = order[k];
		d.generation = (u64)k + 1;
		size_t len;
		u8 *buf = vmfat_dir_encode(&v->sb, &d, c, &len);
		if (!buf)
			return io_err(&v->err, VMCP_ENOMEM, "renumbering", v->b, 0);
		u64 off = v->sb.copy_start[c] * 512;
		int r = backend_pwrite(v->b, buf, len, off);
		free(buf);
		if (!r)
			r = backend_flush(v->b);
		if (r) {
			v->copy_state[c] = COPY_BAD_BODY;
			return io_err(&v->err, r, "renumbering the directory of", v->b, off);
		}
		v->copy_state[c] = COPY_GOOD;
		v->copy_gen[c] = d.generation;
		v->copy_problem[c][0] = 0;
	}
	v->dir.generation = 2;
	v->max_gen = 2;
	v->rolled_back = v->dir_bad = false;
	if (v->have_newer)
		vmfat_dir_free(&v->newer);
	v->have_newer = false;
	return 0;
}

static int vd_lock_op(Vmfat *v, u32 id, short type, int cmd, struct flock *fl)
{
	memset(fl, 0, sizeof(*fl));
	fl->l_type = type;
	fl->l_whence = SEEK_SET;
	fl->l_start = (off_t)(VMFAT_LOCK_BASE + id);
	fl->l_len = 1;
	return fcntl(backend_fd(v->b), cmd, fl);
}

int vmfat_vd_lock(Vmfat *v, u32 id, bool write)
{
	struct flock fl;
	if (backend_fd(v->b) < 0)
		return 0;
	if (vd_lock_op(v, id, write ? F_WRLCK : F_RDLCK, F_OFD_SETLK, &fl) == 0)
		return 0;
	return errno == EAGAIN || errno == EACCES ? VMCP_EBUSY : VMCP_EIO;
}

void vmfat_vd_unlock(Vmfat *v, u32 id)
{
	struct flock fl;
	if (backend_fd(v->b) >= 0)
		vd_lock_op(v, id, F_UNLCK, F_OFD_SETLK, &fl);
}

int vmfat_extents_lock(Vmfat *v, const VdExtent *x, u32 n, bool on)
{
	int fd = backend_fd(v->b);
	if (fd < 0)
		return 0;
	for (u32 i = 0; i < n; i++) {
		struct flock fl = {.l_type = on ? F_RDLCK : F_UNLCK, .l_whence = SEEK_SET,
				   .l_start = (off_t)(VMFAT_EXTENT_LOCK_BASE + x[i].start),
				   .l_len = (off_t)x[i].count};
		if (fcntl(fd, F_OFD_SETLK, &fl) != 0) {
			int busy = errno == EAGAIN || errno == EACCES;
			if (on)
				vmfat_extents_lock(v, x, i, false);
			return busy ? VMCP_EBUSY : VMCP_EIO;
		}
	}
	return 0;
}

bool vmfat_extents_in_use(Backend *b, const VdExtent *x, u32 n, u64 *sector)
{
	int fd = backend_fd(b);
	for (u32 i = 0; fd >= 0 && i < n; i++) {
		struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET,
				   .l_start = (off_t)(VMFAT_EXTENT_LOCK_BASE + x[i].start),
				   .l_len = (off_t)x[i].count};
		if (fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK) {
			if (sector)
				*sector = MAX((u64)fl.l_start - VMFAT_EXTENT_LOCK_BASE, x[i].start);
			return true;
		}
	}
	return false;
}

bool vmfat_vd_in_use(Vmfat *v, u32 id)
{
	return vmfat_vd_range_in_use(v->b, id, 1, NULL);
}

bool vmfat_vd_range_in_use(Backend *b, u32 first, u64 count, u32 *held)
{
	int fd = backend_fd(b);
	if (fd < 0 || !count)
		return false;
	/* One F_OFD_GETLK over the whole range: the kernel answers with a lock another
	 * open file description holds in it, if any. */
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET,
			   .l_start = (off_t)(VMFAT_LOCK_BASE + first), .l_len = (off_t)count};
	if (fcntl(fd, F_OFD_GETLK, &fl) != 0 || fl.l_type == F_UNLCK)
		return false;
	if (held) {
		u64 at = (u64)fl.l_start;
		*held = at > VMFAT_LOCK_BASE + first ? (u32)(at - VMFAT_LOCK_BASE) : first;
	}
	return true;
}
