#!/usr/bin/env bash
# Host-KVM tests: tiny guests assembled from tests/guests/x86/*.S run on
# this machine's /dev/kvm; each test checks what the guest printed, lkvm's
# exit status, and what lkvm printed about it.
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
t_tmpdir
echo "host-KVM guest tests ($LKVM)"

run_guest() {	# name guest extra-args...; sets RC, OUT, ERR files
	local name=$1 guest=$2
	shift 2
	OUT=$T_TMP/$name.out
	ERR=$T_TMP/$name.err
	timeout 30 "$LKVM" run -k "$G/$guest" -m 16 -c 1 "$@" </dev/null >"$OUT" 2>"$ERR"
	RC=$?
}

# 1. Print through the UART, power off: status 0.
run_guest hello hello.bin
if [ $RC -eq 0 ] && grep -q "^Hello from an lkvm guest" "$OUT"; then
	t_ok "hello: prints through the 8250 and powers off (status 0)"
else
	t_fail "hello" "status $RC" "$ERR"
fi

# Same with 2 vCPUs: APs wait for SIPI, the BSP runs the guest.
run_guest hello2 hello.bin -c 2
if [ $RC -eq 0 ] && grep -q "^Hello from an lkvm guest" "$OUT"; then
	t_ok "hello with 2 vCPUs"
else
	t_fail "hello with 2 vCPUs" "status $RC" "$ERR"
fi

# 2. Reset through the i8042: status 0.
run_guest reset reset.bin
if [ $RC -eq 0 ] && grep -q "resetting through the i8042" "$OUT"; then
	t_ok "reset: i8042 reset line ends lkvm with status 0"
else
	t_fail "reset" "status $RC" "$ERR"
fi

# 3. Triple fault: non-zero status and the registers printed.
run_guest triple triplefault.bin
if [ $RC -ne 0 ] && [ $RC -ne 124 ] && grep -q "about to triple fault" "$OUT" &&
   grep -q "triple fault" "$ERR" && grep -q "rip " "$ERR" &&
   grep -q "rax 0000000000001234" "$ERR"; then
	t_ok "triple fault: status $RC, registers printed"
else
	t_fail "triple fault" "status $RC" "$ERR"
fi

# 4. A spinning guest driven through list, pause, resume and stop.
OUT=$T_TMP/spin.out
ERR=$T_TMP/spin.err
OUT=$T_TMP/run1.out
: >"$OUT"
"$LKVM" run -k $G/spin.bin -m 16 -c 1 --name t-spin </dev/null >"$OUT" 2>"$ERR" &
SPIN=$!
if t_wait_for "$OUT" ready 30 && t_wait_for "$OUT" tick 30; then
	t_ok "spin: guest is running"
else
	t_fail "spin: guest did not start" "" "$ERR"
fi
list=$("$LKVM" list)
if echo "$list" | grep -Eq "^ *$SPIN +t-spin +running"; then
	t_ok "list shows t-spin running with its pid"
else
	t_fail "list (running)" "$list"
fi
perm_dir=$(stat -c %a "$LKVM_DIR")
perm_sock=$(stat -c %a "$LKVM_DIR/t-spin.sock" 2>/dev/null)
if [ "$perm_dir" = 700 ] && [ "$perm_sock" = 600 ]; then
	t_ok "socket directory 0700, socket 0600"
else
	t_fail "permissions" "dir $perm_dir sock $perm_sock"
fi
if "$LKVM" pause --name t-spin >/dev/null &&
   "$LKVM" list | grep -Eq "t-spin +paused"; then
	sleep 0.3	# a tick in flight may still land
	before=$(grep -c tick "$OUT")
	sleep 2.5
	after=$(grep -c tick "$OUT")
	if [ "$before" = "$after" ]; then
		t_ok "pause: state paused, no ticks for 2.5 s ($before)"
	else
		t_fail "pause" "ticks went on while paused: $before -> $after"
	fi
else
	t_fail "pause" "pause command or state failed"
