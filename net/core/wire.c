/*
 * The Internet checksum (RFC 1071) over byte buffers, plus the pseudo
 * header sum TCP and UDP add. Every layer's output computes and every
 * layer's input checks through these; nothing here knows about packets.
 */
#include "net/core/wire.h"

uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t acc = sum;

	while (len >= 2) {
		acc += rd16(p);
		p += 2;
		len -= 2;
	}
	if (len)
		acc += (uint32_t)p[0] << 8;
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t csum_pseudo(net_ip4_t src, net_ip4_t dst, uint8_t proto,
		     uint16_t len)
{
	uint64_t acc = (src >> 16) + (src & 0xffff) + (dst >> 16) +
		       (dst & 0xffff) + proto + len;

	return (uint32_t)((acc & 0xffffffffu) + (acc >> 32));
}
