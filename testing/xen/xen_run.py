#!/usr/bin/python3
"""Boot real Xen 4.17 with a Linux dom0 in QEMU and run guests under it.

The nested machine: QEMU (TCG, q35, -cpu max, which emulates SVM with nested
paging, so Xen runs HVM/PVH guests with HAP) loads Debian's Xen ELF through
-kernel (multiboot). Two multiboot modules follow: the Debian dom0 kernel
and one initramfs, which is the dom0 archive from mkdom0.py with a second
archive appended holding /scenario.sh and the guest images (/guests/NAME.elf,
/guests/NAME.cfg). Everything runs in one Xen boot; dom0 powers the machine
off when the scenario ends. All output comes back on the serial console;
dom0's lines for the harness start with "@@" (dom0_lib.sh).

Subcommands:
  test      run a scenario (JSON, below) and check it: prints PASS/FAIL per
            check and "N passed, N failed"; exit status 0 when all passed
  shell     boot with an interactive dom0 shell on this terminal; --guest
            NAME=IMAGE puts images and ready configs under /guests
  xl-config print the xl config for an image (as xl_config() in defs.bzl)

Scenario JSON:
  {"guests": [GUEST, ...], "timeout": 600}
  GUEST = {
    "name": "probe",              # [A-Za-z0-9_-]+, also the xl domain name
    "image": "path/to/image.elf", # relative to the working directory
    "memory": 32, "vcpus": 1,     # MiB, count
    "cmdline": "",                # the guest's command line
    "vif": false,                 # true: one vif on xenbr0 (dom0 is
                                  #   192.168.77.1/24); or an xl vif spec
    "disk": false,                # true: /dev/ramN (64 MiB) as xvda; or a
                                  #   path: that file copied onto it first
    "extra_config": [],           # more xl config lines
    "wait": "shutdown",           # or "ready": wait for the ERE "ready"
    "ready": "",                  #   (grep -E) in the console log, then
                                  #   run checks, then destroy
    "timeout": 60,                # seconds for create and for the wait
    "keep": false,                # leave running until the scenario ends
    "expect": [],                 # Python regexes, in order, console log
    "reject": [],                 # Python regexes that must not appear
    "expect_dmesg": [],           # Python regexes in `xl dmesg`
    "expect_state": "shutdown",   # shutdown | running | crashed | any
                                  #   (default: shutdown for wait=shutdown,
                                  #   any for wait=ready)
    "checks": [{"name": "wget", "cmd": "wget -O- http://192.168.77.2/",
                "expect": [], "reject": [], "status": 0, "timeout": 20}]
  }
Checks run in dom0 (busybox sh) with GUEST, DOMID, DISK, CONSOLE_LOG set.

The Xen cache comes from testing/xen/setup.sh; without it every subcommand
fails and says so. Python standard library only.
"""

import argparse
import json
import os
import pwd
import re
import select
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import mkdom0  # noqa: E402

QEMU = "qemu-system-x86_64"
# smap=0 smep=0: with QEMU 7.2's TCG, dom0 dies at once without them.
XEN_ARGS = ("console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M "
            "dom0_max_vcpus=2 smap=0 smep=0 guest_loglvl=all loglvl=all")
DOM0_ARGS = "console=hvc0 earlyprintk=xen quiet loglevel=3 rdinit=/init"
NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")
RAMDISKS = 4  # brd rd_nr in mkdom0.MODULES


def default_cache():
    env = os.environ.get("TORITO_XEN_CACHE")
    if env:
        return env
    # Not $HOME: Bazel points HOME at the test's temporary directory.
    home = pwd.getpwuid(os.getuid()).pw_dir
    return os.path.join(home, ".cache", "torito", "xen")


class CacheMissing(Exception):
    pass


def find_cache(cache):
    """Returns (xen ELF, dom0 vmlinuz) or raises CacheMissing."""
    stamp = os.path.join(cache, "READY")
    xen = os.path.join(cache, "xen.elf")
    if not (os.path.exists(stamp) and os.path.exists(xen)):
        raise CacheMissing(
            "the Xen cache %s is missing or incomplete.\n"
            "Run testing/xen/setup.sh once (fetches Debian's Xen and a dom0 "
            "kernel with apt-get download; installs nothing), then try again."
            % cache)
    kver = mkdom0.Dom0Builder(cache).kernel_version()
    return xen, os.path.join(cache, "root", "boot", "vmlinuz-" + kver)


