/*
 * virtio-pci internals shared by the transport (virtio_pci.c) and its
 * host tests: the vendor-capability parser of the modern interface
 * (virtio 1.1 §4.1.4) and the register layouts of both interfaces.
 */
#ifndef TORITO_PV_VIRTIO_VIRTIO_PCI_H
#define TORITO_PV_VIRTIO_VIRTIO_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <torito/compiler.h>
#include <torito/pci.h>

#define VIRTIO_PCI_VENDOR		    0x1af4
#define VIRTIO_PCI_DEVICE_FIRST		    0x1000
#define VIRTIO_PCI_DEVICE_TRANSITIONAL_LAST 0x103f
#define VIRTIO_PCI_DEVICE_MODERN_BASE	    0x1040
#define VIRTIO_PCI_DEVICE_LAST		    0x107f

/* virtio_pci_cap.cfg_type */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG	  3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4

/* Modern common configuration (§4.1.4.3). */
#define VIRTIO_PCI_COMMON_DFSELECT	0x00
#define VIRTIO_PCI_COMMON_DF		0x04
#define VIRTIO_PCI_COMMON_GFSELECT	0x08
#define VIRTIO_PCI_COMMON_GF		0x0c
#define VIRTIO_PCI_COMMON_MSIX		0x10
#define VIRTIO_PCI_COMMON_NUMQ		0x12
#define VIRTIO_PCI_COMMON_STATUS	0x14
#define VIRTIO_PCI_COMMON_CFGGENERATION 0x15
#define VIRTIO_PCI_COMMON_Q_SELECT	0x16
#define VIRTIO_PCI_COMMON_Q_SIZE	0x18
#define VIRTIO_PCI_COMMON_Q_MSIX	0x1a
#define VIRTIO_PCI_COMMON_Q_ENABLE	0x1c
#define VIRTIO_PCI_COMMON_Q_NOFF	0x1e
#define VIRTIO_PCI_COMMON_Q_DESCLO	0x20
#define VIRTIO_PCI_COMMON_Q_DESCHI	0x24
#define VIRTIO_PCI_COMMON_Q_AVAILLO	0x28
#define VIRTIO_PCI_COMMON_Q_AVAILHI	0x2c
#define VIRTIO_PCI_COMMON_Q_USEDLO	0x30
#define VIRTIO_PCI_COMMON_Q_USEDHI	0x34
#define VIRTIO_PCI_COMMON_LEN		0x38

/* Legacy I/O BAR 0 registers (§4.1.4.8). */
#define VIRTIO_PCI_LEGACY_HOST_FEATURES	 0
#define VIRTIO_PCI_LEGACY_GUEST_FEATURES 4
#define VIRTIO_PCI_LEGACY_QUEUE_PFN	 8
#define VIRTIO_PCI_LEGACY_QUEUE_NUM	 12
#define VIRTIO_PCI_LEGACY_QUEUE_SEL	 14
#define VIRTIO_PCI_LEGACY_QUEUE_NOTIFY	 16
#define VIRTIO_PCI_LEGACY_STATUS	 18
#define VIRTIO_PCI_LEGACY_ISR		 19
#define VIRTIO_PCI_LEGACY_MSIX_CONFIG	 20
#define VIRTIO_PCI_LEGACY_MSIX_QUEUE	 22
#define VIRTIO_PCI_LEGACY_CONFIG	 20 /* device config, MSI-X off */
#define VIRTIO_PCI_LEGACY_CONFIG_MSIX	 24 /* device config, MSI-X on */
#define VIRTIO_PCI_LEGACY_PFN_SHIFT	 12

#define VIRTIO_MSI_NO_VECTOR 0xffff

/* Where one configuration structure lives: a BAR and a range in it. */
struct virtio_pci_region {
	bool present;
	uint8_t bar;
	uint32_t offset;
	uint32_t length;
};

struct virtio_pci_caps {
	struct virtio_pci_region common, notify, isr, device;
	uint32_t notify_off_multiplier;
};

/*
 * Parses the virtio vendor capabilities in raw configuration bytes
 * cfg[0..len) against the sized BARs bars[0..5]. Per §4.1.4, a
 * capability naming a reserved or non-memory BAR, or a range outside its
 * BAR, is ignored, and the first usable one of each type wins. Returns 0
 * (common, notify and ISR found; device is optional), -ENODEV (no common
 * configuration: not a modern device), or -EBADMSG (a malformed
 * capability list, or common found without notify or ISR).
 */
int virtio_pci_parse_caps_raw(const uint8_t *cfg, size_t len,
			      const struct pci_bar *bars,
			      struct virtio_pci_caps *out) __must_check;

#endif /* TORITO_PV_VIRTIO_VIRTIO_PCI_H */
