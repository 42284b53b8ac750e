// SPDX-License-Identifier: GPL-2.0
/*
 * x86 snapshot state: kvmclock for the VM, and with --irqchip kernel KVM's
 * in-kernel PICs, IOAPIC and PIT (with the split irqchip they are lkvm
 * devices that save themselves: hw/i8259.c, hw/ioapic.c, hw/i8254.c);
 * for each vCPU its registers, segment and control
 * registers, XSAVE area and XCRs, every MSR KVM saves (including the KVM
 * paravirtual range: kvmclock, steal time, PV EOI, async PF), the local
 * APIC, pending events, debug registers and MP state.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm/kvm.h"
#include "kvm/kvm-cpu.h"
#include "kvm/snapshot.h"
#include "kvm/util.h"

struct x86_vm_state {
	u8	has_pit;	/* KVM's in-kernel PIT */
	u8	split_irqchip;	/* 0 in snapshots from before it existed */
	u8	pad[6];
};

static int vm_ioctl(struct kvm *kvm, unsigned long req, void *arg,
		    const char *what)
{
	if (ioctl(kvm->vm_fd, req, arg) < 0) {
		pr_err("snapshot: %s: %s", what, strerror(errno));
		return -errno;
	}
	return 0;
}

int kvm__arch_save(struct kvm *kvm, struct snapshot *s)
{
	struct x86_vm_state st = {
		.has_pit	= kvm->arch.has_pit,
		.split_irqchip	= kvm->arch.split_irqchip,
	};
	struct kvm_irqchip chip;
	struct kvm_pit_state2 pit;
	struct kvm_clock_data clock;
	static const struct { u32 id; const char *name; } chips[] = {
		{ KVM_IRQCHIP_PIC_MASTER, "x86.pic0" },
		{ KVM_IRQCHIP_PIC_SLAVE, "x86.pic1" },
		{ KVM_IRQCHIP_IOAPIC, "x86.ioapic" },
	};
	unsigned int i;
	int ret;

	ret = snap_put(s, "x86.vm", 1, &st, sizeof(st));
	for (i = 0; !ret && !st.split_irqchip && i < ARRAY_SIZE(chips); i++) {
		memset(&chip, 0, sizeof(chip));
		chip.chip_id = chips[i].id;
		ret = vm_ioctl(kvm, KVM_GET_IRQCHIP, &chip, "KVM_GET_IRQCHIP");
		if (!ret)
			ret = snap_put(s, chips[i].name, 1, &chip, sizeof(chip));
	}
	if (!ret && kvm->arch.has_pit) {
		ret = vm_ioctl(kvm, KVM_GET_PIT2, &pit, "KVM_GET_PIT2");
		if (!ret)
			ret = snap_put(s, "x86.pit", 1, &pit, sizeof(pit));
	}
	if (!ret) {
		memset(&clock, 0, sizeof(clock));
		ret = vm_ioctl(kvm, KVM_GET_CLOCK, &clock, "KVM_GET_CLOCK");
		if (!ret)
			ret = snap_put(s, "x86.clock", 1, &clock, sizeof(clock));
	}
	return ret;
}

int kvm__arch_restore(struct kvm *kvm, struct snapshot *s)
{
	struct x86_vm_state st;
	struct kvm_irqchip chip;
	struct kvm_pit_state2 pit;
	static const char *const chips[] = { "x86.pic0", "x86.pic1", "x86.ioapic" };
	unsigned int i;
	int ret;

	ret = snap_get(s, "x86.vm", 1, &st, sizeof(st));
	if (ret)
		return ret;
	if (!!st.split_irqchip != kvm->arch.split_irqchip) {
		pr_err("snapshot: section x86.vm says the %s irqchip, the VM has the %s one",
		       st.split_irqchip ? "split" : "in-kernel",
		       kvm->arch.split_irqchip ? "split" : "in-kernel");
		return -EPROTO;
	}
	if (st.split_irqchip)
		return 0;	/* the PICs, IOAPIC and PIT are devices */
	if (st.has_pit) {
		struct kvm_pit_config cfg = { .flags = KVM_PIT_SPEAKER_DUMMY };

		ret = vm_ioctl(kvm, KVM_CREATE_PIT2, &cfg, "KVM_CREATE_PIT2");
		if (ret)
			return ret;
		kvm->arch.has_pit = true;
		ret = snap_get(s, "x86.pit", 1, &pit, sizeof(pit));
		if (!ret)
			ret = vm_ioctl(kvm, KVM_SET_PIT2, &pit, "KVM_SET_PIT2");
		if (ret)
			return ret;
	}
	for (i = 0; i < ARRAY_SIZE(chips); i++) {
		ret = snap_get(s, chips[i], 1, &chip, sizeof(chip));
		if (!ret)
			ret = vm_ioctl(kvm, KVM_SET_IRQCHIP, &chip, "KVM_SET_IRQCHIP");
		if (ret)
			return ret;
	}
	return 0;
}

