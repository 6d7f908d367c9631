#!/usr/bin/python3
"""The Linux baseline micro-VM: Debian's kernel plus a busybox initramfs.

The cache (filled by setup.sh, read here; no network) holds:
  vmlinuz            the kernel linux-image-amd64 points at
  modules/NAME.ko    virtio_net, virtio_pci, virtio_mmio and what they
                     depend on (from each module's .modinfo), uncompressed
  modules/order      load order, dependencies first
  busybox            busybox-static's binary
  READY              "format N", then the kernel version and the source

`initramfs(path)` writes an uncompressed newc cpio: busybox, /init
(init.sh), the modules, /www/index.html ("Hello World\n", the Torito
microservice's body), /www/cgi-bin/echo (POST echo) and the httpd and
udhcpc configuration. It takes a few milliseconds, so it is built per run
and the page or init changes with the source tree.

Command line:
  baseline.py prepare --root DIR --out DIR   (setup.sh) copy from an
                                             unpacked package tree
  baseline.py initramfs OUT                  write the cpio
  baseline.py paths                          print kernel and cache paths
Python standard library only.
"""

import argparse
import lzma
import os
import pwd
import shutil
import struct
import sys

FORMAT = 1
HERE = os.path.dirname(os.path.abspath(__file__))
WANTED = ["virtio_net", "virtio_pci", "virtio_mmio"]
KERNEL_ARGS = "console=ttyS0 quiet panic=1"
PAGE = b"Hello World\n"
ECHO_PATH = "/cgi-bin/echo"


def cache_dir():
    env = os.environ.get("TORITO_LINUX_BASELINE_CACHE")
    if env:
        return env
    # The password database's home: Bazel tests get another HOME.
    home = pwd.getpwuid(os.getuid()).pw_dir
    return os.path.join(home, ".cache", "torito", "linux-baseline")


def ready(cache=None):
    """None when the cache is usable, else a sentence saying what is wrong."""
    cache = cache or cache_dir()
    stamp = os.path.join(cache, "READY")
    try:
        with open(stamp) as f:
            first = f.readline().strip()
    except OSError:
        return ("no Linux baseline cache in %s: run "
                "testing/bench/linux_baseline/setup.sh" % cache)
    if first != "format %d" % FORMAT:
        return ("the Linux baseline cache %s is an old format: run "
                "testing/bench/linux_baseline/setup.sh" % cache)
    return None


def kernel_path(cache=None):
    return os.path.join(cache or cache_dir(), "vmlinuz")


# --- reading modules -----------------------------------------------------

def elf_section(data, name):
    """The bytes of section `name` of an ELF64 little-endian file, or b""."""
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise ValueError("not an ELF64 file")
    shoff = struct.unpack_from("<Q", data, 0x28)[0]
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3a)

    def header(i):
        # name, type, flags, addr, offset, size
        return struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize)

    strtab = header(shstrndx)
    names = data[strtab[4]:strtab[4] + strtab[5]]
    for i in range(shnum):
        h = header(i)
        end = names.index(b"\0", h[0])
        if names[h[0]:end].decode() == name:
            return data[h[4]:h[4] + h[5]]
    return b""


def read_module(path):
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".xz"):
        data = lzma.decompress(data)
    return data


def module_depends(data):
    for entry in elf_section(data, ".modinfo").split(b"\0"):
        if entry.startswith(b"depends="):
            deps = entry[len(b"depends="):].decode()
            return [d for d in deps.split(",") if d]
    return []


def module_name(filename):
    base = filename.split(".ko")[0]
    return base.replace("-", "_")


