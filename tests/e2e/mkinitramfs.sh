#!/usr/bin/env bash
# mkinitramfs.sh: builds a newc initramfs (cpio, gzip by default).
#
#   mkinitramfs.sh --l2 ARCH -o OUT
#       the standard L2 guest initramfs of the e2e tests (what /l2/initrd.gz
#       is in L1), e.g. to boot by hand with lkvm.
#   mkinitramfs.sh -o OUT [-z gzip|none] [-b BUSYBOX] [-i INIT]
#                  [-K MODDIR -m MODULE [-m MODULE]...] [-f SRC:DST]...
#       a custom one: busybox as /bin/busybox (applets installed at boot by
#       'busybox --install -s'), INIT as /init, the MODULEs and their
#       dependencies from MODDIR (lib/modules/KVER; modules.dep generated if
#       missing, .ko.xz/.zst decompressed) with /etc/e2e/modules.load listing
#       them in load order, and extra files SRC copied to DST.
# /dev/console is always included (the kernel needs it to give /init a console).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

out='' compress=gzip bb='' init='' moddir='' l2arch=''
mods=() files=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--l2) l2arch=${2:?} && shift ;;
	-o) out=${2:?} && shift ;;
	-z) compress=${2:?} && shift ;;
	-b) bb=${2:?} && shift ;;
	-i) init=${2:?} && shift ;;
	-K) moddir=${2:?} && shift ;;
	-m) mods+=("${2:?}") && shift ;;
	-f) files+=("${2:?}") && shift ;;
	-h | --help) usage ;;
	*) e2e_warn "unknown argument '$1'" && usage ;;
	esac
	shift
done
[[ -n $out ]] || usage

if [[ -n $l2arch ]]; then
	e2e_load_arch "$l2arch"
	e2e_load_fetched
	e2e_build_l2_initramfs "$out"
	exit 0
fi

st=$(mktemp -d)
trap 'rm -rf "$st"' EXIT
e2e_stage_base "$st" "$bb"
if [[ -n $init ]]; then
	install -m 0755 "$init" "$st/init"
fi
if [[ ${#mods[@]} -gt 0 ]]; then
	[[ -n $moddir ]] || e2e_die "-m needs -K MODDIR"
	n=$(e2e_stage_modules "$st" "$moddir" "${mods[@]}")
	e2e_log "staged $n modules"
fi
for f in "${files[@]}"; do
	src=${f%%:*} dst=${f#*:}
	[[ -e $src ]] || e2e_die "no such file: $src"
	mkdir -p "$st/$(dirname "$dst")"
	cp -a "$src" "$st/$dst"
done
e2e_mkinitramfs "$out" "$compress" "$st"
e2e_log "$out: $(du -k "$out" | cut -f1) KiB"
