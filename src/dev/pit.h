/* pit.h: the Intel 8254 programmable interval timer and the PC's system control port B
 * (port 61h), which carries counter 2's GATE and OUT.
 *
 * Ports (byte access):
 *   0x40-0x43  counters 0-2 and the control word   io_map(io, 0x40, 4, &pit_io_ops, pit)
 *   0x61       system control port B (NMI status and control, speaker, refresh toggle)
 *                                                   io_map(io, 0x61, 1, &pit_port61_io_ops, pit)
 * Clock: 1.193182 MHz, derived from the virtual clock. Outputs: `irq0` follows counter
 * 0's OUT (the PIC's IRQ0, edge-triggered there). GATE0 and GATE1 are tied high as on
 * the PC; GATE2 is port 61h bit 0. OUT2 reads back in port 61h bit 5 and ANDed with bit
 * 1 drives the speaker (not produced as a signal here: see pit_speaker()). */
#ifndef VMCP_DEV_PIT_H
#define VMCP_DEV_PIT_H

#include "base/base.h"
#include "bus/clock.h"
#include "bus/iobus.h"
#include "bus/irq.h"

#define PIT_HZ 1193182u
#define PIT_TICK_NEVER UINT64_MAX

typedef struct PitCounter {
	/* Programming (control word and count register). */
	u8 mode;            /* 0-5 (control-word modes 6 and 7 are 2 and 3) */
	u8 cw;              /* control word bits 5-0 as written (the status byte shows them) */
	u8 rw;              /* 1 LSB only, 2 MSB only, 3 LSB then MSB */
	bool bcd;
	u16 cr;             /* count register as written */
	bool wmsb;          /* rw=3: the next write is the MSB */
	bool rmsb;          /* rw=3: the next read is the MSB */
	bool have_count;    /* a complete count was written since the control word */
	u32 n;              /* CR as a count, 1..modulus (0 written means the modulus) */
	/* Read latches. */
	u16 ol;             /* output latch (counter latch command) */
	bool latched;
	u8 status;          /* status latch (read-back command) */
	bool status_latched;
	bool null_count;    /* CR written but not yet moved to CE... */
	u64 nc_clear;       /* ...until this tick (PIT_TICK_NEVER: until a load/trigger) */
	bool gate;
	/* The counting element, as a closed form since the tick `start`:
	 * before start (or when !running) CE and OUT hold pre_ce / pre_out. */
	bool running;
	u64 start;
	u32 val;            /* CE at start (modes 0,1,4,5) or the reload count N (2,3) */
	bool flag;          /* 0,1: OUT already high; 3: starts in the high half; 4,5: strobe armed */
	u32 pre_ce;
	bool pre_out;
	bool pending;       /* modes 2/3: a new count loads at switch_tick */
	u32 pending_n;
	u64 switch_tick;
} PitCounter;

typedef struct Pit {
	Clock *clk;
	PitCounter c[3];
	Timer timer;        /* counter 0's next OUT transition */
	u64 irq_tick;       /* tick at which irq_level was last evaluated */
	bool irq_level;
	bool irq_resting;   /* IRQ0 not driven while its receivers ignore it (pit_irq_sync) */
	IrqLine irq0;
	u8 port61;          /* bits 0-3 as written */
	u8 nmi_status;      /* bits 6 (IOCHK) and 7 (SERR) latched by the board */
} Pit;

/* Sets up the PIT on clk in its reset state. */
void pit_init(Pit *p, Clock *clk);

/* System reset: all counters in mode 0 waiting for a count, OUT0 low, port 61h 0. */
void pit_reset(Pit *p);

/* Sets counter ch's GATE input (only counter 2's is wired on the PC: port 61h does it). */
void pit_set_gate(Pit *p, int ch, bool level);

/* The receivers of IRQ0 are about to change state (an IrqSync hook, bus/irq.h): if
 * OUT0's transitions were not being driven because they could change nothing, drive
 * OUT0's present level now and follow its transitions again. */
void pit_irq_sync(Pit *p);

/* OUT of counter ch at the current virtual time. */
bool pit_out(Pit *p, int ch);

/* The value the counting element holds now (binary, 0 meaning the full modulus). */
u32 pit_count(Pit *p, int ch);

/* True while the speaker is driven: port 61h bits 0 and 1 set, counter 2 square wave;
 * *hz gets counter 2's output frequency when it is in mode 3 (else 0). */
bool pit_speaker(Pit *p, u32 *hz);

/* Latches the NMI sources reported in port 61h: IOCHK# (bit 6) and PCI SERR# (bit 7).
 * They stay set until the guest clears them through bits 3 and 2. */
void pit_set_nmi_status(Pit *p, bool iochk, bool serr);

/* Virtual-time helpers: PIT ticks elapsed at ns, and the ns at which tick k happens. */
u64 pit_ns_to_tick(u64 ns);
u64 pit_tick_to_ns(u64 tick);

extern const IoOps pit_io_ops;        /* 0x40-0x43 */
extern const IoOps pit_port61_io_ops; /* 0x61 */

#endif
