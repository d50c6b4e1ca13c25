#!/usr/bin/env bash
# bench/boot.sh: wall-clock time to boot the same disk on VMCP, QEMU (TCG) and Bochs:
# a FAT disk with SYSLINUX (Debian's) and a kernel, from power-on through SeaBIOS's POST
# and SYSLINUX to a line the guest prints on COM1. Two guests:
#   testkernel  tests/vm/guest/testkernel.asm, to "testkernel: done" (the firmware path)
#   linux       Debian's i386 686 kernel and a busybox initramfs (tools/mkinitrd.sh), to
#               "vmcp-initrd: shell" (decompression, kernel init, init's first lines)
#   debian      the whole Debian 12 system of tools/mkdebian.sh (GRUB with its 3 s menu,
#               the kernel, systemd) to the serial getty's "vmcp-debian login:"; only
#               when the image is in the cache (make debian), on a Pentium 4 (QEMU has
#               no such model: its pentium3) with 256 MiB
# Each emulator runs the same image with the same SeaBIOS and a P6-class CPU; the clock
# stops when the line appears in its serial output (polled every 20 ms). VMCP runs twice,
# on the translator (jit) and on the interpreter (interp, VMCP_ENGINE=interp). Run
# several times and compare within one run: neighbours on the host move all figures.
#   BUILD=build/release VMCP=build/release/vmcp bash bench/boot.sh [ROUNDS] [GUEST]
# (BENCH_BOCHS=no leaves Bochs out: minutes per round on the Linux guest.)
set -u
: "${BUILD:?}" "${VMCP:?}"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3} guest=${2:-testkernel}
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
case $guest in
testkernel)
	bash "$ROOT/tools/mkimg.sh" testkernel "$w/kernel.bin"
	printf 'initrd for the boot benchmark\n' >"$w/initrd.txt"
	bash "$ROOT/tools/mkimg.sh" syslinux "$w/disk.img" "$w/kernel.bin" "$w/initrd.txt" "console=ttyS0"
	until_text="testkernel: done" cap=60 mem=64;;
linux)
	if ! bash "$ROOT/tools/mkinitrd.sh" kernel "$w/kernel.bin" "$ROOT/build/linux-cache" >"$w/fetch.log" 2>&1 ||
	   ! bash "$ROOT/tools/mkinitrd.sh" initrd "$w/initrd.gz" "$ROOT/build/linux-cache" >>"$w/fetch.log" 2>&1; then
		echo "bench/boot.sh linux: Debian's packages could not be fetched: $(tail -n 1 "$w/fetch.log")"
		exit 0
	fi
	bash "$ROOT/tools/mkimg.sh" syslinux "$w/disk.img" "$w/kernel.bin" "$w/initrd.gz" "console=ttyS0"
	until_text="vmcp-initrd: shell" cap=600 mem=128;;
debian)
	cache=${VMCP_CACHE:-/var/tmp/vmcp-cache}
	img=$(ls -t "$cache"/debian-*.img 2>/dev/null | head -n 1)
	[ -n "$img" ] || { echo "bench/boot.sh debian: the Debian system is not built (make debian)"; exit 0; }
	cp --sparse=always "$img" "$w/disk.img"
	until_text="vmcp-debian login:" cap=900 mem=256 cpu=pentium4 qcpu=pentium3 vd=1G dasd=2G;;
*)
	echo "bench/boot.sh: GUEST is testkernel, linux or debian" >&2; exit 2;;
esac
export VMCP_DASD="$w/dasd"
"$VMCP" format --size "${dasd:-64M}" >/dev/null
"$VMCP" define vm bench --memory ${mem}M --cpu "${cpu:-i686}" --boot hda >/dev/null
"$VMCP" define vd bench hda "${vd:-16M}" >/dev/null
"$VMCP" vd import bench hda "$w/disk.img" >/dev/null
now() { date +%s.%N; }

# hwm PID NAME: PID's peak resident memory so far (VmHWM, KiB) into $w/rss.NAME
hwm() {
	local k; k=$(awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null)
	[ -n "$k" ] && echo "$k" >"$w/rss.$2"
	return 0
}

