/*
 * PCI configuration access for the test guests: mechanism #1 (0xCF8 /
 * 0xCFC, first 256 bytes) and ECAM (MMIO, 4 KiB per function), and BAR
 * and capability helpers on top of them.
 *
 * A function is named by bdf = bus << 8 | dev << 3 | fn.
 */
#ifndef GUEST_PCI_H
#define GUEST_PCI_H

#include "guest.h"

/* lkvm's x86 layout (x86/include/kvm/kvm-arch.h); -D to run elsewhere. */
#ifndef ECAM_BASE
#define ECAM_BASE		0xE0000000u	/* X86_PCI_ECAM_BASE */
#endif
#ifndef PCI_MMIO32_BASE
#define PCI_MMIO32_BASE		0xC0000000u	/* X86_PCI_MMIO32_BASE */
#endif
#ifndef PCI_MMIO32_END
#define PCI_MMIO32_END		0xE0000000u
#endif
#define PCI_IO_BASE		0x6200		/* X86_PCI_IO_BASE */
#define PCI_IO_END		0x10000

#define PCI_CONFIG_ADDRESS	0xcf8
#define PCI_CONFIG_DATA		0xcfc
#define PCI_CF8_ENABLE		0x80000000u

#define PCI_BDF(b, d, f)	(((b) << 8) | ((d) << 3) | (f))
#define PCI_BUS(bdf)		(((bdf) >> 8) & 0xff)
#define PCI_DEV(bdf)		(((bdf) >> 3) & 0x1f)
#define PCI_FN(bdf)		((bdf) & 7)

/* Standard header (see <linux/pci_regs.h>). */
#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define  PCI_COMMAND_IO		0x0001
#define  PCI_COMMAND_MEMORY	0x0002
#define  PCI_COMMAND_MASTER	0x0004
#define  PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS		0x06
#define  PCI_STATUS_CAP_LIST	0x0010
#define  PCI_STATUS_RW1C	0xf900	/* parity, SERR, aborts, MDPE */
#define PCI_CLASS_REVISION	0x08
#define PCI_HEADER_TYPE		0x0e
#define  PCI_HEADER_MULTIFN	0x80
#define PCI_BASE_ADDRESS_0	0x10
#define  PCI_BAR_IO		0x1
#define  PCI_BAR_MEM_TYPE_MASK	0x6
#define  PCI_BAR_MEM_64		0x4
#define  PCI_BAR_PREFETCH	0x8
#define PCI_SUBSYSTEM_VENDOR_ID	0x2c
#define PCI_CAPABILITY_LIST	0x34
#define PCI_INTERRUPT_LINE	0x3c
#define PCI_INTERRUPT_PIN	0x3d

#define PCI_CAP_ID_MSIX		0x11
#define PCI_CAP_ID_EXP		0x10
#define PCI_CAP_ID_VNDR		0x09

#define PCI_CFG_SPACE_SIZE	256
#define PCI_CFG_SPACE_EXP_SIZE	4096

/* --- Mechanism #1.  @reg's low bits pick the data port byte (0xCFC + (reg
 * & 3)), so misaligned accesses can be made on purpose. --- */
static inline u32 pci_cf8_addr(u16 bdf, u16 reg)
{
	return PCI_CF8_ENABLE | ((u32)bdf << 8) | (reg & 0xfc);
}
u8 pci_cf8_read8(u16 bdf, u16 reg);
u16 pci_cf8_read16(u16 bdf, u16 reg);
u32 pci_cf8_read32(u16 bdf, u16 reg);
void pci_cf8_write8(u16 bdf, u16 reg, u8 v);
void pci_cf8_write16(u16 bdf, u16 reg, u16 v);
void pci_cf8_write32(u16 bdf, u16 reg, u32 v);

/* --- ECAM: ECAM_BASE + (bus << 20 | dev << 15 | fn << 12 | reg). --- */
static inline u32 pci_ecam_addr(u16 bdf, u16 reg)
{
	return ECAM_BASE + ((u32)bdf << 12) + reg;
}
static inline u8 pci_ecam_read8(u16 bdf, u16 reg)
{
	return mmio_read8(pci_ecam_addr(bdf, reg));
}
static inline u16 pci_ecam_read16(u16 bdf, u16 reg)
{
	return mmio_read16(pci_ecam_addr(bdf, reg));
}
static inline u32 pci_ecam_read32(u16 bdf, u16 reg)
{
	return mmio_read32(pci_ecam_addr(bdf, reg));
}
static inline void pci_ecam_write8(u16 bdf, u16 reg, u8 v)
{
	mmio_write8(pci_ecam_addr(bdf, reg), v);
}
static inline void pci_ecam_write16(u16 bdf, u16 reg, u16 v)
{
	mmio_write16(pci_ecam_addr(bdf, reg), v);
}
static inline void pci_ecam_write32(u16 bdf, u16 reg, u32 v)
{
	mmio_write32(pci_ecam_addr(bdf, reg), v);
}

/* --- Either mechanism. --- */
enum pci_mech { PCI_CF8, PCI_ECAM };
extern const char *const pci_mech_name[2];
u32 pci_read(enum pci_mech m, u16 bdf, u16 reg, int len);
void pci_write(enum pci_mech m, u16 bdf, u16 reg, u32 v, int len);

/* The helpers below go through ECAM. */
#define pci_read8	pci_ecam_read8
#define pci_read16	pci_ecam_read16
#define pci_read32	pci_ecam_read32
#define pci_write8	pci_ecam_write8
#define pci_write16	pci_ecam_write16
#define pci_write32	pci_ecam_write32

/* Does a function answer at @bdf (vendor ID not all-ones)? */
bool pci_present(u16 bdf);
/* Next function on bus @bus after *bdf (start with *bdf = -1); scans
 * functions 1-7 only of multi-function devices.  False at the end. */
bool pci_next_fn(int bus, int *bdf);
/* First function with this vendor/device on bus 0, or -1. */
int pci_find_device(u16 vendor, u16 device);

/* Offset of the first capability with @id after @start (0: from the
 * list head), or 0.  Bounded against loops. */
u8 pci_find_cap(u16 bdf, u8 id, u8 start);

/* --- BARs --- */
enum pci_bar_kind { BAR_NONE, BAR_IO, BAR_MEM32, BAR_MEM64 };
extern const char *const pci_bar_kind_name[4];
struct pci_bar {
	enum pci_bar_kind kind;
	bool prefetch;
	u64 addr;	/* current address (0 if none) */
	u64 size;	/* from sizing; 0 if not implemented */
};
/*
 * Size BAR @n: write all-ones, read the mask, restore.  With @decode_off,
 * COMMAND.IO/MEM are cleared around it (as Linux does) and restored.
 * Returns the number of BAR registers used (2 for a 64-bit BAR).
 */
int pci_bar_probe(u16 bdf, int n, struct pci_bar *bar, bool decode_off);
/* Current address of BAR @n (both halves of a 64-bit BAR). */
u64 pci_bar_addr(u16 bdf, int n);
/* Program BAR @n (and the high half of a 64-bit one). */
void pci_bar_set(u16 bdf, int n, u64 addr);

#endif
