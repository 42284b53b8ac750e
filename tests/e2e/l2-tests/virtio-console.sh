#!/bin/sh
# shellcheck shell=dash
# lkvm.test=virtio-console (with lkvm --console virtio, console=hvc0): the
# guest writes to and reads from hvc0, whose other end is lkvm's stdio.
# hvc0 stays open throughout: input that arrived early waits in the port
# and is delivered when it is opened, but the tty drops unread input when
# its last opener closes it.  (init's own stdout may predate hvc0.)
for i in 1 2 3 4 5 6 7 8 9 10; do [ -c /dev/hvc0 ] && break; sleep 0.5; done
[ -c /dev/hvc0 ] || { echo "L2-TEST $LKVM_TEST FAIL no /dev/hvc0" >/dev/kmsg; exit 0; }
exec 3<>/dev/hvc0
stty -F /dev/hvc0 -echo 2>/dev/null
echo "L2-HVC0-WRITE" >&3
line=
read -t 20 -r line <&3
line=$(printf '%s' "$line" | tr -d '\r')
echo "L2-TEST $LKVM_TEST PASS read='$line'" >&3
exec 3>&-
