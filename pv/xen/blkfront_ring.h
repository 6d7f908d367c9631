/*
 * The request ring of one blkfront device, portable (host-tested):
 * request slots with their bounce pages, queuing reads, writes and
 * flushes, and taking responses with every backend-written value checked.
 * blkfront.c adds grants, xenstore, event channels and the data copies;
 * tests/blkfront_ring_test.c plays blkback.
 *
 * Each of the BF_SLOTS slots owns BF_SEGS bounce pages (page[s][i],
 * granted once as gref[s][i]); a request moves up to BF_SLOT_BYTES. The
 * request id is the slot number. Owned by one CPU; no locking.
 */
#ifndef TORITO_PV_XEN_BLKFRONT_RING_H
#define TORITO_PV_XEN_BLKFRONT_RING_H

#include <stdbool.h>
#include <stdint.h>

#include <torito/compiler.h>

#include "pv/xen/xen_if.h"

#define BF_PAGE_SIZE  4096
#define BF_RING_SIZE  __CONST_RING_SIZE(blkif, BF_PAGE_SIZE) /* 32 */
#define BF_SEGS	      BLKIF_MAX_SEGMENTS_PER_REQUEST	     /* 11 */
#define BF_SLOTS      8 /* requests in flight */
#define BF_SLOT_BYTES (BF_SEGS * BF_PAGE_SIZE)
#define BF_SECTOR     512 /* the unit of blkif sector numbers */

struct bf_slot {
	bool busy; /* submitted, not yet released */
	bool done; /* the response arrived */
	uint8_t op;
	int16_t status; /* BLKIF_RSP_*, once done */
};

struct bf_ring {
	struct blkif_front_ring ring;
	blkif_vdev_t handle;
	struct bf_slot slot[BF_SLOTS];
	uint8_t *page[BF_SLOTS][BF_SEGS];
	grant_ref_t gref[BF_SLOTS][BF_SEGS];
	unsigned int inflight; /* busy slots */
	const char *error;     /* the first protocol violation */
};

/* Initialises the shared ring (a zeroed page) and r. */
void bf_init(struct bf_ring *r, struct blkif_sring *s, blkif_vdev_t handle);

/*
 * Queues op (BLKIF_OP_READ/WRITE: nsect 512-byte sectors at sector,
 * 1..BF_SLOT_BYTES/512, through the slot's pages, which for a write must
 * already hold the data, see bf_slot_pages; BLKIF_OP_FLUSH_DISKCACHE and
 * BLKIF_OP_WRITE_BARRIER: nsect 0). Returns the slot (>= 0), -EAGAIN when
 * every slot is busy, -EINVAL for a bad op or nsect. *notify is set when
 * the backend must be told.
 */
int bf_submit(struct bf_ring *r, uint8_t op, uint64_t sector, uint32_t nsect,
	      bool *notify) __must_check;

/* The first free slot whose pages a write may fill, or -EAGAIN. */
int bf_free_slot(const struct bf_ring *r);

/*
 * Takes the responses the backend wrote and marks their slots done.
 * Returns the number taken, or -EPROTO (r->error set) for impossible
 * indices, an id that is not a busy slot, an answer to another operation,
 * or a status blkif does not define.
 */
int bf_reap(struct bf_ring *r) __must_check;

/* Frees a done slot after its data and status were used. */
void bf_release(struct bf_ring *r, int slot);

/* Re-arms the response event; true when responses already wait. */
bool bf_arm(struct bf_ring *r);

#endif /* TORITO_PV_XEN_BLKFRONT_RING_H */
