/*
 * Grant table v1 bookkeeping, portable (host-tested): a free list of
 * grant references over an array of grant_entry_v1 and the access
 * protocol on each entry. gnttab.c supplies the array (grant frames Xen
 * maps into the guest); the tests supply a plain array and play the
 * backend by setting GTF_reading/GTF_writing.
 *
 * Not thread safe: callers serialise (pv/xen uses it from CPU 0 only).
 */
#ifndef TORITO_PV_XEN_GNTTAB_TABLE_H
#define TORITO_PV_XEN_GNTTAB_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include <torito/compiler.h>

#include "pv/xen/xen_if.h"

struct gnttab_table {
	grant_entry_v1_t *entries; /* shared with Xen */
	grant_ref_t *next; /* free-list links; GNTTAB_REF_USED if granted */
	uint32_t nr;	   /* entries */
	uint32_t first;	   /* entries below are reserved */
	uint32_t nfree;
	grant_ref_t free_head;
};

#define GNTTAB_REF_USED 0xffffffffu
#define GNTTAB_REF_END	0xfffffffeu

/*
 * Takes over entries[first..nr) (the first ones are reserved for the
 * toolstack: console and xenstore) with links[] of nr elements.
 */
void gnttab_table_init(struct gnttab_table *t, grant_entry_v1_t *entries,
		       grant_ref_t *links, uint32_t nr, uint32_t first);

/*
 * Lets domain domid access frame (read-only if readonly). Returns the
 * grant reference (>= 0), or -ENOSPC when all references are in use.
 */
int gnttab_table_grant(struct gnttab_table *t, domid_t domid, uint32_t frame,
		       bool readonly) __must_check;

/*
 * Ends access through ref and frees it. Returns 0; -EINVAL for a ref out
 * of range or not granted; -EBUSY while the remote domain still has the
 * frame mapped or is copying (ref stays granted; retry later, and do not
 * reuse the frame until it succeeds).
 */
int gnttab_table_revoke(struct gnttab_table *t, grant_ref_t ref) __must_check;

#endif /* TORITO_PV_XEN_GNTTAB_TABLE_H */
