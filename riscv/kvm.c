// SPDX-License-Identifier: GPL-2.0
/*
 * riscv64 VM: memory layout, platform devices (the PLIC, emulated here,
 * and an 8250 UART), kernel loading and the device tree.  The layout is
 * in include/kvm/kvm-arch.h.
 *
 * Interrupts: Linux 6.1 hosts have no in-kernel interrupt controller for
 * RISC-V guests (no KVM AIA), so lkvm's PLIC drives each hart's
 * supervisor external interrupt with KVM_INTERRUPT, and interrupt lines
 * (UART, PCI INTx) go to the PLIC from user space: no irqfds.  Newer
 * hosts' in-kernel AIA (KVM_DEV_TYPE_RISCV_AIA) is not used.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <libfdt.h>

#include "kvm/kvm.h"
#include "kvm/kvm-cpu.h"
#include "kvm/image.h"
#include "kvm/irq.h"
#include "kvm/loader.h"
#include "kvm/plic.h"
#include "kvm/riscv-boot.h"
#include "kvm/riscv-fdt.h"
#include "kvm/riscv-isa.h"
#include "kvm/serial.h"
#include "kvm/util.h"

#define RISCV_DEFAULT_GPA_BITS	41	/* Sv39x4, the smallest G-stage mode */

const struct kvm_cap_req kvm_arch_caps[] = {
	{ KVM_CAP_ONE_REG,		"KVM_CAP_ONE_REG" },
	{ KVM_CAP_MP_STATE,		"KVM_CAP_MP_STATE" },
};
const int kvm_arch_nr_caps = ARRAY_SIZE(kvm_arch_caps);

int kvm__arch_init(struct kvm *kvm)
{
	int bits = kvm__check_extension(kvm, KVM_CAP_VM_GPA_BITS);

	kvm->arch.gpa_bits = bits > 0 ? bits : RISCV_DEFAULT_GPA_BITS;
	/* Newer hosts' in-kernel AIA (KVM_CAP_IRQCHIP on riscv) is unused. */
	if (kvm__check_extension(kvm, KVM_CAP_IRQCHIP))
		pr_info("this host's KVM offers an in-kernel AIA; lkvm gives "
			"the guest its own PLIC instead");
	return 0;
}

void kvm__arch_exit(struct kvm *kvm)
{
}

int kvm__arch_memory_layout(struct kvm *kvm)
{
	struct kvm_arch *a = &kvm->arch;
	u64 gpa_end = a->gpa_bits >= 64 ? ~0ULL : 1ULL << a->gpa_bits;

	if (kvm->ram_size > RISCV_MAX_RAM) {
		pr_err("-m: riscv64 guests have at most %llu GiB of RAM",
		       (unsigned long long)(RISCV_MAX_RAM >> 30));
		return -EINVAL;
	}
	a->ram_end = RISCV_RAM_BASE + kvm->ram_size;
	if (a->ram_end > gpa_end) {
		pr_err("-m: RAM would end at 0x%llx, beyond this host's %u-bit "
		       "guest physical address space",
		       (unsigned long long)a->ram_end, a->gpa_bits);
		return -EINVAL;
	}
	a->mmio64_size = RISCV_PCI_MMIO64_BASE + RISCV_PCI_MMIO64_SIZE <= gpa_end ?
			 RISCV_PCI_MMIO64_SIZE : 0;
	return kvm__register_mem(kvm, RISCV_RAM_BASE, kvm->ram_size, kvm->ram);
}

/* The PLIC's context @ctx is hart @ctx's supervisor external interrupt. */
static void plic_output(void *opaque, u32 ctx, bool level)
{
	struct kvm *kvm = opaque;
	struct kvm_interrupt irq = {
		.irq = level ? KVM_INTERRUPT_SET : KVM_INTERRUPT_UNSET,
	};

	/* Before the vCPUs exist: plic__resync() in finalize. */
	if (!kvm->cpus || ctx >= (u32)kvm->nr_cpus || !kvm->cpus[ctx])
		return;
	if (ioctl(kvm->cpus[ctx]->fd, KVM_INTERRUPT, &irq) < 0)
		pr_warn_once("vCPU %u: KVM_INTERRUPT %s: %s", ctx,
			     level ? "set" : "unset", strerror(errno));
}

