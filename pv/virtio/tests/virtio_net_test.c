/*
 * Host tests for the virtio-net driver, driven through its real entry
 * points (virtio_dev_probe, the netdev ops, the transport interrupt)
 * against the fake device: receive with single and mergeable buffers
 * (including a frame split across polls), transmit until the ring is
 * full and the notify that follows, interrupt enabling, checksum offload
 * both ways, legacy header layouts, and a device that lies: bad
 * num_buffers, short buffers, bogus used ids.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <torito/errno.h>
#include <torito/netdev_driver.h>

#include "pv/virtio/net_csum.h"
#include "pv/virtio/tests/fake_device.h"
#include "pv/virtio/tests/host_stubs.h"
#include "pv/virtio/virtio_net.h"
#include "testing/unit/check.h"

#define MODERN_FEATURES                                                   \
	(VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MAC | VIRTIO_NET_F_MRG_RXBUF | \
	 VIRTIO_F_EVENT_IDX | VIRTIO_F_INDIRECT_DESC)

static const uint8_t the_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static struct fake_dev fd;
static struct netdev *nd;
static struct virtio_net *vn;

static struct {
	unsigned int n;
	uint8_t frame[8][4096];
	size_t len[8];
} rx;
static unsigned int notifies;

static void on_rx(void *ctx, const void *frame, size_t len)
{
	(void)ctx;
	if (rx.n < 8 && len <= sizeof(rx.frame[0])) {
		memcpy(rx.frame[rx.n], frame, len);
		rx.len[rx.n] = len;
	}
	rx.n++;
}

static void on_notify(void *ctx)
{
	(void)ctx;
	notifies++;
}

static struct fake_chain dev_chains[40]; /* of the last dev_rx */

static int probe(uint64_t offered, bool legacy, uint16_t qmax, uint16_t mtu)
{
	int rc;

	fake_dev_init(&fd, VIRTIO_ID_NET, legacy, qmax);
	fd.offered = offered;
	memcpy(fd.config, the_mac, 6);
	memcpy(fd.config + VIRTIO_NET_CFG_MTU, &mtu, 2);
	stub_netdev = NULL;
	rc = virtio_dev_probe(&fd.vd);
	nd = stub_netdev;
	vn = nd ? nd->priv : NULL;
	memset(&rx, 0, sizeof(rx));
	notifies = 0;
	return rc;
}

/* The device receives frame: fills as many buffers as it needs, with
 * the header in the first; pushes only the first `push` of them
 * (all if 0). Returns the number of buffers used. */
static unsigned int dev_rx(const void *frame, uint32_t len, uint8_t flags,
			   uint16_t cs_start, uint16_t cs_off,
			   unsigned int push)
{
	static uint8_t tmp[70000];
	struct fake_chain *c = dev_chains;
	struct virtio_net_hdr h = { .flags = flags,
				    .csum_start = cs_start,
				    .csum_offset = cs_off };
	uint32_t total = vn->hdr_len + len, cap = 0, off = 0;
	unsigned int n = 0;

	while (cap < total && n < 40 && (vn->mrg || n == 0) &&
	       fake_pop(&fd, VIRTIO_NET_RXQ, &c[n]))
		cap += c[n++].in_len;
	h.num_buffers = (uint16_t)n;
	memcpy(tmp, &h, vn->hdr_len);
	memcpy(tmp + vn->hdr_len, frame, len);
	for (unsigned int i = 0; i < n; i++) {
		uint32_t want =
			total - off < c[i].in_len ? total - off : c[i].in_len;
		uint32_t w = fake_write(&c[i], tmp + off, want);
		off += w;
		if (!push || i < push)
			fake_push(&fd, VIRTIO_NET_RXQ, c[i].head, w);
	}
	return n;
}

static void make_frame(uint8_t *f, size_t len, uint8_t seed)
{
	memset(f, 0xff, 6);
	memcpy(f + 6, the_mac, 6);
	f[12] = 0x88;
	f[13] = 0xb5; /* local experimental ethertype */
	for (size_t i = 14; i < len; i++)
		f[i] = (uint8_t)(seed + i * 13);
}

