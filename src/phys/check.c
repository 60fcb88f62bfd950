/*
 * check.c - the physical memory invariant checker (the kernel's free-list debug checks and
 * more, on demand).
 *
 * For every zone, with zone->lock and every pcp->lock of it held:
 *   1. each free block on free_area[o].free_list[mt] has PG_buddy, private == o, an aligned pfn
 *      inside the zone span and over RAM, the zone's node/zone in its flags, refcount 0, and mt
 *      equal to the type of every pageblock it covers; PG_deferred only at MAX_PAGE_ORDER;
 *   2. no two free buddies of the same order and mergeable types are both free (else they
 *      should have merged);
 *   3. nr_free and nr_free_mt match the lists, and NR_FREE_PAGES == sum nr_free << o;
 *   4. each page on a pcp list has no PG_buddy, private 0, refcount 0, this zone;
 *      pcp->count matches its lists;
 *   5. no frame is counted twice (a bitmap over the span), and
 *      managed == buddy free + pcp pages + (pages allocated - pages freed, by every CPU).
 */
#include "phys/internal.h"

#define FAIL(...)							\
	do {								\
		if (why && why_size)					\
			snprintf(why, why_size, __VA_ARGS__);		\
		err = -EUCLEAN;						\
		goto out;						\
	} while (0)

static bool mark_frames(unsigned char *bitmap, unsigned long first, unsigned long n)
{
	unsigned long i;

	for (i = first; i < first + n; i++) {
		if (bitmap[i >> 3] & (1u << (i & 7)))
			return false;
		bitmap[i >> 3] |= (unsigned char)(1u << (i & 7));
	}
	return true;
}