# wait_for FILE PID T0 NAME: seconds from T0 until $until_text is in FILE (or $cap s),
# then kill PID (its peak memory just before, in $w/rss.NAME).
wait_for() {
	local f=$1 pid=$2 t0=$3 i
	for i in $(seq $((cap * 50))); do
		if grep -qF "$until_text" "$f" 2>/dev/null; then break; fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	local t1; t1=$(now)
	hwm "$pid" "$4"
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	grep -qF "$until_text" "$f" 2>/dev/null && awk "BEGIN{printf \"%.2f\", $t1 - $t0}" || printf 'failed'
}

vmcp_run() { # vmcp_run ENGINE: ipl ends by itself at the text; its peak memory is sampled
	local t0 pid rc; t0=$(now)
	VMCP_ENGINE=$1 "$VMCP" ipl bench --headless --until "$until_text" --timeout $cap >/dev/null 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do hwm "$pid" "vmcp-$1"; sleep 0.02; done
	wait "$pid"; rc=$?
	[ $rc -eq 0 ] && awk "BEGIN{printf \"%.2f\", $(now) - $t0}" || printf 'failed'
}

qemu_run() {
	command -v qemu-system-i386 >/dev/null || { printf 'n/a'; return; }
	rm -f "$w/q.serial"
	local t0; t0=$(now)
	qemu-system-i386 -M pc -accel tcg,thread=single -cpu ${qcpu:-pentium2} -m $mem -display none -nodefaults -device VGA \
		-serial file:"$w/q.serial" -drive file="$w/disk.img",format=raw,if=ide,snapshot=on \
		>/dev/null 2>&1 &
	wait_for "$w/q.serial" $! "$t0" qemu
}

bochs_run() {
	command -v bochs >/dev/null || { printf 'n/a'; return; }
	[ "${BENCH_BOCHS:-yes}" != no ] || { printf 'skipped'; return; }
	local cyl=$(( $(stat -c %s "$w/disk.img") / (16 * 63 * 512) ))
	cat >"$w/bochsrc" <<EOT
display_library: sdl2
config_interface: textconfig
megs: $mem
romimage: file=/usr/share/seabios/bios.bin
vgaromimage: file=/usr/share/seabios/vgabios-isavga.bin
pci: enabled=1, chipset=i440fx
cpu: model=p2_klamath, count=1, ips=75000000
clock: sync=none, time0=local
ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
ata0-master: type=disk, path="$w/disk.img", mode=flat, cylinders=$cyl, heads=16, spt=63, translation=none
boot: disk
com1: enabled=1, mode=file, dev="$w/b.serial"
mouse: enabled=0
speaker: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
log: /dev/null
panic: action=fatal
EOT
	printf 'continue\n' >"$w/rc"
	rm -f "$w/b.serial"
	local t0; t0=$(now)
	SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy bochs -q -f "$w/bochsrc" -rc "$w/rc" >/dev/null 2>&1 </dev/null &
	wait_for "$w/b.serial" $! "$t0" bochs
}

echo "boot of the $guest disk to \"$until_text\" (from power-on: SeaBIOS, the boot loader, the kernel), wall-clock seconds"
printf '%-8s %8s %8s %8s %8s\n' round VMCP-jit VMCP-int QEMU Bochs
for r in $(seq "$rounds"); do
	printf '%-8s %8s %8s %8s %8s\n' "$r" "$(vmcp_run jit)" "$(vmcp_run interp)" "$(qemu_run)" "$(bochs_run)"
done
rss() { [ -f "$w/rss.$1" ] && awk '{printf "%.0f", $1 / 1024}' "$w/rss.$1" || printf -- '-'; }
printf '%-8s %8s %8s %8s %8s\n' "RSS MiB" "$(rss vmcp-jit)" "$(rss vmcp-interp)" "$(rss qemu)" "$(rss bochs)"
echo "(RSS: each emulator's peak resident memory in the last round, with a ${mem} MiB guest)"
