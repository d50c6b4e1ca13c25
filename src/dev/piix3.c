/* piix3.c: the PIIX3 PCI-to-ISA bridge (PIRQ routing, reset control at 0xCF9) and the
 * configuration side of its IDE function. See piix3.h. */
#include "dev/piix3.h"

#include <string.h>

#include "base/err.h"

#define PIIX3_RC_SRST 0x02
#define PIIX3_RC_RCPU 0x04

/* ISA IRQs a PIRQ may be steered to: 3-7, 9-12, 14, 15 (0-2, 8 and 13 are reserved). */
#define PIIX3_IRQ_OK 0xDEF8u

int piix3_pirq_route(const Piix3 *p, int pirq)
{
	u8 r = pci_get8(&p->pci, (u8)(PIIX3_PIRQRC + pirq));
	if (r & 0x80)
		return -1;
	int irq = r & 0x0F;
	return PIIX3_IRQ_OK >> irq & 1 ? irq : -1;
}

/* Drives every ISA IRQ output from the PIRQ levels and the routing registers. */
static void update_irqs(Piix3 *p)
{
	u16 level = 0;
	for (int i = 0; i < 4; i++) {
		int irq = piix3_pirq_route(p, i);
		if (irq >= 0 && p->pirq_src[i])
			level |= (u16)(1u << irq);
	}
	u16 changed = level ^ p->irq_level;
	p->irq_level = level;
	for (int n = 0; n < 16; n++)
		if (changed >> n & 1)
			irq_set(&p->irq[n], level >> n & 1);
}

void piix3_set_pirq(void *ctx, int n, int level)
{
	Piix3 *p = ctx;
	int pirq = (n >> 3) & 3, src = n & 7;
	if (level)
		p->pirq_src[pirq] |= (u8)(1u << src);
	else
		p->pirq_src[pirq] &= (u8)~(1u << src);
	update_irqs(p);
}

static void piix3_written(PciDev *d, u8 off, int size)
{
	if (pci_touched(off, size, PIIX3_PIRQRC, 4))
		update_irqs(d->owner);
}

static void set_reg(PciDev *d, u8 off, u8 val, u8 wmask)
{
	pci_set8(d, off, val);
	pci_set_wmask8(d, off, wmask);
}

void piix3_init(Piix3 *p)
{
	memset(p, 0, sizeof(*p));
	PciDev *d = &p->pci;
	pci_dev_init(d, "piix3-isa", 0x8086, 0x7000, 0x00, 0x060100, PCI_HEADER_MULTIFUNCTION);
	d->owner = p;
	d->written = piix3_written;
	/* PCICMD: I/O, memory and bus master hardwired on; special cycles enable only. */
	pci_set16(d, PCI_COMMAND, 0x0007);
	pci_set_wmask16(d, PCI_COMMAND, 0x0008);
	pci_set16(d, PCI_STATUS, 0x0200);
	pci_set_wmask8(d, PCI_CACHE_LINE_SIZE, 0);
	pci_set_wmask8(d, PCI_LATENCY_TIMER, 0);
	pci_set_wmask8(d, PCI_INTERRUPT_LINE, 0);

	set_reg(d, 0x4C, 0x4D, 0xFF); /* IORT: ISA I/O recovery timer */
	set_reg(d, 0x4E, 0x03, 0xFF); /* XBCS: RTC and keyboard controller decode on */
	set_reg(d, 0x4F, 0x00, 0x07);
	for (u8 r = PIIX3_PIRQRC; r < PIIX3_PIRQRC + 4; r++)
		set_reg(d, r, 0x80, 0x8F); /* PIRQRC: routing disabled */
	set_reg(d, 0x69, 0x02, 0xFE);       /* TOM: top of memory 1 MiB, forwarding bits */
	set_reg(d, 0x70, 0x80, 0xCF);       /* MBIRQ0 */
	set_reg(d, 0x71, 0x80, 0xCF);       /* MBIRQ1 */
	set_reg(d, 0x76, 0x04, 0x87);       /* MBDMA0 */
	set_reg(d, 0x77, 0x04, 0x87);       /* MBDMA1 */
	set_reg(d, 0x78, 0x02, 0xF3);       /* PCSC: programmable chip select */
	set_reg(d, 0x79, 0x00, 0xFF);
	set_reg(d, 0x80, 0x00, 0x7F);       /* APICBASE */
	set_reg(d, 0x82, 0x00, 0x0F);       /* DLC: deterministic latency control */
	set_reg(d, 0xA0, 0x08, 0x1F);       /* SMICNTL */
	set_reg(d, 0xA2, 0x00, 0xFF);       /* SMIEN */
	for (u8 r = 0xA4; r < 0xA8; r++)
		set_reg(d, r, 0x00, 0xFF);  /* SEE: system event enable */
	set_reg(d, 0xA8, 0x0F, 0xFF);       /* FTMR: fast off timer */
	set_reg(d, 0xAA, 0x00, 0xFF);       /* SMIREQ */
	set_reg(d, 0xAB, 0x00, 0x03);
	set_reg(d, 0xAC, 0x00, 0xFF);       /* CTLTMR */
	set_reg(d, 0xAE, 0x00, 0xFF);       /* CTHTMR */
}

