/* uart.c: the 16550A UART: RBR/THR, IER, IIR/FCR with 16-byte FIFOs, LCR, MCR, LSR, MSR,
 * SCR and the divisor latch, with interrupt priorities and real character timing.
 *
 * Reference: National Semiconductor PC16550D datasheet (register bits, interrupt
 * priorities RLS > RDA/character timeout > THRE > modem status and how each is cleared,
 * FIFO trigger levels 1/4/8/14, the character timeout after 4 character times, loopback
 * (outputs looped to the modem inputs, TX to RX, output pins inactive), master reset
 * values); the IBM PC's serial card for OUT2 gating the interrupt onto the ISA IRQ.
 *
 * Timing: a character occupies the transmitter for its real frame time (start bit, 5-8
 * data bits, parity, 1/1.5/2 stop bits at divisor/115200 s a bit) on the virtual clock;
 * the byte reaches the host (or, in loopback, the receiver) when its stop bit ends.
 * Received host bytes arrive at once (as a burst on the line would).
 * Not modelled: parity/framing errors and break (nothing on the host side produces
 * them; LSR bits 2-4 and 7 stay 0), the DMA mode pins (FCR bit 3 is stored), the
 * 16550A's delayed THRE interrupt for single bytes in FIFO mode. */
#include "dev/uart.h"

#include "base/err.h"

#define IER_RDA 0x01
#define IER_THRE 0x02
#define IER_RLS 0x04
#define IER_MS 0x08
#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define FCR_ENABLE 0x01

static bool fifo_on(const Uart *u)
{
	return u->fcr & FCR_ENABLE;
}

static int rx_trigger(const Uart *u)
{
	static const u8 levels[4] = {1, 4, 8, 14};
	return fifo_on(u) ? levels[u->fcr >> 6] : 1;
}

static int capacity(const Uart *u)
{
	return fifo_on(u) ? UART_FIFO : 1;
}

u64 uart_char_ns(const Uart *u)
{
	u32 div = u->dll | (u32)u->dlm << 8;
	if (div == 0)
		div = 65536;
	int wl = 5 + (u->lcr & 3);
	int parity = (u->lcr & 0x08) ? 1 : 0;
	int stop_halves = (u->lcr & 0x04) ? (wl == 5 ? 3 : 4) : 2;
	u64 half_bits = (u64)(2 * (1 + wl + parity) + stop_halves);
	/* One bit is 16 clocks of the baud generator, which divides 1.8432 MHz by div. */
	return half_bits * div * 16 * NS_PER_SEC / (2ull * UART_CLOCK_HZ);
}

static u8 lsr_value(const Uart *u)
{
	u8 v = u->lsr_err;
	if (u->rx_count)
		v |= LSR_DR;
	if (u->tx_count == 0) {
		v |= LSR_THRE;
		if (!u->tsr_busy)
			v |= LSR_TEMT;
	}
	return v;
}

/* IIR: the highest-priority pending interrupt (bit 0 clear) and the FIFO bits. */
static u8 iir_value(const Uart *u)
{
	u8 id = 0x01;
	if ((u->ier & IER_RLS) && (u->lsr_err & 0x1E))
		id = 0x06;
	else if ((u->ier & IER_RDA) && u->rx_count >= rx_trigger(u))
		id = 0x04;
	else if ((u->ier & IER_RDA) && u->timeout_pending)
		id = 0x0C;
	else if ((u->ier & IER_THRE) && u->thre_pending)
		id = 0x02;
	else if ((u->ier & IER_MS) && (u->msr & 0x0F))
		id = 0x00;
	return (u8)(id | (fifo_on(u) ? 0xC0 : 0));
}

static void update_irq(Uart *u)
{
	/* On the PC the INTRPT output reaches the bus only through the OUT2 gate; in
	 * loopback the OUT2 pin is forced inactive. */
	bool level = !(iir_value(u) & 1) && (u->mcr & MCR_OUT2) && !(u->mcr & MCR_LOOP);
	if (level != u->irq_level) {
		u->irq_level = level;
		irq_set(&u->irq, level);
	}
}

static void arm_timeout(Uart *u)
{
	if (fifo_on(u) && u->rx_count)
		timer_arm(&u->rx_timer, u->rx_last + 4 * uart_char_ns(u));
	else
		timer_cancel(&u->rx_timer);
}

