#!/usr/bin/env bash
# tools/soak.sh: the soak test (issue 12; `make soak HOURS=1`, not part of `make check`).
#
# Three VMs run for HOURS (or SOAK_MINUTES) under one CP on one real disk, started with
# `vmcp start`:
#   lx1, lx2  Debian's 686 kernel and the busybox initramfs of tools/mkinitrd.sh, booted by
#             SeaBIOS and SYSLINUX from hda, with "vmcp.stress" (the initramfs's disk
#             stress): round after round a file of random bytes is written to the ext4
#             file system on hdb, synced, entered in a manifest of MD5 sums (a new one
#             renamed over the old), every listed file verified, the oldest removed;
#             every boot first verifies what the manifest lists;
#   dos       FreeDOS on a FAT16 hda (tools/mkimg.sh freedos-hd) whose AUTOEXEC.BAT copies
#             and deletes a file in a loop.
# At random points (every SOAK_KILL_MIN..SOAK_KILL_MAX seconds) one of them, at random,
# is killed with SIGKILL (its host process: as a crash of the VM would end it) and
# started again. At the end each VM is killed once more and booted one last time: the
# Linux guests must verify every file their manifest lists (what they last synced) with
# none bad, FreeDOS must come back to its loop; then `vmcp check` must be clean, the ext4
# file systems (exported, the journal replayed by e2fsck) must hold every manifest file
# with its MD5, and the CP's resident memory must not have grown (sampled after each
# restart; compared from the first sample after the warm-up to the last).
#
#   tools/soak.sh [HOURS]       SOAK_MINUTES=N for a short run; SOAK_DIR (build/soak)
# Prints the figures (rounds, kills, boots, verified files, CP memory) and exits 0 when
# every check held. Needs what the Linux tests need (Debian's packages, SeaBIOS,
# mkfs.ext4, e2fsck, debugfs) and the FreeDOS floppy of shared/testdata.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VMCP=${VMCP:-$ROOT/build/release/vmcp}
HOURS=${1:-1}
secs=$(python3 -c "print(int(float('${SOAK_MINUTES:-0}') * 60 or float('$HOURS') * 3600))")
kill_min=${SOAK_KILL_MIN:-60} kill_max=${SOAK_KILL_MAX:-180}
dir=${SOAK_DIR:-$ROOT/build/soak}
testdata=${TESTDATA:-$ROOT/../shared/testdata}
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || exit 1
export VMCP_DASD=$dir/soak.dasd VMCP_RUNDIR=$dir/run
mkdir -m 0700 -p "$VMCP_RUNDIR"
fails=0
log() { echo "soak: $(date +%H:%M:%S) $*"; }
fail() { log "FAIL: $*"; fails=$((fails + 1)); }
die() { log "cannot run: $*"; exit 2; }

[ -x "$VMCP" ] || die "no $VMCP (make first)"
for f in /usr/share/seabios/bios.bin "$testdata/images/freedos-minimal-1.4MB.img"; do
  [ -e "$f" ] || die "$f missing"
done
for t in mkfs.ext4 e2fsck debugfs mcopy nasm; do command -v $t >/dev/null || die "$t missing"; done
cache=$ROOT/build/linux-cache
for w in kernel:vmlinuz initrd:initrd.gz; do
  bash "$ROOT/tools/mkinitrd.sh" "${w%%:*}" "${w#*:}" "$cache" >>fetch.log 2>&1 ||
    die "Debian's kernel or busybox could not be fetched (fetch.log)"
done
STRESS_MB=64
bash "$ROOT/tools/mkimg.sh" syslinux boot.img vmlinuz initrd.gz \
  "console=ttyS0 vmcp.stress=$((STRESS_MB * 2048)) cryptomgr.notests" || die "mkimg syslinux"
mkfs.ext4 -q -F -L soak stress.img ${STRESS_MB}M >/dev/null 2>&1 || die "mkfs.ext4"
bash "$ROOT/tools/mkimg.sh" freedos-hd dos.img "$testdata/images/freedos-minimal-1.4MB.img" || die "mkimg freedos-hd"
printf '@ECHO OFF\r\nECHO SOAK LOOP\r\n:LOOP\r\nCOPY C:\\KERNEL.SYS C:\\SOAK.TMP > NUL\r\nDEL C:\\SOAK.TMP\r\nGOTO LOOP\r\n' >AUTOEXEC.BAT
mcopy -o -i "dos.img@@$((2048 * 512))" AUTOEXEC.BAT ::AUTOEXEC.BAT || die "mcopy"

