# shellcheck shell=dash
# arm64: --irqchip gicv3 (no ITS, so no MSI): virtio-rng interrupts are
# INTx, level-triggered SPIs through irqfds with resampling. With --pmu
# when the host's KVM has a PMU for guests (else the PMU part is skipped),
# and --no-pvtime.
pmu=--pmu chk=cpus=2,nopvtime,pmu,pci=intx
lkvm run --pmu --dump-dtb /tmp/pmu.dtb -k /l2/vmlinuz -m 256 >/tmp/pmu.log 2>&1 ||
	{ pmu='' chk=cpus=2,nopvtime,pci=intx; note "no --pmu: $(tail -n1 /tmp/pmu.log)"; }
run_lkvm /tmp/irqchip-gicv3.log run -k /l2/vmlinuz -i /l2/initrd.gz -c 2 -m 256 \
	--irqchip gicv3 $pmu --no-pvtime --rng --name gicv3 -p "quiet lkvm.test=arm64 lkvm.arg=$chk"
if log_has "$LKVM_LOG" 'cannot emulate a GICv3'; then
	show_log "$LKVM_LOG" 2
	skip "the host's KVM has no GICv3 emulation"
else
	expect_lkvm 'L2-INIT-OK cpus=2( |$)' 'L2-TEST arm64 PASS'
	grep -h -e 'L2-TEST' -e 'interrupt controller' "$LKVM_LOG" | tr -d '\r' | sed 's/^/  | /'
fi
