#!/usr/bin/env bash
# The CP's breakpoints, displays, STORE, stepping and filtered traces on a guest that
# knows nothing of them: tests/vm/guest/debug.asm, booted by SeaBIOS from a VD, its
# labels as a System.map (`symbols`, made by tools/mkimg.sh from nasm's map). Driven
# at the CP prompt of `vmcp ipl` (stdin a pipe: what follows a begin waits for the next
# CP READ), then through `vmcp send` to a VM the CP holds.
#  - an execution breakpoint at decide_cmp stops there (EIP, CS, AL = the byte [choice]);
#  - STORE AL 2 there sends the guest down its other path ("PATH B" on COM1, not "PATH A");
#  - a mode-change break set at the boot sector's entry stops after its MOV CR0 into
#    protected mode (real -> protected, by pm_switch, next the far JMP);
#  - display i: the known 16-bit (seq16) and 32-bit (seq32) sequences, Capstone's text;
#  - a write watch on counter stops after the instruction that wrote it, with the
#    value before and after and EIP at the next instruction;
#  - display l of linear 400000h (mapped by the guest's own page tables) gives the bytes
#    display p gives of the frame at 30000h; display pagewalk shows the PDE and PTE;
#  - an I/O break on the ATA command port stops before the access (the I/O trace has
#    not seen it yet; it has after begin);
#  - an interrupt break on vector 20h (the guest's PIC remapped there) stops in its
#    handler, from the HLT it interrupted;
#  - step 3 from step_here shows those three instructions and then the next;
#  - trace insn over a range holds only addresses in it, every line parses;
#  - the same through vmcp send to a VM started by the CP (waiting for gdb at the reset
#    vector until `send begin`).
. "$ROOT/tests/vm/lib.sh"
need_file /usr/share/seabios/bios.bin
bash "$MKIMG" debug dbg.img
hd_vm g 16M 1M dbg.img
sym() { awk -v n="$1" '$3 == n { print $1 }' dbg.img.map; }
hex() { printf '%08x' "$((16#$1))"; }
ok test -n "$(sym decide_cmp)" "the guest's map names decide_cmp ($(sym decide_cmp))"

# ---- run 1: without STORE the guest takes path A ----
printf '\035begin\n' | "$VMCP" ipl g --until DONE --timeout 120 >plain.txt 2>&1
ok grep -q "PATH A" plain.txt "left alone, the guest prints PATH A"

# ---- run 2: breakpoints, displays, store ----
{
  printf '\035symbols dbg.img.map\nbreak start\nbegin\n'
  printf 'break mode\nbreak delete 1\nbreak decide_cmp\ntrace insn decide_cmp-step_here to insn.txt\ndisplay i seq16 6\nbegin\n'
  printf 'display registers\nstore al 2\nbreak step_here\nbegin\n'
  printf 'break delete 4\nstep 3\ndisplay registers\nbegin\n'
  printf 'break delete all\nbreak mode\nbreak write counter.4\nbegin\n'
  printf 'break delete 5\ndisplay i seq32 5\ndisplay l 400000 64\ndisplay p 30000 64\ndisplay p 400000 64\ndisplay pagewalk 400000\nbegin\n'
  printf 'display registers\nbreak delete all\ntrace io 1f0-1f7 to io.txt\nbreak io 1f7\nbegin\n'
  printf 'display registers\nstore ss 8\nstore fs 18\nstore fs 0\ndisplay registers segment\nstore fs 10\nquery break\nbreak delete all\nbreak int 20\nbegin\n'
  printf 'display registers\nbreak delete all\ntrace off\nbegin\n'
} | "$VMCP" ipl g --until DONE --timeout 120 >out.txt 2>&1
rc=$?
ok test "$rc" -eq 0 "the debugged run ends at DONE (exit $rc)"
tr -d '\r' <out.txt >out.lines
# the messages and displays between two CP READs: section N (1-based)
section() { awk -v n="$1" '/VMCP510I CP READ/ { k++; next } k == n' out.lines; }
ok grep -q "VMCP528I $(wc -l <dbg.img.map) symbols loaded from .*dbg.img.map" out.lines "symbols: the guest's map loaded"
ok grep -q "Breakpoint 1 hit: execution at 0000:00007c00 <start>" out.lines "break start: the boot sector's entry, by symbol"

# execution breakpoint at decide_cmp
dc=$(sym decide_cmp)
ok grep -q "Breakpoint 3 hit: execution at 0000:$dc <decide_cmp> (linear $dc, physical $dc)" out.lines \
  "execution breakpoint at decide_cmp"
s=$(awk '/Breakpoint 3 hit: execution/ { f = 1 } f' out.lines)
ok grep -qE "^EIP $dc " <<<"$s" "there EIP is decide_cmp"
ok grep -qE "^EAX [0-9a-f]{6}01 " <<<"$s" "AL holds [choice], 1"
ok grep -qE "^CS +0000 base 00000000 " <<<"$s" "CS 0000 (real mode)"
ok grep -q "VMCP522I Stored al = 2" out.lines "store al 2"
ok grep -q "PATH B" out.lines "after the store the guest takes path B"
ok sh -c '! grep -q "PATH A" out.lines' "and not path A"

