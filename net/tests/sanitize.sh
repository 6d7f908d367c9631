#!/bin/sh
# Builds net/ and every host unit test with clang -fsanitize=address,undefined
# and runs them (bazel test //net:sanitize_test). The gcc-built cc_tests
# check behaviour; this run checks memory and undefined behaviour too.
set -eu

root="${TEST_SRCDIR:-${RUNFILES_DIR:-$0.runfiles}}/torito"
work="${TEST_TMPDIR:-${TMPDIR:-/tmp}/torito-net-sanitize}"
clang="${CLANG:-/usr/bin/clang}"
flags="-g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all
	-Wall -Wextra -Werror -Wno-unused-parameter
	-I$root -I$root/net/include -I$root/kernel/include"

mkdir -p "$work/obj"
for src in "$root"/net/api/*.c "$root"/net/core/*.c "$root"/net/dhcp/*.c \
	"$root"/net/ip/*.c "$root"/net/link/*.c "$root"/net/tcp/*.c \
	"$root"/net/udp/*.c "$root"/net/tests/harness.c; do
	obj="$work/obj/$(basename "$(dirname "$src")")_$(basename "$src" .c).o"
	# shellcheck disable=SC2086
	"$clang" $flags -c "$src" -o "$obj"
done
fail=0
for t in "$root"/net/tests/*_test.c; do
	name=$(basename "$t" .c)
	# shellcheck disable=SC2086
	"$clang" $flags "$t" "$work"/obj/*.o -o "$work/$name"
	if "$work/$name" >"$work/$name.log" 2>&1; then
		echo "ok   $name: $(tail -1 "$work/$name.log")"
	else
		echo "FAIL $name"
		cat "$work/$name.log"
		fail=1
	fi
done
exit $fail
