// SPDX-License-Identifier: GPL-2.0
/*
 * The riscv64 guest's device tree.  Bindings followed (Documentation/
 * devicetree/bindings): riscv/cpus.yaml (hart ID in reg, riscv,isa and
 * riscv,isa-base/-extensions, mmu-type, a riscv,cpu-intc child per hart),
 * timebase-frequency in /cpus, sifive,plic-1.0.0 (one S-mode context per
 * hart: interrupts-extended = <&hartN_intc 9>), pci-host-ecam-generic,
 * ns16550a and /chosen.
 *
 * The PCI host never gets linux,pci-probe-only: BARs are the guest's to
 * assign from the "ranges" windows.  There is no msi-parent: Linux 6.1 has
 * no MSI controller to offer next to a PLIC, so PCI functions use INTx.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libfdt.h>

#include "kvm/riscv-fdt.h"
#include "kvm/util.h"

#define PHANDLE_PLIC		1
#define PHANDLE_INTC(hart)	(2 + (hart))

#define IRQ_S_EXT		9	/* supervisor external interrupt */

/* PCI address space codes of the first cell of a PCI address. */
#define PCI_SPACE_IO		0x01000000U
#define PCI_SPACE_MEM32		0x02000000U
#define PCI_SPACE_MEM64		0x03000000U

#define PCI_NR_SLOTS		32

/* A libfdt sequential writer that remembers the first error. */
struct fdt_w {
	void	*fdt;
	int	err;
};

static void w_check(struct fdt_w *w, int ret)
{
	if (ret < 0 && !w->err)
		w->err = ret;
}

static void begin(struct fdt_w *w, const char *fmt, ...) __printf(2, 3);

