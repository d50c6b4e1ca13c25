/* rules_test.c: one rule, one place. Each rule that several layers apply lives in one
 * function, and this test asks every layer the same questions and compares the answers
 * with that function's, and with what docs/commands.md says:
 *   - floppy sizes (vd_floppy): define vd (vd_size_check), the VD settings file, the
 *     floppy controller (fdc_attach: every format attaches, nothing else does) and the
 *     list in the docs;
 *   - the default disk geometry (vd_geometry_auto): the IDE model's default CHS;
 *   - a VM's memory (vm_memory_check): the config file, machine_init (which refuses
 *     before touching firmware) and the range in the docs;
 *   - CD-ROM VDs (vd_type_available, the one switch): the settings file and the
 *     machine's build refuse them while there is no ATAPI model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../test.h"
#include "base/err.h"
#include "bus/clock.h"
#include "conf/conf.h"
#include "dev/fdc.h"
#include "dev/ide.h"
#include "vd/vdconf.h"
#include "vm/machine.h"
#include "vm/vmblock.h"

static char *docs;

static void load_docs(void)
{
	const char *root = getenv("ROOT");
	char path[4096];
	snprintf(path, sizeof(path), "%s/docs/commands.md", root ? root : ".");
	FILE *f = fopen(path, "rb");
	CHECK(f != NULL, "docs/commands.md readable at %s", path);
	if (!f)
		return;
	docs = calloc(1, 1 << 20);
	fread(docs, 1, (1 << 20) - 1, f);
	fclose(f);
}

static void test_floppies(void)
{
	char list[160];
	vd_floppy_list(list, sizeof(list));
	CHECK(!strcmp(list, "160K, 180K, 320K, 360K, 720K, 1200K, 1440K or 2880K"), "the list: %s", list);
	CHECK(docs && strstr(docs, list), "docs/commands.md shows the list \"%s\"", list);
	Clock clk;
	clock_init(&clk, 1000);
	Fdc fdc;
	fdc_init(&fdc, &clk);
	Backend *b = backend_mem_new(6000 * 512);
	int nfmt = 0;
	/* Every size from 1 to 6000 sectors: accepted by define exactly when the FDC takes it. */
	for (u64 sec = 1; sec <= 6000; sec++) {
		char why[160];
		bool define_ok = vd_size_check(VD_TYPE_FD, sec * 512, why, sizeof(why)) == 0;
		VdDisk vd;
		vd_init_flat(&vd, "fda", b, 0, sec);
		bool fdc_ok = fdc_attach(&fdc, 0, &vd) == 0;
		const VdFloppy *f = vd_floppy(sec);
		CHECK(define_ok == fdc_ok && fdc_ok == (f != NULL), "%llu sectors: define %d, fdc %d",
		      (unsigned long long)sec, define_ok, fdc_ok);
		if (!f)
			continue;
		nfmt++;
		/* The settings file takes it, its auto geometry is the format's, and the
		 * controller reports a drive type for it. */
		char text[160];
		snprintf(text, sizeof(text), "vm = a\ndevice = fda\ncapacity = %s\n", f->name);
		VdConf c;
		ConfErr e;
		CHECK_EQ(vdconf_parse(text, strlen(text), &c, &e), 0);
		CHECK_EQ(c.capacity, sec * 512);
		VdGeometry g = vd_geometry_auto(VD_TYPE_FD, sec);
		CHECK(g.cylinders * g.heads * g.sectors == sec && g.sectors == f->spt && g.heads == f->heads,
		      "%s geometry %u/%u/%u", f->name, g.cylinders, g.heads, g.sectors);
		CHECK(fdc_cmos_type(&fdc, 0) == f->cmos && f->cmos >= 1 && f->cmos <= 5, "%s CMOS type", f->name);
	}
	CHECK_EQ(nfmt, 8);
	char why[160];
	CHECK(vd_size_check(VD_TYPE_FD, 1000 * 512, why, sizeof(why)) == VMCP_EINVAL && strstr(why, list),
	      "the refusal names the list: %s", why);
	backend_close(b);
}

static void test_disk_geometry(void)
{
	Clock clk;
	clock_init(&clk, 1000);
	MemBus mem;
	CHECK_EQ(mem_init(&mem, 1 * MiB), 0);
	Backend *b = backend_mem_new(512);
	const u64 sizes[] = {1, 10, 62, 63, 100, 1007, 1008, 20480, 1032191, 16383ull * 16 * 63,
			     16383ull * 16 * 63 + 5000, 1ull << 32};
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		Ide ide;
		ide_init(&ide, &clk, &mem);
		VdDisk vd;
		vd_init_flat(&vd, "hda", b, 0, sizes[i]);
		CHECK_EQ(ide_attach(&ide, 0, 0, &vd), 0);
		const IdeDrive *d = &ide.chan[0].drive[0];
		VdGeometry g = vd_geometry_auto(VD_TYPE_HD, sizes[i]);
		CHECK(d->cyls == g.cylinders && d->heads == g.heads && d->spt == g.sectors,
		      "%llu sectors: IDE %u/%u/%u, auto %u/%u/%u", (unsigned long long)sizes[i], d->cyls, d->heads,
		      d->spt, g.cylinders, g.heads, g.sectors);
	}
	backend_close(b);
	mem_free(&mem);
}

