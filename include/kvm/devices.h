/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface every device model implements.  A device embeds a
 * struct vm_device and is added to its VM's list; the VM resets, saves,
 * restores and tears down every device through these ops.  Each device
 * keeps its guest-visible state in a plain struct so that save/restore
 * writes it as one snapshot section.
 */
#ifndef KVM__DEVICES_H
#define KVM__DEVICES_H

#include "kvm/list.h"

struct kvm;
struct snapshot;
struct vm_device;

struct vm_device_ops {
	const char	*type;
	void		(*reset)(struct vm_device *dev);
	/*
	 * Finish everything in flight (I/O, and the interrupts that complete
	 * it) with the vCPUs paused, before any state is saved.
	 */
	void		(*quiesce)(struct vm_device *dev);
	int		(*save)(struct vm_device *dev, struct snapshot *snap);
	int		(*restore)(struct vm_device *dev, struct snapshot *snap);
	void		(*exit)(struct vm_device *dev);
};

struct vm_device {
	const struct vm_device_ops	*ops;
	char				name[32];	/* unique in the VM */
	struct kvm			*kvm;
	struct list_head		list;
};

#endif
