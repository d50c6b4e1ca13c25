#!/usr/bin/env bash
# bench/run.sh: `make bench` (with $BUILD and $VMCP set). Speed is measured here, never
# in timed tests. Figures vary by 10-20 % with the load of neighbours on a shared host:
# compare within one run.
#   bench/vd      the VD manager against raw pread/pwrite on the same file
#   bench/cpu.sh  guest MIPS of the CPU, side by side with QEMU (TCG) and Bochs
#   bench/boot.sh wall-clock boot of one SYSLINUX disk on VMCP, QEMU and Bochs: the
#                 test kernel, then Debian's Linux to its first shell line
set -u
: "${BUILD:?}" "${VMCP:?}"
status=0
echo "== VD manager: bench/vd"
"$BUILD/bench/vd" || status=1
bash bench/cpu.sh || status=1
echo "== Boot: bench/boot.sh"
bash bench/boot.sh 3 testkernel || status=1
bash bench/boot.sh 1 linux || status=1
exit $status
