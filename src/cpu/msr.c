/* msr.c: the model-specific registers of memory management: IA32_EFER (NXE), IA32_PAT
 * and the MTRRs (MTRRcap, MTRRdefType, the fixed and the variable ranges). RDMSR and
 * WRMSR (ops_sys.c) come here for every MSR they do not know themselves.
 *
 * Reference: Intel SDM vol. 3A 11.11 (MTRRs: IA32_MTRRCAP, IA32_MTRR_DEF_TYPE, the
 * fixed-range registers 250h/258h/259h/268h-26Fh, PHYSBASEn/PHYSMASKn at 200h + 2n,
 * "writing reserved bits or an undefined memory type causes #GP"), 11.12 (IA32_PAT at
 * 277h, its power-up value 0007040600070406h, #GP for a reserved encoding), 4.1.4 and
 * 4.4 (IA32_EFER.NXE at C0000080h; MAXPHYADDR 36 on these models, so address bits
 * 63:36 of the MTRRs are reserved), vol. 4 (IA32_MISC_ENABLE bit 34, XD bit disable:
 * CPUID then hides NX and NXE is reserved), vol. 3A table 9-1 (RESET and INIT values).
 *
 * Which model has what (as the chips did): the P6 (a Pentium II) has the MTRRs (since
 * the Pentium Pro) but no PAT (Pentium III) and no EFER; the Pentium 4 has the MTRRs, the
 * PAT and, for its execute-disable bit, EFER with NXE alone (no long mode, no SYSCALL:
 * LME, SCE and the rest are reserved). The values are stored and read back as written;
 * they have no effect on caching, which VMCP does not model. */
#include "cpu/internal.h"

enum {
	MSR_MTRRCAP = 0xFE, MSR_MTRR_PHYS0 = 0x200, MSR_MTRR_FIX64K = 0x250,
	MSR_MTRR_FIX16K_80000 = 0x258, MSR_MTRR_FIX16K_A0000 = 0x259,
	MSR_MTRR_FIX4K_C0000 = 0x268, MSR_PAT = 0x277, MSR_MTRR_DEF_TYPE = 0x2FF,
	MSR_EFER = 0xC0000080u
};

/* IA32_MTRRCAP: 8 variable ranges (VCNT), fixed ranges (FIX, bit 8), write-combining
 * (WC, bit 10); no SMRR. */
#define MTRRCAP_VALUE 0x508ull
#define MTRR_VCNT 8
#define PAT_RESET 0x0007040600070406ull
#define ADDR_RSVD 0xFFFFFFF000000000ull /* bits 63:36 */

/* The index of a fixed-range MTRR in c->mtrr_fixed, or -1. */
static int fixed_index(u32 idx)
{
	if (idx == MSR_MTRR_FIX64K)
		return 0;
	if (idx == MSR_MTRR_FIX16K_80000 || idx == MSR_MTRR_FIX16K_A0000)
		return 1 + (int)(idx - MSR_MTRR_FIX16K_80000);
	if (idx >= MSR_MTRR_FIX4K_C0000 && idx < MSR_MTRR_FIX4K_C0000 + 8)
		return 3 + (int)(idx - MSR_MTRR_FIX4K_C0000);
	return -1;
}

/* A memory type an MTRR may hold: UC, WC, WT, WP, WB (2, 3 and 7 up are reserved). */
static bool mtrr_type_ok(u32 t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

static bool has_mtrr(const Cpu *c) { return model(c) >= CPU_MODEL_P6; }
static bool has_pat(const Cpu *c) { return model(c) >= CPU_MODEL_P4; }

bool cpu_has_nx(const Cpu *c)
{
	return model(c) >= CPU_MODEL_P4 && !(c->msr_misc_enable & MISC_ENABLE_XD_DISABLE);
}

void msr_reset(Cpu *c, bool full)
{
	c->efer = 0;
	if (!full)
		return; /* INIT keeps the PAT and the MTRRs */
	c->msr_pat = PAT_RESET;
	c->mtrr_def_type = 0;
	memset(c->mtrr_fixed, 0, sizeof(c->mtrr_fixed));
	memset(c->mtrr_var, 0, sizeof(c->mtrr_var));
}

bool msr_read(Cpu *c, u32 idx, u64 *v)
{
	int f;
	if (idx == MSR_EFER && model(c) >= CPU_MODEL_P4) {
		*v = c->efer;
	} else if (idx == MSR_PAT && has_pat(c)) {
		*v = c->msr_pat;
	} else if (!has_mtrr(c)) {
		return false;
	} else if (idx == MSR_MTRRCAP) {
		*v = MTRRCAP_VALUE;
	} else if (idx == MSR_MTRR_DEF_TYPE) {
		*v = c->mtrr_def_type;
	} else if (idx >= MSR_MTRR_PHYS0 && idx < MSR_MTRR_PHYS0 + 2 * MTRR_VCNT) {
		*v = c->mtrr_var[idx - MSR_MTRR_PHYS0];
	} else if ((f = fixed_index(idx)) >= 0) {
		*v = c->mtrr_fixed[f];
	} else {
		return false;
	}
	return true;
}

bool msr_write(Cpu *c, u32 idx, u64 v)
{
	int f;
	if (idx == MSR_EFER && model(c) >= CPU_MODEL_P4) {
		u64 ok = cpu_has_nx(c) ? EFER_NXE : 0;
		if (v & ~ok)
			return false;
		if ((c->efer ^ (u32)v) & EFER_NXE) {
			/* the XD bits change meaning: no translation made before may stay */
			tlb_flush(c);
			c->brk = 1;
		}
		c->efer = (u32)v;
	} else if (idx == MSR_PAT && has_pat(c)) {
		for (int i = 0; i < 8; i++) {
			u32 t = (u32)(v >> (8 * i)) & 0xFF;
			if (t > 7 || t == 2 || t == 3)
				return false;
		}
		c->msr_pat = v;
	} else if (!has_mtrr(c)) {
		return false;
	} else if (idx == MSR_MTRR_DEF_TYPE) {
		if ((v & ~0xCFFull) || !mtrr_type_ok(v & 0xFF))
			return false;
		c->mtrr_def_type = (u32)v;
	} else if (idx >= MSR_MTRR_PHYS0 && idx < MSR_MTRR_PHYS0 + 2 * MTRR_VCNT) {
		bool mask = (idx - MSR_MTRR_PHYS0) & 1; /* PHYSMASKn: V (bit 11) and the mask */
		u64 rsvd = ADDR_RSVD | (mask ? 0x7FFu : 0xF00u);
		if ((v & rsvd) || (!mask && !mtrr_type_ok(v & 0xFF)))
			return false;
		c->mtrr_var[idx - MSR_MTRR_PHYS0] = v;
	} else if ((f = fixed_index(idx)) >= 0) {
		for (int i = 0; i < 8; i++)
			if (!mtrr_type_ok((u32)(v >> (8 * i)) & 0xFF))
				return false;
		c->mtrr_fixed[f] = v;
	} else {
		return false; /* MTRRCAP is read-only; the rest does not exist */
	}
	return true;
}
