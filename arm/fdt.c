// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 guest's device tree.  Bindings followed (Documentation/
 * devicetree/bindings): cpus and psci (enable-method "psci", reg = MPIDR
 * affinity), arm,armv8-timer, arm,armv8-pmuv3, arm,gic-v3 (+ arm,gic-v3-its)
 * and arm,gic-400 (+ arm,gic-v2m-frame), pci-host-ecam-generic, ns16550a,
 * arm,pl031 with its apb_pclk, and /chosen.
 *
 * The PCI host never gets linux,pci-probe-only: BARs are the guest's to
 * assign from the "ranges" windows.
 */
#include <stdarg.h>
#include <string.h>
#include <libfdt.h>

#include "kvm/arm-fdt.h"
#include "kvm/util.h"

#define PHANDLE_GIC		1
#define PHANDLE_MSI		2
#define PHANDLE_APB_PCLK	3

/* Interrupt specifier cells (bindings/interrupt-controller/arm,gic*.yaml). */
#define GIC_SPI			0
#define GIC_PPI			1
#define IRQ_TYPE_EDGE_RISING	1
#define IRQ_TYPE_LEVEL_HIGH	4

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

/* A string list: the strings with their NULs, e.g. "a\0b" and its size. */
static void prop_strs(struct fdt_w *w, const char *name, const char *s,
		      int len)
{
	prop(w, name, s, len);
}

static void prop_u32(struct fdt_w *w, const char *name, u32 v)
{
	w_check(w, fdt_property_cell(w->fdt, name, v));
}

static void prop_u64(struct fdt_w *w, const char *name, u64 v)
{
	w_check(w, fdt_property_u64(w->fdt, name, v));
}

/* An array of @n cells given as u32 values. */
static void prop_cells(struct fdt_w *w, const char *name, const u32 *c, int n)
{
	fdt32_t v[64];
	int i;

	if (n > (int)ARRAY_SIZE(v)) {
		w_check(w, -FDT_ERR_INTERNAL);
		return;
	}
	for (i = 0; i < n; i++)
		v[i] = cpu_to_fdt32(c[i]);
	prop(w, name, v, n * sizeof(v[0]));
}

/* "reg" of (address, size) pairs with two cells each. */
static void prop_reg(struct fdt_w *w, const u64 *pairs, int nr_pairs)
{
	u32 c[16];
	int i;

	for (i = 0; i < nr_pairs * 2 && i < 8; i++) {
		c[2 * i] = pairs[i] >> 32;
		c[2 * i + 1] = (u32)pairs[i];
	}
	prop_cells(w, "reg", c, nr_pairs * 4);
}

static void prop_reg1(struct fdt_w *w, u64 base, u64 size)
{
	u64 p[2] = { base, size };

	prop_reg(w, p, 1);
}

static bool gic_v3(const struct arm_fdt_desc *d)
{
	return d->irqchip == ARM_IRQCHIP_GICV3 ||
	       d->irqchip == ARM_IRQCHIP_GICV3_ITS;
}

/* Flags cell of a PPI: GICv2 wants the mask of CPUs it goes to. */
static u32 ppi_flags(const struct arm_fdt_desc *d, u32 type)
{
	if (gic_v3(d))
		return type;
	return type | ((BIT(min_t(u32, d->nr_cpus, 8)) - 1) << 8);
}