static void test_memory(void)
{
	CHECK(docs && strstr(docs, "1M..3584M, a multiple of 64K"), "docs: the config file's memory range");
	CHECK(docs && strstr(docs, "(1M to 3584M, a multiple of 64K)"), "docs: --memory's range");
	const u64 sizes[] = {0, 512 * KiB, 1 * MiB, 1 * MiB + 4 * KiB, 1 * MiB + 64 * KiB, 64 * MiB,
			     3584 * MiB, 3584 * MiB + 4 * KiB, 3584 * MiB + 64 * KiB, 4 * GiB};
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		const char *why;
		bool rule = vm_memory_check(sizes[i], &why) == 0;
		char text[80], sz[32];
		size_format(sizes[i], sz, sizeof(sz));
		snprintf(text, sizeof(text), "memory = %s\n", sz);
		VmConf c;
		ConfErr e;
		bool conf = vmconf_parse("a", text, strlen(text), &c, &e) == 0;
		CHECK(conf == rule, "%s: config file %d, rule %d", sz, conf, rule);
		if (rule)
			continue;
		/* machine_init asks the same rule first (no firmware is read for a refusal). */
		Machine *m = calloc(1, sizeof(*m));
		MachineConfig mc = {.memory = sizes[i], .bios = "/nonexistent"};
		char mwhy[200] = "";
		CHECK(machine_init(m, &mc, mwhy, sizeof(mwhy)) != 0 && strstr(mwhy, why), "%s: machine_init: %s",
		      sz, mwhy);
		free(m);
	}
}

/* The CD-ROM rules every layer asks: where a CD-ROM may be, what the settings file
 * says of its disc, and that a machine is built with the drive on IDE. */
static void test_cdrom(void)
{
	for (int d = 0; d < VM_DEV_COUNT; d++)
		CHECK_EQ(vd_type_fits_dev(VD_TYPE_CDROM, d), d <= VM_DEV_HDD);
	const char *cd = "vm = a\ndevice = hdc\ntype = cdrom\ncapacity = 2M\nmedium = 1M\n";
	VdConf c;
	ConfErr e;
	CHECK(vdconf_parse(cd, strlen(cd), &c, &e) == 0 && c.medium == MiB && c.readonly, "settings file");
	/* The machine's build puts the drive on the secondary master; IDENTIFY PACKET
	 * DEVICE says CD-ROM. */
	VmBlock vm;
	memset(&vm, 0, sizeof(vm));
	vmconf_default(&vm.config);
	vm.config.memory = 4 * MiB;
	Backend *b = backend_mem_new(4096 * 512);
	vd_init_flat(&vm.vddata[0], "hdc", b, 0, 4096);
	vm.vddata[0].type = VD_TYPE_CDROM;
	vm.vddata[0].readonly = true;
	vm.vddata[0].medium = MiB;
	vm.nvd = 1;
	char rom[] = "/tmp/vmcp-rules-rom-XXXXXX";
	int fd = mkstemp(rom);
	static u8 image[64 * 1024];
	CHECK(fd >= 0 && write(fd, image, sizeof(image)) == (ssize_t)sizeof(image), "ROM file");
	if (fd >= 0)
		close(fd);
	MachineConfig base = {.bios = rom, .vgabios = ""};
	char bwhy[200] = "";
	CHECK(vmblock_build(&vm, &base, bwhy, sizeof(bwhy)) == 0, "build: %s", bwhy);
	unlink(rom);
	if (vm.machine) {
		u16 w[256];
		const IdeDrive *d = &vm.machine->ide.chan[1].drive[0];
		ide_identify(d, w);
		CHECK(d->packet && w[0] == 0x85C0 && d->atapi.blocks == MiB / 2048, "the drive: %04x", w[0]);
		vmblock_drop_machine(&vm);
	}
	backend_close(b);
	CHECK(docs && strstr(docs, "--type cdrom") && strstr(docs, "change DEV FILE"), "docs mention cdrom");
}

int main(void)
{
	load_docs();
	test_floppies();
	test_disk_geometry();
	test_memory();
	test_cdrom();
	free(docs);
	return test_summary();
}
