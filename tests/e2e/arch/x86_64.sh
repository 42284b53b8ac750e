# shellcheck shell=bash
# shellcheck disable=SC2034,SC2054  # variables used by the sourcing scripts; commas are QEMU syntax
# x86_64: L1 = Debian cloud kernel under QEMU TCG (-cpu max: AMD SVM with
# nested paging) with kvm-amd; L2 = Debian generic kernel (MP tables for SMP,
# 9p), booted by lkvm inside L1.

E2E_DEB_ARCH=amd64

# Debian packages (extended regexes on package names; the newest ABI with an
# installation candidate wins; E2E_KABI=NN pins the ABI number).
E2E_L1_KPKG_RE='linux-image-6\.1\.0-[0-9]+-cloud-amd64'
E2E_L2_KPKG_RE='linux-image-6\.1\.0-[0-9]+-amd64'
E2E_BUSYBOX_PKG=busybox-static

# Modules loaded by the L1 init (with their dependencies). kvm-intel is not
# listed: QEMU's TCG emulates SVM only, not VMX.
E2E_L1_MODULES=(irqbypass kvm kvm_amd virtio_pci virtio_blk)
# Modules loaded by the L2 init when present (devices may be absent).
E2E_L2_MODULES=(virtio_pci virtio_mmio virtio_blk virtio_console virtio_rng
	virtio_net virtio_balloon 9pnet_virtio 9p)

E2E_QEMU=qemu-system-x86_64
# Nested SVM under QEMU 7.2's TCG is not solid: about one L2 run in 20
# here ends in an L2 triple fault or RCU stall, or wedges L1 (soft lockup
# in a kvm-vcpu thread) or even panics L1's kernel (stack guard page hit
# in exc_page_fault under KVM_RUN), in scenarios that pass on rerun and
# whose arm64 and riscv64 twins never did this. A scenario that fails is
# therefore run once more in a fresh L1; the summary marks it FLAKY with
# the first failure. E2E_RETRY_FAILED=0: no second chance.
E2E_RETRY_FAILED=${E2E_RETRY_FAILED:-1}
E2E_QEMU_ARGS=(-M pc -accel tcg,thread=multi -cpu max -smp 2 -m 2G)
# Kernel command line of L1 (the init needs nothing from it).
E2E_L1_APPEND='console=ttyS0 quiet panic=-1 mitigations=off'
# How the test disk is attached to L1 (appears there as /dev/vda).
e2e_arch_disk_args() { printf '%s\n' -drive "file=$1,format=raw,if=virtio"; }
# C compiler for tools/*-x86_64.c (static, for L1).
E2E_CC=gcc

# e2e_arch_l1_extra STAGING: arch-specific additions to the L1 initramfs.
# E2E_REF_QEMU=1 adds the host's QEMU (with its libraries and firmware) so
# the ref-qemu scenario can boot the same L2 with a known-good VMM on the
# same nested KVM (about 50 MiB more in L1).
e2e_arch_l1_extra() {
	local st=$1 f
	# The L2 kernel also as an uncompressed vmlinux (/l2/vmlinux): nested,
	# the bzImage's own xz decompression takes ~12 s of each L2 boot.
	e2e_x86_vmlinux "$E2E_F_L2_KERNEL" "$st/l2/vmlinux"
	[[ ${E2E_REF_QEMU:-0} == 1 ]] || return 0
	e2e_need qemu-system-x86_64 ldd
	e2e_stage_dynbin "$st" "$(command -v qemu-system-x86_64)"
	mkdir -p "$st/usr/share/qemu" "$st/usr/share/seabios"
	for f in /usr/share/seabios/bios-256k.bin /usr/share/qemu/linuxboot_dma.bin /usr/share/qemu/kvmvapic.bin; do
		cp -L "$f" "$st/$f"
	done
	e2e_log "L1 gets the reference QEMU (E2E_REF_QEMU=1)"
}

# e2e_x86_vmlinux BZIMAGE OUT: extract the ELF vmlinux from a bzImage's
# payload (setup header fields payload_offset/payload_length), cached.
e2e_x86_vmlinux() {
	local bz=$1 out=$2 cache sects poff plen skip magic
	cache=$E2E_ARCH_CACHE/vmlinux-$(md5sum <"$bz" | cut -c1-12)
	if [[ ! -s $cache ]]; then
		sects=$(od -An -tu1 -j $((0x1f1)) -N1 "$bz" | tr -d ' ')
		((sects == 0)) && sects=4
		poff=$(od -An -tu4 -j $((0x248)) -N4 "$bz" | tr -d ' ')
		plen=$(od -An -tu4 -j $((0x24c)) -N4 "$bz" | tr -d ' ')
		skip=$(((sects + 1) * 512 + poff))
		magic=$(od -An -tx1 -j "$skip" -N4 "$bz" | tr -d ' ')
		# The payload ends with 4 bytes of size after the stream.
		local dec
		case $magic in
		fd377a58) dec=(xz -dc --single-stream) ;;
		1f8b*) dec=(gzip -dc) ;;
		28b52ffd) dec=(zstd -dc) ;;
		*) e2e_die "$bz: unknown payload compression (magic $magic)" ;;
		esac
		dd if="$bz" iflag=skip_bytes,count_bytes skip="$skip" count="$plen" \
			bs=1M status=none | "${dec[@]}" >"$cache.tmp" 2>/dev/null
		[[ -s $cache.tmp ]] || e2e_die "cannot extract vmlinux from $bz"
		[[ $(head -c4 "$cache.tmp" | od -An -tx1 | tr -d ' ') == 7f454c46 ]] ||
			e2e_die "$bz: payload is not an ELF vmlinux"
		mv "$cache.tmp" "$cache"
	fi
	install -D -m 0644 "$cache" "$out"
}

# l2-direct.sh: the L2 kernel and initramfs booted straight under QEMU TCG
# (no L1, no lkvm) to check the L2 side alone.
E2E_L2_DIRECT_ARGS=(-M pc -accel tcg -cpu max -m 512 -device virtio-rng-pci)
E2E_L2_DIRECT_CONSOLE=ttyS0
