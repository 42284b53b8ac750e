/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The riscv64 guest's device tree, built with libfdt from a plain
 * description of the machine (no struct kvm, no KVM headers), so that the
 * builder is unit-tested on any host and its output checked with dtc.
 */
#ifndef KVM__RISCV_FDT_H
#define KVM__RISCV_FDT_H

#include "kvm/compiler.h"
#include "kvm/kvm-arch.h"

#define RISCV_FDT_RNG_SEED_SIZE	64

struct riscv_fdt_cpu {
	u32		hartid;
	const char	*isa;		/* riscv,isa, e.g. "rv64imafdc_sstc" */
	const char	*isa_ext;	/* riscv,isa-extensions: "i\0m\0..." */
	u32		isa_ext_len;	/* its size, NULs included */
	const char	*mmu;		/* "riscv,sv39/48/57", NULL: none */
	u32		cbom_block;	/* riscv,cbom-block-size, 0: none */
	u32		cboz_block;	/* riscv,cboz-block-size, 0: none */
};

struct riscv_fdt_desc {
	u64			ram_base;
	u64			ram_size;

	u32			nr_cpus;
	const struct riscv_fdt_cpu *cpus;
	u32			timebase;	/* Hz */

	u64			plic_base;
	u64			plic_size;
	u32			plic_ndev;	/* highest source ID */

	/* PCI: one root bus through ECAM, INTA of slot n on pci_irq + n. */
	u64			ecam_base;
	u64			ecam_size;
	u64			io_cpu_base;	/* PCI I/O 0... as MMIO */
	u64			io_size;
	u64			mmio32_base;	/* CPU address = PCI address */
	u64			mmio32_size;
	u64			mmio64_base;
	u64			mmio64_size;	/* 0: none */
	u32			pci_irq;

	u64			uart_base;
	u32			uart_irq;
	bool			serial_console;	/* stdout-path */

	const char		*bootargs;
	u64			initrd_start;
	u64			initrd_size;	/* 0: no initrd */
	u64			kaslr_seed;
	u8			rng_seed[RISCV_FDT_RNG_SEED_SIZE];
};

/* Build the tree into @buf (packed).  0, or -ENOSPC/-EINVAL (logged). */
int riscv_fdt_build(const struct riscv_fdt_desc *d, void *buf, u32 size);

#endif