fi
# lkvm debug: the registers of the paused guest (a flat binary runs at
# 1000:xxxx) and the code at its instruction pointer; it stays paused.
"$LKVM" debug --name t-spin >"$T_TMP/debug.out" 2>"$T_TMP/debug.err"
if grep -q "^vCPU 0$" "$T_TMP/debug.out" && grep -Eq "^  rip [0-9a-f]{16}" "$T_TMP/debug.out" &&
   grep -Eq "^  cs +1000 +base 0000000000010000" "$T_TMP/debug.out" &&
   grep -Eq "^ Code at 1[0-9a-f]{4}:( [0-9a-f]{2}){16}$" "$T_TMP/debug.out" &&
   "$LKVM" list | grep -Eq "t-spin +paused"; then
	t_ok "debug: registers and code of the paused guest; still paused"
else
	t_fail "debug (paused)" "" "$T_TMP/debug.out"
fi
if "$LKVM" resume --name t-spin >/dev/null &&
   "$LKVM" list | grep -Eq "t-spin +running"; then
	before=$(grep -c tick "$OUT")
	sleep 2.5
	after=$(grep -c tick "$OUT")
	if [ "$after" -gt "$before" ]; then
		t_ok "resume: running again, ticks $before -> $after"
	else
		t_fail "resume" "no ticks after resume ($before)"
	fi
else
	t_fail "resume" "resume command or state failed"