static void test_probe_modern(void)
{
	CHECK_EQ(probe(MODERN_FEATURES | (1ull << 40), false, 256, 0), 0);
	CHECK(nd != NULL);
	if (!nd)
		return;
	CHECK(strncmp(nd->name, "virtio", 6) == 0);
	CHECK(memcmp(nd->info.mac, the_mac, 6) == 0);
	CHECK_EQ(nd->info.mtu, 1500);
	CHECK_EQ(nd->info.features, 0);
	CHECK_EQ(fd.driver_features, MODERN_FEATURES); /* not bit 40 */
	CHECK_EQ(fd.status, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				    VIRTIO_STATUS_FEATURES_OK |
				    VIRTIO_STATUS_DRIVER_OK);
	CHECK_EQ(vn->hdr_len, 12);
	CHECK(vn->mrg && !vn->split_hdr);
	CHECK_EQ(vn->rx_bufs, 256);
	CHECK_EQ(fd.q[0].vq->avail->idx, 256); /* every buffer posted */
	CHECK_EQ(fd.q[0].notifies, 1);
	CHECK(fd.vd.irq_fn != NULL);
}

static void test_rx_single(void)
{
	uint8_t f[60];
	int got;

	CHECK_EQ(probe(MODERN_FEATURES, false, 256, 0), 0);
	make_frame(f, sizeof(f), 1);
	CHECK_EQ(dev_rx(f, sizeof(f), 0, 0, 0, 0), 1);
	got = nd->ops->poll(nd, on_rx, NULL, 16);
	CHECK_EQ(got, 1);
	CHECK_EQ(rx.len[0], 60);
	CHECK(memcmp(rx.frame[0], f, 60) == 0);
	CHECK_EQ(fd.q[0].vq->avail->idx, 257); /* re-posted */
	CHECK_EQ(nd->ops->poll(nd, on_rx, NULL, 16), 0);
	/* Many frames, a small budget: delivered across polls in order. */
	for (uint8_t i = 0; i < 5; i++) {
		make_frame(f, sizeof(f), (uint8_t)(10 + i));
		dev_rx(f, sizeof(f), 0, 0, 0, 0);
	}
	rx.n = 0;
	CHECK_EQ(nd->ops->poll(nd, on_rx, NULL, 2), 2);
	CHECK_EQ(nd->ops->poll(nd, on_rx, NULL, 2), 2);
	CHECK_EQ(nd->ops->poll(nd, on_rx, NULL, 2), 1);
	make_frame(f, sizeof(f), 14);
	CHECK(memcmp(rx.frame[4], f, 60) == 0);
	CHECK_EQ(vn->stats.rx_frames, 6);
	/* 300 more than the ring holds, polled as they come. */
	unsigned int total = 0;
	for (int i = 0; i < 300; i++) {
		dev_rx(f, sizeof(f), 0, 0, 0, 0);
		total += (unsigned int)nd->ops->poll(nd, on_rx, NULL, 64);
	}
	CHECK_EQ(total, 300);
	CHECK(!nd->failed);
}

static void test_rx_merged(void)
{
	static uint8_t f[4000];
	int got;

	CHECK_EQ(probe(MODERN_FEATURES | VIRTIO_NET_F_MTU, false, 256, 3900),
		 0);
	CHECK_EQ(nd->info.mtu, 3900);
	make_frame(f, 3914, 7);
	CHECK_EQ(dev_rx(f, 3914, 0, 0, 0, 0), 2);
	got = nd->ops->poll(nd, on_rx, NULL, 16);
	CHECK_EQ(got, 1);
	CHECK_EQ(rx.len[0], 3914);
	CHECK(memcmp(rx.frame[0], f, 3914) == 0);
	CHECK_EQ(vn->stats.rx_merged, 1);
	/* Split across polls: the first buffer now, the rest later. */
	rx.n = 0;
	make_frame(f, 3000, 9);
	CHECK_EQ(dev_rx(f, 3000, 0, 0, 0, 1), 2);
	CHECK_EQ(nd->ops->poll(nd, on_rx, NULL, 16), 0);
	fake_push(&fd, VIRTIO_NET_RXQ, dev_chains[1].head, 3000 + 12 - 2048);
	CHECK_EQ(nd->ops->poll(nd, on_rx, NULL, 16), 1);
	CHECK_EQ(rx.len[0], 3000);
	CHECK(memcmp(rx.frame[0], f, 3000) == 0);
	/* Longer than the MTU allows: dropped, the device keeps going. */
	rx.n = 0;
	make_frame(f, 3950, 3);
	CHECK_EQ(dev_rx(f, 3950, 0, 0, 0, 0), 2);
	CHECK_EQ(nd->ops->poll(nd, on_rx, NULL, 16), 0);
	CHECK_EQ(vn->stats.rx_dropped, 1);
	make_frame(f, 100, 3);
	dev_rx(f, 100, 0, 0, 0, 0);
	CHECK_EQ(nd->ops->poll(nd, on_rx, NULL, 16), 1);
	CHECK(!nd->failed);
}

