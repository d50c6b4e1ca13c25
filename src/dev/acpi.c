/* acpi.c: the PIIX4-compatible power-management function: PM1 event and control
 * registers, the PM timer, GPE0, APM control, SCI and soft power-off. See acpi.h. */
#include "dev/acpi.h"

#include <string.h>

#include "base/err.h"

#define PM_PMBA 0x40
#define PM_PMREGMISC 0x80
#define PM_SMBBA 0x90
#define PM_SMBHSTCFG 0xD2
#define PM_BLOCK 64

/* PM1_STS bits that raise an SCI when enabled; PM1_EN's writable bits are the same. */
#define PM1_EVENTS (ACPI_PM1_TMROF | ACPI_PM1_GBL | ACPI_PM1_PWRBTN | ACPI_PM1_RTC)
#define PM1_STS_BITS (PM1_EVENTS | ACPI_PM1_BM | ACPI_PM1_WAK)
#define PM1_CNT_BITS 0x1C03 /* SCI_EN, BM_RLD, SLP_TYP (GBL_RLS and SLP_EN read 0) */

/* PM timer ticks elapsed at virtual time ns. */
static u64 pm_ticks(u64 ns)
{
	return clock_ns_to_ticks(ns, ACPI_PM_TIMER_HZ);
}

u32 acpi_pm_timer(const AcpiPm *pm)
{
	return (u32)(pm_ticks(clock_now(pm->clk)) & 0xFFFFFF);
}

static void update_sci(AcpiPm *pm)
{
	bool level = (pm->pm1_cnt & ACPI_PM1_CNT_SCI_EN) &&
		     ((pm->pm1_sts & pm->pm1_en & PM1_EVENTS) || (pm->gpe_sts & pm->gpe_en));
	if (level != pm->sci_level) {
		pm->sci_level = level;
		irq_set(&pm->sci, level);
	}
}

/* Arms the overflow timer for the first bit-23 change after tick. */
static void arm_ovf(AcpiPm *pm, u64 tick)
{
	u64 next = ((tick >> 23) + 1) << 23;
	timer_arm(&pm->ovf, clock_ticks_to_ns(next, ACPI_PM_TIMER_HZ));
}

static void ovf_fire(void *ctx, u64 now)
{
	AcpiPm *pm = ctx;
	pm->pm1_sts |= ACPI_PM1_TMROF;
	update_sci(pm);
	arm_ovf(pm, pm_ticks(now));
}

void acpi_power_button(AcpiPm *pm)
{
	pm->pm1_sts |= ACPI_PM1_PWRBTN;
	update_sci(pm);
}

/* ---- the PM I/O block at PMBA ---- */

static u8 pm_read8(AcpiPm *pm, unsigned o, u32 tmr)
{
	switch (o) {
	case 0: return (u8)pm->pm1_sts;
	case 1: return (u8)(pm->pm1_sts >> 8);
	case 2: return (u8)pm->pm1_en;
	case 3: return (u8)(pm->pm1_en >> 8);
	case 4: return (u8)(pm->pm1_cnt & PM1_CNT_BITS);
	case 5: return (u8)((pm->pm1_cnt & PM1_CNT_BITS) >> 8);
	case 6: case 7: return 0;
	case 8: case 9: case 10: case 11: return (u8)(tmr >> (8 * (o - 8)));
	default: return pm->regs[o];
	}
}

static void sleep_request(AcpiPm *pm)
{
	unsigned typ = (pm->pm1_cnt >> 10) & 7;
	if (typ == 0) {
		irq_pulse(&pm->poweroff); /* S5: soft off */
		return;
	}
	/* No sleeping state is modelled: the system "wakes" at once, so an OS waiting for
	 * WAK_STS carries on. */
	pm->pm1_sts |= ACPI_PM1_WAK;
}

