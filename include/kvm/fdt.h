/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Device tree pieces that the arm64 and riscv64 guests share, written with
 * libfdt's sequential writer: a writer that remembers the first error,
 * property helpers, and the generic nodes (/chosen, /memory,
 * /reserved-memory, the ECAM PCI host, an 8250 UART).  Plain C without
 * KVM, like the arch builders that use it, so that it is unit-tested on
 * any host.  Only architectures that link libfdt build it.
 */
#ifndef KVM__FDT_H
#define KVM__FDT_H

#include "kvm/compiler.h"

#define DT_RNG_SEED_SIZE	64

/* A libfdt sequential writer that remembers the first error. */
struct dt_writer {
	void	*fdt;
	int	err;
};

/* fdt_create() into @buf, an empty reserve map, and the root node open. */
void dt_start(struct dt_writer *w, void *buf, u32 size);
/* Close the root, finish and pack.  0, or -ENOSPC/-EINVAL (logged). */
int dt_finish(struct dt_writer *w);

/* Keep @ret if it is the first libfdt error. */
void dt_check(struct dt_writer *w, int ret);
void dt_begin(struct dt_writer *w, const char *fmt, ...) __printf(2, 3);
void dt_end(struct dt_writer *w);
void dt_prop(struct dt_writer *w, const char *name, const void *v, int len);
void dt_prop_empty(struct dt_writer *w, const char *name);
void dt_prop_str(struct dt_writer *w, const char *name, const char *s);
void dt_prop_u32(struct dt_writer *w, const char *name, u32 v);
/* An array of @n cells (any length). */
void dt_prop_cells(struct dt_writer *w, const char *name, const u32 *c, int n);
/* "reg" of @nr (address, size) pairs, two cells each. */
void dt_prop_regs(struct dt_writer *w, const u64 *pairs, int nr);
void dt_prop_reg(struct dt_writer *w, u64 base, u64 size);

/* /chosen: what the kernel is told beside the hardware. */
struct dt_chosen {
	const char	*bootargs;
	bool		serial_console;	/* stdout-path: the UART */
	u64		initrd_start;
	u64		initrd_size;	/* 0: no initrd */
	u64		kaslr_seed;
	u8		rng_seed[DT_RNG_SEED_SIZE];
};

/* /chosen; stdout-path is the node of the UART at @uart_base. */
void dt_chosen(struct dt_writer *w, const struct dt_chosen *c, u64 uart_base);
/* Random KASLR and RNG seeds: false (errno set) if there are none. */
bool dt_chosen_seeds(struct dt_chosen *c);

/* The RAM at @base. */
void dt_memory(struct dt_writer *w, u64 base, u64 size);
/* /reserved-memory/@name: RAM the guest must neither map nor use. */
void dt_reserved_memory(struct dt_writer *w, const char *name, u64 base,
			u64 size);

/* An interrupt: its controller (0: inherited) and specifier. */
struct dt_irq {
	u32	parent;		/* phandle */
	int	nr_cells;	/* the controller's #interrupt-cells */
	u32	cells[3];
};

/* An 8250 UART (ns16550a, byte registers). */
void dt_serial(struct dt_writer *w, u64 base, u64 size, u32 clock,
	       const struct dt_irq *irq);

/* A PCI host bridge: one root bus through ECAM. */
struct dt_pci_host {
	u64	ecam_base;
	u64	ecam_size;
	u64	io_cpu_base;	/* PCI I/O 0... as MMIO */
	u64	io_size;
	u64	mmio32_base;	/* CPU address = PCI address */
	u64	mmio32_size;
	u64	mmio64_base;
	u64	mmio64_size;	/* 0: none */
};

/* Its interrupts: INTx through interrupt-map, MSIs. */
struct dt_pci_irqs {
	struct dt_irq	inta;		/* slot 0's INTA (parent: a phandle) */
	int		inta_cell;	/* the cell slot n adds n to */
	u32		parent_addr_cells; /* the parent's #address-cells */
	u32		msi_map;	/* msi-map: requester ID = device ID
					 * on this phandle; 0: none */
	u32		msi_parent;	/* msi-parent phandle; 0: none */
};

/*
 * The host bridge node, pci-host-ecam-generic: never linux,pci-probe-only (BARs
 * are the guest's to assign from the "ranges" windows).
 */
void dt_pci_host(struct dt_writer *w, const struct dt_pci_host *p,
		 const struct dt_pci_irqs *irqs);

/* --dump-dtb: write the tree to @path.  0 or -errno (logged). */
int dt_dump(const char *path, const void *fdt);

#endif
