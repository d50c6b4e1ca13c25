/* cpu_fuzz.c: libFuzzer target for the CPU's decoder and executor. The input is a small
 * initial state followed by guest code: a header (HDR_LEN bytes: mode and model,
 * options, the general registers and flags, the rights of the first 32 pages under
 * paging, debug registers, an interrupt vector) and up to 8 KiB of code placed at
 * 0x10000 (less than 256 bytes go on with pseudo-random bytes drawn from the input). The machine: 2 MiB of RAM zeroed for every input, a GDT with flat, 16-bit,
 * ring-3, conforming, execute-only, read-only, expand-down and not-present segments, a
 * call gate, an LDT and a TSS with an I/O bitmap; an IDT/IVT whose handlers are all HLT
 * or all IRET; identity page tables whose first 32 entries the input may unmap, make
 * read-only, supervisor or point elsewhere, and a 4 MiB page aliasing RAM, or (P6 and
 * P4) PAE tables as well: XD and reserved bits in the first 32 PTEs, 2 MiB pages (one
 * above 4 GiB), bad or absent PDPTEs, EFER.NXE, CR0.WP; an MMIO range
 * at 0xA0000 and a ROM at 0xF0000 with canaries. Modes: real, 16-bit protected, 32-bit
 * ring 0 and ring 3 (each with or without paging) and virtual-8086. The run is bounded
 * (at most FUZZ_BUDGET instructions in up to four cpu_run calls), with INTR and NMI
 * raised between calls, a trapped port range, a CP breakpoint and the trace on some
 * inputs. On the Pentium 4 (a P6 input with header bit 7) the XMM registers and MXCSR
 * come from the input and CR4.OSFXSR/OSXMMEXCPT are set or not, so every MMX/SSE form
 * reaches its #UD, #NM, #MF, #XM and alignment paths.
 * The x87 (every model has one, but a 386 runs without on some inputs) starts
 * from the FNINIT state or from a state drawn from the input (control, status and tag
 * words, registers), with CR0.NE, MP, TS and EM from the input, so escapes reach
 * #NM, #MF, the FERR# freeze and every numeric path.
 * Any crash, sanitizer report (UBSan halts on the first) or broken invariant aborts:
 * cpu_run must return within its budget with icount advanced by what it reports, for
 * an expected reason; MMIO sees only addresses in its range and sizes 1, 2 and 4; the
 * ROM and its canaries stay as they were. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/iobus.h"
#include "bus/membus.h"
#include "cpu/cpu.h"
#include "../cpu/desc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__ubsan_default_options(void);

#define RAM (2 * MiB)
#define GDT 0x1000u
#define LDT 0x1800u
#define IDT 0x2000u
#define HANDLERS 0x3000u
#define PD 0x4000u
#define PT 0x5000u
#define TSS 0x6000u /* 0x68 bytes, then the 8 KiB I/O bitmap and its end byte */
#define PAE_PD 0xC000u   /* PAE paging: a page directory of 512 8-byte entries */
#define PAE_PT 0xD000u   /* its page table for the low 2 MiB */
#define PAE_PDPT 0xE000u /* the four PDPTEs */
#define CODE 0x10000u
#define CODE_MAX 0x2000u
#define CODE_FILL 256u
#define MMIO 0xA0000u
#define MMIO_LEN 0x20000u
#define ROM 0xF0000u
#define ROM_LEN 0x10000u
#define CANARY 4096u
#define FUZZ_BUDGET 500u
#define HDR_LEN 96

/* One machine per CPU model (a CPU keeps its model for life and is the one listener of
 * its MemBus), made when first needed; they share the I/O bus and the ROM. */
typedef struct Mach {
	MemBus mem;
	Cpu *cpu;
} Mach;

typedef struct Fz {
	Mach m[6]; /* one per CpuModel with an x87, then a 386 without */
	IoBus io;
	Cpu *cpu;    /* the one running */
	u8 *rom_buf; /* canary, ROM, canary */
	u8 *rom_ref; /* the same as made: what rom_buf must still hold after each input */
	FILE *devnull;
	int intr_vec; /* vector the next INTA returns, -1: none pending */
} Fz;

enum { M_REAL, M_PM16, M_PM32, M_PM32_R3, M_V86, M_COUNT };

