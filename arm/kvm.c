// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 VM: vGIC, memory layout, platform devices (8250 UART, PL031 RTC,
 * GICv2m frame), kernel loading and the device tree.  The layout is in
 * include/kvm/kvm-arch.h.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <libfdt.h>

#include "kvm/kvm.h"
#include "kvm/kvm-cpu.h"
#include "kvm/arm-boot.h"
#include "kvm/arm-fdt.h"
#include "kvm/arm-pvtime.h"
#include "kvm/gic.h"
#include "kvm/image.h"
#include "kvm/irq.h"
#include "kvm/loader.h"
#include "kvm/pl031.h"
#include "kvm/serial.h"
#include "kvm/util.h"

#define KVM_DEFAULT_IPA_BITS	40

const struct kvm_cap_req kvm_arch_caps[] = {
	{ KVM_CAP_ONE_REG,		"KVM_CAP_ONE_REG" },
	{ KVM_CAP_ARM_PSCI_0_2,		"KVM_CAP_ARM_PSCI_0_2" },
	{ KVM_CAP_DEVICE_CTRL,		"KVM_CAP_DEVICE_CTRL" },
	{ KVM_CAP_IRQ_ROUTING,		"KVM_CAP_IRQ_ROUTING" },
	{ KVM_CAP_IRQFD_RESAMPLE,	"KVM_CAP_IRQFD_RESAMPLE" },
};
const int kvm_arch_nr_caps = ARRAY_SIZE(kvm_arch_caps);

int kvm__arch_init(struct kvm *kvm)
{
	struct kvm_arch *a = &kvm->arch;
	int chip = gic__parse(kvm->cfg.irqchip);

	if (chip < 0) {
		pr_err("--irqchip %s: use gicv2, gicv2m, gicv3 or gicv3-its",
		       kvm->cfg.irqchip);
		return -EINVAL;
	}
	/* --restore: the snapshot's interrupt controller, or nothing. */
	if (kvm->restore_snap) {
		enum arm_irqchip t;
		int ret = arm_snapshot_irqchip(kvm, &t);

		if (ret)
			return ret;
		if (gic__test_create(kvm, t)) {
			pr_err("--restore %s: the snapshot's VM has a %s interrupt "
			       "controller, which this host's KVM cannot create",
			       kvm->cfg.restore_dir, gic__name(t));
			return -ENODEV;
		}
		chip = t;
	}
	a->irqchip = chip;
	if (kvm->cfg.pmu && !kvm__check_extension(kvm, KVM_CAP_ARM_PMU_V3)) {
		pr_err("--pmu: this host's KVM has no PMUv3 for guests "
		       "(KVM_CAP_ARM_PMU_V3)");
		return -ENODEV;
	}
	a->pmu = kvm->cfg.pmu;
	a->ptrauth = kvm__check_extension(kvm, KVM_CAP_ARM_PTRAUTH_ADDRESS) &&
		     kvm__check_extension(kvm, KVM_CAP_ARM_PTRAUTH_GENERIC);
	return gic__create(kvm);
}

void kvm__arch_exit(struct kvm *kvm)
{
	gic__exit(kvm);
}

/*
 * Stolen time (kvm/arm-pvtime.h), unless --no-pvtime or the host's KVM has
 * none: then one line says so and the guest runs without it.
 */
static void pvtime_reserve(struct kvm *kvm)
{
	struct kvm_arch *a = &kvm->arch;
	struct arm_pvtime pv;

	a->pvtime_base = a->pvtime_size = 0;
	if (kvm->cfg.no_pvtime)
		return;
	if (!kvm__check_extension(kvm, KVM_CAP_STEAL_TIME)) {
		pr_warn("this host's KVM has no stolen time for guests "
			"(KVM_CAP_STEAL_TIME): the guest runs without PV time");
		return;
	}
	if (arm_pvtime_layout(ARM_RAM_BASE, kvm->ram_size, kvm->cfg.nrcpus,
			      &pv)) {
		pr_warn("-m %llu MiB: too little RAM for %d stolen-time records:"
			" the guest runs without PV time",
			(unsigned long long)(kvm->ram_size >> 20),
			kvm->cfg.nrcpus);
		return;
	}
	a->pvtime_base = pv.base;
	a->pvtime_size = pv.size;
}

