// SPDX-License-Identifier: GPL-2.0
/*
 * x86 VM: interrupt controllers and timer, memory layout, platform devices.
 *
 * By default the irqchip is split (KVM_CAP_SPLIT_IRQCHIP, as QEMU does):
 * the local APICs stay in KVM (TSC-deadline timer, x2APIC, IPIs), while
 * the 8259 pair, the IOAPIC and the 8254 are lkvm devices (hw/i8259.c,
 * hw/ioapic.c, hw/i8254.c).  KVM's own PIC/IOAPIC/PIT
 * (KVM_CREATE_IRQCHIP, --irqchip kernel) sit on KVM's I/O buses, and
 * registering them makes the next memory-slot change and the VM's teardown
 * wait for SRCU grace periods: several milliseconds for a short-lived VM.
 *
 * Split wiring: ISA IRQ n (0-15) goes to PIC input n and IOAPIC pin n
 * (the MP table maps them 1:1), PCI INTx to IOAPIC pins 16-23.  IOAPIC
 * pins reach the local APICs as MSIs (KVM_SIGNAL_MSI); level-triggered
 * ones also keep an MSI route on GSI = pin so that KVM reports their EOIs
 * (KVM_EXIT_IOAPIC_EOI).  The PIC's INT reaches the boot vCPU as ExtINT:
 * its thread injects the vector with KVM_INTERRUPT when KVM says the vCPU
 * can take it (x86/kvm-cpu.c), and is kicked out of KVM_RUN when INT rises.
 */
#include <string.h>
#include <sys/ioctl.h>

#include "kvm/kvm.h"
#include "kvm/kvm-cpu.h"
#include "kvm/devices.h"
#include "kvm/i8254.h"
#include "kvm/i8259.h"
#include "kvm/ioapic.h"
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

/* ------------------------------------------------------- split irqchip */

static void ioapic_deliver(void *opaque, u64 addr, u32 data)
{
	struct kvm *kvm = opaque;
	struct kvm_msi msi = {
		.address_lo	= addr,
		.address_hi	= addr >> 32,
		.data		= data,
	};

	if (ioctl(kvm->vm_fd, KVM_SIGNAL_MSI, &msi) < 0)
		pr_warn_once("ioapic: KVM_SIGNAL_MSI: %s", strerror(errno));
}

static int ioapic_set_route(void *opaque, u32 pin, u64 addr, u32 data)
{
	struct kvm *kvm = opaque;

	if (!kvm->irq)
		return -ENODEV;
	return irq_set_msi_route(kvm, pin, addr, data, 0, false);
}

static int ioapic_commit(void *opaque)
{
	struct kvm *kvm = opaque;

	return kvm->irq ? irq_commit(kvm) : -ENODEV;
}

static const struct ioapic_ops ioapic_kvm_ops = {
	.deliver	= ioapic_deliver,
	.set_route	= ioapic_set_route,
	.commit		= ioapic_commit,
};

/*
 * The PIC's INT rose: the boot vCPU must come out of KVM_RUN to take the
 * vector (its thread checks INT before every KVM_RUN, so a vCPU that is
 * not running, or that raised INT itself, needs no kick).
 */
static void pic_output(void *opaque, bool level)
{
	struct kvm *kvm = opaque;
	struct kvm_cpu *bsp;

	if (!level)
		return;
	/* Device threads raise lines while vCPUs come and go. */
	pthread_mutex_lock(&kvm->arch.bsp_lock);
	bsp = kvm->arch.bsp;
	if (bsp && bsp->started && !atomic_load(&kvm->stop) &&
	    !pthread_equal(bsp->thread, pthread_self()))
		kvm_cpu__kick(bsp);
	pthread_mutex_unlock(&kvm->arch.bsp_lock);
}

static void pit_irq(void *opaque)
{
	struct kvm *kvm = opaque;

	kvm__irq_line(kvm, 0, 1);
	kvm__irq_line(kvm, 0, 0);
}

/* Which irqchip: --irqchip, the snapshot's, or split if the host can. */
static int choose_irqchip(struct kvm *kvm)
{
	const char *want = kvm->cfg.irqchip;
	bool can_split = kvm__check_extension(kvm, KVM_CAP_SPLIT_IRQCHIP);

	/* Snapshots made before the split irqchip name none: KVM's. */
	if (!want && kvm->restore_snap)
		want = "kernel";
	if (want && !strcmp(want, "kernel")) {
		kvm->arch.split_irqchip = false;
	} else if (want && strcmp(want, "split")) {
		pr_err("--irqchip %s: use split or kernel", want);
		return -EINVAL;
	} else if (can_split) {
		kvm->arch.split_irqchip = true;
	} else if (want) {
		pr_err("--irqchip split: this host's KVM lacks KVM_CAP_SPLIT_IRQCHIP");
		return -ENOSYS;
	} else {
		pr_info("KVM_CAP_SPLIT_IRQCHIP missing: using KVM's in-kernel "
			"PIC, IOAPIC and PIT");
		kvm->arch.split_irqchip = false;
	}
	/* What the VM runs with, for snapshots. */
	kvm->cfg.irqchip = kvm->arch.split_irqchip ? "split" : "kernel";
	return 0;
}

