#!/usr/bin/env bash
# Direct kernel boot (`vmcp ipl --kernel --initrd --append`, the Linux x86 boot protocol,
# no BIOS): the test kernel (a bzImage made by tools/mkimg.sh) receives the command line
# and the initrd and prints them on COM1 and port E9h.
. "$ROOT/tests/vm/lib.sh"
bash "$MKIMG" testkernel kernel.bin
head -c 100000 /dev/zero | tr '\0' 'x' >big.txt
printf 'first line of the initrd\n' >initrd.txt
cat big.txt >>initrd.txt
run format --size 16M
run define vm k --memory 64M
run ipl k --headless --kernel kernel.bin --initrd initrd.txt --append "root=/dev/ram0 vmcp=direct" \
  --serial serial.txt --debugcon e9.txt --until "testkernel: done" --timeout 120
ok test "$RC" -eq 0 "direct boot reaches the end (exit $RC)"
ok contains serial.txt "cmdline: root=/dev/ram0 vmcp=direct" "command line"
ok contains serial.txt "initrd: 100025 bytes: first line of the initrd" "initrd size and first line"
ok contains serial.txt "loader: 0xff" "type_of_loader 0xFF"
ok contains e9.txt "testkernel: done" "port E9h output"
run ipl k --headless --kernel /nonexistent --timeout 5
ok test "$RC" -ne 0 "missing kernel file: a failure exit ($RC)"
ok contains "$T_LOG" "VMCP507E" "missing kernel: numbered message"
run ipl k --headless --initrd initrd.txt
ok test "$RC" -eq 1 "--initrd without --kernel is refused"
[ "$T_FAIL" -eq 0 ] || show serial.txt
summary
