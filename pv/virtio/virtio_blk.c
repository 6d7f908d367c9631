/*
 * virtio-blk (virtio 1.1 §5.2): a struct blkdev with read, write and
 * flush. blkdev.h's checked entry points call in on the device's CPU;
 * each request is synchronous: a header (device-readable), the data
 * (readable for writes, writable for reads) and a status byte
 * (writable) are queued as one chain (one indirect descriptor when
 * VIRTIO_F_INDIRECT_DESC is there), the device is notified, and
 * blkdev_wait halts the CPU until the used entry appears or the timeout
 * passes. Large transfers are split into requests of at most
 * VIRTIO_BLK_MAX_REQUEST bytes (or the device's size_max).
 *
 * Nothing the device writes is trusted: the used id/len are checked by
 * virtq.c, a read must report its data and the status byte written, and
 * an unknown status is an I/O error. A timeout resets the device (so it
 * can no longer write into the caller's buffer), fails it, and returns
 * -ETIMEDOUT; a protocol violation does the same with -EIO. Never a hang.
 * Left out: several requests in flight, discard/write-zeroes, multiqueue,
 * topology hints.
 */
#include <stdbool.h>
#include <stdint.h>

#include <torito/blkdev_driver.h>
#include <torito/console.h>
#include <torito/errno.h>
#include <torito/mem.h>
#include <torito/string.h>

#include "pv/virtio/virtio.h"
#include "pv/virtio/virtio_blk.h"

#define QUEUE_SIZE  16
#define STATUS_NONE 0xff

static unsigned int next_unit;

/* Gives up on the device; returns rc. */
static int vblk_fail(struct virtio_blk *vb, const char *why, int rc)
{
	blkdev_fail(&vb->bd, why);
	virtio_dev_fail(vb->vd);
	virtio_dev_reset(vb->vd); /* no more DMA into caller buffers */
	return rc;
}

/* blkdev_wait's condition: takes the used entry if it is there. */
static bool vblk_done(void *ctx)
{
	struct virtio_blk *vb = ctx;
	void *cookie;
	uint32_t len = 0;

	if (!vb->done && virtq_get(vb->vq, &len, &cookie) != 0) {
		vb->done = true; /* or broken: vq->broken says */
		vb->used_len = len;
	}
	return vb->done;
}

/* Interrupt context: the wake-up from the halt is all we need. */
static void vblk_irq(void *ctx)
{
	struct virtio_blk *vb = ctx;

	vb->irqs++;
}

/* Waits for the request; without an interrupt, looks every millisecond. */
static int vblk_wait(struct virtio_blk *vb)
{
	if (vb->vd->has_irq)
		return blkdev_wait(vblk_done, vb, vb->timeout_ms);
	for (uint32_t t = 0; t < vb->timeout_ms; t++)
		if (blkdev_wait(vblk_done, vb, 1) == 0)
			return 0;
	return -ETIMEDOUT;
}

static int status_errno(uint8_t status)
{
	switch (status) {
	case VIRTIO_BLK_S_OK: return 0;
	case VIRTIO_BLK_S_UNSUPP: return -ENOTSUP;
	default: return -EIO;
	}
}

/*
 * One request: type at 512-byte sector, bytes of data at buf (0 for a
 * flush). Blocks until done or timed out.
 */
static int vblk_request(struct virtio_blk *vb, uint32_t type, uint64_t sector,
			void *buf, uint32_t bytes)
{
	struct virtq_buf b[3];
	unsigned int n = 0, nout;
	int rc;

	vb->req->type = type;
	vb->req->reserved = 0;
	vb->req->sector = sector;
	*vb->status = STATUS_NONE;
	b[n++] = (struct virtq_buf){ virt_to_phys(vb->req), sizeof(*vb->req) };
	if (bytes && type == VIRTIO_BLK_T_OUT)
		b[n++] = (struct virtq_buf){ virt_to_phys(buf), bytes };
	nout = n;
	if (bytes && type == VIRTIO_BLK_T_IN)
		b[n++] = (struct virtq_buf){ virt_to_phys(buf), bytes };
	b[n++] = (struct virtq_buf){ virt_to_phys(vb->status), 1 };
	vb->done = false;
	rc = virtq_add(vb->vq, b, nout, n - nout, vb);
	if (rc < 0)
		return vblk_fail(vb, "request not queued", -EIO);
	virtio_queue_kick(vb->vd, 0, vb->vq);
	rc = vblk_wait(vb);
	if (rc < 0)
		return vblk_fail(vb, "request timed out", -ETIMEDOUT);
	if (vb->vq->broken)
		return vblk_fail(vb, vb->vq->broken, -EIO);
	/* The status byte comes after the data: a device that reports
	 * fewer bytes did not write it. */
	if (vb->used_len < 1 ||
	    (type == VIRTIO_BLK_T_IN && vb->used_len < bytes + 1))
		return -EIO;
	return status_errno(*(volatile uint8_t *)vb->status);
}

/* Splits a transfer into requests of at most max_bytes. */
static int vblk_transfer(struct virtio_blk *vb, uint32_t type, uint64_t sector,
			 uint8_t *buf, uint32_t count)
{
	uint32_t ss = vb->bd.info.sector_size, per = vb->max_bytes / ss;

	while (count) {
		uint32_t n = MIN(count, per);
		int rc = vblk_request(vb, type, sector * vb->unit, buf, n * ss);
		if (rc < 0)
			return rc;
		sector += n;
		buf += (size_t)n * ss;
		count -= n;
	}
	return 0;
}