"$VMCP" format --size 384M >setup.log 2>&1 || die "format"
for vm in lx1 lx2; do
  "$VMCP" define vm $vm --memory 128M --cpu i686 --boot hda --console serial &&
    "$VMCP" define vd $vm hda 16M && "$VMCP" define vd $vm hdb ${STRESS_MB}M &&
    "$VMCP" vd import $vm hda boot.img && "$VMCP" vd import $vm hdb stress.img
done >>setup.log 2>&1 || die "define the Linux VMs (setup.log)"
{ "$VMCP" define vm dos --memory 16M --boot hda --console vga && "$VMCP" define vd dos hda 32M &&
  "$VMCP" vd import dos hda dos.img; } >>setup.log 2>&1 || die "define the FreeDOS VM (setup.log)"

declare -A starts kills
# start VM: starts it with its console in VM.N.serial / VM.N.screen (N: its start count)
start() {
  local vm=$1 n=$((${starts[$1]:-0} + 1))
  starts[$vm]=$n
  if [ "$vm" = dos ]; then
    "$VMCP" start dos --no-pace --screen "$dir/dos.$n.screen" >>start.log 2>&1
  else
    "$VMCP" start $vm --no-pace --serial "$dir/$vm.$n.serial" >>start.log 2>&1
  fi || fail "vmcp start $vm (start.log)"
}
# pid VM: its host process (empty when it does not run)
pid() {
  "$VMCP" query names --json 2>/dev/null | python3 -c "
import json, sys
for v in json.load(sys.stdin)['vms']:
    if v['name'] == '$1' and v['state'] in ('starting', 'running', 'stopped', 'halted'):
        print(v['pid'])"
}
# kill9 VM: SIGKILL to its host process; waits until the CP has seen it go
kill9() {
  local p
  p=$(pid "$1")
  [ -n "$p" ] || { fail "$1 was not running when its kill came"; return; }
  kill -9 "$p"
  kills[$1]=$((${kills[$1]:-0} + 1))
  for _ in $(seq 100); do [ -z "$(pid "$1")" ] && return; sleep 0.1; done
  fail "the CP still lists $1 running 10 s after its SIGKILL"
}
cp_rss() {
  local s p
  s=$("$VMCP" query names --json 2>/dev/null | python3 -c "import json,sys; print(json.load(sys.stdin)['socket'] or '')")
  [ -n "$s" ] || return
  p=$(cat "$(dirname "$s")/lock" 2>/dev/null)
  [ -n "$p" ] && awk '/^VmRSS/ {print $2}' /proc/$p/status 2>/dev/null
}
# wait_text FILE TEXT SECONDS: FILE holds TEXT within SECONDS
wait_text() {
  local t=0
  while [ $t -lt "$3" ]; do
    grep -qF -- "$2" "$1" 2>/dev/null && return 0
    sleep 1; t=$((t + 1))
  done
  return 1
}
# stress_lines VM: every vmcp-stress line of every run of VM, in order
stress_lines() { cat $(ls "$dir/$1".*.serial 2>/dev/null | sort -t. -k2 -n) 2>/dev/null | tr -d '\r' | grep '^vmcp-stress:'; }

log "soak for $secs s in $dir: lx1, lx2 (Linux, ext4 stress), dos (FreeDOS copy loop)"
for vm in lx1 lx2 dos; do start $vm; done
end=$(($(date +%s) + secs))
mem=()
while :; do
  now=$(date +%s)
  [ "$now" -ge "$end" ] && break
  nap=$((kill_min + RANDOM % (kill_max - kill_min + 1)))
  [ $((now + nap)) -gt "$end" ] && nap=$((end - now))
  sleep "$nap"
  [ "$(date +%s)" -ge "$end" ] && break
  vms=(lx1 lx2 dos)
  vm=${vms[RANDOM % 3]}
  log "SIGKILL to $vm (run ${starts[$vm]})"
  kill9 $vm
  start $vm
  r=$(cp_rss); [ -n "$r" ] && mem+=("$r")
done

