#!/usr/bin/env bash
# tools/mkinitrd.sh: Debian's i386 Linux for VMCP, fetched from Debian's package
# registry (apt-get download + dpkg -x, nothing installed, nothing committed).
#
#   mkinitrd.sh kernel OUT CACHE   the bzImage of the newest linux-image-6.1.0-N-686-unsigned
#   mkinitrd.sh initrd OUT CACHE   a gzip'd cpio (newc) initramfs: Debian's busybox-static
#                                  (i386) as /bin/busybox, /init (below), /dev/console
#
# CACHE keeps the downloaded packages between runs. i386 packages need the i386 dpkg
# architecture (shared/NOTES.md): when it is missing and we are root it is added and
# the indexes updated. The archive is written by a few lines of Python, so /dev/console
# (character device 5,1, which Debian's kernel needs: it mounts no devtmpfs by itself)
# goes in without mknod or root. /init installs busybox's applets, mounts /proc, /sys
# and devtmpfs, prints a line of floating-point results worked out by busybox awk (i386
# code: double arithmetic on the x87; Debian's build has no math functions), then starts
# a shell with job control on the console ("/ # ").
set -eu
die() { echo "mkinitrd.sh: $*" >&2; exit 1; }
[ $# -eq 3 ] || die "usage: mkinitrd.sh kernel|initrd OUT CACHE"
what=$1 out=$2 cache=$3
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
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
kernel)
	i386_ready
	pkg=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-686-unsigned$' 2>/dev/null |
		awk '{print $1}' | sort -V | tail -n 1)
	[ -n "$pkg" ] || die "no linux-image-6.1.0-N-686-unsigned package in the indexes"
	deb=$(fetch "$pkg")
	rm -rf "$cache/kernel" && mkdir -p "$cache/kernel"
	dpkg -x "$deb" "$cache/kernel"
	cp "$cache"/kernel/boot/vmlinuz-* "$out"
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
echo "vmcp-initrd: shell"
exec setsid cttyhack sh
EOF
	python3 - "$x/bin/busybox" "$cache/init" "$out" <<'EOF'
# A cpio "newc" archive (the initramfs format, Documentation/driver-api/early-userspace/
# buffer-format.rst): a 110-byte ASCII header per entry, name and data padded to 4 bytes.
import gzip, stat, sys
busybox, init, out = sys.argv[1:4]
entries = []
def add(name, mode, data=b"", rdev=(0, 0)):
    entries.append((name, mode, data, rdev))
for d in ("bin", "dev", "proc", "sys", "tmp", "root"):
    add(d, stat.S_IFDIR | 0o755)
add("bin/busybox", stat.S_IFREG | 0o755, open(busybox, "rb").read())
add("bin/sh", stat.S_IFLNK | 0o777, b"busybox")
add("init", stat.S_IFREG | 0o755, open(init, "rb").read())
add("dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1))
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
*)
	die "usage: mkinitrd.sh kernel|initrd OUT CACHE"
	;;
esac
