/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__KVM_ARCH_H
#define KVM__KVM_ARCH_H

#include "kvm/compiler.h"
#include "kvm/bus.h"

#define LKVM_ARCH_NAME		"riscv64"
#define LKVM_ARCH_RISCV64	1

/*
 * Guest physical layout (everything below the 41-bit space of Sv39x4, the
 * smallest G-stage mode a host may use):
 *
 *   0x0000_0000 ... 0x01ff_ffff   nothing (catches null pointers)
 *   0x0200_0000                   PCI I/O space, as an MMIO window (64 KiB)
 *   0x0c00_0000                   PLIC (64 MiB window)
 *   0x1000_0000                   8250 UART (4 KiB)
 *   0x3000_0000                   PCIe ECAM (256 MiB; only bus 0 is used)
 *   0x4000_0000 ... 0x7fff_ffff   32-bit PCI memory window (BARs)
 *   0x8000_0000 ...               RAM (up to 510 GiB)
 *   0x80_0000_0000 (512 GiB)      64-bit PCI memory window (256 GiB)
 *
 * Inside RAM: the kernel at RAM base + text_offset (2 MiB for RV64
 * Images); from the top of the kernel's 32 GiB window down, the device
 * tree in a 2 MiB block of its own and the initrd below it.
 */
#define RISCV_PCI_IO_BASE	0x02000000ULL
#define RISCV_PCI_IO_SIZE	0x10000ULL
#define RISCV_PLIC_BASE		0x0c000000ULL
#define RISCV_PLIC_SIZE		0x04000000ULL
#define RISCV_UART_BASE		0x10000000ULL
#define RISCV_UART_SIZE		0x1000ULL
#define RISCV_PCI_ECAM_BASE	0x30000000ULL
#define RISCV_PCI_ECAM_SIZE	0x10000000ULL
#define RISCV_PCI_MMIO32_BASE	0x40000000ULL
#define RISCV_PCI_MMIO32_SIZE	0x40000000ULL
#define RISCV_RAM_BASE		0x80000000ULL
#define RISCV_PCI_MMIO64_BASE	0x8000000000ULL
#define RISCV_PCI_MMIO64_SIZE	0x4000000000ULL
#define RISCV_MAX_RAM		(RISCV_PCI_MMIO64_BASE - RISCV_RAM_BASE)

/*
 * Interrupts: PLIC sources (1-63; 0 means "none").  lkvm's interrupt
 * numbers (kvm__irq_line) are PLIC source IDs.
 */
#define RISCV_IRQ_UART		1
#define RISCV_IRQ_PCI_INTX	8	/* + PCI slot (0-31): INTA of each slot */
#define RISCV_PLIC_NR_SOURCES	64	/* IDs 0-63: riscv,ndev = 63 */
#define RISCV_MSI_GSI_BASE	64	/* never used: no MSI controller */

#define RISCV_UART_CLOCK	1843200

/*
 * KVM's ISA extension IDs (KVM_RISCV_ISA_EXT_*, enum KVM_RISCV_ISA_EXT_ID of
 * the newest uapi; Linux 6.1 knows 0-11): the bitmap size lkvm keeps.
 */
#define RISCV_ISA_EXT_WORDS	2

/* Where the pieces of a boot went (guest physical addresses). */
struct riscv_boot {
	u64	kernel_addr;	/* Image load address = entry point */
	u64	kernel_end;	/* load address + image_size */
	u64	initrd_addr;
	u64	initrd_size;
	u64	dtb_addr;	/* start of a 2 MiB block of its own */
};

struct plic;

struct kvm_arch {
	struct riscv_boot	boot;
	u64			ram_end;
	u64			mmio64_size;	/* 0: no 64-bit PCI window */
	u32			gpa_bits;
	struct plic		*plic;
	bool			sta;		/* SBI steal-time (STA) for guests */
	bool			dbcn;		/* SBI debug console forwarded */
};

/*
 * --disable-<ext>: run options switching a guest ISA extension off, with
 * kvmtool's names.  The table is in riscv/isa.c; config.c lists the
 * options through RISCV_RUN_OPTIONS.
 */
struct option;
struct kvm_config;
int riscv_opt_disable_ext(const struct option *opt, const char *arg,
			  void *ctx);

#define RISCV_DISABLE_OPT(ext, name)					\
	{ OPT_CALLBACK_NOARG, 0, "disable-" ext, NULL, NULL,		\
	  "Disable the " name " extension", riscv_opt_disable_ext }

