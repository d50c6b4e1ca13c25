/* opmap_test: the two-byte opcode map (0F xx) of the Pentium 4 and of the P6, form by
 * form: which encodings raise #UD and which do not.
 *
 * Every 0F xx is tried with each mandatory prefix (none, 66, F3, F2), each ModRM.reg
 * (0-7) and both a register (mod 3) and a memory operand (mod 0, [EAX] = 2000h, 16-byte
 * aligned, zeros), in flat 32-bit protected mode at ring 0 with CR4.OSFXSR and
 * OSXMMEXCPT set, and the first exception of the one instruction is looked at: #UD or
 * not (another exception, e.g. #GP from WRMSR or a segment load of a zero selector,
 * counts as "the CPU has the instruction"). The expectation is written here from the
 * SDM's opcode map (vol. 2 appendix A: table A-3 with its NP/66/F3/F2 rows, the groups of
 * table A-6) for a Pentium 4 with SSE3 (Prescott) and no MONITOR/MWAIT, VMX, SSSE3 or
 * 3DNow!, independently of the decoder's tables. SYSENTER/SYSEXIT (0F 34, 0F 35) run on
 * both (here they #GP: IA32_SYSENTER_CS is 0).
 * The P6 has the same map without MMX, SSE*, FXSAVE and the rest of group 15 and MOVNTI. */
#include "../test.h"
#include "harness.h"

#define GDT 0x5000u
#define IDT 0x5800u
#define HANDLERS 0x3000u
#define CODE 0x1000u
#define DATA 0x2000u

/* What a form does on the Pentium 4: 'b' valid with both operands, 'm' with memory
 * only, 'r' with a register only, '-' #UD; for each mandatory prefix. */
typedef struct Row {
	u8 op;
	const char *p; /* none, 66, F3, F2 */
} Row;

static const Row sse_rows[] = {
	{0x10, "bbbb"}, {0x11, "bbbb"}, {0x12, "bmbb"}, {0x13, "mm--"}, {0x14, "bb--"},
	{0x15, "bb--"}, {0x16, "bmb-"}, {0x17, "mm--"}, {0x28, "bb--"}, {0x29, "bb--"},
	{0x2A, "bbbb"}, {0x2B, "mm--"}, {0x2C, "bbbb"}, {0x2D, "bbbb"}, {0x2E, "bb--"},
	{0x2F, "bb--"}, {0x50, "rr--"}, {0x51, "bbbb"}, {0x52, "b-b-"}, {0x53, "b-b-"},
	{0x54, "bb--"}, {0x55, "bb--"}, {0x56, "bb--"}, {0x57, "bb--"}, {0x58, "bbbb"},
	{0x59, "bbbb"}, {0x5A, "bbbb"}, {0x5B, "bbb-"}, {0x5C, "bbbb"}, {0x5D, "bbbb"},
	{0x5E, "bbbb"}, {0x5F, "bbbb"}, {0x6C, "-b--"}, {0x6D, "-b--"}, {0x6E, "bb--"},
	{0x6F, "bbb-"}, {0x70, "bbbb"}, {0x78, "----"}, {0x79, "----"}, {0x7A, "----"},
	{0x7B, "----"}, {0x7C, "-b-b"}, {0x7D, "-b-b"}, {0x7E, "bbb-"}, {0x7F, "bbb-"},
	{0xC2, "bbbb"}, {0xC3, "m---"}, {0xC4, "bb--"}, {0xC5, "rr--"}, {0xC6, "bb--"},
	{0xD0, "-b-b"}, {0xD6, "-brr"}, {0xD7, "rr--"}, {0xE6, "-bbb"}, {0xE7, "mm--"},
	{0xF0, "---m"}, {0xF7, "rr--"}, {0xFF, "----"},
};

/* The opcodes whose meaning depends on the mandatory prefix (the rest of the 0F map
 * ignores F2/F3/66 or reads 66 as the operand size). */
static bool prefix_selected(int op)
{
	return (op >= 0x10 && op <= 0x17) || (op >= 0x28 && op <= 0x2F) ||
	       (op >= 0x50 && op <= 0x7F) || (op >= 0xC2 && op <= 0xC6) || op >= 0xD0;
}

static char sse_class(int op, int pfx)
{
	for (unsigned i = 0; i < sizeof(sse_rows) / sizeof(sse_rows[0]); i++)
		if (sse_rows[i].op == op)
			return sse_rows[i].p[pfx];
	/* the MMX/SSE2 integer rows 60-6B, 74-76, D1-FE: MMX form, SSE2 form */
	return pfx <= 1 ? 'b' : '-';
}

/* Whether the P4 (p4) or the P6 raises #UD for 0F op with prefix pfx, ModRM.reg reg and
 * a memory (mem) or register operand. */
