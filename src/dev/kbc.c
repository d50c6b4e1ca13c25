/* kbc.c: the 8042 keyboard controller with a PS/2 keyboard and mouse.
 *
 * Reference: IBM PC-AT and PS/2 technical references (8042 status register, command
 * byte, controller commands 20h-7Fh, A4h-AEh, C0h, D0h-D4h, E0h, F0h-FFh, the output port
 * with the A20 gate and the CPU reset line, the set 2 to set 1 translation table), IBM
 * keyboard/mouse technical reference (keyboard commands EDh-FFh with their answers, BAT
 * AAh, ID AB 83h; mouse commands E6h-FFh, 3-byte packets, status request).
 *
 * Bytes move at once: when the output buffer is empty the controller takes its own
 * answers first, then the keyboard's (answers to commands before scan codes), then the
 * mouse's; a device whose interface is disabled in the command byte holds its bytes.
 * With translation on, the controller turns each set 2 byte into set 1 and folds an F0
 * prefix into bit 7 of the next byte (so the keyboard's ID AB 83 reads AB 41).
 * Not modelled: the serial timing of the PS/2 lines (no 1 ms per byte), typematic repeat
 * (the host sends repeated make codes itself), scan code set 3 (F0 03 is acknowledged and
 * set 2 kept, as keyboards without set 3 do), the password and diagnostic-dump commands
 * (acknowledged or ignored), the IntelliMouse wheel (the mouse is a plain 3-button
 * PS/2 mouse, ID 00). */
#include "dev/kbc.h"

#include "base/err.h"

#define CMD_KBD_INT 0x01
#define CMD_AUX_INT 0x02
#define CMD_SYS 0x04
#define CMD_KBD_DISABLE 0x10
#define CMD_AUX_DISABLE 0x20
#define CMD_XLAT 0x40

#define ST_OBF 0x01
#define ST_SYS 0x04
#define ST_A2 0x08
#define ST_UNLOCKED 0x10
#define ST_AUX 0x20

#define PS2_ACK 0xFA
#define PS2_RESEND 0xFE

/* The 8042's translation of scan code set 2 into set 1 (codes 80h and above, except 83h
 * and 84h, pass unchanged). */
static const u8 xlat_table[0x85] = {
	0xFF, 0x43, 0x41, 0x3F, 0x3D, 0x3B, 0x3C, 0x58, /* 00 */
	0x64, 0x44, 0x42, 0x40, 0x3E, 0x0F, 0x29, 0x59, /* 08 */
	0x65, 0x38, 0x2A, 0x70, 0x1D, 0x10, 0x02, 0x5A, /* 10 */
	0x66, 0x71, 0x2C, 0x1F, 0x1E, 0x11, 0x03, 0x5B, /* 18 */
	0x67, 0x2E, 0x2D, 0x20, 0x12, 0x05, 0x04, 0x5C, /* 20 */
	0x68, 0x39, 0x2F, 0x21, 0x14, 0x13, 0x06, 0x5D, /* 28 */
	0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5E, /* 30 */
	0x6A, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5F, /* 38 */
	0x6B, 0x33, 0x25, 0x17, 0x18, 0x0B, 0x0A, 0x60, /* 40 */
	0x6C, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0C, 0x61, /* 48 */
	0x6D, 0x73, 0x28, 0x74, 0x1A, 0x0D, 0x62, 0x6E, /* 50 */
	0x3A, 0x36, 0x1C, 0x1B, 0x75, 0x2B, 0x63, 0x76, /* 58 */
	0x55, 0x56, 0x77, 0x78, 0x79, 0x7A, 0x0E, 0x7B, /* 60 */
	0x7C, 0x4F, 0x7D, 0x4B, 0x47, 0x7E, 0x7F, 0x6F, /* 68 */
	0x52, 0x53, 0x50, 0x4C, 0x4D, 0x48, 0x01, 0x45, /* 70 */
	0x57, 0x4E, 0x51, 0x4A, 0x37, 0x49, 0x46, 0x54, /* 78 */
	0x80, 0x81, 0x82, 0x41, 0x54,                   /* 80 */
};

static u8 xlat(u8 b)
{
	return b < sizeof(xlat_table) ? xlat_table[b] : b;
}

/* Set 2 make codes by key; 0x100 marks an E0 prefix. Print Screen and Pause have their
 * own sequences. */
