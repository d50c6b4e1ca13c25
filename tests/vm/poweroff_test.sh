#!/usr/bin/env bash
# A guest power-off ends the run with exit 0: a boot sector (tests/vm/guest/poweroff.asm)
# finds the PIIX4 PM function's I/O base through PCI configuration space and sets
# SLP_EN in PM1a_CNT, after SeaBIOS has set the machine up. Also checks that a VM with
# 2 GiB of RAM boots (SeaBIOS's log reports the RAM size it read from the CMOS).
. "$ROOT/tests/vm/lib.sh"
need_file /usr/share/seabios/bios.bin
command -v nasm >/dev/null || { echo "skipped: nasm is not installed"; exit 0; }
nasm -f bin -I "$ROOT/tests/vm/guest/" -o po.bin "$ROOT/tests/vm/guest/poweroff.asm" ||
  { echo "FAIL poweroff.asm does not assemble"; echo "0 passed, 1 failed"; exit 1; }
hd_vm po 2G 1M po.bin
run ipl po --headless --serial serial.txt --bioslog bios.log --timeout 120
ok test "$RC" -eq 0 "power-off ends the run with exit 0 (got $RC)"
ok contains "$T_LOG" "VMCP504I VM po powered off" "power-off message"
ok contains serial.txt "poweroff: switching the machine off through ACPI" "the guest ran"
ok test "$(grep -c 'STILL RUNNING' serial.txt)" -eq 0 "nothing runs after SLP_EN"
ok contains bios.log "RamSize: 0x80000000 [cmos]" "SeaBIOS sees 2 GiB of RAM"
[ "$T_FAIL" -eq 0 ] || { show serial.txt; show bios.log 20; }
summary
