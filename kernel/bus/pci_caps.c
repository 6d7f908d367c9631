/*
 * The PCI capability-list walk, on raw configuration bytes. It sits under
 * pci_cap_next (kernel/bus/pci.c, which passes the scan-time snapshot of a
 * device) and the virtio-pci capability parser (pv/virtio), and is
 * portable so host tests can feed it crafted lists.
 *
 * The list is device-controlled input: every pointer is masked as the PCI
 * spec says (the low two bits are reserved), must point past the 64-byte
 * header, must leave room for the two-byte capability header inside len,
 * and a capability visited twice ends the walk with -EBADMSG, so a loop
 * (also one that only shows when iterating with prev) never hangs. Only the
 * 256-byte conventional space is walked; PCIe extended capabilities are
 * left out.
 */
#include <stddef.h>
#include <stdint.h>

#include <torito/errno.h>
#include <torito/pci.h>

#define CAP_FIRST 0x40

int pci_cap_next_raw(const uint8_t *cfg, size_t len, uint8_t id, uint8_t prev)
{
	uint64_t seen = 0; /* one bit per dword of the 256-byte space */
	bool past_prev = prev == 0;
	uint8_t off;

	if (len > PCI_CFG_SIZE)
		len = PCI_CFG_SIZE;
	if (len <= CAP_FIRST)
		return -EBADMSG;
	uint16_t status =
		(uint16_t)(cfg[PCI_CFG_STATUS] | cfg[PCI_CFG_STATUS + 1] << 8);
	if (!(status & PCI_STATUS_CAP_LIST))
		return 0;
	for (off = cfg[PCI_CFG_CAP_PTR] & 0xfc; off;
	     off = cfg[off + 1] & 0xfc) {
		if (off < CAP_FIRST || (size_t)off + 2 > len ||
		    (seen >> (off / 4)) & 1)
			return -EBADMSG;
		seen |= 1ull << (off / 4);
		if (past_prev && cfg[off] == id)
			return off;
		if (off == prev)
			past_prev = true;
	}
	return 0;
}