static void pm_write8(AcpiPm *pm, unsigned o, u8 v)
{
	switch (o) {
	case 0: pm->pm1_sts &= (u16)~(v & PM1_STS_BITS); break;
	case 1: pm->pm1_sts &= (u16)~((v << 8) & PM1_STS_BITS); break;
	case 2: pm->pm1_en = (u16)((pm->pm1_en & 0xFF00) | (v & PM1_EVENTS)); break;
	case 3: pm->pm1_en = (u16)((pm->pm1_en & 0x00FF) | ((v << 8) & PM1_EVENTS)); break;
	case 4: pm->pm1_cnt = (u16)((pm->pm1_cnt & 0xFF00) | (v & 0x03)); break;
	case 5:
		pm->pm1_cnt = (u16)((pm->pm1_cnt & 0x00FF) | ((v << 8) & 0x1C00));
		if ((v << 8) & ACPI_PM1_CNT_SLP_EN)
			sleep_request(pm);
		break;
	case 6: case 7: case 8: case 9: case 10: case 11: break; /* reserved, PM_TMR is RO */
	default: pm->regs[o] = v; break;
	}
}

static u32 pm_io_read(void *ctx, u16 port, int size)
{
	AcpiPm *pm = ctx;
	u32 tmr = acpi_pm_timer(pm), v = 0;
	for (int i = 0; i < size; i++)
		v |= (u32)pm_read8(pm, (port + i) & (PM_BLOCK - 1), tmr) << (8 * i);
	return v;
}

static void pm_io_write(void *ctx, u16 port, u32 val, int size)
{
	AcpiPm *pm = ctx;
	for (int i = 0; i < size; i++)
		pm_write8(pm, (port + i) & (PM_BLOCK - 1), (u8)(val >> (8 * i)));
	update_sci(pm);
}

static const IoOps pm_io_ops = {pm_io_read, pm_io_write, 1 | 2 | 4, "acpi-pm"};

/* ---- GPE0 at 0xAFE0 and APM at 0xB2 ---- */

static u32 gpe_read(void *ctx, u16 port, int size)
{
	AcpiPm *pm = ctx;
	u32 regs = (u32)pm->gpe_sts | (u32)pm->gpe_en << 16, v = 0;
	for (int i = 0; i < size; i++) {
		unsigned o = (port + i - ACPI_GPE0_PORT) & 3;
		v |= (regs >> (8 * o) & 0xFF) << (8 * i);
	}
	return v;
}

static void gpe_write(void *ctx, u16 port, u32 val, int size)
{
	AcpiPm *pm = ctx;
	for (int i = 0; i < size; i++) {
		unsigned o = (port + i - ACPI_GPE0_PORT) & 3;
		u16 b = (u16)((val >> (8 * i) & 0xFF) << (8 * (o & 1)));
		u16 keep = (u16)(o & 1 ? 0x00FF : 0xFF00);
		if (o < 2)
			pm->gpe_sts &= (u16)~b;
		else
			pm->gpe_en = (u16)((pm->gpe_en & keep) | b);
	}
	update_sci(pm);
}

const IoOps acpi_gpe_io_ops = {gpe_read, gpe_write, 1 | 2 | 4, "acpi-gpe0"};

static u32 apm_read(void *ctx, u16 port, int size)
{
	AcpiPm *pm = ctx;
	return port == ACPI_APM_PORT ? pm->apmc : pm->apms;
}

static void apm_write(void *ctx, u16 port, u32 val, int size)
{
	AcpiPm *pm = ctx;
	if (port != ACPI_APM_PORT) {
		pm->apms = (u8)val;
		return;
	}
	pm->apmc = (u8)val;
	if (val == 0xF1)
		pm->pm1_cnt |= ACPI_PM1_CNT_SCI_EN;
	else if (val == 0xF0)
		pm->pm1_cnt &= (u16)~ACPI_PM1_CNT_SCI_EN;
	update_sci(pm);
	if (pci_get32(&pm->pci, ACPI_DEVACTB) & ACPI_DEVACTB_APMC_EN)
		irq_pulse(&pm->smi);
}

const IoOps acpi_apm_io_ops = {apm_read, apm_write, 1, "acpi-apm"};

/* ---- configuration ---- */

