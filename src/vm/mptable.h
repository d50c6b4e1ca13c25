/* mptable.h: the Intel MultiProcessor Specification 1.4 tables, a floating pointer
 * structure followed by an MP configuration table, describing the board's processors,
 * its I/O APIC and how the ISA interrupts reach it. SeaBIOS writes its own (and an ACPI
 * MADT) when it runs; a boot without a BIOS (`ipl --kernel`) gets these from the board,
 * so that the guest finds its other processors as it would through the BIOS
 * (Linux: "Intel MultiProcessor Specification v1.4"; memtest86+ reads the same). */
#ifndef VMCP_VM_MPTABLE_H
#define VMCP_VM_MPTABLE_H

#include "base/base.h"

/* The largest tables mptable_build writes (VM_CPUS_MAX processors). */
#define MPTABLE_MAX 512u

typedef struct MpTableDesc {
	int ncpus;             /* processors with APIC IDs 0..ncpus-1; 0 is the bootstrap one */
	u8 lapic_version;      /* the local APIC version register's low byte */
	u32 lapic_addr;        /* where every local APIC answers */
	u32 cpu_signature;     /* CPUID leaf 1 EAX */
	u32 cpu_features;      /* CPUID leaf 1 EDX */
	u8 ioapic_id;          /* must differ from every processor's APIC ID */
	u8 ioapic_version;
	u32 ioapic_addr;
	u16 isa_irqs;          /* ISA IRQ n reaches I/O APIC pin n (bit n) */
	u16 level_irqs;        /* of those, level-triggered and active high (bit n) */
} MpTableDesc;

/* Writes the floating pointer (16 bytes) at buf, for guest address addr (16-byte
 * aligned), and the configuration table right after it. Returns the bytes written (at
 * most MPTABLE_MAX), or 0 when d has no processor or more than fit. */
u32 mptable_build(u8 *buf, u32 addr, const MpTableDesc *d);

#endif
