/* pci_fuzz.c: libFuzzer target for PCI configuration (mechanism #1 at CF8h/CFCh, every
 * bus/device/function/register and size) and the chipset functions behind it: the
 * i440FX host bridge (PAM shadowing of C0000h-FFFFFh, then reads and writes there), the
 * PIIX3 ISA bridge (PIRQ routing, the reset control register at CF9h), the PIIX3 IDE
 * function's BARs and the PIIX4 power management function (PMBA, the PM1 registers and
 * the timer, sleep to S5, GPE0, APM control, the power button from the host). Resets
 * and power-off the guest asks for are carried out by the run loop, as for a VM.
 * Checks after each input: the real disk outside the VM's VDs and the ROM unchanged,
 * no crash or sanitizer report. */
#include "machine.h"

static const u16 ports[] = {0xCF8, 0xCF9, 0xCFA, 0xCFB, 0xCFC, 0xCFD, 0xCFE, 0xCFF, 0xB2, 0xB3,
			    0xAFE0, 0xAFE1, 0xAFE2, 0xAFE3, 0xB000, 0xB002, 0xB004, 0xB005, 0xB008,
			    0xB00C, 0xB010, 0xB028, 0xB02C, 0xB030, 0x4D0, 0x4D1, 0x92};
static const FzRegion regions[] = {{0xC0000, 0x40000}, {0xFFFE0000u, 0x20000}, {0xA0000, 0x20000},
				   {0xE0000000u, 0x1000000}, {0x9F000, 0x2000}};

static void macro(Fz *fz, int op, const u8 *r)
{
	switch (op) {
	case 10: case 11: { /* a configuration write to any function and register */
		u8 dev = r[1] & 1 ? r[2] % 32 : r[2] % 3, fn = r[3] % 8, reg = r[4];
		fz_out(fz, 0xCF8, (r[1] & 2 ? 0 : 0x80000000u) | (u32)(r[1] >> 2 & 3) << 16 | (u32)dev << 11 |
					  (u32)fn << 8 | (reg & 0xFC), 4);
		fz_out(fz, (u16)(0xCFC + (reg & 3)), fz_le32(r + 4) >> 8 | (u32)r[7] << 24, fz_size(r[0]));
		break;
	}
	case 12: /* PAM: one segment's attributes, then the guest copies through it */
		fz_pci_write(fz, 0, 0, (u8)(0x59 + r[2] % 7), r[3], 1);
		for (int i = 0; i < 4; i++) {
			u32 a = 0xC0000 + ((fz_le32(r + 4) + (u32)i * 0x1000) % 0x40000);
			if (r[2] & 0x80)
				(void)fz_mem_read(fz, a, 4);
			else
				mem_write(&fz->m->mem, a, fz_le32(r + 4), 4);
		}
		break;
	case 13: /* power management: PMBA and PMIOSE, then PM1 enable/control (S5 too) */
		fz_pci_write(fz, 1, 3, 0x40, 0xB001, 4);
		fz_pci_write(fz, 1, 3, 0x80, 0x01, 1);
		fz_out(fz, 0xB002, (u32)r[2] << 8 | r[3], 2);
		fz_out(fz, 0xB004, (u32)r[4] << 8 | r[5], 2);
		fz_out(fz, 0xB000, (u32)r[6] << 8 | r[7], 2);
		fz_time(fz, 10000);
		break;
	case 14: /* the power button, and the SCI it may raise */
		machine_power_button(fz->m);
		fz_time(fz, (u64)r[2] << 10);
		(void)fz_in(fz, 0xB000, 2);
		break;
	default: /* the reset control register: soft or hard reset, carried out */
		fz_outb(fz, 0xCF9, r[2] & 0x0E);
		fz_outb(fz, 0xCF9, (u8)((r[2] & 0x0E) | (r[3] & 4)));
		fz_time(fz, 5000);
		break;
	}
}

static const FzTarget target = {"pci_fuzz", ports, ARRAY_SIZE(ports), regions, ARRAY_SIZE(regions), NULL, macro};
FZ_TARGET(target)
