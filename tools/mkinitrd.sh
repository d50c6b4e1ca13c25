#!/usr/bin/env bash
# tools/mkinitrd.sh: Debian's i386 Linux for VMCP, fetched from Debian's package
# registry (apt-get download + dpkg -x, nothing installed, nothing committed).
#
#   mkinitrd.sh kernel OUT CACHE   the bzImage of the newest linux-image-6.1.0-N-686-unsigned;
#                                  keeps the modules for IDE disks, ext4, CD-ROMs (sr_mod)
#                                  and ISO 9660 in CACHE/modules
#   mkinitrd.sh kernel-pae OUT CACHE  the bzImage of the newest ...-686-pae-unsigned (PAE, NX)
#   mkinitrd.sh initrd OUT CACHE   a gzip'd cpio (newc) initramfs: Debian's busybox-static
#                                  (i386) as /bin/busybox, /init (below), /dev/console,
#                                  and CACHE/modules (when there) in /lib/modules
#   mkinitrd.sh rootfs DIR CACHE   a busybox root file system tree for mkfs.ext4 -d
#   mkinitrd.sh memtest OUT CACHE  memtest86+'s 32-bit image (boot/memtest86+ia32.bin of
#                                  Debian's memtest86+ package, which is built for amd64
#                                  only but carries it): a bzImage for --kernel
#
# CACHE keeps the downloaded packages between runs. i386 packages need the i386 dpkg
# architecture (shared/NOTES.md): when it is missing and we are root it is added and
# the indexes updated. The archive is written by a few lines of Python, so /dev/console
# (character device 5,1, which Debian's kernel needs: it mounts no devtmpfs by itself)
# goes in without mknod or root. /init installs busybox's applets, mounts /proc, /sys
# and devtmpfs, prints a line of floating-point results worked out by busybox awk (i386
# code: double arithmetic on the x87; Debian's build has no math functions), then starts
# a shell with job control on the console ("/ # "). With "vmcp.disk" on the kernel's
# command line it instead runs a disk test (below) and powers the machine off; with
# "vmcp.stress=N" the soak test's disk stress (tools/soak.sh) until the VM is killed.
set -eu
die() { echo "mkinitrd.sh: $*" >&2; exit 1; }
[ $# -eq 3 ] || die "usage: mkinitrd.sh kernel|kernel-pae|initrd|rootfs|memtest OUT CACHE"
what=$1 out=$2 cache=$3
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
# Tests run in parallel and share one cache: one mkinitrd.sh at a time in it.
exec 9>"$cache/.lock"
flock 9
case $out in /*) ;; *) out=$PWD/$out ;; esac

i386_ready() {
	dpkg --print-foreign-architectures 2>/dev/null | grep -qx i386 && return 0
	[ "$(id -u)" -eq 0 ] || die "the i386 dpkg architecture is missing (dpkg --add-architecture i386, as root)"
	dpkg --add-architecture i386
	apt-get update -q >/dev/null 2>&1 || true # one index may be mid-sync: carry on
}

# fetch PACKAGE: the .deb of PACKAGE:i386 in the cache (downloaded once); prints its path.
fetch() {
	local deb
	deb=$(ls "$cache/$1"_*_i386.deb 2>/dev/null | head -n 1)
	if [ -z "$deb" ]; then
		i386_ready
		(cd "$cache" && apt-get download -q "$1:i386" >/dev/null 2>&1) ||
			die "apt-get download $1:i386 failed"
		deb=$(ls "$cache/$1"_*_i386.deb 2>/dev/null | head -n 1)
		[ -n "$deb" ] || die "no $1 package after the download"
	fi
	echo "$deb"
}

case $what in
memtest)
	deb=$(ls "$cache"/memtest86+_*.deb 2>/dev/null | head -n 1)
	if [ -z "$deb" ]; then
		(cd "$cache" && apt-get download -q memtest86+ >/dev/null 2>&1) ||
			die "apt-get download memtest86+ failed"
		deb=$(ls "$cache"/memtest86+_*.deb 2>/dev/null | head -n 1)
		[ -n "$deb" ] || die "no memtest86+ package after the download"
	fi
	rm -rf "$cache/memtest" && mkdir -p "$cache/memtest"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$cache/memtest" ./boot/memtest86+ia32.bin
	cp "$cache/memtest/boot/memtest86+ia32.bin" "$out"
	rm -rf "$cache/memtest"
	;;
kernel-pae)
	# the 686-pae flavour's bzImage alone (PAE paging, NX; the modules are the 686's)
	i386_ready
	pkg=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-686-pae-unsigned$' 2>/dev/null |
		awk '{print $1}' | sort -V | tail -n 1)
	[ -n "$pkg" ] || die "no linux-image-6.1.0-N-686-pae-unsigned package in the indexes"
	deb=$(fetch "$pkg")
	rm -rf "$cache/kernel-pae" && mkdir -p "$cache/kernel-pae"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$cache/kernel-pae" --wildcards './boot/vmlinuz-*'
	cp "$cache"/kernel-pae/boot/vmlinuz-* "$out"
	rm -rf "$cache/kernel-pae"
	;;
kernel)
	i386_ready
	pkg=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-686-unsigned$' 2>/dev/null |
		awk '{print $1}' | sort -V | tail -n 1)
	[ -n "$pkg" ] || die "no linux-image-6.1.0-N-686-unsigned package in the indexes"
	deb=$(fetch "$pkg")
	rm -rf "$cache/kernel" && mkdir -p "$cache/kernel"
	dpkg -x "$deb" "$cache/kernel"
	cp "$cache"/kernel/boot/vmlinuz-* "$out"
	# The modules a disk needs (Debian builds libata, SCSI and ext4 as modules): ata_piix
	# (the PIIX3 IDE function), sd_mod (/dev/sdX), ext4 and crc32c_generic (ext4's
	# metadata checksums); for a CD-ROM sr_mod (/dev/sr0, with cdrom) and isofs; with
	# everything they depend on, in load order.
	rm -rf "$cache/modules" && mkdir -p "$cache/modules"
	python3 - "$cache/kernel/lib/modules" "$cache/modules" ata_piix sd_mod crc32c_generic ext4 sr_mod isofs <<'PY'
# Each .ko names its dependencies in its .modinfo section ("depends=a,b"); walk them
# depth first so that every module comes after those it needs.
import os, re, shutil, sys
root, dest, wanted = sys.argv[1], sys.argv[2], sys.argv[3:]
path = {}
for d, _, files in os.walk(root):
    for f in files:
        if f.endswith(".ko"):
            path[f[:-3].replace("-", "_")] = os.path.join(d, f)
order = []
def visit(name):
    name = name.replace("-", "_")
    if name in order:
        return
    if name not in path:
        sys.exit("mkinitrd.sh: no module " + name)
    m = re.search(rb"\0depends=([^\0]*)\0", open(path[name], "rb").read())
    for dep in (m.group(1).decode().split(",") if m and m.group(1) else []):
        visit(dep)
    order.append(name)
for w in wanted:
    visit(w)
for name in order:
    shutil.copy(path[name], os.path.join(dest, name + ".ko"))
open(os.path.join(dest, "order"), "w").write("\n".join(order) + "\n")
PY
	rm -rf "$cache/kernel"
	;;
initrd)
	command -v python3 >/dev/null || die "python3 missing (tools/deps.sh installs it)"
	deb=$(fetch busybox-static)
	x="$cache/busybox-x"
	rm -rf "$x" && mkdir -p "$x"
	dpkg -x "$deb" "$x"
	[ -x "$x/bin/busybox" ] || die "no bin/busybox in $deb"
	cat >"$cache/init" <<'EOF'
#!/bin/sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "vmcp-initrd: $(uname -s) $(uname -r) $(uname -m)"
awk 'BEGIN { for (k = 1; k <= 100; k++) s += 1 / (k * k)
	printf "vmcp-initrd: x87 %.17g %.9f %.6f\n", 1 / 3, 355 / 113, s }'
# vmcp.kallsyms: the kernel's own symbol table (/proc/kallsyms, "ADDRESS TYPE NAME" lines:
# a System.map's) on the console between two marker lines, then a power-off. Debian's
# kernel package ships only a stub System.map (the real one is in the -dbg package, some
# 700 MB), so tests/vm/lib.sh's need_linux_sysmap makes one this way.
if grep -q vmcp.kallsyms /proc/cmdline; then
	echo 1 >/proc/sys/kernel/printk
	echo 0 >/proc/sys/kernel/kptr_restrict
	echo "vmcp-initrd: kallsyms begin"
	cat /proc/kallsyms
	echo "vmcp-initrd: kallsyms end"
	sleep 1
	poweroff -f
fi
# vmcp.report: how the machine looks to Linux (tests/vm/debian_test.sh, smp_test.sh):
# the CPUs online, /proc/interrupts, the clock event devices and the clocksource; then
# a power-off (with vmcp.disk: after the disk test, before its power-off).
report() {
	echo "vmcp-initrd: cpus $(nproc) online $(cat /sys/devices/system/cpu/online)"
	grep -E 'CPU|PIC|LOC|RES|CAL|TLB|SPU|ERR' /proc/interrupts | sed 's/^/vmcp-initrd: irq /'
	grep -E '^Clock Event Device' /proc/timer_list | sed 's/^/vmcp-initrd: /'
	echo "vmcp-initrd: clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
	sleep 2 # the tty drains (serial output through the tty runs slower than the line)
}
if grep -q vmcp.report /proc/cmdline && ! grep -q vmcp.disk /proc/cmdline; then
	report
	echo "vmcp-initrd: power off"
	sleep 1
	poweroff -f
fi
# vmcp.disk on the command line: the disk test (tests/vm/debian_test.sh). Loads the
# modules, lists the disks Linux found (name, sectors, ATA port and target), then finds
# each by its size in sectors as the command line gives it: vmcp.boot=N (prints the MD5
# of its first MiB), vmcp.raw=N (writes 16 KiB at sector 100), vmcp.ext4=N (mounts it,
# prints /hello.txt, writes /from-linux.txt, unmounts); powers off (ACPI S5).
modules() {
	for m in $(cat /lib/modules/order); do insmod /lib/modules/$m.ko || echo "vmcp-initrd: insmod $m failed"; done
}
# arg NAME: the number NAME= gives on the kernel command line (empty if none).
arg() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" /proc/cmdline; }
# disk ROLE: /dev/sdX of the disk whose size in sectors vmcp.ROLE= gives, waiting up to
# 10 s for the driver to find it (empty if there is no such argument or disk).
disk() {
	local n=$(arg vmcp.$1) t=0 b
	[ -n "$n" ] || return 0
	while [ $t -lt 100 ]; do
		for b in /sys/block/sd*; do
			[ "$(cat $b/size 2>/dev/null)" = "$n" ] && { echo /dev/${b##*/}; return 0; }
		done
		sleep 0.1; t=$((t + 1))
	done
}
if grep -q vmcp.disk /proc/cmdline; then
	modules
	boot=$(disk boot) raw=$(disk raw) ext4=$(disk ext4)
	for b in /sys/block/sd*; do
		echo "vmcp-initrd: disk ${b##*/} $(cat $b/size) $(readlink -f $b/device | grep -o 'ata[0-9]*/host[0-9]*/target[0-9:]*')"
	done
	echo 1 >/proc/sys/kernel/printk # no kernel lines in the middle of ours
	[ -n "$boot" ] && echo "vmcp-initrd: boot $(dd if=$boot bs=64k count=16 2>/dev/null | md5sum)"
	if [ -n "$raw" ]; then
		awk 'BEGIN { for (i = 0; i < 1024; i++) printf "vmcp-linux-%04d|", i }' > /tmp/pat
		dd if=/tmp/pat of=$raw bs=512 seek=100 conv=fsync 2>/dev/null &&
			echo "vmcp-initrd: raw written $(md5sum < /tmp/pat)"
	fi
	if [ -n "$ext4" ] && mkdir -p /mnt && mount -t ext4 $ext4 /mnt; then
		echo "vmcp-initrd: ext4 hello: $(cat /mnt/hello.txt)"
		echo "written by Linux $(uname -r) on VMCP" > /mnt/from-linux.txt
		umount /mnt && echo "vmcp-initrd: ext4 written and unmounted"
	fi
	sync
	grep -q vmcp.report /proc/cmdline && report
	echo "vmcp-initrd: power off"
	sleep 1 # the console's output drains before the kernel's shutdown messages
	echo 7 >/proc/sys/kernel/printk
	poweroff -f
