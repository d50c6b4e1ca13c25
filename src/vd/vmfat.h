/* vmfat.h: VMFAT, the small file system of VMCP's real disk (the paper's figure 4), and
 * the operations the CP commands perform on it.
 *
 * A real disk holds a superblock (written once, by `vmcp format`), two copies A and B
 * of the directory, and the data area where VDs live. A directory copy holds the VMFAT
 * allocation table (the extents of the data area in use, each naming its VDD), the VDD
 * table (one VD descriptor per VD: owner VM, device, capacity, extents) and the files
 * (one config file per VM, one VD settings file per VD). Every update writes the whole
 * new directory, with the next generation number and CRC-32C checksums, over the older
 * copy and flushes: after a crash at any point one copy holds the old directory or the
 * new one, and opening picks the newest copy whose checksums hold. The data area is
 * never moved by an update, and space is zeroed when it is given to a VD, before the
 * directory that gives it is written. docs/vmfat.md describes every byte.
 *
 * Locks: the directory is changed under an exclusive flock(2) on the real disk (shared
 * while reading it); a VD used by a VM, or by a command that reads or writes its data,
 * holds an open-file-description fcntl lock on byte VMFAT_LOCK_BASE + VDD id, so deleting
 * or resizing a VD in use is refused. In-memory backends (tests) have no locks.
 *
 * Errors: functions return 0 or a negative VMCP_E* code and leave a numbered message
 * (100-299, docs/commands.md) in a VdErr for the CP to print. */
#ifndef VMCP_VD_VMFAT_H
#define VMCP_VD_VMFAT_H

#include "base/base.h"
#include "vd/backend.h"
#include "conf/conf.h"
#include "vd/vd.h"

#define VMFAT_VERSION 1
#define VMFAT_MIN_BYTES (1 * MiB)
#define VMFAT_MAX_BYTES (1ull << 50) /* 1 PiB */
#define VMFAT_MAX_VDDS 4096
#define VMFAT_MAX_FILES 8192
#define VMFAT_MAX_ALLOC (VMFAT_MAX_VDDS * VD_MAX_EXTENTS)
#define VMFAT_FILE_NAME_MAX 47
#define VMFAT_LOCK_BASE (1ull << 62) /* byte offset of the VD locks (never data) */
#define VMFAT_EXTENT_LOCK_BASE (1ull << 61) /* + sector: a running VM's extents (never data) */
#define VMFAT_GEN_MAX UINT64_MAX     /* a directory at this generation takes no update */
#define VMFAT_GEN_WARN (1ull << 63)  /* check: "near the end of the counter" from here */
#define VMFAT_VDD_ID_MAX (UINT32_MAX - 1) /* the last VDD id (next_vdd_id stays above it) */
#define VMFAT_LOCK_TIMEOUT_MS 30000  /* waiting for another vmcp's directory lock */

