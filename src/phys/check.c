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
 *
 * phys_check() checks all of it for every zone (machine_check, quiescent machine only). After
 * every allocator operation at debug level 3, phys_debug_check_zone() checks 1..3 of the zone
 * the operation used, under zone->lock alone, so it is safe while other CPUs allocate.
 */
#include "phys/internal.h"

/* What one zone's check has seen so far. */
struct zone_check {
	struct machine *m;
	struct zone *zone;
	unsigned char *bitmap;		/* a bit per frame of the span, or NULL: no double counts */
	char *why;
	size_t why_size;
	unsigned long buddy_free;	/* pages on the buddy lists */
	unsigned long pcp_pages;	/* pages on the per-CPU lists */
	long allocated;			/* allocated less freed, by every CPU */
};

#define FAIL(...)							\
	do {								\
		if (zc->why && zc->why_size)				\
			snprintf(zc->why, zc->why_size, __VA_ARGS__);	\
		return -EUCLEAN;					\
	} while (0)

static bool mark_frames(unsigned char *bitmap, unsigned long first, unsigned long n)
{
	unsigned long i;

	if (!bitmap)
		return true;
	for (i = first; i < first + n; i++) {
		if (bitmap[i >> 3] & (1u << (i & 7)))
			return false;
		bitmap[i >> 3] |= (unsigned char)(1u << (i & 7));
	}
	return true;
}

/*
 * Is the buddy of the free block at @pfn of order @o free at that order too? The buddy may be
 * an allocated page whose owner is writing its flags (the level-3 check runs while other CPUs
 * allocate): PG_buddy is only set under zone->lock, which the caller holds.
 */
static mm_racy_reader bool buddy_is_free(struct machine *m, const struct zone *zone,
					 unsigned long pfn, int o)
{
	unsigned long bp = pfn ^ (1UL << o);
	const struct page *buddy = mpfn_to_page(m, bp);

	return bp >= zone->zone_start_pfn && bp + (1UL << o) <= zone_end_pfn(zone) &&
	       PageBuddy(buddy) && buddy->private == (unsigned long)o;
}

/* Invariants 1 and 2 (and 5's bitmap) for the block at @page on free_list[@mt] of order @o. */
static int check_free_block(struct zone_check *zc, struct page *page, int o, int mt)
{
	struct machine *m = zc->m;
	struct zone *zone = zc->zone;
	unsigned long start = zone->zone_start_pfn, span = zone->spanned_pages;
	unsigned long pfn = mpage_to_pfn(m, page), b;

	if (!(page->flags & (1UL << PG_buddy)) || page->private != (unsigned long)o)
		FAIL("pfn %#lx on order-%d list: buddy flag %d order %lu", pfn, o,
		     PageBuddy(page), page->private);
	if (!IS_ALIGNED(pfn, 1UL << o) || pfn < start || pfn + (1UL << o) > start + span)
		FAIL("pfn %#lx order %d misaligned or outside zone %s", pfn, o, zone->name);
	if (!phys_pfn_is_ram(m, pfn) || !phys_pfn_is_ram(m, pfn + (1UL << o) - 1))
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
			FAIL("pfn %#lx on %s list, pageblock is %s", pfn, migratetype_names[mt],
			     migratetype_names[get_pfnblock_migratetype(zone, b)]);
	if (!mark_frames(zc->bitmap, pfn - start, 1UL << o))
		FAIL("pfn %#lx order %d: frame counted twice", pfn, o);
	/*
	 * Free buddies inside a pageblock are always merged. Whole pageblocks need not be: when a
	 * free pageblock changes type (a high-atomic reserve given back, a claimed fallback
	 * block), it keeps its order next to a free buddy, in the kernel as here, until a later
	 * free around it merges them.
	 */
	if (o < pageblock_order && buddy_is_free(m, zone, pfn, o))
		FAIL("free buddies pfn %#lx and %#lx of order %d not merged", pfn, pfn ^ (1UL << o), o);
	return 0;
}

/* Invariants 1..3: every buddy list of the zone and its counters; zone->lock held. */
static int check_free_lists(struct zone_check *zc)
{
	struct zone *zone = zc->zone;
	int o, mt, err;

	for (o = 0; o < NR_PAGE_ORDERS; o++) {
		struct free_area *area = &zone->free_area[o];
		unsigned long total = 0;

		for (mt = 0; mt < MIGRATE_TYPES; mt++) {
			struct list_head *pos;
			unsigned long n = 0;

			list_for_each(pos, &area->free_list[mt]) {
				if (++n > zone->spanned_pages)
					FAIL("%s/%d: free list order %d type %d is cyclic", zone->name,
					     zone->node, o, mt);
				err = check_free_block(zc, list_entry(pos, struct page, lru), o, mt);
				if (err)
					return err;
			}
			if ((long)n != stat_read(&area->nr_free_mt[mt]))
				FAIL("%s/%d order %d type %s: %lu on list, nr_free_mt %ld", zone->name,
				     zone->node, o, migratetype_names[mt], n, stat_read(&area->nr_free_mt[mt]));
			total += n;
		}
		if ((long)total != stat_read(&area->nr_free))
			FAIL("%s/%d order %d: %lu blocks, nr_free %ld", zone->name, zone->node, o,
			     total, stat_read(&area->nr_free));
		zc->buddy_free += total << o;
	}
	if (stat_read(&zone->nr_free_usable) != zone_page_state(zone, NR_FREE_PAGES) -
	    stat_read(&zone->nr_free_highatomic) - zone_page_state(zone, NR_FREE_CMA))
		FAIL("%s/%d: nr_free_usable %ld != free %ld - highatomic %ld - cma %ld", zone->name,
		     zone->node, stat_read(&zone->nr_free_usable), zone_page_state(zone, NR_FREE_PAGES),
		     stat_read(&zone->nr_free_highatomic), zone_page_state(zone, NR_FREE_CMA));
	if ((long)zc->buddy_free != zone_page_state(zone, NR_FREE_PAGES))
		FAIL("%s/%d: %lu free pages on lists, NR_FREE_PAGES %ld", zone->name, zone->node,
		     zc->buddy_free, zone_page_state(zone, NR_FREE_PAGES));
	return 0;
}

