#!/usr/bin/env bash
# Runs each libFuzzer target for FUZZ_SECONDS seconds, starting from its seed corpus
# (tests/fuzz/corpus/<target>/ when present). Any crash, leak or sanitizer report fails.
set -u
fail=0
for bin in "$@"; do
  name=$(basename "$bin")
  work="$FUZZ_BUILD/corpus/$name"; mkdir -p "$work"
  seeds=(); [ -d "tests/fuzz/corpus/$name" ] && seeds=("tests/fuzz/corpus/$name")
  if "$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$FUZZ_BUILD/$name-" "$work" "${seeds[@]}" >"$FUZZ_BUILD/$name.log" 2>&1; then
    echo "fuzz $name: ok ($(grep -o 'Done [0-9]* runs' "$FUZZ_BUILD/$name.log" | tail -1))"
  else
    echo "fuzz $name: FAILED, see $FUZZ_BUILD/$name.log"; tail -n 30 "$FUZZ_BUILD/$name.log"; fail=1
  fi
done
exit $fail
