/* kbc_test.c: the 8042 with its keyboard and mouse through ports 60h/64h: status bits,
 * command byte, self and interface tests, keyboard reset/identify/LEDs/echo/scan code
 * set/resend/enable-disable, set 2 codes and their set 1 translation (checked key by
 * key against the set 1 table), Print Screen and Pause, the ASCII helper, interface
 * disable, IRQ1/IRQ12, the output port (A20, CPU reset), D2/D3/D4 and the mouse. */
#include <stdlib.h>

#include "bus/iobus.h"
#include "dev/kbc.h"
#include "../test.h"

static IoBus *bus;
static Kbc kbc;
static int irq1, irq12, a20, resets, irq1_rises;

static void on_line(void *ctx, int n, int level)
{
	switch (n) {
	case 1:
		if (level && !irq1)
			irq1_rises++;
		irq1 = level;
		break;
	case 12:
		irq12 = level;
		break;
	case 20:
		a20 = level;
		break;
	default:
		if (level)
			resets++;
		break;
	}
}

static u8 status(void) { return (u8)io_read(bus, 0x64, 1); }
static u8 data(void) { return (u8)io_read(bus, 0x60, 1); }
static void cmd(u8 c) { io_write(bus, 0x64, c, 1); }
static void put(u8 v) { io_write(bus, 0x60, v, 1); }

static void set_ctr(u8 v)
{
	cmd(0x60);
	put(v);
}

/* Reads every byte waiting; returns how many, into buf. */
static int drain(u8 *buf, int max)
{
	int n = 0;
	while ((status() & 1) && n < max)
		buf[n++] = data();
	return n;
}

static void setup(void)
{
	kbc_init(&kbc);
	irq_connect(&kbc.irq1, on_line, NULL, 1);
	irq_connect(&kbc.irq12, on_line, NULL, 12);
	irq_connect(&kbc.a20, on_line, NULL, 20);
	irq_connect(&kbc.reset, on_line, NULL, 99);
	irq1 = irq12 = a20 = resets = 0;
	kbc_reset(&kbc);
}

static void test_controller(void)
{
	setup();
	CHECK_EQ(a20, 1);
	CHECK_EQ(status(), 0x10); /* not inhibited, nothing else */
	cmd(0x20);
	CHECK_EQ(status(), 0x19); /* OBF, A2 (last write was a command), unlocked */
	CHECK_EQ(data(), 0x61);
	CHECK_EQ(irq1, 0); /* controller bytes count as keyboard data: IRQ1 came and went */
	cmd(0xAA);
	CHECK_EQ(data(), 0x55);
	CHECK_EQ(status() & 0x04, 0x04); /* system flag after self test */
	cmd(0xAB);
	CHECK_EQ(data(), 0x00);
	cmd(0xA9);
	CHECK_EQ(data(), 0x00);
	cmd(0xA4);
	CHECK_EQ(data(), 0xF1);
	set_ctr(0x20);
	CHECK_EQ(status() & 0x0C, 0x00); /* SYS follows bit 2, A2 clear after a data write */
	cmd(0x20);
	CHECK_EQ(data(), 0x20);
	cmd(0x7F); /* controller RAM byte 31 */
	put(0x5A);
	cmd(0x3F);
	CHECK_EQ(data(), 0x5A);
	cmd(0xA8);
	cmd(0x20);
	CHECK_EQ(data(), 0x00);
	cmd(0xA7);
	cmd(0xAD);
	cmd(0x20);
	CHECK_EQ(data(), 0x30);
	cmd(0xAE);
	cmd(0x20);
	CHECK_EQ(data(), 0x20);
	cmd(0xC0);
	CHECK_EQ(data(), 0x80);
	/* The output buffer reads its last byte again when empty. */
	CHECK_EQ(data(), 0x80);
	CHECK_EQ(status() & 1, 0);

	/* Output port: A20 (bit 1) and the CPU reset (bit 0, active low). */
	cmd(0xD0);
	CHECK_EQ(data(), 0xCF);
	cmd(0xD1);
	put(0xCD);
	CHECK_EQ(a20, 0);
	cmd(0xD0);
	CHECK_EQ(data(), 0xCD);
	cmd(0xDF);
	CHECK_EQ(a20, 1);
	cmd(0xDD);
	CHECK_EQ(a20, 0);
	cmd(0xD1);
	put(0xDF);
	CHECK_EQ(a20, 1);
	CHECK_EQ(resets, 0);
	cmd(0xFE);
	CHECK_EQ(resets, 1);
	cmd(0xFF);
	CHECK_EQ(resets, 1);
	cmd(0xF0); /* pulses bits 0-3: bit 0 resets */
	CHECK_EQ(resets, 2);
	cmd(0xD1);
	put(0xDE);
	CHECK_EQ(resets, 3);
	cmd(0xD0);
	CHECK_EQ(data() & 0x01, 0x01);

	/* D2: a byte as if from the keyboard (IRQ1); D3: as if from the mouse (IRQ12). */
	set_ctr(0x03);
	cmd(0xD2);
	put(0x42);
	CHECK_EQ(status() & 0x21, 0x01);
	CHECK_EQ(irq1, 1);
	CHECK_EQ(data(), 0x42);
	CHECK_EQ(irq1, 0);
	cmd(0xD3);
	put(0x99);
	CHECK_EQ(status() & 0x21, 0x21);
	CHECK_EQ(irq12, 1);
	CHECK_EQ(irq1, 0);
	CHECK_EQ(data(), 0x99);
	CHECK_EQ(irq12, 0);
	/* IRQ1 gated by the command byte. */
	set_ctr(0x00);
	cmd(0xD2);
	put(0x43);
	CHECK_EQ(irq1, 0);
	set_ctr(0x01);
	CHECK_EQ(irq1, 1);
	CHECK_EQ(data(), 0x43);
}

