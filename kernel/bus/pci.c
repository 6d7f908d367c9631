/*
 * PCI: the bus scan, configuration space through ECAM (memory mapped,
 * from the ACPI MCFG, one access per read: q35 and real PCIe machines) or
 * mechanism #1 (ports 0xcf8/0xcfc, two accesses: pc/i440fx), BAR sizing,
 * MSI-X, legacy INTx, and the driver table.
 * bus.c calls pci_scan at INIT_DEVICES; drivers reach the rest through
 * torito/pci.h.
 *
 * The scan starts at bus 0 and follows PCI-to-PCI bridges to their
 * secondary buses (each bus at most once), so it costs a few hundred
 * configuration reads instead of the 8192 a brute-force sweep takes,
 * which matters under nested KVM where each is a VM exit. BARs are taken
 * as the firmware (SeaBIOS, OVMF, qboot) assigned them; nothing is
 * reassigned. Left out: the PCIe extended configuration space (ECAM maps
 * it, but nothing reads past offset 255 yet), multiple host bridges (root buses other than 0), MSI (only MSI-X), hot
 * plug, and mapping BARs beyond the kernel's identity map (all RAM, at
 * least 4 GiB, in 1 GiB steps): such a BAR is refused with a log line.
 */
#include <stdbool.h>
#include <stdint.h>

#include <torito/boot.h>
#include <torito/console.h>
#include <torito/driver.h>
#include <torito/errno.h>
#include <torito/pci.h>
#include <torito/string.h>

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/acpi/acpi.h"
#include "kernel/bus/bus.h"
#include "kernel/kernel.h"

#define CONFIG_ADDRESS 0xcf8
#define CONFIG_DATA    0xcfc
#define PCI_MAX_DEVS   64

#define HEADER_TYPE_MASK     0x7f
#define HEADER_MULTIFUNCTION 0x80
#define HEADER_BRIDGE	     0x01
#define BRIDGE_SECONDARY_BUS 0x19

#define MSIX_CONTROL	   2
#define MSIX_TABLE	   4
#define MSIX_CTRL_ENABLE   (1u << 15)
#define MSIX_CTRL_MASKALL  (1u << 14)
#define MSIX_ENTRY_WORDS   4
#define MSIX_VECTOR_MASKED 1u

static struct pci_dev devs[PCI_MAX_DEVS];
static unsigned int ndevs;
static unsigned int dropped;

/* The linker defines these around the section; weak, so an image
 * without any PCI driver (no section at all) sees an empty table. */
extern const struct pci_driver __start_torito_pci_drivers[]
	__attribute__((weak));
extern const struct pci_driver __stop_torito_pci_drivers[]
	__attribute__((weak));

static struct acpi_ecam ecam; /* base 0: use the ports */

static uint32_t cfg_address(uint8_t bus, uint8_t slot, uint8_t func,
			    uint16_t off)
{
	return 0x80000000u | (uint32_t)bus << 16 | (uint32_t)slot << 11 |
	       (uint32_t)func << 8 | (off & 0xfc);
}

/* The ECAM address of a register, or NULL when ECAM does not cover bus. */
static volatile void *ecam_ptr(uint8_t bus, uint8_t slot, uint8_t func,
			       uint16_t off)
{
	if (!ecam.base || bus < ecam.bus_start || bus > ecam.bus_end)
		return NULL;
	return (volatile void *)(uintptr_t)(ecam.base +
					    ((uint64_t)(bus - ecam.bus_start) << 20 |
					     (uint64_t)slot << 15 |
					     (uint64_t)func << 12 | (off & 0xfff)));
}

/* One configuration read of width 1, 2 or 4 bytes (off aligned to it). */
static uint32_t cfg_read(uint8_t bus, uint8_t slot, uint8_t func,
			 uint16_t off, unsigned int width)
{
	volatile void *p = ecam_ptr(bus, slot, func, off & ~(width - 1));

	if (p)
		return width == 1   ? *(volatile uint8_t *)p
		       : width == 2 ? *(volatile uint16_t *)p
				    : *(volatile uint32_t *)p;
	outl(CONFIG_ADDRESS, cfg_address(bus, slot, func, off));
	return width == 1   ? inb(CONFIG_DATA + (off & 3))
	       : width == 2 ? inw(CONFIG_DATA + (off & 2))
			    : inl(CONFIG_DATA);
}

