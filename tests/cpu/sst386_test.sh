#!/usr/bin/env bash
# tests/cpu/sst386_test.sh: sst-run reads the 386 form of the MOO format (SingleStepTests
# 80386, captured from an Intel 386EX: header CPU "386E", RG32 register files, RM32
# masks at the top level and per case). The data itself is not here (sst_test.sh runs
# it from ../shared/testdata/sst-80386 when present), so this test writes MOO files
# holding the one case the 80386 suite's README shows in full -- ADD [SS:BP+60h],BL as
# the 386EX ran it, with that chip's ones in CR0's and EFLAGS's reserved bits -- and
# variants of it, and checks that sst-run passes the case and fails each wrong one
# with the register or byte that differs.
set -u
: "${BUILD:?}"
run=$BUILD/tests/cpu/sst-run
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
pass=0 fail=0
ok() { if eval "$1"; then pass=$((pass + 1)); else echo "FAIL: $2"; fail=$((fail + 1)); fi; }

# mkmoo DIR VARIANT: writes DIR/00.MOO with the README's case, changed as VARIANT says
mkmoo() {
  mkdir -p "$1"
  python3 - "$1/00.MOO" "$2" <<'EOF'
import struct, sys
path, variant = sys.argv[1], sys.argv[2]
def chunk(t, payload): return t.encode() + struct.pack('<I', len(payload)) + payload
ORDER = ['cr0','cr3','eax','ebx','ecx','edx','esi','edi','ebp','esp','cs','ds','es','fs','gs','ss','eip','eflags','dr6','dr7']
def rg32(tag, regs):
    mask = 0; vals = b''
    for i, r in enumerate(ORDER):
        if r in regs:
            mask |= 1 << i; vals += struct.pack('<I', regs[r] & 0xFFFFFFFF)
    return chunk(tag, struct.pack('<I', mask) + vals)
def ram(entries): return chunk('RAM ', struct.pack('<I', len(entries)) + b''.join(struct.pack('<IB', a, v) for a, v in entries))
init = dict(cr0=2147418096, cr3=0, eax=46917154, ebx=1747202472, ecx=3247246033, edx=4206235108,
            esi=8323072, edi=4054220768, ebp=524289, esp=56811, cs=7970, ds=809, es=17715, fs=0,
            gs=3855, ss=63468, eip=29344, eflags=4294707347, dr6=4294905840, dr7=0)
init_ram = [(156864, 0), (156865, 94), (156866, 96), (156867, 244), (156868, 63), (156869, 216),
            (156870, 35), (156871, 243), (156872, 48), (156873, 40), (1015585, 11), (156874, 10),
            (156875, 237), (156876, 25), (156877, 231)]
fina = dict(eip=29348, eflags=4294705298)
fina_ram = [(1015585, 179)]
top = b''
if variant == 'flags':      fina['eflags'] ^= 0x80        # SF wrong
if variant == 'ram':        fina_ram = [(1015585, 178)]   # the sum wrong
if variant == 'upper':      fina['eax'] = 46917154 ^ 0x10000   # a change in EAX's upper half
if variant == 'gs':         fina['gs'] = 3856              # GS changed
if variant == 'masked':                                    # SF wrong but undefined
    fina['eflags'] ^= 0x80
    top = rg32('RM32', dict(eflags=0xFFFFFF7F))
if variant == 'casemask':                                  # the same, masked in the case
    fina['eflags'] ^= 0x80
test = struct.pack('<I', 0)
test += chunk('NAME', struct.pack('<I', 18) + b'add [ss:bp+60h],bl')
test += chunk('BYTS', struct.pack('<I', 4) + bytes([0, 94, 96, 244]))
test += chunk('INIT', rg32('RG32', init) + ram(init_ram))
fin = rg32('RG32', fina) + ram(fina_ram)
if variant == 'casemask': fin += rg32('RM32', dict(eflags=0xFFFFFF7F))
test += chunk('FINA', fin)
test += chunk('HASH', bytes(range(20)))
moo = chunk('MOO ', bytes([1, 1, 0, 0]) + struct.pack('<I', 1) + b'386E')
open(path, 'wb').write(moo + top + chunk('TEST', test))
EOF
}

# expect VARIANT "PASSES FAILS" [PATTERN]: sst-run's summary, and PATTERN in its report
expect() {
  variant=$1 want=$2 pattern=${3:-}
  d=$work/$variant; mkmoo "$d" "$variant"
  out=$("$run" -v 1 "$d" 2>&1)
  got=$(tail -n 1 <<<"$out")
  echo "-- $variant: $got"
  ok '[ "$got" = "$want" ]' "$variant: summary '$want' (got: $got)"
  if [ -n "$pattern" ]; then
    ok 'grep -qF -- "$pattern" <<<"$out"' "$variant: the report names '$pattern'"
    grep -A1 "FAIL" <<<"$out" | head -n 2
  fi
}
expect good "1 passed, 0 failed"
expect masked "1 passed, 0 failed"
expect casemask "1 passed, 0 failed"
expect flags "0 passed, 1 failed" "flags=00000092 want 00000012"
expect ram "0 passed, 1 failed" "[0f7f21]=b3 want b2"
expect upper "0 passed, 1 failed" "ax=02cbe622 want 02cae622"
expect gs "0 passed, 1 failed" "gs=00000f0f want 00000f10"
# the per-opcode line names the CPU's data as the header gave it
out=$("$run" "$work/good" 2>&1)
ok 'grep -qE "^00 +1 passed +0 failed" <<<"$out"' "per-file line for 00 (got: $(head -n 1 <<<"$out"))"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