static const u16 set2[KBC_KEY_COUNT] = {
	[KBC_KEY_ESC] = 0x76, [KBC_KEY_F1] = 0x05, [KBC_KEY_F2] = 0x06, [KBC_KEY_F3] = 0x04,
	[KBC_KEY_F4] = 0x0C, [KBC_KEY_F5] = 0x03, [KBC_KEY_F6] = 0x0B, [KBC_KEY_F7] = 0x83,
	[KBC_KEY_F8] = 0x0A, [KBC_KEY_F9] = 0x01, [KBC_KEY_F10] = 0x09, [KBC_KEY_F11] = 0x78,
	[KBC_KEY_F12] = 0x07,
	[KBC_KEY_GRAVE] = 0x0E, [KBC_KEY_1] = 0x16, [KBC_KEY_2] = 0x1E, [KBC_KEY_3] = 0x26,
	[KBC_KEY_4] = 0x25, [KBC_KEY_5] = 0x2E, [KBC_KEY_6] = 0x36, [KBC_KEY_7] = 0x3D,
	[KBC_KEY_8] = 0x3E, [KBC_KEY_9] = 0x46, [KBC_KEY_0] = 0x45, [KBC_KEY_MINUS] = 0x4E,
	[KBC_KEY_EQUAL] = 0x55, [KBC_KEY_BACKSPACE] = 0x66,
	[KBC_KEY_TAB] = 0x0D, [KBC_KEY_Q] = 0x15, [KBC_KEY_W] = 0x1D, [KBC_KEY_E] = 0x24,
	[KBC_KEY_R] = 0x2D, [KBC_KEY_T] = 0x2C, [KBC_KEY_Y] = 0x35, [KBC_KEY_U] = 0x3C,
	[KBC_KEY_I] = 0x43, [KBC_KEY_O] = 0x44, [KBC_KEY_P] = 0x4D, [KBC_KEY_LBRACKET] = 0x54,
	[KBC_KEY_RBRACKET] = 0x5B, [KBC_KEY_BACKSLASH] = 0x5D,
	[KBC_KEY_CAPSLOCK] = 0x58, [KBC_KEY_A] = 0x1C, [KBC_KEY_S] = 0x1B, [KBC_KEY_D] = 0x23,
	[KBC_KEY_F] = 0x2B, [KBC_KEY_G] = 0x34, [KBC_KEY_H] = 0x33, [KBC_KEY_J] = 0x3B,
	[KBC_KEY_K] = 0x42, [KBC_KEY_L] = 0x4B, [KBC_KEY_SEMICOLON] = 0x4C,
	[KBC_KEY_APOSTROPHE] = 0x52, [KBC_KEY_ENTER] = 0x5A,
	[KBC_KEY_LSHIFT] = 0x12, [KBC_KEY_Z] = 0x1A, [KBC_KEY_X] = 0x22, [KBC_KEY_C] = 0x21,
	[KBC_KEY_V] = 0x2A, [KBC_KEY_B] = 0x32, [KBC_KEY_N] = 0x31, [KBC_KEY_M] = 0x3A,
	[KBC_KEY_COMMA] = 0x41, [KBC_KEY_PERIOD] = 0x49, [KBC_KEY_SLASH] = 0x4A,
	[KBC_KEY_RSHIFT] = 0x59,
	[KBC_KEY_LCTRL] = 0x14, [KBC_KEY_LGUI] = 0x11F, [KBC_KEY_LALT] = 0x11,
	[KBC_KEY_SPACE] = 0x29, [KBC_KEY_RALT] = 0x111, [KBC_KEY_RGUI] = 0x127,
	[KBC_KEY_MENU] = 0x12F, [KBC_KEY_RCTRL] = 0x114,
	[KBC_KEY_SCROLLLOCK] = 0x7E,
	[KBC_KEY_INSERT] = 0x170, [KBC_KEY_HOME] = 0x16C, [KBC_KEY_PAGEUP] = 0x17D,
	[KBC_KEY_DELETE] = 0x171, [KBC_KEY_END] = 0x169, [KBC_KEY_PAGEDOWN] = 0x17A,
	[KBC_KEY_UP] = 0x175, [KBC_KEY_LEFT] = 0x16B, [KBC_KEY_DOWN] = 0x172,
	[KBC_KEY_RIGHT] = 0x174,
	[KBC_KEY_NUMLOCK] = 0x77, [KBC_KEY_KP_SLASH] = 0x14A, [KBC_KEY_KP_STAR] = 0x7C,
	[KBC_KEY_KP_MINUS] = 0x7B, [KBC_KEY_KP_7] = 0x6C, [KBC_KEY_KP_8] = 0x75,
	[KBC_KEY_KP_9] = 0x7D, [KBC_KEY_KP_PLUS] = 0x79, [KBC_KEY_KP_4] = 0x6B,
	[KBC_KEY_KP_5] = 0x73, [KBC_KEY_KP_6] = 0x74, [KBC_KEY_KP_1] = 0x69,
	[KBC_KEY_KP_2] = 0x72, [KBC_KEY_KP_3] = 0x7A, [KBC_KEY_KP_ENTER] = 0x15A,
	[KBC_KEY_KP_0] = 0x70, [KBC_KEY_KP_DOT] = 0x71,
	[KBC_KEY_NONUS_BACKSLASH] = 0x61,
};