static void cfg_write(const struct pci_dev *d, uint16_t off, uint32_t v,
		      unsigned int width)
{
	volatile void *p = ecam_ptr(d->bus, d->slot, d->func, off & ~(width - 1));

	if (p) {
		if (width == 1)
			*(volatile uint8_t *)p = (uint8_t)v;
		else if (width == 2)
			*(volatile uint16_t *)p = (uint16_t)v;
		else
			*(volatile uint32_t *)p = v;
		return;
	}
	outl(CONFIG_ADDRESS, cfg_address(d->bus, d->slot, d->func, off));
	if (width == 1)
		outb(CONFIG_DATA + (off & 3), (uint8_t)v);
	else if (width == 2)
		outw(CONFIG_DATA + (off & 2), (uint16_t)v);
	else
		outl(CONFIG_DATA, v);
}

static uint32_t raw_read32(uint8_t bus, uint8_t slot, uint8_t func,
			   uint16_t off)
{
	return cfg_read(bus, slot, func, off, 4);
}

static uint16_t raw_read16(uint8_t bus, uint8_t slot, uint8_t func,
			   uint16_t off)
{
	return (uint16_t)cfg_read(bus, slot, func, off, 2);
}

static uint8_t raw_read8(uint8_t bus, uint8_t slot, uint8_t func, uint16_t off)
{
	return (uint8_t)cfg_read(bus, slot, func, off, 1);
}

uint8_t pci_cfg_read8(const struct pci_dev *d, uint16_t off)
{
	return raw_read8(d->bus, d->slot, d->func, off);
}

uint16_t pci_cfg_read16(const struct pci_dev *d, uint16_t off)
{
	return raw_read16(d->bus, d->slot, d->func, off);
}

uint32_t pci_cfg_read32(const struct pci_dev *d, uint16_t off)
{
	return raw_read32(d->bus, d->slot, d->func, off);
}

void pci_cfg_write8(const struct pci_dev *d, uint16_t off, uint8_t v)
{
	cfg_write(d, off, v, 1);
}

void pci_cfg_write16(const struct pci_dev *d, uint16_t off, uint16_t v)
{
	cfg_write(d, off, v, 2);
}

void pci_cfg_write32(const struct pci_dev *d, uint16_t off, uint32_t v)
{
	cfg_write(d, off, v, 4);
}

/* Uses ECAM when the MCFG offers one inside the identity map. */
static void ecam_init(void)
{
	uint64_t rsdp = acpi_find_rsdp(boot_info()->rsdp, phys_map, NULL);
	struct acpi_ecam e;

	if (!rsdp || acpi_parse_mcfg(rsdp, phys_map, NULL, &e) < 0)
		return;
	uint64_t size = ((uint64_t)(e.bus_end - e.bus_start) + 1) << 20;
	if (e.base + size > mmu_mapped_limit() || e.base + size < e.base) {
		kprintf("pci: ECAM at 0x%lx is outside the map; using ports\n",
			(unsigned long)e.base);
		return;
	}
	ecam = e;
}

int pci_cap_next(const struct pci_dev *d, uint8_t id, uint8_t prev)
{
	return pci_cap_next_raw(d->cfg, sizeof(d->cfg), id, prev);
}

/* Mechanism #1 exists if the address register reads back what we wrote. */
static bool pci_present(void)
{
	outl(CONFIG_ADDRESS, 0x80000000u);
	return inl(CONFIG_ADDRESS) == 0x80000000u;
}

/* Sizes BAR i by writing all ones; returns the number of slots it used. */
static unsigned int bar_probe(struct pci_dev *d, unsigned int i)
{
	uint16_t off = (uint16_t)(PCI_CFG_BAR0 + 4 * i);
	uint32_t orig = pci_cfg_read32(d, off), mask, hi_orig, hi_mask;
	struct pci_bar *b = &d->bar[i];

	pci_cfg_write32(d, off, 0xffffffffu);
	mask = pci_cfg_read32(d, off);
	pci_cfg_write32(d, off, orig);
	if (mask == 0 || mask == 0xffffffffu)
		return 1;
	if (orig & 1) { /* I/O: some devices implement only 16 bits */
		mask &= ~3u;
		if (!(mask & 0xffff0000u))
			mask |= 0xffff0000u;
		b->kind = PCI_BAR_IO;
		b->addr = orig & ~3u;
		b->size = (uint32_t)(~mask + 1);
		return 1;
	}
	b->prefetchable = orig & 8;
	b->addr = orig & ~0xfu;
	if (((orig >> 1) & 3) != 2 || i == PCI_BAR_COUNT - 1) {
		b->kind = PCI_BAR_MEM32;
		b->size = (uint32_t)(~(mask & ~0xfu) + 1);
		return 1;
	}
	hi_orig = pci_cfg_read32(d, off + 4);
	pci_cfg_write32(d, off + 4, 0xffffffffu);
	hi_mask = pci_cfg_read32(d, off + 4);
	pci_cfg_write32(d, off + 4, hi_orig);
	b->kind = PCI_BAR_MEM64;
	b->addr |= (uint64_t)hi_orig << 32;
	b->size = ~((uint64_t)hi_mask << 32 | (mask & ~0xfu)) + 1;
	return 2;
}

