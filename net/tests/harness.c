/*
 * The host test harness (see harness.h). Plain libc; nothing here is part
 * of the stack. The link delivers frames in time order; loss, duplication
 * and reordering come from a seeded generator so every run is the same.
 */
#include "net/tests/harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <torito/errno.h>

#define TRACK_MAGIC 0x6e657473u

struct track_hdr {
	size_t size;
	uint32_t magic;
	uint32_t pad;
};

void *tracker_alloc(void *ctx, size_t size)
{
	struct mem_tracker *m = ctx;
	struct track_hdr *h;

	m->allocs++;
	if (m->fail_all || (m->fail_after && m->allocs > m->fail_after))
		return NULL;
	h = malloc(sizeof(*h) + size);
	if (!h)
		return NULL;
	h->size = size;
	h->magic = TRACK_MAGIC;
	memset(h + 1, 0xa5, size); /* catch reads of uninitialised memory */
	m->bytes += size;
	m->blocks++;
	if (m->bytes > m->peak_bytes)
		m->peak_bytes = m->bytes;
	return h + 1;
}

void tracker_free(void *ctx, void *p, size_t size)
{
	struct mem_tracker *m = ctx;
	struct track_hdr *h;

	if (!p)
		return;
	h = (struct track_hdr *)p - 1;
	if (h->magic != TRACK_MAGIC || h->size != size) {
		m->bad_frees++;
		fprintf(stderr, "bad free: %zu vs %zu\n", h->size, size);
		return;
	}
	h->magic = 0;
	m->bytes -= size;
	m->blocks--;
	free(h);
}

/* The env callbacks get the node as ctx. */
static struct sim *sim_of(void *ctx)
{
	return ((struct sim_node *)ctx)->sim;
}

static void *node_alloc(void *ctx, size_t size)
{
	return tracker_alloc(&((struct sim_node *)ctx)->mem, size);
}

static void node_free(void *ctx, void *p, size_t size)
{
	tracker_free(&((struct sim_node *)ctx)->mem, p, size);
}

static uint64_t sim_now(void *ctx)
{
	return sim_of(ctx)->now;
}

