#!/usr/bin/env bash
# tools/mkdebian.sh: a whole Debian 12 (bookworm) i386 system on a disk image, built from
# Debian's package registry the way a user installs one, for VMCP to boot (issue 9):
#
#   mkdebian.sh OUT [CACHE]     OUT: the disk image (sparse, 1 GiB); CACHE (default
#                               $VMCP_CACHE, else /var/tmp/vmcp-cache) keeps the image,
#                               keyed by the packages' versions, so it is built once
#
# What is on it: `debootstrap --arch=i386 --variant=minbase` with systemd-sysv, udev,
# Debian's 686 kernel (linux-image-686) and its initramfs (initramfs-tools), grub-pc,
# openssh-server (installed with its host keys, off by default: `systemctl enable --now
# ssh` starts it), on an ext4 file system (made with mkfs.ext4 -d: no loop
# device) in the first partition of an MBR partition table. GRUB is set up for i386-pc
# as grub-install would: its core image (grub-mkimage, run in the target) in the gap
# after the MBR, boot.img in the MBR, modules and grub.cfg in /boot/grub; the menu shows
# on the VGA screen and on COM1. root's password is "vmcp"; a getty runs on tty1 and,
# from the kernel's console=ttyS0, on the serial port.
#
# Needs root (debootstrap, chroot) and runs the i386 programs of the second stage through
# qemu-user (qemu-i386-static registered with binfmt_misc for the build, then removed:
# this host cannot run i386 binaries itself, shared/NOTES.md). The first build takes
# 20-30 minutes here; later ones copy the cached image.
set -eu
die() { echo "mkdebian.sh: $*" >&2; exit 1; }
note() { echo "mkdebian.sh: $*" >&2; }
[ $# -ge 1 ] || die "usage: mkdebian.sh OUT [CACHE]"
out=$1 cache=${2:-${VMCP_CACHE:-/var/tmp/vmcp-cache}}
here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap and chroot)"
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
case $out in /*) ;; *) out=$PWD/$out ;; esac
# One build at a time in a cache.
exec 8>"$cache/.debian.lock"
flock 8

SUITE=bookworm
SIZE_MB=1024
PKGS=systemd-sysv,udev,linux-image-686,initramfs-tools,grub-pc,kmod,procps,iproute2,e2fsprogs,apt,ca-certificates,less,openssh-server

# The i386 architecture and the tools of the build.
if ! dpkg --print-foreign-architectures | grep -qx i386; then
	dpkg --add-architecture i386
	apt-get update -q >/dev/null 2>&1 || true
fi
need=()
for p in debootstrap qemu-user-static grub-pc-bin grub-common fdisk e2fsprogs openssl; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	note "installing ${need[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null ||
		die "cannot install ${need[*]}"
fi

# The key: this script and the versions of the packages that make the image.
versions=$(apt-cache policy linux-image-686:i386 systemd:i386 grub-pc:i386 libc6:i386 \
	initramfs-tools udev:i386 2>/dev/null | awk '/Candidate:/ {print $2}' | tr '\n' ' ')
case $versions in *'(none)'*|'') die "the i386 package indexes are missing (apt-get update)" ;; esac
key=$( { cat "$0"; echo "$versions $SIZE_MB"; } | sha256sum | cut -c1-16)
img="$cache/debian-$key.img"
if [ -f "$img" ]; then
	cp --sparse=always "$img" "$out"
	note "the Debian system from the cache ($img)"
	exit 0
fi

# The mirror: the one apt uses (never a host written here).
mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n 1)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 ~ /^'$SUITE'$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
[ -n "$mirror" ] || die "no Debian mirror in /etc/apt's sources"

work="$cache/debian-build"
root="$work/root"
# this build's own binfmt_misc entry (another build, in another cache, has its own)
fmt=vmcp-i386-$$
cleanup() {
	for m in dev/pts dev proc sys; do umount "$root/$m" 2>/dev/null || true; done
	[ -e "/proc/sys/fs/binfmt_misc/$fmt" ] && echo -1 >"/proc/sys/fs/binfmt_misc/$fmt"
	return 0
}
trap cleanup EXIT
cleanup
# never remove a tree with the host's /dev or /proc still mounted in it
for m in dev/pts dev proc sys; do
	! mountpoint -q "$root/$m" 2>/dev/null || die "$root/$m is still mounted"
done
t0=$(date +%s)
# i386 programs through qemu-user for the build: an F(ixed) entry opens the interpreter
# now, so it works inside the chroot.
[ -d /proc/sys/fs/binfmt_misc ] && [ -e /proc/sys/fs/binfmt_misc/register ] ||
	mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || die "cannot mount binfmt_misc"
qemu=$(command -v qemu-i386-static) || die "no qemu-i386-static"
register() {
	printf ':%s:M::\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x03\x00:\xff\xff\xff\xff\xff\xfe\xfe\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:%s:F\n' "$fmt" "$qemu" \
		>/proc/sys/fs/binfmt_misc/register
}
register 2>/dev/null || { sleep 1; register; } || die "cannot register qemu-i386 with binfmt_misc"

# An installed system from a build that stopped later is used again (the second stage
# is most of the time: over an hour on a loaded host).
if [ -f "$work/stage2.done" ] && [ "$(cat "$work/stage2.done")" = "$key" ]; then
	note "the installed system of an earlier build ($root)"
else
rm -rf "$work"
mkdir -p "$work"
note "building the Debian system (first time: 30-90 minutes); log in $work/build.log"

debootstrap --arch=i386 --foreign --variant=minbase --include="$PKGS" "$SUITE" "$root" "$mirror" \
	>"$work/build.log" 2>&1 || die "debootstrap (first stage) failed: $(tail -n 3 "$work/build.log")"
note "first stage done in $(( $(date +%s) - t0 )) s"
echo "first stage: $(( $(date +%s) - t0 )) s" >"$cache/debian-$key.times"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
# A targeted initramfs (as the installer's "targeted" choice makes one): the drivers of
# VMCP's PC (the PIIX IDE, disks, ext4) instead of MODULES=most's every storage driver;
# mkinitramfs's per-module work through qemu-user was a third of the build.
mkdir -p "$root/etc/initramfs-tools/conf.d" "$root/usr/share/initramfs-tools/modules.d"
echo MODULES=list >"$root/etc/initramfs-tools/conf.d/vmcp"
printf '%s\n' ata_piix ata_generic libata scsi_mod sd_mod sr_mod cdrom ext4 jbd2 mbcache crc16 \
	crc32c_generic libcrc32c >"$root/usr/share/initramfs-tools/modules.d/vmcp"
# dpkg without its fsyncs for the build (the image is written whole at the end anyway)
mkdir -p "$root/etc/dpkg/dpkg.cfg.d"
echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/vmcp-build"
chroot "$root" /debootstrap/debootstrap --second-stage >>"$work/build.log" 2>&1 ||
	die "debootstrap (second stage) failed: $(tail -n 3 "$work/build.log")"
note "second stage done in $(( $(date +%s) - t0 )) s"
echo "second stage: $(( $(date +%s) - t0 )) s" >>"$cache/debian-$key.times"
for m in dev/pts dev proc sys; do umount "$root/$m" 2>/dev/null || true; done
echo "$key" >"$work/stage2.done"
fi
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --bind /dev "$root/dev"

kver=$(ls "$root/boot" | sed -n 's/^vmlinuz-//p' | sort -V | tail -n 1)
[ -n "$kver" ] || die "no kernel in /boot"
[ -f "$root/boot/initrd.img-$kver" ] || chroot "$root" update-initramfs -c -k "$kver" >>"$work/build.log" 2>&1 ||
	die "update-initramfs failed"

# The system's settings.
uuid=$(cat /proc/sys/kernel/random/uuid)
echo vmcp-debian >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tvmcp-debian\n' >"$root/etc/hosts"
printf 'UUID=%s\t/\text4\terrors=remount-ro\t0\t1\n' "$uuid" >"$root/etc/fstab"
echo 'root:vmcp' | chroot "$root" chpasswd
rm -f "$root/etc/dpkg/dpkg.cfg.d/vmcp-build"
# the SSH server is there but off until the user turns it on
chroot "$root" systemctl disable ssh.service ssh.socket >>"$work/build.log" 2>&1 || true
[ ! -e "$root/etc/systemd/system/multi-user.target.wants/ssh.service" ] || die "ssh.service still enabled"
printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\n' "$mirror" "$SUITE" >"$root/etc/apt/sources.list.d/debian.sources"
rm -f "$root/etc/apt/sources.list"
echo "Debian GNU/Linux 12 on VMCP: log in as root, password vmcp" >"$root/etc/motd"

# GRUB for i386-pc, as grub-install sets it up, with the target's own grub-mkimage.
mkdir -p "$root/boot/grub/i386-pc"
cp "$root"/usr/lib/grub/i386-pc/*.mod "$root"/usr/lib/grub/i386-pc/*.lst "$root/boot/grub/i386-pc/"
chroot "$root" grub-mkimage -O i386-pc -o /tmp/core.img -p '(hd0,msdos1)/boot/grub' \
	biosdisk part_msdos ext2 >>"$work/build.log" 2>&1 || die "grub-mkimage failed"
mv "$root/tmp/core.img" "$work/core.img"
cp "$root/usr/lib/grub/i386-pc/boot.img" "$work/boot.img"
cat >"$root/boot/grub/grub.cfg" <<EOF
# VMCP's Debian system (tools/mkdebian.sh): the menu on the VGA screen and on COM1.
serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1
terminal_input console serial
terminal_output console serial
set timeout=3
set default=0
insmod part_msdos
insmod ext2
search --no-floppy --fs-uuid --set=root $uuid
menuentry 'Debian GNU/Linux 12 (bookworm) on VMCP' {
	echo 'Loading Linux $kver ...'
	linux /boot/vmlinuz-$kver root=UUID=$uuid ro console=tty1 console=ttyS0,115200
	echo 'Loading initial ramdisk ...'
	initrd /boot/initrd.img-$kver
}
EOF
for m in dev/pts dev proc sys; do umount "$root/$m" 2>/dev/null || true; done
for m in dev/pts dev proc sys; do
	! mountpoint -q "$root/$m" 2>/dev/null || die "$root/$m is still mounted"
done
rm -rf "$root/debootstrap" "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* 2>/dev/null || true

# The disk: an MBR with one bootable Linux partition from 1 MiB, the ext4 file system in
# it, GRUB's boot.img in the MBR's code area and core.img in the sectors after it.
part_mb=$((SIZE_MB - 1))
mkfs.ext4 -q -F -L debian -U "$uuid" -d "$root" "$work/part.img" "${part_mb}M" >>"$work/build.log" 2>&1 ||
	die "mkfs.ext4 -d failed"
disk="$work/disk.img"
rm -f "$disk"
truncate -s "${SIZE_MB}M" "$disk"
echo 'start=2048, type=83, bootable' | sfdisk -q "$disk" >>"$work/build.log" 2>&1 || die "sfdisk failed"
dd if="$work/part.img" of="$disk" bs=1M seek=1 conv=sparse,notrunc status=none
core_sectors=$(( ($(stat -c %s "$work/core.img") + 511) / 512 ))
[ "$core_sectors" -lt 2047 ] || die "core.img does not fit before the partition"
dd if="$work/boot.img" of="$disk" bs=440 count=1 conv=notrunc status=none
dd if="$work/core.img" of="$disk" bs=512 seek=1 conv=notrunc status=none
mv "$disk" "$img"
rm -rf "$work"
cp --sparse=always "$img" "$out"
echo "built: $(( $(date +%s) - t0 )) s" >>"$cache/debian-$key.times"
note "built in $(( $(date +%s) - t0 )) s: $img (kernel $kver)"
