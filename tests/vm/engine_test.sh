#!/usr/bin/env bash
# `vmcp ipl --engine`: the two CPU engines give the same guest, to the instruction.
# Debian's i386 kernel and the busybox initramfs (tools/mkinitrd.sh) boot by direct boot
# to the initramfs's shell line once with --engine jit and once with --engine interp;
# their serial output must be the same byte for byte (the kernel's timestamps are
# virtual time, i.e. retired instructions, so each line also says both engines had
# retired the same number of instructions when it was printed). The RTC would start at
# the host's time, which would make the two boots differ (the kernel reads it), so both
# start it at the same instant with --rtc (faketime was used before: its clock runs from
# the process's start, and a start slower than a second, under ASan on a busy host, read
# the next second). An unknown engine is refused. Skipped when the packages cannot be
# fetched.
. "$ROOT/tests/vm/lib.sh"
need_debian_linux
run format --size 16M
run define vm lx --memory 128M --cpu i686
run ipl lx --headless --engine warp --timeout 5
ok test "$RC" -ne 0 "an unknown engine is refused (exit $RC)"
ok grep -q -- "--engine takes" "$T_LOG" "with a message naming the choices"
for e in jit interp; do
  "$VMCP" ipl lx --headless --engine $e --rtc 2026-01-01T12:00:00 --kernel vmlinuz \
    --initrd initrd.gz --append console=ttyS0 --serial serial-$e.txt \
    --until "vmcp-initrd: shell" --timeout 600 >>"$T_LOG" 2>&1
  rc=$?
  ok test "$rc" -eq 0 "$e: Linux boots to the initramfs shell (exit $rc)"
done
ok test "$(wc -l <serial-jit.txt)" -gt 200 "a full kernel log ($(wc -l <serial-jit.txt) lines)"
ok grep -q "setting system clock to 2026-01-01T12:00" serial-jit.txt "the RTC started where --rtc said"
run ipl lx --headless --rtc 2026-02-29T00:00:00 --timeout 5
ok test "$RC" -ne 0 "--rtc refuses a date that is not (2026-02-29)"
ok grep -q "VMCP513E --rtc takes" "$T_LOG" "with its message"
ok cmp -s serial-jit.txt serial-interp.txt "the same serial output, timestamps included, on both engines"
[ "$T_FAIL" -eq 0 ] || diff serial-jit.txt serial-interp.txt | head -n 40
summary
