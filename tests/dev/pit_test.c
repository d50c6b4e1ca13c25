/* pit_test.c: the 8254 and port 61h through their ports, on the virtual clock with no
 * CPU. Checks counts and OUT levels at exact PIT ticks for modes 0, 2 and 3 (even and
 * odd counts, new counts mid-period), IRQ0 edges at their ticks, BCD, the latch and
 * read-back commands with the status byte and null count, LSB/MSB-only access, GATE2
 * through port 61h (modes 0, 1, 2, 5), mode 4's strobe, OUT2 and the refresh toggle in
 * port 61h, the NMI status bits, and a long run of the BIOS's 18.2 Hz tick. */
#include <stdlib.h>

#include "bus/clock.h"
#include "bus/iobus.h"
#include "dev/pit.h"
#include "../test.h"

static IoBus *bus;
static Clock clk;
static Pit pit;

#define MAX_EDGES 4096
static int nedges;
static u64 edge_tick[MAX_EDGES];
static int edge_level[MAX_EDGES];
static int irq_level;

static void on_irq0(void *ctx, int n, int level)
{
	if (nedges < MAX_EDGES) {
		edge_tick[nedges] = pit_ns_to_tick(clock_now(&clk));
		edge_level[nedges] = level;
	}
	nedges++;
	irq_level = level;
}

static void out(u16 port, u8 v) { io_write(bus, port, v, 1); }
static u8 in(u16 port) { return (u8)io_read(bus, port, 1); }

/* Runs the machine (timers on time, as the run loop does) up to PIT tick k. */
static void to_tick(u64 k)
{
	clock_run_to(&clk, pit_tick_to_ns(k));
}

static u16 latch_read(int ch)
{
	out(0x43, (u8)(ch << 6)); /* counter latch */
	u8 lo = in((u16)(0x40 + ch));
	u8 hi = in((u16)(0x40 + ch));
	return (u16)(lo | hi << 8);
}

static void setup(void)
{
	clock_init(&clk, 1000);
	pit_init(&pit, &clk);
	irq_connect(&pit.irq0, on_irq0, NULL, 0);
	pit_reset(&pit);
	nedges = 0;
	irq_level = 0;
}

static void test_ticks(void)
{
	CHECK_EQ(pit_ns_to_tick(1000000000ull), PIT_HZ);
	CHECK_EQ(pit_tick_to_ns(PIT_HZ), 1000000000ull);
	CHECK_EQ(pit_tick_to_ns(1), 839); /* 838.095 ns, rounded up */
	for (u64 k = 1; k < 5000; k += 7)
		CHECK(pit_ns_to_tick(pit_tick_to_ns(k)) == k && pit_ns_to_tick(pit_tick_to_ns(k) - 1) == k - 1,
		      "tick %llu round trip", (unsigned long long)k);
}

static void test_mode0(void)
{
	setup();
	to_tick(1000);
	out(0x43, 0x30); /* counter 0, LSB then MSB, mode 0, binary */
	CHECK_EQ(irq_level, 0);
	out(0x40, 0x10);
	out(0x40, 0x00); /* N = 16 written at tick 1000: loads at 1001 */
	to_tick(1001);
	CHECK_EQ(latch_read(0), 16);
	to_tick(1005);
	CHECK_EQ(latch_read(0), 12);
	to_tick(1016);
	CHECK_EQ(latch_read(0), 1);
	CHECK_EQ(irq_level, 0);
	to_tick(1017); /* N+1 clocks after the write */
	CHECK_EQ(irq_level, 1);
	CHECK_EQ(nedges, 1);
	CHECK_EQ(edge_tick[0], 1017);
	CHECK_EQ(latch_read(0), 0);
	to_tick(1018);
	CHECK_EQ(latch_read(0), 0xFFFF); /* keeps counting, OUT stays high */
	to_tick(1018 + 65536);
	CHECK_EQ(irq_level, 1);
	CHECK_EQ(nedges, 1);

	/* A new count: the first byte drops OUT and stops counting. */
	to_tick(70000);
	out(0x40, 0x03);
	CHECK_EQ(irq_level, 0);
	u16 held = latch_read(0);
	to_tick(70010);
	CHECK_EQ(latch_read(0), held);
	out(0x40, 0x00); /* N = 3 at 70010 */
	to_tick(70013);
	CHECK_EQ(irq_level, 0);
	to_tick(70014);
	CHECK_EQ(irq_level, 1);

	/* Unlatched reads follow the counter, LSB then MSB. */
	out(0x43, 0x30);
	out(0x40, 0x34);
	out(0x40, 0x12); /* 0x1234 at 70014 */
	to_tick(70015 + 0x34);
	CHECK_EQ(in(0x40), 0x00);
	CHECK_EQ(in(0x40), 0x12);
}

