/* lxstep: a Linux boot in lockstep on both CPU engines (tests/vm/lockstep_test.sh).
 *
 *   lxstep [--limit INSTRUCTIONS] [--window NS] [--append CMDLINE] KERNEL INITRD
 *   lxstep [--limit INSTRUCTIONS] [--window NS] --disk IMAGE
 *
 * Two whole machines (src/vm/board.c, 128 MiB, a P6 with its x87, the RTC started at a
 * fixed time so both see the same clock), one CPU interpreting and one translating
 * (blocks translated as in production, after their second execution), boot the kernel
 * by direct boot and run side by side in windows of --window nanoseconds of virtual
 * time (default 2000: 200 instructions at the default 100 million a second). After
 * every window the two must agree on the whole CPU state (registers, EIP, EFLAGS,
 * segment caches, descriptor tables, control and debug registers, the x87), the
 * instruction count and the serial output so far; every 2^24 instructions and at the
 * end on all of RAM. Stops after --limit instructions (default 200 million).
 *
 * With --disk the machines boot the way a PC does instead: SeaBIOS from power-on, then
 * whatever the raw disk image (a copy in memory for each machine, as hda) holds, e.g.
 * SYSLINUX and a kernel (tools/mkimg.sh syslinux): real mode, the BIOS's 16-bit code
 * and its disk services go through both engines too.
 *
 * A difference stops the run: it prints what differs, then boots the interpreter's
 * machine once more to the start of that window and traces the window's instructions
 * (CS:EIP, bytes, registers before each), so the first differing instruction is among
 * the lines shown. Output ends "lockstep: N instructions in N windows agree" or
 * "lockstep: differs"; the exit status is 0 only when they agree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "vd/backend.h"
#include "vm/linuxboot.h"
#include "vm/machine.h"

typedef struct Out {
	char buf[1 << 16];
	size_t n;
} Out;

static void serial_out(void *ctx, int com, u8 b)
{
	Out *o = ctx;
	if (com == 0 && o->n < sizeof(o->buf))
		o->buf[o->n++] = (char)b;
}

/* A machine's disk: the image in a memory backend of its own. */
typedef struct Disk {
	Backend *b;
	VdDisk vd;
} Disk;

static int disk_load(Disk *dk, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END) || ftell(f) <= 0) {
		fprintf(stderr, "lxstep: cannot read %s\n", path);
		return -1;
	}
	u64 size = (u64)ftell(f);
	rewind(f);
	dk->b = backend_mem_new(size);
	if (!dk->b || fread(backend_mem_data(dk->b), 1, size, f) != size) {
		fclose(f);
		return -1;
	}
	fclose(f);
	vd_init_flat(&dk->vd, "hda", dk->b, 0, size / SECTOR_SIZE);
	return 0;
}

static int boot(Machine *m, Out *o, Disk *dk, CpuEngine engine, const char *kernel,
		const char *initrd, const char *append)
{
	MachineConfig cfg = {
		.memory = 128 * MiB,
		.cpu = CPU_MODEL_P6,
		.engine = engine,
		.boot = {dk ? RTC_BOOT_DISK : RTC_BOOT_NONE, RTC_BOOT_NONE, RTC_BOOT_NONE},
		.hd = {dk ? &dk->vd : NULL},
		.rtc_start = 1700000000,
		.host = {o, serial_out, NULL},
	};
	char why[256] = "";
	if (machine_init(m, &cfg, why, sizeof(why)) < 0) {
		fprintf(stderr, "lxstep: %s\n", why);
		return -1;
	}
	if (dk)
		return 0; /* SeaBIOS from the reset vector */
	CpuState st;
	LinuxBootInfo info;
	if (linuxboot_load(&m->mem, kernel, initrd, append, &st, &info, why, sizeof(why)) < 0) {
		fprintf(stderr, "lxstep: %s\n", why);
		return -1;
	}
	machine_prepare_direct_boot(m, &st);
	return 0;
}

/* Prints the differences between the two machines; returns their number. */
static int differences(Machine *a, Machine *b, const Out *oa, const Out *ob, bool ram)
{
	CpuState x, y;
	CpuFpuState fx, fy;
	cpu_get_state(a->cpu, &x);
	cpu_get_state(b->cpu, &y);
	cpu_get_fpu_state(a->cpu, &fx);
	cpu_get_fpu_state(b->cpu, &fy);
	static const char *const gn[8] = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};
	int bad = 0;
	for (int i = 0; i < 8; i++)
		if (x.gpr[i] != y.gpr[i] && ++bad)
			printf("  %s interp=%08x jit=%08x\n", gn[i], x.gpr[i], y.gpr[i]);
	if (x.eip != y.eip && ++bad)
		printf("  EIP interp=%08x jit=%08x\n", x.eip, y.eip);
	if (x.eflags != y.eflags && ++bad)
		printf("  EFLAGS interp=%08x jit=%08x\n", x.eflags, y.eflags);
	if (memcmp(x.seg, y.seg, sizeof(x.seg)) && ++bad)
		printf("  segment registers differ\n");
	if ((memcmp(&x.ldtr, &y.ldtr, sizeof(x.ldtr)) || memcmp(&x.tr, &y.tr, sizeof(x.tr)) ||
	     x.gdtr_base != y.gdtr_base || x.idtr_base != y.idtr_base || x.gdtr_limit != y.gdtr_limit ||
	     x.idtr_limit != y.idtr_limit) && ++bad)
		printf("  LDTR/TR/GDTR/IDTR differ\n");
	if ((x.cr0 != y.cr0 || x.cr2 != y.cr2 || x.cr3 != y.cr3 || x.cr4 != y.cr4) && ++bad)
		printf("  CR0 %08x/%08x CR2 %08x/%08x CR3 %08x/%08x\n", x.cr0, y.cr0, x.cr2, y.cr2, x.cr3, y.cr3);
	if (memcmp(x.dr, y.dr, sizeof(x.dr)) && ++bad)
		printf("  debug registers differ\n");
	if ((x.tsc != y.tsc || x.halted != y.halted) && ++bad)
		printf("  TSC %llu/%llu halted %d/%d\n", (unsigned long long)x.tsc, (unsigned long long)y.tsc,
		       x.halted, y.halted);
	if (*cpu_icount(a->cpu) != *cpu_icount(b->cpu) && ++bad)
		printf("  instructions interp=%llu jit=%llu\n", (unsigned long long)*cpu_icount(a->cpu),
		       (unsigned long long)*cpu_icount(b->cpu));
	if (memcmp(&fx, &fy, sizeof(fx)) && ++bad)
		printf("  x87 state differs\n");
	if ((oa->n != ob->n || memcmp(oa->buf, ob->buf, oa->n)) && ++bad)
		printf("  serial output differs (%zu/%zu bytes)\n", oa->n, ob->n);
	if (ram && memcmp(a->mem.ram, b->mem.ram, a->mem.ram_size)) {
		u64 i = 0;
		while (a->mem.ram[i] == b->mem.ram[i])
			i++;
		printf("  RAM differs from %08llx (interp %02x, jit %02x)\n", (unsigned long long)i,
		       a->mem.ram[i], b->mem.ram[i]);
		bad++;
	}
	return bad;
}

