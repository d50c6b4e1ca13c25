/* bench/lxprof: where a guest's instructions go. Boots a Linux kernel by direct boot
 * (as `vmcp ipl --kernel` does) on the whole machine, samples the guest's linear EIP
 * every N retired instructions, and maps the samples to the kernel's System.map: the
 * functions that retire the most instructions, then the host's wall time and the
 * virtual time spent halted. Host-side costs (which handlers, the page walk) are for
 * perf; this says which guest code the instructions belong to.
 *
 *   bench/lxprof [--map System.map] [--append CMDLINE] [--until TEXT] [--every N]
 *                [--limit INSTRUCTIONS] [--top N] [--engine interp|jit]
 *                [--kallsyms OUT] KERNEL INITRD
 *
 * --kallsyms OUT: after --until, types "cat /proc/kallsyms" into the guest's shell on
 * COM1 and writes what it prints to OUT, a symbol map for --map (Debian's System.map
 * is only in its -dbg package).
 * The guest's serial output goes to stderr. The run stops at --until (default
 * "vmcp-initrd: shell"), a power-off, a dead halt or --limit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "vm/linuxboot.h"
#include "vm/machine.h"

typedef struct Prof {
	const char *until;
	size_t match;
	bool found;
	FILE *capture; /* serial output is copied here too (--kallsyms) */
} Prof;

static void serial_out(void *ctx, int com, u8 b)
{
	Prof *p = ctx;
	if (com != 0)
		return;
	fputc(b, p->capture ? p->capture : stderr);
	if (p->found || !p->until)
		return;
	if (b == (u8)p->until[p->match]) {
		if (!p->until[++p->match])
			p->found = true;
	} else {
		p->match = b == (u8)p->until[0] ? 1 : 0;
	}
}

typedef struct Sym {
	u32 addr;
	char name[64];
	u64 hits;
} Sym;

static int sym_cmp(const void *a, const void *b)
{
	u32 x = ((const Sym *)a)->addr, y = ((const Sym *)b)->addr;
	return x < y ? -1 : x > y;
}
static int hit_cmp(const void *a, const void *b)
{
	u64 x = ((const Sym *)a)->hits, y = ((const Sym *)b)->hits;
	return x > y ? -1 : x < y;
}

