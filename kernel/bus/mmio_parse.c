/*
 * Parsers for the two places a platform declares virtio-mmio devices; the
 * bus (mmio_bus.c) calls them at INIT_DEVICES and merges the results.
 *
 * The command line follows Linux's drivers/virtio/virtio_mmio.c:
 * `virtio_mmio.device=<size>@<base>:<irq>[:<id>]`, one device per entry.
 * The DSDT is not interpreted: like the \_S5 lookup in kernel/acpi, the
 * scan looks for the AML encoding of `Name (_HID, "LNRO0005")` and then the
 * next `Name (_CRS, Buffer)` and decodes its resource descriptors. That is
 * how QEMU microvm (hw/i386/acpi-microvm.c) and Firecracker describe the
 * transports; _STA methods and resources built by methods are left out.
 * Both inputs are untrusted: every length is checked against the bytes
 * that are really there, and a bad entry is counted and skipped.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <torito/driver.h>
#include <torito/string.h>

#include "kernel/bus/mmio_parse.h"

#define CMDLINE_KEY    "virtio_mmio.device="
#define MIN_SIZE       0x100
#define MAX_GSI	       1023
#define CRS_WINDOW     512 /* bytes after _HID searched for the _CRS */
#define SDT_HEADER_LEN 36

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

static int digit(char c, unsigned int base)
{
	int v = -1;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	return v >= 0 && (unsigned int)v < base ? v : -1;
}

/*
 * Reads an unsigned number at *s in base (0: C notation). Advances *s;
 * returns false if there are no digits or the value overflows.
 */
static bool parse_num(const char **s, unsigned int base, uint64_t *out)
{
	const char *p = *s;
	uint64_t v = 0;
	int d;

	if (base == 0) {
		base = 10;
		if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
		    digit(p[2], 16) >= 0) {
			base = 16;
			p += 2;
		} else if (p[0] == '0') {
			base = 8;
		}
	}
	if (digit(*p, base) < 0)
		return false;
	for (; (d = digit(*p, base)) >= 0; p++) {
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return false;
		v = v * base + (uint64_t)d;
	}
	*s = p;
	*out = v;
	return true;
}

/* A memparse-style size: a number with an optional K/M/G suffix. */
static bool parse_size(const char **s, uint64_t *out)
{
	unsigned int shift = 0;

	if (!parse_num(s, 0, out))
		return false;
	switch (**s) {
	case 'k':
	case 'K': shift = 10; break;
	case 'm':
	case 'M': shift = 20; break;
	case 'g':
	case 'G': shift = 30; break;
	}
	if (shift) {
		if (*out > (UINT64_MAX >> shift))
			return false;
		*out <<= shift;
		(*s)++;
	}
	return true;
}

/* Parses one value (after the key) ending at end; false if malformed. */
static bool parse_entry(const char *s, const char *end, struct mmio_dev *d)
{
	uint64_t size, base, irq, id;

	if (!parse_size(&s, &size) || *s++ != '@' || !parse_num(&s, 0, &base) ||
	    *s++ != ':' || !parse_num(&s, 10, &irq))
		return false;
	if (s < end && *s == ':') {
		s++;
		if (!parse_num(&s, 10, &id))
			return false;
	}
	if (s != end || size < MIN_SIZE || base + size < base || irq > MAX_GSI)
		return false;
	memset(d, 0, sizeof(*d));
	d->base = base;
	d->size = size;
	d->gsi = (uint32_t)irq;
	d->irq_flags = IRQ_LEVEL;
	d->source = MMIO_SRC_CMDLINE;
	d->kind = MMIO_KIND_VIRTIO;
	return true;
}

