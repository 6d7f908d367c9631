/*
 * Intrusive doubly linked lists for net/ (private). A node that is not on a
 * list points at itself, so list_del() is safe to repeat.
 */
#ifndef TORITO_NET_CORE_LIST_H
#define TORITO_NET_CORE_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct net_list {
	struct net_list *next, *prev;
};

#define container_of(p, type, member)                                         \
	((type *)(void *)((char *)(p) - offsetof(type, member)))

#define list_for_each_safe(pos, tmp, head)                                    \
	for (pos = (head)->next, tmp = pos->next; pos != (head);              \
	     pos = tmp, tmp = pos->next)

static inline void list_init(struct net_list *l)
{
	l->next = l;
	l->prev = l;
}

static inline bool list_empty(const struct net_list *l)
{
	return l->next == l;
}

static inline void list_add_tail(struct net_list *head, struct net_list *n)
{
	n->prev = head->prev;
	n->next = head;
	head->prev->next = n;
	head->prev = n;
}

static inline void list_del(struct net_list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	list_init(n);
}

static inline bool list_linked(const struct net_list *n)
{
	return n->next != n;
}

#endif /* TORITO_NET_CORE_LIST_H */
