/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ARM PrimeCell PL031 real-time clock: a 32-bit seconds counter (the
 * host's UTC plus an offset the guest sets through the load register) and
 * a match register that raises the interrupt when the counter reaches it.
 * 4 KiB of MMIO with the PrimeCell identification registers at the top.
 */
#ifndef KVM__PL031_H
#define KVM__PL031_H

#include "kvm/compiler.h"

struct kvm;
struct pl031;

#define PL031_SIZE	0x1000

/* Register at @base on the MMIO bus, raising wired interrupt @irq. */
struct pl031 *pl031__init(struct kvm *kvm, u64 base, u32 irq);

/* Level of the interrupt output (tests and debugging). */
bool pl031__irq_level(struct pl031 *rtc);

#endif
