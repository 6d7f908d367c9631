/*
 * The virtio device model shared by pv/virtio: status and feature bits,
 * the transport operations (virtio-pci modern and legacy, virtio-mmio v2
 * and v1 implement them), the generic init sequence, queue creation, and
 * the table device drivers join with VIRTIO_DRIVER. Private to pv/virtio;
 * portable, so host tests run drivers over a fake transport.
 *
 * Call chain: the bus (kernel/bus) probes a transport (virtio_pci.c,
 * virtio_mmio.c); the transport fills a struct virtio_dev and calls
 * virtio_dev_probe, which hands it to the driver for its device type
 * (virtio_net.c, virtio_blk.c). The driver then runs the init sequence
 * through virtio_dev_init / virtio_queue_create / virtio_dev_ready.
 *
 * Context: everything runs on the CPU that probed the device (CPU 0 at
 * INIT_DEVICES) or later on the CPU that owns it; nothing locks. The
 * transport's interrupt handler runs in interrupt context and only calls
 * the driver's irq_fn.
 */
#ifndef TORITO_PV_VIRTIO_VIRTIO_H
#define TORITO_PV_VIRTIO_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#include <torito/compiler.h>

#include "pv/virtio/virtq.h"

/* Device status bits (virtio 1.1 §2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER	  2
#define VIRTIO_STATUS_DRIVER_OK	  4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED	  128

/* Transport-independent feature bits (virtio 1.1 §6). */
#define VIRTIO_F_NOTIFY_ON_EMPTY (1ull << 24)
#define VIRTIO_F_ANY_LAYOUT	 (1ull << 27)
#define VIRTIO_F_INDIRECT_DESC	 (1ull << 28)
#define VIRTIO_F_EVENT_IDX	 (1ull << 29)
#define VIRTIO_F_VERSION_1	 (1ull << 32)
#define VIRTIO_F_ACCESS_PLATFORM (1ull << 33)

/* Device types (virtio 1.1 §5). */
#define VIRTIO_ID_NET	1
#define VIRTIO_ID_BLOCK 2

/* ISR status bits (legacy interrupt / INTx and virtio-mmio). */
#define VIRTIO_ISR_QUEUE  1
#define VIRTIO_ISR_CONFIG 2

/* Ring sizes the drivers ask for; a device may offer fewer. */
#define VIRTIO_QUEUE_SIZE_MAX 256

struct virtio_dev;

struct virtio_transport_ops {
	uint8_t (*get_status)(struct virtio_dev *vd);
	/* Writes status; 0 resets the device and returns once it is reset. */
	void (*set_status)(struct virtio_dev *vd, uint8_t status);
	uint64_t (*get_features)(struct virtio_dev *vd);
	void (*set_features)(struct virtio_dev *vd, uint64_t features);
	/* Reads width (1, 2 or 4) bytes of device config at off. */
	uint32_t (*config_read)(struct virtio_dev *vd, unsigned int off,
				unsigned int width);
	/* The config generation counter (legacy transports: always 0). */
	uint32_t (*config_generation)(struct virtio_dev *vd);
	/* The largest size queue index accepts; 0 if it does not exist. */
	uint16_t (*queue_max)(struct virtio_dev *vd, unsigned int index);
	/* Tells the device where vq's rings are and enables the queue.
	 * Returns 0 or -EIO (the device refused). */
	int (*queue_enable)(struct virtio_dev *vd, unsigned int index,
			    struct virtq *vq);
	void (*queue_notify)(struct virtio_dev *vd, unsigned int index);
};

struct virtio_dev {
	/* Set by the transport before virtio_dev_probe; read-only after. */
	const struct virtio_transport_ops *ops;
	void *transport;       /* the transport's state */
	const char *kind;      /* "pci-modern", "pci-legacy", "mmio-v2"... */
	char where[24];	       /* "pci 00:03.0", "mmio 0xfeb00e00" */
	uint16_t device_type;  /* VIRTIO_ID_* */
	bool legacy;	       /* legacy interface: 32 feature bits, no
				  FEATURES_OK, queue size fixed if below */
	bool queue_size_fixed; /* the device's queue size must be used */
	bool has_irq;	       /* the transport delivers interrupts */

	/* Set by virtio_dev_init. */
	uint64_t features; /* negotiated */

	/* Set by the driver; called by the transport's interrupt handler
	 * (interrupt context) when a queue may have used entries. */
	void (*irq_fn)(void *ctx);
	void *irq_ctx;
	void *driver; /* the driver's state */
};

/*
 * A device driver for one device type: returns 0 (it owns vd), -ENODEV
 * (not its device), or another -errno (failed, logged by the caller).
 */
struct virtio_driver {
	uint16_t device_type;
	const char *name;
	int (*probe)(struct virtio_dev *vd);
} __aligned(8);

#define VIRTIO_DRIVER(type, probe)                                       \
	static const struct virtio_driver __virtio_driver_##probe __used \
		__aligned(8) __section(                                  \
			"torito_virtio_drivers") = { (type), #probe, (probe) }

/*
 * Hands vd to the registered driver for vd->device_type. Returns the
 * driver's result, or -ENODEV when no driver is linked for the type.
 */
int virtio_dev_probe(struct virtio_dev *vd) __must_check;

/* The driver table; weak, empty when no driver is linked. Host tests
 * provide their own. */
const struct virtio_driver *virtio_driver_find(uint16_t device_type);

/*
 * Steps 1-6 of the init sequence (virtio 1.1 §3.1.1): reset, ACKNOWLEDGE,
 * DRIVER, negotiate (wanted & offered, plus VERSION_1 on modern
 * transports), FEATURES_OK and its check. required are bits without which
 * the driver cannot work. Returns 0 (vd->features set), -ENOTSUP (a
 * required bit is missing) or -EIO (the device refused FEATURES_OK); on
 * error the device is left FAILED.
 */
int virtio_dev_init(struct virtio_dev *vd, uint64_t wanted,
		    uint64_t required) __must_check;

/*
 * Step 7's queue part: allocates and enables queue index with up to
 * want entries (the device's size if it is fixed). Returns 0 with *out
 * set, -ENOENT (no such queue), -ENOMEM, -EINVAL (an impossible size) or
 * -EIO (the device refused). Memory given to a queue is never freed.
 */
int virtio_queue_create(struct virtio_dev *vd, unsigned int index,
			uint16_t want, uint16_t indirect_max,
			struct virtq **out) __must_check;

/* Step 8: DRIVER_OK. The device is live after this. */
void virtio_dev_ready(struct virtio_dev *vd);

/* Sets FAILED (the driver gives up); reset stops all device DMA. */
void virtio_dev_fail(struct virtio_dev *vd);
void virtio_dev_reset(struct virtio_dev *vd);

/* True if the negotiated features include all of bits. */
static inline bool virtio_has(const struct virtio_dev *vd, uint64_t bits)
{
	return (vd->features & bits) == bits;
}

/*
 * Reads len (at most 8) bytes of device config at off into buf, retrying
 * while the config generation changes (§4.1.4.3.1). Returns 0 or -EIO
 * (it never settled).
 */
int virtio_config_read(struct virtio_dev *vd, unsigned int off, void *buf,
		       unsigned int len) __must_check;

/* Notifies the device about queue index if virtq_kick_prepare says so. */
void virtio_queue_kick(struct virtio_dev *vd, unsigned int index,
		       struct virtq *vq);

#endif /* TORITO_PV_VIRTIO_VIRTIO_H */
