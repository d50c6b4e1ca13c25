/* lapic_test.c: the local APIC model through its registers, with no CPU: the test plays
 * the processor (it records INTR, NMI, INIT and SIPI and performs the INTA cycle with
 * lapic_ack) and the APIC bus (two APICs connected by lapic_bus_deliver). Checked:
 * the power-on state; software disable and the LVT mask bits; fixed interrupts,
 * priorities (TPR, PPR, APR), nesting and EOI, the spurious vector when TPR rises
 * between INTR and INTA; illegal vectors, illegal registers, the ESR's write-then-read
 * latch and the error interrupt; the timer in one-shot and periodic mode with the
 * virtual clock's exact counts (each divide value, masked, stopped, divide changed
 * while counting); LINT0 ExtINT (the 8259A's vector through INTA), LINT1 NMI, a
 * level-triggered fixed LINT with remote IRR, the hardware-disabled APIC (pins straight
 * through); IPIs: physical, logical flat and cluster, broadcast, shorthands, lowest
 * priority, INIT (ID kept) and the INIT de-assert, start-up, NMI, an illegal vector;
 * the EOI broadcast of level-triggered vectors. Reference: Intel SDM vol. 3A ch. 10. */
#include <string.h>

#include "bus/clock.h"
#include "dev/lapic.h"
#include "../test.h"

/* One processor as the APIC sees it. */
typedef struct Proc {
	Lapic apic;
	bool intr;
	int nmis, inits, sipis;
	u8 sipi_vector;
} Proc;

static Clock clk;
static Proc proc[2];
static Lapic *bus_apics[2];
static int eois;
static u8 eoi_vector;
static int extint_acks;

static void p_intr(void *ctx, bool level) { ((Proc *)ctx)->intr = level; }
static void p_nmi(void *ctx) { ((Proc *)ctx)->nmis++; }
static void p_init(void *ctx) { ((Proc *)ctx)->inits++; }
static void p_sipi(void *ctx, u8 v)
{
	Proc *p = ctx;
	p->sipis++;
	p->sipi_vector = v;
}
static void bus_send(void *ctx, const ApicMsg *m) { lapic_bus_deliver(bus_apics, 2, m); }
static void on_eoi(void *ctx, u8 v)
{
	eois++;
	eoi_vector = v;
}
static int pic_inta(void *ctx)
{
	extint_acks++;
	return 0x08; /* what a BIOS-programmed 8259A gives for IRQ0 */
}

static u32 rd(int i, u32 off) { return lapic_read(&proc[i].apic, off, 4); }
static void wr(int i, u32 off, u32 v) { lapic_write(&proc[i].apic, off, v, 4); }
static int ack(int i) { return lapic_ack(&proc[i].apic); }
static void fixed(int i, u8 v, bool level)
{
	ApicMsg m = {.vector = v, .mode = APIC_DM_FIXED, .level = level, .assert = true, .source = -1};
	lapic_accept(&proc[i].apic, &m);
}
static bool irr(int i, u8 v) { return rd(i, 0x200 + (v >> 5) * 0x10) >> (v & 31) & 1; }
static bool isr(int i, u8 v) { return rd(i, 0x100 + (v >> 5) * 0x10) >> (v & 31) & 1; }
static bool tmr(int i, u8 v) { return rd(i, 0x180 + (v >> 5) * 0x10) >> (v & 31) & 1; }
static u32 esr(int i)
{
	wr(i, 0x280, 0);
	return rd(i, 0x280);
}

/* Two processors with APIC IDs 0 and 1 at time 0, both software-enabled unless told. */
static void setup(bool enable)
{
	clock_init(&clk, 10000); /* 100 M instructions/s; time moves by clock_run_to only */
	memset(proc, 0, sizeof(proc));
	for (int i = 0; i < 2; i++) {
		Lapic *l = &proc[i].apic;
		lapic_init(l, &clk, i, (u8)i);
		l->cpu = (LapicCpu){&proc[i], p_intr, p_nmi, p_init, p_sipi};
		l->send = bus_send;
		l->eoi = on_eoi;
		l->extint_ack = pic_inta;
		bus_apics[i] = l;
		if (enable)
			wr(i, 0xF0, 0x1FF);
	}
	eois = 0;
	extint_acks = 0;
}