static void test_keyboard_commands(void)
{
	setup();
	u8 b[16];
	set_ctr(0x01); /* IRQ1, no translation */
	put(0xFF);
	CHECK_EQ(irq1, 1);
	CHECK_EQ(data(), 0xFA);
	CHECK_EQ(irq1, 1); /* BAT result follows at once */
	CHECK_EQ(data(), 0xAA);
	CHECK_EQ(irq1, 0);
	put(0xF2);
	CHECK_EQ(drain(b, 16), 3);
	CHECK(b[0] == 0xFA && b[1] == 0xAB && b[2] == 0x83, "identify %02x %02x %02x", b[0], b[1], b[2]);
	set_ctr(0x41); /* with translation the ID reads AB 41 */
	put(0xF2);
	CHECK_EQ(drain(b, 16), 3);
	CHECK(b[0] == 0xFA && b[1] == 0xAB && b[2] == 0x41, "identify translated %02x %02x", b[1], b[2]);
	put(0xED);
	put(0x07);
	CHECK_EQ(drain(b, 16), 2);
	CHECK(b[0] == 0xFA && b[1] == 0xFA, "LEDs acked");
	CHECK_EQ(kbc.leds, 7);
	put(0xF3);
	put(0x20);
	CHECK_EQ(drain(b, 16), 2);
	CHECK_EQ(kbc.typematic, 0x20);
	put(0xEE);
	CHECK_EQ(data(), 0xEE);
	put(0xF0);
	put(0x00);
	CHECK_EQ(drain(b, 16), 3); /* ACK, ACK of the parameter, the set */
	CHECK_EQ(b[2], 0x41);      /* set 2, translated */
	set_ctr(0x01);
	put(0xF0);
	put(0x00);
	CHECK_EQ(drain(b, 16), 3);
	CHECK_EQ(b[2], 0x02);
	/* Resend repeats the last byte sent. */
	put(0xFE);
	CHECK_EQ(data(), 0x02);
	/* Unknown command: Resend. */
	put(0xE5);
	CHECK_EQ(data(), 0xFE);
	/* A command in place of a parameter is taken as a command. */
	put(0xED);
	put(0xF2);
	CHECK_EQ(drain(b, 16), 4);
	CHECK(b[0] == 0xFA && b[1] == 0xFA && b[2] == 0xAB, "ED then F2");
	/* Set 1 from the keyboard itself. */
	put(0xF0);
	put(0x01);
	CHECK_EQ(drain(b, 16), 2);
	kbc_key(&kbc, KBC_KEY_A, true);
	kbc_key(&kbc, KBC_KEY_A, false);
	CHECK_EQ(drain(b, 16), 2);
	CHECK(b[0] == 0x1E && b[1] == 0x9E, "set 1: %02x %02x", b[0], b[1]);
	put(0xF0);
	put(0x02);
	drain(b, 16);

	/* F5 stops scanning (keys discarded), F4 restarts. */
	put(0xF5);
	CHECK_EQ(data(), 0xFA);
	CHECK(kbc_key(&kbc, KBC_KEY_B, true), "discarded, not refused");
	CHECK_EQ(status() & 1, 0);
	put(0xF4);
	CHECK_EQ(data(), 0xFA);
	kbc_key(&kbc, KBC_KEY_B, true);
	CHECK_EQ(data(), 0x32);

	/* Each byte after the first comes with a new IRQ1 edge (the line drops on the read). */
	irq1_rises = 0;
	kbc_key(&kbc, KBC_KEY_F, true);
	kbc_key(&kbc, KBC_KEY_F, false);
	CHECK_EQ(irq1_rises, 1);
	CHECK_EQ(drain(b, 16), 3);
	CHECK_EQ(irq1_rises, 3);
	CHECK_EQ(irq1, 0);

	/* Answers go before waiting scan codes. */
	kbc_key(&kbc, KBC_KEY_C, true);
	kbc_key(&kbc, KBC_KEY_D, true);
	put(0xEE);
	CHECK_EQ(drain(b, 16), 3);
	CHECK(b[0] == 0x21 && b[1] == 0xEE && b[2] == 0x23, "order %02x %02x %02x", b[0], b[1], b[2]);

	/* The keyboard interface disabled (AD) holds bytes; AE lets them through. */
	cmd(0xAD);
	kbc_key(&kbc, KBC_KEY_E, true);
	CHECK_EQ(status() & 1, 0);
	cmd(0xAE);
	CHECK_EQ(data(), 0x24);
	/* Writing to the keyboard enables the interface too. */
	cmd(0xAD);
	put(0xEE);
	CHECK_EQ(data(), 0xEE);
	cmd(0x20);
	CHECK_EQ(data() & 0x10, 0);
}

