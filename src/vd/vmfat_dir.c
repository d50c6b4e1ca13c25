/* vmfat_dir.c: a VMFAT directory copy in memory and on disk: decoding (from untrusted
 * bytes: a damaged or hostile disk), encoding, the fast check every open runs, and the
 * small edits the operations make. The byte layout is docs/vmfat.md, "Directory copy";
 * the structs below are that layout, every field little-endian. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "vd/crc32c.h"
#include "vd/vmfat.h"
#include "vd/vdconf.h"

/* A directory copy's header: the first 512 bytes of its area. */
struct vmfat_dir_header {
	char magic[8];      /* "VMFAT-DR" */
	u8 version[4];      /* 1 */
	u8 crc[4];          /* CRC-32C of these 512 bytes, this field taken as zero */
	u8 uuid[16];        /* the superblock's */
	u8 generation[8];   /* higher is newer */
	u8 body_bytes[4];   /* bytes of body after this header */
	u8 body_crc[4];     /* CRC-32C of the body */
	u8 nalloc[4];
	u8 nvdd[4];
	u8 nfile[4];
	u8 next_vdd_id[4];
	u8 copy;            /* 0 = A, 1 = B: where this copy belongs */
	u8 reserved[447];
};
_Static_assert(sizeof(struct vmfat_dir_header) == 512, "directory header is one sector");

/* The body, in order: nalloc allocation entries, nvdd VDD records, nfile file records. */
struct vmfat_alloc_entry {
	u8 start[8];  /* sector of the data area */
	u8 count[8];  /* sectors (whole units) */
	u8 vdd_id[4]; /* the VDD this extent belongs to */
	u8 reserved[4];
};
_Static_assert(sizeof(struct vmfat_alloc_entry) == 24, "allocation entry");

struct vdd_record {
	u8 id[4];
	u8 nextents[4];  /* 1..64 */
	u8 capacity[8];  /* sectors the guest sees */
	char vm[24];     /* owner VM name, NUL-padded */
	char dev[8];     /* "hda".."fdb", NUL-padded */
	u8 type;         /* 0 disk, 1 floppy, 2 cdrom */
	u8 flags;        /* bit 0: read-only */
	u8 reserved[14];
	/* followed by nextents struct vdd_extent */
};
struct vdd_extent {
	u8 start[8];
	u8 count[8];
};
_Static_assert(sizeof(struct vdd_record) == 64, "VDD record header");
_Static_assert(sizeof(struct vdd_extent) == 16, "VDD extent");

struct vmfat_file_record {
	char name[48]; /* NUL-terminated, NUL-padded */
	u8 size[4];    /* bytes of content that follow */
	u8 reserved[12];
	/* followed by the content, zero-padded to a multiple of 8 bytes */
};
_Static_assert(sizeof(struct vmfat_file_record) == 64, "file record header");

#define DIR_MAGIC "VMFAT-DR"

int vderr(VdErr *e, int code, int num, const char *fmt, ...)
{
	if (e) {
		va_list ap;
		va_start(ap, fmt);
		e->code = code;
		e->num = num;
		vsnprintf(e->text, sizeof(e->text), fmt, ap);
		va_end(ap);
	}
	return code;
}

int vmfat_why(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return VMCP_ECORRUPT;
}

static bool all_zero(const u8 *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* A NUL-terminated string in a fixed field: its length, or -1 if unterminated or
 * followed by non-zero bytes. */
static int field_str(const char *f, size_t size)
{
	size_t n = strnlen(f, size);
	if (n == size || !all_zero((const u8 *)f + n, size - n))
		return -1;
	return (int)n;
}

static bool file_name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~' || *s == '/')
			return false;
	return true;
}

void vmfat_dir_free(VmfatDir *d)
{
	for (u32 i = 0; i < d->nfile; i++)
		free(d->file[i].data);
	free(d->file);
	free(d->vdd);
	free(d->alloc);
	memset(d, 0, sizeof(*d));
}

