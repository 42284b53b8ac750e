// SPDX-License-Identifier: GPL-2.0
/*
 * Save a paused VM to a snapshot; build a VM from one (lkvm run --restore).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvm/devices.h"
#include "kvm/kvm.h"
#include "kvm/kvm-cpu.h"
#include "kvm/snapshot.h"
#include "kvm/util.h"
#include "kvm/vm-state.h"

static void errf(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

static void config_to_snap(const struct kvm_config *cfg, struct snap_config *sc)
{
	int i;

	memset(sc, 0, sizeof(*sc));
	sc->ram_size = cfg->ram_size;
	sc->nrcpus = cfg->nrcpus;
	sc->console = cfg->console;
	sc->rng = cfg->rng;
	sc->virtio_legacy = cfg->virtio_legacy;
	sc->no_pvtime = cfg->no_pvtime;
	sc->pmu = cfg->pmu;
	if (cfg->irqchip)
		snprintf(sc->irqchip, sizeof(sc->irqchip), "%s", cfg->irqchip);
	sc->nr_disks = cfg->nr_disks;
	for (i = 0; i < cfg->nr_disks; i++) {
		snprintf(sc->disk[i].path, SNAP_PATH_MAX, "%s", cfg->disk[i].path);
		sc->disk[i].readonly = cfg->disk[i].readonly;
		sc->disk[i].direct = cfg->disk[i].direct;
	}
	sc->nr_p9 = cfg->nr_p9;
	for (i = 0; i < cfg->nr_p9; i++) {
		snprintf(sc->p9[i].dir, SNAP_PATH_MAX, "%s", cfg->p9[i].dir);
		snprintf(sc->p9[i].tag, sizeof(sc->p9[i].tag), "%s",
			 cfg->p9[i].tag);
	}
}

int kvm__save(struct kvm *kvm, const char *dir, char *err, size_t errlen)
{
	struct snapshot *s = snapshot_new();
	struct snap_config *sc = calloc(1, sizeof(*sc));
	struct vm_device *dev;
	int i, ret;

	if (!s || !sc) {
		ret = -ENOMEM;
		errf(err, errlen, "out of memory");
		goto out;
	}
	/* No device callback may run while devices are being saved. */
	iothread_pause(&kvm->io);
	/*
	 * In-flight I/O completes, and raises its interrupt, before the
	 * interrupt controller and the vCPUs are saved.
	 */
	list_for_each_entry(dev, &kvm->devices, list)
		if (dev->ops->quiesce)
			dev->ops->quiesce(dev);
	config_to_snap(&kvm->cfg, sc);
	ret = snap_put(s, "config", 1, sc, sizeof(*sc));
	if (!ret)
		ret = kvm__arch_save(kvm, s);
	for (i = 0; !ret && i < kvm->nr_cpus; i++)
		ret = kvm_cpu__arch_save(kvm->cpus[i], s);
	if (!ret) {
		list_for_each_entry(dev, &kvm->devices, list) {
			if (!dev->ops->save) {
				ret = -EOPNOTSUPP;
				errf(err, errlen, "device %s cannot be saved",
				     dev->name);
				break;
			}
			ret = dev->ops->save(dev, s);
			if (ret) {
				errf(err, errlen, "device %s: %s", dev->name,
				     strerror(-ret));
				break;
			}
		}
	} else {
		errf(err, errlen, "vCPU or architecture state: %s", strerror(-ret));
	}
	iothread_resume(&kvm->io);
	if (!ret) {
		ret = snapshot_write(s, dir, kvm->ram, kvm->ram_size, kvm->ram_fd,
				     kvm->ram_fd_off);
		if (ret)
			errf(err, errlen, "writing %s/%s: %s", dir,
			     SNAP_FILE_NAME, strerror(-ret));
	}
out:
	free(sc);
	snapshot_free(s);
	return ret;
}

static int conflict(const char *dir, const char *opt)
{
	pr_err("--restore %s: %s comes from the snapshot; leave it out", dir, opt);
	return -EINVAL;
}

