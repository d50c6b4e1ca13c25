/* conf_test.c: the text side of VMFAT: CRC-32C vectors, sizes, names, the config file
 * and VD settings file grammars (every error with its line), their round trips, the
 * in-place edits the CP commands make, default geometries and file-name kinds. */
#include "../test.h"
#include "base/err.h"
#include "conf/conf.h"
#include "vd/vdconf.h"
#include "vd/crc32c.h"

#include <string.h>

static int vm_err(const char *text, int *line, char *why)
{
	VmConf c;
	ConfErr e = {0};
	int r = vmconf_parse("web", text, strlen(text), &c, &e);
	*line = e.line;
	strcpy(why, e.text);
	return r;
}

static int vd_err(const char *text, int *line, char *why)
{
	VdConf c;
	ConfErr e = {0};
	int r = vdconf_parse(text, strlen(text), &c, &e);
	*line = e.line;
	strcpy(why, e.text);
	return r;
}

static void test_crc(void)
{
	CHECK_EQ(crc32c(0, "123456789", 9), 0xE3069283);
	CHECK_EQ(crc32c(0, "", 0), 0);
	u8 zeros[32] = {0}, ones[32];
	memset(ones, 0xFF, sizeof(ones));
	CHECK_EQ(crc32c(0, zeros, 32), 0x8A9136AA); /* RFC 3720 B.4 */
	CHECK_EQ(crc32c(0, ones, 32), 0x62A8AB43);
	/* Chaining equals one call. */
	const char *s = "VMCP real disk";
	CHECK_EQ(crc32c(crc32c(0, s, 5), s + 5, strlen(s) - 5), crc32c(0, s, strlen(s)));
}

static void test_sizes_names(void)
{
	u64 b;
	CHECK(size_parse("64M", &b) == 0 && b == 64 * MiB, "64M");
	CHECK(size_parse("1440k", &b) == 0 && b == 1440 * KiB, "1440k");
	CHECK(size_parse("2T", &b) == 0 && b == 2 * TiB, "2T");
	CHECK(size_parse("512", &b) == 0 && b == 512, "512");
	CHECK_EQ(size_parse("", &b), VMCP_EINVAL);
	CHECK_EQ(size_parse("M", &b), VMCP_EINVAL);
	CHECK_EQ(size_parse("12MB", &b), VMCP_EINVAL);
	CHECK_EQ(size_parse("-1", &b), VMCP_EINVAL);
	CHECK_EQ(size_parse("1.5G", &b), VMCP_EINVAL);
	CHECK_EQ(size_parse("99999999999999999999", &b), VMCP_ERANGE);
	CHECK_EQ(size_parse("5000000T", &b), VMCP_ERANGE);
	char buf[32];
	size_format(2 * GiB, buf, sizeof(buf));
	CHECK(!strcmp(buf, "2G"), "2G: %s", buf);
	size_format(1440 * KiB, buf, sizeof(buf));
	CHECK(!strcmp(buf, "1440K"), "1440K: %s", buf);
	size_format(1536 * MiB, buf, sizeof(buf));
	CHECK(!strcmp(buf, "1536M"), "1536M: %s", buf);
	size_format(3 * 512, buf, sizeof(buf));
	CHECK(!strcmp(buf, "1536"), "1536: %s", buf);
	size_format(0, buf, sizeof(buf));
	CHECK(!strcmp(buf, "0"), "0: %s", buf);

	const char *why;
	CHECK(vm_name_valid("web-1_a", &why), "web-1_a");
	CHECK(vm_name_valid("0abc", &why), "0abc");
	CHECK(!vm_name_valid("", &why), "empty");
	CHECK(!vm_name_valid("Web", &why) && strstr(why, "lower-case"), "Web");
	CHECK(!vm_name_valid("-x", &why), "-x");
	CHECK(!vm_name_valid("a.b", &why), "a.b");
	CHECK(!vm_name_valid("a/b", &why), "a/b");
	CHECK(!vm_name_valid("abcdefghijklmnopq", &why) && strstr(why, "16"), "17 chars");
	CHECK(vm_name_valid("abcdefghijklmnop", &why), "16 chars");
	CHECK_EQ(vm_dev_index("hdd"), VM_DEV_HDD);
	CHECK_EQ(vm_dev_index("fdb"), VM_DEV_FDB);
	CHECK_EQ(vm_dev_index("hde"), -1);
	CHECK_EQ(vm_cpu_parse("pentium"), VM_CPU_PENTIUM);
	CHECK_EQ(vm_cpu_parse("i686"), VM_CPU_I686);
	CHECK_EQ(vm_cpu_parse("pentium4"), VM_CPU_PENTIUM4);
	CHECK(!strcmp(vm_cpu_name(VM_CPU_PENTIUM4), "pentium4"), "pentium4 name");
	CHECK_EQ(vm_cpu_parse("686"), -1);

	char vm[VM_NAME_MAX + 1];
	int dev;
	CHECK(conf_file_kind("web.conf", vm, &dev) == 1 && !strcmp(vm, "web") && dev == -1, "web.conf");
	CHECK(conf_file_kind("web.fdb.vd", vm, &dev) == 2 && dev == VM_DEV_FDB, "web.fdb.vd");
	CHECK_EQ(conf_file_kind("web.hde.vd", vm, &dev), 0);
	CHECK_EQ(conf_file_kind("web.hda.vdx", vm, &dev), 0);
	CHECK_EQ(conf_file_kind("Web.conf", vm, &dev), 0);
	CHECK_EQ(conf_file_kind(".conf", vm, &dev), 0);
	CHECK_EQ(conf_file_kind("web", vm, &dev), 0);
	CHECK_EQ(conf_file_kind("abcdefghijklmnopq.conf", vm, &dev), 0);
}

