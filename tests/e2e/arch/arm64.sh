# shellcheck shell=bash
# shellcheck disable=SC2034,SC2054  # variables used by the sourcing scripts; commas are QEMU syntax
# arm64: L1 = Debian cloud kernel under QEMU TCG (virt with EL2: KVM is built
# into arm64 kernels); L2 = Debian generic arm64 kernel (9p), booted by lkvm.

E2E_DEB_ARCH=arm64

E2E_L1_KPKG_RE='linux-image-6\.1\.0-[0-9]+-cloud-arm64'
E2E_L2_KPKG_RE='linux-image-6\.1\.0-[0-9]+-arm64'
E2E_BUSYBOX_PKG=busybox-static

# KVM is built in on arm64; only the test disk's drivers are modules.
E2E_L1_MODULES=(virtio_pci virtio_blk)
E2E_L2_MODULES=(virtio_pci virtio_mmio virtio_blk virtio_console virtio_rng
	virtio_net virtio_balloon 9pnet_virtio 9p)

E2E_QEMU=qemu-system-aarch64
# E2E_ARM64_GIC=2 gives L1 a GICv2 (with virtualization extensions): its KVM
# can then only offer L2 a GICv2, which lkvm's gicv2/gicv2m scenarios need.
E2E_QEMU_ARGS=(-M "virt,virtualization=on,gic-version=${E2E_ARM64_GIC:-3}" -cpu max,pauth-impdef=on
	-smp 2 -m 2G -accel tcg,thread=multi)
E2E_L1_APPEND='console=ttyAMA0 quiet panic=-1'
e2e_arch_disk_args() { printf '%s\n' -drive "file=$1,format=raw,if=virtio"; }

E2E_CC=aarch64-linux-gnu-gcc

# l2-direct.sh: the L2 kernel and initramfs booted straight under QEMU TCG
# (no L1, no lkvm) to check the L2 side alone.
E2E_L2_DIRECT_ARGS=(-M virt -cpu max,pauth-impdef=on -accel tcg,thread=multi -m 512
	-device virtio-rng-pci)
E2E_L2_DIRECT_CONSOLE=ttyAMA0
