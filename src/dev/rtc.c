/* rtc.c: the MC146818A real-time clock and 128 bytes of CMOS RAM at ports 70h/71h.
 *
 * Reference: Motorola MC146818A datasheet (registers A-D, the update cycle, UIP set
 * 244 us before an update cycle of 1984 us with a 32.768 kHz time base, periodic rates,
 * the alarm's "don't care" values 0xC0-0xFF, SET clearing UIE, the divider reset and
 * the first update half a second after it ends, RESET clearing the interrupt enables
 * and flags); IBM PC-AT technical reference for port 70h bit 7 (NMI disable) and the
 * CMOS layout (documented in rtc.h).
 *
 * Time is the chip's own: its registers hold the time in the format the guest chose
 * (BCD or binary, 12 or 24 hours) and the update cycle at each virtual second increments
 * them (a timer at the end of each update cycle). UIP, PF and the periodic interrupt are
 * derived from virtual time and the divider chain's phase. Not modelled: daylight
 * saving (DSE is stored only), the square-wave pin, the divider test modes (any DV value
 * other than 11x runs the clock as the 32.768 kHz time base does), the PIIX3's upper
 * 128-byte bank (ports 72h/73h). Reads of the time during an update cycle return the
 * time before it. */
#include "dev/rtc.h"

#include "base/err.h"

#define RTC_TIME_BASE_HZ 32768u
#define RTC_UPDATE_NS 1984000ull /* update cycle with the 32.768 kHz time base */
#define RTC_UIP_LEAD_NS 244000ull /* UIP rises this long before the cycle starts */

#define REG_A_UIP 0x80
#define REG_B_SET 0x80
#define REG_B_PIE 0x40
#define REG_B_AIE 0x20
#define REG_B_UIE 0x10
#define REG_B_SQWE 0x08
#define REG_B_DM 0x04
#define REG_B_24H 0x02
#define REG_C_IRQF 0x80
#define REG_C_PF 0x40
#define REG_C_AF 0x20
#define REG_C_UF 0x10

static u8 bcd(int v)
{
	return (u8)(((v / 10) % 10) << 4 | v % 10);
}

static int unbcd(u8 v)
{
	return (v >> 4) * 10 + (v & 15);
}

static bool binary(const Rtc *r)
{
	return r->cmos[RTC_REG_B] & REG_B_DM;
}

static int get(const Rtc *r, int idx)
{
	return binary(r) ? r->cmos[idx] : unbcd(r->cmos[idx]);
}

static void put(Rtc *r, int idx, int v)
{
	r->cmos[idx] = binary(r) ? (u8)v : bcd(v);
}

static bool divider_running(const Rtc *r)
{
	return (r->cmos[RTC_REG_A] & 0x60) != 0x60;
}

/* Periodic interrupt period in 32.768 kHz cycles (0: none). Rates 1 and 2 give 256 and
 * 128 Hz with this time base, the same as 8 and 9. */
static u32 periodic_cycles(const Rtc *r)
{
	int rs = r->cmos[RTC_REG_A] & 15;
	if (rs == 0 || !divider_running(r))
		return 0;
	if (rs <= 2)
		rs += 7;
	return 1u << (rs - 1);
}

/* 32.768 kHz cycles since the divider chain left reset. */
static u64 cycles_at(const Rtc *r, u64 t)
{
	if ((s64)t <= r->div_origin)
		return 0;
	return clock_ns_to_ticks((u64)((s64)t - r->div_origin), RTC_TIME_BASE_HZ);
}

static u64 pf_events(const Rtc *r, u64 t)
{
	u32 p = periodic_cycles(r);
	return p ? cycles_at(r, t) / p : 0;
}

static void update_irq(Rtc *r)
{
	u8 c = r->cmos[RTC_REG_C] & 0x70;
	if (c & r->cmos[RTC_REG_B] & 0x70)
		r->cmos[RTC_REG_C] = c | REG_C_IRQF;
	else
		r->cmos[RTC_REG_C] = c;
	bool level = r->cmos[RTC_REG_C] & REG_C_IRQF;
	if (level != r->irq_level) {
		r->irq_level = level;
		irq_set(&r->irq, level);
	}
}

/* Folds the periodic events up to t into PF. */
static void sync_pf(Rtc *r, u64 t)
{
	u64 n = pf_events(r, t);
	if (n > r->pf_seen)
		r->cmos[RTC_REG_C] |= REG_C_PF;
	r->pf_seen = n;
}

