#!/usr/bin/env bash
# bench/cpu.sh: CPU speed figures (run by bench/run.sh, with $BUILD and $VMCP set).
#
# CPU: guest MIPS of VMCP's two engines (the translator, jit, and the interpreter,
# interp) on bench/loop.asm (ALU, memory, branches, call/ret, stack, REP MOVS/STOS in
# flat 32-bit protected mode), measured in-process by bench/cpu (best of 3); then the
# x87 loop (bench/x87loop.asm) once per engine. Then the same
# guest code side by side on QEMU (TCG) and Bochs when they are installed: bench/boot.asm
# + the loop make a boot floppy that ends in a triple fault, which makes both exit (QEMU
# -no-reboot, Bochs reset_on_triple_fault=0).
# Each emulator runs it with two iteration counts; MIPS = difference in guest
# instructions (VMCP's count of the same code) / difference in wall time, so boot and
# start-up time cancel out. Timings on this shared 2-core host vary by 10-20 %.
set -u
: "${BUILD:?}"
cpu=$BUILD/bench/cpu
[ -x "$cpu" ] || { echo "bench: $cpu is missing (run make first)"; exit 1; }
work=$BUILD/bench-work
mkdir -p "$work"

for engine in jit interp; do
  echo "== CPU: bench/loop.asm on VMCP, engine $engine (in-process, best of 3)"
  best=""
  for _ in 1 2 3; do
    line=$(VMCP_ENGINE=$engine "$cpu" 200000) || exit 1
    mips=$(awk '{print $(NF-10)}' <<<"$line")
    if [ -z "$best" ] || awk -v a="$mips" -v b="$best" 'BEGIN{exit !(a>b)}'; then best=$mips; bestline=$line; fi
  done
  echo "$bestline"
done
echo "== x87: bench/x87loop.asm on VMCP (in-process; 11 of 13 instructions are x87 ones)"
for engine in jit interp; do
  printf '%-7s' "$engine:"; VMCP_ENGINE=$engine "$cpu" --x87 || exit 1
done

now() { echo "${EPOCHREALTIME/./}"; } # microseconds
image() { # image ITER -> path of a boot floppy running ITER iterations
  "$cpu" --dump "$work/loop.$1.bin" "$1" || exit 1
  cat "$work/boot.bin" "$work/loop.$1.bin" > "$work/img.$1"
  truncate -s 1474560 "$work/img.$1"
  echo "$work/img.$1"
}
# mips NAME N1 N2 CMD... : runs CMD with the image for N1 and N2 iterations ({} = image)
mips() {
  local name=$1 n1=$2 n2=$3; shift 3
  local i1 i2 t1 t2 s img
  i1=$("$cpu" --count "$n1"); i2=$("$cpu" --count "$n2")
  for n in "$n1" "$n2"; do
    img=$(image "$n")
    local args=()
    for a in "$@"; do args+=("${a//\{\}/$img}"); done
    s=$(now); "${args[@]}" >"$work/$name.$n.out" 2>&1; local rc=$?
    local t=$(( $(now) - s ))
    [ "$n" = "$n1" ] && t1=$t || t2=$t
    grep -q . "$work/$name.$n.out" 2>/dev/null && [ $rc -gt 1 ] && echo "  ($name exited $rc, see $work/$name.$n.out)"
  done
  awk -v n="$name" -v i1="$i1" -v i2="$i2" -v t1="$t1" -v t2="$t2" 'BEGIN{
    d=(t2-t1)/1e6; if (d<=0) {print "  " n ": no usable timing"; exit}
    printf "  %-6s %.0f guest instructions in %.2f s (%.2f s - %.2f s): %.1f MIPS\n", n, i2-i1, d, t2/1e6, t1/1e6, (i2-i1)/d/1e6}'
}

echo "== Side by side: the same loop from a boot floppy (difference of two runs)"
if ! command -v nasm >/dev/null; then
  echo "  skipped: nasm is missing (tools/deps.sh installs it)"
  exit 0
fi
nasm -f bin -o "$work/boot.bin" bench/boot.asm || exit 1

# VMCP by the same method (in-process runs, so no boot; the figure is comparable)
i1=$("$cpu" --count 2000); i2=$("$cpu" --count 200000)
for engine in jit interp; do
  s=$(now); VMCP_ENGINE=$engine "$cpu" 2000 >/dev/null; t1=$(( $(now) - s ))
  s=$(now); VMCP_ENGINE=$engine "$cpu" 200000 >/dev/null; t2=$(( $(now) - s ))
  awk -v n="vmcp-$engine" -v i1="$i1" -v i2="$i2" -v t1="$t1" -v t2="$t2" 'BEGIN{d=(t2-t1)/1e6;
    printf "  %-11s %.0f guest instructions in %.2f s: %.1f MIPS\n", n, i2-i1, d, (i2-i1)/d/1e6}'
done

if command -v qemu-system-i386 >/dev/null; then
  mips qemu 2000 2000000 timeout 120 qemu-system-i386 -M pc -accel tcg -m 32 -display none \
    -no-reboot -nodefaults -drive file={},format=raw,if=floppy -boot a
else
  echo "  qemu: not installed"
fi

if command -v bochs >/dev/null && [ -f /usr/share/seabios/bios.bin ]; then
  for n in 2000 100000; do
    cat > "$work/bochsrc.$n" <<EOF
display_library: sdl2
config_interface: textconfig
megs: 32
romimage: file=/usr/share/seabios/bios.bin
vgaromimage: file=/usr/share/seabios/vgabios-isavga.bin
pci: enabled=1, chipset=i440fx
cpu: model=p2_klamath, count=1, ips=75000000, reset_on_triple_fault=0
clock: sync=none, time0=local
floppya: 1_44="$work/img.$n", status=inserted
boot: floppy
mouse: enabled=0
speaker: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
log: $work/bochs.log.$n
panic: action=fatal
error: action=ignore
info: action=ignore
debug: action=ignore
EOF
  done
  printf 'continue\nquit\n' > "$work/bochs.rc"
  # bochsrc.N names img.N, which mips() writes before each run
  SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy \
    mips bochs 2000 100000 sh -c 'n=$(basename "$1" | cut -d. -f2); exec timeout 300 bochs -q -f "$2/bochsrc.$n" -rc "$2/bochs.rc"' sh {} "$work"
else
  echo "  bochs: not installed"
fi
echo "(QEMU and VMCP's jit engine translate guest code to host code; VMCP's interp and Bochs interpret it.)"
