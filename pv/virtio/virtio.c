/*
 * The transport-independent part of a virtio device: the driver table,
 * the init sequence of virtio 1.1 §3.1.1 (steps cited below), queue
 * creation, generation-checked config reads and notification. Transports
 * call virtio_dev_probe; drivers call the rest from their probe.
 *
 * Legacy interfaces (virtio-pci legacy, virtio-mmio v1) follow §3.1.2's
 * legacy variant: 32 feature bits and no FEATURES_OK step. Left out:
 * VIRTIO_F_ACCESS_PLATFORM (an IOMMU), packed rings, config-change
 * handling beyond re-reading.
 */
#include <stdbool.h>
#include <stdint.h>

#include <torito/compiler.h>
#include <torito/console.h>
#include <torito/errno.h>
#include <torito/mem.h>
#include <torito/string.h>

#include "pv/virtio/virtio.h"

#define CONFIG_RETRIES 16

/* Around the VIRTIO_DRIVER section; weak, so no driver means empty. */
extern const struct virtio_driver __start_torito_virtio_drivers[]
	__attribute__((weak));
extern const struct virtio_driver __stop_torito_virtio_drivers[]
	__attribute__((weak));

const struct virtio_driver *virtio_driver_find(uint16_t device_type)
{
	for (const struct virtio_driver *drv = __start_torito_virtio_drivers;
	     drv < __stop_torito_virtio_drivers; drv++)
		if (drv->device_type == device_type)
			return drv;
	return NULL;
}

int virtio_dev_probe(struct virtio_dev *vd)
{
	const struct virtio_driver *drv = virtio_driver_find(vd->device_type);

	if (!drv) {
		kprintf("%s: virtio device type %u has no driver in this "
			"image\n",
			vd->where, vd->device_type);
		return -ENODEV;
	}
	return drv->probe(vd);
}

static void status_or(struct virtio_dev *vd, uint8_t bits)
{
	vd->ops->set_status(vd, (uint8_t)(vd->ops->get_status(vd) | bits));
}

void virtio_dev_reset(struct virtio_dev *vd)
{
	vd->ops->set_status(vd, 0);
}

void virtio_dev_fail(struct virtio_dev *vd)
{
	status_or(vd, VIRTIO_STATUS_FAILED);
}

int virtio_dev_init(struct virtio_dev *vd, uint64_t wanted, uint64_t required)
{
	uint64_t offered, features;

	/* 1. Reset the device. */
	vd->ops->set_status(vd, 0);
	/* 2. ACKNOWLEDGE: the guest has noticed the device. */
	vd->ops->set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE);
	/* 3. DRIVER: the guest knows how to drive it. */
	status_or(vd, VIRTIO_STATUS_DRIVER);
	/* 4. Read the device's feature bits; write the subset we know.
	 * Modern devices must get VERSION_1; legacy ones know 32 bits. */
	if (vd->legacy) {
		wanted &= 0xffffffffu;
	} else {
		wanted |= VIRTIO_F_VERSION_1;
		required |= VIRTIO_F_VERSION_1;
	}
	offered = vd->ops->get_features(vd);
	features = offered & wanted;
	if ((features & required) != required) {
		kprintf("%s: virtio device lacks required features 0x%lx\n",
			vd->where, (unsigned long)(required & ~features));
		virtio_dev_fail(vd);
		return -ENOTSUP;
	}
	vd->ops->set_features(vd, features);
	vd->features = features;
	if (vd->legacy)
		return 0;
	/* 5. FEATURES_OK: no new feature bits after this. */
	status_or(vd, VIRTIO_STATUS_FEATURES_OK);
	/* 6. Re-read the status: FEATURES_OK still set means the device
	 * accepts the subset; otherwise it cannot work with it. */
	if (!(vd->ops->get_status(vd) & VIRTIO_STATUS_FEATURES_OK)) {
		kprintf("%s: virtio device refused features 0x%lx\n", vd->where,
			(unsigned long)features);
		virtio_dev_fail(vd);
		return -EIO;
	}
	return 0;
}

/* The largest power of two not above n (n > 0). */
static uint16_t pow2_floor(uint16_t n)
{
	uint16_t p = 1;

	while (p <= n / 2)
		p = (uint16_t)(p * 2);
	return p;
}

int virtio_queue_create(struct virtio_dev *vd, unsigned int index,
			uint16_t want, uint16_t indirect_max,
			struct virtq **out)
{
	uint16_t max = vd->ops->queue_max(vd, index), size;
	void *ring, *priv, *ind = NULL;
	struct virtq *vq;
	int rc = -ENOMEM;

	/* 7. (part) Discover the queue and size it. */
	if (max == 0)
		return -ENOENT;
	if (vd->queue_size_fixed) {
		size = max;
		if (size & (size - 1) || size > VIRTQ_MAX_SIZE)
			return -EINVAL;
	} else {
		size = pow2_floor(MIN(max, want ? want : 1));
	}
	if (!virtio_has(vd, VIRTIO_F_INDIRECT_DESC))
		indirect_max = 0;
	vq = mem_zalloc(sizeof(*vq), 16);
	if (!vq)
		return -ENOMEM;
	ring = mem_zalloc(virtq_ring_bytes(size), VIRTQ_ALIGN);
	if (!ring)
		goto err_free_vq;
	priv = mem_zalloc(virtq_priv_bytes(size), 16);
	if (!priv)
		goto err_free_ring;
	if (indirect_max) {
		ind = mem_zalloc(virtq_indirect_bytes(size, indirect_max), 16);
		if (!ind)
			goto err_free_priv;
	}
	rc = virtq_init(vq, size, ring, priv, ind, indirect_max,
			virtio_has(vd, VIRTIO_F_EVENT_IDX));
	if (rc < 0)
		goto err_free_ind;
	rc = vd->ops->queue_enable(vd, index, vq);
	if (rc < 0)
		goto err_free_ind;
	*out = vq;
	return 0;

err_free_ind:
	mem_free(ind);
err_free_priv:
	mem_free(priv);
err_free_ring:
	mem_free(ring);
err_free_vq:
	mem_free(vq);
	return rc;
}

void virtio_dev_ready(struct virtio_dev *vd)
{
	/* 8. DRIVER_OK: the device is live. */
	status_or(vd, VIRTIO_STATUS_DRIVER_OK);
}

/* One pass over a field at the access widths §4.1.3.1 asks for. */
static void config_copy(struct virtio_dev *vd, unsigned int off, uint8_t *buf,
			unsigned int len)
{
	uint32_t v;

	if (len == 1 || len == 2 || len == 4) {
		v = vd->ops->config_read(vd, off, len);
		memcpy(buf, &v, len); /* little endian, like the device */
	} else if (len == 8) {
		config_copy(vd, off, buf, 4);
		config_copy(vd, off + 4, buf + 4, 4);
	} else {
		for (unsigned int i = 0; i < len; i++)
			config_copy(vd, off + i, buf + i, 1);
	}
}

int virtio_config_read(struct virtio_dev *vd, unsigned int off, void *buf,
		       unsigned int len)
{
	for (unsigned int i = 0; i < CONFIG_RETRIES; i++) {
		uint32_t gen = vd->ops->config_generation(vd);
		config_copy(vd, off, buf, len);
		if (vd->ops->config_generation(vd) == gen)
			return 0;
	}
	return -EIO;
}

void virtio_queue_kick(struct virtio_dev *vd, unsigned int index,
		       struct virtq *vq)
{
	if (virtq_kick_prepare(vq))
		vd->ops->queue_notify(vd, index);
}
