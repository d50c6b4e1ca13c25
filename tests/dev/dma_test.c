/* dma_test.c: the 8237A pair programmed through its ports as SeaBIOS and DOS do it, then
 * transfers asked for by a "device": flip-flop, page registers (and port 0x80 left
 * free), cascade through channel 4, masks, terminal count (status bit, mask set, TC
 * flag), auto-initialisation, decrement, the 64 KiB and 128 KiB wraps, word channels,
 * read/write/verify directions, master clear. */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "bus/iobus.h"
#include "bus/membus.h"
#include "dev/dma.h"
#include "../test.h"

static IoBus *io;
static MemBus mem;
static Dma dma;

static u8 inb(u16 p) { return (u8)io_read(io, p, 1); }
static void outb(u16 p, u8 v) { io_write(io, p, v, 1); }

static const IoOps post_ops = {NULL, NULL, 1, "post"};

static void setup(void)
{
	io_init(io);
	dma_init(&dma, &mem);
	CHECK_EQ(io_map(io, 0x00, 16, &dma1_io_ops, &dma), 0);
	CHECK_EQ(io_map(io, 0xC0, 32, &dma2_io_ops, &dma), 0);
	CHECK_EQ(io_map(io, 0x81, 15, &dma_page_io_ops, &dma), 0);
	CHECK_EQ(io_map(io, 0x80, 1, &post_ops, NULL), 0); /* port 0x80 belongs to POST */
	memset(mem.ram, 0, 0x80000);
}

/* SeaBIOS's dma_setup(): master clears, channel 4 cascade, unmasked. */
static void bios_setup(void)
{
	outb(0x0D, 0);
	outb(0xDA, 0);
	outb(0xD6, 0xC0);
	outb(0xD4, 0x00);
}

/* As SeaBIOS's dma_floppy(): a byte channel at addr for count bytes; mode bits 7:2. */
static void program8(int chan, u32 addr, u32 count, u8 mode)
{
	static const u16 page_port[4] = {0x87, 0x83, 0x81, 0x82};
	outb(0x0A, (u8)(4 | chan));
	outb(0x0C, 0);
	outb((u16)(chan * 2), (u8)addr);
	outb((u16)(chan * 2), (u8)(addr >> 8));
	outb(0x0C, 0);
	outb((u16)(chan * 2 + 1), (u8)(count - 1));
	outb((u16)(chan * 2 + 1), (u8)((count - 1) >> 8));
	outb(0x0B, (u8)(mode | chan));
	outb(page_port[chan], (u8)(addr >> 16));
	outb(0x0A, (u8)chan);
}

static void test_registers(void)
{
	setup();
	/* Address and count through the flip-flop; reading returns the current value. */
	outb(0x0C, 0);
	outb(0x04, 0x34);
	outb(0x04, 0x12);
	outb(0x05, 0xFF);
	outb(0x05, 0x01);
	outb(0x0C, 0);
	CHECK_EQ(inb(0x04), 0x34);
	CHECK_EQ(inb(0x04), 0x12);
	CHECK_EQ(inb(0x05), 0xFF);
	CHECK_EQ(inb(0x05), 0x01);
	CHECK_EQ(dma.c[0].ch[2].base_addr, 0x1234);
	CHECK_EQ(dma.c[0].ch[2].base_count, 0x01FF);

	/* Page registers: every port 0x81-0x8F is a byte register. */
	for (u16 p = 0x81; p <= 0x8F; p++)
		outb(p, (u8)(p + 1));
	for (u16 p = 0x81; p <= 0x8F; p++)
		CHECK_EQ(inb(p), (u8)(p + 1));
	CHECK_EQ(dma.page[1], 0x82); /* channel 2's page at 0x81 */

	/* Masks: all set at reset; single set/clear, clear-all, write-all; read back. */
	CHECK_EQ(inb(0x0F) & 0x0F, 0x0F);
	outb(0x0E, 0);
	CHECK_EQ(inb(0x0F) & 0x0F, 0x00);
	outb(0x0A, 0x06);
	CHECK_EQ(inb(0x0F) & 0x0F, 0x04);
	outb(0x0F, 0x09);
	CHECK_EQ(inb(0x0F) & 0x0F, 0x09);
	outb(0x0A, 0x00);
	CHECK_EQ(inb(0x0F) & 0x0F, 0x08);
	/* Controller 2 at even ports; odd ports alias them. */
	outb(0xDC, 0);
	CHECK_EQ(inb(0xDE) & 0x0F, 0);
	outb(0xD5, 0x05); /* alias of 0xD4: mask channel 5 */
	CHECK_EQ(inb(0xDE) & 0x0F, 0x02);
	/* Requests show in the status register's high nibble. */
	outb(0x09, 0x05);
	CHECK_EQ(inb(0x08), 0x20);
	outb(0x09, 0x01);
	CHECK_EQ(inb(0x08), 0x00);

	/* Master clear: masks set, flip-flop low byte next, status clear. */
	outb(0x04, 0x77); /* flip-flop now at the high byte */
	outb(0x0D, 0);
	CHECK_EQ(inb(0x0F) & 0x0F, 0x0F);
	outb(0x04, 0x55);
	CHECK_EQ(dma.c[0].ch[2].base_addr & 0xFF, 0x55);
}

