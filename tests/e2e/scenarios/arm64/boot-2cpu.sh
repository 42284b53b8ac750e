# shellcheck shell=dash
# arm64: 2 vCPUs; the second is powered off until the guest's PSCI CPU_ON,
# so "cpus=2" means PSCI worked. lkvm picks the best interrupt controller
# the host has (gicv3-its; gicv2m on a GICv2-only host). The arm64 L2
# test also checks the platform the device tree describes, and that
# the guest uses the stolen-time (PV time) records lkvm set up.
run_lkvm /tmp/boot-2cpu.log run -k /l2/vmlinuz -i /l2/initrd.gz -c 2 -m 256 \
	--loglevel info --name boot-2cpu -p "quiet lkvm.test=arm64 lkvm.arg=cpus=2,pvtime"
expect_lkvm 'L2-INIT-OK cpus=2( |$)' 'L2-TEST arm64 PASS' \
	'interrupt controller: gicv(3-its|2m)$'
grep -h -e 'L2-TEST' -e 'interrupt controller' "$LKVM_LOG" | tr -d '\r' | sed 's/^/  | /'
