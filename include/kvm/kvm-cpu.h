/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__KVM_CPU_H
#define KVM__KVM_CPU_H

#include <pthread.h>
#include <stdio.h>
#include <linux/kvm.h>

#include "kvm/compiler.h"
#include "kvm/kvm-cpu-arch.h"

struct kvm;

struct kvm_cpu {
	struct kvm		*kvm;
	unsigned long		id;
	int			fd;
	struct kvm_run		*run;
	pthread_t		thread;
	pid_t			tid;
	bool			started;
	bool			entered;	/* has been in KVM_RUN */
	struct kvm_cpu_arch	arch;
};

int kvm_cpu__init_all(struct kvm *kvm);
int kvm_cpu__start_all(struct kvm *kvm);
/* Stop every vCPU thread and join it. */
void kvm_cpu__stop_all(struct kvm *kvm);
void kvm_cpu__exit_all(struct kvm *kvm);
/* Interrupt a vCPU out of KVM_RUN so it rechecks the VM's flags. */
void kvm_cpu__kick(struct kvm_cpu *vcpu);
void kvm_cpu__dump(struct kvm_cpu *vcpu, FILE *f);

/* Architecture hooks, implemented in <arch>/kvm-cpu.c. */
int kvm_cpu__arch_init(struct kvm_cpu *vcpu);
int kvm_cpu__arch_reset(struct kvm_cpu *vcpu);	/* boot register state */
/*
 * On the vCPU's thread before every KVM_RUN (x86: inject the user-space
 * PIC's interrupt).  Optional.
 */
void kvm_cpu__arch_pre_run(struct kvm_cpu *vcpu);
/* Returns true if the exit was handled, false if it is unhandled. */
bool kvm_cpu__arch_handle_exit(struct kvm_cpu *vcpu);
void kvm_cpu__arch_dump(struct kvm_cpu *vcpu, FILE *f);
void kvm_cpu__arch_exit(struct kvm_cpu *vcpu);
/*
 * Stolen time of @vcpu in ns as its paravirtual record says (the VM is
 * paused); -ENOENT if the guest has not enabled it, -EOPNOTSUPP if the
 * architecture has none.
 */
int kvm_cpu__arch_steal_time(struct kvm_cpu *vcpu, u64 *ns);
/* Run-queue delay of the vCPU's thread (schedstat), in ns. */
int kvm_cpu__run_delay(struct kvm_cpu *vcpu, u64 *ns);

#endif
