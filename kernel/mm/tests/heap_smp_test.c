/*
 * Cores as pthreads: each thread owns one heap, allocates from it, keeps
 * some blocks, and hands others to random threads, which check the block's
 * fill pattern and free it with heap_free_any() (so a block goes home
 * through its owner's return queue, which the owner drains lazily in
 * heap_alloc). At the end every heap must be back to its baseline: no leak,
 * no bad free, every remote free accounted for, heap_check() clean.
 * Built plainly, with ASan/UBSan, and with TSan (fewer iterations).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/mm/heap.h"
#include "testing/unit/check.h"

#ifndef SMP_ITERS
#define SMP_ITERS 30000
#endif
#define NCORES 4
#define INBOX  512
#define KEEP   256
#define REGION (6ul * 1024 * 1024)

/* The first 16 bytes of a block are free for the heap's queue link, so the
 * header the test checks sits after them. */
struct block_hdr {
	uint64_t heap_words[2];
	uint32_t size, seed;
	uint32_t owner, pad;
};

struct inbox {
	pthread_mutex_t lock;
	void *slot[INBOX];
	unsigned int head, count;
};

struct core {
	struct heap heap;
	unsigned int id;
	uint8_t *mem;
	struct heap_stats base, end;
	void *keep[KEEP];
	struct inbox inbox;
	uint64_t sent, received, corrupt, wrong_owner;
	uint64_t rng;
	int check;
};

static struct core cores[NCORES];
static pthread_barrier_t barrier;
static atomic_int faults;

static void on_fault(void *ctx, const struct heap *h, enum heap_fault f,
		     const void *p)
{
	atomic_fetch_add(&faults, 1);
}

static uint32_t rnd(struct core *c)
{
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 7;
	c->rng ^= c->rng << 17;
	return (uint32_t)(c->rng >> 16);
}

static void *make_block(struct core *c)
{
	uint32_t r = rnd(c) % 100;
	size_t size = r < 85   ? rnd(c) % 2000 + sizeof(struct block_hdr)
		      : r < 99 ? rnd(c) % 16384 + 2048
			       : rnd(c) % 65536 + 16384;
	struct block_hdr *b = heap_alloc(&c->heap, size, 0);
	uint8_t *body;

	if (!b)
		return NULL;
	b->size = (uint32_t)size;
	b->seed = rnd(c);
	b->owner = c->id;
	body = (uint8_t *)(b + 1);
	for (size_t i = 0; i < size - sizeof(*b); i++)
		body[i] = (uint8_t)(b->seed + i * 13);
	return b;
}

static void take_block(struct core *c, struct block_hdr *b)
{
	const uint8_t *body = (const uint8_t *)(b + 1);

	if (heap_owner(b) != b->owner)
		c->wrong_owner++;
	for (size_t i = 0; i < b->size - sizeof(*b); i++) {
		if (body[i] != (uint8_t)(b->seed + i * 13)) {
			c->corrupt++;
			break;
		}
	}
	heap_free_any(&c->heap, b);
}

static bool inbox_put(struct inbox *in, void *p)
{
	bool ok;

	pthread_mutex_lock(&in->lock);
	ok = in->count < INBOX;
	if (ok)
		in->slot[(in->head + in->count++) % INBOX] = p;
	pthread_mutex_unlock(&in->lock);
	return ok;
}

static void *inbox_get(struct inbox *in)
{
	void *p = NULL;

	pthread_mutex_lock(&in->lock);
	if (in->count) {
		p = in->slot[in->head];
		in->head = (in->head + 1) % INBOX;
		in->count--;
	}
	pthread_mutex_unlock(&in->lock);
	return p;
}