int vmfat_dir_header(const VmfatSuper *sb, const u8 *hdr, int copy, u64 *gen, u32 *body_len,
		     u32 *body_crc, char *w, size_t wn)
{
	const struct vmfat_dir_header *h = (const void *)hdr;
	u8 tmp[512];
	memcpy(tmp, hdr, 512);
	memset(tmp + offsetof(struct vmfat_dir_header, crc), 0, 4);
	if (memcmp(h->magic, DIR_MAGIC, 8))
		return vmfat_why(w, wn, "no directory header (never written, or overwritten)");
	if (crc32c(0, tmp, 512) != get_le32(h->crc))
		return vmfat_why(w, wn, "header checksum mismatch (an interrupted update)");
	if (memcmp(h->uuid, sb->uuid, 16))
		return vmfat_why(w, wn, "it belongs to an earlier format of this disk");
	if (h->copy != copy)
		return vmfat_why(w, wn, "it is the copy of the other area");
	*body_len = get_le32(h->body_bytes);
	if (*body_len > ((u64)sb->copy_sectors - 1) * 512)
		return vmfat_why(w, wn, "body length %u exceeds the copy area", *body_len);
	*gen = get_le64(h->generation);
	*body_crc = get_le32(h->body_crc);
	return 0;
}

int vmfat_dir_decode(const VmfatSuper *sb, const u8 *hdr, const u8 *body, size_t body_len,
		     VmfatDir *d, char *w, size_t wn)
{
	const struct vmfat_dir_header *h = (const void *)hdr;
	memset(d, 0, sizeof(*d));
	if (memcmp(h->magic, DIR_MAGIC, 8))
		return vmfat_why(w, wn, "no directory magic");
	if (get_le32(h->version) != VMFAT_VERSION)
		return vmfat_why(w, wn, "directory version %u", get_le32(h->version));
	if (memcmp(h->uuid, sb->uuid, 16))
		return vmfat_why(w, wn, "it belongs to an earlier format of this disk");
	u32 nalloc = get_le32(h->nalloc), nvdd = get_le32(h->nvdd), nfile = get_le32(h->nfile);
	if (nalloc > VMFAT_MAX_ALLOC || nvdd > VMFAT_MAX_VDDS || nfile > VMFAT_MAX_FILES)
		return vmfat_why(w, wn, "counts out of range (%u extents, %u VDDs, %u files)", nalloc, nvdd,
			   nfile);
	if (!all_zero(h->reserved, sizeof(h->reserved)))
		return vmfat_why(w, wn, "reserved header bytes are not zero");
	d->generation = get_le64(h->generation);
	d->next_vdd_id = get_le32(h->next_vdd_id);
	d->alloc = calloc(nalloc ? nalloc : 1, sizeof(*d->alloc));
	d->vdd = calloc(nvdd ? nvdd : 1, sizeof(*d->vdd));
	d->file = calloc(nfile ? nfile : 1, sizeof(*d->file));
	if (!d->alloc || !d->vdd || !d->file) {
		vmfat_dir_free(d);
		return vmfat_why(w, wn, "out of memory");
	}
	size_t pos = 0;
	if ((u64)nalloc * sizeof(struct vmfat_alloc_entry) > body_len)
		goto short_body;
	for (u32 i = 0; i < nalloc; i++, pos += sizeof(struct vmfat_alloc_entry)) {
		const struct vmfat_alloc_entry *a = (const void *)(body + pos);
		if (!all_zero(a->reserved, sizeof(a->reserved))) {
			vmfat_dir_free(d);
			return vmfat_why(w, wn, "allocation entry %u: reserved bytes are not zero", i);
		}
		d->alloc[i] = (VmfatAlloc){get_le64(a->start), get_le64(a->count), get_le32(a->vdd_id)};
		d->nalloc++;
	}
	for (u32 i = 0; i < nvdd; i++) {
		if (body_len - pos < sizeof(struct vdd_record))
			goto short_body;
		const struct vdd_record *r = (const void *)(body + pos);
		VmfatVdd *v = &d->vdd[i];
		u32 ne = get_le32(r->nextents);
		int vl = field_str(r->vm, sizeof(r->vm)), dl = field_str(r->dev, sizeof(r->dev));
		const char *bad = NULL;
		if (ne < 1 || ne > VD_MAX_EXTENTS)
			bad = "extent count out of range";
		else if (vl < 0 || vl > VM_NAME_MAX || dl < 0)
			bad = "VM or device name not terminated";
		else if (r->type > VD_TYPE_CDROM || r->flags > 1 ||
			 !all_zero(r->reserved, sizeof(r->reserved)))
			bad = "type, flags or reserved bytes invalid";
		if (bad) {
			vmfat_dir_free(d);
			return vmfat_why(w, wn, "VDD record %u: %s", i, bad);
		}
		if (body_len - pos - sizeof(*r) < (u64)ne * sizeof(struct vdd_extent))
			goto short_body;
		v->id = get_le32(r->id);
		memcpy(v->vm, r->vm, (size_t)vl + 1);
		int dev = vm_dev_index(r->dev);
		if (dev < 0 || !vm_name_valid(v->vm, NULL)) {
			vmfat_dir_free(d);
			return vmfat_why(w, wn, "VDD record %u: invalid VM or device name", i);
		}
		v->dev = (u8)dev;
		v->type = r->type;
		v->readonly = r->flags & 1;
		v->capacity = get_le64(r->capacity);
		v->nextents = ne;
		pos += sizeof(*r);
		for (u32 k = 0; k < ne; k++, pos += sizeof(struct vdd_extent)) {
			const struct vdd_extent *x = (const void *)(body + pos);
			v->extent[k] = (VdExtent){get_le64(x->start), get_le64(x->count)};
		}
		d->nvdd++;
	}
	for (u32 i = 0; i < nfile; i++) {
		if (body_len - pos < sizeof(struct vmfat_file_record))
			goto short_body;
		const struct vmfat_file_record *r = (const void *)(body + pos);
		int nl = field_str(r->name, sizeof(r->name));
		u32 size = get_le32(r->size);
		if (nl < 0 || !file_name_ok(r->name) || size > CONF_FILE_MAX ||
		    !all_zero(r->reserved, sizeof(r->reserved))) {
			vmfat_dir_free(d);
			return vmfat_why(w, wn, "file record %u: invalid name, size or reserved bytes", i);
		}
		pos += sizeof(*r);
		size_t padded = (size + 7u) & ~7u;
		if (body_len - pos < padded)
			goto short_body;
		VmfatFile *f = &d->file[i];
		memcpy(f->name, r->name, (size_t)nl + 1);
		f->size = size;
		f->data = malloc(size + 1);
		if (!f->data) {
			vmfat_dir_free(d);
			return vmfat_why(w, wn, "out of memory");
		}
		d->nfile++;
		memcpy(f->data, body + pos, size);
		f->data[size] = 0;
		if (!all_zero(body + pos + size, padded - size)) {
			vmfat_dir_free(d);
			return vmfat_why(w, wn, "file record %u: padding is not zero", i);
		}
		pos += padded;
	}
	if (pos != body_len) {
		vmfat_dir_free(d);
		return vmfat_why(w, wn, "%zu bytes left over after the last record", body_len - pos);
	}
	return 0;
short_body:
	vmfat_dir_free(d);
	return vmfat_why(w, wn, "the body ends inside a record");
}

