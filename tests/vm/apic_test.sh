#!/usr/bin/env bash
# The local APIC and the I/O APIC from a guest on the whole board: tests/vm/guest/
# apic.asm (32-bit protected mode, tests/cpu/pm/lib.inc) runs as a raw ROM (`vmcp ipl
# --bios`) on a P6 machine and prints one line per check on port E9h. Each expected
# line below says where its value comes from: the SDM (vol. 3A ch. 10), the 82093AA
# datasheet, or the virtual clock (100 million instructions per virtual second: the TSC
# counts one per instruction time and through HLT; the APIC timer's bus clock is
# 100 MHz, one count per 10 ns at divide 1).
. "$ROOT/tests/vm/lib.sh"
command -v nasm >/dev/null || { echo "skipped: nasm is not installed"; exit 0; }
nasm -f bin -I "$ROOT/tests/cpu/pm/" -I "$ROOT/tests/vm/guest/" -o apic.rom "$ROOT/tests/vm/guest/apic.asm" 2>nasm.txt ||
  { echo "FAIL apic.asm does not assemble"; cat nasm.txt; echo "0 passed, 1 failed"; exit 1; }
run format --size 16M
run define vm ap --memory 4M --cpu i686
run ipl ap --headless --bios apic.rom --debugcon e9.txt --timeout 120
ok test "$RC" -eq 0 "the program ends with HLT, interrupts off (exit $RC)"

# expect LINE: the program printed exactly this line.
expect() { ok grep -qxF -- "$1" e9.txt "$1"; }

# RESET: IA32_APIC_BASE = FEE00000 | EN (bit 11) | BSP (bit 8); CPUID.1 EDX bit 9 and
# the initial APIC ID 0 in EBX 31:24; version 14h (xAPIC) with max LVT entry 5; SVR FFh
# (software-disabled); DFR all ones; LVT entries masked (SDM 10.4.7.1).
expect "apic base msr=00000000fee00900"
expect "cpuid.1 edx.apic=1 ebx.id=00"
expect "id=00000000 version=00050014 svr=000000ff dfr=ffffffff lint0=00010000 timer=00010000"
# EN = 0: CPUID's APIC bit clears and the page is empty bus (all ones); at another base
# the registers answer there, not at FEE00000; reserved bits (EXTD, above the 36-bit
# physical address) raise #GP(0).
expect "disabled: cpuid.apic=0 version reads ffffffff"
expect "moved: at fef00030 00050014, at fee00030 ffffffff"
expect "wrmsr apic base with bit 10 (x2apic): v=0d e=0000 @+0"
expect "wrmsr apic base with bit 36: v=0d e=0000 @+0"
# One-shot, divide 1, 10000 counts = 100 us = 10000 instruction times. The initial
# count is written 2 instructions after the RDTSC, the CPU halts, the interrupt's
# delivery takes one instruction time (src/cpu/cpu.c), the handler's RDTSC is its third
# instruction: 2 + 10000 + 1 + 2 = 10005 = 2715h.
expect "one-shot 10000 while halted: tsc at the interrupt - tsc at rdtsc=00002715 count now=00000000"
# The current count one instruction (10 ns) after the write: one count less at divide
# 1; at divide 2 a count takes 20 ns: still 50000 after one instruction, 49999 after 3.
expect "divide 1: count after 1, 2 instructions=0000c34f 0000c34e"
expect "divide 2: count after 1, 3 instructions=0000c350 0000c34f"
# Periodic, 1000 counts: the first interrupt's handler reads the TSC 2 + 1000 + 1 + 2 =
# 3EDh after the RDTSC (the delivery takes one instruction time), then exactly 1000
# (3E8h) apart while the CPU runs a loop: slices end at the deadline.
expect "periodic 1000 while busy: tsc deltas=000003ed 000003e8 000003e8 000003e8 000003e8"
# Self IPIs 51h, 62h, 43h with IF=0: all in IRR; taken highest first.
expect "irr 40-5f=00020008 irr 60-7f=00000004 ppr=00"
expect "taken: 62 51 43 "
# In 71h's handler (interrupts on): 85h (class 8 > PPR 70h) nests, 65h (class 6) waits
# for 71h's EOI ("f1" is 71h's handler ending); PPR = 80h in 85h's handler.
expect "nesting: 71 85 f1 65 "
expect "ppr inside 85: 80"
# TPR 50h: 61h is taken, 43h stays requested (not in service) until TPR drops.
expect "tpr 50: taken: 61 "
expect "tpr 50: isr/irr of 43: 01"
expect "tpr 0: taken: 61 43 "
# Virtual wire: the 8259A's IRQ0 (vector 20h from the 8259A's INTA) through LINT0 in
# ExtINT mode; the APIC's ISR is not involved.
expect "extint: irqs=03 apic isr 00-1f=00000000"
# I/O APIC: version 11h with 24 entries; entries masked after reset; the PIT's IRQ0 on
# pin 0 (edge): no remote IRR, no delivery status left set.
expect "ioapic version=00170011 entry 0=00010000"
expect "ioapic pin 0 (pit, edge): irqs=03 entry=00010050"
# The SCI (PM timer overflow at bit 23: 2^23 ticks, 2.34 s) on pin 9, level-triggered:
# remote IRR set in the handler both times (the first handler's EOI without quieting
# the SCI brings the interrupt again), clear after the second quiets it.
expect "ioapic pin 9 (sci, level): irqs=02 remote irr in the handler=11 after=0 pm timer at the first=800000"
expect "end of apic"
ok test "$(grep -c UNEXPECTED e9.txt)" -eq 0 "no unexpected exception"
[ "$T_FAIL" -eq 0 ] || show e9.txt 60
summary
