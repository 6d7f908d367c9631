/*
 * DHCP client (RFC 2131 §4.4): SELECTING (DISCOVER, broadcast) → on OFFER
 * REQUESTING (REQUEST with server id and requested address) → on ACK BOUND
 * (address, netmask, router applied through ipv4_config_apply) → at T1
 * RENEWING (REQUEST unicast to the server, ciaddr set) → at T2 REBINDING
 * (broadcast) → at lease end the address is dropped and discovery starts
 * again. A NAK restarts discovery. Retransmissions double from
 * dhcp_retry_ms up to 64 s. Replies are matched on xid and our MAC; option
 * overload, DNS and other options are not used.
 */
#include <torito/errno.h>
#include <torito/string.h>

#include "net/core/priv.h"
#include "net/core/wire.h"

#define DHCP_FIXED_LEN 236
#define DHCP_OPT_START 240
#define DHCP_MIN_LEN 300
#define DHCP_MAGIC 0x63825363u
#define DHCP_RETRY_MAX_MS 64000u
#define DHCP_REQUEST_TRIES 4

enum {
	DHCPDISCOVER = 1,
	DHCPOFFER = 2,
	DHCPREQUEST = 3,
	DHCPACK = 5,
	DHCPNAK = 6,
};

enum {
	OPT_PAD = 0,
	OPT_NETMASK = 1,
	OPT_ROUTER = 3,
	OPT_REQUESTED_IP = 50,
	OPT_LEASE = 51,
	OPT_MSG_TYPE = 53,
	OPT_SERVER_ID = 54,
	OPT_PARAMS = 55,
	OPT_T1 = 58,
	OPT_T2 = 59,
	OPT_CLIENT_ID = 61,
	OPT_END = 255,
};

/* What a reply says. */
struct dhcp_reply {
	uint8_t type;
	net_ip4_t yiaddr, server, netmask, router;
	uint32_t lease, t1, t2; /* seconds; 0 = absent */
};

static uint8_t *dhcp_opt(uint8_t *o, uint8_t code, uint8_t len,
			 const void *val)
{
	o[0] = code;
	o[1] = len;
	memcpy(o + 2, val, len);
	return o + 2 + len;
}

static uint8_t *dhcp_opt_ip(uint8_t *o, uint8_t code, net_ip4_t ip)
{
	uint8_t b[4];

	wr32(b, ip);
	return dhcp_opt(o, code, 4, b);
}

/* Builds and sends one client message of the given type. */
static void dhcp_send(struct net_stack *s, uint8_t type)
{
	static const uint8_t params[] = { OPT_NETMASK, OPT_ROUTER, OPT_LEASE,
					  OPT_T1, OPT_T2 };
	struct dhcp_client *d = &s->dhcp;
	uint8_t *p = s->tx + TX_L4 + UDP_HLEN, *o = p + DHCP_OPT_START;
	uint8_t cid[7] = { 1 };
	bool renewing = d->state == NET_DHCP_RENEWING ||
			d->state == NET_DHCP_REBINDING;
	struct net_addr to = { NET_IP4_BROADCAST, DHCP_SERVER_PORT };

	if (d->state == NET_DHCP_RENEWING)
		to.ip = d->server;

	memset(p, 0, DHCP_MIN_LEN);
	p[0] = 1; /* BOOTREQUEST */
	p[1] = 1;
	p[2] = 6;
	wr32(p + 4, d->xid);
	wr16(p + 10, renewing ? 0 : 0x8000); /* broadcast replies please */
	wr32(p + 12, renewing ? s->ip.ip : 0);
	memcpy(p + 28, s->cfg.mac.b, 6);
	wr32(p + DHCP_FIXED_LEN, DHCP_MAGIC);
	o = dhcp_opt(o, OPT_MSG_TYPE, 1, &type);
	memcpy(cid + 1, s->cfg.mac.b, 6);
	o = dhcp_opt(o, OPT_CLIENT_ID, sizeof(cid), cid);
	if (d->state == NET_DHCP_REQUESTING) {
		o = dhcp_opt_ip(o, OPT_REQUESTED_IP, d->offered);
		o = dhcp_opt_ip(o, OPT_SERVER_ID, d->server);
	}
	o = dhcp_opt(o, OPT_PARAMS, sizeof(params), params);
	*o = OPT_END;
	s->stats.dhcp_tx++;
	udp_output(s, DHCP_CLIENT_PORT, &to, DHCP_MIN_LEN);
}

