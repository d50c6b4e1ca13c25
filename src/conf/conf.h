/* conf.h: the VM configuration grammar, a room of its own below both the disk layer
 * (src/vd, which stores and checks the files) and the machine layer (src/vm, which
 * builds a VM from them): the config file of a VM ("NAME.conf": memory, CPU model, boot
 * order, console, which VD is which device), the line grammar that it and the VD
 * settings file ("NAME.DEV.vd", vd/vdconf.h) share, and the names and sizes they use. It
 * knows no CPU and no disk: a CPU model is a name here (VmCpu), which the machine layer
 * maps to its CpuModel. The grammar (docs/commands.md, "Files"):
 *
 *     # comment                   (a '#' starts a comment anywhere on a line)
 *     key = value                 (one per line; blank lines are fine)
 *
 * ASCII only, lines of at most CONF_LINE_MAX characters, each key at most once, files of
 * at most CONF_FILE_MAX bytes. Parsers take untrusted bytes (a `directory put` file, a
 * damaged disk) and never read past len; an error names the line and the reason. */
#ifndef VMCP_CONF_CONF_H
#define VMCP_CONF_CONF_H

#include <stddef.h>

#include "base/base.h"

#define VM_NAME_MAX 16       /* characters in a VM name */
#define CONF_FILE_MAX 16384  /* bytes in a config or VD settings file */
#define CONF_LINE_MAX 200    /* characters in one line */
#define VM_MEMORY_MIN (1 * MiB)
#define VM_MEMORY_MAX (3584 * MiB)
#define VM_CPUS_MAX 8        /* processors of a VM (APIC IDs 0..7) */
#define VM_SPOOL_DEFAULT (4 * MiB)  /* the console spool the CP keeps of a VM */
#define VM_SPOOL_MIN (16 * KiB)
#define VM_SPOOL_MAX (1 * GiB)

/* The devices a VD can be: ATA hda..hdd (primary master/slave, secondary master/slave)
 * and floppies fda, fdb. */
enum { VM_DEV_HDA, VM_DEV_HDB, VM_DEV_HDC, VM_DEV_HDD, VM_DEV_FDA, VM_DEV_FDB, VM_DEV_COUNT };
enum { VM_CONSOLE_SERIAL, VM_CONSOLE_VGA };

/* In a boot order: the first CD-ROM drive, whichever device it is (as QEMU's -boot d). */
#define VM_BOOT_CDROM VM_DEV_COUNT
/* The device index of "hda".."fdb", or -1. */
int vm_dev_index(const char *name);
/* The name of a boot order entry: a device's, or "cdrom" for VM_BOOT_CDROM. */
const char *vm_boot_name(int entry);
/* The name of device index i ("hda"), or "?" out of range. */
const char *vm_dev_name(int i);
/* The CPU models a config file may name (the machine layer maps each to its CPU). */
typedef enum VmCpu { VM_CPU_I386, VM_CPU_I486, VM_CPU_PENTIUM, VM_CPU_I686, VM_CPU_PENTIUM4, VM_CPU_COUNT } VmCpu;
/* CPU model names as the config file spells them: i386, i486, pentium, i686, pentium4. */
const char *vm_cpu_name(VmCpu m);
/* The model named s, or -1. */
int vm_cpu_parse(const char *s);
/* Every model's name, comma-separated ("i386, i486, ..."), into buf, for messages. */
void vm_cpu_list(char *buf, size_t n);
/* Console kinds as the config file spells them: "serial", "vga" ("?" out of range). */
const char *vm_console_name(int console);
/* The VM_CONSOLE_* kind named s, or -1. */
int vm_console_parse(const char *s);

/* True if name is a valid VM name: 1..VM_NAME_MAX of a-z 0-9 '-' '_', starting with a
 * letter or digit. Otherwise false, with the reason in *why. */
bool vm_name_valid(const char *name, const char **why);

