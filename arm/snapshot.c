// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 snapshot state.
 *
 * The VM ("arm.vm"): the interrupt controller type and size, the
 * stolen-time area, what the vCPUs were created with.
 *
 * The vGIC ("arm.gic"): a list of (group, vCPU, attribute, value)
 * records read with KVM_GET_DEVICE_ATTR, kept in the order they must be
 * written back (Documentation/virt/kvm/devices/arm-vgic-v3.rst,
 * arm-vgic.rst): GICD_IIDR first, the distributor's control register,
 * each redistributor's LPI tables before its GICR_CTLR, the private
 * interrupts of each redistributor (configuration and line level before
 * pending state), the shared interrupts (routing and configuration
 * before pending state), then each CPU interface's ICC_* registers.  A
 * GICv2 has its distributor (banked registers per vCPU) and CPU
 * interface registers instead.
 *
 * The ITS ("arm.its"): KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES and
 * KVM_DEV_ARM_ITS_SAVE_TABLES write the LPI pending bits and the
 * device, collection and translation tables into the memory the guest
 * gave them (saved with the rest of RAM, after this), then the GITS_*
 * registers.  Restore (arm-vgic-its.rst): redistributors first, then
 * GITS_IIDR, GITS_CBASER, the other registers but GITS_CTLR,
 * KVM_DEV_ARM_ITS_RESTORE_TABLES, and GITS_CTLR last.
 *
 * Each vCPU: every register KVM_GET_REG_LIST names (core, FP/SIMD,
 * system registers, the timers, firmware pseudo-registers such as the
 * PSCI version) through KVM_GET_ONE_REG, the MP state (secondaries
 * powered off or running), pending SError/abort events, and the address
 * of its stolen-time record.
 *
 * Stolen time: the records live in guest RAM, which restore maps from the
 * snapshot, so they come back with their values; the restored vCPUs are
 * given the same record addresses (KVM_ARM_VCPU_PVTIME_IPA) before
 * anything else about them is set and before they first run.  KVM only
 * clears a record when the guest asks for stolen time (at its boot), so
 * the restored guest's stolen time goes on from where it was.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm/gic.h"
#include "kvm/kvm.h"
#include "kvm/kvm-cpu.h"
#include "kvm/snapshot.h"
#include "kvm/util.h"
#include "kvm/vm-state.h"

#define PVTIME_NONE		(~0ULL)	/* KVM's "no record" address */

struct arm_vm_state {
	u32	irqchip;		/* enum arm_irqchip, never AUTO */
	u32	nr_irqs;
	u32	nr_cpus;
	u32	psci_version;
	u64	ram_size;
	u64	pvtime_base;
	u64	pvtime_size;
	u8	pmu;
	u8	ptrauth;
	u8	pad[6];
};

/* What a vCPU was made with. */
struct arm_cpu_state {
	u64	mpidr;
	u64	pvtime_ipa;		/* PVTIME_NONE: no record */
	u32	target;
	u32	features[7];
	u8	has_events;
	u8	pad[7];
};

/* ---------------------------------------------------------------- GIC */

#define GIC_NO_CPU	0xffffffffU

struct gic_rec {
	u32	group;		/* KVM_DEV_ARM_VGIC_GRP_* */
	u32	cpu;		/* vCPU index, or GIC_NO_CPU */
	u64	attr;		/* offset / sysreg / level info, no CPU field */
	u64	val;
};

struct gic_list {
	struct gic_rec	*r;
	u32		n;
	u32		cap;
};

/* GICv3 distributor and redistributor offsets (GIC architecture spec). */
#define GICD_CTLR		0x0000
#define GICD_IIDR		0x0008
#define GICD_IGROUPR		0x0080
#define GICD_ISENABLER		0x0100
#define GICD_ISPENDR		0x0200
#define GICD_ISACTIVER		0x0300
#define GICD_IPRIORITYR		0x0400
#define GICD_ITARGETSR		0x0800
#define GICD_ICFGR		0x0c00
#define GICD_SPENDSGIR		0x0f20
#define GICD_IROUTER		0x6000

#define GICR_CTLR		0x0000
#define GICR_STATUSR		0x0010
#define GICR_WAKER		0x0014
#define GICR_PROPBASER		0x0070
#define GICR_PENDBASER		0x0078
#define GICR_SGI		0x10000	/* SGI_base frame */

/* GICv2 CPU interface. */
#define GICC_CTLR		0x0000
#define GICC_PMR		0x0004
#define GICC_BPR		0x0008
#define GICC_ABPR		0x001c
#define GICC_APR		0x00d0

/* ITS registers. */
#define GITS_CTLR		0x0000
#define GITS_IIDR		0x0004
#define GITS_CBASER		0x0080
#define GITS_CWRITER		0x0088
#define GITS_CREADR		0x0090
#define GITS_BASER		0x0100
#define GITS_NR_BASER		8

/* KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS: op0:op1:CRn:CRm:op2 in 16 bits. */
#define ICC(op0, op1, crn, crm, op2) \
	(((op0) << 14) | ((op1) << 11) | ((crn) << 7) | ((crm) << 3) | (op2))
#define ICC_PMR_EL1		ICC(3, 0, 4, 6, 0)
#define ICC_BPR0_EL1		ICC(3, 0, 12, 8, 3)
#define ICC_AP0R_EL1(n)		ICC(3, 0, 12, 8, 4 + (n))
#define ICC_AP1R_EL1(n)		ICC(3, 0, 12, 9, (n))
#define ICC_BPR1_EL1		ICC(3, 0, 12, 12, 3)
#define ICC_CTLR_EL1		ICC(3, 0, 12, 12, 4)
#define ICC_SRE_EL1		ICC(3, 0, 12, 12, 5)
#define ICC_IGRPEN0_EL1		ICC(3, 0, 12, 12, 6)
#define ICC_IGRPEN1_EL1		ICC(3, 0, 12, 12, 7)

#define LEVEL_INFO(intid)						\
	(((u64)VGIC_LEVEL_INFO_LINE_LEVEL <<				\
	  KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_SHIFT) | (intid))

static bool gic_is_v3(enum arm_irqchip t)
{
	return t == ARM_IRQCHIP_GICV3 || t == ARM_IRQCHIP_GICV3_ITS;
}

/* The CPU field of an attribute: GICv3 affinity, GICv2 CPU number. */
static u64 gic_cpu_field(struct kvm *kvm, u32 cpu)
{
	u64 mpidr, aff;

	if (cpu == GIC_NO_CPU)
		return 0;
	if (!gic_is_v3(kvm->arch.irqchip))
		return (u64)cpu << KVM_DEV_ARM_VGIC_CPUID_SHIFT;
	mpidr = kvm->cpus[cpu]->arch.mpidr;
	aff = (mpidr & 0xffffff) | ((mpidr >> 8) & 0xff000000);
	return aff << KVM_DEV_ARM_VGIC_V3_MPIDR_SHIFT;
}

static bool gic_rec_is64(u32 group)
{
	return group == KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS;
}

static int gic_access(struct kvm *kvm, struct gic_rec *r, bool write)
{
	u32 v32 = r->val;
	struct kvm_device_attr a = {
		.group	= r->group,
		.attr	= r->attr | gic_cpu_field(kvm, r->cpu),
		.addr	= gic_rec_is64(r->group) ? (u64)(unsigned long)&r->val :
			  (u64)(unsigned long)&v32,
	};

	if (ioctl(kvm->arch.gic_fd, write ? KVM_SET_DEVICE_ATTR :
		  KVM_GET_DEVICE_ATTR, &a) < 0)
		return -errno;
	if (!write && !gic_rec_is64(r->group))
		r->val = v32;
	return 0;
}

static const char *gic_group_name(u32 group)
{
	switch (group) {
	case KVM_DEV_ARM_VGIC_GRP_DIST_REGS:	return "distributor";
	case KVM_DEV_ARM_VGIC_GRP_REDIST_REGS:	return "redistributor";
	case KVM_DEV_ARM_VGIC_GRP_CPU_REGS:	return "CPU interface";
	case KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS:	return "CPU interface";
	case KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO:	return "line level";
	}
	return "?";
}

/*
 * Read one register into the list.  @optional: a register this KVM does
 * not have (or, for the active-priority registers, that this CPU
 * interface does not implement) is left out.
 */