static void test_rx_lies(void)
{
	uint8_t f[60];
	struct fake_chain c;
	struct virtio_net_hdr h;

	/* A used length shorter than the header: dropped, not fatal. */
	CHECK_EQ(probe(MODERN_FEATURES, false, 16, 0), 0);
	CHECK(fake_pop(&fd, 0, &c));
	fake_push(&fd, 0, c.head, 5);
	CHECK_EQ(nd->ops->poll(nd, on_rx, NULL, 16), 0);
	CHECK_EQ(vn->stats.rx_dropped, 1);
	CHECK(!nd->failed);
	/* A frame too short for Ethernet: dropped. */
	make_frame(f, 10, 0);
	dev_rx(f, 10, 0, 0, 0, 0);
	CHECK_EQ(nd->ops->poll(nd, on_rx, NULL, 16), 0);
	CHECK_EQ(vn->stats.rx_dropped, 2);

	/* num_buffers 0, or more than were ever posted: the device fails. */
	for (int bad = 0; bad < 2; bad++) {
		CHECK_EQ(probe(MODERN_FEATURES, false, 16, 0), 0);
		memset(&h, 0, sizeof(h));
		h.num_buffers = bad ? 17 : 0;
		CHECK(fake_pop(&fd, 0, &c));
		fake_write(&c, &h, 12);
		fake_push(&fd, 0, c.head, 60);
		unsigned int resets = fd.resets;
		CHECK_EQ(nd->ops->poll(nd, on_rx, NULL, 16), -EIO);
		CHECK(nd->failed);
		CHECK_EQ(fd.resets, resets + 1);
	}
	/* A used id the driver never posted. */
	CHECK_EQ(probe(MODERN_FEATURES, false, 16, 0), 0);
	fake_push(&fd, 0, 99, 60);
	CHECK_EQ(nd->ops->poll(nd, on_rx, NULL, 16), -EIO);
	CHECK(nd->failed);
	/* A used length past the buffer. */
	CHECK_EQ(probe(MODERN_FEATURES, false, 16, 0), 0);
	CHECK(fake_pop(&fd, 0, &c));
	fake_push(&fd, 0, c.head, 2049);
	CHECK_EQ(nd->ops->poll(nd, on_rx, NULL, 16), -EIO);
	CHECK_EQ(rx.n, 0);
}

/* The device takes one transmitted frame; returns its length. */
static uint32_t dev_tx(struct virtio_net_hdr *h, uint8_t *frame, bool complete)
{
	static uint8_t tmp[4096];
	struct fake_chain c;
	uint32_t n;

	if (!fake_pop(&fd, VIRTIO_NET_TXQ, &c))
		return 0;
	n = fake_read(&c, tmp, sizeof(tmp));
	memset(h, 0, sizeof(*h));
	memcpy(h, tmp, vn->hdr_len);
	memcpy(frame, tmp + vn->hdr_len, n - vn->hdr_len);
	if (complete)
		fake_push(&fd, VIRTIO_NET_TXQ, c.head, 0);
	return n - vn->hdr_len;
}

