/*
 * kernel_entry: where both boot paths (arch/x86_64/boot.asm) reach C, in
 * long mode on the boot stack. Order matters: the console first (so
 * everything after can speak), then GDT/TSS and IDT (so every fault is
 * reported), then the boot record, which must be usable or the image stops
 * with the reason. Then the application runs; its return value is the exit
 * status.
 */
#include <stdbool.h>
#include <stdint.h>

#include <torito/app.h>
#include <torito/boot.h>
#include <torito/console.h>
#include <torito/driver.h>
#include <torito/errno.h>
#include <torito/power.h>

#include "kernel/arch/x86_64/irq.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/mmu.h"
#include "kernel/arch/x86_64/smp.h"
#include "kernel/arch/x86_64/timeinit.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/boot/bootinfo_parse.h"
#include "kernel/console_driver.h"
#include "kernel/kernel.h"
#include "kernel/sched/sched.h"

#define IDENTITY_LIMIT (1ull << 32)
#define PAGE_SIZE 4096

static struct boot_info the_boot_info;
static bool null_page_mapped = true; /* until the boot record is read */

const struct boot_info *boot_info(void)
{
	return &the_boot_info;
}

const void *phys_map(void *ctx, uint64_t paddr, uint64_t len)
{
	(void)ctx;
	if ((paddr < PAGE_SIZE && !null_page_mapped) || len > IDENTITY_LIMIT ||
	    paddr > IDENTITY_LIMIT - len)
		return NULL;
	return (const void *)(uintptr_t)paddr;
}

static void parse_boot_record(uint32_t magic, uint32_t info)
{
	struct boot_info *bi = &the_boot_info;
	const char *why = "unknown boot protocol";
	int rc = -EINVAL;

	if (magic == PVH_START_MAGIC)
		rc = bootinfo_parse_pvh(bi, info, phys_map, NULL, &why);
	else if (magic == MB2_BOOT_MAGIC)
		rc = bootinfo_parse_mb2(bi, info, phys_map, NULL, &why);
	if (rc < 0) {
		kprintf("torito: unusable boot record (magic 0x%x at 0x%x): "
			"%s (%s)\n",
			magic, info, why, errno_name(rc));
		power_off(1);
	}
	if (bi->warnings)
		kprintf("torito: warning: boot record: %s (%u entries "
			"ignored or clipped)\n",
			bi->warning, bi->warnings);
}

extern const struct init_entry __init_start[], __init_end[];

/* Runs the registered init functions of one stage, in link order. */
static void run_init_stage(int stage)
{
	for (const struct init_entry *e = __init_start; e < __init_end; e++)
		if (e->stage == stage)
			e->fn();
}

__noreturn void kernel_entry(uint32_t magic, uint32_t info)
{
	serial_init();
	gdt_init(0, NULL);
	idt_init();
	parse_boot_record(magic, info);
	mmu_unmap_null_page();
	null_page_mapped = false;
	hypervisor_detect(&the_boot_info);
	run_init_stage(INIT_EARLY);
	irq_init();
	sched_cpu_init(0, lapic_id());
	mem_init(irq_madt.ncpus);
	uint64_t boot_map = mmu_mapped_limit();
	mmu_init();
	mem_add_mapped(boot_map);
	sched_adopt_boot_thread();
	run_init_stage(INIT_PLATFORM);
	time_init();
	lapic_timer_init();
	sched_create_idle();
	smp_start();
	run_init_stage(INIT_DEVICES);
	power_off(torito_main());
}
