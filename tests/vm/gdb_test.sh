#!/usr/bin/env bash
# Stock gdb (Debian's) against the gdb remote stub, on the guest of the debugging tests
# (tests/vm/guest/debug.asm, booted by SeaBIOS): `vmcp ipl --headless --gdb PORT` waits
# at the reset vector; a batch script (gdb -batch -x) attaches, breaks at the boot
# sector's entry (0x7c00), reads EIP and 16 bytes of memory, single-steps, watches a
# byte the guest writes (a hardware watchpoint, Z2: gdb prints the old and new value
# and stops after the writing instruction), continues to the code after the guest
# printed a marker on COM1 (the serial file then holds the marker, not yet the end),
# reads the control registers from the target description's own feature, and detaches:
# the guest runs on to its end. Checked on what gdb printed. The same script then
# against a VM the CP runs (`vmcp start --gdb`), and a raw protocol client checks what
# gdb's batch mode cannot type: Ctrl-C stops a running VM (S02), registers read, detach.
. "$ROOT/tests/vm/lib.sh"
need_file /usr/share/seabios/bios.bin
command -v gdb >/dev/null || { echo "skipped: gdb is missing (tools/deps.sh installs it)"; exit 0; }
bash "$MKIMG" debug dbg.img
hd_vm g 16M 1M dbg.img
sym() { awk -v n="$1" '$3 == n { print $1 }' dbg.img.map; }
freeport() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# wait_for FILE TEXT: up to 60 s for TEXT in FILE (or in a command's output: wait_for - TEXT CMD...)
wait_for() {
  local f=$1 t=$2; shift 2
  for _ in $(seq 300); do
    if [ "$f" = - ]; then "$@" 2>/dev/null | grep -qF -- "$t" && return 0
    else grep -qF -- "$t" "$f" 2>/dev/null && return 0; fi
    sleep 0.2
  done
  return 1
}

