// SPDX-License-Identifier: GPL-2.0
/*
 * riscv64 vCPUs: the ISA KVM gives them (ONE_REG config "isa" and the
 * ISA_EXT registers, after --disable-<ext>), the timer frequency, boot
 * register state, the SBI calls KVM forwards to user space, register
 * dumps and stolen time (SBI STA, on hosts that have it).
 *
 * KVM implements the SBI base, TIME, IPI, RFENCE, HSM and SRST extensions
 * itself: all vCPUs but the first start stopped and the guest starts them
 * with HSM; SRST and the legacy shutdown end KVM_RUN with a system event.
 * It forwards the legacy console calls, and on newer hosts the debug
 * console (DBCN) when user space enables it; lkvm answers those and
 * refuses anything else forwarded with SBI_ERR_NOT_SUPPORTED.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "kvm/kvm.h"
#include "kvm/kvm-cpu.h"
#include "kvm/riscv-cpu.h"
#include "kvm/riscv-isa.h"
#include "kvm/term.h"
#include "kvm/util.h"

#define SSTATUS_SPP	BIT(8)

int riscv_get_reg(struct kvm_cpu *vcpu, u64 id, void *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (u64)(unsigned long)val };

	return ioctl(vcpu->fd, KVM_GET_ONE_REG, &r) < 0 ? -errno : 0;
}

int riscv_set_reg(struct kvm_cpu *vcpu, u64 id, const void *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (u64)(unsigned long)val };

	return ioctl(vcpu->fd, KVM_SET_ONE_REG, &r) < 0 ? -errno : 0;
}

/*
 * --disable-<ext>: clear the extension's ISA_EXT register before the vCPU
 * first runs.  One the host does not offer is already off (said once);
 * one the host's KVM will not let go of is an error.
 */
static int disable_exts(struct kvm_cpu *vcpu)
{
	const u64 *dis = vcpu->kvm->cfg.disable_ext;
	bool first = vcpu->id == 0;
	u32 i;
	int ret;

	for (i = 0; i < riscv_nr_isa_exts; i++) {
		const struct riscv_isa_ext *e = &riscv_isa_exts[i];
		u64 v = 0;

		if (!riscv_ext_test(dis, e->id))
			continue;
		ret = riscv_get_u64(vcpu, RV_ISA_EXT(e->id), &v);
		if (ret || !v) {
			if (first)
				pr_info("--disable-%s: this host does not give "
					"guests %s anyway", e->name, e->name);
			continue;
		}
		ret = riscv_set_u64(vcpu, RV_ISA_EXT(e->id), 0);
		if (ret) {
			if (first)
				pr_err("--disable-%s: this host's KVM cannot "
				       "switch %s off for its guests (%s)",
				       e->name, e->name, strerror(-ret));
			return -EINVAL;
		}
	}
	return 0;
}

/* What the vCPU has now: the single letters and KVM's extension IDs. */
static int read_isa(struct kvm_cpu *vcpu)
{
	struct kvm_cpu_arch *a = &vcpu->arch;
	u32 id;
	u64 v;
	int ret;

	ret = riscv_get_u64(vcpu, RV_CONFIG(RV_CONFIG_ISA), &a->isa);
	if (ret) {
		pr_err("vCPU %lu: reading the ISA (ONE_REG config isa): %s",
		       vcpu->id, strerror(-ret));
		return ret;
	}
	memset(a->ext, 0, sizeof(a->ext));
	for (id = 0; id < RISCV_ISA_EXT_ID_MAX; id++)
		if (!riscv_get_u64(vcpu, RV_ISA_EXT(id), &v) && v)
			riscv_ext_set(a->ext, id);
	ret = riscv_get_u64(vcpu, RV_TIMER(RV_TIMER_FREQUENCY), &a->timebase);
	if (ret || !a->timebase) {
		pr_err("vCPU %lu: reading the timer frequency (ONE_REG timer "
		       "frequency): %s", vcpu->id, ret ? strerror(-ret) : "0 Hz");
		return ret ? ret : -EINVAL;
	}
	/* Optional: absent on older hosts or without the extension. */
	if (riscv_get_u64(vcpu, RV_CONFIG(RV_CONFIG_ZICBOM_BLOCK), &a->cbom_block))
		a->cbom_block = 0;
	if (riscv_get_u64(vcpu, RV_CONFIG(RV_CONFIG_ZICBOZ_BLOCK), &a->cboz_block))
		a->cboz_block = 0;
	if (riscv_get_u64(vcpu, RV_CONFIG(RV_CONFIG_SATP_MODE), &a->satp_mode))
		a->satp_mode = 0;
	return 0;
}

/*
 * SBI extensions KVM can switch per vCPU (newer hosts): steal time (STA)
 * stays on unless --no-pvtime; the debug console is forwarded to lkvm.
 */
