#!/usr/bin/env bash
# Debian's i386 Linux end to end: the newest linux-image-6.1.0-N-686-unsigned (the 686
# kernel wants a P6 with CMOV and an x87) and a busybox initramfs, both made by
# tools/mkinitrd.sh from Debian's packages (cached in build/linux-cache, one cache for
# every MODE), boot by direct kernel boot on COM1 to a shell prompt. Checked on the
# serial log: the kernel finds the x87 ("x86/fpu: x87 FPU will use FSAVE", not "no FPU
# found"), no MSR access errors, init runs, busybox awk's double arithmetic on the x87
# prints what a real x87 prints, and the shell prompts "/ # "; the kernel's messages
# reach the VGA text screen too. Skipped when the packages cannot be fetched.
. "$ROOT/tests/vm/lib.sh"
need_debian_linux
run format --size 16M
run define vm lx --memory 128M --cpu i686
start=${EPOCHREALTIME/./}
run ipl lx --headless --kernel vmlinuz --initrd initrd.gz --append "console=tty0 console=ttyS0" \
  --serial serial.txt --screen screen.txt --until "/ # " --timeout 800
us=$(( ${EPOCHREALTIME/./} - start ))
echo "boot to the shell prompt: $((us / 1000000)).$(( (us / 100000) % 10 )) s wall"
ok test "$RC" -eq 0 "the kernel boots to the shell prompt (exit $RC)"
ok contains serial.txt "Linux version 6.1.0-" "the kernel's banner"
ok contains serial.txt "x86/fpu: x87 FPU will use FSAVE" "the kernel finds the x87"
ok sh -c '! grep -q "no FPU found" serial.txt' "no 'no FPU found'"
ok sh -c '! grep -q "unchecked MSR access error" serial.txt' "no MSR access errors"
ok contains serial.txt "Run /init as init process" "init starts"
ok contains serial.txt "vmcp-initrd: Linux 6.1.0-" "busybox runs"
ok contains serial.txt "vmcp-initrd: x87 0.33333333333333331 3.141592920 1.634984" \
  "x87 arithmetic in user space (busybox awk)"
ok contains serial.txt "/ # " "the shell prompt"
# console=tty0 too: the kernel's messages also go to the VGA text screen (Linux's vgacon
# programs the CRTC and scrolls by moving the start address); the dump shows the last
# 25 rows.
ok contains screen.txt "Run /init as init process" "the kernel's last lines on the VGA text screen"
ok test "$(wc -l <screen.txt)" -ge 24 "a full text screen ($(wc -l <screen.txt) lines)"
[ "$T_FAIL" -eq 0 ] || show serial.txt 400
summary
