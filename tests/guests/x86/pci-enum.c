/*
 * pci-enum: scan all 256 functions of bus 0 through mechanism #1 (CF8/CFC)
 * and through ECAM, compare, and check what empty slots, bus 1 and
 * partial or boundary-crossing accesses read.
 *
 * Output (with lkvm's PCI and --rng):
 *   CF8 00:00.0 1b36:0008 class 060000 rev 00 hdr 00
 *   CF8 00:01.0 1af4:1044 class 00ff00 rev 01 hdr 00
 *   ECAM 00:00.0 ... (the same functions)
 *   ENUM-MATCH functions=2
 *   HDR-MATCH                  first 64 bytes equal through both mechanisms
 *   EMPTY-OK 00:02.0           an empty slot reads all-ones both ways
 *   BUS1-OK                    01:00.0 (and bus 255 via ECAM) read all-ones
 *   CF8-READBACK-OK            0xCF8 reads back what was written
 *   CF8-PARTIAL-OK             byte/word reads at 0xCFC-0xCFF
 *   CROSS-OK                   dword-crossing accesses read all-ones
 *   CF8-DISABLED <hex>         (information: CFC read with bit 31 clear)
 *   CF8-LOWBITS <hex>          (information: CFC dword with CF8 bits 1:0 set)
 *   HOST-BRIDGE 1b36:0008 class 060000 no BARs
 *   ENUM-DONE
 * Without any PCI emulation everything reads all-ones: "NO-PCI ..." instead
 * of the function lines, then the empty-slot and bus checks, ENUM-DONE.
 * Any mismatch prints "FAIL <reason>".
 */
#include "pci.h"

struct fn {
	u16 bdf;
	u32 id, class_rev;
	u8 hdr;
};

static struct fn found[2][32];
static int nfound[2];

static void scan(enum pci_mech m)
{
	int devfn;

	for (devfn = 0; devfn < 256; devfn++) {
		u16 bdf = PCI_BDF(0, devfn >> 3, devfn & 7);
		u32 id = pci_read(m, bdf, PCI_VENDOR_ID, 4);
		struct fn *f;

		if ((id & 0xffff) == 0xffff) {
			if (id != 0xffffffff)
				fail("%s %02x:%02x.%x: vendor ffff but id %08x",
				     pci_mech_name[m], 0, devfn >> 3, devfn & 7, id);
			continue;
		}
		if (nfound[m] == (int)ARRAY_SIZE(found[m])) {
			fail("%s: more than %d functions", pci_mech_name[m],
			     nfound[m]);
			return;
		}
		f = &found[m][nfound[m]++];
		f->bdf = bdf;
		f->id = id;
		f->class_rev = pci_read(m, bdf, PCI_CLASS_REVISION, 4);
		f->hdr = pci_read(m, bdf, PCI_HEADER_TYPE, 1);
		printf("%s 00:%02x.%x %04x:%04x class %06x rev %02x hdr %02x\n",
		       pci_mech_name[m], PCI_DEV(bdf), PCI_FN(bdf), id & 0xffff,
		       id >> 16, f->class_rev >> 8, f->class_rev & 0xff, f->hdr);
	}
}

/* Every width at a few offsets reads all-ones through mechanism @m. */
static bool all_ones(enum pci_mech m, u16 bdf, bool ext)
{
	static const u16 regs[] = { 0x00, 0x04, 0x08, 0x0c, 0x10, 0x3c, 0x100, 0xffc };
	unsigned i;
	bool ok = true;

	for (i = 0; i < ARRAY_SIZE(regs); i++) {
		u16 r = regs[i];
		u32 v8, v16, v32;

		if (r >= 0x100 && !ext)
			break;
		v32 = pci_read(m, bdf, r, 4);
		v16 = pci_read(m, bdf, r + 2, 2);
		v8 = pci_read(m, bdf, r + 1, 1);
		if (v32 != 0xffffffff || v16 != 0xffff || v8 != 0xff) {
			fail("%s %02x:%02x.%x reg %03x: %08x/%04x/%02x, want all-ones",
			     pci_mech_name[m], PCI_BUS(bdf), PCI_DEV(bdf),
			     PCI_FN(bdf), r, v32, v16, v8);
			ok = false;
		}
	}
	return ok;
}

