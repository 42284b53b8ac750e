#!/usr/bin/env bash
# l2-direct.sh ARCH [TEST [ARG]] [-c CPUS]: boots the L2 kernel and the L2
# initramfs straight under QEMU TCG -- no L1, no lkvm -- with
# "lkvm.test=TEST lkvm.arg=ARG" (default: the cpus test with ARG=CPUS).
# Checks the L2 side alone (guest/l2-init, l2-tests/, module lists): passes
# if L2 prints L2-INIT-OK with the right CPU count and, for a TEST other than
# boot, "L2-TEST TEST PASS". Console log in out/ARCH-l2-direct.log.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cpus=2
args=()
while [[ $# -gt 0 ]]; do
	case $1 in
	-c) cpus=${2:?} && shift ;;
	-h | --help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2 && exit 2 ;;
	*) args+=("$1") ;;
	esac
	shift
done
[[ ${#args[@]} -ge 1 ]] || {
	sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
e2e_load_arch "${args[0]}"
test=${args[1]:-cpus}
arg=${args[2]:-}
[[ $test == cpus && -z $arg ]] && arg=$cpus
[[ -n ${E2E_L2_DIRECT_CONSOLE:-} ]] || e2e_die "arch $E2E_ARCH has no l2-direct settings"
e2e_need "$E2E_QEMU" timeout
e2e_load_fetched
out=${E2E_OUT:-$E2E_DIR/out}
mkdir -p "$out"
initrd=$out/$E2E_ARCH-l2-direct-initrd.gz
log=$out/$E2E_ARCH-l2-direct.log
e2e_build_l2_initramfs "$initrd"
append="console=$E2E_L2_DIRECT_CONSOLE quiet lkvm.test=$test lkvm.verbose${arg:+ lkvm.arg=$arg}"
e2e_log "booting L2 directly: $append"
t0=$(e2e_now)
rc=0
timeout -k 5 "${E2E_TIMEOUT:-180}" "$E2E_QEMU" "${E2E_L2_DIRECT_ARGS[@]}" -smp "$cpus" \
	-nodefaults -no-reboot -display none -serial stdio -kernel "$E2E_F_L2_KERNEL" \
	-initrd "$initrd" -append "$append" </dev/null 2>&1 | tr -d '\r' | tee "$log" || rc=$?
e2e_log "QEMU status $rc after $(e2e_elapsed "$t0")s; log: $log"
why=''
grep -qE "^L2-INIT-OK cpus=$cpus( |\$)" "$log" || why="no 'L2-INIT-OK cpus=$cpus'"
if [[ -z $why && $test != boot && $test != shell ]]; then
	grep -q "^L2-TEST $test PASS" "$log" || why="no 'L2-TEST $test PASS'"
fi
if [[ -n $why ]]; then
	echo "l2-direct $E2E_ARCH $test: FAIL $why"
	exit 1
fi
echo "l2-direct $E2E_ARCH $test: PASS"
