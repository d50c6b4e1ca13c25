"""cp_test.py: one CP holds every VM of a real disk (run by cp_test.sh, which prepares
the disk). Three echo guests and, when ../shared/testdata has it, FreeDOS are started
with `vmcp start`; all are seen running in `query names --json`; lines typed into each
(through the protocol's attach and input) end up on its own VD only; `send NAME stop`
freezes that VM's instruction count while the others' grow; a guest that halts with
interrupts off stays in the CP, inspectable with `send NAME display registers`, then
`system reset` and `begin` boot it again; `force` ends one while the others go on; a
VM whose host process crashes (SIGSEGV) is reported failed with a numbered message and
the others go on; afterwards every VD export holds exactly what its own VM wrote."""
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cplib  # noqa: E402

H = cplib.Harness("cp_test")
VMCP, DASD, ok, vmcp = H.vmcp_bin, H.dasd, H.ok, H.vmcp
names, wait_spool, wait_state = H.names, H.wait_spool, H.wait_state


def type_into(cp, name, text):
    """Types text into VM name's console as an attached client would."""
    r = cp.call("attach", {"name": name})
    if not r or "return" not in r:
        return False
    for ch in text:
        cp.call("input", {"data": ch})
        time.sleep(0.02)
    cp.call("detach")
    return True


def sector(img, lba):
    with open(img, "rb") as f:
        f.seek(lba * 512)
        return f.read(512)


echos = ["e1", "e2", "e3"]
for vm in echos:
    rc, out = vmcp("start", vm)
    ok(rc == 0 and "VMCP613I VM %s started" % vm in out, "start %s: exit %d, %s" % (vm, rc, out.strip()))
rc, out = vmcp("start", "e1")
ok(rc == 4 and "VMCP606E VM e1 is already running" in out, "a second start is refused (exit %d: %s)" % (rc, out.strip()))
rc, out = vmcp("start", "nosuch")
ok(rc == 2 and "nosuch" in out and "not defined" in out, "start of an undefined VM (exit %d: %s)" % (rc, out.strip()))
rc, out = vmcp("START", "e1")
ok(rc == 4, "verbs in any case: START (exit %d)" % rc)

for vm in echos:
    ok(wait_spool(vm, "echo> "), "%s boots to its prompt (spool)" % vm)

n, j = names()
ok(all(n.get(vm, {}).get("state") == "running" for vm in echos), "query names --json: all three running")
ok(all(n[vm]["pid"] > 0 and n[vm]["vds"] == ["hda"] and n[vm]["started_by"] == "cp" for vm in echos),
   "query names: host process, VDs, started by the CP")
ok(j["socket"] and j["socket"].endswith("/sock") and j["socket"] == cplib.run_dir(DASD) + "/sock",
   "query names --json names the control socket, where the documented rule puts it")
ok(len({n[vm]["pid"] for vm in echos}) == 3, "one host process per VM")
rc, out = vmcp("q", "n")
ok(rc == 0 and all(vm in out for vm in echos) and "running" in out, "q n (abbreviated) lists them")
rc, out = vmcp("query", "vm")
ok(rc == 0 and all(l.split()[1] == "running" for l in out.splitlines() if l.split()[0] in echos),
   "query vm: STATE column says running")

cp = cplib.Cp(DASD)
ok(type_into(cp, "e1", "alpha1\r") and type_into(cp, "e1", "alpha2\r"), "typed two lines into e1")
ok(type_into(cp, "e2", "beta1\r"), "typed one line into e2")
ok(type_into(cp, "e3", "gamma1\r"), "typed one line into e3")
ok(wait_spool("e1", "got: alpha2") and wait_spool("e2", "got: beta1") and wait_spool("e3", "got: gamma1"),
   "each VM echoed its own lines")
rc, out = vmcp("spool", "e2")
ok("alpha" not in out and "gamma" not in out, "e2's spool holds none of the others' lines")