static void fail(const char *what)
{
	fprintf(stderr, "cpu_fuzz: %s\n", what);
	abort();
}

static u32 mmio_read(void *ctx, u32 addr, int size)
{
	if (addr < MMIO || addr + (u32)size > MMIO + MMIO_LEN || (size != 1 && size != 2 && size != 4))
		fail("an MMIO access outside the range or of a bad size");
	return 0x5A5A5A5Au & (size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1);
}

static void mmio_write(void *ctx, u32 addr, u32 val, int size)
{
	mmio_read(ctx, addr, size);
}

static const MmioOps fz_mmio_ops = {mmio_read, mmio_write, "cpu_fuzz MMIO"};

static u32 port_read(void *ctx, u16 port, int size)
{
	return 0xFFFFFFFFu;
}

static void port_write(void *ctx, u16 port, u32 val, int size)
{
}

static const IoOps fz_port_ops = {port_read, port_write, 1 | 2 | 4, "cpu_fuzz ports"};

static int intr_ack(void *ctx)
{
	Fz *f = ctx;
	int v = f->intr_vec < 0 ? 0x0F : f->intr_vec; /* nothing left: a spurious vector */
	f->intr_vec = -1;
	cpu_set_intr(f->cpu, false);
	return v;
}

static Fz *fz_get(void)
{
	static Fz *f;
	if (f)
		return f;
	f = calloc(1, sizeof(*f));
	if (!f || !(f->rom_buf = malloc(ROM_LEN + 2 * CANARY)) || !(f->rom_ref = malloc(ROM_LEN + 2 * CANARY)))
		fail("host setup");
	memset(f->rom_buf, 0xC5, ROM_LEN + 2 * CANARY);
	for (u32 i = 0; i < ROM_LEN; i++)
		f->rom_buf[CANARY + i] = (u8)(i * 7 + (i >> 8));
	memcpy(f->rom_ref, f->rom_buf, ROM_LEN + 2 * CANARY);
	io_init(&f->io);
	if (io_map(&f->io, 0, IO_PORTS, &fz_port_ops, f) < 0)
		fail("io_map");
	f->devnull = fopen("/dev/null", "w");
	return f;
}

static Mach *mach_for(Fz *f, int model, bool fpu)
{
	Mach *m = &f->m[fpu ? model : 5];
	if (!m->cpu) {
		if (mem_init(&m->mem, RAM) < 0)
			fail("mem_init");
		mem_map_rom(&m->mem, ROM, ROM_LEN, f->rom_buf + CANARY);
		mem_map_rom(&m->mem, 0xFFFF0000u, ROM_LEN, f->rom_buf + CANARY);
		if (mem_map_mmio(&m->mem, MMIO, MMIO_LEN, &fz_mmio_ops, f) < 0)
			fail("mem_map_mmio");
		CpuConfig cfg = {.model = (CpuModel)model, .fpu = fpu};
		m->cpu = cpu_new(&cfg, &m->mem, &f->io);
		if (!m->cpu)
			fail("cpu_new");
		cpu_set_intr_ack(m->cpu, intr_ack, f);
	}
	f->cpu = m->cpu;
	return m;
}

/* (one memcmp: a loop's compares, 72K of them, each went through the fuzzer's
 * comparison hook and took a third of the target's time) */
static bool rom_intact(const Fz *f)
{
	return memcmp(f->rom_buf, f->rom_ref, ROM_LEN + 2 * CANARY) == 0;
}

