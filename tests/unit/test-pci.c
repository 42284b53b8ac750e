// SPDX-License-Identifier: GPL-2.0
/*
 * PCI Express functions as a guest sees them: config space write masks,
 * BAR sizing and moves (with and without overlap, gated by COMMAND),
 * ECAM and 0xCF8/0xCFC decoding to the same registers, MSI-X masking,
 * INTx status, and a virtio-pci device driven through its BARs like a
 * driver would.  No /dev/kvm: irqfds are unavailable, so MSI-X delivery is
 * observed through the pending bits.
 */
#include <pthread.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_pci.h>

#include "unit.h"
#include "kvm/irq.h"
#include "kvm/pci.h"
#include "kvm/virtio.h"

/* ------------------------------------------------------------ fixture */

static struct kvm *pci_kvm_new(u64 ram)
{
	struct kvm *kvm = unit_kvm_new(ram);

	ck_assert_int_eq(irq_routing_init(kvm), 0);
	ck_assert_int_eq(pci_host_init(kvm), 0);
	ck_assert_ptr_nonnull(kvm->pci);
	return kvm;
}

/*
 * Tear down the VM: every device frees itself in its exit op (virtio-pci
 * and the test devices below), the host bridge goes with kvm->pci.
 */
static void pci_kvm_free(struct kvm *kvm)
{
	kvm__exit_devices(kvm);
	irq_routing_exit(kvm);
	free(kvm->pci);
	kvm->pci = NULL;
	unit_kvm_free(kvm);
}

static struct pci_layout layout(struct kvm *kvm)
{
	struct pci_layout l;

	kvm__arch_pci_layout(kvm, &l);
	return l;
}

static u64 ecam(struct kvm *kvm, u8 bus, u8 devfn, u32 off)
{
	return layout(kvm).ecam_base + ((u64)bus << 20) + ((u64)devfn << 12) +
	       off;
}

/* Config space through ECAM, as the guest does it. */
static u32 cfg_rd(struct kvm *kvm, u8 devfn, u32 off, u32 len)
{
	return unit_bus_read(&kvm->mmio_bus, ecam(kvm, 0, devfn, off), len);
}

static void cfg_wr(struct kvm *kvm, u8 devfn, u32 off, u32 len, u32 val)
{
	unit_bus_write(&kvm->mmio_bus, ecam(kvm, 0, devfn, off), len, val);
}

/* Config space through 0xCF8/0xCFC. */
static void cf8_sel(struct kvm *kvm, u8 bus, u8 devfn, u32 off)
{
	unit_bus_write(&kvm->pio_bus, 0xcf8, 4, 0x80000000U | (bus << 16) |
		       (devfn << 8) | (off & 0xfc));
}

static u32 cf8_rd(struct kvm *kvm, u8 bus, u8 devfn, u32 off, u32 len)
{
	cf8_sel(kvm, bus, devfn, off);
	return unit_bus_read(&kvm->pio_bus, 0xcfc + (off & 3), len);
}

static void cf8_wr(struct kvm *kvm, u8 bus, u8 devfn, u32 off, u32 len,
		   u32 val)
{
	cf8_sel(kvm, bus, devfn, off);
	unit_bus_write(&kvm->pio_bus, 0xcfc + (off & 3), len, val);
}

/* Walk the capability list; for vendor caps, match the virtio cfg_type. */
static u8 find_cap(struct kvm *kvm, u8 devfn, u8 id, int vtype)
{
	u8 c = cfg_rd(kvm, devfn, PCI_CAPABILITY_LIST, 1);
	int n = 0;

	while (c && n++ < 48) {
		if (cfg_rd(kvm, devfn, c, 1) == id &&
		    (vtype < 0 || cfg_rd(kvm, devfn, c + 3, 1) == (u32)vtype))
			return c;
		c = cfg_rd(kvm, devfn, c + 1, 1);
	}
	return 0;
}

/* ------------------------------------------------- synthetic devices */

#define T_VENDOR	0x1234U
#define T_DEVICE	0x5678U
#define T_CLASS		0x078001
#define T_REV		0x42
#define T_SVENDOR	0xabcdU
#define T_SID		0xef01U

#define T_IO_SIZE	32
#define T_M32_SIZE	SZ_4K
#define T_M64_SIZE	(16 * SZ_1K)
#define T_PF_SIZE	SZ_1M
#define T_MSIX_NR	4
#define T_PBA_OFF	0x800

struct tdev;

struct probe {
	struct tdev	*t;
	int		bar;
	int		hits;
	u64		last_off;
	u32		last_len;
	bool		last_write;
	u64		last_val;
	u8		val;		/* what reads return */
};

struct tdev {
	struct pci_dev	pdev;
	struct probe	probe[PCI_NR_BARS];
	int		bar_updates;
	int		last_update_bar;
	bool		last_old_mapped;
	u64		last_old_addr;
	int		decode_calls;
	u64		doorbell;	/* where it "registered" one (0: none) */
};

/*
 * A stand-in for KVM's ioeventfds, as virtio-pci keeps them: each device
 * holds a doorbell at BAR1 + 8 where that decodes to it; KVM refuses two on
 * one address, so one may never be set up before the other is gone.
 */
#define DOORBELL_OFF	8
static bool track_doorbells;	/* only bar_overlap_doorbells */
static int doorbell_holders;
static u64 doorbells_held[8];

static void doorbell_claim(u64 addr, bool claim)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(doorbells_held); i++) {
		if (claim)
			ck_assert_msg(doorbells_held[i] != addr,
				      "two doorbells at 0x%llx",
				      (unsigned long long)addr);
		else if (doorbells_held[i] == addr)
			doorbells_held[i] = 0;
	}
	for (i = 0; claim && i < ARRAY_SIZE(doorbells_held); i++) {
		if (!doorbells_held[i]) {
			doorbells_held[i] = addr;
			return;
		}
	}
	ck_assert(!claim);
}

static void tdev_decode_changed(struct pci_dev *pdev, bool add)
{
	struct tdev *t = pdev->priv;
	struct pci_bar *bar = &pdev->bar[1];
	u64 want = 0;

	t->decode_calls++;
	if (!track_doorbells)
		return;
	if (bar->mapped && pci_bar_decodes(pdev, 1, bar->addr + DOORBELL_OFF, 2))
		want = bar->addr + DOORBELL_OFF;
	if (want == t->doorbell)
		return;
	if (!add) {
		if (t->doorbell) {
			doorbell_claim(t->doorbell, false);
			doorbell_holders--;
		}
		t->doorbell = 0;
	} else if (want) {
		doorbell_claim(want, true);
		doorbell_holders++;
		t->doorbell = want;
	}
}

static void probe_io(struct kvm_cpu *vcpu, u64 off, u8 *data, u32 len,
		     bool is_write, void *opaque)
{
	struct probe *p = opaque;

	/* BAR1 of a device with MSI-X holds the table and the PBA. */
	if (p->t->pdev.msix && pci_msix_access(&p->t->pdev, p->bar, off, data,
					       len, is_write))
		return;
	p->hits++;
	p->last_off = off;
	p->last_len = len;
	p->last_write = is_write;
	if (is_write) {
		p->last_val = 0;
		memcpy(&p->last_val, data, len < 8 ? len : 8);
	} else {
		memset(data, p->val, len);
	}
}

static void tdev_bar_update(struct pci_dev *pdev, int bar, bool old_mapped,
			    u64 old_addr)
{
	struct tdev *t = pdev->priv;

	t->bar_updates++;
	t->last_update_bar = bar;
	t->last_old_mapped = old_mapped;
	t->last_old_addr = old_addr;
}

static const struct pci_dev_ops tdev_ops = {
	.bar_update	= tdev_bar_update,
	.decode_changed	= tdev_decode_changed,
};

static void tdev_exit(struct vm_device *dev)
{
	struct tdev *t = container_of(dev, struct tdev, pdev.dev);

	pci_dev_exit(&t->pdev);
	free(t);
}

static const struct vm_device_ops tdev_vops = {
	.type		= "test-pci",
	.exit		= tdev_exit,
};

/* For functions that are only built, never registered. */
static const struct vm_device_ops bare_vops = {
	.type		= "test-bare",
};

/*
 * BAR0 I/O 32 bytes, BAR1 32-bit memory 4 KiB (MSI-X table at 0, PBA at
 * 0x800 when @msix), BAR2/3 64-bit 16 KiB, BAR4/5 64-bit prefetchable
 * 1 MiB; a PCI Express capability.
 */
static struct tdev *tdev_new(struct kvm *kvm, const char *name, bool msix)
{
	struct tdev *t = calloc(1, sizeof(*t));
	struct pci_dev *p;
	int b;

	ck_assert_ptr_nonnull(t);
	p = &t->pdev;
	ck_assert_int_eq(pci_dev_init(p, kvm, name, T_VENDOR, T_DEVICE,
				      T_CLASS, T_REV, T_SVENDOR, T_SID,
				      &tdev_vops, &tdev_ops), 0);
	p->priv = t;
	for (b = 0; b < PCI_NR_BARS; b++) {
		t->probe[b].t = t;
		t->probe[b].bar = b;
		t->probe[b].val = 0xa0 + b;
	}
	ck_assert_int_eq(pci_dev_add_bar(p, 0, PCI_BAR_IO, T_IO_SIZE, false,
					 probe_io, &t->probe[0]), 0);
	ck_assert_int_eq(pci_dev_add_bar(p, 1, PCI_BAR_MEM32, T_M32_SIZE, false,
					 probe_io, &t->probe[1]), 0);
	ck_assert_int_eq(pci_dev_add_bar(p, 2, PCI_BAR_MEM64, T_M64_SIZE, false,
					 probe_io, &t->probe[2]), 0);
	ck_assert_int_eq(pci_dev_add_bar(p, 4, PCI_BAR_MEM64, T_PF_SIZE, true,
					 probe_io, &t->probe[4]), 0);
	ck_assert_uint_eq(pci_dev_add_express_cap(p), 0x40);
	if (msix)
		ck_assert_int_eq(pci_dev_add_msix(p, T_MSIX_NR, 1, 0, T_PBA_OFF),
				 0);
	ck_assert_int_eq(pci_dev_register(p), 0);
	ck_assert_ptr_eq(pci_find_dev(kvm, p->devfn), p);
	return t;
}

/* Where the tests put the BARs (decoding off while programming them). */
#define A_IO	0x7000
#define A_M32	0xc0100000ULL
#define A_M64	0xc0200000ULL
#define A_PF	0xc0400000ULL

static void program_bars(struct kvm *kvm, struct tdev *t, u64 io, u64 m32,
			 u64 m64, u64 pf, u16 cmd)
{
	u8 d = t->pdev.devfn;

	cfg_wr(kvm, d, PCI_COMMAND, 2, 0);
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_0, 4, io);
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_1, 4, m32);
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_2, 4, m64);
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_3, 4, m64 >> 32);
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_4, 4, pf);
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_5, 4, pf >> 32);
	cfg_wr(kvm, d, PCI_COMMAND, 2, cmd);
}

#define CMD_DECODE	(PCI_COMMAND_IO | PCI_COMMAND_MEMORY)

/* ------------------------------------------------ config space masks */

START_TEST(cfg_identity_readonly)
{
	struct kvm *kvm = pci_kvm_new(0);
	struct tdev *t = tdev_new(kvm, "t0", false);
	u8 d = t->pdev.devfn;
	u32 line = cfg_rd(kvm, d, PCI_INTERRUPT_LINE, 1);
	int i;

	ck_assert_uint_eq(d, 1 << 3);	/* slot 0 is the host bridge */
	ck_assert_uint_eq(cfg_rd(kvm, 0, PCI_VENDOR_ID, 4),
			  PCI_HOST_VENDOR | PCI_HOST_DEVICE << 16);
	ck_assert_uint_eq(cfg_rd(kvm, 0, PCI_CLASS_REVISION, 4), 0x06000000);

	for (i = 0; i < 2; i++) {
		u32 v = i ? 0 : 0xffffffff;

		/* Dword writes of all-ones and all-zeroes, then bytes. */
		cfg_wr(kvm, d, PCI_VENDOR_ID, 4, v);
		cfg_wr(kvm, d, PCI_CLASS_REVISION, 4, v);
		cfg_wr(kvm, d, PCI_SUBSYSTEM_VENDOR_ID, 4, v);
		cfg_wr(kvm, d, PCI_CAPABILITY_LIST, 4, v);
		cfg_wr(kvm, d, PCI_ROM_ADDRESS, 4, v);
		cfg_wr(kvm, d, PCI_CARDBUS_CIS, 4, v);
		cfg_wr(kvm, d, PCI_HEADER_TYPE, 1, v);
		cfg_wr(kvm, d, PCI_BIST, 1, v);
		cfg_wr(kvm, d, PCI_INTERRUPT_PIN, 1, v);
		cfg_wr(kvm, d, PCI_MIN_GNT, 2, v);
		cfg_wr(kvm, d, PCI_DEVICE_ID, 2, v);
		cfg_wr(kvm, d, PCI_REVISION_ID, 1, v);
		cfg_wr(kvm, d, PCI_CLASS_PROG, 1, v);

		ck_assert_uint_eq(cfg_rd(kvm, d, PCI_VENDOR_ID, 4),
				  T_VENDOR | T_DEVICE << 16);
		ck_assert_uint_eq(cfg_rd(kvm, d, PCI_CLASS_REVISION, 4),
				  T_CLASS << 8 | T_REV);
		ck_assert_uint_eq(cfg_rd(kvm, d, PCI_SUBSYSTEM_VENDOR_ID, 4),
				  T_SVENDOR | T_SID << 16);
		ck_assert_uint_eq(cfg_rd(kvm, d, PCI_CAPABILITY_LIST, 4), 0x40);
		ck_assert_uint_eq(cfg_rd(kvm, d, PCI_ROM_ADDRESS, 4), 0);
		ck_assert_uint_eq(cfg_rd(kvm, d, PCI_CARDBUS_CIS, 4), 0);
		ck_assert_uint_eq(cfg_rd(kvm, d, PCI_HEADER_TYPE, 1),
				  PCI_HEADER_TYPE_NORMAL);
		ck_assert_uint_eq(cfg_rd(kvm, d, PCI_BIST, 1), 0);
		ck_assert_uint_eq(cfg_rd(kvm, d, PCI_INTERRUPT_PIN, 1), 1);
		ck_assert_uint_eq(cfg_rd(kvm, d, PCI_MIN_GNT, 2), 0);
	}
	/* Interrupt line, cache line size and latency timer are the
	 * guest's; the pin next to the line is not. */
	ck_assert_uint_eq(line, t->pdev.intx_gsi < 0xff ? t->pdev.intx_gsi : 0);
	cfg_wr(kvm, d, PCI_INTERRUPT_LINE, 4, 0xffffffff);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_INTERRUPT_LINE, 4), 0x000001ff);
	cfg_wr(kvm, d, PCI_INTERRUPT_LINE, 4, 0x0000000a);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_INTERRUPT_LINE, 4), 0x0000010a);
	cfg_wr(kvm, d, PCI_CACHE_LINE_SIZE, 4, 0xffffffff);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_CACHE_LINE_SIZE, 4), 0x0000ffff);
	cfg_wr(kvm, d, PCI_LATENCY_TIMER, 1, 0x40);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_CACHE_LINE_SIZE, 4), 0x000040ff);
	cfg_wr(kvm, d, PCI_CACHE_LINE_SIZE, 2, 0x0010);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_CACHE_LINE_SIZE, 4), 0x00000010);
	pci_kvm_free(kvm);
}
END_TEST

