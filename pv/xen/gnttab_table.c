/*
 * Grant references v1: a LIFO free list threaded through links[], and the
 * entry protocol of xen/include/public/grant_table.h. Granting writes
 * frame and domid, then (after a release barrier, since Xen may look at
 * the entry at any time) the flags that make it valid. Revoking
 * compare-and-swaps the flags from "permit, not in use" to 0, so a remote
 * domain that starts mapping between our look and our write is noticed
 * (GTF_reading/GTF_writing set) and the revoke fails with -EBUSY instead
 * of pulling the page from under it.
 */
#include <stdbool.h>
#include <stdint.h>

#include <torito/errno.h>

#include "pv/xen/gnttab_table.h"

void gnttab_table_init(struct gnttab_table *t, grant_entry_v1_t *entries,
		       grant_ref_t *links, uint32_t nr, uint32_t first)
{
	t->entries = entries;
	t->next = links;
	t->nr = nr;
	t->first = first;
	t->nfree = 0;
	t->free_head = GNTTAB_REF_END;
	for (uint32_t i = 0; i < first && i < nr; i++)
		links[i] = GNTTAB_REF_USED; /* reserved, never handed out */
	for (uint32_t i = nr; i-- > first;) {
		links[i] = t->free_head;
		t->free_head = i;
		t->nfree++;
	}
}

int gnttab_table_grant(struct gnttab_table *t, domid_t domid, uint32_t frame,
		       bool readonly)
{
	grant_ref_t ref = t->free_head;
	grant_entry_v1_t *e;

	if (ref == GNTTAB_REF_END)
		return -ENOSPC;
	t->free_head = t->next[ref];
	t->next[ref] = GNTTAB_REF_USED;
	t->nfree--;
	e = &t->entries[ref];
	e->frame = frame;
	e->domid = domid;
	/* Xen must see frame and domid before the flags that validate them. */
	__atomic_store_n(
		&e->flags,
		(uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0)),
		__ATOMIC_RELEASE);
	return (int)ref;
}

int gnttab_table_revoke(struct gnttab_table *t, grant_ref_t ref)
{
	grant_entry_v1_t *e;
	uint16_t flags;

	if (ref < t->first || ref >= t->nr || t->next[ref] != GNTTAB_REF_USED)
		return -EINVAL;
	e = &t->entries[ref];
	flags = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);
	if ((flags & GTF_type_mask) != GTF_permit_access)
		return -EINVAL; /* a reserved entry, or never granted */
	do {
		if (flags & (GTF_reading | GTF_writing))
			return -EBUSY;
	} while (!__atomic_compare_exchange_n(&e->flags, &flags, 0, false,
					      __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
	t->next[ref] = t->free_head;
	t->free_head = ref;
	t->nfree++;
	return 0;
}
