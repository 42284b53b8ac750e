// SPDX-License-Identifier: GPL-2.0
/*
 * The riscv64 guest's device tree.  Bindings followed (Documentation/
 * devicetree/bindings): riscv/cpus.yaml (hart ID in reg, riscv,isa and
 * riscv,isa-base/-extensions, mmu-type, a riscv,cpu-intc child per hart),
 * timebase-frequency in /cpus, sifive,plic-1.0.0 (one S-mode context per
 * hart: interrupts-extended = <&hartN_intc 9>); and, from fdt.c,
 * pci-host-ecam-generic, ns16550a, /memory and /chosen.
 *
 * The PCI host has no msi-parent: Linux 6.1 has no MSI controller to offer
 * next to a PLIC, so PCI functions use INTx.
 */
#include <stdlib.h>
#include <libfdt.h>

#include "kvm/riscv-fdt.h"
#include "kvm/util.h"

#define PHANDLE_PLIC		1
#define PHANDLE_INTC(hart)	(2 + (hart))

#define IRQ_S_EXT		9	/* supervisor external interrupt */

static void fdt_cpus(struct dt_writer *w, const struct riscv_fdt_desc *d)
{
	u32 i;

	dt_begin(w, "cpus");
	dt_prop_u32(w, "#address-cells", 1);
	dt_prop_u32(w, "#size-cells", 0);
	dt_prop_u32(w, "timebase-frequency", d->timebase);
	for (i = 0; i < d->nr_cpus; i++) {
		const struct riscv_fdt_cpu *c = &d->cpus[i];

		dt_begin(w, "cpu@%x", c->hartid);
		dt_prop_str(w, "device_type", "cpu");
		dt_prop_str(w, "compatible", "riscv");
		dt_prop_u32(w, "reg", c->hartid);
		dt_prop_str(w, "status", "okay");
		dt_prop_str(w, "riscv,isa", c->isa);
		dt_prop_str(w, "riscv,isa-base", "rv64i");
		if (c->isa_ext_len)
			dt_prop(w, "riscv,isa-extensions", c->isa_ext,
				c->isa_ext_len);
		if (c->mmu)
			dt_prop_str(w, "mmu-type", c->mmu);
		if (c->cbom_block)
			dt_prop_u32(w, "riscv,cbom-block-size", c->cbom_block);
		if (c->cboz_block)
			dt_prop_u32(w, "riscv,cboz-block-size", c->cboz_block);

		dt_begin(w, "interrupt-controller");
		dt_prop_str(w, "compatible", "riscv,cpu-intc");
		dt_prop_u32(w, "#address-cells", 0);
		dt_prop_u32(w, "#interrupt-cells", 1);
		dt_prop_empty(w, "interrupt-controller");
		dt_prop_u32(w, "phandle", PHANDLE_INTC(i));
		dt_end(w);
		dt_end(w);
	}
	dt_end(w);
}

static void fdt_plic(struct dt_writer *w, const struct riscv_fdt_desc *d)
{
	static const char compat[] = "sifive,plic-1.0.0\0riscv,plic0";
	u32 *ext, i;

	dt_begin(w, "interrupt-controller@%llx",
		 (unsigned long long)d->plic_base);
	dt_prop(w, "compatible", compat, sizeof(compat));
	dt_prop_reg(w, d->plic_base, d->plic_size);
	dt_prop_u32(w, "#interrupt-cells", 1);
	dt_prop_u32(w, "#address-cells", 0);
	dt_prop_empty(w, "interrupt-controller");
	dt_prop_u32(w, "riscv,ndev", d->plic_ndev);
	dt_prop_u32(w, "phandle", PHANDLE_PLIC);
	/* Context i: hart i's supervisor external interrupt. */
	ext = calloc(2 * d->nr_cpus, sizeof(*ext));
	if (!ext) {
		dt_check(w, -FDT_ERR_NOSPACE);
	} else {
		for (i = 0; i < d->nr_cpus; i++) {
			ext[2 * i] = PHANDLE_INTC(i);
			ext[2 * i + 1] = IRQ_S_EXT;
		}
		dt_prop_cells(w, "interrupts-extended", ext, 2 * d->nr_cpus);
		free(ext);
	}
	dt_end(w);
}

/* INTA of slot n: PLIC source pci_irq + n (PLIC: no address cells). */
static void fdt_pci_host(struct dt_writer *w, const struct riscv_fdt_desc *d)
{
	struct dt_pci_irqs irqs = {
		.inta = { PHANDLE_PLIC, 1, { d->pci_irq } },
	};

	dt_pci_host(w, &d->pci, &irqs);
}

int riscv_fdt_build(const struct riscv_fdt_desc *d, void *buf, u32 size)
{
	/* (Not in the root node: the harts' intc nodes would inherit it.) */
	struct dt_irq uart_irq = { PHANDLE_PLIC, 1, { d->uart_irq } };
	struct dt_writer w;

	if (!d->nr_cpus || !d->cpus || !d->timebase) {
		pr_err("device tree: no vCPU or no timebase frequency");
		return -EINVAL;
	}
	dt_start(&w, buf, size);
	dt_prop_str(&w, "compatible", "linux,dummy-virt");
	dt_prop_str(&w, "model", "lkvm riscv64");
	dt_prop_u32(&w, "#address-cells", 2);
	dt_prop_u32(&w, "#size-cells", 2);

	dt_chosen(&w, &d->chosen, d->uart_base);
	dt_memory(&w, d->ram_base, d->ram_size);
	fdt_cpus(&w, d);
	fdt_plic(&w, d);
	fdt_pci_host(&w, d);
	dt_serial(&w, d->uart_base, RISCV_UART_SIZE, RISCV_UART_CLOCK,
		  &uart_irq);
	return dt_finish(&w);
}
