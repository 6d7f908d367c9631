/*
 * virtio-net (virtio 1.1 §5.1): a struct netdev over one receive and one
 * transmit queue, on any transport. The network stack calls xmit and poll
 * (netdev.h) on the CPU the device is dedicated to; the transport's
 * interrupt calls virtio_net_irq, which only raises netdev_event.
 *
 * Receive: every receive descriptor holds a posted buffer (a whole ring's
 * worth in flight). With VIRTIO_NET_F_MRG_RXBUF a frame may span
 * num_buffers 2 KiB buffers and is copied together into a reassembly
 * buffer; otherwise each buffer holds a whole frame and is lent to the
 * callback in place. Buffers are re-posted as soon as they are consumed.
 * Transmit: xmit copies header and frame into a free driver buffer (one
 * per ring slot), reclaims completions first, and asks for a transmit
 * interrupt only when it ran out of buffers (so -EAGAIN is followed by a
 * notify).
 *
 * Offloads, when negotiated: VIRTIO_NET_F_CSUM (NETDEV_F_TX_CSUM): each
 * IPv4/IPv6 TCP or UDP frame is marked NEEDS_CSUM and the driver seeds
 * its checksum field with the pseudo-header sum, so the stack may leave
 * checksums unset and what it did put there does not matter.
 * VIRTIO_NET_F_GUEST_CSUM (NETDEV_F_RX_CSUM): NEEDS_CSUM frames are
 * completed, DATA_VALID frames pass, and others are verified here; bad
 * ones are dropped. IP fragments and IPv6 extension headers are not
 * covered (the stack must verify those after reassembly).
 *
 * Device input checked: every used id/len (virtq.c), the header length,
 * num_buffers (at least 1, at most the buffers posted), frame sizes,
 * checksum offsets. A protocol violation fails the device (netdev_fail,
 * FAILED, reset); a bad frame is dropped and counted.
 * Left out: multiqueue, the control queue, GSO/TSO, link status.
 */
#include <stdbool.h>
#include <stdint.h>

#include <torito/console.h>
#include <torito/errno.h>
#include <torito/mem.h>
#include <torito/netdev_driver.h>
#include <torito/string.h>

#include "pv/virtio/net_csum.h"
#include "pv/virtio/virtio.h"
#include "pv/virtio/virtio_net.h"

#define MTU_DEFAULT 1500
#define MTU_MIN	    68
#define MTU_MAX	    9000
#define ETH_HLEN    14

static unsigned int next_unit;

/* Fails the device after a protocol violation; always returns -EIO. */
static int vnet_fail(struct virtio_net *vn, const struct virtq *vq)
{
	netdev_fail(&vn->nd, vq && vq->broken ? vq->broken : "device error");
	virtio_dev_fail(vn->vd);
	virtio_dev_reset(vn->vd); /* stops its DMA into our buffers */
	return -EIO;
}

/* Posts receive buffer buf (header and data, one or two descriptors). */
static int rx_post(struct virtio_net *vn, uint8_t *buf)
{
	uint64_t pa = virt_to_phys(buf);
	struct virtq_buf b[2];

	if (vn->split_hdr) {
		b[0] = (struct virtq_buf){ pa, vn->hdr_len };
		b[1] = (struct virtq_buf){ pa + vn->hdr_len,
					   vn->rx_buf_size - vn->hdr_len };
		return virtq_add(vn->rxq, b, 0, 2, buf);
	}
	b[0] = (struct virtq_buf){ pa, vn->rx_buf_size };
	return virtq_add(vn->rxq, b, 0, 1, buf);
}

/* Checks or completes a received frame's checksum; false: drop it. */
static bool rx_csum(struct virtio_net *vn, uint8_t *frame, uint32_t len,
		    const struct virtio_net_hdr *h)
{
	if (!virtio_has(vn->vd, VIRTIO_NET_F_GUEST_CSUM))
		return true; /* the stack verifies: no NETDEV_F_RX_CSUM */
	if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		if (net_csum_complete(frame, len, h->csum_start,
				      h->csum_offset) < 0)
			goto bad;
		vn->stats.rx_csum_fixed++;
		return true;
	}
	if (h->flags & VIRTIO_NET_HDR_F_DATA_VALID)
		return true;
	if (net_csum_verify(frame, len) < 0)
		goto bad;
	return true;
