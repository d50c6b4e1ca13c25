/* uart_test.c: the 16550A through its ports on the virtual clock: reset values, the
 * divisor latch and character times (115200 and 9600 baud, 8N1, 7E1, 8N2, 5N1.5),
 * transmit timing to the host with and without FIFOs, THRE/TEMT, loopback (data and
 * modem lines), RDA with every FIFO trigger level, the character timeout interrupt, the
 * THRE interrupt and how it is cleared, overrun and the line status interrupt, modem
 * status deltas, interrupt priority, OUT2 gating of the IRQ, FIFO resets. */
#include <stdlib.h>
#include <string.h>

#include "bus/clock.h"
#include "bus/iobus.h"
#include "dev/uart.h"
#include "../test.h"

#define B 0x3F8
enum { RBR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

static IoBus *bus;
static Clock clk;
static Uart uart;
static u8 sent[256];
static u64 sent_at[256];
static int nsent;
static int irq_level;

static void on_tx(void *ctx, u8 b)
{
	if (nsent < 256) {
		sent[nsent] = b;
		sent_at[nsent] = clock_now(&clk);
	}
	nsent++;
}

static void on_irq(void *ctx, int n, int level) { irq_level = level; }

static void out(int reg, u8 v) { io_write(bus, (u16)(B + reg), v, 1); }
static u8 in(int reg) { return (u8)io_read(bus, (u16)(B + reg), 1); }

static void run_to(u64 t)
{
	clock_run_to(&clk, t);
}

static void setup(u16 divisor, u8 lcr)
{
	clock_init(&clk, 1000);
	uart_init(&uart, &clk, on_tx, NULL);
	irq_connect(&uart.irq, on_irq, NULL, 0);
	nsent = 0;
	irq_level = 0;
	out(LCR, 0x80);
	out(0, (u8)divisor);
	out(1, (u8)(divisor >> 8));
	out(LCR, lcr);
}

static void test_reset_and_divisor(void)
{
	setup(12, 0x00);
	uart_reset(&uart);
	CHECK_EQ(in(IER), 0x00);
	CHECK_EQ(in(IIR), 0x01);
	CHECK_EQ(in(LCR), 0x00);
	CHECK_EQ(in(MCR), 0x00);
	CHECK_EQ(in(LSR), 0x60);
	CHECK_EQ(in(MSR), 0xB0);
	out(SCR, 0x5A);
	CHECK_EQ(in(SCR), 0x5A);
	out(MCR, 0xFF);
	CHECK_EQ(in(MCR), 0x1F);
	out(MCR, 0);
	out(IER, 0xFF);
	CHECK_EQ(in(IER), 0x0F);
	out(IER, 0);
	/* The divisor latch behind DLAB. */
	out(LCR, 0x83);
	out(0, 0x01);
	out(1, 0x00);
	CHECK_EQ(in(0), 0x01);
	CHECK_EQ(in(1), 0x00);
	out(LCR, 0x03);
	CHECK_EQ(in(LCR), 0x03);
	CHECK_EQ(uart_char_ns(&uart), 86805); /* 10 bits at 115200 */
	out(LCR, 0x1A);                        /* 7E1: 10 bits */
	CHECK_EQ(uart_char_ns(&uart), 86805);
	out(LCR, 0x07); /* 8N2: 11 bits */
	CHECK_EQ(uart_char_ns(&uart), 95486);
	out(LCR, 0x04); /* 5 bits, 1.5 stop: 7.5 bits */
	CHECK_EQ(uart_char_ns(&uart), 65104);
	out(LCR, 0x83);
	out(0, 12);
	out(LCR, 0x03);
	CHECK_EQ(uart_char_ns(&uart), 1041666); /* 9600 baud */
}

static void test_transmit_timing(void)
{
	setup(1, 0x03);
	/* Without FIFOs: THR moves to the shift register at once (THRE=1, TEMT=0); the host
	 * sees the byte when its stop bit ends. */
	out(RBR, 'A');
	CHECK_EQ(in(LSR), 0x20);
	run_to(86804);
	CHECK_EQ(nsent, 0);
	run_to(86805);
	CHECK_EQ(nsent, 1);
	CHECK_EQ(sent[0], 'A');
	CHECK_EQ(in(LSR), 0x60);
	/* THR full while the TSR is busy: THRE clear until the TSR takes it. */
	out(RBR, 'B');
	out(RBR, 'C');
	CHECK_EQ(in(LSR), 0x00);
	run_to(86805 * 2);
	CHECK_EQ(in(LSR), 0x20);
	run_to(86805 * 3);
	CHECK_EQ(nsent, 3);
	CHECK_EQ(sent[2], 'C');
	CHECK_EQ(sent_at[2], 86805 * 3);

	/* With FIFOs: 16 bytes go out back to back, one per character time. */
	out(FCR, 0x07);
	u64 t0 = clock_now(&clk);
	nsent = 0;
	for (int i = 0; i < 16; i++)
		out(RBR, (u8)('a' + i));
	CHECK_EQ(in(LSR) & 0x60, 0x00);
	out(RBR, 'X'); /* 1 shifting + 15 queued: 'X' is the 16th in the FIFO */
	out(RBR, 'Y'); /* FIFO full: lost */
	run_to(t0 + 16 * 86805);
	CHECK_EQ(nsent, 16);
	for (int i = 0; i < 16; i++) {
		CHECK_EQ(sent[i], 'a' + i);
		CHECK_EQ(sent_at[i], t0 + (u64)(i + 1) * 86805);
	}
	run_to(t0 + 20 * 86805);
	CHECK_EQ(nsent, 17);
	CHECK_EQ(sent[16], 'X');
	/* 7 data bits: the top bit is not sent. */
	out(LCR, 0x02);
	nsent = 0;
	out(RBR, 0xFF);
	run_to(clock_now(&clk) + 10 * 86805);
	CHECK_EQ(sent[0], 0x7F);
	/* 9600 baud: about a millisecond per character. */
	setup(12, 0x03);
	out(RBR, '1');
	run_to(1041665);
	CHECK_EQ(nsent, 0);
	run_to(1041666);
	CHECK_EQ(nsent, 1);
}

static void test_loopback(void)
{
	setup(1, 0x03);
	out(MCR, 0x10);
	CHECK_EQ(in(MSR), 0x0B); /* CTS, DSR, DCD dropped: deltas */
	CHECK_EQ(in(MSR), 0x00);
	out(MCR, 0x1F); /* DTR RTS OUT1 OUT2 looped to DSR CTS RI DCD */
	CHECK_EQ(in(MSR), 0xFB);
	out(MCR, 0x1B); /* OUT1 off: RI trailing edge -> TERI */
	CHECK_EQ(in(MSR) & 0x0F, 0x04);
	CHECK_EQ(uart_rx_room(&uart), 0); /* the line input is disconnected */
	u8 x = 1;
	CHECK_EQ(uart_receive(&uart, &x, 1), 0);
	out(RBR, 0x55);
	run_to(86805);
	CHECK_EQ(nsent, 0);
	CHECK_EQ(in(LSR), 0x61);
	CHECK_EQ(in(RBR), 0x55);
	CHECK_EQ(in(LSR), 0x60);
	/* Without FIFOs a second character before RBR is read overruns. */
	out(RBR, 1);
	run_to(2 * 86805);
	out(RBR, 2);
	run_to(3 * 86805);
	CHECK_EQ(in(LSR), 0x63);
	CHECK_EQ(in(LSR), 0x61); /* OE clears on read */
	CHECK_EQ(in(RBR), 2);
	/* Loopback keeps the IRQ off even with OUT2 and an interrupt pending. */
	out(IER, 0x02);
	CHECK_EQ(in(IIR), 0x02);
	CHECK_EQ(irq_level, 0);
	out(MCR, 0x08);
	out(IER, 0x00);
	out(IER, 0x02);
	CHECK_EQ(irq_level, 1);
}

static void test_rx_interrupts(void)
{
	setup(1, 0x03);
	out(MCR, 0x08); /* OUT2: IRQ to the bus */
	out(IER, 0x01);
	CHECK_EQ(uart_rx_room(&uart), 1);
	u8 data[20];
	for (int i = 0; i < 20; i++)
		data[i] = (u8)(0x30 + i);
	CHECK_EQ(uart_receive(&uart, data, 3), 1);
	CHECK_EQ(in(IIR), 0x04);
	CHECK_EQ(irq_level, 1);
	CHECK_EQ(in(RBR), 0x30);
	CHECK_EQ(in(IIR), 0x01);
	CHECK_EQ(irq_level, 0);
	/* OUT2 off: the chip still reports, the IRQ line stays low. */
	out(MCR, 0x00);
	CHECK_EQ(uart_receive(&uart, data, 1), 1);
	CHECK_EQ(in(IIR), 0x04);
	CHECK_EQ(irq_level, 0);
	(void)in(RBR);
	out(MCR, 0x08);

	/* Trigger levels 1, 4, 8, 14. */
	static const int levels[4] = {1, 4, 8, 14};
	for (int l = 0; l < 4; l++) {
		out(FCR, (u8)(0x07 | l << 6));
		CHECK_EQ(uart_rx_room(&uart), 16);
		if (levels[l] > 1) {
			CHECK_EQ(uart_receive(&uart, data, levels[l] - 1), levels[l] - 1);
			CHECK_EQ(in(IIR), 0xC1);
			CHECK_EQ(irq_level, 0);
		}
		uart_receive(&uart, data + levels[l] - 1, 1);
		CHECK_EQ(in(IIR), 0xC4);
		CHECK_EQ(irq_level, 1);
		(void)in(RBR); /* below the trigger again */
		CHECK_EQ(in(IIR), 0xC1);
	}

	/* Character timeout: fewer bytes than the trigger, nothing for 4 character times. */
	out(FCR, 0xC7); /* trigger 14, FIFOs emptied */
	u64 t0 = clock_now(&clk);
	CHECK_EQ(uart_receive(&uart, data, 20), 16);
	CHECK_EQ(uart_rx_room(&uart), 0);
	CHECK_EQ(in(IIR), 0xC4);
	for (int i = 0; i < 3; i++)
		(void)in(RBR);
	CHECK_EQ(in(IIR), 0xC1); /* 13 left */
	u64 ct = uart_char_ns(&uart);
	run_to(t0 + 4 * ct - 1);
	CHECK_EQ(in(IIR), 0xC1);
	run_to(t0 + 4 * ct);
	CHECK_EQ(in(IIR), 0xCC);
	CHECK_EQ(irq_level, 1);
	CHECK_EQ(in(RBR), 0x33); /* the read clears the timeout and restarts it */
	CHECK_EQ(in(IIR), 0xC1);
	CHECK_EQ(irq_level, 0);
	u64 t1 = clock_now(&clk);
	run_to(t1 + 4 * ct);
	CHECK_EQ(in(IIR), 0xCC);
	for (int i = 0; i < 12; i++)
		(void)in(RBR);
	CHECK_EQ(in(LSR) & 0x01, 0x00);
	CHECK_EQ(in(IIR), 0xC1);
	run_to(t1 + 20 * ct);
	CHECK_EQ(in(IIR), 0xC1); /* no timeout with the FIFO empty */

	/* Switching the FIFOs off empties them. */
	uart_receive(&uart, data, 5);
	out(FCR, 0x00);
	CHECK_EQ(in(LSR) & 0x01, 0x00);
	CHECK_EQ(in(IIR), 0x01);
	uart_receive(&uart, data, 5);
	out(FCR, 0x01);
	CHECK_EQ(in(LSR) & 0x01, 0x00);
	uart_receive(&uart, data, 5);
	out(FCR, 0x03); /* RX FIFO reset */
	CHECK_EQ(in(LSR) & 0x01, 0x00);
}

static void test_thre_and_priority(void)
{
	setup(1, 0x03);
	out(MCR, 0x08);
	/* Enabling ETBEI with THR empty interrupts at once; reading IIR clears it. */
	out(IER, 0x02);
	CHECK_EQ(irq_level, 1);
	CHECK_EQ(in(IIR), 0x02);
	CHECK_EQ(irq_level, 0);
	CHECK_EQ(in(IIR), 0x01);
	/* Writing THR clears it; the byte moving to the shift register sets it again. */
	out(RBR, 'x');
	CHECK_EQ(in(IIR), 0x02);
	out(RBR, 'y');
	CHECK_EQ(in(IIR), 0x01); /* THR holds 'y' */
	run_to(86805);
	CHECK_EQ(in(IIR), 0x02);
	run_to(2 * 86805);
	/* FIFO mode: THRE interrupts when the FIFO empties. */
	out(FCR, 0x07);
	out(RBR, '1');
	out(RBR, '2');
	out(RBR, '3');
	CHECK_EQ(in(IIR), 0xC1);
	u64 t0 = clock_now(&clk);
	run_to(t0 + 86805);
	CHECK_EQ(in(IIR), 0xC1);
	run_to(t0 + 2 * 86805);
	CHECK_EQ(in(IIR), 0xC2);
	/* Re-enabling ETBEI re-raises it (what Linux relies on to restart output). */
	out(IER, 0x00);
	out(IER, 0x02);
	CHECK_EQ(in(IIR), 0xC2);
	run_to(t0 + 4 * 86805);

	/* Priority: line status > received data > THRE > modem status. */
	out(FCR, 0x00);
	out(IER, 0x0F);
	out(MCR, 0x18); /* loopback to make an overrun */
	out(RBR, 1);
	run_to(t0 + 5 * 86805);
	out(RBR, 2);
	run_to(t0 + 6 * 86805);
	out(MCR, 0x08);
	(void)in(MSR);
	uart_set_modem_inputs(&uart, UART_MSR_DSR | UART_MSR_DCD); /* CTS drops */
	out(IER, 0x0D);
	out(IER, 0x0F); /* THRE pending too */
	CHECK_EQ(in(IIR), 0x06);
	CHECK_EQ(irq_level, 1);
	CHECK_EQ(in(LSR) & 0x02, 0x02);
	CHECK_EQ(in(IIR), 0x04);
	(void)in(RBR);
	CHECK_EQ(in(IIR), 0x02);
	CHECK_EQ(in(IIR), 0x00);
	CHECK_EQ(in(MSR), 0xA1); /* DCTS, DSR, DCD */
	CHECK_EQ(in(IIR), 0x01);
	CHECK_EQ(irq_level, 0);
	/* RI trailing edge. */
	uart_set_modem_inputs(&uart, UART_MSR_RI | UART_MSR_DSR | UART_MSR_DCD);
	CHECK_EQ(in(MSR), 0x40 | 0xA0);
	uart_set_modem_inputs(&uart, UART_MSR_DSR | UART_MSR_DCD);
	CHECK_EQ(in(MSR), 0xA4);

	/* Overrun with FIFOs: the 17th character is lost, the FIFO kept. */
	setup(1, 0x03);
	out(FCR, 0x01);
	out(MCR, 0x10);
	for (int i = 0; i < 17; i++) {
		out(RBR, (u8)i);
		run_to((u64)(i + 1) * 86805);
	}
	CHECK_EQ(in(LSR) & 0x03, 0x03);
	for (int i = 0; i < 16; i++)
		CHECK_EQ(in(RBR), i);
	CHECK_EQ(in(LSR) & 0x03, 0x00);

	/* Any traffic in any order: chip behaviour, no crash. */
	u32 x = 7;
	for (int i = 0; i < 30000; i++) {
		x = x * 1103515245 + 12345;
		int reg = (x >> 8) & 7;
		if (x & 0x40000)
			out(reg, (u8)(x >> 24));
		else
			(void)in(reg);
		if ((x & 0x3000) == 0) {
			u8 d[8] = {1, 2, 3, 4, 5, 6, 7, 8};
			uart_receive(&uart, d, (int)((x >> 4) & 7));
		}
		run_to(clock_now(&clk) + (x >> 16) % 50000);
	}
	CHECK(1, "survived");
}

int main(void)
{
	bus = malloc(sizeof(*bus));
	io_init(bus);
	io_map(bus, B, 8, &uart_io_ops, &uart);
	test_reset_and_divisor();
	test_transmit_timing();
	test_loopback();
	test_rx_interrupts();
	test_thre_and_priority();
	free(bus);
	return test_summary();
}
