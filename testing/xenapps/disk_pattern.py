"""Writes the disk image blk_test expects: sector k holds "dom0 sector k\\n"
(six digits) repeated over its 512 bytes. Usage: disk_pattern.py OUT SECTORS"""
import sys

out, sectors = sys.argv[1], int(sys.argv[2])
with open(out, "wb") as f:
    for k in range(sectors):
        line = b"dom0 sector %06d\n" % k
        f.write((line * (512 // len(line) + 1))[:512])
