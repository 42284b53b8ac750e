/*
 * pci-caps: config space of the virtio device at 00:01.0 through ECAM:
 * the capability list, the PCI Express and MSI-X capabilities, the virtio
 * vendor capabilities, all 4096 bytes, and what writes to read-only and
 * RW1C registers do.
 *
 * Output (with lkvm's PCI and --rng):
 *   DEV 00:01.0 1af4:1044 status 0010
 *   CAP off=40 id=10                       one per capability, in list order
 *   PCIE-CAP ver=1 type=0
 *   MSIX-CAP vectors=<n> table=bar1+0x0 pba=bar1+0x800
 *   VIRTIO-CAP type=1 bar=2 off=0x0 len=0x...   one per virtio capability
 *   VIRTIO-NOTIFY mult=4
 *   CAPS-OK                                list ends, PCIe + MSI-X + types 1-5
 *   CFG4K-OK sum=<hex> ext-nonzero=<n>     4096 bytes read, 0x100 reads 0
 *   CF8-256-OK                             first 256 bytes equal via CF8
 *   RO-OK                                  IDs, class, header, caps unchanged
 *   RW-OK                                  interrupt line is writable
 *   RW1C-OK                                status: writing ones clears nothing set
 *   CROSS-WRITE-OK                         a dword-crossing write is dropped
 *   CAPS-DONE
 * "FAIL <reason>" on any mismatch.  Without a device: "FAIL no device ...".
 */
#include "pci.h"
#include "virtio-pci.h"

#define BDF	PCI_BDF(0, 1, 0)

static void walk_caps(void)
{
	u8 pos = pci_read8(BDF, PCI_CAPABILITY_LIST), seen[6] = { 0 };
	bool pcie = false, msix = false, ok = true;
	int n = 0, t;

	if (pos & 3)
		fail("capability pointer 0x%02x not dword aligned", pos);
	while (pos) {
		u8 id = pci_read8(BDF, pos), next = pci_read8(BDF, pos + 1);

		printf("CAP off=%02x id=%02x\n", pos, id);
		if (pos < 0x40 || (pos & 3)) {
			fail("capability at 0x%02x: outside 0x40-0xff or misaligned", pos);
			return;
		}
		if (++n > 48) {
			fail("capability list loops");
			return;
		}
		if (id == PCI_CAP_ID_EXP) {
			u16 flags = pci_read16(BDF, pos + 2);

			pcie = true;
			printf("PCIE-CAP ver=%u type=%u\n", flags & 0xf,
			       (flags >> 4) & 0xf);
			if ((flags & 0xf) != 1 || ((flags >> 4) & 0xf) != 0) {
				fail("PCIe capability flags %04x: want version 1, endpoint",
				     flags);
				ok = false;
			}
		} else if (id == PCI_CAP_ID_MSIX) {
			u16 ctrl = pci_read16(BDF, pos + 2);
			u32 table = pci_read32(BDF, pos + 4);
			u32 pba = pci_read32(BDF, pos + 8);

			msix = true;
			printf("MSIX-CAP vectors=%u table=bar%u+0x%x pba=bar%u+0x%x%s\n",
			       (ctrl & 0x7ff) + 1, table & 7, table & ~7u,
			       pba & 7, pba & ~7u,
			       ctrl & 0xc000 ? " (enabled or masked!)" : "");
			if (ctrl & 0x8000) {
				fail("MSI-X enabled at reset");
				ok = false;
			}
		} else if (id == PCI_CAP_ID_VNDR) {
			u8 type = pci_read8(BDF, pos + VIRTIO_PCI_CAP_CFG_TYPE);
			u8 len = pci_read8(BDF, pos + 2);

			printf("VIRTIO-CAP type=%u bar=%u off=0x%x len=0x%x caplen=%u\n",
			       type, pci_read8(BDF, pos + VIRTIO_PCI_CAP_BAR),
			       pci_read32(BDF, pos + VIRTIO_PCI_CAP_OFFSET),
			       pci_read32(BDF, pos + VIRTIO_PCI_CAP_LENGTH), len);
			if (type >= 1 && type <= 5)
				seen[type] = 1;
			if (len < 16 || (type == VIRTIO_PCI_CAP_NOTIFY_CFG && len < 20) ||
			    (type == VIRTIO_PCI_CAP_PCI_CFG && len < 20)) {
				fail("virtio capability type %u: cap_len %u too short",
				     type, len);
				ok = false;
			}
			if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
				printf("VIRTIO-NOTIFY mult=%u\n",
				       pci_read32(BDF, pos + VIRTIO_PCI_NOTIFY_MULT));
		}
		pos = next;
	}
	if (!pcie)
		fail("no PCI Express capability");
	if (!msix)
		fail("no MSI-X capability");
	/*
	 * The device configuration capability (type 4) is required only of
	 * devices that have a device configuration; virtio-rng has none.
	 */
	for (t = 1; t <= 5; t++)
		if (!seen[t] && t != VIRTIO_PCI_CAP_DEVICE_CFG)
			fail("no virtio capability of cfg_type %d", t);
	if (!seen[VIRTIO_PCI_CAP_DEVICE_CFG])
		printf("VIRTIO-CAP type=4 absent (no device configuration)\n");
	if (pcie && msix && ok && seen[1] && seen[2] && seen[3] && seen[5])
		printf("CAPS-OK\n");
}

