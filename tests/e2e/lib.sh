# shellcheck shell=bash
# Common host-side helpers for the nested end-to-end tests (sourced, bash).
#
# Provides: logging, cache paths, per-arch config loading, Debian package
# fetching, a modules.dep generator/resolver and a newc initramfs builder.

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_REPO=$(cd "$E2E_DIR/../.." && pwd)
E2E_CACHE=${LKVM_CACHE:-$E2E_REPO/.cache}

e2e_log() { printf '[e2e] %s\n' "$*" >&2; }
e2e_warn() { printf '[e2e] WARNING: %s\n' "$*" >&2; }
e2e_die() {
	printf '[e2e] ERROR: %s\n' "$*" >&2
	exit 2
}

# e2e_need CMD... : fail loudly if a host tool is missing.
e2e_need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			e2e_die "host tool '$c' not found (Debian: apt-get install ${E2E_PKG_HINT[$c]:-$c})"
	done
}
declare -A E2E_PKG_HINT=(
	[qemu-system-x86_64]=qemu-system-x86 [qemu-system-aarch64]=qemu-system-arm
	[qemu-system-riscv64]=qemu-system-misc [apt-get]=apt [dpkg-deb]=dpkg
	[xz]=xz-utils [zstd]=zstd [cpio]=cpio [timeout]=coreutils
)

# e2e_now: seconds since the epoch with sub-second precision.
e2e_now() { printf '%s\n' "${EPOCHREALTIME:-$(date +%s.%N)}"; }
# e2e_elapsed START [END]: END-START with 2 decimals.
e2e_elapsed() { awk -v a="$1" -v b="${2:-$(e2e_now)}" 'BEGIN { printf "%.2f", b - a }'; }

# e2e_load_arch ARCH: source arch/ARCH.sh (sets E2E_* arch variables).
e2e_load_arch() {
	local arch=$1 f
	f=$E2E_DIR/arch/$arch.sh
	[[ -f $f ]] || e2e_die "unknown arch '$arch' (no $f; have: $(find "$E2E_DIR/arch" -name '*.sh' -printf '%f ' | sed 's/\.sh//g; s/ $//'))"
	E2E_ARCH=$arch
	# shellcheck source=arch/x86_64.sh
	. "$f"
	E2E_ARCH_CACHE=$E2E_CACHE/e2e/$arch
	E2E_DEB_CACHE=$E2E_CACHE/debs/$arch
}

# ---------------------------------------------------------------------------
# Debian packages
# ---------------------------------------------------------------------------

# e2e_newest_pkg REGEX DEBARCH: newest package name fully matching REGEX that
# has an installation candidate for DEBARCH (uses the local apt lists only).
e2e_newest_pkg() {
	local re=$1 debarch=$2 name
	# apt-cache pkgnames PREFIX lists names from the local package lists.
	apt-cache pkgnames "${re%%[[\\(]*}" 2>/dev/null | grep -E "^${re}\$" | sort -rV |
		while read -r name; do
			if e2e_pkg_candidate "$name" "$debarch" >/dev/null; then
				printf '%s\n' "$name"
				break
			fi
		done || true
}

# e2e_pkg_candidate NAME DEBARCH: prints the candidate version, fails if none.
e2e_pkg_candidate() {
	local v
	v=$(apt-cache policy "$1:$2" 2>/dev/null | awk '/Candidate:/ { print $2; exit }')
	[[ -n $v && $v != "(none)" ]] || return 1
	printf '%s\n' "$v"
}

# e2e_fetch_deb NAME DEBARCH: makes sure NAME's candidate .deb is in the deb
# cache and extracted; prints the extraction directory. Falls back to the
# newest cached copy when apt cannot tell the candidate (offline lists).
e2e_fetch_deb() {
	local name=$1 debarch=$2 ver deb dir tmp f
	mkdir -p "$E2E_DEB_CACHE" "$E2E_ARCH_CACHE/pkgs"
	if ver=$(e2e_pkg_candidate "$name" "$debarch"); then
		deb=
		for f in "$E2E_DEB_CACHE/${name}_"*"_$debarch.deb" "$E2E_DEB_CACHE/${name}_"*"_all.deb"; do
			[[ -f $f ]] || continue
			[[ $(dpkg-deb -f "$f" Version) == "$ver" ]] && deb=$f
		done
		if [[ -z $deb ]]; then
			e2e_log "downloading $name:$debarch $ver"
			tmp=$(mktemp -d "$E2E_DEB_CACHE/.dl.XXXXXX")
			if ! (cd "$tmp" && apt-get download -q "$name:$debarch=$ver" >download.log 2>&1); then
				cat "$tmp/download.log" >&2
				rm -rf "$tmp"
				e2e_die "cannot download Debian package $name:$debarch=$ver (apt-get update? network?)"
			fi
			for f in "$tmp"/*.deb; do
				mv -f "$f" "$E2E_DEB_CACHE/"
				deb=$E2E_DEB_CACHE/${f##*/}
			done
			rm -rf "$tmp"
			[[ -n $deb ]] || e2e_die "apt-get download $name produced no .deb"
		fi
	else
		deb=$(find "$E2E_DEB_CACHE" -maxdepth 1 -name "${name}_*.deb" 2>/dev/null | sort -V | tail -n1)
		[[ -n $deb ]] || e2e_die "Debian package $name:$debarch has no candidate (run apt-get update; for foreign arches: dpkg --add-architecture $debarch) and is not cached"
		ver=$(dpkg-deb -f "$deb" Version)
		e2e_warn "apt knows no candidate for $name:$debarch; using cached $ver"
	fi
	dir=$E2E_ARCH_CACHE/pkgs/${name}_${ver//:/%3a}
	if [[ ! -f $dir/.extracted ]]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		dpkg-deb -x "$deb" "$dir" || e2e_die "cannot extract $deb"
		: >"$dir/.extracted"
	fi
	printf '%s\n' "$dir"
}

