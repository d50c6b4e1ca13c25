/* rtc_test.c: the MC146818A through ports 70h/71h on the virtual clock: the calendar
 * from a fixed start time, the update cycle's timing and UIP window, leap days and month
 * and year rollover, BCD/binary and 12/24-hour formats, SET, the divider reset's half
 * second, update-ended, alarm (with don't-care bytes) and periodic interrupts (rate from
 * register A, PF without PIE), register C cleared on read, the CMOS RAM, memory-size and
 * boot-order bytes as SeaBIOS reads them, the checksum and the NMI mask. */
#include <stdlib.h>

#include "bus/clock.h"
#include "bus/iobus.h"
#include "dev/rtc.h"
#include "../test.h"

#define MS 1000000ull
#define US 1000ull

static IoBus *bus;
static Clock clk;
static Rtc rtc;
static int irq_level, irq_rises, nmi_level;
static u64 last_rise;

static void on_irq(void *ctx, int n, int level)
{
	if (level && !irq_level) {
		irq_rises++;
		last_rise = clock_now(&clk);
	}
	irq_level = level;
}

static void on_nmi(void *ctx, int n, int level) { nmi_level = level; }

static u8 cmos_read(u8 idx)
{
	io_write(bus, 0x70, idx, 1);
	return (u8)io_read(bus, 0x71, 1);
}

static void cmos_write(u8 idx, u8 v)
{
	io_write(bus, 0x70, idx, 1);
	io_write(bus, 0x71, v, 1);
}

/* Runs timers on time up to t (ns). */
static void run_to(u64 t)
{
	clock_run_to(&clk, t);
}

static void setup(s64 start)
{
	clock_init(&clk, 1000);
	rtc_init(&rtc, &clk, start);
	irq_connect(&rtc.irq, on_irq, NULL, 0);
	irq_connect(&rtc.nmi_mask, on_nmi, NULL, 0);
	irq_level = irq_rises = 0;
	last_rise = 0;
}

static void test_civil(void)
{
	int y, mo, d, h, mi, s, w;
	rtc_civil_from_seconds(0, &y, &mo, &d, &h, &mi, &s, &w);
	CHECK(y == 1970 && mo == 1 && d == 1 && h == 0 && w == 5, "epoch %d-%d-%d w%d", y, mo, d, w);
	rtc_civil_from_seconds(951825600, &y, &mo, &d, &h, &mi, &s, &w);
	CHECK(y == 2000 && mo == 2 && d == 29 && h == 12 && w == 3, "2000-02-29 %d-%d-%d w%d", y, mo, d, w);
	rtc_civil_from_seconds(4102444799, &y, &mo, &d, &h, &mi, &s, &w);
	CHECK(y == 2099 && mo == 12 && d == 31 && h == 23 && mi == 59 && s == 59, "2099 end");
	rtc_civil_from_seconds(-1, &y, &mo, &d, &h, &mi, &s, &w);
	CHECK(y == 1969 && mo == 12 && d == 31 && h == 23 && s == 59 && w == 4, "1969 end w%d", w);
	rtc_civil_from_seconds(-2203891200, &y, &mo, &d, &h, &mi, &s, &w);
	CHECK(y == 1900 && mo == 3 && d == 1 && w == 5, "1900-03-01 %d-%d-%d w%d", y, mo, d, w);
}

