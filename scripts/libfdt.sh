#!/usr/bin/env bash
# scripts/libfdt.sh DIR: make sure DIR holds the libfdt sources (the .c and
# .h files of scripts/dtc/libfdt in Debian's linux-source-6.1 package,
# unmodified), for architectures whose cross toolchain has no libfdt
# package (Debian 12 has none for riscv64).
#
# Idempotent and cached: once DIR/.done exists nothing is done.  The .deb
# comes from Debian's archive through apt-get download (about 140 MB,
# once; deleted after extraction).  Environment:
#   LIBFDT_DEB=FILE   use this linux-source-*.deb instead of downloading
#   LIBFDT_PKG=NAME   package to download (default linux-source-6.1)
set -euo pipefail

[[ $# -eq 1 ]] || {
	echo "usage: $0 DIR" >&2
	exit 2
}
dest=$1
[[ -f $dest/.done ]] && exit 0

say() { printf 'libfdt: %s\n' "$*" >&2; }
die() {
	printf 'libfdt: ERROR: %s\n' "$*" >&2
	exit 1
}
for c in dpkg-deb tar xz flock; do
	command -v "$c" >/dev/null || die "host tool '$c' not found (Debian: dpkg, tar, xz-utils, util-linux)"
done

parent=$(dirname "$dest")
mkdir -p "$parent"
exec 9>"$parent/.libfdt.lock"
flock 9
[[ -f $dest/.done ]] && exit 0 # another build did it meanwhile

tmp=$(mktemp -d "$parent/.libfdt.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

deb=${LIBFDT_DEB:-}
pkg=${LIBFDT_PKG:-linux-source-6.1}
if [[ -z $deb ]]; then
	command -v apt-get >/dev/null || die "apt-get not found: set LIBFDT_DEB to a $pkg .deb"
	policy=$(apt-cache policy "$pkg" 2>/dev/null || true)
	if [[ $policy != *"Candidate: "[0-9]* ]]; then
		if [[ $(id -u) == 0 ]]; then
			say "no apt candidate for $pkg: apt-get update"
			apt-get update -qq >/dev/null || true
		fi
	fi
	say "downloading $pkg from Debian's archive (once; ~140 MB) for the libfdt sources"
	if ! (cd "$tmp" && apt-get download -q "$pkg" >download.log 2>&1); then
		cat "$tmp/download.log" >&2
		die "apt-get download $pkg failed (run apt-get update? network?)"
	fi
	deb=$(find "$tmp" -maxdepth 1 -name "${pkg}_*.deb" -print -quit)
	[[ -n $deb ]] || die "apt-get download $pkg produced no .deb"
fi
[[ -f $deb ]] || die "$deb: no such file"

# The package holds usr/src/linux-source-X.Y.tar.xz; libfdt is in there.
tarball=$(dpkg-deb -c "$deb" | awk '{ print $NF }' | grep -E '^\./usr/src/linux-source-[0-9.]+\.tar\.xz$' | head -n1)
[[ -n $tarball ]] || die "$deb has no usr/src/linux-source-*.tar.xz"
top=${tarball##*/}
top=${top%.tar.xz}
say "extracting $top/scripts/dtc/libfdt from ${deb##*/}"
mkdir -p "$tmp/src"
dpkg-deb --fsys-tarfile "$deb" | tar -xO "$tarball" |
	tar -xJ -C "$tmp/src" --strip-components=4 "$top/scripts/dtc/libfdt" ||
	die "cannot extract libfdt from $deb"
for f in fdt.c fdt_ro.c fdt_rw.c fdt_sw.c fdt_wip.c fdt_strerror.c libfdt.h \
	libfdt_env.h fdt.h libfdt_internal.h; do
	[[ -f $tmp/src/$f ]] || die "$top/scripts/dtc/libfdt has no $f"
done
printf '%s\n' "${deb##*/}" >"$tmp/src/SOURCE"
rm -rf "$dest"
mv "$tmp/src" "$dest"
: >"$dest/.done"
say "libfdt sources in $dest"
