# shellcheck shell=bash
# shellcheck disable=SC2034,SC2054  # variables used by the sourcing scripts; commas are QEMU syntax
# riscv64: L1 and L2 are the same Linux 6.1 kernel (/work/shared/guest/
# riscv64/Image.gz, or E2E_RISCV_KERNEL: an Image or Image.gz), gunzipped
# here because lkvm boots uncompressed Images only.  L1 runs under QEMU TCG
# (virt, rv64 with the H extension, QEMU's default OpenSBI); KVM is built
# into that kernel, so there are no modules.  Debian 12 has no riscv64
# packages at all (no busybox): both init programs are static C
# (riscv64/l1-init.c, riscv64/l2-init.c) and the riscv64 scenarios are
# recipes that l1-init reads, not shell snippets.

E2E_DEB_ARCH=riscv64

# No Debian kernel or busybox packages: fetch.sh takes the overrides below.
E2E_L1_KPKG_RE=''
E2E_L2_KPKG_RE=''
E2E_BUSYBOX_PKG=''
E2E_L1_MODULES=()
E2E_L2_MODULES=()

# e2e_riscv_image: the uncompressed test kernel, cached by content.
e2e_riscv_image() {
	local src=${E2E_RISCV_KERNEL:-/work/shared/guest/riscv64/Image.gz} dir out sum
	[[ -f $src ]] || e2e_die "no riscv64 kernel at $src (set E2E_RISCV_KERNEL to an Image or Image.gz)"
	dir=$E2E_CACHE/e2e/riscv64
	sum=$(md5sum <"$src" | cut -c1-12)
	out=$dir/Image-$sum
	if [[ ! -s $out ]]; then
		mkdir -p "$dir"
		if [[ $(head -c2 "$src" | od -An -tx1 | tr -d ' ') == 1f8b ]]; then
			gzip -dc "$src" >"$out.tmp" || e2e_die "cannot gunzip $src"
		else
			cp "$src" "$out.tmp"
		fi
		mv "$out.tmp" "$out"
	fi
	printf '%s\n' "$out"
}
if [[ -z ${E2E_L1_KERNEL:-} || -z ${E2E_L2_KERNEL:-} ]]; then
	E2E_RISCV_IMAGE=$(e2e_riscv_image)
	E2E_L1_KERNEL=${E2E_L1_KERNEL:-$E2E_RISCV_IMAGE}
	E2E_L2_KERNEL=${E2E_L2_KERNEL:-$E2E_RISCV_IMAGE}
	E2E_L1_MODDIR=${E2E_L1_MODDIR:-}
	E2E_L2_MODDIR=${E2E_L2_MODDIR:-}
	export E2E_L1_KERNEL E2E_L2_KERNEL E2E_L1_MODDIR E2E_L2_MODDIR
fi

E2E_QEMU=qemu-system-riscv64
E2E_QEMU_ARGS=(-M virt -cpu rv64,h=true -smp 2 -m 2048 -accel tcg,thread=multi)
E2E_L1_APPEND='console=ttyS0 rdinit=/init quiet panic=-1'
e2e_arch_disk_args() {
	printf '%s\n' -drive "file=$1,format=raw,if=none,id=e2edisk" -device virtio-blk-pci,drive=e2edisk
}

E2E_CC=riscv64-linux-gnu-gcc

# e2e_riscv_cc SRC OUT: a static riscv64 program, cached by source.
e2e_riscv_cc() {
	local src=$1 out=$2 bin
	command -v "$E2E_CC" >/dev/null || e2e_die "no $E2E_CC (Debian: apt-get install gcc-riscv64-linux-gnu libc6-dev-riscv64-cross)"
	bin=$E2E_CACHE/e2e/riscv64/bin/${src##*/}-$(md5sum <"$src" | cut -c1-12)
	if [[ ! -x $bin ]]; then
		mkdir -p "${bin%/*}"
		"$E2E_CC" -static -O2 -Wall -Wextra -Werror -o "$bin.tmp" "$src" ||
			e2e_die "cannot build $src"
		mv "$bin.tmp" "$bin"
	fi
	install -D -m 0755 "$bin" "$out"
}

# The C inits replace the busybox ones.
e2e_arch_l1_extra() {
	e2e_riscv_cc "$E2E_DIR/riscv64/l1-init.c" "$1/init"
}
e2e_arch_l2_extra() {
	rm -rf "$1/tests" "$1/etc/e2e"
	e2e_riscv_cc "$E2E_DIR/riscv64/l2-init.c" "$1/init"
}

# l2-direct.sh: the L2 kernel and initramfs straight under QEMU TCG.
E2E_L2_DIRECT_ARGS=(-M virt -cpu rv64 -m 512 -device virtio-rng-pci)
E2E_L2_DIRECT_CONSOLE=ttyS0