static void run_edges_until(u64 k) { to_tick(k); }

static void test_mode2(void)
{
	setup();
	to_tick(2000);
	out(0x43, 0x34); /* counter 0, mode 2 */
	CHECK_EQ(irq_level, 1); /* OUT high after the control word */
	nedges = 0;
	out(0x40, 5);
	out(0x40, 0); /* loads at 2001 */
	to_tick(2001);
	CHECK_EQ(latch_read(0), 5);
	to_tick(2004);
	CHECK_EQ(latch_read(0), 2);
	CHECK_EQ(irq_level, 1);
	to_tick(2005);
	CHECK_EQ(latch_read(0), 1);
	CHECK_EQ(irq_level, 0);
	to_tick(2006);
	CHECK_EQ(latch_read(0), 5);
	CHECK_EQ(irq_level, 1);
	run_edges_until(2020);
	/* Low for one clock every 5: 2005, 2010, 2015, 2020. */
	CHECK_EQ(nedges, 7);
	u64 want[] = {2005, 2006, 2010, 2011, 2015, 2016, 2020};
	for (int i = 0; i < 7; i++) {
		CHECK_EQ(edge_tick[i], want[i]);
		CHECK_EQ(edge_level[i], i % 2 == 0 ? 0 : 1);
	}
	/* A new count mid-period takes effect at the next reload (2026). */
	to_tick(2023);
	out(0x40, 10);
	out(0x40, 0);
	nedges = 0;
	run_edges_until(2046);
	CHECK_EQ(edge_tick[0], 2025); /* the old period finishes */
	CHECK_EQ(edge_tick[1], 2026);
	CHECK_EQ(edge_tick[2], 2035); /* then every 10 */
	CHECK_EQ(edge_tick[3], 2036);
	CHECK_EQ(edge_tick[4], 2045);
	/* 1193 ticks: a 1000.15 Hz tick rate over one virtual second. */
	setup();
	out(0x43, 0x34);
	out(0x40, 1193 & 0xFF);
	out(0x40, 1193 >> 8);
	nedges = 0;
	to_tick(PIT_HZ);
	int rising = 0;
	for (int i = 0; i < nedges && i < MAX_EDGES; i++)
		rising += edge_level[i];
	CHECK_EQ(rising, (PIT_HZ - 1) / 1193);
}