static size_t body_size(const VmfatDir *d)
{
	size_t n = (size_t)d->nalloc * sizeof(struct vmfat_alloc_entry);
	for (u32 i = 0; i < d->nvdd; i++)
		n += sizeof(struct vdd_record) + d->vdd[i].nextents * sizeof(struct vdd_extent);
	for (u32 i = 0; i < d->nfile; i++)
		n += sizeof(struct vmfat_file_record) + ((d->file[i].size + 7u) & ~7u);
	return n;
}

u8 *vmfat_dir_encode(const VmfatSuper *sb, const VmfatDir *d, int copy, size_t *len)
{
	size_t bl = body_size(d);
	u8 *buf = calloc(1, 512 + bl);
	if (!buf)
		return NULL;
	u8 *body = buf + 512;
	size_t pos = 0;
	for (u32 i = 0; i < d->nalloc; i++, pos += sizeof(struct vmfat_alloc_entry)) {
		struct vmfat_alloc_entry *a = (void *)(body + pos);
		put_le64(a->start, d->alloc[i].start);
		put_le64(a->count, d->alloc[i].count);
		put_le32(a->vdd_id, d->alloc[i].vdd_id);
	}
	for (u32 i = 0; i < d->nvdd; i++) {
		const VmfatVdd *v = &d->vdd[i];
		struct vdd_record *r = (void *)(body + pos);
		put_le32(r->id, v->id);
		put_le32(r->nextents, v->nextents);
		put_le64(r->capacity, v->capacity);
		memcpy(r->vm, v->vm, strlen(v->vm));
		memcpy(r->dev, vm_dev_name(v->dev), 3);
		r->type = v->type;
		r->flags = v->readonly ? 1 : 0;
		pos += sizeof(*r);
		for (u32 k = 0; k < v->nextents; k++, pos += sizeof(struct vdd_extent)) {
			struct vdd_extent *x = (void *)(body + pos);
			put_le64(x->start, v->extent[k].start);
			put_le64(x->count, v->extent[k].count);
		}
	}
	for (u32 i = 0; i < d->nfile; i++) {
		const VmfatFile *f = &d->file[i];
		struct vmfat_file_record *r = (void *)(body + pos);
		memcpy(r->name, f->name, strlen(f->name));
		put_le32(r->size, f->size);
		pos += sizeof(*r);
		memcpy(body + pos, f->data, f->size);
		pos += (f->size + 7u) & ~7u;
	}
	struct vmfat_dir_header *h = (void *)buf;
	memcpy(h->magic, DIR_MAGIC, 8);
	put_le32(h->version, VMFAT_VERSION);
	memcpy(h->uuid, sb->uuid, 16);
	put_le64(h->generation, d->generation);
	put_le32(h->body_bytes, (u32)bl);
	put_le32(h->body_crc, crc32c(0, body, bl));
	put_le32(h->nalloc, d->nalloc);
	put_le32(h->nvdd, d->nvdd);
	put_le32(h->nfile, d->nfile);
	put_le32(h->next_vdd_id, d->next_vdd_id);
	h->copy = (u8)copy;
	put_le32(h->crc, crc32c(0, buf, 512));
	*len = 512 + bl;
	return buf;
}

