/* flags.c: lazy evaluation of the arithmetic flags (OF SF ZF AF PF CF).
 *
 * ADD/ADC/SUB/SBB/CMP/NEG/INC/DEC and the logical operations do not compute flags: they
 * record the operation kind and size, both operands and the result (cc_op, cc_a, cc_b,
 * cc_res, all truncated to the operand size), and the flags are derived here when
 * something reads them (Jcc, PUSHF, an interrupt...). Other instructions compute their
 * flags eagerly and set cc_op to CC_NONE, meaning c->eflags holds them.
 * Definitions: Intel SDM vol. 1 3.4.3 and each instruction's "Flags Affected". INC and
 * DEC keep CF: its value stays in c->eflags while cc_op is an INC/DEC kind. For the
 * logical operations AF is undefined; it reads 0 here (as on the 386). */
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
	case CCK_LOGIC:
	default:
		break;
	}
	return f;
}

/* Jcc/SETcc/CMOVcc conditions: O NO B AE E NE BE A S NS P NP L GE LE G. After CMP/SUB
 * (the common case) the unsigned and signed relations come straight from the operands. */
bool cpu_cond(Cpu *c, int cc)
{
	u32 op = c->cc_op;
	bool r;
	if ((op >> 2) == CCK_SUB) {
		u32 a = c->cc_a, b = c->cc_b;
		u32 sh = 32 - sz_bits(op);
		s32 sa = (s32)(a << sh), sbv = (s32)(b << sh);
		switch (cc >> 1) {
		case 1: r = a < b; goto out;
		case 2: r = a == b; goto out;
		case 3: r = a <= b; goto out;
		case 6: r = sa < sbv; goto out;
		case 7: r = sa <= sbv; goto out;
		default: break;
		}
	} else if (op != CC_NONE && (cc >> 1) == 2) {
		r = c->cc_res == 0;
		goto out;
	}
	u32 f = cpu_eflags(c);
	switch (cc >> 1) {
	case 0: r = f & FLAG_OF; break;
	case 1: r = f & FLAG_CF; break;
	case 2: r = f & FLAG_ZF; break;
	case 3: r = f & (FLAG_CF | FLAG_ZF); break;
	case 4: r = f & FLAG_SF; break;
	case 5: r = f & FLAG_PF; break;
	case 6: r = !(f & FLAG_SF) != !(f & FLAG_OF); break;
	default: r = (f & FLAG_ZF) || (!(f & FLAG_SF) != !(f & FLAG_OF)); break;
	}
out:
	return r ^ (cc & 1);
}
