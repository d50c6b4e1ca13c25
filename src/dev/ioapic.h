/* ioapic.h: the Intel 82093AA I/O APIC: 24 interrupt input pins, each turned into an
 * APIC bus message by its redirection table entry.
 *
 * Memory (the board maps one 4 KiB page, 0xFEC00000 as SeaBIOS's tables say):
 *   +0x00 IOREGSEL (bits 7:0 select a register), +0x10 IOWIN (the selected register,
 *   dword). Registers: 0x00 ID (bits 27:24), 0x01 version (0x11, max redirection entry
 *   23: reads 0x00170011), 0x02 arbitration ID (bits 27:24, follows the ID), 0x10-0x3F
 *   the redirection table, entry n's low dword at 0x10 + 2n, high at 0x11 + 2n.
 * Entry: vector 7:0, delivery mode 10:8 (fixed, lowest priority, SMI, NMI, INIT,
 * ExtINT), destination mode 11, delivery status 12 (read-only, always idle: delivery is
 * immediate), polarity 13, remote IRR 14 (read-only), trigger mode 15, mask 16,
 * destination 63:56. Reset: every entry masked, the rest 0; ID 0.
 *
 * Inputs: ioapic_set_irq(io, pin, level) with the pin's electrical level; polarity 1
 * (active low) inverts it. Edge-triggered: a rising edge of the asserted state sends one
 * message while unmasked (an edge on a masked pin is lost, as on the 82093AA).
 * Level-triggered: while asserted and unmasked and remote IRR is clear, a message is
 * sent and remote IRR set; the EOI of that vector from a local APIC (ioapic_eoi) clears
 * remote IRR, and a pin still asserted sends again. Output: the send callback (the APIC
 * bus). Reference: Intel 82093AA I/O APIC datasheet (290566-001), 3.0 (registers).
 * Not modelled: the 82093AA's own APIC-bus arbitration and its bus error handling; an
 * access other than IOREGSEL/IOWIN reads 0 and is ignored when written; only dword
 * accesses to IOWIN take effect (byte reads return the bytes). */
#ifndef VMCP_DEV_IOAPIC_H
#define VMCP_DEV_IOAPIC_H

#include "base/base.h"
#include "bus/apicmsg.h"
#include "bus/irq.h"
#include "bus/membus.h"

#define IOAPIC_PINS 24
#define IOAPIC_BASE 0xFEC00000u /* the board's one I/O APIC (and its tables) */
#define IOAPIC_VERSION 0x00170011u

typedef struct IoApic {
	ApicSendFn send;
	void *send_ctx;
	u8 regsel;
	u32 id;
	u64 redir[IOAPIC_PINS];
	u32 pins;      /* electrical level of each input */
	IrqSync sync;  /* called before any change that could make an ignored input
	                  matter again (ioapic_input_ignored; bus/irq.h) */
} IoApic;

void ioapic_init(IoApic *io);
void ioapic_reset(IoApic *io);

/* IrqSetFn for input pin n (0-23); ctx is the IoApic. */
void ioapic_set_irq(void *ctx, int n, int level);

/* True when a change of pin n's level could change nothing now: an edge-triggered pin
 * that is masked. Until io->sync is called (before any register write, a reset) it
 * stays so. */
bool ioapic_input_ignored(const IoApic *io, int n);

/* A local APIC's EOI of a level-triggered vector (an ApicEoiFn; ctx is the IoApic). */
void ioapic_eoi(void *ctx, u8 vector);

/* Register access as through IOREGSEL/IOWIN (for tests and the fuzzer). */
u32 ioapic_reg_read(IoApic *io, u8 reg);
void ioapic_reg_write(IoApic *io, u8 reg, u32 val);

extern const MmioOps ioapic_mmio_ops;

#endif
