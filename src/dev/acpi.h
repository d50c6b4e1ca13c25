/* acpi.h: the power-management function of a PIIX4 (82371AB function 3, 8086:7113) as
 * QEMU and Bochs place it beside a PIIX3 at 00:01.3, and as SeaBIOS expects it: SeaBIOS
 * finds this function by its ID, programs PMBA (config 0x40) to 0xB000 and enables it
 * (PMREGMISC 0x80 bit 0), programs SMBBA (0x90) to 0xB100 and SMBHSTCFG (0xD2) to 0x09,
 * writes IRQ 9 into the interrupt line, uses the PM timer at PMBA+8 for its own delays,
 * sets DEVACTB.APMC_EN (0x58 bit 25) and raises an SMI through APMC (0xB2) to relocate
 * SMBASE, and builds ACPI tables (FADT: SCI 9, SMI_CMD 0xB2, ACPI_ENABLE 0xF1,
 * ACPI_DISABLE 0xF0, PM1a_EVT 0xB000, PM1a_CNT 0xB004, PM_TMR 0xB008, GPE0 0xAFE0 length
 * 4; _S5 = SLP_TYP 0).
 *
 * Modelled, in the PM I/O block (64 ports at PMBA while PMREGMISC.PMIOSE is set):
 *  +0 PM1_STS: TMROF_STS (0), BM_STS (4), GBL_STS (5), PWRBTN_STS (8), RTC_STS (10),
 *     WAK_STS (15), write 1 to clear; +2 PM1_EN: TMROF_EN, GBL_EN, PWRBTN_EN, RTC_EN;
 *  +4 PM1_CNT: SCI_EN (0), BM_RLD (1), SLP_TYP (12:10); SLP_EN (13, write-only) with
 *     SLP_TYP 0 (S5, soft off) raises the poweroff line; another SLP_TYP (no sleep state
 *     is modelled) wakes at once: WAK_STS is set;
 *  +8 PM_TMR: 24-bit counter at 3.579545 MHz, exactly floor(t_ns * 3579545 / 10^9) of
 *     virtual time; TMROF_STS is set each time its bit 23 changes (every 2^23 ticks);
 *  +0x0C..+0x3F: the PIIX4's other PM registers (GPSTS/GPEN, PCNTRL, GLBSTS, DEVSTS,
 *     GLBEN, GLBCTL, DEVCTL, GPIREG, GPOREG) as plain storage.
 * GPE0 at the fixed ports 0xAFE0-0xAFE3 (where QEMU and SeaBIOS's FADT put it): GPE0_STS
 * (2 bytes, write 1 to clear) and GPE0_EN (2 bytes); nothing raises a GPE yet.
 * APM control/status at 0xB2/0xB3: a write to APMC of 0xF1 sets SCI_EN and of 0xF0
 * clears it (what SeaBIOS's SMI handler does, and what QEMU's PIIX4 does itself), then
 * pulses the smi line if DEVACTB.APMC_EN is set.
 * SCI (the sci line, IRQ 9, level, active high) = SCI_EN and (PM1_STS & PM1_EN for
 * TMROF/GBL/PWRBTN/RTC, or GPE0_STS & GPE0_EN).
 *
 * Reference: Intel 82371AB PIIX4 datasheet, 3.3 (function 3 configuration) and 7.2
 * (power management I/O registers); ACPI 1.0b 4.7.3 (PM1 and PM timer bits).
 * Not modelled: the SMBus host controller (its ports read all ones), sleep states other
 * than soft off, the PIIX4's device monitoring and traps, SMI generation from PM events
 * with SCI_EN clear, throttling. */
#ifndef VMCP_DEV_ACPI_H
#define VMCP_DEV_ACPI_H

#include "bus/clock.h"
#include "bus/iobus.h"
#include "bus/irq.h"
#include "dev/pci.h"

#define ACPI_PM_TIMER_HZ 3579545u
#define ACPI_GPE0_PORT 0xAFE0
#define ACPI_APM_PORT 0xB2

#define ACPI_PM1_TMROF 0x0001
#define ACPI_PM1_BM 0x0010
#define ACPI_PM1_GBL 0x0020
#define ACPI_PM1_PWRBTN 0x0100
#define ACPI_PM1_RTC 0x0400
#define ACPI_PM1_WAK 0x8000
#define ACPI_PM1_CNT_SCI_EN 0x0001
#define ACPI_PM1_CNT_SLP_EN 0x2000

#define ACPI_DEVACTB 0x58
#define ACPI_DEVACTB_APMC_EN (1u << 25)

typedef struct AcpiPm {
	PciDev pci;
	Clock *clk;
	IoBus *io;
	Timer ovf;        /* the next change of the PM timer's bit 23 */
	u16 pm1_sts, pm1_en, pm1_cnt;
	u8 regs[64];      /* +0x0C..+0x3F storage */
	u16 gpe_sts, gpe_en;
	u8 apmc, apms;
	u16 io_base;      /* where the PM block is mapped now, 0 when not */
	bool sci_level;
	IrqLine sci;      /* IRQ 9, level */
	IrqLine smi;      /* pulsed: SMI# to the CPU */
	IrqLine poweroff; /* pulsed: soft power-off (S5) requested */
} AcpiPm;

/* Ports 0xAFE0-0xAFE3 (GPE0_STS, GPE0_EN; sizes 1, 2, 4). */
extern const IoOps acpi_gpe_io_ops;
/* Ports 0xB2-0xB3 (APMC, APMS; byte). */
extern const IoOps acpi_apm_io_ops;

/* Sets up the function; register it at PCI_DEVFN(1, 3). The PM block maps itself on io
 * at PMBA when enabled. apmc_preset: a CPU without SMM cannot answer the SMI that
 * SeaBIOS raises to relocate SMBASE (it would wait forever for APMS to become 0); with
 * apmc_preset, DEVACTB.APMC_EN reads 1 from reset, which SeaBIOS takes as "SMM already
 * set up" and skips. Leave it false when the CPU implements SMM and smi is wired. */
void acpi_init(AcpiPm *pm, Clock *clk, IoBus *io, bool apmc_preset);

/* Which legacy ISA devices exist, for the ACPI tables: SeaBIOS's DSDT gives LPT1, COM1
 * and COM2 a _STA from the PIIX4's device resource bits LPEN (config 0x5F bit 7), CAEN
 * (0x67 bit 3) and CBEN (0x67 bit 7), which a BIOS programs on real boards and QEMU
 * presets. Sets them (as QEMU: 0x5F = 0x10 | LPEN, 0x63 = 0x60, 0x67 = CAEN | 0x90 for
 * COM2) in the current and power-on configuration. */
void acpi_set_isa_devices(AcpiPm *pm, bool lpt1, bool com1, bool com2);

/* Power-on state: PM block unmapped, registers cleared, SCI low. */
void acpi_reset(AcpiPm *pm);

/* The PM timer's 24-bit value now. */
u32 acpi_pm_timer(const AcpiPm *pm);

/* The power button was pressed: PWRBTN_STS (an SCI if enabled). */
void acpi_power_button(AcpiPm *pm);

#endif
