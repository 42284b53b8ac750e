/*
 * virtio-rng: a minimal polled modern virtio driver for the entropy device
 * (1af4:1044, 00:01.0 with lkvm --rng): reset, ACKNOWLEDGE | DRIVER,
 * features (VIRTIO_F_VERSION_1 only), FEATURES_OK, queue 0 with 8 entries,
 * DRIVER_OK, then twice: post a 16-byte device-writable buffer, notify,
 * poll the used ring.  Interrupts stay off (MSI-X disabled, IF = 0).
 *
 * Memory (guest physical, in .bss below 0x70000): one 4 KiB-aligned page
 * with the descriptor table (16-aligned), the avail ring (2-aligned) and
 * the used ring (4-aligned); the buffers after it.
 *
 * Output (with lkvm's PCI and --rng):
 *   DEV 00:01.0 1af4:1044
 *   FEATURES device=<16 hex> driver=0000000100000000
 *   QUEUE 0 max=<n> size=8 notify_off=<n> notify=0x<addr> desc=.. avail=.. used=..
 *   DRIVER-OK status=0f
 *   RNG <32 hex digits> len=16
 *   RNG <32 hex digits> len=16
 *   RNG-OK
 * "FAIL <reason>" on any mismatch or timeout.
 */
#include "virtio-pci.h"

#define QSIZE		8
#define BUFLEN		16
#define POLL_SECONDS	3		/* RTC second changes before giving up */
#define POLL_LOOPS	50000000u	/* in case the RTC does not tick */

struct vring_avail {
	u16 flags, idx, ring[QSIZE], used_event;
};
struct vring_used {
	u16 flags, idx;
	struct vring_used_elem ring[QSIZE];
	u16 avail_event;
};

static struct {
	struct vring_desc desc[QSIZE];		/* 16 * QSIZE, at 0 */
	struct vring_avail avail;		/* 2-aligned */
	u8 pad[256 - sizeof(struct vring_avail)];
	struct vring_used used;			/* 4-aligned */
} ring __aligned(4096);

static u8 bufs[2][BUFLEN] __aligned(16);

static struct virtio_pci_dev vp;
static u32 common, notify_addr;
static u16 qsize, last_used;

static u8 status(void)
{
	return mmio_read8(common + VIRTIO_PCI_COMMON_STATUS);
}

static void set_status(u8 s)
{
	mmio_write8(common + VIRTIO_PCI_COMMON_STATUS, s);
}

static void setup(void)
{
	u32 f0, f1, i;
	u16 max, noff;
	u8 s;

	/* Reset, and wait (boundedly) for it to read back 0. */
	set_status(0);
	for (i = 0; i < 1000 && status(); i++)
		cpu_relax();
	if ((s = status()))
		fatal("status %02x after reset", s);
	set_status(VIRTIO_STATUS_ACKNOWLEDGE);
	set_status(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);

	mmio_write32(common + VIRTIO_PCI_COMMON_DFSELECT, 0);
	f0 = mmio_read32(common + VIRTIO_PCI_COMMON_DF);
	mmio_write32(common + VIRTIO_PCI_COMMON_DFSELECT, 1);
	f1 = mmio_read32(common + VIRTIO_PCI_COMMON_DF);
	if (!(f1 & (1u << (VIRTIO_F_VERSION_1 - 32))))
		fatal("device features %08x%08x: no VIRTIO_F_VERSION_1", f1, f0);
	mmio_write32(common + VIRTIO_PCI_COMMON_GFSELECT, 0);
	mmio_write32(common + VIRTIO_PCI_COMMON_GF, 0);
	mmio_write32(common + VIRTIO_PCI_COMMON_GFSELECT, 1);
	mmio_write32(common + VIRTIO_PCI_COMMON_GF,
		     1u << (VIRTIO_F_VERSION_1 - 32));
	printf("FEATURES device=%08x%08x driver=%08x%08x\n", f1, f0,
	       1u << (VIRTIO_F_VERSION_1 - 32), 0);
	set_status(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
		   VIRTIO_STATUS_FEATURES_OK);
	if (!((s = status()) & VIRTIO_STATUS_FEATURES_OK))
		fatal("FEATURES_OK did not stick: status %02x", s);

	if (mmio_read16(common + VIRTIO_PCI_COMMON_NUMQ) < 1)
		fatal("num_queues 0");
	mmio_write16(common + VIRTIO_PCI_COMMON_Q_SELECT, 0);
	max = mmio_read16(common + VIRTIO_PCI_COMMON_Q_SIZE);
	if (!max)
		fatal("queue 0: size 0 (not available)");
	if (mmio_read16(common + VIRTIO_PCI_COMMON_Q_ENABLE))
		fail("queue 0 enabled before the driver set it up");
	qsize = max < QSIZE ? max : QSIZE;
	if (qsize & (qsize - 1))
		fatal("queue size %u not a power of two", qsize);
	mmio_write16(common + VIRTIO_PCI_COMMON_Q_SIZE, qsize);
	mmio_write16(common + VIRTIO_PCI_COMMON_Q_MSIX, VIRTIO_MSI_NO_VECTOR);
	mmio_write16(common + VIRTIO_PCI_COMMON_MSIX, VIRTIO_MSI_NO_VECTOR);
	mmio_write32(common + VIRTIO_PCI_COMMON_Q_DESCLO, (u32)ring.desc);
	mmio_write32(common + VIRTIO_PCI_COMMON_Q_DESCHI, 0);
	mmio_write32(common + VIRTIO_PCI_COMMON_Q_AVAILLO, (u32)&ring.avail);
	mmio_write32(common + VIRTIO_PCI_COMMON_Q_AVAILHI, 0);
	mmio_write32(common + VIRTIO_PCI_COMMON_Q_USEDLO, (u32)&ring.used);
	mmio_write32(common + VIRTIO_PCI_COMMON_Q_USEDHI, 0);
	if (mmio_read32(common + VIRTIO_PCI_COMMON_Q_DESCLO) != (u32)ring.desc ||
	    mmio_read32(common + VIRTIO_PCI_COMMON_Q_USEDLO) != (u32)&ring.used)
		fail("queue addresses do not read back");
	noff = mmio_read16(common + VIRTIO_PCI_COMMON_Q_NOFF);
	notify_addr = vp.r[VIRTIO_PCI_CAP_NOTIFY_CFG].addr + noff * vp.notify_mult;
	if (vp.r[VIRTIO_PCI_CAP_NOTIFY_CFG].length < (u32)noff * vp.notify_mult + 2)
		fail("notify address outside the notify region (len 0x%x)",
		     vp.r[VIRTIO_PCI_CAP_NOTIFY_CFG].length);
	mmio_write16(common + VIRTIO_PCI_COMMON_Q_ENABLE, 1);
	if (mmio_read16(common + VIRTIO_PCI_COMMON_Q_ENABLE) != 1)
		fail("queue_enable does not read back 1");
	printf("QUEUE 0 max=%u size=%u notify_off=%u notify=0x%x desc=%p avail=%p used=%p\n",
	       max, qsize, noff, notify_addr, (void *)ring.desc,
	       (void *)&ring.avail, (void *)&ring.used);

	set_status(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
		   VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	s = status();
	printf("DRIVER-OK status=%02x\n", s);
	if (s & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED) ||
	    !(s & VIRTIO_STATUS_DRIVER_OK))
		fatal("device status %02x after DRIVER_OK", s);
}

