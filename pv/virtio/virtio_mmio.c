/*
 * The virtio-mmio transport (virtio 1.1 §4.2): version 2 (modern) and
 * version 1 (legacy, §4.2.4) register layouts behind
 * struct virtio_transport_ops. kernel/bus finds the devices (command line
 * or ACPI) and offers each through MMIO_DRIVER; an empty slot (device ID
 * 0) is declined quietly.
 *
 * The interrupt is the device's line routed through the IOAPIC with the
 * trigger and polarity the platform declared (level, active high on QEMU
 * microvm and Firecracker); the handler acknowledges InterruptStatus so a
 * level line drops before the end of interrupt. Without an IOAPIC input
 * (no MADT: microvm with acpi=off) drivers poll.
 * Left out: shared-memory regions, VIRTIO_F_NOTIFICATION_DATA.
 */
#include <stdbool.h>
#include <stdint.h>

#include <torito/console.h>
#include <torito/driver.h>
#include <torito/errno.h>
#include <torito/mem.h>
#include <torito/mmio_bus.h>
#include <torito/string.h>

#include "pv/virtio/virtio.h"

#define MMIO_MAGIC_VALUE	 0x000
#define MMIO_VERSION		 0x004
#define MMIO_DEVICE_ID		 0x008
#define MMIO_DEVICE_FEATURES	 0x010
#define MMIO_DEVICE_FEATURES_SEL 0x014
#define MMIO_DRIVER_FEATURES	 0x020
#define MMIO_DRIVER_FEATURES_SEL 0x024
#define MMIO_GUEST_PAGE_SIZE	 0x028 /* v1 */
#define MMIO_QUEUE_SEL		 0x030
#define MMIO_QUEUE_NUM_MAX	 0x034
#define MMIO_QUEUE_NUM		 0x038
#define MMIO_QUEUE_ALIGN	 0x03c /* v1 */
#define MMIO_QUEUE_PFN		 0x040 /* v1 */
#define MMIO_QUEUE_READY	 0x044 /* v2 */
#define MMIO_QUEUE_NOTIFY	 0x050
#define MMIO_INTERRUPT_STATUS	 0x060
#define MMIO_INTERRUPT_ACK	 0x064
#define MMIO_STATUS		 0x070
#define MMIO_QUEUE_DESC_LOW	 0x080 /* v2 */
#define MMIO_QUEUE_DESC_HIGH	 0x084
#define MMIO_QUEUE_AVAIL_LOW	 0x090
#define MMIO_QUEUE_AVAIL_HIGH	 0x094
#define MMIO_QUEUE_USED_LOW	 0x0a0
#define MMIO_QUEUE_USED_HIGH	 0x0a4
#define MMIO_CONFIG_GENERATION	 0x0fc /* v2 */
#define MMIO_CONFIG		 0x100

#define MMIO_MAGIC	 0x74726976 /* "virt" */
#define LEGACY_PAGE_SIZE 4096
#define RESET_POLLS	 1000000

struct vmmio {
	struct virtio_dev vd;
	struct mmio_dev *dev;
	volatile uint8_t *base;
	uint32_t version;
};

static struct vmmio *to_vmmio(struct virtio_dev *vd)
{
	return vd->transport;
}

static uint32_t rd(struct vmmio *vm, uint32_t off)
{
	return *(volatile uint32_t *)(vm->base + off);
}

static void wr(struct vmmio *vm, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(vm->base + off) = v;
}

static uint8_t mmio_get_status(struct virtio_dev *vd)
{
	return (uint8_t)rd(to_vmmio(vd), MMIO_STATUS);
}

static void mmio_set_status(struct virtio_dev *vd, uint8_t status)
{
	struct vmmio *vm = to_vmmio(vd);

	wr(vm, MMIO_STATUS, status);
	/* A reset completes when the status reads back 0 (§4.2.3.1). */
	for (unsigned int i = 0; status == 0 && i < RESET_POLLS; i++)
		if (rd(vm, MMIO_STATUS) == 0)
			return;
	if (status == 0)
		kprintf("%s: virtio reset did not complete\n", vd->where);
}