START_TEST(cfg_command_mask)
{
	struct kvm *kvm = pci_kvm_new(0);
	struct tdev *t = tdev_new(kvm, "t0", false);
	u8 d = t->pdev.devfn;

	cfg_wr(kvm, d, PCI_COMMAND, 2, 0);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_COMMAND, 2), 0);
	cfg_wr(kvm, d, PCI_COMMAND, 2, 0xffff);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_COMMAND, 2),
			  PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
			  PCI_COMMAND_MASTER | PCI_COMMAND_PARITY |
			  PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_COMMAND, 2), 0x0547);
	/* Byte writes: each half masked on its own. */
	cfg_wr(kvm, d, PCI_COMMAND + 1, 1, 0x00);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_COMMAND, 2), 0x0047);
	cfg_wr(kvm, d, PCI_COMMAND, 1, 0xb8);	/* special, MWI, VGA, wait */
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_COMMAND, 2), 0x0000);
	/* A dword write reaches COMMAND without touching STATUS bits. */
	cfg_wr(kvm, d, PCI_COMMAND, 4, 0x00000006);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_COMMAND, 4),
			  0x00000006 | PCI_STATUS_CAP_LIST << 16);
	pci_kvm_free(kvm);
}
END_TEST

#define STATUS_ERRORS	(PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT | \
			 PCI_STATUS_REC_TARGET_ABORT | \
			 PCI_STATUS_REC_MASTER_ABORT | \
			 PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY)

START_TEST(cfg_status_rw1c)
{
	struct kvm *kvm = pci_kvm_new(0);
	struct tdev *t = tdev_new(kvm, "t0", false);
	u8 d = t->pdev.devfn;

	ck_assert_uint_eq(STATUS_ERRORS, 0xf900);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_STATUS, 2), PCI_STATUS_CAP_LIST);
	/* The device reports errors and an interrupt. */
	pci_cfg_set16(&t->pdev, PCI_STATUS, PCI_STATUS_CAP_LIST | STATUS_ERRORS);
	pci_intx_set(&t->pdev, true);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_STATUS, 2), 0xf918);
	/* Writing 0 leaves them. */
	cfg_wr(kvm, d, PCI_STATUS, 2, 0);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_STATUS, 2), 0xf918);
	/* Writing 1 clears just that bit. */
	cfg_wr(kvm, d, PCI_STATUS, 2, PCI_STATUS_PARITY);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_STATUS, 2), 0xf818);
	cfg_wr(kvm, d, PCI_STATUS + 1, 1, PCI_STATUS_DETECTED_PARITY >> 8);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_STATUS, 2), 0x7818);
	/* Through a dword write at COMMAND as well. */
	cfg_wr(kvm, d, PCI_COMMAND, 4, PCI_STATUS_REC_MASTER_ABORT << 16);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_STATUS, 2), 0x5818);
	/* All-ones clears every error bit; read-only bits stay. */
	cfg_wr(kvm, d, PCI_STATUS, 2, 0xffff);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_STATUS, 2),
			  PCI_STATUS_CAP_LIST | PCI_STATUS_INTERRUPT);
	/* Read-only bits cannot be set by writing either. */
	cfg_wr(kvm, d, PCI_STATUS, 2, 0x06e7);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_STATUS, 2), 0x0018);
	pci_intx_set(&t->pdev, false);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_STATUS, 2), PCI_STATUS_CAP_LIST);
	pci_kvm_free(kvm);
}
END_TEST

START_TEST(cfg_express_cap)
{
	struct kvm *kvm = pci_kvm_new(0);
	struct tdev *t = tdev_new(kvm, "t0", false);
	struct tdev *m = tdev_new(kvm, "t1", true);
	u8 d = t->pdev.devfn, c = 0x40;

	ck_assert_uint_eq(find_cap(kvm, d, PCI_CAP_ID_EXP, -1), c);
	/* ID, no next capability, version 1 endpoint. */
	ck_assert_uint_eq(cfg_rd(kvm, d, c, 4), 0x00010010);
	/* With MSI-X the list goes on right after the 0x24-byte v1 cap. */
	ck_assert_uint_eq(cfg_rd(kvm, m->pdev.devfn, c, 4), 0x00016410);
	ck_assert_uint_eq(find_cap(kvm, m->pdev.devfn, PCI_CAP_ID_MSIX, -1),
			  0x64);

	cfg_wr(kvm, d, c, 4, 0xffffffff);
	cfg_wr(kvm, d, c, 4, 0);
	ck_assert_uint_eq(cfg_rd(kvm, d, c, 4), 0x00010010);
	/* Device capabilities: read-only (no FLR, 128-byte payload). */
	cfg_wr(kvm, d, c + PCI_EXP_DEVCAP, 4, 0xffffffff);
	ck_assert_uint_eq(cfg_rd(kvm, d, c + PCI_EXP_DEVCAP, 4), 0);
	/* Device control: MRRS 512 at reset; bit 15 (FLR) not writable. */
	ck_assert_uint_eq(cfg_rd(kvm, d, c + PCI_EXP_DEVCTL, 2), 0x2000);
	cfg_wr(kvm, d, c + PCI_EXP_DEVCTL, 2, 0xffff);
	ck_assert_uint_eq(cfg_rd(kvm, d, c + PCI_EXP_DEVCTL, 2), 0x7fff);
	cfg_wr(kvm, d, c + PCI_EXP_DEVCTL, 2, 0x0000);
	ck_assert_uint_eq(cfg_rd(kvm, d, c + PCI_EXP_DEVCTL, 2), 0);
	/* Device status: the four error bits are RW1C, TRPND read-only. */
	pci_cfg_set16(&t->pdev, c + PCI_EXP_DEVSTA, 0x000f | PCI_EXP_DEVSTA_TRPND);
	cfg_wr(kvm, d, c + PCI_EXP_DEVSTA, 2, 0);
	ck_assert_uint_eq(cfg_rd(kvm, d, c + PCI_EXP_DEVSTA, 2), 0x002f);
	cfg_wr(kvm, d, c + PCI_EXP_DEVSTA, 2, PCI_EXP_DEVSTA_CED);
	ck_assert_uint_eq(cfg_rd(kvm, d, c + PCI_EXP_DEVSTA, 2), 0x002e);
	/* One dword write: control written, status bits cleared. */
	cfg_wr(kvm, d, c + PCI_EXP_DEVCTL, 4, 0xffff1234);
	ck_assert_uint_eq(cfg_rd(kvm, d, c + PCI_EXP_DEVCTL, 4), 0x00201234);
	/* Link: capabilities and status read-only, control masked. */
	ck_assert_uint_eq(cfg_rd(kvm, d, c + PCI_EXP_LNKCAP, 4), 0x00000011);
	cfg_wr(kvm, d, c + PCI_EXP_LNKCAP, 4, 0xffffffff);
	ck_assert_uint_eq(cfg_rd(kvm, d, c + PCI_EXP_LNKCAP, 4), 0x00000011);
	cfg_wr(kvm, d, c + PCI_EXP_LNKCTL, 4, 0xffffffff);
	ck_assert_uint_eq(cfg_rd(kvm, d, c + PCI_EXP_LNKCTL, 4), 0x001100cb);
	/* The rest of the v1 structure (slot/root) is all read-only zero. */
	cfg_wr(kvm, d, c + PCI_EXP_SLTCAP, 4, 0xffffffff);
	cfg_wr(kvm, d, c + PCI_EXP_RTCTL, 4, 0xffffffff);
	ck_assert_uint_eq(cfg_rd(kvm, d, c + PCI_EXP_SLTCAP, 4), 0);
	ck_assert_uint_eq(cfg_rd(kvm, d, c + PCI_EXP_RTCTL, 4), 0);
	pci_kvm_free(kvm);
}
END_TEST

START_TEST(cfg_extended_and_bad_access)
{
	struct kvm *kvm = pci_kvm_new(0);
	struct tdev *t = tdev_new(kvm, "t0", false);
	u8 d = t->pdev.devfn, buf[8];
	u32 off, line = cfg_rd(kvm, d, PCI_INTERRUPT_LINE, 4);

	/* No extended capabilities: 0x100 reads 0 and stays 0. */
	for (off = 0x100; off < PCI_CFG_SIZE; off += 0x3fc) {
		ck_assert_uint_eq(cfg_rd(kvm, d, off, 4), 0);
		cfg_wr(kvm, d, off, 4, 0xffffffff);
		cfg_wr(kvm, d, off, 1, 0xff);
		ck_assert_uint_eq(cfg_rd(kvm, d, off, 4), 0);
	}
	ck_assert_uint_eq(cfg_rd(kvm, d, 0xffc, 4), 0);
	/* Accesses crossing a dword read all-ones and write nothing. */
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_VENDOR_ID + 1, 4), 0xffffffff);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_VENDOR_ID + 2, 4), 0xffffffff);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_VENDOR_ID + 3, 2), 0xffff);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_VENDOR_ID + 2, 2), T_DEVICE);
	cfg_wr(kvm, d, PCI_LATENCY_TIMER, 4, 0xffffffff);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_CACHE_LINE_SIZE, 4), 0);
	cfg_wr(kvm, d, PCI_INTERRUPT_LINE - 1, 2, 0x5555);
	cfg_wr(kvm, d, PCI_INTERRUPT_LINE - 2, 4, 0x55555555);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_INTERRUPT_LINE, 4), line);
	cfg_wr(kvm, d, PCI_CACHE_LINE_SIZE + 3, 2, 0xffff);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_CACHE_LINE_SIZE, 4), 0);
	/* An 8-byte ECAM access is not a config access. */
	memset(buf, 0, sizeof(buf));
	bus_dispatch(&kvm->mmio_bus, NULL, ecam(kvm, 0, d, 0), buf, 8, false);
	for (off = 0; off < 8; off++)
		ck_assert_uint_eq(buf[off], 0xff);
	memset(buf, 0xff, sizeof(buf));
	bus_dispatch(&kvm->mmio_bus, NULL, ecam(kvm, 0, d, PCI_CACHE_LINE_SIZE),
		     buf, 8, true);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_CACHE_LINE_SIZE, 4), 0);

	/* Offsets at and beyond 4 KiB (not reachable through ECAM). */
	memset(buf, 0, sizeof(buf));
	pci_cfg_read(&t->pdev, PCI_CFG_SIZE, buf, 4);
	ck_assert_uint_eq(buf[0] & buf[1] & buf[2] & buf[3], 0xff);
	memset(buf, 0, sizeof(buf));
	pci_cfg_read(&t->pdev, 0xffffffff, buf, 1);
	ck_assert_uint_eq(buf[0], 0xff);
	memset(buf, 0, sizeof(buf));
	pci_cfg_read(&t->pdev, PCI_CFG_SIZE - 2, buf, 4);
	ck_assert_uint_eq(buf[0] & buf[1] & buf[2] & buf[3], 0xff);
	memset(buf, 0, sizeof(buf));
	pci_cfg_access(kvm, 0, d, PCI_CFG_SIZE, buf, 4, false);
	ck_assert_uint_eq(buf[0] & buf[1] & buf[2] & buf[3], 0xff);
	memset(buf, 0x5a, sizeof(buf));
	pci_cfg_write(&t->pdev, PCI_CFG_SIZE, buf, 4);
	pci_cfg_write(&t->pdev, PCI_CFG_SIZE - 1, buf, 2);
	pci_cfg_write(&t->pdev, 0xfffffffe, buf, 4);
	pci_cfg_access(kvm, 0, d, PCI_CFG_SIZE + 4, buf, 4, true);
	pci_cfg_write(&t->pdev, PCI_CACHE_LINE_SIZE, buf, 8);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_CACHE_LINE_SIZE, 4), 0);
	ck_assert_uint_eq(cfg_rd(kvm, d, 0xffc, 4), 0);
	pci_kvm_free(kvm);
}
END_TEST

/* ------------------------------------------------------------- BARs */

START_TEST(bar_sizing)
{
	struct kvm *kvm = pci_kvm_new(0);
	struct tdev *t = tdev_new(kvm, "t0", false);
	u8 d = t->pdev.devfn;
	static const u32 mask[PCI_NR_BARS] = {
		0xffffffe1,		/* I/O, 32 bytes */
		0xfffff000,		/* 32-bit, 4 KiB */
		0xffffc004, 0xffffffff,	/* 64-bit, 16 KiB */
		0xfff0000c, 0xffffffff,	/* 64-bit prefetchable, 1 MiB */
	};
	static const u32 flags[PCI_NR_BARS] = { 0x1, 0x0, 0x4, 0, 0xc, 0 };
	u32 orig[PCI_NR_BARS];
	int b;

	cfg_wr(kvm, d, PCI_COMMAND, 2, 0);
	for (b = 0; b < PCI_NR_BARS; b++) {
		u32 reg = PCI_BASE_ADDRESS_0 + 4 * b;

		orig[b] = cfg_rd(kvm, d, reg, 4);
		/* The type bits are there from the start. */
		if (!(b & 1) || b == 1)
			ck_assert_uint_eq(orig[b] & (b ? 0xf : 0x3), flags[b]);
		cfg_wr(kvm, d, reg, 4, 0xffffffff);
		ck_assert_uint_eq(cfg_rd(kvm, d, reg, 4), mask[b]);
		cfg_wr(kvm, d, reg, 4, 0);
		ck_assert_uint_eq(cfg_rd(kvm, d, reg, 4), flags[b]);
		cfg_wr(kvm, d, reg, 4, orig[b]);
		ck_assert_uint_eq(cfg_rd(kvm, d, reg, 4), orig[b]);
	}
	/* Both halves of the 64-bit BARs together, as Linux does it. */
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_2, 4, 0xffffffff);
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_3, 4, 0xffffffff);
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_4, 4, 0xffffffff);
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_5, 4, 0xffffffff);
	for (b = 2; b < PCI_NR_BARS; b++)
		ck_assert_uint_eq(cfg_rd(kvm, d, PCI_BASE_ADDRESS_0 + 4 * b, 4),
				  mask[b]);
	for (b = 2; b < PCI_NR_BARS; b++)
		cfg_wr(kvm, d, PCI_BASE_ADDRESS_0 + 4 * b, 4, orig[b]);
	for (b = 0; b < PCI_NR_BARS; b++)
		ck_assert_uint_eq(cfg_rd(kvm, d, PCI_BASE_ADDRESS_0 + 4 * b, 4),
				  orig[b]);
	/* Sub-dword writes are masked the same way. */
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_1, 1, 0xff);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_BASE_ADDRESS_1, 1), 0);
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_0, 1, 0xff);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_BASE_ADDRESS_0, 1), 0xe1);
	/* The host bridge has no BARs. */
	cfg_wr(kvm, 0, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	ck_assert_uint_eq(cfg_rd(kvm, 0, PCI_BASE_ADDRESS_0, 4), 0);
	pci_kvm_free(kvm);
}
END_TEST

