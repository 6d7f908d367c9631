#!/usr/bin/python3
"""HTTP benchmark: Torito's microservice beside a Linux micro-VM baseline.

Both guests run on the same QEMU machine (pc, 1 vCPU, same -m, virtio-net-pci)
and the same network backend: a tap in a network namespace made for the
run (testing/net/net_run.py; host 10.77.0.1, guest 10.77.0.2). Linux is
Debian's kernel with busybox httpd serving the same "Hello World" page
(testing/bench/linux_baseline; run its setup.sh once). For each guest it
measures:
  - image size (Torito: the ELF and the bytes its PT_LOAD segments load;
    Linux: bzImage + initramfs)
  - QEMU start to the "listening" line and to the first HTTP 200 (a client
    in the namespace polls from before QEMU starts)
  - host CPU of the idle guest: utime+stime of the QEMU process over
    --idle seconds (/proc/PID/stat), before any load
  - wrk (one thread, --duration each) at -c1, -c8, -c64 and -c1000, with
    keep-alive and with "Connection: close": req/s, latency avg and p99
    (--latency), errors (socket errors + non-2xx)
  - the smallest -m (MiB) that still boots and answers a GET (binary
    search; TCG only; Linux with a coarser step)
TCG always; KVM as well when /dev/kvm opens (nested here and slow: a guest
whose boot exceeds its limit is skipped with a note). Prints tables;
asserts nothing.

    bazel run //testing/bench:http [-- --duration 5 --no-linux --no-kvm ...]

Python standard library only.
"""

import argparse
import json
import os
import re
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
for p in (os.path.join(HERE, "..", "net"), os.path.join(HERE, "linux_baseline")):
    sys.path.insert(0, p)
import net_run  # noqa: E402
import baseline  # noqa: E402

CONNS = [1, 8, 64, 1000]
# Binary search range (MiB, exclusive low, inclusive high) and step.
MIN_MEMORY = {"torito": (1, 64, 1), "linux": (16, 128, 8)}


def loaded_bytes(path):
    with open(path, "rb") as f:
        data = f.read()
    phoff = struct.unpack_from("<Q", data, 0x20)[0]
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    total = 0
    for i in range(phnum):
        p_type, _, _, _, _, filesz = struct.unpack_from(
            "<IIQQQQ", data, phoff + i * phentsize)
        if p_type == 1:
            total += filesz
    return total


