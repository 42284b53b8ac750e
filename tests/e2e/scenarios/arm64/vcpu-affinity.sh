# shellcheck shell=dash
# arm64: --vcpu-affinity 1 runs every vCPU thread on host CPU 1 only (seen
# in /proc while the guest boots); a list naming no usable CPU, or no list
# at all, is refused. lkvm stat shows the stolen time (PV time records)
# the two vCPUs sharing a CPU accumulate.
lkvm run -k /l2/vmlinuz -i /l2/initrd.gz -c 2 -m 256 --vcpu-affinity 1 \
	--name affinity -p "quiet lkvm.test=boot" </dev/null >/tmp/affinity.log 2>&1 &
pid=$!
seen='' i=0
while [ $i -lt 100 ] && [ -z "$seen" ] && kill -0 $pid 2>/dev/null; do
	for t in /proc/$pid/task/*; do
		case $(cat "$t/comm" 2>/dev/null) in
		kvm-vcpu-*)
			seen="$seen $(cat "$t/comm"):$(awk '/^Cpus_allowed_list/ { print $2 }' "$t/status")" ;;
		esac
	done
	[ -n "$seen" ] || sleep 0.2
	i=$((i + 1))
done
# Both vCPUs share one host CPU: their stolen-time records must show it.
sleep 3
lkvm stat --name affinity >/tmp/affinity-stat.log 2>&1
steal=$(awk 'NR > 1 && $2 ~ /^[0-9]+$/ && $2 > 0 { n++ } END { print n + 0 }' /tmp/affinity-stat.log)
wait $pid
rc=$?
show_log /tmp/affinity-stat.log 3
note "vCPU threads:$seen; lkvm status $rc"
why=''
case $seen in
*kvm-vcpu-0:1*kvm-vcpu-1:1* | *kvm-vcpu-1:1*kvm-vcpu-0:1*) ;;
*) why="vCPU threads not on CPU 1:$seen" ;;
esac
[ "$steal" -gt 0 ] || why="${why:+$why; }no stolen time in lkvm stat"
log_has /tmp/affinity.log 'L2-INIT-OK cpus=2' || why="${why:+$why; }the guest did not boot"
[ $rc = 0 ] || why="${why:+$why; }lkvm status $rc"
LKVM_TIMEOUT=20 run_lkvm /tmp/affinity-bad.log run -k /l2/vmlinuz -m 256 -c 1 \
	--vcpu-affinity 7 --name affinity-bad
note "$(grep -m1 'lkvm: ' /tmp/affinity-bad.log)"
[ "$RC" != 0 ] && log_has /tmp/affinity-bad.log 'cannot start thread on CPUs 7' ||
	why="${why:+$why; }--vcpu-affinity 7: status $RC"
lkvm run -k /l2/vmlinuz --vcpu-affinity 3-1 >/tmp/affinity-parse.log 2>&1 &&
	why="${why:+$why; }--vcpu-affinity 3-1 accepted"
note "$(head -n1 /tmp/affinity-parse.log)"
log_has /tmp/affinity-parse.log '^lkvm: --vcpu-affinity 3-1: not a CPU list' ||
	why="${why:+$why; }--vcpu-affinity 3-1: no clear error"
if [ -z "$why" ]; then pass; else fail "$why"; fi
