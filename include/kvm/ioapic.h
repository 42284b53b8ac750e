/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An I/O APIC (82093AA register interface, version 0x20 with the EOI
 * register) with 24 pins, for KVM's split irqchip: the local APICs are in
 * the kernel, this model turns pin assertions into MSIs to them.
 *
 *   base + 0x00   IOREGSEL   register index
 *   base + 0x10   IOWIN      the selected register (32 bits)
 *   base + 0x40   EOI        vector: ends level-triggered interrupts
 *
 * Registers: 0x00 ID, 0x01 version (0x170020), 0x02 arbitration ID,
 * 0x10 + 2n / 0x11 + 2n the low / high word of pin n's redirection entry.
 *
 * A level-triggered pin that delivers sets its remote IRR and delivers no
 * more until the local APIC's EOI for its vector comes back
 * (ioapic__eoi(), from KVM_EXIT_IOAPIC_EOI); then, if the line is still
 * high, it delivers again.  KVM only exits on the EOIs of vectors it finds
 * in the level-triggered MSI routes of GSIs 0-23, so each level-triggered
 * pin keeps such a route (GSI = pin) in step with its entry: updated
 * lazily, before the pin delivers, since each route change costs the host
 * an SRCU grace period.
 */
#ifndef KVM__IOAPIC_H
#define KVM__IOAPIC_H

#include "kvm/compiler.h"

struct kvm;
struct ioapic;
struct vm_device;

#define IOAPIC_NR_PINS		24
#define IOAPIC_MMIO_SIZE	0x100
#define IOAPIC_VERSION		0x20
#define IOAPIC_STATE_VERSION	1

#define IOAPIC_REG_SELECT	0x00
#define IOAPIC_REG_WINDOW	0x10
#define IOAPIC_REG_EOI		0x40

#define IOAPIC_ID		0x00
#define IOAPIC_VER		0x01
#define IOAPIC_ARB		0x02
#define IOAPIC_REDTBL		0x10

/* Redirection entry bits. */
#define IOAPIC_RTE_VECTOR	0xffULL
#define IOAPIC_RTE_DELMODE_SHIFT 8
#define IOAPIC_RTE_DELMODE	(7ULL << 8)
#define IOAPIC_RTE_DESTMODE	(1ULL << 11)	/* logical */
#define IOAPIC_RTE_DELIVS	(1ULL << 12)	/* read-only */
#define IOAPIC_RTE_POLARITY	(1ULL << 13)	/* active low */
#define IOAPIC_RTE_REMOTE_IRR	(1ULL << 14)	/* read-only */
#define IOAPIC_RTE_LEVEL	(1ULL << 15)
#define IOAPIC_RTE_MASKED	(1ULL << 16)
#define IOAPIC_RTE_DEST_SHIFT	48		/* bits 48-63 */

#define IOAPIC_DM_EXTINT	7

/* How interrupts leave the IOAPIC (a VM's KVM, or a unit test). */
struct ioapic_ops {
	/* Send an MSI (KVM_SIGNAL_MSI). */
	void	(*deliver)(void *opaque, u64 addr, u32 data);
	/* Point GSI @pin's route at (@addr, @data); not committed yet. */
	int	(*set_route)(void *opaque, u32 pin, u64 addr, u32 data);
	/* Push changed routes to KVM. */
	int	(*commit)(void *opaque);
};

/* Create it and register its MMIO window at @base on @kvm's MMIO bus. */
struct ioapic *ioapic__new(struct kvm *kvm, u64 base, u8 id,
			   const struct ioapic_ops *ops, void *opaque);
void ioapic__free(struct ioapic *io);
struct vm_device *ioapic__device(struct ioapic *io);

/* Drive pin @pin's input line (1 = asserted). */
void ioapic__set_irq(struct ioapic *io, u32 pin, int level);
/* A local APIC's EOI of @vector reached the IOAPIC. */
void ioapic__eoi(struct ioapic *io, u8 vector);

/* The MSI a redirection entry describes (also for unit tests). */
void ioapic__rte_to_msi(u64 rte, u64 *addr, u32 *data);

#endif
