/* acpi_test.c: the PIIX4-compatible PM function: PMBA/PMREGMISC programming as SeaBIOS
 * does it, the PM timer's value at exact virtual times (first tick at 280 ns, one second
 * = 3579545 ticks, the 24-bit wrap at 4686968875 ns), monotonicity, the timer-overflow
 * status at the bit-23 change and its SCI, SCI_EN through APMC 0xF1/0xF0, the SMI pulse
 * with APMC_EN (and SeaBIOS's SMBASE-relocation handshake on APMS), soft power-off on
 * SLP_EN with SLP_TYP 0, other sleep types waking at once, GPE0, the power button. */
#include <stdlib.h>
#include <string.h>

#include "bus/clock.h"
#include "bus/iobus.h"
#include "bus/membus.h"
#include "dev/acpi.h"
#include "dev/pci.h"
#include "../test.h"
#include "pcitest.h"

typedef struct Board {
	IoBus *io;
	MemBus mem;
	Clock clk;
	PciBus pci;
	AcpiPm pm;
	int sci, sci_edges, smis, poweroffs;
} Board;

static void on_sci(void *ctx, int n, int level)
{
	Board *b = ctx;
	if (level && !b->sci)
		b->sci_edges++;
	b->sci = level;
}

/* What a CPU with SMM would do for SeaBIOS's relocation SMI: its handler writes 0 to
 * APMS and resumes. */
static void on_smi(void *ctx, int n, int level)
{
	Board *b = ctx;
	if (level) {
		b->smis++;
		io_write(b->io, 0xB3, 0x00, 1);
	}
}

static void on_poweroff(void *ctx, int n, int level)
{
	if (level)
		((Board *)ctx)->poweroffs++;
}

static Board *board_new(bool apmc_preset)
{
	Board *b = calloc(1, sizeof(*b));
	b->io = pcitest_buses(&b->mem, 2 * MiB, &b->clk, &b->pci);
	acpi_init(&b->pm, &b->clk, b->io, apmc_preset);
	io_map(b->io, ACPI_GPE0_PORT, 4, &acpi_gpe_io_ops, &b->pm);
	io_map(b->io, ACPI_APM_PORT, 2, &acpi_apm_io_ops, &b->pm);
	irq_connect(&b->pm.sci, on_sci, b, 9);
	irq_connect(&b->pm.smi, on_smi, b, 0);
	irq_connect(&b->pm.poweroff, on_poweroff, b, 0);
	pci_register(&b->pci, &b->pm.pci, PCI_DEVFN(1, 3));
	return b;
}

static void board_free(Board *b)
{
	mem_free(&b->mem);
	free(b->io);
	free(b);
}

/* Configuration cycles to the PM function, 00:01.3. */
static void cfg_out(Board *b, int off, u32 val, int size)
{
	pcitest_cfg_out(b->io, 1, 3, off, val, size);
}

static u32 cfg_in(Board *b, int off, int size)
{
	return pcitest_cfg_in(b->io, 1, 3, off, size);
}

/* SeaBIOS's piix4_pm_config_setup. */
static void seabios_setup(Board *b)
{
	cfg_out(b, 0x3C, 9, 1);
	cfg_out(b, 0x40, 0xB000 | 1, 4);
	cfg_out(b, 0x80, 0x01, 1);
	cfg_out(b, 0x90, 0xB100 | 1, 4);
	cfg_out(b, 0xD2, 0x09, 1);
}

static void at(Board *b, u64 ns)
{
	clock_advance_to(&b->clk, ns);
	clock_run_timers(&b->clk);
}

