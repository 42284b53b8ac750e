/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__KVM_ARCH_H
#define KVM__KVM_ARCH_H

#include <pthread.h>
#include "kvm/compiler.h"

#define LKVM_ARCH_NAME		"x86_64"
#define LKVM_ARCH_X86		1

/*
 * Guest physical layout.
 *   0 ... 640K             low RAM (real-mode data, zero page, page tables)
 *   640K ... 1M            EBDA / BIOS area (MP table lives at 0xF0000)
 *   1M ... 3G              RAM
 *   3G ... 3.5G            32-bit PCI memory window (BARs)
 *   3.5G ... 3.75G         PCIe ECAM (256 MiB, buses 0-255)
 *   0xFEC00000             IOAPIC
 *   0xFEE00000             local APIC
 *   4G ...                 RAM above 3G continues here
 *   after high RAM          64-bit PCI memory window
 */
#define X86_LOWMEM_END		0xC0000000ULL
#define X86_PCI_MMIO32_BASE	0xC0000000ULL
#define X86_PCI_MMIO32_SIZE	0x20000000ULL
#define X86_PCI_ECAM_BASE	0xE0000000ULL
#define X86_PCI_ECAM_SIZE	0x10000000ULL
#define X86_IOAPIC_BASE		0xFEC00000ULL
#define X86_LAPIC_BASE		0xFEE00000ULL
#define X86_TSS_ADDR		0xFFFBD000ULL
#define X86_IDENTITY_MAP_ADDR	0xFFFBC000ULL
#define X86_HIGHMEM_BASE	0x100000000ULL
#define X86_PCI_MMIO64_SIZE	0x4000000000ULL	/* 256 GiB */
#define X86_PCI_IO_BASE		0x6200
#define X86_PCI_IO_SIZE		0x9e00

/* Low memory used while booting (all below 640K). */
#define BOOT_GDT_ADDR		0x0500
#define BOOT_IDT_ADDR		0x0520
#define BOOT_ZERO_PAGE		0x7000
#define BOOT_PML4_ADDR		0x9000
#define BOOT_PDPT_ADDR		0xA000
#define BOOT_PD_ADDR		0xB000	/* four pages: 4 GiB of 2M pages */
#define BOOT_CMDLINE_ADDR	0x20000
#define BOOT_CMDLINE_MAX	0x10000
#define EBDA_START		0x9FC00ULL
#define BIOS_START		0xF0000ULL
#define MPTABLE_ADDR		0xF0000ULL
#define BZ_KERNEL_LOAD		0x100000ULL

/* Flat binaries, as kvmtool loads them: real mode at 1000:0000. */
#define FLAT_SELECTOR		0x1000
#define FLAT_LOAD_ADDR		0x10000ULL
#define FLAT_IP			0x0000
#define FLAT_SP			0x8000

/* Legacy I/O ports. */
#define X86_ACPI_PM_BASE	0x600	/* PM1a_EVT (4 bytes), PM1a_CNT 0x604 */
#define X86_ACPI_PM_CNT		0x604

#define X86_MAX_E820		128

enum x86_boot_type {
	X86_BOOT_NONE = 0,
	X86_BOOT_BZIMAGE64,	/* 64-bit boot protocol entry */
	X86_BOOT_FLAT,		/* real mode at FLAT_SELECTOR:FLAT_IP */
};

struct e820_entry {
	u64	addr;
	u64	size;
	u32	type;
} __packed;

#define E820_RAM	1
#define E820_RESERVED	2

struct i8259;
struct ioapic;
struct i8254;
struct kvm_cpu;

struct kvm_arch {
	enum x86_boot_type	boot_type;
	u64			boot_entry;	/* 64-bit: RIP */
	u64			lowmem_size;	/* RAM below 3G */
	u64			highmem_size;	/* RAM from 4G */
	u64			mmio64_base;
	bool			has_pit;	/* KVM's in-kernel PIT */
	bool			tsc_deadline;
	/*
	 * Split irqchip (the default): local APICs in KVM, the PICs, the
	 * IOAPIC and the PIT here.  Otherwise KVM_CREATE_IRQCHIP's.
	 */
	bool			split_irqchip;
	struct i8259		*pic;
	struct ioapic		*ioapic;
	struct i8254		*pit;
	/* vCPU 0 while it exists, for the PIC's kicks (any thread). */
	pthread_mutex_t		bsp_lock;
	struct kvm_cpu		*bsp;
	struct e820_entry	e820[X86_MAX_E820];
	u32			nr_e820;
};

#endif
