/*
 * Host tests for the MPSC queue: FIFO order single-threaded, then 4
 * producer threads pushing 200000 tagged nodes each while one consumer
 * pops: every node arrives exactly once and each producer's nodes arrive
 * in the order pushed.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "kernel/sched/mpsc.h"
#include "testing/unit/check.h"

#define PRODUCERS 4
#define PER_PRODUCER 200000

struct item {
	struct mpsc_node node; /* first: a node pointer is an item pointer */
	int producer;
	int seq;
};

static struct mpsc_queue q;
static struct item items[PRODUCERS][PER_PRODUCER];

static void *producer(void *arg)
{
	int p = (int)(intptr_t)arg;

	for (int i = 0; i < PER_PRODUCER; i++) {
		items[p][i].producer = p;
		items[p][i].seq = i;
		mpsc_push(&q, &items[p][i].node);
	}
	return NULL;
}

int main(void)
{
	struct item a, b, c;
	pthread_t th[PRODUCERS];
	int next_seq[PRODUCERS] = { 0 };
	long received = 0, out_of_order = 0;

	mpsc_init(&q);
	CHECK(mpsc_empty(&q));
	CHECK(mpsc_pop(&q) == NULL);
	mpsc_push(&q, &a.node);
	mpsc_push(&q, &b.node);
	CHECK(!mpsc_empty(&q));
	CHECK(mpsc_pop(&q) == &a.node);
	mpsc_push(&q, &c.node);
	CHECK(mpsc_pop(&q) == &b.node);
	CHECK(mpsc_pop(&q) == &c.node);
	CHECK(mpsc_pop(&q) == NULL);
	CHECK(mpsc_empty(&q));

	for (int p = 0; p < PRODUCERS; p++)
		pthread_create(&th[p], NULL, producer, (void *)(intptr_t)p);
	while (received < (long)PRODUCERS * PER_PRODUCER) {
		struct item *it = (struct item *)mpsc_pop(&q);
		if (!it)
			continue;
		if (it->seq != next_seq[it->producer])
			out_of_order++;
		next_seq[it->producer] = it->seq + 1;
		received++;
	}
	for (int p = 0; p < PRODUCERS; p++)
		pthread_join(th[p], NULL);
	CHECK_EQ(out_of_order, 0);
	CHECK_EQ(received, (long)PRODUCERS * PER_PRODUCER);
	CHECK(mpsc_pop(&q) == NULL);
	CHECK(mpsc_empty(&q));
	return check_done();
}