fi
# ... and of the running one, which runs on.
"$LKVM" debug --all >"$T_TMP/debug2.out" 2>"$T_TMP/debug.err"
before=$(grep -c tick "$OUT")
i=0
while [ "$(grep -c tick "$OUT")" -le "$before" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if grep -q "^Guest t-spin:$" "$T_TMP/debug2.out" && grep -q "^vCPU 0$" "$T_TMP/debug2.out" &&
   "$LKVM" list | grep -Eq "t-spin +running" && [ "$(grep -c tick "$OUT")" -gt "$before" ]; then
	t_ok "debug --all: the running guest, which goes on ticking"
else
	t_fail "debug (running)" "" "$T_TMP/debug.err"
fi
"$LKVM" stop --name t-spin >/dev/null
t_wait_exit $SPIN 10
rc=$?
if [ $rc -eq 0 ] && [ ! -e "$LKVM_DIR/t-spin.sock" ]; then
	t_ok "stop: lkvm exited 0, socket removed"
else
	t_fail "stop" "status $rc" "$ERR"
fi

# 5. SIGTERM stops the VM in order; a killed VM's stale socket is cleaned.
OUT=$T_TMP/run2.out
: >"$OUT"
"$LKVM" run -k $G/spin.bin -m 16 -c 2 --name t-term </dev/null >"$OUT" 2>"$ERR" &
pid=$!
t_wait_for "$OUT" ready 30
kill -TERM $pid
t_wait_exit $pid 10
rc=$?
if [ $rc -eq 0 ] && [ ! -e "$LKVM_DIR/t-term.sock" ]; then
	t_ok "SIGTERM: orderly stop, status 0"
else
	t_fail "SIGTERM" "status $rc" "$ERR"
fi
OUT=$T_TMP/run3.out
: >"$OUT"
"$LKVM" run -k $G/spin.bin -m 16 -c 1 --name t-stale </dev/null >"$OUT" 2>"$ERR" &
pid=$!
t_wait_for "$OUT" ready 30 || t_fail "stale" "guest did not start within 30 s" "$ERR"
kill -KILL $pid
wait $pid 2>/dev/null
[ -S "$LKVM_DIR/t-stale.sock" ] || t_fail "stale" "socket vanished before the test"
list=$("$LKVM" list)
if [ ! -e "$LKVM_DIR/t-stale.sock" ] && ! echo "$list" | grep -q t-stale; then
	t_ok "stale socket of a killed VM: list skips and removes it"
else
	t_fail "stale socket" "$list"
fi
OUT=$T_TMP/run4.out
: >"$OUT"
"$LKVM" run -k $G/spin.bin -m 16 -c 1 --name t-stale </dev/null >"$OUT" 2>"$ERR" &
pid=$!
t_wait_for "$OUT" ready 30
kill -KILL $pid
wait $pid 2>/dev/null
OUT=$T_TMP/run5.out
: >"$OUT"
"$LKVM" run -k $G/spin.bin -m 16 -c 1 --name t-stale </dev/null >"$OUT" 2>"$ERR" &
pid=$!
if t_wait_for "$OUT" ready 30; then
	t_ok "a new VM reuses the name of a killed one"
else
	t_fail "name reuse after kill" "" "$ERR"
fi
# Two VMs may not share a name.
"$LKVM" run -k $G/spin.bin -m 16 -c 1 --name t-stale </dev/null >"$T_TMP/dup.out" 2>"$T_TMP/dup.err"
rc=$?
if [ $rc -ne 0 ] && grep -q "already running" "$T_TMP/dup.err"; then
	t_ok "duplicate name refused"
else
	t_fail "duplicate name" "status $rc" "$T_TMP/dup.err"
fi
"$LKVM" stop --all >/dev/null
if t_wait_exit $pid 10; then
	t_ok "stop --all"
else
	t_fail "stop --all" "VM still running 10 s later" "$ERR"
fi

# 6. Save and restore: pause, save, stop; a new lkvm continues the guest
#    from where it stopped (ticks, no second "ready"); bad snapshots and
#    conflicting options are refused with one line.
SNAP=$T_TMP/snap
OUT=$T_TMP/s1.out
OUT=$T_TMP/run6.out
: >"$OUT"
"$LKVM" run -k $G/spin.bin -m 16 -c 2 --name t-save </dev/null >"$OUT" 2>"$T_TMP/s1.err" &
pid=$!
t_wait_for "$OUT" tick 30
if "$LKVM" pause --name t-save >/dev/null && "$LKVM" save --name t-save "$SNAP" >/dev/null &&
   "$LKVM" list | grep -Eq "t-save +paused"; then
	t_ok "save: paused VM saved, still paused"
else
	t_fail "save" "pause/save failed" "$T_TMP/s1.err"
fi
"$LKVM" stop --name t-save >/dev/null
t_wait_exit $pid 10
"$LKVM" run --restore "$SNAP" --name t-restored </dev/null >"$T_TMP/s2.out" 2>"$T_TMP/s2.err" &
pid=$!
if t_wait_for "$T_TMP/s2.out" tick 30 && ! grep -q ready "$T_TMP/s2.out" &&
   "$LKVM" list | grep -Eq "t-restored +running"; then
	t_ok "restore: the guest goes on ticking, it did not boot again"
else
	t_fail "restore" "no ticks or booted again" "$T_TMP/s2.err"
fi
# The same snapshot twice, side by side.
"$LKVM" run --restore "$SNAP" --name t-restored2 </dev/null >"$T_TMP/s3.out" 2>"$T_TMP/s3.err" &
pid2=$!
if t_wait_for "$T_TMP/s3.out" tick 30; then
	t_ok "restore: a second copy of the same snapshot runs beside the first"
else
	t_fail "restore twice" "second copy did not run" "$T_TMP/s3.err"
fi
"$LKVM" stop --all >/dev/null
t_wait_exit $pid 10
t_wait_exit $pid2 10
"$LKVM" pause --name nosuch >/dev/null 2>&1
# Errors: one line each, non-zero status.
restore_err() {	# name pattern args...
	local name=$1 pat=$2 rc
	shift 2
	"$LKVM" run "$@" </dev/null >"$T_TMP/re.out" 2>"$T_TMP/re.err"
	rc=$?
	if [ $rc -ne 0 ] && [ "$(wc -l <"$T_TMP/re.err")" -eq 1 ] &&
	   grep -Eq -- "$pat" "$T_TMP/re.err"; then
		t_ok "restore refused, $name: $(cat "$T_TMP/re.err")"
	else
		t_fail "restore refused, $name" "status $rc" "$T_TMP/re.err"
	fi
}
restore_err "other -m" "-m 32 MiB conflicts with the snapshot's 16 MiB" --restore "$SNAP" -m 32
restore_err "other -c" "-c 1 conflicts with the snapshot's 2 vCPUs" --restore "$SNAP" -c 1
restore_err "a kernel" "conflict with a restore" --restore "$SNAP" -k $G/hello.bin
restore_err "other --irqchip" "--irqchip kernel conflicts with the snapshot's split" --restore "$SNAP" --irqchip kernel
restore_err "no snapshot" "No such file" --restore "$T_TMP/nowhere"
cp -r "$SNAP" "$T_TMP/trunc" && truncate -s 100000 "$T_TMP/trunc/lkvm.snap"
restore_err "truncated" "truncated" --restore "$T_TMP/trunc"
cp -r "$SNAP" "$T_TMP/flip" && printf '\x55' | dd of="$T_TMP/flip/lkvm.snap" bs=1 seek=300 conv=notrunc status=none
restore_err "bit flip" "checksum mismatch|corrupt" --restore "$T_TMP/flip"
OUT=$T_TMP/run7.out
: >"$OUT"
"$LKVM" run -k $G/spin.bin -m 16 -c 1 --name t-run </dev/null >"$OUT" 2>/dev/null &
pid=$!
t_wait_for "$OUT" ready 30
if ! "$LKVM" save --name t-run "$T_TMP/snap-running" 2>"$T_TMP/sr.err" &&
   grep -q "pause it first" "$T_TMP/sr.err"; then
	t_ok "save of a running VM refused: $(cat "$T_TMP/sr.err")"
else
	t_fail "save of a running VM" "not refused" "$T_TMP/sr.err"
fi
"$LKVM" stop --name t-run >/dev/null
t_wait_exit $pid 10

# 7. Interrupt controllers.  Split irqchip (the default: lkvm's 8259s,
#    IOAPIC and 8254): the PIT's IRQ 0 through the PIC as ExtINT (also
#    waking HLT) and through IOAPIC pin 0, channel 2 through port 0x61,
#    virtio-rng's INTx as a level-triggered pin whose line, still high
#    after an EOI, is delivered again.  --irqchip kernel: INTx only (KVM's
#    PIT exists only for kernels).
run_guest irq irqchip.bin --rng
if [ $RC -eq 0 ] && grep -q "^IRQ-OK" "$OUT" &&
   grep -q "^PIC-PIT ticks>=5 hlt=3" "$OUT" && grep -q "^IOAPIC-PIT ticks>=5" "$OUT" &&
   grep -q "^PIT-CH2 ok" "$OUT" && grep -q "^INTX pin=17 irqs=4$" "$OUT"; then
	t_ok "split irqchip: PIT via PIC (ExtINT, HLT) and IOAPIC, PIT channel 2, INTx level + EOI"
else
	t_fail "split irqchip" "status $RC: $(grep -m1 FAIL "$OUT")" "$OUT"
fi
run_guest irqk irqchip.bin --rng --irqchip kernel
if [ $RC -eq 0 ] && grep -q "^IRQ-OK" "$OUT" && grep -q "^INTX pin=17 irqs=" "$OUT"; then
	t_ok "--irqchip kernel: INTx through KVM's IOAPIC ($(grep "^INTX" "$OUT"))"
else
	t_fail "--irqchip kernel" "status $RC: $(grep -m1 FAIL "$OUT")" "$OUT"
fi

# 8. Save and restore with the PIT, IOAPIC and local APIC busy: a guest
#    idling in HLT between PIT interrupts goes on ticking after a restore.
OUT=$T_TMP/p1.out
OUT=$T_TMP/run8.out
: >"$OUT"
"$LKVM" run -k $G/pit-spin.bin -m 16 -c 1 --name t-pit </dev/null >"$OUT" 2>"$T_TMP/p1.err" &
pid=$!
if t_wait_for "$OUT" "tick 2" 30 && "$LKVM" pause --name t-pit >/dev/null &&
   "$LKVM" save --name t-pit "$T_TMP/psnap" >/dev/null; then
	last=$(grep -c "^tick" "$OUT")
	"$LKVM" stop --name t-pit >/dev/null
	t_wait_exit $pid 10
	"$LKVM" run --restore "$T_TMP/psnap" --name t-pit2 </dev/null >"$T_TMP/p2.out" 2>"$T_TMP/p2.err" &
	pid=$!
	if t_wait_for "$T_TMP/p2.out" "tick $((last + 2))" 30 &&
	   ! grep -q "ready\|FAIL" "$T_TMP/p2.out"; then
		t_ok "restore with the PIT running: ticks go on from tick $last"
	else
		t_fail "restore with the PIT running" "after tick $last: $(tr '\n' ' ' <"$T_TMP/p2.out")" "$T_TMP/p2.err"
	fi
	"$LKVM" stop --name t-pit2 >/dev/null
	t_wait_exit $pid 10
else
	t_fail "save with the PIT running" "no ticks, or pause/save failed" "$T_TMP/p1.err"
	"$LKVM" stop --name t-pit >/dev/null 2>&1
	t_wait_exit $pid 10
fi

# 9. --hugetlbfs: guest RAM from huge pages (a hugetlbfs mount of this
#    test's own, with 8 more 2 MiB pages reserved for it, both undone after);
#    a directory on another file system is refused with one line.
HP=$T_TMP/huge
nr=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)
if [ "$(id -u)" != 0 ]; then
	t_fail "--hugetlbfs" "needs root (to mount hugetlbfs and reserve huge pages)"
