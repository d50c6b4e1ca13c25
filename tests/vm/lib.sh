# tests/vm/lib.sh: what the machine tests share (sourced). Builds on tests/cp/lib.sh
# (run, ok, summary, a fresh directory per test) and adds what booting guests needs.
. "$ROOT/tests/cp/lib.sh"
MKIMG="$ROOT/tools/mkimg.sh"
export VMCP_DASD="$T_DIR/vmcp.dasd"

# need_file PATH: skip the whole test if PATH is missing (external material).
need_file() {
  if [ ! -e "$1" ]; then echo "skipped: $1 not found"; exit 0; fi
}

# need_debian_linux [WHAT:OUT ...]: Debian's i386 686 kernel as vmlinuz and the busybox
# initramfs as initrd.gz in the test's directory, and whatever else tools/mkinitrd.sh
# makes (e.g. rootfs:root), from Debian's packages cached in build/linux-cache; skips
# the whole test when they cannot be fetched.
need_debian_linux() {
  local w
  for w in kernel:vmlinuz initrd:initrd.gz "$@"; do
    if ! bash "$ROOT/tools/mkinitrd.sh" "${w%%:*}" "${w#*:}" "$ROOT/build/linux-cache" >>fetch.log 2>&1; then
      echo "skipped: Debian's i386 kernel or busybox could not be fetched ($(tail -n 1 fetch.log))"
      exit 0
    fi
  done
}

# smp2_report_ok LINES: what the busybox initramfs's vmcp.report printed (LINES: the
# serial log without its \r) after a boot on two CPUs: both online, a local APIC timer
# clock event device and local timer interrupts on each, function-call and rescheduling
# IPIs taken by both, the PIT through I/O APIC pin 0.
smp2_report_ok() {
  local l=$1
  ok contains "$l" "vmcp-initrd: cpus 2 online 0-1" "nproc says 2, both online"
  ok test "$(grep -c 'vmcp-initrd: Clock Event Device: lapic' "$l")" -eq 2 \
    "a local APIC timer clock event device on each CPU"
  ok grep -qE "vmcp-initrd: irq +LOC: +[1-9][0-9]* +[1-9][0-9]* +Local timer interrupts" "$l" \
    "local timer interrupts on both CPUs"
  ok grep -qE "vmcp-initrd: irq +CAL: +[1-9][0-9]* +[1-9][0-9]* +Function call interrupts" "$l" \
    "function-call IPIs taken by both CPUs"
  ok grep -qE "vmcp-initrd: irq +RES: +[1-9][0-9]* +[1-9][0-9]* +Rescheduling interrupts" "$l" \
    "rescheduling IPIs taken by both CPUs"
  ok grep -qE "vmcp-initrd: irq +0: +[1-9][0-9]* +[0-9]+ +IO-APIC +0-edge +timer" "$l" \
    "the PIT through I/O APIC pin 0"
}

# need_linux_sysmap OUT: the System.map of ./vmlinuz as booted with nokaslr, into OUT.
# Debian's kernel package ships a stub System.map (the real one is in the -dbg package,
# some 700 MB), so it comes from the kernel itself: a boot with vmcp.kallsyms makes
# the initramfs print /proc/kallsyms ("ADDRESS TYPE NAME" lines) on COM1. Cached in
# build/linux-cache by the kernel's checksum. Skips the test when that boot fails.
need_linux_sysmap() {
  local cache="$ROOT/build/linux-cache" sum
  sum=$(md5sum <vmlinuz | cut -c1-16)
  local map="$cache/System.map-$sum"
  mkdir -p "$cache"
  (
    flock 9
    [ -s "$map" ] && exit 0
    local d="$T_DIR/kallsyms"
    rm -rf "$d" && mkdir -p "$d"
    VMCP_DASD="$d/k.dasd" "$VMCP" format --size 16M >/dev/null &&
      VMCP_DASD="$d/k.dasd" "$VMCP" define vm ksyms --memory 128M >/dev/null &&
      VMCP_DASD="$d/k.dasd" "$VMCP" ipl ksyms --headless --no-cp --kernel vmlinuz --initrd initrd.gz \
        --append "console=ttyS0 nokaslr vmcp.kallsyms" --serial "$d/serial.txt" \
        --until "vmcp-initrd: kallsyms end" --timeout 600 >"$d/ipl.txt" 2>&1
    sed -n '/vmcp-initrd: kallsyms begin/,/vmcp-initrd: kallsyms end/p' "$d/serial.txt" | tr -d '\r' |
      grep -E '^[0-9a-f]{8} [A-Za-z] ' >"$d/System.map"
    grep -q ' T start_kernel$' "$d/System.map" && mv "$d/System.map" "$map"
  ) 9>"$cache/.sysmap.lock"
  if [ ! -s "$map" ]; then
    echo "skipped: no System.map could be made from the kernel's /proc/kallsyms"
    exit 0
  fi
  cp "$map" "$1"
}

# contains FILE TEXT: FILE holds TEXT (a fixed string).
contains() { grep -qF -- "$2" "$1"; }

# hexbytes FILE SKIP COUNT: COUNT bytes of FILE from offset SKIP as one hex string.
hexbytes() { od -An -v -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'; }

# hd_vm NAME MEMORY VDSIZE IMAGE: on a fresh 64M real disk, VM NAME with MEMORY of RAM
# booting from hda, a VD of VDSIZE that holds IMAGE ($RC: the import's exit status).
hd_vm() {
  run format --size 64M
  run define vm "$1" --memory "$2" --boot hda
  run define vd "$1" hda "$3"
  run vd import "$1" hda "$4"
}

# show FILE: prints a file into the test log, indented (for diagnosis on failure).
show() { echo "--- $1:"; sed 's/^/  | /' "$1" 2>/dev/null | head -n "${2:-40}"; }
