/*
 * pci-bar: the BARs of the virtio device at 00:01.0: sizing (with decode
 * off, as Linux does, and again with decode on), then moving the BAR that
 * holds the virtio registers and turning decode off and on.
 *
 * Modern virtio (default): the registers are found through the common
 * config capability (BAR2, 64-bit, in lkvm) and the check reads
 * num_queues there.  Legacy (--virtio-legacy): BAR0 is an I/O BAR and the
 * check reads the legacy queue size register (offset 12).
 *
 * Output (with lkvm's PCI and --rng):
 *   DEV 00:01.0 1af4:1044 modern cmd 0002
 *   BAR0 kind=none
 *   BAR1 kind=mem32 size=0x1000 addr=0xc0000000
 *   BAR2 kind=mem64 size=0x4000 addr=0xc0004000      (BAR3: its upper half)
 *   BAR4 kind=none
 *   BAR5 kind=none
 *   ASSIGN-OK                      in the window, aligned, no overlaps
 *   SIZE-LIVE-OK                   sizing with decode on gives the same
 *   REGS bar=2 off=0x0 addr=0x... num_queues=1
 *   MOVE-OK old=0x... new=0x...    new answers, old reads all-ones
 *   DECODE-OK                      MEM off: nothing answers; on: new answers
 *   RESTORE-OK                     moved back, answers at the old address
 *   MSIX-TABLE-OK                  table entries masked at reset, writable
 *   BAR-DONE
 * "FAIL <reason>" on any mismatch.
 */
#include "pci.h"
#include "virtio-pci.h"

#define BDF	PCI_BDF(0, 1, 0)

static struct pci_bar bars[6];

/* Every BAR of every function on bus 0, to find a free place. */
struct range {
	u64 start, size;
	bool io;
};
static struct range used[64];
static int nused;

static void collect_ranges(void)
{
	int bdf = -1;

	while (pci_next_fn(0, &bdf)) {
		int n = 0;

		while (n < 6) {
			struct pci_bar b;
			int k = pci_bar_probe(bdf, n, &b, true);

			if (b.kind != BAR_NONE && nused < (int)ARRAY_SIZE(used)) {
				used[nused].start = b.addr;
				used[nused].size = b.size;
				used[nused].io = b.kind == BAR_IO;
				nused++;
			}
			n += k;
		}
	}
}

static bool overlaps(u64 start, u64 size, bool io, int skip)
{
	int i;

	for (i = 0; i < nused; i++)
		if (i != skip && used[i].io == io &&
		    start < used[i].start + used[i].size &&
		    used[i].start < start + size)
			return true;
	return false;
}

static u16 rd16(bool io, u32 a)
{
	return io ? inw(a) : mmio_read16(a);
}

static u32 rd32(bool io, u32 a)
{
	return io ? inl(a) : mmio_read32(a);
}

static void size_bars(void)
{
	int n = 0, bad = fail_count, i;
	u32 before[6], after[6];

	for (i = 0; i < 6; i++)
		before[i] = pci_read32(BDF, PCI_BASE_ADDRESS_0 + 4 * i);
	while (n < 6) {
		struct pci_bar *b = &bars[n];
		int k = pci_bar_probe(BDF, n, b, true);

		if (b->kind == BAR_NONE) {
			printf("BAR%d kind=none\n", n);
		} else {
			printf("BAR%d kind=%s size=0x%llx addr=0x%llx%s\n", n,
			       pci_bar_kind_name[b->kind], b->size, b->addr,
			       b->prefetch ? " prefetchable" : "");
			if (b->size & (b->size - 1))
				fail("BAR%d size 0x%llx not a power of two", n, b->size);
			if (b->addr & (b->size - 1))
				fail("BAR%d address 0x%llx not aligned to its size", n,
				     b->addr);
			if (b->kind != BAR_IO &&
			    (b->addr < PCI_MMIO32_BASE ||
			     b->addr + b->size > PCI_MMIO32_END))
				fail("BAR%d at 0x%llx: outside 0xc0000000-0xdfffffff",
				     n, b->addr);
			if (b->kind == BAR_IO &&
			    (b->addr < 0x1000 || b->addr + b->size > 0x10000))
				fail("BAR%d: I/O at 0x%llx", n, b->addr);
		}
		n += k;
	}
	for (i = 0; i < 6; i++)
		if ((after[i] = pci_read32(BDF, PCI_BASE_ADDRESS_0 + 4 * i)) !=
		    before[i])
			fail("BAR%d %08x after sizing, was %08x", i, after[i],
			     before[i]);
	collect_ranges();
	for (i = 0; i < nused; i++)
		if (used[i].size && overlaps(used[i].start, used[i].size,
					     used[i].io, i))
			fail("BAR at 0x%llx (size 0x%llx) overlaps another",
			     used[i].start, used[i].size);
	if (fail_count == bad)
		printf("ASSIGN-OK\n");

	/* Sizing while decoding: same answers, same BARs afterwards. */
	bad = fail_count;
	for (n = 0; n < 6;) {
		struct pci_bar b;
		int k = pci_bar_probe(BDF, n, &b, false);

		if (b.kind != bars[n].kind || b.size != bars[n].size ||
		    b.addr != bars[n].addr)
			fail("BAR%d sized with decode on: %s 0x%llx at 0x%llx", n,
			     pci_bar_kind_name[b.kind], b.size, b.addr);
		n += k;
	}
	for (i = 0; i < 6; i++)
		if (pci_read32(BDF, PCI_BASE_ADDRESS_0 + 4 * i) != before[i])
			fail("BAR%d changed by sizing with decode on", i);
	if (fail_count == bad)
		printf("SIZE-LIVE-OK\n");
}