elif ! mkdir -p "$HP" || ! echo $((nr + 8)) >/proc/sys/vm/nr_hugepages ||
     ! mount -t hugetlbfs -o pagesize=2M none "$HP"; then
	t_fail "--hugetlbfs" "cannot reserve 2 MiB huge pages or mount hugetlbfs here"
else
	free0=$(awk '/^HugePages_Free/ { print $2 }' /proc/meminfo)
	run_guest huge hello.bin --hugetlbfs "$HP"
	if [ $RC -eq 0 ] && grep -q "^Hello from an lkvm guest" "$OUT" &&
	   [ "$(awk '/^HugePages_Free/ { print $2 }' /proc/meminfo)" = "$free0" ]; then
		t_ok "--hugetlbfs: the guest runs on huge pages, all given back after"
	else
		t_fail "--hugetlbfs" "status $RC" "$ERR"
	fi
	run_guest huge-odd hello.bin --hugetlbfs "$HP" -m 15
	if [ $RC -ne 0 ] && [ "$(wc -l <"$ERR")" = 1 ] &&
	   grep -q "is not a multiple of its 2048 KiB pages" "$ERR"; then
		t_ok "--hugetlbfs: RAM that is not whole huge pages is refused"
	else
		t_fail "--hugetlbfs with -m 15" "status $RC" "$ERR"
	fi
	umount "$HP"
