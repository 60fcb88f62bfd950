/*
 * buddy.c - the binary buddy allocator of one zone, with migratetypes (zone->lock held
 * throughout, except for the pageblock type reads noted below).
 *
 * A free block of order o starts at a pfn aligned to 2^o; its head page has PG_buddy and
 * private == o and sits on free_area[o].free_list[mt], where mt is the migratetype of the
 * pageblock that holds it (for o >= pageblock_order, every pageblock it covers has type mt).
 * Its buddy is the block at pfn ^ 2^o. Freeing merges with the buddy while the buddy is a free
 * block of the same order in the same zone (__free_one_page); allocation takes the smallest
 * block that fits and returns the upper halves to the lists (expand).
 *
 * When a migratetype runs dry, the allocator falls back to others in the order of fallbacks[]:
 * first trying to claim a whole pageblock for the requesting type (all of a large block, or a
 * pageblock at least half free or compatible), then stealing a block without claiming.
 * HIGHATOMIC pageblocks (at most 1% of a zone) are reserved for high-order atomic requests.
 */
#include "phys/internal.h"

static const int fallbacks[MIGRATE_PCPTYPES][MIGRATE_PCPTYPES - 1] = {
	[MIGRATE_UNMOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE },
	[MIGRATE_MOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE },
	[MIGRATE_RECLAIMABLE] = { MIGRATE_UNMOVABLE, MIGRATE_MOVABLE },
};

static inline bool migratetype_is_mergeable(int mt)
{
	return mt < MIGRATE_PCPTYPES;
}

void set_pageblock_migratetype(struct zone *zone, unsigned long pfn, int mt)
{
	atomic_store_explicit(&zone->pageblock_mt[pageblock_index(zone, pfn)], (unsigned char)mt,
			      memory_order_relaxed);
}

static void change_pageblock_range(struct zone *zone, unsigned long pfn, unsigned int order, int mt)
{
	unsigned long n = order >= pageblock_order ? 1UL << (order - pageblock_order) : 1;

	while (n--) {
		set_pageblock_migratetype(zone, pfn, mt);
		pfn += pageblock_nr_pages;
	}
}

enum migratetype get_pageblock_migratetype(const struct page *page)
{
	struct machine *m = current_machine();

	return (enum migratetype)get_pfnblock_migratetype(mpage_zone(m, page), mpage_to_pfn(m, page));
}

static void account_freepages(struct zone *zone, long nr, int mt, unsigned int order)
{
	stat_add_locked(&zone->vm_stat[NR_FREE_PAGES], nr);
	if (order >= pageblock_order)
		stat_add_locked(&zone->vm_stat[NR_FREE_PAGES_BLOCKS], nr);
	if (mt == MIGRATE_HIGHATOMIC)
		stat_add_locked(&zone->nr_free_highatomic, nr);
	else if (mt == MIGRATE_CMA)
		stat_add_locked(&zone->vm_stat[NR_FREE_CMA], nr);
	else
		stat_add_locked(&zone->nr_free_usable, nr);
}

static void add_to_free_list(struct page *page, struct zone *zone, unsigned int order, int mt,
			     bool tail)
{
	struct free_area *area = &zone->free_area[order];

	page->flags |= 1UL << PG_buddy;
	page->private = order;
	if (tail)
		list_add_tail(&page->lru, &area->free_list[mt]);
	else
		list_add(&page->lru, &area->free_list[mt]);
	stat_add_locked(&area->nr_free, 1);
	stat_add_locked(&area->nr_free_mt[mt], 1);
	account_freepages(zone, 1L << order, mt, order);
}

static void del_page_from_free_list(struct page *page, struct zone *zone, unsigned int order, int mt)
{
	struct free_area *area = &zone->free_area[order];

	list_del(&page->lru);
	page->flags &= ~(1UL << PG_buddy);
	page->private = 0;
	stat_add_locked(&area->nr_free, -1);
	stat_add_locked(&area->nr_free_mt[mt], -1);
	account_freepages(zone, -(1L << order), mt, order);
}

