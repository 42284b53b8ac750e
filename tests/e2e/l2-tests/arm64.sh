#!/bin/sh
# shellcheck shell=dash
# lkvm.test=arm64 lkvm.arg=CHECK[,CHECK...] (arm64): what lkvm's device
# tree describes works. Always: PSCI found, the arch timer is the
# clocksource, the GIC, the PL031 RTC (rtc0 set the clock), the 8250
# console. Checks:
#   cpus=N          N CPUs online and usable (secondaries came up by PSCI)
#   pmu             the PMUv3 is there (perf's armv8_pmuv3 PMU)
#   pvtime|nopvtime stolen time is (not) used (--no-pvtime)
#   pci=its|v2m|intx  virtio-rng (--rng) behind the ECAM host: 4096 bytes
#                   of config space, BARs read as 0 at enumeration and
#                   assigned by Linux, random bytes, and its interrupts
#                   through the ITS, the GICv2m frame, or INTx
#   pcie=N          N virtio PCI functions, each with 4096 bytes of config
#                   space and a PCI Express capability, version 1,
#                   endpoint, in its list (printed lspci-style)
t=$LKVM_TEST
bad() { echo "L2-TEST $t FAIL $*"; exit 0; }
out=''

psci=$(dmesg | sed -n 's/.*psci: PSCIv\([0-9.]*\) detected.*/\1/p' | head -n1)
[ -n "$psci" ] || bad "no PSCI in dmesg"
cs=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)
[ "$cs" = arch_sys_counter ] || bad "clocksource $cs"
gic=$(awk 'NR == 1 { n = NF; next } /arch_timer/ { print $(n + 2); exit }' /proc/interrupts)
[ -n "$gic" ] || bad "no arch_timer interrupt"
rtc=$(cat /sys/class/rtc/rtc0/name 2>/dev/null)
case $rtc in *pl031*) ;; *) bad "rtc0 is '$rtc'" ;; esac
rsec=$(cat /sys/class/rtc/rtc0/since_epoch)
now=$(date +%s)
[ "$rsec" -gt 1700000000 ] && [ $((now - rsec)) -lt 60 ] && [ $((rsec - now)) -lt 60 ] ||
	bad "rtc0 says $rsec, system time $now"
grep -q '^ttyS0 ' /proc/consoles || bad "console is not ttyS0: $(head -n1 /proc/consoles)"
out="psci=$psci gic=$gic clocksource=$cs rtc=${rtc%% *} time=$(date -u +%FT%TZ)"

check_cpus() {
	n=$(grep -c ^processor /proc/cpuinfo)
	[ "$n" = "$1" ] || bad "cpus=$n want $1"
	i=0
	while [ "$i" -lt "$n" ]; do
		taskset -c "$i" true || bad "cannot run on cpu $i"
		i=$((i + 1))
	done
	out="$out cpus=$n online=$(cat /sys/devices/system/cpu/online)"
}

check_pmu() {
	p=$(ls -d /sys/bus/event_source/devices/armv8_pmuv3* 2>/dev/null | head -n1)
	[ -n "$p" ] || bad "no armv8_pmuv3 PMU"
	out="$out pmu=${p##*/}"
}

check_pvtime() {
	if dmesg | grep -q 'arm-pv: using stolen time PV'; then
		[ "$1" = pvtime ] || bad "stolen time in use despite --no-pvtime"
	else
		[ "$1" = nopvtime ] || bad "no stolen time (dmesg: arm-pv)"
	fi
	out="$out $1"
}

