/*
 * A fake virtio device for host tests: a transport (struct
 * virtio_transport_ops over plain memory) and the device side of split
 * virtqueues. Tests pop what the driver made available, answer through
 * the used ring, and can misbehave on purpose (bad ids, lengths, index
 * jumps) to check that the driver refuses instead of crashing.
 */
#ifndef TORITO_PV_VIRTIO_TESTS_FAKE_DEVICE_H
#define TORITO_PV_VIRTIO_TESTS_FAKE_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "pv/virtio/virtio.h"

#define FAKE_QUEUES 4
#define FAKE_SEGS   16

struct fake_queue {
	uint16_t max;	     /* what queue_max answers; 0: no queue */
	struct virtq *vq;    /* the driver's queue, once enabled */
	uint16_t last_avail; /* the device's next available entry */
	unsigned int notifies;
};

struct fake_dev {
	struct virtio_dev vd;
	uint8_t status;
	uint64_t offered;
	uint64_t driver_features;
	bool refuse_features; /* clear FEATURES_OK when it is set */
	uint8_t config[256];
	uint32_t generation;
	unsigned int generation_bumps; /* bump on the next n reads */
	struct fake_queue q[FAKE_QUEUES];
	void (*on_notify)(struct fake_dev *fd, unsigned int index);
	unsigned int resets;
	unsigned int irqs; /* interrupts the device raised */
};

/* One chain as the device sees it. */
struct fake_seg {
	uint8_t *p;
	uint32_t len;
	bool write;
};

struct fake_chain {
	uint16_t head;
	unsigned int n;
	struct fake_seg seg[FAKE_SEGS];
	uint32_t in_len;  /* writable bytes */
	uint32_t out_len; /* readable bytes */
	bool indirect;
};

/* A device of type with the given interface and queue sizes. */
void fake_dev_init(struct fake_dev *fd, uint16_t type, bool legacy,
		   uint16_t qmax);

/* Pops the next available chain of queue q; false if none. */
bool fake_pop(struct fake_dev *fd, unsigned int q, struct fake_chain *c);

/* Completes a chain: a used entry with any id and len (tests use bad
 * ones on purpose), then the interrupt if the driver wants one. */
void fake_push(struct fake_dev *fd, unsigned int q, uint32_t id, uint32_t len);

/* Sets the used index directly (a device running wild). */
void fake_set_used_idx(struct fake_dev *fd, unsigned int q, uint16_t idx);

/* Copies data into the chain's writable part; returns bytes copied. */
uint32_t fake_write(struct fake_chain *c, const void *data, uint32_t len);

/* Copies the chain's readable part into buf; returns bytes copied. */
uint32_t fake_read(const struct fake_chain *c, void *buf, uint32_t max);

#endif /* TORITO_PV_VIRTIO_TESTS_FAKE_DEVICE_H */
