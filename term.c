// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include <unistd.h>

#include "kvm/kvm.h"
#include "kvm/term.h"
#include "kvm/util.h"

#define CTRL_A	0x01

int term_init(struct term *t, struct kvm *kvm, int in_fd, int out_fd)
{
	struct termios raw;

	memset(t, 0, sizeof(*t));
	t->kvm = kvm;
	t->in_fd = in_fd;
	t->out_fd = out_fd;
	pthread_mutex_init(&t->lock, NULL);
	if (in_fd < 0 || !isatty(in_fd))
		return 0;
	if (tcgetattr(in_fd, &t->orig) < 0)
		return 0;
	t->is_tty = true;
	raw = t->orig;
	cfmakeraw(&raw);
	/* Keep output post-processing so host-side messages stay readable. */
	raw.c_oflag |= OPOST | ONLCR;
	if (tcsetattr(in_fd, TCSANOW, &raw) < 0)
		return -errno;
	t->raw = true;
	return 0;
}

void term_restore(struct term *t)
{
	if (t->raw) {
		tcsetattr(t->in_fd, TCSANOW, &t->orig);
		t->raw = false;
	}
}

static void ring_put(struct term *t, u8 c)
{
	if (t->head - t->tail < TERM_RING_SIZE)
		t->ring[t->head++ % TERM_RING_SIZE] = c;
}

void term_handle_input(struct term *t)
{
	u8 buf[256];
	ssize_t n, i;
	bool got = false;

	n = read(t->in_fd, buf, sizeof(buf));
	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN))
			t->eof = true;
		return;
	}
	pthread_mutex_lock(&t->lock);
	for (i = 0; i < n; i++) {
		u8 c = buf[i];

		if (t->escape) {
			t->escape = false;
			if (c == 'x' || c == 'X') {
				pthread_mutex_unlock(&t->lock);
				if (t->kvm)
					kvm__request_exit(t->kvm, VM_EXIT_STOP);
				return;
			}
			if (c != CTRL_A)
				ring_put(t, CTRL_A);
		} else if (c == CTRL_A && t->is_tty) {
			t->escape = true;
			continue;
		}
		ring_put(t, c);
		got = true;
	}
	pthread_mutex_unlock(&t->lock);
	if (got && t->notify)
		t->notify(t->notify_opaque);
}

u32 term_read(struct term *t, u8 *buf, u32 len)
{
	u32 n = 0;

	pthread_mutex_lock(&t->lock);
	while (n < len && t->tail != t->head)
		buf[n++] = t->ring[t->tail++ % TERM_RING_SIZE];
	pthread_mutex_unlock(&t->lock);
	return n;
}

bool term_has_input(struct term *t)
{
	bool r;

	pthread_mutex_lock(&t->lock);
	r = t->tail != t->head;
	pthread_mutex_unlock(&t->lock);
	return r;
}

void term_write(struct term *t, const u8 *buf, u32 len)
{
	if (t && t->out_fd >= 0 && write_in_full(t->out_fd, buf, len) < 0)
		t->out_fd = -1;	/* reader went away: drop output */
}

void term_set_sink(struct term *t, term_notify_fn fn, void *opaque)
{
	t->notify = fn;
	t->notify_opaque = opaque;
}
