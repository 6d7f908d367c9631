/*
 * The virtio-pci transport: one PCI driver for vendor 0x1af4 that speaks
 * the modern interface (virtio 1.1 §4.1.4, configuration structures found
 * through vendor capabilities in memory BARs) when the device has it, and
 * the legacy interface (§4.1.4.8, registers in I/O BAR 0) when it has
 * only that (QEMU `disable-modern=on`). Both sit behind
 * struct virtio_transport_ops; the device driver (virtio_net.c,
 * virtio_blk.c) is then chosen by virtio_dev_probe.
 *
 * Interrupts: one MSI-X vector shared by all queues (config changes get
 * none), or, without MSI-X, the INTx line through the IOAPIC, where the
 * handler reads (and so clears) the ISR to tell our interrupt from a
 * neighbour's on a shared line. With neither, drivers poll.
 * Left out: a vector per queue, config-change interrupts, notify
 * suppression by VIRTIO_F_NOTIFICATION_DATA, and modern BARs above 4 GiB
 * (refused by pci_bar_map; a transitional device then falls back to its
 * legacy interface).
 */
#include <stdbool.h>
#include <stdint.h>

#include <torito/console.h>
#include <torito/driver.h>
#include <torito/errno.h>
#include <torito/mem.h>
#include <torito/pci.h>
#include <torito/string.h>

#include "pv/virtio/virtio.h"
#include "pv/virtio/virtio_pci.h"

#define VPCI_MAX_QUEUES 8
#define RESET_POLLS	1000000

enum irq_mode { IRQ_NONE, IRQ_MSIX, IRQ_INTX };

struct vpci {
	struct virtio_dev vd;
	struct pci_dev *pci;
	enum irq_mode irq;

	/* Modern interface: mapped configuration structures. */
	volatile uint8_t *common, *isr, *device, *notify;
	uint32_t device_len, notify_len, notify_mult;
	volatile uint16_t *queue_notify[VPCI_MAX_QUEUES];

	/* Legacy interface: device config offset in BAR 0. */
	uint32_t legacy_config;
};

static struct vpci *to_vpci(struct virtio_dev *vd)
{
	return vd->transport;
}

/* Modern interface (§4.1.4.3). */

static uint8_t com_r8(struct vpci *vp, uint32_t off)
{
	return *(volatile uint8_t *)(vp->common + off);
}

static uint16_t com_r16(struct vpci *vp, uint32_t off)
{
	return *(volatile uint16_t *)(vp->common + off);
}

static uint32_t com_r32(struct vpci *vp, uint32_t off)
{
	return *(volatile uint32_t *)(vp->common + off);
}

static void com_w8(struct vpci *vp, uint32_t off, uint8_t v)
{
	*(volatile uint8_t *)(vp->common + off) = v;
}

static void com_w16(struct vpci *vp, uint32_t off, uint16_t v)
{
	*(volatile uint16_t *)(vp->common + off) = v;
}

static void com_w32(struct vpci *vp, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(vp->common + off) = v;
}

static void com_w64(struct vpci *vp, uint32_t off, uint64_t v)
{
	com_w32(vp, off, (uint32_t)v);
	com_w32(vp, off + 4, (uint32_t)(v >> 32));
}

static uint8_t modern_get_status(struct virtio_dev *vd)
{
	return com_r8(to_vpci(vd), VIRTIO_PCI_COMMON_STATUS);
}

static void modern_set_status(struct virtio_dev *vd, uint8_t status)
{
	struct vpci *vp = to_vpci(vd);

	com_w8(vp, VIRTIO_PCI_COMMON_STATUS, status);
	/* A reset completes when the status reads back 0 (§4.1.4.3.2). */
	for (unsigned int i = 0; status == 0 && i < RESET_POLLS; i++)
		if (com_r8(vp, VIRTIO_PCI_COMMON_STATUS) == 0)
			return;
	if (status == 0)
		kprintf("%s: virtio reset did not complete\n", vd->where);
}

static uint64_t modern_get_features(struct virtio_dev *vd)
{
	struct vpci *vp = to_vpci(vd);
	uint64_t f;

	com_w32(vp, VIRTIO_PCI_COMMON_DFSELECT, 0);
	f = com_r32(vp, VIRTIO_PCI_COMMON_DF);
	com_w32(vp, VIRTIO_PCI_COMMON_DFSELECT, 1);
	return f | (uint64_t)com_r32(vp, VIRTIO_PCI_COMMON_DF) << 32;
}

