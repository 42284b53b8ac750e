/*
 * Print "ready", then "tick N" for every 25 interrupts of the PIT (mode 2,
 * 20 ms: one line every half second) taken through IOAPIC pin 0, idling
 * in HLT in between: a guest whose interrupt controllers and timer are
 * busy when it is saved, for save/restore tests.  "FAIL" if no tick comes
 * for 3 s.  Needs a PIT (lkvm's split irqchip).
 */
#include "guest.h"

#define LAPIC_EOI	0xfee000b0u
#define LAPIC_SVR	0xfee000f0u
#define IOAPIC		0xfec00000u
#define VEC_PIT		0x40

struct idt_gate {
	u16 off_lo, sel;
	u8 zero, type;
	u16 off_hi;
} __attribute__((packed));

static struct idt_gate idt[256] __aligned(8);
static volatile u32 ticks;

/* See irqchip.c: return without IRET (KVM cannot emulate it). */
void h_pit(void);
void c_pit(void);
void c_pit(void)
{
	ticks++;
	mmio_write32(LAPIC_EOI, 0);
}
asm(".text\n.globl h_pit\nh_pit:\n"
    "pushal\ncall c_pit\npopal\n"
    "push %eax\nmov 4(%esp), %eax\nxchg %eax, 12(%esp)\nmov %eax, 8(%esp)\n"
    "pop %eax\nadd $4, %esp\npopf\nsti\nret\n");

static void ioapic_write(u32 reg, u32 v)
{
	mmio_write32(IOAPIC, reg);
	mmio_write32(IOAPIC + 0x10, v);
}

int main(void)
{
	struct {
		u16 limit;
		u32 base;
	} __attribute__((packed)) d;
	u32 a = (u32)h_pit, seen = 0, n = 0;
	u8 sec;
	int quiet = 0;

	asm volatile("sidt %0" : "=m"(d));
	memcpy(idt, (void *)d.base, 32 * sizeof(idt[0]));
	idt[VEC_PIT] = (struct idt_gate) { (u16)a, 0x08, 0, 0x8e, (u16)(a >> 16) };
	d.limit = sizeof(idt) - 1;
	d.base = (u32)idt;
	asm volatile("lidt %0" :: "m"(d));

	/* No BIOS set the PICs up: mask them (KVM's BSP starts with LINT0
	 * as an unmasked ExtINT, and IRQ 0 also reaches the master). */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	mmio_write32(LAPIC_SVR, 0x1ff);
	ioapic_write(0x11, 0);
	ioapic_write(0x10, VEC_PIT);		/* pin 0: edge, unmasked */
	outb(0x43, 0x34);
	outb(0x40, 23864 & 0xff);		/* 20 ms */
	outb(0x40, 23864 >> 8);
	printf("ready\n");
	sec = rtc_seconds();
	for (;;) {
		asm volatile("sti; hlt; cli");
		if (ticks - seen >= 25) {
			seen += 25;
			printf("tick %u\n", ++n);
			quiet = 0;
		}
		if (rtc_seconds() != sec) {
			sec = rtc_seconds();
			if (++quiet == 3)
				fatal("no PIT interrupt for 3 s (%u)", ticks);
		}
	}
	return 0;
}
