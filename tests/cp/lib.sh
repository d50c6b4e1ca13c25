# tests/cp/lib.sh: what the CP command tests share (sourced, not run).
#
# Each test works in a fresh directory under $BUILD/cp-tests/, runs vmcp commands with
# `run`, which appends "$ vmcp ARGS", the merged output and "[exit N]" to the transcript,
# and at the end compares the transcript with the checked-in golden file
# tests/cp/golden/NAME.out (`golden`). Concrete assertions go through `ok COND TEXT`.
# Set GOLDEN_UPDATE=1 to rewrite the golden file from the transcript (then review the diff).
set -u
: "${VMCP:?}" "${BUILD:?}" "${ROOT:=$PWD}"
BUILD=$(cd "$BUILD" && pwd)
ROOT=$(cd "$ROOT" && pwd)
T_NAME=$(basename "$0" .sh)
T_DIR="$BUILD/cp-tests/$T_NAME"
T_PASS=0 T_FAIL=0
rm -rf "$T_DIR" && mkdir -p "$T_DIR" && cd "$T_DIR" || exit 1
T_LOG="$T_DIR/transcript"
: >"$T_LOG"
unset VMCP_DASD
export LC_ALL=C

# run ARGS...: runs vmcp with ARGS, records it, sets $RC.
run() {
  echo "\$ vmcp $*" >>"$T_LOG"
  "$VMCP" "$@" >>"$T_LOG" 2>&1
  RC=$?
  echo "[exit $RC]" >>"$T_LOG"
}

# note TEXT: a comment line in the transcript.
note() { echo "# $*" >>"$T_LOG"; }

# ok COND_EXIT_STATUS TEXT: counts an assertion ("ok test -f x" style: the command).
ok() {
  local text=${*: -1}
  if "${@:1:$#-1}" >/dev/null 2>&1; then
    T_PASS=$((T_PASS + 1))
  else
    T_FAIL=$((T_FAIL + 1)); echo "FAIL $T_NAME: $text"
  fi
}

# golden: compares the transcript with tests/cp/golden/$T_NAME.out.
golden() {
  local want="$ROOT/tests/cp/golden/$T_NAME.out"
  if [ "${GOLDEN_UPDATE:-0}" = 1 ]; then
    cp "$T_LOG" "$want"
  fi
  if diff -u "$want" "$T_LOG" >"$T_DIR/golden.diff"; then
    T_PASS=$((T_PASS + 1)); echo "golden transcript $T_NAME.out: same"
  else
    T_FAIL=$((T_FAIL + 1)); echo "FAIL $T_NAME: transcript differs from golden/$T_NAME.out:"
    head -n 60 "$T_DIR/golden.diff"
  fi
}

# json FILE PYTHON-EXPR: valid JSON (python3 -m json.tool) and EXPR true of it (as j).
json() {
  if python3 -m json.tool "$1" >/dev/null 2>&1 &&
     python3 -c "import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1"; then
    T_PASS=$((T_PASS + 1))
  else
    T_FAIL=$((T_FAIL + 1)); echo "FAIL $T_NAME: JSON $1: $2"; head -c 600 "$1"; echo
  fi
}

summary() {
  echo "$T_PASS passed, $T_FAIL failed"
  [ "$T_FAIL" -eq 0 ]
}