static void modern_set_features(struct virtio_dev *vd, uint64_t f)
{
	struct vpci *vp = to_vpci(vd);

	com_w32(vp, VIRTIO_PCI_COMMON_GFSELECT, 0);
	com_w32(vp, VIRTIO_PCI_COMMON_GF, (uint32_t)f);
	com_w32(vp, VIRTIO_PCI_COMMON_GFSELECT, 1);
	com_w32(vp, VIRTIO_PCI_COMMON_GF, (uint32_t)(f >> 32));
}

static uint32_t modern_config_read(struct virtio_dev *vd, unsigned int off,
				   unsigned int width)
{
	struct vpci *vp = to_vpci(vd);
	volatile uint8_t *p = vp->device + off;

	if (!vp->device || off > vp->device_len || width > vp->device_len - off)
		return 0;
	if (width == 4)
		return *(volatile uint32_t *)p;
	if (width == 2)
		return *(volatile uint16_t *)p;
	return *p;
}

static uint32_t modern_config_generation(struct virtio_dev *vd)
{
	return com_r8(to_vpci(vd), VIRTIO_PCI_COMMON_CFGGENERATION);
}

static uint16_t modern_queue_max(struct virtio_dev *vd, unsigned int index)
{
	struct vpci *vp = to_vpci(vd);

	if (index >= VPCI_MAX_QUEUES ||
	    index >= com_r16(vp, VIRTIO_PCI_COMMON_NUMQ))
		return 0;
	com_w16(vp, VIRTIO_PCI_COMMON_Q_SELECT, (uint16_t)index);
	return com_r16(vp, VIRTIO_PCI_COMMON_Q_SIZE);
}

static int modern_queue_enable(struct virtio_dev *vd, unsigned int index,
			       struct virtq *vq)
{
	struct vpci *vp = to_vpci(vd);
	uint64_t noff;

	com_w16(vp, VIRTIO_PCI_COMMON_Q_SELECT, (uint16_t)index);
	noff = (uint64_t)com_r16(vp, VIRTIO_PCI_COMMON_Q_NOFF) *
	       vp->notify_mult;
	if (noff + 2 > vp->notify_len) {
		kprintf("%s: queue %u notify offset outside its region\n",
			vd->where, index);
		return -EIO;
	}
	vp->queue_notify[index] = (volatile uint16_t *)(vp->notify + noff);
	com_w16(vp, VIRTIO_PCI_COMMON_Q_SIZE, vq->size);
	if (vp->irq == IRQ_MSIX) {
		com_w16(vp, VIRTIO_PCI_COMMON_Q_MSIX, 0);
		/* The device answers NO_VECTOR if it could not map it. */
		if (com_r16(vp, VIRTIO_PCI_COMMON_Q_MSIX) != 0)
			return -EIO;
	}
	com_w64(vp, VIRTIO_PCI_COMMON_Q_DESCLO, virt_to_phys(vq->desc));
	com_w64(vp, VIRTIO_PCI_COMMON_Q_AVAILLO, virt_to_phys(vq->avail));
	com_w64(vp, VIRTIO_PCI_COMMON_Q_USEDLO, virt_to_phys(vq->used));
	com_w16(vp, VIRTIO_PCI_COMMON_Q_ENABLE, 1);
	return 0;
}

static void modern_queue_notify(struct virtio_dev *vd, unsigned int index)
{
	struct vpci *vp = to_vpci(vd);

	if (index < VPCI_MAX_QUEUES && vp->queue_notify[index])
		*vp->queue_notify[index] = (uint16_t)index;
}

static const struct virtio_transport_ops modern_ops = {
	.get_status = modern_get_status,
	.set_status = modern_set_status,
	.get_features = modern_get_features,
	.set_features = modern_set_features,
	.config_read = modern_config_read,
	.config_generation = modern_config_generation,
	.queue_max = modern_queue_max,
	.queue_enable = modern_queue_enable,
	.queue_notify = modern_queue_notify,
};

/* Legacy interface (§4.1.4.8): I/O BAR 0. */

static uint8_t legacy_get_status(struct virtio_dev *vd)
{
	return pci_bar_read8(to_vpci(vd)->pci, 0, VIRTIO_PCI_LEGACY_STATUS);
}

static void legacy_set_status(struct virtio_dev *vd, uint8_t status)
{
	struct vpci *vp = to_vpci(vd);

	pci_bar_write8(vp->pci, 0, VIRTIO_PCI_LEGACY_STATUS, status);
	if (status == 0) /* the read flushes the reset (legacy drivers do) */
		(void)pci_bar_read8(vp->pci, 0, VIRTIO_PCI_LEGACY_STATUS);
}

