// SPDX-License-Identifier: GPL-2.0
/* x86 vCPUs: CPUID, local APIC LINTs, boot register state, dumps. */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm/kvm.h"
#include "kvm/kvm-cpu.h"
#include "kvm/i8259.h"
#include "kvm/ioapic.h"
#include "kvm/util.h"

#define MAX_CPUID_ENTRIES	256

#define X86_CR0_PE	(1ULL << 0)
#define X86_CR0_MP	(1ULL << 1)
#define X86_CR0_ET	(1ULL << 4)
#define X86_CR0_NE	(1ULL << 5)
#define X86_CR0_WP	(1ULL << 16)
#define X86_CR0_AM	(1ULL << 18)
#define X86_CR0_PG	(1ULL << 31)
#define X86_CR4_PAE	(1ULL << 5)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

#define APIC_LVT0	0x350
#define APIC_LVT1	0x360
#define APIC_MODE_EXTINT 0x7
#define APIC_MODE_NMI	0x4

static struct kvm_cpuid2 *get_supported_cpuid(struct kvm *kvm)
{
	struct kvm_cpuid2 *c;

	c = calloc(1, sizeof(*c) + MAX_CPUID_ENTRIES * sizeof(c->entries[0]));
	if (!c)
		return NULL;
	c->nent = MAX_CPUID_ENTRIES;
	if (ioctl(kvm->sys_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
		pr_err("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		free(c);
		return NULL;
	}
	return c;
}

/*
 * Start from what KVM supports, which includes the KVM paravirt leaves
 * (0x40000000: signature; 0x40000001: kvmclock, steal time, PV EOI...),
 * and make it per vCPU: APIC IDs and the hypervisor bit.
 */
static void filter_cpuid(struct kvm_cpu *vcpu, struct kvm_cpuid2 *c)
{
	u32 i;

	for (i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		switch (e->function) {
		case 1:
			/* KVM emulates the TSC deadline timer but leaves the
			 * bit to user space: without it Linux calibrates the
			 * LAPIC timer against the PIT, badly when nested. */
			if (vcpu->kvm->arch.tsc_deadline)
				e->ecx |= 1U << 24;
			e->ebx &= 0x0000ffff;
			e->ebx |= (u32)vcpu->id << 24;
			e->ebx |= (u32)min_t(int, vcpu->kvm->nr_cpus, 255) << 16;
			e->edx |= 1U << 28;		/* HTT: count is valid */
			e->ecx |= 1U << 31;		/* hypervisor */
			break;
		case 0xb:
		case 0x1f:
			e->edx = vcpu->id;
			break;
		}
	}
}

static int setup_lapic(struct kvm_cpu *vcpu)
{
	struct kvm_lapic_state lapic;
	u32 *lvt0, *lvt1;

	if (ioctl(vcpu->fd, KVM_GET_LAPIC, &lapic) < 0)
		return -errno;
	lvt0 = (u32 *)&lapic.regs[APIC_LVT0];
	lvt1 = (u32 *)&lapic.regs[APIC_LVT1];
	*lvt0 = (*lvt0 & ~0x700U) | (APIC_MODE_EXTINT << 8);
	*lvt1 = (*lvt1 & ~0x700U) | (APIC_MODE_NMI << 8);
	if (ioctl(vcpu->fd, KVM_SET_LAPIC, &lapic) < 0)
		return -errno;
	return 0;
}

int kvm_cpu__arch_init(struct kvm_cpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;
	struct kvm_cpuid2 *c = get_supported_cpuid(kvm);
	int ret;

	if (!c)
		return -EINVAL;
	kvm->arch.tsc_deadline =
		kvm__check_extension(kvm, KVM_CAP_TSC_DEADLINE_TIMER);
	filter_cpuid(vcpu, c);
	if (ioctl(vcpu->fd, KVM_SET_CPUID2, c) < 0) {
		pr_err("vCPU %lu: KVM_SET_CPUID2: %s", vcpu->id, strerror(errno));
		free(c);
		return -errno;
	}
	vcpu->arch.cpuid = c;
	if (vcpu->id == 0) {
		pthread_mutex_lock(&kvm->arch.bsp_lock);
		kvm->arch.bsp = vcpu;
		pthread_mutex_unlock(&kvm->arch.bsp_lock);
	}
	ret = setup_lapic(vcpu);
	if (ret) {
		pr_err("vCPU %lu: local APIC setup: %s", vcpu->id, strerror(-ret));
		return ret;
	}
	return kvm_cpu__arch_reset(vcpu);
}

void kvm_cpu__arch_exit(struct kvm_cpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;

	if (vcpu->id == 0) {
		pthread_mutex_lock(&kvm->arch.bsp_lock);
		kvm->arch.bsp = NULL;
		pthread_mutex_unlock(&kvm->arch.bsp_lock);
	}
	free(vcpu->arch.cpuid);
	vcpu->arch.cpuid = NULL;
}

static void set_seg(struct kvm_segment *s, u16 sel, u64 base, u32 limit,
		    u8 type, bool code64)
{
	*s = (struct kvm_segment) {
		.base = base, .limit = limit, .selector = sel, .type = type,
		.present = 1, .s = 1,
	};
	if (limit == 0xffffffff) {
		s->g = 1;
		s->db = !code64;
		s->l = code64;
	}
}

static int reset_long_mode(struct kvm_cpu *vcpu)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	set_seg(&sregs.cs, 0x10, 0, 0xffffffff, 0xb, true);
	set_seg(&sregs.ds, 0x18, 0, 0xffffffff, 0x3, false);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.tr = (struct kvm_segment) {
		.base = 0, .limit = 0xfff, .selector = 0x20, .type = 0xb,
		.present = 1,
	};
	sregs.gdt.base = BOOT_GDT_ADDR;
	sregs.gdt.limit = 5 * 8 - 1;
	sregs.idt.base = BOOT_IDT_ADDR;
	sregs.idt.limit = 0;
	sregs.cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE |
		    X86_CR0_WP | X86_CR0_AM | X86_CR0_PG;
	sregs.cr3 = BOOT_PML4_ADDR;
	sregs.cr4 = X86_CR4_PAE;
	sregs.efer = EFER_LME | EFER_LMA;
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0)
		return -errno;