int kvm__arch_init_devices(struct kvm *kvm)
{
	struct term *con = kvm->cfg.console == CONSOLE_SERIAL ? kvm->term : NULL;
	u64 size = PLIC_MMIO_SIZE(kvm->cfg.nrcpus);

	if (size > RISCV_PLIC_SIZE) {
		pr_err("-c %d: the PLIC window holds contexts for at most %llu "
		       "vCPUs", kvm->cfg.nrcpus,
		       (unsigned long long)((RISCV_PLIC_SIZE - PLIC_CONTEXT_BASE) /
					    PLIC_CONTEXT_STRIDE));
		return -EINVAL;
	}
	kvm->arch.plic = plic__init(kvm, &kvm->mmio_bus, RISCV_PLIC_BASE,
				    RISCV_PLIC_NR_SOURCES, kvm->cfg.nrcpus,
				    plic_output, kvm, "plic");
	if (!kvm->arch.plic)
		return -ENOMEM;
	if (!serial8250__init(kvm, &kvm->mmio_bus, RISCV_UART_BASE,
			      RISCV_IRQ_UART, con, "ttyS0"))
		return -ENOMEM;
	return 0;
}

/* ------------------------------------------------------ kernel loading */

int kvm__arch_load_kernel(struct kvm *kvm)
{
	struct kvm_config *cfg = &kvm->cfg;
	struct kvm_arch *a = &kvm->arch;
	struct riscv_image img;
	const char *why;
	const void *kbuf, *ibuf = NULL;
	u64 klen, ilen = 0;
	size_t cmdlen = strlen(cfg->cmdline);
	int ret;

	ret = loader_map_kernel(cfg->kernel, kvm->ram_size, &kbuf, &klen);
	if (ret)
		return ret;
	if (riscv_image_parse(kbuf, klen, &img, &why)) {
		pr_err("-k %s: %s", cfg->kernel, why);
		ret = -EINVAL;
		goto out;
	}
	if (cmdlen >= RISCV_CMDLINE_MAX) {
		pr_err("-p: command line is %zu bytes, riscv64 kernels take at "
		       "most %d", cmdlen, RISCV_CMDLINE_MAX - 1);
		ret = -E2BIG;
		goto out;
	}
	ret = loader_map_initrd(cfg->initrd, kvm->ram_size, &ibuf, &ilen);
	if (ret)
		goto out;
	ret = riscv_boot_place(&img, RISCV_RAM_BASE, a->ram_end, ilen,
			       &a->boot, &why);
	if (ret) {
		image_place_error(kvm->ram_size, why, img.image_size, ilen);
		goto out;
	}
	memcpy(guest_ptr(kvm, a->boot.kernel_addr, klen), kbuf, klen);
	if (ilen)
		memcpy(guest_ptr(kvm, a->boot.initrd_addr, ilen), ibuf, ilen);
	pr_info("riscv64 Image: %llu KiB at 0x%llx (%llu KiB in RAM), initrd "
		"%llu KiB at 0x%llx, device tree at 0x%llx",
		(unsigned long long)klen >> 10,
		(unsigned long long)a->boot.kernel_addr,
		(unsigned long long)img.image_size >> 10,
		(unsigned long long)ilen >> 10,
		(unsigned long long)a->boot.initrd_addr,
		(unsigned long long)a->boot.dtb_addr);
out:
	unmap_file(kbuf, klen);
	unmap_file(ibuf, ilen);
	return ret;
}

/* -------------------------------------------------------- device tree */

