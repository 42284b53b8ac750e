# shellcheck shell=dash
# make demo (nested): boot the L2 Linux with 2 vCPUs and virtio-rng, and
# show what it prints.
run_lkvm /tmp/demo.log run -k "$L2K" -i /l2/initrd.gz -c 2 -m 256 \
	--rng --name demo -p "quiet lkvm.test=demo"
note "lkvm's console (the L2 guest):"
show_log "$LKVM_LOG" 40
expect_lkvm 'L2-TEST demo PASS'
