// SPDX-License-Identifier: GPL-2.0
/* x86 VM: in-kernel irqchip and PIT, memory layout, platform devices. */
#include <string.h>
#include <sys/ioctl.h>

#include "kvm/kvm.h"
#include "kvm/kvm-cpu.h"
#include "kvm/mptable.h"
#include "kvm/serial.h"
#include "kvm/i8042.h"
#include "kvm/rtc.h"
#include "kvm/acpi-pm.h"
#include "kvm/irq.h"
#include "kvm/util.h"

const struct kvm_cap_req kvm_arch_caps[] = {
	{ KVM_CAP_IRQCHIP,		"KVM_CAP_IRQCHIP" },
	{ KVM_CAP_HLT,			"KVM_CAP_HLT" },
	{ KVM_CAP_SET_TSS_ADDR,		"KVM_CAP_SET_TSS_ADDR" },
	{ KVM_CAP_EXT_CPUID,		"KVM_CAP_EXT_CPUID" },
	{ KVM_CAP_PIT2,			"KVM_CAP_PIT2" },
	{ KVM_CAP_IRQ_ROUTING,		"KVM_CAP_IRQ_ROUTING" },
	{ KVM_CAP_IRQFD_RESAMPLE,	"KVM_CAP_IRQFD_RESAMPLE" },
	{ KVM_CAP_SIGNAL_MSI,		"KVM_CAP_SIGNAL_MSI" },
};
const int kvm_arch_nr_caps = ARRAY_SIZE(kvm_arch_caps);

