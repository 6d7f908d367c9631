/*
 * The boot record: what the boot loader or hypervisor told the kernel,
 * normalised from the PVH hvm_start_info or the multiboot2 information by
 * kernel/boot. Nothing else in Torito reads the raw boot structures.
 */
#ifndef TORITO_BOOT_H
#define TORITO_BOOT_H

#include <stdbool.h>
#include <stdint.h>

#define BOOT_CMDLINE_MAX 1024
#define BOOT_MEM_MAX 64
#define BOOT_MODULES_MAX 8

enum boot_path {
	BOOT_PATH_PVH = 1, /* Xen PVH, QEMU -kernel, Firecracker */
	BOOT_PATH_MULTIBOOT2,
};

enum boot_mem_type {
	BOOT_MEM_USABLE = 1,
	BOOT_MEM_RESERVED = 2,
	BOOT_MEM_ACPI = 3,
	BOOT_MEM_NVS = 4,
	BOOT_MEM_BAD = 5,
};

enum hypervisor {
	HYPERVISOR_NONE = 0, /* bare metal, or an emulator such as QEMU TCG */
	HYPERVISOR_KVM,
	HYPERVISOR_XEN,
	HYPERVISOR_HYPERV,
	HYPERVISOR_VMWARE,
	HYPERVISOR_TCG,	  /* QEMU's software emulation */
	HYPERVISOR_OTHER,
};

struct boot_mem_region {
	uint64_t base;
	uint64_t len;
	uint32_t type; /* enum boot_mem_type */
};

struct boot_module {
	uint64_t start;
	uint64_t end; /* exclusive */
	char name[64];
};

struct boot_info {
	enum boot_path path;
	char cmdline[BOOT_CMDLINE_MAX];
	struct boot_mem_region mem[BOOT_MEM_MAX];
	unsigned int nmem;
	struct boot_module modules[BOOT_MODULES_MAX];
	unsigned int nmodules;
	uint64_t rsdp; /* physical address of the ACPI RSDP, 0 if not given */
	enum hypervisor hypervisor;
	char hypervisor_sig[13]; /* CPUID 0x40000000 signature, "" if none */
	unsigned int warnings;   /* entries dropped or clipped while parsing */
	const char *warning;     /* the first of them, in words */
};

/* The boot record; valid once the application runs. */
const struct boot_info *boot_info(void);

/* "pvh" or "multiboot2". */
const char *boot_path_name(enum boot_path path);

/* "none", "KVM", "Xen", ... */
const char *hypervisor_name(enum hypervisor hv);

/* Bytes of usable RAM in the memory map, overlaps counted once. */
uint64_t boot_usable_bytes(const struct boot_info *bi);

/*
 * Looks up "key=value" in the command line. Copies the value into buf
 * (NUL-terminated) and returns true; returns false if key is absent or the
 * value does not fit. A bare "key" has the value "".
 */
bool boot_cmdline_get(const struct boot_info *bi, const char *key, char *buf,
		      unsigned int size);

#endif /* TORITO_BOOT_H */
