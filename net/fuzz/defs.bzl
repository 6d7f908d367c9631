"""cc_headers: the header files of a cc_library, as plain files.

The fuzz script compiles net/ with clang outside Bazel's C++ toolchain and
needs the kernel API headers in its runfiles; this exposes them without
touching the package that owns them.
"""

def _cc_headers_impl(ctx):
    hdrs = ctx.attr.dep[CcInfo].compilation_context.headers
    return [DefaultInfo(files = hdrs, runfiles = ctx.runfiles(transitive_files = hdrs))]

cc_headers = rule(
    implementation = _cc_headers_impl,
    attrs = {"dep": attr.label(providers = [CcInfo])},
)