/* One extent of some VDD, for the overlap test. */
typedef struct ExtRef {
	u64 start, count;
	u32 vdd;
} ExtRef;

static int cmp_ext(const void *a, const void *b)
{
	const ExtRef *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static int cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;
	return x < y ? -1 : x > y;
}

/* Checks an extent against the data area and the unit; 0 or a reason. */
static const char *extent_problem(const VmfatSuper *sb, u64 start, u64 count)
{
	u64 unit = sb->unit_sectors;
	if (count == 0)
		return "is empty";
	if (start % unit || count % unit)
		return "is not aligned to the allocation unit";
	if (start < sb->data_start || start >= sb->data_end || count > sb->data_end - start)
		return "lies outside the data area";
	return NULL;
}

int vmfat_fast_check(const VmfatSuper *sb, const VmfatDir *d, char *w, size_t wn)
{
	if (d->nvdd > VMFAT_MAX_VDDS || d->nfile > VMFAT_MAX_FILES || d->nalloc > VMFAT_MAX_ALLOC)
		return vmfat_why(w, wn, "too many entries");
	size_t next = 0;
	for (u32 i = 0; i < d->nvdd; i++)
		next += d->vdd[i].nextents;
	ExtRef *ext = malloc((next ? next : 1) * sizeof(*ext));
	u32 *ids = malloc((d->nvdd ? d->nvdd : 1) * sizeof(*ids));
	int r = 0;
	if (!ext || !ids) {
		r = vmfat_why(w, wn, "out of memory");
		goto out;
	}
	next = 0;
	for (u32 i = 0; i < d->nvdd && !r; i++) {
		const VmfatVdd *v = &d->vdd[i];
		const char *dev = vm_dev_name(v->dev);
		ids[i] = v->id;
		if (v->id >= d->next_vdd_id)
			r = vmfat_why(w, wn, "VDD %s %s: id %u is not below the next id %u", v->vm, dev, v->id,
				d->next_vdd_id);
		else if ((v->type == VD_TYPE_FD) != (vd_type_for_dev(v->dev) == VD_TYPE_FD))
			r = vmfat_why(w, wn, "VDD %s %s: type %s does not fit the device", v->vm, dev,
				vd_type_name(v->type));
		else if (v->capacity == 0 || v->capacity > VD_MAX_BYTES / SECTOR_SIZE)
			r = vmfat_why(w, wn, "VDD %s %s: capacity %llu sectors out of range", v->vm, dev,
				(unsigned long long)v->capacity);
		else if (v->nextents < 1 || v->nextents > VD_MAX_EXTENTS)
			r = vmfat_why(w, wn, "VDD %s %s: %u extents", v->vm, dev, v->nextents);
		u64 sum = 0;
		for (u32 k = 0; k < v->nextents && !r; k++) {
			const VdExtent *x = &v->extent[k];
			const char *p = extent_problem(sb, x->start, x->count);
			if (p)
				r = vmfat_why(w, wn, "VDD %s %s: extent %u (sectors %llu+%llu) %s", v->vm, dev, k,
					(unsigned long long)x->start, (unsigned long long)x->count, p);
			sum += x->count; /* each is inside the data area: no overflow */
			ext[next++] = (ExtRef){x->start, x->count, i};
		}
		if (!r && sum < v->capacity)
			r = vmfat_why(w, wn, "VDD %s %s: capacity %llu is larger than its extents (%llu)", v->vm,
				dev, (unsigned long long)v->capacity, (unsigned long long)sum);
		for (u32 j = 0; j < i && !r; j++)
			if (d->vdd[j].dev == v->dev && !strcmp(d->vdd[j].vm, v->vm))
				r = vmfat_why(w, wn, "two VDDs for VD %s %s", v->vm, dev);
	}
	if (r)
		goto out;
	qsort(ids, d->nvdd, sizeof(*ids), cmp_u32);
	for (u32 i = 1; i < d->nvdd; i++)
		if (ids[i] == ids[i - 1]) {
			r = vmfat_why(w, wn, "two VDDs with id %u", ids[i]);
			goto out;
		}
	qsort(ext, next, sizeof(*ext), cmp_ext);
	for (size_t i = 1; i < next; i++)
		if (ext[i].start < ext[i - 1].start + ext[i - 1].count) {
			const VmfatVdd *a = &d->vdd[ext[i - 1].vdd], *b = &d->vdd[ext[i].vdd];
			r = vmfat_why(w, wn, "VDs %s %s and %s %s overlap at sector %llu", a->vm,
				vm_dev_name(a->dev), b->vm, vm_dev_name(b->dev),
				(unsigned long long)ext[i].start);
			goto out;
		}
	for (u32 i = 0; i < d->nalloc; i++) {
		const VmfatAlloc *a = &d->alloc[i];
		const char *p = extent_problem(sb, a->start, a->count);
		if (p) {
			r = vmfat_why(w, wn, "allocation entry %u (sectors %llu+%llu) %s", i,
				(unsigned long long)a->start, (unsigned long long)a->count, p);
			goto out;
		}
		if (i && a->start < d->alloc[i - 1].start + d->alloc[i - 1].count) {
			r = vmfat_why(w, wn, "allocation entries %u and %u overlap or are out of order", i - 1, i);
			goto out;
		}
	}
	for (u32 i = 0; i < d->nfile; i++) {
		const VmfatFile *f = &d->file[i];
		if (!file_name_ok(f->name) || strlen(f->name) > VMFAT_FILE_NAME_MAX ||
		    f->size > CONF_FILE_MAX) {
			r = vmfat_why(w, wn, "file %u: invalid name or size", i);
			goto out;
		}
		if (i && strcmp(d->file[i - 1].name, f->name) >= 0) {
			r = vmfat_why(w, wn, "files %s and %s are out of order or repeated", d->file[i - 1].name,
				f->name);
			goto out;
		}
	}
out:
	free(ext);
	free(ids);
	return r;
}

