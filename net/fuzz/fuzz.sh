#!/bin/sh
# Builds net_fuzz with clang (libFuzzer + ASan + UBSan) and runs it.
#
#   as a test:   bazel test //net:fuzz_test      (FUZZ_SECONDS, default 20)
#   by hand:     bazel run //net:net_fuzz -- 3600  (seconds; corpus kept in
#                $FUZZ_CORPUS, default ~/.cache/torito/net-fuzz-corpus)
# Extra arguments after the seconds go to libFuzzer (e.g. -jobs=2).
set -eu

root="${TEST_SRCDIR:-${RUNFILES_DIR:-$0.runfiles}}/torito"
work="${TEST_TMPDIR:-${TMPDIR:-/tmp}/torito-net-fuzz}"
secs="${1:-${FUZZ_SECONDS:-20}}"
[ $# -gt 0 ] && shift
clang="${CLANG:-/usr/bin/clang}"

if ! "$clang" --version >/dev/null 2>&1; then
	echo "fuzz: $clang not found; install clang and libclang-rt-14-dev" >&2
	exit 1
fi
mkdir -p "$work"
srcs=$(ls "$root"/net/api/*.c "$root"/net/core/*.c "$root"/net/dhcp/*.c \
	"$root"/net/ip/*.c "$root"/net/link/*.c "$root"/net/tcp/*.c \
	"$root"/net/udp/*.c)
"$clang" -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -Wall -Wno-unused-parameter \
	-I"$root" -I"$root/net/include" -I"$root/kernel/include" \
	$srcs "$root/net/tests/harness.c" "$root/net/fuzz/net_fuzz.c" \
	-o "$work/net_fuzz"

if [ -n "${TEST_TMPDIR:-}" ]; then
	corpus="$work/corpus"
else
	corpus="${FUZZ_CORPUS:-$HOME/.cache/torito/net-fuzz-corpus}"
fi
mkdir -p "$corpus" "$work/seeds"
python3 "$root/net/fuzz/make_seeds.py" "$work/seeds"
cd "$work"
exec "$work/net_fuzz" -max_total_time="$secs" -timeout=10 \
	-rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 "$@" \
	"$corpus" "$work/seeds"
