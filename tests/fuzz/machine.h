/* machine.h: the whole-machine harness of the device fuzz targets (ata_fuzz, atapi_fuzz,
 * fdc_fuzz, pic_fuzz, pit_fuzz, rtc_fuzz, kbc_fuzz, uart_fuzz, vga_fuzz, pci_fuzz). Each target
 * drives one device register interface of a complete VM -- the board of src/vm/board.c
 * with its CPU, every chip and the VMBLOCK's VDs -- through guest port and memory
 * accesses taken from the input, and after every input checks what a guest must never
 * be able to do:
 *
 *   - change a byte of the real disk outside its own VDs. The real disk (in memory, so
 *     that every byte can be compared) holds VMFAT with three VMs: the fuzzed VM "a"
 *     (hda, hdc, fda 1440K, fdb 360K) and VMs "b" and "c" with VDs of their own, every
 *     sector filled with a pattern. a's hdd is a CD-ROM drive holding a disc of
 *     FZ_DISC bytes, the first blocks of its VD. Every write that reaches the disk is recorded and
 *     must lie in one of a's extents, and after each input every byte outside them (the
 *     superblock, both directory copies, b's and c's VDs, the free space) is compared
 *     with the disk as it was set up;
 *   - write anywhere but its RAM: the BIOS ROM must be unchanged after each input (a
 *     guest write to ROM goes nowhere), and the RAM sits between inaccessible guard
 *     pages (src/bus/membus.c) so a host write off its end faults;
 *   - crash, hang or trip a sanitizer.
 *
 * Between inputs a's VDs get their pattern back (only what was written) and the machine
 * is built afresh (fz_power_on), so every input starts from the same machine at the same
 * virtual time and gives the same result wherever it runs in a sequence: the driver
 * checks that with a digest of each run (fz_mix). The firmware is a 64 KiB raw ROM
 * written here, which idles in STI; HLT with every interrupt vector
 * pointing at an IRET in it, so the CPU takes the interrupts the devices raise (INTA
 * cycles to the PIC) while the input's accesses come from outside, as a guest's would.
 *
 * The input is a program of 8-byte records: op, sel, a, b, c, d, e, f. Generic ops
 * (op & 15; bits 4-5 choose the access size 1, 2, 4, 1):
 *    0,1  OUT target port[sel] <- le32(a..d)      2,3  IN target port[sel]
 *    4    e+1 OUTs of a|b<<8 to port[sel] (REP OUTS)  5  e+1 INs (REP INS)
 *    6    memory write at region[sel] + le32(a..d) % its length, value le32(e,f,e,f)
 *    7    memory read there                        8    time passes: the CPU runs for
 *         (a|b<<8|1) << (c % 11) ns of virtual time
 *    9    RAM poke: le32(a..d) at RAM offset (e|f<<8|sel<<16)*4 % 640K (PRD tables, buffers)
 *    10-15 the target's own macros (a command with its parameters, host input, ...).
 * Header-only: each target includes it once. */
#ifndef VMCP_TESTS_FUZZ_MACHINE_H
#define VMCP_TESTS_FUZZ_MACHINE_H

#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/err.h"
#include "cp/screen.h"
#include "vd/backend.h"
#include "vd/vmfat.h"
#include "vm/machine.h"
#include "vm/vmblock.h"

#define FZ_DISK (2816 * KiB) /* just the VDs below and the metadata: little free space */
#define FZ_DISC (40 * KiB)   /* the disc in a's CD-ROM drive (hdd, a 64K VD) */
#define FZ_RAM (1 * MiB)
#define FZ_MAX_TRACK 256

typedef struct Fz Fz;

/* A memory region the target's memory ops reach. */
typedef struct FzRegion {
	u32 base, len;
} FzRegion;

typedef struct FzTarget {
	const char *name;
	const u16 *ports;
	size_t nports;
	const FzRegion *regions;
	size_t nregions;
	/* What a BIOS leaves behind for this device (port writes), after each reset. */
	void (*setup)(Fz *fz);
	/* op 10..15: the target's macros. */
	void (*macro)(Fz *fz, int op, const u8 *r);
} FzTarget;

/* The real disk's backend as the VM sees it: every write and zeroing is recorded. */
typedef struct FzTrack {
	Backend b;
	Backend *inner;
	u64 lo[FZ_MAX_TRACK], hi[FZ_MAX_TRACK];
	int n;
	bool overflow;
} FzTrack;

