// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-console (--console virtio): one port, the guest's hvc0, wired to
 * lkvm's terminal.  Queue 0 receives (host to guest), queue 1 transmits.
 */
#include <stdlib.h>
#include <string.h>
#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>

#include "kvm/kvm.h"
#include "kvm/term.h"
#include "kvm/util.h"
#include "kvm/virtio.h"

#define CON_QUEUE_SIZE	128
#define CON_RX		0
#define CON_TX		1

struct virtio_con {
	struct virtio_dev		vdev;
	struct term			*term;
	pthread_mutex_t			lock;	/* one user of the queues at a time */
	struct vq_chain			chain;
	struct virtio_console_config	config;
};

/* Move pending terminal input into the guest's receive buffers. */
static void con_rx(struct virtio_con *con)
{
	struct virtio_dev *vdev = &con->vdev;
	struct virt_queue *vq = &vdev->vq[CON_RX];
	struct vq_chain *c = &con->chain;
	bool pushed = false;
	int r;

	if (!con->term)
		return;
	pthread_mutex_lock(&con->lock);
	while (term_has_input(con->term) && (r = virtq_pop(vq, c)) != 0) {
		u32 len = 0, i;

		if (r < 0)
			continue;
		for (i = c->nr_out; i < (u32)(c->nr_out + c->nr_in); i++) {
			u32 n = term_read(con->term, c->iov[i].iov_base,
					  c->iov[i].iov_len);

			len += n;
			if (n < c->iov[i].iov_len)
				break;
		}
		virtq_push(vq, c->head, len);
		pushed = true;
	}
	pthread_mutex_unlock(&con->lock);
	if (pushed)
		virtio_signal_vq(vdev, CON_RX);
}

static void con_tx(struct virtio_con *con)
{
	struct virtio_dev *vdev = &con->vdev;
	struct virt_queue *vq = &vdev->vq[CON_TX];
	struct vq_chain *c = &con->chain;
	bool pushed = false;
	int r;

	pthread_mutex_lock(&con->lock);
	while ((r = virtq_pop(vq, c)) != 0) {
		u32 i;

		if (r < 0)
			continue;
		for (i = 0; i < c->nr_out; i++)
			term_write(con->term, c->iov[i].iov_base,
				   c->iov[i].iov_len);
		virtq_push(vq, c->head, 0);
		pushed = true;
	}
	pthread_mutex_unlock(&con->lock);
	if (pushed)
		virtio_signal_vq(vdev, CON_TX);
}

static void con_term_notify(void *opaque)
{
	struct virtio_con *con = opaque;

	if (con->vdev.vq[CON_RX].enabled)
		con_rx(con);
}

static void con_queue_notify(struct virtio_dev *vdev, u16 q)
{
	struct virtio_con *con = vdev->priv;

	if (q == CON_TX)
		con_tx(con);
	else
		con_rx(con);
}

static void con_queue_stop(struct virtio_dev *vdev, u16 q)
{
	struct virtio_con *con = vdev->priv;

	pthread_mutex_lock(&con->lock);
	pthread_mutex_unlock(&con->lock);
}

static void con_config(struct virtio_dev *vdev, u32 off, u8 *data, u32 len,
		       bool is_write)
{
	struct virtio_con *con = vdev->priv;

	if (is_write)
		return;	/* emerg_wr is not offered; the rest is read-only */
	memcpy(data, (u8 *)&con->config + off, len);
}

static void con_exit(struct virtio_dev *vdev)
{
	struct virtio_con *con = vdev->priv;

	if (con->term)
		term_set_sink(con->term, NULL, NULL);
	free(con);
}

static const struct virtio_dev_ops con_ops = {
	.name		= "console",
	.device_id	= VIRTIO_ID_CONSOLE,
	.pci_class	= 0x078000,	/* simple communication controller */
	.nr_queues	= 2,
	.queue_size	= CON_QUEUE_SIZE,
	.config_size	= sizeof(struct virtio_console_config),
	.config_access	= con_config,
	.queue_ready	= con_queue_notify,
	.queue_notify	= con_queue_notify,
	.queue_stop	= con_queue_stop,
	.exit		= con_exit,
};

int virtio_console__init(struct kvm *kvm)
{
	struct virtio_con *con;
	int ret;

	if (kvm->cfg.console != CONSOLE_VIRTIO)
		return 0;
	con = calloc(1, sizeof(*con));
	if (!con)
		return -ENOMEM;
	pthread_mutex_init(&con->lock, NULL);
	con->term = kvm->term;
	con->config.cols = 80;
	con->config.rows = 24;
	ret = virtio_dev_init(kvm, &con->vdev, &con_ops, con, "virtio-console");
	if (ret) {
		free(con);
		return ret;
	}
	if (con->term)
		term_set_sink(con->term, con_term_notify, con);
	return 0;
}
