// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 guest's device tree.  Bindings followed (Documentation/
 * devicetree/bindings): cpus and psci (enable-method "psci", reg = MPIDR
 * affinity), arm,armv8-timer, arm,armv8-pmuv3, arm,gic-v3 (+ arm,gic-v3-its)
 * and arm,gic-400 (+ arm,gic-v2m-frame), arm,pl031 with its apb_pclk; and,
 * from fdt.c, pci-host-ecam-generic, ns16550a, /memory, /reserved-memory
 * (the stolen-time records) and /chosen.
 */
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

static void fdt_cpus(struct dt_writer *w, const struct arm_fdt_desc *d)
{
	static const char psci10[] = "arm,psci-1.0\0arm,psci-0.2";
	u32 i;

	dt_begin(w, "cpus");
	dt_prop_u32(w, "#address-cells", 1);
	dt_prop_u32(w, "#size-cells", 0);
	for (i = 0; i < d->nr_cpus; i++) {
		/* Aff2.Aff1.Aff0; KVM never sets Aff3 */
		u32 reg = d->mpidr[i] & 0xffffff;

		dt_begin(w, "cpu@%x", reg);
		dt_prop_str(w, "device_type", "cpu");
		dt_prop_str(w, "compatible", "arm,arm-v8");
		dt_prop_str(w, "enable-method", "psci");
		dt_prop_u32(w, "reg", reg);
		dt_end(w);
	}
	dt_end(w);

	dt_begin(w, "psci");
	if (d->psci_version >= 0x10000)
		dt_prop(w, "compatible", psci10, sizeof(psci10));
	else
		dt_prop_str(w, "compatible", "arm,psci-0.2");
	dt_prop_str(w, "method", "hvc");
	dt_end(w);
}

static void fdt_timer_pmu(struct dt_writer *w, const struct arm_fdt_desc *d)
{
	u32 lvl = ppi_flags(d, IRQ_TYPE_LEVEL_HIGH);
	u32 timer[] = {
		GIC_PPI, ARM_PPI_SEC_TIMER, lvl,
		GIC_PPI, ARM_PPI_PHYS_TIMER, lvl,
		GIC_PPI, ARM_PPI_VIRT_TIMER, lvl,
		GIC_PPI, ARM_PPI_HYP_TIMER, lvl,
	};
	u32 pmu[] = { GIC_PPI, ARM_PPI_PMU, lvl };

	dt_begin(w, "timer");
	dt_prop_str(w, "compatible", "arm,armv8-timer");
	dt_prop_cells(w, "interrupts", timer, ARRAY_SIZE(timer));
	dt_prop_empty(w, "always-on");
	dt_end(w);

	if (!d->pmu)
		return;
	dt_begin(w, "pmu");
	dt_prop_str(w, "compatible", "arm,armv8-pmuv3");
	dt_prop_cells(w, "interrupts", pmu, ARRAY_SIZE(pmu));
	dt_end(w);
}

static void fdt_gic(struct dt_writer *w, const struct arm_fdt_desc *d)
{
	u64 reg[4];

	dt_begin(w, "intc@%llx", (unsigned long long)ARM_GIC_DIST_BASE);
	dt_prop_u32(w, "phandle", PHANDLE_GIC);
	dt_prop_u32(w, "#interrupt-cells", 3);
	dt_prop_empty(w, "interrupt-controller");
	/* Room for the MSI frame below, at the same addresses. */
	dt_prop_u32(w, "#address-cells", 2);
	dt_prop_u32(w, "#size-cells", 2);
	dt_prop_empty(w, "ranges");
	if (gic_v3(d)) {
		dt_prop_str(w, "compatible", "arm,gic-v3");
		reg[0] = ARM_GIC_DIST_BASE;
		reg[1] = SZ_64K;
		reg[2] = ARM_GIC_REDIST_BASE;
		reg[3] = (u64)d->nr_redist * 2 * SZ_64K;
		dt_prop_regs(w, reg, 2);
	} else {
		dt_prop_str(w, "compatible", "arm,gic-400");
		reg[0] = ARM_GIC_DIST_BASE;
		reg[1] = SZ_4K;
		reg[2] = ARM_GIC_CPU_BASE;
		reg[3] = 2 * SZ_4K;
		dt_prop_regs(w, reg, 2);
	}
	if (d->irqchip == ARM_IRQCHIP_GICV3_ITS) {
		dt_begin(w, "msi-controller@%llx",
			 (unsigned long long)ARM_GIC_ITS_BASE);
		dt_prop_str(w, "compatible", "arm,gic-v3-its");
		dt_prop_empty(w, "msi-controller");
		dt_prop_u32(w, "#msi-cells", 1);
		dt_prop_u32(w, "phandle", PHANDLE_MSI);
		dt_prop_reg(w, ARM_GIC_ITS_BASE, 2 * SZ_64K);
		dt_end(w);
	} else if (d->irqchip == ARM_IRQCHIP_GICV2M) {
		dt_begin(w, "v2m@%llx", (unsigned long long)ARM_GIC_V2M_BASE);
		dt_prop_str(w, "compatible", "arm,gic-v2m-frame");
		dt_prop_empty(w, "msi-controller");
		dt_prop_u32(w, "phandle", PHANDLE_MSI);
		dt_prop_reg(w, ARM_GIC_V2M_BASE, ARM_GIC_V2M_SIZE);
		dt_end(w);
	}
	dt_end(w);
}

