/* crc32c.h: CRC-32C (Castagnoli), the checksum of VMFAT's superblock and directory
 * copies (docs/vmfat.md). Polynomial 0x1EDC6F41, reflected (0x82F63B78), initial value
 * and final XOR 0xFFFFFFFF, as in iSCSI (RFC 3720 appendix B.4) and ext4's metadata
 * checksums. crc32c("123456789") = 0xE3069283. */
#ifndef VMCP_VD_CRC32C_H
#define VMCP_VD_CRC32C_H

#include "base/base.h"

/* The CRC-32C of len bytes at p. Chain calls by passing the previous result as crc
 * (start with 0). */
u32 crc32c(u32 crc, const void *p, size_t len);

#endif
