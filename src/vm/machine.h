/* machine.h: one virtual PC-AT: CPU, buses, clock and every device, built from a
 * MachineConfig, wired by the board file (board.c) and run by machine_run (run.c).
 *
 * A Machine is the hardware part of a VMBLOCK: VmBlock (vmblock.h) holds the VM's
 * config and VDDATA; the CP builds a Machine from them with the VdDisks of VDDATA
 * attached to the IDE and floppy models. Nothing is global: several Machines can run in
 * one process, one thread each. */
#ifndef VMCP_VM_MACHINE_H
#define VMCP_VM_MACHINE_H

#include <stdio.h>

#include "base/base.h"
#include "bus/clock.h"
#include "bus/iobus.h"
#include "bus/membus.h"
#include "cpu/cpu.h"
#include "dev/acpi.h"
#include "dev/debug.h"
#include "dev/dma.h"
#include "dev/fdc.h"
#include "dev/i440fx.h"
#include "dev/ide.h"
#include "dev/ioapic.h"
#include "dev/kbc.h"
#include "dev/lapic.h"
#include "dev/pci.h"
#include "dev/pic.h"
#include "dev/piix3.h"
#include "dev/pit.h"
#include "dev/port92.h"
#include "dev/rtc.h"
#include "dev/uart.h"
#include "dev/vga.h"
#include "conf/conf.h"
#include "vd/vd.h"

#define MACHINE_DEFAULT_BIOS "/usr/share/seabios/bios.bin"
#define MACHINE_DEFAULT_VGABIOS "/usr/share/seabios/vgabios-stdvga.bin"
#define MACHINE_DEFAULT_IPS 100000000u /* virtual instructions per second */

/* What the host side (the CP) gets from the guest. Any callback may be NULL. */
typedef struct MachineHost {
	void *ctx;
	void (*serial_out)(void *ctx, int com, u8 byte); /* com 0 = COM1 */
	void (*debug_out)(void *ctx, u16 port, u8 byte); /* ports 0x80, 0x402, 0xE9 */
} MachineHost;

typedef struct MachineConfig {
	u64 memory;             /* RAM bytes (1 MiB .. 3.5 GiB, multiple of 4 KiB) */
	CpuModel cpu;
	int cpus;               /* processors, 1..VM_CPUS_MAX (more than one: P6); 0: 1 */
	CpuEngine engine;       /* CPU_ENGINE_DEFAULT: the translator where the host has one */
	const char *bios;       /* firmware image; NULL: SeaBIOS */
	bool bios_raw;          /* a raw ROM (--bios): no VGA BIOS, text mode preset */
	const char *vgabios;    /* NULL: vgabios-stdvga.bin; "" none */
	VdDisk *hd[4];          /* hda..hdd (primary master/slave, secondary), NULL none */
	VdDisk *fd[2];          /* fda, fdb */
	int boot[3];            /* RTC_BOOT_* codes in order, RTC_BOOT_NONE for unused */
	u32 ips;                /* virtual instructions per second; 0: default */
	bool serial_line_time;  /* COM ports send at their baud rate (else at once, uart.h) */
	s64 rtc_start;          /* RTC start, seconds since 1970 (local time as the guest sees it) */
	MachineHost host;
} MachineConfig;

/* Requests raised by device callbacks during cpu_run, acted on between slices. */
enum {
	MACH_REQ_CPU_RESET = 1,    /* 8042 / port 92h / PIIX3 soft reset: the CPU only */
	MACH_REQ_SYS_RESET = 2,    /* PIIX3 hard reset, triple fault: every device + CPU */
	MACH_REQ_POWEROFF = 4,     /* ACPI S5 */
	MACH_REQ_STOP = 8,         /* the CP asked the VM to stop (console, another thread) */
};