/* Set 1 make codes by key (0x100: E0 prefix), independent of the set 2 table. */
static const u16 set1[KBC_KEY_COUNT] = {
	[KBC_KEY_ESC] = 0x01, [KBC_KEY_F1] = 0x3B, [KBC_KEY_F2] = 0x3C, [KBC_KEY_F3] = 0x3D,
	[KBC_KEY_F4] = 0x3E, [KBC_KEY_F5] = 0x3F, [KBC_KEY_F6] = 0x40, [KBC_KEY_F7] = 0x41,
	[KBC_KEY_F8] = 0x42, [KBC_KEY_F9] = 0x43, [KBC_KEY_F10] = 0x44, [KBC_KEY_F11] = 0x57,
	[KBC_KEY_F12] = 0x58, [KBC_KEY_GRAVE] = 0x29, [KBC_KEY_1] = 0x02, [KBC_KEY_2] = 0x03,
	[KBC_KEY_3] = 0x04, [KBC_KEY_4] = 0x05, [KBC_KEY_5] = 0x06, [KBC_KEY_6] = 0x07,
	[KBC_KEY_7] = 0x08, [KBC_KEY_8] = 0x09, [KBC_KEY_9] = 0x0A, [KBC_KEY_0] = 0x0B,
	[KBC_KEY_MINUS] = 0x0C, [KBC_KEY_EQUAL] = 0x0D, [KBC_KEY_BACKSPACE] = 0x0E,
	[KBC_KEY_TAB] = 0x0F, [KBC_KEY_Q] = 0x10, [KBC_KEY_W] = 0x11, [KBC_KEY_E] = 0x12,
	[KBC_KEY_R] = 0x13, [KBC_KEY_T] = 0x14, [KBC_KEY_Y] = 0x15, [KBC_KEY_U] = 0x16,
	[KBC_KEY_I] = 0x17, [KBC_KEY_O] = 0x18, [KBC_KEY_P] = 0x19, [KBC_KEY_LBRACKET] = 0x1A,
	[KBC_KEY_RBRACKET] = 0x1B, [KBC_KEY_BACKSLASH] = 0x2B, [KBC_KEY_CAPSLOCK] = 0x3A,
	[KBC_KEY_A] = 0x1E, [KBC_KEY_S] = 0x1F, [KBC_KEY_D] = 0x20, [KBC_KEY_F] = 0x21,
	[KBC_KEY_G] = 0x22, [KBC_KEY_H] = 0x23, [KBC_KEY_J] = 0x24, [KBC_KEY_K] = 0x25,
	[KBC_KEY_L] = 0x26, [KBC_KEY_SEMICOLON] = 0x27, [KBC_KEY_APOSTROPHE] = 0x28,
	[KBC_KEY_ENTER] = 0x1C, [KBC_KEY_LSHIFT] = 0x2A, [KBC_KEY_Z] = 0x2C, [KBC_KEY_X] = 0x2D,
	[KBC_KEY_C] = 0x2E, [KBC_KEY_V] = 0x2F, [KBC_KEY_B] = 0x30, [KBC_KEY_N] = 0x31,
	[KBC_KEY_M] = 0x32, [KBC_KEY_COMMA] = 0x33, [KBC_KEY_PERIOD] = 0x34,
	[KBC_KEY_SLASH] = 0x35, [KBC_KEY_RSHIFT] = 0x36, [KBC_KEY_LCTRL] = 0x1D,
	[KBC_KEY_LGUI] = 0x15B, [KBC_KEY_LALT] = 0x38, [KBC_KEY_SPACE] = 0x39,
	[KBC_KEY_RALT] = 0x138, [KBC_KEY_RGUI] = 0x15C, [KBC_KEY_MENU] = 0x15D,
	[KBC_KEY_RCTRL] = 0x11D, [KBC_KEY_SCROLLLOCK] = 0x46, [KBC_KEY_INSERT] = 0x152,
	[KBC_KEY_HOME] = 0x147, [KBC_KEY_PAGEUP] = 0x149, [KBC_KEY_DELETE] = 0x153,
	[KBC_KEY_END] = 0x14F, [KBC_KEY_PAGEDOWN] = 0x151, [KBC_KEY_UP] = 0x148,
	[KBC_KEY_LEFT] = 0x14B, [KBC_KEY_DOWN] = 0x150, [KBC_KEY_RIGHT] = 0x14D,
	[KBC_KEY_NUMLOCK] = 0x45, [KBC_KEY_KP_SLASH] = 0x135, [KBC_KEY_KP_STAR] = 0x37,
	[KBC_KEY_KP_MINUS] = 0x4A, [KBC_KEY_KP_7] = 0x47, [KBC_KEY_KP_8] = 0x48,
	[KBC_KEY_KP_9] = 0x49, [KBC_KEY_KP_PLUS] = 0x4E, [KBC_KEY_KP_4] = 0x4B,
	[KBC_KEY_KP_5] = 0x4C, [KBC_KEY_KP_6] = 0x4D, [KBC_KEY_KP_1] = 0x4F,
	[KBC_KEY_KP_2] = 0x50, [KBC_KEY_KP_3] = 0x51, [KBC_KEY_KP_ENTER] = 0x11C,
	[KBC_KEY_KP_0] = 0x52, [KBC_KEY_KP_DOT] = 0x53, [KBC_KEY_NONUS_BACKSLASH] = 0x56,
};

