/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The console terminal: lkvm's stdin/stdout.  When stdin is a tty it is
 * put in raw mode for the guest console and always restored.
 *
 * Input: the main loop reads stdin into a ring buffer and calls the
 * console sink's notify callback; the sink (8250 or virtio-console) pulls
 * bytes with term_read() when it has room.  Ctrl-A x stops the VM,
 * Ctrl-A Ctrl-A sends a literal Ctrl-A.
 */
#ifndef KVM__TERM_H
#define KVM__TERM_H

#include <pthread.h>
#include <termios.h>
#include "kvm/compiler.h"

struct kvm;

#define TERM_RING_SIZE	4096

typedef void (*term_notify_fn)(void *opaque);

struct term {
	struct kvm	*kvm;
	int		in_fd;		/* -1: no input */
	int		out_fd;
	bool		is_tty;
	bool		raw;
	bool		eof;
	struct termios	orig;
	bool		escape;		/* last byte was Ctrl-A */

	pthread_mutex_t	lock;
	u8		ring[TERM_RING_SIZE];
	u32		head, tail;	/* free-running */
	term_notify_fn	notify;
	void		*notify_opaque;
};

int term_init(struct term *t, struct kvm *kvm, int in_fd, int out_fd);
void term_restore(struct term *t);
/* Called by the main loop when in_fd is readable. */
void term_handle_input(struct term *t);
/* Pull up to @len bytes of input; returns the count. */
u32 term_read(struct term *t, u8 *buf, u32 len);
bool term_has_input(struct term *t);
/* Guest console output. */
void term_write(struct term *t, const u8 *buf, u32 len);
void term_set_sink(struct term *t, term_notify_fn fn, void *opaque);

#endif
