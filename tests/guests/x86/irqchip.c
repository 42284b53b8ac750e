/*
 * Interrupts through the x86 interrupt controllers, whichever lkvm uses
 * (its own PICs, IOAPIC and PIT with the split irqchip, or KVM's with
 * --irqchip kernel):
 *
 *  1. the PIT's channel 0 (mode 2, 10 ms) through the master 8259 to the
 *     local APIC's LINT0 as ExtINT, polled and then woken from HLT;
 *  2. the same IRQ 0 through IOAPIC pin 0 (edge), LINT0 masked;
 *  3. channel 2 as Linux's TSC calibration drives it: gate and OUT through
 *     port 0x61;
 *  4. with --rng: virtio-rng's INTA# through its level-triggered IOAPIC
 *     pin.  The handler EOIs without reading the ISR the first time, so
 *     the still-high line must be delivered again after the EOI (remote
 *     IRR); the second time it reads the ISR (lowering the line) first.
 *
 * Output: "PIC-PIT ticks>=5 hlt=3", "IOAPIC-PIT ticks>=5", "PIT-CH2 ok"
 * (or "PIT none" without a PIT), with --rng "INTX pin=P irqs=N" (4, one
 * more with KVM's resampling irqfds), then "IRQ-OK"; "FAIL <reason>" on a
 * failure.
 */
#include "virtio-pci.h"

#define LAPIC		0xfee00000u
#define LAPIC_EOI	(LAPIC + 0xb0)
#define LAPIC_SVR	(LAPIC + 0xf0)
#define LAPIC_LVT0	(LAPIC + 0x350)
#define IOAPIC		0xfec00000u

#define VEC_PIC		0x20	/* master base; IRQ 0 */
#define VEC_PIT		0x40	/* IOAPIC pin 0 */
#define VEC_INTX	0x41
#define VEC_SPURIOUS	0xff

#define QSIZE		8
#define WAIT_SECONDS	3

struct idt_gate {
	u16 off_lo, sel;
	u8 zero, type;
	u16 off_hi;
} __attribute__((packed));

static struct idt_gate idt[256] __aligned(8);
static volatile int pic_ticks, ioapic_ticks, intx_irqs, spurious, stray;
static u32 isr_addr;

/*
 * Handlers: interrupt gates (IF clear inside).  They return without IRET,
 * which KVM's instruction emulator cannot do in protected mode (and hosts
 * that emulate privileged guest code, like this repository's test host,
 * need it).  Interrupts are only enabled where IF was 1, so the stub
 * restores EFLAGS with POPF, sets IF and returns (STI's shadow covers the
 * RET): [EIP, CS, EFLAGS] becomes [EFLAGS, EIP].
 */
#define STUB(name, fn)							\
	void name(void);						\
	asm(".text\n.globl " #name "\n" #name ":\n"			\
	    "pushal\n"							\
	    "call " #fn "\n"						\
	    "popal\n"							\
	    "push %eax\n"						\
	    "mov 4(%esp), %eax\n"	/* EIP */			\
	    "xchg %eax, 12(%esp)\n"	/* EIP to the top slot */	\
	    "mov %eax, 8(%esp)\n"	/* EFLAGS below it */		\
	    "pop %eax\n"						\
	    "add $4, %esp\n"						\
	    "popf\n"							\
	    "sti\n"							\
	    "ret\n")

void c_pic(void);
void c_pic(void)
{
	pic_ticks++;
	outb(0x20, 0x20);		/* non-specific EOI */
}

void c_pit(void);
void c_pit(void)
{
	ioapic_ticks++;
	mmio_write32(LAPIC_EOI, 0);
}

void c_intx(void);
void c_intx(void)
{
	/* Every second time, quiet the device before the EOI. */
	if (++intx_irqs % 2 == 0)
		mmio_read8(isr_addr);
	mmio_write32(LAPIC_EOI, 0);
}

void c_spurious(void);
void c_spurious(void)
{
	spurious++;
}

void c_stray(void);
void c_stray(void)
{
	stray++;
	mmio_write32(LAPIC_EOI, 0);
	outb(0x20, 0x20);
}

STUB(h_pic, c_pic);
STUB(h_pit, c_pit);
STUB(h_intx, c_intx);
STUB(h_spurious, c_spurious);
STUB(h_stray, c_stray);

static void set_gate(int v, void (*h)(void))
{
	u32 a = (u32)h;

	idt[v] = (struct idt_gate) { (u16)a, 0x08, 0, 0x8e, (u16)(a >> 16) };
}

