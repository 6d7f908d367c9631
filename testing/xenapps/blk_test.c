/*
 * blk_test: blkfront against Linux blkback under real Xen. Reads the
 * pattern dom0 put on the disk (disk_pattern.py: sector k says "dom0 sector
 * k"), checking every byte of 1024 sectors read in one call (many requests
 * in flight); writes its own pattern ("torito sector k") to sectors
 * 2048..2147 in one call, reads it back, flushes; prints "blk: ready".
 * Then it reads sector 0 every 100 ms until the device fails (the test
 * makes the backend misbehave from dom0) and ends with success if the
 * failure came as a clean -EIO, or after 120 s with failure. With cpu=N
 * that second part runs in a thread on CPU N (the device's events follow
 * it there).
 */
#include <stdint.h>

#include <torito/app.h>
#include <torito/blkdev.h>
#include <torito/boot.h>
#include <torito/console.h>
#include <torito/cpu.h>
#include <torito/errno.h>
#include <torito/mem.h>
#include <torito/string.h>
#include <torito/thread.h>

#define SECTOR	      512
#define READ_SECTORS  1024
#define WRITE_AT      2048
#define WRITE_SECTORS 100

static void fill(uint8_t *buf, const char *who, uint64_t first, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		char line[32];
		int len = snprintf(line, sizeof(line), "%s sector %06lu\n", who,
				   (unsigned long)(first + i));

		for (int off = 0; off < SECTOR; off++)
			buf[i * SECTOR + off] = (uint8_t)line[off % len];
	}
}

static int check(const uint8_t *got, const uint8_t *want, uint32_t n,
		 const char *what)
{
	for (uint32_t i = 0; i < n * SECTOR; i++)
		if (got[i] != want[i]) {
			kprintf("blk: %s: mismatch at byte %u (sector %u)\n",
				what, i, i / SECTOR);
			return -1;
		}
	kprintf("blk: %s: %u sectors ok\n", what, n);
	return 0;
}

/* Reads sector 0 every 100 ms until the device fails. */
static int poll_until_failure(struct blkdev *d, uint8_t *buf)
{
	int rc;

	kprintf("blk: polling from cpu %u\n", cpu_id());
	for (int i = 0; i < 1200; i++) {
		rc = blkdev_read(d, 0, buf, 1);
		if (rc < 0) {
			kprintf("blk: device failed cleanly (%s)\n",
				errno_name(rc));
			rc = blkdev_read(d, 0, buf, 1);
			kprintf("blk: after failure: %s\n", errno_name(rc));
			return rc == -EIO ? 0 : 1;
		}
		thread_sleep_ms(100);
	}
	kprintf("blk: the device never failed\n");
	return 1;
}

static struct blkdev *poll_dev;
static uint8_t *poll_buf;

static void *poll_thread(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)poll_until_failure(poll_dev, poll_buf);
}

static int watch_from(struct blkdev *d, uint8_t *buf)
{
	char arg[4];
	struct thread *t;

	if (!boot_cmdline_get(boot_info(), "cpu", arg, sizeof(arg)))
		return poll_until_failure(d, buf);
	poll_dev = d;
	poll_buf = buf;
	t = thread_create((unsigned int)(arg[0] - '0'), poll_thread, NULL);
	return t ? (int)(intptr_t)thread_join(t) : 1;
}

int torito_main(void)
{
	struct blkdev *d = blkdev_find("xvda");
	uint8_t *buf = mem_alloc(READ_SECTORS * SECTOR);
	uint8_t *want = mem_alloc(READ_SECTORS * SECTOR);
	int rc;

	if (!d || !buf || !want) {
		kprintf("blk: no xvda (or no memory)\n");
		return 1;
	}
	kprintf("blk: xvda %lu sectors of %u%s%s\n",
		(unsigned long)blkdev_info(d)->sectors,
		blkdev_info(d)->sector_size,
		blkdev_info(d)->read_only ? ", read-only" : "",
		blkdev_info(d)->can_flush ? ", flush" : "");
	rc = blkdev_read(d, 0, buf, READ_SECTORS);
	fill(want, "dom0", 0, READ_SECTORS);
	if (rc < 0 || check(buf, want, READ_SECTORS, "dom0 pattern") < 0) {
		kprintf("blk: read: %s\n", errno_name(rc));
		return 1;
	}
	fill(want, "torito", WRITE_AT, WRITE_SECTORS);
	rc = blkdev_write(d, WRITE_AT, want, WRITE_SECTORS);
	if (rc == 0)
		rc = blkdev_read(d, WRITE_AT, buf, WRITE_SECTORS);
	if (rc < 0 || check(buf, want, WRITE_SECTORS, "own pattern") < 0) {
		kprintf("blk: write/read back: %s\n", errno_name(rc));
		return 1;
	}
	rc = blkdev_flush(d);
	kprintf("blk: flush: %s\n", rc == 0 ? "ok" : errno_name(rc));
	kprintf("blk: past the end: %s\n",
		errno_name(blkdev_read(d, blkdev_info(d)->sectors, buf, 1)));
	kprintf("blk: ready\n");
	return watch_from(d, buf);
}
