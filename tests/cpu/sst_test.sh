#!/usr/bin/env bash
# tests/cpu/sst_test.sh: runs the SingleStepTests data (../shared/testdata, README.md
# there) on VMCP's CPU through tests/cpu/sst-run: the 80286 real-mode set and the 8086
# set (and the 80386 real-mode set, sst-80386/v1_ex_real_mode, where it is present), with the exclusions of tests/cpu/sst-exclusions.txt, once on each engine: the
# interpreter, and the translator with every block translated at its first execution
# (VMCP_JIT_HEAT=0), so each case's instruction runs as translated code. Prints each
# run's per-opcode counts and ends with the summed "N passed, N failed". SST_EVERY=N
# runs every Nth case only (the whole data takes about 6 s per engine in release mode
# and 10 s under MODE=asan, so make check runs all of it).
set -u
: "${BUILD:?}"
run=$BUILD/tests/cpu/sst-run
excl=${ROOT:-.}/tests/cpu/sst-exclusions.txt
if [ -z "${TESTDATA:-}" ] || [ ! -d "$TESTDATA/sst-80286/v1_real_mode" ]; then
  echo "skipped: SingleStepTests data not found (looked in ${TESTDATA:-\$TESTDATA unset}/sst-80286/v1_real_mode)"
  exit 0
fi
every=${SST_EVERY:-1}
[ "$every" -gt 1 ] && echo "sampling: every ${every}th case (MODE=${MODE:-})"
pass=0 fail=0
for engine in interp jit; do
# the 80386 set (real mode, captured from a 386EX: RG32 registers) when it is there
dirs=("$TESTDATA/sst-80286/v1_real_mode" "$TESTDATA/sst-8086/v1_binary")
[ -d "$TESTDATA/sst-80386/v1_ex_real_mode" ] && dirs+=("$TESTDATA/sst-80386/v1_ex_real_mode")
for d in "${dirs[@]}"; do
  if [ ! -d "$d" ]; then
    echo "missing $d"
    fail=$((fail + 1))
    continue
  fi
  echo "== $d ($engine)"
  out=$(VMCP_ENGINE=$engine VMCP_JIT_HEAT=0 "$run" -x "$excl" -n "$every" "$d" 2>&1)
  rc=$?
  echo "$out"
  summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' <<<"$out" | tail -n 1)
  if [ -z "$summary" ]; then
    echo "FAIL sst-run on $d ended without a summary (exit $rc)"
    fail=$((fail + 1))
    continue
  fi
  p=${summary%% passed*}; f=${summary#*, }; f=${f%% failed}
  [ "$f" -eq 0 ] && [ "$rc" -ne 0 ] && f=1
  pass=$((pass + p)); fail=$((fail + f))
  grep -E '^[0-9A-F.]+ +[a-z]* +[0-9]+ passed +[1-9]' <<<"$out" | sed "s/^/FAIL $engine /"
done
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
