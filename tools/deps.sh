#!/usr/bin/env bash
# tools/deps.sh: installs the Debian packages VMCP's build, tests and demo need, if any
# is missing. Needs root (or sudo) the first time; does nothing when all are present.
# `apt-get update` may fail for one index mid-sync (shared/NOTES.md): carry on, and fail
# only if the packages themselves cannot be installed.
set -u
# xorriso and genisoimage make ISO 9660 CDs, grub-pc-bin (with grub-common's
# grub-mkrescue, xorriso and mtools) a GRUB CD: tests/vm/cdrom_test.sh, cdrom_linux_test.sh.
pkgs=(build-essential clang libclang-rt-14-dev nasm mtools dosfstools syslinux syslinux-common
      seabios python3 e2fsprogs grub-pc-bin grub-common fdisk debootstrap qemu-user-static
      xorriso genisoimage libcapstone-dev gdb)
# Tools whose presence tells whether a package is there.
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "tools/deps.sh: installing ${missing[*]}" >&2
SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null 2>&1 || echo "tools/deps.sh: apt-get update reported an error; trying anyway" >&2
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null || {
  echo "tools/deps.sh: cannot install ${missing[*]}" >&2; exit 1; }
