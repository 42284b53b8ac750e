// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs: one thread each, running KVM_RUN and dispatching exits.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "kvm/kvm.h"
#include "kvm/kvm-cpu.h"
#include "kvm/ioport.h"
#include "kvm/mmio.h"
#include "kvm/util.h"

#define SIG_VCPU_KICK	(SIGRTMIN + 0)

static void kick_handler(int sig __unused)
{
}

static int install_kick_handler(void)
{
	struct sigaction sa = { .sa_handler = kick_handler };

	/* No SA_RESTART: KVM_RUN must return with EINTR. */
	sigemptyset(&sa.sa_mask);
	return sigaction(SIG_VCPU_KICK, &sa, NULL);
}

static struct kvm_cpu *kvm_cpu__new(struct kvm *kvm, unsigned long id)
{
	struct kvm_cpu *vcpu = calloc(1, sizeof(*vcpu));

	if (!vcpu)
		return NULL;
	vcpu->kvm = kvm;
	vcpu->id = id;
	vcpu->fd = ioctl(kvm->vm_fd, KVM_CREATE_VCPU, id);
	if (vcpu->fd < 0) {
		pr_err("vCPU %lu: KVM_CREATE_VCPU: %s", id, strerror(errno));
		free(vcpu);
		return NULL;
	}
	vcpu->run = mmap(NULL, kvm->vcpu_mmap_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		pr_err("vCPU %lu: cannot map kvm_run: %s", id, strerror(errno));
		close(vcpu->fd);
		free(vcpu);
		return NULL;
	}
	return vcpu;
}

int kvm_cpu__init_all(struct kvm *kvm)
{
	int i, ret;

	if (install_kick_handler() < 0)
		return -errno;
	kvm->cpus = calloc(kvm->cfg.nrcpus, sizeof(*kvm->cpus));
	if (!kvm->cpus)
		return -ENOMEM;
	for (i = 0; i < kvm->cfg.nrcpus; i++) {
		struct kvm_cpu *vcpu = kvm_cpu__new(kvm, i);

		if (!vcpu)
			return -EINVAL;
		kvm->cpus[i] = vcpu;
		kvm->nr_cpus = i + 1;
		ret = kvm_cpu__arch_init(vcpu);
		if (ret)
			return ret;
	}
	return 0;
}

void kvm_cpu__kick(struct kvm_cpu *vcpu)
{
	__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	pthread_kill(vcpu->thread, SIG_VCPU_KICK);
}

static void vcpu_park(struct kvm_cpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;

	pthread_mutex_lock(&kvm->pause_lock);
	if (atomic_load(&kvm->pause_req) && !atomic_load(&kvm->stop)) {
		kvm->nr_paused++;
		pthread_cond_broadcast(&kvm->pause_cond);
		while (atomic_load(&kvm->pause_req) && !atomic_load(&kvm->stop))
			pthread_cond_wait(&kvm->pause_cond, &kvm->pause_lock);
		kvm->nr_paused--;
	}
	pthread_mutex_unlock(&kvm->pause_lock);
}

static void vcpu_fail(struct kvm_cpu *vcpu, const char *fmt, const char *what)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, what);
	pr_err("vCPU %lu: %s", vcpu->id, msg);
	kvm_cpu__dump(vcpu, stderr);
	kvm__request_exit(vcpu->kvm, VM_EXIT_ERROR);
}

static bool handle_system_event(struct kvm_cpu *vcpu)
{
	switch (vcpu->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		kvm__request_exit(vcpu->kvm, VM_EXIT_POWEROFF);
		return true;
	case KVM_SYSTEM_EVENT_RESET:
		kvm__request_exit(vcpu->kvm, VM_EXIT_RESET);
		return true;
	case KVM_SYSTEM_EVENT_CRASH:
		vcpu_fail(vcpu, "%s", "guest reported a crash (system event)");
		return true;
	}
	return false;
}