bad:
	vn->stats.rx_csum_bad++;
	return false;
}

/* Hands one whole frame to fn; returns 1 if delivered, 0 if dropped. */
static int rx_deliver(struct virtio_net *vn, uint8_t *frame, uint32_t len,
		      const struct virtio_net_hdr *h, netdev_rx_fn fn,
		      void *ctx)
{
	if (len < ETH_HLEN || len > vn->frame_max) {
		vn->stats.rx_dropped++;
		return 0;
	}
	if (!rx_csum(vn, frame, len, h))
		return 0;
	vn->stats.rx_frames++;
	fn(ctx, frame, len);
	return 1;
}

/* Appends a continuation buffer to the frame being merged. */
static void rx_append(struct virtio_net *vn, const uint8_t *data, uint32_t len)
{
	if (vn->frame_drop || len > vn->frame_max - vn->frame_len) {
		vn->frame_drop = true;
		return;
	}
	memcpy(vn->frame + vn->frame_len, data, len);
	vn->frame_len += len;
}

/* The first buffer of a frame: header, then data. */
static int rx_first(struct virtio_net *vn, uint8_t *buf, uint32_t len,
		    netdev_rx_fn fn, void *ctx)
{
	struct virtio_net_hdr h;
	uint16_t nbuf;

	memset(&h, 0, sizeof(h));
	if (len < vn->hdr_len) {
		vn->stats.rx_dropped++;
		return 0;
	}
	memcpy(&h, buf, vn->hdr_len); /* read once: our copy */
	nbuf = vn->mrg ? h.num_buffers : 1;
	if (nbuf == 0 || nbuf > vn->rx_bufs) {
		virtq_mark_broken(vn->rxq, "num_buffers out of range");
		return -EIO;
	}
	if (nbuf == 1)
		return rx_deliver(vn, buf + vn->hdr_len, len - vn->hdr_len, &h,
				  fn, ctx);
	vn->frame_hdr = h;
	vn->frame_left = (uint16_t)(nbuf - 1);
	vn->frame_len = 0;
	vn->frame_drop = false;
	rx_append(vn, buf + vn->hdr_len, len - vn->hdr_len);
	return 0;
}

/* Consumes one used receive buffer, then re-posts it. */
static int rx_one(struct virtio_net *vn, uint8_t *buf, uint32_t len,
		  netdev_rx_fn fn, void *ctx)
{
	int rc = 0, post;

	if (vn->frame_left == 0) {
		rc = rx_first(vn, buf, len, fn, ctx);
	} else {
		rx_append(vn, buf, len); /* continuations have no header */
		if (--vn->frame_left == 0) {
			vn->stats.rx_merged++;
			if (vn->frame_drop)
				vn->stats.rx_dropped++;
			else
				rc = rx_deliver(vn, vn->frame, vn->frame_len,
						&vn->frame_hdr, fn, ctx);
		}
	}
	if (rc < 0)
		return rc;
	post = rx_post(vn, buf);
	return post < 0 ? post : rc;
}

/* Takes back transmitted buffers; returns 0 or -EIO. */
static int tx_reclaim(struct virtio_net *vn)
{
	void *cookie;
	uint32_t len;
	int rc;

	while ((rc = virtq_get(vn->txq, &len, &cookie)) > 0) {
		size_t n = (size_t)((uint8_t *)cookie - vn->tx_mem) /
			   vn->tx_buf_size;
		vn->tx_free[vn->tx_nfree++] = (uint16_t)n;
	}
	if (rc == 0 && vn->txq->cb_enabled && vn->tx_nfree)
		virtq_disable_cb(vn->txq);
	return rc;
}

