/*
 * An intrusive multi-producer, single-consumer FIFO queue (Vyukov's
 * design): producers on any CPU push with one atomic exchange and never
 * wait; only the owning CPU pops. Header-only and portable (C11 atomics),
 * so the host tests run it under real threads.
 *
 * A pop can return NULL for a moment while a producer is between its two
 * steps; mpsc_empty() still reports such a queue as non-empty, so the
 * consumer retries instead of sleeping through the message.
 */
#ifndef TORITO_KERNEL_SCHED_MPSC_H
#define TORITO_KERNEL_SCHED_MPSC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

struct mpsc_node {
	struct mpsc_node *_Atomic next;
};

struct mpsc_queue {
	struct mpsc_node *_Atomic head; /* producers: last pushed */
	struct mpsc_node *tail;		/* consumer only: next to pop */
	struct mpsc_node stub;
};

static inline void mpsc_init(struct mpsc_queue *q)
{
	atomic_store_explicit(&q->stub.next, NULL, memory_order_relaxed);
	atomic_store_explicit(&q->head, &q->stub, memory_order_relaxed);
	q->tail = &q->stub;
}

/* Any CPU. Wait-free. */
static inline void mpsc_push(struct mpsc_queue *q, struct mpsc_node *n)
{
	struct mpsc_node *prev;

	atomic_store_explicit(&n->next, NULL, memory_order_relaxed);
	prev = atomic_exchange_explicit(&q->head, n, memory_order_seq_cst);
	/* The consumer sees n only after this store: until then it waits. */
	atomic_store_explicit(&prev->next, n, memory_order_release);
}

/* Consumer only. True when nothing is queued or being queued. */
static inline bool mpsc_empty(struct mpsc_queue *q)
{
	return q->tail == &q->stub &&
	       atomic_load_explicit(&q->stub.next, memory_order_acquire) ==
		       NULL &&
	       atomic_load_explicit(&q->head, memory_order_seq_cst) ==
		       &q->stub;
}

/* Consumer only. The oldest node, or NULL (empty, or a push in flight). */
static inline struct mpsc_node *mpsc_pop(struct mpsc_queue *q)
{
	struct mpsc_node *tail = q->tail;
	struct mpsc_node *next =
		atomic_load_explicit(&tail->next, memory_order_acquire);

	if (tail == &q->stub) {
		if (!next)
			return NULL;
		q->tail = next;
		tail = next;
		next = atomic_load_explicit(&next->next, memory_order_acquire);
	}
	if (next) {
		q->tail = next;
		return tail;
	}
	if (tail != atomic_load_explicit(&q->head, memory_order_acquire))
		return NULL; /* a producer is mid-push */
	mpsc_push(q, &q->stub);
	next = atomic_load_explicit(&tail->next, memory_order_acquire);
	if (next) {
		q->tail = next;
		return tail;
	}
	return NULL;
}

#endif /* TORITO_KERNEL_SCHED_MPSC_H */
