#!/bin/sh
# Test entry for the blkprobe tests: runs blk_test.py from the runfiles root.
exec /usr/bin/python3 testing/virtioapps/blk_test.py "$@"