static void test_power_on(void)
{
	setup(false);
	CHECK_EQ(rd(1, 0x20), 0x01000000);
	CHECK_EQ(rd(0, 0x30), 0x00050014);
	CHECK_EQ(rd(0, 0xF0), 0xFF);
	CHECK_EQ(rd(0, 0xE0), 0xFFFFFFFF);
	CHECK_EQ(rd(0, 0xD0), 0);
	for (u32 off = 0x320; off <= 0x370; off += 0x10)
		CHECK_EQ(rd(0, off), 0x10000);
	CHECK_EQ(rd(0, 0x80), 0);
	CHECK_EQ(rd(0, 0xA0), 0);
	CHECK_EQ(rd(0, 0x380), 0);
	CHECK_EQ(rd(0, 0x390), 0);
	/* narrower reads give the bytes of the register */
	CHECK_EQ(lapic_read(&proc[0].apic, 0x30, 1), 0x14);
	CHECK_EQ(lapic_read(&proc[0].apic, 0x32, 1), 0x05);
	CHECK_EQ(lapic_read(&proc[1].apic, 0x23, 1), 0x01);
	/* software-disabled: LVT mask bits stay set; nothing is delivered */
	wr(0, 0x350, 0x700);
	CHECK_EQ(rd(0, 0x350), 0x10700);
	fixed(0, 0x40, false);
	CHECK(irr(0, 0x40) && !proc[0].intr, "held in IRR while software-disabled, no INTR");
	wr(0, 0xF0, 0x1FF);
	CHECK(proc[0].intr, "INTR once enabled");
	wr(0, 0x350, 0x700);
	CHECK_EQ(rd(0, 0x350), 0x700);
	/* software disable masks every LVT entry again */
	wr(0, 0xF0, 0x0FF);
	CHECK_EQ(rd(0, 0x350), 0x10700);
	CHECK(!proc[0].intr, "no INTR while disabled");
	/* register writable bits */
	wr(0, 0xE0, 0x0);
	CHECK_EQ(rd(0, 0xE0), 0x0FFFFFFF);
	wr(0, 0xD0, 0x12345678);
	CHECK_EQ(rd(0, 0xD0), 0x12000000);
	wr(0, 0x80, 0x1234);
	CHECK_EQ(rd(0, 0x80), 0x34);
	wr(0, 0x30, 0);
	CHECK_EQ(rd(0, 0x30), 0x00050014);
}