/* Sizes all BARs with decoding off, so no half-written BAR decodes. */
static void bars_probe(struct pci_dev *d)
{
	uint16_t cmd = pci_cfg_read16(d, PCI_CFG_COMMAND);

	pci_cfg_write16(d, PCI_CFG_COMMAND,
			cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	for (unsigned int i = 0; i < PCI_BAR_COUNT;)
		i += bar_probe(d, i);
	pci_cfg_write16(d, PCI_CFG_COMMAND, cmd);
	for (unsigned int i = 0; i < PCI_BAR_COUNT; i++) {
		struct pci_bar *b = &d->bar[i];
		if (b->kind != PCI_BAR_NONE && (b->size & (b->size - 1))) {
			kprintf("%s: BAR%u size 0x%lx is not a power of two; "
				"ignored\n",
				d->name, i, (unsigned long)b->size);
			b->kind = PCI_BAR_NONE;
		}
	}
}

/* Records a type-0 function and its snapshot. */
static void add_function(uint8_t bus, uint8_t slot, uint8_t func)
{
	struct pci_dev *d;

	if (ndevs == PCI_MAX_DEVS) {
		dropped++;
		return;
	}
	d = &devs[ndevs++];
	memset(d, 0, sizeof(*d));
	d->bus = bus;
	d->slot = slot;
	d->func = func;
	snprintf(d->name, sizeof(d->name), "pci %02x:%02x.%u", bus, slot, func);
	for (uint16_t off = 0; off < PCI_CFG_SIZE; off += 4) {
		uint32_t v = pci_cfg_read32(d, off);
		memcpy(d->cfg + off, &v, 4);
	}
	d->vendor = (uint16_t)(d->cfg[0] | d->cfg[1] << 8);
	d->device = (uint16_t)(d->cfg[2] | d->cfg[3] << 8);
	d->revision = d->cfg[PCI_CFG_REVISION];
	d->prog_if = d->cfg[0x09];
	d->subclass = d->cfg[0x0a];
	d->class_code = d->cfg[0x0b];
	d->subsys_vendor = (uint16_t)(d->cfg[0x2c] | d->cfg[0x2d] << 8);
	d->subsys_device = (uint16_t)(d->cfg[0x2e] | d->cfg[0x2f] << 8);
	d->irq_line = d->cfg[PCI_CFG_INT_LINE];
	d->irq_pin = d->cfg[PCI_CFG_INT_PIN];
	bars_probe(d);
}

/* Scans one function; returns the bridge's secondary bus, or -1. */
static int scan_function(uint8_t bus, uint8_t slot, uint8_t func)
{
	uint8_t type = raw_read8(bus, slot, func, PCI_CFG_HEADER_TYPE);

	if ((type & HEADER_TYPE_MASK) == HEADER_BRIDGE)
		return raw_read8(bus, slot, func, BRIDGE_SECONDARY_BUS);
	if ((type & HEADER_TYPE_MASK) == 0)
		add_function(bus, slot, func);
	return -1;
}

/* Breadth-first over bus 0 and the buses behind bridges, each once. */
static void scan_buses(void)
{
	uint8_t queue[256];
	uint32_t seen[256 / 32] = { 1 }; /* bus 0 */
	unsigned int head = 0, tail = 0;

	queue[tail++] = 0;
	while (head < tail) {
		uint8_t bus = queue[head++];
		for (uint8_t slot = 0; slot < 32; slot++) {
			if (raw_read16(bus, slot, 0, PCI_CFG_VENDOR) == 0xffff)
				continue;
			uint8_t nfunc =
				raw_read8(bus, slot, 0, PCI_CFG_HEADER_TYPE) &
						HEADER_MULTIFUNCTION
					? 8
					: 1;
			for (uint8_t func = 0; func < nfunc; func++) {
				if (raw_read16(bus, slot, func,
					       PCI_CFG_VENDOR) == 0xffff)
					continue;
				int sec = scan_function(bus, slot, func);
				if (sec <= 0 ||
				    (seen[sec / 32] >> (sec % 32)) & 1)
					continue;
				seen[sec / 32] |= 1u << (sec % 32);
				queue[tail++] = (uint8_t)sec;
			}
		}
	}
}

static bool driver_matches(const struct pci_driver *drv,
			   const struct pci_dev *d)
{
	return drv->vendor == d->vendor &&
	       (drv->device == PCI_ANY_ID || drv->device == d->device);
}

/* Offers d to the drivers in link order until one claims it. */
static void probe_device(struct pci_dev *d)
{
	for (const struct pci_driver *drv = __start_torito_pci_drivers;
	     drv < __stop_torito_pci_drivers; drv++) {
		if (!driver_matches(drv, d))
			continue;
		int rc = drv->probe(d);
		if (rc == 0) {
			d->driver = drv;
			return;
		}
		if (rc != -ENODEV) {
			kprintf("%s: %s failed: %s\n", d->name, drv->name,
				errno_name(rc));
			return;
		}
	}
}

void pci_scan(void)
{
	ecam_init();
	if (!ecam.base && !pci_present())
		return;
	scan_buses();
	if (dropped)
		kprintf("pci: %u functions beyond the first %u ignored\n",
			dropped, PCI_MAX_DEVS);
	/* The listing is for debugging: each line costs VM exits at boot. */
	char opt[16];
	if (boot_cmdline_get(boot_info(), "pci", opt, sizeof(opt)) &&
	    strcmp(opt, "verbose") == 0)
		for (unsigned int i = 0; i < ndevs; i++) {
			struct pci_dev *d = &devs[i];
			kprintf("%s %04x:%04x class %02x.%02x%s\n", d->name,
				d->vendor, d->device, d->class_code,
				d->subclass, ecam.base ? " (ecam)" : "");
		}
	for (unsigned int i = 0; i < ndevs; i++)
		probe_device(&devs[i]);
}

struct pci_dev *pci_get(unsigned int index)
{
	return index < ndevs ? &devs[index] : NULL;
}

void pci_enable(struct pci_dev *d)
{
	uint16_t cmd = pci_cfg_read16(d, PCI_CFG_COMMAND);

	pci_cfg_write16(d, PCI_CFG_COMMAND,
			cmd | PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
				PCI_COMMAND_MASTER);
}

/* True if [addr, addr + size) lies inside the kernel's identity map. */
static bool mapped(uint64_t addr, uint64_t size)
{
	uint64_t limit = mmu_mapped_limit();

	return addr < limit && size <= limit - addr;
}

volatile void *pci_bar_map(const struct pci_dev *d, unsigned int bar)
{
	const struct pci_bar *b;

	if (bar >= PCI_BAR_COUNT)
		return NULL;
	b = &d->bar[bar];
	if (b->kind != PCI_BAR_MEM32 && b->kind != PCI_BAR_MEM64)
		return NULL;
	if (b->addr == 0) {
		kprintf("%s: BAR%u is not assigned; device refused\n", d->name,
			bar);
		return NULL;
	}
	if (!mapped(b->addr, b->size)) {
		kprintf("%s: BAR%u at 0x%lx lies above the identity map "
			"(0x%lx); device refused\n",
			d->name, bar, (unsigned long)b->addr,
			(unsigned long)mmu_mapped_limit());
		return NULL;
	}
	return (volatile void *)(uintptr_t)b->addr;
}

/* The I/O port or memory address of off in bar, or 0 if out of range. */
static uintptr_t bar_reg(const struct pci_dev *d, unsigned int bar,
			 uint32_t off, unsigned int width)
{
	const struct pci_bar *b;

	if (bar >= PCI_BAR_COUNT)
		goto bad;
	b = &d->bar[bar];
	if (b->kind == PCI_BAR_NONE || b->addr == 0 || off > b->size ||
	    width > b->size - off)
		goto bad;
	if (b->kind != PCI_BAR_IO && !mapped(b->addr, b->size))
		goto bad;
	return (uintptr_t)(b->addr + off);
bad:
	kprintf("%s: access to BAR%u offset 0x%x refused\n", d->name, bar, off);
	return 0;
}

static bool bar_is_io(const struct pci_dev *d, unsigned int bar)
{
	return d->bar[bar].kind == PCI_BAR_IO;
}

uint8_t pci_bar_read8(const struct pci_dev *d, unsigned int bar, uint32_t off)
{
	uintptr_t r = bar_reg(d, bar, off, 1);

	if (!r)
		return 0xff;
	if (bar_is_io(d, bar))
		return inb((uint16_t)r);
	return *(volatile uint8_t *)r;
}

uint16_t pci_bar_read16(const struct pci_dev *d, unsigned int bar, uint32_t off)
{
	uintptr_t r = bar_reg(d, bar, off, 2);

	if (!r)
		return 0xffff;
	if (bar_is_io(d, bar))
		return inw((uint16_t)r);
	return *(volatile uint16_t *)r;
}

uint32_t pci_bar_read32(const struct pci_dev *d, unsigned int bar, uint32_t off)
{
	uintptr_t r = bar_reg(d, bar, off, 4);

	if (!r)
		return 0xffffffffu;
	if (bar_is_io(d, bar))
		return inl((uint16_t)r);
	return *(volatile uint32_t *)r;
}

void pci_bar_write8(const struct pci_dev *d, unsigned int bar, uint32_t off,
		    uint8_t v)
{
	uintptr_t r = bar_reg(d, bar, off, 1);

	if (r && bar_is_io(d, bar))
		outb((uint16_t)r, v);
	else if (r)
		*(volatile uint8_t *)r = v;
}

void pci_bar_write16(const struct pci_dev *d, unsigned int bar, uint32_t off,
		     uint16_t v)
{
	uintptr_t r = bar_reg(d, bar, off, 2);

	if (r && bar_is_io(d, bar))
		outw((uint16_t)r, v);
	else if (r)
		*(volatile uint16_t *)r = v;
}

void pci_bar_write32(const struct pci_dev *d, unsigned int bar, uint32_t off,
		     uint32_t v)
{
	uintptr_t r = bar_reg(d, bar, off, 4);

	if (r && bar_is_io(d, bar))
		outl((uint16_t)r, v);
	else if (r)
		*(volatile uint32_t *)r = v;
}

int pci_msix_enable(struct pci_dev *d)
{
	int cap = pci_cap_next(d, PCI_CAP_ID_MSIX, 0);
	uint16_t ctrl, count;
	uint32_t table;
	unsigned int bir;
	volatile uint8_t *base;

	if (cap <= 0)
		return cap < 0 ? -EBADMSG : -ENODEV;
	ctrl = pci_cfg_read16(d, (uint16_t)(cap + MSIX_CONTROL));
	table = pci_cfg_read32(d, (uint16_t)(cap + MSIX_TABLE));
	count = (uint16_t)((ctrl & 0x7ff) + 1);
	bir = table & 7;
	table &= ~7u;
	if (bir >= PCI_BAR_COUNT || d->bar[bir].kind == PCI_BAR_IO ||
	    d->bar[bir].kind == PCI_BAR_NONE ||
	    (uint64_t)table + 16u * count > d->bar[bir].size)
		return -EBADMSG;
	base = pci_bar_map(d, bir);
	if (!base)
		return -EFAULT;
	d->msix_table = (volatile uint32_t *)(base + table);
	/* Function-mask while the entries are masked one by one, then
	 * enable: no entry can fire with a stale address. */
	pci_cfg_write16(d, (uint16_t)(cap + MSIX_CONTROL),
			ctrl | MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL);
	for (unsigned int i = 0; i < count; i++)
		d->msix_table[i * MSIX_ENTRY_WORDS + 3] = MSIX_VECTOR_MASKED;
	pci_cfg_write16(d, (uint16_t)(cap + MSIX_CONTROL),
			(ctrl | MSIX_CTRL_ENABLE) & ~MSIX_CTRL_MASKALL);
	pci_cfg_write16(d, PCI_CFG_COMMAND,
			pci_cfg_read16(d, PCI_CFG_COMMAND) |
				PCI_COMMAND_INTX_DISABLE);
	d->msix_count = count;
	return count;
}

int pci_msix_route(struct pci_dev *d, unsigned int entry, int vector)
{
	volatile uint32_t *e;
	uint64_t addr = irq_msi_address();

	if (!d->msix_count || entry >= d->msix_count)
		return -EINVAL;
	e = d->msix_table + entry * MSIX_ENTRY_WORDS;
	e[3] = MSIX_VECTOR_MASKED;
	e[0] = (uint32_t)addr;
	e[1] = (uint32_t)(addr >> 32);
	e[2] = irq_msi_data(vector);
	e[3] = 0; /* unmask last, after the address and data are whole */
	return 0;
}

int pci_intx_route(struct pci_dev *d, int vector)
{
	int rc;

	if (d->irq_pin == 0 || d->irq_pin > 4 || d->irq_line == 0xff)
		return -ENODEV;
	rc = irq_route_gsi(d->irq_line, vector, IRQ_LEVEL | IRQ_ACTIVE_LOW);
	if (rc < 0)
		return rc;
	pci_cfg_write16(d, PCI_CFG_COMMAND,
			pci_cfg_read16(d, PCI_CFG_COMMAND) &
				~PCI_COMMAND_INTX_DISABLE);
	return 0;
}