static int vnet_poll(struct netdev *nd, netdev_rx_fn fn, void *ctx, int budget)
{
	struct virtio_net *vn = nd->priv;
	int delivered = 0, rc = 0;
	uint32_t len;
	void *cookie;

	if (tx_reclaim(vn) < 0)
		return vnet_fail(vn, vn->txq);
	while (delivered < budget &&
	       (rc = virtq_get(vn->rxq, &len, &cookie)) > 0) {
		rc = rx_one(vn, cookie, len, fn, ctx);
		if (rc < 0)
			break;
		delivered += rc;
	}
	if (rc < 0)
		return vnet_fail(vn, vn->rxq);
	virtio_queue_kick(vn->vd, VIRTIO_NET_RXQ, vn->rxq);
	return delivered;
}

/* Marks a TCP/UDP frame for the device to checksum (tx offload). */
static void tx_csum(struct virtio_net *vn, struct virtio_net_hdr *h,
		    uint8_t *frame, uint32_t len)
{
	struct net_csum_l4 l4;
	uint16_t seed;

	if (!virtio_has(vn->vd, VIRTIO_NET_F_CSUM) ||
	    net_csum_locate(frame, len, &l4) < 0)
		return;
	seed = net_csum_pseudo(frame, &l4);
	frame[l4.start + l4.offset] = (uint8_t)(seed >> 8);
	frame[l4.start + l4.offset + 1] = (uint8_t)seed;
	h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h->csum_start = l4.start;
	h->csum_offset = l4.offset;
	vn->stats.tx_csum_offload++;
}

/* A free transmit buffer number, or -EAGAIN / -EIO. */
static int tx_get_buffer(struct virtio_net *vn)
{
	if (tx_reclaim(vn) < 0)
		return vnet_fail(vn, vn->txq);
	if (vn->tx_nfree)
		return vn->tx_free[--vn->tx_nfree];
	vn->stats.tx_ring_full++;
	/* Ask for an interrupt when the device hands buffers back, so the
	 * consumer gets a notify to retry; take any that raced in. */
	if (virtq_enable_cb(vn->txq))
		return -EAGAIN;
	if (tx_reclaim(vn) < 0)
		return vnet_fail(vn, vn->txq);
	return vn->tx_nfree ? vn->tx_free[--vn->tx_nfree] : -EAGAIN;
}

static int vnet_xmit(struct netdev *nd, const void *frame, size_t len)
{
	struct virtio_net *vn = nd->priv;
	struct virtio_net_hdr h;
	struct virtq_buf b[2];
	uint8_t *buf;
	int n, rc;

	if (len < ETH_HLEN || len > vn->tx_buf_size - vn->hdr_len)
		return -EINVAL;
	n = tx_get_buffer(vn);
	if (n < 0)
		return n;
	buf = vn->tx_mem + (size_t)n * vn->tx_buf_size;
	memset(&h, 0, sizeof(h));
	memcpy(buf + vn->hdr_len, frame, len);
	tx_csum(vn, &h, buf + vn->hdr_len, (uint32_t)len);
	memcpy(buf, &h, vn->hdr_len);
	b[0] = (struct virtq_buf){ virt_to_phys(buf),
				   (uint32_t)(vn->hdr_len + len) };
	if (vn->split_hdr) {
		b[0].len = vn->hdr_len;
		b[1] = (struct virtq_buf){ virt_to_phys(buf) + vn->hdr_len,
					   (uint32_t)len };
	}
	rc = virtq_add(vn->txq, b, vn->split_hdr ? 2 : 1, 0, buf);
	if (rc < 0) {
		vn->tx_free[vn->tx_nfree++] = (uint16_t)n;
		return rc == -EIO ? vnet_fail(vn, vn->txq) : -EAGAIN;
	}
	virtio_queue_kick(vn->vd, VIRTIO_NET_TXQ, vn->txq);
	vn->stats.tx_frames++;
	return 0;
}