static void test_priorities(void)
{
	setup(true);
	fixed(0, 0x31, false);
	fixed(0, 0x45, false);
	fixed(0, 0x20, false);
	CHECK(proc[0].intr, "INTR with requests pending");
	CHECK_EQ(rd(0, 0x90), 0x40); /* APR: the highest class asked */
	CHECK_EQ(ack(0), 0x45);
	CHECK(isr(0, 0x45) && !irr(0, 0x45), "0x45 moved to ISR");
	CHECK_EQ(rd(0, 0xA0), 0x40); /* PPR = the in-service class */
	CHECK(!proc[0].intr, "0x31 and 0x20 wait below PPR");
	fixed(0, 0x52, false);
	CHECK(proc[0].intr, "a higher class nests");
	CHECK_EQ(ack(0), 0x52);
	CHECK_EQ(rd(0, 0xA0), 0x50);
	wr(0, 0xB0, 0);
	CHECK(!isr(0, 0x52) && isr(0, 0x45), "EOI clears the highest ISR bit only");
	CHECK(!proc[0].intr, "0x31 still below 0x40");
	wr(0, 0xB0, 0);
	CHECK(proc[0].intr, "after the last EOI");
	CHECK_EQ(ack(0), 0x31);
	CHECK_EQ(eois, 0); /* edge vectors never go to the I/O APIC */
	wr(0, 0xB0, 0);
	/* TPR */
	wr(0, 0x80, 0x20);
	CHECK(!proc[0].intr, "0x20 is not above TPR 0x20");
	CHECK_EQ(rd(0, 0xA0), 0x20);
	wr(0, 0x80, 0x1F);
	CHECK(proc[0].intr, "TPR below the class");
	/* TPR raised between INTR and INTA: the spurious vector, no ISR bit */
	wr(0, 0xF0, 0x1E7);
	wr(0, 0x80, 0xF0);
	CHECK_EQ(ack(0), 0xE7);
	CHECK(irr(0, 0x20) && !isr(0, 0x20), "the request stays in IRR");
	wr(0, 0x80, 0);
	CHECK_EQ(ack(0), 0x20);
	wr(0, 0xB0, 0);
	/* the same vector twice before INTA: one request */
	fixed(0, 0x66, false);
	fixed(0, 0x66, false);
	CHECK_EQ(ack(0), 0x66);
	CHECK(!proc[0].intr, "one request for two arrivals");
	/* level-triggered: TMR set, the EOI goes to the I/O APICs */
	fixed(0, 0x77, true);
	CHECK(tmr(0, 0x77), "TMR for a level-triggered vector");
	CHECK_EQ(ack(0), 0x77);
	wr(0, 0xB0, 0);
	CHECK(!isr(0, 0x77), "0x77 done");
	CHECK_EQ(eois, 1);
	CHECK_EQ(eoi_vector, 0x77);
	wr(0, 0xB0, 0);
	CHECK(!isr(0, 0x66), "EOI of 0x66");
	CHECK_EQ(eois, 1);
	/* an EOI with nothing in service does nothing */
	wr(0, 0xB0, 0);
	CHECK_EQ(eois, 1);
}

static void test_errors(void)
{
	setup(true);
	CHECK_EQ(esr(0), 0);
	fixed(0, 0x05, false);
	CHECK(!irr(0, 0x05), "an illegal vector is not requested");
	CHECK_EQ(rd(0, 0x280), 0); /* nothing latched until the ESR is written */
	CHECK_EQ(esr(0), LAPIC_ESR_RECV_ILLEGAL);
	CHECK_EQ(esr(0), 0);
	CHECK_EQ(rd(0, 0x40), 0);
	CHECK_EQ(rd(0, 0x3F0), 0);
	CHECK_EQ(esr(0), LAPIC_ESR_ILLEGAL_REG);
	/* the unused bytes of a register's 16 are not an error */
	CHECK_EQ(lapic_read(&proc[0].apic, 0x24, 4), 0);
	CHECK_EQ(esr(0), 0);
	/* the error interrupt */
	wr(0, 0x370, 0x3E);
	wr(0, 0x300, 0x00040003); /* self IPI with vector 3 */
	CHECK_EQ(esr(0), LAPIC_ESR_SEND_ILLEGAL);
	CHECK(irr(0, 0x3E), "error interrupt requested");
	CHECK_EQ(ack(0), 0x3E);
}

/* Runs the clock to t ns and returns whether the timer vector got requested. */
static bool timer_at(u64 t, u8 v)
{
	clock_run_to(&clk, t);
	bool r = irr(0, v);
	if (r) {
		CHECK_EQ(ack(0), v);
		wr(0, 0xB0, 0);
	}
	return r;
}

