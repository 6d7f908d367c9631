/*
 * Host unit tests for the split virtqueue (virtq.c) against the fake
 * device: chains in and out, indirect tables, notification and interrupt
 * suppression in both modes, index wrap-around, out-of-order completion,
 * and a device that misbehaves: ids out of range or not in flight,
 * lengths beyond the buffer, a used index running ahead, a scribbled
 * descriptor table. Each violation must break the queue, never crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <torito/errno.h>

#include "pv/virtio/tests/fake_device.h"
#include "pv/virtio/virtq.h"
#include "testing/unit/check.h"

static struct fake_dev fd;
static struct virtq vq;
static void *ring, *priv, *ind;

static void setup(uint16_t size, uint16_t indirect_max, bool event_idx)
{
	free(ring);
	free(priv);
	free(ind);
	if (posix_memalign(&ring, VIRTQ_ALIGN, virtq_ring_bytes(size)))
		abort();
	memset(ring, 0, virtq_ring_bytes(size));
	priv = calloc(1, virtq_priv_bytes(size));
	ind = indirect_max ? calloc(1, virtq_indirect_bytes(size, indirect_max))
			   : NULL;
	CHECK_EQ(
		virtq_init(&vq, size, ring, priv, ind, indirect_max, event_idx),
		0);
	fake_dev_init(&fd, 1, false, size);
	fd.q[0].vq = &vq;
	fd.driver_features = event_idx ? VIRTIO_F_EVENT_IDX : 0;
}

static struct virtq_buf buf_of(void *p, uint32_t len)
{
	return (struct virtq_buf){ (uint64_t)(uintptr_t)p, len };
}

static void test_init(void)
{
	void *r;
	uint8_t p[64 * 8];

	if (posix_memalign(&r, VIRTQ_ALIGN, virtq_ring_bytes(256)))
		abort();
	CHECK_EQ(virtq_init(&vq, 0, r, p, NULL, 0, false), -EINVAL);
	CHECK_EQ(virtq_init(&vq, 3, r, p, NULL, 0, false), -EINVAL);
	CHECK_EQ(virtq_init(&vq, 4, (uint8_t *)r + 8, p, NULL, 0, false),
		 -EINVAL);
	CHECK_EQ(virtq_init(&vq, 4, r, NULL, NULL, 0, false), -EINVAL);
	CHECK_EQ(virtq_init(&vq, 4, r, p, NULL, 2, false), -EINVAL);
	CHECK_EQ(virtq_init(&vq, 4, r, p, NULL, 0, false), 0);
	CHECK_EQ(virtq_num_free(&vq), 4);
	/* The legacy layout: used ring on the next 4 KiB boundary. */
	CHECK_EQ((uintptr_t)vq.used - (uintptr_t)r, 4096);
	CHECK_EQ(virtq_ring_bytes(256), 4096 * 3);
	free(r);
}

static void test_chain_roundtrip(void)
{
	uint8_t out1[8] = "request", out2[4] = "abc", in[16];
	struct virtq_buf b[3] = { buf_of(out1, 8), buf_of(out2, 4),
				  buf_of(in, 16) };
	struct fake_chain c;
	uint32_t len;
	void *cookie;
	char got[16];

	setup(8, 0, false);
	CHECK_EQ(virtq_add(&vq, b, 2, 1, out1), 0);
	CHECK_EQ(virtq_num_free(&vq), 5);
	CHECK_EQ(virtq_get(&vq, &len, &cookie), 0); /* nothing used yet */
	CHECK(fake_pop(&fd, 0, &c));
	CHECK_EQ(c.n, 3);
	CHECK_EQ(c.out_len, 12);
	CHECK_EQ(c.in_len, 16);
	CHECK_EQ(fake_read(&c, got, sizeof(got)), 12);
	CHECK(memcmp(got, "request\0abc", 11) == 0);
	CHECK_EQ(fake_write(&c, "answer", 7), 7);
	fake_push(&fd, 0, c.head, 7);
	CHECK_EQ(virtq_pending(&vq), 1);
	CHECK_EQ(virtq_get(&vq, &len, &cookie), 1);
	CHECK(cookie == out1);
	CHECK_EQ(len, 7);
	CHECK_STR((char *)in, "answer");
	CHECK_EQ(virtq_num_free(&vq), 8);
	CHECK_EQ(virtq_get(&vq, &len, &cookie), 0);
	CHECK(!vq.broken);
}