def cpu_seconds(pid):
    """utime+stime of a process (all its threads), in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return ticks / os.sysconf("SC_CLK_TCK")


def parse_wrk(out):
    r = {}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    r["rps"] = float(m.group(1)) if m else None
    m = re.search(r"^\s+Latency\s+(\S+)", out, re.M)
    r["avg"] = m.group(1) if m else None
    m = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    r["p99"] = m.group(1) if m else None
    m = re.search(r"(\d+) requests in", out)
    r["requests"] = int(m.group(1)) if m else 0
    errors = 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                  r"timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
        r["socket"] = "c%s r%s w%s t%s" % m.groups()
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errors += int(m.group(1))
    r["errors"] = errors
    return r


class Bench:
    def __init__(self, args):
        self.args = args

    def guest(self, net, name, accel, memory):
        if name == "torito":
            return net_run.Guest(net, machine="pc", accel=accel,
                                 kernel=self.args.torito, memory=memory,
                                 verbose=False)
        return net_run.Guest(net, machine="pc", accel=accel,
                             linux_baseline=True, memory=memory,
                             verbose=False)

    def boot(self, net, name, accel, memory, timeout):
        """Starts the guest with a poller already waiting in the namespace.
        Returns (guest, seconds to listening line, seconds to first 200);
        times are None when they did not happen within timeout."""
        poll_cmd = net.wrap([sys.executable, net_run.SELF, "client", "poll",
                             "--host", net.host, "--port", str(net.port),
                             "--timeout", str(timeout)])
        poller = subprocess.Popen(poll_cmd, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  preexec_fn=net_run.die_with_parent)
        time.sleep(0.3)  # the poller's interpreter is up before QEMU starts
        g = self.guest(net, name, accel, memory)
        g.start()
        m = g.wait_for(net_run.READY_RE.pattern, timeout)
        t_ready = (time.monotonic() - g.t_start) if m else None
        try:
            out, _ = poller.communicate(timeout=timeout + 5)
            res = json.loads(out.decode().strip().splitlines()[-1])
        except (subprocess.TimeoutExpired, ValueError, IndexError):
            poller.kill()
            poller.wait()
            res = {"ok": False}
        t_200 = res["t"] - g.t_start if res.get("ok") else None
        return g, t_ready, t_200

    def wrk(self, net, conns, keepalive):
        a = self.args
        cmd = ["wrk", "-t1", "-c%d" % conns, "-d%ds" % a.duration, "--latency",
               "--timeout", "5s"]
        if not keepalive:
            cmd += ["-H", "Connection: close"]
        cmd.append("http://%s:%d/" % (net.host, net.port))
        try:
            rc, out, err = net_run.run(net.wrap(cmd), a.duration + 30)
        except net_run.Timeout:
            return {"rps": None, "avg": None, "p99": None, "errors": None,
                    "note": "wrk hung"}
        r = parse_wrk(out)
        if rc != 0 or r["rps"] is None:
            r["note"] = "wrk rc %d: %s" % (rc, (err or out).strip()[-200:])
        return r

    def measure(self, name, accel):
        """One boot: start-up times, idle CPU, the wrk matrix."""
        a = self.args
        r = {}
        net = net_run.TapNet()
        g = None
        try:
            net.setup()
            limit = a.kvm_boot_timeout if accel == "kvm" else a.boot_timeout
            g, t_ready, t_200 = self.boot(net, name, accel, a.memory, limit)
            r["ready"], r["first200"] = t_ready, t_200
            if t_200 is None:
                r["note"] = ("skipped: no HTTP 200 within %.0f s%s" % (
                    limit, "" if t_ready else " (not even the listening line)"))
                return r
            time.sleep(1)
            c0, w0 = cpu_seconds(g.proc.pid), time.monotonic()
            time.sleep(a.idle)
            c1, w1 = cpu_seconds(g.proc.pid), time.monotonic()
            r["idle_cpu"] = (c1 - c0, w1 - w0)
            for conns in a.conns:
                for ka in (True, False):
                    r[(conns, ka)] = self.wrk(net, conns, ka)
                    print("  %s/%s -c%d %s: %s" % (
                        name, accel, conns, "keep-alive" if ka else "close",
                        r[(conns, ka)]), flush=True)
            r["alive"] = g.running()
        finally:
            if g is not None:
                g.stop()
            net.teardown()
        return r

    def serves(self, name, mib, timeout):
        net = net_run.TapNet()
        g = None
        try:
            net.setup()
            g, _, t_200 = self.boot(net, name, "tcg", "%dM" % mib, timeout)
            return t_200 is not None
        finally:
            if g is not None:
                g.stop()
            net.teardown()

    def min_memory(self, name, lo, hi, step, timeout):
        """Smallest MiB in (lo, hi] that serves, to within `step`; None if
        even hi does not."""
        if not self.serves(name, hi, timeout):
            return None
        while hi - lo > step:
            mid = (lo + hi) // 2
            ok = self.serves(name, mid, timeout)
            print("  %s -m %dM: %s" % (name, mid, "serves" if ok else "no"),
                  flush=True)
            if ok:
                hi = mid
            else:
                lo = mid
        return hi


def fmt_s(v):
    return "-" if v is None else "%.2f s" % v


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--torito", required=True, help="microservice image.elf")
    ap.add_argument("--no-linux", action="store_true")
    ap.add_argument("--no-kvm", action="store_true")
    ap.add_argument("--duration", type=int, default=5, help="wrk seconds")
    ap.add_argument("--conns", default=",".join(map(str, CONNS)))
    ap.add_argument("--idle", type=float, default=10)
    ap.add_argument("--memory", default="256M")
    ap.add_argument("--boot-timeout", type=float, default=60,
                    help="TCG: QEMU start to first 200, seconds")
    ap.add_argument("--kvm-boot-timeout", type=float, default=40,
                    help="KVM (nested here, slow): past this the guest is "
                         "skipped with a note")
    ap.add_argument("--no-min-memory", action="store_true")
    ap.add_argument("--no-linux-min-memory", action="store_true")
    args = ap.parse_args(argv)
    args.conns = [int(c) for c in args.conns.split(",")]
    os.environ["PATH"] += ":/usr/sbin:/sbin"
    if os.geteuid() != 0:
        sys.exit("http bench: needs root (network namespace and tap)")

    names = ["torito"]
    if not args.no_linux:
        problem = baseline.ready()
        if problem:
            print("note: Linux baseline left out: %s" % problem)
        else:
            names.append("linux")
    accels = ["tcg"]
    notes = []
    if not args.no_kvm:
        if net_run.kvm_usable():
            accels.append("kvm")
        else:
            notes.append("KVM: /dev/kvm is not usable here; TCG only")

    t_start = time.monotonic()
    bench = Bench(args)
    results = {}
    for accel in accels:
        for name in names:
            print("== %s, %s" % (name, accel), flush=True)
            t0 = time.monotonic()
            results[(name, accel)] = bench.measure(name, accel)
            print("   (%.0f s)" % (time.monotonic() - t0), flush=True)
            note = results[(name, accel)].get("note")
            if note:
                notes.append("%s/%s: %s" % (name, accel, note))

    mins = {}
    if not args.no_min_memory:
        print("== smallest -m that serves (TCG)", flush=True)
        mins["torito"] = bench.min_memory("torito", *MIN_MEMORY["torito"], 20)
        if "linux" in names and not args.no_linux_min_memory:
            mins["linux"] = bench.min_memory("linux", *MIN_MEMORY["linux"], 60)

    # --- the tables ---
    sizes = {"torito": "%d KiB ELF, %d KiB loaded" % (
        os.path.getsize(args.torito) // 1024, loaded_bytes(args.torito) // 1024)}
    if "linux" in names:
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            n = baseline.initramfs(os.path.join(d, "i.cpio"))
        sizes["linux"] = "%d KiB bzImage + %d KiB cpio" % (
            os.path.getsize(baseline.kernel_path()) // 1024, n // 1024)
    w0, w = 24, 46

    def line(label, cells):
        print("%-*s" % (w0, label) + "".join("%-*s" % (w, c) for c in cells).rstrip())

    print()
    print("HTTP benchmark: QEMU pc, 1 vCPU, -m %s, virtio-net-pci, tap in a "
          "namespace; wrk -t1 -d%ds --latency" % (args.memory, args.duration))
    line("", names)
    line("image size", [sizes[n] for n in names])
    if mins:
        line("smallest -m that serves", [
            "-" if n not in mins else
            ("more than %d MiB" % MIN_MEMORY[n][1] if mins[n] is None else
             "%d MiB" % mins[n]) for n in names])
    for accel in accels:
        print()
        print("-- %s --" % accel.upper())
        line("", names)
        line("start -> listening", [fmt_s(results[(n, accel)].get("ready")) for n in names])
        line("start -> first HTTP 200", [fmt_s(results[(n, accel)].get("first200"))
                                          for n in names])
        line("idle host CPU, %.0f s" % args.idle, [
            "-" if "idle_cpu" not in results[(n, accel)] else
            "%.2f%% (%.2f s CPU)" % (
                100 * results[(n, accel)]["idle_cpu"][0] / results[(n, accel)]["idle_cpu"][1],
                results[(n, accel)]["idle_cpu"][0]) for n in names])
        line("wrk", ["%9s %9s %9s %6s" % ("req/s", "avg", "p99", "errors")
                     for n in names])
        for conns in args.conns:
            for ka in (True, False):
                cells = []
                for n in names:
                    r = results[(n, accel)].get((conns, ka))
                    if not r:
                        cells.append("%9s" % "-")
                    elif r.get("rps") is None:
                        cells.append("%9s %s" % ("failed", r.get("note", "")[:30]))
                    elif r["requests"] == 0:
                        cells.append("%9s (no request answered)" % "0")
                    else:
                        cells.append("%9.0f %9s %9s %6d" % (
                            r["rps"], r["avg"], r["p99"], r["errors"]))
                line("  -c%d %s" % (conns, "keep-alive" if ka else "close"), cells)
        for n in names:
            r = results[(n, accel)]
            if "alive" in r and not r["alive"]:
                notes.append("%s/%s: the guest was gone after the load" % (n, accel))
    print()
    print("req/s, average latency, p99 latency, errors (socket errors + non-2xx).")
    print("Nested, shared 2-core host: compare the columns, not with hardware.")
    for note in notes:
        print("note: " + note)
    print("(whole benchmark: %.0f s)" % (time.monotonic() - t_start))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