def xl_config(name, kernel, memory=32, vcpus=1, cmdline="", vif=False,
              disk=None, extra=(), preserve=True, index=0):
    """The text of an xl config for a PVH guest.

    disk is None, or a block device / image path for xvda. preserve keeps a
    stopped domain around (state s/c) so a harness can see how it ended.
    """
    lines = [
        '# xl config for a Torito PVH guest (testing/xen/xen_run.py).',
        'name = "%s"' % name,
        'type = "pvh"',
        'kernel = "%s"' % kernel,
        'memory = %d' % memory,
        'vcpus = %d' % vcpus,
    ]
    if cmdline:
        lines.append('cmdline = "%s"' % cmdline.replace('"', '\\"'))
    # TSC reads stay native (not emulated); a Linux PVH guest needed this
    # under nested Xen, and Torito calibrates and reads the TSC directly.
    lines.append('tsc_mode = "native"')
    if vif:
        spec = vif if isinstance(vif, str) else (
            "bridge=xenbr0,mac=00:16:3e:77:00:%02x" % (index + 2))
        lines.append("vif = [ '%s' ]" % spec)
    if disk:
        lines.append("disk = [ 'format=raw, vdev=xvda, access=rw, "
                     "target=%s' ]" % disk)
    if preserve:
        lines += ['on_poweroff = "preserve"', 'on_reboot = "preserve"',
                  'on_crash = "preserve"']
    else:
        lines += ['on_poweroff = "destroy"', 'on_reboot = "restart"',
                  'on_crash = "destroy"']
    lines += list(extra)
    return "\n".join(lines) + "\n"


GUEST_DEFAULTS = {
    "memory": 32, "vcpus": 1, "cmdline": "", "vif": False, "disk": False,
    "extra_config": [], "wait": "shutdown", "ready": "", "timeout": 60,
    "keep": False, "expect": [], "reject": [], "expect_dmesg": [],
    "expect_state": None, "checks": [],
}


def normalize(scenario):
    """Fills defaults in and validates a scenario; raises ValueError."""
    guests = []
    disks = 0
    for i, g in enumerate(scenario.get("guests", [])):
        unknown = set(g) - set(GUEST_DEFAULTS) - {"name", "image"}
        if unknown:
            raise ValueError("guest %d: unknown keys %s" % (i, sorted(unknown)))
        g = dict(GUEST_DEFAULTS, **g)
        if not NAME_RE.match(g.get("name", "")):
            raise ValueError("guest %d: bad or missing name" % i)
        if not g.get("image") or not os.path.exists(g["image"]):
            raise ValueError("guest %s: image %r not found"
                             % (g["name"], g.get("image")))
        if g["wait"] not in ("shutdown", "ready"):
            raise ValueError("guest %s: wait must be shutdown or ready"
                             % g["name"])
        if g["expect_state"] is None:
            g["expect_state"] = "shutdown" if g["wait"] == "shutdown" else "any"
        if g["expect_state"] not in ("shutdown", "running", "crashed", "any"):
            raise ValueError("guest %s: bad expect_state" % g["name"])
        if g["wait"] == "ready" and not g["ready"]:
            raise ValueError("guest %s: wait=ready needs a ready regex"
                             % g["name"])
        if g["disk"]:
            if disks == RAMDISKS:
                raise ValueError("at most %d guests with disks" % RAMDISKS)
            g["ramdisk"] = "/dev/ram%d" % disks
            disks += 1
        for c in g["checks"]:
            c.setdefault("expect", [])
            c.setdefault("reject", [])
            c.setdefault("status", 0)
            c.setdefault("timeout", 20)
            if not NAME_RE.match(c.get("name", "")):
                raise ValueError("guest %s: check with bad name" % g["name"])
        g["index"] = i
        guests.append(g)
    if len({g["name"] for g in guests}) != len(guests):
        raise ValueError("guest names must be unique")
    return {"guests": guests, "timeout": scenario.get("timeout", 600)}