static void test_scancodes(void)
{
	setup();
	u8 b[16];
	/* Raw set 2. */
	set_ctr(0x01);
	kbc_key(&kbc, KBC_KEY_A, true);
	kbc_key(&kbc, KBC_KEY_A, false);
	CHECK_EQ(drain(b, 16), 3);
	CHECK(b[0] == 0x1C && b[1] == 0xF0 && b[2] == 0x1C, "set 2 A");
	kbc_key(&kbc, KBC_KEY_RCTRL, true);
	kbc_key(&kbc, KBC_KEY_RCTRL, false);
	CHECK_EQ(drain(b, 16), 5);
	CHECK(b[0] == 0xE0 && b[1] == 0x14 && b[2] == 0xE0 && b[3] == 0xF0 && b[4] == 0x14, "set 2 RCtrl");
	/* Every key through the controller's translation gives its set 1 codes. */
	set_ctr(0x41);
	for (int key = KBC_KEY_ESC; key < KBC_KEY_COUNT; key++) {
		if (key == KBC_KEY_PRINTSCREEN || key == KBC_KEY_PAUSE)
			continue;
		kbc_key(&kbc, (KbcKey)key, true);
		kbc_key(&kbc, (KbcKey)key, false);
		int n = drain(b, 16);
		u16 want = set1[key];
		if (want & 0x100)
			CHECK(n == 4 && b[0] == 0xE0 && b[1] == (u8)want && b[2] == 0xE0 && b[3] == ((u8)want | 0x80),
			      "key %d: %d bytes %02x %02x %02x %02x", key, n, b[0], b[1], b[2], b[3]);
		else
			CHECK(n == 2 && b[0] == want && b[1] == (want | 0x80), "key %d: %d bytes %02x %02x", key, n, b[0], b[1]);
	}
	kbc_key(&kbc, KBC_KEY_PRINTSCREEN, true);
	kbc_key(&kbc, KBC_KEY_PRINTSCREEN, false);
	CHECK_EQ(drain(b, 16), 8);
	static const u8 prt[8] = {0xE0, 0x2A, 0xE0, 0x37, 0xE0, 0xB7, 0xE0, 0xAA};
	for (int i = 0; i < 8; i++)
		CHECK_EQ(b[i], prt[i]);
	kbc_key(&kbc, KBC_KEY_PAUSE, true);
	kbc_key(&kbc, KBC_KEY_PAUSE, false);
	CHECK_EQ(drain(b, 16), 6);
	static const u8 pause[6] = {0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5};
	for (int i = 0; i < 6; i++)
		CHECK_EQ(b[i], pause[i]);

	/* Chords, as the console types characters (its layout: src/cp/keys.c). */
	CHECK(kbc_chord(&kbc, KBC_KEY_LSHIFT, KBC_KEY_A), "Shift A");
	CHECK_EQ(drain(b, 16), 4);
	CHECK(b[0] == 0x2A && b[1] == 0x1E && b[2] == 0x9E && b[3] == 0xAA, "Shift A");
	kbc_chord(&kbc, KBC_KEY_NONE, KBC_KEY_ENTER);
	CHECK_EQ(drain(b, 16), 2);
	CHECK(b[0] == 0x1C && b[1] == 0x9C, "Enter");
	kbc_chord(&kbc, KBC_KEY_LCTRL, KBC_KEY_C);
	CHECK_EQ(drain(b, 16), 4);
	CHECK(b[0] == 0x1D && b[1] == 0x2E && b[2] == 0xAE && b[3] == 0x9D, "Ctrl-C");
	CHECK(!kbc_keys_pending(&kbc), "nothing pending once read");
	kbc_chord(&kbc, KBC_KEY_NONE, KBC_KEY_SPACE);
	CHECK(kbc_keys_pending(&kbc), "a typed key pends until the guest reads it");
	CHECK_EQ(drain(b, 16), 2);
	CHECK_EQ(b[0], 0x39);
	CHECK(!kbc_keys_pending(&kbc), "and no longer after");
	/* A tap: press and release. */
	CHECK(kbc_tap(&kbc, KBC_KEY_HOME), "tap");
	CHECK_EQ(drain(b, 16), 4);
	CHECK(b[0] == 0xE0 && b[1] == 0x47 && b[2] == 0xE0 && b[3] == 0xC7, "Home tapped");
	/* A full buffer refuses whole sequences. */
	cmd(0xAD);
	int typed = 0;
	while (kbc_chord(&kbc, KBC_KEY_NONE, KBC_KEY_X))
		typed++;
	CHECK_EQ(typed, KBC_QUEUE / 3); /* 3 set 2 bytes each: 22, F0 22 */
	CHECK(!kbc_key(&kbc, KBC_KEY_RCTRL, true), "refused when full");
	CHECK(!kbc_tap(&kbc, KBC_KEY_ESC), "a tap refused when full");
	cmd(0xAE);
	CHECK_EQ(drain(b, 16), 16);
	CHECK(b[0] == 0x2D && b[1] == 0xAD, "x");
}

