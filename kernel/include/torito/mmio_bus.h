/*
 * Memory-mapped devices the platform declares, for drivers: today the
 * virtio-mmio transports of QEMU microvm and Firecracker. Applications
 * never include this.
 *
 * kernel/bus collects them once at INIT_DEVICES from two sources and
 * drops duplicates (same base address):
 *   - the kernel command line, `virtio_mmio.device=<size>@<base>:<irq>`
 *     (Linux syntax; QEMU microvm appends it when ACPI is off, Firecracker
 *     always), one entry per device;
 *   - the ACPI DSDT, devices with _HID "LNRO0005" and a _CRS holding a
 *     Memory32Fixed range and an interrupt (QEMU microvm with ACPI on).
 * Each device is then offered to the drivers of its kind in link order.
 */
#ifndef TORITO_MMIO_BUS_H
#define TORITO_MMIO_BUS_H

#include <stdbool.h>
#include <stdint.h>

#include <torito/compiler.h>

#define MMIO_KIND_VIRTIO "virtio-mmio"

enum mmio_source {
	MMIO_SRC_CMDLINE = 1,
	MMIO_SRC_ACPI,
};

struct mmio_dev {
	/* Filled by the bus; read-only for drivers. */
	const char *kind; /* MMIO_KIND_* */
	uint64_t base;
	uint64_t size;
	uint32_t gsi;	    /* global system interrupt (IOAPIC input) */
	uint32_t irq_flags; /* IRQ_LEVEL / IRQ_ACTIVE_LOW for irq_route_gsi */
	uint8_t source;	    /* enum mmio_source */
	char name[24];	    /* "mmio 0xfeb00e00", for log lines */
	/* Set by the bus when a probe succeeds; priv belongs to the driver. */
	bool claimed;
	void *priv;
};

/*
 * Called for each device of kind. Returns 0 (claimed), -ENODEV (not mine,
 * or an empty slot), or another -errno (broken; logged). Runs on CPU 0
 * during INIT_DEVICES.
 */
typedef int (*mmio_probe_fn)(struct mmio_dev *d);

struct mmio_driver {
	const char *kind; /* MMIO_KIND_* */
	const char *name;
	mmio_probe_fn probe;
} __aligned(8);

/* Adds probe to the driver table (a linker section, like PCI_DRIVER). */
#define MMIO_DRIVER(kind, probe)                                     \
	static const struct mmio_driver __mmio_driver_##probe __used \
		__aligned(8) __section(                              \
			"torito_mmio_drivers") = { (kind), #probe, (probe) }

/*
 * A pointer to d's registers, or NULL (logged) when the range lies beyond
 * the kernel's identity map (all RAM, at least 4 GiB).
 */
volatile void *mmio_map(const struct mmio_dev *d);

/* The nth device the bus found (0-based), or NULL. */
struct mmio_dev *mmio_get(unsigned int index);

#endif /* TORITO_MMIO_BUS_H */
