/* core_ports.c: libFuzzer target for the core chips' port interfaces (PIC, ELCR, PIT,
 * port 61h, RTC, 16550A, 8042, port 92h, debug ports), wired as on the board. The input
 * is a program of 4-byte steps: kind, port selector, value, time step. Any crash,
 * sanitizer report or hang is a bug: guest port traffic must only ever produce chip
 * behaviour. */
#include <stdint.h>
#include <stdlib.h>

#include "bus/clock.h"
#include "bus/iobus.h"
#include "dev/debug.h"
#include "dev/kbc.h"
#include "dev/pic.h"
#include "dev/pit.h"
#include "dev/port92.h"
#include "dev/rtc.h"
#include "dev/uart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const u16 ports[] = {0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1, 0x40, 0x41, 0x42, 0x43,
                            0x61, 0x70, 0x71, 0x3F8, 0x3F9, 0x3FA, 0x3FB, 0x3FC, 0x3FD,
                            0x3FE, 0x3FF, 0x60, 0x64, 0x92, 0x80, 0x402};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static IoBus *bus;
	if (!bus)
		bus = malloc(sizeof(*bus));
	io_init(bus);
	Clock clk;
	Pic pic;
	Pit pit;
	Rtc rtc;
	Uart uart;
	Kbc kbc;
	Port92 p92;
	DebugPort post, con;
	clock_init(&clk, 1000);
	pic_init(&pic);
	pit_init(&pit, &clk);
	rtc_init(&rtc, &clk, 1700000000);
	uart_init(&uart, &clk, NULL, NULL);
	kbc_init(&kbc);
	port92_init(&p92);
	debug_init(&post, DEBUG_POST, NULL, NULL);
	debug_init(&con, DEBUG_CONSOLE, NULL, NULL);
	irq_connect(&pit.irq0, pic_set_irq, &pic, 0);
	irq_connect(&kbc.irq1, pic_set_irq, &pic, 1);
	irq_connect(&uart.irq, pic_set_irq, &pic, 4);
	irq_connect(&rtc.irq, pic_set_irq, &pic, 8);
	irq_connect(&kbc.irq12, pic_set_irq, &pic, 12);
	io_map(bus, 0x20, 2, &pic_io_ops, &pic);
	io_map(bus, 0xA0, 2, &pic_io_ops, &pic);
	io_map(bus, 0x4D0, 2, &pic_elcr_io_ops, &pic);
	io_map(bus, 0x40, 4, &pit_io_ops, &pit);
	io_map(bus, 0x61, 1, &pit_port61_io_ops, &pit);
	io_map(bus, 0x70, 2, &rtc_io_ops, &rtc);
	io_map(bus, 0x3F8, 8, &uart_io_ops, &uart);
	io_map(bus, 0x60, 1, &kbc_io_ops, &kbc);
	io_map(bus, 0x64, 1, &kbc_io_ops, &kbc);
	io_map(bus, 0x92, 1, &port92_io_ops, &p92);
	io_map(bus, 0x80, 1, &debug_io_ops, &post);
	io_map(bus, 0x402, 1, &debug_io_ops, &con);
	for (size_t i = 0; i + 4 <= size; i += 4) {
		u8 kind = data[i], sel = data[i + 1], val = data[i + 2], dt = data[i + 3];
		u16 port = ports[sel % ARRAY_SIZE(ports)];
		switch (kind % 8) {
		case 0: case 1: case 2:
			io_write(bus, port, val, 1);
			break;
		case 3: case 4:
			(void)io_read(bus, port, 1);
			break;
		case 5:
			kbc_key(&kbc, (KbcKey)(val % (KBC_KEY_COUNT + 1)), sel & 1);
			break;
		case 6:
			uart_receive(&uart, &val, 1);
			break;
		default:
			if (pic_intr(&pic))
				(void)pic_ack(&pic);
			break;
		}
		/* Time moves by up to ~65 ms per step, timers run on time. */
		u64 end = clock_now(&clk) + (u64)dt * dt * 1000;
		for (int guard = 0; guard < 100000; guard++) {
			u64 d = clock_next_deadline(&clk);
			if (d > end)
				break;
			clock_advance_to(&clk, d);
			clock_run_timers(&clk);
		}
		clock_advance_to(&clk, end);
		clock_run_timers(&clk);
	}
	return 0;
}