/* The BAR with the device's registers and a 16-bit register in it. */
static int regs_bar;
static u32 regs_off;
static bool modern, io;
static u16 sig;

static bool answers(u32 base, const char *where)
{
	u16 v = rd16(io, base + regs_off);

	if (v != sig) {
		fail("%s 0x%x: register reads %04x, want %04x", where,
		     base + regs_off, v, sig);
		return false;
	}
	return true;
}

static bool silent(u32 base, const char *where)
{
	u32 v32 = rd32(io, base + (regs_off & ~3u));
	u16 v16 = rd16(io, base + regs_off);

	if (v32 != 0xffffffff || v16 != 0xffff) {
		fail("%s 0x%x still answers: %08x/%04x", where, base + regs_off,
		     v32, v16);
		return false;
	}
	return true;
}

static void move_bar(void)
{
	struct pci_bar *b = &bars[regs_bar];
	u32 old = (u32)b->addr, new = 0, bit = io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY;
	u64 c, lo = io ? PCI_IO_BASE : PCI_MMIO32_BASE;
	u16 cmd = pci_read16(BDF, PCI_COMMAND);
	int bad = fail_count;

	for (c = (io ? PCI_IO_END : PCI_MMIO32_END) - b->size; c >= lo; c -= b->size)
		if (c != old && !overlaps(c, b->size, io, -1)) {
			new = (u32)c;
			break;
		}
	if (!new) {
		fail("no free place to move BAR%d to", regs_bar);
		return;
	}
	if (!(cmd & bit))
		fail("command %04x: decode of BAR%d not enabled by lkvm", cmd,
		     regs_bar);

	pci_bar_set(BDF, regs_bar, new);
	if (pci_bar_addr(BDF, regs_bar) != new)
		fail("BAR%d reads 0x%llx after writing 0x%x", regs_bar,
		     pci_bar_addr(BDF, regs_bar), new);
	answers(new, "new address");
	silent(old, "old address");
	if (modern) {
		/* Writes reach the device at the new address only. */
		u32 common = new + regs_off - VIRTIO_PCI_COMMON_NUMQ, f;

		mmio_write32(common + VIRTIO_PCI_COMMON_DFSELECT, 1);
		mmio_write32(old + regs_off - VIRTIO_PCI_COMMON_NUMQ +
			     VIRTIO_PCI_COMMON_DFSELECT, 0);
		f = mmio_read32(common + VIRTIO_PCI_COMMON_DF);
		if (mmio_read32(common + VIRTIO_PCI_COMMON_DFSELECT) != 1)
			fail("device_feature_select: write at the old address landed");
		else if (!(f & (1u << (VIRTIO_F_VERSION_1 - 32))))
			fail("device_feature[1] %08x: no VIRTIO_F_VERSION_1", f);
		mmio_write32(common + VIRTIO_PCI_COMMON_DFSELECT, 0);
	}
	if (fail_count == bad)
		printf("MOVE-OK old=0x%x new=0x%x\n", old, new);

	bad = fail_count;
	pci_write16(BDF, PCI_COMMAND, cmd & ~bit);
	silent(new, "decode off: new address");
	silent(old, "decode off: old address");
	pci_write16(BDF, PCI_COMMAND, cmd | bit);
	answers(new, "decode on again: new address");
	silent(old, "decode on again: old address");
	if (fail_count == bad)
		printf("DECODE-OK\n");

	bad = fail_count;
	pci_bar_set(BDF, regs_bar, old);
	answers(old, "moved back: old address");
	silent(new, "moved back: new address");
	pci_write16(BDF, PCI_COMMAND, cmd);
	if (fail_count == bad)
		printf("RESTORE-OK\n");
}

