#!/usr/bin/env bash
# Runs each libFuzzer target for FUZZ_SECONDS seconds, starting from its seed corpus
# (tests/fuzz/corpus/<target>/ when present). Any crash, leak or sanitizer report fails.
set -u
fail=0
for bin in "$@"; do
  name=$(basename "$bin")
  work="$FUZZ_BUILD/corpus/$name"; mkdir -p "$work"
  seeds=(); [ -d "tests/fuzz/corpus/$name" ] && seeds=("tests/fuzz/corpus/$name")
  # the target's own libFuzzer flags (tests/fuzz/NAME.options), and FUZZ_RUNS=N to stop
  # after N executions (a campaign: `make fuzz FUZZ_SECONDS=36000 FUZZ_RUNS=10000000`)
  extra=(); [ -f "tests/fuzz/$name.options" ] && read -r -a extra <<<"$(sed 's/#.*//' "tests/fuzz/$name.options" | tr '\n' ' ')"
  [ -n "${FUZZ_RUNS:-}" ] && extra+=(-runs="$FUZZ_RUNS")
  if "$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "${extra[@]}" \
       -artifact_prefix="$FUZZ_BUILD/$name-" "$work" "${seeds[@]}" >"$FUZZ_BUILD/$name.log" 2>&1; then
    echo "fuzz $name: ok ($(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$FUZZ_BUILD/$name.log" | tail -1))"
  else
    echo "fuzz $name: FAILED, see $FUZZ_BUILD/$name.log"; tail -n 30 "$FUZZ_BUILD/$name.log"; fail=1
  fi
done
exit $fail
