#!/usr/bin/python3
"""Boot a Torito image in QEMU: interactively, under gdb, or as a test.

One place knows how to build QEMU command lines for Torito's machines:
  pc       QEMU pc (i440fx), PVH boot through -kernel
  q35      QEMU q35 (PCIe, ECAM), PVH boot through -kernel
  microvm  QEMU microvm, PVH boot through -kernel
  iso      QEMU pc booting the GRUB2 ISO (multiboot2)

Subcommands:
  run    serial console on this terminal; exits 0 when the image powers off
         with success
  debug  QEMU halted with its gdb stub, gdb attached with the image symbols
  test   serial output captured with a timeout; checks expected lines (in
         order) and the exit status; prints a verdict

Exit status of an image: isa-debug-exit makes QEMU exit with 1 (success)
or 3 (failure); the kernel's last line says "torito: power off (success)"
or "(failure)". A test requires both to agree, so a triple fault (QEMU
exits 0 with -no-reboot) or a hang (timeout) always fails.

Python standard library only.
"""

import argparse
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time

QEMU = "qemu-system-x86_64"
EXIT_SUCCESS = 1  # isa-debug-exit: (0 << 1) | 1
EXIT_FAILURE = 3  # isa-debug-exit: (1 << 1) | 1
POWER_OFF_RE = re.compile(r"torito: power off \((success|failure)\)")


def kvm_usable():
    """True when /dev/kvm opens read-write (KVM may still be slow here)."""
    try:
        fd = os.open("/dev/kvm", os.O_RDWR)
    except OSError:
        return False
    os.close(fd)
    return True


def qemu_command(args):
    """The QEMU argv for args.machine, args.kernel/args.iso and options."""
    cmd = [QEMU, "-nodefaults", "-no-user-config", "-display", "none",
           "-no-reboot", "-m", str(args.memory), "-smp", str(args.smp)]
    accel = args.accel
    if accel == "auto":
        accel = "kvm" if kvm_usable() else "tcg"
    cmd += ["-accel", accel]
    if args.machine == "microvm":
        cmd += ["-machine", "microvm,rtc=on,pit=on,pic=on,isa-serial=on"]
    elif args.machine == "q35":
        cmd += ["-machine", "q35"]
    else:
        cmd += ["-machine", "pc"]
    if args.machine == "iso":
        if not args.iso:
            sys.exit("qemu_run: machine 'iso' needs --iso")
        cmd += ["-cdrom", args.iso, "-boot", "d"]
    else:
        if not args.kernel:
            sys.exit("qemu_run: machine '%s' needs --kernel" % args.machine)
        cmd += ["-kernel", args.kernel]
        if args.append:
            cmd += ["-append", args.append]
    if not args.no_debug_exit:
        cmd += ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if getattr(args, "net_user", None):
        # QEMU user networking (DHCP gives the guest 10.0.2.15), with
        # host 127.0.0.1:HOST forwarded to guest port GUEST.
        fwd = ",".join("hostfwd=tcp:127.0.0.1:%s-:%s" % tuple(f.split(":"))
                       for f in args.net_user.split(",") if f)
        cmd += ["-netdev", "user,id=n0" + ("," + fwd if fwd else "")]
        nic = "virtio-net-device" if args.machine == "microvm" else "virtio-net-pci"
        cmd += ["-device", nic + ",netdev=n0"]
    cmd += args.qemu_arg or []
    return cmd


def add_common(p):
    p.add_argument("--machine", choices=["pc", "q35", "microvm", "iso"],
                   default="pc")
    p.add_argument("--kernel", help="image ELF (pc, microvm)")
    p.add_argument("--iso", help="image ISO (iso)")
    p.add_argument("--append", default="", help="kernel command line")
    p.add_argument("--memory", default="128M")
    p.add_argument("--smp", type=int, default=1)
    p.add_argument("--accel", choices=["tcg", "kvm", "auto"], default="tcg")
    p.add_argument("--no-debug-exit", action="store_true",
                   help="leave out isa-debug-exit (tests ACPI power-off)")
    p.add_argument("--qemu-arg", action="append",
                   help="extra QEMU argument (repeatable)")
    p.add_argument("--net-user", metavar="HOST:GUEST[,...]",
                   help="a virtio-net NIC on QEMU user networking, forwarding "
                        "127.0.0.1:HOST to the guest's port GUEST")


