/*
 * Byte rings for TCP send and receive buffers. A ring holds len bytes from
 * head, wrapping at size; callers also write past len (out-of-order data
 * sits there until the hole before it fills) and then grow len themselves.
 * No allocation and no bounds policy here: callers keep off + n <= size.
 */
#include <torito/string.h>

#include "net/tcp/tcp.h"

uint32_t tcp_ring_space(const struct tcp_ring *r)
{
	return r->size - r->len;
}

void tcp_ring_put(struct tcp_ring *r, uint32_t off, const void *src,
		  uint32_t n)
{
	uint32_t pos, first;

	if (n == 0)
		return;
	pos = (uint32_t)(((uint64_t)r->head + r->len + off) % r->size);
	first = MIN(r->size - pos, n);
	memcpy(r->buf + pos, src, first);
	if (n > first)
		memcpy(r->buf, (const uint8_t *)src + first, n - first);
}

void tcp_ring_get(const struct tcp_ring *r, uint32_t off, void *dst,
		  uint32_t n)
{
	uint32_t pos, first;

	if (n == 0)
		return;
	pos = (uint32_t)(((uint64_t)r->head + off) % r->size);
	first = MIN(r->size - pos, n);
	memcpy(dst, r->buf + pos, first);
	if (n > first)
		memcpy((uint8_t *)dst + first, r->buf, n - first);
}

void tcp_ring_consume(struct tcp_ring *r, uint32_t n)
{
	if (n == 0)
		return;
	r->head = (uint32_t)(((uint64_t)r->head + n) % r->size);
	r->len -= n;
}
