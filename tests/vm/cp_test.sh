#!/usr/bin/env bash
# One CP for every VM of a real disk: vmcp start, query names, send, force, a crash of
# one VM's host process, a halted guest held for inspection, and what each VD holds
# afterwards (tests/vm/cp_test.py has the steps).
. "$ROOT/tests/vm/lib.sh"
need_file /usr/share/seabios/bios.bin
command -v python3 >/dev/null || { echo "skipped: python3"; exit 0; }
bash "$MKIMG" echo echo.img
run format --size 64M
for vm in e1 e2 e3; do
  run define vm $vm --memory 4M --boot hda
  run define vd $vm hda 1M
  run vd import $vm hda echo.img
done
bash "$MKIMG" pwrbtn pb.img
run define vm pb --memory 4M --boot hda
run define vd pb hda 1M
run vd import pb hda pb.img
img="${TESTDATA:-}/images/freedos-minimal-1.4MB.img"
if [ -e "$img" ]; then
  cp "$img" fd14.img
  run define vm dos --memory 16M --boot fda --console vga
  run define vd dos fda "$(stat -c %s fd14.img)"
  run vd import dos fda fd14.img
fi
python3 "$ROOT/tests/vm/cp_test.py"
rc=$?
# Whatever the outcome, no VM of this disk outlives the test.
for vm in e1 e2 e3 pb dos; do "$VMCP" force $vm >/dev/null 2>&1; done
[ $rc -eq 0 ] || { show cp_test.log 200; }
exit $rc
