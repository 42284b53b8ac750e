# shellcheck shell=dash
# arm64: 2 vCPUs; the second is powered off until the guest's PSCI CPU_ON,
# so "cpus=2" means PSCI worked. The arm64-platform L2 test also checks
# what the device tree described (PSCI, GIC, timer, RTC, UART).
run_lkvm /tmp/boot-2cpu.log run -k /l2/vmlinuz -i /l2/initrd.gz -c 2 -m 256 \
	--name boot-2cpu -p "quiet lkvm.test=arm64-platform lkvm.arg=2"
expect_lkvm 'L2-INIT-OK cpus=2( |$)' 'L2-TEST arm64-platform PASS'
show_log "$LKVM_LOG" 2
