/* kbc.h: the Intel 8042 keyboard controller of the PC-AT/PS/2 with a PS/2 keyboard and
 * a PS/2 mouse (the aux device) behind it.
 *
 * Ports (byte access): 0x60 data, 0x64 status (read) / command (write):
 *   io_map(io, 0x60, 1, &kbc_io_ops, kbc); io_map(io, 0x64, 1, &kbc_io_ops, kbc)
 * Outputs (IrqLines): irq1 (keyboard byte in the output buffer, command byte bit 0),
 * irq12 (mouse byte, bit 1), a20 (output port bit 1: 1 = A20 enabled; the board ORs it
 * with port 92h's), reset (pulsed 1 then 0 by command 0xFE / 0xF0-0xFE with bit 0 clear,
 * or output port bit 0 written 0: the board resets the CPU, not the devices, as the
 * AT's 8042 only pulls the CPU's RESET).
 * Host side: kbc_key() presses/releases a key (KbcKey codes, the keyboard sends its
 * scan code set 2 or 1 codes, the controller translates set 2 to set 1 when command
 * byte bit 6 is set), kbc_chord() taps a key with a modifier held, kbc_mouse_move()
 * reports mouse motion. Which key a character is (the layout) is the console's business
 * (src/cp/keys.c), not the keyboard's. */
#ifndef VMCP_DEV_KBC_H
#define VMCP_DEV_KBC_H

#include "base/base.h"
#include "bus/iobus.h"
#include "bus/irq.h"

/* Keys of a 102/104-key PC keyboard, by position (US legends). */
typedef enum KbcKey {
	KBC_KEY_NONE,
	KBC_KEY_ESC, KBC_KEY_F1, KBC_KEY_F2, KBC_KEY_F3, KBC_KEY_F4, KBC_KEY_F5, KBC_KEY_F6,
	KBC_KEY_F7, KBC_KEY_F8, KBC_KEY_F9, KBC_KEY_F10, KBC_KEY_F11, KBC_KEY_F12,
	KBC_KEY_GRAVE, KBC_KEY_1, KBC_KEY_2, KBC_KEY_3, KBC_KEY_4, KBC_KEY_5, KBC_KEY_6,
	KBC_KEY_7, KBC_KEY_8, KBC_KEY_9, KBC_KEY_0, KBC_KEY_MINUS, KBC_KEY_EQUAL,
	KBC_KEY_BACKSPACE,
	KBC_KEY_TAB, KBC_KEY_Q, KBC_KEY_W, KBC_KEY_E, KBC_KEY_R, KBC_KEY_T, KBC_KEY_Y,
	KBC_KEY_U, KBC_KEY_I, KBC_KEY_O, KBC_KEY_P, KBC_KEY_LBRACKET, KBC_KEY_RBRACKET,
	KBC_KEY_BACKSLASH,
	KBC_KEY_CAPSLOCK, KBC_KEY_A, KBC_KEY_S, KBC_KEY_D, KBC_KEY_F, KBC_KEY_G, KBC_KEY_H,
	KBC_KEY_J, KBC_KEY_K, KBC_KEY_L, KBC_KEY_SEMICOLON, KBC_KEY_APOSTROPHE, KBC_KEY_ENTER,
	KBC_KEY_LSHIFT, KBC_KEY_Z, KBC_KEY_X, KBC_KEY_C, KBC_KEY_V, KBC_KEY_B, KBC_KEY_N,
	KBC_KEY_M, KBC_KEY_COMMA, KBC_KEY_PERIOD, KBC_KEY_SLASH, KBC_KEY_RSHIFT,
	KBC_KEY_LCTRL, KBC_KEY_LGUI, KBC_KEY_LALT, KBC_KEY_SPACE, KBC_KEY_RALT, KBC_KEY_RGUI,
	KBC_KEY_MENU, KBC_KEY_RCTRL,
	KBC_KEY_PRINTSCREEN, KBC_KEY_SCROLLLOCK, KBC_KEY_PAUSE,
	KBC_KEY_INSERT, KBC_KEY_HOME, KBC_KEY_PAGEUP, KBC_KEY_DELETE, KBC_KEY_END,
	KBC_KEY_PAGEDOWN, KBC_KEY_UP, KBC_KEY_LEFT, KBC_KEY_DOWN, KBC_KEY_RIGHT,
	KBC_KEY_NUMLOCK, KBC_KEY_KP_SLASH, KBC_KEY_KP_STAR, KBC_KEY_KP_MINUS, KBC_KEY_KP_7,
	KBC_KEY_KP_8, KBC_KEY_KP_9, KBC_KEY_KP_PLUS, KBC_KEY_KP_4, KBC_KEY_KP_5, KBC_KEY_KP_6,
	KBC_KEY_KP_1, KBC_KEY_KP_2, KBC_KEY_KP_3, KBC_KEY_KP_ENTER, KBC_KEY_KP_0,
	KBC_KEY_KP_DOT,
	KBC_KEY_NONUS_BACKSLASH, /* the 102nd key, left of Z */
	KBC_KEY_COUNT
} KbcKey;