static bool q_push(KbcQueue *q, u8 b)
{
	if (q->count >= KBC_QUEUE)
		return false;
	q->buf[(q->head + q->count) % KBC_QUEUE] = b;
	q->count++;
	return true;
}

static u8 q_pop(KbcQueue *q)
{
	u8 b = q->buf[q->head];
	q->head = (q->head + 1) % KBC_QUEUE;
	q->count--;
	return b;
}

static void q_clear(KbcQueue *q)
{
	q->head = q->count = 0;
}

static void set_line(IrqLine *l, bool *cur, bool level)
{
	if (level != *cur) {
		*cur = level;
		irq_set(l, level);
	}
}

static void update_irq(Kbc *k)
{
	u8 cmd = k->ram[0];
	set_line(&k->irq1, &k->irq1_level, k->obf && !k->obf_aux && (cmd & CMD_KBD_INT));
	set_line(&k->irq12, &k->irq12_level, k->obf && k->obf_aux && (cmd & CMD_AUX_INT));
}

/* Fills an empty output buffer: controller answers, then keyboard, then mouse. */
static void refill(Kbc *k)
{
	while (!k->obf) {
		if (k->ctl_count) {
			k->out = k->ctl[k->ctl_head];
			k->obf_aux = k->ctl_aux[k->ctl_head];
			k->ctl_head = (k->ctl_head + 1) % 8;
			k->ctl_count--;
			k->obf = true;
		} else if (!(k->ram[0] & CMD_KBD_DISABLE) && (k->kresp.count || k->kkeys.count)) {
			u8 b = q_pop(k->kresp.count ? &k->kresp : &k->kkeys);
			k->kbd_last = b;
			if (k->ram[0] & CMD_XLAT) {
				if (b == 0xF0) {
					k->xlat_f0 = true;
					continue;
				}
				b = (u8)(xlat(b) | (k->xlat_f0 ? 0x80 : 0));
				k->xlat_f0 = false;
			}
			k->out = b;
			k->obf_aux = false;
			k->obf = true;
		} else if (!(k->ram[0] & CMD_AUX_DISABLE) && (k->mresp.count || k->mdata.count)) {
			u8 b = q_pop(k->mresp.count ? &k->mresp : &k->mdata);
			k->mouse_last = b;
			k->out = b;
			k->obf_aux = true;
			k->obf = true;
		} else {
			break;
		}
	}
	update_irq(k);
}

static void ctl_push(Kbc *k, u8 b, bool aux)
{
	if (k->ctl_count >= 8)
		return; /* a guest piling up unread answers loses the newest ones */
	int i = (k->ctl_head + k->ctl_count) % 8;
	k->ctl[i] = b;
	k->ctl_aux[i] = aux;
	k->ctl_count++;
}

static void set_a20(Kbc *k, bool on)
{
	if (on)
		k->outport |= 0x02;
	else
		k->outport &= (u8)~0x02;
	set_line(&k->a20, &k->a20_level, on);
}

static void pulse_reset(Kbc *k)
{
	irq_pulse(&k->reset);
}

/* ---- the keyboard ---- */

static void kbd_defaults(Kbc *k)
{
	k->typematic = 0x2B; /* 10.9 characters/s after 500 ms */
}