static int vblk_read(struct blkdev *d, uint64_t sector, void *buf,
		     uint32_t count)
{
	return vblk_transfer(d->priv, VIRTIO_BLK_T_IN, sector, buf, count);
}

static int vblk_write(struct blkdev *d, uint64_t sector, const void *buf,
		      uint32_t count)
{
	/* The device only reads buf on a write. */
	return vblk_transfer(d->priv, VIRTIO_BLK_T_OUT, sector, (void *)buf,
			     count);
}

static int vblk_flush(struct blkdev *d)
{
	return vblk_request(d->priv, VIRTIO_BLK_T_FLUSH, 0, NULL, 0);
}

static const struct blkdev_ops vblk_ops = {
	.read = vblk_read,
	.write = vblk_write,
	.flush = vblk_flush,
};

/* Capacity, block size, limits and flags from config space (§5.2.4). */
static int read_config(struct virtio_blk *vb)
{
	struct virtio_dev *vd = vb->vd;
	struct blkdev_info *info = &vb->bd.info;
	uint32_t blk_size = VIRTIO_BLK_SECTOR, size_max = 0;
	uint64_t capacity;

	if (virtio_config_read(vd, VIRTIO_BLK_CFG_CAPACITY, &capacity, 8) < 0)
		return -EIO;
	if (virtio_has(vd, VIRTIO_BLK_F_BLK_SIZE) &&
	    virtio_config_read(vd, VIRTIO_BLK_CFG_BLK_SIZE, &blk_size, 4) < 0)
		return -EIO;
	if (virtio_has(vd, VIRTIO_BLK_F_SIZE_MAX) &&
	    virtio_config_read(vd, VIRTIO_BLK_CFG_SIZE_MAX, &size_max, 4) < 0)
		return -EIO;
	/* A block size we cannot use is a hint we may ignore. */
	if (blk_size < VIRTIO_BLK_SECTOR || blk_size > 4096 ||
	    (blk_size & (blk_size - 1)))
		blk_size = VIRTIO_BLK_SECTOR;
	vb->unit = blk_size / VIRTIO_BLK_SECTOR;
	info->sector_size = blk_size;
	info->sectors = capacity / vb->unit;
	info->read_only = virtio_has(vd, VIRTIO_BLK_F_RO);
	info->can_flush = virtio_has(vd, VIRTIO_BLK_F_FLUSH);
	vb->max_bytes = VIRTIO_BLK_MAX_REQUEST;
	if (size_max && size_max < vb->max_bytes)
		vb->max_bytes = size_max;
	vb->max_bytes -= vb->max_bytes % blk_size;
	return vb->max_bytes ? 0 : -ENOTSUP;
}

static int virtio_blk_probe(struct virtio_dev *vd)
{
	const uint64_t wanted = VIRTIO_BLK_F_RO | VIRTIO_BLK_F_BLK_SIZE |
				VIRTIO_BLK_F_FLUSH | VIRTIO_BLK_F_SIZE_MAX |
				VIRTIO_F_EVENT_IDX | VIRTIO_F_INDIRECT_DESC;
	struct virtio_blk *vb;
	int rc;

	vb = mem_zalloc(sizeof(*vb), 16);
	if (!vb)
		return -ENOMEM;
	vb->vd = vd;
	vb->timeout_ms = VIRTIO_BLK_TIMEOUT_MS;
	rc = virtio_dev_init(vd, wanted, 0);
	if (rc < 0)
		goto err_free;
	rc = read_config(vb);
	if (rc < 0)
		goto err_fail;
	/* 7. Device-specific setup: the request queue and DMA memory. */
	vb->req = mem_zalloc(sizeof(*vb->req), 16);
	vb->status = mem_zalloc(16, 16);
	rc = -ENOMEM;
	if (!vb->req || !vb->status)
		goto err_fail;
	rc = virtio_queue_create(vd, 0, QUEUE_SIZE, 3, &vb->vq);
	if (rc < 0)
		goto err_fail;
	vd->irq_ctx = vb;
	vd->irq_fn = vblk_irq;
	vd->driver = vb;
	/* 8. DRIVER_OK. */
	virtio_dev_ready(vd);
	snprintf(vb->bd.name, sizeof(vb->bd.name), "vblk%u", next_unit);
	vb->bd.ops = &vblk_ops;
	vb->bd.priv = vb;
	rc = blkdev_register(&vb->bd);
	if (rc < 0)
		goto err_reset;
	next_unit++;
	kprintf("%s: virtio-blk on %s (%s, %s)%s\n", vb->bd.name, vd->where,
		vd->kind, vd->has_irq ? "interrupts" : "polled",
		vb->bd.info.can_flush ? ", write cache" : "");
	return 0;

err_reset:
	vd->irq_fn = NULL;
	virtio_dev_reset(vd);
	return rc;
err_fail:
	virtio_dev_fail(vd);
err_free:
	mem_free(vb);
	return rc;
}
VIRTIO_DRIVER(VIRTIO_ID_BLOCK, virtio_blk_probe);