fi
# vmcp.stress=N: the soak test's disk stress (tools/soak.sh) on the ext4 disk of N
# sectors, until the VM is killed: first every file the manifest lists is checked
# against its MD5 (what the last run synced must be there after a kill at any point),
# then, round after round, a new file of random bytes is written and synced, entered in
# the manifest (a new manifest synced and renamed over the old one, so that it is whole
# after any kill), every listed file verified, and the oldest removed (from the
# manifest first) beyond 16. Each boot and round prints one line on the console.
if [ -n "$(arg vmcp.stress)" ]; then
	modules
	d=$(disk stress)
	mkdir -p /mnt
	if [ -z "$d" ] || ! mount -t ext4 $d /mnt; then
		echo "vmcp-stress: no ext4 disk of $(arg vmcp.stress) sectors"
		poweroff -f
	fi
	echo 1 >/proc/sys/kernel/printk
	cd /mnt
	[ -f manifest ] || { : >manifest; sync; }
	# verify: checks every file the manifest lists; sets n (files) and bad (mismatches)
	verify() {
		n=0 bad=0
		while read -r sum name; do
			n=$((n + 1))
			[ "$(md5sum <"$name" 2>/dev/null)" = "$sum  -" ] ||
				{ bad=$((bad + 1)); echo "vmcp-stress: MISMATCH $name"; }
		done <manifest
	}
	boots=$(($(cat boots 2>/dev/null || echo 0) + 1))
	echo $boots >boots.new && sync && mv boots.new boots && sync
	verify
	echo "vmcp-stress: boot $boots: $n files in the manifest, $bad bad"
	# the last round: round's count, or the manifest's newest file when a kill came
	# between its entry and round's update
	r=$(cat round 2>/dev/null || echo 0)
	last=$(tail -n 1 manifest | sed -n 's/.* f\([0-9]*\)$/\1/p')
	[ -n "$last" ] && [ "$last" -gt "$r" ] && r=$last
	while :; do
		r=$((r + 1))
		dd if=/dev/urandom of=f$r bs=1k count=$((r * 37 % 700 + 1)) 2>/dev/null
		sync
		{ cat manifest; echo "$(md5sum <f$r | cut -d' ' -f1) f$r"; } >manifest.new
		sync && mv manifest.new manifest && sync
		echo $r >round.new && sync && mv round.new round
		if [ "$(wc -l <manifest)" -gt 16 ]; then
			old=$(head -n 1 manifest | cut -d' ' -f2)
			tail -n +2 manifest >manifest.new && sync && mv manifest.new manifest && sync
			rm -f "$old"
		fi
		sync
		verify
		echo "vmcp-stress: round $r: $n files verified, $bad bad"
	done