def scenario_script(sc):
    """The /scenario.sh dom0 runs for a normalized scenario."""
    q = shlex.quote
    out = [". /etc/torito/lib.sh"]
    kept = []
    for g in sc["guests"]:
        n = g["name"]
        t = int(g["timeout"])
        out.append("\n# guest %s" % n)
        if isinstance(g["disk"], str):
            out.append("run disk %s 60 %s" % (n, q(
                "dd if=/guests/%s.disk of=%s bs=1M conv=fsync"
                % (n, g["ramdisk"]))))
        out.append("if guest_create %s /guests/%s.cfg %d; then" % (n, n, t))
        if g["wait"] == "shutdown":
            out.append("\tguest_wait_shutdown %s %d" % (n, t))
        else:
            out.append("\tguest_wait_ready %s %s %d" % (n, q(g["ready"]), t))
        out.append("\texport GUEST=%s DISK=%s CONSOLE_LOG=$CONSOLE_DIR/guest-%s.log"
                   % (n, g.get("ramdisk", ""), n))
        out.append("\texport DOMID=$(xl domid %s 2>/dev/null)" % n)
        for c in g["checks"]:
            out.append("\trun check %s/%s %d %s" % (
                n, c["name"], int(c["timeout"]), q(c["cmd"])))
        out.append("fi")
        out.append("guest_console %s" % n)
        out.append("guest_state %s" % n)
        if g["keep"]:
            kept.append(n)
        else:
            out.append("guest_destroy %s" % n)
    for n in kept:
        out.append("guest_destroy %s" % n)
    out.append("xen_dmesg")
    return "\n".join(out) + "\n"


def scenario_archive(sc, extra_files=()):
    """The cpio appended to the dom0 initramfs: /scenario.sh and guests."""
    c = mkdom0.Cpio()
    for g in sc["guests"]:
        n = g["name"]
        c.add_host_file("guests/%s.elf" % n, g["image"], 0o644)
        disk = g.get("ramdisk")
        cfg = xl_config(n, "/guests/%s.elf" % n, g["memory"], g["vcpus"],
                        g["cmdline"], g["vif"], disk, g["extra_config"],
                        index=g["index"])
        c.add_file("guests/%s.cfg" % n, cfg.encode())
        if isinstance(g["disk"], str):
            c.add_host_file("guests/%s.disk" % n, g["disk"], 0o644)
    for dest, data in extra_files:
        c.add_file(dest, data)
    return c


def qemu_command(xen, vmlinuz, initrd, serial):
    # QEMU's multiboot module list: "file args,file"; a comma in a path
    # would need doubling, so the initrd lives in a comma-free temp dir.
    return [QEMU, "-nodefaults", "-no-user-config", "-display", "none",
            "-no-reboot", "-machine", "q35", "-accel", "tcg,thread=multi",
            "-cpu", "max", "-smp", "2", "-m", "3072",
            "-kernel", xen, "-append", XEN_ARGS,
            "-initrd", "%s %s,%s" % (vmlinuz, DOM0_ARGS, initrd),
            "-serial", serial]


def write_initrd(cache, tmp, archive):
    base = mkdom0.Dom0Builder(cache).build()
    path = os.path.join(tmp, "initrd.cpio")
    with open(path, "wb") as f:
        f.write(base)
        f.write(archive.finish())
    return path


def boot(cache, archive, timeout, echo=True):
    """Boots Xen with the archive appended; returns (lines, problem).

    problem is None when dom0 reached "@@END", else a description. Kills
    QEMU on timeout and once dom0 is done (Xen may halt, not power off).
    """
    xen, vmlinuz = find_cache(cache)
    tmp = tempfile.mkdtemp(prefix="xen_run.", dir=os.environ.get("TEST_TMPDIR"))
    try:
        initrd = write_initrd(cache, tmp, archive)
        cmd = qemu_command(xen, vmlinuz, initrd, "stdio")
        if echo:
            print("+ " + " ".join(shlex.quote(a) for a in cmd), flush=True)
        return run_qemu(cmd, timeout, echo)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_qemu(cmd, timeout, echo):
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines, partial = [], b""
    problem = "QEMU exited before dom0 finished"
    deadline = start + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                problem = "timed out after %ds (a hang)" % timeout
                break
            ready, _, _ = select.select([proc.stdout], [], [], min(left, 1.0))
            if not ready:
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            partial += chunk
            *done, partial = partial.split(b"\n")
            for raw in done:
                line = raw.decode("utf-8", "replace").rstrip("\r")
                lines.append(line)
                if echo:
                    print("%6.1f| %s" % (time.monotonic() - start, line),
                          flush=True)
                if line.startswith("@@END"):
                    problem = None
                if line.startswith("@@FATAL"):
                    problem = "dom0 setup failed: " + line[8:]
            if problem is None or "dom0 setup failed" in (problem or ""):
                break
    finally:
        if partial:
            lines.append(partial.decode("utf-8", "replace"))
        try:
            # dom0 powers off when done; on a timeout there is no waiting.
            proc.wait(timeout=5 if problem is None else 0.1)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if echo:
        print("---- nested Xen run took %.1fs ----" % (time.monotonic() - start),
              flush=True)
    return lines, problem