static void move_to_free_list(struct page *page, struct zone *zone, unsigned int order,
			      int old_mt, int new_mt)
{
	del_page_from_free_list(page, zone, order, old_mt);
	add_to_free_list(page, zone, order, new_mt, true);
}

/*
 * A block leaves the free lists: if it is a deferred max-order block, its tail descriptors are
 * written now (the first time anybody needs them).
 */
static void prepare_taken_block(struct zone *zone, struct page *page)
{
	struct machine *m = zone->zone_pgdat->machine;

	if (unlikely(test_page_flag(page, PG_deferred))) {
		memmap_init_block(m, mpage_to_pfn(m, page) + 1, (1UL << MAX_PAGE_ORDER) - 1, zone);
		clear_page_flag(page, PG_deferred);
	}
}

/* Split a block of order @high down to @low, giving the upper halves back to list @mt. */
static void expand(struct zone *zone, struct page *page, unsigned int low, unsigned int high, int mt)
{
	unsigned long size = 1UL << high;

	while (high > low) {
		high--;
		size >>= 1;
		add_to_free_list(&page[size], zone, high, mt, false);
	}
}

static void page_del_and_expand(struct zone *zone, struct page *page, unsigned int order,
				unsigned int high, int mt)
{
	del_page_from_free_list(page, zone, high, mt);
	prepare_taken_block(zone, page);
	expand(zone, page, order, high, mt);
}

static inline bool pfn_in_zone(const struct zone *zone, unsigned long pfn, unsigned int order)
{
	return pfn >= zone->zone_start_pfn && pfn + (1UL << order) <= zone_end_pfn(zone);
}

/*
 * The free buddy of the block at @pfn of @order, or NULL. The buddy may be an allocated page
 * whose owner is writing its flags: PG_buddy is only ever set under zone->lock, which we hold.
 */
static mm_racy_reader struct page *find_free_buddy(struct zone *zone, struct page *page, unsigned long pfn,
				    unsigned int order)
{
	unsigned long buddy_pfn = pfn ^ (1UL << order);
	struct page *buddy;

	if (!pfn_in_zone(zone, buddy_pfn, order))
		return NULL;
	buddy = page + ((long)buddy_pfn - (long)pfn);
	if (!(buddy->flags & (1UL << PG_buddy)) || buddy->private != order)
		return NULL;
	return buddy;
}

void free_one_page_locked(struct zone *zone, struct page *page, unsigned long pfn,
			  unsigned int order, int migratetype)
{
	unsigned long buddy_pfn = 0;
	struct page *buddy;
	bool to_tail = false;
	int mt = get_pfnblock_migratetype(zone, pfn);

	mm_lock_assert_held(&zone->lock);
	VM_BUG_ON_PAGE(order > MAX_PAGE_ORDER || !IS_ALIGNED(pfn, 1UL << order), page);
	VM_BUG_ON_PAGE(!pfn_in_zone(zone, pfn, order), page);
	VM_BUG_ON_PAGE(test_page_flag(page, PG_buddy) || page_ref_count(page) != 0, page);
	(void)migratetype;	/* free lists follow the pageblock's current type */
	while (order < MAX_PAGE_ORDER) {
		int buddy_mt = mt;

		buddy = find_free_buddy(zone, page, pfn, order);
		if (!buddy)
			break;
		buddy_pfn = pfn ^ (1UL << order);
		if (order >= pageblock_order) {
			buddy_mt = get_pfnblock_migratetype(zone, buddy_pfn);
			if (buddy_mt != mt && (!migratetype_is_mergeable(mt) ||
					       !migratetype_is_mergeable(buddy_mt)))
				break;
		}
		del_page_from_free_list(buddy, zone, order, buddy_mt);
		if (buddy_mt != mt)
			change_pageblock_range(zone, buddy_pfn, order, mt);
		page = page + ((long)(pfn & buddy_pfn) - (long)pfn);
		pfn &= buddy_pfn;
		order++;
	}
	/*
	 * If the block one order up is likely to merge soon (its buddy is free), put this one at
	 * the tail so it is not handed out first (the kernel's buddy_merge_likely).
	 */
	if (order < MAX_PAGE_ORDER - 1) {
		unsigned long higher_pfn = pfn & ~(1UL << order);

		to_tail = find_free_buddy(zone, page + ((long)higher_pfn - (long)pfn), higher_pfn,
					  order + 1) != NULL;
	}
	add_to_free_list(page, zone, order, mt, to_tail);
}

