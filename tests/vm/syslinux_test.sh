#!/usr/bin/env bash
# A real boot loader from Debian: a FAT disk made with mkfs.fat and mtools, SYSLINUX
# installed with Debian's syslinux, imported with `vmcp vd import`. SYSLINUX prints its
# banner on COM1 and loads the kernel its config names (the test kernel of
# tests/vm/guest/testkernel.asm, a bzImage), which reports the command line and initrd.
. "$ROOT/tests/vm/lib.sh"
need_file /usr/share/seabios/bios.bin
command -v syslinux >/dev/null || { echo "skipped: syslinux not installed"; exit 0; }
bash "$MKIMG" testkernel kernel.bin
printf 'initrd seen by the test kernel\nsecond line\n' >initrd.txt
bash "$MKIMG" syslinux sl.img kernel.bin initrd.txt "console=ttyS0 from=syslinux"
hd_vm sl 32M 16M sl.img
run ipl sl --headless --serial serial.txt --until "testkernel: done" --timeout 300
ok test "$RC" -eq 0 "SYSLINUX boots the kernel (exit $RC)"
ok contains serial.txt "SYSLINUX 6.04" "SYSLINUX banner on COM1"
ok contains serial.txt "Loading vmlinuz" "SYSLINUX loads the kernel"
ok contains serial.txt "testkernel: entered in protected mode" "the kernel runs"
ok contains serial.txt "cmdline: BOOT_IMAGE=vmlinuz console=ttyS0 from=syslinux initrd=initrd" "command line from syslinux.cfg"
ok contains serial.txt "initrd: 43 bytes: initrd seen by the test kernel" "initrd loaded by SYSLINUX"
ok contains serial.txt "loader: 0x3" "type_of_loader is SYSLINUX's (0x3X)"

# Serial input through a script: SYSLINUX's boot: prompt waits for a line on COM1; the
# script waits for the prompt and types the label with an extra kernel option.
SYSLINUX_PROMPT=1 bash "$MKIMG" syslinux slp.img kernel.bin initrd.txt "console=ttyS0"
run define vm slp --memory 32M --boot hda
run define vd slp hda 16M
run vd import slp hda slp.img
printf '# answer the boot prompt\nwait boot:\ntype test typed=yes\\r\nwait testkernel: done\ncp query\n' >boot.script
run ipl slp --headless --serial serial2.txt --script boot.script --until "VMCP-NEVER" --timeout 120
ok contains serial2.txt "boot: test typed=yes" "SYSLINUX echoed the typed line"
ok grep -q "^cmdline: BOOT_IMAGE=vmlinuz .*typed=yes" serial2.txt "the typed option reached the kernel"
ok contains "$T_LOG" "VM slp: running, i686" "the script's cp query ran"
printf 'type \\q\n' >bad.script
run ipl slp --headless --script bad.script --timeout 5
ok test "$RC" -eq 1 "a bad script escape is refused (exit $RC)"
ok contains "$T_LOG" "VMCP517E Script bad.script, line 1: bad escape" "message 517 with the line"
[ "$T_FAIL" -eq 0 ] || { show serial.txt; show serial2.txt; }
summary
