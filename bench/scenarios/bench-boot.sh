# shellcheck shell=dash
# make bench: L2 boot time measured inside L1, from starting lkvm to the
# L2 /init's first line, next to L1's own boot time (its uptime at init).
for c in 1 2; do
	t0=$(e2e_uptime)
	lkvm run -k "$L2K" -i /l2/initrd.gz -c $c -m 256 --name bench$c \
		-p "quiet lkvm.test=boot" </dev/null 2>&1 | tr -d '\r' |
	while IFS= read -r line; do
		case $line in
		L2-INIT-OK*) echo "BENCH-L2-INIT cpus=$c s=$(e2e_since "$t0")" ;;
		esac
	done
	echo "BENCH-L2-EXIT cpus=$c s=$(e2e_since "$t0")"
done
pass
