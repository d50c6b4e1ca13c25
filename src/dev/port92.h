/* port92.h: system control port A (port 92h) of the PS/2 and the PIIX3: the fast A20
 * gate and the fast CPU reset.
 *
 * Port (byte access): io_map(io, 0x92, 1, &port92_io_ops, p92)
 * Outputs: a20 (bit 1; the board ORs it with the 8042's A20 output) and reset (pulsed
 * 1 then 0 on a 0->1 transition of bit 0; the board resets the CPU). */
#ifndef VMCP_DEV_PORT92_H
#define VMCP_DEV_PORT92_H

#include "base/base.h"
#include "bus/iobus.h"
#include "bus/irq.h"

typedef struct Port92 {
	u8 val;
	IrqLine a20, reset;
	bool a20_level;
} Port92;

/* Sets up the port in its reset state. */
void port92_init(Port92 *p);

/* System reset: the register reads 00h (A20 off from this port); drives a20 low. */
void port92_reset(Port92 *p);

extern const IoOps port92_io_ops; /* 0x92 */

#endif
