#!/bin/sh
# The GNU linker, for tools that ask the toolchain for ld directly.
exec /usr/bin/ld "$@"
