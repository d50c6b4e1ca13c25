/* ioapic_test.c: the 82093AA I/O APIC through its register window (IOREGSEL/IOWIN as a
 * guest reaches them, on a MemBus), with no CPU: the messages it sends are recorded.
 * Checked: the reset state (ID, version, masked entries), writable and read-only bits,
 * edge pins (one message per rising edge, nothing while masked, an edge on a masked pin
 * lost), level pins with remote IRR (one message until the EOI of its vector, again
 * after the EOI while still asserted, none after the pin fell; unmasking an asserted
 * pin), active-low polarity, the message fields (vector, delivery and destination mode,
 * destination, trigger mode), and the whole loop with a local APIC: a level interrupt
 * requested in the local APIC's IRR, its EOI clearing remote IRR through the EOI
 * broadcast. Reference: Intel 82093AA datasheet, 3.0. */
#include <string.h>

#include "bus/clock.h"
#include "bus/membus.h"
#include "dev/ioapic.h"
#include "dev/lapic.h"
#include "../test.h"

#define BASE 0xFEC00000u

static MemBus mem;
static IoApic io;
static ApicMsg sent[16];
static int nsent;
static Lapic *loop_apic; /* when set, messages go to this local APIC */

static void on_send(void *ctx, const ApicMsg *m)
{
	if (nsent < 16)
		sent[nsent] = *m;
	nsent++;
	if (loop_apic)
		lapic_bus_deliver(&loop_apic, 1, m);
}

static u32 reg(u8 r)
{
	mem_write(&mem, BASE, r, 1);
	return mem_read(&mem, BASE + 0x10, 4);
}
static void set_reg(u8 r, u32 v)
{
	mem_write(&mem, BASE, r, 1);
	mem_write(&mem, BASE + 0x10, v, 4);
}
static void entry(int n, u32 lo, u32 hi)
{
	set_reg((u8)(0x11 + 2 * n), hi);
	set_reg((u8)(0x10 + 2 * n), lo);
}
static void pin(int n, int level) { ioapic_set_irq(&io, n, level); }

static void setup(void)
{
	ioapic_init(&io);
	io.send = on_send;
	nsent = 0;
	loop_apic = NULL;
}

static void test_registers(void)
{
	setup();
	CHECK_EQ(reg(0x00), 0);
	CHECK_EQ(reg(0x01), 0x00170011);
	CHECK_EQ(reg(0x02), 0);
	for (int n = 0; n < 24; n++) {
		CHECK_EQ(reg((u8)(0x10 + 2 * n)), 0x10000);
		CHECK_EQ(reg((u8)(0x11 + 2 * n)), 0);
	}
	CHECK_EQ(reg(0x40), 0); /* past the table */
	CHECK_EQ(reg(0x03), 0);
	/* IOREGSEL reads back; bytes of IOWIN; other offsets read 0 */
	mem_write(&mem, BASE, 0x01, 1);
	CHECK_EQ(mem_read(&mem, BASE, 1), 0x01);
	CHECK_EQ(mem_read(&mem, BASE + 0x12, 1), 0x17);
	CHECK_EQ(mem_read(&mem, BASE + 0x20, 4), 0);
	CHECK_EQ(mem_read(&mem, BASE + 0x1000, 4), 0xFFFFFFFF); /* the next page: nothing */
	/* ID: bits 27:24; version and arbitration read-only */
	set_reg(0x00, 0xFFFFFFFF);
	CHECK_EQ(reg(0x00), 0x0F000000);
	CHECK_EQ(reg(0x02), 0x0F000000);
	set_reg(0x01, 0);
	CHECK_EQ(reg(0x01), 0x00170011);
	/* an entry: delivery status and remote IRR are read-only, reserved bits read 0 */
	entry(5, 0xFFFFFFFF, 0xFFFFFFFF);
	CHECK_EQ(reg(0x1A), 0x0001AFFF);
	CHECK_EQ(reg(0x1B), 0xFF000000);
	/* a byte write to IOWIN does nothing */
	mem_write(&mem, BASE, 0x1A, 1);
	mem_write(&mem, BASE + 0x10, 0x00, 1);
	CHECK_EQ(reg(0x1A), 0x0001AFFF);
	ioapic_reset(&io);
	CHECK_EQ(reg(0x1A), 0x10000);
	CHECK_EQ(reg(0x00), 0);
}

static void test_edge(void)
{
	setup();
	entry(3, 0x00000133, 0x05000000); /* vector 33, lowest priority, physical, to 5 */
	pin(3, 1);
	CHECK_EQ(nsent, 1);
	CHECK_EQ(sent[0].vector, 0x33);
	CHECK_EQ(sent[0].mode, APIC_DM_LOWEST);
	CHECK(!sent[0].logical && !sent[0].level && sent[0].assert, "physical, edge, assert");
	CHECK_EQ(sent[0].dest, 5);
	CHECK_EQ(sent[0].source, -1);
	pin(3, 1);
	CHECK_EQ(nsent, 1); /* no edge */
	pin(3, 0);
	pin(3, 1);
	CHECK_EQ(nsent, 2);
	CHECK_EQ(reg(0x16) & 0x5000, 0); /* no remote IRR or delivery status for edge */
	/* masked: the edge is lost, unmasking does not bring it back */
	pin(3, 0);
	entry(3, 0x00010133, 0x05000000);
	pin(3, 1);
	CHECK_EQ(nsent, 2);
	entry(3, 0x00000133, 0x05000000);
	CHECK_EQ(nsent, 2);
	/* logical destination, NMI */
	entry(4, 0x00000C00, 0x03000000);
	pin(4, 1);
	CHECK_EQ(nsent, 3);
	CHECK(sent[2].logical && sent[2].mode == APIC_DM_NMI && sent[2].dest == 3, "logical NMI");
	/* pins past 23 do not exist */
	pin(24, 1);
	pin(-1, 1);
	CHECK_EQ(nsent, 3);
}