struct Fz {
	Backend *mem;  /* the bytes of the real disk */
	FzTrack track; /* the real disk as the VM uses it */
	Vmfat *v;
	VmBlock vm;
	Machine *m;
	u8 *ref;       /* the real disk as set up */
	struct {
		u64 lo, hi;
	} own[VM_DEV_COUNT * VD_MAX_EXTENTS];
	int nown;
	u8 *bios_ref;  /* the ROM as the first machine held it */
	u32 bios_size;
	char rom_path[64];
	const FzTarget *t;
	u64 inputs;
	u64 insn_end;  /* the instruction time at which this input's CPU time is spent */
	u64 events_end; /* the count of timer events at which its device time is spent */
	u64 digest;    /* what the input saw and left behind (fz_mix): equal on every run */
};

/* The CPU time one input may use, in instruction times (retired instructions and the
 * deliveries of an exception or interrupt storm, src/cpu/cpu.h): a guest can keep the
 * CPU busy (a storm, code run from a shadow RAM region it zeroed), and an input must
 * stay fast. */
#define FZ_INSN_BUDGET 50000u
/* And the device timer events it may cause (MachineStats.timer_events): a timer can
 * fire at every edge of a fast output (the PIT's counter 0 at a count of 2 changes OUT0
 * every 838 ns); while the CPU stays halted, with no interrupt taken, virtual time
 * passes from edge to edge without an instruction, and a wait of hundreds of
 * milliseconds was hundreds of thousands of events: one pit_fuzz input
 * (corpus/pit_fuzz/fast-edges-absorbed.bin) took 0.8 s, 16 s under ASan (a libFuzzer
 * timeout). Long waits with few events (an RTC alarm) stay cheap. */
#define FZ_EVENT_BUDGET 100000u

static void fz_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fz_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "fuzz: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

static void fz_record(FzTrack *t, u64 off, u64 len)
{
	if (!len)
		return;
	if (t->n == FZ_MAX_TRACK) {
		t->overflow = true;
		t->n = 0;
	}
	t->lo[t->n] = off;
	t->hi[t->n] = off + len;
	t->n++;
}

static FzTrack *fz_tr(Backend *b) { return (FzTrack *)b; }
static int fz_pread(Backend *b, void *buf, size_t len, u64 off)
{
	return backend_pread(fz_tr(b)->inner, buf, len, off);
}
static int fz_pwrite(Backend *b, const void *buf, size_t len, u64 off)
{
	fz_record(fz_tr(b), off, len);
	return backend_pwrite(fz_tr(b)->inner, buf, len, off);
}
static int fz_flush(Backend *b) { return backend_flush(fz_tr(b)->inner); }
static int fz_resize(Backend *b, u64 size) { return VMCP_EUNSUP; }
static void fz_close(Backend *b) {}
static int fz_zero(Backend *b, u64 off, u64 len)
{
	fz_record(fz_tr(b), off, len);
	return backend_zero(fz_tr(b)->inner, off, len);
}
static const BackendOps fz_track_ops = {fz_pread, fz_pwrite, fz_flush, fz_resize, fz_close, fz_zero};

/* The firmware: STI; HLT for ever, and an IRET every interrupt vector points at (the
 * harness writes the vectors into RAM at each reset, as a BIOS's POST would). */
#define FZ_IRET 0x0004u
static void fz_rom(u8 *rom)
{
	static const u8 code[] = {
		0xFB,       /* 0: sti */
		0xF4,       /* 1: hlt */
		0xEB, 0xFC, /* 2: jmp 0 */
		0xCF,       /* 4: iret */
	};
	memset(rom, 0xFF, 64 * KiB);
	memcpy(rom, code, sizeof(code));
	static const u8 reset[] = {0xEA, 0x00, 0x00, 0x00, 0xF0}; /* F000:FFF0: jmp F000:0000 */
	memcpy(rom + 0xFFF0, reset, sizeof(reset));
}

static void fz_fill(u8 *p, u64 sectors)
{
	for (u64 s = 0; s < sectors; s++)
		for (int i = 0; i < 512; i += 8) {
			u64 v = s * 0x9E3779B97F4A7C15ull ^ (u64)i * 0x100000001B3ull;
			memcpy(p + s * 512 + i, &v, 8);
		}
}