/* Message numbers of this module (docs/commands.md lists them with their texts). */
enum {
	VDM_OPEN = 100,         /* cannot open the real disk */
	VDM_NOT_VMFAT = 101,    /* no VMFAT superblock */
	VDM_SUPER_BAD = 102,    /* superblock damaged */
	VDM_VERSION = 103,      /* unsupported version */
	VDM_NO_COPY = 104,      /* neither directory copy is readable */
	VDM_COPY_BAD = 105,     /* newest copy fails the fast check */
	VDM_HOLDS_DATA = 106,   /* format: the target holds something */
	VDM_DISK_SIZE = 107,    /* format: size out of range */
	VDM_IO = 108,           /* host I/O error */
	VDM_LOCK_TIMEOUT = 109, /* directory locked too long */
	VDM_LOCK = 110,         /* cannot lock */
	VDM_TRUNCATED = 111,    /* real disk smaller than its superblock says */
	VDM_DISK_BUSY = 112,    /* format --force: a VD is in use */
	VDM_NOMEM = 113,
	VDM_GEN_END = 114,      /* the directory generation counter is at its end */
	VDM_VM_NOT_FOUND = 120,
	VDM_VM_EXISTS = 121,
	VDM_VM_NAME = 122,
	VDM_DEV = 123,
	VDM_VD_NOT_FOUND = 124,
	VDM_VD_EXISTS = 125,
	VDM_VD_BUSY = 126,
	VDM_VD_SIZE = 127,
	VDM_NOSPACE = 128,
	VDM_FRAGMENTED = 129,
	VDM_DIR_FULL = 130,
	VDM_FILE_NOT_FOUND = 131,
	VDM_FILE_REFUSED = 132,
	VDM_FILE_LINE = 133,
	VDM_FILE_SIZE = 134,
	VDM_VD_SHRINK = 135,
	VDM_CONFIG_BAD = 136,   /* an existing config/settings file does not parse */
	VDM_VM_OPTION = 137,    /* define vm: a bad option value */
	VDM_EDIT_INVALID = 138, /* an update would leave a file that does not parse */
	VDM_VDD_IDS = 139,      /* every VDD id has been used */
	VDM_LOST_VD = 140,      /* a running VM uses a VD or space the directory does not give it */
	VDM_IMAGE_LARGE = 200,  /* vd import: image larger than the VD */
	VDM_IMAGE_IO = 201,     /* vd import/export: the image file */
	VDM_VD_IO = 202,        /* vd import/export: the VD */
	VDM_OUT_REFUSED = 203,  /* an output file is a disk VMCP holds (outfile.h) */
	VDM_NOT_CDROM = 204,    /* a disc for a VD that is not a CD-ROM */
	VDM_NO_DISC = 205,      /* vd export: the CD-ROM holds no disc */
};

/* A numbered error message: the VMCP_E* code, the message number, the text. */
typedef struct VdErr {
	int code;
	int num;
	char text[320];
} VdErr;