# mode change
pm=$(sym pm_switch)
ok grep -qE "Breakpoint 2 hit: mode real -> protected by 0000:$pm <pm_switch>; next 0000:0*$(printf %x $((16#$pm + 3)))" out.lines \
  "break mode: the boot sector's MOV CR0 into protected mode"

# display i, 16- and 32-bit
s16=$(sym seq16)
ok grep -qE "^$s16 b83412 +mov ax, 0x1234 <seq16>$" out.lines "display i 16-bit: mov ax, 0x1234"
ok grep -qE "^[0-9a-f]{8} 01c3 +add bx, ax <seq16\+0x3>$" out.lines "display i 16-bit: add bx, ax"
ok grep -qE " 06 +push es <seq16\+0x5>$" out.lines "display i 16-bit: push es"
ok grep -qE " 31c9 +xor cx, cx <seq16\+0x7>$" out.lines "display i 16-bit: xor cx, cx"
ok grep -qE " a04d7f +mov al, byte ptr \[0x7f4d\] <seq16\+0x9>$" out.lines "display i 16-bit: mov al, [choice]"
s32=$(sym seq32)
ok grep -qE "^$s32 b878563412 +mov eax, 0x12345678 <seq32>$" out.lines "display i 32-bit: mov eax, 0x12345678"
ok grep -qE " 8d5c8810 +lea ebx, \[eax \+ ecx\*4 \+ 0x10\] <seq32\+0x5>$" out.lines "display i 32-bit: lea ebx, [eax + ecx*4 + 0x10]"
ok grep -qE " 53 +push ebx <seq32\+0x9>$" out.lines "display i 32-bit: push ebx"
ok grep -qE " 5a +pop edx <seq32\+0xa>$" out.lines "display i 32-bit: pop edx"

# write watch on counter
ww=$(sym watch_write) aw=$(sym after_write) ct=$(sym counter)
ok grep -q "hit: write of 4 bytes at linear $ct (physical $ct), 11111111 -> 1234abcd, by 0008:$ww <watch_write>; next 0008:$aw" out.lines \
  "write watch: value before and after, the writing instruction, EIP after it"
ok grep -q "hit: mode protected -> protected+paging by 0008:$(sym paging_on) <paging_on>" out.lines "break mode: paging on"
s=$(awk '/hit: write of 4 bytes/ { f = 1 } /hit: mode protected -> protected\+paging/ { f = 0 } f' out.lines)
ok grep -qE "^EIP $aw " <<<"$s" "stopped with EIP at after_write"

# display l through the guest's page tables = display p of the frame
lin=$(grep -E '^00400000 ' out.lines | head -n 1 | cut -c10-) phys=$(grep -E '^00030000 ' out.lines | head -n 1 | cut -c10-)
ok test -n "$lin" -a "$lin" = "$phys" "display l 400000 = display p 30000 ($lin)"
ok grep -qE '^00400000  66 72 61 6d 65 20 61 74 .*frame at physica$' out.lines "the frame's text through paging"
ok test "$(grep -cE '^004000[0-3]0 ' out.lines)" -eq 8 "display l and display p 400000: 4 lines each"
ok sh -c "grep -E '^00400000 ' out.lines | tail -n 1 | grep -q ' 00 00 00 00 00 00 00 00 '" "display p 400000: not the frame (RAM there is zero)"
ok grep -q "Linear 00400000: 32-bit paging, CR3 00020000" out.lines "pagewalk: 32-bit paging, CR3"
ok grep -qE "^  PDE   at 00020004: 00022[0-9a-f]{3}  P RW S" out.lines "pagewalk: the PDE"
ok grep -qE "^  PTE   at 00022000: 00030[0-9a-f]{3}  P RW S" out.lines "pagewalk: the PTE"
ok grep -q "  -> physical 00030000 (4 KiB page)" out.lines "pagewalk: physical 30000"

# I/O break before the access
ao=$(sym ata_out)
ok grep -q "hit: out port 01f7 size 1 value ec, before the access, at 0008:$ao <ata_out>" out.lines \
  "io break: OUT 1F7h, ECh before it happens"
s=$(awk '/hit: out port 01f7/ { f = 1 } /query break|^NO +KIND/ { f = 0 } f' out.lines)
ok grep -qE "^EIP $ao " <<<"$s" "stopped with EIP at the OUT"
# store of segment registers in protected mode: descriptors from the GDT
ok grep -q "store: selector 0008 is no writable data segment" <<<"$s" "store ss 8 (a code segment) refused"
ok grep -q "store: selector 0018 is beyond its descriptor table" <<<"$s" "store fs 18 (beyond the GDT) refused"
ok grep -q "VMCP522I Stored fs = 0" <<<"$s" "store fs 0: the null selector"
ok grep -qE "^FS +0000 " <<<"$s" "FS null"
ok grep -q "VMCP522I Stored fs = 10" <<<"$s" "store fs 10"
ok test -n "$(awk '/Stored fs = 10/ { f = 1 } f && /^FS +0010 base 00000000 limit ffffffff attr c093/' out.lines)" \
  "FS 10 loaded from the GDT: base 0, limit 4 GiB, its attributes (the next display)"