/* Keep the runtime's exception gates, add ours. */
static void idt_setup(void)
{
	struct {
		u16 limit;
		u32 base;
	} __attribute__((packed)) d;
	int v;

	asm volatile("sidt %0" : "=m"(d));
	memcpy(idt, (void *)d.base, 32 * sizeof(idt[0]));
	for (v = 32; v < 256; v++)
		set_gate(v, h_stray);
	set_gate(VEC_PIC, h_pic);
	set_gate(VEC_PIT, h_pit);
	set_gate(VEC_INTX, h_intx);
	set_gate(VEC_SPURIOUS, h_spurious);
	d.limit = sizeof(idt) - 1;
	d.base = (u32)idt;
	asm volatile("lidt %0" :: "m"(d));
}

/* Spin (interrupts as they are) until *@cnt >= @n or a few seconds. */
static bool wait_for(volatile int *cnt, int n)
{
	u8 sec = rtc_seconds(), ticks = 0;
	u32 i;

	for (i = 0; *cnt < n; i++) {
		cpu_relax();
		if ((i & 4095) == 4095 && rtc_seconds() != sec) {
			sec = rtc_seconds();
			if (++ticks == WAIT_SECONDS)
				return false;
		}
	}
	return true;
}

static void ioapic_write(u32 reg, u32 v)
{
	mmio_write32(IOAPIC, reg);
	mmio_write32(IOAPIC + 0x10, v);
}

static void ioapic_rte(int pin, u32 lo)
{
	ioapic_write(0x11 + 2 * pin, 0);	/* destination: APIC ID 0 */
	ioapic_write(0x10 + 2 * pin, lo);
}

static void pit_periodic(u16 count)
{
	outb(0x43, 0x34);		/* channel 0, LSB then MSB, mode 2 */
	outb(0x40, count & 0xff);
	outb(0x40, count >> 8);
}

static void test_pic(void)
{
	int i, t;

	/* Linux's init_8259A, vectors 0x20 and 0x28. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	outb(0x20, 0x11);
	outb(0x21, VEC_PIC);
	outb(0x21, 0x04);
	outb(0x21, 0x01);
	outb(0xa0, 0x11);
	outb(0xa1, VEC_PIC + 8);
	outb(0xa1, 0x02);
	outb(0xa1, 0x01);
	outb(0xa1, 0xff);
	outb(0x21, 0xfe);		/* IRQ 0 only */
	if (inb(0x21) != 0xfe)
		fail("PIC mask reads back %02x", inb(0x21));
	/* Virtual wire: the PIC's INT through LINT0 as ExtINT. */
	mmio_write32(LAPIC_LVT0, 0x700);
	pit_periodic(11932);		/* 10 ms */
	asm volatile("sti");
	if (!wait_for(&pic_ticks, 5))
		fail("PIC: %d PIT ticks in %d s", pic_ticks, WAIT_SECONDS);
	/* Idle in HLT: the tick must wake the vCPU. */
	t = pic_ticks;
	for (i = 0; i < 3; i++)
		asm volatile("hlt");
	asm volatile("cli");
	printf("PIC-PIT ticks%s5 hlt=%d\n", pic_ticks >= 5 ? ">=" : "<",
	       pic_ticks - t >= 3 ? 3 : pic_ticks - t);
	outb(0x21, 0xff);
	mmio_write32(LAPIC_LVT0, 0x10700);	/* masked */
}

static void test_ioapic_edge(void)
{
	ioapic_rte(0, VEC_PIT);		/* edge, high, fixed, unmasked */
	asm volatile("sti");
	if (!wait_for(&ioapic_ticks, 5))
		fail("IOAPIC: %d PIT ticks in %d s", ioapic_ticks, WAIT_SECONDS);
	asm volatile("cli");
	ioapic_rte(0, VEC_PIT | 0x10000);
	outb(0x43, 0x30);		/* stop channel 0 */
	printf("IOAPIC-PIT ticks%s5\n", ioapic_ticks >= 5 ? ">=" : "<");
}

static void test_pit_ch2(void)
{
	u8 sec = rtc_seconds(), ticks = 0;
	u32 i;

	outb(0x61, (inb(0x61) & ~0x02) | 0x01);	/* gate on, speaker off */
	outb(0x43, 0xb0);			/* channel 2, mode 0 */
	outb(0x42, 11932 & 0xff);
	outb(0x42, 11932 >> 8);
	if (inb(0x61) & 0x20)
		fail("PIT-CH2: OUT2 high right after the count");
	for (i = 0; !(inb(0x61) & 0x20); i++) {
		if ((i & 255) == 255 && rtc_seconds() != sec) {
			sec = rtc_seconds();
			if (++ticks == WAIT_SECONDS) {
				fail("PIT-CH2: OUT2 never rose");
				return;
			}
		}
	}
	printf("PIT-CH2 ok\n");
}

/* --- virtio-rng with INTx --- */

struct vring_avail {
	u16 flags, idx, ring[QSIZE], used_event;
};
struct vring_used {
	u16 flags, idx;
	struct vring_used_elem ring[QSIZE];
	u16 avail_event;
};

