/*
 * Split virtqueue driver side (virtio 1.1 §2.6): adding chains, notifying
 * decisions, taking used entries, interrupt suppression. Transports
 * (virtio_pci.c, virtio_mmio.c) tell the device where the rings are;
 * drivers (virtio_net.c, virtio_blk.c) call this to move buffers.
 *
 * Trust boundary: the device writes used->idx, used->ring[], used->flags
 * and avail_event. Each is read once into a local and checked: the used
 * index may not run ahead of the chains in flight, a used id must be the
 * head of a chain the device owns, and a used length may not exceed that
 * chain's writable bytes. A violation marks the queue broken; the driver
 * then fails the device. Chains are freed from the driver's shadow copy of
 * the links (next[], slot[].ndesc), never from the shared table.
 * Left out: packed virtqueues, VIRTIO_F_IN_ORDER.
 */
#include <stdbool.h>
#include <stdint.h>

#include <torito/compiler.h>
#include <torito/errno.h>
#include <torito/mem.h>
#include <torito/string.h>

#include "pv/virtio/virtq.h"

/* Device-written fields: read once, whole, never cached by the compiler. */
#define DEV_READ(p) __atomic_load_n((p), __ATOMIC_RELAXED)

size_t virtq_ring_bytes(uint16_t size)
{
	size_t s = size;

	return ALIGN_UP(16 * s + 2 * (3 + s), (size_t)VIRTQ_ALIGN) +
	       ALIGN_UP(2 * 3 + 8 * s, (size_t)VIRTQ_ALIGN);
}

size_t virtq_indirect_bytes(uint16_t size, uint16_t indirect_max)
{
	return (size_t)size * indirect_max * sizeof(struct virtq_desc);
}

size_t virtq_priv_bytes(uint16_t size)
{
	return (size_t)size * (sizeof(struct virtq_slot) + sizeof(uint16_t));
}

static uint16_t *used_event(struct virtq *vq)
{
	return &vq->avail->ring[vq->size];
}

static uint16_t *avail_event(struct virtq *vq)
{
	return (uint16_t *)&vq->used->ring[vq->size];
}

int virtq_init(struct virtq *vq, uint16_t size, void *ring, void *priv,
	       void *indirect, uint16_t indirect_max, bool event_idx)
{
	uint8_t *r = ring;

	if (size == 0 || (size & (size - 1)) || size > VIRTQ_MAX_SIZE ||
	    ((uintptr_t)ring & (VIRTQ_ALIGN - 1)) || !priv ||
	    (indirect_max && !indirect))
		return -EINVAL;
	memset(vq, 0, sizeof(*vq));
	vq->size = size;
	vq->desc = (struct virtq_desc *)r;
	vq->avail = (struct virtq_avail *)(r + 16 * (size_t)size);
	vq->used =
		(struct virtq_used *)(r +
				      ALIGN_UP(16 * (size_t)size +
						       2 * (3 + (size_t)size),
					       (size_t)VIRTQ_ALIGN));
	vq->indirect = indirect_max ? indirect : NULL;
	vq->indirect_max = indirect_max;
	vq->event_idx = event_idx;
	vq->slot = priv;
	vq->next = (uint16_t *)(vq->slot + size);
	for (uint16_t i = 0; i < size; i++) {
		vq->next[i] = (uint16_t)(i + 1);
		vq->slot[i].busy = false;
	}
	vq->num_free = size;
	vq->cb_enabled = true;
	return 0;
}

void virtq_mark_broken(struct virtq *vq, const char *why)
{
	if (!vq->broken)
		vq->broken = why;
}