/* Post @buf as descriptor @d, notify, poll.  Returns the used length. */
static int get_random(u16 d, u8 *buf)
{
	u16 ai = ring.avail.idx;
	struct vring_used_elem *e;
	u8 sec = rtc_seconds(), ticks = 0;
	u32 i;

	memset(buf, 0, BUFLEN);
	ring.desc[d].addr = (u32)buf;
	ring.desc[d].len = BUFLEN;
	ring.desc[d].flags = VRING_DESC_F_WRITE;
	ring.desc[d].next = 0;
	ring.avail.ring[ai % qsize] = d;
	barrier();		/* descriptor and ring entry before idx */
	ring.avail.idx = ai + 1;
	mb();			/* idx before the notify (and the used read) */
	mmio_write16(notify_addr, 0);

	for (i = 0; i < POLL_LOOPS; i++) {
		if (*(volatile u16 *)&ring.used.idx != last_used)
			break;
		cpu_relax();
		if ((i & 1023) == 1023 && rtc_seconds() != sec) {
			sec = rtc_seconds();
			if (++ticks == POLL_SECONDS)
				break;
		}
	}
	if (*(volatile u16 *)&ring.used.idx == last_used) {
		fail("timeout: used idx still %u after %u polls (isr %02x)",
		     last_used, i, mmio_read8(vp.r[VIRTIO_PCI_CAP_ISR_CFG].addr));
		return -1;
	}
	barrier();
	e = &ring.used.ring[last_used % qsize];
	last_used++;
	if (ring.used.idx != last_used)
		fail("used idx %u, want %u", ring.used.idx, last_used);
	if (e->id != d)
		fail("used id %u, want %u", e->id, d);
	if (e->len == 0 || e->len > BUFLEN)
		fail("used len %u", e->len);
	return e->len;
}

int main(void)
{
	int bdf = pci_find_device(VIRTIO_PCI_VENDOR,
				  VIRTIO_PCI_MODERN_BASE + VIRTIO_ID_RNG), k, n;
	u16 cmd;

	if (bdf < 0)
		fatal("no virtio-rng device 1af4:%04x on bus 0 (run with --rng)",
		      VIRTIO_PCI_MODERN_BASE + VIRTIO_ID_RNG);
	printf("DEV %02x:%02x.%x 1af4:%04x\n", PCI_BUS(bdf), PCI_DEV(bdf),
	       PCI_FN(bdf), pci_read16(bdf, PCI_DEVICE_ID));
	cmd = pci_read16(bdf, PCI_COMMAND);
	pci_write16(bdf, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY |
		    PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
	if (!virtio_pci_probe(bdf, &vp))
		exit(1);
	common = vp.r[VIRTIO_PCI_CAP_COMMON_CFG].addr;
	setup();

	for (k = 0; k < 2; k++) {
		if ((n = get_random(k, bufs[k])) < 0)
			break;
		printf("RNG ");
		for (int i = 0; i < BUFLEN; i++)
			printf("%02x", bufs[k][i]);
		printf(" len=%d\n", n);
		if (n == BUFLEN && !memcmp(bufs[k], (u8[BUFLEN]){ 0 }, BUFLEN))
			fail("16 random bytes all zero");
	}
	if (k == 2 && !memcmp(bufs[0], bufs[1], BUFLEN))
		fail("the two buffers are the same");
	set_status(0);		/* reset: the device lets go of the ring */
	if (!fail_count)
		printf("RNG-OK\n");
	return fail_count ? 1 : 0;
}