ok grep -qE '^[0-9]+ [0-9.]+ io out  ?01f7/1 ec$' io.txt "after begin the trace shows the access"
n_before=$(awk '/hit: out port 01f7/ { print NR; exit }' out.lines)
ok test -n "$n_before" "the io break hit"

# interrupt 20h
ti=$(sym timer_isr)
ok grep -qE "hit: hardware interrupt 20 from 0008:[0-9a-f]{8} \(CPL 0\), handler 0008:$ti <timer_isr>" out.lines \
  "interrupt break: vector 20h, from the guest's HLT loop, into timer_isr"
s=$(awk '/hit: hardware interrupt 20/ { f = 1 } f' out.lines)
ok grep -qE "^EIP $ti " <<<"$s" "stopped at the handler's first instruction"

# step 3
sh=$(sym step_here)
steps=$(awk '/Breakpoint 4 hit/ { f = 1 } /VMCP526I/ { f = 0 } f' out.lines | grep -E '^0000:')
ok test "$(wc -l <<<"$steps")" -eq 3 "step 3: three instruction lines"
ok grep -qE "^0000:$sh $sh 41 +inc cx <step_here>$" <<<"$steps" "step 3: 1st, inc cx"
ok grep -qE "^0000:[0-9a-f]{8} [0-9a-f]{8} 41 +inc cx <step_here\+0x1>$" <<<"$steps" "step 3: 2nd, inc cx"
ok grep -qE "^0000:[0-9a-f]{8} [0-9a-f]{8} 90 +nop <step_here\+0x2>$" <<<"$steps" "step 3: 3rd, nop"
ok grep -qE "VMCP526I Stepped 3 instructions; next: 0000:[0-9a-f]{8} [0-9a-f]{8} 0f0116.* +lgdt " out.lines "step 3: then the next, lgdt"
s=$(awk '/VMCP526I Stepped 3/ { f = 1 } f' out.lines)
ok grep -qE "^EIP 0*$(printf %x $((16#$sh + 3))) " <<<"$s" "EIP moved by the three instructions"
ok grep -qE "ECX [0-9a-f]{4}0002 " <<<"$s" "CX counted the two incs"

# trace insn in a range, and every line parses
lo=$((16#$(sym decide_cmp))) hi=$((16#$(sym step_here)))
ok test -s insn.txt "trace insn wrote lines"
ok python3 - insn.txt "$lo" "$hi" "trace insn: every line parses and lies in the range" <<'PY'
import re, sys
lo, hi = int(sys.argv[2]), int(sys.argv[3])
pat = re.compile(r"^(\d+) (\d+\.\d{6}) insn ([0-9a-f]{4}):([0-9a-f]{8}) ([0-9a-f]{8}) ([0-9a-f]+) +(\S.*?)( <[^>]+>)?$")
n = 0
for line in open(sys.argv[1]):
    m = pat.match(line.rstrip("\n"))
    assert m, "does not parse: %r" % line
    assert lo <= int(m.group(5), 16) <= hi, "outside the range: %r" % line
    n += 1
assert n >= 5, n
PY
ok grep -qE "insn 0000:00007c41 00007c41 3c01 +cmp al, 1 <decide_cmp>$" insn.txt "trace insn: the first instruction of the range"
[ "$T_FAIL" -eq 0 ] || show out.lines 400

# ---- run 3: through vmcp send to a VM the CP holds ----
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run start g --gdb "$port" --serial s3.txt
ok test "$RC" -eq 0 "vmcp start g --gdb: the VM waits at the reset vector"
sendv() { "$VMCP" send g "$@" >>send.txt 2>&1; }
sendv display registers
ok grep -qE "^EIP 0000fff0 " send.txt "send display registers: at the reset vector"
sendv symbols "$T_DIR/dbg.img.map"
sendv break decide_cmp
sendv begin
for _ in $(seq 100); do grep -q "Breakpoint 1 hit" <("$VMCP" spool g 2>/dev/null) && break; sleep 0.2; done
ok grep -q "VMCP524I Breakpoint 1 hit: execution at 0000:$dc <decide_cmp>" <("$VMCP" spool g) "send: the breakpoint hit (in the spool)"
: >send.txt
sendv display i decide_cmp 2
ok grep -qE "^$dc 3c01 +cmp al, 1 <decide_cmp>$" send.txt "send display i"
sendv store al 2
sendv step 2
ok grep -qE "VMCP526I Stepped 2 instructions" send.txt "send step 2"
sendv query break
ok grep -qE "^1 +execution +stop +1  execution at linear $dc <decide_cmp>$" send.txt "send query break: one hit"
sendv break delete all
sendv begin
for _ in $(seq 100); do grep -q "DONE" s3.txt 2>/dev/null && break; sleep 0.2; done
ok grep -q "PATH B" s3.txt "send store al 2 changed the path"
run force g
[ "$T_FAIL" -eq 0 ] || show send.txt 60
summary