/* A character completes in the receiver at time t. */
static void rx_char(Uart *u, u8 b, u64 t)
{
	if (u->rx_count < capacity(u)) {
		u->rx[(u->rx_head + u->rx_count) % UART_FIFO] = b;
		u->rx_count++;
	} else {
		/* Overrun: with FIFOs the new character is lost; without, it overwrites RBR. */
		if (!fifo_on(u))
			u->rx[u->rx_head] = b;
		u->lsr_err |= LSR_OE;
	}
	u->rx_last = t;
	arm_timeout(u);
}

/* Moves the next byte from THR/the TX FIFO into the idle shift register at time t. */
static void tx_start(Uart *u, u64 t)
{
	u->tsr = u->tx_buf[u->tx_head];
	u->tx_head = (u->tx_head + 1) % UART_FIFO;
	u->tx_count--;
	u->tsr_busy = true;
	u->tsr_done = t + (u->fast_tx ? 0 : uart_char_ns(u));
	timer_arm(&u->tx_timer, u->tsr_done);
	if (u->tx_count == 0)
		u->thre_pending = true; /* THR (or the FIFO) just became empty */
}

static void tx_timer_fn(void *ctx, u64 now)
{
	Uart *u = ctx;
	while (u->tsr_busy && u->tsr_done <= now) {
		u8 b = u->tsr & (u8)((1u << (5 + (u->lcr & 3))) - 1);
		u64 t = u->tsr_done;
		u->tsr_busy = false;
		if (u->tx_count)
			tx_start(u, t);
		if (u->mcr & MCR_LOOP)
			rx_char(u, b, t);
		else if (u->tx)
			u->tx(u->tx_ctx, b);
	}
	update_irq(u);
}

static void rx_timer_fn(void *ctx, u64 now)
{
	Uart *u = ctx;
	if (fifo_on(u) && u->rx_count) {
		if (now >= u->rx_last + 4 * uart_char_ns(u))
			u->timeout_pending = true;
		else
			arm_timeout(u);
	}
	update_irq(u);
}

/* Recomputes MSR's input bits (from the host, or from MCR in loopback) and sets the
 * delta bits: DCTS, DDSR, DDCD on any change, TERI when RI goes inactive. */
static void update_msr(Uart *u)
{
	u8 in;
	if (u->mcr & MCR_LOOP)
		in = (u8)(((u->mcr & MCR_RTS) ? UART_MSR_CTS : 0) | ((u->mcr & MCR_DTR) ? UART_MSR_DSR : 0) |
		          ((u->mcr & MCR_OUT1) ? UART_MSR_RI : 0) | ((u->mcr & MCR_OUT2) ? UART_MSR_DCD : 0));
	else
		in = u->msr_in & 0xF0;
	u8 old = u->msr & 0xF0, delta = u->msr & 0x0F, changed = old ^ in;
	if (changed & UART_MSR_CTS)
		delta |= 0x01;
	if (changed & UART_MSR_DSR)
		delta |= 0x02;
	if ((old & UART_MSR_RI) && !(in & UART_MSR_RI))
		delta |= 0x04;
	if (changed & UART_MSR_DCD)
		delta |= 0x08;
	u->msr = in | delta;
}

void uart_reset(Uart *u)
{
	u->ier = u->lcr = u->mcr = u->fcr = 0;
	u->lsr_err = 0;
	u->rx_head = u->rx_count = 0;
	u->tx_head = u->tx_count = 0;
	u->tsr_busy = false;
	u->thre_pending = u->timeout_pending = false;
	u->dll = 12;
	u->dlm = 0;
	u->msr = u->msr_in & 0xF0;
	timer_cancel(&u->tx_timer);
	timer_cancel(&u->rx_timer);
	update_irq(u);
}

void uart_init(Uart *u, Clock *clk, UartTxFn tx, void *tx_ctx)
{
	*u = (Uart){0};
	u->clk = clk;
	u->tx = tx;
	u->tx_ctx = tx_ctx;
	u->msr_in = UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
	timer_init(&u->tx_timer, clk, tx_timer_fn, u, "uart-tx");
	timer_init(&u->rx_timer, clk, rx_timer_fn, u, "uart-rx");
	uart_reset(u);
}

void uart_set_fast_tx(Uart *u, bool on)
{
	u->fast_tx = on;
}

int uart_rx_room(const Uart *u)
{
	if (u->mcr & MCR_LOOP)
		return 0;
	return capacity(u) - u->rx_count;
}

