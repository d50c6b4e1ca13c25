#!/usr/bin/env bash
# outfile_test.sh: no file VMCP writes may be a disk it holds (vd/outfile.h), and none is
# truncated before its command succeeds:
#  - vd export and every ipl output (--serial --screen --trace-file --post --debugcon
#    --bioslog), `trace ... to FILE` from a script, start --serial, and standard output
#    naming the real disk by path, symlink or hard link: refused (203, exit 4) and the
#    real disk byte-identical; another real disk (a VMFAT superblock) and a file the
#    command already writes are refused too;
#  - an ipl that fails leaves an existing output file as it was and creates none;
#  - an export replaces its file only once complete (a hard link to the old file still
#    has the old bytes);
#  - modes: the real disk and exported images 0600 (or --mode), a VM's output files 0600.
# The guest is tests/vm/guest/romtest.asm (a raw ROM: POST codes, port E9h, the screen).
. "$ROOT/tests/vm/lib.sh"
command -v nasm >/dev/null || { echo "skipped: nasm missing"; exit 0; }
nasm -f bin -o rom.bin "$ROOT/tests/vm/guest/romtest.asm"
run format --size 16M
run define vm web --memory 4M
run define vd web hda 1M
run define vm r --memory 4M
ln -s vmcp.dasd sym.dasd
ln vmcp.dasd hard.dasd
sum0=$(md5sum <vmcp.dasd)

note "vd export naming the real disk"
for n in vmcp.dasd sym.dasd hard.dasd "$PWD/vmcp.dasd"; do
  run vd export web hda "$n"
  ok test "$RC" -eq 4 "export to $n refused (exit $RC)"
done
ok test "$(grep -c 'VMCP203E Refusing to write .*: it is the real disk' transcript)" -eq 4 "message 203, four times"
"$VMCP" vd export web hda - 1<>hard.dasd 2>stdout.err
ok test $? -eq 4 "export to standard output on the real disk refused"
ok grep -q "VMCP203E Refusing to write standard output: it is the real disk" stdout.err "message 203 for standard output"
"$VMCP" query vd 1<>vmcp.dasd 2>stdout.err
ok test $? -eq 4 "any command's standard output on the real disk refused"
"$VMCP" query vd 2<>sym.dasd >stderr.out
ok test $? -eq 4 "standard error on the real disk refused"
ok grep -q "VMCP203E Refusing to write standard error" stderr.out "said on standard output instead"

note "ipl outputs naming the real disk"
n=0
for o in serial screen trace-file post debugcon bioslog; do
  for f in vmcp.dasd sym.dasd hard.dasd; do
    run ipl r --headless --bios rom.bin --$o $f
    [ "$RC" -eq 4 ] && n=$((n + 1))
  done
done
ok test $n -eq 18 "18 of 18 ipl outputs on the real disk refused (exit 4)"
printf 'cp trace io on to hard.dasd\n' >trace.script
run ipl r --headless --bios rom.bin --script trace.script
ok grep -q "VMCP203E Refusing to write .*hard.dasd: it is the real disk" transcript "trace ... to FILE refused"
run start web --serial "$PWD/sym.dasd"
ok test "$RC" -eq 4 "start --serial on the real disk refused (exit $RC)"
ok grep -q "VMCP203E Refusing to write .*sym.dasd: it is the real disk" transcript "start answers with ipl's message"
ok test "$(md5sum <vmcp.dasd)" = "$sum0" "the real disk is byte-identical"
run check
ok test "$RC" -eq 0 "check clean"

note "another real disk, and the same file twice"
VMCP_DASD=other.dasd run format --size 2M
run vd export web hda other.dasd
ok test "$RC" -eq 4 "export over another real disk refused (exit $RC)"
ok grep -q "it holds a VMFAT real disk" transcript "another real disk: its superblock says so"
run ipl r --headless --bios rom.bin --serial same.txt --post same.txt
ok test "$RC" -eq 4 "two outputs in one file refused (exit $RC)"
ok grep -q "VMCP203E Refusing to write same.txt: this vmcp has it open" transcript "the open file named"

note "a failed ipl leaves its output files as they were"
printf 'keep\n' >keep.txt
run ipl nosuch --headless --serial keep.txt --post new1.txt
ok test "$RC" -eq 2 "undefined VM (exit $RC)"
run ipl r --headless --bios missing.bin --serial keep.txt --post new2.txt
ok test "$RC" -eq 2 "missing firmware (exit $RC)"
run ipl r --headless --kernel /dev/null --serial keep.txt --screen new3.txt
ok test "$RC" -ne 0 "a kernel that is no kernel (exit $RC)"
ok test "$(cat keep.txt)" = keep "the existing serial file is untouched"
ok test ! -e new1.txt -a ! -e new2.txt -a ! -e new3.txt "no new output file is left behind"

note "outputs of a run that succeeds"
run ipl r --headless --bios rom.bin --serial keep.txt --debugcon d.txt --post p.txt --screen s.txt
ok test "$RC" -eq 0 "the ROM runs (exit $RC)"
ok test ! -s keep.txt "the serial file starts empty once the VM runs"
ok grep -q "romtest: running from the reset vector" d.txt "the debug console file"
ok test "$(tr '\n' ' ' <p.txt)" = "01 02 55 aa " "the POST code file"
ok grep -q "ROMTEST SCREEN OK" s.txt "the screen file"
ok test "$(stat -c %a d.txt)" = 600 "a new output file is 0600"
ok test "$(stat -c %a s.txt)" = 600 "the screen file is 0600"

note "export replaces its file only when complete; modes"
printf 'old image\n' >img
ln img img.old
run vd export web hda img
ok test "$RC" -eq 0 "export over an existing file"
ok test "$(cat img.old)" = "old image" "the old file's bytes were never overwritten"
ok test "$(stat -c %s img)" -eq 1048576 "the new image is whole"
ok test -z "$(ls -A | grep '\.vmcp-')" "no temporary file left"
ok test "$(stat -c %a img)" = 600 "an exported image is 0600"
run vd export web hda img2 --mode 0644
ok test "$(stat -c %a img2)" = 644 "--mode 0644"
run vd export web hda img3 --mode 999
ok test "$RC" -eq 1 "a bad --mode (exit $RC)"
run vd import web hda img --mode 0644
ok test "$RC" -eq 1 "--mode is export's (exit $RC)"
ok test "$(stat -c %a vmcp.dasd)" = 600 "the real disk is 0600"
run format --dasd m.dasd --size 4M --mode 0640
ok test "$(stat -c %a m.dasd)" = 640 "format --mode 0640"
summary
