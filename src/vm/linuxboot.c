/* linuxboot.c: the Linux x86 boot protocol, 32-bit entry (boot.rst sections "The real-
 * mode kernel header", "Details of header fields", "32-bit boot protocol").
 * Handles protocol 2.02 and later (cmd_line_ptr); older kernels are refused. */
#include "vm/linuxboot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/err.h"
#include "vm/machine.h"

/* Offsets in the setup header / boot_params ("zero page"). */
enum {
	BP_EXT_MEM_K = 0x002,
	BP_ORIG_VIDEO_MODE = 0x006,
	BP_ORIG_VIDEO_COLS = 0x007,
	BP_ORIG_VIDEO_LINES = 0x00E,
	BP_ORIG_VIDEO_ISVGA = 0x00F,
	BP_ORIG_VIDEO_POINTS = 0x010,
	BP_ALT_MEM_K = 0x1E0,
	BP_E820_ENTRIES = 0x1E8,
	HDR_SETUP_SECTS = 0x1F1,
	HDR_BOOT_FLAG = 0x1FE,
	HDR_JUMP = 0x200,
	HDR_MAGIC = 0x202,
	HDR_VERSION = 0x206,
	HDR_TYPE_OF_LOADER = 0x210,
	HDR_LOADFLAGS = 0x211,
	HDR_CODE32_START = 0x214,
	HDR_RAMDISK_IMAGE = 0x218,
	HDR_RAMDISK_SIZE = 0x21C,
	HDR_HEAP_END_PTR = 0x224,
	HDR_CMD_LINE_PTR = 0x228,
	HDR_INITRD_ADDR_MAX = 0x22C,
	HDR_CMDLINE_SIZE = 0x238,
	BP_E820_TABLE = 0x2D0,
	BP_E820_MAX = 128,
};

#define LOADED_HIGH 0x01
#define CAN_USE_HEAP 0x80
#define E820_RAM 1
#define E820_RESERVED 2

/* Reads a whole file of at most max bytes (what the guest's RAM could hold). A
 * regular file's size is known before a byte is read; a stream (a pipe, /dev/zero) is
 * read up to max + 1 bytes at most: memory stays bounded either way. Returns 0,
 * VMCP_ERANGE (too large: *len is the size, or max + 1 for a stream), or the failure. */
static int read_file(const char *path, u64 max, u8 **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return errno == ENOENT ? VMCP_ENOENT : VMCP_EIO;
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (u64)st.st_size > max) {
		fclose(f);
		*len = (size_t)st.st_size;
		return VMCP_ERANGE;
	}
	u8 *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n == cap) {
			if (cap > max) {
				free(buf);
				fclose(f);
				*len = (size_t)max + 1;
				return VMCP_ERANGE;
			}
			cap = cap ? cap * 2 : 1 << 20;
			cap = (size_t)MIN((u64)cap, max + 1);
			u8 *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return VMCP_ENOMEM;
			}
			buf = nb;
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	int err = ferror(f) ? VMCP_EIO : n > max ? VMCP_ERANGE : 0;
	fclose(f);
	if (err) {
		free(buf);
		*len = n;
		return err;
	}
	*data = buf;
	*len = n;
	return 0;
}

/* The message of a read_file failure. */
static void read_fail(char *why, size_t whylen, const char *what, const char *path, int r, u64 ram)
{
	if (r == VMCP_ERANGE)
		snprintf(why, whylen, "%s %s is larger than the guest's RAM (%llu MiB): refused before it "
			 "was read whole", what, path, (unsigned long long)(ram >> 20));
	else
		snprintf(why, whylen, "cannot read %s %s: %s", what, path, vmcp_strerror(r));
}

static void e820_add(u8 *zp, u64 addr, u64 size, u32 type)
{
	u8 n = zp[BP_E820_ENTRIES];
	if (n >= BP_E820_MAX)
		return;
	u8 *e = zp + BP_E820_TABLE + 20 * n;
	put_le64(e, addr);
	put_le64(e + 8, size);
	put_le32(e + 16, type);
	zp[BP_E820_ENTRIES] = (u8)(n + 1);
}

