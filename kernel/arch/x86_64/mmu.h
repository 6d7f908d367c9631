/*
 * Early paging adjustments on the boot page tables built by boot.asm. The
 * full page-table code (all RAM, NX, read-only text, per-thread guards)
 * replaces this with the memory manager.
 */
#ifndef TORITO_KERNEL_ARCH_X86_64_MMU_H
#define TORITO_KERNEL_ARCH_X86_64_MMU_H

/* Unmaps page 0 so NULL dereferences fault. Call after the boot record is read. */
void mmu_unmap_null_page(void);

#endif /* TORITO_KERNEL_ARCH_X86_64_MMU_H */
