/*
 * Ethernet II: the bottom of the receive path (net_input → eth_input →
 * ipv4_input or arp_input) and the last step of transmit (eth_xmit writes
 * the header and calls env->xmit through stack_xmit). Frames for another
 * MAC and multicast frames are dropped: the stack joins no groups. 802.1Q
 * tags and other EtherTypes are counted as unknown. Padding short frames to
 * 60 bytes is the driver's job.
 */
#include <torito/string.h>

#include "net/core/priv.h"
#include "net/core/wire.h"

static const struct net_mac eth_bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff,
					    0xff } };

static bool eth_for_us(const struct net_stack *s, const uint8_t *dst)
{
	return memcmp(dst, s->cfg.mac.b, 6) == 0 ||
	       memcmp(dst, eth_bcast.b, 6) == 0;
}

void eth_input(struct net_stack *s, const uint8_t *f, size_t len)
{
	if (len < ETH_HLEN) {
		s->stats.eth_short++;
		return;
	}
	if (!eth_for_us(s, f)) {
		s->stats.eth_not_for_us++;
		return;
	}
	switch (rd16(f + 12)) {
	case ETH_TYPE_IPV4:
		ipv4_input(s, f + ETH_HLEN, len - ETH_HLEN);
		break;
	case ETH_TYPE_ARP:
		arp_input(s, f + ETH_HLEN, len - ETH_HLEN);
		break;
	default:
		s->stats.eth_unknown_type++;
		break;
	}
}

int eth_xmit(struct net_stack *s, uint8_t *frame, size_t len,
	     const struct net_mac *dst, uint16_t type)
{
	memcpy(frame, dst->b, 6);
	memcpy(frame + 6, s->cfg.mac.b, 6);
	wr16(frame + 12, type);
	return stack_xmit(s, frame, len);
}

int eth_xmit_broadcast(struct net_stack *s, uint8_t *frame, size_t len,
		       uint16_t type)
{
	return eth_xmit(s, frame, len, &eth_bcast, type);
}
