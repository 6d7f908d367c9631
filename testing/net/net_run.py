#!/usr/bin/python3
"""Boot an HTTP image in QEMU on a real network and run scenarios against it.

Two network backends:
  user  QEMU user networking (slirp) with
        hostfwd=tcp:127.0.0.1:PORT-:GUESTPORT; clients talk to 127.0.0.1.
        Static guest config 10.0.2.15/24 gw 10.0.2.2, or --dhcp (slirp's
        built-in DHCP server hands out 10.0.2.15).
  tap   a network namespace made for this run (torito-<pid>), holding a tap
        device tap0 with the host side 10.77.0.1/24; the guest is
        10.77.0.2. QEMU itself runs inside the namespace (`ip netns exec`)
        so it can open the tap, and so do all clients (curl, ping, wrk and
        this script's own Python clients), so no traffic leaves the
        namespace. The namespace is deleted at the end whatever happens
        (scenario failure, timeout, SIGTERM from Bazel); namespaces left by
        a run that was SIGKILLed (owner pid gone, no process inside) are
        deleted by the next run.

The image is a Torito image (`--kernel image.elf`, PVH) or the Linux
baseline micro-VM (`--linux-baseline`: Debian's kernel plus a busybox httpd
initramfs, testing/bench/linux_baseline). Both take `ip= gw= netmask= port=`
on the kernel command line and print "listening on port N" when ready.

Scenarios (--scenario, repeatable; in the given order, one boot):
  get         curl: status 200, body contains "Hello World"
  ping        3 ICMP echo replies (tap)
  keepalive   curl --http1.1 URL URL: both answered on one connection
  http10      curl --http1.0: full body; a raw HTTP/1.0 request: the server
              closes the connection after the body
  pause       GET, 3 s of silence, GET on the same keep-alive connection:
              both answered (the microservice keeps idle connections 30 s)
  sequential  1000 requests, a new connection each, all 200
  concurrent  200 keep-alive connections open at once, 3 requests each,
              all 200, no socket errors
  wrk         wrk -c200 -d3s: zero socket errors, zero non-2xx, some requests
  upload      POST a 10 MB random file to the echo path with curl; the
              answer is 200 and has the same sha256
  vanish      clients that RST mid-request, mid-upload, right after connect
              and between keep-alive requests; afterwards the server still
              answers new requests (what is asserted)
  dhcp        the guest printed "ip 10.0.2.15" (use with --net user --dhcp)

Every step has a timeout and the whole run has one (--timeout); QEMU is
killed at the end. Prints PASS:/FAIL: lines, the serial console, and
"N passed, N failed"; exits 1 on any failure. No assertion is about timing;
timings are printed for information.

`net_run.py client KIND ...` is the in-namespace side of the Python clients
(used by the scenarios; prints one JSON line).

Python standard library only.
"""

import argparse
import contextlib
import hashlib
import json
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SELF = os.path.abspath(__file__)
QEMU = "qemu-system-x86_64"
READY_RE = re.compile(r"listening on port (\d+)")
CRASH_RE = re.compile(r"torito: panic|exception \d+ \(#|Kernel panic")
NS_PREFIX = "torito-"
TAP_HOST = "10.77.0.1"
TAP_GUEST = "10.77.0.2"
USER_GUEST = "10.0.2.15"
USER_GW = "10.0.2.2"
HELLO = b"Hello World"


class Timeout(Exception):
    """A step did not finish in time; the run goes on with the next one."""


class Abort(Exception):
    """The whole-run limit passed or a signal came: clean up and stop."""


def log(msg):
    print(msg, flush=True)