static void test_time_and_uip(void)
{
	setup(1709164798); /* 2024-02-28 23:59:58 UTC, a Wednesday */
	CHECK_EQ(cmos_read(RTC_SECONDS), 0x58);
	CHECK_EQ(cmos_read(RTC_MINUTES), 0x59);
	CHECK_EQ(cmos_read(RTC_HOURS), 0x23);
	CHECK_EQ(cmos_read(RTC_DAY_OF_WEEK), 4);
	CHECK_EQ(cmos_read(RTC_DAY_OF_MONTH), 0x28);
	CHECK_EQ(cmos_read(RTC_MONTH), 0x02);
	CHECK_EQ(cmos_read(RTC_YEAR), 0x24);
	CHECK_EQ(cmos_read(CMOS_CENTURY), 0x20);
	CHECK_EQ(cmos_read(RTC_REG_A), 0x26);
	CHECK_EQ(cmos_read(RTC_REG_B), 0x02);
	CHECK_EQ(cmos_read(RTC_REG_D), 0x80);

	/* The first update cycle ends 500 ms after the divider starts; UIP is high for the
	 * 244 us before it and the 1984 us of the cycle. */
	run_to(500 * MS - 2228 * US - 1);
	CHECK_EQ(cmos_read(RTC_REG_A) & 0x80, 0);
	run_to(500 * MS - 2228 * US);
	CHECK_EQ(cmos_read(RTC_REG_A) & 0x80, 0x80);
	run_to(500 * MS - 1);
	CHECK_EQ(cmos_read(RTC_REG_A) & 0x80, 0x80);
	CHECK_EQ(cmos_read(RTC_SECONDS), 0x58);
	run_to(500 * MS);
	CHECK_EQ(cmos_read(RTC_REG_A), 0x26);
	CHECK_EQ(cmos_read(RTC_SECONDS), 0x59);
	/* Into the leap day. */
	run_to(1500 * MS);
	CHECK_EQ(cmos_read(RTC_SECONDS), 0x00);
	CHECK_EQ(cmos_read(RTC_MINUTES), 0x00);
	CHECK_EQ(cmos_read(RTC_HOURS), 0x00);
	CHECK_EQ(cmos_read(RTC_DAY_OF_MONTH), 0x29);
	CHECK_EQ(cmos_read(RTC_MONTH), 0x02);
	CHECK_EQ(cmos_read(RTC_DAY_OF_WEEK), 5);
	/* An hour of virtual time. */
	run_to(1500 * MS + 3600 * NS_PER_SEC);
	CHECK_EQ(cmos_read(RTC_HOURS), 0x01);
	CHECK_EQ(cmos_read(RTC_MINUTES), 0x00);
	CHECK_EQ(cmos_read(RTC_SECONDS), 0x00);

	/* SET stops updates (and clears UIE); the guest sets 2099-12-31 23:59:59 Thursday. */
	cmos_write(RTC_REG_B, 0x92);
	CHECK_EQ(cmos_read(RTC_REG_B), 0x82);
	u64 t = clock_now(&clk);
	cmos_write(RTC_SECONDS, 0x59);
	cmos_write(RTC_MINUTES, 0x59);
	cmos_write(RTC_HOURS, 0x23);
	cmos_write(RTC_DAY_OF_MONTH, 0x31);
	cmos_write(RTC_MONTH, 0x12);
	cmos_write(RTC_YEAR, 0x99);
	cmos_write(RTC_DAY_OF_WEEK, 5);
	run_to(t + 3 * NS_PER_SEC);
	CHECK_EQ(cmos_read(RTC_SECONDS), 0x59);
	CHECK_EQ(cmos_read(RTC_REG_A) & 0x80, 0); /* no UIP while SET */
	cmos_write(RTC_REG_B, 0x02);
	run_to(t + 4 * NS_PER_SEC);
	CHECK_EQ(cmos_read(RTC_SECONDS), 0x00);
	CHECK_EQ(cmos_read(RTC_HOURS), 0x00);
	CHECK_EQ(cmos_read(RTC_DAY_OF_MONTH), 0x01);
	CHECK_EQ(cmos_read(RTC_MONTH), 0x01);
	CHECK_EQ(cmos_read(RTC_YEAR), 0x00);
	CHECK_EQ(cmos_read(RTC_DAY_OF_WEEK), 6);
	CHECK_EQ(cmos_read(CMOS_CENTURY), 0x20); /* the chip does not keep the century */
	/* February of a non-leap year. */
	cmos_write(RTC_REG_B, 0x82);
	cmos_write(RTC_DAY_OF_MONTH, 0x28);
	cmos_write(RTC_MONTH, 0x02);
	cmos_write(RTC_YEAR, 0x23);
	cmos_write(RTC_HOURS, 0x23);
	cmos_write(RTC_MINUTES, 0x59);
	cmos_write(RTC_SECONDS, 0x59);
	cmos_write(RTC_REG_B, 0x02);
	run_to(t + 5 * NS_PER_SEC);
	CHECK_EQ(cmos_read(RTC_DAY_OF_MONTH), 0x01);
	CHECK_EQ(cmos_read(RTC_MONTH), 0x03);
}

