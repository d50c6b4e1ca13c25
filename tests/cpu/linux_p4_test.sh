#!/usr/bin/env bash
# tests/cpu/linux_p4_test.sh: Debian's i386 686 kernel on the pentium4 CPU model, end
# to end: `define vm --cpu pentium4`, a direct kernel boot with busybox as the initramfs
# init (rdinit=), which mounts /proc, prints /proc/cpuinfo, the MD5 of its own binary and
# powers off. Checked on the serial log: the kernel takes the CPU for the Pentium 4 it is
# (family 15, model 3, stepping 4, the brand string), saves the FPU state with FXSAVE,
# finds every feature VMCP implements (fpu pse tsc msr pae cx8 apic sep mtrr pge cmov pat
# clflush mmx fxsr sse sse2 nx pni) and none it does not (ht, monitor, ssse3, pse36, mca),
# reads the
# Pentium 4's MSRs without an error (IA32_MISC_ENABLE: fast strings stay on); and user
# space, whose static glibc picks its SSE2 string functions from CPUID, computes the MD5
# of the busybox binary the host computes. Skipped when Debian's packages cannot be
# fetched (tests/vm/lib.sh).
. "$ROOT/tests/vm/lib.sh"
need_debian_linux
run format --size 16M
run define vm p4 --memory 128M --cpu pentium4
ok test "$RC" -eq 0 "define vm --cpu pentium4"
bb=/bin/busybox
init="$bb mount -t proc proc /proc; $bb cat /proc/cpuinfo; $bb md5sum $bb; $bb sleep 1; $bb poweroff -f"
run ipl p4 --headless --kernel vmlinuz --initrd initrd.gz --serial serial.txt --timeout 800 \
  --append "console=ttyS0 rdinit=$bb -- sh -c \"$init\""
ok test "$RC" -eq 0 "the kernel boots and powers off (exit $RC)"
ok contains serial.txt "Linux version 6.1.0-" "the kernel's banner"
ok contains serial.txt "x86/fpu: x87 FPU will use FXSAVE" "FXSAVE/FXRSTOR for the FPU state"
ok sh -c '! grep -q "unchecked MSR access error" serial.txt' "no MSR access errors"
ok sh -c '! grep -q "Disabled fast string operations" serial.txt' "IA32_MISC_ENABLE: fast strings on"
ok grep -qP '^cpu family\t: 15\r?$' serial.txt "cpu family 15"
ok grep -qP '^model\t\t: 3\r?$' serial.txt "model 3"
ok grep -qP '^stepping\t: 4\r?$' serial.txt "stepping 4"
ok contains serial.txt "Intel(R) Pentium(R) 4 CPU 2.80GHz" "the brand string"
flags=" $(grep -m1 '^flags' serial.txt | cut -d: -f2 | tr -d '\r') "
has_flag() { case "$flags" in *" $1 "*) return 0;; esac; return 1; }
lacks_flag() { ! has_flag "$1"; }
for f in fpu pse tsc msr pae cx8 apic sep mtrr pge cmov pat clflush mmx fxsr sse sse2 nx pni; do
  ok has_flag $f "CPU flag $f"
done
for f in ht monitor ssse3 vme de pse36 mca mce; do
  ok lacks_flag $f "no CPU flag $f"
done
# the MD5 of /bin/busybox as the host sees it in the initramfs (gzip'd newc cpio)
want=$(python3 - initrd.gz <<'PY'
import gzip, hashlib, sys
d = gzip.open(sys.argv[1]).read()
p = 0
while d[p:p + 6] == b"070701":
    size, namesize = int(d[p + 54:p + 62], 16), int(d[p + 94:p + 102], 16)
    name = d[p + 110:p + 110 + namesize - 1].decode()
    p = (p + 110 + namesize + 3) & ~3
    if name.lstrip("/") == "bin/busybox":
        print(hashlib.md5(d[p:p + size]).hexdigest())
        break
    p = (p + size + 3) & ~3
PY
)
ok test -n "$want" "busybox found in the initramfs"
ok contains serial.txt "$want  /bin/busybox" "user space computes busybox's MD5 ($want)"
[ "$T_FAIL" -eq 0 ] || show serial.txt 400
summary
