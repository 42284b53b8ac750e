// SPDX-License-Identifier: GPL-2.0
/*
 * lkvm run: build the VM, start its vCPUs, serve the console and the
 * control socket until the guest powers off, resets, or is stopped.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>

#include "kvm/builtin.h"
#include "kvm/config.h"
#include "kvm/ctl.h"
#include "kvm/irq.h"
#include "kvm/pci.h"
#include "kvm/kvm.h"
#include "kvm/kvm-cpu.h"
#include "kvm/term.h"
#include "kvm/util.h"
#include "kvm/virtio.h"
#include "kvm/vm-state.h"

enum { EV_EXIT, EV_SIGNAL, EV_TERM, EV_CTL };

static int epoll_add(int ep, int fd, u64 tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* Serve events until the VM must end. */
static void main_loop(struct kvm *kvm, int sfd)
{
	struct term *term = kvm->term;
	bool term_in = term && term->in_fd >= 0;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0 || epoll_add(ep, kvm->exit_evfd, EV_EXIT) ||
	    epoll_add(ep, sfd, EV_SIGNAL) ||
	    (kvm->ctl && epoll_add(ep, ctl_server_fd(kvm->ctl), EV_CTL))) {
		pr_err("main loop: %s", strerror(errno));
		kvm__request_exit(kvm, VM_EXIT_ERROR);
		return;
	}
	if (term_in && epoll_add(ep, term->in_fd, EV_TERM))
		term_in = false;	/* e.g. a regular file: no input */

	while (!atomic_load(&kvm->stop)) {
		struct epoll_event evs[8];
		int i, n = epoll_wait(ep, evs, ARRAY_SIZE(evs), -1);

		if (n < 0 && errno != EINTR)
			break;
		for (i = 0; i < n; i++) {
			struct signalfd_siginfo si;

			switch (evs[i].data.u64) {
			case EV_EXIT:
				break;
			case EV_SIGNAL:
				if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
					pr_info("signal %u: stopping the VM",
						si.ssi_signo);
					kvm__request_exit(kvm, VM_EXIT_STOP);
				}
				break;
			case EV_TERM:
				term_handle_input(term);
				if (term->eof) {
					epoll_ctl(ep, EPOLL_CTL_DEL, term->in_fd,
						  NULL);
					term_in = false;
				}
				break;
			case EV_CTL:
				ctl_server_handle(kvm->ctl);
				break;
			}
		}
	}
	close(ep);
}

/* virtio devices, in the order their PCI slots are given out. */
static int init_virtio_devices(struct kvm *kvm)
{
	int ret = virtio_console__init(kvm);

	if (!ret)
		ret = virtio_rng__init(kvm);
	if (!ret)
		ret = virtio_blk__init(kvm);
	if (!ret)
		ret = virtio_9p__init(kvm);
	return ret;
}

static int exit_status(struct kvm *kvm)
{
	switch (atomic_load(&kvm->exit_reason)) {
	case VM_EXIT_POWEROFF:
		pr_info("guest powered off");
		return 0;
	case VM_EXIT_RESET:
		pr_info("guest reset");
		return 0;
	case VM_EXIT_STOP:
		return 0;
	default:
		return 1;
	}
}

int cmd_run(int argc, const char **argv)
{
	struct kvm *kvm;
	struct term term;
	sigset_t sigs;
	int sfd = -1, ret, status = 1;

	kvm = calloc(1, sizeof(*kvm));
	if (!kvm)
		return 1;
	kvm->start_ns = monotonic_ns();
	kvm->sys_fd = kvm->vm_fd = kvm->ram_fd = kvm->exit_evfd = -1;
	kvm->restore_mem.fd = -1;
	ret = kvm_config_parse_run(&kvm->cfg, argc, argv);
	if (ret == -2) {
		free(kvm);
		return 0;
	}
	if (ret)
		goto out_free;
	/* --restore: the configuration comes from the snapshot. */
	if (kvm->cfg.restore_dir &&
	    kvm__restore_prepare(kvm, kvm->cfg.restore_dir))
		goto out;
	if (kvm_config_finalize(&kvm->cfg))
		goto out;
	if (ctl_sock_dir(kvm->cfg.sock_dir, sizeof(kvm->cfg.sock_dir)))
		goto out_free;
	if (!kvm->cfg.name) {
		snprintf(kvm->cfg.name_buf, sizeof(kvm->cfg.name_buf),
			 "guest-%d", getpid());
		kvm->cfg.name = kvm->cfg.name_buf;
	}

	/*
	 * SIGINT/SIGTERM/SIGHUP end the VM in order, through the main loop.
	 * Block them before any thread exists, so that every thread a device
	 * starts inherits the mask and only the signalfd sees them.
	 */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	sigdelset(&sigs, SIGPIPE);

	if (kvm__open(kvm, "/dev/kvm"))
		goto out;
	if (kvm_config_check_vcpus(&kvm->cfg, kvm->max_vcpus))
		goto out;
	if (kvm__arch_init(kvm) || kvm__init_ram(kvm))
		goto out;
	if (irq_routing_init(kvm) || iothread_init(&kvm->io))
		goto out;

	term_init(&term, kvm, STDIN_FILENO, STDOUT_FILENO);
	kvm->term = &term;
	if (pci_host_init(kvm) || kvm__arch_init_devices(kvm) ||
	    init_virtio_devices(kvm) ||
	    (!kvm->restore_snap && kvm__arch_load_kernel(kvm)))
		goto out_term;
	if (kvm_cpu__init_all(kvm) || kvm__arch_finalize(kvm) ||
	    pci_host_finalize(kvm))
		goto out_term;
	/* Nothing runs before every piece of state is back. */
	if (kvm->restore_snap && kvm__restore_state(kvm))
		goto out_term;
	/* --dump-dtb (arm64): finalize wrote the device tree; nothing runs. */
	if (kvm->cfg.dump_dtb) {
		status = 0;
		goto out_term;
	}
	if (ctl_server_start(kvm))
		goto out_term;

	sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		pr_err("signalfd: %s", strerror(errno));
		goto out_ctl;
	}

	pr_info("starting %s: %d vCPU%s, %llu MiB, %s %s", kvm->cfg.name,
		kvm->cfg.nrcpus, kvm->cfg.nrcpus > 1 ? "s" : "",
		(unsigned long long)(kvm->ram_size >> 20),
		kvm->cfg.restore_dir ? "restored from" : "kernel",
		kvm->cfg.restore_dir ? kvm->cfg.restore_dir : kvm->cfg.kernel);
	if (iothread_start(&kvm->io) || kvm_cpu__start_all(kvm))
		kvm__request_exit(kvm, VM_EXIT_ERROR);
	else
		main_loop(kvm, sfd);

	kvm_cpu__stop_all(kvm);
	iothread_stop(&kvm->io);
	atomic_store(&kvm->state, VM_STATE_SHUTOFF);
	status = exit_status(kvm);
	close(sfd);
out_ctl:
	ctl_server_stop(kvm->ctl);
out_term:
	term_restore(&term);
out:
	kvm__close(kvm);
out_free:
	kvm_config_free(&kvm->cfg);
	free(kvm);
	return status;
}
