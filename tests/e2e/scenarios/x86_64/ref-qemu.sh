# shellcheck shell=dash
# Reference: boot the same L2 kernel and initramfs with the host's QEMU on
# L1's KVM (needs E2E_REF_QEMU=1, else SKIP). Tells whether a failing lkvm
# scenario is lkvm's fault, and what an L2 boot costs here.
q=$(command -v qemu-system-x86_64) || {
	skip "no QEMU in L1 (run with E2E_REF_QEMU=1)"
	exit 0
}
run_timeout "$E2E_LKVM_TIMEOUT" /tmp/ref-qemu.log sh -c "exec $q -accel kvm -cpu host \
	-M pc -smp 2 -m 256 -nodefaults -no-reboot -display none -serial stdio \
	-kernel /l2/vmlinuz -initrd /l2/initrd.gz \
	-append 'console=ttyS0 quiet lkvm.test=cpus lkvm.arg=2' </dev/null"
note "qemu: rc=$RC time=${ELAPSED}s$([ "$TIMED_OUT" = 1 ] && echo " TIMEOUT")"
# shellcheck disable=SC2034 # read by expect_lkvm
LKVM_LOG=/tmp/ref-qemu.log
expect_lkvm 'L2-INIT-OK cpus=2( |$)' 'L2-TEST cpus PASS'
