#!/usr/bin/env bash
# fetch.sh ARCH: downloads (once) and extracts the Debian packages the nested
# tests need for ARCH -- the L1 kernel and modules, the L2 kernel and modules,
# busybox-static -- into ${LKVM_CACHE:-<repo>/.cache}, then writes
# <cache>/e2e/ARCH/fetch.env with the paths to use. Idempotent; fast when
# everything is cached.
#
# Overrides (environment):
#   E2E_KABI=NN                    pin the kernel ABI (linux-image-6.1.0-NN-*)
#   E2E_L1_KPKG / E2E_L2_KPKG      exact Debian kernel package names
#   E2E_L1_KERNEL / E2E_L2_KERNEL  use this kernel image instead of a package
#   E2E_L1_MODDIR / E2E_L2_MODDIR  ... with the modules in this lib/modules/KVER
#                                  directory (may be empty: no modules)
#   E2E_BUSYBOX                    use this static busybox binary
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[[ $# -eq 1 ]] || {
	echo "usage: $0 ARCH" >&2
	exit 2
}
e2e_load_arch "$1"
e2e_need apt-get apt-cache dpkg-deb

# kernel_from_pkg WHICH(L1|L2) REGEX: sets KERNEL, MODDIR, KVER, PKGINFO.
kernel_from_pkg() {
	local which=$1 re=$2 pkgvar name dir k m
	pkgvar=E2E_${which}_KPKG
	name=${!pkgvar:-}
	if [[ -z $name ]]; then
		[[ -n ${E2E_KABI:-} ]] && re=${re//\[0-9\]+/$E2E_KABI}
		name=$(e2e_newest_pkg "$re" "$E2E_DEB_ARCH")
		if [[ -z $name ]]; then
			# No apt lists (offline)? Use the newest cached one.
			name=$(find "$E2E_DEB_CACHE" -maxdepth 1 -name '*.deb' -printf '%f\n' 2>/dev/null |
				sed 's/_.*//' | grep -E "^${re}\$" | sort -V | tail -n1 || true)
			[[ -n $name ]] || e2e_die "no Debian package matches '$re' for $E2E_DEB_ARCH (apt-get update? dpkg --add-architecture $E2E_DEB_ARCH?)"
		fi
	fi
	dir=$(e2e_fetch_deb "$name" "$E2E_DEB_ARCH")
	k=$(find "$dir/boot" -maxdepth 1 -name 'vmlinuz-*' -print -quit 2>/dev/null || true)
	[[ -n $k ]] || e2e_die "package $name has no boot/vmlinuz-*"
	m=$(find "$dir/lib/modules" "$dir/usr/lib/modules" -mindepth 1 -maxdepth 1 -type d -print -quit 2>/dev/null || true)
	[[ -n $m ]] || e2e_die "package $name has no lib/modules/KVER"
	KERNEL=$k MODDIR=$m KVER=${m##*/}
	local ver=${dir##*/"${name}"_}
	PKGINFO="$name ${ver//%3a/:}"
}

# Fast path: the same request, the same apt lists and every file still there.
env=$E2E_ARCH_CACHE/fetch.env
key=$(
	printf '%s\n' "$E2E_ARCH" "${E2E_KABI:-}" "${E2E_L1_KPKG:-}" "${E2E_L2_KPKG:-}" \
		"${E2E_L1_KERNEL:-}" "${E2E_L1_MODDIR:-}" "${E2E_L2_KERNEL:-}" "${E2E_L2_MODDIR:-}" \
		"${E2E_BUSYBOX:-}" "$E2E_L1_KPKG_RE" "$E2E_L2_KPKG_RE" "${E2E_BUSYBOX_PKG:-}"
	find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -printf '%f %T@\n' 2>/dev/null | sort
)
key=$(printf '%s' "$key" | md5sum | cut -d' ' -f1)
# shellcheck disable=SC2153 # E2E_F_* come from fetch.env
print_summary() {
	e2e_log "arch $E2E_ARCH (Debian $E2E_DEB_ARCH), cache $E2E_CACHE"
	e2e_log "  L1 kernel: $E2E_F_L1_PKG (${E2E_F_L1_KVER:-no modules})"
	e2e_log "  L2 kernel: $E2E_F_L2_PKG (${E2E_F_L2_KVER:-no modules})"
	e2e_log "  busybox:   $E2E_F_BUSYBOX_PKG"
}
if [[ -f $env ]] && [[ ${E2E_REFETCH:-0} != 1 ]]; then
	# shellcheck source=/dev/null
	. "$env"
	if [[ ${E2E_F_KEY:-} == "$key" && -f $E2E_F_L1_KERNEL && -f $E2E_F_L2_KERNEL &&
		(-z $E2E_F_L1_MODDIR || -f $E2E_F_L1_MODDIR/modules.dep) &&
		(-z $E2E_F_L2_MODDIR || -f $E2E_F_L2_MODDIR/modules.dep) &&
		(-z $E2E_F_BUSYBOX || -f $E2E_F_BUSYBOX) ]]; then
		print_summary
		exit 0
	fi
fi

# Slow path: one fetch.sh per arch at a time (shared cache).
mkdir -p "$E2E_ARCH_CACHE"
exec 9>"$E2E_ARCH_CACHE/.lock"
flock 9 || e2e_die "cannot lock $E2E_ARCH_CACHE/.lock"

declare -A OUT=()
for which in L1 L2; do
	kvar=E2E_${which}_KERNEL mvar=E2E_${which}_MODDIR revar=E2E_${which}_KPKG_RE
	if [[ -n ${!kvar:-} ]]; then
		[[ -f ${!kvar} ]] || e2e_die "$kvar=${!kvar}: no such file"
		KERNEL=${!kvar} MODDIR=${!mvar:-} KVER=${MODDIR##*/} PKGINFO="override ${!kvar}"
		[[ -z $MODDIR || -d $MODDIR ]] || e2e_die "$mvar=$MODDIR: no such directory"
	else
		kernel_from_pkg "$which" "${!revar}"
	fi
	[[ -z $MODDIR ]] || e2e_gen_modules_dep "$MODDIR"
	OUT[${which}_KERNEL]=$KERNEL OUT[${which}_MODDIR]=$MODDIR OUT[${which}_KVER]=$KVER
	OUT[${which}_PKG]=$PKGINFO
done

if [[ -n ${E2E_BUSYBOX:-} ]]; then
	[[ -f $E2E_BUSYBOX ]] || e2e_die "E2E_BUSYBOX=$E2E_BUSYBOX: no such file"
	OUT[BUSYBOX]=$E2E_BUSYBOX OUT[BUSYBOX_PKG]="override $E2E_BUSYBOX"
elif [[ -n ${E2E_BUSYBOX_PKG:-} ]]; then
	dir=$(e2e_fetch_deb "$E2E_BUSYBOX_PKG" "$E2E_DEB_ARCH")
	[[ -x $dir/bin/busybox ]] || e2e_die "$E2E_BUSYBOX_PKG has no bin/busybox"
	OUT[BUSYBOX]=$dir/bin/busybox
	ver=${dir##*/"${E2E_BUSYBOX_PKG}"_}
	OUT[BUSYBOX_PKG]="$E2E_BUSYBOX_PKG ${ver//%3a/:}"
else
	OUT[BUSYBOX]='' OUT[BUSYBOX_PKG]=none
fi

mkdir -p "$E2E_ARCH_CACHE"
{
	echo "# written by tests/e2e/fetch.sh $E2E_ARCH"
	for k in L1_KERNEL L1_MODDIR L1_KVER L1_PKG L2_KERNEL L2_MODDIR L2_KVER L2_PKG BUSYBOX BUSYBOX_PKG; do
		printf 'E2E_F_%s=%q\n' "$k" "${OUT[$k]}"
	done
	printf 'E2E_F_KEY=%s\n' "$key"
} >"$env.tmp"
mv "$env.tmp" "$env"
# shellcheck source=/dev/null
. "$env"
print_summary
