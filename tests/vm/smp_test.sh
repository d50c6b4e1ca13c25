#!/usr/bin/env bash
# Debian's SMP kernel (the 686 kernel is SMP-capable) on two processors, booted the PC
# way (SeaBIOS, SYSLINUX from a VD): SeaBIOS starts and counts the AP and writes MP and
# ACPI tables with both; Linux takes them without complaint, brings the AP up (INIT,
# start-up IPIs), runs the timer on both local APICs and the devices through the I/O
# APIC, keeps the TSC as its clocksource (the two TSCs read one time), and the busybox
# initramfs reports (vmcp.report) both CPUs online, each one's local timer interrupts
# and the IPIs between them, then powers off.
# The same boot twice with the same inputs (the RTC's start is the one input from the
# host: --rtc fixes it) prints the same kernel log, timestamps included: the CPUs
# take turns on one thread in an order only the guest decides. Under MODE=asan the boot
# runs once. Skipped when Debian's packages cannot be fetched.
. "$ROOT/tests/vm/lib.sh"
need_file /usr/share/seabios/bios.bin
need_debian_linux
bash "$MKIMG" syslinux boot.img vmlinuz initrd.gz "console=ttyS0 vmcp.report"
run format --size 64M
run define vm smp --memory 128M --cpu i686 --cpus 2 --boot hda
run define vd smp hda 16M
run vd import smp hda boot.img
ok test "$RC" -eq 0 "import the SYSLINUX disk"
runs=2
[ "${MODE:-release}" = asan ] && runs=1
for i in $(seq "$runs"); do
  start=${EPOCHREALTIME/./}
  echo "\$ vmcp ipl smp --rtc 2026-01-01T00:00:00 (run $i)" >>"$T_LOG"
  "$VMCP" ipl smp --headless --rtc 2026-01-01T00:00:00 --serial serial$i.txt --bioslog bios$i.log \
    --timeout 800 >>"$T_LOG" 2>&1
  RC=$?
  us=$(( ${EPOCHREALTIME/./} - start ))
  echo "boot $i to power-off with 2 CPUs: $((us / 1000000)).$(( (us / 100000) % 10 )) s wall"
  ok test "$RC" -eq 0 "run $i: the guest powers off (exit $RC)"
done
tr -d '\r' <serial1.txt >serial.lines
ok contains bios1.log "Found 2 cpu(s) max supported 2 cpu(s)" "SeaBIOS counted 2 CPUs"
ok contains serial1.txt "ACPI: Using ACPI (MADT) for SMP configuration information" "the MADT is used"
ok contains serial1.txt "smpboot: Allowing 2 CPUs, 0 hotplug CPUs" "both CPUs listed, enabled"
ok sh -c '! grep -qE "MP table errors|registers return all ones|Local APIC disabled|APIC: disable apic facility|not listed by the BIOS" serial1.txt' \
  "no complaint about the tables or the APICs"
ok contains serial1.txt "Enabling APIC mode:  Flat.  Using 1 I/O APICs" "symmetric I/O mode"
ok contains serial1.txt "smp: Brought up 1 node, 2 CPUs" "the AP brought up"
ok contains serial1.txt "smpboot: Total of 2 processors activated" "two processors activated"
# Linux's TSC synchronisation check (tsc_sync.c) reads both TSCs against each other
# while the CPUs interleave: one machine time, no warp. (Its clocksource watchdog may
# still distrust the TSC against jiffies when the serial console's backlog keeps
# interrupts off long enough to lose ticks: a matter of the console, not of SMP.)
ok sh -c '! grep -qE "TSC synchronization|TSC warp" serial1.txt' "no TSC warp between the CPUs"
smp2_report_ok serial.lines
ok contains serial1.txt "reboot: Power down" "the kernel powered down"
if [ "$runs" = 2 ]; then
  ok cmp -s serial1.txt serial2.txt "the second boot printed the same log, timestamps included"
  cmp -s serial1.txt serial2.txt || diff serial1.txt serial2.txt | head -n 20
fi
[ "$T_FAIL" -eq 0 ] || show serial1.txt 400
summary