static void check_msix_table(void)
{
	u8 cap = pci_find_cap(BDF, PCI_CAP_ID_MSIX, 0);
	u32 table, pba, base, n, i, v;
	int bad = fail_count;

	if (!cap)
		return;
	n = (pci_read16(BDF, cap + 2) & 0x7ff) + 1;
	table = pci_read32(BDF, cap + 4);
	pba = pci_read32(BDF, cap + 8);
	if (bars[table & 7].kind == BAR_NONE || bars[table & 7].kind == BAR_IO) {
		fail("MSI-X table in BAR%u (%s)", table & 7,
		     pci_bar_kind_name[bars[table & 7].kind]);
		return;
	}
	base = (u32)pci_bar_addr(BDF, table & 7) + (table & ~7u);
	for (i = 0; i < n; i++)
		if (!((v = mmio_read32(base + 16 * i + 12)) & 1))
			fail("MSI-X entry %u vector control %08x: not masked", i, v);
	mmio_write32(base + 8, 0x4321);
	if ((v = mmio_read32(base + 8)) != 0x4321)
		fail("MSI-X entry 0 data: wrote 4321, read %x", v);
	mmio_write32(base + 8, 0);
	if (bars[pba & 7].kind == BAR_MEM32 || bars[pba & 7].kind == BAR_MEM64) {
		v = mmio_read32((u32)pci_bar_addr(BDF, pba & 7) + (pba & ~7u));
		if (v)
			fail("MSI-X PBA %08x: pending bits at reset", v);
	}
	if (fail_count == bad)
		printf("MSIX-TABLE-OK vectors=%u\n", n);
}

int main(void)
{
	u32 id = pci_read32(BDF, PCI_VENDOR_ID);
	u16 dev = id >> 16;

	if ((id & 0xffff) == 0xffff)
		fatal("no device at 00:01.0 (run with --rng)");
	modern = dev >= VIRTIO_PCI_MODERN_BASE;
	printf("DEV 00:01.0 %04x:%04x %s cmd %04x\n", id & 0xffff, dev,
	       modern ? "modern" : "legacy", pci_read16(BDF, PCI_COMMAND));
	size_bars();

	if (modern) {
		struct virtio_pci_dev vp;
		struct virtio_pci_region *r;

		if (!virtio_pci_probe(BDF, &vp))
			exit(1);
		r = &vp.r[VIRTIO_PCI_CAP_COMMON_CFG];
		regs_bar = r->bar;
		regs_off = r->offset + VIRTIO_PCI_COMMON_NUMQ;
	} else {
		regs_bar = 0;
		regs_off = 12;		/* VIRTIO_PCI_QUEUE_NUM */
	}
	if (bars[regs_bar].kind == BAR_NONE)
		fatal("registers in BAR%d, which is not implemented", regs_bar);
	io = bars[regs_bar].kind == BAR_IO;
	if (bars[regs_bar].addr >> 32)
		fatal("BAR%d above 4 GiB", regs_bar);
	sig = rd16(io, (u32)bars[regs_bar].addr + regs_off);
	printf("REGS bar=%d off=0x%x addr=0x%llx %s=%u\n", regs_bar, regs_off,
	       bars[regs_bar].addr, modern ? "num_queues" : "queue_num", sig);
	if (sig == 0xffff || sig == 0)
		fail("register reads %04x", sig);
	else
		move_bar();
	check_msix_table();
	printf("BAR-DONE\n");
	return fail_count ? 1 : 0;
}
