"""protocol_test.py: the control socket spoken raw, as a script would (run by
protocol_test.sh): the greeting; start a VM and receive its events (VM_START,
VM_STATE, VM_END); query-names; a clean JSON error, with the right class and a
numbered message, for a malformed line, a request that is not an object, an unknown
command, an unknown VM, bad arguments, an oversized line; the connection survives each;
subscribe gives the spool's bytes as they come; another user's connection is refused
(a second uid, when the test runs as root), and the socket's mode and directory keep
others out."""
import json
import os
import socket
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cplib  # noqa: E402

H = cplib.Harness("protocol_test")
VMCP, DASD, ok, vmcp = H.vmcp_bin, H.dasd, H.ok, H.vmcp


def is_error(r, cls, num):
    return (r is not None and "error" in r and r["error"]["class"] == cls and
            r["error"]["desc"].startswith("VMCP%03dE " % num) and isinstance(r["error"]["code"], int))


# No CP yet: `query names` starts none and says so.
rc, out = vmcp("query", "names")
ok(rc == 0 and "VMCP618I No VMs are running" in out, "query names without a CP (%s)" % out.strip())
ok(not os.path.exists(cplib.run_dir(DASD) + "/sock"), "query names did not start a CP")
# A CP in the foreground, as a service manager runs it.
cpd = subprocess.Popen([VMCP, "--dasd", DASD, "cp"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
sock = cplib.run_dir(DASD) + "/sock"
end = time.time() + 10
while not os.path.exists(sock) and time.time() < end:
    time.sleep(0.05)
ok(os.path.exists(sock), "vmcp cp makes its socket")
st = os.stat(sock)
ok(stat.S_IMODE(st.st_mode) == 0o600 and st.st_uid == os.getuid(), "the socket is mode 0600, ours")
dst = os.stat(os.path.dirname(sock))
ok(stat.S_IMODE(dst.st_mode) == 0o700, "its directory is mode 0700")
rc, out = vmcp("cp")
ok(rc == 4 and "VMCP606E" in out and "already runs" in out, "a second CP for the disk is refused (%s)" % out.strip())

c = cplib.Cp(DASD)
g = c.greeting
ok(g and g["vmcp"]["version"] == 1 and g["vmcp"]["dasd"] == DASD and "start" in g["vmcp"]["commands"],
   "the greeting: version, real disk, commands")
r = c.call("query-names")
ok(r and r["return"] == [], "query-names: none yet")

# Errors, each a clean JSON reply; the connection goes on.
c.send_raw(b"{not json\n")
ok(is_error(c.recv(), "ParseError", 603), "a malformed line: ParseError, VMCP603E")
c.send_raw(b"[1, 2]\n")
ok(is_error(c.recv(), "BadRequest", 603), "not an object: BadRequest")
c.send_raw(b'{"execute": "start", "arguments": 5, "id": 7}\n')
r = c.recv()
ok(is_error(r, "BadRequest", 603) and r.get("id") == 7, "arguments not an object: BadRequest, id kept")
r = c.call("frobnicate")
ok(is_error(r, "CommandNotFound", 604), "an unknown command: CommandNotFound, VMCP604E")
r = c.call("send", {"name": "ghost", "command": "query"})
ok(is_error(r, "NotRunning", 605) and r["error"]["exit"] == 2, "an unknown VM: NotRunning, exit 2")
r = c.call("force", {"name": "ghost"})
ok(is_error(r, "NotRunning", 605), "force of an unknown VM: NotRunning")
r = c.call("start", {"name": "Bad Name!"})
ok(is_error(r, "BadArguments", 612), "a bad VM name: BadArguments")
r = c.call("start", {"name": "nosuch"})
ok(r and "error" in r and r["error"]["desc"].startswith("VMCP120E") and r["error"]["exit"] == 2,
   "start of an undefined VM: the directory's own message, exit 2 (%r)" % r)
r = c.call("input", {"data": "x"})
ok(is_error(r, "NotAttached", 605), "input without attach: NotAttached")
c.send_raw(b'{"execute": "query-names", "pad": "' + b"x" * (1 << 20) + b'"}\n')
ok(is_error(c.recv(), "TooLong", 611), "an oversized line: TooLong, VMCP611E")
c.send_raw(b'{"execute": "query-names", "id": "after"}\n')
r = c.recv()
ok(r and r.get("id") == "after" and r.get("return") == [], "the connection goes on after every error (%r)" % r)
r = c.call("query-names", {"unused": [1, {"deep": None}], "s": "\u00e9\u2603\ud83d\ude00"})
ok(r and r.get("return") == [], "unknown arguments and any UTF-8 are fine")

# Start a VM and follow it through its events.
ev = cplib.Cp(DASD)
r = ev.call("subscribe")
ok(r and "return" in r, "subscribe")
r = c.call("start", {"name": "p1", "pace": False}, timeout=60)
ok(r and r.get("return", {}).get("vm") == "p1" and r["return"]["pid"] > 0, "start p1 (%r)" % r)
e = ev.wait_event("VM_START", "p1", 30)
ok(e is not None and e["data"]["pid"] == r["return"]["pid"] and "seconds" in e["timestamp"],
   "a VM_START event with its pid and a timestamp")
e = ev.wait_event("VM_STATE", "p1", 30, lambda d: d["state"] == "running")
ok(e is not None, "a VM_STATE event: running")
got = b""
end = time.time() + 30
while b"echo> " not in got and time.time() < end:
    e = ev.wait_event("SPOOL", "p1", 5)
    if e:
        got += e["data"]["data"].encode("latin-1")
ok(b"echo ready" in got and b"echo> " in got, "SPOOL events carry the guest's output as it comes")
r = c.call("start", {"name": "p1"})
ok(is_error(r, "AlreadyRunning", 606) and r["error"]["exit"] == 4, "start of a running VM: AlreadyRunning, exit 4")
r = c.call("attach", {"name": "p1"})
ok(r and r["return"]["console"] == "serial" and "echo> " in r["return"]["recent"], "attach: recent output")
r = c.call("input", {"data": "via json \u00ff\r"})
ok(r and "return" in r, "input (Latin-1 bytes)")
e = c.wait_event("CONSOLE", "p1", 30, lambda d: "got: via json \u00ff" in d["data"])
ok(e is not None, "the attached client sees the echo, byte 0xFF as U+00FF")
r = c.call("send", {"name": "p1", "command": "query"})
ok(r and r["return"]["rc"] == 0 and "VM p1: running" in r["return"]["output"], "send query")
r = c.call("send", {"name": "p1", "command": "display memory zz"})
ok(r and r["return"]["rc"] == 1 and "VMCP513E" in r["return"]["output"], "a failing VM command: rc 1 and its message")
r = c.call("send", {"name": "p1", "command": "stop"})
ok(r and r["return"]["state"] == "stopped", "stop")
e = ev.wait_event("VM_STATE", "p1", 10, lambda d: d["state"] == "stopped")
ok(e is not None, "a VM_STATE event: stopped")
r = c.call("send", {"name": "p1", "command": "begin"})
ok(r and r["return"]["state"] == "running", "begin")
# The spool is a bounded ring of the size the config file asks (16K here): after some
# 33K of output it holds the newest, at most 16K, the oldest gone.
typed = 0
for i in range(250):
    c.call("input", {"data": "line%03d-%s\r" % (i, "x" * 50)})
    if not c.wait_output("p1", "got: line%03d-" % i, 30):
        break
    typed += 1
ok(typed == 250, "250 lines typed and echoed (%d)" % typed)
d = cplib.run_dir(DASD)
size = sum(os.path.getsize(d + f) for f in ("/p1.spool", "/p1.spool.1") if os.path.exists(d + f))
rc, out = vmcp("spool", "p1")
ok(8192 <= size <= 16384, "the spool holds at most 16K and at least the newest 8K (%d bytes)" % size)
ok("got: line249-" in out and "echo ready" not in out and "line000" not in out,
   "the newest output is there, the oldest gone")
r = c.call("input", {"data": "off\r"})
e = ev.wait_event("VM_END", "p1", 30)
ok(e is not None and e["data"]["state"] == "powered-off" and "VMCP504I" in e["data"]["message"],
   "the guest powers off: VM_END, powered-off (%r)" % (e and e["data"]))
n = cplib.names(c)
ok(n["p1"]["state"] == "powered-off", "query-names: powered-off")

# Another user.
if os.getuid() == 0:
    def connect_as(uid):
        pid = os.fork()
        if pid == 0:
            try:
                os.setgid(uid)
                os.setuid(uid)
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.settimeout(5)
                s.connect(sock)
                line = s.makefile().readline()
                os._exit(10 if '"PermissionDenied"' in line and "VMCP610E" in line else 11)
            except PermissionError:
                os._exit(20)
            except Exception:
                os._exit(21)
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    ok(connect_as(65534) == 20, "uid 65534 cannot even reach the socket (mode 0600 in a 0700 directory)")
    d = os.path.dirname(sock)
    base = os.path.dirname(d)
    for p in (base, d):
        os.chmod(p, 0o755)
    os.chmod(sock, 0o777)
    try:
        ok(connect_as(65534) == 10, "with the modes opened, the CP itself refuses uid 65534 (VMCP610E)")
    finally:
        os.chmod(sock, 0o600)
        for p in (d, base):
            os.chmod(p, 0o700)
    r = c.call("query-names")
    ok(r and "return" in r, "the CP goes on after refusing")
else:
    print("(not root: the second-uid connection is not tried)")

c.close()
ev.close()
cpd.terminate()
try:
    out, _ = cpd.communicate(timeout=30)
except subprocess.TimeoutExpired:
    cpd.kill()
    out = b""
ok(cpd.returncode == 0 and b"CP of" in out and b"ends" in out, "SIGTERM ends the foreground CP (%r)" % cpd.returncode)
ok(not os.path.exists(sock), "and its socket goes")
sys.exit(H.summary())