static void kbd_power_on(Kbc *k)
{
	q_clear(&k->kresp);
	q_clear(&k->kkeys);
	k->kbd_param = 0;
	k->kbd_last = 0;
	k->kbd_set = 2;
	k->kbd_scan = true;
	k->leds = 0;
	kbd_defaults(k);
}

/* A byte from the host to the keyboard. */
static void kbd_write(Kbc *k, u8 v)
{
	if (k->kbd_param) {
		u8 c = k->kbd_param;
		k->kbd_param = 0;
		if (v < 0xED) { /* a parameter; a command byte instead abandons the command */
			switch (c) {
			case 0xED:
				k->leds = v & 7;
				q_push(&k->kresp, PS2_ACK);
				return;
			case 0xF3:
				k->typematic = v & 0x7F;
				q_push(&k->kresp, PS2_ACK);
				return;
			default: /* 0xF0 */
				if (v == 0) {
					q_push(&k->kresp, PS2_ACK);
					q_push(&k->kresp, k->kbd_set);
				} else if (v <= 3) {
					q_push(&k->kresp, PS2_ACK);
					if (v != 3)
						k->kbd_set = v;
				} else {
					q_push(&k->kresp, PS2_RESEND);
				}
				return;
			}
		}
	}
	switch (v) {
	case 0xED: /* set LEDs */
	case 0xF0: /* select scan code set */
	case 0xF3: /* typematic rate/delay */
		q_push(&k->kresp, PS2_ACK);
		k->kbd_param = v;
		break;
	case 0xEE: /* echo */
		q_push(&k->kresp, 0xEE);
		break;
	case 0xF2: /* identify: a PS/2 MF2 keyboard */
		q_push(&k->kresp, PS2_ACK);
		q_push(&k->kresp, 0xAB);
		q_push(&k->kresp, 0x83);
		break;
	case 0xF4: /* enable: clear the buffer, start scanning */
		q_clear(&k->kkeys);
		k->kbd_scan = true;
		q_push(&k->kresp, PS2_ACK);
		break;
	case 0xF5: /* default disable */
		q_clear(&k->kkeys);
		kbd_defaults(k);
		k->kbd_scan = false;
		q_push(&k->kresp, PS2_ACK);
		break;
	case 0xF6: /* set default */
		q_clear(&k->kkeys);
		kbd_defaults(k);
		k->kbd_scan = true;
		q_push(&k->kresp, PS2_ACK);
		break;
	case 0xF7: case 0xF8: case 0xF9: case 0xFA: /* set-3 key types: acknowledged */
	case 0xFB: case 0xFC: case 0xFD:
		q_push(&k->kresp, PS2_ACK);
		break;
	case 0xFE: /* resend */
		q_push(&k->kresp, k->kbd_last);
		break;
	case 0xFF: /* reset: ACK, then the self-test result */
		kbd_power_on(k);
		q_push(&k->kresp, PS2_ACK);
		q_push(&k->kresp, 0xAA);
		break;
	default:
		q_push(&k->kresp, PS2_RESEND);
		break;
	}
}

/* ---- the mouse ---- */

static void mouse_defaults(Kbc *k)
{
	k->mouse_rate = 100;
	k->mouse_res = 2; /* 4 counts/mm */
	k->mouse_scale21 = false;
	k->mouse_report = false;
	k->mouse_remote = false;
	k->mouse_dx = k->mouse_dy = 0;
	q_clear(&k->mdata);
}

static void mouse_power_on(Kbc *k)
{
	q_clear(&k->mresp);
	k->mouse_param = 0;
	k->mouse_last = 0;
	k->mouse_wrap = false;
	k->mouse_buttons = 0;
	mouse_defaults(k);
}

/* A movement packet of the accumulated motion (clamped to 9 bits with overflow). */
static void mouse_packet(Kbc *k, KbcQueue *q)
{
	int dx = k->mouse_dx, dy = k->mouse_dy;
	u8 b0 = (u8)(0x08 | (k->mouse_buttons & 7));
	if (dx < -256 || dx > 255)
		b0 |= 0x40;
	if (dy < -256 || dy > 255)
		b0 |= 0x80;
	dx = dx < -256 ? -256 : dx > 255 ? 255 : dx;
	dy = dy < -256 ? -256 : dy > 255 ? 255 : dy;
	if (dx < 0)
		b0 |= 0x10;
	if (dy < 0)
		b0 |= 0x20;
	q_push(q, b0);
	q_push(q, (u8)dx);
	q_push(q, (u8)dy);
	k->mouse_dx = k->mouse_dy = 0;
}

