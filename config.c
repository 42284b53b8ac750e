// SPDX-License-Identifier: GPL-2.0
/*
 * Options of "lkvm run", with kvmtool's names and meaning.  Options that a
 * later version will implement are listed and fail with a clear line.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>

#include "kvm/config.h"
#include "kvm/ctl.h"
#include "kvm/kvm.h"
#include "kvm/parse-options.h"
#include "kvm/util.h"

const char run_usage[] = "lkvm run [<options>] [<kernel image>]";

static int opt_mem(const struct option *o, const char *arg, void *ctx)
{
	struct kvm_config *cfg = ctx;
	u64 v;
	int ret = parse_size(arg, SZ_1M, &v);

	if (ret) {
		pr_err("-m %s: %s (a size in MiB, or with a K/M/G/T suffix)",
		       arg, ret == -ERANGE ? "too large" : "not a valid size");
		return -1;
	}
	if (v == 0) {
		pr_err("-m %s: guest memory size must not be zero", arg);
		return -1;
	}
	cfg->ram_size = v;
	return 0;
}

static int opt_cpus(const struct option *o, const char *arg, void *ctx)
{
	struct kvm_config *cfg = ctx;
	u64 v;

	if (parse_u64(arg, &v) || v > 0x7fffffff) {
		pr_err("-c %s: not a valid number of vCPUs", arg);
		return -1;
	}
	if (v == 0) {
		pr_err("-c 0: a VM needs at least one vCPU");
		return -1;
	}
	cfg->nrcpus = (int)v;
	return 0;
}

/* -d FILE[,ro][,direct], as kvmtool takes it (raw images). */
static int opt_disk(const struct option *o, const char *arg, void *ctx)
{
	struct kvm_config *cfg = ctx;
	struct disk_config *d;
	char *copy, *tok, *save = NULL;

	if (cfg->nr_disks >= KVM_MAX_DISKS) {
		pr_err("-d %s: at most %d disks", arg, KVM_MAX_DISKS);
		return -1;
	}
	if (!strncmp(arg, "scsi:", 5)) {
		pr_err("-d %s: SCSI disks are not supported", arg);
		return -1;
	}
	copy = strdup(arg);
	if (!copy)
		return -1;
	d = &cfg->disk[cfg->nr_disks];
	memset(d, 0, sizeof(*d));
	tok = strtok_r(copy, ",", &save);
	if (!tok || !*tok) {
		pr_err("-d %s: no image file", arg);
		free(copy);
		return -1;
	}
	d->path = tok;
	cfg->owned[cfg->nr_owned++] = copy;
	while ((tok = strtok_r(NULL, ",", &save))) {
		if (!strcmp(tok, "ro")) {
			d->readonly = true;
		} else if (!strcmp(tok, "direct")) {
			d->direct = true;
		} else {
			pr_err("-d %s: unknown disk option '%s' (ro, direct)",
			       arg, tok);
			return -1;	/* @copy is freed with the config */
		}
	}
	cfg->nr_disks++;
	return 0;	/* @copy lives as long as the configuration */
}

/* --9p DIR[,TAG]: the tag defaults to "hostshare"; virtio_9p__init checks. */
static int opt_9p(const struct option *o, const char *arg, void *ctx)
{
	struct kvm_config *cfg = ctx;
	char *dir, *comma;

	if (cfg->nr_p9 >= KVM_MAX_9P) {
		pr_err("--9p %s: at most %d shares", arg, KVM_MAX_9P);
		return -1;
	}
	dir = strdup(arg);
	if (!dir)
		return -1;
	cfg->owned[cfg->nr_owned++] = dir;
	comma = strchr(dir, ',');
	if (comma)
		*comma = '\0';
	cfg->p9[cfg->nr_p9].dir = dir;
	cfg->p9[cfg->nr_p9].tag = comma ? comma + 1 : "hostshare";
	cfg->nr_p9++;
	return 0;
}