# send: stop one; its count stands still while the others' grow.
rc, out = vmcp("send", "e1", "stop")
ok(rc == 0, "send e1 stop (exit %d)" % rc)
ok(wait_state("e1", "stopped"), "e1 is stopped")
time.sleep(0.5)
a, _ = names()
time.sleep(2)
b, _ = names()
ok(a["e1"]["instructions"] == b["e1"]["instructions"], "e1's instruction count stands still while stopped "
   "(%d, %d)" % (a["e1"]["instructions"], b["e1"]["instructions"]))
ok(b["e2"]["instructions"] > a["e2"]["instructions"], "e2's grows (%d -> %d)" % (a["e2"]["instructions"],
                                                                                  b["e2"]["instructions"]))
rc, out = vmcp("send", "e1", "display", "registers")
ok(rc == 0 and "EIP " in out and "CS " in out, "send e1 display registers answers")
rc, out = vmcp("send", "e1", "display", "registers", "fpu")
ok(rc == 1 and "VMCP513E" in out, "an operand a command does not take is refused (exit %d: %s)" % (rc, out.strip()))
rc, out = vmcp("send", "e1", "trace", "vd", "maybe")
ok(rc == 1 and "VMCP513E" in out, "trace vd maybe is refused (exit %d)" % rc)
rc, out = vmcp("send", "e1", "frob")
ok(rc == 1 and "VMCP509E" in out, "an unknown VM command: 509, exit 1")
rc, out = vmcp("send", "nosuch", "query")
ok(rc == 2 and "VMCP605E" in out, "send to a VM that is not running: 605, exit 2 (%d)" % rc)
rc, out = vmcp("send", "e1", "trace", "io", "3f8-3ff", "to", "e1-trace.txt")
ok(rc == 0 and "e1-trace.txt" in out, "trace io 3f8-3ff to FILE (%s)" % out.strip())
rc, out = vmcp("send", "e1", "begin")
ok(rc == 0 and wait_state("e1", "running"), "send e1 begin: running again")
ok(type_into(cp, "e1", "x\r") and wait_spool("e1", "got: x"), "e1 answers again")
time.sleep(0.5)
try:
    trace = open("e1-trace.txt").read()
except OSError:
    trace = ""
ok(" io out 03f8/1 " in trace and " io in  03f8/1 " in trace, "the trace went to the file chosen at the prompt")
ok(all(" 03f" in l for l in trace.splitlines()), "and holds only ports 3F8-3FF")
vmcp("send", "e1", "trace", "off")

# A halt with interrupts off stays in the CP, inspectable.
ok(type_into(cp, "e3", "halt\r"), "typed halt into e3")
ok(wait_state("e3", "halted"), "e3 is held halted in the CP")
rc, out = vmcp("send", "e3", "display", "registers")
ok(rc == 0 and "(halted)" in out, "a halted guest answers display registers")
n, _ = names()
ok("VMCP505I" in n["e3"]["message"], "query names says why it halted (%s)" % n["e3"]["message"])
rc, out = vmcp("send", "e3", "system", "reset")
ok(rc == 0 and "VMCP511I" in out, "system reset of the halted VM")


def begin_and_boot(vm, boots, what):
    """begin VM, and its spool shows its BOOTS-th boot within a minute"""
    rc, _ = vmcp("send", vm, "begin")
    ok(rc == 0 and wait_state(vm, "running"), "begin after the %s" % what)
    end = time.time() + 60
    while vmcp("spool", vm)[1].count("echo ready") < boots and time.time() < end:
        time.sleep(0.3)
    ok(vmcp("spool", vm)[1].count("echo ready") == boots, "%s booted again after the %s" % (vm, what))


begin_and_boot("e3", 2, "reset")
ok(wait_spool("e3", "got: halt\nVMCP505I"), "the halt message follows the guest's last line in the spool")

