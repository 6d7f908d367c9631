/*
 * Heap micro-benchmark (host, not a test: nothing is asserted). Prints
 * alloc/free pairs per second for
 *   - one thread on its heap: a 64-byte ping-pong, and a mixed batch (256
 *     blocks of 16..2048 bytes, then freed in allocation order),
 *   - two threads at once, each on its own heap (dedicated memory),
 *   - remote frees: pushed onto the thread's own queue and drained by the
 *     next allocation (the queue's cost without contention), and blocks
 *     allocated on one thread and freed on the other in batches of 256,
 * with glibc malloc/free measured the same way for scale. First it times
 * heap_init() over freshly mapped memory, never touched before, as at boot
 * (where first touches are what costs under emulation), and the first
 * allocation after it.
 *
 * Rates are per CPU-second of the measuring thread (CLOCK_THREAD_CPUTIME_ID)
 * so they stay meaningful on a shared, loaded machine; "scaling" is the sum
 * of the two threads' rates over the one-thread rate (2.00 = no contention
 * between the heaps). The wall-clock total is printed beside it.
 * Usage: heap_bench [seconds-per-case, default 0.5]
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "kernel/mm/heap.h"

#define REGION (64ul * 1024 * 1024)
#define BATCH  256
#define RING   64

struct worker {
	struct heap heap;
	uint8_t *mem;
	bool use_libc;
	int kind; /* 0 ping-pong, 1 batch, 2 remote push + drain */
	uint64_t pairs;
	double wall, cpu;
};

static double budget = 0.5;
static struct worker workers[2];

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
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
	else if (w->kind == 2)
		heap_free_remote(&w->heap, p);
	else
		heap_free(&w->heap, p);
}

/* One round: ping-pong does 1024 pairs, the others BATCH pairs. */
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
		blocks[i] = xalloc(w, w->kind == 2 ? 64
						   : (*seed >> 16) % 2033 + 16);
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
	double t0 = clock_s(CLOCK_MONOTONIC), t;
	double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);

	w->pairs = 0;
	do {
		for (int i = 0; i < 64; i++)
			w->pairs += round_once(w, &seed);
		t = clock_s(CLOCK_MONOTONIC);
	} while (t - t0 < budget);
	w->wall = t - t0;
	w->cpu = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
	if (!w->use_libc)
		heap_drain_remote(&w->heap);
	return NULL;
}

/* Setup on untouched memory: heap_init(), then one small and one 1 MiB
 * allocation. Best of a few fresh mappings, in microseconds. */
static void run_init(size_t size)
{
	static struct heap h;
	double best[3] = { 1e9, 1e9, 1e9 };

	for (int rep = 0; rep < 5; rep++) {
		uint8_t *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				    -1, 0);
		double t[4];
		int rc;

		if (mem == MAP_FAILED)
			return;
		t[0] = clock_s(CLOCK_MONOTONIC);
		rc = heap_init(&h, 0, mem, size);
		t[1] = clock_s(CLOCK_MONOTONIC);
		if (rc == 0) {
			*(volatile char *)heap_alloc(&h, 64, 0) = 1;
			t[2] = clock_s(CLOCK_MONOTONIC);
			*(volatile char *)heap_alloc(&h, 1 << 20, 0) = 1;
			t[3] = clock_s(CLOCK_MONOTONIC);
			heap_destroy(&h);
			for (int i = 0; i < 3; i++)
				if ((t[i + 1] - t[i]) * 1e6 < best[i])
					best[i] = (t[i + 1] - t[i]) * 1e6;
		}
		munmap(mem, size);
	}
	printf("heap_init %5zu MiB untouched %9.1f us, then 64 B %7.1f us, "
	       "1 MiB %7.1f us\n",
	       size >> 20, best[0], best[1], best[2]);
}

static double rate(const struct worker *w)
{
	return (double)w->pairs / w->cpu;
}

static void run_case(const char *name, int kind, bool use_libc)
{
	pthread_t t[2];
	double one, two, wall;

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
	wall = (double)(workers[0].pairs + workers[1].pairs) /
	       (workers[0].wall > workers[1].wall ? workers[0].wall
						  : workers[1].wall);
	printf("%-28s %8.1f %8.1f %8.1f %7.2fx %9.1f\n", name, one / 1e6,
	       rate(&workers[0]) / 1e6, rate(&workers[1]) / 1e6, two / one,
	       wall / 1e6);
}