unsigned int mmio_parse_cmdline(const char *cmdline, struct mmio_dev *out,
				unsigned int max, unsigned int *bad)
{
	const size_t klen = sizeof(CMDLINE_KEY) - 1;
	unsigned int n = 0;
	const char *p = cmdline;

	*bad = 0;
	while (*p) {
		const char *end;
		while (is_space(*p))
			p++;
		for (end = p; *end && !is_space(*end); end++)
			;
		if ((size_t)(end - p) >= klen &&
		    strncmp(p, CMDLINE_KEY, klen) == 0) {
			if (n < max && parse_entry(p + klen, end, &out[n]))
				n++;
			else
				(*bad)++;
		}
		p = end;
	}
	return n;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/*
 * Decodes an AML PkgLength at p (avail bytes readable): returns the number
 * of bytes it covers (itself included) and sets *hdr to its own size, or
 * returns 0 if it does not fit.
 */
static size_t aml_pkg_length(const uint8_t *p, size_t avail, size_t *hdr)
{
	unsigned int follow;
	size_t len;

	if (avail < 1)
		return 0;
	follow = p[0] >> 6;
	if (avail < 1 + (size_t)follow)
		return 0;
	if (follow == 0) {
		len = p[0] & 0x3f;
	} else {
		len = p[0] & 0x0f;
		for (unsigned int i = 0; i < follow; i++)
			len |= (size_t)p[1 + i] << (4 + 8 * i);
	}
	*hdr = 1 + follow;
	return len >= *hdr && len <= avail ? len : 0;
}

/* Reads an AML integer constant (Zero, One, Byte/Word/DWord prefix). */
static bool aml_int(const uint8_t *p, size_t avail, uint32_t *v, size_t *used)
{
	static const uint8_t width[] = { [0x0a] = 1, [0x0b] = 2, [0x0c] = 4 };

	if (avail >= 1 && (p[0] == 0x00 || p[0] == 0x01)) {
		*v = p[0];
		*used = 1;
		return true;
	}
	if (avail < 1 || p[0] < 0x0a || p[0] > 0x0c || avail < 1u + width[p[0]])
		return false;
	*v = 0;
	for (unsigned int i = 0; i < width[p[0]]; i++)
		*v |= (uint32_t)p[1 + i] << (8 * i);
	*used = 1u + width[p[0]];
	return true;
}

/* The first set bit of a legacy IRQ mask. */
static uint32_t first_irq(uint16_t mask)
{
	uint32_t irq = 0;

	while (!(mask & 1u)) {
		mask >>= 1;
		irq++;
	}
	return irq;
}

/*
 * Decodes the resource descriptors in buf[0..len): fills d's range and
 * interrupt. Returns false unless both were found and well formed.
 */
static bool parse_resources(const uint8_t *buf, size_t len, struct mmio_dev *d)
{
	bool have_mem = false, have_irq = false;
	size_t k = 0;

	while (k < len) {
		uint8_t tag = buf[k];
		if (tag & 0x80) { /* large item: tag, u16 length, body */
			if (len - k < 3)
				return false;
			size_t rlen = buf[k + 1] | (size_t)buf[k + 2] << 8;
			const uint8_t *b = buf + k + 3;
			if (rlen > len - k - 3)
				return false;
			if (tag == 0x86 && rlen >= 9) { /* Memory32Fixed */
				d->base = rd32(b + 1);
				d->size = rd32(b + 5);
				have_mem = true;
			} else if (tag == 0x89 && rlen >= 6 && b[1] >= 1 &&
				   !have_irq) { /* Extended Interrupt */
				d->gsi = rd32(b + 2);
				d->irq_flags = (b[0] & 2 ? 0 : IRQ_LEVEL) |
					       (b[0] & 4 ? IRQ_ACTIVE_LOW : 0);
				have_irq = true;
			}
			k += 3 + rlen;
			continue;
		}
		size_t slen = tag & 7;	/* small item: tag/length byte, body */
		if ((tag >> 3) == 0x0f) /* End Tag */
			break;
		if (slen > len - k - 1)
			return false;
		if ((tag >> 3) == 0x04 && slen >= 2 && !have_irq) { /* IRQ */
			uint16_t mask =
				(uint16_t)(buf[k + 1] | buf[k + 2] << 8);
			uint8_t f = slen >= 3 ? buf[k + 3] : 0x01;
			if (mask) {
				d->gsi = first_irq(mask);
				d->irq_flags = (f & 1 ? 0 : IRQ_LEVEL) |
					       (f & 8 ? IRQ_ACTIVE_LOW : 0);
				have_irq = true;
			}
		}
		k += 1 + slen;
	}
	return have_mem && have_irq && d->size >= MIN_SIZE &&
	       d->base + d->size > d->base && d->gsi <= MAX_GSI;
}

/* Decodes `Buffer` at p (BufferOp PkgLength BufferSize bytes) into d. */
static bool parse_crs_buffer(const uint8_t *p, size_t avail, struct mmio_dev *d)
{
	size_t pkg, hdr, used;
	uint32_t size;

	if (avail < 2 || p[0] != 0x11)
		return false;
	pkg = aml_pkg_length(p + 1, avail - 1, &hdr);
	if (!pkg || !aml_int(p + 1 + hdr, pkg - hdr, &size, &used))
		return false;
	size_t data = pkg - hdr - used;
	return parse_resources(p + 1 + hdr + used, MIN((size_t)size, data), d);
}

static const uint8_t hid_aml[] = { 0x08, '_', 'H', 'I', 'D', 0x0d, 'L', 'N',
				   'R',	 'O', '0', '0', '0', '5',  0x00 };
static const uint8_t crs_aml[] = { 0x08, '_', 'C', 'R', 'S' };

/* True if a LNRO0005 _HID starts at aml[i]. */
static bool hid_at(const uint8_t *aml, size_t len, size_t i)
{
	return len - i >= sizeof(hid_aml) &&
	       memcmp(aml + i, hid_aml, sizeof(hid_aml)) == 0;
}

unsigned int mmio_parse_dsdt(const uint8_t *aml, size_t len,
			     struct mmio_dev *out, unsigned int max,
			     unsigned int *bad)
{
	unsigned int n = 0;

	*bad = 0;
	for (size_t i = SDT_HEADER_LEN; i < len; i++) {
		if (!hid_at(aml, len, i))
			continue;
		size_t j = i + sizeof(hid_aml);
		size_t stop = MIN(len, j + CRS_WINDOW);
		bool ok = false;
		struct mmio_dev d;
		memset(&d, 0, sizeof(d));
		for (; j + sizeof(crs_aml) < stop && !hid_at(aml, len, j);
		     j++) {
			if (memcmp(aml + j, crs_aml, sizeof(crs_aml)) != 0)
				continue;
			j += sizeof(crs_aml);
			ok = parse_crs_buffer(aml + j, len - j, &d);
			break;
		}
		if (!ok || n == max) {
			(*bad)++;
			continue;
		}
		d.source = MMIO_SRC_ACPI;
		d.kind = MMIO_KIND_VIRTIO;
		out[n++] = d;
	}
	return n;
}
