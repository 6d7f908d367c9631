/*
 * The fake virtio device behind fake_device.h: a transport whose
 * registers are struct fields, and a device side that walks descriptor
 * chains (direct and indirect) the way a hypervisor would, by guest
 * address, which on the host is the pointer itself.
 */
#include <stdint.h>
#include <string.h>

#include "pv/virtio/tests/fake_device.h"

static struct fake_dev *to_fake(struct virtio_dev *vd)
{
	return vd->transport;
}

static uint8_t f_get_status(struct virtio_dev *vd)
{
	return to_fake(vd)->status;
}

static void f_set_status(struct virtio_dev *vd, uint8_t status)
{
	struct fake_dev *fd = to_fake(vd);

	if (status == 0) {
		fd->resets++;
		for (unsigned int i = 0; i < FAKE_QUEUES; i++) {
			fd->q[i].vq = NULL;
			fd->q[i].last_avail = 0;
		}
	}
	if (fd->refuse_features)
		status &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
	fd->status = status;
}

static uint64_t f_get_features(struct virtio_dev *vd)
{
	struct fake_dev *fd = to_fake(vd);

	return vd->legacy ? (uint32_t)fd->offered : fd->offered;
}

static void f_set_features(struct virtio_dev *vd, uint64_t f)
{
	to_fake(vd)->driver_features = f;
}

static uint32_t f_config_read(struct virtio_dev *vd, unsigned int off,
			      unsigned int width)
{
	struct fake_dev *fd = to_fake(vd);
	uint32_t v = 0;

	if (off + width <= sizeof(fd->config))
		memcpy(&v, fd->config + off, width);
	return v;
}

static uint32_t f_config_generation(struct virtio_dev *vd)
{
	struct fake_dev *fd = to_fake(vd);

	if (fd->generation_bumps) {
		fd->generation_bumps--;
		fd->generation++;
	}
	return fd->generation;
}

static uint16_t f_queue_max(struct virtio_dev *vd, unsigned int index)
{
	struct fake_dev *fd = to_fake(vd);

	return index < FAKE_QUEUES ? fd->q[index].max : 0;
}

static int f_queue_enable(struct virtio_dev *vd, unsigned int index,
			  struct virtq *vq)
{
	struct fake_dev *fd = to_fake(vd);

	fd->q[index].vq = vq;
	fd->q[index].last_avail = 0;
	return 0;
}

static void f_queue_notify(struct virtio_dev *vd, unsigned int index)
{
	struct fake_dev *fd = to_fake(vd);

	fd->q[index].notifies++;
	if (fd->on_notify)
		fd->on_notify(fd, index);
}

static const struct virtio_transport_ops fake_ops = {
	.get_status = f_get_status,
	.set_status = f_set_status,
	.get_features = f_get_features,
	.set_features = f_set_features,
	.config_read = f_config_read,
	.config_generation = f_config_generation,
	.queue_max = f_queue_max,
	.queue_enable = f_queue_enable,
	.queue_notify = f_queue_notify,
};

void fake_dev_init(struct fake_dev *fd, uint16_t type, bool legacy,
		   uint16_t qmax)
{
	memset(fd, 0, sizeof(*fd));
	fd->vd.ops = &fake_ops;
	fd->vd.transport = fd;
	fd->vd.kind = legacy ? "fake-legacy" : "fake-modern";
	strcpy(fd->vd.where, "fake 0");
	fd->vd.device_type = type;
	fd->vd.legacy = legacy;
	fd->vd.has_irq = true;
	for (unsigned int i = 0; i < FAKE_QUEUES; i++)
		fd->q[i].max = qmax;
}

static void add_seg(struct fake_chain *c, const struct virtq_desc *d)
{
	if (c->n == FAKE_SEGS)
		return;
	c->seg[c->n].p = (uint8_t *)(uintptr_t)d->addr;
	c->seg[c->n].len = d->len;
	c->seg[c->n].write = d->flags & VIRTQ_DESC_F_WRITE;
	if (d->flags & VIRTQ_DESC_F_WRITE)
		c->in_len += d->len;
	else
		c->out_len += d->len;
	c->n++;
}

bool fake_pop(struct fake_dev *fd, unsigned int q, struct fake_chain *c)
{
	struct fake_queue *fq = &fd->q[q];
	struct virtq *vq = fq->vq;
	const struct virtq_desc *d;
	uint16_t idx;

	if (!vq || fq->last_avail == vq->avail->idx)
		return false;
	memset(c, 0, sizeof(*c));
	c->head = vq->avail->ring[fq->last_avail % vq->size];
	fq->last_avail++;
	/* avail_event: notify me when you pass what I have seen. */
	*(uint16_t *)&vq->used->ring[vq->size] = fq->last_avail;
	d = &vq->desc[c->head];
	if (d->flags & VIRTQ_DESC_F_INDIRECT) {
		const struct virtq_desc *t =
			(const struct virtq_desc *)(uintptr_t)d->addr;
		c->indirect = true;
		for (idx = 0; idx < d->len / sizeof(*t); idx++) {
			add_seg(c, &t[idx]);
			if (!(t[idx].flags & VIRTQ_DESC_F_NEXT))
				break;
		}
		return true;
	}
	for (unsigned int n = 0; n < vq->size; n++) {
		add_seg(c, d);
		if (!(d->flags & VIRTQ_DESC_F_NEXT))
			break;
		d = &vq->desc[d->next];
	}
	return true;
}

void fake_push(struct fake_dev *fd, unsigned int q, uint32_t id, uint32_t len)
{
	struct virtq *vq = fd->q[q].vq;
	uint16_t old = vq->used->idx, new = (uint16_t)(old + 1);
	bool irq;

	vq->used->ring[old % vq->size].id = id;
	vq->used->ring[old % vq->size].len = len;
	vq->used->idx = new;
	if (fd->driver_features & VIRTIO_F_EVENT_IDX) {
		uint16_t ev = vq->avail->ring[vq->size];
		irq = (uint16_t)(new - ev - 1) < (uint16_t)(new - old);
	} else {
		irq = !(vq->avail->flags & VIRTQ_AVAIL_F_NO_INTERRUPT);
	}
	if (irq) {
		fd->irqs++;
		if (fd->vd.irq_fn)
			fd->vd.irq_fn(fd->vd.irq_ctx);
	}
}

void fake_set_used_idx(struct fake_dev *fd, unsigned int q, uint16_t idx)
{
	fd->q[q].vq->used->idx = idx;
}

uint32_t fake_write(struct fake_chain *c, const void *data, uint32_t len)
{
	const uint8_t *src = data;
	uint32_t done = 0;

	for (unsigned int i = 0; i < c->n && done < len; i++) {
		uint32_t n;
		if (!c->seg[i].write)
			continue;
		n = c->seg[i].len < len - done ? c->seg[i].len : len - done;
		memcpy(c->seg[i].p, src + done, n);
		done += n;
	}
	return done;
}

uint32_t fake_read(const struct fake_chain *c, void *buf, uint32_t max)
{
	uint8_t *dst = buf;
	uint32_t done = 0;

	for (unsigned int i = 0; i < c->n && done < max; i++) {
		uint32_t n;
		if (c->seg[i].write)
			continue;
		n = c->seg[i].len < max - done ? c->seg[i].len : max - done;
		memcpy(dst + done, c->seg[i].p, n);
		done += n;
	}
	return done;
}
