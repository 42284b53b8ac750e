# shellcheck shell=dash
# Harness self-test: KVM in L1 runs a vCPU (tools/kvm-smoke-ARCH.c: a few
# guest instructions, one port/MMIO exit and a halt). Tells a broken nested
# KVM apart from a broken lkvm.
if [ ! -x /bin/kvm-smoke ]; then
	skip "no kvm-smoke for $E2E_ARCH (tools/kvm-smoke-$E2E_ARCH.c or its compiler missing)"
	exit 0
fi
run_timeout 20 /tmp/kvm-smoke.log kvm-smoke
if log_has /tmp/kvm-smoke.log '^KVM-SMOKE OK'; then
	pass
else
	show_log /tmp/kvm-smoke.log 5
	fail "kvm-smoke: status $RC$([ "$TIMED_OUT" = 1 ] && echo ', timed out')"
fi
