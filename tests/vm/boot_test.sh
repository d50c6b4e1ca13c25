#!/usr/bin/env bash
# SeaBIOS boots a VD: hda holds the two-sector guest of tests/vm/guest/bootsect.asm,
# which prints through INT 10h and COM1, reads its second sector through INT 13h and
# writes a known pattern to sector 100 through INT 13h AH=43h. Checks the serial output,
# the text screen, and the pattern read back with `vmcp vd export`.
. "$ROOT/tests/vm/lib.sh"
need_file /usr/share/seabios/bios.bin
bash "$MKIMG" bootsect bs.img
hd_vm bs 16M 1M bs.img
ok test "$RC" -eq 0 "import the boot sector"
run ipl bs --headless --serial serial.txt --screen screen.txt --bioslog bios.log \
  --until "DONE" --timeout 120
ok test "$RC" -eq 0 "ipl ends with the --until text (exit $RC)"
for line in "VMCP boot sector running" "second sector read through INT 13h" "sector 100 written, DONE"; do
  ok contains serial.txt "$line" "serial: $line"
  ok contains screen.txt "$line" "screen: $line"
done
ok contains bios.log "SeaBIOS (version" "SeaBIOS's log went to --bioslog"
run vd export bs hda out.img
ok test "$(stat -c %s out.img)" -eq 1048576 "export gives the whole 1 MiB VD"
# Expected sector 100: "VMCP-SECTOR-100" then bytes (i*7+0x5A)&0xFF.
want=$(printf 'VMCP-SECTOR-100' | od -An -tx1 | tr -d ' \n')
want+=$(awk 'BEGIN { for (i = 15; i < 512; i++) printf "%02x", (i * 7 + 90) % 256 }')
ok test "$(hexbytes out.img 51200 512)" = "$want" "sector 100 holds the guest's pattern"
ok test "$(hexbytes out.img 0 512)" = "$(hexbytes bs.img 0 512)" "sector 0 unchanged"
[ "$T_FAIL" -eq 0 ] || { show serial.txt; show screen.txt; show bios.log 60; cat "$T_LOG"; }
summary
