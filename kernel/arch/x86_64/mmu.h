/*
 * Paging adjustments on the identity map built at boot. Private to kernel/.
 */
#ifndef TORITO_KERNEL_ARCH_X86_64_MMU_H
#define TORITO_KERNEL_ARCH_X86_64_MMU_H

#include <stdbool.h>

/*
 * Builds and loads the kernel's page tables (all RAM, NX, read-only text).
 * Call once on CPU 0 after the heaps exist and before other CPUs start.
 */
void mmu_init(void);

/* Unmaps page 0 so NULL dereferences fault. Call after the boot record is read. */
void mmu_unmap_null_page(void);

/*
 * Makes the 4 KiB page at page (page-aligned, identity-mapped RAM) a guard
 * page (not present) or maps it again. Splits a large page into 4 KiB
 * pages when needed (once per 2 MiB). Returns 0, or -ENOMEM when no memory
 * is left for that split. Any CPU; the page's owner only.
 */
int mmu_set_guard(void *page, bool guard) __attribute__((warn_unused_result));

#endif /* TORITO_KERNEL_ARCH_X86_64_MMU_H */