static void fz_check_ok(int r, const char *what, Vmfat *v)
{
	if (r)
		fz_die("setup: %s: %s", what, v ? v->err.text : vmcp_strerror(r));
}

/* Switches VM a on: a machine built afresh from its VMBLOCK, as `vmcp ipl` builds one
 * (RAM zero, every chip as at power-on, virtual time 0), the old one gone. So nothing
 * an input did reaches the next: not shadow RAM or CMOS, which survive a RESET#, nor the
 * phase of a free-running counter (PIT, PM timer, RTC, VGA retrace), which depends on
 * the time an input starts at. */
static void fz_power_on(Fz *fz)
{
	vmblock_drop_machine(&fz->vm);
	/* A raw ROM without the VGA BIOS (and without the text mode a raw ROM gets preset):
	 * the VGA starts as the chip does. */
	MachineConfig base = {.bios = fz->rom_path, .vgabios = "", .rtc_start = 1700000000};
	char why[300];
	if (vmblock_build(&fz->vm, &base, why, sizeof(why)))
		fz_die("setup: cannot build VM a: %s", why);
	fz->m = fz->vm.machine;
	if (fz->bios_ref && fz->m->bios_size != fz->bios_size)
		fz_die("setup: the ROM has %u bytes", fz->m->bios_size);
}

static Fz *fz_new(const FzTarget *t)
{
	/* A machine is built and freed for every input: glibc's heap keeps what it frees
	 * (no trimming, no blocks of their own mapping), so the next build reuses the same
	 * pages instead of faulting fresh ones in (several times faster; a sanitizer's
	 * allocator ignores this) */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 512 << 20);
	/* The translator takes a block at its 16th execution, not its 2nd (unless the
	 * environment says otherwise): inputs that drift into running zeroed memory as ADD
	 * [BX+SI],AL around a 64 KiB segment run each block a few times, and translating it
	 * (for a fresh machine each input) took most of their time: a pci_fuzz campaign's
	 * 2,407 inputs ran in 13.5 s with the default of 2, 6.0 s with 16, the same 4,336
	 * edges and 21,809 features (machine.ignore leaves the CPU out of coverage). Loops
	 * are still translated; cpu_fuzz covers the translator. */
	setenv("VMCP_JIT_HEAT", "16", 0);
	Fz *fz = calloc(1, sizeof(*fz));
	fz->t = t;
	fz->mem = backend_mem_new(FZ_DISK);
	VdErr e;
	if (!fz->mem || vmfat_format(fz->mem, 0, &e))
		fz_die("setup: cannot format the real disk");
	fz->track.b.ops = &fz_track_ops;
	fz->track.b.size = FZ_DISK;
	fz->track.inner = fz->mem;
	snprintf(fz->track.b.path, sizeof(fz->track.b.path), "(fuzz real disk)");
	fz->v = vmfat_open_backend(&fz->track.b, false, 0, &e);
	if (!fz->v)
		fz_die("setup: %s", e.text);
	Vmfat *v = fz->v;
	VmConf c;
	vmconf_default(&c);
	c.memory = FZ_RAM;
	static const struct {
		const char *vm, *dev;
		u64 bytes;
	} vds[] = {
		{"a", "hda", 256 * KiB}, {"a", "hdc", 64 * KiB},  {"a", "fda", 1440 * KiB},
		{"a", "fdb", 360 * KiB}, {"b", "hda", 64 * KiB},  {"b", "fda", 160 * KiB},
		{"c", "hdb", 64 * KiB},
	};
	fz_check_ok(vmfat_define_vm(v, "a", &c), "define a", v);
	fz_check_ok(vmfat_define_vm(v, "b", &c), "define b", v);
	fz_check_ok(vmfat_define_vm(v, "c", &c), "define c", v);
	for (size_t i = 0; i < ARRAY_SIZE(vds); i++)
		fz_check_ok(vmfat_define_vd(v, vds[i].vm, vds[i].dev, vds[i].bytes), "define vd", v);
	fz_check_ok(vmfat_define_vd_type(v, "a", "hdd", 64 * KiB, VD_TYPE_CDROM), "define cdrom", v);
	fz_check_ok(vmfat_set_medium(v, "a", "hdd", FZ_DISC), "the disc", v);
	fz->track.n = 0; /* the directory's own writes above are not the guest's */
	fz->track.overflow = false;
	/* Every sector of the data area a pattern (the VDs and the free space). */
	u8 *disk = backend_mem_data(fz->mem);
	fz_fill(disk + v->sb.data_start * 512, v->sb.data_end - v->sb.data_start);
	fz->ref = malloc(FZ_DISK);
	memcpy(fz->ref, disk, FZ_DISK);
	for (u32 i = 0; i < v->dir.nvdd; i++) {
		const VmfatVdd *d = &v->dir.vdd[i];
		if (strcmp(d->vm, "a"))
			continue;
		for (u32 k = 0; k < d->nextents; k++) {
			fz->own[fz->nown].lo = d->extent[k].start * 512;
			fz->own[fz->nown].hi = (d->extent[k].start + d->extent[k].count) * 512;
			fz->nown++;
		}
	}
	fz_check_ok(vmblock_load_from(v, "a", &fz->vm), "load a", NULL);
	/* The ROM in a memory file that each machine built reads as its firmware. */
	int fd = memfd_create("vmcp-fuzz-rom", 0);
	u8 *rom = malloc(64 * KiB);
	fz_rom(rom);
	if (fd < 0 || write(fd, rom, 64 * KiB) != (ssize_t)(64 * KiB))
		fz_die("setup: cannot write the ROM");
	snprintf(fz->rom_path, sizeof(fz->rom_path), "/proc/self/fd/%d", fd);
	free(rom);
	fz_power_on(fz);
	fz->bios_ref = malloc(fz->m->bios_size); /* the ROM as the machine holds it */
	fz->bios_size = fz->m->bios_size;
	memcpy(fz->bios_ref, fz->m->bios, fz->m->bios_size);
	return fz;
}


