#!/usr/bin/env bash
# tools/mkimg.sh: builds the guest disk images the tests and the demo boot, from real
# parts: nasm, mkfs.fat, mtools and Debian's SYSLINUX. Nothing here is committed as a
# binary; images are made at test time.
#
#   mkimg.sh bootsect OUT                       the two-sector INT 10h/13h test guest (1 MiB disk)
#   mkimg.sh echo OUT                           the echo console guest for the CP tests (1 MiB disk)
#   mkimg.sh debug OUT                          the guest of the debugging tests (1 MiB disk) and
#                                               OUT.map, its labels as a System.map
#   mkimg.sh pwrbtn OUT                         a guest that powers off at the ACPI power button
#   mkimg.sh testkernel OUT                     the bzImage-format test kernel
#   mkimg.sh syslinux OUT KERNEL INITRD APPEND  16 MiB FAT disk: SYSLINUX loads KERNEL as Linux
#   mkimg.sh freedos-hd OUT FLOPPY              32 MiB partitioned disk: FreeDOS (files from the
#                                               floppy image FLOPPY) on a FAT16 partition,
#                                               booted by SYSLINUX's chain.c32 freedos=
#   mkimg.sh grub OUT KERNEL INITRD APPEND      64 MiB partitioned disk: GRUB 2 (Debian's
#                                               grub-pc-bin: boot.img in the MBR, core.img
#                                               after it, as grub-install puts them) loads
#                                               KERNEL and INITRD from an ext2 partition;
#                                               its menu on the screen and on COM1
#   mkimg.sh cdboot OUT TEXT                    an ISO 9660 CD (xorriso) booting the guest of
#                                               tests/vm/guest/cdboot.asm by El Torito (no
#                                               emulation), with HELLO.TXT holding TEXT
#   mkimg.sh iso OUT DIR LABEL                  an ISO 9660 CD of directory DIR (genisoimage,
#                                               Rock Ridge and Joliet names)
#   mkimg.sh grub-cd OUT DIR                    a GRUB CD (grub-mkrescue, i386-pc El Torito)
#                                               holding DIR (its boot/grub/grub.cfg)
# Hard disk images use the BIOS geometry VMCP's IDE model reports for small disks
# (16 heads, 63 sectors per track): the FAT BPB and the partition table's CHS fields
# must agree with it, or DOS reads the wrong sectors.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
guest=$here/tests/vm/guest
sl=/usr/lib/syslinux

die() { echo "mkimg.sh: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null || die "$1 missing (make check installs it: tools/deps.sh)"; }

# mbr_entry IMG START COUNT TYPE: partition 1, active, with CHS fields for 16 x 63.
mbr_entry() {
	local img=$1 start=$2 count=$3 type=$4 H=16 S=63
	chs() {
		local l=$1 c h s
		c=$((l / (H * S))); h=$(((l / S) % H)); s=$((l % S + 1))
		if [ $c -gt 1023 ]; then c=1023; h=$((H - 1)); s=$S; fi
		printf '\\x%02x\\x%02x\\x%02x' $h $((s | ((c >> 2) & 0xC0))) $((c & 0xFF))
	}
	le32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $((($1 >> 8) & 255)) \
		$((($1 >> 16) & 255)) $((($1 >> 24) & 255)); }
	printf "\\x80$(chs "$start")\\x$(printf %02x "$type")$(chs $((start + count - 1)))$(le32 "$start")$(le32 "$count")" |
		dd of="$img" bs=1 seek=446 conv=notrunc status=none
	printf '\x55\xaa' | dd of="$img" bs=1 seek=510 conv=notrunc status=none
}

cmd=${1:-}; shift || true
case $cmd in
bootsect)
	need nasm
	out=$1
	nasm -f bin -I "$guest/" -o "$out.bin" "$guest/bootsect.asm"
	rm -f "$out"; truncate -s 1M "$out"
	dd if="$out.bin" of="$out" conv=notrunc status=none
	rm -f "$out.bin";;
echo|pwrbtn)
	need nasm
	out=$1
	nasm -f bin -I "$guest/" -o "$out.bin" "$guest/$cmd.asm"
	rm -f "$out"; truncate -s 1M "$out"
	dd if="$out.bin" of="$out" conv=notrunc status=none
	rm -f "$out.bin";;
debug)
	need nasm
	out=$1
	tmp=$(mktemp -d)
	(cd "$tmp" && nasm -f bin -I "$guest/" -o debug.bin "$guest/debug.asm") || { rm -rf "$tmp"; die "nasm failed"; }
	rm -f "$out"; truncate -s 1M "$out"
	dd if="$tmp/debug.bin" of="$out" conv=notrunc status=none
	# nasm's map ("REAL VIRTUAL NAME" lines) as a System.map ("ADDRESS TYPE NAME")
	python3 - "$tmp/debug.map" >"$out.map" <<'PY'
import re, sys
for line in open(sys.argv[1]):
    m = re.match(r"^\s+([0-9A-Fa-f]+)\s+([0-9A-Fa-f]+)\s+(\S+)\s*$", line)
    if m:
        print("%08x T %s" % (int(m.group(2), 16), m.group(3)))
PY
	rm -rf "$tmp";;
testkernel)
	need nasm
	nasm -f bin -I "$guest/" -o "$1" "$guest/testkernel.asm";;