# script PORT SERIAL: the gdb batch script
script() {
  cat <<GDB
set architecture i8086
target remote 127.0.0.1:$1
printf "at reset: eip=%#x cs=%#x\n", \$eip, \$cs
break *0x7c00
continue
printf "eip=%#x\n", \$eip
x/16xb 0x7c00
stepi
printf "after stepi eip=%#x\n", \$eip
watch *(unsigned char *)0x$(sym flagbyte)
continue
printf "after watch eip=%#x\n", \$eip
delete
set architecture i386
break *0x$(sym marker_done)
continue
printf "marker eip=%#x cs=%#x cr0=%#x cr3=%#x cs_base=%#x\n", \$eip, \$cs, \$cr0, \$cr3, \$cs_base
shell printf 'serial: %s\n' "\$(tr -d '\r\n' <$2)"
x/2i \$eip
set \$cr2 = 0xdeadb000
printf "cr2=%#x\n", \$cr2
set \$st0 = 2.5
printf "st0=%f\n", \$st0
set \$fs = 0
printf "fs=%#x\n", \$fs
set \$fs = 0x10
printf "fs=%#x fs_base=%#x\n", \$fs, \$fs_base
python
for cmd in ("set \$ss = 0x8", "set \$fs = 0x18"):
    try:
        gdb.execute(cmd)
    except gdb.error as e:
        print("refused:", e)
end
printf "ss=%#x fs=%#x\n", \$ss, \$fs
detach
GDB
}
check() { # check OUT SERIAL WHAT
  local o=$1 w=$3
  ok grep -q "at reset: eip=0xfff0 cs=0xf000" "$o" "$w: gdb finds the VM at the reset vector"
  ok grep -q "Breakpoint 1, 0x00007c00 in" "$o" "$w: break *0x7c00 stops at the boot sector's entry"
  ok grep -qx "eip=0x7c00" "$o" "$w: EIP 0x7c00"
  local want got
  want=$(od -An -v -tx1 -N 16 dbg.img | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')
  got=$(grep -E '^0x7c0[08]:' "$o" | sed 's/^[^:]*://' | tr -s ' \t\n' ' ' | sed 's/0x//g; s/^ //; s/ $//')
  ok test -n "$want" -a "$want" = "$got" "$w: x/16xb 0x7c00 is the boot sector's first 16 bytes ($got)"
  ok grep -qx "after stepi eip=0x7c01" "$o" "$w: stepi executes one instruction (cli)"
  ok grep -q "Hardware watchpoint 2: \*(unsigned char \*)0x$(sym flagbyte)" "$o" "$w: watch is a hardware watchpoint"
  ok grep -q "Old value = 0 '\\\\000'" "$o" "$w: the watch's old value"
  ok grep -q "New value = 90 'Z'" "$o" "$w: the watch's new value, 0x5A"
  ok grep -qx "after watch eip=0x$(sym after_flag | sed 's/^0*//')" "$o" "$w: stopped after the writing instruction"
  ok grep -q "Breakpoint 3, 0x0000$(sym marker_done | sed 's/^0000//') in" "$o" "$w: the breakpoint after the marker"
  ok grep -qx "marker eip=0x$(sym marker_done | sed 's/^0*//') cs=0x8 cr0=0x80000011 cr3=0x20000 cs_base=0" "$o" \
    "$w: EIP, CS and the control registers there (paging on, CR3 20000h)"
  ok grep -qE "^serial: debug guest start.*MARKER$" "$o" "$w: COM1 has the marker and not yet the end"
  ok grep -qE "=> 0x$(sym marker_done | sed 's/^0*//'):.*mov +\\\$0x[0-9a-f]+,%esi" "$o" "$w: x/2i in 32-bit code"
  ok grep -qx "cr2=0xdeadb000" "$o" "$w: a control register written and read back"
  ok grep -qx "st0=2.500000" "$o" "$w: an x87 register written and read back"
  ok grep -qx "fs=0" "$o" "$w: the null selector into FS in protected mode"
  ok grep -qx "fs=0x10 fs_base=0" "$o" "$w: a data selector into FS loads its descriptor"
  ok test "$(grep -c "^refused: Could not write register.*E01" "$o")" -eq 2 "$w: a code selector into SS and one beyond the GDT are refused"
  ok grep -qx "ss=0x10 fs=0x10" "$o" "$w: and change nothing"
  ok grep -q "\[Inferior 1 (Remote target) detached\]" "$o" "$w: detach"
}

# ---- vmcp ipl --headless --gdb ----
p1=$(freeport)
"$VMCP" ipl g --headless --gdb "127.0.0.1:$p1" --serial s1.txt --until "DONE ticks=3" --timeout 120 >ipl.txt 2>&1 &
pid=$!
wait_for ipl.txt "VMCP527I gdb stub listening on 127.0.0.1:$p1"
ok grep -q "VM g waits at the reset vector (target remote 127.0.0.1:$p1)" ipl.txt "ipl --gdb waits at the reset vector"
script "$p1" s1.txt >s1.gdb
timeout 120 gdb -batch -nx -x s1.gdb >gdb1.txt 2>&1
wait "$pid"; rc=$?
ok test "$rc" -eq 0 "after detach the guest runs to its end (exit $rc)"
check gdb1.txt s1.txt "ipl --headless"
ok grep -q "DONE ticks=3" s1.txt "the guest finished after detach"
ok grep -q "VMCP527I gdb attached from 127.0.0.1:" ipl.txt "the VM says gdb attached"
ok grep -q "VMCP527I gdb detached" ipl.txt "and detached"

# ---- under the CP: vmcp start --gdb ----
p2=$(freeport)
run start g --gdb "$p2" --serial s2.txt
ok test "$RC" -eq 0 "vmcp start g --gdb"
wait_for - "VMCP527I gdb stub listening on 127.0.0.1:$p2" "$VMCP" spool g
script "$p2" s2.txt >s2.gdb
timeout 120 gdb -batch -nx -x s2.gdb >gdb2.txt 2>&1
check gdb2.txt s2.txt "vmcp start"
wait_for s2.txt "DONE ticks=3"
ok grep -q "DONE ticks=3" s2.txt "the guest the CP runs finished after detach"
run force g

# ---- Ctrl-C, registers, detach: the protocol by hand ----
p3=$(freeport)
"$VMCP" ipl g --headless --gdb "127.0.0.1:$p3" --serial s3.txt --until "DONE ticks=3" --timeout 120 >ipl3.txt 2>&1 &
pid=$!
wait_for ipl3.txt "VMCP527I gdb stub listening"
ok python3 - "$p3" "a raw client: Ctrl-C stops the VM running a loop (S02), g reads EIP, D detaches" <<'PY'
import socket, sys, time
sys.stderr = open("raw.err", "w")      # the traceback, shown when the test fails
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
buf = b""
def packet():
    global buf
    while True:
        i = buf.find(b"$")
        j = buf.find(b"#", i) if i >= 0 else -1
        if i >= 0 and j >= 0 and len(buf) >= j + 3:
            data, buf = buf[i + 1:j], buf[j + 3:]
            return data
        buf += s.recv(65536)
def send(p):
    s.sendall(b"$" + p + b"#%02x" % (sum(p) & 0xFF))
send(b"qSupported:swbreak+")
assert b"qXfer:features:read+" in packet()
send(b"?")
assert packet()[:3] in (b"S05", b"T05")
# Stop at the boot sector's entry, put CLI and a jump-to-itself there (the guest then
# runs and never ends by itself, however fast the host), continue, Ctrl-C: S02 with EIP
# on the loop; then the boot sector's own bytes, EIP and EFLAGS back, and detach.
send(b"Z0,7c00,1")
assert packet() == b"OK"
send(b"c")
assert packet()[:3] in (b"S05", b"T05")
send(b"z0,7c00,1")
assert packet() == b"OK"
send(b"g")
flags = packet()[72:80]
send(b"m7c00,3")
orig = packet()
send(b"M7c00,3:faebfe")
assert packet() == b"OK"
send(b"c")
time.sleep(0.3)
s.sendall(b"\x03")
r = packet()
assert r == b"S02", r
send(b"g")
regs = packet()
eip = int.from_bytes(bytes.fromhex(regs[64:72].decode()), "little")
cs = int.from_bytes(bytes.fromhex(regs[80:88].decode()), "little")
assert (cs, eip) == (0, 0x7C01), (hex(cs), hex(eip))
send(b"p8")
assert int.from_bytes(bytes.fromhex(packet().decode()), "little") == eip
send(b"M7c00,3:" + orig)
assert packet() == b"OK"
send(b"P8=007c0000")
assert packet() == b"OK"
send(b"P9=" + flags)
assert packet() == b"OK"
send(b"D")
assert packet() == b"OK"
s.close()
PY
wait "$pid"; rc=$?
ok test "$rc" -eq 0 "after the raw client detached the guest runs to its end (exit $rc)"
ok grep -q "DONE ticks=3" s3.txt "and finishes"
[ "$T_FAIL" -eq 0 ] || { show gdb1.txt 80; show gdb2.txt 40; show ipl.txt; show ipl3.txt; show raw.err; }
summary
