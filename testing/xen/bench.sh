#!/bin/sh
# `bazel run //testing/xen:bench`: runs bench.py from the runfiles tree.
exec /usr/bin/python3 testing/xen/bench.py "$@"
