// SPDX-License-Identifier: GPL-2.0
/*
 * PCI Express configuration space, BARs, MSI-X and INTx, and the host
 * bridge that decodes ECAM and 0xCF8/0xCFC accesses.  See include/kvm/pci.h.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "kvm/irq.h"
#include "kvm/kvm.h"
#include "kvm/pci.h"
#include "kvm/snapshot.h"
#include "kvm/util.h"

#define PCI_CAP_START		0x40
#define PCI_EXP_V1_SIZEOF	0x24
#define CF8_ENABLE		0x80000000U

struct pci_host {
	struct kvm		*kvm;
	struct pci_layout	layout;
	pthread_mutex_t		lock;		/* devs[], cf8 latch */
	/* Serialises decode changes and the decode_changed hooks. */
	pthread_mutex_t		decode_lock;
	struct pci_dev		*devs[PCI_MAX_DEVFN];
	u8			next_slot;
	u32			cf8;
	struct bus_range	ecam;
	struct bus_range	cf8_range;
	struct bus_range	cfc_range;
	struct bus_range	io_window;	/* MMIO → I/O port bus */
	u64			mmio32_next;
	u64			io_next;
	struct pci_dev		bridge;
};

/* ------------------------------------------------------------ BARs */

static u32 bar_reg(int bar)
{
	return PCI_BASE_ADDRESS_0 + bar * 4;
}

static u64 bar_addr_from_cfg(const struct pci_dev *pdev, int b)
{
	const struct pci_bar *bar = &pdev->bar[b];
	u64 v = pci_cfg_get32(pdev, bar_reg(b));

	switch (bar->kind) {
	case PCI_BAR_IO:
		return v & PCI_BASE_ADDRESS_IO_MASK;
	case PCI_BAR_MEM32:
		return v & PCI_BASE_ADDRESS_MEM_MASK;
	case PCI_BAR_MEM64:
		v &= PCI_BASE_ADDRESS_MEM_MASK;
		return v | ((u64)pci_cfg_get32(pdev, bar_reg(b + 1)) << 32);
	case PCI_BAR_NONE:
		break;
	}
	return 0;
}

static struct bus *bar_bus(struct pci_dev *pdev, int b)
{
	return pdev->bar[b].kind == PCI_BAR_IO ? &pdev->kvm->pio_bus :
						 &pdev->kvm->mmio_bus;
}

/*
 * Bring the bus in step with the BAR registers and COMMAND.  A BAR that
 * moves is moved in one step (bus_move), so it never answers at both
 * places or at neither; one that stops decoding is removed.
 */
static void pci_update_bars(struct pci_dev *pdev)
{
	u16 cmd = pci_cfg_get16(pdev, PCI_COMMAND);
	int b;

	for (b = 0; b < PCI_NR_BARS; b++) {
		struct pci_bar *bar = &pdev->bar[b];
		bool want, old_mapped = bar->mapped;
		u64 addr, old_addr = bar->addr;

		if (bar->kind == PCI_BAR_NONE)
			continue;
		addr = bar_addr_from_cfg(pdev, b);
		want = bar->kind == PCI_BAR_IO ? (cmd & PCI_COMMAND_IO) :
						 (cmd & PCI_COMMAND_MEMORY);
		/* I/O space is 64 KiB; nothing may wrap the address space. */
		if (bar->kind == PCI_BAR_IO && addr + bar->size > 0x10000)
			want = false;
		if (addr + bar->size - 1 < addr)
			want = false;
		if (want == old_mapped && (!want || addr == old_addr))
			continue;
		if (want) {
			if (bus_move(bar_bus(pdev, b), &bar->range, addr)) {
				pr_warn_once("%s: BAR%d at 0x%llx could not be mapped",
					     pdev->dev.name, b,
					     (unsigned long long)addr);
				if (old_mapped)
					bus_del(bar_bus(pdev, b), &bar->range);
				want = false;
			}
		} else {
			bus_del(bar_bus(pdev, b), &bar->range);
		}
		bar->mapped = want;
		bar->addr = addr;
		if (pdev->ops && pdev->ops->bar_update)
			pdev->ops->bar_update(pdev, b, old_mapped, old_addr);
		if (bar->kind == PCI_BAR_MEM64)
			b++;
	}
}