int vmfat_dir_clone(const VmfatDir *s, VmfatDir *d)
{
	memset(d, 0, sizeof(*d));
	d->generation = s->generation;
	d->next_vdd_id = s->next_vdd_id;
	d->vdd = malloc((s->nvdd ? s->nvdd : 1) * sizeof(*d->vdd));
	d->file = calloc(s->nfile ? s->nfile : 1, sizeof(*d->file));
	d->alloc = malloc((s->nalloc ? s->nalloc : 1) * sizeof(*d->alloc));
	if (!d->vdd || !d->file || !d->alloc)
		goto oom;
	memcpy(d->vdd, s->vdd, s->nvdd * sizeof(*d->vdd));
	d->nvdd = s->nvdd;
	memcpy(d->alloc, s->alloc, s->nalloc * sizeof(*d->alloc));
	d->nalloc = s->nalloc;
	for (u32 i = 0; i < s->nfile; i++) {
		d->file[i] = s->file[i];
		d->file[i].data = malloc(s->file[i].size + 1);
		if (!d->file[i].data)
			goto oom;
		memcpy(d->file[i].data, s->file[i].data, s->file[i].size + 1);
		d->nfile++;
	}
	return 0;
oom:
	vmfat_dir_free(d);
	return VMCP_ENOMEM;
}

