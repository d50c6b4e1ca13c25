/* linuxboot.h: direct kernel boot by the Linux x86 boot protocol (32-bit entry), as
 * QEMU's -kernel/-initrd/-append: the BIOS is skipped; the kernel's protected-mode part
 * is loaded at its code32_start, a zero page (boot_params) with the setup header, an e820
 * memory map, the command line and the initrd address is built in guest RAM, and the
 * CPU starts in flat 32-bit protected mode at the kernel's entry with ESI pointing at
 * boot_params (Documentation/arch/x86/boot.rst, "32-bit boot protocol"). */
#ifndef VMCP_VM_LINUXBOOT_H
#define VMCP_VM_LINUXBOOT_H

#include "base/base.h"
#include "bus/membus.h"
#include "cpu/cpu.h"

/* Where the loader puts things in guest RAM (below 640 KiB, away from the kernel). */
#define LINUXBOOT_GDT 0x8000u
#define LINUXBOOT_ZERO_PAGE 0x10000u
#define LINUXBOOT_CMDLINE 0x20000u
/* The last KiB below 640 KiB, reserved in the e820 map as a BIOS's extended data area:
 * the board's MP table (board.c, mptable.h). */
#define LINUXBOOT_EBDA 0x9FC00u

typedef struct LinuxBootInfo {
	u16 version;        /* boot protocol version of the kernel */
	u32 kernel_addr;    /* where the protected-mode part went */
	u32 kernel_size;
	u32 initrd_addr;    /* 0 when none */
	u32 initrd_size;
	u32 entry;
} LinuxBootInfo;

/* Loads kernel (a bzImage), optional initrd and command line into mem (ram_size bytes of
 * RAM), and sets *st to the 32-bit entry state. Returns 0, or VMCP_EINVAL with a reason
 * in why[] (not a bzImage, protocol too old, too large for RAM, command line too long),
 * VMCP_ENOENT/VMCP_EIO for unreadable files. */
int linuxboot_load(MemBus *mem, const char *kernel, const char *initrd, const char *cmdline,
		   CpuState *st, LinuxBootInfo *info, char *why, size_t whylen);

#endif
