/*
 * The network stack instance: one Ethernet interface with its IPv4
 * configuration, ARP cache, IP reassembly, UDP and TCP state. The stack has
 * no kernel dependency: everything it needs from the outside (memory, time,
 * the device's transmit, waking waiters) comes through struct net_env.
 *
 * Calling context: a stack is owned by one core (one thread of control) and
 * takes no locks. Every function in net/ that takes a stack or a socket of
 * that stack must be called from that owner only, never concurrently, and
 * never from inside env->alloc/free/now_ms/xmit/notify. Callbacks of the
 * service API (service.h) may call the socket functions of socket.h and
 * service.h, but not net_input/net_poll/net_stack_destroy.
 *
 * Driving the stack:
 *   - net_input() for every received frame (any bytes; never crashes);
 *   - net_poll() when net_next_deadline_ms() has passed, and after the
 *     device reports free transmit space (retries blocked output);
 *   - sleep until net_next_deadline_ms() (NET_DEADLINE_NONE: no timer).
 * Two instances in one process are fully independent (no globals).
 */
#ifndef TORITO_NET_STACK_H
#define TORITO_NET_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <torito/compiler.h>
#include <torito/net/types.h>

struct net_stack;
struct net_sock;

/*
 * What the stack needs from its environment. alloc, free, now_ms and xmit
 * are required; the rest may be NULL.
 */
struct net_env {
	void *ctx;     /* passed to alloc, free, now_ms, notify, random, ... */
	void *dev_ctx; /* passed to xmit */

	/* size bytes, 8-aligned, or NULL when memory is short (the stack
	 * counts the failure and drops whatever needed the memory). */
	void *(*alloc)(void *ctx, size_t size);
	/* Frees a block from alloc; size is the size that was asked for. */
	void (*free)(void *ctx, void *p, size_t size);
	/* Monotonic milliseconds; any epoch. */
	uint64_t (*now_ms)(void *ctx);
	/*
	 * Sends one Ethernet frame (no FCS, 14..14+mtu bytes). The frame is
	 * the stack's buffer: copy it before returning. Returns 0 when queued,
	 * -EAGAIN or -ENOSPC when the transmit ring is full (the stack keeps
	 * TCP data for a retry in net_poll after tx_retry_ms, drops datagrams),
	 * any other negative code for a failed device (frame dropped).
	 */
	int (*xmit)(void *dev_ctx, const void *frame, size_t len);
	/*
	 * A socket's readiness (net_sock_poll) may have changed. Called from
	 * inside net_input/net_poll/socket calls: only mark and wake waiters;
	 * do not call back into the stack. Never called for service
	 * connections or after net_sock_close.
	 */
	void (*notify)(void *ctx, struct net_sock *sock);
	/* 32 random bits (ISNs, ports, DHCP xid). NULL: an internal
	 * generator seeded from the MAC and the clock. */
	uint32_t (*random)(void *ctx);
	/* The IPv4 configuration changed (DHCP bound, renewed, or lost). */
	void (*ipv4_changed)(void *ctx, const struct net_ipv4_config *cfg);
};

/*
 * Limits and timers. net_stack_config_init() fills the defaults shown; a
 * caller changes what it needs before net_stack_create(). All "_ms" values
 * are milliseconds.
 */
struct net_stack_config {
	struct net_mac mac;
	uint16_t mtu; /* IP MTU, 576..9000 (1500) */

	uint16_t arp_cache_size; /* entries (32) */
	uint32_t arp_timeout_ms; /* entry lifetime (60000) */
	uint32_t arp_retry_ms;	 /* request interval while resolving (1000) */
	uint8_t arp_retries;	 /* requests before giving up (3) */
	uint8_t arp_queue_max;	 /* packets held per unresolved entry (4) */

	uint8_t frag_slots;	  /* datagrams reassembled at once (4) */
	uint32_t frag_max_len;	  /* largest reassembled payload (16384) */
	uint32_t frag_timeout_ms; /* (5000) */

