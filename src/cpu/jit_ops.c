/* jit_ops.c: inline translations of the frequent instructions (see jit.c). */
#include "cpu/jit.h"
#include "cpu/ops.h"

typedef struct JitMapEnt {
	OpFn fn;
	TxFn tx;
} JitMapEnt;

const JitMapEnt jit_op_table[] = {
	{op_nop, NULL},
};
const size_t jit_op_count = ARRAY_SIZE(jit_op_table);