fi
# vmcp.cdrom: the CD-ROM test (tests/vm/cdrom_linux_test.sh). Loads the modules, waits
# for /dev/sr0, prints its size in 512-byte sectors and the MD5 of its first 4 MiB,
# mounts it (ISO 9660) and prints /data/hello.txt and the MD5 of /data/blob.bin (the
# tray unlocked: dev.cdrom.lock = 0); then,
# for discs 2 and 3, says it waits for one, opens the drive every half second until its
# size changes (an open checks for a media change, the way a desktop's poller does), and
# prints the same of the new disc; powers off.
cdrom_report() {
	echo "vmcp-initrd: cdrom disc $1: sr0 $(cat /sys/block/sr0/size) sectors"
	echo "vmcp-initrd: cdrom disc $1: head $(dd if=/dev/sr0 bs=64k count=64 2>/dev/null | md5sum)"
	if mount -t iso9660 -o ro /dev/sr0 /mnt; then
		echo "vmcp-initrd: cdrom disc $1: hello: $(cat /mnt/data/hello.txt)"
		echo "vmcp-initrd: cdrom disc $1: blob $(md5sum </mnt/data/blob.bin)"
		umount /mnt
	else
		echo "vmcp-initrd: cdrom disc $1: mount failed"
	fi
}
if grep -q vmcp.cdrom /proc/cmdline; then
	modules
	t=0
	while [ ! -b /dev/sr0 ] && [ $t -lt 100 ]; do sleep 0.1; t=$((t + 1)); done
	# The cdrom driver locks the tray while the drive is open (PREVENT MEDIUM REMOVAL),
	# and the drive then refuses to give its disc up, as a real one does; the discs
	# change under the polling below, so it must not lock.
	echo 0 >/proc/sys/dev/cdrom/lock
	echo 1 >/proc/sys/kernel/printk
	mkdir -p /mnt
	cdrom_report 1
	for n in 2 3; do
		old=$(cat /sys/block/sr0/size)
		echo "vmcp-initrd: cdrom waiting for disc $n"
		t=0
		while [ $t -lt 600 ]; do
			dd if=/dev/sr0 of=/dev/null bs=2048 count=1 2>/dev/null
			new=$(cat /sys/block/sr0/size)
			[ "$new" != "$old" ] && [ "$new" != 0 ] && break
			sleep 0.5; t=$((t + 1))
		done
		cdrom_report $n
	done
	echo "vmcp-initrd: power off"
	sleep 1
	echo 7 >/proc/sys/kernel/printk
	poweroff -f
