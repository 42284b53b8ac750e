/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ACPI fixed hardware: the PM1a event and control blocks and the PM timer,
 * in one port I/O block.  Layout from @base (for the FADT):
 *
 *   base + 0   PM1a_EVT_BLK   PM1_STS (2 bytes, write 1 to clear)
 *   base + 2                  PM1_EN  (2 bytes)
 *   base + 4   PM1a_CNT_BLK   PM1_CNT (2 bytes)
 *   base + 8   PM_TMR_BLK     24-bit timer at 3.579545 MHz (4 bytes, RO)
 *
 * SCI_EN always reads 1 (the machine is always in ACPI mode, no SMI_CMD
 * needed).  SLP_TYP = S5 with SLP_EN powers the VM off.
 */
#ifndef KVM__ACPI_PM_H
#define KVM__ACPI_PM_H

#include "kvm/compiler.h"

struct kvm;

/* Offsets from the base, and FADT lengths. */
#define ACPI_PM1_EVT_OFFSET	0
#define ACPI_PM1_EVT_LEN	4
#define ACPI_PM1_STS_OFFSET	0
#define ACPI_PM1_EN_OFFSET	2
#define ACPI_PM1_CNT_OFFSET	4
#define ACPI_PM1_CNT_LEN	2
#define ACPI_PM_TMR_OFFSET	8
#define ACPI_PM_TMR_LEN		4
#define ACPI_PM_BLOCK_LEN	12

#define ACPI_PM_TIMER_HZ	3579545
#define ACPI_PM_TIMER_BITS	24	/* FADT flags: TMR_VAL_EXT clear */

/* PM1_STS / PM1_EN bits. */
#define ACPI_PM1_TMR_STS	0x0001
#define ACPI_PM1_BM_STS		0x0010
#define ACPI_PM1_GBL_STS	0x0020
#define ACPI_PM1_PWRBTN_STS	0x0100
#define ACPI_PM1_SLPBTN_STS	0x0200
#define ACPI_PM1_RTC_STS	0x0400
#define ACPI_PM1_WAK_STS	0x8000
#define ACPI_PM1_TMR_EN		0x0001
#define ACPI_PM1_GBL_EN		0x0020
#define ACPI_PM1_PWRBTN_EN	0x0100
#define ACPI_PM1_SLPBTN_EN	0x0200
#define ACPI_PM1_RTC_EN		0x0400

/* PM1_CNT bits. */
#define ACPI_PM1_SCI_EN		0x0001
#define ACPI_PM1_BM_RLS		0x0002
#define ACPI_PM1_GBL_RLS	0x0004
#define ACPI_PM1_SLP_TYP_SHIFT	10
#define ACPI_PM1_SLP_TYP_MASK	(7 << ACPI_PM1_SLP_TYP_SHIFT)
#define ACPI_PM1_SLP_EN		0x2000

/* SLP_TYP values, for the DSDT's \_Sx packages. */
#define ACPI_PM_SLP_TYP_S0	0
#define ACPI_PM_SLP_TYP_S5	5

/* What a guest writes to PM1_CNT to power off: 0x3400. */
#define ACPI_PM1_CNT_POWEROFF	\
	((ACPI_PM_SLP_TYP_S5 << ACPI_PM1_SLP_TYP_SHIFT) | ACPI_PM1_SLP_EN)

/* Register the block at port @base and add it to the VM. */
int acpi_pm__init(struct kvm *kvm, u16 base);

#endif
