/*
 * power_off: the one way an image ends. In order of preference:
 *  1. QEMU's isa-debug-exit at port 0xf4, which carries the status to the
 *     host (QEMU exits with (value << 1) | 1: 1 for success, 3 for failure);
 *  2. ACPI S5 through the FADT (PM1 control ports, or the sleep control
 *     register on hardware-reduced ACPI such as QEMU microvm);
 *  3. halting with interrupts off, after saying so.
 * The isa-debug-exit device reads as 0 while an undecoded port reads 0xff,
 * which is how its presence is told. Xen's SCHEDOP_shutdown joins here with
 * the Xen support.
 */
#include <stdint.h>

#include <torito/boot.h>
#include <torito/console.h>
#include <torito/driver.h>
#include <torito/errno.h>
#include <torito/power.h>

#include "kernel/acpi/acpi.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/kernel.h"

#define DEBUG_EXIT_PORT 0xf4
#define SLP_EN (1u << 13)
#define HWR_SLP_EN (1u << 5)

static void acpi_poweroff(void)
{
	uint64_t rsdp = acpi_find_rsdp(boot_info()->rsdp, phys_map, NULL);
	struct acpi_poweroff po;
	int rc;

	if (!rsdp) {
		kprintf("torito: no ACPI RSDP found\n");
		return;
	}
	rc = acpi_parse_poweroff(rsdp, phys_map, NULL, &po);
	if (rc < 0) {
		kprintf("torito: ACPI power-off unavailable (%s)\n",
			errno_name(rc));
		return;
	}
	if (po.hw_reduced) {
		uint8_t v = (uint8_t)((po.slp_typa & 7) << 2) | HWR_SLP_EN;
		if (po.sleep_space == 1)
			outb((uint16_t)po.sleep_addr, v);
		else if (po.sleep_space == 0 && po.sleep_addr < (1ull << 32))
			*(volatile uint8_t *)(uintptr_t)po.sleep_addr = v;
	} else {
		if (po.pm1a_cnt)
			outw(po.pm1a_cnt, (uint16_t)(po.slp_typa << 10) | SLP_EN);
		if (po.pm1b_cnt)
			outw(po.pm1b_cnt, (uint16_t)(po.slp_typb << 10) | SLP_EN);
	}
	/* Real hardware may take a moment to cut power. */
	for (volatile int i = 0; i < 10000000; i++)
		cpu_relax();
}

static power_off_fn backend;

void power_set_backend(power_off_fn fn)
{
	backend = fn;
}

__noreturn void power_off(int status)
{
	irq_disable();
	kprintf("torito: power off (%s)\n", status == 0 ? "success" : "failure");
	if (backend)
		backend(status);
	if (inb(DEBUG_EXIT_PORT) != 0xff)
		outb(DEBUG_EXIT_PORT, status == 0 ? 0 : 1);
	acpi_poweroff();
	kprintf("torito: could not power off; halted\n");
	cpu_halt_forever();
}