static void test_mouse(void)
{
	setup();
	u8 b[16];
	set_ctr(0x47); /* both interrupts, translation, system flag; aux enabled */
	cmd(0xD4);
	put(0xFF);
	CHECK_EQ(status() & 0x21, 0x21);
	CHECK_EQ(irq12, 1);
	CHECK_EQ(drain(b, 16), 3);
	CHECK(b[0] == 0xFA && b[1] == 0xAA && b[2] == 0x00, "mouse reset");
	CHECK_EQ(irq12, 0);
	cmd(0xD4);
	put(0xF2);
	CHECK_EQ(drain(b, 16), 2);
	CHECK_EQ(b[1], 0x00);
	cmd(0xD4);
	put(0xF3);
	cmd(0xD4);
	put(200);
	CHECK_EQ(drain(b, 16), 2);
	cmd(0xD4);
	put(0xE9);
	CHECK_EQ(drain(b, 16), 4);
	CHECK(b[0] == 0xFA && b[1] == 0x00 && b[2] == 0x02 && b[3] == 200, "status %02x %02x %02x", b[1], b[2], b[3]);
	/* No packets until reporting is enabled. */
	kbc_mouse_move(&kbc, 5, 5, 0);
	CHECK_EQ(status() & 1, 0);
	cmd(0xD4);
	put(0xF4);
	CHECK_EQ(data(), 0xFA);
	kbc_mouse_move(&kbc, 5, -3, 1);
	CHECK_EQ(irq12, 1);
	CHECK_EQ(drain(b, 16), 3);
	CHECK(b[0] == 0x29 && b[1] == 0x05 && b[2] == 0xFD, "packet %02x %02x %02x", b[0], b[1], b[2]);
	kbc_mouse_move(&kbc, -400, 0, 0);
	CHECK_EQ(drain(b, 16), 3);
	CHECK(b[0] == 0x58 && b[1] == 0x00, "overflow %02x %02x", b[0], b[1]);
	/* Aux disabled holds data. */
	cmd(0xA7);
	kbc_mouse_move(&kbc, 1, 1, 0);
	CHECK_EQ(status() & 1, 0);
	cmd(0xA8);
	CHECK_EQ(drain(b, 16), 3);
	/* Remote mode: motion waits for Read Data. */
	cmd(0xD4);
	put(0xF0);
	CHECK_EQ(data(), 0xFA);
	kbc_mouse_move(&kbc, 2, 3, 4);
	CHECK_EQ(status() & 1, 0);
	cmd(0xD4);
	put(0xEB);
	CHECK_EQ(drain(b, 16), 4);
	CHECK(b[1] == 0x0C && b[2] == 2 && b[3] == 3, "read data %02x %02x %02x", b[1], b[2], b[3]);
	/* Wrap mode echoes until EC. */
	cmd(0xD4);
	put(0xEE);
	CHECK_EQ(data(), 0xFA);
	cmd(0xD4);
	put(0x12);
	CHECK_EQ(data(), 0x12);
	cmd(0xD4);
	put(0xEC);
	CHECK_EQ(data(), 0xFA);
	cmd(0xD4);
	put(0xE5);
	CHECK_EQ(data(), 0xFE);

	/* Any traffic in any order: controller behaviour, no crash. */
	u32 x = 3;
	for (int i = 0; i < 50000; i++) {
		x = x * 1103515245 + 12345;
		u8 v = (u8)(x >> 24);
		switch ((x >> 8) & 7) {
		case 0: case 1: cmd(v); break;
		case 2: case 3: put(v); break;
		case 4: (void)data(); break;
		case 5: (void)status(); break;
		case 6: kbc_key(&kbc, (KbcKey)(v % (KBC_KEY_COUNT + 2)), x & 1); break;
		default: kbc_mouse_move(&kbc, (int)(x >> 16) % 1000 - 500, (int)(x >> 12) % 100, v); break;
		}
	}
	CHECK(1, "survived");
}

int main(void)
{
	bus = malloc(sizeof(*bus));
	io_init(bus);
	io_map(bus, 0x60, 1, &kbc_io_ops, &kbc);
	io_map(bus, 0x64, 1, &kbc_io_ops, &kbc);
	test_controller();
	test_keyboard_commands();
	test_scancodes();
	test_mouse();
	free(bus);
	return test_summary();
}
