#!/usr/bin/env bash
# PCI tests on host KVM: the C guests in tests/guests/x86 (built by
# `make -C tests/guests`; this script builds nothing) probe lkvm's PCI
# Express config space (CF8/CFC and ECAM at 0xE0000000), the BARs of the
# virtio-rng device at 00:01.0, and drive it with a polled virtio driver.
# Each guest prints result lines (see the comment at the top of its .c
# file), "FAIL <reason>" on a mismatch, and powers off.
#
# Usage: tests/guests/pci.sh [path/to/lkvm]
set -u
cd "$(dirname "$0")/../.."
LKVM=$(realpath "${1:-./lkvm}")
G=tests/guests/x86
. tests/lib.sh

if [ ! -c /dev/kvm ] || ! [ -r /dev/kvm ]; then
	echo "FAIL: /dev/kvm is missing or unreadable: host-KVM tests cannot run" >&2
	exit 1
fi
if [ "$(uname -m)" != x86_64 ]; then
	echo "FAIL: host-KVM tests need an x86_64 host (this is $(uname -m))" >&2
	exit 1
fi
for g in rt-selftest pci-enum pci-caps pci-bar virtio-rng; do
	if [ ! -f "$G/$g.bin" ]; then
		echo "FAIL: $G/$g.bin is missing: run make -C tests/guests" >&2
		exit 1
	fi
done
t_tmpdir
echo "PCI guest tests ($LKVM)"

# run_guest NAME GUEST ARGS...: sets RC, OUT (guest output), LOG (stdout +
# stderr, for failure reports).
run_guest() {
	local name=$1 guest=$2
	shift 2
	OUT=$T_TMP/$name.out
	ERR=$T_TMP/$name.err
	LOG=$T_TMP/$name.log
	timeout 60 "$LKVM" run -k "$G/$guest" -m 32 -c 1 "$@" </dev/null >"$OUT" 2>"$ERR"
	RC=$?
	{ cat "$OUT"; echo "--- stderr (status $RC)"; cat "$ERR"; } >"$LOG"
}

# ran NAME DONE-LINE: the guest ran to its last line and powered off
# (status 0).  Reports a failure and returns 1 otherwise, so that a run
# that did not happen does not also fail each of its detail checks.
ran() {
	if [ "$RC" -eq 0 ] && grep -q "^$2" "$OUT"; then
		return 0
	fi
	if [ "$RC" -eq 124 ]; then
		t_fail "$1" "timed out" "$LOG"
	else
		t_fail "$1" "status $RC, no '$2' line" "$LOG"
	fi
	return 1
}

# expect DESC PATTERN...: every extended regex matches a line of OUT.
expect() {
	local desc=$1 p missing=()
	shift
	for p in "$@"; do
		grep -Eq -- "$p" "$OUT" || missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		t_ok "$desc"
	else
		t_fail "$desc" "missing: ${missing[*]}" "$LOG"
	fi
}

# no_fail DESC: the guest printed no FAIL line.
no_fail() {
	if grep -q '^FAIL' "$OUT"; then
		t_fail "$1" "$(grep '^FAIL' "$OUT" | head -5 | tr '\n' ';')" "$LOG"
	else
		t_ok "$1"
	fi
}

# 0. The C runtime itself (needs no PCI): printf, .bss, exit status.
run_guest rt rt-selftest.bin
if ran "rt-selftest" "RT-OK" && grep -q "^EXIT 3$" "$OUT"; then
	expect "C runtime: protected mode, printf, .bss, EXIT <n>, power-off" \
		'^RT fmt \[str\] \[c\] \[42\] \[-42\] \[4000000000\] \[beef\] \[BEEF\] \[05\] \[00000abc\]$' \
		'^RT fmt \[deadbeef\] \[123456789abcdef0\] \[18446744073709551615\] \[    7\] \[7    \] \[-0007\] \[0x00001000\]$'
elif [ "$RC" -eq 0 ]; then
	t_fail "rt-selftest" "no 'EXIT 3' line" "$LOG"
fi

# 1. Enumeration without devices: the host bridge alone.
run_guest enum0 pci-enum.bin
if grep -q '^NO-PCI' "$OUT"; then
	t_fail "pci-enum (no devices)" "nothing answers CF8/CFC or ECAM: lkvm has no PCI" "$LOG"
elif ran "pci-enum (no devices)" "ENUM-DONE"; then
	expect "enum, no devices: host bridge 00:00.0 alone, CF8 and ECAM agree" \
		'^CF8 00:00\.0 1b36:0008 class 060000 ' \
		'^ECAM 00:00\.0 1b36:0008 class 060000 ' \
		'^ENUM-MATCH functions=1$' '^HDR-MATCH$' \
		'^HOST-BRIDGE 1b36:0008 class 060000 no BARs$'
	expect "enum, no devices: empty slot 00:01.0 and bus 1 read all-ones" \
		'^EMPTY-OK 00:01\.0$' '^BUS1-OK'
	no_fail "enum, no devices: no FAIL lines"
fi

# 2. Enumeration with --rng: virtio-rng at 00:01.0.
run_guest enum pci-enum.bin --rng
if ran "pci-enum --rng" "ENUM-DONE"; then
	expect "enum --rng: 00:00.0 host bridge and 00:01.0 1af4:1044 through CF8 and ECAM" \
		'^CF8 00:00\.0 1b36:0008 class 060000 ' \
		'^ECAM 00:00\.0 1b36:0008 class 060000 ' \
		'^CF8 00:01\.0 1af4:1044 class [0-9a-f]{6} rev 01 hdr 00$' \
		'^ECAM 00:01\.0 1af4:1044 class [0-9a-f]{6} rev 01 hdr 00$' \
		'^ENUM-MATCH functions=2$' '^HDR-MATCH$'
	expect "enum --rng: empty slot 00:02.0 and bus 1 read all-ones both ways" \
		'^EMPTY-OK 00:02\.0$' '^BUS1-OK'
	expect "enum --rng: 0xCF8 reads back, byte/word reads at 0xCFC-0xCFF" \
		'^CF8-READBACK-OK$' '^CF8-PARTIAL-OK$'
	expect "enum --rng: accesses crossing a dword read all-ones" '^CROSS-OK$'
	no_fail "enum --rng: no FAIL lines"