static void test_mode3(void)
{
	setup();
	to_tick(3000);
	out(0x43, 0x36); /* counter 0, mode 3 */
	nedges = 0;
	out(0x40, 6);
	out(0x40, 0); /* loads at 3001 */
	u16 want_ce[] = {6, 4, 2, 6, 4, 2, 6};
	for (int i = 0; i < 7; i++) {
		to_tick(3001 + i);
		CHECK_EQ(latch_read(0), want_ce[i]);
		CHECK_EQ(irq_level, (i / 3) % 2 == 0);
	}
	CHECK_EQ(nedges, 2);
	CHECK_EQ(edge_tick[0], 3004);
	CHECK_EQ(edge_tick[1], 3007);

	/* Odd count: high (N+1)/2 = 3 clocks, low (N-1)/2 = 2. */
	setup();
	to_tick(4000);
	out(0x43, 0x36);
	out(0x40, 5);
	out(0x40, 0);
	nedges = 0;
	u16 odd_ce[] = {4, 2, 0, 4, 2, 4, 2, 0, 4, 2};
	int odd_out[] = {1, 1, 1, 0, 0, 1, 1, 1, 0, 0};
	for (int i = 0; i < 10; i++) {
		to_tick(4001 + i);
		CHECK_EQ(latch_read(0), odd_ce[i]);
		CHECK_EQ(irq_level, odd_out[i]);
	}
	CHECK_EQ(edge_tick[0], 4004);
	CHECK_EQ(edge_tick[1], 4006);
	CHECK_EQ(edge_tick[2], 4009);

	/* A new count takes effect at the end of the half-cycle. */
	setup();
	out(0x43, 0x36);
	out(0x40, 20);
	out(0x40, 0); /* loads at 1: high 1..10, low 11..20 */
	to_tick(4);
	out(0x40, 4);
	out(0x40, 0);
	nedges = 0;
	to_tick(30);
	CHECK_EQ(edge_tick[0], 11); /* the old high half runs out */
	CHECK_EQ(edge_tick[1], 13); /* then halves of 2 */
	CHECK_EQ(edge_tick[2], 15);

	/* The BIOS's setting: count 0 = 65536, IRQ0 at 18.2 Hz. */
	setup();
	out(0x43, 0x36);
	out(0x40, 0);
	out(0x40, 0);
	nedges = 0;
	to_tick(10 * (u64)PIT_HZ);
	int rising = 0;
	for (int i = 0; i < nedges && i < MAX_EDGES; i++)
		rising += edge_level[i];
	CHECK_EQ(rising, 182); /* 10 s * 18.2065 Hz */
	CHECK_EQ(edge_tick[1] - edge_tick[0], 32768);
	CHECK_EQ(edge_tick[3] - edge_tick[1], 65536);
}

static void test_bcd_rw_latch_readback(void)
{
	setup();
	out(0x43, 0x31); /* counter 0, mode 0, BCD */
	out(0x40, 0x00);
	out(0x40, 0x01); /* 100 decimal */
	to_tick(11);
	CHECK_EQ(latch_read(0), 0x0090);
	to_tick(1 + 100);
	CHECK_EQ(irq_level, 1);
	to_tick(102);
	CHECK_EQ(latch_read(0), 0x9999); /* BCD wraps at 10000 */
	/* BCD count 0 is 10000. */
	out(0x43, 0x31);
	out(0x40, 0);
	out(0x40, 0);
	to_tick(102 + 10000);
	CHECK_EQ(irq_level, 0);
	to_tick(103 + 10000);
	CHECK_EQ(irq_level, 1);

	/* LSB-only and MSB-only access (counter 1). */
	out(0x43, 0x54); /* counter 1, LSB only, mode 2 */
	out(0x41, 18);
	to_tick(20000);
	u8 v = in(0x41);
	CHECK(v >= 1 && v <= 18, "LSB-only read %u", v);
	out(0x43, 0x60); /* counter 1, MSB only, mode 0 */
	out(0x41, 0x02); /* 0x200 */
	to_tick(20001 + 0x100);
	CHECK_EQ(in(0x41), 0x01);

	/* The latch holds while time passes; a second latch before reading is ignored. */
	out(0x43, 0x34);
	out(0x40, 0x00);
	out(0x40, 0x10); /* 0x1000 at 20257, loads 20258 */
	to_tick(20258 + 0x10);
	out(0x43, 0x00);
	to_tick(20258 + 0x20);
	out(0x43, 0x00);
	CHECK_EQ(in(0x40), 0xF0);
	CHECK_EQ(in(0x40), 0x0F);
	/* Read-back: status then count, for counter 0 and 2 together. */
	out(0x43, 0xB6); /* counter 2, mode 3 */
	out(0x43, 0xCA); /* read-back: count and status of counters 0 and 2 */
	/* Counter 0: mode 2, binary, rw 3, OUT high, count loaded. */
	CHECK_EQ(in(0x40), 0xB4);
	u16 c0 = in(0x40);
	c0 |= (u16)(in(0x40) << 8);
	CHECK_EQ(c0, 0x1000 - 0x20);
	/* Counter 2: control word only, null count set. */
	u8 st2 = in(0x42);
	CHECK_EQ(st2 & 0x7F, 0x76);
	(void)in(0x42);
	(void)in(0x42);
	/* Status only: null count stays set between the write and the load clock. */
	out(0x61, 0x01);
	to_tick(30000);
	out(0x42, 8);
	out(0x42, 0);
	out(0x43, 0xE8); /* status of counter 2 */
	CHECK_EQ(in(0x42) & 0x40, 0x40);
	to_tick(30001);
	out(0x43, 0xE8);
	CHECK_EQ(in(0x42) & 0x40, 0x00);
	/* Count only (bit 4 set). */
	out(0x43, 0xD8);
	u16 c2 = in(0x42);
	c2 |= (u16)(in(0x42) << 8);
	CHECK(c2 == 8 || c2 == 6 || c2 == 4 || c2 == 2, "mode 3 count %u", c2);
	CHECK_EQ(in(0x43), 0xFF);
}

