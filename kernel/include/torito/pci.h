/*
 * PCI for drivers (pv/virtio, hw/): the devices the bus scan found, their
 * configuration space and BARs, MSI-X and legacy INTx interrupts, and the
 * driver table. Applications never include this.
 *
 * kernel/bus scans PCI once at INIT_DEVICES (configuration mechanism #1,
 * ports 0xcf8/0xcfc, which QEMU pc and q35 have; microvm has no PCI unless
 * `pcie=on`), then offers every function to the drivers in the table in
 * link order: the first probe that returns 0 owns the function. A driver
 * joins the table with PCI_DRIVER; its Bazel target must be
 * `alwayslink = True` or it silently drops out of the image.
 *
 * Every call here runs on the CPU that scanned the bus (CPU 0, during
 * INIT_DEVICES) or on the CPU that owns the device afterwards; none locks.
 */
#ifndef TORITO_PCI_H
#define TORITO_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <torito/compiler.h>

#define PCI_ANY_ID    0xffffu
#define PCI_BAR_COUNT 6
#define PCI_CFG_SIZE  256

/* Configuration-space registers (type 0 header). */
#define PCI_CFG_VENDOR	      0x00
#define PCI_CFG_DEVICE	      0x02
#define PCI_CFG_COMMAND	      0x04
#define PCI_CFG_STATUS	      0x06
#define PCI_CFG_REVISION      0x08
#define PCI_CFG_HEADER_TYPE   0x0e
#define PCI_CFG_BAR0	      0x10
#define PCI_CFG_SUBSYS_VENDOR 0x2c
#define PCI_CFG_SUBSYS_ID     0x2e
#define PCI_CFG_CAP_PTR	      0x34
#define PCI_CFG_INT_LINE      0x3c
#define PCI_CFG_INT_PIN	      0x3d

#define PCI_COMMAND_IO		 (1u << 0)
#define PCI_COMMAND_MEMORY	 (1u << 1)
#define PCI_COMMAND_MASTER	 (1u << 2)
#define PCI_COMMAND_INTX_DISABLE (1u << 10)
#define PCI_STATUS_CAP_LIST	 (1u << 4)

/* Capability IDs. */
#define PCI_CAP_ID_MSI	  0x05
#define PCI_CAP_ID_VENDOR 0x09
#define PCI_CAP_ID_MSIX	  0x11

enum pci_bar_kind {
	PCI_BAR_NONE = 0, /* not implemented, or size 0 */
	PCI_BAR_IO,	  /* I/O ports */
	PCI_BAR_MEM32,
	PCI_BAR_MEM64, /* occupies this slot and the next */
};

struct pci_bar {
	uint64_t addr; /* as the firmware assigned it; 0 if unassigned */
	uint64_t size;
	uint8_t kind; /* enum pci_bar_kind */
	bool prefetchable;
};

struct pci_driver;

struct pci_dev {
	/* Filled by the bus scan; read-only for drivers. */
	uint8_t bus, slot, func;
	char name[16]; /* "pci 00:03.0", for log lines */
	uint16_t vendor, device;
	uint16_t subsys_vendor, subsys_device;
	uint8_t class_code, subclass, prog_if, revision;
	uint8_t irq_line, irq_pin; /* pin 0: no INTx; line 0xff: not routed */
	struct pci_bar bar[PCI_BAR_COUNT];
	/* Configuration space as read at scan time: for capability walks. */
	uint8_t cfg[PCI_CFG_SIZE];

	/* Set by pci_msix_enable. */
	uint16_t msix_count; /* 0: MSI-X not enabled */
	volatile uint32_t *msix_table;

	/* Set by the bus when a probe succeeds; priv belongs to the driver. */
	const struct pci_driver *driver;
	void *priv;
};

/*
 * Called for each function whose vendor and device match. Returns 0 (the
 * driver owns the function), -ENODEV (not mine: offer it to the next
 * driver), or another -errno (the device is broken; logged, not retried).
 * Runs on CPU 0 during INIT_DEVICES; may allocate and route interrupts.
 */
typedef int (*pci_probe_fn)(struct pci_dev *d);

struct pci_driver {
	uint16_t vendor;
	uint16_t device; /* PCI_ANY_ID matches every device of vendor */
	const char *name;
	pci_probe_fn probe;
} __aligned(8);