#define KBC_QUEUE 256

typedef struct KbcQueue {
	u8 buf[KBC_QUEUE];
	int head, count;
} KbcQueue;

typedef struct Kbc {
	/* The controller. */
	u8 ram[32];          /* internal RAM; ram[0] is the command byte */
	u8 out;              /* output buffer (port 60h) */
	bool obf, obf_aux;   /* output buffer full, and its byte came from the aux device */
	bool sys;            /* status bit 2: system flag */
	bool a2;             /* status bit 3: the last write went to port 64h */
	u8 outport;          /* output port (0xD0/0xD1) */
	u8 param_cmd;        /* a command waiting for its data byte on port 60h (0: none) */
	u8 ctl[8];           /* bytes the controller itself answers with */
	bool ctl_aux[8];
	int ctl_head, ctl_count;
	bool xlat_f0;        /* set 2->1 translation: an F0 (break) prefix is pending */
	/* The keyboard. */
	KbcQueue kresp;      /* command responses (sent first) */
	KbcQueue kkeys;      /* scan codes */
	u8 kbd_param;        /* command waiting for its parameter */
	u8 kbd_last;         /* last byte sent, for Resend */
	u8 kbd_set;          /* scan code set, 1 or 2 */
	bool kbd_scan;       /* scanning enabled (F4/F5) */
	u8 leds, typematic;
	/* The mouse. */
	KbcQueue mresp, mdata;
	u8 mouse_param, mouse_last, mouse_rate, mouse_res;
	bool mouse_report, mouse_remote, mouse_wrap, mouse_scale21;
	u8 mouse_buttons;
	int mouse_dx, mouse_dy; /* motion not yet reported (remote mode) */
	IrqLine irq1, irq12, a20, reset;
	bool irq1_level, irq12_level, a20_level;
} Kbc;

/* Sets up the controller and devices in their power-on state (see kbc_reset). */
void kbc_init(Kbc *k);

/* System reset: command byte 0x61 (keyboard interrupt on, set 2 to 1 translation on,
 * mouse disabled; system flag clear), output port 0xCF (A20 enabled), buffers empty,
 * keyboard (set 2, scanning) and mouse (streaming off) at their defaults; drives a20. */
void kbc_reset(Kbc *k);

/* Presses (down) or releases a key. Returns false if the keyboard's buffer has no room
 * for the whole sequence (try again after the guest read some); true otherwise, also
 * when the keyboard discards the key because scanning is disabled. */
bool kbc_key(Kbc *k, KbcKey key, bool down);

/* Presses and releases key, both or neither: returns false if the keyboard's buffer has
 * no room for the two (true also when a disabled keyboard discards them). */
bool kbc_tap(Kbc *k, KbcKey key);

/* Presses mod, taps key and releases mod (Shift+A, Ctrl+C), all or nothing: returns
 * false if the keyboard's buffer has no room for the whole sequence. mod KBC_KEY_NONE:
 * a plain tap. */
bool kbc_chord(Kbc *k, KbcKey mod, KbcKey key);

/* True while key bytes wait in the keyboard's buffer or in the controller's output
 * buffer unread: a typist's next key can wait for the guest to take this one. */
bool kbc_keys_pending(const Kbc *k);

/* Reports mouse motion (dx right, dy up, in counts) and the buttons (bit 0 left, 1
 * right, 2 middle) as one stream-mode packet when reporting is enabled; accumulated
 * for Read Data in remote mode. Returns false if there is no room. */
bool kbc_mouse_move(Kbc *k, int dx, int dy, int buttons);

extern const IoOps kbc_io_ops; /* 0x60 and 0x64 */

#endif
