/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__KVM_H
#define KVM__KVM_H

#include <pthread.h>
#include <stdatomic.h>
#include <linux/kvm.h>

#include "kvm/compiler.h"
#include "kvm/list.h"
#include "kvm/bus.h"
#include "kvm/guest-mem.h"
#include "kvm/iothread.h"
#include "kvm/snapshot.h"
#include "kvm/kvm-config.h"
#include "kvm/kvm-arch.h"

struct kvm_cpu;
struct vm_device;

enum vm_state {
	VM_STATE_RUNNING = 0,
	VM_STATE_PAUSED,
	VM_STATE_SHUTOFF,
};

/* Why the VM ends; decides lkvm run's exit status. */
enum vm_exit_reason {
	VM_EXIT_NONE = 0,
	VM_EXIT_POWEROFF,	/* guest asked to power off: status 0 */
	VM_EXIT_RESET,		/* guest asked to reset: status 0 */
	VM_EXIT_STOP,		/* lkvm stop / SIGINT / SIGTERM: status 0 */
	VM_EXIT_ERROR,		/* triple fault, internal error...: non-zero */
};

struct kvm {
	struct kvm_config	cfg;
	int			sys_fd;
	int			vm_fd;
	int			vcpu_mmap_size;
	int			max_vcpus;	/* KVM_CAP_MAX_VCPUS */
	int			nr_vcpus_rec;	/* KVM_CAP_NR_VCPUS */

	/* Guest RAM: one contiguous host mapping split into banks. */
	void			*ram;
	u64			ram_size;
	u64			ram_map_size;
	int			ram_fd;		/* hugetlbfs / snapshot file or -1 */
	u64			ram_fd_off;	/* where RAM starts in ram_fd */
	struct guest_mem	mem;

	struct bus		pio_bus;
	struct bus		mmio_bus;

	struct kvm_cpu		**cpus;
	int			nr_cpus;

	struct list_head	devices;	/* struct vm_device */
	struct iothread		io;
	struct irq_routing	*irq;
	struct pci_host		*pci;

	struct kvm_arch		arch;

	/* Lifecycle. */
	pthread_mutex_t		pause_lock;
	pthread_cond_t		pause_cond;
	int			pause_req;	/* under pause_lock */
	int			nr_paused;	/* under pause_lock */
	/* How long kvm__pause waits for the vCPUs (0: KVM_PAUSE_TIMEOUT_MS). */
	unsigned int		pause_timeout_ms;
	atomic_int		state;		/* enum vm_state */
	atomic_int		stop;		/* vCPUs must leave */
	atomic_int		exit_reason;	/* first reason wins */
	int			exit_evfd;	/* main loop wakes on it */

	/* CLOCK_MONOTONIC when lkvm run started (for start-up timings). */
	u64			start_ns;

	/* run --restore: the snapshot being restored, until it is. */
	struct snapshot		*restore_snap;
	struct snapshot_mem	restore_mem;
	struct snap_config	*restore_cfg;

	/* Back-pointers set by the run command, may be NULL in tests. */
	struct term		*term;
	struct ctl_server	*ctl;
};

/* Open /dev/kvm, check the API and capabilities, create the VM. */
int kvm__open(struct kvm *kvm, const char *dev);
/* Allocate guest RAM, register memory slots (arch decides the banks). */
int kvm__init_ram(struct kvm *kvm);
int kvm__register_mem(struct kvm *kvm, u64 gpa, u64 size, void *host);
void kvm__close(struct kvm *kvm);

/* Every capability the VMM relies on, checked with a named error. */
struct kvm_cap_req {
	int		cap;
	const char	*name;
};
int kvm__check_caps(struct kvm *kvm, const struct kvm_cap_req *caps, int nr);
int kvm__check_extension(struct kvm *kvm, int cap);

static inline void *guest_ptr(struct kvm *kvm, u64 gpa, u64 len)
{
	return guest_mem_ptr(&kvm->mem, gpa, len);
}

/* Interrupt lines and eventfd helpers. */
int kvm__irq_line(struct kvm *kvm, u32 irq, int level);
int kvm__irq_trigger(struct kvm *kvm, u32 irq);
int kvm__irqfd(struct kvm *kvm, u32 gsi, int fd, int resample_fd, bool assign);
int kvm__ioeventfd(struct kvm *kvm, u64 addr, u32 len, int fd, bool pio,
		   bool assign, bool datamatch, u64 data);

/* Lifecycle: any thread may request the end of the VM. */
void kvm__request_exit(struct kvm *kvm, enum vm_exit_reason reason);
#define KVM_PAUSE_TIMEOUT_S	10
#define KVM_PAUSE_TIMEOUT_MS	(KVM_PAUSE_TIMEOUT_S * 1000)
/* Returns once every vCPU is parked; -ETIMEDOUT (not paused) if one stays
 * in KVM_RUN past kvm->pause_timeout_ms. */
int kvm__pause(struct kvm *kvm);
int kvm__resume(struct kvm *kvm);
const char *vm_state_name(enum vm_state s);

/* Devices. */
void kvm__add_device(struct kvm *kvm, struct vm_device *dev);
void kvm__reset_devices(struct kvm *kvm);
void kvm__exit_devices(struct kvm *kvm);

/* Architecture hooks, implemented in <arch>/kvm.c. */
extern const struct kvm_cap_req kvm_arch_caps[];
extern const int kvm_arch_nr_caps;
int kvm__arch_init(struct kvm *kvm);		/* irqchip, timers, ... */
int kvm__arch_memory_layout(struct kvm *kvm);	/* banks from RAM size */
int kvm__arch_init_devices(struct kvm *kvm);	/* platform devices */
int kvm__arch_load_kernel(struct kvm *kvm);	/* -k/-i/-p */
int kvm__arch_finalize(struct kvm *kvm);	/* boot tables, after devices */
void kvm__arch_exit(struct kvm *kvm);
const char *kvm__arch_default_cmdline(const struct kvm_config *cfg);
int kvm__arch_irq_line(struct kvm *kvm, u32 irq, int level);

/* Where PCI lives in the guest physical address space. */
struct pci_layout {
	u64	ecam_base;
	u64	ecam_size;
	u64	mmio32_base;
	u64	mmio32_size;
	u64	mmio64_base;
	u64	mmio64_size;
	u64	io_base;	/* PCI I/O addresses handed out */
	u64	io_size;
	u64	io_mmio_base;	/* CPU address of the I/O window, 0 if none */
	bool	cf8;		/* configuration mechanism #1 on 0xCF8 */
	bool	preassign;	/* assign BARs like firmware (else leave 0) */
};
void kvm__arch_pci_layout(struct kvm *kvm, struct pci_layout *l);
/* GSI for a function's INTx pin A, and how to route it (irqchip, pin). */
u32 kvm__arch_pci_intx_gsi(struct kvm *kvm, u8 devfn);
/* Whether INTx goes through resampling irqfds (an in-kernel irqchip);
 * if not, the PCI core drives the level with kvm__irq_line(). */
bool kvm__arch_intx_irqfd(struct kvm *kvm);
/* MSI device ID for the ITS (arm64); false if the arch has none. */
bool kvm__arch_msi_devid(struct kvm *kvm, u8 devfn, u32 *devid);

#endif