static int check_zone(struct machine *m, struct zone *zone, char *why, size_t why_size)
{
	unsigned long start = zone->zone_start_pfn, span = zone->spanned_pages;
	unsigned long buddy_free = 0, pcp_pages = 0;
	long allocated = 0;
	unsigned char *bitmap;
	int err = 0, c, o, mt;

	bitmap = calloc((span + 7) / 8 + 1, 1);
	if (!bitmap)
		return -ENOMEM;
	for (c = 0; c < m->nr_cpus; c++)
		pcp_lock(&zone->per_cpu_pageset[c]);
	mm_lock(&zone->lock);

	for (o = 0; o < NR_PAGE_ORDERS; o++) {
		struct free_area *area = &zone->free_area[o];
		unsigned long total = 0;

		for (mt = 0; mt < MIGRATE_TYPES; mt++) {
			struct list_head *pos;
			unsigned long n = 0;

			list_for_each(pos, &area->free_list[mt]) {
				struct page *page = list_entry(pos, struct page, lru);
				unsigned long pfn = mpage_to_pfn(m, page), b;

				if (++n > span)
					FAIL("%s/%d: free list order %d type %d is cyclic", zone->name,
					     zone->node, o, mt);
				if (!(page->flags & (1UL << PG_buddy)) || page->private != (unsigned long)o)
					FAIL("pfn %#lx on order-%d list: buddy flag %d order %lu", pfn, o,
					     PageBuddy(page), page->private);
				if (!IS_ALIGNED(pfn, 1UL << o) || pfn < start ||
				    pfn + (1UL << o) > start + span)
					FAIL("pfn %#lx order %d misaligned or outside zone %s", pfn, o,
					     zone->name);
				if (!machine_pfn_is_ram(m, pfn) || !machine_pfn_is_ram(m, pfn + (1UL << o) - 1))
					FAIL("free block at pfn %#lx order %d covers a hole", pfn, o);
				if (page_to_nid(page) != zone->node || page_zonenum(page) != zone->idx)
					FAIL("pfn %#lx: flags say node %d zone %d, on %s of node %d", pfn,
					     page_to_nid(page), page_zonenum(page), zone->name, zone->node);
				if (page_ref_count(page) != 0)
					FAIL("free pfn %#lx has refcount %d", pfn, page_ref_count(page));
				if (test_page_flag(page, PG_deferred) && o != MAX_PAGE_ORDER)
					FAIL("deferred block pfn %#lx at order %d", pfn, o);
				for (b = pfn; b < pfn + (1UL << o); b += pageblock_nr_pages)
					if (get_pfnblock_migratetype(zone, b) != mt)
						FAIL("pfn %#lx on %s list, pageblock is %s", pfn,
						     migratetype_names[mt],
						     migratetype_names[get_pfnblock_migratetype(zone, b)]);
				if (!mark_frames(bitmap, pfn - start, 1UL << o))
					FAIL("pfn %#lx order %d: frame counted twice", pfn, o);
				/*
				 * Free buddies inside a pageblock are always merged. Whole pageblocks
				 * need not be: when a free pageblock changes type (a high-atomic
				 * reserve given back, a claimed fallback block), it keeps its order
				 * next to a free buddy, in the kernel as here, until a later free
				 * around it merges them.
				 */
				if (o < pageblock_order) {
					unsigned long bp = pfn ^ (1UL << o);
					struct page *buddy = mpfn_to_page(m, bp);

					if (bp >= start && bp + (1UL << o) <= start + span &&
					    PageBuddy(buddy) && buddy->private == (unsigned long)o)
						FAIL("free buddies pfn %#lx and %#lx of order %d not merged",
						     pfn, bp, o);
				}
			}
			if ((long)n != stat_read(&area->nr_free_mt[mt]))
				FAIL("%s/%d order %d type %s: %lu on list, nr_free_mt %ld", zone->name,
				     zone->node, o, migratetype_names[mt], n, stat_read(&area->nr_free_mt[mt]));
			total += n;
		}
		if ((long)total != stat_read(&area->nr_free))
			FAIL("%s/%d order %d: %lu blocks, nr_free %ld", zone->name, zone->node, o,
			     total, stat_read(&area->nr_free));
		buddy_free += total << o;
	}
	if (stat_read(&zone->nr_free_usable) != zone_page_state(zone, NR_FREE_PAGES) -
	    stat_read(&zone->nr_free_highatomic) - zone_page_state(zone, NR_FREE_CMA))
		FAIL("%s/%d: nr_free_usable %ld != free %ld - highatomic %ld - cma %ld", zone->name,
		     zone->node, stat_read(&zone->nr_free_usable), zone_page_state(zone, NR_FREE_PAGES),
		     stat_read(&zone->nr_free_highatomic), zone_page_state(zone, NR_FREE_CMA));
	if ((long)buddy_free != zone_page_state(zone, NR_FREE_PAGES))
		FAIL("%s/%d: %lu free pages on lists, NR_FREE_PAGES %ld", zone->name, zone->node,
		     buddy_free, zone_page_state(zone, NR_FREE_PAGES));

	for (c = 0; c < m->nr_cpus; c++) {
		struct per_cpu_pages *pcp = &zone->per_cpu_pageset[c];
		unsigned long n = 0;
		int i;

		for (i = 0; i < NR_PCP_LISTS; i++) {
			unsigned long order = i >= NR_LOWORDER_PCP_LISTS ? pageblock_order
									 : (unsigned long)i / MIGRATE_PCPTYPES;
			struct list_head *pos;

			list_for_each(pos, &pcp->lists[i]) {
				struct page *page = list_entry(pos, struct page, lru);
				unsigned long pfn = mpage_to_pfn(m, page);

				if (page->private != 0 || PageBuddy(page))
					FAIL("cpu %d pcp list %d: pfn %#lx buddy %d private %lu", c, i, pfn,
					     PageBuddy(page), page->private);
				if (pfn < start || pfn + (1UL << order) > start + span ||
				    page_zonenum(page) != zone->idx || page_to_nid(page) != zone->node)
					FAIL("cpu %d pcp: pfn %#lx not of zone %s/%d", c, pfn, zone->name,
					     zone->node);
				if (page_ref_count(page) != 0)
					FAIL("pcp pfn %#lx has refcount %d", pfn, page_ref_count(page));
				if (!mark_frames(bitmap, pfn - start, 1UL << order))
					FAIL("pcp pfn %#lx: frame counted twice", pfn);
				n += 1UL << order;
			}
		}
		if (n != (unsigned long)pcp->count)
			FAIL("cpu %d %s/%d: %lu pages on pcp lists, count %d", c, zone->name, zone->node,
			     n, pcp->count);
		/*
		 * high may sit above high_max: a vmstat pass over lists that a run of large frees
		 * left far over high keeps high within the drain limit of count, as the kernel does,
		 * and the next refill or free clamps it back. It never goes below high_min.
		 */
		if (pcp->high < pcp->high_min || pcp->alloc_factor < 0 ||
		    pcp->alloc_factor > PCP_BATCH_SCALE_MAX)
			FAIL("cpu %d %s/%d: pcp high %d below high_min %d, or alloc_factor %d", c,
			     zone->name, zone->node, pcp->high, pcp->high_min, pcp->alloc_factor);
		pcp_pages += n;
		allocated += pcp_nr_alloc(pcp) - stat_read(&pcp->nr_freed);
	}
	if ((long)zone_managed_pages(zone) != (long)(buddy_free + pcp_pages) + allocated)
		FAIL("%s/%d: managed %lu != buddy %lu + pcp %lu + allocated %ld", zone->name,
		     zone->node, zone_managed_pages(zone), buddy_free, pcp_pages, allocated);
out:
	mm_unlock(&zone->lock);
	for (c = m->nr_cpus - 1; c >= 0; c--)
		pcp_unlock(&zone->per_cpu_pageset[c]);
	free(bitmap);
	return err;
}

int check_phys(struct machine *m, char *why, size_t why_size)
{
	struct zone *zone;
	int nid, err;

	for_each_zone(m, nid, zone) {
		if (!populated_zone(zone))
			continue;
		err = check_zone(m, zone, why, why_size);
		if (err)
			return err;
	}
	return 0;
}
