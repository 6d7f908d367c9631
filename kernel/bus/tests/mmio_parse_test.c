/*
 * Host unit tests for virtio-mmio discovery: the `virtio_mmio.device=`
 * command-line syntax (QEMU microvm's and Firecracker's forms, suffixes,
 * the optional id, malformed and oversized entries), and the DSDT scan
 * over AML laid out as QEMU's hw/i386/acpi-microvm.c emits it, plus
 * truncated and inconsistent resource templates.
 */
#include <stdint.h>
#include <string.h>

#include <torito/driver.h>

#include "kernel/bus/mmio_parse.h"
#include "testing/unit/check.h"

static struct mmio_dev out[4];
static unsigned int bad;

static void test_cmdline_qemu(void)
{
	unsigned int n = mmio_parse_cmdline(
		"hi virtio_mmio.device=512@0xfeb00e00:12", out, 4, &bad);
	CHECK_EQ(n, 1);
	CHECK_EQ(bad, 0);
	CHECK_EQ(out[0].base, 0xfeb00e00);
	CHECK_EQ(out[0].size, 512);
	CHECK_EQ(out[0].gsi, 12);
	CHECK_EQ(out[0].irq_flags, IRQ_LEVEL);
	CHECK_EQ(out[0].source, MMIO_SRC_CMDLINE);
	CHECK_STR(out[0].kind, MMIO_KIND_VIRTIO);
}

static void test_cmdline_forms(void)
{
	/* Firecracker's form (K suffix, id), several devices, tabs. */
	unsigned int n = mmio_parse_cmdline(
		"console=ttyS0 virtio_mmio.device=4K@0xd0000000:5:1\t"
		"virtio_mmio.device=0x1000@0xd0001000:6 reboot=k",
		out, 4, &bad);
	CHECK_EQ(n, 2);
	CHECK_EQ(bad, 0);
	CHECK_EQ(out[0].size, 4096);
	CHECK_EQ(out[0].base, 0xd0000000u);
	CHECK_EQ(out[0].gsi, 5);
	CHECK_EQ(out[1].size, 0x1000);
	CHECK_EQ(out[1].gsi, 6);
	n = mmio_parse_cmdline("virtio_mmio.device=1M@1073741824:7", out, 4,
			       &bad);
	CHECK_EQ(n, 1);
	CHECK_EQ(out[0].size, 1u << 20);
	CHECK_EQ(out[0].base, 1u << 30);
}

static void test_cmdline_refused(void)
{
	static const char *const bad_entries[] = {
		"virtio_mmio.device=",
		"virtio_mmio.device=512",
		"virtio_mmio.device=512@",
		"virtio_mmio.device=512@0xfeb00000",
		"virtio_mmio.device=512@0xfeb00000:",
		"virtio_mmio.device=512@0xfeb00000:x",
		"virtio_mmio.device=512@0xfeb00000:5junk",
		"virtio_mmio.device=512@0xfeb00000:5:",
		"virtio_mmio.device=0@0xfeb00000:5",
		"virtio_mmio.device=255@0xfeb00000:5",
		"virtio_mmio.device=512@0xfffffffffffffff0:5",
		"virtio_mmio.device=512@0x1ffffffffffffffffff:5",
		"virtio_mmio.device=99999999999G@0x1000:5",
		"virtio_mmio.device=512@0xfeb00000:1024",
		"virtio_mmio.device=512@0xfeb00000:0x5",
	};
	for (unsigned int i = 0; i < sizeof(bad_entries) / sizeof(*bad_entries);
	     i++) {
		unsigned int n =
			mmio_parse_cmdline(bad_entries[i], out, 4, &bad);
		if (n != 0 || bad != 1)
			fprintf(stderr, "accepted: %s\n", bad_entries[i]);
		CHECK_EQ(n, 0);
		CHECK_EQ(bad, 1);
	}
	/* Look-alike keys are not ours; nothing is refused. */
	CHECK_EQ(mmio_parse_cmdline("xvirtio_mmio.device=512@0x1000:5 "
				    "virtio_mmio.devices=512@0x1000:5",
				    out, 4, &bad),
		 0);
	CHECK_EQ(bad, 0);
	CHECK_EQ(mmio_parse_cmdline("", out, 4, &bad), 0);
	CHECK_EQ(bad, 0);
}

static void test_cmdline_full(void)
{
	char line[512] = "";
	for (int i = 0; i < 6; i++) {
		char e[64];
		snprintf(e, sizeof(e), " virtio_mmio.device=512@0x%x:%d",
			 0xfeb00000 + 0x200 * i, 5 + i);
		strcat(line, e);
	}
	CHECK_EQ(mmio_parse_cmdline(line, out, 4, &bad), 4);
	CHECK_EQ(bad, 2);
	CHECK_EQ(out[3].base, 0xfeb00600);
}

/* A DSDT with one microvm-style device per (base, irq) pair. */
static size_t build_dsdt(uint8_t *t, size_t cap, const uint32_t *bases,
			 const uint32_t *irqs, unsigned int n,
			 uint8_t irq_flags)
{
	size_t len = 36;

	memset(t, 0, cap);
	memcpy(t, "DSDT", 4);
	for (unsigned int i = 0; i < n; i++) {
		uint8_t dev[] = {
			0x5b,
			0x82,
			0x3f,
			'V',
			'R',
			'0',
			(uint8_t)('0' + i),
			0x08,
			'_',
			'H',
			'I',
			'D',
			0x0d,
			'L',
			'N',
			'R',
			'O',
			'0',
			'0',
			'0',
			'5',
			0x00,
			0x08,
			'_',
			'U',
			'I',
			'D',
			0x0a,
			(uint8_t)i,
			0x08,
			'_',
			'C',
			'C',
			'A',
			0x01,
			0x08,
			'_',
			'C',
			'R',
			'S',
			0x11,
			0x1a,
			0x0a,
			0x17,
			0x86,
			0x09,
			0x00,
			0x01,
			0,
			0,
			0,
			0,
			0x00,
			0x02,
			0,
			0,
			0x89,
			0x06,
			0x00,
			irq_flags,
			0x01,
			0,
			0,
			0,
			0,
			0x79,
			0x00,
		};
		memcpy(dev + 48, &bases[i], 4);
		memcpy(dev + 61, &irqs[i], 4);
		memcpy(t + len, dev, sizeof(dev));
		len += sizeof(dev);
	}
	memcpy(t + 4, &len, 4);
	return len;
}