/*
 * The MMU modes a hart has: KVM's config satp_mode on newer hosts, else
 * what the host's own harts report (the guest's VS-stage is the same
 * hardware).
 */
static const char *mmu_type(struct kvm_cpu *vcpu)
{
	static const char * const modes[] = {
		[8] = "riscv,sv39", [9] = "riscv,sv48", [10] = "riscv,sv57",
	};
	char line[256];
	const char *t = NULL;
	FILE *f;

	if (vcpu->arch.satp_mode < ARRAY_SIZE(modes) &&
	    modes[vcpu->arch.satp_mode])
		return modes[vcpu->arch.satp_mode];
	f = fopen("/proc/cpuinfo", "r");
	while (f && !t && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "mmu", 3))
			continue;
		if (strstr(line, "sv57"))
			t = "riscv,sv57";
		else if (strstr(line, "sv48"))
			t = "riscv,sv48";
		else if (strstr(line, "sv39"))
			t = "riscv,sv39";
	}
	if (f)
		fclose(f);
	return t ? t : "riscv,sv39";
}

struct fdt_strings {
	char	isa[1024];
	char	ext[1024];
	int	ext_len;
};

static int fdt_describe(struct kvm *kvm, struct riscv_fdt_desc *d,
			struct riscv_fdt_cpu *cpus, struct fdt_strings *str)
{
	struct kvm_arch *a = &kvm->arch;
	int i;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < kvm->nr_cpus; i++) {
		struct kvm_cpu_arch *c = &kvm->cpus[i]->arch;
		struct fdt_strings *s = &str[i];

		if (riscv_isa_string(c->isa, c->ext, s->isa, sizeof(s->isa)) < 0)
			return -ENOSPC;
		s->ext_len = riscv_isa_ext_list(c->isa, c->ext, s->ext,
						sizeof(s->ext));
		if (s->ext_len < 0)
			return -ENOSPC;
		cpus[i] = (struct riscv_fdt_cpu) {
			.hartid		= kvm->cpus[i]->id,
			.isa		= s->isa,
			.isa_ext	= s->ext,
			.isa_ext_len	= s->ext_len,
			.mmu		= mmu_type(kvm->cpus[i]),
			.cbom_block	= c->cbom_block,
			.cboz_block	= c->cboz_block,
		};
	}
	d->ram_base = RISCV_RAM_BASE;
	d->ram_size = kvm->ram_size;
	d->nr_cpus = kvm->nr_cpus;
	d->cpus = cpus;
	d->timebase = kvm->cpus[0]->arch.timebase;
	d->plic_base = RISCV_PLIC_BASE;
	d->plic_size = PLIC_MMIO_SIZE(kvm->nr_cpus);
	d->plic_ndev = RISCV_PLIC_NR_SOURCES - 1;
	d->pci = (struct dt_pci_host) {
		.ecam_base	= RISCV_PCI_ECAM_BASE,
		.ecam_size	= RISCV_PCI_ECAM_SIZE,
		.io_cpu_base	= RISCV_PCI_IO_BASE,
		.io_size	= RISCV_PCI_IO_SIZE,
		.mmio32_base	= RISCV_PCI_MMIO32_BASE,
		.mmio32_size	= RISCV_PCI_MMIO32_SIZE,
		.mmio64_base	= RISCV_PCI_MMIO64_BASE,
		.mmio64_size	= a->mmio64_size,
	};
	d->pci_irq = RISCV_IRQ_PCI_INTX;
	d->uart_base = RISCV_UART_BASE;
	d->uart_irq = RISCV_IRQ_UART;
	d->chosen.serial_console = kvm->cfg.console == CONSOLE_SERIAL;
	d->chosen.bootargs = kvm->cfg.cmdline;
	d->chosen.initrd_start = a->boot.initrd_addr;
	d->chosen.initrd_size = a->boot.initrd_size;
	/* Seeds for the guest's RNG (and KASLR on kernels that have it). */
	if (!dt_chosen_seeds(&d->chosen))
		pr_warn("getrandom: %s: the guest gets no RNG seed",
			strerror(errno));
	return 0;
}

