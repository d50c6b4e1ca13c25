#!/usr/bin/env bash
# Linux runs from its root VD: SeaBIOS boots hda (Debian's SYSLINUX, Debian's 686 kernel,
# the busybox initramfs of tools/mkinitrd.sh); the initramfs loads the IDE and ext4
# modules, mounts hdb — an ext4 file system made with mkfs.ext4 -d from the busybox tree
# of "mkinitrd.sh rootfs" — and switch_roots to it; busybox init runs the disk's rcS,
# which counts boots in /var/boots and asks init to power off; init unmounts and the
# kernel powers the machine off through ACPI. The disk was made saying one boot, so
# Linux must report boot 2, and afterwards the exported VD must hold "2" in /var/boots
# (debugfs) and be clean (e2fsck).
# Skipped when Debian's packages cannot be fetched.
. "$ROOT/tests/vm/lib.sh"
need_file /usr/share/seabios/bios.bin
need_file /usr/sbin/mkfs.ext4
need_debian_linux rootfs:root
# cryptomgr.notests: the kernel skips its crypto self-tests (3 of its 8 billion
# instructions); linux_test and debian_test boot with them.
bash "$MKIMG" syslinux boot.img vmlinuz initrd.gz \
  "console=ttyS0 vmcp.root=65536 vmcp.poweroff cryptomgr.notests"
echo 1 >root/var/boots
mkfs.ext4 -q -F -L vmcproot -d root rootfs.img 32M
run format --size 128M
run define vm lx --memory 128M --cpu i686 --boot hda --console serial
run define vd lx hda 16M
run define vd lx hdb 32M
run vd import lx hda boot.img
run vd import lx hdb rootfs.img
ok test "$RC" -eq 0 "import the root file system"
run ipl lx --headless --serial serial.txt --timeout 600
ok test "$RC" -eq 0 "the guest powers the VM off (exit $RC)"
tr -d '\r' <serial.txt >serial.lines
ok contains serial.lines "vmcp-initrd: root /dev/sd" "the initramfs finds the root disk"
ok grep -qE "^vmcp-root: Linux 6\.1\.0-[0-9]+-686, / is /dev/sd[a-d] ext4, boot 2 of this disk$" \
  serial.lines "init runs the root disk's rcS: / is ext4, boot 2"
ok contains serial.lines "reboot: Power down" "the kernel powered down"
run vd export lx hdb out.img
ok test "$(debugfs -R 'cat /var/boots' out.img 2>/dev/null)" = 2 "/var/boots on the VD says 2"
ok e2fsck -fn out.img "e2fsck: the root file system is clean after the shutdown"
[ "$T_FAIL" -eq 0 ] || show serial.txt 400
summary
