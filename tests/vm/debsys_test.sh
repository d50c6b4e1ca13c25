#!/usr/bin/env bash
# A whole Debian 12 i386 system, installed the way a user installs one (tools/mkdebian.sh:
# debootstrap, Debian's 686 kernel and initramfs, systemd, GRUB in the MBR), boots on
# VMCP from a VD: SeaBIOS -> GRUB's menu (on COM1 as well as the screen) -> the kernel ->
# systemd -> login:. A script logs in as root and runs uname -a, /proc/cpuinfo,
# systemctl is-system-running, apt-get --version, whether openssh-server is there and
# off, and sha256sum of a file it writes,
# then poweroff, which ends the VM with exit 0. Afterwards the VD, exported, holds an
# ext4 file system that e2fsck -fn finds clean, with the session's file in it.
# Needs the image `make debian` builds once, as root, into the cache (tools/mkdebian.sh);
# skipped otherwise.
# test-timeout: 3600
. "$ROOT/tests/vm/lib.sh"
need_file /usr/share/seabios/bios.bin
# Under ASan/UBSan the release run's boot covers it (CI's time).
[ "${MODE:-}" != asan ] || { echo "skipped: the release run boots the Debian system"; exit 0; }
# The image is built once (make debian: about half an hour) into the cache; the test
# boots it when it is there, and builds it itself only when VMCP_DEBIAN_BUILD=1.
cache=${VMCP_CACHE:-/var/tmp/vmcp-cache}
img=$(ls -t "$cache"/debian-*.img 2>/dev/null | head -n 1 || true)
if [ -n "$img" ]; then
  cp --sparse=always "$img" debian.img
elif [ "${VMCP_DEBIAN_BUILD:-}" = 1 ] && [ "$(id -u)" -eq 0 ]; then
  if ! bash "$ROOT/tools/mkdebian.sh" debian.img >build.log 2>&1; then
    echo "skipped: the Debian system could not be built ($(tail -n 1 build.log))"; exit 0
  fi
else
  echo "skipped: the Debian system is not built yet (make debian, as root; then cached in $cache)"; exit 0
fi
run format --size 2G
run define vm deb --memory 256M --boot hda --cpu pentium4 --cpus 2
run define vd deb hda 1G
run vd import deb hda debian.img
ok test "$RC" -eq 0 "the Debian system's disk imported"
# The file the session writes, and its SHA-256 as the guest must print it.
text="written by the scripted session on VMCP"
sum=$(printf '%s\n' "$text" | sha256sum | cut -d' ' -f1)
cat >session.script <<EOF
wait Debian GNU/Linux 12 (bookworm) on VMCP
# the serial getty's banner (tty1's login: on the screen comes earlier; the serial
# getty flushes what was typed before it started)
wait vmcp-debian ttyS0
wait login:
type root\r
wait Password:
type vmcp\r
wait root@vmcp-debian:~#
type uname -a\r
wait GNU/Linux
type grep -m1 'model name' /proc/cpuinfo; echo cpu""s: \$(grep -c ^processor /proc/cpuinfo)\r
wait cpus: 
type systemctl is-system-running; systemctl --failed --no-legend --plain | cat; echo state-""done\r
wait state-done
type apt-get --version | head -n 1\r
wait (i386)
type dpkg-query -W -f='ssh=\${Status}' openssh-server; echo; echo ssh-""enabled: \$(systemctl is-enabled ssh)\r
wait ssh-enabled: 
type echo '$text' >/root/session.txt && sync && sha256sum /root/session.txt\r
wait $sum
type poweroff\r
wait reboot: Power down
EOF
t0=$(date +%s)
run ipl deb --headless --serial serial.txt --screen screen.txt --script session.script --timeout 1200
secs=$(( $(date +%s) - t0 ))
echo "power-on to power-off in $secs s"
# systemd and GRUB colour and place their text with escape sequences: read without them
sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\r//g' serial.txt >plain.txt
ok test "$RC" -eq 0 "the session ran and poweroff ended the VM (exit $RC)"
ok contains plain.txt "reboot: Power down" "the guest shut down and powered off"
ok contains plain.txt "Debian GNU/Linux 12 (bookworm) on VMCP" "GRUB's menu on COM1"
ok contains plain.txt "Welcome to Debian GNU/Linux 12 (bookworm)!" "systemd started"
ok grep -qE "vmcp-debian login:" plain.txt "a getty on the serial port"
ok grep -qE "^Linux vmcp-debian 6\.1\.[0-9]+-[0-9]+-686 #[0-9]+ SMP" plain.txt "uname -a: Debian's 686 kernel"
ok grep -q "^model name.*Intel(R) Pentium(R) 4 CPU" plain.txt "/proc/cpuinfo: the Pentium 4"
ok grep -q "^cpus: 2" plain.txt "both CPUs up"
ok grep -qE "^(running|degraded)" plain.txt "systemctl is-system-running: running or degraded"
if grep -q "^degraded" plain.txt; then
  echo "degraded; the failed units:"; sed -n '/is-system-running/,/state-done/p' plain.txt
fi
ok grep -qE "^apt 2\.[0-9.]+ \(i386\)" plain.txt "apt-get --version"
ok grep -qx "ssh=install ok installed" plain.txt "openssh-server is installed"
ok grep -qx "ssh-enabled: disabled" plain.txt "and off by default"
ok contains plain.txt "$sum  /root/session.txt" "sha256sum in the guest agrees with the host's"
ok contains screen.txt "reboot: Power down" "the kernel's console on the VGA screen (tty1) as well"
run vd export deb hda out.img
ok test "$RC" -eq 0 "export of the disk after power-off"
dd if=out.img of=part.img bs=1M skip=1 status=none
e2fsck -fn part.img >fsck.txt 2>&1
ok test $? -eq 0 "e2fsck -fn: the root file system is clean"
ok test "$(debugfs -R 'cat /root/session.txt' part.img 2>/dev/null)" = "$text" "the session's file is on the disk"
[ "$T_FAIL" -eq 0 ] || { show serial.txt 200; show fsck.txt; }
summary