static int opt_console(const struct option *o, const char *arg, void *ctx)
{
	struct kvm_config *cfg = ctx;

	if (!strcmp(arg, "serial")) {
		cfg->console = CONSOLE_SERIAL;
		return 0;
	}
	if (!strcmp(arg, "virtio")) {
		cfg->console = CONSOLE_VIRTIO;
		return 0;
	}
	if (!strcmp(arg, "hv")) {
		pr_err("--console hv: the hypervisor console exists only on powerpc");
		return -1;
	}
	pr_err("--console %s: unknown console (serial, virtio or hv)", arg);
	return -1;
}

/* kvmtool's --debug: debug messages (a later --loglevel still wins). */
static int opt_debug(const struct option *o, const char *arg, void *ctx)
{
	struct kvm_config *cfg = ctx;

	cfg->debug = true;
	lkvm_loglevel = LOGLEVEL_DEBUG;
	return 0;
}

static int opt_loglevel(const struct option *o, const char *arg, void *ctx)
{
	int l = parse_loglevel(arg);

	if (l < 0) {
		pr_err("--loglevel %s: use error, warning, info or debug", arg);
		return -1;
	}
	lkvm_loglevel = l;
	return 0;
}

#if defined(LKVM_ARCH_ARM64) || defined(LKVM_ARCH_RISCV64)
static int opt_dump_dtb(const struct option *o, const char *arg, void *ctx)
{
	struct kvm_config *cfg = ctx;

	cfg->dump_dtb = arg;
	return 0;
}
#endif

#ifdef LKVM_ARCH_ARM64
static int opt_irqchip(const struct option *o, const char *arg, void *ctx)
{
	static const char * const names[] = {
		"gicv2", "gicv2m", "gicv3", "gicv3-its",
	};
	struct kvm_config *cfg = ctx;
	u32 i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(arg, names[i])) {
			cfg->irqchip = names[i];
			return 0;
		}
	}
	pr_err("--irqchip %s: use gicv2, gicv2m, gicv3 or gicv3-its", arg);
	return -1;
}

static int opt_pmu(const struct option *o, const char *arg, void *ctx)
{
	struct kvm_config *cfg = ctx;

	cfg->pmu = true;
	return 0;
}
#endif

#if defined(LKVM_ARCH_ARM64) || defined(LKVM_ARCH_RISCV64)
static int opt_no_pvtime(const struct option *o, const char *arg, void *ctx)
{
	struct kvm_config *cfg = ctx;

	cfg->no_pvtime = true;
	return 0;
}

static int opt_vcpu_affinity(const struct option *o, const char *arg,
			     void *ctx)
{
	struct kvm_config *cfg = ctx;
	cpu_set_t set;

	if (parse_cpulist(arg, &set)) {
		pr_err("--vcpu-affinity %s: not a CPU list (e.g. 0-3,6)", arg);
		return -1;
	}
	cfg->vcpu_affinity = arg;
	return 0;
}
#endif

#ifdef LKVM_ARCH_X86
/* x86: split (PIC, IOAPIC, PIT in lkvm; the default) or kernel (KVM's). */
static int opt_irqchip(const struct option *o, const char *arg, void *ctx)
{
	struct kvm_config *cfg = ctx;

	if (strcmp(arg, "split") && strcmp(arg, "kernel")) {
		pr_err("--irqchip %s: use split or kernel", arg);
		return -1;
	}
	cfg->irqchip = !strcmp(arg, "split") ? "split" : "kernel";
	return 0;
}
#endif

#ifndef LKVM_ARCH_ARM64
static int opt_arm_only(const struct option *o, const char *arg, void *ctx)
{
	pr_err("--%s is only available on arm64", o->long_name);
	return -1;
}

#ifndef LKVM_ARCH_X86
#define opt_irqchip		opt_arm_only
#endif
#define opt_pmu			opt_arm_only
#ifndef LKVM_ARCH_RISCV64
#define opt_dump_dtb		opt_arm_only
#define opt_no_pvtime		opt_arm_only
#define opt_vcpu_affinity	opt_arm_only
#endif
#endif

#define UNSUPPORTED(s, l, a, h)	{ .type = OPT_UNSUPPORTED, .short_name = (s), \
				  .long_name = (l), .argh = (a), .help = (h) }
#define UNSUPPORTED_NOARG(l, h)	{ .type = OPT_UNSUPPORTED_NOARG, \
				  .long_name = (l), .help = (h) }

