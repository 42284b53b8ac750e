#!/usr/bin/env bash
# CLI errors: each bad input gets one clear line on stderr naming what and
# why, and a non-zero exit status.
set -u
cd "$(dirname "$0")/.."
LKVM=$(realpath "${1:-./lkvm}")
G=tests/guests/x86
. tests/lib.sh
t_tmpdir
echo "CLI error tests ($LKVM)"

# put BYTES(printf escapes) at OFFSET of FILE
put() { printf "$3" | dd of="$1" bs=1 seek=$(($2)) conv=notrunc status=none; }

# A bzImage header (protocol 2.15, 64-bit) on a file cut short.
TRUNC=$T_TMP/truncated-bzImage
head -c 1024 /dev/zero >"$TRUNC"
put "$TRUNC" 0x1f1 '\x04'
put "$TRUNC" 0x1fe '\x55\xaa'
put "$TRUNC" 0x202 'HdrS\x0f\x02'
put "$TRUNC" 0x211 '\x01'
put "$TRUNC" 0x236 '\x01\x00'
put "$TRUNC" 0x260 '\x00\x00\x00\x01'
# Too old a protocol (2.02).
OLD=$T_TMP/old-bzImage
cp "$TRUNC" "$OLD"
put "$OLD" 0x206 '\x02\x02'
head -c 8192 /dev/zero >>"$OLD"
EMPTY=$T_TMP/empty
: >"$EMPTY"

# expect NAME PATTERN CMD... : non-zero status, exactly one stderr line
# matching PATTERN, nothing on stdout.
expect() {
	local name=$1 pat=$2 rc
	shift 2
	"$@" </dev/null >"$T_TMP/out" 2>"$T_TMP/err"
	rc=$?
	local lines
	lines=$(wc -l <"$T_TMP/err")
	if [ $rc -ne 0 ] && [ "$lines" -eq 1 ] && grep -Eq -- "$pat" "$T_TMP/err" &&
	   [ ! -s "$T_TMP/out" ]; then
		t_ok "$name: $(cat "$T_TMP/err")"
	else
		t_fail "$name" "status $rc, $lines stderr line(s)" "$T_TMP/err"
	fi
}

expect "missing kernel" "^lkvm: -k /nonexistent/bzImage: No such file" \
	"$LKVM" run -k /nonexistent/bzImage
expect "truncated bzImage" "^lkvm: -k .*truncated" \
	"$LKVM" run -k "$TRUNC" -m 64
expect "too old boot protocol" "^lkvm: -k .*protocol 2.02 is too old" \
	"$LKVM" run -k "$OLD" -m 64
expect "empty kernel" "^lkvm: -k .*empty" "$LKVM" run -k "$EMPTY"
expect "kernel is a directory" "^lkvm: -k /tmp: not a regular file" \
	"$LKVM" run -k /tmp
expect "-m 0" "^lkvm: -m 0: .*zero" "$LKVM" run -k $G/hello.bin -m 0
expect "-m garbage" "^lkvm: -m 12Q: not a valid size" "$LKVM" run -k $G/hello.bin -m 12Q
expect "-c 0" "^lkvm: -c 0: .*at least one vCPU" "$LKVM" run -k $G/hello.bin -c 0
expect "-c too many" "^lkvm: -c 100000: KVM allows at most [0-9]+ vCPUs" \
	"$LKVM" run -k $G/hello.bin -c 100000
expect "unknown option" "^lkvm: unknown option '--frobnicate'" \
	"$LKVM" run -k $G/hello.bin --frobnicate
expect "unknown command" "^lkvm: 'frobnicate' is not an lkvm command" \
	"$LKVM" frobnicate
expect "option not supported yet" "^lkvm: --vnc is not supported yet" \
	"$LKVM" run -k $G/hello.bin --vnc
expect "missing option value" "^lkvm: option '--mem' needs a value" \
	"$LKVM" run -k $G/hello.bin --mem
expect "bad name" "^lkvm: --name a/b: " "$LKVM" run -k $G/hello.bin --name a/b
expect "stop unknown VM" "^lkvm: stop --name nosuchvm: no such running VM" \
	"$LKVM" stop --name nosuchvm
expect "initrd with a flat binary" "^lkvm: -i: an initrd needs a bzImage" \
	"$LKVM" run -k $G/hello.bin -i "$EMPTY" -m 16

# /dev/kvm unreadable: run as an unprivileged user (root bypasses modes).
if command -v setpriv >/dev/null; then
	mkdir -p "$T_TMP/nobody" && chown nobody "$T_TMP/nobody"
	expect "unreadable /dev/kvm" "^lkvm: /dev/kvm: permission denied" \
		env LKVM_DIR="$T_TMP/nobody/sock" setpriv --reuid=nobody --regid=nogroup \
		--clear-groups "$LKVM" run -k "$(realpath $G/hello.bin)"
else
	t_fail "unreadable /dev/kvm" "setpriv (util-linux) is missing"
fi
# /dev/kvm missing: a private mount namespace with an empty /dev.
if unshare -m true 2>/dev/null; then
	expect "missing /dev/kvm" "^lkvm: /dev/kvm: not found" \
		unshare -m sh -c "mount -t tmpfs none /dev && exec \"$LKVM\" run -k $G/hello.bin"
else
	t_fail "missing /dev/kvm" "unshare -m is not permitted here"
fi

t_summary "CLI error tests"