static void test_timer(void)
{
	setup(true);
	/* one-shot, divide by 1: 1000 bus clocks of 10 ns */
	wr(0, 0x3E0, 0xB);
	wr(0, 0x320, 0x40);
	wr(0, 0x380, 1000);
	CHECK_EQ(rd(0, 0x390), 1000);
	clock_run_to(&clk, 2500);
	CHECK_EQ(rd(0, 0x390), 750);
	CHECK(!timer_at(9999, 0x40), "not before 10 us");
	CHECK_EQ(rd(0, 0x390), 1);
	CHECK(timer_at(10000, 0x40), "at exactly 10 us");
	CHECK_EQ(rd(0, 0x390), 0);
	CHECK(!timer_at(100000, 0x40), "one-shot: once");
	CHECK_EQ(rd(0, 0x390), 0);
	CHECK_EQ(rd(0, 0x380), 1000);

	/* every divide value, one-shot of 3 counts */
	static const u32 dcr[8] = {0x0, 0x1, 0x2, 0x3, 0x8, 0x9, 0xA, 0xB};
	static const u32 div[8] = {2, 4, 8, 16, 32, 64, 128, 1};
	for (int i = 0; i < 8; i++) {
		u64 t0 = clock_now(&clk);
		wr(0, 0x3E0, dcr[i]);
		CHECK_EQ(rd(0, 0x3E0), dcr[i]);
		wr(0, 0x380, 3);
		u64 end = t0 + 3ull * div[i] * 10;
		CHECK(!timer_at(end - 1, 0x40), "divide %u: not before %u clocks", div[i], 3 * div[i]);
		CHECK(timer_at(end, 0x40), "divide %u: at %u clocks", div[i], 3 * div[i]);
	}

	/* periodic, divide by 16, 25000 counts: every 4 ms exactly (Linux's HZ=250 tick) */
	u64 t0 = clock_now(&clk);
	wr(0, 0x3E0, 0x3);
	wr(0, 0x320, 0x20041);
	wr(0, 0x380, 25000);
	int n = 0;
	u64 first = 0, last = 0;
	for (u64 t = t0 + 1000; t <= t0 + 40000000; t += 1000) {
		if (timer_at(t, 0x41)) {
			if (!n)
				first = t;
			last = t;
			n++;
		}
	}
	CHECK_EQ(n, 10);
	CHECK_EQ(first - t0, 4000000);
	CHECK_EQ(last - t0, 40000000);
	clock_run_to(&clk, t0 + 40000000 + 160);
	CHECK_EQ(rd(0, 0x390), 25000 - 1); /* 160 ns = 16 clocks = one count */
	/* masked: counting goes on, no request */
	wr(0, 0x320, 0x30041);
	CHECK(!timer_at(t0 + 48000000, 0x41), "masked: no request");
	CHECK_EQ(rd(0, 0x390), 25000);
	wr(0, 0x320, 0x20041);
	CHECK(timer_at(t0 + 52000000, 0x41), "unmasked: the next period");
	/* the divide changed while counting: from the count reached, at the new rate */
	clock_run_to(&clk, t0 + 52000000 + 160000); /* 1000 counts */
	CHECK_EQ(rd(0, 0x390), 24000);
	wr(0, 0x3E0, 0xB);
	clock_run_to(&clk, t0 + 52000000 + 160000 + 10000);
	CHECK_EQ(rd(0, 0x390), 23000);
	/* initial count 0 stops it */
	wr(0, 0x380, 0);
	CHECK_EQ(rd(0, 0x390), 0);
	CHECK(!timer_at(t0 + 200000000, 0x41), "stopped");
	/* A periodic timer whose request waits in the IRR rests: no event armed (the
	 * harness's slow unit: a count of 1 was an event every 10 ns while interrupts were
	 * off), the count register as if it ran, and after INTA the next period boundary
	 * with the phase kept. Divide by 1, 100 counts: a period of 1 us. */
	wr(0, 0x3E0, 0xB);
	wr(0, 0x320, 0x20042);
	u64 s0 = clock_now(&clk);
	wr(0, 0x380, 100);
	clock_run_to(&clk, s0 + 1000);
	CHECK(irr(0, 0x42), "the first expiry requests 42h");
	CHECK(!timer_armed(&proc[0].apic.timer), "resting while 42h waits in the IRR");
	clock_run_to(&clk, s0 + 1000 + 10000000 + 250); /* 10 ms and 25 counts on */
	CHECK(!timer_armed(&proc[0].apic.timer), "still resting 10000 periods later");
	CHECK_EQ(rd(0, 0x390), 75);
	CHECK_EQ(ack(0), 0x42);
	wr(0, 0xB0, 0);
	CHECK(timer_armed(&proc[0].apic.timer), "INTA wakes it");
	CHECK(!timer_at(s0 + 1000 + 10000000 + 999, 0x42), "not before the next boundary");
	CHECK(timer_at(s0 + 1000 + 10000000 + 1000, 0x42), "at the next boundary, the phase kept");
	CHECK(timer_at(s0 + 1000 + 10000000 + 2000, 0x42), "and every period after");
	/* masked, it rests too; unmasked, the next boundary */
	wr(0, 0x320, 0x30042);
	clock_run_to(&clk, s0 + 1000 + 10000000 + 3000);
	CHECK(!timer_armed(&proc[0].apic.timer), "masked: resting");
	clock_run_to(&clk, s0 + 1000 + 20000000 + 500);
	CHECK_EQ(rd(0, 0x390), 50);
	wr(0, 0x320, 0x20042);
	CHECK(!timer_at(s0 + 1000 + 20000000 + 999, 0x42), "unmasked: not before the boundary");
	CHECK(timer_at(s0 + 1000 + 20000000 + 1000, 0x42), "unmasked: at the boundary");
	/* switched to one-shot while resting: the period under way ends it */
	clock_run_to(&clk, s0 + 1000 + 20000000 + 2000);
	CHECK(irr(0, 0x42), "requested again");
	wr(0, 0x320, 0x00042);
	CHECK_EQ(ack(0), 0x42);
	wr(0, 0xB0, 0);
	CHECK(timer_at(s0 + 1000 + 20000000 + 3000, 0x42), "one-shot: the last expiry");
	CHECK(!timer_at(s0 + 1000 + 30000000, 0x42), "one-shot: no more");
	CHECK_EQ(rd(0, 0x390), 0);
	wr(0, 0x380, 0);
	/* a timer with an illegal vector: a receive error, no request */
	wr(0, 0x320, 0x00007);
	wr(0, 0x380, 10);
	clock_run_to(&clk, clock_now(&clk) + 100);
	CHECK_EQ(esr(0), LAPIC_ESR_RECV_ILLEGAL);
	CHECK(!proc[0].intr, "no request for vector 7");
}

