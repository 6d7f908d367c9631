/*
 * Runs the bus scans once, on CPU 0, at INIT_DEVICES: PCI first, then the
 * declared memory-mapped devices. Each scan offers what it finds to the
 * drivers registered in its linker-section table (PCI_DRIVER,
 * MMIO_DRIVER); the drivers register netdevs and blkdevs. Drivers that
 * find their devices another way (Xen's xenbus) use TORITO_INIT directly.
 */
#include <torito/driver.h>

#include "kernel/bus/bus.h"

static void bus_scan(void)
{
	pci_scan();
	mmio_scan();
}
TORITO_INIT(INIT_DEVICES, bus_scan);