syslinux)
	need mkfs.fat; need mcopy; need syslinux
	out=$1 kernel=$2 initrd=$3 append=$4
	rm -f "$out"; truncate -s 16M "$out"
	mkfs.fat -n VMCPTEST -g 16/63 "$out" >/dev/null
	syslinux --install "$out"
	cfg=$(mktemp)
	# SYSLINUX_PROMPT=1: show the boot: prompt and wait for a line (typed on COM1).
	printf 'SERIAL 0 115200\nDEFAULT test\nPROMPT %s\nTIMEOUT 0\nLABEL test\n  LINUX vmlinuz\n  INITRD initrd\n  APPEND %s\n' \
		"${SYSLINUX_PROMPT:-0}" "$append" >"$cfg"
	mcopy -i "$out" "$cfg" ::syslinux.cfg
	mcopy -i "$out" "$kernel" ::vmlinuz
	mcopy -i "$out" "$initrd" ::initrd
	rm -f "$cfg";;
freedos-hd)
	need mkfs.fat; need mcopy; need syslinux
	out=$1 floppy=$2
	[ -f "$floppy" ] || die "no floppy image $floppy"
	start=2048 sectors=63488
	rm -f "$out"; truncate -s 32M "$out"
	dd if="$sl/mbr/mbr.bin" of="$out" bs=440 count=1 conv=notrunc status=none
	mbr_entry "$out" $start $sectors 6
	mkfs.fat -F 16 -n FREEDOS -g 16/63 --offset $start -h $start "$out" $((sectors / 2)) >/dev/null
	syslinux --install --offset $((start * 512)) "$out"
	at="$out@@$((start * 512))"
	tmp=$(mktemp -d)
	printf 'DEFAULT dos\nPROMPT 0\nTIMEOUT 0\nLABEL dos\n  COM32 chain.c32\n  APPEND freedos=kernel.sys\n' >"$tmp/syslinux.cfg"
	printf 'FILES=20\r\nBUFFERS=20\r\nSHELL=C:\\COMMAND.COM /E:512 /P\r\n' >"$tmp/CONFIG.SYS"
	mcopy -i "$floppy" ::KERNEL.SYS ::COMMAND.COM ::AUTOEXEC.BAT "$tmp/"
	mcopy -i "$at" "$tmp/syslinux.cfg" "$tmp/KERNEL.SYS" "$tmp/COMMAND.COM" "$tmp/AUTOEXEC.BAT" "$tmp/CONFIG.SYS" ::
	for m in chain.c32 libcom32.c32 libutil.c32; do mcopy -i "$at" "$sl/modules/bios/$m" ::$m; done
	rm -rf "$tmp";;
grub)
	need grub-mkimage; need mkfs.ext2; need sfdisk
	out=$1 kernel=$2 initrd=$3 append=$4 g=/usr/lib/grub/i386-pc
	[ -f "$g/boot.img" ] || die "no $g (grub-pc-bin)"
	tmp=$(mktemp -d)
	mkdir -p "$tmp/root/boot/grub/i386-pc"
	cp "$g"/*.mod "$g"/*.lst "$tmp/root/boot/grub/i386-pc/"
	cp "$kernel" "$tmp/root/boot/vmlinuz"
	cp "$initrd" "$tmp/root/boot/initrd"
	{
		echo "serial --unit=0 --speed=115200"
		echo "terminal_input console serial"
		echo "terminal_output console serial"
		echo "set timeout=${GRUB_TIMEOUT:-1}"
		echo "menuentry 'VMCP test kernel' {"
		echo "	echo 'grub: loading the kernel'"
		echo "	linux /boot/vmlinuz $append"
		echo "	initrd /boot/initrd"
		echo "}"
	} >"$tmp/root/boot/grub/grub.cfg"
	rm -f "$out"; truncate -s 64M "$out"
	echo 'start=2048, type=83, bootable' | sfdisk -q "$out" >/dev/null
	mkfs.ext2 -q -F -L grubtest -d "$tmp/root" "$tmp/part.img" 63M >/dev/null
	dd if="$tmp/part.img" of="$out" bs=1M seek=1 conv=sparse,notrunc status=none
	# core.img: the disk and file system modules, the prefix on the first partition;
	# its first sector's block list already points at the sectors after it (LBA 2 on).
	grub-mkimage -O i386-pc -d "$g" -o "$tmp/core.img" -p '(hd0,msdos1)/boot/grub' \
		biosdisk part_msdos ext2
	[ "$(stat -c %s "$tmp/core.img")" -lt $((2047 * 512)) ] || die "core.img too large"
	dd if="$g/boot.img" of="$out" bs=440 count=1 conv=notrunc status=none
	dd if="$tmp/core.img" of="$out" bs=512 seek=1 conv=notrunc status=none
	rm -rf "$tmp";;
cdboot)
	need nasm; need xorriso
	out=$1 text=$2
	tmp=$(mktemp -d)
	mkdir "$tmp/iso"
	nasm -f bin -I "$guest/" -o "$tmp/iso/boot.bin" "$guest/cdboot.asm"
	[ "$(stat -c %s "$tmp/iso/boot.bin")" -le 2048 ] || die "cdboot.asm is larger than its 4 sectors"
	printf '%s\n' "$text" >"$tmp/iso/hello.txt"
	xorriso -as mkisofs -quiet -V VMCPDISC -o "$out" -b boot.bin -no-emul-boot \
		-boot-load-size 4 "$tmp/iso" 2>/dev/null
	rm -rf "$tmp";;
iso)
	need genisoimage
	out=$1 dir=$2 label=$3
	genisoimage -quiet -R -J -V "$label" -o "$out" "$dir";;
grub-cd)
	need grub-mkrescue; need xorriso; need mformat
	out=$1 dir=$2
	[ -d /usr/lib/grub/i386-pc ] || die "grub-pc-bin missing (make check installs it: tools/deps.sh)"
	grub-mkrescue -o "$out" "$dir" 2>/dev/null;;
*)
	sed -n '2,29p' "$0" >&2; exit 2;;
esac
