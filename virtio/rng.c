// SPDX-License-Identifier: GPL-2.0
/* virtio-rng (--rng): entropy from the host's getrandom(). */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <linux/virtio_ids.h>

#include "kvm/kvm.h"
#include "kvm/util.h"
#include "kvm/virtio.h"

#define RNG_QUEUE_SIZE	64
#define RNG_MAX_CHUNK	(64 * 1024)	/* per request, bounded */

struct virtio_rng {
	struct virtio_dev	vdev;
	struct vq_chain		chain;	/* used under the queue's lock only */
	pthread_mutex_t		lock;
};

/* Fill the device-writable part of every available chain. */
static void rng_queue_notify(struct virtio_dev *vdev, u16 q)
{
	struct virtio_rng *rng = vdev->priv;
	struct virt_queue *vq = &vdev->vq[0];
	struct vq_chain *c = &rng->chain;
	bool pushed = false;
	int r;

	pthread_mutex_lock(&rng->lock);
	while ((r = virtq_pop(vq, c)) != 0) {
		u32 len = 0, i;

		if (r < 0)
			continue;
		for (i = c->nr_out; i < (u32)(c->nr_out + c->nr_in); i++) {
			size_t want = min_t(size_t, c->iov[i].iov_len,
					    RNG_MAX_CHUNK - len);
			ssize_t n = want ? getrandom(c->iov[i].iov_base, want, 0) : 0;

			if (n <= 0)
				break;
			len += n;
			if ((size_t)n < want || len >= RNG_MAX_CHUNK)
				break;
		}
		virtq_push(vq, c->head, len);
		pushed = true;
	}
	pthread_mutex_unlock(&rng->lock);
	if (pushed)
		virtio_signal_vq(vdev, 0);
}

static void rng_queue_ready(struct virtio_dev *vdev, u16 q)
{
	rng_queue_notify(vdev, q);
}

static void rng_queue_stop(struct virtio_dev *vdev, u16 q)
{
	struct virtio_rng *rng = vdev->priv;

	/* Wait out a notify in progress. */
	pthread_mutex_lock(&rng->lock);
	pthread_mutex_unlock(&rng->lock);
}

static void rng_exit(struct virtio_dev *vdev)
{
	free(vdev->priv);
}

static const struct virtio_dev_ops rng_ops = {
	.name		= "rng",
	.device_id	= VIRTIO_ID_RNG,
	.pci_class	= 0x00ff00,
	.nr_queues	= 1,
	.queue_size	= RNG_QUEUE_SIZE,
	.config_size	= 0,
	.queue_ready	= rng_queue_ready,
	.queue_notify	= rng_queue_notify,
	.queue_stop	= rng_queue_stop,
	.exit		= rng_exit,
};

int virtio_rng__init(struct kvm *kvm)
{
	struct virtio_rng *rng;
	int ret;

	if (!kvm->cfg.rng)
		return 0;
	rng = calloc(1, sizeof(*rng));
	if (!rng)
		return -ENOMEM;
	pthread_mutex_init(&rng->lock, NULL);
	ret = virtio_dev_init(kvm, &rng->vdev, &rng_ops, rng, "virtio-rng");
	if (ret)
		free(rng);
	return ret;
}
