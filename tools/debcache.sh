# tools/debcache.sh: sourced by the setup scripts that fetch Debian packages
# into caches outside the workspace (testing/xen/setup.sh,
# testing/bench/linux_baseline/setup.sh). Packages are downloaded and
# unpacked, never installed on this machine.

# Fails unless every named tool is on PATH.
debcache_require() {
	for tool in "$@"; do
		command -v "$tool" > /dev/null || {
			echo "setup.sh: $tool is missing (this needs Debian 12)" >&2
			exit 1
		}
	done
}

# Prints the kernel package linux-image-amd64 currently points at,
# refreshing the package lists once if apt does not know it yet.
debcache_kernel_package() {
	pkg=$(apt-cache depends linux-image-amd64 2> /dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	if [ -z "$pkg" ]; then
		apt-get update -qq >&2
		pkg=$(apt-cache depends linux-image-amd64 2> /dev/null |
			awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	fi
	[ -n "$pkg" ] || {
		echo "setup.sh: apt knows no linux-image-amd64" >&2
		exit 1
	}
	echo "$pkg"
}

# debcache_download DIR PACKAGE...: the .deb files into DIR, retrying once
# after refreshing the package lists.
debcache_download() {
	dir=$1
	shift
	# apt-get would drop to the _apt user, who cannot write a private cache.
	sandbox=""
	[ "$(id -u)" = 0 ] && sandbox="-o APT::Sandbox::User=root"
	mkdir -p "$dir"
	(cd "$dir" && apt-get download -q $sandbox "$@") && return 0
	echo "setup.sh: download failed; updating the package lists once" >&2
	apt-get update -qq
	(cd "$dir" && apt-get download -q $sandbox "$@")
}