/* Parses a size: digits with an optional K, M, G or T suffix (powers of 1024, either
 * case). Returns 0, or VMCP_EINVAL for bad syntax and VMCP_ERANGE past 2^62 bytes. */
int size_parse(const char *s, u64 *bytes);
/* Formats bytes exactly: the largest suffix that divides it ("2G", "1440K", "512"). */
void size_format(u64 bytes, char *buf, size_t n);

/* A parse error: the 1-based line (0: the file as a whole) and the reason. */
typedef struct ConfErr {
	int line;
	char text[160];
} ConfErr;

/* The parsed config file of a VM. */
typedef struct VmConf {
	u64 memory; /* bytes */
	VmCpu cpu;
	int cpus;   /* 1..VM_CPUS_MAX; more than one needs a CPU with a local APIC */
	int console;             /* VM_CONSOLE_* */
	u64 spool;               /* bytes of console spool (VM_SPOOL_DEFAULT) */
	int nboot;
	u8 boot[VM_DEV_COUNT + 1]; /* device indexes or VM_BOOT_CDROM, in boot order */
	bool has_dev[VM_DEV_COUNT]; /* "hda = NAME.hda.vd" present */
} VmConf;

/* A VM's memory size: 0, or VMCP_EINVAL with why ("is out of range ..."). The one rule
 * for it: the config file, define, ipl --memory and start --memory all ask here. */
int vm_memory_check(u64 bytes, const char **why);

/* The defaults of `vmcp define vm` and of keys a config file leaves out: 64M, i686,
 * one CPU, boot hda,fda, serial console, no VDs. */
void vmconf_default(VmConf *c);
/* Parses the config file of VM vm (len bytes, not NUL-terminated). Returns 0 or
 * VMCP_EINVAL with *e filled. */
int vmconf_parse(const char *vm, const char *text, size_t len, VmConf *c, ConfErr *e);
/* A new config file text for VM vm (malloc'd, NUL-terminated), or NULL if out of
 * memory. Device lines are written for has_dev[] in device order; "cpus" only when
 * there is more than one. */
char *vmconf_format(const char *vm, const VmConf *c);
/* The boot order as the config file spells it ("hda,fda") into buf (n bytes). */
void vmconf_boot_text(const VmConf *c, char *buf, size_t n);

/* Returns a copy of text (len bytes) with the line "key = value" set: the first line
 * whose key is key is replaced (a trailing comment kept), or the line is appended; with
 * value NULL every such line is removed. Comments and other lines stay as they are. The
 * result is malloc'd and NUL-terminated; NULL if out of memory. */
char *conf_text_set(const char *text, size_t len, const char *key, const char *value);

/* Names of the files: "NAME.conf" and "NAME.DEV.vd" (buf of at least 32 bytes). */
void conf_vm_file(char *buf, size_t n, const char *vm);
void conf_vd_file(char *buf, size_t n, const char *vm, int dev);
/* Splits a VMFAT file name: returns 1 for "VM.conf" (dev set to -1), 2 for "VM.DEV.vd",
 * 0 for anything else. vm receives the VM name (VM_NAME_MAX + 1 bytes). */
int conf_file_kind(const char *name, char *vm, int *dev);

/* The line lexer both parsers share: calls fn for each "key = value" line (comments and
 * blank lines skipped) after checking length, characters and syntax. Returns 0, fn's
 * non-zero result, or VMCP_EINVAL with *e filled. */
typedef struct ConfLine {
	int line;
	char key[24];
	char value[CONF_LINE_MAX + 1];
} ConfLine;
typedef int (*ConfLineFn)(void *ctx, const ConfLine *l, ConfErr *e);
int conf_lex(const char *text, size_t len, ConfLineFn fn, void *ctx, ConfErr *e);
/* Fills *e (line, printf-style reason) and returns VMCP_EINVAL. */
int conf_err(ConfErr *e, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Parses "yes"/"no": 0, or VMCP_EINVAL. */
int conf_bool(const char *s, bool *v);

#endif
