/*
 * Where memory-mapped devices are declared: the `virtio_mmio.device=`
 * command-line entries and the LNRO0005 devices of an ACPI DSDT. Private
 * to kernel/bus and its tests; portable and pure (no I/O).
 */
#ifndef TORITO_KERNEL_BUS_MMIO_PARSE_H
#define TORITO_KERNEL_BUS_MMIO_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include <torito/compiler.h>
#include <torito/mmio_bus.h>

/*
 * Parses every `virtio_mmio.device=<size>@<base>:<irq>[:<id>]` in cmdline
 * (Linux syntax: size takes a K/M/G suffix, base is C notation, irq is
 * decimal) into out[0..max), with source, base, size, gsi and irq_flags
 * (level, active high) set. Returns the number stored; *bad counts the
 * entries refused: malformed, size below 0x100, a range that wraps, an
 * irq above 1023, or no room left in out.
 */
unsigned int mmio_parse_cmdline(const char *cmdline, struct mmio_dev *out,
				unsigned int max, unsigned int *bad);

/*
 * Finds the virtio-mmio devices in a DSDT (the whole table, header
 * included): each _HID "LNRO0005" string followed, within the same
 * device, by a _CRS buffer holding a Memory32Fixed range and an interrupt
 * (extended or legacy descriptor). Fills out[0..max) as above, with the
 * trigger and polarity the descriptor states. Returns the number stored;
 * *bad counts devices whose _CRS is missing or unreadable, or no room.
 */
unsigned int mmio_parse_dsdt(const uint8_t *aml, size_t len,
			     struct mmio_dev *out, unsigned int max,
			     unsigned int *bad);

#endif /* TORITO_KERNEL_BUS_MMIO_PARSE_H */