fi
# vmcp.root=N: the root file system is the ext4 disk of N sectors (made by "mkinitrd.sh
# rootfs"): load the modules, mount it and hand over to its /sbin/init.
if [ -n "$(arg vmcp.root)" ]; then
	modules
	root=$(disk root)
	mkdir -p /newroot
	if [ -n "$root" ] && mount -t ext4 $root /newroot; then
		echo "vmcp-initrd: root $root, switching to its /sbin/init"
		umount /sys /proc
		umount /dev
		exec switch_root /newroot /sbin/init
	fi
	echo "vmcp-initrd: no root file system on a disk of $(arg vmcp.root) sectors"
fi
echo "vmcp-initrd: shell"
exec setsid cttyhack sh
EOF
	python3 - "$x/bin/busybox" "$cache/init" "$out" "$cache/modules" <<'EOF'
# A cpio "newc" archive (the initramfs format, Documentation/driver-api/early-userspace/
# buffer-format.rst): a 110-byte ASCII header per entry, name and data padded to 4 bytes.
import gzip, os, stat, sys
busybox, init, out, mods = sys.argv[1:5]
entries = []
def add(name, mode, data=b"", rdev=(0, 0)):
    entries.append((name, mode, data, rdev))
for d in ("bin", "dev", "proc", "sys", "tmp", "root"):
    add(d, stat.S_IFDIR | 0o755)