static void test_formats(void)
{
	setup(0);
	/* Binary, 12-hour: 11:59:59 PM -> 12:00:00 AM next day. */
	cmos_write(RTC_REG_B, 0x84);
	cmos_write(RTC_HOURS, 0x80 | 11);
	cmos_write(RTC_MINUTES, 59);
	cmos_write(RTC_SECONDS, 59);
	cmos_write(RTC_DAY_OF_MONTH, 30);
	cmos_write(RTC_MONTH, 4);
	cmos_write(RTC_DAY_OF_WEEK, 7);
	cmos_write(RTC_REG_B, 0x04);
	run_to(500 * MS);
	CHECK_EQ(cmos_read(RTC_HOURS), 12);
	CHECK_EQ(cmos_read(RTC_MINUTES), 0);
	CHECK_EQ(cmos_read(RTC_DAY_OF_MONTH), 1);
	CHECK_EQ(cmos_read(RTC_MONTH), 5);
	CHECK_EQ(cmos_read(RTC_DAY_OF_WEEK), 1);
	/* 11:59:59 AM -> 12:00:00 PM, 12:59:59 PM -> 1:00:00 PM (BCD, 12-hour). */
	cmos_write(RTC_REG_B, 0x80);
	cmos_write(RTC_HOURS, 0x11);
	cmos_write(RTC_MINUTES, 0x59);
	cmos_write(RTC_SECONDS, 0x59);
	cmos_write(RTC_REG_B, 0x00);
	run_to(1500 * MS);
	CHECK_EQ(cmos_read(RTC_HOURS), 0x92);
	cmos_write(RTC_MINUTES, 0x59);
	cmos_write(RTC_SECONDS, 0x59);
	run_to(2500 * MS);
	CHECK_EQ(cmos_read(RTC_HOURS), 0x81);
	/* Binary, 24-hour. */
	cmos_write(RTC_REG_B, 0x86);
	cmos_write(RTC_HOURS, 23);
	cmos_write(RTC_MINUTES, 59);
	cmos_write(RTC_SECONDS, 59);
	cmos_write(RTC_REG_B, 0x06);
	run_to(3500 * MS);
	CHECK_EQ(cmos_read(RTC_HOURS), 0);
	CHECK_EQ(cmos_read(RTC_DAY_OF_MONTH), 2);
	/* Garbage time values do not break the update. */
	cmos_write(RTC_REG_B, 0x02);
	cmos_write(RTC_SECONDS, 0xFF);
	cmos_write(RTC_MONTH, 0x00);
	run_to(4500 * MS);
	CHECK_EQ(cmos_read(RTC_SECONDS), 0x00);
}

static void test_divider_reset(void)
{
	setup(0);
	cmos_write(RTC_REG_A, 0x76); /* divider chain held in reset */
	run_to(5 * NS_PER_SEC);
	CHECK_EQ(cmos_read(RTC_SECONDS), 0x00);
	CHECK_EQ(cmos_read(RTC_REG_A), 0x76);
	cmos_write(RTC_REG_A, 0x26); /* at 5 s: first update at 5.5 s */
	run_to(5500 * MS - 1);
	CHECK_EQ(cmos_read(RTC_SECONDS), 0x00);
	run_to(5500 * MS);
	CHECK_EQ(cmos_read(RTC_SECONDS), 0x01);
	run_to(6500 * MS);
	CHECK_EQ(cmos_read(RTC_SECONDS), 0x02);
}

static void test_update_and_alarm_irq(void)
{
	setup(12 * 3600 + 30 * 60); /* 12:30:00 */
	cmos_write(RTC_REG_B, 0x12); /* UIE */
	run_to(499 * MS);
	CHECK_EQ(irq_level, 0);
	run_to(500 * MS);
	CHECK_EQ(irq_level, 1);
	CHECK_EQ(last_rise, 500 * MS);
	CHECK_EQ(cmos_read(RTC_REG_C), 0xD0); /* IRQF | UF, and PF (1024 Hz, PIE off) */
	CHECK_EQ(irq_level, 0);
	CHECK_EQ(cmos_read(RTC_REG_C), 0x00);
	run_to(1500 * MS);
	CHECK_EQ(irq_rises, 2);
	CHECK_EQ(last_rise, 1500 * MS);
	/* Without reading C the line stays high: no new edge. */
	run_to(3500 * MS);
	CHECK_EQ(irq_rises, 2);
	CHECK_EQ(cmos_read(RTC_REG_C), 0xD0);

	/* Alarm at 12:30:07 (the time is 12:30:04 now). */
	CHECK_EQ(cmos_read(RTC_SECONDS), 0x04);
	cmos_write(RTC_REG_B, 0x22); /* AIE only */
	cmos_write(RTC_SECONDS_ALARM, 0x07);
	cmos_write(RTC_MINUTES_ALARM, 0x30);
	cmos_write(RTC_HOURS_ALARM, 0x12);
	irq_rises = 0;
	run_to(5500 * MS);
	CHECK_EQ(irq_rises, 0);
	CHECK_EQ(cmos_read(RTC_REG_C) & 0xB0, 0x10); /* UF without IRQF */
	run_to(6500 * MS);
	CHECK_EQ(irq_rises, 1);
	CHECK_EQ(last_rise, 6500 * MS);
	CHECK_EQ(cmos_read(RTC_SECONDS), 0x07);
	CHECK_EQ(cmos_read(RTC_REG_C) & 0xB0, 0xB0); /* IRQF | AF | UF */
	run_to(20500 * MS);
	CHECK_EQ(irq_rises, 1);
	/* Don't-care bytes (0xC0-0xFF): every second. */
	cmos_write(RTC_HOURS_ALARM, 0xC0);
	cmos_write(RTC_MINUTES_ALARM, 0xFF);
	cmos_write(RTC_SECONDS_ALARM, 0xC5);
	(void)cmos_read(RTC_REG_C);
	irq_rises = 0;
	for (int i = 0; i < 5; i++) {
		run_to((21 + i) * NS_PER_SEC + 500 * MS);
		CHECK_EQ(cmos_read(RTC_REG_C) & 0xA0, 0xA0);
	}
	CHECK_EQ(irq_rises, 5);
	/* Reset clears enables and flags. */
	run_to(27 * NS_PER_SEC);
	cmos_write(RTC_REG_B, 0x7A);
	rtc_reset(&rtc);
	CHECK_EQ(cmos_read(RTC_REG_B), 0x02);
	CHECK_EQ(cmos_read(RTC_REG_C), 0x00);
	CHECK_EQ(irq_level, 0);
}

