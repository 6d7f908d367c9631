/*
 * netfront rings against a fake netback in host memory: normal traffic,
 * then every kind of bad backend response.
 */
#include <stdlib.h>
#include <string.h>

#include <torito/errno.h>

#include "pv/xen/netfront_ring.h"
#include "testing/unit/check.h"

static struct nf_queue q;
static struct netif_tx_sring *txs;
static struct netif_rx_sring *rxs;
static struct netif_rx_back_ring rxb;
static struct netif_tx_back_ring txb;

struct seen {
	int frames;
	size_t len;
	uint8_t first[64];
};

static void rx_fn(void *ctx, const void *frame, size_t len)
{
	struct seen *s = ctx;

	s->frames++;
	s->len = len;
	memcpy(s->first, frame, len < 64 ? len : 64);
}

static void setup(void)
{
	free(txs);
	free(rxs);
	txs = aligned_alloc(4096, 4096);
	rxs = aligned_alloc(4096, 4096);
	memset(txs, 0, 4096);
	memset(rxs, 0, 4096);
	nf_init(&q, txs, rxs, 1514);
	for (unsigned int i = 0; i < NF_RX_SIZE; i++) {
		static uint8_t rx_pages[NF_RX_SIZE][4096];
		q.rx_buf[i] = rx_pages[i];
		q.rx_gref[i] = 1000 + i;
	}
	for (unsigned int i = 0; i < NF_TX_SIZE; i++) {
		static uint8_t tx_pages[NF_TX_SIZE][4096];
		q.tx_buf[i] = tx_pages[i];
		q.tx_gref[i] = 2000 + i;
	}
	BACK_RING_INIT(&rxb, rxs, 4096);
	BACK_RING_INIT(&txb, txs, 4096);
}

/* netback: answer the next rx request with data at offset. */
static void back_rx(const void *data, int16_t status, uint16_t offset,
		    uint16_t flags)
{
	netif_rx_request_t req = *RING_GET_REQUEST(&rxb, rxb.req_cons);
	netif_rx_response_t *rsp = RING_GET_RESPONSE(&rxb, rxb.rsp_prod_pvt);

	rxb.req_cons++;
	CHECK_EQ(req.gref, 1000 + req.id);
	if (data && status > 0)
		memcpy(q.rx_buf[req.id] + offset, data, (size_t)status);
	rsp->id = req.id;
	rsp->offset = offset;
	rsp->flags = flags;
	rsp->status = status;
	rxb.rsp_prod_pvt++;
	rxs->rsp_prod = rxb.rsp_prod_pvt;
}