static void test_full_and_invalid(void)
{
	uint8_t data[4];
	struct virtq_buf b[5] = { buf_of(data, 4), buf_of(data, 4),
				  buf_of(data, 4), buf_of(data, 4),
				  buf_of(data, 4) };

	setup(4, 0, false);
	CHECK_EQ(virtq_add(&vq, b, 0, 0, data), -EINVAL);
	CHECK_EQ(virtq_add(&vq, b, 1, 0, NULL), -EINVAL);
	CHECK_EQ(virtq_add(&vq, b, 5, 0, data), -EINVAL); /* never fits */
	CHECK_EQ(virtq_add(&vq, b, 3, 0, data), 0);
	CHECK_EQ(virtq_add(&vq, b, 2, 0, data), -ENOSPC);
	CHECK_EQ(virtq_add(&vq, b, 1, 0, data), 0);
	CHECK_EQ(virtq_add(&vq, b, 1, 0, data), -ENOSPC);
	CHECK(!vq.broken);
}

static void test_out_of_order_and_wrap(void)
{
	uint8_t data[4];
	struct virtq_buf b[2] = { buf_of(data, 4), buf_of(data, 4) };
	struct fake_chain c[4];
	uint32_t len;
	void *cookie;
	bool ok = true;

	setup(8, 0, false);
	/* 70000 rounds of four 2-descriptor chains, completed in reverse:
	 * both 16-bit indices wrap, the free list must stay whole. */
	for (unsigned int round = 0; round < 70000 / 4 && ok; round++) {
		for (uintptr_t i = 0; i < 4; i++)
			ok &= virtq_add(&vq, b, 1, 1, (void *)(i + 1)) == 0;
		for (int i = 0; i < 4; i++)
			ok &= fake_pop(&fd, 0, &c[i]);
		for (int i = 3; i >= 0; i--)
			fake_push(&fd, 0, c[i].head, 4);
		for (uintptr_t i = 4; i > 0; i--) {
			ok &= virtq_get(&vq, &len, &cookie) == 1;
			ok &= cookie == (void *)i && len == 4;
		}
		ok &= virtq_num_free(&vq) == 8;
	}
	CHECK(ok);
	CHECK(!vq.broken);
	CHECK(vq.avail_idx == (uint16_t)(70000 / 4 * 4));
}

static void test_indirect(void)
{
	uint8_t data[4];
	struct virtq_buf b[4] = { buf_of(data, 4), buf_of(data, 4),
				  buf_of(data, 4), buf_of(data, 2) };
	struct fake_chain c;
	uint32_t len;
	void *cookie;

	setup(8, 3, false);
	CHECK_EQ(virtq_add(&vq, b, 1, 2, data), 0); /* 3: one slot */
	CHECK_EQ(virtq_num_free(&vq), 7);
	CHECK_EQ(virtq_add(&vq, b, 1, 3, data + 1), 0); /* 4 > 3: direct */
	CHECK_EQ(virtq_num_free(&vq), 3);
	CHECK(fake_pop(&fd, 0, &c));
	CHECK(c.indirect);
	CHECK_EQ(c.n, 3);
	CHECK_EQ(c.in_len, 8);
	fake_push(&fd, 0, c.head, 8);
	CHECK(fake_pop(&fd, 0, &c));
	CHECK(!c.indirect);
	CHECK_EQ(c.n, 4);
	CHECK_EQ(c.in_len, 10);
	fake_push(&fd, 0, c.head, 10);
	CHECK_EQ(virtq_get(&vq, &len, &cookie), 1);
	CHECK(cookie == data && len == 8);
	CHECK_EQ(virtq_get(&vq, &len, &cookie), 1);
	CHECK(cookie == data + 1 && len == 10);
	CHECK_EQ(virtq_num_free(&vq), 8);
	/* An indirect chain whose writable length overruns is caught too. */
	CHECK_EQ(virtq_add(&vq, b, 1, 1, data), 0);
	CHECK(fake_pop(&fd, 0, &c));
	fake_push(&fd, 0, c.head, 5);
	CHECK_EQ(virtq_get(&vq, &len, &cookie), -EIO);
}