/*
 * INTA of slot n: SPI ARM_SPI_PCI_INTX + n, level-triggered.  MSIs: the
 * ITS takes the requester ID (bus 0: devfn) as device ID; a GICv2m frame
 * is the msi-parent.
 */
static void fdt_pci_host(struct dt_writer *w, const struct arm_fdt_desc *d)
{
	struct dt_pci_irqs irqs = {
		.inta = { PHANDLE_GIC, 3,
			  { GIC_SPI, ARM_SPI_PCI_INTX, IRQ_TYPE_LEVEL_HIGH } },
		.inta_cell = 1,
		.parent_addr_cells = 2,
	};

	if (d->irqchip == ARM_IRQCHIP_GICV3_ITS)
		irqs.msi_map = PHANDLE_MSI;
	else if (d->irqchip == ARM_IRQCHIP_GICV2M)
		irqs.msi_parent = PHANDLE_MSI;
	dt_pci_host(w, &d->pci, &irqs);
}

static void fdt_platform(struct dt_writer *w, const struct arm_fdt_desc *d)
{
	static const char pl031[] = "arm,pl031\0arm,primecell";
	struct dt_irq uart_irq = {
		0, 3, { GIC_SPI, ARM_SPI_UART, IRQ_TYPE_LEVEL_HIGH }
	};
	u32 rtc_irq[] = { GIC_SPI, ARM_SPI_RTC, IRQ_TYPE_LEVEL_HIGH };

	dt_serial(w, ARM_UART_BASE, ARM_UART_SIZE, ARM_UART_CLOCK, &uart_irq);
	if (!d->rtc)
		return;
	dt_begin(w, "apb-pclk");
	dt_prop_str(w, "compatible", "fixed-clock");
	dt_prop_u32(w, "#clock-cells", 0);
	dt_prop_u32(w, "clock-frequency", ARM_APB_CLOCK);
	dt_prop_str(w, "clock-output-names", "apb_pclk");
	dt_prop_u32(w, "phandle", PHANDLE_APB_PCLK);
	dt_end(w);

	dt_begin(w, "rtc@%llx", (unsigned long long)ARM_RTC_BASE);
	dt_prop(w, "compatible", pl031, sizeof(pl031));
	dt_prop_reg(w, ARM_RTC_BASE, ARM_RTC_SIZE);
	dt_prop_cells(w, "interrupts", rtc_irq, ARRAY_SIZE(rtc_irq));
	dt_prop_u32(w, "clocks", PHANDLE_APB_PCLK);
	dt_prop_str(w, "clock-names", "apb_pclk");
	dt_end(w);
}

int arm_fdt_build(const struct arm_fdt_desc *d, void *buf, u32 size)
{
	struct dt_writer w;

	if (d->irqchip == ARM_IRQCHIP_AUTO || !d->nr_cpus) {
		pr_err("device tree: no interrupt controller or no vCPU");
		return -EINVAL;
	}
	dt_start(&w, buf, size);
	dt_prop_str(&w, "compatible", "linux,dummy-virt");
	dt_prop_u32(&w, "#address-cells", 2);
	dt_prop_u32(&w, "#size-cells", 2);
	dt_prop_u32(&w, "interrupt-parent", PHANDLE_GIC);

	dt_chosen(&w, &d->chosen, ARM_UART_BASE);
	dt_memory(&w, d->ram_base, d->ram_size);
	/* Stolen-time records. */
	if (d->pvtime_size)
		dt_reserved_memory(&w, "pvtime", d->pvtime_base,
				   d->pvtime_size);
	fdt_cpus(&w, d);
	fdt_timer_pmu(&w, d);
	fdt_gic(&w, d);
	fdt_pci_host(&w, d);
	fdt_platform(&w, d);
	return dt_finish(&w);
}