static void begin(struct fdt_w *w, const char *fmt, ...)
{
	char name[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	w_check(w, fdt_begin_node(w->fdt, name));
}

static void end(struct fdt_w *w)
{
	w_check(w, fdt_end_node(w->fdt));
}

static void prop(struct fdt_w *w, const char *name, const void *v, int len)
{
	w_check(w, fdt_property(w->fdt, name, v, len));
}

static void prop_empty(struct fdt_w *w, const char *name)
{
	prop(w, name, NULL, 0);
}

static void prop_str(struct fdt_w *w, const char *name, const char *s)
{
	w_check(w, fdt_property_string(w->fdt, name, s));
}

static void prop_u32(struct fdt_w *w, const char *name, u32 v)
{
	w_check(w, fdt_property_cell(w->fdt, name, v));
}

static void prop_u64(struct fdt_w *w, const char *name, u64 v)
{
	w_check(w, fdt_property_u64(w->fdt, name, v));
}

/* An array of @n cells, written in place (any length). */
static void prop_cells(struct fdt_w *w, const char *name, const u32 *c, int n)
{
	fdt32_t *v;
	int i, ret;

	ret = fdt_property_placeholder(w->fdt, name, n * sizeof(*v),
				       (void **)&v);
	w_check(w, ret);
	if (ret < 0)
		return;
	for (i = 0; i < n; i++)
		v[i] = cpu_to_fdt32(c[i]);
}

/* "reg" of one (address, size) pair, two cells each. */
static void prop_reg(struct fdt_w *w, u64 base, u64 size)
{
	u32 c[4] = { base >> 32, (u32)base, size >> 32, (u32)size };

	prop_cells(w, "reg", c, 4);
}

static void fdt_chosen(struct fdt_w *w, const struct riscv_fdt_desc *d)
{
	char path[32];

	begin(w, "chosen");
	prop_str(w, "bootargs", d->bootargs ? d->bootargs : "");
	if (d->serial_console) {
		snprintf(path, sizeof(path), "/serial@%llx",
			 (unsigned long long)d->uart_base);
		prop_str(w, "stdout-path", path);
	}
	if (d->initrd_size) {
		prop_u64(w, "linux,initrd-start", d->initrd_start);
		prop_u64(w, "linux,initrd-end", d->initrd_start + d->initrd_size);
	}
	prop_u64(w, "kaslr-seed", d->kaslr_seed);
	prop(w, "rng-seed", d->rng_seed, sizeof(d->rng_seed));
	end(w);
}

static void fdt_memory(struct fdt_w *w, const struct riscv_fdt_desc *d)
{
	begin(w, "memory@%llx", (unsigned long long)d->ram_base);
	prop_str(w, "device_type", "memory");
	prop_reg(w, d->ram_base, d->ram_size);
	end(w);
}

static void fdt_cpus(struct fdt_w *w, const struct riscv_fdt_desc *d)
{
	u32 i;

	begin(w, "cpus");
	prop_u32(w, "#address-cells", 1);
	prop_u32(w, "#size-cells", 0);
	prop_u32(w, "timebase-frequency", d->timebase);
	for (i = 0; i < d->nr_cpus; i++) {
		const struct riscv_fdt_cpu *c = &d->cpus[i];

		begin(w, "cpu@%x", c->hartid);
		prop_str(w, "device_type", "cpu");
		prop_str(w, "compatible", "riscv");
		prop_u32(w, "reg", c->hartid);
		prop_str(w, "status", "okay");
		prop_str(w, "riscv,isa", c->isa);
		prop_str(w, "riscv,isa-base", "rv64i");
		if (c->isa_ext_len)
			prop(w, "riscv,isa-extensions", c->isa_ext,
			     c->isa_ext_len);
		if (c->mmu)
			prop_str(w, "mmu-type", c->mmu);
		if (c->cbom_block)
			prop_u32(w, "riscv,cbom-block-size", c->cbom_block);
		if (c->cboz_block)
			prop_u32(w, "riscv,cboz-block-size", c->cboz_block);

		begin(w, "interrupt-controller");
		prop_str(w, "compatible", "riscv,cpu-intc");
		prop_u32(w, "#address-cells", 0);
		prop_u32(w, "#interrupt-cells", 1);
		prop_empty(w, "interrupt-controller");
		prop_u32(w, "phandle", PHANDLE_INTC(i));
		end(w);
		end(w);
	}
	end(w);
}

static void fdt_plic(struct fdt_w *w, const struct riscv_fdt_desc *d)
{
	static const char compat[] = "sifive,plic-1.0.0\0riscv,plic0";
	u32 *ext, i;

	begin(w, "interrupt-controller@%llx", (unsigned long long)d->plic_base);
	prop(w, "compatible", compat, sizeof(compat));
	prop_reg(w, d->plic_base, d->plic_size);
	prop_u32(w, "#interrupt-cells", 1);
	prop_u32(w, "#address-cells", 0);
	prop_empty(w, "interrupt-controller");
	prop_u32(w, "riscv,ndev", d->plic_ndev);
	prop_u32(w, "phandle", PHANDLE_PLIC);
	/* Context i: hart i's supervisor external interrupt. */
	ext = calloc(2 * d->nr_cpus, sizeof(*ext));
	if (!ext) {
		w_check(w, -FDT_ERR_NOSPACE);
	} else {
		for (i = 0; i < d->nr_cpus; i++) {
			ext[2 * i] = PHANDLE_INTC(i);
			ext[2 * i + 1] = IRQ_S_EXT;
		}
		prop_cells(w, "interrupts-extended", ext, 2 * d->nr_cpus);
		free(ext);
	}
	end(w);
}

static void fdt_pci_host(struct fdt_w *w, const struct riscv_fdt_desc *d)
{
	u32 ranges[21], map[PCI_NR_SLOTS * 6], *m = map;
	u32 mask[] = { 0xf800, 0, 0, 7 };
	u32 bus_range[] = { 0, 0 };
	int nr = 0, slot;

	/* (PCI address: 3 cells, CPU address: 2, size: 2) per window */
	ranges[nr++] = PCI_SPACE_IO;
	ranges[nr++] = 0;
	ranges[nr++] = 0;
	ranges[nr++] = d->io_cpu_base >> 32;
	ranges[nr++] = (u32)d->io_cpu_base;
	ranges[nr++] = d->io_size >> 32;
	ranges[nr++] = (u32)d->io_size;
	ranges[nr++] = PCI_SPACE_MEM32;
	ranges[nr++] = d->mmio32_base >> 32;
	ranges[nr++] = (u32)d->mmio32_base;
	ranges[nr++] = d->mmio32_base >> 32;
	ranges[nr++] = (u32)d->mmio32_base;
	ranges[nr++] = d->mmio32_size >> 32;
	ranges[nr++] = (u32)d->mmio32_size;
	if (d->mmio64_size) {
		ranges[nr++] = PCI_SPACE_MEM64;
		ranges[nr++] = d->mmio64_base >> 32;
		ranges[nr++] = (u32)d->mmio64_base;
		ranges[nr++] = d->mmio64_base >> 32;
		ranges[nr++] = (u32)d->mmio64_base;
		ranges[nr++] = d->mmio64_size >> 32;
		ranges[nr++] = (u32)d->mmio64_size;
	}

	/* INTA of slot n: PLIC source pci_irq + n (PLIC: no address cells). */
	for (slot = 0; slot < PCI_NR_SLOTS; slot++) {
		*m++ = slot << 11;		/* child unit address */
		*m++ = 0;
		*m++ = 0;
		*m++ = 1;			/* INTA */
		*m++ = PHANDLE_PLIC;
		*m++ = d->pci_irq + slot;
	}

	begin(w, "pci@%llx", (unsigned long long)d->ecam_base);
	prop_str(w, "compatible", "pci-host-ecam-generic");
	prop_str(w, "device_type", "pci");
	prop_u32(w, "#address-cells", 3);
	prop_u32(w, "#size-cells", 2);
	prop_u32(w, "#interrupt-cells", 1);
	prop_cells(w, "bus-range", bus_range, ARRAY_SIZE(bus_range));
	prop_reg(w, d->ecam_base, d->ecam_size);
	prop_cells(w, "ranges", ranges, nr);
	prop_cells(w, "interrupt-map-mask", mask, ARRAY_SIZE(mask));
	prop_cells(w, "interrupt-map", map, m - map);
	prop_empty(w, "dma-coherent");
	end(w);
}

static void fdt_uart(struct fdt_w *w, const struct riscv_fdt_desc *d)
{
	begin(w, "serial@%llx", (unsigned long long)d->uart_base);
	prop_str(w, "compatible", "ns16550a");
	prop_reg(w, d->uart_base, RISCV_UART_SIZE);
	prop_u32(w, "reg-shift", 0);
	prop_u32(w, "reg-io-width", 1);
	prop_u32(w, "clock-frequency", RISCV_UART_CLOCK);
	/* (Not in the root node: the harts' intc nodes would inherit it.) */
	prop_u32(w, "interrupt-parent", PHANDLE_PLIC);
	prop_u32(w, "interrupts", d->uart_irq);
	end(w);
}

int riscv_fdt_build(const struct riscv_fdt_desc *d, void *buf, u32 size)
{
	struct fdt_w w = { .fdt = buf };

	if (!d->nr_cpus || !d->cpus || !d->timebase) {
		pr_err("device tree: no vCPU or no timebase frequency");
		return -EINVAL;
	}
	w_check(&w, fdt_create(buf, size));
	w_check(&w, fdt_finish_reservemap(buf));
	begin(&w, "%s", "");
	prop_str(&w, "compatible", "linux,dummy-virt");
	prop_str(&w, "model", "lkvm riscv64");
	prop_u32(&w, "#address-cells", 2);
	prop_u32(&w, "#size-cells", 2);

	fdt_chosen(&w, d);
	fdt_memory(&w, d);
	fdt_cpus(&w, d);
	fdt_plic(&w, d);
	fdt_pci_host(&w, d);
	fdt_uart(&w, d);

	end(&w);
	w_check(&w, fdt_finish(buf));
	if (!w.err)
		w_check(&w, fdt_pack(buf));
	if (w.err) {
		pr_err("device tree: %s", fdt_strerror(w.err));
		return w.err == -FDT_ERR_NOSPACE ? -ENOSPC : -EINVAL;
	}
	return 0;
}
