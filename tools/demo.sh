#!/usr/bin/env bash
# tools/demo.sh: `make demo`. Prepares a real disk and guests and boots them:
#  1. formats a real disk (a sparse 8G file in $BUILD, recreated each run);
#  2. defines VM "tiny" with a hard disk VD holding a FAT file system made with mkfs.fat
#     and mtools, SYSLINUX from Debian installed on it, and a tiny bzImage-format test
#     kernel (tests/vm/guest/testkernel.asm) with an initrd; boots it through SeaBIOS and
#     SYSLINUX, headless, and shows what the kernel printed on COM1;
#  3. if Debian's packages can be fetched (tools/mkinitrd.sh), defines VM "linux" whose
#     hda holds SYSLINUX, Debian's i386 686 kernel and a busybox initramfs, and, if the
#     FreeDOS floppies of shared/testdata are there, VM "dos" with the 1.44 MB floppy in
#     its fda VD; starts both in the CP of the real disk (`vmcp start`: in the
#     background), lists them (`query names`), waits for the Linux shell in the console
#     spool, asks the running VM for its registers (`send`), stops both (`force`) and
#     shows DOS's text screen;
#  4. if a whole Debian 12 system was built before (tools/mkdebian.sh, as root: about
#     half an hour the first time, then cached), boots it from GRUB to the login prompt;
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
else
	echo "# (skipped: $(tail -n 1 "$work/fetch.log"))"
	echo
fi
floppy="$ROOT/../shared/testdata/images/freedos-minimal-1.4MB.img"
dos=no
if [ -f "$floppy" ]; then
	dos=yes
	show define vm dos --memory 16M --boot fda,hda --console vga
	show define vd dos fda 1440K
	show vd import dos fda "$floppy"
fi

# Wait up to $2 seconds for text $3 in VM $1's console spool.
wait_spool() {
	local end=$(( $(date +%s) + $2 ))
	while [ "$(date +%s)" -lt "$end" ]; do
		"$VMCP" spool "$1" 2>/dev/null | grep -qF -- "$3" && return 0
		sleep 1
	done
	return 1
}
if [ "$linux" = yes ] || [ "$dos" = yes ]; then
	echo "# One CP holds every running VM of the real disk: 'vmcp start' IPLs a VM in it, in the background"
	[ "$linux" = yes ] && show start linux --no-pace
	[ "$dos" = yes ] && show start dos --screen "$work/dos.screen"
	show query names
	if [ "$linux" = yes ]; then
		echo "# Debian's kernel boots through SeaBIOS and SYSLINUX (~8 billion guest instructions); waiting for its shell"
		if wait_spool linux 600 "vmcp-initrd: shell"; then
			echo "# The first and last lines of its console spool:"
			"$VMCP" spool linux | grep -m 3 -E "SYSLINUX|Linux version" | sed 's/^/  | /'
			echo "  | ..."
			"$VMCP" spool linux | tail -n 3 | sed 's/\x1b\[[0-9;]*[a-zA-Z]//g' | sed 's/^/  | /'
			echo
		else
			echo "# (the shell did not appear within 600 s)"
		fi
		show send linux display registers
	fi
	show query names
	[ "$linux" = yes ] && show force linux
	if [ "$dos" = yes ]; then
		show force dos
		echo "# DOS's VGA text screen when it was forced off (start --screen):"
		grep -v '^ *$' "$work/dos.screen" | tail -n 4 | sed 's/^/  | /'
		echo
	fi
fi

debian=
if [ "$(id -u)" -eq 0 ] && [ -z "${VMCP_DEMO_NO_DEBIAN:-}" ]; then
	debian=$(ls -t "${VMCP_CACHE:-/var/tmp/vmcp-cache}"/debian-*.img 2>/dev/null | head -n 1 || true)
fi
if [ -n "$debian" ]; then
	echo "# A whole Debian 12 system (tools/mkdebian.sh, cached in $debian): GRUB, systemd, a login prompt"
	show define vm deb --memory 256M --boot hda
	show define vd deb hda 1G
	show vd import deb hda "$debian"
	show ipl deb --headless --serial "$work/deb.serial" --until "vmcp-debian login:" --timeout 900
	echo "# The last lines on its serial console:"
	grep -v '^\s*$' "$work/deb.serial" | tail -n 4 | sed 's/^/  | /'
	echo
else
	echo "# A whole Debian 12 system from GRUB to login: build it once as root with"
	echo "#   sudo make debian      (tools/mkdebian.sh: about half an hour through qemu-user, then cached)"
	echo "# and make demo boots it too."
	echo
fi

show query vm
show query vd
show check
echo "The real disk is $VMCP_DASD ($(du -h "$VMCP_DASD" | cut -f1) allocated of its 8G: it is sparse)."
echo "Boot a VM with its console on this terminal (Ctrl-] gives the CP prompt; 'shutdown' ends it):"
echo "  VMCP_DASD=$VMCP_DASD $VMCP ipl tiny"
[ "$linux" = yes ] && echo "  VMCP_DASD=$VMCP_DASD $VMCP ipl linux      # a busybox shell on Debian's kernel"
[ "$dos" = yes ] && echo "  VMCP_DASD=$VMCP_DASD $VMCP ipl dos"
[ -n "$debian" ] && echo "  VMCP_DASD=$VMCP_DASD $VMCP ipl deb        # root, password vmcp"
echo "Or in the background, and then attach to its console from any terminal:"
echo "  VMCP_DASD=$VMCP_DASD $VMCP start linux && VMCP_DASD=$VMCP_DASD $VMCP attach linux"
exit 0
