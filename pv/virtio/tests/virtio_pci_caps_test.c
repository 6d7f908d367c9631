/*
 * Host unit tests for the modern virtio-pci capability parser: QEMU's
 * layout (five vendor capabilities in a 64-bit BAR, MSI-X in another),
 * duplicates (the first usable wins), and what a broken or hostile device
 * could present: reserved and I/O BARs, ranges outside or wrapping past
 * their BAR, short capabilities, a looping list, missing structures.
 */
#include <stdint.h>
#include <string.h>

#include <torito/errno.h>
#include <torito/pci.h>

#include "pv/virtio/virtio_pci.h"
#include "testing/unit/check.h"

static uint8_t cfg[256];
static struct pci_bar bars[PCI_BAR_COUNT];
static struct virtio_pci_caps caps;

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* A virtio_pci_cap at off, linked to next. */
static void vcap(uint8_t off, uint8_t next, uint8_t type, uint8_t bar,
		 uint32_t offset, uint32_t length, uint8_t cap_len)
{
	cfg[off] = PCI_CAP_ID_VENDOR;
	cfg[off + 1] = next;
	cfg[off + 2] = cap_len;
	cfg[off + 3] = type;
	cfg[off + 4] = bar;
	put32(cfg + off + 8, offset);
	put32(cfg + off + 12, length);
}

/* What QEMU's virtio-net-pci shows (hw/virtio/virtio-pci.c). */
static void qemu_layout(void)
{
	memset(cfg, 0, sizeof(cfg));
	memset(bars, 0, sizeof(bars));
	cfg[PCI_CFG_STATUS] = PCI_STATUS_CAP_LIST;
	cfg[PCI_CFG_CAP_PTR] = 0x98;
	cfg[0x98] = PCI_CAP_ID_MSIX;
	cfg[0x99] = 0x84;
	vcap(0x84, 0x70, VIRTIO_PCI_CAP_NOTIFY_CFG, 4, 0x3000, 0x1000, 20);
	put32(cfg + 0x84 + 16, 4);
	vcap(0x70, 0x60, VIRTIO_PCI_CAP_DEVICE_CFG, 4, 0x2000, 0x1000, 16);
	vcap(0x60, 0x50, VIRTIO_PCI_CAP_ISR_CFG, 4, 0x1000, 0x1000, 16);
	vcap(0x50, 0x40, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0x0000, 0x1000, 16);
	vcap(0x40, 0x00, 5 /* PCI cfg access */, 0, 0, 0, 20);
	bars[0] = (struct pci_bar){ 0xc040, 0x20, PCI_BAR_IO, false };
	bars[1] = (struct pci_bar){ 0xfebd1000, 0x1000, PCI_BAR_MEM32, false };
	bars[4] = (struct pci_bar){ 0xfe000000, 0x4000, PCI_BAR_MEM64, true };
}

static void test_qemu(void)
{
	qemu_layout();
	CHECK_EQ(virtio_pci_parse_caps_raw(cfg, 256, bars, &caps), 0);
	CHECK(caps.common.present && caps.common.bar == 4);
	CHECK_EQ(caps.common.offset, 0);
	CHECK_EQ(caps.isr.offset, 0x1000);
	CHECK_EQ(caps.device.offset, 0x2000);
	CHECK_EQ(caps.notify.offset, 0x3000);
	CHECK_EQ(caps.notify.length, 0x1000);
	CHECK_EQ(caps.notify_off_multiplier, 4);
}

static void test_first_usable_wins(void)
{
	qemu_layout();
	/* The PCI-cfg capability becomes a second common one (BAR 1);
	 * the list order puts it after the first. */
	vcap(0x40, 0x00, VIRTIO_PCI_CAP_COMMON_CFG, 1, 0, 0x100, 16);
	CHECK_EQ(virtio_pci_parse_caps_raw(cfg, 256, bars, &caps), 0);
	CHECK_EQ(caps.common.bar, 4);
	/* Now the first is unusable (I/O BAR): the second is taken. */
	cfg[0x50 + 4] = 0;
	CHECK_EQ(virtio_pci_parse_caps_raw(cfg, 256, bars, &caps), 0);
	CHECK_EQ(caps.common.bar, 1);
}

static void test_unusable_regions(void)
{
	/* Each variant spoils the common capability: not modern. */
	static const struct {
		uint8_t bar;
		uint32_t offset, length;
		uint8_t cap_len;
	} bad[] = {
		{ 6, 0, 0x1000, 16 },	       /* reserved BAR */
		{ 0, 0, 0x10, 16 },	       /* I/O BAR */
		{ 2, 0, 0x1000, 16 },	       /* BAR not implemented */
		{ 4, 0x3800, 0x1000, 16 },     /* past the end */
		{ 4, 0xfffff000, 0x2000, 16 }, /* wraps */
		{ 4, 0x4001, 0, 16 },	       /* offset past the end */
		{ 4, 0, 0x20, 16 },	       /* shorter than the struct */
		{ 4, 0, 0x1000, 12 },	       /* capability too short */
		{ 4, 0, 0x1000, 0xc0 },	       /* capability past 256 */
	};
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		qemu_layout();
		vcap(0x50, 0x40, VIRTIO_PCI_CAP_COMMON_CFG, bad[i].bar,
		     bad[i].offset, bad[i].length, bad[i].cap_len);
		int rc = virtio_pci_parse_caps_raw(cfg, 256, bars, &caps);
		if (rc != -ENODEV)
			fprintf(stderr, "variant %u: rc %d\n", i, rc);
		CHECK_EQ(rc, -ENODEV);
	}
	/* A notify capability without its multiplier field. */
	qemu_layout();
	cfg[0x84 + 2] = 16;
	CHECK_EQ(virtio_pci_parse_caps_raw(cfg, 256, bars, &caps), -EBADMSG);
}

static void test_missing_and_malformed(void)
{
	qemu_layout();
	cfg[0x60 + 3] = 9; /* ISR capability becomes an unknown type */
	CHECK_EQ(virtio_pci_parse_caps_raw(cfg, 256, bars, &caps), -EBADMSG);
	qemu_layout();
	cfg[0x40 + 1] = 0x84; /* a loop back to notify */
	CHECK_EQ(virtio_pci_parse_caps_raw(cfg, 256, bars, &caps), -EBADMSG);
	qemu_layout();
	cfg[PCI_CFG_STATUS] = 0; /* no capability list: a legacy device */
	CHECK_EQ(virtio_pci_parse_caps_raw(cfg, 256, bars, &caps), -ENODEV);
	/* A short snapshot cuts the list. */
	qemu_layout();
	CHECK_EQ(virtio_pci_parse_caps_raw(cfg, 0x90, bars, &caps), -EBADMSG);
	/* A vendor capability in the last bytes of the space. */
	qemu_layout();
	cfg[0x40 + 1] = 0xfc;
	cfg[0xfc] = PCI_CAP_ID_VENDOR;
	cfg[0xfd] = 0;
	cfg[0xfe] = 16;
	cfg[0xff] = VIRTIO_PCI_CAP_COMMON_CFG;
	CHECK_EQ(virtio_pci_parse_caps_raw(cfg, 256, bars, &caps), 0);
}

int main(void)
{
	test_qemu();
	test_first_usable_wins();
	test_unusable_regions();
	test_missing_and_malformed();
	return check_done();
}