static void test_lint(void)
{
	setup(true);
	Lapic *l = &proc[0].apic;
	/* LINT0 ExtINT: the 8259A's INT is INTR, INTA goes to the 8259A */
	lapic_set_lint(l, 0, 1);
	CHECK(!proc[0].intr, "LINT0 masked");
	wr(0, 0x350, 0x8700);
	CHECK(proc[0].intr, "unmasked ExtINT with the pin high");
	CHECK_EQ(ack(0), 0x08);
	CHECK_EQ(extint_acks, 1);
	CHECK(!isr(0, 0x08), "no ISR bit for ExtINT");
	lapic_set_lint(l, 0, 0);
	CHECK(!proc[0].intr, "INTR follows the pin");
	/* ExtINT comes before fixed requests (it is not subject to PPR) */
	wr(0, 0x80, 0xF0);
	lapic_set_lint(l, 0, 1);
	CHECK(proc[0].intr, "ExtINT above any TPR");
	CHECK_EQ(ack(0), 0x08);
	lapic_set_lint(l, 0, 0);
	wr(0, 0x80, 0);
	/* LINT1 NMI: edges */
	wr(0, 0x360, 0x8400);
	lapic_set_lint(l, 1, 1);
	lapic_set_lint(l, 1, 1);
	lapic_set_lint(l, 1, 0);
	lapic_set_lint(l, 1, 1);
	CHECK_EQ(proc[0].nmis, 2);
	CHECK(!proc[0].intr, "NMI is not INTR");
	lapic_set_lint(l, 1, 0);
	/* LINT1 fixed, level-triggered: remote IRR until EOI, then again while high */
	wr(0, 0x360, 0x8055);
	lapic_set_lint(l, 1, 1);
	CHECK(irr(0, 0x55) && tmr(0, 0x55), "level LINT1 requested");
	CHECK(rd(0, 0x360) & 0x4000, "remote IRR set");
	CHECK_EQ(ack(0), 0x55);
	wr(0, 0xB0, 0);
	CHECK(irr(0, 0x55), "still high after EOI: requested again");
	CHECK_EQ(ack(0), 0x55);
	lapic_set_lint(l, 1, 0);
	wr(0, 0xB0, 0);
	CHECK(!irr(0, 0x55) && !(rd(0, 0x360) & 0x4000), "low at EOI: done, remote IRR clear");
	CHECK_EQ(eois, 2); /* the EOI of a level vector goes out to the I/O APICs too */
	/* LINT1 fixed edge */
	wr(0, 0x360, 0x0056);
	lapic_set_lint(l, 1, 1);
	CHECK(irr(0, 0x56) && !tmr(0, 0x56), "edge LINT1 requested");
	CHECK_EQ(ack(0), 0x56);
	wr(0, 0xB0, 0);
	lapic_set_lint(l, 1, 0);
	/* hardware-disabled (IA32_APIC_BASE.EN = 0): LINT0 is INTR, LINT1 NMI */
	lapic_msr_changed(l, 0xFEE00100);
	CHECK_EQ(rd(0, 0x350), 0x10000); /* back to the power-on state */
	lapic_set_lint(l, 0, 1);
	CHECK(proc[0].intr, "INTR straight through");
	CHECK_EQ(ack(0), 0x08);
	lapic_set_lint(l, 0, 0);
	CHECK(!proc[0].intr, "and down");
	int nmis = proc[0].nmis;
	lapic_set_lint(l, 1, 1);
	CHECK_EQ(proc[0].nmis, nmis + 1);
	fixed(0, 0x40, false);
	CHECK(!irr(0, 0x40), "a disabled APIC takes no messages");
	lapic_msr_changed(l, 0xFEE00900);
	CHECK_EQ(rd(0, 0xF0), 0xFF);
}

