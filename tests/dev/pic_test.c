/* pic_test.c: the 8259A pair through its ports: initialisation, fully nested priority,
 * masking, EOI kinds, rotation, cascade, AEOI, special fully nested mode, poll, special
 * mask mode, edge vs level inputs via the ELCR and the spurious vector. No CPU: the
 * test plays the CPU's part with pic_ack(). */
#include <stdlib.h>

#include "bus/iobus.h"
#include "dev/pic.h"
#include "../test.h"

static IoBus *bus;
static Pic pic;
static int intr_level, intr_edges;

static void on_intr(void *ctx, int n, int level)
{
	if (level && !intr_level)
		intr_edges++;
	intr_level = level;
}

static void out(u16 port, u8 v) { io_write(bus, port, v, 1); }
static u8 in(u16 port) { return (u8)io_read(bus, port, 1); }
static void irq(int n, int level) { pic_set_irq(&pic, n, level); }

/* The BIOS's initialisation: vectors 08h and 70h, slave on IR2, 8086 mode. */
static void init_pair(u8 icw4_master, u8 icw4_slave)
{
	out(0x20, 0x11);
	out(0x21, 0x08);
	out(0x21, 0x04);
	out(0x21, icw4_master);
	out(0xA0, 0x11);
	out(0xA1, 0x70);
	out(0xA1, 0x02);
	out(0xA1, icw4_slave);
}

static void setup(void)
{
	pic_init(&pic);
	intr_level = 0;
	intr_edges = 0;
	irq_connect(&pic.intr, on_intr, NULL, 0);
	pic_reset(&pic);
	init_pair(0x01, 0x01);
}

static void test_init_and_mask(void)
{
	pic_init(&pic);
	irq_connect(&pic.intr, on_intr, NULL, 0);
	intr_level = 0;
	/* Before initialisation everything is masked. */
	irq(1, 1);
	CHECK_EQ(intr_level, 0);
	init_pair(0x01, 0x01);
	CHECK_EQ(in(0x21), 0x00); /* ICW1 clears the IMR */
	CHECK_EQ(in(0xA1), 0x00);
	/* The request before ICW1 was forgotten and the line is still high: no new edge. */
	CHECK_EQ(intr_level, 0);
	irq(1, 0);
	irq(1, 1);
	CHECK_EQ(intr_level, 1);
	CHECK_EQ(pic_ack(&pic), 0x09);
	irq(1, 0);
	out(0x20, 0x20);

	/* OCW1 masks: the IRR still records the request, INTR stays low until unmasked. */
	out(0x21, 0xFF);
	CHECK_EQ(in(0x21), 0xFF);
	irq(4, 1);
	CHECK_EQ(intr_level, 0);
	out(0x20, 0x0A); /* OCW3: read IRR */
	CHECK_EQ(in(0x20), 0x10);
	out(0x21, 0xEF);
	CHECK_EQ(intr_level, 1);
	CHECK_EQ(pic_ack(&pic), 0x0C);
	out(0x20, 0x0B); /* OCW3: read ISR */
	CHECK_EQ(in(0x20), 0x10);
	out(0x20, 0x0A);
	CHECK_EQ(in(0x20), 0x00); /* edge request cleared by INTA */
	out(0x20, 0x20);
	out(0x20, 0x0B);
	CHECK_EQ(in(0x20), 0x00);
	irq(4, 0);
}

