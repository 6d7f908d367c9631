/*
 * netfront ring logic (xen/include/public/io/netif.h), with the backend
 * treated as untrusted input. Receive uses rx-copy with one page per
 * request and no scatter-gather, so a frame is one response; request i of
 * the rx ring carries id i % NF_RX_SIZE and netback answers requests in
 * order, so response i must carry that id too. Transmit ids come from a
 * free list because netback may complete them out of order.
 *
 * Checks (each protocol violation sets q->error and returns -EPROTO; the
 * caller then fails the device):
 *  - a response producer claiming more responses than requests made;
 *  - an rx id that is not the slot's, or whose buffer is not posted;
 *  - an rx frame (offset + length) reaching past its page;
 *  - a tx id out of range or not in flight.
 * Frames that are merely unusable are dropped and counted: a negative rx
 * status (backend error), a frame larger than max_frame, a multi-slot
 * frame (NETRXF_more_data, which we never negotiated), a csum_blank frame
 * we cannot complete. Extra-info slots (NETRXF_extra_info) are skipped.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <torito/errno.h>
#include <torito/string.h>

#include "pv/xen/netfront_ring.h"
#include "pv/xen/ring_check.h"

#define ETH_HLEN    14
#define ETH_P_IPV4  0x0800
#define ETH_P_8021Q 0x8100
#define VLAN_HLEN   4

void nf_init(struct nf_queue *q, struct netif_tx_sring *txs,
	     struct netif_rx_sring *rxs, uint16_t max_frame)
{
	memset(q, 0, sizeof(*q));
	SHARED_RING_INIT(txs);
	FRONT_RING_INIT(&q->tx, txs, NF_PAGE_SIZE);
	SHARED_RING_INIT(rxs);
	FRONT_RING_INIT(&q->rx, rxs, NF_PAGE_SIZE);
	q->max_frame = max_frame;
	for (unsigned int i = 0; i < NF_TX_SIZE; i++)
		q->tx_free[i] = (uint16_t)(NF_TX_SIZE - 1 - i);
	q->tx_nfree = NF_TX_SIZE;
}

static int violation(struct nf_queue *q, const char *what)
{
	if (!q->error)
		q->error = what;
	return -EPROTO;
}

bool nf_rx_refill(struct nf_queue *q)
{
	bool notify;

	while (q->rx.req_prod_pvt - q->rx.rsp_cons < NF_RX_SIZE) {
		RING_IDX i = q->rx.req_prod_pvt;
		uint16_t id = (uint16_t)(i % NF_RX_SIZE);
		netif_rx_request_t *req = RING_GET_REQUEST(&q->rx, i);

		if (q->rx_posted[id])
			break; /* cannot happen: ids follow the slots */
		req->id = id;
		req->gref = q->rx_gref[id];
		q->rx_posted[id] = true;
		q->rx.req_prod_pvt = i + 1;
	}
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->rx, notify);
	return notify;
}

/* One response slot that is not an extra-info slot. */
static int rx_frame(struct nf_queue *q, const netif_rx_response_t *rsp,
		    netdev_rx_fn fn, void *ctx)
{
	bool more = rsp->flags & NETRXF_more_data;
	uint8_t *frame;

	if (rsp->status > 0 &&
	    (uint32_t)rsp->offset + (uint32_t)rsp->status > NF_PAGE_SIZE)
		return violation(q, "rx frame reaches past its page");
	if (rsp->flags & NETRXF_extra_info)
		q->rx_in_extras = true;
	if (q->rx_skip_more || more || rsp->status <= 0 ||
	    rsp->status > q->max_frame) {
		q->rx_skip_more = more; /* drop up to the frame's last slot */
		q->stats.rx_dropped++;
		return 0;
	}
	frame = q->rx_buf[rsp->id] + rsp->offset;
	if ((rsp->flags & NETRXF_csum_blank) &&
	    nf_csum_complete(frame, (size_t)rsp->status) < 0) {
		q->stats.rx_dropped++;
		return 0;
	}
	if (rsp->flags & NETRXF_csum_blank)
		q->stats.rx_csum_filled++;
	fn(ctx, frame, (size_t)rsp->status);
	q->stats.rx_frames++;
	return 1;
}