	memset(&regs, 0, sizeof(regs));
	regs.rflags = 0x2;
	regs.rip = vcpu->kvm->arch.boot_entry;
	regs.rsi = BOOT_ZERO_PAGE;
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0)
		return -errno;
	return 0;
}

static int reset_real_mode(struct kvm_cpu *vcpu)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	sregs.cs.selector = FLAT_SELECTOR;
	sregs.cs.base = (u64)FLAT_SELECTOR << 4;
	sregs.ss = sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.cs;
	sregs.ss.type = sregs.ds.type = sregs.es.type = 0x3;
	sregs.fs.type = sregs.gs.type = 0x3;
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0)
		return -errno;
	memset(&regs, 0, sizeof(regs));
	regs.rflags = 0x2;
	regs.rip = FLAT_IP;
	regs.rsp = regs.rbp = FLAT_SP;
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0)
		return -errno;
	return 0;
}

static int reset_fpu(struct kvm_cpu *vcpu)
{
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };

	return ioctl(vcpu->fd, KVM_SET_FPU, &fpu) < 0 ? -errno : 0;
}

int kvm_cpu__arch_reset(struct kvm_cpu *vcpu)
{
	int ret;

	/* Application processors wait for INIT/SIPI in the in-kernel LAPIC. */
	if (vcpu->id != 0)
		return 0;
	ret = reset_fpu(vcpu);
	if (ret)
		return ret;
	switch (vcpu->kvm->arch.boot_type) {
	case X86_BOOT_BZIMAGE64:
		return reset_long_mode(vcpu);
	case X86_BOOT_FLAT:
		return reset_real_mode(vcpu);
	case X86_BOOT_NONE:
		break;
	}
	return 0;
}

/*
 * Split irqchip: the PIC's INT is wired to the boot vCPU's LINT0 (ExtINT).
 * KVM takes the vector with KVM_INTERRUPT once the vCPU can accept it
 * (interrupts enabled, LINT0 unmasked ExtINT, nothing else pending), which
 * kvm_run's ready_for_interrupt_injection says after every exit; until
 * then request_interrupt_window makes KVM exit as soon as it can.  The
 * acknowledge (INTA) happens only when the vector goes in, and not when
 * KVM_RUN is about to return at once (a kick), so that a pause does not
 * catch an acknowledged vector that KVM holds but does not save.
 */
void kvm_cpu__arch_pre_run(struct kvm_cpu *vcpu)
{
	struct i8259 *pic = vcpu->kvm->arch.pic;
	struct kvm_run *run = vcpu->run;
	struct kvm_interrupt intr;
	int vec;

	if (!pic || vcpu->id != 0)
		return;
	if (!i8259__output(pic)) {
		run->request_interrupt_window = 0;
		return;
	}
	if (run->ready_for_interrupt_injection &&
	    !__atomic_load_n(&run->immediate_exit, __ATOMIC_ACQUIRE)) {
		vec = i8259__read_irq(pic);
		if (vec >= 0) {
			intr.irq = vec;
			if (ioctl(vcpu->fd, KVM_INTERRUPT, &intr) < 0)
				pr_warn_once("vCPU 0: KVM_INTERRUPT %d: %s", vec,
					     strerror(errno));
		}
	}
	run->request_interrupt_window = i8259__output(pic);
}

