// SPDX-License-Identifier: GPL-2.0
/*
 * The vGIC (Documentation/virt/kvm/devices/arm-vgic-v3.rst, arm-vgic.rst,
 * arm-vgic-its.rst).
 *
 * The device is created, given its addresses and its number of interrupts
 * before the vCPUs exist; KVM_DEV_ARM_VGIC_CTRL_INIT comes once they all
 * do (kvm__arch_finalize), then the ITS's own CTRL_INIT.
 *
 * GICv2m: KVM does not emulate the frame, so lkvm does.  MSI_TYPER tells
 * the guest which SPIs it may use; a write of an SPI's INTID to
 * MSI_SETSPI_NS raises that (edge-triggered) SPI.  A PCI function's MSI-X
 * vector aimed at the doorbell does not come here: its route becomes an
 * irqchip route to the SPI (kvm__arch_msi_to_irqchip), so that the
 * device's irqfd injects it straight away.
 */
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "kvm/kvm.h"
#include "kvm/gic.h"
#include "kvm/util.h"

static const char * const gic_names[] = {
	[ARM_IRQCHIP_AUTO]	= "auto",
	[ARM_IRQCHIP_GICV2]	= "gicv2",
	[ARM_IRQCHIP_GICV2M]	= "gicv2m",
	[ARM_IRQCHIP_GICV3]	= "gicv3",
	[ARM_IRQCHIP_GICV3_ITS]	= "gicv3-its",
};

int gic__parse(const char *name)
{
	u32 i;

	if (!name)
		return ARM_IRQCHIP_AUTO;
	for (i = ARM_IRQCHIP_GICV2; i < ARRAY_SIZE(gic_names); i++)
		if (!strcmp(name, gic_names[i]))
			return i;
	return -1;
}

const char *gic__name(enum arm_irqchip type)
{
	return (u32)type < ARRAY_SIZE(gic_names) ? gic_names[type] : "?";
}

static bool is_v3(enum arm_irqchip type)
{
	return type == ARM_IRQCHIP_GICV3 || type == ARM_IRQCHIP_GICV3_ITS;
}

/* KVM_CREATE_DEVICE; with @fd NULL only asks whether KVM could. */
static int create_device(struct kvm *kvm, u32 type, int *fd)
{
	struct kvm_create_device cd = {
		.type	= type,
		.flags	= fd ? 0 : KVM_CREATE_DEVICE_TEST,
	};

	if (ioctl(kvm->vm_fd, KVM_CREATE_DEVICE, &cd) < 0)
		return -errno;
	if (fd)
		*fd = cd.fd;
	return 0;
}

static int set_attr(int fd, u32 group, u64 attr, const void *val)
{
	struct kvm_device_attr a = {
		.group	= group,
		.attr	= attr,
		.addr	= (u64)(unsigned long)val,
	};

	return ioctl(fd, KVM_SET_DEVICE_ATTR, &a) < 0 ? -errno : 0;
}

static int set_addr(int fd, u64 type, u64 addr, const char *what)
{
	int ret = set_attr(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, type, &addr);

	if (ret)
		pr_err("vGIC: %s at 0x%llx: %s", what, (unsigned long long)addr,
		       strerror(-ret));
	return ret;
}

/* The best interrupt controller KVM can give this VM. */
static enum arm_irqchip gic_probe(struct kvm *kvm)
{
	if (!create_device(kvm, KVM_DEV_TYPE_ARM_VGIC_V3, NULL)) {
		if (!create_device(kvm, KVM_DEV_TYPE_ARM_VGIC_ITS, NULL))
			return ARM_IRQCHIP_GICV3_ITS;
		return ARM_IRQCHIP_GICV3;
	}
	if (!create_device(kvm, KVM_DEV_TYPE_ARM_VGIC_V2, NULL))
		return ARM_IRQCHIP_GICV2M;
	return ARM_IRQCHIP_AUTO;
}

int gic__test_create(struct kvm *kvm, enum arm_irqchip type)
{
	int ret = create_device(kvm, is_v3(type) ? KVM_DEV_TYPE_ARM_VGIC_V3 :
				KVM_DEV_TYPE_ARM_VGIC_V2, NULL);

	if (!ret && type == ARM_IRQCHIP_GICV3_ITS)
		ret = create_device(kvm, KVM_DEV_TYPE_ARM_VGIC_ITS, NULL);
	return ret;
}

static int gic_check(struct kvm *kvm, enum arm_irqchip type)
{
	int nr = kvm->cfg.nrcpus;
	u64 redist = (u64)nr * KVM_VGIC_V3_REDIST_SIZE;

	if (!is_v3(type) && nr > 8) {
		pr_err("-c %d: a GICv2 serves at most 8 vCPUs (--irqchip gicv3)",
		       nr);
		return -EINVAL;
	}
	if (is_v3(type) &&
	    redist > ARM_GIC_REDIST_LIMIT - ARM_GIC_REDIST_BASE) {
		pr_err("-c %d: too many vCPUs for the GICv3 redistributor area",
		       nr);
		return -EINVAL;
	}
	return 0;
}

