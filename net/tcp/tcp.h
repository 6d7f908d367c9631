/*
 * TCP (private): the connection block, sequence arithmetic, and the
 * functions the TCP files share. Call chain for a segment:
 *   ipv4_deliver → tcp_input (tcp_in.c: check, parse, demultiplex)
 *     → tcp_listen_input / tcp_synsent_input (tcp_in.c)
 *     → tcp_sync_input (tcp_sync.c: RFC 793 §3.9 checks, RFC 5961)
 *       → tcp_ack_input (tcp_ack.c: RTT, congestion control, FIN acks)
 *       → tcp_rcv_data (tcp_rcv.c: in order / out of order into the ring)
 *     → tcp_output (tcp_out.c)
 * and for time: net_poll → tcp_poll (tcp_timer.c). The socket calls are in
 * tcp_user.c; connection life (alloc, lookup, close, free) in tcp_conn.c.
 */
#ifndef TORITO_NET_TCP_TCP_H
#define TORITO_NET_TCP_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <torito/net/socket.h>
#include <torito/compiler.h>
#include <torito/net/types.h>

#include "net/api/sock.h"
#include "net/core/list.h"

struct ipv4_pkt;

#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) SEQ_LT(b, a)
#define SEQ_GEQ(a, b) SEQ_LEQ(b, a)

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20

#define TCP_HASH_BUCKETS 64
#define TCP_OOO_MAX 4
#define TCP_MAX_WSCALE 14
#define TCP_DEFAULT_MSS 536

/* struct tcp_conn.flags */
#define TF_ACK_NOW 0x0001    /* send an ACK at the next output */
#define TF_DELACK 0x0002     /* an ACK is owed; t_delack runs */
#define TF_FIN_QUEUED 0x0004 /* FIN goes after the queued data */
#define TF_FIN_SENT 0x0008
#define TF_WSCALE 0x0010     /* window scaling agreed */
#define TF_NODELAY 0x0020
#define TF_KEEPALIVE 0x0040
#define TF_RECOVERY 0x0080   /* NewReno fast recovery */
#define TF_RTT 0x0100	     /* timing rtt_seq */
#define TF_BLOCKED 0x0200    /* xmit refused output; retry in poll */
#define TF_FIN_RCVD 0x0400
#define TF_ACTIVE 0x0800     /* we sent the first SYN */
#define TF_DEAD 0x1000	     /* on the dead list, freed on leave */
#define TF_WS_OFFER 0x2000   /* the peer's SYN carried window scale */
#define TF_FORCE 0x4000	     /* persist: send despite Nagle/SWS once */
#define TF_SND_FULL 0x8000   /* a send found the buffer full */

/* struct tcp_conn.inq: which queue of the parent holds the conn. */
#define TCP_INQ_NONE 0
#define TCP_INQ_SYN 1
#define TCP_INQ_ACCEPT 2

/* A byte ring; head is the first byte, len bytes follow (wrapping). */
struct tcp_ring {
	uint8_t *buf;
	uint32_t size;
	uint32_t head;
	uint32_t len;
};

struct tcp_ooo {
	uint32_t start, end; /* sequence range held beyond rcv_nxt */
};

/* One connection or listener. Owned by the stack's core; no lock. */
struct tcp_conn {
	struct net_sock sock;	/* first: the handle */
	struct net_list link;	/* stack->tcp.conns, or stack->tcp.dead */
	struct net_list hlink;	/* hash bucket, or tcp.listeners */
	struct net_list qlink;	/* parent's synq or acceptq */
	struct tcp_conn *parent; /* listener while queued on it */

	net_ip4_t lip, rip;
	uint16_t lport, rport;
	uint8_t state; /* enum net_tcp_state */
	uint8_t retries; /* consecutive timeouts of the running timer */
	uint8_t probes;	 /* unanswered keep-alive / window probes */
	uint8_t dupacks;
	uint8_t snd_ws, rcv_ws; /* window shifts (RFC 7323) */
	uint8_t n_ooo;
	uint8_t segs_unacked; /* segments received since our last ACK */
	uint8_t inq;	      /* TCP_INQ_* */
	uint32_t flags;
	int err; /* why the connection ended (-ECONNRESET...), kept */
	uint16_t mss; /* what we send per segment */

	/* Send sequence space (RFC 793 §3.2). */
	uint32_t iss, snd_una, snd_nxt, snd_max;
	uint32_t snd_wnd, max_sndwnd, snd_wl1, snd_wl2;
	uint32_t snd_base; /* sequence number of snd.buf[snd.head] */
	uint32_t cwnd, ssthresh, recover;

	/* Receive sequence space. */
	uint32_t irs, rcv_nxt, rcv_adv; /* rcv_adv: right edge advertised */

	/* RTT estimation (RFC 6298), in ms: srtt * 8, rttvar * 4. */
	uint32_t srtt8, rttvar4, rto, rtt_seq;
	uint64_t rtt_start;

	/* Timers: absolute ms, 0 = off. */
	uint64_t t_rexmit, t_persist, t_delack, t_keep, t_close, t_idle;
	uint32_t idle_ms;

	struct tcp_ring snd, rcv;
	struct tcp_ooo ooo[TCP_OOO_MAX];

	/* Listener only. */
	struct net_list synq, acceptq;
	uint16_t n_synq, n_acceptq, backlog;
};

struct tcp_table {
	struct net_list buckets[TCP_HASH_BUCKETS];
	struct net_list listeners;
	struct net_list conns; /* every live conn and listener */
	struct net_list dead;
	uint32_t n_conns;
	uint16_t next_port;
	uint32_t secret[4]; /* ISN hash key */
	uint64_t challenge_window; /* start of the current second */
	uint16_t challenge_count;
};

