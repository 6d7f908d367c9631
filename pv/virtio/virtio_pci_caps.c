/*
 * The modern virtio-pci capability parser (virtio 1.1 §4.1.4): finds the
 * common, notify, ISR and device configuration structures among a
 * function's vendor-specific capabilities. virtio_pci.c calls it with the
 * scan-time configuration snapshot; host tests call it with crafted bytes.
 *
 * Capabilities are device input: the list walk is pci_cap_next_raw's
 * (bounded, loop-proof), each capability must fit in the space and be at
 * least as long as its type needs, and each range must lie inside a
 * sized memory BAR without wrapping. Unusable capabilities are skipped, as
 * the spec asks. The PCI-configuration-access capability (type 5) and
 * shared-memory regions (type 8) are left out.
 */
#include <stdint.h>

#include <torito/errno.h>
#include <torito/pci.h>
#include <torito/string.h>

#include "pv/virtio/virtio_pci.h"

#define CAP_LEN	       16 /* struct virtio_pci_cap */
#define NOTIFY_CAP_LEN 20 /* plus notify_off_multiplier */

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* The smallest structure each type may describe. */
static uint32_t min_length(uint8_t type)
{
	switch (type) {
	case VIRTIO_PCI_CAP_COMMON_CFG: return VIRTIO_PCI_COMMON_LEN;
	case VIRTIO_PCI_CAP_NOTIFY_CFG: return 2;
	case VIRTIO_PCI_CAP_ISR_CFG: return 1;
	default: return 1;
	}
}

/* Fills r from the capability at cfg[off] if it is usable. */
static bool region_from_cap(const uint8_t *cfg, size_t len, uint8_t off,
			    const struct pci_bar *bars,
			    struct virtio_pci_region *r)
{
	uint8_t cap_len = cfg[off + 2], type = cfg[off + 3], bar;
	uint32_t offset, length;
	const struct pci_bar *b;

	if (cap_len < CAP_LEN || (size_t)off + cap_len > len ||
	    (type == VIRTIO_PCI_CAP_NOTIFY_CFG && cap_len < NOTIFY_CAP_LEN))
		return false;
	bar = cfg[off + 4];
	offset = rd32(cfg + off + 8);
	length = rd32(cfg + off + 12);
	if (bar >= PCI_BAR_COUNT)
		return false;
	b = &bars[bar];
	if ((b->kind != PCI_BAR_MEM32 && b->kind != PCI_BAR_MEM64) ||
	    length < min_length(type) || offset > b->size ||
	    length > b->size - offset)
		return false;
	r->present = true;
	r->bar = bar;
	r->offset = offset;
	r->length = length;
	return true;
}

int virtio_pci_parse_caps_raw(const uint8_t *cfg, size_t len,
			      const struct pci_bar *bars,
			      struct virtio_pci_caps *out)
{
	int off = 0;

	memset(out, 0, sizeof(*out));
	if (len > PCI_CFG_SIZE)
		len = PCI_CFG_SIZE;
	while ((off = pci_cap_next_raw(cfg, len, PCI_CAP_ID_VENDOR,
				       (uint8_t)off)) > 0) {
		struct virtio_pci_region *r, tmp;
		if ((size_t)off + 4 > len)
			return -EBADMSG;
		switch (cfg[off + 3]) {
		case VIRTIO_PCI_CAP_COMMON_CFG: r = &out->common; break;
		case VIRTIO_PCI_CAP_NOTIFY_CFG: r = &out->notify; break;
		case VIRTIO_PCI_CAP_ISR_CFG: r = &out->isr; break;
		case VIRTIO_PCI_CAP_DEVICE_CFG: r = &out->device; break;
		default: continue;
		}
		if (r->present ||
		    !region_from_cap(cfg, len, (uint8_t)off, bars, &tmp))
			continue;
		*r = tmp;
		if (r == &out->notify)
			out->notify_off_multiplier = rd32(cfg + off + 16);
	}
	if (off < 0)
		return -EBADMSG;
	if (!out->common.present)
		return -ENODEV;
	if (!out->notify.present || !out->isr.present)
		return -EBADMSG;
	return 0;
}
