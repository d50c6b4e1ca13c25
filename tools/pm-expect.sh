#!/usr/bin/env bash
# tools/pm-expect.sh [NAME...]: regenerates tests/cpu/pm/NAME.expect (all programs when no
# NAME is given) from Bochs, the reference, and compares each program's output with QEMU's.
#
# Each tests/cpu/pm/NAME.asm is assembled into a 64 KiB ROM and run as the BIOS of
# Bochs 2.7 (Debian's build: the machine of /work/shared/tools/ref-run, i440FX,
# cpu model p2_klamath, or the one a "; bochs-cpu: MODEL" line in the program names;
# its debugger is told to `continue` a few times so that the run
# goes on after the reset that follows a triple fault). The bytes the program writes to
# port 0xE9 become NAME.expect. Then the same ROM runs on QEMU (-M isapc -cpu
# pentium3,-apic, as shared/NOTES.md advises for a PC-AT without an APIC) and the two
# outputs are compared; the differences are printed, not written: QEMU's TCG is not
# exact (no segment limit checks, no EXT bit, ...) and each .asm notes where it differs.
# A program whose Bochs output does not end with its "end of NAME" line, or that prints
# "UNEXPECTED", is an error: its .expect is left alone.
#
#   PM_EXPECT_SECONDS   seconds each emulator runs (default 4; the programs end in HLT)
#   PM_EXPECT_DIR       where the ROMs and raw outputs go (default: a temporary folder)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
pm=$root/tests/cpu/pm
secs=${PM_EXPECT_SECONDS:-4}
work=${PM_EXPECT_DIR:-$(mktemp -d /tmp/pm-expect.XXXXXX)}
mkdir -p "$work"
for t in nasm bochs qemu-system-i386; do
  command -v $t >/dev/null || { echo "pm-expect: $t is missing" >&2; exit 2; }
done
if [ $# -gt 0 ]; then names=("$@"); else
  names=(); for f in "$pm"/*.asm; do names+=("$(basename "$f" .asm)"); done
fi
status=0
for n in "${names[@]}"; do
  d=$work/$n; mkdir -p "$d"
  # "; bochs-cpu: MODEL" / "; qemu-cpu: MODEL" in the program: another CPU than the P6
  bcpu=$(sed -n 's/^; bochs-cpu: //p' "$pm/$n.asm" | head -n 1); bcpu=${bcpu:-p2_klamath}
  qcpu=$(sed -n 's/^; qemu-cpu: //p' "$pm/$n.asm" | head -n 1); qcpu=${qcpu:-pentium3,-apic}
  rom=$d/$n.rom
  if ! nasm -f bin -I "$pm/" -o "$rom" "$pm/$n.asm"; then
    echo "$n: does not assemble"; status=1; continue
  fi
  # Bochs: the configuration of ref-run, with the ROM as the system BIOS.
  {
    echo "display_library: sdl2"; echo "config_interface: textconfig"; echo "megs: 64"
    echo "romimage: file=$rom"; echo "vgaromimage: file=/usr/share/seabios/vgabios-isavga.bin"
    echo "pci: enabled=1, chipset=i440fx"; echo "cpu: model=$bcpu, count=1, ips=75000000"
    echo "clock: sync=none, time0=local"; echo "port_e9_hack: enabled=1"
    echo "mouse: enabled=0"; echo "speaker: enabled=0"
    echo "sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy"
    echo "log: $d/bochs.log"; echo "panic: action=fatal"; echo "error: action=report"
    echo "info: action=report"; echo "debug: action=ignore"
  } > "$d/bochsrc"
  printf 'continue\ncontinue\ncontinue\ncontinue\nquit\n' > "$d/rc"
  SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy timeout "$secs" \
    bochs -q -f "$d/bochsrc" -rc "$d/rc" > "$d/bochs.out" 2>&1
  # Port 0xE9 bytes are on Bochs's stdout, after the debugger's first line (the reset
  # vector) and between its own lines (a debugger stop after a reset, the exit banner).
  awk 'started && /^==========+$/ { exit }
       started && !/^\([0-9]+\)/ && !/^Next at t=/ { print }
       /^\(0\) \[0x0000fffffff0\]/ { started = 1 }' "$d/bochs.out" > "$d/bochs.txt"
  # QEMU, for comparison.
  rm -f "$d/qemu.txt"
  # (In a shell of its own, whose stderr takes the report when QEMU aborts, as it may
  # after a program's last line, running what it should have faulted on.)
  bash -c 'timeout "$1" qemu-system-i386 -M isapc -cpu "$4" \
    -accel tcg,thread=single -m 64 -display none -no-reboot -nodefaults \
    -chardev file,id=e9,path="$2" -device isa-debugcon,iobase=0xe9,chardev=e9 \
    -bios "$3"; true' qemu "$secs" "$d/qemu.txt" "$rom" "$qcpu" >/dev/null 2>&1
  if ! tail -n 1 "$d/bochs.txt" | grep -qx "end of $n" || grep -q UNEXPECTED "$d/bochs.txt"; then
    echo "$n: Bochs's run is incomplete or unexpected (see $d/bochs.txt, $d/bochs.log)"
    status=1; continue
  fi
  cp "$d/bochs.txt" "$pm/$n.expect"
  lines=$(wc -l < "$d/bochs.txt")
  if cmp -s "$d/bochs.txt" "$d/qemu.txt"; then
    echo "$n: $lines lines; QEMU agrees"
  else
    diff "$d/bochs.txt" "$d/qemu.txt" > "$d/qemu.diff"
    echo "$n: $lines lines; QEMU differs on $(grep -c '^<' "$d/qemu.diff") of them (< Bochs, > QEMU):"
    sed 's/^/    /' "$d/qemu.diff"
  fi
done
echo "pm-expect: outputs in $work"
exit $status
