// SPDX-License-Identifier: GPL-2.0
/*
 * The VM: /dev/kvm, guest memory, interrupt helpers, lifecycle, devices.
 */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "kvm/kvm.h"
#include "kvm/kvm-cpu.h"
#include "kvm/devices.h"
#include "kvm/irq.h"
#include "kvm/pci.h"
#include "kvm/util.h"

static const struct kvm_cap_req core_caps[] = {
	{ KVM_CAP_USER_MEMORY,		"KVM_CAP_USER_MEMORY" },
	{ KVM_CAP_IOEVENTFD,		"KVM_CAP_IOEVENTFD" },
	{ KVM_CAP_IMMEDIATE_EXIT,	"KVM_CAP_IMMEDIATE_EXIT" },
};

/* Only where KVM has the interrupt controller (not riscv's lkvm PLIC). */
static const struct kvm_cap_req irqfd_cap[] = {
	{ KVM_CAP_IRQFD,		"KVM_CAP_IRQFD" },
};

int kvm__check_extension(struct kvm *kvm, int cap)
{
	int fd = kvm->vm_fd >= 0 ? kvm->vm_fd : kvm->sys_fd;
	int ret = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	if (ret < 0 && fd == kvm->vm_fd)
		ret = ioctl(kvm->sys_fd, KVM_CHECK_EXTENSION, cap);
	return ret < 0 ? 0 : ret;
}

int kvm__check_caps(struct kvm *kvm, const struct kvm_cap_req *caps, int nr)
{
	int i;

	for (i = 0; i < nr; i++) {
		if (!kvm__check_extension(kvm, caps[i].cap)) {
			pr_err("/dev/kvm: required capability %s is missing",
			       caps[i].name);
			return -ENOSYS;
		}
	}
	return 0;
}

