"""qemu_test: boot an image in QEMU and check what its console shows.

    qemu_test(
        name = "hello_pc",
        image = "//apps/hello:image",  # uses image.elf, or image.iso
        machine = "pc",            # pc | microvm | iso
        append = "greeting=hola",  # kernel command line (pc, microvm)
        expect = ["Hello from Torito"],
        expect_status = "success", # or "failure"
    )

The test passes only when every `expect` regex appears in order, no
`reject` regex appears, the kernel reports the expected power-off status and
QEMU's exit status agrees (see testing/qemu_run.py).
"""

def _quote(arg):
    # sh_test args are $(location)-expanded, then split like a shell would.
    return "'" + arg.replace("$", "$$").replace("'", "'\\''") + "'"

def qemu_test(
        name,
        image,
        machine = "pc",
        append = "",
        expect = [],
        reject = [],
        expect_status = "success",
        accel = "tcg",
        smp = 1,
        memory = "128M",
        qemu_args = [],
        extra_args = [],
        timeout_s = 60,
        **kwargs):
    image_file = image + (".iso" if machine == "iso" else ".elf")
    image_arg = ["--iso" if machine == "iso" else "--kernel", "$(rootpath %s)" % image_file]
    args = ["test", "--machine", machine, "--accel", accel, "--smp", str(smp),
            "--memory", memory, "--timeout", str(timeout_s),
            "--expect-status", expect_status] + image_arg
    if append:
        args += ["--append", _quote(append)]
    for e in expect:
        args += ["--expect", _quote(e)]
    for r in reject:
        args += ["--reject", _quote(r)]
    for q in qemu_args:
        args += [_quote("--qemu-arg=" + q)]
    native.sh_test(
        name = name,
        srcs = ["//testing:qemu_test.sh"],
        args = args + extra_args,
        data = [image_file, "//testing:qemu_run.py"],
        size = kwargs.pop("size", "medium"),
        tags = kwargs.pop("tags", []) + ["qemu"],
        **kwargs
    )
