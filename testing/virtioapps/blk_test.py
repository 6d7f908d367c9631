#!/usr/bin/python3
"""blk_test: boot blkprobe with a fresh raw disk, then check the disk.

Creates a 1 MiB raw image whose sector 0 holds "TORITO host sector 0",
runs testing/qemu_run.py test with the image attached as a virtio-blk
device (the QEMU device options come from --device), and then checks on
the host that sectors 16..315 hold blkprobe's pattern (or, with
--read-only, that nothing changed). Arguments after the known ones are
passed to qemu_run.py. Python standard library only.
"""

import argparse
import os
import subprocess
import sys
import tempfile

SECTOR = 512
FIRST, COUNT = 16, 300
HOST_TEXT = b"TORITO host sector 0\n"


def pattern(sector):
    """blkprobe.c's pattern() for one sector."""
    return bytes((sector * 31 + i * 7 + 1) & 0xff for i in range(SECTOR))


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--device", required=True,
                   help="QEMU -device value; drive=d0 is appended")
    p.add_argument("--read-only", action="store_true")
    args, rest = p.parse_known_args(argv)
    tmp = os.environ.get("TEST_TMPDIR") or tempfile.mkdtemp()
    disk = os.path.join(tmp, "disk.img")
    with open(disk, "wb") as f:
        f.write(HOST_TEXT.ljust(SECTOR, b"\0"))
        f.truncate(2048 * SECTOR)
    with open(disk, "rb") as f:
        before = f.read()
    drive = "file=%s,if=none,id=d0,format=raw" % disk
    if args.read_only:
        drive += ",readonly=on"
    cmd = [sys.executable, "testing/qemu_run.py", "test",
           "--qemu-arg=-drive", "--qemu-arg=" + drive,
           "--qemu-arg=-device", "--qemu-arg=%s,drive=d0" % args.device]
    rc = subprocess.call(cmd + rest)
    with open(disk, "rb") as f:
        after = f.read()
    problems = []
    if args.read_only:
        if after != before:
            problems.append("a read-only disk changed")
    else:
        for s in range(FIRST, FIRST + COUNT):
            if after[s * SECTOR:(s + 1) * SECTOR] != pattern(s):
                problems.append("sector %d does not hold the pattern" % s)
                break
        if after[:FIRST * SECTOR] != before[:FIRST * SECTOR]:
            problems.append("sectors before %d changed" % FIRST)
        end = (FIRST + COUNT) * SECTOR
        if after[end:] != before[end:]:
            problems.append("sectors after %d changed" % (FIRST + COUNT))
    for msg in problems:
        print("FAIL (disk check): " + msg)
    if rc == 0 and not problems:
        print("disk check: PASS")
    return 1 if rc or problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