/* Maps the PM block at PMBA while PMREGMISC.PMIOSE is set. */
static void update_pm_block(AcpiPm *pm)
{
	u16 base = (u16)(pci_get32(&pm->pci, PM_PMBA) & 0xFFC0);
	if (!(pci_get8(&pm->pci, PM_PMREGMISC) & 1))
		base = 0;
	if (base == pm->io_base)
		return;
	if (pm->io_base)
		io_unmap(pm->io, pm->io_base, PM_BLOCK);
	pm->io_base = 0;
	if (base && io_map(pm->io, base, PM_BLOCK, &pm_io_ops, pm) == 0)
		pm->io_base = base;
	else if (base)
		LOG_DEBUGF("acpi: PM block at %04x over other ports, not mapped", base);
}

static void pm_written(PciDev *d, u8 off, int size)
{
	if (pci_touched(off, size, PM_PMBA, 4) || pci_touched(off, size, PM_PMREGMISC, 1))
		update_pm_block(d->owner);
}

void acpi_init(AcpiPm *pm, Clock *clk, IoBus *io, bool apmc_preset)
{
	memset(pm, 0, sizeof(*pm));
	pm->clk = clk;
	pm->io = io;
	timer_init(&pm->ovf, clk, ovf_fire, pm, "acpi-pmtmr");

	PciDev *d = &pm->pci;
	pci_dev_init(d, "piix4-pm", 0x8086, 0x7113, 0x03, 0x068000, 0x00);
	d->owner = pm;
	d->written = pm_written;
	pci_set_wmask16(d, PCI_COMMAND, PCI_COMMAND_IO); /* SMBus I/O space enable */
	pci_set16(d, PCI_STATUS, 0x0280);
	pci_set_wmask8(d, PCI_CACHE_LINE_SIZE, 0);
	pci_set_wmask8(d, PCI_LATENCY_TIMER, 0);
	pci_dev_set_pin(d, 1);
	pci_set32(d, PM_PMBA, 1); /* bit 0: I/O space indicator */
	pci_set_wmask32(d, PM_PMBA, 0xFFC0);
	/* CNTA, CNTB, GPICTL, DEVRESD, DEVACTA, DEVACTB, DEVRESA-J: storage. */
	for (unsigned r = 0x44; r < 0x80; r++)
		pci_set_wmask8(d, (u8)r, 0xFF);
	if (apmc_preset)
		pci_set32(d, ACPI_DEVACTB, ACPI_DEVACTB_APMC_EN);
	pci_set_wmask8(d, PM_PMREGMISC, 0x01);
	pci_set32(d, PM_SMBBA, 1);
	pci_set_wmask32(d, PM_SMBBA, 0xFFF0);
	pci_set_wmask8(d, PM_SMBHSTCFG, 0x0F);
	pci_set_wmask8(d, PM_SMBHSTCFG + 1, 0xFF); /* SMBSLVC */
	pci_set_wmask8(d, PM_SMBHSTCFG + 2, 0xFF); /* SMBSHDW1 */
	pci_set_wmask8(d, PM_SMBHSTCFG + 3, 0xFF); /* SMBSHDW2 */
	arm_ovf(pm, pm_ticks(clock_now(clk)));
}

void acpi_set_isa_devices(AcpiPm *pm, bool lpt1, bool com1, bool com2)
{
	PciDev *d = &pm->pci;
	pci_set8(d, 0x5F, (u8)(0x10 | (lpt1 ? 0x80 : 0)));
	pci_set8(d, 0x63, 0x60);
	pci_set8(d, 0x67, (u8)((com1 ? 0x08 : 0) | (com2 ? 0x90 : 0)));
	d->reset_cfg[0x5F] = d->cfg[0x5F];
	d->reset_cfg[0x63] = d->cfg[0x63];
	d->reset_cfg[0x67] = d->cfg[0x67];
}

void acpi_reset(AcpiPm *pm)
{
	pci_dev_reset(&pm->pci);
	update_pm_block(pm);
	pm->pm1_sts = pm->pm1_en = pm->pm1_cnt = 0;
	pm->gpe_sts = pm->gpe_en = 0;
	pm->apmc = pm->apms = 0;
	memset(pm->regs, 0, sizeof(pm->regs));
	update_sci(pm);
	arm_ovf(pm, pm_ticks(clock_now(pm->clk)));
}
