/* outfile.h: every file VMCP writes, and the one rule about them: no output may be a
 * disk VMCP holds. An exported image, a VM's serial, screen, trace, debug console, BIOS
 * log and POST code files, the target of `trace ... to FILE`, the CP's spool and log
 * and standard output are all opened here, and each is refused (message 203, exit 4)
 * when it is
 *
 *   - the real disk of the command (the same file: by path, symlink or hard link; or,
 *     for a block device, the same device under any name);
 *   - any VMFAT real disk (its first sector is a VMFAT superblock: the real disk of
 *     another CP, or this one through a loop device);
 *   - a block device the real disk uses: the device holding the file system the real
 *     disk file lives on, the loop device's backing file, a partition of it or the whole
 *     disk it is a partition of, or a device-mapper/md device stacked on one of those;
 *   - any other file this vmcp process has open (a second output, the real disk's
 *     descriptor, an input being read); standard input, output and error excepted (the
 *     caller's own redirections).
 *
 * The check works on the open descriptor (fstat), so it is what will be written that is
 * checked, not a name that could change in between. A refused file is never touched.
 *
 * And no output is truncated before its command is known to succeed:
 *
 *   OUTFILE_REPLACE  (an exported image, the screen file) is written to a temporary file
 *                    beside the target and renamed over it at outfile_commit, after an
 *                    fsync; a failure leaves the old file as it was. A block device or
 *                    a FIFO is written in place (nothing to truncate).
 *   OUTFILE_STREAM   (serial, trace, debug logs: files someone may follow while the VM
 *                    runs) is opened without truncating it; outfile_start truncates it
 *                    once the command runs (the VM is built); a failure before that
 *                    leaves an existing file untouched and removes one it created.
 *   OUTFILE_APPEND   (`trace ... to FILE`) is appended to.
 *
 * New files are created with the mode asked for (0600 by default: a guest's disk or
 * console output is not for other local users). */
#ifndef VMCP_VD_OUTFILE_H
#define VMCP_VD_OUTFILE_H

#include <limits.h>
#include <sys/types.h>

#include "base/base.h"
#include "vd/vmfat.h"

enum { OUTFILE_REPLACE, OUTFILE_STREAM, OUTFILE_APPEND };

#define OUTFILE_MODE 0600 /* files VMCP creates, unless a --mode says otherwise */

typedef struct Outfile {
	int fd;                 /* -1: not open */
	int kind;               /* OUTFILE_* */
	int io_num;             /* message number of I/O failures (the caller's) */
	const char *noun;       /* what it is, for them ("image": "Cannot write image F") */
	bool is_stdout;         /* "-": standard output */
	bool created;           /* STREAM: it did not exist before (removed on abort) */
	bool in_place;          /* REPLACE written in place (a device, a FIFO, or no
				 * writable directory for a temporary file) */
	bool started;           /* STREAM: truncated (the command runs) */
	mode_t mode;
	const char *dasd;       /* the real disk of the command (NULL: none) */
	char path[PATH_MAX];    /* as the user gave it (for messages) */
	char target[PATH_MAX];  /* REPLACE: the file renamed over, symlinks followed */
	char tmp[PATH_MAX];     /* REPLACE: the temporary file written meanwhile */
} Outfile;

/* The one check: is descriptor fd (an open output, named name in messages) a disk VMCP
 * holds (see above)? dasd is the command's real disk (a path; NULL: none). Returns 0, or
 * VMCP_EBUSY with message 203 in e. */
int outfile_check_fd(const char *dasd, int fd, const char *name, VdErr *e);
/* The same for the file at path, if there is one (symlinks followed): 0 when nothing is
 * there. For refusing early an output that will be opened later. */
int outfile_check_path(const char *dasd, const char *path, VdErr *e);

/* Opens an output of the given kind ("-": standard output, checked too), creating a new
 * file with mode. Returns 0, or the code with the message in e: 203 when refused,
 * io_num ("Cannot write NOUN FILE: REASON"; noun may be NULL) when the host fails. */
int outfile_open(Outfile *o, const char *dasd, const char *path, int kind, mode_t mode, int io_num,
		 const char *noun, VdErr *e);
/* STREAM: the command runs; truncates the file to nothing now. 0 or the I/O failure. */
int outfile_start(Outfile *o, VdErr *e);
/* The command succeeded: REPLACE: fsync, check the target again and rename the
 * temporary file over it (in place: truncate to the length written, len); STREAM and
 * APPEND: close. len is the file's final length for an in-place REPLACE (else ignored).
 * Returns 0 or the failure (the temporary file is removed then). */
int outfile_commit(Outfile *o, u64 len, VdErr *e);
/* The command failed: REPLACE removes the temporary file (the target is untouched),
 * STREAM removes a file it created and leaves an existing one untouched if it was never
 * started. Safe on a closed Outfile. */
void outfile_abort(Outfile *o);

/* Parses a --mode value (octal, 0..0777) into *mode: 0 or VMCP_EINVAL. */
int outfile_parse_mode(const char *s, mode_t *mode);

#endif
