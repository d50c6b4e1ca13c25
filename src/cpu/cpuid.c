/* cpuid.c: what each CPU model says about itself: CPUID and the processor signature
 * that RESET leaves in EDX.
 *
 * Reference: Intel SDM vol. 2A CPUID (leaf 0 vendor and highest leaf, leaf 1 signature
 * and feature flags, leaf 2 cache and TLB descriptors, 80000002h-80000004h the brand
 * string; "a value above the highest leaf returns the highest basic leaf's data"), AP-485
 * (processor identification), vol. 3A 9.1.4 (EDX after RESET).
 *
 * The models: an i486DX (0421h), a Pentium (0525h), a Pentium II class P6 (0633h:
 * family 6 model 3, the first whose SEP bit means SYSENTER works), all with the highest
 * leaf 1 and nothing else, as VMCP always answered; and a Pentium 4 "Prescott" (family
 * 15, model 3, stepping 4: 90 nm, 16 KiB L1 data cache, 12K-uop trace cache, 1 MiB L2),
 * with its leaf 2 descriptors, leaf 80000001h (NX, as the Prescotts with the XD bit
 * have it) and its right-justified brand string, but without the hyper-threading,
 * thermal, debug-store, machine-check and MONITOR features that chip has and VMCP does
 * not model. The local APIC bit follows the APIC the board attaches (P6 and later) and
 * its enable bit. PAE, MTRR and SEP come with the P6 (the Pentium Pro had PAE and the
 * MTRRs, the Pentium II SYSENTER), PAT with the Pentium 4 (it came with the Pentium III;
 * the P6 here is a Pentium II); PSE-36 is not modelled on either.
 *
 * Feature bits: one table, each bit VMCP implements with the first model that has it:
 * a bit is set exactly when the instructions and registers behind it work. Adding a
 * feature (the local APIC...) is one line here. NX also follows IA32_MISC_ENABLE's
 * XD-disable bit, as on the chip. */
#include "cpu/internal.h"
#include "cpu/ops.h"

enum { R_1EDX, R_1ECX, R_81EDX };
/* A condition on the configuration besides the model. */
enum { NEED_NONE, NEED_FPU, NEED_APIC, NEED_NX /* IA32_MISC_ENABLE.XD_DISABLE clear (msr.c) */ };

typedef struct CpuidFeature {
	u8 reg;   /* R_1EDX, R_1ECX (CPUID.1) or R_81EDX (CPUID.80000001h) */
	u8 bit;
	u8 model; /* the first CpuModel with it */
	u8 need;  /* NEED_* */
} CpuidFeature;

static const CpuidFeature features[] = {
	{R_1EDX, 0, CPU_MODEL_486, NEED_FPU},   /* FPU: x87 on chip */
	{R_1EDX, 3, CPU_MODEL_PENTIUM, 0},      /* PSE: 4 MiB pages, CR4.PSE */
	{R_1EDX, 4, CPU_MODEL_PENTIUM, 0},      /* TSC: RDTSC, CR4.TSD */
	{R_1EDX, 5, CPU_MODEL_PENTIUM, 0},      /* MSR: RDMSR/WRMSR */
	{R_1EDX, 6, CPU_MODEL_P6, 0},           /* PAE: CR4.PAE, 3-level tables (mem.c) */
	{R_1EDX, 8, CPU_MODEL_PENTIUM, 0},      /* CX8: CMPXCHG8B */
	{R_1EDX, 9, CPU_MODEL_P6, NEED_APIC},   /* APIC: a local APIC attached and enabled */
	{R_1EDX, 11, CPU_MODEL_P6, 0},          /* SEP: SYSENTER/SYSEXIT (far.c) */
	{R_1EDX, 12, CPU_MODEL_P6, 0},          /* MTRR: MTRRcap, fixed, variable (msr.c) */
	{R_1EDX, 13, CPU_MODEL_P6, 0},          /* PGE: global pages, CR4.PGE */
	{R_1EDX, 15, CPU_MODEL_P6, 0},          /* CMOV: CMOVcc, FCMOVcc, FCOMI */
	{R_1EDX, 16, CPU_MODEL_P4, 0},          /* PAT: IA32_PAT (msr.c) */
	{R_1EDX, 19, CPU_MODEL_P4, 0},          /* CLFSH: CLFLUSH */
	{R_1EDX, 23, CPU_MODEL_P4, 0},          /* MMX */
	{R_1EDX, 24, CPU_MODEL_P4, 0},          /* FXSR: FXSAVE/FXRSTOR, CR4.OSFXSR */
	{R_1EDX, 25, CPU_MODEL_P4, 0},          /* SSE */
	{R_1EDX, 26, CPU_MODEL_P4, 0},          /* SSE2 */
	{R_1ECX, 0, CPU_MODEL_P4, 0},           /* SSE3 (and FISTTP) */
	{R_81EDX, 20, CPU_MODEL_P4, NEED_NX},   /* NX: XD bit, EFER.NXE (mem.c, msr.c) */
};