static void test_tx(void)
{
	uint8_t f[1514], got[4096];
	struct virtio_net_hdr h;
	int rc = 0, sent = 0;

	CHECK_EQ(probe(MODERN_FEATURES, false, 8, 0), 0);
	nd->notify = on_notify;
	make_frame(f, 1514, 5);
	CHECK_EQ(nd->ops->xmit(nd, f, 1514), 0);
	CHECK_EQ(fd.q[1].notifies, 1);
	CHECK_EQ(dev_tx(&h, got, true), 1514);
	CHECK(memcmp(got, f, 1514) == 0);
	CHECK_EQ(h.flags, 0);
	/* Past the buffer (the netdev core already holds frames to
	 * mtu + 14; the driver only guards its buffer). */
	static uint8_t huge[2048];
	CHECK_EQ(nd->ops->xmit(nd, huge, 1525), -EINVAL);
	/* Fill the ring without completions: -EAGAIN, then a notify when
	 * the device hands a buffer back, then room again. */
	while ((rc = nd->ops->xmit(nd, f, 60)) == 0)
		sent++;
	CHECK_EQ(rc, -EAGAIN);
	CHECK_EQ(sent, 8);
	CHECK_EQ(vn->stats.tx_ring_full, 1);
	CHECK_EQ(notifies, 0);
	CHECK_EQ(dev_tx(&h, got, true), 60);
	CHECK_EQ(notifies, 1);
	CHECK_EQ(nd->ops->xmit(nd, f, 60), 0);
	while (dev_tx(&h, got, true))
		;
	/* Completions no longer interrupt once there is room. */
	notifies = 0;
	CHECK_EQ(nd->ops->xmit(nd, f, 60), 0);
	CHECK_EQ(nd->ops->xmit(nd, f, 60), 0);
	dev_tx(&h, got, true);
	dev_tx(&h, got, true);
	CHECK_EQ(notifies, 0);
	CHECK_EQ(vn->stats.tx_frames, 12);
	/* A bogus transmit completion fails the device. */
	CHECK_EQ(nd->ops->xmit(nd, f, 60), 0);
	fake_push(&fd, VIRTIO_NET_TXQ, 200, 0);
	CHECK_EQ(nd->ops->xmit(nd, f, 60), -EIO);
	CHECK(nd->failed);
}

static void test_irq_enable(void)
{
	uint8_t f[60];

	CHECK_EQ(probe(MODERN_FEATURES, false, 16, 0), 0);
	make_frame(f, 60, 0);
	stub_netdev_events = 0;
	/* Masked after probe: a frame raises no event. */
	dev_rx(f, 60, 0, 0, 0, 0);
	CHECK_EQ(stub_netdev_events, 0);
	/* Enabling with a frame waiting reports it at once. */
	nd->notify = on_notify;
	nd->ops->irq_enable(nd, true);
	CHECK_EQ(stub_netdev_events, 1);
	CHECK_EQ(nd->ops->poll(nd, on_rx, NULL, 16), 1);
	dev_rx(f, 60, 0, 0, 0, 0);
	CHECK_EQ(stub_netdev_events, 2);
	CHECK_EQ(notifies, 2);
	CHECK_EQ(vn->stats.irqs, 1);
	CHECK_EQ(nd->ops->poll(nd, on_rx, NULL, 16), 1);
	dev_rx(f, 60, 0, 0, 0, 0); /* polled: the next one interrupts */
	CHECK_EQ(stub_netdev_events, 3);
	nd->ops->irq_enable(nd, false);
	CHECK_EQ(nd->ops->poll(nd, on_rx, NULL, 16), 1);
	dev_rx(f, 60, 0, 0, 0, 0);
	CHECK_EQ(stub_netdev_events, 3);
}

/* An IPv4/UDP frame with a correct checksum, 10.0.2.15 -> 10.0.2.2. */
static size_t udp_frame(uint8_t *f, size_t payload)
{
	size_t l4len = 8 + payload;
	struct net_csum_l4 l4;

	memset(f, 0, 14 + 20 + l4len);
	memcpy(f + 6, the_mac, 6);
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = (uint8_t)((20 + l4len) >> 8);
	f[17] = (uint8_t)(20 + l4len);
	f[22] = 64;
	f[23] = 17;
	memcpy(f + 26, "\x0a\x00\x02\x0f\x0a\x00\x02\x02", 8);
	f[34] = 0x12;
	f[36] = 0x00;
	f[37] = 53;
	f[38] = (uint8_t)(l4len >> 8);
	f[39] = (uint8_t)l4len;
	for (size_t i = 0; i < payload; i++)
		f[42 + i] = (uint8_t)(i * 3 + 1);
	if (net_csum_locate(f, 34 + l4len, &l4) == 0) {
		uint16_t seed = net_csum_pseudo(f, &l4);
		f[40] = (uint8_t)(seed >> 8);
		f[41] = (uint8_t)seed;
		if (net_csum_complete(f, 34 + l4len, 34, 6) < 0)
			abort();
	}
	return 34 + l4len;
}

