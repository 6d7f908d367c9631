#!/bin/sh
# Test entry for net_test (defs.bzl): runs testing/net/net_run.py with the
# test's arguments from the runfiles directory.
exec /usr/bin/python3 testing/net/net_run.py "$@"
