/*
 * The memory-mapped device bus: merges the devices the command line and
 * the ACPI DSDT declare (mmio_parse.c), drops duplicates by base address
 * (Firecracker may state a device in both), and offers each to the
 * MMIO_DRIVER table in link order. A range beyond the kernel's identity
 * map (all RAM, at least 4 GiB) is refused by mmio_map.
 */
#include <stdint.h>

#include <torito/boot.h>
#include <torito/console.h>
#include <torito/errno.h>
#include <torito/mmio_bus.h>
#include <torito/string.h>

#include "kernel/acpi/acpi.h"
#include "kernel/bus/bus.h"
#include "kernel/bus/mmio_parse.h"
#include "kernel/kernel.h"

#define MMIO_MAX_DEVS 16

static struct mmio_dev devs[MMIO_MAX_DEVS];
static unsigned int ndevs;

extern const struct mmio_driver __start_torito_mmio_drivers[]
	__attribute__((weak));
extern const struct mmio_driver __stop_torito_mmio_drivers[]
	__attribute__((weak));

static const char *source_name(uint8_t source)
{
	return source == MMIO_SRC_ACPI ? "acpi" : "cmdline";
}

/* Adds found[0..n) that are new (by base address); returns how many. */
static unsigned int merge(const struct mmio_dev *found, unsigned int n)
{
	unsigned int added = 0;

	for (unsigned int i = 0; i < n; i++) {
		bool dup = false;
		for (unsigned int j = 0; j < ndevs; j++)
			dup = dup || devs[j].base == found[i].base;
		if (dup || ndevs == MMIO_MAX_DEVS)
			continue;
		devs[ndevs] = found[i];
		snprintf(devs[ndevs].name, sizeof(devs[ndevs].name),
			 "mmio 0x%lx", (unsigned long)found[i].base);
		ndevs++;
		added++;
	}
	return added;
}

static void collect(void)
{
	struct mmio_dev found[MMIO_MAX_DEVS];
	const uint8_t *dsdt;
	unsigned int n, bad;
	uint64_t rsdp;

	n = mmio_parse_cmdline(boot_info()->cmdline, found, MMIO_MAX_DEVS,
			       &bad);
	if (bad)
		kprintf("mmio: %u virtio_mmio.device entries refused "
			"(malformed, or more than %u)\n",
			bad, MMIO_MAX_DEVS);
	merge(found, n);
	rsdp = acpi_find_rsdp(boot_info()->rsdp, phys_map, NULL);
	if (!rsdp || acpi_find_dsdt(rsdp, phys_map, NULL, &dsdt) < 0)
		return;
	uint32_t len;
	memcpy(&len, dsdt + 4, 4);
	n = mmio_parse_dsdt(dsdt, len, found, MMIO_MAX_DEVS, &bad);
	if (bad)
		kprintf("mmio: %u ACPI virtio-mmio devices without usable "
			"resources\n",
			bad);
	merge(found, n);
}

static void probe_device(struct mmio_dev *d)
{
	for (const struct mmio_driver *drv = __start_torito_mmio_drivers;
	     drv < __stop_torito_mmio_drivers; drv++) {
		if (strcmp(drv->kind, d->kind) != 0)
			continue;
		int rc = drv->probe(d);
		if (rc == 0) {
			d->claimed = true;
			return;
		}
		if (rc != -ENODEV) {
			kprintf("%s: %s failed: %s\n", d->name, drv->name,
				errno_name(rc));
			return;
		}
	}
}

void mmio_scan(void)
{
	collect();
	for (unsigned int i = 0; i < ndevs; i++) {
		struct mmio_dev *d = &devs[i];
		kprintf("%s size 0x%lx irq %u (%s)\n", d->name,
			(unsigned long)d->size, d->gsi, source_name(d->source));
		probe_device(d);
	}
}

volatile void *mmio_map(const struct mmio_dev *d)
{
	uint64_t limit = mmu_mapped_limit();

	if (d->base >= limit || d->size > limit - d->base) {
		kprintf("%s: lies above the identity map (0x%lx); device "
			"refused\n",
			d->name, (unsigned long)limit);
		return NULL;
	}
	return (volatile void *)(uintptr_t)d->base;
}

struct mmio_dev *mmio_get(unsigned int index)
{
	return index < ndevs ? &devs[index] : NULL;
}