static bool fz_own(const Fz *fz, u64 lo, u64 hi)
{
	for (int i = 0; i < fz->nown; i++)
		if (lo >= fz->own[i].lo && hi <= fz->own[i].hi)
			return true;
	return false;
}

/* After an input: the checks (see above); then a's VDs get their pattern back. */
static void fz_check(Fz *fz)
{
	FzTrack *t = &fz->track;
	for (int i = 0; i < t->n; i++)
		if (!fz_own(fz, t->lo[i], t->hi[i]))
			fz_die("%s: the guest wrote bytes %llu..%llu of the real disk, outside VM a's VDs", fz->t->name,
			       (unsigned long long)t->lo[i], (unsigned long long)t->hi[i]);
	u8 *disk = backend_mem_data(fz->mem);
	/* Every byte outside a's extents, as set up (own[] is sorted: define allocated it
	 * in order; sorting here keeps it independent of that). */
	u64 at = 0;
	for (;;) {
		u64 next = FZ_DISK, skip = FZ_DISK;
		for (int i = 0; i < fz->nown; i++)
			if (fz->own[i].lo >= at && fz->own[i].lo < next) {
				next = fz->own[i].lo;
				skip = fz->own[i].hi;
			}
		if (memcmp(disk + at, fz->ref + at, next - at))
			for (u64 k = at; k < next; k++)
				if (disk[k] != fz->ref[k])
					fz_die("%s: byte %llu of the real disk (outside VM a's VDs) changed", fz->t->name,
					       (unsigned long long)k);
		if (next == FZ_DISK)
			break;
		at = skip;
	}
	if (memcmp(fz->m->bios, fz->bios_ref, fz->m->bios_size))
		fz_die("%s: a guest write changed the BIOS ROM", fz->t->name);
	/* a's VDs as they were, for the next input. */
	if (t->overflow) {
		for (int i = 0; i < fz->nown; i++)
			memcpy(disk + fz->own[i].lo, fz->ref + fz->own[i].lo, fz->own[i].hi - fz->own[i].lo);
	} else {
		for (int i = 0; i < t->n; i++)
			memcpy(disk + t->lo[i], fz->ref + t->lo[i], t->hi[i] - t->lo[i]);
	}
	t->n = 0;
	t->overflow = false;
}

/* The digest of an input: every value a read returned and the machine it left (a
 * multiply-xorshift hash, eight bytes at a time). The same input gives the same digest
 * wherever it runs in a sequence, or the harness carried state from one input to the
 * next (the driver checks it, driver/standalone.c). */
