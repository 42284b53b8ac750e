/* PCI configuration access: mechanism #1 and ECAM. */
#include "pci.h"

const char *const pci_mech_name[2] = { "CF8", "ECAM" };
const char *const pci_bar_kind_name[4] = { "none", "io", "mem32", "mem64" };

u8 pci_cf8_read8(u16 bdf, u16 reg)
{
	outl(PCI_CONFIG_ADDRESS, pci_cf8_addr(bdf, reg));
	return inb(PCI_CONFIG_DATA + (reg & 3));
}

u16 pci_cf8_read16(u16 bdf, u16 reg)
{
	outl(PCI_CONFIG_ADDRESS, pci_cf8_addr(bdf, reg));
	return inw(PCI_CONFIG_DATA + (reg & 3));
}

u32 pci_cf8_read32(u16 bdf, u16 reg)
{
	outl(PCI_CONFIG_ADDRESS, pci_cf8_addr(bdf, reg));
	return inl(PCI_CONFIG_DATA + (reg & 3));
}

void pci_cf8_write8(u16 bdf, u16 reg, u8 v)
{
	outl(PCI_CONFIG_ADDRESS, pci_cf8_addr(bdf, reg));
	outb(PCI_CONFIG_DATA + (reg & 3), v);
}

void pci_cf8_write16(u16 bdf, u16 reg, u16 v)
{
	outl(PCI_CONFIG_ADDRESS, pci_cf8_addr(bdf, reg));
	outw(PCI_CONFIG_DATA + (reg & 3), v);
}

void pci_cf8_write32(u16 bdf, u16 reg, u32 v)
{
	outl(PCI_CONFIG_ADDRESS, pci_cf8_addr(bdf, reg));
	outl(PCI_CONFIG_DATA + (reg & 3), v);
}

u32 pci_read(enum pci_mech m, u16 bdf, u16 reg, int len)
{
	if (m == PCI_CF8)
		return len == 1 ? pci_cf8_read8(bdf, reg) :
		       len == 2 ? pci_cf8_read16(bdf, reg) :
				  pci_cf8_read32(bdf, reg);
	return len == 1 ? pci_ecam_read8(bdf, reg) :
	       len == 2 ? pci_ecam_read16(bdf, reg) :
			  pci_ecam_read32(bdf, reg);
}

void pci_write(enum pci_mech m, u16 bdf, u16 reg, u32 v, int len)
{
	if (m == PCI_CF8) {
		if (len == 1)
			pci_cf8_write8(bdf, reg, (u8)v);
		else if (len == 2)
			pci_cf8_write16(bdf, reg, (u16)v);
		else
			pci_cf8_write32(bdf, reg, v);
	} else {
		if (len == 1)
			pci_ecam_write8(bdf, reg, (u8)v);
		else if (len == 2)
			pci_ecam_write16(bdf, reg, (u16)v);
		else
			pci_ecam_write32(bdf, reg, v);
	}
}

bool pci_present(u16 bdf)
{
	return pci_read16(bdf, PCI_VENDOR_ID) != 0xffff;
}

bool pci_next_fn(int bus, int *bdf)
{
	int b = *bdf;

	for (;;) {
		if (b < 0)
			b = PCI_BDF(bus, 0, 0);
		else if (PCI_FN(b) == 0 && pci_present(b) &&
			 (pci_read8(b, PCI_HEADER_TYPE) & PCI_HEADER_MULTIFN))
			b++;
		else if (PCI_FN(b) && PCI_FN(b) < 7)
			b++;
		else
			b = (b | 7) + 1;
		if (PCI_BUS(b) != bus)
			return false;
		if (pci_present(b)) {
			*bdf = b;
			return true;
		}
	}
}

int pci_find_device(u16 vendor, u16 device)
{
	int bdf = -1;

	while (pci_next_fn(0, &bdf))
		if (pci_read32(bdf, PCI_VENDOR_ID) ==
		    ((u32)device << 16 | vendor))
			return bdf;
	return -1;
}

u8 pci_find_cap(u16 bdf, u8 id, u8 start)
{
	u8 pos;
	int ttl = 48;

	if (!(pci_read16(bdf, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	pos = start ? pci_read8(bdf, start + 1) : pci_read8(bdf, PCI_CAPABILITY_LIST);
	while (ttl-- && pos >= 0x40) {
		pos &= 0xfc;
		if (pci_read8(bdf, pos) == id)
			return pos;
		pos = pci_read8(bdf, pos + 1);
	}
	return 0;
}

u64 pci_bar_addr(u16 bdf, int n)
{
	u32 lo = pci_read32(bdf, PCI_BASE_ADDRESS_0 + 4 * n);

	if (lo & PCI_BAR_IO)
		return lo & ~3u;
	if ((lo & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_64 && n < 5)
		return (lo & ~0xfu) |
		       ((u64)pci_read32(bdf, PCI_BASE_ADDRESS_0 + 4 * (n + 1)) << 32);
	return lo & ~0xfu;
}

void pci_bar_set(u16 bdf, int n, u64 addr)
{
	u16 reg = PCI_BASE_ADDRESS_0 + 4 * n;
	u32 lo = pci_read32(bdf, reg);

	if (lo & PCI_BAR_IO) {
		pci_write32(bdf, reg, (u32)addr);
		return;
	}
	pci_write32(bdf, reg, (u32)addr);
	if ((lo & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_64)
		pci_write32(bdf, reg + 4, (u32)(addr >> 32));
}

int pci_bar_probe(u16 bdf, int n, struct pci_bar *bar, bool decode_off)
{
	u16 reg = PCI_BASE_ADDRESS_0 + 4 * n;
	u16 cmd = pci_read16(bdf, PCI_COMMAND);
	u32 lo, hi = 0, mlo, mhi = 0xffffffff;
	int used = 1;

	memset(bar, 0, sizeof(*bar));
	if (decode_off)
		pci_write16(bdf, PCI_COMMAND,
			    cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	lo = pci_read32(bdf, reg);
	pci_write32(bdf, reg, 0xffffffff);
	mlo = pci_read32(bdf, reg);
	pci_write32(bdf, reg, lo);
	if (!(lo & PCI_BAR_IO) &&
	    (lo & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_64 && n < 5) {
		used = 2;
		hi = pci_read32(bdf, reg + 4);
		pci_write32(bdf, reg + 4, 0xffffffff);
		mhi = pci_read32(bdf, reg + 4);
		pci_write32(bdf, reg + 4, hi);
	}
	if (decode_off)
		pci_write16(bdf, PCI_COMMAND, cmd);

	if (!mlo || mlo == 0xffffffff)	/* not implemented, or no device */
		return 1;
	if (lo & PCI_BAR_IO) {
		bar->kind = BAR_IO;
		bar->addr = lo & ~3u;
		bar->size = (u16)(~(mlo & ~3u) + 1);
		return 1;
	}
	bar->prefetch = !!(lo & PCI_BAR_PREFETCH);
	bar->kind = used == 2 ? BAR_MEM64 : BAR_MEM32;
	bar->addr = (lo & ~0xfu) | ((u64)hi << 32);
	bar->size = ~((u64)mhi << 32 | (mlo & ~0xfu)) + 1;
	return used;
}