int kvm__arch_init(struct kvm *kvm)
{
	u64 idmap = X86_IDENTITY_MAP_ADDR;

	if (ioctl(kvm->vm_fd, KVM_SET_TSS_ADDR, X86_TSS_ADDR) < 0) {
		pr_err("KVM_SET_TSS_ADDR: %s", strerror(errno));
		return -errno;
	}
	if (kvm__check_extension(kvm, KVM_CAP_SET_IDENTITY_MAP_ADDR) &&
	    ioctl(kvm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap) < 0) {
		pr_err("KVM_SET_IDENTITY_MAP_ADDR: %s", strerror(errno));
		return -errno;
	}
	if (ioctl(kvm->vm_fd, KVM_CREATE_IRQCHIP) < 0) {
		pr_err("KVM_CREATE_IRQCHIP: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * The in-kernel PIT, for kernels (Linux calibrates and checks its timer
 * through it).  Flat binaries get none: on teardown the PIT costs two
 * SRCU grace periods (its IRQ ack and mask notifiers), ~15 ms on some
 * hosts, several times what such a guest runs for.
 */
static int create_pit(struct kvm *kvm)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

	if (ioctl(kvm->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
		pr_err("KVM_CREATE_PIT2: %s", strerror(errno));
		return -errno;
	}
	kvm->arch.has_pit = true;
	return 0;
}

void kvm__arch_exit(struct kvm *kvm)
{
}

static void e820_add(struct kvm *kvm, u64 addr, u64 size, u32 type)
{
	struct kvm_arch *a = &kvm->arch;

	if (!size || a->nr_e820 >= X86_MAX_E820)
		return;
	a->e820[a->nr_e820++] = (struct e820_entry) { addr, size, type };
}

int kvm__arch_memory_layout(struct kvm *kvm)
{
	struct kvm_arch *a = &kvm->arch;
	int ret;

	if (kvm->ram_size < 2 * SZ_1M) {
		pr_err("-m: guest RAM must be at least 2 MiB");
		return -EINVAL;
	}
	a->lowmem_size = min_t(u64, kvm->ram_size, X86_LOWMEM_END);
	a->highmem_size = kvm->ram_size - a->lowmem_size;
	ret = kvm__register_mem(kvm, 0, a->lowmem_size, kvm->ram);
	if (!ret && a->highmem_size)
		ret = kvm__register_mem(kvm, X86_HIGHMEM_BASE, a->highmem_size,
					(u8 *)kvm->ram + a->lowmem_size);
	if (ret)
		return ret;
	a->mmio64_base = ALIGN_UP(X86_HIGHMEM_BASE + a->highmem_size, SZ_1G);

	a->nr_e820 = 0;
	e820_add(kvm, 0, EBDA_START, E820_RAM);
	e820_add(kvm, EBDA_START, 0x100000 - EBDA_START, E820_RESERVED);
	e820_add(kvm, 0x100000, a->lowmem_size - 0x100000, E820_RAM);
	e820_add(kvm, X86_PCI_ECAM_BASE, X86_PCI_ECAM_SIZE, E820_RESERVED);
	e820_add(kvm, X86_HIGHMEM_BASE, a->highmem_size, E820_RAM);
	return 0;
}

int kvm__arch_init_devices(struct kvm *kvm)
{
	struct term *con = kvm->cfg.console == CONSOLE_SERIAL ? kvm->term : NULL;
	int ret;

	if (!serial8250__init(kvm, &kvm->pio_bus, 0x3f8, 4, con, "ttyS0"))
		return -ENOMEM;
	ret = i8042__init(kvm);
	if (!ret)
		ret = rtc__init(kvm);
	if (!ret)
		ret = acpi_pm__init(kvm, X86_ACPI_PM_BASE);
	return ret;
}

int kvm__arch_finalize(struct kvm *kvm)
{
	int ret = 0;

	/* Restored: the PIT comes back with its state, the MP table is in
	 * the guest's memory already. */
	if (kvm->restore_snap)
		return 0;

	if (kvm->arch.boot_type == X86_BOOT_BZIMAGE64)
		ret = create_pit(kvm);
	return ret ? ret : mptable__setup(kvm);
}

/*
 * acpi=off: lkvm gives x86 guests an MP table, not ACPI tables.
 * pci=noearly: the early quirk scans (the AMD GART aperture search walks
 * 8192 config addresses through 0xCF8 on family 0Fh/10h CPUs) are
 * pointless on a one-bus virtual machine and cost seconds when exits are
 * slow (nested).  The PCI driver proper still scans the bus.
 */
const char *kvm__arch_default_cmdline(const struct kvm_config *cfg)
{
	if (cfg->console == CONSOLE_VIRTIO)
		return "console=hvc0 reboot=k panic=1 acpi=off pci=noearly "
		       "i8042.noaux=1 i8042.nopnp=1";
	return "console=ttyS0 reboot=k panic=1 acpi=off pci=noearly "
	       "i8042.noaux=1 i8042.nopnp=1";
}

/* The routes KVM starts with: ISA IRQs on the PICs and the IOAPIC. */
int kvm__arch_irq_routing_init(struct kvm *kvm)
{
	u32 i;
	int ret = 0;

	for (i = 0; i < 24 && !ret; i++) {
		if (i < 16)
			ret = irq_add_irqchip_route(kvm, i, i < 8 ?
				KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE,
				i % 8);
		if (!ret)
			ret = irq_add_irqchip_route(kvm, i, KVM_IRQCHIP_IOAPIC, i);
	}
	return ret;
}

u32 kvm__arch_msi_gsi_base(struct kvm *kvm)
{
	return 24;
}

void kvm__arch_pci_layout(struct kvm *kvm, struct pci_layout *l)
{
	*l = (struct pci_layout) {
		.ecam_base	= X86_PCI_ECAM_BASE,
		.ecam_size	= X86_PCI_ECAM_SIZE,
		.mmio32_base	= X86_PCI_MMIO32_BASE,
		.mmio32_size	= X86_PCI_MMIO32_SIZE,
		.mmio64_base	= kvm->arch.mmio64_base,
		.mmio64_size	= X86_PCI_MMIO64_SIZE,
		.io_base	= X86_PCI_IO_BASE,
		.io_size	= X86_PCI_IO_SIZE,
		.cf8		= true,
		/* No firmware and no ACPI: BARs come assigned, as from a BIOS. */
		.preassign	= true,
	};
}

/* PCI INTA# of slot n goes to IOAPIC pin 16 + n % 8 (see the MP table). */
u32 kvm__arch_pci_intx_gsi(struct kvm *kvm, u8 devfn)
{
	return 16 + ((devfn >> 3) & 7);
}

bool kvm__arch_msi_devid(struct kvm *kvm, u8 devfn, u32 *devid)
{
	return false;
}

int kvm__arch_irq_line(struct kvm *kvm, u32 irq, int level)
{
	struct kvm_irq_level l = { .irq = irq, .level = level };

	return ioctl(kvm->vm_fd, KVM_IRQ_LINE, &l) < 0 ? -errno : 0;
}