static void check_absent(const char *what, u16 bdf)
{
	bool ok;

	/* A write must not bring anything to life. */
	pci_cf8_write16(bdf, PCI_COMMAND, PCI_COMMAND_MEMORY);
	pci_ecam_write16(bdf, PCI_COMMAND, PCI_COMMAND_MEMORY);
	ok = all_ones(PCI_CF8, bdf, false);
	ok &= all_ones(PCI_ECAM, bdf, true);
	if (ok)
		printf("%s-OK %02x:%02x.%x\n", what, PCI_BUS(bdf), PCI_DEV(bdf),
		       PCI_FN(bdf));
}

/* Checks on a function that exists, through CF8 (and ECAM for crossing). */
static void check_partial(u16 bdf)
{
	u32 id = pci_ecam_read32(bdf, PCI_VENDOR_ID);
	u32 cr = pci_ecam_read32(bdf, PCI_CLASS_REVISION);
	u32 addr = pci_cf8_addr(bdf, PCI_VENDOR_ID), v;
	int bad = fail_count, i;

	/* 0xCF8 holds what was written (Linux's pci_check_type1 relies on it). */
	outl(PCI_CONFIG_ADDRESS, addr);
	v = inl(PCI_CONFIG_ADDRESS);
	if (v != addr)
		fail("CF8 reads back %08x after writing %08x", v, addr);
	outl(PCI_CONFIG_ADDRESS, PCI_CF8_ENABLE);
	v = inl(PCI_CONFIG_ADDRESS);
	if (v != PCI_CF8_ENABLE)
		fail("CF8 reads back %08x after writing %08x", v, PCI_CF8_ENABLE);
	if (fail_count == bad)
		printf("CF8-READBACK-OK\n");

	/* One address latch, several data port offsets and widths. */
	bad = fail_count;
	outl(PCI_CONFIG_ADDRESS, addr);
	if ((v = inl(PCI_CONFIG_DATA)) != id)
		fail("CFC dword %08x, ECAM %08x", v, id);
	for (i = 0; i < 4; i++)
		if ((v = inb(PCI_CONFIG_DATA + i)) != ((id >> (8 * i)) & 0xff))
			fail("byte at 0x%x: %02x, want %02x", PCI_CONFIG_DATA + i,
			     v, (id >> (8 * i)) & 0xff);
	for (i = 0; i < 3; i++)
		if ((v = inw(PCI_CONFIG_DATA + i)) != ((id >> (8 * i)) & 0xffff))
			fail("word at 0x%x: %04x, want %04x", PCI_CONFIG_DATA + i,
			     v, (id >> (8 * i)) & 0xffff);
	/* The latch stays: a second register through the same ports. */
	outl(PCI_CONFIG_ADDRESS, pci_cf8_addr(bdf, PCI_CLASS_REVISION));
	if ((v = inb(PCI_CONFIG_DATA + 3)) != cr >> 24)
		fail("class byte at 0xcff: %02x, want %02x", v, cr >> 24);
	if ((v = inw(PCI_CONFIG_DATA + 2)) != cr >> 16)
		fail("class word at 0xcfe: %04x, want %04x", v, cr >> 16);
	if ((v = pci_ecam_read16(bdf, 1)) != ((id >> 8) & 0xffff))
		fail("ECAM word at offset 1: %04x, want %04x", v, (id >> 8) & 0xffff);
	if ((v = pci_ecam_read8(bdf, 3)) != id >> 24)
		fail("ECAM byte at offset 3: %02x, want %02x", v, id >> 24);
	if (fail_count == bad)
		printf("CF8-PARTIAL-OK\n");

	/* Accesses crossing a dword boundary read all-ones. */
	bad = fail_count;
	outl(PCI_CONFIG_ADDRESS, addr);
	if ((v = inw(PCI_CONFIG_DATA + 3)) != 0xffff)
		fail("CF8 word at 0xcff (crosses a dword): %04x", v);
	if ((v = inl(PCI_CONFIG_DATA + 2)) != 0xffffffff)
		fail("CF8 dword at 0xcfe (crosses a dword): %08x", v);
	if ((v = pci_ecam_read16(bdf, 3)) != 0xffff)
		fail("ECAM word at offset 3 (crosses a dword): %04x", v);
	if ((v = pci_ecam_read32(bdf, 2)) != 0xffffffff)
		fail("ECAM dword at offset 2 (crosses a dword): %08x", v);
	if ((v = pci_ecam_read32(bdf, 1)) != 0xffffffff)
		fail("ECAM dword at offset 1 (crosses a dword): %08x", v);
	if (fail_count == bad)
		printf("CROSS-OK\n");

	/* Not specified: print for information only. */
	outl(PCI_CONFIG_ADDRESS, addr & ~PCI_CF8_ENABLE);
	printf("CF8-DISABLED %08x\n", inl(PCI_CONFIG_DATA));
	outl(PCI_CONFIG_ADDRESS, pci_cf8_addr(bdf, PCI_CLASS_REVISION) | 2);
	printf("CF8-LOWBITS %08x (aligned %08x)\n", inl(PCI_CONFIG_DATA), cr);
}