/* A flat descriptor: base 0, limit 4 GiB, 32-bit, with the given access byte. */
static u64 flat_desc(u8 access)
{
	return 0x00CF00000000FFFFull | (u64)access << 40;
}

int linuxboot_load(MemBus *mem, const char *kernel, const char *initrd, const char *cmdline,
		   CpuState *st, LinuxBootInfo *info, char *why, size_t whylen)
{
	u8 *k = NULL, *rd = NULL;
	size_t klen = 0, rdlen = 0;
	u64 ram = mem->ram_size;
	int r = read_file(kernel, ram, &k, &klen);
	if (r) {
		read_fail(why, whylen, "kernel", kernel, r, ram);
		return r;
	}
	r = VMCP_EINVAL;
	if (klen < 0x400 || get_le16(k + HDR_BOOT_FLAG) != 0xAA55 ||
	    memcmp(k + HDR_MAGIC, "HdrS", 4) != 0) {
		snprintf(why, whylen, "%s is not a Linux bzImage (no HdrS header)", kernel);
		goto out;
	}
	u16 version = get_le16(k + HDR_VERSION);
	if (version < 0x0202) {
		snprintf(why, whylen, "boot protocol %x.%02x is too old (2.02 needed)",
			 version >> 8, version & 0xFF);
		goto out;
	}
	if (!(k[HDR_LOADFLAGS] & LOADED_HIGH)) {
		snprintf(why, whylen, "zImage kernels (not loaded high) are not supported");
		goto out;
	}
	u32 setup_sects = k[HDR_SETUP_SECTS] ? k[HDR_SETUP_SECTS] : 4;
	size_t pm_off = (size_t)(setup_sects + 1) * 512;
	if (pm_off >= klen) {
		snprintf(why, whylen, "%s: setup_sects points past the end of the file", kernel);
		goto out;
	}
	u32 pm_size = (u32)(klen - pm_off);
	u32 kaddr = get_le32(k + HDR_CODE32_START);
	if (kaddr < 0x100000 || (u64)kaddr + pm_size > ram) {
		snprintf(why, whylen, "kernel (%u bytes at %#x) does not fit in %llu MiB of RAM",
			 pm_size, kaddr, (unsigned long long)(ram >> 20));
		goto out;
	}
	u32 cmdline_max = version >= 0x0206 ? get_le32(k + HDR_CMDLINE_SIZE) : 255;
	size_t cl = cmdline ? strlen(cmdline) : 0;
	if (cl > cmdline_max || cl > 0xFFFF) {
		snprintf(why, whylen, "command line of %zu bytes is longer than the kernel's %u", cl,
			 cmdline_max);
		goto out;
	}
	if (initrd && *initrd) {
		r = read_file(initrd, ram, &rd, &rdlen);
		if (r) {
			read_fail(why, whylen, "initrd", initrd, r, ram);
			goto out;
		}
		r = VMCP_EINVAL;
	}

	/* The zero page: the setup header copied to its place, then our fields. */
	u8 zp[4096] = {0};
	size_t hdr_end = 0x202 + k[0x201]; /* the jump's offset gives the header's end */
	if (hdr_end > sizeof(zp) || hdr_end > klen)
		hdr_end = MIN(klen, 0x290);
	memcpy(zp + HDR_SETUP_SECTS, k + HDR_SETUP_SECTS, hdr_end - HDR_SETUP_SECTS);
	zp[HDR_TYPE_OF_LOADER] = 0xFF; /* "undefined" loader */
	zp[HDR_LOADFLAGS] |= CAN_USE_HEAP;
	put_le16(zp + HDR_HEAP_END_PTR, 0xFE00);
	put_le32(zp + HDR_CMD_LINE_PTR, LINUXBOOT_CMDLINE);
	u64 above1m_k = (ram - 0x100000) >> 10;
	put_le16(zp + BP_EXT_MEM_K, (u16)MIN(above1m_k, 0xFFFF));
	put_le32(zp + BP_ALT_MEM_K, (u32)above1m_k);
	zp[BP_ORIG_VIDEO_MODE] = 3;
	zp[BP_ORIG_VIDEO_COLS] = 80;
	zp[BP_ORIG_VIDEO_LINES] = 25;
	zp[BP_ORIG_VIDEO_ISVGA] = 1;
	put_le16(zp + BP_ORIG_VIDEO_POINTS, 16);
	e820_add(zp, 0, LINUXBOOT_EBDA, E820_RAM);
	e820_add(zp, LINUXBOOT_EBDA, 0xA0000 - LINUXBOOT_EBDA, E820_RESERVED);
	e820_add(zp, 0xF0000, 0x10000, E820_RESERVED);
	e820_add(zp, 0x100000, ram - 0x100000, E820_RAM);

	u32 rd_addr = 0;
	if (rd) {
		u32 max = version >= 0x0203 ? get_le32(k + HDR_INITRD_ADDR_MAX) : 0x37FFFFFF;
		u64 top = MIN((u64)max + 1, ram);
		u64 end_kernel = ((u64)kaddr + pm_size + 0xFFF) & ~0xFFFull;
		if (rdlen > top || ((top - rdlen) & ~0xFFFull) < end_kernel) {
			snprintf(why, whylen, "initrd of %zu bytes does not fit below %#llx", rdlen,
				 (unsigned long long)top);
			goto out;
		}
		rd_addr = (u32)((top - rdlen) & ~0xFFFull);
		put_le32(zp + HDR_RAMDISK_IMAGE, rd_addr);
		put_le32(zp + HDR_RAMDISK_SIZE, (u32)rdlen);
		mem_write_buf(mem, rd_addr, rd, (u32)rdlen);
	}

	mem_write_buf(mem, kaddr, k + pm_off, pm_size);
	mem_write_buf(mem, LINUXBOOT_ZERO_PAGE, zp, sizeof(zp));
	u8 clbuf[1] = {0};
	if (cl)
		mem_write_buf(mem, LINUXBOOT_CMDLINE, cmdline, (u32)cl);
	mem_write_buf(mem, LINUXBOOT_CMDLINE + (u32)cl, clbuf, 1);

	/* GDT: null, null, 0x10 flat code, 0x18 flat data (__BOOT_CS, __BOOT_DS). */
	u8 gdt[32] = {0};
	put_le64(gdt + 16, flat_desc(0x9B));
	put_le64(gdt + 24, flat_desc(0x93));
	mem_write_buf(mem, LINUXBOOT_GDT, gdt, sizeof(gdt));

	memset(st, 0, sizeof(*st));
	st->cr0 = CR0_PE | CR0_ET;
	st->eflags = 0x2;
	st->eip = kaddr;
	st->gpr[R_ESI] = LINUXBOOT_ZERO_PAGE;
	st->gdtr_base = LINUXBOOT_GDT;
	st->gdtr_limit = sizeof(gdt) - 1;
	st->idtr_limit = 0;
	for (int s = 0; s < SEG_COUNT; s++) {
		bool code = s == SEG_CS;
		st->seg[s] = (CpuSeg){.sel = code ? 0x10 : 0x18,
				      .attr = code ? 0xC09B : 0xC093,
				      .base = 0,
				      .limit = 0xFFFFFFFFu};
	}
	st->ldtr = (CpuSeg){.attr = 0x82, .limit = 0xFFFF};
	st->tr = (CpuSeg){.attr = 0x8B, .limit = 0xFFFF};
	st->dr[6] = 0xFFFF0FF0u;
	st->dr[7] = 0x400;

	if (info)
		*info = (LinuxBootInfo){version, kaddr, pm_size, rd_addr, (u32)rdlen, kaddr};
	r = 0;
out:
	free(k);
	free(rd);
	return r;
}

int machine_boot_linux(Machine *m, const char *kernel, const char *initrd, const char *cmdline,
		       char *why, size_t whylen)
{
	CpuState st;
	LinuxBootInfo info;
	int r = linuxboot_load(&m->mem, kernel, initrd, cmdline, &st, &info, why, whylen);
	if (!r)
		machine_prepare_direct_boot(m, &st);
	return r;
}
