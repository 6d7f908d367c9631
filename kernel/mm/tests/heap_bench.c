/*
 * Heap micro-benchmark (host, not a test: nothing is asserted). Prints
 * alloc/free pairs per second for
 *   - one thread on its heap: a 64-byte ping-pong, and a mixed batch (256
 *     blocks of 16..2048 bytes, then freed in allocation order),
 *   - two threads at once, each on its own heap (dedicated memory: the
 *     total should be about twice the one-thread figure on two idle cores),
 *   - a producer/consumer pair, where every block is freed on the other
 *     thread and goes home through the return queue,
 * with glibc malloc/free measured the same way for scale.
 * Usage: heap_bench [seconds-per-case, default 0.5]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kernel/mm/heap.h"

#define REGION (64ul * 1024 * 1024)
#define BATCH  256
#define RING   1024

struct worker {
	struct heap heap;
	uint8_t *mem;
	bool use_libc;
	int kind; /* 0 ping-pong, 1 batch */
	uint64_t pairs;
	double seconds;
};

static double budget = 0.5;
static struct worker workers[2];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *xalloc(struct worker *w, size_t size)
{
	return w->use_libc ? malloc(size) : heap_alloc(&w->heap, size, 0);
}

static void xfree(struct worker *w, void *p)
{
	if (w->use_libc)
		free(p);
	else
		heap_free(&w->heap, p);
}

/* One round: ping-pong does 1024 pairs, batch does BATCH pairs. */
static uint64_t round_once(struct worker *w, uint32_t *seed)
{
	static __thread void *blocks[BATCH];

	if (w->kind == 0) {
		for (int i = 0; i < 1024; i++) {
			void *p = xalloc(w, 64);

			*(volatile char *)p = 1;
			xfree(w, p);
		}
		return 1024;
	}
	for (int i = 0; i < BATCH; i++) {
		*seed = *seed * 1103515245 + 12345;
		blocks[i] = xalloc(w, (*seed >> 16) % 2033 + 16);
		*(volatile char *)blocks[i] = 1;
	}
	for (int i = 0; i < BATCH; i++)
		xfree(w, blocks[i]);
	return BATCH;
}

static void *run_worker(void *arg)
{
	struct worker *w = arg;
	uint32_t seed = 12345;
	double t0 = now(), t;

	w->pairs = 0;
	do {
		for (int i = 0; i < 64; i++)
			w->pairs += round_once(w, &seed);
		t = now();
	} while (t - t0 < budget);
	w->seconds = t - t0;
	return NULL;
}

static double rate(const struct worker *w)
{
	return (double)w->pairs / w->seconds;
}

static void run_case(const char *name, int kind, bool use_libc)
{
	pthread_t t[2];
	double one, two;

	for (int i = 0; i < 2; i++) {
		workers[i].kind = kind;
		workers[i].use_libc = use_libc;
	}
	run_worker(&workers[0]);
	one = rate(&workers[0]);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, run_worker, &workers[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	two = rate(&workers[0]) + rate(&workers[1]);
	printf("%-26s %10.1f M/s %12.1f M/s %8.2fx\n", name, one / 1e6,
	       two / 1e6, two / one);
}

/* Producer allocates on its heap, consumer frees remotely. */
static struct {
	void *_Atomic slot[RING];
	atomic_bool stop;
	uint64_t consumed;
} ring;

static void *consumer(void *arg)
{
	struct worker *w = arg;
	unsigned int i = 0;
	bool last = false;

	for (;;) {
		void *p = atomic_exchange_explicit(&ring.slot[i % RING], NULL,
						   memory_order_acquire);

		if (p) {
			if (w->use_libc)
				free(p);
			else
				heap_free_remote(&workers[0].heap, p);
			ring.consumed++;
			i++;
		} else if (last) {
			break;
		} else {
			/* The producer's stores precede stop: one more look
			 * at the ring after seeing it finds them all. */
			last = atomic_load_explicit(&ring.stop,
						    memory_order_acquire);
		}
	}
	return NULL;
}

static void run_remote(bool use_libc)
{
	struct worker *w = &workers[0];
	pthread_t t;
	double t0, t1;
	uint64_t made = 0;

	w->use_libc = use_libc;
	ring.consumed = 0;
	atomic_store(&ring.stop, false);
	pthread_create(&t, NULL, consumer, w);
	t0 = now();
	do {
		for (int k = 0; k < 4096; k++, made++) {
			void *p = xalloc(w, 64);

			if (!p)
				break;
			while (atomic_load_explicit(&ring.slot[made % RING],
						    memory_order_relaxed))
				;
			atomic_store_explicit(&ring.slot[made % RING], p,
					      memory_order_release);
		}
		t1 = now();
	} while (t1 - t0 < budget);
	atomic_store(&ring.stop, true);
	pthread_join(t, NULL);
	t1 = now();
	if (!use_libc)
		heap_drain_remote(&w->heap);
	printf("%-26s %10.1f M/s   (allocated on one thread, freed on the "
	       "other)\n",
	       use_libc ? "cross-thread, glibc" : "cross-thread, torito heap",
	       (double)ring.consumed / (t1 - t0) / 1e6);
}

int main(int argc, char **argv)
{
	struct heap_stats s;

	if (argc > 1)
		budget = atof(argv[1]);
	for (int i = 0; i < 2; i++) {
		workers[i].mem = malloc(REGION);
		if (heap_init(&workers[i].heap, (unsigned int)i, workers[i].mem,
			      REGION)) {
			fprintf(stderr, "heap_init failed\n");
			return 1;
		}
	}
	printf("alloc/free pairs per second (%.2f s per case)\n", budget);
	printf("%-26s %14s %16s %9s\n", "case", "1 thread", "2 threads",
	       "ratio");
	run_case("64 B ping-pong, torito", 0, false);
	run_case("64 B ping-pong, glibc", 0, true);
	run_case("mixed batch, torito", 1, false);
	run_case("mixed batch, glibc", 1, true);
	run_remote(false);
	run_remote(true);
	heap_get_stats(&workers[0].heap, &s);
	if (s.in_use_bytes || s.bad_frees) {
		fprintf(stderr, "heap not back to empty: %zu bytes, %llu bad\n",
			s.in_use_bytes, (unsigned long long)s.bad_frees);
		return 1;
	}
	return 0;
}
