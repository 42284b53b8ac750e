/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The riscv64 guest's device tree, built with libfdt from a plain
 * description of the machine (no struct kvm, no KVM headers), so that the
 * builder is unit-tested on any host and its output checked with dtc.
 */
#ifndef KVM__RISCV_FDT_H
#define KVM__RISCV_FDT_H

#include "kvm/compiler.h"
#include "kvm/fdt.h"
#include "kvm/kvm-arch.h"

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

	struct dt_pci_host	pci;
	u32			pci_irq;	/* INTA of slot n: pci_irq + n */

	u64			uart_base;
	u32			uart_irq;

	struct dt_chosen	chosen;
};

/* Build the tree into @buf (packed).  0, or -ENOSPC/-EINVAL (logged). */
int riscv_fdt_build(const struct riscv_fdt_desc *d, void *buf, u32 size);

#endif
