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

#define ACPI_MAX_CPUS 64
#define ACPI_MAX_IOAPICS 4
#define ACPI_MAX_OVERRIDES 16

/* What the MADT says about interrupt controllers and CPUs. */
struct acpi_madt_info {
	uint32_t lapic_addr;
	unsigned int ncpus;		    /* enabled local APICs */
	uint32_t cpu_apic_id[ACPI_MAX_CPUS]; /* in MADT order; [0] is not
					       necessarily the boot CPU */
	unsigned int cpus_dropped;	    /* enabled CPUs beyond ACPI_MAX_CPUS */
	unsigned int nioapics;
	struct {
		uint8_t id;
		uint32_t addr;
		uint32_t gsi_base;
	} ioapic[ACPI_MAX_IOAPICS];
	unsigned int noverrides;
	struct {
		uint8_t irq; /* ISA IRQ */
		uint32_t gsi;
		uint16_t flags; /* MPS INTI flags: polarity 1:0, trigger 3:2 */
	} override[ACPI_MAX_OVERRIDES];
};

/*
 * Reads the MADT ("APIC") through the RSDP at rsdp. Returns 0, -ENOENT (no
 * MADT), or -EBADMSG (a table fails its checks). Entries beyond the limits
 * above are counted (cpus_dropped) or ignored.
 */
int acpi_parse_madt(uint64_t rsdp, phys_map_fn map, void *ctx,
		    struct acpi_madt_info *out) __must_check;

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

/*
 * Finds the DSDT through the FADT. Returns 0 with *dsdt pointing at the
 * whole checked table (its length is in the header), -ENOENT (no FADT),
 * or -EBADMSG (a table fails its checks).
 */
int acpi_find_dsdt(uint64_t rsdp, phys_map_fn map, void *ctx,
		   const uint8_t **dsdt) __must_check;

/* PCI Express memory-mapped configuration (ECAM) for segment 0. */
struct acpi_ecam {
	uint64_t base; /* address of bus 0's configuration space */
	uint8_t bus_start, bus_end;
};

/*
 * Reads the MCFG's entry for PCI segment 0. Returns 0, -ENOENT (no MCFG or
 * no segment-0 entry), -EBADMSG (a table fails its checks).
 */
int acpi_parse_mcfg(uint64_t rsdp, phys_map_fn map, void *ctx,
		    struct acpi_ecam *out) __must_check;

#endif /* TORITO_KERNEL_ACPI_ACPI_H */
