#!/usr/bin/env bash
# vmcp attach on a pseudo-terminal (python3's pty): a serial and a VGA console, the CP
# prompt, disconnect and attaching again, --force, shutdown; and vmcp ipl on a terminal
# (tests/vm/attach_test.py has the steps).
. "$ROOT/tests/vm/lib.sh"
need_file /usr/share/seabios/bios.bin
command -v python3 >/dev/null || { echo "skipped: python3"; exit 0; }
bash "$MKIMG" echo echo.img
run format --size 64M
run define vm s1 --memory 4M --boot hda
run define vd s1 hda 1M
run vd import s1 hda echo.img
run define vm v1 --memory 4M --boot hda --console vga
run define vd v1 hda 1M
run vd import v1 hda echo.img
python3 "$ROOT/tests/vm/attach_test.py" </dev/null
rc=$?
for vm in s1 v1; do "$VMCP" force $vm >/dev/null 2>&1; done
[ $rc -eq 0 ] || { show attach_test.log 300; }
exit $rc
