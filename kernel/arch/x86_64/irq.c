/*
 * Interrupt routing: legacy 8259 PICs remapped and masked, IOAPIC inputs
 * routed on demand (irq_route_gsi), MSI addresses for PCI devices, and a
 * per-vector handler table. The MADT tells where the IOAPICs are and how
 * ISA IRQs map to GSIs; a machine without a MADT or IOAPIC (Xen PVH,
 * microvm without ACPI) still gets MSI and event channels.
 */
#include <stdbool.h>
#include <stdint.h>

#include <torito/boot.h>
#include <torito/console.h>
#include <torito/driver.h>
#include <torito/errno.h>

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/irq.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/kernel.h"

#define VECTOR_FIRST (LAPIC_IPI_VECTOR + 1) /* 48, 49: timer and IPI */
#define VECTOR_LAST 239
#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOAPIC_VER 0x01
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n))
#define REDIR_MASKED (1u << 16)
#define REDIR_LEVEL (1u << 15)
#define REDIR_ACTIVE_LOW (1u << 13)

struct acpi_madt_info irq_madt;

static struct {
	irq_handler_fn fn;
	void *ctx;
} vectors[256];
static unsigned int next_vector = VECTOR_FIRST;

/*
 * The 8259s only reach the CPU through LAPIC LINT0 (ExtINT), which
 * lapic_init masks; masking their lines as well costs two port writes.
 * Every port or MMIO access is a VM exit, expensive when nested, so boot
 * touches as few as it can.
 */
static void pic_disable(void)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

static uint32_t ioapic_read(uint32_t base, uint32_t reg)
{
	volatile uint32_t *io = (volatile uint32_t *)(uintptr_t)base;

	io[IOREGSEL / 4] = reg;
	return io[IOWIN / 4];
}

static void ioapic_write(uint32_t base, uint32_t reg, uint32_t v)
{
	volatile uint32_t *io = (volatile uint32_t *)(uintptr_t)base;

	io[IOREGSEL / 4] = reg;
	io[IOWIN / 4] = v;
}

static unsigned int ioapic_inputs(uint32_t base)
{
	return ((ioapic_read(base, IOAPIC_VER) >> 16) & 0xff) + 1;
}

void irq_init(void)
{
	uint64_t rsdp;

	pic_disable();
	lapic_init();
	rsdp = acpi_find_rsdp(boot_info()->rsdp, phys_map, NULL);
	if (!rsdp || acpi_parse_madt(rsdp, phys_map, NULL, &irq_madt) < 0) {
		irq_madt.ncpus = 0;
		irq_madt.nioapics = 0;
	}
}

/* IOAPIC inputs reset masked; mask them again only when a driver first
 * routes one, so images without legacy interrupts never touch the IOAPIC. */
static void ioapic_mask_all(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	for (unsigned int i = 0; i < irq_madt.nioapics; i++) {
		uint32_t base = irq_madt.ioapic[i].addr;
		for (unsigned int n = 0; n < ioapic_inputs(base); n++)
			ioapic_write(base, IOAPIC_REDTBL(n), REDIR_MASKED);
	}
}

int irq_alloc_vector(irq_handler_fn fn, void *ctx)
{
	if (next_vector > VECTOR_LAST)
		return -ENOSPC;
	vectors[next_vector].ctx = ctx;
	vectors[next_vector].fn = fn;
	return (int)next_vector++;
}

int irq_route_gsi(unsigned int gsi, int vector, unsigned int flags)
{
	ioapic_mask_all();
	/* ISA IRQs may be moved and re-flagged by an override. */
	for (unsigned int i = 0; i < irq_madt.noverrides; i++) {
		if (irq_madt.override[i].irq != gsi)
			continue;
		uint16_t f = irq_madt.override[i].flags;
		gsi = irq_madt.override[i].gsi;
		if ((f & 3) == 3)
			flags |= IRQ_ACTIVE_LOW;
		if (((f >> 2) & 3) == 3)
			flags |= IRQ_LEVEL;
		break;
	}
	for (unsigned int i = 0; i < irq_madt.nioapics; i++) {
		uint32_t base = irq_madt.ioapic[i].addr;
		uint32_t first = irq_madt.ioapic[i].gsi_base;
		if (gsi < first || gsi >= first + ioapic_inputs(base))
			continue;
		uint32_t lo = (uint32_t)vector;
		if (flags & IRQ_LEVEL)
			lo |= REDIR_LEVEL;
		if (flags & IRQ_ACTIVE_LOW)
			lo |= REDIR_ACTIVE_LOW;
		ioapic_write(base, IOAPIC_REDTBL(gsi - first) + 1,
			     lapic_id() << 24);
		ioapic_write(base, IOAPIC_REDTBL(gsi - first), lo);
		return 0;
	}
	return -ENODEV;
}

uint64_t irq_msi_address(void)
{
	return 0xfee00000u | (lapic_id() << 12);
}

uint32_t irq_msi_data(int vector)
{
	return (uint32_t)vector; /* fixed delivery, edge */
}

void irq_enable(void)
{
	__asm__ volatile("sti" ::: "memory");
}

void irq_dispatch(unsigned int vector)
{
	if (vector == LAPIC_SPURIOUS_VECTOR)
		return; /* no EOI for spurious interrupts */
	if (vectors[vector].fn)
		vectors[vector].fn(vectors[vector].ctx);
	lapic_eoi();
}
