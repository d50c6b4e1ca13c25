/* port92_debug_test.c: port 92h (A20 bit, fast reset on a 0->1 edge of bit 0, read
 * back) and the debug ports (POST 80h reads back its last code, the consoles read 0xE9
 * and pass every byte, split from wider writes, to the host callback). */
#include <stdlib.h>
#include <string.h>

#include "bus/iobus.h"
#include "dev/debug.h"
#include "dev/port92.h"
#include "../test.h"

static int a20, resets;
static char log_buf[64];
static int log_len;
static u16 log_port[64];

static void on_line(void *ctx, int n, int level)
{
	if (n == 0)
		a20 = level;
	else if (level)
		resets++;
}

static void on_byte(void *ctx, u16 port, u8 b)
{
	if (log_len < 63) {
		log_port[log_len] = port;
		log_buf[log_len++] = (char)b;
	}
}

int main(void)
{
	IoBus *bus = malloc(sizeof(*bus));
	io_init(bus);
	Port92 p92;
	port92_init(&p92);
	irq_connect(&p92.a20, on_line, NULL, 0);
	irq_connect(&p92.reset, on_line, NULL, 1);
	port92_reset(&p92);
	io_map(bus, 0x92, 1, &port92_io_ops, &p92);
	CHECK_EQ(io_read(bus, 0x92, 1), 0x00);
	CHECK_EQ(a20, 0);
	io_write(bus, 0x92, 0x02, 1);
	CHECK_EQ(a20, 1);
	CHECK_EQ(resets, 0);
	CHECK_EQ(io_read(bus, 0x92, 1), 0x02);
	io_write(bus, 0x92, 0x03, 1);
	CHECK_EQ(resets, 1);
	CHECK_EQ(a20, 1);
	io_write(bus, 0x92, 0x03, 1); /* no new edge */
	CHECK_EQ(resets, 1);
	io_write(bus, 0x92, 0x00, 1);
	CHECK_EQ(a20, 0);
	io_write(bus, 0x92, 0x01, 1);
	CHECK_EQ(resets, 2);
	CHECK_EQ(io_read(bus, 0x92, 1), 0x01);
	port92_reset(&p92);
	CHECK_EQ(io_read(bus, 0x92, 1), 0x00);

	DebugPort post, con, e9;
	debug_init(&post, DEBUG_POST, on_byte, NULL);
	debug_init(&con, DEBUG_CONSOLE, on_byte, NULL);
	debug_init(&e9, DEBUG_CONSOLE, NULL, NULL);
	io_map(bus, 0x80, 1, &debug_io_ops, &post);
	io_map(bus, 0x402, 1, &debug_io_ops, &con);
	io_map(bus, 0xE9, 1, &debug_io_ops, &e9);
	CHECK_EQ(io_read(bus, 0x80, 1), 0x00);
	io_write(bus, 0x80, 0x55, 1);
	CHECK_EQ(io_read(bus, 0x80, 1), 0x55);
	CHECK_EQ(log_len, 1);
	CHECK_EQ(log_port[0], 0x80);
	debug_reset(&post);
	CHECK_EQ(io_read(bus, 0x80, 1), 0x00);
	log_len = 0;
	CHECK_EQ(io_read(bus, 0x402, 1), 0xE9);
	const char *msg = "SeaBIOS\n";
	for (const char *c = msg; *c; c++)
		io_write(bus, 0x402, (u8)*c, 1);
	io_write(bus, 0x402, 0x6968, 2); /* a word: the low byte here, the high one at 0x403 */
	CHECK_EQ(log_len, 9);
	CHECK(memcmp(log_buf, "SeaBIOS\nh", 9) == 0, "log %.*s", log_len, log_buf);
	CHECK_EQ(log_port[8], 0x402);
	CHECK_EQ(con.count, 9);
	io_write(bus, 0xE9, 'x', 1); /* no callback: counted and dropped */
	CHECK_EQ(e9.count, 1);
	CHECK_EQ(io_read(bus, 0xE9, 1), 0xE9);
	CHECK_EQ(log_len, 9);
	free(bus);
	return test_summary();
}
