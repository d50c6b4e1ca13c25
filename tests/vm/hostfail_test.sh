#!/usr/bin/env bash
# A host failure during a run: the real disk sits on a tiny tmpfs that is then filled,
# so the guest's INT 13h write of sector 100 (a hole in the sparse real disk) cannot be
# stored. The guest must see a disk error (its boot sector prints WRITE FAILED), the CP
# must print message 516 and end with exit 7 (no space), and nothing already committed
# may be lost: the directory checks clean and the VD's sectors 0-1 are intact.
# Needs root (mount); skipped otherwise.
. "$ROOT/tests/vm/lib.sh"
need_file /usr/share/seabios/bios.bin
[ "$(id -u)" -eq 0 ] || { echo "skipped: needs root to mount a tmpfs"; exit 0; }
mkdir -p small
mount -t tmpfs -o size=4M tmpfs small 2>/dev/null || { echo "skipped: cannot mount a tmpfs"; exit 0; }
trap 'umount "$T_DIR/small" 2>/dev/null' EXIT
export VMCP_DASD="$T_DIR/small/vmcp.dasd"
bash "$MKIMG" bootsect bs.img
head -c 1024 bs.img >bs2.img          # only the two sectors: the rest stays a hole
hd_vm hf 16M 1M bs2.img
ok test "$RC" -eq 0 "import of the two sectors"
dd if=/dev/zero of=small/fill bs=64K 2>/dev/null   # fills the file system
run ipl hf --headless --serial serial.txt --until DONE --timeout 60
# The CP keeps an ended VM's record while it lingers (10 s): ask it at once, both ways.
"$VMCP" query names --json >names.json
"$VMCP" query names >names.txt
ok test "$RC" -eq 7 "the run ends with exit 7, no space (got $RC)"
ok contains "$T_LOG" "VMCP516E Host failure on VD hda of VM hf: no space left" "message 516"
ok contains serial.txt "WRITE FAILED" "the guest saw a disk error"
ok contains serial.txt "second sector read through INT 13h" "reads still worked"
# The CP that held the VM reports the host-side failure: failed, with message 516.
json names.json "any(v['name'] == 'hf' and v['state'] == 'failed' and v['error'].startswith('VMCP516E') and v['host_errors'] > 0 for v in j['vms'])"
ok grep -qE "^ +VMCP516E Host failure on VD hda of VM hf" names.txt "query names shows the failure's message"
rm -f small/fill
run check
ok test "$RC" -eq 0 "the directory checks clean afterwards"
run vd export hf hda out.img
ok test "$(hexbytes out.img 0 1024)" = "$(hexbytes bs2.img 0 1024)" "committed sectors intact"
[ "$T_FAIL" -eq 0 ] || { show serial.txt; cat "$T_LOG"; }
summary
