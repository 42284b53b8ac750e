/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VM's I/O thread: one epoll loop that runs short callbacks when
 * file descriptors (ioeventfds, irqfd resample fds, backend fds) become
 * readable, off the vCPU threads.  Long work belongs in device threads.
 */
#ifndef KVM__IOTHREAD_H
#define KVM__IOTHREAD_H

#include <pthread.h>
#include "kvm/compiler.h"

struct kvm;

typedef void (*io_handler_fn)(void *opaque);

struct io_handler;

struct iothread {
	int		epfd;
	int		stop_fd;
	pthread_t	thread;
	pid_t		tid;
	bool		running;
	pthread_mutex_t	lock;	/* held while a callback runs */
};

int iothread_init(struct iothread *io);
int iothread_start(struct iothread *io);
void iothread_stop(struct iothread *io);
void iothread_exit(struct iothread *io);
/*
 * Call @fn(@opaque) whenever @fd is readable; @fn must drain @fd.  Returns
 * a handle for iothread_del(), or NULL.
 */
struct io_handler *iothread_add(struct iothread *io, int fd, io_handler_fn fn,
				void *opaque);
/* After it returns, the callback no longer runs (safe to free opaque). */
void iothread_del(struct iothread *io, struct io_handler *h);
/* Hold off every callback (e.g. while devices are saved); not from the
 * I/O thread itself. */
void iothread_pause(struct iothread *io);
void iothread_resume(struct iothread *io);

#endif
