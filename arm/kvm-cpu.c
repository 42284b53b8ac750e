// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 vCPUs: KVM_ARM_VCPU_INIT with the features the VM uses, boot
 * register state (booting.rst), register dumps.
 *
 * Every vCPU gets in-kernel PSCI 0.2+ (KVM_ARM_VCPU_PSCI_0_2); all but the
 * first start powered off (KVM_ARM_VCPU_POWER_OFF) and block in KVM_RUN
 * until the guest brings them up with PSCI CPU_ON, which KVM handles, as
 * it does SYSTEM_OFF and SYSTEM_RESET (KVM_EXIT_SYSTEM_EVENT, generic).
 */
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm/kvm.h"
#include "kvm/kvm-cpu.h"
#include "kvm/arm-pvtime.h"
#include "kvm/util.h"

#define CORE_REG(name)	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
			 KVM_REG_ARM_CORE_REG(name))

#define SYS_MPIDR_EL1	ARM64_SYS_REG(3, 0, 0, 0, 5)
#define SYS_SCTLR_EL1	ARM64_SYS_REG(3, 0, 1, 0, 0)
#define SYS_TTBR0_EL1	ARM64_SYS_REG(3, 0, 2, 0, 0)
#define SYS_TTBR1_EL1	ARM64_SYS_REG(3, 0, 2, 0, 1)
#define SYS_TCR_EL1	ARM64_SYS_REG(3, 0, 2, 0, 2)
#define SYS_ESR_EL1	ARM64_SYS_REG(3, 0, 5, 2, 0)
#define SYS_FAR_EL1	ARM64_SYS_REG(3, 0, 6, 0, 0)
#define SYS_VBAR_EL1	ARM64_SYS_REG(3, 0, 12, 0, 0)

/* PSTATE (PSR_* from <asm/ptrace.h>) */
#define PSR_BOOT	(PSR_MODE_EL1h | PSR_F_BIT | PSR_I_BIT | PSR_A_BIT | \
			 PSR_D_BIT)
#define SCTLR_M		BIT(0)

static int get_reg(struct kvm_cpu *vcpu, u64 id, u64 *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (u64)(unsigned long)val };

	return ioctl(vcpu->fd, KVM_GET_ONE_REG, &r) < 0 ? -errno : 0;
}

static int set_reg(struct kvm_cpu *vcpu, u64 id, u64 val)
{
	struct kvm_one_reg r = { .id = id, .addr = (u64)(unsigned long)&val };

	return ioctl(vcpu->fd, KVM_SET_ONE_REG, &r) < 0 ? -errno : 0;
}

static const char *feature_names(u32 f)
{
	static __thread char buf[96];

	snprintf(buf, sizeof(buf), "%s%s%s%s",
		 f & BIT(KVM_ARM_VCPU_PSCI_0_2) ? " psci-0.2" : "",
		 f & BIT(KVM_ARM_VCPU_POWER_OFF) ? " power-off" : "",
		 f & BIT(KVM_ARM_VCPU_PMU_V3) ? " pmu-v3" : "",
		 f & BIT(KVM_ARM_VCPU_PTRAUTH_ADDRESS) ? " ptrauth" : "");
	return buf;
}

int kvm_cpu__arch_init(struct kvm_cpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;
	struct kvm_vcpu_init *init = &vcpu->arch.init;
	u64 psci;
	u32 f;

	if (ioctl(kvm->vm_fd, KVM_ARM_PREFERRED_TARGET, init) < 0) {
		pr_err("KVM_ARM_PREFERRED_TARGET: %s", strerror(errno));
		return -errno;
	}
	memset(init->features, 0, sizeof(init->features));
	f = BIT(KVM_ARM_VCPU_PSCI_0_2);
	if (vcpu->id != 0)
		f |= BIT(KVM_ARM_VCPU_POWER_OFF);
	if (kvm->arch.pmu)
		f |= BIT(KVM_ARM_VCPU_PMU_V3);
	if (kvm->arch.ptrauth)
		f |= BIT(KVM_ARM_VCPU_PTRAUTH_ADDRESS) |
		     BIT(KVM_ARM_VCPU_PTRAUTH_GENERIC);
	init->features[0] = f;
	if (ioctl(vcpu->fd, KVM_ARM_VCPU_INIT, init) < 0) {
		pr_err("vCPU %lu: KVM_ARM_VCPU_INIT (target %u,%s): %s",
		       vcpu->id, init->target, feature_names(f),
		       strerror(errno));
		return -errno;
	}
	if (get_reg(vcpu, SYS_MPIDR_EL1, &vcpu->arch.mpidr)) {
		pr_err("vCPU %lu: reading MPIDR_EL1: %s", vcpu->id,
		       strerror(errno));
		return -errno;
	}
	/* The PSCI version KVM implements, for the device tree. */
	if (vcpu->id == 0)
		kvm->arch.psci_version =
			get_reg(vcpu, KVM_REG_ARM_PSCI_VERSION, &psci) ?
			0x2 : (u32)psci;
	return kvm_cpu__arch_reset(vcpu);
}

void kvm_cpu__arch_exit(struct kvm_cpu *vcpu)
{
}

/*
 * booting.rst: x0 = physical address of the device tree, x1-x3 = 0,
 * PSTATE = EL1h with D, A, I, F masked, MMU and D-cache off (KVM's reset
 * state), PC = the Image's first byte.  Secondary vCPUs are started by
 * PSCI CPU_ON with the entry point the guest gives.
 */
