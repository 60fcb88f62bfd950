/*
 * pcp.c - per-CPU page lists: each CPU keeps, per zone, small lists of free pages so that most
 * allocations and frees touch no shared lock.
 *
 * List index: (order, migratetype) for orders 0..PAGE_ALLOC_COSTLY_ORDER, then one list of
 * pageblock-order pages for non-movable and one for movable requests. An empty list is refilled
 * with a batch from the buddy lists under zone->lock (rmqueue_bulk); when a CPU holds `high`
 * pages or more, a batch goes back, round-robin over the lists, oldest pages first.
 * The free batch grows with consecutive frees (free_count, halved by every allocation), between
 * batch and high - batch, as the kernel sizes it.
 *
 * Locking: per (zone, CPU), a lock biased to the CPU's own thread (core/bias_lock.h): while one
 * host thread uses a CPU alone, its fast paths take no lock at all, as the kernel's run with
 * preemption off; a second thread on the same CPU, or a remote drain, revokes that and takes
 * the lock. Lock order: the pcp, then zone->lock.
 */
#include "phys/internal.h"

static inline unsigned int pindex_to_order(int pindex)
{
	if (pindex >= NR_LOWORDER_PCP_LISTS)
		return pageblock_order;
	return (unsigned int)pindex / MIGRATE_PCPTYPES;
}

int pcp_init(struct machine *m)
{
	struct zone *zone;
	int nid, c, i;

	for_each_zone(m, nid, zone) {
		size_t bytes = sizeof(struct per_cpu_pages) * (size_t)m->nr_cpus;

		zone->per_cpu_pageset = aligned_alloc(64, bytes);
		if (!zone->per_cpu_pageset) {
			pcp_exit(m);
			return -ENOMEM;
		}
		memset(zone->per_cpu_pageset, 0, bytes);
		for (c = 0; c < m->nr_cpus; c++) {
			struct per_cpu_pages *pcp = &zone->per_cpu_pageset[c];

			mm_bias_lock_init(&pcp->bl);
			for (i = 0; i < NR_PCP_LISTS; i++)
				INIT_LIST_HEAD(&pcp->lists[i]);
		}
		zone_pcp_update(zone);
	}
	return 0;
}

void pcp_exit(struct machine *m)
{
	struct zone *zone;
	int nid;

	for_each_zone(m, nid, zone) {
		free(zone->per_cpu_pageset);
		zone->per_cpu_pageset = NULL;
	}
}

static int nr_pcp_alloc(const struct per_cpu_pages *pcp, unsigned int order)
{
	int batch = pcp->batch;

	if (order && batch > 1)
		batch = MAX(batch >> order, 2);
	return batch;
}

static int nr_pcp_free(const struct per_cpu_pages *pcp)
{
	int min_nr = pcp->batch, max_nr = pcp->high - pcp->batch, n = pcp->free_count;

	if (n > max_nr)
		n = max_nr;
	if (n < min_nr)
		n = min_nr;
	return n;
}

/* Give @count pages of @pcp back to the buddy lists, starting after list @pindex. */
static void free_pcppages_bulk(struct zone *zone, int count, struct per_cpu_pages *pcp, int pindex)
{
	struct machine *m = zone->zone_pgdat->machine;

	count = MIN(count, pcp->count);
	if (count <= 0)
		return;
	pindex--;
	mm_lock(&zone->lock);
	while (count > 0) {
		struct list_head *list;
		unsigned int order;

		do {
			if (++pindex >= NR_PCP_LISTS)
				pindex = 0;
			list = &pcp->lists[pindex];
		} while (list_empty(list));
		order = pindex_to_order(pindex);
		do {
			struct page *page = list_last_entry(list, struct page, lru);

			list_del(&page->lru);
			page->flags &= ~(1UL << PG_pcp);
			page->private = 0;
			count -= 1 << order;
			pcp->count -= 1 << order;
			free_one_page_locked(zone, page, mpage_to_pfn(m, page), order, 0);
		} while (count > 0 && !list_empty(list));
	}
	mm_unlock(&zone->lock);
}

struct page *rmqueue_pcplist(struct zone *zone, unsigned int order, int migratetype,
			     unsigned int alloc_flags, int preferred_nid, bool *used)
{
	struct per_cpu_pages *pcp = &zone->per_cpu_pageset[mm_current.cpu];
	struct list_head *list;
	struct page *page;
	bool fast = pcp_enter(pcp);

	*used = true;
	list = &pcp->lists[pcp_list_index(migratetype, order)];
	if (unlikely(list_empty(list))) {
		int got = rmqueue_bulk(zone, order, (unsigned long)nr_pcp_alloc(pcp, order), list,
				       migratetype, alloc_flags);

		pcp->count += got << order;
		if (!got) {
			pcp_leave(pcp, fast);
			return NULL;
		}
	}
	page = pcp_take_locked(pcp, list, order, zone->node, preferred_nid,
			       zone->zone_pgdat->machine->cpus[mm_current.cpu].node);
	pcp_leave(pcp, fast);
	return page;
}

/* A CPU's lists went over pcp->high: give a batch back, starting after list @pindex. */
void free_pcppages_high(struct zone *zone, struct per_cpu_pages *pcp, int pindex)
{
	free_pcppages_bulk(zone, nr_pcp_free(pcp), pcp, pindex);
}

void drain_zone_pages(struct zone *zone, int cpu)
{
	struct per_cpu_pages *pcp = &zone->per_cpu_pageset[cpu];

	pcp_lock(pcp);
	free_pcppages_bulk(zone, pcp->count, pcp, 0);
	pcp_unlock(pcp);
}

void drain_local_pages(struct zone *zone)
{
	struct machine *m = current_machine();
	int nid;

	if (zone) {
		drain_zone_pages(zone, mm_current.cpu);
		return;
	}
	for_each_zone(m, nid, zone)
		if (populated_zone(zone))
			drain_zone_pages(zone, mm_current.cpu);
}

void drain_all_pages(struct zone *zone)
{
	struct machine *m = current_machine();
	struct zone *z;
	int nid, c;

	for (c = 0; c < m->nr_cpus; c++) {
		if (zone) {
			drain_zone_pages(zone, c);
			continue;
		}
		for_each_zone(m, nid, z)
			if (populated_zone(z))
				drain_zone_pages(z, c);
	}
}