int kvm__restore_prepare(struct kvm *kvm, const char *dir)
{
	struct kvm_config *cfg = &kvm->cfg;
	struct snap_config *sc;
	struct snapshot *s;
	int i, ret;

	if (cfg->kernel || cfg->initrd || cfg->params || cfg->firmware) {
		pr_err("--restore %s: -k, -i, -p and -f conflict with a restore: "
		       "the guest's kernel is in the snapshot", dir);
		return -EINVAL;
	}
	if (cfg->nr_disks)
		return conflict(dir, "-d");
	if (cfg->nr_p9)
		return conflict(dir, "--9p");
	if (cfg->rng)
		return conflict(dir, "--rng");
	if (cfg->virtio_legacy)
		return conflict(dir, "--virtio-legacy");
	if (cfg->console != CONSOLE_SERIAL)
		return conflict(dir, "--console");

	ret = snapshot_read(dir, &s, &kvm->restore_mem);
	if (ret)
		return ret;
	sc = calloc(1, sizeof(*sc));
	if (!sc) {
		snapshot_free(s);
		return -ENOMEM;
	}
	ret = snap_get(s, "config", 1, sc, sizeof(*sc));
	if (ret)
		goto bad;
	if (sc->ram_size != kvm->restore_mem.size ||
	    sc->nr_disks > KVM_MAX_DISKS || sc->nr_p9 > KVM_MAX_9P ||
	    !sc->nrcpus) {
		pr_err("--restore %s: the snapshot's configuration is inconsistent",
		       dir);
		ret = -EINVAL;
		goto bad;
	}
	if (cfg->ram_size && cfg->ram_size != sc->ram_size) {
		pr_err("--restore %s: -m %llu MiB conflicts with the snapshot's "
		       "%llu MiB", dir, (unsigned long long)(cfg->ram_size >> 20),
		       (unsigned long long)(sc->ram_size >> 20));
		ret = -EINVAL;
		goto bad;
	}
	if (cfg->nrcpus && cfg->nrcpus != (int)sc->nrcpus) {
		pr_err("--restore %s: -c %d conflicts with the snapshot's %u vCPUs",
		       dir, cfg->nrcpus, sc->nrcpus);
		ret = -EINVAL;
		goto bad;
	}
	sc->irqchip[sizeof(sc->irqchip) - 1] = 0;
	if (cfg->irqchip && strcmp(cfg->irqchip, sc->irqchip)) {
		pr_err("--restore %s: --irqchip %s conflicts with the snapshot's "
		       "%s", dir, cfg->irqchip, sc->irqchip[0] ? sc->irqchip :
		       "default");
		ret = -EINVAL;
		goto bad;
	}
	/* Strings below point into @sc, which the VM keeps. */
	cfg->ram_size = sc->ram_size;
	cfg->nrcpus = sc->nrcpus;
	cfg->console = sc->console;
	cfg->rng = sc->rng;
	cfg->virtio_legacy = sc->virtio_legacy;
	cfg->no_pvtime = sc->no_pvtime;
	cfg->pmu = sc->pmu;
	sc->irqchip[sizeof(sc->irqchip) - 1] = 0;
	cfg->irqchip = sc->irqchip[0] ? sc->irqchip : NULL;
	cfg->nr_disks = sc->nr_disks;
	for (i = 0; i < sc->nr_disks; i++) {
		sc->disk[i].path[SNAP_PATH_MAX - 1] = 0;
		cfg->disk[i].path = sc->disk[i].path;
		cfg->disk[i].readonly = sc->disk[i].readonly;
		cfg->disk[i].direct = sc->disk[i].direct;
	}
	cfg->nr_p9 = sc->nr_p9;
	for (i = 0; i < sc->nr_p9; i++) {
		sc->p9[i].dir[SNAP_PATH_MAX - 1] = 0;
		sc->p9[i].tag[sizeof(sc->p9[i].tag) - 1] = 0;
		cfg->p9[i].dir = sc->p9[i].dir;
		cfg->p9[i].tag = sc->p9[i].tag;
	}
	cfg->restore_dir = dir;
	kvm->restore_snap = s;
	kvm->restore_cfg = sc;
	return 0;
bad:
	free(sc);
	snapshot_free(s);
	close(kvm->restore_mem.fd);
	kvm->restore_mem.fd = -1;
	return ret;
}

int kvm__restore_state(struct kvm *kvm)
{
	struct snapshot *s = kvm->restore_snap;
	struct vm_device *dev;
	int i, ret;

	ret = kvm__arch_restore(kvm, s);
	for (i = 0; !ret && i < kvm->nr_cpus; i++)
		ret = kvm_cpu__arch_restore(kvm->cpus[i], s);
	if (!ret) {
		list_for_each_entry(dev, &kvm->devices, list) {
			if (!dev->ops->restore) {
				pr_err("--restore: device %s cannot be restored",
				       dev->name);
				ret = -EOPNOTSUPP;
				break;
			}
			ret = dev->ops->restore(dev, s);
			if (ret) {
				pr_err("--restore: device %s: state not restored",
				       dev->name);
				break;
			}
		}
	}
	if (!ret)
		ret = kvm__arch_restore_late(kvm, s);
	snapshot_free(s);
	kvm->restore_snap = NULL;
	return ret;
}