int kvm__open(struct kvm *kvm, const char *dev)
{
	int ret;

	kvm->vm_fd = -1;
	kvm->ram_fd = -1;
	kvm->exit_evfd = -1;
	kvm->sys_fd = open(dev, O_RDWR | O_CLOEXEC);
	if (kvm->sys_fd < 0) {
		ret = -errno;
		if (errno == ENOENT)
			pr_err("%s: not found: is KVM enabled (modprobe kvm)?", dev);
		else if (errno == EACCES || errno == EPERM)
			pr_err("%s: permission denied: add yourself to its group or run as root", dev);
		else
			pr_err("%s: %s", dev, strerror(errno));
		return ret;
	}
	ret = ioctl(kvm->sys_fd, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION) {
		pr_err("%s: KVM API version %d, lkvm needs %d", dev, ret,
		       KVM_API_VERSION);
		return -EINVAL;
	}
	ret = kvm__check_caps(kvm, core_caps, ARRAY_SIZE(core_caps));
	if (ret)
		return ret;

	kvm->vm_fd = ioctl(kvm->sys_fd, KVM_CREATE_VM, 0);
	if (kvm->vm_fd < 0) {
		ret = -errno;
		pr_err("%s: KVM_CREATE_VM: %s", dev, strerror(errno));
		return ret;
	}
	ret = kvm__check_caps(kvm, kvm_arch_caps, kvm_arch_nr_caps);
	if (!ret && kvm__arch_intx_irqfd(kvm))
		ret = kvm__check_caps(kvm, irqfd_cap, ARRAY_SIZE(irqfd_cap));
	if (ret)
		return ret;

	kvm->vcpu_mmap_size = ioctl(kvm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (kvm->vcpu_mmap_size < (int)sizeof(struct kvm_run)) {
		pr_err("%s: KVM_GET_VCPU_MMAP_SIZE: bad size", dev);
		return -EINVAL;
	}
	kvm->nr_vcpus_rec = kvm__check_extension(kvm, KVM_CAP_NR_VCPUS);
	kvm->max_vcpus = kvm__check_extension(kvm, KVM_CAP_MAX_VCPUS);
	if (!kvm->max_vcpus)
		kvm->max_vcpus = kvm->nr_vcpus_rec ? kvm->nr_vcpus_rec : 4;

	kvm->exit_evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (kvm->exit_evfd < 0)
		return -errno;
	pthread_mutex_init(&kvm->pause_lock, NULL);
	pthread_cond_init(&kvm->pause_cond, NULL);
	INIT_LIST_HEAD(&kvm->devices);
	if (bus_init(&kvm->pio_bus, "I/O port") ||
	    bus_init(&kvm->mmio_bus, "MMIO"))
		return -ENOMEM;
	return 0;
}

/*
 * Guest RAM is one host mapping; the arch splits it into banks around its
 * holes.  Anonymous memory by default, or a file on hugetlbfs.
 */
int kvm__init_ram(struct kvm *kvm)
{
	const char *dir = kvm->cfg.hugetlbfs;
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	void *p;

	kvm->ram_size = kvm->cfg.ram_size;
	kvm->ram_map_size = kvm->ram_size;
	if (kvm->restore_snap) {
		/*
		 * A restored VM's RAM is a private mapping of its snapshot:
		 * pages are read when first touched, so restore costs the same
		 * whatever the memory size.
		 */
		const struct snapshot_mem *m = &kvm->restore_mem;

		p = mmap(NULL, m->size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_NORESERVE, m->fd, m->offset);
		if (p == MAP_FAILED) {
			pr_err("--restore: cannot map guest RAM: %s",
			       strerror(errno));
			return -ENOMEM;
		}
		kvm->ram = p;
		kvm->ram_fd = m->fd;
		kvm->ram_fd_off = m->offset;
		return kvm__arch_memory_layout(kvm);
	}
	if (dir) {
		char path[PATH_MAX];
		struct statfs sfs;
		struct stat st;

		if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
			pr_err("--hugetlbfs %s: not a directory", dir);
			return -ENOTDIR;
		}
		if (statfs(dir, &sfs) < 0 || sfs.f_type != HUGETLBFS_MAGIC) {
			pr_err("--hugetlbfs %s: not a hugetlbfs mount "
			       "(mount -t hugetlbfs none %s)", dir, dir);
			return -EINVAL;
		}
		if (sfs.f_bsize <= 0 || kvm->ram_size % sfs.f_bsize) {
			pr_err("--hugetlbfs %s: -m %llu MiB is not a multiple of "
			       "its %ld KiB pages", dir,
			       (unsigned long long)(kvm->ram_size >> 20),
			       (long)sfs.f_bsize >> 10);
			return -EINVAL;
		}
		snprintf(path, sizeof(path), "%s/lkvm-XXXXXX", dir);
		kvm->ram_fd = mkstemp(path);
		if (kvm->ram_fd < 0) {
			pr_err("--hugetlbfs %s: %s", dir, strerror(errno));
			return -errno;
		}
		unlink(path);
		if (ftruncate(kvm->ram_fd, kvm->ram_size) < 0) {
			pr_err("--hugetlbfs %s: cannot size %llu MiB: %s", dir,
			       (unsigned long long)(kvm->ram_size >> 20),
			       strerror(errno));
			return -errno;
		}
		flags = MAP_SHARED;
	}
	p = mmap(NULL, kvm->ram_map_size, PROT_READ | PROT_WRITE, flags,
		 kvm->ram_fd, 0);
	if (p == MAP_FAILED) {
		pr_err("guest RAM: cannot map %llu MiB: %s",
		       (unsigned long long)(kvm->ram_size >> 20), strerror(errno));
		return -ENOMEM;
	}
	kvm->ram = p;
	return kvm__arch_memory_layout(kvm);
}

