#!/usr/bin/python3
"""Build the dom0 initramfs for the nested Xen harness (a newc cpio archive).

Reads the Debian packages that testing/xen/setup.sh unpacked into the Xen
cache and writes one uncompressed cpio holding:
  - busybox (static) as the shell and userland; /init is dom0_init.sh and
    /etc/torito/lib.sh is dom0_lib.sh (scenario helpers);
  - the Xen tools dom0 needs (xl, xenstored, xenconsoled, xen-init-dom0,
    xenconsole, xenstore-*) with /etc/xen and its hotplug scripts;
  - bash and util-linux flock from this host (the hotplug scripts need them);
  - every shared library those programs load, found by reading DT_NEEDED
    from the ELF files: the unpacked Xen libraries first, then this host's
    (Debian 12 on both sides), plus libgcc_s, which glibc loads at run time;
  - the kernel modules listed in MODULES, taken from the unpacked
    linux-image package that also provides the dom0 vmlinuz, with their
    dependencies (read from each module's .modinfo) loaded first.

What it leaves out: compression (the archive is small and Xen/Linux read it
faster raw), udev, and everything of Xen that needs QEMU (HVM guests).

Also a library: xen_run.py appends a second archive (scenario, guest images)
with the Cpio class; Linux unpacks concatenated archives in order.

Python standard library only.
"""

import argparse
import glob
import os
import stat
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# Modules dom0 loads, in this order (their dependencies go first). Arguments
# for insmod follow the name.
MODULES = [
    "xenfs", "xen-evtchn", "xen-gntdev", "xen-gntalloc", "xen-privcmd",
    "xen-netback", "xen-blkback", "bridge", "brd rd_nr=4 rd_size=65536",
]

# Xen programs, as installed by the packages (xl finds its helpers there).
XEN_BIN = "usr/lib/xen-4.17/bin"
XEN_PROGRAMS = ["xl", "xenstored", "xenconsoled", "xen-init-dom0",
                "xenconsole", "xenstore-control"]
XENSTORE_TOOLS = ["xenstore", "xenstore-read", "xenstore-write",
                  "xenstore-ls", "xenstore-list", "xenstore-rm",
                  "xenstore-exists", "xenstore-chmod", "xenstore-watch"]
# From this host: the hotplug scripts are bash and take locks with flock.
HOST_PROGRAMS = ["/bin/bash", "/usr/bin/flock"]
# Loaded with dlopen, so not in any DT_NEEDED.
EXTRA_LIBS = ["libgcc_s.so.1"]
HOST_LIB_DIRS = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
                 "/lib64"]


class Cpio:
    """Writes a newc ("070701") cpio archive in memory."""

    def __init__(self):
        self.out = bytearray()
        self.ino = 1000
        self.dirs = set()

    def _entry(self, name, mode, data=b"", rdev=(0, 0)):
        self.ino += 1
        name_b = name.encode() + b"\0"
        hdr = "070701" + "".join("%08x" % v for v in (
            self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1],
            len(name_b), 0))
        self.out += hdr.encode() + name_b
        self.out += b"\0" * (-len(self.out) % 4)
        self.out += data
        self.out += b"\0" * (-len(self.out) % 4)

    def add_dir(self, path):
        """Adds path and its missing parents (path without a leading /)."""
        path = path.strip("/")
        parts = path.split("/")
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d and d not in self.dirs:
                self.dirs.add(d)
                self._entry(d, stat.S_IFDIR | 0o755)

    def add_file(self, path, data, mode=0o644):
        path = path.strip("/")
        self.add_dir(os.path.dirname(path))
        self._entry(path, stat.S_IFREG | mode, data)

    def add_host_file(self, path, src, mode=None):
        with open(src, "rb") as f:
            data = f.read()
        if mode is None:
            mode = os.stat(src).st_mode & 0o777
        self.add_file(path, data, mode)

    def add_symlink(self, path, target):
        path = path.strip("/")
        self.add_dir(os.path.dirname(path))
        self._entry(path, stat.S_IFLNK | 0o777, target.encode())

    def add_chardev(self, path, major, minor, mode=0o600):
        path = path.strip("/")
        self.add_dir(os.path.dirname(path))
        self._entry(path, stat.S_IFCHR | mode, rdev=(major, minor))

    def finish(self):
        self._entry("TRAILER!!!", 0)
        self.out += b"\0" * (-len(self.out) % 512)
        return bytes(self.out)


