/*
 * Kernel-internal services shared between kernel/ modules: the identity
 * phys_map used with the portable parsers, and hypervisor detection.
 */
#ifndef TORITO_KERNEL_KERNEL_H
#define TORITO_KERNEL_KERNEL_H

#include <stdint.h>

#include <torito/boot.h>

/*
 * Physical memory is identity mapped below 4 GiB except page 0: returns
 * (void *)paddr when [paddr, paddr + len) lies in that window, else NULL.
 */
const void *phys_map(void *ctx, uint64_t paddr, uint64_t len);

/* Fills bi->hypervisor and bi->hypervisor_sig from CPUID 0x40000000. */
void hypervisor_detect(struct boot_info *bi);

#endif /* TORITO_KERNEL_KERNEL_H */