int kvm__arch_memory_layout(struct kvm *kvm)
{
	struct kvm_arch *a = &kvm->arch;
	int ipa = kvm__check_extension(kvm, KVM_CAP_ARM_VM_IPA_SIZE);
	u64 ipa_end;
	int ret;

	if (kvm->ram_size > ARM_MAX_RAM) {
		pr_err("-m: arm64 guests have at most %llu GiB of RAM",
		       (unsigned long long)(ARM_MAX_RAM >> 30));
		return -EINVAL;
	}
	a->ram_end = ARM_RAM_BASE + kvm->ram_size;

	/* The VM was created with the default 40-bit IPA space. */
	ipa = ipa ? min_t(int, ipa, KVM_DEFAULT_IPA_BITS) : KVM_DEFAULT_IPA_BITS;
	ipa_end = 1ULL << ipa;
	if (a->ram_end > ipa_end) {
		pr_err("-m: RAM would end at 0x%llx, beyond this host's %d-bit "
		       "guest physical address space",
		       (unsigned long long)a->ram_end, ipa);
		return -EINVAL;
	}
	a->mmio64_size = ARM_PCI_MMIO64_BASE + ARM_PCI_MMIO64_SIZE <= ipa_end ?
			 ARM_PCI_MMIO64_SIZE : 0;
	ret = kvm__register_mem(kvm, ARM_RAM_BASE, kvm->ram_size, kvm->ram);
	if (ret)
		return ret;
	pvtime_reserve(kvm);
	return 0;
}

int kvm__arch_init_devices(struct kvm *kvm)
{
	struct term *con = kvm->cfg.console == CONSOLE_SERIAL ? kvm->term : NULL;

	if (!serial8250__init(kvm, &kvm->mmio_bus, ARM_UART_BASE, ARM_SPI_UART,
			      con, "ttyS0"))
		return -ENOMEM;
	if (!pl031__init(kvm, ARM_RTC_BASE, ARM_SPI_RTC))
		return -ENOMEM;
	if (kvm->arch.irqchip == ARM_IRQCHIP_GICV2M)
		return gic__v2m_init(kvm);
	return 0;
}

/* ------------------------------------------------------ kernel loading */

int kvm__arch_load_kernel(struct kvm *kvm)
{
	struct kvm_config *cfg = &kvm->cfg;
	struct kvm_arch *a = &kvm->arch;
	struct arm64_image img;
	const char *why;
	const void *kbuf, *ibuf = NULL;
	u64 klen, ilen = 0;
	size_t cmdlen = strlen(cfg->cmdline);
	int ret;

	ret = loader_map_kernel(cfg->kernel, kvm->ram_size, &kbuf, &klen);
	if (ret)
		return ret;
	if (arm64_image_parse(kbuf, klen, &img, &why)) {
		pr_err("-k %s: %s", cfg->kernel, why);
		ret = -EINVAL;
		goto out;
	}
	if (cmdlen >= ARM64_CMDLINE_MAX) {
		pr_err("-p: command line is %zu bytes, arm64 kernels take at "
		       "most %d", cmdlen, ARM64_CMDLINE_MAX - 1);
		ret = -E2BIG;
		goto out;
	}
	ret = loader_map_initrd(cfg->initrd, kvm->ram_size, &ibuf, &ilen);
	if (ret)
		goto out;
	ret = arm64_boot_place(&img, ARM_RAM_BASE, a->pvtime_size ?
			       a->pvtime_base : a->ram_end, ilen, &a->boot,
			       &why);
	if (ret) {
		image_place_error(kvm->ram_size, why, img.image_size, ilen);
		goto out;
	}
	memcpy(guest_ptr(kvm, a->boot.kernel_addr, klen), kbuf, klen);
	if (ilen)
		memcpy(guest_ptr(kvm, a->boot.initrd_addr, ilen), ibuf, ilen);
	pr_info("arm64 Image: %llu KiB at 0x%llx (text_offset 0x%llx, %llu KiB "
		"in RAM), initrd %llu KiB at 0x%llx, device tree at 0x%llx",
		(unsigned long long)klen >> 10,
		(unsigned long long)a->boot.kernel_addr,
		(unsigned long long)img.text_offset,
		(unsigned long long)img.image_size >> 10,
		(unsigned long long)ilen >> 10,
		(unsigned long long)a->boot.initrd_addr,
		(unsigned long long)a->boot.dtb_addr);
out:
	unmap_file(kbuf, klen);
	unmap_file(ibuf, ilen);
	return ret;
}

/* -------------------------------------------------------- finalizing */

static int vcpu_set_attr(struct kvm_cpu *vcpu, u32 group, u64 attr,
			 const void *val)
{
	struct kvm_device_attr a = {
		.group	= group,
		.attr	= attr,
		.addr	= (u64)(unsigned long)val,
	};

	return ioctl(vcpu->fd, KVM_SET_DEVICE_ATTR, &a) < 0 ? -errno : 0;
}

