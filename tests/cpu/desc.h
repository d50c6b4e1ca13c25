/* desc.h: descriptor-table entries as a test writes them into guest memory (Intel SDM
 * vol. 3A 3.4.5 segment descriptors, 5.8.3 call gates, 6.11 IDT gates): into a byte
 * buffer for random_test and cpu_fuzz, through harness.h's set_desc/set_gate for the
 * CPU unit tests. */
#ifndef TESTS_CPU_DESC_H
#define TESTS_CPU_DESC_H

#include "base/base.h"

/* A segment descriptor: base, 20-bit limit, access byte, flags nibble (G, D/B, L, AVL). */
static inline void put_desc(u8 *p, u32 base, u32 limit, u8 access, u8 flags)
{
	put_le16(p, (u16)limit);
	put_le16(p + 2, (u16)base);
	p[4] = (u8)(base >> 16);
	p[5] = access;
	p[6] = (u8)(((limit >> 16) & 0xF) | (flags << 4));
	p[7] = (u8)(base >> 24);
}

/* A gate: selector, offset, access byte, parameter count (call gates). */
static inline void put_gate(u8 *p, u16 sel, u32 off, u8 access, u8 params)
{
	put_le16(p, (u16)off);
	put_le16(p + 2, sel);
	p[4] = params;
	p[5] = access;
	put_le16(p + 6, (u16)(off >> 16));
}

#endif
