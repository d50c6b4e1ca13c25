/* linuxboot_test.c: the direct kernel loader, checked in guest memory with no CPU: the
 * test kernel (tests/vm/guest/testkernel.asm, assembled here by tools/mkimg.sh) is
 * loaded with an initrd and a command line, and the zero page, e820 map, command line,
 * initrd placement, GDT and entry state are compared with the boot protocol. Bad kernels
 * are refused with a reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "vm/linuxboot.h"
#include "../test.h"

static const char *tmpdir(void)
{
	const char *b = getenv("BUILD");
	return b ? b : "build/release";
}

int main(void)
{
	char kpath[512], rdpath[512], badpath[512], cmd[1200];
	snprintf(kpath, sizeof(kpath), "%s/tests/vm/testkernel.bin", tmpdir());
	snprintf(rdpath, sizeof(rdpath), "%s/tests/vm/initrd-lb.txt", tmpdir());
	snprintf(badpath, sizeof(badpath), "%s/tests/vm/not-a-kernel.bin", tmpdir());
	snprintf(cmd, sizeof(cmd), "bash tools/mkimg.sh testkernel %s", kpath);
	if (system("command -v nasm >/dev/null") != 0) {
		printf("skipped: nasm is not installed\n");
		return 0;
	}
	if (system(cmd) != 0) {
		printf("FAIL tools/mkimg.sh testkernel failed\n0 passed, 1 failed\n");
		return 1;
	}
	FILE *f = fopen(rdpath, "w");
	fputs("initrd line one\nline two\n", f);
	fclose(f);
	f = fopen(badpath, "w");
	fputs("this is not a kernel", f);
	fclose(f);

	MemBus mem;
	CHECK_EQ(mem_init(&mem, 64 * MiB), 0);
	CpuState st;
	LinuxBootInfo info;
	char why[256] = "";
	int r = linuxboot_load(&mem, kpath, rdpath, "console=ttyS0 vmcp=yes", &st, &info, why,
			       sizeof(why));
	CHECK(r == 0, "load: %s", why);
	CHECK_EQ(info.version, 0x0206);
	CHECK_EQ(info.kernel_addr, 0x100000);
	CHECK_EQ(st.eip, 0x100000);
	CHECK_EQ(st.gpr[R_ESI], LINUXBOOT_ZERO_PAGE);
	CHECK_EQ(st.cr0 & CR0_PE, CR0_PE);
	CHECK_EQ(st.eflags & FLAG_IF, 0);
	CHECK_EQ(st.seg[SEG_CS].sel, 0x10);
	CHECK_EQ(st.seg[SEG_DS].sel, 0x18);
	CHECK_EQ(st.seg[SEG_CS].limit, 0xFFFFFFFF);
	/* The protected-mode part starts with the test kernel's CLI (FA). */
	CHECK_EQ(mem.ram[0x100000], 0xFA);

	const u8 *zp = mem.ram + LINUXBOOT_ZERO_PAGE;
	CHECK(memcmp(zp + 0x202, "HdrS", 4) == 0, "setup header copied");
	CHECK_EQ(get_le32(zp + 0x228), LINUXBOOT_CMDLINE);
	CHECK(strcmp((const char *)mem.ram + LINUXBOOT_CMDLINE, "console=ttyS0 vmcp=yes") == 0,
	      "command line in memory");
	CHECK_EQ(zp[0x210], 0xFF);
	u32 rd = get_le32(zp + 0x218), rdsz = get_le32(zp + 0x21C);
	CHECK_EQ(rdsz, 25);
	CHECK_EQ(rd & 0xFFF, 0);
	CHECK(rd > 0x100000 && rd + rdsz <= 64 * MiB, "initrd at %#x inside RAM", rd);
	CHECK(memcmp(mem.ram + rd, "initrd line one\n", 16) == 0, "initrd bytes");
	CHECK_EQ(info.initrd_addr, rd);

	/* e820: low RAM, reserved, BIOS area, RAM above 1 MiB up to 64 MiB. */
	CHECK_EQ(zp[0x1E8], 4);
	const u8 *e = zp + 0x2D0;
	CHECK_EQ(get_le64(e), 0);
	CHECK_EQ(get_le64(e + 8), 0x9FC00);
	CHECK_EQ(get_le32(e + 16), 1);
	CHECK_EQ(get_le64(e + 60), 0x100000);
	CHECK_EQ(get_le64(e + 68), 63 * MiB);
	CHECK_EQ(get_le32(e + 76), 1);
	CHECK_EQ(get_le16(zp + 0x002), 63 * 1024);

	/* The GDT the entry state refers to holds flat code and data at 0x10 and 0x18. */
	CHECK_EQ(st.gdtr_base, LINUXBOOT_GDT);
	CHECK_EQ(get_le64(mem.ram + LINUXBOOT_GDT + 16), 0x00CF9B000000FFFFull);
	CHECK_EQ(get_le64(mem.ram + LINUXBOOT_GDT + 24), 0x00CF93000000FFFFull);

	/* Refusals. */
	r = linuxboot_load(&mem, badpath, NULL, "", &st, &info, why, sizeof(why));
	CHECK(r == VMCP_EINVAL && strstr(why, "not a Linux bzImage"), "bad kernel: %d %s", r, why);
	r = linuxboot_load(&mem, "/nonexistent/kernel", NULL, "", &st, &info, why, sizeof(why));
	CHECK_EQ(r, VMCP_ENOENT);
	char longcl[400];
	memset(longcl, 'x', sizeof(longcl) - 1);
	longcl[sizeof(longcl) - 1] = 0;
	r = linuxboot_load(&mem, kpath, NULL, longcl, &st, &info, why, sizeof(why));
	CHECK(r == VMCP_EINVAL && strstr(why, "command line"), "long command line: %s", why);
	mem_free(&mem);
	/* Too little RAM for the initrd to sit above the kernel: 2 MiB. */
	CHECK_EQ(mem_init(&mem, 2 * MiB), 0);
	r = linuxboot_load(&mem, kpath, rdpath, "", &st, &info, why, sizeof(why));
	CHECK(r == 0, "2 MiB still fits the tiny kernel and initrd: %s", why);
	mem_free(&mem);
	return test_summary();
}
