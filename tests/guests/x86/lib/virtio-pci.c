/* Modern virtio-pci: capabilities to structure addresses. */
#include "virtio-pci.h"

void virtio_pci_refresh(struct virtio_pci_dev *vp)
{
	int t;

	for (t = 1; t < 6; t++) {
		struct virtio_pci_region *r = &vp->r[t];

		if (r->found && r->bar < 6)
			r->addr = (u32)pci_bar_addr(vp->bdf, r->bar) + r->offset;
	}
}

bool virtio_pci_probe(u16 bdf, struct virtio_pci_dev *vp)
{
	u8 pos = 0;
	int t;

	memset(vp, 0, sizeof(*vp));
	vp->bdf = bdf;
	while ((pos = pci_find_cap(bdf, PCI_CAP_ID_VNDR, pos))) {
		u8 type = pci_read8(bdf, pos + VIRTIO_PCI_CAP_CFG_TYPE);
		struct virtio_pci_region *r;

		vp->nr_caps++;
		if (type < 1 || type > 5 || vp->r[type].found)
			continue;
		r = &vp->r[type];
		r->found = true;
		r->cap = pos;
		r->bar = pci_read8(bdf, pos + VIRTIO_PCI_CAP_BAR);
		r->offset = pci_read32(bdf, pos + VIRTIO_PCI_CAP_OFFSET);
		r->length = pci_read32(bdf, pos + VIRTIO_PCI_CAP_LENGTH);
		if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
			vp->notify_mult = pci_read32(bdf, pos + VIRTIO_PCI_NOTIFY_MULT);
	}
	for (t = VIRTIO_PCI_CAP_COMMON_CFG; t <= VIRTIO_PCI_CAP_ISR_CFG; t++) {
		struct virtio_pci_region *r = &vp->r[t];

		if (!r->found) {
			fail("virtio capability cfg_type %d missing", t);
			return false;
		}
		if (r->bar > 5) {
			fail("virtio capability cfg_type %d names BAR %u", t, r->bar);
			return false;
		}
		if (pci_bar_addr(bdf, r->bar) >> 32) {
			fail("virtio cfg_type %d: BAR%u above 4 GiB (0x%llx)", t,
			     r->bar, pci_bar_addr(bdf, r->bar));
			return false;
		}
	}
	virtio_pci_refresh(vp);
	return true;
}