/* Boot: hand a run of never-used frames to the buddy lists (at the tail, as the kernel does). */
void phys_free_boot_block(struct zone *zone, unsigned long pfn, unsigned int order)
{
	struct machine *m = zone->zone_pgdat->machine;
	struct page *page = mpfn_to_page(m, pfn);

	if (order == MAX_PAGE_ORDER) {
		/* Only the head is written; the tails wait for prepare_taken_block(). */
		memmap_init_block(m, pfn, 1, zone);
		set_page_flag(page, PG_deferred);
		add_to_free_list(page, zone, order, get_pfnblock_migratetype(zone, pfn), true);
		return;
	}
	memmap_init_block(m, pfn, 1UL << order, zone);
	free_one_page_locked(zone, page, pfn, order, MIGRATE_MOVABLE);
}

static struct page *rmqueue_smallest(struct zone *zone, unsigned int order, int mt)
{
	unsigned int o;

	for (o = order; o < NR_PAGE_ORDERS; o++) {
		struct list_head *list = &zone->free_area[o].free_list[mt];
		struct page *page;

		if (list_empty(list))
			continue;
		page = list_first_entry(list, struct page, lru);
		page_del_and_expand(zone, page, order, o, mt);
		return page;
	}
	return NULL;
}

static bool should_try_claim_block(unsigned int order, int start_mt)
{
	if (order >= pageblock_order / 2)
		return true;
	return start_mt == MIGRATE_RECLAIMABLE || start_mt == MIGRATE_UNMOVABLE;
}

/*
 * The first fallback type with a free block of @order: its type, -1 if none, or -2 if there is
 * one but a block of this order may not be claimed.
 */
static int find_suitable_fallback(const struct free_area *area, unsigned int order, int mt,
				  bool claimable)
{
	int i;

	if (claimable && !should_try_claim_block(order, mt))
		return -2;
	for (i = 0; i < MIGRATE_PCPTYPES - 1; i++) {
		int fmt = fallbacks[mt][i];

		if (!list_empty(&area->free_list[fmt]))
			return fmt;
	}
	return -1;
}

/*
 * Move every free block of the pageblock at @pfn from @old_mt to @new_mt; set the block type.
 * Allocated pages of the block are read racily, as in find_free_buddy().
 */
static mm_racy_reader unsigned long move_freepages_block(struct zone *zone, unsigned long pfn, int old_mt, int new_mt)
{
	struct machine *m = zone->zone_pgdat->machine;
	unsigned long start = ALIGN_DOWN(pfn, pageblock_nr_pages), end = start + pageblock_nr_pages;
	unsigned long moved = 0;

	start = MAX(start, zone->zone_start_pfn);
	end = MIN(end, zone_end_pfn(zone));
	for (pfn = start; pfn < end;) {
		struct page *page = mpfn_to_page(m, pfn);

		if ((page->flags & (1UL << PG_buddy)) && page->private < pageblock_order) {
			unsigned int order = (unsigned int)page->private;

			move_to_free_list(page, zone, order, old_mt, new_mt);
			moved += 1UL << order;
			pfn += 1UL << order;
		} else {
			pfn++;
		}
	}
	set_pageblock_migratetype(zone, start, new_mt);
	return moved;
}

