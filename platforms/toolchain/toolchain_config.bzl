"""The freestanding x86_64 gcc toolchain config: flag sets as features."""

load(
    "@rules_cc//cc:cc_toolchain_config_lib.bzl",
    "feature",
    "flag_group",
    "flag_set",
    "tool_path",
)
load("@bazel_tools//tools/build_defs/cc:action_names.bzl", "ACTION_NAMES")

_COMPILE = [
    ACTION_NAMES.c_compile,
    ACTION_NAMES.assemble,
    ACTION_NAMES.preprocess_assemble,
]

_LINK = [ACTION_NAMES.cpp_link_executable]

def _flags(name, actions, flags):
    return feature(
        name = name,
        enabled = True,
        flag_sets = [flag_set(actions = actions, flag_groups = [flag_group(flags = flags)])],
    )

def _impl(ctx):
    features = [
        # Ring-0 code: no libc, no red zone (interrupts push onto the stack),
        # no SSE state to save on a thread switch.
        _flags("freestanding", _COMPILE, [
            "-std=gnu11",
            "-ffreestanding",
            "-fno-builtin",
            "-fno-stack-protector",
            "-fno-pic",
            "-fno-pie",
            "-mno-red-zone",
            "-mgeneral-regs-only",
            "-mcmodel=small",
            "-fno-asynchronous-unwind-tables",
            "-D__TORITO__=1",
        ]),
        # Frame pointers keep the panic backtrace walkable.
        _flags("frame_pointers", _COMPILE, ["-fno-omit-frame-pointer"]),
        # Size by default: most kernel code is cold (boot, buses, Xen
        # setup). Hot paths (scheduler, heaps, network stack, virtqueues)
        # add -O2 in their BUILD files; measured with //testing/bench:core.
        _flags("optimize", _COMPILE, ["-Os", "-g"]),
        # Kernel libraries are alwayslink (link order never matters); the
        # linker then drops what nothing uses.
        _flags("gc_sections", _COMPILE, ["-ffunction-sections", "-fdata-sections"]),
        _flags("warnings", _COMPILE, [
            "-Wall",
            "-Wextra",
            "-Werror",
            "-Wno-unused-parameter",
        ]),
        # Same bytes from any clone: no absolute paths, no build-id, no dates.
        _flags("reproducible", _COMPILE, [
            "-no-canonical-prefixes",
            "-fno-canonical-system-headers",
            "-Wno-builtin-macro-redefined",
            "-D__DATE__=\"redacted\"",
            "-D__TIME__=\"redacted\"",
            "-D__TIMESTAMP__=\"redacted\"",
        ]),
        _flags("static_kernel_link", _LINK, [
            "-nostdlib",
            "-static",
            "-no-pie",
            "-Wl,--build-id=none",
            "-Wl,--gc-sections",
            "-Wl,-z,max-page-size=0x1000",
            "-Wl,-z,noexecstack",
            "-Wl,--no-warn-rwx-segments",
        ]),
        feature(name = "supports_pic", enabled = False),
    ]
    return cc_common.create_cc_toolchain_config_info(
        ctx = ctx,
        features = features,
        cxx_builtin_include_directories = ["/usr/lib/gcc/"],
        toolchain_identifier = "x86_64-none-gcc",
        host_system_name = "x86_64-linux",
        target_system_name = "x86_64-none",
        target_cpu = "x86_64",
        target_libc = "none",
        compiler = "gcc",
        abi_version = "none",
        abi_libc_version = "none",
        tool_paths = [
            tool_path(name = "gcc", path = "gcc.sh"),
            tool_path(name = "ld", path = "ld.sh"),
            tool_path(name = "ar", path = "/usr/bin/ar"),
            tool_path(name = "cpp", path = "/usr/bin/cpp"),
            tool_path(name = "nm", path = "/usr/bin/nm"),
            tool_path(name = "objdump", path = "/usr/bin/objdump"),
            tool_path(name = "objcopy", path = "/usr/bin/objcopy"),
            tool_path(name = "strip", path = "/usr/bin/strip"),
            tool_path(name = "gcov", path = "/bin/false"),
        ],
    )

freestanding_toolchain_config = rule(
    implementation = _impl,
    provides = [CcToolchainConfigInfo],
)