/* The system area; hdr supplies the page rights and the handler kind. */
static void build_sys(u8 *m, const u8 *hdr, bool iret_handlers)
{
	for (int v = 0; v < 256; v++) { /* real mode: vector v -> 0300:(4v) */
		put_le16(m + 4 * v, (u16)(4 * v));
		put_le16(m + 4 * v + 2, HANDLERS >> 4);
	}
	u8 *g = m + GDT;
	put_desc(g + 0x08, 0, 0xFFFFF, 0x9B, 0xC);      /* flat code, DPL 0 */
	put_desc(g + 0x10, 0, 0xFFFFF, 0x93, 0xC);      /* flat data, DPL 0 */
	put_desc(g + 0x18, 0, 0xFFFF, 0x9B, 0x0);       /* 16-bit code */
	put_desc(g + 0x20, 0, 0xFFFF, 0x93, 0x0);       /* 16-bit data */
	put_desc(g + 0x28, TSS, 0x68 + 0x2000, 0x8B, 0x0); /* TSS (busy: TR holds it) */
	put_desc(g + 0x30, 0, 0xFFFFF, 0xFB, 0xC);      /* flat code, DPL 3 */
	put_desc(g + 0x38, 0, 0xFFFFF, 0xF3, 0xC);      /* flat data, DPL 3 */
	put_desc(g + 0x40, CODE, 0xFFFF, 0x9B, 0x0);    /* 16-bit code at the stream */
	put_desc(g + 0x48, 0x20000, 0xFFFF, 0x93, 0x0); /* 16-bit stack */
	put_gate(g + 0x50, 0x08, HANDLERS + 4 * 0x50, 0xEC, 2); /* call gate, DPL 3 */
	put_desc(g + 0x58, 0, 0xFFFFF, 0x9F, 0xC);      /* conforming code */
	put_desc(g + 0x60, 0, 0xFFFFF, 0x99, 0xC);      /* execute-only code */
	put_desc(g + 0x68, 0x40000, 0xFFF, 0x91, 0x4);  /* read-only data */
	put_desc(g + 0x70, 0x40000, 0xFFF, 0x97, 0x4);  /* expand-down data */
	put_desc(g + 0x78, 0, 0xFFFFF, 0x13, 0xC);      /* not-present data */
	put_desc(g + 0x80, LDT, 0x17, 0x82, 0x0);       /* LDT */
	put_gate(g + 0x88, 0x28, 0, 0x85, 0);           /* task gate to the busy TSS */
	put_desc(g + 0x90, TSS, 0x67, 0x89, 0x0);       /* an available TSS (aliasing it) */
	put_desc(m + LDT + 8, 0, 0xFFFFF, 0xF3, 0xC);
	put_desc(m + LDT + 16, 0, 0xFFFFF, 0xFB, 0xC);
	for (int v = 0; v < 256; v++) {
		u8 dpl = (v == 3 || v == 4 || v >= 0x20) ? 0x60 : 0;
		u8 type = (v & 1) && v >= 0x20 ? 0x0F : 0x0E; /* trap gates for odd INT n */
		put_gate(m + IDT + 8 * v, 0x08, HANDLERS + 4 * v, (u8)(0x80 | dpl | type), 0);
	}
	put_le32(m + TSS + 4, 0x9000);  /* ESP0 */
	put_le32(m + TSS + 8, 0x10);    /* SS0 */
	put_le16(m + TSS + 0x66, 0x68); /* I/O bitmap right after */
	memcpy(m + TSS + 0x68, hdr + 40, 16); /* ports 0-127 as the input says, rest denied */
	memset(m + TSS + 0x68 + 16, 0xFF, 0x2000 - 16 + 1);
	memset(m + HANDLERS, iret_handlers ? 0xCF : 0xF4, 0x400);
	/* page tables: identity, the first 32 pages as the input says */
	put_le32(m + PD, PT | 7);
	put_le32(m + PD + 4, 0x00000087u); /* 4 MiB page (with CR4.PSE): 4M..8M -> 0 */
	for (u32 i = 0; i < 1024; i++) {
		u32 pte = i << 12 | 7;
		if (i < 32) {
			u8 r = hdr[64 + i];
			pte = ((i ^ (r >> 4)) << 12) | (r & 7) | (r & 8 ? 0x60 : 0);
		}
		put_le32(m + PT + 4 * i, pte);
	}
	/* PAE tables (used with CR4.PAE): the same rights for the first 32 pages, XD from
	 * bit 4 of their byte, a reserved bit (52) when its high nibble is all ones; a
	 * 2 MiB page aliasing RAM (XD as hdr[60] says), one above 4 GiB, a PDE with a
	 * reserved bit; PDPTEs 1 and 3 present or not, or with a reserved bit (#GP at a
	 * load, no PDPTE at all from cpu_set_state) as hdr[61] says */
	for (u32 i = 0; i < 512; i++) {
		u32 lo = i << 12 | 7, hi = 0;
		if (i < 32) {
			u8 r = hdr[64 + i];
			lo = ((i ^ (r >> 4)) << 12) | (r & 7) | (r & 8 ? 0x60 : 0);
			hi = (r & 0x10 ? 0x80000000u : 0) | ((r & 0xF0) == 0xF0 ? 0x100000u : 0);
		}
		put_le32(m + PAE_PT + 8 * i, lo);
		put_le32(m + PAE_PT + 8 * i + 4, hi);
	}
	put_le32(m + PAE_PD, PAE_PT | 7);
	put_le32(m + PAE_PD + 8, 0x87);                     /* 2 MiB page: 2M..4M -> 0 */
	put_le32(m + PAE_PD + 12, hdr[60] & 1 ? 0x80000000u : 0);
	put_le32(m + PAE_PD + 16, 0x200087);                /* above 4 GiB: 4G + 2M */
	put_le32(m + PAE_PD + 20, 1);
	put_le32(m + PAE_PD + 24, PAE_PT | 7);              /* bit 40 reserved */
	put_le32(m + PAE_PD + 28, 0x100);
	u8 p = hdr[61];
	put_le32(m + PAE_PDPT, PAE_PD | 1);
	put_le32(m + PAE_PDPT + 8, p & 1 ? PAE_PD | 1 : 0);
	put_le32(m + PAE_PDPT + 24, (p & 2 ? PAE_PD | 1 : 0) | (p & 4 ? 2 : 0));
}