/* Invariant 4 for CPU @c's lists of the zone; that pcp lock held. */
static int check_pcp_lists(struct zone_check *zc, int c)
{
	struct zone *zone = zc->zone;
	struct per_cpu_pages *pcp = &zone->per_cpu_pageset[c];
	unsigned long start = zone->zone_start_pfn, span = zone->spanned_pages, n = 0;
	int i;

	for (i = 0; i < NR_PCP_LISTS; i++) {
		unsigned long order = i >= NR_LOWORDER_PCP_LISTS ? pageblock_order
								 : (unsigned long)i / MIGRATE_PCPTYPES;
		struct list_head *pos;

		list_for_each(pos, &pcp->lists[i]) {
			struct page *page = list_entry(pos, struct page, lru);
			unsigned long pfn = mpage_to_pfn(zc->m, page);

			if (page->private != 0 || PageBuddy(page))
				FAIL("cpu %d pcp list %d: pfn %#lx buddy %d private %lu", c, i, pfn,
				     PageBuddy(page), page->private);
			if (pfn < start || pfn + (1UL << order) > start + span ||
			    page_zonenum(page) != zone->idx || page_to_nid(page) != zone->node)
				FAIL("cpu %d pcp: pfn %#lx not of zone %s/%d", c, pfn, zone->name,
				     zone->node);
			if (page_ref_count(page) != 0)
				FAIL("pcp pfn %#lx has refcount %d", pfn, page_ref_count(page));
			if (!mark_frames(zc->bitmap, pfn - start, 1UL << order))
				FAIL("pcp pfn %#lx: frame counted twice", pfn);
			n += 1UL << order;
		}
	}
	if (n != (unsigned long)pcp->count)
		FAIL("cpu %d %s/%d: %lu pages on pcp lists, count %d", c, zone->name, zone->node, n,
		     pcp->count);
	/*
	 * high may sit above high_max: a vmstat pass over lists that a run of large frees left
	 * far over high keeps high within the drain limit of count, as the kernel does, and the
	 * next refill or free clamps it back. It never goes below high_min - unless high_min is
	 * above high_max (a min_free_kbytes so large that the low watermark, which sizes
	 * high_min, exceeds an eighth of the zone, which sizes high_max): the kernel's clamp()
	 * applies the upper bound last, so high is then high_max, and so it is here.
	 */
	if (pcp->high < MIN(pcp->high_min, pcp->high_max) || pcp->alloc_factor < 0 ||
	    pcp->alloc_factor > PCP_BATCH_SCALE_MAX)
		FAIL("cpu %d %s/%d: pcp high %d below high_min %d (high_max %d), or alloc_factor %d",
		     c, zone->name, zone->node, pcp->high, pcp->high_min, pcp->high_max,
		     pcp->alloc_factor);
	zc->pcp_pages += n;
	zc->allocated += pcp_nr_alloc(pcp) - stat_read(&pcp->nr_freed);
	return 0;
}

/* Invariants 1..5 of @zone, with its zone lock and every pcp lock held. */
static int check_zone_locked(struct zone_check *zc)
{
	struct zone *zone = zc->zone;
	int c, err;

	err = check_free_lists(zc);
	for (c = 0; !err && c < zc->m->nr_cpus; c++)
		err = check_pcp_lists(zc, c);
	if (err)
		return err;
	if ((long)zone_managed_pages(zone) != (long)(zc->buddy_free + zc->pcp_pages) + zc->allocated)
		FAIL("%s/%d: managed %lu != buddy %lu + pcp %lu + allocated %ld", zone->name,
		     zone->node, zone_managed_pages(zone), zc->buddy_free, zc->pcp_pages, zc->allocated);
	return 0;
}

static int check_zone(struct machine *m, struct zone *zone, char *why, size_t why_size)
{
	struct zone_check zc = { .m = m, .zone = zone, .why = why, .why_size = why_size };
	int err, c;

	zc.bitmap = calloc((zone->spanned_pages + 7) / 8 + 1, 1);
	if (!zc.bitmap)
		return -ENOMEM;
	for (c = 0; c < m->nr_cpus; c++)
		pcp_lock(&zone->per_cpu_pageset[c]);
	mm_lock(&zone->lock);
	err = check_zone_locked(&zc);
	mm_unlock(&zone->lock);
	for (c = m->nr_cpus - 1; c >= 0; c--)
		pcp_unlock(&zone->per_cpu_pageset[c]);
	free(zc.bitmap);
	return err;
}

void phys_debug_check_zone(struct zone *zone)
{
	struct zone_check zc = { .m = zone->zone_pgdat->machine, .zone = zone };
	char why[256];
	int err;

	zc.why = why;
	zc.why_size = sizeof(why);
	mm_lock(&zone->lock);
	err = check_free_lists(&zc);
	mm_unlock(&zone->lock);
	if (err)
		mm_bug(__func__, __FILE__, __LINE__, why);
}

int phys_check(struct machine *m, char *why, size_t why_size)
{
	struct zone *zone;
	int nid, err;

	if (why && why_size)
		why[0] = '\0';
	for_each_zone(m, nid, zone) {
		if (!populated_zone(zone))
			continue;
		err = check_zone(m, zone, why, why_size);
		if (err)
			return err;
	}
	return 0;
}