typedef struct Machine {
	MachineConfig cfg;
	Clock clock;
	MemBus mem;
	IoBus *io;
	Cpu *cpu;               /* the bootstrap processor, cpus[0]: what the CP shows */
	Cpu *cpus[VM_CPUS_MAX]; /* APIC ID i is cpus[i] */
	int ncpus;
	u8 *bios;
	u32 bios_size;
	u8 *vgabios;
	u32 vgabios_size;

	/* The board's chips, named as on the PC-AT and the i440FX/PIIX3 board. */
	Pic pic;
	Pit pit;
	Rtc rtc;
	Kbc kbc;
	Port92 port92;
	Uart com[2];
	DebugPort post, debugcon, e9;
	Dma dma;
	Fdc fdc;
	Ide ide;
	PciBus pci;
	I440fx hb;
	Piix3 isa;
	PiixIde pide;
	AcpiPm pm;
	Vga vga;
	/* The APICs (P6 machines): each CPU's local APIC, the 82093AA at 0xFEC00000. */
	bool has_apic;
	Lapic lapic[VM_CPUS_MAX];
	IoApic ioapic;

	/* Turns of the CPUs (run.c): cpus[cur] runs until the machine's instruction count
	 * reaches turn_end, it halts, or it yields (an IPI sent, a PAUSE). */
	int cur;
	u64 turn_start, turn_end;
	bool yield;

	/* Wires the board combines. */
	bool a20_kbc, a20_port92;
	u16 irq_isa, irq_pirq; /* levels from ISA devices and from PIRQ routing, per IRQ */
	bool ferr;             /* the x87's FERR# (its rising edge sets the IRQ13 latch) */

	int focus;             /* the CPU whose exit last stopped a run (display, store) */
	bool hold_shutdown;    /* a triple fault stops the run instead of resetting */
	volatile u32 requests; /* MACH_REQ_* */
	u64 resets;            /* how many resets happened (tests, query) */
	u64 halted_ns;         /* virtual time spent halted */
} Machine;

/* Builds the machine: RAM, firmware (read from files), devices and wiring, then a
 * system reset. Returns 0, or a VMCP_E* code with a reason always in why (firmware
 * missing or unreadable, bad memory size, a VD the disk controllers cannot take, out of
 * memory); on failure nothing stays allocated. */
int machine_init(Machine *m, const MachineConfig *cfg, char *why, size_t whylen);
/* Frees what machine_init built; safe on a zeroed Machine. */
void machine_free(Machine *m);

/* System reset: every device to its power-on state, then the CPU (RESET). */
void machine_reset(Machine *m);

/* Puts the machine in the state a BIOS leaves for an OS loaded by a direct kernel boot
 * (PCI functions enabled as SeaBIOS programs them, VGA in text mode 3; with APICs, CPU
 * 0's in virtual wire mode and an MP table in the EBDA: mptable.h) and loads the CPU
 * state st. */
void machine_prepare_direct_boot(Machine *m, const CpuState *st);

/* Why machine_run returned. */
typedef enum MachineStop {
	MACH_STOP_TIME = 0,  /* virtual time reached the deadline */
	MACH_STOP_POWEROFF,  /* the guest switched the machine off */
	MACH_STOP_DEAD,      /* halted with interrupts disabled: nothing can wake it */
	MACH_STOP_REQUEST,   /* machine_request_stop() */
	MACH_STOP_IO_TRAP,   /* a trapped port access, details in *exit */
	MACH_STOP_BREAKPOINT, /* an instruction in a CP execution range, before it runs */
	MACH_STOP_SHUTDOWN,  /* a triple fault, held for the CP (machine_hold_shutdown) */
	MACH_STOP_DEBUG,     /* CP debugging events (CPU_EXIT_DEBUG) or the instruction count
			      * reached (CPU_EXIT_ICOUNT), details in *exit */
} MachineStop;

/* Runs the guest until virtual time reaches until_ns or an event. Timers fire as
 * they fall due; a halted CPU skips to the next deadline. Resets requested by the guest
 * are carried out here. */
MachineStop machine_run(Machine *m, u64 until_ns, CpuExit *exit);

/* Raises MACH_REQ_* bits for the run loop, which acts on them between CPU slices, and
 * ends the current slice. Safe from any thread and from device callbacks (the bits are
 * set atomically, so a stop from another thread is never lost to a device's reset). */
void machine_request(Machine *m, u32 req);

/* Asks a running machine_run to return MACH_STOP_REQUEST soon (any thread). */
void machine_request_stop(Machine *m);

static inline u64 machine_now(const Machine *m) { return clock_now(&m->clock); }

/* ---- The host interface (host.c) ----
 * Everything the CP does with a machine goes through these functions: console input
 * and output, keys, the screen, I/O trap and trace settings, memory and register reads
 * and writes, counters. src/cp never reaches into a chip's struct. */

/* Counters of a machine, for `query` and `query names`. */
typedef struct MachineStats {
	u64 instructions; /* retired since the machine was built */
	u64 now_ns;       /* virtual time */
	u64 halted_ns;    /* virtual time spent halted */
	u64 resets;       /* resets after the first power-on RESET */
	u64 timer_events; /* device timer callbacks run (the events of virtual time) */
} MachineStats;
void machine_stats(const Machine *m, MachineStats *s);