static void test_level(void)
{
	setup();
	entry(10, 0x0000803A, 0x00000000); /* vector 3A, fixed, level, active high */
	pin(10, 1);
	CHECK_EQ(nsent, 1);
	CHECK(sent[0].level, "level message");
	CHECK(reg(0x24) & 0x4000, "remote IRR set");
	pin(10, 0);
	pin(10, 1);
	CHECK_EQ(nsent, 1); /* in service: no second message */
	ioapic_eoi(&io, 0x3B);
	CHECK_EQ(nsent, 1); /* another vector's EOI */
	CHECK(reg(0x24) & 0x4000, "remote IRR still set");
	ioapic_eoi(&io, 0x3A);
	CHECK_EQ(nsent, 2); /* still asserted: again */
	CHECK(reg(0x24) & 0x4000, "remote IRR set again");
	pin(10, 0);
	ioapic_eoi(&io, 0x3A);
	CHECK_EQ(nsent, 2);
	CHECK_EQ(reg(0x24) & 0x4000, 0);
	/* software cannot set remote IRR */
	entry(10, 0x0000C03A, 0);
	CHECK_EQ(reg(0x24) & 0x4000, 0);
	/* masked while asserted: held until unmasked */
	entry(11, 0x0001803B, 0);
	pin(11, 1);
	CHECK_EQ(nsent, 2);
	entry(11, 0x0000803B, 0);
	CHECK_EQ(nsent, 3);
	CHECK_EQ(sent[2].vector, 0x3B);
	/* active low: asserted while the pin is low */
	entry(12, 0x0000A03C, 0);
	CHECK_EQ(nsent, 4); /* pin 12 is low now: asserted */
	CHECK_EQ(sent[3].vector, 0x3C);
	pin(12, 1);
	ioapic_eoi(&io, 0x3C);
	CHECK_EQ(nsent, 4);
	pin(12, 0);
	CHECK_EQ(nsent, 5);
	/* an active-low edge pin: the falling pin is the edge */
	entry(13, 0x0000203D, 0);
	pin(13, 1);
	CHECK_EQ(nsent, 5);
	pin(13, 0);
	CHECK_EQ(nsent, 6);
}

/* The I/O APIC and a local APIC on one bus: level IRQ, EOI broadcast, remote IRR. */
static int cpu_intr;
static void loop_intr(void *ctx, bool level) { cpu_intr = level; }
static void loop_eoi(void *ctx, u8 v) { ioapic_eoi(&io, v); }

static void test_loop(void)
{
	setup();
	Clock clk;
	clock_init(&clk, 10000);
	static Lapic la;
	lapic_init(&la, &clk, 0, 0);
	la.cpu.intr = loop_intr;
	la.eoi = loop_eoi;
	lapic_write(&la, 0xF0, 0x1FF, 4);
	loop_apic = &la;
	entry(9, 0x00008049, 0x00000000);
	pin(9, 1);
	CHECK(cpu_intr, "INTR from the level IRQ");
	CHECK_EQ(lapic_ack(&la), 0x49);
	CHECK(lapic_read(&la, 0x180 + 0x20, 4) & (1u << 9), "TMR: level");
	pin(9, 0); /* the handler quiets the device */
	lapic_write(&la, 0xB0, 0, 4);
	CHECK_EQ(reg(0x22) & 0x4000, 0); /* the EOI reached the I/O APIC */
	CHECK(!cpu_intr, "nothing more");
	/* a device that stays asserted across the EOI interrupts again */
	pin(9, 1);
	CHECK_EQ(lapic_ack(&la), 0x49);
	lapic_write(&la, 0xB0, 0, 4);
	CHECK(cpu_intr, "asserted at EOI: again");
	CHECK(reg(0x22) & 0x4000, "remote IRR set for the new one");
	CHECK_EQ(lapic_ack(&la), 0x49);
	pin(9, 0);
	lapic_write(&la, 0xB0, 0, 4);
	CHECK(!cpu_intr && !(reg(0x22) & 0x4000), "done");
	CHECK_EQ(nsent, 3);
}

int main(void)
{
	if (mem_init(&mem, MiB) || mem_map_mmio(&mem, BASE, MEM_PAGE_SIZE, &ioapic_mmio_ops, &io)) {
		printf("FAIL cannot set up the bus\n");
		return 1;
	}
	test_registers();
	test_edge();
	test_level();
	test_loop();
	mem_free(&mem);
	return test_summary();
}