static void test_priority_and_eoi(void)
{
	setup();
	irq(3, 1);
	irq(1, 1);
	CHECK_EQ(intr_level, 1);
	CHECK_EQ(pic_ack(&pic), 0x09); /* IRQ1 before IRQ3 */
	CHECK_EQ(intr_level, 0);       /* IRQ3 is below the level in service */
	/* A higher-priority request nests. */
	irq(0, 1);
	CHECK_EQ(intr_level, 1);
	CHECK_EQ(pic_ack(&pic), 0x08);
	out(0x20, 0x0B);
	CHECK_EQ(in(0x20), 0x03);
	/* Non-specific EOI clears the highest in service (IRQ0). */
	out(0x20, 0x20);
	CHECK_EQ(in(0x20), 0x02);
	CHECK_EQ(intr_level, 0);
	out(0x20, 0x20);
	CHECK_EQ(in(0x20), 0x00);
	CHECK_EQ(intr_level, 1);
	CHECK_EQ(pic_ack(&pic), 0x0B);
	/* Specific EOI clears the named level only. */
	irq(6, 1);
	out(0x20, 0x63); /* specific EOI, IR3 */
	CHECK_EQ(in(0x20), 0x00);
	CHECK_EQ(pic_ack(&pic), 0x0E);
	irq(5, 1);
	CHECK_EQ(intr_level, 1); /* IRQ5 is above IRQ6 in service */
	CHECK_EQ(pic_ack(&pic), 0x0D);
	out(0x20, 0x66); /* specific EOI for the lower IR6 first */
	CHECK_EQ(in(0x20), 0x20);
	out(0x20, 0x20);
	CHECK_EQ(in(0x20), 0x00);
	/* No-operation OCW2. */
	out(0x20, 0x40);
	CHECK_EQ(in(0x20), 0x00);
}

static void test_rotation(void)
{
	setup();
	/* Rotate on non-specific EOI: the level just serviced becomes the lowest. */
	irq(1, 1);
	CHECK_EQ(pic_ack(&pic), 0x09);
	out(0x20, 0xA0);
	irq(1, 0);
	irq(1, 1);
	irq(3, 1);
	CHECK_EQ(pic_ack(&pic), 0x0B); /* 2..7,0,1: IRQ3 beats IRQ1 now */
	out(0x20, 0x20);
	CHECK_EQ(pic_ack(&pic), 0x09);
	out(0x20, 0x20);
	/* Set priority: IR5 lowest, so IR6 highest. */
	out(0x20, 0xC5);
	irq(0, 1);
	irq(6, 1);
	CHECK_EQ(pic_ack(&pic), 0x0E);
	/* Rotate on specific EOI: IR6 out of service and lowest, IR7 highest. */
	out(0x20, 0xE6);
	irq(7, 1);
	CHECK_EQ(pic_ack(&pic), 0x0F);
	out(0x20, 0x67);
	CHECK_EQ(pic_ack(&pic), 0x08);
	out(0x20, 0x60);
	CHECK_EQ(intr_level, 0);
}

static void test_aeoi(void)
{
	setup();
	init_pair(0x03, 0x01); /* master AEOI */
	irq(3, 1);
	CHECK_EQ(pic_ack(&pic), 0x0B);
	out(0x20, 0x0B);
	CHECK_EQ(in(0x20), 0x00); /* nothing in service */
	/* Rotate in AEOI mode: the level acknowledged becomes the lowest. */
	out(0x20, 0x80);
	irq(0, 1);
	CHECK_EQ(pic_ack(&pic), 0x08);
	irq(0, 0);
	irq(0, 1);
	irq(4, 1);
	CHECK_EQ(pic_ack(&pic), 0x0C); /* IR0 is now the lowest */
	CHECK_EQ(pic_ack(&pic), 0x08);
	out(0x20, 0x00); /* rotate in AEOI mode off */
	irq(0, 0);
	irq(4, 0);
	irq(4, 1);
	irq(0, 1);
	CHECK_EQ(pic_ack(&pic), 0x0C); /* the rotation stays: IR0 is still the lowest */
}

