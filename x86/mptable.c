// SPDX-License-Identifier: GPL-2.0
/*
 * Intel MultiProcessor Specification 1.4 table: processors, the ISA bus,
 * the IOAPIC and its interrupt routing, so that SMP guests without ACPI
 * find their CPUs and interrupt lines.
 */
#include <string.h>

#include "kvm/kvm.h"
#include "kvm/ioapic.h"
#include "kvm/mptable.h"
#include "kvm/pci.h"
#include "kvm/util.h"

struct mpf_intel {
	char	signature[4];
	u32	physptr;
	u8	length;
	u8	specification;
	u8	checksum;
	u8	feature[5];
} __packed;

struct mpc_table {
	char	signature[4];
	u16	length;
	u8	spec;
	u8	checksum;
	char	oem[8];
	char	productid[12];
	u32	oemptr;
	u16	oemsize;
	u16	oemcount;
	u32	lapic;
	u32	reserved;
} __packed;

struct mpc_cpu {
	u8	type;
	u8	apicid;
	u8	apicver;
	u8	cpuflag;
	u32	cpufeature;
	u32	featureflag;
	u32	reserved[2];
} __packed;

struct mpc_bus {
	u8	type;
	u8	busid;
	char	bustype[6];
} __packed;

struct mpc_ioapic {
	u8	type;
	u8	apicid;
	u8	apicver;
	u8	flags;
	u32	apicaddr;
} __packed;

struct mpc_intsrc {
	u8	type;
	u8	irqtype;
	u16	irqflag;
	u8	srcbus;
	u8	srcbusirq;
	u8	dstapic;
	u8	dstirq;
} __packed;

enum { MP_PROCESSOR, MP_BUS, MP_IOAPIC, MP_INTSRC, MP_LINTSRC };
enum { MP_INT, MP_NMI, MP_SMI, MP_EXTINT };

#define CPU_ENABLED		1
#define CPU_BOOTPROCESSOR	2
#define APIC_VERSION		0x14
#define KVM_IOAPIC_VERSION	0x11	/* KVM's in-kernel IOAPIC */
#define MP_PCI_BUS		0	/* must equal the PCI bus number */
#define MP_ISA_BUS		1
#define MP_IRQ_LEVEL_HIGH	0x0d	/* active high, level */

static u8 checksum(const void *p, size_t len)
{
	const u8 *b = p;
	u8 sum = 0;

	while (len--)
		sum += *b++;
	return -sum;
}

int mptable__setup(struct kvm *kvm)
{
	int ncpu = kvm->nr_cpus ? kvm->nr_cpus : kvm->cfg.nrcpus;
	size_t size = sizeof(struct mpf_intel) + sizeof(struct mpc_table) +
		      ncpu * sizeof(struct mpc_cpu) + sizeof(struct mpc_bus) +
		      sizeof(struct mpc_ioapic) +
		      (18 + 32) * sizeof(struct mpc_intsrc) +
		      sizeof(struct mpc_bus);
	struct mpf_intel *mpf;
	struct mpc_table *mpc;
	u8 *base, *p;
	u8 ioapic_id = ncpu;
	u16 count = 0;
	int i;

	if (ncpu > 254) {
		pr_err("-c %d: the MP table describes at most 254 vCPUs", ncpu);
		return -EINVAL;
	}
	base = guest_ptr(kvm, MPTABLE_ADDR, size);
	if (!base) {
		pr_err("MP table does not fit in guest RAM");
		return -ENOMEM;
	}
	memset(base, 0, size);
	mpf = (struct mpf_intel *)base;
	mpc = (struct mpc_table *)(mpf + 1);
	p = (u8 *)(mpc + 1);

	for (i = 0; i < ncpu; i++) {
		struct mpc_cpu *c = (struct mpc_cpu *)p;

		c->type = MP_PROCESSOR;
		c->apicid = i;
		c->apicver = APIC_VERSION;
		c->cpuflag = CPU_ENABLED | (i == 0 ? CPU_BOOTPROCESSOR : 0);
		c->cpufeature = 0x600;		/* family 6 */
		c->featureflag = 0x201;		/* FPU, APIC */
		p += sizeof(*c);
		count++;
	}

	{
		struct mpc_bus *b = (struct mpc_bus *)p;

		b->type = MP_BUS;
		b->busid = MP_PCI_BUS;
		memcpy(b->bustype, "PCI   ", 6);
		b++;
		b->type = MP_BUS;
		b->busid = MP_ISA_BUS;
		memcpy(b->bustype, "ISA   ", 6);
		p += 2 * sizeof(*b);
		count += 2;
	}
	{
		struct mpc_ioapic *io = (struct mpc_ioapic *)p;

		io->type = MP_IOAPIC;
		io->apicid = ioapic_id;
		io->apicver = kvm->arch.split_irqchip ? IOAPIC_VERSION :
						       KVM_IOAPIC_VERSION;
		io->flags = 1;
		io->apicaddr = X86_IOAPIC_BASE;
		p += sizeof(*io);
		count++;
	}
	/* ISA IRQs 0-15 go to the IOAPIC pin of the same number. */
	for (i = 0; i < 16; i++) {
		struct mpc_intsrc *s = (struct mpc_intsrc *)p;

		s->type = MP_INTSRC;
		s->irqtype = MP_INT;
		s->srcbus = MP_ISA_BUS;
		s->srcbusirq = i;
		s->dstapic = ioapic_id;
		s->dstirq = i;
		p += sizeof(*s);
		count++;
	}
	/* PCI INTA# of every function with a pin, level and active high. */
	for (i = 1; i < 32; i++) {
		struct pci_dev *pdev = pci_find_dev(kvm, i << 3);
		struct mpc_intsrc *s = (struct mpc_intsrc *)p;

		if (!pdev || !pdev->cfg[PCI_INTERRUPT_PIN])
			continue;
		s->type = MP_INTSRC;
		s->irqtype = MP_INT;
		s->irqflag = MP_IRQ_LEVEL_HIGH;
		s->srcbus = MP_PCI_BUS;
		s->srcbusirq = (i << 2) | (pdev->cfg[PCI_INTERRUPT_PIN] - 1);
		s->dstapic = ioapic_id;
		s->dstirq = pdev->intx_gsi;
		p += sizeof(*s);
		count++;
	}
	/* Local interrupts: ExtINT on LINT0, NMI on LINT1 of every CPU. */
	for (i = 0; i < 2; i++) {
		struct mpc_intsrc *l = (struct mpc_intsrc *)p;

		l->type = MP_LINTSRC;
		l->irqtype = i ? MP_NMI : MP_EXTINT;
		l->srcbus = MP_ISA_BUS;
		l->dstapic = 0xff;
		l->dstirq = i;
		p += sizeof(*l);
		count++;
	}

	memcpy(mpc->signature, "PCMP", 4);
	mpc->length = p - (u8 *)mpc;
	mpc->spec = 4;
	memcpy(mpc->oem, "LKVM    ", 8);
	memcpy(mpc->productid, "LKVM        ", 12);
	mpc->oemcount = count;
	mpc->lapic = X86_LAPIC_BASE;
	mpc->checksum = checksum(mpc, mpc->length);

	memcpy(mpf->signature, "_MP_", 4);
	mpf->physptr = MPTABLE_ADDR + sizeof(*mpf);
	mpf->length = 1;
	mpf->specification = 4;
	mpf->checksum = checksum(mpf, sizeof(*mpf));
	return 0;
}
