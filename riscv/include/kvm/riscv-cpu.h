/* SPDX-License-Identifier: GPL-2.0 */
/*
 * riscv64 vCPU registers through KVM's ONE_REG interface, and the pieces
 * of the RISC-V KVM uapi that Linux 6.1's headers lack (newer hosts may
 * have them: lkvm probes).
 */
#ifndef KVM__RISCV_CPU_H
#define KVM__RISCV_CPU_H

#include <linux/kvm.h>
#include "kvm/compiler.h"

struct kvm_cpu;

#ifndef KVM_REG_RISCV_SUBTYPE_SHIFT
#define KVM_REG_RISCV_SUBTYPE_MASK	0x0000000000FF0000ULL
#define KVM_REG_RISCV_SUBTYPE_SHIFT	16
#endif
#ifndef KVM_REG_RISCV_CSR_AIA
#define KVM_REG_RISCV_CSR_AIA		(0x1 << KVM_REG_RISCV_SUBTYPE_SHIFT)
#endif
#ifndef KVM_REG_RISCV_CSR_SMSTATEEN
#define KVM_REG_RISCV_CSR_SMSTATEEN	(0x2 << KVM_REG_RISCV_SUBTYPE_SHIFT)
#endif
#ifndef KVM_REG_RISCV_SBI_EXT
#define KVM_REG_RISCV_SBI_EXT		(0x08 << KVM_REG_RISCV_TYPE_SHIFT)
#endif
#ifndef KVM_REG_RISCV_VECTOR
#define KVM_REG_RISCV_VECTOR		(0x09 << KVM_REG_RISCV_TYPE_SHIFT)
#endif
#ifndef KVM_REG_RISCV_SBI_STATE
#define KVM_REG_RISCV_SBI_STATE		(0x0a << KVM_REG_RISCV_TYPE_SHIFT)
#endif
#define KVM_REG_RISCV_SBI_STA_SUB	(0x0 << KVM_REG_RISCV_SUBTYPE_SHIFT)

/* enum KVM_RISCV_SBI_EXT_ID (newer uapi) */
#define RISCV_KVM_SBI_EXT_DBCN		9
#define RISCV_KVM_SBI_EXT_STA		10
#define RISCV_KVM_SBI_EXT_MAX_PROBE	32

/* SBI (RISC-V Supervisor Binary Interface) numbers lkvm handles. */
#define SBI_EXT_0_1_CONSOLE_PUTCHAR	0x1
#define SBI_EXT_0_1_CONSOLE_GETCHAR	0x2
#define SBI_EXT_DBCN			0x4442434E
#define SBI_EXT_DBCN_WRITE		0
#define SBI_EXT_DBCN_READ		1
#define SBI_EXT_DBCN_WRITE_BYTE		2
#define SBI_SUCCESS			0
#define SBI_ERR_FAILURE			(-1L)
#define SBI_ERR_NOT_SUPPORTED		(-2L)
#define SBI_ERR_INVALID_PARAM		(-3L)

/* A 64-bit register of @type (config, core, CSR, timer, ...) at @idx. */
#define RV_REG(type, idx) \
	(KVM_REG_RISCV | KVM_REG_SIZE_U64 | (u64)(type) | (u64)(idx))
#define RV_CONFIG(idx)		RV_REG(KVM_REG_RISCV_CONFIG, idx)
#define RV_CORE(idx)		RV_REG(KVM_REG_RISCV_CORE, idx)
#define RV_CSR(idx)		RV_REG(KVM_REG_RISCV_CSR, idx)
#define RV_TIMER(idx)		RV_REG(KVM_REG_RISCV_TIMER, idx)
#define RV_ISA_EXT(id)		RV_REG(KVM_REG_RISCV_ISA_EXT, id)
#define RV_SBI_EXT(id)		RV_REG(KVM_REG_RISCV_SBI_EXT, id)
#define RV_SBI_STA(idx)		RV_REG(KVM_REG_RISCV_SBI_STATE | \
				       KVM_REG_RISCV_SBI_STA_SUB, idx)

/* struct kvm_riscv_config indices (6.1 has isa and zicbom_block_size). */
#define RV_CONFIG_ISA		0
#define RV_CONFIG_ZICBOM_BLOCK	1
#define RV_CONFIG_ZICBOZ_BLOCK	5
#define RV_CONFIG_SATP_MODE	6
#define RV_CONFIG_NR		8
/* struct kvm_riscv_core: regs.pc .. regs.t6, then mode. */
#define RV_CORE_PC		0
#define RV_CORE_RA		1
#define RV_CORE_A0		10
#define RV_CORE_A1		11
#define RV_CORE_MODE		32
#define RV_CORE_NR		33
/* struct kvm_riscv_csr (general): senvcfg (10) came after 6.1. */
#define RV_CSR_SSTATUS		0
#define RV_CSR_SIE		1
#define RV_CSR_STVEC		2
#define RV_CSR_SSCRATCH		3
#define RV_CSR_SEPC		4
#define RV_CSR_SCAUSE		5
#define RV_CSR_STVAL		6
#define RV_CSR_SIP		7
#define RV_CSR_SATP		8
#define RV_CSR_SCOUNTEREN	9
#define RV_CSR_NR		11
#define RV_CSR_AIA_NR		7
/* struct kvm_riscv_timer */
#define RV_TIMER_FREQUENCY	0
#define RV_TIMER_TIME		1
#define RV_TIMER_COMPARE	2
#define RV_TIMER_STATE		3

int riscv_get_reg(struct kvm_cpu *vcpu, u64 id, void *val);
int riscv_set_reg(struct kvm_cpu *vcpu, u64 id, const void *val);

static inline int riscv_get_u64(struct kvm_cpu *vcpu, u64 id, u64 *val)
{
	return riscv_get_reg(vcpu, id, val);
}

static inline int riscv_set_u64(struct kvm_cpu *vcpu, u64 id, u64 val)
{
	return riscv_set_reg(vcpu, id, &val);
}

#endif