static CpuSeg seg(u16 sel, u32 base, u32 limit, u16 attr)
{
	CpuSeg s = {sel, attr, base, limit};
	return s;
}

static void make_state(const u8 *hdr, int mode, bool paging, bool pae, CpuState *st)
{
	memset(st, 0, sizeof(*st));
	for (int i = 0; i < 8; i++)
		st->gpr[i] = get_le32(hdr + 4 + 4 * i);
	u32 fl = get_le32(hdr + 36);
	st->eflags = 0x2 | (fl & 0x3CD5); /* arithmetic flags, DF, IOPL */
	if ((hdr[1] & 0x40) && (fl & FLAG_TF)) /* single-step on a quarter of the inputs */
		st->eflags |= FLAG_TF;
	st->cr0 = 0x60000010;
	st->gdtr_base = GDT;
	st->gdtr_limit = 0x97;
	st->idtr_base = mode == M_REAL ? 0 : IDT;
	st->idtr_limit = mode == M_REAL ? 0x3FF : 0x7FF;
	st->ldtr = seg(0x80, LDT, 0x17, 0x82);
	st->tr = seg(0x28, TSS, 0x68 + 0x2000, 0x8B);
	st->dr[6] = 0xFFFF0FF0;
	st->dr[7] = 0x400;
	if (hdr[1] & 0x10) {
		for (int i = 0; i < 4; i++)
			st->dr[i] = get_le32(hdr + 20 + 4 * i) & 0x001FFFFF;
		st->dr[7] |= get_le32(hdr + 56) & 0xFFFF23FFu;
	}
	if (paging && mode != M_REAL) {
		st->cr0 |= CR0_PG | (hdr[2] & 0x04 ? CR0_WP : 0);
		st->cr3 = PD;
		st->cr4 = hdr[2] & 0x10; /* PSE */
		if (pae) { /* PAE paging, EFER.NXE (dropped by models without NX) */
			st->cr3 = PAE_PDPT;
			st->cr4 |= CR4_PAE;
			st->efer = hdr[2] & 0x08 ? 0x800 : 0;
		}
	}
	switch (mode) {
	case M_REAL:
		for (int s = 0; s < SEG_COUNT; s++)
			st->seg[s] = seg((u16)(get_le32(hdr + 4 + 4 * s) >> 20), 0, 0xFFFF, 0x93);
		for (int s = 0; s < SEG_COUNT; s++)
			st->seg[s].base = (u32)st->seg[s].sel << 4;
		st->seg[SEG_CS] = seg(CODE >> 4, CODE, 0xFFFF, 0x9B);
		st->seg[SEG_SS] = seg(0, 0, 0xFFFF, 0x93);
		st->eip = 0;
		st->gpr[R_ESP] = 0x8000;
		break;
	case M_PM16:
		st->cr0 |= CR0_PE;
		for (int s = 0; s < SEG_COUNT; s++)
			st->seg[s] = seg(0x20, 0, 0xFFFF, 0x93);
		st->seg[SEG_CS] = seg(0x40, CODE, 0xFFFF, 0x9B);
		st->seg[SEG_SS] = seg(0x48, 0x20000, 0xFFFF, 0x93);
		st->eip = 0;
		st->gpr[R_ESP] = 0x8000;
		break;
	case M_V86:
		st->cr0 |= CR0_PE;
		st->eflags |= FLAG_VM;
		for (int s = 0; s < SEG_COUNT; s++)
			st->seg[s] = seg(0x2000, 0x20000, 0xFFFF, 0xF3);
		st->seg[SEG_CS] = seg(CODE >> 4, CODE, 0xFFFF, 0xFB);
		st->eip = 0;
		st->gpr[R_ESP] = 0x8000;
		break;
	default: { /* M_PM32, M_PM32_R3 */
		bool r3 = mode == M_PM32_R3;
		st->cr0 |= CR0_PE;
		for (int s = 0; s < SEG_COUNT; s++)
			st->seg[s] = r3 ? seg(0x3B, 0, 0xFFFFFFFF, 0xC0F3) : seg(0x10, 0, 0xFFFFFFFF, 0xC093);
		st->seg[SEG_CS] = r3 ? seg(0x33, 0, 0xFFFFFFFF, 0xC0FB) : seg(0x08, 0, 0xFFFFFFFF, 0xC09B);
		st->eip = CODE;
		st->gpr[R_ESP] = r3 ? 0xA000 : 0x9000;
		break;
	}
	}
	if (hdr[1] & 0x20)
		st->gpr[R_ESP] = get_le32(hdr + 16); /* any stack pointer */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a short input is a header padded with zeros and no code (the fill below runs):
	 * every input reaches the CPU, so that a campaign may also start from nothing */
	static u8 padded[HDR_LEN];
	size_t given = size;
	if (size < HDR_LEN) {
		memset(padded, 0, HDR_LEN);
		if (size)
			memcpy(padded, data, size);
		data = padded;
		size = HDR_LEN;
	}
	Fz *f = fz_get();
	const u8 *hdr = data;
	int mode = hdr[0] % M_COUNT;
	int model = (hdr[0] >> 3) & 3;
	if (model == CPU_MODEL_P6 && (hdr[0] & 0x80))
		model = CPU_MODEL_P4;
	bool paging = (hdr[0] & 0x20) && model != CPU_MODEL_386;
	bool pae = paging && (hdr[2] & 0x80) && model >= CPU_MODEL_P6;
	bool iret_handlers = hdr[0] & 0x40;
	u8 opt = hdr[1];
	u32 x87 = get_le32(hdr + 36) >> 16; /* EFLAGS bits the state leaves unused */
	Mach *m = mach_for(f, model, model != CPU_MODEL_386 || !(x87 & 0x80));
	Cpu *cpu = m->cpu;

	/* a fresh machine: RAM zeroed, system area, code, A20 on */
	mem_set_a20(&m->mem, true);
	memset(m->mem.ram, 0, RAM);
	build_sys(m->mem.ram, hdr, iret_handlers);
	size_t n = MIN(size - HDR_LEN, (size_t)CODE_MAX);
	memcpy(m->mem.ram + CODE, data + HDR_LEN, n);
	/* short code goes on with bytes drawn from the input (splitmix64), so that short
	 * inputs, which libFuzzer prefers, still run long streams */
	u64 x = get_le32(hdr + 4) ^ (u64)get_le32(hdr + 8) << 32 ^ given;
	for (size_t i = n; i < CODE_FILL; i++) {
		u64 z = (x += 0x9E3779B97F4A7C15ull);
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
		m->mem.ram[CODE + i] = (u8)(z ^ (z >> 31));
	}
	CpuState st;
	make_state(hdr, mode, paging, pae, &st);
	cpu_reset(cpu); /* nothing latched from the last input (NMI, shadows...) */
	/* x87: CR0.NE (#MF or the FERR# freeze), MP, TS, EM (rarely), and a state */
	st.cr0 |= (x87 & 1 ? CR0_NE : 0) | (x87 & 2 ? CR0_MP : 0) | (x87 & 4 ? CR0_TS : 0) |
		  ((x87 & 0x18) == 0x18 ? CR0_EM : 0);
	if (model == CPU_MODEL_P4) /* SSE: CR4.OSFXSR and OSXMMEXCPT as the input says */
		st.cr4 |= (hdr[2] & 0x20 ? CR4_OSFXSR : 0) | (hdr[2] & 0x40 ? CR4_OSXMMEXCPT : 0);
	cpu_set_state(cpu, &st); /* also drops the decoded code and TLB of earlier inputs */
	if (model == CPU_MODEL_P4) {
		/* XMM registers from the input (registers, flags, I/O bitmap), MXCSR: masks,
		 * DAZ, FTZ and rounding from the header */
		CpuSseState ss;
		for (int i = 0; i < 8; i++)
			memcpy(ss.xmm[i], data + 4 + 8 * (size_t)(i & 3), 16);
		ss.mxcsr = get_le16(hdr + 62);
		cpu_set_sse_state(cpu, &ss);
	}
	if (x87 & 0x20) {
		CpuFpuState fs;
		memset(&fs, 0, sizeof(fs));
		fs.cw = (u16)get_le16(hdr + 40);
		fs.sw = (u16)get_le16(hdr + 42);
		fs.tw = (u16)get_le16(hdr + 44);
		static const u8 exp_hi[4] = {0x00, 0x3F, 0x40, 0x7F}; /* tiny, ~1, big, huge/NaN */
		for (int i = 0; i < 8; i++) {
			memcpy(fs.st[i], data + 4 + 8 * (size_t)i, 8); /* registers, flags, I/O bitmap */
			fs.st[i][8] = hdr[46 + i];
			fs.st[i][9] = (u8)(exp_hi[(hdr[54 + i / 4] >> (2 * (i & 3))) & 3] |
					   (hdr[47 + i] & 0x80));
		}
		cpu_set_fpu_state(cpu, &fs);
	}
	cpu_set_intr(cpu, false);
	cpu_set_nmi(cpu, false);
	cpu_clear_breakpoints(cpu);
	io_set_trap(&f->io, 0, 0x100, false);
	if (opt & 0x01)
		io_set_trap(&f->io, hdr[3] & 0xF0, 16, true);
	/* a CP breakpoint and the trace (which need the single-step path) on a quarter of
	 * the inputs each */
	u32 fl = get_le32(hdr + 36);
	if ((opt & 0x02) && (fl & 0x8000))
		cpu_add_breakpoint(cpu, CODE + hdr[3]); /* CS:0 or EIP 0x10000 is linear CODE */
	cpu_set_trace(cpu, (opt & 0x80) && (fl & FLAG_IF) ? f->devnull : NULL);
	f->intr_vec = -1;

	u64 left = FUZZ_BUDGET;
	for (int call = 0; call < 4 && left; call++) {
		if ((opt & 0x04) && call == 1) { /* an external interrupt between runs */
			f->intr_vec = hdr[2];
			cpu_set_intr(cpu, true);
		}
		if ((opt & 0x08) && call == 2)
			cpu_set_nmi(cpu, true);
		u64 budget = call == 3 ? left : 1 + hdr[60 + call] * left / 256;
		u64 before = *cpu_icount(cpu);
		CpuExit ex;
		CpuExitReason r = cpu_run(cpu, budget, &ex);
		if (ex.executed + ex.charged > budget)
			fail("cpu_run used more than its budget");
		if (*cpu_icount(cpu) - before != ex.executed + ex.charged)
			fail("icount moved by other than exit.executed + exit.charged");
		left -= ex.executed < left ? ex.executed : left;
		if (r == CPU_EXIT_BREAKPOINT) {
			cpu_clear_breakpoints(cpu);
		} else if (r == CPU_EXIT_HLT) {
			cpu_get_state(cpu, &st);
			if (!st.halted)
				fail("a HLT exit without the halted state");
			if (!(st.eflags & FLAG_IF))
				break;
		} else if (r == CPU_EXIT_SHUTDOWN) {
			break;
		} else if (r != CPU_EXIT_BUDGET && r != CPU_EXIT_IO) {
			fail("an exit other than BUDGET, HLT, SHUTDOWN, IO or BREAKPOINT");
		}
	}
	cpu_set_trace(cpu, NULL);
	if (!rom_intact(f))
		fail("the ROM or its canaries were written");
	return 0;
}

const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}