static void mouse_write(Kbc *k, u8 v)
{
	KbcQueue *r = &k->mresp;
	if (k->mouse_wrap && v != 0xEC && v != 0xFF) {
		q_push(r, v); /* wrap mode echoes */
		return;
	}
	if (k->mouse_param) {
		u8 c = k->mouse_param;
		k->mouse_param = 0;
		if (c == 0xF3)
			k->mouse_rate = v;
		else
			k->mouse_res = v & 3;
		q_push(r, PS2_ACK);
		return;
	}
	switch (v) {
	case 0xE6: /* scaling 1:1 */
	case 0xE7: /* scaling 2:1 */
		k->mouse_scale21 = v == 0xE7;
		q_push(r, PS2_ACK);
		break;
	case 0xE8: /* set resolution */
	case 0xF3: /* set sample rate */
		k->mouse_param = v;
		q_push(r, PS2_ACK);
		break;
	case 0xE9: /* status request */
		q_push(r, PS2_ACK);
		q_push(r, (u8)((k->mouse_remote ? 0x40 : 0) | (k->mouse_report ? 0x20 : 0) |
		                (k->mouse_scale21 ? 0x10 : 0) | (k->mouse_buttons & 1) << 2 |
		                (k->mouse_buttons & 4) >> 1 | (k->mouse_buttons & 2) >> 1));
		q_push(r, k->mouse_res);
		q_push(r, k->mouse_rate);
		break;
	case 0xEA: /* stream mode */
		k->mouse_remote = false;
		q_push(r, PS2_ACK);
		break;
	case 0xEB: /* read data */
		q_push(r, PS2_ACK);
		mouse_packet(k, r);
		break;
	case 0xEC: /* reset wrap mode */
		k->mouse_wrap = false;
		q_push(r, PS2_ACK);
		break;
	case 0xEE: /* set wrap mode */
		k->mouse_wrap = true;
		q_push(r, PS2_ACK);
		break;
	case 0xF0: /* remote mode */
		k->mouse_remote = true;
		q_push(r, PS2_ACK);
		break;
	case 0xF2: /* get device ID */
		q_push(r, PS2_ACK);
		q_push(r, 0x00);
		break;
	case 0xF4: /* enable data reporting */
		k->mouse_report = true;
		q_push(r, PS2_ACK);
		break;
	case 0xF5: /* disable data reporting */
		k->mouse_report = false;
		q_clear(&k->mdata);
		q_push(r, PS2_ACK);
		break;
	case 0xF6: /* set defaults */
		mouse_defaults(k);
		q_push(r, PS2_ACK);
		break;
	case 0xFE: /* resend */
		q_push(r, k->mouse_last);
		break;
	case 0xFF: /* reset: ACK, self-test passed, ID */
		mouse_power_on(k);
		q_push(r, PS2_ACK);
		q_push(r, 0xAA);
		q_push(r, 0x00);
		break;
	default:
		q_push(r, PS2_RESEND);
		break;
	}
}

/* ---- the controller ---- */

static u8 outport_read(const Kbc *k)
{
	u8 v = k->outport & (u8)~0x30;
	if (k->obf && !k->obf_aux)
		v |= 0x10; /* keyboard output buffer full (IRQ1 line) */
	if (k->obf && k->obf_aux)
		v |= 0x20; /* aux output buffer full (IRQ12 line) */
	return v;
}

static void write_outport(Kbc *k, u8 v)
{
	set_a20(k, v & 0x02);
	k->outport = (u8)(v | 0x01);
	if (!(v & 0x01))
		pulse_reset(k); /* bit 0 is the CPU's reset line, active low */
}

