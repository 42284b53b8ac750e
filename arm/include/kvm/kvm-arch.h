/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__KVM_ARCH_H
#define KVM__KVM_ARCH_H

#include "kvm/compiler.h"
#include "kvm/bus.h"

#define LKVM_ARCH_NAME		"arm64"
#define LKVM_ARCH_ARM64		1

/*
 * Guest physical layout (IPA), everything below 1 TiB (the default 40-bit
 * IPA space of a KVM_CREATE_VM type 0):
 *
 *   0x0000_0000 ... 0x00ff_ffff   nothing (catches null pointers)
 *   0x0100_0000                   8250 UART (4 KiB)
 *   0x0101_0000                   PL031 RTC (4 KiB)
 *   0x0200_0000                   PCI I/O space, as an MMIO window (64 KiB)
 *   0x0800_0000                   GIC distributor (v3: 64 KiB, v2: 4 KiB)
 *   0x0801_0000                   GICv2 CPU interface (8 KiB)
 *   0x0802_0000                   GICv2m MSI frame (4 KiB)
 *   0x0808_0000                   GICv3 ITS (128 KiB)
 *   0x080a_0000 ... 0x0fff_ffff   GICv3 redistributors (128 KiB per vCPU)
 *   0x3000_0000                   PCIe ECAM (256 MiB; only bus 0 is used)
 *   0x4000_0000 ... 0x7fff_ffff   32-bit PCI memory window (BARs)
 *   0x8000_0000 ...               RAM (up to 510 GiB)
 *   0x80_0000_0000 (512 GiB)      64-bit PCI memory window (256 GiB)
 *
 * Inside RAM, from the top down: the stolen-time (PV time) area when
 * there is one, the device tree in its own 2 MiB block, the initrd; the
 * kernel sits at the bottom (RAM base + text_offset).
 */
#define ARM_UART_BASE		0x01000000ULL
#define ARM_UART_SIZE		0x1000ULL
#define ARM_RTC_BASE		0x01010000ULL
#define ARM_RTC_SIZE		0x1000ULL
#define ARM_PCI_IO_BASE		0x02000000ULL
#define ARM_PCI_IO_SIZE		0x10000ULL
#define ARM_GIC_DIST_BASE	0x08000000ULL
#define ARM_GIC_CPU_BASE	0x08010000ULL
#define ARM_GIC_V2M_BASE	0x08020000ULL
#define ARM_GIC_V2M_SIZE	0x1000ULL
#define ARM_GIC_ITS_BASE	0x08080000ULL
#define ARM_GIC_REDIST_BASE	0x080a0000ULL
#define ARM_GIC_REDIST_LIMIT	0x10000000ULL
#define ARM_PCI_ECAM_BASE	0x30000000ULL
#define ARM_PCI_ECAM_SIZE	0x10000000ULL
#define ARM_PCI_MMIO32_BASE	0x40000000ULL
#define ARM_PCI_MMIO32_SIZE	0x40000000ULL
#define ARM_RAM_BASE		0x80000000ULL
#define ARM_PCI_MMIO64_BASE	0x8000000000ULL
#define ARM_PCI_MMIO64_SIZE	0x4000000000ULL
#define ARM_MAX_RAM		(ARM_PCI_MMIO64_BASE - ARM_RAM_BASE)

/*
 * Interrupts.  Wired lines are SPIs; lkvm numbers them from 0 (SPI n is
 * GIC INTID 32 + n, and GSI n in KVM's default routing), as the device
 * tree's GIC_SPI cells do.
 */
#define ARM_SPI_UART		0
#define ARM_SPI_RTC		1
#define ARM_SPI_PCI_INTX	8	/* + PCI slot (0-31): INTA of each slot */
#define ARM_SPI_V2M_BASE	64	/* GICv2m MSIs: SPIs 64-127 */
#define ARM_SPI_V2M_NR		64
#define ARM_GIC_NR_IRQS		(32 + 128)	/* INTIDs, private ones included */
#define ARM_MSI_GSI_BASE	128	/* GSIs for MSI routes start here */

/* PPIs (INTID - 16), as in the device tree. */
#define ARM_PPI_HYP_TIMER	10
#define ARM_PPI_VIRT_TIMER	11
#define ARM_PPI_SEC_TIMER	13
#define ARM_PPI_PHYS_TIMER	14
#define ARM_PPI_PMU		7

#define ARM_UART_CLOCK		1843200
#define ARM_APB_CLOCK		24000000

enum arm_irqchip {
	ARM_IRQCHIP_AUTO = 0,	/* the best the host offers */
	ARM_IRQCHIP_GICV2,
	ARM_IRQCHIP_GICV2M,
	ARM_IRQCHIP_GICV3,
	ARM_IRQCHIP_GICV3_ITS,
};

/* Where the pieces of a boot went (guest physical addresses). */
struct arm_boot {
	u64	kernel_addr;	/* Image load address = entry point */
	u64	kernel_end;	/* load address + image_size */
	u64	initrd_addr;
	u64	initrd_size;
	u64	dtb_addr;	/* start of a 2 MiB block of its own */
};

struct kvm_arch {
	enum arm_irqchip	irqchip;
	int			gic_fd;		/* vGIC device, -1 if none */
	int			its_fd;		/* ITS device, -1 if none */
	bool			gic_fds_valid;	/* the two above are set */
	struct bus_range	v2m_range;	/* GICv2m frame (gicv2m) */

	struct arm_boot		boot;
	u64			ram_end;
	u64			mmio64_size;	/* 0: no 64-bit PCI window */

	/* Stolen-time area (64 bytes per vCPU), size 0 if none. */
	u64			pvtime_base;
	u64			pvtime_size;

	u32			psci_version;	/* major << 16 | minor */
	bool			ptrauth;
	bool			pmu;
};

#endif