static void dhcp_retry_arm(struct net_stack *s)
{
	struct dhcp_client *d = &s->dhcp;

	d->t_retry = stack_after(s, d->retry_ms);
	stack_timer(s, d->t_retry);
	d->retry_ms = MIN(d->retry_ms * 2, DHCP_RETRY_MAX_MS);
}

/* Enters state and sends its message with a fresh retry schedule. */
static void dhcp_enter(struct net_stack *s, uint8_t state)
{
	struct dhcp_client *d = &s->dhcp;

	d->state = state;
	d->retry_ms = s->cfg.dhcp_retry_ms;
	d->tries = 0;
	if (state == NET_DHCP_SELECTING) {
		d->xid = stack_random(s);
		d->t_renew = d->t_rebind = d->t_expire = 0;
	}
	dhcp_send(s, state == NET_DHCP_SELECTING ? DHCPDISCOVER : DHCPREQUEST);
	dhcp_retry_arm(s);
}

int net_dhcp_start(struct net_stack *s)
{
	if (!s)
		return -EINVAL;
	stack_enter(s);
	memset(&s->dhcp, 0, sizeof(s->dhcp));
	dhcp_enter(s, NET_DHCP_SELECTING);
	stack_leave(s);
	return 0;
}

void net_dhcp_stop(struct net_stack *s)
{
	memset(&s->dhcp, 0, sizeof(s->dhcp));
}

enum net_dhcp_state net_dhcp_state(const struct net_stack *s)
{
	return (enum net_dhcp_state)s->dhcp.state;
}

static void dhcp_opt_read(struct dhcp_reply *r, uint8_t code,
			  const uint8_t *v, uint8_t len)
{
	if (code == OPT_MSG_TYPE && len == 1)
		r->type = v[0];
	else if (len < 4)
		return;
	else if (code == OPT_SERVER_ID)
		r->server = rd32(v);
	else if (code == OPT_NETMASK)
		r->netmask = rd32(v);
	else if (code == OPT_ROUTER)
		r->router = rd32(v);
	else if (code == OPT_LEASE)
		r->lease = rd32(v);
	else if (code == OPT_T1)
		r->t1 = rd32(v);
	else if (code == OPT_T2)
		r->t2 = rd32(v);
}

/* Parses the fixed part and options; false if it is not for us. */
static bool dhcp_parse(struct net_stack *s, const uint8_t *p, size_t len,
		       struct dhcp_reply *r)
{
	size_t i = DHCP_OPT_START;

	memset(r, 0, sizeof(*r));
	if (len < DHCP_OPT_START || p[0] != 2 || p[1] != 1 || p[2] != 6 ||
	    rd32(p + 4) != s->dhcp.xid || memcmp(p + 28, s->cfg.mac.b, 6) ||
	    rd32(p + DHCP_FIXED_LEN) != DHCP_MAGIC)
		return false;
	r->yiaddr = rd32(p + 16);
	while (i < len && p[i] != OPT_END) {
		if (p[i] == OPT_PAD) {
			i++;
			continue;
		}
		if (i + 1 >= len || i + 2 + p[i + 1] > len)
			return false;
		dhcp_opt_read(r, p[i], p + i + 2, p[i + 1]);
		i += 2 + (size_t)p[i + 1];
	}
	return r->type != 0;
}

static uint64_t dhcp_at(const struct net_stack *s, uint32_t secs)
{
	return stack_after(s, (uint64_t)secs * 1000);
}