static uint64_t mmio_get_features(struct virtio_dev *vd)
{
	struct vmmio *vm = to_vmmio(vd);
	uint64_t f;

	wr(vm, MMIO_DEVICE_FEATURES_SEL, 0);
	f = rd(vm, MMIO_DEVICE_FEATURES);
	if (vm->version == 1)
		return f;
	wr(vm, MMIO_DEVICE_FEATURES_SEL, 1);
	return f | (uint64_t)rd(vm, MMIO_DEVICE_FEATURES) << 32;
}

static void mmio_set_features(struct virtio_dev *vd, uint64_t f)
{
	struct vmmio *vm = to_vmmio(vd);

	wr(vm, MMIO_DRIVER_FEATURES_SEL, 0);
	wr(vm, MMIO_DRIVER_FEATURES, (uint32_t)f);
	wr(vm, MMIO_DRIVER_FEATURES_SEL, 1);
	wr(vm, MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
}

static uint32_t mmio_config_read(struct virtio_dev *vd, unsigned int off,
				 unsigned int width)
{
	struct vmmio *vm = to_vmmio(vd);
	uint64_t room = vm->dev->size - MMIO_CONFIG;
	volatile uint8_t *p = vm->base + MMIO_CONFIG + off;

	if (off > room || width > room - off)
		return 0;
	if (width == 4)
		return *(volatile uint32_t *)p;
	if (width == 2)
		return *(volatile uint16_t *)p;
	return *p;
}

static uint32_t mmio_config_generation(struct virtio_dev *vd)
{
	struct vmmio *vm = to_vmmio(vd);

	return vm->version == 1 ? 0 : rd(vm, MMIO_CONFIG_GENERATION);
}

static uint16_t mmio_queue_max(struct virtio_dev *vd, unsigned int index)
{
	struct vmmio *vm = to_vmmio(vd);
	uint32_t max;

	wr(vm, MMIO_QUEUE_SEL, index);
	/* A queue already live is not ours to set up (§4.2.3.2). */
	if (vm->version == 2 ? rd(vm, MMIO_QUEUE_READY)
			     : rd(vm, MMIO_QUEUE_PFN))
		return 0;
	max = rd(vm, MMIO_QUEUE_NUM_MAX);
	return (uint16_t)MIN(max, (uint32_t)VIRTQ_MAX_SIZE);
}

static int mmio_queue_enable(struct virtio_dev *vd, unsigned int index,
			     struct virtq *vq)
{
	struct vmmio *vm = to_vmmio(vd);
	uint64_t desc = virt_to_phys(vq->desc);

	wr(vm, MMIO_QUEUE_SEL, index);
	wr(vm, MMIO_QUEUE_NUM, vq->size);
	if (vm->version == 1) {
		/* Legacy layout: one block, used ring page-aligned. */
		if (desc / LEGACY_PAGE_SIZE > UINT32_MAX)
			return -EIO;
		/* Again here: a device reset may have cleared it. */
		wr(vm, MMIO_GUEST_PAGE_SIZE, LEGACY_PAGE_SIZE);
		wr(vm, MMIO_QUEUE_ALIGN, VIRTQ_ALIGN);
		wr(vm, MMIO_QUEUE_PFN, (uint32_t)(desc / LEGACY_PAGE_SIZE));
		return 0;
	}
	uint64_t avail = virt_to_phys(vq->avail), used = virt_to_phys(vq->used);
	wr(vm, MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	wr(vm, MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	wr(vm, MMIO_QUEUE_AVAIL_LOW, (uint32_t)avail);
	wr(vm, MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(avail >> 32));
	wr(vm, MMIO_QUEUE_USED_LOW, (uint32_t)used);
	wr(vm, MMIO_QUEUE_USED_HIGH, (uint32_t)(used >> 32));
	wr(vm, MMIO_QUEUE_READY, 1);
	return 0;
}

static void mmio_queue_notify(struct virtio_dev *vd, unsigned int index)
{
	wr(to_vmmio(vd), MMIO_QUEUE_NOTIFY, index);
}

static const struct virtio_transport_ops mmio_ops = {
	.get_status = mmio_get_status,
	.set_status = mmio_set_status,
	.get_features = mmio_get_features,
	.set_features = mmio_set_features,
	.config_read = mmio_config_read,
	.config_generation = mmio_config_generation,
	.queue_max = mmio_queue_max,
	.queue_enable = mmio_queue_enable,
	.queue_notify = mmio_queue_notify,
};

/* Interrupt context: acknowledge first, so a level line drops. */
static void vmmio_irq(void *ctx)
{
	struct vmmio *vm = ctx;
	uint32_t status = rd(vm, MMIO_INTERRUPT_STATUS);

	if (!status)
		return;
	wr(vm, MMIO_INTERRUPT_ACK, status);
	if ((status & VIRTIO_ISR_QUEUE) && vm->vd.irq_fn)
		vm->vd.irq_fn(vm->vd.irq_ctx);
}

static void setup_irq(struct vmmio *vm)
{
	int vec = irq_alloc_vector(vmmio_irq, vm), rc = -ENOSPC;

	if (vec >= 0)
		rc = irq_route_gsi(vm->dev->gsi, vec, vm->dev->irq_flags);
	vm->vd.has_irq = rc == 0;
	if (rc < 0)
		kprintf("%s: irq %u not routable (%s); polling\n", vm->vd.where,
			vm->dev->gsi, errno_name(rc));
}

static int virtio_mmio_probe(struct mmio_dev *d)
{
	volatile uint8_t *base = mmio_map(d);
	struct vmmio *vm;
	uint32_t version;
	int rc;

	if (!base)
		return -EFAULT;
	if (d->size < MMIO_CONFIG)
		return -ENODEV;
	if (*(volatile uint32_t *)(base + MMIO_MAGIC_VALUE) != MMIO_MAGIC) {
		kprintf("%s: no virtio-mmio magic value\n", d->name);
		return -ENODEV;
	}
	version = *(volatile uint32_t *)(base + MMIO_VERSION);
	if (version != 1 && version != 2) {
		kprintf("%s: virtio-mmio version %u not supported\n", d->name,
			version);
		return -ENOTSUP;
	}
	if (*(volatile uint32_t *)(base + MMIO_DEVICE_ID) == 0)
		return -ENODEV; /* an empty transport slot */
	vm = mem_zalloc(sizeof(*vm), 16);
	if (!vm)
		return -ENOMEM;
	vm->dev = d;
	vm->base = base;
	vm->version = version;
	vm->vd.ops = &mmio_ops;
	vm->vd.transport = vm;
	vm->vd.kind = version == 1 ? "mmio-v1" : "mmio-v2";
	vm->vd.legacy = version == 1;
	vm->vd.device_type = (uint16_t)rd(vm, MMIO_DEVICE_ID);
	strlcpy(vm->vd.where, d->name, sizeof(vm->vd.where));
	if (version == 1)
		wr(vm, MMIO_GUEST_PAGE_SIZE, LEGACY_PAGE_SIZE);
	setup_irq(vm);
	rc = virtio_dev_probe(&vm->vd);
	if (rc < 0) {
		/* Quiet the device; vm stays, named by its vector. */
		virtio_dev_reset(&vm->vd);
		vm->vd.irq_fn = NULL;
		return rc;
	}
	d->priv = vm;
	return 0;
}
MMIO_DRIVER(MMIO_KIND_VIRTIO, virtio_mmio_probe);