/*
 * Adds probe to the PCI driver table (a linker section; the bus walks it
 * with the __start_/__stop_ symbols the linker provides).
 */
#define PCI_DRIVER(vendor, device, probe)                                     \
	static const struct pci_driver __pci_driver_##probe __used __aligned( \
		8) __section("torito_pci_drivers") = { (vendor), (device),    \
						       #probe, (probe) }

/* Configuration space, live (not the scan-time snapshot). off < 256. */
uint8_t pci_cfg_read8(const struct pci_dev *d, uint16_t off);
uint16_t pci_cfg_read16(const struct pci_dev *d, uint16_t off);
uint32_t pci_cfg_read32(const struct pci_dev *d, uint16_t off);
void pci_cfg_write8(const struct pci_dev *d, uint16_t off, uint8_t v);
void pci_cfg_write16(const struct pci_dev *d, uint16_t off, uint16_t v);
void pci_cfg_write32(const struct pci_dev *d, uint16_t off, uint32_t v);

/*
 * Walks a capability list in raw configuration bytes cfg[0..len) (len at
 * most 256): returns the offset of the first capability with ID id after
 * the one at prev (prev 0: from the start of the list), 0 when there is
 * none, or -EBADMSG when the list is malformed (a pointer into the header,
 * a capability running past len, or a loop). Portable and pure: host
 * tests feed it crafted bytes.
 */
int pci_cap_next_raw(const uint8_t *cfg, size_t len, uint8_t id,
		     uint8_t prev) __must_check;

/* pci_cap_next_raw over d's scan-time configuration snapshot. */
int pci_cap_next(const struct pci_dev *d, uint8_t id,
		 uint8_t prev) __must_check;

/* Turns on memory and I/O decoding and bus mastering (DMA). */
void pci_enable(struct pci_dev *d);

/*
 * A pointer to memory BAR bar, or NULL (logged) when it is not a memory
 * BAR, is unassigned, or lies beyond the kernel's identity map (all RAM,
 * at least 4 GiB; a 64-bit BAR above RAM is not mapped).
 */
volatile void *pci_bar_map(const struct pci_dev *d, unsigned int bar);

/*
 * Register access within BAR bar, I/O or memory alike (the legacy virtio
 * interface lives in an I/O BAR). off must lie inside the BAR: reads
 * outside return all ones and writes are dropped (a driver bug, logged).
 */
uint8_t pci_bar_read8(const struct pci_dev *d, unsigned int bar, uint32_t off);
uint16_t pci_bar_read16(const struct pci_dev *d, unsigned int bar,
			uint32_t off);
uint32_t pci_bar_read32(const struct pci_dev *d, unsigned int bar,
			uint32_t off);
void pci_bar_write8(const struct pci_dev *d, unsigned int bar, uint32_t off,
		    uint8_t v);
void pci_bar_write16(const struct pci_dev *d, unsigned int bar, uint32_t off,
		     uint16_t v);
void pci_bar_write32(const struct pci_dev *d, unsigned int bar, uint32_t off,
		     uint32_t v);

/*
 * Enables MSI-X with every table entry masked, and disables INTx. Returns
 * the number of table entries, -ENODEV (no MSI-X capability), -EBADMSG (a
 * table outside its BAR) or -EFAULT (its BAR is not mapped).
 */
int pci_msix_enable(struct pci_dev *d) __must_check;

/*
 * Points MSI-X entry at vector on the calling CPU (irq_msi_address/data)
 * and unmasks it. Returns 0 or -EINVAL (MSI-X off, entry out of range).
 */
int pci_msix_route(struct pci_dev *d, unsigned int entry,
		   int vector) __must_check;

/*
 * Routes the legacy INTx line (interrupt line/pin registers, as the
 * firmware set them) to vector on the calling CPU, level-triggered and
 * active low, and enables INTx. Returns 0, -ENODEV (no pin, no line, or
 * no IOAPIC input for it).
 */
int pci_intx_route(struct pci_dev *d, int vector) __must_check;

/* The nth function the scan found (0-based), or NULL. */
struct pci_dev *pci_get(unsigned int index);

#endif /* TORITO_PCI_H */
