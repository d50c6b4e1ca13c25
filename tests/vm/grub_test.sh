#!/usr/bin/env bash
# GRUB 2, the boot loader of an ordinary Debian installation: Debian's grub-pc-bin put
# on a partitioned disk the way grub-install does (boot.img in the MBR, core.img in the
# gap after it, modules and grub.cfg on an ext2 partition; tools/mkimg.sh grub). SeaBIOS
# boots it; GRUB reads its modules and config through INT 13h, draws its menu on the
# VGA screen and on COM1, counts its timeout down on the RTC, and loads a bzImage (the
# test kernel of tests/vm/guest/testkernel.asm, then Debian's 686 kernel) with an
# initrd by the Linux boot protocol. A script then drives GRUB's command line over COM1:
# ls of the partition, cat of a file, a variable, and linux/initrd/boot typed by hand.
# Last, GRUB's own functional tests from a grub-mkrescue CD (below).
. "$ROOT/tests/vm/lib.sh"
need_file /usr/share/seabios/bios.bin
[ -f /usr/lib/grub/i386-pc/boot.img ] || { echo "skipped: grub-pc-bin not installed"; exit 0; }
bash "$MKIMG" testkernel kernel.bin
printf 'initrd seen by the test kernel\n' >initrd.txt
bash "$MKIMG" grub grub.img kernel.bin initrd.txt "console=ttyS0 from=grub"
run format --size 512M
run define vm gr --memory 64M --boot hda
run define vd gr hda 64M
run vd import gr hda grub.img
run ipl gr --headless --serial serial.txt --screen screen.txt --until "testkernel: done" --timeout 120
ok test "$RC" -eq 0 "GRUB boots the kernel (exit $RC)"
ok grep -qE "GNU GRUB +version 2\.[0-9]+" serial.txt "GRUB's banner on COM1"
ok contains serial.txt "The highlighted entry will be executed automatically in 1s." "the menu's timeout counts down"
ok contains serial.txt "Booting \`VMCP test kernel'" "the menu entry runs"
ok contains serial.txt "grub: loading the kernel" "grub.cfg's echo"
ok contains serial.txt "testkernel: entered in protected mode" "the kernel runs"
ok contains serial.txt "cmdline: BOOT_IMAGE=/boot/vmlinuz console=ttyS0 from=grub" "the command line from grub.cfg"
ok contains serial.txt "initrd: 31 bytes: initrd seen by the test kernel" "the initrd GRUB loaded"
ok contains serial.txt "loader: 0x72" "type_of_loader is GRUB 2's (0x72)"

# GRUB's command line over COM1: the menu waits (no timeout); 'c' opens the shell.
GRUB_TIMEOUT=-1 bash "$MKIMG" grub grubc.img kernel.bin initrd.txt "console=ttyS0"
run define vm grc --memory 64M --boot hda
run define vd grc hda 64M
run vd import grc hda grubc.img
cat >grub.script <<'EOF'
wait Press enter to boot the selected OS
type c
wait grub>
type ls (hd0,msdos1)/boot/\r
wait vmlinuz
wait grub>
type cat (hd0,msdos1)/boot/initrd\r
wait initrd seen by the test kernel
wait grub>
type set answer=42; echo value=$answer\r
wait grub>
type linux /boot/vmlinuz console=ttyS0 typed=yes\r
wait grub>
type initrd /boot/initrd\r
wait grub>
type boot\r
wait testkernel: done
EOF
run ipl grc --headless --serial serial2.txt --script grub.script --timeout 120
ok test "$RC" -eq 0 "the scripted GRUB session ran to its end (exit $RC)"
# GRUB draws with escape sequences between the characters it echoes: read without them
sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\r//g' serial2.txt >plain2.txt
ok grep -qE "grub> ls \(hd0,msdos1\)/boot/" plain2.txt "GRUB echoed the typed command"
ok grep -qE "^grub/ +initrd +vmlinuz" plain2.txt "ls lists the partition's /boot"
ok grep -q "^value=42" plain2.txt "GRUB's shell sets and expands a variable"
ok grep -q "^cmdline: BOOT_IMAGE=/boot/vmlinuz console=ttyS0 typed=yes" serial2.txt "the typed linux command's options reached the kernel"