/* Producer allocates batches on its heap; consumer frees them remotely. */
static struct {
	void **_Atomic slot[RING];
	atomic_bool stop;
	uint64_t consumed;
	double cpu;
} ring;

static void *consumer(void *arg)
{
	struct worker *w = arg;
	double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	unsigned int i = 0;
	bool last = false;

	for (;;) {
		void **batch = atomic_exchange_explicit(
			&ring.slot[i % RING], NULL, memory_order_acquire);

		if (batch) {
			for (int k = 0; k < BATCH; k++) {
				if (w->use_libc)
					free(batch[k]);
				else
					heap_free_remote(&w->heap, batch[k]);
			}
			free(batch);
			ring.consumed += BATCH;
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
	ring.cpu = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
	return NULL;
}

static void run_remote(bool use_libc)
{
	struct worker *w = &workers[0];
	double t0, t1, c0, cpu;
	uint64_t made = 0;
	pthread_t t;

	w->use_libc = use_libc;
	w->kind = 1;
	ring.consumed = 0;
	atomic_store(&ring.stop, false);
	pthread_create(&t, NULL, consumer, w);
	t0 = clock_s(CLOCK_MONOTONIC);
	c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	do {
		for (int n = 0; n < 16; n++, made++) {
			void **batch = malloc(BATCH * sizeof(void *));

			for (int k = 0; k < BATCH; k++)
				batch[k] = xalloc(w, 64);
			while (atomic_load_explicit(&ring.slot[made % RING],
						    memory_order_relaxed))
				sched_yield();
			atomic_store_explicit(&ring.slot[made % RING], batch,
					      memory_order_release);
		}
		t1 = clock_s(CLOCK_MONOTONIC);
	} while (t1 - t0 < budget);
	cpu = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
	atomic_store(&ring.stop, true);
	pthread_join(t, NULL);
	t1 = clock_s(CLOCK_MONOTONIC);
	if (!use_libc)
		heap_drain_remote(&w->heap);
	printf("%-28s %8.1f %8.1f %8s %8s %9.1f\n",
	       use_libc ? "cross-thread, glibc" : "cross-thread, torito",
	       (double)made * BATCH / cpu / 1e6,
	       (double)ring.consumed / ring.cpu / 1e6, "-", "-",
	       (double)ring.consumed / (t1 - t0) / 1e6);
}

int main(int argc, char **argv)
{
	struct heap_stats s;

	if (argc > 1)
		budget = atof(argv[1]);
	run_init(64ul << 20);
	run_init(1024ul << 20);
	for (int i = 0; i < 2; i++) {
		workers[i].mem = malloc(REGION);
		if (heap_init(&workers[i].heap, (unsigned int)i, workers[i].mem,
			      REGION)) {
			fprintf(stderr, "heap_init failed\n");
			return 1;
		}
	}
	printf("alloc/free pairs, millions per CPU-second (%.2f s per case)\n",
	       budget);
	printf("%-28s %8s %8s %8s %8s %9s\n", "case", "1 thr", "2 thr: a", "b",
	       "scaling", "wall 2thr");
	run_case("64 B ping-pong, torito", 0, false);
	run_case("64 B ping-pong, glibc", 0, true);
	run_case("mixed batch, torito", 1, false);
	run_case("mixed batch, glibc", 1, true);
	run_case("remote push+drain, torito", 2, false);
	printf("%-28s %8s %8s\n", "", "producer", "consumer");
	run_remote(false);
	run_remote(true);
	for (int i = 0; i < 2; i++) {
		heap_get_stats(&workers[i].heap, &s);
		if (s.in_use_bytes || s.bad_frees || s.allocs != s.frees) {
			fprintf(stderr,
				"heap %d not back to empty: %zu bytes, "
				"%llu bad\n",
				i, s.in_use_bytes,
				(unsigned long long)s.bad_frees);
			return 1;
		}
	}
	return 0;
}
