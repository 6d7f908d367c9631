/*
 * IPv4 configuration: dotted-quad parsing and printing, the kernel command
 * line words (ip= netmask= gw=), and the calls that set the interface
 * address (static, or from the DHCP client through ipv4_config_apply).
 * Static configuration stops DHCP: it always wins.
 */
#include <torito/errno.h>
#include <torito/net/config.h>
#include <torito/string.h>

#include "net/core/priv.h"

int net_ip4_parse(const char *s, size_t len, net_ip4_t *out)
{
	uint32_t ip = 0, part = 0;
	int parts = 0, digits = 0;

	for (size_t i = 0; i <= len; i++) {
		char ch = i < len ? s[i] : '.';

		if (ch >= '0' && ch <= '9' && digits < 3) {
			part = part * 10 + (uint32_t)(ch - '0');
			digits++;
			continue;
		}
		if (ch != '.' || digits == 0 || part > 255 || parts == 4)
			return -EINVAL;
		ip = (ip << 8) | part;
		parts++;
		part = 0;
		digits = 0;
	}
	if (parts != 4)
		return -EINVAL;
	*out = ip;
	return 0;
}

static size_t fmt_u8(char *p, uint32_t v)
{
	size_t n = 0;

	if (v >= 100)
		p[n++] = (char)('0' + v / 100);
	if (v >= 10)
		p[n++] = (char)('0' + v / 10 % 10);
	p[n++] = (char)('0' + v % 10);
	return n;
}

int net_ip4_format(net_ip4_t ip, char *buf, size_t size)
{
	char tmp[16];
	size_t n = 0;

	for (int i = 3; i >= 0; i--) {
		n += fmt_u8(tmp + n, (ip >> (8 * i)) & 0xff);
		if (i)
			tmp[n++] = '.';
	}
	if (n + 1 > size)
		return -ENOSPC;
	memcpy(buf, tmp, n);
	buf[n] = '\0';
	return (int)n;
}

static bool netmask_valid(net_ip4_t m)
{
	net_ip4_t inv = ~m;

	return (inv & (inv + 1)) == 0; /* ones then zeros */
}

/* Matches "key=" at the start of a word; returns the value's start. */
static const char *word_value(const char *w, size_t n, const char *key)
{
	size_t k = strlen(key);

	return (n > k && memcmp(w, key, k) == 0) ? w + k : NULL;
}

static int config_word(const char *w, size_t n, struct net_ipv4_config *c,
		       bool *have_ip)
{
	static const char *const keys[] = { "ip=", "netmask=", "gw=" };
	net_ip4_t *dst[] = { &c->ip, &c->netmask, &c->gateway };

	for (unsigned int i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *v = word_value(w, n, keys[i]);

		if (!v)
			continue;
		if (net_ip4_parse(v, n - (size_t)(v - w), dst[i]) < 0)
			return -EINVAL;
		if (i == 0)
			*have_ip = true;
	}
	return 0;
}

int net_config_parse(const char *cmdline, struct net_ipv4_config *out)
{
	struct net_ipv4_config c = { 0, NET_IP4(255, 255, 255, 0), 0 };
	bool have_ip = false;
	const char *p = cmdline;

	memset(out, 0, sizeof(*out));
	while (p && *p) {
		size_t n = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		while (p[n] && p[n] != ' ' && p[n] != '\t')
			n++;
		if (n && config_word(p, n, &c, &have_ip) < 0)
			return -EINVAL;
		p += n;
	}
	if (!have_ip)
		return -ENOENT;
	if (!netmask_valid(c.netmask) || c.ip == 0)
		return -EINVAL;
	*out = c;
	return 0;
}

void ipv4_config_apply(struct net_stack *s, const struct net_ipv4_config *c)
{
	bool changed = memcmp(&s->ip, c, sizeof(*c)) != 0;

	s->ip = *c;
	if (!changed)
		return;
	arp_flush(s);
	arp_announce(s);
	if (s->env.ipv4_changed)
		s->env.ipv4_changed(s->env.ctx, &s->ip);
}

int net_ipv4_set(struct net_stack *s, const struct net_ipv4_config *cfg)
{
	struct net_ipv4_config c;

	if (!s || !cfg || !netmask_valid(cfg->netmask))
		return -EINVAL;
	c = *cfg;
	if (!c.ip)
		memset(&c, 0, sizeof(c));
	stack_enter(s);
	net_dhcp_stop(s);
	ipv4_config_apply(s, &c);
	stack_leave(s);
	return 0;
}

void net_ipv4_get(const struct net_stack *s, struct net_ipv4_config *out)
{
	*out = s->ip;
}

int net_configure(struct net_stack *s, const char *cmdline)
{
	struct net_ipv4_config c;
	int rc = net_config_parse(cmdline, &c);

	if (rc == -ENOENT)
		return net_dhcp_start(s);
	if (rc < 0)
		return rc;
	return net_ipv4_set(s, &c);
}