static void test_notify_flags(void)
{
	uint8_t data[4];
	struct virtq_buf b = buf_of(data, 4);

	setup(8, 0, false);
	CHECK(!virtq_kick_prepare(&vq)); /* nothing new */
	CHECK_EQ(virtq_add(&vq, &b, 1, 0, data), 0);
	CHECK(virtq_kick_prepare(&vq));
	CHECK(!virtq_kick_prepare(&vq));
	vq.used->flags = VIRTQ_USED_F_NO_NOTIFY;
	CHECK_EQ(virtq_add(&vq, &b, 1, 0, data), 0);
	CHECK(!virtq_kick_prepare(&vq));
}

static void test_notify_event_idx(void)
{
	uint8_t data[4];
	struct virtq_buf b = buf_of(data, 4);
	struct fake_chain c;

	setup(8, 0, true);
	CHECK_EQ(virtq_add(&vq, &b, 1, 0, data), 0);
	CHECK(virtq_kick_prepare(&vq)); /* avail_event 0: wants idx 1 */
	CHECK_EQ(virtq_add(&vq, &b, 1, 0, data), 0);
	CHECK(!virtq_kick_prepare(&vq)); /* device has not caught up */
	CHECK(fake_pop(&fd, 0, &c));
	CHECK(fake_pop(&fd, 0, &c)); /* avail_event = 2 */
	CHECK_EQ(virtq_add(&vq, &b, 1, 0, data), 0);
	CHECK(virtq_kick_prepare(&vq));
}

static void test_interrupt_suppression(void)
{
	uint8_t data[4];
	struct virtq_buf b = buf_of(data, 4);
	struct fake_chain c;
	uint32_t len;
	void *cookie;

	for (int ev = 0; ev < 2; ev++) {
		setup(8, 0, ev);
		for (int i = 0; i < 4; i++)
			CHECK_EQ(virtq_add(&vq, &b, 0, 1, data), 0);
		virtq_disable_cb(&vq);
		CHECK_EQ(vq.avail->flags, ev ? 0 : VIRTQ_AVAIL_F_NO_INTERRUPT);
		CHECK(fake_pop(&fd, 0, &c));
		fake_push(&fd, 0, c.head, 0);
		CHECK_EQ(fd.irqs, 0);
		fd.irqs = 0;
		CHECK(!virtq_enable_cb(&vq)); /* one is pending */
		CHECK_EQ(virtq_get(&vq, &len, &cookie), 1);
		CHECK(virtq_enable_cb(&vq));
		CHECK(fake_pop(&fd, 0, &c));
		fake_push(&fd, 0, c.head, 0);
		CHECK_EQ(fd.irqs, 1);
		CHECK_EQ(virtq_get(&vq, &len, &cookie), 1);
		CHECK(fake_pop(&fd, 0, &c));
		fake_push(&fd, 0, c.head, 0); /* used_event kept current */
		CHECK_EQ(fd.irqs, 2);
	}
}

/* Adds one readable+writable request and has the device return it with
 * the given id and len; returns virtq_get's result. */
static int bad_completion(uint32_t id, uint32_t len)
{
	uint8_t data[8];
	struct virtq_buf b[2] = { buf_of(data, 4), buf_of(data + 4, 4) };
	struct fake_chain c;
	uint32_t got;
	void *cookie = NULL;
	int rc;

	setup(8, 0, false);
	CHECK_EQ(virtq_add(&vq, b, 1, 1, data), 0);
	CHECK(fake_pop(&fd, 0, &c));
	fake_push(&fd, 0, id == UINT32_MAX ? c.head : id, len);
	rc = virtq_get(&vq, &got, &cookie);
	if (rc < 0)
		CHECK(cookie == NULL); /* nothing handed out */
	return rc;
}

