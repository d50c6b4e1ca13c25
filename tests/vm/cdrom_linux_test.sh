#!/usr/bin/env bash
# Debian's Linux from a CD, the whole way: a GRUB CD made by grub-mkrescue (Debian's
# grub-pc-bin, i386-pc El Torito) holding Debian's 686 kernel, the busybox initramfs of
# tools/mkinitrd.sh and a data directory. SeaBIOS boots the CD (boot order cdrom), GRUB
# shows its menu on the serial console and loads the kernel and initramfs from the CD
# through INT 13h, the kernel's ata_piix drives the ATAPI drive (hdc) and sr_mod/isofs
# (modules from the initramfs) read it:
#   - Linux finds the drive (libata's ATAPI line, sr's scsi3-mmc line), sees the disc's
#     size, reads its first 4 MiB and a 2 MiB file through ISO 9660 with the MD5s the
#     test knows, and the data of a file;
#   - disc 2 (genisoimage) goes in by the VM command `change` from the run's script,
#     disc 3 by `vmcp vd import` into the running VM from outside (through the CP); each
#     time Linux notices on its next open (UNIT ATTENTION, the new capacity) and reads the
#     new disc; then it powers off, and `vmcp vd export` gives disc 3 back.
# Skipped when Debian's packages cannot be fetched or grub-mkrescue/xorriso are missing.
. "$ROOT/tests/vm/lib.sh"
need_file /usr/share/seabios/bios.bin
need_file /usr/lib/grub/i386-pc/cdboot.img
for t in grub-mkrescue xorriso genisoimage mformat; do
  command -v $t >/dev/null || { echo "skipped: $t missing (tools/deps.sh installs it)"; exit 0; }
done
need_debian_linux

# blob N: a 2 MiB file whose every line names disc N.
blob() { awk -v n="$1" 'BEGIN { for (i = 0; i < 65536; i++) printf "disc %d line %021d\n", n, i }'; }

mkdir -p cd1/boot/grub cd1/data cd2/data cd3/data
cp vmlinuz cd1/boot/vmlinuz
cp initrd.gz cd1/boot/initrd.gz
cat >cd1/boot/grub/grub.cfg <<'EOF'
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=1
menuentry 'VMCP CD Linux' {
  linux /boot/vmlinuz console=ttyS0 vmcp.cdrom
  initrd /boot/initrd.gz
}
EOF
for n in 1 2 3; do
  echo "hello from disc $n" >cd$n/data/hello.txt
  blob $n >cd$n/data/blob.bin
done
head -c 300000 /dev/zero >cd3/data/pad.bin # disc 3 is larger than disc 2
bash "$MKIMG" grub-cd disc1.iso cd1
bash "$MKIMG" iso disc2.iso cd2 DISC2
bash "$MKIMG" iso disc3.iso cd3 DISC3

run format --size 128M
run define vm lnx --memory 128M --boot cdrom
run define vd lnx hdc 64M --type cdrom
run vd import lnx hdc disc1.iso
ok test "$RC" -eq 0 "import the GRUB CD"
printf 'wait vmcp-initrd: cdrom waiting for disc 2\ncp change hdc disc2.iso\nwait reboot: Power down\n' >script.txt
"$VMCP" ipl lnx --headless --serial serial.txt --script script.txt --timeout 900 >ipl.out 2>&1 &
pid=$!
for _ in $(seq 9000); do
  grep -q "cdrom waiting for disc 3" serial.txt 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
run vd import lnx hdc disc3.iso
ok test "$RC" -eq 0 "vd import into the running VM's drive (exit $RC)"
wait "$pid"
rc=$?
ok test "$rc" -eq 0 "the run ends (exit $rc)"
tr -d '\r' <serial.txt >serial.lines
ok contains serial.txt "GNU GRUB  version 2.06" "GRUB's menu on the serial console"
ok contains serial.txt "Booting \`VMCP CD Linux'" "GRUB boots the entry"
ok contains serial.txt "Linux version 6.1.0-" "the kernel's banner"
ok sh -c '! grep -q "insmod .* failed" serial.txt' "every module loads"
ok grep -qE "ata2\.00: ATAPI: VMCP CD-ROM, 1\.0, max MWDMA2" serial.lines "libata finds the ATAPI drive"
ok grep -qE "\[sr0\] scsi3-mmc drive" serial.lines "sr reads its capabilities"
for n in 1 2 3; do
  f=disc$n.iso
  ok contains serial.txt "vmcp-initrd: cdrom disc $n: sr0 $(($(stat -c %s $f) / 512)) sectors" \
    "disc $n: Linux sees its size"
  ok contains serial.txt "vmcp-initrd: cdrom disc $n: head $(head -c 4194304 $f | md5sum | cut -d' ' -f1)" \
    "disc $n: the first 4 MiB read exactly"
  ok contains serial.txt "vmcp-initrd: cdrom disc $n: hello: hello from disc $n" "disc $n: ISO 9660 mounted"
  ok contains serial.txt "vmcp-initrd: cdrom disc $n: blob $(md5sum <cd$n/data/blob.bin | cut -d' ' -f1)" \
    "disc $n: a 2 MiB file read exactly"
done
ok contains ipl.out "VMCP530I hdc: disc disc2.iso in ($(stat -c %s disc2.iso) bytes)" "the script's change"
run vd export lnx hdc out.iso
ok cmp -s out.iso disc3.iso "the drive holds disc 3 after the run"
[ "$T_FAIL" -eq 0 ] || { show serial.lines 200; show ipl.out; cat "$T_LOG"; }
summary