void piix3_reset(Piix3 *p)
{
	pci_dev_reset(&p->pci);
	p->rc = 0;
	update_irqs(p);
}

static u32 rc_read(void *ctx, u16 port, int size)
{
	Piix3 *p = ctx;
	return port == 0xCF9 ? p->rc : 0xFF;
}

static void rc_write(void *ctx, u16 port, u32 val, int size)
{
	Piix3 *p = ctx;
	if (port != 0xCF9)
		return;
	u8 old = p->rc;
	p->rc = (u8)(val & (PIIX3_RC_SRST | PIIX3_RC_RCPU));
	if (!(old & PIIX3_RC_RCPU) && (p->rc & PIIX3_RC_RCPU))
		irq_pulse(p->rc & PIIX3_RC_SRST ? &p->sys_reset : &p->cpu_reset);
}

const IoOps piix3_rc_io_ops = {rc_read, rc_write, 1, "piix3-rc"};

/* ---- Function 1: IDE ---- */

#define PIIX_IDETIM 0x40
#define PIIX_IDETIM_IDE 0x8000
#define PIIX_BMIBA_BAR 4

static const u16 legacy_cmd[2] = {0x1F0, 0x170};
static const u16 legacy_ctl[2] = {0x3F6, 0x376};

static void ide_unmap_legacy(PiixIde *d, int c)
{
	if (!d->chan[c].mapped)
		return;
	io_unmap(d->io, legacy_cmd[c], 8);
	io_unmap(d->io, legacy_ctl[c], 1);
	d->chan[c].mapped = false;
}

/* Maps or unmaps channel c's legacy ports to follow IOSE and IDETIM.IDE. */
static void ide_update_legacy(PiixIde *d, int c)
{
	bool want = d->chan[c].attached && (pci_get16(&d->pci, PCI_COMMAND) & PCI_COMMAND_IO) &&
		    (pci_get16(&d->pci, (u8)(PIIX_IDETIM + 2 * c)) & PIIX_IDETIM_IDE);
	if (want == d->chan[c].mapped)
		return;
	if (!want) {
		ide_unmap_legacy(d, c);
		return;
	}
	if (io_map(d->io, legacy_cmd[c], 8, d->chan[c].cmd_ops, d->chan[c].cmd_ctx) < 0) {
		LOG_DEBUGF("piix-ide: channel %d command block ports taken", c);
		return;
	}
	if (io_map(d->io, legacy_ctl[c], 1, d->chan[c].ctl_ops, d->chan[c].ctl_ctx) < 0) {
		LOG_DEBUGF("piix-ide: channel %d control port taken", c);
		io_unmap(d->io, legacy_cmd[c], 8);
		return;
	}
	d->chan[c].mapped = true;
}

static void ide_written(PciDev *pd, u8 off, int size)
{
	PiixIde *d = pd->owner;
	for (int c = 0; c < 2; c++)
		ide_update_legacy(d, c);
}

void piix_ide_init(PiixIde *d, IoBus *io)
{
	memset(d, 0, sizeof(*d));
	d->io = io;
	PciDev *p = &d->pci;
	pci_dev_init(p, "piix3-ide", 0x8086, 0x7010, 0x00, 0x010180, 0x00);
	p->owner = d;
	p->written = ide_written;
	pci_set_wmask16(p, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MASTER);
	pci_set16(p, PCI_STATUS, 0x0280);
	pci_set_wmask8(p, PCI_CACHE_LINE_SIZE, 0);
	pci_set_wmask8(p, PCI_LATENCY_TIMER, 0xF0);
	pci_set_wmask8(p, PCI_INTERRUPT_LINE, 0); /* compatibility mode: IRQ 14/15 */
	pci_dev_set_bar_io(p, PIIX_BMIBA_BAR, 16, NULL, NULL);
	pci_set_wmask16(p, PIIX_IDETIM, 0xF3FF);
	pci_set_wmask16(p, PIIX_IDETIM + 2, 0xF3FF);
	pci_set_wmask8(p, 0x44, 0xFF); /* SIDETIM */
}

void piix_ide_reset(PiixIde *d)
{
	pci_dev_reset(&d->pci);
	for (int c = 0; c < 2; c++)
		ide_update_legacy(d, c);
}

void piix_ide_attach_bm(PiixIde *d, const IoOps *ops, void *ctx)
{
	pci_dev_attach_io(&d->pci, PIIX_BMIBA_BAR, ops, ctx);
}

int piix_ide_attach_legacy(PiixIde *d, int chan, const IoOps *cmd_ops, void *cmd_ctx,
			   const IoOps *ctl_ops, void *ctl_ctx)
{
	if (chan < 0 || chan > 1)
		return VMCP_EINVAL;
	ide_unmap_legacy(d, chan);
	d->chan[chan].cmd_ops = cmd_ops;
	d->chan[chan].cmd_ctx = cmd_ctx;
	d->chan[chan].ctl_ops = ctl_ops;
	d->chan[chan].ctl_ctx = ctl_ctx;
	d->chan[chan].attached = true;
	ide_update_legacy(d, chan);
	return 0;
}