static void test_malicious(void)
{
	uint8_t data[4];
	struct virtq_buf b = buf_of(data, 4);
	struct fake_chain c;
	uint32_t len;
	void *cookie;

	CHECK_EQ(bad_completion(UINT32_MAX, 4), 1); /* control: fine */
	CHECK_EQ(bad_completion(8, 0), -EIO);	    /* id out of range */
	CHECK_STR(vq.broken, "used id out of range");
	CHECK_EQ(bad_completion(0xffffffffu - 1, 0), -EIO);
	CHECK_EQ(bad_completion(5, 0), -EIO); /* not a head in flight */
	CHECK_STR(vq.broken, "used id is not a request in flight");
	CHECK_EQ(bad_completion(UINT32_MAX, 5), -EIO); /* len > writable */
	CHECK_STR(vq.broken, "used length exceeds the buffer");
	CHECK_EQ(bad_completion(UINT32_MAX, 0xffffffffu), -EIO);
	/* Once broken, everything answers -EIO. */
	CHECK_EQ(virtq_add(&vq, &b, 1, 0, data), -EIO);
	CHECK_EQ(virtq_pending(&vq), -EIO);

	/* The same chain completed twice. */
	setup(8, 0, false);
	CHECK_EQ(virtq_add(&vq, &b, 1, 0, data), 0);
	CHECK_EQ(virtq_add(&vq, &b, 1, 0, data), 0);
	CHECK(fake_pop(&fd, 0, &c));
	fake_push(&fd, 0, c.head, 0);
	fake_push(&fd, 0, c.head, 0);
	CHECK_EQ(virtq_get(&vq, &len, &cookie), 1);
	CHECK_EQ(virtq_get(&vq, &len, &cookie), -EIO);

	/* A used index far ahead of what is in flight. */
	setup(8, 0, false);
	CHECK_EQ(virtq_add(&vq, &b, 1, 0, data), 0);
	fake_set_used_idx(&fd, 0, 2);
	CHECK_EQ(virtq_pending(&vq), -EIO);
	CHECK_STR(vq.broken, "used index ran ahead of the requests");
	setup(8, 0, false);
	fake_set_used_idx(&fd, 0, 0xffff); /* "behind": as far ahead */
	CHECK_EQ(virtq_get(&vq, &len, &cookie), -EIO);
}

static void test_scribbled_table(void)
{
	uint8_t data[4];
	struct virtq_buf b[3] = { buf_of(data, 4), buf_of(data, 4),
				  buf_of(data, 4) };
	struct fake_chain c;
	uint32_t len;
	void *cookie;

	setup(8, 0, false);
	CHECK_EQ(virtq_add(&vq, b, 3, 0, data), 0);
	CHECK(fake_pop(&fd, 0, &c));
	/* The device rewrites the links and flags of the chain. */
	for (int i = 0; i < 8; i++) {
		vq.desc[i].next = (uint16_t)(0xffff - i);
		vq.desc[i].flags = VIRTQ_DESC_F_NEXT;
	}
	fake_push(&fd, 0, c.head, 0);
	CHECK_EQ(virtq_get(&vq, &len, &cookie), 1);
	CHECK_EQ(virtq_num_free(&vq), 8);
	/* The free list still hands out each descriptor once. */
	for (int i = 0; i < 8; i++)
		CHECK_EQ(virtq_add(&vq, b, 1, 0, data), 0);
	CHECK_EQ(virtq_add(&vq, b, 1, 0, data), -ENOSPC);
	uint8_t seen[8] = { 0 };
	for (int i = 0; i < 8; i++)
		seen[vq.avail->ring[(1 + i) % 8] % 8]++;
	for (int i = 0; i < 8; i++)
		CHECK_EQ(seen[i], 1);
}

int main(void)
{
	test_init();
	test_chain_roundtrip();
	test_full_and_invalid();
	test_out_of_order_and_wrap();
	test_indirect();
	test_notify_flags();
	test_notify_event_idx();
	test_interrupt_suppression();
	test_malicious();
	test_scribbled_table();
	return check_done();
}