bool kvm_cpu__arch_handle_exit(struct kvm_cpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	switch (run->exit_reason) {
	case KVM_EXIT_HLT:
		/* Only without an in-kernel LAPIC; treat as idle. */
		return true;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		/* The PIC's vector goes in before the next KVM_RUN. */
		return true;
	case KVM_EXIT_IOAPIC_EOI:
		ioapic__eoi(vcpu->kvm->arch.ioapic, run->eoi.vector);
		return true;
	}
	return false;
}

static void dump_seg(FILE *f, const char *name, const struct kvm_segment *s)
{
	fprintf(f, "  %-3s %04x  base %016llx  limit %08x  type %x p%u dpl%u db%u s%u l%u g%u\n",
		name, s->selector, (unsigned long long)s->base, s->limit,
		s->type, s->present, s->dpl, s->db, s->s, s->l, s->g);
}

void kvm_cpu__arch_dump(struct kvm_cpu *vcpu, FILE *f)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	u64 phys;
	u8 *code;
	int i;

	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0 ||
	    ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0) {
		fprintf(f, " (registers unavailable: %s)\n", strerror(errno));
		return;
	}
	fprintf(f, " Registers:\n");
	fprintf(f, "  rip %016llx  rsp %016llx  flags %016llx\n",
		r.rip, r.rsp, r.rflags);
	fprintf(f, "  rax %016llx  rbx %016llx  rcx %016llx\n", r.rax, r.rbx, r.rcx);
	fprintf(f, "  rdx %016llx  rsi %016llx  rdi %016llx\n", r.rdx, r.rsi, r.rdi);
	fprintf(f, "  rbp %016llx  r8  %016llx  r9  %016llx\n", r.rbp, r.r8, r.r9);
	fprintf(f, "  r10 %016llx  r11 %016llx  r12 %016llx\n", r.r10, r.r11, r.r12);
	fprintf(f, "  r13 %016llx  r14 %016llx  r15 %016llx\n", r.r13, r.r14, r.r15);
	fprintf(f, "  cr0 %016llx  cr2 %016llx  cr3 %016llx\n", s.cr0, s.cr2, s.cr3);
	fprintf(f, "  cr4 %016llx  cr8 %016llx  efer %016llx\n", s.cr4, s.cr8, s.efer);
	fprintf(f, " Segments:\n");
	dump_seg(f, "cs", &s.cs);
	dump_seg(f, "ss", &s.ss);
	dump_seg(f, "ds", &s.ds);
	dump_seg(f, "es", &s.es);
	dump_seg(f, "fs", &s.fs);
	dump_seg(f, "gs", &s.gs);
	dump_seg(f, "tr", &s.tr);
	fprintf(f, "  gdt base %016llx limit %04x  idt base %016llx limit %04x\n",
		(unsigned long long)s.gdt.base, s.gdt.limit,
		(unsigned long long)s.idt.base, s.idt.limit);
	fprintf(f, "  apic base %016llx  interrupt bitmap %016llx\n",
		(unsigned long long)s.apic_base,
		(unsigned long long)s.interrupt_bitmap[0]);

	/* Code at RIP, when it is reachable without walking page tables. */
	if (!(s.cr0 & X86_CR0_PG) || s.cr3 == BOOT_PML4_ADDR) {
		phys = s.cs.base + r.rip;
		code = guest_ptr(vcpu->kvm, phys, 16);
		if (code) {
			fprintf(f, " Code at %llx:", (unsigned long long)phys);
			for (i = 0; i < 16; i++)
				fprintf(f, " %02x", code[i]);
			fprintf(f, "\n");
		}
	}
}

/* The guest's struct kvm_steal_time, at the address it gave the MSR. */
#define MSR_KVM_STEAL_TIME	0x4b564d03
#define KVM_MSR_ENABLED		1

int kvm_cpu__arch_steal_time(struct kvm_cpu *vcpu, u64 *ns)
{
	struct {
		struct kvm_msrs		h;
		struct kvm_msr_entry	e;
	} m = { .h.nmsrs = 1, .e.index = MSR_KVM_STEAL_TIME };
	const u64 *rec;

	if (ioctl(vcpu->fd, KVM_GET_MSRS, &m) != 1)
		return -EOPNOTSUPP;
	if (!(m.e.data & KVM_MSR_ENABLED))
		return -ENOENT;
	rec = guest_ptr(vcpu->kvm, m.e.data & ~63ULL, 64);
	if (!rec)
		return -EFAULT;
	*ns = __atomic_load_n(rec, __ATOMIC_ACQUIRE);
	return 0;
}
