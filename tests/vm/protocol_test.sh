#!/usr/bin/env bash
# The control socket spoken raw by a JSON-lines client (python3): greeting, requests,
# replies, events, every kind of error, and other users kept out
# (tests/vm/protocol_test.py has the steps).
. "$ROOT/tests/vm/lib.sh"
need_file /usr/share/seabios/bios.bin
command -v python3 >/dev/null || { echo "skipped: python3"; exit 0; }
bash "$MKIMG" echo echo.img
run format --size 64M
run define vm p1 --memory 4M --boot hda
run define vd p1 hda 1M
run vd import p1 hda echo.img
# A small console spool (16K) for the ring test.
"$VMCP" directory get p1.conf >p1.conf && echo "spool = 16K" >>p1.conf
run directory put p1.conf p1.conf
python3 "$ROOT/tests/vm/protocol_test.py" </dev/null
rc=$?
"$VMCP" force p1 >/dev/null 2>&1
exit $rc
