#!/bin/sh
# Test entry for qemu_test (defs.bzl): runs testing/qemu_run.py with the
# test's arguments from the runfiles directory.
exec /usr/bin/python3 testing/qemu_run.py "$@"