/* Returns false when the vCPU must stop running. */
static bool kvm_cpu__handle_exit(struct kvm_cpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	char buf[64];

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		kvm__emulate_io(vcpu, run->io.port, (u8 *)run + run->io.data_offset,
				run->io.direction == KVM_EXIT_IO_OUT,
				run->io.size, run->io.count);
		return true;
	case KVM_EXIT_MMIO:
		kvm__emulate_mmio(vcpu, run->mmio.phys_addr, run->mmio.data,
				  run->mmio.len, run->mmio.is_write);
		return true;
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_SYSTEM_EVENT:
		if (handle_system_event(vcpu))
			return false;
		break;
	case KVM_EXIT_SHUTDOWN:
		vcpu_fail(vcpu, "%s", "guest shut down (triple fault)");
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)
			 run->fail_entry.hardware_entry_failure_reason);
		vcpu_fail(vcpu, "KVM_EXIT_FAIL_ENTRY, hardware reason %s", buf);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(buf, sizeof(buf), "%u", run->internal.suberror);
		vcpu_fail(vcpu, "KVM internal error, suberror %s", buf);
		return false;
	default:
		if (kvm_cpu__arch_handle_exit(vcpu))
			return !atomic_load(&vcpu->kvm->stop);
		break;
	}
	snprintf(buf, sizeof(buf), "%u", run->exit_reason);
	vcpu_fail(vcpu, "unhandled exit reason %s", buf);
	return false;
}

/*
 * An MMIO or port I/O exit is complete (a read's value in its register,
 * the PC past the instruction) only when KVM_RUN is entered again
 * (api.rst, KVM_EXIT_MMIO): enter it with immediate_exit set, which runs
 * no guest instruction, before parking, so that a paused vCPU's state is
 * whole when it is saved.
 */
static void vcpu_complete_io(struct kvm_cpu *vcpu)
{
	__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (ioctl(vcpu->fd, KVM_RUN, 0) < 0 && errno != EINTR && errno != EAGAIN)
		pr_warn("vCPU %lu: completing an I/O exit: %s", vcpu->id,
			strerror(errno));
	__atomic_store_n(&vcpu->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
}

static void *vcpu_thread(void *arg)
{
	struct kvm_cpu *vcpu = arg;
	struct kvm *kvm = vcpu->kvm;
	char name[16];
	sigset_t set;
	bool io_pending = false;

	vcpu->tid = syscall(SYS_gettid);
	snprintf(name, sizeof(name), "kvm-vcpu-%lu", vcpu->id);
	pthread_setname_np(pthread_self(), name);
	sigemptyset(&set);
	sigaddset(&set, SIG_VCPU_KICK);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	while (!atomic_load(&kvm->stop)) {
		if (unlikely(atomic_load(&kvm->pause_req))) {
			if (io_pending)
				vcpu_complete_io(vcpu);
			io_pending = false;
			vcpu_park(vcpu);
			continue;
		}
		kvm_cpu__arch_pre_run(vcpu);
		io_pending = false;
		if (unlikely(!vcpu->entered)) {
			vcpu->entered = true;
			if (vcpu->id == 0 && kvm->start_ns)
				pr_info("vCPU 0 enters the guest %.3f ms after start",
					(monotonic_ns() - kvm->start_ns) / 1e6);
		}
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				__atomic_store_n(&vcpu->run->immediate_exit, 0,
						 __ATOMIC_SEQ_CST);
				continue;
			}
			vcpu_fail(vcpu, "KVM_RUN: %s", strerror(errno));
			break;
		}
		/* (riscv: SBI and CSR exits complete the same way) */
		io_pending = vcpu->run->exit_reason == KVM_EXIT_MMIO ||
			     vcpu->run->exit_reason == KVM_EXIT_IO ||
			     vcpu->run->exit_reason == KVM_EXIT_RISCV_SBI ||
			     vcpu->run->exit_reason == KVM_EXIT_RISCV_CSR;
		if (!kvm_cpu__handle_exit(vcpu))
			break;
	}
	/* Wake a pauser that counts parked vCPUs. */
	pthread_mutex_lock(&kvm->pause_lock);
	pthread_cond_broadcast(&kvm->pause_cond);
	pthread_mutex_unlock(&kvm->pause_lock);
	return NULL;
}

