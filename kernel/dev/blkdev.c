/*
 * The block-device registry, the checked entry points of blkdev.h, and
 * blkdev_wait, which idles the CPU (one-shot timer + halt) until a driver's
 * completion arrives or a timeout passes, so a dead backend gives -ETIMEDOUT
 * instead of a hang.
 */
#include <torito/blkdev_driver.h>
#include <torito/console.h>
#include <torito/errno.h>
#include <torito/string.h>
#include <torito/time.h>

#include "kernel/kernel.h"

#define BLKDEV_MAX 8

static struct blkdev *devices[BLKDEV_MAX];
static unsigned int ndevices;

int blkdev_register(struct blkdev *d)
{
	if (ndevices == BLKDEV_MAX)
		return -ENOSPC;
	devices[ndevices++] = d;
	kprintf("blkdev: %s %lu sectors of %u bytes%s\n", d->name,
		(unsigned long)d->info.sectors, d->info.sector_size,
		d->info.read_only ? " (read-only)" : "");
	return 0;
}

struct blkdev *blkdev_get(unsigned int index)
{
	return index < ndevices ? devices[index] : NULL;
}

struct blkdev *blkdev_find(const char *name)
{
	for (unsigned int i = 0; i < ndevices; i++)
		if (strcmp(devices[i]->name, name) == 0)
			return devices[i];
	return NULL;
}

const char *blkdev_name(const struct blkdev *d)
{
	return d->name;
}

const struct blkdev_info *blkdev_info(const struct blkdev *d)
{
	return &d->info;
}

static int check_range(const struct blkdev *d, uint64_t sector, uint32_t count)
{
	if (d->failed)
		return -EIO;
	if (count == 0 || sector >= d->info.sectors ||
	    count > d->info.sectors - sector)
		return -EINVAL;
	return 0;
}

int blkdev_read(struct blkdev *d, uint64_t sector, void *buf, uint32_t count)
{
	int rc = check_range(d, sector, count);

	return rc < 0 ? rc : d->ops->read(d, sector, buf, count);
}

int blkdev_write(struct blkdev *d, uint64_t sector, const void *buf,
		 uint32_t count)
{
	int rc = check_range(d, sector, count);

	if (rc < 0)
		return rc;
	if (d->info.read_only)
		return -EPERM;
	return d->ops->write(d, sector, buf, count);
}

int blkdev_flush(struct blkdev *d)
{
	if (d->failed)
		return -EIO;
	if (!d->info.can_flush || !d->ops->flush)
		return 0;
	return d->ops->flush(d);
}

void blkdev_fail(struct blkdev *d, const char *why)
{
	if (!d->failed)
		kprintf("blkdev: %s failed: %s\n", d->name, why);
	d->failed = true;
}

int blkdev_wait(bool (*done)(void *ctx), void *ctx, uint32_t timeout_ms)
{
	uint64_t deadline = time_now_ns() + (uint64_t)timeout_ms * 1000000;

	while (!done(ctx)) {
		if (time_now_ns() >= deadline)
			return done(ctx) ? 0 : -ETIMEDOUT;
		cpu_idle_until(deadline);
	}
	return 0;
}
