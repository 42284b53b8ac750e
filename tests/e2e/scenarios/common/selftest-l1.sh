# shellcheck shell=dash
# Harness self-test (no lkvm run): L1 has an openable /dev/kvm, the test disk
# and the L2 kernel and initramfs.
why=''
{ exec 3<>/dev/kvm; } 2>/dev/null || why="cannot open /dev/kvm"
exec 3>&-
[ -b /dev/vda ] || why="${why:+$why; }no /dev/vda"
for f in /l2/vmlinuz /l2/initrd.gz /bin/lkvm; do
	[ -s "$f" ] || why="${why:+$why; }no $f"
done
if [ -z "$why" ]; then pass; else fail "$why"; fi
