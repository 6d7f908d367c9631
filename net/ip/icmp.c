/*
 * ICMP (RFC 792): echo replies for echo requests to our address (not to
 * broadcasts), counting replies to our own echo requests, and
 * net_icmp_echo_send. Every other type is counted and ignored: the stack
 * does not act on destination-unreachable or redirects (no PMTU discovery).
 */
#include <torito/errno.h>
#include <torito/string.h>

#include "net/core/priv.h"
#include "net/core/wire.h"

#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8
#define ICMP_HLEN 8

static void icmp_checksum(uint8_t *p, size_t len)
{
	wr16(p + 2, 0);
	wr16(p + 2, csum_fold(csum_add(0, p, len)));
}

static void icmp_echo_reply(struct net_stack *s, const struct ipv4_pkt *pkt)
{
	uint8_t *p = s->tx + TX_L4;

	if (pkt->len > ipv4_max_payload(s) || pkt->src == 0) {
		s->stats.icmp_bad_length++;
		return;
	}
	memcpy(p, pkt->data, pkt->len);
	p[0] = ICMP_ECHO_REPLY;
	p[1] = 0;
	icmp_checksum(p, pkt->len);
	s->stats.icmp_echo_reply_out++;
	ipv4_output(s, pkt->src, IP_PROTO_ICMP, pkt->len);
}

void icmp_input(struct net_stack *s, const struct ipv4_pkt *pkt)
{
	s->stats.icmp_rx++;
	if (pkt->len < ICMP_HLEN) {
		s->stats.icmp_bad_length++;
		return;
	}
	if (csum_fold(csum_add(0, pkt->data, pkt->len)) != 0) {
		s->stats.icmp_bad_checksum++;
		return;
	}
	switch (pkt->data[0]) {
	case ICMP_ECHO_REQUEST:
		if (pkt->to_broadcast) {
			s->stats.icmp_broadcast_ignored++;
			return;
		}
		s->stats.icmp_echo_request++;
		icmp_echo_reply(s, pkt);
		break;
	case ICMP_ECHO_REPLY:
		s->stats.icmp_echo_reply_in++;
		break;
	default:
		s->stats.icmp_other++;
		break;
	}
}

int net_icmp_echo_send(struct net_stack *s, net_ip4_t dst, uint16_t id,
		       uint16_t seq, size_t payload_len)
{
	uint8_t *p = s->tx + TX_L4;
	int rc;

	if (payload_len > ipv4_max_payload(s) - ICMP_HLEN)
		return -EMSGSIZE;
	stack_enter(s);
	p[0] = ICMP_ECHO_REQUEST;
	p[1] = 0;
	wr16(p + 4, id);
	wr16(p + 6, seq);
	for (size_t i = 0; i < payload_len; i++)
		p[ICMP_HLEN + i] = (uint8_t)i;
	icmp_checksum(p, ICMP_HLEN + payload_len);
	s->stats.icmp_echo_out++;
	rc = ipv4_output(s, dst, IP_PROTO_ICMP, ICMP_HLEN + payload_len);
	stack_leave(s);
	return rc;
}