static uint64_t legacy_get_features(struct virtio_dev *vd)
{
	return pci_bar_read32(to_vpci(vd)->pci, 0,
			      VIRTIO_PCI_LEGACY_HOST_FEATURES);
}

static void legacy_set_features(struct virtio_dev *vd, uint64_t f)
{
	pci_bar_write32(to_vpci(vd)->pci, 0, VIRTIO_PCI_LEGACY_GUEST_FEATURES,
			(uint32_t)f);
}

static uint32_t legacy_config_read(struct virtio_dev *vd, unsigned int off,
				   unsigned int width)
{
	struct vpci *vp = to_vpci(vd);
	uint32_t at = vp->legacy_config + off;

	if (width == 4)
		return pci_bar_read32(vp->pci, 0, at);
	if (width == 2)
		return pci_bar_read16(vp->pci, 0, at);
	return pci_bar_read8(vp->pci, 0, at);
}

static uint32_t legacy_config_generation(struct virtio_dev *vd)
{
	return 0;
}

static uint16_t legacy_queue_max(struct virtio_dev *vd, unsigned int index)
{
	struct vpci *vp = to_vpci(vd);

	pci_bar_write16(vp->pci, 0, VIRTIO_PCI_LEGACY_QUEUE_SEL,
			(uint16_t)index);
	return pci_bar_read16(vp->pci, 0, VIRTIO_PCI_LEGACY_QUEUE_NUM);
}

static int legacy_queue_enable(struct virtio_dev *vd, unsigned int index,
			       struct virtq *vq)
{
	struct vpci *vp = to_vpci(vd);
	uint64_t pfn = virt_to_phys(vq->desc) >> VIRTIO_PCI_LEGACY_PFN_SHIFT;

	if (pfn > UINT32_MAX)
		return -EIO;
	pci_bar_write16(vp->pci, 0, VIRTIO_PCI_LEGACY_QUEUE_SEL,
			(uint16_t)index);
	if (vp->irq == IRQ_MSIX) {
		pci_bar_write16(vp->pci, 0, VIRTIO_PCI_LEGACY_MSIX_QUEUE, 0);
		if (pci_bar_read16(vp->pci, 0, VIRTIO_PCI_LEGACY_MSIX_QUEUE) !=
		    0)
			return -EIO;
	}
	/* The legacy ring layout is fixed: descriptors at the PFN, the
	 * available ring after them, the used ring on the next 4 KiB. */
	pci_bar_write32(vp->pci, 0, VIRTIO_PCI_LEGACY_QUEUE_PFN, (uint32_t)pfn);
	return 0;
}

static void legacy_queue_notify(struct virtio_dev *vd, unsigned int index)
{
	pci_bar_write16(to_vpci(vd)->pci, 0, VIRTIO_PCI_LEGACY_QUEUE_NOTIFY,
			(uint16_t)index);
}

static const struct virtio_transport_ops legacy_ops = {
	.get_status = legacy_get_status,
	.set_status = legacy_set_status,
	.get_features = legacy_get_features,
	.set_features = legacy_set_features,
	.config_read = legacy_config_read,
	.config_generation = legacy_config_generation,
	.queue_max = legacy_queue_max,
	.queue_enable = legacy_queue_enable,
	.queue_notify = legacy_queue_notify,
};

/* Interrupt context. With INTx the ISR read also lowers the line. */
static void vpci_irq(void *ctx)
{
	struct vpci *vp = ctx;
	uint8_t isr;

	if (vp->irq == IRQ_INTX) {
		isr = vp->vd.legacy
			      ? pci_bar_read8(vp->pci, 0, VIRTIO_PCI_LEGACY_ISR)
			      : *vp->isr;
		if (!(isr & VIRTIO_ISR_QUEUE))
			return; /* not ours, or only a config change */
	}
	if (vp->vd.irq_fn)
		vp->vd.irq_fn(vp->vd.irq_ctx);
}

/* MSI-X entry 0 for every queue, else INTx, else none (drivers poll). */
static void setup_irq(struct vpci *vp)
{
	int vec = irq_alloc_vector(vpci_irq, vp);

	vp->irq = IRQ_NONE;
	if (vec < 0) {
		kprintf("%s: no interrupt vector left; polling\n",
			vp->vd.where);
		return;
	}
	if (pci_msix_enable(vp->pci) > 0 &&
	    pci_msix_route(vp->pci, 0, vec) == 0)
		vp->irq = IRQ_MSIX;
	else if (pci_intx_route(vp->pci, vec) == 0)
		vp->irq = IRQ_INTX;
	else
		kprintf("%s: neither MSI-X nor INTx usable; polling\n",
			vp->vd.where);
	vp->vd.has_irq = vp->irq != IRQ_NONE;
}

