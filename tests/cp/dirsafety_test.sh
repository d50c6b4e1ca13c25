#!/usr/bin/env bash
# dirsafety_test.sh: no directory operation takes a VD from a running VM, and the
# directory's counters and files stay valid, whatever state the directory is in:
#  - format --force while a VM runs and the directory cannot be read: refused (112),
#    the VM's VD untouched (the VD locks are tested on the disk itself);
#  - check --repair while a VM runs on a VD only the damaged newest copy has: the
#    rollback is refused (165), nothing changes; once the VM ended it goes ahead;
#  - a torn newest copy (the last update lost) while a VM runs on a VD that update
#    defined: no define hands out its space and no update is written (140);
#  - the generation counter at 2^64-1: no update (114), check warns (164), repair
#    renumbers;
#  - every VDD id given out: define vd refused (139) before any space is zeroed;
#  - vd resize of a settings file with a 200-character line: refused (138), the file as
#    it was, export and check still fine.
# vmhold (tests/cp/vmhold.c) holds a VM's VDs as a running VM does; vmfatedit
# (tests/cp/vmfatedit.c) damages the directory as an outside write would.
source "$ROOT/tests/cp/lib.sh"
HOLD="$BUILD/tests/cp/vmhold"
EDIT="$BUILD/tests/cp/vmfatedit"
export VMCP_DASD=$PWD/d.dasd

# extents VM DEV: records where VD VM DEV lies (before the directory is damaged);
# vdsum: md5 of those bytes of the real disk now.
extents() { "$EDIT" "$VMCP_DASD" extents "$1" "$2" >extents.txt; }
vdsum() {
  [ -s extents.txt ] || { echo none; return; }
  while read -r start count; do
    dd if="$VMCP_DASD" bs=512 skip="$start" count="$count" status=none
  done <extents.txt | md5sum | cut -d' ' -f1
}
# hold VM: a VM holding its VDs in the background until unhold.
hold() {
  "$HOLD" "$VMCP_DASD" "$1" >hold.out 2>&1 &
  HOLD_PID=$!
  for _ in $(seq 100); do grep -q held hold.out && return; sleep 0.05; done
}
unhold() { kill "$HOLD_PID" 2>/dev/null; wait "$HOLD_PID" 2>/dev/null; }
trap 'kill $HOLD_PID 2>/dev/null' EXIT
head -c 1048576 /dev/urandom >r1.img

note "format --force while a VM runs and the directory cannot be read"
run format --size 16M
run define vm web --memory 4M
run define vd web hda 1M
run vd import web hda r1.img
hold web
extents web hda
before=$(vdsum web hda)
# The superblock and both directory copies gone: nothing says which VDs exist.
dd if=/dev/zero of=d.dasd bs=512 count=384 conv=notrunc status=none
run query vd
ok test "$RC" -eq 6 "the directory cannot be read (exit $RC)"
run format --size 16M --force
ok test "$RC" -eq 4 "format --force refused while a VM holds a VD (exit $RC)"
ok grep -q "VMCP112E .* VDD id 1 belongs to a running VM" transcript "message 112 names the VD by its id"
ok test "$(vdsum web hda)" = "$before" "the running VM's VD is untouched"
unhold
run format --size 16M --force
ok test "$RC" -eq 0 "format --force once the VM ended"

note "check --repair while a VM runs on a VD only the damaged newest copy has"
run define vm a --memory 4M
run define vd a hda 1M
run define vm web --memory 4M
run define vd web hda 1M
run vd import web hda r1.img
hold web
extents web hda
before=$(vdsum web hda)
"$EDIT" d.dasd overlap >>transcript
run check
ok test "$RC" -eq 6 "check finds the newest copy invalid (exit $RC)"
dir_before=$(head -c 393216 d.dasd | md5sum)
run check --repair
ok test "$RC" -eq 4 "the rollback is refused while the VM runs (exit $RC)"
ok grep -q "VMCP165E .*VD web hda (VDD id 2) is in use by a running VM and the older copy does not have it" \
  transcript "message 165 names the VD the rollback would drop"
ok test "$(head -c 393216 d.dasd | md5sum)" = "$dir_before" "nothing on the disk changed"
ok test "$(vdsum web hda)" = "$before" "the running VM's VD is untouched"
unhold
run check --repair
ok test "$RC" -eq 0 "once the VM ended the rollback goes ahead (exit $RC)"