START_TEST(bar_add_checks)
{
	struct kvm *kvm = pci_kvm_new(0);
	struct pci_dev *p = calloc(1, sizeof(*p));
	struct probe pr;

	ck_assert_ptr_nonnull(p);
	pci_dev_init(p, kvm, "bad", 1, 2, 0, 0, 0, 0, &bare_vops, NULL);
	ck_assert_int_eq(pci_dev_add_bar(p, -1, PCI_BAR_MEM32, 16, false,
					 probe_io, &pr), -EINVAL);
	ck_assert_int_eq(pci_dev_add_bar(p, 6, PCI_BAR_MEM32, 16, false,
					 probe_io, &pr), -EINVAL);
	ck_assert_int_eq(pci_dev_add_bar(p, 0, PCI_BAR_MEM32, 48, false,
					 probe_io, &pr), -EINVAL);
	ck_assert_int_eq(pci_dev_add_bar(p, 0, PCI_BAR_MEM32, 8, false,
					 probe_io, &pr), -EINVAL);
	ck_assert_int_eq(pci_dev_add_bar(p, 0, PCI_BAR_IO, 2, false,
					 probe_io, &pr), -EINVAL);
	ck_assert_int_eq(pci_dev_add_bar(p, 0, PCI_BAR_IO, 512, false,
					 probe_io, &pr), -EINVAL);
	ck_assert_int_eq(pci_dev_add_bar(p, 0, PCI_BAR_MEM32, SZ_4G, false,
					 probe_io, &pr), -EINVAL);
	ck_assert_int_eq(pci_dev_add_bar(p, 5, PCI_BAR_MEM64, 16, false,
					 probe_io, &pr), -EINVAL);
	ck_assert_int_eq(pci_dev_add_bar(p, 0, PCI_BAR_NONE, 16, false,
					 probe_io, &pr), -EINVAL);
	ck_assert_int_eq(pci_dev_add_bar(p, 0, PCI_BAR_MEM32, 16, false,
					 probe_io, &pr), 0);
	ck_assert_int_eq(pci_dev_add_bar(p, 0, PCI_BAR_MEM32, 16, false,
					 probe_io, &pr), -EINVAL);
	/* A 64-bit BAR takes two registers: neither may be in use. */
	ck_assert_int_eq(pci_dev_add_bar(p, 3, PCI_BAR_MEM32, 16, false,
					 probe_io, &pr), 0);
	ck_assert_int_eq(pci_dev_add_bar(p, 2, PCI_BAR_MEM64, 16, false,
					 probe_io, &pr), -EINVAL);
	ck_assert_int_eq(p->bar[3].kind, PCI_BAR_MEM32);
	ck_assert_int_eq(pci_dev_add_bar(p, 4, PCI_BAR_MEM64, SZ_4G, true,
					 probe_io, &pr), 0);
	ck_assert_int_eq(pci_dev_add_bar(p, 5, PCI_BAR_MEM32, 16, false,
					 probe_io, &pr), -EINVAL);
	ck_assert_int_eq(p->bar[5].kind, PCI_BAR_NONE);
	/* A 4 GiB 64-bit BAR sizes as such. */
	ck_assert_uint_eq(pci_cfg_get32(p, PCI_BASE_ADDRESS_4), 0xc);
	{
		u8 ones[4] = { 0xff, 0xff, 0xff, 0xff }, out[4];

		pci_cfg_write(p, PCI_BASE_ADDRESS_4, ones, 4);
		pci_cfg_write(p, PCI_BASE_ADDRESS_5, ones, 4);
		pci_cfg_read(p, PCI_BASE_ADDRESS_4, out, 4);
		ck_assert_uint_eq(out[0] | out[1] << 8 | out[2] << 16 |
				  (u32)out[3] << 24, 0x0000000c);
		pci_cfg_read(p, PCI_BASE_ADDRESS_5, out, 4);
		ck_assert_uint_eq(out[0] | out[1] << 8 | out[2] << 16 |
				  (u32)out[3] << 24, 0xffffffff);
	}
	free(p);
	pci_kvm_free(kvm);
}
END_TEST

START_TEST(bar_move)
{
	struct kvm *kvm = pci_kvm_new(0);
	struct tdev *t = tdev_new(kvm, "t0", false);
	struct pci_dev *p = &t->pdev;
	struct probe *m32 = &t->probe[1], *io = &t->probe[0];
	u8 d = p->devfn;

	program_bars(kvm, t, A_IO, A_M32, A_M64, A_PF, CMD_DECODE);
	ck_assert_ptr_eq(bus_lookup(&kvm->pio_bus, A_IO), &p->bar[0].range);
	ck_assert_ptr_eq(bus_lookup(&kvm->pio_bus, A_IO + 31), &p->bar[0].range);
	ck_assert_ptr_null(bus_lookup(&kvm->pio_bus, A_IO + 32));
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, A_M32), &p->bar[1].range);
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, A_M32 + 0xfff),
			 &p->bar[1].range);
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, A_M64), &p->bar[2].range);
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, A_PF + SZ_1M - 1),
			 &p->bar[4].range);
	ck_assert_uint_eq(unit_bus_read(&kvm->mmio_bus, A_M32 + 0x10, 4),
			  0xa1a1a1a1);
	ck_assert_uint_eq(m32->last_off, 0x10);
	ck_assert_uint_eq(m32->last_len, 4);

	/* Move the 32-bit BAR: one step, the old address stops decoding. */
	t->bar_updates = 0;
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_1, 4, 0xc0800000);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_BASE_ADDRESS_1, 4), 0xc0800000);
	ck_assert_ptr_null(bus_lookup(&kvm->mmio_bus, A_M32));
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, 0xc0800000),
			 &p->bar[1].range);
	ck_assert_uint_eq(p->bar[1].addr, 0xc0800000);
	ck_assert(p->bar[1].mapped);
	ck_assert_int_eq(t->bar_updates, 1);
	ck_assert_int_eq(t->last_update_bar, 1);
	ck_assert(t->last_old_mapped);
	ck_assert_uint_eq(t->last_old_addr, A_M32);
	m32->hits = 0;
	ck_assert_uint_eq(unit_bus_read(&kvm->mmio_bus, A_M32 + 0x10, 4),
			  0xffffffff);
	ck_assert_int_eq(m32->hits, 0);
	unit_bus_write(&kvm->mmio_bus, 0xc0800ffc, 4, 0x12345678);
	ck_assert_int_eq(m32->hits, 1);
	ck_assert(m32->last_write);
	ck_assert_uint_eq(m32->last_off, 0xffc);
	ck_assert_uint_eq(m32->last_val, 0x12345678);
	/* Rewriting the same address is not a move. */
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_1, 4, 0xc0800000);
	ck_assert_int_eq(t->bar_updates, 1);
	/* A byte write to the top byte moves it too. */
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_1 + 3, 1, 0xd1);
	ck_assert_ptr_null(bus_lookup(&kvm->mmio_bus, 0xc0800000));
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, 0xd1800000),
			 &p->bar[1].range);

	/* I/O BAR. */
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_0, 4, 0x7100);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_BASE_ADDRESS_0, 4), 0x7101);
	ck_assert_ptr_null(bus_lookup(&kvm->pio_bus, A_IO));
	ck_assert_ptr_eq(bus_lookup(&kvm->pio_bus, 0x711f), &p->bar[0].range);
	ck_assert_uint_eq(unit_bus_read(&kvm->pio_bus, 0x7102, 2), 0xa0a0);
	ck_assert_uint_eq(io->last_off, 2);
	ck_assert_uint_eq(io->last_len, 2);
	/* The last 32 bytes of I/O space are fine; beyond 64 KiB is not. */
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_0, 4, 0xffe0);
	ck_assert_ptr_eq(bus_lookup(&kvm->pio_bus, 0xffff), &p->bar[0].range);
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_0, 4, 0x10000);
	ck_assert(!p->bar[0].mapped);
	ck_assert_ptr_null(bus_lookup(&kvm->pio_bus, 0xffe0));
	ck_assert_ptr_null(bus_lookup(&kvm->pio_bus, 0x10000));
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_0, 4, A_IO);
	ck_assert_ptr_eq(bus_lookup(&kvm->pio_bus, A_IO), &p->bar[0].range);

	/* 64-bit BAR above 4 GiB: low dword, then the upper one. */
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_2, 4, 0x00004000);
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_3, 4, 0x00000012);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_BASE_ADDRESS_2, 4), 0x00004004);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_BASE_ADDRESS_3, 4), 0x00000012);
	ck_assert_uint_eq(p->bar[2].addr, 0x1200004000ULL);
	ck_assert_ptr_null(bus_lookup(&kvm->mmio_bus, A_M64));
	ck_assert_ptr_null(bus_lookup(&kvm->mmio_bus, 0x4000));
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, 0x1200004000ULL),
			 &p->bar[2].range);
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, 0x1200007fffULL),
			 &p->bar[2].range);
	ck_assert_ptr_null(bus_lookup(&kvm->mmio_bus, 0x1200008000ULL));
	ck_assert_uint_eq(unit_bus_read(&kvm->mmio_bus, 0x1200007ff8ULL, 4),
			  0xa2a2a2a2);
	ck_assert_uint_eq(t->probe[2].last_off, 0x3ff8);
	/* Upper dword first, then the lower one; 8-byte accesses. */
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_5, 4, 0x0000fedc);
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_4, 4, 0x12300000);
	ck_assert_uint_eq(p->bar[4].addr, 0xfedc12300000ULL);
	ck_assert_ptr_null(bus_lookup(&kvm->mmio_bus, A_PF));
	ck_assert_ptr_null(bus_lookup(&kvm->mmio_bus, 0xfedc00000000ULL + A_PF));
	unit_bus_write(&kvm->mmio_bus, 0xfedc123ffff8ULL, 8, 0x1122334455667788ULL);
	ck_assert_uint_eq(t->probe[4].last_off, SZ_1M - 8);
	ck_assert_uint_eq(t->probe[4].last_len, 8);
	ck_assert_uint_eq(t->probe[4].last_val, 0x1122334455667788ULL);
	/* An access straddling the end of a BAR is not the BAR's. */
	t->probe[4].hits = 0;
	ck_assert_uint_eq(unit_bus_read(&kvm->mmio_bus, 0xfedc123ffffeULL, 4),
			  0xffffffff);
	ck_assert_int_eq(t->probe[4].hits, 0);
	pci_kvm_free(kvm);
}
END_TEST

START_TEST(bar_overlap)
{
	struct kvm *kvm = pci_kvm_new(0);
	struct tdev *a = tdev_new(kvm, "a", false);
	struct tdev *b = tdev_new(kvm, "b", false);
	const u64 X = 0xc1000000;

	program_bars(kvm, a, 0x7000, X, 0xc2000000, 0xc3000000, CMD_DECODE);
	program_bars(kvm, b, 0x7100, 0xc1100000, 0xc2100000, 0xc3100000,
		     CMD_DECODE);
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, X), &a->pdev.bar[1].range);

	/* b's BAR1 onto a's: the later decode wins. */
	cfg_wr(kvm, b->pdev.devfn, PCI_BASE_ADDRESS_1, 4, X);
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, X), &b->pdev.bar[1].range);
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, X + 0xfff),
			 &b->pdev.bar[1].range);
	ck_assert_uint_eq(unit_bus_read(&kvm->mmio_bus, X + 8, 4), 0xa1a1a1a1);
	ck_assert_int_eq(b->probe[1].hits, 1);
	ck_assert_int_eq(a->probe[1].hits, 0);
	/* b moves away: a answers again. */
	cfg_wr(kvm, b->pdev.devfn, PCI_BASE_ADDRESS_1, 4, 0xc1200000);
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, X), &a->pdev.bar[1].range);
	unit_bus_read(&kvm->mmio_bus, X + 8, 4);
	ck_assert_int_eq(a->probe[1].hits, 1);
	ck_assert_int_eq(b->probe[1].hits, 1);

	/* b's 16 KiB BAR2 over a's 4 KiB BAR1 and beyond. */
	cfg_wr(kvm, b->pdev.devfn, PCI_BASE_ADDRESS_2, 4, X);
	cfg_wr(kvm, b->pdev.devfn, PCI_BASE_ADDRESS_3, 4, 0);
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, X), &b->pdev.bar[2].range);
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, X + 0x3fff),
			 &b->pdev.bar[2].range);
	/* a decoding anew (memory decode off and on) makes a the latest. */
	cfg_wr(kvm, a->pdev.devfn, PCI_COMMAND, 2, PCI_COMMAND_IO);
	cfg_wr(kvm, a->pdev.devfn, PCI_COMMAND, 2, CMD_DECODE);
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, X), &a->pdev.bar[1].range);
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, X + 0xfff),
			 &a->pdev.bar[1].range);
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, X + 0x1000),
			 &b->pdev.bar[2].range);
	/* Through the bus: offsets are relative to the winner's base. */
	ck_assert_uint_eq(unit_bus_read(&kvm->mmio_bus, X + 0x1010, 4),
			  0xa2a2a2a2);
	ck_assert_uint_eq(b->probe[2].last_off, 0x1010);
	/* b stops decoding memory: a alone. */
	cfg_wr(kvm, b->pdev.devfn, PCI_COMMAND, 2, 0);
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, X), &a->pdev.bar[1].range);
	ck_assert_ptr_null(bus_lookup(&kvm->mmio_bus, X + 0x1000));

	/* I/O BARs overlap the same way. */
	cfg_wr(kvm, b->pdev.devfn, PCI_BASE_ADDRESS_0, 4, 0x7000);
	cfg_wr(kvm, b->pdev.devfn, PCI_COMMAND, 2, PCI_COMMAND_IO);
	ck_assert_ptr_eq(bus_lookup(&kvm->pio_bus, 0x7000),
			 &b->pdev.bar[0].range);
	cfg_wr(kvm, b->pdev.devfn, PCI_COMMAND, 2, 0);
	ck_assert_ptr_eq(bus_lookup(&kvm->pio_bus, 0x7000),
			 &a->pdev.bar[0].range);
	pci_kvm_free(kvm);
}
END_TEST

/*
 * Overlapping BARs and what lives outside the buses (KVM's ioeventfds):
 * every decode change runs every device's decode_changed hook, in a pass
 * that takes down and then one that sets up, so that the device whose BAR
 * wins an address holds its doorbell there, and never two at once.
 */
START_TEST(bar_overlap_doorbells)
{
	const u64 X = 0xc1000000;
	struct tdev *a, *b;
	struct kvm *kvm;
	int calls;

	/* (Earlier tests run without fork may have left some.) */
	doorbell_holders = 0;
	memset(doorbells_held, 0, sizeof(doorbells_held));
	track_doorbells = true;
	kvm = pci_kvm_new(0);
	a = tdev_new(kvm, "a", false);
	b = tdev_new(kvm, "b", false);
	program_bars(kvm, a, 0x7000, X, 0xc2000000, 0xc3000000, CMD_DECODE);
	program_bars(kvm, b, 0x7100, 0xc1100000, 0xc2100000, 0xc3100000,
		     CMD_DECODE);
	ck_assert_uint_eq(a->doorbell, X + DOORBELL_OFF);
	ck_assert_uint_eq(b->doorbell, 0xc1100000 + DOORBELL_OFF);
	ck_assert(pci_bar_decodes(&a->pdev, 1, X, 4));
	ck_assert(!pci_bar_decodes(&a->pdev, 1, X + 0xffe, 4));	/* past it */

	/* b's BAR1 onto a's: a's doorbell goes, b's comes, never both. */
	calls = a->decode_calls;
	cfg_wr(kvm, b->pdev.devfn, PCI_BASE_ADDRESS_1, 4, X);
	ck_assert_int_eq(a->decode_calls, calls + 2);	/* one per pass */
	ck_assert(!pci_bar_decodes(&a->pdev, 1, X + DOORBELL_OFF, 2));
	ck_assert(pci_bar_decodes(&b->pdev, 1, X + DOORBELL_OFF, 2));
	ck_assert_uint_eq(a->doorbell, 0);
	ck_assert_uint_eq(b->doorbell, X + DOORBELL_OFF);
	ck_assert_int_eq(doorbell_holders, 1);

	/* b moves away: a's doorbell comes back. */
	cfg_wr(kvm, b->pdev.devfn, PCI_BASE_ADDRESS_1, 4, 0xc1200000);
	ck_assert_uint_eq(a->doorbell, X + DOORBELL_OFF);
	ck_assert_uint_eq(b->doorbell, 0xc1200000 + DOORBELL_OFF);
	ck_assert_int_eq(doorbell_holders, 2);

	/* b's 16 KiB BAR2 over a's BAR1 hides a's doorbell too. */
	cfg_wr(kvm, b->pdev.devfn, PCI_BASE_ADDRESS_2, 4, X);
	cfg_wr(kvm, b->pdev.devfn, PCI_BASE_ADDRESS_3, 4, 0);
	ck_assert_uint_eq(a->doorbell, 0);
	/* a decoding anew wins again. */
	cfg_wr(kvm, a->pdev.devfn, PCI_COMMAND, 2, PCI_COMMAND_IO);
	ck_assert_uint_eq(a->doorbell, 0);
	cfg_wr(kvm, a->pdev.devfn, PCI_COMMAND, 2, CMD_DECODE);
	ck_assert_uint_eq(a->doorbell, X + DOORBELL_OFF);
	/* Memory decode off: no doorbells at all. */
	cfg_wr(kvm, a->pdev.devfn, PCI_COMMAND, 2, 0);
	cfg_wr(kvm, b->pdev.devfn, PCI_COMMAND, 2, 0);
	ck_assert_uint_eq(a->doorbell, 0);
	ck_assert_uint_eq(b->doorbell, 0);
	ck_assert_int_eq(doorbell_holders, 0);
	track_doorbells = false;
	pci_kvm_free(kvm);
}
END_TEST

