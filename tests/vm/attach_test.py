"""attach_test.py: `vmcp attach` on a pseudo-terminal, as a person uses it (run by
attach_test.sh). Typing reaches the guest and its output comes back; Ctrl-] gives
VMCP510I CP READ on a line of its own; VM commands work there; Ctrl-] at the prompt goes
back to the guest; `disconnect` leaves the VM running (its instruction count grows);
attaching again shows the recent output; a second attach is refused naming the first,
--force takes it over; `shutdown` ends the VM and attach exits 0. The same for a VGA
console: the screen is drawn, keys go to the guest's keyboard. And `vmcp ipl` in the
foreground on a terminal: Ctrl-] at its prompt returns to the guest, `disconnect` is
refused there, and the VM it runs answers `vmcp send` from elsewhere."""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cplib  # noqa: E402

H = cplib.Harness("attach_test")
VMCP, DASD, ok, vmcp = H.vmcp_bin, H.dasd, H.ok, H.vmcp
wait_spool, wait_state = H.wait_spool, H.wait_state
LOG = H.log


ENV = {"VMCP_DASD": DASD, "TERM": "xterm"}


def names():
    return H.names()[0]


def attach(*extra):
    return cplib.Pty([VMCP, "attach"] + list(extra), ENV)


def log(p, what):
    LOG.write("--- %s:\n%s\n" % (what, p.out.decode("latin-1")))
    LOG.flush()


# ---- A serial console ----
rc, _ = vmcp("start", "s1")
ok(rc == 0, "start s1")
ok(wait_spool("s1", "echo> "), "s1 at its prompt")
a = attach("s1")
ok(a.expect("VMCP621I Attached to VM s1 (serial console, running)"), "attach says where it is")
ok(a.expect("echo> "), "the recent output first (the prompt)")
a.type("hello\r", 0.02)
ok(a.expect("got: hello"), "typed text reaches the guest, its answer comes back")
a.out = b""
a.type("part")
ok(a.expect("part"), "a half-typed line is echoed")
a.type("\x1d")
ok(a.expect("VMCP510I CP READ"), "Ctrl-] gives CP READ")
ok(b"part\r\nVMCP510I" in a.out or b"part\nVMCP510I" in a.out,
   "the CP's message starts on a line of its own (%r)" % a.out[:120])
ok(wait_state("s1", "stopped"), "the VM is stopped at CP READ")
n = names()
ok(n["s1"]["attached"] and n["s1"]["attached_pid"] == a.pid, "query names: attached, by this client")
a.out = b""
a.type("query\r")
ok(a.expect("VM s1: stopped"), "VM commands work at the prompt")
a.out = b""
a.type("display registers bogus\r")
ok(a.expect("VMCP513E"), "a bad operand is refused there too")
a.out = b""
a.type("display i eip 2\r")
ok(a.expect("VMCP510I CP READ") and re.search(rb"\n[0-9a-f]{8} [0-9a-f]+ +[a-z]", a.out),
   "display i (Capstone) at the attached console's prompt")
a.out = b""
a.type("break int 24 run\r")
ok(a.expect("VMCP523I Breakpoint 1 set: interrupt vectors 24-24 (run)"), "break at the attached console's prompt")
a.type("query break\r")
ok(a.expect("interrupt vectors 24-24"), "query break there")
a.type("break delete all\r")
ok(a.expect("VMCP525I 1 breakpoint deleted"), "break delete all there")
a.type("\x1d")
ok(wait_state("s1", "running"), "Ctrl-] at the prompt goes back to the guest")
a.out = b""
a.type("more\r", 0.02)
ok(a.expect("got: partmore"), "the guest goes on with the line it had")

# A second attach: refused, naming the first.
rc, out = vmcp("attach", "s1")
ok(rc == 4 and "VMCP607E" in out and ("pid %d" % a.pid) in out, "a second attach is refused, naming the first (%s)" % out.strip())

