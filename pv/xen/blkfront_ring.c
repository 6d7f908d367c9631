/*
 * blkfront ring logic (xen/include/public/io/blkif.h), with the backend
 * treated as untrusted input: a response must answer a request in
 * flight (id = slot number, busy, not yet answered, same operation) with
 * a status of OKAY, ERROR or EOPNOTSUPP, and the response producer may
 * not run ahead of the requests made. Any violation sets r->error and
 * returns -EPROTO; blkfront.c then fails the device.
 *
 * Requests use direct segments only (no BLKIF_OP_INDIRECT): up to 11
 * pages of 8 sectors each.
 */
#include <stdbool.h>
#include <stdint.h>

#include <torito/errno.h>
#include <torito/string.h>

#include "pv/xen/blkfront_ring.h"
#include "pv/xen/ring_check.h"

#define SECTORS_PER_PAGE (BF_PAGE_SIZE / BF_SECTOR)

void bf_init(struct bf_ring *r, struct blkif_sring *s, blkif_vdev_t handle)
{
	memset(r->slot, 0, sizeof(r->slot));
	r->handle = handle;
	r->inflight = 0;
	r->error = NULL;
	SHARED_RING_INIT(s);
	FRONT_RING_INIT(&r->ring, s, BF_PAGE_SIZE);
}

static int violation(struct bf_ring *r, const char *what)
{
	if (!r->error)
		r->error = what;
	return -EPROTO;
}

int bf_free_slot(const struct bf_ring *r)
{
	for (int i = 0; i < BF_SLOTS; i++)
		if (!r->slot[i].busy)
			return i;
	return -EAGAIN;
}

static bool valid_request(uint8_t op, uint32_t nsect)
{
	switch (op) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		return nsect >= 1 && nsect <= BF_SLOT_BYTES / BF_SECTOR;
	case BLKIF_OP_FLUSH_DISKCACHE:
	case BLKIF_OP_WRITE_BARRIER: return nsect == 0;
	default: return false;
	}
}

int bf_submit(struct bf_ring *r, uint8_t op, uint64_t sector, uint32_t nsect,
	      bool *notify)
{
	int s = bf_free_slot(r);
	struct blkif_request *req;
	unsigned int seg = 0;

	*notify = false;
	if (!valid_request(op, nsect))
		return -EINVAL;
	if (s < 0 || RING_FULL(&r->ring))
		return -EAGAIN;
	req = RING_GET_REQUEST(&r->ring, r->ring.req_prod_pvt);
	req->operation = op;
	req->handle = r->handle;
	req->id = (uint64_t)s;
	req->sector_number = sector;
	for (uint32_t left = nsect; left; seg++) {
		uint32_t n = left < SECTORS_PER_PAGE ? left : SECTORS_PER_PAGE;

		req->seg[seg].gref = r->gref[s][seg];
		req->seg[seg].first_sect = 0;
		req->seg[seg].last_sect = (uint8_t)(n - 1);
		left -= n;
	}
	req->nr_segments = (uint8_t)seg;
	r->slot[s] = (struct bf_slot){ .busy = true, .op = op };
	r->inflight++;
	r->ring.req_prod_pvt++;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&r->ring, *notify);
	return s;
}

int bf_reap(struct bf_ring *r)
{
	RING_IDX prod = RING_READ_RSP_PROD(&r->ring);
	int n = ring_new_responses(prod, r->ring.rsp_cons,
				   r->ring.req_prod_pvt);
	int taken = 0;

	if (n < 0)
		return violation(r, "response producer beyond our requests");
	for (RING_IDX i = r->ring.rsp_cons; i != prod; i++) {
		struct blkif_response rsp;
		struct bf_slot *slot;

		RING_COPY_RESPONSE(&r->ring, i, &rsp);
		r->ring.rsp_cons = i + 1;
		if (rsp.id >= BF_SLOTS || !r->slot[rsp.id].busy ||
		    r->slot[rsp.id].done)
			return violation(r, "response with an unknown id");
		slot = &r->slot[rsp.id];
		if (rsp.operation != slot->op)
			return violation(r, "response for another operation");
		if (rsp.status != BLKIF_RSP_OKAY &&
		    rsp.status != BLKIF_RSP_ERROR &&
		    rsp.status != BLKIF_RSP_EOPNOTSUPP)
			return violation(r, "response with an unknown status");
		slot->status = rsp.status;
		slot->done = true;
		taken++;
	}
	return taken;
}

void bf_release(struct bf_ring *r, int slot)
{
	if (slot < 0 || slot >= BF_SLOTS || !r->slot[slot].busy)
		return;
	r->slot[slot] = (struct bf_slot){ .busy = false };
	r->inflight--;
}

bool bf_arm(struct bf_ring *r)
{
	bool more;

	RING_FINAL_CHECK_FOR_RESPONSES(&r->ring, more);
	return more;
}