static void vnet_irq_enable(struct netdev *nd, bool on)
{
	struct virtio_net *vn = nd->priv;

	if (!on) {
		virtq_disable_cb(vn->rxq);
		return;
	}
	/* Frames that arrived while masked raise no interrupt: say so. */
	if (!virtq_enable_cb(vn->rxq))
		netdev_event(nd);
}

static const struct netdev_ops vnet_ops = {
	.xmit = vnet_xmit,
	.poll = vnet_poll,
	.irq_enable = vnet_irq_enable,
};

/* Interrupt context: only report the event. */
static void vnet_irq(void *ctx)
{
	struct virtio_net *vn = ctx;

	vn->stats.irqs++;
	netdev_event(&vn->nd);
}

/* MAC and MTU from config space (§5.1.4), or defaults. */
static int read_config(struct virtio_net *vn, unsigned int unit)
{
	struct netdev_info *info = &vn->nd.info;
	uint16_t mtu = MTU_DEFAULT;

	if (virtio_has(vn->vd, VIRTIO_NET_F_MAC)) {
		if (virtio_config_read(vn->vd, VIRTIO_NET_CFG_MAC, info->mac,
				       6) < 0)
			return -EIO;
	} else { /* locally administered, unique per unit */
		static const uint8_t base[6] = { 0x02, 0x00, 0x00, 0, 0, 0 };
		memcpy(info->mac, base, 6);
		info->mac[5] = (uint8_t)(unit + 1);
	}
	if (virtio_has(vn->vd, VIRTIO_NET_F_MTU) &&
	    virtio_config_read(vn->vd, VIRTIO_NET_CFG_MTU, &mtu, 2) < 0)
		return -EIO;
	if (mtu < MTU_MIN)
		mtu = MTU_DEFAULT;
	info->mtu = MIN(mtu, (uint16_t)MTU_MAX);
	vn->frame_max = info->mtu + VIRTIO_NET_FRAME_EXTRA;
	info->features =
		(virtio_has(vn->vd, VIRTIO_NET_F_CSUM) ? NETDEV_F_TX_CSUM : 0) |
		(virtio_has(vn->vd, VIRTIO_NET_F_GUEST_CSUM) ? NETDEV_F_RX_CSUM
							     : 0);
	return 0;
}

/* Header layout from the negotiated features (§5.1.6, legacy §5.1.6.1). */
static void choose_layout(struct virtio_net *vn)
{
	struct virtio_dev *vd = vn->vd;

	vn->mrg = virtio_has(vd, VIRTIO_NET_F_MRG_RXBUF);
	vn->hdr_len = vn->mrg || virtio_has(vd, VIRTIO_F_VERSION_1) ? 12 : 10;
	vn->split_hdr = !virtio_has(vd, VIRTIO_F_VERSION_1) &&
			!virtio_has(vd, VIRTIO_F_ANY_LAYOUT);
}

/* Buffers for both queues; ring slots per buffer from the layout. */
static int alloc_buffers(struct virtio_net *vn)
{
	unsigned int per = vn->split_hdr && !vn->rxq->indirect ? 2 : 1;

	vn->rx_buf_size = vn->mrg ? VIRTIO_NET_RX_BUF
				  : ALIGN_UP(vn->hdr_len + vn->frame_max, 16u);
	vn->rx_bufs = (uint16_t)(vn->rxq->size / per);
	vn->rx_mem = mem_zalloc((size_t)vn->rx_bufs * vn->rx_buf_size, 64);
	if (vn->mrg)
		vn->frame = mem_zalloc(vn->frame_max, 64);
	per = vn->split_hdr && !vn->txq->indirect ? 2 : 1;
	vn->tx_buf_size =
		ALIGN_UP(vn->hdr_len + vn->nd.info.mtu + ETH_HLEN, 16u);
	vn->tx_bufs = (uint16_t)(vn->txq->size / per);
	vn->tx_mem = mem_zalloc((size_t)vn->tx_bufs * vn->tx_buf_size, 64);
	vn->tx_free = mem_zalloc(vn->tx_bufs * sizeof(uint16_t), 16);
	if (!vn->rx_mem || (vn->mrg && !vn->frame) || !vn->tx_mem ||
	    !vn->tx_free)
		return -ENOMEM;
	for (uint16_t i = 0; i < vn->tx_bufs; i++)
		vn->tx_free[vn->tx_nfree++] = i;
	return 0;
}