static int setup_sbi(struct kvm_cpu *vcpu)
{
	struct kvm_arch *a = &vcpu->kvm->arch;
	u64 v;

	if (!riscv_get_u64(vcpu, RV_SBI_EXT(RISCV_KVM_SBI_EXT_STA), &v)) {
		if (vcpu->kvm->cfg.no_pvtime && v &&
		    riscv_set_u64(vcpu, RV_SBI_EXT(RISCV_KVM_SBI_EXT_STA), 0)) {
			pr_err("vCPU %lu: --no-pvtime: cannot switch SBI STA off",
			       vcpu->id);
			return -EINVAL;
		}
		if (vcpu->id == 0)
			a->sta = v && !vcpu->kvm->cfg.no_pvtime;
	} else if (vcpu->id == 0) {
		a->sta = false;
		if (!vcpu->kvm->cfg.no_pvtime && !vcpu->kvm->restore_snap)
			pr_warn("this host's KVM has no SBI steal-time (STA) "
				"extension: the guest sees no stolen time");
	}
	if (!riscv_get_u64(vcpu, RV_SBI_EXT(RISCV_KVM_SBI_EXT_DBCN), &v)) {
		if (!v)
			riscv_set_u64(vcpu, RV_SBI_EXT(RISCV_KVM_SBI_EXT_DBCN), 1);
		if (vcpu->id == 0)
			a->dbcn = !riscv_get_u64(vcpu,
				RV_SBI_EXT(RISCV_KVM_SBI_EXT_DBCN), &v) && v;
	}
	return 0;
}

int kvm_cpu__arch_init(struct kvm_cpu *vcpu)
{
	int ret = disable_exts(vcpu);

	if (!ret)
		ret = read_isa(vcpu);
	if (!ret)
		ret = setup_sbi(vcpu);
	if (!ret)
		ret = kvm_cpu__arch_reset(vcpu);
	return ret;
}

void kvm_cpu__arch_exit(struct kvm_cpu *vcpu)
{
}

/*
 * The boot hart enters the kernel in S-mode with the MMU off (KVM's reset
 * state), a0 = its hart ID, a1 = the device tree; the others are started
 * by the guest with SBI HSM, which sets the same registers.
 */
int kvm_cpu__arch_reset(struct kvm_cpu *vcpu)
{
	struct riscv_boot *b = &vcpu->kvm->arch.boot;
	int ret;

	if (vcpu->id != 0)
		return 0;
	ret = riscv_set_u64(vcpu, RV_CORE(RV_CORE_PC), b->kernel_addr);
	if (!ret)
		ret = riscv_set_u64(vcpu, RV_CORE(RV_CORE_A0), vcpu->id);
	if (!ret)
		ret = riscv_set_u64(vcpu, RV_CORE(RV_CORE_A1), b->dtb_addr);
	if (!ret)
		ret = riscv_set_u64(vcpu, RV_CORE(RV_CORE_MODE), KVM_RISCV_MODE_S);
	if (ret)
		pr_err("vCPU %lu: boot registers: %s", vcpu->id, strerror(-ret));
	return ret;
}

/* ---------------------------------------------------------------- SBI */

static void console_write(struct kvm *kvm, const u8 *buf, u32 len)
{
	if (kvm->term)
		term_write(kvm->term, buf, len);
	else if (write_in_full(STDOUT_FILENO, buf, len) < 0)
		pr_debug("SBI console: %s", strerror(errno));
}

static int console_read(struct kvm *kvm, u8 *buf, u32 len)
{
	return kvm->term ? (int)term_read(kvm->term, buf, len) : 0;
}

/* DBCN: write/read @num bytes at the guest physical address lo|hi. */
static void sbi_dbcn(struct kvm_cpu *vcpu, struct kvm_run *run)
{
	unsigned long *a = run->riscv_sbi.args;
	struct kvm *kvm = vcpu->kvm;
	u8 byte, *p;
	u64 num = a[0], gpa = a[1] | ((u64)a[2] << 32);

	switch (run->riscv_sbi.function_id) {
	case SBI_EXT_DBCN_WRITE:
	case SBI_EXT_DBCN_READ:
		num = min_t(u64, num, SZ_64K);
		p = num ? guest_ptr(kvm, gpa, num) : NULL;
		if (num && !p) {
			run->riscv_sbi.ret[0] = SBI_ERR_INVALID_PARAM;
			return;
		}
		if (run->riscv_sbi.function_id == SBI_EXT_DBCN_WRITE)
			console_write(kvm, p, num);
		else
			num = num ? console_read(kvm, p, num) : 0;
		run->riscv_sbi.ret[0] = SBI_SUCCESS;
		run->riscv_sbi.ret[1] = num;
		return;
	case SBI_EXT_DBCN_WRITE_BYTE:
		byte = a[0];
		console_write(kvm, &byte, 1);
		run->riscv_sbi.ret[0] = SBI_SUCCESS;
		return;
	}
	run->riscv_sbi.ret[0] = SBI_ERR_NOT_SUPPORTED;
}