# ---------------------------------------------------------------------------
# Kernel modules
# ---------------------------------------------------------------------------

# e2e_modname PATH: module name of a .ko[.xz|.zst|.gz] path ('-' -> '_'),
# left in $REPLY (no subshell: it is called for thousands of modules).
e2e_modname() {
	local n=${1##*/}
	n=${n%.xz}
	n=${n%.zst}
	n=${n%.gz}
	n=${n%.ko}
	REPLY=${n//-/_}
}

# e2e_strip_z PATH: PATH without a compression suffix, in $REPLY.
e2e_strip_z() {
	REPLY=${1%.xz}
	REPLY=${REPLY%.zst}
	REPLY=${REPLY%.gz}
}

# e2e_cat_module PATH: the module's uncompressed bytes on stdout.
e2e_cat_module() {
	case $1 in
	*.ko.xz) xz -dc -- "$1" ;;
	*.ko.zst) zstd -qdc -- "$1" ;;
	*.ko.gz) gzip -dc -- "$1" ;;
	*) cat -- "$1" ;;
	esac
}

# e2e_gen_modules_dep MODDIR: writes MODDIR/modules.dep (direct dependencies,
# depmod format) from each module's .modinfo "depends=" string, when the
# directory has none (Debian's packages leave it to depmod at install time).
e2e_gen_modules_dep() {
	local moddir=$1 f rel deps tmp d out
	[[ -f $moddir/modules.dep ]] && return 0
	[[ -d $moddir/kernel ]] || e2e_die "$moddir has no kernel/ module tree"
	local -A bypath=() byname=()
	tmp=$(mktemp)
	# Uncompressed modules: one grep over all of them.
	(cd "$moddir" && find kernel -name '*.ko' -print0 | sort -z |
		xargs -0 -r grep -aoH 'depends=[A-Za-z0-9_,-]*') >"$tmp" || true
	while IFS= read -r f; do
		rel=${f%%:depends=*}
		[[ -n ${bypath[$rel]+x} ]] && continue
		bypath[$rel]=${f#*:depends=}
	done <"$tmp"
	rm -f "$tmp"
	# Compressed modules: one at a time.
	while IFS= read -r -d '' rel; do
		bypath[$rel]=$(e2e_cat_module "$moddir/$rel" | grep -aom1 'depends=[A-Za-z0-9_,-]*' | sed 's/^depends=//')
	done < <(cd "$moddir" && find kernel \( -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz' \) -print0)
	[[ ${#bypath[@]} -gt 0 ]] || e2e_die "no modules found under $moddir/kernel"
	for rel in "${!bypath[@]}"; do
		e2e_modname "$rel"
		byname[$REPLY]=$rel
	done
	for rel in "${!bypath[@]}"; do
		out=$rel:
		deps=${bypath[$rel]}
		for d in ${deps//,/ }; do
			d=${d//-/_}
			[[ -n ${byname[$d]:-} ]] && out+=" ${byname[$d]}"
		done
		printf '%s\n' "$out"
	done | LC_ALL=C sort >"$moddir/modules.dep.tmp"
	mv "$moddir/modules.dep.tmp" "$moddir/modules.dep"
}

# e2e_moddb_load MODDIR: reads MODDIR/modules.dep (generating it if needed)
# and modules.builtin into E2E_MOD_PATH[name], E2E_MOD_DEP[path] and
# E2E_MOD_BUILTIN[name].
declare -A E2E_MOD_PATH=() E2E_MOD_DEP=() E2E_MOD_BUILTIN=()
E2E_MODDB_DIR=
e2e_moddb_load() {
	local moddir=$1 line rel
	[[ $E2E_MODDB_DIR == "$moddir" ]] && return 0
	e2e_gen_modules_dep "$moddir"
	E2E_MOD_PATH=() E2E_MOD_DEP=() E2E_MOD_BUILTIN=()
	while IFS= read -r line; do
		rel=${line%%:*}
		e2e_modname "$rel"
		E2E_MOD_PATH[$REPLY]=$rel
		E2E_MOD_DEP[$rel]=${line#*:}
	done <"$moddir/modules.dep"
	if [[ -f $moddir/modules.builtin ]]; then
		while IFS= read -r line; do
			e2e_modname "$line"
			E2E_MOD_BUILTIN[$REPLY]=1
		done <"$moddir/modules.builtin"
	fi
	E2E_MODDB_DIR=$moddir
}

# e2e_mod_closure NAME...: (after e2e_moddb_load) sets E2E_MOD_ORDER to the
# module paths of the NAMEs and all their dependencies, dependencies first.
# Built-in names are skipped; names not found are reported and skipped.
E2E_MOD_ORDER=()
e2e_mod_closure() {
	local n
	local -A seen=()
	E2E_MOD_ORDER=()
	for n in "$@"; do
		n=${n//-/_}
		if [[ -n ${E2E_MOD_PATH[$n]:-} ]]; then
			_e2e_mod_visit "${E2E_MOD_PATH[$n]}"
		elif [[ -z ${E2E_MOD_BUILTIN[$n]:-} ]]; then
			e2e_warn "module '$n' not found in $E2E_MODDB_DIR (skipped)"
		fi
	done
}
_e2e_mod_visit() {
	local r=$1 i
	[[ -n ${seen[$r]:-} ]] && return 0
	seen[$r]=1
	# modules.dep lists dependencies so that the last one is loaded first
	# (depmod's transitive lists); direct-only lists work the same.
	local -a ds
	read -r -a ds <<<"${E2E_MOD_DEP[$r]}"
	for ((i = ${#ds[@]} - 1; i >= 0; i--)); do
		if [[ -n ${E2E_MOD_DEP[${ds[i]}]+x} ]]; then
			_e2e_mod_visit "${ds[i]}"
		else
			e2e_warn "$r depends on ${ds[i]}, absent from modules.dep"
		fi
	done
	E2E_MOD_ORDER+=("$r")
}

# ---------------------------------------------------------------------------
# initramfs
# ---------------------------------------------------------------------------

# _e2e_newc_entry NAME MODE(octal) RDEVMAJOR RDEVMINOR: one newc header (no
# data) on stdout; padded to 4 bytes.
_e2e_newc_entry() {
	local name=$1 mode=$((8#$2)) maj=$3 min=$4 ino=$5 namesize hdr pad
	namesize=$((${#name} + 1))
	printf -v hdr '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		"$ino" "$mode" 0 0 1 0 0 0 0 "$maj" "$min" "$namesize" 0
	printf '%s%s\0' "$hdr" "$name"
	pad=$(((4 - (110 + namesize) % 4) % 4))
	head -c "$pad" /dev/zero
}

# e2e_cpio_devnodes: a small newc archive with /dev and /dev/console, written
# without mknod (so no root is needed); the kernel needs /dev/console in the
# initramfs to give /init a console.
e2e_cpio_devnodes() {
	_e2e_newc_entry dev 040755 0 0 1
	_e2e_newc_entry dev/console 020600 5 1 2
	_e2e_newc_entry TRAILER!!! 0 0 0 0
}

# e2e_mkinitramfs OUT COMPRESS STAGING: archives the STAGING directory tree
# (owned by root in the archive) plus /dev/console into OUT, compressed with
# COMPRESS (gzip|none).
e2e_mkinitramfs() {
	local out=$1 compress=$2 staging=$3
	e2e_need cpio
	# Two concatenated archives (the kernel reads both; cpio -t shows the
	# first): the staged tree, then /dev/console.
	{
		(cd "$staging" && find . -mindepth 1 ! -path ./dev ! -path './dev/*' |
			LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet)
		e2e_cpio_devnodes
	} | case $compress in
	gzip) gzip -n -6 ;;
	none) cat ;;
	*) e2e_die "unknown compression '$compress'" ;;
	esac >"$out.tmp" || e2e_die "building $out failed"
	mv -f "$out.tmp" "$out"
}

# e2e_stage_base STAGING BUSYBOX: the directory skeleton and busybox (applet
# links are made at boot by 'busybox --install -s', which works for any arch).
e2e_stage_base() {
	local st=$1 bb=$2
	mkdir -p "$st"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,tmp,root,run,mnt,lib/modules}
	if [[ -n $bb ]]; then
		[[ -f $bb ]] || e2e_die "busybox not found at $bb"
		install -m 0755 "$bb" "$st/bin/busybox"
		ln -sf busybox "$st/bin/sh"
	fi
}

# e2e_stage_modules STAGING MODDIR NAME...: copies the named modules and their
# dependencies (decompressed: busybox insmod may not read .ko.xz) to
# STAGING/lib/modules/KVER, writes a matching modules.dep (for busybox
# modprobe) and /etc/e2e/modules.load (absolute paths in load order, read by
# the init scripts). Prints how many modules were staged.
e2e_stage_modules() {
	local st=$1 moddir=$2 kver rel dst i s
	shift 2
	kver=${moddir%/}
	kver=${kver##*/}
	mkdir -p "$st/etc/e2e" "$st/lib/modules/$kver"
	e2e_moddb_load "$moddir"
	e2e_mod_closure "$@"
	local -a order=("${E2E_MOD_ORDER[@]}")
	: >"$st/etc/e2e/modules.load"
	: >"$st/lib/modules/$kver/modules.dep"
	for rel in "${order[@]}"; do
		e2e_strip_z "$rel"
		dst=$REPLY
		mkdir -p "$st/lib/modules/$kver/${dst%/*}"
		e2e_cat_module "$moddir/$rel" >"$st/lib/modules/$kver/$dst"
		printf '/lib/modules/%s/%s\n' "$kver" "$dst" >>"$st/etc/e2e/modules.load"
		# Transitive dependencies, the one to load first last (as depmod).
		e2e_modname "$rel"
		e2e_mod_closure "$REPLY"
		s=
		for ((i = ${#E2E_MOD_ORDER[@]} - 2; i >= 0; i--)); do
			e2e_strip_z "${E2E_MOD_ORDER[i]}"
			s+=" $REPLY"
		done
		printf '%s:%s\n' "$dst" "$s" >>"$st/lib/modules/$kver/modules.dep"
	done
	: >"$st/lib/modules/$kver/modules.alias"
	: >"$st/lib/modules/$kver/modules.symbols"
	if [[ -f $moddir/modules.builtin ]]; then
		cp "$moddir/modules.builtin" "$st/lib/modules/$kver/"
	fi
	printf '%s\n' "${#order[@]}"
}

# e2e_load_fetched: runs fetch.sh for $E2E_ARCH and loads its E2E_F_* paths.
e2e_load_fetched() {
	"$E2E_DIR/fetch.sh" "$E2E_ARCH" || e2e_die "fetch.sh $E2E_ARCH failed"
	# shellcheck source=/dev/null
	. "$E2E_ARCH_CACHE/fetch.env"
}

# e2e_build_l2_initramfs OUT: the standard L2 initramfs (gzip): busybox,
# guest/l2-init as /init, the arch's L2 modules, l2-tests/*.sh as /tests/.
# Needs e2e_load_arch and e2e_load_fetched first.
e2e_build_l2_initramfs() {
	local out=$1 st n f
	st=$(mktemp -d)
	e2e_stage_base "$st" "$E2E_F_BUSYBOX"
	install -m 0755 "$E2E_DIR/guest/l2-init" "$st/init"
	mkdir -p "$st/etc/e2e" "$st/tests"
	: >"$st/etc/e2e/modules.load"
	if [[ -n $E2E_F_L2_MODDIR ]] && [[ ${#E2E_L2_MODULES[@]} -gt 0 ]]; then
		n=$(e2e_stage_modules "$st" "$E2E_F_L2_MODDIR" "${E2E_L2_MODULES[@]}")
	else
		n=0
	fi
	for f in "$E2E_DIR"/l2-tests/*.sh; do
		[[ -f $f ]] && install -m 0755 "$f" "$st/tests/"
	done
	# An arch without busybox (riscv64) replaces /init etc. here.
	if declare -F e2e_arch_l2_extra >/dev/null; then
		e2e_arch_l2_extra "$st"
	fi
	e2e_mkinitramfs "$out" gzip "$st"
	rm -rf "$st"
	e2e_log "L2 initramfs: $out ($(du -k "$out" | cut -f1) KiB, $n modules)"
}

# e2e_stage_dynbin STAGING BIN...: copies host binaries and the shared
# libraries ldd lists for them (same paths) into STAGING. Only for binaries
# of the host's own arch (x86_64 L1 on an x86_64 host).
e2e_stage_dynbin() {
	local st=$1 b lib
	shift
	for b in "$@"; do
		[[ -f $b ]] || e2e_die "no such binary: $b"
		mkdir -p "$st/${b%/*}"
		cp -L "$b" "$st/$b"
		while read -r lib; do
			[[ -f $lib ]] || continue
			mkdir -p "$st/${lib%/*}"
			cp -L "$lib" "$st/$lib"
		done < <(ldd "$b" | awk '/=> \// { print $3 } /^[[:space:]]*\// { print $1 }')
	done
}