static bool expect_ud(int op, int pfx, int reg, bool mem, bool p4)
{
	if (op == 0x71 || op == 0x72 || op == 0x73) { /* groups 12-14: register forms */
		if (!p4 || mem || pfx > 1)
			return true;
		if (op == 0x73)
			return !(reg == 2 || reg == 6 || (pfx == 1 && (reg == 3 || reg == 7)));
		return !(reg == 2 || reg == 4 || reg == 6);
	}
	if (op == 0x77) /* EMMS: no prefix */
		return !p4 || pfx != 0;
	if (prefix_selected(op)) {
		if (!p4)
			return true;
		char k = sse_class(op, pfx);
		return k == '-' || (k == 'm' && !mem) || (k == 'r' && mem);
	}
	switch (op) {
	case 0x00: return reg >= 6;                                   /* group 6 */
	case 0x01: return mem ? reg == 5 : !(reg == 4 || reg == 6); /* group 7 */
	case 0x02: case 0x03: case 0x06: case 0x08: case 0x09: return false;
	case 0x20: case 0x22: return !(reg == 0 || reg == 2 || reg == 3 || reg == 4);
	case 0x21: case 0x23: return false;
	case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35: return false;
	case 0xA0: case 0xA1: case 0xA2: case 0xA3: case 0xA4: case 0xA5: return false;
	case 0xA8: case 0xA9: case 0xAB: case 0xAC: case 0xAD: case 0xAF: return false;
	case 0xAE: /* group 15, whatever the prefix */
		if (!p4)
			return true;
		return mem ? (reg >= 4 && reg <= 6) : reg < 5;
	case 0xB0: case 0xB1: case 0xB3: case 0xB6: case 0xB7: return false;
	case 0xB2: case 0xB4: case 0xB5: return !mem;                 /* LSS LFS LGS */
	case 0xBA: return reg < 4;                                    /* group 8 */
	case 0xBB: case 0xBC: case 0xBD: case 0xBE: case 0xBF: return false;
	case 0xC0: case 0xC1: return false;
	case 0xC7: return !(reg == 1 && mem);                         /* CMPXCHG8B */
	default:
		if (op >= 0x18 && op <= 0x1F) return false;             /* hint NOPs */
		if (op >= 0x40 && op <= 0x4F) return false;             /* CMOVcc */
		if (op >= 0x80 && op <= 0x9F) return false;             /* Jcc, SETcc */
		if (op >= 0xC8 && op <= 0xCF) return false;             /* BSWAP */
		return true; /* 04 05 07 0A-0F 24-27 36-3F A6 A7 AA B8 B9 ... */
	}
}

static Vm *ovm(CpuModel m)
{
	CpuConfig cfg = {.model = m, .fpu = true};
	Vm *v = vm_new_cfg(&cfg);
	set_desc(v, GDT, 1, 0, 0xFFFFF, 0xC09B);
	set_desc(v, GDT, 2, 0, 0xFFFFF, 0xC093);
	for (int i = 0; i < 32; i++) {
		set_gate(v, IDT, i, 0x08, HANDLERS + 4 * (u32)i, 14, 0, 0);
		poke8(v, HANDLERS + 4 * (u32)i, 0xF4);
	}
	return v;
}

/* Runs one instruction; returns the vector of its exception, or -1. */
static int one(Vm *v, const u8 *code, int len)
{
	for (u32 i = 0; i < 512; i++)
		poke8(v, DATA + i, 0);
	for (int i = 0; i < 16; i++)
		poke8(v, CODE + (u32)i, i < len ? code[i] : 0x90);
	CpuState st;
	cpu_get_state(v->cpu, &st);
	for (int i = 0; i < 8; i++)
		st.gpr[i] = DATA;
	st.gpr[R_ECX] = 0x10; /* RDMSR/WRMSR: the TSC; RDPMC: #GP, not #UD */
	st.gpr[R_ESP] = 0x8000;
	st.eip = CODE;
	st.eflags = 2;
	st.cr0 = CR0_PE | CR0_ET | CR0_NE;
	st.cr4 = CR4_OSFXSR | CR4_OSXMMEXCPT;
	for (int i = 0; i < SEG_COUNT; i++)
		seg_set(&st.seg[i], 0x10, 0, 0xFFFFFFFF, 0xC093);
	seg_set(&st.seg[SEG_CS], 0x08, 0, 0xFFFFFFFF, 0xC09B);
	st.gdtr_base = GDT;
	st.gdtr_limit = 0x17;
	st.idtr_base = IDT;
	st.idtr_limit = 32 * 8 - 1;
	st.halted = false;
	cpu_set_state(v->cpu, &st);
	CpuStats s0, s1;
	cpu_get_stats(v->cpu, &s0);
	cpu_run(v->cpu, 1, NULL);
	cpu_get_stats(v->cpu, &s1);
	return s1.exceptions != s0.exceptions ? s1.last_exception : -1;
}

static void check_model(CpuModel m)
{
	static const u8 pfx_byte[4] = {0, 0x66, 0xF3, 0xF2};
	static const char *const pfx_name[4] = {"", "66 ", "F3 ", "F2 "};
	bool p4 = m == CPU_MODEL_P4;
	Vm *v = ovm(m);
	int bad = 0, checked = 0;
	for (int op = 0; op < 256; op++) {
		for (int p = 0; p < 4; p++) {
			for (int f = 0; f < 16; f++) {
				int reg = f & 7;
				bool mem = f >= 8;
				u8 code[16];
				int n = 0;
				if (p)
					code[n++] = pfx_byte[p];
				code[n++] = 0x0F;
				code[n++] = (u8)op;
				code[n++] = (u8)(mem ? reg << 3 : 0xC0 | reg << 3); /* [EAX] or EAX */
				for (int i = 0; i < 6; i++)
					code[n++] = 0; /* immediates, displacements */
				bool ud = one(v, code, n) == 6;
				bool want = expect_ud(op, p, reg, mem, p4);
				checked++;
				if (ud != want) {
					bad++;
					if (bad <= 20)
						printf("FAIL %s: %s0F %02X /%d %s: %s, the SDM says %s\n",
						       p4 ? "P4" : "P6", pfx_name[p], op, reg,
						       mem ? "mem" : "reg", ud ? "#UD" : "runs",
						       want ? "#UD" : "it runs");
				}
			}
		}
	}
	printf("%s: %d forms of the 0F map checked, %d differ\n", p4 ? "Pentium 4" : "P6",
	       checked, bad);
	CHECK(bad == 0, "%s: %d forms of the 0F map differ from the SDM's", p4 ? "P4" : "P6", bad);
	vm_free(v);
}

int main(void)
{
	check_model(CPU_MODEL_P4);
	check_model(CPU_MODEL_P6);
	return test_summary();
}
