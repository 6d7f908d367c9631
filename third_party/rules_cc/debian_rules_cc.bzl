"""debian_rules_cc: Debian's bazel-rules-cc, adapted to Bazel 4.2.3.

Debian ships rules_cc 0.0.4, whose private rules load `use_cpp_toolchain`,
a symbol Bazel 4.2.3's @bazel_tools lacks; @bazel_tools//tools/cpp loads
those rules under toolchain resolution. This rule copies the package into
the external repository and replaces that one call with the toolchain type
it stands for. Nothing is downloaded.
"""

_PATCHED = [
    "cc/private/rules_impl/compiler_flag.bzl",
    "cc/private/rules_impl/cc_flags_supplier.bzl",
]

def _impl(rctx):
    src = rctx.attr.path
    res = rctx.execute(["cp", "-R", src + "/.", "."])
    if res.return_code != 0:
        fail("cannot copy %s (is bazel-rules-cc installed?): %s" % (src, res.stderr))
    for f in _PATCHED:
        text = rctx.read(f)
        text = text.replace(', "use_cpp_toolchain")', ")")
        text = text.replace("use_cpp_toolchain()", '["@bazel_tools//tools/cpp:toolchain_type"]')
        rctx.file(f, text, executable = False)

debian_rules_cc = repository_rule(
    implementation = _impl,
    attrs = {"path": attr.string(default = "/usr/share/bazel/rules/cc")},
    local = True,
)