int kvm__register_mem(struct kvm *kvm, u64 gpa, u64 size, void *host)
{
	struct kvm_userspace_memory_region reg;
	struct kvm_mem_bank *b;

	if (kvm->mem.nr_banks >= KVM_MAX_MEM_BANKS)
		return -ENOSPC;
	b = &kvm->mem.bank[kvm->mem.nr_banks];
	reg = (struct kvm_userspace_memory_region) {
		.slot		 = kvm->mem.nr_banks,
		.guest_phys_addr = gpa,
		.memory_size	 = size,
		.userspace_addr	 = (unsigned long)host,
	};
	if (kvm->vm_fd >= 0 &&
	    ioctl(kvm->vm_fd, KVM_SET_USER_MEMORY_REGION, &reg) < 0) {
		pr_err("KVM_SET_USER_MEMORY_REGION at 0x%llx (%llu MiB): %s",
		       (unsigned long long)gpa, (unsigned long long)(size >> 20),
		       strerror(errno));
		return -errno;
	}
	b->gpa = gpa;
	b->size = size;
	b->host = host;
	b->slot = reg.slot;
	kvm->mem.nr_banks++;
	return 0;
}

void kvm__close(struct kvm *kvm)
{
	kvm_cpu__exit_all(kvm);
	if (kvm->io.epfd > 0 || kvm->io.running)
		iothread_stop(&kvm->io);
	kvm__exit_devices(kvm);
	if (kvm->io.epfd > 0)
		iothread_exit(&kvm->io);
	irq_routing_exit(kvm);
	pci_host_exit(kvm);
	kvm__arch_exit(kvm);
	if (kvm->ram)
		munmap(kvm->ram, kvm->ram_map_size);
	kvm->ram = NULL;
	if (kvm->ram_fd >= 0)
		close(kvm->ram_fd);
	else if (kvm->restore_mem.fd >= 0)
		close(kvm->restore_mem.fd);
	free(kvm->restore_cfg);
	snapshot_free(kvm->restore_snap);
	kvm->restore_cfg = NULL;
	kvm->restore_snap = NULL;
	if (kvm->vm_fd >= 0)
		close(kvm->vm_fd);
	if (kvm->sys_fd >= 0)
		close(kvm->sys_fd);
	if (kvm->exit_evfd >= 0)
		close(kvm->exit_evfd);
	kvm->vm_fd = kvm->sys_fd = kvm->ram_fd = kvm->exit_evfd = -1;
	bus_exit(&kvm->pio_bus);
	bus_exit(&kvm->mmio_bus);
}

int kvm__irq_line(struct kvm *kvm, u32 irq, int level)
{
	return kvm__arch_irq_line(kvm, irq, level);
}

int kvm__irq_trigger(struct kvm *kvm, u32 irq)
{
	int ret = kvm__irq_line(kvm, irq, 1);

	return ret ? ret : kvm__irq_line(kvm, irq, 0);
}

int kvm__irqfd(struct kvm *kvm, u32 gsi, int fd, int resample_fd, bool assign)
{
	struct kvm_irqfd irqfd = {
		.fd	= fd,
		.gsi	= gsi,
		.flags	= assign ? 0 : KVM_IRQFD_FLAG_DEASSIGN,
	};

	if (assign && resample_fd >= 0) {
		irqfd.flags |= KVM_IRQFD_FLAG_RESAMPLE;
		irqfd.resamplefd = resample_fd;
	}
	return ioctl(kvm->vm_fd, KVM_IRQFD, &irqfd) < 0 ? -errno : 0;
}

int kvm__ioeventfd(struct kvm *kvm, u64 addr, u32 len, int fd, bool pio,
		   bool assign, bool datamatch, u64 data)
{
	struct kvm_ioeventfd ioe = {
		.addr		= addr,
		.len		= len,
		.fd		= fd,
		.datamatch	= data,
	};

	if (pio)
		ioe.flags |= KVM_IOEVENTFD_FLAG_PIO;
	if (datamatch)
		ioe.flags |= KVM_IOEVENTFD_FLAG_DATAMATCH;
	if (!assign)
		ioe.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
	return ioctl(kvm->vm_fd, KVM_IOEVENTFD, &ioe) < 0 ? -errno : 0;
}

