#!/usr/bin/python3
"""Benchmark an image under nested Xen: start-up time and idle CPU.

    bazel run //testing/xen:bench
    bazel run //testing/xen:bench -- --image bazel-bin/apps/hello/image.elf \\
        --idle-ready 'Hello from Torito'

In one Xen boot (xen_run.py), dom0 measures:
  - "xl create": how long `xl create` takes (domain build, unpause);
  - "create -> first line": from the start of `xl create` to the first byte
    in the guest's console log (xenconsoled's copy of the PV console), for
    --runs guests one after another (each is destroyed after its first line
    or once it stops);
  - "idle CPU": one more guest with --idle-cmdline; once its console matches
    --idle-ready (or after --settle seconds when none is given), the
    domain's CPU time from `xl list` (0.1 s resolution) is read, then again
    after --idle-seconds; the difference is the CPU an idle guest costs.
Times are dom0 uptime, which follows wall time, under TCG emulation: compare
images with each other, not with real hardware.

The default image is the probe (testing/xen/pvh_probe), which stays idle in
SCHEDOP_block when its command line says "stay". Python standard library
only.
"""

import argparse
import os
import shlex
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import xen_run  # noqa: E402

PROBE = os.path.join(HERE, "pvh_probe", "probe.elf")


def user_path(path):
    """Paths on the command line are relative to where `bazel run` started."""
    base = os.environ.get("BUILD_WORKING_DIRECTORY", os.getcwd())
    return os.path.join(base, path)


def script(args, names):
    q = shlex.quote
    out = [". /etc/torito/lib.sh"]
    for n in names:
        out += [
            "guest_create %s /guests/%s.cfg %d &&" % (n, n, args.timeout),
            "\tguest_first_output %s %d" % (n, args.timeout),
            "guest_destroy %s" % n,
        ]
    out.append("if guest_create idle /guests/idle.cfg %d; then" % args.timeout)
    if args.idle_ready:
        out.append("\tguest_wait_ready idle %s %d"
                   % (q(args.idle_ready), args.timeout))
    else:
        out.append("\tsleep %d" % args.settle)
    out += [
        "\tguest_cpu idle",
        "\tsleep %d" % args.idle_seconds,
        "\tguest_cpu idle",
        "\tguest_state idle",
        "fi",
        "guest_console idle",
        "guest_destroy idle",
    ]
    return "\n".join(out) + "\n"


def row(label, values, unit="s"):
    if not values:
        return "%-28s %s" % (label, "no data")
    return "%-28s %8.2f %8.2f %8.2f   (%s, n=%d)" % (
        label, min(values), statistics.median(values), max(values), unit,
        len(values))


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--image", help="guest ELF (default: the probe)")
    p.add_argument("--cmdline", default="", help="command line for the runs")
    p.add_argument("--idle-cmdline", default=None,
                   help="command line of the idle guest (default: --cmdline,"
                        " or 'stay' for the probe)")
    p.add_argument("--idle-ready", default=None,
                   help="grep -E regex: the idle guest is up (default: the"
                        " probe's 'staying idle'; else wait --settle s)")
    p.add_argument("--settle", type=int, default=5)
    p.add_argument("--memory", type=int, default=32)
    p.add_argument("--vcpus", type=int, default=1)
    p.add_argument("--vif", action="store_true", help="give guests a vif")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--idle-seconds", type=int, default=30)
    p.add_argument("--timeout", type=int, default=60,
                   help="per-guest limit in seconds")
    p.add_argument("--cache", default=xen_run.default_cache())
    args = p.parse_args(argv)
    probe = args.image is None
    image = PROBE if probe else user_path(args.image)
    if args.idle_cmdline is None:
        args.idle_cmdline = "stay" if probe else args.cmdline
    if args.idle_ready is None and probe:
        args.idle_ready = "staying idle"
    try:
        xen_run.find_cache(args.cache)
    except xen_run.CacheMissing as e:
        sys.exit("bench: " + str(e))
    if not os.path.exists(image):
        sys.exit("bench: no image %s" % image)

    names = ["run%d" % i for i in range(args.runs)]
    guests = [dict(xen_run.GUEST_DEFAULTS, name=n, image=image, index=i,
                   memory=args.memory, vcpus=args.vcpus, cmdline=args.cmdline,
                   vif=args.vif)
              for i, n in enumerate(names)]
    guests.append(dict(xen_run.GUEST_DEFAULTS, name="idle", image=image,
                       index=len(names), memory=args.memory, vcpus=args.vcpus,
                       cmdline=args.idle_cmdline, vif=args.vif))
    text = script(args, names)
    archive = xen_run.scenario_archive({"guests": guests},
                                       [("scenario.sh", text.encode())])
    limit = 120 + (args.runs + 1) * 2 * args.timeout + args.idle_seconds
    lines, problem = xen_run.boot(args.cache, archive, limit, echo=False)
    r = xen_run.Results(lines)
    if problem:
        print("\n".join(lines[-40:]))
        sys.exit("bench: the nested Xen run failed: %s" % problem)

    create, first, missing = [], [], []
    for n in names:
        c = r.times.get(("create", n))
        f = r.times.get(("first-output", n))
        if c:
            create.append(c[1] - c[0])
        if c and f and f[1] is not None:
            first.append(f[1] - c[0])
        else:
            missing.append(n)
    cpu = r.cpu.get("idle", [])
    print("image: %s" % image)
    print("guest: %d MiB, %d vCPU, cmdline %r (idle guest: %r)"
          % (args.memory, args.vcpus, args.cmdline, args.idle_cmdline))
    print("nested Xen 4.17 in QEMU TCG; dom0 up %.1f s after its kernel "
          "started" % (r.dom0_up or 0))
    print()
    print("%-28s %8s %8s %8s" % ("", "min", "median", "max"))
    print(row("xl create", create))
    print(row("create -> first line", first))
    if len(cpu) == 2:
        used = cpu[1][0] - cpu[0][0]
        span = cpu[1][1] - cpu[0][1]
        print("%-28s %8.1f s CPU over %.1f s (%.2f%%; xl list, 0.1 s steps)"
              % ("idle CPU", used, span, 100.0 * used / span))
    else:
        print("%-28s no data (the idle guest did not come up; state %s)"
              % ("idle CPU", r.states.get("idle")))
    if missing:
        print("no console output within %d s from: %s"
              % (args.timeout, ", ".join(missing)))
    return 0 if not missing and len(cpu) == 2 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