note "the newest copy torn while a VM runs on a VD its update defined"
run format --size 16M --force
run define vm a --memory 4M
run define vm web --memory 4M
run define vd web hda 1M
run vd import web hda r1.img
hold web
extents web hda
before=$(vdsum web hda)
"$EDIT" d.dasd tear >>transcript
run query vd web
ok grep -q "VMCP321I VM web has no VDs" transcript "the directory in force lost web hda"
run define vd a hda 1M
ok test "$RC" -eq 4 "define refused: the free space is a running VM's (exit $RC)"
run define vd a hda 4M
ok test "$RC" -eq 4 "a larger define too (exit $RC)"
ok test "$(grep -c VMCP140E transcript)" -eq 2 "message 140 twice"
run check --repair
ok test "$RC" -eq 4 "no repair is written either (exit $RC)"
ok test "$(vdsum web hda)" = "$before" "the running VM's VD is untouched"
unhold

note "the generation counter at its end"
run format --size 16M --force
run define vm g --memory 4M
"$EDIT" d.dasd gen 18446744073709551615 >>transcript
run define vd g hda 1M
ok test "$RC" -eq 9 "no update at generation 2^64-1 (exit $RC)"
ok grep -q "VMCP114E The directory generation counter of .* is at its end (18446744073709551615)" transcript \
  "message 114"
run check
ok test "$RC" -eq 0 "check: a warning (exit $RC)"
ok grep -q "VMCP164W Directory generation 18446744073709551615 is near the end" transcript "message 164"
run check --repair
ok grep -q "VMCP180I Repaired: renumbered the directory copies" transcript "repair renumbers"
run define vd g hda 1M
ok test "$RC" -eq 0 "updates again after the renumbering (exit $RC)"
run query dasd
ok grep -q "^Directory    generation 4 in copy" transcript "generation 2, then the repair's and the define's"
run check
ok test "$RC" -eq 0 "check clean"

note "every VDD id given out"
run format --size 16M --force
run define vm i --memory 4M
"$EDIT" d.dasd next-id 4294967294 >>transcript
run define vd i hda 1M
ok test "$RC" -eq 0 "the last id is given (exit $RC)"
# The rest of the data area holds a pattern: a refused define must not zero any of it.
python3 - <<'EOF'
import json, subprocess, os
d = json.loads(subprocess.run([os.environ["VMCP"], "query", "dasd", "--json"], capture_output=True).stdout)
with open("d.dasd", "r+b") as f:
    start = (d["data_start"] + 2048) * 512  # past i hda (1M at the start of the data area)
    f.seek(start)
    f.write(b"\xa5" * (d["data_end"] * 512 - start))
EOF
whole=$(md5sum <d.dasd)
run define vd i hdb 1M
ok test "$RC" -eq 7 "no id left (exit $RC)"
ok grep -q "VMCP139E No VDD id is left on .*: all 4294967294 have been given out" transcript "message 139"
ok test "$(md5sum <d.dasd)" = "$whole" "nothing was zeroed or written"

note "vd resize of a settings file with a long comment"
run format --size 16M --force
run define vm r --memory 4M
run define vd r hda 4M
comment=$(printf '%*s' 184 '' | tr ' ' 'x')
printf 'vm = r\ndevice = hda\ncapacity = 4M # %s\n' "$comment" >long.vd
ok test "$(sed -n 3p long.vd | wc -c)" -eq 201 "line 3 is 200 characters"
run directory put r.hda.vd long.vd
ok test "$RC" -eq 0 "put of the 200-character line (exit $RC)"
run vd resize r hda 12M
ok test "$RC" -eq 1 "resize refused (exit $RC)"
ok grep -q "VMCP138E The change would leave file r.hda.vd invalid (line 3: the line is longer than 200 characters)" \
  transcript "message 138 names the file and the line"
"$VMCP" directory get r.hda.vd >got.vd
ok cmp got.vd long.vd "the settings file is as it was"
run vd export r hda r.img
ok test "$RC" -eq 0 "export still works"
run query vd r
ok grep -q "^r  *hda  disk    4M" transcript "the VD is still 4M"
run check
ok test "$RC" -eq 0 "check clean"
summary