static uint32_t sim_rand(struct sim *sim)
{
	uint64_t x = sim->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	sim->rng = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

static uint32_t env_random(void *ctx)
{
	return sim_rand(sim_of(ctx));
}

static void sim_notify(void *ctx, struct net_sock *k)
{
	struct sim_node *n = ctx;

	n->notifies++;
	n->last_notified = k;
}

static void sim_enqueue(struct sim *sim, int to, const uint8_t *f,
			size_t len, uint64_t at)
{
	struct sim_frame fr = { at, sim->seq++, to, len, malloc(len) };
	size_t i;

	memcpy(fr.data, f, len);
	if (sim->qlen == sim->qcap) {
		sim->qcap = sim->qcap ? sim->qcap * 2 : 64;
		sim->q = realloc(sim->q, sim->qcap * sizeof(*sim->q));
	}
	i = sim->qlen;
	while (i > 0 && sim->q[i - 1].at > at)
		i--;
	memmove(&sim->q[i + 1], &sim->q[i], (sim->qlen - i) * sizeof(fr));
	sim->q[i] = fr;
	sim->qlen++;
}

static void sim_capture(struct sim *sim, int to, const uint8_t *f,
			size_t len)
{
	struct sim_frame *c;

	if (sim->ncaptured == sizeof(sim->captured) / sizeof(sim->captured[0]))
		return;
	c = &sim->captured[sim->ncaptured++];
	c->at = sim->now;
	c->to = to;
	c->len = len;
	c->data = malloc(len);
	memcpy(c->data, f, len);
}

static bool sim_chance(struct sim *sim, unsigned pm)
{
	return pm && sim_rand(sim) % 1000 < pm;
}

static int sim_xmit(void *dev_ctx, const void *frame, size_t len)
{
	struct sim_node *n = dev_ctx;
	struct sim *sim = n->sim;
	int to = 1 - n->idx;
	uint64_t at = sim->now + sim->latency_ms;

	n->xmits++;
	if (n->busy_next > 0 ||
	    (n->busy_every && n->xmits % n->busy_every == 0)) {
		if (n->busy_next > 0)
			n->busy_next--;
		return -EAGAIN;
	}
	if (len < 14 || len > 14 + 9000)
		return -EINVAL;
	if (sim->tap && !sim->tap(sim, n->idx, frame, len, sim->tap_ctx))
		return 0;
	if (!sim->node[to].stack) {
		sim_capture(sim, to, frame, len);
		return 0;
	}
	if (sim->cut[n->idx] || sim_chance(sim, sim->loss_pm)) {
		sim->lost++;
		return 0;
	}
	if (sim_chance(sim, sim->reorder_pm))
		at += 1 + sim_rand(sim) % (3 * sim->latency_ms + 2);
	sim_enqueue(sim, to, frame, len, at);
	if (sim_chance(sim, sim->dup_pm))
		sim_enqueue(sim, to, frame, len, at + 1);
	return 0;
}

static void sim_node_init(struct sim *sim, int i, sim_cfg_fn tweak)
{
	struct sim_node *n = &sim->node[i];
	struct net_env env = {
		.ctx = n, .dev_ctx = n, .alloc = node_alloc,
		.free = node_free, .now_ms = sim_now, .xmit = sim_xmit,
		.notify = sim_notify, .random = env_random,
	};
	struct net_stack_config cfg;
	struct net_ipv4_config ip = { i ? SIM_IP1 : SIM_IP0,
				      NET_IP4(255, 255, 255, 0), 0 };

	n->sim = sim;
	n->idx = i;
	n->mac = (struct net_mac){ { 0x52, 0x54, 0, 0x12, 0x34, 0x56 + i } };
	n->ip = ip.ip;
	net_stack_config_init(&cfg, &n->mac);
	if (tweak)
		tweak(&cfg, i);
	if (net_stack_create(&env, &cfg, &n->stack) != 0) {
		fprintf(stderr, "net_stack_create failed\n");
		abort();
	}
	if (net_ipv4_set(n->stack, &ip) != 0)
		abort();
}

void sim_init(struct sim *sim, int nstacks, sim_cfg_fn tweak)
{
	memset(sim, 0, sizeof(*sim));
	sim->now = 1000;
	sim->latency_ms = 1;
	sim->rng = 0x1234567887654321ull;
	for (int i = 0; i < 2; i++) {
		sim->node[i].sim = sim;
		sim->node[i].idx = i;
		sim->node[i].mac =
			(struct net_mac){ { 0x52, 0x54, 0, 0x12, 0x34, 0x56 + i } };
		sim->node[i].ip = i ? SIM_IP1 : SIM_IP0;
	}
	for (int i = 0; i < nstacks; i++)
		sim_node_init(sim, i, tweak);
	/* Let the gratuitous ARPs of configuration pass. */
	sim_run_for(sim, 5);
	sim_clear_captured(sim);
}

void sim_clear_captured(struct sim *sim)
{
	for (size_t i = 0; i < sim->ncaptured; i++)
		free(sim->captured[i].data);
	sim->ncaptured = 0;
}

size_t sim_fini(struct sim *sim)
{
	for (int i = 0; i < 2; i++)
		if (sim->node[i].stack)
			net_stack_destroy(sim->node[i].stack);
	for (size_t i = 0; i < sim->qlen; i++)
		free(sim->q[i].data);
	free(sim->q);
	sim_clear_captured(sim);
	if (sim->node[0].mem.bad_frees || sim->node[1].mem.bad_frees)
		return (size_t)-1;
	return sim->node[0].mem.bytes + sim->node[1].mem.bytes;
}

void sim_inject(struct sim *sim, int to, const void *frame, size_t len)
{
	net_input(sim->node[to].stack, frame, len);
}

struct net_stats sim_stats(struct sim *sim, int idx)
{
	struct net_stats st;

	net_stats_get(sim->node[idx].stack, &st);
	return st;
}

static uint64_t sim_next_event(struct sim *sim)
{
	uint64_t t = sim->qlen ? sim->q[0].at : UINT64_MAX;

	for (int i = 0; i < 2; i++) {
		uint64_t d;

		if (!sim->node[i].stack)
			continue;
		d = net_next_deadline_ms(sim->node[i].stack);
		if (d < t)
			t = d;
	}
	return t;
}

static void sim_deliver_due(struct sim *sim)
{
	while (sim->qlen && sim->q[0].at <= sim->now) {
		struct sim_frame fr = sim->q[0];

		memmove(&sim->q[0], &sim->q[1], (sim->qlen - 1) * sizeof(fr));
		sim->qlen--;
		sim->delivered++;
		net_input(sim->node[fr.to].stack, fr.data, fr.len);
		free(fr.data);
	}
}

static void sim_poll_due(struct sim *sim)
{
	for (int i = 0; i < 2; i++) {
		struct net_stack *s = sim->node[i].stack;

		if (s && net_next_deadline_ms(s) <= sim->now)
			net_poll(s);
	}
}

bool sim_run_until(struct sim *sim, sim_done_fn done, sim_step_fn step,
		   void *ctx, uint64_t max_ms)
{
	uint64_t limit = sim->now + max_ms, same = 0, last = sim->now;

	for (;;) {
		uint64_t t;

		if (done && done(sim, ctx))
			return true;
		if (step)
			step(sim, ctx);
		if (done && done(sim, ctx))
			return true;
		t = sim_next_event(sim);
		if (t > limit) {
			sim->now = limit;
			return false;
		}
		if (t > sim->now)
			sim->now = t;
		same = sim->now == last ? same + 1 : 0;
		last = sim->now;
		if (same > 1000000) {
			fprintf(stderr, "sim: stuck at %llu ms\n",
				(unsigned long long)sim->now);
			abort();
		}
		sim_deliver_due(sim);
		sim_poll_due(sim);
	}
}

void sim_run_for(struct sim *sim, uint64_t ms)
{
	sim_run_until(sim, NULL, NULL, NULL, ms);
}

/* ---- packet builders ---- */

uint16_t be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

uint32_t be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

uint16_t ref_csum(const uint8_t *p, size_t len, uint32_t start)
{
	uint64_t sum = start;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t pseudo(net_ip4_t s, net_ip4_t d, uint8_t proto, size_t len)
{
	return (s >> 16) + (s & 0xffff) + (d >> 16) + (d & 0xffff) + proto +
	       (uint32_t)len;
}

size_t build_eth(uint8_t *f, const struct net_mac *dst,
		 const struct net_mac *src, uint16_t type)
{
	memcpy(f, dst->b, 6);
	memcpy(f + 6, src->b, 6);
	put16(f + 12, type);
	return 14;
}

size_t build_arp(uint8_t *f, uint16_t op, const struct net_mac *sha,
		 net_ip4_t spa, const struct net_mac *tha, net_ip4_t tpa)
{
	static const struct net_mac bc = { { 0xff, 0xff, 0xff, 0xff, 0xff,
					     0xff } };
	uint8_t *p = f + 14;

	build_eth(f, op == 1 ? &bc : tha, sha, 0x0806);
	put16(p, 1);
	put16(p + 2, 0x0800);
	p[4] = 6;
	p[5] = 4;
	put16(p + 6, op);
	memcpy(p + 8, sha->b, 6);
	put32(p + 14, spa);
	memcpy(p + 18, tha->b, 6);
	put32(p + 24, tpa);
	return 14 + 28;
}

size_t build_ip(uint8_t *f, const struct net_mac *dst_mac,
		const struct net_mac *src_mac, net_ip4_t src, net_ip4_t dst,
		uint8_t proto, size_t payload_len, uint16_t id,
		uint16_t frag_field)
{
	uint8_t *h = f + 14;

	build_eth(f, dst_mac, src_mac, 0x0800);
	h[0] = 0x45;
	h[1] = 0;
	put16(h + 2, (uint16_t)(20 + payload_len));
	put16(h + 4, id);
	put16(h + 6, frag_field);
	h[8] = 64;
	h[9] = proto;
	put16(h + 10, 0);
	put32(h + 12, src);
	put32(h + 16, dst);
	put16(h + 10, ref_csum(h, 20, 0));
	return 14 + 20 + payload_len;
}

size_t build_udp(uint8_t *f, const struct net_mac *dm,
		 const struct net_mac *sm, net_ip4_t src, uint16_t sport,
		 net_ip4_t dst, uint16_t dport, const void *data, size_t len)
{
	uint8_t *u = f + 34;

	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)(8 + len));
	put16(u + 6, 0);
	memcpy(u + 8, data, len);
	put16(u + 6, ref_csum(u, 8 + len, pseudo(src, dst, 17, 8 + len)));
	return build_ip(f, dm, sm, src, dst, 17, 8 + len, 1, 0);
}

