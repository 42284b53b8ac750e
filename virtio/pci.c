// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-pci transport.
 *
 * Modern (virtio 1.x, the default): vendor 0x1af4, device 0x1040 + id.
 *   BAR1  32-bit memory, 4 KiB: MSI-X table at 0, PBA at 0x800
 *   BAR2  64-bit memory, 16 KiB: common config at 0x0000, ISR at 0x1000,
 *         device config at 0x2000, notifications at 0x3000 (4 bytes per
 *         queue)
 *   capabilities: PCI Express v1 endpoint, MSI-X, and the five virtio
 *   vendor capabilities (common, notify, ISR, device, PCI config access).
 *
 * Legacy (--virtio-legacy, as kvmtool has it): device 0x1000 + n,
 *   BAR0  I/O, the legacy register block, BAR1 as above.
 *
 * Doorbells are ioeventfds at the notify addresses; when the guest moves
 * the BAR they follow (new one added before the old one goes, and the bus
 * handler catches anything in between, so no kick is lost).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ids.h>

#include "kvm/kvm.h"
#include "kvm/pci.h"
#include "kvm/snapshot.h"
#include "kvm/util.h"
#include "kvm/virtio.h"

#define VIRTIO_PCI_VENDOR	0x1af4
#define ISR_QUEUE		0x1
#define ISR_CONFIG		0x2
#define VPCI_BAR_LEGACY		0
#define VPCI_BAR_MSIX		1
#define VPCI_BAR_MODERN		2
#define VPCI_MSIX_SIZE		0x1000
#define VPCI_MSIX_PBA		0x800
#define VPCI_MODERN_SIZE	0x4000
#define VPCI_COMMON_OFF		0x0000
#define VPCI_ISR_OFF		0x1000
#define VPCI_DEVICE_OFF		0x2000
#define VPCI_NOTIFY_OFF		0x3000
#define VPCI_NOTIFY_MULT	4
#define VPCI_COMMON_SIZE	0x3c	/* through queue_reset */

/* Common configuration layout (virtio 1.2, 4.1.4.3). */
#define CC_DFSELECT	0x00
#define CC_DF		0x04
#define CC_GFSELECT	0x08
#define CC_GF		0x0c
#define CC_MSIX		0x10
#define CC_NUMQ		0x12
#define CC_STATUS	0x14
#define CC_CFGGEN	0x15
#define CC_Q_SELECT	0x16
#define CC_Q_SIZE	0x18
#define CC_Q_MSIX	0x1a
#define CC_Q_ENABLE	0x1c
#define CC_Q_NOFF	0x1e
#define CC_Q_DESCLO	0x20
#define CC_Q_DESCHI	0x24
#define CC_Q_AVAILLO	0x28
#define CC_Q_AVAILHI	0x2c
#define CC_Q_USEDLO	0x30
#define CC_Q_USEDHI	0x34
#define CC_Q_NDATA	0x38
#define CC_Q_RESET	0x3a

/* Legacy register block (virtio 0.9.5). */
#define LEG_HOST_FEATURES	0x00
#define LEG_GUEST_FEATURES	0x04
#define LEG_QUEUE_PFN		0x08
#define LEG_QUEUE_NUM		0x0c
#define LEG_QUEUE_SEL		0x0e
#define LEG_QUEUE_NOTIFY	0x10
#define LEG_STATUS		0x12
#define LEG_ISR			0x13
#define LEG_MSIX_CONFIG		0x14
#define LEG_MSIX_QUEUE		0x16
#define LEG_CONFIG_NOMSIX	0x14
#define LEG_CONFIG_MSIX		0x18
#define LEG_VRING_ALIGN		4096

struct virtio_pci {
	struct pci_dev		pdev;
	struct virtio_dev	*vdev;
	pthread_mutex_t		lock;	/* transport registers */
	u32			dfselect;
	u32			gfselect;
	u16			qsel;
	bool			q_reset[VIRTIO_MAX_QUEUES];
	u8			cfg_cap;	/* VIRTIO_PCI_CAP_PCI_CFG offset */
	struct io_handler	*ioh[VIRTIO_MAX_QUEUES];
	struct vpci_notify	*notify[VIRTIO_MAX_QUEUES];
	/* Where each queue's ioeventfd is registered now (0: nowhere). */
	u64			ioev_addr[VIRTIO_MAX_QUEUES];
};

struct vpci_notify {
	struct virtio_pci	*vp;
	u16			q;
};

static u16 legacy_device_id(u16 id)
{
	switch (id) {
	case VIRTIO_ID_NET:	return 0x1000;
	case VIRTIO_ID_BLOCK:	return 0x1001;
	case VIRTIO_ID_BALLOON:	return 0x1002;
	case VIRTIO_ID_CONSOLE:	return 0x1003;
	case VIRTIO_ID_SCSI:	return 0x1004;
	case VIRTIO_ID_RNG:	return 0x1005;
	case VIRTIO_ID_9P:	return 0x1009;
	}
	return 0;
}

/* ------------------------------------------------------- interrupts */

