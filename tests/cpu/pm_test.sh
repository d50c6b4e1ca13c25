#!/usr/bin/env bash
# tests/cpu/pm_test.sh: the protected-mode test ROMs on VMCP's CPU.
#
# Each tests/cpu/pm/NAME.asm is assembled (nasm) into $BUILD/tests/cpu/pm/NAME.rom and
# run by romrun (tests/cpu/romrun.c); what it writes to port 0xE9 is compared with
# tests/cpu/pm/NAME.expect, which comes from Bochs (tools/pm-expect.sh, see
# tests/cpu/pm/README.md), never from our CPU. A program may name romrun options in a
# line "; romrun: ARGS" (e.g. --cpu pentium4); its Bochs and QEMU CPUs are then named
# the same way ("; bochs-cpu: MODEL", "; qemu-cpu: MODEL") for tools/pm-expect.sh. Checks: one per expected line (a line
# counts as failed when diff reports it changed or missing), one for "no extra output",
# and one for the way the run stopped (HLT with IF=0; anything else, e.g. the
# instruction limit, a crash or a timeout, fails). A failing program shows its diff.
set -u
: "${BUILD:?}"
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
pm=$ROOT/tests/cpu/pm
romrun=$BUILD/tests/cpu/romrun
out=$BUILD/tests/cpu/pm
command -v nasm >/dev/null || { echo "skipped: nasm is not installed"; exit 0; }
[ -x "$romrun" ] || { echo "FAIL romrun is not built ($romrun)"; echo "0 passed, 1 failed"; exit 1; }
mkdir -p "$out"
pass=0 fail=0
for asm in "$pm"/*.asm; do
  n=$(basename "$asm" .asm)
  exp=$pm/$n.expect
  if [ ! -f "$exp" ]; then
    echo "FAIL $n: no $n.expect (run tools/pm-expect.sh $n)"; fail=$((fail + 1)); continue
  fi
  nexp=$(wc -l < "$exp")
  if ! nasm -f bin -I "$pm/" -o "$out/$n.rom" "$asm" 2> "$out/$n.nasm"; then
    echo "FAIL $n: does not assemble"; sed 's/^/    /' "$out/$n.nasm"
    fail=$((fail + nexp + 2)); continue
  fi
  # "; romrun: ARGS" in the program: its options (a CPU model other than the P6)
  args=$(sed -n 's/^; romrun: //p' "$asm" | head -n 1)
  # shellcheck disable=SC2086
  timeout 120 "$romrun" --out "$out/$n.out" --seconds 60 $args "$out/$n.rom" 2> "$out/$n.log"
  rc=$?
  [ -f "$out/$n.out" ] || : > "$out/$n.out"
  diff "$exp" "$out/$n.out" > "$out/$n.diff"
  bad=$(grep -c '^<' "$out/$n.diff")
  extra=$(grep -c '^>' "$out/$n.diff")
  stop=$(grep -m1 '^romrun: stop=' "$out/$n.log")
  p=$((nexp - bad)) f=$bad
  if [ "$bad" -eq 0 ] && [ "$extra" -gt 0 ]; then f=$((f + 1)); else p=$((p + 1)); fi
  case $stop in "romrun: stop=hlt "*) p=$((p + 1));; *) f=$((f + 1));; esac
  pass=$((pass + p)); fail=$((fail + f))
  if [ "$f" -eq 0 ]; then
    echo "PASS $n: $nexp lines match, stopped at HLT"
  else
    echo "FAIL $n: $bad of $nexp expected lines differ, $extra lines of ours differ; exit $rc; ${stop:-romrun gave no stop line}"
    grep -v '^romrun: stop=' "$out/$n.log" | head -n 5 | sed 's/^/    | /'
    echo "    diff (< expected from Bochs, > ours):"
    head -n 60 "$out/$n.diff" | sed 's/^/    /'
  fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