/* After a change of rate or divider: count events from now on at the new setting. */
static void restart_pf(Rtc *r, u64 t)
{
	r->pf_seen = pf_events(r, t);
}

static void arm_periodic(Rtc *r)
{
	u32 p = periodic_cycles(r);
	if (!p || !(r->cmos[RTC_REG_B] & REG_B_PIE)) {
		timer_cancel(&r->periodic_timer);
		return;
	}
	u64 k = (r->pf_seen + 1) * p; /* the cycle count of the next event */
	u64 dt = clock_ticks_to_ns(k, RTC_TIME_BASE_HZ);
	timer_arm(&r->periodic_timer, (u64)(r->div_origin + (s64)dt));
}

static int days_in_month(int mon, int year)
{
	static const u8 days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (mon < 1 || mon > 12)
		return 31;
	if (mon == 2 && year % 4 == 0)
		return 29; /* the chip's leap-year rule: every fourth year */
	return days[mon - 1];
}

/* One second of the update cycle, in the registers' own format. */
static void tick_second(Rtc *r)
{
	int s = get(r, RTC_SECONDS) + 1;
	if (s < 60) {
		put(r, RTC_SECONDS, s);
		return;
	}
	put(r, RTC_SECONDS, 0);
	int m = get(r, RTC_MINUTES) + 1;
	if (m < 60) {
		put(r, RTC_MINUTES, m);
		return;
	}
	put(r, RTC_MINUTES, 0);
	bool next_day = false;
	if (r->cmos[RTC_REG_B] & REG_B_24H) {
		int h = get(r, RTC_HOURS) + 1;
		next_day = h >= 24;
		put(r, RTC_HOURS, next_day ? 0 : h);
	} else {
		/* 12-hour mode: 1-12 with bit 7 = PM; 11:59 PM -> 12:00 AM starts a day. */
		u8 raw = r->cmos[RTC_HOURS];
		bool pm = raw & 0x80;
		int h = (binary(r) ? raw & 0x7F : unbcd(raw & 0x7F)) + 1;
		if (h == 12) {
			next_day = pm;
			pm = !pm;
		} else if (h > 12) {
			h = 1;
		}
		r->cmos[RTC_HOURS] = (u8)((binary(r) ? (u8)h : bcd(h)) | (pm ? 0x80 : 0));
	}
	if (!next_day)
		return;
	int w = get(r, RTC_DAY_OF_WEEK) + 1;
	put(r, RTC_DAY_OF_WEEK, w > 7 ? 1 : w);
	int mon = get(r, RTC_MONTH), year = get(r, RTC_YEAR);
	int d = get(r, RTC_DAY_OF_MONTH) + 1;
	if (d <= days_in_month(mon, year)) {
		put(r, RTC_DAY_OF_MONTH, d);
		return;
	}
	put(r, RTC_DAY_OF_MONTH, 1);
	if (++mon <= 12) {
		put(r, RTC_MONTH, mon);
		return;
	}
	put(r, RTC_MONTH, 1);
	put(r, RTC_YEAR, year >= 99 ? 0 : year + 1);
}

static bool alarm_match(u8 alarm, u8 now)
{
	return (alarm & 0xC0) == 0xC0 || alarm == now;
}

/* The end of one update cycle: unless SET holds it, the time advances, UF is set and
 * the alarm compared. */
static void update_cycle(Rtc *r)
{
	if (r->cmos[RTC_REG_B] & REG_B_SET)
		return;
	tick_second(r);
	r->cmos[RTC_REG_C] |= REG_C_UF;
	if (alarm_match(r->cmos[RTC_SECONDS_ALARM], r->cmos[RTC_SECONDS]) &&
	    alarm_match(r->cmos[RTC_MINUTES_ALARM], r->cmos[RTC_MINUTES]) &&
	    alarm_match(r->cmos[RTC_HOURS_ALARM], r->cmos[RTC_HOURS]))
		r->cmos[RTC_REG_C] |= REG_C_AF;
}

/* Runs the update cycles due by t (the timer may run late; reads come in between). */
static void catch_up(Rtc *r, u64 t)
{
	while (r->next_update != CLOCK_NEVER && r->next_update <= t) {
		update_cycle(r);
		r->next_update += NS_PER_SEC;
	}
	sync_pf(r, t);
}