START_TEST(command_gating)
{
	struct kvm *kvm = pci_kvm_new(0);
	struct tdev *t = tdev_new(kvm, "t0", false);
	struct pci_dev *p = &t->pdev;
	u8 d = p->devfn;
	int b;

	program_bars(kvm, t, A_IO, A_M32, A_M64, A_PF, 0);
	/* Nothing decodes with COMMAND 0, whatever the BARs say. */
	ck_assert_ptr_null(bus_lookup(&kvm->pio_bus, A_IO));
	ck_assert_ptr_null(bus_lookup(&kvm->mmio_bus, A_M32));
	ck_assert_ptr_null(bus_lookup(&kvm->mmio_bus, A_M64));
	ck_assert_ptr_null(bus_lookup(&kvm->mmio_bus, A_PF));
	for (b = 0; b < PCI_NR_BARS; b++)
		ck_assert(!p->bar[b].mapped);

	/* Memory decode on: the memory BARs at their addresses only. */
	cfg_wr(kvm, d, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	ck_assert_ptr_null(bus_lookup(&kvm->pio_bus, A_IO));
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, A_M32), &p->bar[1].range);
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, A_M64), &p->bar[2].range);
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, A_PF), &p->bar[4].range);
	/* I/O on as well. */
	cfg_wr(kvm, d, PCI_COMMAND, 2, CMD_DECODE);
	ck_assert_ptr_eq(bus_lookup(&kvm->pio_bus, A_IO), &p->bar[0].range);
	/* Memory off: every memory BAR goes, I/O stays. */
	cfg_wr(kvm, d, PCI_COMMAND, 2, PCI_COMMAND_IO);
	ck_assert_ptr_null(bus_lookup(&kvm->mmio_bus, A_M32));
	ck_assert_ptr_null(bus_lookup(&kvm->mmio_bus, A_M64));
	ck_assert_ptr_null(bus_lookup(&kvm->mmio_bus, A_PF));
	ck_assert_ptr_eq(bus_lookup(&kvm->pio_bus, A_IO), &p->bar[0].range);
	t->probe[1].hits = 0;
	ck_assert_uint_eq(unit_bus_read(&kvm->mmio_bus, A_M32, 4), 0xffffffff);
	ck_assert_int_eq(t->probe[1].hits, 0);
	/* BARs reprogrammed while not decoding: mapped at the new place. */
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_1, 4, 0xc0900000);
	ck_assert_ptr_null(bus_lookup(&kvm->mmio_bus, 0xc0900000));
	cfg_wr(kvm, d, PCI_COMMAND, 2, CMD_DECODE);
	ck_assert_ptr_null(bus_lookup(&kvm->mmio_bus, A_M32));
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, 0xc0900000),
			 &p->bar[1].range);
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, A_M64), &p->bar[2].range);
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, A_PF), &p->bar[4].range);
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_1, 4, A_M32);
	/* I/O off. */
	cfg_wr(kvm, d, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	ck_assert_ptr_null(bus_lookup(&kvm->pio_bus, A_IO));
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, A_M32), &p->bar[1].range);
	ck_assert_uint_eq(unit_bus_read(&kvm->pio_bus, A_IO, 1), 0xff);
	cfg_wr(kvm, d, PCI_COMMAND, 2, CMD_DECODE);
	ck_assert_ptr_eq(bus_lookup(&kvm->pio_bus, A_IO), &p->bar[0].range);
	/* Other COMMAND bits do not disturb the decode. */
	t->bar_updates = 0;
	cfg_wr(kvm, d, PCI_COMMAND, 2, CMD_DECODE | PCI_COMMAND_MASTER |
	       PCI_COMMAND_INTX_DISABLE);
	ck_assert_int_eq(t->bar_updates, 0);

	/* Sizing with decode on: mapped at the mask address for a moment. */
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_1, 4, 0xffffffff);
	ck_assert_ptr_null(bus_lookup(&kvm->mmio_bus, A_M32));
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, 0xfffff000),
			 &p->bar[1].range);
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_1, 4, A_M32);
	ck_assert_ptr_null(bus_lookup(&kvm->mmio_bus, 0xfffff000));
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, A_M32), &p->bar[1].range);
	/* I/O sizing goes beyond 64 KiB: not decoded meanwhile. */
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	ck_assert(!p->bar[0].mapped);
	ck_assert_ptr_null(bus_lookup(&kvm->pio_bus, A_IO));
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_0, 4, A_IO);
	ck_assert_ptr_eq(bus_lookup(&kvm->pio_bus, A_IO), &p->bar[0].range);
	/* 64-bit: both halves all-ones is the top of the address space. */
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_2, 4, 0xffffffff);
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, 0xffffc000),
			 &p->bar[2].range);
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_3, 4, 0xffffffff);
	ck_assert_ptr_null(bus_lookup(&kvm->mmio_bus, A_M64));
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, 0xffffffffffffc000ULL),
			 &p->bar[2].range);
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, 0xffffffffffffffffULL),
			 &p->bar[2].range);
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_2, 4, (u32)A_M64);
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_3, 4, 0);
	ck_assert_ptr_null(bus_lookup(&kvm->mmio_bus, 0xffffffffffffc000ULL));
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, A_M64), &p->bar[2].range);
	ck_assert_uint_eq(unit_bus_read(&kvm->mmio_bus, A_M64 + 4, 4),
			  0xa2a2a2a2);
	pci_kvm_free(kvm);
}
END_TEST

/* -------------------------------------------------- ECAM and CF8/CFC */

START_TEST(ecam_and_cf8)
{
	struct kvm *kvm = pci_kvm_new(0);
	struct tdev *t = tdev_new(kvm, "t0", false);
	u8 d = t->pdev.devfn;

	if (!layout(kvm).cf8) {
		pci_kvm_free(kvm);
		return;		/* no configuration mechanism #1 here */
	}
	/* Same identity both ways. */
	ck_assert_uint_eq(cf8_rd(kvm, 0, d, PCI_VENDOR_ID, 4),
			  cfg_rd(kvm, d, PCI_VENDOR_ID, 4));
	ck_assert_uint_eq(cf8_rd(kvm, 0, 0, PCI_VENDOR_ID, 4),
			  PCI_HOST_VENDOR | PCI_HOST_DEVICE << 16);
	/* The address latch reads back. */
	cf8_sel(kvm, 0, d, 0x3c);
	ck_assert_uint_eq(unit_bus_read(&kvm->pio_bus, 0xcf8, 4),
			  0x80000000U | d << 8 | 0x3c);

	/* ECAM write, CF8 read. */
	cfg_wr(kvm, d, PCI_INTERRUPT_LINE, 1, 0x5a);
	ck_assert_uint_eq(cf8_rd(kvm, 0, d, PCI_INTERRUPT_LINE, 1), 0x5a);
	ck_assert_uint_eq(cf8_rd(kvm, 0, d, PCI_INTERRUPT_LINE, 4), 0x0000015a);
	/* CF8 write, ECAM read. */
	cf8_wr(kvm, 0, d, PCI_INTERRUPT_LINE, 1, 0xa5);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_INTERRUPT_LINE, 4), 0x000001a5);
	/* A BAR written through CF8 moves the BAR. */
	cfg_wr(kvm, d, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	cf8_wr(kvm, 0, d, PCI_BASE_ADDRESS_1, 4, 0xc0600000);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_BASE_ADDRESS_1, 4), 0xc0600000);
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, 0xc0600000),
			 &t->pdev.bar[1].range);
	cfg_wr(kvm, d, PCI_BASE_ADDRESS_1, 4, 0xc0700000);
	ck_assert_uint_eq(cf8_rd(kvm, 0, d, PCI_BASE_ADDRESS_1, 4), 0xc0700000);

	/* Byte and word accesses at 0xCFD..0xCFF. */
	cfg_wr(kvm, d, PCI_CACHE_LINE_SIZE, 1, 0x10);
	cf8_wr(kvm, 0, d, PCI_LATENCY_TIMER, 1, 0x40);	/* 0xCFD */
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_LATENCY_TIMER, 1), 0x40);
	ck_assert_uint_eq(cf8_rd(kvm, 0, d, PCI_CACHE_LINE_SIZE, 2), 0x4010);
	ck_assert_uint_eq(cf8_rd(kvm, 0, d, PCI_HEADER_TYPE, 2), 0x0000);
	ck_assert_uint_eq(cf8_rd(kvm, 0, d, PCI_DEVICE_ID, 2), T_DEVICE);
	ck_assert_uint_eq(cf8_rd(kvm, 0, d, PCI_VENDOR_ID + 1, 1),
			  T_VENDOR >> 8);
	ck_assert_uint_eq(cf8_rd(kvm, 0, d, PCI_DEVICE_ID + 1, 1),
			  T_DEVICE >> 8);
	cf8_wr(kvm, 0, d, PCI_CACHE_LINE_SIZE + 2, 2, 0xffff);	/* 0xCFE */
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_CACHE_LINE_SIZE, 4), 0x00004010);
	/* A word at 0xCFF would cross the data port. */
	cf8_sel(kvm, 0, d, PCI_VENDOR_ID);
	ck_assert_uint_eq(unit_bus_read(&kvm->pio_bus, 0xcff, 2), 0xffff);
	/* The low two bits of the latch are ignored. */
	unit_bus_write(&kvm->pio_bus, 0xcf8, 4, 0x80000000U | d << 8 | 0x3f);
	ck_assert_uint_eq(unit_bus_read(&kvm->pio_bus, 0xcfc, 1), 0xa5);

	/* Without the enable bit, CFC reads all-ones and writes nothing. */
	unit_bus_write(&kvm->pio_bus, 0xcf8, 4, d << 8 | PCI_INTERRUPT_LINE);
	ck_assert_uint_eq(unit_bus_read(&kvm->pio_bus, 0xcfc, 4), 0xffffffff);
	unit_bus_write(&kvm->pio_bus, 0xcfc, 1, 0x11);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_INTERRUPT_LINE, 1), 0xa5);

	/* Empty slot, another function of the slot, and bus 1. */
	ck_assert_uint_eq(cfg_rd(kvm, 31 << 3, PCI_VENDOR_ID, 4), 0xffffffff);
	ck_assert_uint_eq(cf8_rd(kvm, 0, 31 << 3, PCI_VENDOR_ID, 4),
			  0xffffffff);
	ck_assert_uint_eq(cfg_rd(kvm, d | 1, PCI_VENDOR_ID, 4), 0xffffffff);
	ck_assert_uint_eq(cf8_rd(kvm, 0, d | 1, PCI_VENDOR_ID, 2), 0xffff);
	ck_assert_uint_eq(unit_bus_read(&kvm->mmio_bus,
					ecam(kvm, 1, d, PCI_VENDOR_ID), 4),
			  0xffffffff);
	ck_assert_uint_eq(unit_bus_read(&kvm->mmio_bus,
					ecam(kvm, 1, 0, PCI_VENDOR_ID), 4),
			  0xffffffff);
	ck_assert_uint_eq(cf8_rd(kvm, 1, d, PCI_VENDOR_ID, 4), 0xffffffff);
	ck_assert_uint_eq(cf8_rd(kvm, 1, 0, PCI_VENDOR_ID, 1), 0xff);
	/* Writes there go nowhere (and do not reach bus 0). */
	unit_bus_write(&kvm->mmio_bus, ecam(kvm, 1, d, PCI_INTERRUPT_LINE), 1, 7);
	cf8_wr(kvm, 1, d, PCI_INTERRUPT_LINE, 1, 7);
	cf8_wr(kvm, 0, 31 << 3, PCI_INTERRUPT_LINE, 1, 7);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_INTERRUPT_LINE, 1), 0xa5);
	pci_kvm_free(kvm);
}
END_TEST

/* ---------------------------------------------------- MSI-X and INTx */

static u32 msix_rd(struct tdev *t, u64 off, u32 len)
{
	u8 d[8] = { 0 };
	u32 v = 0, i;

	ck_assert(pci_msix_access(&t->pdev, 1, off, d, len, false));
	for (i = 0; i < len && i < 4; i++)
		v |= (u32)d[i] << (8 * i);
	return v;
}

static void msix_wr(struct tdev *t, u64 off, u32 len, u64 val)
{
	u8 d[8];
	u32 i;

	for (i = 0; i < len; i++)
		d[i] = val >> (8 * i);
	ck_assert(pci_msix_access(&t->pdev, 1, off, d, len, true));
}

#define ENT(v, f)	((v) * 16 + (f))
#define PBA()		msix_rd(t, T_PBA_OFF, 4)