class Results:
    """What dom0 reported, parsed from the "@@" lines."""

    def __init__(self, lines):
        self.frames = {}   # (kind, name) -> (rc, [lines])
        self.states = {}   # name -> last xl state
        self.waits = {}    # name -> (result, seconds)
        self.times = {}    # (what, name) -> (t0, t1 or None)
        self.cpu = {}      # name -> [(cpu seconds, uptime)]
        self.dom0_up = None
        frame = None
        for line in lines:
            if not line.startswith("@@"):
                continue
            # dom0 and Xen share the serial line: a Xen message can land
            # right after a report, before its newline. Cut it off.
            line = line.split("(XEN)")[0].rstrip()
            if line.startswith("@@| ") or line == "@@|":
                if frame is not None:
                    frame[1].append(line[4:])
                continue
            f = line[2:].split()
            if not f:
                continue
            tag = f[0]
            if tag == "BEGIN" and len(f) >= 3:
                frame = [(f[1], f[2]), []]
            elif tag == "DONE" and len(f) >= 4 and frame is not None:
                self.frames[frame[0]] = (int(f[3]), frame[1])
                frame = None
            elif tag == "STATE" and len(f) >= 3:
                self.states[f[1]] = f[2]
            elif tag == "WAIT" and len(f) >= 3:
                self.waits[f[1]] = (f[2], f[3] if len(f) > 3 else "?")
            elif tag == "TIME" and len(f) >= 5:
                t1 = None if f[4] == "timeout" else float(f[4])
                self.times[(f[1], f[2])] = (float(f[3]), t1)
            elif tag == "CPU" and len(f) >= 4:
                try:
                    self.cpu.setdefault(f[1], []).append(
                        (float(f[2]), float(f[3])))
                except ValueError:
                    pass
            elif tag == "DOM0-UP" and len(f) >= 2:
                self.dom0_up = float(f[1])

    def frame(self, kind, name):
        return self.frames.get((kind, name))


def match_in_order(patterns, text):
    """Returns the first pattern that does not match, in order, or None."""
    pos = 0
    for want in patterns:
        m = re.compile(want, re.M).search(text, pos)
        if not m:
            return want
        pos = m.end()
    return None


class Verdicts:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, what, problems):
        if problems:
            self.failed += 1
            for p in problems:
                print("FAIL: %s: %s" % (what, p))
        else:
            self.passed += 1
            print("PASS: %s" % what)


def text_checks(text, expect, reject):
    problems = []
    missing = match_in_order(expect, text)
    if missing is not None:
        problems.append("missing (in order): %r" % missing)
    for bad in reject:
        if re.search(bad, text, re.M):
            problems.append("unexpected: %r" % bad)
    return problems


def show_frame(title, frame):
    print("---- %s ----" % title)
    for line in frame[1] if frame else ["(nothing captured)"]:
        print("  " + line)


def check_guest(v, r, g, dmesg_text):
    n = g["name"]
    create = r.frame("create", n)
    if create is None:
        v.check(n + ": xl create", ["never ran"])
        return
    v.check(n + ": xl create", [] if create[0] == 0 else
            ["exit status %d: %s" % (create[0], " | ".join(create[1][-5:]))])
    if create[0] != 0:
        return
    console = r.frame("console", n)
    show_frame("console of %s" % n, console)
    text = "\n".join(console[1]) if console else ""
    if g["expect"] or g["reject"]:
        v.check(n + ": console output", text_checks(text, g["expect"],
                                                    g["reject"]))
    if g["expect_dmesg"]:
        v.check(n + ": xl dmesg", text_checks(dmesg_text, g["expect_dmesg"],
                                              []))
    result, secs = r.waits.get(n, ("never-reported", "?"))
    if g["wait"] == "ready":
        v.check(n + ": ready (%s)" % g["ready"], [] if result == "ready" else
                ["the console never matched; the wait ended %s after %ss"
                 % (result, secs)])
    final = r.states.get(n, "unknown")
    want = g["expect_state"]
    if want != "any":
        ok = {"shutdown": lambda s: "s" in s,
              "running": lambda s: re.match(r"^[-rb]+$", s) is not None,
              "crashed": lambda s: "c" in s}[want]
        problems = [] if ok(final) else [
            "xl state %r (r running, b blocked, s shut down, c crashed, "
            "gone: destroyed)" % final]
        if g["wait"] == "shutdown" and result.startswith("timeout"):
            problems = ["still running (%s) after %ss" % (result[8:], secs)]
        v.check(n + ": ends %s" % want, problems)
    for c in g["checks"]:
        key = "%s/%s" % (n, c["name"])
        fr = r.frame("check", key)
        if fr is None:
            v.check(key, ["never ran"])
            continue
        show_frame("check %s (exit status %d)" % (key, fr[0]), fr)
        problems = [] if fr[0] == c["status"] else [
            "exit status %d, expected %d%s" % (
                fr[0], c["status"], " (timed out)" if fr[0] in (124, 143)
                else "")]
        problems += text_checks("\n".join(fr[1]), c["expect"], c["reject"])
        v.check(key, problems)