static void test_transfers(void)
{
	setup();
	u8 buf[1024], out[1024];
	bool tc = false;
	for (int i = 0; i < 1024; i++)
		buf[i] = (u8)(i * 5 + 1);

	/* Nothing moves before the BIOS opens the cascade (all masked at reset). */
	program8(2, 0x12345, 512, 0x44);
	CHECK_EQ(dma_transfer(&dma, 2, buf, 512, true, &tc), 0);
	bios_setup();
	program8(2, 0x12345, 512, 0x44);

	/* A floppy read: device to memory, TC after exactly 512 bytes. */
	CHECK_EQ(dma_transfer(&dma, 2, buf, 1024, true, &tc), 512);
	CHECK(tc, "terminal count");
	CHECK(!memcmp(mem.ram + 0x12345, buf, 512), "bytes at 0x12345");
	CHECK_EQ(mem.ram[0x12345 + 512], 0);
	CHECK_EQ(dma.c[0].ch[2].cur_count, 0xFFFF);
	CHECK_EQ(dma.c[0].ch[2].cur_addr, 0x2545);
	CHECK_EQ(inb(0x08) & 0x0F, 0x04); /* TC bit, cleared by the read */
	CHECK_EQ(inb(0x08) & 0x0F, 0x00);
	CHECK_EQ(inb(0x0F) & 0x04, 0x04); /* masked at TC without auto-init */
	tc = false;
	CHECK_EQ(dma_transfer(&dma, 2, buf, 512, true, &tc), 0);

	/* A transfer in pieces: the channel continues where it stopped. */
	program8(2, 0x20000, 600, 0x44);
	tc = false;
	CHECK_EQ(dma_transfer(&dma, 2, buf, 512, true, &tc), 512);
	CHECK(!tc, "no TC yet");
	CHECK_EQ(dma_transfer(&dma, 2, buf + 512, 512, true, &tc), 88);
	CHECK(tc, "TC at 600");
	CHECK(!memcmp(mem.ram + 0x20000, buf, 600), "600 bytes in two pieces");

	/* The 64 KiB wrap: the page register does not carry. */
	memset(mem.ram + 0x20000, 0, 0x20000);
	program8(2, 0x2FF00, 512, 0x44);
	tc = false;
	CHECK_EQ(dma_transfer(&dma, 2, buf, 512, true, &tc), 512);
	CHECK(!memcmp(mem.ram + 0x2FF00, buf, 256), "before the wrap");
	CHECK(!memcmp(mem.ram + 0x20000, buf + 256, 256), "wrapped to the page start");
	CHECK_EQ(mem.ram[0x30000], 0);

	/* Memory to device (a floppy write). */
	memcpy(mem.ram + 0x40000, buf, 512);
	program8(2, 0x40000, 512, 0x48);
	tc = false;
	memset(out, 0, sizeof(out));
	CHECK_EQ(dma_transfer(&dma, 2, out, 512, false, &tc), 512);
	CHECK(!memcmp(out, buf, 512), "read transfer");

	/* Verify and a direction that does not match the mode: memory untouched, the
	 * device gets FFh, the count still runs to TC. */
	memset(mem.ram + 0x50000, 0x11, 16);
	program8(2, 0x50000, 16, 0x40);
	tc = false;
	CHECK_EQ(dma_transfer(&dma, 2, buf, 16, true, &tc), 16);
	CHECK(tc, "verify reaches TC");
	CHECK_EQ(mem.ram[0x50000], 0x11);
	program8(2, 0x50000, 16, 0x44);
	tc = false;
	CHECK_EQ(dma_transfer(&dma, 2, out, 16, false, &tc), 16);
	CHECK_EQ(out[0], 0xFF);
	CHECK_EQ(mem.ram[0x50000], 0x11);

	/* Auto-init: reloads at TC and stays unmasked. */
	program8(1, 0x60000, 4, 0x54);
	tc = false;
	CHECK_EQ(dma_transfer(&dma, 1, buf, 8, true, &tc), 4);
	CHECK(tc, "TC");
	CHECK_EQ(inb(0x0F) & 0x02, 0);
	CHECK_EQ(dma.c[0].ch[1].cur_addr, 0x0000);
	CHECK_EQ(dma.c[0].ch[1].cur_count, 3);
	CHECK_EQ(dma_transfer(&dma, 1, buf + 4, 4, true, &tc), 4);
	CHECK(!memcmp(mem.ram + 0x60000, buf + 4, 4), "second pass over the same bytes");

	/* Decrement. */
	program8(3, 0x70010, 4, 0x64);
	tc = false;
	CHECK_EQ(dma_transfer(&dma, 3, buf, 4, true, &tc), 4);
	CHECK_EQ(mem.ram[0x70010], buf[0]);
	CHECK_EQ(mem.ram[0x7000F], buf[1]);
	CHECK_EQ(mem.ram[0x7000D], buf[3]);

	/* Channel 4 masked again cuts channels 0-3 off; a disabled controller too. */
	program8(2, 0x12345, 512, 0x44);
	outb(0xD4, 0x04);
	CHECK_EQ(dma_transfer(&dma, 2, buf, 512, true, &tc), 0);
	outb(0xD4, 0x00);
	outb(0x08, 0x04);
	CHECK_EQ(dma_transfer(&dma, 2, buf, 512, true, &tc), 0);
	outb(0x08, 0x00);
	CHECK_EQ(dma_transfer(&dma, 2, buf, 16, true, &tc), 16);
	CHECK_EQ(dma_transfer(&dma, 4, buf, 16, true, &tc), 0); /* the cascade itself */

	/* Word channel 5: address and count in words, page bit 0 ignored, 128 KiB wrap. */
	outb(0xD4, 0x05);
	outb(0xD8, 0);
	outb(0xC4, 0xFF); /* word address 0xFFFF: byte 0x1FFFE in the 128 KiB page */
	outb(0xC4, 0xFF);
	outb(0xD8, 0);
	outb(0xC6, 3); /* 4 words */
	outb(0xC6, 0);
	outb(0xD6, 0x45);
	outb(0x8B, 0x03); /* page 2 (bit 0 ignored): 0x20000 */
	outb(0xD4, 0x01);
	memset(mem.ram + 0x20000, 0, 0x20000);
	CHECK_EQ(dma_address(&dma, 5), 0x3FFFE);
	tc = false;
	CHECK_EQ(dma_transfer(&dma, 5, buf, 9, true, &tc), 8);
	CHECK(tc, "word TC");
	CHECK_EQ(mem.ram[0x3FFFE], buf[0]);
	CHECK_EQ(mem.ram[0x3FFFF], buf[1]);
	CHECK(!memcmp(mem.ram + 0x20000, buf + 2, 6), "128 KiB wrap");
	CHECK_EQ(inb(0xD0) & 0x0F, 0x02);
}

int main(void)
{
	io = malloc(sizeof(*io));
	if (!io || mem_init(&mem, 2 * MiB)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	test_registers();
	test_transfers();
	mem_free(&mem);
	free(io);
	return test_summary();
}
