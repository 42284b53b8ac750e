/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI Express (1.1) devices on one root bus.
 *
 * Every function has a 4 KiB configuration space with per-byte write masks
 * (bits the guest may set) and write-1-to-clear masks.  Configuration
 * space is reached through an ECAM window on every architecture and, on
 * x86, also through configuration mechanism #1 (0xCF8/0xCFC); both decode
 * to pci_cfg_read()/pci_cfg_write() on the same state.
 *
 * BARs belong to the guest: it sizes them by writing all-ones and may move
 * them, or turn decoding off and on, at any time.  The PCI core keeps the
 * I/O and MMIO buses in step with the BAR registers and the COMMAND
 * register, and calls the device's bar_update hook so that it can move
 * what else depends on the address (ioeventfds).
 */
#ifndef KVM__PCI_H
#define KVM__PCI_H

#include <pthread.h>
#include <linux/pci_regs.h>

#include "kvm/bus.h"
#include "kvm/compiler.h"
#include "kvm/devices.h"

#define PCI_CFG_SIZE		4096
#define PCI_MAX_DEVFN		256
#define PCI_NR_BARS		6
#define PCI_NO_IRQ		0xffffffffU

/* Vendor/device of the host bridge function at 00:00.0. */
#define PCI_HOST_VENDOR		0x1b36
#define PCI_HOST_DEVICE		0x0008

struct kvm;
struct pci_dev;
struct io_handler;

enum pci_bar_kind {
	PCI_BAR_NONE = 0,
	PCI_BAR_IO,
	PCI_BAR_MEM32,
	PCI_BAR_MEM64,		/* occupies this BAR and the next */
};

struct pci_bar {
	enum pci_bar_kind	kind;
	u64			size;		/* power of two */
	bool			prefetchable;
	/* Current decode, kept in step with config space. */
	u64			addr;
	bool			mapped;
	struct bus_range	range;		/* fn/opaque set at creation */
};

struct msix_entry {
	u32	addr_lo;
	u32	addr_hi;
	u32	data;
	u32	ctrl;
} __packed;

#define PCI_MSIX_MAX_VECTORS	64

/* MSI-X state: the table lives in a BAR, the capability in config space. */
struct pci_msix {
	u16			nr;		/* vectors */
	u8			cap;		/* capability offset */
	u8			table_bar;
	u32			table_off;
	u8			pba_bar;
	u32			pba_off;
	struct msix_entry	table[PCI_MSIX_MAX_VECTORS];
	u64			pba;		/* pending bits */
	/* Delivery through KVM: one GSI (MSI route) and irqfd per vector. */
	int			gsi[PCI_MSIX_MAX_VECTORS];
	int			irqfd[PCI_MSIX_MAX_VECTORS];
	bool			route_dirty[PCI_MSIX_MAX_VECTORS];
};

struct pci_dev_ops {
	/*
	 * A BAR was mapped, unmapped or moved (dev->lock held).  @old_mapped
	 * and @old_addr describe the previous decode.
	 */
	void (*bar_update)(struct pci_dev *pdev, int bar, bool old_mapped,
			   u64 old_addr);
	/* Side effects of a config write that has landed (dev->lock held). */
	void (*cfg_write)(struct pci_dev *pdev, u32 off, u32 len);
	/* Refresh config bytes before they are read (dev->lock held). */
	void (*cfg_read)(struct pci_dev *pdev, u32 off, u32 len);
	/* MSI-X was enabled or disabled, or INTx got masked (lock held). */
	void (*irq_mode_changed)(struct pci_dev *pdev);
	/*
	 * What the buses decode changed (a BAR of any device was mapped,
	 * moved or unmapped).  Called for every device, twice, without
	 * device locks but with all other decode changes held off: first
	 * with @add false, to take down what no longer decodes to this
	 * device, then with @add true, to set up what now does.  A doorbell
	 * ioeventfd, which KVM matches before lkvm's buses see an access,
	 * must exist only where its BAR wins the decode (pci_bar_decodes),
	 * or a device whose BAR overlaps it would lose its doorbells.
	 */
	void (*decode_changed)(struct pci_dev *pdev, bool add);
};

struct pci_dev {
	struct vm_device	dev;
	struct kvm		*kvm;
	u8			devfn;
	pthread_mutex_t		lock;
	const struct pci_dev_ops *ops;
	void			*priv;

	u8			cfg[PCI_CFG_SIZE];
	u8			wmask[PCI_CFG_SIZE];
	u8			w1cmask[PCI_CFG_SIZE];
	u8			cap_tail;	/* offset of the last capability */
	u8			cap_free;	/* where the next one may go */

	struct pci_bar		bar[PCI_NR_BARS];

