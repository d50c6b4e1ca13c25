# VMCP build. GNU Make.
#   make [MODE=debug|release|asan]      build the vmcp command and the test programs
#   make check                           build and run every test; ends "N passed, N failed"
#   make demo                            build, prepare a real disk and a guest, boot it
#   make fuzz [FUZZ_SECONDS=N]           build the libFuzzer targets (clang) and run each briefly
#        [FUZZ_RUNS=N] [FUZZ_TARGETS="ata_fuzz ..."]   a campaign: stop each after N executions
#   make soak [HOURS=1]                  the soak test (tools/soak.sh; not part of check)
#   make bench                           speed figures (bench/)
# Outputs go under build/$(MODE)/; nothing is written into src/.

MODE ?= release
BUILD ?= build/$(MODE)
TESTDATA ?= $(abspath $(CURDIR)/../shared/testdata)

CC ?= cc
WARN := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wpointer-arith -Wstrict-prototypes \
        -Wmissing-prototypes -Wvla -Werror=implicit-function-declaration
BASE_CFLAGS := -std=gnu11 -g -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Isrc -MMD -MP $(WARN)

ifeq ($(MODE),debug)
  MODE_CFLAGS := -O0
else ifeq ($(MODE),release)
  # Assertions stay on: they guard CP invariants, never guest behaviour, and cost nothing
  # measurable on the CPU's hot path (which keeps its own asserts out of the loop).
  MODE_CFLAGS := -O2
else ifeq ($(MODE),asan)
  MODE_CFLAGS := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
  MODE_LDFLAGS := -fsanitize=address,undefined
else
  $(error MODE must be debug, release or asan)
endif

CFLAGS += $(BASE_CFLAGS) $(MODE_CFLAGS)
LDFLAGS += $(MODE_LDFLAGS)
LDLIBS += -lcapstone -lm -lpthread

