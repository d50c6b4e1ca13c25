/* mptable_test.c: the MP Specification 1.4 tables the board writes for a boot without a
 * BIOS (src/vm/mptable.c), read back as a guest's scan reads them: the floating pointer
 * (signature, length, revision, checksum, where it points), the configuration table
 * (checksum over its length, entry count, local APIC address) and every entry walked by
 * type with its length: processors with their IDs, flags, signature and features, the
 * ISA bus, the I/O APIC with an ID no processor has, ISA IRQ n on pin n (no IRQ 2) with
 * the level-triggered ones marked, ExtINT on the BSP's LINT0 and NMI on every LINT1. */
#include <string.h>

#include "vm/machine.h"
#include "vm/mptable.h"
#include "../test.h"

static u8 sum(const u8 *p, u32 n)
{
	u8 s = 0;
	for (u32 i = 0; i < n; i++)
		s = (u8)(s + p[i]);
	return s;
}

static void check_tables(int ncpus)
{
	const u32 addr = 0x9FC00;
	MpTableDesc d = {
		.ncpus = ncpus, .lapic_version = 0x14, .lapic_addr = 0xFEE00000u,
		.cpu_signature = 0x633, .cpu_features = 0x0183FBFF, .ioapic_id = (u8)ncpus,
		.ioapic_version = 0x11, .ioapic_addr = 0xFEC00000u, .isa_irqs = 0xFFFB,
		.level_irqs = 0x0E00,
	};
	u8 buf[MPTABLE_MAX + 16];
	memset(buf, 0xEE, sizeof(buf));
	u32 n = mptable_build(buf, addr, &d);
	CHECK(n > 16 && n <= MPTABLE_MAX, "%d CPUs: length %u", ncpus, n);
	CHECK_EQ(buf[MPTABLE_MAX], 0xEE); /* nothing past the largest size */
	/* the floating pointer */
	CHECK_EQ(memcmp(buf, "_MP_", 4), 0);
	CHECK_EQ(get_le32(buf + 4), addr + 16);
	CHECK_EQ(buf[8], 1);
	CHECK_EQ(buf[9], 4);
	CHECK_EQ(sum(buf, 16), 0);
	CHECK_EQ(buf[11], 0); /* feature byte 1: a table is present */
	CHECK_EQ(buf[12] & 0x80, 0); /* IMCRP clear: virtual wire mode */
	/* the configuration table */
	const u8 *t = buf + 16;
	u32 len = get_le16(t + 4);
	CHECK_EQ(memcmp(t, "PCMP", 4), 0);
	CHECK_EQ(16 + len, n);
	CHECK_EQ(t[6], 4);
	CHECK_EQ(sum(t, len), 0);
	CHECK_EQ(get_le32(t + 36), 0xFEE00000u);
	CHECK_EQ(get_le16(t + 40), 0); /* no extended table */
	u32 count = get_le16(t + 34), seen = 0, off = 44;
	int procs = 0, buses = 0, ioapics = 0, lints = 0, last_type = 0;
	u16 irqs = 0, levels = 0;
	while (off < len && seen < count) {
		const u8 *e = t + off;
		CHECK(e[0] >= last_type, "entries in type order (%u after %d)", e[0], last_type);
		last_type = e[0];
		switch (e[0]) {
		case 0: /* processor */
			CHECK_EQ(e[1], procs);
			CHECK_EQ(e[2], 0x14);
			CHECK_EQ(e[3], procs == 0 ? 3 : 1);
			CHECK_EQ(get_le32(e + 4), 0x633);
			CHECK_EQ(get_le32(e + 8), 0x0183FBFF);
			procs++;
			off += 20;
			break;
		case 1: /* bus */
			CHECK_EQ(e[1], 0);
			CHECK_EQ(memcmp(e + 2, "ISA   ", 6), 0);
			buses++;
			off += 8;
			break;
		case 2: /* I/O APIC */
			CHECK(e[1] >= ncpus, "I/O APIC ID %u is no processor's", e[1]);
			CHECK_EQ(e[2], 0x11);
			CHECK_EQ(e[3], 1);
			CHECK_EQ(get_le32(e + 4), 0xFEC00000u);
			ioapics++;
			off += 8;
			break;
		case 3: /* I/O interrupt */
			CHECK_EQ(e[1], 0);
			CHECK_EQ(e[4], 0);
			CHECK_EQ(e[6], ncpus);
			CHECK_EQ(e[7], e[5]);
			irqs |= (u16)(1u << e[5]);
			if (get_le16(e + 2) == 0x0D)
				levels |= (u16)(1u << e[5]);
			else
				CHECK_EQ(get_le16(e + 2), 0);
			off += 8;
			break;
		case 4: /* local interrupt */
			if (e[1] == 3) { /* ExtINT on the BSP's LINT0 */
				CHECK_EQ(e[6], 0);
				CHECK_EQ(e[7], 0);
			} else {
				CHECK_EQ(e[1], 1); /* NMI on LINT1 of all */
				CHECK_EQ(e[6], 0xFF);
				CHECK_EQ(e[7], 1);
			}
			lints++;
			off += 8;
			break;
		default:
			CHECK(0, "unknown entry type %u", e[0]);
			off = len;
		}
		seen++;
	}
	CHECK_EQ(off, len);
	CHECK_EQ(seen, count);
	CHECK_EQ(procs, ncpus);
	CHECK_EQ(buses, 1);
	CHECK_EQ(ioapics, 1);
	CHECK_EQ(irqs, 0xFFFB);
	CHECK_EQ(levels, 0x0E00);
	CHECK_EQ(lints, 2);
}

int main(void)
{
	for (int n = 1; n <= VM_CPUS_MAX; n++)
		check_tables(n);
	MpTableDesc none = {.ncpus = 0}, many = {.ncpus = VM_CPUS_MAX + 1};
	u8 buf[MPTABLE_MAX];
	CHECK_EQ(mptable_build(buf, 0x9FC00, &none), 0);
	CHECK_EQ(mptable_build(buf, 0x9FC00, &many), 0);
	return test_summary();
}