START_TEST(msix_masking)
{
	struct kvm *kvm = pci_kvm_new(0);
	struct tdev *t = tdev_new(kvm, "t0", true);
	u8 d = t->pdev.devfn, c = find_cap(kvm, d, PCI_CAP_ID_MSIX, -1);
	u32 gsi0;
	int v;

	ck_assert_uint_eq(c, 0x64);
	/* Capability: table size N-1, table/PBA in BAR1. */
	ck_assert_uint_eq(cfg_rd(kvm, d, c, 4), (T_MSIX_NR - 1) << 16 | 0x11);
	ck_assert_uint_eq(cfg_rd(kvm, d, c + PCI_MSIX_TABLE, 4), 0x00000001);
	ck_assert_uint_eq(cfg_rd(kvm, d, c + PCI_MSIX_PBA, 4), T_PBA_OFF | 1);
	cfg_wr(kvm, d, c + PCI_MSIX_TABLE, 4, 0xffffffff);
	cfg_wr(kvm, d, c + PCI_MSIX_PBA, 4, 0);
	ck_assert_uint_eq(cfg_rd(kvm, d, c + PCI_MSIX_TABLE, 4), 0x00000001);
	ck_assert_uint_eq(cfg_rd(kvm, d, c + PCI_MSIX_PBA, 4), T_PBA_OFF | 1);
	/* Only enable and function mask are writable. */
	cfg_wr(kvm, d, c + PCI_MSIX_FLAGS, 2, 0xffff);
	ck_assert_uint_eq(cfg_rd(kvm, d, c + PCI_MSIX_FLAGS, 2),
			  0xc000 | (T_MSIX_NR - 1));
	cfg_wr(kvm, d, c + PCI_MSIX_FLAGS, 2, 0);
	ck_assert(!pci_msix_enabled(&t->pdev));

	/* Every entry masked at reset, address and data zero. */
	for (v = 0; v < T_MSIX_NR; v++) {
		ck_assert_uint_eq(msix_rd(t, ENT(v, 0), 4), 0);
		ck_assert_uint_eq(msix_rd(t, ENT(v, 4), 4), 0);
		ck_assert_uint_eq(msix_rd(t, ENT(v, 8), 4), 0);
		ck_assert_uint_eq(msix_rd(t, ENT(v, 12), 4), 1);
	}
	ck_assert_uint_eq(PBA(), 0);
	/* Program entries 0 and 2; reserved control bits read 0. */
	msix_wr(t, ENT(0, 0), 4, 0xfee00000);
	msix_wr(t, ENT(0, 4), 4, 0);
	msix_wr(t, ENT(0, 8), 4, 0x4041);
	msix_wr(t, ENT(2, 0), 8, 0x00000001fee01000ULL);
	msix_wr(t, ENT(2, 8), 8, 0xffffffff00004042ULL);
	ck_assert_uint_eq(msix_rd(t, ENT(0, 0), 4), 0xfee00000);
	ck_assert_uint_eq(msix_rd(t, ENT(0, 8), 4), 0x4041);
	ck_assert_uint_eq(msix_rd(t, ENT(2, 4), 4), 1);
	ck_assert_uint_eq(msix_rd(t, ENT(2, 8), 4), 0x4042);
	ck_assert_uint_eq(msix_rd(t, ENT(2, 12), 4), 1);
	ck_assert_uint_eq(t->pdev.msix->table[2].addr_lo, 0xfee01000);

	/* MSI-X off: nothing to deliver, nothing pending. */
	pci_msix_signal(&t->pdev, 0);
	ck_assert_uint_eq(PBA(), 0);
	/* Enabled with the function masked: pending. */
	cfg_wr(kvm, d, c + PCI_MSIX_FLAGS + 1, 1, 0xc0);
	ck_assert(pci_msix_enabled(&t->pdev));
	pci_msix_signal(&t->pdev, 0);
	ck_assert_uint_eq(PBA(), 0x1);
	pci_msix_signal(&t->pdev, 2);
	ck_assert_uint_eq(PBA(), 0x5);
	pci_msix_signal(&t->pdev, T_MSIX_NR);	/* no such vector */
	pci_msix_signal(&t->pdev, 0xffff);
	ck_assert_uint_eq(PBA(), 0x5);
	/* Function unmasked, entries still masked: still pending. */
	cfg_wr(kvm, d, c + PCI_MSIX_FLAGS + 1, 1, 0x80);
	ck_assert_uint_eq(PBA(), 0x5);
	/* Unmasking entry 0 delivers it (the irqfd needs KVM, so only the
	 * pending bit going away is visible here). */
	gsi0 = kvm->irq->next_gsi;
	msix_wr(t, ENT(0, 12), 4, 0);
	ck_assert_uint_eq(msix_rd(t, ENT(0, 12), 4), 0);
	ck_assert_uint_eq(PBA(), 0x4);
	/* Unmasked and enabled: delivered directly, not pending. */
	pci_msix_signal(&t->pdev, 0);
	pci_msix_signal(&t->pdev, 0);
	ck_assert_uint_eq(PBA(), 0x4);
	/* Failed deliveries do not use up a GSI each. */
	ck_assert_uint_le(kvm->irq->next_gsi, gsi0 + 1);
	/* Masked again: pending again. */
	msix_wr(t, ENT(0, 12), 4, 1);
	pci_msix_signal(&t->pdev, 0);
	ck_assert_uint_eq(PBA(), 0x5);
	/* Function mask set, entry unmasked: stays pending... */
	cfg_wr(kvm, d, c + PCI_MSIX_FLAGS + 1, 1, 0xc0);
	msix_wr(t, ENT(0, 12), 4, 0);
	ck_assert_uint_eq(PBA(), 0x5);
	/* ...until the function mask goes; entry 2 is still masked. */
	cfg_wr(kvm, d, c + PCI_MSIX_FLAGS + 1, 1, 0x80);
	ck_assert_uint_eq(PBA(), 0x4);
	/* Disabling and re-enabling MSI-X delivers what is unmasked. */
	cfg_wr(kvm, d, c + PCI_MSIX_FLAGS + 1, 1, 0x00);
	msix_wr(t, ENT(2, 12), 4, 0);
	ck_assert_uint_eq(PBA(), 0x4);
	cfg_wr(kvm, d, c + PCI_MSIX_FLAGS + 1, 1, 0x80);
	ck_assert_uint_eq(PBA(), 0);
	ck_assert_uint_le(kvm->irq->next_gsi, gsi0 + 2);

	/* The PBA is read-only. */
	msix_wr(t, ENT(1, 12), 4, 1);
	cfg_wr(kvm, d, c + PCI_MSIX_FLAGS + 1, 1, 0xc0);
	pci_msix_signal(&t->pdev, 1);
	ck_assert_uint_eq(PBA(), 0x2);
	msix_wr(t, T_PBA_OFF, 4, 0);
	msix_wr(t, T_PBA_OFF, 8, 0);
	ck_assert_uint_eq(PBA(), 0x2);
	ck_assert_uint_eq(msix_rd(t, T_PBA_OFF + 4, 4), 0);
	ck_assert_uint_eq(msix_rd(t, T_PBA_OFF, 1), 0x2);
	pci_kvm_free(kvm);
}
END_TEST

START_TEST(msix_bad_access)
{
	struct kvm *kvm = pci_kvm_new(0);
	struct tdev *t = tdev_new(kvm, "t0", true);
	u8 d[8];

	msix_wr(t, ENT(1, 0), 4, 0x11223344);
	/* Wrong sizes and misaligned accesses read all-ones... */
	ck_assert_uint_eq(msix_rd(t, ENT(1, 0), 2), 0xffff);
	ck_assert_uint_eq(msix_rd(t, ENT(1, 0), 1), 0xff);
	ck_assert_uint_eq(msix_rd(t, ENT(1, 2), 4), 0xffffffff);
	ck_assert_uint_eq(msix_rd(t, ENT(1, 1), 4), 0xffffffff);
	ck_assert_uint_eq(msix_rd(t, ENT(1, 4), 8), 0xffffffff);
	ck_assert_uint_eq(msix_rd(t, ENT(T_MSIX_NR - 1, 14), 4), 0xffffffff);
	/* ...and write nothing. */
	msix_wr(t, ENT(1, 0), 2, 0);
	msix_wr(t, ENT(1, 0), 1, 0);
	msix_wr(t, ENT(1, 2), 4, 0);
	msix_wr(t, ENT(1, 12), 2, 0);	/* would unmask */
	msix_wr(t, ENT(1, 4), 8, 0);
	ck_assert_uint_eq(msix_rd(t, ENT(1, 0), 4), 0x11223344);
	ck_assert_uint_eq(msix_rd(t, ENT(1, 12), 4), 1);
	/* Aligned 8-byte access at the end of an entry is fine. */
	ck_assert_uint_eq(msix_rd(t, ENT(1, 8), 8), 0);
	memset(d, 0, sizeof(d));
	ck_assert(pci_msix_access(&t->pdev, 1, ENT(1, 8), d, 8, false));
	ck_assert_uint_eq(d[4], 1);
	/* A PBA read running past the PBA. */
	ck_assert_uint_eq(msix_rd(t, T_PBA_OFF + 6, 4), 0xffffffff);
	ck_assert_uint_eq(msix_rd(t, T_PBA_OFF + 4, 8), 0xffffffff);
	/* Past the table, another BAR, no MSI-X: not MSI-X accesses. */
	ck_assert(!pci_msix_access(&t->pdev, 1, ENT(T_MSIX_NR, 0), d, 4, false));
	ck_assert(!pci_msix_access(&t->pdev, 1, T_PBA_OFF + 8, d, 4, false));
	ck_assert(!pci_msix_access(&t->pdev, 2, 0, d, 4, false));
	/* Through the BAR on the bus too. */
	program_bars(kvm, t, A_IO, A_M32, A_M64, A_PF, CMD_DECODE);
	ck_assert_uint_eq(unit_bus_read(&kvm->mmio_bus, A_M32 + ENT(1, 0), 4),
			  0x11223344);
	ck_assert_uint_eq(unit_bus_read(&kvm->mmio_bus, A_M32 + ENT(1, 0), 2),
			  0xffff);
	ck_assert_uint_eq(unit_bus_read(&kvm->mmio_bus, A_M32 + ENT(1, 3), 4),
			  0xffffffff);
	t->probe[1].hits = 0;
	unit_bus_read(&kvm->mmio_bus, A_M32 + 0x400, 4);
	ck_assert_int_eq(t->probe[1].hits, 1);
	pci_kvm_free(kvm);
}
END_TEST

START_TEST(msix_bad_layout)
{
	struct kvm *kvm = pci_kvm_new(0);
	struct pci_dev *p = calloc(1, sizeof(*p));
	struct probe pr;

	ck_assert_ptr_nonnull(p);
	pci_dev_init(p, kvm, "bad", 1, 2, 0, 0, 0, 0, &bare_vops, NULL);
	ck_assert_int_eq(pci_dev_add_msix(p, 4, 1, 0, 0x800), -EINVAL);
	pci_dev_add_bar(p, 1, PCI_BAR_MEM32, SZ_4K, false, probe_io, &pr);
	ck_assert_int_eq(pci_dev_add_msix(p, 0, 1, 0, 0x800), -EINVAL);
	ck_assert_int_eq(pci_dev_add_msix(p, PCI_MSIX_MAX_VECTORS + 1, 1, 0,
					  0x800), -EINVAL);
	ck_assert_int_eq(pci_dev_add_msix(p, 4, 1, 0xff8, 0x800), -EINVAL);
	ck_assert_int_eq(pci_dev_add_msix(p, 4, 1, 0, 0xffc), -EINVAL);
	ck_assert_int_eq(pci_dev_add_msix(p, 4, 1, 4, 0x800), -EINVAL);
	ck_assert_int_eq(pci_dev_add_msix(p, 4, 6, 0, 0x800), -EINVAL);
	ck_assert_ptr_null(p->msix);
	ck_assert_uint_eq(p->cfg[PCI_CAPABILITY_LIST], 0);
	free(p);
	pci_kvm_free(kvm);
}
END_TEST

START_TEST(intx_status)
{
	struct kvm *kvm = pci_kvm_new(0);
	struct tdev *t = tdev_new(kvm, "t0", false);
	u8 d = t->pdev.devfn;

	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_INTERRUPT_PIN, 1), 1);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT,
			  0);
	pci_intx_set(&t->pdev, true);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_STATUS, 2),
			  PCI_STATUS_CAP_LIST | PCI_STATUS_INTERRUPT);
	pci_intx_set(&t->pdev, true);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_STATUS, 2),
			  PCI_STATUS_CAP_LIST | PCI_STATUS_INTERRUPT);
	pci_intx_set(&t->pdev, false);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_STATUS, 2), PCI_STATUS_CAP_LIST);
	/* The status bit shows the device's state even with INTx off. */
	cfg_wr(kvm, d, PCI_COMMAND, 2, PCI_COMMAND_INTX_DISABLE);
	pci_intx_set(&t->pdev, true);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_STATUS, 2),
			  PCI_STATUS_CAP_LIST | PCI_STATUS_INTERRUPT);
	cfg_wr(kvm, d, PCI_COMMAND, 2, 0);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_STATUS, 2),
			  PCI_STATUS_CAP_LIST | PCI_STATUS_INTERRUPT);
	/* Writing the status register cannot clear it. */
	cfg_wr(kvm, d, PCI_STATUS, 2, 0xffff);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_STATUS, 2),
			  PCI_STATUS_CAP_LIST | PCI_STATUS_INTERRUPT);
	pci_intx_set(&t->pdev, false);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_STATUS, 2), PCI_STATUS_CAP_LIST);
	pci_kvm_free(kvm);
}
END_TEST

/* ------------------------------------------------------- virtio-pci */

#define TV_RAM		SZ_1M
#define TV_QSIZE	64
#define TV_BAR2		0xc1000000ULL
#define TV_BAR1		0xc1010000ULL
#define TV_DEVFEAT	(1ULL << 0 | 1ULL << 5)

/* Common configuration registers (virtio 1.2, 4.1.4.3). */
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
#define ISR_OFF		0x1000
#define DEV_OFF		0x2000
#define NOTIFY_OFF	0x3000

#define S_ACK		VIRTIO_CONFIG_S_ACKNOWLEDGE
#define S_DRIVER	VIRTIO_CONFIG_S_DRIVER
#define S_FEAT_OK	VIRTIO_CONFIG_S_FEATURES_OK
#define S_DRIVER_OK	VIRTIO_CONFIG_S_DRIVER_OK

struct tvirt {
	struct virtio_dev	vdev;
	u8			config[8];
	int			cfg_reads;
	int			cfg_writes;
	u32			last_off;
	u32			last_len;
	int			ready[2];
	int			notifies[2];
	int			stops[2];
	int			resets;
	int			set_features_calls;
	u64			set_features_arg;
	bool			refuse;
	bool			signal_on_ready;
};

static u64 tv_get_features(struct virtio_dev *vdev)
{
	return TV_DEVFEAT;
}

static bool tv_set_features(struct virtio_dev *vdev, u64 f)
{
	struct tvirt *tv = vdev->priv;

	tv->set_features_calls++;
	tv->set_features_arg = f;
	return !tv->refuse;
}

static void tv_config_access(struct virtio_dev *vdev, u32 off, u8 *data,
			     u32 len, bool is_write)
{
	struct tvirt *tv = vdev->priv;

	ck_assert_uint_le(off + len, sizeof(tv->config));
	tv->last_off = off;
	tv->last_len = len;
	if (is_write) {
		tv->cfg_writes++;
		memcpy(tv->config + off, data, len);
	} else {
		tv->cfg_reads++;
		memcpy(data, tv->config + off, len);
	}
}

static void tv_queue_ready(struct virtio_dev *vdev, u16 q)
{
	struct tvirt *tv = vdev->priv;

	ck_assert_uint_lt(q, 2);
	tv->ready[q]++;
	/* Like a device that finds buffers waiting and completes them. */
	if (tv->signal_on_ready)
		virtio_signal_vq(vdev, q);
}

static void tv_queue_notify(struct virtio_dev *vdev, u16 q)
{
	struct tvirt *tv = vdev->priv;

	ck_assert_uint_lt(q, 2);
	tv->notifies[q]++;
}

static void tv_queue_stop(struct virtio_dev *vdev, u16 q)
{
	struct tvirt *tv = vdev->priv;

	ck_assert_uint_lt(q, 2);
	tv->stops[q]++;
}

static void tv_reset(struct virtio_dev *vdev)
{
	struct tvirt *tv = vdev->priv;

	tv->resets++;
}

static void tv_exit(struct virtio_dev *vdev)
{
	free(vdev->priv);
}

static const struct virtio_dev_ops tv_ops = {
	.name		= "test",
	.device_id	= VIRTIO_ID_RNG,
	.pci_class	= 0x00ff00,
	.nr_queues	= 2,
	.queue_size	= TV_QSIZE,
	.config_size	= 8,
	.get_features	= tv_get_features,
	.set_features	= tv_set_features,
	.config_access	= tv_config_access,
	.queue_ready	= tv_queue_ready,
	.queue_notify	= tv_queue_notify,
	.queue_stop	= tv_queue_stop,
	.reset		= tv_reset,
	.exit		= tv_exit,
};

struct venv {
	struct kvm	*kvm;
	struct tvirt	*tv;
	struct pci_dev	*pdev;
	u8		devfn;
};

