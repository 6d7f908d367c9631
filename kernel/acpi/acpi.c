/*
 * ACPI: RSDP → RSDT/XSDT → FADT → DSDT, read only as far as power-off needs.
 * The \_S5 object is found by a byte search for its AML encoding (NameOp,
 * "_S5_", PackageOp) rather than by an AML interpreter; that is what every
 * small kernel does and it holds for QEMU, Xen, Firecracker and real
 * firmware alike. Portable: the host unit tests feed it crafted tables.
 */
#include "kernel/acpi/acpi.h"

#include <torito/errno.h>
#include <torito/string.h>

#define SDT_HEADER_LEN 36
#define TABLE_MAX (1u << 20)
#define FADT_DSDT 40
#define FADT_PM1A_CNT 64
#define FADT_PM1B_CNT 68
#define FADT_FLAGS 112
#define FADT_X_DSDT 140
#define FADT_SLEEP_CONTROL 244
#define FADT_HW_REDUCED (1u << 20)

static uint8_t checksum(const uint8_t *p, uint32_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return sum;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static bool rsdp_valid(uint64_t pa, phys_map_fn map, void *ctx)
{
	const uint8_t *p = map(ctx, pa, 20);

	if (!p || memcmp(p, "RSD PTR ", 8) != 0 || checksum(p, 20) != 0)
		return false;
	if (p[15] >= 2) { /* ACPI 2.0+: extended checksum over length */
		const uint8_t *x = map(ctx, pa, 36);
		if (!x || rd32(x + 20) < 36 || rd32(x + 20) > 4096)
			return false;
		x = map(ctx, pa, rd32(x + 20));
		if (!x || checksum(x, rd32(x + 20)) != 0)
			return false;
	}
	return true;
}

uint64_t acpi_find_rsdp(uint64_t hint, phys_map_fn map, void *ctx)
{
	if (hint && rsdp_valid(hint, map, ctx))
		return hint;
	for (uint64_t pa = 0xe0000; pa < 0x100000; pa += 16)
		if (rsdp_valid(pa, map, ctx))
			return pa;
	return 0;
}

/* Maps a whole checked table at pa; NULL if it fails a check. */
static const uint8_t *table_map(uint64_t pa, phys_map_fn map, void *ctx)
{
	const uint8_t *h = map(ctx, pa, SDT_HEADER_LEN);
	uint32_t len;

	if (!h)
		return NULL;
	len = rd32(h + 4);
	if (len < SDT_HEADER_LEN || len > TABLE_MAX)
		return NULL;
	h = map(ctx, pa, len);
	if (!h || checksum(h, len) != 0)
		return NULL;
	return h;
}

static int find_table(uint64_t rsdp, phys_map_fn map, void *ctx,
		      const char *sig, const uint8_t **table)
{
	const uint8_t *r = map(ctx, rsdp, 36);
	bool xsdt = r[15] >= 2 && rd64(r + 24) != 0;
	uint64_t root_pa = xsdt ? rd64(r + 24) : rd32(r + 16);
	unsigned int esize = xsdt ? 8 : 4;
	const uint8_t *root = table_map(root_pa, map, ctx);

	if (!root || memcmp(root, xsdt ? "XSDT" : "RSDT", 4) != 0)
		return -EBADMSG;
	for (uint32_t off = SDT_HEADER_LEN; off + esize <= rd32(root + 4);
	     off += esize) {
		uint64_t pa = xsdt ? rd64(root + off) : rd32(root + off);
		const uint8_t *t = map(ctx, pa, 4);
		if (!t || memcmp(t, sig, 4) != 0)
			continue;
		*table = table_map(pa, map, ctx);
		return *table ? 0 : -EBADMSG;
	}
	return -ENOENT;
}

/* Reads one AML integer (ZeroOp, OneOp, BytePrefix n); -1 if not one. */
static int aml_small_int(const uint8_t *p, const uint8_t *end, int *used)
{
	if (p >= end)
		return -1;
	if (*p == 0x00 || *p == 0x01) {
		*used = 1;
		return *p;
	}
	if (*p == 0x0a && p + 1 < end) {
		*used = 2;
		return p[1];
	}
	return -1;
}

static int parse_s5(const uint8_t *dsdt, uint32_t len, struct acpi_poweroff *o)
{
	const uint8_t *end = dsdt + len;

	for (const uint8_t *p = dsdt + SDT_HEADER_LEN; p + 8 < end; p++) {
		int used, a, b;
		if (memcmp(p, "_S5_", 4) != 0 || p[4] != 0x12)
			continue;
		if (!(p[-1] == 0x08 || (p[-1] == '\\' && p[-2] == 0x08)))
			continue;
		p += 5;
		p += 1 + (*p >> 6); /* PkgLength: lead byte + follow bytes */
		p++;                /* NumElements */
		a = aml_small_int(p, end, &used);
		if (a < 0)
			return -EBADMSG;
		b = aml_small_int(p + used, end, &used);
		o->slp_typa = (uint8_t)a;
		o->slp_typb = (uint8_t)(b < 0 ? 0 : b);
		return 0;
	}
	return -ENOENT;
}

/* The DSDT the FADT points to (X_DSDT when present), checked. */
static int fadt_dsdt(const uint8_t *fadt, phys_map_fn map, void *ctx,
		     const uint8_t **dsdt)
{
	uint32_t flen = rd32(fadt + 4);
	uint64_t pa = flen >= FADT_X_DSDT + 8 && rd64(fadt + FADT_X_DSDT)
			      ? rd64(fadt + FADT_X_DSDT)
			      : rd32(fadt + FADT_DSDT);

	*dsdt = table_map(pa, map, ctx);
	if (!*dsdt || memcmp(*dsdt, "DSDT", 4) != 0)
		return -EBADMSG;
	return 0;
}

int acpi_parse_poweroff(uint64_t rsdp, phys_map_fn map, void *ctx,
			struct acpi_poweroff *out)
{
	const uint8_t *fadt, *dsdt;
	uint32_t flen;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!rsdp_valid(rsdp, map, ctx))
		return -EBADMSG;
	rc = find_table(rsdp, map, ctx, "FACP", &fadt);
	if (rc < 0)
		return rc;
	flen = rd32(fadt + 4);
	if (flen < FADT_FLAGS + 4)
		return -EBADMSG;
	out->pm1a_cnt = (uint16_t)rd32(fadt + FADT_PM1A_CNT);
	out->pm1b_cnt = (uint16_t)rd32(fadt + FADT_PM1B_CNT);
	if ((rd32(fadt + FADT_FLAGS) & FADT_HW_REDUCED) &&
	    flen >= FADT_SLEEP_CONTROL + 12) {
		out->hw_reduced = true;
		out->sleep_space = fadt[FADT_SLEEP_CONTROL];
		out->sleep_addr = rd64(fadt + FADT_SLEEP_CONTROL + 4);
	}
	rc = fadt_dsdt(fadt, map, ctx, &dsdt);
	if (rc < 0)
		return rc;
	return parse_s5(dsdt, rd32(dsdt + 4), out);
}

