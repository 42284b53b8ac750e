// SPDX-License-Identifier: GPL-2.0
/*
 * Device tree nodes that are the same on every architecture that has one
 * (arm64, riscv64): /chosen, /memory, /reserved-memory, the ECAM PCI host
 * and the 8250 UART, with the bindings they follow (Documentation/
 * devicetree/bindings): chosen, memory, reserved-memory,
 * pci-host-ecam-generic, ns16550a.  The arch builders (arm/fdt.c,
 * riscv/fdt.c) add the CPUs and interrupt controllers.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <libfdt.h>

#include "kvm/fdt.h"
#include "kvm/util.h"

/* PCI address space codes of the first cell of a PCI address. */
#define PCI_SPACE_IO		0x01000000U
#define PCI_SPACE_MEM32		0x02000000U
#define PCI_SPACE_MEM64		0x03000000U

#define PCI_NR_SLOTS		32
#define PCI_MAP_MAX_CELLS	12	/* one interrupt-map entry */

void dt_check(struct dt_writer *w, int ret)
{
	if (ret < 0 && !w->err)
		w->err = ret;
}

void dt_begin(struct dt_writer *w, const char *fmt, ...)
{
	char name[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	dt_check(w, fdt_begin_node(w->fdt, name));
}

void dt_end(struct dt_writer *w)
{
	dt_check(w, fdt_end_node(w->fdt));
}

void dt_prop(struct dt_writer *w, const char *name, const void *v, int len)
{
	dt_check(w, fdt_property(w->fdt, name, v, len));
}

void dt_prop_empty(struct dt_writer *w, const char *name)
{
	dt_prop(w, name, NULL, 0);
}

void dt_prop_str(struct dt_writer *w, const char *name, const char *s)
{
	dt_check(w, fdt_property_string(w->fdt, name, s));
}

void dt_prop_u32(struct dt_writer *w, const char *name, u32 v)
{
	dt_check(w, fdt_property_cell(w->fdt, name, v));
}

static void dt_prop_u64(struct dt_writer *w, const char *name, u64 v)
{
	dt_check(w, fdt_property_u64(w->fdt, name, v));
}

void dt_prop_cells(struct dt_writer *w, const char *name, const u32 *c, int n)
{
	fdt32_t *v;
	int i, ret;

	ret = fdt_property_placeholder(w->fdt, name, n * sizeof(*v),
				       (void **)&v);
	dt_check(w, ret);
	if (ret < 0)
		return;
	for (i = 0; i < n; i++)
		v[i] = cpu_to_fdt32(c[i]);
}

void dt_prop_regs(struct dt_writer *w, const u64 *pairs, int nr)
{
	fdt32_t *v;
	int i, ret;

	ret = fdt_property_placeholder(w->fdt, "reg", 4 * nr * sizeof(*v),
				       (void **)&v);
	dt_check(w, ret);
	if (ret < 0)
		return;
	for (i = 0; i < 2 * nr; i++) {
		v[2 * i] = cpu_to_fdt32(pairs[i] >> 32);
		v[2 * i + 1] = cpu_to_fdt32((u32)pairs[i]);
	}
}

void dt_prop_reg(struct dt_writer *w, u64 base, u64 size)
{
	u64 p[2] = { base, size };

	dt_prop_regs(w, p, 1);
}

void dt_start(struct dt_writer *w, void *buf, u32 size)
{
	*w = (struct dt_writer) { .fdt = buf };
	dt_check(w, fdt_create(buf, size));
	dt_check(w, fdt_finish_reservemap(buf));
	dt_begin(w, "%s", "");
}

int dt_finish(struct dt_writer *w)
{
	dt_end(w);
	dt_check(w, fdt_finish(w->fdt));
	if (!w->err)
		dt_check(w, fdt_pack(w->fdt));
	if (w->err) {
		pr_err("device tree: %s", fdt_strerror(w->err));
		return w->err == -FDT_ERR_NOSPACE ? -ENOSPC : -EINVAL;
	}
	return 0;
}

/* ------------------------------------------------------------ nodes */

void dt_chosen(struct dt_writer *w, const struct dt_chosen *c, u64 uart_base)
{
	char path[32];

	dt_begin(w, "chosen");
	dt_prop_str(w, "bootargs", c->bootargs ? c->bootargs : "");
	if (c->serial_console) {
		snprintf(path, sizeof(path), "/serial@%llx",
			 (unsigned long long)uart_base);
		dt_prop_str(w, "stdout-path", path);
	}
	if (c->initrd_size) {
		dt_prop_u64(w, "linux,initrd-start", c->initrd_start);
		dt_prop_u64(w, "linux,initrd-end",
			    c->initrd_start + c->initrd_size);
	}
	dt_prop_u64(w, "kaslr-seed", c->kaslr_seed);
	dt_prop(w, "rng-seed", c->rng_seed, sizeof(c->rng_seed));
	dt_end(w);
}

bool dt_chosen_seeds(struct dt_chosen *c)
{
	return getrandom(&c->kaslr_seed, sizeof(c->kaslr_seed),
			 GRND_NONBLOCK) == sizeof(c->kaslr_seed) &&
	       getrandom(c->rng_seed, sizeof(c->rng_seed), GRND_NONBLOCK) ==
	       sizeof(c->rng_seed);
}

void dt_memory(struct dt_writer *w, u64 base, u64 size)
{
	dt_begin(w, "memory@%llx", (unsigned long long)base);
	dt_prop_str(w, "device_type", "memory");
	dt_prop_reg(w, base, size);
	dt_end(w);
}

void dt_reserved_memory(struct dt_writer *w, const char *name, u64 base,
			u64 size)
{
	dt_begin(w, "reserved-memory");
	dt_prop_u32(w, "#address-cells", 2);
	dt_prop_u32(w, "#size-cells", 2);
	dt_prop_empty(w, "ranges");
	dt_begin(w, "%s@%llx", name, (unsigned long long)base);
	dt_prop_reg(w, base, size);
	dt_prop_empty(w, "no-map");
	dt_end(w);
	dt_end(w);
}

void dt_serial(struct dt_writer *w, u64 base, u64 size, u32 clock,
	       const struct dt_irq *irq)
{
	dt_begin(w, "serial@%llx", (unsigned long long)base);
	dt_prop_str(w, "compatible", "ns16550a");
	dt_prop_reg(w, base, size);
	dt_prop_u32(w, "reg-shift", 0);
	dt_prop_u32(w, "reg-io-width", 1);
	dt_prop_u32(w, "clock-frequency", clock);
	if (irq->parent)
		dt_prop_u32(w, "interrupt-parent", irq->parent);
	dt_prop_cells(w, "interrupts", irq->cells, irq->nr_cells);
	dt_end(w);
}

/* "ranges": (PCI address: 3 cells, CPU address: 2, size: 2) per window. */
static int pci_ranges(const struct dt_pci_host *p, u32 *r)
{
	int nr = 0;

	r[nr++] = PCI_SPACE_IO;
	r[nr++] = 0;
	r[nr++] = 0;
	r[nr++] = p->io_cpu_base >> 32;
	r[nr++] = (u32)p->io_cpu_base;
	r[nr++] = p->io_size >> 32;
	r[nr++] = (u32)p->io_size;
	r[nr++] = PCI_SPACE_MEM32;
	r[nr++] = p->mmio32_base >> 32;
	r[nr++] = (u32)p->mmio32_base;
	r[nr++] = p->mmio32_base >> 32;
	r[nr++] = (u32)p->mmio32_base;
	r[nr++] = p->mmio32_size >> 32;
	r[nr++] = (u32)p->mmio32_size;
	if (p->mmio64_size) {
		r[nr++] = PCI_SPACE_MEM64;
		r[nr++] = p->mmio64_base >> 32;
		r[nr++] = (u32)p->mmio64_base;
		r[nr++] = p->mmio64_base >> 32;
		r[nr++] = (u32)p->mmio64_base;
		r[nr++] = p->mmio64_size >> 32;
		r[nr++] = (u32)p->mmio64_size;
	}
	return nr;
}

/* "interrupt-map": INTA of slot n, the parent's zero unit address, irq. */
static int pci_intx_map(const struct dt_pci_irqs *irqs, u32 *map)
{
	const struct dt_irq *a = &irqs->inta;
	u32 *m = map, i;
	int slot, c;

	for (slot = 0; slot < PCI_NR_SLOTS; slot++) {
		*m++ = slot << 11;		/* child unit address */
		*m++ = 0;
		*m++ = 0;
		*m++ = 1;			/* INTA */
		*m++ = a->parent;
		for (i = 0; i < irqs->parent_addr_cells; i++)
			*m++ = 0;
		for (c = 0; c < a->nr_cells; c++)
			*m++ = a->cells[c] + (c == irqs->inta_cell ? slot : 0);
	}
	return m - map;
}

void dt_pci_host(struct dt_writer *w, const struct dt_pci_host *p,
		 const struct dt_pci_irqs *irqs)
{
	u32 ranges[21], map[PCI_NR_SLOTS * PCI_MAP_MAX_CELLS];
	u32 mask[] = { 0xf800, 0, 0, 7 };
	u32 bus_range[] = { 0, 0 };
	u32 msi_map[] = { 0, irqs->msi_map, 0, 0x10000 };

	if (5 + irqs->parent_addr_cells + irqs->inta.nr_cells >
	    PCI_MAP_MAX_CELLS) {
		dt_check(w, -FDT_ERR_INTERNAL);
		return;
	}
	dt_begin(w, "pci@%llx", (unsigned long long)p->ecam_base);
	dt_prop_str(w, "compatible", "pci-host-ecam-generic");
	dt_prop_str(w, "device_type", "pci");
	dt_prop_u32(w, "#address-cells", 3);
	dt_prop_u32(w, "#size-cells", 2);
	dt_prop_u32(w, "#interrupt-cells", 1);
	dt_prop_cells(w, "bus-range", bus_range, ARRAY_SIZE(bus_range));
	dt_prop_reg(w, p->ecam_base, p->ecam_size);
	dt_prop_cells(w, "ranges", ranges, pci_ranges(p, ranges));
	dt_prop_cells(w, "interrupt-map-mask", mask, ARRAY_SIZE(mask));
	dt_prop_cells(w, "interrupt-map", map, pci_intx_map(irqs, map));
	if (irqs->msi_map)
		dt_prop_cells(w, "msi-map", msi_map, ARRAY_SIZE(msi_map));
	if (irqs->msi_parent)
		dt_prop_u32(w, "msi-parent", irqs->msi_parent);
	dt_prop_empty(w, "dma-coherent");
	dt_end(w);
}

int dt_dump(const char *path, const void *fdt)
{
	u32 size = fdt_totalsize(fdt);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int ret = 0;

	if (fd < 0 || write_in_full(fd, fdt, size) != (ssize_t)size)
		ret = -errno;
	if (fd >= 0 && close(fd) < 0 && !ret)
		ret = -errno;
	if (ret)
		pr_err("--dump-dtb %s: %s", path, strerror(-ret));
	else
		pr_info("device tree (%u bytes) written to %s", size, path);
	return ret;
}
