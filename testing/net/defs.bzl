"""net_test: boot an HTTP image in QEMU on a network and run scenarios.

    net_test(
        name = "tap_curl",
        scenarios = ["get", "keepalive", "http10"],  # see net_run.py
        net = "tap",            # tap (own namespace) | user (hostfwd)
        machine = "pc",         # pc | microvm
        image = "//apps/microservice:image",
        linux_baseline = False, # True: the Linux baseline instead of image
        args = [],              # more net_run.py arguments
    )

Tests are tagged "local" (namespaces and taps need no sandbox: inside it
/run/netns is read-only) and "net"; each boots QEMU once (TCG).
"""

def net_test(
        name,
        scenarios,
        net = "tap",
        machine = "pc",
        image = "//apps/microservice:image",
        linux_baseline = False,
        args = [],
        tags = [],
        **kwargs):
    test_args = ["--net", net, "--machine", machine] + args
    data = ["//testing/net:net_run.py"]
    if linux_baseline:
        test_args.append("--linux-baseline")
        data.append("//testing/bench/linux_baseline:files")
    else:
        test_args += ["--kernel", "$(rootpath %s.elf)" % image]
        data.append(image + ".elf")
    for s in scenarios:
        test_args += ["--scenario", s]
    native.sh_test(
        name = name,
        srcs = ["//testing/net:net_test.sh"],
        args = test_args,
        data = data,
        size = kwargs.pop("size", "medium"),
        tags = tags + ["local", "net"],
        **kwargs
    )
