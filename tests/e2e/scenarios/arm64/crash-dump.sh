# shellcheck shell=dash
# arm64: a guest that faults in a way KVM cannot emulate (LDP from an
# address no memory or device backs: no instruction syndrome) ends lkvm
# with status 1 and a register dump (PC, PSTATE, X0-X30, ESR/FAR...).
# The "Image" is 64 bytes of header and three instructions at 0x40:
#   movz x1, #0x1000, lsl #16; ldp x2, x3, [x1]; b .
{
	printf '\020\000\000\024\000\000\000\000'			# b 0x40
	printf '\000\000\000\000\000\000\000\000'			# text_offset
	printf '\000\000\001\000\000\000\000\000'			# image_size
	printf '\012\000\000\000\000\000\000\000'			# flags
	printf '\000\000\000\000\000\000\000\000\000\000\000\000'
	printf '\000\000\000\000\000\000\000\000\000\000\000\000'
	printf 'ARM\144\000\000\000\000'				# magic
	printf '\001\000\242\322\042\014\100\251\000\000\000\024'	# code
} >/tmp/crash.Image
LKVM_TIMEOUT=20 run_lkvm /tmp/crash.log run -k /tmp/crash.Image -m 64 -c 1 \
	--name crash
why=''
[ "$RC" = 1 ] || why="lkvm status $RC, want 1"
for re in 'vCPU 0: KVM_RUN: ' 'pc +0000000080000044 .*EL1h D A I F' \
	'x1 +0000000010000000' 'x0 +00000000[0-9a-f]{8}' 'esr ' 'far ' \
	'Code at 80000044: 22 0c 40 a9'; do
	log_has /tmp/crash.log "$re" || { why="${why:+$why; }no '$re' in the dump"; break; }
done
show_log /tmp/crash.log 14
if [ -z "$why" ]; then pass; else fail "$why"; fi
