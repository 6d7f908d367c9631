/* blkfront ring against a fake blkback: requests, responses, bad input. */
#include <stdlib.h>
#include <string.h>

#include <torito/errno.h>

#include "pv/xen/blkfront_ring.h"
#include "testing/unit/check.h"

static struct bf_ring r;
static struct blkif_sring *sring;
static struct blkif_back_ring back;

static void setup(void)
{
	free(sring);
	sring = aligned_alloc(4096, 4096);
	memset(sring, 0, 4096);
	bf_init(&r, sring, 51712);
	for (int s = 0; s < BF_SLOTS; s++)
		for (int i = 0; i < BF_SEGS; i++)
			r.gref[s][i] = (grant_ref_t)(100 + s * BF_SEGS + i);
	BACK_RING_INIT(&back, sring, 4096);
}

static struct blkif_request take(void)
{
	return *RING_GET_REQUEST(&back, back.req_cons++);
}

static void answer(uint64_t id, uint8_t op, int16_t status)
{
	struct blkif_response *rsp =
		RING_GET_RESPONSE(&back, back.rsp_prod_pvt);

	rsp->id = id;
	rsp->operation = op;
	rsp->status = status;
	back.rsp_prod_pvt++;
	sring->rsp_prod = back.rsp_prod_pvt;
}

static void test_requests(void)
{
	struct blkif_request req;
	bool notify;
	int s;

	setup();
	/* 9 sectors: a full page and one sector of the next. */
	s = bf_submit(&r, BLKIF_OP_READ, 1000, 9, &notify);
	CHECK_EQ(s, 0);
	CHECK(notify);
	req = take();
	CHECK_EQ(req.operation, BLKIF_OP_READ);
	CHECK_EQ(req.handle, 51712);
	CHECK_EQ(req.id, 0);
	CHECK_EQ(req.sector_number, 1000);
	CHECK_EQ(req.nr_segments, 2);
	CHECK_EQ(req.seg[0].gref, 100);
	CHECK_EQ(req.seg[0].first_sect, 0);
	CHECK_EQ(req.seg[0].last_sect, 7);
	CHECK_EQ(req.seg[1].gref, 101);
	CHECK_EQ(req.seg[1].last_sect, 0);

	/* The largest request: 11 full pages. */
	s = bf_submit(&r, BLKIF_OP_WRITE, 0, BF_SLOT_BYTES / 512, &notify);
	CHECK_EQ(s, 1);
	req = take();
	CHECK_EQ(req.nr_segments, 11);
	CHECK_EQ(req.seg[10].gref, 100 + BF_SEGS + 10);
	CHECK_EQ(req.seg[10].last_sect, 7);

	/* Bad requests. */
	CHECK_EQ(bf_submit(&r, BLKIF_OP_READ, 0, 0, &notify), -EINVAL);
	CHECK_EQ(bf_submit(&r, BLKIF_OP_READ, 0, BF_SLOT_BYTES / 512 + 1,
			   &notify),
		 -EINVAL);
	CHECK_EQ(bf_submit(&r, BLKIF_OP_FLUSH_DISKCACHE, 0, 1, &notify),
		 -EINVAL);
	CHECK_EQ(bf_submit(&r, BLKIF_OP_DISCARD, 0, 0, &notify), -EINVAL);

	/* Flush: no segments. */
	s = bf_submit(&r, BLKIF_OP_FLUSH_DISKCACHE, 0, 0, &notify);
	CHECK_EQ(s, 2);
	req = take();
	CHECK_EQ(req.nr_segments, 0);
	CHECK_EQ(r.inflight, 3);

	/* Out of order completion. */
	answer(2, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_RSP_EOPNOTSUPP);
	answer(0, BLKIF_OP_READ, BLKIF_RSP_OKAY);
	CHECK_EQ(bf_reap(&r), 2);
	CHECK(r.slot[0].done && r.slot[2].done && !r.slot[1].done);
	CHECK_EQ(r.slot[2].status, BLKIF_RSP_EOPNOTSUPP);
	bf_release(&r, 0);
	bf_release(&r, 2);
	CHECK_EQ(r.inflight, 1);
	CHECK_EQ(bf_free_slot(&r), 0);
	answer(1, BLKIF_OP_WRITE, BLKIF_RSP_ERROR);
	CHECK_EQ(bf_reap(&r), 1);
	CHECK_EQ(r.slot[1].status, BLKIF_RSP_ERROR);
	bf_release(&r, 1);
	bf_release(&r, 1); /* harmless */
	CHECK_EQ(r.inflight, 0);
	CHECK(!bf_arm(&r));
	CHECK_EQ(r.error, NULL);

	/* All slots busy. */
	for (int i = 0; i < BF_SLOTS; i++)
		CHECK_EQ(bf_submit(&r, BLKIF_OP_READ, 0, 8, &notify), i);
	CHECK_EQ(bf_free_slot(&r), -EAGAIN);
	CHECK_EQ(bf_submit(&r, BLKIF_OP_READ, 0, 8, &notify), -EAGAIN);
}

static void test_violations(void)
{
	bool notify;

	/* An id beyond the slots. */
	setup();
	CHECK_EQ(bf_submit(&r, BLKIF_OP_READ, 0, 8, &notify), 0);
	answer(BF_SLOTS, BLKIF_OP_READ, 0);
	CHECK_EQ(bf_reap(&r), -EPROTO);
	CHECK(r.error != NULL);
	/* A huge id. */
	setup();
	CHECK_EQ(bf_submit(&r, BLKIF_OP_READ, 0, 8, &notify), 0);
	answer(0xffffffffffffffffull, BLKIF_OP_READ, 0);
	CHECK_EQ(bf_reap(&r), -EPROTO);
	/* A slot that is not busy. */
	setup();
	CHECK_EQ(bf_submit(&r, BLKIF_OP_READ, 0, 8, &notify), 0);
	answer(1, BLKIF_OP_READ, 0);
	CHECK_EQ(bf_reap(&r), -EPROTO);
	/* The same request answered twice. */
	setup();
	CHECK_EQ(bf_submit(&r, BLKIF_OP_READ, 0, 8, &notify), 0);
	CHECK_EQ(bf_submit(&r, BLKIF_OP_READ, 8, 8, &notify), 1);
	answer(0, BLKIF_OP_READ, 0);
	answer(0, BLKIF_OP_READ, 0);
	CHECK_EQ(bf_reap(&r), -EPROTO);
	/* An answer for another operation. */
	setup();
	CHECK_EQ(bf_submit(&r, BLKIF_OP_READ, 0, 8, &notify), 0);
	answer(0, BLKIF_OP_WRITE, 0);
	CHECK_EQ(bf_reap(&r), -EPROTO);
	/* A status blkif does not define. */
	setup();
	CHECK_EQ(bf_submit(&r, BLKIF_OP_READ, 0, 8, &notify), 0);
	answer(0, BLKIF_OP_READ, 5);
	CHECK_EQ(bf_reap(&r), -EPROTO);
	/* More responses than requests; a producer gone backwards. */
	setup();
	CHECK_EQ(bf_submit(&r, BLKIF_OP_READ, 0, 8, &notify), 0);
	sring->rsp_prod = 2;
	CHECK_EQ(bf_reap(&r), -EPROTO);
	setup();
	sring->rsp_prod = 0xffffffffu;
	CHECK_EQ(bf_reap(&r), -EPROTO);
	CHECK_EQ(r.inflight, 0);
}

int main(void)
{
	test_requests();
	test_violations();
	return check_done();
}
