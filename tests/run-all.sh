#!/usr/bin/env bash
# Runs every test of `make check` and sums their counts.
# A test is a program $BUILD/tests/<area>/*_test or a script tests/<area>/*_test.sh.
# Each prints what it checked and ends with one line "N passed, N failed" (a line
# "skipped: REASON" instead counts as neither). A test that crashes, hangs past
# TEST_TIMEOUT or prints no summary line counts as one failure.
# TESTS=pattern limits the run to tests whose path matches the pattern (grep -E).
# The CPU and machine tests (tests/cpu, tests/vm) run twice: on the default CPU engine
# (the translator on x86-64 hosts) and again with VMCP_ENGINE=interp, named "[interp]";
# the tests that pit the engines against each other themselves (lockstep, random,
# SingleStepTests, jit, engine), the whole Debian system (debsys) and the CP's own tests
# (whose guests only idle or echo) run once. Under MODE=asan the second round is off
# unless ENGINES=both asks for it (and then leaves out the three that boot Debian's
# Linux); ENGINES=default skips it anywhere.
set -u
: "${BUILD:?}" "${VMCP:?}"
export BUILD VMCP TESTDATA="${TESTDATA:-}" ROOT="$PWD"
timeout_s=${TEST_TIMEOUT:-900}
logdir="$BUILD/test-logs"; mkdir -p "$logdir"
total_pass=0 total_fail=0 skipped=0
# Under the sanitizers, the reports of every process a test starts (the CP and the VM
# processes run in the background, their stderr in log files) go to files here; a test
# after which a report appears fails, and so does the run if one appears at its end.
sandir="$logdir/sanitizer"
if [ "${MODE:-}" = asan ]; then
  rm -rf "$sandir"; mkdir -p "$sandir/seen"
  export ASAN_OPTIONS="log_path=$sandir/asan${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
  export UBSAN_OPTIONS="log_path=$sandir/ubsan:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
fi
# sanitizer_reports: prints and files away the reports that appeared; returns 1 if any.
sanitizer_reports() {
  [ -d "$sandir" ] || return 0
  local f found=0
  for f in "$sandir"/asan.* "$sandir"/ubsan.*; do
    [ -e "$f" ] || continue
    found=1
    echo "    | sanitizer report $(basename "$f"):"; head -n 25 "$f" | sed 's/^/    | /'
    mv "$f" "$sandir/seen/"
  done
  return $found
}
tests=()
for t in $(find "$BUILD/tests" -type f -name '*_test' 2>/dev/null | sort) \
         $(find tests -name '*_test.sh' | sort); do
  [ -n "${TESTS:-}" ] && ! grep -qE "$TESTS" <<<"$t" && continue
  tests+=("$t")
done
runs=("${tests[@]}")
# Under the sanitizers the engines meet in the lockstep, random and engine tests; the
# whole second round there only when ENGINES=both asks for it (CI's time).
engines=${ENGINES:-both}
[ "${MODE:-}" = asan ] && engines=${ENGINES:-default}
if [ "$engines" != default ]; then
  for t in "${tests[@]}"; do
    [[ $t == *tests/cpu/* || $t == *tests/vm/* ]] || continue
    [[ $t =~ (lockstep|random|sst|jit|engine|debsys)_test ]] && continue
    # the CP's own tests: their guests only idle or echo
    [[ $t =~ /(cp|attach|protocol|hostfail|lock|outfile|limits|dirsafety)_test ]] && continue
    [ "${MODE:-}" = asan ] && [[ $t =~ (debian|linux|rootfs)_test ]] && continue
    runs+=("interp:$t")
  done
fi
for t in "${runs[@]}"; do
  engine=
  if [[ $t == interp:* ]]; then engine=interp; t=${t#interp:}; fi
  name=${t#"$BUILD/"}; name=${name%.sh}${engine:+ [$engine]}
  log="$logdir/$(echo "$name" | tr '/ []' '__').log"
  start=${EPOCHREALTIME/./}
  # A script may ask for more time with a line "# test-timeout: SECONDS" (a first build
  # of a cached guest image).
  tt=$timeout_s
  if [[ $t == *.sh ]]; then
    want=$(sed -n 's/^# test-timeout: *\([0-9][0-9]*\)$/\1/p' "$t" | head -n 1)
    [ -n "$want" ] && [ "$want" -gt "$tt" ] && tt=$want
  fi
  if [[ $t == *.sh ]]; then VMCP_ENGINE=${engine:-${VMCP_ENGINE:-}} timeout "$tt" bash "$t" >"$log" 2>&1
  else VMCP_ENGINE=${engine:-${VMCP_ENGINE:-}} timeout "$tt" "$t" >"$log" 2>&1; fi
  rc=$?
  us=$(( ${EPOCHREALTIME/./} - start )); secs=$((us / 1000000)).$(( (us / 100000) % 10 ))
  summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
  if grep -q '^skipped: ' "$log" && [ -z "$summary" ]; then
    printf '%-44s %s\n' "$name" "$(grep -m1 '^skipped: ' "$log")"
    skipped=$((skipped + 1)); continue
  fi
  if [ -z "$summary" ]; then
    printf '%-44s CRASHED or no summary (exit %d, %ss), see %s\n' "$name" "$rc" "$secs" "$log"
    tail -n 15 "$log" | sed 's/^/    | /'
    total_fail=$((total_fail + 1)); continue
  fi
  p=${summary%% passed*}; f=${summary#*, }; f=${f%% failed}
  if [ "$f" -eq 0 ] && [ "$rc" -ne 0 ]; then
    f=1; summary="$summary (but exit $rc)"
  fi
  printf '%-44s %s  (%ss)\n' "$name" "$summary" "$secs"
  if [ "$f" -ne 0 ]; then
    grep -E '^(FAIL|not ok)' "$log" | head -n 20 | sed 's/^/    | /'
  fi
  sanitizer_reports || { echo "FAIL $name: a sanitizer report (above)"; f=$((f + 1)); }
  total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
done
# CPs started in the background end some seconds after their last VM: wait for this
# build's, then look for their reports too.
for _ in $(seq 60); do
  alive=0
  for p in /proc/[0-9]*; do [ "$(readlink "$p/exe" 2>/dev/null)" = "$VMCP" ] && alive=1 && break; done
  [ $alive -eq 0 ] && break
  sleep 0.5
done
sanitizer_reports || { echo "FAIL: a sanitizer report from a background process (above)"; total_fail=$((total_fail + 1)); }
[ "$skipped" -gt 0 ] && echo "($skipped test programs skipped: their material is missing)"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