# Every .c under src/ goes into libvmcp.a, except the command's main.
LIB_SRCS := $(sort $(shell find src -name '*.c' ! -path src/cp/main.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB := $(BUILD)/libvmcp.a
VMCP := $(BUILD)/vmcp

# Every tests/<area>/<name>.c is one program, built to $(BUILD)/tests/<area>/<name>.
# Those named *_test are run by `make check`; others (sst-run, romrun...) are tools the
# test scripts (tests/<area>/*_test.sh) call. tests/fuzz/ is built only by `make fuzz`.
TEST_SRCS := $(sort $(shell find tests -name '*.c' ! -path 'tests/fuzz/*'))
TEST_BINS := $(TEST_SRCS:%.c=$(BUILD)/%)
BENCH_SRCS := $(sort $(wildcard bench/*.c))
BENCH_BINS := $(BENCH_SRCS:%.c=$(BUILD)/%)

# The fuzz targets (tests/fuzz/*.c) also build as ordinary test programs NAME_test with
# tests/fuzz/driver/standalone.c: `make check` runs each briefly (its corpus, then seeded
# random inputs), with the compiler and sanitizers of the MODE.
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/*.c))
FUZZ_CHECK_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/tests/fuzz/%_test)

.SECONDARY:
.PHONY: all check demo fuzz bench clean lint format deps soak debian
all: $(VMCP) $(TEST_BINS) $(BENCH_BINS) $(FUZZ_CHECK_BINS)

# V=1 shows whole command lines.
Q := $(if $(V),,@)
$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

$(VMCP): $(BUILD)/src/cp/main.o $(LIB)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIB)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/fuzz/%_test: $(BUILD)/tests/fuzz/%.o $(BUILD)/tests/fuzz/driver/standalone.o $(LIB)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIB)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# The Debian packages the tests and the demo need (installed once, if missing).
deps:
	@bash tools/deps.sh

check: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) MODE=$(MODE) VMCP=$(abspath $(VMCP)) TESTDATA=$(TESTDATA) \
	  bash tests/run-all.sh

demo: deps
	@$(MAKE) --no-print-directory $(VMCP)
	@BUILD=$(BUILD) VMCP=$(abspath $(VMCP)) bash tools/demo.sh

# A whole Debian 12 system (GRUB, systemd) built once into the cache (root; about half
# an hour through qemu-user): tests/vm/debsys_test.sh and the demo boot it when it is there.
debian: deps
	@bash tools/mkdebian.sh $(BUILD)/debian.img

bench: $(VMCP) $(BENCH_BINS)
	@BUILD=$(BUILD) VMCP=$(abspath $(VMCP)) bash bench/run.sh

# libFuzzer targets: the library is compiled again with clang and the fuzzer runtime.
FUZZ_BUILD := build/fuzz
FUZZ_CFLAGS := $(BASE_CFLAGS) -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
FUZZ_OBJS := $(LIB_SRCS:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_SECONDS ?= 20
# The whole-machine targets (those built on tests/fuzz/machine.h) link a second copy of
# the library without coverage feedback in the parts their inputs do not steer (the CPU,
# which runs their idle loop, and the host-side code): still under ASan and UBSan, but
# libFuzzer no longer collects thousands of constant features per input (docs/fuzzing.md).
FUZZ_MACHINE := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(shell grep -l '"machine.h"' tests/fuzz/*.c))
FUZZ_MOBJS := $(LIB_SRCS:%.c=$(FUZZ_BUILD)/machine/%.o)
$(FUZZ_BUILD)/%.o: %.c tests/fuzz/lib.ignore
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CLANG   $<")
	$(Q)clang $(FUZZ_CFLAGS) -fsanitize-coverage-ignorelist=tests/fuzz/lib.ignore -c $< -o $@
$(FUZZ_BUILD)/machine/%.o: %.c tests/fuzz/machine.ignore
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CLANG   $< (machine targets)")
	$(Q)clang $(FUZZ_CFLAGS) -fsanitize-coverage-ignorelist=tests/fuzz/machine.ignore $(FUZZ_MFLAGS) -c $< -o $@
# The run loop, the clock and the buses keep their edges but not the comparison hooks
# (constant compares on every timer event and interrupt, nothing an input has to solve).
$(FUZZ_BUILD)/machine/src/vm/%.o $(FUZZ_BUILD)/machine/src/bus/%.o: FUZZ_MFLAGS := -fno-sanitize-coverage=trace-cmp
# Each target's own file and the driver are compiled apart (with the library's rule: both
# ignorelists leave tests/fuzz/ out of coverage), so that their .d files name the headers
# they include (machine.h): one clang line compiling both wrote the second file's only.
FUZZ_DRIVER := $(FUZZ_BUILD)/tests/fuzz/driver/altstack.o
$(FUZZ_MACHINE): $(FUZZ_BUILD)/%: $(FUZZ_BUILD)/tests/fuzz/%.o $(FUZZ_DRIVER) $(FUZZ_MOBJS)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)clang $(FUZZ_CFLAGS) -fsanitize=fuzzer $(filter %.o,$^) $(LDLIBS) -o $@
$(filter-out $(FUZZ_MACHINE),$(FUZZ_BINS)): $(FUZZ_BUILD)/%: $(FUZZ_BUILD)/tests/fuzz/%.o $(FUZZ_DRIVER) $(FUZZ_OBJS)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)clang $(FUZZ_CFLAGS) -fsanitize=fuzzer $(filter %.o,$^) $(LDLIBS) -o $@
FUZZ_RUN_BINS := $(if $(FUZZ_TARGETS),$(addprefix $(FUZZ_BUILD)/,$(FUZZ_TARGETS)),$(FUZZ_BINS))
fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZ_RUN_BINS)
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RUNS=$(FUZZ_RUNS) bash tests/fuzz/run.sh $(FUZZ_RUN_BINS)

# The soak test (tools/soak.sh, issue 12): HOURS=1 by default; not part of check.
soak: all
	@TESTDATA=$(TESTDATA) VMCP=$(abspath $(VMCP)) bash tools/soak.sh $(or $(HOURS),1)

lint:
	cppcheck --quiet --enable=warning,performance,portability --inline-suppr -Isrc src
	clang-tidy $(LIB_SRCS) -- $(BASE_CFLAGS)

format:
	clang-format -i $(LIB_SRCS) src/cp/main.c

clean:
	rm -rf build

-include $(shell find $(BUILD) $(FUZZ_BUILD) -name "*.d" -type f 2>/dev/null)