/* Last: guest time continues from the saved kvmclock value. */
int kvm__arch_restore_late(struct kvm *kvm, struct snapshot *s)
{
	struct kvm_clock_data clock;
	int ret = snap_get(s, "x86.clock", 1, &clock, sizeof(clock));

	if (ret)
		return ret;
	clock.flags = 0;
	memset(clock.pad, 0, sizeof(clock.pad));
	return vm_ioctl(kvm, KVM_SET_CLOCK, &clock, "KVM_SET_CLOCK");
}

/* ------------------------------------------------------------ vCPUs */

/*
 * The MSRs to carry: every index KVM lists (KVM_GET_MSR_INDEX_LIST: the
 * ones it saves plus its emulated ones, the PV range among them) that this
 * vCPU can read.
 */
static struct kvm_msrs *msr_list(struct kvm_cpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;
	struct kvm_msr_list probe = { .nmsrs = 0 }, *list;
	struct kvm_msrs *m;
	u32 i, n = 0;

	if (ioctl(kvm->sys_fd, KVM_GET_MSR_INDEX_LIST, &probe) < 0 &&
	    errno != E2BIG)
		return NULL;
	list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(u32));
	if (!list)
		return NULL;
	list->nmsrs = probe.nmsrs;
	if (ioctl(kvm->sys_fd, KVM_GET_MSR_INDEX_LIST, list) < 0) {
		free(list);
		return NULL;
	}
	m = calloc(1, sizeof(*m) + list->nmsrs * sizeof(m->entries[0]));
	if (!m) {
		free(list);
		return NULL;
	}
	/* Keep the ones that read back on their own. */
	for (i = 0; i < list->nmsrs; i++) {
		struct {
			struct kvm_msrs		h;
			struct kvm_msr_entry	e;
		} one = { .h.nmsrs = 1, .e.index = list->indices[i] };

		if (ioctl(vcpu->fd, KVM_GET_MSRS, &one) == 1)
			m->entries[n++].index = list->indices[i];
	}
	m->nmsrs = n;
	free(list);
	return m;
}

#define CPU_SECTION(buf, vcpu, what) \
	snprintf(buf, sizeof(buf), "cpu%lu.%s", (vcpu)->id, what)

static int cpu_get(struct kvm_cpu *vcpu, unsigned long req, void *arg,
		   const char *what)
{
	if (ioctl(vcpu->fd, req, arg) < 0) {
		pr_err("snapshot: vCPU %lu: %s: %s", vcpu->id, what,
		       strerror(errno));
		return -errno;
	}
	return 0;
}

static int put_cpu(struct snapshot *s, struct kvm_cpu *vcpu, const char *what,
		   const void *p, u32 len)
{
	char id[48];

	CPU_SECTION(id, vcpu, what);
	return snap_put(s, id, 1, p, len);
}

static int xsave_size(struct kvm *kvm)
{
	int sz = kvm__check_extension(kvm, KVM_CAP_XSAVE2);

	return sz > (int)sizeof(struct kvm_xsave) ? sz : (int)sizeof(struct kvm_xsave);
}

