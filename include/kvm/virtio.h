/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio: split virtqueues shared by every device, and the interface
 * between a device model and its transport (virtio-pci, modern or legacy).
 *
 * Every descriptor the guest hands us is validated here and only here:
 * indices against the ring size, buffers against guest memory (through
 * guest_ptr), chains against loops and the segment limit, and the
 * readable-before-writable order.  Device models see a struct vq_chain of
 * host iovecs and never touch ring memory themselves.
 */
#ifndef KVM__VIRTIO_H
#define KVM__VIRTIO_H

#include <pthread.h>
#include <sys/uio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "kvm/compiler.h"

#define VIRTIO_MAX_QUEUES	16
#define VQ_MAX_SIZE		1024
#define VQ_MAX_SEGS		256	/* longest chain a device accepts */
#define VIRTIO_NO_VECTOR	0xffff

struct kvm;
struct snapshot;
struct virtio_dev;

struct virt_queue {
	/* Driver-programmed configuration. */
	u16		size;
	u16		msix_vector;
	bool		enabled;
	u64		desc_gpa;
	u64		avail_gpa;
	u64		used_gpa;
	/* Host views of the rings, validated when the queue is enabled. */
	struct vring_desc	*desc;
	struct vring_avail	*avail;
	struct vring_used	*used;
	/* Device state. */
	u16		last_avail;	/* next avail entry to take */
	u16		used_idx;	/* our copy of used->idx */
	u16		signalled_used;	/* used_idx at the last interrupt */
	bool		signalled_valid;
	bool		event_idx;
	bool		broken;		/* the driver broke the ring: logged once */
	pthread_mutex_t	lock;		/* serialises pop/push of this queue */
	/* Notification. */
	int		ioeventfd;	/* -1 if none */
	struct kvm	*kvm;
};

/* One descriptor chain, as host buffers. */
struct vq_chain {
	u16		head;
	u16		nr_out;		/* device-readable segments first */
	u16		nr_in;		/* then device-writable ones */
	u32		out_len;
	u32		in_len;
	struct iovec	iov[VQ_MAX_SEGS];
};

/* Queue setup: validate and map the rings; false if they do not fit. */
bool virtq_enable(struct virt_queue *vq, struct kvm *kvm, bool event_idx);
void virtq_reset(struct virt_queue *vq);
/*
 * Take the next available chain.  Returns 1 with @c filled, 0 when the
 * ring is empty, or -EINVAL when the chain is malformed: then the chain
 * has been consumed and returned to the driver as used with length 0, and
 * the problem logged once.
 */
int virtq_pop(struct virt_queue *vq, struct vq_chain *c);
/* Put a chain back in the used ring with @len bytes written. */
void virtq_push(struct virt_queue *vq, u16 head, u32 len);
/* Whether the driver wants an interrupt for what was pushed (event index
 * or NO_INTERRUPT flag), updating the bookkeeping. */
bool virtq_need_signal(struct virt_queue *vq);
bool virtq_has_work(struct virt_queue *vq);
/* Ask for (or stop asking for) notifications: flags or avail_event. */
void virtq_set_notify(struct virt_queue *vq, bool enable);

/* Copy helpers over a chain's segments. */
size_t iov_from_buf(const struct iovec *iov, int n, size_t off,
		    const void *buf, size_t len);
size_t iov_to_buf(const struct iovec *iov, int n, size_t off, void *buf,
		  size_t len);

/* --- Devices. --- */

struct virtio_dev_ops {
	const char	*name;		/* "rng", "blk", ... */
	u16		device_id;	/* VIRTIO_ID_* */
	u32		pci_class;	/* class code for PCI */
	u16		nr_queues;
	u16		queue_size;
	u32		config_size;	/* bytes of device configuration */

	u64	(*get_features)(struct virtio_dev *vdev);
	/* Driver set FEATURES_OK; return false to refuse the set. */
	bool	(*set_features)(struct virtio_dev *vdev, u64 features);
	/* Device configuration space access (bounds checked by the caller). */
	void	(*config_access)(struct virtio_dev *vdev, u32 off, u8 *data,
				 u32 len, bool is_write);
	/* A queue was enabled by the driver (rings valid). */
	void	(*queue_ready)(struct virtio_dev *vdev, u16 q);
	/* The guest kicked queue @q (from an ioeventfd or a vCPU thread). */
	void	(*queue_notify)(struct virtio_dev *vdev, u16 q);
	/* Stop using queue @q (queue reset or device reset): must not touch
	 * the queue once it returns. */
	void	(*queue_stop)(struct virtio_dev *vdev, u16 q);
	/* Device reset: after queue_stop for every queue. */
	void	(*reset)(struct virtio_dev *vdev);
	/* Device state beyond the transport's, for snapshots. */
	int	(*save)(struct virtio_dev *vdev, struct snapshot *snap,
			const char *prefix);
	int	(*restore)(struct virtio_dev *vdev, struct snapshot *snap,
			   const char *prefix);
	void	(*exit)(struct virtio_dev *vdev);
};

struct virtio_transport_ops {
	/* Deliver an interrupt for queue @q / for a config change. */
	void	(*signal_vq)(struct virtio_dev *vdev, u16 q);
	void	(*signal_config)(struct virtio_dev *vdev);
};

struct virtio_dev {
	const struct virtio_dev_ops	*ops;
	const struct virtio_transport_ops *trans;
	void				*transport;	/* struct virtio_pci */
	void				*priv;		/* the device model */
	struct kvm			*kvm;
	char				name[32];

	u64		host_features;
	u64		guest_features;
	u8		status;
	u8		isr;
	u16		config_vector;
	u8		config_generation;
	bool		legacy;
	struct virt_queue vq[VIRTIO_MAX_QUEUES];
};

/*
 * Create the virtio device @vdev (its ops and priv set) on the VM's
 * transport (virtio-pci; legacy when --virtio-legacy).
 */
int virtio_dev_init(struct kvm *kvm, struct virtio_dev *vdev,
		    const struct virtio_dev_ops *ops, void *priv,
		    const char *name);
/* After pushing used chains: interrupt the guest if it wants one. */
void virtio_signal_vq(struct virtio_dev *vdev, u16 q);
void virtio_signal_config(struct virtio_dev *vdev);
static inline bool virtio_has_feature(const struct virtio_dev *vdev, int bit)
{
	return vdev->guest_features & (1ULL << bit);
}

/* Devices. */
int virtio_rng__init(struct kvm *kvm);
int virtio_console__init(struct kvm *kvm);
int virtio_blk__init(struct kvm *kvm);
int virtio_9p__init(struct kvm *kvm);

#endif
