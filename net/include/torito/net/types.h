/*
 * Basic value types shared by every net/ header: IPv4 addresses (host byte
 * order), MAC addresses, transport endpoints, the interface configuration,
 * and the "no deadline" marker. Values only; no functions.
 */
#ifndef TORITO_NET_TYPES_H
#define TORITO_NET_TYPES_H

#include <stdint.h>

/* An IPv4 address in host byte order: 10.0.2.15 is 0x0a00020f. */
typedef uint32_t net_ip4_t;

#define NET_IP4(a, b, c, d)                                                   \
	((net_ip4_t)(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) |          \
		     ((uint32_t)(c) << 8) | (uint32_t)(d)))
#define NET_IP4_ANY ((net_ip4_t)0)
#define NET_IP4_BROADCAST ((net_ip4_t)0xffffffffu)

/* net_next_deadline_ms() when no timer is pending. */
#define NET_DEADLINE_NONE UINT64_MAX

struct net_mac {
	uint8_t b[6];
};

/* A transport endpoint: address and port, both in host byte order. */
struct net_addr {
	net_ip4_t ip;
	uint16_t port;
};

/*
 * The interface's IPv4 configuration. ip == 0 means unconfigured (the stack
 * then only talks DHCP); gateway == 0 means no route off the subnet.
 */
struct net_ipv4_config {
	net_ip4_t ip;
	net_ip4_t netmask;
	net_ip4_t gateway;
};

#endif /* TORITO_NET_TYPES_H */