def die_with_parent():
    """preexec_fn: SIGKILL this child when our process dies, even by SIGKILL
    (PR_SET_PDEATHSIG survives `ip netns exec`'s exec of QEMU)."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def run(cmd, timeout, check=False, **kw):
    """subprocess.run with a timeout; output captured as text."""
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, preexec_fn=die_with_parent, **kw)
    except subprocess.TimeoutExpired as e:
        raise Timeout("%s: no answer within %ss" % (" ".join(cmd[:4]), timeout)) from e
    out = p.stdout.decode("utf-8", "replace") if isinstance(p.stdout, bytes) else p.stdout
    err = p.stderr.decode("utf-8", "replace") if isinstance(p.stderr, bytes) else p.stderr
    if check and p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), p.returncode, err.strip()))
    return p.returncode, out, err


def kvm_usable():
    try:
        fd = os.open("/dev/kvm", os.O_RDWR)
    except OSError:
        return False
    os.close(fd)
    return True


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- network backends ------------------------------------------------------

def sweep_stale_namespaces():
    """Deletes torito-<pid> namespaces whose creator is gone and that hold no
    process (left by a run that was SIGKILLed)."""
    try:
        _, out, _ = run(["ip", "netns", "list"], 10)
    except (Timeout, OSError):
        return
    for line in out.splitlines():
        name = line.split()[0] if line.split() else ""
        m = re.fullmatch(NS_PREFIX + r"(\d+)(?:-\d+)?", name)
        if not m or os.path.exists("/proc/" + m.group(1)):
            continue
        _, pids, _ = run(["ip", "netns", "pids", name], 10)
        if not pids.strip():
            run(["ip", "netns", "delete", name], 10)
            log("net_run: deleted stale namespace %s" % name)


class UserNet:
    """QEMU user networking with a host port forwarded to the guest."""

    kind = "user"

    def __init__(self, guest_port=80, dhcp=False):
        self.guest_port = guest_port
        self.dhcp = dhcp
        self.host_port = None
        self.guest_ip = USER_GUEST

    def setup(self):
        self.host_port = free_port()

    def teardown(self):
        pass

    def netdev(self):
        return ["-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:%d-:%d"
                % (self.host_port, self.guest_port)]

    def cmdline(self):
        if self.dhcp:
            return ""
        return "ip=%s gw=%s netmask=255.255.255.0" % (USER_GUEST, USER_GW)

    @property
    def host(self):
        return "127.0.0.1"

    @property
    def port(self):
        return self.host_port

    def wrap(self, cmd):
        return cmd


class TapNet:
    """A namespace of our own with tap0 (10.77.0.1/24); guest 10.77.0.2."""

    kind = "tap"

    def __init__(self, guest_port=80):
        self.guest_port = guest_port
        self.ns = None
        self.guest_ip = TAP_GUEST

    def setup(self):
        sweep_stale_namespaces()
        for i in range(100):
            name = "%s%d" % (NS_PREFIX, os.getpid()) + ("-%d" % i if i else "")
            rc, _, err = run(["ip", "netns", "add", name], 10)
            if rc == 0:
                self.ns = name
                break
            if "exists" not in err:
                raise RuntimeError("ip netns add %s: %s (needs root, outside "
                                   "Bazel's sandbox: tags = [\"local\"])"
                                   % (name, err.strip()))
        else:
            raise RuntimeError("no free namespace name")
        ns = ["ip", "-n", self.ns]
        run(ns + ["link", "set", "lo", "up"], 10, check=True)
        run(ns + ["tuntap", "add", "dev", "tap0", "mode", "tap"], 10, check=True)
        run(ns + ["addr", "add", TAP_HOST + "/24", "dev", "tap0"], 10, check=True)
        run(ns + ["link", "set", "tap0", "up"], 10, check=True)
        # The clients' ephemeral ports, in this namespace only: the default
        # 28k run out under wrk with "Connection: close" (each port then sits
        # in TIME_WAIT for 60 s and connect() slows to a crawl searching for
        # a free one, which measured the client, not the guest).
        run(["ip", "netns", "exec", self.ns, "sysctl", "-q", "-w",
             "net.ipv4.ip_local_port_range=1024 65535"], 10, check=True)

    def teardown(self):
        if self.ns:
            for _ in range(20):
                rc, _, err = run(["ip", "netns", "delete", self.ns], 10)
                if rc == 0 or "No such file" in err:
                    break
                time.sleep(0.1)
            else:
                log("net_run: could not delete namespace %s: %s" % (self.ns, err.strip()))
            self.ns = None

    def netdev(self):
        return ["-netdev", "tap,id=n0,ifname=tap0,script=no,downscript=no"]

    def cmdline(self):
        return "ip=%s gw=%s netmask=255.255.255.0" % (TAP_GUEST, TAP_HOST)

    @property
    def host(self):
        return TAP_GUEST

    @property
    def port(self):
        return self.guest_port

    def wrap(self, cmd):
        return ["ip", "netns", "exec", self.ns] + cmd


# --- the guest -------------------------------------------------------------

class Guest:
    """One QEMU run: image, machine, accel, network; the serial console is
    read by a thread into `self.console` (and optionally a log file)."""

    def __init__(self, net, machine="pc", accel="tcg", kernel=None,
                 linux_baseline=False, append="", memory="128M", smp=1,
                 nic_opts="", qemu_args=(), verbose=True):
        self.net = net
        self.machine = machine
        self.accel = accel
        self.kernel = kernel
        self.linux_baseline = linux_baseline
        self.append = append
        self.memory = memory
        self.smp = smp
        self.nic_opts = nic_opts
        self.qemu_args = list(qemu_args)
        self.verbose = verbose
        self.proc = None
        self.t_start = None
        self.console = ""
        self._buf = bytearray()
        self._lock = threading.Lock()
        self._reader = None
        self._tmp = None

    def command(self):
        cmd = [QEMU, "-nodefaults", "-no-user-config", "-display", "none",
               "-no-reboot", "-m", str(self.memory), "-smp", str(self.smp),
               "-accel", self.accel]
        if self.machine == "microvm":
            cmd += ["-machine", "microvm,rtc=on,pit=on,pic=on,isa-serial=on"]
            dev = "virtio-net-device,netdev=n0"
        else:
            cmd += ["-machine", "pc"]
            dev = "virtio-net-pci,netdev=n0"
        if self.nic_opts:
            dev += "," + self.nic_opts
        line = " ".join(a for a in [self.net.cmdline(),
                                    "port=%d" % self.net.guest_port
                                    if self.net.guest_port != 80 else "",
                                    self.append] if a)
        if self.linux_baseline:
            sys.path.insert(0, os.path.join(HERE, "..", "bench", "linux_baseline"))
            import baseline  # noqa: E402
            problem = baseline.ready()
            if problem:
                raise RuntimeError(problem)
            self._tmp = tempfile.mkdtemp(prefix="torito-net-")
            initrd = os.path.join(self._tmp, "initramfs.cpio")
            baseline.initramfs(initrd)
            cmd += ["-kernel", baseline.kernel_path(), "-initrd", initrd]
            line = baseline.KERNEL_ARGS + " " + line
        else:
            cmd += ["-kernel", self.kernel]
        cmd += ["-append", line.strip()]
        cmd += self.net.netdev() + ["-device", dev]
        cmd += ["-serial", "stdio"] + self.qemu_args
        return self.net.wrap(cmd)

    def start(self):
        cmd = self.command()
        if self.verbose:
            log("+ " + " ".join(cmd))
        self.t_start = time.monotonic()
        # `ip netns exec` execs QEMU, so proc.pid is QEMU's pid.
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT,
                                     start_new_session=True,
                                     preexec_fn=die_with_parent)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        fd = self.proc.stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            with self._lock:
                self._buf += chunk
                self.console = self._buf.decode("utf-8", "replace").replace("\r\n", "\n")

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_for(self, regex, timeout):
        """The match of regex on the console, or None (timeout or QEMU exit)."""
        deadline = time.monotonic() + timeout
        pattern = re.compile(regex, re.M)
        while True:
            m = pattern.search(self.console)
            if m:
                return m
            if not self.running() or time.monotonic() > deadline:
                time.sleep(0.1)  # the reader may still hold the last bytes
                return pattern.search(self.console)
            time.sleep(0.02)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc is not None:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        if self._reader is not None:
            self._reader.join(timeout=2)
        if self._tmp:
            for f in os.listdir(self._tmp):
                os.unlink(os.path.join(self._tmp, f))
            os.rmdir(self._tmp)
            self._tmp = None


# --- checks ----------------------------------------------------------------

class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        log("%s: %s%s" % ("PASS" if ok else "FAIL", name,
                          (": " + detail) if detail else ""))
        return ok


class Context:
    def __init__(self, args, net, guest, results):
        self.args = args
        self.net = net
        self.guest = guest
        self.r = results

    @property
    def url(self):
        return "http://%s:%d/" % (self.net.host, self.net.port)

    def sh(self, cmd, timeout):
        """Runs a client command (inside the namespace for tap)."""
        return run(self.net.wrap(cmd), timeout)

    def client(self, kind, timeout, *extra):
        """Runs `net_run.py client KIND` where the guest is reachable."""
        cmd = [sys.executable, SELF, "client", kind, "--host", self.net.host,
               "--port", str(self.net.port), "--echo-path",
               self.args.echo_path] + list(extra)
        rc, out, err = self.sh(cmd, timeout)
        for line in reversed(out.splitlines()):
            if line.startswith("{"):
                return json.loads(line)
        return {"error": "client exited %d: %s" % (rc, (err or out).strip()[-500:])}


def curl(ctx, args, timeout=20):
    return ctx.sh(["curl", "-sS", "--max-time", str(timeout - 2)] + args, timeout)


def sc_get(ctx):
    rc, out, err = curl(ctx, ["-w", "\n%{http_code}", ctx.url])
    body, _, code = out.rpartition("\n")
    ctx.r.check("get: status 200", rc == 0 and code == "200",
                "curl rc %d, status %r %s" % (rc, code, err.strip()))
    ctx.r.check("get: body contains 'Hello World'", "Hello World" in body,
                "body %r" % body[:200])


def sc_ping(ctx):
    # -w: keep going until 3 replies or 20 s (the first may wait for ARP).
    rc, out, err = ctx.sh(["ping", "-n", "-c", "3", "-i", "0.3", "-w", "20",
                           ctx.net.guest_ip], 30)
    m = re.search(r"(\d+) received", out)
    got = int(m.group(1)) if m else 0
    ctx.r.check("ping: 3 replies", rc == 0 and got == 3,
                "%d received: %s" % (got, (out + err).strip().splitlines()[-2:]))


def sc_keepalive(ctx):
    rc, out, err = curl(ctx, ["-v", "--http1.1", ctx.url, ctx.url])
    ctx.r.check("keepalive: both answered 200",
                rc == 0 and err.count("< HTTP/1.1 200") == 2
                and out.count("Hello World") == 2,
                "curl rc %d, %d answers, %d bodies" % (
                    rc, err.count("< HTTP/1.1 200"), out.count("Hello World")))
    reused = "Re-using existing connection" in err
    conns = set(re.findall(r"Connected to .* port \d+ \(#(\d+)\)", err))
    ctx.r.check("keepalive: second request on the same connection",
                reused and len(conns) == 1,
                "curl -v: %s" % ("; ".join(l for l in err.splitlines()
                                           if "onnect" in l)))


def sc_pause(ctx):
    res = ctx.client("pause", 30, "--timeout", "3")
    ctx.r.check("pause: a keep-alive connection idle for 3 s still answers "
                "on the same connection", res.get("ok", False), json.dumps(res))


def sc_http10(ctx):
    rc, out, err = curl(ctx, ["-v", "--http1.0", ctx.url])
    m = re.search(r"< Content-Length: (\d+)", err, re.I)
    ctx.r.check("http10: curl --http1.0 gets 200 and the full body",
                rc == 0 and re.search(r"< HTTP/1\.[01] 200", err) is not None
                and m is not None and len(out.encode()) == int(m.group(1))
                and "Hello World" in out,
                "rc %d, content-length %s, body %d bytes %r" % (
                    rc, m.group(1) if m else None, len(out.encode()), out[:80]))
    res = ctx.client("http10", 30)
    ctx.r.check("http10: raw HTTP/1.0 request: 200, full body, server closes",
                res.get("ok", False), json.dumps(res))


def sc_sequential(ctx):
    n = ctx.args.sequential
    t0 = time.monotonic()
    res = ctx.client("sequential", 55, "--count", str(n))
    ctx.r.check("sequential: %d new connections, all 200" % n,
                res.get("ok") == n and not res.get("fail"),
                "%s (%.1f s)" % (json.dumps(res), time.monotonic() - t0))


def sc_concurrent(ctx):
    n = ctx.args.concurrent
    t0 = time.monotonic()
    res = ctx.client("concurrent", 55, "--count", str(n), "--requests", "3")
    ctx.r.check("concurrent: %d keep-alive connections open at once, "
                "3 requests each, all 200" % n,
                res.get("ok") == 3 * n and res.get("connected") == n
                and not res.get("errors"),
                "%s (%.1f s)" % (json.dumps(res), time.monotonic() - t0))


def sc_wrk(ctx):
    rc, out, err = ctx.sh(["wrk", "-t1", "-c200", "-d3s", "--timeout", "10s",
                           ctx.url], 40)
    m = re.search(r"(\d+) requests in", out)
    reqs = int(m.group(1)) if m else 0
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                     r"timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    ctx.r.check("wrk -c200 -d3s: requests answered, no socket errors, no non-2xx",
                rc == 0 and reqs > 0 and sock is None and non2xx is None,
                " ".join(out.split()) + " " + err.strip())


def sha256_file(path):
    if not os.path.exists(path):
        return "", 0
    with open(path, "rb") as f:
        data = f.read()
    return hashlib.sha256(data).hexdigest(), len(data)


def sc_upload(ctx):
    size = ctx.args.upload_mb * 1024 * 1024
    url = ctx.url.rstrip("/") + ctx.args.echo_path
    with tempfile.TemporaryDirectory(prefix="torito-net-") as d:
        os.chmod(d, 0o755)
        src = os.path.join(d, "up.bin")
        dst = os.path.join(d, "down.bin")
        with open(src, "wb") as f:
            f.write(os.urandom(size))
        want, _ = sha256_file(src)
        t0 = time.monotonic()
        rc, out, err = curl(ctx, ["--data-binary", "@" + src, "-H",
                                  "Content-Type: application/octet-stream",
                                  "-o", dst, "-w", "%{http_code}", url], 58)
        took = time.monotonic() - t0
        got, n = sha256_file(dst)
        ctx.r.check("upload: %d MB POST %s answered 200" % (
                        ctx.args.upload_mb, ctx.args.echo_path),
                    rc == 0 and out.strip() == "200",
                    "curl rc %d, status %r %s (%.1f s)" % (
                        rc, out.strip(), err.strip(), took))
        ok = ctx.r.check("upload: echoed body has the same sha256",
                         got == want and n == size,
                         "sent %d bytes %s, got %d bytes %s" % (
                             size, want[:16], n, got[:16]))
        if ok:
            return
        # A hint, not a check: curl sends "Expect: 100-continue" with large
        # bodies; a server that answers with a final status before reading
        # the body (instead of "100 Continue") makes curl stop sending.
        if os.path.exists(dst):
            os.unlink(dst)
        rc2, out2, _ = curl(ctx, ["--data-binary", "@" + src, "-H", "Expect:",
                                  "-o", dst, "-w", "%{http_code}", url], 58)
        got2, _ = sha256_file(dst)
        log("  upload: note: the same upload without 'Expect: 100-continue' %s"
            % ("is echoed intact, so the failure is in the server's handling "
               "of 'Expect: 100-continue'" if rc2 == 0 and got2 == want else
               "fails too (curl rc %d, status %r)" % (rc2, out2.strip())))


def sc_vanish(ctx):
    res = ctx.client("vanish", 55, "--rounds", "3")
    for step in res.get("steps", []):
        log("  vanish: %s" % step)
    ctx.r.check("vanish: after clients RST mid-request, mid-upload, after "
                "connect and between requests, a new GET gets 200",
                res.get("after_ok", False), json.dumps(res.get("after")))
    ctx.r.check("vanish: and 20 more new connections all get 200",
                res.get("more_ok") == 20, "%s of 20" % res.get("more_ok"))


def sc_dhcp(ctx):
    m = re.search(r"^net: .*\bip (\d+\.\d+\.\d+\.\d+)", ctx.guest.console, re.M)
    ctx.r.check("dhcp: the guest printed ip %s" % USER_GUEST,
                m is not None and m.group(1) == USER_GUEST,
                m.group(0) if m else "no 'net: ... ip A.B.C.D' line")


SCENARIOS = {
    "get": sc_get,
    "ping": sc_ping,
    "keepalive": sc_keepalive,
    "http10": sc_http10,
    "pause": sc_pause,
    "sequential": sc_sequential,
    "concurrent": sc_concurrent,
    "wrk": sc_wrk,
    "upload": sc_upload,
    "vanish": sc_vanish,
    "dhcp": sc_dhcp,
}


# --- the in-namespace clients ----------------------------------------------

def read_response(sock, deadline):
    """Reads one HTTP response (Content-Length bodies, or to EOF when there is
    none). Returns (status, headers dict, body, eof_seen)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("EOF before the end of the response head "
                                  "(%d bytes)" % len(buf))
        buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    eof = False
    if "content-length" in headers:
        want = int(headers["content-length"])
        while len(body) < want:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("EOF after %d of %d body bytes" % (len(body), want))
            body += chunk
    else:
        while True:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = sock.recv(65536)
            if not chunk:
                eof = True
                break
            body += chunk
    return status, headers, body, eof