static void test_periodic(void)
{
	setup(0);
	/* PF is set by the periodic rate even without PIE, and IRQF stays clear. */
	run_to(1 * MS);
	CHECK_EQ(cmos_read(RTC_REG_C), 0x40);
	CHECK_EQ(cmos_read(RTC_REG_C), 0x00);
	run_to(1 * MS + 900 * US); /* the next event is at 1.953 ms */
	CHECK_EQ(cmos_read(RTC_REG_C), 0x00);
	CHECK_EQ(irq_level, 0);

	/* 1024 Hz with PIE: one interrupt per 976.5625 us, each acknowledged by reading C. */
	setup(0);
	cmos_write(RTC_REG_B, 0x42);
	int n = 0;
	u64 first = 0, last = 0;
	while (clock_now(&clk) < NS_PER_SEC) {
		u64 d = clock_next_deadline(&clk);
		clock_advance_to(&clk, d);
		clock_run_timers(&clk);
		if (irq_level) {
			if (!n)
				first = clock_now(&clk);
			last = clock_now(&clk);
			n++;
			CHECK_EQ(cmos_read(RTC_REG_C) & 0xC0, 0xC0);
		}
	}
	CHECK_EQ(n, 1024);
	CHECK_EQ(first, 976563); /* 32 cycles of 32.768 kHz, rounded up to the ns */
	CHECK_EQ(last, NS_PER_SEC);
	/* Rate 3 (8192 Hz) and 15 (2 Hz). */
	cmos_write(RTC_REG_A, 0x23);
	u64 t0 = clock_now(&clk);
	irq_rises = 0;
	run_to(t0 + 10 * MS);
	CHECK_EQ(irq_rises, 1); /* never acknowledged: a single edge */
	CHECK_EQ(cmos_read(RTC_REG_C) & 0xC0, 0xC0);
	irq_rises = 0;
	for (int i = 0; i < 82; i++) {
		run_to(t0 + 10 * MS + (u64)(i + 1) * 122071);
		if (irq_level)
			(void)cmos_read(RTC_REG_C);
	}
	CHECK(irq_rises >= 81 && irq_rises <= 82, "8192 Hz: %d in 10 ms", irq_rises);
	cmos_write(RTC_REG_A, 0x2F);
	(void)cmos_read(RTC_REG_C);
	irq_rises = 0;
	u64 t1 = clock_now(&clk);
	run_to(t1 + 2 * NS_PER_SEC);
	(void)cmos_read(RTC_REG_C);
	run_to(t1 + 4 * NS_PER_SEC);
	CHECK_EQ(irq_rises, 2);
	/* Rate 0: none. */
	cmos_write(RTC_REG_A, 0x20);
	(void)cmos_read(RTC_REG_C);
	run_to(t1 + 6 * NS_PER_SEC);
	CHECK_EQ(cmos_read(RTC_REG_C) & 0x40, 0);
}