static struct {
	struct vring_desc desc[QSIZE];
	struct vring_avail avail;
	u8 pad[256 - sizeof(struct vring_avail)];
	struct vring_used used;
} ring __aligned(4096);
static u8 buf[2][16] __aligned(16);

static void test_intx(int bdf)
{
	struct virtio_pci_dev vp;
	u32 common, notify;
	int pin, k;

	pci_write16(bdf, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	if (!virtio_pci_probe(bdf, &vp))
		return;
	pin = pci_read8(bdf, PCI_INTERRUPT_LINE);
	if (pin < 16 || pin > 23) {
		fail("INTX: interrupt line %d", pin);
		return;
	}
	common = vp_common(&vp, 0);
	isr_addr = vp.r[VIRTIO_PCI_CAP_ISR_CFG].addr;
	mmio_write8(common + VIRTIO_PCI_COMMON_STATUS, 0);
	mmio_write8(common + VIRTIO_PCI_COMMON_STATUS, 3);
	mmio_write32(common + VIRTIO_PCI_COMMON_GFSELECT, 1);
	mmio_write32(common + VIRTIO_PCI_COMMON_GF, 1);	/* VERSION_1 */
	mmio_write8(common + VIRTIO_PCI_COMMON_STATUS, 0x0b);
	mmio_write16(common + VIRTIO_PCI_COMMON_Q_SELECT, 0);
	mmio_write16(common + VIRTIO_PCI_COMMON_Q_SIZE, QSIZE);
	mmio_write16(common + VIRTIO_PCI_COMMON_Q_MSIX, VIRTIO_MSI_NO_VECTOR);
	mmio_write32(common + VIRTIO_PCI_COMMON_Q_DESCLO, (u32)ring.desc);
	mmio_write32(common + VIRTIO_PCI_COMMON_Q_AVAILLO, (u32)&ring.avail);
	mmio_write32(common + VIRTIO_PCI_COMMON_Q_USEDLO, (u32)&ring.used);
	notify = vp.r[VIRTIO_PCI_CAP_NOTIFY_CFG].addr +
		 mmio_read16(common + VIRTIO_PCI_COMMON_Q_NOFF) * vp.notify_mult;
	mmio_write16(common + VIRTIO_PCI_COMMON_Q_ENABLE, 1);
	mmio_write8(common + VIRTIO_PCI_COMMON_STATUS, 0x0f);

	ioapic_rte(pin, VEC_INTX | 0x8000);	/* level, active high */
	asm volatile("sti");
	for (k = 0; k < 2; k++) {
		ring.desc[k] = (struct vring_desc) { (u32)buf[k], 16,
						     VRING_DESC_F_WRITE, 0 };
		ring.avail.ring[k] = k;
		barrier();
		ring.avail.idx = k + 1;
		mb();
		mmio_write16(notify, 0);
		/* Two deliveries per request: one re-delivered after an
		 * EOI that left the line high. */
		if (!wait_for(&intx_irqs, 2 * (k + 1))) {
			fail("INTX: %d interrupts for request %d", intx_irqs, k);
			break;
		}
		busy_wait(200000);	/* a storm would show here */
	}
	asm volatile("cli");
	ioapic_rte(pin, VEC_INTX | 0x18000);
	mmio_write8(common + VIRTIO_PCI_COMMON_STATUS, 0);
	if (ring.used.idx != 2)
		fail("INTX: used idx %u", ring.used.idx);
	printf("INTX pin=%d irqs=%d\n", pin, intx_irqs);
	/* 4; KVM's resampling irqfds (--irqchip kernel) add a spurious one. */
	if (intx_irqs < 4 || intx_irqs > 6)
		fail("INTX: %d interrupts, want 4", intx_irqs);
}

/* KVM's in-kernel PIT exists only for kernels (--irqchip kernel). */
static bool have_pit(void)
{
	outb(0x43, 0x34);		/* channel 0, LSB/MSB, mode 2 */
	outb(0x43, 0xe2);		/* read-back: channel 0's status */
	return (inb(0x40) & 0x3f) == 0x34;
}

int main(void)
{
	int bdf;

	idt_setup();
	/* No BIOS set the PICs up; KVM's BSP starts with LINT0 ExtINT. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	mmio_write32(LAPIC_SVR, 0x100 | VEC_SPURIOUS);	/* APIC on */
	if (have_pit()) {
		test_pic();
		test_ioapic_edge();
		test_pit_ch2();
	} else {
		printf("PIT none\n");
	}
	bdf = pci_find_device(VIRTIO_PCI_VENDOR,
			      VIRTIO_PCI_MODERN_BASE + VIRTIO_ID_RNG);
	if (bdf >= 0)
		test_intx(bdf);
	if (stray)
		fail("%d unexpected interrupts", stray);
	if (!fail_count)
		printf("IRQ-OK\n");
	return fail_count ? 1 : 0;
}