static void test_cascade(void)
{
	setup();
	irq(12, 1);
	CHECK_EQ(intr_level, 1);
	out(0x20, 0x0A);
	CHECK_EQ(in(0x20), 0x04); /* the cascade input IR2 */
	CHECK_EQ(pic_ack(&pic), 0x74);
	out(0x20, 0x0B);
	CHECK_EQ(in(0x20), 0x04);
	out(0xA0, 0x0B);
	CHECK_EQ(in(0xA0), 0x10);
	/* Another slave request must wait for the master's EOI (IR2 in service). */
	irq(8, 1);
	CHECK_EQ(intr_level, 0);
	out(0xA0, 0x20);
	CHECK_EQ(intr_level, 0);
	out(0x20, 0x20);
	CHECK_EQ(intr_level, 1);
	CHECK_EQ(pic_ack(&pic), 0x70);
	out(0xA0, 0x20);
	out(0x20, 0x20);
	/* Master IRQ1 beats the cascade, IRQ3 does not. */
	irq(15, 1);
	irq(3, 1);
	irq(1, 1);
	CHECK_EQ(pic_ack(&pic), 0x09);
	out(0x20, 0x20);
	CHECK_EQ(pic_ack(&pic), 0x77);
	out(0xA0, 0x20);
	out(0x20, 0x20);
	CHECK_EQ(pic_ack(&pic), 0x0B);
	out(0x20, 0x20);
	/* The slave's mask. */
	out(0xA1, 0x02);
	irq(9, 1);
	CHECK_EQ(intr_level, 0);
	out(0xA1, 0x00);
	CHECK_EQ(intr_level, 1);
	CHECK_EQ(pic_ack(&pic), 0x71);
	out(0xA0, 0x20);
	out(0x20, 0x20);
	CHECK_EQ(intr_level, 0);
	/* IRQ2 is the cascade, not an input. */
	irq(2, 1);
	CHECK_EQ(intr_level, 0);
}

static void test_sfnm(void)
{
	setup();
	/* Fully nested mode: with IR12 in service, IR9 (higher on the slave) is held off by
	 * the master's IR2 in service. */
	irq(12, 1);
	CHECK_EQ(pic_ack(&pic), 0x74);
	irq(9, 1);
	CHECK_EQ(intr_level, 0);
	/* Special fully nested mode on the master lets it through. */
	setup();
	init_pair(0x11, 0x01);
	irq(12, 1);
	CHECK_EQ(pic_ack(&pic), 0x74);
	irq(9, 1);
	CHECK_EQ(intr_level, 1);
	CHECK_EQ(pic_ack(&pic), 0x71);
	/* A lower slave request is still held by the slave's own ISR. */
	irq(14, 1);
	CHECK_EQ(intr_level, 0);
}

static void test_poll(void)
{
	setup();
	out(0x21, 0x00);
	out(0x20, 0x0C); /* poll */
	CHECK_EQ(in(0x20), 0x00); /* nothing requesting */
	irq(5, 1);
	irq(6, 1);
	out(0x20, 0x0C);
	CHECK_EQ(in(0x21), 0x85); /* either port gives the poll word */
	out(0x20, 0x0B);
	CHECK_EQ(in(0x20), 0x20); /* the poll acted as INTA */
	out(0x20, 0x20);
	out(0x20, 0x0C);
	CHECK_EQ(in(0x20), 0x86);
	CHECK_EQ(in(0x21), 0x00); /* one read only, then the IMR again */
	out(0x20, 0x20);
	/* Poll on the slave. */
	irq(10, 1);
	out(0xA0, 0x0C);
	CHECK_EQ(in(0xA0), 0x82);
}

static void test_special_mask(void)
{
	setup();
	irq(1, 1);
	CHECK_EQ(pic_ack(&pic), 0x09);
	irq(4, 1);
	CHECK_EQ(intr_level, 0); /* IR1 in service blocks IR4 */
	out(0x21, 0x02);         /* mask IR1 */
	out(0x20, 0x68);         /* set special mask mode */
	CHECK_EQ(intr_level, 1);
	CHECK_EQ(pic_ack(&pic), 0x0C);
	out(0x20, 0x0B);
	CHECK_EQ(in(0x20), 0x12);
	/* Non-specific EOI leaves the masked IS bit (IR1) alone. */
	out(0x20, 0x20);
	CHECK_EQ(in(0x20), 0x02);
	out(0x20, 0x20);
	CHECK_EQ(in(0x20), 0x02);
	out(0x20, 0x48); /* reset special mask mode */
	out(0x20, 0x20);
	CHECK_EQ(in(0x20), 0x00);
}