def prepare(root, out, source=None):
    """Copies kernel, modules (with dependencies) and busybox from an
    unpacked package tree `root` into the cache directory `out`."""
    boot = os.path.join(root, "boot")
    kernels = sorted(f for f in os.listdir(boot) if f.startswith("vmlinuz-"))
    if not kernels:
        sys.exit("baseline: no vmlinuz-* in %s" % boot)
    version = kernels[-1][len("vmlinuz-"):]
    moddir = os.path.join(root, "lib", "modules", version)
    index = {}
    for dirpath, _, files in os.walk(moddir):
        for f in files:
            if ".ko" in f:
                index[module_name(f)] = os.path.join(dirpath, f)
    busybox = os.path.join(root, "bin", "busybox")
    if not os.path.exists(busybox):
        sys.exit("baseline: no bin/busybox in %s" % root)

    order, seen = [], set()

    def visit(name, chain):
        if name in seen:
            return
        if name in chain:
            sys.exit("baseline: module dependency loop at %s" % name)
        if name not in index:
            sys.exit("baseline: module %s not in %s" % (name, moddir))
        data = read_module(index[name])
        for dep in module_depends(data):
            visit(dep, chain + [name])
        seen.add(name)
        order.append((name, data))

    for name in WANTED:
        visit(name, [])

    os.makedirs(os.path.join(out, "modules"), exist_ok=True)
    shutil.copyfile(os.path.join(boot, kernels[-1]), os.path.join(out, "vmlinuz"))
    shutil.copyfile(busybox, os.path.join(out, "busybox"))
    for name, data in order:
        with open(os.path.join(out, "modules", name + ".ko"), "wb") as f:
            f.write(data)
    with open(os.path.join(out, "modules", "order"), "w") as f:
        f.write("".join(name + "\n" for name, _ in order))
    with open(os.path.join(out, "READY"), "w") as f:
        f.write("format %d\nkernel %s\nmodules %s\nsource %s\n" % (
            FORMAT, version, " ".join(n for n, _ in order), source or root))
    return version, [n for n, _ in order]


# --- the initramfs -------------------------------------------------------

class Cpio:
    """An uncompressed newc ("070701") archive, written in memory."""

    def __init__(self):
        self.parts = []
        self.ino = 1

    def _entry(self, name, mode, data=b"", nlink=1):
        name_b = name.encode() + b"\0"
        head = "070701" + "".join("%08x" % v for v in (
            self.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0,
            len(name_b), 0))
        self.ino += 1
        blob = head.encode() + name_b
        blob += b"\0" * (-len(blob) % 4)
        blob += data
        blob += b"\0" * (-len(blob) % 4)
        self.parts.append(blob)

    def dir(self, name):
        self._entry(name, 0o040755, nlink=2)

    def file(self, name, data, mode=0o644):
        self._entry(name, 0o100000 | mode, data)

    def bytes(self):
        self._entry("TRAILER!!!", 0)
        return b"".join(self.parts)


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def initramfs(out_path, cache=None):
    cache = cache or cache_dir()
    problem = ready(cache)
    if problem:
        raise RuntimeError(problem)
    c = Cpio()
    for d in ["bin", "dev", "etc", "lib", "lib/modules", "proc", "sys", "tmp",
              "www", "www/cgi-bin"]:
        c.dir(d)
    c.file("bin/busybox", _read(os.path.join(cache, "busybox")), 0o755)
    c.file("init", _read(os.path.join(HERE, "init.sh")), 0o755)
    c.file("etc/udhcpc.script", _read(os.path.join(HERE, "udhcpc.script")), 0o755)
    # echo.cgi runs under /bin/sh, which /init installs before httpd starts.
    c.file("etc/httpd.conf", b"I:index.html\n")
    c.file("www/index.html", PAGE)
    c.file("www/cgi-bin/echo", _read(os.path.join(HERE, "echo.cgi")), 0o755)
    order = _read(os.path.join(cache, "modules", "order"))
    c.file("lib/modules/order", order)
    for name in order.decode().split():
        c.file("lib/modules/%s.ko" % name,
               _read(os.path.join(cache, "modules", name + ".ko")))
    data = c.bytes()
    with open(out_path, "wb") as f:
        f.write(data)
    return len(data)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--root", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--source", help="what to record as the source")
    p = sub.add_parser("initramfs")
    p.add_argument("out")
    sub.add_parser("paths")
    args = ap.parse_args(argv)
    if args.cmd == "prepare":
        version, mods = prepare(args.root, args.out, args.source)
        print("baseline: kernel %s, modules %s" % (version, " ".join(mods)))
    elif args.cmd == "initramfs":
        try:
            n = initramfs(args.out)
        except RuntimeError as e:
            sys.exit("baseline: %s" % e)
        print("baseline: %s (%d bytes)" % (args.out, n))
    else:
        problem = ready()
        if problem:
            sys.exit("baseline: %s" % problem)
        print("kernel %s" % kernel_path())
        print("cache %s" % cache_dir())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
