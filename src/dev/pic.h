/* pic.h: the PC-AT's two cascaded Intel 8259A programmable interrupt controllers, plus
 * the PIIX3's edge/level control registers (ELCR).
 *
 * Ports (the board maps both 2-port ranges to the same Pic, byte access only):
 *   0x20-0x21  master 8259A (A0 = port bit 0)      io_map(io, 0x20, 2, &pic_io_ops, pic)
 *   0xA0-0xA1  slave 8259A, its INT on master IR2   io_map(io, 0xA0, 2, &pic_io_ops, pic)
 *   0x4D0-0x4D1 ELCR1 (IRQ0-7) / ELCR2 (IRQ8-15)    io_map(io, 0x4D0, 2, &pic_elcr_io_ops, pic)
 * Inputs: pic_set_irq(pic, n, level) for IRQ n = 0..15 (an IrqSetFn: irq_connect(&dev->irq,
 * pic_set_irq, pic, n)). IRQ2 is the cascade and is not an input (ISA IRQ2 is IRQ9 on the
 * AT: the board wires it there). Output: `intr` (level, to the CPU's INTR), and pic_ack()
 * is the INTA cycle (cpu_set_intr_ack(cpu, pic_ack, pic)). */
#ifndef VMCP_DEV_PIC_H
#define VMCP_DEV_PIC_H

#include "base/base.h"
#include "bus/iobus.h"
#include "bus/irq.h"

/* One 8259A. */
typedef struct Pic8259 {
	u8 irr;         /* interrupt request register */
	u8 isr;         /* in-service register */
	u8 imr;         /* interrupt mask register (OCW1) */
	u8 lines;       /* current level of each IR input (edge detection) */
	u8 elcr;        /* PIIX3 ELCR: 1 = level-triggered input */
	u8 elcr_mask;   /* ELCR bits that exist (IRQ0-2, 8 and 13 are edge only) */
	u8 vector_base; /* ICW2, T7-T3 */
	u8 icw3;        /* master: inputs with a slave; slave: its ID */
	u8 init_step;   /* 0 ready; 1, 2, 3: waiting for ICW2, ICW3, ICW4 */
	bool icw4_needed, single, ltim;
	bool upm, aeoi, sfnm, buffered;
	bool rotate_aeoi;  /* rotate in automatic EOI mode */
	u8 lowest;         /* IR with the lowest priority; lowest+1 has the highest */
	bool read_isr;     /* OCW3 RR/RIS: port A0=0 reads the ISR instead of the IRR */
	bool poll;         /* OCW3 P: the next read is the poll word */
	bool special_mask; /* OCW3 SMM */
	bool master;
} Pic8259;

typedef struct Pic {
	Pic8259 chip[2]; /* [0] master, [1] slave */
	IrqLine intr;    /* INT of the master, to the CPU's INTR input */
	bool intr_level;
	IrqSync sync;    /* called before any change that could make an ignored input
	                    matter again (pic_input_ignored; bus/irq.h) */
} Pic;

/* Sets up the pair in its reset state (see pic_reset). */
void pic_init(Pic *p);

/* True when a change of input n's level could change nothing now: the input is
 * edge-triggered and its request is already latched in the IRR. Until p->sync is called
 * (before an INTA, a poll, any write to the chips or the ELCR, a reset) it stays so. */
bool pic_input_ignored(const Pic *p, int n);

/* System reset: both chips uninitialised (IMR all masked, nothing pending or in service,
 * vector base 0), ELCR all edge. Drives `intr` low. */
void pic_reset(Pic *p);

/* IrqSetFn for IRQ n (0..15) at level 0/1; ctx is the Pic. Edge inputs latch a request
 * on a 0->1 transition (it stays requested after the line falls, so irq_pulse() works);
 * level inputs (ELCR) request while high. n = 2 and out-of-range n are ignored. */
void pic_set_irq(void *ctx, int n, int level);

/* The INTA cycle, for cpu_set_intr_ack (ctx is the Pic). Returns the vector of the
 * highest-priority request and marks it in service (unless AEOI). With nothing to
 * acknowledge it returns the spurious vector: master base + 7 (IRQ7), or the slave's
 * base + 7 (IRQ15) when the master chose the cascade input; no ISR bit is set then. */
int pic_ack(void *ctx);

/* True while the master's INT output is high. */
bool pic_intr(const Pic *p);

extern const IoOps pic_io_ops;      /* 0x20-0x21 and 0xA0-0xA1 */
extern const IoOps pic_elcr_io_ops; /* 0x4D0-0x4D1 */

#endif