static void test_config(void)
{
	Board *b = board_new(false);
	CHECK_EQ(io_read(b->io, 0xB008, 4), 0xFFFFFFFFu); /* not mapped yet */
	seabios_setup(b);
	CHECK_EQ(cfg_in(b, 0x40, 4), 0xB001u);
	CHECK_EQ(cfg_in(b, 0x90, 4), 0xB101u);
	CHECK_EQ(cfg_in(b, 0xD2, 1), 0x09);
	CHECK_EQ(cfg_in(b, 0x3C, 1), 9);
	CHECK_EQ(io_read(b->io, 0xB008, 4), 0);
	CHECK_EQ(io_read(b->io, 0xB004, 2), 0);
	/* PMBA is 64-byte aligned; bit 0 reads 1. */
	cfg_out(b, 0x40, 0xFFFFFFFFu, 4);
	CHECK_EQ(cfg_in(b, 0x40, 4), 0xFFC1u);
	/* Move it to 0x600 (QEMU's spot): the block follows. */
	cfg_out(b, 0x40, 0x0601, 4);
	CHECK_EQ(io_read(b->io, 0xB008, 4), 0xFFFFFFFFu);
	CHECK_EQ(io_read(b->io, 0x608, 4), 0);
	/* PMIOSE off: gone. */
	cfg_out(b, 0x80, 0x00, 1);
	CHECK_EQ(io_read(b->io, 0x608, 4), 0xFFFFFFFFu);
	cfg_out(b, 0x80, 0xFF, 1);
	CHECK_EQ(cfg_in(b, 0x80, 1), 0x01);
	CHECK_EQ(io_read(b->io, 0x604, 2), 0);
	/* The DSDT's LPEN/CAEN/CBEN bits, kept over a reset. */
	CHECK_EQ(cfg_in(b, 0x64, 4), 0);
	acpi_set_isa_devices(&b->pm, false, true, false);
	CHECK_EQ(cfg_in(b, 0x5C, 4), 0x10000000u);
	CHECK_EQ(cfg_in(b, 0x64, 4), 0x08000000u); /* CAEN: DEVRESC bit 27 */
	acpi_set_isa_devices(&b->pm, true, true, true);
	CHECK_EQ(cfg_in(b, 0x5F, 1), 0x90);
	CHECK_EQ(cfg_in(b, 0x67, 1), 0x98);
	/* Reset: unmapped, PMBA back to 1. */
	acpi_reset(&b->pm);
	CHECK_EQ(io_read(b->io, 0x608, 4), 0xFFFFFFFFu);
	CHECK_EQ(cfg_in(b, 0x40, 4), 1);
	CHECK_EQ(cfg_in(b, 0x67, 1), 0x98);
	board_free(b);
}

static void test_pm_timer(void)
{
	Board *b = board_new(false);
	seabios_setup(b);
	at(b, 279);
	CHECK_EQ(io_read(b->io, 0xB008, 4), 0);
	at(b, 280);
	CHECK_EQ(io_read(b->io, 0xB008, 4), 1);
	at(b, 1000000000);
	CHECK_EQ(io_read(b->io, 0xB008, 4), 3579545);
	CHECK_EQ(acpi_pm_timer(&b->pm), 3579545);
	/* Byte and word reads of the same instant agree with the dword. */
	CHECK_EQ(io_read(b->io, 0xB008, 2), 3579545 & 0xFFFF);
	CHECK_EQ(io_read(b->io, 0xB00A, 1), (3579545 >> 16) & 0xFF);
	CHECK_EQ(io_read(b->io, 0xB00B, 1), 0); /* bits 31:24 read 0 */
	/* The 24-bit wrap: 2^24 ticks are reached at 4686968875 ns. */
	at(b, 4686968874ull);
	CHECK_EQ(io_read(b->io, 0xB008, 4), 0xFFFFFF);
	at(b, 4686968875ull);
	CHECK_EQ(io_read(b->io, 0xB008, 4), 0);
	/* Ten seconds: 35795450 ticks exactly (mod 2^24). */
	at(b, 14686968875ull);
	u32 t0 = io_read(b->io, 0xB008, 4);
	at(b, 24686968875ull);
	u32 t1 = io_read(b->io, 0xB008, 4);
	CHECK_EQ((t1 - t0) & 0xFFFFFF, 35795450u & 0xFFFFFF);
	/* Monotonic in steps of 1 ns..1 ms, allowing for the wrap. */
	u64 t = 30000000000ull;
	at(b, t);
	u32 prev = acpi_pm_timer(&b->pm);
	u64 total = 0;
	bool mono = true;
	for (int i = 0; i < 20000; i++) {
		t += (u64)(i % 7 == 0 ? 1 : (i * 7919) % 1000003);
		at(b, t);
		u32 v = io_read(b->io, 0xB008, 4);
		u32 d = (v - prev) & 0xFFFFFF;
		if (d > 0x800000)
			mono = false;
		total += d;
		prev = v;
	}
	CHECK(mono, "PM timer went backwards");
	u64 expect = (u64)((unsigned __int128)t * ACPI_PM_TIMER_HZ / NS_PER_SEC) -
		     (u64)((unsigned __int128)30000000000ull * ACPI_PM_TIMER_HZ / NS_PER_SEC);
	CHECK_EQ(total, expect);
	board_free(b);
}

