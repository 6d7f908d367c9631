#!/bin/sh
# Fetch and unpack what the nested Xen harness boots: Debian's Xen 4.17
# hypervisor and tools, a Debian kernel for dom0 (with its modules) and a
# static busybox, plus the Xen libraries xl loads.
#
# Nothing is installed on this machine: a hypervisor or kernel package would
# hook into its boot loader. The .deb files are fetched with
# `apt-get download` into a cache outside the workspace and unpacked with
# `dpkg -x`. Tests and `bazel run` targets read the cache and touch no
# network.
#
#   testing/xen/setup.sh            fetch + unpack once; later runs return
#                                   at once ("ready")
#   testing/xen/setup.sh --refresh  fetch the current package versions again
#
# Cache: $TORITO_XEN_CACHE, default ~/.cache/torito/xen (the home directory
# from the password database, so Bazel's test HOME does not matter). Layout:
#   debs/      the .deb files          root/   all of them unpacked
#   xen.elf    the hypervisor, decompressed (QEMU -kernel loads it)
#   READY      written last: format version and package list
set -eu
. "$(cd "$(dirname "$0")/../.." && pwd)/tools/debcache.sh"

FORMAT=1
home=$(getent passwd "$(id -u)" | cut -d: -f6)
CACHE=${TORITO_XEN_CACHE:-$home/.cache/torito/xen}
STAMP=$CACHE/READY

PACKAGES="xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-utils-common
xenstore-utils busybox-static libxencall1 libxenevtchn1 libxenforeignmemory1
libxengnttab1 libxenmisc4.17 libxenstore4 libxentoollog1 libxenhypfs1
libxentoolcore1 libxendevicemodel1 libyajl2"

refresh=0
case "${1:-}" in
--refresh) refresh=1 ;;
"") ;;
*)
	echo "usage: $0 [--refresh]" >&2
	exit 2
	;;
esac

if [ $refresh = 0 ] && [ -f "$STAMP" ] &&
	[ "$(head -n1 "$STAMP")" = "format $FORMAT" ] &&
	[ -f "$CACHE/xen.elf" ] && [ -d "$CACHE/root/lib/modules" ]; then
	echo "setup.sh: Xen cache ready in $CACHE"
	exit 0
fi

debcache_require apt-get apt-cache dpkg gzip
# The dom0 kernel: whatever linux-image-amd64 currently points at.
kernel=$(debcache_kernel_package) || exit 1

mkdir -p "$CACHE"
rm -f "$STAMP"
rm -rf "$CACHE/debs.new" "$CACHE/root.new"
debcache_download "$CACHE/debs.new" $PACKAGES "$kernel"

mkdir "$CACHE/root.new"
for deb in "$CACHE"/debs.new/*.deb; do
	dpkg -x "$deb" "$CACHE/root.new"
done
gzip -dc "$CACHE"/root.new/boot/xen-4.17-amd64.gz > "$CACHE/xen.elf.new"

rm -rf "$CACHE/debs" "$CACHE/root"
mv "$CACHE/debs.new" "$CACHE/debs"
mv "$CACHE/root.new" "$CACHE/root"
mv "$CACHE/xen.elf.new" "$CACHE/xen.elf"
{
	echo "format $FORMAT"
	(cd "$CACHE/debs" && ls *.deb)
} > "$STAMP.new"
mv "$STAMP.new" "$STAMP"
echo "setup.sh: Xen cache ready in $CACHE ($(du -sh "$CACHE" | cut -f1))"