# A triple fault (the guest's IDT limit 0, then INT 3) is held in the CP as well; begin
# then does what the chipset would have done, a reset.
ok(type_into(cp, "e3", "triple\r"), "typed triple into e3")
ok(wait_state("e3", "halted"), "e3's triple fault is held in the CP")
n, _ = names()
ok("VMCP518W" in n["e3"]["message"] and "triple fault" in n["e3"]["message"],
   "query names says a triple fault (%s)" % n["e3"]["message"])
rc, out = vmcp("send", "e3", "display", "registers")
ok(rc == 0 and re.search(r"IDTR [0-9a-f]{8}/0000", out) is not None,
   "the held machine shows the guest's empty IDT")
begin_and_boot("e3", 3, "triple fault (begin reset the machine)")

# force: one ends, the others go on.
rc, out = vmcp("force", "e2")
ok(rc == 0 and "VMCP614I" in out, "force e2 (exit %d: %s)" % (rc, out.strip()))
n, _ = names()
ok(n["e2"]["state"] == "ended" and n["e1"]["state"] == "running", "e2 ended, e1 runs on")
ok(type_into(cp, "e1", "alpha3\r") and wait_spool("e1", "got: alpha3"), "e1 still answers")

# A crash of one VM's host process: SIGSEGV, or under AddressSanitizer (which would
# catch a SIGSEGV and turn it into a report and an exit) SIGABRT, as a failed assert().
ev_cp = cplib.Cp(DASD)
asan = os.environ.get("MODE") == "asan"
os.kill(n["e1"]["pid"], signal.SIGABRT if asan else signal.SIGSEGV)
ok(wait_state("e1", "failed"), "e1 is reported failed after its host process crashed")
n, _ = names()
ok("VMCP609E" in n["e1"]["message"] and ("signal 6 (Aborted)" if asan else "signal 11 (Segmentation fault)")
   in n["e1"]["message"], "with a numbered message (%s)" % n["e1"]["message"])
ev = ev_cp.wait_event("VM_END", "e1", 10)
ok(ev is not None and ev["data"]["state"] == "failed", "a VM_END event says failed")
ok(n["e3"]["state"] == "running", "e3 runs on")
ok(type_into(cp, "e3", "gamma2\r") and wait_spool("e3", "got: gamma2"), "e3 still answers")
rc, out = vmcp("spool", "e1")
ok("VMCP609E" in out and "got: alpha3" in out, "e1's spool is readable after the crash, with the reason")
# A hung VM (its host process stopped): the CP still answers at once about all, a send
# to it times out, force kills it.
os.kill(n["e3"]["pid"], signal.SIGSTOP)
t0 = time.time()
n, _ = names()
ok(time.time() - t0 < 3 and n["e3"]["state"] == "running", "with e3 hung, query names answers at once")
r = cp.call("send", {"name": "e3", "command": "query", "timeout": 2}, timeout=20)
ok(r and "error" in r and r["error"]["class"] == "Timeout" and r["error"]["desc"].startswith("VMCP608E"),
   "a send to the hung VM times out (608)")
t0 = time.time()
rc, out = vmcp("force", "e3")
dt = time.time() - t0
n, _ = names()
ok(rc == 0 and 8 < dt < 30 and n["e3"]["state"] == "ended" and "killed" in n["e3"]["message"],
   "force kills the hung VM after 10 s (%.1f s, %s)" % (dt, n["e3"]["message"]))
rc, out = vmcp("start", "e2")
ok(rc == 0, "e2 starts again after its end")
ok(wait_spool("e2", "echo> "), "e2 boots again")
rc, out = vmcp("spool", "e2")
ok("beta1" not in out, "a new start begins a new spool")
rc, out = vmcp("force", "e2")
ok(rc == 0, "force e2 again")