/* 00:00.0: lkvm's host bridge has no BARs. */
static void check_host_bridge(void)
{
	u16 bdf = PCI_BDF(0, 0, 0);
	u32 id = pci_read32(bdf, PCI_VENDOR_ID);
	u32 cr = pci_read32(bdf, PCI_CLASS_REVISION);
	int n, bad = fail_count;

	if ((id & 0xffff) == 0xffff) {
		fail("no function at 00:00.0");
		return;
	}
	for (n = 0; n < 6; n++) {
		struct pci_bar b;

		pci_bar_probe(bdf, n, &b, true);
		if (b.kind != BAR_NONE)
			fail("00:00.0 BAR%d: %s size 0x%llx", n,
			     pci_bar_kind_name[b.kind], b.size);
	}
	if (fail_count == bad)
		printf("HOST-BRIDGE %04x:%04x class %06x no BARs\n", id & 0xffff,
		       id >> 16, cr >> 8);
}

int main(void)
{
	int i, empty = -1;

	scan(PCI_CF8);
	scan(PCI_ECAM);

	if (!nfound[PCI_CF8] && !nfound[PCI_ECAM]) {
		printf("NO-PCI nothing responds on bus 0 (CF8 or ECAM)\n");
	} else if (nfound[PCI_CF8] != nfound[PCI_ECAM] ||
		   memcmp(found[PCI_CF8], found[PCI_ECAM],
			  nfound[PCI_CF8] * sizeof(struct fn))) {
		fail("CF8 found %d functions, ECAM %d, or they differ",
		     nfound[PCI_CF8], nfound[PCI_ECAM]);
	} else {
		int bad = fail_count;

		printf("ENUM-MATCH functions=%d\n", nfound[PCI_CF8]);
		for (i = 0; i < nfound[PCI_CF8]; i++) {
			u16 bdf = found[PCI_CF8][i].bdf, r;

			for (r = 0; r < 64; r += 4) {
				u32 a = pci_cf8_read32(bdf, r);
				u32 b = pci_ecam_read32(bdf, r);

				if (a != b)
					fail("00:%02x.%x reg %02x: CF8 %08x ECAM %08x",
					     PCI_DEV(bdf), PCI_FN(bdf), r, a, b);
			}
		}
		if (fail_count == bad)
			printf("HDR-MATCH\n");
	}

	/* The first slot with no function 0. */
	for (i = 0; i < 32 && empty < 0; i++) {
		int j;

		empty = i;
		for (j = 0; j < nfound[PCI_ECAM]; j++)
			if (PCI_DEV(found[PCI_ECAM][j].bdf) == i)
				empty = -1;
	}
	if (empty < 0)
		fail("no empty slot on bus 0");
	else
		check_absent("EMPTY", PCI_BDF(0, empty, 0));
	{
		int bad = fail_count;

		check_absent("BUS1", PCI_BDF(1, 0, 0));
		if (!all_ones(PCI_ECAM, PCI_BDF(255, 31, 7), true))
			fail("bus 255 answers through ECAM");
		if (fail_count != bad)
			fail("bus 1 or 255 answers");
	}

	if (nfound[PCI_CF8] && nfound[PCI_ECAM]) {
		check_partial(found[PCI_ECAM][0].bdf);
		check_host_bridge();
	}

	printf("ENUM-DONE\n");
	return fail_count ? 1 : 0;
}