	/* INTx: pin A, level-triggered, through a resampling irqfd. */
	u32			intx_gsi;
	int			intx_fd;
	int			intx_resample_fd;
	struct io_handler	*intx_ioh;
	bool			intx_want;	/* device asserts the line */
	bool			intx_line;	/* level given to kvm__irq_line() */
	bool			intx_deferred;	/* irqfd waits for the irqchip */

	struct pci_msix		*msix;
};

/* --- Device construction (before the VM runs). --- */
int pci_dev_init(struct pci_dev *pdev, struct kvm *kvm, const char *name,
		 u16 vendor, u16 device, u32 class, u8 revision,
		 u16 subsys_vendor, u16 subsys_id,
		 const struct vm_device_ops *vops,
		 const struct pci_dev_ops *ops);
/* Describe a BAR.  @size must be a power of two (I/O >= 4, mem >= 16). */
int pci_dev_add_bar(struct pci_dev *pdev, int bar, enum pci_bar_kind kind,
		    u64 size, bool prefetchable, bus_io_fn fn, void *opaque);
/* Append a capability of @len bytes; returns its offset or 0 on overflow. */
u8 pci_dev_add_cap(struct pci_dev *pdev, u8 id, u8 len);
/* PCI Express capability, version 1, endpoint. */
u8 pci_dev_add_express_cap(struct pci_dev *pdev);
/* MSI-X with @nr vectors: table and PBA in @bar at the given offsets. */
int pci_dev_add_msix(struct pci_dev *pdev, u16 nr, int bar, u32 table_off,
		     u32 pba_off);
/* Give the device an INTx pin (pin A) and register it on the bus. */
int pci_dev_register(struct pci_dev *pdev);

/* --- Config space access (bus/devfn already decoded). --- */
void pci_cfg_read(struct pci_dev *pdev, u32 off, u8 *data, u32 len);
void pci_cfg_write(struct pci_dev *pdev, u32 off, const u8 *data, u32 len);
/* Host bridge decode: reads all-ones / ignores writes when no function. */
void pci_cfg_access(struct kvm *kvm, u8 bus, u8 devfn, u32 off, u8 *data,
		    u32 len, bool is_write);

/* Config space helpers. */
static inline u16 pci_cfg_get16(const struct pci_dev *p, u32 off)
{
	return p->cfg[off] | (p->cfg[off + 1] << 8);
}

static inline u32 pci_cfg_get32(const struct pci_dev *p, u32 off)
{
	return pci_cfg_get16(p, off) | ((u32)pci_cfg_get16(p, off + 2) << 16);
}

static inline void pci_cfg_set16(struct pci_dev *p, u32 off, u16 v)
{
	p->cfg[off] = v;
	p->cfg[off + 1] = v >> 8;
}

static inline void pci_cfg_set32(struct pci_dev *p, u32 off, u32 v)
{
	pci_cfg_set16(p, off, v);
	pci_cfg_set16(p, off + 2, v >> 16);
}

static inline void pci_wmask_set32(struct pci_dev *p, u32 off, u32 m)
{
	p->wmask[off] = m;
	p->wmask[off + 1] = m >> 8;
	p->wmask[off + 2] = m >> 16;
	p->wmask[off + 3] = m >> 24;
}

/* --- Interrupts. --- */
/* Raise MSI-X vector @vec, or assert INTx when MSI-X is off.  Returns
 * false if nothing could be delivered (e.g. no vector). */
bool pci_msix_enabled(struct pci_dev *pdev);
void pci_msix_signal(struct pci_dev *pdev, u16 vec);
void pci_intx_set(struct pci_dev *pdev, bool level);

/* MSI-X table/PBA accesses, for the device's BAR handler. */
bool pci_msix_access(struct pci_dev *pdev, int bar, u64 off, u8 *data,
		     u32 len, bool is_write);

/*
 * True if @len bytes at @addr decode to @bar of @pdev now (it is mapped and
 * no BAR decoded later overlaps them).  For decode_changed hooks.
 */
bool pci_bar_decodes(struct pci_dev *pdev, int bar, u64 addr, u32 len);
/* Run every device's decode_changed hooks (after a restore). */
void pci_decode_sync(struct kvm *kvm);

/* --- Host bridge. --- */
int pci_host_init(struct kvm *kvm);
void pci_host_exit(struct kvm *kvm);
/*
 * Once the irqchip is ready (after kvm__arch_finalize): connect the INTx
 * irqfds that KVM refused earlier (arm64 takes irqfds only after the vGIC
 * is initialised, which needs every vCPU).
 */
int pci_host_finalize(struct kvm *kvm);
struct pci_dev *pci_find_dev(struct kvm *kvm, u8 devfn);

/* Release what the PCI core holds for a function (MSI-X, INTx fds). */
void pci_dev_exit(struct pci_dev *pdev);

/* Save and restore a function's state (config space, BARs, MSI-X). */
int pci_dev_save(struct pci_dev *pdev, struct snapshot *snap);
int pci_dev_restore(struct pci_dev *pdev, struct snapshot *snap);

#endif