static void ipi(int from, u32 hi, u32 lo)
{
	wr(from, 0x310, hi);
	wr(from, 0x300, lo);
}

static void test_ipi(void)
{
	setup(true);
	/* physical destination */
	ipi(0, 0x01000000, 0x00004051);
	CHECK(irr(1, 0x51) && !irr(0, 0x51), "fixed IPI to APIC 1");
	CHECK_EQ(rd(0, 0x300), 0x00004051); /* delivery status idle */
	CHECK_EQ(rd(0, 0x310), 0x01000000);
	CHECK_EQ(ack(1), 0x51);
	wr(1, 0xB0, 0);
	ipi(1, 0x00000000, 0x00004052);
	CHECK(irr(0, 0x52), "fixed IPI to APIC 0");
	ack(0);
	wr(0, 0xB0, 0);
	ipi(0, 0x05000000, 0x00004053);
	CHECK(!irr(0, 0x53) && !irr(1, 0x53), "no APIC 5");
	ipi(0, 0xFF000000, 0x00004054);
	CHECK(irr(0, 0x54) && irr(1, 0x54), "physical broadcast");
	ack(0), ack(1);
	wr(0, 0xB0, 0), wr(1, 0xB0, 0);
	/* logical, flat model: LDR bits */
	wr(0, 0xD0, 0x01000000);
	wr(1, 0xD0, 0x02000000);
	ipi(0, 0x02000000, 0x00004855);
	CHECK(irr(1, 0x55) && !irr(0, 0x55), "flat logical 0x02");
	ipi(1, 0x03000000, 0x00004856);
	CHECK(irr(0, 0x56) && irr(1, 0x56), "flat logical 0x03");
	ack(0), ack(1), ack(1);
	wr(0, 0xB0, 0), wr(1, 0xB0, 0), wr(1, 0xB0, 0);
	/* logical, cluster model: cluster 1 members 1 and 2 */
	wr(0, 0xE0, 0x0FFFFFFF);
	wr(1, 0xE0, 0x0FFFFFFF);
	wr(0, 0xD0, 0x11000000);
	wr(1, 0xD0, 0x22000000);
	ipi(0, 0x13000000, 0x00004857);
	CHECK(irr(0, 0x57) && !irr(1, 0x57), "cluster 1");
	ipi(0, 0xF2000000, 0x00004858);
	CHECK(irr(1, 0x58) && !irr(0, 0x58), "every cluster, member 2");
	ack(0), ack(1);
	wr(0, 0xB0, 0), wr(1, 0xB0, 0);
	/* shorthands */
	ipi(0, 0, 0x00044059);
	CHECK(irr(0, 0x59) && !irr(1, 0x59), "self");
	ipi(0, 0, 0x0008405A);
	CHECK(irr(0, 0x5A) && irr(1, 0x5A), "all including self");
	ipi(0, 0, 0x000C405B);
	CHECK(!irr(0, 0x5B) && irr(1, 0x5B), "all excluding self");
	while (proc[0].intr) {
		ack(0);
		wr(0, 0xB0, 0);
	}
	while (proc[1].intr) {
		ack(1);
		wr(1, 0xB0, 0);
	}
	/* lowest priority: the APIC with the lower PPR */
	wr(0, 0xE0, 0xFFFFFFFF);
	wr(1, 0xE0, 0xFFFFFFFF);
	wr(0, 0xD0, 0x01000000);
	wr(1, 0xD0, 0x02000000);
	wr(0, 0x80, 0x30);
	ipi(1, 0x03000000, 0x0000495C);
	CHECK(irr(1, 0x5C) && !irr(0, 0x5C), "lowest priority: APIC 1 (TPR 0)");
	wr(0, 0x80, 0);
	wr(1, 0x80, 0x40);
	ipi(1, 0x03000000, 0x0000495D);
	CHECK(irr(0, 0x5D) && !irr(1, 0x5D), "lowest priority: APIC 0 now");
	wr(1, 0x80, 0);
	/* an illegal vector is not sent */
	ipi(0, 0x01000000, 0x0000400F);
	CHECK_EQ(esr(0), LAPIC_ESR_SEND_ILLEGAL);
	CHECK_EQ(esr(1), 0);
	/* NMI */
	ipi(0, 0x01000000, 0x00004400);
	CHECK_EQ(proc[1].nmis, 1);
	/* INIT: the target's APIC back to power-on state but its ID; the CPU told */
	wr(1, 0x20, 0x07000000);
	ipi(0, 0x07000000, 0x0000C500);
	CHECK_EQ(proc[1].inits, 1);
	CHECK_EQ(rd(1, 0x20), 0x07000000);
	CHECK_EQ(rd(1, 0xF0), 0xFF);
	CHECK_EQ(rd(1, 0xD0), 0);
	CHECK(!irr(1, 0x5C), "INIT clears IRR");
	/* the INIT level de-assert does nothing */
	ipi(0, 0x07000000, 0x00008500);
	CHECK_EQ(proc[1].inits, 1);
	/* start-up: the vector reaches the CPU (a software-disabled APIC takes it) */
	ipi(0, 0x07000000, 0x0000469A);
	CHECK_EQ(proc[1].sipis, 1);
	CHECK_EQ(proc[1].sipi_vector, 0x9A);
	/* SeaBIOS's broadcast: INIT then SIPI to all others */
	ipi(0, 0, 0x000C4500);
	ipi(0, 0, 0x000C4609);
	CHECK_EQ(proc[1].inits, 2);
	CHECK_EQ(proc[1].sipis, 2);
	CHECK_EQ(proc[1].sipi_vector, 0x09);
	CHECK_EQ(proc[0].inits, 0);
	CHECK_EQ(proc[0].sipis, 0);
}

int main(void)
{
	test_power_on();
	test_priorities();
	test_errors();
	test_timer();
	test_lint();
	test_ipi();
	return test_summary();
}