static inline void fz_mix_bytes(Fz *fz, const void *p, size_t n)
{
	const u8 *b = p;
	u64 h = fz->digest, w;
	for (; n >= 8; n -= 8, b += 8) {
		memcpy(&w, b, 8);
		h = (h ^ w) * 0x9E3779B97F4A7C15ull;
		h ^= h >> 29;
	}
	for (; n; n--, b++)
		h = (h ^ *b) * 0x100000001B3ull;
	fz->digest = h;
}
static inline void fz_mix(Fz *fz, u64 v) { fz_mix_bytes(fz, &v, sizeof(v)); }

static inline u32 fz_le32(const u8 *p) { return get_le32(p); }
static inline int fz_size(int op)
{
	static const int sizes[4] = {1, 2, 4, 1};
	return sizes[op >> 4 & 3];
}
static inline u16 fz_port(const Fz *fz, u8 sel) { return fz->t->ports[sel % fz->t->nports]; }
static inline void fz_out(Fz *fz, u16 port, u32 val, int size) { io_write(fz->m->io, port, val, size); }
static inline u32 fz_in(Fz *fz, u16 port, int size)
{
	u32 v = io_read(fz->m->io, port, size);
	fz_mix(fz, (u64)port << 32 | v);
	return v;
}
/* A guest memory read, from outside (as a bus master's would be). */
static inline u32 fz_mem_read(Fz *fz, u32 addr, int size)
{
	u32 v = mem_read(&fz->m->mem, addr, size);
	fz_mix(fz, (u64)addr << 32 | v);
	return v;
}
static inline void fz_outb(Fz *fz, u16 port, u8 val) { io_write(fz->m->io, port, val, 1); }

/* The CPU runs for ns of virtual time (interrupts taken, timers fired), in slices of at
 * most 1 ms, until the input's instruction or event budget is spent. */
static void fz_time(Fz *fz, u64 ns)
{
	CpuExit ex;
	u64 until = machine_now(fz->m) + ns;
	for (int guard = 0; guard < 4096 && machine_now(fz->m) < until; guard++) {
		MachineStats st;
		machine_stats(fz->m, &st);
		if (*cpu_icount(fz->m->cpu) >= fz->insn_end || st.timer_events >= fz->events_end)
			break;
		u64 now = machine_now(fz->m), slice = MIN(until, now + 1000000);
		MachineStop stop = machine_run(fz->m, slice, &ex);
		if (stop == MACH_STOP_POWEROFF || stop == MACH_STOP_SHUTDOWN)
			break;
	}
}

/* A PCI configuration write (mechanism #1), as a guest makes it. */
static inline void fz_pci_write(Fz *fz, u8 dev, u8 fn, u8 reg, u32 val, int size)
{
	fz_out(fz, 0xCF8, 0x80000000u | (u32)dev << 11 | (u32)fn << 8 | (reg & 0xFC), 4);
	fz_out(fz, (u16)(0xCFC + (reg & 3)), val, size);
}

static void fz_step(Fz *fz, const u8 *r)
{
	int op = r[0], size = fz_size(op);
	u8 sel = r[1];
	u32 val = fz_le32(r + 2);
	switch (op & 15) {
	case 0: case 1:
		fz_out(fz, fz_port(fz, sel), val, size);
		break;
	case 2: case 3:
		(void)fz_in(fz, fz_port(fz, sel), size);
		break;
	case 4:
		for (int i = 0; i <= r[6]; i++)
			fz_out(fz, fz_port(fz, sel), (u32)r[2] | (u32)r[3] << 8, size);
		break;
	case 5:
		for (int i = 0; i <= r[6]; i++)
			(void)fz_in(fz, fz_port(fz, sel), size);
		break;
	case 6: case 7: {
		if (!fz->t->nregions)
			break;
		const FzRegion *g = &fz->t->regions[sel % fz->t->nregions];
		u32 addr = g->base + val % g->len;
		if ((op & 15) == 6)
			mem_write(&fz->m->mem, addr, (u32)r[6] | (u32)r[7] << 8 | (u32)r[6] << 16 | (u32)r[7] << 24, size);
		else
			(void)fz_mem_read(fz, addr, size);
		break;
	}
	case 8:
		fz_time(fz, (u64)((u32)r[2] | (u32)r[3] << 8 | 1) << (r[4] % 11));
		break;
	case 9: {
		u32 off = (u32)(((u64)r[6] | (u64)r[7] << 8 | (u64)sel << 16) * 4 % 0xA0000);
		machine_write_phys(fz->m, off, r + 2, 4);
		break;
	}
	default:
		if (fz->t->macro)
			fz->t->macro(fz, op & 15, r);
		break;
	}
}

