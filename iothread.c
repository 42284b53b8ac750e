// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>

#include "kvm/iothread.h"
#include "kvm/util.h"

struct io_handler {
	int		fd;
	io_handler_fn	fn;
	void		*opaque;
};

int iothread_init(struct iothread *io)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

	memset(io, 0, sizeof(*io));
	pthread_mutex_init(&io->lock, NULL);
	io->epfd = epoll_create1(EPOLL_CLOEXEC);
	io->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (io->epfd < 0 || io->stop_fd < 0 ||
	    epoll_ctl(io->epfd, EPOLL_CTL_ADD, io->stop_fd, &ev) < 0) {
		pr_err("I/O thread: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static void *iothread_fn(void *arg)
{
	struct iothread *io = arg;

	io->tid = syscall(SYS_gettid);
	pthread_setname_np(pthread_self(), "kvm-io");
	for (;;) {
		struct epoll_event evs[16];
		int i, n = epoll_wait(io->epfd, evs, ARRAY_SIZE(evs), -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			pr_err("I/O thread: epoll_wait: %s", strerror(errno));
			break;
		}
		pthread_mutex_lock(&io->lock);
		for (i = 0; i < n; i++) {
			struct io_handler *h = evs[i].data.ptr;

			if (!h) {
				pthread_mutex_unlock(&io->lock);
				return NULL;	/* stop requested */
			}
			/* A handler deleted earlier in this batch has fd -1. */
			if (h->fd >= 0)
				h->fn(h->opaque);
		}
		pthread_mutex_unlock(&io->lock);
	}
	return NULL;
}

int iothread_start(struct iothread *io)
{
	int ret = pthread_create(&io->thread, NULL, iothread_fn, io);

	if (ret) {
		pr_err("I/O thread: %s", strerror(ret));
		return -ret;
	}
	io->running = true;
	return 0;
}

void iothread_stop(struct iothread *io)
{
	u64 one = 1;

	if (!io->running)
		return;
	if (write(io->stop_fd, &one, sizeof(one)) < 0)
		pr_err("I/O thread: cannot stop: %s", strerror(errno));
	pthread_join(io->thread, NULL);
	io->running = false;
}

void iothread_exit(struct iothread *io)
{
	iothread_stop(io);
	if (io->epfd >= 0)
		close(io->epfd);
	if (io->stop_fd >= 0)
		close(io->stop_fd);
	io->epfd = io->stop_fd = -1;
}

struct io_handler *iothread_add(struct iothread *io, int fd, io_handler_fn fn,
				void *opaque)
{
	struct io_handler *h = calloc(1, sizeof(*h));
	struct epoll_event ev = { .events = EPOLLIN };

	if (!h)
		return NULL;
	h->fd = fd;
	h->fn = fn;
	h->opaque = opaque;
	ev.data.ptr = h;
	if (epoll_ctl(io->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		pr_err("I/O thread: cannot watch fd %d: %s", fd, strerror(errno));
		free(h);
		return NULL;
	}
	return h;
}

void iothread_del(struct iothread *io, struct io_handler *h)
{
	bool self = io->running && syscall(SYS_gettid) == io->tid;

	if (!h)
		return;
	epoll_ctl(io->epfd, EPOLL_CTL_DEL, h->fd, NULL);
	if (!self)
		pthread_mutex_lock(&io->lock);
	h->fd = -1;
	/*
	 * From the I/O thread itself, the current batch may still name @h:
	 * leak it rather than free it under the loop's feet (rare: only on
	 * device teardown from a callback).
	 */
	if (!self)
		free(h);
	if (!self)
		pthread_mutex_unlock(&io->lock);
}

void iothread_pause(struct iothread *io)
{
	pthread_mutex_lock(&io->lock);
}

void iothread_resume(struct iothread *io)
{
	pthread_mutex_unlock(&io->lock);
}
