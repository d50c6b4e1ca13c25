/* piix3.h: the Intel 82371SB PIIX3, functions 0 and 1.
 *
 * Function 0 (00:01.0, 8086:7000): the PCI-to-ISA bridge. Modelled: its configuration
 * space with the datasheet defaults (IORT, XBCS, TOM, MBIRQ, MBDMA, APICBASE, DLC, SMI
 * registers as storage), the PIRQ route control registers 0x60-0x63 that steer the
 * four PCI interrupt lines PIRQA#-PIRQD# onto ISA IRQs, and the reset control register
 * at I/O 0xCF9. Header type 0x80: a multifunction device.
 *
 * PIRQ routing: the board connects each PCI function's INTx IrqLine to piix3_set_pirq
 * with n = PIIX3_PIRQ_SRC(pirq, source) (the source index, 0-7, tells apart functions
 * sharing a PIRQ: the line is a wired OR). A PIRQ routed (bit 7 clear) to IRQ 3-7, 9-12,
 * 14 or 15 drives the PIIX3's irq[IRQ] output; the board connects those outputs to the
 * PIC inputs (the ELCR makes them level-triggered; an ISA device on the same IRQ must be
 * ORed in by the board).
 *
 * Reset control (RC, 0xCF9): writing RCPU (bit 2) from 0 to 1 requests a reset: a hard
 * (system) reset on sys_reset when SRST (bit 1) is set, else a soft (CPU only, INIT)
 * reset on cpu_reset. The board reaches 0xCF9 through pci_bus_set_other(), because
 * 0xCF8-0xCFB also hold the host bridge's CONFADD.
 *
 * Function 1 (00:01.1, 8086:7010): the IDE controller's configuration space, class
 * 0x0101 prog-if 0x80 (compatibility mode on both channels, bus master capable):
 * IDETIM 0x40/0x42 (bit 15 enables the channel's legacy decode), SIDETIM 0x44, and
 * BMIBA (BAR4, 16 ports) mapping the bus-master registers the IDE model exports. The
 * IDE model's interrupts go straight to IRQ 14 and 15 (compatibility mode) and its
 * legacy ports 0x1F0-0x1F7/0x3F6 and 0x170-0x177/0x376 are either mapped by the board
 * for good, or handed to piix_ide_attach_legacy() so that they decode only while the
 * channel is enabled (IDETIM bit 15 and PCICMD I/O space), as on the real part.
 *
 * Reference: Intel 82371FB (PIIX) and 82371SB (PIIX3) PCI ISA IDE Xcelerator datasheet,
 * 2.2 (function 0 configuration), 2.3 (function 1), 4.1.17 (RC register).
 * Not modelled: the ISA bus timing, DMA and motherboard-device IRQ routing (MBIRQ, MBDMA
 * are storage), the SMI machinery (SMICNTL, SMIEN, SMIREQ are storage), APIC chip
 * select, USB (function 2 is absent). */
#ifndef VMCP_DEV_PIIX3_H
#define VMCP_DEV_PIIX3_H

#include "bus/iobus.h"
#include "bus/irq.h"
#include "dev/pci.h"

#define PIIX3_PIRQRC 0x60
#define PIIX3_PIRQ_SRC(pirq, src) ((pirq) * 8 + (src))

typedef struct Piix3 {
	PciDev pci;
	u8 rc;             /* reset control register (0xCF9): SRST bit 1, RCPU bit 2 */
	IrqLine sys_reset; /* pulsed: hard reset of the whole machine */
	IrqLine cpu_reset; /* pulsed: soft reset, the CPU only */
	IrqLine irq[16];   /* ISA IRQ n driven by the PIRQs routed to it (level, high) */
	u8 pirq_src[4];    /* per PIRQ: bit s set while source s asserts it */
	u16 irq_level;     /* the levels last driven on irq[] */
} Piix3;

typedef struct PiixIde {
	PciDev pci;
	IoBus *io;
	struct {
		const IoOps *cmd_ops, *ctl_ops;
		void *cmd_ctx, *ctl_ctx;
		bool attached, mapped;
	} chan[2];
} PiixIde;

/* Port 0xCF9 (1 port, byte): the reset control register. */
extern const IoOps piix3_rc_io_ops;

/* Sets up function 0 with its power-on configuration; register it at PCI_DEVFN(1, 0). */
void piix3_init(Piix3 *p);
/* Hard reset: configuration back to the defaults (PIRQs unrouted), RC cleared. */
void piix3_reset(Piix3 *p);
/* IrqSetFn for PCI interrupt lines: ctx is the Piix3, n = PIIX3_PIRQ_SRC(pirq, src). */
void piix3_set_pirq(void *ctx, int n, int level);
/* The ISA IRQ PIRQ pirq (0-3 for A-D) is routed to, or -1 when routing is off. */
int piix3_pirq_route(const Piix3 *p, int pirq);

/* Sets up function 1 over io; register it at PCI_DEVFN(1, 1). */
void piix_ide_init(PiixIde *d, IoBus *io);
/* Hard reset: IDETIM cleared (legacy decode off), BAR4 unprogrammed. */
void piix_ide_reset(PiixIde *d);
/* The bus-master IDE registers behind BAR4: 16 ports, primary at +0..7, secondary at
 * +8..15; ops must decode with port & 15. */
void piix_ide_attach_bm(PiixIde *d, const IoOps *ops, void *ctx);
/* Optional: the legacy command block (8 ports at 0x1F0/0x170) and control register (1
 * port at 0x3F6/0x376) of channel chan (0 primary, 1 secondary), mapped by the function
 * while the channel decodes. Returns 0, or VMCP_EINVAL for a bad channel (mapping later
 * may still find the ports taken: then they stay unmapped and a debug line is logged). */
int piix_ide_attach_legacy(PiixIde *d, int chan, const IoOps *cmd_ops, void *cmd_ctx,
			   const IoOps *ctl_ops, void *ctl_ctx);

#endif