/* PMU overflow interrupt and init: only once the vGIC is initialised. */
static int pmu_init(struct kvm *kvm)
{
	int irq = 16 + ARM_PPI_PMU, i, ret;

	for (i = 0; i < kvm->nr_cpus && kvm->arch.pmu; i++) {
		struct kvm_cpu *vcpu = kvm->cpus[i];

		ret = vcpu_set_attr(vcpu, KVM_ARM_VCPU_PMU_V3_CTRL,
				    KVM_ARM_VCPU_PMU_V3_IRQ, &irq);
		if (!ret)
			ret = vcpu_set_attr(vcpu, KVM_ARM_VCPU_PMU_V3_CTRL,
					    KVM_ARM_VCPU_PMU_V3_INIT, NULL);
		if (ret) {
			pr_err("vCPU %d: --pmu: PMUv3 setup: %s", i,
			       strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/*
 * Each vCPU's stolen-time record, before it first runs.  A host whose vCPUs
 * lack the PVTIME_IPA attribute gets no reservation in the device tree
 * (built after this) and one line.
 */
static int pvtime_init(struct kvm *kvm)
{
	struct kvm_arch *a = &kvm->arch;
	struct arm_pvtime pv = { a->pvtime_base, a->pvtime_size };
	struct kvm_device_attr attr = {
		.group	= KVM_ARM_VCPU_PVTIME_CTRL,
		.attr	= KVM_ARM_VCPU_PVTIME_IPA,
	};
	int i, ret;

	if (!a->pvtime_size)
		return 0;
	if (ioctl(kvm->cpus[0]->fd, KVM_HAS_DEVICE_ATTR, &attr)) {
		pr_warn("this host's KVM has no KVM_ARM_VCPU_PVTIME_IPA: the "
			"guest runs without PV time");
		a->pvtime_base = a->pvtime_size = 0;
		return 0;
	}
	for (i = 0; i < kvm->nr_cpus; i++) {
		u64 ipa = arm_pvtime_record(&pv, i);

		ret = vcpu_set_attr(kvm->cpus[i], KVM_ARM_VCPU_PVTIME_CTRL,
				    KVM_ARM_VCPU_PVTIME_IPA, &ipa);
		if (ret) {
			pr_err("vCPU %d: stolen time at 0x%llx: %s (--no-pvtime "
			       "to do without)", i, (unsigned long long)ipa,
			       strerror(-ret));
			return ret;
		}
		pr_info("vCPU %d: stolen time record at 0x%llx", i,
			(unsigned long long)ipa);
	}
	return 0;
}

static void fdt_describe(struct kvm *kvm, struct arm_fdt_desc *d, u64 *mpidr)
{
	struct kvm_arch *a = &kvm->arch;
	int i;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < kvm->nr_cpus; i++)
		mpidr[i] = kvm->cpus[i]->arch.mpidr;
	d->ram_base = ARM_RAM_BASE;
	d->ram_size = kvm->ram_size;
	d->nr_cpus = kvm->nr_cpus;
	d->mpidr = mpidr;
	d->psci_version = a->psci_version;
	d->pmu = a->pmu;
	d->irqchip = a->irqchip;
	d->nr_redist = kvm->nr_cpus;
	d->pci = (struct dt_pci_host) {
		.ecam_base	= ARM_PCI_ECAM_BASE,
		.ecam_size	= ARM_PCI_ECAM_SIZE,
		.io_cpu_base	= ARM_PCI_IO_BASE,
		.io_size	= ARM_PCI_IO_SIZE,
		.mmio32_base	= ARM_PCI_MMIO32_BASE,
		.mmio32_size	= ARM_PCI_MMIO32_SIZE,
		.mmio64_base	= ARM_PCI_MMIO64_BASE,
		.mmio64_size	= a->mmio64_size,
	};
	d->rtc = true;
	d->chosen.serial_console = kvm->cfg.console == CONSOLE_SERIAL;
	d->chosen.bootargs = kvm->cfg.cmdline;
	d->chosen.initrd_start = a->boot.initrd_addr;
	d->chosen.initrd_size = a->boot.initrd_size;
	d->pvtime_base = a->pvtime_base;
	d->pvtime_size = a->pvtime_size;
	/* Seeds for KASLR and the guest's RNG: best effort. */
	if (!dt_chosen_seeds(&d->chosen))
		pr_warn("getrandom: %s: the guest gets no KASLR/RNG seed",
			strerror(errno));
}

static int setup_fdt(struct kvm *kvm)
{
	struct arm_fdt_desc d;
	u64 *mpidr = calloc(max_t(u32, kvm->nr_cpus, 1), sizeof(*mpidr));
	void *fdt = malloc(ARM64_DTB_MAX_SIZE);
	u32 size;
	int ret = -ENOMEM;

	if (!mpidr || !fdt)
		goto out;
	fdt_describe(kvm, &d, mpidr);
	ret = arm_fdt_build(&d, fdt, ARM64_DTB_MAX_SIZE);
	if (ret)
		goto out;
	size = fdt_totalsize(fdt);
	/* (On --restore the guest's memory already holds its tree.) */
	if (!kvm->restore_snap)
		memcpy(guest_ptr(kvm, kvm->arch.boot.dtb_addr, size), fdt, size);
	if (kvm->cfg.dump_dtb)
		ret = dt_dump(kvm->cfg.dump_dtb, fdt);
out:
	free(fdt);
	free(mpidr);
	return ret;
}

int kvm__arch_finalize(struct kvm *kvm)
{
	int ret = gic__init(kvm);

	if (!ret)
		ret = pmu_init(kvm);
	/* (--restore sets the snapshot's records: kvm__arch_restore.) */
	if (!ret && !kvm->restore_snap)
		ret = pvtime_init(kvm);
	return ret ? ret : setup_fdt(kvm);
}

/*
 * earlycon: the UART at /chosen/stdout-path prints from the first
 * instructions (warnings only with "quiet").
 */
const char *kvm__arch_default_cmdline(const struct kvm_config *cfg)
{
	if (cfg->console == CONSOLE_VIRTIO)
		return "console=hvc0 panic=1";
	return "console=ttyS0 earlycon panic=1";
}

/* ---------------------------------------------------------- interrupts */

/* lkvm's routing table replaces KVM's: keep the INTx lines in it. */
int kvm__arch_irq_routing_init(struct kvm *kvm)
{
	u32 slot;
	int ret = 0;

	for (slot = 0; slot < 32 && !ret; slot++)
		ret = irq_add_irqchip_route(kvm, ARM_SPI_PCI_INTX + slot, 0,
					    ARM_SPI_PCI_INTX + slot);
	return ret;
}

u32 kvm__arch_msi_gsi_base(struct kvm *kvm)
{
	return ARM_MSI_GSI_BASE;
}

/* GICv2m: an MSI to the doorbell is really a wired SPI. */
bool kvm__arch_msi_to_irqchip(struct kvm *kvm, u64 addr, u32 data,
			      u32 *irqchip, u32 *pin)
{
	u32 spi;

	if (!gic__v2m_msi_spi(kvm, addr, data, &spi))
		return false;
	*irqchip = 0;
	*pin = spi;
	return true;
}

void kvm__arch_pci_layout(struct kvm *kvm, struct pci_layout *l)
{
	*l = (struct pci_layout) {
		.ecam_base	= ARM_PCI_ECAM_BASE,
		.ecam_size	= ARM_PCI_ECAM_SIZE,
		.mmio32_base	= ARM_PCI_MMIO32_BASE,
		.mmio32_size	= ARM_PCI_MMIO32_SIZE,
		.mmio64_base	= ARM_PCI_MMIO64_BASE,
		.mmio64_size	= kvm->arch.mmio64_size,
		.io_base	= 0,
		.io_size	= ARM_PCI_IO_SIZE,
		.io_mmio_base	= ARM_PCI_IO_BASE,
		.cf8		= false,
		/* Linux assigns BARs from the device tree's windows. */
		.preassign	= false,
	};
}

u32 kvm__arch_pci_intx_gsi(struct kvm *kvm, u8 devfn)
{
	return ARM_SPI_PCI_INTX + (devfn >> 3);
}

/* The ITS identifies a PCI function by its requester ID: bus 0, devfn. */
bool kvm__arch_msi_devid(struct kvm *kvm, u8 devfn, u32 *devid)
{
	if (kvm->arch.irqchip != ARM_IRQCHIP_GICV3_ITS)
		return false;
	*devid = devfn;
	return true;
}

/* @irq is an SPI number (GIC INTID - 32). */
int kvm__arch_irq_line(struct kvm *kvm, u32 irq, int level)
{
	struct kvm_irq_level l = {
		.irq	= (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) |
			  ((irq + 32) & KVM_ARM_IRQ_NUM_MASK),
		.level	= level,
	};

	if (kvm->vm_fd < 0)
		return -EBADF;
	return ioctl(kvm->vm_fd, KVM_IRQ_LINE, &l) < 0 ? -errno : 0;
}
