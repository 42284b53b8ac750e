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
	[[ ${E2E_REF_QEMU:-0} == 1 ]] || return 0
	e2e_need qemu-system-x86_64 ldd
	e2e_stage_dynbin "$st" "$(command -v qemu-system-x86_64)"
	mkdir -p "$st/usr/share/qemu" "$st/usr/share/seabios"
	for f in /usr/share/seabios/bios-256k.bin /usr/share/qemu/linuxboot_dma.bin /usr/share/qemu/kvmvapic.bin; do
		cp -L "$f" "$st/$f"
	done
	e2e_log "L1 gets the reference QEMU (E2E_REF_QEMU=1)"
}

# l2-direct.sh: the L2 kernel and initramfs booted straight under QEMU TCG
# (no L1, no lkvm) to check the L2 side alone.
E2E_L2_DIRECT_ARGS=(-M pc -accel tcg -cpu max -m 512 -device virtio-rng-pci)
E2E_L2_DIRECT_CONSOLE=ttyS0