int nf_rx_poll(struct nf_queue *q, netdev_rx_fn fn, void *ctx, int budget,
	       bool *notify)
{
	RING_IDX prod = RING_READ_RSP_PROD(&q->rx);
	int n = ring_new_responses(prod, q->rx.rsp_cons, q->rx.req_prod_pvt);
	int delivered = 0;

	*notify = false;
	if (n < 0)
		return violation(q, "rx response producer beyond our requests");
	while (q->rx.rsp_cons != prod && delivered < budget) {
		RING_IDX i = q->rx.rsp_cons;
		uint16_t slot = (uint16_t)(i % NF_RX_SIZE);
		netif_rx_response_t rsp;
		int rc = 0;

		if (!q->rx_posted[slot])
			return violation(q, "rx response for an unposted slot");
		if (q->rx_in_extras) {
			struct netif_extra_info extra;

			memcpy(&extra,
			       (const void *)RING_GET_RESPONSE(&q->rx, i),
			       sizeof(extra));
			q->rx_in_extras =
				extra.flags & XEN_NETIF_EXTRA_FLAG_MORE;
		} else {
			RING_COPY_RESPONSE(&q->rx, i, &rsp);
			if (rsp.id != slot)
				return violation(
					q, "rx response with a foreign id");
			rc = rx_frame(q, &rsp, fn, ctx);
			if (rc < 0)
				return rc;
		}
		q->rx_posted[slot] = false;
		q->rx.rsp_cons = i + 1;
		delivered += rc;
	}
	*notify = nf_rx_refill(q);
	return delivered;
}

int nf_tx_send(struct nf_queue *q, const void *frame, size_t len, bool *notify)
{
	netif_tx_request_t *req;
	uint16_t id;

	*notify = false;
	if (len < ETH_HLEN || len > q->max_frame)
		return -EINVAL;
	if (q->tx_nfree == 0 || RING_FULL(&q->tx))
		return -EAGAIN;
	id = q->tx_free[--q->tx_nfree];
	memcpy(q->tx_buf[id], frame, len);
	req = RING_GET_REQUEST(&q->tx, q->tx.req_prod_pvt);
	req->gref = q->tx_gref[id];
	req->offset = 0;
	req->flags = 0;
	req->id = id;
	req->size = (uint16_t)len;
	q->tx_busy[id] = true;
	q->tx.req_prod_pvt++;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->tx, *notify);
	return 0;
}

int nf_tx_reap(struct nf_queue *q)
{
	RING_IDX prod = RING_READ_RSP_PROD(&q->tx);
	int n = ring_new_responses(prod, q->tx.rsp_cons, q->tx.req_prod_pvt);
	int reaped = 0;

	if (n < 0)
		return violation(q, "tx response producer beyond our requests");
	for (RING_IDX i = q->tx.rsp_cons; i != prod; i++) {
		netif_tx_response_t rsp;

		RING_COPY_RESPONSE(&q->tx, i, &rsp);
		q->tx.rsp_cons = i + 1;
		if (rsp.status == NETIF_RSP_NULL)
			continue; /* an extra-info slot's answer */
		if (rsp.id >= NF_TX_SIZE || !q->tx_busy[rsp.id])
			return violation(q, "tx response with an unknown id");
		q->tx_busy[rsp.id] = false;
		q->tx_free[q->tx_nfree++] = rsp.id;
		if (rsp.status == NETIF_RSP_OKAY)
			q->stats.tx_frames++;
		else
			q->stats.tx_errors++;
		reaped++;
	}
	return reaped;
}

bool nf_arm(struct nf_queue *q)
{
	bool rx_more, tx_more;

	RING_FINAL_CHECK_FOR_RESPONSES(&q->rx, rx_more);
	RING_FINAL_CHECK_FOR_RESPONSES(&q->tx, tx_more);
	return rx_more || tx_more;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (; len > 1; p += 2, len -= 2)
		sum += get16(p);
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

int nf_csum_complete(uint8_t *frame, size_t len)
{
	size_t l3 = ETH_HLEN, ihl, l4, l4len, field;
	uint32_t sum;
	uint16_t csum;

	if (len >= ETH_HLEN + VLAN_HLEN && get16(frame + 12) == ETH_P_8021Q)
		l3 += VLAN_HLEN;
	if (len < l3 + 20 || get16(frame + l3 - 2) != ETH_P_IPV4 ||
	    (frame[l3] >> 4) != 4)
		return -EINVAL;
	ihl = (size_t)(frame[l3] & 0xf) * 4;
	l4 = l3 + ihl;
	if (ihl < 20 || get16(frame + l3 + 2) < ihl ||
	    l3 + get16(frame + l3 + 2) > len)
		return -EINVAL;
	l4len = get16(frame + l3 + 2) - ihl;
	if (frame[l3 + 9] == 6)
		field = 16;
	else if (frame[l3 + 9] == 17)
		field = 6;
	else
		return -EINVAL;
	if (l4len < field + 2)
		return -EINVAL;
	/* The field holds the pseudo-header sum; add the segment to it. */
	sum = sum16(frame + l4, l4len, 0);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	csum = (uint16_t)~sum;
	if (csum == 0 && frame[l3 + 9] == 17)
		csum = 0xffff; /* UDP: 0 means "no checksum" */
	frame[l4 + field] = (uint8_t)(csum >> 8);
	frame[l4 + field + 1] = (uint8_t)csum;
	return 0;
}

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int nf_parse_mac(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		int hi = hex(s[0]), lo = hi < 0 ? -1 : hex(s[1]);

		if (lo < 0 || s[2] != (i == 5 ? '\0' : ':'))
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
		s += 3;
	}
	return 0;
}
