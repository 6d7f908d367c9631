/*
 * Block devices as file systems and applications see them (consumer side).
 * virtio-blk, Xen blkfront and IDE implement them (blkdev_driver.h). A
 * device is dedicated to one core (blk_dedicate); only that core calls
 * these, so none of them locks.
 */
#ifndef TORITO_BLKDEV_H
#define TORITO_BLKDEV_H

#include <stdbool.h>
#include <stdint.h>

#include <torito/compiler.h>

#define BLKDEV_NAME_MAX 16

struct blkdev;

struct blkdev_info {
	uint64_t sectors;     /* capacity in sectors */
	uint32_t sector_size; /* bytes, usually 512 */
	bool read_only;
	bool can_flush; /* a write cache exists and flush is honoured */
};

struct blkdev *blkdev_get(unsigned int index);
struct blkdev *blkdev_find(const char *name);
const char *blkdev_name(const struct blkdev *d);
const struct blkdev_info *blkdev_info(const struct blkdev *d);

/*
 * Reads count sectors from sector into buf (count * sector_size bytes).
 * Blocks the calling thread until done (before the scheduler runs, it
 * waits with the CPU halted between interrupts). Returns 0, -EINVAL (range
 * past the end, count 0), -EROFS is not used here, -EIO (device error).
 */
int blkdev_read(struct blkdev *d, uint64_t sector, void *buf,
		uint32_t count) __must_check;

/* Writes count sectors. As blkdev_read; -EPERM on a read-only device. */
int blkdev_write(struct blkdev *d, uint64_t sector, const void *buf,
		 uint32_t count) __must_check;

/* Makes completed writes durable. 0 when the device has no write cache. */
int blkdev_flush(struct blkdev *d) __must_check;

#endif /* TORITO_BLKDEV_H */
