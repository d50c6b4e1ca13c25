/* uart.h: the National Semiconductor 16550A UART (a PC serial port).
 *
 * Ports (byte access), 8 from the base: io_map(io, 0x3F8, 8, &uart_io_ops, com1) for COM1
 * (IRQ4), 0x2F8 for COM2 (IRQ3). Output: `irq`, the chip's INTRPT gated by MCR OUT2 as on
 * the PC's serial card (and off in loopback mode, where OUT2's pin is forced inactive).
 * Host side: `tx` receives every byte the guest transmits, when its last stop bit has
 * gone out (the character takes its real time on the virtual clock); uart_receive()
 * puts host bytes into the receiver. Modem inputs (CTS, DSR, RI, DCD) default to a
 * connected null-modem (CTS, DSR and DCD asserted). */
#ifndef VMCP_DEV_UART_H
#define VMCP_DEV_UART_H

#include "base/base.h"
#include "bus/clock.h"
#include "bus/iobus.h"
#include "bus/irq.h"

#define UART_FIFO 16
#define UART_CLOCK_HZ 1843200u /* the PC's crystal: divisor 1 = 115200 baud */

/* Modem status input bits, as in MSR bits 4-7. */
#define UART_MSR_CTS 0x10
#define UART_MSR_DSR 0x20
#define UART_MSR_RI 0x40
#define UART_MSR_DCD 0x80

typedef void (*UartTxFn)(void *ctx, u8 byte);

typedef struct Uart {
	Clock *clk;
	u8 rx[UART_FIFO]; /* receiver FIFO (one byte used when FIFOs are off) */
	int rx_head, rx_count;
	u8 tx_buf[UART_FIFO]; /* transmitter FIFO or holding register */
	int tx_head, tx_count;
	u8 tsr;               /* transmitter shift register */
	bool tsr_busy;
	u64 tsr_done;         /* virtual ns when the character in the TSR is sent */
	u8 rbr_last;          /* what RBR reads when empty */
	u8 ier, fcr, lcr, mcr, msr, scr, dll, dlm;
	u8 lsr_err;           /* OE, PE, FE, BI (LSR bits 1-4), cleared by reading LSR */
	u8 msr_in;            /* host-side modem inputs (MSR bits 4-7) */
	bool thre_pending;    /* the THRE interrupt is latched */
	bool timeout_pending; /* the character timeout interrupt is latched */
	u64 rx_last;          /* last receive or RBR read (character timeout reference) */
	Timer tx_timer, rx_timer;
	IrqLine irq;
	bool irq_level;
	UartTxFn tx;
	void *tx_ctx;
	bool fast_tx;         /* uart_set_fast_tx */
} Uart;

/* Sets up a UART on clk in its reset state; tx (may be NULL) gets transmitted bytes. */
void uart_init(Uart *u, Clock *clk, UartTxFn tx, void *tx_ctx);

/* With on, a transmitted character takes no line time: it reaches the host (or the
 * receiver in loopback) at the next timer run, and THR/TSR empty at once, as on a
 * virtual serial line with no baud rate (QEMU's 16550A). Receive timing (the FIFO's
 * character timeout) keeps the programmed rate. Off after uart_init. */
void uart_set_fast_tx(Uart *u, bool on);

/* Master reset: IER, LCR, MCR, FCR cleared, FIFOs and shift registers emptied, LSR
 * 0x60, no interrupt; divisor latch 12 (9600 baud), scratch register kept. */
void uart_reset(Uart *u);

/* Puts up to n host bytes into the receiver as if they had just arrived on the line;
 * returns how many fit (the room in the RX FIFO, or 1 byte without FIFOs; 0 in
 * loopback mode, where the line input is disconnected). */
int uart_receive(Uart *u, const u8 *buf, int n);

/* Bytes uart_receive would take now. */
int uart_rx_room(const Uart *u);

/* Sets the host-side modem inputs (UART_MSR_* bits); changes set MSR's delta bits. */
void uart_set_modem_inputs(Uart *u, u8 bits);

/* Virtual ns one character takes with the current divisor and line control. */
u64 uart_char_ns(const Uart *u);

extern const IoOps uart_io_ops; /* base..base+7 */

#endif