def elf_sections(data):
    """Yields (name, type, offset, size, link) of a 64-bit little-endian ELF."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ValueError("not an ELF64 little-endian file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3a)
    heads = [struct.unpack_from("<IIQQQQII", data, shoff + i * shentsize)
             for i in range(shnum)]
    stroff = heads[shstrndx][4]
    for name, typ, _, _, off, size, link, _ in heads:
        end = data.index(b"\0", stroff + name)
        yield data[stroff + name:end].decode(), typ, off, size, link, heads


def elf_needed(path):
    """DT_NEEDED names of an ELF file ([] for a static one)."""
    with open(path, "rb") as f:
        data = f.read()
    needed = []
    for name, typ, off, size, link, heads in elf_sections(data):
        if typ != 6:  # SHT_DYNAMIC
            continue
        strtab = heads[link][4]
        for i in range(0, size, 16):
            tag, val = struct.unpack_from("<qQ", data, off + i)
            if tag == 0:
                break
            if tag == 1:  # DT_NEEDED
                end = data.index(b"\0", strtab + val)
                needed.append(data[strtab + val:end].decode())
    return needed


def module_info(path):
    """The .modinfo fields of a kernel module, as a dict."""
    with open(path, "rb") as f:
        data = f.read()
    for name, _, off, size, _, _ in elf_sections(data):
        if name == ".modinfo":
            info = {}
            for item in data[off:off + size].split(b"\0"):
                if b"=" in item:
                    k, v = item.decode().split("=", 1)
                    info.setdefault(k, v)
            return info
    return {}


class Dom0Builder:
    def __init__(self, cache):
        self.cache = cache
        self.root = os.path.join(cache, "root")
        self.cpio = Cpio()
        self.libs_done = set()
        self.lib_dirs = [os.path.join(self.root, "usr/lib/x86_64-linux-gnu"),
                         os.path.join(self.root, "lib/x86_64-linux-gnu")]
        self.lib_dirs += HOST_LIB_DIRS

    def find_lib(self, name):
        for d in self.lib_dirs:
            p = os.path.join(d, name)
            if os.path.exists(p):
                return p
        raise FileNotFoundError("library %s not found in %s"
                                % (name, ", ".join(self.lib_dirs)))

    def add_lib(self, name):
        if name in self.libs_done:
            return
        self.libs_done.add(name)
        src = os.path.realpath(self.find_lib(name))
        self.cpio.add_host_file("lib/x86_64-linux-gnu/" + name, src, 0o755)
        self.add_deps(src)

    def add_deps(self, path):
        for lib in elf_needed(path):
            self.add_lib(lib)

    def add_program(self, dest, src):
        src = os.path.realpath(src)
        self.cpio.add_host_file(dest, src, 0o755)
        self.add_deps(src)

    def kernel_version(self):
        versions = sorted(os.listdir(os.path.join(self.root, "lib/modules")))
        if len(versions) != 1:
            raise RuntimeError("expected one kernel in the cache, found %s"
                               % versions)
        kver = versions[0]
        vmlinuz = os.path.join(self.root, "boot", "vmlinuz-" + kver)
        if not os.path.exists(vmlinuz):
            raise RuntimeError("modules %s have no matching %s" % (kver, vmlinuz))
        return kver

    def add_modules(self, kver):
        """Adds MODULES and their dependencies; returns the insmod lines."""
        moddir = os.path.join(self.root, "lib/modules", kver)
        by_name = {}
        for p in glob.glob(os.path.join(moddir, "kernel/**/*.ko"),
                           recursive=True):
            by_name[os.path.basename(p)[:-3].replace("-", "_")] = p
        order = []

        def visit(name, args):
            key = name.replace("-", "_")
            if any(k == key for k, _, _ in order):
                return
            path = by_name.get(key)
            if path is None:
                raise RuntimeError("module %s not in %s" % (name, moddir))
            info = module_info(path)
            if info.get("vermagic", "").split(" ")[0] != kver:
                raise RuntimeError("module %s was built for %r, not %s"
                                   % (name, info.get("vermagic"), kver))
            for dep in filter(None, info.get("depends", "").split(",")):
                visit(dep, "")
            order.append((key, path, args))

        for spec in MODULES:
            name, _, args = spec.partition(" ")
            visit(name, args)
        lines = []
        for key, path, args in order:
            rel = os.path.relpath(path, self.root)
            self.cpio.add_host_file(rel, path, 0o644)
            lines.append(("/" + rel + " " + args).strip())
        return lines

    def build(self):
        c = self.cpio
        kver = self.kernel_version()
        for d in ["bin", "sbin", "usr/bin", "usr/sbin", "proc", "sys", "dev",
                  "tmp", "run", "var/run", "var/log", "var/lib/xen",
                  "var/lock", "guests", "lib64"]:
            c.add_dir(d)
        c.add_chardev("dev/console", 5, 1)
        c.add_chardev("dev/null", 1, 3, 0o666)
        c.add_host_file("init", os.path.join(HERE, "dom0_init.sh"), 0o755)
        c.add_host_file("etc/torito/lib.sh", os.path.join(HERE, "dom0_lib.sh"),
                        0o644)
        c.add_host_file("bin/busybox", os.path.join(self.root, "bin/busybox"),
                        0o755)
        c.add_symlink("bin/sh", "busybox")
        for prog in XEN_PROGRAMS:
            self.add_program(XEN_BIN + "/" + prog,
                             os.path.join(self.root, XEN_BIN, prog))
            c.add_symlink("usr/sbin/" + prog, "/" + XEN_BIN + "/" + prog)
        # One program that acts on its name (the package hard-links them).
        self.add_program("usr/bin/xenstore",
                         os.path.join(self.root, "usr/bin/xenstore"))
        for tool in XENSTORE_TOOLS[1:]:
            c.add_symlink("usr/bin/" + tool, "xenstore")
        for prog in HOST_PROGRAMS:
            self.add_program(prog, prog)
        for lib in EXTRA_LIBS:
            self.add_lib(lib)
        self.add_lib("ld-linux-x86-64.so.2")  # the ELF interpreter
        c.add_symlink("lib64/ld-linux-x86-64.so.2",
                      "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
        etc_xen = os.path.join(self.root, "etc/xen")
        for dirpath, _, files in os.walk(etc_xen):
            for f in files:
                src = os.path.join(dirpath, f)
                c.add_host_file(os.path.relpath(src, self.root), src)
        c.add_file("etc/torito/modules", ("\n".join(self.add_modules(kver))
                                          + "\n").encode())
        c.add_file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
        c.add_file("etc/group", b"root:x:0:\n")
        return c.finish()


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cache", required=True, help="the Xen cache (setup.sh)")
    p.add_argument("--out", required=True, help="cpio archive to write")
    args = p.parse_args(argv)
    data = Dom0Builder(args.cache).build()
    with open(args.out, "wb") as f:
        f.write(data)
    print("mkdom0: wrote %s (%d KiB)" % (args.out, len(data) // 1024))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