static void test_overflow_sci(void)
{
	Board *b = board_new(false);
	seabios_setup(b);
	/* Bit 23 changes at tick 2^23, i.e. 2343484438 ns. */
	at(b, 2343484437ull);
	CHECK_EQ(io_read(b->io, 0xB000, 2), 0);
	at(b, 2343484438ull);
	CHECK_EQ(io_read(b->io, 0xB000, 2), ACPI_PM1_TMROF);
	CHECK_EQ(b->sci, 0); /* not enabled */
	io_write(b->io, 0xB000, ACPI_PM1_TMROF, 2);
	CHECK_EQ(io_read(b->io, 0xB000, 2), 0);
	/* OS: ACPI enable through SMI_CMD, then TMROF_EN. */
	io_write(b->io, 0xB2, 0xF1, 1);
	CHECK_EQ(io_read(b->io, 0xB004, 2), ACPI_PM1_CNT_SCI_EN);
	CHECK_EQ(b->smis, 0); /* APMC_EN clear: no SMI */
	io_write(b->io, 0xB002, ACPI_PM1_TMROF, 2);
	CHECK_EQ(io_read(b->io, 0xB002, 2), ACPI_PM1_TMROF);
	at(b, 4686968874ull);
	CHECK_EQ(b->sci, 0);
	at(b, 4686968875ull); /* the next change of bit 23 (the wrap) */
	CHECK_EQ(b->sci, 1);
	CHECK_EQ(b->sci_edges, 1);
	io_write(b->io, 0xB000, 0xFFFF, 2); /* clear all */
	CHECK_EQ(b->sci, 0);
	/* Pending while SCI_EN is off: no SCI until ACPI mode. */
	io_write(b->io, 0xB2, 0xF0, 1);
	CHECK_EQ(io_read(b->io, 0xB004, 2), 0);
	at(b, 7030453312ull); /* tick 3 * 2^23 */
	CHECK_EQ(io_read(b->io, 0xB000, 2), ACPI_PM1_TMROF);
	CHECK_EQ(b->sci, 0);
	io_write(b->io, 0xB004, ACPI_PM1_CNT_SCI_EN, 2);
	CHECK_EQ(b->sci, 1);
	/* PM1_EN keeps only its defined bits. */
	io_write(b->io, 0xB002, 0xFFFF, 2);
	CHECK_EQ(io_read(b->io, 0xB002, 2), 0x0521);
	io_write(b->io, 0xB002, 0, 2);
	CHECK_EQ(b->sci, 0);
	/* Power button. */
	io_write(b->io, 0xB002, ACPI_PM1_PWRBTN, 2);
	acpi_power_button(&b->pm);
	CHECK_EQ(b->sci, 1);
	CHECK_EQ(io_read(b->io, 0xB001, 1), ACPI_PM1_PWRBTN >> 8);
	io_write(b->io, 0xB001, ACPI_PM1_PWRBTN >> 8, 1);
	CHECK_EQ(b->sci, 0);
	/* GPE0 at 0xAFE0: enable, status write-one-to-clear, SCI when both. */
	io_write(b->io, 0xAFE2, 0x0F0F, 2);
	CHECK_EQ(io_read(b->io, 0xAFE0, 4), 0x0F0F0000u);
	b->pm.gpe_sts = 0x0102; /* as a hot-plug event would */
	CHECK_EQ(io_read(b->io, 0xAFE0, 2), 0x0102);
	io_write(b->io, 0xAFE3, 0x0F, 1); /* re-write EN: the SCI is evaluated */
	CHECK_EQ(b->sci, 1);
	io_write(b->io, 0xAFE0, 0x0002, 2);
	CHECK_EQ(b->sci, 1);
	io_write(b->io, 0xAFE1, 0x01, 1);
	CHECK_EQ(b->sci, 0);
	CHECK_EQ(io_read(b->io, 0xAFE0, 2), 0);
	board_free(b);
}