a.type("\x1d")
ok(a.expect("VMCP510I CP READ"), "Ctrl-] again")
a.out = b""
a.type("disconnect\r")
st = a.wait(20)
ok(st == 0, "disconnect ends attach with exit 0 (%r)" % st)
ok(b"VMCP615I Disconnected from VM s1; it goes on running" in a.out, "disconnect says so")
log(a, "first attach")
ok(wait_state("s1", "running"), "after disconnect the VM runs")
n1 = names()["s1"]["instructions"]
time.sleep(1.5)
n2 = names()["s1"]
ok(n2["instructions"] > n1, "its instruction count grows (%d -> %d)" % (n1, n2["instructions"]))
ok(not n2["attached"], "query names: no console attached")

# Attach again: the recent output first, then live.
b = attach("s1")
ok(b.expect("got: partmore"), "attaching again shows the recent output")
b.type("again\r", 0.02)
ok(b.expect("got: again"), "and goes on live")
c = attach("s1", "--force")
ok(c.expect("VMCP621I Attached to VM s1"), "--force takes the console over")
ok(b.wait(20) is not None and b"VMCP615W Console of VM s1 detached: taken over by pid" in b.out,
   "the first attach is told and ends")
log(b, "second attach")
c.type("\x1d")
ok(c.expect("VMCP510I CP READ"), "CP READ on the new console")
c.type("shutdown\r")
st = c.wait(30)
ok(st == 0, "shutdown at the prompt ends the VM and attach exits 0 (%r)" % st)
log(c, "third attach")
ok(wait_state("s1", "ended"), "s1 ended")
rc, out = vmcp("attach", "s1")
ok(rc == 2 and "VMCP605E" in out, "attach to a VM that is not running: 605, exit 2")

# ---- A VGA console: the screen, and keys through the keyboard ----
rc, _ = vmcp("start", "v1")
ok(rc == 0, "start v1 (VGA console)")
ok(wait_spool("v1", "echo> "), "v1 at its prompt")
d = attach("v1")
ok(d.expect("VMCP621I Attached to VM v1 (VGA console"), "attach to a VGA console")
ok(d.expect("echo ready"), "the current screen is drawn")
d.type("typed on the keyboard of v1\r", 0.01)
ok(d.expect("got: typed on the keyboard of v1"), "keys reach the guest's keyboard; the screen shows its answer")
d.type("\x1d")
ok(d.expect("VMCP510I CP READ"), "CP READ on a VGA console")
d.type("disconnect\r")
ok(d.wait(20) == 0, "disconnect from the VGA console")
log(d, "VGA attach")
ok(wait_state("v1", "running"), "v1 runs on")
rc, _ = vmcp("force", "v1")
ok(rc == 0, "force v1")

# ---- vmcp ipl on a terminal ----
e = cplib.Pty([VMCP, "ipl", "s1"], ENV)
ok(e.expect("echo> ", 60), "ipl s1 on a terminal boots to the prompt")
ok(wait_state("s1", "running"), "the foreground VM appears in query names")
n = names()["s1"]
ok(n["started_by"] == "ipl" and n["terminal"] and n["pid"] == e.pid, "started by ipl, on its terminal, its pid")
rc, out = vmcp("send", "s1", "query")
ok(rc == 0 and "VM s1: running" in out, "it answers vmcp send")
rc, out = vmcp("attach", "s1")
ok(rc != 0, "attach to a VM whose console is its own terminal is refused or detached at once")
e.type("\x1d")
ok(e.expect("VMCP510I CP READ"), "Ctrl-] in ipl gives CP READ")
e.out = b""
e.type("disconnect\r")
ok(e.expect("VMCP513E"), "disconnect is refused at ipl's own prompt")
e.type("\x1d")
ok(wait_state("s1", "running"), "Ctrl-] at ipl's prompt returns to the guest")
e.type("fg\r", 0.02)
ok(e.expect("got: fg"), "the guest answers again")
e.type("\x1dshutdown\r")
ok(e.wait(30) == 0, "shutdown ends ipl with exit 0")
log(e, "ipl")
sys.exit(H.summary())
