/*
 * Split virtqueues (virtio 1.1 §2.6), the ring logic shared by every
 * transport and driver in pv/virtio. Private to pv/virtio and its tests;
 * portable (no I/O), so host tests drive it against a fake device.
 *
 * The driver side only: descriptors are added as chains of device-
 * readable buffers followed by device-writable ones, published in the
 * available ring, and taken back from the used ring. Everything the device
 * writes (used index, used ids and lengths, flags, avail_event) is
 * validated before use; chain bookkeeping lives in driver-private shadow
 * arrays, so a device scribbling over the descriptor table cannot steer
 * the driver. A protocol violation marks the queue broken (virtq_get and
 * virtq_add then return -EIO) and never crashes.
 *
 * Optional features: VIRTIO_F_EVENT_IDX (used_event / avail_event instead
 * of the flags) and VIRTIO_F_INDIRECT_DESC (a chain of up to indirect_max
 * buffers takes one ring descriptor, pointing at a per-slot table).
 *
 * Context: one queue belongs to the CPU that owns its device; nothing here
 * locks. virtq_get may be called from an interrupt handler only if that
 * handler is the queue's only consumer.
 */
#ifndef TORITO_PV_VIRTIO_VIRTQ_H
#define TORITO_PV_VIRTIO_VIRTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <torito/compiler.h>

#define VIRTQ_DESC_F_NEXT	   1
#define VIRTQ_DESC_F_WRITE	   2
#define VIRTQ_DESC_F_INDIRECT	   4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY	   1

#define VIRTQ_ALIGN    4096 /* used-ring alignment: legacy layout, all kinds */
#define VIRTQ_MAX_SIZE 32768

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[]; /* [size], then used_event */
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[]; /* [size], then avail_event */
};

/* One buffer of a request: guest-physical address and length. */
struct virtq_buf {
	uint64_t addr;
	uint32_t len;
};

/* Per descriptor; meaningful for the head of a chain in flight. */
struct virtq_slot {
	void *cookie;
	uint32_t in_len; /* device-writable bytes in the chain */
	uint16_t ndesc;	 /* ring descriptors the chain holds */
	bool busy;	 /* the device owns this chain */
};

struct virtq {
	/* Shared with the device (the used ring is written by it). */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	struct virtq_desc *indirect; /* size tables of indirect_max, or NULL */

	/* Driver-private; owned by the device's CPU, no lock. */
	uint16_t size;
	uint16_t indirect_max;
	uint16_t free_head;
	uint16_t num_free;
	uint16_t avail_idx; /* our copy of avail->idx */
	uint16_t last_used; /* the next used entry to take */
	uint16_t kicked;    /* avail_idx when the device was last notified */
	uint16_t inflight;  /* chains the device owns */
	bool event_idx;
	bool cb_enabled;
	const char *broken; /* why the device broke the protocol, or NULL */
	uint16_t *next;	    /* shadow of desc[].next */
	struct virtq_slot *slot;
};

/* Bytes of ring memory (descriptors, avail, used) for size entries, in
 * the legacy layout every transport accepts; align it to VIRTQ_ALIGN. */
size_t virtq_ring_bytes(uint16_t size);

/* Bytes of indirect tables for size slots of indirect_max entries. */
size_t virtq_indirect_bytes(uint16_t size, uint16_t indirect_max);

/* Bytes of driver-private bookkeeping for size entries. */
size_t virtq_priv_bytes(uint16_t size);

/*
 * Lays a queue of size entries (a power of two up to VIRTQ_MAX_SIZE) over
 * zeroed memory: ring (virtq_ring_bytes, VIRTQ_ALIGN-aligned, DMA-able),
 * priv (virtq_priv_bytes), and indirect (virtq_indirect_bytes, DMA-able;
 * NULL with indirect_max 0 for none). Returns 0 or -EINVAL.
 */
int virtq_init(struct virtq *vq, uint16_t size, void *ring, void *priv,
	       void *indirect, uint16_t indirect_max,
	       bool event_idx) __must_check;

/*
 * Queues a request: buf[0..nout) the device reads, then buf[nout..nout+
 * nin) it writes. cookie (not NULL) comes back from virtq_get. Publishes
 * the request in the available ring; call virtq_kick_prepare then notify.
 * Returns 0, -ENOSPC (not enough free descriptors), -EINVAL (no buffers,
 * NULL cookie), or -EIO (the queue is broken).
 */
int virtq_add(struct virtq *vq, const struct virtq_buf *buf, unsigned int nout,
	      unsigned int nin, void *cookie) __must_check;

/*
 * True if the device wants a notification for what was published since
 * the last one (its NO_NOTIFY flag or avail_event). Resets the count.
 */
bool virtq_kick_prepare(struct virtq *vq);

/*
 * Takes the next used request: *cookie as given to virtq_add, *len the
 * bytes the device says it wrote (checked against the chain's writable
 * size). Returns 1, 0 (none pending), or -EIO (the queue is broken: the
 * device wrote a bad index, id or length; vq->broken says which).
 */
int virtq_get(struct virtq *vq, uint32_t *len, void **cookie) __must_check;

/* Used entries waiting, or -EIO if the device's used index is impossible. */
int virtq_pending(struct virtq *vq) __must_check;

/* Asks the device not to interrupt for this queue (a hint it may ignore). */
void virtq_disable_cb(struct virtq *vq);

/*
 * Asks for an interrupt at the next used entry. Returns true if none is
 * pending now; false if entries arrived meanwhile (take them first: no
 * interrupt may come for them).
 */
bool virtq_enable_cb(struct virtq *vq) __must_check;

/* Marks the queue broken (first reason kept); later calls return -EIO. */
void virtq_mark_broken(struct virtq *vq, const char *why);

static inline uint16_t virtq_num_free(const struct virtq *vq)
{
	return vq->num_free;
}

#endif /* TORITO_PV_VIRTIO_VIRTQ_H */