static void test_dsdt_microvm(void)
{
	static const uint32_t bases[] = { 0xfeb00e00, 0xfeb00c00 };
	static const uint32_t irqs[] = { 31, 30 };
	uint8_t t[512];
	size_t len = build_dsdt(t, sizeof(t), bases, irqs, 2, 0x01);

	CHECK_EQ(mmio_parse_dsdt(t, len, out, 4, &bad), 2);
	CHECK_EQ(bad, 0);
	CHECK_EQ(out[0].base, 0xfeb00e00);
	CHECK_EQ(out[0].size, 0x200);
	CHECK_EQ(out[0].gsi, 31);
	CHECK_EQ(out[0].irq_flags, IRQ_LEVEL);
	CHECK_EQ(out[0].source, MMIO_SRC_ACPI);
	CHECK_EQ(out[1].base, 0xfeb00c00);
	CHECK_EQ(out[1].gsi, 30);
	/* Edge, active low (flags: consumer | edge | low). */
	len = build_dsdt(t, sizeof(t), bases, irqs, 1, 0x07);
	CHECK_EQ(mmio_parse_dsdt(t, len, out, 4, &bad), 1);
	CHECK_EQ(out[0].irq_flags, IRQ_ACTIVE_LOW);
	/* No room: counted. */
	len = build_dsdt(t, sizeof(t), bases, irqs, 2, 0x01);
	CHECK_EQ(mmio_parse_dsdt(t, len, out, 1, &bad), 1);
	CHECK_EQ(bad, 1);
}

static void test_dsdt_legacy_irq(void)
{
	static const uint32_t bases[] = { 0xfeb00000 };
	static const uint32_t irqs[] = { 0 };
	uint8_t t[512];
	size_t len = build_dsdt(t, sizeof(t), bases, irqs, 1, 0x01);
	/* Replace the extended interrupt by IRQ {10} (3-byte form,
	 * level, active low) and pad with an end tag. */
	static const uint8_t irq[] = { 0x23, 0x00, 0x04, 0x18, 0x79,
				       0x00, 0x79, 0x00, 0x79 };
	memcpy(t + 36 + 56, irq, sizeof(irq));
	CHECK_EQ(mmio_parse_dsdt(t, len, out, 4, &bad), 1);
	CHECK_EQ(out[0].gsi, 10);
	CHECK_EQ(out[0].irq_flags, IRQ_LEVEL | IRQ_ACTIVE_LOW);
}

static void test_dsdt_broken(void)
{
	static const uint32_t bases[] = { 0xfeb00000 };
	static const uint32_t irqs[] = { 5 };
	uint8_t t[512];
	size_t len;

	/* Table cut inside the resource template. */
	len = build_dsdt(t, sizeof(t), bases, irqs, 1, 0x01);
	CHECK_EQ(mmio_parse_dsdt(t, len - 10, out, 4, &bad), 0);
	CHECK_EQ(bad, 1);
	/* Buffer PkgLength larger than the table. */
	len = build_dsdt(t, sizeof(t), bases, irqs, 1, 0x01);
	t[36 + 41] = 0x3f;
	CHECK_EQ(mmio_parse_dsdt(t, len, out, 4, &bad), 0);
	CHECK_EQ(bad, 1);
	/* A large descriptor claiming more bytes than the buffer has. */
	len = build_dsdt(t, sizeof(t), bases, irqs, 1, 0x01);
	t[36 + 45] = 0x40;
	CHECK_EQ(mmio_parse_dsdt(t, len, out, 4, &bad), 0);
	CHECK_EQ(bad, 1);
	/* No interrupt (the interrupt descriptor turned into a vendor one). */
	len = build_dsdt(t, sizeof(t), bases, irqs, 1, 0x01);
	t[36 + 56] = 0x84;
	CHECK_EQ(mmio_parse_dsdt(t, len, out, 4, &bad), 0);
	CHECK_EQ(bad, 1);
	/* No _CRS at all. */
	len = build_dsdt(t, sizeof(t), bases, irqs, 1, 0x01);
	t[36 + 36] = 'X';
	CHECK_EQ(mmio_parse_dsdt(t, len, out, 4, &bad), 0);
	CHECK_EQ(bad, 1);
	/* The HID at the very end of the table. */
	len = build_dsdt(t, sizeof(t), bases, irqs, 1, 0x01);
	CHECK_EQ(mmio_parse_dsdt(t, 36 + 22, out, 4, &bad), 0);
	CHECK_EQ(bad, 1);
	/* A header-only table. */
	CHECK_EQ(mmio_parse_dsdt(t, 36, out, 4, &bad), 0);
	CHECK_EQ(bad, 0);
}

int main(void)
{
	test_cmdline_qemu();
	test_cmdline_forms();
	test_cmdline_refused();
	test_cmdline_full();
	test_dsdt_microvm();
	test_dsdt_legacy_irq();
	test_dsdt_broken();
	return check_done();
}