static volatile uint8_t *region_map(struct vpci *vp,
				    const struct virtio_pci_region *r)
{
	volatile uint8_t *bar = pci_bar_map(vp->pci, r->bar);

	return bar ? bar + r->offset : NULL;
}

static int setup_modern(struct vpci *vp, const struct virtio_pci_caps *c)
{
	vp->common = region_map(vp, &c->common);
	vp->notify = region_map(vp, &c->notify);
	vp->isr = region_map(vp, &c->isr);
	vp->device = c->device.present ? region_map(vp, &c->device) : NULL;
	if (!vp->common || !vp->notify || !vp->isr ||
	    (c->device.present && !vp->device))
		return -EFAULT;
	vp->notify_len = c->notify.length;
	vp->notify_mult = c->notify_off_multiplier;
	vp->device_len = c->device.length;
	vp->vd.ops = &modern_ops;
	vp->vd.kind = "pci-modern";
	vp->vd.legacy = false;
	setup_irq(vp);
	if (vp->irq == IRQ_MSIX)
		com_w16(vp, VIRTIO_PCI_COMMON_MSIX, VIRTIO_MSI_NO_VECTOR);
	return 0;
}

static int setup_legacy(struct vpci *vp)
{
	if (vp->pci->bar[0].kind != PCI_BAR_IO || vp->pci->bar[0].size < 24)
		return -ENODEV;
	vp->vd.ops = &legacy_ops;
	vp->vd.kind = "pci-legacy";
	vp->vd.legacy = true;
	vp->vd.queue_size_fixed = true;
	/* MSI-X on moves the device config from 20 to 24 (§4.1.4.8). */
	setup_irq(vp);
	vp->legacy_config = vp->irq == IRQ_MSIX ? VIRTIO_PCI_LEGACY_CONFIG_MSIX
						: VIRTIO_PCI_LEGACY_CONFIG;
	if (vp->irq == IRQ_MSIX)
		pci_bar_write16(vp->pci, 0, VIRTIO_PCI_LEGACY_MSIX_CONFIG,
				VIRTIO_MSI_NO_VECTOR);
	return 0;
}

/* The virtio device type: from the device ID, or (transitional IDs)
 * from the subsystem ID (§4.1.2). 0 if none. */
static uint16_t device_type(const struct pci_dev *pci)
{
	if (pci->device >= VIRTIO_PCI_DEVICE_MODERN_BASE)
		return (uint16_t)(pci->device - VIRTIO_PCI_DEVICE_MODERN_BASE);
	return pci->subsys_device;
}

static int virtio_pci_probe(struct pci_dev *pci)
{
	struct virtio_pci_caps caps;
	struct vpci *vp;
	int rc;

	if (pci->device < VIRTIO_PCI_DEVICE_FIRST ||
	    pci->device > VIRTIO_PCI_DEVICE_LAST || device_type(pci) == 0)
		return -ENODEV;
	vp = mem_zalloc(sizeof(*vp), 16);
	if (!vp)
		return -ENOMEM;
	vp->pci = pci;
	vp->vd.transport = vp;
	vp->vd.device_type = device_type(pci);
	strlcpy(vp->vd.where, pci->name, sizeof(vp->vd.where));
	pci_enable(pci);
	rc = virtio_pci_parse_caps_raw(pci->cfg, sizeof(pci->cfg), pci->bar,
				       &caps);
	if (rc == 0)
		rc = setup_modern(vp, &caps);
	if (rc < 0 && pci->device <= VIRTIO_PCI_DEVICE_TRANSITIONAL_LAST) {
		if (rc != -ENODEV)
			kprintf("%s: modern virtio interface unusable (%s); "
				"using the legacy one\n",
				pci->name, errno_name(rc));
		rc = setup_legacy(vp);
	}
	if (rc < 0)
		goto err_free;
	rc = virtio_dev_probe(&vp->vd);
	if (rc < 0)
		goto err_reset;
	pci->priv = vp;
	return 0;

err_reset:
	/* Quiet the device; vp stays, as its interrupt vector (which
	 * cannot be released) still names it. */
	virtio_dev_reset(&vp->vd);
	vp->vd.irq_fn = NULL;
	return rc;
err_free:
	mem_free(vp);
	return rc;
}
PCI_DRIVER(VIRTIO_PCI_VENDOR, PCI_ANY_ID, virtio_pci_probe);