# Debian's own kernel and initramfs through GRUB, to the initramfs's shell.
if bash "$ROOT/tools/mkinitrd.sh" kernel vmlinuz "$ROOT/build/linux-cache" >fetch.log 2>&1 &&
   bash "$ROOT/tools/mkinitrd.sh" initrd initrd.gz "$ROOT/build/linux-cache" >>fetch.log 2>&1; then
  bash "$MKIMG" grub grubl.img vmlinuz initrd.gz "console=ttyS0"
  run define vm grl --memory 128M --boot hda
  run define vd grl hda 64M
  run vd import grl hda grubl.img
  run ipl grl --headless --serial serial3.txt --until "vmcp-initrd: shell" --timeout 600
  ok test "$RC" -eq 0 "GRUB boots Debian's kernel to the initramfs shell (exit $RC)"
  ok grep -q "Kernel command line: BOOT_IMAGE=/boot/vmlinuz console=ttyS0" serial3.txt "the kernel's command line from GRUB"
else
  echo "(Debian's kernel not fetched: $(tail -n 1 fetch.log))"
fi
# GRUB's own functional tests (Debian's grub-pc-bin ships their modules) as a check of
# the CPU in protected mode and of the BIOS services GRUB uses: a grub-mkrescue CD whose
# grub.cfg loads each test module and runs `functional_test`, booted by El Torito; GRUB
# prints "NAME: PASS" per test and "ALL TESTS PASSED", then `halt` powers off by ACPI.
# videotest_checksum draws in VBE modes and compares checksums of the frame buffer.
# Left out: cmdline_cat_test (its checksums are of GRUB's build-time font, not Debian's
# unicode.pf2: it fails the same way on QEMU), test_blockarg (a command, not a test).
gtests="bswap_test cmp_test ctz_test div_test mul_test shift_test setjmp_test strtoull_test
xnu_uuid_test legacy_password_test pbkdf2_test exfctest sleep_test videotest_checksum"
if command -v grub-mkrescue >/dev/null && command -v xorriso >/dev/null; then
  mkdir -p ft/boot/grub
  { printf 'serial --unit=0 --speed=115200\nterminal_input serial console\nterminal_output serial console\n'
    echo 'insmod functional_test'
    for t in $gtests; do echo "insmod $t"; done
    printf 'functional_test\necho "grub: functional tests done"\nhalt\n'; } >ft/boot/grub/grub.cfg
  grub-mkrescue -d /usr/lib/grub/i386-pc -o ft.iso ft >mkrescue.log 2>&1
  ok test -s ft.iso "grub-mkrescue made the functional tests' CD"
  run define vm grt --memory 64M --boot cdrom
  run define vd grt hdc 16M --type cdrom
  run vd import grt hdc ft.iso
  run ipl grt --headless --serial serial4.txt --timeout 300
  ok test "$RC" -eq 0 "GRUB's tests ran and GRUB's halt powered the VM off (exit $RC)"
  tr -d '\r' <serial4.txt >plain4.txt
  n=0
  for t in $gtests; do grep -qx "$t: PASS" plain4.txt && n=$((n + 1)); done
  ok test "$n" -eq "$(wc -w <<<"$gtests")" "every GRUB test module passed ($n of $(wc -w <<<"$gtests"))"
  ok grep -qx "ALL TESTS PASSED" plain4.txt "functional_test: ALL TESTS PASSED"
  ok test "$(grep -c ': FAIL$' plain4.txt)" -eq 0 "no test failed"
  ok grep -qx "grub: functional tests done" plain4.txt "grub.cfg went on after the tests"
else
  echo "(grub-mkrescue or xorriso missing: GRUB's functional tests not run)"
fi
[ "$T_FAIL" -eq 0 ] || { show serial.txt; show serial2.txt; show plain4.txt 60; }
summary
