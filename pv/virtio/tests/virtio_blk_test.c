/*
 * Host tests for the virtio-blk driver through its real entry points
 * (virtio_dev_probe, the blkdev ops) against a fake disk behind the fake
 * device: reads and writes with and without indirect descriptors,
 * splitting by size_max, flush, 4 KiB logical blocks, device errors, a
 * device that never answers (timeout, never a hang), one that reports a
 * short length or a bogus id, and polling when there is no interrupt.
 */
#include <stdint.h>
#include <string.h>

#include <torito/errno.h>

#include "pv/virtio/tests/fake_device.h"
#include "pv/virtio/tests/host_stubs.h"
#include "pv/virtio/virtio_blk.h"
#include "testing/unit/check.h"

#define DISK_SECTORS 64

enum mode { NORMAL, SILENT, IOERR, UNSUPP, BAD_STATUS, SHORT_LEN, BAD_ID };

static struct fake_dev fd;
static struct blkdev *bd;
static uint8_t disk[DISK_SECTORS * 512];
static enum mode mode;
static unsigned int requests, indirect_requests, flushes;
static bool defer; /* complete inside blkdev_wait, not on notify */

/* The device: serves every available request of queue 0. */
static void serve(struct fake_dev *f)
{
	struct fake_chain c;

	while (fake_pop(f, 0, &c)) {
		struct virtio_blk_req req;
		uint8_t status = VIRTIO_BLK_S_OK;
		uint32_t written = 1;

		requests++;
		indirect_requests += c.indirect;
		if (mode == SILENT)
			continue;
		memcpy(&req, c.seg[0].p, sizeof(req));
		struct fake_seg *data = c.n == 3 ? &c.seg[1] : NULL;
		uint64_t off = req.sector * 512;
		if (req.type == VIRTIO_BLK_T_FLUSH) {
			flushes++;
		} else if (!data || off + data->len > sizeof(disk)) {
			status = VIRTIO_BLK_S_IOERR;
		} else if (req.type == VIRTIO_BLK_T_IN) {
			memcpy(data->p, disk + off, data->len);
			written += data->len;
		} else {
			memcpy(disk + off, data->p, data->len);
		}
		if (mode == IOERR)
			status = VIRTIO_BLK_S_IOERR;
		if (mode == UNSUPP)
			status = VIRTIO_BLK_S_UNSUPP;
		if (mode == BAD_STATUS)
			status = 7;
		if (mode == SHORT_LEN)
			written = 1;
		*c.seg[c.n - 1].p = status;
		fake_push(f, 0, mode == BAD_ID ? 13 : c.head, written);
	}
}

static void on_notify(struct fake_dev *f, unsigned int index)
{
	if (!defer)
		serve(f);
}

static void wait_hook(void)
{
	if (defer)
		serve(&fd);
}

static int probe(uint64_t offered, uint64_t capacity, uint32_t blk_size,
		 uint32_t size_max)
{
	int rc;

	fake_dev_init(&fd, VIRTIO_ID_BLOCK, false, 64);
	fd.offered = offered | VIRTIO_F_VERSION_1;
	fd.on_notify = on_notify;
	memcpy(fd.config + VIRTIO_BLK_CFG_CAPACITY, &capacity, 8);
	memcpy(fd.config + VIRTIO_BLK_CFG_BLK_SIZE, &blk_size, 4);
	memcpy(fd.config + VIRTIO_BLK_CFG_SIZE_MAX, &size_max, 4);
	stub_blkdev = NULL;
	stub_wait_hook = wait_hook;
	mode = NORMAL;
	defer = false;
	requests = indirect_requests = flushes = 0;
	rc = virtio_dev_probe(&fd.vd);
	bd = stub_blkdev;
	return rc;
}

static void test_read_write(void)
{
	uint8_t buf[4 * 512], back[4 * 512];

	CHECK_EQ(probe(VIRTIO_BLK_F_FLUSH | VIRTIO_F_INDIRECT_DESC |
			       VIRTIO_F_EVENT_IDX,
		       DISK_SECTORS, 0, 0),
		 0);
	CHECK(bd != NULL);
	if (!bd)
		return;
	CHECK(strncmp(bd->name, "vblk", 4) == 0);
	CHECK_EQ(bd->info.sectors, DISK_SECTORS);
	CHECK_EQ(bd->info.sector_size, 512);
	CHECK(bd->info.can_flush);
	CHECK(!bd->info.read_only);
	CHECK_EQ(fd.q[0].vq->size, 16);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 31 + 7);
	CHECK_EQ(bd->ops->write(bd, 5, buf, 3), 0);
	CHECK(memcmp(disk + 5 * 512, buf, 3 * 512) == 0);
	memset(back, 0, sizeof(back));
	CHECK_EQ(bd->ops->read(bd, 5, back, 3), 0);
	CHECK(memcmp(back, buf, 3 * 512) == 0);
	CHECK_EQ(requests, 2);
	CHECK_EQ(indirect_requests, 2);
	CHECK_EQ(bd->ops->flush(bd), 0);
	CHECK_EQ(flushes, 1);
	/* Completed inside the wait rather than on the notify. */
	defer = true;
	CHECK_EQ(bd->ops->read(bd, 6, back, 1), 0);
	CHECK(memcmp(back, buf + 512, 512) == 0);
	CHECK(!bd->failed);

	/* Without indirect descriptors: three ring slots a request. */
	CHECK_EQ(probe(0, DISK_SECTORS, 0, 0), 0);
	CHECK_EQ(bd->ops->read(bd, 5, back, 3), 0);
	CHECK(memcmp(back, buf, 3 * 512) == 0);
	CHECK_EQ(indirect_requests, 0);
	CHECK(!bd->info.can_flush);
}