int pci_dev_add_bar(struct pci_dev *pdev, int b, enum pci_bar_kind kind,
		    u64 size, bool prefetchable, bus_io_fn fn, void *opaque)
{
	struct pci_bar *bar;
	u32 flags, reg = bar_reg(b);
	u64 mask;

	if (b < 0 || b >= PCI_NR_BARS || !IS_POW2(size) ||
	    (kind == PCI_BAR_MEM64 && b == PCI_NR_BARS - 1) ||
	    (kind == PCI_BAR_IO && (size < 4 || size > 256)) ||
	    (kind != PCI_BAR_IO && size < 16) ||
	    (kind == PCI_BAR_MEM32 && size > SZ_1G * 2) ||
	    pdev->bar[b].kind != PCI_BAR_NONE ||
	    /* A 64-bit BAR also takes the next register. */
	    (kind == PCI_BAR_MEM64 && pdev->bar[b + 1].kind != PCI_BAR_NONE) ||
	    (b > 0 && pdev->bar[b - 1].kind == PCI_BAR_MEM64))
		return -EINVAL;
	bar = &pdev->bar[b];
	bar->kind = kind;
	bar->size = size;
	bar->prefetchable = prefetchable;
	bar->range = (struct bus_range) {
		.len = size, .fn = fn, .opaque = opaque,
		.name = pdev->dev.name, .movable = true,
	};
	mask = ~(size - 1);
	switch (kind) {
	case PCI_BAR_IO:
		flags = PCI_BASE_ADDRESS_SPACE_IO;
		pci_wmask_set32(pdev, reg, (u32)mask & PCI_BASE_ADDRESS_IO_MASK);
		break;
	case PCI_BAR_MEM32:
		flags = PCI_BASE_ADDRESS_MEM_TYPE_32;
		pci_wmask_set32(pdev, reg, (u32)mask & PCI_BASE_ADDRESS_MEM_MASK);
		break;
	case PCI_BAR_MEM64:
		flags = PCI_BASE_ADDRESS_MEM_TYPE_64;
		pci_wmask_set32(pdev, reg, (u32)mask & PCI_BASE_ADDRESS_MEM_MASK);
		pci_wmask_set32(pdev, reg + 4, (u32)(mask >> 32));
		pdev->bar[b + 1].kind = PCI_BAR_NONE;
		break;
	default:
		return -EINVAL;
	}
	if (prefetchable && kind != PCI_BAR_IO)
		flags |= PCI_BASE_ADDRESS_MEM_PREFETCH;
	pci_cfg_set32(pdev, reg, flags);
	return 0;
}

/* ----------------------------------------------------- capabilities */

u8 pci_dev_add_cap(struct pci_dev *pdev, u8 id, u8 len)
{
	u8 off = pdev->cap_free ? pdev->cap_free : PCI_CAP_START;

	len = ALIGN_UP(len, 4);
	if ((u32)off + len > 0x100)
		return 0;
	pdev->cfg[off] = id;
	pdev->cfg[off + 1] = 0;
	if (pdev->cap_tail)
		pdev->cfg[pdev->cap_tail + 1] = off;
	else
		pdev->cfg[PCI_CAPABILITY_LIST] = off;
	pci_cfg_set16(pdev, PCI_STATUS,
		      pci_cfg_get16(pdev, PCI_STATUS) | PCI_STATUS_CAP_LIST);
	pdev->cap_tail = off;
	pdev->cap_free = off + len;
	return off;
}

u8 pci_dev_add_express_cap(struct pci_dev *pdev)
{
	u8 c = pci_dev_add_cap(pdev, PCI_CAP_ID_EXP, PCI_EXP_V1_SIZEOF);

	if (!c)
		return 0;
	/* Version 1, PCI Express Endpoint. */
	pci_cfg_set16(pdev, c + PCI_EXP_FLAGS,
		      1 | (PCI_EXP_TYPE_ENDPOINT << 4));
	/* 128-byte max payload, extended tags off, no FLR. */
	pci_cfg_set32(pdev, c + PCI_EXP_DEVCAP, 0);
	/* MPS 128, MRRS 512 on reset. */
	pci_cfg_set16(pdev, c + PCI_EXP_DEVCTL, 2 << 12);
	pdev->wmask[c + PCI_EXP_DEVCTL] = 0xff;
	pdev->wmask[c + PCI_EXP_DEVCTL + 1] = 0x7f;
	pdev->w1cmask[c + PCI_EXP_DEVSTA] = 0x0f;
	/* One 2.5 GT/s lane, port 0. */
	pci_cfg_set32(pdev, c + PCI_EXP_LNKCAP, PCI_EXP_LNKCAP_SLS_2_5GB |
		      (1 << 4));
	pdev->wmask[c + PCI_EXP_LNKCTL] = 0xcb;
	pci_cfg_set16(pdev, c + PCI_EXP_LNKSTA, PCI_EXP_LNKSTA_CLS_2_5GB |
		      (1 << PCI_EXP_LNKSTA_NLW_SHIFT));
	return c;
}

int pci_dev_add_msix(struct pci_dev *pdev, u16 nr, int bar, u32 table_off,
		     u32 pba_off)
{
	struct pci_msix *m;
	u8 c;
	u16 i;

	if (!nr || nr > PCI_MSIX_MAX_VECTORS || bar < 0 || bar >= PCI_NR_BARS ||
	    pdev->bar[bar].kind == PCI_BAR_NONE ||
	    table_off + nr * sizeof(struct msix_entry) > pdev->bar[bar].size ||
	    pba_off + 8 > pdev->bar[bar].size || (table_off | pba_off) & 7)
		return -EINVAL;
	c = pci_dev_add_cap(pdev, PCI_CAP_ID_MSIX, PCI_CAP_MSIX_SIZEOF);
	if (!c)
		return -ENOSPC;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->nr = nr;
	m->cap = c;
	m->table_bar = bar;
	m->table_off = table_off;
	m->pba_bar = bar;
	m->pba_off = pba_off;
	for (i = 0; i < nr; i++) {
		m->table[i].ctrl = PCI_MSIX_ENTRY_CTRL_MASKBIT;
		m->gsi[i] = -1;
		m->irqfd[i] = -1;
	}
	pci_cfg_set16(pdev, c + PCI_MSIX_FLAGS, nr - 1);
	pdev->wmask[c + PCI_MSIX_FLAGS + 1] =
		(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL) >> 8;
	pci_cfg_set32(pdev, c + PCI_MSIX_TABLE, table_off | bar);
	pci_cfg_set32(pdev, c + PCI_MSIX_PBA, pba_off | bar);
	pdev->msix = m;
	return 0;
}