static void dhcp_bind(struct net_stack *s, const struct dhcp_reply *r)
{
	struct dhcp_client *d = &s->dhcp;
	struct net_ipv4_config c = {
		.ip = r->yiaddr,
		.netmask = r->netmask ? r->netmask : NET_IP4(255, 255, 255, 0),
		.gateway = r->router,
	};
	uint32_t lease = r->lease ? r->lease : 0xffffffffu;

	d->state = NET_DHCP_BOUND;
	d->t_retry = 0;
	if (r->server)
		d->server = r->server;
	d->t_renew = d->t_rebind = d->t_expire = 0;
	if (lease != 0xffffffffu) {
		d->t_renew = dhcp_at(s, r->t1 ? r->t1 : lease / 2);
		d->t_rebind = dhcp_at(s, r->t2 ? r->t2
					       : (uint32_t)((uint64_t)lease * 7 / 8));
		d->t_expire = dhcp_at(s, lease);
		stack_timer(s, d->t_renew);
	}
	s->stats.dhcp_bound++;
	ipv4_config_apply(s, &c);
}

/* A unicast address we could use (0/8, loopback, class D/E refused). */
static bool dhcp_offer_valid(const struct dhcp_reply *r)
{
	uint8_t top = (uint8_t)(r->yiaddr >> 24);

	return top != 0 && top != 127 && top < 224;
}

void dhcp_input(struct net_stack *s, net_ip4_t src, const uint8_t *p,
		size_t len)
{
	struct dhcp_client *d = &s->dhcp;
	struct dhcp_reply r;

	s->stats.dhcp_rx++;
	if (!dhcp_parse(s, p, len, &r)) {
		s->stats.dhcp_bad++;
		return;
	}
	if (d->state == NET_DHCP_SELECTING && r.type == DHCPOFFER &&
	    dhcp_offer_valid(&r)) {
		d->offered = r.yiaddr;
		d->server = r.server ? r.server : src;
		dhcp_enter(s, NET_DHCP_REQUESTING);
	} else if (d->state >= NET_DHCP_REQUESTING && r.type == DHCPACK &&
		   d->state != NET_DHCP_BOUND && dhcp_offer_valid(&r)) {
		dhcp_bind(s, &r);
	} else if (d->state >= NET_DHCP_REQUESTING && r.type == DHCPNAK &&
		   d->state != NET_DHCP_BOUND) {
		s->stats.dhcp_nak++;
		dhcp_enter(s, NET_DHCP_SELECTING);
	} else {
		s->stats.dhcp_bad++;
	}
}

static void dhcp_expire(struct net_stack *s)
{
	struct net_ipv4_config none = { 0, 0, 0 };

	s->stats.dhcp_expired++;
	ipv4_config_apply(s, &none);
	dhcp_enter(s, NET_DHCP_SELECTING);
}

static void dhcp_retry(struct net_stack *s)
{
	struct dhcp_client *d = &s->dhcp;

	if (d->state == NET_DHCP_REQUESTING &&
	    ++d->tries > DHCP_REQUEST_TRIES) {
		dhcp_enter(s, NET_DHCP_SELECTING); /* server went quiet */
		return;
	}
	dhcp_send(s, d->state == NET_DHCP_SELECTING ? DHCPDISCOVER
						    : DHCPREQUEST);
	dhcp_retry_arm(s);
}

static uint64_t dhcp_deadline(const struct dhcp_client *d)
{
	uint64_t t = NET_DEADLINE_NONE;

	switch (d->state) {
	case NET_DHCP_BOUND:
		return timer_min(t, d->t_renew);
	case NET_DHCP_RENEWING:
		t = timer_min(t, d->t_rebind);
		/* fall through */
	case NET_DHCP_REBINDING:
		t = timer_min(t, d->t_expire);
		/* fall through */
	default:
		return timer_min(t, d->t_retry);
	}
}

uint64_t dhcp_poll(struct net_stack *s)
{
	struct dhcp_client *d = &s->dhcp;
	uint64_t now = s->now;

	if (d->state == NET_DHCP_OFF)
		return NET_DEADLINE_NONE;
	if (d->state >= NET_DHCP_BOUND && timer_due(d->t_expire, now))
		dhcp_expire(s);
	else if (d->state == NET_DHCP_BOUND && timer_due(d->t_renew, now))
		dhcp_enter(s, NET_DHCP_RENEWING);
	else if (d->state == NET_DHCP_RENEWING && timer_due(d->t_rebind, now))
		dhcp_enter(s, NET_DHCP_REBINDING);
	else if (d->state != NET_DHCP_BOUND && timer_due(d->t_retry, now))
		dhcp_retry(s);
	return dhcp_deadline(d);
}