int acpi_find_dsdt(uint64_t rsdp, phys_map_fn map, void *ctx,
		   const uint8_t **dsdt)
{
	const uint8_t *fadt;
	int rc;

	if (!rsdp_valid(rsdp, map, ctx))
		return -EBADMSG;
	rc = find_table(rsdp, map, ctx, "FACP", &fadt);
	if (rc < 0)
		return rc;
	if (rd32(fadt + 4) < FADT_DSDT + 4)
		return -EBADMSG;
	return fadt_dsdt(fadt, map, ctx, dsdt);
}

static void madt_entry(const uint8_t *e, uint8_t len, struct acpi_madt_info *o)
{
	switch (e[0]) {
	case 0: /* processor local APIC: uid, apic id, flags */
		if (len < 8 || !(rd32(e + 4) & 1))
			break;
		if (o->ncpus == ACPI_MAX_CPUS)
			o->cpus_dropped++;
		else
			o->cpu_apic_id[o->ncpus++] = e[3];
		break;
	case 1: /* I/O APIC: id, reserved, address, gsi base */
		if (len < 12 || o->nioapics == ACPI_MAX_IOAPICS)
			break;
		o->ioapic[o->nioapics].id = e[2];
		o->ioapic[o->nioapics].addr = rd32(e + 4);
		o->ioapic[o->nioapics].gsi_base = rd32(e + 8);
		o->nioapics++;
		break;
	case 2: /* interrupt source override: bus, irq, gsi, flags */
		if (len < 10 || o->noverrides == ACPI_MAX_OVERRIDES)
			break;
		o->override[o->noverrides].irq = e[3];
		o->override[o->noverrides].gsi = rd32(e + 4);
		o->override[o->noverrides].flags = (uint16_t)(e[8] | e[9] << 8);
		o->noverrides++;
		break;
	case 9: /* processor local x2APIC: reserved, x2apic id, flags */
		if (len < 16 || !(rd32(e + 8) & 1))
			break;
		if (o->ncpus == ACPI_MAX_CPUS)
			o->cpus_dropped++;
		else
			o->cpu_apic_id[o->ncpus++] = rd32(e + 4);
		break;
	}
}

int acpi_parse_madt(uint64_t rsdp, phys_map_fn map, void *ctx,
		    struct acpi_madt_info *out)
{
	const uint8_t *madt;
	uint32_t len, off;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!rsdp_valid(rsdp, map, ctx))
		return -EBADMSG;
	rc = find_table(rsdp, map, ctx, "APIC", &madt);
	if (rc < 0)
		return rc;
	len = rd32(madt + 4);
	if (len < SDT_HEADER_LEN + 8)
		return -EBADMSG;
	out->lapic_addr = rd32(madt + SDT_HEADER_LEN);
	for (off = SDT_HEADER_LEN + 8; off + 2 <= len;) {
		uint8_t elen = madt[off + 1];
		if (elen < 2 || elen > len - off)
			return -EBADMSG;
		madt_entry(madt + off, elen, out);
		off += elen;
	}
	return 0;
}

int acpi_parse_mcfg(uint64_t rsdp, phys_map_fn map, void *ctx,
		    struct acpi_ecam *out)
{
	const uint8_t *mcfg;
	uint32_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!rsdp_valid(rsdp, map, ctx))
		return -EBADMSG;
	rc = find_table(rsdp, map, ctx, "MCFG", &mcfg);
	if (rc < 0)
		return rc;
	len = rd32(mcfg + 4);
	/* Header (36) + 8 reserved, then 16-byte allocation entries:
	 * base (8), segment (2), start bus (1), end bus (1), reserved (4). */
	for (uint32_t off = SDT_HEADER_LEN + 8; off + 16 <= len; off += 16) {
		const uint8_t *e = mcfg + off;
		if ((e[8] | e[9] << 8) != 0 || e[11] < e[10] || rd64(e) == 0)
			continue;
		out->base = rd64(e);
		out->bus_start = e[10];
		out->bus_end = e[11];
		return 0;
	}
	return -ENOENT;
}
