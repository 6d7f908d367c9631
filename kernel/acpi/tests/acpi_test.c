/*
 * Host unit tests for ACPI power-off discovery: a well-formed RSDP (v1 and
 * v2) → RSDT/XSDT → FADT → DSDT chain with \_S5, a hardware-reduced FADT,
 * and broken tables (bad checksums, lengths past memory, missing \_S5).
 */
#include <stdint.h>
#include <string.h>

#include <torito/errno.h>

#include "kernel/acpi/acpi.h"
#include "testing/unit/check.h"

#define MEM_SIZE 0x100000
static uint8_t mem[MEM_SIZE];

static const void *test_map(void *ctx, uint64_t pa, uint64_t len)
{
	(void)ctx;
	if (pa >= MEM_SIZE || len > MEM_SIZE - pa)
		return NULL;
	return mem + pa;
}

static void fix_checksum(uint8_t *p, uint32_t len, uint32_t at)
{
	uint8_t sum = 0;
	p[at] = 0;
	for (uint32_t i = 0; i < len; i++)
		sum += p[i];
	p[at] = (uint8_t)-sum;
}

static void sdt(uint32_t pa, const char *sig, uint32_t len)
{
	memcpy(mem + pa, sig, 4);
	memcpy(mem + pa + 4, &len, 4);
	mem[pa + 8] = 2;
}

#define RSDP 0xe0010
#define RSDT 0x1000
#define XSDT 0x1100
#define FADT 0x2000
#define DSDT 0x3000

static void build(int rsdp_rev, int hw_reduced)
{
	static const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06,
				       0x04, 0x0a, 0x05, 0x0a, 0x07, 0x00,
				       0x00 };
	uint32_t fadt_len = 276, v;
	uint64_t x;

	memset(mem, 0, sizeof(mem));
	memcpy(mem + RSDP, "RSD PTR ", 8);
	mem[RSDP + 15] = (uint8_t)rsdp_rev;
	v = RSDT;
	memcpy(mem + RSDP + 16, &v, 4);
	if (rsdp_rev >= 2) {
		v = 36;
		memcpy(mem + RSDP + 20, &v, 4);
		x = XSDT;
		memcpy(mem + RSDP + 24, &x, 8);
	}
	fix_checksum(mem + RSDP, 20, 8);
	if (rsdp_rev >= 2)
		fix_checksum(mem + RSDP, 36, 32);

	sdt(RSDT, "RSDT", 36 + 8);
	v = 0x9000; /* an unrelated table first (unreadable: skipped) */
	memcpy(mem + RSDT + 36, &v, 4);
	v = 0xfffff0; /* beyond memory: skipped */
	memcpy(mem + RSDT + 36, &v, 4);
	v = FADT;
	memcpy(mem + RSDT + 40, &v, 4);
	fix_checksum(mem + RSDT, 44, 9);
	sdt(XSDT, "XSDT", 36 + 8);
	x = FADT;
	memcpy(mem + XSDT + 36, &x, 8);
	fix_checksum(mem + XSDT, 44, 9);

	sdt(FADT, "FACP", fadt_len);
	v = DSDT;
	memcpy(mem + FADT + 40, &v, 4);
	v = 0x604;
	memcpy(mem + FADT + 64, &v, 4);
	if (hw_reduced) {
		v = 1u << 20;
		memcpy(mem + FADT + 112, &v, 4);
		mem[FADT + 244] = 1; /* I/O space */
		x = 0x605;
		memcpy(mem + FADT + 248, &x, 8);
	}
	fix_checksum(mem + FADT, fadt_len, 9);

	sdt(DSDT, "DSDT", 36 + sizeof(aml));
	memcpy(mem + DSDT + 36, aml, sizeof(aml));
	fix_checksum(mem + DSDT, 36 + sizeof(aml), 9);
}

#define MADT 0x4000

/* Adds a MADT to the RSDT built by build(): 3 CPUs (one disabled), an
 * IOAPIC, an override, and an x2APIC CPU. */
static void add_madt(int bad_entry_len)
{
	static const uint8_t entries[] = {
		0, 8, 0, 0, 1, 0, 0, 0,	     /* cpu apic 0, enabled */
		0, 8, 1, 1, 0, 0, 0, 0,	     /* cpu apic 1, disabled */
		0, 8, 2, 2, 1, 0, 0, 0,	     /* cpu apic 2, enabled */
		1, 12, 9, 0, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0, /* ioapic 9 */
		2, 10, 0, 0, 2, 0, 0, 0, 0, 0,	/* irq0 -> gsi2 */
		9, 16, 0, 0, 7, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, /* x2apic 263 */
	};
	uint32_t len = 44 + sizeof(entries), v = 0xfee00000;

	sdt(MADT, "APIC", len);
	memcpy(mem + MADT + 36, &v, 4);
	memcpy(mem + MADT + 44, entries, sizeof(entries));
	if (bad_entry_len)
		mem[MADT + 44 + 8 + 1] = 200; /* runs past the table */
	fix_checksum(mem + MADT, len, 9);
	v = MADT;
	memcpy(mem + RSDT + 36, &v, 4); /* replaces the unreadable entry */
	fix_checksum(mem + RSDT, 44, 9);
}