/* The symbol holding addr (syms sorted by address), or SIZE_MAX. */
static size_t sym_find(const Sym *syms, size_t nsym, u32 addr)
{
	if (addr < 0xC0000000u || addr >= 0xF0000000u)
		return SIZE_MAX;
	size_t lo = 0, hi = nsym;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? lo - 1 : SIZE_MAX;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#define NBUCKET (1u << 20)

int main(int argc, char **argv)
{
	const char *kallsyms = NULL;
	const char *map = NULL, *append = "console=ttyS0", *kernel = NULL, *initrd = NULL;
	u64 every = 1000, limit = ~0ull;
	int top = 40;
	Prof p = {.until = "vmcp-initrd: shell"};
	CpuEngine engine = CPU_ENGINE_DEFAULT;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--map") && i + 1 < argc)
			map = argv[++i];
		else if (!strcmp(argv[i], "--append") && i + 1 < argc)
			append = argv[++i];
		else if (!strcmp(argv[i], "--until") && i + 1 < argc)
			p.until = argv[++i];
		else if (!strcmp(argv[i], "--every") && i + 1 < argc)
			every = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--limit") && i + 1 < argc)
			limit = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--kallsyms") && i + 1 < argc)
			kallsyms = argv[++i];
		else if (!strcmp(argv[i], "--top") && i + 1 < argc)
			top = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--engine") && i + 1 < argc) {
			if (cpu_engine_parse(argv[++i], &engine) < 0) {
				fprintf(stderr, "lxprof: unknown engine %s\n", argv[i]);
				return 2;
			}
		} else if (argv[i][0] != '-' && !kernel)
			kernel = argv[i];
		else if (argv[i][0] != '-' && !initrd)
			initrd = argv[i];
		else {
			fprintf(stderr, "usage: lxprof [--map System.map] [--append CMDLINE] [--until TEXT] "
					"[--every N] [--limit N] [--top N] [--engine E] KERNEL INITRD\n");
			return 2;
		}
	}
	if (!kernel || !every) {
		fprintf(stderr, "lxprof: a kernel is needed\n");
		return 2;
	}
	static Machine m;
	MachineConfig cfg = {
		.memory = 128 * MiB,
		.cpu = CPU_MODEL_P6,
		.engine = engine,
		.boot = {RTC_BOOT_NONE, RTC_BOOT_NONE, RTC_BOOT_NONE},
		.rtc_start = 1700000000,
		.host = {&p, serial_out, NULL},
	};
	char why[256] = "";
	if (machine_init(&m, &cfg, why, sizeof(why)) < 0) {
		fprintf(stderr, "lxprof: %s\n", why);
		return 1;
	}
	CpuState st;
	LinuxBootInfo info;
	if (linuxboot_load(&m.mem, kernel, initrd, append, &st, &info, why, sizeof(why)) < 0) {
		fprintf(stderr, "lxprof: %s\n", why);
		return 1;
	}
	machine_prepare_direct_boot(&m, &st);

	Sym *syms = NULL;
	size_t nsym = 0, cap = 0;
	FILE *f = map ? fopen(map, "r") : NULL;
	if (f) {
		char line[256];
		while (fgets(line, sizeof(line), f)) {
			unsigned a;
			char t, name[200];
			if (sscanf(line, "%x %c %199s", &a, &t, name) != 3)
				continue;
			if (t != 't' && t != 'T' && t != 'W' && t != 'w')
				continue;
			if (nsym == cap) {
				cap = cap ? cap * 2 : 65536;
				syms = realloc(syms, cap * sizeof(Sym));
			}
			syms[nsym].addr = a;
			snprintf(syms[nsym].name, sizeof(syms[nsym].name), "%.63s", name);
			syms[nsym].hits = 0;
			nsym++;
		}
		fclose(f);
		qsort(syms, nsym, sizeof(Sym), sym_cmp);
	}
	u64 *incl = calloc(nsym + 1, sizeof(u64));
	u32 *addr = calloc(NBUCKET, sizeof(u32));
	u64 *cnt = calloc(NBUCKET, sizeof(u64));
	if (!addr || !cnt)
		return 1;
	u64 samples = 0, icount0 = *cpu_icount(m.cpu);
	u64 step_ns = every * 1000000000ull / MACHINE_DEFAULT_IPS;
	double t0 = now_s(), c0 = cpu_s();
	MachineStop why_stop = MACH_STOP_TIME;
	while (!p.found && *cpu_icount(m.cpu) - icount0 < limit) {
		CpuExit ex;
		why_stop = machine_run(&m, machine_now(&m) + step_ns, &ex);
		if (why_stop != MACH_STOP_TIME)
			break;
		cpu_get_state(m.cpu, &st);
		if (st.halted)
			continue;
		u32 lin = st.seg[SEG_CS].base + st.eip;
		u32 h = (lin * 0x9E3779B1u) >> 12;
		while (addr[h] && addr[h] != lin + 1)
			h = (h + 1) & (NBUCKET - 1);
		addr[h] = lin + 1;
		cnt[h]++;
		samples++;
		if (nsym && lin >= 0xC0000000u) {
			/* inclusive: this function and its callers on the frame-pointer chain,
			 * each once */
			size_t seen[24];
			int ns = 0;
			u32 pc = lin, ebp = st.gpr[R_EBP];
			for (int depth = 0; depth < 24; depth++) {
				size_t k = sym_find(syms, nsym, pc);
				if (k == SIZE_MAX)
					break;
				bool dup = false;
				for (int j = 0; j < ns; j++)
					dup |= seen[j] == k;
				if (!dup) {
					seen[ns++] = k;
					incl[k]++;
				}
				u32 pa, pb;
				if (ebp < 0xC0000000u || (ebp & 3) || cpu_translate(m.cpu, ebp, &pa) ||
				    cpu_translate(m.cpu, ebp + 4, &pb) || pa + 8 > m.mem.ram_size)
					break;
				pc = get_le32(m.mem.ram + pb);
				u32 next = get_le32(m.mem.ram + pa);
				if (next <= ebp)
					break;
				ebp = next;
			}
		}
	}
	double wall = now_s() - t0, cpu = cpu_s() - c0;
	if (kallsyms && p.found) {
		p.capture = fopen(kallsyms, "w");
		if (!p.capture)
			return 1;
		const char *cmd = "cat /proc/kallsyms; echo KSYM''END\n";
		p.until = "KSYMEND";
		p.found = false;
		p.match = 0;
		size_t sent = 0, len = strlen(cmd);
		while (!p.found) {
			int room = uart_rx_room(&m.com[0]);
			if (sent < len && room > 0)
				sent += (size_t)uart_receive(&m.com[0], (const u8 *)cmd + sent,
							     (int)MIN((size_t)room, len - sent));
			CpuExit ex;
			if (machine_run(&m, machine_now(&m) + 1000000, &ex) != MACH_STOP_TIME)
				break;
		}
		fclose(p.capture);
		p.capture = NULL;
	}
	u64 n = *cpu_icount(m.cpu) - icount0;
	fprintf(stdout, "\nlxprof: %llu instructions in %.2f s wall, %.2f s CPU (%.0f MIPS), virtual %.3f s, "
			"halted %.3f s, stop %d, %llu samples\n",
		(unsigned long long)n, wall, cpu, (double)n / cpu / 1e6, (double)machine_now(&m) / 1e9,
		(double)m.halted_ns / 1e9, (int)why_stop, (unsigned long long)samples);

	u64 other_low = 0, other_high = 0;
	for (u32 i = 0; i < NBUCKET; i++) {
		if (!addr[i])
			continue;
		u32 lin = addr[i] - 1;
		size_t lo = 0, hi = nsym;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (syms[mid].addr <= lin)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo > 0 && lin >= 0xC0000000u && lin < 0xF0000000u)
			syms[lo - 1].hits += cnt[i];
		else if (lin < 0xC0000000u)
			other_low += cnt[i];
		else
			other_high += cnt[i];
	}
	Sym *isyms = malloc((nsym + 1) * sizeof(Sym));
	for (size_t i = 0; i < nsym; i++) {
		isyms[i] = syms[i];
		isyms[i].hits = incl[i];
	}
	if (nsym) {
		qsort(syms, nsym, sizeof(Sym), hit_cmp);
		qsort(isyms, nsym, sizeof(Sym), hit_cmp);
	}
	printf("%6.2f%%  below 0xC0000000 (user space, the decompressor, firmware)\n",
	       samples ? 100.0 * (double)other_low / (double)samples : 0);
	printf("%6.2f%%  outside the map\n", samples ? 100.0 * (double)other_high / (double)samples : 0);
	for (int i = 0; i < top && (size_t)i < nsym && syms[i].hits; i++)
		printf("%6.2f%%  %s\n", 100.0 * (double)syms[i].hits / (double)samples, syms[i].name);
	printf("inclusive (the function and what it calls, by the frame-pointer chain):\n");
	for (int i = 0; i < top && (size_t)i < nsym && isyms[i].hits; i++)
		printf("%6.2f%%  %s\n", 100.0 * (double)isyms[i].hits / (double)samples, isyms[i].name);
	free(isyms);
	free(incl);
	free(syms);
	free(addr);
	free(cnt);
	machine_free(&m);
	return 0;
}