static void test_edge_level_spurious(void)
{
	setup();
	/* Edge: a short pulse is latched. */
	irq(5, 1);
	irq(5, 0);
	CHECK_EQ(intr_level, 1);
	CHECK_EQ(pic_ack(&pic), 0x0D);
	out(0x20, 0x20);
	/* A line held high gives one request only. */
	irq(5, 1);
	CHECK_EQ(pic_ack(&pic), 0x0D);
	out(0x20, 0x20);
	CHECK_EQ(intr_level, 0);
	irq(5, 1);
	CHECK_EQ(intr_level, 0);
	irq(5, 0);

	/* ELCR: reserved bits read 0. */
	io_write(bus, 0x4D0, 0xFF, 1);
	CHECK_EQ(io_read(bus, 0x4D0, 1), 0xF8);
	io_write(bus, 0x4D1, 0xFF, 1);
	CHECK_EQ(io_read(bus, 0x4D1, 1), 0xDE);
	CHECK_EQ(io_read(bus, 0x4D0, 2), 0xDEF8);
	io_write(bus, 0x4D1, 0x00, 1);
	io_write(bus, 0x4D0, 0x20, 1); /* IRQ5 level */

	/* Level: requests while high, again after EOI if still high. */
	irq(5, 1);
	CHECK_EQ(pic_ack(&pic), 0x0D);
	out(0x20, 0x20);
	CHECK_EQ(intr_level, 1);
	CHECK_EQ(pic_ack(&pic), 0x0D);
	irq(5, 0);
	out(0x20, 0x20);
	CHECK_EQ(intr_level, 0);
	/* The line falls before INTA: the request vanishes and INTA gets IRQ7's vector
	 * without an ISR bit. */
	irq(5, 1);
	CHECK_EQ(intr_level, 1);
	irq(5, 0);
	CHECK_EQ(intr_level, 0);
	CHECK_EQ(pic_ack(&pic), 0x0F);
	out(0x20, 0x0B);
	CHECK_EQ(in(0x20), 0x00);
	/* IRQ0-2 cannot be made level. */
	io_write(bus, 0x4D0, 0x01, 1);
	irq(0, 1);
	irq(0, 0);
	CHECK_EQ(pic_ack(&pic), 0x08);
	out(0x20, 0x20);
	/* Level on the slave (IRQ11). */
	io_write(bus, 0x4D1, 0x08, 1);
	irq(11, 1);
	CHECK_EQ(pic_ack(&pic), 0x73);
	out(0xA0, 0x20);
	out(0x20, 0x20);
	CHECK_EQ(pic_ack(&pic), 0x73);
	irq(11, 0);
	out(0xA0, 0x20);
	out(0x20, 0x20);
	CHECK_EQ(intr_level, 0);
	/* An edge input latched while masked is delivered on unmask. */
	io_write(bus, 0x4D1, 0x00, 1);
	out(0xA1, 0x08);
	irq(11, 1);
	irq(11, 0);
	CHECK_EQ(intr_level, 0);
	out(0xA1, 0x00);
	CHECK_EQ(pic_ack(&pic), 0x73);
}

static void test_reset(void)
{
	setup();
	irq(3, 1);
	CHECK_EQ(intr_level, 1);
	pic_reset(&pic);
	CHECK_EQ(intr_level, 0);
	CHECK_EQ(in(0x21), 0xFF);
	CHECK_EQ(io_read(bus, 0x4D0, 1), 0x00);
	/* Re-initialised, a line still high needs a new edge. */
	init_pair(0x01, 0x01);
	CHECK_EQ(intr_level, 0);
	/* Garbage in any order never crashes and gives chip behaviour. */
	for (int i = 0; i < 4096; i++) {
		u16 ports[] = {0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1};
		u16 port = ports[(i * 7) % 6];
		if (i & 1)
			out(port, (u8)(i * 37));
		else
			(void)in(port);
		irq((i * 5) % 17, i & 2);
		if (pic_intr(&pic)) {
			int v = pic_ack(&pic);
			CHECK(v >= 0 && v <= 0xFF, "vector %d", v);
		}
	}
}

int main(void)
{
	bus = malloc(sizeof(*bus));
	io_init(bus);
	io_map(bus, 0x20, 2, &pic_io_ops, &pic);
	io_map(bus, 0xA0, 2, &pic_io_ops, &pic);
	io_map(bus, 0x4D0, 2, &pic_elcr_io_ops, &pic);
	test_init_and_mask();
	test_priority_and_eoi();
	test_rotation();
	test_aeoi();
	test_cascade();
	test_sfnm();
	test_poll();
	test_special_mask();
	test_edge_level_spurious();
	test_reset();
	free(bus);
	return test_summary();
}