int main(int argc, char **argv)
{
	const char *kernel = NULL, *initrd = NULL, *append = "console=ttyS0", *disk = NULL;
	u64 limit = 200000000, window = 2000;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--limit") && i + 1 < argc)
			limit = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--window") && i + 1 < argc)
			window = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--append") && i + 1 < argc)
			append = argv[++i];
		else if (!strcmp(argv[i], "--disk") && i + 1 < argc)
			disk = argv[++i];
		else if (argv[i][0] != '-' && !kernel)
			kernel = argv[i];
		else if (argv[i][0] != '-' && !initrd)
			initrd = argv[i];
		else
			kernel = NULL, i = argc;
	}
	if ((!kernel && !disk) || !window) {
		fprintf(stderr, "usage: lxstep [--limit N] [--window NS] [--append CMDLINE] KERNEL INITRD\n"
				"       lxstep [--limit N] [--window NS] --disk IMAGE\n");
		return 2;
	}
	static Machine ma, mb;
	static Out oa, ob;
	static Disk da, db;
	if (disk && (disk_load(&da, disk) || disk_load(&db, disk)))
		return 2;
	if (boot(&ma, &oa, disk ? &da : NULL, CPU_ENGINE_INTERP, kernel, initrd, append) ||
	    boot(&mb, &ob, disk ? &db : NULL, CPU_ENGINE_JIT, kernel, initrd, append))
		return 2;
	printf("lxstep: engines %s and %s, windows of %llu ns, up to %llu instructions\n",
	       cpu_engine_name(cpu_engine(ma.cpu)), cpu_engine_name(cpu_engine(mb.cpu)),
	       (unsigned long long)window, (unsigned long long)limit);
	u64 windows = 0, last_ram = 0, w0 = 0;
	int bad = 0;
	CpuState before;
	while (*cpu_icount(ma.cpu) < limit) {
		w0 = machine_now(&ma);
		cpu_get_state(ma.cpu, &before);
		CpuExit ea, eb;
		MachineStop sa = machine_run(&ma, w0 + window, &ea);
		MachineStop sb = machine_run(&mb, w0 + window, &eb);
		windows++;
		u64 n = *cpu_icount(ma.cpu);
		bool ram = n - last_ram >= (1u << 24) || n >= limit || sa != MACH_STOP_TIME;
		if (ram)
			last_ram = n;
		bad = differences(&ma, &mb, &oa, &ob, ram);
		if (!bad && sa != sb) {
			printf("  the machines stopped differently (%d/%d)\n", sa, sb);
			bad = 1;
		}
		if (bad || sa != MACH_STOP_TIME)
			break;
	}
	u64 done = *cpu_icount(ma.cpu);
	if (!bad && disk && memcmp(backend_mem_data(da.b), backend_mem_data(db.b),
				   da.vd.sectors * SECTOR_SIZE)) {
		printf("  the disks differ\n");
		bad = 1;
	}
	if (!bad) {
		printf("lockstep: %llu instructions in %llu windows agree (serial output %zu bytes)\n",
		       (unsigned long long)done, (unsigned long long)windows, oa.n);
		machine_free(&ma);
		machine_free(&mb);
		return 0;
	}
	printf("lockstep: differs in window %llu, from %04x:%08x at virtual time %llu ns\n",
	       (unsigned long long)windows, before.seg[SEG_CS].sel, before.eip, (unsigned long long)w0);
	/* the interpreter's instructions of that window */
	machine_free(&ma);
	memset(&ma, 0, sizeof(ma));
	oa.n = 0;
	if (disk) {
		backend_close(da.b);
		if (disk_load(&da, disk))
			return 2;
	}
	if (boot(&ma, &oa, disk ? &da : NULL, CPU_ENGINE_INTERP, kernel, initrd, append))
		return 2;
	CpuExit ex;
	machine_run(&ma, w0, &ex);
	printf("lockstep: the window on the interpreter:\n");
	fflush(stdout);
	cpu_set_trace(ma.cpu, stdout);
	machine_run(&ma, w0 + window, &ex);
	cpu_set_trace(ma.cpu, NULL);
	fflush(stdout);
	machine_free(&ma);
	machine_free(&mb);
	return 1;
}