static void test_csum_offload(void)
{
	const uint64_t feats =
		MODERN_FEATURES | VIRTIO_NET_F_CSUM | VIRTIO_NET_F_GUEST_CSUM;
	uint8_t f[256], good[256], got[4096];
	struct virtio_net_hdr h;
	size_t len;

	CHECK_EQ(probe(feats, false, 16, 0), 0);
	CHECK_EQ(nd->info.features, NETDEV_F_TX_CSUM | NETDEV_F_RX_CSUM);
	/* Transmit: marked, seeded with the pseudo header whatever the
	 * stack left in the field; the device's sum then is right. */
	len = udp_frame(good, 21);
	memcpy(f, good, len);
	f[40] = 0xde;
	f[41] = 0xad;
	CHECK_EQ(nd->ops->xmit(nd, f, len), 0);
	CHECK_EQ(dev_tx(&h, got, true), len);
	CHECK_EQ(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	CHECK_EQ(h.csum_start, 34);
	CHECK_EQ(h.csum_offset, 6);
	CHECK_EQ(net_csum_complete(got, len, h.csum_start, h.csum_offset), 0);
	CHECK(memcmp(got, good, len) == 0);
	CHECK_EQ(vn->stats.tx_csum_offload, 1);
	/* A non-IP frame goes unmarked. */
	make_frame(f, 60, 1);
	CHECK_EQ(nd->ops->xmit(nd, f, 60), 0);
	CHECK_EQ(dev_tx(&h, got, true), 60);
	CHECK_EQ(h.flags, 0);

	/* Receive NEEDS_CSUM: completed before delivery. */
	memcpy(f, good, len);
	struct net_csum_l4 l4;
	CHECK_EQ(net_csum_locate(f, len, &l4), 0);
	uint16_t seed = net_csum_pseudo(f, &l4);
	f[40] = (uint8_t)(seed >> 8);
	f[41] = (uint8_t)seed;
	dev_rx(f, (uint32_t)len, VIRTIO_NET_HDR_F_NEEDS_CSUM, 34, 6, 0);
	CHECK_EQ(nd->ops->poll(nd, on_rx, NULL, 16), 1);
	CHECK(memcmp(rx.frame[0], good, len) == 0);
	CHECK_EQ(vn->stats.rx_csum_fixed, 1);
	/* NEEDS_CSUM pointing outside the frame: dropped. */
	dev_rx(f, (uint32_t)len, VIRTIO_NET_HDR_F_NEEDS_CSUM, 200, 6, 0);
	CHECK_EQ(nd->ops->poll(nd, on_rx, NULL, 16), 0);
	CHECK_EQ(vn->stats.rx_csum_bad, 1);
	/* Without DATA_VALID a bad checksum is caught here... */
	memcpy(f, good, len);
	f[50] ^= 0x10;
	dev_rx(f, (uint32_t)len, 0, 0, 0, 0);
	CHECK_EQ(nd->ops->poll(nd, on_rx, NULL, 16), 0);
	CHECK_EQ(vn->stats.rx_csum_bad, 2);
	/* ...a good one passes, and DATA_VALID is trusted. */
	dev_rx(good, (uint32_t)len, 0, 0, 0, 0);
	dev_rx(f, (uint32_t)len, VIRTIO_NET_HDR_F_DATA_VALID, 0, 0, 0);
	CHECK_EQ(nd->ops->poll(nd, on_rx, NULL, 16), 2);
	CHECK(!nd->failed);

	/* Without GUEST_CSUM nothing is checked: the stack does it. */
	CHECK_EQ(probe(MODERN_FEATURES, false, 16, 0), 0);
	dev_rx(f, (uint32_t)len, 0, 0, 0, 0);
	CHECK_EQ(nd->ops->poll(nd, on_rx, NULL, 16), 1);
}

static void test_legacy_layouts(void)
{
	uint8_t f[100], got[4096];
	struct virtio_net_hdr h;

	/* Legacy, no ANY_LAYOUT, no MRG: 10-byte header in its own
	 * descriptor, so a buffer takes two ring slots. */
	CHECK_EQ(probe(VIRTIO_NET_F_MAC, true, 8, 0), 0);
	CHECK_EQ(vn->hdr_len, 10);
	CHECK(vn->split_hdr && !vn->mrg);
	CHECK_EQ(vn->rx_bufs, 4);
	CHECK_EQ(fd.status & VIRTIO_STATUS_FEATURES_OK, 0);
	make_frame(f, 100, 4);
	CHECK_EQ(dev_rx(f, 100, 0, 0, 0, 0), 1);
	CHECK_EQ(nd->ops->poll(nd, on_rx, NULL, 16), 1);
	CHECK(memcmp(rx.frame[0], f, 100) == 0);
	CHECK_EQ(nd->ops->xmit(nd, f, 100), 0);
	CHECK_EQ(dev_tx(&h, got, true), 100);
	CHECK(memcmp(got, f, 100) == 0);

	/* The same with indirect descriptors: one slot per buffer. */
	CHECK_EQ(probe(VIRTIO_NET_F_MAC | VIRTIO_F_INDIRECT_DESC, true, 8, 0),
		 0);
	CHECK_EQ(vn->rx_bufs, 8);
	CHECK_EQ(dev_rx(f, 100, 0, 0, 0, 0), 1);
	CHECK_EQ(nd->ops->poll(nd, on_rx, NULL, 16), 1);

	/* Legacy with ANY_LAYOUT and MRG: 12 bytes, one descriptor; a
	 * legacy device never sees bits above 31. */
	CHECK_EQ(probe(VIRTIO_NET_F_MAC | VIRTIO_F_ANY_LAYOUT |
			       VIRTIO_NET_F_MRG_RXBUF | VIRTIO_F_VERSION_1,
		       true, 8, 0),
		 0);
	CHECK_EQ(vn->hdr_len, 12);
	CHECK(!vn->split_hdr);
	CHECK_EQ(fd.driver_features >> 32, 0);
	CHECK_EQ(dev_rx(f, 100, 0, 0, 0, 0), 1);
	CHECK_EQ(nd->ops->poll(nd, on_rx, NULL, 16), 1);
	CHECK(memcmp(rx.frame[0], f, 100) == 0);

	/* No MAC feature: a locally administered address. */
	CHECK_EQ(probe(VIRTIO_F_VERSION_1, false, 8, 0), 0);
	CHECK_EQ(nd->info.mac[0], 0x02);
}

static void test_probe_failures(void)
{
	/* The device refuses the features: no netdev, device FAILED. */
	fake_dev_init(&fd, VIRTIO_ID_NET, false, 16);
	fd.offered = MODERN_FEATURES;
	fd.refuse_features = true;
	stub_netdev = NULL;
	CHECK_EQ(virtio_dev_probe(&fd.vd), -EIO);
	CHECK(stub_netdev == NULL);
	CHECK(fd.status & VIRTIO_STATUS_FAILED);
	/* A modern device without VERSION_1. */
	fake_dev_init(&fd, VIRTIO_ID_NET, false, 16);
	fd.offered = VIRTIO_NET_F_MAC;
	CHECK_EQ(virtio_dev_probe(&fd.vd), -ENOTSUP);
	/* No queues. */
	fake_dev_init(&fd, VIRTIO_ID_NET, false, 0);
	fd.offered = MODERN_FEATURES;
	CHECK_EQ(virtio_dev_probe(&fd.vd), -ENOENT);
	CHECK(fd.status & VIRTIO_STATUS_FAILED);
	/* Memory runs out at each step in turn: always a clean error. */
	for (int n = 0; n < 12; n++) {
		fake_dev_init(&fd, VIRTIO_ID_NET, false, 16);
		fd.offered = MODERN_FEATURES;
		stub_netdev = NULL;
		stub_fail_alloc_after = n;
		int rc = virtio_dev_probe(&fd.vd);
		stub_fail_alloc_after = -1;
		CHECK(rc == -ENOMEM || (rc == 0 && stub_netdev != NULL));
	}
	/* A config generation that never settles. */
	fake_dev_init(&fd, VIRTIO_ID_NET, false, 16);
	fd.offered = MODERN_FEATURES;
	fd.generation_bumps = 1000;
	CHECK_EQ(virtio_dev_probe(&fd.vd), -EIO);
	/* It settles after a few changes: fine. */
	fake_dev_init(&fd, VIRTIO_ID_NET, false, 16);
	fd.offered = MODERN_FEATURES;
	fd.generation_bumps = 3;
	CHECK_EQ(virtio_dev_probe(&fd.vd), 0);
	/* An unknown device type finds no driver. */
	fake_dev_init(&fd, 42, false, 16);
	CHECK_EQ(virtio_dev_probe(&fd.vd), -ENODEV);
}

int main(void)
{
	test_probe_modern();
	test_rx_single();
	test_rx_merged();
	test_rx_lies();
	test_tx();
	test_irq_enable();
	test_csum_offload();
	test_legacy_layouts();
	test_probe_failures();
	return check_done();
}
