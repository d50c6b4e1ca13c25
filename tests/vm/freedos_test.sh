#!/usr/bin/env bash
# A real OS nobody here wrote: the FreeDOS floppies of shared/testdata/images boot from
# fda to the A:\> prompt on the VGA text screen (360K, 720K, 1.2M and 1.44M), and FreeDOS
# copied onto a partitioned FAT16 hard disk (tools/mkimg.sh freedos-hd: SYSLINUX's
# chain.c32 loads KERNEL.SYS) boots from hda to C:\>.
. "$ROOT/tests/vm/lib.sh"
imgs="${TESTDATA:-}/images"
need_file "$imgs/freedos-minimal-1.4MB.img"
need_file /usr/share/seabios/bios.bin
run format --size 128M
for size in 360K 720K 1200K 1.4MB; do
  img="$imgs/freedos-minimal-$size.img"
  vm=fd$(echo "$size" | tr -dc '0-9')
  bytes=$(stat -c %s "$img")
  run define vm "$vm" --memory 16M --boot fda --console vga
  run define vd "$vm" fda "$bytes"
  run vd import "$vm" fda "$img"
  run ipl "$vm" --headless --screen "$vm.screen" --until 'A:\>' --timeout 300
  ok test "$RC" -eq 0 "FreeDOS $size boots to A:\\> (exit $RC)"
  ok contains "$vm.screen" 'A:\>' "FreeDOS $size: prompt on the screen dump"
  # AUTOEXEC.BAT ends with cls: the prompt is alone on the first line.
  ok test "$(head -n 1 "$vm.screen")" = 'A:\>' "FreeDOS $size: AUTOEXEC.BAT ran (cls, prompt on line 1)"
  [ "$RC" -eq 0 ] || show "$vm.screen"
done
# The keyboard: a script waits for the prompt and types a DOS command on the 8042
# (VGA console: the text goes through the PS/2 keyboard, scan code set 2 translated to
# set 1); COMMAND.COM's answer must appear on the screen.
printf 'wait A:\\>\ntype ver\\r\nwait FreeCom version\ntype dir\\r\nwait bytes free\ncp shutdown\n' >dos.script
run ipl fd14 --headless --screen typed.screen --script dos.script --timeout 300
ok test "$RC" -eq 0 "the script ran to its shutdown (exit $RC)"
ok contains typed.screen 'A:\>ver' "the typed command echoed at the prompt"
ok contains typed.screen "FreeCom version" "VER's answer on the screen"
ok contains typed.screen "KERNEL   SYS" "DIR lists the floppy"
[ "$RC" -eq 0 ] || show typed.screen
# A command longer than the BIOS's 15-key buffer, typed by a script: the keys come at a
# typist's pace, so DOS takes every one (all at once, it kept 15 and dropped the rest).
# SET shows the variable's name in capitals: only the whole name typed matches. The
# script ends the run when its last line (a wait) is done: no --until needed.
cat >long.script <<'SCRIPT'
wait A:\>
type set thequickbrownfoxjumpsoverthelazydog=yes\r
type set\r
wait THEQUICKBROWNFOXJUMPSOVERTHELAZYDOG=yes
SCRIPT
run ipl fd14 --headless --screen long.screen --script long.script --timeout 300
ok test "$RC" -eq 0 "the long-command script ran to its end (exit $RC)"
ok contains "$T_LOG" "VMCP519I VM fd14 stopped: its script is done" "the run ended with the script"
ok contains long.screen "THEQUICKBROWNFOXJUMPSOVERTHELAZYDOG=yes" "DOS took all 51 keys"
[ "$RC" -eq 0 ] || show long.screen

bash "$MKIMG" freedos-hd hd.img "$imgs/freedos-minimal-1.4MB.img"
run define vm dos --memory 16M --boot hda --console vga
run define vd dos hda 32M
run vd import dos hda hd.img
run ipl dos --headless --screen dos.screen --until 'C:\>' --timeout 300
ok test "$RC" -eq 0 "FreeDOS boots from hda to C:\\> (exit $RC)"
ok contains dos.screen 'C:\>' "hda: C: prompt on the screen dump"
ok contains dos.screen "SYSLINUX" "hda: SYSLINUX chain-loaded the kernel"
ok contains dos.screen "FreeDOS kernel" "hda: the FreeDOS kernel's banner"
ok contains dos.screen "C: HD1, Pri[ 1]" "hda: FreeDOS found the partition"
[ "$RC" -eq 0 ] || show dos.screen
summary