	uint32_t tcp_max_conns;	    /* all TCP conns incl. TIME_WAIT (1024) */
	uint16_t tcp_syn_queue_max; /* half-open conns per listener (64) */
	uint32_t tcp_sndbuf;	    /* bytes per connection (16384) */
	uint32_t tcp_rcvbuf;	    /* bytes per connection (16384) */
	uint32_t tcp_rto_initial_ms; /* RFC 6298 initial RTO (1000) */
	uint32_t tcp_rto_min_ms;     /* (200) */
	uint32_t tcp_rto_max_ms;     /* (60000) */
	uint8_t tcp_max_retries;     /* data retransmissions before abort (8) */
	uint8_t tcp_syn_retries;     /* SYN retransmissions (5) */
	uint8_t tcp_synack_retries;  /* SYN-ACK retransmissions (3) */
	uint32_t tcp_delack_ms;	     /* delayed ACK (40) */
	uint32_t tcp_time_wait_ms;   /* 2MSL (2000, short on purpose) */
	uint32_t tcp_fin_wait2_ms;   /* orphaned FIN_WAIT_2 lifetime (10000) */
	uint32_t tcp_keepalive_idle_ms;	 /* (7200000) */
	uint32_t tcp_keepalive_intvl_ms; /* (75000) */
	uint8_t tcp_keepalive_count;	 /* probes before abort (9) */
	uint16_t tcp_challenge_acks_per_s; /* RFC 5961 rate limit (100) */

	uint32_t udp_rcvbuf; /* queued datagram bytes per socket (16384) */

	uint32_t dhcp_retry_ms; /* first DHCP retransmission (2000) */
	uint32_t tx_retry_ms;	/* retry after xmit said -EAGAIN (1) */
};

/* Fills cfg with the defaults above and the given MAC. */
void net_stack_config_init(struct net_stack_config *cfg,
			   const struct net_mac *mac);

/*
 * Creates a stack for one interface. env is copied. The stack starts
 * unconfigured (no IPv4 address): call net_ipv4_set(), net_dhcp_start() or
 * net_configure(). Returns 0 and *out, -EINVAL for a bad env or config,
 * -ENOMEM when env->alloc fails. Does not call xmit.
 */
int net_stack_create(const struct net_env *env,
		     const struct net_stack_config *cfg,
		     struct net_stack **out) __must_check;

/*
 * Frees the stack and everything it owns: sockets, services, queued
 * packets. Sends nothing, calls no callback. Sockets become invalid.
 */
void net_stack_destroy(struct net_stack *s);

/* Handles one received Ethernet frame (without FCS); frame is only read
 * during the call. Never fails: bad frames are counted and dropped. */
void net_input(struct net_stack *s, const void *frame, size_t len);

/* Runs due timers (retransmissions, ARP, reassembly, DHCP, TIME_WAIT...)
 * and retries output that xmit refused. Cheap to call early or often. */
void net_poll(struct net_stack *s);

/*
 * The time (in now_ms units) by which net_poll() must next run, or
 * NET_DEADLINE_NONE. May be early (a spurious poll is harmless), never
 * late. Changes after net_input, net_poll and socket calls.
 */
uint64_t net_next_deadline_ms(struct net_stack *s);

/*
 * Sets a static IPv4 configuration and stops DHCP. cfg->ip == 0 clears
 * the address. Returns 0, or -EINVAL for a netmask that is not contiguous.
 */
int net_ipv4_set(struct net_stack *s,
		 const struct net_ipv4_config *cfg) __must_check;

/* The current IPv4 configuration (all zero while unconfigured). */
void net_ipv4_get(const struct net_stack *s, struct net_ipv4_config *out);

/*
 * Configures from a kernel command line: "ip=A.B.C.D [netmask=A.B.C.D]
 * [gw=A.B.C.D]" among other words gives a static config (see config.h);
 * without ip= the DHCP client starts. Returns 0, -EINVAL for a malformed
 * address, -ENOMEM if DHCP could not start.
 */
int net_configure(struct net_stack *s, const char *cmdline) __must_check;

/* DHCP client states (net_dhcp_state). */
enum net_dhcp_state {
	NET_DHCP_OFF,
	NET_DHCP_SELECTING,
	NET_DHCP_REQUESTING,
	NET_DHCP_BOUND,
	NET_DHCP_RENEWING,
	NET_DHCP_REBINDING,
};

/*
 * Starts the DHCP client (DISCOVER now; renew at T1, rebind at T2, restart
 * when the lease ends). Returns 0 or -ENOMEM. Sends through xmit.
 */
int net_dhcp_start(struct net_stack *s) __must_check;

/* Stops DHCP; keeps the address it had. */
void net_dhcp_stop(struct net_stack *s);

enum net_dhcp_state net_dhcp_state(const struct net_stack *s);

/*
 * Sends an ICMP echo request with payload_len pattern bytes. Replies are
 * counted in net_stats.icmp_echo_reply_in. Returns 0, -ENETUNREACH without
 * an address or route, -EMSGSIZE when it does not fit the MTU, or an xmit
 * error.
 */
int net_icmp_echo_send(struct net_stack *s, net_ip4_t dst, uint16_t id,
		       uint16_t seq, size_t payload_len) __must_check;

#endif /* TORITO_NET_STACK_H */