static void test_gate_and_port61(void)
{
	setup();
	CHECK_EQ(in(0x61) & 0x0F, 0x00);
	/* Mode 0 on counter 2: GATE (port 61h bit 0) enables counting; OUT2 is bit 5. */
	out(0x43, 0xB0);
	out(0x42, 10);
	out(0x42, 0); /* gate low: loaded, but not counting */
	CHECK_EQ(in(0x61) & 0x20, 0x00);
	to_tick(100);
	CHECK_EQ(latch_read(2), 10);
	out(0x61, 0x01); /* gate high at 100: OUT2 high 10 clocks later */
	to_tick(107);
	CHECK_EQ(in(0x61) & 0x20, 0x00);
	out(0x61, 0x00); /* pause at 107 with 3 to go */
	CHECK_EQ(latch_read(2), 3);
	to_tick(200);
	CHECK_EQ(latch_read(2), 3);
	out(0x61, 0x01);
	to_tick(202);
	CHECK_EQ(in(0x61) & 0x20, 0x00);
	to_tick(203);
	CHECK_EQ(in(0x61) & 0x21, 0x21);

	/* Mode 1: a rising GATE starts the one-shot: OUT low on the next clock for N. */
	out(0x61, 0x00);
	out(0x43, 0xB2);
	out(0x42, 4);
	out(0x42, 0);
	to_tick(300);
	CHECK_EQ(in(0x61) & 0x20, 0x20);
	out(0x61, 0x01);
	to_tick(301);
	CHECK_EQ(in(0x61) & 0x20, 0x00);
	to_tick(304);
	CHECK_EQ(in(0x61) & 0x20, 0x00);
	to_tick(305);
	CHECK_EQ(in(0x61) & 0x20, 0x20);
	/* Retrigger. */
	out(0x61, 0x00);
	out(0x61, 0x01);
	to_tick(306);
	CHECK_EQ(in(0x61) & 0x20, 0x00);

	/* Mode 2 with GATE low: OUT forced high and counting stops; rising edge reloads. */
	out(0x61, 0x01);
	out(0x43, 0xB4);
	out(0x42, 3);
	out(0x42, 0); /* at 306, loads 307: low at 309 */
	to_tick(309);
	CHECK_EQ(in(0x61) & 0x20, 0x00);
	out(0x61, 0x00);
	CHECK_EQ(in(0x61) & 0x20, 0x20);
	to_tick(400);
	out(0x61, 0x01); /* reload at 401, low at 403 */
	to_tick(402);
	CHECK_EQ(latch_read(2), 2);
	to_tick(403);
	CHECK_EQ(in(0x61) & 0x20, 0x00);

	/* Mode 5: the strobe comes N+1 clocks after a rising GATE. */
	out(0x61, 0x00);
	out(0x43, 0xBA);
	out(0x42, 5);
	out(0x42, 0);
	to_tick(500);
	out(0x61, 0x01); /* loads at 501, strobe at 506 */
	to_tick(505);
	CHECK_EQ(in(0x61) & 0x20, 0x20);
	to_tick(506);
	CHECK_EQ(in(0x61) & 0x20, 0x00);
	to_tick(507);
	CHECK_EQ(in(0x61) & 0x20, 0x20);

	/* Speaker: gate and data bits with a mode 3 counter 2. */
	out(0x43, 0xB6);
	out(0x42, 1193 & 0xFF);
	out(0x42, 1193 >> 8);
	u32 hz = 0;
	CHECK(!pit_speaker(&pit, &hz), "speaker off without data bit");
	out(0x61, 0x03);
	CHECK(pit_speaker(&pit, &hz), "speaker on");
	CHECK_EQ(hz, 1000);

	/* Refresh toggle: bit 4 flips every 18 PIT clocks; bits 4-7 are read-only. */
	to_tick(18 * 100);
	u8 a = in(0x61) & 0x10;
	to_tick(18 * 100 + 17);
	CHECK_EQ(in(0x61) & 0x10, a);
	to_tick(18 * 101);
	CHECK_EQ(in(0x61) & 0x10, a ^ 0x10);
	out(0x61, 0xF3);
	CHECK_EQ(in(0x61) & 0xCF, 0x03);

	/* NMI status: latched, cleared by the disable bits. */
	pit_set_nmi_status(&pit, true, true);
	CHECK_EQ(in(0x61) & 0xC0, 0xC0);
	out(0x61, 0x0B);
	CHECK_EQ(in(0x61) & 0xC0, 0x80);
	out(0x61, 0x07);
	CHECK_EQ(in(0x61) & 0xC0, 0x00);
	out(0x61, 0x08);
	pit_set_nmi_status(&pit, true, false); /* IOCHK disabled: not latched */
	CHECK_EQ(in(0x61) & 0xC0, 0x00);
}

