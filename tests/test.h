/* tests/test.h: the tiny test framework every C test program uses.
 *
 * CHECK(cond, fmt...) records one assertion; a failure prints "FAIL file:line: message".
 * CHECK_EQ(a, b) compares two integers and prints both on failure.
 * test_summary() prints "N passed, N failed" (the line tests/run-all.sh sums) and returns
 * the exit status. Header-only: each test is a single .c file. */
#ifndef VMCP_TESTS_TEST_H
#define VMCP_TESTS_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned long test_passed, test_failed;

#define CHECK(cond, ...)                                                    \
	do {                                                                \
		if (cond) {                                                 \
			test_passed++;                                      \
		} else {                                                    \
			test_failed++;                                      \
			printf("FAIL %s:%d: ", __FILE__, __LINE__);         \
			printf(__VA_ARGS__);                                \
			printf("\n");                                       \
			fflush(stdout);                                     \
		}                                                           \
	} while (0)

#define CHECK_EQ(a, b)                                                      \
	do {                                                                \
		uint64_t check_a_ = (uint64_t)(a), check_b_ = (uint64_t)(b);   \
		CHECK(check_a_ == check_b_, "%s == %s: 0x%" PRIx64 " != 0x%" PRIx64, \
		      #a, #b, check_a_, check_b_);                          \
	} while (0)

static inline int test_summary(void)
{
	printf("%lu passed, %lu failed\n", test_passed, test_failed);
	return test_failed ? 1 : 0;
}

/* Assembles the raw guest tests/vm/guest/NAME.asm with nasm (opts: more options, such
 * as "-DTIMER") into out, a path under $BUILD/tests/vm/ ending in OUTNAME. Returns 1
 * when it did, 0 when nasm is not installed (the test prints that it is skipped and
 * exits 0), -1 when the source does not assemble (a failure, printed). */
static inline int test_guest_rom(const char *name, const char *opts, const char *outname, char *out,
				 size_t outlen)
{
	const char *b = getenv("BUILD");
	char cmd[1200];
	snprintf(out, outlen, "%s/tests/vm/%s", b ? b : "build/release", outname);
	if (system("command -v nasm >/dev/null") != 0) {
		printf("skipped: nasm is not installed\n");
		return 0;
	}
	snprintf(cmd, sizeof(cmd), "nasm -f bin -I tests/vm/guest/ %s -o %s tests/vm/guest/%s.asm", opts, out,
		 name);
	if (system(cmd) != 0) {
		printf("FAIL tests/vm/guest/%s.asm does not assemble\n", name);
		test_failed++;
		return -1;
	}
	return 1;
}

#endif
