/*
 * Early paging adjustments on boot.asm's tables: today only unmapping page
 * 0 once the boot record has been read. See mmu.h.
 */
#include <stdint.h>

#include "kernel/arch/x86_64/mmu.h"

extern uint64_t boot_pt[512];

void mmu_unmap_null_page(void)
{
	boot_pt[0] = 0;
	__asm__ volatile("invlpg (%0)" : : "r"(0ul) : "memory");
}
