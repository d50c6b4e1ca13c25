#!/usr/bin/env bash
# The paper's figure 3 made visible: with I/O and VD tracing on, the boot of the INT 13h
# test guest shows the IDE task-file accesses (ports 1F0-1F7) and, for each, the VD
# manager's relocation of the guest sector to the real disk's sector (extent start +
# LBA, from `vmcp query vd`).
. "$ROOT/tests/vm/lib.sh"
need_file /usr/share/seabios/bios.bin
bash "$MKIMG" bootsect bs.img
hd_vm t 16M 1M bs.img
"$VMCP" query vd t --json >vd.json
start=$(python3 -c "import json; j=json.load(open('vd.json')); v=j['vds'][0] if 'vds' in j else j[0]; print(v['extents'][0]['start'])")
ok test -n "$start" "the VD's first extent start from query vd --json ($start)"
run ipl t --headless --until DONE --timeout 120 --trace io,vd --trace-file trace.txt
ok test "$RC" -eq 0 "traced boot completes (exit $RC)"
ok grep -qE ' io out  ?01f7/1 ' trace.txt "IDE command register writes traced"
ok grep -qE ' io in  ?01f0/2 ' trace.txt "IDE data port reads traced"
ok grep -qE " vd hda read  lba 0 count 1 -> real sector $start\$" trace.txt "boot sector read relocated to sector $start"
ok grep -qE " vd hda read  lba 1 count 1 -> real sector $((start + 1))\$" trace.txt "INT 13h read of LBA 1 relocated"
ok grep -qE " vd hda write lba 100 count 1 -> real sector $((start + 100))\$" trace.txt "INT 13h write of LBA 100 relocated"
[ "$T_FAIL" -eq 0 ] || { show trace.txt 20; cat vd.json; }
summary