def cmd_run(args):
    cmd = qemu_command(args) + ["-serial", "stdio"]
    print("+ " + " ".join(cmd), file=sys.stderr)
    rc = subprocess.call(cmd)
    return 0 if rc in (0, EXIT_SUCCESS) else 1


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cmd_debug(args):
    port = args.gdb_port or free_port()
    cmd = qemu_command(args) + ["-serial", "stdio", "-S",
                                "-gdb", "tcp:127.0.0.1:%d" % port]
    print("+ " + " ".join(cmd), file=sys.stderr)
    qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
    gdb = shutil.which("gdb")
    if not gdb:
        qemu.kill()
        sys.exit("qemu_run: gdb is not installed (apt-get install gdb)")
    symbols = args.kernel or ""
    gdb_cmd = [gdb, "-q", symbols,
               "-ex", "target remote 127.0.0.1:%d" % port,
               "-ex", "echo Torito: QEMU is halted at reset; "
                      "set breakpoints, then 'continue'.\\n"]
    gdb_cmd += sum((["-ex", c] for c in (args.gdb_ex or [])), [])
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)  # gdb owns Ctrl-C
    try:
        subprocess.call(gdb_cmd)
    finally:
        signal.signal(signal.SIGINT, old)
        if qemu.poll() is None:
            qemu.terminate()
            qemu.wait()
    return 0


def run_capture(cmd, timeout, stop_re=None):
    """Runs cmd, returns (exit status or None on timeout, output text)."""
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = bytearray()
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            proc.kill()
            proc.wait()
            return None, out.decode("utf-8", "replace")
        ready, _, _ = select.select([proc.stdout], [], [], min(left, 0.5))
        if ready:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            out += chunk
    try:
        rc = proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None, out.decode("utf-8", "replace")
    return rc, out.decode("utf-8", "replace")


def cmd_test(args):
    if args.accel == "kvm" and not kvm_usable():
        print("SKIPPED: /dev/kvm is not usable on this machine")
        return 0
    cmd = qemu_command(args) + ["-serial", "stdio"]
    print("+ " + " ".join(cmd))
    rc, out = run_capture(cmd, args.timeout)
    out = out.replace("\r\n", "\n")
    if (args.accel == "kvm" and rc not in (None, EXIT_SUCCESS, EXIT_FAILURE)
            and "torito" not in out and "kvm" in out.lower()):
        print(out.rstrip())
        print("SKIPPED: QEMU could not run a KVM guest on this machine")
        return 0
    print("---- serial console ----")
    print(out.rstrip())
    print("---- end (QEMU exit status %s) ----" % rc)
    problems = []
    if rc is None:
        problems.append("timed out after %ss (a hang)" % args.timeout)
    pos = 0
    for want in args.expect or []:
        m = re.compile(want, re.M).search(out, pos)
        if not m:
            problems.append("missing (in order): %r" % want)
        else:
            pos = m.end()
    for bad in args.reject or []:
        if re.search(bad, out, re.M):
            problems.append("unexpected output: %r" % bad)
    said = POWER_OFF_RE.findall(out)
    if rc is not None:
        want = args.expect_status
        if not said:
            problems.append("the image never powered off (exit status %s)" % rc)
        elif said[-1] != want:
            problems.append("powered off with %s, expected %s" % (said[-1], want))
        else:
            ok = {"success": (EXIT_SUCCESS,), "failure": (EXIT_FAILURE,)}[want]
            if args.no_debug_exit:
                ok = (0,)
            if rc not in ok:
                problems.append("QEMU exit status %s does not match %s"
                                % (rc, want))
    if problems:
        for p in problems:
            print("FAIL: " + p)
        print("0 passed, 1 failed")
        return 1
    print("PASS")
    print("1 passed, 0 failed")
    return 0


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="boot with the console on this terminal")
    add_common(p)
    p = sub.add_parser("debug", help="boot halted under gdb")
    add_common(p)
    p.add_argument("--gdb-port", type=int, default=0)
    p.add_argument("--gdb-ex", action="append", help="extra gdb command")
    p = sub.add_parser("test", help="boot, capture serial, check")
    add_common(p)
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("--expect", action="append",
                   help="regex that must appear (in the given order)")
    p.add_argument("--reject", action="append",
                   help="regex that must not appear")
    p.add_argument("--expect-status", choices=["success", "failure"],
                   default="success")
    args = parser.parse_args(argv)
    return {"run": cmd_run, "debug": cmd_debug, "test": cmd_test}[args.command](args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