/* Fills e (may be NULL) and returns code. */
int vderr(VdErr *e, int code, int num, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Writes the reason a structure is invalid into buf (n bytes) and returns VMCP_ECORRUPT:
 * how VMFAT's decoders and checks answer. */
int vmfat_why(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The superblock, decoded. Sector numbers are 512-byte units of the real disk. */
typedef struct VmfatSuper {
	u8 uuid[16];         /* random at format; every directory copy repeats it */
	u64 disk_sectors;    /* the part of the backend VMFAT covers */
	u64 copy_start[2];   /* first sector of copy A and of copy B */
	u32 copy_sectors;    /* size of each copy's area */
	u32 unit_sectors;    /* allocation unit (power of two) */
	u64 data_start;      /* first sector of the data area (a unit multiple) */
	u64 data_end;        /* one past its last sector (a unit multiple) */
	u64 format_time;     /* Unix seconds */
} VmfatSuper;

/* A VDD: where a VD lies on the real disk, whose it is and what it is. */
typedef struct VmfatVdd {
	u32 id;                 /* unique, never reused; keys the VD lock */
	char vm[VM_NAME_MAX + 1];
	u8 dev;                 /* VM_DEV_* */
	u8 type;                /* VdType */
	bool readonly;
	u64 capacity;           /* sectors the guest sees (<= the extents' sum) */
	u32 nextents;
	VdExtent extent[VD_MAX_EXTENTS]; /* whole allocation units, guest order */
} VmfatVdd;

typedef struct VmfatFile {
	char name[VMFAT_FILE_NAME_MAX + 1];
	u32 size;
	char *data; /* size bytes and a NUL (malloc'd) */
} VmfatFile;

/* An entry of the VMFAT allocation table: an extent of the data area in use. */
typedef struct VmfatAlloc {
	u64 start, count; /* sectors */
	u32 vdd_id;
} VmfatAlloc;

/* A directory (one copy's contents). Files sorted by name; the allocation table sorted
 * by start. */
typedef struct VmfatDir {
	u64 generation;
	u32 next_vdd_id;
	u32 nvdd, nfile, nalloc;
	VmfatVdd *vdd;
	VmfatFile *file;
	VmfatAlloc *alloc;
} VmfatDir;

/* What opening found in one directory copy. */
enum { COPY_BAD_HEADER, COPY_BAD_BODY, COPY_BAD_CONTENT, COPY_GOOD };

/* An open real disk. */
typedef struct Vmfat {
	Backend *b;
	bool own_backend;
	int flags;           /* VMFAT_OPEN_* */
	int dirlock;         /* 0, or the flock(2) mode held */
	int lock_timeout_ms;
	VmfatSuper sb;
	VmfatDir dir;        /* the directory in force */
	int active;          /* the copy it came from: 0 = A, 1 = B */
	int copy_state[2];   /* COPY_* */
	u64 copy_gen[2];     /* generation, when the checksums hold */
	char copy_problem[2][160];
	u64 max_gen;         /* highest generation seen in either copy */
	bool rolled_back;    /* lenient open: the newest copy was bad, dir is the older */
	bool have_newer;     /* rolled back, and the bad newest copy decoded: newer */
	VmfatDir newer;      /* (check: what a rollback would drop) */
	bool dir_bad;        /* lenient open: dir itself fails the fast check */
	VdErr err;           /* the last failure */
} Vmfat;

enum {
	VMFAT_OPEN_RDONLY = 1,  /* read-only (query, get, export, check) */
	VMFAT_OPEN_LENIENT = 2, /* for check: load what can be loaded, record problems */
	VMFAT_OPEN_NOLOCK = 4,  /* the caller holds the directory lock on this backend's
				 * descriptor (flock locks belong to the open file, so taking
				 * them again would convert or drop the caller's lock) */
};

/* Lays VMFAT on b covering its first `bytes` bytes (0: all of b): superblock, two
 * empty directory copies. Returns 0, VMCP_ERANGE for a size out of 1M..1P or with no
 * room for data, or a write error; e describes it. */
int vmfat_format(Backend *b, u64 bytes, VdErr *e);
/* Describes what b already holds, in what (e.g. "a VMFAT real disk"): returns true if
 * it holds VMFAT or other recognisable data (a boot sector, a file system, any non-zero
 * byte in its first MiB), false if it looks empty. */
bool vmfat_probe(Backend *b, char *what, size_t n);

/* Opens the real disk at path (file or block device) and loads its directory, running
 * the fast check. NULL on failure, with e filled. */
Vmfat *vmfat_open(const char *path, int flags, VdErr *e);
/* The same on a backend (closed by vmfat_close when own is true, even on failure). */
Vmfat *vmfat_open_backend(Backend *b, bool own, int flags, VdErr *e);
/* Releases the directory lock and the directory, closes an owned backend (NULL: no-op). */
void vmfat_close(Vmfat *v);
/* Reads the directory again (after taking the lock: another process may have changed
 * it). Returns 0 or a VMCP_E* code with v->err filled. */
int vmfat_reload(Vmfat *v);

/* Takes the directory lock (exclusive to change it, shared to read it), waiting up to
 * v->lock_timeout_ms. Returns 0, VMCP_ETIMEOUT or VMCP_EIO. */
int vmfat_lock(Vmfat *v, bool exclusive);
/* Releases the directory lock (no-op if not held). */
void vmfat_unlock(Vmfat *v);

/* Writes nd as the next generation of the directory over the older copy and flushes;
 * the allocation table is rebuilt from the VDDs first. On success nd's contents move
 * into v->dir (nd is left empty). Returns 0, VMCP_ENOSPC if it does not fit in a copy,
 * or a write error. */
int vmfat_commit(Vmfat *v, VmfatDir *nd);

/* Writes the directory in force again as generations 1 and 2 (the copy not in force
 * first, so a crash at any point leaves the same directory in force): for a generation
 * counter near its end (check --repair). The caller holds the exclusive lock. */
int vmfat_renumber(Vmfat *v);

/* The fast check run on every open: the structure and the safety of the VD manager (each
 * VDD's extents inside the data area, no sector in two VDDs, the allocation table sorted
 * and inside the data area, names and counts sane). Returns 0 or VMCP_ECORRUPT with the
 * reason in why. */
int vmfat_fast_check(const VmfatSuper *sb, const VmfatDir *d, char *why, size_t n);
/* Checks a directory copy's header sector for copy index `copy`: magic, checksum, the
 * disk's identity, the copy index and a body length that fits the copy area. Returns 0
 * with *gen, *body_len and *body_crc set, or VMCP_ECORRUPT with the reason in why. */
int vmfat_dir_header(const VmfatSuper *sb, const u8 *hdr, int copy, u64 *gen, u32 *body_len,
		     u32 *body_crc, char *why, size_t n);
/* Decodes a directory copy (its 512-byte header and body_len body bytes; checksums are
 * not verified here). Returns 0 or VMCP_ECORRUPT with the reason in why. Safe on any
 * bytes (the fuzz target's entry point). */
int vmfat_dir_decode(const VmfatSuper *sb, const u8 *hdr, const u8 *body, size_t body_len,
		     VmfatDir *d, char *why, size_t n);
/* Encodes d as a directory copy for copy index `copy`: returns a malloc'd buffer of
 * *len bytes (header + body, checksums set), or NULL if out of memory. */
u8 *vmfat_dir_encode(const VmfatSuper *sb, const VmfatDir *d, int copy, size_t *len);
/* Decodes/encodes the superblock sector. decode returns 0, VMCP_ECORRUPT (why set) or
 * VMCP_EUNSUP (a newer version). */
int vmfat_super_decode(const u8 *sec, VmfatSuper *sb, char *why, size_t n);
void vmfat_super_encode(const VmfatSuper *sb, u8 *sec);

/* Directory helpers. A deep copy of src into dst: 0 or VMCP_ENOMEM (dst left empty). */
int vmfat_dir_clone(const VmfatDir *src, VmfatDir *dst);
/* Frees d's tables and files and leaves it empty. */
void vmfat_dir_free(VmfatDir *d);
/* The VDD of VD vm dev, or NULL. */
VmfatVdd *vmfat_dir_vdd(const VmfatDir *d, const char *vm, int dev);
/* The file called name, or NULL. */
VmfatFile *vmfat_dir_file(const VmfatDir *d, const char *name);
/* The number of VMs in d (its config files). */
u32 vmfat_dir_nvm(const VmfatDir *d);
/* Adds or replaces a file. 0 or VMCP_ENOMEM/VMCP_ENOSPC. */
int vmfat_dir_set_file(VmfatDir *d, const char *name, const char *data, size_t len);
/* Removes the file called name, if there is one. */
void vmfat_dir_remove_file(VmfatDir *d, const char *name);
/* Removes VDD number index (not its files or extents' allocation entries). */
void vmfat_dir_remove_vdd(VmfatDir *d, u32 index);
/* Rebuilds the allocation table from the VDDs. 0 or VMCP_ENOMEM. */
int vmfat_dir_rebuild_alloc(VmfatDir *d);

/* The VD lock (see above). lock returns 0, or VMCP_EBUSY when another holder has it.
 * in_use tells whether someone else holds it. */
int vmfat_vd_lock(Vmfat *v, u32 id, bool write);
void vmfat_vd_unlock(Vmfat *v, u32 id);
bool vmfat_vd_in_use(Vmfat *v, u32 id);
/* True if another holder has the VD lock of any VDD id in first .. first+count-1 on the
 * real disk b (without reading its directory: the locks are on the disk, so this holds
 * even when the directory cannot be read); *held (may be NULL) receives one such id.
 * vmfat_vd_range_in_use(b, 0, VMFAT_VD_IDS, ...) asks about every VD. */
bool vmfat_vd_range_in_use(Backend *b, u32 first, u64 count, u32 *held);
#define VMFAT_VD_IDS (1ull << 32) /* every possible VDD id */
/* The extent locks: a VM holds a read lock on the bytes VMFAT_EXTENT_LOCK_BASE + s for
 * every real-disk sector s of its VDs while it runs, so that space a running VM uses is
 * never given to another VD, even by a directory that lost the update that gave it
 * (allocation tests them). lock with on = false releases them. 0, VMCP_EBUSY, VMCP_EIO. */
int vmfat_extents_lock(Vmfat *v, const VdExtent *x, u32 n, bool on);
/* True if another holder has an extent lock on any sector of x[0..n); *sector (may be
 * NULL) receives one such sector. */
bool vmfat_extents_in_use(Backend *b, const VdExtent *x, u32 n, u64 *sector);

/* Operations of the CP commands. Each takes the directory lock, reloads, checks,
 * changes, commits and unlocks; on failure nothing changed and v->err tells why. */
int vmfat_define_vm(Vmfat *v, const char *vm, const VmConf *c);
int vmfat_define_vd(Vmfat *v, const char *vm, const char *dev, u64 bytes);
/* The same with a type (disk, floppy, cdrom) other than the device's default. A CD-ROM
 * VD is read-only and starts without a disc. */
int vmfat_define_vd_type(Vmfat *v, const char *vm, const char *dev, u64 bytes, VdType type);
/* Records that CD-ROM VD vm dev holds a disc of `bytes` (a multiple of 2048 no larger than
 * the VD; 0: none) in its VD settings file ("medium"). The caller wrote the disc into the
 * VD first, holding the VD's lock (a command) or running the VM (the VM command change).
 * Returns 0 or the failure (not a CD-ROM, too large, the directory). */
int vmfat_set_medium(Vmfat *v, const char *vm, const char *dev, u64 bytes);
int vmfat_delete_vm(Vmfat *v, const char *vm, u32 *nvds);
int vmfat_delete_vd(Vmfat *v, const char *vm, const char *dev);
/* Grows a VD to bytes (*old receives its old size). Shrinking is refused. */
int vmfat_resize_vd(Vmfat *v, const char *vm, const char *dev, u64 bytes, u64 *old);
/* Replaces an existing file after validating it (and applies what a VD settings file
 * changes to its VDD: growth, type, read-only). */
int vmfat_put_file(Vmfat *v, const char *name, const char *data, size_t len);

/* The config file of VM vm in directory d (v's, or one being changed), parsed into *c;
 * *f (if f is not NULL) gets the file. Returns 0, or VMCP_ENOENT (the VM is not defined)
 * or VMCP_EINVAL (the file does not parse) with the message in v->err. */
int vmfat_vm_config(Vmfat *v, const VmfatDir *d, const char *vm, VmfatFile **f, VmConf *c);

/* Fills vd from VDD d: extents, capacity, type, read-only, and the geometry of its VD
 * settings file. Returns 0 or VMCP_ECORRUPT (settings file missing or invalid). */
int vmfat_vd_load(Vmfat *v, const VmfatVdd *d, VdDisk *vd);

/* Space in the data area, in sectors. */
typedef struct VmfatSpace {
	u64 total, used, free, largest_free;
	u32 nfree;  /* free extents */
	u32 nused;  /* used extents */
} VmfatSpace;
/* Fills s from the directory in force (no I/O). */
void vmfat_space(const Vmfat *v, VmfatSpace *s);

/* The full check (vmfat_check.c): the fast check, both copies, the allocation table
 * against the VDDs, every VDD against its VD settings file and its owner's config file,
 * every file's syntax and name. Each finding is reported through fn (message number,
 * severity E or W, text); with repair, what can be fixed safely is fixed in one new
 * directory generation (reported with severity I) and the check runs again. Returns 0
 * if no error remains, VMCP_ECORRUPT if some do, or an I/O error. */
typedef void (*VmfatReportFn)(void *ctx, int num, char sev, const char *text);
typedef struct VmfatCheckResult {
	u32 errors, warnings, repaired;
} VmfatCheckResult;
int vmfat_check(Vmfat *v, bool repair, VmfatReportFn fn, void *ctx, VmfatCheckResult *res);

/* Check finding numbers (docs/commands.md). */
enum {
	VDM_CHK_COPY_STALE = 151,
	VDM_CHK_COPY_BAD = 152,
	VDM_CHK_ALLOC = 153,
	VDM_CHK_STRUCT = 154,
	VDM_CHK_NO_SETTINGS = 155,
	VDM_CHK_SETTINGS_BAD = 156,
	VDM_CHK_SETTINGS_DIFF = 157,
	VDM_CHK_NO_CONFIG = 158,
	VDM_CHK_CONFIG_BAD = 159,
	VDM_CHK_NO_DEVLINE = 160,
	VDM_CHK_DEVLINE_DANGLING = 161,
	VDM_CHK_ORPHAN_SETTINGS = 162,
	VDM_CHK_FILE_NAME = 163,
	VDM_CHK_GEN_HIGH = 164,
	VDM_CHK_ROLLBACK_BUSY = 165,
	VDM_CHK_REPAIRED = 180,
	VDM_CHK_OK = 190,
	VDM_CHK_ERRORS = 191,
};

#endif
