#!/usr/bin/env bash
# bench/run.sh: runs every benchmark program built from bench/*.c ($BUILD/bench/*) in
# turn and prints its figures. Speed is measured here, never in timed tests.
set -u
: "${BUILD:?}"
status=0
for b in "$BUILD"/bench/*; do
  [ -x "$b" ] && [ -f "$b" ] || continue
  case "$b" in *.o|*.d) continue ;; esac
  echo "== $(basename "$b")"
  "$b" || status=1
done
exit $status