static void vpci_signal(struct virtio_pci *vp, u16 vector, u8 isr_bit)
{
	struct virtio_dev *vdev = vp->vdev;

	if (pci_msix_enabled(&vp->pdev)) {
		if (vector != VIRTIO_NO_VECTOR)
			pci_msix_signal(&vp->pdev, vector);
		return;
	}
	__atomic_or_fetch(&vdev->isr, isr_bit, __ATOMIC_SEQ_CST);
	pci_intx_set(&vp->pdev, true);
}

static void vpci_signal_vq(struct virtio_dev *vdev, u16 q)
{
	vpci_signal(vdev->transport, vdev->vq[q].msix_vector,
		    ISR_QUEUE);
}

static void vpci_signal_config(struct virtio_dev *vdev)
{
	vdev->config_generation++;
	vpci_signal(vdev->transport, vdev->config_vector,
		    ISR_CONFIG);
}

static const struct virtio_transport_ops vpci_trans_ops = {
	.signal_vq	= vpci_signal_vq,
	.signal_config	= vpci_signal_config,
};

void virtio_signal_vq(struct virtio_dev *vdev, u16 q)
{
	if (q < vdev->ops->nr_queues && virtq_need_signal(&vdev->vq[q]))
		vdev->trans->signal_vq(vdev, q);
}

void virtio_signal_config(struct virtio_dev *vdev)
{
	vdev->trans->signal_config(vdev);
}

static u8 vpci_read_isr(struct virtio_pci *vp)
{
	u8 isr = __atomic_exchange_n(&vp->vdev->isr, 0, __ATOMIC_SEQ_CST);

	pci_intx_set(&vp->pdev, false);
	return isr;
}

/* ------------------------------------------------ queues and status */

static void notify_queue(struct virtio_pci *vp, u16 q)
{
	struct virtio_dev *vdev = vp->vdev;

	if (q < vdev->ops->nr_queues && vdev->vq[q].enabled &&
	    vdev->ops->queue_notify)
		vdev->ops->queue_notify(vdev, q);
}

static void ioeventfd_cb(void *opaque)
{
	struct vpci_notify *n = opaque;
	struct virt_queue *vq = &n->vp->vdev->vq[n->q];
	u64 v;

	if (read(vq->ioeventfd, &v, sizeof(v)) == sizeof(v))
		notify_queue(n->vp, n->q);
}

static void stop_queue(struct virtio_pci *vp, u16 q)
{
	struct virtio_dev *vdev = vp->vdev;
	struct virt_queue *vq = &vdev->vq[q];

	if (vq->enabled && vdev->ops->queue_stop)
		vdev->ops->queue_stop(vdev, q);
	pthread_mutex_lock(&vq->lock);
	virtq_reset(vq);
	vq->size = vdev->ops->queue_size;
	pthread_mutex_unlock(&vq->lock);
}

static void start_queue(struct virtio_pci *vp, u16 q)
{
	struct virtio_dev *vdev = vp->vdev;
	struct virt_queue *vq = &vdev->vq[q];
	bool ok;

	pthread_mutex_lock(&vq->lock);
	ok = virtq_enable(vq, vdev->kvm,
			  virtio_has_feature(vdev, VIRTIO_RING_F_EVENT_IDX));
	pthread_mutex_unlock(&vq->lock);
	if (!ok) {
		pr_warn("%s: queue %u: rings (size %u) outside guest memory or "
			"misaligned; queue left disabled", vdev->name, q,
			vq->size);
		return;
	}
	if (vdev->ops->queue_ready)
		vdev->ops->queue_ready(vdev, q);
}

static void device_reset(struct virtio_pci *vp)
{
	struct virtio_dev *vdev = vp->vdev;
	u16 q;

	for (q = 0; q < vdev->ops->nr_queues; q++) {
		stop_queue(vp, q);
		vp->q_reset[q] = false;
	}
	if (vdev->ops->reset)
		vdev->ops->reset(vdev);
	vdev->status = 0;
	vdev->guest_features = 0;
	vdev->config_vector = VIRTIO_NO_VECTOR;
	vp->dfselect = vp->gfselect = 0;
	vp->qsel = 0;
	vpci_read_isr(vp);
}

