#!/usr/bin/env bash
# check_test.sh: `vmcp check [--repair]` on a real disk damaged from outside (dd): a torn
# inactive directory copy is a warning (exit 0) that --repair clears; a damaged newest
# copy falls back to the older one; a zeroed or damaged superblock, both copies gone and
# a truncated real disk are clear numbered errors with exit 6, for check and for every
# other command, and never a crash.
source "$ROOT/tests/cp/lib.sh"

run --dasd c.dasd format --size 16M
export VMCP_DASD=c.dasd
run define vm web
run define vd web hda 1M
run define vd web fda 1440K
run check
ok test "$RC" = 0 "clean"
# Where the copies are (docs/vmfat.md: A at sector 8, B after it).
"$VMCP" query dasd --json >d.json
read -r act a_start b_start < <(python3 -c "import json; j=json.load(open('d.json')); print(j['active'], j['copies'][0]['start'], j['copies'][1]['start'])")
if [ "$act" = A ]; then inact=$b_start; else inact=$a_start; fi
note "garbage in the older copy's body: a warning"
cp c.dasd c.orig
printf 'garbage!' | dd of=c.dasd bs=1 seek=$((inact * 512 + 700)) conv=notrunc status=none
run check
ok test "$RC" = 0 "a stale copy is only a warning"
run query vd
run check --repair
run check
note "garbage in the newest copy: the older generation is in force"
cp c.orig c.dasd
"$VMCP" query dasd --json >d.json
act=$(python3 -c "import json; print(json.load(open('d.json'))['active'])")
if [ "$act" = A ]; then actstart=$a_start; else actstart=$b_start; fi
printf 'garbage!' | dd of=c.dasd bs=1 seek=$((actstart * 512 + 700)) conv=notrunc status=none
run query vd
run check
note "the superblock zeroed, then damaged"
cp c.orig c.dasd
dd if=/dev/zero of=c.dasd bs=512 count=1 conv=notrunc status=none
run check
ok test "$RC" = 6 "no superblock: exit 6"
run query vm
run define vm x
cp c.orig c.dasd
printf 'X' | dd of=c.dasd bs=1 seek=100 conv=notrunc status=none
run check
note "both copies zeroed"
cp c.orig c.dasd
dd if=/dev/zero of=c.dasd bs=512 seek=$a_start count=$((b_start - a_start + 1)) conv=notrunc status=none
dd if=/dev/zero of=c.dasd bs=512 seek=$b_start count=1 conv=notrunc status=none
run check
ok test "$RC" = 6 "no copy: exit 6"
note "truncated"
cp c.orig c.dasd
truncate -s 8M c.dasd
run check
run vd export web hda x.img
note "random damage never crashes a command"
crashes=0
for i in $(seq 40); do
  cp c.orig c.dasd
  off=$(( (RANDOM * 32768 + RANDOM) % ((b_start + 16) * 512) ))
  head -c 16 /dev/urandom | dd of=c.dasd bs=1 seek=$off conv=notrunc status=none
  for cmd in "check" "query vd" "define vd web hdb 64K" "check --repair"; do
    "$VMCP" $cmd >/dev/null 2>&1; rc=$?
    [ $rc -ge 128 ] && { crashes=$((crashes + 1)); echo "crash: $cmd after damage at $off (status $rc)"; }
  done
done
ok test "$crashes" = 0 "no command crashed on 40 damaged disks"
golden
summary
