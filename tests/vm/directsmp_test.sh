#!/usr/bin/env bash
# Direct kernel boot (`ipl --kernel`, no BIOS) on two processors. Without SeaBIOS there
# are no firmware tables unless the board writes them: it writes the MP Specification
# 1.4 table SeaBIOS would (src/vm/mptable.c, in the 1 KiB the e820 map reserves below
# 640 KiB), so that a guest finds the other processor and the I/O APIC as it does
# through the BIOS (QEMU's -kernel with -smp does the same through its firmware).
# Two guests from Debian's packages read it: the 686 kernel (MP table, symmetric I/O
# mode, the AP brought up, the devices through the I/O APIC; the busybox initramfs
# reports both CPUs online and their interrupts) and memtest86+ (it starts the second
# CPU itself and tests RAM with both: a whole pass without an error; on the interpreter
# and under MODE=asan up to its fifth test). Skipped when the packages cannot be fetched.
. "$ROOT/tests/vm/lib.sh"
need_debian_linux
run format --size 16M
run define vm lx --memory 128M --cpus 2
run ipl lx --headless --rtc 2026-01-01T00:00:00 --kernel vmlinuz --initrd initrd.gz \
  --append "console=ttyS0 vmcp.report" --serial serial.txt --until "vmcp-initrd: power off" --timeout 600
ok test "$RC" -eq 0 "Linux runs its report to the end (exit $RC)"
tr -d '\r' <serial.txt >serial.lines
ok contains serial.txt "found SMP MP-table at [mem 0x0009fc00-0x0009fc0f]" "the floating pointer found"
ok contains serial.txt "Intel MultiProcessor Specification v1.4" "the MP table is used"
ok contains serial.txt "MPTABLE: OEM ID: VMCP" "the board's table"
ok contains serial.txt "Processors: 2" "two processors listed"
ok contains serial.txt "IOAPIC[0]: apic_id 2, version 17, address 0xfec00000, GSI 0-23" \
  "the I/O APIC, with an ID after the processors'"
ok sh -c '! grep -qE "MP table errors|BIOS bug|not listed by|MADT or MP tables are not detected|unknown (bus|entry)" serial.txt' \
  "no complaint about the table"
ok contains serial.txt "Enabling APIC mode:  Flat.  Using 1 I/O APICs" "symmetric I/O mode"
ok contains serial.txt "smp: Brought up 1 node, 2 CPUs" "the AP brought up"
smp2_report_ok serial.lines
ok grep -qE "vmcp-initrd: irq +4: +[0-9]+ +[0-9]+ +IO-APIC +4-edge +ttyS0" serial.lines \
  "COM1 through I/O APIC pin 4"

# memtest86+ (Debian's package; its 32-bit image boots by the Linux boot protocol)
if ! bash "$ROOT/tools/mkinitrd.sh" memtest memtest.bin "$ROOT/build/linux-cache" >>fetch.log 2>&1; then
  echo "memtest86+ skipped: the package could not be fetched ($(tail -n 1 fetch.log))"
  summary
  exit
fi
until="Pass:  1"
# a whole pass takes ~30 s of CPU with the translator: on the interpreter and under the
# sanitizers up to the fifth test only
if [ "${MODE:-release}" = asan ] || [ "${VMCP_ENGINE:-}" = interp ]; then
  until="Moving inversions, 8 bit"
fi
run define vm mt --memory 32M --cpus 2
run ipl mt --headless --kernel memtest.bin --append "console=ttyS0,115200" --serial mt.txt \
  --screen mtscreen.txt --until "$until" --timeout 900
ok test "$RC" -eq 0 "memtest86+ reaches \"$until\" (exit $RC)"
ok contains mt.txt "SMP: 2T (PAR)" "memtest86+ runs on 2 CPUs in parallel"
ok grep -q "L2 Cache:  512KB" mtscreen.txt "memtest86+ reads a Pentium II's caches (CPUID leaf 2)"
ok contains mt.txt "Errors: 0" "memtest86+ counts errors"
ok sh -c '! grep -aqE "Errors: +[1-9]" mt.txt' "memtest86+ finds no error"
if [ "$until" = "Pass:  1" ]; then
  ok grep -qE "Status: Pass" mtscreen.txt "a whole pass (the screen says Pass)"
fi
[ "$T_FAIL" -eq 0 ] || { show serial.txt; tail -c 3000 mt.txt; }
summary
