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

/*
 * How many pages of @order to move from the buddy lists on a refill. Refills in a row with no
 * free between double the order-0 batch each time (alloc_factor, up to PCP_BATCH_SCALE_MAX),
 * within what high leaves room for; and while the zone is above its high mark, each refill
 * raises high by that batch, up to high_max: a CPU that allocates a lot may keep more.
 */
static int nr_pcp_alloc(struct per_cpu_pages *pcp, struct zone *zone, unsigned int order)
{
	int base = pcp->batch, batch, high;

	high = pcp->high = CLAMP(pcp->high, pcp->high_min, pcp->high_max);
	if (unlikely(high < base))
		return 1;
	batch = order ? base : base << pcp->alloc_factor;
	if (pcp->high_min != pcp->high_max && !zone_test_flag(zone, ZONE_BELOW_HIGH))
		high = pcp->high = MIN(high + batch, pcp->high_max);
	if (!order) {
		int room = MAX(high - pcp->count - base, base);

		if (batch <= room && pcp->alloc_factor < PCP_BATCH_SCALE_MAX)
			pcp->alloc_factor++;
		batch = MIN(batch, room);
	}
	if (batch > 1)
		batch = MAX(batch >> order, 2);
	return batch;
}

/*
 * How many pages to give back once the lists reach @high: at least a batch, and as many as
 * the frees in a row since the last allocation, leaving a batch on the lists; everything (up
 * to the drain limit) after a run of high-order frees.
 */
static int nr_pcp_free(const struct per_cpu_pages *pcp, int batch, int high, bool free_high)
{
	if (unlikely(free_high))
		return MIN(pcp->count, batch << PCP_BATCH_SCALE_MAX);
	if (unlikely(high < batch))
		return 1;
	return CLAMP(pcp->free_count, batch, high - batch);
}

/*
 * The limit the lists may grow to before a batch goes back, retuning pcp->high on the way:
 * lowered after a run of high-order frees, while kswapd reclaims the zone, or while the zone is
 * below its high mark; raised when the lists fill up with frees while memory is plentiful, so
 * a CPU that frees a lot in a row keeps its pages for the next allocations.
 */
static int nr_pcp_high(struct per_cpu_pages *pcp, struct zone *zone, int batch, bool free_high)
{
	int high = pcp->high = CLAMP(pcp->high, pcp->high_min, pcp->high_max);
	int keep = MAX(pcp->free_count, batch);

	if (unlikely(!high))
		return 0;
	if (unlikely(free_high)) {
		pcp->high = MAX(high - (batch << PCP_BATCH_SCALE_MAX), pcp->high_min);
		return 0;
	}
	if (zone_test_flag(zone, ZONE_RECLAIM_ACTIVE)) {
		pcp->high = MAX(high - keep, pcp->high_min);
		return MIN(batch << 2, pcp->high);
	}
	if (pcp->high_min == pcp->high_max)
		return high;
	if (zone_test_flag(zone, ZONE_BELOW_HIGH)) {
		pcp->high = MAX(high - keep, pcp->high_min);
		return MAX(pcp->count, pcp->high_min);
	}
	if (pcp->count >= high && pcp->high < pcp->free_count + batch)
		pcp->high = CLAMP(pcp->free_count + batch, pcp->high_min, pcp->high_max);
	return high;
}

/* A remote zone's pages stay on this CPU's lists for three refresh passes at most. */
static inline void pcp_touch_remote(struct per_cpu_pages *pcp, const struct zone *zone)
{
	if (zone->node != zone->zone_pgdat->machine->cpus[mm_current.cpu].node)
		pcp->expire = 3;
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
		int got = rmqueue_bulk(zone, order, (unsigned long)nr_pcp_alloc(pcp, zone, order), list,
				       migratetype, alloc_flags);

		pcp->count += got << order;
		pcp_touch_remote(pcp, zone);
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

/*
 * After a free (free_unref_page_commit): retune high and, once the lists reach it, give pages
 * back starting after list @pindex; the zone's lists may grow again once it is back above
 * its high mark. pcp held.
 */
void pcp_free_tune(struct zone *zone, struct per_cpu_pages *pcp, bool free_high, int pindex)
{
	int batch = pcp->batch, high = nr_pcp_high(pcp, zone, batch, free_high);

	if (pcp->count < high)
		return;
	free_pcppages_bulk(zone, nr_pcp_free(pcp, batch, high, free_high), pcp, pindex);
	pcp_touch_remote(pcp, zone);
	if (zone_test_flag(zone, ZONE_BELOW_HIGH) &&
	    zone_watermark_ok(zone, 0, high_wmark_pages(zone), ZONE_MOVABLE, 0))
		zone_clear_flag(zone, ZONE_BELOW_HIGH);
}

/* pcp_free_tune(), then the end of the caller's fast section: a tail call for the fast free. */
void pcp_free_tune_and_exit_fast(struct zone *zone, struct per_cpu_pages *pcp, bool free_high,
				 int pindex)
{
	pcp_free_tune(zone, pcp, free_high, pindex);
	mm_bias_exit_fast();
}

/*
 * Once a second the kernel's vmstat worker lowers every CPU's high by an eighth towards
 * high_min (never freeing more than the drain limit at once) and gives back what is over it,
 * so pages a CPU no longer needs return to the buddy lists. True if there is more to do.
 */
static bool decay_pcp_high(struct zone *zone, struct per_cpu_pages *pcp)
{
	bool todo = false;
	int excess;

	if (pcp->high > pcp->high_min) {
		pcp->high = MAX(MAX(pcp->count - (pcp->batch << PCP_BATCH_SCALE_MAX),
				    pcp->high - (pcp->high >> 3)), pcp->high_min);
		todo = pcp->high > pcp->high_min;
	}
	excess = pcp->count - pcp->high;
	if (excess > 0) {
		free_pcppages_bulk(zone, excess, pcp, 0);
		todo = true;
	}
	return todo;
}

int refresh_cpu_vm_stats(int cpu)
{
	struct machine *m = current_machine();
	struct zone *zone;
	int nid, changes = 0;

	if (cpu < 0 || cpu >= m->nr_cpus)
		return -EINVAL;
	for_each_zone(m, nid, zone) {
		struct per_cpu_pages *pcp;

		if (!populated_zone(zone))
			continue;
		pcp = &zone->per_cpu_pageset[cpu];
		pcp_lock(pcp);
		changes += decay_pcp_high(zone, pcp);
		/* A remote zone's pages go back a batch a pass once they expire (NUMA). */
		if (pcp->expire && pcp->count) {
			if (zone->node == m->cpus[cpu].node)
				pcp->expire = 0;
			else if (--pcp->expire)
				changes++;
			else {
				free_pcppages_bulk(zone, MIN(pcp->count, pcp->batch), pcp, 0);
				changes++;
			}
		}
		pcp_unlock(pcp);
	}
	return changes;
}

void vmstat_refresh(void)
{
	struct machine *m = current_machine();
	int c;

	for (c = 0; c < m->nr_cpus; c++)
		refresh_cpu_vm_stats(c);
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