static void test_rx(void)
{
	struct seen s = { 0 };
	static uint8_t frame[2048];
	bool notify;

	setup();
	CHECK(nf_rx_refill(&q)); /* first post: tell the backend */
	CHECK_EQ(rxs->req_prod, NF_RX_SIZE);
	CHECK_EQ(nf_rx_poll(&q, rx_fn, &s, 64, &notify), 0);

	memset(frame, 0xab, 60);
	back_rx(frame, 60, 0, 0);
	back_rx(frame, 42, 100, NETRXF_data_validated);
	CHECK_EQ(nf_rx_poll(&q, rx_fn, &s, 64, &notify), 2);
	CHECK_EQ(s.frames, 2);
	CHECK_EQ(s.len, 42);
	CHECK_EQ(s.first[0], 0xab);
	CHECK_EQ(rxs->req_prod, NF_RX_SIZE + 2); /* both reposted */
	CHECK_EQ(q.stats.rx_frames, 2);

	/* Budget: three waiting, two taken, one left for later. */
	for (int i = 0; i < 3; i++)
		back_rx(frame, 60, 0, 0);
	CHECK_EQ(nf_rx_poll(&q, rx_fn, &s, 2, &notify), 2);
	CHECK(nf_arm(&q)); /* work still waiting */
	CHECK_EQ(nf_rx_poll(&q, rx_fn, &s, 2, &notify), 1);
	CHECK(!nf_arm(&q));
	CHECK_EQ(rxs->rsp_event, q.rx.rsp_cons + 1);

	/* Errors and oversize frames inside a page are dropped, counted. */
	back_rx(NULL, NETIF_RSP_ERROR, 0, 0);
	back_rx(NULL, 0, 0, 0);
	back_rx(frame, 1600, 0, 0); /* > max_frame 1514 */
	CHECK_EQ(nf_rx_poll(&q, rx_fn, &s, 64, &notify), 0);
	CHECK_EQ(q.stats.rx_dropped, 3);

	/* A multi-slot frame (never negotiated) is dropped whole. */
	back_rx(frame, 60, 0, NETRXF_more_data);
	back_rx(frame, 60, 0, NETRXF_more_data);
	back_rx(frame, 60, 0, 0);
	back_rx(frame, 60, 0, 0); /* the next frame is fine */
	s.frames = 0;
	CHECK_EQ(nf_rx_poll(&q, rx_fn, &s, 64, &notify), 1);
	CHECK_EQ(s.frames, 1);

	/* Extra-info slots are skipped, the frame itself delivered. */
	back_rx(frame, 60, 0, NETRXF_extra_info);
	{
		struct netif_extra_info *x =
			(void *)RING_GET_RESPONSE(&rxb, rxb.rsp_prod_pvt);
		rxb.req_cons++;
		x->type = XEN_NETIF_EXTRA_TYPE_GSO;
		x->flags = XEN_NETIF_EXTRA_FLAG_MORE;
		rxb.rsp_prod_pvt++;
		x = (void *)RING_GET_RESPONSE(&rxb, rxb.rsp_prod_pvt);
		rxb.req_cons++;
		x->type = XEN_NETIF_EXTRA_TYPE_GSO;
		x->flags = 0;
		rxb.rsp_prod_pvt++;
		rxs->rsp_prod = rxb.rsp_prod_pvt;
	}
	back_rx(frame, 60, 0, 0);
	s.frames = 0;
	CHECK_EQ(nf_rx_poll(&q, rx_fn, &s, 64, &notify), 2);
	CHECK_EQ(q.error, NULL);
	CHECK_EQ(q.rx.req_prod_pvt - q.rx.rsp_cons, NF_RX_SIZE);
}

static void test_rx_violations(void)
{
	struct seen s = { 0 };
	uint8_t frame[60] = { 0 };
	bool notify;

	/* A response producer beyond the requests made. */
	setup();
	(void)nf_rx_refill(&q);
	rxs->rsp_prod = NF_RX_SIZE + 1;
	CHECK_EQ(nf_rx_poll(&q, rx_fn, &s, 64, &notify), -EPROTO);
	CHECK(q.error != NULL);

	/* A producer behind the consumer. */
	setup();
	(void)nf_rx_refill(&q);
	back_rx(frame, 60, 0, 0);
	CHECK_EQ(nf_rx_poll(&q, rx_fn, &s, 64, &notify), 1);
	rxs->rsp_prod = 0;
	CHECK_EQ(nf_rx_poll(&q, rx_fn, &s, 64, &notify), -EPROTO);

	/* An id that is not the slot's. */
	setup();
	(void)nf_rx_refill(&q);
	back_rx(frame, 60, 0, 0);
	RING_GET_RESPONSE(&rxb, 0)->id = 7;
	s.frames = 0;
	CHECK_EQ(nf_rx_poll(&q, rx_fn, &s, 64, &notify), -EPROTO);
	CHECK_EQ(s.frames, 0);
	RING_GET_RESPONSE(&rxb, 0)->id = 0xffff;
	CHECK_EQ(nf_rx_poll(&q, rx_fn, &s, 64, &notify), -EPROTO);

	/* A frame reaching past its page. */
	setup();
	(void)nf_rx_refill(&q);
	back_rx(frame, 60, 4090, 0);
	CHECK_EQ(nf_rx_poll(&q, rx_fn, &s, 64, &notify), -EPROTO);
	setup();
	(void)nf_rx_refill(&q);
	back_rx(NULL, 0x7fff, 0, 0);
	CHECK_EQ(nf_rx_poll(&q, rx_fn, &s, 64, &notify), -EPROTO);
	CHECK_EQ(s.frames, 0);

	/* A response for a slot we never posted (nothing posted at all). */
	setup();
	rxs->rsp_prod = 1;
	q.rx.req_prod_pvt = 1; /* pretend a request, but no buffer posted */
	CHECK_EQ(nf_rx_poll(&q, rx_fn, &s, 64, &notify), -EPROTO);
}