fi
echo "$nr" >/proc/sys/vm/nr_hugepages 2>/dev/null
run_guest huge-notfs hello.bin --hugetlbfs "$T_TMP"
if [ $RC -ne 0 ] && [ "$(wc -l <"$ERR")" = 1 ] && grep -q "not a hugetlbfs mount" "$ERR"; then
	t_ok "--hugetlbfs on another file system: one clear line"
else
	t_fail "--hugetlbfs on another file system" "status $RC" "$ERR"
fi

# 10. On a terminal: lkvm puts it in raw mode while the guest runs and
#     gives it back as it was when SIGINT ends the VM (status 0, stopped in
#     order); the terminal is a pty that script(1) provides.
if command -v script >/dev/null; then
	TT=$T_TMP/tty
	mkdir -p "$TT"
	cat >"$TT/run.sh" <<EOF
stty -g >"$TT/before"
"$LKVM" run -k "$G/spin.bin" -m 16 -c 1 --name t-tty </dev/tty >"$TT/out" 2>"$TT/err" &
p=\$!
i=0
while ! grep -q tick "$TT/out" 2>/dev/null && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done
stty -g >"$TT/during"
kill -INT \$p
wait \$p
echo \$? >"$TT/rc"
stty -g >"$TT/after"
EOF
	timeout 60 script -qec "sh $TT/run.sh" /dev/null >/dev/null 2>&1 </dev/null
	if [ -s "$TT/before" ] && [ "$(cat "$TT/rc" 2>/dev/null)" = 0 ] &&
	   ! cmp -s "$TT/before" "$TT/during" && cmp -s "$TT/before" "$TT/after"; then
		t_ok "terminal: raw while the guest runs, restored after SIGINT (status 0)"
	else
		t_fail "terminal raw mode and SIGINT" "rc $(cat "$TT/rc" 2>/dev/null), before $(cat "$TT/before" 2>/dev/null), during $(cat "$TT/during" 2>/dev/null), after $(cat "$TT/after" 2>/dev/null)" "$TT/err"
	fi
else
	t_fail "terminal raw mode and SIGINT" "script(1) (bsdutils) is not installed"
fi

t_summary "host-KVM guest tests"
