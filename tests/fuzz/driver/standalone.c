/* standalone.c: runs a libFuzzer target without libFuzzer, so that `make check` (gcc,
 * and MODE=asan) runs every fuzz target briefly: first each file of its seed corpus
 * (tests/fuzz/corpus/NAME/), then pseudo-random inputs from a fixed seed (a failure
 * repeats) for FUZZ_CHECK_SECONDS seconds (default 2). A target that finds something
 * aborts, and the test fails as a crash; each input that returns counts as passed. The
 * program is tests/fuzz/NAME.c linked with this file, built as NAME_test. With
 * FUZZ_LAST=FILE each input is written to FILE before it runs, so that the input of a
 * hang or crash can be kept as a corpus file (a file given as an argument runs alone).
 *
 * A whole-machine target (machine.h) also reports a digest of each input's run (what
 * its reads returned, the machine it left): every corpus input and every eighth random
 * one runs twice in a row, after a different input and then after itself, and the two
 * digests must be equal. An input behaves the same wherever it comes in the stream, so
 * that a failure found after thousands of inputs repeats when its input runs alone. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
uint64_t fuzz_digest(void) __attribute__((weak));

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs one input, first saved to $FUZZ_LAST when that is set. */
static void run_one(const uint8_t *data, size_t size)
{
	const char *last = getenv("FUZZ_LAST");
	if (last) {
		FILE *f = fopen(last, "wb");
		if (f) {
			fwrite(data, 1, size, f);
			fclose(f);
		}
	}
	LLVMFuzzerTestOneInput(data, size);
}

/* Runs an input twice in a row (when the target has a digest); returns false when the
 * second run differed from the first. */
static int run_twice(const uint8_t *data, size_t size, const char *what)
{
	run_one(data, size);
	if (!fuzz_digest)
		return 1;
	uint64_t first = fuzz_digest();
	run_one(data, size);
	if (fuzz_digest() == first)
		return 1;
	fprintf(stderr, "%s: not deterministic: digest %016llx after another input, %016llx after itself%s\n",
		what, (unsigned long long)first, (unsigned long long)fuzz_digest(),
		getenv("FUZZ_LAST") ? " (the input is in $FUZZ_LAST)" : "");
	return 0;
}

int main(int argc, char **argv)
{
	char name[256];
	const char *base = strrchr(argv[0], '/');
	snprintf(name, sizeof(name), "%s", base ? base + 1 : argv[0]);
	char *suffix = strstr(name, "_test");
	if (suffix)
		*suffix = 0;
	const char *root = getenv("ROOT");
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", root ? root : ".", name);
	unsigned long corpus = 0, random_inputs = 0;
	static uint8_t buf[1 << 20];
	if (argc > 1) {
		FILE *f = fopen(argv[1], "rb");
		if (!f) {
			perror(argv[1]);
			return 2;
		}
		size_t n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		run_one(buf, n);
		printf("%s: %s ran clean\n1 passed, 0 failed\n", name, argv[1]);
		return 0;
	}
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char path[8192];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		size_t n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		if (!run_twice(buf, n, path))
			return 1;
		corpus++;
	}
	if (d)
		closedir(d);
	const char *secs_s = getenv("FUZZ_CHECK_SECONDS");
	double secs = secs_s ? atof(secs_s) : 2.0, end = now_s() + secs;
	uint64_t x = 0x9E3779B97F4A7C15ull;
	while (now_s() < end) {
		for (int k = 0; k < 16; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			size_t n = (size_t)(x % 1024);
			for (size_t i = 0; i < n; i++) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				buf[i] = (uint8_t)(x >> 24);
			}
			char what[64];
			snprintf(what, sizeof(what), "random input %lu", random_inputs);
			if (!(random_inputs % 8 == 7 ? run_twice(buf, n, what) : (run_one(buf, n), 1)))
				return 1;
			random_inputs++;
		}
	}
	printf("%s: %lu corpus inputs and %lu random inputs ran clean\n", name, corpus, random_inputs);
	printf("%lu passed, 0 failed\n", corpus + random_inputs);
	return 0;
}