static void test_vmconf(void)
{
	VmConf c;
	ConfErr e;
	const char *ok = "# a comment\n\n  memory=128M   # trailing\r\n\tcpu = pentium\nboot = fdb,hda\n"
			 "console = vga\nhdb = web.hdb.vd\nfda=web.fda.vd";
	CHECK_EQ(vmconf_parse("web", ok, strlen(ok), &c, &e), 0);
	CHECK(c.memory == 128 * MiB && c.cpu == VM_CPU_PENTIUM && c.console == VM_CONSOLE_VGA, "values");
	CHECK(c.nboot == 2 && c.boot[0] == VM_DEV_FDB && c.boot[1] == VM_DEV_HDA, "boot");
	CHECK(c.has_dev[VM_DEV_HDB] && c.has_dev[VM_DEV_FDA] && !c.has_dev[VM_DEV_HDA], "devices");
	/* "cdrom" in the boot order: the first CD-ROM drive, whichever device. Every device
	 * and cdrom fit the order at once. */
	const char *bc = "boot = cdrom,hda,hdb,hdc,hdd,fda,fdb\n";
	CHECK_EQ(vmconf_parse("web", bc, strlen(bc), &c, &e), 0);
	CHECK(c.nboot == 7 && c.boot[0] == VM_BOOT_CDROM && c.boot[1] == VM_DEV_HDA, "boot cdrom,hda...");
	char bt[64];
	vmconf_boot_text(&c, bt, sizeof(bt));
	CHECK(!strcmp(bt, "cdrom,hda,hdb,hdc,hdd,fda,fdb"), "boot text %s", bt);
	/* Defaults for an empty file. */
	CHECK_EQ(vmconf_parse("web", "", 0, &c, &e), 0);
	CHECK(c.memory == 64 * MiB && c.cpu == VM_CPU_I686 && c.nboot == 2 && c.console == VM_CONSOLE_SERIAL,
	      "defaults");
	CHECK(c.spool == 4 * MiB, "the spool defaults to 4M");
	/* Round trip; the spool line is written only when it is not the default. */
	c.memory = 3584 * MiB;
	c.has_dev[VM_DEV_HDC] = true;
	char *t = vmconf_format("web", &c);
	VmConf c2;
	CHECK_EQ(vmconf_parse("web", t, strlen(t), &c2, &e), 0);
	CHECK(!memcmp(&c, &c2, sizeof(c)), "round trip: %s", t);
	CHECK(!strstr(t, "spool"), "no spool line for the default");
	free(t);
	c.spool = 16 * KiB;
	t = vmconf_format("web", &c);
	CHECK_EQ(vmconf_parse("web", t, strlen(t), &c2, &e), 0);
	CHECK(c2.spool == 16 * KiB && strstr(t, "spool = 16K\n"), "spool round trip: %s", t);
	free(t);

	struct {
		const char *text;
		int line;
		const char *why;
	} bad[] = {
		{"memory = 64M\nmemroy = 1M\n", 2, "unknown key memroy"},
		{"memory = 64M\nmemory = 32M\n", 2, "memory is set twice"},
		{"memory = lots\n", 1, "not a size"},
		{"memory = 512K\n", 1, "out of range"},
		{"memory = 4G\n", 1, "out of range"},
		{"memory = 1000K\n", 1, "out of range"},
		{"spool = 8K\n", 1, "out of range (16K..1G)"},
		{"spool = lots\n", 1, "not a size"},
		{"cpu = z80\n", 1, "unknown model"},
		{"\n\nboot = hda,hda\n", 3, "listed twice"},
		{"boot = hda,,fda\n", 1, "separated by commas"},
		{"boot = cd\n", 1, "unknown device cd (hda, hdb, hdc, hdd, fda, fdb, cdrom)"},
		{"boot = cdrom,hda,cdrom\n", 1, "cdrom is listed twice"},
		{"console = tty\n", 1, "neither serial nor vga"},
		{"hda = other.hda.vd\n", 1, "must be web.hda.vd"},
		{"hda = web.hdb.vd\n", 1, "must be web.hda.vd"},
		{"Memory = 1M\n", 1, "expected KEY = VALUE"},
		{"memory 64M\n", 1, "expected '='"},
		{"memory =\n", 1, "has no value"},
		{"= 64M\n", 1, "expected KEY"},
		{"memory = 64M\ncpu = i686\xc3\xa9\n", 2, "non-ASCII"},
		{"memory = 64M\n\x01\n", 2, "control"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int line;
		char why[200];
		CHECK(vm_err(bad[i].text, &line, why) == VMCP_EINVAL, "bad %zu accepted", i);
		CHECK(line == bad[i].line && strstr(why, bad[i].why), "bad %zu: line %d '%s', want %d '%s'", i,
		      line, why, bad[i].line, bad[i].why);
	}
	/* A NUL inside, a long line, a huge file. */
	int line;
	char why[200];
	const char nul[] = "memory = 64M\ncpu\0 = i686\n";
	CHECK_EQ(vmconf_parse("web", nul, sizeof(nul) - 1, &c, &e), VMCP_EINVAL);
	CHECK_EQ(e.line, 2);
	char longl[400];
	memset(longl, ' ', sizeof(longl));
	memcpy(longl, "memory = 64M", 12);
	longl[399] = 0;
	CHECK(vm_err(longl, &line, why) == VMCP_EINVAL && line == 1 && strstr(why, "longer"), "long: %s", why);
	char *huge = malloc(CONF_FILE_MAX + 2);
	memset(huge, '\n', CONF_FILE_MAX + 1);
	huge[CONF_FILE_MAX + 1] = 0;
	CHECK(vm_err(huge, &line, why) == VMCP_EINVAL && line == 0 && strstr(why, "larger"), "huge: %s", why);
	free(huge);
}

static void test_vdconf(void)
{
	VdConf c;
	ConfErr e;
	const char *ok = "vm = web\ndevice = hdb\ncapacity = 10M\ngeometry = 20/16/63\nreadonly = yes\n";
	CHECK_EQ(vdconf_parse(ok, strlen(ok), &c, &e), 0);
	CHECK(!strcmp(c.vm, "web") && c.dev == VM_DEV_HDB && c.type == VD_TYPE_HD && c.capacity == 10 * MiB &&
		      c.geom.cylinders == 20 && c.geom.heads == 16 && c.geom.sectors == 63 && c.readonly,
	      "values");
	const char *fd = "device = fda\nvm = web\ncapacity = 1440K\n";
	CHECK_EQ(vdconf_parse(fd, strlen(fd), &c, &e), 0);
	CHECK(c.type == VD_TYPE_FD && c.geom.cylinders == 0, "floppy, auto geometry");
	const char *cd = "vm = web\ndevice = hdc\ntype = cdrom\ncapacity = 700M\n";
	CHECK_EQ(vdconf_parse(cd, strlen(cd), &c, &e), 0);
	CHECK(c.type == VD_TYPE_CDROM && c.readonly && c.medium == 0, "cdrom is read-only, no disc");
	/* The disc: none, or whole 2048-byte blocks within the capacity; a round trip. */
	const char *cdm = "vm = web\ndevice = hdc\ntype = cdrom\ncapacity = 700M\nmedium = 3M\n";
	CHECK_EQ(vdconf_parse(cdm, strlen(cdm), &c, &e), 0);
	CHECK_EQ(c.medium, 3 * MiB);
	char *tm = vdconf_format(&c);
	CHECK(tm && strstr(tm, "\nmedium = 3M\n"), "medium written: %s", tm ? tm : "(none)");
	VdConf cm;
	CHECK(tm && vdconf_parse(tm, strlen(tm), &cm, &e) == 0 && cm.medium == 3 * MiB, "medium read back");
	free(tm);
	c.medium = 0;
	tm = vdconf_format(&c);
	CHECK(tm && strstr(tm, "\nmedium = none\n"), "no disc written: %s", tm ? tm : "(none)");
	free(tm);
	CHECK_EQ(vd_medium_size(0), 0);
	CHECK_EQ(vd_medium_size(1), 2048);
	CHECK_EQ(vd_medium_size(2048), 2048);
	CHECK_EQ(vd_medium_size(376833), 378880);
	CHECK(vd_type_parse("cdrom") == VD_TYPE_CDROM && vd_type_parse("disk") == VD_TYPE_HD &&
	      vd_type_parse("floppy") == VD_TYPE_FD && vd_type_parse("tape") < 0, "type names");
	CHECK(vd_type_fits_dev(VD_TYPE_CDROM, VM_DEV_HDD) && !vd_type_fits_dev(VD_TYPE_CDROM, VM_DEV_FDA) &&
	      !vd_type_fits_dev(VD_TYPE_FD, VM_DEV_HDA) && vd_type_fits_dev(VD_TYPE_FD, VM_DEV_FDB),
	      "types and devices");
	CHECK_EQ(vdconf_parse(cd, strlen(cd), &c, &e), 0);
	/* Round trip. */
	c.geom = (VdGeometry){0, 0, 0};
	char *t = vdconf_format(&c);
	VdConf c2;
	CHECK_EQ(vdconf_parse(t, strlen(t), &c2, &e), 0);
	CHECK(!memcmp(&c, &c2, sizeof(c)), "round trip: %s", t);
	free(t);

	struct {
		const char *text;
		int line;
		const char *why;
	} bad[] = {
		{"vm = web\ndevice = hda\n", 0, "capacity is missing"},
		{"device = hda\ncapacity = 1M\n", 0, "vm is missing"},
		{"vm = Web\n", 1, "not a VM name"},
		{"vm = web\ndevice = hde\n", 2, "unknown device"},
		{"vm = web\ndevice = hda\ntype = tape\n", 3, "not disk, floppy or cdrom"},
		{"vm = web\ndevice = hda\ntype = floppy\ncapacity = 1440K\n", 3, "hda cannot be a floppy"},
		{"vm = web\ndevice = fda\ntype = disk\ncapacity = 1440K\n", 3, "fda cannot be a disk"},
		{"vm = web\ndevice = fda\ncapacity = 1M\n", 3, "a floppy is"},
		{"vm = web\ndevice = hda\ncapacity = 1000\n", 3, "multiple of 512"},
		{"vm = web\ndevice = hda\ncapacity = 0\n", 3, "multiple of 512"},
		{"vm = web\ndevice = hda\ncapacity = 3T\n", 3, "at most 2T"},
		{"vm = web\ndevice = hda\ntype = cdrom\ncapacity = 1536\n", 4, "2048-byte"},
		{"vm = web\ndevice = hda\ntype = cdrom\ncapacity = 2M\nreadonly = no\n", 5, "read-only"},
		{"vm = web\ndevice = hda\ntype = cdrom\ncapacity = 2M\ngeometry = 1/1/1\n", 5, "has none"},
		{"vm = web\ndevice = fda\ntype = cdrom\ncapacity = 2M\n", 3, "fda cannot be a cdrom"},
		{"vm = web\ndevice = hda\ntype = cdrom\ncapacity = 2M\nmedium = 3M\n", 5, "larger than the capacity"},
		{"vm = web\ndevice = hda\ntype = cdrom\ncapacity = 2M\nmedium = 1000\n", 5, "2048-byte blocks"},
		{"vm = web\ndevice = hda\ntype = cdrom\ncapacity = 2M\nmedium = 0\n", 5, "neither none nor a size"},
		{"vm = web\ndevice = hda\ntype = cdrom\ncapacity = 2M\nmedium = full\n", 5, "neither none nor a size"},
		{"vm = web\ndevice = hda\ncapacity = 2M\nmedium = 2K\n", 4, "only a CD-ROM holds a disc"},
		{"vm = web\ndevice = hda\ntype = cdrom\ncapacity = 2M\nmedium = none\nmedium = none\n", 6, "set twice"},
		{"vm = web\ndevice = hda\ncapacity = 1M\ngeometry = 1/2\n", 4, "CYLINDERS/HEADS/SECTORS"},
		{"vm = web\ndevice = hda\ncapacity = 1M\ngeometry = 1/2/64\n", 4, "out of range"},
		{"vm = web\ndevice = hda\ncapacity = 1M\ngeometry = 0/2/63\n", 4, "out of range"},
		{"vm = web\ndevice = hda\ncapacity = 1M\ngeometry = 100/16/63\n", 4, "larger than the capacity"},
		{"vm = web\ndevice = hda\ncapacity = 1M\ngeometry = 2/16/63x\n", 4, "CYLINDERS"},
		{"vm = web\ndevice = hda\ncapacity = 1M\nreadonly = maybe\n", 4, "neither yes nor no"},
		{"vm = web\nvm = web\n", 2, "set twice"},
		{"vm = web\nsize = 1M\n", 2, "unknown key size"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int line;
		char why[200];
		CHECK(vd_err(bad[i].text, &line, why) == VMCP_EINVAL, "bad %zu accepted", i);
		CHECK(line == bad[i].line && strstr(why, bad[i].why), "bad %zu: line %d '%s', want %d '%s'", i,
		      line, why, bad[i].line, bad[i].why);
	}
}

static void test_geometry_and_edit(void)
{
	VdGeometry g = vd_geometry_auto(VD_TYPE_FD, 2880);
	CHECK(g.cylinders == 80 && g.heads == 2 && g.sectors == 18, "1440K");
	g = vd_geometry_auto(VD_TYPE_FD, 720);
	CHECK(g.cylinders == 40 && g.heads == 2 && g.sectors == 9, "360K");
	g = vd_geometry_auto(VD_TYPE_HD, 20480);
	CHECK(g.cylinders == 20 && g.heads == 16 && g.sectors == 63, "10M");
	g = vd_geometry_auto(VD_TYPE_HD, 100);
	CHECK(g.cylinders == 1 && g.heads == 1 && g.sectors == 63, "tiny: %u/%u/%u", g.cylinders, g.heads,
	      g.sectors);
	g = vd_geometry_auto(VD_TYPE_HD, 10);
	CHECK(g.cylinders == 1 && g.heads == 1 && g.sectors == 10, "tinier");
	g = vd_geometry_auto(VD_TYPE_HD, 4ull << 32);
	CHECK(g.cylinders == 16383, "large disks stop at 16383 cylinders");
	g = vd_geometry_auto(VD_TYPE_CDROM, 4096);
	CHECK(g.cylinders == 0, "cdrom");

	const char *t = "# top\nmemory = 64M # mine\ncpu = i686\n";
	char *o = conf_text_set(t, strlen(t), "memory", "128M");
	CHECK(!strcmp(o, "# top\nmemory = 128M # mine\ncpu = i686\n"), "replace keeps the comment: %s", o);
	free(o);
	o = conf_text_set(t, strlen(t), "hda", "web.hda.vd");
	CHECK(!strcmp(o, "# top\nmemory = 64M # mine\ncpu = i686\nhda = web.hda.vd\n"), "append: %s", o);
	free(o);
	o = conf_text_set(t, strlen(t), "cpu", NULL);
	CHECK(!strcmp(o, "# top\nmemory = 64M # mine\n"), "remove: %s", o);
	free(o);
	const char *nonl = "memory = 1M";
	o = conf_text_set(nonl, strlen(nonl), "cpu", "i386");
	CHECK(!strcmp(o, "memory = 1M\ncpu = i386\n"), "append after a last line without newline: %s", o);
	free(o);
	const char *cmt = "#memory = 1M\n mem = 2\n";
	o = conf_text_set(cmt, strlen(cmt), "memory", "4M");
	CHECK(!strcmp(o, "#memory = 1M\n mem = 2\nmemory = 4M\n"), "comments and prefixes untouched: %s", o);
	free(o);
}

int main(void)
{
	test_crc();
	test_sizes_names();
	test_vmconf();
	test_vdconf();
	test_geometry_and_edit();
	return test_summary();
}
