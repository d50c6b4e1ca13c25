/* uart_fuzz.c: libFuzzer target for the two 16550A UARTs (COM1, COM2), on a whole
 * machine (machine.h): every register with and without DLAB, divisors, line control,
 * the FIFOs and their trigger levels, loopback, modem control and status, interrupts,
 * with bytes arriving from the host side and the transmitter draining on the virtual
 * clock. Checks after each input: the real disk outside the VM's VDs and the ROM
 * unchanged, no crash or sanitizer report. */
#include "machine.h"

static const u16 ports[] = {0x3F8, 0x3F9, 0x3FA, 0x3FB, 0x3FC, 0x3FD, 0x3FE, 0x3FF,
			    0x2F8, 0x2F9, 0x2FA, 0x2FB, 0x2FC, 0x2FD, 0x2FE, 0x2FF};
static const FzRegion regions[] = {{0, 0x1000}};

static void macro(Fz *fz, int op, const u8 *r)
{
	u16 base = r[1] & 1 ? 0x2F8 : 0x3F8;
	switch (op) {
	case 10: /* a line setting: divisor (with DLAB) and line control */
		fz_outb(fz, base + 3, 0x80);
		fz_outb(fz, base, r[2]);
		fz_outb(fz, base + 1, r[3]);
		fz_outb(fz, base + 3, r[4] & 0x7F);
		break;
	case 11: /* bytes from the host */
		(void)machine_serial_in(fz->m, r[1] & 1, r + 2, r[7] % 7);
		break;
	case 12: /* a burst out of the transmitter */
		for (int i = 0; i <= r[2] % 64; i++)
			fz_outb(fz, base, (u8)(r[3] + i));
		fz_time(fz, (u64)r[4] << 12);
		break;
	case 13: /* FIFO control, interrupt enables, modem control (loopback) */
		fz_outb(fz, base + 2, r[2]);
		fz_outb(fz, base + 1, r[3] & 0x0F);
		fz_outb(fz, base + 4, r[4] & 0x1F);
		break;
	case 14: /* what a driver's interrupt handler reads */
		for (int i = 0; i < 8 && !(fz_in(fz, base + 2, 1) & 1); i++) {
			(void)fz_in(fz, base + 5, 1);
			(void)fz_in(fz, base, 1);
			(void)fz_in(fz, base + 6, 1);
		}
		break;
	default:
		fz_time(fz, (u64)r[2] << (r[3] % 20));
		break;
	}
}

static const FzTarget target = {"uart_fuzz", ports, ARRAY_SIZE(ports), regions, ARRAY_SIZE(regions), NULL, macro};
FZ_TARGET(target)
