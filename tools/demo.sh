#!/usr/bin/env bash
# tools/demo.sh: `make demo`. Prepares a real disk and guests and boots them:
#  1. formats a real disk (a sparse 8G file in $BUILD, recreated each run);
#  2. defines VM "tiny" with a hard disk VD holding a FAT file system made with mkfs.fat
#     and mtools, SYSLINUX from Debian installed on it, and a tiny bzImage-format test
#     kernel (tests/vm/guest/testkernel.asm) with an initrd; boots it through SeaBIOS and
#     SYSLINUX, headless, and shows what the kernel printed on COM1;
#  3. if Debian's packages can be fetched (tools/mkinitrd.sh), defines VM "linux" whose
#     hda holds SYSLINUX, Debian's i386 686 kernel and a busybox initramfs, and boots it
#     through SeaBIOS to the initramfs's shell (docs/linux.md);
#  4. if the FreeDOS floppies of shared/testdata are there, defines VM "dos" with the
#     1.44 MB floppy imported into its fda VD, boots it to the A:\> prompt and shows the
#     VGA text screen;
#  5. shows the directory (query vm / vd, check) and how to boot a VM interactively.
# Each CP command is echoed as a user would type it.
set -eu
: "${VMCP:?}" "${BUILD:=build/release}"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$BUILD" && pwd)
export VMCP_DASD="$BUILD/demo.dasd"
work="$BUILD/demo"
rm -rf "$work" "$VMCP_DASD"
mkdir -p "$work"
show() {
	printf '$ vmcp'
	printf ' %q' "$@"
	echo
	"$VMCP" "$@"
	echo
}
show format --size 8G

echo "# Building a SYSLINUX boot disk (mkfs.fat, mtools, syslinux) with a test kernel"
bash "$ROOT/tools/mkimg.sh" testkernel "$work/kernel.bin"
printf 'Hello from the initrd of the VMCP demo\n' >"$work/initrd.txt"
bash "$ROOT/tools/mkimg.sh" syslinux "$work/tiny.img" "$work/kernel.bin" "$work/initrd.txt" \
	"console=ttyS0 demo=yes"
echo
show define vm tiny --memory 32M --boot hda --console serial
show define vd tiny hda 16M
show vd import tiny hda "$work/tiny.img"
show ipl tiny --headless --serial "$work/tiny.serial" --until "testkernel: done" --timeout 120
echo "# What the guest printed on COM1:"
sed 's/^/  | /' "$work/tiny.serial"
echo

echo "# Fetching Debian's i386 686 kernel and busybox (tools/mkinitrd.sh, cached in $ROOT/build/linux-cache)"
linux=no
if bash "$ROOT/tools/mkinitrd.sh" kernel "$work/vmlinuz" "$ROOT/build/linux-cache" >"$work/fetch.log" 2>&1 &&
   bash "$ROOT/tools/mkinitrd.sh" initrd "$work/initrd.gz" "$ROOT/build/linux-cache" >>"$work/fetch.log" 2>&1; then
	linux=yes
	bash "$ROOT/tools/mkimg.sh" syslinux "$work/linux.img" "$work/vmlinuz" "$work/initrd.gz" "console=ttyS0"
	echo
	show define vm linux --memory 128M --cpu i686 --boot hda --console serial
	show define vd linux hda 16M
	show vd import linux hda "$work/linux.img"
	echo "# Debian's kernel boots through SeaBIOS and SYSLINUX (~8 billion guest instructions: half a minute or more)"
	show ipl linux --headless --serial "$work/linux.serial" --until "vmcp-initrd: shell" --timeout 600
	echo "# The first and last lines the guest printed on COM1:"
	grep -m 3 -E "SYSLINUX|Linux version" "$work/linux.serial" | sed 's/^/  | /'
	echo "  | ..."
	tail -n 4 "$work/linux.serial" | sed 's/^/  | /'
	echo
else
	echo "# (skipped: $(tail -n 1 "$work/fetch.log"))"
	echo
fi

floppy="$ROOT/../shared/testdata/images/freedos-minimal-1.4MB.img"
if [ -f "$floppy" ]; then
	show define vm dos --memory 16M --boot fda,hda --console vga
	show define vd dos fda 1440K
	show vd import dos fda "$floppy"
	show ipl dos --headless --screen "$work/dos.screen" --until 'A:\>' --timeout 300
	echo "# The VGA text screen when the prompt appeared (AUTOEXEC.BAT ends with cls):"
	sed 's/^/  | /' "$work/dos.screen" | sed -n '1,5p'
	echo
fi

show query vm
show query vd
show check
echo "The real disk is $VMCP_DASD ($(du -h "$VMCP_DASD" | cut -f1) allocated of its 8G: it is sparse)."
echo "Boot a VM with its console on this terminal (Ctrl-] gives the CP prompt; 'shutdown' ends it):"
echo "  VMCP_DASD=$VMCP_DASD $VMCP ipl tiny"
[ "$linux" = yes ] && echo "  VMCP_DASD=$VMCP_DASD $VMCP ipl linux      # a busybox shell on Debian's kernel"
[ -f "$floppy" ] && echo "  VMCP_DASD=$VMCP_DASD $VMCP ipl dos"
exit 0
