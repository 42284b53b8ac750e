/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel GIC (vGIC): GICv3 with an ITS for MSIs, or GICv2 with an
 * lkvm-emulated GICv2m MSI frame, or either without MSIs.
 */
#ifndef KVM__GIC_H
#define KVM__GIC_H

#include "kvm/compiler.h"
#include "kvm/kvm-arch.h"

struct kvm;

/* GICv2m frame registers (ARM's Server Base System Architecture). */
#define V2M_MSI_TYPER		0x008
#define V2M_MSI_SETSPI_NS	0x040
#define V2M_MSI_IIDR		0xfcc

/* --irqchip NAME -> type; ARM_IRQCHIP_AUTO for NULL, -1 if unknown. */
int gic__parse(const char *name);
const char *gic__name(enum arm_irqchip type);

/*
 * Pick (for AUTO) and create the vGIC and its ITS, at their addresses,
 * before any vCPU exists.  Logs and returns -errno on failure.
 */
int gic__create(struct kvm *kvm);
/* 0 if KVM can create a vGIC of @type (and its ITS), else -errno. */
int gic__test_create(struct kvm *kvm, enum arm_irqchip type);
/* run --restore: the interrupt controller type the snapshot's VM had. */
int arm_snapshot_irqchip(struct kvm *kvm, enum arm_irqchip *type);
/* After every vCPU exists: KVM_DEV_ARM_VGIC_CTRL_INIT (GIC, then ITS). */
int gic__init(struct kvm *kvm);
void gic__exit(struct kvm *kvm);

/* The GICv2m frame (gicv2m): an MMIO device turning SETSPI into SPIs. */
int gic__v2m_init(struct kvm *kvm);
/* An MSI to the v2m doorbell: the SPI (0-based) it raises. */
bool gic__v2m_msi_spi(struct kvm *kvm, u64 addr, u32 data, u32 *spi);

#endif