# force --shutdown: the ACPI power button, and a guest that answers it by powering off.
rc, out = vmcp("start", "pb")
ok(rc == 0 and wait_spool("pb", "pwrbtn: waiting"), "start pb (a guest that waits for the power button)")
t0 = time.time()
rc, out = vmcp("force", "pb", "--shutdown", "--timeout", "60")
ok(rc == 0 and "VMCP614I VM pb ended (powered-off)" in out, "force --shutdown: the guest powered off (%s)" % out.strip())
ok(time.time() - t0 < 30, "without waiting for the timeout")
ok(wait_spool("pb", "pwrbtn: pressed"), "the guest saw the button")
# A guest that ignores the button is ended when the timeout passes.
rc, out = vmcp("start", "e2")
ok(rc == 0 and wait_spool("e2", "echo> "), "e2 started again")
t0 = time.time()
rc, out = vmcp("force", "e2", "--shutdown", "--timeout", "2")
ok(rc == 0 and "VMCP614I VM e2 forced off" in out and time.time() - t0 >= 2,
   "force --shutdown of a guest that ignores the button ends it after the timeout (%s)" % out.strip())

# FreeDOS, when the images are there: a VGA console through the protocol's attach.
if os.path.exists("fd14.img"):
    rc, out = vmcp("start", "dos", "--rtc", "2031-03-04T05:06:07")
    ok(rc == 0, "start dos --rtc 2031-03-04T05:06:07 (FreeDOS, VGA console)")
    r = cp.call("attach", {"name": "dos"})
    ok(r and r["return"]["console"] == "vga", "attach dos: a VGA console")
    ev = cp.wait_event("SCREEN", "dos", 120, lambda d: any("A:\\>" in row for row in d["text"]))
    ok(ev is not None, "the attached client sees FreeDOS's A:\\> on the SCREEN events")
    for ch in "echo attached-typing-works\r":
        cp.call("input", {"data": ch})
    ev = cp.wait_event("SCREEN", "dos", 60,
                       lambda d: sum("attached-typing-works" in row for row in d["text"]) >= 2)
    ok(ev is not None, "a long command typed through the keyboard reaches DOS whole (paced keys)")
    cp.call("detach")
    # The spool of the running VM ends with its screen as it is now: the typed line
    # and its echo have not scrolled off, so only the screen can hold them.
    rc, out = vmcp("spool", "dos")
    tail = out.rstrip("\n").split("\n")
    ok(rc == 0 and sum("attached-typing-works" in l for l in tail[-4:]) == 2
       and tail[-1].startswith("A:\\>"),
       "spool of the running VGA VM ends with its current screen: %r" % tail[-4:])
    r = cp.call("spool", {"name": "dos"})
    ok(r and r["return"].get("screen", "").count("attached-typing-works") == 2,
       "the protocol's spool reply carries the screen apart from the data")
    # The RTC started where start --rtc said (the CP passed it on): DOS's DATE reads it.
    cp.call("attach", {"name": "dos"})
    for ch in "date\r":
        cp.call("input", {"data": ch})
    ev = cp.wait_event("SCREEN", "dos", 60, lambda d: any("Enter new date" in row for row in d["text"]))
    ok(ev is not None and any("Current date is Tue 03-04-2031" in row for row in ev["data"]["text"]),
       "DOS's DATE shows the --rtc date, Tuesday 4 March 2031")
    cp.call("detach")
    rc, out = vmcp("force", "dos")
    ok(rc == 0, "force dos")

cp.close()
ev_cp.close()
for vm, lines in (("e1", [b"alpha1", b"alpha2", b"x", b"alpha3"]), ("e2", [b"beta1"]),
                  ("e3", [b"gamma2"])):  # e3 was reset: its count began again
    rc, _ = vmcp("vd", "export", vm, "hda", vm + ".out")
    ok(rc == 0, "export %s's VD" % vm)
    got = [sector(vm + ".out", 16 + i).rstrip(b"\0") for i in range(len(lines) + 1)]
    ok(got == lines + [b""], "%s's VD holds exactly its own lines: %s" % (vm, got))
ok(sector("e2.out", 0) == sector("echo.img", 0), "the boot sectors are intact")
rc, out = vmcp("check")
ok(rc == 0, "the directory checks clean")
sys.exit(H.summary())