/* A parsed segment. */
struct tcp_seg {
	net_ip4_t src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint32_t wnd; /* raw 16-bit field */
	uint8_t flags;
	uint16_t opt_mss; /* 0: absent */
	int8_t opt_ws;	  /* -1: absent */
	const uint8_t *data;
	uint32_t len; /* payload bytes */
};

static inline struct tcp_conn *tcp_of(struct net_sock *k)
{
	return (struct tcp_conn *)k;
}

static inline uint32_t tcp_seg_space(const struct tcp_seg *g)
{
	return g->len + ((g->flags & TH_SYN) ? 1 : 0) +
	       ((g->flags & TH_FIN) ? 1 : 0);
}

static inline bool tcp_synchronized(const struct tcp_conn *c)
{
	return c->state >= NET_TCP_ESTABLISHED;
}

/* tcp_conn.c */
void tcp_init(struct net_stack *s);
void tcp_fini(struct net_stack *s);
struct tcp_conn *tcp_conn_alloc(struct net_stack *s);
int tcp_conn_buffers(struct tcp_conn *c) __must_check;
void tcp_conn_hash(struct tcp_conn *c);
struct tcp_conn *tcp_lookup(struct net_stack *s, const struct tcp_seg *g);
struct tcp_conn *tcp_listener_find(struct net_stack *s, uint16_t port);
bool tcp_port_used(struct net_stack *s, uint16_t port);
int tcp_port_pick(struct net_stack *s, uint16_t *out) __must_check;
uint32_t tcp_iss(struct tcp_conn *c);
void tcp_set_state(struct tcp_conn *c, uint8_t state);
void tcp_closed(struct tcp_conn *c, int err);
void tcp_drop(struct tcp_conn *c, int err);
void tcp_release(struct tcp_conn *c);
void tcp_reap(struct net_stack *s);
bool tcp_reclaim_time_wait(struct net_stack *s);
void tcp_unqueue(struct tcp_conn *c);
void tcp_maybe_dead(struct tcp_conn *c);
void tcp_enter_time_wait(struct tcp_conn *c);
void tcp_listener_flush(struct tcp_conn *l);
int tcp_syn_options(const struct tcp_conn *c, uint8_t *p);
void tcp_apply_syn_options(struct tcp_conn *c, const struct tcp_seg *g);

/* tcp_ring.c */
uint32_t tcp_ring_space(const struct tcp_ring *r);
void tcp_ring_put(struct tcp_ring *r, uint32_t off, const void *src,
		  uint32_t n);
void tcp_ring_get(const struct tcp_ring *r, uint32_t off, void *dst,
		  uint32_t n);
void tcp_ring_consume(struct tcp_ring *r, uint32_t n);

/* tcp_in.c */
void tcp_input(struct net_stack *s, const struct ipv4_pkt *pkt);

/* tcp_sync.c */
void tcp_sync_input(struct tcp_conn *c, const struct tcp_seg *g);
void tcp_challenge_ack(struct tcp_conn *c);

/* tcp_ack.c */
bool tcp_ack_input(struct tcp_conn *c, const struct tcp_seg *g);
void tcp_rtt_sample(struct tcp_conn *c, uint32_t rtt);
void tcp_cc_init(struct tcp_conn *c);
void tcp_cc_timeout(struct tcp_conn *c);
bool tcp_fin_acked(const struct tcp_conn *c);
bool tcp_passive_established(struct tcp_conn *c);

/* tcp_rcv.c */
void tcp_rcv_data(struct tcp_conn *c, const struct tcp_seg *g);
uint32_t tcp_rcv_window(const struct tcp_conn *c);
void tcp_rcv_read_done(struct tcp_conn *c);
uint8_t tcp_rcv_wscale(const struct net_stack *s);

/* tcp_out.c */
void tcp_output(struct tcp_conn *c);
int tcp_send_segment(struct tcp_conn *c, uint32_t seq, uint8_t flags,
		     uint32_t len);
void tcp_send_ack(struct tcp_conn *c);
void tcp_send_probe(struct tcp_conn *c);
void tcp_send_rst_for(struct net_stack *s, const struct tcp_seg *g);
void tcp_send_rst(struct tcp_conn *c);
void tcp_retransmit_first(struct tcp_conn *c);
uint32_t tcp_data_end(const struct tcp_conn *c);

/* tcp_timer.c */
uint64_t tcp_poll(struct net_stack *s);
void tcp_timer_set(struct tcp_conn *c, uint64_t *t, uint32_t ms);
void tcp_keepalive_reset(struct tcp_conn *c);
void tcp_persist_check(struct tcp_conn *c);
uint32_t tcp_backoff(const struct tcp_conn *c, uint8_t n);

/* tcp_user.c */
int tcp_open(struct net_stack *s, struct net_sock **out) __must_check;
int tcp_bind(struct tcp_conn *c, uint16_t port) __must_check;
int tcp_listen(struct tcp_conn *c, int backlog) __must_check;
int tcp_accept(struct tcp_conn *l, struct net_sock **out,
	       struct net_addr *peer) __must_check;
int tcp_connect(struct tcp_conn *c,
		const struct net_addr *to) __must_check;
int tcp_send(struct tcp_conn *c, const void *buf, size_t len) __must_check;
int tcp_recv(struct tcp_conn *c, void *buf, size_t len) __must_check;
int tcp_shutdown(struct tcp_conn *c) __must_check;
void tcp_close(struct tcp_conn *c);
unsigned int tcp_poll_mask(const struct tcp_conn *c);

#endif /* TORITO_NET_TCP_TCP_H */