/* netback: complete tx request number i with status. */
static netif_tx_request_t back_tx_req(RING_IDX i)
{
	return *RING_GET_REQUEST(&txb, i);
}

static void back_tx_rsp(uint16_t id, int16_t status)
{
	netif_tx_response_t *rsp = RING_GET_RESPONSE(&txb, txb.rsp_prod_pvt);

	rsp->id = id;
	rsp->status = status;
	txb.rsp_prod_pvt++;
	txs->rsp_prod = txb.rsp_prod_pvt;
}

static void test_tx(void)
{
	uint8_t frame[1514];
	netif_tx_request_t a, b;
	bool notify;

	setup();
	memset(frame, 0x5a, sizeof(frame));
	CHECK_EQ(nf_tx_send(&q, frame, 13, &notify), -EINVAL);
	CHECK_EQ(nf_tx_send(&q, frame, 1515, &notify), -EINVAL);
	CHECK_EQ(nf_tx_send(&q, frame, 60, &notify), 0);
	CHECK(notify);
	CHECK_EQ(nf_tx_send(&q, frame, 1514, &notify), 0);
	a = back_tx_req(0);
	b = back_tx_req(1);
	CHECK_EQ(a.size, 60);
	CHECK_EQ(b.size, 1514);
	CHECK_EQ(a.offset, 0);
	CHECK(a.id != b.id);
	CHECK_EQ(a.gref, 2000 + a.id);
	CHECK_EQ(q.tx_buf[b.id][1513], 0x5a);

	/* Completed out of order. */
	back_tx_rsp(b.id, NETIF_RSP_OKAY);
	back_tx_rsp(a.id, NETIF_RSP_ERROR);
	CHECK_EQ(nf_tx_reap(&q), 2);
	CHECK_EQ(q.stats.tx_frames, 1);
	CHECK_EQ(q.stats.tx_errors, 1);
	CHECK_EQ(q.tx_nfree, NF_TX_SIZE);

	/* Fill the ring: the 257th send must wait. */
	for (int i = 0; i < NF_TX_SIZE; i++)
		CHECK_EQ(nf_tx_send(&q, frame, 60, &notify), 0);
	CHECK_EQ(nf_tx_send(&q, frame, 60, &notify), -EAGAIN);
	back_tx_rsp(back_tx_req(2).id, NETIF_RSP_OKAY);
	CHECK_EQ(nf_tx_reap(&q), 1);
	CHECK_EQ(nf_tx_send(&q, frame, 60, &notify), 0);

	/* A NULL status (an extra slot's answer) is skipped. */
	back_tx_rsp(0xffff, NETIF_RSP_NULL);
	CHECK_EQ(nf_tx_reap(&q), 0);
	CHECK_EQ(q.error, NULL);

	/* Unknown ids: out of range, and one not in flight. */
	back_tx_rsp(0xffff, NETIF_RSP_OKAY);
	CHECK_EQ(nf_tx_reap(&q), -EPROTO);
	setup();
	CHECK_EQ(nf_tx_send(&q, frame, 60, &notify), 0);
	back_tx_rsp((uint16_t)(back_tx_req(0).id + 1), NETIF_RSP_OKAY);
	CHECK_EQ(nf_tx_reap(&q), -EPROTO);
	/* The same id answered twice. */
	setup();
	CHECK_EQ(nf_tx_send(&q, frame, 60, &notify), 0);
	CHECK_EQ(nf_tx_send(&q, frame, 60, &notify), 0);
	back_tx_rsp(back_tx_req(0).id, NETIF_RSP_OKAY);
	back_tx_rsp(back_tx_req(0).id, NETIF_RSP_OKAY);
	CHECK_EQ(nf_tx_reap(&q), -EPROTO);
	/* More answers than requests. */
	setup();
	CHECK_EQ(nf_tx_send(&q, frame, 60, &notify), 0);
	txs->rsp_prod = 2;
	CHECK_EQ(nf_tx_reap(&q), -EPROTO);
}