check_pci() {
	dev=
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = 0x1af4 ] || continue
		case $(cat "$d/device") in 0x1044 | 0x1005) dev=$d ;; esac
	done
	[ -n "$dev" ] || bad "no virtio-rng PCI function"
	bdf=${dev##*/}
	cfg=$(wc -c <"$dev/config")
	[ "$cfg" = 4096 ] || bad "config space is $cfg bytes"
	# What Linux read from the BARs at enumeration ("reg 0x20: [mem
	# 0x00000000-...]", or newer "BAR 4 [mem 0x00000000-...]"), and what
	# it assigned.
	zero=$(dmesg | grep -cE "$bdf: (reg 0x[12][0-9a-f]:|BAR [0-5]) \[[a-z]+ +0x0+-")
	assigned=$(dmesg | grep -cE "$bdf: BAR [0-5]:? .*assigned")
	[ "$assigned" -gt 0 ] || { dmesg | grep "$bdf" | head -n 8; bad "no BAR assigned by Linux"; }
	[ "$zero" = "$assigned" ] || bad "$zero BARs read as 0, $assigned assigned"
	bars=$(awk '$1 != "0x0000000000000000" { printf "%s%s", s, $1; s = "," }' "$dev/resource")
	[ -n "$bars" ] || bad "no BAR address in $dev/resource"
	cur=$(cat /sys/class/misc/hw_random/rng_current 2>/dev/null)
	case $cur in virtio_rng*) ;; *) bad "hwrng is '$cur'" ;; esac
	hex=$(dd if=/dev/hwrng bs=32 count=1 2>/dev/null | od -An -tx1 | tr -d ' \n')
	[ ${#hex} -eq 64 ] || bad "read ${#hex} hex digits from /dev/hwrng"
	case $hex in *[!0]*) ;; *) bad "all-zero bytes" ;; esac
	# The virtio interrupts that fired: "chip type name=count;" each.
	irq=$(awk 'NR == 1 { n = NF; next }
		/virtio/ { c = 0; for (i = 2; i <= n + 1; i++) c += $i
			if (c) printf "%s %s %s=%d;", $(n + 2), $(n + 4), $NF, c }' /proc/interrupts)
	[ -n "$irq" ] || bad "no virtio interrupt was delivered"
	case $1 in
	its) case $irq in *ITS-MSI*) ;; *) bad "not through the ITS: $irq" ;; esac ;;
	v2m) case $irq in *ITS*) bad "ITS on gicv2m: $irq" ;; *MSI*) ;; *) bad "no MSI: $irq" ;; esac ;;
	intx) case $irq in *MSI*) bad "MSI without an MSI controller: $irq" ;; *Level*) ;;
		*) bad "not INTx: $irq" ;; esac ;;
	*) bad "pci=$1: want its, v2m or intx" ;;
	esac
	out="$out pci=$bdf cfg=$cfg bars-assigned=$assigned zero-at-boot=$zero at=$bars irq=[$irq]"
}

# cfg_byte FILE OFFSET: one byte of a config space file, in decimal.
cfg_byte() { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' '; }

check_pcie() {
	n=0 list=''
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = 0x1af4 ] || continue
		n=$((n + 1))
		cfg=$(wc -c <"$d/config")
		[ "$cfg" = 4096 ] || bad "${d##*/}: config space is $cfg bytes"
		# Walk the capability list from 0x34 to the Express one (0x10).
		p=$(cfg_byte "$d/config" 52) caps='' exp=''
		i=0
		while [ "$p" -ne 0 ] && [ $i -lt 48 ]; do
			id=$(cfg_byte "$d/config" "$p")
			caps="$caps$(printf '%02x' "$id")@$(printf '%x' "$p") "
			if [ "$id" = 16 ]; then
				f=$(cfg_byte "$d/config" $((p + 2)))
				exp="v$((f & 15)),type$(((f >> 4) & 15))"
			fi
			p=$(cfg_byte "$d/config" $((p + 1)))
			i=$((i + 1))
		done
		[ "$exp" = v1,type0 ] ||
			bad "${d##*/}: no PCI Express v1 endpoint capability (caps: $caps, express: $exp)"
		list="$list ${d##*/}[$(cat "$d/device"):Express(v1)Endpoint,cfg=$cfg]"
	done
	[ "$n" = "$1" ] || bad "$n virtio PCI functions, want $1"
	out="$out pcie:$list"
}

IFS=,
for c in $LKVM_ARG; do
	case $c in
	cpus=*) check_cpus "${c#*=}" ;;
	pmu) check_pmu ;;
	pvtime | nopvtime) check_pvtime "$c" ;;
	pci=*) check_pci "${c#*=}" ;;
	pcie=*) check_pcie "${c#*=}" ;;
	'') ;;
	*) bad "unknown check '$c'" ;;
	esac
done
unset IFS
echo "L2-TEST $t PASS $out"