static void controller_command(Kbc *k, u8 c)
{
	k->param_cmd = 0;
	if (c >= 0x20 && c <= 0x3F) {
		ctl_push(k, k->ram[c & 0x1F], false);
		return;
	}
	if ((c >= 0x60 && c <= 0x7F) || c == 0xA5 || (c >= 0xD1 && c <= 0xD4)) {
		k->param_cmd = c;
		return;
	}
	if (c >= 0xF0) {
		/* Pulse output port bits 0-3 low for those clear in c; bit 0 is reset. */
		if (!(c & 0x01))
			pulse_reset(k);
		return;
	}
	switch (c) {
	case 0xA4: /* password installed? */
		ctl_push(k, 0xF1, false);
		break;
	case 0xA7:
		k->ram[0] |= CMD_AUX_DISABLE;
		break;
	case 0xA8:
		k->ram[0] &= (u8)~CMD_AUX_DISABLE;
		break;
	case 0xA9: /* aux interface test: no error */
		ctl_push(k, 0x00, false);
		break;
	case 0xAA: /* self test */
		k->sys = true;
		ctl_push(k, 0x55, false);
		break;
	case 0xAB: /* keyboard interface test: no error */
		ctl_push(k, 0x00, false);
		break;
	case 0xAD:
		k->ram[0] |= CMD_KBD_DISABLE;
		break;
	case 0xAE:
		k->ram[0] &= (u8)~CMD_KBD_DISABLE;
		break;
	case 0xC0: /* input port: keyboard not inhibited, colour display */
		ctl_push(k, 0x80, false);
		break;
	case 0xD0:
		ctl_push(k, outport_read(k), false);
		break;
	case 0xDD:
		set_a20(k, false);
		break;
	case 0xDF:
		set_a20(k, true);
		break;
	case 0xE0: /* test inputs: keyboard clock and data low */
		ctl_push(k, 0x00, false);
		break;
	default:
		LOG_DEBUGF("kbc: command %02x ignored", c);
		break;
	}
}

static void data_write(Kbc *k, u8 v)
{
	u8 c = k->param_cmd;
	k->param_cmd = 0;
	if (!c) {
		/* Data for the keyboard; sending it enables the keyboard interface. */
		k->ram[0] &= (u8)~CMD_KBD_DISABLE;
		kbd_write(k, v);
		return;
	}
	if (c >= 0x60 && c <= 0x7F) {
		k->ram[c & 0x1F] = v;
		if (c == 0x60)
			k->sys = v & CMD_SYS;
		return;
	}
	switch (c) {
	case 0xA5: /* password bytes until a zero: accepted and forgotten */
		if (v)
			k->param_cmd = 0xA5;
		break;
	case 0xD1:
		write_outport(k, v);
		break;
	case 0xD2: /* as if from the keyboard */
		ctl_push(k, v, false);
		break;
	case 0xD3: /* as if from the mouse */
		ctl_push(k, v, true);
		break;
	default: /* 0xD4: to the mouse */
		mouse_write(k, v);
		break;
	}
}

static u32 kbc_io_read(void *ctx, u16 port, int size)
{
	Kbc *k = ctx;
	if (port & 4) {
		return (u32)((k->obf ? ST_OBF : 0) | (k->sys ? ST_SYS : 0) | (k->a2 ? ST_A2 : 0) |
		             ST_UNLOCKED | (k->obf && k->obf_aux ? ST_AUX : 0));
	}
	u8 v = k->out;
	if (k->obf) {
		/* The IRQ line drops with OBF before the next byte comes in, so the PIC sees
		 * a new edge for it. */
		k->obf = false;
		update_irq(k);
		refill(k);
	}
	return v;
}

static void kbc_io_write(void *ctx, u16 port, u32 val, int size)
{
	Kbc *k = ctx;
	if (port & 4) {
		k->a2 = true;
		controller_command(k, (u8)val);
	} else {
		k->a2 = false;
		data_write(k, (u8)val);
	}
	refill(k);
}

void kbc_reset(Kbc *k)
{
	for (int i = 0; i < 32; i++)
		k->ram[i] = 0;
	k->ram[0] = CMD_XLAT | CMD_AUX_DISABLE | CMD_KBD_INT;
	k->obf = k->obf_aux = false;
	k->out = 0;
	k->sys = false;
	k->a2 = false;
	k->param_cmd = 0;
	k->ctl_head = k->ctl_count = 0;
	k->xlat_f0 = false;
	k->outport = 0xCF;
	kbd_power_on(k);
	mouse_power_on(k);
	set_line(&k->a20, &k->a20_level, false);
	set_a20(k, true);
	update_irq(k);
}

void kbc_init(Kbc *k)
{
	*k = (Kbc){0};
	kbc_reset(k);
}