static void handle_sbi(struct kvm_cpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	unsigned long ext = run->riscv_sbi.extension_id;
	u8 c;

	run->riscv_sbi.ret[0] = SBI_ERR_NOT_SUPPORTED;
	run->riscv_sbi.ret[1] = 0;
	switch (ext) {
	case SBI_EXT_0_1_CONSOLE_PUTCHAR:
		c = run->riscv_sbi.args[0];
		console_write(vcpu->kvm, &c, 1);
		run->riscv_sbi.ret[0] = 0;
		break;
	case SBI_EXT_0_1_CONSOLE_GETCHAR:
		/* Legacy: the character in a0, or -1 if there is none. */
		run->riscv_sbi.ret[0] = console_read(vcpu->kvm, &c, 1) == 1 ?
					c : (unsigned long)-1L;
		break;
	case SBI_EXT_DBCN:
		sbi_dbcn(vcpu, run);
		break;
	default:
		pr_debug("vCPU %lu: SBI extension 0x%lx function %lu: not "
			 "supported", vcpu->id, ext,
			 (unsigned long)run->riscv_sbi.function_id);
		break;
	}
}

bool kvm_cpu__arch_handle_exit(struct kvm_cpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	switch (run->exit_reason) {
	case KVM_EXIT_RISCV_SBI:
		handle_sbi(vcpu);
		return true;
	case KVM_EXIT_RISCV_CSR:
		/* A CSR KVM does not emulate: reads 0, writes are dropped. */
		pr_warn_once("vCPU %lu: guest access to CSR 0x%lx reached lkvm: "
			     "reads as 0, writes ignored", vcpu->id,
			     (unsigned long)run->riscv_csr.csr_num);
		run->riscv_csr.ret_value = 0;
		return true;
	}
	return false;
}

/* ---------------------------------------------------------- reg dump */

static const char * const core_names[RV_CORE_NR] = {
	"pc", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1",
	"a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7",
	"s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11",
	"t3", "t4", "t5", "t6", "mode",
};

static const char * const csr_names[] = {
	"sstatus", "sie", "stvec", "sscratch", "sepc", "scause", "stval",
	"sip", "satp", "scounteren",
};

void kvm_cpu__arch_dump(struct kvm_cpu *vcpu, FILE *f)
{
	u64 r[RV_CORE_NR], csr[ARRAY_SIZE(csr_names)], pc;
	u8 *code;
	u32 i;
	int ret;

	for (i = 0; i < RV_CORE_NR; i++) {
		ret = riscv_get_u64(vcpu, RV_CORE(i), &r[i]);
		if (ret) {
			fprintf(f, " (registers unavailable: %s)\n",
				strerror(-ret));
			return;
		}
	}
	pc = r[RV_CORE_PC];
	fprintf(f, " Registers:\n");
	fprintf(f, "  pc   %016llx  mode %s\n", (unsigned long long)pc,
		r[RV_CORE_MODE] == KVM_RISCV_MODE_S ? "S" : "U");
	for (i = 1; i < 32; i++)
		fprintf(f, "  %-4s %016llx%s", core_names[i],
			(unsigned long long)r[i], i % 3 == 0 || i == 31 ? "\n" : "");
	fprintf(f, " CSRs:\n");
	for (i = 0; i < ARRAY_SIZE(csr_names); i++) {
		if (riscv_get_u64(vcpu, RV_CSR(i), &csr[i]))
			fprintf(f, "  %-10s %16s%s", csr_names[i], "(n/a)",
				i % 2 ? "\n" : "");
		else
			fprintf(f, "  %-10s %016llx%s", csr_names[i],
				(unsigned long long)csr[i], i % 2 ? "\n" : "");
	}
	/* Code at PC while the MMU is off (PC is a physical address). */
	if (!riscv_get_u64(vcpu, RV_CSR(RV_CSR_SATP), &csr[RV_CSR_SATP]) &&
	    !(csr[RV_CSR_SATP] >> 60)) {
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
 * SBI STA: the guest registers a 64-byte record per hart (struct
 * sbi_sta_struct: sequence, flags, then the 64-bit stolen time in ns),
 * whose address KVM keeps in the vCPU's STA shmem registers.
 */
int kvm_cpu__arch_steal_time(struct kvm_cpu *vcpu, u64 *ns)
{
	u64 lo, hi, gpa;
	const u64 *rec;

	if (!vcpu->kvm->arch.sta)
		return -EOPNOTSUPP;
	if (riscv_get_u64(vcpu, RV_SBI_STA(0), &lo) ||
	    riscv_get_u64(vcpu, RV_SBI_STA(1), &hi))
		return -EOPNOTSUPP;
	if (lo == ~0ULL)
		return -ENOENT;		/* the guest has not registered one */
	gpa = lo;			/* RV64: shmem_hi is 0 */
	(void)hi;
	rec = guest_ptr(vcpu->kvm, gpa + 8, 8);
	if (!rec)
		return -EFAULT;
	*ns = __atomic_load_n(rec, __ATOMIC_ACQUIRE);
	return 0;
}