static void update_timer_fn(void *ctx, u64 now)
{
	Rtc *r = ctx;
	catch_up(r, now);
	update_irq(r);
	if (r->next_update != CLOCK_NEVER)
		timer_arm(&r->update_timer, r->next_update);
}

static void periodic_timer_fn(void *ctx, u64 now)
{
	Rtc *r = ctx;
	catch_up(r, now);
	update_irq(r);
	arm_periodic(r);
}

void rtc_civil_from_seconds(s64 t, int *year, int *mon, int *mday, int *hour, int *min,
                            int *sec, int *wday)
{
	s64 days = t / 86400, rem = t % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	*hour = (int)(rem / 3600);
	*min = (int)(rem / 60 % 60);
	*sec = (int)(rem % 60);
	s64 w = (days + 4) % 7; /* 1970-01-01 was a Thursday */
	*wday = (int)(w < 0 ? w + 7 : w) + 1;
	/* Days to the proleptic Gregorian calendar, counting in 400-year eras from
	 * 0000-03-01 so that the leap day ends each year. */
	s64 z = days + 719468;
	s64 era = (z >= 0 ? z : z - 146096) / 146097;
	s64 doe = z - era * 146097;
	s64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	s64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	s64 mp = (5 * doy + 2) / 153;
	*mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	*mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	*year = (int)(yoe + era * 400 + (*mon <= 2));
}

void rtc_init(Rtc *r, Clock *clk, s64 start_seconds)
{
	*r = (Rtc){0};
	r->clk = clk;
	timer_init(&r->update_timer, clk, update_timer_fn, r, "rtc-update");
	timer_init(&r->periodic_timer, clk, periodic_timer_fn, r, "rtc-periodic");
	int year, mon, mday, hour, min, sec, wday;
	rtc_civil_from_seconds(start_seconds, &year, &mon, &mday, &hour, &min, &sec, &wday);
	if (year < 0)
		year = 0;
	r->cmos[RTC_SECONDS] = bcd(sec);
	r->cmos[RTC_MINUTES] = bcd(min);
	r->cmos[RTC_HOURS] = bcd(hour);
	r->cmos[RTC_DAY_OF_WEEK] = (u8)wday;
	r->cmos[RTC_DAY_OF_MONTH] = bcd(mday);
	r->cmos[RTC_MONTH] = bcd(mon);
	r->cmos[RTC_YEAR] = bcd(year % 100);
	r->cmos[CMOS_CENTURY] = bcd(year / 100 % 100);
	r->cmos[RTC_REG_A] = 0x26;
	r->cmos[RTC_REG_B] = REG_B_24H;
	r->cmos[RTC_REG_D] = 0x80;
	u64 now = clock_now(clk);
	r->div_origin = (s64)now;
	r->next_update = now + NS_PER_SEC / 2;
	timer_arm(&r->update_timer, r->next_update);
	restart_pf(r, now);
}

void rtc_reset(Rtc *r)
{
	u64 now = clock_now(r->clk);
	catch_up(r, now);
	r->cmos[RTC_REG_B] &= (u8)~(REG_B_PIE | REG_B_AIE | REG_B_UIE | REG_B_SQWE);
	r->cmos[RTC_REG_C] = 0;
	update_irq(r);
	arm_periodic(r);
}

void rtc_cmos_set(Rtc *r, u8 index, u8 val)
{
	r->cmos[index & 0x7F] = val;
}

u8 rtc_cmos_get(const Rtc *r, u8 index)
{
	return r->cmos[index & 0x7F];
}

u16 rtc_cmos_checksum(Rtc *r)
{
	u16 sum = 0;
	for (int i = 0x10; i <= 0x2D; i++)
		sum = (u16)(sum + r->cmos[i]);
	r->cmos[CMOS_CHECKSUM_HI] = (u8)(sum >> 8);
	r->cmos[CMOS_CHECKSUM_LO] = (u8)sum;
	return sum;
}

