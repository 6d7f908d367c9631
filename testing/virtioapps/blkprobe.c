/*
 * blkprobe: proves a virtio-blk device end to end. It reads sector 0,
 * which the host test wrote ("TORITO host sector 0"), writes a pattern to
 * 300 sectors from sector 16 (more than one request's worth, so the
 * driver splits it), reads them back and compares, flushes, and checks
 * that a read past the end is refused. On a read-only disk it checks that
 * writing is refused instead. blk_test.py then checks the image file on
 * the host; blk_pattern() there is the same formula as here.
 */
#include <stdint.h>

#include <torito/app.h>
#include <torito/blkdev.h>
#include <torito/console.h>
#include <torito/errno.h>
#include <torito/mem.h>
#include <torito/string.h>

#define FIRST  16
#define COUNT  300
#define SECTOR 512

static uint8_t pattern(uint32_t sector, uint32_t i)
{
	return (uint8_t)(sector * 31u + i * 7u + 1u);
}

static int check_host_sector(struct blkdev *d, uint8_t *buf)
{
	int rc = blkdev_read(d, 0, buf, 1);

	if (rc < 0) {
		kprintf("blkprobe: read of sector 0 failed: %s\n",
			errno_name(rc));
		return rc;
	}
	buf[63] = 0;
	for (int i = 0; i < 63; i++)
		if (buf[i] == '\n' || buf[i] < ' ' || buf[i] > '~')
			buf[i] = 0;
	kprintf("blkprobe: sector 0 says '%s'\n", (char *)buf);
	return 0;
}

static int write_and_verify(struct blkdev *d, uint8_t *buf)
{
	int rc;

	for (uint32_t s = 0; s < COUNT; s++)
		for (uint32_t i = 0; i < SECTOR; i++)
			buf[s * SECTOR + i] = pattern(FIRST + s, i);
	rc = blkdev_write(d, FIRST, buf, COUNT);
	if (rc < 0) {
		kprintf("blkprobe: write failed: %s\n", errno_name(rc));
		return rc;
	}
	memset(buf, 0, COUNT * SECTOR);
	rc = blkdev_read(d, FIRST, buf, COUNT);
	if (rc < 0) {
		kprintf("blkprobe: read back failed: %s\n", errno_name(rc));
		return rc;
	}
	for (uint32_t s = 0; s < COUNT; s++)
		for (uint32_t i = 0; i < SECTOR; i++)
			if (buf[s * SECTOR + i] != pattern(FIRST + s, i)) {
				kprintf("blkprobe: sector %u byte %u differs\n",
					FIRST + s, i);
				return -EIO;
			}
	kprintf("blkprobe: wrote and read back %u sectors\n", COUNT);
	rc = blkdev_flush(d);
	kprintf("blkprobe: flush: %s\n", rc < 0 ? errno_name(rc) : "ok");
	return rc;
}

int torito_main(void)
{
	struct blkdev *d = blkdev_get(0);
	const struct blkdev_info *info;
	uint8_t *buf;
	int rc;

	if (!d) {
		kprintf("blkprobe: no block device\n");
		return 1;
	}
	info = blkdev_info(d);
	kprintf("blkprobe: %s: %lu sectors, %s%s\n", blkdev_name(d),
		(unsigned long)info->sectors,
		info->read_only ? "read-only" : "writable",
		info->can_flush ? ", flush" : "");
	buf = mem_alloc(COUNT * SECTOR);
	if (!buf || info->sector_size != SECTOR ||
	    info->sectors < FIRST + COUNT)
		return 1;
	if (check_host_sector(d, buf) < 0)
		return 1;
	if (info->read_only) {
		rc = blkdev_write(d, FIRST, buf, 1);
		kprintf("blkprobe: write on a read-only disk: %s\n",
			rc < 0 ? errno_name(rc) : "accepted");
		return rc == -EPERM ? 0 : 1;
	}
	if (write_and_verify(d, buf) < 0)
		return 1;
	rc = blkdev_read(d, info->sectors, buf, 1);
	kprintf("blkprobe: read past the end: %s\n",
		rc < 0 ? errno_name(rc) : "accepted");
	mem_free(buf);
	return rc == -EINVAL ? 0 : 1;
}