/* The set 2 bytes of a key event; returns the count. */
static int key_sequence(KbcKey key, bool down, u8 *seq)
{
	int n = 0;
	if (key == KBC_KEY_PAUSE) {
		if (!down)
			return 0; /* Pause has no break code */
		static const u8 pause[8] = {0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77};
		for (n = 0; n < 8; n++)
			seq[n] = pause[n];
		return n;
	}
	if (key == KBC_KEY_PRINTSCREEN) {
		static const u8 make[4] = {0xE0, 0x12, 0xE0, 0x7C};
		static const u8 brk[6] = {0xE0, 0xF0, 0x7C, 0xE0, 0xF0, 0x12};
		const u8 *s = down ? make : brk;
		n = down ? 4 : 6;
		for (int i = 0; i < n; i++)
			seq[i] = s[i];
		return n;
	}
	u16 code = set2[key];
	if (code & 0x100)
		seq[n++] = 0xE0;
	if (!down)
		seq[n++] = 0xF0;
	seq[n++] = (u8)code;
	return n;
}

bool kbc_key(Kbc *k, KbcKey key, bool down)
{
	if (key <= KBC_KEY_NONE || key >= KBC_KEY_COUNT)
		return true;
	if (!k->kbd_scan)
		return true; /* a disabled keyboard ignores its keys */
	u8 seq[8];
	int n = key_sequence(key, down, seq);
	if (k->kbd_set == 1) {
		/* Set 1 from the keyboard itself: the same translation, done before sending. */
		int m = 0;
		bool brk = false;
		for (int i = 0; i < n; i++) {
			if (seq[i] == 0xF0) {
				brk = true;
				continue;
			}
			seq[m++] = (u8)(xlat(seq[i]) | (brk ? 0x80 : 0));
			brk = false;
		}
		n = m;
	}
	if (k->kkeys.count + n > KBC_QUEUE)
		return false;
	for (int i = 0; i < n; i++)
		q_push(&k->kkeys, seq[i]);
	refill(k);
	return true;
}

/* Set 2 bytes of pressing and releasing key (set 1 takes no more). */
static int tap_bytes(KbcKey key)
{
	u8 seq[8];
	return key_sequence(key, true, seq) + key_sequence(key, false, seq);
}

bool kbc_tap(Kbc *k, KbcKey key)
{
	if (key <= KBC_KEY_NONE || key >= KBC_KEY_COUNT)
		return true;
	if (k->kkeys.count + tap_bytes(key) > KBC_QUEUE)
		return false;
	kbc_key(k, key, true);
	kbc_key(k, key, false);
	return true;
}

bool kbc_chord(Kbc *k, KbcKey mod, KbcKey key)
{
	if (mod <= KBC_KEY_NONE || mod >= KBC_KEY_COUNT)
		return kbc_tap(k, key);
	if (key <= KBC_KEY_NONE || key >= KBC_KEY_COUNT)
		return true;
	if (k->kkeys.count + tap_bytes(key) + tap_bytes(mod) > KBC_QUEUE)
		return false; /* all or nothing */
	kbc_key(k, mod, true);
	kbc_key(k, key, true);
	kbc_key(k, key, false);
	kbc_key(k, mod, false);
	return true;
}

bool kbc_keys_pending(const Kbc *k)
{
	return k->kkeys.count != 0 || (k->obf && !k->obf_aux);
}

bool kbc_mouse_move(Kbc *k, int dx, int dy, int buttons)
{
	bool changed = dx || dy || (buttons & 7) != k->mouse_buttons;
	k->mouse_buttons = (u8)(buttons & 7);
	k->mouse_dx = MAX(-65536, MIN(65536, k->mouse_dx + MAX(-65536, MIN(65536, dx))));
	k->mouse_dy = MAX(-65536, MIN(65536, k->mouse_dy + MAX(-65536, MIN(65536, dy))));
	if (k->mouse_remote)
		return true; /* kept for Read Data */
	if (!k->mouse_report || !changed) {
		k->mouse_dx = k->mouse_dy = 0;
		return true;
	}
	if (k->mdata.count + 3 > KBC_QUEUE)
		return false;
	mouse_packet(k, &k->mdata);
	refill(k);
	return true;
}

const IoOps kbc_io_ops = {kbc_io_read, kbc_io_write, 1, "kbc"};
