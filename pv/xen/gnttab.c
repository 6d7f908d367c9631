/*
 * The guest's grant table v1: GNTTAB_FRAMES frames (or fewer, if Xen's
 * limit from GNTTABOP_query_size is lower) mapped with
 * XENMEM_add_to_physmap(XENMAPSPACE_grant_table) over pages from the
 * allocator; Xen replaces those RAM pages with the table and grows the
 * table to the frames asked for. Reference bookkeeping and the entry
 * protocol are in gnttab_table.c (portable, host-tested).
 *
 * Any CPU may grant and revoke (a spinlock guards the table).
 *
 * Left out: grant table v2, transfer grants, growing past GNTTAB_FRAMES.
 */
#include <stdbool.h>
#include <stdint.h>

#include <torito/console.h>
#include <torito/errno.h>
#include <torito/mem.h>

#include "pv/xen/arch.h"
#include "pv/xen/gnttab.h"
#include "pv/xen/gnttab_table.h"
#include "pv/xen/hypercall.h"
#include "pv/xen/xen.h"

#define PAGE_SIZE	  4096
#define GNTTAB_FRAMES	  4 /* 2048 references */
#define ENTRIES_PER_FRAME (PAGE_SIZE / sizeof(grant_entry_v1_t))

static struct gnttab_table table; /* guarded by lock_word */
static int lock_word;
static bool ready;

/* Devices on different CPUs grant and revoke: a short spinlock, with
 * interrupts off so a handler on this CPU cannot spin on it. */
static unsigned long lock(void)
{
	unsigned long flags = xen_irq_save();

	while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE))
		xen_cpu_relax();
	return flags;
}

static void unlock(unsigned long flags)
{
	__atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE);
	xen_irq_restore(flags);
}

static int query_max_frames(uint32_t *max)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF };
	long rc = hypercall_grant_table_op(GNTTABOP_query_size, &q, 1);

	if (rc < 0)
		return xen_errno(rc);
	if (q.status != GNTST_okay)
		return -EIO;
	*max = q.max_nr_frames;
	return 0;
}

static int map_frame(void *base, unsigned int i)
{
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF,
		.space = XENMAPSPACE_grant_table,
		.idx = i,
		.gpfn = virt_to_phys(base) / PAGE_SIZE + i,
	};

	return xen_errno(hypercall_memory_op(XENMEM_add_to_physmap, &xatp));
}

int gnttab_init(void)
{
	uint32_t max = 0, frames;
	grant_ref_t *links;
	void *base;
	int rc = query_max_frames(&max);

	if (rc < 0)
		return rc;
	frames = max < GNTTAB_FRAMES ? max : GNTTAB_FRAMES;
	if (frames == 0)
		return -ENOSPC;
	base = mem_zalloc(frames * PAGE_SIZE, PAGE_SIZE);
	links = mem_zalloc(frames * ENTRIES_PER_FRAME * sizeof(*links), 16);
	if (!base || !links)
		return -ENOMEM;
	for (unsigned int i = 0; i < frames; i++) {
		rc = map_frame(base, i);
		if (rc < 0)
			return rc;
	}
	gnttab_table_init(&table, base, links, frames * ENTRIES_PER_FRAME,
			  GNTTAB_NR_RESERVED_ENTRIES);
	ready = true;
	kprintf("xen: grant table v1, %u frames (max %u), %u references\n",
		frames, max, table.nfree);
	return 0;
}

int gnttab_grant_access(domid_t domid, uint64_t paddr, bool readonly)
{
	if (!ready)
		return -ENODEV;
	unsigned long flags;
	int rc;

	if ((paddr & (PAGE_SIZE - 1)) || paddr / PAGE_SIZE > UINT32_MAX)
		return -EINVAL;
	flags = lock();
	rc = gnttab_table_grant(&table, domid, (uint32_t)(paddr / PAGE_SIZE),
				readonly);
	unlock(flags);
	return rc;
}

int gnttab_end_access(grant_ref_t ref)
{
	unsigned long flags;
	int rc;

	if (!ready)
		return -ENODEV;
	flags = lock();
	rc = gnttab_table_revoke(&table, ref);
	unlock(flags);
	return rc;
}

void gnttab_forget(grant_ref_t *ref, unsigned int *busy)
{
	if (*ref && gnttab_end_access(*ref) == -EBUSY)
		(*busy)++; /* the backend holds it: leak the page */
	*ref = 0;
}