/* Fills n descriptors at t[] (an indirect table) as one chain. */
static void fill_table(struct virtq_desc *t, const struct virtq_buf *buf,
		       unsigned int nout, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		t[i].addr = buf[i].addr;
		t[i].len = buf[i].len;
		t[i].flags = (uint16_t)((i >= nout ? VIRTQ_DESC_F_WRITE : 0) |
					(i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		t[i].next = (uint16_t)(i + 1 < n ? i + 1 : 0);
	}
}

/* Takes n ring descriptors from the free list for buf[]; returns head. */
static uint16_t fill_ring(struct virtq *vq, const struct virtq_buf *buf,
			  unsigned int nout, unsigned int n)
{
	uint16_t head = vq->free_head, idx = head;

	for (unsigned int i = 0; i < n; i++) {
		struct virtq_desc *d = &vq->desc[idx];
		d->addr = buf[i].addr;
		d->len = buf[i].len;
		d->flags = (uint16_t)((i >= nout ? VIRTQ_DESC_F_WRITE : 0) |
				      (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		d->next = i + 1 < n ? vq->next[idx] : 0;
		idx = vq->next[idx];
	}
	vq->free_head = idx;
	return head;
}

int virtq_add(struct virtq *vq, const struct virtq_buf *buf, unsigned int nout,
	      unsigned int nin, void *cookie)
{
	unsigned int n = nout + nin, need;
	uint64_t in_len = 0;
	uint16_t head;
	bool indirect;

	if (vq->broken)
		return -EIO;
	if (n == 0 || !cookie)
		return -EINVAL;
	for (unsigned int i = nout; i < n; i++)
		in_len += buf[i].len;
	if (in_len > UINT32_MAX)
		return -EINVAL;
	indirect = vq->indirect && n > 1 && n <= vq->indirect_max;
	need = indirect ? 1 : n;
	if (need > vq->size)
		return -EINVAL;
	if (need > vq->num_free)
		return -ENOSPC;
	if (indirect) {
		head = vq->free_head;
		struct virtq_desc *t =
			vq->indirect + (size_t)head * vq->indirect_max;
		fill_table(t, buf, nout, n);
		vq->desc[head].addr = virt_to_phys(t);
		vq->desc[head].len = (uint32_t)(n * sizeof(*t));
		vq->desc[head].flags = VIRTQ_DESC_F_INDIRECT;
		vq->desc[head].next = 0;
		vq->free_head = vq->next[head];
	} else {
		head = fill_ring(vq, buf, nout, n);
	}
	vq->slot[head].cookie = cookie;
	vq->slot[head].in_len = (uint32_t)in_len;
	vq->slot[head].ndesc = (uint16_t)need;
	vq->slot[head].busy = true;
	vq->num_free = (uint16_t)(vq->num_free - need);
	vq->inflight++;
	vq->avail->ring[vq->avail_idx & (vq->size - 1)] = head;
	vq->avail_idx++;
	/* The device must see the descriptors and the ring entry before
	 * the index that hands them over. */
	__atomic_store_n(&vq->avail->idx, vq->avail_idx, __ATOMIC_RELEASE);
	return 0;
}

bool virtq_kick_prepare(struct virtq *vq)
{
	uint16_t old = vq->kicked, new = vq->avail_idx;

	/* Our avail->idx store must be visible before we read whether the
	 * device wants a notification, or we could both skip it. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vq->kicked = new;
	if (old == new)
		return false;
	if (vq->event_idx) {
		uint16_t ev = DEV_READ(avail_event(vq));
		return (uint16_t)(new - ev - 1) < (uint16_t)(new - old);
	}
	return !(DEV_READ(&vq->used->flags) & VIRTQ_USED_F_NO_NOTIFY);
}

int virtq_pending(struct virtq *vq)
{
	uint16_t idx, n;

	if (vq->broken)
		return -EIO;
	/* Acquire: the used entries are read only after the index. */
	idx = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
	n = (uint16_t)(idx - vq->last_used);
	if (n > vq->inflight) {
		virtq_mark_broken(vq, "used index ran ahead of the requests");
		return -EIO;
	}
	return n;
}

/* Returns the chain at head to the free list (shadow links only). */
static void free_chain(struct virtq *vq, uint16_t head)
{
	struct virtq_slot *s = &vq->slot[head];
	uint16_t tail = head;

	for (uint16_t i = 1; i < s->ndesc; i++)
		tail = vq->next[tail];
	vq->next[tail] = vq->free_head;
	vq->free_head = head;
	vq->num_free = (uint16_t)(vq->num_free + s->ndesc);
	s->busy = false;
	s->cookie = NULL;
	vq->inflight--;
}

int virtq_get(struct virtq *vq, uint32_t *len, void **cookie)
{
	struct virtq_used_elem *e;
	uint32_t id, l;
	int n = virtq_pending(vq);

	if (n <= 0)
		return n;
	e = &vq->used->ring[vq->last_used & (vq->size - 1)];
	id = DEV_READ(&e->id);
	l = DEV_READ(&e->len);
	if (id >= vq->size) {
		virtq_mark_broken(vq, "used id out of range");
		return -EIO;
	}
	if (!vq->slot[id].busy) {
		virtq_mark_broken(vq, "used id is not a request in flight");
		return -EIO;
	}
	if (l > vq->slot[id].in_len) {
		virtq_mark_broken(vq, "used length exceeds the buffer");
		return -EIO;
	}
	*cookie = vq->slot[id].cookie;
	*len = l;
	free_chain(vq, (uint16_t)id);
	vq->last_used++;
	if (vq->event_idx) {
		/* Enabled: an interrupt at the next entry (the fence orders
		 * this store before our next look at used->idx). Disabled:
		 * an event just behind us, which no new entry can cross. */
		__atomic_store_n(used_event(vq),
				 (uint16_t)(vq->last_used - !vq->cb_enabled),
				 __ATOMIC_RELAXED);
		if (vq->cb_enabled)
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
	return 1;
}

void virtq_disable_cb(struct virtq *vq)
{
	vq->cb_enabled = false;
	/* With EVENT_IDX the flags must stay 0 (§2.6.7.1); a used_event
	 * one behind what we have taken is never crossed by a new entry
	 * (the device's used index never lags what we took). */
	if (vq->event_idx)
		__atomic_store_n(used_event(vq), (uint16_t)(vq->last_used - 1),
				 __ATOMIC_RELAXED);
	else
		__atomic_store_n(&vq->avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT,
				 __ATOMIC_RELAXED);
}

bool virtq_enable_cb(struct virtq *vq)
{
	vq->cb_enabled = true;
	if (vq->event_idx)
		__atomic_store_n(used_event(vq), vq->last_used,
				 __ATOMIC_RELAXED);
	else
		__atomic_store_n(&vq->avail->flags, 0, __ATOMIC_RELAXED);
	/* The store above must be visible before we re-read used->idx:
	 * otherwise an entry could land unseen and uninterrupted. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return virtq_pending(vq) == 0;
}