/* One input: a fresh machine, the program, the checks. */
static void fz_run(Fz *fz, const u8 *data, size_t size)
{
	fz_power_on(fz);
	Machine *m = fz->m;
	for (u32 v = 0; v < 256; v++) /* every interrupt vector: F000:IRET */
		put_le32(m->mem.ram + 4 * v, 0xF0000000u | FZ_IRET);
	MachineStats st;
	machine_stats(m, &st);
	fz->insn_end = *cpu_icount(m->cpu) + FZ_INSN_BUDGET;
	fz->events_end = st.timer_events + FZ_EVENT_BUDGET;
	fz->digest = 0xCBF29CE484222325ull;
	u64 t0 = machine_now(m), i0 = st.instructions;
	fz_time(fz, 1000); /* the ROM idles */
	if (fz->t->setup)
		fz->t->setup(fz);
	for (size_t i = 0; i + 8 <= size; i += 8)
		fz_step(fz, data + i);
	fz_time(fz, 100000); /* what the last accesses started finishes */
	/* what the input left on a's VDs (what it wrote there, before fz_check puts the
	 * pattern back), the time it took; the machine itself waits for fz_digest */
	const u8 *disk = backend_mem_data(fz->mem);
	const FzTrack *t = &fz->track;
	for (int i = 0; i < (t->overflow ? fz->nown : t->n); i++) {
		u64 lo = t->overflow ? fz->own[i].lo : t->lo[i], hi = t->overflow ? fz->own[i].hi : t->hi[i];
		fz_mix(fz, lo);
		fz_mix_bytes(fz, disk + lo, hi - lo);
	}
	machine_stats(m, &st);
	fz_mix(fz, machine_now(m) - t0);
	fz_mix(fz, st.instructions - i0);
	fz_check(fz);
	fz->inputs++;
}

/* The digest of the last input: what its reads returned and what it wrote to the VDs
 * (fz_run), and the machine it left: CPU state, RAM, video memory. */
static u64 fz_digest(Fz *fz)
{
	u64 saved = fz->digest;
	CpuState cs;
	machine_get_regs(fz->m, &cs);
	fz_mix_bytes(fz, &cs, sizeof(cs));
	/* RAM: the pages that are not zero, with their numbers (a page the host never
	 * backed is zero: reading it would only cost a page fault) */
	const u8 *ram = fz->m->mem.ram;
	u64 npages = fz->m->mem.ram_size / MEM_PAGE_SIZE;
	unsigned char *res = malloc(npages);
	if (!res)
		fz_die("out of memory");
	if (mincore((void *)ram, fz->m->mem.ram_size, res))
		memset(res, 1, npages); /* unknown: look at every page */
	for (u64 p = 0; p < npages; p++) {
		static const u8 zero[MEM_PAGE_SIZE];
		const u8 *pg = ram + p * MEM_PAGE_SIZE;
		if ((res[p] & 1) && memcmp(pg, zero, MEM_PAGE_SIZE)) {
			fz_mix(fz, p);
			fz_mix_bytes(fz, pg, MEM_PAGE_SIZE);
		}
	}
	free(res);
	fz_mix_bytes(fz, fz->m->vga.vram, sizeof(fz->m->vga.vram));
	u64 d = fz->digest;
	fz->digest = saved;
	return d;
}

/* The entry point of a target, and the digest of the last input for the driver. */
#define FZ_TARGET(t)                                                     \
	static Fz *fz_the;                                               \
	int LLVMFuzzerTestOneInput(const u8 *data, size_t size);         \
	int LLVMFuzzerTestOneInput(const u8 *data, size_t size)          \
	{                                                                \
		if (!fz_the)                                             \
			fz_the = fz_new(&(t));                           \
		fz_run(fz_the, data, size);                              \
		return 0;                                                \
	}                                                                \
	u64 fuzz_digest(void);                                           \
	u64 fuzz_digest(void) { return fz_the ? fz_digest(fz_the) : 0; }

#endif
