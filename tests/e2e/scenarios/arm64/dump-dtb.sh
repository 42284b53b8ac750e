# shellcheck shell=dash
# arm64: --dump-dtb writes the device tree lkvm built and exits 0 without
# running the guest. The blob goes to MiB 40 of /dev/vda; dump-dtb.post
# decompiles it on the host with dtc (no warnings allowed) and checks it.
run_lkvm /tmp/dump-dtb.log run -k /l2/vmlinuz -i /l2/initrd.gz -c 2 -m 256 \
	--rng --name dump-dtb -p "quiet lkvm.test=boot" --dump-dtb /tmp/lkvm.dtb
magic=$(od -An -tx1 -N4 /tmp/lkvm.dtb 2>/dev/null | tr -d ' ')
if [ "$RC" != 0 ] || [ "$TIMED_OUT" = 1 ]; then
	show_log "$LKVM_LOG" 5
	fail "lkvm --dump-dtb: status $RC"
elif log_has "$LKVM_LOG" 'L2-INIT-OK'; then
	fail "the guest ran"
elif [ "$magic" != d00dfeed ]; then
	fail "/tmp/lkvm.dtb is not a flattened device tree (magic '$magic')"
else
	dd if=/tmp/lkvm.dtb of=/dev/vda bs=1M seek=40 conv=fsync,notrunc 2>/dev/null
	note "$(wc -c </tmp/lkvm.dtb) bytes, copied to MiB 40 of /dev/vda"
	pass
fi
