/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__KVM_CONFIG_H
#define KVM__KVM_CONFIG_H

#include "kvm/compiler.h"

#define KVM_MAX_DISKS		8
#define KVM_MAX_9P		8
#define KVM_CMDLINE_MAX		4096

enum kvm_console {
	CONSOLE_SERIAL = 0,
	CONSOLE_VIRTIO,
	CONSOLE_HV,
};

struct disk_config {
	const char	*path;
	bool		readonly;
	bool		direct;
};

struct p9_config {
	const char	*dir;
	const char	*tag;
};

struct kvm_config {
	const char	*name;
	const char	*kernel;
	const char	*initrd;
	const char	*params;
	const char	*firmware;
	u64		ram_size;	/* bytes */
	int		nrcpus;
	const char	*hugetlbfs;
	enum kvm_console console;
	bool		nodefaults;
	bool		debug;		/* --debug: debug messages */
	bool		debug_ioport;
	bool		debug_mmio;
	bool		flat;		/* kernel loaded as a flat binary */

	/* Devices. */
	struct disk_config disk[KVM_MAX_DISKS];
	int		nr_disks;
	struct p9_config p9[KVM_MAX_9P];
	int		nr_p9;
	bool		rng;
	bool		balloon;
	bool		virtio_legacy;

	/* Architecture specific. */
	const char	*dump_dtb;
	const char	*irqchip;
	bool		pmu;
	const char	*vcpu_affinity;
	bool		no_pvtime;
	u64		disable_ext[2];	/* riscv64 --disable-<ext>: KVM ISA ext IDs */

	/* Snapshot. */
	const char	*restore_dir;

	/* Strings the option parser allocated (freed with the config). */
	char		*owned[KVM_MAX_DISKS + KVM_MAX_9P];
	int		nr_owned;

	/* Default name ("guest-PID") when --name is not given. */
	char		name_buf[32];

	/* Where control sockets live (~/.lkvm or $LKVM_DIR). */
	char		sock_dir[256];

	/* Final kernel command line, built by the run command. */
	char		cmdline[KVM_CMDLINE_MAX];
};

#endif
