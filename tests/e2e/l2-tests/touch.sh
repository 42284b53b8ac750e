#!/bin/sh
# shellcheck shell=dash
# lkvm.test=touch lkvm.arg=MIB: fill MIB MiB of memory (tmpfs), say so, and
# wait to be saved.
mount -t tmpfs -o size=$((LKVM_ARG + 16))m tmpfs /mnt 2>/dev/null
dd if=/dev/zero of=/mnt/fill bs=1M count="$LKVM_ARG" 2>/dev/null
echo "L2-TOUCHED $LKVM_ARG MiB"
while :; do sleep 10; done
