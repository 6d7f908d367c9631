#!/usr/bin/python3
"""Boot benchmark: image size and QEMU start-to-first-line and start-to-exit.

Sizes: the ELF file (with symbols and debug info) and the bytes its PT_LOAD
segments load. Each --image NAME:PATH:LINE is booted RUNS times on each machine (QEMU pc
and microvm, PVH through -kernel, TCG; KVM too where it works). The wall
time from starting QEMU to LINE appearing on the serial console, and to
QEMU exiting, is taken from the same run. The null PVH kernel (a note, a
print and an exit) is the floor: the cost of QEMU itself. Prints a table;
asserts nothing.
"""

import argparse
import os
import statistics
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
try:
    import qemu_run  # noqa: E402  (runfiles: testing/qemu_run.py)
except ImportError:
    sys.path.insert(0, "testing")
    import qemu_run  # noqa: E402


def loaded_bytes(path):
    """Sum of the file bytes of an ELF64's PT_LOAD segments (what is loaded)."""
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


def boot_once(cmd, line):
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    buf = b""
    t_line = None
    want = line.encode()
    while True:
        chunk = os.read(proc.stdout.fileno(), 4096)
        if not chunk:
            break
        buf += chunk
        if t_line is None and want in buf:
            t_line = time.monotonic() - t0
    proc.wait()
    return t_line, time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--image", action="append", required=True,
                    help="NAME:PATH:LINE")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--machines", default="pc,microvm")
    args = ap.parse_args()

    accels = ["tcg"] + (["kvm"] if qemu_run.kvm_usable() else [])
    rows = []
    for machine in args.machines.split(","):
        for accel in accels:
            for spec in args.image:
                name, path, line = spec.split(":", 2)
                opts = argparse.Namespace(
                    machine=machine, kernel=path, iso=None, append="",
                    memory="128M", smp=1, accel=accel, no_debug_exit=False,
                    qemu_arg=None)
                cmd = qemu_run.qemu_command(opts) + ["-serial", "stdio"]
                lines, exits = [], []
                for _ in range(args.runs):
                    t_line, t_exit = boot_once(cmd, line)
                    if t_line is None:
                        print("warning: %s on %s/%s never printed %r"
                              % (name, machine, accel, line), file=sys.stderr)
                        continue
                    lines.append(t_line * 1000)
                    exits.append(t_exit * 1000)
                if not lines:
                    continue
                rows.append((name, machine, accel, os.path.getsize(path),
                             loaded_bytes(path),
                             min(lines), statistics.median(lines),
                             min(exits), statistics.median(exits)))

    hdr = ("image", "machine", "accel", "file B", "loaded B", "line min ms",
           "line med ms", "exit min ms", "exit med ms")
    print("Boot benchmark: %d runs each, wall time from QEMU start" % args.runs)
    print("| " + " | ".join(hdr) + " |")
    print("|" + "|".join("---" for _ in hdr) + "|")
    for r in rows:
        print("| %s | %s | %s | %d | %d | %.1f | %.1f | %.1f | %.1f |" % r)


if __name__ == "__main__":
    main()