/* Free pages and pages of a compatible kind in the pageblock at @pfn (a racy estimate). */
static mm_racy_reader void count_block_pages(struct zone *zone, unsigned long pfn, unsigned long *free_pages,
			      unsigned long *movable_pages)
{
	struct machine *m = zone->zone_pgdat->machine;
	unsigned long start = ALIGN_DOWN(pfn, pageblock_nr_pages), end = start + pageblock_nr_pages;

	*free_pages = *movable_pages = 0;
	start = MAX(start, zone->zone_start_pfn);
	end = MIN(end, zone_end_pfn(zone));
	for (pfn = start; pfn < end;) {
		struct page *page = mpfn_to_page(m, pfn);

		if (page->flags & (1UL << PG_buddy)) {
			*free_pages += 1UL << page->private;
			pfn += 1UL << page->private;
			continue;
		}
		if (page->flags & (1UL << PG_lru))
			(*movable_pages)++;
		pfn++;
	}
}

static struct page *try_to_claim_block(struct zone *zone, struct page *page, unsigned int current_order,
				       unsigned int order, int start_mt, int block_mt)
{
	struct machine *m = zone->zone_pgdat->machine;
	unsigned long pfn = mpage_to_pfn(m, page), free_pages, movable_pages, alike;

	if (current_order >= pageblock_order) {
		del_page_from_free_list(page, zone, current_order, block_mt);
		change_pageblock_range(zone, pfn, current_order, start_mt);
		prepare_taken_block(zone, page);
		expand(zone, page, order, current_order, start_mt);
		return page;
	}
	count_block_pages(zone, pfn, &free_pages, &movable_pages);
	if (start_mt == MIGRATE_MOVABLE)
		alike = movable_pages;
	else if (block_mt == MIGRATE_MOVABLE)
		alike = pageblock_nr_pages - (free_pages + movable_pages);
	else
		alike = 0;
	if (free_pages + alike >= (1UL << (pageblock_order - 1))) {
		move_freepages_block(zone, pfn, block_mt, start_mt);
		return rmqueue_smallest(zone, order, start_mt);
	}
	return NULL;
}

static struct page *rmqueue_claim(struct zone *zone, unsigned int order, int start_mt,
				  unsigned int alloc_flags)
{
	unsigned int min_order = (alloc_flags & ALLOC_NOFRAGMENT) ? pageblock_order : order;
	int o;

	for (o = MAX_PAGE_ORDER; o >= (int)min_order; o--) {
		struct free_area *area = &zone->free_area[o];
		int fmt = find_suitable_fallback(area, (unsigned int)o, start_mt, true);
		struct page *page;

		if (fmt == -1)
			continue;
		if (fmt == -2)
			break;
		page = list_first_entry(&area->free_list[fmt], struct page, lru);
		page = try_to_claim_block(zone, page, (unsigned int)o, order, start_mt, fmt);
		if (page)
			return page;
	}
	return NULL;
}

static struct page *rmqueue_steal(struct zone *zone, unsigned int order, int start_mt)
{
	unsigned int o;

	for (o = order; o < NR_PAGE_ORDERS; o++) {
		struct free_area *area = &zone->free_area[o];
		int fmt = find_suitable_fallback(area, o, start_mt, false);
		struct page *page;

		if (fmt < 0)
			continue;
		page = list_first_entry(&area->free_list[fmt], struct page, lru);
		page_del_and_expand(zone, page, order, o, fmt);
		return page;
	}
	return NULL;
}

static struct page *rmqueue(struct zone *zone, unsigned int order, int mt, unsigned int alloc_flags)
{
	struct page *page;

	/*
	 * Movable requests may use CMA pageblocks; they do so first when more than half of the
	 * zone's free memory is CMA, to keep the rest free for requests that can't.
	 */
	if ((alloc_flags & ALLOC_CMA) && zone->cma_pages &&
	    zone_page_state(zone, NR_FREE_CMA) > zone_page_state(zone, NR_FREE_PAGES) / 2) {
		page = rmqueue_smallest(zone, order, MIGRATE_CMA);
		if (page)
			return page;
	}
	page = rmqueue_smallest(zone, order, mt);
	if (likely(page))
		return page;
	if ((alloc_flags & ALLOC_CMA) && zone->cma_pages) {
		page = rmqueue_smallest(zone, order, MIGRATE_CMA);
		if (page)
			return page;
	}
	if (mt >= MIGRATE_PCPTYPES)
		return NULL;
	page = rmqueue_claim(zone, order, mt, alloc_flags);
	if (page)
		return page;
	/* Under ALLOC_NOFRAGMENT the caller first tries other zones before stealing. */
	if (alloc_flags & ALLOC_NOFRAGMENT)
		return NULL;
	return rmqueue_steal(zone, order, mt);
}

