#!/usr/bin/env bash
# The random-guest isolation test: three VMs on one real disk run at once, each a guest
# (tests/vm/guest/isolation.asm, a raw ROM) issuing a seeded random stream of ATA (PIO and
# 48-bit, in range, across the end and anywhere), bus-master DMA with random PRD tables,
# floppy and 8237 commands and stray register writes at its own hda, hdc and fda. Between
# every two of their VDs lies a VD of a VM that never runs (y, z), so a write past either
# end of a VD would land in a bystander's. Afterwards every byte of the real disk outside
# the three VMs' own VDs -- superblock, directories, the bystanders' VDs, the free space --
# is what it was, `vmcp check` is clean, and a run repeated from the same disk gives the
# same result (the stream is reproducible).
. "$ROOT/tests/vm/lib.sh"
command -v nasm >/dev/null || { echo "skipped: nasm missing"; exit 0; }
command -v python3 >/dev/null || { echo "skipped: python3 missing"; exit 0; }
OPS=${ISOLATION_OPS:-1500}
run format --size 24M
for vm in a b c y z; do run define vm $vm --memory 4M; done
# interleaved: a running VM's VD, a bystander's, the next running VM's, ...
for pair in "a hda 1M" "y hda 64K" "b hda 1M" "y hdb 64K" "c hda 1M" "y hdc 64K" \
            "a hdc 512K" "y hdd 64K" "b hdc 512K" "z hda 64K" "c hdc 512K" "z hdb 64K" \
            "a fda 1440K" "z hdc 64K" "b fda 1440K" "z hdd 64K" "c fda 1440K" "y fda 360K"; do
  run define vd $pair
done
ok test "$RC" -eq 0 "three VMs and two bystanders defined, their VDs interleaved"
"$VMCP" query vd --json >vds.json
# digests FILE: the sha256 of the real disk outside VMs a, b and c's VDs ("outside") and
# of each of their VDs ("vm:dev"), from the extents query vd lists, one per line.
digests() {
  python3 - "$VMCP_DASD" vds.json >"$1" <<'EOF'
import hashlib, json, sys
data, vds = open(sys.argv[1], "rb").read(), json.load(open(sys.argv[2]))["vds"]
def ranges(vd):
    return [(e["start"] * 512, (e["start"] + e["count"]) * 512) for e in vd["extents"]]
h, at = hashlib.sha256(), 0
for lo, hi in sorted(r for vd in vds if vd["vm"] in "abc" for r in ranges(vd)) + [(len(data), len(data))]:
    h.update(data[at:lo])
    at = hi
print("outside", h.hexdigest())
for vd in vds:
    if vd["vm"] in "abc":
        h = hashlib.sha256()
        for lo, hi in ranges(vd):
            h.update(data[lo:hi])
        print(vd["vm"] + ":" + vd["dev"], h.hexdigest())
EOF
}
# sum FILE WHAT: one digest from a digests file
sum() { awk -v w="$2" '$1 == w { print $2 }' "$1"; }
# the VDs of the running VMs lie between bystanders' (allocation in definition order)
ok python3 -c "
import json
v = sorted(json.load(open('vds.json'))['vds'], key=lambda d: d['extents'][0]['start'])
run = [d['vm'] in 'abc' for d in v]
assert all(not (run[i] and run[i + 1]) for i in range(len(run) - 1)), run
assert not run[0] or v[0]['extents'][0]['start'] > 0
" "no two running VMs' VDs are neighbours on the real disk"
digests before.sums
cp "$VMCP_DASD" start.dasd
seeds=(a:11 b:22 c:33)
for s in "${seeds[@]}"; do
  nasm -f bin -DSEED=${s#*:} -DOPS=$OPS -DVDSECT=2048 -o ${s%%:*}.rom "$ROOT/tests/vm/guest/isolation.asm"
done
pids=()
for s in "${seeds[@]}"; do
  vm=${s%%:*}
  "$VMCP" ipl $vm --headless --bios $vm.rom --debugcon $vm.e9 --timeout 120 >$vm.out 2>&1 &
  pids+=($!)
done
rcs=()
for p in "${pids[@]}"; do wait "$p"; rcs+=($?); done
ok test "${rcs[*]}" = "0 0 0" "the three guests ran to their end together (exit ${rcs[*]})"
digests after.sums
for s in "${seeds[@]}"; do
  vm=${s%%:*}
  show $vm.e9 3
  line=$(grep "^isolation: seed" $vm.e9)
  ok contains $vm.e9 "isolation: done" "VM $vm: the guest finished its $OPS operations"
  read -r _ _ _ _ pio _ err _ dma _ fdc _ fdcerr _ <<<"$line"
  pio=$((16#${pio:-0})) err=$((16#${err:-0})) dma=$((16#${dma:-0})) fdc=$((16#${fdc:-0})) fdcerr=$((16#${fdcerr:-0}))
  ok test "${pio:-0}" -gt 100 "VM $vm: PIO sectors moved ($pio)"
  ok test "${err:-0}" -gt 10 "VM $vm: ATA commands refused (out-of-range LBAs and the like: $err)"
  ok test "${dma:-0}" -gt 10 "VM $vm: bus-master transfers ($dma)"
  ok test "$((fdc - fdcerr))" -gt 5 "VM $vm: floppy transfers that succeeded ($((fdc - fdcerr)) of $fdc)"
  ok test "${fdcerr:-0}" -gt 5 "VM $vm: floppy commands that failed ($fdcerr)"
  for dev in hda hdc fda; do
    ok test "$(sum after.sums $vm:$dev)" != "$(sum before.sums $vm:$dev)" "VM $vm: its $dev was written"
  done
done
ok test -n "$(sum after.sums outside)" "the real disk read"
ok test "$(sum after.sums outside)" = "$(sum before.sums outside)" "every byte of the real disk outside the three VMs' VDs is unchanged"
run check
ok test "$RC" -eq 0 "vmcp check: the real disk is clean (exit $RC)"
# The same seed from the same disk: the same counters and checksum.
first=$(grep "^isolation: seed" a.e9)
cp start.dasd "$VMCP_DASD"
"$VMCP" ipl a --headless --bios a.rom --debugcon a2.e9 --timeout 120 >a2.out 2>&1
ok test "$(grep "^isolation: seed" a2.e9)" = "$first" "VM a again from the same disk: the same stream and results"
summary
