#!/usr/bin/env bash
# tests/cpu/linux_pae_test.sh: Debian's i386 686-pae kernel (linux-image-6.1.0-N-686-pae,
# which refuses a CPU without PAE) end to end, by direct boot with busybox as the
# initramfs init (rdinit=):
#  - on the pentium4 model with 3.5 GiB of RAM (3584M, the most a VM has, all below
#    4 GiB): the kernel boots on PAE paging, finds NX and turns it on ("NX (Execute
#    Disable) protection: active"; EFER.NXE), maps its data and the rest of its image
#    execute-disable ("NX-protecting the kernel data") and runs on (a wrong XD check
#    would fault its own code), reads the MTRRs (blank after a direct boot: no BIOS
#    programmed them, so the kernel skips the PAT) and EFER without an MSR error, sees
#    the RAM (MemTotal, HighTotal in /proc/meminfo); user space enters the kernel by
#    SYSENTER (the vDSO's __kernel_vsyscall: SEP is advertised), so each system call of
#    the shell is a SYSENTER/SYSEXIT round trip;
#  - on the i686 model (a Pentium II: PAE and SEP, no NX): the same kernel boots and
#    says NX is missing.
# (User pages: this kernel leaves XD clear in user PTEs, on QEMU as here, so a stack or
# data RET runs; the XD checks themselves are tested by tests/cpu/pm/pm_pae.asm.)
# Skipped when Debian's packages cannot be fetched.
. "$ROOT/tests/vm/lib.sh"
need_debian_linux kernel-pae:vmlinuz-pae
bb=/bin/busybox
init="$bb mount -t proc proc /proc; $bb cat /proc/cpuinfo /proc/meminfo | $bb grep -E '^(flags|MemTotal|HighTotal)';"
init="$init $bb uname -r; $bb sleep 1; $bb poweroff -f"
run format --size 16M

# the Pentium 4: PAE and NX, 3.5 GiB
run define vm p4 --memory 3584M --cpu pentium4
ok test "$RC" -eq 0 "define vm --cpu pentium4 --memory 3584M"
run ipl p4 --headless --kernel vmlinuz-pae --initrd initrd.gz --serial p4.txt --timeout 900 \
  --append "console=ttyS0 rdinit=$bb -- sh -c \"$init\""
ok test "$RC" -eq 0 "686-pae on the Pentium 4 boots and powers off (exit $RC)"
ok grep -q 'Linux version 6\.1\.0-.*-686-pae' p4.txt "the 686-pae kernel's banner"
ok contains p4.txt "NX (Execute Disable) protection: active" "NX protection active"
ok contains p4.txt "NX-protecting the kernel data" "the kernel's data mapped execute-disable"
ok contains p4.txt "x86/PAT: MTRRs disabled, skipping PAT initialization too" \
  "MTRRs read: blank after a direct boot (MTRRdefType 0)"
ok sh -c '! grep -q "unchecked MSR access error" p4.txt' "no MSR access errors"
ok sh -c '! grep -qi "requires the following features" p4.txt' "no missing CPU feature"
mem=$(sed -n 's/^MemTotal: *\([0-9]*\) kB.*/\1/p' p4.txt | head -n 1)
high=$(sed -n 's/^HighTotal: *\([0-9]*\) kB.*/\1/p' p4.txt | head -n 1)
ok test "${mem:-0}" -gt 3400000 "MemTotal ${mem:-?} kB of 3.5 GiB"
ok test "${high:-0}" -gt 2500000 "HighTotal ${high:-?} kB (above the kernel's 896 MiB)"
flags=" $(grep -m1 '^flags' p4.txt | cut -d: -f2 | tr -d '\r') "
for f in pae sep mtrr pat nx; do
  case "$flags" in *" $f "*) ok true "CPU flag $f";; *) ok false "CPU flag $f";; esac
done
ok grep -q '^6\.1\.0-.*-686-pae' p4.txt "user space runs (uname -r)"
[ "$T_FAIL" -eq 0 ] || show p4.txt 300

# the P6 (Pentium II): PAE without NX
fail0=$T_FAIL
run define vm p6 --memory 256M --cpu i686
run ipl p6 --headless --kernel vmlinuz-pae --initrd initrd.gz --serial p6.txt --timeout 900 \
  --append "console=ttyS0 rdinit=$bb -- sh -c \"$init\""
ok test "$RC" -eq 0 "686-pae on the i686 boots and powers off (exit $RC)"
ok contains p6.txt "NX (Execute Disable) protection missing in CPU" "NX missing on the P6"
ok sh -c '! grep -q "unchecked MSR access error" p6.txt' "no MSR access errors (P6)"
ok grep -q '^6\.1\.0-.*-686-pae' p6.txt "user space runs on the P6 (uname -r)"
[ "$T_FAIL" -eq "$fail0" ] || show p6.txt 300
summary