/* The CPU's registers, and loading new ones (STORE, BEGIN ADDR): the processor whose
 * exit last stopped a run (a breakpoint, a watch, a trap), else the bootstrap
 * processor. machine_focus says which (0 = the BSP). */
void machine_get_regs(const Machine *m, CpuState *st);
void machine_set_regs(Machine *m, const CpuState *st);
int machine_focus(const Machine *m);
/* The instruction count of the CPU running now (the machine's instruction time). */
u64 machine_icount(const Machine *m);
/* Its x87 and SSE state, and an MSR (false: the model has none there). */
void machine_get_fpu(const Machine *m, CpuFpuState *st);
void machine_get_sse(const Machine *m, CpuSseState *st);
/* And loading them (gdb's register writes), as FRSTOR and FXRSTOR would. */
void machine_set_fpu(Machine *m, const CpuFpuState *st);
void machine_set_sse(Machine *m, const CpuSseState *st);
bool machine_read_msr(Machine *m, u32 index, u64 *value);
/* Guest physical memory as the CPU sees it (RAM, ROM, MMIO), len bytes at pa. */
void machine_read_phys(Machine *m, u32 pa, void *buf, u32 len);
void machine_write_phys(Machine *m, u32 pa, const void *buf, u32 len);
/* Linear (virtual) memory through the focus CPU's page tables, as a supervisor read
 * finds it (no accessed or dirty bit set): returns how many bytes from lin are mapped
 * (0..len), having read or written those. */
u32 machine_read_lin(Machine *m, u32 lin, void *buf, u32 len);
u32 machine_write_lin(Machine *m, u32 lin, const void *buf, u32 len);
/* The page-table walk of lin (cpu.h CpuWalk). */
void machine_page_walk(Machine *m, u32 lin, CpuWalk *w);
/* The CP's breakpoints, watches and trace points (cpu.h CpuDebug), on every CPU. */
void machine_set_debug(Machine *m, const CpuDebug *d);

/* The VGA text screen now (cells, attributes, cursor; graphics set in a graphics mode). */
void machine_screen(const Machine *m, VgaText *t);
/* Taps key with mod held (KBC_KEY_NONE: none), all or nothing: false when the keyboard
 * has no room now. */
bool machine_key(Machine *m, KbcKey mod, KbcKey key);
/* True while earlier keys wait in the keyboard or the controller, unread by the guest. */
bool machine_keys_pending(const Machine *m);
/* Host bytes into serial port com's receiver (0 = COM1); returns how many it took. */
int machine_serial_in(Machine *m, int com, const u8 *buf, int n);
/* Virtual ns one character takes on serial port com at its programmed speed. */
u64 machine_serial_char_ns(const Machine *m, int com);

/* I/O tracing: fn sees every access to ports lo..hi after the device answered; fn NULL
 * turns tracing off on every port. */
void machine_trace_io(Machine *m, u16 lo, u16 hi, IoTraceFn fn, void *ctx);
/* I/O traps: accesses to ports lo..hi leave machine_run with MACH_STOP_IO_TRAP before
 * they happen (the paper's trap to the CP). */
void machine_trap_io(Machine *m, u16 lo, u16 hi, bool on);
/* True if any port is trapped. */
bool machine_io_trapping(const Machine *m);
/* One line per instruction to out (NULL: off). */
void machine_trace_cpu(Machine *m, FILE *out);

/* hold: a triple fault ends machine_run with MACH_STOP_SHUTDOWN (the CP shows it and
 * holds the VM) instead of the chipset's reset; machine_reset then restarts it. */
void machine_hold_shutdown(Machine *m, bool hold);
/* Puts a disc of `bytes` (0: none) into the CD-ROM drive of device dev (VM_DEV_HDA..
 * VM_DEV_HDD): the guest sees the change (dev/ide.h, ide_set_medium). Returns 0,
 * VMCP_EINVAL (no CD-ROM drive there) or VMCP_EBUSY (the guest prevents the removal of
 * the disc in it; force takes it out anyway). */
int machine_set_medium(Machine *m, int dev, u64 bytes, bool force);
/* Presses the ACPI power button (an SCI if the guest enabled it). */
void machine_power_button(Machine *m);
/* A direct Linux boot (linuxboot.h): loads kernel, initrd and command line into RAM and
 * puts the machine in the state the kernel's 32-bit entry expects. Returns 0, or a
 * VMCP_E* code with the reason in why. */
int machine_boot_linux(Machine *m, const char *kernel, const char *initrd, const char *cmdline,
		       char *why, size_t whylen);

#endif
