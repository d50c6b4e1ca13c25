#!/usr/bin/env bash
# Debian's i386 Linux from a VD, the whole way a PC boots it: SeaBIOS POSTs, boots hda
# (a FAT disk made with mkfs.fat and mtools, Debian's SYSLINUX installed on it, holding
# Debian's 686 kernel and a busybox initramfs from tools/mkinitrd.sh), SYSLINUX loads the
# kernel, and the kernel's own IDE driver (ata_piix, a module Debian builds, loaded from
# the initramfs) drives the PIIX3 IDE function with bus-master DMA:
#   - it reads the first MiB of /dev/sda (hda); the MD5 it prints must be the image's;
#   - it writes 16 KiB to /dev/sdb (hdb) at sector 100; `vmcp vd export` must give them
#     back, and nothing else of hdb may change;
#   - it powers the machine off through ACPI (SeaBIOS's tables, the PIIX4 PM function):
#     the run ends with exit 0 and no --until text.
# Skipped when Debian's packages cannot be fetched.
. "$ROOT/tests/vm/lib.sh"
need_file /usr/share/seabios/bios.bin
cache="$BUILD/linux-cache"
if ! bash "$ROOT/tools/mkinitrd.sh" kernel vmlinuz "$cache" >fetch.log 2>&1 ||
   ! bash "$ROOT/tools/mkinitrd.sh" initrd initrd.gz "$cache" >>fetch.log 2>&1; then
  echo "skipped: Debian's i386 kernel or busybox could not be fetched ($(tail -n 1 fetch.log))"
  exit 0
fi
bash "$MKIMG" syslinux boot.img vmlinuz initrd.gz "console=ttyS0 vmcp.disk"
run format --size 64M
run define vm deb --memory 128M --cpu i686 --boot hda --console serial
run define vd deb hda 16M
run define vd deb hdb 8M
run vd import deb hda boot.img
ok test "$RC" -eq 0 "import the SYSLINUX disk"
# hdb starts with a known pattern everywhere, so that a stray write shows.
awk 'BEGIN { for (i = 0; i < 16384; i++) printf "%-511s\n", "hdb sector " i }' >hdb.img
run vd import deb hdb hdb.img
run ipl deb --headless --serial serial.txt --timeout 600
ok test "$RC" -eq 0 "the guest powers the VM off (exit $RC)"
ok contains serial.txt "SYSLINUX 6." "SYSLINUX's banner"
ok contains serial.txt "Linux version 6.1.0-" "the kernel's banner"
ok contains serial.txt "ata1.00: ATA-6: VMCP HARDDISK" "ata_piix finds hda"
ok contains serial.txt "ata1.01: ATA-6: VMCP HARDDISK" "ata_piix finds hdb"
ok contains serial.txt "[sdb] 16384 512-byte logical blocks" "hdb's capacity as defined"
sda=$(head -c 1048576 boot.img | md5sum | cut -d' ' -f1)
ok contains serial.txt "vmcp-initrd: sda $sda" "Linux read the first MiB of hda exactly ($sda)"
# The 16 KiB the guest writes: "vmcp-linux-0000|" ... "vmcp-linux-1023|".
awk 'BEGIN { for (i = 0; i < 1024; i++) printf "vmcp-linux-%04d|", i }' >pat.bin
ok contains serial.txt "vmcp-initrd: sdb written $(md5sum <pat.bin | cut -d' ' -f1)" \
  "the guest wrote its pattern"
ok contains serial.txt "reboot: Power down" "the kernel powered down"
run vd export deb hdb out.img
ok test "$RC" -eq 0 "export hdb"
ok cmp -s <(dd if=out.img bs=512 skip=100 count=32 2>/dev/null) pat.bin \
  "hdb sectors 100-131 hold what Linux wrote"
ok cmp -s <(head -c 51200 out.img) <(head -c 51200 hdb.img) "hdb before sector 100 unchanged"
ok cmp -s <(tail -c +67585 out.img) <(tail -c +67585 hdb.img) "hdb after sector 131 unchanged"
run vd export deb hda hda.img
ok cmp -s hda.img boot.img "hda unchanged"
run check
ok test "$RC" -eq 0 "vmcp check after the run"
[ "$T_FAIL" -eq 0 ] || show serial.txt 400
summary