void kvm__request_exit(struct kvm *kvm, enum vm_exit_reason reason)
{
	int none = VM_EXIT_NONE;
	u64 one = 1;

	atomic_compare_exchange_strong(&kvm->exit_reason, &none, (int)reason);
	atomic_store(&kvm->stop, 1);
	if (kvm->exit_evfd >= 0 && write(kvm->exit_evfd, &one, sizeof(one)) < 0)
		pr_debug("exit eventfd: %s", strerror(errno));
}

static int nr_running_vcpus(struct kvm *kvm)
{
	int i, n = 0;

	for (i = 0; i < kvm->nr_cpus; i++)
		n += kvm->cpus[i]->started;
	return n;
}

/*
 * Stop every vCPU outside KVM_RUN. A vCPU leaves KVM_RUN within
 * microseconds of its kick; one that has not left it after the timeout
 * is stuck in the host kernel (seen with nested KVM under an emulator),
 * and waiting on would block the control socket and the main loop for
 * ever: the request is withdrawn and -ETIMEDOUT returned.
 */
int kvm__pause(struct kvm *kvm)
{
	unsigned int ms = kvm->pause_timeout_ms ? kvm->pause_timeout_ms :
			  KVM_PAUSE_TIMEOUT_MS;
	struct timespec deadline;
	int i, ret = 0, n;

	cond_deadline_ms(&deadline, ms);
	pthread_mutex_lock(&kvm->pause_lock);
	if (atomic_fetch_add(&kvm->pause_req, 1) == 0) {
		for (i = 0; i < kvm->nr_cpus; i++)
			if (kvm->cpus[i]->started)
				kvm_cpu__kick(kvm->cpus[i]);
	}
	while ((n = nr_running_vcpus(kvm)) > kvm->nr_paused &&
	       !atomic_load(&kvm->stop) && ret != ETIMEDOUT)
		ret = pthread_cond_timedwait(&kvm->pause_cond, &kvm->pause_lock,
					     &deadline);
	if (ret == ETIMEDOUT && n > kvm->nr_paused && !atomic_load(&kvm->stop)) {
		pr_warn("pause: %d of %d vCPUs did not leave KVM_RUN within %u ms",
			n - kvm->nr_paused, n, ms);
		if (atomic_fetch_sub(&kvm->pause_req, 1) == 1)
			pthread_cond_broadcast(&kvm->pause_cond);
		pthread_mutex_unlock(&kvm->pause_lock);
		return -ETIMEDOUT;
	}
	pthread_mutex_unlock(&kvm->pause_lock);
	return atomic_load(&kvm->stop) ? -ESHUTDOWN : 0;
}

int kvm__resume(struct kvm *kvm)
{
	pthread_mutex_lock(&kvm->pause_lock);
	if (atomic_load(&kvm->pause_req) > 0 &&
	    atomic_fetch_sub(&kvm->pause_req, 1) == 1)
		pthread_cond_broadcast(&kvm->pause_cond);
	pthread_mutex_unlock(&kvm->pause_lock);
	return 0;
}

const char *vm_state_name(enum vm_state s)
{
	switch (s) {
	case VM_STATE_RUNNING:	return "running";
	case VM_STATE_PAUSED:	return "paused";
	case VM_STATE_SHUTOFF:	return "shut off";
	}
	return "unknown";
}

void kvm__add_device(struct kvm *kvm, struct vm_device *dev)
{
	dev->kvm = kvm;
	list_add_tail(&dev->list, &kvm->devices);
}

void kvm__reset_devices(struct kvm *kvm)
{
	struct vm_device *dev;

	list_for_each_entry(dev, &kvm->devices, list)
		if (dev->ops->reset)
			dev->ops->reset(dev);
}

void kvm__exit_devices(struct kvm *kvm)
{
	struct vm_device *dev;

	if (!kvm->devices.next)
		return;
	/* Reverse order of creation: later devices may use earlier ones. */
	while (!list_empty(&kvm->devices)) {
		dev = list_entry(kvm->devices.prev, struct vm_device, list);
		list_del(&dev->list);
		if (dev->ops->exit)
			dev->ops->exit(dev);
	}
}
