#!/usr/bin/env bash
# The translator against the interpreter on a real kernel: Debian's i386 686 kernel and
# the busybox initramfs (tools/mkinitrd.sh, as linux_test.sh) boot by direct boot on two
# machines at once, one CPU on each engine, compared every 2 microseconds of virtual
# time (200 instructions) on the whole CPU state, the instruction count and the serial
# output, and every 2^24 instructions on all 128 MiB of RAM, over the first 200 million
# instructions (tests/vm/lxstep.c; LXSTEP_LIMIT=N runs further, to the shell prompt
# and beyond with N=9000000000). Then the same machines boot the PC way, SeaBIOS from
# the reset vector and a SYSLINUX disk (tools/mkimg.sh) with the same kernel, over
# their first 400 million instructions (the firmware's real-mode and 16-bit code, its
# disk services, SYSLINUX loading the kernel), the disks compared at the end too.
# A difference prints the window where it appeared and the interpreter's trace of it.
# Skipped when the packages cannot be fetched.
. "$ROOT/tests/vm/lib.sh"
need_debian_linux
# step NAME LIMIT ARGS...: one lxstep run and its three checks
step() {
  local name=$1 limit=$2; shift 2
  "$BUILD/tests/vm/lxstep" --limit "$limit" "$@" >"$name.log" 2>&1
  local rc=$?
  tail -n 3 "$name.log"
  ok test "$rc" -eq 0 "$name: lxstep exits 0 (exit $rc)"
  ok grep -q "^lockstep: [0-9]* instructions in [0-9]* windows agree" "$name.log" \
    "$name: both engines agree at every window"
  local n; n=$(sed -n 's/^lockstep: \([0-9]*\) instructions.*/\1/p' "$name.log")
  ok test "${n:-0}" -ge "$limit" "$name: the run covered $limit instructions (${n:-none})"
  [ "$T_FAIL" -eq 0 ] || show "$name.log" 300
}
step direct "${LXSTEP_LIMIT:-200000000}" vmlinuz initrd.gz
bash "$MKIMG" syslinux disk.img vmlinuz initrd.gz console=ttyS0 >mkimg.log 2>&1
ok test -s disk.img "a SYSLINUX disk with the kernel (tools/mkimg.sh)"
step disk "${LXSTEP_DISK_LIMIT:-400000000}" --disk disk.img
summary