static void test_split_and_block_size(void)
{
	uint8_t buf[8 * 512];

	/* size_max 1 KiB: 5 sectors take 3 requests. */
	CHECK_EQ(probe(VIRTIO_BLK_F_SIZE_MAX, DISK_SECTORS, 0, 1024), 0);
	for (size_t i = 0; i < sizeof(disk); i++)
		disk[i] = (uint8_t)(i / 512);
	CHECK_EQ(bd->ops->read(bd, 10, buf, 5), 0);
	CHECK_EQ(requests, 3);
	CHECK_EQ(buf[0], 10);
	CHECK_EQ(buf[4 * 512], 14);

	/* 4 KiB logical blocks: sector n is 512-byte sector 8n. */
	CHECK_EQ(probe(VIRTIO_BLK_F_BLK_SIZE, DISK_SECTORS, 4096, 0), 0);
	CHECK_EQ(bd->info.sector_size, 4096);
	CHECK_EQ(bd->info.sectors, DISK_SECTORS / 8);
	static uint8_t big[4096];
	CHECK_EQ(bd->ops->read(bd, 1, big, 1), 0);
	CHECK_EQ(big[0], 8);
	CHECK_EQ(big[4095], 15);
	/* A block size we cannot use is ignored (512). */
	CHECK_EQ(probe(VIRTIO_BLK_F_BLK_SIZE, DISK_SECTORS, 1000, 0), 0);
	CHECK_EQ(bd->info.sector_size, 512);
	/* size_max below one sector: the device is refused. */
	CHECK_EQ(probe(VIRTIO_BLK_F_SIZE_MAX, DISK_SECTORS, 0, 100), -ENOTSUP);
	/* Read-only. */
	CHECK_EQ(probe(VIRTIO_BLK_F_RO, DISK_SECTORS, 0, 0), 0);
	CHECK(bd->info.read_only);
}

static void test_device_errors(void)
{
	uint8_t buf[512];

	CHECK_EQ(probe(0, DISK_SECTORS, 0, 0), 0);
	mode = IOERR;
	CHECK_EQ(bd->ops->read(bd, 0, buf, 1), -EIO);
	mode = UNSUPP;
	CHECK_EQ(bd->ops->flush(bd), -ENOTSUP);
	mode = BAD_STATUS;
	CHECK_EQ(bd->ops->write(bd, 0, buf, 1), -EIO);
	mode = SHORT_LEN; /* a read that claims no data */
	CHECK_EQ(bd->ops->read(bd, 0, buf, 1), -EIO);
	CHECK(!bd->failed); /* errors, not protocol violations */
	mode = NORMAL;
	CHECK_EQ(bd->ops->read(bd, 0, buf, 1), 0);

	/* A device that never answers: -ETIMEDOUT, reset, failed. */
	unsigned int resets = fd.resets;
	mode = SILENT;
	CHECK_EQ(bd->ops->read(bd, 0, buf, 1), -ETIMEDOUT);
	CHECK(bd->failed);
	CHECK_EQ(fd.resets, resets + 1);

	/* A completion naming a request that does not exist. */
	CHECK_EQ(probe(0, DISK_SECTORS, 0, 0), 0);
	mode = BAD_ID;
	CHECK_EQ(bd->ops->write(bd, 0, buf, 1), -EIO);
	CHECK(bd->failed);
}

static void test_polled(void)
{
	uint8_t buf[512];

	CHECK_EQ(probe(0, DISK_SECTORS, 0, 0), 0);
	fd.vd.has_irq = false;
	defer = true;
	stub_wait_calls = 0;
	CHECK_EQ(bd->ops->read(bd, 3, buf, 1), 0);
	CHECK_EQ(stub_wait_calls, 1);
	mode = SILENT;
	stub_wait_calls = 0;
	CHECK_EQ(bd->ops->read(bd, 3, buf, 1), -ETIMEDOUT);
	CHECK_EQ(stub_wait_calls, VIRTIO_BLK_TIMEOUT_MS);
}

int main(void)
{
	test_read_write();
	test_split_and_block_size();
	test_device_errors();
	test_polled();
	return check_done();
}
