# shellcheck shell=dash
# The guest moves a BAR of a working device (unbind, rewrite the BAR in
# config space through sysfs, rescan) and the device works at the new
# address.
run_lkvm /tmp/bar-move.log run -k "$L2K" -i /l2/initrd.gz -c 1 -m 256 \
	--rng --name bar-move -p "quiet lkvm.test=bar-move"
expect_lkvm 'L2-TEST bar-move PASS'
show_log "$LKVM_LOG" 2