static int setup_fdt(struct kvm *kvm)
{
	struct riscv_fdt_desc d;
	struct riscv_fdt_cpu *cpus = calloc(kvm->nr_cpus, sizeof(*cpus));
	struct fdt_strings *str = calloc(kvm->nr_cpus, sizeof(*str));
	void *fdt = malloc(RISCV_DTB_MAX_SIZE);
	u32 size;
	int ret = -ENOMEM;

	if (!cpus || !str || !fdt)
		goto out;
	ret = fdt_describe(kvm, &d, cpus, str);
	if (!ret)
		ret = riscv_fdt_build(&d, fdt, RISCV_DTB_MAX_SIZE);
	if (ret)
		goto out;
	size = fdt_totalsize(fdt);
	memcpy(guest_ptr(kvm, kvm->arch.boot.dtb_addr, size), fdt, size);
	if (kvm->cfg.dump_dtb)
		ret = dt_dump(kvm->cfg.dump_dtb, fdt);
out:
	free(fdt);
	free(str);
	free(cpus);
	return ret;
}

int kvm__arch_finalize(struct kvm *kvm)
{
	/* The PLIC's outputs reach the vCPUs that now exist. */
	plic__resync(kvm->arch.plic);
	/* (On --restore the guest's memory already holds its tree.) */
	if (kvm->restore_snap)
		return 0;
	return setup_fdt(kvm);
}

/* earlycon: the UART at /chosen/stdout-path prints from the start. */
const char *kvm__arch_default_cmdline(const struct kvm_config *cfg)
{
	if (cfg->console == CONSOLE_VIRTIO)
		return "console=hvc0 panic=1";
	return "console=ttyS0 earlycon panic=1";
}

/* ---------------------------------------------------------- interrupts */

/* No in-kernel irqchip: no GSI routes. */
int kvm__arch_irq_routing_init(struct kvm *kvm)
{
	return 0;
}

u32 kvm__arch_msi_gsi_base(struct kvm *kvm)
{
	return RISCV_MSI_GSI_BASE;
}

void kvm__arch_pci_layout(struct kvm *kvm, struct pci_layout *l)
{
	*l = (struct pci_layout) {
		.ecam_base	= RISCV_PCI_ECAM_BASE,
		.ecam_size	= RISCV_PCI_ECAM_SIZE,
		.mmio32_base	= RISCV_PCI_MMIO32_BASE,
		.mmio32_size	= RISCV_PCI_MMIO32_SIZE,
		.mmio64_base	= RISCV_PCI_MMIO64_BASE,
		.mmio64_size	= kvm->arch.mmio64_size,
		.io_base	= 0,
		.io_size	= RISCV_PCI_IO_SIZE,
		.io_mmio_base	= RISCV_PCI_IO_BASE,
		.cf8		= false,
		/* Linux assigns BARs from the device tree's windows. */
		.preassign	= false,
	};
}

/* INTA of slot n is PLIC source RISCV_IRQ_PCI_INTX + n. */
u32 kvm__arch_pci_intx_gsi(struct kvm *kvm, u8 devfn)
{
	return RISCV_IRQ_PCI_INTX + (devfn >> 3);
}

/* The PLIC lives in lkvm: the PCI core drives INTx with kvm__irq_line(). */
bool kvm__arch_intx_irqfd(struct kvm *kvm)
{
	return false;
}

bool kvm__arch_msi_devid(struct kvm *kvm, u8 devfn, u32 *devid)
{
	return false;
}

/* @irq is a PLIC source ID. */
int kvm__arch_irq_line(struct kvm *kvm, u32 irq, int level)
{
	if (!kvm->arch.plic)
		return -ENODEV;
	return plic__set_irq(kvm->arch.plic, irq, level);
}
