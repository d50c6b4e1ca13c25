#!/usr/bin/env bash
# Watching Debian's i386 Linux (the 686 kernel and the busybox initramfs of
# tools/mkinitrd.sh, direct kernel boot, nokaslr) from the CP, with its own symbols
# (need_linux_sysmap: /proc/kallsyms of the same kernel):
#  - a CR3 break fires on Linux's first process switch: with `break cr3 new` (an address
#    space not loaded before) and `break int 80`, the first INT 80h from CPL 3 names the
#    first process's page directory (CR3 then); a cr3 stop before it loaded exactly that
#    one, in switch_mm_irqs_off (by the System.map), stopped right after its MOV to CR3
#    with that CR3 in the register, and the address spaces loaded before it were the
#    kernel's own (not that one);
#  - trace int over the boot lists the timer interrupts (the PIT's, vector 30h: IRQ 0 in
#    Linux's ISA vectors, until the local APIC timers, vector ECh, take over: the board's
#    MP table gives a direct boot its APICs as SeaBIOS's tables would) and page faults with their error codes and CR2, from the kernel and from
#    user mode; trace insn over load_elf_binary (an exec of an ELF program: busybox)
#    holds only addresses of that function;
#    trace cr3 and trace branch too, and every line of every trace parses.
# Skipped when Debian's packages cannot be fetched.
# test-timeout: 1500
. "$ROOT/tests/vm/lib.sh"
need_debian_linux
need_linux_sysmap System.map
run format --size 16M
run define vm lx --memory 128M --cpu i686
sm=$(awk '$3 == "switch_mm_irqs_off" { print $1 }' System.map)
ok test -n "$sm" "the System.map names switch_mm_irqs_off ($sm)"

# ---- the first process switch ----
{
  printf '\035symbols System.map\nbreak cr3 new\nbreak int 80\nbegin\n'
  for _ in $(seq 11); do printf 'display registers control\ndisplay i eip-3 1\nbegin\n'; done
  printf 'break delete all\nbegin\n'
} | "$VMCP" ipl lx --kernel vmlinuz --initrd initrd.gz --append "console=ttyS0 nokaslr" \
  --serial serial1.txt --until "/ # " --timeout 900 >cr3run.txt 2>&1
rc=$?
ok test "$rc" -eq 0 "the kernel boots to the shell prompt with the breaks (exit $rc)"
ok grep -q "VMCP523I Breakpoint 1 set: cr3 load of a new address space" cr3run.txt "break cr3 new set"
ok python3 - cr3run.txt "$sm" "the CR3 break fires on the first process switch, in switch_mm_irqs_off" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="latin-1").read().replace("\r", "")
# the stops: each hit message and what the displays printed up to the next hit
stops = []
for part in re.split(r"(?=VMCP524I Breakpoint \d+ hit: )", text)[1:]:
    m = re.match(r"VMCP524I Breakpoint (\d+) hit: (.*)", part)
    cr3 = re.search(r"CR3 ([0-9a-f]{8})", part)
    stops.append((m.group(1), m.group(2), cr3.group(1) if cr3 else None, part))
first_int = next(i for i, s in enumerate(stops) if s[0] == "2")
m = re.match(r"INT 80 from 0073:[0-9a-f]{8} \(CPL 3\)", stops[first_int][1])
assert m, stops[first_int][1]
x = stops[first_int][2]
assert x, "no CR3 shown at the first INT 80h"
sw = [i for i, s in enumerate(stops[:first_int]) if s[0] == "1" and ("-> %s (a new address space)" % x) in s[1]]
assert len(sw) == 1, (x, [s[1] for s in stops[:first_int]])
i = sw[0]
hit = stops[i]
m = re.search(r"cr3 ([0-9a-f]{8}) -> %s \(a new address space\) by 0060:([0-9a-f]{8}) <switch_mm_irqs_off\+0x([0-9a-f]+)>" % x, hit[1])
assert m, hit[1]
assert hit[2] == x, ("CR3 at the stop", hit[2], x)
# stopped right after the MOV to CR3: display i of EIP-3 shows it
assert re.search(r"^[0-9a-f]{8} 0f22d[89a-f] +mov cr3, e[a-ds][xip]", hit[3], re.M), hit[3]
# the address spaces loaded before were others (the kernel's own)
before = [s for s in stops[:i] if s[0] == "1"]
assert len(before) >= 2 and all(("-> %s " % x) not in s[1] for s in before), before
print("first process switch: cr3 %s -> %s at switch_mm_irqs_off+0x%s; %d address spaces before" % (m.group(1), x, m.group(3), len(before)))
PY
grep -a "VMCP524I" cr3run.txt | head -n 8