int uart_receive(Uart *u, const u8 *buf, int n)
{
	int k = MIN(n, uart_rx_room(u));
	u64 now = clock_now(u->clk);
	for (int i = 0; i < k; i++)
		rx_char(u, buf[i], now);
	update_irq(u);
	return k < 0 ? 0 : k;
}

void uart_set_modem_inputs(Uart *u, u8 bits)
{
	u->msr_in = bits & 0xF0;
	update_msr(u);
	update_irq(u);
}

static u8 read_rbr(Uart *u)
{
	if (!u->rx_count)
		return u->rbr_last;
	u8 v = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_FIFO;
	u->rx_count--;
	u->rbr_last = v;
	if (fifo_on(u)) {
		/* A read clears a timeout indication and restarts the timeout. */
		u->rx_last = clock_now(u->clk);
		u->timeout_pending = false;
	}
	arm_timeout(u);
	return v;
}

static void write_thr(Uart *u, u8 v)
{
	if (u->tx_count < capacity(u)) {
		u->tx_buf[(u->tx_head + u->tx_count) % UART_FIFO] = v;
		u->tx_count++;
	} else if (!fifo_on(u)) {
		u->tx_buf[u->tx_head] = v; /* THR overwritten */
	}
	u->thre_pending = false;
	if (!u->tsr_busy)
		tx_start(u, clock_now(u->clk));
}

static void write_fcr(Uart *u, u8 v)
{
	bool had_tx = u->tx_count > 0;
	if ((v ^ u->fcr) & FCR_ENABLE) {
		/* Switching the FIFOs on or off empties them. */
		u->rx_head = u->rx_count = 0;
		u->tx_head = u->tx_count = 0;
		u->timeout_pending = false;
	}
	if (v & FCR_ENABLE) {
		if (v & 0x02) {
			u->rx_head = u->rx_count = 0;
			u->timeout_pending = false;
		}
		if (v & 0x04)
			u->tx_head = u->tx_count = 0;
		u->fcr = v & 0xC9;
	} else {
		u->fcr = 0; /* the other bits are only written with FCR0 set */
	}
	if (had_tx && u->tx_count == 0)
		u->thre_pending = true;
	arm_timeout(u);
}

static u32 uart_io_read(void *ctx, u16 port, int size)
{
	Uart *u = ctx;
	u8 v;
	switch (port & 7) {
	case 0:
		v = (u->lcr & 0x80) ? u->dll : read_rbr(u);
		break;
	case 1:
		v = (u->lcr & 0x80) ? u->dlm : u->ier;
		break;
	case 2:
		v = iir_value(u);
		if ((v & 0x0F) == 0x02)
			u->thre_pending = false; /* reading IIR clears a THRE interrupt it shows */
		break;
	case 3:
		v = u->lcr;
		break;
	case 4:
		v = u->mcr;
		break;
	case 5:
		v = lsr_value(u);
		u->lsr_err = 0;
		break;
	case 6:
		v = u->msr;
		u->msr &= 0xF0;
		break;
	default:
		v = u->scr;
		break;
	}
	update_irq(u);
	return v;
}

static void uart_io_write(void *ctx, u16 port, u32 val, int size)
{
	Uart *u = ctx;
	u8 v = (u8)val;
	switch (port & 7) {
	case 0:
		if (u->lcr & 0x80) {
			u->dll = v;
			arm_timeout(u);
		} else {
			write_thr(u, v);
		}
		break;
	case 1:
		if (u->lcr & 0x80) {
			u->dlm = v;
			arm_timeout(u);
		} else {
			u8 old = u->ier;
			u->ier = v & 0x0F;
			/* Enabling ETBEI with THR empty raises a THRE interrupt at once. */
			if (!(old & IER_THRE) && (u->ier & IER_THRE) && u->tx_count == 0)
				u->thre_pending = true;
		}
		break;
	case 2:
		write_fcr(u, v);
		break;
	case 3:
		u->lcr = v;
		arm_timeout(u);
		break;
	case 4:
		u->mcr = v & 0x1F;
		update_msr(u);
		break;
	case 7:
		u->scr = v;
		break;
	default: /* LSR and MSR writes are factory test functions */
		break;
	}
	update_irq(u);
}

const IoOps uart_io_ops = {uart_io_read, uart_io_write, 1, "uart"};
