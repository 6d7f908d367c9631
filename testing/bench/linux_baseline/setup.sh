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
	for tool in apt-get apt-cache dpkg; do
		command -v $tool > /dev/null || {
			echo "setup.sh: $tool is missing (this needs Debian 12)" >&2
			exit 1
		}
	done
	kernel_pkg() {
		apt-cache depends linux-image-amd64 2> /dev/null |
			awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
	}
	kernel=$(kernel_pkg)
	if [ -z "$kernel" ]; then
		apt-get update -qq
		kernel=$(kernel_pkg)
	fi
	[ -n "$kernel" ] || {
		echo "setup.sh: apt knows no linux-image-amd64" >&2
		exit 1
	}
	mkdir -p "$CACHE.new/debs"
	# apt-get would drop to the _apt user, who cannot write a private cache.
	sandbox=""
	[ "$(id -u)" = 0 ] && sandbox="-o APT::Sandbox::User=root"
	download() {
		(cd "$CACHE.new/debs" && apt-get download -q $sandbox busybox-static "$kernel")
	}
	if ! download; then
		echo "setup.sh: download failed; updating the package lists once" >&2
		apt-get update -qq
		download
	fi
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