# ---- traces over the boot ----
cat >trace.script <<'EOF'
cp symbols System.map
cp trace int to int.txt
cp trace insn load_elf_binary to insn.txt
cp trace cr3 to cr3.txt
cp trace branch to branch.txt
wait / # 
EOF
run ipl lx --headless --kernel vmlinuz --initrd initrd.gz --append "console=ttyS0 nokaslr" \
  --serial serial2.txt --script trace.script --timeout 900
ok test "$RC" -eq 0 -a -n "$(grep -F '/ # ' serial2.txt)" "the traced boot reaches the shell prompt (exit $RC)"
le=$(awk '$3 == "load_elf_binary" { print $1 }' System.map)
next=$(sort System.map | awk -v a="$le" '$1 > a { print $1; exit }')
ok python3 - "$((16#$le))" "$((16#$next))" "every trace line parses; timer IRQs, page faults, insn in range" <<'PY'
import collections, re, sys
lo, hi = int(sys.argv[1]), int(sys.argv[2])
head = r"^(\d+) (\d+\.\d{6}) "
sym = r"( <[^>]+>)?$"
pats = {
    "int.txt": re.compile(head + r"int ([0-9a-f]{2}) (irq|nmi|exc|int|int3|int1) err=(-|[0-9a-f]{4,8}) ([0-9a-f]{4}):([0-9a-f]{8}) cpl=([0-3])( cr2=[0-9a-f]{8})? -> ([0-9a-f]{4}):([0-9a-f]{8})" + sym),
    "insn.txt": re.compile(head + r"insn ([0-9a-f]{4}):([0-9a-f]{8}) ([0-9a-f]{8}) ([0-9a-f]+) +\S.*?" + sym),
    "cr3.txt": re.compile(head + r"cr3 ([0-9a-f]{8}) -> ([0-9a-f]{8}) at ([0-9a-f]{4}):([0-9a-f]{8})" + sym),
    "branch.txt": re.compile(head + r"(branch (jmp|call|ret|iret|sysenter|sysexit) ([0-9a-f]{4}):([0-9a-f]{8}) -> ([0-9a-f]{4}):([0-9a-f]{8})|branch mode \S+ -> \S+ at ([0-9a-f]{4}):([0-9a-f]{8}))" + sym),
}
lines = {}
for f, p in pats.items():
    lines[f] = []
    last = 0
    for l in open(f):
        m = p.match(l.rstrip("\n"))
        assert m, "%s: does not parse: %r" % (f, l)
        assert int(m.group(1)) >= last, "%s: instruction counts go back: %r" % (f, l)
        last = int(m.group(1))
        lines[f].append(m)
    assert lines[f], "%s is empty" % f
irq = collections.Counter(m.group(3) for m in lines["int.txt"] if m.group(4) == "irq")
# the PIT (IRQ 0, vector 30h) ticks until the local APIC timers (vector ECh) take over
assert irq.most_common(1)[0][0] == "ec" and irq["ec"] >= 50 and irq["30"] >= 10, irq
pf = [m for m in lines["int.txt"] if m.group(3) == "0e" and m.group(4) == "exc"]
assert len(pf) >= 50 and all(m.group(5) != "-" and m.group(9) for m in pf), len(pf)
user = [m for m in pf if m.group(8) == "3" and int(m.group(5), 16) & 4]
assert user, "no page fault from user mode with the U/S bit in its error code"
for m in lines["insn.txt"]:
    assert lo <= int(m.group(5), 16) < hi, m.group(0)
assert len(lines["cr3.txt"]) >= 3
assert any(m.group(4) in ("sysexit", "iret") for m in lines["branch.txt"])
print("int %d lines (irq %s), %d page faults (%d from user mode); insn %d, cr3 %d, branch %d" % (
    len(lines["int.txt"]), dict(irq), len(pf), len(user), len(lines["insn.txt"]),
    len(lines["cr3.txt"]), len(lines["branch.txt"])))
PY
ok grep -qE " int 0e exc err=[0-9a-f]{4} 0073:[0-9a-f]{8} cpl=3 cr2=[0-9a-f]{8} -> 0060:[0-9a-f]{8} <asm_exc_page_fault>$" int.txt \
  "a user-mode page fault, into asm_exc_page_fault"
ok grep -qE " insn 0060:$le $le [0-9a-f]+ +\S.* <load_elf_binary>$" insn.txt "trace insn: load_elf_binary's first instruction"
[ "$T_FAIL" -eq 0 ] || { grep -a "VMCP5" cr3run.txt | head -n 60; head -n 5 int.txt insn.txt cr3.txt branch.txt; }
summary
