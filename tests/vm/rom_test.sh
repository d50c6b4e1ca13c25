#!/usr/bin/env bash
# `vmcp ipl --bios FILE` runs a raw ROM from the reset vector (tests/vm/guest/romtest.asm):
# POST codes reach --post (one hex byte per line), port E9h reaches --debugcon, text the
# ROM stores at B8000h reaches --screen, and HLT with interrupts off ends the run. An
# output file that cannot be written (a full disk) ends the run with message 508, exit 5.
. "$ROOT/tests/vm/lib.sh"
nasm -f bin -o rom.bin "$ROOT/tests/vm/guest/romtest.asm" || { echo "skipped: nasm"; exit 0; }
run format --size 16M
run define vm rom --memory 4M
run ipl rom --headless --bios rom.bin --post post.txt --debugcon e9.txt --screen screen.txt --timeout 60
ok test "$RC" -eq 0 "the ROM halts: exit 0 (got $RC)"
ok test "$(tr '\n' ' ' <post.txt)" = "01 02 55 aa " "POST codes in order"
ok contains e9.txt "romtest: running from the reset vector" "debug port E9h output"
ok contains screen.txt "ROMTEST SCREEN OK" "text screen"
ok contains "$T_LOG" "VMCP505I" "the halt is reported"
run ipl rom --headless --bios rom.bin --until "NEVER PRINTED" --timeout 60
ok test "$RC" -eq 124 "--until text that never comes: exit 124 when the guest halts (got $RC)"
run ipl rom --headless --bios rom.bin --debugcon /dev/full --timeout 60
ok test "$RC" -eq 5 "a --debugcon file that cannot be written: exit 5 (got $RC)"
ok contains "$T_LOG" "VMCP508E Cannot write debug console file /dev/full" "numbered message"
run ipl rom --headless --bios rom.bin --screen /dev/full --timeout 60
ok test "$RC" -eq 5 "a --screen file that cannot be written: exit 5 (got $RC)"
ok contains "$T_LOG" "VMCP508E Cannot write the screen to /dev/full" "numbered message"
run ipl rom --headless --bios /nonexistent.rom
ok test "$RC" -eq 2 "missing ROM file: exit 2 (got $RC)"
ok contains "$T_LOG" "VMCP506E" "missing ROM file: numbered message"
summary