void rtc_cmos_set_memory(Rtc *r, u64 below_4g, u64 above_4g)
{
	u64 ext = below_4g > MiB ? (below_4g - MiB) / KiB : 0;
	u64 m16 = below_4g > 16 * MiB ? (below_4g - 16 * MiB) / (64 * KiB) : 0;
	u64 hi = above_4g / (64 * KiB);
	ext = MIN(ext, 0xFFFFu);
	m16 = MIN(m16, 0xFFFFu);
	hi = MIN(hi, 0xFFFFFFu);
	r->cmos[CMOS_BASE_MEM_LO] = 640 & 0xFF;
	r->cmos[CMOS_BASE_MEM_HI] = 640 >> 8;
	r->cmos[CMOS_EXT_MEM_LO] = r->cmos[CMOS_EXT_MEM2_LO] = (u8)ext;
	r->cmos[CMOS_EXT_MEM_HI] = r->cmos[CMOS_EXT_MEM2_HI] = (u8)(ext >> 8);
	r->cmos[CMOS_MEM_16M_LO] = (u8)m16;
	r->cmos[CMOS_MEM_16M_HI] = (u8)(m16 >> 8);
	r->cmos[CMOS_MEM_4G_LO] = (u8)hi;
	r->cmos[CMOS_MEM_4G_MID] = (u8)(hi >> 8);
	r->cmos[CMOS_MEM_4G_HI] = (u8)(hi >> 16);
	rtc_cmos_checksum(r);
}

void rtc_cmos_set_boot_order(Rtc *r, int first, int second, int third, bool check_floppy_sig)
{
	r->cmos[CMOS_BOOT_FLAGS2] = (u8)((first & 15) | (second & 15) << 4);
	r->cmos[CMOS_BOOT_FLAGS1] = (u8)((third & 15) << 4 | (check_floppy_sig ? 0 : 1));
}

bool rtc_nmi_masked(const Rtc *r)
{
	return r->nmi_masked;
}

static u8 read_reg(Rtc *r, u8 idx)
{
	u64 now = clock_now(r->clk);
	switch (idx) {
	case RTC_REG_A: {
		catch_up(r, now);
		u8 v = r->cmos[RTC_REG_A] & 0x7F;
		if (r->next_update != CLOCK_NEVER && !(r->cmos[RTC_REG_B] & REG_B_SET) &&
		    r->next_update - now <= RTC_UPDATE_NS + RTC_UIP_LEAD_NS)
			v |= REG_A_UIP;
		return v;
	}
	case RTC_REG_C: {
		catch_up(r, now);
		update_irq(r);
		u8 v = r->cmos[RTC_REG_C];
		r->cmos[RTC_REG_C] = 0; /* all flags clear on read, IRQ8 drops */
		update_irq(r);
		return v;
	}
	case RTC_REG_D:
		return 0x80; /* valid RAM and time */
	default:
		if (idx < RTC_REG_A)
			catch_up(r, now);
		return r->cmos[idx];
	}
}

static void write_reg(Rtc *r, u8 idx, u8 val)
{
	u64 now = clock_now(r->clk);
	switch (idx) {
	case RTC_REG_A: {
		catch_up(r, now);
		bool was = divider_running(r);
		r->cmos[RTC_REG_A] = val & 0x7F;
		bool is = divider_running(r);
		if (!was && is) {
			/* The divider leaves reset: the first update ends half a second later. */
			r->div_origin = (s64)now;
			r->next_update = now + NS_PER_SEC / 2;
			timer_arm(&r->update_timer, r->next_update);
		} else if (was && !is) {
			r->next_update = CLOCK_NEVER;
			timer_cancel(&r->update_timer);
		}
		restart_pf(r, now);
		arm_periodic(r);
		break;
	}
	case RTC_REG_B:
		catch_up(r, now);
		if (val & REG_B_SET)
			val &= (u8)~REG_B_UIE; /* SET aborts updates and clears UIE */
		r->cmos[RTC_REG_B] = val;
		update_irq(r);
		arm_periodic(r);
		break;
	case RTC_REG_C:
	case RTC_REG_D:
		break; /* read-only */
	default:
		if (idx < RTC_REG_A)
			catch_up(r, now);
		r->cmos[idx] = val;
		break;
	}
}

static u32 rtc_io_read(void *ctx, u16 port, int size)
{
	Rtc *r = ctx;
	if (!(port & 1))
		return 0xFF; /* the index register is write-only */
	return read_reg(r, r->index);
}

static void rtc_io_write(void *ctx, u16 port, u32 val, int size)
{
	Rtc *r = ctx;
	if (port & 1) {
		write_reg(r, r->index, (u8)val);
		return;
	}
	r->index = val & 0x7F;
	bool masked = val & 0x80;
	if (masked != r->nmi_masked) {
		r->nmi_masked = masked;
		irq_set(&r->nmi_mask, masked);
	}
}

const IoOps rtc_io_ops = {rtc_io_read, rtc_io_write, 1, "rtc"};
