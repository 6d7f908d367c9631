/*
 * The DHCP client (private): RFC 2131 DISCOVER → OFFER → REQUEST → ACK,
 * renew at T1 (unicast), rebind at T2 (broadcast), restart when the lease
 * ends. It sits beside UDP: udp_input hands it datagrams for port 68.
 */
#ifndef TORITO_NET_DHCP_DHCP_H
#define TORITO_NET_DHCP_DHCP_H

#include <stddef.h>
#include <stdint.h>

#include <torito/net/stack.h>
#include <torito/net/types.h>

#define DHCP_CLIENT_PORT 68
#define DHCP_SERVER_PORT 67

struct dhcp_client {
	uint8_t state; /* enum net_dhcp_state */
	uint32_t xid;
	net_ip4_t offered;
	net_ip4_t server;
	uint32_t retry_ms;  /* current retransmission interval */
	uint8_t tries;      /* retransmissions in this state */
	uint64_t t_retry;   /* next retransmission */
	uint64_t t_renew;   /* T1 */
	uint64_t t_rebind;  /* T2 */
	uint64_t t_expire;  /* lease end */
};

void dhcp_input(struct net_stack *s, net_ip4_t src, const uint8_t *p,
		size_t len);
uint64_t dhcp_poll(struct net_stack *s);

#endif /* TORITO_NET_DHCP_DHCP_H */