/* ------------------------------------------------------------ MSI-X */

bool pci_msix_enabled(struct pci_dev *pdev)
{
	return pdev->msix && (pci_cfg_get16(pdev, pdev->msix->cap +
				PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_ENABLE);
}

static bool msix_masked(struct pci_dev *pdev, u16 v)
{
	u16 ctl = pci_cfg_get16(pdev, pdev->msix->cap + PCI_MSIX_FLAGS);

	return (ctl & PCI_MSIX_FLAGS_MASKALL) ||
	       (pdev->msix->table[v].ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

/* Make sure vector @v has a GSI, an irqfd and an up-to-date route. */
static int msix_prepare(struct pci_dev *pdev, u16 v)
{
	struct pci_msix *m = pdev->msix;
	struct kvm *kvm = pdev->kvm;
	u32 devid = 0;
	bool use_devid;
	int ret;

	if (m->irqfd[v] < 0) {
		int fd;

		/* Keep the GSI across failed attempts: one per vector. */
		if (m->gsi[v] < 0)
			m->gsi[v] = irq_alloc_msi_gsi(kvm);
		fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (fd < 0)
			return -errno;
		/* An irqfd may exist before its GSI has a route. */
		ret = kvm__irqfd(kvm, m->gsi[v], fd, -1, true);
		if (ret) {
			close(fd);
			pr_warn_once("%s: MSI-X irqfd: %s", pdev->dev.name,
				     strerror(-ret));
			return ret;
		}
		m->irqfd[v] = fd;
		m->route_dirty[v] = true;
	}
	if (m->route_dirty[v]) {
		const struct msix_entry *e = &m->table[v];

		use_devid = kvm__arch_msi_devid(kvm, pdev->devfn, &devid);
		ret = irq_set_msi_route(kvm, m->gsi[v],
					((u64)e->addr_hi << 32) | e->addr_lo,
					e->data, devid, use_devid);
		if (ret)
			return ret;
		m->route_dirty[v] = false;
	}
	return irq_commit(kvm);
}

static void msix_fire(struct pci_dev *pdev, u16 v)
{
	u64 one = 1;

	if (msix_prepare(pdev, v))
		return;
	if (write(pdev->msix->irqfd[v], &one, sizeof(one)) < 0)
		pr_warn_once("%s: irqfd write: %s", pdev->dev.name,
			     strerror(errno));
}

void pci_msix_signal(struct pci_dev *pdev, u16 v)
{
	struct pci_msix *m = pdev->msix;

	if (!m || v >= m->nr)
		return;
	pthread_mutex_lock(&pdev->lock);
	if (!pci_msix_enabled(pdev)) {
		/* Nothing to deliver through. */
	} else if (msix_masked(pdev, v)) {
		m->pba |= 1ULL << v;
	} else {
		msix_fire(pdev, v);
	}
	pthread_mutex_unlock(&pdev->lock);
}

/* Deliver pending vectors that are no longer masked (lock held). */
static void msix_unmask_pending(struct pci_dev *pdev)
{
	struct pci_msix *m = pdev->msix;
	u16 v;

	if (!pci_msix_enabled(pdev))
		return;
	for (v = 0; v < m->nr; v++) {
		if ((m->pba & (1ULL << v)) && !msix_masked(pdev, v)) {
			m->pba &= ~(1ULL << v);
			msix_fire(pdev, v);
		}
	}
}

bool pci_msix_access(struct pci_dev *pdev, int bar, u64 off, u8 *data,
		     u32 len, bool is_write)
{
	struct pci_msix *m = pdev->msix;
	u64 tsize;

	if (!m || bar != m->table_bar)
		return false;
	tsize = (u64)m->nr * sizeof(struct msix_entry);
	if (off >= m->table_off && off < m->table_off + tsize) {
		u64 o = off - m->table_off;
		u16 v = o / sizeof(struct msix_entry);
		u32 fo = o % sizeof(struct msix_entry);
		struct msix_entry old;
		u8 *ent;

		if ((len != 4 && len != 8) || (fo & (len - 1)))
			goto bad;
		pthread_mutex_lock(&pdev->lock);
		ent = (u8 *)&m->table[v];
		if (!is_write) {
			memcpy(data, ent + fo, len);
		} else {
			old = m->table[v];
			memcpy(ent + fo, data, len);
			m->table[v].ctrl &= PCI_MSIX_ENTRY_CTRL_MASKBIT;
			if (memcmp(&old, &m->table[v], 12))
				m->route_dirty[v] = true;
			if ((old.ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT) &&
			    !(m->table[v].ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT))
				msix_unmask_pending(pdev);
		}
		pthread_mutex_unlock(&pdev->lock);
		return true;
	}
	if (off >= m->pba_off && off < m->pba_off + 8) {
		u32 o = off - m->pba_off;

		if (o + len > 8)
			goto bad;
		if (!is_write) {
			pthread_mutex_lock(&pdev->lock);
			memcpy(data, (u8 *)&m->pba + o, len);
			pthread_mutex_unlock(&pdev->lock);
		}
		return true;	/* the PBA is read-only */
	}
	return false;
bad:
	pr_warn_once("%s: bad MSI-X access at 0x%llx len %u", pdev->dev.name,
		     (unsigned long long)off, len);
	if (!is_write)
		memset(data, 0xff, len);
	return true;
}

/* ------------------------------------------------------------- INTx */

static void intx_assert(struct pci_dev *pdev)
{
	u64 one = 1;

	if (pdev->intx_fd >= 0 && write(pdev->intx_fd, &one, sizeof(one)) < 0)
		pr_warn_once("%s: INTx irqfd: %s", pdev->dev.name,
			     strerror(errno));
}

static bool intx_enabled(struct pci_dev *pdev)
{
	return !(pci_cfg_get16(pdev, PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE) &&
	       !pci_msix_enabled(pdev);
}

static void intx_update_status(struct pci_dev *pdev)
{
	u16 st = pci_cfg_get16(pdev, PCI_STATUS) & ~PCI_STATUS_INTERRUPT;

	if (pdev->intx_want)
		st |= PCI_STATUS_INTERRUPT;
	pci_cfg_set16(pdev, PCI_STATUS, st);
}

/*
 * Without an in-kernel interrupt controller (riscv's PLIC, x86's split
 * irqchip) INTx is a level lkvm drives itself: kvm__irq_line() on change.
 */
__attribute__((weak)) bool kvm__arch_intx_irqfd(struct kvm *kvm)
{
	return true;
}

static void intx_sync_line(struct pci_dev *pdev)
{
	bool level = pdev->intx_want && intx_enabled(pdev);

	if (pdev->intx_fd >= 0 || level == pdev->intx_line)
		return;
	pdev->intx_line = level;
	kvm__irq_line(pdev->kvm, pdev->intx_gsi, level);
}

void pci_intx_set(struct pci_dev *pdev, bool level)
{
	pthread_mutex_lock(&pdev->lock);
	if (level && !pdev->intx_want && intx_enabled(pdev))
		intx_assert(pdev);
	pdev->intx_want = level;
	intx_update_status(pdev);
	intx_sync_line(pdev);
	pthread_mutex_unlock(&pdev->lock);
}

/*
 * The guest acknowledged the level interrupt (EOI): KVM has lowered the
 * line.  Raise it again if the device still wants it.
 */
static void intx_resample(void *opaque)
{
	struct pci_dev *pdev = opaque;
	u64 v;

	if (read(pdev->intx_resample_fd, &v, sizeof(v)) < 0)
		return;
	pthread_mutex_lock(&pdev->lock);
	if (pdev->intx_want && intx_enabled(pdev))
		intx_assert(pdev);
	pthread_mutex_unlock(&pdev->lock);
}

static int intx_setup(struct pci_dev *pdev)
{
	struct kvm *kvm = pdev->kvm;
	int ret;

	pdev->intx_gsi = kvm__arch_pci_intx_gsi(kvm, pdev->devfn);
	pdev->cfg[PCI_INTERRUPT_PIN] = 1;	/* INTA# */
	pdev->cfg[PCI_INTERRUPT_LINE] = pdev->intx_gsi < 0xff ?
					pdev->intx_gsi : 0;
	pdev->wmask[PCI_INTERRUPT_LINE] = 0xff;
	if (kvm->vm_fd < 0 || !kvm__arch_intx_irqfd(kvm))
		return 0;	/* unit tests; user-space interrupt controller */
	pdev->intx_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pdev->intx_resample_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (pdev->intx_fd < 0 || pdev->intx_resample_fd < 0)
		return -errno;
	ret = kvm__irqfd(kvm, pdev->intx_gsi, pdev->intx_fd,
			 pdev->intx_resample_fd, true);
	if (ret == -EAGAIN) {
		/* The irqchip is not initialised yet: pci_host_finalize(). */
		pdev->intx_deferred = true;
		ret = 0;
	}
	if (ret) {
		pr_err("%s: INTx irqfd on GSI %u: %s", pdev->dev.name,
		       pdev->intx_gsi, strerror(-ret));
		return ret;
	}
	pdev->intx_ioh = iothread_add(&kvm->io, pdev->intx_resample_fd,
				      intx_resample, pdev);
	if (!pdev->intx_ioh)
		return -ENOMEM;
	return 0;
}

int pci_host_finalize(struct kvm *kvm)
{
	int devfn, ret;

	for (devfn = 0; kvm->pci && devfn < PCI_MAX_DEVFN; devfn++) {
		struct pci_dev *pdev = pci_find_dev(kvm, devfn);

		if (!pdev || !pdev->intx_deferred)
			continue;
		ret = kvm__irqfd(kvm, pdev->intx_gsi, pdev->intx_fd,
				 pdev->intx_resample_fd, true);
		if (ret) {
			pr_err("%s: INTx irqfd on GSI %u: %s", pdev->dev.name,
			       pdev->intx_gsi, strerror(-ret));
			return ret;
		}
		pdev->intx_deferred = false;
	}
	/* Doorbells where the BARs preassigned or restored decode. */
	pci_decode_sync(kvm);
	return 0;
}

/* ------------------------------------------------------ config space */

void pci_cfg_read(struct pci_dev *pdev, u32 off, u8 *data, u32 len)
{
	if (off >= PCI_CFG_SIZE || len > 4 || (off & 3) + len > 4) {
		memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&pdev->lock);
	if (pdev->ops && pdev->ops->cfg_read)
		pdev->ops->cfg_read(pdev, off, len);
	memcpy(data, &pdev->cfg[off], len);
	pthread_mutex_unlock(&pdev->lock);
}

static bool touches(u32 off, u32 len, u32 start, u32 size)
{
	return off < start + size && start < off + len;
}

bool pci_bar_decodes(struct pci_dev *pdev, int b, u64 addr, u32 len)
{
	struct pci_bar *bar = &pdev->bar[b];
	struct bus *bus = bar_bus(pdev, b);

	return bar->mapped && addr >= bar->addr &&
	       addr + len <= bar->addr + bar->size &&
	       bus_lookup(bus, addr) == &bar->range &&
	       bus_lookup(bus, addr + len - 1) == &bar->range;
}

/* Every device's decode_changed hook, in two passes (decode_lock held). */
static void decode_changed(struct pci_host *h)
{
	struct pci_dev *devs[PCI_MAX_DEVFN];
	int add, d;

	pthread_mutex_lock(&h->lock);
	memcpy(devs, h->devs, sizeof(devs));
	pthread_mutex_unlock(&h->lock);
	for (add = 0; add < 2; add++) {
		for (d = 0; d < PCI_MAX_DEVFN; d++) {
			struct pci_dev *p = devs[d];

			if (p && p->ops && p->ops->decode_changed)
				p->ops->decode_changed(p, add);
		}
	}
}

void pci_decode_sync(struct kvm *kvm)
{
	struct pci_host *h = kvm->pci;

	if (!h)
		return;
	pthread_mutex_lock(&h->decode_lock);
	decode_changed(h);
	pthread_mutex_unlock(&h->decode_lock);
}

void pci_cfg_write(struct pci_dev *pdev, u32 off, const u8 *data, u32 len)
{
	struct pci_host *h = pdev->kvm->pci;
	bool msix_was = false, msix_now, mask_was = false, decode;
	u16 cmd_was;
	u32 i;

	if (off >= PCI_CFG_SIZE || len > 4 || (off & 3) + len > 4)
		return;
	/* Decode changes happen one at a time, each followed by the hooks. */
	decode = h && (touches(off, len, PCI_COMMAND, 2) ||
		       touches(off, len, PCI_BASE_ADDRESS_0, 24));
	if (decode)
		pthread_mutex_lock(&h->decode_lock);
	pthread_mutex_lock(&pdev->lock);
	cmd_was = pci_cfg_get16(pdev, PCI_COMMAND);
	if (pdev->msix) {
		u16 ctl = pci_cfg_get16(pdev, pdev->msix->cap + PCI_MSIX_FLAGS);

		msix_was = ctl & PCI_MSIX_FLAGS_ENABLE;
		mask_was = ctl & PCI_MSIX_FLAGS_MASKALL;
	}
	for (i = 0; i < len; i++) {
		u32 o = off + i;
		u8 v = data[i];

		pdev->cfg[o] = (pdev->cfg[o] & ~pdev->wmask[o]) |
			       (v & pdev->wmask[o]);
		pdev->cfg[o] &= ~(v & pdev->w1cmask[o]);
	}
	if (touches(off, len, PCI_COMMAND, 2) ||
	    touches(off, len, PCI_BASE_ADDRESS_0, 24))
		pci_update_bars(pdev);
	if (pdev->msix) {
		u16 ctl = pci_cfg_get16(pdev, pdev->msix->cap + PCI_MSIX_FLAGS);

		msix_now = ctl & PCI_MSIX_FLAGS_ENABLE;
		if (msix_now != msix_was && pdev->ops &&
		    pdev->ops->irq_mode_changed)
			pdev->ops->irq_mode_changed(pdev);
		if ((msix_now && !msix_was) ||
		    (mask_was && !(ctl & PCI_MSIX_FLAGS_MASKALL)))
			msix_unmask_pending(pdev);
	}
	/* Clearing INTX_DISABLE with the line wanted raises it. */
	if ((cmd_was & PCI_COMMAND_INTX_DISABLE) && pdev->intx_want &&
	    intx_enabled(pdev))
		intx_assert(pdev);
	intx_sync_line(pdev);
	if (pdev->ops && pdev->ops->cfg_write)
		pdev->ops->cfg_write(pdev, off, len);
	pthread_mutex_unlock(&pdev->lock);
	if (decode) {
		decode_changed(h);
		pthread_mutex_unlock(&h->decode_lock);
	}
}

/* ------------------------------------------------------------ device */

static int pci_bridge_save(struct vm_device *dev, struct snapshot *snap)
{
	return pci_dev_save(container_of(dev, struct pci_dev, dev), snap);
}

static int pci_bridge_restore(struct vm_device *dev, struct snapshot *snap)
{
	return pci_dev_restore(container_of(dev, struct pci_dev, dev), snap);
}

static const struct vm_device_ops bridge_vops = {
	.type		= "pci-host-bridge",
	.save		= pci_bridge_save,
	.restore	= pci_bridge_restore,
};

int pci_dev_init(struct pci_dev *pdev, struct kvm *kvm, const char *name,
		 u16 vendor, u16 device, u32 class, u8 revision,
		 u16 subsys_vendor, u16 subsys_id,
		 const struct vm_device_ops *vops,
		 const struct pci_dev_ops *ops)
{
	memset(pdev->cfg, 0, sizeof(pdev->cfg));
	memset(pdev->wmask, 0, sizeof(pdev->wmask));
	memset(pdev->w1cmask, 0, sizeof(pdev->w1cmask));
	memset(pdev->bar, 0, sizeof(pdev->bar));
	pthread_mutex_init(&pdev->lock, NULL);
	pdev->kvm = kvm;
	pdev->ops = ops;
	pdev->dev.ops = vops;
	pdev->intx_fd = pdev->intx_resample_fd = -1;
	pdev->intx_ioh = NULL;
	pdev->cap_tail = pdev->cap_free = 0;
	pdev->msix = NULL;
	pdev->intx_want = false;
	pdev->intx_deferred = false;
	snprintf(pdev->dev.name, sizeof(pdev->dev.name), "%s", name);

	pci_cfg_set16(pdev, PCI_VENDOR_ID, vendor);
	pci_cfg_set16(pdev, PCI_DEVICE_ID, device);
	pdev->cfg[PCI_REVISION_ID] = revision;
	pdev->cfg[PCI_CLASS_PROG] = class;
	pci_cfg_set16(pdev, PCI_CLASS_DEVICE, class >> 8);
	pdev->cfg[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL;
	pci_cfg_set16(pdev, PCI_SUBSYSTEM_VENDOR_ID, subsys_vendor);
	pci_cfg_set16(pdev, PCI_SUBSYSTEM_ID, subsys_id);

	pdev->wmask[PCI_COMMAND] = PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
				   PCI_COMMAND_MASTER | PCI_COMMAND_PARITY;
	pdev->wmask[PCI_COMMAND + 1] = (PCI_COMMAND_SERR |
					PCI_COMMAND_INTX_DISABLE) >> 8;
	/* Status: error bits are write-1-to-clear. */
	pdev->w1cmask[PCI_STATUS + 1] = (PCI_STATUS_PARITY |
		PCI_STATUS_SIG_TARGET_ABORT | PCI_STATUS_REC_TARGET_ABORT |
		PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_SIG_SYSTEM_ERROR |
		PCI_STATUS_DETECTED_PARITY) >> 8;
	pdev->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
	pdev->wmask[PCI_LATENCY_TIMER] = 0xff;
	return 0;
}

/* Firmware-style BAR assignment for architectures without a guest
 * firmware that would do it (x86 without ACPI). */
static void preassign_bars(struct pci_host *h, struct pci_dev *pdev)
{
	int b;

	for (b = 0; b < PCI_NR_BARS; b++) {
		struct pci_bar *bar = &pdev->bar[b];
		u64 *next = bar->kind == PCI_BAR_IO ? &h->io_next :
						      &h->mmio32_next;
		u64 end = bar->kind == PCI_BAR_IO ?
			  h->layout.io_base + h->layout.io_size :
			  h->layout.mmio32_base + h->layout.mmio32_size;
		u64 a;

		if (bar->kind == PCI_BAR_NONE)
			continue;
		a = ALIGN_UP(*next, bar->size);
		if (a + bar->size > end) {
			pr_warn("%s: no room to assign BAR%d", pdev->dev.name, b);
			continue;
		}
		*next = a + bar->size;
		pci_cfg_set32(pdev, bar_reg(b), pci_cfg_get32(pdev, bar_reg(b)) |
			      (u32)a);
		if (bar->kind == PCI_BAR_MEM64) {
			pci_cfg_set32(pdev, bar_reg(b + 1), a >> 32);
			b++;
		}
	}
	pci_cfg_set16(pdev, PCI_COMMAND, pci_cfg_get16(pdev, PCI_COMMAND) |
		      PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
}

int pci_dev_register(struct pci_dev *pdev)
{
	struct kvm *kvm = pdev->kvm;
	struct pci_host *h = kvm->pci;
	int ret;

	if (!h)
		return -ENODEV;
	pthread_mutex_lock(&h->lock);
	if (h->next_slot >= 32) {
		pthread_mutex_unlock(&h->lock);
		pr_err("%s: the PCI bus is full (32 slots)", pdev->dev.name);
		return -ENOSPC;
	}
	pdev->devfn = h->next_slot++ << 3;
	h->devs[pdev->devfn] = pdev;
	pthread_mutex_unlock(&h->lock);

	if (pdev != &h->bridge) {
		ret = intx_setup(pdev);
		if (ret)
			return ret;
	}
	if (h->layout.preassign && pdev != &h->bridge)
		preassign_bars(h, pdev);
	pthread_mutex_lock(&pdev->lock);
	pci_update_bars(pdev);
	pthread_mutex_unlock(&pdev->lock);
	kvm__add_device(kvm, &pdev->dev);
	return 0;
}

struct pci_dev *pci_find_dev(struct kvm *kvm, u8 devfn)
{
	struct pci_dev *p;

	if (!kvm->pci)
		return NULL;
	pthread_mutex_lock(&kvm->pci->lock);
	p = kvm->pci->devs[devfn];
	pthread_mutex_unlock(&kvm->pci->lock);
	return p;
}

/* ------------------------------------------------- host bridge decode */

void pci_cfg_access(struct kvm *kvm, u8 bus, u8 devfn, u32 off, u8 *data,
		    u32 len, bool is_write)
{
	struct pci_dev *pdev = bus == 0 ? pci_find_dev(kvm, devfn) : NULL;

	if (!pdev || off >= PCI_CFG_SIZE || !len || len > 4 ||
	    (off & 3) + len > 4) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	if (is_write)
		pci_cfg_write(pdev, off, data, len);
	else
		pci_cfg_read(pdev, off, data, len);
}

static void ecam_io(struct kvm_cpu *vcpu, u64 off, u8 *data, u32 len,
		    bool is_write, void *opaque)
{
	struct pci_host *h = opaque;

	pci_cfg_access(h->kvm, off >> 20, (off >> 12) & 0xff, off & 0xfff,
		       data, len, is_write);
}

static void cf8_io(struct kvm_cpu *vcpu, u64 off, u8 *data, u32 len,
		   bool is_write, void *opaque)
{
	struct pci_host *h = opaque;

	if (len == 4 && off == 0) {
		pthread_mutex_lock(&h->lock);
		if (is_write)
			memcpy(&h->cf8, data, 4);
		else
			memcpy(data, &h->cf8, 4);
		pthread_mutex_unlock(&h->lock);
		return;
	}
	/* 0xCF9: reset control register (bit 2 pulses a reset). */
	if (len == 1 && off == 1) {
		if (is_write && (data[0] & 0x04))
			kvm__request_exit(h->kvm, VM_EXIT_RESET);
		else if (!is_write)
			data[0] = 0;
		return;
	}
	if (!is_write)
		memset(data, 0xff, len);
}

static void cfc_io(struct kvm_cpu *vcpu, u64 off, u8 *data, u32 len,
		   bool is_write, void *opaque)
{
	struct pci_host *h = opaque;
	u32 a;

	pthread_mutex_lock(&h->lock);
	a = h->cf8;
	pthread_mutex_unlock(&h->lock);
	if (!(a & CF8_ENABLE) || off + len > 4) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	pci_cfg_access(h->kvm, (a >> 16) & 0xff, (a >> 8) & 0xff,
		       (a & 0xfc) + off, data, len, is_write);
}

/* On architectures without port I/O, PCI I/O space is an MMIO window. */
static void io_window_io(struct kvm_cpu *vcpu, u64 off, u8 *data, u32 len,
			 bool is_write, void *opaque)
{
	struct pci_host *h = opaque;

	bus_dispatch(&h->kvm->pio_bus, vcpu, off, data, len, is_write);
}

/* Undo pci_host_init: its config-space and I/O windows leave the buses. */
void pci_host_exit(struct kvm *kvm)
{
	struct pci_host *h = kvm->pci;

	if (!h)
		return;
	bus_del(&kvm->mmio_bus, &h->ecam);
	bus_del(&kvm->pio_bus, &h->cf8_range);
	bus_del(&kvm->pio_bus, &h->cfc_range);
	bus_del(&kvm->mmio_bus, &h->io_window);
	pthread_mutex_destroy(&h->lock);
	pthread_mutex_destroy(&h->decode_lock);
	free(h);
	kvm->pci = NULL;
}

int pci_host_init(struct kvm *kvm)
{
	struct pci_host *h = calloc(1, sizeof(*h));
	struct pci_layout *l;
	int ret;

	if (!h)
		return -ENOMEM;
	h->kvm = kvm;
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_init(&h->decode_lock, NULL);
	kvm__arch_pci_layout(kvm, &h->layout);
	l = &h->layout;
	h->mmio32_next = l->mmio32_base;
	h->io_next = l->io_base;
	kvm->pci = h;

	h->ecam = (struct bus_range) {
		.base = l->ecam_base, .len = l->ecam_size, .fn = ecam_io,
		.opaque = h, .name = "pci-ecam",
	};
	ret = bus_add(&kvm->mmio_bus, &h->ecam);
	if (!ret && l->cf8) {
		h->cf8_range = (struct bus_range) {
			.base = 0xcf8, .len = 4, .fn = cf8_io, .opaque = h,
			.name = "pci-cf8",
		};
		h->cfc_range = (struct bus_range) {
			.base = 0xcfc, .len = 4, .fn = cfc_io, .opaque = h,
			.name = "pci-cfc",
		};
		ret = bus_add(&kvm->pio_bus, &h->cf8_range);
		if (!ret)
			ret = bus_add(&kvm->pio_bus, &h->cfc_range);
	}
	if (!ret && l->io_mmio_base) {
		h->io_window = (struct bus_range) {
			.base = l->io_mmio_base, .len = l->io_base + l->io_size,
			.fn = io_window_io, .opaque = h, .name = "pci-io",
		};
		ret = bus_add(&kvm->mmio_bus, &h->io_window);
	}
	if (ret)
		return ret;

	pci_dev_init(&h->bridge, kvm, "pci-host", PCI_HOST_VENDOR,
		     PCI_HOST_DEVICE, 0x060000, 0, 0, 0,
		     &bridge_vops, NULL);
	return pci_dev_register(&h->bridge);
}

void pci_dev_exit(struct pci_dev *pdev)
{
	int v, b;

	/* The buses must not keep ranges that point into a freed device. */
	pthread_mutex_lock(&pdev->lock);
	for (b = 0; b < PCI_NR_BARS; b++) {
		if (pdev->bar[b].kind != PCI_BAR_NONE && pdev->bar[b].range.active)
			bus_del(bar_bus(pdev, b), &pdev->bar[b].range);
		pdev->bar[b].mapped = false;
	}
	pthread_mutex_unlock(&pdev->lock);
	if (pdev->intx_ioh)
		iothread_del(&pdev->kvm->io, pdev->intx_ioh);
	pdev->intx_ioh = NULL;
	if (pdev->msix) {
		for (v = 0; v < pdev->msix->nr; v++)
			if (pdev->msix->irqfd[v] >= 0)
				close(pdev->msix->irqfd[v]);
		free(pdev->msix);
		pdev->msix = NULL;
	}
	if (pdev->intx_fd >= 0)
		close(pdev->intx_fd);
	if (pdev->intx_resample_fd >= 0)
		close(pdev->intx_resample_fd);
	pdev->intx_fd = pdev->intx_resample_fd = -1;
}

/* -------------------------------------------------------- snapshots */

struct pci_dev_state {
	u8			cfg[PCI_CFG_SIZE];
	u8			intx_want;
	u8			pad[7];
	u64			pba;
	struct msix_entry	table[PCI_MSIX_MAX_VECTORS];
};

int pci_dev_save(struct pci_dev *pdev, struct snapshot *snap)
{
	struct pci_dev_state *st = calloc(1, sizeof(*st));
	char id[48];
	int ret;

	if (!st)
		return -ENOMEM;
	pthread_mutex_lock(&pdev->lock);
	memcpy(st->cfg, pdev->cfg, sizeof(st->cfg));
	st->intx_want = pdev->intx_want;
	if (pdev->msix) {
		st->pba = pdev->msix->pba;
		memcpy(st->table, pdev->msix->table, sizeof(st->table));
	}
	pthread_mutex_unlock(&pdev->lock);
	snprintf(id, sizeof(id), "%s.pci", pdev->dev.name);
	ret = snap_put(snap, id, 1, st, sizeof(*st));
	free(st);
	return ret;
}

int pci_dev_restore(struct pci_dev *pdev, struct snapshot *snap)
{
	struct pci_dev_state *st = calloc(1, sizeof(*st));
	char id[48];
	int ret, v;

	if (!st)
		return -ENOMEM;
	snprintf(id, sizeof(id), "%s.pci", pdev->dev.name);
	ret = snap_get(snap, id, 1, st, sizeof(*st));
	if (ret)
		goto out;
	/* Identity must match: a snapshot of another device is refused. */
	if (memcmp(st->cfg, pdev->cfg, 4) ||
	    memcmp(st->cfg + PCI_CLASS_REVISION, pdev->cfg + PCI_CLASS_REVISION, 4)) {
		pr_err("snapshot: %s is not the same PCI device", pdev->dev.name);
		ret = -EPROTO;
		goto out;
	}
	pthread_mutex_lock(&pdev->lock);
	memcpy(pdev->cfg, st->cfg, sizeof(pdev->cfg));
	pdev->intx_want = st->intx_want;
	if (pdev->msix) {
		pdev->msix->pba = st->pba;
		memcpy(pdev->msix->table, st->table, sizeof(pdev->msix->table));
		for (v = 0; v < pdev->msix->nr; v++) {
			pdev->msix->table[v].ctrl &= PCI_MSIX_ENTRY_CTRL_MASKBIT;
			pdev->msix->route_dirty[v] = true;
		}
	}
	pci_update_bars(pdev);
	if (pdev->intx_want && intx_enabled(pdev))
		intx_assert(pdev);
	pdev->intx_line = false;
	intx_sync_line(pdev);
	pthread_mutex_unlock(&pdev->lock);
out:
	free(st);
	return ret;
}
