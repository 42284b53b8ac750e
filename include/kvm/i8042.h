/* SPDX-License-Identifier: GPL-2.0 */
/*
 * i8042 PS/2 keyboard controller with a keyboard and a mouse that answer
 * commands (no keys, no movement): enough for the guest's drivers to probe
 * and bind, and the classic way to reset a PC (command 0xFE).
 */
#ifndef KVM__I8042_H
#define KVM__I8042_H

#include "kvm/compiler.h"

struct kvm;

#define I8042_DATA_PORT		0x60
#define I8042_COMMAND_PORT	0x64	/* status on read */
#define I8042_KBD_IRQ		1
#define I8042_AUX_IRQ		12

/* Register the controller on the port I/O bus and add it to the VM. */
int i8042__init(struct kvm *kvm);

/*
 * Level of the controller's @irq output (I8042_KBD_IRQ or I8042_AUX_IRQ),
 * for tests and debugging; false if the VM has no i8042.
 */
bool i8042__irq_level(struct kvm *kvm, u32 irq);

#endif