static void test_sleep(void)
{
	Board *b = board_new(false);
	seabios_setup(b);
	/* SLP_TYP 1 (S3 in SeaBIOS's SSDT): not modelled, wakes at once. */
	io_write(b->io, 0xB004, 1 << 10 | ACPI_PM1_CNT_SLP_EN, 2);
	CHECK_EQ(b->poweroffs, 0);
	CHECK_EQ(io_read(b->io, 0xB000, 2), ACPI_PM1_WAK);
	CHECK_EQ(io_read(b->io, 0xB004, 2), 1 << 10); /* SLP_EN reads 0 */
	io_write(b->io, 0xB000, ACPI_PM1_WAK, 2);
	/* SLP_TYP without SLP_EN: nothing. */
	io_write(b->io, 0xB004, 0, 2);
	CHECK_EQ(b->poweroffs, 0);
	/* SeaBIOS's apm_shutdown and Linux's S5: SLP_TYP 0 | SLP_EN. */
	io_write(b->io, 0xB004, ACPI_PM1_CNT_SLP_EN, 2);
	CHECK_EQ(b->poweroffs, 1);
	/* Byte-wise, as some code does it: the high byte carries SLP_EN. */
	io_write(b->io, 0xB005, ACPI_PM1_CNT_SLP_EN >> 8, 1);
	CHECK_EQ(b->poweroffs, 2);
	board_free(b);
}

static void test_smm_handshake(void)
{
	/* SeaBIOS's piix4_apmc_smm_setup with a CPU that answers the SMI. */
	Board *b = board_new(false);
	seabios_setup(b);
	u32 devactb = cfg_in(b, ACPI_DEVACTB, 4);
	CHECK_EQ(devactb & ACPI_DEVACTB_APMC_EN, 0);
	cfg_out(b, ACPI_DEVACTB, devactb | ACPI_DEVACTB_APMC_EN, 4);
	io_write(b->io, 0xB3, 0x01, 1);
	CHECK_EQ(io_read(b->io, 0xB3, 1), 0x01);
	io_write(b->io, 0xB2, 0x00, 1);
	CHECK_EQ(b->smis, 1);
	CHECK_EQ(io_read(b->io, 0xB3, 1), 0x00); /* the loop ends */
	CHECK_EQ(io_read(b->io, 0xB2, 1), 0x00);
	io_write(b->io, 0xB2, 0xF1, 1);
	CHECK_EQ(b->smis, 2);
	CHECK_EQ(io_read(b->io, 0xB004, 2), ACPI_PM1_CNT_SCI_EN);
	board_free(b);

	/* With apmc_preset (no SMM in the CPU), SeaBIOS sees the work done and skips. */
	b = board_new(true);
	CHECK_EQ(cfg_in(b, ACPI_DEVACTB, 4), ACPI_DEVACTB_APMC_EN);
	cfg_out(b, ACPI_DEVACTB, 0, 4);
	CHECK_EQ(cfg_in(b, ACPI_DEVACTB, 4), 0);
	acpi_reset(&b->pm);
	CHECK_EQ(cfg_in(b, ACPI_DEVACTB, 4), ACPI_DEVACTB_APMC_EN);
	board_free(b);
}

int main(void)
{
	test_config();
	test_pm_timer();
	test_overflow_sci();
	test_sleep();
	test_smm_handshake();
	return test_summary();
}
