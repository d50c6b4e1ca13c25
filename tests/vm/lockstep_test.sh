#!/usr/bin/env bash
# The translator against the interpreter on a real kernel: Debian's i386 686 kernel and
# the busybox initramfs (tools/mkinitrd.sh, as linux_test.sh) boot by direct boot on two
# machines at once, one CPU on each engine, compared every 2 microseconds of virtual
# time (200 instructions) on the whole CPU state, the instruction count and the serial
# output, and every 2^24 instructions on all 128 MiB of RAM, over the first 200 million
# instructions (tests/vm/lxstep.c; LXSTEP_LIMIT=N runs further, to the shell prompt
# and beyond with N=9000000000). A difference prints the window where it appeared and
# the interpreter's trace of it. Skipped when the packages cannot be fetched.
. "$ROOT/tests/vm/lib.sh"
need_debian_linux
limit=${LXSTEP_LIMIT:-200000000}
"$BUILD/tests/vm/lxstep" --limit "$limit" vmlinuz initrd.gz >lxstep.log 2>&1
rc=$?
tail -n 3 lxstep.log
ok test "$rc" -eq 0 "lxstep exits 0 (exit $rc)"
ok grep -q "^lockstep: [0-9]* instructions in [0-9]* windows agree" lxstep.log \
  "both engines agree at every window"
n=$(sed -n 's/^lockstep: \([0-9]*\) instructions.*/\1/p' lxstep.log)
ok test "${n:-0}" -ge "$limit" "the run covered $limit instructions (${n:-none})"
[ "$T_FAIL" -eq 0 ] || show lxstep.log 300
summary
