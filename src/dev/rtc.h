/* rtc.h: the Motorola MC146818A real-time clock with its CMOS RAM (128 bytes, as in the
 * PIIX3), and the NMI mask bit of port 70h.
 *
 * Ports (byte access): 0x70 index (bits 6-0) + NMI disable (bit 7), write only;
 * 0x71 data.                                   io_map(io, 0x70, 2, &rtc_io_ops, rtc)
 * Output: `irq` is IRQ8 (high while register C's IRQF is set; edge-triggered at the PIC,
 * so a new interrupt needs register C read first, as on the AT). The NMI mask is for
 * the board: rtc_nmi_masked(), and the `nmi_mask` line follows it (1 = NMIs disabled).
 *
 * CMOS layout (the IBM AT's, plus what SeaBIOS reads under Bochs/QEMU without fw_cfg):
 *   0x00-0x09 time, alarm and date registers (seconds, seconds alarm, minutes, minutes
 *             alarm, hours, hours alarm, day of week 1-7 Sunday=1, date, month, year 0-99)
 *   0x0A-0x0D registers A (UIP, divider, rate), B (SET PIE AIE UIE SQWE DM 24/12 DSE),
 *             C (IRQF PF AF UF, cleared on read), D (VRT, always 0x80)
 *   0x0E      diagnostic status            0x0F shutdown status (reset reason)
 *   0x10      floppy types: high nibble drive A, low nibble B (0 none, 1 360K, 2 1.2M,
 *             3 720K, 4 1.44M, 5 2.88M)
 *   0x12      hard disk types: high nibble disk 0, low nibble disk 1 (0xF: see 0x19/0x1A)
 *   0x14      equipment: bits 7-6 floppies-1, 5-4 display (00 EGA/VGA), 1 FPU, 0 floppy
 *   0x15-0x16 base memory in KiB (640)       0x17-0x18 memory above 1 MiB in KiB (max 0xFFFF)
 *   0x19-0x1A extended types of disks 0 and 1 (47 = user-defined geometry at 0x1B/0x24)
 *   0x1B-0x23, 0x24-0x2C  disk 0/1 user geometry (cylinders word, heads, wpcomp word,
 *             control, landing zone word, sectors per track)
 *   0x2E-0x2F checksum (high, low) of 0x10-0x2D
 *   0x30-0x31 memory above 1 MiB in KiB (copy of 0x17-0x18)
 *   0x32      century (BCD), not touched by the chip itself
 *   0x34-0x35 memory above 16 MiB in 64 KiB units (SeaBIOS: RAM size = this + 16 MiB)
 *   0x38      bits 7-4 third boot device; bit 0 set = do not check the floppy boot signature
 *   0x3D      bits 3-0 first boot device, 7-4 second (1 floppy, 2 hard disk, 3 CD-ROM,
 *             4 network/BEV)
 *   0x5B-0x5D memory above 4 GiB in 64 KiB units (low, mid, high byte)
 *   0x5F      number of CPUs minus one
 * Time runs from a start time the board passes (seconds since 1970-01-01 00:00:00 in
 * whatever zone the guest should see, e.g. host local time or a fixed value for tests)
 * plus virtual time: the chip's own update cycle increments the registers once a
 * virtual second. */
#ifndef VMCP_DEV_RTC_H
#define VMCP_DEV_RTC_H

#include "base/base.h"
#include "bus/clock.h"
#include "bus/iobus.h"
#include "bus/irq.h"

