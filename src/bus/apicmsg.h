/* apicmsg.h: an interrupt message on the APIC bus (the system bus of an xAPIC system),
 * the wire between I/O APICs and local APICs and between local APICs (IPIs), as irq.h
 * is the wire between a device and a PIC input.
 *
 * A sender (an I/O APIC redirection entry, a local APIC's ICR) fills an ApicMsg and
 * calls the ApicSendFn the board gave it; the board hands it to the local APICs
 * (lapic_bus_deliver in src/dev/lapic.c decides which accept it). The fields are those
 * of the ICR and of a redirection entry (Intel SDM vol. 3A 10.6.1; 82093AA datasheet
 * 3.2.4). A local APIC's EOI for a level-triggered vector goes the other way, to every
 * I/O APIC: an ApicEoiFn. */
#ifndef VMCP_BUS_APICMSG_H
#define VMCP_BUS_APICMSG_H

#include "base/base.h"

/* Delivery modes (ICR and redirection entry bits 10:8). */
enum {
	APIC_DM_FIXED = 0,
	APIC_DM_LOWEST = 1,
	APIC_DM_SMI = 2,
	APIC_DM_NMI = 4,
	APIC_DM_INIT = 5,
	APIC_DM_STARTUP = 6,
	APIC_DM_EXTINT = 7,
};

/* Destination shorthands (ICR bits 19:18). */
enum {
	APIC_SH_NONE = 0,
	APIC_SH_SELF = 1,
	APIC_SH_ALL = 2,      /* all including self */
	APIC_SH_OTHERS = 3,   /* all excluding self */
};

typedef struct ApicMsg {
	u8 vector;
	u8 mode;       /* APIC_DM_* */
	bool logical;  /* destination mode: logical (true) or physical APIC ID */
	u8 dest;       /* APIC ID, or a logical destination (flat or cluster model) */
	bool level;    /* trigger mode: level (true) or edge */
	bool assert;   /* level: assert (true) or de-assert (an INIT de-assert IPI) */
	u8 shorthand;  /* APIC_SH_*: only from an ICR */
	int source;    /* index of the sending local APIC, -1 for an I/O APIC */
} ApicMsg;

typedef void (*ApicSendFn)(void *ctx, const ApicMsg *msg);
/* The EOI of a level-triggered vector, broadcast to the I/O APICs. */
typedef void (*ApicEoiFn)(void *ctx, u8 vector);

#endif
