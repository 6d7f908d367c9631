"""blk_test: blkprobe on a fresh raw disk, checked on the host afterwards.

    blk_test(
        name = "blk_pci_modern",
        device = "virtio-blk-pci",  # QEMU -device value (drive=d0 added)
        machine = "pc",
        expect = ["blkprobe: flush: ok"],
    )

Runs blk_test.py, which creates the disk, boots the image through
testing/qemu_run.py (same checks as qemu_test) and then checks the disk.
"""

def _quote(arg):
    # sh_test args are $(location)-expanded, then split like a shell would.
    return "'" + arg.replace("$", "$$").replace("'", "'\\''") + "'"

def blk_test(name, device, machine, expect, image = ":blkprobe_image",
             qemu_args = [], read_only = False, timeout_s = 30):
    args = ["--device=" + device, "--machine", machine, "--timeout",
            str(timeout_s), "--kernel", "$(rootpath %s.elf)" % image]
    if read_only:
        args.append("--read-only")
    for q in qemu_args:
        args.append(_quote("--qemu-arg=" + q))
    for e in expect:
        args += ["--expect", _quote(e)]
    native.sh_test(
        name = name,
        size = "medium",
        srcs = ["blk_test.sh"],
        args = args,
        data = ["blk_test.py", image + ".elf", "//testing:qemu_run.py"],
        tags = ["qemu"],
    )
