#!/usr/bin/env bash
# A VD in use by a running VM is locked: while `vmcp ipl` runs a VM, deleting its VD or
# the VM, resizing or importing into the VD, and a second ipl of the same VM are refused
# with a numbered message and exit 4; other VMs' VDs stay usable; once the run ends the
# VD can be deleted.
. "$ROOT/tests/vm/lib.sh"
nasm -f bin -o rom.bin "$ROOT/tests/vm/guest/romtest.asm" 2>/dev/null || { echo "skipped: nasm"; exit 0; }
# A ROM that spins forever (jmp $ at the reset vector), so the VM runs until its timeout.
printf '\xeb\xfe' | dd of=rom.bin bs=1 seek=$((0xFFF0)) conv=notrunc status=none
run format --size 64M
run define vm busy --memory 4M
run define vd busy hda 1M
run define vm other --memory 4M
run define vd other hda 1M
"$VMCP" ipl busy --headless --bios rom.bin --timeout 20 >ipl.out 2>&1 &
pid=$!
# Wait until the VM holds its VD lock (query vd shows it in use).
for _ in $(seq 100); do
  "$VMCP" query vd busy 2>/dev/null | grep -q "in use" && break
  sleep 0.1
done
ok test "$("$VMCP" query vd busy | grep -c 'in use')" -eq 1 "query vd shows the VD in use"
run delete vd busy hda
ok test "$RC" -eq 4 "delete vd of a running VM: exit 4 (got $RC)"
run delete vm busy
ok test "$RC" -eq 4 "delete vm of a running VM: exit 4 (got $RC)"
run vd resize busy hda 2M
ok test "$RC" -eq 4 "vd resize of a VD in use: exit 4 (got $RC)"
run vd import busy hda rom.bin
ok test "$RC" -eq 4 "vd import into a VD in use: exit 4 (got $RC)"
run ipl busy --headless --bios rom.bin --timeout 5
ok test "$RC" -eq 4 "a second ipl of the same VM: exit 4 (got $RC)"
run delete vd other hda
ok test "$RC" -eq 0 "another VM's VD is not locked"
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
run delete vd busy hda
ok test "$RC" -eq 0 "after the run the VD can be deleted (got $RC)"
run check
ok test "$RC" -eq 0 "the directory checks clean"
[ "$T_FAIL" -eq 0 ] || cat "$T_LOG"
summary
