"""nasm_object: assemble one NASM source into an ELF64 object.

The object goes into a cc_library's srcs like any precompiled .o, so
assembly and C link through the same cc toolchain.
"""

def _nasm_object_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".o")
    args = ctx.actions.args()
    args.add_all(["-f", "elf64", "-Werror"])
    for inc in ctx.files.includes:
        args.add("-I" + inc.dirname + "/")
    args.add("-o", out)
    args.add(ctx.file.src)
    ctx.actions.run(
        executable = "/usr/bin/nasm",
        arguments = [args],
        inputs = [ctx.file.src] + ctx.files.includes,
        outputs = [out],
        mnemonic = "Nasm",
        progress_message = "Assembling %s" % ctx.file.src.short_path,
    )
    return [DefaultInfo(files = depset([out]))]

nasm_object = rule(
    implementation = _nasm_object_impl,
    attrs = {
        "src": attr.label(allow_single_file = [".asm"], mandatory = True),
        "includes": attr.label_list(allow_files = [".inc"]),
    },
)
