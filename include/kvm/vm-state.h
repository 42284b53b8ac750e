/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Saving a paused VM to a snapshot and starting one from it.
 *
 * Order on restore: guest memory (mapped from the snapshot, the stolen
 * time records with it), then what the architecture must set before vCPU
 * state (irqchip, each vCPU's PV time address), then vCPU state, then
 * devices, then the late architecture state (guest clocks).
 */
#ifndef KVM__VM_STATE_H
#define KVM__VM_STATE_H

#include "kvm/compiler.h"
#include "kvm/kvm-config.h"

struct kvm;
struct snapshot;

#define SNAP_PATH_MAX	1024

/* What the restored VM must be built with: its configuration. */
struct snap_config {
	u64	ram_size;
	u32	nrcpus;
	u8	console;
	u8	rng;
	u8	virtio_legacy;
	u8	no_pvtime;
	u8	pmu;
	u8	nr_disks;
	u8	nr_p9;
	u8	pad;
	char	irqchip[16];
	struct {
		char	path[SNAP_PATH_MAX];
		u8	readonly;
		u8	direct;
		u8	pad[6];
	} disk[KVM_MAX_DISKS];
	struct {
		char	dir[SNAP_PATH_MAX];
		char	tag[256];
	} p9[KVM_MAX_9P];
};

/* Save the (paused) VM into DIR; on failure @err gets one line. */
int kvm__save(struct kvm *kvm, const char *dir, char *err, size_t errlen);
/*
 * For run --restore: read DIR's snapshot and take its configuration into
 * kvm->cfg, refusing options that conflict.  Keeps the snapshot in kvm.
 */
int kvm__restore_prepare(struct kvm *kvm, const char *dir);
/* After the VM, its devices and vCPUs exist: load their state. */
int kvm__restore_state(struct kvm *kvm);

/* Architecture hooks (<arch>/snapshot.c). */
int kvm__arch_save(struct kvm *kvm, struct snapshot *s);
int kvm__arch_restore(struct kvm *kvm, struct snapshot *s);
int kvm__arch_restore_late(struct kvm *kvm, struct snapshot *s);
int kvm_cpu__arch_save(struct kvm_cpu *vcpu, struct snapshot *s);
int kvm_cpu__arch_restore(struct kvm_cpu *vcpu, struct snapshot *s);

#endif