static int setup_queues(struct virtio_net *vn)
{
	uint16_t ind = vn->split_hdr ? 2 : 0;
	int rc;

	rc = virtio_queue_create(vn->vd, VIRTIO_NET_RXQ, VIRTIO_QUEUE_SIZE_MAX,
				 ind, &vn->rxq);
	if (rc < 0)
		return rc;
	rc = virtio_queue_create(vn->vd, VIRTIO_NET_TXQ, VIRTIO_QUEUE_SIZE_MAX,
				 ind, &vn->txq);
	if (rc < 0)
		return rc;
	if ((vn->split_hdr && vn->rxq->size < 2) || vn->txq->size < 2)
		return -EINVAL;
	rc = alloc_buffers(vn);
	if (rc < 0)
		return rc;
	for (uint16_t i = 0; i < vn->rx_bufs; i++) {
		rc = rx_post(vn, vn->rx_mem + (size_t)i * vn->rx_buf_size);
		if (rc < 0)
			return rc;
	}
	/* No interrupts until a consumer asks (netdev_set_notify). */
	virtq_disable_cb(vn->rxq);
	virtq_disable_cb(vn->txq);
	return 0;
}

static int virtio_net_probe(struct virtio_dev *vd)
{
	const uint64_t wanted = VIRTIO_NET_F_MAC | VIRTIO_NET_F_MRG_RXBUF |
				VIRTIO_NET_F_CSUM | VIRTIO_NET_F_GUEST_CSUM |
				VIRTIO_NET_F_MTU | VIRTIO_F_ANY_LAYOUT |
				VIRTIO_F_EVENT_IDX | VIRTIO_F_INDIRECT_DESC;
	unsigned int unit = next_unit;
	struct virtio_net *vn;
	int rc;

	vn = mem_zalloc(sizeof(*vn), 16);
	if (!vn)
		return -ENOMEM;
	vn->vd = vd;
	rc = virtio_dev_init(vd, wanted, 0);
	if (rc < 0)
		goto err_free;
	choose_layout(vn);
	rc = read_config(vn, unit);
	if (rc < 0)
		goto err_fail;
	/* 7. Device-specific setup: queues, buffers; then 8. DRIVER_OK. */
	rc = setup_queues(vn);
	if (rc < 0)
		goto err_fail;
	vd->irq_ctx = vn;
	vd->irq_fn = vnet_irq;
	vd->driver = vn;
	virtio_dev_ready(vd);
	virtio_queue_kick(vd, VIRTIO_NET_RXQ, vn->rxq);
	snprintf(vn->nd.name, sizeof(vn->nd.name), "virtio%u", unit);
	vn->nd.ops = &vnet_ops;
	vn->nd.priv = vn;
	rc = netdev_register(&vn->nd);
	if (rc < 0)
		goto err_reset;
	next_unit++;
	kprintf("%s: virtio-net on %s (%s, %s), %u rx buffers%s%s\n",
		vn->nd.name, vd->where, vd->kind,
		vd->has_irq ? "interrupts" : "polled", vn->rx_bufs,
		vn->mrg ? ", mergeable" : "",
		vn->nd.info.features ? ", checksum offload" : "");
	return 0;

err_reset:
	vd->irq_fn = NULL;
	virtio_dev_reset(vd);
	return rc; /* the device owned the buffers: they stay */
err_fail:
	virtio_dev_fail(vd);
err_free:
	mem_free(vn);
	return rc;
}
VIRTIO_DRIVER(VIRTIO_ID_NET, virtio_net_probe);
