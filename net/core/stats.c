/*
 * Counter access: a copy of the struct, or name/value pairs in list order
 * for printing (the names come from the same X-macro as the fields).
 */
#include <torito/net/stats.h>

#include "net/core/priv.h"

void net_stats_get(const struct net_stack *s, struct net_stats *out)
{
	*out = s->stats;
}

void net_stats_foreach(const struct net_stack *s,
		       void (*fn)(void *ctx, const char *name, uint64_t value),
		       void *ctx)
{
#define NET_STATS_CALL(name) fn(ctx, #name, s->stats.name);
	NET_STATS(NET_STATS_CALL)
#undef NET_STATS_CALL
}