VmfatVdd *vmfat_dir_vdd(const VmfatDir *d, const char *vm, int dev)
{
	for (u32 i = 0; i < d->nvdd; i++)
		if (d->vdd[i].dev == dev && !strcmp(d->vdd[i].vm, vm))
			return &d->vdd[i];
	return NULL;
}

VmfatFile *vmfat_dir_file(const VmfatDir *d, const char *name)
{
	for (u32 i = 0; i < d->nfile; i++)
		if (!strcmp(d->file[i].name, name))
			return &d->file[i];
	return NULL;
}

u32 vmfat_dir_nvm(const VmfatDir *d)
{
	u32 n = 0;
	for (u32 i = 0; i < d->nfile; i++) {
		char vm[VM_NAME_MAX + 1];
		int dev;
		n += conf_file_kind(d->file[i].name, vm, &dev) == 1;
	}
	return n;
}

int vmfat_dir_set_file(VmfatDir *d, const char *name, const char *data, size_t len)
{
	if (len > CONF_FILE_MAX || strlen(name) > VMFAT_FILE_NAME_MAX)
		return VMCP_ERANGE;
	char *copy = malloc(len + 1);
	if (!copy)
		return VMCP_ENOMEM;
	memcpy(copy, data, len);
	copy[len] = 0;
	VmfatFile *f = vmfat_dir_file(d, name);
	if (f) {
		free(f->data);
		f->data = copy;
		f->size = (u32)len;
		return 0;
	}
	if (d->nfile >= VMFAT_MAX_FILES) {
		free(copy);
		return VMCP_ENOSPC;
	}
	VmfatFile *n = realloc(d->file, (d->nfile + 1) * sizeof(*n));
	if (!n) {
		free(copy);
		return VMCP_ENOMEM;
	}
	d->file = n;
	u32 at = 0;
	while (at < d->nfile && strcmp(d->file[at].name, name) < 0)
		at++;
	memmove(&d->file[at + 1], &d->file[at], (d->nfile - at) * sizeof(*n));
	memset(&d->file[at], 0, sizeof(*n));
	memcpy(d->file[at].name, name, strlen(name) + 1);
	d->file[at].size = (u32)len;
	d->file[at].data = copy;
	d->nfile++;
	return 0;
}

void vmfat_dir_remove_file(VmfatDir *d, const char *name)
{
	VmfatFile *f = vmfat_dir_file(d, name);
	if (!f)
		return;
	u32 at = (u32)(f - d->file);
	free(f->data);
	memmove(&d->file[at], &d->file[at + 1], (d->nfile - at - 1) * sizeof(*f));
	d->nfile--;
}

void vmfat_dir_remove_vdd(VmfatDir *d, u32 i)
{
	memmove(&d->vdd[i], &d->vdd[i + 1], (d->nvdd - i - 1) * sizeof(d->vdd[0]));
	d->nvdd--;
}

static int cmp_alloc(const void *a, const void *b)
{
	const VmfatAlloc *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

int vmfat_dir_rebuild_alloc(VmfatDir *d)
{
	size_t n = 0;
	for (u32 i = 0; i < d->nvdd; i++)
		n += d->vdd[i].nextents;
	VmfatAlloc *a = malloc((n ? n : 1) * sizeof(*a));
	if (!a)
		return VMCP_ENOMEM;
	n = 0;
	for (u32 i = 0; i < d->nvdd; i++)
		for (u32 k = 0; k < d->vdd[i].nextents; k++)
			a[n++] = (VmfatAlloc){d->vdd[i].extent[k].start, d->vdd[i].extent[k].count,
					      d->vdd[i].id};
	qsort(a, n, sizeof(*a), cmp_alloc);
	free(d->alloc);
	d->alloc = a;
	d->nalloc = (u32)n;
	return 0;
}