static uint16_t ref_csum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void test_csum(void)
{
	/* Ethernet + IPv4 (10.0.0.1 -> 10.0.0.2) + UDP 7 bytes payload. */
	uint8_t f[14 + 20 + 8 + 7] = {
		0,  1,	2,    3,    4,	  5,	6,    7,    8,	 9,
		10, 11, 0x08, 0x00, 0x45, 0,	0,    35,   0,	 0,
		0,  0,	64,   17,   0,	  0,	10,   0,    0,	 1,
		10, 0,	0,    2,    0x12, 0x34, 0x00, 0x35, 0,	 15,
		0,  0,	'h',  'e',  'l',  'l',	'o',  '!',  '!',
	};
	uint8_t pseudo[12] = { 10, 0, 0, 1, 10, 0, 0, 2, 0, 17, 0, 15 };
	uint16_t psum = ref_csum(pseudo, 12, 0), want;
	uint8_t copy[sizeof(f)];

	/* Expected: ~(pseudo + segment with a zero checksum field). */
	want = (uint16_t)~ref_csum(f + 34, 15, psum);
	f[34 + 6] = (uint8_t)(psum >> 8);
	f[34 + 7] = (uint8_t)psum;
	memcpy(copy, f, sizeof(f));
	CHECK_EQ(nf_csum_complete(f, sizeof(f)), 0);
	CHECK_EQ(f[40] << 8 | f[41], want);
	/* The receiver's check: the sum over pseudo + segment is 0xffff. */
	CHECK_EQ(ref_csum(f + 34, 15, ref_csum(pseudo, 12, 0)), 0xffff);

	/* Truncated, not IPv4, not TCP/UDP: refused. */
	memcpy(f, copy, sizeof(f));
	CHECK_EQ(nf_csum_complete(f, 40), -EINVAL);
	f[12] = 0x86;
	f[13] = 0xdd;
	CHECK_EQ(nf_csum_complete(f, sizeof(f)), -EINVAL);
	memcpy(f, copy, sizeof(f));
	f[14 + 9] = 1; /* ICMP */
	CHECK_EQ(nf_csum_complete(f, sizeof(f)), -EINVAL);
	memcpy(f, copy, sizeof(f));
	f[14 + 3] = 200; /* IP length past the frame */
	CHECK_EQ(nf_csum_complete(f, sizeof(f)), -EINVAL);
	memcpy(f, copy, sizeof(f));
	f[14] = 0x44; /* IHL 4: too short */
	CHECK_EQ(nf_csum_complete(f, sizeof(f)), -EINVAL);

	/* Through the rx path: a csum_blank frame arrives completed. */
	{
		struct seen s = { 0 };
		bool notify;

		setup();
		(void)nf_rx_refill(&q);
		memcpy(f, copy, sizeof(f));
		back_rx(f, sizeof(f), 0,
			NETRXF_csum_blank | NETRXF_data_validated);
		CHECK_EQ(nf_rx_poll(&q, rx_fn, &s, 8, &notify), 1);
		CHECK_EQ(s.first[40] << 8 | s.first[41], want);
		CHECK_EQ(q.stats.rx_csum_filled, 1);
		f[14 + 9] = 1;
		back_rx(f, sizeof(f), 0, NETRXF_csum_blank);
		CHECK_EQ(nf_rx_poll(&q, rx_fn, &s, 8, &notify), 0);
		CHECK_EQ(q.stats.rx_dropped, 1);
	}
}

static void test_mac(void)
{
	uint8_t mac[6];

	CHECK_EQ(nf_parse_mac("00:16:3e:0A:bc:ff", mac), 0);
	CHECK_EQ(mac[0], 0x00);
	CHECK_EQ(mac[2], 0x3e);
	CHECK_EQ(mac[3], 0x0a);
	CHECK_EQ(mac[5], 0xff);
	CHECK_EQ(nf_parse_mac("00:16:3e:0a:bc", mac), -EINVAL);
	CHECK_EQ(nf_parse_mac("00:16:3e:0a:bc:ff:", mac), -EINVAL);
	CHECK_EQ(nf_parse_mac("00-16-3e-0a-bc-ff", mac), -EINVAL);
	CHECK_EQ(nf_parse_mac("0:16:3e:0a:bc:ff", mac), -EINVAL);
	CHECK_EQ(nf_parse_mac("", mac), -EINVAL);
	CHECK_EQ(nf_parse_mac("zz:16:3e:0a:bc:ff", mac), -EINVAL);
}

int main(void)
{
	test_rx();
	test_rx_violations();
	test_tx();
	test_csum();
	test_mac();
	return check_done();
}