static void venv_setup(struct venv *e)
{
	int i;

	e->kvm = pci_kvm_new(TV_RAM);
	e->tv = calloc(1, sizeof(*e->tv));
	ck_assert_ptr_nonnull(e->tv);
	for (i = 0; i < 8; i++)
		e->tv->config[i] = 0x10 + i;
	ck_assert_int_eq(virtio_dev_init(e->kvm, &e->tv->vdev, &tv_ops, e->tv,
					 "virtio-test"), 0);
	e->pdev = pci_find_dev(e->kvm, 1 << 3);
	ck_assert_ptr_nonnull(e->pdev);
	e->devfn = e->pdev->devfn;
	/* Place the BARs like firmware would and turn on decoding. */
	cfg_wr(e->kvm, e->devfn, PCI_COMMAND, 2, 0);
	cfg_wr(e->kvm, e->devfn, PCI_BASE_ADDRESS_1, 4, TV_BAR1);
	cfg_wr(e->kvm, e->devfn, PCI_BASE_ADDRESS_2, 4, TV_BAR2);
	cfg_wr(e->kvm, e->devfn, PCI_BASE_ADDRESS_3, 4, 0);
	cfg_wr(e->kvm, e->devfn, PCI_COMMAND, 2,
	       PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

static void venv_teardown(struct venv *e)
{
	pci_kvm_free(e->kvm);	/* frees tv through ops->exit */
}

static u32 vrd(struct venv *e, u32 off, u32 len)
{
	return unit_bus_read(&e->kvm->mmio_bus, TV_BAR2 + off, len);
}

static void vwr(struct venv *e, u32 off, u32 len, u64 val)
{
	unit_bus_write(&e->kvm->mmio_bus, TV_BAR2 + off, len, val);
}

/* Negotiate @features (VERSION_1 is the caller's choice); returns status. */
static u8 negotiate(struct venv *e, u64 features)
{
	vwr(e, CC_STATUS, 1, 0);
	vwr(e, CC_STATUS, 1, S_ACK);
	vwr(e, CC_STATUS, 1, S_ACK | S_DRIVER);
	vwr(e, CC_GFSELECT, 4, 0);
	vwr(e, CC_GF, 4, (u32)features);
	vwr(e, CC_GFSELECT, 4, 1);
	vwr(e, CC_GF, 4, features >> 32);
	vwr(e, CC_STATUS, 1, S_ACK | S_DRIVER | S_FEAT_OK);
	return vrd(e, CC_STATUS, 1);
}

/* Rings of queue @q in guest RAM, then queue_enable. */
static void setup_queue(struct venv *e, u16 q, u16 size, u64 desc, u64 avail,
			u64 used)
{
	vwr(e, CC_Q_SELECT, 2, q);
	vwr(e, CC_Q_SIZE, 2, size);
	vwr(e, CC_Q_DESCLO, 4, (u32)desc);
	vwr(e, CC_Q_DESCHI, 4, desc >> 32);
	vwr(e, CC_Q_AVAILLO, 4, (u32)avail);
	vwr(e, CC_Q_AVAILHI, 4, avail >> 32);
	vwr(e, CC_Q_USEDLO, 4, (u32)used);
	vwr(e, CC_Q_USEDHI, 4, used >> 32);
	vwr(e, CC_Q_ENABLE, 2, 1);
}

START_TEST(virtio_identity)
{
	struct venv e;
	struct kvm *kvm;
	u8 c, d;

	venv_setup(&e);
	kvm = e.kvm;
	d = e.devfn;
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_VENDOR_ID, 4),
			  0x1af4 | (0x1040 + VIRTIO_ID_RNG) << 16);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_CLASS_REVISION, 4), 0x00ff0001);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_SUBSYSTEM_VENDOR_ID, 4),
			  0x1af4 | VIRTIO_ID_RNG << 16);
	/* BAR1: 32-bit 4 KiB; BAR2: 64-bit 16 KiB. */
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_BASE_ADDRESS_1, 4), TV_BAR1);
	ck_assert_uint_eq(cfg_rd(kvm, d, PCI_BASE_ADDRESS_2, 4),
			  TV_BAR2 | PCI_BASE_ADDRESS_MEM_TYPE_64);
	ck_assert_ptr_eq(bus_lookup(&kvm->mmio_bus, TV_BAR2 + 0x3fff),
			 &e.pdev->bar[2].range);
	/* The virtio capabilities, all in BAR2. */
	c = find_cap(kvm, d, PCI_CAP_ID_VNDR, VIRTIO_PCI_CAP_COMMON_CFG);
	ck_assert_uint_ne(c, 0);
	ck_assert_uint_eq(cfg_rd(kvm, d, c + 2, 1), 16);
	ck_assert_uint_eq(cfg_rd(kvm, d, c + 4, 1), 2);
	ck_assert_uint_eq(cfg_rd(kvm, d, c + 8, 4), 0);
	ck_assert_uint_eq(cfg_rd(kvm, d, c + 12, 4), 0x3c);
	c = find_cap(kvm, d, PCI_CAP_ID_VNDR, VIRTIO_PCI_CAP_NOTIFY_CFG);
	ck_assert_uint_ne(c, 0);
	ck_assert_uint_eq(cfg_rd(kvm, d, c + 2, 1), 20);
	ck_assert_uint_eq(cfg_rd(kvm, d, c + 8, 4), NOTIFY_OFF);
	ck_assert_uint_eq(cfg_rd(kvm, d, c + 12, 4), 8);
	ck_assert_uint_eq(cfg_rd(kvm, d, c + 16, 4), 4);
	c = find_cap(kvm, d, PCI_CAP_ID_VNDR, VIRTIO_PCI_CAP_ISR_CFG);
	ck_assert_uint_ne(c, 0);
	ck_assert_uint_eq(cfg_rd(kvm, d, c + 8, 4), ISR_OFF);
	ck_assert_uint_eq(cfg_rd(kvm, d, c + 12, 4), 1);
	c = find_cap(kvm, d, PCI_CAP_ID_VNDR, VIRTIO_PCI_CAP_DEVICE_CFG);
	ck_assert_uint_ne(c, 0);
	ck_assert_uint_eq(cfg_rd(kvm, d, c + 8, 4), DEV_OFF);
	ck_assert_uint_eq(cfg_rd(kvm, d, c + 12, 4), 8);
	c = find_cap(kvm, d, PCI_CAP_ID_VNDR, VIRTIO_PCI_CAP_PCI_CFG);
	ck_assert_uint_ne(c, 0);
	ck_assert_uint_eq(cfg_rd(kvm, d, c + 2, 1), 20);
	/* Vendor capabilities are read-only except the PCI_CFG window. */
	c = find_cap(kvm, d, PCI_CAP_ID_VNDR, VIRTIO_PCI_CAP_COMMON_CFG);
	cfg_wr(kvm, d, c + 8, 4, 0x1000);
	ck_assert_uint_eq(cfg_rd(kvm, d, c + 8, 4), 0);
	ck_assert_uint_ne(find_cap(kvm, d, PCI_CAP_ID_MSIX, -1), 0);
	ck_assert_uint_eq(find_cap(kvm, d, PCI_CAP_ID_EXP, -1), 0x40);
	/* Three MSI-X vectors: config plus one per queue. */
	ck_assert_uint_eq(cfg_rd(kvm, d, find_cap(kvm, d, PCI_CAP_ID_MSIX, -1) +
			  PCI_MSIX_FLAGS, 2), 2);
	venv_teardown(&e);
}
END_TEST

START_TEST(virtio_features)
{
	struct venv e;

	venv_setup(&e);
	ck_assert_uint_eq(vrd(&e, CC_NUMQ, 2), 2);
	/* Device features: the device's, plus the transport's. */
	vwr(&e, CC_DFSELECT, 4, 0);
	ck_assert_uint_eq(vrd(&e, CC_DF, 4), (u32)TV_DEVFEAT |
			  1U << VIRTIO_RING_F_INDIRECT_DESC |
			  1U << VIRTIO_RING_F_EVENT_IDX);
	vwr(&e, CC_DFSELECT, 4, 1);
	ck_assert_uint_eq(vrd(&e, CC_DFSELECT, 4), 1);
	ck_assert_uint_eq(vrd(&e, CC_DF, 4),
			  1U << (VIRTIO_F_VERSION_1 - 32) |
			  1U << (VIRTIO_F_RING_RESET - 32));
	vwr(&e, CC_DFSELECT, 4, 2);
	ck_assert_uint_eq(vrd(&e, CC_DF, 4), 0);
	vwr(&e, CC_DFSELECT, 4, 0xffffffff);
	ck_assert_uint_eq(vrd(&e, CC_DF, 4), 0);
	/* device_feature is read-only. */
	vwr(&e, CC_DFSELECT, 4, 0);
	vwr(&e, CC_DF, 4, 0);
	ck_assert_uint_eq(vrd(&e, CC_DF, 4), 0x30000021);

	/* Guest features are masked by the device's. */
	vwr(&e, CC_STATUS, 1, S_ACK | S_DRIVER);
	vwr(&e, CC_GFSELECT, 4, 0);
	vwr(&e, CC_GF, 4, 0xffffffff);
	ck_assert_uint_eq(vrd(&e, CC_GF, 4), 0x30000021);
	vwr(&e, CC_GFSELECT, 4, 1);
	vwr(&e, CC_GF, 4, 0);
	ck_assert_uint_eq(vrd(&e, CC_GF, 4), 0);
	vwr(&e, CC_GFSELECT, 4, 5);
	vwr(&e, CC_GF, 4, 0xffffffff);
	ck_assert_uint_eq(vrd(&e, CC_GF, 4), 0);
	/* Without VERSION_1, FEATURES_OK does not stick. */
	vwr(&e, CC_STATUS, 1, S_ACK | S_DRIVER | S_FEAT_OK);
	ck_assert_uint_eq(vrd(&e, CC_STATUS, 1), S_ACK | S_DRIVER);
	ck_assert_int_eq(e.tv->set_features_calls, 0);
	/* With it, it does, and the device sees the whole set. */
	vwr(&e, CC_GFSELECT, 4, 1);
	vwr(&e, CC_GF, 4, 0xffffffff);
	ck_assert_uint_eq(vrd(&e, CC_GF, 4), 0x101);
	vwr(&e, CC_STATUS, 1, S_ACK | S_DRIVER | S_FEAT_OK);
	ck_assert_uint_eq(vrd(&e, CC_STATUS, 1), S_ACK | S_DRIVER | S_FEAT_OK);
	ck_assert_int_eq(e.tv->set_features_calls, 1);
	ck_assert_uint_eq(e.tv->set_features_arg, 0x0000010130000021ULL);
	ck_assert_uint_eq(e.tv->vdev.guest_features, 0x0000010130000021ULL);
	/* Features are frozen once accepted. */
	vwr(&e, CC_GFSELECT, 4, 0);
	vwr(&e, CC_GF, 4, 0);
	ck_assert_uint_eq(vrd(&e, CC_GF, 4), 0x30000021);
	vwr(&e, CC_STATUS, 1, S_ACK | S_DRIVER | S_FEAT_OK | S_DRIVER_OK);
	ck_assert_uint_eq(vrd(&e, CC_STATUS, 1), 0x0f);
	ck_assert_int_eq(e.tv->set_features_calls, 1);

	/* The device may refuse a set. */
	e.tv->refuse = true;
	ck_assert_uint_eq(negotiate(&e, 1ULL << VIRTIO_F_VERSION_1),
			  S_ACK | S_DRIVER);
	ck_assert_int_eq(e.tv->set_features_calls, 2);
	e.tv->refuse = false;
	ck_assert_uint_eq(negotiate(&e, 1ULL << VIRTIO_F_VERSION_1 | 1),
			  S_ACK | S_DRIVER | S_FEAT_OK);
	ck_assert_uint_eq(e.tv->set_features_arg, 1ULL << VIRTIO_F_VERSION_1 | 1);
	/* Reset forgets them. */
	vwr(&e, CC_STATUS, 1, 0);
	vwr(&e, CC_GFSELECT, 4, 1);
	ck_assert_uint_eq(vrd(&e, CC_GF, 4), 0);
	ck_assert_uint_eq(e.tv->vdev.guest_features, 0);
	venv_teardown(&e);
}
END_TEST

START_TEST(virtio_queue_regs)
{
	struct venv e;

	venv_setup(&e);
	vwr(&e, CC_Q_SELECT, 2, 0);
	ck_assert_uint_eq(vrd(&e, CC_Q_SIZE, 2), TV_QSIZE);
	ck_assert_uint_eq(vrd(&e, CC_Q_MSIX, 2), VIRTIO_NO_VECTOR);
	ck_assert_uint_eq(vrd(&e, CC_Q_ENABLE, 2), 0);
	ck_assert_uint_eq(vrd(&e, CC_Q_NOFF, 2), 0);
	ck_assert_uint_eq(vrd(&e, CC_Q_RESET, 2), 0);
	vwr(&e, CC_Q_SELECT, 2, 1);
	ck_assert_uint_eq(vrd(&e, CC_Q_SELECT, 2), 1);
	ck_assert_uint_eq(vrd(&e, CC_Q_NOFF, 2), 1);
	ck_assert_uint_eq(vrd(&e, CC_Q_SIZE, 2), TV_QSIZE);
	/* A queue that does not exist has size 0 and ignores writes. */
	vwr(&e, CC_Q_SELECT, 2, 2);
	ck_assert_uint_eq(vrd(&e, CC_Q_SIZE, 2), 0);
	vwr(&e, CC_Q_SIZE, 2, 16);
	vwr(&e, CC_Q_ENABLE, 2, 1);
	vwr(&e, CC_Q_DESCLO, 4, 0x1000);
	ck_assert_uint_eq(vrd(&e, CC_Q_SIZE, 2), 0);
	ck_assert_uint_eq(vrd(&e, CC_Q_ENABLE, 2), 0);
	ck_assert_uint_eq(vrd(&e, CC_Q_DESCLO, 4), 0);
	vwr(&e, CC_Q_SELECT, 2, 0xffff);
	ck_assert_uint_eq(vrd(&e, CC_Q_SIZE, 2), 0);

	/* Queue size: powers of two up to the maximum. */
	vwr(&e, CC_Q_SELECT, 2, 0);
	vwr(&e, CC_Q_SIZE, 2, 32);
	ck_assert_uint_eq(vrd(&e, CC_Q_SIZE, 2), 32);
	vwr(&e, CC_Q_SIZE, 2, 48);
	ck_assert_uint_eq(vrd(&e, CC_Q_SIZE, 2), 32);
	vwr(&e, CC_Q_SIZE, 2, TV_QSIZE * 2);
	ck_assert_uint_eq(vrd(&e, CC_Q_SIZE, 2), 32);
	vwr(&e, CC_Q_SIZE, 2, 0);
	ck_assert_uint_eq(vrd(&e, CC_Q_SIZE, 2), 32);
	vwr(&e, CC_Q_SIZE, 2, 0x8000);
	ck_assert_uint_eq(vrd(&e, CC_Q_SIZE, 2), 32);
	vwr(&e, CC_Q_SIZE, 2, 1);
	ck_assert_uint_eq(vrd(&e, CC_Q_SIZE, 2), 1);
	vwr(&e, CC_Q_SIZE, 2, TV_QSIZE);
	ck_assert_uint_eq(vrd(&e, CC_Q_SIZE, 2), TV_QSIZE);
	/* Queue 1's size is its own. */
	vwr(&e, CC_Q_SELECT, 2, 1);
	vwr(&e, CC_Q_SIZE, 2, 8);
	vwr(&e, CC_Q_SELECT, 2, 0);
	ck_assert_uint_eq(vrd(&e, CC_Q_SIZE, 2), TV_QSIZE);

	/* Addresses: 64 bits in two halves, per queue. */
	vwr(&e, CC_Q_DESCLO, 4, 0x89abc000);
	vwr(&e, CC_Q_DESCHI, 4, 0x01234567);
	vwr(&e, CC_Q_AVAILLO, 4, 0x00011000);
	vwr(&e, CC_Q_USEDLO, 4, 0x00012000);
	vwr(&e, CC_Q_USEDHI, 4, 0x00000001);
	ck_assert_uint_eq(vrd(&e, CC_Q_DESCLO, 4), 0x89abc000);
	ck_assert_uint_eq(vrd(&e, CC_Q_DESCHI, 4), 0x01234567);
	ck_assert_uint_eq(vrd(&e, CC_Q_AVAILLO, 4), 0x00011000);
	ck_assert_uint_eq(vrd(&e, CC_Q_AVAILHI, 4), 0);
	ck_assert_uint_eq(vrd(&e, CC_Q_USEDLO, 4), 0x00012000);
	ck_assert_uint_eq(vrd(&e, CC_Q_USEDHI, 4), 1);
	ck_assert_uint_eq(e.tv->vdev.vq[0].desc_gpa, 0x0123456789abc000ULL);
	ck_assert_uint_eq(e.tv->vdev.vq[0].used_gpa, 0x100012000ULL);
	vwr(&e, CC_Q_SELECT, 2, 1);
	ck_assert_uint_eq(vrd(&e, CC_Q_DESCLO, 4), 0);
	/* An 8-byte access covers both halves. */
	vwr(&e, CC_Q_AVAILLO, 8, 0x0000000500006000ULL);
	ck_assert_uint_eq(e.tv->vdev.vq[1].avail_gpa, 0x500006000ULL);
	ck_assert_uint_eq(vrd(&e, CC_Q_AVAILHI, 4), 5);
	/* Vector registers. */
	vwr(&e, CC_Q_MSIX, 2, 2);
	ck_assert_uint_eq(vrd(&e, CC_Q_MSIX, 2), 2);
	vwr(&e, CC_MSIX, 2, 0);
	ck_assert_uint_eq(vrd(&e, CC_MSIX, 2), 0);
	/* Read-only registers stay put; byte reads of wider registers. */
	vwr(&e, CC_NUMQ, 2, 7);
	vwr(&e, CC_Q_NOFF, 2, 7);
	ck_assert_uint_eq(vrd(&e, CC_NUMQ, 2), 2);
	ck_assert_uint_eq(vrd(&e, CC_Q_NOFF, 2), 1);
	ck_assert_uint_eq(vrd(&e, CC_Q_SELECT + 1, 1), 0);
	ck_assert_uint_eq(vrd(&e, CC_Q_SELECT, 1), 1);
	/* Beyond the common structure (still below the ISR): zero. */
	ck_assert_uint_eq(vrd(&e, 0x3c, 4), 0);
	ck_assert_uint_eq(vrd(&e, 0xffc, 4), 0);
	ck_assert_uint_eq(vrd(&e, 0x3a, 4), 0);
	venv_teardown(&e);
}
END_TEST

