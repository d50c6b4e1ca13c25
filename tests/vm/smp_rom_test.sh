#!/usr/bin/env bash
# Several processors from a guest's side: tests/vm/guest/smp.asm runs as a raw ROM
# (`vmcp ipl --bios`) on a two-CPU machine (`define vm --cpus 2`): the BSP starts the AP
# with INIT, INIT de-assert and a start-up IPI (as Linux does), exchanges IPIs with it
# (fixed, both ways, all-excluding-self, logical, NMI), both count with LOCK INC, LOCK
# XADD, LOCK CMPXCHG and under an XCHG spinlock, 100000 rounds each at the same time,
# and the BSP moves a page the AP has in its TLB, which the AP sees only after the
# shootdown IPI runs its INVLPG. Then SeaBIOS, which starts the APs itself (INIT and
# start-up IPI to all but itself) and counts them, on machines of 1, 4 and 8 CPUs;
# and `define vm --cpus` refusing what the machine cannot be.
. "$ROOT/tests/vm/lib.sh"
command -v nasm >/dev/null || { echo "skipped: nasm is not installed"; exit 0; }
nasm -f bin -I "$ROOT/tests/cpu/pm/" -o smp.rom "$ROOT/tests/vm/guest/smp.asm" 2>nasm.txt ||
  { echo "FAIL smp.asm does not assemble"; cat nasm.txt; echo "0 passed, 1 failed"; exit 1; }
run format --size 16M
run define vm two --memory 8M --cpu i686 --cpus 2
ok test "$RC" -eq 0 "define vm --cpus 2"
ok contains "$T_LOG" "VM two defined: memory 8M, cpu i686 x 2" "the definition message says two"
run directory get two.conf
ok contains "$T_LOG" "cpus = 2" "the config file holds cpus = 2"
run ipl two --headless --bios smp.rom --debugcon e9.txt --timeout 120
ok test "$RC" -eq 0 "both processors end halted with interrupts off (exit $RC)"
expect() { ok grep -qxF -- "$1" e9.txt "$1"; }
expect "paging: bsp reads aaaaaaaa"
# The AP waits for a start-up IPI after RESET: it has not run.
expect "ap before start-up: alive=0"
# APIC ID 1 in its ID register and in CPUID.1:EBX[31:24]; the second start-up IPI found
# it running and was ignored: the start-up code ran once.
expect "ap started: apic id=01000000 cpuid id=01 start-up code entered 1 time(s)"
expect "fixed ipi to apic 1: taken=1 by apic 01000000"
expect "ipi from the ap to apic 0: taken=1"
expect "all excluding self: ap took 2, bsp took 1"
expect "logical 02: ap took 3"
expect "nmi to apic 1: taken=1"
# 2 x 100000 = 30D40h each: no increment lost between the two CPUs.
expect "lock inc=00030d40 lock xadd=00030d40 lock cmpxchg=00030d40 xchg spinlock=00030d40"
expect "tlb: bsp now reads bbbbbbbb"
expect "tlb: ap before the shootdown reads aaaaaaaa"
expect "tlb: ap after the shootdown reads bbbbbbbb"
expect "end of smp"
ok test "$(grep -c UNEXPECTED e9.txt)" -eq 0 "no unexpected exception"
[ "$T_FAIL" -eq 0 ] || show e9.txt 40

# SeaBIOS counts the processors it starts (CMOS 0x5F says how many to wait for), then
# its tables list them (Linux's check is tests/vm/smp_test.sh).
need_file /usr/share/seabios/bios.bin
bash "$MKIMG" bootsect bs.img
for n in 1 4 8; do
  run define vm c$n --memory 16M --cpu i686 --cpus $n --boot hda
  run define vd c$n hda 1M
  run vd import c$n hda bs.img
  run ipl c$n --headless --serial serial$n.txt --bioslog bios$n.log --until "DONE" --timeout 120
  ok test "$RC" -eq 0 "$n CPUs: the boot sector runs (exit $RC)"
  ok contains bios$n.log "Found $n cpu(s) max supported $n cpu(s)" "$n CPUs: SeaBIOS found $n"
  ok test "$(grep -c 'handle_smp: apic_id=' bios$n.log)" -eq $((n - 1)) \
    "$n CPUs: $((n - 1)) APs ran SeaBIOS's start-up code"
done
[ "$T_FAIL" -eq 0 ] || show bios8.log 40
run define vm nine --cpus 9
ok test "$RC" -ne 0 "--cpus 9 refused (exit $RC)"
ok contains "$T_LOG" "Invalid --cpus 9" "with the option named"
run define vm zero --cpus 0
ok test "$RC" -ne 0 "--cpus 0 refused (exit $RC)"
run define vm old --cpu i486 --cpus 2
ok test "$RC" -ne 0 "--cpus 2 on an i486 (no local APIC) refused (exit $RC)"
ok contains "$T_LOG" "need cpu = i686" "and why"
summary