size_t build_tcp(uint8_t *f, const struct net_mac *dm,
		 const struct net_mac *sm, net_ip4_t src, uint16_t sport,
		 net_ip4_t dst, uint16_t dport, uint32_t seq, uint32_t ack,
		 uint8_t flags, uint16_t wnd, const uint8_t *opts,
		 size_t optlen, const void *data, size_t len)
{
	uint8_t *t = f + 34;
	size_t hl = 20 + optlen, total = hl + len;

	put16(t, sport);
	put16(t + 2, dport);
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = (uint8_t)((hl / 4) << 4);
	t[13] = flags;
	put16(t + 14, wnd);
	put16(t + 16, 0);
	put16(t + 18, 0);
	if (optlen)
		memcpy(t + 20, opts, optlen);
	if (len)
		memcpy(t + hl, data, len);
	put16(t + 16, ref_csum(t, total, pseudo(src, dst, 6, total)));
	return build_ip(f, dm, sm, src, dst, 6, total, 2, 0);
}

size_t build_icmp_echo(uint8_t *f, const struct net_mac *dm,
		       const struct net_mac *sm, net_ip4_t src, net_ip4_t dst,
		       uint8_t type, uint16_t id, uint16_t seq, size_t len)
{
	uint8_t *p = f + 34;

	p[0] = type;
	p[1] = 0;
	put16(p + 2, 0);
	put16(p + 4, id);
	put16(p + 6, seq);
	for (size_t i = 0; i < len; i++)
		p[8 + i] = (uint8_t)(i * 7);
	put16(p + 2, ref_csum(p, 8 + len, 0));
	return build_ip(f, dm, sm, src, dst, 1, 8 + len, 3, 0);
}
