/*
 * Host unit tests for the PCI capability walk (pci_cap_next_raw): a normal
 * list, iteration over several capabilities of one ID, reserved pointer
 * bits, and malformed lists a device could present: loops, pointers into
 * the header, capabilities running past the space, no list at all.
 */
#include <stdint.h>
#include <string.h>

#include <torito/errno.h>
#include <torito/pci.h>

#include "testing/unit/check.h"

static uint8_t cfg[256];

static void reset(uint8_t first)
{
	memset(cfg, 0, sizeof(cfg));
	cfg[PCI_CFG_STATUS] = PCI_STATUS_CAP_LIST;
	cfg[PCI_CFG_CAP_PTR] = first;
}

static void cap(uint8_t at, uint8_t id, uint8_t next)
{
	cfg[at] = id;
	cfg[at + 1] = next;
}

static void test_normal_list(void)
{
	reset(0x40);
	cap(0x40, PCI_CAP_ID_MSIX, 0x84);
	cap(0x84, PCI_CAP_ID_VENDOR, 0x70);
	cap(0x70, PCI_CAP_ID_VENDOR, 0x60);
	cap(0x60, PCI_CAP_ID_VENDOR, 0x00);
	CHECK_EQ(pci_cap_next_raw(cfg, 256, PCI_CAP_ID_MSIX, 0), 0x40);
	CHECK_EQ(pci_cap_next_raw(cfg, 256, PCI_CAP_ID_MSIX, 0x40), 0);
	CHECK_EQ(pci_cap_next_raw(cfg, 256, PCI_CAP_ID_VENDOR, 0), 0x84);
	CHECK_EQ(pci_cap_next_raw(cfg, 256, PCI_CAP_ID_VENDOR, 0x84), 0x70);
	CHECK_EQ(pci_cap_next_raw(cfg, 256, PCI_CAP_ID_VENDOR, 0x70), 0x60);
	CHECK_EQ(pci_cap_next_raw(cfg, 256, PCI_CAP_ID_VENDOR, 0x60), 0);
	CHECK_EQ(pci_cap_next_raw(cfg, 256, PCI_CAP_ID_MSI, 0), 0);
	/* prev not in the list: nothing after it. */
	CHECK_EQ(pci_cap_next_raw(cfg, 256, PCI_CAP_ID_VENDOR, 0x90), 0);
}

static void test_reserved_bits_masked(void)
{
	reset(0x43);
	cap(0x40, PCI_CAP_ID_VENDOR, 0x52);
	cap(0x50, PCI_CAP_ID_MSIX, 0x01);
	CHECK_EQ(pci_cap_next_raw(cfg, 256, PCI_CAP_ID_VENDOR, 0), 0x40);
	CHECK_EQ(pci_cap_next_raw(cfg, 256, PCI_CAP_ID_MSIX, 0), 0x50);
}

static void test_no_list(void)
{
	reset(0x40);
	cap(0x40, PCI_CAP_ID_MSIX, 0);
	cfg[PCI_CFG_STATUS] = 0; /* capability list bit clear */
	CHECK_EQ(pci_cap_next_raw(cfg, 256, PCI_CAP_ID_MSIX, 0), 0);
	reset(0x00); /* bit set, empty list */
	CHECK_EQ(pci_cap_next_raw(cfg, 256, PCI_CAP_ID_MSIX, 0), 0);
}

static void test_loops(void)
{
	reset(0x40);
	cap(0x40, PCI_CAP_ID_VENDOR, 0x50);
	cap(0x50, PCI_CAP_ID_VENDOR, 0x40);
	CHECK_EQ(pci_cap_next_raw(cfg, 256, PCI_CAP_ID_MSIX, 0), -EBADMSG);
	reset(0x40);
	cap(0x40, PCI_CAP_ID_VENDOR, 0x40); /* points at itself */
	CHECK_EQ(pci_cap_next_raw(cfg, 256, PCI_CAP_ID_MSIX, 0), -EBADMSG);
	/* A loop still finds what precedes it. */
	CHECK_EQ(pci_cap_next_raw(cfg, 256, PCI_CAP_ID_VENDOR, 0), 0x40);
	/* A loop that only shows when iterating with prev. */
	reset(0x40);
	cap(0x40, PCI_CAP_ID_VENDOR, 0x50);
	cap(0x50, PCI_CAP_ID_VENDOR, 0x40);
	CHECK_EQ(pci_cap_next_raw(cfg, 256, PCI_CAP_ID_VENDOR, 0), 0x40);
	CHECK_EQ(pci_cap_next_raw(cfg, 256, PCI_CAP_ID_VENDOR, 0x40), 0x50);
	CHECK_EQ(pci_cap_next_raw(cfg, 256, PCI_CAP_ID_VENDOR, 0x50), -EBADMSG);
}

static void test_bad_pointers(void)
{
	reset(0x20); /* into the standard header */
	CHECK_EQ(pci_cap_next_raw(cfg, 256, PCI_CAP_ID_MSIX, 0), -EBADMSG);
	reset(0x40);
	cap(0x40, PCI_CAP_ID_VENDOR, 0x10);
	CHECK_EQ(pci_cap_next_raw(cfg, 256, PCI_CAP_ID_MSIX, 0), -EBADMSG);
	reset(0xfc); /* header fits in 256 bytes: 0xfc, 0xfd */
	cap(0xfc, PCI_CAP_ID_MSIX, 0);
	CHECK_EQ(pci_cap_next_raw(cfg, 256, PCI_CAP_ID_MSIX, 0), 0xfc);
	/* The same list in a shorter snapshot runs past its end. */
	CHECK_EQ(pci_cap_next_raw(cfg, 0x80, PCI_CAP_ID_MSIX, 0), -EBADMSG);
	/* A snapshot too short to hold any capability. */
	CHECK_EQ(pci_cap_next_raw(cfg, 0x40, PCI_CAP_ID_MSIX, 0), -EBADMSG);
}

static void test_all_ones(void)
{
	/* What a vanished device reads as. */
	memset(cfg, 0xff, sizeof(cfg));
	CHECK_EQ(pci_cap_next_raw(cfg, 256, PCI_CAP_ID_MSIX, 0), -EBADMSG);
}

int main(void)
{
	test_normal_list();
	test_reserved_bits_masked();
	test_no_list();
	test_loops();
	test_bad_pointers();
	test_all_ones();
	return check_done();
}