static void fdt_chosen(struct fdt_w *w, const struct arm_fdt_desc *d)
{
	char path[32];

	begin(w, "chosen");
	prop_str(w, "bootargs", d->bootargs ? d->bootargs : "");
	if (d->serial_console) {
		snprintf(path, sizeof(path), "/serial@%llx",
			 (unsigned long long)ARM_UART_BASE);
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

static void fdt_memory(struct fdt_w *w, const struct arm_fdt_desc *d)
{
	begin(w, "memory@%llx", (unsigned long long)d->ram_base);
	prop_str(w, "device_type", "memory");
	prop_reg1(w, d->ram_base, d->ram_size);
	end(w);

	if (!d->pvtime_size)
		return;
	/* Stolen-time records: the guest must neither map nor use them. */
	begin(w, "reserved-memory");
	prop_u32(w, "#address-cells", 2);
	prop_u32(w, "#size-cells", 2);
	prop_empty(w, "ranges");
	begin(w, "pvtime@%llx", (unsigned long long)d->pvtime_base);
	prop_reg1(w, d->pvtime_base, d->pvtime_size);
	prop_empty(w, "no-map");
	end(w);
	end(w);
}

static void fdt_cpus(struct fdt_w *w, const struct arm_fdt_desc *d)
{
	static const char psci10[] = "arm,psci-1.0\0arm,psci-0.2";
	u32 i;

	begin(w, "cpus");
	prop_u32(w, "#address-cells", 1);
	prop_u32(w, "#size-cells", 0);
	for (i = 0; i < d->nr_cpus; i++) {
		/* Aff2.Aff1.Aff0; KVM never sets Aff3 */
		u32 reg = d->mpidr[i] & 0xffffff;

		begin(w, "cpu@%x", reg);
		prop_str(w, "device_type", "cpu");
		prop_str(w, "compatible", "arm,arm-v8");
		prop_str(w, "enable-method", "psci");
		prop_u32(w, "reg", reg);
		end(w);
	}
	end(w);

	begin(w, "psci");
	if (d->psci_version >= 0x10000)
		prop_strs(w, "compatible", psci10, sizeof(psci10));
	else
		prop_str(w, "compatible", "arm,psci-0.2");
	prop_str(w, "method", "hvc");
	end(w);
}

static void fdt_timer_pmu(struct fdt_w *w, const struct arm_fdt_desc *d)
{
	u32 lvl = ppi_flags(d, IRQ_TYPE_LEVEL_HIGH);
	u32 timer[] = {
		GIC_PPI, ARM_PPI_SEC_TIMER, lvl,
		GIC_PPI, ARM_PPI_PHYS_TIMER, lvl,
		GIC_PPI, ARM_PPI_VIRT_TIMER, lvl,
		GIC_PPI, ARM_PPI_HYP_TIMER, lvl,
	};
	u32 pmu[] = { GIC_PPI, ARM_PPI_PMU, lvl };

	begin(w, "timer");
	prop_str(w, "compatible", "arm,armv8-timer");
	prop_cells(w, "interrupts", timer, ARRAY_SIZE(timer));
	prop_empty(w, "always-on");
	end(w);

	if (!d->pmu)
		return;
	begin(w, "pmu");
	prop_str(w, "compatible", "arm,armv8-pmuv3");
	prop_cells(w, "interrupts", pmu, ARRAY_SIZE(pmu));
	end(w);
}

static void fdt_gic(struct fdt_w *w, const struct arm_fdt_desc *d)
{
	u64 reg[4];

	begin(w, "intc@%llx", (unsigned long long)ARM_GIC_DIST_BASE);
	prop_u32(w, "phandle", PHANDLE_GIC);
	prop_u32(w, "#interrupt-cells", 3);
	prop_empty(w, "interrupt-controller");
	/* Room for the MSI frame below, at the same addresses. */
	prop_u32(w, "#address-cells", 2);
	prop_u32(w, "#size-cells", 2);
	prop_empty(w, "ranges");
	if (gic_v3(d)) {
		prop_str(w, "compatible", "arm,gic-v3");
		reg[0] = ARM_GIC_DIST_BASE;
		reg[1] = SZ_64K;
		reg[2] = ARM_GIC_REDIST_BASE;
		reg[3] = (u64)d->nr_redist * 2 * SZ_64K;
		prop_reg(w, reg, 2);
	} else {
		prop_str(w, "compatible", "arm,gic-400");
		reg[0] = ARM_GIC_DIST_BASE;
		reg[1] = SZ_4K;
		reg[2] = ARM_GIC_CPU_BASE;
		reg[3] = 2 * SZ_4K;
		prop_reg(w, reg, 2);
	}
	if (d->irqchip == ARM_IRQCHIP_GICV3_ITS) {
		begin(w, "msi-controller@%llx",
		      (unsigned long long)ARM_GIC_ITS_BASE);
		prop_str(w, "compatible", "arm,gic-v3-its");
		prop_empty(w, "msi-controller");
		prop_u32(w, "#msi-cells", 1);
		prop_u32(w, "phandle", PHANDLE_MSI);
		prop_reg1(w, ARM_GIC_ITS_BASE, 2 * SZ_64K);
		end(w);
	} else if (d->irqchip == ARM_IRQCHIP_GICV2M) {
		begin(w, "v2m@%llx", (unsigned long long)ARM_GIC_V2M_BASE);
		prop_str(w, "compatible", "arm,gic-v2m-frame");
		prop_empty(w, "msi-controller");
		prop_u32(w, "phandle", PHANDLE_MSI);
		prop_reg1(w, ARM_GIC_V2M_BASE, ARM_GIC_V2M_SIZE);
		end(w);
	}
	end(w);
}

/*
 * interrupt-map is longer than prop_cells() takes: write it through a
 * placeholder.
 */
static void prop_big_cells(struct fdt_w *w, const char *name, const u32 *c,
			   int n)
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

static void fdt_pci_host(struct fdt_w *w, const struct arm_fdt_desc *d)
{
	u32 ranges[21], map[PCI_NR_SLOTS * 10], *m = map;
	u32 mask[] = { 0xf800, 0, 0, 7 };
	u32 bus_range[] = { 0, 0 };
	u32 msi_map[] = { 0, PHANDLE_MSI, 0, 0x10000 };
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

	/* INTA of slot n: SPI ARM_SPI_PCI_INTX + n, level-triggered. */
	for (slot = 0; slot < PCI_NR_SLOTS; slot++) {
		*m++ = slot << 11;		/* child unit address */
		*m++ = 0;
		*m++ = 0;
		*m++ = 1;			/* INTA */
		*m++ = PHANDLE_GIC;
		*m++ = 0;			/* GIC unit address */
		*m++ = 0;
		*m++ = GIC_SPI;
		*m++ = ARM_SPI_PCI_INTX + slot;
		*m++ = IRQ_TYPE_LEVEL_HIGH;
	}

	begin(w, "pci@%llx", (unsigned long long)d->ecam_base);
	prop_str(w, "compatible", "pci-host-ecam-generic");
	prop_str(w, "device_type", "pci");
	prop_u32(w, "#address-cells", 3);
	prop_u32(w, "#size-cells", 2);
	prop_u32(w, "#interrupt-cells", 1);
	prop_cells(w, "bus-range", bus_range, ARRAY_SIZE(bus_range));
	prop_reg1(w, d->ecam_base, d->ecam_size);
	prop_cells(w, "ranges", ranges, nr);
	prop_cells(w, "interrupt-map-mask", mask, ARRAY_SIZE(mask));
	prop_big_cells(w, "interrupt-map", map, m - map);
	/* Requester ID (bus 0: devfn) = ITS device ID. */
	if (d->irqchip == ARM_IRQCHIP_GICV3_ITS)
		prop_cells(w, "msi-map", msi_map, ARRAY_SIZE(msi_map));
	else if (d->irqchip == ARM_IRQCHIP_GICV2M)
		prop_u32(w, "msi-parent", PHANDLE_MSI);
	prop_empty(w, "dma-coherent");
	end(w);
}

static void fdt_platform(struct fdt_w *w, const struct arm_fdt_desc *d)
{
	static const char pl031[] = "arm,pl031\0arm,primecell";
	u32 uart_irq[] = { GIC_SPI, ARM_SPI_UART, IRQ_TYPE_LEVEL_HIGH };
	u32 rtc_irq[] = { GIC_SPI, ARM_SPI_RTC, IRQ_TYPE_LEVEL_HIGH };

	begin(w, "serial@%llx", (unsigned long long)ARM_UART_BASE);
	prop_str(w, "compatible", "ns16550a");
	prop_reg1(w, ARM_UART_BASE, ARM_UART_SIZE);
	prop_u32(w, "reg-shift", 0);
	prop_u32(w, "reg-io-width", 1);
	prop_u32(w, "clock-frequency", ARM_UART_CLOCK);
	prop_cells(w, "interrupts", uart_irq, ARRAY_SIZE(uart_irq));
	end(w);

	if (!d->rtc)
		return;
	begin(w, "apb-pclk");
	prop_str(w, "compatible", "fixed-clock");
	prop_u32(w, "#clock-cells", 0);
	prop_u32(w, "clock-frequency", ARM_APB_CLOCK);
	prop_str(w, "clock-output-names", "apb_pclk");
	prop_u32(w, "phandle", PHANDLE_APB_PCLK);
	end(w);

	begin(w, "rtc@%llx", (unsigned long long)ARM_RTC_BASE);
	prop_strs(w, "compatible", pl031, sizeof(pl031));
	prop_reg1(w, ARM_RTC_BASE, ARM_RTC_SIZE);
	prop_cells(w, "interrupts", rtc_irq, ARRAY_SIZE(rtc_irq));
	prop_u32(w, "clocks", PHANDLE_APB_PCLK);
	prop_str(w, "clock-names", "apb_pclk");
	end(w);
}

int arm_fdt_build(const struct arm_fdt_desc *d, void *buf, u32 size)
{
	struct fdt_w w = { .fdt = buf };

	if (d->irqchip == ARM_IRQCHIP_AUTO || !d->nr_cpus) {
		pr_err("device tree: no interrupt controller or no vCPU");
		return -EINVAL;
	}
	w_check(&w, fdt_create(buf, size));
	w_check(&w, fdt_finish_reservemap(buf));
	begin(&w, "%s", "");
	prop_str(&w, "compatible", "linux,dummy-virt");
	prop_u32(&w, "#address-cells", 2);
	prop_u32(&w, "#size-cells", 2);
	prop_u32(&w, "interrupt-parent", PHANDLE_GIC);

	fdt_chosen(&w, d);
	fdt_memory(&w, d);
	fdt_cpus(&w, d);
	fdt_timer_pmu(&w, d);
	fdt_gic(&w, d);
	fdt_pci_host(&w, d);
	fdt_platform(&w, d);

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