int kvm_cpu__start_all(struct kvm *kvm)
{
	const char *affinity = kvm->cfg.vcpu_affinity;
	pthread_attr_t attr;
	cpu_set_t set;
	int i, ret = 0;

	/* --vcpu-affinity: every vCPU thread runs on the listed host CPUs. */
	pthread_attr_init(&attr);
	if (affinity && (parse_cpulist(affinity, &set) ||
			 pthread_attr_setaffinity_np(&attr, sizeof(set), &set))) {
		pr_err("--vcpu-affinity %s: not a usable CPU list", affinity);
		ret = -EINVAL;
	}
	for (i = 0; i < kvm->nr_cpus && !ret; i++) {
		struct kvm_cpu *vcpu = kvm->cpus[i];

		ret = pthread_create(&vcpu->thread, &attr, vcpu_thread, vcpu);
		if (ret) {
			pr_err("vCPU %d: cannot start thread%s%s: %s", i,
			       affinity ? " on CPUs " : "",
			       affinity ? affinity : "", strerror(ret));
			ret = -ret;
			break;
		}
		vcpu->started = true;
	}
	pthread_attr_destroy(&attr);
	return ret;
}

void kvm_cpu__stop_all(struct kvm *kvm)
{
	int i;

	atomic_store(&kvm->stop, 1);
	pthread_mutex_lock(&kvm->pause_lock);
	pthread_cond_broadcast(&kvm->pause_cond);
	pthread_mutex_unlock(&kvm->pause_lock);
	for (i = 0; i < kvm->nr_cpus; i++)
		if (kvm->cpus[i]->started)
			kvm_cpu__kick(kvm->cpus[i]);
	for (i = 0; i < kvm->nr_cpus; i++) {
		if (kvm->cpus[i]->started) {
			pthread_join(kvm->cpus[i]->thread, NULL);
			kvm->cpus[i]->started = false;
		}
	}
}

void kvm_cpu__exit_all(struct kvm *kvm)
{
	int i;

	if (!kvm->cpus)
		return;
	kvm_cpu__stop_all(kvm);
	for (i = 0; i < kvm->nr_cpus; i++) {
		struct kvm_cpu *vcpu = kvm->cpus[i];

		kvm_cpu__arch_exit(vcpu);
		munmap(vcpu->run, kvm->vcpu_mmap_size);
		close(vcpu->fd);
		free(vcpu);
	}
	free(kvm->cpus);
	kvm->cpus = NULL;
	kvm->nr_cpus = 0;
}

void kvm_cpu__dump(struct kvm_cpu *vcpu, FILE *f)
{
	fprintf(f, "\n vCPU %lu, exit reason %u\n", vcpu->id,
		vcpu->run->exit_reason);
	kvm_cpu__arch_dump(vcpu, f);
	fflush(f);
}

int kvm_cpu__run_delay(struct kvm_cpu *vcpu, u64 *ns)
{
	char path[64], buf[128];
	unsigned long long run, delay;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", vcpu->tid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	ok = fgets(buf, sizeof(buf), f) &&
	     sscanf(buf, "%llu %llu", &run, &delay) == 2;
	fclose(f);
	if (!ok)
		return -EIO;
	*ns = delay;
	return 0;
}

/* Architectures with nothing to do before KVM_RUN override nothing. */
__attribute__((weak)) void kvm_cpu__arch_pre_run(struct kvm_cpu *vcpu)
{
}

/* Architectures without paravirtual stolen time override nothing. */
__attribute__((weak)) int kvm_cpu__arch_steal_time(struct kvm_cpu *vcpu,
						    u64 *ns)
{
	return -EOPNOTSUPP;
}
