"""Stand-in for rules_java's defs.bzl: forwards to Bazel 4.2.3's native rules.

@bazel_tools//tools/jdk loads this file while Bazel resolves toolchains;
Torito builds no Java, so the native rules are all it needs.
"""

java_binary = native.java_binary
java_import = native.java_import
java_library = native.java_library
java_runtime = native.java_runtime
java_toolchain = native.java_toolchain
