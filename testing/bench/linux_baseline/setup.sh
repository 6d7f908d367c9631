#!/bin/sh
# Fill the Linux baseline cache (see README.md): Debian's kernel (the one
# linux-image-amd64 points at), the virtio modules it needs and a static
# busybox. Nothing is installed on this machine; the .deb files are unpacked
# with `dpkg -x`. The benchmark then reads the cache and touches no network.
#
#   testing/bench/linux_baseline/setup.sh            once; later runs print
#                                                    "ready" at once
#   testing/bench/linux_baseline/setup.sh --refresh  fetch again
#
# Source: the nested-Xen cache (testing/xen/setup.sh, ~/.cache/torito/xen)
# when it is ready, since it already holds both packages unpacked; otherwise
# `apt-get download` into this cache's debs/.
# Cache: $TORITO_LINUX_BASELINE_CACHE, default ~/.cache/torito/linux-baseline
# (home from the password database, so Bazel's test HOME does not matter).
set -eu

FORMAT=1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../../tools/debcache.sh"
home=$(getent passwd "$(id -u)" | cut -d: -f6)
CACHE=${TORITO_LINUX_BASELINE_CACHE:-$home/.cache/torito/linux-baseline}
XEN=${TORITO_XEN_CACHE:-$home/.cache/torito/xen}

refresh=0
case "${1:-}" in
--refresh) refresh=1 ;;
"") ;;
*)
	echo "usage: $0 [--refresh]" >&2
	exit 2
	;;
esac

if [ $refresh = 0 ] && [ -f "$CACHE/READY" ] &&
	[ "$(head -n1 "$CACHE/READY")" = "format $FORMAT" ] &&
	[ -f "$CACHE/vmlinuz" ] && [ -f "$CACHE/busybox" ] &&
	[ -f "$CACHE/modules/order" ]; then
	echo "setup.sh: Linux baseline cache ready in $CACHE"
	exit 0
fi

rm -rf "$CACHE.new"
mkdir -p "$CACHE.new"
if [ $refresh = 0 ] && [ -f "$XEN/READY" ] &&
	ls "$XEN"/root/boot/vmlinuz-* > /dev/null 2>&1 &&
	[ -x "$XEN/root/bin/busybox" ]; then
	root=$XEN/root
	source="the Xen cache $XEN"
else
	debcache_require apt-get apt-cache dpkg
	kernel=$(debcache_kernel_package) || exit 1
	debcache_download "$CACHE.new/debs" busybox-static "$kernel"
	root=$CACHE.new/unpacked
	source="apt-get download $kernel busybox-static"
	mkdir -p "$root"
	for deb in "$CACHE.new"/debs/*.deb; do
		dpkg -x "$deb" "$root"
	done
fi

python3 "$here/baseline.py" prepare --root "$root" --out "$CACHE.new" --source "$source"
rm -rf "$CACHE.new/unpacked"
# The kernel and modules are ~10 MB; the unpacked tree (~400 MB) goes.
rm -rf "$CACHE"
mv "$CACHE.new" "$CACHE"
echo "setup.sh: Linux baseline cache ready in $CACHE ($(du -sh "$CACHE" | cut -f1))"