static void test_mode4(void)
{
	setup();
	out(0x43, 0x38); /* counter 0, mode 4 */
	CHECK_EQ(irq_level, 1);
	to_tick(10);
	nedges = 0;
	out(0x40, 4);
	out(0x40, 0); /* loads at 11, strobe at 15 */
	to_tick(14);
	CHECK_EQ(irq_level, 1);
	to_tick(15);
	CHECK_EQ(irq_level, 0);
	to_tick(16);
	CHECK_EQ(irq_level, 1);
	to_tick(100000);
	CHECK_EQ(nedges, 2); /* one strobe only */
	CHECK_EQ(edge_tick[0], 15);
	CHECK_EQ(edge_tick[1], 16);
}

static void test_late_and_garbage(void)
{
	/* Timers that run late still give the edges of the last periods, and the line ends
	 * at the right level. */
	setup();
	out(0x43, 0x34);
	out(0x40, 100);
	out(0x40, 0);
	nedges = 0;
	clock_advance_to(&clk, pit_tick_to_ns(350));
	clock_run_timers(&clk);
	CHECK_EQ(nedges, 6); /* 100/101, 200/201, 300/301 */
	CHECK_EQ(edge_tick[4] + 0, 350); /* seen when the timer finally ran */
	CHECK_EQ(irq_level, 1);
	clock_advance_to(&clk, pit_tick_to_ns(10000050));
	clock_run_timers(&clk);
	CHECK_EQ(irq_level, 1);
	CHECK(clock_next_deadline(&clk) > clock_now(&clk), "timer re-armed ahead");

	/* Random port traffic never crashes or hangs. */
	u32 x = 12345;
	for (int i = 0; i < 20000; i++) {
		x = x * 1103515245 + 12345;
		u16 port = (u16)(0x40 + (x >> 8) % 4);
		if ((x >> 20) % 5 == 0)
			out(0x61, (u8)(x >> 12));
		else if ((x >> 20) % 3 == 0)
			(void)in(port);
		else
			out(port, (u8)(x >> 24));
		clock_advance_to(&clk, clock_now(&clk) + (x >> 16) % 3000);
		clock_run_timers(&clk);
	}
	CHECK(1, "survived");
}

int main(void)
{
	bus = malloc(sizeof(*bus));
	io_init(bus);
	io_map(bus, 0x40, 4, &pit_io_ops, &pit);
	io_map(bus, 0x61, 1, &pit_port61_io_ops, &pit);
	test_ticks();
	test_mode0();
	test_mode2();
	test_mode3();
	test_bcd_rw_latch_readback();
	test_gate_and_port61();
	test_mode4();
	test_late_and_garbage();
	free(bus);
	return test_summary();
}