static u32 cfg[1024];

static void read_4k(void)
{
	u32 sum = 0, ext_nonzero = 0;
	int i, bad = fail_count;

	for (i = 0; i < 1024; i++) {
		cfg[i] = pci_read32(BDF, 4 * i);
		sum = (sum << 1 | sum >> 31) ^ cfg[i];
		if (i >= 64 && cfg[i])
			ext_nonzero++;
	}
	if (cfg[0] == 0xffffffff)
		fail("dword 0x000 reads all-ones");
	if (cfg[0x100 / 4])
		fail("dword 0x100 reads %08x (want 0: no extended capabilities)%s",
		     cfg[0x100 / 4], cfg[0x100 / 4] == cfg[0] ? ", an alias of 0x000" : "");
	for (i = 64; i < 1024; i++)
		if (cfg[i] == 0xffffffff) {
			fail("ECAM dword 0x%03x reads all-ones", 4 * i);
			break;
		}
	/* Must be the same function's registers through the other window. */
	if (pci_ecam_read32(BDF, 0x1000) == cfg[0])
		fail("ECAM 00:01.1 aliases 00:01.0");
	if (fail_count == bad)
		printf("CFG4K-OK sum=%08x ext-nonzero=%u\n", sum, ext_nonzero);

	bad = fail_count;
	for (i = 0; i < 64; i++) {
		u32 v = pci_cf8_read32(BDF, 4 * i);

		if (v != cfg[i]) {
			fail("reg %02x: CF8 %08x, ECAM %08x", 4 * i, v, cfg[i]);
			break;
		}
	}
	if (fail_count == bad)
		printf("CF8-256-OK\n");
}

/* Write @v at @reg (width @len) through @m; the dword must not change. */
static void expect_ro(enum pci_mech m, u16 reg, u32 v, int len)
{
	u16 dw = reg & ~3;
	u32 before = pci_read32(BDF, dw), after;

	pci_write(m, BDF, reg, v, len);
	after = pci_read32(BDF, dw);
	if (after != before)
		fail("%s write %x to read-only reg %03x (len %d): dword %03x %08x -> %08x",
		     pci_mech_name[m], v, reg, len, dw, before, after);
}