# The end: each VM killed once more, then its last boot verifies.
log "the last kills and boots"
for vm in lx1 lx2 dos; do kill9 $vm; start $vm; done
for vm in lx1 lx2; do
  f="$dir/$vm.${starts[$vm]}.serial"
  if wait_text "$f" "vmcp-stress: round" 900; then
    line=$(tr -d '\r' <"$f" | grep -m1 '^vmcp-stress: boot')
    log "$vm last boot: $line"
    echo "$line" | grep -q ', 0 bad$' || fail "$vm: its last boot found files that do not match their MD5 ($line)"
  else
    fail "$vm did not come back to its stress loop (see $f)"
  fi
done
# FreeDOS: given a minute to boot into its loop, then ended cleanly (its last screen goes
# to its screen file and spool)
sleep 60
r=$(cp_rss); [ -n "$r" ] && mem+=("$r")
"$VMCP" force dos >/dev/null 2>&1
if grep -qF "SOAK LOOP" "$dir/dos.${starts[dos]}.screen" 2>/dev/null ||
   "$VMCP" spool dos 2>/dev/null | grep -qF "SOAK LOOP"; then
  log "dos last boot: back in its AUTOEXEC.BAT loop"
else
  fail "dos did not come back to its loop (dos.${starts[dos]}.screen)"
fi
for vm in lx1 lx2; do kill9 $vm; done
"$VMCP" force lx1 >/dev/null 2>&1; "$VMCP" force lx2 >/dev/null 2>&1

"$VMCP" check >check.log 2>&1 && log "vmcp check: clean ($(tail -n 1 check.log))" ||
  fail "vmcp check (check.log): $(tail -n 3 check.log)"
for vm in lx1 lx2; do
  "$VMCP" vd export $vm hdb $vm.img >>export.log 2>&1 || { fail "export $vm hdb"; continue; }
  e2fsck -fy $vm.img >$vm.fsck1 2>&1   # replays the journal of a file system killed mid-use
  e2fsck -fn $vm.img >$vm.fsck2 2>&1 || fail "$vm: e2fsck finds errors after the journal replay ($vm.fsck2)"
  debugfs -R "cat /manifest" $vm.img 2>/dev/null >$vm.manifest
  n=0 bad=0
  while read -r sum name; do
    n=$((n + 1))
    [ "$(debugfs -R "cat /$name" $vm.img 2>/dev/null | md5sum | cut -d' ' -f1)" = "$sum" ] || bad=$((bad + 1))
  done <$vm.manifest
  log "$vm hdb: $n manifest files on the VD, $bad bad"
  [ "$n" -gt 0 ] && [ "$bad" -eq 0 ] || fail "$vm: the VD does not hold every synced file ($bad of $n bad)"
done

# The figures.
for vm in lx1 lx2; do
  lines=$(stress_lines $vm)
  rounds=$(echo "$lines" | grep -c ': round ')
  boots=$(echo "$lines" | grep -c ': boot ')
  verified=$(echo "$lines" | sed -n 's/.*: \([0-9]*\) files verified.*/\1/p' | awk '{s += $1} END {print s + 0}')
  badl=$(echo "$lines" | grep -c 'MISMATCH')
  log "$vm: ${starts[$vm]} starts, ${kills[$vm]:-0} SIGKILLs, $boots boots reached the stress, $rounds rounds, $verified file verifications, $badl mismatches"
  [ "$badl" -eq 0 ] || fail "$vm: $badl mismatches during the soak"
  [ "$rounds" -gt 0 ] || fail "$vm: no stress round ran"
done
log "dos: ${starts[dos]} starts, ${kills[dos]:-0} SIGKILLs"
if [ ${#mem[@]} -ge 2 ]; then
  first=${mem[0]} last=${mem[${#mem[@]} - 1]} max=$(printf '%s\n' "${mem[@]}" | sort -n | tail -n 1)
  log "CP resident memory: ${first} KiB after the first restart, ${last} KiB at the end (max ${max} KiB; samples ${mem[*]})"
  [ "$last" -le $((first + first / 10 + 1024)) ] || fail "the CP's memory grew from $first to $last KiB"
else
  log "CP resident memory: too few samples (${mem[*]:-none})"
fi
"$VMCP" query names >/dev/null 2>&1
if [ "$fails" -eq 0 ]; then log "PASSED"; exit 0; fi
log "$fails FAILED"
exit 1