static int create_split_irqchip(struct kvm *kvm)
{
	struct kvm_enable_cap cap = {
		.cap	= KVM_CAP_SPLIT_IRQCHIP,
		.args	= { IOAPIC_NR_PINS },	/* GSIs 0-23: IOAPIC routes */
	};
	int nr = kvm->cfg.nrcpus > 0 ? kvm->cfg.nrcpus : 1;

	if (ioctl(kvm->vm_fd, KVM_ENABLE_CAP, &cap) < 0) {
		pr_err("KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP): %s",
		       strerror(errno));
		return -errno;
	}
	kvm->arch.pic = i8259__new(kvm, pic_output, kvm);
	/* The IOAPIC's ID is the one the MP table gives it. */
	kvm->arch.ioapic = ioapic__new(kvm, X86_IOAPIC_BASE, nr,
				       &ioapic_kvm_ops, kvm);
	if (!kvm->arch.pic || !kvm->arch.ioapic)
		return -ENOMEM;
	return 0;
}

/*
 * The PIT, PICs and IOAPIC join the device list last, after every device
 * that drives their lines: a restore then loads them after those devices
 * (whose restore may move lines) and they end up exactly as saved.  Their
 * memory lives until kvm__arch_exit(), after every device has stopped.
 */
static int add_split_devices(struct kvm *kvm)
{
	struct kvm_arch *a = &kvm->arch;

	a->pit = i8254__new(kvm, pit_irq, kvm);
	if (!a->pit)
		return -ENOMEM;
	kvm__add_device(kvm, i8254__device(a->pit));
	kvm__add_device(kvm, i8259__device(a->pic));
	kvm__add_device(kvm, ioapic__device(a->ioapic));
	return 0;
}

/* ------------------------------------------------------------------ */

int kvm__arch_init(struct kvm *kvm)
{
	u64 idmap = X86_IDENTITY_MAP_ADDR;
	int ret;

	pthread_mutex_init(&kvm->arch.bsp_lock, NULL);
	if (ioctl(kvm->vm_fd, KVM_SET_TSS_ADDR, X86_TSS_ADDR) < 0) {
		pr_err("KVM_SET_TSS_ADDR: %s", strerror(errno));
		return -errno;
	}
	if (kvm__check_extension(kvm, KVM_CAP_SET_IDENTITY_MAP_ADDR) &&
	    ioctl(kvm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap) < 0) {
		pr_err("KVM_SET_IDENTITY_MAP_ADDR: %s", strerror(errno));
		return -errno;
	}
	ret = choose_irqchip(kvm);
	if (ret)
		return ret;
	if (kvm->arch.split_irqchip)
		return create_split_irqchip(kvm);
	if (ioctl(kvm->vm_fd, KVM_CREATE_IRQCHIP) < 0) {
		pr_err("KVM_CREATE_IRQCHIP: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * KVM's in-kernel PIT (--irqchip kernel), for kernels (Linux calibrates
 * and checks its timer through it).  Flat binaries get none: on teardown
 * the PIT costs two SRCU grace periods (its IRQ ack and mask notifiers),
 * ~15 ms on some hosts, several times what such a guest runs for.  The
 * split irqchip's PIT is lkvm's own and costs nothing: every guest has it.
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
	struct kvm_arch *a = &kvm->arch;

	i8254__free(a->pit);
	i8259__free(a->pic);
	ioapic__free(a->ioapic);
	a->pit = NULL;
	a->pic = NULL;
	a->ioapic = NULL;
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

	if (kvm->arch.split_irqchip) {
		ret = add_split_devices(kvm);
		if (ret)
			return ret;
	}
	/* Restored: the PIT comes back with its state, the MP table is in
	 * the guest's memory already. */
	if (kvm->restore_snap)
		return 0;

	if (kvm->arch.boot_type == X86_BOOT_BZIMAGE64 && !kvm->arch.split_irqchip)
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

/*
 * The routes KVM starts with: ISA IRQs on the PICs and the IOAPIC.  With
 * the split irqchip there are none: KVM only takes MSI routes then, and
 * the IOAPIC adds its own (GSIs 0-23) when it needs them.
 */
int kvm__arch_irq_routing_init(struct kvm *kvm)
{
	u32 i;
	int ret = 0;

	if (kvm->arch.split_irqchip)
		return 0;
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

/* Split irqchip: lkvm's IOAPIC has no resampling irqfds; pci.c drives
 * INTx with kvm__irq_line(). */
bool kvm__arch_intx_irqfd(struct kvm *kvm)
{
	return !kvm->arch.split_irqchip;
}

int kvm__arch_irq_line(struct kvm *kvm, u32 irq, int level)
{
	struct kvm_irq_level l = { .irq = irq, .level = level };
	struct kvm_arch *a = &kvm->arch;

	if (a->split_irqchip) {
		if (irq >= IOAPIC_NR_PINS)
			return -EINVAL;
		if (irq < I8259_NR_IRQS)
			i8259__set_irq(a->pic, irq, level);
		ioapic__set_irq(a->ioapic, irq, level);
		return 0;
	}
	return ioctl(kvm->vm_fd, KVM_IRQ_LINE, &l) < 0 ? -errno : 0;
}
