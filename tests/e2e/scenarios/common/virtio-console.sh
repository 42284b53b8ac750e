# shellcheck shell=dash
# --console virtio: the guest's console is hvc0 (virtio-console); what it
# writes comes out of lkvm, and a line written to lkvm's stdin once the
# guest has hvc0 open reaches it.
LKVM_LOG=/tmp/virtio-console.log
# If lkvm is gone before the line is written, the write fails; it must not
# kill this shell (SIGPIPE) before the verdict shows what L2 printed.
trap '' PIPE
rm -f /tmp/con-in && mkfifo /tmp/con-in
t0=$(e2e_uptime)
timeout -k 5 "$E2E_LKVM_TIMEOUT" lkvm run -k "$L2K" -i /l2/initrd.gz -c 1 \
	-m 256 --console virtio --name virtio-console \
	-p "quiet lkvm.test=virtio-console" </tmp/con-in >$LKVM_LOG 2>&1 &
P=$!
exec 4>/tmp/con-in
i=0
while ! log_has $LKVM_LOG L2-HVC0-WRITE && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
echo ping-from-l1 >&4 || note "could not write to lkvm's stdin (lkvm gone?)"
wait $P
RC=$? ELAPSED=$(e2e_since "$t0") TIMED_OUT=0
exec 4>&-
[ "$RC" = 124 ] && TIMED_OUT=1
note "lkvm: rc=$RC time=${ELAPSED}s"
expect_lkvm 'L2-HVC0-WRITE' "L2-TEST virtio-console PASS read='ping-from-l1'"
show_log "$LKVM_LOG" 3
