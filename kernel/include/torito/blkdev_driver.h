/*
 * The driver side of block devices (virtio-blk, Xen blkfront, IDE).
 * Requests are synchronous from the caller's view: the driver submits, then
 * waits for its completion with blkdev_wait(), which halts the CPU between
 * interrupts (and, once threads exist, blocks only the calling thread).
 */
#ifndef TORITO_BLKDEV_DRIVER_H
#define TORITO_BLKDEV_DRIVER_H

#include <torito/blkdev.h>

struct blkdev_ops {
	int (*read)(struct blkdev *d, uint64_t sector, void *buf,
		    uint32_t count);
	int (*write)(struct blkdev *d, uint64_t sector, const void *buf,
		     uint32_t count);
	int (*flush)(struct blkdev *d);
};

struct blkdev {
	/* Set by the driver before blkdev_register; read-only after. */
	char name[BLKDEV_NAME_MAX];
	struct blkdev_info info;
	const struct blkdev_ops *ops;
	void *priv;
	bool failed; /* set by blkdev_fail */
};

/* Makes d visible to blkdev_get/blkdev_find. Returns 0 or -ENOSPC. */
int blkdev_register(struct blkdev *d) __must_check;

/* Marks d failed after a fatal device or backend error (logged once). */
void blkdev_fail(struct blkdev *d, const char *why);

/*
 * Waits until done(ctx) returns true or timeout_ms passes. Returns 0 or
 * -ETIMEDOUT. The driver's interrupt handler makes done() true.
 */
int blkdev_wait(bool (*done)(void *ctx), void *ctx,
		uint32_t timeout_ms) __must_check;

#endif /* TORITO_BLKDEV_DRIVER_H */