static int gic_get(struct kvm *kvm, struct gic_list *l, u32 group, u32 cpu,
		   u64 attr, bool optional)
{
	struct gic_rec r = { .group = group, .cpu = cpu, .attr = attr };
	int ret;

	ret = gic_access(kvm, &r, false);
	if (ret && optional && (ret == -ENXIO || ret == -EINVAL))
		return 0;
	if (ret) {
		pr_err("snapshot: vGIC %s register 0x%llx%s: %s",
		       gic_group_name(group), (unsigned long long)attr,
		       cpu == GIC_NO_CPU ? "" : " of a vCPU", strerror(-ret));
		return ret;
	}
	if (l->n == l->cap) {
		u32 cap = l->cap ? l->cap * 2 : 256;
		struct gic_rec *n = realloc(l->r, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		l->r = n;
		l->cap = cap;
	}
	l->r[l->n++] = r;
	return 0;
}

/* @n consecutive 32-bit registers from @off. */
static int gic_get_n(struct kvm *kvm, struct gic_list *l, u32 group, u32 cpu,
		     u64 off, u32 n)
{
	int ret = 0;
	u32 i;

	for (i = 0; i < n && !ret; i++)
		ret = gic_get(kvm, l, group, cpu, off + 4 * i, false);
	return ret;
}

static int gicv3_save(struct kvm *kvm, struct gic_list *l, u32 nr_irqs)
{
	const u32 D = KVM_DEV_ARM_VGIC_GRP_DIST_REGS;
	const u32 R = KVM_DEV_ARM_VGIC_GRP_REDIST_REGS;
	const u32 S = KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS;
	const u32 L = KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO;
	u32 spi_words = (nr_irqs - 32) / 32, c, i, irq;
	int ret;

	ret = gic_get(kvm, l, D, GIC_NO_CPU, GICD_IIDR, false);
	if (!ret)
		ret = gic_get(kvm, l, D, GIC_NO_CPU, GICD_CTLR, false);
	/* LPI tables before GICR_CTLR may enable LPIs. */
	for (c = 0; c < (u32)kvm->nr_cpus && !ret; c++)
		ret = gic_get_n(kvm, l, R, c, GICR_PROPBASER, 4);
	for (c = 0; c < (u32)kvm->nr_cpus && !ret; c++) {
		ret = gic_get(kvm, l, R, c, GICR_CTLR, false);
		if (!ret)
			ret = gic_get(kvm, l, R, c, GICR_STATUSR, true);
		if (!ret)
			ret = gic_get(kvm, l, R, c, GICR_WAKER, true);
		if (!ret)
			ret = gic_get(kvm, l, R, c, GICR_SGI + GICD_IGROUPR, false);
		if (!ret)
			ret = gic_get(kvm, l, R, c, GICR_SGI + GICD_ISENABLER, false);
		if (!ret)
			ret = gic_get_n(kvm, l, R, c, GICR_SGI + GICD_ICFGR, 2);
		if (!ret)
			ret = gic_get(kvm, l, L, c, LEVEL_INFO(0), false);
		if (!ret)
			ret = gic_get(kvm, l, R, c, GICR_SGI + GICD_ISPENDR, false);
		if (!ret)
			ret = gic_get(kvm, l, R, c, GICR_SGI + GICD_ISACTIVER, false);
		if (!ret)
			ret = gic_get_n(kvm, l, R, c, GICR_SGI + GICD_IPRIORITYR, 8);
	}
	/* Shared interrupts (INTID 32 up): route and configure, then state. */
	if (!ret)
		ret = gic_get_n(kvm, l, D, GIC_NO_CPU, GICD_IGROUPR + 4, spi_words);
	if (!ret)
		ret = gic_get_n(kvm, l, D, GIC_NO_CPU, GICD_ISENABLER + 4, spi_words);
	for (irq = 32; irq < nr_irqs && !ret; irq++)
		ret = gic_get_n(kvm, l, D, GIC_NO_CPU, GICD_IROUTER + 8 * irq, 2);
	if (!ret)
		ret = gic_get_n(kvm, l, D, GIC_NO_CPU, GICD_ICFGR + 8, spi_words * 2);
	for (i = 1; i < nr_irqs / 32 && !ret; i++)
		ret = gic_get(kvm, l, L, 0, LEVEL_INFO(32 * i), false);
	if (!ret)
		ret = gic_get_n(kvm, l, D, GIC_NO_CPU, GICD_ISPENDR + 4, spi_words);
	if (!ret)
		ret = gic_get_n(kvm, l, D, GIC_NO_CPU, GICD_ISACTIVER + 4, spi_words);
	if (!ret)
		ret = gic_get_n(kvm, l, D, GIC_NO_CPU, GICD_IPRIORITYR + 32,
				spi_words * 8);
	/* CPU interfaces: SRE and CTLR first (ICC_CTLR_EL1 checks the
	 * priority and ID bits against this host's). */
	for (c = 0; c < (u32)kvm->nr_cpus && !ret; c++) {
		static const u32 regs[] = {
			ICC_SRE_EL1, ICC_CTLR_EL1, ICC_IGRPEN0_EL1,
			ICC_IGRPEN1_EL1, ICC_PMR_EL1, ICC_BPR0_EL1, ICC_BPR1_EL1,
		};

		for (i = 0; i < ARRAY_SIZE(regs) && !ret; i++)
			ret = gic_get(kvm, l, S, c, regs[i], false);
		for (i = 0; i < 4 && !ret; i++)
			ret = gic_get(kvm, l, S, c, ICC_AP0R_EL1(i), true);
		for (i = 0; i < 4 && !ret; i++)
			ret = gic_get(kvm, l, S, c, ICC_AP1R_EL1(i), true);
	}
	return ret;
}

static int gicv2_save(struct kvm *kvm, struct gic_list *l, u32 nr_irqs)
{
	const u32 D = KVM_DEV_ARM_VGIC_GRP_DIST_REGS;
	const u32 C = KVM_DEV_ARM_VGIC_GRP_CPU_REGS;
	u32 spi_words = (nr_irqs - 32) / 32, c;
	int ret;

	ret = gic_get(kvm, l, D, GIC_NO_CPU, GICD_IIDR, false);
	if (!ret)
		ret = gic_get(kvm, l, D, GIC_NO_CPU, GICD_CTLR, false);
	/* Banked per CPU: the first 32 interrupts and the SGI sources. */
	for (c = 0; c < (u32)kvm->nr_cpus && !ret; c++) {
		ret = gic_get(kvm, l, D, c, GICD_IGROUPR, false);
		if (!ret)
			ret = gic_get(kvm, l, D, c, GICD_ISENABLER, false);
		if (!ret)
			ret = gic_get_n(kvm, l, D, c, GICD_ICFGR, 2);
		if (!ret)
			ret = gic_get(kvm, l, D, c, GICD_ISPENDR, false);
		if (!ret)
			ret = gic_get(kvm, l, D, c, GICD_ISACTIVER, false);
		if (!ret)
			ret = gic_get_n(kvm, l, D, c, GICD_IPRIORITYR, 8);
		if (!ret)
			ret = gic_get_n(kvm, l, D, c, GICD_SPENDSGIR, 4);
	}
	if (!ret)
		ret = gic_get_n(kvm, l, D, GIC_NO_CPU, GICD_IGROUPR + 4, spi_words);
	if (!ret)
		ret = gic_get_n(kvm, l, D, GIC_NO_CPU, GICD_ISENABLER + 4, spi_words);
	if (!ret)
		ret = gic_get_n(kvm, l, D, GIC_NO_CPU, GICD_ITARGETSR + 32,
				spi_words * 8);
	if (!ret)
		ret = gic_get_n(kvm, l, D, GIC_NO_CPU, GICD_ICFGR + 8, spi_words * 2);
	if (!ret)
		ret = gic_get_n(kvm, l, D, GIC_NO_CPU, GICD_ISPENDR + 4, spi_words);
	if (!ret)
		ret = gic_get_n(kvm, l, D, GIC_NO_CPU, GICD_ISACTIVER + 4, spi_words);
	if (!ret)
		ret = gic_get_n(kvm, l, D, GIC_NO_CPU, GICD_IPRIORITYR + 32,
				spi_words * 8);
	for (c = 0; c < (u32)kvm->nr_cpus && !ret; c++) {
		ret = gic_get(kvm, l, C, c, GICC_CTLR, false);
		if (!ret)
			ret = gic_get(kvm, l, C, c, GICC_PMR, false);
		if (!ret)
			ret = gic_get(kvm, l, C, c, GICC_BPR, false);
		if (!ret)
			ret = gic_get(kvm, l, C, c, GICC_ABPR, false);
		if (!ret)
			ret = gic_get(kvm, l, C, c, GICC_APR, true);
	}
	return ret;
}

/*
 * Set-enable and set-active registers only set bits: clear the others
 * first (a new GIC has its SGIs enabled).  A GICv2's set-pending too; a
 * GICv3's set-pending sets the latched state as given (arm-vgic-v3.rst).
 */
static u64 gic_clear_reg(struct kvm *kvm, const struct gic_rec *r)
{
	u64 off = r->attr & 0xffff;

	if (r->group != KVM_DEV_ARM_VGIC_GRP_DIST_REGS &&
	    r->group != KVM_DEV_ARM_VGIC_GRP_REDIST_REGS)
		return 0;
	if (r->group == KVM_DEV_ARM_VGIC_GRP_REDIST_REGS &&
	    (r->attr & 0xffffffff) < GICR_SGI)
		return 0;
	if ((off >= GICD_ISENABLER && off < GICD_ISENABLER + 0x80) ||
	    (off >= GICD_ISACTIVER && off < GICD_ISACTIVER + 0x80) ||
	    (!gic_is_v3(kvm->arch.irqchip) &&
	     off >= GICD_ISPENDR && off < GICD_ISPENDR + 0x80))
		return (r->attr & 0xffffffff) + 0x80;
	return 0;
}

static int gic_restore(struct kvm *kvm, struct snapshot *s)
{
	const struct gic_rec *recs;
	const void *p;
	u32 len, i;
	int ret;

	ret = snap_get_var(s, "arm.gic", 1, &p, &len);
	if (ret)
		return ret;
	if (len % sizeof(*recs)) {
		pr_err("snapshot: section arm.gic is malformed");
		return -EPROTO;
	}
	recs = p;
	for (i = 0; i < len / sizeof(*recs); i++) {
		struct gic_rec r = recs[i];
		u64 clr;

		if (r.cpu != GIC_NO_CPU && r.cpu >= (u32)kvm->nr_cpus) {
			pr_err("snapshot: section arm.gic names vCPU %u of %d",
			       r.cpu, kvm->nr_cpus);
			return -EPROTO;
		}
		clr = gic_clear_reg(kvm, &r);
		if (clr) {
			struct gic_rec c = r;

			c.attr = clr;
			c.val = ~r.val & 0xffffffff;
			ret = gic_access(kvm, &c, true);
		}
		if (!ret)
			ret = gic_access(kvm, &r, true);
		if (ret) {
			pr_err("--restore: vGIC %s register 0x%llx%s = 0x%llx: %s",
			       gic_group_name(r.group),
			       (unsigned long long)r.attr,
			       r.cpu == GIC_NO_CPU ? "" : " of a vCPU",
			       (unsigned long long)r.val, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- ITS */

struct arm_its_state {
	u64	iidr;
	u64	cbaser;
	u64	creadr;
	u64	cwriter;
	u64	baser[GITS_NR_BASER];
	u64	ctlr;
};

static int dev_attr(int fd, bool write, u32 group, u64 attr, void *val,
		    const char *what)
{
	struct kvm_device_attr a = {
		.group	= group,
		.attr	= attr,
		.addr	= (u64)(unsigned long)val,
	};

	if (ioctl(fd, write ? KVM_SET_DEVICE_ATTR : KVM_GET_DEVICE_ATTR, &a) < 0) {
		int err = errno;

		pr_err("%s: %s: %s", write ? "--restore" : "snapshot", what,
		       strerror(err));
		return -err;
	}
	return 0;
}

static int its_reg(struct kvm *kvm, bool write, u64 off, u64 *val)
{
	char what[48];

	snprintf(what, sizeof(what), "ITS register 0x%llx",
		 (unsigned long long)off);
	return dev_attr(kvm->arch.its_fd, write, KVM_DEV_ARM_VGIC_GRP_ITS_REGS,
			off, val, what);
}

static int its_save(struct kvm *kvm, struct snapshot *s)
{
	struct arm_its_state st;
	int ret, i;

	memset(&st, 0, sizeof(st));
	/* Into guest RAM: LPI pending bits, then the ITS's tables. */
	ret = dev_attr(kvm->arch.gic_fd, true, KVM_DEV_ARM_VGIC_GRP_CTRL,
		       KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES, NULL,
		       "vGIC: KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES");
	if (!ret)
		ret = dev_attr(kvm->arch.its_fd, true, KVM_DEV_ARM_VGIC_GRP_CTRL,
			       KVM_DEV_ARM_ITS_SAVE_TABLES, NULL,
			       "ITS: KVM_DEV_ARM_ITS_SAVE_TABLES");
	if (!ret)
		ret = its_reg(kvm, false, GITS_IIDR, &st.iidr);
	if (!ret)
		ret = its_reg(kvm, false, GITS_CBASER, &st.cbaser);
	if (!ret)
		ret = its_reg(kvm, false, GITS_CREADR, &st.creadr);
	if (!ret)
		ret = its_reg(kvm, false, GITS_CWRITER, &st.cwriter);
	for (i = 0; i < GITS_NR_BASER && !ret; i++)
		ret = its_reg(kvm, false, GITS_BASER + 8 * i, &st.baser[i]);
	if (!ret)
		ret = its_reg(kvm, false, GITS_CTLR, &st.ctlr);
	if (!ret)
		ret = snap_put(s, "arm.its", 1, &st, sizeof(st));
	return ret;
}

static int its_restore(struct kvm *kvm, struct snapshot *s)
{
	struct arm_its_state st;
	int ret, i;

	ret = snap_get(s, "arm.its", 1, &st, sizeof(st));
	if (!ret)
		ret = its_reg(kvm, true, GITS_IIDR, &st.iidr);
	/* CBASER resets CREADR: CREADR after it, so that no command runs
	 * twice. */
	if (!ret)
		ret = its_reg(kvm, true, GITS_CBASER, &st.cbaser);
	if (!ret)
		ret = its_reg(kvm, true, GITS_CREADR, &st.creadr);
	if (!ret)
		ret = its_reg(kvm, true, GITS_CWRITER, &st.cwriter);
	for (i = 0; i < GITS_NR_BASER && !ret; i++)
		ret = its_reg(kvm, true, GITS_BASER + 8 * i, &st.baser[i]);
	if (!ret)
		ret = dev_attr(kvm->arch.its_fd, true, KVM_DEV_ARM_VGIC_GRP_CTRL,
			       KVM_DEV_ARM_ITS_RESTORE_TABLES, NULL,
			       "ITS: KVM_DEV_ARM_ITS_RESTORE_TABLES");
	if (!ret)
		ret = its_reg(kvm, true, GITS_CTLR, &st.ctlr);
	return ret;
}

/* ----------------------------------------------------------------- VM */

int kvm__arch_save(struct kvm *kvm, struct snapshot *s)
{
	struct kvm_arch *a = &kvm->arch;
	struct arm_vm_state st;
	struct gic_list l = { 0 };
	int ret;

	memset(&st, 0, sizeof(st));
	st.irqchip = a->irqchip;
	st.nr_irqs = ARM_GIC_NR_IRQS;
	st.nr_cpus = kvm->nr_cpus;
	st.psci_version = a->psci_version;
	st.ram_size = kvm->ram_size;
	st.pvtime_base = a->pvtime_base;
	st.pvtime_size = a->pvtime_size;
	st.pmu = a->pmu;
	st.ptrauth = a->ptrauth;
	ret = snap_put(s, "arm.vm", 1, &st, sizeof(st));
	if (ret)
		return ret;

	if (gic_is_v3(a->irqchip))
		ret = gicv3_save(kvm, &l, st.nr_irqs);
	else
		ret = gicv2_save(kvm, &l, st.nr_irqs);
	if (!ret)
		ret = snap_put(s, "arm.gic", 1, l.r, l.n * sizeof(*l.r));
	free(l.r);
	/* The ITS writes its tables into guest RAM, saved after this. */
	if (!ret && a->its_fd >= 0)
		ret = its_save(kvm, s);
	return ret;
}

/*
 * run --restore, before the vGIC exists: the interrupt controller is the
 * snapshot's, whatever this host would pick by itself.
 */
int arm_snapshot_irqchip(struct kvm *kvm, enum arm_irqchip *type)
{
	struct arm_vm_state st;
	int ret = snap_get(kvm->restore_snap, "arm.vm", 1, &st, sizeof(st));

	if (ret)
		return ret;
	if (st.irqchip < ARM_IRQCHIP_GICV2 || st.irqchip > ARM_IRQCHIP_GICV3_ITS ||
	    st.nr_irqs != ARM_GIC_NR_IRQS) {
		pr_err("--restore %s: the snapshot's interrupt controller "
		       "(type %u, %u interrupts) is not one lkvm makes",
		       kvm->cfg.restore_dir, st.irqchip, st.nr_irqs);
		return -EPROTO;
	}
	*type = st.irqchip;
	return 0;
}

static int pvtime_restore(struct kvm *kvm, struct snapshot *s,
			  const struct arm_vm_state *vm)
{
	struct kvm_arch *a = &kvm->arch;
	int i, ret;

	if (vm->pvtime_size && (vm->pvtime_base < ARM_RAM_BASE ||
	    !guest_ptr(kvm, vm->pvtime_base, vm->pvtime_size))) {
		pr_err("--restore: the snapshot's stolen-time area is outside "
		       "guest RAM");
		return -EPROTO;
	}
	/* lkvm stat reads the records where the snapshot's VM had them. */
	a->pvtime_base = vm->pvtime_base;
	a->pvtime_size = vm->pvtime_size;
	for (i = 0; i < kvm->nr_cpus; i++) {
		struct arm_cpu_state cs;
		char id[32];

		snprintf(id, sizeof(id), "cpu%d.arm", i);
		ret = snap_get(s, id, 1, &cs, sizeof(cs));
		if (ret)
			return ret;
		if (cs.pvtime_ipa == PVTIME_NONE)
			continue;
		if (!kvm__check_extension(kvm, KVM_CAP_STEAL_TIME)) {
			pr_err("--restore: the snapshot's vCPUs have stolen-time "
			       "records; this host's KVM has no stolen time");
			return -EOPNOTSUPP;
		}
		if (!IS_ALIGNED(cs.pvtime_ipa, 64) ||
		    cs.pvtime_ipa < vm->pvtime_base ||
		    cs.pvtime_ipa + 64 > vm->pvtime_base + vm->pvtime_size) {
			pr_err("--restore: vCPU %d's stolen-time record at 0x%llx "
			       "is outside the snapshot's area", i,
			       (unsigned long long)cs.pvtime_ipa);
			return -EPROTO;
		}
		/* RAM holds the record already: KVM goes on adding to it. */
		ret = dev_attr(kvm->cpus[i]->fd, true, KVM_ARM_VCPU_PVTIME_CTRL,
			       KVM_ARM_VCPU_PVTIME_IPA, &cs.pvtime_ipa,
			       "KVM_ARM_VCPU_PVTIME_IPA");
		if (ret)
			return ret;
		pr_info("vCPU %d: stolen time record at 0x%llx (restored)", i,
			(unsigned long long)cs.pvtime_ipa);
	}
	return 0;
}

int kvm__arch_restore(struct kvm *kvm, struct snapshot *s)
{
	struct kvm_arch *a = &kvm->arch;
	struct arm_vm_state st;
	int ret;

	ret = snap_get(s, "arm.vm", 1, &st, sizeof(st));
	if (ret)
		return ret;
	if (st.irqchip != a->irqchip || st.nr_cpus != (u32)kvm->nr_cpus ||
	    st.ram_size != kvm->ram_size || st.pmu != a->pmu) {
		pr_err("--restore: the snapshot's VM (%s, %u vCPUs%s) differs "
		       "from the one made for it (%s, %d vCPUs%s)",
		       gic__name(st.irqchip), st.nr_cpus, st.pmu ? ", PMU" : "",
		       gic__name(a->irqchip), kvm->nr_cpus, a->pmu ? ", PMU" : "");
		return -EPROTO;
	}
	/* Each vCPU's stolen-time record, before anything else of it. */
	ret = pvtime_restore(kvm, s, &st);
	if (!ret)
		ret = gic_restore(kvm, s);
	if (!ret && a->its_fd >= 0)
		ret = its_restore(kvm, s);
	else if (!ret && snap_has(s, "arm.its")) {
		pr_err("--restore: the snapshot has an ITS, this VM has none");
		ret = -EPROTO;
	}
	return ret;
}

int kvm__arch_restore_late(struct kvm *kvm, struct snapshot *s)
{
	return 0;
}

/* -------------------------------------------------------------- vCPUs */

#define REG_SIZE(id)	(1U << (((id) & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT))
#define REG_MAX_SIZE	256	/* KVM_REG_SIZE_U2048 */

static struct kvm_reg_list *reg_list(struct kvm_cpu *vcpu)
{
	struct kvm_reg_list probe = { .n = 0 }, *list;

	if (ioctl(vcpu->fd, KVM_GET_REG_LIST, &probe) < 0 && errno != E2BIG)
		return NULL;
	list = calloc(1, sizeof(*list) + probe.n * sizeof(u64));
	if (!list)
		return NULL;
	list->n = probe.n;
	if (ioctl(vcpu->fd, KVM_GET_REG_LIST, list) < 0) {
		free(list);
		return NULL;
	}
	return list;
}

static int one_reg(struct kvm_cpu *vcpu, bool write, u64 id, void *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (u64)(unsigned long)val };

	return ioctl(vcpu->fd, write ? KVM_SET_ONE_REG : KVM_GET_ONE_REG, &r) < 0 ?
	       -errno : 0;
}

static int cpu_ioctl(struct kvm_cpu *vcpu, unsigned long req, void *arg,
		     const char *what, bool restore)
{
	if (ioctl(vcpu->fd, req, arg) < 0) {
		int err = errno;

		pr_err("%s: vCPU %lu: %s: %s", restore ? "--restore" : "snapshot",
		       vcpu->id, what, strerror(err));
		return -err;
	}
	return 0;
}

/* Registers as (id, value of the id's size) pairs, in KVM's order. */
static int save_regs(struct kvm_cpu *vcpu, struct snapshot *s)
{
	struct kvm_reg_list *list = reg_list(vcpu);
	u8 *buf = NULL, *p;
	char id[32];
	u64 i, size = 0;
	int ret = 0;

	if (!list) {
		pr_err("snapshot: vCPU %lu: KVM_GET_REG_LIST: %s", vcpu->id,
		       strerror(errno));
		return -EIO;
	}
	for (i = 0; i < list->n; i++) {
		if (REG_SIZE(list->reg[i]) > REG_MAX_SIZE) {
			pr_err("snapshot: vCPU %lu: register 0x%llx is %u bytes",
			       vcpu->id, (unsigned long long)list->reg[i],
			       REG_SIZE(list->reg[i]));
			ret = -EPROTO;
			goto out;
		}
		size += 8 + REG_SIZE(list->reg[i]);
	}
	p = buf = malloc(size ? size : 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < list->n; i++) {
		u64 reg = list->reg[i];

		memcpy(p, &reg, 8);
		ret = one_reg(vcpu, false, reg, p + 8);
		if (ret) {
			pr_err("snapshot: vCPU %lu: register 0x%llx: %s", vcpu->id,
			       (unsigned long long)reg, strerror(-ret));
			goto out;
		}
		p += 8 + REG_SIZE(reg);
	}
	snprintf(id, sizeof(id), "cpu%lu.regs", vcpu->id);
	ret = snap_put(s, id, 1, buf, size);
out:
	free(buf);
	free(list);
	return ret;
}

int kvm_cpu__arch_save(struct kvm_cpu *vcpu, struct snapshot *s)
{
	struct kvm *kvm = vcpu->kvm;
	struct arm_cpu_state cs;
	struct kvm_mp_state mp;
	struct kvm_vcpu_events ev;
	char id[32];
	int ret;

	memset(&cs, 0, sizeof(cs));
	cs.mpidr = vcpu->arch.mpidr;
	cs.target = vcpu->arch.init.target;
	memcpy(cs.features, vcpu->arch.init.features, sizeof(cs.features));
	cs.pvtime_ipa = PVTIME_NONE;
	if (kvm->arch.pvtime_size) {
		ret = dev_attr(vcpu->fd, false, KVM_ARM_VCPU_PVTIME_CTRL,
			       KVM_ARM_VCPU_PVTIME_IPA, &cs.pvtime_ipa,
			       "KVM_ARM_VCPU_PVTIME_IPA");
		if (ret)
			return ret;
	}
	cs.has_events = kvm__check_extension(kvm, KVM_CAP_VCPU_EVENTS) > 0;
	snprintf(id, sizeof(id), "cpu%lu.arm", vcpu->id);
	ret = snap_put(s, id, 1, &cs, sizeof(cs));
	if (!ret)
		ret = save_regs(vcpu, s);
	if (!ret)
		ret = cpu_ioctl(vcpu, KVM_GET_MP_STATE, &mp, "KVM_GET_MP_STATE",
				false);
	if (!ret) {
		snprintf(id, sizeof(id), "cpu%lu.mpstate", vcpu->id);
		ret = snap_put(s, id, 1, &mp, sizeof(mp));
	}
	if (!ret && cs.has_events) {
		memset(&ev, 0, sizeof(ev));
		ret = cpu_ioctl(vcpu, KVM_GET_VCPU_EVENTS, &ev,
				"KVM_GET_VCPU_EVENTS", false);
		if (!ret) {
			snprintf(id, sizeof(id), "cpu%lu.events", vcpu->id);
			ret = snap_put(s, id, 1, &ev, sizeof(ev));
		}
	}
	return ret;
}

static bool in_list(const struct kvm_reg_list *l, u64 id)
{
	u64 i;

	for (i = 0; i < l->n; i++)
		if (l->reg[i] == id)
			return true;
	return false;
}

static int restore_regs(struct kvm_cpu *vcpu, struct snapshot *s)
{
	struct kvm_reg_list *list;
	const u8 *p, *end;
	const void *data;
	char id[32];
	u32 len, n = 0, missing = 0;
	int ret;

	snprintf(id, sizeof(id), "cpu%lu.regs", vcpu->id);
	ret = snap_get_var(s, id, 1, &data, &len);
	if (ret)
		return ret;
	list = reg_list(vcpu);
	if (!list) {
		pr_err("--restore: vCPU %lu: KVM_GET_REG_LIST: %s", vcpu->id,
		       strerror(errno));
		return -EIO;
	}
	for (p = data, end = p + len; p < end; ) {
		u8 val[REG_MAX_SIZE];
		u64 reg;

		if (end - p < 8) {
			ret = -EPROTO;
			break;
		}
		memcpy(&reg, p, 8);
		if (REG_SIZE(reg) > REG_MAX_SIZE ||
		    (u64)(end - p - 8) < REG_SIZE(reg)) {
			ret = -EPROTO;
			break;
		}
		if (!in_list(list, reg)) {
			pr_err("--restore: vCPU %lu: this host's KVM has no "
			       "register 0x%llx (the snapshot comes from another "
			       "kind of host)", vcpu->id, (unsigned long long)reg);
			ret = -EPROTO;
			goto out;
		}
		memcpy(val, p + 8, REG_SIZE(reg));
		ret = one_reg(vcpu, true, reg, val);
		if (ret) {
			pr_err("--restore: vCPU %lu: register 0x%llx: %s",
			       vcpu->id, (unsigned long long)reg, strerror(-ret));
			goto out;
		}
		p += 8 + REG_SIZE(reg);
		n++;
	}
	if (ret) {
		pr_err("--restore: section %s is malformed", id);
		goto out;
	}
	missing = list->n > n ? list->n - n : 0;
	if (missing)
		pr_warn("--restore: vCPU %lu: %u registers of this host are not "
			"in the snapshot and keep their reset values", vcpu->id,
			missing);
out:
	free(list);
	return ret;
}

int kvm_cpu__arch_restore(struct kvm_cpu *vcpu, struct snapshot *s)
{
	struct arm_cpu_state cs;
	struct kvm_mp_state mp;
	struct kvm_vcpu_events ev;
	u32 mask = ~(u32)BIT(KVM_ARM_VCPU_POWER_OFF);
	char id[32];
	int ret;

	snprintf(id, sizeof(id), "cpu%lu.arm", vcpu->id);
	ret = snap_get(s, id, 1, &cs, sizeof(cs));
	if (ret)
		return ret;
	if (cs.mpidr != vcpu->arch.mpidr ||
	    (cs.features[0] & mask) != (vcpu->arch.init.features[0] & mask) ||
	    memcmp(cs.features + 1, vcpu->arch.init.features + 1,
		   sizeof(cs.features) - sizeof(cs.features[0]))) {
		pr_err("--restore: vCPU %lu: the snapshot's vCPU (MPIDR 0x%llx, "
		       "features 0x%x) differs from this host's (MPIDR 0x%llx, "
		       "features 0x%x)", vcpu->id,
		       (unsigned long long)cs.mpidr, cs.features[0] & mask,
		       (unsigned long long)vcpu->arch.mpidr,
		       vcpu->arch.init.features[0] & mask);
		return -EPROTO;
	}
	ret = restore_regs(vcpu, s);
	if (ret)
		return ret;
	snprintf(id, sizeof(id), "cpu%lu.mpstate", vcpu->id);
	ret = snap_get(s, id, 1, &mp, sizeof(mp));
	if (!ret)
		ret = cpu_ioctl(vcpu, KVM_SET_MP_STATE, &mp, "KVM_SET_MP_STATE",
				true);
	if (ret || !cs.has_events)
		return ret;
	snprintf(id, sizeof(id), "cpu%lu.events", vcpu->id);
	ret = snap_get(s, id, 1, &ev, sizeof(ev));
	if (!ret && !kvm__check_extension(vcpu->kvm, KVM_CAP_VCPU_EVENTS)) {
		pr_err("--restore: vCPU %lu: this host's KVM cannot set vCPU "
		       "events", vcpu->id);
		return -EOPNOTSUPP;
	}
	if (!ret)
		ret = cpu_ioctl(vcpu, KVM_SET_VCPU_EVENTS, &ev,
				"KVM_SET_VCPU_EVENTS", true);
	return ret;
}
