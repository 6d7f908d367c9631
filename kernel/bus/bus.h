/*
 * The bus scans, private to kernel/bus: bus.c runs them at INIT_DEVICES.
 */
#ifndef TORITO_KERNEL_BUS_BUS_H
#define TORITO_KERNEL_BUS_BUS_H

/* Enumerates PCI and offers each function to the PCI driver table. */
void pci_scan(void);

/* Collects the declared memory-mapped devices and offers them to the
 * MMIO driver table. */
void mmio_scan(void);

#endif /* TORITO_KERNEL_BUS_BUS_H */