fi

# 3. Capabilities and config space of 00:01.0.
run_guest caps pci-caps.bin --rng
if ran "pci-caps --rng" "CAPS-DONE"; then
	expect "caps: PCI Express capability, version 1, endpoint" \
		'^PCIE-CAP ver=1 type=0$'
	expect "caps: MSI-X table at BAR1+0, PBA at BAR1+0x800" \
		'^MSIX-CAP vectors=[0-9]+ table=bar1\+0x0 pba=bar1\+0x800$'
	# virtio-rng has no device configuration, so no type-4 capability.
	expect "caps: virtio capabilities common/notify/ISR/pci-cfg (rng has no device config), notify multiplier 4" \
		'^VIRTIO-CAP type=1 bar=2 ' '^VIRTIO-CAP type=2 bar=2 ' \
		'^VIRTIO-CAP type=3 bar=2 ' '^VIRTIO-CAP type=4 absent' \
		'^VIRTIO-CAP type=5 ' '^VIRTIO-NOTIFY mult=4$' '^CAPS-OK$'
	expect "caps: 4 KiB through ECAM, 0x100 empty; first 256 bytes same via CF8" \
		'^CFG4K-OK ' '^CF8-256-OK$'
	expect "caps: read-only fields, RW interrupt line, RW1C status, crossing writes dropped" \
		'^RO-OK$' '^RW-OK$' '^RW1C-OK$' '^CROSS-WRITE-OK$'
	no_fail "caps: no FAIL lines"
fi

# 4. BAR sizing, moving, decode on/off.
run_guest bar pci-bar.bin --rng
if ran "pci-bar --rng" "BAR-DONE"; then
	expect "bar: sizes (BAR1 mem32 4 KiB, BAR2 mem64 16 KiB), assigned in the window" \
		'^BAR0 kind=none$' '^BAR1 kind=mem32 size=0x1000 addr=0x[cd][0-9a-f]{7}$' \
		'^BAR2 kind=mem64 size=0x4000 addr=0x[cd][0-9a-f]{7}' \
		'^BAR4 kind=none$' '^BAR5 kind=none$' '^ASSIGN-OK$'
	expect "bar: sizing with decode on leaves the BARs as they were" '^SIZE-LIVE-OK$'
	expect "bar: virtio common config through BAR2 (num_queues 1)" \
		'^REGS bar=2 off=0x[0-9a-f]+ addr=0x[0-9a-f]+ num_queues=1$'
	expect "bar: moved BAR2 answers at the new address only" '^MOVE-OK old='
	expect "bar: COMMAND.MEM off silences, on restores" '^DECODE-OK$'
	expect "bar: moved back" '^RESTORE-OK$'
	expect "bar: MSI-X table entries masked at reset and writable" '^MSIX-TABLE-OK'
	no_fail "bar: no FAIL lines"
fi

# 5. The same on a legacy virtio device: BAR0 is an I/O BAR.
run_guest barleg pci-bar.bin --rng --virtio-legacy
if ran "pci-bar --rng --virtio-legacy" "BAR-DONE"; then
	expect "bar legacy: 1af4:1005, BAR0 I/O, moved, decode off/on, restored" \
		'^DEV 00:01\.0 1af4:1005 legacy' '^BAR0 kind=io size=0x[0-9a-f]+ ' \
		'^MOVE-OK old=' '^DECODE-OK$' '^RESTORE-OK$'
	no_fail "bar legacy: no FAIL lines"
fi

# 6. virtio-rng driven by the guest, twice.
rng_lines() {	# file: the hex of the RNG lines, one a line
	sed -n 's/^RNG \([0-9a-f]\{32\}\) len=16$/\1/p' "$1"
}
run_guest rng1 virtio-rng.bin --rng
R1=$(rng_lines "$OUT")
if ran "virtio-rng --rng" "RNG-OK"; then
	expect "rng: features (VERSION_1), queue 0, DRIVER_OK" \
		'^FEATURES device=[0-9a-f]{16} driver=0000000100000000$' \
		'^QUEUE 0 max=[0-9]+ size=[0-9]+ ' '^DRIVER-OK status=0f$'
	zero=00000000000000000000000000000000
	if [ "$(echo "$R1" | wc -l)" -eq 2 ] && ! echo "$R1" | grep -qx "$zero" &&
	   [ "$(echo "$R1" | sort -u | wc -l)" -eq 2 ]; then
		t_ok "rng: two 16-byte reads, not zero, different"
	else
		t_fail "rng: two different non-zero reads" "got: $(echo $R1)" "$LOG"
	fi
	no_fail "rng: no FAIL lines"
	run_guest rng2 virtio-rng.bin --rng
	R2=$(rng_lines "$OUT")
	if ran "virtio-rng --rng (second run)" "RNG-OK"; then
		if [ -n "$R2" ] && [ "$(printf '%s\n%s\n' "$R1" "$R2" | sort -u | wc -l)" -eq 4 ]; then
			t_ok "rng: a second run reads other bytes"
		else
			t_fail "rng: second run" "run 1: $(echo $R1); run 2: $(echo $R2)" "$LOG"
		fi
	fi
fi

t_summary "PCI guest tests"
