/* flags.c: lazy evaluation of the arithmetic flags (OF SF ZF AF PF CF).
 *
 * ADD/ADC/SUB/SBB/CMP/NEG/INC/DEC and the logical operations do not compute flags: they
 * record the operation kind and size, both operands and the result (cc_op, cc_a, cc_b,
 * cc_res, all truncated to the operand size), and the flags are derived here when
 * something reads them (Jcc, PUSHF, an interrupt...). Other instructions compute their
 * flags eagerly and set cc_op to CC_NONE, meaning c->eflags holds them.
 * Definitions: Intel SDM vol. 1 3.4.3 and each instruction's "Flags Affected". INC and
 * DEC keep CF: its value stays in c->eflags while cc_op is an INC/DEC kind. For the
 * logical operations AF is undefined; it reads 0 here (as on the 386). Shifts and MUL
 * use a kind whose CF and OF are stored explicitly (CCK_SZPCO). */
#include "cpu/internal.h"

static inline u32 sz_bits(u32 op) { return 8u << (op & 3); }

u32 cpu_flags_lazy(const Cpu *c)
{
	u32 op = c->cc_op, a = c->cc_a, b = c->cc_b, r = c->cc_res;
	u32 sb = sz_bits(op) - 1; /* sign bit position */
	u32 f = 0;
	if (!r)
		f |= FLAG_ZF;
	if (r >> sb & 1)
		f |= FLAG_SF;
	if (!__builtin_parity(r & 0xFF))
		f |= FLAG_PF;
	switch (op >> 2) {
	case CCK_ADD:
		f |= (r < a) ? FLAG_CF : 0;
		f |= (((a ^ r) & (b ^ r)) >> sb & 1) ? FLAG_OF : 0;
		f |= (a ^ b ^ r) & FLAG_AF;
		break;
	case CCK_ADC:
		f |= (r <= a) ? FLAG_CF : 0;
		f |= (((a ^ r) & (b ^ r)) >> sb & 1) ? FLAG_OF : 0;
		f |= (a ^ b ^ r) & FLAG_AF;
		break;
	case CCK_SUB:
		f |= (a < b) ? FLAG_CF : 0;
		f |= (((a ^ b) & (a ^ r)) >> sb & 1) ? FLAG_OF : 0;
		f |= (a ^ b ^ r) & FLAG_AF;
		break;
	case CCK_SBB:
		f |= (a <= b) ? FLAG_CF : 0;
		f |= (((a ^ b) & (a ^ r)) >> sb & 1) ? FLAG_OF : 0;
		f |= (a ^ b ^ r) & FLAG_AF;
		break;
	case CCK_INC:
		f |= c->eflags & FLAG_CF;
		f |= (((a ^ r) & (b ^ r)) >> sb & 1) ? FLAG_OF : 0;
		f |= (a ^ b ^ r) & FLAG_AF;
		break;
	case CCK_DEC:
		f |= c->eflags & FLAG_CF;
		f |= (((a ^ b) & (a ^ r)) >> sb & 1) ? FLAG_OF : 0;
		f |= (a ^ b ^ r) & FLAG_AF;
		break;
	case CCK_SZPCO:
		f |= (a ? FLAG_CF : 0) | (b ? FLAG_OF : 0);
		break;
	case CCK_LOGIC:
	default:
		break;
	}
	return f;
}

/* Jcc/SETcc/CMOVcc conditions (out of line, for the handlers with a variable cc). */
bool cpu_cond(Cpu *c, int cc)
{
	return cond_eval(c, cc);
}