int kvm_config_parse_run(struct kvm_config *cfg, int argc, const char **argv)
{
	const struct option opts[] = {
	OPT_GROUP("Basic options:"),
	{ OPT_STRING, 0, "name", &cfg->name, "guest name", "A name for the guest" },
	{ OPT_CALLBACK, 'c', "cpus", NULL, "nr", "Number of vCPUs", opt_cpus },
	{ OPT_CALLBACK, 'm', "mem", NULL, "size", "Guest memory size (MiB, or with a K/M/G/T suffix)", opt_mem },
	{ OPT_CALLBACK, 'd', "disk", NULL, "image[,ro][,direct]", "Disk image (raw); may be repeated", opt_disk },
	UNSUPPORTED_NOARG("balloon", "Enable virtio balloon"),
	UNSUPPORTED_NOARG("vnc", "Enable VNC framebuffer"),
	UNSUPPORTED_NOARG("gtk", "Enable GTK framebuffer"),
	UNSUPPORTED_NOARG("sdl", "Enable SDL framebuffer"),
	{ OPT_BOOL, 0, "rng", &cfg->rng, NULL, "Enable virtio Random Number Generator" },
	{ OPT_CALLBACK, 0, "9p", NULL, "dir_to_share,tag_name", "Enable virtio 9p to share files between host and guest", opt_9p },
	{ OPT_CALLBACK, 0, "console", NULL, "serial or virtio", "Console to use", opt_console },
	UNSUPPORTED(0, "vsock", "cid", "Guest virtio socket CID"),
	UNSUPPORTED(0, "dev", "device_file", "KVM device file"),
	UNSUPPORTED(0, "tty", "tty id", "Remap guest TTY into a pty on the host"),
	UNSUPPORTED(0, "sandbox", "script", "Run this script when booting into custom rootfs"),
	{ OPT_STRING, 0, "hugetlbfs", &cfg->hugetlbfs, "path", "Hugetlbfs path" },
	{ OPT_BOOL, 0, "virtio-legacy", &cfg->virtio_legacy, NULL, "Use legacy virtio transport" },
	{ OPT_STRING, 0, "restore", &cfg->restore_dir, "dir", "Start from a snapshot made by lkvm save" },
	OPT_GROUP("Kernel options:"),
	{ OPT_STRING, 'k', "kernel", &cfg->kernel, "kernel", "Kernel to boot in virtual machine (arm64, riscv64: an uncompressed Image, not Image.gz)" },
	{ OPT_STRING, 'i', "initrd", &cfg->initrd, "initrd", "Initial RAM disk image" },
	{ OPT_STRING, 'p', "params", &cfg->params, "params", "Kernel command line arguments" },
	UNSUPPORTED('f', "firmware", "firmware", "Firmware image to boot in virtual machine"),
	{ OPT_CALLBACK, 0, "dump-dtb", NULL, "file", "Dump generated device tree and exit (arm64, riscv64)", opt_dump_dtb },
	OPT_GROUP("Networking options:"),
	UNSUPPORTED('n', "network", "network params", "Create a new guest NIC"),
	UNSUPPORTED_NOARG("no-dhcp", "Disable kernel DHCP in rootfs mode"),
	OPT_GROUP("VFIO options:"),
	UNSUPPORTED(0, "vfio-pci", "[domain:]bus:dev.fn", "Assign a PCI device to the virtual machine"),
	OPT_GROUP("Debug options:"),
	{ OPT_CALLBACK_NOARG, 0, "debug", NULL, NULL, "Enable debug messages (--loglevel debug)", opt_debug },
	UNSUPPORTED_NOARG("debug-single-step", "Enable single stepping"),
	{ OPT_BOOL, 0, "debug-ioport", &cfg->debug_ioport, NULL, "Log every port I/O access" },
	{ OPT_BOOL, 0, "debug-mmio", &cfg->debug_mmio, NULL, "Log every MMIO access" },
	UNSUPPORTED(0, "debug-iodelay", "delay", "Delay IO by millisecond"),
	{ OPT_CALLBACK, 0, "loglevel", NULL, "level", "error, warning, info or debug", opt_loglevel },
	{ OPT_BOOL, 0, "nodefaults", &cfg->nodefaults, NULL, "Disable implicit configuration that cannot be disabled otherwise" },
	OPT_GROUP("Arch-specific options:"),
	{ OPT_CALLBACK, 0, "irqchip", NULL, "gicv2|gicv2m|gicv3|gicv3-its|split|kernel", "Interrupt controller (arm64: a GIC, default the best the host has; x86: split, the default, or kernel)", opt_irqchip },
	{ OPT_CALLBACK_NOARG, 0, "pmu", NULL, NULL, "Create a PMU for the guest (arm64)", opt_pmu },
	{ OPT_CALLBACK, 0, "vcpu-affinity", NULL, "cpulist", "Run every vCPU on these host CPUs (arm64, riscv64)", opt_vcpu_affinity },
	{ OPT_CALLBACK_NOARG, 0, "no-pvtime", NULL, NULL, "Do not give the guest paravirtualized stolen time (arm64; riscv64: SBI STA, on hosts that have it)", opt_no_pvtime },
#ifdef LKVM_ARCH_RISCV64
	OPT_GROUP("riscv64 ISA extensions (an extension the host's KVM cannot switch off is an error):"),
	RISCV_RUN_OPTIONS,
#endif
	OPT_END(),
	};
	int n = parse_options(argc, argv, opts, run_usage, cfg);

	if (n < 0)
		return n;
	if (n > 1) {
		pr_err("run: unexpected argument '%s'", argv[1]);
		return -1;
	}
	if (n == 1) {
		if (cfg->kernel) {
			pr_err("run: kernel given twice ('-k %s' and '%s')",
			       cfg->kernel, argv[0]);
			return -1;
		}
		cfg->kernel = argv[0];
	}
	return 0;
}