typedef struct CpuidModel {
	u32 signature;  /* CPUID.1 EAX and EDX after RESET */
	u32 max_basic;  /* CPUID.0 EAX */
	u32 max_ext;    /* CPUID.80000000h EAX; 0: no extended leaves (they read as 0) */
	u32 ebx1;       /* CPUID.1 EBX: CLFLUSH line size, logical processors, APIC ID */
	u32 leaf2[4];   /* cache and TLB descriptors */
	const char *brand;
} CpuidModel;

static const CpuidModel models[] = {
	[CPU_MODEL_386] = {0x0308, 0, 0, 0, {0}, NULL}, /* no CPUID: the signature only */
	[CPU_MODEL_486] = {0x0421, 1, 0, 0, {0}, NULL},
	[CPU_MODEL_PENTIUM] = {0x0525, 1, 0, 0, {0}, NULL},
	[CPU_MODEL_P6] = {0x0633, 2, 0, 0, {0x03020101, 0, 0, 0x0C040843}, NULL},
	[CPU_MODEL_P4] = {0x0F34, 2, 0x80000004u, 0x00010800,
			  {0x605B5001, 0, 0, 0x007C7040},
			  "              Intel(R) Pentium(R) 4 CPU 2.80GHz"},
};

static const CpuidModel *model_of(const Cpu *c)
{
	return &models[model(c) < (int)ARRAY_SIZE(models) ? model(c) : CPU_MODEL_P6];
}

u32 cpuid_signature(const Cpu *c)
{
	return model_of(c)->signature;
}

/* The feature register reg (R_*) of this CPU. */
static u32 feature_bits(const Cpu *c, int reg)
{
	u32 r = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(features); i++) {
		const CpuidFeature *f = &features[i];
		if (f->reg != reg || model(c) < f->model || (f->need == NEED_FPU && !c->cfg.fpu) ||
		    (f->need == NEED_NX && !cpu_has_nx(c)))
			continue;
		/* the APIC bit follows IA32_APIC_BASE.EN (apic.c) */
		if (f->need == NEED_APIC && !(c->apic.read && (c->apic_base & 0x800)))
			continue;
		r |= 1u << f->bit;
	}
	return r;
}

static void set4(u32 out[4], u32 a, u32 b, u32 cc, u32 d)
{
	out[0] = a;
	out[1] = b;
	out[2] = cc;
	out[3] = d;
}

void cpu_cpuid(const Cpu *c, u32 leaf, u32 out[4])
{
	const CpuidModel *m = model_of(c);
	if (m->max_basic >= 2) {
		/* a leaf above the highest one, basic or extended (a P6 has no extended
		 * leaves: every one is above), gives the highest basic leaf, as Intel's do */
		if (leaf >= 0x80000000u ? leaf > m->max_ext : leaf > m->max_basic)
			leaf = m->max_basic;
	}
	if (leaf == 0) {
		set4(out, m->max_basic, 0x756E6547, 0x6C65746E, 0x49656E69); /* "GenuineIntel" */
	} else if (leaf == 1) {
		/* EBX 31:24: the initial APIC ID of a CPU with a local APIC */
		u32 ebx = m->ebx1 | (c->apic.read ? (u32)c->apic_id << 24 : 0);
		set4(out, m->signature, ebx, feature_bits(c, R_1ECX), feature_bits(c, R_1EDX));
	} else if (leaf == 2 && m->max_basic >= 2) {
		set4(out, m->leaf2[0], m->leaf2[1], m->leaf2[2], m->leaf2[3]);
	} else if (leaf == 0x80000000u && m->max_ext) {
		set4(out, m->max_ext, 0, 0, 0);
	} else if (leaf == 0x80000001u && m->max_ext) {
		set4(out, 0, 0, 0, feature_bits(c, R_81EDX));
	} else if (leaf >= 0x80000002u && leaf <= 0x80000004u && m->brand) {
		/* 48 bytes, NUL-padded, 16 per leaf in EAX EBX ECX EDX order */
		u8 s[48] = {0};
		memcpy(s, m->brand, strnlen(m->brand, 47));
		const u8 *p = s + (leaf - 0x80000002u) * 16;
		set4(out, ld32(p), ld32(p + 4), ld32(p + 8), ld32(p + 12));
	} else {
		set4(out, 0, 0, 0, 0);
	}
}

void op_cpuid(Cpu *c, const Insn *d)
{
	(void)d;
	u32 v[4];
	cpu_cpuid(c, c->r[R_EAX], v);
	c->r[R_EAX] = v[0];
	c->r[R_EBX] = v[1];
	c->r[R_ECX] = v[2];
	c->r[R_EDX] = v[3];
}
