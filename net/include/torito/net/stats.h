/*
 * Counters: every frame the stack drops is counted under its reason, and
 * the main events (retransmissions, resets, opens) are counted too. The
 * list is an X-macro so struct fields and printed names stay in step.
 * Counters only grow; they are per stack.
 */
#ifndef TORITO_NET_STATS_H
#define TORITO_NET_STATS_H

#include <stdint.h>

#include <torito/net/stack.h>

#define NET_STATS_LINK(X)                                                     \
	X(eth_rx)            /* frames handed to net_input */                 \
	X(eth_tx)            /* frames xmit accepted */                       \
	X(eth_short)         /* shorter than an Ethernet header */            \
	X(eth_not_for_us)    /* unicast to another MAC, or multicast */       \
	X(eth_unknown_type)  /* not IPv4 or ARP */                            \
	X(tx_busy)           /* xmit said -EAGAIN/-ENOSPC */                  \
	X(tx_error)          /* xmit failed otherwise */                      \
	X(nomem)             /* env->alloc returned NULL */                   \
	X(arp_rx)                                                             \
	X(arp_bad)           /* malformed or not Ethernet/IPv4 */             \
	X(arp_not_for_us)                                                     \
	X(arp_request_in)                                                     \
	X(arp_reply_in)                                                       \
	X(arp_request_out)                                                    \
	X(arp_reply_out)                                                      \
	X(arp_conflict)      /* someone else claims our address */            \
	X(arp_queue_full)    /* packet dropped while resolving */             \
	X(arp_unresolved)    /* packets dropped when resolution failed */     \
	X(arp_evict)         /* cache entry replaced while still valid */

#define NET_STATS_IP(X)                                                       \
	X(ip_rx)                                                              \
	X(ip_tx)                                                              \
	X(ip_bad_header)     /* version, header length */                     \
	X(ip_bad_checksum)                                                    \
	X(ip_bad_length)     /* total length vs frame */                      \
	X(ip_bad_source)     /* broadcast/multicast/loopback source */        \
	X(ip_not_for_us)                                                      \
	X(ip_options)        /* headers with options (skipped) */             \
	X(ip_unknown_proto)                                                   \
	X(ip_no_route)       /* output without address or gateway */          \
	X(ip_frag_in)                                                         \
	X(ip_frag_reassembled)                                                \
	X(ip_frag_bad)       /* misaligned, too long, inconsistent */         \
	X(ip_frag_dropped)   /* slot evicted or no memory */                  \
	X(ip_frag_timeout)                                                    \
	X(icmp_rx)                                                            \
	X(icmp_bad_checksum)                                                  \
	X(icmp_bad_length)                                                    \
	X(icmp_echo_request)                                                  \
	X(icmp_echo_reply_out)                                                \
	X(icmp_echo_reply_in)                                                 \
	X(icmp_echo_out)                                                      \
	X(icmp_other)        /* types we ignore */                            \
	X(icmp_broadcast_ignored)

#define NET_STATS_UDP(X)                                                      \
	X(udp_rx)                                                             \
	X(udp_tx)                                                             \
	X(udp_bad_checksum)                                                   \
	X(udp_bad_length)                                                     \
	X(udp_no_socket)                                                      \
	X(udp_queue_full)                                                     \
	X(dhcp_rx)                                                            \
	X(dhcp_tx)                                                            \
	X(dhcp_bad)          /* malformed, wrong xid or MAC */                \
	X(dhcp_nak)                                                           \
	X(dhcp_bound)        /* leases obtained or renewed */                 \
	X(dhcp_expired)

#define NET_STATS_TCP(X)                                                      \
	X(tcp_rx)                                                             \
	X(tcp_tx)                                                             \
	X(tcp_bad_checksum)                                                   \
	X(tcp_bad_length)    /* short, bad data offset, bad options */        \
	X(tcp_bad_address)   /* broadcast/multicast, or port 0 */             \
	X(tcp_no_socket)     /* answered with RST */                          \
	X(tcp_syn_queue_full)                                                 \
	X(tcp_backlog_full)                                                   \
	X(tcp_conn_limit)    /* tcp_max_conns reached */                      \
	X(tcp_active_opens)                                                   \
	X(tcp_passive_opens)                                                  \
	X(tcp_established)                                                    \
	X(tcp_out_of_window) /* unacceptable segments (ACKed, dropped) */     \
	X(tcp_bad_ack)       /* ACK outside the RFC 5961 range */             \
	X(tcp_dropped)       /* no ACK flag, or state does not take it */     \
	X(tcp_rst_in)        /* resets that closed a connection */            \
	X(tcp_rst_ignored)   /* out of window */                              \
	X(tcp_rst_out)                                                        \
	X(tcp_challenge_ack)                                                  \
	X(tcp_challenge_ack_limited)                                          \
	X(tcp_ooo_segments)  /* held out of order */                          \
	X(tcp_ooo_dropped)   /* out of order, no room to hold */              \
	X(tcp_rcv_trimmed)   /* data beyond the window, cut off */            \
	X(tcp_retransmits)   /* segments sent again */                        \
	X(tcp_rto_timeouts)                                                   \
	X(tcp_fast_retransmits)                                               \
	X(tcp_zero_window_probes)                                             \
	X(tcp_keepalive_probes)                                               \
	X(tcp_delayed_acks)                                                   \
	X(tcp_timeouts)      /* connections aborted by timers */              \
	X(tcp_resets_sent_close) /* close with unread data */                 \
	X(tcp_time_wait_reused)

#define NET_STATS(X) NET_STATS_LINK(X) NET_STATS_IP(X) NET_STATS_UDP(X) \
	NET_STATS_TCP(X)

struct net_stats {
#define NET_STATS_FIELD(name) uint64_t name;
	NET_STATS(NET_STATS_FIELD)
#undef NET_STATS_FIELD
};

/* Copies the stack's counters. */
void net_stats_get(const struct net_stack *s, struct net_stats *out);

/* Calls fn(ctx, "tcp_retransmits", value) for every counter, in order. */
void net_stats_foreach(const struct net_stack *s,
		       void (*fn)(void *ctx, const char *name, uint64_t value),
		       void *ctx);

#endif /* TORITO_NET_STATS_H */