enum {
	RTC_SECONDS = 0x00, RTC_SECONDS_ALARM = 0x01, RTC_MINUTES = 0x02,
	RTC_MINUTES_ALARM = 0x03, RTC_HOURS = 0x04, RTC_HOURS_ALARM = 0x05,
	RTC_DAY_OF_WEEK = 0x06, RTC_DAY_OF_MONTH = 0x07, RTC_MONTH = 0x08, RTC_YEAR = 0x09,
	RTC_REG_A = 0x0A, RTC_REG_B = 0x0B, RTC_REG_C = 0x0C, RTC_REG_D = 0x0D,
	CMOS_SHUTDOWN = 0x0F, CMOS_FLOPPY_TYPES = 0x10, CMOS_DISK_TYPES = 0x12,
	CMOS_EQUIPMENT = 0x14, CMOS_BASE_MEM_LO = 0x15, CMOS_BASE_MEM_HI = 0x16,
	CMOS_EXT_MEM_LO = 0x17, CMOS_EXT_MEM_HI = 0x18, CMOS_DISK0_TYPE = 0x19,
	CMOS_DISK1_TYPE = 0x1A, CMOS_DISK0_PARAMS = 0x1B, CMOS_DISK1_PARAMS = 0x24,
	CMOS_CHECKSUM_HI = 0x2E, CMOS_CHECKSUM_LO = 0x2F, CMOS_EXT_MEM2_LO = 0x30,
	CMOS_EXT_MEM2_HI = 0x31, CMOS_CENTURY = 0x32, CMOS_MEM_16M_LO = 0x34,
	CMOS_MEM_16M_HI = 0x35, CMOS_BOOT_FLAGS1 = 0x38, CMOS_BOOT_FLAGS2 = 0x3D,
	CMOS_MEM_4G_LO = 0x5B, CMOS_MEM_4G_MID = 0x5C, CMOS_MEM_4G_HI = 0x5D,
	CMOS_SMP_COUNT = 0x5F,
};

/* Boot device codes for rtc_cmos_set_boot_order (SeaBIOS's nibbles). */
enum { RTC_BOOT_NONE = 0, RTC_BOOT_FLOPPY = 1, RTC_BOOT_DISK = 2, RTC_BOOT_CDROM = 3,
       RTC_BOOT_NET = 4 };

typedef struct Rtc {
	Clock *clk;
	u8 cmos[128];       /* 0x00-0x0D hold the chip's registers as the guest sees them */
	u8 index;           /* port 70h bits 6-0 */
	bool nmi_masked;    /* port 70h bit 7 */
	s64 div_origin;     /* virtual ns at which the divider chain left reset */
	u64 next_update;    /* ns of the next update cycle's end (CLOCK_NEVER: divider reset) */
	u64 pf_seen;        /* periodic events already folded into PF */
	u32 pf_rate;        /* the rate pf_seen was counted at (32768 Hz ticks per event) */
	Timer update_timer, periodic_timer;
	IrqLine irq, nmi_mask;
	bool irq_level;
} Rtc;

/* Sets up the RTC on clk with the time start_seconds (see above): registers A = 0x26
 * (32.768 kHz, 1024 Hz rate), B = 0x02 (24-hour BCD), D = 0x80, century 0x32 set, the
 * rest of the CMOS zero. The first update cycle ends 0.5 s of virtual time later. */
void rtc_init(Rtc *r, Clock *clk, s64 start_seconds);

/* System reset (the chip's RESET pin): clears PIE, AIE, UIE and SQWE in register B and
 * the flags in register C, drops IRQ8. Time, CMOS RAM and the NMI mask are kept. */
void rtc_reset(Rtc *r);

/* Host-side CMOS access (no side effects, any index 0-127; index is masked). */
void rtc_cmos_set(Rtc *r, u8 index, u8 val);
u8 rtc_cmos_get(const Rtc *r, u8 index);

/* Stores the checksum of 0x10-0x2D at 0x2E (high) / 0x2F (low); returns it. Call it
 * after the last rtc_cmos_set of that range. */
u16 rtc_cmos_checksum(Rtc *r);

/* Fills the memory-size bytes (0x15-0x18, 0x30-0x31, 0x34-0x35, 0x5B-0x5D) for RAM of
 * below_4g bytes from address 0 and above_4g bytes from 4 GiB, with 640 KiB of base
 * memory, and updates the checksum. */
void rtc_cmos_set_memory(Rtc *r, u64 below_4g, u64 above_4g);

/* Sets SeaBIOS's boot order (0x3D, 0x38 bits 7-4) from up to three RTC_BOOT_* codes and
 * whether the floppy boot signature is checked (0x38 bit 0 clear). */
void rtc_cmos_set_boot_order(Rtc *r, int first, int second, int third, bool check_floppy_sig);

/* True while port 70h bit 7 disables NMIs. */
bool rtc_nmi_masked(const Rtc *r);

/* Converts seconds since 1970 to the calendar (year, 1-12, 1-31, 0-23, 0-59, 0-59, day
 * of week 1-7 with Sunday 1); exported for tests and the CP. */
void rtc_civil_from_seconds(s64 t, int *year, int *mon, int *mday, int *hour, int *min,
                            int *sec, int *wday);

extern const IoOps rtc_io_ops; /* 0x70-0x71 */

#endif