int kvm_cpu__arch_save(struct kvm_cpu *vcpu, struct snapshot *s)
{
	struct kvm *kvm = vcpu->kvm;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_xcrs xcrs;
	struct kvm_lapic_state lapic;
	struct kvm_vcpu_events events;
	struct kvm_debugregs dregs;
	struct kvm_mp_state mp;
	struct kvm_xsave *xsave;
	struct kvm_msrs *msrs;
	int xsz = xsave_size(kvm), ret, n;

	ret = cpu_get(vcpu, KVM_GET_REGS, &regs, "KVM_GET_REGS");
	if (!ret)
		ret = put_cpu(s, vcpu, "regs", &regs, sizeof(regs));
	if (!ret)
		ret = cpu_get(vcpu, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS");
	if (!ret)
		ret = put_cpu(s, vcpu, "sregs", &sregs, sizeof(sregs));
	if (ret)
		return ret;

	xsave = calloc(1, xsz);
	if (!xsave)
		return -ENOMEM;
	ret = cpu_get(vcpu, xsz > (int)sizeof(*xsave) ? KVM_GET_XSAVE2 :
		      KVM_GET_XSAVE, xsave, "KVM_GET_XSAVE");
	if (!ret)
		ret = put_cpu(s, vcpu, "xsave", xsave, xsz);
	free(xsave);
	if (!ret && kvm__check_extension(kvm, KVM_CAP_XCRS)) {
		ret = cpu_get(vcpu, KVM_GET_XCRS, &xcrs, "KVM_GET_XCRS");
		if (!ret)
			ret = put_cpu(s, vcpu, "xcrs", &xcrs, sizeof(xcrs));
	}
	if (ret)
		return ret;

	msrs = msr_list(vcpu);
	if (!msrs) {
		pr_err("snapshot: vCPU %lu: cannot list MSRs", vcpu->id);
		return -EIO;
	}
	n = ioctl(vcpu->fd, KVM_GET_MSRS, msrs);
	if (n != (int)msrs->nmsrs) {
		pr_err("snapshot: vCPU %lu: KVM_GET_MSRS read %d of %u", vcpu->id,
		       n, msrs->nmsrs);
		free(msrs);
		return -EIO;
	}
	ret = put_cpu(s, vcpu, "msrs", msrs, sizeof(*msrs) +
		      msrs->nmsrs * sizeof(msrs->entries[0]));
	free(msrs);

	if (!ret)
		ret = cpu_get(vcpu, KVM_GET_LAPIC, &lapic, "KVM_GET_LAPIC");
	if (!ret)
		ret = put_cpu(s, vcpu, "lapic", &lapic, sizeof(lapic));
	if (!ret)
		ret = cpu_get(vcpu, KVM_GET_VCPU_EVENTS, &events,
			      "KVM_GET_VCPU_EVENTS");
	if (!ret)
		ret = put_cpu(s, vcpu, "events", &events, sizeof(events));
	if (!ret)
		ret = cpu_get(vcpu, KVM_GET_DEBUGREGS, &dregs, "KVM_GET_DEBUGREGS");
	if (!ret)
		ret = put_cpu(s, vcpu, "debugregs", &dregs, sizeof(dregs));
	if (!ret)
		ret = cpu_get(vcpu, KVM_GET_MP_STATE, &mp, "KVM_GET_MP_STATE");
	if (!ret)
		ret = put_cpu(s, vcpu, "mpstate", &mp, sizeof(mp));
	return ret;
}

static int get_cpu(struct snapshot *s, struct kvm_cpu *vcpu, const char *what,
		   void *p, u32 len)
{
	char id[48];

	CPU_SECTION(id, vcpu, what);
	return snap_get(s, id, 1, p, len);
}

#define MSR_IA32_TSC_DEADLINE	0x6e0

/*
 * KVM_SET_LAPIC resets the TSC-deadline timer, so its MSR is set again
 * after the LAPIC; otherwise a vCPU halted on its timer never wakes up.
 */
static int set_tsc_deadline(struct kvm_cpu *vcpu, struct snapshot *s)
{
	const struct kvm_msrs *saved;
	const void *p;
	char id[48];
	u32 len, i;

	CPU_SECTION(id, vcpu, "msrs");
	if (snap_get_var(s, id, 1, &p, &len))
		return -EPROTO;
	saved = p;
	for (i = 0; i < saved->nmsrs; i++) {
		struct {
			struct kvm_msrs		h;
			struct kvm_msr_entry	e;
		} one = { .h.nmsrs = 1, .e = saved->entries[i] };

		if (saved->entries[i].index != MSR_IA32_TSC_DEADLINE)
			continue;
		if (ioctl(vcpu->fd, KVM_SET_MSRS, &one) != 1) {
			pr_err("snapshot: vCPU %lu: TSC deadline not restored",
			       vcpu->id);
			return -EIO;
		}
	}
	return 0;
}

static int set_msrs(struct kvm_cpu *vcpu, struct snapshot *s)
{
	const struct kvm_msrs *saved;
	struct kvm_msrs *m;
	const void *p;
	char id[48];
	u32 len, done = 0;
	int ret;

	CPU_SECTION(id, vcpu, "msrs");
	ret = snap_get_var(s, id, 1, &p, &len);
	if (ret)
		return ret;
	saved = p;
	if (len < sizeof(*saved) || saved->nmsrs > 4096 ||
	    len != sizeof(*saved) + saved->nmsrs * sizeof(saved->entries[0])) {
		pr_err("snapshot: section %s is malformed", id);
		return -EPROTO;
	}
	m = malloc(len);
	if (!m)
		return -ENOMEM;
	memcpy(m, saved, len);
	/* Set in bulk; an MSR this host refuses is skipped, the rest go on. */
	while (done < saved->nmsrs) {
		int n;

		m->nmsrs = saved->nmsrs - done;
		memmove(m->entries, saved->entries + done,
			m->nmsrs * sizeof(m->entries[0]));
		n = ioctl(vcpu->fd, KVM_SET_MSRS, m);
		if (n < 0) {
			ret = -errno;
			break;
		}
		done += n;
		if (done < saved->nmsrs) {
			pr_warn("vCPU %lu: MSR 0x%x not restored", vcpu->id,
				saved->entries[done].index);
			done++;
		}
	}
	free(m);
	if (ret)
		pr_err("snapshot: vCPU %lu: KVM_SET_MSRS: %s", vcpu->id,
		       strerror(-ret));
	return ret;
}

int kvm_cpu__arch_restore(struct kvm_cpu *vcpu, struct snapshot *s)
{
	struct kvm *kvm = vcpu->kvm;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_xcrs xcrs;
	struct kvm_lapic_state lapic;
	struct kvm_vcpu_events events;
	struct kvm_debugregs dregs;
	struct kvm_mp_state mp;
	struct kvm_xsave *xsave;
	int xsz = xsave_size(kvm), ret;

	ret = get_cpu(s, vcpu, "sregs", &sregs, sizeof(sregs));
	if (!ret)
		ret = cpu_get(vcpu, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS");
	if (!ret)
		ret = get_cpu(s, vcpu, "regs", &regs, sizeof(regs));
	if (!ret)
		ret = cpu_get(vcpu, KVM_SET_REGS, &regs, "KVM_SET_REGS");
	if (!ret && kvm__check_extension(kvm, KVM_CAP_XCRS)) {
		ret = get_cpu(s, vcpu, "xcrs", &xcrs, sizeof(xcrs));
		if (!ret)
			ret = cpu_get(vcpu, KVM_SET_XCRS, &xcrs, "KVM_SET_XCRS");
	}
	if (ret)
		return ret;
	xsave = calloc(1, xsz);
	if (!xsave)
		return -ENOMEM;
	ret = get_cpu(s, vcpu, "xsave", xsave, xsz);
	if (!ret)
		ret = cpu_get(vcpu, KVM_SET_XSAVE, xsave, "KVM_SET_XSAVE");
	free(xsave);
	if (!ret)
		ret = set_msrs(vcpu, s);
	if (!ret)
		ret = get_cpu(s, vcpu, "lapic", &lapic, sizeof(lapic));
	if (!ret)
		ret = cpu_get(vcpu, KVM_SET_LAPIC, &lapic, "KVM_SET_LAPIC");
	if (!ret)
		ret = set_tsc_deadline(vcpu, s);
	if (!ret)
		ret = get_cpu(s, vcpu, "events", &events, sizeof(events));
	if (!ret)
		ret = cpu_get(vcpu, KVM_SET_VCPU_EVENTS, &events,
			      "KVM_SET_VCPU_EVENTS");
	if (!ret)
		ret = get_cpu(s, vcpu, "debugregs", &dregs, sizeof(dregs));
	if (!ret)
		ret = cpu_get(vcpu, KVM_SET_DEBUGREGS, &dregs, "KVM_SET_DEBUGREGS");
	if (!ret)
		ret = get_cpu(s, vcpu, "mpstate", &mp, sizeof(mp));
	if (!ret)
		ret = cpu_get(vcpu, KVM_SET_MP_STATE, &mp, "KVM_SET_MP_STATE");
	return ret;
}
