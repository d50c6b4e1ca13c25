#!/usr/bin/env bash
# tests/cpu/lockstep_test.sh: the translator against the interpreter, block by block.
#
# Each protected-mode test ROM (tests/cpu/pm/NAME.asm, assembled as pm_test.sh does)
# runs under romrun --lockstep: two machines, one on each engine, every block
# translated at its first execution, compared after every block, exception and
# interrupt on the whole CPU state, the instruction count and the output, and on all
# of RAM every 256 steps and at the end.
# One check per ROM: the runs agree to the end and stop at HLT. A difference prints the
# block where it first appeared.
set -u
: "${BUILD:?}"
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
romrun=$BUILD/tests/cpu/romrun
out=$BUILD/tests/cpu/lockstep
command -v nasm >/dev/null || { echo "skipped: nasm is not installed"; exit 0; }
mkdir -p "$out"
pass=0 fail=0
for asm in "$ROOT"/tests/cpu/pm/*.asm; do
  n=$(basename "$asm" .asm)
  if ! nasm -f bin -I "$ROOT/tests/cpu/pm/" -o "$out/$n.rom" "$asm" 2> "$out/$n.nasm"; then
    echo "FAIL $n: does not assemble"; fail=$((fail + 1)); continue
  fi
  timeout 300 "$romrun" --lockstep --out "$out/$n.out" --seconds 240 "$out/$n.rom" 2> "$out/$n.log"
  rc=$?
  agree=$(grep -m1 '^romrun: lockstep [0-9]* steps agree' "$out/$n.log")
  if [ "$rc" -eq 0 ] && [ -n "$agree" ]; then
    echo "PASS $n: ${agree#romrun: }"; pass=$((pass + 1))
  else
    echo "FAIL $n: exit $rc"; sed 's/^/    | /' "$out/$n.log" | head -n 30; fail=$((fail + 1))
  fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