def wait_eof(sock, deadline):
    """True when the peer closes (EOF or RST) before the deadline."""
    while True:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            if not sock.recv(4096):
                return True
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False


def get_request(host, keep_alive=True, version="1.1"):
    conn = "" if keep_alive else "Connection: close\r\n"
    return ("GET / HTTP/%s\r\nHost: %s\r\n%s\r\n" % (version, host, conn)).encode()


def one_get(host, port, timeout=10, keep_alive=False, connect_timeout=None):
    """A new connection, one GET; returns None on success, else an error."""
    deadline = time.monotonic() + timeout
    try:
        with socket.create_connection((host, port),
                                      timeout=connect_timeout or timeout) as s:
            s.sendall(get_request(host, keep_alive))
            status, _, body, _ = read_response(s, deadline)
            if status != 200 or HELLO not in body:
                return "status %d body %r" % (status, body[:60])
            if not keep_alive and not wait_eof(s, deadline):
                return "no close after Connection: close"
    except (OSError, ValueError, IndexError) as e:
        return "%s: %s" % (type(e).__name__, e)
    return None


def rst(sock):
    """Closes with an RST instead of a FIN (SO_LINGER on, 0 s)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
    sock.close()


def client_sequential(a):
    ok, fail, first = 0, 0, None
    for i in range(a.count):
        err = one_get(a.host, a.port)
        if err is None:
            ok += 1
        else:
            fail += 1
            first = first or "#%d: %s" % (i, err)
            if fail >= 10:
                break
    return {"ok": ok, "fail": fail, "first_error": first}


def client_concurrent(a):
    threading.stack_size(256 * 1024)
    n = a.count
    ok = [0] * n
    errors = []
    connected = [False] * n
    opened = threading.Barrier(n + 1, timeout=40)
    finished = threading.Barrier(n + 1, timeout=40)

    def worker(i):
        deadline = time.monotonic() + 45
        s = None
        try:
            s = socket.create_connection((a.host, a.port), timeout=30)
            connected[i] = True
        except OSError as e:
            errors.append("connect #%d: %s" % (i, e))
        try:
            opened.wait()  # all connections open before any request
        except threading.BrokenBarrierError:
            pass
        if s is not None:
            try:
                for _ in range(a.requests):
                    s.sendall(get_request(a.host))
                    status, headers, body, _ = read_response(s, deadline)
                    if status == 200 and HELLO in body:
                        ok[i] += 1
                    else:
                        errors.append("#%d: status %d" % (i, status))
                    if headers.get("connection", "").lower() == "close":
                        errors.append("#%d: server closed a keep-alive connection" % i)
                        break
            except (OSError, ValueError, IndexError) as e:
                errors.append("#%d: %s: %s" % (i, type(e).__name__, e))
        try:
            finished.wait()  # all stay open until every one is done
        except threading.BrokenBarrierError:
            pass
        if s is not None:
            s.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True)
               for i in range(n)]
    for t in threads:
        t.start()
    try:
        opened.wait()
    except threading.BrokenBarrierError:
        errors.append("not all connections opened in time")
    try:
        finished.wait()
    except threading.BrokenBarrierError:
        errors.append("not all connections finished in time")
    for t in threads:
        t.join(timeout=5)
    return {"ok": sum(ok), "connected": sum(connected), "errors": len(errors),
            "first_errors": errors[:5]}


def client_http10(a):
    deadline = time.monotonic() + 20
    try:
        with socket.create_connection((a.host, a.port), timeout=10) as s:
            s.sendall(get_request(a.host, version="1.0"))
            status, headers, body, eof = read_response(s, deadline)
            length = headers.get("content-length")
            closed = eof or wait_eof(s, deadline)
            full = length is None or len(body) == int(length)
            return {"ok": status == 200 and HELLO in body and full and closed,
                    "status": status, "content_length": length,
                    "body_bytes": len(body), "server_closed": closed}
    except (OSError, ValueError, IndexError) as e:
        return {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}


def client_vanish(a):
    steps = []

    def step(name, fn):
        try:
            fn()
            steps.append("%s: done" % name)
        except OSError as e:  # the client side may see errors; not asserted
            steps.append("%s: %s: %s" % (name, type(e).__name__, e))

    def half_request():
        s = socket.create_connection((a.host, a.port), timeout=10)
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUser-Ag")
        time.sleep(0.2)
        rst(s)

    def mid_upload():
        s = socket.create_connection((a.host, a.port), timeout=10)
        total = 10 * 1024 * 1024
        s.sendall(("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: "
                   "application/octet-stream\r\nContent-Length: %d\r\n\r\n"
                   % (a.echo_path, total)).encode())
        # Send about 1 MB without reading the echo; stop early when the
        # windows fill (the server stops reading while its reply waits).
        chunk = os.urandom(64 * 1024)
        s.settimeout(2)
        sent = 0
        try:
            while sent < 1024 * 1024:
                sent += s.send(chunk)
        except socket.timeout:
            pass
        steps.append("mid-upload: %d bytes sent before the RST" % sent)
        rst(s)

    def after_connect():
        s = socket.create_connection((a.host, a.port), timeout=10)
        rst(s)

    def between_requests():
        s = socket.create_connection((a.host, a.port), timeout=10)
        s.sendall(get_request(a.host))
        read_response(s, time.monotonic() + 10)
        s.sendall(b"GET / HTTP/1.1\r\nHo")
        time.sleep(0.1)
        rst(s)

    def mid_response():
        # Ask for a 1 MB echo, read a little of the answer, then vanish.
        s = socket.create_connection((a.host, a.port), timeout=10)
        body = os.urandom(256 * 1024)
        s.sendall(("POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
                   % (a.echo_path, len(body))).encode())
        s.settimeout(2)
        try:
            s.sendall(body)
            s.recv(1000)
        except socket.timeout:
            pass
        rst(s)

    for r in range(a.rounds):
        step("round %d half request" % r, half_request)
        step("round %d mid upload" % r, mid_upload)
        step("round %d right after connect" % r, after_connect)
        step("round %d between keep-alive requests" % r, between_requests)
        step("round %d mid response" % r, mid_response)
    time.sleep(0.5)
    after = one_get(a.host, a.port, timeout=15)
    more = sum(1 for _ in range(20) if one_get(a.host, a.port) is None)
    return {"steps": steps, "after_ok": after is None,
            "after": after or "200 Hello World", "more_ok": more}


def client_pause(a):
    """GET, a pause of --timeout seconds, GET on the same connection."""
    deadline = time.monotonic() + a.timeout + 20
    try:
        with socket.create_connection((a.host, a.port), timeout=10) as s:
            s.sendall(get_request(a.host))
            first = read_response(s, deadline)[0]
            time.sleep(a.timeout)
            s.sendall(get_request(a.host))
            try:
                second = read_response(s, deadline)[0]
            except ConnectionError as e:
                return {"ok": False, "first": first,
                        "second": "connection closed during the pause (%s)" % e}
            return {"ok": first == 200 and second == 200,
                    "first": first, "second": second}
    except (OSError, ValueError, IndexError) as e:
        return {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}


def client_poll(a):
    """Polls GET / until a 200 arrives; prints CLOCK_MONOTONIC at success."""
    deadline = time.monotonic() + a.timeout
    tries = 0
    while time.monotonic() < deadline:
        tries += 1
        # A short connect timeout: until the guest is up, SYNs go nowhere.
        if one_get(a.host, a.port, timeout=5, connect_timeout=0.2) is None:
            return {"ok": True, "t": time.monotonic(), "tries": tries}
        time.sleep(0.01)
    return {"ok": False, "tries": tries}


CLIENTS = {
    "sequential": client_sequential,
    "concurrent": client_concurrent,
    "http10": client_http10,
    "vanish": client_vanish,
    "pause": client_pause,
    "poll": client_poll,
}


def main_client(argv):
    ap = argparse.ArgumentParser(prog="net_run.py client")
    ap.add_argument("kind", choices=sorted(CLIENTS))
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--echo-path", default="/echo")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--requests", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=30)
    a = ap.parse_args(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    print(json.dumps(CLIENTS[a.kind](a)), flush=True)
    return 0


# --- main ------------------------------------------------------------------

@contextlib.contextmanager
def deadline_alarm(seconds):
    """Raises Abort in the main thread after `seconds`; SIGTERM and SIGHUP
    (Bazel's timeout, a closed terminal) end the run through the same
    cleanup path."""
    def on_alarm(signum, frame):
        raise Abort("the whole run took longer than %ss" % seconds)

    def on_term(signum, frame):
        raise Abort("stopped by signal %d" % signum)

    old = [signal.signal(signal.SIGALRM, on_alarm),
           signal.signal(signal.SIGTERM, on_term),
           signal.signal(signal.SIGHUP, on_term)]
    signal.alarm(int(seconds))
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old[0])
        signal.signal(signal.SIGTERM, old[1])
        signal.signal(signal.SIGHUP, old[2])


def add_guest_args(ap):
    ap.add_argument("--kernel", help="Torito image ELF")
    ap.add_argument("--linux-baseline", action="store_true",
                    help="boot the Linux baseline (testing/bench/linux_baseline)")
    ap.add_argument("--machine", choices=["pc", "microvm"], default="pc")
    ap.add_argument("--accel", choices=["tcg", "kvm"], default="tcg")
    ap.add_argument("--memory", default="128M")
    ap.add_argument("--smp", type=int, default=1)
    ap.add_argument("--net", choices=["user", "tap"], default="tap")
    ap.add_argument("--dhcp", action="store_true",
                    help="no ip= on the command line (user networking only)")
    ap.add_argument("--append", default="", help="more kernel command line")
    ap.add_argument("--nic-opts", default="",
                    help="more virtio-net -device options, e.g. disable-legacy=on")
    ap.add_argument("--qemu-arg", action="append", default=[])
    ap.add_argument("--guest-port", type=int, default=80)


def main(argv):
    # Bazel's test PATH may lack the sbin directories (ip).
    path = os.environ.get("PATH", "/usr/bin:/bin").split(":")
    os.environ["PATH"] = ":".join(path + [d for d in ("/usr/sbin", "/sbin",
                                                      "/usr/bin", "/bin")
                                          if d not in path])
    if argv and argv[0] == "client":
        return main_client(argv[1:])
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_guest_args(ap)
    ap.add_argument("--scenario", action="append", required=True,
                    choices=sorted(SCENARIOS))
    ap.add_argument("--echo-path", default=None,
                    help="POST echo path (default /echo; the Linux baseline's "
                         "is /cgi-bin/echo)")
    ap.add_argument("--boot-timeout", type=float, default=40)
    ap.add_argument("--timeout", type=float, default=170,
                    help="limit for the whole run")
    ap.add_argument("--sequential", type=int, default=1000)
    ap.add_argument("--concurrent", type=int, default=200)
    ap.add_argument("--upload-mb", type=int, default=10)
    args = ap.parse_args(argv)
    if not args.kernel and not args.linux_baseline:
        ap.error("--kernel or --linux-baseline is needed")
    if args.echo_path is None:
        args.echo_path = "/cgi-bin/echo" if args.linux_baseline else "/echo"
    if args.dhcp and args.net != "user":
        ap.error("--dhcp needs --net user (the tap namespace has no DHCP server)")
    if args.accel == "kvm" and not kvm_usable():
        log("SKIPPED: /dev/kvm is not usable on this machine")
        return 0

    results = Results()
    if args.net == "tap":
        net = TapNet(args.guest_port)
    else:
        net = UserNet(args.guest_port, dhcp=args.dhcp)
    guest = None
    t0 = time.monotonic()
    try:
        with deadline_alarm(args.timeout):
            try:
                net.setup()
                guest = Guest(net, machine=args.machine, accel=args.accel,
                              kernel=args.kernel,
                              linux_baseline=args.linux_baseline,
                              append=args.append, memory=args.memory,
                              smp=args.smp, nic_opts=args.nic_opts,
                              qemu_args=args.qemu_arg)
                guest.start()
                m = guest.wait_for(READY_RE.pattern, args.boot_timeout)
                if not results.check(
                        "boot: 'listening on port' on the console", m is not None,
                        "after %.1f s" % (time.monotonic() - guest.t_start) if m else
                        "not within %ss (QEMU %s)" % (
                            args.boot_timeout,
                            "running" if guest.running() else
                            "exited %s" % guest.proc.returncode)):
                    raise Timeout("the guest never became ready")
                log("ready after %.1f s" % (time.monotonic() - guest.t_start))
                ctx = Context(args, net, guest, results)
                for name in args.scenario:
                    t = time.monotonic()
                    try:
                        SCENARIOS[name](ctx)
                    except (Timeout, RuntimeError, OSError) as e:
                        results.check("%s: ran to the end" % name, False, str(e))
                    log("(%s took %.1f s)" % (name, time.monotonic() - t))
                crash = CRASH_RE.search(guest.console)
                results.check("guest still running, no panic or exception",
                              guest.running() and crash is None,
                              crash.group(0) if crash else
                              "" if guest.running() else
                              "QEMU exited %s" % guest.proc.returncode)
            except (Abort, Timeout, RuntimeError, OSError) as e:
                results.check("run", False, str(e))
            finally:
                if guest is not None:
                    guest.stop()
                net.teardown()
    except Abort as e:  # a signal during the cleanup itself
        results.check("run", False, str(e))
        if guest is not None:
            guest.stop()
        net.teardown()
    if guest is not None:
        log("---- serial console ----")
        log(guest.console.rstrip())
        log("---- end ----")
    log("total %.1f s" % (time.monotonic() - t0))
    log("%d passed, %d failed" % (results.passed, results.failed))
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