static void test_madt(void)
{
	struct acpi_madt_info mi;

	build(0, 0);
	add_madt(0);
	CHECK_EQ(acpi_parse_madt(RSDP, test_map, NULL, &mi), 0);
	CHECK_EQ(mi.lapic_addr, 0xfee00000);
	CHECK_EQ(mi.ncpus, 3);
	CHECK_EQ(mi.cpu_apic_id[0], 0);
	CHECK_EQ(mi.cpu_apic_id[1], 2);
	CHECK_EQ(mi.cpu_apic_id[2], 263);
	CHECK_EQ(mi.nioapics, 1);
	CHECK_EQ(mi.ioapic[0].id, 9);
	CHECK_EQ(mi.ioapic[0].addr, 0xfec00000);
	CHECK_EQ(mi.noverrides, 1);
	CHECK_EQ(mi.override[0].irq, 0);
	CHECK_EQ(mi.override[0].gsi, 2);

	build(0, 0);
	add_madt(1);
	CHECK_EQ(acpi_parse_madt(RSDP, test_map, NULL, &mi), -EBADMSG);

	build(0, 0);
	CHECK_EQ(acpi_parse_madt(RSDP, test_map, NULL, &mi), -ENOENT);
}

static void test_find_dsdt(void)
{
	const uint8_t *dsdt = NULL;

	build(2, 0);
	CHECK_EQ(acpi_find_dsdt(RSDP, test_map, NULL, &dsdt), 0);
	CHECK(dsdt == mem + DSDT);
	build(0, 0);
	mem[DSDT + 36] ^= 1; /* DSDT checksum */
	CHECK_EQ(acpi_find_dsdt(RSDP, test_map, NULL, &dsdt), -EBADMSG);
}

#define MCFG 0x5000

static void test_mcfg(void)
{
	struct acpi_ecam ecam;
	uint8_t entry[16] = { 0 };
	uint64_t base = 0xb0000000;
	uint32_t v;

	build(0, 0);
	CHECK_EQ(acpi_parse_mcfg(RSDP, test_map, NULL, &ecam), -ENOENT);
	sdt(MCFG, "MCFG", 36 + 8 + 16);
	memcpy(entry, &base, 8);
	entry[10] = 0;
	entry[11] = 255;
	memcpy(mem + MCFG + 44, entry, 16);
	fix_checksum(mem + MCFG, 60, 9);
	v = MCFG;
	memcpy(mem + RSDT + 36, &v, 4);
	fix_checksum(mem + RSDT, 44, 9);
	CHECK_EQ(acpi_parse_mcfg(RSDP, test_map, NULL, &ecam), 0);
	CHECK_EQ(ecam.base, 0xb0000000);
	CHECK_EQ(ecam.bus_end, 255);
	/* An entry whose end bus is below its start is ignored. */
	mem[MCFG + 44 + 10] = 9;
	mem[MCFG + 44 + 11] = 3;
	fix_checksum(mem + MCFG, 60, 9);
	CHECK_EQ(acpi_parse_mcfg(RSDP, test_map, NULL, &ecam), -ENOENT);
	mem[MCFG + 20] ^= 0xff; /* checksum broken */
	CHECK_EQ(acpi_parse_mcfg(RSDP, test_map, NULL, &ecam), -EBADMSG);
}

int main(void)
{
	struct acpi_poweroff po;

	test_madt();
	test_mcfg();
	test_find_dsdt();

	build(0, 0);
	CHECK_EQ(acpi_find_rsdp(0, test_map, NULL), RSDP);
	CHECK_EQ(acpi_find_rsdp(RSDP, test_map, NULL), RSDP);
	CHECK_EQ(acpi_parse_poweroff(RSDP, test_map, NULL, &po), 0);
	CHECK_EQ(po.pm1a_cnt, 0x604);
	CHECK_EQ(po.slp_typa, 5);
	CHECK_EQ(po.slp_typb, 7);
	CHECK(!po.hw_reduced);

	build(2, 1);
	CHECK_EQ(acpi_parse_poweroff(RSDP, test_map, NULL, &po), 0);
	CHECK(po.hw_reduced);
	CHECK_EQ(po.sleep_space, 1);
	CHECK_EQ(po.sleep_addr, 0x605);

	/* A bad hint falls back to the scan. */
	CHECK_EQ(acpi_find_rsdp(0x500, test_map, NULL), RSDP);

	build(0, 0);
	mem[RSDP + 3] ^= 1; /* signature and checksum broken */
	CHECK_EQ(acpi_find_rsdp(0, test_map, NULL), 0);
	CHECK_EQ(acpi_parse_poweroff(RSDP, test_map, NULL, &po), -EBADMSG);

	build(0, 0);
	mem[FADT + 64] ^= 1; /* FADT checksum */
	CHECK_EQ(acpi_parse_poweroff(RSDP, test_map, NULL, &po), -EBADMSG);

	build(0, 0);
	{
		uint32_t huge = 0x7fffffff;
		memcpy(mem + DSDT + 4, &huge, 4); /* length past memory */
	}
	CHECK_EQ(acpi_parse_poweroff(RSDP, test_map, NULL, &po), -EBADMSG);

	build(0, 0);
	mem[DSDT + 36 + 4] = 'X'; /* no \_S5 any more */
	fix_checksum(mem + DSDT, 36 + 14, 9);
	CHECK_EQ(acpi_parse_poweroff(RSDP, test_map, NULL, &po), -ENOENT);

	build(0, 0);
	mem[DSDT + 36 + 8] = 0x0c; /* DWordPrefix: not a small integer */
	fix_checksum(mem + DSDT, 36 + 14, 9);
	CHECK_EQ(acpi_parse_poweroff(RSDP, test_map, NULL, &po), -EBADMSG);

	/* The package truncated at the end of the table. */
	build(0, 0);
	{
		uint32_t shorter = 36 + 9;
		memcpy(mem + DSDT + 4, &shorter, 4);
		fix_checksum(mem + DSDT, shorter, 9);
	}
	CHECK(acpi_parse_poweroff(RSDP, test_map, NULL, &po) < 0);
	return check_done();
}
