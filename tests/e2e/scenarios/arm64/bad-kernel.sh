# shellcheck shell=dash
# arm64: kernels lkvm cannot boot are refused with one clear line each
# (status 1, nothing run): a truncated Image, a gzip-compressed one, an
# ELF vmlinux, a file that is no Image at all.
why=''
check() { # FILE ERE
	LKVM_TIMEOUT=20 run_lkvm /tmp/bad-kernel.log run -k "$1" -m 256 -c 1
	n=$(grep -c 'lkvm: ' /tmp/bad-kernel.log)
	line=$(grep -m1 'lkvm: ' /tmp/bad-kernel.log)
	note "$line"
	if [ "$RC" = 0 ] || [ "$TIMED_OUT" = 1 ]; then
		why="${why:+$why; }$1: status $RC"
	elif [ "$n" != 1 ] || ! echo "$line" | grep -q -E -- "$2"; then
		show_log /tmp/bad-kernel.log 4
		why="${why:+$why; }$1: want one line matching '$2'"
	fi
}
head -c 1048576 /l2/vmlinuz >/tmp/Image.trunc
check /tmp/Image.trunc '^lkvm: -k /tmp/Image.trunc: file is truncated'
{ printf '\037\213\010\000\000\000\000\000\000\003'; head -c 200 /l2/vmlinuz; } >/tmp/Image.gz
check /tmp/Image.gz '^lkvm: -k /tmp/Image.gz: gzip-compressed.*gunzip'
{ printf '\177ELF\002\001\001'; head -c 200 /dev/zero; } >/tmp/vmlinux
check /tmp/vmlinux '^lkvm: -k /tmp/vmlinux: ELF'
head -c 65536 /dev/zero >/tmp/zeros
check /tmp/zeros '^lkvm: -k /tmp/zeros: not an arm64 Image'
if [ -z "$why" ]; then pass; else fail "$why"; fi
