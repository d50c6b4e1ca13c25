/* storage_ports.c: libFuzzer target for the storage devices' port interfaces (IDE,
 * bus master, 8237 pair, 82077AA). The input is a sequence of 4-byte operations
 * (tests/dev/storage_ops.h); any crash or sanitizer report is a bug, and so is a byte
 * written outside the VDs (the guard sectors around them), which aborts. */
#include <stdio.h>

#include "../dev/storage_ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static StorageMachine m;
	if (sm_init(&m))
		return 0;
	const u8 *p = data, *end = data + size;
	while (sm_step(&m, &p, end))
		;
	if (!sm_guards_intact(&m)) {
		fprintf(stderr, "storage_ports: a guest wrote outside its VDs\n");
		abort();
	}
	sm_free(&m);
	return 0;
}
