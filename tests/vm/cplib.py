"""cplib.py: a raw client of the CP's control socket for the tests (docs/protocol.md),
written from the protocol's description alone: where the socket is, JSON lines, the
greeting, requests with ids, replies and events. Also a pseudo-terminal driver for
`vmcp attach`."""
import json
import os
import pty
import select
import socket
import stat
import subprocess
import time


def run_dir(dasd):
    """The CP's run directory for real disk dasd, by the documented rule."""
    base = os.environ.get("VMCP_RUNDIR")
    if not base:
        x = os.environ.get("XDG_RUNTIME_DIR")
        if x and os.access(x, os.W_OK | os.X_OK):
            base = x + "/vmcp"
        else:
            base = "/tmp/vmcp-%d" % os.getuid()
    st = os.stat(dasd)
    if stat.S_ISBLK(st.st_mode):
        return "%s/cp-b%x" % (base, st.st_rdev)
    return "%s/cp-%x-%x" % (base, st.st_dev, st.st_ino)


def latin1(b):
    """Bytes as the protocol carries them (code points U+0000..U+00FF)."""
    return b.decode("latin-1")


class Cp:
    def __init__(self, dasd=None, path=None, timeout=10):
        self.path = path or run_dir(dasd) + "/sock"
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(self.path)
        self.buf = b""
        self.events = []
        self.next_id = 1
        self.greeting = self.recv()

    def close(self):
        self.s.close()

    def send_raw(self, data):
        self.s.sendall(data)

    def send(self, obj):
        self.send_raw(json.dumps(obj).encode() + b"\n")

    def recv(self, timeout=10):
        """The next line as JSON, or None at end of file or timeout."""
        end = time.time() + timeout
        while b"\n" not in self.buf:
            left = end - time.time()
            if left <= 0:
                return None
            self.s.settimeout(left)
            try:
                d = self.s.recv(65536)
            except socket.timeout:
                return None
            if not d:
                return None
            self.buf += d
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def call(self, cmd, args=None, timeout=30):
        """A request and its reply; events that come first are kept in self.events."""
        rid = self.next_id
        self.next_id += 1
        req = {"execute": cmd, "id": rid}
        if args is not None:
            req["arguments"] = args
        self.send(req)
        end = time.time() + timeout
        while time.time() < end:
            m = self.recv(end - time.time())
            if m is None:
                return None
            if m.get("id") == rid:
                return m
            if "event" in m:
                self.events.append(m)
        return None

    def wait_output(self, vm, text, timeout=30):
        """Waits until the CONSOLE events of vm (to an attached client), joined, hold text;
        the joined output is kept in self.output[vm]."""
        if not hasattr(self, "output"):
            self.output = {}
        end = time.time() + timeout
        while True:
            keep = []
            for e in self.events:
                d = e.get("data", {})
                if e["event"] == "CONSOLE" and d.get("vm") == vm:
                    self.output[vm] = self.output.get(vm, "") + d["data"]
                else:
                    keep.append(e)
            self.events = keep
            if text in self.output.get(vm, ""):
                return True
            left = end - time.time()
            if left <= 0:
                return False
            m = self.recv(left)
            if m is None:
                return False
            if "event" in m:
                self.events.append(m)

    def wait_event(self, name, vm=None, timeout=30, pred=None):
        """The first event called name (for vm), from those kept or those to come."""
        def match(e):
            d = e.get("data", {})
            return e["event"] == name and (vm is None or d.get("vm") == vm) and (pred is None or pred(d))
        for i, e in enumerate(self.events):
            if match(e):
                del self.events[i]
                return e
        end = time.time() + timeout
        while True:
            left = end - time.time()
            if left <= 0:
                return None
            m = self.recv(left)
            if m is None:
                return None
            if "event" in m:
                if match(m):
                    return m
                self.events.append(m)


def names(cp):
    r = cp.call("query-names")
    return {v["name"]: v for v in r["return"]}


class Pty:
    """A program on a pseudo-terminal: what it prints, what we type."""

    def __init__(self, argv, env=None):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            if env:
                os.environ.update(env)
            os.execv(argv[0], argv)
        self.out = b""
        self.status = None

    def read_for(self, seconds):
        end = time.time() + seconds
        while time.time() < end:
            r, _, _ = select.select([self.fd], [], [], 0.05)
            if r:
                try:
                    d = os.read(self.fd, 65536)
                except OSError:
                    return False
                if not d:
                    return False
                self.out += d
        return True

    def expect(self, text, timeout=30):
        """Waits until the output (since the start) holds text; True if it came."""
        t = text.encode() if isinstance(text, str) else text
        end = time.time() + timeout
        while t not in self.out and time.time() < end:
            if not self.read_for(0.1):
                break
        return t in self.out

    def type(self, data, gap=0.0):
        for ch in (data.encode() if isinstance(data, str) else data):
            os.write(self.fd, bytes([ch]))
            if gap:
                time.sleep(gap)

    def wait(self, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            self.read_for(0.1)
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(st)
                return self.status
        return None

    def kill(self):
        try:
            os.kill(self.pid, 9)
            os.waitpid(self.pid, 0)
        except OSError:
            pass


class Harness:
    """What the CP tests share: counted assertions, vmcp commands logged to NAME.log,
    and waits on what the CP says of a VM."""

    def __init__(self, name):
        self.name = name
        self.vmcp_bin = os.environ["VMCP"]
        self.dasd = os.path.abspath("vmcp.dasd")
        self.passed = self.failed = 0
        self.log = open(name + ".log", "a")

    def ok(self, cond, text):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL %s: %s" % (self.name, text), flush=True)

    def vmcp(self, *args, timeout=120):
        p = subprocess.run([self.vmcp_bin, "--dasd", self.dasd] + list(args), capture_output=True,
                           text=True, timeout=timeout)
        self.log.write("$ vmcp %s\n%s%s[exit %d]\n" % (" ".join(args), p.stdout, p.stderr, p.returncode))
        self.log.flush()
        return p.returncode, p.stdout + p.stderr

    def names(self):
        """query names --json: the VMs by name, and the whole object."""
        rc, out = self.vmcp("query", "names", "--json")
        j = json.loads(out)
        return {v["name"]: v for v in j["vms"]}, j

    def wait_state(self, name, state, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            n, _ = self.names()
            if name in n and n[name]["state"] == state:
                return True
            time.sleep(0.2)
        return False

    def wait_spool(self, name, text, timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            if text in self.vmcp("spool", name)[1]:
                return True
            time.sleep(0.3)
        return False

    def summary(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 1 if self.failed else 0