int gic__create(struct kvm *kvm)
{
	struct kvm_arch *a = &kvm->arch;
	u32 nr_irqs = ARM_GIC_NR_IRQS;
	int ret;

	a->gic_fd = a->its_fd = -1;
	a->gic_fds_valid = true;
	if (a->irqchip == ARM_IRQCHIP_AUTO) {
		a->irqchip = gic_probe(kvm);
		if (a->irqchip == ARM_IRQCHIP_AUTO) {
			pr_err("vGIC: this host's KVM emulates neither a GICv3 "
			       "nor a GICv2");
			return -ENODEV;
		}
	}
	ret = gic_check(kvm, a->irqchip);
	if (ret)
		return ret;

	ret = create_device(kvm, is_v3(a->irqchip) ? KVM_DEV_TYPE_ARM_VGIC_V3 :
			    KVM_DEV_TYPE_ARM_VGIC_V2, &a->gic_fd);
	if (ret) {
		pr_err("--irqchip %s: this host's KVM cannot emulate a %s (%s)",
		       gic__name(a->irqchip), is_v3(a->irqchip) ? "GICv3" :
		       "GICv2", strerror(-ret));
		return ret;
	}
	if (is_v3(a->irqchip)) {
		ret = set_addr(a->gic_fd, KVM_VGIC_V3_ADDR_TYPE_DIST,
			       ARM_GIC_DIST_BASE, "distributor");
		if (!ret)
			ret = set_addr(a->gic_fd, KVM_VGIC_V3_ADDR_TYPE_REDIST,
				       ARM_GIC_REDIST_BASE, "redistributors");
	} else {
		ret = set_addr(a->gic_fd, KVM_VGIC_V2_ADDR_TYPE_DIST,
			       ARM_GIC_DIST_BASE, "distributor");
		if (!ret)
			ret = set_addr(a->gic_fd, KVM_VGIC_V2_ADDR_TYPE_CPU,
				       ARM_GIC_CPU_BASE, "CPU interface");
	}
	if (ret)
		return ret;
	ret = set_attr(a->gic_fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs);
	if (ret) {
		pr_err("vGIC: %u interrupts: %s", nr_irqs, strerror(-ret));
		return ret;
	}

	if (a->irqchip == ARM_IRQCHIP_GICV3_ITS) {
		ret = create_device(kvm, KVM_DEV_TYPE_ARM_VGIC_ITS, &a->its_fd);
		if (ret) {
			pr_err("--irqchip gicv3-its: this host's KVM cannot "
			       "emulate an ITS (%s)", strerror(-ret));
			return ret;
		}
		ret = set_addr(a->its_fd, KVM_VGIC_ITS_ADDR_TYPE,
			       ARM_GIC_ITS_BASE, "ITS");
		if (ret)
			return ret;
	}
	pr_info("interrupt controller: %s", gic__name(a->irqchip));
	return 0;
}

int gic__init(struct kvm *kvm)
{
	struct kvm_arch *a = &kvm->arch;
	int ret;

	ret = set_attr(a->gic_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
		       KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
	if (ret) {
		pr_err("vGIC: KVM_DEV_ARM_VGIC_CTRL_INIT: %s", strerror(-ret));
		return ret;
	}
	if (a->its_fd >= 0) {
		ret = set_attr(a->its_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
			       KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
		if (ret) {
			pr_err("ITS: KVM_DEV_ARM_VGIC_CTRL_INIT: %s",
			       strerror(-ret));
			return ret;
		}
	}
	return 0;
}

void gic__exit(struct kvm *kvm)
{
	struct kvm_arch *a = &kvm->arch;

	if (!a->gic_fds_valid)
		return;		/* struct kvm is zeroed: fd 0 is not ours */
	if (a->its_fd >= 0)
		close(a->its_fd);
	if (a->gic_fd >= 0)
		close(a->gic_fd);
	a->its_fd = a->gic_fd = -1;
}

/* ------------------------------------------------------------ GICv2m */

static u32 v2m_first_intid(void)
{
	return 32 + ARM_SPI_V2M_BASE;
}

bool gic__v2m_msi_spi(struct kvm *kvm, u64 addr, u32 data, u32 *spi)
{
	if (kvm->arch.irqchip != ARM_IRQCHIP_GICV2M ||
	    addr != ARM_GIC_V2M_BASE + V2M_MSI_SETSPI_NS ||
	    data < v2m_first_intid() ||
	    data >= v2m_first_intid() + ARM_SPI_V2M_NR)
		return false;
	*spi = data - 32;
	return true;
}

static void v2m_io(struct kvm_cpu *vcpu, u64 off, u8 *data, u32 len,
		   bool is_write, void *opaque)
{
	struct kvm *kvm = opaque;
	u32 v = 0, spi;

	if (len != 4 || (off & 3)) {
		pr_warn_once("GICv2m: %u-byte access at 0x%llx", len,
			     (unsigned long long)off);
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	if (is_write) {
		v = data[0] | (data[1] << 8) | (data[2] << 16) |
		    ((u32)data[3] << 24);
		if (off != V2M_MSI_SETSPI_NS)
			return;
		if (gic__v2m_msi_spi(kvm, ARM_GIC_V2M_BASE + off, v, &spi))
			kvm__irq_trigger(kvm, spi);
		else
			pr_warn_once("GICv2m: SETSPI of INTID %u, not one of "
				     "the frame's", v);
		return;
	}
	if (off == V2M_MSI_TYPER)
		v = (v2m_first_intid() << 16) | ARM_SPI_V2M_NR;
	data[0] = v;
	data[1] = v >> 8;
	data[2] = v >> 16;
	data[3] = v >> 24;
}

int gic__v2m_init(struct kvm *kvm)
{
	struct bus_range *r = &kvm->arch.v2m_range;
	int ret;

	*r = (struct bus_range) {
		.base = ARM_GIC_V2M_BASE, .len = ARM_GIC_V2M_SIZE,
		.fn = v2m_io, .opaque = kvm, .name = "gicv2m",
	};
	ret = bus_add(&kvm->mmio_bus, r);
	if (ret)
		pr_err("GICv2m: cannot register at 0x%llx: %s",
		       (unsigned long long)ARM_GIC_V2M_BASE, strerror(-ret));
	return ret;
}
