/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A pair of cascaded 8259A programmable interrupt controllers, as in a PC:
 * the master at ports 0x20/0x21 (IRQ 0-7), the slave at 0xA0/0xA1 (IRQ
 * 8-15) on the master's IRQ 2, and the edge/level control registers at
 * 0x4D0/0x4D1.  The master's INT output goes to the boot processor's LINT0
 * (ExtINT); whoever runs that vCPU calls i8259__read_irq() (the INTA cycle)
 * when the vCPU can take an interrupt.
 */
#ifndef KVM__I8259_H
#define KVM__I8259_H

#include "kvm/compiler.h"

struct kvm;
struct i8259;
struct vm_device;

#define I8259_MASTER_BASE	0x20
#define I8259_SLAVE_BASE	0xa0
#define I8259_ELCR_BASE		0x4d0
#define I8259_NR_IRQS		16
#define I8259_STATE_VERSION	1

/* INT changed: called with the PIC's lock held, from any thread. */
typedef void (*i8259_output_fn)(void *opaque, bool level);

/* Create the pair and register its ports on @kvm's I/O port bus. */
struct i8259 *i8259__new(struct kvm *kvm, i8259_output_fn output,
			 void *opaque);
/* Unregister and free (after the device list let go of it). */
void i8259__free(struct i8259 *pic);
/* The vm_device (save/restore/reset) for kvm__add_device(). */
struct vm_device *i8259__device(struct i8259 *pic);

/* Drive input line @irq (0-15). */
void i8259__set_irq(struct i8259 *pic, u32 irq, int level);
/* Whether INT is asserted (lock-free). */
bool i8259__output(struct i8259 *pic);
/*
 * Interrupt acknowledge: the vector of the highest-priority request, with
 * ISR/IRR updated as by the CPU's INTA cycles; -1 if none is pending.
 */
int i8259__read_irq(struct i8259 *pic);

#endif
