# shellcheck shell=dash
# Boot the L2 Linux with 2 vCPUs (x86: found through lkvm's MP table); its
# init prints "L2-INIT-OK cpus=2" and reboots (lkvm exits with status 0).
run_lkvm /tmp/boot-2cpu.log run -k "$L2K" -i /l2/initrd.gz -c 2 -m 256 \
	--name boot-2cpu -p "quiet lkvm.test=boot"
expect_lkvm 'L2-INIT-OK cpus=2( |$)'
