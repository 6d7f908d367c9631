#!/bin/sh
# Freestanding gcc for Torito images. Runs the host gcc without the host's
# headers (only gcc's own freestanding ones) and maps the build directory out
# of debug info so two clones build bit-identical images.
gcc_include=$(/usr/bin/gcc -print-file-name=include)
exec /usr/bin/gcc -nostdinc -isystem "$gcc_include" \
  "-ffile-prefix-map=$PWD=." "$@"
