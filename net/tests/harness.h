/*
 * Host test harness for net/: a tracked allocator (every block counted,
 * failures injectable), a simulated millisecond clock, and a link that
 * wires two stacks back to back with latency and optional loss, reordering
 * and duplication. Node 1 may be left without a stack: its frames are then
 * captured for the test to inspect ("fixture mode"). Also packet builders
 * that produce frames with correct checksums from first principles.
 */
#ifndef TORITO_NET_TESTS_HARNESS_H
#define TORITO_NET_TESTS_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <torito/net/service.h>
#include <torito/net/socket.h>
#include <torito/net/stack.h>
#include <torito/net/stats.h>

struct mem_tracker {
	size_t bytes, blocks, peak_bytes;
	uint64_t allocs;
	uint64_t fail_after; /* fail every alloc once allocs > this (0: off) */
	bool fail_all;
	size_t bad_frees; /* size mismatch or unknown block */
};

struct sim_frame {
	uint64_t at, seq;
	int to;
	size_t len;
	uint8_t *data;
};

struct sim;

struct sim_node {
	struct sim *sim;
	int idx;
	struct mem_tracker mem; /* this stack's allocations */
	struct net_stack *stack;
	struct net_mac mac;
	net_ip4_t ip;
	unsigned int notifies;
	struct net_sock *last_notified;
	int busy_next;	      /* next xmits return -EAGAIN */
	unsigned busy_every; /* every nth xmit returns -EAGAIN (0: off) */
	uint64_t xmits;
};

struct sim {
	uint64_t now;
	struct sim_node node[2];
	struct sim_frame *q;
	size_t qlen, qcap;
	uint64_t seq;
	uint32_t latency_ms;
	unsigned loss_pm, dup_pm, reorder_pm; /* per mille */
	bool cut[2];			      /* frames from node i vanish */
	uint64_t rng;
	uint64_t delivered, lost;
	/* Fixture mode: frames sent to a node without a stack. */
	struct sim_frame captured[256];
	size_t ncaptured;
	/* Sees every frame put on the wire; return false to drop it. */
	bool (*tap)(struct sim *sim, int from, const uint8_t *f, size_t len,
		    void *ctx);
	void *tap_ctx;
};

#define SIM_IP0 NET_IP4(10, 0, 0, 1)
#define SIM_IP1 NET_IP4(10, 0, 0, 2)

typedef void (*sim_cfg_fn)(struct net_stack_config *cfg, int idx);
typedef bool (*sim_done_fn)(struct sim *sim, void *ctx);
typedef void (*sim_step_fn)(struct sim *sim, void *ctx);

/* Two stacks 10.0.0.1 and 10.0.0.2/24 (nstacks 1: only node 0). */
void sim_init(struct sim *sim, int nstacks, sim_cfg_fn tweak);
/* Destroys the stacks; returns bytes still allocated (0 = no leak). */
size_t sim_fini(struct sim *sim);

/* Runs until done() or max_ms of simulated time; true if done. step()
 * (the test's application) runs every iteration. */
bool sim_run_until(struct sim *sim, sim_done_fn done, sim_step_fn step,
		   void *ctx, uint64_t max_ms);
void sim_run_for(struct sim *sim, uint64_t ms);

/* Hands a frame to node 'to' now (fixture input). */
void sim_inject(struct sim *sim, int to, const void *frame, size_t len);

/* Removes captured frames. */
void sim_clear_captured(struct sim *sim);

struct net_stats sim_stats(struct sim *sim, int idx);

void *tracker_alloc(void *ctx, size_t size);
void tracker_free(void *ctx, void *p, size_t size);

/* Packet builders; each returns the frame length. */
uint16_t ref_csum(const uint8_t *p, size_t len, uint32_t start);
size_t build_eth(uint8_t *f, const struct net_mac *dst,
		 const struct net_mac *src, uint16_t type);
size_t build_arp(uint8_t *f, uint16_t op, const struct net_mac *sha,
		 net_ip4_t spa, const struct net_mac *tha, net_ip4_t tpa);
/* IPv4 header at f + 14; payload must already be at f + 14 + 20. */
size_t build_ip(uint8_t *f, const struct net_mac *dst_mac,
		const struct net_mac *src_mac, net_ip4_t src, net_ip4_t dst,
		uint8_t proto, size_t payload_len, uint16_t id,
		uint16_t frag_field);
size_t build_udp(uint8_t *f, const struct net_mac *dm,
		 const struct net_mac *sm, net_ip4_t src, uint16_t sport,
		 net_ip4_t dst, uint16_t dport, const void *data, size_t len);
size_t build_tcp(uint8_t *f, const struct net_mac *dm,
		 const struct net_mac *sm, net_ip4_t src, uint16_t sport,
		 net_ip4_t dst, uint16_t dport, uint32_t seq, uint32_t ack,
		 uint8_t flags, uint16_t wnd, const uint8_t *opts,
		 size_t optlen, const void *data, size_t len);
size_t build_icmp_echo(uint8_t *f, const struct net_mac *dm,
		       const struct net_mac *sm, net_ip4_t src, net_ip4_t dst,
		       uint8_t type, uint16_t id, uint16_t seq, size_t len);

/* Big-endian readers for checking captured frames. */
uint16_t be16(const uint8_t *p);
uint32_t be32(const uint8_t *p);

#endif /* TORITO_NET_TESTS_HARNESS_H */