START_TEST(virtio_queue_enable)
{
	struct venv e;
	struct virt_queue *vq0, *vq1;

	venv_setup(&e);
	vq0 = &e.tv->vdev.vq[0];
	vq1 = &e.tv->vdev.vq[1];
	ck_assert_uint_eq(negotiate(&e, 1ULL << VIRTIO_F_VERSION_1),
			  S_ACK | S_DRIVER | S_FEAT_OK);
	/* Rings inside RAM: enabled. */
	setup_queue(&e, 0, TV_QSIZE, 0x10000, 0x11000, 0x12000);
	ck_assert_uint_eq(vrd(&e, CC_Q_ENABLE, 2), 1);
	ck_assert(vq0->enabled);
	ck_assert_int_eq(e.tv->ready[0], 1);
	ck_assert_ptr_eq(vq0->desc, (u8 *)e.kvm->ram + 0x10000);
	/* An enabled queue's registers are frozen. */
	vwr(&e, CC_Q_SIZE, 2, 16);
	vwr(&e, CC_Q_DESCLO, 4, 0x20000);
	vwr(&e, CC_Q_USEDHI, 4, 1);
	ck_assert_uint_eq(vrd(&e, CC_Q_SIZE, 2), TV_QSIZE);
	ck_assert_uint_eq(vrd(&e, CC_Q_DESCLO, 4), 0x10000);
	ck_assert_uint_eq(vrd(&e, CC_Q_USEDHI, 4), 0);
	/* Enabling twice does nothing; writing 0 does not disable. */
	vwr(&e, CC_Q_ENABLE, 2, 1);
	vwr(&e, CC_Q_ENABLE, 2, 0);
	ck_assert_int_eq(e.tv->ready[0], 1);
	ck_assert_uint_eq(vrd(&e, CC_Q_ENABLE, 2), 1);

	/* Rings outside RAM, straddling its end, misaligned: disabled. */
	setup_queue(&e, 1, 16, TV_RAM, 0x11000, 0x12000);
	ck_assert_uint_eq(vrd(&e, CC_Q_ENABLE, 2), 0);
	setup_queue(&e, 1, 16, 0x20000, 0x21000, TV_RAM - 64);
	ck_assert_uint_eq(vrd(&e, CC_Q_ENABLE, 2), 0);
	setup_queue(&e, 1, 16, 0x20000 | (1ULL << 32), 0x21000, 0x22000);
	ck_assert_uint_eq(vrd(&e, CC_Q_ENABLE, 2), 0);
	setup_queue(&e, 1, 16, 0x20008, 0x21000, 0x22000);
	ck_assert_uint_eq(vrd(&e, CC_Q_ENABLE, 2), 0);
	setup_queue(&e, 1, 16, 0x20000, 0x21001, 0x22000);
	ck_assert_uint_eq(vrd(&e, CC_Q_ENABLE, 2), 0);
	setup_queue(&e, 1, 16, 0x20000, 0x21000, 0x22002);
	ck_assert_uint_eq(vrd(&e, CC_Q_ENABLE, 2), 0);
	ck_assert(!vq1->enabled);
	ck_assert_ptr_null(vq1->desc);
	ck_assert_int_eq(e.tv->ready[1], 0);
	/* The refused queue is still configurable, and then works. */
	ck_assert_uint_eq(vrd(&e, CC_Q_USEDLO, 4), 0x22002);
	setup_queue(&e, 1, 16, 0x20000, 0x21000, TV_RAM - 136);
	ck_assert_uint_eq(vrd(&e, CC_Q_ENABLE, 2), 1);
	ck_assert_int_eq(e.tv->ready[1], 1);
	ck_assert_uint_eq(vq1->size, 16);

	/* Doorbells: 4 bytes apart; only existing, enabled queues. */
	vwr(&e, NOTIFY_OFF, 2, 0);
	vwr(&e, NOTIFY_OFF + 4, 2, 1);
	vwr(&e, NOTIFY_OFF + 4, 2, 1);
	vwr(&e, NOTIFY_OFF + 8, 2, 2);
	vwr(&e, NOTIFY_OFF + 0xffc, 2, 0);
	ck_assert_int_eq(e.tv->notifies[0], 1);
	ck_assert_int_eq(e.tv->notifies[1], 2);
	ck_assert_uint_eq(vrd(&e, NOTIFY_OFF, 4), 0);
	vwr(&e, CC_STATUS, 1, 0);
	vwr(&e, NOTIFY_OFF, 2, 0);
	ck_assert_int_eq(e.tv->notifies[0], 1);
	venv_teardown(&e);
}
END_TEST

START_TEST(virtio_queue_reset)
{
	struct venv e;

	venv_setup(&e);
	/* Without RING_RESET negotiated, queue_reset is inert. */
	ck_assert_uint_eq(negotiate(&e, 1ULL << VIRTIO_F_VERSION_1),
			  S_ACK | S_DRIVER | S_FEAT_OK);
	setup_queue(&e, 0, 32, 0x10000, 0x11000, 0x12000);
	vwr(&e, CC_Q_RESET, 2, 1);
	ck_assert_uint_eq(vrd(&e, CC_Q_RESET, 2), 0);
	ck_assert_uint_eq(vrd(&e, CC_Q_ENABLE, 2), 1);
	ck_assert_int_eq(e.tv->stops[0], 0);

	ck_assert_uint_eq(negotiate(&e, 1ULL << VIRTIO_F_VERSION_1 |
				       1ULL << VIRTIO_F_RING_RESET),
			  S_ACK | S_DRIVER | S_FEAT_OK);
	ck_assert_int_eq(e.tv->stops[0], 1);	/* the device reset */
	setup_queue(&e, 0, 32, 0x10000, 0x11000, 0x12000);
	vwr(&e, CC_Q_MSIX, 2, 1);
	setup_queue(&e, 1, 16, 0x20000, 0x21000, 0x22000);
	vwr(&e, CC_Q_SELECT, 2, 0);
	ck_assert_uint_eq(vrd(&e, CC_Q_ENABLE, 2), 1);
	ck_assert_uint_eq(vrd(&e, CC_Q_RESET, 2), 0);
	vwr(&e, CC_Q_RESET, 2, 1);
	ck_assert_int_eq(e.tv->stops[0], 2);
	ck_assert_uint_eq(vrd(&e, CC_Q_RESET, 2), 1);
	ck_assert_uint_eq(vrd(&e, CC_Q_ENABLE, 2), 0);
	/* Back to defaults. */
	ck_assert_uint_eq(vrd(&e, CC_Q_SIZE, 2), TV_QSIZE);
	ck_assert_uint_eq(vrd(&e, CC_Q_DESCLO, 4), 0);
	ck_assert_uint_eq(vrd(&e, CC_Q_AVAILLO, 4), 0);
	ck_assert_uint_eq(vrd(&e, CC_Q_USEDLO, 4), 0);
	ck_assert_uint_eq(vrd(&e, CC_Q_MSIX, 2), VIRTIO_NO_VECTOR);
	ck_assert_uint_eq(e.tv->vdev.vq[0].last_avail, 0);
	/* The other queue and the device are untouched. */
	vwr(&e, CC_Q_SELECT, 2, 1);
	ck_assert_uint_eq(vrd(&e, CC_Q_ENABLE, 2), 1);
	ck_assert_uint_eq(vrd(&e, CC_Q_RESET, 2), 0);
	ck_assert_int_eq(e.tv->stops[1], 0);
	ck_assert_uint_eq(vrd(&e, CC_STATUS, 1), S_ACK | S_DRIVER | S_FEAT_OK);
	/* Re-enabling clears queue_reset. */
	setup_queue(&e, 0, 32, 0x10000, 0x11000, 0x12000);
	ck_assert_uint_eq(vrd(&e, CC_Q_ENABLE, 2), 1);
	ck_assert_uint_eq(vrd(&e, CC_Q_RESET, 2), 0);
	ck_assert_int_eq(e.tv->ready[0], 3);
	/* A reset of a queue that is not enabled reads back 1 as well. */
	vwr(&e, CC_Q_RESET, 2, 1);
	vwr(&e, CC_Q_RESET, 2, 1);
	ck_assert_int_eq(e.tv->stops[0], 3);
	ck_assert_uint_eq(vrd(&e, CC_Q_RESET, 2), 1);
	/* Device reset clears queue_reset. */
	vwr(&e, CC_STATUS, 1, 0);
	ck_assert_uint_eq(vrd(&e, CC_Q_RESET, 2), 0);
	venv_teardown(&e);
}
END_TEST

START_TEST(virtio_status_reset)
{
	struct venv e;
	struct virtio_dev *vdev;
	u16 q;

	venv_setup(&e);
	vdev = &e.tv->vdev;
	ck_assert_uint_eq(negotiate(&e, 1ULL << VIRTIO_F_VERSION_1 |
				       1ULL << VIRTIO_RING_F_EVENT_IDX),
			  S_ACK | S_DRIVER | S_FEAT_OK);
	ck_assert_int_eq(e.tv->resets, 1);
	setup_queue(&e, 0, 32, 0x10000, 0x11000, 0x12000);
	vwr(&e, CC_Q_MSIX, 2, 1);
	ck_assert(vdev->vq[0].event_idx);
	vwr(&e, CC_Q_SELECT, 2, 1);
	vwr(&e, CC_Q_SIZE, 2, 8);
	vwr(&e, CC_Q_DESCLO, 4, 0x30000);
	vwr(&e, CC_MSIX, 2, 0);
	vwr(&e, CC_STATUS, 1, S_ACK | S_DRIVER | S_FEAT_OK | S_DRIVER_OK);
	vwr(&e, CC_DFSELECT, 4, 1);
	vwr(&e, CC_GFSELECT, 4, 1);
	virtio_signal_config(vdev);
	ck_assert_uint_eq(vdev->isr, 2);

	vwr(&e, CC_STATUS, 1, 0);
	ck_assert_int_eq(e.tv->resets, 2);
	ck_assert_int_eq(e.tv->stops[0], 1);	/* only enabled queues */
	ck_assert_int_eq(e.tv->stops[1], 0);
	ck_assert_uint_eq(vrd(&e, CC_STATUS, 1), 0);
	ck_assert_uint_eq(vrd(&e, CC_DFSELECT, 4), 0);
	ck_assert_uint_eq(vrd(&e, CC_GFSELECT, 4), 0);
	ck_assert_uint_eq(vrd(&e, CC_GF, 4), 0);
	ck_assert_uint_eq(vrd(&e, CC_MSIX, 2), VIRTIO_NO_VECTOR);
	ck_assert_uint_eq(vrd(&e, CC_Q_SELECT, 2), 0);
	ck_assert_uint_eq(vdev->guest_features, 0);
	ck_assert_uint_eq(vdev->isr, 0);
	ck_assert_uint_eq(cfg_rd(e.kvm, e.devfn, PCI_STATUS, 2) &
			  PCI_STATUS_INTERRUPT, 0);
	for (q = 0; q < 2; q++) {
		vwr(&e, CC_Q_SELECT, 2, q);
		ck_assert_uint_eq(vrd(&e, CC_Q_ENABLE, 2), 0);
		ck_assert_uint_eq(vrd(&e, CC_Q_SIZE, 2), TV_QSIZE);
		ck_assert_uint_eq(vrd(&e, CC_Q_MSIX, 2), VIRTIO_NO_VECTOR);
		ck_assert_uint_eq(vrd(&e, CC_Q_DESCLO, 4), 0);
		ck_assert_uint_eq(vrd(&e, CC_Q_AVAILLO, 4), 0);
		ck_assert_uint_eq(vrd(&e, CC_Q_USEDLO, 4), 0);
		ck_assert(!vdev->vq[q].enabled);
	}
	/* Config generation survives (drivers compare it across reads). */
	ck_assert_uint_eq(vrd(&e, CC_CFGGEN, 1), 1);
	/* And the device works again from scratch. */
	ck_assert_uint_eq(negotiate(&e, 1ULL << VIRTIO_F_VERSION_1),
			  S_ACK | S_DRIVER | S_FEAT_OK);
	setup_queue(&e, 0, 32, 0x10000, 0x11000, 0x12000);
	ck_assert_uint_eq(vrd(&e, CC_Q_ENABLE, 2), 1);
	ck_assert(!vdev->vq[0].event_idx);
	venv_teardown(&e);
}
END_TEST

