#!/usr/bin/env bash
# Debian's i386 Linux from a VD, the whole way a PC boots it: SeaBIOS POSTs, boots hda
# (a FAT disk made with mkfs.fat and mtools, Debian's SYSLINUX installed on it, holding
# Debian's 686 kernel and a busybox initramfs from tools/mkinitrd.sh), SYSLINUX loads the
# kernel, and the kernel's own IDE driver (ata_piix, a module Debian builds, loaded from
# the initramfs) drives both channels of the PIIX3 IDE function by bus-master DMA:
#   - hda (16M, primary master): the MD5 Linux prints for its first MiB must be the
#     image's, and the disk must not change;
#   - hdb (8M, primary slave): an ext4 file system made with mkfs.ext4 -d; Linux mounts
#     it, prints /hello.txt, writes /from-linux.txt; afterwards e2fsck finds it clean and
#     debugfs reads the new file from the exported VD;
#   - hdc (4M, secondary master): Linux writes 16 KiB at sector 100; `vmcp vd export`
#     gives them back, and no other sector changes;
#   - the guest powers off through ACPI (SeaBIOS's tables, the PIIX4 PM function): the
#     run ends with exit 0 and no --until text; `vmcp check` passes after it;
#   - the interrupts go the APIC way: SeaBIOS's MP table and MADT are accepted (no MP
#     table errors, the I/O APIC answers, the local APIC enabled), Linux runs in
#     symmetric I/O mode with the timer on the local APIC (the lapic clock event device
#     and its LOC count, vmcp.report) and the IRQs through the I/O APIC.
# Skipped when Debian's packages cannot be fetched.
. "$ROOT/tests/vm/lib.sh"
need_file /usr/share/seabios/bios.bin
need_debian_linux
need_file /usr/sbin/mkfs.ext4
bash "$MKIMG" syslinux boot.img vmlinuz initrd.gz \
  "console=ttyS0 vmcp.report vmcp.disk vmcp.boot=32768 vmcp.ext4=16384 vmcp.raw=8192"
mkdir -p root
printf 'hello from an ext4 file system made by mkfs.ext4 -d\n' >root/hello.txt
mkfs.ext4 -q -F -L vmcproot -d root ext4.img 8M
# hdc starts with a known pattern everywhere, so that a stray write shows.
awk 'BEGIN { for (i = 0; i < 8192; i++) printf "%-511s\n", "hdc sector " i }' >raw.img
run format --size 64M
run define vm deb --memory 128M --cpu i686 --boot hda --console serial
run define vd deb hda 16M
run define vd deb hdb 8M
run define vd deb hdc 4M
run vd import deb hda boot.img
ok test "$RC" -eq 0 "import the SYSLINUX disk"
run vd import deb hdb ext4.img
run vd import deb hdc raw.img
run ipl deb --headless --serial serial.txt --timeout 600
ok test "$RC" -eq 0 "the guest powers the VM off (exit $RC)"
tr -d '\r' <serial.txt >serial.lines # the guest's tty ends its lines with CR LF
ok contains serial.txt "SYSLINUX 6." "SYSLINUX's banner"
ok contains serial.txt "Linux version 6.1.0-" "the kernel's banner"
ok sh -c '! grep -q "insmod .* failed" serial.txt' "every module loads"
for d in "32768 ata1/host0/target0:0:0" "16384 ata1/host0/target0:0:1" "8192 ata2/host1/target1:0:0"; do
  ok grep -qE "vmcp-initrd: disk sd[a-c] $d\$" serial.lines "Linux sees the disk: $d"
done
sda=$(head -c 1048576 boot.img | md5sum | cut -d' ' -f1)
ok contains serial.txt "vmcp-initrd: boot $sda" "Linux read the first MiB of hda exactly ($sda)"
# The 16 KiB the guest writes: "vmcp-linux-0000|" ... "vmcp-linux-1023|".
awk 'BEGIN { for (i = 0; i < 1024; i++) printf "vmcp-linux-%04d|", i }' >pat.bin
ok contains serial.txt "vmcp-initrd: raw written $(md5sum <pat.bin | cut -d' ' -f1)" \
  "the guest wrote its pattern to hdc"
ok contains serial.txt "vmcp-initrd: ext4 hello: hello from an ext4 file system" \
  "Linux mounted hdb's ext4 and read /hello.txt"
ok contains serial.txt "vmcp-initrd: ext4 written and unmounted" "and wrote and unmounted it"
ok contains serial.txt "reboot: Power down" "the kernel powered down"
# The APICs.
ok contains serial.txt "IOAPIC[0]: apic_id 0, version 17, address 0xfec00000, GSI 0-23" \
  "the MADT's I/O APIC, its version register read"
ok sh -c '! grep -qE "MP table errors|registers return all ones|Local APIC disabled|APIC: disable apic facility" serial.txt' \
  "no complaint about the MP table, the I/O APIC or the local APIC"
ok contains serial.txt "Enabling APIC mode:  Flat.  Using 1 I/O APICs" "symmetric I/O mode"
ok contains serial.txt "..TIMER: vector=0x30 apic1=0 pin1=0" "the PIT's IRQ0 checked through I/O APIC pin 0"
ok contains serial.txt "vmcp-initrd: Clock Event Device: lapic" "the local APIC timer is a clock event device"
ok grep -qE "vmcp-initrd: irq +LOC: +[1-9][0-9]* +Local timer interrupts" serial.lines \
  "local APIC timer interrupts counted"
ok grep -qE "vmcp-initrd: irq +1[45]: +[1-9][0-9]* +IO-APIC +1[45]-edge +ata_piix" serial.lines \
  "the IDE interrupts through the I/O APIC"

run vd export deb hdc out.img
ok test "$RC" -eq 0 "export hdc"
ok cmp -s <(dd if=out.img bs=512 skip=100 count=32 2>/dev/null) pat.bin \
  "hdc sectors 100-131 hold what Linux wrote"
ok cmp -s <(head -c 51200 out.img) <(head -c 51200 raw.img) "hdc before sector 100 unchanged"
ok cmp -s <(tail -c +67585 out.img) <(tail -c +67585 raw.img) "hdc after sector 131 unchanged"
run vd export deb hda hda.img
ok cmp -s hda.img boot.img "hda unchanged"
run vd export deb hdb hdb.img
ok e2fsck -fn hdb.img "e2fsck: hdb's ext4 is clean after Linux used it"
ok test "$(debugfs -R 'cat /from-linux.txt' hdb.img 2>/dev/null)" = \
  "written by Linux $(sed -n 's/.*vmcp-initrd: Linux \([^ ]*\) .*/\1/p' serial.txt) on VMCP" \
  "debugfs reads /from-linux.txt as Linux wrote it"
run check
ok test "$RC" -eq 0 "vmcp check after the run"
[ "$T_FAIL" -eq 0 ] || show serial.txt 400
summary