static void write_status(struct virtio_pci *vp, u8 status)
{
	struct virtio_dev *vdev = vp->vdev;
	u16 q;

	if (status == 0) {
		device_reset(vp);
		return;
	}
	if ((status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !(vdev->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
		bool ok = vdev->legacy ||
			  virtio_has_feature(vdev, VIRTIO_F_VERSION_1);

		if (ok && vdev->ops->set_features)
			ok = vdev->ops->set_features(vdev, vdev->guest_features);
		if (!ok)
			status &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	}
	/* Legacy drivers have no FEATURES_OK: features settle at DRIVER_OK. */
	if (vdev->legacy && (status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    !(vdev->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    vdev->ops->set_features)
		vdev->ops->set_features(vdev, vdev->guest_features);
	vdev->status = status;
	/* Legacy queues start when their PFN is written; nothing else. */
	(void)q;
}

/* ------------------------------------------------ modern: common cfg */

static u64 common_get(struct virtio_pci *vp, u32 reg)
{
	struct virtio_dev *vdev = vp->vdev;
	struct virt_queue *vq = vp->qsel < vdev->ops->nr_queues ?
				&vdev->vq[vp->qsel] : NULL;

	switch (reg) {
	case CC_DFSELECT:	return vp->dfselect;
	case CC_DF:
		return vp->dfselect < 2 ?
		       (u32)(vdev->host_features >> (32 * vp->dfselect)) : 0;
	case CC_GFSELECT:	return vp->gfselect;
	case CC_GF:
		return vp->gfselect < 2 ?
		       (u32)(vdev->guest_features >> (32 * vp->gfselect)) : 0;
	case CC_MSIX:		return vdev->config_vector;
	case CC_NUMQ:		return vdev->ops->nr_queues;
	case CC_STATUS:		return vdev->status;
	case CC_CFGGEN:		return vdev->config_generation;
	case CC_Q_SELECT:	return vp->qsel;
	}
	if (!vq)
		return 0;
	switch (reg) {
	case CC_Q_SIZE:		return vq->size;
	case CC_Q_MSIX:		return vq->msix_vector;
	case CC_Q_ENABLE:	return vq->enabled;
	case CC_Q_NOFF:		return vp->qsel;
	case CC_Q_DESCLO:	return (u32)vq->desc_gpa;
	case CC_Q_DESCHI:	return vq->desc_gpa >> 32;
	case CC_Q_AVAILLO:	return (u32)vq->avail_gpa;
	case CC_Q_AVAILHI:	return vq->avail_gpa >> 32;
	case CC_Q_USEDLO:	return (u32)vq->used_gpa;
	case CC_Q_USEDHI:	return vq->used_gpa >> 32;
	case CC_Q_NDATA:	return vp->qsel;
	case CC_Q_RESET:	return vp->q_reset[vp->qsel];
	}
	return 0;
}

static void set_lo(u64 *v, u32 lo)
{
	*v = (*v & ~0xffffffffULL) | lo;
}

static void set_hi(u64 *v, u32 hi)
{
	*v = (*v & 0xffffffffULL) | ((u64)hi << 32);
}

static bool queue_config_frozen(struct virt_queue *vq)
{
	/* Queue registers are read-only while the queue is enabled. */
	return vq->enabled;
}

static void common_set(struct virtio_pci *vp, u32 reg, u32 val)
{
	struct virtio_dev *vdev = vp->vdev;
	struct virt_queue *vq = vp->qsel < vdev->ops->nr_queues ?
				&vdev->vq[vp->qsel] : NULL;

	switch (reg) {
	case CC_DFSELECT:
		vp->dfselect = val;
		return;
	case CC_GFSELECT:
		vp->gfselect = val;
		return;
	case CC_GF:
		if (vp->gfselect < 2 &&
		    !(vdev->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
			u64 mask = 0xffffffffULL << (32 * vp->gfselect);
			u64 v = ((u64)val << (32 * vp->gfselect)) & mask;

			vdev->guest_features = (vdev->guest_features & ~mask) |
					       (v & vdev->host_features);
		}
		return;
	case CC_MSIX:
		vdev->config_vector = val;
		return;
	case CC_STATUS:
		write_status(vp, val);
		return;
	case CC_Q_SELECT:
		vp->qsel = val;
		return;
	}
	if (!vq)
		return;
	switch (reg) {
	case CC_Q_SIZE:
		if (!queue_config_frozen(vq)) {
			if (IS_POW2(val) && val <= vdev->ops->queue_size)
				vq->size = val;
			else
				pr_warn_once("%s: queue size %u refused",
					     vdev->name, val);
		}
		return;
	case CC_Q_MSIX:
		vq->msix_vector = val;
		return;
	case CC_Q_ENABLE:
		if (val == 1 && !vq->enabled) {
			vp->q_reset[vp->qsel] = false;
			start_queue(vp, vp->qsel);
		}
		return;
	case CC_Q_RESET:
		if (val == 1 && virtio_has_feature(vdev, VIRTIO_F_RING_RESET)) {
			stop_queue(vp, vp->qsel);
			vp->q_reset[vp->qsel] = true;
		}
		return;
	}
	if (queue_config_frozen(vq))
		return;
	switch (reg) {
	case CC_Q_DESCLO:	set_lo(&vq->desc_gpa, val); break;
	case CC_Q_DESCHI:	set_hi(&vq->desc_gpa, val); break;
	case CC_Q_AVAILLO:	set_lo(&vq->avail_gpa, val); break;
	case CC_Q_AVAILHI:	set_hi(&vq->avail_gpa, val); break;
	case CC_Q_USEDLO:	set_lo(&vq->used_gpa, val); break;
	case CC_Q_USEDHI:	set_hi(&vq->used_gpa, val); break;
	}
}

/* Register widths, so that any aligned sub-access works. */
static const struct { u8 off, len; } common_regs[] = {
	{ CC_DFSELECT, 4 }, { CC_DF, 4 }, { CC_GFSELECT, 4 }, { CC_GF, 4 },
	{ CC_MSIX, 2 }, { CC_NUMQ, 2 }, { CC_STATUS, 1 }, { CC_CFGGEN, 1 },
	{ CC_Q_SELECT, 2 }, { CC_Q_SIZE, 2 }, { CC_Q_MSIX, 2 },
	{ CC_Q_ENABLE, 2 }, { CC_Q_NOFF, 2 }, { CC_Q_DESCLO, 4 },
	{ CC_Q_DESCHI, 4 }, { CC_Q_AVAILLO, 4 }, { CC_Q_AVAILHI, 4 },
	{ CC_Q_USEDLO, 4 }, { CC_Q_USEDHI, 4 }, { CC_Q_NDATA, 2 },
	{ CC_Q_RESET, 2 },
};

static void common_access(struct virtio_pci *vp, u32 off, u8 *data, u32 len,
			  bool is_write)
{
	u8 buf[VPCI_COMMON_SIZE];
	unsigned int i;

	if (off + len > VPCI_COMMON_SIZE) {
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	pthread_mutex_lock(&vp->lock);
	for (i = 0; i < ARRAY_SIZE(common_regs); i++) {
		u64 v = common_get(vp, common_regs[i].off);

		memcpy(buf + common_regs[i].off, &v, common_regs[i].len);
	}
	if (!is_write) {
		memcpy(data, buf + off, len);
	} else {
		memcpy(buf + off, data, len);
		for (i = 0; i < ARRAY_SIZE(common_regs); i++) {
			u32 ro = common_regs[i].off, rl = common_regs[i].len;
			u32 v = 0;

			if (ro >= off + len || ro + rl <= off)
				continue;
			memcpy(&v, buf + ro, rl);
			common_set(vp, ro, v);
		}
	}
	pthread_mutex_unlock(&vp->lock);
}

static void device_cfg_access(struct virtio_pci *vp, u32 off, u8 *data,
			      u32 len, bool is_write)
{
	struct virtio_dev *vdev = vp->vdev;

	if (off + len > vdev->ops->config_size || !vdev->ops->config_access) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	vdev->ops->config_access(vdev, off, data, len, is_write);
}

static void modern_bar_io(struct kvm_cpu *vcpu, u64 off, u8 *data, u32 len,
			  bool is_write, void *opaque)
{
	struct virtio_pci *vp = opaque;

	if (off < VPCI_ISR_OFF) {
		common_access(vp, off - VPCI_COMMON_OFF, data, len, is_write);
	} else if (off < VPCI_DEVICE_OFF) {
		if (!is_write) {
			memset(data, 0, len);
			if (off == VPCI_ISR_OFF)
				data[0] = vpci_read_isr(vp);
		}
	} else if (off < VPCI_NOTIFY_OFF) {
		device_cfg_access(vp, off - VPCI_DEVICE_OFF, data, len, is_write);
	} else {
		u64 q = (off - VPCI_NOTIFY_OFF) / VPCI_NOTIFY_MULT;

		if (is_write)
			notify_queue(vp, q);
		else
			memset(data, 0, len);
	}
}

static void msix_bar_io(struct kvm_cpu *vcpu, u64 off, u8 *data, u32 len,
			bool is_write, void *opaque)
{
	struct virtio_pci *vp = opaque;

	if (!pci_msix_access(&vp->pdev, VPCI_BAR_MSIX, off, data, len,
			     is_write) && !is_write)
		memset(data, 0, len);
}

/* ------------------------------------------------------------ legacy */

static void legacy_set_pfn(struct virtio_pci *vp, u32 pfn)
{
	struct virtio_dev *vdev = vp->vdev;
	struct virt_queue *vq;
	u64 avail_end;

	if (vp->qsel >= vdev->ops->nr_queues)
		return;
	vq = &vdev->vq[vp->qsel];
	if (!pfn) {
		stop_queue(vp, vp->qsel);
		return;
	}
	if (vq->enabled)
		stop_queue(vp, vp->qsel);
	vq->size = vdev->ops->queue_size;
	vq->desc_gpa = (u64)pfn << 12;
	vq->avail_gpa = vq->desc_gpa + 16ULL * vq->size;
	avail_end = vq->avail_gpa + 4 + 2ULL * vq->size + 2;
	vq->used_gpa = ALIGN_UP(avail_end, (u64)LEG_VRING_ALIGN);
	start_queue(vp, vp->qsel);
}

static void legacy_bar_io(struct kvm_cpu *vcpu, u64 off, u8 *data, u32 len,
			  bool is_write, void *opaque)
{
	struct virtio_pci *vp = opaque;
	struct virtio_dev *vdev = vp->vdev;
	u32 cfg_off = pci_msix_enabled(&vp->pdev) ? LEG_CONFIG_MSIX :
						    LEG_CONFIG_NOMSIX;
	u32 v = 0;

	if (off >= cfg_off) {
		device_cfg_access(vp, off - cfg_off, data, len, is_write);
		return;
	}
	if (is_write)
		memcpy(&v, data, min_t(u32, len, 4));
	pthread_mutex_lock(&vp->lock);
	switch (off) {
	case LEG_HOST_FEATURES:
		v = (u32)vdev->host_features;
		break;
	case LEG_GUEST_FEATURES:
		if (is_write)
			vdev->guest_features = v & vdev->host_features;
		v = (u32)vdev->guest_features;
		break;
	case LEG_QUEUE_PFN:
		if (is_write)
			legacy_set_pfn(vp, v);
		v = vp->qsel < vdev->ops->nr_queues ?
		    vdev->vq[vp->qsel].desc_gpa >> 12 : 0;
		break;
	case LEG_QUEUE_NUM:
		v = vp->qsel < vdev->ops->nr_queues ? vdev->ops->queue_size : 0;
		break;
	case LEG_QUEUE_SEL:
		if (is_write)
			vp->qsel = v;
		v = vp->qsel;
		break;
	case LEG_QUEUE_NOTIFY:
		pthread_mutex_unlock(&vp->lock);
		if (is_write)
			notify_queue(vp, v);
		else
			memset(data, 0, len);
		return;
	case LEG_STATUS:
		if (is_write)
			write_status(vp, v);
		v = vdev->status;
		break;
	case LEG_ISR:
		v = is_write ? 0 : vpci_read_isr(vp);
		break;
	case LEG_MSIX_CONFIG:
		if (is_write)
			vdev->config_vector = v;
		v = vdev->config_vector;
		break;
	case LEG_MSIX_QUEUE:
		if (vp->qsel < vdev->ops->nr_queues) {
			if (is_write)
				vdev->vq[vp->qsel].msix_vector = v;
			v = vdev->vq[vp->qsel].msix_vector;
		}
		break;
	default:
		v = 0xffffffff;
		break;
	}
	pthread_mutex_unlock(&vp->lock);
	if (!is_write)
		memcpy(data, &v, min_t(u32, len, 4));
}

/* ---------------------------------------------------------- doorbells */

/* Where queue @q's doorbell decodes to this device now (0: nowhere). */
static u64 notify_addr(struct virtio_pci *vp, u16 q)
{
	bool legacy = vp->vdev->legacy;
	int b = legacy ? VPCI_BAR_LEGACY : VPCI_BAR_MODERN;
	struct pci_bar *bar = &vp->pdev.bar[b];
	u64 addr;

	if (!bar->mapped)
		return 0;
	addr = bar->addr + (legacy ? LEG_QUEUE_NOTIFY :
			    VPCI_NOTIFY_OFF + q * VPCI_NOTIFY_MULT);
	return pci_bar_decodes(&vp->pdev, b, addr, 2) ? addr : 0;
}

/*
 * Keep each queue's ioeventfd where its doorbell decodes: taken down in
 * the first pass, set up in the second, so that two devices never claim
 * one address in KVM.  Meanwhile a kick reaches the bus handler, which
 * notifies the queue itself: no doorbell is lost.
 */
static void vpci_decode_changed(struct pci_dev *pdev, bool add)
{
	struct virtio_pci *vp = container_of(pdev, struct virtio_pci, pdev);
	struct virtio_dev *vdev = vp->vdev;
	struct kvm *kvm = vdev->kvm;
	bool pio = vdev->legacy;
	u16 q;

	if (kvm->vm_fd < 0)
		return;
	for (q = 0; q < vdev->ops->nr_queues; q++) {
		struct virt_queue *vq = &vdev->vq[q];
		u64 now = notify_addr(vp, q), old = vp->ioev_addr[q];

		if (vq->ioeventfd < 0 || now == old)
			continue;
		if (!add) {
			if (old)
				kvm__ioeventfd(kvm, old, 2, vq->ioeventfd, pio,
					       false, pio, q);
			vp->ioev_addr[q] = 0;
		} else if (now) {
			if (kvm__ioeventfd(kvm, now, 2, vq->ioeventfd, pio,
					   true, pio, q))
				pr_warn_once("%s: ioeventfd at 0x%llx failed "
					     "(kicks take the slow path)",
					     vdev->name,
					     (unsigned long long)now);
			else
				vp->ioev_addr[q] = now;
		}
	}
}

/*
 * VIRTIO_PCI_CAP_PCI_CFG: a window into the BARs through config space,
 * for drivers that cannot map them.  Reads fill pci_cfg_data before the
 * config read completes; writes are forwarded after they land.
 */
static bool cfg_cap_target(struct virtio_pci *vp, u8 *bar, u32 *off, u32 *len)
{
	u8 c = vp->cfg_cap;

	*bar = vp->pdev.cfg[c + offsetof(struct virtio_pci_cap, bar)];
	*off = pci_cfg_get32(&vp->pdev, c + offsetof(struct virtio_pci_cap, offset));
	*len = pci_cfg_get32(&vp->pdev, c + offsetof(struct virtio_pci_cap, length));
	if ((*len != 1 && *len != 2 && *len != 4) || (*off & (*len - 1)))
		return false;
	if (*bar == VPCI_BAR_MODERN && *off <= VPCI_MODERN_SIZE - *len)
		return !vp->vdev->legacy;
	return false;
}

static bool touches_cfg_data(struct virtio_pci *vp, u32 off, u32 len)
{
	u32 d = vp->cfg_cap + offsetof(struct virtio_pci_cfg_cap, pci_cfg_data);

	return vp->cfg_cap && off < d + 4 && d < off + len;
}

/*
 * The BAR access runs without the config lock (pdev->lock), which these
 * hooks are called with: it takes the transport lock, which nests outside
 * pdev->lock (a device reset or an ISR read lowers INTx, a queue start may
 * signal), so holding pdev->lock here would deadlock.  The window's
 * registers are sampled before the lock is dropped.
 */
static void vpci_cfg_read(struct pci_dev *pdev, u32 off, u32 len)
{
	struct virtio_pci *vp = container_of(pdev, struct virtio_pci, pdev);
	u32 d = vp->cfg_cap + offsetof(struct virtio_pci_cfg_cap, pci_cfg_data);
	u32 boff, blen;
	u8 bar, buf[4] = { 0 };

	if (!touches_cfg_data(vp, off, len) ||
	    !cfg_cap_target(vp, &bar, &boff, &blen))
		return;
	pthread_mutex_unlock(&pdev->lock);
	modern_bar_io(NULL, boff, buf, blen, false, vp);
	pthread_mutex_lock(&pdev->lock);
	memcpy(&pdev->cfg[d], buf, 4);
}

static void vpci_cfg_write(struct pci_dev *pdev, u32 off, u32 len)
{
	struct virtio_pci *vp = container_of(pdev, struct virtio_pci, pdev);
	u32 d = vp->cfg_cap + offsetof(struct virtio_pci_cfg_cap, pci_cfg_data);
	u32 boff, blen;
	u8 bar, buf[4];

	if (!touches_cfg_data(vp, off, len) ||
	    !cfg_cap_target(vp, &bar, &boff, &blen))
		return;
	memcpy(buf, &pdev->cfg[d], 4);
	pthread_mutex_unlock(&pdev->lock);
	modern_bar_io(NULL, boff, buf, blen, true, vp);
	pthread_mutex_lock(&pdev->lock);
}

static const struct pci_dev_ops vpci_pci_ops = {
	.decode_changed	= vpci_decode_changed,
	.cfg_read	= vpci_cfg_read,
	.cfg_write	= vpci_cfg_write,
};

/* ------------------------------------------------------ capabilities */

static void add_virtio_cap(struct pci_dev *pdev, u8 type, u32 off, u32 len,
			   u8 caplen)
{
	u8 c = pci_dev_add_cap(pdev, PCI_CAP_ID_VNDR, caplen);

	if (!c)
		return;
	pdev->cfg[c + offsetof(struct virtio_pci_cap, cap_len)] = caplen;
	pdev->cfg[c + offsetof(struct virtio_pci_cap, cfg_type)] = type;
	pdev->cfg[c + offsetof(struct virtio_pci_cap, bar)] = VPCI_BAR_MODERN;
	pci_cfg_set32(pdev, c + offsetof(struct virtio_pci_cap, offset), off);
	pci_cfg_set32(pdev, c + offsetof(struct virtio_pci_cap, length), len);
	if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
		pci_cfg_set32(pdev, c + sizeof(struct virtio_pci_cap),
			      VPCI_NOTIFY_MULT);
	if (type == VIRTIO_PCI_CAP_PCI_CFG) {
		struct virtio_pci *vp = container_of(pdev, struct virtio_pci,
						     pdev);
		u32 i;

		vp->cfg_cap = c;
		/* bar, offset, length and data are the driver's to write. */
		pdev->wmask[c + offsetof(struct virtio_pci_cap, bar)] = 0xff;
		for (i = 0; i < 4; i++) {
			pdev->wmask[c + offsetof(struct virtio_pci_cap, offset) + i] = 0xff;
			pdev->wmask[c + offsetof(struct virtio_pci_cap, length) + i] = 0xff;
			pdev->wmask[c + offsetof(struct virtio_pci_cfg_cap, pci_cfg_data) + i] = 0xff;
		}
		pci_cfg_set32(pdev, c + offsetof(struct virtio_pci_cap, offset), 0);
		pci_cfg_set32(pdev, c + offsetof(struct virtio_pci_cap, length), 0);
	}
}

/* ------------------------------------------------ device lifecycle */

static void vpci_vm_reset(struct vm_device *dev)
{
	struct virtio_pci *vp = container_of(dev, struct virtio_pci, pdev.dev);

	pthread_mutex_lock(&vp->lock);
	device_reset(vp);
	pthread_mutex_unlock(&vp->lock);
}

struct vq_state {
	u16	size;
	u16	msix_vector;
	u16	last_avail;
	u16	used_idx;
	u16	signalled_used;
	u8	enabled;
	u8	signalled_valid;
	u8	event_idx;
	u8	q_reset;
	u8	pad[2];
	u64	desc_gpa;
	u64	avail_gpa;
	u64	used_gpa;
};

struct vpci_state {
	u64		host_features;
	u64		guest_features;
	u32		dfselect;
	u32		gfselect;
	u16		qsel;
	u16		config_vector;
	u8		status;
	u8		isr;
	u8		config_generation;
	u8		legacy;
	struct vq_state	vq[VIRTIO_MAX_QUEUES];
};

static int vpci_save(struct vm_device *dev, struct snapshot *snap)
{
	struct virtio_pci *vp = container_of(dev, struct virtio_pci, pdev.dev);
	struct virtio_dev *vdev = vp->vdev;
	struct vpci_state st;
	char id[48];
	int ret, q;

	/* The device first: it may finish requests, which moves the rings. */
	if (vdev->ops->save) {
		ret = vdev->ops->save(vdev, snap, dev->name);
		if (ret)
			return ret;
	}
	memset(&st, 0, sizeof(st));
	pthread_mutex_lock(&vp->lock);
	st.host_features = vdev->host_features;
	st.guest_features = vdev->guest_features;
	st.dfselect = vp->dfselect;
	st.gfselect = vp->gfselect;
	st.qsel = vp->qsel;
	st.config_vector = vdev->config_vector;
	st.status = vdev->status;
	st.isr = vdev->isr;
	st.config_generation = vdev->config_generation;
	st.legacy = vdev->legacy;
	for (q = 0; q < vdev->ops->nr_queues; q++) {
		struct virt_queue *vq = &vdev->vq[q];

		pthread_mutex_lock(&vq->lock);
		st.vq[q] = (struct vq_state) {
			.size = vq->size, .msix_vector = vq->msix_vector,
			.last_avail = vq->last_avail, .used_idx = vq->used_idx,
			.signalled_used = vq->signalled_used,
			.enabled = vq->enabled,
			.signalled_valid = vq->signalled_valid,
			.event_idx = vq->event_idx, .q_reset = vp->q_reset[q],
			.desc_gpa = vq->desc_gpa, .avail_gpa = vq->avail_gpa,
			.used_gpa = vq->used_gpa,
		};
		pthread_mutex_unlock(&vq->lock);
	}
	pthread_mutex_unlock(&vp->lock);
	snprintf(id, sizeof(id), "%s.virtio", dev->name);
	ret = snap_put(snap, id, 1, &st, sizeof(st));
	if (!ret)
		ret = pci_dev_save(&vp->pdev, snap);
	return ret;
}

static int vpci_restore(struct vm_device *dev, struct snapshot *snap)
{
	struct virtio_pci *vp = container_of(dev, struct virtio_pci, pdev.dev);
	struct virtio_dev *vdev = vp->vdev;
	struct vpci_state st;
	char id[48];
	int ret, q;

	snprintf(id, sizeof(id), "%s.virtio", dev->name);
	ret = snap_get(snap, id, 1, &st, sizeof(st));
	if (ret)
		return ret;
	if (st.host_features != vdev->host_features || st.legacy != vdev->legacy) {
		pr_err("snapshot: %s has other virtio features than this lkvm "
		       "offers", dev->name);
		return -EPROTO;
	}
	ret = pci_dev_restore(&vp->pdev, snap);
	if (ret)
		return ret;
	pthread_mutex_lock(&vp->lock);
	vdev->guest_features = st.guest_features & vdev->host_features;
	vp->dfselect = st.dfselect;
	vp->gfselect = st.gfselect;
	vp->qsel = st.qsel;
	vdev->config_vector = st.config_vector;
	vdev->status = st.status;
	vdev->isr = st.isr;
	vdev->config_generation = st.config_generation;
	for (q = 0; q < vdev->ops->nr_queues; q++) {
		struct virt_queue *vq = &vdev->vq[q];
		const struct vq_state *s = &st.vq[q];

		vq->size = s->size;
		vq->msix_vector = s->msix_vector;
		vq->desc_gpa = s->desc_gpa;
		vq->avail_gpa = s->avail_gpa;
		vq->used_gpa = s->used_gpa;
		vp->q_reset[q] = s->q_reset;
		if (s->enabled) {
			bool ok;

			/* Indices first: the device may look at the ring as
			 * soon as it hears the queue is ready. */
			pthread_mutex_lock(&vq->lock);
			ok = virtq_enable(vq, vdev->kvm, s->event_idx);
			if (ok) {
				vq->last_avail = s->last_avail;
				vq->used_idx = s->used_idx;
				vq->signalled_used = s->signalled_used;
				vq->signalled_valid = s->signalled_valid;
			}
			pthread_mutex_unlock(&vq->lock);
			if (!ok) {
				pthread_mutex_unlock(&vp->lock);
				pr_err("snapshot: %s queue %d does not fit guest "
				       "memory", dev->name, q);
				return -EPROTO;
			}
			if (vdev->ops->queue_ready)
				vdev->ops->queue_ready(vdev, q);
		}
	}
	pthread_mutex_unlock(&vp->lock);
	pci_decode_sync(vdev->kvm);
	if (vdev->ops->restore)
		ret = vdev->ops->restore(vdev, snap, dev->name);
	return ret;
}

static void vpci_exit(struct vm_device *dev)
{
	struct virtio_pci *vp = container_of(dev, struct virtio_pci, pdev.dev);
	struct virtio_dev *vdev = vp->vdev;
	u16 q;

	for (q = 0; q < vdev->ops->nr_queues; q++) {
		if (vdev->vq[q].enabled && vdev->ops->queue_stop)
			vdev->ops->queue_stop(vdev, q);
		if (vp->ioh[q])
			iothread_del(&vdev->kvm->io, vp->ioh[q]);
		free(vp->notify[q]);
		if (vdev->vq[q].ioeventfd >= 0)
			close(vdev->vq[q].ioeventfd);
	}
	pci_dev_exit(&vp->pdev);
	if (vdev->ops->exit)
		vdev->ops->exit(vdev);
	free(vp);
}

static const struct vm_device_ops vpci_vm_ops = {
	.type		= "virtio-pci",
	.reset		= vpci_vm_reset,
	.save		= vpci_save,
	.restore	= vpci_restore,
	.exit		= vpci_exit,
};

int virtio_dev_init(struct kvm *kvm, struct virtio_dev *vdev,
		    const struct virtio_dev_ops *ops, void *priv,
		    const char *name)
{
	struct virtio_pci *vp;
	struct pci_dev *pdev;
	bool legacy = kvm->cfg.virtio_legacy;
	u16 did, q;
	int ret;

	if (ops->nr_queues > VIRTIO_MAX_QUEUES || !IS_POW2(ops->queue_size) ||
	    ops->queue_size > VQ_MAX_SIZE)
		return -EINVAL;
	if (legacy && !legacy_device_id(ops->device_id)) {
		pr_err("%s: no legacy virtio-pci ID for this device", name);
		return -EINVAL;
	}
	vp = calloc(1, sizeof(*vp));
	if (!vp)
		return -ENOMEM;
	pthread_mutex_init(&vp->lock, NULL);
	vp->vdev = vdev;
	vdev->ops = ops;
	vdev->priv = priv;
	vdev->kvm = kvm;
	vdev->trans = &vpci_trans_ops;
	vdev->transport = vp;
	vdev->legacy = legacy;
	vdev->config_vector = VIRTIO_NO_VECTOR;
	snprintf(vdev->name, sizeof(vdev->name), "%s", name);
	vdev->host_features = ops->get_features ? ops->get_features(vdev) : 0;
	vdev->host_features |= 1ULL << VIRTIO_RING_F_EVENT_IDX |
			       1ULL << VIRTIO_RING_F_INDIRECT_DESC;
	if (!legacy)
		vdev->host_features |= 1ULL << VIRTIO_F_VERSION_1 |
				       1ULL << VIRTIO_F_RING_RESET;
	for (q = 0; q < ops->nr_queues; q++) {
		struct virt_queue *vq = &vdev->vq[q];

		pthread_mutex_init(&vq->lock, NULL);
		virtq_reset(vq);
		vq->size = ops->queue_size;
		vq->kvm = kvm;
		vq->ioeventfd = -1;
	}

	pdev = &vp->pdev;
	did = legacy ? legacy_device_id(ops->device_id) :
		       0x1040 + ops->device_id;
	pci_dev_init(pdev, kvm, name, VIRTIO_PCI_VENDOR, did,
		     ops->pci_class, legacy ? 0 : 1,
		     VIRTIO_PCI_VENDOR, ops->device_id,
		     &vpci_vm_ops, &vpci_pci_ops);
	pdev->priv = vp;
	if (legacy) {
		u64 size = 64;

		while (size < LEG_CONFIG_MSIX + ops->config_size)
			size <<= 1;
		ret = pci_dev_add_bar(pdev, VPCI_BAR_LEGACY, PCI_BAR_IO, size,
				      false, legacy_bar_io, vp);
	} else {
		ret = pci_dev_add_bar(pdev, VPCI_BAR_MODERN, PCI_BAR_MEM64,
				      VPCI_MODERN_SIZE, false, modern_bar_io, vp);
	}
	if (!ret)
		ret = pci_dev_add_bar(pdev, VPCI_BAR_MSIX, PCI_BAR_MEM32,
				      VPCI_MSIX_SIZE, false, msix_bar_io, vp);
	if (ret)
		goto err;
	pci_dev_add_express_cap(pdev);
	ret = pci_dev_add_msix(pdev, ops->nr_queues + 1, VPCI_BAR_MSIX, 0,
			       VPCI_MSIX_PBA);
	if (ret)
		goto err;
	if (!legacy) {
		add_virtio_cap(pdev, VIRTIO_PCI_CAP_COMMON_CFG, VPCI_COMMON_OFF,
			       VPCI_COMMON_SIZE, sizeof(struct virtio_pci_cap));
		add_virtio_cap(pdev, VIRTIO_PCI_CAP_NOTIFY_CFG, VPCI_NOTIFY_OFF,
			       ops->nr_queues * VPCI_NOTIFY_MULT,
			       sizeof(struct virtio_pci_notify_cap));
		add_virtio_cap(pdev, VIRTIO_PCI_CAP_ISR_CFG, VPCI_ISR_OFF, 1,
			       sizeof(struct virtio_pci_cap));
		if (ops->config_size)
			add_virtio_cap(pdev, VIRTIO_PCI_CAP_DEVICE_CFG,
				       VPCI_DEVICE_OFF, ops->config_size,
				       sizeof(struct virtio_pci_cap));
		add_virtio_cap(pdev, VIRTIO_PCI_CAP_PCI_CFG, 0, 0,
			       sizeof(struct virtio_pci_cfg_cap));
	}

	/* One ioeventfd per queue, served by the VM's I/O thread. */
	if (kvm->vm_fd >= 0) {
		for (q = 0; q < ops->nr_queues; q++) {
			struct vpci_notify *n = calloc(1, sizeof(*n));
			struct virt_queue *vq = &vdev->vq[q];

			vq->ioeventfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
			if (!n || vq->ioeventfd < 0) {
				free(n);
				ret = -ENOMEM;
				goto err;
			}
			n->vp = vp;
			n->q = q;
			vp->notify[q] = n;
			vp->ioh[q] = iothread_add(&kvm->io, vq->ioeventfd,
						  ioeventfd_cb, n);
		}
	}
	ret = pci_dev_register(pdev);
	if (ret)
		goto err;
	return 0;
err:
	pr_err("%s: cannot create the virtio-pci device: %s", name,
	       strerror(-ret));
	return ret;
}