/* Like kvmtool: without -k, boot the host's own kernel if there is one. */
static const char *find_host_kernel(void)
{
	static char path[PATH_MAX];
	struct utsname u;

	if (uname(&u) < 0)
		return NULL;
	snprintf(path, sizeof(path), "/boot/vmlinuz-%s", u.release);
	if (!access(path, R_OK))
		return path;
	return NULL;
}

int kvm_config_finalize(struct kvm_config *cfg)
{
	const char *defaults;
	int n;

	if (!cfg->nrcpus)
		cfg->nrcpus = host_nr_online_cpus();
	if (!cfg->ram_size) {
		u64 avail = host_ram_size() / 10 * 8;

		cfg->ram_size = SZ_64M * (cfg->nrcpus + 3);
		if (avail && cfg->ram_size > avail)
			cfg->ram_size = ALIGN_DOWN(avail, SZ_1M);
	}
	if (cfg->name && !ctl_name_valid(cfg->name)) {
		pr_err("--name %s: use 1-64 letters, digits, '.', '_' or '-'",
		       cfg->name);
		return -1;
	}
	if (cfg->restore_dir)
		return 0;	/* the rest comes from the snapshot */
	if (!cfg->kernel) {
		cfg->kernel = find_host_kernel();
		if (!cfg->kernel) {
			pr_err("run: no kernel given (-k) and none found in /boot");
			return -1;
		}
	}
	defaults = cfg->nodefaults ? "" : kvm__arch_default_cmdline(cfg);
	n = snprintf(cfg->cmdline, sizeof(cfg->cmdline), "%s%s%s", defaults,
		     *defaults && cfg->params ? " " : "",
		     cfg->params ? cfg->params : "");
	if (n >= (int)sizeof(cfg->cmdline)) {
		pr_err("-p: kernel command line longer than %zu bytes",
		       sizeof(cfg->cmdline) - 1);
		return -1;
	}
	return 0;
}

void kvm_config_free(struct kvm_config *cfg)
{
	while (cfg->nr_owned > 0)
		free(cfg->owned[--cfg->nr_owned]);
}

int kvm_config_check_vcpus(const struct kvm_config *cfg, int max_vcpus)
{
	if (cfg->nrcpus > max_vcpus) {
		pr_err("-c %d: KVM allows at most %d vCPUs per VM", cfg->nrcpus,
		       max_vcpus);
		return -1;
	}
	return 0;
}