START_TEST(virtio_device_config)
{
	struct venv e;

	venv_setup(&e);
	ck_assert_uint_eq(vrd(&e, DEV_OFF, 4), 0x13121110);
	ck_assert_uint_eq(e.tv->cfg_reads, 1);
	ck_assert_uint_eq(e.tv->last_off, 0);
	ck_assert_uint_eq(e.tv->last_len, 4);
	ck_assert_uint_eq(vrd(&e, DEV_OFF + 4, 4), 0x17161514);
	ck_assert_uint_eq(vrd(&e, DEV_OFF + 6, 2), 0x1716);
	ck_assert_uint_eq(vrd(&e, DEV_OFF + 7, 1), 0x17);
	ck_assert_uint_eq(e.tv->last_off, 7);
	ck_assert_uint_eq(e.tv->cfg_reads, 4);
	/* Out of range: all-ones, the device is not asked. */
	ck_assert_uint_eq(vrd(&e, DEV_OFF + 6, 4), 0xffffffff);
	ck_assert_uint_eq(vrd(&e, DEV_OFF + 8, 1), 0xff);
	ck_assert_uint_eq(vrd(&e, DEV_OFF + 0xffc, 4), 0xffffffff);
	ck_assert_uint_eq(e.tv->cfg_reads, 4);
	/* Writes reach the device, within range only. */
	vwr(&e, DEV_OFF + 2, 2, 0xbbaa);
	ck_assert_uint_eq(e.tv->cfg_writes, 1);
	ck_assert_uint_eq(vrd(&e, DEV_OFF, 4), 0xbbaa1110);
	vwr(&e, DEV_OFF + 6, 4, 0);
	vwr(&e, DEV_OFF + 8, 4, 0);
	ck_assert_uint_eq(e.tv->cfg_writes, 1);
	ck_assert_uint_eq(vrd(&e, DEV_OFF + 4, 4), 0x17161514);
	/* A config change bumps the generation. */
	ck_assert_uint_eq(vrd(&e, CC_CFGGEN, 1), 0);
	virtio_signal_config(&e.tv->vdev);
	ck_assert_uint_eq(vrd(&e, CC_CFGGEN, 1), 1);
	vwr(&e, CC_CFGGEN, 1, 0);
	ck_assert_uint_eq(vrd(&e, CC_CFGGEN, 1), 1);
	venv_teardown(&e);
}
END_TEST

START_TEST(virtio_isr)
{
	struct venv e;
	struct virtio_dev *vdev;
	u8 mc;
	u16 status;

	venv_setup(&e);
	vdev = &e.tv->vdev;
	ck_assert_uint_eq(vrd(&e, ISR_OFF, 1), 0);
	/* INTx mode: config change sets bit 1 and raises the line. */
	virtio_signal_config(vdev);
	status = cfg_rd(e.kvm, e.devfn, PCI_STATUS, 2);
	ck_assert_uint_eq(status & PCI_STATUS_INTERRUPT, PCI_STATUS_INTERRUPT);
	/* Writes do not clear it; reading does, and lowers the line. */
	vwr(&e, ISR_OFF, 1, 0xff);
	ck_assert_uint_eq(vrd(&e, ISR_OFF, 1), 2);
	ck_assert_uint_eq(vrd(&e, ISR_OFF, 1), 0);
	status = cfg_rd(e.kvm, e.devfn, PCI_STATUS, 2);
	ck_assert_uint_eq(status & PCI_STATUS_INTERRUPT, 0);
	/* A used buffer sets bit 0. */
	ck_assert_uint_eq(negotiate(&e, 1ULL << VIRTIO_F_VERSION_1),
			  S_ACK | S_DRIVER | S_FEAT_OK);
	setup_queue(&e, 0, 32, 0x10000, 0x11000, 0x12000);
	virtio_signal_vq(vdev, 0);
	virtio_signal_config(vdev);
	ck_assert_uint_eq(vrd(&e, ISR_OFF, 4), 3);
	ck_assert_uint_eq(vrd(&e, ISR_OFF, 4), 0);
	/* Disabled or non-existent queues do not signal. */
	virtio_signal_vq(vdev, 1);
	virtio_signal_vq(vdev, 7);
	ck_assert_uint_eq(vrd(&e, ISR_OFF, 1), 0);
	/* Other offsets in the ISR region read 0 and do not clear it. */
	virtio_signal_config(vdev);
	ck_assert_uint_eq(vrd(&e, ISR_OFF + 4, 4), 0);
	ck_assert_uint_eq(vrd(&e, ISR_OFF, 1), 2);

	/* MSI-X mode: vectors instead of the ISR. */
	mc = find_cap(e.kvm, e.devfn, PCI_CAP_ID_MSIX, -1);
	cfg_wr(e.kvm, e.devfn, mc + PCI_MSIX_FLAGS + 1, 1, 0x80);
	vwr(&e, CC_MSIX, 2, 0);
	virtio_signal_config(vdev);
	ck_assert_uint_eq(vrd(&e, ISR_OFF, 1), 0);
	/* Vector 0 is masked: pending in the PBA (BAR1 + 0x800). */
	ck_assert_uint_eq(unit_bus_read(&e.kvm->mmio_bus, TV_BAR1 + 0x800, 4),
			  1);
	/* No vector: nothing at all. */
	vwr(&e, CC_MSIX, 2, VIRTIO_NO_VECTOR);
	virtio_signal_config(vdev);
	ck_assert_uint_eq(vrd(&e, ISR_OFF, 1), 0);
	ck_assert_uint_eq(unit_bus_read(&e.kvm->mmio_bus, TV_BAR1 + 0x800, 4),
			  1);
	/* Unmask vector 0 through the table in BAR1: no longer pending. */
	unit_bus_write(&e.kvm->mmio_bus, TV_BAR1 + 12, 4, 0);
	ck_assert_uint_eq(unit_bus_read(&e.kvm->mmio_bus, TV_BAR1 + 0x800, 4),
			  0);
	venv_teardown(&e);
}
END_TEST

/* The VIRTIO_PCI_CAP_PCI_CFG window: BAR accesses through config space. */
static void win(struct venv *e, u8 c, u8 bar, u32 off, u32 len)
{
	cfg_wr(e->kvm, e->devfn, c + VIRTIO_PCI_CAP_BAR, 1, bar);
	cfg_wr(e->kvm, e->devfn, c + VIRTIO_PCI_CAP_OFFSET, 4, off);
	cfg_wr(e->kvm, e->devfn, c + VIRTIO_PCI_CAP_LENGTH, 4, len);
}

#define WIN_DATA(c)	((c) + 16)

START_TEST(virtio_pci_cfg_window)
{
	struct venv e;
	u8 c;

	venv_setup(&e);
	c = find_cap(e.kvm, e.devfn, PCI_CAP_ID_VNDR, VIRTIO_PCI_CAP_PCI_CFG);
	ck_assert_uint_ne(c, 0);
	/* bar/offset/length are writable and read back. */
	win(&e, c, 2, CC_NUMQ, 2);
	ck_assert_uint_eq(cfg_rd(e.kvm, e.devfn, c + VIRTIO_PCI_CAP_BAR, 1), 2);
	ck_assert_uint_eq(cfg_rd(e.kvm, e.devfn, c + VIRTIO_PCI_CAP_OFFSET, 4),
			  CC_NUMQ);
	ck_assert_uint_eq(cfg_rd(e.kvm, e.devfn, c + VIRTIO_PCI_CAP_LENGTH, 4),
			  2);
	/* Read a common-config register through config space. */
	ck_assert_uint_eq(cfg_rd(e.kvm, e.devfn, WIN_DATA(c), 4), 2);
	ck_assert_uint_eq(cfg_rd(e.kvm, e.devfn, WIN_DATA(c), 2), 2);
	win(&e, c, 2, CC_DF, 4);
	ck_assert_uint_eq(cfg_rd(e.kvm, e.devfn, WIN_DATA(c), 4), 0x30000021);
	/* Write one, and see it through the BAR. */
	win(&e, c, 2, CC_DFSELECT, 4);
	cfg_wr(e.kvm, e.devfn, WIN_DATA(c), 4, 1);
	ck_assert_uint_eq(vrd(&e, CC_DFSELECT, 4), 1);
	win(&e, c, 2, CC_DF, 4);
	ck_assert_uint_eq(cfg_rd(e.kvm, e.devfn, WIN_DATA(c), 4), 0x101);
	/* Device configuration through the window. */
	win(&e, c, 2, DEV_OFF + 4, 2);
	ck_assert_uint_eq(cfg_rd(e.kvm, e.devfn, WIN_DATA(c), 4), 0x1514);
	/* Through CF8 as well, where there is one. */
	if (layout(e.kvm).cf8)
		ck_assert_uint_eq(cf8_rd(e.kvm, 0, e.devfn, WIN_DATA(c), 4),
				  0x1514);

	/* Invalid windows are not forwarded: the data register keeps
	 * whatever it had. */
	win(&e, c, 2, CC_NUMQ, 2);
	ck_assert_uint_eq(cfg_rd(e.kvm, e.devfn, WIN_DATA(c), 4), 2);
	win(&e, c, 2, CC_NUMQ, 3);			/* bad length */
	ck_assert_uint_eq(cfg_rd(e.kvm, e.devfn, WIN_DATA(c), 4), 2);
	win(&e, c, 2, CC_Q_SELECT + 1, 2);		/* misaligned */
	ck_assert_uint_eq(cfg_rd(e.kvm, e.devfn, WIN_DATA(c), 4), 2);
	win(&e, c, 1, 0, 4);				/* other BAR */
	ck_assert_uint_eq(cfg_rd(e.kvm, e.devfn, WIN_DATA(c), 4), 2);
	win(&e, c, 2, 0x4000, 4);			/* past the BAR */
	ck_assert_uint_eq(cfg_rd(e.kvm, e.devfn, WIN_DATA(c), 4), 2);
	win(&e, c, 2, 0xfffffffc, 4);			/* wraps */
	ck_assert_uint_eq(cfg_rd(e.kvm, e.devfn, WIN_DATA(c), 4), 2);
	cfg_wr(e.kvm, e.devfn, WIN_DATA(c), 4, 0x12345678);
	ck_assert_uint_eq(cfg_rd(e.kvm, e.devfn, WIN_DATA(c), 4), 0x12345678);
	win(&e, c, 2, 0x3ffc, 4);			/* last dword: fine */
	ck_assert_uint_eq(cfg_rd(e.kvm, e.devfn, WIN_DATA(c), 4), 0);
	/* Writes through an invalid window go nowhere. */
	win(&e, c, 2, CC_Q_SELECT, 3);
	cfg_wr(e.kvm, e.devfn, WIN_DATA(c), 4, 1);
	ck_assert_uint_eq(vrd(&e, CC_Q_SELECT, 2), 0);
	venv_teardown(&e);
}
END_TEST

/*
 * Window accesses whose BAR side effects need the PCI function's lock:
 * reading the ISR lowers INTx, a status write of 0 resets the device (and
 * lowers INTx), enabling a queue may complete buffers and signal.  None
 * of these may deadlock on the config access in progress.
 */
START_TEST(virtio_pci_cfg_window_side_effects)
{
	struct venv e;
	u8 c;
	u16 status;

	venv_setup(&e);
	c = find_cap(e.kvm, e.devfn, PCI_CAP_ID_VNDR, VIRTIO_PCI_CAP_PCI_CFG);
	/* ISR through the window: read, cleared, INTx lowered. */
	virtio_signal_config(&e.tv->vdev);
	win(&e, c, 2, ISR_OFF, 1);
	ck_assert_uint_eq(cfg_rd(e.kvm, e.devfn, WIN_DATA(c), 1), 2);
	ck_assert_uint_eq(cfg_rd(e.kvm, e.devfn, WIN_DATA(c), 1), 0);
	status = cfg_rd(e.kvm, e.devfn, PCI_STATUS, 2);
	ck_assert_uint_eq(status & PCI_STATUS_INTERRUPT, 0);

	/* Queue enable through the window, the device signalling at once. */
	ck_assert_uint_eq(negotiate(&e, 1ULL << VIRTIO_F_VERSION_1),
			  S_ACK | S_DRIVER | S_FEAT_OK);
	vwr(&e, CC_Q_SELECT, 2, 0);
	vwr(&e, CC_Q_DESCLO, 4, 0x10000);
	vwr(&e, CC_Q_AVAILLO, 4, 0x11000);
	vwr(&e, CC_Q_USEDLO, 4, 0x12000);
	e.tv->signal_on_ready = true;
	win(&e, c, 2, CC_Q_ENABLE, 2);
	cfg_wr(e.kvm, e.devfn, WIN_DATA(c), 2, 1);
	ck_assert_uint_eq(vrd(&e, CC_Q_ENABLE, 2), 1);
	ck_assert_int_eq(e.tv->ready[0], 1);
	status = cfg_rd(e.kvm, e.devfn, PCI_STATUS, 2);
	ck_assert_uint_eq(status & PCI_STATUS_INTERRUPT, PCI_STATUS_INTERRUPT);

	/* Device reset through the window. */
	win(&e, c, 2, CC_STATUS, 1);
	cfg_wr(e.kvm, e.devfn, WIN_DATA(c), 1, 0);
	ck_assert_uint_eq(vrd(&e, CC_STATUS, 1), 0);
	ck_assert_uint_eq(vrd(&e, CC_Q_ENABLE, 2), 0);
	ck_assert_int_eq(e.tv->resets, 2);
	status = cfg_rd(e.kvm, e.devfn, PCI_STATUS, 2);
	ck_assert_uint_eq(status & PCI_STATUS_INTERRUPT, 0);
	venv_teardown(&e);
}
END_TEST

/*
 * The same from two vCPUs at once: one goes through the window (config
 * lock, then transport), the other resets the device through the BAR
 * (transport lock, then config lock to lower INTx).
 */
struct hammer {
	struct venv	*e;
	u8		c;
	volatile int	stop;
};

static void *window_reader(void *arg)
{
	struct hammer *h = arg;

	while (!h->stop)
		cfg_rd(h->e->kvm, h->e->devfn, WIN_DATA(h->c), 4);
	return NULL;
}

START_TEST(virtio_pci_cfg_window_concurrent)
{
	struct venv e;
	struct hammer h = { .e = &e };
	pthread_t th;
	int i;

	venv_setup(&e);
	h.c = find_cap(e.kvm, e.devfn, PCI_CAP_ID_VNDR, VIRTIO_PCI_CAP_PCI_CFG);
	win(&e, h.c, 2, CC_NUMQ, 2);
	ck_assert_int_eq(pthread_create(&th, NULL, window_reader, &h), 0);
	for (i = 0; i < 20000; i++) {
		virtio_signal_config(&e.tv->vdev);
		vwr(&e, CC_STATUS, 1, 0);
	}
	h.stop = 1;
	pthread_join(th, NULL);
	ck_assert_uint_eq(cfg_rd(e.kvm, e.devfn, WIN_DATA(h.c), 4), 2);
	venv_teardown(&e);
}
END_TEST

static Suite *pci_suite(void)
{
	Suite *s = suite_create("pci");
	TCase *tc = tcase_create("config");
	TCase *tv = tcase_create("virtio-pci");

	tcase_add_test(tc, cfg_identity_readonly);
	tcase_add_test(tc, cfg_command_mask);
	tcase_add_test(tc, cfg_status_rw1c);
	tcase_add_test(tc, cfg_express_cap);
	tcase_add_test(tc, cfg_extended_and_bad_access);
	tcase_add_test(tc, bar_sizing);
	tcase_add_test(tc, bar_add_checks);
	tcase_add_test(tc, bar_move);
	tcase_add_test(tc, bar_overlap);
	tcase_add_test(tc, bar_overlap_doorbells);
	tcase_add_test(tc, command_gating);
	tcase_add_test(tc, ecam_and_cf8);
	tcase_add_test(tc, msix_masking);
	tcase_add_test(tc, msix_bad_access);
	tcase_add_test(tc, msix_bad_layout);
	tcase_add_test(tc, intx_status);
	suite_add_tcase(s, tc);

	tcase_add_test(tv, virtio_identity);
	tcase_add_test(tv, virtio_features);
	tcase_add_test(tv, virtio_queue_regs);
	tcase_add_test(tv, virtio_queue_enable);
	tcase_add_test(tv, virtio_queue_reset);
	tcase_add_test(tv, virtio_status_reset);
	tcase_add_test(tv, virtio_device_config);
	tcase_add_test(tv, virtio_isr);
	tcase_add_test(tv, virtio_pci_cfg_window);
	tcase_add_test(tv, virtio_pci_cfg_window_side_effects);
	tcase_add_test(tv, virtio_pci_cfg_window_concurrent);
	tcase_set_timeout(tv, 20);
	suite_add_tcase(s, tv);
	return s;
}

UNIT_MAIN(pci_suite)