static void test_cmos(void)
{
	setup(0);
	cmos_write(0x40, 0x5A);
	CHECK_EQ(cmos_read(0x40), 0x5A);
	cmos_write(0x7F, 0xA5);
	CHECK_EQ(cmos_read(0xFF), 0xA5); /* 128 bytes: bit 7 is the NMI mask */
	CHECK_EQ(nmi_level, 1);
	CHECK(rtc_nmi_masked(&rtc), "NMI masked");
	io_write(bus, 0x70, 0x0D, 1);
	CHECK_EQ(nmi_level, 0);
	CHECK_EQ(io_read(bus, 0x70, 1), 0xFF); /* index is write-only */
	cmos_write(RTC_REG_C, 0xFF);
	cmos_write(RTC_REG_D, 0x00);
	CHECK_EQ(cmos_read(RTC_REG_D), 0x80);

	/* 128 MiB as SeaBIOS computes it: 0x34/0x35 in 64 KiB units above 16 MiB. */
	rtc_cmos_set_memory(&rtc, 128 * MiB, 0);
	u32 m16 = (u32)cmos_read(0x34) << 16 | (u32)cmos_read(0x35) << 24;
	CHECK_EQ(m16 + 16 * MiB, 128 * MiB);
	CHECK_EQ(cmos_read(0x15) | cmos_read(0x16) << 8, 640);
	CHECK_EQ(cmos_read(0x17) | cmos_read(0x18) << 8, 0xFFFF);
	CHECK_EQ(cmos_read(0x30) | cmos_read(0x31) << 8, 0xFFFF);
	/* 4 MiB: nothing above 16 MiB, SeaBIOS uses 0x30/0x31. */
	rtc_cmos_set_memory(&rtc, 4 * MiB, 0);
	CHECK_EQ(cmos_read(0x34) | cmos_read(0x35), 0);
	u32 ext = ((u32)cmos_read(0x30) << 10 | (u32)cmos_read(0x31) << 18) + 1 * MiB;
	CHECK_EQ(ext, 4 * MiB);
	/* 2 GiB, and 1 GiB above 4 GiB. */
	rtc_cmos_set_memory(&rtc, 2 * GiB, 1 * GiB);
	CHECK_EQ(((u32)cmos_read(0x34) << 16 | (u32)cmos_read(0x35) << 24) + 16 * MiB, 2 * GiB);
	u64 high = (u64)cmos_read(0x5B) << 16 | (u64)cmos_read(0x5C) << 24 | (u64)cmos_read(0x5D) << 32;
	CHECK_EQ(high, 1 * GiB);
	/* Checksum over 0x10-0x2D. */
	rtc_cmos_set(&rtc, CMOS_FLOPPY_TYPES, 0x40);
	rtc_cmos_set(&rtc, CMOS_EQUIPMENT, 0x41);
	rtc_cmos_set(&rtc, 0x2D, 0xFF);
	u16 sum = 0;
	for (int i = 0x10; i <= 0x2D; i++)
		sum = (u16)(sum + rtc_cmos_get(&rtc, (u8)i));
	CHECK_EQ(rtc_cmos_checksum(&rtc), sum);
	CHECK_EQ(cmos_read(0x2E) << 8 | cmos_read(0x2F), sum);
	CHECK_EQ(sum, 0x40 + 0x41 + 0xFF + 0x80 + 0x02 + 0xFF + 0xFF);
	/* Boot order as SeaBIOS decodes it: hda, fda, CD. */
	rtc_cmos_set_boot_order(&rtc, RTC_BOOT_DISK, RTC_BOOT_FLOPPY, RTC_BOOT_CDROM, true);
	u32 order = cmos_read(0x3D) | (cmos_read(0x38) & 0xF0) << 4;
	CHECK_EQ(order, 0x312);
	CHECK_EQ(cmos_read(0x38) & 1, 0);
	rtc_cmos_set_boot_order(&rtc, RTC_BOOT_FLOPPY, 0, 0, false);
	CHECK_EQ(cmos_read(0x38), 0x01);
	CHECK_EQ(cmos_read(0x3D), 0x01);

	/* Any traffic in any order: chip behaviour, no crash. */
	u32 x = 99;
	for (int i = 0; i < 20000; i++) {
		x = x * 1103515245 + 12345;
		if (x & 0x100)
			io_write(bus, (u16)(0x70 + ((x >> 9) & 1)), x >> 24, 1);
		else
			(void)io_read(bus, (u16)(0x70 + ((x >> 9) & 1)), 1);
		run_to(clock_now(&clk) + (x >> 12) % 200000);
	}
	CHECK(1, "survived");
}

int main(void)
{
	bus = malloc(sizeof(*bus));
	io_init(bus);
	io_map(bus, 0x70, 2, &rtc_io_ops, &rtc);
	test_civil();
	test_time_and_uip();
	test_formats();
	test_divider_reset();
	test_update_and_alarm_irq();
	test_periodic();
	test_cmos();
	free(bus);
	return test_summary();
}