static void write_checks(void)
{
	int bad = fail_count, m;
	u8 cap = pci_read8(BDF, PCI_CAPABILITY_LIST);
	u16 cmd, st;
	u8 il, pcie;
	u32 v;

	for (m = PCI_CF8; m <= PCI_ECAM; m++) {
		expect_ro(m, PCI_VENDOR_ID, 0x1234, 2);
		expect_ro(m, PCI_DEVICE_ID, 0x5678, 2);
		expect_ro(m, PCI_VENDOR_ID, 0x56781234, 4);
		expect_ro(m, PCI_CLASS_REVISION, 0xffffffff, 4);
		expect_ro(m, PCI_CLASS_REVISION + 1, 0x00, 1);
		expect_ro(m, PCI_CLASS_REVISION + 2, 0x0000, 2);
		expect_ro(m, PCI_HEADER_TYPE, 0x80, 1);
		expect_ro(m, PCI_SUBSYSTEM_VENDOR_ID, 0xffffffff, 4);
		expect_ro(m, PCI_CAPABILITY_LIST, 0xfc, 1);
		expect_ro(m, PCI_INTERRUPT_PIN, 0x00, 1);
		if (cap >= 0x40)
			expect_ro(m, cap, 0xffff, 2);	/* id, next */
	}
	expect_ro(PCI_ECAM, 0x100, 0xffffffff, 4);	/* extended: empty */
	expect_ro(PCI_ECAM, 0xffc, 0xffffffff, 4);
	if (fail_count == bad)
		printf("RO-OK\n");

	bad = fail_count;
	il = pci_read8(BDF, PCI_INTERRUPT_LINE);
	pci_cf8_write8(BDF, PCI_INTERRUPT_LINE, 0x5a);
	if ((v = pci_read8(BDF, PCI_INTERRUPT_LINE)) != 0x5a)
		fail("interrupt line via CF8: wrote 5a, read %02x", v);
	pci_ecam_write8(BDF, PCI_INTERRUPT_LINE, 0xa5);
	if ((v = pci_cf8_read8(BDF, PCI_INTERRUPT_LINE)) != 0xa5)
		fail("interrupt line via ECAM: wrote a5, read %02x", v);
	pci_write8(BDF, PCI_INTERRUPT_LINE, il);
	if (fail_count == bad)
		printf("RW-OK\n");

	/*
	 * Status: RO bits (capability list) survive any write; RW1C bits
	 * are clear on an idle device and writing ones keeps them clear;
	 * writing zeros clears nothing.  Same for the PCIe Device Status.
	 */
	bad = fail_count;
	cmd = pci_read16(BDF, PCI_COMMAND);
	st = pci_read16(BDF, PCI_STATUS);
	if (!(st & PCI_STATUS_CAP_LIST))
		fail("status %04x without the capability list bit", st);
	if (st & PCI_STATUS_RW1C)
		printf("status %04x has error bits set\n", st);
	pci_write16(BDF, PCI_STATUS, 0xffff);
	if ((v = pci_read16(BDF, PCI_STATUS)) != (st & ~PCI_STATUS_RW1C))
		fail("status after writing ffff: %04x (was %04x)", v, st);
	st = v;
	pci_write16(BDF, PCI_STATUS, 0x0000);
	if ((v = pci_read16(BDF, PCI_STATUS)) != st)
		fail("status after writing 0000: %04x (was %04x)", v, st);
	/* A dword write of command + status: command lands, status RW1C. */
	pci_write32(BDF, PCI_COMMAND, 0xffff0000 | cmd);
	if ((v = pci_read32(BDF, PCI_COMMAND)) != ((u32)st << 16 | cmd))
		fail("command/status after dword write: %08x, want %08x", v,
		     (u32)st << 16 | cmd);
	pcie = pci_find_cap(BDF, PCI_CAP_ID_EXP, 0);
	if (pcie) {
		u16 ds = pci_read16(BDF, pcie + 0x0a);	/* Device Status */

		pci_write16(BDF, pcie + 0x0a, 0xffff);
		if ((v = pci_read16(BDF, pcie + 0x0a)) != (ds & ~0x000f))
			fail("PCIe device status %04x -> %04x after writing ffff", ds, v);
		expect_ro(PCI_ECAM, pcie + 2, 0xffff, 2);	/* flags */
		expect_ro(PCI_ECAM, pcie + 4, 0xffffffff, 4);	/* devcap */
	}
	if (fail_count == bad)
		printf("RW1C-OK\n");

	/* A write crossing a dword boundary is dropped: word at 0x03 would
	 * set the command register's low byte. */
	bad = fail_count;
	pci_ecam_write16(BDF, 0x03, 0xffff);
	if ((v = pci_read16(BDF, PCI_COMMAND)) != cmd)
		fail("ECAM word write at 0x03 changed command %04x -> %04x", cmd, v);
	outl(PCI_CONFIG_ADDRESS, pci_cf8_addr(BDF, 0));
	outw(PCI_CONFIG_DATA + 3, 0xffff);
	if ((v = pci_read16(BDF, PCI_COMMAND)) != cmd)
		fail("CF8 word write at 0xcff changed command %04x -> %04x", cmd, v);
	pci_write16(BDF, PCI_COMMAND, cmd);
	if (fail_count == bad)
		printf("CROSS-WRITE-OK\n");
}

int main(void)
{
	u32 id = pci_read32(BDF, PCI_VENDOR_ID);

	if ((id & 0xffff) == 0xffff)
		fatal("no device at 00:01.0 (run with --rng)");
	printf("DEV 00:01.0 %04x:%04x status %04x\n", id & 0xffff, id >> 16,
	       pci_read16(BDF, PCI_STATUS));
	if (!(pci_read16(BDF, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		fail("status: no capability list");
	else
		walk_caps();
	read_4k();
	write_checks();
	printf("CAPS-DONE\n");
	return fail_count ? 1 : 0;
}
