/* mptable.c: the MP Specification 1.4 floating pointer and configuration table
 * (Intel MultiProcessor Specification, version 1.4, chapter 4: "MP Configuration
 * Table"). Entries in the order the specification asks: processors, buses, I/O APICs,
 * I/O interrupt assignments, local interrupt assignments. */
#include "vm/mptable.h"

#include <string.h>

#include "vm/machine.h"

enum {
	FP_LEN = 16,       /* floating pointer structure */
	HDR_LEN = 44,      /* configuration table header */
	E_PROC = 0, E_PROC_LEN = 20,
	E_BUS = 1, E_BUS_LEN = 8,
	E_IOAPIC = 2, E_IOAPIC_LEN = 8,
	E_IOINT = 3, E_IOINT_LEN = 8,
	E_LINT = 4, E_LINT_LEN = 8,
};

/* interrupt types and flags of the assignment entries */
#define INT_VECTORED 0
#define INT_NMI 1
#define INT_EXTINT 3
#define POL_HIGH 0x1     /* PO bits 1:0 = 01 */
#define TRIG_LEVEL 0xC   /* EL bits 3:2 = 11 */
#define ISA_BUS 0
#define ALL_APICS 0xFF

static u8 checksum(const u8 *p, u32 n)
{
	u8 sum = 0;
	for (u32 i = 0; i < n; i++)
		sum = (u8)(sum + p[i]);
	return (u8)-sum;
}

static u8 *assign(u8 *e, u8 type, u8 int_type, u16 flags, u8 src_irq, u8 dst_id, u8 dst_pin)
{
	e[0] = type;
	e[1] = int_type;
	put_le16(e + 2, flags);
	e[4] = ISA_BUS;
	e[5] = src_irq;
	e[6] = dst_id;
	e[7] = dst_pin;
	return e + 8;
}

u32 mptable_build(u8 *buf, u32 addr, const MpTableDesc *d)
{
	if (d->ncpus < 1 || d->ncpus > VM_CPUS_MAX)
		return 0;
	memset(buf, 0, MPTABLE_MAX);
	u8 *fp = buf, *t = buf + FP_LEN, *e = t + HDR_LEN;
	u16 entries = 0;
	for (int i = 0; i < d->ncpus; i++, entries++) {
		e[0] = E_PROC;
		e[1] = (u8)i;                       /* local APIC ID */
		e[2] = d->lapic_version;
		e[3] = (u8)(0x01 | (i == 0 ? 0x02 : 0)); /* EN, BP */
		put_le32(e + 4, d->cpu_signature);
		put_le32(e + 8, d->cpu_features);
		e += E_PROC_LEN;
	}
	e[0] = E_BUS;
	e[1] = ISA_BUS;
	memcpy(e + 2, "ISA   ", 6);
	e += E_BUS_LEN;
	entries++;
	e[0] = E_IOAPIC;
	e[1] = d->ioapic_id;
	e[2] = d->ioapic_version;
	e[3] = 0x01; /* EN */
	put_le32(e + 4, d->ioapic_addr);
	e += E_IOAPIC_LEN;
	entries++;
	for (u8 irq = 0; irq < 16; irq++) {
		if (!(d->isa_irqs >> irq & 1))
			continue;
		/* ISA's own polarity and trigger (flags 0, "conforming") unless wired level */
		u16 flags = d->level_irqs >> irq & 1 ? POL_HIGH | TRIG_LEVEL : 0;
		e = assign(e, E_IOINT, INT_VECTORED, flags, irq, d->ioapic_id, irq);
		entries++;
	}
	/* the 8259A's INT on the bootstrap processor's LINT0 (virtual wire), NMI on LINT1 */
	e = assign(e, E_LINT, INT_EXTINT, 0, 0, 0, 0);
	e = assign(e, E_LINT, INT_NMI, 0, 0, ALL_APICS, 1);
	entries += 2;

	u32 len = (u32)(e - t);
	memcpy(t, "PCMP", 4);
	put_le16(t + 4, (u16)len);
	t[6] = 4; /* specification revision 1.4 */
	memcpy(t + 8, "VMCP    ", 8);
	memcpy(t + 16, "PC-AT       ", 12);
	put_le16(t + 34, entries);
	put_le32(t + 36, d->lapic_addr);
	t[7] = checksum(t, len);

	memcpy(fp, "_MP_", 4);
	put_le32(fp + 4, addr + FP_LEN); /* the configuration table */
	fp[8] = 1;                       /* length in 16-byte units */
	fp[9] = 4;
	/* feature bytes 0 (a configuration table is present) and 1 (IMCRP 0: virtual wire
	 * mode, no IMCR) stay 0 */
	fp[10] = checksum(fp, FP_LEN);
	return FP_LEN + len;
}
