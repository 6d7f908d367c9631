/*
 * ACPI table lookup, private to kernel/: just enough to power off (the FADT
 * and the \_S5 sleep type in the DSDT). Portable; all physical memory is
 * read through a phys_map callback that refuses unreadable ranges, and every
 * table is checked (signature, length, checksum) before use.
 */
#ifndef TORITO_KERNEL_ACPI_ACPI_H
#define TORITO_KERNEL_ACPI_ACPI_H

#include <stdbool.h>
#include <stdint.h>

#include <torito/compiler.h>

#include "kernel/boot/bootinfo_parse.h"

/* How to enter S5 on this machine. */
struct acpi_poweroff {
	bool hw_reduced;   /* use the sleep control register */
	uint8_t slp_typa;  /* \_S5 package element 0 */
	uint8_t slp_typb;  /* \_S5 package element 1 */
	uint16_t pm1a_cnt; /* I/O ports; 0 if absent */
	uint16_t pm1b_cnt;
	uint8_t sleep_space; /* GAS address space: 0 memory, 1 I/O */
	uint64_t sleep_addr; /* sleep control register (hw_reduced) */
};

/*
 * Finds the RSDP: at rsdp_hint if nonzero and valid, else by scanning the
 * BIOS area 0xe0000-0xfffff. Returns its physical address or 0.
 */
uint64_t acpi_find_rsdp(uint64_t rsdp_hint, phys_map_fn map, void *ctx);

/*
 * Reads the FADT and \_S5 through the RSDP at rsdp. Returns 0, -ENOENT (no
 * FADT or no \_S5), or -EBADMSG (a table fails its checks).
 */
int acpi_parse_poweroff(uint64_t rsdp, phys_map_fn map, void *ctx,
			struct acpi_poweroff *out) __must_check;

#endif /* TORITO_KERNEL_ACPI_ACPI_H */
