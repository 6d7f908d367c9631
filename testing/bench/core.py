#!/usr/bin/python3
"""Core benchmark: switch, create+join and allocation cost inside the guest,
and the host CPU an idle guest costs.

Boots testing/bench:core_image (mode=micro) under QEMU pc with -smp 2 and
reads its "bench: key=value" lines; then boots it with mode=idle at -smp 1
and -smp 2 and samples the QEMU process's utime+stime (from /proc) over
IDLE_S seconds once the guest reports idle. Prints a table; asserts nothing.
"""

import argparse
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
try:
    import qemu_run  # noqa: E402
except ImportError:
    sys.path.insert(0, "testing")
    import qemu_run  # noqa: E402


def qemu_cmd(kernel, smp, append, accel):
    opts = argparse.Namespace(machine="pc", kernel=kernel, iso=None,
                              append=append, memory="256M", smp=smp,
                              accel=accel, no_debug_exit=False, qemu_arg=None)
    return qemu_run.qemu_command(opts) + ["-serial", "stdio"]


def micro(kernel, accel, timeout):
    """The guest's measurements; keys missing if it ran out of time."""
    rc, out = qemu_run.run_capture(qemu_cmd(kernel, 2, "mode=micro", accel),
                                   timeout)
    m = {}
    for line in re.findall(r"^bench: (.*)$", out, re.M):
        m.update(re.findall(r"(\w+)=([\d.]+)", line))
    if rc is None:
        print("warning: %s micro-benchmarks did not finish in %ds"
              % (accel, timeout), file=sys.stderr)
    return m


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle(kernel, smp, seconds, accel):
    proc = subprocess.Popen(qemu_cmd(kernel, smp, "mode=idle", accel),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    buf = b""
    deadline = time.monotonic() + 60
    while b"bench: idle" not in buf and time.monotonic() < deadline:
        chunk = os.read(proc.stdout.fileno(), 4096)
        if not chunk:
            break
        buf += chunk
    time.sleep(1)  # let boot-time work settle
    before = cpu_seconds(proc.pid)
    time.sleep(seconds)
    used = cpu_seconds(proc.pid) - before
    proc.kill()
    proc.wait()
    return used


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--idle-seconds", type=float, default=10)
    ap.add_argument("--timeout", type=float, default=120,
                    help="seconds allowed for the in-guest measurements")
    args = ap.parse_args()

    accels = ["tcg"] + (["kvm"] if qemu_run.kvm_usable() else [])
    rows = []
    for accel in accels:
        m = micro(args.kernel, accel, args.timeout)
        rows.append((accel, "thread switch", "%s ns (%s TSC cycles)"
                     % (m.get("switch_ns", "?"), m.get("switch_cycles", "?"))))
        rows.append((accel, "thread create + join (local)",
                     "%s ns" % m.get("create_join_ns", "?")))
        a1 = float(m.get("alloc_pairs_per_s_1cpu", 0))
        a2 = float(m.get("alloc_pairs_per_s_2cpu", 0))
        rows.append((accel, "mem_alloc+mem_free pairs/s, 1 cpu",
                     "%.2f M" % (a1 / 1e6) if a1 else "?"))
        rows.append((accel, "mem_alloc+mem_free pairs/s, 2 cpus at once",
                     "%.2f M (%.2fx one cpu)" % (a2 / 1e6, a2 / a1)
                     if a1 and a2 else "?"))
        for smp in (1, 2):
            used = idle(args.kernel, smp, args.idle_seconds, accel)
            rows.append((accel, "idle guest host CPU over %gs, -smp %d"
                         % (args.idle_seconds, smp), "%.3f s" % used))
    print("Core benchmark (QEMU pc; in-guest times from the TSC)")
    print("| accel | measure | value |")
    print("|---|---|---|")
    for r in rows:
        print("| %s | %s | %s |" % r)


if __name__ == "__main__":
    main()