struct page *rmqueue_buddy_locked(struct zone *zone, unsigned int order, int migratetype,
				  unsigned int alloc_flags)
{
	struct page *page = NULL;

	mm_lock_assert_held(&zone->lock);
	VM_BUG_ON(order > MAX_PAGE_ORDER || (unsigned int)migratetype >= MIGRATE_TYPES);
	if (alloc_flags & ALLOC_HIGHATOMIC)
		page = rmqueue_smallest(zone, order, MIGRATE_HIGHATOMIC);
	if (!page) {
		page = rmqueue(zone, order, migratetype, alloc_flags);
		if (!page && (alloc_flags & (ALLOC_OOM | ALLOC_NON_BLOCK)))
			page = rmqueue_smallest(zone, order, MIGRATE_HIGHATOMIC);
	}
	return page;
}

int rmqueue_bulk(struct zone *zone, unsigned int order, unsigned long count,
		 struct list_head *list, int migratetype, unsigned int alloc_flags)
{
	unsigned long i;

	mm_lock(&zone->lock);
	for (i = 0; i < count; i++) {
		struct page *page = rmqueue(zone, order, migratetype, alloc_flags);

		if (!page)
			break;
		list_add_tail(&page->lru, list);
	}
	mm_unlock(&zone->lock);
	return (int)i;
}

void reserve_highatomic_pageblock(struct zone *zone, struct page *page, unsigned int order)
{
	struct machine *m = zone->zone_pgdat->machine;
	unsigned long max_managed = ALIGN_UP(zone_managed_pages(zone) / 100, pageblock_nr_pages);
	unsigned long pfn = mpage_to_pfn(m, page);
	int mt;

	if (zone->nr_reserved_highatomic >= max_managed)
		return;
	mm_lock(&zone->lock);
	if (zone->nr_reserved_highatomic >= max_managed)
		goto out;
	mt = get_pfnblock_migratetype(zone, pfn);
	if (!migratetype_is_mergeable(mt))
		goto out;
	if (order < pageblock_order) {
		move_freepages_block(zone, pfn, mt, MIGRATE_HIGHATOMIC);
		zone->nr_reserved_highatomic += pageblock_nr_pages;
	} else {
		change_pageblock_range(zone, pfn, order, MIGRATE_HIGHATOMIC);
		zone->nr_reserved_highatomic += 1UL << order;
	}
out:
	mm_unlock(&zone->lock);
}

bool unreserve_highatomic_pageblock(struct zone *zone)
{
	struct machine *m = zone->zone_pgdat->machine;
	bool done = false;
	unsigned int o;

	mm_lock(&zone->lock);
	for (o = 0; o < NR_PAGE_ORDERS && !done; o++) {
		struct list_head *list = &zone->free_area[o].free_list[MIGRATE_HIGHATOMIC];
		struct page *page;
		unsigned long pfn;

		if (list_empty(list))
			continue;
		page = list_first_entry(list, struct page, lru);
		pfn = mpage_to_pfn(m, page);
		if (o >= pageblock_order) {
			del_page_from_free_list(page, zone, o, MIGRATE_HIGHATOMIC);
			change_pageblock_range(zone, pfn, o, MIGRATE_MOVABLE);
			add_to_free_list(page, zone, o, MIGRATE_MOVABLE, false);
			zone->nr_reserved_highatomic -= MIN(zone->nr_reserved_highatomic, 1UL << o);
		} else {
			move_freepages_block(zone, pfn, MIGRATE_HIGHATOMIC, MIGRATE_MOVABLE);
			zone->nr_reserved_highatomic -= MIN(zone->nr_reserved_highatomic,
							    pageblock_nr_pages);
		}
		done = true;
	}
	mm_unlock(&zone->lock);
	return done;
}