int kvm_cpu__arch_reset(struct kvm_cpu *vcpu)
{
	struct arm_boot *b = &vcpu->kvm->arch.boot;
	int i, ret;

	if (vcpu->id != 0)
		return 0;
	ret = set_reg(vcpu, CORE_REG(regs.pstate), PSR_BOOT);
	if (!ret)
		ret = set_reg(vcpu, CORE_REG(regs.pc), b->kernel_addr);
	if (!ret)
		ret = set_reg(vcpu, CORE_REG(regs.regs[0]), b->dtb_addr);
	for (i = 1; i < 4 && !ret; i++)
		ret = set_reg(vcpu, CORE_REG(regs.regs[i]), 0);
	if (ret)
		pr_err("vCPU %lu: boot registers: %s", vcpu->id, strerror(-ret));
	return ret;
}

bool kvm_cpu__arch_handle_exit(struct kvm_cpu *vcpu)
{
	return false;
}

static const char *pstate_mode(u64 pstate)
{
	static const char * const modes[16] = {
		[0x0] = "EL0t", [0x4] = "EL1t", [0x5] = "EL1h",
		[0x8] = "EL2t", [0x9] = "EL2h",
	};

	if (pstate & BIT(4))
		return "AArch32";
	return modes[pstate & 0xf] ? modes[pstate & 0xf] : "?";
}

static void dump_sysreg(struct kvm_cpu *vcpu, FILE *f, const char *name,
			u64 id, bool nl)
{
	u64 v;

	if (get_reg(vcpu, id, &v))
		fprintf(f, "  %-5s %16s%s", name, "(n/a)", nl ? "\n" : "");
	else
		fprintf(f, "  %-5s %016llx%s", name, (unsigned long long)v,
			nl ? "\n" : "");
}

void kvm_cpu__arch_dump(struct kvm_cpu *vcpu, FILE *f)
{
	u64 x[31], pc, pstate, sp, sp_el1, elr, spsr, sctlr = 0;
	u8 *code;
	int i;

	for (i = 0; i < 31; i++) {
		if (get_reg(vcpu, CORE_REG(regs.regs[i]), &x[i])) {
			fprintf(f, " (registers unavailable: %s)\n",
				strerror(errno));
			return;
		}
	}
	if (get_reg(vcpu, CORE_REG(regs.pc), &pc) ||
	    get_reg(vcpu, CORE_REG(regs.pstate), &pstate) ||
	    get_reg(vcpu, CORE_REG(regs.sp), &sp) ||
	    get_reg(vcpu, CORE_REG(sp_el1), &sp_el1) ||
	    get_reg(vcpu, CORE_REG(elr_el1), &elr) ||
	    get_reg(vcpu, CORE_REG(spsr[0]), &spsr)) {
		fprintf(f, " (registers unavailable: %s)\n", strerror(errno));
		return;
	}
	fprintf(f, " Registers:\n");
	fprintf(f, "  pc    %016llx  pstate %016llx (%s%s%s%s%s)\n",
		(unsigned long long)pc, (unsigned long long)pstate,
		pstate_mode(pstate), pstate & PSR_D_BIT ? " D" : "",
		pstate & PSR_A_BIT ? " A" : "", pstate & PSR_I_BIT ? " I" : "",
		pstate & PSR_F_BIT ? " F" : "");
	fprintf(f, "  sp_el0 %016llx  sp_el1 %016llx\n",
		(unsigned long long)sp, (unsigned long long)sp_el1);
	fprintf(f, "  elr_el1 %016llx  spsr_el1 %016llx\n",
		(unsigned long long)elr, (unsigned long long)spsr);
	for (i = 0; i < 31; i++)
		fprintf(f, "  x%-2d %016llx%s", i, (unsigned long long)x[i],
			i % 3 == 2 || i == 30 ? "\n" : "");
	fprintf(f, " System registers:\n");
	dump_sysreg(vcpu, f, "esr", SYS_ESR_EL1, false);
	dump_sysreg(vcpu, f, "far", SYS_FAR_EL1, false);
	dump_sysreg(vcpu, f, "vbar", SYS_VBAR_EL1, true);
	dump_sysreg(vcpu, f, "sctlr", SYS_SCTLR_EL1, false);
	dump_sysreg(vcpu, f, "tcr", SYS_TCR_EL1, false);
	dump_sysreg(vcpu, f, "mpidr", SYS_MPIDR_EL1, true);
	dump_sysreg(vcpu, f, "ttbr0", SYS_TTBR0_EL1, false);
	dump_sysreg(vcpu, f, "ttbr1", SYS_TTBR1_EL1, true);

	/* Code at PC while the MMU is off (PC is a physical address). */
	if (!get_reg(vcpu, SYS_SCTLR_EL1, &sctlr) && !(sctlr & SCTLR_M)) {
		code = guest_ptr(vcpu->kvm, pc, 16);
		if (code) {
			fprintf(f, " Code at %llx:", (unsigned long long)pc);
			for (i = 0; i < 16; i++)
				fprintf(f, " %02x", code[i]);
			fprintf(f, "\n");
		}
	}
}

/*
 * The stolen time KVM keeps in the vCPU's record (struct
 * pvclock_vcpu_stolen_time: revision, attributes, then the 64-bit
 * little-endian stolen time in ns).
 */
int kvm_cpu__arch_steal_time(struct kvm_cpu *vcpu, u64 *ns)
{
	struct kvm_arch *a = &vcpu->kvm->arch;
	const u64 *rec;

	if (!a->pvtime_size)
		return -EOPNOTSUPP;
	rec = guest_ptr(vcpu->kvm, a->pvtime_base + (u64)vcpu->id *
			ARM_PVTIME_RECORD_SIZE + ARM_PVTIME_STOLEN_OFF, 8);
	if (!rec)
		return -EFAULT;
	*ns = __atomic_load_n(rec, __ATOMIC_ACQUIRE);
	return 0;
}