static void step(struct core *c)
{
	uint32_t r = rnd(c) % 100;
	void *b = make_block(c), *got;
	unsigned int k;

	if (b && r < 60) {
		struct core *to =
			&cores[(c->id + 1 + rnd(c) % (NCORES - 1)) % NCORES];

		if (inbox_put(&to->inbox, b)) {
			c->sent++;
			b = NULL;
		}
	}
	if (b) {
		k = rnd(c) % KEEP;
		if (c->keep[k])
			take_block(c, c->keep[k]);
		c->keep[k] = b;
	}
	for (int i = 0; i < 2 && (got = inbox_get(&c->inbox)); i++) {
		take_block(c, got);
		c->received++;
	}
}

static void *core_main(void *arg)
{
	struct core *c = arg;
	void *got;

	for (int i = 0; i < SMP_ITERS; i++)
		step(c);
	pthread_barrier_wait(&barrier);
	/* Nobody sends any more: empty the inbox (frees go home remotely). */
	while ((got = inbox_get(&c->inbox))) {
		take_block(c, got);
		c->received++;
	}
	pthread_barrier_wait(&barrier);
	/* Nobody frees remotely any more: take back the queue, free the
	 * kept blocks, and compare with the baseline on the owning thread. */
	for (int k = 0; k < KEEP; k++)
		if (c->keep[k])
			take_block(c, c->keep[k]);
	heap_drain_remote(&c->heap);
	heap_trim(&c->heap);
	c->check = heap_check(&c->heap);
	heap_get_stats(&c->heap, &c->end);
	return NULL;
}

int main(void)
{
	pthread_t t[NCORES];
	uint64_t sent = 0, received = 0, remote = 0;

	pthread_barrier_init(&barrier, NULL, NCORES);
	for (unsigned int i = 0; i < NCORES; i++) {
		struct core *c = &cores[i];

		c->id = i;
		c->rng = 0x2545f4914f6cdd1dull * (i + 1);
		c->mem = malloc(REGION + 64);
		pthread_mutex_init(&c->inbox.lock, NULL);
		CHECK_EQ(heap_init(&c->heap, i, c->mem + 8 * i + 8, REGION), 0);
		heap_set_fault_fn(&c->heap, on_fault, NULL);
		heap_get_stats(&c->heap, &c->base);
	}
	for (unsigned int i = 0; i < NCORES; i++)
		pthread_create(&t[i], NULL, core_main, &cores[i]);
	for (unsigned int i = 0; i < NCORES; i++)
		pthread_join(t[i], NULL);

	for (unsigned int i = 0; i < NCORES; i++) {
		struct core *c = &cores[i];

		CHECK_EQ(c->check, 0);
		CHECK_EQ(c->corrupt, 0);
		CHECK_EQ(c->wrong_owner, 0);
		CHECK_EQ(c->end.in_use_bytes, 0);
		CHECK_EQ(c->end.slab_bytes, 0);
		CHECK_EQ(c->end.free_bytes, c->base.free_bytes);
		CHECK_EQ(c->end.largest_free_bytes, c->base.total_bytes);
		CHECK_EQ(c->end.allocs, c->end.frees);
		CHECK_EQ(c->end.bad_frees, 0);
		CHECK(c->end.allocs > SMP_ITERS / 2);
		CHECK(c->end.remote_frees > 0);
		printf("core %u: allocs %llu, remote frees %llu, failed %llu, "
		       "peak %zu KiB\n",
		       i, (unsigned long long)c->end.allocs,
		       (unsigned long long)c->end.remote_frees,
		       (unsigned long long)c->end.failed_allocs,
		       c->end.peak_in_use_bytes >> 10);
		sent += c->sent;
		received += c->received;
		remote += c->end.remote_frees;
	}
	/* Every block handed over came back home through a queue. */
	CHECK_EQ(sent, received);
	CHECK_EQ(remote, sent);
	CHECK_EQ(atomic_load(&faults), 0);
	for (unsigned int i = 0; i < NCORES; i++) {
		heap_destroy(&cores[i].heap);
		free(cores[i].mem);
	}
	return check_done();
}
