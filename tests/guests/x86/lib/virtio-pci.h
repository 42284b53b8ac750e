/*
 * Modern virtio over PCI (virtio 1.x, section 4.1): locating the
 * structures through the vendor capabilities.  Layouts follow
 * <linux/virtio_pci.h> and <linux/virtio_ring.h>.
 */
#ifndef GUEST_VIRTIO_PCI_H
#define GUEST_VIRTIO_PCI_H

#include "pci.h"

#define VIRTIO_PCI_VENDOR	0x1af4
#define VIRTIO_PCI_MODERN_BASE	0x1040	/* + virtio device id */
#define VIRTIO_ID_RNG		4

/* struct virtio_pci_cap */
#define VIRTIO_PCI_CAP_CFG_TYPE	3	/* u8 */
#define VIRTIO_PCI_CAP_BAR	4	/* u8 */
#define VIRTIO_PCI_CAP_OFFSET	8	/* le32 */
#define VIRTIO_PCI_CAP_LENGTH	12	/* le32 */
#define VIRTIO_PCI_NOTIFY_MULT	16	/* le32, notify cap only */

#define VIRTIO_PCI_CAP_COMMON_CFG	1
#define VIRTIO_PCI_CAP_NOTIFY_CFG	2
#define VIRTIO_PCI_CAP_ISR_CFG		3
#define VIRTIO_PCI_CAP_DEVICE_CFG	4
#define VIRTIO_PCI_CAP_PCI_CFG		5

/* struct virtio_pci_common_cfg */
#define VIRTIO_PCI_COMMON_DFSELECT	0x00	/* le32 */
#define VIRTIO_PCI_COMMON_DF		0x04	/* le32 */
#define VIRTIO_PCI_COMMON_GFSELECT	0x08	/* le32 */
#define VIRTIO_PCI_COMMON_GF		0x0c	/* le32 */
#define VIRTIO_PCI_COMMON_MSIX		0x10	/* le16 */
#define VIRTIO_PCI_COMMON_NUMQ		0x12	/* le16 */
#define VIRTIO_PCI_COMMON_STATUS	0x14	/* u8 */
#define VIRTIO_PCI_COMMON_CFGGENERATION	0x15	/* u8 */
#define VIRTIO_PCI_COMMON_Q_SELECT	0x16	/* le16 */
#define VIRTIO_PCI_COMMON_Q_SIZE	0x18	/* le16 */
#define VIRTIO_PCI_COMMON_Q_MSIX	0x1a	/* le16 */
#define VIRTIO_PCI_COMMON_Q_ENABLE	0x1c	/* le16 */
#define VIRTIO_PCI_COMMON_Q_NOFF	0x1e	/* le16 */
#define VIRTIO_PCI_COMMON_Q_DESCLO	0x20	/* le32 */
#define VIRTIO_PCI_COMMON_Q_DESCHI	0x24
#define VIRTIO_PCI_COMMON_Q_AVAILLO	0x28
#define VIRTIO_PCI_COMMON_Q_AVAILHI	0x2c
#define VIRTIO_PCI_COMMON_Q_USEDLO	0x30
#define VIRTIO_PCI_COMMON_Q_USEDHI	0x34

#define VIRTIO_MSI_NO_VECTOR		0xffff

/* Device status bits */
#define VIRTIO_STATUS_ACKNOWLEDGE	0x01
#define VIRTIO_STATUS_DRIVER		0x02
#define VIRTIO_STATUS_DRIVER_OK		0x04
#define VIRTIO_STATUS_FEATURES_OK	0x08
#define VIRTIO_STATUS_NEEDS_RESET	0x40
#define VIRTIO_STATUS_FAILED		0x80

#define VIRTIO_F_VERSION_1		32

/* Split virtqueue */
struct vring_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};
#define VRING_DESC_F_NEXT	1
#define VRING_DESC_F_WRITE	2

struct vring_used_elem {
	u32 id;
	u32 len;
};

/* A structure located through a virtio capability. */
struct virtio_pci_region {
	bool found;
	u8 cap;		/* capability offset in config space */
	u8 bar;
	u32 offset;
	u32 length;
	u32 addr;	/* BAR address + offset, from the current BAR */
};

struct virtio_pci_dev {
	u16 bdf;
	/* indexed by cfg_type (1..5); [0] unused */
	struct virtio_pci_region r[6];
	u32 notify_mult;
	int nr_caps;	/* vendor capabilities seen */
};

/*
 * Walk the vendor capabilities of @bdf (through ECAM) and resolve each
 * structure's address from the BAR it names.  The first capability of
 * each type wins (as the spec says drivers should use).  Returns false,
 * after a FAIL line, if the common, notify or ISR capability is missing,
 * names a BAR out of range, or lies above 4 GiB.
 */
bool virtio_pci_probe(u16 bdf, struct virtio_pci_dev *vp);
/* Recompute the addresses after the BARs moved. */
void virtio_pci_refresh(struct virtio_pci_dev *vp);

static inline u32 vp_common(const struct virtio_pci_dev *vp, u32 off)
{
	return vp->r[VIRTIO_PCI_CAP_COMMON_CFG].addr + off;
}

#endif