add("bin/busybox", stat.S_IFREG | 0o755, open(busybox, "rb").read())
add("bin/sh", stat.S_IFLNK | 0o777, b"busybox")
add("init", stat.S_IFREG | 0o755, open(init, "rb").read())
add("dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1))
if os.path.isfile(os.path.join(mods, "order")):
    add("lib", stat.S_IFDIR | 0o755)
    add("lib/modules", stat.S_IFDIR | 0o755)
    for f in sorted(os.listdir(mods)):
        add("lib/modules/" + f, stat.S_IFREG | 0o644, open(os.path.join(mods, f), "rb").read())
def pad(n):
    return b"\0" * (-n % 4)
arc = bytearray()
for ino, (name, mode, data, rdev) in enumerate(entries + [("TRAILER!!!", 0, b"", (0, 0))], 1):
    nm = name.encode() + b"\0"
    fields = (ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(nm), 0)
    hdr = b"070701" + b"".join(b"%08X" % f for f in fields)
    arc += hdr + nm + pad(len(hdr) + len(nm)) + data + pad(len(data))
with gzip.open(out, "wb", 9) as f:
    f.write(arc)
EOF
	rm -rf "$x"
	;;
rootfs)
	# A root file system tree in OUT (a directory), for mkfs.ext4 -d: busybox as init,
	# /etc/inittab, /etc/init.d/rcS. rcS mounts /proc, /sys and /dev, counts boots in
	# /var/boots (on the disk: it survives the VM), prints a line, and with vmcp.poweroff
	# on the command line asks init to power the machine off (init then unmounts what
	# it can and remounts / read-only, "umount -a -r", as a clean shutdown does).
	deb=$(fetch busybox-static)
	x="$cache/busybox-x"
	rm -rf "$x" && mkdir -p "$x"
	dpkg -x "$deb" "$x"
	[ ! -e "$out" ] || [ -z "$(ls -A "$out")" ] || die "$out exists and is not empty"
	mkdir -p "$out"
	for d in bin sbin etc/init.d dev proc sys tmp root var; do mkdir -p "$out/$d"; done
	cp "$x/bin/busybox" "$out/bin/busybox"
	rm -rf "$x"
	ln -s busybox "$out/bin/sh"
	ln -s ../bin/busybox "$out/sbin/init"
	cat >"$out/etc/inittab" <<'EOT'
::sysinit:/etc/init.d/rcS
::respawn:-/bin/sh
::shutdown:/bin/busybox umount -a -r
EOT
	cat >"$out/etc/init.d/rcS" <<'EOT'
#!/bin/sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
n=$(cat /var/boots 2>/dev/null || echo 0)
n=$((n + 1))
echo $n >/var/boots
sync
echo "vmcp-root: Linux $(uname -r), / is $(awk '$2 == "/" { print $1, $3 }' /proc/mounts), boot $n of this disk"
if grep -q vmcp.poweroff /proc/cmdline; then
	echo "vmcp-root: power off"
	poweroff
fi
EOT
	chmod 755 "$out/etc/init.d/rcS"
	;;
*)
	die "usage: mkinitrd.sh kernel|kernel-pae|initrd|rootfs|memtest OUT CACHE"
	;;
esac