#define RISCV_RUN_OPTIONS						\
	RISCV_DISABLE_OPT("d", "D (double-precision FP)"),		\
	RISCV_DISABLE_OPT("f", "F (single-precision FP)"),		\
	RISCV_DISABLE_OPT("v", "V (vector)"),				\
	RISCV_DISABLE_OPT("sstc", "Sstc"),				\
	RISCV_DISABLE_OPT("svinval", "Svinval"),			\
	RISCV_DISABLE_OPT("svpbmt", "Svpbmt"),				\
	RISCV_DISABLE_OPT("svnapot", "Svnapot"),			\
	RISCV_DISABLE_OPT("ssaia", "Ssaia"),				\
	RISCV_DISABLE_OPT("sscofpmf", "Sscofpmf"),			\
	RISCV_DISABLE_OPT("smstateen", "Smstateen"),			\
	RISCV_DISABLE_OPT("smnpm", "Smnpm"),				\
	RISCV_DISABLE_OPT("ssnpm", "Ssnpm"),				\
	RISCV_DISABLE_OPT("svade", "Svade"),				\
	RISCV_DISABLE_OPT("svadu", "Svadu"),				\
	RISCV_DISABLE_OPT("svvptc", "Svvptc"),				\
	RISCV_DISABLE_OPT("zicbom", "Zicbom"),				\
	RISCV_DISABLE_OPT("zicboz", "Zicboz"),				\
	RISCV_DISABLE_OPT("zicbop", "Zicbop"),				\
	RISCV_DISABLE_OPT("zicntr", "Zicntr"),				\
	RISCV_DISABLE_OPT("zicond", "Zicond"),				\
	RISCV_DISABLE_OPT("zicsr", "Zicsr"),				\
	RISCV_DISABLE_OPT("zifencei", "Zifencei"),			\
	RISCV_DISABLE_OPT("zihintntl", "Zihintntl"),			\
	RISCV_DISABLE_OPT("zihintpause", "Zihintpause"),		\
	RISCV_DISABLE_OPT("zihpm", "Zihpm"),				\
	RISCV_DISABLE_OPT("ziccrse", "Ziccrse"),			\
	RISCV_DISABLE_OPT("zimop", "Zimop"),				\
	RISCV_DISABLE_OPT("zilsd", "Zilsd"),				\
	RISCV_DISABLE_OPT("zaamo", "Zaamo"),				\
	RISCV_DISABLE_OPT("zabha", "Zabha"),				\
	RISCV_DISABLE_OPT("zacas", "Zacas"),				\
	RISCV_DISABLE_OPT("zalasr", "Zalasr"),				\
	RISCV_DISABLE_OPT("zalrsc", "Zalrsc"),				\
	RISCV_DISABLE_OPT("zawrs", "Zawrs"),				\
	RISCV_DISABLE_OPT("zfa", "Zfa"),				\
	RISCV_DISABLE_OPT("zfbfmin", "Zfbfmin"),			\
	RISCV_DISABLE_OPT("zfh", "Zfh"),				\
	RISCV_DISABLE_OPT("zfhmin", "Zfhmin"),				\
	RISCV_DISABLE_OPT("zca", "Zca"),				\
	RISCV_DISABLE_OPT("zcb", "Zcb"),				\
	RISCV_DISABLE_OPT("zcd", "Zcd"),				\
	RISCV_DISABLE_OPT("zcf", "Zcf"),				\
	RISCV_DISABLE_OPT("zclsd", "Zclsd"),				\
	RISCV_DISABLE_OPT("zcmop", "Zcmop"),				\
	RISCV_DISABLE_OPT("zba", "Zba"),				\
	RISCV_DISABLE_OPT("zbb", "Zbb"),				\
	RISCV_DISABLE_OPT("zbc", "Zbc"),				\
	RISCV_DISABLE_OPT("zbkb", "Zbkb"),				\
	RISCV_DISABLE_OPT("zbkc", "Zbkc"),				\
	RISCV_DISABLE_OPT("zbkx", "Zbkx"),				\
	RISCV_DISABLE_OPT("zbs", "Zbs"),				\
	RISCV_DISABLE_OPT("zknd", "Zknd"),				\
	RISCV_DISABLE_OPT("zkne", "Zkne"),				\
	RISCV_DISABLE_OPT("zknh", "Zknh"),				\
	RISCV_DISABLE_OPT("zkr", "Zkr"),				\
	RISCV_DISABLE_OPT("zksed", "Zksed"),				\
	RISCV_DISABLE_OPT("zksh", "Zksh"),				\
	RISCV_DISABLE_OPT("zkt", "Zkt"),				\
	RISCV_DISABLE_OPT("ztso", "Ztso"),				\
	RISCV_DISABLE_OPT("zvbb", "Zvbb"),				\
	RISCV_DISABLE_OPT("zvbc", "Zvbc"),				\
	RISCV_DISABLE_OPT("zvfbfmin", "Zvfbfmin"),			\
	RISCV_DISABLE_OPT("zvfbfwma", "Zvfbfwma"),			\
	RISCV_DISABLE_OPT("zvfh", "Zvfh"),				\
	RISCV_DISABLE_OPT("zvfhmin", "Zvfhmin"),			\
	RISCV_DISABLE_OPT("zvkb", "Zvkb"),				\
	RISCV_DISABLE_OPT("zvkg", "Zvkg"),				\
	RISCV_DISABLE_OPT("zvkned", "Zvkned"),				\
	RISCV_DISABLE_OPT("zvknha", "Zvknha"),				\
	RISCV_DISABLE_OPT("zvknhb", "Zvknhb"),				\
	RISCV_DISABLE_OPT("zvksed", "Zvksed"),				\
	RISCV_DISABLE_OPT("zvksh", "Zvksh"),				\
	RISCV_DISABLE_OPT("zvkt", "Zvkt")

#endif
