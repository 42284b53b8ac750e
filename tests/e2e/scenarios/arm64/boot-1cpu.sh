# shellcheck shell=dash
# arm64: boot the L2 Linux (an uncompressed Image) with 1 vCPU; its init
# prints "L2-INIT-OK cpus=1" and reboots (PSCI SYSTEM_RESET: lkvm exits 0).
run_lkvm /tmp/boot-1cpu.log run -k /l2/vmlinuz -i /l2/initrd.gz -c 1 -m 256 \
	--name boot-1cpu -p "quiet lkvm.test=boot"
expect_lkvm 'L2-INIT-OK cpus=1( |$)'
