#!/usr/bin/env bash
# The console and VM commands, with stdin a pipe: Ctrl-] gives the CP prompt before the
# guest runs; display registers shows the reset state (CS F000, EIP FFF0), display
# memory the reset vector's far jump in the BIOS ROM, query vd the VDDATA extents,
# begin resumes, and the serial console shows the guest's output; shutdown ends the VM.
. "$ROOT/tests/vm/lib.sh"
need_file /usr/share/seabios/bios.bin
bash "$MKIMG" bootsect bs.img
hd_vm c 16M 1M bs.img
printf '\035display registers\ndisplay memory ffff0 5\nquery vd\nbegin\n' |
  "$VMCP" ipl c --until DONE --timeout 120 >out.txt 2>&1
rc=$?
ok test "$rc" -eq 0 "console run ends at DONE (exit $rc)"
ok grep -q "CP READ" out.txt "the CP prompt appears"
ok grep -qE '^CS +f000 base ffff0000' out.txt "display registers: CS at reset"
ok grep -qE '^EIP 0000fff0' out.txt "display registers: EIP at reset"
ok grep -qE '^000ffff0  ea 5b e0 00 f0' out.txt "display memory: the reset vector's JMP F000:E05B"
ok grep -qE '^hda 2048 sectors, 1 extent: [0-9]+\+2048' out.txt "query vd: hda's extent"
ok grep -q "VMCP boot sector running" out.txt "serial console output"
printf '\035shutdown\n' | "$VMCP" ipl c --timeout 60 >out2.txt 2>&1
rc=$?
ok test "$rc" -eq 0 "shutdown at the CP prompt ends the VM (exit $rc)"
ok grep -q "VMCP501I" out2.txt "shutdown: stopped message"
printf '\035bogus\nshutdown\n' | "$VMCP" ipl c --timeout 60 >out3.txt 2>&1
ok grep -q "VMCP509E Unknown VM command bogus" out3.txt "unknown VM command: numbered message"
# trap io: the CPU leaves the guest before each access to COM1's data port; the VM stops
# at the CP prompt with the value about to be written. The first such access is the
# boot sector's INT 14h init: SeaBIOS writes the 9600-baud divisor's low byte (0C) with
# DLAB set. The trap is then removed and the held access completes: the line speed is
# set and no character is lost.
printf '\035trap io 3f8\nbegin\ndisplay registers\ntrap io 3f8 off\nbegin\n' |
  "$VMCP" ipl c --until DONE --timeout 120 >out4.txt 2>&1
rc=$?
ok test "$rc" -eq 0 "trapped run ends at DONE (exit $rc)"
ok grep -q "VMCP515I I/O trap: out port 03f8 size 1 value 0c" out4.txt "INT 14h's divisor write trapped before the device saw it"
ok test "$(grep -c VMCP515I out4.txt)" -eq 1 "one trap, then the trap was removed"
ok grep -q "VMCP boot sector running" out4.txt "the held byte was written after begin"
ok grep -qE '^CS +f000 ' out4.txt "the VM stopped inside the BIOS's INT 14h code"
[ "$T_FAIL" -eq 0 ] || { show out.txt 80; show out4.txt 60; }
summary
