/* core_board_test.c: the core chips wired as the PC-AT board wires them (PIT OUT0 ->
 * IRQ0, 8042 -> IRQ1/IRQ12, COM1 -> IRQ4, RTC -> IRQ8 through the slave PIC), with the
 * test playing the CPU: it takes INTR through pic_ack() and runs a handler that does
 * what a BIOS's does (read the device, EOI). Checks the interrupt rates over virtual
 * time (18.2 Hz timer, 1024 Hz RTC) and the vectors of keyboard and serial input. */
#include <stdlib.h>

#include "bus/clock.h"
#include "bus/iobus.h"
#include "dev/kbc.h"
#include "dev/pic.h"
#include "dev/pit.h"
#include "dev/rtc.h"
#include "dev/uart.h"
#include "../test.h"

static IoBus *bus;
static Clock clk;
static Pic pic;
static Pit pit;
static Rtc rtc;
static Uart com1;
static Kbc kbc;
static bool intr;
static int count[256];
static u8 last_key, last_serial;

static void on_intr(void *ctx, int n, int level) { intr = level; }
static void out(u16 port, u8 v) { io_write(bus, port, v, 1); }
static u8 in(u16 port) { return (u8)io_read(bus, port, 1); }

/* The CPU with IF=1: take every pending interrupt and run its handler. */
static void take_interrupts(void)
{
	for (int guard = 0; intr && guard < 100; guard++) {
		int v = pic_ack(&pic);
		count[v]++;
		switch (v) {
		case 0x08: /* timer */
			out(0x20, 0x20);
			break;
		case 0x09: /* keyboard */
			last_key = in(0x60);
			out(0x20, 0x20);
			break;
		case 0x0C: /* COM1: read IIR until no interrupt */
			while (!(in(0x3FA) & 1))
				last_serial = in(0x3F8);
			out(0x20, 0x20);
			break;
		case 0x70: /* RTC: reading register C re-arms IRQ8 */
			out(0x70, 0x0C);
			(void)in(0x71);
			out(0xA0, 0x20);
			out(0x20, 0x20);
			break;
		default: /* spurious: no EOI */
			break;
		}
	}
}

/* Runs virtual time to t, servicing interrupts as they come. */
static void run_to(u64 t)
{
	for (;;) {
		take_interrupts();
		u64 d = clock_next_deadline(&clk);
		if (d > t)
			break;
		clock_advance_to(&clk, d);
		clock_run_timers(&clk);
	}
	clock_advance_to(&clk, t);
	clock_run_timers(&clk);
	take_interrupts();
}

int main(void)
{
	bus = malloc(sizeof(*bus));
	io_init(bus);
	clock_init(&clk, 1000);
	pic_init(&pic);
	pit_init(&pit, &clk);
	rtc_init(&rtc, &clk, 0);
	uart_init(&com1, &clk, NULL, NULL);
	kbc_init(&kbc);
	irq_connect(&pic.intr, on_intr, NULL, 0);
	irq_connect(&pit.irq0, pic_set_irq, &pic, 0);
	irq_connect(&kbc.irq1, pic_set_irq, &pic, 1);
	irq_connect(&com1.irq, pic_set_irq, &pic, 4);
	irq_connect(&rtc.irq, pic_set_irq, &pic, 8);
	irq_connect(&kbc.irq12, pic_set_irq, &pic, 12);
	CHECK_EQ(io_map(bus, 0x20, 2, &pic_io_ops, &pic), 0);
	CHECK_EQ(io_map(bus, 0xA0, 2, &pic_io_ops, &pic), 0);
	CHECK_EQ(io_map(bus, 0x4D0, 2, &pic_elcr_io_ops, &pic), 0);
	CHECK_EQ(io_map(bus, 0x40, 4, &pit_io_ops, &pit), 0);
	CHECK_EQ(io_map(bus, 0x61, 1, &pit_port61_io_ops, &pit), 0);
	CHECK_EQ(io_map(bus, 0x70, 2, &rtc_io_ops, &rtc), 0);
	CHECK_EQ(io_map(bus, 0x3F8, 8, &uart_io_ops, &com1), 0);
	CHECK_EQ(io_map(bus, 0x60, 1, &kbc_io_ops, &kbc), 0);
	CHECK_EQ(io_map(bus, 0x64, 1, &kbc_io_ops, &kbc), 0);
	pic_reset(&pic);
	pit_reset(&pit);
	rtc_reset(&rtc);
	uart_reset(&com1);
	kbc_reset(&kbc);

	/* What a BIOS does: PICs at 08h/70h, the PIT at 18.2 Hz, the RTC's 1024 Hz
	 * periodic interrupt, COM1 receive interrupts, the keyboard interrupt. */
	out(0x20, 0x11); out(0x21, 0x08); out(0x21, 0x04); out(0x21, 0x01);
	out(0xA0, 0x11); out(0xA1, 0x70); out(0xA1, 0x02); out(0xA1, 0x01);
	out(0x21, 0xE8); /* IRQ0, 1, 2, 4 unmasked */
	out(0xA1, 0xFE); /* IRQ8 */
	out(0x43, 0x36); out(0x40, 0x00); out(0x40, 0x00);
	out(0x70, 0x0B); out(0x71, 0x42);
	out(0x3FB, 0x80); out(0x3F8, 0x01); out(0x3F9, 0x00); out(0x3FB, 0x03);
	out(0x3F9, 0x01); out(0x3FC, 0x08);

	run_to(NS_PER_SEC);
	CHECK_EQ(count[0x08], 19); /* the control word's rising edge, then every 54.925 ms */
	CHECK_EQ(count[0x70], 1024);
	CHECK_EQ(count[0x0F] + count[0x77], 0); /* no spurious interrupts */

	kbc_tap(&kbc, KBC_KEY_Q);
	run_to(NS_PER_SEC + 1000);
	CHECK_EQ(count[0x09], 2);
	CHECK_EQ(last_key, 0x90); /* 'q' released, set 1 */
	u8 s = 'Z';
	CHECK_EQ(uart_receive(&com1, &s, 1), 1);
	run_to(NS_PER_SEC + 2000);
	CHECK_EQ(count[0x0C], 1);
	CHECK_EQ(last_serial, 'Z');

	run_to(10 * NS_PER_SEC);
	CHECK_EQ(count[0x08], 183);
	CHECK_EQ(count[0x70], 10240);
	free(bus);
	return test_summary();
}