def cmd_test(args):
    try:
        with open(args.scenario) as f:
            sc = normalize(json.load(f))
        find_cache(args.cache)
    except CacheMissing as e:
        print("FAIL: " + str(e))
        print("0 passed, 1 failed")
        return 1
    except (ValueError, OSError) as e:
        print("FAIL: bad scenario %s: %s" % (args.scenario, e))
        print("0 passed, 1 failed")
        return 1
    script = scenario_script(sc)
    print("---- /scenario.sh ----\n" + script.rstrip())
    archive = scenario_archive(sc, [("scenario.sh", script.encode())])
    lines, problem = boot(args.cache, archive, args.timeout or sc["timeout"])
    r = Results(lines)
    v = Verdicts()
    print("==== checks ====")
    v.check("Xen boots dom0", [] if r.dom0_up is not None else
            ["dom0 never came up: " + (problem or "no @@DOM0-UP")])
    if r.dom0_up is not None:
        print("dom0 up after %.1fs of dom0 uptime" % r.dom0_up)
        dmesg = r.frame("dmesg", "xen")
        dmesg_text = "\n".join(dmesg[1]) if dmesg else ""
        for g in sc["guests"]:
            check_guest(v, r, g, dmesg_text)
        v.check("scenario ran to the end", [problem] if problem else [])
    print("%d passed, %d failed" % (v.passed, v.failed))
    return 0 if v.failed == 0 else 1


def cmd_shell(args):
    try:
        xen, vmlinuz = find_cache(args.cache)
    except CacheMissing as e:
        sys.exit("xen_run: " + str(e))
    guests = []
    for i, spec in enumerate(args.guest or []):
        name, _, image = spec.partition("=")
        if not NAME_RE.match(name) or not image:
            sys.exit("xen_run: --guest wants NAME=IMAGE, got %r" % spec)
        guests.append(dict(GUEST_DEFAULTS, name=name, image=image, index=i,
                           vif=True))
    archive = scenario_archive({"guests": guests})
    tmp = tempfile.mkdtemp(prefix="xen_run.")
    try:
        initrd = write_initrd(args.cache, tmp, archive)
        cmd = qemu_command(xen, vmlinuz, initrd, "mon:stdio")
        print("+ " + " ".join(shlex.quote(a) for a in cmd), file=sys.stderr)
        print("xen_run: dom0 shell in about a minute; try 'xl create "
              "/guests/NAME.cfg', 'xl console NAME', 'cat /var/log/xen/"
              "console/guest-NAME.log'. Ctrl-a x quits QEMU.", file=sys.stderr)
        return subprocess.call(cmd)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def cmd_xl_config(args):
    text = xl_config(args.name, args.kernel, args.memory, args.vcpus,
                     args.cmdline, args.vif or False, args.disk,
                     args.extra or [], preserve=False)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", default=default_cache(),
                        help="Xen cache from setup.sh (default %(default)s)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("test", help="run a scenario and check it")
    p.add_argument("--scenario", required=True, help="scenario JSON file")
    p.add_argument("--timeout", type=float, default=0,
                   help="whole-run limit in seconds (default: the scenario's)")
    p = sub.add_parser("shell", help="interactive dom0 shell")
    p.add_argument("--guest", action="append", help="NAME=IMAGE (repeatable)")
    p = sub.add_parser("xl-config", help="print an xl config for an image")
    p.add_argument("--name", required=True)
    p.add_argument("--kernel", required=True, help="image path on the Xen host")
    p.add_argument("--memory", type=int, default=32)
    p.add_argument("--vcpus", type=int, default=1)
    p.add_argument("--cmdline", default="")
    p.add_argument("--vif", help="xl vif spec, e.g. bridge=xenbr0")
    p.add_argument("--disk", help="block device or image for xvda")
    p.add_argument("--extra", action="append", help="extra config line")
    p.add_argument("--out", help="write here instead of stdout")
    args = parser.parse_args(argv)
    return {"test": cmd_test, "shell": cmd_shell,
            "xl-config": cmd_xl_config}[args.command](args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
